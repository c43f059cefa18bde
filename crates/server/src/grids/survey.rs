//! A survey's files as uploaded — loose shapefile parts, zips of them, GeoJSON files — into
//! the layers the domain maps and assembles. Zips are unpacked in memory under one limit for
//! the whole upload; a shapefile's text is decoded by its `.cpg` (GBK, GB18030, UTF-8 …), or
//! without one as UTF-8 when it is valid UTF-8 and as GBK otherwise.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use base64::Engine;
use binhe_api::grids::{
    MAX_UNPACKED_BYTES, PreviewGridProperties, SurveyCounts, SurveyFile, SurveyLayerInfo,
    SurveyPreview,
};
use binhe_core::crs::Crs;
use binhe_core::geojson::{Feature, FeatureCollection, RawShape, shape_geometry};
use binhe_core::survey::{Assembly, LayerCrs, SurveyFeature, SurveyLayer, SurveyMapping, assemble};
use binhe_core::{FeatureProblem, GridLevel, GridProblem};
use serde_json::{Map, Value};

/// Feature attributes shown per layer in a preview.
const SAMPLES: usize = 3;

/// A survey read from its files: the layers, and the problems of files that could not be read.
#[derive(Debug, Default)]
pub struct ReadSurvey {
    pub layers: Vec<SurveyLayer>,
    pub problems: Vec<FeatureProblem>,
}

/// One file by name and bytes, as unpacked.
struct Entry {
    name: String,
    bytes: Vec<u8>,
}

/// Reads every uploaded file (base64 as the contract sends them).
pub fn read_upload(files: &[SurveyFile]) -> ReadSurvey {
    let mut read = ReadSurvey::default();
    let mut decoded = Vec::with_capacity(files.len());
    for file in files {
        match base64::engine::general_purpose::STANDARD.decode(file.base64.trim()) {
            Ok(bytes) => decoded.push((file.name.clone(), bytes)),
            Err(e) => read.problem(&GridProblem::UnreadableFile {
                file: file.name.clone(),
                detail: format!("not base64: {e}"),
            }),
        }
    }
    read_files(decoded, &mut read);
    read
}

/// Reads files given by name and bytes (the command line's).
pub fn read_files(files: Vec<(String, Vec<u8>)>, read: &mut ReadSurvey) {
    let mut entries = Vec::new();
    let mut budget = MAX_UNPACKED_BYTES;
    for (name, bytes) in files {
        if extension(&name) == "zip" {
            if let Err(problem) = unzip(&name, &bytes, &mut budget, &mut entries) {
                read.problem(&problem);
            }
        } else {
            entries.push(Entry { name, bytes });
        }
    }
    // Shapefile parts by their path without extension; GeoJSON files as they come.
    let mut shapefiles: BTreeMap<String, BTreeMap<String, Vec<u8>>> = BTreeMap::new();
    for entry in entries {
        let ext = extension(&entry.name);
        match ext.as_str() {
            "geojson" | "json" => match std::str::from_utf8(&entry.bytes) {
                Ok(text) => match binhe_core::survey::geojson_layer(&entry.name, text) {
                    Ok(layer) => read.layers.push(layer),
                    Err(problem) => read
                        .problems
                        .push(FeatureProblem::new(None, None, &problem).in_layer(&entry.name)),
                },
                Err(e) => read.problem(&GridProblem::UnreadableFile {
                    file: entry.name.clone(),
                    detail: format!("not UTF-8 text: {e}"),
                }),
            },
            "shp" | "shx" | "dbf" | "prj" | "cpg" => {
                let stem = entry.name[..entry.name.len() - ext.len() - 1].to_owned();
                shapefiles.entry(stem).or_default().insert(ext, entry.bytes);
            }
            // Metadata, previews and the like that travel with shapefiles.
            _ => {}
        }
    }
    for (stem, parts) in shapefiles {
        let name = format!("{stem}.shp");
        match shapefile_layer(&name, &parts) {
            Ok(layer) => read.layers.push(layer),
            Err(problem) => read
                .problems
                .push(FeatureProblem::new(None, None, &problem).in_layer(&name)),
        }
    }
    if read.layers.is_empty() && read.problems.is_empty() {
        read.problem(&GridProblem::NoLayers);
    }
}

impl ReadSurvey {
    fn problem(&mut self, problem: &GridProblem) {
        self.problems.push(FeatureProblem::new(None, None, problem));
    }

    /// The layers assembled through the mapping, the file problems first.
    pub fn assemble(&self, mapping: &SurveyMapping) -> Assembly {
        let mut assembly = assemble(&self.layers, mapping);
        if !self.problems.is_empty() {
            let mut problems = self.problems.clone();
            problems.append(&mut assembly.problems);
            assembly.problems = problems;
            assembly.hierarchy = None;
        }
        assembly
    }

