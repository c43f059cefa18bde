//! Desktop app only: which server the window uses — the embedded one (standalone) or a center.
//!
//! The desktop shell passes a [`CenterChoice`] in [`crate::ServerConfig::desktop`]; only then
//! does the embedded server answer `GET/PUT /api/desktop/center` (404 elsewhere, e.g. on a
//! center). The routes sit behind the same guard as the rest of the API, so only the app's own
//! logged-in window may move it.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use binhe_core::access::AccessError;
use serde_json::{Value, json};
use url::Url;

use crate::auth::Caller;
use crate::auth::audit::AuditNote;
use crate::error::ApiError;

/// What the desktop shell offers the embedded server.
pub trait CenterChoice: Send + Sync + std::fmt::Debug {
    /// The center the app connects to at start; `None`: standalone.
    fn current(&self) -> Option<Url>;
    /// Saves the choice and moves the window (to the center's login page, or nowhere for
    /// standalone). An `Err` is a message for the log and the answer (the choice was not saved).
    fn choose(&self, center: Option<Url>) -> Result<(), String>;
}

#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    #[error(r#"send {{"url": "http://…"}}, or {{"url": null}} for standalone"#)]
    MissingUrl,
    #[error("{given:?} is not an absolute http:// or https:// URL with a host")]
    InvalidUrl { given: String },
    #[error("the desktop app could not save the choice: {0}")]
    SaveFailed(String),
}

impl IntoResponse for DesktopError {
    fn into_response(self) -> Response {
        match self {
            Self::MissingUrl => ApiError::BadRequest {
                field: "url",
                reason: self.to_string(),
                reason_zh: "缺少 url：请填写中心服务器地址，或填 null 使用本机模式".to_owned(),
            }
            .into_response(),
            Self::InvalidUrl { ref given } => ApiError::BadRequest {
                field: "url",
                reason_zh: format!(
                    "“{given}”不是有效的中心服务器地址：须为以 http:// 或 https:// 开头、含主机名的完整地址，例如 http://192.168.1.10:8080/"
                ),
                reason: self.to_string(),
            }
            .into_response(),
            Self::SaveFailed(_) => {
                tracing::error!(error = %self, "desktop center choice");
                let body = json!({ "error": {
                    "code": "DESKTOP_SETTINGS_FAILED",
                    "message_zh": "桌面程序未能保存连接设置，仍保持原来的连接方式",
                    "message_en": self.to_string(),
                }});
                (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
            }
        }
    }
}

/// Accepts an absolute http(s) URL with a host; anything else is [`DesktopError::InvalidUrl`].
pub fn parse_center_url(given: &str) -> Result<Url, DesktopError> {
    let invalid = || DesktopError::InvalidUrl {
        given: given.to_owned(),
    };
    let url = Url::parse(given.trim()).map_err(|_| invalid())?;
    let has_host = url.host_str().is_some_and(|host| !host.is_empty());
    if matches!(url.scheme(), "http" | "https") && has_host {
        Ok(url)
    } else {
        Err(invalid())
    }
}

type Hook = Arc<dyn CenterChoice>;

/// The routes when the shell gave a hook; otherwise the path answers 404 to every method
/// (the static files behind would answer 405 to a PUT).
pub fn routes(hook: Option<Hook>) -> Router {
    let path = "/api/desktop/center";
    match hook {
        Some(hook) => Router::new()
            .route(path, get(current).put(choose))
            .with_state(hook),
        None => Router::new().route(path, any(not_desktop)),
    }
}

async fn not_desktop() -> Response {
    let body = json!({ "error": {
        "code": "NOT_DESKTOP",
        "message_zh": "只有桌面程序的内置服务器提供此接口",
        "message_en": "only the desktop app's embedded server offers this",
    }});
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

fn answer(url: Option<&Url>) -> Json<Value> {
    Json(json!({ "url": url.map(Url::as_str) }))
}

async fn current(State(hook): State<Hook>) -> Json<Value> {
    answer(hook.current().as_ref())
}

async fn choose(
    State(hook): State<Hook>,
    Extension(caller): Extension<Caller>,
    Json(body): Json<Value>,
) -> Response {
    let target = match body.get("url") {
        Some(Value::String(given)) => given.trim().chars().take(200).collect(),
        Some(Value::Null) => "standalone".to_owned(),
        _ => String::new(),
    };
    let note = AuditNote::new("desktop.center", &target);
    // The person at this desktop (its launch key) chooses; an account a trainer logged in as
    // may only if it may run the street's settings.
    if caller.session.is_some() && !caller.principal.may_administer() {
        return note.attach(ApiError::Access(AccessError::Role {
            role: caller.principal.role.as_str(),
            action: "choose the center server",
        }));
    }
    note.attach(change(hook, &body).await)
}

async fn change(hook: Hook, body: &Value) -> Result<Json<Value>, DesktopError> {
    let center = match body.get("url") {
        None => return Err(DesktopError::MissingUrl),
        Some(Value::Null) => None,
        Some(Value::String(given)) => Some(parse_center_url(given)?),
        Some(other) => {
            return Err(DesktopError::InvalidUrl {
                given: other.to_string(),
            });
        }
    };
    let hook_for_call = Arc::clone(&hook);
    let chosen = center.clone();
    // The shell writes a file and talks to the window: keep that off the async workers.
    tokio::task::spawn_blocking(move || hook_for_call.choose(chosen))
        .await
        .map_err(|e| DesktopError::SaveFailed(e.to_string()))?
        .map_err(DesktopError::SaveFailed)?;
    Ok(answer(center.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_and_https_with_a_host() {
        for given in [
            "http://center:8080/",
            "https://binhe.example.cn",
            " http://192.168.1.10:8080/ ",
            "http://[::1]:9000/",
        ] {
            assert!(parse_center_url(given).is_ok(), "{given}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        for given in [
            "",
            "center:8080",
            "/relative",
            "ftp://center/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "http://",
            "tauri://localhost/",
        ] {
            assert!(
                matches!(
                    parse_center_url(given),
                    Err(DesktopError::InvalidUrl { .. })
                ),
                "{given}"
            );
        }
    }
}
