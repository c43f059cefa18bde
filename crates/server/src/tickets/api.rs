//! HTTP routes of the ticket desk: intake, lists for the queue and the map, the ticket card,
//! actions of the closed loop and the drag-to-dispatch drop.

use axum::extract::{DefaultBodyLimit, Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use binhe_core::access::{AccessError, Role};
use binhe_core::ticket::intake::{IntakeLocation, IntakeRequest, validate};
use binhe_core::ticket::lifecycle::{Command, UNDO_WINDOW};
use binhe_core::ticket::routing::route;
use binhe_core::ticket::{
    Assignment, Channel, EscalationLevel, Outcome, Point, Satisfaction, Ticket, TicketId,
    TicketState,
};
use binhe_core::{GridCode, GridLevel};
use binhe_store::{TicketFilter, TicketScope};
use serde::Deserialize;
use serde_json::{Value, json};

use super::desk::{DropCheck, IntakeOutcome};
use super::view::ViewContext;
use crate::api::{AppState, MAX_IMPORT_BYTES, uploaded_file_name};
use crate::auth::Caller;
use crate::auth::audit::AuditNote;
use crate::cameras::alerts::{CheckedAlert, check_alert, take_picture};
use crate::dataset::GridView;
use crate::error::ApiError;

const DEFAULT_LIST_LIMIT: u32 = 500;
const MAX_LIST_LIMIT: u32 = 5000;
/// Every open ticket with a location goes on the map; a street rarely has more than a few
/// thousand open at once.
const MAP_LIMIT: u32 = 50_000;
const NEAREST_WORKERS: usize = 5;
const NEAREST_CAMERAS: usize = 4;
/// A reported request with room for a camera alert's picture, which is checked for its own
/// limit (`MAX_SNAPSHOT_BYTES`) with a clearer answer than the body limit gives.
const MAX_REPORT_BYTES: usize = 8 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/catalogue", get(catalogue).put(replace_catalogue))
        .route("/api/sla", get(sla).put(replace_sla))
        .route(
            "/api/tickets",
            get(list)
                .post(create)
                .layer(DefaultBodyLimit::max(MAX_REPORT_BYTES)),
        )
        .route("/api/tickets.geojson", get(map_layer))
        .route("/api/tickets/{id}", get(card))
        .route("/api/tickets/{id}/actions", post(act))
        .route("/api/tickets/{id}/snapshot.jpg", get(snapshot))
        .route("/api/tickets/{id}/drop", post(drop_on_grid))
        .route(
            "/api/tickets/import",
            post(import_file).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route("/api/imports/{job}", get(import_progress))
}

use super::desk::now;

fn context<'a>(
    view: &'a GridView,
    catalogue: &'a binhe_core::ticket::Catalogue,
    sla: &'a binhe_core::ticket::SlaTable,
) -> ViewContext<'a> {
    ViewContext {
        view,
        catalogue,
        sla,
        now: now(),
    }
}

async fn catalogue(State(state): State<AppState>) -> Json<Value> {
    let catalogue = state.desk().catalogue();
    let channels: Vec<Value> = Channel::ALL
        .iter()
        .map(|c| json!({ "code": c.as_str(), "label_zh": c.label_zh(), "label_en": c.label_en() }))
        .collect();
    let states: Vec<Value> = TicketState::ALL
        .iter()
        .map(|s| json!({ "code": s.as_str(), "label_zh": s.label_zh(), "label_en": s.label_en() }))
        .collect();
    Json(json!({ "categories": catalogue.categories, "channels": channels, "states": states }))
}

async fn sla(State(state): State<AppState>) -> Json<Value> {
    Json(json!(*state.desk().sla()))
}

