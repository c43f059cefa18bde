//! The KPI counts in aggregate SQL, the same on every backend, and the rollups they read.
//!
//! Tickets received in a window, tickets due in it and tickets overdue at its end are summed
//! per Beijing day and month in `kpi_received`, `kpi_subjects` and `kpi_deadlines`
//! (migrations/*/0006_kpi_rollup.sql), which [`roll_up`] keeps in step with every write of a
//! ticket row: a year is then a dozen month rows per key rather than millions of tickets. What
//! depends on the moment of reading (is a response or a result known yet?) comes from the few
//! tickets still awaiting a contact or a result, and the parts of a window that are no whole
//! Beijing days (a month to date, a range) are counted from the tickets as before: each figure a
//! `SUM(CASE …)` over one index range.

use std::collections::BTreeMap;

use async_trait::async_trait;
use binhe_core::GridCode;
use binhe_core::kpi::{KpiCounts, KpiFacts, Period, Rate, SubjectCounts, SubjectKind, Window};
use binhe_core::ticket::{Outcome, Satisfaction, Ticket, TicketId};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use tokio::try_join;

use crate::StoreError;
use crate::backend::{Columns, ConnectionOf, RowOf, Run, Value, millis};
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

    /// Takes tickets awaiting a contact or a result out of the "known" counts in `columns`.
    fn await_(
        &mut self,
        columns: [usize; 2],
        awaiting: [i64; 2],
        group: &str,
    ) -> Result<(), StoreError> {
        for (column, awaiting) in columns.into_iter().zip(awaiting) {
            let known = &mut self.0[column];
            *known = u64::try_from(awaiting)
                .ok()
                .and_then(|awaiting| known.checked_sub(awaiting))
                .ok_or_else(|| out_of_step(group))?;
        }
        Ok(())
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

/// The sums of [`RECEIVED_SUMS`] as the rollups keep them: every counted ticket is "known"
/// there, and [`AWAITING`] takes away those still waiting at the moment of reading.
const ROLLED_SUMS: &str = "\
    SUM(received) AS received, SUM(excluded) AS excluded, SUM(still_open) AS still_open, \
    SUM(responded) AS responded, SUM(received) AS response_known, SUM(solved) AS solved, \
    SUM(received) AS resolution_known, SUM(satisfied) AS satisfied, SUM(rated) AS rated, \
    SUM(basic) AS basic, SUM(delegated) AS delegated, SUM(delegated_solved) AS delegated_solved, \
    SUM(delegated) AS delegated_known";

/// Counted tickets whose response (`contact`) or resolution (`outcome`) is not known yet at the
/// `?` (`as_of`): the part of [`ROLLED_SUMS`]'s "known" counts that is not. Each condition names
/// its partial index (`tickets_awaiting_contact`, `tickets_awaiting_outcome`) word for word, so
/// both backends walk the short range of deadlines after `as_of`. Each comes with the
/// [`SUM_COLUMNS`] its `awaiting` and its `delegated` are taken from.
const AWAITING: [([usize; 2], &str); 2] = [
    (
        [4, 12],
        "count(*) AS awaiting, CAST(0 AS BIGINT) AS delegated FROM tickets \
         WHERE first_contact_at IS NULL AND state NOT IN ('cancelled', 'merged') \
         AND contact_due_at >= ?",
    ),
    (
        [6, 12],
        "count(*) AS awaiting, SUM(CASE WHEN delegated THEN 1 ELSE 0 END) AS delegated \
         FROM tickets WHERE outcome IS NULL AND state NOT IN ('cancelled', 'merged') \
         AND due_at >= ?",
    ),
];

/// The grain of a rollup bucket, as in migrations/*/0006_kpi_rollup.sql: a Beijing day (`at` =
/// days since 1970-01-01 in Beijing time) or a Beijing month (`at` = year * 100 + month).
const DAY: i64 = 1;
const MONTH: i64 = 2;
const DAY_MS: i64 = 86_400_000;
const BEIJING_MS: i64 = 8 * 3_600_000;

/// The Beijing day of a stored time.
fn day_of(ms: i64) -> i64 {
    (ms + BEIJING_MS).div_euclid(DAY_MS)
}

/// The first stored time of a Beijing day.
fn day_start(day: i64) -> i64 {
    day * DAY_MS - BEIJING_MS
}

fn date_of(day: i64) -> NaiveDate {
    NaiveDate::default() + chrono::TimeDelta::days(day)
}

/// The Beijing month (year * 100 + month) a Beijing day falls in.
fn month_of(day: i64) -> i64 {
    let date = date_of(day);
    i64::from(date.year()) * 100 + i64::from(date.month())
}

/// The first day of the month `day` falls in.
fn month_start_day(day: i64) -> i64 {
    day - i64::from(date_of(day).day0())
}

/// The first day of the month after the one `day` falls in.
fn next_month_day(day: i64) -> i64 {
    let date = date_of(day);
    let next = date
        .with_day(1)
        .and_then(|first| first.checked_add_months(Months::new(1)))
        .unwrap_or(date);
    day + (next - date).num_days()
}

/// A window cut into the rollup buckets it covers whole and the edges it does not: those are
/// counted from the tickets themselves.
#[derive(Debug, Default, PartialEq, Eq)]
struct Split {
    /// (grain, first `at`, end `at` exclusive).
    buckets: Vec<(i64, i64, i64)>,
    /// The whole days, `[from, to)` in stored time, when there are any.
    days: Option<(i64, i64)>,
    /// The parts of the window outside whole days.
    edges: Vec<Window>,
}

impl Split {
    fn of(window: Window) -> Self {
        let (from, to) = (millis(window.from), millis(window.to));
        if from >= to {
            return Self::default();
        }
        let first = day_of(from) + i64::from(day_start(day_of(from)) != from);
        let end = day_of(to);
        if first >= end {
            return Self::live(window);
        }
        let mut split = Self {
            days: Some((day_start(first), day_start(end))),
            ..Self::default()
        };
        let at = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap_or(window.from);
        if from < day_start(first) {
            split.edges.push(Window {
                from: window.from,
                to: at(day_start(first)),
            });
        }
        if day_start(end) < to {
            split.edges.push(Window {
                from: at(day_start(end)),
                to: window.to,
            });
        }
        let months_from = if month_start_day(first) == first {
            first
        } else {
            next_month_day(first)
        };
        let months_to = month_start_day(end);
        if months_from < months_to {
            split.push(DAY, first, months_from);
            split.push(MONTH, month_of(months_from), month_of(months_to));
            split.push(DAY, months_to, end);
        } else {
            split.push(DAY, first, end);
        }
        split
    }

    /// Every bucket before the day starting at `end`.
    fn before(end: i64) -> Self {
        let day = day_of(end);
        let mut split = Self::default();
        split.push(MONTH, 0, month_of(day));
        split.push(DAY, month_start_day(day), day);
        split
    }

    /// No buckets: the whole window counted from the tickets.
    fn live(window: Window) -> Self {
        Self {
            edges: (window.from < window.to)
                .then_some(window)
                .into_iter()
                .collect(),
            ..Self::default()
        }
    }

    fn push(&mut self, grain: i64, from: i64, to: i64) {
        if from < to {
            self.buckets.push((grain, from, to));
        }
    }
}

/// What is grouped: categories of the dashboard, or subjects of an assessment.
#[derive(Clone, Copy)]
enum Grouping {
    Category,
    Subject(SubjectKind),
}

impl Grouping {
    fn key(self) -> &'static str {
        match self {
            Self::Category => "category",
            Self::Subject(kind) => subject_column(kind),
        }
    }

    /// What narrows the tickets counted live: a subject needs a counted ticket with its key.
    fn only(self) -> String {
        match self {
            Self::Category => String::new(),
            Self::Subject(_) => format!(" AND {COUNTED} AND {} IS NOT NULL", self.key()),
        }
    }

    /// The rollup table of the grouping and what narrows its rows, if `scope` can be read
    /// from it (the category rollup knows no micro-grids).
    fn rollup(self, scope: &KpiScope) -> Option<(&'static str, String)> {
        match (self, scope) {
            (Self::Category, KpiScope::Micro(_)) => None,
            (Self::Category, _) => Some(("kpi_received", String::new())),
            (Self::Subject(_), _) => Some(("kpi_subjects", format!(" AND {} <> ''", self.key()))),
        }
    }
}

