//! 未诉先办 routes (issue 16): the hotspots of the center's daily analysis or of one asked for
//! now, the month's top problems per community (每月一题), and the micro-grids whose requests
//! rise month on month. The statistics are core's (`binhe_core::hotspots`), the requests the
//! store's; here they are read, run off the async threads, named and scoped to the caller.
//! Contract: docs/api-hotspots.md.

mod analysis;
mod daily;
mod monthly;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use binhe_api::hotspots::{
    HotspotAnswer, HotspotParams, HotspotRun, RunRequest, RunSummary, Trigger,
};
use binhe_core::access::Role;
use binhe_core::hotspots::HotspotError;
use binhe_store::{HotspotRepository, RunTrigger};

use crate::dataset::Grids;
use crate::desk::TicketDesk;
use crate::http::extract::{Json, Query};
use crate::http::{ApiError, AuditNote, Caller, Refusal};
pub use daily::spawn_daily;

/// What the 未诉先办 routes read: the grids (zones, outlines, names, scopes), the requests and
/// the kept analyses, the catalogue for category names, and the one turn analyses take.
#[derive(Clone)]
pub struct HotspotSources {
    pub grids: Grids,
    pub store: Arc<dyn HotspotRepository>,
    pub desk: TicketDesk,
    /// One analysis at a time in this process (each uses every core while it runs).
    pub turn: Arc<tokio::sync::Mutex<()>>,
}

/// Analyses of each trigger kept in the store.
const KEEP_RUNS: u32 = 400;
/// Analyses listed beside the one shown.
const RECENT_RUNS: u32 = 30;

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    HotspotSources: FromRef<S>,
{
    Router::new()
        .route("/api/hotspots", get(shown))
        .route("/api/hotspots/runs", post(run_now))
        .route("/api/hotspots/monthly", get(monthly::top))
        .route("/api/hotspots/rising", get(monthly::rising))
}

/// Why a 未诉先办 route refused.
#[derive(Debug, thiserror::Error)]
pub enum HotspotRequestError {
    #[error("{0}")]
    Analysis(#[from] HotspotError),
    #[error("there is no hotspot analysis {0}")]
    UnknownRun(i64),
    #[error("a kept hotspot analysis cannot be read: {0}")]
    Unreadable(String),
}

impl Refusal for HotspotRequestError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Analysis(_) => StatusCode::BAD_REQUEST,
            Self::UnknownRun(_) => StatusCode::NOT_FOUND,
            Self::Unreadable(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::Analysis(error) => error.code(),
            Self::UnknownRun(_) => "HOTSPOT_RUN_NOT_FOUND",
            Self::Unreadable(_) => "HOTSPOT_RUN_DAMAGED",
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::Analysis(error) => error.message_zh(),
            Self::UnknownRun(id) => format!("没有编号为 {id} 的热点分析"),
            Self::Unreadable(_) => "保存的热点分析已损坏，无法读取".to_owned(),
        }
    }
}

/// Who may read hotspots: the desk and the community commanders (their community's only).
fn may_read(caller: &Caller) -> Result<(), ApiError> {
    caller.must_be(
        &[Role::Dispatcher, Role::Administrator, Role::Commander],
        "read hotspots",
    )?;
    Ok(())
}

fn trigger(kept: RunTrigger) -> Trigger {
    match kept {
        RunTrigger::Daily => Trigger::Daily,
        RunTrigger::OnDemand => Trigger::OnDemand,
    }
}

/// `GET /api/hotspots`: the analysis asked for (`run`), else the newest one.
async fn shown(
    State(sources): State<HotspotSources>,
    caller: Caller,
    Query(params): Query<HotspotParams>,
) -> Result<Json<HotspotAnswer>, ApiError> {
    may_read(&caller)?;
    let kept = match params.run {
        Some(id) => Some(
            sources
                .store
                .hotspot_run(id)
                .await?
                .ok_or(HotspotRequestError::UnknownRun(id))?,
        ),
        None => sources.store.latest_hotspot_run(None).await?,
    };
    let run = kept
        .map(|kept| {
            let mut run: HotspotRun = serde_json::from_str(&kept.run.body)
                .map_err(|e| HotspotRequestError::Unreadable(e.to_string()))?;
            run.id = kept.id;
            Ok::<_, HotspotRequestError>(analysis::scoped(run, &caller))
        })
        .transpose()?;
    let recent = sources
        .store
        .hotspot_runs(RECENT_RUNS)
        .await?
        .into_iter()
        .filter_map(|kept| {
            Some(RunSummary {
                id: kept.id,
                ran_at: kept.run.ran_at,
                trigger: trigger(kept.run.trigger),
                mode: serde_json::from_value(serde_json::Value::String(kept.run.mode)).ok()?,
                analysis_day: kept.run.analysis_day,
                account: kept.run.account,
                significant: kept.run.significant,
            })
        })
        .collect();
    Ok(Json(HotspotAnswer { run, recent }))
}

/// `POST /api/hotspots/runs`: an analysis now (dispatchers and administrators), kept and
/// answered (201).
async fn run_now(
    State(sources): State<HotspotSources>,
    caller: Caller,
    Json(request): Json<RunRequest>,
) -> Result<Response, ApiError> {
    caller.must_be(
        &[Role::Dispatcher, Role::Administrator],
        "run a hotspot analysis",
    )?;
    let settings = analysis::Settings::read(&request, crate::desk::now())?;
    let run = analysis::run_and_keep(
        &sources,
        &settings,
        RunTrigger::OnDemand,
        Some(caller.principal.account.clone()),
    )
    .await?
    .ok_or_else(|| HotspotRequestError::Unreadable("an on-demand run was not kept".to_owned()))?;
    let mut note = AuditNote::new("hotspots.run", &run.id.to_string());
    note.detail = format!(
        "{} {} · {} requests · {} significant",
        settings.mode_code(),
        run.analysis_day,
        run.cases,
        run.hotspots.iter().filter(|h| h.significant).count()
    );
    let run = analysis::scoped(run, &caller);
    let mut response = (StatusCode::CREATED, Json(run)).into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}
