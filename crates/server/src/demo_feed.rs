//! Demo mode: a street that lives. On a new demo database a few weeks of history are played
//! through the real intake and the closed loop (so the map, the queue and the figures have
//! something to show); then a seeded generator keeps sending requests at an adjustable rate,
//! and simulated grid workers answer what a dispatcher sends them, so a trainer can watch the
//! loop close. Every request goes through the same intake as real ones.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration as StdDuration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::get;
use binhe_api::error::code;
use binhe_api::tickets::{DemoFeedStatus, FeedControl};
use binhe_core::GridCode;
use binhe_core::ticket::demo_feed::TicketGenerator;
use binhe_core::ticket::intake::IntakeRequest;
use binhe_core::ticket::lifecycle::{Change, Command, UNDO_WINDOW};
use binhe_core::ticket::{
    Actor, ActorRole, Assignment, Channel, Outcome, Satisfaction, Ticket, TicketState,
};
use binhe_core::{Device, DeviceKind, DoorEventKind};
use binhe_core::{circles, diary};
use binhe_store::{
    CircleRepository, CostRecord, DeliberationRecord, DeviceRepository, DiaryRecord,
    DiaryRepository, DoorEvent, MemberRecord, Payment, ShareRecord, StoreError, WardRecord,
};
use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::sync::{Notify, RwLock};

use crate::dataset::{GridView, Grids};
use crate::desk::alerts::take_picture;
use crate::desk::{DeskError, IntakeOutcome, Step, TicketDesk, now};
use crate::gateway::Gateway;
use crate::http::extract::Json;
use crate::http::{ApiError, Caller, Refusal, RequestError};

/// Allowed feed rates, requests per minute.
pub const RATE_RANGE: std::ops::RangeInclusive<f64> = binhe_api::tickets::FEED_RATE_RANGE;
/// A gap longer than this (a quiet night at a low rate) is cut short so the demo keeps moving.
const LONGEST_GAP: StdDuration = StdDuration::from_mins(5);

#[derive(Debug, Clone, Copy)]
pub struct FeedSettings {
    pub seed: u64,
    pub rate_per_minute: f64,
    /// Days of history played on a new database (0 for none).
    pub history_days: u32,
    pub history_per_day: u32,
    /// Simulated workers pick up an order after this long and report back after twice as long.
    pub worker_delay: StdDuration,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            seed: binhe_core::demo::DEFAULT_SEED,
            rate_per_minute: 2.0,
            history_days: 14,
            history_per_day: 40,
            worker_delay: StdDuration::from_secs(20),
        }
    }
}

#[derive(Debug)]
struct FeedState {
    running: AtomicBool,
    rate_per_minute: Mutex<f64>,
    generated: AtomicU64,
    changed: Notify,
    /// Held (shared) by every change the feed or a simulated worker makes to the street, which
    /// checks `running` under it; a pause takes it exclusively once, so that when the pause is
    /// answered nothing started before it is still under way and nothing moves after it.
    acting: RwLock<()>,
}

/// The running feed's controls (`GET`/`POST /api/demo/feed`).
#[derive(Debug, Clone)]
pub struct DemoFeed {
    state: Arc<FeedState>,
}

impl DemoFeed {
    pub fn status(&self) -> DemoFeedStatus {
        DemoFeedStatus {
            available: true,
            running: self.running(),
            rate_per_minute: self.rate(),
            generated: self.state.generated.load(Ordering::Relaxed),
        }
    }

    /// Changes the feed; the rate must lie in [`RATE_RANGE`] (checked by the caller).
    pub fn set(&self, running: Option<bool>, rate_per_minute: Option<f64>) {
        if let Some(running) = running {
            self.state.running.store(running, Ordering::Relaxed);
        }
        if let Some(rate) = rate_per_minute {
            *self
                .state
                .rate_per_minute
                .lock()
                .expect("rate lock is never poisoned") = rate;
        }
        self.state.changed.notify_one();
    }