/// Tickets received in `window` grouped by `grouping`, each group with [`RECEIVED_SUMS`]: whole
/// days and months from the rollups less the tickets still awaiting a contact or a result, the
/// edges counted from the tickets.
async fn received_by<B: Run>(
    store: &B,
    grouping: Grouping,
    window: Window,
    scope: &KpiScope,
    as_of: DateTime<Utc>,
) -> Result<BTreeMap<String, Sums>, StoreError> {
    let key = grouping.key();
    let only = grouping.only();
    let (scope_clause, scope_value) = scope_sql(scope);
    let as_of = millis(as_of);
    let rollup = grouping.rollup(scope);
    let split = if rollup.is_some() {
        Split::of(window)
    } else {
        Split::live(window)
    };
    let mut groups: BTreeMap<String, Sums> = BTreeMap::new();
    let mut add = |rows: Vec<RowOf<B>>| {
        for row in &rows {
            groups
                .entry(row.text("grouped").to_owned())
                .or_default()
                .add(&Sums::of(row));
        }
    };
    for edge in &split.edges {
        add(store
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
                        millis(edge.from).into(),
                        millis(edge.to).into(),
                    ],
                    scope_value,
                ),
                "counting tickets received for KPIs",
            )
            .await?);
    }
    let (Some((table, rollup_only)), Some((from, to))) = (rollup, split.days) else {
        return Ok(groups);
    };
    for &(grain, first, end) in &split.buckets {
        add(store
            .read(
                &format!(
                    "SELECT {key} AS grouped, {ROLLED_SUMS} FROM {table} \
                     WHERE grain = ? AND at >= ? AND at < ?{rollup_only}{scope_clause} \
                     GROUP BY {key}"
                ),
                &with_scope(&[grain.into(), first.into(), end.into()], scope_value),
                "reading the KPI rollup",
            )
            .await?);
    }
    // Every other condition and the grouping are written so that no index can serve them (`+`,
    // `|| ''`): SQLite, which keeps no statistics, would otherwise walk the whole window's
    // tickets by tickets_by_received, tickets_by_community or tickets_by_micro rather than the
    // few awaiting ones.
    let only = only.replace(" IS NOT NULL", " || '' IS NOT NULL");
    let scope_clause = scope_clause.replace(" = ?", " || '' = ?");
    for (columns, awaiting) in AWAITING {
        let rows = store
            .read(
                &format!(
                    "SELECT {key} || '' AS grouped, {awaiting} \
                     AND +received_at >= ? AND +received_at < ?{only}{scope_clause} \
                     GROUP BY {key} || ''"
                ),
                &with_scope(&[as_of.into(), from.into(), to.into()], scope_value),
                "counting tickets awaiting a contact or a result",
            )
            .await?;
        for row in &rows {
            let group = row.text("grouped");
            let sums = groups.get_mut(group).ok_or_else(|| out_of_step(group))?;
            sums.await_(
                columns,
                [row.integer("awaiting"), row.integer("delegated")],
                group,
            )?;
        }
    }
    Ok(groups)
}

