//! The closed loop's actions on one ticket (`POST /api/tickets/{id}/actions`) and the
//! drag-to-dispatch drop (`POST /api/tickets/{id}/drop`), which the server checks against its
//! own spatial index before assigning anything. A refusal carries the ticket as it stands.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::Response;
use binhe_api::tickets::{Acted, ActionRequest, DropRequest, UNDO_WINDOW};
use binhe_core::access::{Principal, Role};
use binhe_core::ticket::intake::{IntakeLocation, IntakeRequest};
use binhe_core::ticket::lifecycle::{ActionKind, Command};
use binhe_core::ticket::routing::route;
use binhe_core::ticket::{
    Assignment, EscalationLevel, Outcome, Point, Satisfaction, Ticket, TicketId, TicketState,
};
use binhe_core::{GridCode, GridLevel};
use binhe_store::{PhotoRepository, StoredEvent};

use super::{Shown, TicketError, visible_ticket};
use crate::dataset::{GridView, Grids};
use crate::desk::{DeskError, DropCheck, TicketDesk, now};
use crate::http::extract::{Json, Path, read_body};
use crate::http::{ApiError, AuditNote, Caller, RequestError};

fn bad(field: &'static str, en: impl Into<String>, zh: impl Into<String>) -> ApiError {
    RequestError::bad(field, en, zh).into()
}

fn required<'a>(
    value: Option<&'a String>,
    field: &'static str,
    zh: &str,
) -> Result<&'a str, ApiError> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad(field, format!("{field} is required"), format!("请填写{zh}")))
}

/// The ticket version the terminal saw: every change must name it.
fn required_version(version: Option<u32>) -> Result<u32, ApiError> {
    version.ok_or_else(|| {
        bad(
            "version",
            "version is required",
            "缺少工单版本号，请刷新工单后重试",
        )
    })
}

/// The grid and worker for an order: the named worker, or the grid's first responsible one.
/// A named worker must be posted in the community of that grid (anywhere in the street for the
/// street itself) and inside the caller's scope: whoever holds the ticket reads the reporter's
/// name and phone and gets it in their live stream.
fn assignment(
    view: &GridView,
    caller: &Principal,
    grid: &str,
    worker_id: Option<&str>,
) -> Result<Assignment, ApiError> {
    let not_found = || RequestError::GridNotFound {
        code: grid.to_owned(),
    };
    let code = GridCode::parse(grid.trim()).map_err(|_| not_found())?;
    let index = view.hierarchy().index_of(&code).ok_or_else(not_found)?;
    let grid_name = view.hierarchy().get(index).name.clone();
    let worker = match worker_id.map(str::trim).filter(|w| !w.is_empty()) {
        Some(id) => {
            let worker = view
                .worker(id)
                .ok_or_else(|| RequestError::WorkerNotFound { id: id.to_owned() })?;
            let home = code.community_code().unwrap_or_else(|| code.clone());
            let posted = worker.grid.as_str().starts_with(home.scope_prefix());
            if !posted || !caller.sees_grid(&worker.grid) {
                return Err(TicketError::WorkerOutOfScope {
                    worker: id.to_owned(),
                    grid_name,
                }
                .into());
            }
            Some(worker)
        }
        None => view.responsible_workers(index).into_iter().next(),
    };
    Ok(Assignment {
        grid_name,
        grid: Some(code),
        worker_id: worker.map(|w| w.id.clone()),
        worker_name: worker.map(|w| w.name.clone()),
    })
}

fn escalation(
    view: &GridView,
    caller: &Principal,
    ticket: &Ticket,
    level: &str,
) -> Result<(EscalationLevel, Assignment), ApiError> {
    let h = view.hierarchy();
    match EscalationLevel::from_code(level) {
        Some(EscalationLevel::Community) => {
            let community = ticket
                .assignment
                .as_ref()
                .and_then(|a| a.grid.as_ref())
                .and_then(GridCode::community_code)
                .or_else(|| ticket.routing.community.clone())
                .ok_or_else(|| {
                    bad(
                        "level",
                        "the ticket lies in no community; escalate to the street",
                        "工单未定位到社区，请上交街道",
                    )
                })?;
            Ok((
                EscalationLevel::Community,
                assignment(view, caller, community.as_str(), None)?,
            ))
        }
        Some(EscalationLevel::Street) => Ok((
            EscalationLevel::Street,
            assignment(view, caller, h.street().code.as_str(), None)?,
        )),
        Some(EscalationLevel::District) => Ok((
            EscalationLevel::District,
            Assignment {
                grid: None,
                grid_name: "区级职能部门".to_owned(),
                worker_id: None,
                worker_name: None,
            },
        )),
        None => Err(bad(
            "level",
            format!("level {level:?} is not community, street or district"),
            format!("上交级别“{level}”无效，应为 community、street 或 district"),
        )),
    }
}

