//! The three circles (三圈: 邻里圈 neighbours, 商户圈 merchants, 单位圈 units and organisations)
//! and the cost they share when they fix something together after a 居民议事厅 meeting — as
//! 渔阳大厦's six merchants shared the roof repair and 承平园's merchants agreed a standard for
//! the sewage works. This module holds the sharing rule: equal shares, shares by floor area, or
//! amounts each agreed to; every share in fen, adding up to the total exactly. It also checks
//! a member and a meeting (议事) as a person writes them, says whose personal data a role may
//! read, and reads and writes amounts of money as people do (`¥1,000.50`, `１０００元`).

#[cfg(feature = "demo")]
pub mod demo;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::text::fold_width;
use crate::ticket::intake::IntakeProblem;

crate::labelled! {
    /// Which circle a member belongs to.
    pub enum Circle {
        Neighbours = "neighbours", "邻里圈", "Neighbours";
        Merchants = "merchants", "商户圈", "Merchants";
        Units = "units", "单位圈", "Units and organisations";
    }
}

crate::labelled! {
    /// How a cost is shared among those who carry it.
    pub enum ShareRule {
        Equal = "equal", "平均分摊", "Equal shares";
        ByArea = "by_area", "按面积分摊", "By floor area";
        Agreed = "agreed", "按约定金额", "Agreed amounts";
    }
}

/// What one member's share is reckoned from: their floor area (for [`ShareRule::ByArea`]) or
/// the amount they agreed to (for [`ShareRule::Agreed`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareBasis {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_m2: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreed_fen: Option<i64>,
}

/// Why the shares cannot be reckoned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    #[error("nobody to share the cost")]
    NoSharers,
    #[error("the total cost must be positive")]
    TotalNotPositive,
    #[error("sharer {index} has no floor area above zero")]
    MissingArea { index: usize },
    #[error("sharer {index} has no agreed amount (zero or more)")]
    MissingAmount { index: usize },
    #[error("the agreed amounts add up to {agreed} fen, not the total {total} fen")]
    AgreedNotTotal { agreed: i64, total: i64 },
}

impl ShareError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSharers => "NO_SHARERS",
            Self::TotalNotPositive => "TOTAL_NOT_POSITIVE",
            Self::MissingArea { .. } => "MISSING_AREA",
            Self::MissingAmount { .. } => "MISSING_AMOUNT",
            Self::AgreedNotTotal { .. } => "AGREED_NOT_TOTAL",
        }
    }

    pub fn message_zh(&self) -> String {
        let yuan = |fen: i64| format!("{:.2}", fen as f64 / 100.0);
        match self {
            Self::NoSharers => "请至少选择一位分摊人".to_owned(),
            Self::TotalNotPositive => "总费用须大于 0".to_owned(),
            Self::MissingArea { index } => format!("第 {} 位分摊人缺少面积", index + 1),
            Self::MissingAmount { index } => format!("第 {} 位分摊人缺少约定金额", index + 1),
            Self::AgreedNotTotal { agreed, total } => format!(
                "约定金额合计 {} 元，与总费用 {} 元不符",
                yuan(*agreed),
                yuan(*total)
            ),
        }
    }
}

