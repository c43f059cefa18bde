//! Every ticket behind a KPI figure as a file (`/api/kpi/tickets/export.{csv,xlsx,geojson}`):
//! the drill-down's own question (period, `as_of`, community / micro-grid / worker, metric,
//! category) under the same scope rules as `GET /api/kpi/tickets`, read page by page and written
//! by the desk's export service; `limit` and `offset` do not apply (the whole figure is the
//! file). Audited as `kpi.export`.

use axum::extract::{MatchedPath, State};
use axum::response::Response;
use binhe_api::kpi::KpiParams;
use binhe_core::kpi::{KpiMetric, Window};
use binhe_store::{KpiScope, KpiTicketQuery, ListedTicket, StoreError};
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

use super::{KpiSources, SharedKpiStore, drill, period_info};
use crate::desk::export::{self, ExportBoard, Format, PAGE, TicketExport, TicketPages};
use crate::http::extract::Query;
use crate::http::{ApiError, AuditNote, Caller};

/// `GET /api/kpi/tickets/export.{csv,xlsx,geojson}`: the format is the route's extension.
pub(super) async fn drill_down(
    sources: State<KpiSources>,
    board: State<ExportBoard>,
    route: MatchedPath,
    caller: Caller,
    query: Query<KpiParams>,
) -> Response {
    let answer = answer(sources, board, &route, caller, query).await;
    export::audited("kpi.export", "", answer)
}

async fn answer(
    State(sources): State<KpiSources>,
    State(board): State<ExportBoard>,
    route: &MatchedPath,
    caller: Caller,
    Query(query): Query<KpiParams>,
) -> Result<Response, ApiError> {
    let format = Format::of_route(route.as_str(), query.encoding.as_deref())?;
    let question = drill(&sources, &caller, &query)?;
    let (view, asked) = (question.view, question.asked);
    let full_phones = export::full_phones(&caller, query.phones.as_deref())?;
    let progress = export::progress_token(query.progress.as_deref())?;
    let pages = DrillPages {
        store: sources.store.clone(),
        metric: question.metric,
        window: asked.period.elapsed(asked.as_of),
        scope: asked.scope.kpi.clone(),
        worker: question.worker,
        as_of: asked.as_of,
        offset: 0,
    };
    let (_, total) = sources.store.kpi_tickets(&pages.query(1)).await?;
    let detail = format!(
        "指标 {}{}；{}；{}{}；截至 {}",
        pages.metric.name(),
        query
            .category
            .as_deref()
            .map(|c| format!(" 类别 {c}"))
            .unwrap_or_default(),
        period_info(&asked.period).label,
        asked.scope.name,
        pages
            .worker
            .as_deref()
            .map(|w| format!(" 网格员 {w}"))
            .unwrap_or_default(),
        export::wall(asked.as_of),
    );
    let file = TicketExport {
        format,
        full_phones,
        total,
        progress,
        name: ("kpi-tickets", format!("指标工单-{}", pages.metric.name())),
        audit: AuditNote::new("kpi.export", asked.scope.code.as_ref()).detail(&detail),
    };
    Ok(file.respond(&sources.desk, view, &board, &caller, pages))
}

/// The tickets behind the figure, newest received first, a page at a time. The cut-off
/// (`as_of`) is fixed for the whole file, so the pages neither skip nor repeat tickets taken
/// in meanwhile.
struct DrillPages {
    store: SharedKpiStore,
    metric: KpiMetric,
    window: Window,
    scope: KpiScope,
    worker: Option<String>,
    as_of: DateTime<Utc>,
    offset: u32,
}

impl DrillPages {
    fn query(&self, limit: u32) -> KpiTicketQuery<'_> {
        KpiTicketQuery {
            metric: &self.metric,
            window: self.window,
            scope: &self.scope,
            worker: self.worker.as_deref(),
            as_of: self.as_of,
            limit,
            offset: self.offset,
        }
    }
}

impl TicketPages for DrillPages {
    fn next_page(&mut self) -> BoxFuture<'_, Result<Vec<ListedTicket>, StoreError>> {
        Box::pin(async move {
            let (page, _) = self.store.kpi_tickets(&self.query(PAGE)).await?;
            self.offset += PAGE;
            Ok(page)
        })
    }
}
