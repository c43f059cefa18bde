//! A training run as it plays: the scenario's schedule (its timeline, with the incidents the
//! trainer injects merged in) against the trainer's clock, every request through the same intake
//! as a real one, camera alerts and door alarms from the scenario's devices, and simulated grid
//! workers who pick up what is handed to them and report back in the story's time — except
//! while they are off duty, when it waits.
//!
//! Ticket events carry wall time; the clock's every setting is kept ([`ClockLog`]), so any
//! instant of the run reads back as the story's second, after a restart too. The run's progress
//! (moments played, scripted requests and their tickets) is kept with each step, so a
//! restarted training server goes on, paused, where it stood.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use binhe_core::GridCode;
use binhe_core::ticket::demo_feed::{Staged, TicketGenerator};
use binhe_core::ticket::intake::IntakeRequest;
use binhe_core::ticket::lifecycle::Command;
use binhe_core::ticket::{Actor, ActorRole, Channel, Outcome, TicketId};
use binhe_core::training::clock::{ClockError, ClockLog, ScenarioClock};
use binhe_core::training::scenario::{Clock, PlannedIncident, Scenario, Street, read};
use binhe_core::training::timeline::{Happening, Moment, injected_calls, timeline};
use binhe_core::{DeviceKind, DoorEventKind};
use binhe_store::{
    AccountRepository, Arrival, DeviceRepository, DoorEvent, StoreError, TrainingRecord,
    TrainingRepository,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, MutexGuard, watch};

use crate::dataset::{GridView, Grids};
use crate::desk::alerts::take_picture;
use crate::desk::{IntakeOutcome, Repeats, TicketDesk, now};
use crate::gateway::Gateway;

/// A simulated worker picks an order up this long after it reached them (story seconds), and
/// reports it solved this long after that.
const PICK_UP_SECONDS: f64 = 10.0 * 60.0;
const REPORT_SECONDS: f64 = 30.0 * 60.0;

/// What a training server's run plays with.
#[derive(Clone)]
pub struct RunServices {
    pub desk: TicketDesk,
    pub grids: Grids,
    pub gateway: Gateway,
    pub devices: Arc<dyn DeviceRepository>,
    pub store: Arc<dyn TrainingRepository>,
    pub accounts: Arc<dyn AccountRepository>,
}

/// The scenario a training server is started with: its file name and text.
#[derive(Debug, Clone)]
pub struct TrainingSetup {
    pub name: String,
    pub text: String,
}

/// Why a training run could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    Scenario(String),
    #[error(
        "这不是演练数据库：其中已有工单，演练只在自己的新数据库上进行 / not a training database: it \
         holds tickets, and a training run plays only on a new database of its own"
    )]
    LiveDatabase,
    #[error(
        "此演练数据库演练的是“{0}”，不是这个场景；请用新的数据库文件 / this training database plays \
         {0:?}, not this scenario; use a new database file"
    )]
    OtherScenario(String),
    #[error("演练记录不可读 / the training record cannot be read: {0}")]
    Record(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An incident the trainer sent while the run played: one of the scenario's brought forward
/// (`of`), or a new one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Injected {
    pub of: Option<usize>,
    pub name: String,
    pub micro: Vec<GridCode>,
    pub category: String,
    pub requests: u32,
    pub minutes: u32,
    pub channel: Channel,
    pub description: String,
    /// The story's second it began at, and the wall instant.
    pub second: u32,
    pub wall: DateTime<Utc>,
}

impl Injected {
    pub fn planned(&self, start: Clock) -> PlannedIncident {
        PlannedIncident {
            name: self.name.clone(),
            at: Clock(start.minutes() + self.second / 60),
            minutes: self.minutes,
            micro: self.micro.clone(),
            category: self.category.clone(),
            requests: self.requests,
            channel: self.channel,
            description: self.description.clone(),
        }
    }
}

/// Where the run stands (behind [`TrainingRun::progress`]).
pub struct Progress {
    pub clock: ClockLog,
    pub ended_at: Option<DateTime<Utc>>,
    /// The scenario's moments and the injected incidents' calls, in order of time.
    pub schedule: Vec<Moment>,
    pub played: usize,
    /// The story's second the run last stood at when it was kept.
    pub second: f64,
    pub injected: Vec<Injected>,
    pub off_duty: BTreeSet<String>,
    pub requests_sent: u32,
    pub created_at: DateTime<Utc>,
    generator: TicketGenerator,
}

