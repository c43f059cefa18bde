//! Grids in and out of GeoJSON. Reading collects every problem of every feature, so an
//! operator fixes a surveyed file in one pass; nothing is accepted unless all of it is valid.

use std::collections::HashMap;

use geo::{Coord, LineString, MultiPolygon, Polygon, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::code::GridCode;
use crate::grid::{Grid, GridHierarchy, GridLevel, MicroKind};
use crate::problem::{FeatureProblem, GridProblem};

/// Longitude/latitude box around China's territory; anything outside is a wrong file or a
/// projected (non-WGS84) coordinate.
const CHINA_LON: (f64, f64) = (73.4, 135.1);
const CHINA_LAT: (f64, f64) = (18.1, 53.6);

/// Parses a grid dataset and checks it completely: codes, levels, geometry, parent/child
/// integrity and tiling. Returns the hierarchy only when there is no problem at all.
pub fn read_grids(text: &str) -> Result<GridHierarchy, Vec<FeatureProblem>> {
    let whole = |problem: GridProblem| vec![FeatureProblem::new(None, None, &problem)];
    let root: Value = serde_json::from_str(text).map_err(|e| {
        whole(GridProblem::InvalidJson {
            detail: e.to_string(),
        })
    })?;
    let not_collection = |detail: &str| {
        whole(GridProblem::NotFeatureCollection {
            detail: detail.to_owned(),
        })
    };
    if root.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(not_collection("\"type\" is not \"FeatureCollection\""));
    }
    if let Some(crs) = declared_crs(&root)
        && !is_wgs84_name(&crs)
    {
        return Err(whole(GridProblem::NotWgs84Crs { crs }));
    }
    let Some(features) = root.get("features").and_then(Value::as_array) else {
        return Err(not_collection("\"features\" is not an array"));
    };

    let mut problems = Vec::new();
    let mut grids = Vec::with_capacity(features.len());
    let mut feature_of_code: HashMap<String, usize> = HashMap::new();
    for (index, feature) in features.iter().enumerate() {
        let written_code = feature
            .get("properties")
            .and_then(|p| p.get("code"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        match read_feature(feature) {
            Ok(grid) => {
                feature_of_code
                    .entry(grid.code.to_string())
                    .or_insert(index);
                grids.push(grid);
            }
            Err(found) => problems.extend(
                found
                    .iter()
                    .map(|p| FeatureProblem::new(Some(index), written_code.clone(), p)),
            ),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let locate = |code: Option<&GridCode>, problem: &GridProblem| {
        let index = code.and_then(|c| feature_of_code.get(c.as_str()).copied());
        FeatureProblem::new(index, code.map(ToString::to_string), problem)
    };
    // Duplicates point at the later feature: the first one with the code is kept in the map.
    let duplicate_indexes = duplicate_feature_indexes(features);
    GridHierarchy::build_tiled(grids).map_err(|found| {
        found
            .iter()
            .map(|(code, problem)| match problem {
                GridProblem::DuplicateCode { code: dup } => FeatureProblem::new(
                    duplicate_indexes.get(dup).copied(),
                    Some(dup.clone()),
                    problem,
                ),
                _ => locate(code.as_ref(), problem),
            })
            .collect()
    })
}

fn duplicate_feature_indexes(features: &[Value]) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    let mut duplicates = HashMap::new();
    for (index, feature) in features.iter().enumerate() {
        if let Some(code) = feature.pointer("/properties/code").and_then(Value::as_str)
            && seen.insert(code.to_owned(), index).is_some()
        {
            duplicates.insert(code.to_owned(), index);
        }
    }
    duplicates
}

fn declared_crs(root: &Value) -> Option<String> {
    root.pointer("/crs/properties/name")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn is_wgs84_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.ends_with("CRS84") || upper.ends_with("EPSG::4326") || upper.ends_with("EPSG:4326")
}

fn read_feature(feature: &Value) -> Result<Grid, Vec<GridProblem>> {
    let mut problems = Vec::new();
    let Some(properties) = feature.get("properties").and_then(Value::as_object) else {
        return Err(vec![GridProblem::MissingProperties]);
    };
    let code = match properties.get("code").and_then(Value::as_str) {
        Some(text) => GridCode::parse(text).map_err(GridProblem::MalformedCode),
        None => Err(GridProblem::MissingProperty {
            property: "code",
            expected: "string",
        }),
    };
    let code = code.map_err(|p| problems.push(p)).ok();
    if let (Some(code), Some(declared)) = (&code, properties.get("level").and_then(Value::as_str)) {
        match GridLevel::from_code(declared) {
            Some(level) if level == code.level() => {}
            Some(_) => problems.push(GridProblem::LevelMismatch {
                declared: declared.to_owned(),
                implied: code.level().as_str().to_owned(),
            }),
            None => problems.push(GridProblem::UnknownLevel {
                level: declared.to_owned(),
            }),
        }
    }
    let name = text_property(properties, "name", &mut problems);
    let name_en = properties
        .get("name_en")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let population = match properties.get("population") {
        None | Some(Value::Null) => 0,
        Some(value) => value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or_else(|| {
                problems.push(GridProblem::MissingProperty {
                    property: "population",
                    expected: "non-negative integer",
                });
                0
            }),
    };
    let synthetic = match properties.get("synthetic") {
        None | Some(Value::Null) => false,
        Some(value) => value.as_bool().unwrap_or_else(|| {
            problems.push(GridProblem::MissingProperty {
                property: "synthetic",
                expected: "boolean",
            });
            false
        }),
    };
    let kind = properties
        .get("kind")
        .and_then(Value::as_str)
        .and_then(MicroKind::from_code);
    let shape = read_geometry(feature.get("geometry"))
        .map_err(|p| problems.push(p))
        .ok();
    match (code, name, shape) {
        (Some(code), Some(name), Some(shape)) if problems.is_empty() => {
            let kind =
                (code.level() == GridLevel::Micro).then(|| kind.unwrap_or(MicroKind::Compound));
            Ok(Grid {
                code,
                name,
                name_en,
                shape,
                population,
                kind,
                synthetic,
            })
        }
        _ => Err(problems),
    }
}

fn text_property(
    properties: &Map<String, Value>,
    key: &'static str,
    problems: &mut Vec<GridProblem>,
) -> Option<String> {
    match properties.get(key).and_then(Value::as_str).map(str::trim) {
        Some(text) if !text.is_empty() => Some(text.to_owned()),
        _ => {
            problems.push(GridProblem::MissingProperty {
                property: key,
                expected: "string",
            });
            None
        }
    }
}

fn read_geometry(geometry: Option<&Value>) -> Result<MultiPolygon<f64>, GridProblem> {
    match geometry.filter(|g| !g.is_null()) {
        Some(geometry) => read_shape(geometry),
        None => Err(GridProblem::MalformedGeometry {
            detail: "feature has no geometry".to_owned(),
        }),
    }
}

/// A polygon shape as written in a file, before any conversion: polygons → rings → positions.
pub type RawShape = Vec<Vec<Vec<[f64; 2]>>>;

/// Reads a GeoJSON Polygon or MultiPolygon in WGS84 inside China, valid by OGC rules.
pub fn read_shape(geometry: &Value) -> Result<MultiPolygon<f64>, GridProblem> {
    shape_from_raw(&read_raw_shape(geometry)?, |lon, lat| {
        check_coordinate(lon, lat)?;
        Ok((lon, lat))
    })
}

/// The rings of a GeoJSON Polygon or MultiPolygon as written, in whatever system.
pub fn read_raw_shape(geometry: &Value) -> Result<RawShape, GridProblem> {
    let malformed = |detail: &str| GridProblem::MalformedGeometry {
        detail: detail.to_owned(),
    };
    let kind = geometry
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("(no type)");
    let coordinates = geometry
        .get("coordinates")
        .ok_or_else(|| malformed("geometry has no coordinates"))?;
    match kind {
        "Polygon" => Ok(vec![read_raw_polygon(coordinates)?]),
        "MultiPolygon" => coordinates
            .as_array()
            .ok_or_else(|| malformed("MultiPolygon coordinates are not an array"))?
            .iter()
            .map(read_raw_polygon)
            .collect(),
        other => Err(GridProblem::NotPolygon {
            found: other.to_owned(),
        }),
    }
}

fn read_raw_polygon(rings: &Value) -> Result<Vec<Vec<[f64; 2]>>, GridProblem> {
    let malformed = |detail: String| GridProblem::MalformedGeometry { detail };
    let rings = rings
        .as_array()
        .ok_or_else(|| malformed("polygon is not an array of rings".to_owned()))?;
    rings
        .iter()
        .enumerate()
        .map(|(ring_index, ring)| {
            ring.as_array()
                .ok_or_else(|| malformed(format!("ring {ring_index} is not an array")))?
                .iter()
                .map(|position| {
                    let pair = position.as_array().filter(|p| p.len() >= 2);
                    match (
                        pair.and_then(|p| p[0].as_f64()),
                        pair.and_then(|p| p[1].as_f64()),
                    ) {
                        (Some(x), Some(y)) => Ok([x, y]),
                        _ => Err(malformed(format!(
                            "ring {ring_index} has a position that is not [lon, lat]"
                        ))),
                    }
                })
                .collect()
        })
        .collect()
}

/// A valid WGS84 shape from written rings, each position converted by `convert` (which
/// refuses what is not a position of the file's system, or lies outside China).
pub fn shape_from_raw(
    raw: &RawShape,
    convert: impl Fn(f64, f64) -> Result<(f64, f64), GridProblem>,
) -> Result<MultiPolygon<f64>, GridProblem> {
    let malformed = |detail: String| GridProblem::MalformedGeometry { detail };
    let mut polygons = Vec::with_capacity(raw.len());
    for rings in raw {
        let mut parsed = Vec::with_capacity(rings.len());
        for (ring_index, ring) in rings.iter().enumerate() {
            let coords = ring
                .iter()
                .map(|&[x, y]| convert(x, y).map(|(x, y)| Coord { x, y }))
                .collect::<Result<Vec<_>, _>>()?;
            if coords.len() < 4 {
                return Err(malformed(format!(
                    "ring {ring_index} has {} positions, at least 4 are needed",
                    coords.len()
                )));
            }
            if ring.first() != ring.last() {
                return Err(malformed(format!(
                    "ring {ring_index} is not closed (first and last positions differ)"
                )));
            }
            parsed.push(LineString::new(coords));
        }
        let mut parsed = parsed.into_iter();
        let exterior = parsed
            .next()
            .ok_or_else(|| malformed("polygon has no rings".to_owned()))?;
        polygons.push(Polygon::new(exterior, parsed.collect()));
    }
    if polygons.is_empty() {
        return Err(malformed("MultiPolygon has no polygons".to_owned()));
    }
    let shape = MultiPolygon::new(polygons);
    shape
        .check_validation()
        .map_err(|e| GridProblem::InvalidPolygon {
            detail: e.to_string(),
        })?;
    Ok(shape)
}

/// A WGS84 position inside China, or the problem with it.
pub fn check_coordinate(lon: f64, lat: f64) -> Result<(), GridProblem> {
    if !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0) {
        return Err(GridProblem::NotWgs84 { lon, lat });
    }
    if !(CHINA_LON.0..=CHINA_LON.1).contains(&lon) || !(CHINA_LAT.0..=CHINA_LAT.1).contains(&lat) {
        return Err(GridProblem::OutsideChina { lon, lat });
    }
    Ok(())
}

/// What a grid feature of the street's GeoJSON says besides its shape (the map layer's
/// properties, and those of a written grid file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridProperties {
    pub code: GridCode,
    pub name: String,
    pub name_en: String,
    pub level: GridLevel,
    pub parent: Option<GridCode>,
    pub community: Option<GridCode>,
    pub population: u32,
    pub area_m2: f64,
    pub kind: Option<MicroKind>,
    pub synthetic: bool,
}

/// The hierarchy as GeoJSON features; the map feature `id` of a grid is its index in the
/// hierarchy plus one, stable for one loaded dataset.
pub fn grid_features(hierarchy: &GridHierarchy) -> FeatureCollection<GridProperties> {
    FeatureCollection::new(
        hierarchy
            .grids()
            .iter()
            .enumerate()
            .map(|(index, grid)| {
                let properties = GridProperties {
                    code: grid.code.clone(),
                    name: grid.name.clone(),
                    name_en: grid.name_en.clone(),
                    level: grid.level(),
                    parent: grid.code.parent(),
                    community: grid.code.community_code(),
                    population: grid.population,
                    area_m2: (grid.area_m2() * 10.0).round() / 10.0,
                    kind: grid.kind,
                    synthetic: grid.synthetic,
                };
                Feature::new(
                    Some(index as u64 + 1),
                    shape_geometry(&grid.shape),
                    properties,
                )
            })
            .collect(),
    )
}

/// Writes the whole hierarchy as a FeatureCollection (see [`grid_features`]).
pub fn write_grids(hierarchy: &GridHierarchy) -> Value {
    serde_json::to_value(grid_features(hierarchy)).expect("plain data")
}

/// `"type": "FeatureCollection"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeatureCollectionType {
    FeatureCollection,
}

