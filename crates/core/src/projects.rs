//! 治理项目: a governance project takes on a problem of a place (a hotspot of 未诉先办, or what
//! a worker or commander found) with a goal, an area, a budget, milestones, someone responsible
//! and the tickets it answers. Once it is done its effect is measured: requests of its category
//! in its area in the days after it was finished, against as many days before it started, and
//! against the rest of the street over the same two windows — so a street-wide rise or fall
//! (the season, a campaign) is not credited to the project.
//!
//! The measure is the comparison of two Poisson rates conditioned on their sum: under "the
//! area followed the rest of the street", the area's share of its before-and-after requests that
//! fall after is binomial with the rest's share as its probability. The p-value is that
//! binomial's lower tail (fewer after than the street's trend says); requests avoided are the
//! area's before count carried forward by the rest's trend, less what came.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

crate::labelled! {
    /// Where a project is.
    #[derive(PartialOrd, Ord)]
    pub enum ProjectState {
        Planned = "planned", "筹备中", "Planned";
        Underway = "underway", "实施中", "Under way";
        Done = "done", "已完成", "Done";
    }
}

/// The longest window the effect is measured over, in days on each side.
pub const MAX_EFFECT_DAYS: i64 = 90;

/// Whole Beijing days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRange {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl DayRange {
    pub fn days(self) -> i64 {
        (self.last - self.first).num_days() + 1
    }
}

/// The two windows an effect compares: `after` runs from the day after the project was done
/// up to `today`'s eve (at most [`MAX_EFFECT_DAYS`]); `before` is as many days up to the eve of
/// its start. `None` while there is no whole day after it yet (or the dates are the wrong way
/// round).
pub fn effect_windows(
    started_on: NaiveDate,
    finished_on: NaiveDate,
    today: NaiveDate,
) -> Option<(DayRange, DayRange)> {
    if finished_on < started_on {
        return None;
    }
    let first_after = finished_on + Duration::days(1);
    let yesterday = today - Duration::days(1);
    if yesterday < first_after {
        return None;
    }
    let last_after = yesterday.min(first_after + Duration::days(MAX_EFFECT_DAYS - 1));
    let after = DayRange {
        first: first_after,
        last: last_after,
    };
    let before = DayRange {
        first: started_on - Duration::days(after.days()),
        last: started_on - Duration::days(1),
    };
    Some((before, after))
}

/// Requests counted for an effect: in the project's area (and category) and in the rest of the
/// street (same category), before and after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffectCounts {
    pub area_before: u64,
    pub area_after: u64,
    pub rest_before: u64,
    pub rest_after: u64,
}

/// What a finished project changed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Effect {
    pub counts: EffectCounts,
    /// The rest of the street's after/before ratio (1 when it had no requests before).
    pub street_trend: f64,
    /// What the area would have had after, following the street: `area_before × street_trend`.
    pub expected_after: f64,
    /// `expected_after − area_after`; negative when the area got more than the trend says.
    pub avoided: f64,
    /// `area_after / expected_after − 1`; `None` when nothing was expected.
    pub change: Option<f64>,
    /// One-sided: the chance of as few requests after as came, had the area followed the street.
    pub p_value: f64,
}

impl Effect {
    pub fn measure(counts: EffectCounts) -> Self {
        let trend = if counts.rest_before == 0 {
            1.0
        } else {
            counts.rest_after as f64 / counts.rest_before as f64
        };
        let expected_after = counts.area_before as f64 * trend;
        let change =
            (expected_after > 0.0).then(|| counts.area_after as f64 / expected_after - 1.0);
        // The share of the area's requests expected to fall after, had it followed the rest.
        let share = trend / (1.0 + trend);
        let p_value = binomial_lower_tail(
            counts.area_after,
            counts.area_before + counts.area_after,
            share,
        );
        Self {
            counts,
            street_trend: trend,
            expected_after,
            avoided: expected_after - counts.area_after as f64,
            change,
            p_value,
        }
    }
}

/// `P(X ≤ k)` for `X ~ Binomial(n, p)`, each term in log space so none underflows.
pub fn binomial_lower_tail(k: u64, n: u64, p: f64) -> f64 {
    if k >= n || p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return 0.0;
    }
    let (ln_p, ln_q) = (p.ln(), (1.0 - p).ln());
    let n_f = n as f64;
    // ln C(n, i), built up term by term.
    let mut ln_choose = 0.0;
    let mut terms = Vec::with_capacity(usize::try_from(k + 1).unwrap_or(usize::MAX));
    for i in 0..=k {
        let i_f = i as f64;
        if i > 0 {
            ln_choose += (n_f - i_f + 1.0).ln() - i_f.ln();
        }
        terms.push(ln_choose + i_f * ln_p + (n_f - i_f) * ln_q);
    }
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = terms.iter().map(|t| (t - top).exp()).sum();
    (top.exp() * sum).min(1.0)
}

