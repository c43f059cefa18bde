//! From mapped survey layers to the street's grid hierarchy: each feature read through the
//! mapping and converted to WGS84, its level and parent found, a missing code generated from
//! the parent's code and an order (DB11: micro-grids west→east, north→south inside their
//! community), then the same integrity and tiling checks as any import.

use std::collections::{BTreeMap, HashMap, HashSet};

use geo::{Contains, InteriorPoint, MultiPolygon};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::suggest::value_text;
use super::{LayerMapping, SurveyFeature, SurveyLayer, SurveyMapping};
use crate::code::GridCode;
use crate::crs::Crs;
use crate::geojson::{check_coordinate, shape_from_raw};
use crate::grid::{Grid, GridHierarchy, GridLevel, MicroKind};
use crate::problem::{FeatureProblem, GridProblem};
use crate::vocabulary::MappingField;

/// Grids whose reading-order positions differ by less than this many degrees of latitude
/// (about 220 m) count as one row when codes are generated.
const ROW_BAND_DEG: f64 = 0.002;

/// A code the survey did not have, made from its parent's code and its order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedCode {
    pub layer: String,
    pub feature_index: usize,
    pub code: GridCode,
    pub name: String,
}

/// One feature as far as it could be read, for the preview.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyGrid {
    pub layer: String,
    pub feature_index: usize,
    pub level: Option<GridLevel>,
    pub code: Option<GridCode>,
    pub generated: bool,
    pub name: Option<String>,
    /// In WGS84; `None` when the geometry or the coordinate system is wrong.
    pub shape: Option<MultiPolygon<f64>>,
    pub has_problem: bool,
}

/// The survey read through its mapping: every readable feature, the generated codes, every
/// problem, and the hierarchy when there is none.
#[derive(Debug, Clone)]
pub struct Assembly {
    pub grids: Vec<SurveyGrid>,
    pub generated: Vec<GeneratedCode>,
    pub problems: Vec<FeatureProblem>,
    pub hierarchy: Option<GridHierarchy>,
}

/// A feature on its way to a grid.
struct Node {
    layer: usize,
    index: usize,
    written_code: Option<String>,
    code: Option<GridCode>,
    generated: bool,
    level: Option<GridLevel>,
    name: Option<String>,
    name_en: String,
    /// `None` when the survey gives none: then the sum of its children's.
    population: Option<u32>,
    kind: Option<MicroKind>,
    /// (attribute, value as written).
    parent_code: Option<(String, String)>,
    parent_name: Option<(String, String)>,
    order: Option<u16>,
    shape: Option<MultiPolygon<f64>>,
    problems: Vec<GridProblem>,
}

/// A layer's mapping with the attributes it names checked against the layer.
struct Checked {
    mapping: LayerMapping,
    crs: Option<Crs>,
}

/// Reads every layer through the mapping and builds the hierarchy (see the module docs).
pub fn assemble(layers: &[SurveyLayer], mapping: &SurveyMapping) -> Assembly {
    let mut problems = Vec::new();
    if layers.is_empty() {
        problems.push(FeatureProblem::new(None, None, &GridProblem::NoLayers));
    }
    let mut nodes = Vec::new();
    for (layer_index, layer) in layers.iter().enumerate() {
        let checked = check_layer(layer, mapping, |p| {
            problems.push(FeatureProblem::new(None, None, &p).in_layer(&layer.name));
        });
        nodes.extend(
            layer
                .features
                .iter()
                .enumerate()
                .map(|(index, feature)| read_node(layer_index, index, feature, &checked)),
        );
    }
    for level in GridLevel::ALL {
        resolve_codes(&mut nodes, level, mapping.street_code.as_deref());
    }
    for node in &nodes {
        problems.extend(node.problems.iter().map(|p| {
            FeatureProblem::new(Some(node.index), node.shown_code(), p)
                .in_layer(&layers[node.layer].name)
        }));
    }
    let hierarchy = if problems.is_empty() {
        match build_hierarchy(&nodes, layers) {
            Ok(h) => Some(h),
            Err(found) => {
                problems.extend(found);
                None
            }
        }
    } else {
        None
    };
    let troubled: HashSet<(Option<&str>, Option<usize>)> = problems
        .iter()
        .map(|p| (p.layer.as_deref(), p.feature_index))
        .collect();
    let grids = nodes
        .iter()
        .map(|n| {
            let layer = layers[n.layer].name.as_str();
            SurveyGrid {
                layer: layer.to_owned(),
                feature_index: n.index,
                level: n.level,
                code: n.code.clone(),
                generated: n.generated,
                name: n.name.clone(),
                shape: n.shape.clone(),
                has_problem: troubled.contains(&(Some(layer), Some(n.index))),
            }
        })
        .collect();
    let generated = nodes
        .iter()
        .filter(|n| n.generated)
        .filter_map(|n| {
            Some(GeneratedCode {
                layer: layers[n.layer].name.clone(),
                feature_index: n.index,
                code: n.code.clone()?,
                name: n.name.clone().unwrap_or_default(),
            })
        })
        .collect();
    Assembly {
        grids,
        generated,
        problems,
        hierarchy,
    }
}

