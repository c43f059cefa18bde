//! The one error body of the API — `{"error": {code, message_zh, message_en, …}}` — on every
//! 4xx and 5xx answer (the framework's own refusals too) and on the video wall's socket, and
//! the codes a terminal reacts to. Codes of the domain's own refusals (a ticket's state, a
//! role's reach, a KPI period, a grid file's features) come from `binhe_core` and travel the
//! same way.

use binhe_core::FeatureProblem;
use binhe_core::ticket::IntakeProblem;
use serde::{Deserialize, Serialize};

use crate::tickets::TicketView;

/// What every refusal answers with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// A refusal: a stable English code, what a dispatcher reads (Chinese) and its English, and
/// where it applies what the refusal is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
    /// The request field (or query parameter) a 400 is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every problem of a rejected grid file (`GRID_IMPORT_REJECTED`, feature by feature) or
    /// request (`INTAKE_REJECTED`, field by field); nothing was stored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// The ticket as it stands, with a refused action (409), so the terminal can show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<Box<TicketView>>,
    /// `DROP_MISMATCH`: the grid the terminal highlighted …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// … and the one the drop point really lies in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// `LOGIN_THROTTLED`: seconds to wait (also the `Retry-After` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}

impl ErrorDetail {
    /// A refusal with nothing beyond its code and messages.
    pub fn new(code: &str, message_zh: impl Into<String>, message_en: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message_zh: message_zh.into(),
            message_en: message_en.into(),
            field: None,
            problems: Vec::new(),
            ticket: None,
            expected: None,
            found: None,
            retry_after_s: None,
        }
    }

    /// The body this refusal answers with.
    pub fn body(self) -> ErrorBody {
        ErrorBody { error: self }
    }
}

/// One problem of a rejected grid file or request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Problem {
    /// A request field (it names `field`, which a file's problem never does).
    Intake(IntakeProblem),
    /// A feature of a grid file, or the whole file.
    Feature(FeatureProblem),
}

impl Problem {
    /// Stable English code, e.g. `NOT_POLYGON`.
    pub fn code(&self) -> &str {
        match self {
            Self::Intake(p) => &p.code,
            Self::Feature(p) => &p.code,
        }
    }

    pub fn message_zh(&self) -> &str {
        match self {
            Self::Intake(p) => &p.message_zh,
            Self::Feature(p) => &p.message_zh,
        }
    }

    pub fn message_en(&self) -> &str {
        match self {
            Self::Intake(p) => &p.message_en,
            Self::Feature(p) => &p.message_en,
        }
    }

    /// Zero-based position in the file's `features`; `None` for the whole file or a request.
    pub fn feature_index(&self) -> Option<usize> {
        match self {
            Self::Intake(_) => None,
            Self::Feature(p) => p.feature_index,
        }
    }

    /// The feature's grid code as written, when it has one.
    pub fn grid_code(&self) -> Option<&str> {
        match self {
            Self::Intake(_) => None,
            Self::Feature(p) => p.grid_code.as_deref(),
        }
    }

    /// The request field a problem of a request is about.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Intake(p) => Some(&p.field),
            Self::Feature(_) => None,
        }
    }
}

/// The codes the server's own refusals answer with.
pub mod code {
    // The gate in front of every route.
    /// No session (never logged in, logged out, or a token that is no live session).
    pub const AUTH_REQUIRED: &str = "AUTH_REQUIRED";
    /// The session has run out (12 hours after login).
    pub const SESSION_EXPIRED: &str = "SESSION_EXPIRED";
    pub const HOST_NOT_ALLOWED: &str = "HOST_NOT_ALLOWED";
    pub const ORIGIN_NOT_ALLOWED: &str = "ORIGIN_NOT_ALLOWED";
    pub const LAUNCH_KEY_REQUIRED: &str = "LAUNCH_KEY_REQUIRED";

    // Logins and accounts.
    /// Login or password missing.
    pub const LOGIN_INVALID: &str = "LOGIN_INVALID";
    /// Wrong account or password (the same answer for both).
    pub const LOGIN_FAILED: &str = "LOGIN_FAILED";
    /// Too many failures: wait `retry_after_s`.
    pub const LOGIN_THROTTLED: &str = "LOGIN_THROTTLED";
    pub const ACCOUNT_DISABLED: &str = "ACCOUNT_DISABLED";
    /// A new account's login is taken.
    pub const ACCOUNT_EXISTS: &str = "ACCOUNT_EXISTS";
    pub const ACCOUNT_NOT_FOUND: &str = "ACCOUNT_NOT_FOUND";
    /// An account change the caller's role may not make: another account's password (only an
    /// administrator resets one), or any change to an account with more rights than the caller's
    /// (403).
    pub const ACCOUNT_CHANGE_NOT_PERMITTED: &str = "ACCOUNT_CHANGE_NOT_PERMITTED";

