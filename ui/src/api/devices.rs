//! Field devices beyond the map's GeoJSON: the cameras' health and the door-access units'
//! events.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use gloo_net::http::Request;

use super::{ApiError, encode_component, get_json, send};

/// A camera's health, as `health` in `/api/cameras/health` and `/api/devices.geojson`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Online,
    Offline,
    Fault,
    #[default]
    #[serde(other)]
    Unknown,
}

impl Health {
    pub const ALL: [Self; 4] = [Self::Online, Self::Offline, Self::Fault, Self::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Offline => "offline",
            Self::Fault => "fault",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|h| h.as_str() == s)
            .unwrap_or(Self::Unknown)
    }
}

/// How many cameras (that the caller may see) are in each health.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct HealthCounts {
    #[serde(default)]
    pub online: u64,
    #[serde(default)]
    pub offline: u64,
    #[serde(default)]
    pub fault: u64,
    #[serde(default)]
    pub unknown: u64,
}

impl HealthCounts {
    pub fn total(self) -> u64 {
        self.online + self.offline + self.fault + self.unknown
    }
}

/// One camera's health and, when offline or faulty, why.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CameraStatus {
    pub id: String,
    pub health: Health,
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `GET /api/cameras/health[?since=V]`: the full counts, and the cameras whose health
/// changed after version `V` (all of them without `since`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct HealthReport {
    pub version: u64,
    pub counts: HealthCounts,
    #[serde(default)]
    pub cameras: Vec<CameraStatus>,
}

pub async fn camera_health(since: Option<u64>) -> Result<HealthReport, ApiError> {
    match since {
        Some(v) => get_json(&format!("/api/cameras/health?since={v}")).await,
        None => get_json("/api/cameras/health").await,
    }
}

/// What a door-access unit reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoorEventKind {
    Forced,
    HeldOpen,
    Restored,
    #[serde(other)]
    Other,
}

impl DoorEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Forced => "forced",
            Self::HeldOpen => "held_open",
            Self::Restored => "restored",
            Self::Other => "other",
        }
    }
}

/// One event of `GET /api/door-access/{id}/events`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DoorEvent {
    pub id: u64,
    pub unit: String,
    pub at: DateTime<Utc>,
    pub kind: DoorEventKind,
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Deserialize)]
struct DoorEvents {
    events: Vec<DoorEvent>,
}

/// A door-access unit's events newer than `after`, newest first.
pub async fn door_events(unit: &str, after: Option<u64>) -> Result<Vec<DoorEvent>, ApiError> {
    let unit = encode_component(unit);
    let url = match after {
        Some(id) => format!("/api/door-access/{unit}/events?after={id}"),
        None => format!("/api/door-access/{unit}/events"),
    };
    Ok(get_json::<DoorEvents>(&url).await?.events)
}

/// The live picture of a camera, as the gateway serves it (`multipart/x-mixed-replace`).
pub fn live_url(camera: &str) -> String {
    format!("/api/cameras/{}/live.mjpeg", encode_component(camera))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_report_matches_the_contract() {
        let body = r#"{"version": 12, "counts": {"online": 820, "offline": 25, "fault": 2, "unknown": 0},
            "cameras": [{"id": "SXJ0001", "health": "online", "since": "2026-11-28T13:00:00Z", "reason": null},
                        {"id": "SXJ0002", "health": "offline", "since": "2026-11-28T13:00:05Z", "reason": "connection refused"},
                        {"id": "SXJ0003", "health": "rebooting"}]}"#;
        let r: HealthReport = serde_json::from_str(body).unwrap();
        assert_eq!(r.version, 12);
        assert_eq!(r.counts.total(), 847);
        assert_eq!(r.cameras[1].health, Health::Offline);
        assert_eq!(r.cameras[1].reason.as_deref(), Some("connection refused"));
        assert_eq!(
            r.cameras[2].health,
            Health::Unknown,
            "a new health reads as unknown"
        );
    }

    #[test]
    fn door_events_match_the_contract() {
        let body = r#"{"events": [{"id": 7, "unit": "MJ0001", "at": "2026-11-28T13:00:00Z", "kind": "held_open", "detail": null},
                                  {"id": 6, "unit": "MJ0001", "at": "2026-11-28T12:59:00Z", "kind": "forced", "detail": "东门"}]}"#;
        let events = serde_json::from_str::<DoorEvents>(body).unwrap().events;
        assert_eq!(events[0].kind, DoorEventKind::HeldOpen);
        assert_eq!(events[1].detail.as_deref(), Some("东门"));
    }
}
