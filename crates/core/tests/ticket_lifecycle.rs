//! The closed loop's state machine: the paths the seed describes work end to end, illegal steps
//! are refused without touching the ticket, and random command sequences keep every invariant
//! (the row equals a replay of its events; the first receiver never changes; closed tickets
//! carry their result and rating).

use binhe_core::GridCode;
use binhe_core::ticket::intake::Intake;
use binhe_core::ticket::lifecycle::{
    self, Change, Command, TicketEvent, TransitionError, UNDO_WINDOW, replay,
};
use binhe_core::ticket::routing::Routing;
use binhe_core::ticket::{
    Actor, ActorRole, Assignment, Channel, DuplicateFlag, EscalationLevel, Outcome, Point,
    Satisfaction, Ticket, TicketState,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

fn street() -> GridCode {
    GridCode::street("110117", 1)
}

fn community(n: u16) -> GridCode {
    street().community(n)
}

fn micro(c: u16, n: u16) -> GridCode {
    community(c).micro(n)
}

fn unit(c: u16, n: u16, u: u8) -> GridCode {
    micro(c, n).unit(u)
}

fn to(grid: &GridCode) -> Assignment {
    Assignment {
        grid: Some(grid.clone()),
        grid_name: format!("网格 {grid}"),
        worker_id: Some(format!("W-{grid}")),
        worker_name: Some("张三".to_owned()),
    }
}

fn district() -> Assignment {
    Assignment {
        grid: None,
        grid_name: "区级职能部门".to_owned(),
        worker_id: None,
        worker_name: None,
    }
}

fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap()
}

fn dispatcher() -> Actor {
    Actor {
        id: "d1".to_owned(),
        name: "调度员甲".to_owned(),
        role: ActorRole::Dispatcher,
    }
}

fn new_ticket() -> (Ticket, Vec<TicketEvent>) {
    let point = Point {
        lon: 117.12,
        lat: 40.14,
    };
    let intake = Intake {
        external_id: Some("12345-1".to_owned()),
        ..Intake::at_point(Channel::Hotline, "garbage", "垃圾堆放", point, start_time())
    };
    let routing = Routing {
        community: Some(community(1)),
        micro: Some(micro(1, 2)),
        unit: Some(unit(1, 2, 1)),
        unrouted: None,
    };
    let mut receipt = lifecycle::receipt(
        intake,
        Some(Point {
            lon: 117.12,
            lat: 40.14,
        }),
        routing,
        (
            start_time() + Duration::hours(24),
            start_time() + Duration::days(7),
        ),
        &Actor::system(),
    );
    receipt.ticket_id = 42;
    let ticket = Ticket::received(&receipt).unwrap();
    (ticket, vec![receipt])
}

struct Run {
    ticket: Ticket,
    events: Vec<TicketEvent>,
    now: DateTime<Utc>,
}

impl Run {
    fn new() -> Self {
        let (ticket, events) = new_ticket();
        Self {
            ticket,
            events,
            now: start_time(),
        }
    }

    fn exec_as(&mut self, actor: &Actor, command: &Command) -> Result<(), TransitionError> {
        self.now += Duration::seconds(5);
        let before = self.ticket.clone();
        match self
            .ticket
            .execute(self.events.last(), command, actor, self.now)
        {
            Ok(event) => {
                self.events.push(event);
                Ok(())
            }
            Err(error) => {
                assert_eq!(self.ticket, before, "a refused command changed the ticket");
                Err(error)
            }
        }
    }

    fn exec(&mut self, command: &Command) -> Result<(), TransitionError> {
        self.exec_as(&dispatcher(), command)
    }

    #[allow(
        clippy::needless_pass_by_value,
        reason = "steps read best written inline"
    )]
    fn ok(&mut self, command: Command) {
        self.exec(&command)
            .unwrap_or_else(|e| panic!("{} refused: {e}", command.name()));
    }
}