impl Node {
    /// The code a problem names: as written, else as generated.
    fn shown_code(&self) -> Option<String> {
        self.written_code
            .clone()
            .or_else(|| self.code.as_ref().map(ToString::to_string))
    }

    /// Where the reading order puts it: rows north to south, west to east within a row.
    fn reading_order(&self) -> (i64, f64) {
        self.shape
            .as_ref()
            .and_then(InteriorPoint::interior_point)
            .map_or((i64::MAX, 0.0), |p| {
                ((-p.y() / ROW_BAND_DEG).floor() as i64, p.x())
            })
    }
}

/// Drops mapped attributes the layer lacks (each a problem) and resolves its system.
fn check_layer(
    layer: &SurveyLayer,
    mapping: &SurveyMapping,
    mut problem: impl FnMut(GridProblem),
) -> Checked {
    let mut m = mapping.for_layer(layer);
    let fields = [
        (MappingField::Code, &mut m.code),
        (MappingField::Name, &mut m.name),
        (MappingField::NameEn, &mut m.name_en),
        (MappingField::Level, &mut m.level_attribute),
        (MappingField::ParentCode, &mut m.parent_code),
        (MappingField::ParentName, &mut m.parent_name),
        (MappingField::Population, &mut m.population),
        (MappingField::Kind, &mut m.kind),
        (MappingField::Order, &mut m.order),
    ];
    for (field, attribute) in fields {
        if let Some(name) = attribute.as_deref().map(str::trim) {
            if name.is_empty() {
                *attribute = None;
            } else if !layer.attributes.iter().any(|a| a == name) {
                problem(GridProblem::UnknownAttribute {
                    attribute: name.to_owned(),
                    field,
                });
                *attribute = None;
            }
        }
    }
    if m.name.is_none() {
        problem(GridProblem::UnmappedField {
            field: MappingField::Name,
        });
    }
    if m.level.is_none() && m.code.is_none() && m.level_attribute.is_none() {
        problem(GridProblem::UnmappedField {
            field: MappingField::Level,
        });
    }
    let crs = layer.crs.resolve(mapping.crs).map_err(&mut problem).ok();
    Checked { mapping: m, crs }
}

