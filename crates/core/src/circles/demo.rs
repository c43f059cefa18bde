//! The seed's three cases of the three circles, as the demo street keeps them: 承平园's merchants
//! agreeing a cost-sharing standard for the sewage pipes behind their shops (under way: the
//! calls are still coming in), 渔阳大厦's leaking roof repaired at the cost of its six merchants
//! after a 居民议事厅 meeting, and 建西's "六个点" — six broken stretches of road — repaired with
//! money from the units in the grid. Every person, shop and organisation here is generated; the
//! places are the demo street's micro-grids.

use super::{Circle, ShareBasis, ShareRule, Votes};

/// A member of a case's circle.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoMember {
    pub circle: Circle,
    pub name: String,
    pub contact: String,
    pub phone: String,
    pub address: String,
    pub area_m2: Option<f64>,
    pub party_member: bool,
}

/// One case: the request that raised it, the meeting, and how the cost was shared.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCase {
    /// The micro-grid (by name) the case is in; its community is the meeting's.
    pub micro: &'static str,
    /// The request that raised it, through intake: category, channel, description.
    pub category: &'static str,
    pub channel: &'static str,
    pub request: &'static str,
    pub members: Vec<DemoMember>,
    pub topic: &'static str,
    pub place: &'static str,
    pub attendees: u32,
    pub minutes: &'static str,
    pub decision: &'static str,
    pub votes: Votes,
    pub cost_item: &'static str,
    pub cost_fen: i64,
    pub rule: ShareRule,
    /// Each sharer (a member, by index) and what their share is reckoned from.
    pub sharers: Vec<(usize, ShareBasis)>,
    /// How many of the sharers (the first ones) have paid.
    pub paid: usize,
    /// Days before now the request came in, the meeting was held, and the problem was solved
    /// (`None`: still being solved).
    pub requested_days_ago: i64,
    pub held_days_ago: i64,
    pub solved_days_ago: Option<i64>,
}

fn member(circle: Circle, name: &str, contact: &str, phone: &str, address: &str) -> DemoMember {
    DemoMember {
        circle,
        name: name.to_owned(),
        contact: contact.to_owned(),
        phone: phone.to_owned(),
        address: address.to_owned(),
        area_m2: None,
        party_member: false,
    }
}

fn with_area(mut m: DemoMember, area_m2: f64) -> DemoMember {
    m.area_m2 = Some(area_m2);
    m
}

fn party(mut m: DemoMember) -> DemoMember {
    m.party_member = true;
    m
}

/// A phone number of the demo street's generated people (`138 0000 nnnn`).
fn phone(n: u32) -> String {
    format!("1380000{n:04}")
}

fn area(area_m2: f64) -> ShareBasis {
    ShareBasis {
        area_m2: Some(area_m2),
        agreed_fen: None,
    }
}

fn agreed(fen: i64) -> ShareBasis {
    ShareBasis {
        area_m2: None,
        agreed_fen: Some(fen),
    }
}

fn chengpingyuan() -> DemoCase {
    let shops = [
        ("承平园便民超市", "刘建国", "承平园小区1号院底商1号", 180.0),
        ("老北京炸酱面馆", "王淑英", "承平园小区1号院底商2号", 120.0),
        ("承平园洗衣店", "赵立新", "承平园小区1号院底商3号", 60.0),
        ("鲜果时光水果店", "孙海燕", "承平园小区1号院底商4号", 80.0),
        (
            "平安大药房承平园店",
            "周明",
            "承平园小区1号院底商5号",
            100.0,
        ),
    ];
    let mut members: Vec<DemoMember> = shops
        .iter()
        .enumerate()
        .map(|(i, &(shop, contact, address, area))| {
            with_area(
                member(
                    Circle::Merchants,
                    shop,
                    contact,
                    &phone(101 + i as u32),
                    address,
                ),
                area,
            )
        })
        .collect();
    members.push(party(member(
        Circle::Neighbours,
        "李秀兰",
        "",
        &phone(111),
        "1号楼2单元301",
    )));
    members.push(member(
        Circle::Neighbours,
        "陈志强",
        "",
        &phone(112),
        "1号楼1单元102",
    ));
    DemoCase {
        micro: "承平园小区1号院",
        category: "sewage_backflow",
        channel: "resident",
        request: "承平园小区1号院底商后身排水管道老化堵塞，雨后污水反溢至1号楼楼道，需更换管道并约定商户分摊标准",
        members,
        topic: "底商排水管道改造及费用分摊标准",
        place: "承平园社区居民议事厅",
        attendees: 11,
        minutes: "社区书记通报近期污水反溢情况及网格员民情日记记录；物业报价更换底商后身排水管道 42 米及清淤，共 2.4 万元；商户代表提出按经营面积分摊，居民代表同意并要求施工避开早晚高峰。",
        decision: "排水管道改造费用 2.4 万元由 5 家底商按经营面积分摊，物业负责施工，社区监督，两周内完工。",
        votes: Votes {
            in_favour: 10,
            against: 0,
            abstain: 1,
        },
        cost_item: "底商后身排水管道更换及清淤",
        cost_fen: 2_400_000,
        rule: ShareRule::ByArea,
        sharers: (0..5).map(|i| (i, area(shops[i].3))).collect(),
        paid: 2,
        requested_days_ago: 2,
        held_days_ago: 1,
        solved_days_ago: None,
    }
}

