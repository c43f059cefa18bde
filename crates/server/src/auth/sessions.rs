//! Logging in and out, and who the current session is.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use binhe_api::auth::SESSION_HOURS;
use binhe_api::auth::{Account, LoggedIn, LoginRequest, MAX_TERMINAL_CHARS, May, SessionView};
use binhe_core::access::{FREE_LOGIN_FAILURES, Principal, Role, login_lockout};
use binhe_store::{Session, StoredAccount};
use chrono::Utc;

use super::{AuthError, Gate, SESSION_COOKIE, passwords};
use crate::dataset::{GridView, Grids};
use crate::http::extract::Json;
use crate::http::{ApiError, AuditNote, Caller, Peer, RequestError};

/// Failed logins one address may make inside [`ADDRESS_WINDOW`] before it is slowed.
const ADDRESS_FAILURES: usize = 30;
const ADDRESS_WINDOW: Duration = Duration::from_mins(10);
/// How long a login name's failures are remembered once nothing happens to it.
const NAME_MEMORY: Duration = Duration::from_mins(15);
/// Past this many login names or addresses remembered, forgotten ones are swept out.
const SWEEP_AT: usize = 10_000;
/// The characters of a login name the throttle keeps (no account's is longer; a longer name
/// shares its budget with every name it starts like).
const NAME_KEY_CHARS: usize = 64;

/// The login attempts of one login name, whether an account has it or not.
#[derive(Debug)]
struct NameTries {
    /// Failures in a row.
    failures: u32,
    /// Attempts let through and not yet answered: each may still fail.
    in_flight: u32,
    locked_until: Option<Instant>,
    last: Instant,
}

/// The failures (and attempts under way) from one network address.
#[derive(Debug, Default)]
struct AddressTries {
    failures: VecDeque<Instant>,
    in_flight: usize,
}

#[derive(Debug, Default)]
struct Tries {
    names: HashMap<String, NameTries>,
    addresses: HashMap<String, AddressTries>,
}

/// The login throttle, in this process. An attempt is reserved before its password is hashed,
/// under one lock, so parallel guesses cannot all pass before the first failure is counted:
/// per login name (a budget no second address renews, the same for names no account has, so
/// the throttle tells nothing about which accounts exist), and per address (slows spraying
/// across many names).
#[derive(Debug, Default)]
pub struct LoginLimiter {
    tries: Mutex<Tries>,
}

fn seconds_until(until: Instant, now: Instant) -> u64 {
    let left = until.saturating_duration_since(now);
    (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1)
}

/// One attempt let through; [`Attempt::failed`] or [`Attempt::succeeded`] says how it ended
/// (dropped without either, it only gives its place back).
#[derive(Debug)]
pub struct Attempt<'l> {
    limiter: &'l LoginLimiter,
    login: String,
    address: String,
    ended: bool,
}

impl LoginLimiter {
    fn tries(&self) -> std::sync::MutexGuard<'_, Tries> {
        self.tries.lock().expect("limiter lock is never poisoned")
    }

    /// Reserves an attempt for `login` from `address`, or says how many seconds to wait.
    pub fn reserve(&self, login: &str, address: &str) -> Result<Attempt<'_>, u64> {
        let login: String = login.chars().take(NAME_KEY_CHARS).collect();
        let now = Instant::now();
        let mut tries = self.tries();
        if tries.names.len() > SWEEP_AT {
            tries.names.retain(|_, t| {
                t.in_flight > 0
                    || t.locked_until.is_some_and(|until| until > now)
                    || now.duration_since(t.last) < NAME_MEMORY
            });
        }
        if tries.addresses.len() > SWEEP_AT {
            tries
                .addresses
                .retain(|_, a| a.in_flight > 0 || a.failures.len() >= ADDRESS_FAILURES);
        }
        let from = tries.addresses.entry(address.to_owned()).or_default();
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
        let name = tries
            .names
            .entry(login.clone())
            .or_insert_with(|| NameTries {
                failures: 0,
                in_flight: 0,
                locked_until: None,
                last: now,
            });
        if now.duration_since(name.last) >= NAME_MEMORY && name.in_flight == 0 {
            name.failures = 0;
            name.locked_until = None;
        }
        if let Some(until) = name.locked_until.filter(|until| *until > now) {
            return Err(seconds_until(until, now));
        }
        // Free attempts while the failures so far and those under way stay within the budget;
        // past it, one at a time, each after the wait the last failure set.
        let free = FREE_LOGIN_FAILURES + 1;
        if name.failures + name.in_flight >= free && name.in_flight > 0 {
            return Err(1);
        }
        name.in_flight += 1;
        name.last = now;
        tries
            .addresses
            .get_mut(address)
            .expect("entered above")
            .in_flight += 1;
        Ok(Attempt {
            limiter: self,
            login,
            address: address.to_owned(),
            ended: false,
        })
    }

    fn end(&self, attempt: &mut Attempt<'_>, failed: bool) {
        if attempt.ended {
            return;
        }
        attempt.ended = true;
        let now = Instant::now();
        let mut tries = self.tries();
        if let Some(from) = tries.addresses.get_mut(&attempt.address) {
            from.in_flight = from.in_flight.saturating_sub(1);
            if failed {
                from.failures.push_back(now);
            }
        }
        if let Some(name) = tries.names.get_mut(&attempt.login) {
            name.in_flight = name.in_flight.saturating_sub(1);
            name.last = now;
            if failed {
                name.failures = name.failures.saturating_add(1);
                name.locked_until = login_lockout(name.failures)
                    .and_then(|wait| wait.to_std().ok())
                    .map(|wait| now + wait);
            }
        }
    }
}

