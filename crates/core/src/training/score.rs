//! How a trainee handled each scripted request, against what the scenario expected of it: the
//! grid it ended with, whether it was escalated as far as it should have been, whether it was
//! dispatched in time; and a trainee's score over a run, comparable between runs of the same
//! scenario (the same scripted requests, the same weights).

use chrono::{DateTime, Utc};

use super::scenario::{Escalation, PlannedRequest};
use crate::code::GridCode;
use crate::ticket::lifecycle::{Change, TicketEvent};
use crate::ticket::{Actor, EscalationLevel};

/// Points of a scripted request handled entirely right: the grid, the escalation, the time.
pub const GRID_POINTS: u32 = 40;
pub const ESCALATION_POINTS: u32 = 30;
pub const TIME_POINTS: u32 = 30;

/// What a trainee did with one scripted request, read off its ticket's events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handled {
    /// Seconds from its arrival to its registration and to its first dispatch.
    pub registered_after: Option<u32>,
    pub dispatched_after: Option<u32>,
    /// The grid it was last sent to (not where an escalation took it).
    pub assigned_to: Option<GridCode>,
    /// How far up it went (上交社区, 上交街道), at most.
    pub escalated: Option<Escalation>,
    /// Handed down (下交) on the way.
    pub delegated: bool,
    /// Actions refused because someone else changed the ticket first.
    pub conflicts: u32,
}

/// What a trainee did with one scripted request, read off its ticket's events (`events`, in
/// order): their own registration and their first hand-over (a dispatch, 下交, 上交 or taking it
/// on themselves), in scenario seconds after `arrived` as `second_of` reads a wall instant;
/// and, the street's result whoever did it, the grid it was last sent to (dispatched, handed
/// down or taken on — not where an escalation took it, which is judged as the escalation), how
/// far it went up and whether it was handed down. Conflicts are not in the log (a refused step leaves no
/// event): the caller counts them.
pub fn handled_by(
    events: &[TicketEvent],
    arrived: f64,
    is_trainee: impl Fn(&Actor) -> bool,
    second_of: impl Fn(DateTime<Utc>) -> f64,
) -> Handled {
    let after = |at: DateTime<Utc>| -> u32 {
        let seconds = (second_of(at) - arrived).max(0.0).round();
        // Whole seconds; a run lasts at most a day.
        seconds.min(f64::from(u32::MAX)) as u32
    };
    let mut handled = Handled::default();
    for event in events {
        let own = is_trainee(&event.actor);
        let assignment = match &event.change {
            Change::Registered { .. } => {
                if own && handled.registered_after.is_none() {
                    handled.registered_after = Some(after(event.at));
                }
                None
            }
            Change::Dispatched { assignment, .. } | Change::SelfHandled { assignment } => {
                Some(assignment)
            }
            Change::Delegated { assignment, .. } => {
                handled.delegated = true;
                Some(assignment)
            }
            Change::Escalated { level, .. } => {
                let went = match level {
                    EscalationLevel::Community => Escalation::Community,
                    EscalationLevel::Street | EscalationLevel::District => Escalation::Street,
                };
                if handled
                    .escalated
                    .is_none_or(|e| level_of(e) < level_of(went))
                {
                    handled.escalated = Some(went);
                }
                // Its own hand-over, judged as the escalation; the grid stays where it was sent.
                if own && handled.dispatched_after.is_none() {
                    handled.dispatched_after = Some(after(event.at));
                }
                None
            }
            Change::DispatchUndone { restored, .. } => {
                handled.assigned_to = restored.as_ref().and_then(|a| a.grid.clone());
                None
            }
            _ => None,
        };
        if let Some(assignment) = assignment {
            handled.assigned_to.clone_from(&assignment.grid);
            if own && handled.dispatched_after.is_none() {
                handled.dispatched_after = Some(after(event.at));
            }
        }
    }
    handled
}

/// The verdict on one scripted request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub right_grid: bool,
    pub right_escalation: bool,
    pub in_time: bool,
    pub points: u32,
}

fn level_of(e: Escalation) -> u8 {
    match e {
        Escalation::None => 0,
        Escalation::Community => 1,
        Escalation::Street => 2,
    }
}

