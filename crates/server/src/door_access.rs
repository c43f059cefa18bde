//! Door-access units: what they report (door forced, held open, back to normal) is kept per
//! unit and read as a live feed by its card; the alarms of all units in reach are read by the
//! desk's alerts (`/api/door-access/alarms`). Units report through `POST /api/door-access/events`
//! (the access-control system's integration account); the demo street's units report by
//! themselves while the demo feed runs (`crate::demo_feed`).

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use binhe_api::devices::{
    DEFAULT_DOOR_EVENTS, DoorAlarm, DoorAlarms, DoorEventView, DoorEvents, DoorEventsQuery,
    DoorRecorded, DoorReport, DoorUnit, MAX_DOOR_DETAIL_CHARS, MAX_DOOR_EVENTS,
};
use binhe_api::error::code;
use binhe_core::access::{DeviceScope, Role};
use binhe_core::{Device, DeviceKind, DoorEventKind};
use binhe_store::{DeviceRepository, DoorEvent};
use chrono::{DateTime, Duration, Utc};

use crate::dataset::Grids;
use crate::http::extract::{Json, Path, Query, read_body};
use crate::http::{ApiError, Caller, Refusal, RequestError};

/// A unit's clock may run this far ahead of the server's.
const CLOCK_SLACK: Duration = Duration::minutes(5);

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Grids: FromRef<S>,
    Arc<dyn DeviceRepository>: FromRef<S>,
{
    Router::new()
        .route("/api/door-access/events", post(record))
        .route("/api/door-access/alarms", get(alarms))
        .route("/api/door-access/{id}/events", get(events))
}

/// Why the door-access routes refused.
#[derive(Debug, thiserror::Error)]
pub enum DoorError {
    #[error("device {id} does not exist")]
    DeviceNotFound { id: String },
}

impl Refusal for DoorError {
    fn status(&self) -> StatusCode {
        StatusCode::NOT_FOUND
    }

    fn code(&self) -> &str {
        code::DEVICE_NOT_FOUND
    }

    fn message_zh(&self) -> String {
        match self {
            Self::DeviceNotFound { id } => format!("设备 {id} 不存在"),
        }
    }
}

fn event_view(event: &DoorEvent) -> DoorEventView {
    DoorEventView {
        id: event.id,
        unit: event.unit.clone(),
        at: event.at,
        kind: event.kind,
        kind_zh: event.kind.label_zh().to_owned(),
        detail: event.detail.clone(),
    }
}

/// A door-access unit the caller reaches (a grid worker: in their grid; a commander: in their
/// community); one outside their scope is answered as one that does not exist.
fn unit_in_view(grids: &Grids, caller: &Caller, id: &str) -> Result<Device, DoorError> {
    let view = grids.view();
    let scope = view.device_scope(&caller.principal);
    view.device(id)
        .filter(|d| d.kind == DeviceKind::DoorAccess && scope.covers(&d.grid))
        .cloned()
        .ok_or_else(|| DoorError::DeviceNotFound { id: id.to_owned() })
}

/// `GET /api/door-access/{id}/events?after=&limit=`: the unit's events, newest first.
async fn events(
    State(grids): State<Grids>,
    State(devices): State<Arc<dyn DeviceRepository>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<DoorEventsQuery>,
) -> Result<Json<DoorEvents>, ApiError> {
    let unit = unit_in_view(&grids, &caller, &id)?;
    let limit = query
        .limit
        .unwrap_or(DEFAULT_DOOR_EVENTS)
        .clamp(1, MAX_DOOR_EVENTS);
    let events = devices
        .door_events(&unit.id, query.after.unwrap_or(0), limit)
        .await?;
    Ok(Json(DoorEvents {
        unit: DoorUnit {
            id: unit.id,
            name: unit.name,
            grid: unit.grid,
        },
        events: events.iter().map(event_view).collect(),
    }))
}