fn check_lon_lat(lon: f64, lat: f64) -> Result<(), ApiError> {
    if lon.is_finite() && lon.abs() <= 180.0 && lat.is_finite() && lat.abs() <= 90.0 {
        Ok(())
    } else {
        Err(bad(
            "lon",
            format!("lon/lat must be numbers within ±180/±90, got {lon}/{lat}"),
            format!("经纬度须在 ±180/±90 以内，收到 {lon}/{lat}"),
        ))
    }
}

fn relocation(view: &GridView, body: &ActionRequest) -> Result<Command, ApiError> {
    let request = IntakeRequest {
        lon: body.lon,
        lat: body.lat,
        grid_code: body.grid_code.clone(),
        address: body.address.clone(),
        ..IntakeRequest::default()
    };
    let location = if let (Some(lon), Some(lat)) = (body.lon, body.lat) {
        check_lon_lat(lon, lat)?;
        IntakeLocation::Point(Point { lon, lat })
    } else if let Some(code) = request
        .grid_code
        .as_deref()
        .filter(|c| !c.trim().is_empty())
    {
        let code = GridCode::parse(code.trim()).map_err(|_| RequestError::GridNotFound {
            code: code.to_owned(),
        })?;
        if view.hierarchy().index_of(&code).is_none() {
            return Err(RequestError::GridNotFound {
                code: code.to_string(),
            }
            .into());
        }
        IntakeLocation::Grid { code }
    } else if let Some(text) = request.address.as_deref().filter(|a| !a.trim().is_empty()) {
        IntakeLocation::Address {
            text: text.trim().to_owned(),
        }
    } else {
        return Err(bad(
            "location",
            "give lon/lat, grid_code or address",
            "请提供经纬度、网格编码或地址",
        ));
    };
    let (point, routing) = route(&location, view.hierarchy(), &view.locator);
    Ok(Command::Relocate {
        location: point,
        address: request.address.map(|a| a.trim().to_owned()),
        routing,
    })
}