fn read_node(layer: usize, index: usize, feature: &SurveyFeature, checked: &Checked) -> Node {
    let m = &checked.mapping;
    let mut problems = Vec::new();
    let value = |attribute: &Option<String>| {
        attribute.as_ref().map(|a| {
            (
                a.clone(),
                feature.attributes.get(a).cloned().unwrap_or(Value::Null),
            )
        })
    };
    let text =
        |attribute: &Option<String>| value(attribute).and_then(|(a, v)| Some((a, value_text(&v)?)));
    let mut bad = |attribute: &str, field: MappingField, value: &Value, expected: &'static str| {
        problems.push(GridProblem::BadValue {
            attribute: attribute.to_owned(),
            field,
            value: value_text(value).unwrap_or_default(),
            expected,
        });
    };

    let written_code = text(&m.code).map(|(_, t)| t);
    let mut code_problem = None;
    let code = written_code
        .as_deref()
        .and_then(|t| GridCode::parse(t).map_err(|e| code_problem = Some(e)).ok());
    let name = match value(&m.name) {
        Some((attribute, v)) => value_text(&v).or_else(|| {
            bad(&attribute, MappingField::Name, &v, "string");
            None
        }),
        None => None,
    };
    let declared_level = match (m.level, value(&m.level_attribute)) {
        (Some(level), _) => Some(level),
        (None, Some((attribute, v))) if !v.is_null() => level_value(&v).or_else(|| {
            bad(&attribute, MappingField::Level, &v, "grid level");
            None
        }),
        _ => None,
    };
    let population = match value(&m.population) {
        Some((_, Value::Null)) | None => None,
        Some((attribute, v)) => Some(whole_number(&v).unwrap_or_else(|| {
            bad(
                &attribute,
                MappingField::Population,
                &v,
                "non-negative integer",
            );
            0
        })),
    };
    let kind = match value(&m.kind) {
        Some((_, Value::Null)) | None => None,
        Some((attribute, v)) => kind_value(&v).or_else(|| {
            bad(&attribute, MappingField::Kind, &v, "micro-grid kind");
            None
        }),
    };
    let order = match value(&m.order) {
        Some((_, Value::Null)) | None => None,
        Some((attribute, v)) => {
            let order = whole_number(&v)
                .and_then(|n| u16::try_from(n).ok())
                .filter(|&n| n > 0);
            if order.is_none() {
                bad(&attribute, MappingField::Order, &v, "positive integer");
            }
            order
        }
    };
    let name_en = text(&m.name_en).map(|(_, t)| t).unwrap_or_default();
    let parent_code = text(&m.parent_code);
    let parent_name = text(&m.parent_name);
    if let Some(e) = code_problem {
        problems.push(GridProblem::MalformedCode(e));
    }
    let level = match (&code, declared_level) {
        (Some(code), Some(declared)) if code.level() != declared => {
            problems.push(GridProblem::LevelMismatch {
                declared: declared.as_str().to_owned(),
                implied: code.level().as_str().to_owned(),
            });
            Some(declared)
        }
        (_, Some(declared)) => Some(declared),
        (Some(code), None) => Some(code.level()),
        (None, None) => {
            if written_code.is_none() {
                problems.push(GridProblem::LevelUnknown);
            }
            None
        }
    };
    let shape = match (&feature.shape, checked.crs) {
        (Err(problem), _) => {
            problems.push(problem.clone());
            None
        }
        (Ok(raw), Some(crs)) => shape_from_raw(raw, |x, y| {
            let (lon, lat) = crs
                .to_wgs84(x, y)
                .ok_or(GridProblem::NotInCrs { x, y, crs })?;
            check_coordinate(lon, lat)?;
            Ok((lon, lat))
        })
        .map_err(|p| problems.push(p))
        .ok(),
        // The layer's missing system is its own problem.
        (Ok(_), None) => None,
    };
    let kind = (level == Some(GridLevel::Micro)).then(|| kind.unwrap_or(MicroKind::Compound));
    Node {
        layer,
        index,
        written_code,
        code,
        generated: false,
        level,
        name,
        name_en,
        population,
        kind,
        parent_code,
        parent_name,
        order,
        shape,
        problems,
    }
}

fn whole_number(value: &Value) -> Option<u32> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u64)
            })
            .and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `micro`, `微网格`, `微网格` 's short form, or 1–4 from the street down.
fn level_value(value: &Value) -> Option<GridLevel> {
    let text = value_text(value)?;
    GridLevel::ALL
        .into_iter()
        .find(|l| {
            [
                l.as_str(),
                l.label_zh(),
                l.short_zh(),
                l.label_en(),
                l.short_en(),
            ]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&text))
        })
        .or_else(|| {
            let n: usize = text.parse().ok()?;
            GridLevel::ALL.get(n.checked_sub(1)?).copied()
        })
}

