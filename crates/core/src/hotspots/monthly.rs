//! Two plain monthly counts beside the scan: the month's top problems per category, street-wide
//! and per community (for choosing 每月一题), and the micro-grids whose requests rise month on
//! month.
//!
//! A micro-grid (or a micro-grid and category) is **rising** in a month when its count there is
//! improbably high against its own recent past: with `λ` the mean of its counts over the
//! previous [`RisingRule::history_months`] months (at least [`RisingRule::min_baseline`], so a
//! quiet grid's first few requests are not a "rise" from nothing), the one-sided Poisson p-value
//! `P(X ≥ count | λ)` must be small after a Benjamini–Hochberg false-discovery correction over
//! every group tested that month (at level [`RisingRule::fdr`]), and the count must be at least
//! [`RisingRule::min_count`]. A Poisson test was chosen over "n consecutive rises" because runs
//! of rises happen by chance in small counts (three rises in a row: 1 in 24 for any grid even
//! without change) and say nothing about size; the test weighs how far above its usual level a
//! grid is. The number of consecutive rises is still reported as context.
//!
//! ```
//! use binhe_core::hotspots::{MonthlyCase, RisingRule, YearMonth, rising_micro_grids};
//!
//! let months = [YearMonth::new(2026, 7).unwrap(), YearMonth::new(2026, 8).unwrap(),
//!     YearMonth::new(2026, 9).unwrap(), YearMonth::new(2026, 10).unwrap()];
//! let mut cases = Vec::new();
//! for (i, &month) in months.iter().enumerate() {
//!     // "a" holds steady at 2 a month; "b" goes 1, 1, 1, then 12.
//!     for _ in 0..2 { cases.push(MonthlyCase { month, category: "road", community: "c1", micro_grid: "a" }); }
//!     let b = if i == 3 { 12 } else { 1 };
//!     for _ in 0..b { cases.push(MonthlyCase { month, category: "road", community: "c1", micro_grid: "b" }); }
//! }
//! let rising = rising_micro_grids(&cases, months[3], &RisingRule::default(), false);
//! assert_eq!(rising.iter().filter(|r| r.rising).map(|r| r.micro_grid.as_str()).collect::<Vec<_>>(), ["b"]);
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::HotspotError;
use crate::kpi::period::beijing_month;

/// A Beijing calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Result<Self, HotspotError> {
        if (1..=12).contains(&month) {
            Ok(Self { year, month })
        } else {
            Err(HotspotError::InvalidMonth { year, month })
        }
    }

    /// The Beijing month an instant falls in.
    pub fn of(at: DateTime<Utc>) -> Self {
        let (year, month) = beijing_month(at);
        Self { year, month }
    }

    /// Months since year 0, so that consecutive months differ by one.
    fn ordinal(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    fn from_ordinal(ordinal: i64) -> Self {
        Self {
            year: ordinal.div_euclid(12) as i32,
            month: ordinal.rem_euclid(12) as u32 + 1,
        }
    }

    #[must_use]
    pub fn previous(self) -> Self {
        Self::from_ordinal(self.ordinal() - 1)
    }
}

/// One request as the monthly counts see it. Communities and micro-grids by their codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthlyCase<'a> {
    pub month: YearMonth,
    pub category: &'a str,
    pub community: &'a str,
    pub micro_grid: &'a str,
}

/// One category's count in a month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemCount {
    pub category: String,
    pub count: u32,
    /// Of all requests of the community (or street) that month, 0..=1.
    pub share: f64,
    /// The same category and community the month before.
    pub previous: u32,
    /// `count − previous`.
    pub change: i64,
    /// `count / previous − 1`; `None` when there were none the month before.
    pub change_ratio: Option<f64>,
}

/// The month's top problems of the street (`community: None`) or of one community.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunityTop {
    pub community: Option<String>,
    pub total: u32,
    pub previous_total: u32,
    /// Most requests first, ties by category code; at most `top_n`.
    pub top: Vec<ProblemCount>,
}

/// The top `top_n` categories of `month`, street-wide first, then each community (by code) that
/// had requests that month or the month before.
pub fn monthly_top(cases: &[MonthlyCase<'_>], month: YearMonth, top_n: usize) -> Vec<CommunityTop> {
    let previous = month.previous();
    // (community or street, category) → (this month, previous month)
    let mut counts: BTreeMap<(Option<&str>, &str), (u32, u32)> = BTreeMap::new();
    let mut totals: BTreeMap<Option<&str>, (u32, u32)> = BTreeMap::new();
    totals.insert(None, (0, 0));
    for c in cases {
        let this = c.month == month;
        if !this && c.month != previous {
            continue;
        }
        for place in [None, Some(c.community)] {
            let add = |pair: &mut (u32, u32)| {
                if this {
                    pair.0 += 1;
                } else {
                    pair.1 += 1;
                }
            };
            add(counts.entry((place, c.category)).or_default());
            add(totals.entry(place).or_default());
        }
    }
    totals
        .into_iter()
        .map(|(place, (total, previous_total))| {
            let mut top: Vec<ProblemCount> = counts
                .range((place, "")..)
                .take_while(|((p, _), _)| *p == place)
                .filter(|(_, (count, _))| *count > 0)
                .map(|(&(_, category), &(count, before))| ProblemCount {
                    category: category.to_owned(),
                    count,
                    share: f64::from(count) / f64::from(total),
                    previous: before,
                    change: i64::from(count) - i64::from(before),
                    change_ratio: (before > 0).then(|| f64::from(count) / f64::from(before) - 1.0),
                })
                .collect();
            top.sort_by(|a, b| b.count.cmp(&a.count).then(a.category.cmp(&b.category)));
            top.truncate(top_n);
            CommunityTop {
                community: place.map(str::to_owned),
                total,
                previous_total,
                top,
            }
        })
        .collect()
}

/// When a micro-grid counts as rising; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RisingRule {
    /// Months before the month tested whose mean is the baseline (default 3).
    pub history_months: u32,
    /// Lowest baseline used, requests per month (default 0.5).
    pub min_baseline: f64,
    /// Fewest requests in the month to be flagged (default 3).
    pub min_count: u32,
    /// Benjamini–Hochberg false-discovery level over the groups tested (default 0.05).
    pub fdr: f64,
}

