//! Grid surveys as surveyors deliver them: one or more layers (a street outline, communities,
//! micro-grids …, or every level in one), each feature a shape in some coordinate system with
//! the surveyor's own attribute names. A [`SurveyMapping`] says which attribute is the code,
//! the name, the parent's code or name …; [`assemble`] turns the layers into grids, generating
//! the codes a survey lacks, and lists every problem of every feature.
//!
//! Reading the files themselves (shapefiles in a zip) is the server's; a GeoJSON layer is read
//! here ([`geojson_layer`]).

mod assemble;
mod suggest;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::crs::Crs;
use crate::geojson::{RawShape, read_raw_shape};
use crate::grid::GridLevel;
use crate::problem::GridProblem;

pub use assemble::{Assembly, GeneratedCode, SurveyGrid, assemble};
pub use suggest::suggest_mapping;

/// One layer of a survey: a shapefile or a GeoJSON file.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyLayer {
    /// The file's name (within its zip), which the mapping refers to.
    pub name: String,
    pub crs: LayerCrs,
    /// Attribute names in file order.
    pub attributes: Vec<String>,
    pub features: Vec<SurveyFeature>,
}

/// What a layer says about its coordinate system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum LayerCrs {
    /// Its `.prj` or `crs` member names one of ours.
    Declared(Crs),
    /// It names one we do not convert (the text as written).
    Unrecognised(String),
    /// GeoJSON without `crs` is WGS84 by RFC 7946, unless the operator says otherwise.
    Assumed(Crs),
    /// A shapefile without `.prj`.
    Unknown,
}

impl LayerCrs {
    /// The system the layer's positions are read in: a declaration decides, then the
    /// operator's choice, then the GeoJSON default.
    pub fn resolve(&self, chosen: Option<Crs>) -> Result<Crs, GridProblem> {
        match (self, chosen) {
            (Self::Declared(crs), _) | (Self::Assumed(crs), None) => Ok(*crs),
            (_, Some(crs)) => Ok(crs),
            (Self::Unrecognised(declared), None) => Err(GridProblem::CrsUnsupported {
                declared: declared.clone(),
            }),
            (Self::Unknown, None) => Err(GridProblem::CrsUnknown),
        }
    }
}

/// One feature: its attributes (text, number or null) and its rings as written.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyFeature {
    pub attributes: Map<String, Value>,
    pub shape: Result<RawShape, GridProblem>,
}

/// Which attribute of a layer means what. `None` leaves a field unmapped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerMapping {
    /// The layer's name ([`SurveyLayer::name`]).
    pub layer: String,
    /// Every feature of the layer is at this level; `None`: each feature's code (or level
    /// attribute) says.
    #[serde(default)]
    pub level: Option<GridLevel>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub name_en: Option<String>,
    #[serde(default)]
    pub level_attribute: Option<String>,
    #[serde(default)]
    pub parent_code: Option<String>,
    #[serde(default)]
    pub parent_name: Option<String>,
    #[serde(default)]
    pub population: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub order: Option<String>,
}

/// The operator's choices for a whole survey.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyMapping {
    /// One per layer; a layer without one is read with [`suggest_mapping`].
    #[serde(default)]
    pub layers: Vec<LayerMapping>,
    /// The system of layers that do not declare theirs.
    #[serde(default)]
    pub crs: Option<Crs>,
    /// The street's 15-digit code, when the street outline carries none.
    #[serde(default)]
    pub street_code: Option<String>,
}

impl SurveyMapping {
    /// The mapping of one layer: the operator's, or the suggested one.
    pub fn for_layer(&self, layer: &SurveyLayer) -> LayerMapping {
        self.layers
            .iter()
            .find(|m| m.layer == layer.name)
            .cloned()
            .unwrap_or_else(|| suggest_mapping(layer))
    }
}

/// A GeoJSON FeatureCollection with any properties, as one survey layer.
pub fn geojson_layer(name: &str, text: &str) -> Result<SurveyLayer, GridProblem> {
    let root: Value = serde_json::from_str(text).map_err(|e| GridProblem::InvalidJson {
        detail: e.to_string(),
    })?;
    if root.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(GridProblem::NotFeatureCollection {
            detail: "\"type\" is not \"FeatureCollection\"".to_owned(),
        });
    }
    let features = root
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| GridProblem::NotFeatureCollection {
            detail: "\"features\" is not an array".to_owned(),
        })?;
    let crs = match root.pointer("/crs/properties/name").and_then(Value::as_str) {
        Some(declared) => Crs::from_name(declared).map_or_else(
            || LayerCrs::Unrecognised(declared.to_owned()),
            LayerCrs::Declared,
        ),
        None => LayerCrs::Assumed(Crs::Wgs84),
    };
    let mut attributes: Vec<String> = Vec::new();
    let features = features
        .iter()
        .map(|feature| {
            let properties = feature
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for key in properties.keys() {
                if !attributes.contains(key) {
                    attributes.push(key.clone());
                }
            }
            let shape = match feature.get("geometry").filter(|g| !g.is_null()) {
                Some(geometry) => read_raw_shape(geometry),
                None => Err(GridProblem::MalformedGeometry {
                    detail: "feature has no geometry".to_owned(),
                }),
            };
            SurveyFeature {
                attributes: properties,
                shape,
            }
        })
        .collect();
    Ok(SurveyLayer {
        name: name.to_owned(),
        crs,
        attributes,
        features,
    })
}