    // Requests sent with an `Idempotency-Key` (a terminal replaying what it queued offline).
    /// The key is empty, longer than 255 characters or not printable ASCII.
    pub const IDEMPOTENCY_KEY_INVALID: &str = "IDEMPOTENCY_KEY_INVALID";
    /// The first request with this key is still being answered: retry after `retry_after_s`.
    pub const IDEMPOTENCY_IN_PROGRESS: &str = "IDEMPOTENCY_IN_PROGRESS";
    /// The key was used before for another request (method, path or body differ).
    pub const IDEMPOTENCY_KEY_REUSED: &str = "IDEMPOTENCY_KEY_REUSED";

    // Requests the server could not read.
    /// A field or parameter is missing or wrong (`field` names it).
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    /// No route at this path.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// The route exists, not with this method.
    pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
    /// The body is larger than the route takes.
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    /// The address (with its query) is longer than the server reads.
    pub const URI_TOO_LONG: &str = "URI_TOO_LONG";
    /// An uploaded archive (XLSX, zipped survey) unpacks to more than the server takes, in
    /// one entry or in all (`message_*` name the entry).
    pub const FILE_TOO_LARGE_UNPACKED: &str = "FILE_TOO_LARGE_UNPACKED";

    // The server itself.
    pub const STORE_FAILED: &str = "STORE_FAILED";
    pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";

    // Grids.
    /// A grid that does not exist (any more).
    pub const GRID_NOT_FOUND: &str = "GRID_NOT_FOUND";
    pub const GRID_IMPORT_REJECTED: &str = "GRID_IMPORT_REJECTED";

    // The basemap.
    /// No basemap file, or not the one asked for (replaced meanwhile).
    pub const BASEMAP_NOT_FOUND: &str = "BASEMAP_NOT_FOUND";
    /// The uploaded file is no MBTiles or PMTiles the map can draw (`message_*` say why).
    pub const BASEMAP_INVALID: &str = "BASEMAP_INVALID";
    /// A tile address outside the tile pyramid.
    pub const TILE_OUT_OF_RANGE: &str = "TILE_OUT_OF_RANGE";
    /// A Range request for bytes the file does not have.
    pub const RANGE_NOT_SATISFIABLE: &str = "RANGE_NOT_SATISFIABLE";

    // Tickets.
    pub const TICKET_NOT_FOUND: &str = "TICKET_NOT_FOUND";
    pub const WORKER_NOT_FOUND: &str = "WORKER_NOT_FOUND";
    /// A dispatch, delegation or self-handling names a worker who is not posted in the
    /// community of the grid the ticket goes to, or lies outside the caller's scope (403).
    pub const WORKER_OUT_OF_SCOPE: &str = "WORKER_OUT_OF_SCOPE";
    pub const INTAKE_REJECTED: &str = "INTAKE_REJECTED";
    pub const JOB_NOT_FOUND: &str = "JOB_NOT_FOUND";
    pub const DROP_OUTSIDE_GRID: &str = "DROP_OUTSIDE_GRID";
    pub const DROP_MISMATCH: &str = "DROP_MISMATCH";
    pub const DEMO_FEED_OFF: &str = "DEMO_FEED_OFF";
    pub const SNAPSHOT_NOT_FOUND: &str = "SNAPSHOT_NOT_FOUND";
    /// No export of the caller's under this progress token (never started, another account's,
    /// or ended more than ten minutes ago).
    pub const EXPORT_UNKNOWN: &str = "EXPORT_UNKNOWN";
    // Photos of a ticket (the grid worker's phone).
    /// The upload is no JPEG, PNG or HEIC (415).
    pub const PHOTO_TYPE_UNSUPPORTED: &str = "PHOTO_TYPE_UNSUPPORTED";
    /// A JPEG or PNG whose header cannot be read (damaged or cut off).
    pub const PHOTO_UNREADABLE: &str = "PHOTO_UNREADABLE";
    /// A HEIC photo that could not be converted to JPEG.
    pub const PHOTO_NOT_CONVERTED: &str = "PHOTO_NOT_CONVERTED";
    pub const PHOTO_NOT_FOUND: &str = "PHOTO_NOT_FOUND";
    /// A feedback names a photo that was not uploaded to that ticket.
    pub const PHOTO_NOT_OF_TICKET: &str = "PHOTO_NOT_OF_TICKET";