fn out_of_step(group: &str) -> StoreError {
    StoreError::Corrupt {
        code: "kpi_received".to_owned(),
        detail: format!("the KPI rollup is out of step with the tickets of {group}"),
    }
}

/// Tickets due in `window`: (due, closed, closed on time).
async fn due_in<B: Run>(
    store: &B,
    window: Window,
    scope: &KpiScope,
) -> Result<[u64; 3], StoreError> {
    let (scope_clause, scope_value) = scope_sql(scope);
    let split = Split::of(window);
    let mut due = [0; 3];
    let mut add = |rows: Vec<RowOf<B>>| {
        let row = rows.first();
        for (sum, column) in due.iter_mut().zip(["due", "closed", "on_time"]) {
            *sum += count(row, column);
        }
    };
    for edge in &split.edges {
        add(store
            .read(
                &format!(
                    "SELECT count(*) AS due, \
                     COALESCE(SUM(CASE WHEN closed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS closed, \
                     COALESCE(SUM(CASE WHEN closed_at <= due_at THEN 1 ELSE 0 END), 0) AS on_time \
                     FROM tickets WHERE due_at >= ? AND due_at < ? AND {COUNTED}{scope_clause}"
                ),
                &with_scope(&[millis(edge.from).into(), millis(edge.to).into()], scope_value),
                "counting tickets due for KPIs",
            )
            .await?);
    }
    for &(grain, first, end) in &split.buckets {
        add(store
            .read(
                &format!(
                    "SELECT COALESCE(SUM(due), 0) AS due, COALESCE(SUM(closed), 0) AS closed, \
                     COALESCE(SUM(on_time), 0) AS on_time FROM kpi_deadlines \
                     WHERE grain = ? AND at >= ? AND at < ?{scope_clause}"
                ),
                &with_scope(&[grain.into(), first.into(), end.into()], scope_value),
                "reading the KPI rollup of deadlines",
            )
            .await?);
    }
    Ok(due)
}