    fn running(&self) -> bool {
        self.state.running.load(Ordering::Relaxed)
    }

    /// Waits until every change begun before a pause has ended.
    pub async fn settled(&self) {
        drop(self.state.acting.write().await);
    }

    fn rate(&self) -> f64 {
        *self
            .state
            .rate_per_minute
            .lock()
            .expect("rate lock is never poisoned")
    }
}

fn demo_dispatcher() -> Actor {
    Actor {
        id: "demo-dispatcher".to_owned(),
        name: "值班调度员（演示）".to_owned(),
        role: ActorRole::Dispatcher,
    }
}

pub(crate) fn worker_of(assignment: &Assignment) -> Actor {
    Actor {
        id: assignment
            .worker_id
            .clone()
            .unwrap_or_else(|| "demo-worker".to_owned()),
        name: assignment
            .worker_name
            .clone()
            .unwrap_or_else(|| format!("{}网格员", assignment.grid_name)),
        role: ActorRole::Worker,
    }
}

/// The grid's first responsible worker, as a dispatcher's drop would choose.
pub(crate) fn assignment_to(view: &GridView, code: &binhe_core::GridCode) -> Option<Assignment> {
    let index = view.hierarchy().index_of(code)?;
    let worker = view.responsible_workers(index).into_iter().next();
    Some(Assignment {
        grid: Some(code.clone()),
        grid_name: view.hierarchy().get(index).name.clone(),
        worker_id: worker.map(|w| w.id.clone()),
        worker_name: worker.map(|w| w.name.clone()),
    })
}

/// A delay of a random share of the ticket's window, at most `cap_minutes`: a 2-hour safety
/// case moves in minutes, a 15-day complex one takes its time.
fn delay(rng: &mut ChaCha8Rng, window: Duration, share: (f64, f64), cap_minutes: i64) -> Duration {
    let seconds = window.num_seconds() as f64 * rng.random_range(share.0..share.1);
    Duration::seconds(seconds as i64).min(Duration::minutes(cap_minutes))
}