#[test]
fn commanded_handling_closes_the_loop_with_every_step_on_record() {
    let mut run = Run::new();
    run.ok(Command::Register { note: None });
    run.ok(Command::Dispatch {
        assignment: to(&micro(1, 2)),
    });
    run.ok(Command::Contact {
        note: Some("已电话联系".to_owned()),
    });
    run.ok(Command::Start);
    run.ok(Command::Feedback {
        outcome: Outcome::Solved,
        note: "已清运".to_owned(),
        photos: vec!["photo-1.jpg".to_owned()],
    });
    run.ok(Command::Verify {
        satisfaction: Satisfaction::Satisfied,
        note: None,
    });
    run.ok(Command::Close);
    let t = &run.ticket;
    assert_eq!(t.state, TicketState::Closed);
    assert_eq!(t.version, 8);
    assert_eq!(t.owner.as_ref().unwrap().grid, micro(1, 2));
    assert!(t.first_contact_at.is_some() && t.closed_at.is_some());
    let kinds: Vec<&str> = run.events.iter().map(|e| e.change.kind()).collect();
    assert_eq!(
        kinds,
        [
            "received",
            "registered",
            "dispatched",
            "contacted",
            "started",
            "fed_back",
            "verified",
            "closed"
        ]
    );
    assert_eq!(replay(42, &run.events).unwrap(), run.ticket);
}

#[test]
fn first_receiver_stays_owner_through_escalation_and_delegation() {
    let mut run = Run::new();
    run.ok(Command::Register { note: None });
    run.ok(Command::Dispatch {
        assignment: to(&micro(1, 2)),
    });
    run.ok(Command::Escalate {
        level: EscalationLevel::Community,
        assignment: to(&community(1)),
        reason: "需社区协调物业".to_owned(),
    });
    run.ok(Command::Escalate {
        level: EscalationLevel::District,
        assignment: district(),
        reason: "涉及区城管执法".to_owned(),
    });
    assert_eq!(run.ticket.escalated_to, Some(EscalationLevel::District));
    // Back from the district, the street delegates down to a unit leader.
    let err = run
        .exec(&Command::Start)
        .expect_err("nobody in the street can start what the district holds");
    assert_eq!(err.code(), "ILLEGAL_TRANSITION");
    run.ok(Command::Delegate {
        assignment: to(&unit(1, 2, 1)),
        note: None,
    });
    assert!(run.ticket.delegated);
    assert_eq!(run.ticket.owner.as_ref().unwrap().grid, micro(1, 2));
    run.ok(Command::Start);
    run.ok(Command::Feedback {
        outcome: Outcome::Solved,
        note: "单元长协调解决".to_owned(),
        photos: vec![],
    });
    run.ok(Command::Verify {
        satisfaction: Satisfaction::Basic,
        note: None,
    });
    run.ok(Command::Close);
    assert_eq!(run.ticket.owner.as_ref().unwrap().grid, micro(1, 2));
    assert_eq!(replay(42, &run.events).unwrap(), run.ticket);
}

#[test]
fn escalation_must_go_up_and_delegation_down_and_inside() {
    let mut run = Run::new();
    run.ok(Command::Register { note: None });
    run.ok(Command::Dispatch {
        assignment: to(&community(1)),
    });
    let down = run.exec(&Command::Escalate {
        level: EscalationLevel::Community,
        assignment: to(&community(1)),
        reason: "x".to_owned(),
    });
    assert_eq!(down.unwrap_err().code(), "INVALID_TARGET");
    let outside = run.exec(&Command::Delegate {
        assignment: to(&micro(2, 1)),
        note: None,
    });
    assert_eq!(outside.unwrap_err().code(), "INVALID_TARGET");
    let up = run.exec(&Command::Delegate {
        assignment: to(&street()),
        note: None,
    });
    assert_eq!(up.unwrap_err().code(), "INVALID_TARGET");
    run.ok(Command::Delegate {
        assignment: to(&micro(1, 3)),
        note: Some("交楼门长".to_owned()),
    });
}

