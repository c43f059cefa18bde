//! The KPI API (`docs/api-kpi.md`): dashboard, assessment (考核), heat map, drill-down and the
//! monthly report. The calls; the types are the contract's (`binhe_api::kpi`), the figures'
//! rules in `docs/kpi.md`.

use binhe_api::kpi::{
    AssessmentAnswer, Dashboard, DrillDown, Heat, KpiParams, MAX_DRILL_LIMIT, Report,
};

use super::{ApiError, get_json};
use crate::kpi::Query;

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

    /// The question's parameters with this drill-down's.
    pub fn params(&self, query: &Query) -> KpiParams {
        KpiParams {
            metric: Some(self.metric.to_owned()),
            category: self.category.clone(),
            micro: self.micro.clone(),
            worker: self.worker.clone(),
            limit: Some(DRILL_LIMIT.to_string()),
            ..query.params()
        }
    }
}

/// How many tickets a drill-down list loads at once (the server's maximum).
pub const DRILL_LIMIT: u32 = MAX_DRILL_LIMIT;

fn url(path: &str, params: &KpiParams) -> String {
    format!("/api/kpi/{path}?{}", params.to_query())
}

pub async fn dashboard(query: &Query) -> Result<Dashboard, ApiError> {
    get_json(&url("dashboard", &query.params())).await
}

/// `kind` is `community`, `micro` or `worker`; `weights` as typed (`30,35,35`): the server
/// checks them and says what is wrong.
pub async fn assessment(
    query: &Query,
    kind: &str,
    weights: &[String; 3],
) -> Result<AssessmentAnswer, ApiError> {
    let weights: Vec<&str> = weights.iter().map(|w| w.trim()).collect();
    let params = KpiParams {
        kind: Some(kind.to_owned()),
        weights: Some(weights.join(",")),
        ..query.params()
    };
    get_json(&url("assessment", &params)).await
}

pub async fn heat(query: &Query) -> Result<Heat, ApiError> {
    get_json(&url("heat", &query.params())).await
}

pub async fn drill(query: &Query, drill: &Drill) -> Result<DrillDown, ApiError> {
    get_json(&url("tickets", &drill.params(query))).await
}

/// `weights` is [`crate::kpi::weights_param`]'s, `None` for the default ranking.
pub async fn report(query: &Query, weights: Option<String>) -> Result<Report, ApiError> {
    get_json(&url(
        "report",
        &KpiParams {
            weights,
            ..query.params()
        },
    ))
    .await
}

/// Where the workbook of the same report downloads from.
pub fn report_xlsx_url(query: &Query, weights: Option<String>) -> String {
    url(
        "report.xlsx",
        &KpiParams {
            weights,
            ..query.params()
        },
    )
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::kpi::Period;

    #[test]
    fn drill_query_names_the_metric_and_encodes_its_filters() {
        let query = Query {
            period: Period::Month {
                year: 2026,
                month: 11,
            },
            community: None,
            as_of: None,
        };
        assert_eq!(
            Drill::of("unsolved").params(&query).to_query(),
            "month=2026-11&metric=unsolved&limit=1000"
        );
        let d = Drill {
            category: Some("垃圾".into()),
            micro: Some("110117011001003".into()),
            ..Drill::of("category")
        };
        let cut = Query {
            as_of: NaiveDate::from_ymd_opt(2026, 11, 30),
            ..query
        };
        assert_eq!(
            d.params(&cut).to_query(),
            "month=2026-11&as_of=2026-11-30&micro=110117011001003&metric=category&category=%E5%9E%83%E5%9C%BE&limit=1000"
        );
    }
}
