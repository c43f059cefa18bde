//! Field devices beyond the map layer: the camera gateway (health, open streams, the video
//! wall's socket) and what door-access units report.

use binhe_core::{DoorEventKind, GridCode, Health};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ErrorDetail;
pub use crate::vocabulary::WallState;

/// Camera streams the gateway runs at once …
pub const MAX_STREAMS: usize = 16;
/// … and so the most a video wall's socket carries.
pub const MAX_WALL: usize = MAX_STREAMS;
/// The video wall's socket (WebSocket): [`WallRequest`] in, [`WallNotice`] and pictures out.
pub const WALL: &str = "/api/cameras/wall";
/// Door events a unit's list answers with unless `limit` says otherwise, and at most.
pub const DEFAULT_DOOR_EVENTS: u32 = 50;
pub const MAX_DOOR_EVENTS: u32 = 500;
/// Longest `detail` of a door event.
pub const MAX_DOOR_DETAIL_CHARS: usize = 200;

/// Where a camera's live picture is served (`multipart/x-mixed-replace`, which an `<img>`
/// plays).
pub fn live_path(camera: &str) -> String {
    format!(
        "/api/cameras/{}/live.mjpeg",
        crate::query::encode_component(camera)
    )
}

/// How many cameras (that the caller may see) are in each health.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCounts {
    pub online: u64,
    pub offline: u64,
    pub fault: u64,
    pub unknown: u64,
}

impl HealthCounts {
    pub fn total(self) -> u64 {
        self.online + self.offline + self.fault + self.unknown
    }

    /// One more camera in `health`.
    pub fn count(&mut self, health: Health) {
        *match health {
            Health::Online => &mut self.online,
            Health::Offline => &mut self.offline,
            Health::Fault => &mut self.fault,
            Health::Unknown => &mut self.unknown,
        } += 1;
    }
}

/// One camera's health, since when and, when offline or faulty, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraStatus {
    pub id: String,
    pub health: Health,
    #[serde(with = "crate::time::seconds::option")]
    pub since: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

/// `GET /api/cameras/health[?since=V]`: the counts, and the cameras whose health changed after
/// version `V` (all of them without `since`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    pub version: u64,
    pub counts: HealthCounts,
    pub cameras: Vec<CameraStatus>,
}

/// `GET /api/cameras/health?since=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthQuery {
    pub since: Option<u64>,
}

/// A camera stream the gateway runs and how many watch it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenStream {
    pub camera: String,
    pub viewers: usize,
}

/// `GET /api/cameras/status` (administrators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayStatus {
    pub open: Vec<OpenStream>,
    pub limit: usize,
}

/// What the wall asks for on its socket: the cameras it shows now (at most [`MAX_WALL`]; the
/// list replaces the previous one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WallRequest {
    pub cameras: Vec<String>,
}

/// A text message of the wall's socket: a camera `playing`, `ended` (with the reason) or in
/// `error` (with the refusal); a request the socket could not read gets the `error` alone.
/// Pictures travel as binary messages: 1 byte id length, the id, the JPEG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WallNotice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<WallState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

/// A door-access unit as its event list names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorUnit {
    pub id: String,
    pub name: String,
    pub grid: GridCode,
}

/// One event a door-access unit reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorEventView {
    pub id: i64,
    pub unit: String,
    #[serde(with = "crate::time::seconds")]
    pub at: DateTime<Utc>,
    pub kind: DoorEventKind,
    pub kind_zh: String,
    pub detail: Option<String>,
}

/// `GET /api/door-access/{id}/events?after=&limit=`: the unit's events, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorEvents {
    pub unit: DoorUnit,
    pub events: Vec<DoorEventView>,
}

/// A door alarm (forced, held open) with the unit it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorAlarm {
    pub unit: DoorUnit,
    pub event: DoorEventView,
}

/// `GET /api/door-access/alarms?after=&limit=`: the alarms of every unit the caller reaches,
/// newest first (what a desk's alerts listen for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorAlarms {
    pub alarms: Vec<DoorAlarm>,
}

/// `GET /api/door-access/{id}/events` (and `…/alarms`) parameters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorEventsQuery {
    /// Only events with a larger id.
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// `POST /api/door-access/events`: what a unit reports (`kind` a [`DoorEventKind`] code, `at`
/// RFC 3339 or the server's clock), read as written so a wrong field is named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorReport {
    pub unit: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// `POST /api/door-access/events` answered 201.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorRecorded {
    pub event: Option<DoorEventView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_report_matches_the_contract() {
        let body = r#"{"version": 12, "counts": {"online": 820, "offline": 25, "fault": 2, "unknown": 0},
            "cameras": [{"id": "SXJ0001", "health": "online", "since": "2026-11-28T13:00:00Z", "reason": null},
                        {"id": "SXJ0002", "health": "offline", "since": "2026-11-28T13:00:05Z", "reason": "connection refused"}]}"#;
        let r: HealthReport = serde_json::from_str(body).unwrap();
        assert_eq!(r.version, 12);
        assert_eq!(r.counts.total(), 847);
        assert_eq!(r.cameras[1].health, Health::Offline);
        assert_eq!(r.cameras[1].reason.as_deref(), Some("connection refused"));
    }

    #[test]
    fn counting_a_camera_moves_only_its_health() {
        let mut counts = HealthCounts::default();
        counts.count(Health::Fault);
        counts.count(Health::Fault);
        counts.count(Health::Online);
        assert_eq!((counts.fault, counts.online, counts.total()), (2, 1, 3));
    }

    #[test]
    fn door_events_match_the_contract() {
        let body = r#"{"unit": {"id": "MJ0001", "name": "1 号楼门禁", "grid": "110117001001001"},
            "events": [{"id": 7, "unit": "MJ0001", "at": "2026-11-28T13:00:00Z", "kind": "held_open", "kind_zh": "门长时间未关", "detail": null},
                       {"id": 6, "unit": "MJ0001", "at": "2026-11-28T12:59:00Z", "kind": "forced", "kind_zh": "门被强行打开", "detail": "东门"}]}"#;
        let events = serde_json::from_str::<DoorEvents>(body).unwrap().events;
        assert_eq!(events[0].kind, DoorEventKind::HeldOpen);
        assert_eq!(events[1].detail.as_deref(), Some("东门"));
    }
}