#[test]
fn dissatisfied_callback_reopens_and_the_loop_runs_again() {
    let mut run = Run::new();
    run.ok(Command::Register { note: None });
    run.ok(Command::SelfHandle {
        assignment: to(&micro(1, 2)),
    });
    run.ok(Command::Feedback {
        outcome: Outcome::Solved,
        note: "现场处置".to_owned(),
        photos: vec![],
    });
    run.ok(Command::Reject {
        note: "照片不清晰".to_owned(),
    });
    assert_eq!(run.ticket.state, TicketState::Handling);
    run.ok(Command::Feedback {
        outcome: Outcome::Solved,
        note: "补充照片".to_owned(),
        photos: vec!["p.jpg".to_owned()],
    });
    run.ok(Command::Verify {
        satisfaction: Satisfaction::Dissatisfied,
        note: None,
    });
    run.ok(Command::Close);
    run.ok(Command::Reopen {
        reason: "回访不满意".to_owned(),
    });
    assert_eq!(run.ticket.state, TicketState::Registered);
    assert_eq!(run.ticket.reopen_count, 1);
    assert!(run.ticket.closed_at.is_none());
    assert_eq!(run.ticket.owner.as_ref().unwrap().grid, micro(1, 2));
    run.ok(Command::Dispatch {
        assignment: to(&micro(1, 2)),
    });
}

#[test]
fn closed_ticket_refuses_dispatch_with_a_reason_in_chinese() {
    let mut run = Run::new();
    run.ok(Command::Cancel {
        reason: "非本街道事项".to_owned(),
    });
    let err = run
        .exec(&Command::Dispatch {
            assignment: to(&micro(1, 2)),
        })
        .unwrap_err();
    assert_eq!(err.code(), "ILLEGAL_TRANSITION");
    assert_eq!(err.message_zh(), "工单当前状态为“已注销”，不能分派");
    let err = Run::new()
        .exec(&Command::Cancel {
            reason: "  ".to_owned(),
        })
        .unwrap_err();
    assert_eq!(err.code(), "REQUIRED");
}

#[test]
fn undo_restores_the_state_before_the_dispatch_within_the_window_only() {
    let mut run = Run::new();
    run.ok(Command::Register { note: None });
    run.ok(Command::Dispatch {
        assignment: to(&micro(1, 2)),
    });
    let other = Actor {
        id: "d2".to_owned(),
        ..dispatcher()
    };
    assert_eq!(
        run.exec_as(&other, &Command::UndoDispatch)
            .unwrap_err()
            .code(),
        "UNDO_UNAVAILABLE"
    );
    run.ok(Command::UndoDispatch);
    assert_eq!(run.ticket.state, TicketState::Registered);
    assert!(run.ticket.assignment.is_none() && run.ticket.owner.is_none());
    run.ok(Command::Dispatch {
        assignment: to(&micro(1, 2)),
    });
    run.now += UNDO_WINDOW;
    assert_eq!(
        run.exec(&Command::UndoDispatch).unwrap_err().code(),
        "UNDO_UNAVAILABLE"
    );
    assert_eq!(replay(42, &run.events).unwrap(), run.ticket);
}

#[test]
fn stale_version_is_refused() {
    let (ticket, _) = new_ticket();
    let err = lifecycle::check_version(&ticket, 3).unwrap_err();
    assert_eq!(err.code(), "STALE_VERSION");
    assert!(err.message_zh().contains("第 3 版"));
    lifecycle::check_version(&ticket, 1).unwrap();
}

#[test]
fn workers_cannot_close_and_the_system_only_merges_or_flags() {
    let mut run = Run::new();
    let worker = Actor {
        id: "w".to_owned(),
        name: "网格员".to_owned(),
        role: ActorRole::Worker,
    };
    assert_eq!(
        run.exec_as(&worker, &Command::Register { note: None })
            .unwrap_err()
            .code(),
        "ROLE_NOT_PERMITTED"
    );
    assert_eq!(
        run.exec_as(&Actor::system(), &Command::Close)
            .unwrap_err()
            .code(),
        "ROLE_NOT_PERMITTED"
    );
    run.exec_as(
        &Actor::system(),
        &Command::Merge {
            into: 7,
            distance_m: Some(3.0),
        },
    )
    .unwrap();
    let Change::Merged { automatic, .. } = &run.events.last().unwrap().change else {
        panic!("merge recorded");
    };
    assert!(automatic);
    run.ok(Command::Unmerge);
    assert_eq!(run.ticket.state, TicketState::Reported);
    assert!(run.ticket.duplicate_of.is_none());
}

