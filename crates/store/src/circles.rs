//! The three circles and the 居民议事厅 (issue 16): circle members, the meetings (议事) held with
//! them, and the cost a meeting shared among them (`migrations/*/0015_circles.sql`).

use async_trait::async_trait;
use binhe_core::circles::Votes;
use binhe_core::ticket::TicketId;
use chrono::{DateTime, Utc};

use crate::StoreError;

/// A circle member as written (checked by `binhe_core::circles::check_member` and placed by the
/// server).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRecord {
    pub community_code: String,
    pub micro_code: Option<String>,
    /// `binhe_core::circles::Circle`'s code.
    pub circle: String,
    pub name: String,
    pub contact: String,
    pub phone: String,
    pub address: String,
    pub area_m2: Option<f64>,
    pub party_member: bool,
}

/// A member as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMember {
    pub id: i64,
    pub member: MemberRecord,
    pub added_by: String,
    pub joined_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
}

/// Which members, by circle then name: every filter given must hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberFilter<'a> {
    pub community: Option<&'a str>,
    pub micro: Option<&'a str>,
    pub circle: Option<&'a str>,
    /// Also those who left.
    pub with_former: bool,
}

/// Who recorded a share as paid, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub at: DateTime<Utc>,
    pub by: String,
}

/// One member's part of a meeting's cost: what it was reckoned from and the amount (fen).
#[derive(Debug, Clone, PartialEq)]
pub struct ShareRecord {
    pub member_id: i64,
    pub area_m2: Option<f64>,
    pub agreed_fen: Option<i64>,
    pub amount_fen: i64,
    pub paid: Option<Payment>,
}

/// The cost a meeting shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostRecord {
    pub item: String,
    pub total_fen: i64,
    /// `binhe_core::circles::ShareRule`'s code.
    pub rule: String,
}

/// A 议事 as recorded (checked by `binhe_core::circles::check_meeting`; its shares reckoned by
/// `binhe_core::circles::shares`, in the order given).
#[derive(Debug, Clone, PartialEq)]
pub struct DeliberationRecord {
    pub community_code: String,
    pub micro_code: Option<String>,
    pub topic: String,
    pub place: String,
    pub held_at: DateTime<Utc>,
    pub ticket_id: Option<TicketId>,
    pub project_id: Option<i64>,
    /// Circle members named among the attendees.
    pub participants: Vec<i64>,
    pub attendees: u32,
    pub minutes: String,
    pub decision: String,
    pub votes: Option<Votes>,
    pub cost: Option<CostRecord>,
    pub shares: Vec<ShareRecord>,
}

/// A 议事 as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDeliberation {
    pub id: i64,
    pub deliberation: DeliberationRecord,
    pub solved_at: Option<DateTime<Utc>>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// Which meetings, newest first: every filter given must hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliberationFilter<'a> {
    pub community: Option<&'a str>,
    pub micro: Option<&'a str>,
    /// Only those marked solved in `[from, until)`.
    pub solved_between: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub limit: u32,
}

#[async_trait]
pub trait CircleRepository: Send + Sync {
    async fn add_member(
        &self,
        member: &MemberRecord,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<StoredMember, StoreError>;

    /// The members with these ids, former ones too, in id order.
    async fn members_by_id(&self, ids: &[i64]) -> Result<Vec<StoredMember>, StoreError>;

    async fn members(&self, filter: &MemberFilter<'_>) -> Result<Vec<StoredMember>, StoreError>;

    /// Takes member `id` out of their circle at `at` (once); the member afterwards, `None` when
    /// there is no such member.
    async fn leave_circle(
        &self,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<StoredMember>, StoreError>;

    /// Keeps a meeting with its participants and shares, all or none.
    async fn add_deliberation(
        &self,
        deliberation: &DeliberationRecord,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<StoredDeliberation, StoreError>;

    async fn deliberation(&self, id: i64) -> Result<Option<StoredDeliberation>, StoreError>;

    async fn deliberations(
        &self,
        filter: &DeliberationFilter<'_>,
    ) -> Result<Vec<StoredDeliberation>, StoreError>;

    /// Records `member`'s share of meeting `id` as paid (or not, with `None`); whether there
    /// is such a share.
    async fn set_share_paid(
        &self,
        id: i64,
        member: i64,
        paid: Option<Payment>,
    ) -> Result<bool, StoreError>;

    /// Marks meeting `id`'s problem solved at `at` (or not, with `None`); whether there is
    /// such a meeting.
    async fn set_solved(&self, id: i64, at: Option<DateTime<Utc>>) -> Result<bool, StoreError>;
}
