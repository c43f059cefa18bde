//! API errors: an HTTP status, a stable English code and a message in Chinese and English.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use binhe_core::FeatureProblem;
use binhe_core::ticket::{IntakeProblem, TransitionError};
use serde_json::json;

use crate::cameras::GatewayError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("grid {code} does not exist")]
    GridNotFound { code: String },
    #[error("{field} is invalid: {reason}")]
    BadRequest {
        field: &'static str,
        reason: String,
        reason_zh: String,
    },
    #[error("Grid file not imported: {} problem(s) found; stored data unchanged", problems.len())]
    ImportRejected { problems: Vec<FeatureProblem> },
    #[error("the database failed: {0}")]
    Store(#[from] binhe_store::StoreError),
    #[error("ticket {id} does not exist")]
    TicketNotFound { id: i64 },
    #[error("worker {id} does not exist")]
    WorkerNotFound { id: String },
    #[error("request not taken in: {} problem(s)", problems.len())]
    IntakeRejected { problems: Vec<IntakeProblem> },
    #[error("{error}")]
    Refused {
        error: TransitionError,
        /// The ticket as it stands, so the terminal can show the current state.
        ticket: Option<serde_json::Value>,
    },
    #[error("import job {job} does not exist (finished jobs are kept for a while only)")]
    JobNotFound { job: u64 },
    #[error("this server runs without the demo feed")]
    DemoFeedOff,
    #[error("the drop point lies in no grid of the street")]
    DropOutside,
    #[error("{0}")]
    Access(#[from] binhe_core::access::AccessError),
    #[error("sign in first")]
    AuthRequired,
    #[error("the session has expired; sign in again")]
    SessionExpired,
    #[error("login and password are both required")]
    LoginInvalid,
    #[error("wrong login or password")]
    LoginFailed,
    #[error("too many failed logins; try again in {wait} s")]
    LoginThrottled { wait: u64 },
    #[error("this account is disabled")]
    AccountDisabled,
    #[error("account {login} exists already")]
    AccountExists { login: String },
    #[error("account {login} does not exist")]
    AccountNotFound { login: String },
    #[error("internal error: {0}")]
    Internal(String),
    #[error("camera {id} does not exist")]
    CameraNotFound { id: String },
    #[error("device {id} does not exist")]
    DeviceNotFound { id: String },
    #[error("ticket {ticket} came with no camera picture")]
    SnapshotNotFound { ticket: i64 },
    #[error("{0}")]
    Camera(#[from] GatewayError),
    #[error("{0}")]
    Kpi(#[from] binhe_core::kpi::KpiError),
    #[error("{field} is invalid: {reason}")]
    KpiQuery {
        code: &'static str,
        field: &'static str,
        reason: String,
        reason_zh: String,
    },
    #[error("the drop point lies in grid {found}, not in {expected}")]
    DropMismatch {
        expected: String,
        found: String,
        found_name: String,
    },
}

impl From<crate::tickets::DeskError> for ApiError {
    fn from(error: crate::tickets::DeskError) -> Self {
        match error {
            crate::tickets::DeskError::NotFound(id) => Self::TicketNotFound { id },
            crate::tickets::DeskError::Transition(error) => Self::Refused {
                error,
                ticket: None,
            },
            crate::tickets::DeskError::Store(error) => Self::Store(error),
            crate::tickets::DeskError::Access(error) => Self::Access(error),
        }
    }
}

impl ApiError {
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            Self::GridNotFound { code } => (
                StatusCode::NOT_FOUND,
                "GRID_NOT_FOUND",
                format!("网格 {code} 不存在"),
            ),
            Self::BadRequest { reason_zh, .. } => {
                (StatusCode::BAD_REQUEST, "BAD_REQUEST", reason_zh.clone())
            }
            Self::ImportRejected { problems } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "GRID_IMPORT_REJECTED",
                format!(
                    "网格文件未导入：发现 {} 个问题，现有数据未作任何改动",
                    problems.len()
                ),
            ),
            Self::Store(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "STORE_FAILED",
                "数据库操作失败，现有数据未作改动，请稍后重试".to_owned(),
            ),
            Self::TicketNotFound { id } => (
                StatusCode::NOT_FOUND,
                "TICKET_NOT_FOUND",
                format!("工单 #{id} 不存在"),
            ),
            Self::WorkerNotFound { id } => (
                StatusCode::NOT_FOUND,
                "WORKER_NOT_FOUND",
                format!("网格员 {id} 不存在"),
            ),
            Self::IntakeRejected { problems } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "INTAKE_REJECTED",
                format!(
                    "工单未受理：{}",
                    problems
                        .iter()
                        .map(|p| p.message_zh.as_str())
                        .collect::<Vec<_>>()
                        .join("；")
                ),
            ),
            Self::Refused { error, .. } => {
                let status = match error {
                    TransitionError::Required { .. } | TransitionError::TooLong { .. } => {
                        StatusCode::BAD_REQUEST
                    }
                    TransitionError::RoleNotPermitted { .. } => StatusCode::FORBIDDEN,
                    _ => StatusCode::CONFLICT,
                };
                (status, error.code(), error.message_zh())
            }
            Self::JobNotFound { job } => (
                StatusCode::NOT_FOUND,
                "JOB_NOT_FOUND",
                format!("导入任务 {job} 不存在（已完成的任务只保留一段时间）"),
            ),
            Self::DemoFeedOff => (
                StatusCode::CONFLICT,
                "DEMO_FEED_OFF",
                "本服务器未启用演示数据流".to_owned(),
            ),
            Self::DropOutside => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "DROP_OUTSIDE_GRID",
                "拖放位置不在本街道任何网格内，工单未分派".to_owned(),
            ),
            Self::Access(error) => (
                StatusCode::FORBIDDEN,
                error.code(),
                error.message_zh().to_owned(),
            ),
            Self::AuthRequired => (
                StatusCode::UNAUTHORIZED,
                "AUTH_REQUIRED",
                "请先登录".to_owned(),
            ),
            Self::SessionExpired => (
                StatusCode::UNAUTHORIZED,
                "SESSION_EXPIRED",
                "会话已过期，请重新登录".to_owned(),
            ),
            Self::LoginInvalid => (
                StatusCode::BAD_REQUEST,
                "LOGIN_INVALID",
                "请输入账号和密码".to_owned(),
            ),
            Self::LoginFailed => (
                StatusCode::UNAUTHORIZED,
                "LOGIN_FAILED",
                "账号或密码错误".to_owned(),
            ),
            Self::LoginThrottled { wait } => (
                StatusCode::TOO_MANY_REQUESTS,
                "LOGIN_THROTTLED",
                format!("登录失败次数过多，请 {wait} 秒后再试"),
            ),
            Self::AccountDisabled => (
                StatusCode::FORBIDDEN,
                "ACCOUNT_DISABLED",
                "该账号已停用，请联系管理员".to_owned(),
            ),
            Self::AccountExists { login } => (
                StatusCode::CONFLICT,
                "ACCOUNT_EXISTS",
                format!("账号 {login} 已存在"),
            ),
            Self::AccountNotFound { login } => (
                StatusCode::NOT_FOUND,
                "ACCOUNT_NOT_FOUND",
                format!("账号 {login} 不存在"),
            ),
            Self::CameraNotFound { id } => (
                StatusCode::NOT_FOUND,
                "CAMERA_NOT_FOUND",
                format!("摄像头 {id} 不存在"),
            ),
            Self::DeviceNotFound { id } => (
                StatusCode::NOT_FOUND,
                "DEVICE_NOT_FOUND",
                format!("设备 {id} 不存在"),
            ),
            Self::SnapshotNotFound { ticket } => (
                StatusCode::NOT_FOUND,
                "SNAPSHOT_NOT_FOUND",
                format!("工单 {ticket} 没有告警截图"),
            ),
            Self::Camera(error) => (
                match error {
                    GatewayError::Unreachable { .. } | GatewayError::InvalidSource { .. } => {
                        StatusCode::BAD_GATEWAY
                    }
                    GatewayError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
                    GatewayError::NoStream { .. } => StatusCode::NOT_FOUND,
                },
                error.code(),
                error.message_zh(),
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "服务器内部错误，现有数据未作改动".to_owned(),
            ),
            Self::Kpi(error) => (StatusCode::BAD_REQUEST, error.code(), error.message_zh()),
            Self::KpiQuery {
                code, reason_zh, ..
            } => (StatusCode::BAD_REQUEST, code, reason_zh.clone()),
            Self::DropMismatch { found_name, .. } => (
                StatusCode::CONFLICT,
                "DROP_MISMATCH",
                format!("拖放位置实际位于“{found_name}”，与高亮网格不符，工单未分派"),
            ),
        }
    }
}