impl Progress {
    /// The story's second now.
    pub fn second_now(&self, wall: DateTime<Utc>) -> f64 {
        if self.ended_at.is_some() {
            return self.second;
        }
        self.clock
            .current()
            .map_or(self.second, |c| c.second_at(wall).max(self.second))
    }

    pub fn running(&self) -> bool {
        self.ended_at.is_none() && self.clock.current().is_some_and(|c| !c.paused())
    }
}

struct Inner {
    name: String,
    text: String,
    scenario: Scenario,
    services: RunServices,
    progress: Mutex<Progress>,
    /// Conflicts counted before this process started (the desk counts those since).
    conflicts_before: BTreeMap<String, u32>,
    /// Bumped at every change of the clock or the schedule: waiting tasks look again.
    changed: watch::Sender<u64>,
}

/// The run of a training server.
#[derive(Clone)]
pub struct TrainingRun {
    inner: Arc<Inner>,
}

/// The schedule of `scenario` with the injected incidents merged in (each of the scenario's
/// incidents brought forward no longer comes at its planned time).
fn schedule_of(scenario: &Scenario, injected: &[Injected]) -> Vec<Moment> {
    let mut moments = timeline(scenario);
    for (k, incident) in injected.iter().enumerate() {
        if let Some(of) = incident.of {
            // Its planned calls still to come when it was brought forward no longer come.
            moments.retain(|m| {
                let planned =
                    matches!(m.happening, Happening::IncidentCall { incident: i, .. } if i == of);
                !(planned && m.second > incident.second)
            });
        }
        let index = scenario.incidents.len() + k;
        moments.extend(injected_calls(
            scenario.seed ^ (index as u64 + 1),
            index,
            &incident.planned(scenario.start),
            incident.second,
        ));
    }
    // Stable: the scenario's own moments first among equal seconds, then injections in order.
    moments.sort_by_key(|m| m.second);
    moments
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("run records serialise")
}