/// Each sharer's part of `total_fen` under `rule`, in fen, adding up to `total_fen` exactly: a
/// proportional share is rounded down and the fen left over go one each to the largest
/// remainders (the earlier sharer first among equal ones).
///
/// ```
/// use binhe_core::circles::{ShareBasis, ShareRule, shares};
///
/// // 渔阳大厦: ¥10,000.00 among six merchants.
/// let six = [ShareBasis::default(); 6];
/// let parts = shares(1_000_000, ShareRule::Equal, &six).unwrap();
/// assert_eq!(parts, [166_667, 166_667, 166_667, 166_667, 166_666, 166_666]);
/// assert_eq!(parts.iter().sum::<i64>(), 1_000_000);
/// ```
pub fn shares(
    total_fen: i64,
    rule: ShareRule,
    basis: &[ShareBasis],
) -> Result<Vec<i64>, ShareError> {
    if basis.is_empty() {
        return Err(ShareError::NoSharers);
    }
    if total_fen <= 0 {
        return Err(ShareError::TotalNotPositive);
    }
    let weights: Vec<f64> = match rule {
        ShareRule::Equal => vec![1.0; basis.len()],
        ShareRule::ByArea => basis
            .iter()
            .enumerate()
            .map(|(index, b)| {
                b.area_m2
                    .filter(|a| a.is_finite() && *a > 0.0)
                    .ok_or(ShareError::MissingArea { index })
            })
            .collect::<Result<_, _>>()?,
        ShareRule::Agreed => {
            let amounts: Vec<i64> = basis
                .iter()
                .enumerate()
                .map(|(index, b)| {
                    b.agreed_fen
                        .filter(|a| *a >= 0)
                        .ok_or(ShareError::MissingAmount { index })
                })
                .collect::<Result<_, _>>()?;
            let agreed: i64 = amounts.iter().sum();
            if agreed != total_fen {
                return Err(ShareError::AgreedNotTotal {
                    agreed,
                    total: total_fen,
                });
            }
            return Ok(amounts);
        }
    };
    Ok(largest_remainder(total_fen, &weights))
}

/// `total` split in proportion to `weights` (all positive), whole units adding up to `total`.
fn largest_remainder(total: i64, weights: &[f64]) -> Vec<i64> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<i64> = exact.iter().map(|e| e.floor() as i64).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let left = total - parts.iter().sum::<i64>();
    for &i in order
        .iter()
        .cycle()
        .take(usize::try_from(left.max(0)).unwrap_or(0))
    {
        parts[i] += 1;
    }
    parts
}

crate::labelled! {
    /// Where a 议事 stands: waiting for a decision, agreed (by a majority of the votes cast, or
    /// by consensus when the decision was written without a vote), or not agreed.
    pub enum Outcome {
        Pending = "pending", "待决定", "Pending";
        Agreed = "agreed", "已通过", "Agreed";
        Rejected = "rejected", "未通过", "Not agreed";
    }
}

/// Longest name, contact, address or topic, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest minutes or decision, in characters.
pub const MAX_MINUTES_CHARS: usize = 5_000;
/// Largest floor area one member may be said to have, in m².
pub const MAX_AREA_M2: f64 = 100_000.0;
/// Most people at one meeting.
pub const MAX_ATTENDEES: u32 = 2_000;
/// Largest cost one meeting may share, in fen (¥10 million).
pub const MAX_COST_FEN: i64 = 1_000_000_000;
/// How far back a meeting may be recorded.
pub const MAX_MEETING_AGE_DAYS: i64 = 366;

fn problem(field: &str, code: &str, zh: String, en: String) -> IntakeProblem {
    IntakeProblem::new(field, code, zh, en)
}

fn too_long(field: &str, label_zh: &str, text: &str, max: usize) -> Option<IntakeProblem> {
    (text.chars().count() > max).then(|| {
        problem(
            field,
            "TOO_LONG",
            format!("{label_zh}不能超过 {max} 个字"),
            format!("{field} may be at most {max} characters"),
        )
    })
}

/// A circle member as a person writes them: a resident (name, building/unit/room), a merchant
/// (shop name, its address, the person to contact) or a unit (organisation, address, contact).
#[derive(Debug, Clone, Copy)]
pub struct MemberDraft<'a> {
    pub circle: Circle,
    pub name: &'a str,
    pub contact: &'a str,
    pub phone: &'a str,
    pub address: &'a str,
    pub area_m2: Option<f64>,
}

