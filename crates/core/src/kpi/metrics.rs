//! The dashboard figures for one set of tickets over one window.
//!
//! Counting rules (also in `docs/kpi.md`, which the UI shows on hover):
//! - **Counted tickets**: every ticket except 已注销 (cancelled: not a case) and 已合并 (merged
//!   duplicates: the ticket they were merged into counts once for them all).
//! - **受理量** and the three assessment rates belong to the window the ticket was *received*
//!   in; 结案率 and 按期结案率 to the window its closure was *due* in; the overdue count is a
//!   snapshot at the window's end.
//! - A result that cannot be known yet does not count against anyone: a ticket enters the
//!   response denominator once it was contacted or its contact deadline passed, and the
//!   resolution denominator once it has a result or its closure deadline passed.
//! - `as_of` is the moment the facts were read ("now"); a window never reaches past it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::period::{Period, Window};
use super::{Change, Rate};
use crate::code::GridCode;
use crate::ticket::{Outcome, Satisfaction, Ticket, TicketState};
use crate::vocabulary::Channel;

/// What the figures need of one ticket. Every field is also a column of the `tickets` table
/// (named alongside), so the store can compute the same figures in SQL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiFacts {
    /// `state`
    pub state: TicketState,
    /// `category`
    pub category: String,
    /// `community_code`
    pub community: Option<GridCode>,
    /// `micro_code`
    pub micro: Option<GridCode>,
    /// `assignee_worker`: the worker holding the order now (after any delegation).
    pub worker: Option<String>,
    /// `received_at`
    pub received_at: DateTime<Utc>,
    /// `contact_due_at`
    pub contact_due_at: DateTime<Utc>,
    /// `due_at`
    pub due_at: DateTime<Utc>,
    /// `first_contact_at`
    pub first_contact_at: Option<DateTime<Utc>>,
    /// `closed_at` (cleared again when a closed ticket is reopened).
    pub closed_at: Option<DateTime<Utc>>,
    /// `delegated`: ever delegated down (下交).
    pub delegated: bool,
    /// `outcome`
    pub outcome: Option<Outcome>,
    /// `satisfaction`
    pub satisfaction: Option<Satisfaction>,
    /// `channel = 'proactive'`: found by the street's own people (主动发现), not asked for.
    #[serde(default)]
    pub proactive: bool,
}

impl KpiFacts {
    pub fn of(ticket: &Ticket) -> Self {
        Self {
            state: ticket.state,
            category: ticket.category.clone(),
            community: ticket.routing.community.clone(),
            micro: ticket.routing.micro.clone(),
            worker: ticket.assignment.as_ref().and_then(|a| a.worker_id.clone()),
            received_at: ticket.received_at,
            contact_due_at: ticket.contact_due_at,
            due_at: ticket.due_at,
            first_contact_at: ticket.first_contact_at,
            closed_at: ticket.closed_at,
            delegated: ticket.delegated,
            outcome: ticket.outcome,
            satisfaction: ticket.satisfaction,
            proactive: ticket.channel == Channel::Proactive,
        }
    }

    /// Counted in the figures: not cancelled and not merged into another ticket.
    pub fn counts(&self) -> bool {
        !matches!(self.state, TicketState::Cancelled | TicketState::Merged)
    }

    /// 响应: first contact by the contact deadline (exactly at it is in time). `None` while
    /// neither contacted nor past the deadline at `as_of`.
    pub fn responded_in_time(&self, as_of: DateTime<Utc>) -> Option<bool> {
        match self.first_contact_at {
            Some(contact) => Some(contact <= self.contact_due_at),
            None if as_of > self.contact_due_at => Some(false),
            None => None,
        }
    }

    /// 解决: the handler's result is "solved". `None` while there is no result and the closure
    /// deadline has not passed at `as_of`; past it without a result counts as unsolved.
    pub fn solved(&self, as_of: DateTime<Utc>) -> Option<bool> {
        match self.outcome {
            Some(outcome) => Some(outcome == Outcome::Solved),
            None if as_of > self.due_at => Some(false),
            None => None,
        }
    }

