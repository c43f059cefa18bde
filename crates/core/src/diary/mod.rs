//! 民情日记 and 包户 (issue 16): a grid worker's diary of the doors they knocked on — which
//! micro-grid and unit, how many households they met, what people raised and what is to follow —
//! and the units (单元, the fourth level of the grid) each worker answers for, so that "who is
//! responsible for this door" has one answer. An entry's concern can become a proactive ticket
//! (channel 主动发现) with one action; the entry then names it.

#[cfg(feature = "demo")]
pub mod demo;

use chrono::{DateTime, Duration, Utc};

use crate::ticket::intake::IntakeProblem;

crate::labelled! {
    /// What kind of round an entry records.
    pub enum DiaryKind {
        Visit = "visit", "入户走访", "Home visit";
        Patrol = "patrol", "楼院巡查", "Building round";
        Meeting = "meeting", "座谈议事", "Meeting";
        Callback = "callback", "回访", "Follow-up visit";
    }
}

/// Longest concern or follow-up, in characters.
pub const MAX_DIARY_CHARS: usize = 2_000;
/// Most households one entry may say were met (a large compound's meeting).
pub const MAX_HOUSEHOLDS: u32 = 1_000;
/// How far back an entry may be written (a diary kept up at the week's end).
pub const MAX_DIARY_AGE_DAYS: i64 = 31;
/// Most households a unit may be said to have.
pub const MAX_UNIT_HOUSEHOLDS: u32 = 2_000;

/// An entry as a person wrote it, checked all at once.
#[derive(Debug, Clone, Copy)]
pub struct DiaryDraft<'a> {
    pub visited_at: DateTime<Utc>,
    pub households: u32,
    pub concerns: &'a str,
    pub follow_up: &'a str,
    /// The moment it is written, which `visited_at` may not be after.
    pub now: DateTime<Utc>,
}

fn problem(field: &str, code: &str, zh: String, en: String) -> IntakeProblem {
    IntakeProblem::new(field, code, zh, en)
}

/// Every problem of `d`; empty when it can be kept.
///
/// ```
/// use binhe_core::diary::{DiaryDraft, check};
/// use chrono::{Duration, Utc};
///
/// let now = Utc::now();
/// let draft = DiaryDraft {
///     visited_at: now - Duration::hours(2),
///     households: 6,
///     concerns: "3号楼楼道灯坏了两周",
///     follow_up: "",
///     now,
/// };
/// assert!(check(&draft).is_empty());
/// let later = DiaryDraft { visited_at: now + Duration::hours(2), ..draft };
/// assert_eq!(check(&later)[0].field, "visited_at");
/// ```
pub fn check(d: &DiaryDraft<'_>) -> Vec<IntakeProblem> {
    let mut problems = Vec::new();
    // A phone's clock a few minutes ahead is not a visit in the future.
    if d.visited_at > d.now + Duration::minutes(10) {
        problems.push(problem(
            "visited_at",
            "IN_FUTURE",
            "走访时间不能晚于现在".to_owned(),
            "The visit cannot be in the future".to_owned(),
        ));
    } else if d.visited_at < d.now - Duration::days(MAX_DIARY_AGE_DAYS) {
        problems.push(problem(
            "visited_at",
            "TOO_OLD",
            format!("只能补记 {MAX_DIARY_AGE_DAYS} 天内的走访"),
            format!("Only visits of the last {MAX_DIARY_AGE_DAYS} days can be written down"),
        ));
    }
    if d.households > MAX_HOUSEHOLDS {
        problems.push(problem(
            "households",
            "TOO_MANY",
            format!("走访户数不能超过 {MAX_HOUSEHOLDS} 户"),
            format!("At most {MAX_HOUSEHOLDS} households in one entry"),
        ));
    }
    let concerns = d.concerns.trim();
    if concerns.is_empty() {
        problems.push(problem(
            "concerns",
            "MISSING_FIELD",
            "请填写群众反映的情况（无诉求可写“无”）".to_owned(),
            "Write down what people raised (\"none\" if nothing)".to_owned(),
        ));
    }
    for (field, text, zh) in [
        ("concerns", concerns, "反映情况"),
        ("follow_up", d.follow_up.trim(), "后续跟进"),
    ] {
        if text.chars().count() > MAX_DIARY_CHARS {
            problems.push(problem(
                field,
                "TOO_LONG",
                format!("{zh}不能超过 {MAX_DIARY_CHARS} 个字"),
                format!("{field} is longer than {MAX_DIARY_CHARS} characters"),
            ));
        }
    }
    problems
}

/// Whether an entry's concern says nothing was raised ("无"): nothing to make a ticket of.
///
/// ```
/// use binhe_core::diary::nothing_raised;
///
/// assert!(nothing_raised(" 无 "));
/// assert!(!nothing_raised("楼道灯坏了"));
/// ```
pub fn nothing_raised(concerns: &str) -> bool {
    matches!(
        concerns.trim().trim_end_matches(['。', '.']),
        "无" | "没有" | "暂无" | "none" | "None" | "nothing"
    )
}

/// The ticket an entry becomes: its concern, where it was raised and by whom, so the ticket
/// reads on its own.
///
/// ```
/// use binhe_core::diary::ticket_description;
///
/// assert_eq!(
///     ticket_description("3号楼楼道灯坏了两周", "承平园小区一区 2单元", "李娜"),
///     "民情日记（李娜，承平园小区一区 2单元）：3号楼楼道灯坏了两周"
/// );
/// ```
pub fn ticket_description(concerns: &str, place: &str, worker: &str) -> String {
    format!("民情日记（{worker}，{place}）：{}", concerns.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(now: DateTime<Utc>) -> DiaryDraft<'static> {
        DiaryDraft {
            visited_at: now,
            households: 3,
            concerns: "无",
            follow_up: "",
            now,
        }
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let now = Utc::now();
        let long = "很".repeat(MAX_DIARY_CHARS + 1);
        let bad = DiaryDraft {
            visited_at: now - Duration::days(MAX_DIARY_AGE_DAYS + 1),
            households: MAX_HOUSEHOLDS + 1,
            concerns: "  ",
            follow_up: &long,
            now,
        };
        let fields: Vec<(String, String)> =
            check(&bad).into_iter().map(|p| (p.field, p.code)).collect();
        assert_eq!(
            fields,
            [
                ("visited_at".to_owned(), "TOO_OLD".to_owned()),
                ("households".to_owned(), "TOO_MANY".to_owned()),
                ("concerns".to_owned(), "MISSING_FIELD".to_owned()),
                ("follow_up".to_owned(), "TOO_LONG".to_owned()),
            ]
        );
    }

    #[test]
    fn a_clock_a_little_ahead_is_not_the_future() {
        let now = Utc::now();
        let ahead = DiaryDraft {
            visited_at: now + Duration::minutes(9),
            ..draft(now)
        };
        assert!(check(&ahead).is_empty());
        let future = DiaryDraft {
            visited_at: now + Duration::minutes(11),
            ..draft(now)
        };
        assert_eq!(check(&future)[0].code, "IN_FUTURE");
    }
}
