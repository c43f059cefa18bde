//! Answers kept for requests sent with an `Idempotency-Key`: the first request with a key claims
//! it, its answer is kept, and a repeat gets that answer instead of acting again — for 24 hours,
//! and on PostgreSQL across every server process on the database.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::StoreError;
use crate::backend::{Columns, Run, millis};

/// How long an answer is kept.
pub const KEPT_FOR: Duration = Duration::hours(24);

/// A key is claimed for `account` (an account's login, or a stand-in for callers without one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey<'a> {
    pub account: &'a str,
    pub key: &'a str,
}

/// The request a key was first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedRequest<'a> {
    pub method: &'a str,
    /// Path and query.
    pub target: &'a str,
}

/// The answer kept for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptAnswer {
    pub method: String,
    pub target: String,
    /// SHA-256 (hex) of the first request's body.
    pub request_sha256: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nobody had it (or its first request died unanswered more than `stale_after` ago): the
    /// caller answers the request and then [`IdempotencyRepository::keep`]s or
    /// [`IdempotencyRepository::release`]s the key.
    Claimed,
    /// Its first request is being answered now, since `since`.
    Pending { since: DateTime<Utc> },
    /// Answered before.
    Answered(KeptAnswer),
}

#[async_trait]
pub trait IdempotencyRepository: Send + Sync {
    /// Claims `key` for `request` at `now`. Keys older than [`KEPT_FOR`] are forgotten first; a
    /// claim whose request has been unanswered for longer than `stale_after` (its server died)
    /// is taken over.
    async fn claim(
        &self,
        key: &IdempotencyKey<'_>,
        request: &KeyedRequest<'_>,
        now: DateTime<Utc>,
        stale_after: Duration,
    ) -> Result<Claim, StoreError>;

    /// Keeps the answer of a claimed key.
    async fn keep(
        &self,
        key: &IdempotencyKey<'_>,
        request_sha256: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), StoreError>;

    /// Gives a claimed key back unanswered (the request failed in a way worth trying again).
    async fn release(&self, key: &IdempotencyKey<'_>) -> Result<(), StoreError>;
}

fn answer_from_row(row: &impl Columns) -> Option<KeptAnswer> {
    let status = row.maybe_integer("status")?;
    Some(KeptAnswer {
        method: row.text("method").to_owned(),
        target: row.text("target").to_owned(),
        request_sha256: row
            .maybe_text("request_sha256")
            .unwrap_or_default()
            .to_owned(),
        status: u16::try_from(status).unwrap_or(500),
        content_type: row.maybe_text("content_type").map(str::to_owned),
        body: row.bytes("body").to_vec(),
        created_at: DateTime::from_timestamp_millis(row.integer("created_at")).unwrap_or_default(),
    })
}

#[async_trait]
impl<B: Run> IdempotencyRepository for B {
    async fn claim(
        &self,
        key: &IdempotencyKey<'_>,
        request: &KeyedRequest<'_>,
        now: DateTime<Utc>,
        stale_after: Duration,
    ) -> Result<Claim, StoreError> {
        let action = "claiming an idempotency key";
        let mut writer = self.begin_side_write(action).await?;
        Self::execute(
            &mut writer.tx,
            "DELETE FROM idempotency_keys WHERE created_at < ?",
            &[millis(now - KEPT_FOR).into()],
            action,
        )
        .await?;
        let claimed = Self::fetch(
            &mut writer.tx,
            "INSERT INTO idempotency_keys (account, idem_key, method, target, created_at) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, idem_key) DO NOTHING RETURNING account",
            &[
                key.account.into(),
                key.key.into(),
                request.method.into(),
                request.target.into(),
                millis(now).into(),
            ],
            action,
        )
        .await?;
        let claim = if claimed.is_empty() {
            let rows = Self::fetch(
                &mut writer.tx,
                "SELECT * FROM idempotency_keys WHERE account = ? AND idem_key = ?",
                &[key.account.into(), key.key.into()],
                action,
            )
            .await?;
            let row = rows.first().ok_or(StoreError::Corrupt {
                code: key.key.to_owned(),
                detail: "idempotency key neither new nor stored".to_owned(),
            })?;
            if let Some(answer) = answer_from_row(row) {
                Claim::Answered(answer)
            } else {
                let since =
                    DateTime::from_timestamp_millis(row.integer("created_at")).unwrap_or_default();
                if now - since > stale_after {
                    Self::execute(
                        &mut writer.tx,
                        "UPDATE idempotency_keys SET method = ?, target = ?, created_at = ? \
                         WHERE account = ? AND idem_key = ?",
                        &[
                            request.method.into(),
                            request.target.into(),
                            millis(now).into(),
                            key.account.into(),
                            key.key.into(),
                        ],
                        action,
                    )
                    .await?;
                    Claim::Claimed
                } else {
                    Claim::Pending { since }
                }
            }
        } else {
            Claim::Claimed
        };
        writer.commit(action).await?;
        Ok(claim)
    }

    async fn keep(
        &self,
        key: &IdempotencyKey<'_>,
        request_sha256: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), StoreError> {
        self.write_one(
            "UPDATE idempotency_keys SET request_sha256 = ?, status = ?, content_type = ?, \
             body = ? WHERE account = ? AND idem_key = ?",
            &[
                request_sha256.into(),
                i64::from(status).into(),
                content_type.into(),
                body.into(),
                key.account.into(),
                key.key.into(),
            ],
            "keeping an idempotent answer",
        )
        .await
        .map(drop)
    }

    async fn release(&self, key: &IdempotencyKey<'_>) -> Result<(), StoreError> {
        self.write_one(
            "DELETE FROM idempotency_keys WHERE account = ? AND idem_key = ? AND status IS NULL",
            &[key.account.into(), key.key.into()],
            "releasing an idempotency key",
        )
        .await
        .map(drop)
    }
}