/// A telephone number as people write it (`138 0000 0001`, `010-6996 1234`, full-width digits):
/// its digits, when there are 7 to 15 of them and nothing but separators besides.
///
/// ```
/// use binhe_core::circles::phone_digits;
/// assert_eq!(phone_digits("１３８ ００００-０００１").as_deref(), Some("13800000001"));
/// assert_eq!(phone_digits("call me"), None);
/// ```
pub fn phone_digits(text: &str) -> Option<String> {
    let text = fold_width(text.trim());
    let mut digits = String::new();
    for (i, ch) in text.chars().enumerate() {
        match ch {
            '0'..='9' => digits.push(ch),
            '+' if i == 0 => {}
            ' ' | '-' | '(' | ')' => {}
            _ => return None,
        }
    }
    (7..=15).contains(&digits.len()).then_some(digits)
}

/// Every problem of `d`; empty when it can be kept.
pub fn check_member(d: &MemberDraft<'_>) -> Vec<IntakeProblem> {
    let mut problems = Vec::new();
    let (name_zh, address_zh) = match d.circle {
        Circle::Neighbours => ("居民姓名", "楼栋单元门牌"),
        Circle::Merchants => ("商户名称", "商铺地址"),
        Circle::Units => ("单位名称", "单位地址"),
    };
    if d.name.trim().is_empty() {
        problems.push(problem(
            "name",
            "MISSING_FIELD",
            format!("请填写{name_zh}"),
            "The name is missing".to_owned(),
        ));
    }
    if d.address.trim().is_empty() && d.circle != Circle::Units {
        problems.push(problem(
            "address",
            "MISSING_FIELD",
            format!("请填写{address_zh}"),
            "The address is missing".to_owned(),
        ));
    }
    problems.extend(too_long("name", name_zh, d.name, MAX_NAME_CHARS));
    problems.extend(too_long("contact", "联系人", d.contact, MAX_NAME_CHARS));
    problems.extend(too_long("address", address_zh, d.address, MAX_NAME_CHARS));
    if !d.phone.trim().is_empty() && phone_digits(d.phone).is_none() {
        problems.push(problem(
            "phone",
            "INVALID_PHONE",
            format!("“{}”不是电话号码（7 至 15 位数字）", d.phone.trim()),
            format!(
                "{:?} is not a telephone number (7 to 15 digits)",
                d.phone.trim()
            ),
        ));
    }
    if let Some(area) = d.area_m2
        && !(area.is_finite() && area > 0.0 && area <= MAX_AREA_M2)
    {
        problems.push(problem(
            "area_m2",
            "INVALID_AREA",
            format!("面积须大于 0 且不超过 {MAX_AREA_M2} 平方米"),
            format!("The floor area must be above 0 and at most {MAX_AREA_M2} m²"),
        ));
    }
    problems
}

/// Whether `role` may read a member's personal data — a resident's name, room and phone, a
/// merchant's or unit's contact person and phone. Those who organise the meeting and knock on
/// the door need them: the commander of the member's community and the grid workers posted in
/// its micro-grid (`in_community` / `in_micro`: whether the member is in the caller's). The
/// street's desk and the administrators see a circle's make-up, not its people.
///
/// ```
/// use binhe_core::access::Role;
/// use binhe_core::circles::sees_personal;
/// assert!(sees_personal(Role::Commander, true, false));
/// assert!(!sees_personal(Role::Dispatcher, true, true));
/// assert!(!sees_personal(Role::Worker, true, false));
/// ```
pub fn sees_personal(role: Role, in_community: bool, in_micro: bool) -> bool {
    match role {
        Role::Commander => in_community,
        Role::Worker => in_micro,
        Role::Dispatcher | Role::Administrator => false,
    }
}

/// A person's name as those who may not read it see it: its first character, the rest starred
/// (`张**`).
pub fn masked_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// A resident's address as those who may not read it see it: the building (`3号楼`), not the
/// door.
pub fn masked_address(address: &str) -> String {
    let address = address.trim();
    match address.find('楼') {
        Some(at) => format!("{}…", &address[..at + '楼'.len_utf8()]),
        None => "…".to_owned(),
    }
}

/// How a meeting voted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Votes {
    #[serde(rename = "for")]
    pub in_favour: u32,
    pub against: u32,
    pub abstain: u32,
}

