//! The category catalogue: what a request is about, how fast it must be solved and how close two
//! reports must be to count as the same problem.

use serde::{Deserialize, Serialize};

use super::dedupe::DedupeRule;
use super::sla::SlaClass;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    /// Stable English code, e.g. `illegal_parking`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub sla_class: SlaClass,
    pub dedupe: DedupeRule,
}

/// The configurable list of categories (an operator may add or retune them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub categories: Vec<Category>,
}

impl Catalogue {
    /// The seed's examples with their SLA classes and duplicate radii.
    pub fn defaults() -> Self {
        use SlaClass::{Complex, Ordinary, UrgentSafety, Utilities};
        let rows: [(&str, &str, &str, SlaClass, f64, f64); 13] = [
            (
                "illegal_parking",
                "违章停车",
                "Illegal parking",
                Ordinary,
                30.0,
                2.0,
            ),
            (
                "manhole_cover",
                "井盖破损",
                "Broken manhole cover",
                UrgentSafety,
                50.0,
                4.0,
            ),
            (
                "street_vending",
                "占道经营",
                "Street vending",
                Ordinary,
                50.0,
                4.0,
            ),
            ("noise", "噪音扰民", "Noise nuisance", Ordinary, 100.0, 4.0),
            (
                "fire_lane_blocked",
                "消防通道堵塞",
                "Blocked fire lane",
                UrgentSafety,
                50.0,
                4.0,
            ),
            (
                "illegal_construction",
                "私搭乱建",
                "Illegal construction",
                Complex,
                50.0,
                72.0,
            ),
            (
                "garbage",
                "垃圾堆放",
                "Garbage dumping",
                Ordinary,
                50.0,
                4.0,
            ),
            (
                "group_rental",
                "群租房",
                "Overcrowded rental",
                Complex,
                30.0,
                72.0,
            ),
            (
                "sewage_backflow",
                "污水返水",
                "Sewage backflow",
                Utilities,
                100.0,
                24.0,
            ),
            ("roof_leak", "楼顶漏雨", "Roof leak", Complex, 30.0, 72.0),
            (
                "road_damage",
                "道路破损",
                "Damaged road",
                Ordinary,
                50.0,
                72.0,
            ),
            (
                "street_light",
                "路灯",
                "Street light out",
                Utilities,
                50.0,
                24.0,
            ),
            (
                "ebike_charging",
                "电动车飞线充电",
                "E-bike flying-lead charging",
                UrgentSafety,
                50.0,
                4.0,
            ),
        ];
        Self {
            categories: rows
                .into_iter()
                .map(
                    |(code, zh, en, sla_class, radius_m, window_hours)| Category {
                        code: code.to_owned(),
                        name_zh: zh.to_owned(),
                        name_en: en.to_owned(),
                        sla_class,
                        dedupe: DedupeRule {
                            radius_m,
                            window_hours,
                        },
                    },
                )
                .collect(),
        }
    }

    /// Finds a category by its code or its Chinese name (12345 exports use the name).
    pub fn find(&self, text: &str) -> Option<&Category> {
        let text = text.trim();
        self.categories
            .iter()
            .find(|c| c.code == text || c.name_zh == text)
    }

    /// Problems that make a catalogue unusable, in English and Chinese.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if self.categories.is_empty() {
            problems.push((
                "the catalogue has no category".to_owned(),
                "分类目录为空".to_owned(),
            ));
        }
        for (i, c) in self.categories.iter().enumerate() {
            let valid_code = !c.code.is_empty()
                && c.code
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
            if !valid_code {
                problems.push((
                    format!(
                        "category {}: code {:?} must be lower-case a–z, 0–9 or _",
                        i + 1,
                        c.code
                    ),
                    format!(
                        "第 {} 个分类：编码“{}”只能包含小写字母、数字和下划线",
                        i + 1,
                        c.code
                    ),
                ));
            }
            if c.name_zh.trim().is_empty() {
                problems.push((
                    format!("category {} ({}) has no Chinese name", i + 1, c.code),
                    format!("第 {} 个分类（{}）缺少中文名称", i + 1, c.code),
                ));
            }
            if self.categories[..i]
                .iter()
                .any(|o| o.code == c.code || o.name_zh == c.name_zh)
            {
                problems.push((
                    format!(
                        "category {} ({}) repeats an earlier code or name",
                        i + 1,
                        c.code
                    ),
                    format!("第 {} 个分类（{}）的编码或名称重复", i + 1, c.code),
                ));
            }
            let rule = c.dedupe;
            let radius_ok =
                rule.radius_m.is_finite() && rule.radius_m > 0.0 && rule.radius_m <= 5_000.0;
            let window_ok = rule.window_hours.is_finite()
                && rule.window_hours > 0.0
                && rule.window_hours <= 24.0 * 90.0;
            if !(radius_ok && window_ok) {
                problems.push((
                    format!(
                        "category {} ({}): duplicate radius must be 0–5000 m and window 0–2160 h",
                        i + 1,
                        c.code
                    ),
                    format!(
                        "第 {} 个分类（{}）：合并半径须在 0–5000 米、时间窗须在 0–2160 小时之间",
                        i + 1,
                        c.code
                    ),
                ));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_catalogue_is_valid_and_found_by_code_or_name() {
        let catalogue = Catalogue::defaults();
        assert!(
            catalogue.problems().is_empty(),
            "{:?}",
            catalogue.problems()
        );
        assert_eq!(catalogue.find("井盖破损").unwrap().code, "manhole_cover");
        assert_eq!(catalogue.find(" noise ").unwrap().name_zh, "噪音扰民");
        assert!(catalogue.find("不存在").is_none());
    }

    #[test]
    fn repeated_codes_and_bad_radii_are_reported() {
        let mut catalogue = Catalogue::defaults();
        let mut copy = catalogue.categories[0].clone();
        copy.dedupe.radius_m = f64::NAN;
        catalogue.categories.push(copy);
        let problems = catalogue.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