/// The command an action asks for, with the grids and workers it names looked up.
fn command(
    view: &GridView,
    caller: &Principal,
    ticket: &Ticket,
    body: &ActionRequest,
) -> Result<Command, ApiError> {
    let action = required(body.action.as_ref(), "action", "操作")?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let grid_assignment = || {
        assignment(
            view,
            caller,
            required(body.grid.as_ref(), "grid", "网格")?,
            body.worker_id.as_deref(),
        )
    };
    let unknown = || {
        bad(
            "action",
            format!("action {action:?} is unknown"),
            format!("操作“{action}”不存在"),
        )
    };
    // Flagging a duplicate is the intake's own; no terminal asks for it.
    let kind = ActionKind::from_code(action)
        .filter(|k| *k != ActionKind::FlagDuplicate)
        .ok_or_else(unknown)?;
    Ok(match kind {
        ActionKind::Register => Command::Register {
            note: body.note.clone(),
        },
        ActionKind::Cancel => Command::Cancel {
            reason: text(&body.reason),
        },
        ActionKind::Dispatch => Command::Dispatch {
            assignment: grid_assignment()?,
        },
        ActionKind::UndoDispatch => Command::UndoDispatch,
        ActionKind::SelfHandle => Command::SelfHandle {
            assignment: grid_assignment()?,
        },
        ActionKind::Start => Command::Start,
        ActionKind::Escalate => {
            let (level, assignment) = escalation(
                view,
                caller,
                ticket,
                required(body.level.as_ref(), "level", "上交级别")?,
            )?;
            Command::Escalate {
                level,
                assignment,
                reason: text(&body.reason),
            }
        }
        ActionKind::Delegate => Command::Delegate {
            assignment: grid_assignment()?,
            note: body.note.clone(),
        },
        ActionKind::Contact => Command::Contact {
            note: body.note.clone(),
        },
        ActionKind::Feedback => {
            let outcome = required(body.outcome.as_ref(), "outcome", "处置结果")?;
            Command::Feedback {
                outcome: Outcome::from_code(outcome).ok_or_else(|| {
                    bad(
                        "outcome",
                        format!("outcome {outcome:?} is not solved or unsolved"),
                        format!("处置结果“{outcome}”无效，应为 solved 或 unsolved"),
                    )
                })?,
                note: text(&body.note),
                photos: body.photos.clone(),
            }
        }
        ActionKind::Verify => {
            let satisfaction = required(body.satisfaction.as_ref(), "satisfaction", "满意度")?;
            Command::Verify {
                satisfaction: Satisfaction::from_code(satisfaction).ok_or_else(|| {
                    bad(
                        "satisfaction",
                        format!(
                            "satisfaction {satisfaction:?} is not satisfied, basic or dissatisfied"
                        ),
                        format!(
                            "满意度“{satisfaction}”无效，应为 satisfied、basic 或 dissatisfied"
                        ),
                    )
                })?,
                note: body.note.clone(),
            }
        }
        ActionKind::Reject => Command::Reject {
            note: text(&body.note),
        },
        ActionKind::Close => Command::Close,
        ActionKind::Reopen => Command::Reopen {
            reason: text(&body.reason),
        },
        ActionKind::Relocate => relocation(view, body)?,
        ActionKind::Merge => Command::Merge {
            into: body
                .into
                .ok_or_else(|| bad("into", "into is required", "请填写合并目标工单（into）"))?,
            distance_m: None,
        },
        ActionKind::Unmerge => Command::Unmerge,
        ActionKind::DismissFlag => Command::DismissFlag,
        ActionKind::FlagDuplicate => return Err(unknown()),
    })
}

/// The answer to an action: the ticket and its new events, or the refusal with the ticket as it
/// stands so the terminal can show the current state.
async fn respond(
    desk: &TicketDesk,
    grids: &Grids,
    result: Result<(Ticket, Vec<StoredEvent>), DeskError>,
    id: TicketId,
) -> Result<Acted, ApiError> {
    let shown = Shown::now(desk, grids);
    let ctx = shown.context();
    match result {
        Ok((ticket, events)) => Ok(Acted {
            ticket: ctx.ticket(&ticket, 0),
            events: events.iter().map(|e| ctx.event(e)).collect(),
            undo_until: None,
        }),
        Err(DeskError::Transition(error)) => {
            let current = desk.store().ticket(id).await.ok().flatten();
            Err(TicketError::Refused {
                error,
                ticket: current.map(|t| Box::new(ctx.ticket(&t, 0))),
            }
            .into())
        }
        Err(other) => Err(other.into()),
    }
}

pub(super) async fn act(
    State(desk): State<TicketDesk>,
    State(grids): State<Grids>,
    State(photos): State<Arc<dyn PhotoRepository>>,
    caller: Caller,
    Path(id): Path<TicketId>,
    body: Result<axum::Json<ActionRequest>, JsonRejection>,
) -> Response {
    let action = body
        .as_ref()
        .ok()
        .and_then(|axum::Json(b)| b.action.clone())
        .unwrap_or_default();
    let note = AuditNote::new(&format!("ticket.{action}"), &id.to_string());
    note.attach(
        act_on(&desk, &grids, photos.as_ref(), &caller, id, body)
            .await
            .map(Json),
    )
}

