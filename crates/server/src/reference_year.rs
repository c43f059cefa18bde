//! Reference years: generated ticket histories whose KPI figures are known in advance, for
//! trainers (a demo street with the seed's results) and for the test that the monthly report
//! reproduces them. Every ticket goes through intake and the closed loop like a real one
//! (register, dispatch, contact, handle, 下交 where chosen, feedback, verify, close); only the
//! number of late contacts, unsolved results, not fully satisfied ratings and delegations is
//! chosen, so the figures come out as planned.
//!
//! The seed (Binhe Street, January–November 2021): 2,214 requests, 201.9 a month counted to
//! 30 November (the seed writes 202), response 99.7 %, resolution 99 %, satisfaction 99.2 %,
//! 40 requests per 10,000 residents a month, 下交 18 handled and 16 solved; the same months of
//! 2020 held 18 % more requests a month.

use binhe_core::kpi::period::month_start;
use binhe_core::ticket::demo_feed::TicketGenerator;
use binhe_core::ticket::lifecycle::Command;
use binhe_core::ticket::{Actor, ActorRole, Outcome, Satisfaction, Ticket};
use chrono::{DateTime, Duration, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::dataset::GridView;
use crate::demo_feed::{assignment_to, worker_of};
use crate::desk::{DeskError, IntakeOutcome, Step, TicketDesk};

/// What a reference year holds: how many requests over which span, and how many of them miss
/// each figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceYear {
    /// First instant of the span.
    pub from: DateTime<Utc>,
    /// The report's cut-off: every step of every ticket happens before it.
    pub until: DateTime<Utc>,
    pub received: usize,
    /// First contact after the contact deadline (响应率's misses).
    pub late_contacts: usize,
    /// Result "unsolved" (解决率's misses), the delegated ones included.
    pub unsolved: usize,
    /// Rated 基本满意 or 不满意 (满意率's misses).
    pub not_satisfied: usize,
    /// Delegated down (下交) to the unit grid's worker.
    pub delegated: usize,
    /// Of the delegated, unsolved.
    pub delegated_unsolved: usize,
    pub seed: u64,
}

impl ReferenceYear {
    /// Binhe Street, 1 January to 29 November 2021 (reported at 00:00 on 30 November).
    pub fn binhe_2021() -> Self {
        Self {
            from: month_start(2021, 1).expect("January 2021 exists"),
            until: month_start(2021, 11).expect("November 2021 exists") + Duration::days(29),
            received: 2214,
            late_contacts: 7,
            unsolved: 22,
            not_satisfied: 18,
            delegated: 18,
            delegated_unsolved: 2,
            seed: 2021,
        }
    }

    /// The same span of 2020, with 18 % more requests a month than 2021 had (2,700).
    pub fn binhe_2020() -> Self {
        Self {
            from: month_start(2020, 1).expect("January 2020 exists"),
            until: month_start(2020, 11).expect("November 2020 exists") + Duration::days(29),
            received: 2700,
            late_contacts: 14,
            unsolved: 40,
            not_satisfied: 35,
            delegated: 10,
            delegated_unsolved: 2,
            seed: 2020,
        }
    }
}