/// Judges `handled` against `expected`. Nothing dispatched earns nothing.
///
/// ```
/// use binhe_core::training::score::{Handled, judge};
/// # use binhe_core::training::scenario::{Clock, Escalation, PlannedRequest};
/// # use binhe_core::ticket::{Channel, Urgency};
/// # let micro = binhe_core::GridCode::parse("110117001017001").unwrap();
/// # let expected = PlannedRequest { at: Clock(0), channel: Channel::Hotline,
/// #     category: "garbage".into(), description: "垃圾".into(), micro: micro.clone(),
/// #     urgency: Urgency::Normal, expect_grid: micro.clone(), escalate: Escalation::None,
/// #     dispatch_within: 10 };
/// let late = Handled { dispatched_after: Some(15 * 60), assigned_to: Some(micro), ..Handled::default() };
/// let verdict = judge(&expected, &late);
/// assert!(verdict.right_grid && !verdict.in_time);
/// assert_eq!(verdict.points, 70);
/// ```
pub fn judge(expected: &PlannedRequest, handled: &Handled) -> Verdict {
    let Some(after) = handled.dispatched_after else {
        return Verdict {
            right_grid: false,
            right_escalation: false,
            in_time: false,
            points: 0,
        };
    };
    let right_grid = handled.assigned_to.as_ref() == Some(&expected.expect_grid);
    let went = handled.escalated.map_or(0, level_of);
    let right_escalation = went == level_of(expected.escalate);
    let in_time = after <= expected.dispatch_within * 60;
    let points = u32::from(right_grid) * GRID_POINTS
        + u32::from(right_escalation) * ESCALATION_POINTS
        + u32::from(in_time) * TIME_POINTS;
    Verdict {
        right_grid,
        right_escalation,
        in_time,
        points,
    }
}

/// A trainee's run in figures.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    pub scripted: u32,
    pub dispatched: u32,
    pub right_grid: u32,
    pub right_escalation: u32,
    pub in_time: u32,
    pub conflicts: u32,
    /// Median seconds from arrival to registration and to dispatch, over those done.
    pub median_register_seconds: Option<u32>,
    pub median_dispatch_seconds: Option<u32>,
    /// 0–100: the points earned over the points there were.
    pub score: f64,
}

fn median(mut values: Vec<u32>) -> Option<u32> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        // The mean of the middle two, rounded down.
        _ => u32::try_from(u64::midpoint(
            u64::from(values[n / 2 - 1]),
            u64::from(values[n / 2]),
        ))
        .ok(),
    }
}