    // Cameras and door-access units.
    pub const CAMERA_NOT_FOUND: &str = "CAMERA_NOT_FOUND";
    pub const DEVICE_NOT_FOUND: &str = "DEVICE_NOT_FOUND";
    pub const CAMERA_UNREACHABLE: &str = "CAMERA_UNREACHABLE";
    pub const CAMERA_SOURCE_INVALID: &str = "CAMERA_SOURCE_INVALID";
    pub const CAMERA_NO_STREAM: &str = "CAMERA_NO_STREAM";
    pub const GATEWAY_BUSY: &str = "GATEWAY_BUSY";
    /// The caller (this account, or this signed-in session) already watches as many live
    /// streams as it may at once; closing one frees its place.
    pub const STREAM_LIMIT: &str = "STREAM_LIMIT";
    pub const BAD_WALL_REQUEST: &str = "BAD_WALL_REQUEST";

    // The desktop app's embedded server.
    pub const NOT_DESKTOP: &str = "NOT_DESKTOP";
    pub const DESKTOP_SETTINGS_FAILED: &str = "DESKTOP_SETTINGS_FAILED";

    // Open311 (the GeoReport v2 routes answer with the specification's error list; these are
    // for the audit log and the administrator's client routes).
    pub const OPEN311_BAD_REQUEST: &str = "OPEN311_BAD_REQUEST";
    pub const OPEN311_NOT_FOUND: &str = "OPEN311_NOT_FOUND";
    pub const OPEN311_KEY_REFUSED: &str = "OPEN311_KEY_REFUSED";
    pub const OPEN311_FAILED: &str = "OPEN311_FAILED";
    pub const OPEN311_CLIENT_EXISTS: &str = "OPEN311_CLIENT_EXISTS";
    pub const OPEN311_CLIENT_NOT_FOUND: &str = "OPEN311_CLIENT_NOT_FOUND";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_problem_and_a_request_problem_read_back_as_what_they_were() {
        let body = r#"{"error":{"code":"GRID_IMPORT_REJECTED","message_zh":"网格文件未导入","message_en":"rejected","problems":[
            {"feature_index":21,"grid_code":"110117001001006","code":"NOT_POLYGON","message_zh":"几何类型为 Point","message_en":"geometry is Point"},
            {"feature_index":null,"grid_code":null,"code":"STREET_COUNT","message_zh":"街道","message_en":"street"},
            {"field":"lon","code":"INVALID_COORDINATE","message_zh":"经度","message_en":"lon"}]}}"#;
        let error = serde_json::from_str::<ErrorBody>(body).unwrap().error;
        assert_eq!(error.problems.len(), 3);
        assert_eq!(error.problems[0].feature_index(), Some(21));
        assert_eq!(error.problems[0].message_en(), "geometry is Point");
        assert_eq!(error.problems[1].grid_code(), None);
        assert_eq!(error.problems[1].feature_index(), None);
        assert_eq!(error.problems[2].field(), Some("lon"));
        let again: serde_json::Value = serde_json::to_value(ErrorBody { error }).unwrap();
        assert_eq!(
            again,
            serde_json::from_str::<serde_json::Value>(body).unwrap()
        );
    }

    #[test]
    fn a_plain_refusal_names_only_its_code_and_messages() {
        let body = serde_json::to_value(
            ErrorDetail::new(
                code::GRID_NOT_FOUND,
                "网格 1 不存在",
                "grid 1 does not exist",
            )
            .body(),
        )
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": {"code": "GRID_NOT_FOUND",
                "message_zh": "网格 1 不存在", "message_en": "grid 1 does not exist"}})
        );
    }
}

#[cfg(test)]
mod login_tests {
    use super::*;

    #[test]
    fn throttled_login_carries_the_wait() {
        let body = r#"{"error":{"code":"LOGIN_THROTTLED","message_zh":"登录尝试过多","message_en":"Too many attempts","retry_after_s":8}}"#;
        let e = serde_json::from_str::<ErrorBody>(body).unwrap().error;
        assert_eq!(e.code, code::LOGIN_THROTTLED);
        assert_eq!(e.retry_after_s, Some(8));
    }

    #[test]
    fn a_bad_field_is_named() {
        let body = r#"{"error":{"code":"BAD_REQUEST","message_zh":"密码至少 8 个字符","message_en":"password too short","field":"password"}}"#;
        let e = serde_json::from_str::<ErrorBody>(body).unwrap().error;
        assert_eq!(e.field.as_deref(), Some("password"));
    }
}
