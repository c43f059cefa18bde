//! Accounts, login sessions and the audit log behind a small trait.

use async_trait::async_trait;
use binhe_core::access::Principal;
use chrono::{DateTime, Utc};

use crate::StoreError;

/// An account as stored: who it stands for, and what logging in needs.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAccount {
    pub principal: Principal,
    pub disabled: bool,
    /// An argon2id PHC string.
    pub password_hash: String,
}

/// Whether a login attempt for a name may go ahead ([`AccountRepository::reserve_login`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginTurn {
    /// It may: counted as the `attempt`-th failure in a row until it succeeds.
    Granted { attempt: u32 },
    /// Not before this time.
    Locked { until: DateTime<Utc> },
}

/// What an account update changes; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub name: Option<String>,
    pub password_hash: Option<String>,
    pub disabled: Option<bool>,
}

/// A login session, known by the hash of its token.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub token_hash: String,
    pub login: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The terminal's own name for itself, as given at login.
    pub terminal: String,
    /// The network address the login came from.
    pub address: String,
}

/// One line of the audit log: who did what from which terminal, and what the server answered.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Given by the store; ignored when recording.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub account: String,
    pub role: String,
    pub terminal: String,
    pub address: String,
    pub action: String,
    pub target: String,
    pub status: u16,
    pub detail: String,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub account: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: u32,
}

/// An outside app that may post Open311 requests with its own API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311Client {
    pub id: i64,
    pub name: String,
    /// SHA-256 of the key, hex; the key itself is never stored.
    pub key_hash: String,
    /// The administrator's login.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait AccountRepository: Send + Sync {
    async fn account(&self, login: &str) -> Result<Option<StoredAccount>, StoreError>;

    /// Every account, by login.
    async fn accounts(&self) -> Result<Vec<StoredAccount>, StoreError>;

    /// Stores a new account; [`StoreError::AccountExists`] if the login is taken.
    async fn create_account(
        &self,
        account: &StoredAccount,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Changes an account and returns it as stored now (`None`: no such account). A new
    /// password or disabling ends every session of the account.
    async fn update_account(
        &self,
        login: &str,
        change: &AccountChange,
        at: DateTime<Utc>,
    ) -> Result<Option<StoredAccount>, StoreError>;

    /// Reserves a login attempt for the login name `name` at `at`, before its password is
    /// checked, whether or not an account has that name: the attempt counts as a failure at
    /// once (so attempts made at the same time, in this or another server process, each see
    /// the ones before) and the name is locked until the time
    /// [`binhe_core::access::login_lockout`] gives for the new count. A name last tried before
    /// `forget_before` starts afresh, and such names are swept out.
    async fn reserve_login(
        &self,
        name: &str,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<LoginTurn, StoreError>;

    /// The `attempt` reserved for `name` failed at `at`: its lock, if the count calls for one,
    /// runs from now (unless a later attempt was counted meanwhile).
    async fn record_login_failure(
        &self,
        name: &str,
        attempt: u32,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Forgets a name's attempts after a successful login (or a password set anew).
    async fn clear_login(&self, name: &str) -> Result<(), StoreError>;

    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;

    /// The session with this token hash and its account.
    async fn session(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Session, StoredAccount)>, StoreError>;

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;

    /// Deletes sessions that expired before `now`; returns how many.
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    async fn record_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError>;

    /// Newest first, with the total that matched before the limit.
    async fn audit(&self, filter: &AuditFilter) -> Result<(Vec<AuditEntry>, u64), StoreError>;

    /// Registers an Open311 client; `Open311ClientExists` when the name is taken.
    async fn create_open311_client(
        &self,
        name: &str,
        key_hash: &str,
        created_by: &str,
        at: DateTime<Utc>,
    ) -> Result<Open311Client, StoreError>;

    /// Every Open311 client, revoked ones too, in the order they were registered.
    async fn open311_clients(&self) -> Result<Vec<Open311Client>, StoreError>;

    /// The client whose key has this hash, revoked or not.
    async fn open311_client_by_key(
        &self,
        key_hash: &str,
    ) -> Result<Option<Open311Client>, StoreError>;

    /// Revokes a client's key (once: a revoked client keeps its first revocation time); `None`
    /// when there is no such client.
    async fn revoke_open311_client(
        &self,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<Open311Client>, StoreError>;
}
