//! KPI routes (issue 6): the dashboard, the assessment ranking, the heat map of requests per
//! micro-grid, the drill-down into the tickets behind a number, and the monthly report (JSON for
//! the printable page, XLSX). The counting is the store's (`KpiRepository`, in SQL), the figures
//! core's (`binhe_core::kpi`); here the question is read, scoped to the caller and answered.
//! Contract: docs/api-kpi.md.

mod query;
pub mod report;

use std::sync::Arc;

use axum::extract::{Extension, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use binhe_core::GridLevel;
use binhe_core::kpi::{
    Assessment, Change, DEFINITIONS, KpiMetric, Kpis, Period, PeriodKind, SubjectKind, Weights,
    Window, rank,
};
use binhe_store::{KpiRepository, KpiTicketQuery, KpiTicketRepository};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::api::AppState;
use crate::auth::Caller;
use crate::dataset::GridView;
use crate::error::ApiError;
pub use query::{Asked, KpiQuery, Scope};

/// The store's KPI side: counts in SQL, and the tickets behind a count.
pub trait KpiStore: KpiRepository + KpiTicketRepository {}

impl<S: KpiRepository + KpiTicketRepository> KpiStore for S {}

pub type SharedKpiStore = Arc<dyn KpiStore>;

const DEFAULT_DRILL_LIMIT: u32 = 100;
const MAX_DRILL_LIMIT: u32 = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/kpi/dashboard", get(dashboard))
        .route("/api/kpi/assessment", get(assessment))
        .route("/api/kpi/heat", get(heat))
        .route("/api/kpi/tickets", get(tickets))
        .route("/api/kpi/report", get(report_json))
        .route("/api/kpi/report.xlsx", get(report_xlsx))
}

/// The figures of `scope` over `window`, as core makes them of the store's counts.
pub(crate) async fn figures(
    store: &dyn KpiStore,
    window: Window,
    scope: &Scope,
    as_of: DateTime<Utc>,
) -> Result<Kpis, ApiError> {
    let counts = store.kpi_counts(window, &scope.kpi, as_of).await?;
    Ok(Kpis::from_counts(counts, window, scope.residents, as_of))
}

/// A period as the UI labels it, with its span.
pub(crate) fn period_json(period: &Period) -> Value {
    let (kind, label) = match period.kind() {
        PeriodKind::Month { year, month } => (
            json!({ "kind": "month", "year": year, "month": month }),
            format!("{year}年{month}月"),
        ),
        PeriodKind::Year { year } => (json!({ "kind": "year", "year": year }), format!("{year}年")),
        PeriodKind::Range => {
            let last = period.to() - chrono::Duration::milliseconds(1);
            (
                json!({ "kind": "range" }),
                format!(
                    "{} 至 {}",
                    query::beijing_day(period.from()),
                    query::beijing_day(last)
                ),
            )
        }
    };
    let mut value = kind;
    value["label"] = json!(label);
    value["from"] = json!(period.from());
    value["to"] = json!(period.to());
    value
}

/// Kpis as JSON, with the names of the categories it lists.
pub(crate) fn kpis_json(kpis: &Kpis, state: &AppState) -> Value {
    let catalogue = state.desk().catalogue();
    let names: serde_json::Map<String, Value> = kpis
        .categories
        .iter()
        .map(|c| {
            let name = catalogue
                .find(&c.category)
                .map_or_else(|| c.category.clone(), |found| found.name_zh.clone());
            (c.category.clone(), json!(name))
        })
        .collect();
    let mut value = serde_json::to_value(kpis).unwrap_or(Value::Null);
    value["category_names"] = Value::Object(names);
    value
}

fn change_json(change: &Change) -> Value {
    serde_json::to_value(change).unwrap_or(Value::Null)
}

/// An answer about `asked`: `body` with the scope, the period and the cut-off it was counted for.
fn answer(asked: &Asked, mut body: Value) -> Json<Value> {
    body["scope"] = asked.scope.json();
    body["period"] = period_json(&asked.period);
    body["as_of"] = json!(asked.as_of);
    Json(body)
}

