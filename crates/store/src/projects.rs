//! 治理项目 (issue 16): governance projects as kept, the tickets linked to them, and the request
//! counts their effect is measured from.

use async_trait::async_trait;
use binhe_core::projects::EffectCounts;
use binhe_core::ticket::TicketId;
use chrono::{DateTime, Utc};

use crate::StoreError;

/// A project as written: the server has checked it (`binhe_core::projects::check`) and turned
/// its parts into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRecord {
    pub title: String,
    pub goal: String,
    /// `planned`, `underway` or `done`.
    pub state: String,
    /// One category's code; `None` for all.
    pub category: Option<String>,
    /// The one community the whole area lies in; `None` when it spans several.
    pub community_code: Option<String>,
    /// Grid codes (micro-grids or communities).
    pub area: Vec<String>,
    pub budget_fen: Option<i64>,
    pub responsible: String,
    /// Beijing dates, `YYYY-MM-DD`.
    pub started_on: Option<String>,
    pub finished_on: Option<String>,
    /// The milestones as JSON (an array).
    pub milestones: String,
    /// The hotspot it came from, `run:rank`.
    pub hotspot: Option<String>,
    /// The tickets it answers, ascending.
    pub tickets: Vec<TicketId>,
}

/// A project as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProject {
    pub id: i64,
    /// 1 when created, one more at each change.
    pub version: u32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub project: ProjectRecord,
}

/// Where an effect is counted: the project's area (micro-grid codes and community codes, a
/// request in either counts) and category, over the two windows `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectQuery<'a> {
    pub category: Option<&'a str>,
    pub micro_codes: &'a [String],
    pub community_codes: &'a [String],
    pub before: (DateTime<Utc>, DateTime<Utc>),
    pub after: (DateTime<Utc>, DateTime<Utc>),
}

#[async_trait]
pub trait ProjectRepository: Send + Sync {
    /// Keeps a new project (version 1) with its tickets.
    async fn create_project(
        &self,
        project: &ProjectRecord,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<StoredProject, StoreError>;

    /// Replaces project `id` if it is still at `version`; its tickets are replaced too.
    /// [`StoreError::ProjectConflict`] when it changed meanwhile, `None` when there is no such
    /// project.
    async fn update_project(
        &self,
        id: i64,
        version: u32,
        project: &ProjectRecord,
        at: DateTime<Utc>,
    ) -> Result<Option<StoredProject>, StoreError>;

    async fn project(&self, id: i64) -> Result<Option<StoredProject>, StoreError>;

    /// Every project (of `community`'s, if given), newest first.
    async fn projects(&self, community: Option<&str>) -> Result<Vec<StoredProject>, StoreError>;

    /// The tickets among `ids` that exist.
    async fn existing_tickets(&self, ids: &[TicketId]) -> Result<Vec<TicketId>, StoreError>;

    /// Counted requests (neither cancelled nor merged, and not proactive findings) in and
    /// outside the area, before and after.
    async fn effect_counts(&self, query: &EffectQuery<'_>) -> Result<EffectCounts, StoreError>;
}