fn yuyang() -> DemoCase {
    let shops = [
        ("渔阳茶社", "马志远"),
        ("平谷大桃特产店", "杨秀梅"),
        ("渔阳眼镜店", "黄国庆"),
        ("滨河文印社", "吴晓东"),
        ("渔阳美发工作室", "郑丽"),
        ("鑫源五金店", "冯德胜"),
    ];
    let mut members: Vec<DemoMember> = shops
        .iter()
        .enumerate()
        .map(|(i, &(shop, contact))| {
            member(
                Circle::Merchants,
                shop,
                contact,
                &phone(201 + i as u32),
                &format!("渔阳大厦一层 {} 号商铺", 101 + i),
            )
        })
        .collect();
    members.push(party(member(
        Circle::Neighbours,
        "张桂芬",
        "",
        &phone(211),
        "渔阳大厦2号楼3单元502",
    )));
    members.push(member(
        Circle::Units,
        "渔阳大厦物业服务中心",
        "何伟",
        &phone(212),
        "渔阳大厦一层",
    ));
    DemoCase {
        micro: "渔阳大厦1区",
        category: "roof_leak",
        channel: "hotline",
        request: "渔阳大厦顶层屋面防水层破损，雨天漏水至五层住户及一层商铺，多次报修未解决",
        members,
        topic: "渔阳大厦屋面漏水维修费用由谁出",
        place: "建西社区居民议事厅",
        attendees: 12,
        minutes: "大厦无专项维修资金，物业报价屋面防水重做 3 万元。居民代表说明漏水已影响 5 层 4 户；商户代表表示一层商铺雨天亦受影响，6 家商户愿意共同承担；社区协调施工队报价并约定质保 5 年。",
        decision: "屋面防水维修 3 万元由一层 6 家商户平均分摊，物业组织施工，社区与居民代表验收。",
        votes: Votes {
            in_favour: 11,
            against: 0,
            abstain: 1,
        },
        cost_item: "渔阳大厦屋面防水重做",
        cost_fen: 3_000_000,
        rule: ShareRule::Equal,
        sharers: (0..6).map(|i| (i, ShareBasis::default())).collect(),
        paid: 6,
        requested_days_ago: 45,
        held_days_ago: 40,
        solved_days_ago: Some(28),
    }
}

fn jianxi() -> DemoCase {
    let units = [
        ("建西幼儿园", "高丽华", 3_000_000),
        ("建西供热站", "曹永刚", 2_000_000),
        ("建西农贸市场", "彭军", 2_500_000),
        ("滨河物业建西项目部", "邓红", 1_500_000),
    ];
    let mut members: Vec<DemoMember> = units
        .iter()
        .enumerate()
        .map(|(i, &(unit, contact, _))| {
            member(
                Circle::Units,
                unit,
                contact,
                &phone(301 + i as u32),
                &format!("建西小区{}号院", i + 1),
            )
        })
        .collect();
    members.push(party(member(
        Circle::Neighbours,
        "韩振华",
        "",
        &phone(311),
        "3号楼1单元201",
    )));
    DemoCase {
        micro: "建西小区1号院",
        category: "road_damage",
        channel: "patrol",
        request: "建西小区内道路六处坑槽破损（“六个点”），雨后积水，老人和接送孩子的家长通行不便",
        members,
        topic: "建西小区“六个点”道路修复共建",
        place: "建西社区党群服务中心",
        attendees: 9,
        minutes: "网格员巡查标出 6 处坑槽，施工方报价 9 万元。辖区单位均有车辆和人员经过这些路段，提出按各自意愿认捐；社区申请街道补足差额未获必要，4 家单位认捐即达总额。",
        decision: "道路修复 9 万元由 4 家辖区单位按认捐金额出资，社区负责招标施工，完工后在小区公示栏公示。",
        votes: Votes {
            in_favour: 9,
            against: 0,
            abstain: 0,
        },
        cost_item: "建西小区六处道路坑槽修复",
        cost_fen: 9_000_000,
        rule: ShareRule::Agreed,
        sharers: units
            .iter()
            .enumerate()
            .map(|(i, u)| (i, agreed(u.2)))
            .collect(),
        paid: 4,
        requested_days_ago: 20,
        held_days_ago: 16,
        solved_days_ago: Some(1),
    }
}

/// The three cases, the one under way first.
pub fn cases() -> Vec<DemoCase> {
    vec![chengpingyuan(), yuyang(), jianxi()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circles::{MemberDraft, check_member, shares};

    #[test]
    fn every_case_shares_its_cost_and_its_members_can_be_kept() {
        for case in cases() {
            let basis: Vec<ShareBasis> = case.sharers.iter().map(|s| s.1).collect();
            let parts = shares(case.cost_fen, case.rule, &basis).expect(case.topic);
            assert_eq!(parts.iter().sum::<i64>(), case.cost_fen);
            assert!(case.paid <= case.sharers.len());
            assert!(case.votes.passed());
            assert!(case.attendees >= case.votes.cast());
            assert!(case.requested_days_ago >= case.held_days_ago);
            for m in &case.members {
                let draft = MemberDraft {
                    circle: m.circle,
                    name: &m.name,
                    contact: &m.contact,
                    phone: &m.phone,
                    address: &m.address,
                    area_m2: m.area_m2,
                };
                assert!(check_member(&draft).is_empty(), "{}", m.name);
            }
        }
    }

    #[test]
    fn the_seed_cases_share_as_the_article_says() {
        let [cpy, yy, jx] = <[DemoCase; 3]>::try_from(cases()).unwrap();
        assert_eq!(cpy.rule, ShareRule::ByArea);
        assert_eq!(yy.sharers.len(), 6, "渔阳大厦: six merchants");
        assert_eq!(yy.rule, ShareRule::Equal);
        assert_eq!(jx.rule, ShareRule::Agreed);
        assert!(jx.members.iter().any(|m| m.circle == Circle::Units));
        assert_eq!(cpy.solved_days_ago, None, "承平园's is under way");
    }
}