/// Counted tickets open and past their deadline at `end`: from the rollup when `end` starts a
/// Beijing day, else from the tickets.
async fn overdue_at<B: Run>(
    store: &B,
    end: DateTime<Utc>,
    scope: &KpiScope,
) -> Result<u64, StoreError> {
    let (scope_clause, scope_value) = scope_sql(scope);
    let end = millis(end);
    if day_start(day_of(end)) == end {
        let mut overdue: i64 = 0;
        for (grain, first, end) in Split::before(end).buckets {
            let rows = store
                .read(
                    &format!(
                        "SELECT COALESCE(SUM(late_from), 0) - COALESCE(SUM(late_until), 0) \
                         AS overdue FROM kpi_deadlines \
                         WHERE grain = ? AND at >= ? AND at < ?{scope_clause}"
                    ),
                    &with_scope(&[grain.into(), first.into(), end.into()], scope_value),
                    "reading the KPI rollup of deadlines",
                )
                .await?;
            overdue += rows.first().map_or(0, |row| row.integer("overdue"));
        }
        return u64::try_from(overdue).map_err(|_| out_of_step("overdue tickets"));
    }
    // Open at the end: never closed, or closed only afterwards. Two counts rather than an OR,
    // so each walks an index of its own.
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
    let rows = store
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
    Ok(count(rows.first(), "overdue"))
}

