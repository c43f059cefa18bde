//! The category catalogue: what a request is about, how fast it must be solved and how close two
//! reports must be to count as the same problem.

use serde::{Deserialize, Serialize};

use super::dedupe::DedupeRule;
use super::sla::SlaClass;
use crate::text::key;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    /// Stable English code, e.g. `illegal_parking`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub sla_class: SlaClass,
    pub dedupe: DedupeRule,
    /// Other names for it, as other systems write them (the 12345 hotline's categories:
    /// `路灯不亮` for 路灯); an operator edits them with the catalogue.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// What a category name from another system is in this catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classification {
    /// A category of the catalogue: its code.
    Known(String),
    /// None matched: taken in as [`UNCLASSIFIED`] for a dispatcher to classify; the name as
    /// written (empty when there was none).
    Unclassified(String),
}

/// The code of 其他, where an imported order whose category is not known goes.
pub const UNCLASSIFIED: &str = "other";

/// The configurable list of categories (an operator may add or retune them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub categories: Vec<Category>,
}

/// The usual names of the Beijing 12345 hotline's categories (and of other systems' exports)
/// for the seed's categories: the aliases a new catalogue starts with.
const HOTLINE_NAMES: [(&str, &[&str]); 14] = [
    (
        "illegal_parking",
        &[
            "违法停车",
            "违规停车",
            "乱停车",
            "乱停乱放",
            "占道停车",
            "机动车乱停放",
            "停车管理",
        ],
    ),
    (
        "manhole_cover",
        &[
            "井盖缺失",
            "井盖丢失",
            "井盖损坏",
            "井盖松动",
            "窨井盖",
            "井盖",
        ],
    ),
    (
        "street_vending",
        &[
            "无照经营",
            "流动摊贩",
            "游商",
            "摊贩占道",
            "店外经营",
            "出店经营",
            "占道摆摊",
        ],
    ),
    (
        "noise",
        &[
            "噪声扰民",
            "施工噪音",
            "施工扰民",
            "广场舞扰民",
            "商业噪音",
            "噪音",
            "噪声",
        ],
    ),
    (
        "fire_lane_blocked",
        &[
            "占用消防通道",
            "消防通道占用",
            "消防通道",
            "楼道堆物",
            "堵塞消防通道",
        ],
    ),
    (
        "illegal_construction",
        &[
            "违法建设",
            "违章建筑",
            "违建",
            "乱搭乱建",
            "私搭乱盖",
            "违法建筑",
        ],
    ),
    (
        "garbage",
        &[
            "垃圾清运",
            "生活垃圾",
            "建筑垃圾",
            "暴露垃圾",
            "垃圾乱堆",
            "垃圾满溢",
            "环境卫生",
            "垃圾",
        ],
    ),
    ("group_rental", &["群租", "违规出租", "违法群租"]),
    (
        "sewage_backflow",
        &[
            "污水外溢",
            "污水冒溢",
            "下水道堵塞",
            "排水不畅",
            "化粪池外溢",
            "管道堵塞",
            "返水",
        ],
    ),
    (
        "roof_leak",
        &[
            "房屋漏雨",
            "屋顶漏雨",
            "屋顶漏水",
            "楼顶漏水",
            "房屋渗漏",
            "漏雨",
        ],
    ),
    (
        "road_damage",
        &["路面破损", "道路坑洼", "路面塌陷", "道路维修", "路面坑洼"],
    ),
    (
        "street_light",
        &["路灯不亮", "路灯故障", "路灯损坏", "路灯维修", "照明设施"],
    ),
    (
        "ebike_charging",
        &[
            "飞线充电",
            "电动自行车充电",
            "电动车充电",
            "私拉电线充电",
            "楼道充电",
        ],
    ),
    (UNCLASSIFIED, &["其它", "未分类", "其他类"]),
];