/// How one historical ticket travelled the loop, as far as `now` allows: most closed within
/// their deadline and rated satisfied, a few delegated down or escalated, about 2 % late;
/// flagged repeats are looked at and dismissed, old unplaceable ones sent back.
fn history_steps(
    ticket: &Ticket,
    view: &GridView,
    rng: &mut ChaCha8Rng,
    now: DateTime<Utc>,
) -> Vec<Step> {
    let dispatcher = demo_dispatcher();
    let window = ticket.due_at - ticket.received_at;
    let mut at = ticket.received_at + delay(rng, window, (0.005, 0.03), 30);
    let mut steps = Vec::new();
    let push = |steps: &mut Vec<Step>, command: Command, actor: &Actor, at: DateTime<Utc>| {
        steps.push(Step {
            command,
            actor: actor.clone(),
            at,
        });
    };
    if ticket.duplicate_flag.is_some() {
        push(&mut steps, Command::DismissFlag, &dispatcher, at);
    }
    let target = ticket
        .routing
        .micro
        .as_ref()
        .or(ticket.routing.community.as_ref())
        .and_then(|code| assignment_to(view, code));
    let Some(assignment) = target else {
        if now - ticket.received_at > Duration::days(2) {
            push(
                &mut steps,
                Command::Cancel {
                    reason: "不属于本街道辖区，已退回12345".to_owned(),
                },
                &dispatcher,
                at + Duration::hours(3),
            );
        }
        steps.retain(|s| s.at <= now);
        return steps;
    };
    let worker = worker_of(&assignment);
    push(
        &mut steps,
        Command::Register { note: None },
        &dispatcher,
        at,
    );
    at += delay(rng, window, (0.005, 0.03), 30);
    push(
        &mut steps,
        Command::Dispatch {
            assignment: assignment.clone(),
        },
        &dispatcher,
        at,
    );
    at += delay(rng, window, (0.02, 0.08), 6 * 60);
    push(
        &mut steps,
        Command::Contact {
            note: Some("已电话联系诉求人".to_owned()),
        },
        &worker,
        at,
    );
    at += delay(rng, window, (0.02, 0.08), 12 * 60);
    push(&mut steps, Command::Start, &worker, at);
    let mut handler = worker.clone();
    let roll: f64 = rng.random();
    if roll < 0.05
        && let Some(unit) = ticket
            .routing
            .unit
            .as_ref()
            .and_then(|u| assignment_to(view, u))
    {
        at += delay(rng, window, (0.02, 0.05), 6 * 60);
        push(
            &mut steps,
            Command::Delegate {
                assignment: unit.clone(),
                note: Some("下交单元长协调".to_owned()),
            },
            &worker,
            at,
        );
        handler = worker_of(&unit);
        at += delay(rng, window, (0.02, 0.05), 6 * 60);
        push(&mut steps, Command::Start, &handler, at);
    } else if roll < 0.07
        && let Some(community) = ticket
            .routing
            .community
            .as_ref()
            .and_then(|c| assignment_to(view, c))
    {
        at += delay(rng, window, (0.02, 0.05), 6 * 60);
        push(
            &mut steps,
            Command::Escalate {
                level: binhe_core::ticket::EscalationLevel::Community,
                assignment: community.clone(),
                reason: "需社区协调多方".to_owned(),
            },
            &worker,
            at,
        );
        handler = worker_of(&community);
        at += delay(rng, window, (0.02, 0.05), 6 * 60);
        push(&mut steps, Command::Start, &handler, at);
    }
    // Most report back well inside the window; about 2 % run late.
    let share = if rng.random_bool(0.02) {
        rng.random_range(1.05..1.6)
    } else {
        rng.random_range(0.3..0.82)
    };
    let finish =
        ticket.received_at + Duration::seconds((window.num_seconds() as f64 * share) as i64);
    at = at.max(finish);
    let solved = rng.random_bool(0.99);
    push(
        &mut steps,
        Command::Feedback {
            outcome: if solved {
                Outcome::Solved
            } else {
                Outcome::Unsolved
            },
            note: if solved {
                "已处置完毕，现场恢复正常".to_owned()
            } else {
                "已向诉求人解释说明，暂无法解决".to_owned()
            },
            photos: vec![],
        },
        &handler,
        at,
    );
    at += delay(rng, window, (0.02, 0.08), 24 * 60);
    let satisfaction = match rng.random_range(0..1000) {
        0..=7 => Satisfaction::Dissatisfied,
        8..=40 => Satisfaction::Basic,
        _ => Satisfaction::Satisfied,
    };
    push(
        &mut steps,
        Command::Verify {
            satisfaction,
            note: Some("回访".to_owned()),
        },
        &dispatcher,
        at,
    );
    at += delay(rng, window, (0.005, 0.02), 60);
    push(&mut steps, Command::Close, &dispatcher, at);
    steps.retain(|s| s.at <= now);
    steps
}

/// A generated camera alert comes from the camera nearest its point.
fn name_camera<'v>(view: &'v GridView, request: &mut IntakeRequest) -> Option<&'v Device> {
    if request.channel.as_deref() != Some(Channel::Camera.as_str()) {
        return None;
    }
    let (camera, _) = view
        .nearest_cameras(request.lon?, request.lat?, 1)
        .into_iter()
        .next()?;
    request.source_ref = Some(camera.id.clone());
    Some(camera)
}

/// The demo history's episode: days, and calls in them.
const EPISODE_DAYS: i64 = 3;
const EPISODE_CALLS: usize = 24;

