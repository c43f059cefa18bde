//! The three circles and the 居民议事厅 (`docs/api-circles.md`, issue 16): circle members per
//! grid (residents, merchants, units and organisations; party members marked), meetings (议事)
//! with their minutes, decision and vote, and the cost a meeting shares among its members — each
//! share, paid or not. Personal data (a resident's name, door and phone; a contact person and
//! their phone) reaches only the community's commander and the grid workers of the member's
//! micro-grid; everyone else gets it masked (`personal: false`).

use binhe_core::circles::{Circle, Outcome, ShareBasis, ShareRule, Votes};
use binhe_core::ticket::TicketId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::grids::NamedGrid;
use crate::query::QueryString;

/// Most sharers one meeting may share a cost among, and most members it may name.
pub const MAX_SHARERS: usize = 200;
pub const MAX_PARTICIPANTS: usize = 500;
/// Meetings a list answers with at most (newest first).
pub const MAX_MEETINGS_LISTED: u32 = 200;

/// `POST /api/circles`: a member as a person writes them. A commander's is in their own
/// community (`community` may be left out); the desk names it, or the micro-grid it is in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circle: Option<Circle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<String>,
    /// The micro-grid's code, or its name when only one micro-grid has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub micro: Option<String>,
    /// A resident's name, a shop's, an organisation's.
    #[serde(default)]
    pub name: String,
    /// The person to contact at a shop or unit.
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub phone: String,
    /// A resident's building/unit/room, a shop's or unit's address.
    #[serde(default)]
    pub address: String,
    /// Floor area in m², for costs shared by area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_m2: Option<f64>,
    #[serde(default)]
    pub party_member: bool,
}

/// A member as the caller may see them: with `personal: false`, a resident's name is starred
/// (`李**`), their address cut to the building, a contact's name starred, and no phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: i64,
    pub circle: Circle,
    pub circle_zh: String,
    pub circle_en: String,
    pub community: NamedGrid,
    pub micro: Option<NamedGrid>,
    pub name: String,
    pub contact: String,
    pub phone: Option<String>,
    pub address: String,
    pub area_m2: Option<f64>,
    pub party_member: bool,
    /// Whether the caller sees the member's personal data unmasked.
    pub personal: bool,
    pub joined_at: DateTime<Utc>,
    /// When they left the circle (they stay named in the meetings they were at).
    pub left_at: Option<DateTime<Utc>>,
}

/// How many members a circle has in the scope asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircleCount {
    pub circle: Circle,
    pub circle_zh: String,
    pub circle_en: String,
    pub members: u32,
    pub party_members: u32,
}

/// `GET /api/circles`: the current members of the scope asked (by circle, then name), and each
/// circle's count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CircleList {
    pub members: Vec<MemberView>,
    pub counts: Vec<CircleCount>,
}

/// `GET /api/circles` and `GET /api/deliberations`: which, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircleQuery {
    pub community: Option<String>,
    pub micro: Option<String>,
    pub circle: Option<String>,
}

impl CircleQuery {
    /// The query string (without `?`).
    pub fn to_query(&self) -> String {
        [
            ("community", &self.community),
            ("micro", &self.micro),
            ("circle", &self.circle),
        ]
        .into_iter()
        .fold(QueryString::new(), |q, (key, value)| {
            q.with_opt(key, value.as_deref())
        })
        .finish()
    }
}

/// One member's part of a shared cost, as given: a member of the meeting's community, and their
/// floor area (by area; their recorded area when left out) or agreed amount in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SharerInput {
    pub member: i64,
    #[serde(flatten)]
    pub basis: ShareBasis,
}

/// The cost a meeting shares: what for, how much (fen), by which rule, among whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharingInput {
    #[serde(default)]
    pub item: String,
    pub total_fen: i64,
    pub rule: ShareRule,
    #[serde(default)]
    pub sharers: Vec<SharerInput>,
}

/// `POST /api/deliberations`: a 议事 as it was held. `ticket` and `project` link what it was
/// about; `participants` names circle members among the `attendees`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliberationInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub micro: Option<String>,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub place: String,
    /// When it was held; now if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<TicketId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<i64>,
    #[serde(default)]
    pub participants: Vec<i64>,
    #[serde(default)]
    pub attendees: u32,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub decision: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub votes: Option<Votes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing: Option<SharingInput>,
}

/// A member's share and whether it was paid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareView {
    pub member: MemberView,
    pub basis: ShareBasis,
    pub amount_fen: i64,
    pub paid_at: Option<DateTime<Utc>>,
    pub paid_recorded_by: Option<String>,
}

/// The cost a meeting shared, each share, and how much of it is paid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharingView {
    pub item: String,
    pub total_fen: i64,
    pub rule: ShareRule,
    pub rule_zh: String,
    pub rule_en: String,
    pub shares: Vec<ShareView>,
    pub paid_fen: i64,
    pub paid: u32,
}

/// What a meeting's ticket or project is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedProject {
    pub id: i64,
    pub title: String,
}

/// A 议事 as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliberationView {
    pub id: i64,
    pub community: NamedGrid,
    pub micro: Option<NamedGrid>,
    pub topic: String,
    pub place: String,
    pub held_at: DateTime<Utc>,
    pub ticket: Option<TicketId>,
    pub project: Option<LinkedProject>,
    pub participants: Vec<MemberView>,
    pub attendees: u32,
    pub minutes: String,
    pub decision: String,
    pub votes: Option<Votes>,
    pub outcome: Outcome,
    pub outcome_zh: String,
    pub outcome_en: String,
    pub sharing: Option<SharingView>,
    /// When the problem was marked solved through the circle.
    pub solved_at: Option<DateTime<Utc>>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// `GET /api/deliberations`: the meetings of the scope asked, newest first, and how many of
/// them solved their problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliberationList {
    pub deliberations: Vec<DeliberationView>,
    pub total: u32,
    pub solved: u32,
}

/// `PUT /api/deliberations/{id}/shares/{member}`: the share paid, or not after all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidInput {
    pub paid: bool,
}

/// `PUT /api/deliberations/{id}/solved`: the problem solved through the circle, or not after
/// all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolvedInput {
    pub solved: bool,
}