/// Counted tickets found proactively (channel `proactive`) received in `window`: few, read
/// through their own partial index (`tickets_proactive_by_received`, whose condition the query
/// repeats word for word).
async fn proactive_in<B: Run>(
    store: &B,
    window: Window,
    scope: &KpiScope,
) -> Result<u64, StoreError> {
    let (scope_clause, scope_value) = scope_sql(scope);
    let rows = store
        .read(
            &format!(
                "SELECT count(*) AS proactive FROM tickets WHERE channel = 'proactive' \
                 AND received_at >= ? AND received_at < ? AND {COUNTED}{scope_clause}"
            ),
            &with_scope(
                &[millis(window.from).into(), millis(window.to).into()],
                scope_value,
            ),
            "counting proactive tickets for KPIs",
        )
        .await?;
    Ok(count(rows.first(), "proactive"))
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
        // Each figure on a connection of its own: the round trips overlap.
        let (received, [due, closed, on_time], overdue, proactive) = try_join!(
            received_by(self, Grouping::Category, window, scope, as_of),
            due_in(self, window, scope),
            async {
                match window.snapshot(as_of) {
                    Some(end) => overdue_at(self, end, scope).await,
                    None => Ok(0),
                }
            },
            proactive_in(self, window, scope),
        )?;
        let mut counts = KpiCounts::default();
        let mut sums = Sums::default();
        for (category, row) in received {
            if row.received() > 0 {
                counts.categories.insert(category, row.received());
            }
            sums.add(&row);
        }
        sums.into_counts(&mut counts)?;
        counts.closure = rate(closed, due)?;
        counts.on_time_closure = rate(on_time, due)?;
        counts.overdue_open = overdue;
        counts.proactive = rate(proactive, counts.received)?;
        Ok(counts)
    }

    async fn kpi_counts_by(
        &self,
        window: Window,
        kind: SubjectKind,
        scope: &KpiScope,
        as_of: DateTime<Utc>,
    ) -> Result<Vec<(String, SubjectCounts)>, StoreError> {
        let grouping = Grouping::Subject(kind);
        let subjects = received_by(self, grouping, window.clipped(as_of), scope, as_of)
            .await?
            .into_iter()
            .filter(|(_, sums)| sums.received() > 0)
            .map(|(subject, sums)| {
                let mut counts = KpiCounts::default();
                sums.into_counts(&mut counts)?;
                Ok((subject, SubjectCounts::from(&counts)))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // In byte order (a BTreeMap's), the same on every backend whatever PostgreSQL's
        // collation.
        Ok(subjects)
    }

    async fn kpi_trend(
        &self,
        period: &Period,
        scope: &KpiScope,
        as_of: DateTime<Utc>,
    ) -> Result<Vec<MonthCounts>, StoreError> {
        let months = period.months();
        let mut whole = whole_months(self, &months, scope, as_of).await?;
        let mut trend = Vec::new();
        for (year, month, window) in months {
            let counts = match whole_month(window, as_of).and_then(|m| whole.remove(&m.code)) {
                Some(counts) => counts,
                // The month under way, a part of one, or one still to come.
                None => self.kpi_counts(window, scope, as_of).await?,
            };
            trend.push(MonthCounts {
                year,
                month,
                window,
                counts,
            });
        }
        Ok(trend)
    }
}

/// A whole Beijing month in a trend.
#[derive(Clone, Copy)]
struct WholeMonth {
    /// `year * 100 + month`, as the rollups' month rows.
    code: i64,
    /// The next month's code.
    next: i64,
    /// Its first and its end millisecond, exclusive.
    from: i64,
    to: i64,
}

/// `window` as a whole Beijing month, if it is one and over by `as_of`.
fn whole_month(window: Window, as_of: DateTime<Utc>) -> Option<WholeMonth> {
    if window.to > as_of {
        return None;
    }
    let split = Split::of(window);
    match (split.edges.as_slice(), split.buckets.as_slice(), split.days) {
        ([], &[(MONTH, code, next)], Some((from, to))) => Some(WholeMonth {
            code,
            next,
            from,
            to,
        }),
        _ => None,
    }
}

/// The Beijing day of `received_at`, in SQL (every stored time is after 1970, so `/` is the
/// floor division of [`day_of`]).
const RECEIVED_DAY: &str = "(received_at + 28800000) / 86400000";

/// The counts of every whole month of `months` already over, by month code, the same as
/// [`KpiRepository::kpi_counts`] of each: one query per figure for all of them, where counting
/// them one by one would take some seven each (a year's trend: some 85 round trips, and the
/// tickets awaiting a contact or a result walked twelve times).
async fn whole_months<B: Run>(
    store: &B,
    months: &[(i32, u32, Window)],
    scope: &KpiScope,
    as_of: DateTime<Utc>,
) -> Result<BTreeMap<i64, KpiCounts>, StoreError> {
    let wholes: Vec<WholeMonth> = months
        .iter()
        .filter_map(|&(_, _, window)| whole_month(window, as_of))
        .collect();
    let (Some(first), Some(last)) = (wholes.first(), wholes.last()) else {
        return Ok(BTreeMap::new());
    };
    // Months come in order: one range holds them all.
    let (first, end, from, to) = (first.code, last.next, first.from, last.to);
    let Some((table, rollup_only)) = Grouping::Category.rollup(scope) else {
        // No rollup holds the scope: each month is counted from the tickets.
        return Ok(BTreeMap::new());
    };
    let (scope_clause, scope_value) = scope_sql(scope);
    let months_values = with_scope(&[MONTH.into(), first.into(), end.into()], scope_value);
    let range_values = with_scope(&[from.into(), to.into()], scope_value);
    let awaiting_values = with_scope(&[millis(as_of).into(), from.into(), to.into()], scope_value);
    let before_values = with_scope(&[MONTH.into(), end.into()], scope_value);
    // As in `received_by`: no index but the awaiting ones may serve these.
    let awaiting_scope = scope_clause.replace(" = ?", " || '' = ?");
    let awaiting_sql = AWAITING.map(|(_, awaiting)| {
        format!(
            "SELECT {RECEIVED_DAY} AS day, category || '' AS grouped, {awaiting} \
             AND +received_at >= ? AND +received_at < ?{awaiting_scope} \
             GROUP BY {RECEIVED_DAY}, category || ''"
        )
    });
    let received_sql = format!(
        "SELECT CAST(at AS BIGINT) AS month, category AS grouped, {ROLLED_SUMS} \
         FROM {table} WHERE grain = ? AND at >= ? AND at < ?{rollup_only}{scope_clause} \
         GROUP BY at, category"
    );
    let due_sql = format!(
        "SELECT CAST(at AS BIGINT) AS month, COALESCE(SUM(due), 0) AS due, \
         COALESCE(SUM(closed), 0) AS closed, COALESCE(SUM(on_time), 0) AS on_time \
         FROM kpi_deadlines WHERE grain = ? AND at >= ? AND at < ?{scope_clause} \
         GROUP BY at"
    );
    let late_sql = format!(
        "SELECT CAST(at AS BIGINT) AS month, \
         COALESCE(SUM(late_from), 0) - COALESCE(SUM(late_until), 0) AS overdue \
         FROM kpi_deadlines WHERE grain = ? AND at < ?{scope_clause} GROUP BY at"
    );
    let proactive_sql = format!(
        "SELECT {RECEIVED_DAY} AS day, count(*) AS proactive FROM tickets \
         WHERE channel = 'proactive' AND received_at >= ? AND received_at < ? \
         AND {COUNTED}{scope_clause} GROUP BY {RECEIVED_DAY}"
    );
    // Overdue at a month's end is every month before it, as `overdue_at` reads them. Each
    // figure on a connection of its own: the round trips overlap.
    let (received_rows, contact_rows, outcome_rows, due_rows, late_rows, proactive_rows) = try_join!(
        store.read(&received_sql, &months_values, "reading the KPI rollup",),
        store.read(
            &awaiting_sql[0],
            &awaiting_values,
            "counting tickets awaiting a contact or a result",
        ),
        store.read(
            &awaiting_sql[1],
            &awaiting_values,
            "counting tickets awaiting a contact or a result",
        ),
        store.read(
            &due_sql,
            &months_values,
            "reading the KPI rollup of deadlines",
        ),
        store.read(
            &late_sql,
            &before_values,
            "reading the KPI rollup of deadlines",
        ),
        store.read(
            &proactive_sql,
            &range_values,
            "counting proactive tickets for KPIs",
        ),
    )?;

    let mut sums: BTreeMap<(i64, String), Sums> = BTreeMap::new();
    for row in &received_rows {
        sums.entry((row.integer("month"), row.text("grouped").to_owned()))
            .or_default()
            .add(&Sums::of(row));
    }
    for ((columns, _), rows) in AWAITING.iter().zip([contact_rows, outcome_rows]) {
        for row in &rows {
            let group = row.text("grouped");
            let key = (month_of(row.integer("day")), group.to_owned());
            let month = sums.get_mut(&key).ok_or_else(|| out_of_step(group))?;
            month.await_(
                *columns,
                [row.integer("awaiting"), row.integer("delegated")],
                group,
            )?;
        }
    }
    let due: BTreeMap<i64, [u64; 3]> = due_rows
        .iter()
        .map(|row| {
            (
                row.integer("month"),
                ["due", "closed", "on_time"].map(|column| count(Some(row), column)),
            )
        })
        .collect();
    let late: BTreeMap<i64, i64> = late_rows
        .iter()
        .map(|row| (row.integer("month"), row.integer("overdue")))
        .collect();
    let mut proactive: BTreeMap<i64, u64> = BTreeMap::new();
    for row in &proactive_rows {
        *proactive.entry(month_of(row.integer("day"))).or_default() +=
            count(Some(row), "proactive");
    }

    let mut whole = BTreeMap::new();
    for WholeMonth { code, next, .. } in wholes {
        let mut counts = KpiCounts::default();
        let mut total = Sums::default();
        for ((_, category), row) in sums.range((code, String::new())..(next, String::new())) {
            if row.received() > 0 {
                counts.categories.insert(category.clone(), row.received());
            }
            total.add(row);
        }
        total.into_counts(&mut counts)?;
        let [due, closed, on_time] = due.get(&code).copied().unwrap_or_default();
        counts.closure = rate(closed, due)?;
        counts.on_time_closure = rate(on_time, due)?;
        let overdue: i64 = late.range(..next).map(|(_, late)| late).sum();
        counts.overdue_open = u64::try_from(overdue).map_err(|_| out_of_step("overdue tickets"))?;
        counts.proactive = rate(
            proactive.get(&code).copied().unwrap_or_default(),
            counts.received,
        )?;
        whole.insert(code, counts);
    }
    Ok(whole)
}

/// The sums a ticket adds to `kpi_received` and `kpi_subjects`, in their column order.
const ROLLUP_SUMS: &str = "received, excluded, still_open, responded, solved, satisfied, rated, \
    basic, delegated, delegated_solved";
/// The sums a ticket adds to `kpi_deadlines`.
const DEADLINE_SUMS: &str = "due, closed, on_time, late_from, late_until";

/// How one write changes the rollups, by row key; rows that change by nothing are left alone.
#[derive(Default)]
struct Deltas {
    received: BTreeMap<(i64, i64, String, String), [i64; 10]>,
    subjects: BTreeMap<(i64, i64, String, String, String), [i64; 10]>,
    deadlines: BTreeMap<(i64, i64, String, String), [i64; 5]>,
}

fn add_to<const N: usize>(sums: &mut [i64; N], part: [i64; N], sign: i64) {
    for (sum, part) in sums.iter_mut().zip(part) {
        *sum += sign * part;
    }
}

/// The day and the month bucket of a stored time.
fn buckets_of(ms: i64) -> [(i64, i64); 2] {
    let day = day_of(ms);
    [(DAY, day), (MONTH, month_of(day))]
}

impl Deltas {
    /// Adds (`sign` 1) or takes away (-1) what one ticket counts in the rollups, by the same rules
    /// as [`RECEIVED_SUMS`] and the counts of tickets due and overdue.
    fn count(&mut self, fact: &KpiFacts, sign: i64) {
        let code = |code: Option<&GridCode>| code.map_or("", GridCode::as_str).to_owned();
        let (community, micro) = (code(fact.community.as_ref()), code(fact.micro.as_ref()));
        let counted = fact.counts();
        let flag = i64::from;
        let solved = fact.outcome == Some(Outcome::Solved);
        let sums = if counted {
            [
                1,
                0,
                flag(fact.state.is_open()),
                flag(
                    fact.first_contact_at
                        .is_some_and(|contact| contact <= fact.contact_due_at),
                ),
                flag(solved),
                flag(fact.satisfaction == Some(Satisfaction::Satisfied)),
                flag(fact.satisfaction.is_some()),
                flag(fact.satisfaction == Some(Satisfaction::Basic)),
                flag(fact.delegated),
                flag(fact.delegated && solved),
            ]
        } else {
            [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
        };
        for (grain, at) in buckets_of(millis(fact.received_at)) {
            let key = (grain, at, community.clone(), fact.category.clone());
            add_to(self.received.entry(key).or_default(), sums, sign);
            if counted {
                let worker = fact.worker.clone().unwrap_or_default();
                let key = (grain, at, community.clone(), micro.clone(), worker);
                add_to(self.subjects.entry(key).or_default(), sums, sign);
            }
        }
        if !counted {
            return;
        }
        let late_from = fact.received_at.max(fact.due_at);
        let parts = [
            (
                fact.due_at,
                [
                    1,
                    flag(fact.closed_at.is_some()),
                    flag(fact.closed_at.is_some_and(|closed| closed <= fact.due_at)),
                    0,
                    0,
                ],
            ),
            (late_from, [0, 0, 0, 1, 0]),
        ]
        .into_iter()
        .chain(
            fact.closed_at
                .map(|closed| (late_from.max(closed), [0, 0, 0, 0, 1])),
        );
        for (at, part) in parts {
            for (grain, at) in buckets_of(millis(at)) {
                let key = (grain, at, community.clone(), micro.clone());
                add_to(self.deadlines.entry(key).or_default(), part, sign);
            }
        }
    }
}

/// What one write changes in the KPI rollups, counted apart from the statements that store it
/// so that a write can count while the database takes its ticket rows.
pub(crate) struct RollUp(Deltas);

/// One rollup table's rows to upsert: each key's columns, then its sums; keys that change by
/// nothing are left out.
fn changed_rows<'a, K, const N: usize>(
    deltas: &'a BTreeMap<K, [i64; N]>,
    key: impl Fn(&'a K) -> Vec<Value<'a>>,
) -> Vec<Vec<Value<'a>>> {
    deltas
        .iter()
        .filter(|(_, sums)| sums.iter().any(|&sum| sum != 0))
        .map(|(k, sums)| {
            let mut row = key(k);
            row.extend(sums.iter().map(|&sum| Value::from(sum)));
            row
        })
        .collect()
}

/// A rollup key's columns: its bucket (grain, at) and two codes.
fn bucket_and_two_codes((grain, at, first, second): &(i64, i64, String, String)) -> Vec<Value<'_>> {
    vec![
        (*grain).into(),
        (*at).into(),
        first.as_str().into(),
        second.as_str().into(),
    ]
}