    /// What the preview shows: layers, the mapping applied, the grids and every problem.
    pub fn preview(&self, mapping: &SurveyMapping) -> SurveyPreview {
        let assembly = self.assemble(mapping);
        let mut applied = mapping.clone();
        applied.layers = self.layers.iter().map(|l| mapping.for_layer(l)).collect();
        let count = |level: GridLevel| {
            assembly
                .grids
                .iter()
                .filter(|g| g.level == Some(level))
                .count() as u64
        };
        let counts = SurveyCounts {
            streets: count(GridLevel::Street),
            communities: count(GridLevel::Community),
            micro_grids: count(GridLevel::Micro),
            units: count(GridLevel::Unit),
        };
        let features = assembly
            .grids
            .iter()
            .filter_map(|g| {
                let shape = g.shape.as_ref()?;
                Some(Feature::new(
                    None,
                    shape_geometry(shape),
                    PreviewGridProperties {
                        layer: g.layer.clone(),
                        feature_index: g.feature_index as u64,
                        code: g.code.clone(),
                        name: g.name.clone(),
                        level: g.level,
                        generated: g.generated,
                        problem: g.has_problem,
                    },
                ))
            })
            .collect();
        SurveyPreview {
            layers: self.layers.iter().map(layer_info).collect(),
            mapping: applied,
            grids: FeatureCollection::new(features),
            generated: assembly.generated,
            counts,
            importable: assembly.hierarchy.is_some(),
            problems: assembly.problems,
        }
    }
}

fn layer_info(layer: &SurveyLayer) -> SurveyLayerInfo {
    SurveyLayerInfo {
        name: layer.name.clone(),
        crs: layer.crs.clone(),
        feature_count: layer.features.len() as u64,
        attributes: layer.attributes.clone(),
        samples: layer
            .features
            .iter()
            .take(SAMPLES)
            .map(|f| f.attributes.clone())
            .collect(),
    }
}

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Unpacks a zip's files into `entries` (named `zip/path`), within what is left of `budget`.
fn unzip(
    name: &str,
    bytes: &[u8],
    budget: &mut u64,
    entries: &mut Vec<Entry>,
) -> Result<(), GridProblem> {
    let unreadable = |detail: String| GridProblem::UnreadableFile {
        file: name.to_owned(),
        detail,
    };
    let too_large = || GridProblem::TooLargeUnpacked {
        limit_mib: MAX_UNPACKED_BYTES / (1024 * 1024),
    };
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    for index in 0..archive.len() {
        let mut file = archive
            .by_index(index)
            .map_err(|e| unreadable(e.to_string()))?;
        // Names from Chinese Windows tools are GBK without the zip's UTF-8 flag.
        let raw = file.name_raw();
        let path = std::str::from_utf8(raw).map_or_else(
            |_| encoding_rs::GBK.decode(raw).0.into_owned(),
            str::to_owned,
        );
        if file.is_dir() || path.starts_with("__MACOSX/") || path.contains("/._") {
            continue;
        }
        if file.size() > *budget {
            return Err(too_large());
        }
        // The declared size may lie: read at most what is left, plus one byte to notice; and
        // reserve at most 1 MiB on its word, or a small zip of many entries each declaring the
        // whole budget would hold that much memory per entry.
        let mut content = Vec::with_capacity(file.size().min(1024 * 1024) as usize);
        (&mut file)
            .take(*budget + 1)
            .read_to_end(&mut content)
            .map_err(|e| unreadable(format!("{path}: {e}")))?;
        if content.len() as u64 > *budget {
            return Err(too_large());
        }
        *budget -= content.len() as u64;
        entries.push(Entry {
            name: format!("{name}/{path}"),
            bytes: content,
        });
    }
    Ok(())
}

/// The encoding a `.cpg` names (`GBK`, `936`, `UTF-8`, `65001`, `GB18030` …).
fn cpg_encoding(cpg: &str) -> Result<&'static encoding_rs::Encoding, GridProblem> {
    let label = cpg.trim().trim_start_matches('\u{feff}');
    let upper = label.to_ascii_uppercase();
    let digits = upper
        .trim_start_matches("ANSI")
        .trim_start_matches("CP")
        .trim();
    match digits {
        "936" => return Ok(encoding_rs::GBK),
        "54936" => return Ok(encoding_rs::GB18030),
        "65001" => return Ok(encoding_rs::UTF_8),
        _ => {}
    }
    encoding_rs::Encoding::for_label(label.as_bytes()).ok_or_else(|| GridProblem::UnknownEncoding {
        cpg: label.to_owned(),
    })
}

