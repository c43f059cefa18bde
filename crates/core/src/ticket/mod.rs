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
pub mod dedupe;
#[cfg(feature = "demo")]
pub mod demo_feed;
pub mod intake;
pub mod lifecycle;
pub mod routing;
pub mod sla;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::code::GridCode;
use crate::grid::GridLevel;

pub use catalogue::{Catalogue, Category};
pub use dedupe::{DedupeRule, DuplicateIndex, DuplicateMatch};
pub use intake::{Intake, IntakeProblem, IntakeRequest};
pub use lifecycle::{ActionKind, Command, TransitionError};
pub use routing::{Routing, UnroutedReason};
pub use sla::{SlaClass, SlaStatus, SlaTable};

/// Database id of a ticket.
pub type TicketId = i64;

crate::labelled! {
    /// Where a request came from ("多个龙头进水").
    pub enum Channel {
        /// 12345 市民服务热线 work order.
        Hotline = "hotline", "12345热线", "12345 hotline", short "12345", "12345";
        /// 网格员巡查上报.
        Patrol = "patrol", "网格巡查", "Grid patrol", short "巡查", "Patrol";
        /// 视频监控告警.
        Camera = "camera", "视频告警", "Camera alert", short "视频", "Camera";
        /// 居民自主上报.
        Resident = "resident", "居民上报", "Resident report", short "居民", "Resident";
        /// 上级交办.
        Referral = "referral", "上级交办", "Referral from above", short "交办", "Referral";
    }
}

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
}

crate::labelled! {
    #[derive(PartialOrd, Ord)]
    pub enum Urgency {
        Normal = "normal", "一般", "Normal";
        Urgent = "urgent", "紧急", "Urgent", short "急", "Urgent";
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

crate::labelled! {
    /// Where the ticket is in the closed loop.
    #[derive(PartialOrd, Ord)]
    pub enum TicketState {
        /// 已上报（待受理）: received from a channel, reported to the center.
        Reported = "reported", "待受理", "Awaiting acceptance";
        /// 已立案（待分派）: accepted as a case, waiting for a grid.
        Registered = "registered", "待分派", "Awaiting dispatch";
        /// 已分派（待处置）: a grid and its worker have the order.
        Dispatched = "dispatched", "已分派", "Dispatched";
        /// 处置中: self-handled or commanded handling under way.
        Handling = "handling", "处置中", "Being handled";
        /// 已反馈（待核查）: the handler reported a result.
        FedBack = "fed_back", "待核查", "Awaiting check";
        /// 已核查（待结案）: result verified, satisfaction recorded.
        Verified = "verified", "待结案", "Awaiting closure";
        /// 已结案.
        Closed = "closed", "已结案", "Closed";
        /// 已注销: not a case (with the reason).
        Cancelled = "cancelled", "已注销", "Cancelled";
        /// 已合并: a duplicate attached to another open ticket.
        Merged = "merged", "已合并", "Merged";
    }
}

impl TicketState {
    pub fn parse(text: &str) -> Option<Self> {
        Self::from_code(text)
    }

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

crate::labelled! {
    pub enum ActorRole {
        Dispatcher = "dispatcher", "调度员", "Dispatcher";
        Commander = "commander", "社区指挥", "Community commander";
        Worker = "worker", "网格员", "Grid worker";
        Administrator = "administrator", "管理员", "Administrator";
        System = "system", "系统", "System";
    }
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

crate::labelled! {
    /// 自行处置 (the finder solves it on the spot) or 指挥处置 (the center commands someone).
    pub enum HandlingMode {
        SelfHandled = "self_handled", "自行处置", "Handled on the spot";
        Commanded = "commanded", "指挥处置", "Commanded";
    }
}

crate::labelled! {
    /// Up to where an order is escalated (上交).
    pub enum EscalationLevel {
        Community = "community", "社区", "Community";
        Street = "street", "街道", "Street";
        District = "district", "区级部门", "District";
    }
}

crate::labelled! {
    /// The handler's result in the feedback step.
    pub enum Outcome {
        /// 已解决.
        Solved = "solved", "已解决", "Solved";
        /// 未解决（已解释说明）.
        Unsolved = "unsolved", "未解决（已解释说明）", "Unsolved (explained)";
    }
}

crate::labelled! {
    /// The requester's rating at the verification call-back (回访).
    pub enum Satisfaction {
        Satisfied = "satisfied", "满意", "Satisfied";
        Basic = "basic", "基本满意", "Fairly satisfied";
        Dissatisfied = "dissatisfied", "不满意", "Dissatisfied";
    }
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