impl Attempt<'_> {
    /// A wrong password (or no such account): counts against the name and the address.
    pub fn failed(mut self) {
        self.limiter.end(&mut self, true);
    }

    /// The password was right: the name starts afresh.
    pub fn succeeded(mut self) {
        self.limiter.end(&mut self, false);
        let mut tries = self.limiter.tries();
        if tries
            .names
            .get(&self.login)
            .is_some_and(|name| name.in_flight == 0)
        {
            tries.names.remove(&self.login);
        }
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
    // The attempt is reserved before anything is looked up or hashed.
    let attempt = match gate.limiter.reserve(&login, &peer.address) {
        Ok(attempt) => attempt,
        Err(wait) => return Ok(note("login_throttled", "").attach(throttled(wait))),
    };
    let now = Utc::now();
    let stored = gate.accounts.account(&login).await?;
    // A lock kept in the store (by another server process on the same database, or before a
    // restart).
    if let Some(until) = stored.as_ref().and_then(|a| a.locked_until)
        && until > now
    {
        let wait = u64::try_from((until - now).num_seconds())
            .unwrap_or(0)
            .max(1);
        return Ok(note("login_throttled", "").attach(throttled(wait)));
    }
    let password = password
        .chars()
        .take(passwords::MAX_PASSWORD_CHARS)
        .collect::<String>();
    // No account by that name: a decoy hash takes as long as a real one.
    let matches = passwords::verify(&password, stored.as_ref().map(|a| a.password_hash.as_str()))
        .await
        .map_err(|e| RequestError::Internal(e.to_string()))?;
    let Some(account) = stored.filter(|_| matches) else {
        attempt.failed();
        // The store's count (and lock) is brought up to date after the answer, so a wrong
        // password takes no longer than an unknown name.
        let accounts = Arc::clone(&gate.accounts);
        let name = login.clone();
        tokio::spawn(async move {
            let counted = match accounts.account(&name).await {
                Ok(Some(_)) => accounts.record_login_failure(&name, now).await.map(drop),
                Ok(None) => Ok(()),
                Err(error) => Err(error),
            };
            if let Err(error) = counted {
                tracing::warn!(%error, login = %name, "cannot count a failed login");
            }
        });
        return Ok(note("login_failed", "").attach(ApiError::from(AuthError::LoginFailed)));
    };
    attempt.succeeded();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_are_reserved_per_name_and_per_address() {
        let limiter = LoginLimiter::default();
        // Five at once for one name, whatever the address; the sixth waits.
        let under_way: Vec<_> = (0..5)
            .map(|i| limiter.reserve("cmdr", &format!("10.0.0.{i}")).unwrap())
            .collect();
        assert_eq!(limiter.reserve("cmdr", "10.0.0.9").err(), Some(1));
        for attempt in under_way {
            attempt.failed();
        }
        let wait = limiter.reserve("cmdr", "10.0.0.10").err().unwrap();
        assert!((1..=2).contains(&wait), "{wait}");
        // Names past 64 characters share one budget.
        let long = "x".repeat(70);
        for n in 0..5 {
            limiter
                .reserve(&format!("{long}{n}"), "10.1.0.1")
                .unwrap()
                .failed();
        }
        assert!(limiter.reserve(&format!("{long}9"), "10.1.0.2").is_err());
        // One address: thirty attempts under way or failed, across names.
        let spraying: Vec<_> = (0..30)
            .map(|n| limiter.reserve(&format!("name{n}"), "10.2.0.1").unwrap())
            .collect();
        assert!(limiter.reserve("name-31", "10.2.0.1").is_err());
        assert!(limiter.reserve("name-31", "10.2.0.2").is_ok());
        // Attempts that end without an answer (a store error) give their places back.
        drop(spraying);
        assert!(limiter.reserve("name-31", "10.2.0.1").is_ok());
    }

    #[test]
    fn a_right_password_starts_the_name_afresh() {
        let limiter = LoginLimiter::default();
        for _ in 0..4 {
            limiter.reserve("disp", "10.0.0.1").unwrap().failed();
        }
        limiter.reserve("disp", "10.0.0.1").unwrap().succeeded();
        for _ in 0..5 {
            limiter.reserve("disp", "10.0.0.1").unwrap().failed();
        }
        assert!(limiter.reserve("disp", "10.0.0.1").is_err());
    }
}
