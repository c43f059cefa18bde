//! API errors: an HTTP status, a stable English code and a message in Chinese and English.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use binhe_core::FeatureProblem;
use serde_json::json;

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
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
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
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message_zh) = self.parts();
        if let Self::Store(error) = &self {
            tracing::error!(%error, "store failure");
        }
        let mut body = json!({ "error": { "code": code, "message_zh": message_zh, "message_en": self.to_string() } });
        if let Self::BadRequest { field, .. } = &self {
            body["error"]["field"] = json!(field);
        }
        if let Self::ImportRejected { problems } = &self {
            body["error"]["problems"] = json!(problems);
        }
        (status, Json(body)).into_response()
    }
}
