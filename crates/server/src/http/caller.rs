//! Who is asking: the person behind a request ([`Caller`], put there by the gate in front of
//! every route) and where it came from ([`Peer`]), as extractors every room's handlers take.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use binhe_api::error::code;
use binhe_core::access::{AccessError, Principal, Role};

use super::error::{ApiError, Refusal};

/// The person behind a request, and where it came from (for the audit log).
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// The hash of the session token; `None` for the launch key.
    pub session: Option<String>,
    /// The terminal's name for itself (given at login), else the browser's user agent.
    pub terminal: String,
    pub address: String,
}

impl Caller {
    /// Refuses unless the caller's role may run the street's settings, grids and accounts.
    pub fn must_administer(&self) -> Result<(), AccessError> {
        if self.principal.may_administer() {
            Ok(())
        } else {
            Err(self.role_refused("administer"))
        }
    }

    /// Refuses unless the caller is one of `roles`.
    pub fn must_be(&self, roles: &[Role], action: &'static str) -> Result<(), AccessError> {
        if roles.contains(&self.principal.role) {
            Ok(())
        } else {
            Err(self.role_refused(action))
        }
    }

    fn role_refused(&self, action: &'static str) -> AccessError {
        AccessError::Role {
            role: self.principal.role.as_str(),
            action,
        }
    }
}

/// The roles a route admits, checked by [`admit`] in front of its handler: a caller of another
/// role (or nobody) is refused before a byte of the body is read, so nobody without the right
/// has the server take in a large upload. Put it outermost on the route:
/// `post(handler).layer(DefaultBodyLimit::max(…)).layer(from_fn_with_state(ADMITS, admit))`.
#[derive(Debug, Clone, Copy)]
pub struct Admits {
    pub roles: &'static [Role],
    pub action: &'static str,
}

impl Admits {
    /// The street's settings, grids and accounts ([`Caller::must_administer`]).
    pub const ADMINISTER: Self = Self {
        roles: &[Role::Dispatcher, Role::Administrator],
        action: "administer",
    };
}

/// Middleware for [`Admits`].
pub async fn admit(State(admits): State<Admits>, request: Request, next: Next) -> Response {
    let Some(caller) = request.extensions().get::<Caller>() else {
        return ApiError::from(CallerError::AuthRequired).into_response();
    };
    if let Err(refused) = caller.must_be(admits.roles, admits.action) {
        return ApiError::from(refused).into_response();
    }
    next.run(request).await
}

/// Where a request came from, known before anyone is signed in.
#[derive(Debug, Clone)]
pub struct Peer {
    pub address: String,
    pub user_agent: String,
}

/// Why nobody is behind a request that needs someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CallerError {
    #[error("sign in first")]
    AuthRequired,
    #[error("the session has expired; sign in again")]
    SessionExpired,
}

impl Refusal for CallerError {
    fn status(&self) -> StatusCode {
        StatusCode::UNAUTHORIZED
    }

    fn code(&self) -> &str {
        match self {
            Self::AuthRequired => code::AUTH_REQUIRED,
            Self::SessionExpired => code::SESSION_EXPIRED,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::AuthRequired => "请先登录",
            Self::SessionExpired => "会话已过期，请重新登录",
        }
        .to_owned()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Self>()
            .cloned()
            .ok_or_else(|| CallerError::AuthRequired.into())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(parts.extensions.get::<Self>().cloned().unwrap_or(Self {
            address: "unknown".to_owned(),
            user_agent: String::new(),
        }))
    }
}