impl Votes {
    pub fn cast(&self) -> u32 {
        self.in_favour + self.against + self.abstain
    }

    /// More than half of the votes cast are in favour.
    pub fn passed(&self) -> bool {
        u64::from(self.in_favour) * 2 > u64::from(self.cast())
    }
}

/// Where a meeting stands given its vote and its decision as written.
///
/// ```
/// use binhe_core::circles::{Outcome, Votes, outcome};
/// let six_of_seven = Votes { in_favour: 6, against: 0, abstain: 1 };
/// assert_eq!(outcome(Some(six_of_seven), "屋顶维修费用由 6 家商户平均分摊"), Outcome::Agreed);
/// assert_eq!(outcome(None, ""), Outcome::Pending);
/// ```
pub fn outcome(votes: Option<Votes>, decision: &str) -> Outcome {
    match votes {
        Some(v) if v.passed() => Outcome::Agreed,
        Some(_) => Outcome::Rejected,
        None if decision.trim().is_empty() => Outcome::Pending,
        None => Outcome::Agreed,
    }
}

/// A 议事 as a person records it, checked all at once.
#[derive(Debug, Clone, Copy)]
pub struct MeetingDraft<'a> {
    pub topic: &'a str,
    pub place: &'a str,
    pub held_at: DateTime<Utc>,
    /// People present, named members and others.
    pub attendees: u32,
    /// Circle members named among them.
    pub named: usize,
    pub minutes: &'a str,
    pub decision: &'a str,
    pub votes: Option<Votes>,
    pub now: DateTime<Utc>,
}

/// Every problem of `d`; empty when it can be kept.
pub fn check_meeting(d: &MeetingDraft<'_>) -> Vec<IntakeProblem> {
    let mut problems = Vec::new();
    if d.topic.trim().is_empty() {
        problems.push(problem(
            "topic",
            "MISSING_FIELD",
            "请填写议题".to_owned(),
            "The topic is missing".to_owned(),
        ));
    }
    problems.extend(too_long("topic", "议题", d.topic, MAX_NAME_CHARS));
    problems.extend(too_long("place", "地点", d.place, MAX_NAME_CHARS));
    problems.extend(too_long(
        "minutes",
        "会议纪要",
        d.minutes,
        MAX_MINUTES_CHARS,
    ));
    problems.extend(too_long(
        "decision",
        "决定事项",
        d.decision,
        MAX_MINUTES_CHARS,
    ));
    if d.held_at > d.now + Duration::minutes(10) {
        problems.push(problem(
            "held_at",
            "IN_FUTURE",
            "议事时间不能晚于现在：议事开过再记录".to_owned(),
            "The meeting cannot be in the future".to_owned(),
        ));
    } else if d.held_at < d.now - Duration::days(MAX_MEETING_AGE_DAYS) {
        problems.push(problem(
            "held_at",
            "TOO_OLD",
            format!("只能补记 {MAX_MEETING_AGE_DAYS} 天内的议事"),
            format!("Only meetings of the last {MAX_MEETING_AGE_DAYS} days can be recorded"),
        ));
    }
    let named = u32::try_from(d.named).unwrap_or(u32::MAX);
    if d.attendees == 0 || d.attendees > MAX_ATTENDEES {
        problems.push(problem(
            "attendees",
            "INVALID_ATTENDEES",
            format!("参会人数须为 1 至 {MAX_ATTENDEES} 人"),
            format!("Attendees must be 1 to {MAX_ATTENDEES}"),
        ));
    } else if named > d.attendees {
        problems.push(problem(
            "attendees",
            "FEWER_THAN_NAMED",
            format!("参会人数 {} 少于列出的圈内成员 {named} 人", d.attendees),
            format!(
                "{} attendees, but {named} circle members are named",
                d.attendees
            ),
        ));
    }
    if let Some(votes) = d.votes {
        if votes.cast() > d.attendees {
            problems.push(problem(
                "votes",
                "MORE_VOTES_THAN_ATTENDEES",
                format!("表决票数 {} 超过参会人数 {}", votes.cast(), d.attendees),
                format!("{} votes from {} attendees", votes.cast(), d.attendees),
            ));
        }
        if votes.cast() == 0 {
            problems.push(problem(
                "votes",
                "NO_VOTES",
                "表决须至少有一票；未表决请不填".to_owned(),
                "A vote needs at least one vote; leave it out if there was none".to_owned(),
            ));
        }
        if d.decision.trim().is_empty() {
            problems.push(problem(
                "decision",
                "MISSING_FIELD",
                "已表决，请填写表决的决定事项".to_owned(),
                "A vote was taken: write what was decided".to_owned(),
            ));
        }
    }
    problems
}