fn grids() -> Vec<GridCode> {
    vec![
        street(),
        community(1),
        community(2),
        micro(1, 2),
        micro(1, 3),
        micro(2, 1),
        unit(1, 2, 1),
    ]
}

fn command_strategy() -> impl Strategy<Value = Command> {
    let grid = prop::sample::select(grids());
    let text = prop_oneof![Just(String::new()), Just("说明".to_owned())];
    prop_oneof![
        Just(Command::Register { note: None }),
        text.clone().prop_map(|reason| Command::Cancel { reason }),
        grid.clone()
            .prop_map(|g| Command::Dispatch { assignment: to(&g) }),
        Just(Command::UndoDispatch),
        grid.clone()
            .prop_map(|g| Command::SelfHandle { assignment: to(&g) }),
        Just(Command::Start),
        (prop::sample::select(vec![
            EscalationLevel::Community,
            EscalationLevel::Street,
            EscalationLevel::District
        ]),)
            .prop_map(|(level,)| {
                let assignment = match level {
                    EscalationLevel::Community => to(&community(1)),
                    EscalationLevel::Street => to(&street()),
                    EscalationLevel::District => district(),
                };
                Command::Escalate {
                    level,
                    assignment,
                    reason: "原因".to_owned(),
                }
            }),
        grid.prop_map(|g| Command::Delegate {
            assignment: to(&g),
            note: None
        }),
        Just(Command::Contact { note: None }),
        prop::bool::ANY.prop_map(|solved| Command::Feedback {
            outcome: if solved {
                Outcome::Solved
            } else {
                Outcome::Unsolved
            },
            note: "结果".to_owned(),
            photos: vec![],
        }),
        Just(Command::Verify {
            satisfaction: Satisfaction::Satisfied,
            note: None
        }),
        text.clone().prop_map(|note| Command::Reject { note }),
        Just(Command::Close),
        text.prop_map(|reason| Command::Reopen { reason }),
        (0i64..3).prop_map(|into| Command::Merge {
            into: 40 + into,
            distance_m: None
        }),
        Just(Command::Unmerge),
        Just(Command::FlagDuplicate {
            flag: DuplicateFlag {
                of: 7,
                distance_m: 30.0
            }
        }),
        Just(Command::DismissFlag),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_command_sequences_keep_every_invariant(
        commands in prop::collection::vec((command_strategy(), prop::bool::ANY), 1..40)
    ) {
        let mut run = Run::new();
        for (command, as_system) in &commands {
            let actor = if *as_system { Actor::system() } else { dispatcher() };
            let owner_before = run.ticket.owner.clone();
            let state_before = run.ticket.state;
            let version_before = run.ticket.version;
            if run.exec_as(&actor, command).is_ok() {
                let event = run.events.last().unwrap();
                prop_assert_eq!(event.from, Some(state_before));
                prop_assert_eq!(event.version, version_before + 1);
                let undone_owner = matches!(
                    event.change,
                    Change::DispatchUndone { owner_cleared: true, .. }
                );
                if owner_before.is_some() && !undone_owner {
                    prop_assert_eq!(&run.ticket.owner, &owner_before, "first receiver changed");
                }
            } else {
                prop_assert_eq!(run.ticket.version, version_before);
            }
            let t = &run.ticket;
            prop_assert_eq!(t.version as usize, run.events.len());
            prop_assert_eq!(t.duplicate_of.is_some(), t.state == TicketState::Merged);
            if t.state == TicketState::Closed {
                prop_assert!(t.closed_at.is_some() && t.outcome.is_some() && t.satisfaction.is_some());
            }
            if t.state == TicketState::Cancelled {
                prop_assert!(t.cancel_reason.as_deref().is_some_and(|r| !r.trim().is_empty()));
            }
            if matches!(t.state, TicketState::Dispatched | TicketState::Handling | TicketState::FedBack) {
                prop_assert!(t.assignment.is_some(), "work in progress without a holder");
            }
            if t.owner.is_some() {
                prop_assert!(t.assignment.is_some() || t.state == TicketState::Registered);
            }
        }
        prop_assert_eq!(replay(42, &run.events).unwrap(), run.ticket.clone());
    }
}
