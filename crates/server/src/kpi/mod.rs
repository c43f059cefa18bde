//! KPI routes (issue 6): the dashboard, the assessment ranking, the heat map of requests per
//! micro-grid, the drill-down into the tickets behind a number, and the monthly report (JSON for
//! the printable page, XLSX). The counting is the store's (`KpiRepository`, in SQL), the figures
//! core's (`binhe_core::kpi`); here the question is read, scoped to the caller and answered.
//! Contract: docs/api-kpi.md.

mod export;
mod query;
pub mod report;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use binhe_api::kpi::{
    AssessmentAnswer, CircleSolved, Counted, Dashboard, DrillDown, Heat, HeatCell, KpiParams,
    NamedKpis, PeriodInfo, PeriodKindName, SolvedCase, TrendMonth, YearOverYear,
};
use binhe_core::GridLevel;
use binhe_core::kpi::{
    Assessment, DEFINITIONS, KpiError, KpiMetric, Kpis, Period, PeriodKind, SubjectKind, Weights,
    Window, rank, volume_changes,
};
use binhe_store::{
    CircleRepository, DeliberationFilter, KpiRepository, KpiScope, KpiTicketQuery,
    KpiTicketRepository, ProjectRepository,
};
use chrono::{DateTime, Utc};

use crate::dataset::{GridView, Grids};
use crate::desk::TicketDesk;
use crate::desk::export::ExportBoard;
use crate::desk::view::ViewContext;
use crate::effects;
use crate::http::extract::{Json, Query};
use crate::http::{ApiError, Caller, Refusal};
pub use query::{Asked, Scope};

/// The store's KPI side: counts in SQL, and the tickets behind a count.
pub trait KpiStore: KpiRepository + KpiTicketRepository {}

impl<S: KpiRepository + KpiTicketRepository> KpiStore for S {}

pub type SharedKpiStore = Arc<dyn KpiStore>;

/// What the KPI routes read: the grids (scopes, names, residents), the counts, the ticket
/// desk's catalogue for category names and drill-down rows, and the 治理项目 whose effect the
/// dashboard adds up.
#[derive(Clone)]
pub struct KpiSources {
    pub grids: Grids,
    pub store: SharedKpiStore,
    pub desk: TicketDesk,
    pub projects: Arc<dyn ProjectRepository>,
    pub circles: Arc<dyn CircleRepository>,
}

const DEFAULT_DRILL_LIMIT: u32 = binhe_api::kpi::DEFAULT_DRILL_LIMIT;
const MAX_DRILL_LIMIT: u32 = binhe_api::kpi::MAX_DRILL_LIMIT;

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    KpiSources: FromRef<S>,
    ExportBoard: FromRef<S>,
{
    Router::new()
        .route("/api/kpi/dashboard", get(dashboard))
        .route("/api/kpi/assessment", get(assessment))
        .route("/api/kpi/heat", get(heat))
        .route("/api/kpi/tickets", get(tickets))
        .route("/api/kpi/tickets/export.csv", get(export::drill_down))
        .route("/api/kpi/tickets/export.xlsx", get(export::drill_down))
        .route("/api/kpi/tickets/export.geojson", get(export::drill_down))
        .route("/api/kpi/report", get(report_json))
        .route("/api/kpi/report.xlsx", get(report_xlsx))
}

/// Why the KPI routes refused a question: a parameter they could not read, or figures core
/// cannot count as asked.
#[derive(Debug, thiserror::Error)]
pub enum KpiRequestError {
    #[error("{field} is invalid: {reason}")]
    Parameter {
        code: &'static str,
        field: &'static str,
        reason: String,
        reason_zh: String,
    },
    #[error("{0}")]
    Figures(#[from] KpiError),
}

impl Refusal for KpiRequestError {
    fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn code(&self) -> &str {
        match self {
            Self::Parameter { code, .. } => code,
            Self::Figures(error) => error.code(),
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::Parameter { reason_zh, .. } => reason_zh.clone(),
            Self::Figures(error) => error.message_zh(),
        }
    }

