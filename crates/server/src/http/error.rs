//! Refusals: every room's error enum says its HTTP status, its stable code and its Chinese
//! message ([`Refusal`]); [`ApiError`] wraps any of them and answers with the contract's one
//! error body (`binhe_api::ErrorBody`). The refusals every room shares — a request the server
//! cannot read, a grid or worker that does not exist, the database away — are [`RequestError`]
//! here, beside the domain's own (`AccessError`) and the store's.

use axum::Json;
use axum::extract::rejection::{
    BytesRejection, JsonRejection, PathRejection, QueryRejection, StringRejection,
};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use binhe_api::error::{ErrorBody, ErrorDetail, Problem, code};
use binhe_core::access::AccessError;
use binhe_core::ticket::intake::IntakeProblem;
use binhe_store::StoreError;

/// What a person wrote wrong, each problem's English message joined (for an error's own text).
pub fn problems_en(problems: &[IntakeProblem]) -> String {
    problems
        .iter()
        .map(|p| p.message_en.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The same in Chinese, for `message_zh`.
pub fn problems_zh(problems: &[IntakeProblem]) -> String {
    problems
        .iter()
        .map(|p| p.message_zh.as_str())
        .collect::<Vec<_>>()
        .join("；")
}

/// `detail` with every problem named by field (the first one's field as the error's).
pub fn with_problems(mut detail: ErrorDetail, problems: &[IntakeProblem]) -> ErrorDetail {
    detail.problems = problems.iter().cloned().map(Problem::Intake).collect();
    detail.field = problems.first().map(|p| p.field.clone());
    detail
}

/// A refusal the API can answer with.
pub trait Refusal: std::error::Error + Send + Sync + 'static {
    fn status(&self) -> StatusCode;
    /// Stable English code (`GRID_NOT_FOUND`).
    fn code(&self) -> &str;
    /// What a dispatcher reads.
    fn message_zh(&self) -> String;
    /// The error body; a refusal that says more (a field, problems, the ticket) fills it in.
    fn detail(&self) -> ErrorDetail {
        ErrorDetail::new(self.code(), self.message_zh(), self.to_string())
    }
    /// The server failed (logged), rather than the request.
    fn is_failure(&self) -> bool {
        false
    }
}

/// Any room's refusal, as the API answers it.
pub struct ApiError(Box<dyn Refusal>);

impl<E: Refusal> From<E> for ApiError {
    fn from(refusal: E) -> Self {
        Self(Box::new(refusal))
    }
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiError({}: {})", self.0.code(), self.0)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        self.0.status()
    }

    pub fn code(&self) -> &str {
        self.0.code()
    }

    pub fn message_zh(&self) -> String {
        self.0.message_zh()
    }

    /// The `{"error": {code, message_zh, message_en, …}}` every refusal answers with, on HTTP
    /// and on the video wall's socket alike.
    pub fn body(&self) -> ErrorBody {
        self.0.detail().body()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.0.is_failure() {
            tracing::error!(error = %self.0, code = self.0.code(), "request failed");
        }
        let body = self.body();
        let status = self.status();
        match body.error.retry_after_s {
            Some(wait) => (
                status,
                [(header::RETRY_AFTER, wait.to_string())],
                Json(body),
            )
                .into_response(),
            None => (status, Json(body)).into_response(),
        }
    }
}

/// Refusals every room may give.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// A field or parameter is missing or wrong.
    #[error("{field} is invalid: {reason}")]
    BadRequest {
        field: &'static str,
        reason: String,
        reason_zh: String,
    },
    #[error("grid {code} does not exist")]
    GridNotFound { code: String },
    #[error("worker {id} does not exist")]
    WorkerNotFound { id: String },
    #[error("no route {path}")]
    NoRoute { path: String },
    #[error("{method} is not allowed here")]
    MethodNotAllowed { method: String },
    #[error("the address is {length} bytes long; the server reads at most {limit}")]
    UriTooLong { length: usize, limit: usize },
    #[error("internal error: {0}")]
    Internal(String),
}

impl RequestError {
    pub fn bad(
        field: &'static str,
        reason: impl Into<String>,
        reason_zh: impl Into<String>,
    ) -> Self {
        Self::BadRequest {
            field,
            reason: reason.into(),
            reason_zh: reason_zh.into(),
        }
    }
}

