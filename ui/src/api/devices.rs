//! Field devices beyond the map's GeoJSON: the cameras' health and the door-access units'
//! events. The calls; the types are the contract's (`binhe_api::devices`).

use binhe_api::devices::{DoorAlarms, DoorEventView, DoorEvents, HealthReport, live_path};
use gloo_net::http::Request;

use super::{ApiError, encode_component, get_json, send};

pub async fn camera_health(since: Option<u64>) -> Result<HealthReport, ApiError> {
    match since {
        Some(v) => get_json(&format!("/api/cameras/health?since={v}")).await,
        None => get_json("/api/cameras/health").await,
    }
}

/// Door alarms of every unit in reach newer than `after`, newest first, at most `limit`.
pub async fn door_alarms(after: i64, limit: u32) -> Result<DoorAlarms, ApiError> {
    get_json(&format!(
        "/api/door-access/alarms?after={after}&limit={limit}"
    ))
    .await
}

/// A door-access unit's events newer than `after`, newest first.
pub async fn door_events(unit: &str, after: Option<i64>) -> Result<Vec<DoorEventView>, ApiError> {
    let unit = encode_component(unit);
    let url = match after {
        Some(id) => format!("/api/door-access/{unit}/events?after={id}"),
        None => format!("/api/door-access/{unit}/events"),
    };
    Ok(get_json::<DoorEvents>(&url).await?.events)
}

/// The live picture of a camera, as the gateway serves it (`multipart/x-mixed-replace`).
pub fn live_url(camera: &str) -> String {
    live_path(camera)
}

/// Why the gateway refuses a camera's picture, which an `<img>` cannot tell: asks once more
/// and stops reading at the answer's head. `None` when the picture is served now.
pub async fn live_refusal(camera: &str) -> Option<ApiError> {
    let url = live_url(camera);
    let controller = web_sys::AbortController::new().ok()?;
    let request = Request::get(&url)
        .abort_signal(Some(&controller.signal()))
        .build();
    let answer = send(request, &url).await;
    // A stream that does play is dropped at once: the gateway lets go of it with its viewer.
    controller.abort();
    answer.err()
}