/// The demo street's 包户 and its workers' 民情日记 over the history's days (with 承平园's early
/// note of the sewage smell), kept as the system account `demo`: (wards, entries).
pub async fn seed_neighbourhood(
    store: &dyn DiaryRepository,
    view: &GridView,
    settings: FeedSettings,
    now: DateTime<Utc>,
) -> Result<(usize, usize), StoreError> {
    if settings.history_days == 0 {
        return Ok((0, 0));
    }
    let hierarchy = view.hierarchy();
    let workers = &view.dataset.workers;
    let community = |code: &GridCode| {
        code.community_code()
            .map(|c| c.to_string())
            .unwrap_or_default()
    };
    let wards: Vec<WardRecord> = diary::demo::wards(hierarchy, workers)
        .into_iter()
        .map(|w| WardRecord {
            community_code: community(&w.micro),
            unit_code: w.unit.to_string(),
            micro_code: w.micro.to_string(),
            worker_id: w.worker,
            households: w.households,
        })
        .collect();
    store.set_wards(&wards, DEMO_ACCOUNT, now).await?;
    let days = i64::from(settings.history_days);
    let entries = diary::demo::entries(
        hierarchy,
        workers,
        now,
        days.min(7),
        now - Duration::days(EPISODE_DAYS),
        settings.seed,
    );
    for e in &entries {
        let record = DiaryRecord {
            worker_id: e.worker.clone(),
            community_code: community(&e.micro),
            micro_code: e.micro.to_string(),
            unit_code: e.unit.as_ref().map(ToString::to_string),
            kind: e.kind.as_str().to_owned(),
            visited_at: e.visited_at,
            households: e.households,
            concerns: e.concerns.to_owned(),
            follow_up: e.follow_up.to_owned(),
            category: e.category.map(str::to_owned),
        };
        store
            .add_diary_entry(&record, DEMO_ACCOUNT, e.visited_at)
            .await?;
    }
    Ok((wards.len(), entries.len()))
}