/// The months the trend shows: the year of a month or a year, the months a range touches.
fn trend_period(period: &Period, as_of: DateTime<Utc>) -> Result<Period, ApiError> {
    let year = match period.kind() {
        PeriodKind::Month { year, .. } | PeriodKind::Year { year } => year,
        PeriodKind::Range => return Ok(*period),
    };
    Ok(Period::year(year, as_of)?)
}

async fn dashboard(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<KpiQuery>,
) -> Result<Json<Value>, ApiError> {
    let view = state.view();
    let asked = query.asked(&caller, &view)?;
    let store = state.kpi_store();
    let (scope, as_of) = (&asked.scope, asked.as_of);
    let window = asked.period.elapsed(as_of);
    let current = figures(store.as_ref(), window, scope, as_of).await?;
    let earlier = figures(store.as_ref(), window.year_before(), scope, as_of).await?;
    let trend_period = trend_period(&asked.period, as_of)?;
    let months = store.kpi_trend(&trend_period, &scope.kpi, as_of).await?;
    let trend: Vec<Value> = months
        .into_iter()
        .map(|month| {
            let kpis = Kpis::from_counts(month.counts, month.window, scope.residents, as_of);
            json!({
                "year": month.year,
                "month": month.month,
                "label": format!("{}月", month.month),
                "received": kpis.received,
                "response": kpis.response,
                "resolution": kpis.resolution,
                "satisfaction": kpis.satisfaction,
                "per_10k_residents": kpis.per_10k_residents,
                "future": month.window.from >= as_of,
            })
        })
        .collect();
    let year_over_year = json!({
        "earlier": kpis_json(&earlier, &state),
        "monthly_received": change_json(&Change::between(current.monthly_received, earlier.monthly_received)),
        "per_10k_residents": change_json(&Change::between(current.per_10k_residents, earlier.per_10k_residents)),
    });
    let mut body = json!({
        "kpis": kpis_json(&current, &state),
        "trend": trend,
        "definitions": DEFINITIONS,
    });
    body["year_over_year"] = year_over_year;
    Ok(answer(&asked, body))
}

/// Every subject of `kind` in the scope, as (key, name), for the ranking table.
pub(crate) fn subjects(view: &GridView, kind: SubjectKind, scope: &Scope) -> Vec<(String, String)> {
    let hierarchy = view.hierarchy();
    let level = match kind {
        SubjectKind::Community => GridLevel::Community,
        SubjectKind::Micro => GridLevel::Micro,
        SubjectKind::Worker => {
            return view
                .dataset
                .workers
                .iter()
                .filter(|w| scope.contains(&w.grid))
                .map(|w| (w.id.clone(), w.name.clone()))
                .collect();
        }
    };
    hierarchy
        .at_level(level)
        .map(|index| hierarchy.get(index))
        .filter(|grid| scope.contains(&grid.code))
        .map(|grid| (grid.code.as_str().to_owned(), grid.name.clone()))
        .collect()
}

/// The ranking of `kind` in the scope over `window` with `weights`.
pub(crate) async fn ranking(
    state: &AppState,
    view: &GridView,
    window: Window,
    kind: SubjectKind,
    weights: &Weights,
    asked: &Asked,
) -> Result<Vec<Assessment>, ApiError> {
    let counted = state
        .kpi_store()
        .kpi_counts_by(window, kind, &asked.scope.kpi, asked.as_of)
        .await?;
    let subjects = subjects(view, kind, &asked.scope);
    // A commander's worker ranking lists the community's own workers, and those counted there.
    Ok(rank(&counted, &subjects, weights))
}

