//! The camera gateway and its routes: live pictures as MJPEG (which every webview plays,
//! WebKitGTK included), camera health for the map and the dashboard, and single pictures for
//! camera alerts.

pub mod alerts;
mod gateway;
mod health;
mod wall;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use binhe_core::access::AccessError;
use binhe_core::{Device, DeviceKind};
use chrono::SecondsFormat;
use serde::Deserialize;
use serde_json::{Value, json};

pub use gateway::{Feed, Gateway, GatewayError, MAX_UPSTREAMS, Source, Viewer};
pub use health::{Health, HealthBook, PATROL_EVERY, Record};
pub use wall::{MAX_WALL, wall};

use crate::api::AppState;
use crate::auth::Caller;
use crate::dataset::GridView;
use crate::error::ApiError;

const BOUNDARY: &str = "binhe-frame";

/// A camera of the view the caller may see.
fn camera_in_view<'v>(
    view: &'v GridView,
    caller: &Caller,
    id: &str,
) -> Result<&'v Device, ApiError> {
    let camera = view
        .dataset
        .devices
        .iter()
        .find(|d| d.id == id && d.kind == DeviceKind::Camera)
        .ok_or_else(|| ApiError::CameraNotFound { id: id.to_owned() })?;
    if !caller.principal.sees_grid(&camera.grid) {
        return Err(AccessError::OutOfScope.into());
    }
    Ok(camera)
}

/// Starts watching a camera of the dataset; a camera whose record names no usable stream is
/// noted at fault.
async fn watch(gateway: &Gateway, camera: &Device) -> Result<Viewer, ApiError> {
    let source = Source::of(camera).inspect_err(|error| {
        gateway.mark(&camera.id, Health::Fault, Some(error.to_string()));
    })?;
    Ok(gateway.watch(&camera.id, &source).await?)
}

/// One picture from a camera now (for a camera alert that came without one).
pub async fn grab_picture(gateway: &Gateway, camera: &Device) -> Result<Bytes, ApiError> {
    let viewer = watch(gateway, camera).await?;
    let picture = match &*viewer.pictures().borrow() {
        Feed::Picture(jpeg) => jpeg.clone(),
        Feed::Starting | Feed::Ended(_) => {
            return Err(GatewayError::Unreachable {
                camera: camera.id.clone(),
                reason: "the stream ended".to_owned(),
            }
            .into());
        }
    };
    Ok(picture)
}

/// Knocks at every camera of the current view now and then, as long as the server runs.
pub async fn patrol_forever(state: AppState) {
    loop {
        let view = state.view();
        let cameras: Vec<(String, Result<Source, GatewayError>)> = view
            .dataset
            .devices
            .iter()
            .filter(|d| d.kind == DeviceKind::Camera)
            .map(|d| (d.id.clone(), Source::of(d)))
            .collect();
        drop(view);
        state.cameras().patrol(cameras).await;
        tokio::time::sleep(PATROL_EVERY).await;
    }
}

#[derive(Debug, Deserialize)]
pub struct HealthQuery {
    since: Option<u64>,
}

/// `GET /api/cameras/health[?since=V]`: the health of the cameras the caller sees — counts
/// by health, and each camera's (only those changed after version `V` when given).
pub async fn health(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<HealthQuery>,
) -> Json<Value> {
    let view = state.view();
    let cameras = view
        .dataset
        .devices
        .iter()
        .filter(|d| d.kind == DeviceKind::Camera && caller.principal.sees_grid(&d.grid));
    let answer = state.cameras().with_health(|book| {
        let mut counts = std::collections::HashMap::<Health, u64>::new();
        let mut listed = Vec::new();
        for camera in cameras {
            let record = book.record(&camera.id);
            let health = record.map_or(Health::Unknown, |r| r.health);
            *counts.entry(health).or_default() += 1;
            let changed = record.map_or(0, |r| r.version);
            if query.since.is_none_or(|since| changed > since) {
                listed.push(json!({
                    "id": camera.id,
                    "health": health.as_str(),
                    "since": record.map(|r| r.since.to_rfc3339_opts(SecondsFormat::Secs, true)),
                    "reason": record.and_then(|r| r.reason.clone()),
                }));
            }
        }
        let counts: serde_json::Map<String, Value> = Health::ALL
            .iter()
            .map(|h| {
                (
                    h.as_str().to_owned(),
                    json!(counts.get(h).copied().unwrap_or(0)),
                )
            })
            .collect();
        json!({ "version": book.version(), "counts": counts, "cameras": listed })
    });
    Json(answer)
}

/// `GET /api/cameras/{id}/live.mjpeg`: the camera's live picture as
/// `multipart/x-mixed-replace` (an `<img>` plays it).
pub async fn live(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = state.view();
    let camera = camera_in_view(&view, &caller, &id)?;
    let viewer = watch(state.cameras(), camera).await?;
    let pictures = viewer.pictures();
    let frames = futures_util::stream::unfold(
        (viewer, pictures, true),
        |(viewer, mut pictures, first)| async move {
            if !first && pictures.changed().await.is_err() {
                return None;
            }
            let feed = pictures.borrow_and_update().clone();
            match feed {
                Feed::Picture(jpeg) => {
                    let mut part = format!(
                        "--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
                        jpeg.len()
                    )
                    .into_bytes();
                    part.extend_from_slice(&jpeg);
                    part.extend_from_slice(b"\r\n");
                    Some((
                        Ok::<_, std::io::Error>(Bytes::from(part)),
                        (viewer, pictures, false),
                    ))
                }
                Feed::Starting => Some((Ok(Bytes::new()), (viewer, pictures, false))),
                // The camera stopped: the response ends, the player shows it stopped.
                Feed::Ended(_) => None,
            }
        },
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                format!("multipart/x-mixed-replace; boundary={BOUNDARY}"),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(frames),
    )
        .into_response())
}

/// `GET /api/cameras/status`: which camera streams run now and how many watch each.
pub async fn status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, ApiError> {
    caller.must_administer()?;
    let open: Vec<Value> = state
        .cameras()
        .status()
        .into_iter()
        .map(|(camera, viewers)| json!({ "camera": camera, "viewers": viewers }))
        .collect();
    Ok(Json(
        json!({ "open": open, "limit": state.cameras().limit }),
    ))
}