/// Sums up a trainee's handling of every scripted request (`handled[i]` for `expected[i]`; a
/// request the trainee never touched is `Handled::default()`).
pub fn summarise(expected: &[PlannedRequest], handled: &[Handled]) -> Summary {
    let verdicts: Vec<Verdict> = expected
        .iter()
        .zip(handled)
        .map(|(e, h)| judge(e, h))
        .collect();
    let count = |f: fn(&Verdict) -> bool| {
        u32::try_from(verdicts.iter().filter(|v| f(v)).count()).unwrap_or(u32::MAX)
    };
    let possible = u32::try_from(expected.len()).unwrap_or(u32::MAX)
        * (GRID_POINTS + ESCALATION_POINTS + TIME_POINTS);
    let earned: u32 = verdicts.iter().map(|v| v.points).sum();
    Summary {
        scripted: u32::try_from(expected.len()).unwrap_or(u32::MAX),
        dispatched: u32::try_from(
            handled
                .iter()
                .filter(|h| h.dispatched_after.is_some())
                .count(),
        )
        .unwrap_or(u32::MAX),
        right_grid: count(|v| v.right_grid),
        right_escalation: count(|v| v.right_escalation),
        in_time: count(|v| v.in_time),
        conflicts: handled.iter().map(|h| h.conflicts).sum(),
        median_register_seconds: median(
            handled.iter().filter_map(|h| h.registered_after).collect(),
        ),
        median_dispatch_seconds: median(
            handled.iter().filter_map(|h| h.dispatched_after).collect(),
        ),
        score: if possible == 0 {
            0.0
        } else {
            f64::from(earned) * 100.0 / f64::from(possible)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::{Channel, Urgency};
    use crate::training::scenario::Clock;

    fn expected(grid: &str, escalate: Escalation, within: u32) -> PlannedRequest {
        let grid = GridCode::parse(grid).unwrap();
        PlannedRequest {
            at: Clock(18 * 60),
            channel: Channel::Hotline,
            category: "sewage_backflow".to_owned(),
            description: "污水反溢".to_owned(),
            micro: grid.clone(),
            urgency: Urgency::Urgent,
            expect_grid: grid,
            escalate,
            dispatch_within: within,
        }
    }

    #[test]
    fn a_run_is_scored_by_grid_escalation_and_time() {
        let community = "110117001017000";
        let micro = "110117001017001";
        let script = [
            expected(community, Escalation::Community, 10),
            expected(micro, Escalation::None, 30),
            expected(micro, Escalation::Street, 5),
        ];
        let code = |c: &str| Some(GridCode::parse(c).unwrap());
        let handled = [
            // Right in every way: escalated to the community in 6 minutes.
            Handled {
                registered_after: Some(60),
                dispatched_after: Some(6 * 60),
                assigned_to: code(community),
                escalated: Some(Escalation::Community),
                delegated: false,
                conflicts: 1,
            },
            // The right grid, late, escalated where it need not be.
            Handled {
                registered_after: Some(120),
                dispatched_after: Some(40 * 60),
                assigned_to: code(micro),
                escalated: Some(Escalation::Community),
                delegated: false,
                conflicts: 0,
            },
            // Never dispatched.
            Handled::default(),
        ];
        let verdicts: Vec<u32> = script
            .iter()
            .zip(&handled)
            .map(|(e, h)| judge(e, h).points)
            .collect();
        assert_eq!(verdicts, [100, 40, 0]);
        let summary = summarise(&script, &handled);
        assert_eq!(
            (
                summary.scripted,
                summary.dispatched,
                summary.right_grid,
                summary.right_escalation,
                summary.in_time,
                summary.conflicts
            ),
            (3, 2, 2, 1, 1, 1)
        );
        assert_eq!(summary.median_register_seconds, Some(90));
        assert_eq!(summary.median_dispatch_seconds, Some(23 * 60));
        assert!(
            (summary.score - 140.0 / 3.0).abs() < 1e-9,
            "{}",
            summary.score
        );
        assert!(summarise(&[], &[]).score.abs() < f64::EPSILON);
    }

    #[test]
    fn a_trainee_s_handling_is_read_off_the_ticket_s_events() {
        use crate::ticket::lifecycle::{Change, TicketEvent};
        use crate::ticket::{Actor, ActorRole, Assignment, EscalationLevel, TicketState};
        use chrono::TimeZone;

        let t0 = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let actor = |id: &str, role| Actor {
            id: id.to_owned(),
            name: id.to_owned(),
            role,
        };
        let to = |code: &str| Assignment {
            grid: Some(GridCode::parse(code).unwrap()),
            grid_name: code.to_owned(),
            worker_id: None,
            worker_name: None,
        };
        let community = "110117001017000";
        let micro = "110117001017003";
        let event = |second: i64, who: Actor, change: Change| TicketEvent {
            ticket_id: 1,
            version: 1,
            at: t0 + chrono::Duration::seconds(second),
            actor: who,
            from: None,
            to: TicketState::Registered,
            change,
        };
        let trainee = actor("li", ActorRole::Dispatcher);
        let commander = actor("wang", ActorRole::Commander);
        let events = [
            event(30, trainee.clone(), Change::Registered { note: None }),
            event(
                50,
                trainee.clone(),
                Change::Dispatched {
                    assignment: to(community),
                    previous: None,
                    sets_owner: true,
                },
            ),
            event(
                80,
                commander.clone(),
                Change::Escalated {
                    level: EscalationLevel::Community,
                    assignment: to(community),
                    reason: "需社区协调".to_owned(),
                },
            ),
            event(
                95,
                commander,
                Change::Delegated {
                    assignment: to(micro),
                    note: None,
                },
            ),
        ];
        // The clock ran at 10× from t0, and the request arrived 100 scenario seconds in.
        let second_of = |at: DateTime<Utc>| (at - t0).num_milliseconds() as f64 / 100.0;
        let handled = handled_by(&events, 100.0, |a| a.id == "li", second_of);
        assert_eq!(handled.registered_after, Some(200));
        assert_eq!(handled.dispatched_after, Some(400));
        assert_eq!(handled.assigned_to, Some(GridCode::parse(micro).unwrap()));
        assert_eq!(handled.escalated, Some(Escalation::Community));
        assert!(handled.delegated);
        // The commander's own: no registration, handed over at 700 s.
        let theirs = handled_by(&events, 100.0, |a| a.id == "wang", second_of);
        assert_eq!(theirs.registered_after, None);
        assert_eq!(theirs.dispatched_after, Some(700));
        // Nobody's: the street's result, nothing of their own.
        let nobody = handled_by(&events, 100.0, |_| false, second_of);
        assert_eq!(nobody.dispatched_after, None);
        assert_eq!(
            judge(&expected(micro, Escalation::Community, 10), &nobody).points,
            0
        );
        assert_eq!(
            judge(&expected(micro, Escalation::Community, 10), &handled).points,
            100
        );
    }
}