async fn act_on(
    desk: &TicketDesk,
    grids: &Grids,
    photos: &dyn PhotoRepository,
    caller: &Caller,
    id: TicketId,
    body: Result<axum::Json<ActionRequest>, JsonRejection>,
) -> Result<Acted, ApiError> {
    caller.must_be(
        &[Role::Dispatcher, Role::Commander, Role::Worker],
        "act on tickets",
    )?;
    let body = read_body(body, "请求内容无效")?;
    let version = required_version(body.version)?;
    let view = grids.view();
    let ticket = visible_ticket(desk, caller, id).await?;
    let command = command(&view, &caller.principal, &ticket, &body)?;
    if let Command::Feedback { photos: refs, .. } = &command {
        // Only photos uploaded to this ticket: a feedback cannot show another ticket's pictures.
        let foreign = super::photos::foreign_refs(photos, id, refs).await?;
        if !foreign.is_empty() {
            return Err(TicketError::PhotosNotOfTicket {
                ticket: id,
                refs: foreign,
            }
            .into());
        }
    }
    let dispatching = matches!(command, Command::Dispatch { .. });
    let at = now();
    let result = desk
        .act_for(id, version, &[command], &caller.principal, at)
        .await;
    let mut acted = respond(desk, grids, result, id).await?;
    if dispatching {
        acted.undo_until = Some(at + UNDO_WINDOW);
    }
    Ok(acted)
}

/// Drag-to-dispatch: the UI says which grid it highlighted and where the ticket was dropped;
/// the server checks the point against its own index before assigning anything.
pub(super) async fn drop_on_grid(
    State(desk): State<TicketDesk>,
    State(grids): State<Grids>,
    caller: Caller,
    Path(id): Path<TicketId>,
    body: Result<axum::Json<DropRequest>, JsonRejection>,
) -> Response {
    let grid = body
        .as_ref()
        .ok()
        .and_then(|axum::Json(b)| b.grid.clone())
        .unwrap_or_default();
    AuditNote::new("ticket.drop", &id.to_string())
        .detail(&grid)
        .attach(
            drop_checked(&desk, &grids, &caller, id, body)
                .await
                .map(Json),
        )
}

async fn drop_checked(
    desk: &TicketDesk,
    grids: &Grids,
    caller: &Caller,
    id: TicketId,
    body: Result<axum::Json<DropRequest>, JsonRejection>,
) -> Result<Acted, ApiError> {
    let body = read_body(body, "请求内容无效")?;
    caller.must_be(&[Role::Dispatcher, Role::Commander], "dispatch")?;
    visible_ticket(desk, caller, id).await?;
    let version = required_version(body.version)?;
    let (Some(lon), Some(lat)) = (body.lon, body.lat) else {
        return Err(bad(
            "lon",
            "lon and lat are required",
            "缺少拖放位置经纬度（lon/lat）",
        ));
    };
    check_lon_lat(lon, lat)?;
    let view = grids.view();
    // Nothing highlighted under the cursor: the drop point alone decides (its micro-grid, or
    // its community where no micro-grid covers it).
    let grid = match body
        .grid
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
    {
        Some(grid) => grid.to_owned(),
        None => view
            .locator
            .micro_at(lon, lat)
            .or_else(|| view.locator.community_at(lon, lat))
            .map(|i| view.hierarchy().get(i).code.to_string())
            .ok_or(TicketError::DropOutside)?,
    };
    let not_found = || RequestError::GridNotFound { code: grid.clone() };
    let code = GridCode::parse(&grid).map_err(|_| not_found())?;
    if view.hierarchy().index_of(&code).is_none() || code.level() == GridLevel::Street {
        return Err(not_found().into());
    }
    match TicketDesk::grid_at_drop(&view, &code, lon, lat) {
        DropCheck::Inside => {}
        DropCheck::Outside => return Err(TicketError::DropOutside.into()),
        DropCheck::Elsewhere(found) => {
            let name = view
                .hierarchy()
                .by_code(&found)
                .map_or_else(|| found.to_string(), |g| g.name.clone());
            return Err(TicketError::DropMismatch {
                expected: code.to_string(),
                found: found.to_string(),
                found_name: name,
            }
            .into());
        }
    }
    let ticket = desk.ticket(id).await?;
    let dispatch = Command::Dispatch {
        assignment: assignment(&view, &caller.principal, code.as_str(), None)?,
    };
    let commands = if ticket.state == TicketState::Reported {
        vec![Command::Register { note: None }, dispatch]
    } else {
        vec![dispatch]
    };
    let at = now();
    let result = desk
        .act_for(id, version, &commands, &caller.principal, at)
        .await;
    let mut acted = respond(desk, grids, result, id).await?;
    acted.undo_until = Some(at + UNDO_WINDOW);
    Ok(acted)
}
