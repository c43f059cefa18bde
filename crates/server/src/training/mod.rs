//! Training (issue 17, `docs/api-training.md`): the run of a training server
//! (`binhe-server train`), which plays a scenario on its own database, never a live one. The
//! trainer (the training database's administrator) starts it, changes its speed (1–1000×),
//! pauses and resumes it, injects incidents and ends it; the trainees — dispatchers and
//! commanders with their own accounts on their own terminals — handle what comes as on a real
//! day. The debrief scores each trainee's handling of the scripted requests from the event log.
//! Every control is audited.

pub mod debrief;
pub mod run;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use binhe_api::error::ErrorDetail;
use binhe_api::training::{
    ClockAction, ClockInput, Debrief, IncidentView, InjectInput, MAX_INJECTED_CALLS,
    MAX_INJECTED_MINUTES, OffDutyWorker, RunState, TrainingStatus,
};
use binhe_core::GridLevel;
use binhe_core::access::Role;
use binhe_core::ticket::Channel;
use binhe_core::ticket::intake::IntakeProblem;
use binhe_core::training::clock::{ClockError, ScenarioClock};
use binhe_core::training::scenario::Clock;

use crate::desk::now;
use crate::http::error::{problems_en, problems_zh, with_problems};
use crate::http::extract::Json;
use crate::http::{ApiError, AuditNote, Caller, Refusal};
use crate::places::{find_grid, named};
use run::{ClockChange, ControlError, Injected, Progress};
pub use run::{RunServices, TrainingRun, TrainingSetup};

/// The run, on a training server (set once, at start).
#[derive(Clone, Default)]
pub struct TrainingSlot(Arc<OnceLock<TrainingRun>>);

impl TrainingSlot {
    pub fn set(&self, run: TrainingRun) {
        let _ = self.0.set(run);
    }

    pub fn get(&self) -> Option<&TrainingRun> {
        self.0.get()
    }

    fn run(&self) -> Result<&TrainingRun, TrainingError> {
        self.get().ok_or(TrainingError::NotTraining)
    }
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    TrainingSlot: FromRef<S>,
{
    Router::new()
        .route("/api/training", get(status))
        .route("/api/training/clock", post(control))
        .route("/api/training/incidents", post(inject))
        .route("/api/training/debrief", get(debrief_of))
}

/// Why the training routes refused.
#[derive(Debug, thiserror::Error)]
pub enum TrainingError {
    #[error("this server plays no training run (start one with binhe-server train)")]
    NotTraining,
    #[error("the run is {state}: it cannot {action}")]
    State {
        state: &'static str,
        state_zh: &'static str,
        action: &'static str,
    },
    #[error("{0}")]
    Clock(ClockError),
    #[error("the scenario has no incident {0}")]
    NoIncident(u32),
    #[error("incident {0:?} has begun already: it cannot be brought forward")]
    Begun(String),
    #[error("the incident is not valid: {}", problems_en(.0))]
    Invalid(Vec<IntakeProblem>),
}

impl Refusal for TrainingError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotTraining | Self::NoIncident(_) => StatusCode::NOT_FOUND,
            Self::State { .. } | Self::Begun(_) => StatusCode::CONFLICT,
            Self::Clock(_) | Self::Invalid(_) => StatusCode::BAD_REQUEST,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::NotTraining => "NOT_TRAINING",
            Self::State { .. } => "RUN_STATE",
            Self::Clock(e) => e.code(),
            Self::NoIncident(_) => "INCIDENT_NOT_FOUND",
            Self::Begun(_) => "INCIDENT_BEGUN",
            Self::Invalid(_) => "INCIDENT_INVALID",
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::NotTraining => {
                "本服务器没有进行中的演练（用 binhe-server train 开始）".to_owned()
            }
            Self::State {
                state_zh, action, ..
            } => format!("演练{state_zh}，不能{}", action_zh(action)),
            Self::Clock(e) => e.message_zh(),
            Self::NoIncident(i) => format!("场景中没有第 {} 个事件", i + 1),
            Self::Begun(name) => format!("事件“{name}”已经开始，不能再提前触发"),
            Self::Invalid(problems) => problems_zh(problems),
        }
    }

    fn detail(&self) -> ErrorDetail {
        let detail = ErrorDetail::new(self.code(), self.message_zh(), self.to_string());
        match self {
            Self::Invalid(problems) => with_problems(detail, problems),
            _ => detail,
        }
    }
}

fn action_zh(action: &str) -> &'static str {
    ClockAction::from_code(action).map_or("注入事件", ClockAction::label_zh)
}

/// The run's state as the wire has it.
fn state_of(p: &Progress) -> RunState {
    if p.ended_at.is_some() {
        RunState::Ended
    } else {
        match p.clock.current() {
            None => RunState::Ready,
            Some(c) if c.paused() => RunState::Paused,
            Some(_) => RunState::Running,
        }
    }
}

