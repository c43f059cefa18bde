//! Tickets: one citizen request travelling the closed loop, from intake on any channel to
//! closure, with every step an append-only event.
//!
//! - [`intake`] checks a request from any channel and says what is wrong with it, field by field;
//! - [`routing`] places it in its micro-grid and community (or explains why it cannot);
//! - [`dedupe`] finds the open ticket it repeats;
//! - [`lifecycle`] is the state machine: which command is allowed in which state, and the event
//!   it produces; the [`Ticket`] row is a projection rebuilt from those events;
//! - [`sla`] turns category and urgency into deadlines and tells overdue from soon-due.

pub mod catalogue;
pub mod columns;
pub mod dedupe;
#[cfg(feature = "demo")]
pub mod demo_feed;
pub mod intake;
pub mod lifecycle;
pub mod photo;
pub mod queue;
pub mod replay;
pub mod routing;
pub mod sla;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::code::GridCode;
use crate::grid::GridLevel;

pub use crate::vocabulary::{
    ActorRole, Channel, EscalationLevel, HandlingMode, Outcome, Satisfaction, TicketState, Urgency,
};
pub use catalogue::{Catalogue, Category, Classification, UNCLASSIFIED};
pub use columns::{ColumnMapping, WorkOrderField};
pub use dedupe::{DedupeRule, DuplicateIndex, DuplicateMatch};
pub use intake::{Intake, IntakeProblem, IntakeRequest};
pub use lifecycle::{ActionKind, Command, TransitionError};
pub use routing::{Routing, UnroutedReason};
pub use sla::{SlaClass, SlaStatus, SlaTable};

/// Database id of a ticket.
pub type TicketId = i64;

impl Channel {
    /// Accepts the English code or the Chinese name a 12345 export uses.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(text) || c.label_zh() == text)
            .or(match text {
                "12345" | "热线" | "市民热线" => Some(Self::Hotline),
                "巡查" | "网格员上报" => Some(Self::Patrol),
                "视频" | "监控" | "视频告警" => Some(Self::Camera),
                "居民" | "居民上报" => Some(Self::Resident),
                "交办" | "上级交办件" => Some(Self::Referral),
                _ => None,
            })
    }

    /// Orders from these channels carry the sender's own number (12345's 工单编号, a referral's
    /// 交办编号), which intake requires: it is how a repeat of the same order is known.
    pub fn carries_order_number(self) -> bool {
        matches!(self, Self::Hotline | Self::Referral)
    }
}

impl Urgency {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "normal" | "Normal" | "一般" | "普通" | "" => Some(Self::Normal),
            "urgent" | "Urgent" | "紧急" | "加急" => Some(Self::Urgent),
            _ => None,
        }
    }
}

impl TicketState {
    /// Still on someone's desk: neither closed, cancelled nor merged into another ticket.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Closed | Self::Cancelled | Self::Merged)
    }
}

/// Who is acting: a person at a terminal, or the system itself (intake, automatic merges).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    pub name: String,
    pub role: ActorRole,
}

impl Actor {
    /// The intake pipeline and the automatic duplicate merge.
    pub fn system() -> Self {
        Self {
            id: "system".to_owned(),
            name: "系统".to_owned(),
            role: ActorRole::System,
        }
    }
}

/// A WGS84 point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lon: f64,
    pub lat: f64,
}

/// The grid (and, below the street, its worker) that holds the order right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// `None` when the order went up to the district (上交区级部门), outside the street's grid.
    pub grid: Option<GridCode>,
    pub grid_name: String,
    pub worker_id: Option<String>,
    pub worker_name: Option<String>,
}

impl Assignment {
    /// The level that holds the order; the district counts as above the street.
    pub fn level(&self) -> Option<GridLevel> {
        self.grid.as_ref().map(GridCode::level)
    }
}

/// 首接责任制: the first unit that received the order; it answers for the ticket until closure,
/// whatever is escalated or delegated afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub grid: GridCode,
    pub grid_name: String,
    pub since: DateTime<Utc>,
}

/// A borderline possible duplicate the dispatcher should look at.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DuplicateFlag {
    pub of: TicketId,
    pub distance_m: f64,
}

/// The ticket row: a projection of its events ([`lifecycle::replay`]). Stored as JSON, so empty
/// fields are left out to keep rows small.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub category: String,
    pub description: String,
    pub urgency: Urgency,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_phone: Option<String>,
    /// Camera id, worker id or referral document number, by channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    /// The picture a camera alert came with (SHA-256 of the stored JPEG, hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Point>,
    pub routing: Routing,
    pub received_at: DateTime<Utc>,
    /// First contact with the requester is due (响应).
    pub contact_due_at: DateTime<Utc>,
    /// Closure is due.
    pub due_at: DateTime<Utc>,
    pub state: TicketState,
    /// Number of events so far; commands carry the version they saw.
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<Assignment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handling_mode: Option<HandlingMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated_to: Option<EscalationLevel>,
    /// Ever delegated down (下交).
    pub delegated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_contact_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<Satisfaction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<TicketId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_flag: Option<DuplicateFlag>,
    pub reopen_count: u32,
    pub updated_at: DateTime<Utc>,
}
