//! A training run (`docs/api-training.md`, issue 17): a scenario played on a training server's
//! own database (`binhe-server train`), its clock and incidents in the trainer's hands, and the
//! debrief — each trainee's handling of the scripted requests, scored.
//!
//! Everyone signed in to a training server reads the run's state (the trainees see the story's
//! clock); only the trainer (the training database's administrator) sees what is still to come,
//! controls the clock, injects incidents and reads the debrief.

use binhe_core::access::Role;
use binhe_core::ticket::{Channel, TicketId};
use binhe_core::training::Escalation;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::grids::NamedGrid;

/// Most calls one injected incident may send.
pub const MAX_INJECTED_CALLS: u32 = 200;
/// Longest an injected incident may last, minutes.
pub const MAX_INJECTED_MINUTES: u32 = 240;

binhe_core::labelled! {
    /// Where a training run stands.
    pub enum RunState {
        Ready = "ready", "未开始", "Not started";
        Running = "running", "进行中", "Running";
        Paused = "paused", "已暂停", "Paused";
        Ended = "ended", "已结束", "Ended";
    }
}

binhe_core::labelled! {
    /// What the trainer does with the run's clock.
    pub enum ClockAction {
        Start = "start", "开始", "Start";
        Pause = "pause", "暂停", "Pause";
        Resume = "resume", "继续", "Resume";
        Speed = "speed", "调整倍速", "Change speed";
        End = "end", "结束", "End";
    }
}

/// `GET /api/training`: the run as the caller may see it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingStatus {
    /// False on a server that is not a training server (every other field empty).
    pub available: bool,
    pub title: String,
    pub description: String,
    pub seed: u64,
    pub state: Option<RunState>,
    /// 1–1000: scenario seconds per wall second.
    pub speed: f64,
    /// Scenario seconds since the shift's start.
    pub second: f64,
    /// The story's time of day now, the shift's start and its end (`HH:MM`; past midnight the
    /// next day's, as `02:00`).
    pub clock: String,
    pub starts: String,
    pub ends: String,
    pub length_seconds: u32,
    /// Moments of the timeline played, and in all (requests, device events, duty changes).
    pub played: u32,
    pub total: u32,
    /// Requests sent into the street so far.
    pub requests_sent: u32,
    /// The trainer's only: the scenario's incidents (and those injected), whether under way.
    pub incidents: Vec<IncidentView>,
    /// The trainer's only: workers off duty now.
    pub off_duty: Vec<OffDutyWorker>,
    /// The trainer's only: true when the caller may control the run.
    pub trainer: bool,
}

/// An incident of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentView {
    pub index: u32,
    pub name: String,
    /// When it comes in the scenario (`HH:MM`), or when it was injected.
    pub at: String,
    pub minutes: u32,
    pub category: String,
    pub requests: u32,
    pub micro: Vec<NamedGrid>,
    /// Injected by the trainer while the run played.
    pub injected: bool,
    /// One of the scenario's, brought forward by the trainer (it comes no more at its time).
    pub brought_forward: bool,
    /// Its calls have begun to come.
    pub begun: bool,
}

/// A worker off duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffDutyWorker {
    pub id: String,
    pub name: String,
}

/// `POST /api/training/clock`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockInput {
    pub action: ClockAction,
    /// With `start` (default 1) and `speed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
}

/// `POST /api/training/incidents`: one of the scenario's incidents now (`incident`), or a new
/// one (name, micro-grids by code or unique name, category code, calls, minutes). It starts at
/// once and its calls come over its minutes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InjectInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<u32>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub micro: Vec<String>,
    #[serde(default)]
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
}

/// `GET /api/training/debrief`: the run told after (or while) it played.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Debrief {
    pub title: String,
    pub seed: u64,
    pub state: RunState,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub starts: String,
    pub ends: String,
    /// Scenario seconds played.
    pub played_seconds: f64,
    pub requests_sent: u32,
    pub scripted: Vec<ScriptedView>,
    /// What happened when, in the story's time: scripted requests, incidents, device events,
    /// duty changes, the trainer's clock changes and injections.
    pub timeline: Vec<DebriefMoment>,
    pub trainees: Vec<TraineeResult>,
}

/// A scripted request and what was expected of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptedView {
    pub index: u32,
    /// `HH:MM` in the story.
    pub at: String,
    pub channel: Channel,
    pub category: String,
    pub description: String,
    pub micro: NamedGrid,
    pub expect_grid: NamedGrid,
    pub escalate: Escalation,
    pub dispatch_within: u32,
    /// Its ticket, once it arrived.
    pub ticket: Option<TicketId>,
    /// Scenario seconds from the shift's start to its arrival, and to the moment a worker began
    /// handling it on site (later while the worker was off duty).
    pub arrived: Option<u32>,
    pub handling_started: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DebriefMoment {
    pub second: u32,
    pub clock: String,
    pub text_zh: String,
    pub text_en: String,
}

/// One trainee's run: their account, the scripted requests that were theirs to handle (all of
/// them for a dispatcher, those of their own community for a commander) and their score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraineeResult {
    pub login: String,
    pub name: String,
    pub role: Role,
    pub community: Option<NamedGrid>,
    pub summary: ScoreView,
    pub requests: Vec<RequestResult>,
}

/// `binhe_core::training::score::Summary` on the wire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreView {
    pub scripted: u32,
    pub dispatched: u32,
    pub right_grid: u32,
    pub right_escalation: u32,
    pub in_time: u32,
    pub conflicts: u32,
    pub median_register_seconds: Option<u32>,
    pub median_dispatch_seconds: Option<u32>,
    /// 0–100.
    pub score: f64,
}

/// One scripted request as one trainee handled it.
#[allow(
    clippy::struct_excessive_bools,
    reason = "the verdict's independent parts, as the debrief shows them"
)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestResult {
    pub index: u32,
    pub ticket: Option<TicketId>,
    /// Scenario seconds from its arrival.
    pub registered_after: Option<u32>,
    pub dispatched_after: Option<u32>,
    pub assigned_to: Option<NamedGrid>,
    pub escalated: Escalation,
    pub delegated: bool,
    pub right_grid: bool,
    pub right_escalation: bool,
    pub in_time: bool,
    /// Of 100.
    pub points: u32,
}
