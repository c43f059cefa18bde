//! The KPI counts in aggregate SQL, the same on every backend. Each figure is a `SUM(CASE …)`
//! over one index range: tickets received in the window, tickets due in it, and the tickets
//! overdue at its end.

use async_trait::async_trait;
use binhe_core::kpi::{KpiCounts, Period, Rate, SubjectCounts, SubjectKind, Window};
use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::backend::{Columns, Run, Value, millis};
use crate::kpis::{KpiRepository, KpiScope, MonthCounts};

/// Tickets that count: not cancelled and not merged into another.
const COUNTED: &str = "state NOT IN ('cancelled', 'merged')";

/// The sums over tickets received in a window, in the order of [`Sums`]; the three `?` are
/// `as_of` (a deadline passed before it decides a response or a resolution).
const RECEIVED_SUMS: &str = "\
    SUM(CASE WHEN state NOT IN ('cancelled', 'merged') THEN 1 ELSE 0 END) AS received, \
    SUM(CASE WHEN state IN ('cancelled', 'merged') THEN 1 ELSE 0 END) AS excluded, \
    SUM(CASE WHEN state NOT IN ('closed', 'cancelled', 'merged') THEN 1 ELSE 0 END) AS still_open, \
    SUM(CASE WHEN state NOT IN ('cancelled', 'merged') AND first_contact_at <= contact_due_at \
        THEN 1 ELSE 0 END) AS responded, \
    SUM(CASE WHEN state NOT IN ('cancelled', 'merged') \
        AND (first_contact_at IS NOT NULL OR contact_due_at < ?) THEN 1 ELSE 0 END) AS response_known, \
    SUM(CASE WHEN state NOT IN ('cancelled', 'merged') AND outcome = 'solved' \
        THEN 1 ELSE 0 END) AS solved, \
    SUM(CASE WHEN state NOT IN ('cancelled', 'merged') \
        AND (outcome IS NOT NULL OR due_at < ?) THEN 1 ELSE 0 END) AS resolution_known, \
    SUM(CASE WHEN state NOT IN ('cancelled', 'merged') AND satisfaction = 'satisfied' \
        THEN 1 ELSE 0 END) AS satisfied, \
    SUM(CASE WHEN state NOT IN ('cancelled', 'merged') AND satisfaction IS NOT NULL \
        THEN 1 ELSE 0 END) AS rated, \
    SUM(CASE WHEN state NOT IN ('cancelled', 'merged') AND satisfaction = 'basic' \
        THEN 1 ELSE 0 END) AS basic, \
    SUM(CASE WHEN state NOT IN ('cancelled', 'merged') AND delegated THEN 1 ELSE 0 END) AS delegated, \
    SUM(CASE WHEN state NOT IN ('cancelled', 'merged') AND delegated AND outcome = 'solved' \
        THEN 1 ELSE 0 END) AS delegated_solved, \
    SUM(CASE WHEN state NOT IN ('cancelled', 'merged') AND delegated \
        AND (outcome IS NOT NULL OR due_at < ?) THEN 1 ELSE 0 END) AS delegated_known";

/// The columns of [`RECEIVED_SUMS`].
const SUM_COLUMNS: [&str; 13] = [
    "received",
    "excluded",
    "still_open",
    "responded",
    "response_known",
    "solved",
    "resolution_known",
    "satisfied",
    "rated",
    "basic",
    "delegated",
    "delegated_solved",
    "delegated_known",
];

/// One row of [`RECEIVED_SUMS`], or several added up.
#[derive(Default)]
struct Sums([u64; SUM_COLUMNS.len()]);

impl Sums {
    fn of(row: &impl Columns) -> Self {
        Self(SUM_COLUMNS.map(|column| u64::try_from(row.integer(column)).unwrap_or(0)))
    }

    fn add(&mut self, other: &Self) {
        for (sum, more) in self.0.iter_mut().zip(other.0) {
            *sum += more;
        }
    }

    fn received(&self) -> u64 {
        self.0[0]
    }

    /// Fills in the figures of tickets received in the window.
    fn into_counts(self, counts: &mut KpiCounts) -> Result<(), StoreError> {
        let [
            received,
            excluded,
            open,
            responded,
            response_known,
            solved,
            resolution_known,
            satisfied,
            rated,
            basic,
            delegated,
            delegated_solved,
            delegated_known,
        ] = self.0;
        counts.received = received;
        counts.excluded = excluded;
        counts.open = open;
        counts.response = rate(responded, response_known)?;
        counts.resolution = rate(solved, resolution_known)?;
        counts.satisfaction = rate(satisfied, rated)?;
        counts.basically_satisfied = basic;
        counts.delegated = delegated;
        counts.delegated_resolution = rate(delegated_solved, delegated_known)?;
        Ok(())
    }
}

/// A rate as counted in SQL; a numerator above its denominator means the columns disagree.
fn rate(numerator: u64, denominator: u64) -> Result<Rate, StoreError> {
    Rate::new(numerator, denominator).ok_or_else(|| StoreError::Corrupt {
        code: "tickets".to_owned(),
        detail: format!("KPI count {numerator} exceeds its denominator {denominator}"),
    })
}

fn count(row: Option<&impl Columns>, column: &str) -> u64 {
    row.map_or(0, |row| u64::try_from(row.integer(column)).unwrap_or(0))
}