    /// Open (not closed) at the instant `at`, as far as the current row tells.
    fn open_at(&self, at: DateTime<Utc>) -> bool {
        self.received_at < at && self.closed_at.is_none_or(|closed| closed >= at)
    }
}

/// The fewest days of data the per-month figures (月均受理量, 万人诉求量) are made of. Scaled to
/// a month, a shorter window's count says more about the calendar than about the street (12
/// requests on 1–2 December read as 200 a month): such a window gives its count to date instead
/// ([`Kpis::received`], [`Kpis::received_per_10k`]) and no per-month figure.
pub const MIN_AVERAGE_DAYS: f64 = 7.0;

/// One category's part of the intake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryShare {
    pub category: String,
    /// Of the counted tickets received: this category's count over 受理量.
    pub share: Rate,
}

/// The figures of one set of tickets over one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    pub window: Window,
    /// Calendar months the window covers (a partial month counts its share).
    pub months: f64,
    /// Days the window covers (after the cut-off), fractional: 1.5 at noon of a month's 2nd.
    #[serde(default)]
    pub days: f64,
    pub residents: u32,
    /// 月均受理量: received per calendar month; `None` for a window shorter than
    /// [`MIN_AVERAGE_DAYS`] (an empty one too).
    pub monthly_received: Option<f64>,
    /// 万人诉求量: received per month per 10,000 residents; `None` for a window shorter than
    /// [`MIN_AVERAGE_DAYS`] or no residents.
    pub per_10k_residents: Option<f64>,
    /// 受理量 per 10,000 residents over the window itself, not per month (the to-date figure
    /// shown while the window is too short to average); `None` without residents.
    #[serde(default)]
    pub received_per_10k: Option<f64>,
    /// 受理量: counted tickets received in the window.
    pub received: u64,
    /// Cancelled or merged tickets received in the window, left out of every figure.
    pub excluded: u64,
    /// Received in the window and still open at `as_of`.
    pub open: u64,
    /// 响应率: contacted by the contact deadline / received with the response known.
    pub response: Rate,
    /// 解决率: result "solved" / received with a result or past the closure deadline.
    pub resolution: Rate,
    /// 满意率: rated 满意 / rated (基本满意 and 不满意 count as rated, not satisfied).
    pub satisfaction: Rate,
    /// Rated 基本满意, of the rated.
    pub basically_satisfied: u64,
    /// 下交 received in the window (whatever their progress).
    pub delegated: u64,
    /// 下交解决率: 解决率 among the delegated tickets.
    pub delegated_resolution: Rate,
    /// 结案率: closed / due in the window (应结案).
    pub closure: Rate,
    /// 按期结案率: closed by the deadline / due in the window.
    pub on_time_closure: Rate,
    /// Open and past their deadline at the window's end.
    pub overdue_open: u64,
    /// 主动发现占比: received tickets found by the street's own people (channel 主动发现) /
    /// 受理量.
    #[serde(default)]
    pub proactive: Rate,
    /// Every category received, most first (ties by code).
    pub categories: Vec<CategoryShare>,
}

/// The counts behind [`Kpis`]: what [`KpiCounts::count`] finds among facts in memory, and what
/// the store counts in SQL by the same rules. [`Kpis::from_counts`] turns either into figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiCounts {
    /// 受理量: counted tickets received in the window.
    pub received: u64,
    /// Cancelled or merged tickets received in the window.
    pub excluded: u64,
    /// Received in the window and still open.
    pub open: u64,
    pub response: Rate,
    pub resolution: Rate,
    pub satisfaction: Rate,
    pub basically_satisfied: u64,
    pub delegated: u64,
    pub delegated_resolution: Rate,
    /// Due in the window.
    pub closure: Rate,
    pub on_time_closure: Rate,
    pub overdue_open: u64,
    /// Counted tickets received in the window found proactively, of those received.
    pub proactive: Rate,
    /// Counted tickets received in the window, per category; only categories with some.
    pub categories: BTreeMap<String, u64>,
}

