//! The KPI API (`docs/api-kpi.md`): dashboard, assessment (考核), heat map, drill-down and the
//! monthly report. Wire types and calls; the figures' rules are in `docs/kpi.md`.
//!
//! Fields the page can live without default, so a figure the server adds or leaves out does
//! not blank the whole dashboard.

use std::collections::HashMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::tickets::Ticket;
use super::{ApiError, encode_component, get_json};
use crate::kpi::Query;

/// A rate kept as its two counts; `value` is `None` when nothing was counted ("—").
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
pub struct Rate {
    #[serde(default)]
    pub numerator: u64,
    #[serde(default)]
    pub denominator: u64,
    #[serde(default)]
    pub value: Option<f64>,
}

/// This period against the same span a year earlier; `relative` −0.18 is −18 %.
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
pub struct Change {
    #[serde(default)]
    pub current: Option<f64>,
    #[serde(default)]
    pub earlier: Option<f64>,
    #[serde(default)]
    pub relative: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// A category's received count (`share.numerator`) and its share of all received.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CategoryShare {
    pub category: String,
    pub share: Rate,
}

/// Core's `Kpis`, with the categories' names.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Kpis {
    pub window: Option<Window>,
    pub months: f64,
    pub residents: u64,
    pub monthly_received: Option<f64>,
    pub per_10k_residents: Option<f64>,
    pub received: u64,
    pub excluded: u64,
    pub open: u64,
    pub response: Rate,
    pub resolution: Rate,
    pub satisfaction: Rate,
    pub basically_satisfied: u64,
    pub delegated: u64,
    pub delegated_resolution: Rate,
    pub closure: Rate,
    pub on_time_closure: Rate,
    pub overdue_open: u64,
    pub categories: Vec<CategoryShare>,
    pub category_names: HashMap<String, String>,
}

impl Kpis {
    /// Display name of a category code (the code itself when the server sent no name).
    pub fn category_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.category_names.get(code).map_or(code, String::as_str)
    }
}

/// Whose figures: the street, a community or a micro-grid.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Scope {
    pub kind: String,
    pub code: String,
    pub name: String,
    pub residents: u64,
}

/// The period as the server understood it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PeriodInfo {
    pub kind: String,
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub month: Option<u32>,
    #[serde(default)]
    pub label: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct YearOverYear {
    pub earlier: Option<Kpis>,
    pub monthly_received: Change,
    pub per_10k_residents: Change,
}

/// One Beijing month of the trend; a month still to come has no figures.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TrendMonth {
    pub year: i32,
    pub month: u32,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub received: Option<u64>,
    #[serde(default)]
    pub response: Rate,
    #[serde(default)]
    pub resolution: Rate,
    #[serde(default)]
    pub satisfaction: Rate,
    #[serde(default)]
    pub per_10k_residents: Option<f64>,
    #[serde(default)]
    pub future: bool,
}

/// A figure's name and definition, shown on hover.
#[allow(clippy::struct_field_names, reason = "the contract's field names")]
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Definition {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub definition_zh: String,
    pub definition_en: String,
}

/// `GET /api/kpi/dashboard`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Dashboard {
    pub scope: Scope,
    pub period: PeriodInfo,
    pub as_of: DateTime<Utc>,
    pub kpis: Kpis,
    #[serde(default)]
    pub year_over_year: YearOverYear,
    #[serde(default)]
    pub trend: Vec<TrendMonth>,
    #[serde(default)]
    pub definitions: Vec<Definition>,
}

impl Dashboard {
    pub fn definition(&self, key: &str) -> Option<&Definition> {
        self.definitions.iter().find(|d| d.key == key)
    }
}

/// The weighting of the score, in percent.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
pub struct Weights {
    pub response: f64,
    pub resolution: f64,
    pub satisfaction: f64,
}

impl Default for Weights {
    /// One published Beijing weighting: 30 / 35 / 35.
    fn default() -> Self {
        Weights {
            response: 30.0,
            resolution: 35.0,
            satisfaction: 35.0,
        }
    }
}

/// One subject of the ranking; `score` and `rank` are `None` with nothing to score.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AssessmentRow {
    pub subject: String,
    pub name: String,
    #[serde(default)]
    pub received: u64,
    #[serde(default)]
    pub response: Rate,
    #[serde(default)]
    pub resolution: Rate,
    #[serde(default)]
    pub satisfaction: Rate,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(default)]
    pub rank: Option<u32>,
}

/// `GET /api/kpi/assessment`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Assessment {
    pub kind: String,
    #[serde(default)]
    pub weights: Weights,
    pub rows: Vec<AssessmentRow>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct HeatCell {
    pub code: String,
    #[serde(default)]
    pub name: String,
    pub received: u64,
    #[serde(default)]
    pub per_10k: Option<f64>,
}

