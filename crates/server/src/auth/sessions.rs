//! Logging in and out, and who the current session is.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use binhe_api::auth::SESSION_HOURS;
use binhe_api::auth::{Account, LoggedIn, LoginRequest, MAX_TERMINAL_CHARS, May, SessionView};
use binhe_core::access::{Principal, Role};
use binhe_store::{Session, StoredAccount};
use chrono::Utc;

use super::{AuthError, Gate, SESSION_COOKIE, passwords};
use crate::dataset::{GridView, Grids};
use crate::http::extract::Json;
use crate::http::{ApiError, AuditNote, Caller, Peer, RequestError};

/// Failed logins one address may make inside [`ADDRESS_WINDOW`] before it is slowed.
const ADDRESS_FAILURES: usize = 30;
const ADDRESS_WINDOW: Duration = Duration::from_mins(10);

/// Failed logins per network address, in this process: slows password spraying across many
/// accounts (each account's own count is in the store).
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// Seconds this address must wait, if it failed too often lately.
    fn wait(&self, address: &str) -> Option<u64> {
        let mut failures = self
            .failures
            .lock()
            .expect("limiter lock is never poisoned");
        let recent = failures.get_mut(address)?;
        let now = Instant::now();
        while recent
            .front()
            .is_some_and(|at| now.duration_since(*at) > ADDRESS_WINDOW)
        {
            recent.pop_front();
        }
        if recent.len() < ADDRESS_FAILURES {
            return None;
        }
        let oldest = *recent.front()?;
        Some(
            ADDRESS_WINDOW
                .saturating_sub(now.duration_since(oldest))
                .as_secs()
                .max(1),
        )
    }

    fn failed(&self, address: &str) {
        let mut failures = self
            .failures
            .lock()
            .expect("limiter lock is never poisoned");
        if failures.len() > 10_000 {
            failures.retain(|_, recent| recent.len() >= ADDRESS_FAILURES);
        }
        failures
            .entry(address.to_owned())
            .or_default()
            .push_back(Instant::now());
    }
}

/// An account as the API shows it.
pub fn account_view(view: &GridView, account: &Principal, disabled: bool) -> Account {
    let community_name = account.community.as_ref().and_then(|code| {
        view.hierarchy()
            .index_of(code)
            .map(|i| view.hierarchy().get(i).name.clone())
    });
    Account {
        login: account.account.clone(),
        name: account.name.clone(),
        role: account.role,
        role_zh: account.role.label_zh().to_owned(),
        community: account.community.clone(),
        community_name,
        worker_id: account.worker_id.clone(),
        disabled,
    }
}

fn session_cookie(token: &str, max_age: i64) -> String {
    format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}")
}

pub async fn login(
    State(gate): State<Gate>,
    State(grids): State<Grids>,
    peer: Peer,
    Json(request): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let login = request.login.unwrap_or_default().trim().to_owned();
    let password = request.password.unwrap_or_default();
    let note = |action: &str, detail: &str| AuditNote::new(action, &login).detail(detail);
    if login.is_empty() || password.is_empty() {
        return Err(AuthError::LoginInvalid.into());
    }
    let throttled = |wait| ApiError::from(AuthError::LoginThrottled { wait });
    if let Some(wait) = gate.limiter.wait(&peer.address) {
        return Ok(note("login_throttled", "address").attach(throttled(wait)));
    }
    let now = Utc::now();
    let stored = gate.accounts.account(&login).await?;
    if let Some(until) = stored.as_ref().and_then(|a| a.locked_until)
        && until > now
    {
        let wait = u64::try_from((until - now).num_seconds())
            .unwrap_or(0)
            .max(1);
        return Ok(note("login_throttled", "account").attach(throttled(wait)));
    }
    let password = password
        .chars()
        .take(passwords::MAX_PASSWORD_CHARS)
        .collect::<String>();
    let matches = passwords::verify(&password, stored.as_ref().map(|a| a.password_hash.as_str()))
        .await
        .map_err(|e| RequestError::Internal(e.to_string()))?;
    let Some(account) = stored.filter(|_| matches) else {
        gate.limiter.failed(&peer.address);
        if gate.accounts.account(&login).await?.is_some() {
            gate.accounts.record_login_failure(&login, now).await?;
        }
        return Ok(note("login_failed", "").attach(ApiError::from(AuthError::LoginFailed)));
    };
    if account.disabled {
        return Ok(
            note("login_failed", "disabled").attach(ApiError::from(AuthError::AccountDisabled))
        );
    }
    gate.accounts.record_login_success(&login).await?;
    let token = passwords::new_token().map_err(|e| RequestError::Internal(e.to_string()))?;
    let terminal: String = request
        .terminal
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_TERMINAL_CHARS)
        .collect();
    let session = Session {
        token_hash: passwords::token_hash(&token),
        login: login.clone(),
        created_at: now,
        expires_at: now + chrono::Duration::hours(SESSION_HOURS),
        terminal: if terminal.is_empty() {
            peer.user_agent.clone()
        } else {
            terminal.clone()
        },
        address: peer.address.clone(),
    };
    gate.accounts.create_session(&session).await?;
    // Expired sessions go when someone logs in, so the table never grows without bound.
    gate.accounts.delete_expired_sessions(now).await?;
    let body = LoggedIn {
        account: account_view(&grids.view(), &account.principal, false),
        token: token.clone(),
        expires_at: session.expires_at,
    };
    let mut response = (
        [(
            header::SET_COOKIE,
            session_cookie(&token, SESSION_HOURS * 3600),
        )],
        Json(body),
    )
        .into_response();
    let mut note = AuditNote::new("login", &login)
        .detail(&terminal)
        .as_account(&account.principal);
    note.terminal = Some(session.terminal);
    response.extensions_mut().insert(note);
    Ok(response)
}

pub async fn logout(State(gate): State<Gate>, caller: Caller) -> Result<Response, ApiError> {
    if let Some(hash) = &caller.session {
        gate.accounts.delete_session(hash).await?;
    }
    let mut response = (
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session_cookie("", 0))],
    )
        .into_response();
    response
        .extensions_mut()
        .insert(AuditNote::new("logout", &caller.principal.account));
    Ok(response)
}

/// What the terminal needs to know about whoever is signed in.
pub async fn current(
    State(gate): State<Gate>,
    State(grids): State<Grids>,
    caller: Caller,
) -> Result<Json<SessionView>, ApiError> {
    let expires_at = match &caller.session {
        Some(hash) => gate
            .accounts
            .session(hash)
            .await?
            .map(|(session, _)| session.expires_at),
        None => None,
    };
    let p = &caller.principal;
    Ok(Json(SessionView {
        account: account_view(&grids.view(), p, false),
        mode: gate.mode.name(),
        expires_at,
        terminal: caller.terminal,
        may: May {
            administer: p.may_administer(),
            dispatch: matches!(p.role, Role::Dispatcher | Role::Commander),
            intake: !matches!(p.role, Role::Administrator),
            import_orders: p.role == Role::Dispatcher,
            audit: p.may_administer(),
        },
    }))
}

/// A stored account as the API shows it.
pub fn stored_view(view: &GridView, account: &StoredAccount) -> Account {
    account_view(view, &account.principal, account.disabled)
}