/// The condition `scope` adds, and its parameter.
fn scope_sql(scope: &KpiScope) -> (&'static str, Option<Value<'_>>) {
    match scope {
        KpiScope::Street => ("", None),
        KpiScope::Community(code) => (" AND community_code = ?", Some(code.as_str().into())),
        KpiScope::Micro(code) => (" AND micro_code = ?", Some(code.as_str().into())),
    }
}

/// The column naming a subject of `kind`.
fn subject_column(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Community => "community_code",
        SubjectKind::Micro => "micro_code",
        SubjectKind::Worker => "assignee_worker",
    }
}

/// `values` followed by the scope's parameter, if any.
fn with_scope<'a>(values: &[Value<'a>], scope: Option<Value<'a>>) -> Vec<Value<'a>> {
    values.iter().copied().chain(scope).collect()
}

/// The rows of tickets received in `window` grouped by `key`, each with [`RECEIVED_SUMS`];
/// `only` narrows the tickets further.
async fn received_by<B: Run>(
    store: &B,
    key: &str,
    only: &str,
    window: Window,
    scope: &KpiScope,
    as_of: DateTime<Utc>,
) -> Result<Vec<(String, Sums)>, StoreError> {
    let (scope_clause, scope_value) = scope_sql(scope);
    let as_of = millis(as_of);
    let rows = store
        .read(
            &format!(
                "SELECT {key} AS grouped, {RECEIVED_SUMS} FROM tickets \
                 WHERE received_at >= ? AND received_at < ?{only}{scope_clause} GROUP BY {key}"
            ),
            &with_scope(
                &[
                    as_of.into(),
                    as_of.into(),
                    as_of.into(),
                    millis(window.from).into(),
                    millis(window.to).into(),
                ],
                scope_value,
            ),
            "counting tickets received for KPIs",
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| (row.text("grouped").to_owned(), Sums::of(row)))
        .collect())
}

#[async_trait]
impl<B: Run> KpiRepository for B {
    async fn kpi_counts(
        &self,
        window: Window,
        scope: &KpiScope,
        as_of: DateTime<Utc>,
    ) -> Result<KpiCounts, StoreError> {
        let window = window.clipped(as_of);
        let mut counts = KpiCounts::default();
        let mut sums = Sums::default();
        for (category, row) in received_by(self, "category", "", window, scope, as_of).await? {
            if row.received() > 0 {
                counts.categories.insert(category, row.received());
            }
            sums.add(&row);
        }
        sums.into_counts(&mut counts)?;

        let (scope_clause, scope_value) = scope_sql(scope);
        let due = self
            .read(
                &format!(
                    "SELECT count(*) AS due, \
                     COALESCE(SUM(CASE WHEN closed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS closed, \
                     COALESCE(SUM(CASE WHEN closed_at <= due_at THEN 1 ELSE 0 END), 0) AS on_time \
                     FROM tickets WHERE due_at >= ? AND due_at < ? AND {COUNTED}{scope_clause}"
                ),
                &with_scope(
                    &[millis(window.from).into(), millis(window.to).into()],
                    scope_value,
                ),
                "counting tickets due for KPIs",
            )
            .await?;
        let due_row = due.first();
        counts.closure = rate(count(due_row, "closed"), count(due_row, "due"))?;
        counts.on_time_closure = rate(count(due_row, "on_time"), count(due_row, "due"))?;

        if let Some(end) = window.snapshot(as_of) {
            // Open at the end: never closed, or closed only afterwards. Two counts rather than
            // an OR, so each walks an index of its own.
            let end = millis(end);
            let overdue = |closed: &str| {
                format!(
                    "SELECT count(*) FROM tickets WHERE {closed} AND due_at < ? AND received_at < ? \
                     AND {COUNTED}{scope_clause}"
                )
            };
            let values: Vec<Value> = [
                with_scope(&[end.into(), end.into()], scope_value),
                with_scope(&[end.into(), end.into(), end.into()], scope_value),
            ]
            .concat();
            let rows = self
                .read(
                    &format!(
                        "SELECT ({}) + ({}) AS overdue",
                        overdue("closed_at IS NULL"),
                        overdue("closed_at >= ?")
                    ),
                    &values,
                    "counting overdue tickets for KPIs",
                )
                .await?;
            counts.overdue_open = count(rows.first(), "overdue");
        }
        Ok(counts)
    }

    async fn kpi_counts_by(
        &self,
        window: Window,
        kind: SubjectKind,
        scope: &KpiScope,
        as_of: DateTime<Utc>,
    ) -> Result<Vec<(String, SubjectCounts)>, StoreError> {
        let key = subject_column(kind);
        let only = format!(" AND {COUNTED} AND {key} IS NOT NULL");
        let mut subjects = received_by(self, key, &only, window.clipped(as_of), scope, as_of)
            .await?
            .into_iter()
            .map(|(subject, sums)| {
                let mut counts = KpiCounts::default();
                sums.into_counts(&mut counts)?;
                Ok((subject, SubjectCounts::from(&counts)))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // In byte order, the same on every backend (PostgreSQL's collation may differ).
        subjects.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(subjects)
    }

    async fn kpi_trend(
        &self,
        period: &Period,
        scope: &KpiScope,
        as_of: DateTime<Utc>,
    ) -> Result<Vec<MonthCounts>, StoreError> {
        let mut months = Vec::new();
        for (year, month, window) in period.months() {
            months.push(MonthCounts {
                year,
                month,
                window,
                counts: self.kpi_counts(window, scope, as_of).await?,
            });
        }
        Ok(months)
    }
}