    fn detail(&self) -> binhe_api::ErrorDetail {
        let mut detail =
            binhe_api::ErrorDetail::new(self.code(), self.message_zh(), self.to_string());
        if let Self::Parameter { field, .. } = self {
            detail.field = Some((*field).to_owned());
        }
        detail
    }
}

impl From<KpiError> for ApiError {
    fn from(error: KpiError) -> Self {
        KpiRequestError::Figures(error).into()
    }
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
pub(crate) fn period_info(period: &Period) -> PeriodInfo {
    let (kind, year, month, label) = match period.kind() {
        PeriodKind::Month { year, month } => (
            PeriodKindName::Month,
            Some(year),
            Some(month),
            format!("{year}年{month}月"),
        ),
        PeriodKind::Year { year } => (PeriodKindName::Year, Some(year), None, format!("{year}年")),
        PeriodKind::Range => {
            let last = period.to() - chrono::Duration::milliseconds(1);
            (
                PeriodKindName::Range,
                None,
                None,
                format!(
                    "{} 至 {}",
                    query::beijing_day(period.from()),
                    query::beijing_day(last)
                ),
            )
        }
    };
    PeriodInfo {
        kind,
        year,
        month,
        label,
        from: period.from(),
        to: period.to(),
    }
}

/// Kpis with the names of the categories they list.
fn named(kpis: Kpis, desk: &TicketDesk) -> NamedKpis {
    let catalogue = desk.catalogue();
    let category_names: BTreeMap<String, String> = kpis
        .categories
        .iter()
        .map(|c| {
            let name = catalogue
                .find(&c.category)
                .map_or_else(|| c.category.clone(), |found| found.name_zh.clone());
            (c.category.clone(), name)
        })
        .collect();
    NamedKpis {
        kpis,
        category_names,
    }
}

/// What an answer about `asked` was counted for.
fn counted(asked: &Asked) -> Counted {
    Counted {
        scope: asked.scope.info(),
        period: period_info(&asked.period),
        as_of: asked.as_of,
    }
}

/// The months the trend shows: the year of a month or a year, the months a range touches.
fn trend_period(period: &Period, as_of: DateTime<Utc>) -> Result<Period, ApiError> {
    let year = match period.kind() {
        PeriodKind::Month { year, .. } | PeriodKind::Year { year } => year,
        PeriodKind::Range => return Ok(*period),
    };
    Ok(Period::year(year, as_of)?)
}

/// The question of a KPI route, read and checked against the caller.
fn ask(
    sources: &KpiSources,
    caller: &Caller,
    query: &KpiParams,
) -> Result<(std::sync::Arc<GridView>, Asked), ApiError> {
    let view = sources.grids.view();
    let asked = query::asked(query, caller, &view)?;
    Ok((view, asked))
}

async fn dashboard(
    State(sources): State<KpiSources>,
    caller: Caller,
    Query(query): Query<KpiParams>,
) -> Result<Json<Dashboard>, ApiError> {
    let (view, asked) = ask(&sources, &caller, &query)?;
    let store = sources.store.as_ref();
    let (scope, as_of) = (&asked.scope, asked.as_of);
    let window = asked.period.elapsed(as_of);
    let trend_period = trend_period(&asked.period, as_of)?;
    let projects = sources.projects.as_ref();
    // Independent reads, asked together: on PostgreSQL each goes on a connection of its own.
    let (current, earlier, months, avoided, circles) = tokio::try_join!(
        figures(store, window, scope, as_of),
        figures(store, window.year_before(), scope, as_of),
        async { Ok::<_, ApiError>(store.kpi_trend(&trend_period, &scope.kpi, as_of).await?) },
        async {
            Ok::<_, ApiError>(
                effects::finished_in(projects, &view, &scope.kpi, window, as_of).await?,
            )
        },
        solved_through_circles(sources.circles.as_ref(), &scope.kpi, window),
    )?;
    let trend = months
        .into_iter()
        .map(|month| {
            let kpis = Kpis::from_counts(month.counts, month.window, scope.residents, as_of);
            TrendMonth {
                year: month.year,
                month: month.month,
                label: format!("{}月", month.month),
                received: kpis.received,
                response: kpis.response,
                resolution: kpis.resolution,
                satisfaction: kpis.satisfaction,
                per_10k_residents: kpis.per_10k_residents,
                future: month.window.from >= as_of,
            }
        })
        .collect();
    // Per month once the window is long enough to average, else of the counts to date.
    let (monthly_received, per_10k_residents) = volume_changes(&current, &earlier);
    let year_over_year = YearOverYear {
        monthly_received,
        per_10k_residents,
        earlier: named(earlier, &sources.desk),
    };
    Ok(Json(Dashboard {
        counted: counted(&asked),
        kpis: named(current, &sources.desk),
        year_over_year,
        trend,
        avoided,
        circles,
        definitions: DEFINITIONS.to_vec(),
    }))
}

/// 三圈解决: the meetings of `scope` whose problem was marked solved in `window`, newest
/// meeting first, each with the ticket it was about.
async fn solved_through_circles(
    store: &dyn CircleRepository,
    scope: &KpiScope,
    window: Window,
) -> Result<CircleSolved, ApiError> {
    let (community, micro) = match scope {
        KpiScope::Street => (None, None),
        KpiScope::Community(code) => (Some(code.as_str()), None),
        KpiScope::Micro(code) => (None, Some(code.as_str())),
    };
    let kept = store
        .deliberations(&DeliberationFilter {
            community,
            micro,
            solved_between: Some((window.from, window.to)),
            limit: u32::MAX,
        })
        .await?;
    let cases: Vec<SolvedCase> = kept
        .into_iter()
        .filter_map(|d| {
            Some(SolvedCase {
                id: d.id,
                solved_at: d.solved_at?,
                ticket: d.deliberation.ticket_id,
                topic: d.deliberation.topic,
            })
        })
        .collect();
    Ok(CircleSolved {
        solved: u32::try_from(cases.len()).unwrap_or(u32::MAX),
        cases,
    })
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
    store: &dyn KpiStore,
    view: &GridView,
    window: Window,
    kind: SubjectKind,
    weights: &Weights,
    asked: &Asked,
) -> Result<Vec<Assessment>, ApiError> {
    let counted = store
        .kpi_counts_by(window, kind, &asked.scope.kpi, asked.as_of)
        .await?;
    let subjects = subjects(view, kind, &asked.scope);
    // A commander's worker ranking lists the community's own workers, and those counted there.
    Ok(rank(&counted, &subjects, weights))
}

async fn assessment(
    State(sources): State<KpiSources>,
    caller: Caller,
    Query(query): Query<KpiParams>,
) -> Result<Json<AssessmentAnswer>, ApiError> {
    let (view, asked) = ask(&sources, &caller, &query)?;
    let kind = query::subject_kind(&query)?;
    let weights = query::weights(&query)?;
    let window = asked.period.elapsed(asked.as_of);
    let rows = ranking(
        sources.store.as_ref(),
        &view,
        window,
        kind,
        &weights,
        &asked,
    )
    .await?;
    Ok(Json(AssessmentAnswer {
        counted: counted(&asked),
        kind,
        weights,
        rows,
    }))
}

async fn heat(
    State(sources): State<KpiSources>,
    caller: Caller,
    Query(query): Query<KpiParams>,
) -> Result<Json<Heat>, ApiError> {
    let (view, asked) = ask(&sources, &caller, &query)?;
    let window = asked.period.elapsed(asked.as_of);
    let counted_by = sources
        .store
        .kpi_counts_by(window, SubjectKind::Micro, &asked.scope.kpi, asked.as_of)
        .await?;
    let clipped = window.clipped(asked.as_of);
    // Per month only over a window long enough to average (a week's count is not a month's).
    let days = (clipped.to - clipped.from).num_milliseconds() as f64 / 86_400_000.0;
    let months = if days >= binhe_core::kpi::MIN_AVERAGE_DAYS {
        clipped.months()
    } else {
        0.0
    };
    let hierarchy = view.hierarchy();
    let mut total = 0;
    let mut max = 0;
    let cells = counted_by
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
            HeatCell {
                code: code.clone(),
                name: grid.map_or_else(|| code.clone(), |g| g.name),
                received: counts.received,
                per_10k,
            }
        })
        .collect();
    Ok(Json(Heat {
        counted: counted(&asked),
        max,
        total,
        cells,
    }))
}