impl Catalogue {
    /// The seed's examples with their SLA classes and duplicate radii.
    pub fn defaults() -> Self {
        use SlaClass::{Complex, Ordinary, UrgentSafety, Utilities};
        let rows: [(&str, &str, &str, SlaClass, f64, f64); 14] = [
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
            (
                UNCLASSIFIED,
                "其他",
                "Other / unclassified",
                Ordinary,
                30.0,
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
                        aliases: HOTLINE_NAMES
                            .iter()
                            .find(|(c, _)| *c == code)
                            .map(|(_, names)| names.iter().map(|&n| n.to_owned()).collect())
                            .unwrap_or_default(),
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

    /// Finds a category as another system names it: by code, name or alias, ignoring width
    /// and spaces; a path such as `城乡建设-市容环境-路灯不亮` by its most specific part that
    /// is known; and a name with a trailing 问题/类 (`噪音问题`) by the name before it.
    pub fn recognise(&self, text: &str) -> Option<&Category> {
        let whole = key(text);
        if whole.is_empty() {
            return None;
        }
        let parts = whole
            .rsplit(['-', '/', '>', '＞', '→', '|', '\\', '、'])
            .filter(|p| !p.is_empty());
        std::iter::once(whole.as_str())
            .chain(parts)
            .find_map(|part| self.by_key(part))
    }

    fn by_key(&self, part: &str) -> Option<&Category> {
        let stripped = part
            .strip_suffix("问题")
            .or_else(|| part.strip_suffix('类'))
            .filter(|s| !s.is_empty());
        [Some(part), stripped].into_iter().flatten().find_map(|k| {
            self.categories.iter().find(|c| {
                c.code == k
                    || key(&c.name_zh) == k
                    || key(&c.name_en) == k
                    || c.aliases.iter().any(|a| key(a) == k)
            })
        })
    }

    /// The first of `names` (most specific first, e.g. a third-level category before the
    /// first level) that the catalogue recognises; otherwise unclassified, keeping the most
    /// specific name written.
    pub fn classify<S: AsRef<str>>(&self, names: &[S]) -> Classification {
        names
            .iter()
            .find_map(|n| self.recognise(n.as_ref()))
            .map_or_else(
                || {
                    Classification::Unclassified(
                        names
                            .iter()
                            .map(|n| n.as_ref().trim())
                            .find(|n| !n.is_empty())
                            .unwrap_or_default()
                            .to_owned(),
                    )
                },
                |c| Classification::Known(c.code.clone()),
            )
    }

    /// A catalogue saved before aliases and 其他 existed, brought up to date: 其他 added at its
    /// end, and — when no category has an alias at all — the usual hotline names given to the
    /// seed's categories. A catalogue an operator has already edited since stays as it is.
    #[must_use]
    pub fn upgraded(mut self) -> Self {
        let defaults = Self::defaults();
        if !self.categories.iter().any(|c| !c.aliases.is_empty()) {
            for category in &mut self.categories {
                if let Some(d) = defaults.categories.iter().find(|d| d.code == category.code) {
                    category.aliases.clone_from(&d.aliases);
                }
            }
            let other = defaults
                .categories
                .iter()
                .find(|c| c.code == UNCLASSIFIED)
                .expect("the defaults have 其他");
            if !self
                .categories
                .iter()
                .any(|c| c.code == other.code || c.name_zh == other.name_zh)
            {
                self.categories.push(other.clone());
            }
        }
        self
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
        problems.extend(self.alias_problems());
        problems
    }

    /// An alias that names another category too (its code, a name or an alias of it): which
    /// one an imported order meant could not be told. Each clash is named once.
    fn alias_problems(&self) -> Vec<(String, String)> {
        let names = |c: &Category| -> Vec<String> {
            [&c.code, &c.name_zh, &c.name_en]
                .into_iter()
                .map(|n| key(n))
                .filter(|n| !n.is_empty())
                .collect()
        };
        let mut problems = Vec::new();
        for (i, c) in self.categories.iter().enumerate() {
            for alias in &c.aliases {
                let k = key(alias);
                let clash = self.categories.iter().enumerate().find(|&(j, other)| {
                    j != i
                        && (names(other).contains(&k)
                            // Two categories sharing an alias: named at the first of them.
                            || (j > i && other.aliases.iter().any(|a| key(a) == k)))
                });
                if let Some((_, other)) = clash {
                    problems.push((
                        format!(
                            "category {} ({}): alias {alias:?} also names category {}",
                            i + 1,
                            c.code,
                            other.code
                        ),
                        format!(
                            "第 {} 个分类（{}）的别名“{alias}”已是分类“{}”的名称或别名",
                            i + 1,
                            c.name_zh,
                            other.name_zh
                        ),
                    ));
                }
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
    fn hotline_names_paths_and_widths_are_recognised() {
        let catalogue = Catalogue::defaults();
        let code = |text: &str| catalogue.recognise(text).map(|c| c.code.as_str());
        assert_eq!(code("路灯不亮"), Some("street_light"));
        assert_eq!(code("城乡建设-市容环境-路灯不亮"), Some("street_light"));
        assert_eq!(code("城乡建设／市政设施／井盖缺失"), Some("manhole_cover"));
        assert_eq!(code(" 噪音 问题 "), Some("noise"));
        assert_eq!(code("Street light out"), Some("street_light"));
        assert_eq!(code("城乡建设"), None);
        assert_eq!(
            catalogue.classify(&["交通管理-停车秩序", "违法停车"]),
            Classification::Known("illegal_parking".to_owned())
        );
        assert_eq!(
            catalogue.classify(&["供暖不热", "城乡建设"]),
            Classification::Unclassified("供暖不热".to_owned())
        );
    }

    #[test]
    fn a_catalogue_saved_before_aliases_is_upgraded_once() {
        let mut old = Catalogue::defaults();
        old.categories.retain(|c| c.code != UNCLASSIFIED);
        for c in &mut old.categories {
            c.aliases.clear();
        }
        let upgraded = old.upgraded();
        assert_eq!(upgraded, Catalogue::defaults());
        // An operator's later choice (no 其他, one alias) is kept.
        let mut edited = Catalogue::defaults();
        edited.categories.retain(|c| c.code != UNCLASSIFIED);
        for c in &mut edited.categories {
            c.aliases.clear();
        }
        edited.categories[0].aliases.push("乱停".to_owned());
        assert_eq!(edited.clone().upgraded(), edited);
    }

    #[test]
    fn repeated_codes_and_bad_radii_are_reported() {
        let mut catalogue = Catalogue::defaults();
        let mut copy = catalogue.categories[0].clone();
        copy.dedupe.radius_m = f64::NAN;
        copy.aliases.clear();
        catalogue.categories.push(copy);
        let problems = catalogue.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn an_alias_naming_another_category_is_reported_once() {
        let mut catalogue = Catalogue::defaults();
        let noise = catalogue.find("noise").unwrap().name_zh.clone();
        let light = catalogue
            .categories
            .iter()
            .position(|c| c.code == "street_light")
            .unwrap();
        // Another category's name, written with other widths and spaces.
        catalogue.categories[light]
            .aliases
            .push(format!(" {noise} "));
        // And one alias given to two categories.
        catalogue.categories[0].aliases.push("占道".to_owned());
        catalogue.categories[light].aliases.push("占道".to_owned());
        let problems = catalogue.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].1.contains("已是分类“"), "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|(en, _)| en.contains("also names category noise"))
        );
        assert!(
            problems
                .iter()
                .any(|(en, _)| en.contains("also names category street_light"))
        );
    }
}
