//! Roles and scopes: a commander sees and dispatches only inside their community (plus what they
//! own as first receiver), a worker only their own tasks, an administrator acts on no ticket.

use binhe_core::GridCode;
use binhe_core::access::{Principal, Role};
use binhe_core::ticket::intake::Intake;
use binhe_core::ticket::lifecycle::{self, Command};
use binhe_core::ticket::routing::Routing;
use binhe_core::ticket::{Actor, Assignment, Channel, Point, Ticket};
use chrono::{Duration, TimeZone, Utc};

fn community(n: u16) -> GridCode {
    GridCode::street("110117", 1).community(n)
}

fn to(grid: &GridCode, worker: &str) -> Assignment {
    Assignment {
        grid: Some(grid.clone()),
        grid_name: grid.to_string(),
        worker_id: Some(worker.to_owned()),
        worker_name: Some(worker.to_owned()),
    }
}

/// A registered ticket routed to a micro-grid of community `n`.
fn ticket_in(n: u16, reporter: Option<&str>) -> Ticket {
    let at = Utc.with_ymd_and_hms(2026, 11, 28, 1, 0, 0).unwrap();
    let point = Point {
        lon: 117.1,
        lat: 40.1,
    };
    let intake = Intake {
        source_ref: reporter.map(str::to_owned),
        ..Intake::at_point(Channel::Patrol, "garbage", "垃圾堆放", point, at)
    };
    let routing = Routing {
        community: Some(community(n)),
        micro: Some(community(n).micro(1)),
        unit: None,
        unrouted: None,
    };
    let mut receipt = lifecycle::receipt(
        intake,
        None,
        routing,
        (at + Duration::hours(24), at + Duration::days(7)),
        &Actor::system(),
    );
    receipt.ticket_id = 1;
    let mut ticket = Ticket::received(&receipt).unwrap();
    ticket
        .execute(
            Some(&receipt),
            &Command::Register { note: None },
            &dispatcher().actor(),
            at,
        )
        .unwrap();
    ticket
}

fn dispatcher() -> Principal {
    Principal {
        account: "d".to_owned(),
        name: "调度员".to_owned(),
        role: Role::Dispatcher,
        community: None,
        worker_id: None,
    }
}

fn commander(n: u16) -> Principal {
    Principal {
        account: format!("c{n}"),
        name: "社区指挥".to_owned(),
        role: Role::Commander,
        community: Some(community(n)),
        worker_id: None,
    }
}

fn worker(id: &str) -> Principal {
    Principal {
        account: format!("w-{id}"),
        name: "网格员".to_owned(),
        role: Role::Worker,
        community: None,
        worker_id: Some(id.to_owned()),
    }
}

#[test]
fn commander_sees_and_dispatches_only_inside_their_community() {
    let mine = ticket_in(3, None);
    let theirs = ticket_in(4, None);
    let c = commander(3);
    assert!(c.sees_ticket(&mine));
    assert!(!c.sees_ticket(&theirs));
    assert!(c.sees_grid(&community(3).micro(7)));
    assert!(!c.sees_grid(&community(4)));
    assert!(
        !c.sees_grid(&GridCode::street("110117", 1)),
        "not even the street outline"
    );

    let inside = Command::Dispatch {
        assignment: to(&community(3).micro(2), "w1"),
    };
    let outside = Command::Dispatch {
        assignment: to(&community(4).micro(2), "w2"),
    };
    assert!(c.may(&inside, &mine).is_ok());
    assert_eq!(c.may(&outside, &mine).unwrap_err().code(), "OUT_OF_SCOPE");
    assert_eq!(c.may(&inside, &theirs).unwrap_err().code(), "OUT_OF_SCOPE");
    assert!(dispatcher().may(&outside, &mine).is_ok());
}

#[test]
fn first_receiver_keeps_seeing_a_ticket_escalated_out_of_its_community() {
    let mut t = ticket_in(3, None);
    let now = t.updated_at;
    t.execute(
        None,
        &Command::Dispatch {
            assignment: to(&community(3).micro(1), "w1"),
        },
        &dispatcher().actor(),
        now,
    )
    .unwrap();
    t.execute(
        None,
        &Command::Escalate {
            level: binhe_core::ticket::EscalationLevel::Street,
            assignment: to(&GridCode::street("110117", 1), "zz"),
            reason: "需街道协调".to_owned(),
        },
        &dispatcher().actor(),
        now,
    )
    .unwrap();
    // Re-routed elsewhere by a corrected location, still owned here.
    t.routing.community = Some(community(5));
    assert!(
        commander(3).sees_ticket(&t),
        "owner community still answers for it"
    );
    assert!(
        commander(5).sees_ticket(&t),
        "the community it lies in sees it"
    );
    assert!(!commander(6).sees_ticket(&t));
}