/// `GET /api/kpi/heat`: received per micro-grid (those without tickets left out).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Heat {
    pub max: u64,
    pub total: u64,
    pub cells: Vec<HeatCell>,
}

/// `GET /api/kpi/tickets`: the tickets behind one figure.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DrillDown {
    pub metric: String,
    pub total: u64,
    pub tickets: Vec<Ticket>,
}

/// A category in the monthly report: its requests in the month and in the year to date.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ReportCategory {
    pub category: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub month: u64,
    #[serde(default)]
    pub year_to_date: u64,
}

/// `GET /api/kpi/report`: what the printable monthly report shows.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Report {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub scope: Scope,
    pub period: PeriodInfo,
    pub as_of: DateTime<Utc>,
    pub month: Kpis,
    pub year_to_date: Kpis,
    /// The span of the year to date, `2026年1—11月`.
    #[serde(default)]
    pub months_label: String,
    #[serde(default)]
    pub year_over_year: YearOverYear,
    #[serde(default)]
    pub summary_zh: String,
    #[serde(default)]
    pub categories: Vec<ReportCategory>,
    #[serde(default)]
    pub ranking: Vec<AssessmentRow>,
    /// `community` for the street's report, `micro` for a community's.
    #[serde(default)]
    pub ranking_kind: String,
}

/// The tickets behind a figure, as the drill-down asks for them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Drill {
    /// `metric` of the contract (`received`, `unsolved`, …, `category`).
    pub metric: &'static str,
    pub category: Option<String>,
    /// A micro-grid (the heat map's) or a worker narrows the list.
    pub micro: Option<String>,
    pub worker: Option<String>,
}

impl Drill {
    pub fn of(metric: &'static str) -> Self {
        Drill {
            metric,
            category: None,
            micro: None,
            worker: None,
        }
    }

    /// `&metric=…[&category=…][&micro=…][&worker=…]`.
    pub fn query(&self) -> String {
        let mut q = format!("&metric={}", self.metric);
        for (key, value) in [
            ("category", &self.category),
            ("micro", &self.micro),
            ("worker", &self.worker),
        ] {
            if let Some(v) = value {
                let _ = write!(q, "&{key}={}", encode_component(v));
            }
        }
        q
    }
}

/// How many tickets a drill-down list loads at once (the server's maximum).
pub const DRILL_LIMIT: u32 = 1000;

pub async fn dashboard(query: &Query) -> Result<Dashboard, ApiError> {
    get_json(&format!("/api/kpi/dashboard?{}", query.to_query())).await
}

/// `kind` is `community`, `micro` or `worker`; `weights` as typed (`30,35,35`): the server
/// checks them and says what is wrong.
pub async fn assessment(
    query: &Query,
    kind: &str,
    weights: &[String; 3],
) -> Result<Assessment, ApiError> {
    let weights: Vec<String> = weights.iter().map(|w| encode_component(w.trim())).collect();
    get_json(&format!(
        "/api/kpi/assessment?{}&kind={kind}&weights={}",
        query.to_query(),
        weights.join(",")
    ))
    .await
}

pub async fn heat(query: &Query) -> Result<Heat, ApiError> {
    get_json(&format!("/api/kpi/heat?{}", query.to_query())).await
}

pub async fn drill(query: &Query, drill: &Drill) -> Result<DrillDown, ApiError> {
    get_json(&format!(
        "/api/kpi/tickets?{}{}&limit={DRILL_LIMIT}",
        query.to_query(),
        drill.query()
    ))
    .await
}

/// `weights` is [`crate::kpi::weights_param`]'s, empty for the default ranking.
pub async fn report(query: &Query, weights: &str) -> Result<Report, ApiError> {
    get_json(&format!("/api/kpi/report?{}{weights}", query.to_query())).await
}

