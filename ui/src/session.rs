//! Who is signed in, and when the login page shows.
//!
//! The page asks `/api/session` first. With a session the workspace starts; without one
//! (401) the login page comes up, and it comes up again over the workspace whenever any call
//! is answered 401 `AUTH_REQUIRED` / `SESSION_EXPIRED`. After a login the session is asked
//! again and, if the workspace runs already, [`Auth::generation`] moves on: every panel then
//! loads what the new session may see — no page reload. A server without accounts (404 on
//! `/api/session`) lets the window do everything, as before.

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::auth::SessionView;
use binhe_api::error::code::{
    ACCOUNT_DISABLED, LOGIN_FAILED, LOGIN_INVALID, LOGIN_THROTTLED, SESSION_EXPIRED,
};

use crate::api::auth as api;
use crate::api::{self as base, ApiError};
use crate::app::AppState;
use crate::i18n::{Lang, Msg, login_throttled};

/// Why the login page is up.
#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    /// No session: the first visit, or after signing out.
    Required,
    Expired,
    /// The session could not be asked for (network, server error): shown with 重试.
    Unreachable(ApiError),
    /// 切换账号 on the desktop: the current account stays until another signs in.
    Switch,
    /// The window was the desktop's local dispatcher and its launch key is no longer taken
    /// (the app started again with a new key): only the desktop app opens it again, or an
    /// account signs in.
    KeyLost,
}

impl Reason {
    fn of(error: &ApiError) -> Self {
        if error.code == SESSION_EXPIRED {
            Reason::Expired
        } else if error.is_signed_out() {
            Reason::Required
        } else {
            Reason::Unreachable(error.clone())
        }
    }

    /// Why the login page is up after `error`, for a window that was `session`'s.
    fn after(error: &ApiError, session: Option<&SessionView>) -> Self {
        let reason = Self::of(error);
        if reason == Reason::Required && session.is_some_and(SessionView::is_launch_key) {
            Reason::KeyLost
        } else {
            reason
        }
    }

    /// The workspace stays usable under the login form (it is only a choice).
    pub fn cancellable(&self) -> bool {
        *self == Reason::Switch
    }
}

/// What went wrong with a login attempt, as the login page words it.
#[derive(Clone, Debug, PartialEq)]
pub enum LoginProblem {
    Failed,
    /// Wait this many seconds.
    Throttled(u64),
    Disabled,
    Invalid,
    Other(ApiError),
}

impl LoginProblem {
    pub fn of(error: ApiError) -> Self {
        match error.code.as_str() {
            LOGIN_FAILED => LoginProblem::Failed,
            // The contract promises the wait; a second is the least there is to wait.
            LOGIN_THROTTLED => LoginProblem::Throttled(error.retry_after_s.unwrap_or(1)),
            ACCOUNT_DISABLED => LoginProblem::Disabled,
            LOGIN_INVALID => LoginProblem::Invalid,
            _ => LoginProblem::Other(error),
        }
    }

    /// The error code, for `data-error-code`.
    pub fn code(&self) -> &str {
        match self {
            LoginProblem::Failed => LOGIN_FAILED,
            LoginProblem::Throttled(_) => LOGIN_THROTTLED,
            LoginProblem::Disabled => ACCOUNT_DISABLED,
            LoginProblem::Invalid => LOGIN_INVALID,
            LoginProblem::Other(e) => &e.code,
        }
    }

    /// The message; a throttle counts down from `left` seconds.
    pub fn text(&self, lang: Lang, left: u64) -> String {
        match self {
            LoginProblem::Failed => Msg::LoginFailed.text(lang).to_owned(),
            LoginProblem::Throttled(_) => login_throttled(lang, left),
            LoginProblem::Disabled => Msg::LoginDisabled.text(lang).to_owned(),
            LoginProblem::Invalid => Msg::LoginInvalid.text(lang).to_owned(),
            LoginProblem::Other(e) => e.message(lang).to_owned(),
        }
    }
}

/// A center server address as the desktop takes it: an absolute http(s) URL with a host.
/// The server checks it again; this only saves a round trip for an obvious slip.
pub fn center_url(text: &str) -> Option<String> {
    let url = text.trim();
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host_name = host.split(':').next().unwrap_or_default();
    let bracketed = host.starts_with('[') && host.contains(']');
    let fine = (bracketed || !host_name.is_empty()) && !url.contains(char::is_whitespace);
    fine.then(|| url.to_owned())
}