impl Default for RisingRule {
    fn default() -> Self {
        Self {
            history_months: 3,
            min_baseline: 0.5,
            min_count: 3,
            fdr: 0.05,
        }
    }
}

/// One micro-grid (and category, when counted per category) in the month tested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RisingGroup {
    pub micro_grid: String,
    pub category: Option<String>,
    /// Counts of the history months then the month tested, oldest first.
    pub monthly: Vec<u32>,
    pub count: u32,
    /// Mean of the history months (before the `min_baseline` floor).
    pub baseline: f64,
    /// `P(X ≥ count)` for `X ~ Poisson(max(baseline, min_baseline))`.
    pub p_value: f64,
    /// Benjamini–Hochberg adjusted p-value over all groups tested.
    pub q_value: f64,
    /// Month-on-month rises in a row ending with the month tested (0 if it did not rise).
    pub consecutive_rises: u32,
    pub rising: bool,
}

/// Every micro-grid (or micro-grid and category, with `per_category`) with a request in
/// `month` or its history months, most significant first (by p-value, then count).
pub fn rising_micro_grids(
    cases: &[MonthlyCase<'_>],
    month: YearMonth,
    rule: &RisingRule,
    per_category: bool,
) -> Vec<RisingGroup> {
    let history = i64::from(rule.history_months);
    let last = month.ordinal();
    let first = last - history;
    let mut groups: BTreeMap<(&str, Option<&str>), Vec<u32>> = BTreeMap::new();
    for c in cases {
        let at = c.month.ordinal();
        if !(first..=last).contains(&at) {
            continue;
        }
        let key = (c.micro_grid, per_category.then_some(c.category));
        groups
            .entry(key)
            .or_insert_with(|| vec![0; history as usize + 1])[(at - first) as usize] += 1;
    }
    let mut found: Vec<RisingGroup> = groups
        .into_iter()
        .map(|((micro_grid, category), monthly)| {
            let count = *monthly.last().expect("history plus the month tested");
            let past = &monthly[..monthly.len() - 1];
            let baseline = if past.is_empty() {
                0.0
            } else {
                past.iter().map(|&n| f64::from(n)).sum::<f64>() / past.len() as f64
            };
            let consecutive_rises =
                monthly.windows(2).rev().take_while(|w| w[1] > w[0]).count() as u32;
            RisingGroup {
                micro_grid: micro_grid.to_owned(),
                category: category.map(str::to_owned),
                p_value: poisson_upper_tail(count, baseline.max(rule.min_baseline)),
                q_value: 1.0,
                count,
                baseline,
                monthly,
                consecutive_rises,
                rising: false,
            }
        })
        .collect();
    found.sort_by(|a, b| {
        a.p_value
            .total_cmp(&b.p_value)
            .then(b.count.cmp(&a.count))
            .then(a.micro_grid.cmp(&b.micro_grid))
            .then(a.category.cmp(&b.category))
    });
    // Benjamini–Hochberg: q_i = min over j ≥ i of p_j · m / j.
    let m = found.len() as f64;
    let mut running = 1.0f64;
    for (i, g) in found.iter_mut().enumerate().rev() {
        running = running.min(g.p_value * m / (i + 1) as f64);
        g.q_value = running;
    }
    for g in &mut found {
        g.rising = g.count >= rule.min_count && g.q_value <= rule.fdr;
    }
    found
}

/// `P(X ≥ n)` for `X ~ Poisson(λ)`: the terms from `n` upwards when `n` is above the mean,
/// otherwise one minus the terms below `n`, each term in log space so neither underflows.
pub(crate) fn poisson_upper_tail(n: u32, lambda: f64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let ln_lambda = lambda.ln();
    let mut ln_factorial = 0.0;
    let mut below = 0.0;
    for k in 0..n {
        if k > 1 {
            ln_factorial += f64::from(k).ln();
        }
        below += (f64::from(k) * ln_lambda - lambda - ln_factorial).exp();
    }
    if f64::from(n) <= lambda {
        return (1.0 - below).clamp(0.0, 1.0);
    }
    if n > 1 {
        ln_factorial += f64::from(n).ln();
    }
    let mut term = (f64::from(n) * ln_lambda - lambda - ln_factorial).exp();
    let mut sum = 0.0;
    let mut k = f64::from(n);
    while term > sum * 1e-17 {
        sum += term;
        k += 1.0;
        term *= lambda / k;
    }
    sum.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_tail_matches_the_complement_of_the_lower_sum() {
        for &(n, lambda) in &[(1u32, 0.5f64), (3, 2.0), (10, 3.0), (40, 35.0)] {
            let mut lower = 0.0;
            let mut term = (-lambda).exp();
            for k in 0..n {
                lower += term;
                term *= lambda / f64::from(k + 1);
            }
            let tail = poisson_upper_tail(n, lambda);
            assert!(
                (tail - (1.0 - lower)).abs() < 1e-12,
                "n={n} λ={lambda}: {tail}"
            );
        }
    }

    #[test]
    fn months_step_back_across_the_new_year() {
        assert_eq!(
            YearMonth::new(2026, 1).unwrap().previous(),
            YearMonth::new(2025, 12).unwrap()
        );
    }
}