/// The seed's three cases of the three circles (`binhe_core::circles::demo`): for each, the
/// request that raised it through intake and the loop (closed when the case was solved), its
/// members, the 议事 with its vote, and the cost shared, paid as far as the case says. A case
/// whose micro-grid the street does not have (surveyed grids) is left out, and all of them when
/// the demo plays no history. Returns meetings kept.
pub async fn seed_circles(
    desk: &TicketDesk,
    store: &dyn CircleRepository,
    view: &GridView,
    settings: FeedSettings,
    now: DateTime<Utc>,
) -> Result<usize, DeskError> {
    if settings.history_days == 0 {
        return Ok(0);
    }
    let hierarchy = view.hierarchy();
    let mut kept = 0;
    for (n, case) in circles::demo::cases().into_iter().enumerate() {
        let Some(micro) = hierarchy
            .at_level(binhe_core::GridLevel::Micro)
            .map(|i| hierarchy.get(i))
            .find(|g| g.name == case.micro)
            .map(|g| g.code.clone())
        else {
            continue;
        };
        let Some(community) = micro.community_code() else {
            continue;
        };
        let days = |d: i64| now - Duration::days(d);
        let requested = days(case.requested_days_ago);
        let request = IntakeRequest {
            channel: Some(case.channel.to_owned()),
            external_id: Some(format!("circle-demo-{}", n + 1)),
            category: Some(case.category.to_owned()),
            description: Some(case.request.to_owned()),
            grid_code: Some(micro.to_string()),
            received_at: Some(requested.to_rfc3339()),
            ..IntakeRequest::default()
        };
        let outcome = desk
            .intake(std::slice::from_ref(&request), view, now)
            .await?;
        let ticket = match outcome.into_iter().next() {
            Some(IntakeOutcome::Created { ticket, .. }) => Some(*ticket),
            _ => None,
        };
        if let Some(ticket) = &ticket
            && let Some(assignment) = assignment_to(view, &micro)
        {
            let steps = case_steps(&assignment, requested, case.solved_days_ago.map(days));
            if let Err(error) = desk.act_steps(ticket.id, ticket.version, &steps).await {
                tracing::warn!(%error, ticket = ticket.id, "a demo case's ticket was left where it was");
            }
        }
        let mut ids = Vec::with_capacity(case.members.len());
        for m in &case.members {
            let record = MemberRecord {
                community_code: community.to_string(),
                micro_code: Some(micro.to_string()),
                circle: m.circle.as_str().to_owned(),
                name: m.name.clone(),
                contact: m.contact.clone(),
                phone: m.phone.clone(),
                address: m.address.clone(),
                area_m2: m.area_m2,
                party_member: m.party_member,
            };
            let joined = days(case.requested_days_ago + 30);
            ids.push(store.add_member(&record, DEMO_ACCOUNT, joined).await?.id);
        }
        let basis: Vec<_> = case.sharers.iter().map(|s| s.1).collect();
        let Ok(amounts) = circles::shares(case.cost_fen, case.rule, &basis) else {
            continue;
        };
        let held = days(case.held_days_ago);
        let shares = case
            .sharers
            .iter()
            .zip(amounts)
            .enumerate()
            .map(|(k, (&(member, basis), amount_fen))| ShareRecord {
                member_id: ids[member],
                area_m2: basis.area_m2,
                agreed_fen: basis.agreed_fen,
                amount_fen,
                paid: (k < case.paid).then(|| Payment {
                    at: held + Duration::days(1),
                    by: DEMO_ACCOUNT.to_owned(),
                }),
            })
            .collect();
        let record = DeliberationRecord {
            community_code: community.to_string(),
            micro_code: Some(micro.to_string()),
            topic: case.topic.to_owned(),
            place: case.place.to_owned(),
            held_at: held,
            ticket_id: ticket.as_ref().map(|t| t.id),
            project_id: None,
            participants: ids.clone(),
            attendees: case.attendees,
            minutes: case.minutes.to_owned(),
            decision: case.decision.to_owned(),
            votes: Some(case.votes),
            cost: Some(CostRecord {
                item: case.cost_item.to_owned(),
                total_fen: case.cost_fen,
                rule: case.rule.as_str().to_owned(),
            }),
            shares,
        };
        let meeting = store.add_deliberation(&record, DEMO_ACCOUNT, held).await?;
        if let Some(solved) = case.solved_days_ago {
            store.set_solved(meeting.id, Some(days(solved))).await?;
        }
        kept += 1;
    }
    Ok(kept)
}

/// A demo case's ticket through the loop: registered and dispatched to its micro-grid, taken
/// up, and — once `solved` — reported, verified and closed.
fn case_steps(
    assignment: &Assignment,
    requested: DateTime<Utc>,
    solved: Option<DateTime<Utc>>,
) -> Vec<Step> {
    let dispatcher = demo_dispatcher();
    let worker = worker_of(assignment);
    let step = |command: Command, actor: &Actor, minutes: i64| Step {
        command,
        actor: actor.clone(),
        at: requested + Duration::minutes(minutes),
    };
    let mut steps = vec![
        step(Command::Register { note: None }, &dispatcher, 10),
        step(
            Command::Dispatch {
                assignment: assignment.clone(),
            },
            &dispatcher,
            20,
        ),
        step(
            Command::Contact {
                note: Some("已联系诉求人，提请社区居民议事厅协商".to_owned()),
            },
            &worker,
            60,
        ),
        step(Command::Start, &worker, 90),
    ];
    if let Some(solved) = solved {
        let at = |minutes: i64| solved + Duration::minutes(minutes);
        steps.push(Step {
            command: Command::Feedback {
                outcome: Outcome::Solved,
                note: "经居民议事厅协商，费用由三圈成员分摊，已修复".to_owned(),
                photos: vec![],
            },
            actor: worker,
            at: at(-60),
        });
        steps.push(Step {
            command: Command::Verify {
                satisfaction: Satisfaction::Satisfied,
                note: Some("回访".to_owned()),
            },
            actor: dispatcher.clone(),
            at: at(-30),
        });
        steps.push(Step {
            command: Command::Close,
            actor: dispatcher,
            at: at(-10),
        });
    }
    steps
}

