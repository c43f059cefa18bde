//! A ticket list as a file (`/api/tickets/export.{csv,xlsx,geojson}`), with the list's filters:
//! the list is read here page by page (keyset, newest first) and written by the desk's export
//! service ([`crate::desk::export`]); `GET /api/exports/{token}` follows an export under way.

use axum::extract::{MatchedPath, Path, State};
use axum::response::Response;
use binhe_api::tickets::{ExportProgress, ExportQuery, ListQuery};
use binhe_store::{ListedTicket, StoreError, TicketFilter};
use futures_util::future::BoxFuture;

use super::TicketError;
use super::lists::parse_filter;
use crate::dataset::Grids;
use crate::desk::TicketDesk;
use crate::desk::export::{self, ExportBoard, Format, PAGE, TicketExport, TicketPages};
use crate::http::extract::{Json, Query};
use crate::http::{ApiError, AuditNote, Caller, RequestError};

/// `GET /api/tickets/export.{csv,xlsx,geojson}`: the format is the route's extension.
pub(super) async fn ticket_list(
    desk: State<TicketDesk>,
    grids: State<Grids>,
    board: State<ExportBoard>,
    route: MatchedPath,
    caller: Caller,
    query: Query<ExportQuery>,
) -> Response {
    let answer = answer(desk, grids, board, &route, caller, query).await;
    export::audited("tickets.export", "", answer)
}

async fn answer(
    State(desk): State<TicketDesk>,
    State(grids): State<Grids>,
    State(board): State<ExportBoard>,
    route: &MatchedPath,
    caller: Caller,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = Format::of_route(route.as_str(), query.encoding.as_deref())?;
    let list = ListQuery {
        scope: query.scope.clone(),
        state: query.state.clone(),
        community: query.community.clone(),
        limit: None,
        ids: None,
    };
    let mut filter = parse_filter(&list, PAGE, PAGE)?;
    filter.visibility = caller.principal.visibility();
    let full_phones = export::full_phones(&caller, query.phones.as_deref())?;
    let progress = export::progress_token(query.progress.as_deref())?;
    let (_, total) = desk
        .store()
        .list(&TicketFilter {
            limit: 1,
            ..filter.clone()
        })
        .await?;
    let filters = format!(
        "范围 {}{}{}",
        list.scope.as_deref().unwrap_or("open"),
        list.state
            .as_deref()
            .map(|s| format!(" 状态 {s}"))
            .unwrap_or_default(),
        list.community
            .as_deref()
            .map(|c| format!(" 社区 {c}"))
            .unwrap_or_default(),
    );
    let file = TicketExport {
        format,
        full_phones,
        total,
        progress,
        name: ("tickets", "工单".to_owned()),
        audit: AuditNote::new("tickets.export", "").detail(&filters),
    };
    let pages = ListPages {
        desk: desk.clone(),
        filter,
    };
    Ok(file.respond(&desk, grids.view(), &board, &caller, pages))
}

/// The list, page by page: each page starts after the last ticket of the one before.
struct ListPages {
    desk: TicketDesk,
    filter: TicketFilter,
}

impl TicketPages for ListPages {
    fn next_page(&mut self) -> BoxFuture<'_, Result<Vec<ListedTicket>, StoreError>> {
        Box::pin(async move {
            let (page, _) = self.desk.store().list(&self.filter).await?;
            if let Some(last) = page.last() {
                self.filter.after =
                    Some((last.ticket.received_at.timestamp_millis(), last.ticket.id));
            }
            Ok(page)
        })
    }
}

/// `GET /api/exports/{token}`: how far the caller's export `token` has come.
pub(super) async fn progress(
    State(board): State<ExportBoard>,
    caller: Caller,
    Path(token): Path<String>,
) -> Result<Json<ExportProgress>, ApiError> {
    crate::desk::export::progress::check_token(&token)
        .map_err(|(en, zh)| RequestError::bad("token", en, zh))?;
    board
        .progress(&caller.principal.account, &token)
        .map(Json)
        .ok_or_else(|| TicketError::ExportUnknown { token }.into())
}
