//! KPI maths for the dashboard and the assessment (考核): 受理量, 响应率, 解决率, 满意率,
//! 万人诉求量, 下交, 结案率 and 按期结案率, year-over-year change, a monthly trend, and a weighted
//! ranking of communities, micro-grids and workers.
//!
//! - [`period`] fixes the span in Beijing time and refuses impossible ones;
//! - [`metrics`] counts a set of [`KpiFacts`] (one per ticket, each fact a column of the
//!   `tickets` table so SQL can count the same) into [`KpiCounts`], and makes [`Kpis`] of them;
//! - [`assessment`] weights the three rates into a score and ranks subjects.
//!
//! Nothing here divides by zero: a rate with an empty denominator is [`Rate`] with no value and
//! shows as "—". The counting rules are written out in `docs/kpi.md`.

pub mod assessment;
pub mod definitions;
pub mod drill;
pub mod metrics;
pub mod period;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use assessment::{Assessment, SubjectCounts, SubjectKind, Weights, assess, rank};
pub use definitions::{DEFINITIONS, Definition};
pub use drill::KpiMetric;
pub use metrics::{
    CategoryShare, KpiCounts, KpiFacts, Kpis, MIN_AVERAGE_DAYS, MonthKpis, YearOverYear, trend,
    volume_changes,
};
pub use period::{Period, PeriodKind, Window};

/// Why a report cannot be computed as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KpiError {
    #[error("the range must start before it ends: from {from} to {to}")]
    InvalidRange {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    #[error("the range from {from} to {to} is longer than {max_years} years")]
    RangeTooLong {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        max_years: u32,
    },
    #[error("the period starts at {from}, after now ({now})")]
    FuturePeriod {
        from: DateTime<Utc>,
        now: DateTime<Utc>,
    },
    #[error("{year}-{month} is not a month between 2000 and 2100")]
    InvalidMonth { year: i32, month: u32 },
    #[error("{year} is not a year between 2000 and 2100")]
    InvalidYear { year: i32 },
    #[error("the {weight} weight must be a non-negative number, got {value}")]
    InvalidWeight { weight: &'static str, value: f64 },
    #[error("the weights must add up to 100, they add up to {sum}")]
    WeightsNotHundred { sum: f64 },
    #[error("{metric:?} is not a dashboard figure")]
    InvalidMetric { metric: String },
    #[error("the category figure needs a category")]
    CategoryRequired,
}

impl KpiError {
    /// Stable English code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRange { .. } => "INVALID_RANGE",
            Self::RangeTooLong { .. } => "RANGE_TOO_LONG",
            Self::FuturePeriod { .. } => "FUTURE_PERIOD",
            Self::InvalidMonth { .. } => "INVALID_MONTH",
            Self::InvalidYear { .. } => "INVALID_YEAR",
            Self::InvalidWeight { .. } => "INVALID_WEIGHT",
            Self::WeightsNotHundred { .. } => "WEIGHTS_NOT_100",
            Self::InvalidMetric { .. } => "INVALID_METRIC",
            Self::CategoryRequired => "CATEGORY_REQUIRED",
        }
    }

    /// What a dispatcher reads, in Beijing time.
    pub fn message_zh(&self) -> String {
        let day = |t: &DateTime<Utc>| {
            t.with_timezone(&crate::ticket::intake::beijing())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        match self {
            Self::InvalidRange { from, to } => format!(
                "统计区间无效：开始时间 {} 须早于结束时间 {}",
                day(from),
                day(to)
            ),
            Self::RangeTooLong {
                from,
                to,
                max_years,
            } => format!(
                "统计区间过长：{} 至 {}，最长 {max_years} 年",
                day(from),
                day(to)
            ),
            Self::FuturePeriod { from, .. } => {
                format!("统计区间从 {} 开始，尚未到来", day(from))
            }
            Self::InvalidMonth { year, month } => {
                format!("{year} 年 {month} 月不是有效月份（年份须在 2000–2100 之间）")
            }
            Self::InvalidYear { year } => format!("{year} 年不在 2000–2100 之间"),
            Self::InvalidWeight { weight, value } => {
                let name = match *weight {
                    "response" => "响应率",
                    "resolution" => "解决率",
                    _ => "满意率",
                };
                format!("{name}权重须为不小于 0 的数，当前为 {value}")
            }
            Self::WeightsNotHundred { sum } => {
                format!("响应率、解决率、满意率的权重之和须为 100，当前为 {sum}")
            }
            Self::InvalidMetric { metric } => format!(
                "“{metric}”不是看板指标，应为 {}",
                drill::KpiMetric::NAMES.join("、")
            ),
            Self::CategoryRequired => "按类别查看工单须指明类别".to_owned(),
        }
    }
}