/// Who the demo street's generated records were written by.
const DEMO_ACCOUNT: &str = "demo";

/// Plays `days` of generated history through intake and the loop. Returns tickets created.
pub async fn seed_history(
    desk: &TicketDesk,
    view: &GridView,
    settings: FeedSettings,
    now: DateTime<Utc>,
) -> Result<usize, DeskError> {
    if settings.history_days == 0 {
        return Ok(0);
    }
    let mut generator = TicketGenerator::new(settings.seed, view.hierarchy(), &desk.catalogue());
    let days = i64::from(settings.history_days);
    let per_hour = f64::from(settings.history_per_day) / 24.0;
    let count = (settings.history_days * settings.history_per_day) as usize;
    let requests: Vec<_> = generator
        .history(now - Duration::days(days), count, per_hour)
        .into_iter()
        .filter(|r| {
            r.received_at
                .as_deref()
                .and_then(binhe_core::ticket::intake::parse_time)
                .is_some_and(|at| at <= now)
        })
        .collect();
    let mut requests = requests;
    // The seed's 承平园 sewage backflow, rising over the history's last days: what 未诉先办's
    // hotspot analysis is there to catch before it becomes a wave of calls.
    if days >= EPISODE_DAYS {
        requests.extend(generator.episode(
            "承平园小区",
            "sewage_backflow",
            (now - Duration::days(EPISODE_DAYS), now),
            EPISODE_CALLS,
        ));
        requests.sort_by_cached_key(|r| {
            r.received_at
                .as_deref()
                .and_then(binhe_core::ticket::intake::parse_time)
        });
    }
    for request in &mut requests {
        name_camera(view, request);
    }
    let outcomes = desk.intake(&requests, view, now).await?;
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed ^ 0x5eed);
    let mut created = 0;
    for outcome in outcomes {
        let IntakeOutcome::Created { ticket, .. } = outcome else {
            continue;
        };
        created += 1;
        if ticket.state != TicketState::Reported {
            continue;
        }
        let steps = history_steps(&ticket, view, &mut rng, now);
        if steps.is_empty() {
            continue;
        }
        // One odd ticket must not keep the demo from starting.
        if let Err(error) = desk.act_steps(ticket.id, ticket.version, &steps).await {
            tracing::warn!(%error, ticket = ticket.id, "demo history left a ticket where it was");
        }
    }
    Ok(created)
}

/// What the demo feed drives: the desk takes its requests in, the gateway gives its camera
/// alerts a picture, the device store keeps the pictures and the door events.
#[derive(Clone)]
pub struct FeedServices {
    pub desk: TicketDesk,
    pub grids: Grids,
    pub gateway: Gateway,
    pub devices: Arc<dyn DeviceRepository>,
}

/// Starts the live feed and the simulated workers in the background.
pub fn spawn(services: FeedServices, settings: FeedSettings) -> DemoFeed {
    let feed = DemoFeed {
        state: Arc::new(FeedState {
            running: AtomicBool::new(true),
            rate_per_minute: Mutex::new(settings.rate_per_minute),
            generated: AtomicU64::new(0),
            changed: Notify::new(),
            acting: RwLock::new(()),
        }),
    };
    tokio::spawn(feed_requests(services.clone(), feed.clone(), settings.seed));
    let doors = feed.clone();
    tokio::spawn(demo_doors(services.clone(), settings.seed, move || {
        doors.running()
    }));
    tokio::spawn(simulate_workers(
        services.desk,
        feed.clone(),
        settings.worker_delay,
    ));
    feed
}