fn settings_error(field: &'static str, error: super::desk::SettingsError) -> ApiError {
    match error {
        super::desk::SettingsError::Invalid(problems) => ApiError::BadRequest {
            field,
            reason: problems
                .iter()
                .map(|(en, _)| en.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            reason_zh: problems
                .iter()
                .map(|(_, zh)| zh.as_str())
                .collect::<Vec<_>>()
                .join("；"),
        },
        super::desk::SettingsError::Store(error) => ApiError::Store(error),
    }
}

/// Replaces the category catalogue (the whole list, as `GET` returns its `categories`).
async fn replace_catalogue(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<Vec<binhe_core::ticket::Category>>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.must_administer()?;
    let categories = body_or_error(body)?;
    state
        .desk()
        .replace_catalogue(binhe_core::ticket::Catalogue { categories })
        .await
        .map_err(|e| settings_error("categories", e))?;
    Ok(catalogue(State(state)).await)
}

async fn replace_sla(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<binhe_core::ticket::SlaTable>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.must_administer()?;
    let table = body_or_error(body)?;
    state
        .desk()
        .replace_sla(table)
        .await
        .map_err(|e| settings_error("sla", e))?;
    Ok(sla(State(state)).await)
}

async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<ReportBody>, axum::extract::rejection::JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    caller.must_be(
        &[Role::Dispatcher, Role::Commander, Role::Worker],
        "report a request",
    )?;
    let Json(ReportBody {
        mut request,
        snapshot_jpeg,
    }) = body.map_err(|rejection| ApiError::BadRequest {
        field: "body",
        reason: rejection.body_text(),
        reason_zh: format!("请求内容不是有效的工单 JSON：{}", rejection.body_text()),
    })?;
    // The stored picture is named by the server only.
    request.snapshot = None;
    // A grid worker's report is theirs: they follow it as its reporter.
    if let Some(worker) = &caller.principal.worker_id {
        request.source_ref = Some(worker.clone());
    }
    let view = state.view();
    let desk = state.desk();
    let at = now();
    let mut problems = Vec::new();
    let alert =
        check_alert(&view, &mut request, snapshot_jpeg.as_deref(), at).unwrap_or_else(|found| {
            problems = found;
            CheckedAlert::default()
        });
    if let Err(found) = validate(&request, &desk.catalogue(), view.hierarchy(), at) {
        problems.extend(found);
    }
    if !problems.is_empty() {
        return Err(ApiError::IntakeRejected { problems });
    }
    // The request is good: keep its picture (or take one from the camera), then take it in.
    if let Some(picture) = alert.picture {
        state.devices().save_snapshot(&picture).await?;
        request.snapshot = Some(picture.id);
    } else if let Some(camera) = alert.camera {
        request.snapshot = take_picture(&state, camera).await;
    }
    let outcome = desk.intake_one(request, view.clone()).await?;
    let (catalogue, sla) = (desk.catalogue(), desk.sla());
    let ctx = context(&view, &catalogue, &sla);
    match outcome {
        IntakeOutcome::Created { ticket, duplicate } => {
            let duplicate = duplicate.map(|d| {
                json!({ "of": d.of, "distance_m": (d.distance_m * 10.0).round() / 10.0,
                        "hours_apart": (d.hours_apart * 100.0).round() / 100.0, "merged": d.clear })
            });
            Ok((
                StatusCode::CREATED,
                Json(json!({ "ticket": ctx.ticket(&ticket, 0), "duplicate": duplicate })),
            ))
        }
        IntakeOutcome::Existing { id } => {
            let ticket = desk.ticket(id).await?;
            Ok((
                StatusCode::OK,
                Json(json!({ "ticket": ctx.ticket(&ticket, 0), "existing": true })),
            ))
        }
        IntakeOutcome::Rejected { problems } => Err(ApiError::IntakeRejected { problems }),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    scope: Option<String>,
    state: Option<String>,
    community: Option<String>,
    limit: Option<String>,
}

fn parse_filter(query: &ListQuery, default_limit: u32, max: u32) -> Result<TicketFilter, ApiError> {
    let scope = match query.scope.as_deref().unwrap_or("open") {
        "open" => TicketScope::Open,
        "all" => TicketScope::All,
        "unrouted" => TicketScope::Unrouted,
        "flagged" => TicketScope::Flagged,
        other => {
            return Err(ApiError::BadRequest {
                field: "scope",
                reason: format!("scope {other:?} is not open, all, unrouted or flagged"),
                reason_zh: format!("范围“{other}”无效，应为 open、all、unrouted 或 flagged"),
            });
        }
    };
    let state = query
        .state
        .as_deref()
        .map(|s| {
            TicketState::parse(s).ok_or_else(|| ApiError::BadRequest {
                field: "state",
                reason: format!("state {s:?} is unknown"),
                reason_zh: format!("状态“{s}”无效"),
            })
        })
        .transpose()?;
    let community = query
        .community
        .as_deref()
        .map(|c| GridCode::parse(c).map_err(|_| ApiError::GridNotFound { code: c.to_owned() }))
        .transpose()?;
    let limit = match query.limit.as_deref() {
        None => default_limit,
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=max).contains(l))
            .ok_or_else(|| ApiError::BadRequest {
                field: "limit",
                reason: format!("limit must be 1–{max}, got {raw:?}"),
                reason_zh: format!("limit 须在 1–{max} 之间，收到“{raw}”"),
            })?,
    };
    Ok(TicketFilter {
        scope,
        state,
        community,
        // Narrowed to the caller's scope by each route.
        visibility: binhe_core::access::Visibility::Everything,
        limit,
    })
}