/// `"type": "Feature"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeatureType {
    Feature,
}

/// A GeoJSON FeatureCollection whose features carry properties `P`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureCollection<P> {
    #[serde(rename = "type")]
    pub kind: FeatureCollectionType,
    pub features: Vec<Feature<P>>,
}

impl<P> FeatureCollection<P> {
    pub fn new(features: Vec<Feature<P>>) -> Self {
        Self {
            kind: FeatureCollectionType::FeatureCollection,
            features,
        }
    }
}

/// A GeoJSON Feature; `id` is the map's feature id where the layer keeps feature state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feature<P> {
    #[serde(rename = "type")]
    pub kind: FeatureType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    pub geometry: Geometry,
    pub properties: P,
}

/// A GeoJSON geometry in WGS84 longitude/latitude.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Geometry {
    Point {
        coordinates: [f64; 2],
    },
    Polygon {
        coordinates: Vec<Vec<[f64; 2]>>,
    },
    MultiPolygon {
        coordinates: Vec<Vec<Vec<[f64; 2]>>>,
    },
}

impl<P> Feature<P> {
    pub fn new(id: Option<u64>, geometry: Geometry, properties: P) -> Self {
        Self {
            kind: FeatureType::Feature,
            id,
            geometry,
            properties,
        }
    }
}

impl Geometry {
    pub fn point(lon: f64, lat: f64) -> Self {
        Self::Point {
            coordinates: [lon, lat],
        }
    }
}

/// GeoJSON geometry with coordinates rounded to 1e-7° (about 1 cm).
pub fn shape_to_geojson(shape: &MultiPolygon<f64>) -> Value {
    serde_json::to_value(shape_geometry(shape)).expect("plain data")
}

/// A shape as a `Polygon` (one part) or `MultiPolygon`, rounded to 1e-7° (about 1 cm).
pub fn shape_geometry(shape: &MultiPolygon<f64>) -> Geometry {
    let ring = |line: &LineString<f64>| -> Vec<[f64; 2]> {
        line.coords().map(|c| [round7(c.x), round7(c.y)]).collect()
    };
    let polygon = |p: &Polygon<f64>| -> Vec<Vec<[f64; 2]>> {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .map(ring)
            .collect()
    };
    if let [single] = shape.0.as_slice() {
        Geometry::Polygon {
            coordinates: polygon(single),
        }
    } else {
        Geometry::MultiPolygon {
            coordinates: shape.0.iter().map(polygon).collect(),
        }
    }
}

pub fn round7(value: f64) -> f64 {
    (value * 1e7).round() / 1e7
}