async fn feed_requests(services: FeedServices, feed: DemoFeed, seed: u64) {
    let desk = &services.desk;
    let mut view = services.grids.view();
    // A different stream from the history's, so live requests do not repeat it.
    let mut generator =
        TicketGenerator::new(seed.wrapping_add(1), view.hierarchy(), &desk.catalogue());
    loop {
        if !feed.running() {
            feed.state.changed.notified().await;
            continue;
        }
        let gap = generator
            .next_gap(now(), feed.rate() * 60.0)
            .to_std()
            .unwrap_or(StdDuration::from_secs(1))
            .min(LONGEST_GAP);
        tokio::select! {
            () = tokio::time::sleep(gap) => {}
            () = feed.state.changed.notified() => continue,
        }
        let _acting = feed.state.acting.read().await;
        if !feed.running() {
            continue;
        }
        let current = services.grids.view();
        if !Arc::ptr_eq(&current, &view) {
            // The grids were replaced: generate inside the new ones.
            view = current;
            generator =
                TicketGenerator::new(seed.wrapping_add(1), view.hierarchy(), &desk.catalogue());
        }
        let at = now();
        let mut request = generator.request_at(at);
        // A live camera alert comes with the camera's picture of the moment.
        if let Some(camera) = name_camera(&view, &mut request) {
            request.snapshot =
                take_picture(&services.gateway, services.devices.as_ref(), camera).await;
        }
        match desk.intake(std::slice::from_ref(&request), &view, at).await {
            Ok(_) => {
                feed.state.generated.fetch_add(1, Ordering::Relaxed);
            }
            Err(error) => tracing::warn!(%error, "demo feed could not store a request"),
        }
    }
}

/// How long a simulated worker waits before picking up an order handed over at `at`: `delay`,
/// but never before a dispatch's undo window has passed — the dispatcher who was offered 撤销
/// can still take it back (the lifecycle refuses the undo once anyone else acted).
fn pick_up_after(
    change: &Change,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    delay: StdDuration,
) -> StdDuration {
    if !matches!(change, Change::Dispatched { .. }) {
        return delay;
    }
    // The server still undoes at exactly `at + UNDO_WINDOW`: a second more for a clear margin.
    let undo_over = (at + UNDO_WINDOW + Duration::seconds(1) - now)
        .to_std()
        .unwrap_or_default();
    delay.max(undo_over)
}

/// Simulated grid workers: an order dispatched, delegated or escalated to a grid is picked up
/// (contact + start) after a short while — a dispatch only once its undo window has passed —
/// and reported back as solved a little later, unless a person acted on the ticket meanwhile.
async fn simulate_workers(desk: TicketDesk, feed: DemoFeed, delay: StdDuration) {
    let mut live = desk.subscribe();
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
        if !feed.running() || !handed_over || stored.event.actor.role == ActorRole::Worker {
            continue;
        }
        let (desk, feed) = (desk.clone(), feed.clone());
        let (id, version) = (stored.event.ticket_id, stored.event.version);
        let wait = pick_up_after(&stored.event.change, stored.event.at, now(), delay);
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            // A paused street stands still: a worker who was on the way stays put.
            let acting = feed.state.acting.read().await;
            if !feed.running() {
                return;
            }
            let Ok(ticket) = desk.ticket(id).await else {
                return;
            };
            let Some(assignment) = ticket.assignment.clone().filter(|a| a.grid.is_some()) else {
                return;
            };
            if ticket.version != version {
                return;
            }
            let worker = worker_of(&assignment);
            let mut commands = vec![Command::Start];
            if ticket.first_contact_at.is_none() {
                commands.insert(
                    0,
                    Command::Contact {
                        note: Some("已电话联系诉求人".to_owned()),
                    },
                );
            }
            let Ok((ticket, _)) = desk.act(id, version, &commands, &worker, now()).await else {
                return;
            };
            drop(acting);
            tokio::time::sleep(delay * 2).await;
            let _acting = feed.state.acting.read().await;
            if !feed.running() {
                return;
            }
            let report = Command::Feedback {
                outcome: Outcome::Solved,
                note: "已到现场处置完毕（演示网格员）".to_owned(),
                photos: vec![],
            };
            if let Err(error) = desk
                .act(id, ticket.version, &[report], &worker, now())
                .await
            {
                tracing::debug!(%error, ticket = id, "simulated worker stood back");
            }
        });
    }
}