impl Refusal for RequestError {
    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::GridNotFound { .. } | Self::WorkerNotFound { .. } | Self::NoRoute { .. } => {
                StatusCode::NOT_FOUND
            }
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::BadRequest { .. } => code::BAD_REQUEST,
            Self::GridNotFound { .. } => code::GRID_NOT_FOUND,
            Self::WorkerNotFound { .. } => code::WORKER_NOT_FOUND,
            Self::NoRoute { .. } => code::NOT_FOUND,
            Self::MethodNotAllowed { .. } => code::METHOD_NOT_ALLOWED,
            Self::UriTooLong { .. } => code::URI_TOO_LONG,
            Self::Internal(_) => code::INTERNAL_ERROR,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::BadRequest { reason_zh, .. } => reason_zh.clone(),
            Self::GridNotFound { code } => format!("网格 {code} 不存在"),
            Self::WorkerNotFound { id } => format!("网格员 {id} 不存在"),
            Self::NoRoute { path } => format!("接口 {path} 不存在"),
            Self::MethodNotAllowed { method } => format!("此接口不支持 {method} 请求"),
            Self::UriTooLong { length, limit } => {
                format!("请求地址过长（{length} 字节，最多 {limit} 字节），请缩短查询内容")
            }
            Self::Internal(_) => "服务器内部错误，现有数据未作改动".to_owned(),
        }
    }

    fn detail(&self) -> ErrorDetail {
        let mut detail = ErrorDetail::new(self.code(), self.message_zh(), self.to_string());
        if let Self::BadRequest { field, .. } = self {
            detail.field = Some((*field).to_owned());
        }
        detail
    }

    fn is_failure(&self) -> bool {
        matches!(self, Self::Internal(_))
    }
}

impl Refusal for StoreError {
    fn status(&self) -> StatusCode {
        StatusCode::SERVICE_UNAVAILABLE
    }

    fn code(&self) -> &str {
        code::STORE_FAILED
    }

    fn message_zh(&self) -> String {
        "数据库操作失败，现有数据未作改动，请稍后重试".to_owned()
    }

    fn detail(&self) -> ErrorDetail {
        ErrorDetail::new(
            self.code(),
            self.message_zh(),
            format!("the database failed: {self}"),
        )
    }

    fn is_failure(&self) -> bool {
        true
    }
}

impl Refusal for AccessError {
    fn status(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }

    fn code(&self) -> &str {
        AccessError::code(self)
    }

    fn message_zh(&self) -> String {
        AccessError::message_zh(self).to_owned()
    }
}

/// The framework's refusals of a body, a path or a query it could not read answer in the same
/// shape: `BAD_REQUEST` naming `body`, `path` or `query` (`PAYLOAD_TOO_LARGE` for a body over
/// the route's limit), with axum's own explanation as the English message.
fn rejected(status: StatusCode, field: &'static str, zh: &str, detail: String) -> ErrorDetail {
    let (code, message_zh) = if status == StatusCode::PAYLOAD_TOO_LARGE {
        (
            code::PAYLOAD_TOO_LARGE,
            "上传内容超过此接口的大小上限".to_owned(),
        )
    } else {
        (code::BAD_REQUEST, format!("{zh}：{detail}"))
    };
    let mut error = ErrorDetail::new(code, message_zh, detail);
    error.field = Some(field.to_owned());
    error
}

macro_rules! rejection_refusal {
    ($($rejection:ty => $field:literal, $zh:literal;)+) => {$(
        impl Refusal for $rejection {
            fn status(&self) -> StatusCode {
                <$rejection>::status(self)
            }

            fn code(&self) -> &str {
                if <$rejection>::status(self) == StatusCode::PAYLOAD_TOO_LARGE {
                    code::PAYLOAD_TOO_LARGE
                } else {
                    code::BAD_REQUEST
                }
            }

            fn message_zh(&self) -> String {
                rejected(<$rejection>::status(self), $field, $zh, self.body_text()).message_zh
            }

            fn detail(&self) -> ErrorDetail {
                rejected(<$rejection>::status(self), $field, $zh, self.body_text())
            }
        }
    )+};
}

rejection_refusal! {
    JsonRejection => "body", "请求内容不是有效的 JSON";
    StringRejection => "body", "请求内容无法读取";
    BytesRejection => "body", "请求内容无法读取";
    PathRejection => "path", "地址中的参数无效";
    QueryRejection => "query", "查询参数无效";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_answers_with_its_status_and_the_one_error_body() {
        let error = ApiError::from(RequestError::GridNotFound {
            code: "110117001999".to_owned(),
        });
        assert_eq!(error.status(), StatusCode::NOT_FOUND);
        let body = serde_json::to_value(error.body()).unwrap();
        assert_eq!(body["error"]["code"], "GRID_NOT_FOUND");
        assert_eq!(body["error"]["message_zh"], "网格 110117001999 不存在");
        assert_eq!(
            body["error"]["message_en"],
            "grid 110117001999 does not exist"
        );
        let bad = ApiError::from(RequestError::bad(
            "q",
            "search text is empty",
            "请输入网格名称或编码",
        ));
        assert_eq!(
            serde_json::to_value(bad.body()).unwrap()["error"]["field"],
            "q"
        );
    }
}