/// An amount of money as people write it — `10000`, `¥1,000.50`, `１０００元`, `3.5万` — in fen;
/// `None` when it is not one, or has more than two decimals.
///
/// ```
/// use binhe_core::circles::parse_yuan;
/// assert_eq!(parse_yuan("¥1,000.50"), Some(100_050));
/// assert_eq!(parse_yuan("１０００元"), Some(100_000));
/// assert_eq!(parse_yuan("3.5万"), Some(3_500_000));
/// assert_eq!(parse_yuan("1.005"), None);
/// ```
pub fn parse_yuan(text: &str) -> Option<i64> {
    let folded = fold_width(text.trim());
    let mut t: String = folded
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '，'))
        .collect();
    let mut scale: i64 = 100;
    if let Some(stripped) = t.strip_suffix('万') {
        t = stripped.to_owned();
        scale = 1_000_000;
    }
    let (whole, fraction) = t.split_once('.').unwrap_or((t.as_str(), ""));
    // A fraction finer than a fen is not money: two decimals of a yuan, six of 万.
    let finest = if scale == 100 { 2 } else { 6 };
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
        || fraction.len() > finest
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let fraction_fen = if fraction.is_empty() {
        0
    } else {
        let digits: i64 = fraction.parse().ok()?;
        digits * scale / 10_i64.pow(u32::try_from(fraction.len()).ok()?)
    };
    whole.checked_mul(scale)?.checked_add(fraction_fen)
}

