//! The 民情日记 and 包户 routes (`docs/api-diary.md`, issue 16): grid workers' diary entries, an
//! entry's concern turned into a proactive ticket with one action, and the units each worker
//! answers for.

use binhe_core::diary::DiaryKind;
use binhe_core::ticket::TicketId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::grids::NamedGrid;
use crate::query::QueryString;
use crate::tickets::TicketView;

/// Entries a list answers with unless `limit` says otherwise, and at most.
pub const DEFAULT_DIARY_LIMIT: u32 = 100;
pub const MAX_DIARY_LIMIT: u32 = 500;
/// Most wards one `PUT /api/wards` may set.
pub const MAX_WARDS_AT_ONCE: usize = 2_000;

/// `POST /api/diary`: an entry as a person writes it. A grid worker writes their own (`worker`
/// is theirs whatever is given); the desk and a commander name the worker.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DiaryInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// The micro-grid's code (or its name, when only one micro-grid has it).
    #[serde(default)]
    pub micro: String,
    /// One unit of that micro-grid, when the round was at one door.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<DiaryKind>,
    /// When the round was; now if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visited_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub households: u32,
    #[serde(default)]
    pub concerns: String,
    #[serde(default)]
    pub follow_up: String,
    /// The category its concern would be a ticket of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// A diary entry, named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiaryEntryView {
    pub id: i64,
    pub worker: String,
    pub worker_name: String,
    pub community: NamedGrid,
    pub micro: NamedGrid,
    pub unit: Option<NamedGrid>,
    pub kind: DiaryKind,
    pub kind_zh: String,
    pub kind_en: String,
    pub visited_at: DateTime<Utc>,
    pub households: u32,
    pub concerns: String,
    pub follow_up: String,
    pub category: Option<String>,
    pub category_name: Option<String>,
    /// The proactive ticket its concern became.
    pub ticket: Option<TicketId>,
    pub written_by: String,
    pub written_at: DateTime<Utc>,
}

/// `GET /api/diary`: the entries the caller may read, newest visit first (at most `limit`),
/// and what all the entries asked for add up to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiaryList {
    pub entries: Vec<DiaryEntryView>,
    /// Entries asked for, listed or not.
    pub total: u64,
    /// Households met over them.
    pub households: u64,
    /// Those whose concern became a ticket.
    pub tickets: u64,
}

/// `GET /api/diary` and `GET /api/wards`: whose, as written (each route reads what it needs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiaryQuery {
    pub community: Option<String>,
    pub micro: Option<String>,
    pub unit: Option<String>,
    pub worker: Option<String>,
    pub limit: Option<String>,
}

impl DiaryQuery {
    /// The query string (without `?`).
    pub fn to_query(&self) -> String {
        [
            ("community", &self.community),
            ("micro", &self.micro),
            ("unit", &self.unit),
            ("worker", &self.worker),
            ("limit", &self.limit),
        ]
        .into_iter()
        .fold(QueryString::new(), |q, (key, value)| {
            q.with_opt(key, value.as_deref())
        })
        .finish()
    }
}

/// `POST /api/diary/{id}/ticket`: the category, when the entry has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiaryTicketInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// The entry with the ticket it became; `existing` when it had become one before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiaryTicket {
    pub entry: DiaryEntryView,
    pub ticket: TicketView,
    pub existing: bool,
}

/// A unit and the worker who answers for it (包户).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WardView {
    pub unit: NamedGrid,
    pub micro: NamedGrid,
    pub community: NamedGrid,
    pub worker: String,
    pub worker_name: String,
    pub worker_phone: String,
    pub households: u32,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// `GET /api/wards`: the wards of the scope asked, by unit code, and how much of it they cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WardList {
    pub wards: Vec<WardView>,
    /// Units in the scope asked (a worker's: those they answer for).
    pub units: u32,
    /// Units in the scope nobody answers for.
    pub unassigned: u32,
    /// Households over the wards listed.
    pub households: u64,
}

/// One ward as `PUT /api/wards` takes it: a unit (code, or its micro-grid's name and the unit's
/// name, `承平园小区一区 2单元`), its worker and households.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WardInput {
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub worker: String,
    #[serde(default)]
    pub households: u32,
}

/// `PUT /api/wards`: every ward given is kept, or none (each problem named with its row).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WardsInput {
    #[serde(default)]
    pub wards: Vec<WardInput>,
}

/// `GET /api/wards/{unit}`: who answers for the unit, if anyone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitWard {
    pub unit: NamedGrid,
    pub ward: Option<WardView>,
}