async fn assessment(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<KpiQuery>,
) -> Result<Json<Value>, ApiError> {
    let view = state.view();
    let asked = query.asked(&caller, &view)?;
    let kind = query.subject_kind()?;
    let weights = query.weights()?;
    let window = asked.period.elapsed(asked.as_of);
    let rows = ranking(&state, &view, window, kind, &weights, &asked).await?;
    let body = json!({
        "kind": kind,
        "weights": {
            "response": weights.response(),
            "resolution": weights.resolution(),
            "satisfaction": weights.satisfaction(),
        },
        "rows": rows,
    });
    Ok(answer(&asked, body))
}

async fn heat(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<KpiQuery>,
) -> Result<Json<Value>, ApiError> {
    let view = state.view();
    let asked = query.asked(&caller, &view)?;
    let window = asked.period.elapsed(asked.as_of);
    let counted = state
        .kpi_store()
        .kpi_counts_by(window, SubjectKind::Micro, &asked.scope.kpi, asked.as_of)
        .await?;
    let months = window.clipped(asked.as_of).months();
    let hierarchy = view.hierarchy();
    let mut total = 0;
    let mut max = 0;
    let cells: Vec<Value> = counted
        .iter()
        .filter(|(_, counts)| counts.received > 0)
        .map(|(code, counts)| {
            total += counts.received;
            max = max.max(counts.received);
            let grid = binhe_core::GridCode::parse(code)
                .ok()
                .and_then(|c| hierarchy.by_code(&c).cloned());
            let per_10k = grid
                .as_ref()
                .filter(|g| g.population > 0 && months > 0.0)
                .map(|g| counts.received as f64 / months * 10_000.0 / f64::from(g.population));
            json!({
                "code": code,
                "name": grid.map_or_else(|| code.clone(), |g| g.name),
                "received": counts.received,
                "per_10k": per_10k,
            })
        })
        .collect();
    Ok(answer(
        &asked,
        json!({ "max": max, "total": total, "cells": cells }),
    ))
}

async fn tickets(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<KpiQuery>,
) -> Result<Json<Value>, ApiError> {
    let view = state.view();
    let asked = query.asked(&caller, &view)?;
    let metric = KpiMetric::parse(
        query.metric.as_deref().unwrap_or_default(),
        query.category.as_deref(),
    )?;
    let worker = query.worker(&view, &asked.scope)?;
    let limit = query::number(query.limit.as_deref(), "limit", DEFAULT_DRILL_LIMIT)?;
    let offset = query::number(query.offset.as_deref(), "offset", 0)?;
    let ticket_query = KpiTicketQuery {
        metric: &metric,
        window: asked.period.elapsed(asked.as_of),
        scope: &asked.scope.kpi,
        worker: worker.as_deref(),
        as_of: asked.as_of,
        limit: limit.clamp(1, MAX_DRILL_LIMIT),
        offset,
    };
    let (listed, total) = state.kpi_store().kpi_tickets(&ticket_query).await?;
    let desk = state.desk();
    let (catalogue, sla) = (desk.catalogue(), desk.sla());
    let ctx = crate::tickets::view::ViewContext {
        view: &view,
        catalogue: &catalogue,
        sla: &sla,
        now: crate::tickets::desk::now(),
    };
    let rows: Vec<Value> = listed
        .iter()
        .map(|l| ctx.ticket(&l.ticket, l.duplicates))
        .collect();
    let body = json!({
        "metric": metric.name(),
        "category": query.category,
        "total": total,
        "tickets": rows,
    });
    Ok(answer(&asked, body))
}

async fn report_json(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<KpiQuery>,
) -> Result<Json<Value>, ApiError> {
    let report = report::MonthlyReport::build(&state, &caller, &query).await?;
    Ok(Json(report.json()))
}

async fn report_xlsx(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<KpiQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let report = report::MonthlyReport::build(&state, &caller, &query).await?;
    let bytes = report.xlsx()?;
    let filename = report.file_name();
    let encoded =
        percent_encoding::utf8_percent_encode(&filename, percent_encoding::NON_ALPHANUMERIC);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"monthly-report.xlsx\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    ))
}