impl RollUp {
    /// What `tickets` add to the rollups, less what the rows they overwrite counted
    /// (`replaced`, read by the write's version check).
    pub(crate) fn of(tickets: &[&Ticket], replaced: &[&KpiFacts]) -> Self {
        // A ticket written twice in one statement ends as its last row.
        let tickets: BTreeMap<TicketId, &Ticket> = tickets.iter().map(|t| (t.id, *t)).collect();
        let mut deltas = Deltas::default();
        for old in replaced {
            deltas.count(old, -1);
        }
        for ticket in tickets.values() {
            deltas.count(&KpiFacts::of(ticket), 1);
        }
        Self(deltas)
    }

    /// Adds the changes to the rollup tables, inside the write that stores the tickets.
    pub(crate) async fn store<B: Run>(&self, conn: &mut ConnectionOf<B>) -> Result<(), StoreError> {
        let deltas = &self.0;
        // Keyed by (grain, at, community, category).
        let received = changed_rows(&deltas.received, bucket_and_two_codes);
        let subjects = changed_rows(&deltas.subjects, |(grain, at, community, micro, worker)| {
            vec![
                (*grain).into(),
                (*at).into(),
                community.as_str().into(),
                micro.as_str().into(),
                worker.as_str().into(),
            ]
        });
        // Keyed by (grain, at, community, micro).
        let deadlines = changed_rows(&deltas.deadlines, bucket_and_two_codes);
        for (table, key, sums, rows) in [
            (
                "kpi_received",
                "grain, at, community_code, category",
                ROLLUP_SUMS,
                received,
            ),
            (
                "kpi_subjects",
                "grain, at, community_code, micro_code, assignee_worker",
                ROLLUP_SUMS,
                subjects,
            ),
            (
                "kpi_deadlines",
                "grain, at, community_code, micro_code",
                DEADLINE_SUMS,
                deadlines,
            ),
        ] {
            let added: Vec<String> = sums
                .split(',')
                .map(str::trim)
                .map(|sum| format!("{sum} = {table}.{sum} + excluded.{sum}"))
                .collect();
            B::insert_rows(
                conn,
                (
                    table,
                    &format!("{key}, {sums}"),
                    &format!(" ON CONFLICT ({key}) DO UPDATE SET {}", added.join(", ")),
                ),
                &rows,
                "keeping the KPI rollup in step",
            )
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use binhe_core::kpi::period::month_start;
    use chrono::Duration;

    fn day(year: i32, month: u32, day: i64) -> i64 {
        day_of(millis(month_start(year, month).unwrap())) + day - 1
    }

    #[test]
    fn a_range_of_part_days_reads_whole_months_and_days_from_the_rollups_and_its_edges_live() {
        let from = month_start(2026, 3).unwrap() + Duration::days(9) + Duration::minutes(817);
        let to = month_start(2026, 7).unwrap() + Duration::days(1) + Duration::hours(5);
        let split = Split::of(Window { from, to });
        assert_eq!(
            split.buckets,
            [
                (DAY, day(2026, 3, 11), day(2026, 4, 1)),
                (MONTH, 202_604, 202_607),
                (DAY, day(2026, 7, 1), day(2026, 7, 2)),
            ]
        );
        let edges: Vec<(i64, i64)> = split
            .edges
            .iter()
            .map(|w| (millis(w.from), millis(w.to)))
            .collect();
        assert_eq!(
            edges,
            [
                (millis(from), day_start(day(2026, 3, 11))),
                (day_start(day(2026, 7, 2)), millis(to)),
            ]
        );
    }

    #[test]
    fn a_year_is_twelve_month_buckets_and_a_day_inside_one_is_counted_live() {
        let year = Window {
            from: month_start(2025, 1).unwrap(),
            to: month_start(2026, 1).unwrap(),
        };
        let split = Split::of(year);
        assert_eq!(split.buckets, [(MONTH, 202_501, 202_601)]);
        assert!(split.edges.is_empty());
        let afternoon = Window {
            from: year.from + Duration::hours(14),
            to: year.from + Duration::hours(17),
        };
        assert_eq!(Split::of(afternoon), Split::live(afternoon));
        assert_eq!(
            Split::before(day_start(day(2026, 6, 15))).buckets,
            [
                (MONTH, 0, 202_606),
                (DAY, day(2026, 6, 1), day(2026, 6, 15))
            ]
        );
    }
}
