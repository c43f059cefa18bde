//! The 未诉先办 routes (`docs/api-hotspots.md`, issue 16): the hotspots of the center's daily
//! analysis or of one asked for now, the month's top problems per community (每月一题) and the
//! micro-grids whose requests rise month on month. The method is `binhe_core::hotspots`'s: a
//! space-time permutation scan statistic over micro-grids, each hotspot with its Monte Carlo
//! p-value.

use binhe_core::GridCode;
use binhe_core::hotspots::{CommunityTop, Mode, RisingGroup, Trend};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::query::QueryString;

/// Significance level a hotspot is shown at unless the run asked for another.
pub const DEFAULT_ALPHA: f64 = 0.05;
/// Days of history an analysis reads unless asked otherwise (the expectations come from them).
pub const DEFAULT_HISTORY_DAYS: u32 = 365;
/// Most days of history one analysis may read.
pub const MAX_HISTORY_DAYS: u32 = 3 * 366;
/// Longest window of a hotspot unless asked otherwise, and at most.
pub const DEFAULT_MAX_DAYS: u32 = 30;
pub const MAX_MAX_DAYS: u32 = 90;
/// Largest circle of micro-grids, metres, unless asked otherwise, and at most.
pub const DEFAULT_RADIUS_M: f64 = 500.0;
pub const MAX_RADIUS_M: f64 = 3_000.0;
/// Monte Carlo replications unless asked otherwise, and the fewest and most a run may ask for.
pub const DEFAULT_REPLICATIONS: u32 = 999;
pub const MIN_REPLICATIONS: u32 = 99;
pub const MAX_REPLICATIONS: u32 = 9_999;

/// `GET /api/hotspots`: which analysis (`run`; the newest when absent).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HotspotParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<i64>,
}

impl HotspotParams {
    /// The query string (without `?`).
    pub fn to_query(&self) -> String {
        QueryString::new()
            .with_opt("run", self.run.map(|id| id.to_string()).as_deref())
            .finish()
    }
}

/// `POST /api/hotspots/runs`: an analysis now. Every field has a default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRequest {
    /// `prospective` (windows ending on the analysis day; default) or `retrospective` (any
    /// window of the history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// The Beijing day the analysis is made for, `YYYY-MM-DD` (default today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis_day: Option<String>,
    /// Days of history up to and including the analysis day ([`DEFAULT_HISTORY_DAYS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_days: Option<u32>,
    /// Longest window in days ([`DEFAULT_MAX_DAYS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_days: Option<u32>,
    /// Largest circle radius in metres ([`DEFAULT_RADIUS_M`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_radius_m: Option<f64>,
    /// Monte Carlo replications ([`DEFAULT_REPLICATIONS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replications: Option<u32>,
    /// Significance level ([`DEFAULT_ALPHA`]), in (0, 0.5].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
}

/// Why the analysis ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The center's run for the day.
    Daily,
    /// Asked for by a person.
    OnDemand,
}

impl Trigger {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Daily => "每日自动分析",
            Self::OnDemand => "手动分析",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Daily => "Daily analysis",
            Self::OnDemand => "On demand",
        }
    }
}

/// How many requests of one category a hotspot holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub category: String,
    pub name: String,
    pub count: u32,
}

/// A micro-grid of a hotspot, with its community.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HotspotZone {
    pub code: GridCode,
    pub name: String,
    pub community: Option<GridCode>,
    pub community_name: Option<String>,
}