/// A share with its counts: `numerator` of `denominator`. Has no value when nothing was
/// counted, and shows as "—" then; the numerator never exceeds the denominator.
///
/// ```
/// use binhe_core::kpi::Rate;
///
/// let rate = Rate::new(997, 1000).unwrap();
/// assert_eq!(rate.to_string(), "99.7%");
/// assert_eq!(Rate::default().value(), None);
/// assert_eq!(Rate::default().to_string(), "—");
/// assert!(Rate::new(3, 2).is_none());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RateCounts", into = "RateCounts")]
pub struct Rate {
    numerator: u64,
    denominator: u64,
}

/// A [`Rate`] on the wire: its counts and, for display, its value (`null` for "—").
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct RateCounts {
    numerator: u64,
    denominator: u64,
    #[serde(default)]
    value: Option<f64>,
}

impl TryFrom<RateCounts> for Rate {
    type Error = String;

    fn try_from(counts: RateCounts) -> Result<Self, Self::Error> {
        Self::new(counts.numerator, counts.denominator).ok_or_else(|| {
            format!(
                "rate numerator {} exceeds its denominator {}",
                counts.numerator, counts.denominator
            )
        })
    }
}

impl From<Rate> for RateCounts {
    fn from(rate: Rate) -> Self {
        Self {
            numerator: rate.numerator,
            denominator: rate.denominator,
            value: rate.value(),
        }
    }
}

impl Rate {
    /// `None` when the numerator exceeds the denominator.
    pub fn new(numerator: u64, denominator: u64) -> Option<Self> {
        (numerator <= denominator).then_some(Self {
            numerator,
            denominator,
        })
    }

    /// Counts one more case, a hit or not.
    pub fn count(&mut self, hit: bool) {
        self.denominator += 1;
        if hit {
            self.numerator += 1;
        }
    }

    pub fn numerator(self) -> u64 {
        self.numerator
    }

    pub fn denominator(self) -> u64 {
        self.denominator
    }

    /// Between 0 and 1; `None` when nothing was counted.
    pub fn value(self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value() {
            Some(v) => write!(f, "{:.1}%", v * 100.0),
            None => f.write_str("—"),
        }
    }
}

/// A figure now against the same figure a year earlier (同比).
///
/// ```
/// use binhe_core::kpi::Change;
///
/// let change = Change::between(Some(202.0), Some(246.0));
/// assert_eq!(change.to_string(), "-17.9%");
/// assert_eq!(Change::between(Some(5.0), Some(0.0)).relative(), None);
/// assert_eq!(Change::between(Some(5.0), None).to_string(), "—");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub current: Option<f64>,
    pub earlier: Option<f64>,
    /// `(current − earlier) / earlier`; `None` when either is absent or the earlier one is 0.
    pub relative: Option<f64>,
}

impl Change {
    pub fn between(current: Option<f64>, earlier: Option<f64>) -> Self {
        let relative = match (current, earlier) {
            (Some(now), Some(before)) if before != 0.0 => Some((now - before) / before),
            _ => None,
        };
        Self {
            current,
            earlier,
            relative,
        }
    }

    pub fn relative(&self) -> Option<f64> {
        self.relative
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.relative {
            Some(v) => write!(f, "{:+.1}%", v * 100.0),
            None => f.write_str("—"),
        }
    }
}