impl TrainingRun {
    /// Opens the run of a training database for `setup`: a new database becomes a training
    /// database (refused when it holds tickets: never a live one); one that holds this
    /// scenario's run goes on where it stood, paused.
    pub async fn open(services: RunServices, setup: TrainingSetup) -> Result<Self, OpenError> {
        let view = services.grids.view();
        let catalogue = services.desk.catalogue();
        let street = Street {
            hierarchy: view.hierarchy(),
            catalogue: &catalogue,
            workers: &view.dataset.workers,
            devices: &view.dataset.devices,
        };
        let scenario = read(&setup.text, street).map_err(|problems| {
            OpenError::Scenario(
                problems
                    .iter()
                    .map(|p| {
                        format!(
                            "{}:{}: {} {} / {}",
                            setup.name, p.line, p.field, p.message_zh, p.message_en
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })?;
        let kept = services.store.training_run().await?;
        let record = if let Some(record) = kept {
            if record.scenario != setup.text {
                return Err(OpenError::OtherScenario(record.name));
            }
            record
        } else {
            let (_, tickets) = services
                .desk
                .store()
                .list(&binhe_store::TicketFilter {
                    limit: 1,
                    ..binhe_store::TicketFilter::default()
                })
                .await?;
            if tickets > 0 {
                return Err(OpenError::LiveDatabase);
            }
            let record = TrainingRecord {
                name: setup.name.clone(),
                scenario: setup.text.clone(),
                created_at: now(),
                clock: json(&ClockLog::default()),
                injected: "[]".to_owned(),
                conflicts: "{}".to_owned(),
                played: 0,
                second: 0.0,
                requests_sent: 0,
                ended_at: None,
            };
            services.store.save_training_run(&record).await?;
            record
        };
        let bad = |e: serde_json::Error| OpenError::Record(e.to_string());
        let mut clock: ClockLog = serde_json::from_str(&record.clock).map_err(bad)?;
        let injected: Vec<Injected> = serde_json::from_str(&record.injected).map_err(bad)?;
        let conflicts_before: BTreeMap<String, u32> =
            serde_json::from_str(&record.conflicts).map_err(bad)?;
        // A run stopped while it played goes on paused where it was kept: what came after
        // was not played.
        if record.ended_at.is_none()
            && let Some(current) = clock.current().copied()
            && !current.paused()
        {
            clock.push(shifted(current, record.second, now()));
        }
        let schedule = schedule_of(&scenario, &injected);
        let played = (record.played as usize).min(schedule.len());
        let mut off_duty = BTreeSet::new();
        for moment in &schedule[..played] {
            match &moment.happening {
                Happening::OffDuty { worker } => {
                    off_duty.insert(worker.clone());
                }
                Happening::BackOnDuty { worker } => {
                    off_duty.remove(worker);
                }
                _ => {}
            }
        }
        let generator = TicketGenerator::new(scenario.seed, view.hierarchy(), &catalogue);
        let (changed, _) = watch::channel(0);
        let run = Self {
            inner: Arc::new(Inner {
                name: record.name.clone(),
                text: setup.text,
                scenario,
                services,
                progress: Mutex::new(Progress {
                    clock,
                    ended_at: record.ended_at,
                    schedule,
                    played,
                    second: record.second,
                    injected,
                    off_duty,
                    requests_sent: record.requests_sent,
                    created_at: record.created_at,
                    generator,
                }),
                conflicts_before,
                changed,
            }),
        };
        Ok(run)
    }

    /// Starts the player and the simulated workers in the background.
    pub fn spawn(&self) -> Vec<tokio::task::JoinHandle<()>> {
        vec![
            tokio::spawn(self.clone().play()),
            tokio::spawn(self.clone().simulate_workers()),
        ]
    }

    pub fn scenario(&self) -> &Scenario {
        &self.inner.scenario
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    pub fn services(&self) -> &RunServices {
        &self.inner.services
    }

    pub async fn progress(&self) -> MutexGuard<'_, Progress> {
        self.inner.progress.lock().await
    }

    /// The story's length in seconds.
    pub fn length(&self) -> f64 {
        f64::from(self.inner.scenario.hours * 3600)
    }

    /// Steps refused per account over the whole run because another changed the ticket first.
    pub fn conflicts(&self) -> BTreeMap<String, u32> {
        let mut all = self.inner.conflicts_before.clone();
        for (account, count) in self.inner.services.desk.conflicts() {
            *all.entry(account).or_default() += count;
        }
        all
    }

    fn touch(&self) {
        self.inner.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Keeps the run as it stands (with the scripted requests that just arrived).
    async fn keep(&self, p: &Progress, arrivals: &[Arrival]) -> Result<(), StoreError> {
        let record = TrainingRecord {
            name: self.inner.name.clone(),
            scenario: self.inner.text.clone(),
            created_at: p.created_at,
            clock: json(&p.clock),
            injected: json(&p.injected),
            conflicts: json(&self.conflicts()),
            played: u32::try_from(p.played).unwrap_or(u32::MAX),
            second: p.second,
            requests_sent: p.requests_sent,
            ended_at: p.ended_at,
        };
        self.inner
            .services
            .store
            .record_progress(&record, arrivals)
            .await
    }

    /// Starts the clock at `speed` (once).
    pub async fn start(&self, speed: f64) -> Result<(), ControlError> {
        let mut p = self.progress().await;
        if p.ended_at.is_some() || p.clock.current().is_some() {
            return Err(ControlError::State);
        }
        p.clock.push(ScenarioClock::start(now(), speed)?);
        self.keep(&p, &[]).await?;
        drop(p);
        self.touch();
        Ok(())
    }

    /// Pauses, resumes or changes the speed; answered once nothing started before it is still
    /// under way (the player and the workers act under the same lock).
    pub async fn set(&self, change: ClockChange) -> Result<(), ControlError> {
        let mut p = self.progress().await;
        let Some(mut clock) = p.clock.current().copied() else {
            return Err(ControlError::State);
        };
        if p.ended_at.is_some() {
            return Err(ControlError::State);
        }
        let wall = now();
        match change {
            ClockChange::Pause if !clock.paused() => clock.pause(wall),
            ClockChange::Resume if clock.paused() => clock.resume(wall),
            ClockChange::Speed(speed) => clock.set_speed(wall, speed)?,
            ClockChange::Pause | ClockChange::Resume => return Err(ControlError::State),
        }
        p.second = p.second.max(clock.second_at(wall));
        p.clock.push(clock);
        self.keep(&p, &[]).await?;
        drop(p);
        self.touch();
        Ok(())
    }

    /// Ends the run now (what was still to come does not come).
    pub async fn end(&self) -> Result<(), ControlError> {
        let mut p = self.progress().await;
        if p.ended_at.is_some() {
            return Err(ControlError::State);
        }
        self.finish(&mut p).await?;
        drop(p);
        self.touch();
        Ok(())
    }

    async fn finish(&self, p: &mut Progress) -> Result<(), StoreError> {
        let wall = now();
        p.second = p.second_now(wall).min(self.length());
        if let Some(mut clock) = p.clock.current().copied() {
            clock.pause(wall);
            p.clock.push(clock);
        }
        p.ended_at = Some(wall);
        self.keep(p, &[]).await
    }

    /// Sends an incident now: its calls come over its minutes from its micro-grids.
    pub async fn inject(&self, mut incident: Injected) -> Result<(), ControlError> {
        let mut p = self.progress().await;
        if p.ended_at.is_some() || p.clock.current().is_none() {
            return Err(ControlError::State);
        }
        let wall = now();
        incident.second = p.second_now(wall).ceil() as u32;
        incident.wall = wall;
        p.injected.push(incident);
        // Laid out again: the moments played stay first, as they were (every new call comes
        // after them).
        p.schedule = schedule_of(&self.inner.scenario, &p.injected);
        self.keep(&p, &[]).await?;
        drop(p);
        self.touch();
        Ok(())
    }

    /// Waits until the story reaches `second`; false when the run ended first.
    async fn until(&self, second: f64) -> bool {
        self.wait(second, false).await
    }

    /// Waits until the story reaches `second` or, with `or_change`, the clock or the schedule
    /// changes; false when the run ended first.
    async fn wait(&self, second: f64, or_change: bool) -> bool {
        let mut changed = self.inner.changed.subscribe();
        loop {
            let wait = {
                let p = self.progress().await;
                if p.ended_at.is_some() {
                    return false;
                }
                match p.clock.current() {
                    Some(clock) if !clock.paused() => {
                        let wall = now();
                        if clock.second_at(wall) >= second {
                            return true;
                        }
                        clock
                            .wall_at(second)
                            .and_then(|at| (at - wall).to_std().ok())
                    }
                    _ => None,
                }
            };
            let changed_now = if let Some(wait) = wait {
                tokio::select! {
                    () = tokio::time::sleep(wait) => false,
                    _ = changed.changed() => true,
                }
            } else {
                if changed.changed().await.is_err() {
                    return false;
                }
                true
            };
            if changed_now && or_change {
                return true;
            }
        }
    }

    /// Plays the schedule against the clock until the shift ends or the trainer ends it.
    async fn play(self) {
        loop {
            let next = {
                let p = self.progress().await;
                if p.ended_at.is_some() {
                    return;
                }
                // Nothing past the shift's end comes (an injected incident's late calls).
                p.schedule
                    .get(p.played)
                    .map_or(self.length(), |m| f64::from(m.second).min(self.length()))
            };
            if !self.wait(next, true).await {
                return;
            }
            let mut p = self.progress().await;
            if let Err(error) = self.play_due(&mut p).await {
                tracing::warn!(%error, "training run: a moment could not be played");
            }
        }
    }

    /// Plays every moment due by now (under the lock, so a pause waits for it).
    async fn play_due(&self, p: &mut Progress) -> Result<(), StoreError> {
        if !p.running() {
            return Ok(());
        }
        let wall = now();
        let second = p.second_now(wall);
        let mut arrivals = Vec::new();
        let view = self.inner.services.grids.view();
        while let Some(moment) = p.schedule.get(p.played).cloned() {
            if f64::from(moment.second) > second {
                break;
            }
            if let Some(ticket) = self.happen(p, &view, &moment.happening).await
                && let Happening::Scripted { request } = moment.happening
            {
                arrivals.push(Arrival {
                    scripted: u32::try_from(request).unwrap_or(u32::MAX),
                    ticket_id: ticket,
                    second,
                });
            }
            p.played += 1;
        }
        p.second = second.min(self.length());
        if second >= self.length() {
            self.keep(p, &arrivals).await?;
            self.finish(p).await?;
            self.touch();
            return Ok(());
        }
        self.keep(p, &arrivals).await
    }

    /// One moment: a request taken in (its ticket, when it made one), a door alarm kept, a
    /// worker off or back on duty.
    async fn happen(
        &self,
        p: &mut Progress,
        view: &Arc<GridView>,
        happening: &Happening,
    ) -> Option<TicketId> {
        let scenario = &self.inner.scenario;
        let services = &self.inner.services;
        let at = now();
        let mut camera = None;
        let request = match happening {
            Happening::Background { category } => p.generator.staged(
                at,
                &Staged {
                    category,
                    ..Staged::default()
                },
            ),
            Happening::IncidentCall { incident, micro } => {
                let planned = scenario.incidents.get(*incident).cloned().or_else(|| {
                    p.injected
                        .get(incident - scenario.incidents.len())
                        .map(|i| i.planned(scenario.start))
                })?;
                p.generator.staged(
                    at,
                    &Staged {
                        category: &planned.category,
                        place: Some(micro),
                        channel: Some(planned.channel),
                        description: Some(planned.description.as_str()).filter(|d| !d.is_empty()),
                        urgency: None,
                    },
                )
            }
            Happening::Scripted { request } => {
                let r = scenario.requests.get(*request)?;
                p.generator.staged(
                    at,
                    &Staged {
                        category: &r.category,
                        place: Some(&r.micro),
                        channel: Some(r.channel),
                        description: Some(&r.description),
                        urgency: Some(r.urgency),
                    },
                )
            }
            Happening::Device { event } => {
                let e = scenario.events.get(*event)?;
                let device = view.device(&e.device)?;
                if let (DeviceKind::Camera, Some(category)) = (e.kind, &e.category) {
                    camera = Some(device.clone());
                    Some(IntakeRequest {
                        channel: Some(Channel::Camera.as_str().to_owned()),
                        category: Some(category.clone()),
                        description: Some(format!("视频监控告警：{}", e.note)),
                        lon: Some(device.lon),
                        lat: Some(device.lat),
                        source_ref: Some(device.id.clone()),
                        ..IntakeRequest::default()
                    })
                } else {
                    let alarm = DoorEvent {
                        id: 0,
                        unit: device.id.clone(),
                        at,
                        kind: e.door.unwrap_or(DoorEventKind::HeldOpen),
                        detail: Some(e.note.clone()).filter(|n| !n.is_empty()),
                    };
                    if let Err(error) = services.devices.record_door_events(&[alarm]).await {
                        tracing::warn!(%error, "training door alarm not kept");
                    }
                    None
                }
            }
            Happening::OffDuty { worker } => {
                p.off_duty.insert(worker.clone());
                None
            }
            Happening::BackOnDuty { worker } => {
                p.off_duty.remove(worker);
                self.touch();
                None
            }
        };
        let mut request = request?;
        if let Some(camera) = &camera {
            request.snapshot =
                take_picture(&services.gateway, services.devices.as_ref(), camera).await;
        }
        // A scripted request is the trainees' to handle: never merged away unasked.
        let repeats = if matches!(happening, Happening::Scripted { .. }) {
            Repeats::Flag
        } else {
            Repeats::Merge
        };
        match services
            .desk
            .intake_as(std::slice::from_ref(&request), view, at, repeats)
            .await
        {
            Ok(outcomes) => {
                p.requests_sent += 1;
                match outcomes.into_iter().next() {
                    Some(IntakeOutcome::Created { ticket, .. }) => Some(ticket.id),
                    Some(IntakeOutcome::Existing { id }) => Some(id),
                    Some(IntakeOutcome::Rejected { problems }) => {
                        tracing::warn!(?problems, "training request refused by the intake");
                        None
                    }
                    None => None,
                }
            }
            Err(error) => {
                tracing::warn!(%error, "training request not stored");
                None
            }
        }
    }

    /// Simulated grid workers: an order handed to a grid's worker by a trainee is picked up
    /// ([`PICK_UP_SECONDS`] of the story later, once the worker is on duty) and reported
    /// solved ([`REPORT_SECONDS`] later), unless someone acted on the ticket meanwhile.
    async fn simulate_workers(self) {
        let mut live = self.inner.services.desk.subscribe();
        loop {
            let stored = match live.recv().await {
                Ok(stored) => stored,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            let handed_over = matches!(
                stored.event.change.kind(),
                "dispatched" | "delegated" | "escalated"
            );
            if !handed_over || stored.event.actor.role == ActorRole::Worker {
                continue;
            }
            let (id, version) = (stored.event.ticket_id, stored.event.version);
            tokio::spawn(self.clone().answer(id, version));
        }
    }

    async fn answer(self, id: TicketId, version: u32) {
        let desk = &self.inner.services.desk;
        let from = self.progress().await.second_now(now());
        if !self.until(from + PICK_UP_SECONDS).await {
            return;
        }
        let (worker, ticket_version) = loop {
            let Ok(ticket) = desk.ticket(id).await else {
                return;
            };
            if ticket.version != version {
                return;
            }
            let Some(assignment) = ticket.assignment.clone().filter(|a| a.grid.is_some()) else {
                return;
            };
            let Some(worker_id) = assignment.worker_id.clone() else {
                // Nobody to pick it up: the grid's commander must act.
                return;
            };
            let off = self.progress().await.off_duty.contains(&worker_id);
            if off {
                // What is handed to a worker off duty waits until they are back.
                let second = self.progress().await.second_now(now());
                if !self.until(second + 60.0).await {
                    return;
                }
                continue;
            }
            break (
                Actor {
                    id: worker_id,
                    name: assignment
                        .worker_name
                        .clone()
                        .unwrap_or_else(|| format!("{}网格员", assignment.grid_name)),
                    role: ActorRole::Worker,
                },
                ticket.version,
            );
        };
        let picked = {
            let p = self.progress().await;
            if !p.running() {
                return;
            }
            let ticket = desk.ticket(id).await.ok();
            let mut commands = vec![Command::Start];
            if ticket.is_some_and(|t| t.first_contact_at.is_none()) {
                commands.insert(
                    0,
                    Command::Contact {
                        note: Some("已电话联系诉求人".to_owned()),
                    },
                );
            }
            let done = desk
                .act(id, ticket_version, &commands, &worker, now())
                .await;
            drop(p);
            match done {
                Ok((ticket, _)) => ticket.version,
                Err(_) => return,
            }
        };
        let from = self.progress().await.second_now(now());
        if !self.until(from + REPORT_SECONDS).await {
            return;
        }
        let p = self.progress().await;
        if !p.running() {
            return;
        }
        let report = Command::Feedback {
            outcome: Outcome::Solved,
            note: "已到现场处置完毕（模拟网格员）".to_owned(),
            photos: vec![],
        };
        if let Err(error) = desk.act(id, picked, &[report], &worker, now()).await {
            tracing::debug!(%error, ticket = id, "simulated worker stood back");
        }
    }
}

/// A clock at `second` at `wall`, paused, at `template`'s speed.
fn shifted(template: ScenarioClock, second: f64, wall: DateTime<Utc>) -> ScenarioClock {
    // Run the clock from `second / speed` before `wall`, then pause at `wall`.
    let lead = chrono::Duration::microseconds((second / template.speed() * 1e6) as i64);
    let mut clock =
        ScenarioClock::start(wall - lead, template.speed()).expect("a kept speed is valid");
    clock.pause(wall);
    clock
}

/// A change of a started run's clock.
#[derive(Debug, Clone, Copy)]
pub enum ClockChange {
    Pause,
    Resume,
    Speed(f64),
}

/// Why the trainer's control was refused.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("the run is not in a state for this")]
    State,
    #[error(transparent)]
    Clock(#[from] ClockError),
    #[error(transparent)]
    Store(#[from] StoreError),
}