/// One space-time cluster of requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HotspotView {
    /// 1 for the most likely cluster of its category (or of all requests), then 2, 3 ….
    pub rank: u32,
    /// The category scanned; `None`: all requests together.
    pub category: Option<String>,
    /// Its name (`全部类别` for all together).
    pub category_name: String,
    /// The micro-grids inside, the centre first.
    pub zones: Vec<HotspotZone>,
    /// The outline of the micro-grids together: a GeoJSON Polygon or MultiPolygon (WGS84).
    pub outline: binhe_core::geojson::Geometry,
    /// Where the label goes: the centre micro-grid's interior point, `[lon, lat]`.
    pub centre: [f64; 2],
    pub radius_m: f64,
    /// The window, Beijing days `YYYY-MM-DD`, inclusive.
    pub first_day: String,
    pub last_day: String,
    pub days: u32,
    pub observed: u32,
    pub expected: f64,
    pub relative_risk: f64,
    pub llr: f64,
    pub p_value: f64,
    /// `p_value <= alpha` of the run.
    pub significant: bool,
    pub trend: Trend,
    /// Still rising at the end of its window (the trend's slope above 0).
    pub rising: bool,
    /// The categories of the requests inside (its micro-grids over its window), most first, at
    /// most three: what an all-categories hotspot is mostly about.
    #[serde(default)]
    pub leading: Vec<CategoryCount>,
}

/// How many requests of a category the run scanned, and how many hotspots it found there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryScanned {
    pub category: Option<String>,
    pub category_name: String,
    pub cases: u32,
    pub significant: u32,
}

/// What an analysis was asked and what it found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HotspotRun {
    pub id: i64,
    pub ran_at: DateTime<Utc>,
    pub trigger: Trigger,
    /// Who asked (on demand).
    pub account: Option<String>,
    pub mode: Mode,
    /// The Beijing day the analysis was made for, and the first day of its history.
    pub analysis_day: String,
    pub history_from: String,
    pub max_days: u32,
    pub max_radius_m: f64,
    pub replications: u32,
    pub alpha: f64,
    /// Requests read (counted ones in a micro-grid).
    pub cases: u32,
    /// Wall time of the analysis.
    pub took_ms: u64,
    pub categories: Vec<CategoryScanned>,
    /// Every hotspot found, significant ones first (by p-value, then by LLR); a commander sees
    /// only those touching their community.
    pub hotspots: Vec<HotspotView>,
}

/// `GET /api/hotspots`: the analysis, or none made yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HotspotAnswer {
    pub run: Option<HotspotRun>,
    /// The newest analyses, newest first, for the picker.
    pub recent: Vec<RunSummary>,
}

/// An analysis in the list of recent ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: i64,
    pub ran_at: DateTime<Utc>,
    pub trigger: Trigger,
    pub mode: Mode,
    pub analysis_day: String,
    pub account: Option<String>,
    pub significant: u32,
}

/// `GET /api/hotspots/monthly` and `/api/hotspots/rising`: which month (`YYYY-MM`, default the
/// current Beijing month) and, for rising micro-grids, per category or all together.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MonthParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_category: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<u32>,
}

impl MonthParams {
    /// The query string (without `?`).
    pub fn to_query(&self) -> String {
        QueryString::new()
            .with_opt("month", self.month.as_deref())
            .with_opt(
                "per_category",
                self.per_category.map(|b| b.to_string()).as_deref(),
            )
            .with_opt("top", self.top.map(|n| n.to_string()).as_deref())
            .finish()
    }
}

/// 每月一题: the month's top problems, for the street (or the caller's community) first, then
/// per community; category names alongside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlyTopAnswer {
    /// `YYYY-MM`, and its label (`2026年11月`).
    pub month: String,
    pub label: String,
    pub communities: Vec<CommunityTop>,
    pub category_names: std::collections::BTreeMap<String, String>,
    pub community_names: std::collections::BTreeMap<String, String>,
}

/// Micro-grids whose requests rise month on month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RisingAnswer {
    pub month: String,
    pub label: String,
    /// The months of each group's `monthly` counts, oldest first (`YYYY-MM`).
    pub months: Vec<String>,
    /// Rising groups only, most significant first.
    pub groups: Vec<RisingGroup>,
    pub micro_names: std::collections::BTreeMap<String, String>,
    pub category_names: std::collections::BTreeMap<String, String>,
    /// Groups tested (the false-discovery correction is over all of them).
    pub tested: u32,
}
