//! The KPI routes (`docs/api-kpi.md`): the dashboard, the assessment (考核), the heat map of
//! requests per micro-grid, the drill-down into the tickets behind a figure and the monthly
//! report (月报). The figures are `binhe_core::kpi`'s own types; definitions in `docs/kpi.md`.

use std::collections::BTreeMap;
use std::ops::Deref;

use binhe_core::GridCode;
use binhe_core::kpi::{Assessment, Change, Definition, Kpis, Rate, SubjectKind, Weights};
use binhe_core::ticket::TicketId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::query::QueryString;
use crate::tickets::TicketView;
pub use crate::vocabulary::{PeriodKindName, ScopeKind};

/// Tickets a drill-down list answers with unless `limit` says otherwise, and at most.
pub const DEFAULT_DRILL_LIMIT: u32 = 100;
pub const MAX_DRILL_LIMIT: u32 = 1000;

/// Whose figures: the street, a community or a micro-grid, with its residents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeInfo {
    pub kind: ScopeKind,
    pub code: GridCode,
    pub name: String,
    pub residents: u32,
}

/// The period as the server understood it, with its label (`2026年11月`) and span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodInfo {
    pub kind: PeriodKindName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<u32>,
    pub label: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// What every KPI answer was counted for: the scope, the period and the cut-off (截至).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    pub scope: ScopeInfo,
    pub period: PeriodInfo,
    pub as_of: DateTime<Utc>,
}

/// [`Kpis`] with the names of the categories they list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedKpis {
    #[serde(flatten)]
    pub kpis: Kpis,
    pub category_names: BTreeMap<String, String>,
}

impl NamedKpis {
    /// Display name of a category code (the code itself when it has none).
    pub fn category_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.category_names.get(code).map_or(code, String::as_str)
    }
}

impl Deref for NamedKpis {
    type Target = Kpis;

    fn deref(&self) -> &Kpis {
        &self.kpis
    }
}

/// One Beijing month of the dashboard's trend; `future` months have no figures yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendMonth {
    pub year: i32,
    pub month: u32,
    pub label: String,
    pub received: u64,
    pub response: Rate,
    pub resolution: Rate,
    pub satisfaction: Rate,
    pub per_10k_residents: Option<f64>,
    pub future: bool,
}

/// The dashboard's 同比: the same span a year earlier, and the change of two figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearOverYear {
    pub earlier: NamedKpis,
    pub monthly_received: Change,
    pub per_10k_residents: Change,
}

/// A 治理项目 finished in the dashboard's period, with the requests it avoided; `None` while
/// there is no whole day after it yet to measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinishedProject {
    pub id: i64,
    pub title: String,
    pub finished_on: NaiveDate,
    pub avoided: Option<f64>,
}

/// 减少诉求: the governance projects of the scope finished in the period (by `finished_on`),
/// newest first, and the requests they avoided, summed over those measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AvoidedRequests {
    pub avoided: f64,
    pub projects: Vec<FinishedProject>,
}

impl AvoidedRequests {
    /// How many of the projects have a measured effect.
    pub fn measured(&self) -> usize {
        self.projects.iter().filter(|p| p.avoided.is_some()).count()
    }
}

/// A problem solved through a circle in the dashboard's period: the 议事 that solved it and the
/// ticket it was about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolvedCase {
    pub id: i64,
    pub topic: String,
    pub solved_at: DateTime<Utc>,
    pub ticket: Option<TicketId>,
}

/// 三圈解决: the problems of the scope solved through a circle in the period (by when they were
/// marked solved), newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CircleSolved {
    pub solved: u32,
    pub cases: Vec<SolvedCase>,
}

/// `GET /api/kpi/dashboard`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    #[serde(flatten)]
    pub counted: Counted,
    pub kpis: NamedKpis,
    pub year_over_year: YearOverYear,
    /// The months of the period's year (of a range: the months it touches).
    pub trend: Vec<TrendMonth>,
    /// 减少诉求: what the projects finished in the period avoided.
    #[serde(default)]
    pub avoided: AvoidedRequests,
    /// 三圈解决: the problems solved through a circle in the period.
    #[serde(default)]
    pub circles: CircleSolved,
    /// What each figure counts, for the hover.
    pub definitions: Vec<Definition>,
}

impl Dashboard {
    pub fn definition(&self, key: &str) -> Option<&Definition> {
        self.definitions.iter().find(|d| d.key == key)
    }
}

/// `GET /api/kpi/assessment`: every subject of the scope ranked by its weighted score
/// (idle ones last, without a score).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentAnswer {
    #[serde(flatten)]
    pub counted: Counted,
    pub kind: SubjectKind,
    pub weights: Weights,
    pub rows: Vec<Assessment>,
}

/// Requests received in one micro-grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeatCell {
    pub code: String,
    pub name: String,
    pub received: u64,
    /// Per month per 10,000 residents; none without residents or over a window shorter than
    /// `binhe_core::kpi::MIN_AVERAGE_DAYS` days.
    pub per_10k: Option<f64>,
}