fn shapefile_layer(
    name: &str,
    parts: &BTreeMap<String, Vec<u8>>,
) -> Result<SurveyLayer, GridProblem> {
    let part = |ext: &str| {
        parts
            .get(ext)
            .ok_or_else(|| GridProblem::ShapefileIncomplete {
                layer: name.to_owned(),
                part: format!(".{ext}"),
            })
    };
    let shp = part("shp")?;
    let dbf = part("dbf")?;
    let unreadable = |e: &dyn std::fmt::Display| GridProblem::UnreadableFile {
        file: name.to_owned(),
        detail: e.to_string(),
    };
    let crs = match parts.get("prj") {
        None => LayerCrs::Unknown,
        Some(bytes) => {
            let wkt = String::from_utf8_lossy(bytes);
            Crs::from_prj(&wkt).map_or_else(
                || LayerCrs::Unrecognised(wkt.trim().to_owned()),
                LayerCrs::Declared,
            )
        }
    };
    let records = match parts.get("cpg") {
        Some(cpg) => read_dbf(dbf, cpg_encoding(&String::from_utf8_lossy(cpg))?),
        // Without a .cpg: UTF-8 if every text is, else GBK (what Chinese desktop GIS writes).
        None => read_dbf(dbf, encoding_rs::UTF_8).and_then(|records| {
            if records.replaced_any() {
                read_dbf(dbf, encoding_rs::GBK)
            } else {
                Ok(records)
            }
        }),
    }
    .map_err(|e| unreadable(&e))?;
    let mut reader =
        shapefile::ShapeReader::new(Cursor::new(shp.as_slice())).map_err(|e| unreadable(&e))?;
    let shapes = reader
        .iter_shapes()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unreadable(&e))?;
    if shapes.len() != records.rows.len() {
        return Err(unreadable(&format!(
            "{} shapes but {} attribute rows",
            shapes.len(),
            records.rows.len()
        )));
    }
    let features = shapes
        .into_iter()
        .zip(records.rows)
        .map(|(shape, attributes)| SurveyFeature {
            attributes,
            shape: raw_shape(shape),
        })
        .collect();
    Ok(SurveyLayer {
        name: name.to_owned(),
        crs,
        attributes: records.fields,
        features,
    })
}

struct Records {
    fields: Vec<String>,
    rows: Vec<Map<String, Value>>,
}

impl Records {
    /// Some text did not decode (U+FFFD stands in for it).
    fn replaced_any(&self) -> bool {
        let bad = |t: &str| t.contains('\u{fffd}');
        self.fields.iter().any(|f| bad(f))
            || self
                .rows
                .iter()
                .flat_map(Map::values)
                .any(|v| v.as_str().is_some_and(bad))
    }
}

/// Every row of a `.dbf`, text decoded in `encoding` (bytes it cannot decode become U+FFFD).
fn read_dbf(bytes: &[u8], encoding: &'static encoding_rs::Encoding) -> Result<Records, String> {
    let mut reader = dbase::ReaderBuilder::new()
        .with_encoding(dbase::encoding::EncodingRs::from(encoding))
        .build(Cursor::new(bytes))
        .map_err(|e| e.to_string())?;
    let fields: Vec<String> = reader
        .fields()
        .iter()
        .map(|f| f.name().to_owned())
        .collect();
    let rows = reader
        .iter_records()
        .map(|record| {
            let record = record.map_err(|e| e.to_string())?;
            Ok(fields
                .iter()
                .map(|f| (f.clone(), record.get(f).map_or(Value::Null, field_value)))
                .collect())
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Records { fields, rows })
}

fn field_value(value: &dbase::FieldValue) -> Value {
    use dbase::FieldValue as F;
    let number = |n: f64| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number);
    match value {
        F::Character(Some(text)) | F::Memo(text) => {
            let text = text.trim();
            if text.is_empty() {
                Value::Null
            } else {
                Value::String(text.to_owned())
            }
        }
        F::Numeric(Some(n)) | F::Double(n) | F::Currency(n) => number(*n),
        F::Float(Some(n)) => number(f64::from(*n)),
        F::Integer(n) => Value::from(*n),
        F::Logical(Some(b)) => Value::Bool(*b),
        F::Date(Some(d)) => {
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        _ => Value::Null,
    }
}

/// Polygon rings grouped into polygons: each outer ring starts one, inner rings (holes) follow
/// the outer ring they belong to, as shapefile writers order them.
fn raw_shape(shape: shapefile::Shape) -> Result<RawShape, GridProblem> {
    use shapefile::Shape;
    let rings = match shape {
        Shape::Polygon(p) => ring_points(&p.into_inner()),
        Shape::PolygonZ(p) => ring_points(&p.into_inner()),
        Shape::PolygonM(p) => ring_points(&p.into_inner()),
        other => {
            return Err(GridProblem::NotPolygon {
                found: other.shapetype().to_string(),
            });
        }
    };
    let mut polygons: RawShape = Vec::new();
    for (outer, ring) in rings {
        match polygons.last_mut() {
            Some(polygon) if !outer => polygon.push(ring),
            _ => polygons.push(vec![ring]),
        }
    }
    Ok(polygons)
}

/// Each ring's positions, and whether it is an outer ring.
fn ring_points<P: shapefile::record::traits::HasXY>(
    rings: &[shapefile::PolygonRing<P>],
) -> Vec<(bool, Vec<[f64; 2]>)> {
    rings
        .iter()
        .map(|ring| {
            let outer = matches!(ring, shapefile::PolygonRing::Outer(_));
            (
                outer,
                ring.points().iter().map(|p| [p.x(), p.y()]).collect(),
            )
        })
        .collect()
}
