//! Drill-down (issue 6): the tickets behind one dashboard number, picked in SQL by the rules of
//! [`KpiMetric::matches`], so a list opened from a figure is as long as the figure.

use async_trait::async_trait;
use binhe_core::kpi::{KpiMetric, Window};
use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::backend::{Columns, Run, Value, millis};
use crate::kpis::KpiScope;
use crate::ticket_tables::{LISTED_COLUMNS, listed_from_rows};
use crate::tickets::ListedTicket;

/// Which tickets of which number, and which page of them.
#[derive(Debug, Clone)]
pub struct KpiTicketQuery<'a> {
    pub metric: &'a KpiMetric,
    pub window: Window,
    pub scope: &'a KpiScope,
    /// Only tickets held by this worker (`assignee_worker`), as the worker ranking counts them.
    pub worker: Option<&'a str>,
    pub as_of: DateTime<Utc>,
    pub limit: u32,
    pub offset: u32,
}

#[async_trait]
pub trait KpiTicketRepository: Send + Sync {
    /// The page of tickets behind `query.metric`, newest received first, and how many there are
    /// in all (equal to the figure [`KpiMetric::figure`] reads from the same counts).
    async fn kpi_tickets(
        &self,
        query: &KpiTicketQuery<'_>,
    ) -> Result<(Vec<ListedTicket>, u64), StoreError>;
}

/// Not cancelled nor merged.
const COUNTED: &str = "state NOT IN ('cancelled', 'merged')";

/// The condition picking the metric's tickets and its parameters, in the order of the `?`.
fn metric_sql<'a>(
    metric: &'a KpiMetric,
    window: Window,
    as_of: DateTime<Utc>,
) -> (String, Vec<Value<'a>>) {
    let snapshot = window.snapshot(as_of);
    let (from, to, as_of) = (millis(window.from), millis(window.to), millis(as_of));
    let received = "received_at >= ? AND received_at < ?";
    let due = "due_at >= ? AND due_at < ?";
    // 解决率's misses: a result other than solved, or none past the deadline.
    let unsolved = "(outcome <> 'solved' OR (outcome IS NULL AND due_at < ?))";
    let in_window: Vec<Value> = vec![from.into(), to.into()];
    let with = |extra: &[Value<'a>]| -> Vec<Value<'a>> {
        in_window
            .iter()
            .copied()
            .chain(extra.iter().copied())
            .collect()
    };
    match metric {
        KpiMetric::Received => (received.to_owned(), with(&[])),
        KpiMetric::Open => (format!("{received} AND state <> 'closed'"), with(&[])),
        KpiMetric::NotResponded => (
            format!(
                "{received} AND (first_contact_at > contact_due_at \
                 OR (first_contact_at IS NULL AND contact_due_at < ?))"
            ),
            with(&[as_of.into()]),
        ),
        KpiMetric::Unsolved => (format!("{received} AND {unsolved}"), with(&[as_of.into()])),
        KpiMetric::Unsatisfied => (
            format!("{received} AND satisfaction <> 'satisfied'"),
            with(&[]),
        ),
        KpiMetric::Delegated => (format!("{received} AND delegated"), with(&[])),
        KpiMetric::DelegatedUnsolved => (
            format!("{received} AND delegated AND {unsolved}"),
            with(&[as_of.into()]),
        ),
        KpiMetric::NotClosed => (format!("{due} AND closed_at IS NULL"), with(&[])),
        KpiMetric::ClosedLate => (
            format!("{due} AND (closed_at IS NULL OR closed_at > due_at)"),
            with(&[]),
        ),
        KpiMetric::Overdue => match snapshot {
            Some(end) => {
                let end = millis(end);
                (
                    "received_at < ? AND due_at < ? AND (closed_at IS NULL OR closed_at >= ?)"
                        .to_owned(),
                    vec![end.into(), end.into(), end.into()],
                )
            }
            // A window wholly to come has no end to look back from: nothing is overdue in it.
            None => ("1 = 0".to_owned(), Vec::new()),
        },
        KpiMetric::Proactive => (format!("{received} AND channel = 'proactive'"), with(&[])),
        KpiMetric::Category(category) => (
            format!("{received} AND category = ?"),
            with(&[category.as_str().into()]),
        ),
    }
}

/// The scope's condition and parameter, and the worker's.
fn narrowing<'a>(scope: &'a KpiScope, worker: Option<&'a str>) -> (String, Vec<Value<'a>>) {
    let mut clause = String::new();
    let mut values = Vec::new();
    match scope {
        KpiScope::Street => {}
        KpiScope::Community(code) => {
            clause.push_str(" AND community_code = ?");
            values.push(code.as_str().into());
        }
        KpiScope::Micro(code) => {
            clause.push_str(" AND micro_code = ?");
            values.push(code.as_str().into());
        }
    }
    if let Some(worker) = worker {
        clause.push_str(" AND assignee_worker = ?");
        values.push(worker.into());
    }
    (clause, values)
}

#[async_trait]
impl<B: Run> KpiTicketRepository for B {
    async fn kpi_tickets(
        &self,
        query: &KpiTicketQuery<'_>,
    ) -> Result<(Vec<ListedTicket>, u64), StoreError> {
        let window = query.window.clipped(query.as_of);
        let (condition, mut values) = metric_sql(query.metric, window, query.as_of);
        let (narrow, narrow_values) = narrowing(query.scope, query.worker);
        values.extend(narrow_values);
        let clause = format!(" WHERE {COUNTED} AND {condition}{narrow}");
        let total = self
            .read(
                &format!("SELECT count(*) AS total FROM tickets{clause}"),
                &values,
                "counting the tickets behind a KPI",
            )
            .await?
            .first()
            .map_or(0, |row| row.integer("total"));
        values.push(i64::from(query.limit).into());
        values.push(i64::from(query.offset).into());
        let rows = self
            .read(
                &format!(
                    "SELECT {LISTED_COLUMNS} FROM tickets{clause} \
                     ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?"
                ),
                &values,
                "listing the tickets behind a KPI",
            )
            .await?;
        Ok((listed_from_rows(&rows)?, u64::try_from(total).unwrap_or(0)))
    }
}
