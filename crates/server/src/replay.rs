//! Replay (issue 17, `docs/api-replay.md`): any recorded stretch of the street read back from
//! the append-only event log — the tickets open when it begins, as they stood then, and every
//! event after, in log order — for a live street and a training run alike. A commander replays
//! their own community; dispatchers and administrators the street; a grid worker none.

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use binhe_api::replay::{MAX_REPLAY_DAYS, MAX_REPLAY_STEPS, Replay, ReplayQuery};
use binhe_core::access::Role;
use binhe_core::ticket::intake::parse_time;
use binhe_core::ticket::replay::{Scene, Step};
use chrono::{DateTime, Duration, Utc};

use crate::dataset::Grids;
use crate::desk::TicketDesk;
use crate::http::extract::{Json, Query};
use crate::http::{ApiError, Caller, Refusal};
use crate::places::held_to;

/// Most events read to rebuild where a replay starts (the open tickets' past).
const MAX_HISTORY_EVENTS: u32 = 500_000;

/// What the replay route reads.
#[derive(Clone)]
pub struct ReplaySources {
    pub grids: Grids,
    pub desk: TicketDesk,
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    ReplaySources: FromRef<S>,
{
    Router::new().route("/api/replay", axum::routing::get(replay))
}

/// Why a replay was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("{field} is not a time: {text:?} (RFC 3339, or YYYY-MM-DD HH:MM in Beijing time)")]
    Time { field: &'static str, text: String },
    #[error("until must come after from, within {MAX_REPLAY_DAYS} days")]
    Window,
}

impl Refusal for ReplayError {
    fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn code(&self) -> &str {
        match self {
            Self::Time { .. } => "INVALID_TIME",
            Self::Window => "REPLAY_WINDOW",
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::Time { field, text } => {
                format!("{field} 不是时间：“{text}”（如 2026-12-03 08:00，北京时间）")
            }
            Self::Window => format!("结束时间须晚于开始时间，且相隔不超过 {MAX_REPLAY_DAYS} 天"),
        }
    }

    fn detail(&self) -> binhe_api::error::ErrorDetail {
        let mut detail =
            binhe_api::error::ErrorDetail::new(self.code(), self.message_zh(), self.to_string());
        detail.field = Some(match self {
            Self::Time { field, .. } => (*field).to_owned(),
            Self::Window => "until".to_owned(),
        });
        detail
    }
}

fn instant(field: &'static str, text: Option<&str>) -> Result<DateTime<Utc>, ReplayError> {
    let text = text.unwrap_or_default();
    parse_time(text).ok_or_else(|| ReplayError::Time {
        field,
        text: text.to_owned(),
    })
}

/// `GET /api/replay?from=&until=`.
async fn replay(
    State(sources): State<ReplaySources>,
    caller: Caller,
    Query(query): Query<ReplayQuery>,
) -> Result<Json<Replay>, ApiError> {
    caller.must_be(
        &[Role::Dispatcher, Role::Commander, Role::Administrator],
        "replay the street",
    )?;
    let from = instant("from", query.from.as_deref())?;
    let until = instant("until", query.until.as_deref())?;
    if until <= from || until - from > Duration::days(MAX_REPLAY_DAYS) {
        return Err(ReplayError::Window.into());
    }
    let view = sources.grids.view();
    let community = held_to(&caller, &view)?.map(|c| c.to_string());
    let store = sources.desk.store();
    let mut scene = Scene::default();
    for stored in store
        .history_before(from, community.as_deref(), MAX_HISTORY_EVENTS)
        .await?
    {
        scene.apply(&Step::of(stored.id, &stored.event));
    }
    let mut steps: Vec<Step> = store
        .events_between(from, until, community.as_deref(), MAX_REPLAY_STEPS + 1)
        .await?
        .iter()
        .map(|stored| Step::of(stored.id, &stored.event))
        .collect();
    let truncated = steps.len() > MAX_REPLAY_STEPS as usize;
    steps.truncate(MAX_REPLAY_STEPS as usize);
    Ok(Json(Replay {
        from,
        until,
        start: scene.open().cloned().collect(),
        steps,
        truncated,
    }))
}
