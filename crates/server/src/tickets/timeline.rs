//! A ticket's event log as a file (`GET /api/tickets/{id}/timeline.{csv,xlsx}`): one row per
//! step as the card's timeline shows it — 序号, 时间 (Beijing), 动作, 操作人, 角色, 网格 (where
//! the ticket stood after the step: the grid it was routed or handed to), 说明 (the card's line).
//! Who may see the card may have the file; audited as `ticket.timeline_export`.

use axum::extract::{MatchedPath, Path, State};
use axum::http::header;
use axum::response::Response;
use binhe_api::tickets::EventView;
use binhe_core::ticket::lifecycle::Change;
use binhe_core::ticket::{ActionKind, Routing, TicketId};

use super::{Shown, visible_ticket};
use crate::dataset::Grids;
use crate::desk::TicketDesk;
use crate::desk::export::xlsx::{self, Cell};
use crate::desk::export::{audited, csv_line, disposition, wall};
use crate::desk::view::ViewContext;
use crate::http::{ApiError, AuditNote, Caller, RequestError};

const COLUMNS: [&str; 7] = ["序号", "时间", "动作", "操作人", "角色", "网格", "说明"];
const WIDTHS: [f64; 7] = [6.0, 20.0, 12.0, 12.0, 10.0, 24.0, 60.0];

/// `GET /api/tickets/{id}/timeline.csv` and `…/timeline.xlsx`.
pub(super) async fn timeline(
    desk: State<TicketDesk>,
    grids: State<Grids>,
    route: MatchedPath,
    caller: Caller,
    Path(id): Path<TicketId>,
) -> Response {
    let answer = answer(desk, grids, &route, caller, id).await;
    audited("ticket.timeline_export", &id.to_string(), answer)
}

async fn answer(
    State(desk): State<TicketDesk>,
    State(grids): State<Grids>,
    route: &MatchedPath,
    caller: Caller,
    id: TicketId,
) -> Result<Response, ApiError> {
    let xlsx = match route.as_str().rsplit('.').next() {
        Some("xlsx") => true,
        Some("csv") => false,
        _ => {
            return Err(
                RequestError::Internal(format!("no timeline for {}", route.as_str())).into(),
            );
        }
    };
    visible_ticket(&desk, &caller, id).await?;
    let stored = desk.store().events(id).await?;
    let shown = Shown::now(&desk, &grids);
    let ctx = shown.context();
    let rows = rows(
        &ctx,
        &stored.iter().map(|e| ctx.event(e)).collect::<Vec<_>>(),
    );
    let (content_type, bytes) = if xlsx {
        let cells: Vec<Vec<Cell>> = rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Number(f64::from(r.number)),
                    Cell::Time(r.at),
                    Cell::Text(r.action.as_str().into()),
                    Cell::Text(r.actor.as_str().into()),
                    Cell::Text(r.role.as_str().into()),
                    Cell::Text(r.grid.as_str().into()),
                    Cell::Text(r.summary.as_str().into()),
                ]
            })
            .collect();
        let bytes = xlsx::workbook_bytes(&format!("工单{id}"), &COLUMNS, &WIDTHS, &cells)
            .map_err(|e| RequestError::Internal(e.to_string()))?;
        (xlsx::CONTENT_TYPE, bytes)
    } else {
        let mut text = String::from("\u{feff}");
        text.push_str(&csv_line(COLUMNS.iter().map(|c| (*c).to_owned())));
        for r in &rows {
            text.push_str(&csv_line(
                [
                    r.number.to_string(),
                    wall(r.at),
                    r.action.clone(),
                    r.actor.clone(),
                    r.role.clone(),
                    r.grid.clone(),
                    r.summary.clone(),
                ]
                .into_iter(),
            ));
        }
        ("text/csv; charset=utf-8", text.into_bytes())
    };
    let ext = if xlsx { "xlsx" } else { "csv" };
    let response = (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                disposition(
                    &format!("ticket-{id}-timeline"),
                    &format!("工单{id}-处置过程"),
                    ext,
                ),
            ),
        ],
        bytes,
    );
    Ok(AuditNote::new("ticket.timeline_export", &id.to_string())
        .detail(&format!("{} {} 步", ext.to_uppercase(), rows.len()))
        .attach(response))
}

/// One row of the file.
struct Row {
    number: u32,
    at: chrono::DateTime<chrono::Utc>,
    action: String,
    actor: String,
    role: String,
    grid: String,
    summary: String,
}

/// The rows of `events` (oldest first), carrying forward where the ticket stands.
fn rows(ctx: &ViewContext<'_>, events: &[EventView]) -> Vec<Row> {
    let routed = |routing: &Routing| {
        routing
            .finest()
            .map(|code| ctx.grid_name(code))
            .or_else(|| routing.unrouted.map(|r| r.label_zh().to_owned()))
            .unwrap_or_default()
    };
    let mut grid = String::new();
    events
        .iter()
        .zip(1..)
        .map(|(e, number)| {
            match &e.change {
                Change::Received { routing, .. } | Change::Relocated { routing, .. } => {
                    grid = routed(routing);
                }
                Change::Dispatched { assignment, .. }
                | Change::SelfHandled { assignment }
                | Change::Escalated { assignment, .. }
                | Change::Delegated { assignment, .. } => {
                    grid.clone_from(&assignment.grid_name);
                }
                Change::DispatchUndone {
                    restored: Some(a), ..
                } => grid.clone_from(&a.grid_name),
                _ => {}
            }
            Row {
                number,
                at: e.at,
                action: action_zh(&e.change).to_owned(),
                actor: e.actor.name.clone(),
                role: e.actor.role_zh.clone(),
                grid: grid.clone(),
                summary: e.summary_zh.clone(),
            }
        })
        .collect()
}

/// The step's name, as the terminals' action buttons call it.
fn action_zh(change: &Change) -> &'static str {
    let kind = match change {
        Change::Received { .. } => return "接收上报",
        Change::Registered { .. } => ActionKind::Register,
        Change::Cancelled { .. } => ActionKind::Cancel,
        Change::Dispatched { .. } => ActionKind::Dispatch,
        Change::DispatchUndone { .. } => ActionKind::UndoDispatch,
        Change::SelfHandled { .. } => ActionKind::SelfHandle,
        Change::Started => ActionKind::Start,
        Change::Escalated { .. } => ActionKind::Escalate,
        Change::Delegated { .. } => ActionKind::Delegate,
        Change::Contacted { .. } => ActionKind::Contact,
        Change::FedBack { .. } => ActionKind::Feedback,
        Change::Verified { .. } => ActionKind::Verify,
        Change::Rejected { .. } => ActionKind::Reject,
        Change::Closed => ActionKind::Close,
        Change::Reopened { .. } => ActionKind::Reopen,
        Change::Relocated { .. } => ActionKind::Relocate,
        Change::Merged { .. } => ActionKind::Merge,
        Change::Unmerged => ActionKind::Unmerge,
        Change::DuplicateFlagged { .. } => ActionKind::FlagDuplicate,
        Change::FlagDismissed => return "忽略疑似重复",
    };
    kind.label_zh()
}