/// Where the workbook of the same report downloads from.
pub fn report_xlsx_url(query: &Query, weights: &str) -> String {
    format!("/api/kpi/report.xlsx?{}{weights}", query.to_query())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: &str = r#"{"numerator":997,"denominator":1000,"value":0.997}"#;

    #[test]
    fn dashboard_matches_the_contract() {
        let body = format!(
            r#"{{"scope":{{"kind":"street","code":"110117011","name":"滨河街道","residents":50512}},
            "period":{{"kind":"month","year":2026,"month":11,"label":"2026年11月",
              "from":"2026-10-31T16:00:00Z","to":"2026-11-30T16:00:00Z"}},
            "as_of":"2026-11-28T15:00:00Z",
            "kpis":{{"received":1000,"excluded":3,"open":12,"monthly_received":1000.0,"per_10k_residents":197.9,
              "months":1.0,"residents":50512,"response":{RATE},"resolution":{RATE},
              "satisfaction":{{"numerator":0,"denominator":0,"value":null}},"basically_satisfied":2,
              "delegated":18,"delegated_resolution":{{"numerator":16,"denominator":18,"value":0.8889}},
              "closure":{RATE},"on_time_closure":{RATE},"overdue_open":4,
              "categories":[{{"category":"garbage","share":{{"numerator":300,"denominator":1000,"value":0.3}}}}],
              "window":{{"from":"2026-10-31T16:00:00Z","to":"2026-11-28T15:00:00Z"}},
              "category_names":{{"garbage":"垃圾堆放"}}}},
            "year_over_year":{{"earlier":null,"monthly_received":{{"current":1000.0,"earlier":1220.0,"relative":-0.18}},
              "per_10k_residents":{{"current":197.9,"earlier":null,"relative":null}}}},
            "trend":[{{"year":2026,"month":12,"label":"12月","received":null,"response":{{"numerator":0,"denominator":0,"value":null}},
              "resolution":{{"numerator":0,"denominator":0,"value":null}},"satisfaction":{{"numerator":0,"denominator":0,"value":null}},
              "per_10k_residents":null,"future":true}}],
            "definitions":[{{"key":"response","label_zh":"响应率","label_en":"Response rate","definition_zh":"甲","definition_en":"a"}}]}}"#
        );
        let d: Dashboard = serde_json::from_str(&body).unwrap();
        assert_eq!(d.kpis.received, 1000);
        assert_eq!(d.kpis.satisfaction.value, None);
        assert_eq!(d.kpis.category_name("garbage"), "垃圾堆放");
        assert_eq!(d.kpis.category_name("other"), "other");
        assert_eq!(d.year_over_year.monthly_received.relative, Some(-0.18));
        assert!(d.trend[0].future && d.trend[0].received.is_none());
        assert_eq!(d.definition("response").unwrap().label_zh, "响应率");
    }

    #[test]
    fn assessment_rows_without_a_score_parse() {
        let body = format!(
            r#"{{"kind":"community","weights":{{"response":30,"resolution":35,"satisfaction":35}},
            "period":{{}},"rows":[{{"subject":"110117011001","name":"滨河社区","received":150,
            "response":{RATE},"resolution":{RATE},"satisfaction":{RATE},"score":99.12,"rank":1}},
            {{"subject":"110117011002","name":"林荫社区","received":0,"response":{RATE},"resolution":{RATE},
            "satisfaction":{RATE},"score":null,"rank":null}}]}}"#
        );
        let a: Assessment = serde_json::from_str(&body).unwrap();
        assert_eq!(a.weights, Weights::default());
        assert_eq!(a.rows[0].rank, Some(1));
        assert_eq!(a.rows[1].score, None);
    }

    #[test]
    fn report_lists_categories_for_the_month_and_the_year() {
        let kpis = r#"{"received":522,"categories":[],"window":{"from":"2026-10-31T16:00:00Z","to":"2026-11-28T16:00:00Z"}}"#;
        let body = format!(
            r#"{{"title":"滨河街道2026年11月接诉即办工作月报","scope":{{"kind":"street","code":"110117011","name":"滨河街道","residents":50500}},
            "period":{{"kind":"month","year":2026,"month":11,"label":"2026年11月","from":"2026-10-31T16:00:00Z","to":"2026-11-30T16:00:00Z"}},
            "as_of":"2026-11-28T16:00:00Z","month":{kpis},"year_to_date":{kpis},"last_year_to_date":{kpis},"months_label":"2026年1—11月",
            "year_over_year":{{"monthly_received":{{"current":47.7,"earlier":0.0,"relative":null}}}},"summary_zh":"共受理诉求522件",
            "categories":[{{"category":"garbage","month":143,"name":"垃圾堆放","year_to_date":150}}],"ranking":[],"ranking_kind":"community"}}"#
        );
        let r: Report = serde_json::from_str(&body).unwrap();
        assert_eq!(r.months_label, "2026年1—11月");
        assert_eq!(r.categories[0].name, "垃圾堆放");
        assert_eq!(r.categories[0].year_to_date, 150);
        assert_eq!(r.year_over_year.monthly_received.relative, None);
    }

    #[test]
    fn drill_query_names_the_metric_and_encodes_its_filters() {
        assert_eq!(Drill::of("unsolved").query(), "&metric=unsolved");
        let d = Drill {
            category: Some("垃圾".into()),
            micro: Some("110117011001003".into()),
            ..Drill::of("category")
        };
        assert_eq!(
            d.query(),
            "&metric=category&category=%E5%9E%83%E5%9C%BE&micro=110117011001003"
        );
    }
}