/// A drill-down's question: which figure, of whom, over what.
struct Drill {
    view: std::sync::Arc<GridView>,
    asked: Asked,
    metric: KpiMetric,
    /// Only this worker's tickets.
    worker: Option<String>,
}

fn drill(sources: &KpiSources, caller: &Caller, query: &KpiParams) -> Result<Drill, ApiError> {
    let (view, asked) = ask(sources, caller, query)?;
    let metric = KpiMetric::parse(
        query.metric.as_deref().unwrap_or_default(),
        query.category.as_deref(),
    )?;
    let worker = query::worker(query, &view, &asked.scope)?;
    Ok(Drill {
        view,
        asked,
        metric,
        worker,
    })
}

async fn tickets(
    State(sources): State<KpiSources>,
    caller: Caller,
    Query(query): Query<KpiParams>,
) -> Result<Json<DrillDown>, ApiError> {
    let Drill {
        view,
        asked,
        metric,
        worker,
    } = drill(&sources, &caller, &query)?;
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
    let (listed, total) = sources.store.kpi_tickets(&ticket_query).await?;
    let (catalogue, sla) = (sources.desk.catalogue(), sources.desk.sla());
    let ctx = ViewContext {
        view: &view,
        catalogue: &catalogue,
        sla: &sla,
        now: crate::desk::now(),
    };
    Ok(Json(DrillDown {
        counted: counted(&asked),
        metric: metric.name().to_owned(),
        category: query.category.clone(),
        total,
        tickets: listed
            .iter()
            .map(|l| ctx.ticket(&l.ticket, l.duplicates))
            .collect(),
    }))
}

async fn report_json(
    State(sources): State<KpiSources>,
    caller: Caller,
    Query(query): Query<KpiParams>,
) -> Result<Json<binhe_api::kpi::Report>, ApiError> {
    let report = report::MonthlyReport::build(&sources, &caller, &query).await?;
    Ok(Json(report.answer()))
}

async fn report_xlsx(
    State(sources): State<KpiSources>,
    caller: Caller,
    Query(query): Query<KpiParams>,
) -> Result<impl IntoResponse, ApiError> {
    let report = report::MonthlyReport::build(&sources, &caller, &query).await?;
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