/// Why a reference year cannot be played.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("the street has too few places to generate {wanted} requests inside it")]
    TooFewPlaces { wanted: usize },
    #[error("the reference year asks for more misses than requests: {0}")]
    Impossible(&'static str),
    #[error("intake refused a generated request: {0}")]
    Refused(String),
    #[error(transparent)]
    Desk(#[from] DeskError),
}

fn dispatcher() -> Actor {
    Actor {
        id: "reference".to_owned(),
        name: "参考年调度员".to_owned(),
        role: ActorRole::Dispatcher,
    }
}

/// What happens to one ticket.
#[derive(Debug, Clone, Copy)]
struct Fate {
    late_contact: bool,
    outcome: Outcome,
    not_satisfied: bool,
    delegated: bool,
}

impl Default for Fate {
    fn default() -> Self {
        Self {
            late_contact: false,
            outcome: Outcome::Solved,
            not_satisfied: false,
            delegated: false,
        }
    }
}

/// Chooses which tickets miss which figure, at random but in the planned numbers.
fn fates(year: &ReferenceYear, rng: &mut ChaCha8Rng) -> Result<Vec<Fate>, ReferenceError> {
    let n = year.received;
    if year.late_contacts > n || year.unsolved > n || year.not_satisfied > n || year.delegated > n {
        return Err(ReferenceError::Impossible(
            "a figure misses more tickets than there are",
        ));
    }
    if year.delegated_unsolved > year.delegated.min(year.unsolved) {
        return Err(ReferenceError::Impossible(
            "more delegated unsolved than delegated or unsolved",
        ));
    }
    let mut fates = vec![Fate::default(); n];
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    for &i in &order[..year.late_contacts] {
        fates[i].late_contact = true;
    }
    order.shuffle(rng);
    let (delegated, others) = order.split_at(year.delegated);
    for (k, &i) in delegated.iter().enumerate() {
        fates[i].delegated = true;
        if k < year.delegated_unsolved {
            fates[i].outcome = Outcome::Unsolved;
        }
    }
    for &i in &others[..year.unsolved - year.delegated_unsolved] {
        fates[i].outcome = Outcome::Unsolved;
    }
    order.shuffle(rng);
    for &i in &order[..year.not_satisfied] {
        fates[i].not_satisfied = true;
    }
    Ok(fates)
}

/// The loop of one ticket, every step before `until`: a late contact comes just after the
/// contact deadline; the rest in order inside the ticket's closure window.
fn steps(
    ticket: &Ticket,
    fate: Fate,
    view: &GridView,
    until: DateTime<Utc>,
    rng: &mut ChaCha8Rng,
) -> Vec<Step> {
    let dispatcher = dispatcher();
    let t0 = ticket.received_at;
    let span = (ticket.due_at.min(until) - t0).max(Duration::minutes(30));
    let contact_window = (ticket.contact_due_at - t0).min(span);
    let at = |share: f64| t0 + Duration::seconds((span.num_seconds() as f64 * share) as i64);
    let mut steps = Vec::new();
    let mut last = t0;
    let mut push = |command: Command, actor: &Actor, wanted: DateTime<Utc>| {
        let when = wanted.max(last + Duration::seconds(30));
        last = when;
        steps.push(Step {
            command,
            actor: actor.clone(),
            at: when,
        });
    };
    let micro = ticket
        .routing
        .micro
        .as_ref()
        .or(ticket.routing.community.as_ref());
    let Some(assignment) = micro.and_then(|code| assignment_to(view, code)) else {
        return Vec::new();
    };
    let worker = worker_of(&assignment);
    if ticket.duplicate_flag.is_some() {
        push(Command::DismissFlag, &dispatcher, t0 + contact_window / 100);
    }
    push(
        Command::Register { note: None },
        &dispatcher,
        t0 + contact_window / 50,
    );
    push(
        Command::Dispatch {
            assignment: assignment.clone(),
        },
        &dispatcher,
        t0 + contact_window / 20,
    );
    let contact_at = if fate.late_contact {
        ticket.contact_due_at + Duration::minutes(rng.random_range(5..90))
    } else {
        t0 + contact_window * rng.random_range(20..90) / 100
    };
    push(
        Command::Contact {
            note: Some("已电话联系诉求人".to_owned()),
        },
        &worker,
        contact_at,
    );
    push(Command::Start, &worker, contact_at + Duration::minutes(5));
    let mut handler = worker.clone();
    if fate.delegated
        && let Some(unit) = ticket
            .routing
            .unit
            .as_ref()
            .and_then(|u| assignment_to(view, u))
    {
        push(
            Command::Delegate {
                assignment: unit.clone(),
                note: Some("下交单元长协调".to_owned()),
            },
            &worker,
            at(0.4),
        );
        handler = worker_of(&unit);
        push(Command::Start, &handler, at(0.45));
    }
    push(
        Command::Feedback {
            outcome: fate.outcome,
            note: if fate.outcome == Outcome::Unsolved {
                "已向诉求人解释说明，暂无法解决".to_owned()
            } else {
                "已处置完毕，现场恢复正常".to_owned()
            },
            photos: vec![],
        },
        &handler,
        at(0.7),
    );
    let satisfaction = match (fate.not_satisfied, rng.random_bool(0.7)) {
        (false, _) => Satisfaction::Satisfied,
        (true, true) => Satisfaction::Basic,
        (true, false) => Satisfaction::Dissatisfied,
    };
    push(
        Command::Verify {
            satisfaction,
            note: Some("回访".to_owned()),
        },
        &dispatcher,
        at(0.8),
    );
    push(Command::Close, &dispatcher, at(0.9));
    steps
}

/// Plays `year` into the desk: its requests through intake at their own times, then each
/// ticket's loop. Returns the tickets created. Requests the street cannot place are not
/// generated (every request lies in a unit grid), so the counts are exactly the plan's.
pub async fn play(
    desk: &TicketDesk,
    view: &GridView,
    year: &ReferenceYear,
) -> Result<usize, ReferenceError> {
    let mut rng = ChaCha8Rng::seed_from_u64(year.seed);
    let fates = fates(year, &mut rng)?;
    let last_day = year.until - Duration::days(1);
    let spacing = (last_day - year.from) / i32::try_from(year.received.max(1)).unwrap_or(i32::MAX);
    let mut generator = TicketGenerator::new(year.seed, view.hierarchy(), &desk.catalogue());
    let mut requests = Vec::with_capacity(year.received);
    // Generated places fall outside the street now and then; such requests are skipped.
    // Only hotline requests, as the seed's 接诉即办 figures are.
    let candidates = generator.history(year.from, year.received * 4, 1.0);
    for mut request in candidates {
        if requests.len() == year.received {
            break;
        }
        let inside = request
            .lon
            .zip(request.lat)
            .is_some_and(|(lon, lat)| view.locator.unit_at(lon, lat).is_some());
        if !inside || request.channel.as_deref() != Some("hotline") {
            continue;
        }
        let i = requests.len();
        let at = year.from
            + spacing * i32::try_from(i).unwrap_or(i32::MAX)
            + Duration::seconds(rng.random_range(0..spacing.num_seconds().max(1)));
        request.received_at = Some(at.to_rfc3339());
        request.external_id = Some(format!("REF{}-{:05}", year.seed, i + 1));
        request.address = None;
        request.grid_code = None;
        requests.push(request);
    }
    if requests.len() < year.received {
        return Err(ReferenceError::TooFewPlaces {
            wanted: year.received,
        });
    }
    let mut created = 0;
    // One at a time, each closed before the next comes in: a generated repeat then finds its
    // earlier twin closed and stays a case of its own, so none is merged away.
    for (chunk, chunk_fates) in requests.chunks(1).zip(fates.chunks(1)) {
        let outcomes = desk.intake(chunk, view, year.until).await?;
        for (outcome, fate) in outcomes.into_iter().zip(chunk_fates) {
            let ticket = match outcome {
                IntakeOutcome::Created { ticket, .. } => ticket,
                other => return Err(ReferenceError::Refused(format!("{other:?}"))),
            };
            created += 1;
            let steps = steps(&ticket, *fate, view, year.until, &mut rng);
            desk.act_steps(ticket.id, ticket.version, &steps).await?;
        }
    }
    Ok(created)
}