async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let mut filter = parse_filter(&query, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT)?;
    filter.visibility = caller.principal.visibility();
    let desk = state.desk();
    let (listed, total) = desk.store().list(&filter).await?;
    let view = state.view();
    let (catalogue, sla) = (desk.catalogue(), desk.sla());
    let ctx = context(&view, &catalogue, &sla);
    let tickets: Vec<Value> = listed
        .iter()
        .map(|l| ctx.ticket(&l.ticket, l.duplicates))
        .collect();
    Ok(Json(json!({ "tickets": tickets, "total": total })))
}

async fn map_layer(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<ListQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let mut filter = parse_filter(&query, MAP_LIMIT, MAP_LIMIT)?;
    filter.visibility = caller.principal.visibility();
    let desk = state.desk();
    let (listed, _) = desk.store().list(&filter).await?;
    let view = state.view();
    let (catalogue, sla) = (desk.catalogue(), desk.sla());
    let ctx = context(&view, &catalogue, &sla);
    let features: Vec<Value> = listed
        .iter()
        .filter_map(|l| {
            let t = &l.ticket;
            let p = t.location?;
            let category = catalogue.find(&t.category);
            Some(json!({
                "type": "Feature",
                "id": t.id,
                "geometry": { "type": "Point", "coordinates": [p.lon, p.lat] },
                "properties": {
                    "id": t.id,
                    "state": t.state.as_str(),
                    "sla": ctx.sla_status(t).as_str(),
                    "category": t.category,
                    "category_zh": category.map_or(t.category.as_str(), |c| c.name_zh.as_str()),
                    "urgency": t.urgency.as_str(),
                    "channel": t.channel.as_str(),
                    "duplicates": l.duplicates,
                    "flagged": t.duplicate_flag.is_some(),
                },
            }))
        })
        .collect();
    let body = json!({ "type": "FeatureCollection", "features": features });
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/geo+json; charset=utf-8",
        )],
        body.to_string(),
    ))
}

fn worker_json(view: &GridView, w: &binhe_core::Worker) -> Value {
    let grid_name = view
        .hierarchy()
        .by_code(&w.grid)
        .map_or_else(|| w.grid.to_string(), |g| g.name.clone());
    json!({
        "id": w.id, "name": w.name, "kind": w.kind.as_str(),
        "role": w.role.label_zh(), "role_en": w.role.label_en(),
        "phone": w.phone, "grid": w.grid, "grid_name": grid_name, "lon": w.lon, "lat": w.lat,
    })
}

