//! A first mapping guessed from the layer's file name, its attribute names (as surveyors and
//! their tools write them: 网格编码, WGBM, GRID_ID, 社区名称, SQMC …) and its values; the
//! operator confirms or overrides it.

use serde_json::Value;

use super::{LayerMapping, SurveyLayer};
use crate::code::GridCode;
use crate::grid::GridLevel;

/// Words in a file name that say which level a layer holds.
const LEVEL_WORDS: [(GridLevel, &[&str]); 4] = [
    (GridLevel::Unit, &["单元", "unit", "dy"]),
    (GridLevel::Micro, &["微网格", "micro", "wwg", "wg"]),
    (GridLevel::Community, &["社区", "community", "sq", "居委"]),
    (
        GridLevel::Street,
        &["街道", "street", "jd", "outline", "boundary", "边界"],
    ),
];

/// Attribute names (lower case, without `_`, `-` and spaces) per field and level.
fn codes_of(level: GridLevel) -> &'static [&'static str] {
    match level {
        GridLevel::Street => &["街道编码", "街道代码", "jdbm", "streetcode", "streetid"],
        GridLevel::Community => &[
            "社区编码",
            "社区代码",
            "sqbm",
            "communitycode",
            "communityid",
            "sqid",
        ],
        GridLevel::Micro => &["微网格编码", "wwgbm", "microcode", "microid"],
        GridLevel::Unit => &["单元编码", "dybm", "unitcode", "unitid"],
    }
}

fn names_of(level: GridLevel) -> &'static [&'static str] {
    match level {
        GridLevel::Street => &["街道名称", "街道名", "jdmc", "streetname"],
        GridLevel::Community => &["社区名称", "社区名", "sqmc", "communityname"],
        GridLevel::Micro => &["微网格名称", "wwgmc", "microname"],
        GridLevel::Unit => &["单元名称", "dymc", "unitname"],
    }
}

const CODES: &[&str] = &[
    "code",
    "编码",
    "网格编码",
    "网格代码",
    "代码",
    "wgbm",
    "gridcode",
    "gridid",
    "bm",
    "dm",
];
const NAMES: &[&str] = &[
    "name",
    "名称",
    "网格名称",
    "网格名",
    "wgmc",
    "mc",
    "gridname",
];
const PARENT_CODES: &[&str] = &[
    "parent",
    "parentcode",
    "parentid",
    "上级编码",
    "上级网格编码",
    "所属编码",
    "sjbm",
];
const PARENT_NAMES: &[&str] = &["parentname", "上级名称", "上级网格", "所属网格", "sjmc"];
const NAMES_EN: &[&str] = &["nameen", "ename", "englishname", "英文名称", "英文名"];
const POPULATIONS: &[&str] = &[
    "population",
    "pop",
    "人口",
    "人口数",
    "常住人口",
    "rk",
    "rks",
];
const KINDS: &[&str] = &["kind", "type", "类型", "网格类型", "lx", "wglx"];
const LEVELS: &[&str] = &["level", "层级", "级别", "网格层级", "cj", "jb", "gridlevel"];
const ORDERS: &[&str] = &["order", "序号", "xh", "seq", "sequence", "sn", "no"];