#[test]
fn worker_sees_own_tasks_and_may_only_handle_them() {
    let mut held = ticket_in(3, None);
    let now = held.updated_at;
    held.execute(
        None,
        &Command::Dispatch {
            assignment: to(&community(3).micro(1), "W7"),
        },
        &dispatcher().actor(),
        now,
    )
    .unwrap();
    let reported = ticket_in(4, Some("W7"));
    let other = ticket_in(4, Some("W8"));
    let w = worker("W7");
    assert!(w.sees_ticket(&held) && w.sees_ticket(&reported) && !w.sees_ticket(&other));
    assert!(w.may(&Command::Start, &held).is_ok());
    assert_eq!(
        w.may(&Command::Close, &held).unwrap_err().code(),
        "ROLE_NOT_PERMITTED"
    );
    assert_eq!(
        w.may(&Command::Start, &other).unwrap_err().code(),
        "OUT_OF_SCOPE"
    );
    assert_eq!(w.actor().id, "w-W7");
}

#[test]
fn administrator_configures_but_acts_on_no_ticket() {
    let admin = Principal {
        role: Role::Administrator,
        ..dispatcher()
    };
    let t = ticket_in(3, None);
    assert!(admin.sees_ticket(&t) && admin.may_administer());
    assert_eq!(
        admin
            .may(
                &Command::Cancel {
                    reason: "x".to_owned()
                },
                &t
            )
            .unwrap_err()
            .code(),
        "ROLE_NOT_PERMITTED"
    );
    assert!(!commander(3).may_administer() && !worker("W1").may_administer());
    assert!(dispatcher().may_administer());
    for role in Role::ALL {
        assert_eq!(Role::from_code(role.as_str()), Some(role));
    }
}

#[test]
fn failed_logins_are_free_at_first_then_wait_longer_up_to_a_quarter_hour() {
    use binhe_core::access::login_lockout;
    let waits: Vec<Option<i64>> = (0..=16)
        .map(|n| login_lockout(n).map(|d| d.num_seconds()))
        .collect();
    assert_eq!(&waits[..5], &[None; 5]);
    assert_eq!(
        &waits[5..10],
        &[Some(1), Some(2), Some(4), Some(8), Some(16)]
    );
    assert_eq!(waits[14], Some(512));
    assert_eq!(waits[15], Some(900), "capped at 15 minutes");
    assert_eq!(login_lockout(u32::MAX).map(|d| d.num_seconds()), Some(900));
}

#[test]
fn an_audience_holds_everyone_involved_and_a_scope_reaches_only_its_own() {
    use binhe_core::access::{Audience, Visibility};
    let ticket = ticket_in(3, Some("w-reporter"));
    let audience = Audience::of(&ticket);
    assert_eq!(audience.communities, [community(3)]);
    assert_eq!(audience.workers, ["w-reporter"]);
    let moved = Audience {
        communities: vec![community(5)],
        workers: vec!["w-9".to_owned()],
    };
    let both = audience.union(&moved);
    assert_eq!(both.communities, [community(3), community(5)]);
    let commander = |n| Principal {
        account: "c".to_owned(),
        name: "c".to_owned(),
        role: Role::Commander,
        community: Some(community(n)),
        worker_id: None,
    };
    assert!(commander(3).reaches(&audience));
    assert!(!commander(5).reaches(&audience));
    assert!(commander(5).reaches(&both));
    assert_eq!(
        commander(5).visibility(),
        Visibility::Community(community(5))
    );
    let lost = Principal {
        community: None,
        ..commander(3)
    };
    assert_eq!(lost.visibility(), Visibility::Nothing);
    assert!(
        !lost.reaches(&audience),
        "a commander without a community sees nothing"
    );
}

#[test]
fn video_reaches_a_worker_in_their_grid_a_commander_in_their_community_the_desk_everywhere() {
    use binhe_core::access::DeviceScope;
    let posted = community(1).micro(3);
    let in_posted = posted.unit(2);
    let next_door = community(1).micro(4);
    let elsewhere = community(2).micro(3);

    let field = worker("W1").device_scope(Some(&posted));
    assert_eq!(field, DeviceScope::Within(posted.clone()));
    assert!(field.covers(&posted) && field.covers(&in_posted));
    assert!(!field.covers(&next_door) && !field.covers(&elsewhere));
    assert!(
        !field.covers(&community(1)),
        "not the community's own devices"
    );

    let community_scope = commander(1).device_scope(None);
    assert!(community_scope.covers(&posted) && community_scope.covers(&next_door));
    assert!(!community_scope.covers(&elsewhere));

    for desk in [
        dispatcher(),
        Principal {
            role: Role::Administrator,
            ..dispatcher()
        },
    ] {
        assert!(desk.device_scope(None).covers(&elsewhere));
    }

    // An account whose worker record or community is missing reaches none.
    assert_eq!(worker("W1").device_scope(None), DeviceScope::Nothing);
    let adrift = Principal {
        community: None,
        ..commander(1)
    };
    assert!(!adrift.device_scope(None).covers(&posted));
    // The map still shows every grid to a worker: only video is narrower.
    assert!(worker("W1").sees_grid(&elsewhere));
}