/// A step of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub title: String,
    pub due_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_on: Option<NaiveDate>,
}

/// Something wrong with a project as given, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectProblem {
    pub field: String,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

impl ProjectProblem {
    fn new(field: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
            message_zh: zh.into(),
            message_en: en.into(),
        }
    }
}

/// Longest title and goal, in characters.
pub const MAX_TITLE_CHARS: usize = 80;
pub const MAX_GOAL_CHARS: usize = 2_000;
pub const MAX_MILESTONES: usize = 50;

/// A project's dates and texts as a person gave them, checked all at once.
#[derive(Debug, Clone, Copy)]
pub struct ProjectDates<'a> {
    pub title: &'a str,
    pub goal: &'a str,
    pub state: ProjectState,
    pub started_on: Option<NaiveDate>,
    pub finished_on: Option<NaiveDate>,
    pub budget_fen: Option<i64>,
    pub milestones: &'a [Milestone],
    pub area_grids: usize,
}

/// Every problem of `p`; empty when it can be kept.
pub fn check(p: &ProjectDates<'_>) -> Vec<ProjectProblem> {
    let mut problems = Vec::new();
    let title = p.title.trim();
    if title.is_empty() {
        problems.push(ProjectProblem::new(
            "title",
            "MISSING_FIELD",
            "请填写项目名称",
            "The project needs a title",
        ));
    } else if title.chars().count() > MAX_TITLE_CHARS {
        problems.push(ProjectProblem::new(
            "title",
            "TOO_LONG",
            format!("项目名称不能超过 {MAX_TITLE_CHARS} 个字"),
            format!("The title is longer than {MAX_TITLE_CHARS} characters"),
        ));
    }
    if p.goal.trim().is_empty() {
        problems.push(ProjectProblem::new(
            "goal",
            "MISSING_FIELD",
            "请填写治理目标",
            "The project needs a goal",
        ));
    } else if p.goal.chars().count() > MAX_GOAL_CHARS {
        problems.push(ProjectProblem::new(
            "goal",
            "TOO_LONG",
            format!("治理目标不能超过 {MAX_GOAL_CHARS} 个字"),
            format!("The goal is longer than {MAX_GOAL_CHARS} characters"),
        ));
    }
    if p.area_grids == 0 {
        problems.push(ProjectProblem::new(
            "area",
            "MISSING_FIELD",
            "请选择治理区域（至少一个网格）",
            "Choose the project's area (at least one grid)",
        ));
    }
    if p.budget_fen.is_some_and(|b| b < 0) {
        problems.push(ProjectProblem::new(
            "budget",
            "NEGATIVE",
            "预算不能为负数",
            "The budget cannot be negative",
        ));
    }
    match (p.state, p.started_on, p.finished_on) {
        (ProjectState::Underway | ProjectState::Done, None, _) => {
            problems.push(ProjectProblem::new(
                "started_on",
                "MISSING_FIELD",
                "实施中或已完成的项目须填写开始日期",
                "A project under way or done needs its start date",
            ));
        }
        (ProjectState::Done, _, None) => problems.push(ProjectProblem::new(
            "finished_on",
            "MISSING_FIELD",
            "已完成的项目须填写完成日期",
            "A finished project needs its finishing date",
        )),
        (ProjectState::Planned | ProjectState::Underway, _, Some(_)) => {
            problems.push(ProjectProblem::new(
                "finished_on",
                "NOT_DONE",
                "项目尚未完成，不能填写完成日期",
                "Only a finished project has a finishing date",
            ));
        }
        _ => {}
    }
    if let (Some(start), Some(end)) = (p.started_on, p.finished_on)
        && end < start
    {
        problems.push(ProjectProblem::new(
            "finished_on",
            "BEFORE_START",
            "完成日期早于开始日期",
            "The finishing date is before the start",
        ));
    }
    if p.milestones.len() > MAX_MILESTONES {
        problems.push(ProjectProblem::new(
            "milestones",
            "TOO_MANY",
            format!("节点不能超过 {MAX_MILESTONES} 个"),
            format!("At most {MAX_MILESTONES} milestones"),
        ));
    }
    for (i, m) in p.milestones.iter().enumerate() {
        if m.title.trim().is_empty() {
            problems.push(ProjectProblem::new(
                &format!("milestones[{i}].title"),
                "MISSING_FIELD",
                format!("第 {} 个节点缺少名称", i + 1),
                format!("Milestone {} has no title", i + 1),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_windows_are_as_long_on_both_sides_and_at_most_ninety_days() {
        let (before, after) =
            effect_windows(day("2026-06-01"), day("2026-06-20"), day("2026-07-01")).unwrap();
        assert_eq!(after.first, day("2026-06-21"));
        assert_eq!(after.last, day("2026-06-30"));
        assert_eq!(after.days(), 10);
        assert_eq!(before.first, day("2026-05-22"));
        assert_eq!(before.last, day("2026-05-31"));
        assert_eq!(before.days(), 10);
        let (before, after) =
            effect_windows(day("2026-01-10"), day("2026-02-01"), day("2026-12-01")).unwrap();
        assert_eq!((before.days(), after.days()), (90, 90));
        assert_eq!(after.last, day("2026-05-02"));
        assert_eq!(before.last, day("2026-01-09"));
        // Done yesterday or today: no whole day after yet.
        assert_eq!(
            effect_windows(day("2026-06-01"), day("2026-06-30"), day("2026-07-01")),
            None
        );
        assert_eq!(
            effect_windows(day("2026-06-02"), day("2026-06-01"), day("2026-07-01")),
            None
        );
    }

    #[test]
    fn an_area_that_fell_with_the_street_avoided_nothing() {
        let e = Effect::measure(EffectCounts {
            area_before: 20,
            area_after: 10,
            rest_before: 400,
            rest_after: 200,
        });
        assert!((e.street_trend - 0.5).abs() < 1e-12);
        assert!((e.expected_after - 10.0).abs() < 1e-12);
        assert!(e.avoided.abs() < 1e-12);
        assert_eq!(e.change, Some(0.0));
        assert!(e.p_value > 0.4, "{}", e.p_value);
    }

    #[test]
    fn an_area_that_fell_against_a_steady_street_avoided_requests() {
        let e = Effect::measure(EffectCounts {
            area_before: 30,
            area_after: 6,
            rest_before: 500,
            rest_after: 520,
        });
        assert!((e.expected_after - 31.2).abs() < 1e-9);
        assert!((e.avoided - 25.2).abs() < 1e-9);
        assert!(e.change.unwrap() < -0.8);
        assert!(e.p_value < 1e-4, "{}", e.p_value);
    }

    #[test]
    fn the_binomial_tail_matches_a_direct_sum_and_survives_large_n() {
        let direct = |k: u64, n: u64, p: f64| {
            let mut choose = 1.0_f64;
            let mut sum = 0.0;
            for i in 0..=k {
                if i > 0 {
                    choose *= (n - i + 1) as f64 / i as f64;
                }
                sum += choose * p.powi(i as i32) * (1.0 - p).powi((n - i) as i32);
            }
            sum
        };
        for &(k, n, p) in &[
            (0u64, 5u64, 0.5),
            (3, 10, 0.3),
            (7, 20, 0.5),
            (12, 40, 0.45),
        ] {
            let got = binomial_lower_tail(k, n, p);
            assert!((got - direct(k, n, p)).abs() < 1e-12, "{k} {n} {p}: {got}");
        }
        // 0.5^5000 underflows a direct sum; the median's tail is about a half.
        let half = binomial_lower_tail(2_500, 5_000, 0.5);
        assert!((half - 0.5).abs() < 0.01, "{half}");
        assert!((binomial_lower_tail(5, 5, 0.3) - 1.0).abs() < f64::EPSILON);
        assert!((binomial_lower_tail(0, 0, 0.3) - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn a_project_is_checked_all_at_once() {
        let milestones = [Milestone {
            title: " ".to_owned(),
            due_on: day("2026-06-01"),
            done_on: None,
        }];
        let problems = check(&ProjectDates {
            title: "",
            goal: "治理承平园污水返水",
            state: ProjectState::Done,
            started_on: Some(day("2026-06-10")),
            finished_on: Some(day("2026-06-01")),
            budget_fen: Some(-1),
            milestones: &milestones,
            area_grids: 0,
        });
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "title",
                "area",
                "budget",
                "finished_on",
                "milestones[0].title"
            ]
        );
        let planned_with_end = check(&ProjectDates {
            title: "渔阳大厦楼顶防水",
            goal: "修复楼顶漏雨",
            state: ProjectState::Planned,
            started_on: None,
            finished_on: Some(day("2026-06-01")),
            budget_fen: Some(1_200_000),
            milestones: &[],
            area_grids: 1,
        });
        assert_eq!(planned_with_end.len(), 1);
        assert_eq!(planned_with_end[0].code, "NOT_DONE");
    }
}
