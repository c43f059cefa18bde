//! Desktop app only: which server the window uses — the embedded one (standalone) or a center.
//!
//! The desktop shell passes a [`CenterChoice`] in [`crate::ServerConfig::desktop`]; only then
//! does the embedded server answer `GET/PUT /api/desktop/center`; elsewhere (a center, a
//! server run from the command line) `GET` answers 204 with nothing to say — the UI asks on
//! every load, and a plain browser must not log an error for it — and `PUT` 404. The routes sit behind the same guard as the rest of the API, so only the app's own
//! logged-in window may move it.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use binhe_api::auth::DesktopCenter;
use binhe_api::error::{ErrorDetail, code};
use binhe_core::access::AccessError;
use serde_json::Value;
use url::Url;

use crate::http::extract::Json;
use crate::http::{ApiError, AuditNote, Caller, Refusal};

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
    #[error("only the desktop app's embedded server offers this")]
    NotDesktop,
}

impl Refusal for DesktopError {
    fn status(&self) -> StatusCode {
        match self {
            Self::MissingUrl | Self::InvalidUrl { .. } => StatusCode::BAD_REQUEST,
            Self::SaveFailed(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotDesktop => StatusCode::NOT_FOUND,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::MissingUrl | Self::InvalidUrl { .. } => code::BAD_REQUEST,
            Self::SaveFailed(_) => code::DESKTOP_SETTINGS_FAILED,
            Self::NotDesktop => code::NOT_DESKTOP,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::MissingUrl => "缺少 url：请填写中心服务器地址，或填 null 使用本机模式".to_owned(),
            Self::InvalidUrl { given } => format!(
                "“{given}”不是有效的中心服务器地址：须为以 http:// 或 https:// 开头、含主机名的完整地址，例如 http://192.168.1.10:8080/"
            ),
            Self::SaveFailed(_) => "桌面程序未能保存连接设置，仍保持原来的连接方式".to_owned(),
            Self::NotDesktop => "只有桌面程序的内置服务器提供此接口".to_owned(),
        }
    }

    fn detail(&self) -> ErrorDetail {
        let mut detail = ErrorDetail::new(self.code(), self.message_zh(), self.to_string());
        if matches!(self, Self::MissingUrl | Self::InvalidUrl { .. }) {
            detail.field = Some("url".to_owned());
        }
        detail
    }

    fn is_failure(&self) -> bool {
        matches!(self, Self::SaveFailed(_))
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

/// The routes when the shell gave a hook; otherwise the path answers `GET` with 204 (no desktop
/// here) and 404 to every other method (the static files behind would answer 405 to a PUT).
pub fn routes(hook: Option<Hook>) -> Router {
    let path = "/api/desktop/center";
    match hook {
        Some(hook) => Router::new()
            .route(path, get(current).put(choose))
            .with_state(hook),
        None => Router::new().route(path, get(no_desktop).fallback(not_desktop)),
    }
}

async fn no_desktop() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn not_desktop() -> ApiError {
    DesktopError::NotDesktop.into()
}

fn answer(url: Option<&Url>) -> Json<DesktopCenter> {
    Json(DesktopCenter {
        url: url.map(|u| u.as_str().to_owned()),
    })
}

async fn current(State(hook): State<Hook>) -> Json<DesktopCenter> {
    answer(hook.current().as_ref())
}

/// `PUT /api/desktop/center`: `{"url": "http://…"}`, or `{"url": null}` for standalone. Read as
/// any JSON so that a missing `url` and a `null` one are told apart.
async fn choose(State(hook): State<Hook>, caller: Caller, Json(body): Json<Value>) -> Response {
    let target = match body.get("url") {
        Some(Value::String(given)) => given.trim().chars().take(200).collect(),
        Some(Value::Null) => "standalone".to_owned(),
        _ => String::new(),
    };
    let note = AuditNote::new("desktop.center", &target);
    // The person at this desktop (its launch key) chooses; an account a trainer logged in as
    // may only if it may run the street's settings.
    if caller.session.is_some() && !caller.principal.may_administer() {
        return note.attach(ApiError::from(AccessError::Role {
            role: caller.principal.role.as_str(),
            action: "choose the center server",
        }));
    }
    note.attach(change(hook, &body).await.map_err(ApiError::from))
}

async fn change(hook: Hook, body: &Value) -> Result<Json<DesktopCenter>, DesktopError> {
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
