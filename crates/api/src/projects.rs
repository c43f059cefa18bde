//! The 治理项目 routes (`docs/api-projects.md`, issue 16): governance projects — a goal for an
//! area and a category, a budget, milestones, someone responsible, the tickets it answers — and,
//! once done, their effect measured from the requests (`binhe_core::projects`).

use binhe_core::projects::{DayRange, Effect, Milestone, ProjectState};
use binhe_core::ticket::{TicketId, TicketState};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::grids::NamedGrid;

/// Most grids in a project's area, and most tickets linked to one.
pub const MAX_AREA_GRIDS: usize = 100;
pub const MAX_PROJECT_TICKETS: usize = 500;

/// `POST /api/projects` and `PUT /api/projects/{id}`: a project as a person writes it. `version`
/// is the one the change was based on (required by `PUT`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProjectInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub goal: String,
    /// `planned` (default), `underway` or `done`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ProjectState>,
    /// One category's code; absent for all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Micro-grid or community codes.
    #[serde(default)]
    pub area: Vec<String>,
    /// Budget in fen (分).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_fen: Option<i64>,
    #[serde(default)]
    pub responsible: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_on: Option<NaiveDate>,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    /// The hotspot it came from, `run:rank`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotspot: Option<String>,
    #[serde(default)]
    pub tickets: Vec<TicketId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
}

/// A ticket a project answers, as its card lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectTicket {
    pub id: TicketId,
    pub state: TicketState,
    pub category_zh: String,
    pub received_at: DateTime<Utc>,
}

/// A finished project's effect: the two windows and what changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectView {
    pub before: DayRange,
    pub after: DayRange,
    #[serde(flatten)]
    pub effect: Effect,
}

/// A project as kept, named, with its effect once it can be measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectView {
    pub id: i64,
    pub version: u32,
    pub title: String,
    pub goal: String,
    pub state: ProjectState,
    pub state_zh: String,
    pub state_en: String,
    pub category: Option<String>,
    /// The category's Chinese name; 全部类别 for all.
    pub category_name: String,
    pub area: Vec<NamedGrid>,
    /// The one community the area lies in; `None` when it spans several.
    pub community: Option<NamedGrid>,
    pub budget_fen: Option<i64>,
    pub responsible: String,
    pub started_on: Option<NaiveDate>,
    pub finished_on: Option<NaiveDate>,
    pub milestones: Vec<Milestone>,
    pub hotspot: Option<String>,
    pub tickets: Vec<ProjectTicket>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `None` until a whole day has passed after a finished project.
    pub effect: Option<EffectView>,
}

/// `GET /api/projects`: the projects the caller may see, newest first, with their totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectList {
    pub projects: Vec<ProjectView>,
    pub done: u32,
    /// Requests avoided by the finished projects with a measured effect, summed.
    pub avoided: f64,
}