/// `GET /api/kpi/heat`: requests per micro-grid (those without any left out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heat {
    #[serde(flatten)]
    pub counted: Counted,
    pub max: u64,
    pub total: u64,
    pub cells: Vec<HeatCell>,
}

/// `GET /api/kpi/tickets`: the tickets behind one figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillDown {
    #[serde(flatten)]
    pub counted: Counted,
    pub metric: String,
    pub category: Option<String>,
    pub total: u64,
    pub tickets: Vec<TicketView>,
}

/// A category of the monthly report: its requests in the month and in the year to date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportCategory {
    pub category: String,
    pub name: String,
    pub month: u64,
    pub year_to_date: u64,
}

/// The report's 同比 of the year to date.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReportChanges {
    pub monthly_received: Change,
    pub per_10k_residents: Change,
}

/// `GET /api/kpi/report`: what the printable monthly report (and its XLSX) shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    #[serde(flatten)]
    pub counted: Counted,
    pub title: String,
    /// The span of the year to date, `2026年1—11月`.
    pub months_label: String,
    pub summary_zh: String,
    pub month: Kpis,
    pub year_to_date: Kpis,
    pub last_year_to_date: Kpis,
    pub year_over_year: ReportChanges,
    pub categories: Vec<ReportCategory>,
    /// Communities for the street's report, micro-grids for a community's.
    pub ranking_kind: SubjectKind,
    pub ranking: Vec<Assessment>,
}

/// Every parameter the KPI routes take, as written (each route reads the ones it needs and
/// names a wrong one in its refusal): the period as `month=YYYY-MM`, `year=YYYY` or
/// `from=YYYY-MM-DD&to=YYYY-MM-DD`; `as_of` a day (its 00:00 Beijing time); `community` /
/// `micro` / `worker` narrow the scope; `kind` and `weights` (`30,35,35`) the assessment;
/// `metric`, `category`, `limit`, `offset` the drill-down.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiParams {
    pub month: Option<String>,
    pub year: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub as_of: Option<String>,
    pub community: Option<String>,
    pub micro: Option<String>,
    pub worker: Option<String>,
    pub kind: Option<String>,
    pub weights: Option<String>,
    pub metric: Option<String>,
    pub category: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
    /// A drill-down's export (`/api/kpi/tickets/export.{csv,xlsx,geojson}`): as in
    /// [`crate::tickets::ExportQuery`].
    pub encoding: Option<String>,
    pub phones: Option<String>,
    pub progress: Option<String>,
}

impl KpiParams {
    /// The query string (without `?`).
    pub fn to_query(&self) -> String {
        let fields = [
            ("month", &self.month),
            ("year", &self.year),
            ("from", &self.from),
            ("to", &self.to),
            ("as_of", &self.as_of),
            ("community", &self.community),
            ("micro", &self.micro),
            ("worker", &self.worker),
            ("kind", &self.kind),
            ("weights", &self.weights),
            ("metric", &self.metric),
            ("category", &self.category),
            ("limit", &self.limit),
            ("offset", &self.offset),
            ("encoding", &self.encoding),
            ("phones", &self.phones),
            ("progress", &self.progress),
        ];
        fields
            .into_iter()
            .fold(QueryString::new(), |q, (key, value)| {
                q.with_opt(key, value.as_deref())
            })
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use binhe_core::kpi::{DEFINITIONS, KpiCounts, Period};
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn named_figures_read_as_plain_figures_with_their_category_names() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
        let window = Period::month(2026, 11, now).unwrap().elapsed(now);
        let kpis = Kpis::from_counts(KpiCounts::default(), window, 50_000, now);
        let named = NamedKpis {
            kpis: kpis.clone(),
            category_names: BTreeMap::from([("garbage".to_owned(), "垃圾堆放".to_owned())]),
        };
        assert_eq!(named.category_name("garbage"), "垃圾堆放");
        assert_eq!(named.category_name("other"), "other");
        assert_eq!(named.residents, 50_000);
        let wire = serde_json::to_value(&named).unwrap();
        assert_eq!(wire["category_names"]["garbage"], "垃圾堆放");
        assert_eq!(
            wire["residents"], 50_000,
            "the figures sit beside the names"
        );
        assert_eq!(serde_json::from_value::<NamedKpis>(wire).unwrap(), named);
    }

    #[test]
    fn kpi_params_write_the_period_the_cut_off_and_the_drill_down() {
        let params = KpiParams {
            month: Some("2021-11".into()),
            as_of: Some("2021-11-30".into()),
            metric: Some("category".into()),
            category: Some("垃圾".into()),
            weights: Some("30,35,35".into()),
            ..KpiParams::default()
        };
        assert_eq!(
            params.to_query(),
            "month=2021-11&as_of=2021-11-30&weights=30%2C35%2C35&metric=category&category=%E5%9E%83%E5%9C%BE"
        );
        assert!(DEFINITIONS.iter().any(|d| d.key == "response"));
    }
}
