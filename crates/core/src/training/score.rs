//! How a trainee handled each scripted request, against what the scenario expected of it: the
//! grid it ended with, whether it was escalated as far as it should have been, whether it was
//! dispatched in time; and a trainee's score over a run, comparable between runs of the same
//! scenario (the same scripted requests, the same weights).

use super::scenario::{Escalation, PlannedRequest};
use crate::code::GridCode;

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
    /// The grid it was assigned to last.
    pub assigned_to: Option<GridCode>,
    /// How far up it went (上交社区, 上交街道), at most.
    pub escalated: Option<Escalation>,
    /// Actions refused because someone else changed the ticket first.
    pub conflicts: u32,
}

/// The verdict on one scripted request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub right_grid: bool,
    pub right_escalation: bool,
    pub in_time: bool,
    pub points: u32,
}

fn level(e: Escalation) -> u8 {
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
    let went = handled.escalated.map_or(0, level);
    let right_escalation = went == level(expected.escalate);
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
                conflicts: 1,
            },
            // The right grid, late, escalated where it need not be.
            Handled {
                registered_after: Some(120),
                dispatched_after: Some(40 * 60),
                assigned_to: code(micro),
                escalated: Some(Escalation::Community),
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
}