async fn card(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<TicketId>,
) -> Result<Json<Value>, ApiError> {
    let desk = state.desk();
    let ticket = visible_ticket(&desk, &caller, id).await?;
    let events = desk.store().events(id).await?;
    let mut duplicates = desk.store().duplicates_of(id).await?;
    duplicates.retain(|t| caller.principal.sees_ticket(t));
    let view = state.view();
    let (catalogue, sla) = (desk.catalogue(), desk.sla());
    let ctx = context(&view, &catalogue, &sla);
    let h = view.hierarchy();
    let responsible: Vec<Value> = ticket
        .routing
        .finest()
        .and_then(|code| h.index_of(code))
        .map(|i| {
            view.responsible_workers(i)
                .into_iter()
                .map(|w| worker_json(&view, w))
                .collect()
        })
        .unwrap_or_default();
    let nearest: Vec<Value> = ticket
        .location
        .map(|p| {
            view.nearest_workers(p.lon, p.lat, NEAREST_WORKERS)
                .into_iter()
                .filter(|(w, _)| caller.principal.sees_grid(&w.grid))
                .map(|(w, distance)| {
                    let mut json = worker_json(&view, w);
                    json["distance_m"] = json!((distance * 10.0).round() / 10.0);
                    json
                })
                .collect()
        })
        .unwrap_or_default();
    // The cameras that may see the place, to watch it.
    let cameras: Vec<Value> = ticket
        .location
        .map(|p| {
            view.nearest_cameras(p.lon, p.lat, NEAREST_CAMERAS)
                .into_iter()
                .filter(|(d, _)| caller.principal.sees_grid(&d.grid))
                .map(|(d, distance)| {
                    json!({
                        "id": d.id, "name": d.name, "grid": d.grid, "lon": d.lon, "lat": d.lat,
                        "distance_m": (distance * 10.0).round() / 10.0,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    // "Available" is judged by how much each suggested worker already holds.
    let mut nearest = nearest;
    let mut responsible = responsible;
    let ids: Vec<String> = nearest
        .iter()
        .chain(&responsible)
        .filter_map(|w| w["id"].as_str().map(str::to_owned))
        .collect();
    let load: std::collections::HashMap<String, u32> =
        desk.store().open_load(&ids).await?.into_iter().collect();
    for worker in nearest.iter_mut().chain(responsible.iter_mut()) {
        let open = worker["id"]
            .as_str()
            .and_then(|id| load.get(id))
            .copied()
            .unwrap_or(0);
        worker["open_tickets"] = json!(open);
    }
    Ok(Json(json!({
        "ticket": ctx.ticket(&ticket, u32::try_from(duplicates.len()).unwrap_or(u32::MAX)),
        "events": events.iter().map(|e| ctx.event(e)).collect::<Vec<_>>(),
        "duplicates": duplicates.iter().map(|d| ctx.ticket(d, 0)).collect::<Vec<_>>(),
        "responsible": responsible,
        "nearest": nearest,
        "cameras": cameras,
    })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ActionBody {
    action: Option<String>,
    version: Option<u32>,
    note: Option<String>,
    reason: Option<String>,
    grid: Option<String>,
    worker_id: Option<String>,
    level: Option<String>,
    outcome: Option<String>,
    satisfaction: Option<String>,
    photos: Vec<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    address: Option<String>,
    grid_code: Option<String>,
    into: Option<TicketId>,
}

fn bad(field: &'static str, en: String, zh: String) -> ApiError {
    ApiError::BadRequest {
        field,
        reason: en,
        reason_zh: zh,
    }
}

fn required<'a>(
    value: Option<&'a String>,
    field: &'static str,
    zh: &str,
) -> Result<&'a str, ApiError> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            bad(
                field,
                format!("{field} is required"),
                format!("请填写{zh}（{field}）"),
            )
        })
}

/// The grid and worker for an order: the named worker, or the grid's first responsible one.
fn assignment(
    view: &GridView,
    grid: &str,
    worker_id: Option<&str>,
) -> Result<Assignment, ApiError> {
    let code = GridCode::parse(grid.trim()).map_err(|_| ApiError::GridNotFound {
        code: grid.to_owned(),
    })?;
    let index = view
        .hierarchy()
        .index_of(&code)
        .ok_or_else(|| ApiError::GridNotFound {
            code: grid.to_owned(),
        })?;
    let worker = match worker_id.map(str::trim).filter(|w| !w.is_empty()) {
        Some(id) => Some(
            view.worker(id)
                .ok_or_else(|| ApiError::WorkerNotFound { id: id.to_owned() })?,
        ),
        None => view.responsible_workers(index).into_iter().next(),
    };
    Ok(Assignment {
        grid_name: view.hierarchy().get(index).name.clone(),
        grid: Some(code),
        worker_id: worker.map(|w| w.id.clone()),
        worker_name: worker.map(|w| w.name.clone()),
    })
}

fn escalation(
    view: &GridView,
    ticket: &Ticket,
    level: &str,
) -> Result<(EscalationLevel, Assignment), ApiError> {
    let h = view.hierarchy();
    match level {
        "community" => {
            let community = ticket
                .assignment
                .as_ref()
                .and_then(|a| a.grid.as_ref())
                .and_then(GridCode::community_code)
                .or_else(|| ticket.routing.community.clone())
                .ok_or_else(|| {
                    bad(
                        "level",
                        "the ticket lies in no community; escalate to the street".to_owned(),
                        "工单未定位到社区，请上交街道".to_owned(),
                    )
                })?;
            Ok((
                EscalationLevel::Community,
                assignment(view, community.as_str(), None)?,
            ))
        }
        "street" => Ok((
            EscalationLevel::Street,
            assignment(view, h.street().code.as_str(), None)?,
        )),
        "district" => Ok((
            EscalationLevel::District,
            Assignment {
                grid: None,
                grid_name: "区级职能部门".to_owned(),
                worker_id: None,
                worker_name: None,
            },
        )),
        other => Err(bad(
            "level",
            format!("level {other:?} is not community, street or district"),
            format!("上交级别“{other}”无效，应为 community、street 或 district"),
        )),
    }
}

fn relocation(view: &GridView, body: &ActionBody) -> Result<Command, ApiError> {
    let request = IntakeRequest {
        lon: body.lon,
        lat: body.lat,
        grid_code: body.grid_code.clone(),
        address: body.address.clone(),
        ..IntakeRequest::default()
    };
    let location = if let (Some(lon), Some(lat)) = (body.lon, body.lat) {
        if !(lon.is_finite() && lon.abs() <= 180.0 && lat.is_finite() && lat.abs() <= 90.0) {
            return Err(bad(
                "lon",
                format!("lon/lat must be numbers within ±180/±90, got {lon}/{lat}"),
                format!("经纬度须在 ±180/±90 以内，收到 {lon}/{lat}"),
            ));
        }
        IntakeLocation::Point(Point { lon, lat })
    } else if let Some(code) = request
        .grid_code
        .as_deref()
        .filter(|c| !c.trim().is_empty())
    {
        let code = GridCode::parse(code.trim()).map_err(|_| ApiError::GridNotFound {
            code: code.to_owned(),
        })?;
        if view.hierarchy().index_of(&code).is_none() {
            return Err(ApiError::GridNotFound {
                code: code.to_string(),
            });
        }
        IntakeLocation::Grid { code }
    } else if let Some(text) = request.address.as_deref().filter(|a| !a.trim().is_empty()) {
        IntakeLocation::Address {
            text: text.trim().to_owned(),
        }
    } else {
        return Err(bad(
            "location",
            "give lon/lat, grid_code or address".to_owned(),
            "请提供经纬度、网格编码或地址".to_owned(),
        ));
    };
    let (point, routing) = route(&location, view.hierarchy(), &view.locator);
    Ok(Command::Relocate {
        location: point,
        address: request.address.map(|a| a.trim().to_owned()),
        routing,
    })
}

fn command(view: &GridView, ticket: &Ticket, body: &ActionBody) -> Result<Command, ApiError> {
    let action = required(body.action.as_ref(), "action", "操作")?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    Ok(match action {
        "register" => Command::Register {
            note: body.note.clone(),
        },
        "cancel" => Command::Cancel {
            reason: text(&body.reason),
        },
        "dispatch" => Command::Dispatch {
            assignment: assignment(
                view,
                required(body.grid.as_ref(), "grid", "网格")?,
                body.worker_id.as_deref(),
            )?,
        },
        "undo_dispatch" => Command::UndoDispatch,
        "self_handle" => Command::SelfHandle {
            assignment: assignment(
                view,
                required(body.grid.as_ref(), "grid", "网格")?,
                body.worker_id.as_deref(),
            )?,
        },
        "start" => Command::Start,
        "escalate" => {
            let (level, assignment) = escalation(
                view,
                ticket,
                required(body.level.as_ref(), "level", "上交级别")?,
            )?;
            Command::Escalate {
                level,
                assignment,
                reason: text(&body.reason),
            }
        }
        "delegate" => Command::Delegate {
            assignment: assignment(
                view,
                required(body.grid.as_ref(), "grid", "网格")?,
                body.worker_id.as_deref(),
            )?,
            note: body.note.clone(),
        },
        "contact" => Command::Contact {
            note: body.note.clone(),
        },
        "feedback" => Command::Feedback {
            outcome: match required(body.outcome.as_ref(), "outcome", "处置结果")? {
                "solved" => Outcome::Solved,
                "unsolved" => Outcome::Unsolved,
                other => {
                    return Err(bad(
                        "outcome",
                        format!("outcome {other:?} is not solved or unsolved"),
                        format!("处置结果“{other}”无效，应为 solved 或 unsolved"),
                    ));
                }
            },
            note: text(&body.note),
            photos: body.photos.clone(),
        },
        "verify" => Command::Verify {
            satisfaction: match required(body.satisfaction.as_ref(), "satisfaction", "满意度")? {
                "satisfied" => Satisfaction::Satisfied,
                "basic" => Satisfaction::Basic,
                "dissatisfied" => Satisfaction::Dissatisfied,
                other => {
                    return Err(bad(
                        "satisfaction",
                        format!("satisfaction {other:?} is not satisfied, basic or dissatisfied"),
                        format!("满意度“{other}”无效，应为 satisfied、basic 或 dissatisfied"),
                    ));
                }
            },
            note: body.note.clone(),
        },
        "reject" => Command::Reject {
            note: text(&body.note),
        },
        "close" => Command::Close,
        "reopen" => Command::Reopen {
            reason: text(&body.reason),
        },
        "relocate" => relocation(view, body)?,
        "merge" => Command::Merge {
            into: body.into.ok_or_else(|| {
                bad(
                    "into",
                    "into is required".to_owned(),
                    "请填写合并目标工单（into）".to_owned(),
                )
            })?,
            distance_m: None,
        },
        "unmerge" => Command::Unmerge,
        "dismiss_flag" => Command::DismissFlag,
        other => {
            return Err(bad(
                "action",
                format!("action {other:?} is unknown"),
                format!("操作“{other}”不存在"),
            ));
        }
    })
}

/// The ticket version the terminal saw: every change must name it.
fn required_version(version: Option<u32>) -> Result<u32, ApiError> {
    version.ok_or_else(|| {
        bad(
            "version",
            "version is required".to_owned(),
            "缺少工单版本号（version）".to_owned(),
        )
    })
}

fn body_or_error<T>(
    body: Result<Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, ApiError> {
    body.map(|Json(b)| b)
        .map_err(|rejection| ApiError::BadRequest {
            field: "body",
            reason: rejection.body_text(),
            reason_zh: format!("请求内容无效：{}", rejection.body_text()),
        })
}

async fn act(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<TicketId>,
    body: Result<Json<ActionBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let action = body
        .as_ref()
        .ok()
        .and_then(|Json(b)| b.action.clone())
        .unwrap_or_default();
    let note = AuditNote::new(&format!("ticket.{action}"), &id.to_string());
    note.attach(act_on(state, caller, id, body).await)
}

async fn act_on(
    state: AppState,
    caller: Caller,
    id: TicketId,
    body: Result<Json<ActionBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.must_be(
        &[Role::Dispatcher, Role::Commander, Role::Worker],
        "act on tickets",
    )?;
    let body = body_or_error(body)?;
    let version = required_version(body.version)?;
    let desk = state.desk();
    let view = state.view();
    let ticket = visible_ticket(&desk, &caller, id).await?;
    let command = command(&view, &ticket, &body)?;
    let dispatching = matches!(command, Command::Dispatch { .. });
    let at = now();
    let mut answer = respond(
        &state,
        &view,
        desk.act_for(id, version, &[command], &caller.principal, at)
            .await,
        id,
    )
    .await?;
    if dispatching {
        answer.0["undo_until"] = json!(at + UNDO_WINDOW);
    }
    Ok(answer)
}

/// The ticket, if the caller may see it: out of scope is 403 whether or not it exists beyond.
/// A reported request: the intake fields, and for a camera alert the picture the video
/// analytics took (a base64 JPEG).
#[derive(Debug, Deserialize)]
struct ReportBody {
    #[serde(flatten)]
    request: IntakeRequest,
    #[serde(default)]
    snapshot_jpeg: Option<String>,
}

/// `GET /api/tickets/{id}/snapshot.jpg`: the picture a camera alert came with.
async fn snapshot(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<TicketId>,
) -> Result<Response, ApiError> {
    let ticket = visible_ticket(&state.desk(), &caller, id).await?;
    let picture = match &ticket.snapshot {
        Some(snapshot) => state.devices().snapshot(snapshot).await?,
        None => None,
    }
    .ok_or(ApiError::SnapshotNotFound { ticket: id })?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            // The same address always shows the same picture.
            (header::CACHE_CONTROL, "private, max-age=86400, immutable"),
        ],
        picture.jpeg,
    )
        .into_response())
}

async fn visible_ticket(
    desk: &super::desk::TicketDesk,
    caller: &Caller,
    id: TicketId,
) -> Result<Ticket, ApiError> {
    let ticket = desk.ticket(id).await?;
    if caller.principal.sees_ticket(&ticket) {
        Ok(ticket)
    } else {
        Err(AccessError::OutOfScope.into())
    }
}

/// The answer to an action: the ticket and its new events, or the refusal with the ticket as it
/// stands so the terminal can show the current state.
async fn respond(
    state: &AppState,
    view: &GridView,
    result: Result<(Ticket, Vec<binhe_store::StoredEvent>), super::desk::DeskError>,
    id: TicketId,
) -> Result<Json<Value>, ApiError> {
    let desk = state.desk();
    let (catalogue, sla) = (desk.catalogue(), desk.sla());
    let ctx = context(view, &catalogue, &sla);
    match result {
        Ok((ticket, events)) => Ok(Json(json!({
            "ticket": ctx.ticket(&ticket, 0),
            "events": events.iter().map(|e| ctx.event(e)).collect::<Vec<_>>(),
        }))),
        Err(super::desk::DeskError::Transition(error)) => {
            let current = desk.store().ticket(id).await.ok().flatten();
            Err(ApiError::Refused {
                error,
                ticket: current.map(|t| ctx.ticket(&t, 0)),
            })
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DropBody {
    grid: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    version: Option<u32>,
}

/// Drag-to-dispatch: the UI says which grid it highlighted and where the ticket was dropped;
/// the server checks the point against its own index before assigning anything.
async fn drop_on_grid(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<TicketId>,
    body: Result<Json<DropBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let grid = body
        .as_ref()
        .ok()
        .and_then(|Json(b)| b.grid.clone())
        .unwrap_or_default();
    AuditNote::new("ticket.drop", &id.to_string())
        .detail(&grid)
        .attach(drop_checked(state, caller, id, body).await)
}

async fn drop_checked(
    state: AppState,
    caller: Caller,
    id: TicketId,
    body: Result<Json<DropBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = body_or_error(body)?;
    caller.must_be(&[Role::Dispatcher, Role::Commander], "dispatch")?;
    let desk = state.desk();
    visible_ticket(&desk, &caller, id).await?;
    let version = required_version(body.version)?;
    let (Some(lon), Some(lat)) = (body.lon, body.lat) else {
        return Err(bad(
            "lon",
            "lon and lat are required".to_owned(),
            "缺少拖放位置经纬度（lon/lat）".to_owned(),
        ));
    };
    if !(lon.is_finite() && lon.abs() <= 180.0 && lat.is_finite() && lat.abs() <= 90.0) {
        return Err(bad(
            "lon",
            format!("lon/lat must be numbers within ±180/±90, got {lon}/{lat}"),
            format!("经纬度须在 ±180/±90 以内，收到 {lon}/{lat}"),
        ));
    }
    let view = state.view();
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
            .ok_or(ApiError::DropOutside)?,
    };
    let grid = grid.as_str();
    let code = GridCode::parse(grid).map_err(|_| ApiError::GridNotFound {
        code: grid.to_owned(),
    })?;
    if view.hierarchy().index_of(&code).is_none() || code.level() == GridLevel::Street {
        return Err(ApiError::GridNotFound {
            code: grid.to_owned(),
        });
    }
    match super::desk::TicketDesk::grid_at_drop(&view, &code, lon, lat) {
        DropCheck::Inside => {}
        DropCheck::Outside => return Err(ApiError::DropOutside),
        DropCheck::Elsewhere(found) => {
            let name = view
                .hierarchy()
                .by_code(&found)
                .map_or_else(|| found.to_string(), |g| g.name.clone());
            return Err(ApiError::DropMismatch {
                expected: code.to_string(),
                found: found.to_string(),
                found_name: name,
            });
        }
    }
    let ticket = desk.ticket(id).await?;
    let dispatch = Command::Dispatch {
        assignment: assignment(&view, code.as_str(), None)?,
    };
    let commands = if ticket.state == TicketState::Reported {
        vec![Command::Register { note: None }, dispatch]
    } else {
        vec![dispatch]
    };
    let at = now();
    let mut answer = respond(
        &state,
        &view,
        desk.act_for(id, version, &commands, &caller.principal, at)
            .await,
        id,
    )
    .await?;
    answer.0["undo_until"] = json!(at + UNDO_WINDOW);
    Ok(answer)
}

/// Starts importing a 12345 work-order file (CSV or XLSX, the raw file as the body).
async fn import_file(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<impl IntoResponse, ApiError> {
    caller.must_be(&[Role::Dispatcher], "import work orders")?;
    if body.is_empty() {
        return Err(bad(
            "body",
            "the uploaded file is empty".to_owned(),
            "上传的文件为空".to_owned(),
        ));
    }
    let file_name = uploaded_file_name(&headers);
    let job = state
        .imports()
        .start(state.desk(), state.view(), body.to_vec(), file_name);
    Ok((StatusCode::ACCEPTED, Json(json!({ "job": job }))))
}

async fn import_progress(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(job): Path<u64>,
) -> Result<Json<Value>, ApiError> {
    caller.must_be(&[Role::Dispatcher], "import work orders")?;
    state
        .imports()
        .progress(job)
        .map(|p| Json(json!(p)))
        .ok_or(ApiError::JobNotFound { job })
}
