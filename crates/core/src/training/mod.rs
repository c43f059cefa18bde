//! Training (issue 17): scenarios a trainer plays for new dispatchers and commanders — a shift
//! with its background requests, incidents, device events, workers off duty and scripted
//! requests with their expected handling ([`scenario`]), laid out as what happens when
//! ([`timeline`]) and played on a clock the trainer controls ([`clock`]), and each trainee's handling scored
//! against what was expected ([`score`]). Three scenarios in
//! Chinese ship with the app ([`SHIPPED`]).

pub mod clock;
#[cfg(feature = "scenarios")]
pub mod scenario;
#[cfg(feature = "scenarios")]
pub mod score;
#[cfg(feature = "scenarios")]
pub mod timeline;

crate::labelled! {
    /// How far up a scripted request should be escalated (上交).
    pub enum Escalation {
        None = "none", "不上交", "Not escalated";
        Community = "community", "上交社区", "Up to the community";
        Street = "street", "上交街道", "Up to the street";
    }
}

/// The scenarios that ship with the app (`assets/scenarios/`): file name and text.
pub const SHIPPED: [(&str, &str); 3] = [
    (
        "rainstorm.toml",
        include_str!("../../../../assets/scenarios/rainstorm.toml"),
    ),
    (
        "winter_night.toml",
        include_str!("../../../../assets/scenarios/winter_night.toml"),
    ),
    (
        "market_day.toml",
        include_str!("../../../../assets/scenarios/market_day.toml"),
    ),
];

#[cfg(all(test, feature = "scenarios", feature = "demo"))]
mod tests {
    use super::SHIPPED;
    use super::scenario::{Clock, Escalation, Street, read};
    use crate::demo::{DEFAULT_SEED, generate};
    use crate::ticket::Catalogue;

    fn with_street<T>(f: impl FnOnce(Street<'_>) -> T) -> T {
        let dataset = generate(DEFAULT_SEED);
        let catalogue = Catalogue::defaults();
        f(Street {
            hierarchy: &dataset.hierarchy,
            catalogue: &catalogue,
            workers: &dataset.workers,
            devices: &dataset.devices,
        })
    }

    #[test]
    fn the_shipped_scenarios_read_on_the_demo_street() {
        with_street(|street| {
            for (name, text) in SHIPPED {
                let scenario = read(text, street).unwrap_or_else(|problems| {
                    panic!(
                        "{name}: {}",
                        problems
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("\n")
                    )
                });
                assert!(!scenario.requests.is_empty(), "{name}: scripted requests");
                assert!(!scenario.incidents.is_empty(), "{name}: an incident");
                assert!(scenario.requests.iter().all(|r| r.at <= scenario.end()));
                assert!(scenario.request_count() > 30.0, "{name}");
            }
            let rain = read(SHIPPED[0].1, street).unwrap();
            assert_eq!(rain.start, Clock(17 * 60));
            assert_eq!(rain.incidents[0].micro.len(), 4);
            assert_eq!(rain.requests[0].escalate, Escalation::Community);
            // A shift past midnight: 02:00 is the next day's.
            let night = read(SHIPPED[1].1, street).unwrap();
            assert_eq!(night.background[0].to, Clock(26 * 60));
        });
    }

    #[test]
    fn every_problem_is_named_with_its_line() {
        with_street(|street| {
            let text = "title = \"测试\"\nstart = \"17:00\"\nhours = 2\n\n[[background]]\nfrom = \"17:00\"\nto = \"20:00\"\ncategory = \"没有的类别\"\nper_hour = 0\n\n[[requests]]\nat = \"18:00\"\nchannel = \"hotline\"\ncategory = \"garbage\"\ndescription = \"楼下垃圾\"\nmicro = \"滨河路街巷网格\"\nexpect = { grid = \"泃河湾社区\", escalate = \"district\", dispatch_within = 10 }\n";
            let problems = read(text, street).unwrap_err();
            let seen: Vec<(usize, &str)> = problems
                .iter()
                .map(|p| (p.line, p.field.as_str()))
                .collect();
            assert_eq!(
                seen,
                [
                    (7, "to"),
                    (8, "category"),
                    (9, "per_hour"),
                    (16, "micro"),
                    (17, "expect.escalate"),
                ],
                "{problems:#?}"
            );
            assert!(
                problems[0].message_zh.contains("17:00—19:00"),
                "{}",
                problems[0]
            );
            assert!(
                problems[3].message_zh.contains("同名网格"),
                "{}",
                problems[3]
            );

            let broken =
                "title = \"测试\"\nstart = \"17:00\"\nhours = 2\n[[requests]]\nat = 18:00\n";
            let problems = read(broken, street).unwrap_err();
            assert_eq!(problems.len(), 1);
            assert_eq!(problems[0].line, 5, "{problems:?}");
            assert!(problems[0].message_zh.starts_with("文件格式有误"));

            let unknown = "title = \"测试\"\nstart = \"17:00\"\nhours = 2\nspeed = 3\n";
            let problems = read(unknown, street).unwrap_err();
            assert_eq!(
                problems[0].line, 4,
                "an unknown field is named: {problems:?}"
            );
        });
    }

    #[test]
    fn a_request_sent_to_a_community_is_not_expected_to_go_up_to_it() {
        with_street(|street| {
            let text = "title = \"测试\"\nstart = \"17:00\"\nhours = 2\n\n[[requests]]\nat = \"18:00\"\nchannel = \"hotline\"\ncategory = \"garbage\"\ndescription = \"楼下垃圾\"\nmicro = \"泃河湾小区1号院\"\nexpect = { grid = \"泃河湾社区\", escalate = \"community\", dispatch_within = 10 }\n";
            let problems = read(text, street).unwrap_err();
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(
                (problems[0].line, problems[0].field.as_str()),
                (11, "expect.escalate")
            );
            assert!(problems[0].message_zh.contains("不能再上交社区"));
            let fixed = text.replace("grid = \"泃河湾社区\"", "grid = \"泃河湾小区1号院\"");
            assert!(read(&fixed, street).is_ok());
        });
    }
}
