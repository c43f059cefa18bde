//! 民情日记 and 包户 (issue 16): grid workers' diary entries, the proactive ticket an entry's
//! concern became, and the unit each worker answers for (`migrations/*/0014_diary.sql`).

use async_trait::async_trait;
use binhe_core::ticket::TicketId;
use chrono::{DateTime, Utc};

use crate::StoreError;

/// A diary entry as written (checked by `binhe_core::diary::check` and placed by the server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryRecord {
    pub worker_id: String,
    pub community_code: String,
    pub micro_code: String,
    pub unit_code: Option<String>,
    /// `binhe_core::diary::DiaryKind`'s code.
    pub kind: String,
    pub visited_at: DateTime<Utc>,
    pub households: u32,
    pub concerns: String,
    pub follow_up: String,
    /// The category its concern would be a ticket of, if the writer chose one.
    pub category: Option<String>,
}

/// A diary entry as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDiaryEntry {
    pub id: i64,
    pub entry: DiaryRecord,
    pub ticket_id: Option<TicketId>,
    pub written_by: String,
    pub written_at: DateTime<Utc>,
}

/// Whose entries, newest visit first: every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiaryFilter<'a> {
    pub community: Option<&'a str>,
    pub micro: Option<&'a str>,
    pub unit: Option<&'a str>,
    pub worker: Option<&'a str>,
    /// At most this many.
    pub limit: u32,
}

/// What the entries a filter picks add up to, whatever its `limit`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiaryTotals {
    pub entries: u64,
    pub households: u64,
    /// Entries whose concern became a ticket.
    pub tickets: u64,
}

/// A unit (单元) and the worker who answers for it (包户).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WardRecord {
    pub unit_code: String,
    pub micro_code: String,
    pub community_code: String,
    pub worker_id: String,
    pub households: u32,
}

/// A ward as kept, with who set it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWard {
    pub ward: WardRecord,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// Which wards: every filter given must hold; in unit-code order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WardFilter<'a> {
    pub community: Option<&'a str>,
    pub micro: Option<&'a str>,
    pub worker: Option<&'a str>,
}

#[async_trait]
pub trait DiaryRepository: Send + Sync {
    async fn add_diary_entry(
        &self,
        entry: &DiaryRecord,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<StoredDiaryEntry, StoreError>;

    async fn diary_entry(&self, id: i64) -> Result<Option<StoredDiaryEntry>, StoreError>;

    async fn diary_entries(
        &self,
        filter: &DiaryFilter<'_>,
    ) -> Result<Vec<StoredDiaryEntry>, StoreError>;

    async fn diary_totals(&self, filter: &DiaryFilter<'_>) -> Result<DiaryTotals, StoreError>;

    /// Names the ticket entry `id` became, unless it names one already; the ticket it names
    /// afterwards (`None` when there is no such entry).
    async fn link_diary_ticket(
        &self,
        id: i64,
        ticket: TicketId,
    ) -> Result<Option<TicketId>, StoreError>;

    /// Keeps each ward, replacing what a unit had (one worker per unit); all or none.
    async fn set_wards(
        &self,
        wards: &[WardRecord],
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Takes units off their workers; how many had one.
    async fn clear_wards(&self, units: &[String]) -> Result<u64, StoreError>;

    async fn wards(&self, filter: &WardFilter<'_>) -> Result<Vec<StoredWard>, StoreError>;

    async fn ward(&self, unit: &str) -> Result<Option<StoredWard>, StoreError>;
}
