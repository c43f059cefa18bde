//! 未诉先办: where and what is rising before it becomes a wave of calls.
//!
//! - [`scan`] (feature `analysis`) finds space-time clusters of requests over micro-grids: the
//!   space-time permutation scan statistic of Kulldorff et al. (2005), as SaTScan runs it,
//!   prospective (windows ending on the analysis day, run daily) or retrospective (any window
//!   of the history), per category or all together, each cluster with a Monte Carlo p-value;
//! - [`monthly`] counts the month's top problems per category and community (每月一题) and
//!   finds micro-grids whose requests rise month on month.
//!
//! # Why the space-time permutation scan
//!
//! - Requests have no population at risk: a micro-grid's residents are not the people who call
//!   about its roads, shops and pipes, and most requests are about places, not people. The
//!   permutation model needs only cases with a place and a day; its expected count for a zone
//!   and a window is `C_zone · C_window / C`, taken from the requests themselves.
//! - That expectation adjusts for purely spatial differences (a big community, a market street
//!   that always draws calls) and for purely temporal ones (weekdays, the heating season, a
//!   city-wide campaign): only an excess of a place *in* a time beyond both is a cluster.
//! - Candidate clusters are cylinders — a circle of micro-grids around each micro-grid (its
//!   nearest neighbours within a distance band) times a window of days — so a hotspot of any
//!   size up to the limits is tested without choosing one size beforehand.
//! - The p-value comes from the maximum statistic over all cylinders in each of R random
//!   permutations of the days among the requests: a cluster is significant at level α only if
//!   its statistic beats the (1 − α) quantile of the *maximum* under no clustering, so the
//!   chance of any false alarm in the whole scan is at most α (family-wise, over every window
//!   tested). The benchmark `benches/hotspots.rs` checks that rate, and the power, on generated
//!   histories.
//!
//! Getis–Ord Gi* was the alternative: it needs a value per zone and period, tests each zone
//! separately (so a false-discovery correction on top), and has no time window of its own. No
//! Rust crate implements a scan statistic (the docs search finds R and SaTScan only; the Rust
//! Getis–Ord code sits in large raster-analytics crates built on ndarray), so the scan is
//! implemented here, in plain Rust over plain slices.
//!
//! Days are whole days in Beijing time (Asia/Shanghai): [`beijing_day`] turns an instant into
//! the day number the scan takes, [`day_date`] turns it back.

pub mod monthly;
#[cfg(feature = "analysis")]
pub mod scan;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ticket::intake::beijing;

pub use monthly::{
    CommunityTop, MonthlyCase, ProblemCount, RisingGroup, RisingRule, YearMonth, monthly_top,
    rising_micro_grids,
};
#[cfg(feature = "analysis")]
pub use scan::{
    Case, CategorisedCase, CategoryScan, Hotspot, ScanConfig, ScanResult, ZoneLayout,
    replication_cases, scan, scan_by_category,
};

/// Which windows are scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Windows ending on the study's last day (the analysis day): "what is rising now",
    /// the daily run. The whole history still gives the expectations.
    Prospective,
    /// Any window inside the study period: clusters over the whole history, on demand.
    Retrospective,
}

/// How the requests inside a cluster's zones developed over its window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Requests in the cluster's zones on each day of the window, first day first.
    pub daily_observed: Vec<u32>,
    /// Expected on each day, `C_Z · C_day / C`; sums to the hotspot's expected count.
    pub daily_expected: Vec<f64>,
    /// Least-squares slope of `daily_observed` against the day, in requests per day per day:
    /// above 0 the cluster is still growing at the end of its window. 0 for a one-day window.
    pub slope_per_day: f64,
}

/// The day number of an instant in Beijing time: days since 1970-01-01 (Beijing), so
/// 2026-01-31T16:30Z is the first day of February.
///
/// ```
/// use binhe_core::hotspots::{beijing_day, day_date};
/// use chrono::{NaiveDate, TimeZone, Utc};
///
/// let day = beijing_day(Utc.with_ymd_and_hms(2026, 1, 31, 16, 30, 0).unwrap());
/// assert_eq!(day_date(day), NaiveDate::from_ymd_opt(2026, 2, 1));
/// ```
pub fn beijing_day(at: DateTime<Utc>) -> i32 {
    at.with_timezone(&beijing()).date_naive().num_days_from_ce() - EPOCH_DAYS_FROM_CE
}

/// The Beijing calendar date of a day number from [`beijing_day`].
pub fn day_date(day: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(day + EPOCH_DAYS_FROM_CE)
}

/// `NaiveDate::from_ymd(1970, 1, 1).num_days_from_ce()`.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Why an analysis cannot run as asked. Each variant names what is wrong; [`Self::code`] is the
/// stable English code, [`Self::message_zh`] the Chinese message for the user.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HotspotError {
    #[error("the study period must not end before it starts: from day {first} to day {last}")]
    InvalidPeriod { first: i32, last: i32 },
    #[error("case {case} names zone {zone}, but there are only {zones} zones")]
    ZoneOutOfRange {
        case: usize,
        zone: usize,
        zones: usize,
    },
    #[error("case {case} is on day {day}, outside the study period {first}..={last}")]
    DayOutOfRange {
        case: usize,
        day: i32,
        first: i32,
        last: i32,
    },
    #[error("zone {zone} has no finite coordinates: ({x}, {y})")]
    InvalidZone { zone: usize, x: f64, y: f64 },
    #[error("setting {setting} is invalid: {reason}")]
    InvalidSetting {
        setting: &'static str,
        reason: &'static str,
        reason_zh: &'static str,
    },
    #[error("{year}-{month} is not a month")]
    InvalidMonth { year: i32, month: u32 },
}

impl HotspotError {
    /// Stable English code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidPeriod { .. } => "HOTSPOT_INVALID_PERIOD",
            Self::ZoneOutOfRange { .. } => "HOTSPOT_UNKNOWN_ZONE",
            Self::DayOutOfRange { .. } => "HOTSPOT_DAY_OUTSIDE_PERIOD",
            Self::InvalidZone { .. } => "HOTSPOT_INVALID_ZONE",
            Self::InvalidSetting { .. } => "HOTSPOT_INVALID_SETTING",
            Self::InvalidMonth { .. } => "HOTSPOT_INVALID_MONTH",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::InvalidPeriod { first, last } => format!(
                "分析时段的结束日早于开始日：{} 至 {}",
                show_day(*first),
                show_day(*last)
            ),
            Self::ZoneOutOfRange { case, zone, zones } => {
                format!(
                    "第 {} 条诉求指向第 {zone} 号微网格，但只有 {zones} 个微网格",
                    case + 1
                )
            }
            Self::DayOutOfRange {
                case,
                day,
                first,
                last,
            } => format!(
                "第 {} 条诉求的日期 {} 不在分析时段 {} 至 {} 内",
                case + 1,
                show_day(*day),
                show_day(*first),
                show_day(*last)
            ),
            Self::InvalidZone { zone, .. } => format!("第 {zone} 号微网格的坐标无效"),
            Self::InvalidSetting {
                setting, reason_zh, ..
            } => format!("参数 {setting} 无效：{reason_zh}"),
            Self::InvalidMonth { year, month } => format!("{year} 年 {month} 月不是有效月份"),
        }
    }
}

fn show_day(day: i32) -> String {
    day_date(day).map_or_else(|| format!("第 {day} 天"), |d| d.to_string())
}