/// The demo street's door-access units while the demo feed runs: now and then a door is held
/// open (or, less often, forced) and put right a few minutes later.
async fn demo_doors(services: FeedServices, seed: u64, running: impl Fn() -> bool) {
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
            let units: Vec<Device> = services
                .grids
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
        if let Err(error) = services.devices.record_door_events(&due).await {
            tracing::warn!(%error, "demo door-access events not stored");
        }
    }
}

/// The running feed, once it is started (demo mode only).
#[derive(Clone, Default)]
pub struct FeedSlot(Arc<OnceLock<DemoFeed>>);

impl FeedSlot {
    /// Attaches the running demo feed (once, at start).
    pub fn set(&self, feed: DemoFeed) {
        let _ = self.0.set(feed);
    }

    pub fn get(&self) -> Option<&DemoFeed> {
        self.0.get()
    }
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    FeedSlot: FromRef<S>,
{
    Router::new().route("/api/demo/feed", get(feed_status).post(feed_control))
}

/// Why the demo feed's controls refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DemoError {
    #[error("this server runs without the demo feed")]
    FeedOff,
}

impl Refusal for DemoError {
    fn status(&self) -> StatusCode {
        StatusCode::CONFLICT
    }

    fn code(&self) -> &str {
        code::DEMO_FEED_OFF
    }

    fn message_zh(&self) -> String {
        "本服务器未启用演示数据流".to_owned()
    }
}

async fn feed_status(State(slot): State<FeedSlot>) -> Json<DemoFeedStatus> {
    Json(
        slot.get()
            .map_or_else(DemoFeedStatus::default, DemoFeed::status),
    )
}

async fn feed_control(
    State(slot): State<FeedSlot>,
    caller: Caller,
    Json(control): Json<FeedControl>,
) -> Result<Json<DemoFeedStatus>, ApiError> {
    caller.must_administer()?;
    let feed = slot.get().ok_or(DemoError::FeedOff)?;
    if let Some(rate) = control.rate_per_minute
        && !RATE_RANGE.contains(&rate)
    {
        return Err(RequestError::bad(
            "rate_per_minute",
            format!("rate_per_minute must be 0.1–600, got {rate}"),
            format!("每分钟工单数须在 0.1–600 之间，收到 {rate}"),
        )
        .into());
    }
    feed.set(control.running, control.rate_per_minute);
    if control.running == Some(false) {
        // Answered once the street stands still: a request or a worker's step under way when
        // the pause came is stored before the answer, none after it.
        feed.settled().await;
    }
    Ok(Json(feed.status()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_simulated_worker_leaves_a_dispatch_alone_while_it_can_be_undone() {
        let at = Utc::now();
        let dispatched = Change::Dispatched {
            assignment: Assignment {
                grid: None,
                grid_name: "府前街".to_owned(),
                worker_id: None,
                worker_name: None,
            },
            previous: None,
            sets_owner: true,
        };
        let short = StdDuration::from_secs(1);
        let window = UNDO_WINDOW.to_std().unwrap();
        // Heard at once: the whole window and a second more, however short the worker's delay.
        assert_eq!(
            pick_up_after(&dispatched, at, at, short),
            window + StdDuration::from_secs(1)
        );
        // Heard 10 s late: only what is left of the 30 s, and the second.
        assert_eq!(
            pick_up_after(&dispatched, at, at + Duration::seconds(10), short),
            StdDuration::from_secs(21)
        );
        // A slow worker keeps their own pace; other hand-overs cannot be undone.
        let slow = window * 2;
        assert_eq!(pick_up_after(&dispatched, at, at, slow), slow);
        assert_eq!(pick_up_after(&Change::Started, at, at, short), short);
    }
}
