//! The dashboard and assessment counts (issue 6), counted in SQL by the rules of
//! `binhe_core::kpi` so a month or a year of millions of tickets is never loaded row by row.
//! Core turns the counts into figures: [`Kpis::from_counts`](binhe_core::kpi::Kpis::from_counts)
//! and [`rank`](binhe_core::kpi::rank).

use async_trait::async_trait;
use binhe_core::GridCode;
use binhe_core::kpi::{KpiCounts, Period, SubjectCounts, SubjectKind, Window};
use chrono::{DateTime, Utc};

use crate::StoreError;

/// Whose tickets are counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum KpiScope {
    /// The whole street, unrouted tickets included.
    #[default]
    Street,
    /// Tickets routed to this community (`community_code`).
    Community(GridCode),
    /// Tickets routed to this micro-grid (`micro_code`).
    Micro(GridCode),
}

/// One Beijing month of a trend: its window (clipped to the period) and its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthCounts {
    pub year: i32,
    pub month: u32,
    pub window: Window,
    pub counts: KpiCounts,
}

#[async_trait]
pub trait KpiRepository: Send + Sync {
    /// The counts of `scope` over `window` clipped to `as_of`, equal to
    /// [`KpiCounts::count`] over the facts of every stored ticket in the scope.
    async fn kpi_counts(
        &self,
        window: Window,
        scope: &KpiScope,
        as_of: DateTime<Utc>,
    ) -> Result<KpiCounts, StoreError>;

    /// The assessment counts of each subject of `kind` in `scope` with at least one counted
    /// ticket received in `window` (clipped to `as_of`), by subject key; a subject without one
    /// is left out (it has nothing to score). In order of the keys' bytes.
    async fn kpi_counts_by(
        &self,
        window: Window,
        kind: SubjectKind,
        scope: &KpiScope,
        as_of: DateTime<Utc>,
    ) -> Result<Vec<(String, SubjectCounts)>, StoreError>;

    /// The counts of each Beijing month of `period` (12 for a year), months still to come
    /// included with nothing counted.
    async fn kpi_trend(
        &self,
        period: &Period,
        scope: &KpiScope,
        as_of: DateTime<Utc>,
    ) -> Result<Vec<MonthCounts>, StoreError>;
}