/// The story's time of day `second` seconds into the shift that starts at `start`.
pub fn clock_text(start: Clock, second: f64) -> String {
    Clock(start.minutes() + (second.max(0.0) / 60.0) as u32).to_string()
}

fn refused_inject(p: &Progress) -> TrainingError {
    let state = state_of(p);
    TrainingError::State {
        state: state.as_str(),
        state_zh: state.label_zh(),
        action: "inject",
    }
}

fn refused(p: &Progress, action: ClockAction) -> TrainingError {
    let state = state_of(p);
    TrainingError::State {
        state: state.as_str(),
        state_zh: state.label_zh(),
        action: action.as_str(),
    }
}

async fn status_of(run: &TrainingRun, trainer: bool) -> TrainingStatus {
    let scenario = run.scenario();
    let view = run.services().grids.view();
    let p = run.progress().await;
    let second = p.second_now(now()).min(run.length());
    let incidents = if trainer {
        let planned = scenario.incidents.iter().map(|i| (i.clone(), false, None));
        let injected = p
            .injected
            .iter()
            .map(|i| (i.planned(scenario.start), true, Some(i.second)));
        planned
            .chain(injected)
            .enumerate()
            .map(|(index, (incident, injected, from))| {
                let brought_forward = !injected && p.injected.iter().any(|i| i.of == Some(index));
                let begins = from.map_or_else(
                    || f64::from((incident.at.minutes() - scenario.start.minutes()) * 60),
                    f64::from,
                );
                IncidentView {
                    index: u32::try_from(index).unwrap_or(u32::MAX),
                    name: incident.name,
                    at: from.map_or_else(
                        || incident.at.to_string(),
                        |s| clock_text(scenario.start, f64::from(s)),
                    ),
                    minutes: incident.minutes,
                    category: incident.category,
                    requests: incident.requests,
                    micro: incident.micro.iter().map(|m| named(&view, m)).collect(),
                    injected,
                    brought_forward,
                    begun: brought_forward || second >= begins,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    TrainingStatus {
        available: true,
        title: scenario.title.clone(),
        description: scenario.description.clone(),
        seed: scenario.seed,
        state: Some(state_of(&p)),
        speed: p.clock.current().map_or(1.0, ScenarioClock::speed),
        second,
        clock: clock_text(scenario.start, second),
        starts: scenario.start.to_string(),
        ends: scenario.end().to_string(),
        length_seconds: scenario.hours * 3600,
        played: u32::try_from(p.played).unwrap_or(u32::MAX),
        total: u32::try_from(p.schedule.len()).unwrap_or(u32::MAX),
        requests_sent: p.requests_sent,
        incidents,
        off_duty: if trainer {
            p.off_duty
                .iter()
                .map(|id| OffDutyWorker {
                    id: id.clone(),
                    name: view
                        .worker(id)
                        .map_or_else(|| id.clone(), |w| w.name.clone()),
                })
                .collect()
        } else {
            Vec::new()
        },
        trainer,
    }
}

/// The trainer is the training database's administrator (a dispatcher is a trainee).
fn is_trainer(caller: &Caller) -> bool {
    caller.principal.role == Role::Administrator
}

/// `GET /api/training`: the run (its timeline's secrets for the trainer only).
async fn status(State(slot): State<TrainingSlot>, caller: Caller) -> Json<TrainingStatus> {
    match slot.get() {
        Some(run) => Json(status_of(run, is_trainer(&caller)).await),
        None => Json(TrainingStatus::default()),
    }
}

/// `POST /api/training/clock`: start, pause, resume, change speed, end.
async fn control(
    State(slot): State<TrainingSlot>,
    caller: Caller,
    Json(input): Json<ClockInput>,
) -> Result<Response, ApiError> {
    caller.must_be(&[Role::Administrator], "control a training run")?;
    let run = slot.run()?;
    let speed = input.speed.unwrap_or(1.0);
    let done = match input.action {
        ClockAction::Start => run.start(speed).await,
        ClockAction::Pause => run.set(ClockChange::Pause).await,
        ClockAction::Resume => run.set(ClockChange::Resume).await,
        ClockAction::Speed => run.set(ClockChange::Speed(speed)).await,
        ClockAction::End => run.end().await,
    };
    if let Err(error) = done {
        return Err(match error {
            ControlError::State => refused(&*run.progress().await, input.action).into(),
            ControlError::Clock(e) => TrainingError::Clock(e).into(),
            ControlError::Store(e) => e.into(),
        });
    }
    let answer = status_of(run, true).await;
    let note = AuditNote::new(&format!("training.{}", input.action.as_str()), run.name()).detail(
        &format!("{} · {}× · {}", answer.title, answer.speed, answer.clock),
    );
    let mut response = Json(answer).into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}

/// `POST /api/training/incidents`: an incident now.
async fn inject(
    State(slot): State<TrainingSlot>,
    caller: Caller,
    Json(input): Json<InjectInput>,
) -> Result<Response, ApiError> {
    caller.must_be(&[Role::Administrator], "inject an incident")?;
    let run = slot.run()?;
    let scenario = run.scenario();
    // Before the start or after the end there is nothing to inject into, whatever was written.
    {
        let p = run.progress().await;
        if matches!(state_of(&p), RunState::Ready | RunState::Ended) {
            return Err(refused_inject(&p).into());
        }
    }
    let incident = if let Some(index) = input.incident {
        let planned = scenario
            .incidents
            .get(index as usize)
            .ok_or(TrainingError::NoIncident(index))?;
        let status = status_of(run, true).await;
        if status
            .incidents
            .get(index as usize)
            .is_some_and(|i| i.begun)
        {
            return Err(TrainingError::Begun(planned.name.clone()).into());
        }
        Injected {
            of: Some(index as usize),
            name: planned.name.clone(),
            micro: planned.micro.clone(),
            category: planned.category.clone(),
            requests: planned.requests,
            minutes: planned.minutes,
            channel: planned.channel,
            description: planned.description.clone(),
            second: 0,
            wall: now(),
        }
    } else {
        new_incident(run, &input)?
    };
    let name = incident.name.clone();
    if let Err(error) = run.inject(incident).await {
        return Err(match error {
            ControlError::State => refused_inject(&*run.progress().await).into(),
            ControlError::Clock(e) => TrainingError::Clock(e).into(),
            ControlError::Store(e) => e.into(),
        });
    }
    let answer = status_of(run, true).await;
    let note =
        AuditNote::new("training.inject", run.name()).detail(&format!("{name} · {}", answer.clock));
    let mut response = (StatusCode::CREATED, Json(answer)).into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}

/// A new incident as the trainer wrote it, every problem named.
fn new_incident(run: &TrainingRun, input: &InjectInput) -> Result<Injected, TrainingError> {
    let view = run.services().grids.view();
    let catalogue = run.services().desk.catalogue();
    let mut problems = Vec::new();
    let name = input.name.trim();
    if name.is_empty() {
        problems.push(IntakeProblem::new(
            "name",
            "REQUIRED",
            "请填写事件名称".to_owned(),
            "The incident needs a name".to_owned(),
        ));
    }
    if input.micro.is_empty() {
        problems.push(IntakeProblem::new(
            "micro",
            "REQUIRED",
            "请至少选择一个微网格".to_owned(),
            "Name at least one micro-grid".to_owned(),
        ));
    }
    let mut micro = Vec::new();
    for text in &input.micro {
        match find_grid(&view, text, GridLevel::Micro) {
            Ok(code) => micro.push(code),
            Err(problem) => problems.push(problem),
        }
    }
    let category = input.category.trim();
    let known = catalogue
        .categories
        .iter()
        .find(|c| c.code == category || c.name_zh == category);
    if category.is_empty() {
        problems.push(IntakeProblem::new(
            "category",
            "REQUIRED",
            "请选择问题类别".to_owned(),
            "Choose a category".to_owned(),
        ));
    } else if known.is_none() {
        problems.push(IntakeProblem::new(
            "category",
            "UNKNOWN_CATEGORY",
            format!("没有“{category}”这个问题类别"),
            format!("No category {category:?}"),
        ));
    }
    let requests = input.requests.unwrap_or(10);
    if !(1..=MAX_INJECTED_CALLS).contains(&requests) {
        problems.push(IntakeProblem::new(
            "requests",
            "OUT_OF_RANGE",
            format!("来电数须为 1–{MAX_INJECTED_CALLS}，不是 {requests}"),
            format!("Calls must be 1–{MAX_INJECTED_CALLS}, not {requests}"),
        ));
    }
    let minutes = input.minutes.unwrap_or(30);
    if !(1..=MAX_INJECTED_MINUTES).contains(&minutes) {
        problems.push(IntakeProblem::new(
            "minutes",
            "OUT_OF_RANGE",
            format!("持续时间须为 1–{MAX_INJECTED_MINUTES} 分钟，不是 {minutes}"),
            format!("Minutes must be 1–{MAX_INJECTED_MINUTES}, not {minutes}"),
        ));
    }
    match known {
        Some(category) if problems.is_empty() => Ok(Injected {
            of: None,
            name: name.to_owned(),
            micro,
            category: category.code.clone(),
            requests,
            minutes,
            channel: input.channel.unwrap_or(Channel::Hotline),
            description: String::new(),
            second: 0,
            wall: now(),
        }),
        _ => Err(TrainingError::Invalid(problems)),
    }
}

/// `GET /api/training/debrief`: the trainer's.
async fn debrief_of(
    State(slot): State<TrainingSlot>,
    caller: Caller,
) -> Result<Json<Debrief>, ApiError> {
    caller.must_be(&[Role::Administrator], "read a training run's debrief")?;
    let run = slot.run()?;
    Ok(Json(debrief::debrief(run).await?))
}