/// The login state shared by the page; every field is a signal, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Auth {
    /// The login page is up while this is set.
    pub prompt: RwSignal<Option<Reason>>,
    /// The workspace has started (after the first session); it is never torn down.
    pub started: RwSignal<bool>,
    /// Moves on whenever another session takes over a running workspace.
    pub generation: RwSignal<u64>,
}

impl Auth {
    /// Asks for the session and, from then on, brings the login page up whenever the server
    /// says the session is gone.
    pub fn start(state: AppState) -> Self {
        let auth = Auth {
            prompt: RwSignal::new(None),
            started: RwSignal::new(false),
            generation: RwSignal::new(0),
        };
        base::on_signed_out(move |error| {
            // A login page already up keeps what is typed into it.
            if auth.prompt.get_untracked().is_none() {
                let reason = state
                    .session
                    .with_untracked(|s| Reason::after(error, s.as_ref()));
                auth.prompt.set(Some(reason));
            }
        });
        auth.check(state);
        auth
    }

    /// Asks the server who this window is, and shows that: the workspace, or the login page.
    pub fn check(self, state: AppState) {
        spawn_local(async move {
            match api::session().await {
                Ok(session) => {
                    state.session.set(session);
                    self.prompt.set(None);
                    if self.started.get_untracked() {
                        self.generation.update(|g| *g += 1);
                    } else {
                        self.started.set(true);
                    }
                }
                Err(e) => {
                    let reason = state
                        .session
                        .with_untracked(|s| Reason::after(&e, s.as_ref()));
                    self.prompt.set(Some(reason));
                }
            }
        });
    }

    /// 退出登录: on the desktop the window falls back to its own key (the local dispatcher);
    /// elsewhere the login page comes up.
    pub fn logout(self, state: AppState) {
        spawn_local(async move {
            match api::logout().await {
                Ok(()) => self.check(state),
                Err(e) if e.is_signed_out() => {}
                Err(e) => state.notify(Msg::ErrorLogout, e),
            }
        });
    }

    /// 切换账号: the login form over the workspace, which stays until another account is in.
    pub fn switch(self) {
        self.prompt.set(Some(Reason::Switch));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(status: u16, code: &str) -> ApiError {
        let mut e = ApiError::client(code, "服务器说".into(), "server says".into());
        e.status = Some(status);
        e
    }

    #[test]
    fn an_expired_session_is_told_apart() {
        assert_eq!(Reason::of(&error(401, "SESSION_EXPIRED")), Reason::Expired);
        assert_eq!(Reason::of(&error(401, "AUTH_REQUIRED")), Reason::Required);
        let down = error(502, "BAD_RESPONSE");
        assert_eq!(Reason::of(&down), Reason::Unreachable(down.clone()));
        assert!(Reason::Switch.cancellable() && !Reason::Expired.cancellable());
    }

    #[test]
    fn each_login_failure_has_its_own_words() {
        let failed = LoginProblem::of(error(401, LOGIN_FAILED));
        assert_eq!(failed.text(Lang::Zh, 0), "账号或密码错误");
        let mut throttled = error(429, LOGIN_THROTTLED);
        throttled.detail.retry_after_s = Some(8);
        let throttled = LoginProblem::of(throttled);
        assert_eq!(throttled, LoginProblem::Throttled(8));
        assert_eq!(
            throttled.text(Lang::Zh, 8),
            "登录失败次数过多，请 8 秒后再试"
        );
        assert_eq!(
            throttled.text(Lang::En, 3),
            "Too many failed attempts: try again in 3 s"
        );
        assert_eq!(
            LoginProblem::of(error(403, ACCOUNT_DISABLED)).text(Lang::Zh, 0),
            "该账号已停用，请联系管理员"
        );
        assert_eq!(
            LoginProblem::of(error(400, LOGIN_INVALID)).code(),
            LOGIN_INVALID
        );
        let other = LoginProblem::of(error(500, "INTERNAL"));
        assert_eq!(other.text(Lang::En, 0), "server says");
        assert_eq!(other.code(), "INTERNAL");
    }

    #[test]
    fn center_address_must_be_http_with_a_host() {
        assert_eq!(
            center_url(" http://center:8080/ ").as_deref(),
            Some("http://center:8080/")
        );
        assert!(center_url("https://10.0.0.5").is_some());
        assert!(center_url("HTTPS://Center.Example/binhe").is_some());
        assert!(center_url("http://[::1]:8080/").is_some());
        assert!(center_url("center:8080").is_none());
        assert!(center_url("ftp://center/").is_none());
        assert!(center_url("http://").is_none());
        assert!(center_url("http:///path").is_none());
        assert!(center_url("http://:8080/").is_none());
        assert!(center_url("http://cen ter/").is_none());
    }
}