impl KpiCounts {
    /// Counts `facts` over `window` clipped to `as_of`, by the rules of the module.
    ///
    /// ```
    /// use binhe_core::kpi::{KpiCounts, Period};
    /// use chrono::{TimeZone, Utc};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
    /// let march = Period::month(2026, 3, now).unwrap().elapsed(now);
    /// assert_eq!(KpiCounts::count(&[], march, now), KpiCounts::default());
    /// ```
    pub fn count<'a>(
        facts: impl IntoIterator<Item = &'a KpiFacts>,
        window: Window,
        as_of: DateTime<Utc>,
    ) -> Self {
        let window = window.clipped(as_of);
        let snapshot = window.snapshot(as_of);
        let mut counts = Self::default();
        for fact in facts {
            if !fact.counts() {
                if window.contains(fact.received_at) {
                    counts.excluded += 1;
                }
                continue;
            }
            if window.contains(fact.due_at) {
                counts.closure.count(fact.closed_at.is_some());
                counts
                    .on_time_closure
                    .count(fact.closed_at.is_some_and(|closed| closed <= fact.due_at));
            }
            if snapshot.is_some_and(|end| fact.open_at(end) && fact.due_at < end) {
                counts.overdue_open += 1;
            }
            if !window.contains(fact.received_at) {
                continue;
            }
            counts.received += 1;
            *counts.categories.entry(fact.category.clone()).or_default() += 1;
            if fact.state.is_open() {
                counts.open += 1;
            }
            if let Some(in_time) = fact.responded_in_time(as_of) {
                counts.response.count(in_time);
            }
            if let Some(solved) = fact.solved(as_of) {
                counts.resolution.count(solved);
                if fact.delegated {
                    counts.delegated_resolution.count(solved);
                }
            }
            if fact.delegated {
                counts.delegated += 1;
            }
            counts.proactive.count(fact.proactive);
            if let Some(rating) = fact.satisfaction {
                counts.satisfaction.count(rating == Satisfaction::Satisfied);
                if rating == Satisfaction::Basic {
                    counts.basically_satisfied += 1;
                }
            }
        }
        counts
    }
}

impl Kpis {
    /// Counts `facts` over `window` for a population of `residents`.
    ///
    /// ```
    /// use binhe_core::kpi::{Kpis, Period};
    /// use chrono::{TimeZone, Utc};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
    /// let march = Period::month(2026, 3, now).unwrap().elapsed(now);
    /// let kpis = Kpis::compute(&[], march, 0, now);
    /// assert_eq!(kpis.received, 0);
    /// assert_eq!(kpis.response.to_string(), "—");
    /// assert_eq!(kpis.per_10k_residents, None, "no residents");
    /// ```
    pub fn compute<'a>(
        facts: impl IntoIterator<Item = &'a KpiFacts>,
        window: Window,
        residents: u32,
        as_of: DateTime<Utc>,
    ) -> Self {
        Self::from_counts(
            KpiCounts::count(facts, window, as_of),
            window,
            residents,
            as_of,
        )
    }

    /// The figures of `counts` made over `window` (clipped to `as_of`, as the counting was) for a
    /// population of `residents`: the per-month and per-10,000 figures and the category shares.
    ///
    /// ```
    /// use binhe_core::kpi::{KpiCounts, Kpis, Period};
    /// use chrono::{TimeZone, Utc};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
    /// let march = Period::month(2026, 3, now).unwrap().elapsed(now);
    /// let counts = KpiCounts { received: 200, ..KpiCounts::default() };
    /// let kpis = Kpis::from_counts(counts, march, 50_000, now);
    /// assert_eq!(kpis.per_10k_residents, Some(40.0));
    /// ```
    pub fn from_counts(
        counts: KpiCounts,
        window: Window,
        residents: u32,
        as_of: DateTime<Utc>,
    ) -> Self {
        let window = window.clipped(as_of);
        let months = window.months();
        let mut categories: Vec<(String, u64)> = counts.categories.into_iter().collect();
        categories.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let received = counts.received;
        let days = (window.to - window.from).num_milliseconds() as f64 / 86_400_000.0;
        let monthly_received =
            (months > 0.0 && days >= MIN_AVERAGE_DAYS).then(|| received as f64 / months);
        let per_10k = |count: f64| (residents > 0).then(|| count * 10_000.0 / f64::from(residents));
        Self {
            window,
            months,
            days,
            residents,
            monthly_received,
            per_10k_residents: monthly_received.and_then(per_10k),
            received_per_10k: per_10k(received as f64),
            received,
            excluded: counts.excluded,
            open: counts.open,
            response: counts.response,
            resolution: counts.resolution,
            satisfaction: counts.satisfaction,
            basically_satisfied: counts.basically_satisfied,
            delegated: counts.delegated,
            delegated_resolution: counts.delegated_resolution,
            closure: counts.closure,
            on_time_closure: counts.on_time_closure,
            overdue_open: counts.overdue_open,
            proactive: counts.proactive,
            categories: categories
                .into_iter()
                .filter_map(|(category, count)| {
                    Some(CategoryShare {
                        category,
                        share: Rate::new(count, received)?,
                    })
                })
                .collect(),
        }
    }
}

