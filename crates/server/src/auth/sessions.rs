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
use binhe_store::{LoginTurn, Session, StoredAccount};
use chrono::Utc;

use super::{AuthError, Gate, passwords};
use crate::dataset::{GridView, Grids};
use crate::http::extract::Json;
use crate::http::{ApiError, AuditNote, Caller, Peer, RequestError};

/// Failed logins one address may make inside [`ADDRESS_WINDOW`] before it is slowed.
const ADDRESS_FAILURES: usize = 30;
const ADDRESS_WINDOW: Duration = Duration::from_mins(10);
/// How long a login name's failures are remembered once nothing happens to it.
const NAME_MEMORY: chrono::Duration = chrono::Duration::minutes(15);
/// Past this many addresses remembered, quiet ones are swept out.
const SWEEP_AT: usize = 10_000;
/// The characters of a login name the throttle keeps (no account's is longer; a longer name
/// shares its budget with every name it starts like).
const NAME_KEY_CHARS: usize = 64;

/// The failures (and attempts under way) from one network address.
#[derive(Debug, Default)]
struct AddressTries {
    failures: VecDeque<Instant>,
    in_flight: usize,
}

/// The login throttle per network address (slows spraying guesses across many names), in this
/// process. The budget per login name is kept in the database
/// ([`binhe_store::AccountRepository::reserve_login`]), so every server process on it shares
/// one. An attempt is reserved before its password is hashed, so parallel guesses cannot all
/// pass before the first failure is counted.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    addresses: Mutex<HashMap<String, AddressTries>>,
}

fn seconds_until(until: Instant, now: Instant) -> u64 {
    let left = until.saturating_duration_since(now);
    (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1)
}

/// One attempt from an address let through; [`Attempt::failed`] says it failed (dropped
/// otherwise, it only gives its place back).
#[derive(Debug)]
pub struct Attempt<'l> {
    limiter: &'l LoginLimiter,
    address: String,
    ended: bool,
}

impl LoginLimiter {
    fn addresses(&self) -> std::sync::MutexGuard<'_, HashMap<String, AddressTries>> {
        self.addresses
            .lock()
            .expect("limiter lock is never poisoned")
    }

    /// Reserves an attempt from `address`, or says how many seconds to wait.
    pub fn reserve(&self, address: &str) -> Result<Attempt<'_>, u64> {
        let now = Instant::now();
        let mut addresses = self.addresses();
        if addresses.len() > SWEEP_AT {
            addresses.retain(|_, a| a.in_flight > 0 || a.failures.len() >= ADDRESS_FAILURES);
        }
        let from = addresses.entry(address.to_owned()).or_default();
        while from
            .failures
            .front()
            .is_some_and(|at| now.duration_since(*at) > ADDRESS_WINDOW)
        {
            from.failures.pop_front();
        }
        if from.failures.len() + from.in_flight >= ADDRESS_FAILURES {
            return Err(from
                .failures
                .front()
                .map_or(1, |oldest| seconds_until(*oldest + ADDRESS_WINDOW, now)));
        }
        from.in_flight += 1;
        Ok(Attempt {
            limiter: self,
            address: address.to_owned(),
            ended: false,
        })
    }

    fn end(&self, attempt: &mut Attempt<'_>, failed: bool) {
        if attempt.ended {
            return;
        }
        attempt.ended = true;
        if let Some(from) = self.addresses().get_mut(&attempt.address) {
            from.in_flight = from.in_flight.saturating_sub(1);
            if failed {
                from.failures.push_back(Instant::now());
            }
        }
    }
}

impl Attempt<'_> {
    /// A wrong password (or no such account): counts against the address.
    pub fn failed(mut self) {
        self.limiter.end(&mut self, true);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let limiter = self.limiter;
        limiter.end(self, false);
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

fn session_cookie(gate: &Gate, token: &str, max_age: i64) -> String {
    let name = gate.session_cookie();
    format!("{name}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}")
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
    // The attempt is reserved before anything is looked up or hashed: from the address here,
    // for the name in the store (shared by every server process on the database).
    let attempt = match gate.limiter.reserve(&peer.address) {
        Ok(attempt) => attempt,
        Err(wait) => return Ok(note("login_throttled", "").attach(throttled(wait))),
    };
    let now = Utc::now();
    let name: String = login.chars().take(NAME_KEY_CHARS).collect();
    let attempt_number = match gate
        .accounts
        .reserve_login(&name, now, now - NAME_MEMORY)
        .await?
    {
        LoginTurn::Granted { attempt } => attempt,
        LoginTurn::Locked { until } => {
            let wait = (until - now).num_milliseconds();
            let wait = u64::try_from(wait.div_euclid(1000) + i64::from(wait.rem_euclid(1000) > 0))
                .unwrap_or(0)
                .max(1);
            return Ok(note("login_throttled", "").attach(throttled(wait)));
        }
    };
    let stored = gate.accounts.account(&login).await?;
    let password = password
        .chars()
        .take(passwords::MAX_PASSWORD_CHARS)
        .collect::<String>();
    // No account by that name: a decoy hash takes as long as a real one.
    let matches = passwords::verify(&password, stored.as_ref().map(|a| a.password_hash.as_str()))
        .await
        .map_err(|e| RequestError::Internal(e.to_string()))?;
    let Some(account) = stored.filter(|_| matches) else {
        // The name's count went up when the attempt was reserved; its lock runs from now.
        attempt.failed();
        gate.accounts
            .record_login_failure(&name, attempt_number, Utc::now())
            .await?;
        return Ok(note("login_failed", "").attach(ApiError::from(AuthError::LoginFailed)));
    };
    drop(attempt);
    gate.accounts.clear_login(&name).await?;
    if account.disabled {
        return Ok(
            note("login_failed", "disabled").attach(ApiError::from(AuthError::AccountDisabled))
        );
    }
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
            session_cookie(&gate, &token, SESSION_HOURS * 3600),
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
        [(header::SET_COOKIE, session_cookie(&gate, "", 0))],
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_gets_thirty_attempts_under_way_or_failed_across_names() {
        let limiter = LoginLimiter::default();
        let spraying: Vec<_> = (0..ADDRESS_FAILURES)
            .map(|_| limiter.reserve("10.2.0.1").unwrap())
            .collect();
        assert!(limiter.reserve("10.2.0.1").is_err(), "the next waits");
        assert!(
            limiter.reserve("10.2.0.2").is_ok(),
            "another address does not"
        );
        // Attempts that end without an answer (a store error) give their places back.
        drop(spraying);
        let failing: Vec<_> = (0..ADDRESS_FAILURES)
            .map(|_| limiter.reserve("10.2.0.1").unwrap())
            .collect();
        // Failures count for the window: the wait is until the oldest leaves it.
        for attempt in failing {
            attempt.failed();
        }
        let wait = limiter.reserve("10.2.0.1").err().unwrap();
        assert!(
            (1..=ADDRESS_WINDOW.as_secs()).contains(&wait),
            "{wait} s of at most {ADDRESS_WINDOW:?}"
        );
    }
}