/// `street_lane` / `主要街巷` / `街巷`, `compound` / `小区`.
fn kind_value(value: &Value) -> Option<MicroKind> {
    let text = value_text(value)?;
    MicroKind::from_code(&text)
        .or_else(|| MicroKind::ALL.into_iter().find(|k| k.label_zh() == text))
        .or_else(|| text.contains("街巷").then_some(MicroKind::StreetLane))
        .or_else(|| text.contains("小区").then_some(MicroKind::Compound))
}

/// Checks the written parents of one level and generates the codes it lacks.
fn resolve_codes(nodes: &mut [Node], level: GridLevel, street_code: Option<&str>) {
    let at_level: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].level == Some(level))
        .collect();
    for &i in &at_level {
        let node = &mut nodes[i];
        if let (Some(code), Some((_, written))) = (&node.code, &node.parent_code) {
            let implied = code.parent().map(|p| p.to_string()).unwrap_or_default();
            if &implied != written {
                node.problems.push(GridProblem::ParentMismatch {
                    implied,
                    written: written.clone(),
                });
            }
        }
    }
    let pending: Vec<usize> = at_level
        .into_iter()
        .filter(|&i| nodes[i].written_code.is_none() && nodes[i].problems.is_empty())
        .collect();
    let Some(parent_level) = level.parent_level() else {
        for i in pending {
            match street_code.map(str::trim).filter(|c| !c.is_empty()) {
                None => nodes[i].problems.push(GridProblem::StreetCodeNeeded),
                Some(text) => match GridCode::parse(text) {
                    Ok(code) if code.level() == GridLevel::Street => {
                        nodes[i].code = Some(code);
                        nodes[i].generated = true;
                    }
                    Ok(code) => nodes[i].problems.push(GridProblem::LevelMismatch {
                        declared: GridLevel::Street.as_str().to_owned(),
                        implied: code.level().as_str().to_owned(),
                    }),
                    Err(e) => nodes[i].problems.push(GridProblem::MalformedCode(e)),
                },
            }
        }
        return;
    };
    let mut children: BTreeMap<GridCode, Vec<usize>> = BTreeMap::new();
    for i in pending {
        match find_parent(nodes, i, parent_level) {
            Ok(parent) => children.entry(parent).or_default().push(i),
            Err(problem) => nodes[i].problems.push(problem),
        }
    }
    for (parent, mut kids) in children {
        let mut taken: HashSet<u16> = nodes
            .iter()
            .filter(|n| n.level == Some(level))
            .filter_map(|n| n.code.as_ref())
            .filter(|c| c.parent().as_ref() == Some(&parent))
            .filter_map(|c| sequence_of(c, level))
            .collect();
        taken.extend(kids.iter().filter_map(|&i| nodes[i].order));
        kids.sort_by(|&a, &b| {
            (
                nodes[a].order.is_none(),
                nodes[a].order,
                nodes[a].reading_order(),
            )
                .partial_cmp(&(
                    nodes[b].order.is_none(),
                    nodes[b].order,
                    nodes[b].reading_order(),
                ))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let max: u16 = if level == GridLevel::Unit { 99 } else { 999 };
        let mut next = 1;
        for i in kids {
            let sequence = nodes[i].order.unwrap_or_else(|| {
                while taken.contains(&next) {
                    next += 1;
                }
                taken.insert(next);
                next
            });
            if sequence > max {
                nodes[i].problems.push(GridProblem::SequenceFull {
                    parent: parent.to_string(),
                    max,
                });
                continue;
            }
            nodes[i].code = Some(match level {
                GridLevel::Street | GridLevel::Community => parent.community(sequence),
                GridLevel::Micro => parent.micro(sequence),
                GridLevel::Unit => parent.unit(sequence as u8),
            });
            nodes[i].generated = true;
        }
    }
}

fn sequence_of(code: &GridCode, level: GridLevel) -> Option<u16> {
    let digits = match level {
        GridLevel::Street => return None,
        GridLevel::Community => &code.as_str()[9..12],
        GridLevel::Micro => &code.as_str()[12..15],
        GridLevel::Unit => code.as_str().get(15..17)?,
    };
    digits.parse().ok()
}

/// The parent's code of a feature without a code: by its parent-code attribute, its
/// parent-name attribute, or the parent-level grid that contains it.
fn find_parent(nodes: &[Node], i: usize, parent_level: GridLevel) -> Result<GridCode, GridProblem> {
    let node = &nodes[i];
    let parents = || {
        nodes
            .iter()
            .filter(move |n| n.level == Some(parent_level) && n.code.is_some())
    };
    let not_found = |(attribute, value): &(String, String)| GridProblem::ParentNotFound {
        attribute: attribute.clone(),
        value: value.clone(),
        parent_level,
    };
    if let Some(written) = &node.parent_code {
        return GridCode::parse(&written.1)
            .ok()
            .filter(|c| parents().any(|p| p.code.as_ref() == Some(c)))
            .ok_or_else(|| not_found(written));
    }
    if let Some(written) = &node.parent_name {
        let named: Vec<&Node> = parents()
            .filter(|p| p.name.as_deref() == Some(written.1.as_str()))
            .collect();
        return match named.as_slice() {
            [one] => Ok(one.code.clone().expect("filtered on a code")),
            [] => Err(not_found(written)),
            many => Err(GridProblem::ParentAmbiguous {
                value: written.1.clone(),
                count: many.len(),
                parent_level,
            }),
        };
    }
    let point = node.shape.as_ref().and_then(InteriorPoint::interior_point);
    point
        .and_then(|point| parents().find(|p| p.shape.as_ref().is_some_and(|s| s.contains(&point))))
        .and_then(|p| p.code.clone())
        .ok_or(GridProblem::NoParentByPosition { parent_level })
}

/// The grids checked as a whole, each problem placed at its feature.
fn build_hierarchy(
    nodes: &[Node],
    layers: &[SurveyLayer],
) -> Result<GridHierarchy, Vec<FeatureProblem>> {
    let mut at_code: HashMap<GridCode, Vec<&Node>> = HashMap::new();
    let mut grids = Vec::with_capacity(nodes.len());
    for node in nodes {
        let (Some(code), Some(name), Some(shape)) = (&node.code, &node.name, &node.shape) else {
            continue;
        };
        at_code.entry(code.clone()).or_default().push(node);
        grids.push(Grid {
            code: code.clone(),
            name: name.clone(),
            name_en: node.name_en.clone(),
            shape: shape.clone(),
            population: node.population.unwrap_or(0),
            kind: node.kind,
            synthetic: false,
        });
    }
    let locate = |code: Option<&GridCode>, problem: &GridProblem, later: bool| {
        let node = code
            .and_then(|c| at_code.get(c))
            .and_then(|found| if later { found.get(1) } else { found.first() });
        let placed = FeatureProblem::new(
            node.map(|n| n.index),
            code.map(ToString::to_string),
            problem,
        );
        match node {
            Some(n) => placed.in_layer(&layers[n.layer].name),
            None => placed,
        }
    };
    // A level the survey gives no population (a street outline, say) counts its children's.
    let given: HashMap<&GridCode, bool> = nodes
        .iter()
        .filter_map(|n| n.code.as_ref().map(|c| (c, n.population.is_some())))
        .collect();
    grids.sort_by_key(|g| std::cmp::Reverse(g.code.level()));
    let mut sums: HashMap<GridCode, u32> = HashMap::new();
    for grid in &mut grids {
        if !given.get(&grid.code).copied().unwrap_or(true) {
            grid.population = sums.get(&grid.code).copied().unwrap_or(0);
        }
        if let Some(parent) = grid.code.parent() {
            *sums.entry(parent).or_default() += grid.population;
        }
    }
    GridHierarchy::build_tiled(grids).map_err(|found| {
        found
            .iter()
            .map(|(code, problem)| {
                locate(
                    code.as_ref(),
                    problem,
                    matches!(problem, GridProblem::DuplicateCode { .. }),
                )
            })
            .collect()
    })
}