/// Fen as yuan with two decimals and thousands separated: `1,000.50`.
///
/// ```
/// assert_eq!(binhe_core::circles::format_yuan(1_000_050), "10,000.50");
/// assert_eq!(binhe_core::circles::format_yuan(-5), "-0.05");
/// ```
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let whole = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(a: f64) -> ShareBasis {
        ShareBasis {
            area_m2: Some(a),
            agreed_fen: None,
        }
    }

    #[test]
    fn shares_by_area_follow_the_areas_and_add_up() {
        let parts = shares(
            100_000,
            ShareRule::ByArea,
            &[area(50.0), area(30.0), area(20.0)],
        )
        .unwrap();
        assert_eq!(parts, [50_000, 30_000, 20_000]);
        let odd = shares(100, ShareRule::ByArea, &[area(1.0), area(1.0), area(1.0)]).unwrap();
        assert_eq!(
            odd,
            [34, 33, 33],
            "the fen left over to the first of equal remainders"
        );
        let uneven = shares(
            1_000,
            ShareRule::ByArea,
            &[area(33.3), area(66.7), area(0.5)],
        )
        .unwrap();
        assert_eq!(uneven.iter().sum::<i64>(), 1_000);
        assert_eq!(uneven, [331, 664, 5]);
    }

    #[test]
    fn agreed_amounts_must_make_the_total() {
        let agreed = |fen| ShareBasis {
            area_m2: None,
            agreed_fen: Some(fen),
        };
        assert_eq!(
            shares(3_000, ShareRule::Agreed, &[agreed(2_000), agreed(1_000)]).unwrap(),
            [2_000, 1_000]
        );
        let short = shares(3_000, ShareRule::Agreed, &[agreed(2_000), agreed(900)]);
        assert_eq!(
            short,
            Err(ShareError::AgreedNotTotal {
                agreed: 2_900,
                total: 3_000
            })
        );
        assert_eq!(
            short.unwrap_err().message_zh(),
            "约定金额合计 29.00 元，与总费用 30.00 元不符"
        );
    }

    #[test]
    fn what_cannot_be_reckoned_is_named() {
        assert_eq!(
            shares(100, ShareRule::Equal, &[]),
            Err(ShareError::NoSharers)
        );
        assert_eq!(
            shares(0, ShareRule::Equal, &[ShareBasis::default()]),
            Err(ShareError::TotalNotPositive)
        );
        assert_eq!(
            shares(100, ShareRule::ByArea, &[area(10.0), area(0.0)]),
            Err(ShareError::MissingArea { index: 1 })
        );
        assert_eq!(
            shares(100, ShareRule::Agreed, &[ShareBasis::default()])
                .unwrap_err()
                .code(),
            "MISSING_AMOUNT"
        );
    }

    #[test]
    fn money_reads_as_people_write_it_and_prints_back() {
        assert_eq!(parse_yuan("30000"), Some(3_000_000));
        assert_eq!(parse_yuan("￥3,000.5"), Some(300_050));
        assert_eq!(parse_yuan(".5"), Some(50));
        assert_eq!(parse_yuan("2.4万"), Some(2_400_000));
        assert_eq!(parse_yuan("0.000001万"), Some(1));
        for bad in ["", "万", "1.2.3", "-5", "abc", "1.234", "0.0000001万"] {
            assert_eq!(parse_yuan(bad), None, "{bad:?}");
        }
        assert_eq!(format_yuan(2_400_000), "24,000.00");
        assert_eq!(format_yuan(7), "0.07");
        assert_eq!(format_yuan(100_000_000), "1,000,000.00");
    }

    #[test]
    fn a_member_needs_a_name_and_where_to_find_them() {
        let resident = MemberDraft {
            circle: Circle::Neighbours,
            name: "李秀兰",
            contact: "",
            phone: "138 0000 0111",
            address: "1号楼2单元301",
            area_m2: None,
        };
        assert!(check_member(&resident).is_empty());
        let nowhere = MemberDraft {
            address: " ",
            phone: "电话",
            area_m2: Some(-1.0),
            ..resident
        };
        let fields: Vec<_> = check_member(&nowhere)
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["address", "phone", "area_m2"]);
        let unit = MemberDraft {
            circle: Circle::Units,
            address: "",
            ..resident
        };
        assert!(
            check_member(&unit).is_empty(),
            "a unit's address is optional"
        );
        assert_eq!(masked_name("李秀兰"), "李**");
        assert_eq!(masked_address("1号楼2单元301"), "1号楼…");
        assert_eq!(masked_address("底商2号"), "…");
    }

    #[test]
    fn a_meeting_counts_its_votes_against_who_was_there() {
        let now = Utc::now();
        let meeting = MeetingDraft {
            topic: "屋面漏水维修",
            place: "居民议事厅",
            held_at: now - Duration::days(1),
            attendees: 8,
            named: 6,
            minutes: "",
            decision: "六家商户平均分摊",
            votes: Some(Votes {
                in_favour: 6,
                against: 1,
                abstain: 1,
            }),
            now,
        };
        assert!(check_meeting(&meeting).is_empty());
        assert_eq!(outcome(meeting.votes, meeting.decision), Outcome::Agreed);
        let tie = Votes {
            in_favour: 4,
            against: 4,
            abstain: 0,
        };
        assert_eq!(
            outcome(Some(tie), "x"),
            Outcome::Rejected,
            "half is not a majority"
        );
        let wrong = MeetingDraft {
            attendees: 5,
            decision: "",
            held_at: now + Duration::hours(1),
            ..meeting
        };
        let codes: Vec<_> = check_meeting(&wrong).into_iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            [
                "IN_FUTURE",
                "FEWER_THAN_NAMED",
                "MORE_VOTES_THAN_ATTENDEES",
                "MISSING_FIELD"
            ]
        );
    }
}