/// `GET /api/door-access/alarms?after=&limit=`: doors forced or held open, of every unit the
/// caller reaches (a commander: their community's; a worker: their grid's), newest first.
async fn alarms(
    State(grids): State<Grids>,
    State(devices): State<Arc<dyn DeviceRepository>>,
    caller: Caller,
    Query(query): Query<DoorEventsQuery>,
) -> Result<Json<DoorAlarms>, ApiError> {
    let view = grids.view();
    let scope = view.device_scope(&caller.principal);
    let units: Option<Vec<String>> = match scope {
        DeviceScope::Street => None,
        _ => Some(
            view.dataset
                .devices
                .iter()
                .filter(|d| d.kind == DeviceKind::DoorAccess && scope.covers(&d.grid))
                .map(|d| d.id.clone())
                .collect(),
        ),
    };
    let limit = query
        .limit
        .unwrap_or(DEFAULT_DOOR_EVENTS)
        .clamp(1, MAX_DOOR_EVENTS);
    let events = devices
        .door_alarms(units.as_deref(), query.after.unwrap_or(0), limit)
        .await?;
    let alarms = events
        .iter()
        .filter_map(|event| {
            let unit = view.device(&event.unit)?;
            Some(DoorAlarm {
                unit: DoorUnit {
                    id: unit.id.clone(),
                    name: unit.name.clone(),
                    grid: unit.grid.clone(),
                },
                event: event_view(event),
            })
        })
        .collect();
    Ok(Json(DoorAlarms { alarms }))
}

fn bad(field: &'static str, reason: String, reason_zh: String) -> ApiError {
    RequestError::bad(field, reason, reason_zh).into()
}

/// `POST /api/door-access/events`: what a unit reports, `{unit, kind, at?, detail?}`.
async fn record(
    State(grids): State<Grids>,
    State(devices): State<Arc<dyn DeviceRepository>>,
    caller: Caller,
    body: Result<axum::Json<DoorReport>, JsonRejection>,
) -> Result<(StatusCode, Json<DoorRecorded>), ApiError> {
    caller.must_be(
        &[Role::Dispatcher, Role::Administrator],
        "record door-access events",
    )?;
    let reported = read_body(body, "门禁事件内容无效")?;
    let unit = unit_in_view(&grids, &caller, reported.unit.trim())?;
    let kind = DoorEventKind::from_code(reported.kind.trim()).ok_or_else(|| {
        bad(
            "kind",
            format!(
                "kind {:?} is not forced, held_open or restored",
                reported.kind
            ),
            format!(
                "门禁事件类型“{}”无效，应为 forced（强行开门）、held_open（长时间未关）或 restored（已恢复）",
                reported.kind
            ),
        )
    })?;
    let now = Utc::now();
    let at = match reported.at.as_deref() {
        None => now,
        Some(text) => DateTime::parse_from_rfc3339(text.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                bad(
                    "at",
                    format!("at {text:?} is not an RFC 3339 time: {e}"),
                    format!(
                        "事件时间“{text}”无效，应为 RFC 3339 格式，例如 2026-11-28T21:05:00+08:00"
                    ),
                )
            })?,
    };
    if at > now + CLOCK_SLACK {
        return Err(bad(
            "at",
            format!("at {at} lies in the future"),
            "事件时间晚于当前时间，请检查门禁设备的时钟".to_owned(),
        ));
    }
    let detail = reported
        .detail
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if let Some(detail) = detail
        && (detail.chars().count() > MAX_DOOR_DETAIL_CHARS || detail.chars().any(char::is_control))
    {
        return Err(bad(
            "detail",
            format!(
                "detail has control characters or more than {MAX_DOOR_DETAIL_CHARS} characters"
            ),
            format!("事件说明过长（最多 {MAX_DOOR_DETAIL_CHARS} 个字符）或含有控制字符"),
        ));
    }
    let stored = devices
        .record_door_events(&[DoorEvent {
            id: 0,
            unit: unit.id,
            at,
            kind,
            detail: detail.map(str::to_owned),
        }])
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(DoorRecorded {
            event: stored.first().map(event_view),
        }),
    ))
}
