//! Drill-down: which tickets stand behind one number of the dashboard. Each [`KpiMetric`]
//! picks exactly the tickets [`KpiCounts::count`](super::KpiCounts::count) counts for that
//! number, so a list opened from a figure is as long as the figure.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::KpiError;
use super::metrics::KpiFacts;
use super::period::Window;
use crate::ticket::Satisfaction;

/// A number of the dashboard that can be opened into its tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "metric", content = "category")]
pub enum KpiMetric {
    /// 受理量.
    Received,
    /// Received and still open.
    Open,
    /// 响应率's misses: response known and not in time.
    NotResponded,
    /// 解决率's misses: resolution known and not solved.
    Unsolved,
    /// 满意率's misses: rated 基本满意 or 不满意.
    Unsatisfied,
    /// 下交件数.
    Delegated,
    /// 下交解决率's misses.
    DelegatedUnsolved,
    /// 结案率's misses: due in the window and not closed.
    NotClosed,
    /// 按期结案率's misses: due in the window and not closed by the deadline.
    ClosedLate,
    /// Open and past the deadline at the window's end.
    Overdue,
    /// 主动发现占比's hits: received and found proactively (channel 主动发现).
    Proactive,
    /// Received in one category.
    Category(String),
}

impl KpiMetric {
    /// Every metric name the API takes.
    pub const NAMES: [&'static str; 12] = [
        "received",
        "open",
        "not_responded",
        "unsolved",
        "unsatisfied",
        "delegated",
        "delegated_unsolved",
        "not_closed",
        "closed_late",
        "overdue",
        "proactive",
        "category",
    ];

    /// The metric called `name`; `category` is required with (and only used by) "category".
    ///
    /// ```
    /// use binhe_core::kpi::KpiMetric;
    ///
    /// assert_eq!(KpiMetric::parse("unsolved", None), Ok(KpiMetric::Unsolved));
    /// assert!(KpiMetric::parse("category", None).is_err(), "which category?");
    /// assert!(KpiMetric::parse("speed", None).is_err());
    /// ```
    pub fn parse(name: &str, category: Option<&str>) -> Result<Self, KpiError> {
        Ok(match name {
            "received" => Self::Received,
            "open" => Self::Open,
            "not_responded" => Self::NotResponded,
            "unsolved" => Self::Unsolved,
            "unsatisfied" => Self::Unsatisfied,
            "delegated" => Self::Delegated,
            "delegated_unsolved" => Self::DelegatedUnsolved,
            "not_closed" => Self::NotClosed,
            "closed_late" => Self::ClosedLate,
            "overdue" => Self::Overdue,
            "proactive" => Self::Proactive,
            "category" => match category.map(str::trim) {
                Some(code) if !code.is_empty() => Self::Category(code.to_owned()),
                _ => return Err(KpiError::CategoryRequired),
            },
            other => {
                return Err(KpiError::InvalidMetric {
                    metric: other.to_owned(),
                });
            }
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Open => "open",
            Self::NotResponded => "not_responded",
            Self::Unsolved => "unsolved",
            Self::Unsatisfied => "unsatisfied",
            Self::Delegated => "delegated",
            Self::DelegatedUnsolved => "delegated_unsolved",
            Self::NotClosed => "not_closed",
            Self::ClosedLate => "closed_late",
            Self::Overdue => "overdue",
            Self::Proactive => "proactive",
            Self::Category(_) => "category",
        }
    }

    /// Whether the ticket of `fact` stands behind this number over `window` (clipped to
    /// `as_of`, as the counting is).
    pub fn matches(&self, fact: &KpiFacts, window: Window, as_of: DateTime<Utc>) -> bool {
        if !fact.counts() {
            return false;
        }
        let window = window.clipped(as_of);
        let received = window.contains(fact.received_at);
        let due = window.contains(fact.due_at);
        let unsolved = fact.solved(as_of) == Some(false);
        match self {
            Self::Received => received,
            Self::Open => received && fact.state.is_open(),
            Self::NotResponded => received && fact.responded_in_time(as_of) == Some(false),
            Self::Unsolved => received && unsolved,
            Self::Unsatisfied => {
                received
                    && fact
                        .satisfaction
                        .is_some_and(|rating| rating != Satisfaction::Satisfied)
            }
            Self::Delegated => received && fact.delegated,
            Self::DelegatedUnsolved => received && fact.delegated && unsolved,
            Self::NotClosed => due && fact.closed_at.is_none(),
            Self::ClosedLate => due && fact.closed_at.is_none_or(|closed| closed > fact.due_at),
            Self::Overdue => window.snapshot(as_of).is_some_and(|end| {
                fact.received_at < end
                    && fact.closed_at.is_none_or(|closed| closed >= end)
                    && fact.due_at < end
            }),
            Self::Proactive => received && fact.proactive,
            Self::Category(category) => received && &fact.category == category,
        }
    }

    /// The figure this metric opens, as counted: what a list of its tickets must add up to.
    pub fn figure(&self, counts: &super::KpiCounts) -> u64 {
        let misses = |rate: super::Rate| rate.denominator() - rate.numerator();
        match self {
            Self::Received => counts.received,
            Self::Open => counts.open,
            Self::NotResponded => misses(counts.response),
            Self::Unsolved => misses(counts.resolution),
            Self::Unsatisfied => misses(counts.satisfaction),
            Self::Delegated => counts.delegated,
            Self::DelegatedUnsolved => misses(counts.delegated_resolution),
            Self::NotClosed => misses(counts.closure),
            Self::ClosedLate => misses(counts.on_time_closure),
            Self::Overdue => counts.overdue_open,
            Self::Proactive => counts.proactive.numerator(),
            Self::Category(category) => counts.categories.get(category).copied().unwrap_or(0),
        }
    }
}