fn normalised(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The mapping a layer most likely wants.
pub fn suggest_mapping(layer: &SurveyLayer) -> LayerMapping {
    let find = |lists: &[&[&str]], taken: &[&Option<String>]| find(layer, lists, taken);
    let level = level_from_name(&layer.name).or_else(|| level_from_codes(layer));
    let (own_codes, own_names) = level.map_or((&[][..], &[][..]), |l| (codes_of(l), names_of(l)));
    let code = find(&[own_codes, CODES], &[]).or_else(|| code_by_values(layer, level));
    let name = find(&[own_names, NAMES], &[]);
    let above = level.and_then(GridLevel::parent_level);
    let parent_code = find(&[PARENT_CODES, above.map_or(&[][..], codes_of)], &[&code]);
    let parent_name = find(&[PARENT_NAMES, above.map_or(&[][..], names_of)], &[&name]);
    LayerMapping {
        layer: layer.name.clone(),
        level,
        name_en: find(&[NAMES_EN], &[]),
        level_attribute: find(&[LEVELS], &[]),
        population: find(&[POPULATIONS], &[]),
        kind: find(&[KINDS], &[]),
        order: find(&[ORDERS], &[]),
        code,
        name,
        parent_code,
        parent_name,
    }
}

fn level_from_name(file: &str) -> Option<GridLevel> {
    let stem = file.rsplit('/').next().unwrap_or(file).to_lowercase();
    let stem = stem.rsplit_once('.').map_or(stem.as_str(), |(s, _)| s);
    LEVEL_WORDS.iter().find_map(|(level, words)| {
        words
            .iter()
            .any(|w| {
                // English words start a word of the name (`communities`, not `unit` inside
                // it); short pinyin initials are a whole word (`sq_polygons`, not `square`).
                let mut parts = stem.split(|c: char| !c.is_ascii_alphanumeric());
                if !w.is_ascii() {
                    stem.contains(w)
                } else if w.len() <= 3 {
                    parts.any(|part| part == *w)
                } else {
                    parts.any(|part| part.starts_with(w.trim_end_matches('y')))
                }
            })
            .then_some(*level)
    })
}

/// The first attribute of the layer named as in the first list that has one, except those
/// already `taken` for another field.
fn find(layer: &SurveyLayer, lists: &[&[&str]], taken: &[&Option<String>]) -> Option<String> {
    lists.iter().find_map(|list| {
        list.iter().find_map(|wanted| {
            layer
                .attributes
                .iter()
                .find(|a| normalised(a) == *wanted && !taken.iter().any(|t| t.as_ref() == Some(*a)))
                .cloned()
        })
    })
}

/// The level every code of the layer shares, when a code attribute is found by name.
fn level_from_codes(layer: &SurveyLayer) -> Option<GridLevel> {
    let attribute = find(layer, &[CODES], &[])?;
    let mut levels = layer.features.iter().filter_map(|f| {
        value_text(f.attributes.get(&attribute)?).and_then(|t| GridCode::parse(&t).ok())
    });
    let first = levels.next()?.level();
    levels.all(|c| c.level() == first).then_some(first)
}

/// An attribute whose every value is a distinct grid code (of the layer's level, if known).
fn code_by_values(layer: &SurveyLayer, level: Option<GridLevel>) -> Option<String> {
    layer
        .attributes
        .iter()
        .find(|attribute| {
            let mut seen = std::collections::HashSet::new();
            !layer.features.is_empty()
                && layer.features.iter().all(|f| {
                    f.attributes
                        .get(*attribute)
                        .and_then(value_text)
                        .and_then(|t| GridCode::parse(&t).ok())
                        .is_some_and(|c| level.is_none_or(|l| c.level() == l) && seen.insert(c))
                })
        })
        .cloned()
}

/// An attribute value as text: strings trimmed, whole numbers without a decimal point (a dBASE
/// numeric field holds a code as a number), nothing for null or empty.
pub fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(match (n.as_u64(), n.as_f64()) {
            (Some(whole), _) => whole.to_string(),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{f:.0}"),
            _ => n.to_string(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::{LayerCrs, SurveyFeature};
    use serde_json::json;

    fn layer(name: &str, attributes: &[&str], rows: &[Value]) -> SurveyLayer {
        SurveyLayer {
            name: name.to_owned(),
            crs: LayerCrs::Unknown,
            attributes: attributes.iter().map(|a| (*a).to_owned()).collect(),
            features: rows
                .iter()
                .map(|row| SurveyFeature {
                    attributes: row.as_object().unwrap().clone(),
                    shape: Ok(Vec::new()),
                })
                .collect(),
        }
    }

    #[test]
    fn surveyor_names_are_mapped_by_level() {
        let micro = layer(
            "滨河_微网格.shp",
            &["WGBM", "WGMC", "SQBM", "SQMC", "RK", "LX"],
            &[json!({"WGBM": "110117001003001", "SQBM": "110117001003000"})],
        );
        let m = suggest_mapping(&micro);
        assert_eq!(m.level, Some(GridLevel::Micro));
        assert_eq!(m.code.as_deref(), Some("WGBM"));
        assert_eq!(m.name.as_deref(), Some("WGMC"));
        assert_eq!(m.parent_code.as_deref(), Some("SQBM"));
        assert_eq!(m.parent_name.as_deref(), Some("SQMC"));
        assert_eq!(m.population.as_deref(), Some("RK"));
        assert_eq!(m.kind.as_deref(), Some("LX"));

        let communities = layer(
            "communities.shp",
            &["社区编码", "社区名称", "人口"],
            &[json!({})],
        );
        let m = suggest_mapping(&communities);
        assert_eq!(m.level, Some(GridLevel::Community));
        assert_eq!(m.code.as_deref(), Some("社区编码"));
        assert_eq!(m.name.as_deref(), Some("社区名称"));
        assert_eq!(m.parent_code, None);
        assert_eq!(m.population.as_deref(), Some("人口"));
    }

    #[test]
    fn a_code_column_is_found_by_its_values_and_numbers_read_as_codes() {
        let all = layer(
            "survey.geojson",
            &["fid", "id_gb", "title"],
            &[
                json!({"fid": 1, "id_gb": 110_117_001_000_000_u64, "title": "a"}),
                json!({"fid": 2, "id_gb": 110_117_001_003_000_u64, "title": "b"}),
            ],
        );
        let m = suggest_mapping(&all);
        assert_eq!(m.code.as_deref(), Some("id_gb"));
        assert_eq!(m.level, None);
        assert_eq!(
            value_text(&json!(110_117_001_003_000.0)).unwrap(),
            "110117001003000"
        );
    }
}