/// The figures of a period next to those of the same span a year earlier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearOverYear {
    pub current: Kpis,
    pub earlier: Kpis,
    /// 同比 of 月均受理量.
    pub monthly_received: Change,
    /// 同比 of 万人诉求量.
    pub per_10k_residents: Change,
}

impl YearOverYear {
    /// Compares the elapsed part of `period` with the same span a year earlier (so a month in
    /// progress is compared with the same days of last year). `residents_earlier` is the
    /// population then; pass the current one when it is not known.
    pub fn compute(
        facts: &[KpiFacts],
        period: &Period,
        residents: u32,
        residents_earlier: u32,
        as_of: DateTime<Utc>,
    ) -> Self {
        let window = period.elapsed(as_of);
        let current = Kpis::compute(facts, window, residents, as_of);
        let earlier = Kpis::compute(facts, window.year_before(), residents_earlier, as_of);
        let (monthly_received, per_10k_residents) = volume_changes(&current, &earlier);
        Self {
            current,
            earlier,
            monthly_received,
            per_10k_residents,
        }
    }
}

/// 同比 of 月均受理量 and 万人诉求量: of the per-month figures when both windows are long enough
/// to average ([`MIN_AVERAGE_DAYS`]); of the counts to date otherwise, which is the same
/// comparison (the earlier window is the same span a year before) without the scaling.
pub fn volume_changes(current: &Kpis, earlier: &Kpis) -> (Change, Change) {
    if current.monthly_received.is_some() && earlier.monthly_received.is_some() {
        (
            Change::between(current.monthly_received, earlier.monthly_received),
            Change::between(current.per_10k_residents, earlier.per_10k_residents),
        )
    } else {
        let count = |k: &Kpis| (k.days > 0.0).then_some(k.received as f64);
        (
            Change::between(count(current), count(earlier)),
            Change::between(
                current.received_per_10k.filter(|_| current.days > 0.0),
                earlier.received_per_10k.filter(|_| earlier.days > 0.0),
            ),
        )
    }
}

/// One month of a trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthKpis {
    pub year: i32,
    pub month: u32,
    pub kpis: Kpis,
}

/// The figures month by month over `period` (12 entries for a year), empty months and months
/// still to come included, with no figures rather than zeros for their rates.
pub fn trend(
    facts: &[KpiFacts],
    period: &Period,
    residents: u32,
    as_of: DateTime<Utc>,
) -> Vec<MonthKpis> {
    period
        .months()
        .into_iter()
        .map(|(year, month, window)| MonthKpis {
            year,
            month,
            kpis: Kpis::compute(facts, window, residents, as_of),
        })
        .collect()
}
