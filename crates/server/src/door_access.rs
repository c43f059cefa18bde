//! Door-access units: what they report (door forced, held open, back to normal) is kept per
//! unit and read as a live feed by its card. Units report through `POST /api/door-access/events`
//! (the access-control system's integration account); the demo street's units report by
//! themselves while the demo feed runs.

use std::time::Duration as StdDuration;

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use binhe_core::access::{AccessError, Role};
use binhe_core::{Device, DeviceKind};
use binhe_store::{DoorEvent, DoorEventKind};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;
const MAX_DETAIL_CHARS: usize = 200;
/// A unit's clock may run this far ahead of the server's.
const CLOCK_SLACK: Duration = Duration::minutes(5);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/door-access/events", post(record))
        .route("/api/door-access/{id}/events", get(events))
}

fn event_json(event: &DoorEvent) -> Value {
    json!({
        "id": event.id,
        "unit": event.unit,
        "at": event.at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "kind": event.kind.as_str(),
        "kind_zh": event.kind.label_zh(),
        "detail": event.detail,
    })
}

/// A door-access unit of the street the caller may see.
fn unit_in_view(state: &AppState, caller: &Caller, id: &str) -> Result<Device, ApiError> {
    let view = state.view();
    let unit = view
        .device(id)
        .filter(|d| d.kind == DeviceKind::DoorAccess)
        .ok_or_else(|| ApiError::DeviceNotFound { id: id.to_owned() })?;
    if !caller.principal.sees_grid(&unit.grid) {
        return Err(AccessError::OutOfScope.into());
    }
    Ok(unit.clone())
}

#[derive(Debug, Deserialize)]
struct EventsQuery {
    after: Option<i64>,
    limit: Option<u32>,
}

/// `GET /api/door-access/{id}/events?after=&limit=`: the unit's events, newest first.
async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(query): Query<EventsQuery>,
) -> Result<Json<Value>, ApiError> {
    let unit = unit_in_view(&state, &caller, &id)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let events = state
        .devices()
        .door_events(&unit.id, query.after.unwrap_or(0), limit)
        .await?;
    Ok(Json(json!({
        "unit": { "id": unit.id, "name": unit.name, "grid": unit.grid },
        "events": events.iter().map(event_json).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
struct Reported {
    unit: String,
    kind: String,
    /// RFC 3339; the server's clock when left out.
    at: Option<String>,
    detail: Option<String>,
}

fn bad(field: &'static str, reason: String, reason_zh: String) -> ApiError {
    ApiError::BadRequest {
        field,
        reason,
        reason_zh,
    }
}

/// `POST /api/door-access/events`: what a unit reports, `{unit, kind, at?, detail?}`.
async fn record(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<Reported>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.must_be(
        &[Role::Dispatcher, Role::Administrator],
        "record door-access events",
    )?;
    let Json(reported) = body.map_err(|rejection| {
        bad(
            "body",
            rejection.body_text(),
            format!("门禁事件内容无效：{}", rejection.body_text()),
        )
    })?;
    let unit = unit_in_view(&state, &caller, reported.unit.trim())?;
    let kind = DoorEventKind::parse(reported.kind.trim()).ok_or_else(|| {
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
        && (detail.chars().count() > MAX_DETAIL_CHARS || detail.chars().any(char::is_control))
    {
        return Err(bad(
            "detail",
            format!("detail has control characters or more than {MAX_DETAIL_CHARS} characters"),
            format!("事件说明过长（最多 {MAX_DETAIL_CHARS} 个字符）或含有控制字符"),
        ));
    }
    let stored = state
        .devices()
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
        Json(json!({ "event": stored.first().map(event_json) })),
    ))
}

/// The demo street's door-access units while the demo feed runs: now and then a door is held
/// open (or, less often, forced) and put right a few minutes later.
pub async fn demo_doors(state: AppState, seed: u64, running: impl Fn() -> bool) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xd00_a11e);
    let mut pending: Vec<(DateTime<Utc>, DoorEvent)> = Vec::new();
    loop {
        tokio::time::sleep(StdDuration::from_secs(rng.random_range(20..90))).await;
        let now = Utc::now();
        let mut due: Vec<DoorEvent> = Vec::new();
        pending.retain(|(when, event)| {
            let ripe = *when <= now;
            if ripe {
                due.push(DoorEvent {
                    at: now,
                    ..event.clone()
                });
            }
            !ripe
        });
        if running() {
            let units: Vec<Device> = state
                .view()
                .dataset
                .devices
                .iter()
                .filter(|d| d.kind == DeviceKind::DoorAccess)
                .cloned()
                .collect();
            if !units.is_empty() {
                let unit = &units[rng.random_range(0..units.len())];
                let forced = rng.random_bool(0.2);
                let door = rng.random_range(1..=2);
                let event = DoorEvent {
                    id: 0,
                    unit: unit.id.clone(),
                    at: now,
                    kind: if forced {
                        DoorEventKind::Forced
                    } else {
                        DoorEventKind::HeldOpen
                    },
                    detail: Some(format!("{door} 号门")),
                };
                let after = Duration::seconds(rng.random_range(60..300));
                pending.push((
                    now + after,
                    DoorEvent {
                        kind: DoorEventKind::Restored,
                        ..event.clone()
                    },
                ));
                due.push(event);
            }
        }
        if let Err(error) = state.devices().record_door_events(&due).await {
            tracing::warn!(%error, "demo door-access events not stored");
        }
    }
}