impl ApiError {
    /// The `{"error": {code, message_zh, message_en, …}}` every refusal answers with, on HTTP
    /// and on the video wall's socket alike.
    pub fn body(&self) -> serde_json::Value {
        let (_, code, message_zh) = self.parts();
        let mut body = json!({ "error": { "code": code, "message_zh": message_zh, "message_en": self.to_string() } });
        match self {
            Self::BadRequest { field, .. } | Self::KpiQuery { field, .. } => {
                body["error"]["field"] = json!(field);
            }
            Self::ImportRejected { problems } => body["error"]["problems"] = json!(problems),
            Self::IntakeRejected { problems } => body["error"]["problems"] = json!(problems),
            Self::Refused {
                ticket: Some(ticket),
                ..
            } => body["error"]["ticket"] = ticket.clone(),
            Self::DropMismatch {
                expected, found, ..
            } => {
                body["error"]["expected"] = json!(expected);
                body["error"]["found"] = json!(found);
            }
            Self::LoginThrottled { wait } => body["error"]["retry_after_s"] = json!(wait),
            _ => {}
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, _, _) = self.parts();
        match &self {
            Self::Store(error) => tracing::error!(%error, "store failure"),
            Self::Internal(error) => tracing::error!(%error, "internal failure"),
            _ => {}
        }
        let body = Json(self.body());
        if let Self::LoginThrottled { wait } = &self {
            return (
                status,
                [(axum::http::header::RETRY_AFTER, wait.to_string())],
                body,
            )
                .into_response();
        }
        (status, body).into_response()
    }
}
