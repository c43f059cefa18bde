//! The grid map: the header's counts, the GeoJSON layers, the grid tree, a grid's card, search,
//! "which grid holds this point", and the import of a surveyed grid file.

use binhe_core::geojson::{FeatureCollection, GridProperties};
use binhe_core::survey::{GeneratedCode, LayerCrs, SurveyMapping};
use binhe_core::{DeviceKind, FeatureProblem, GridCode, GridLevel, Health, MicroKind, WorkerKind};
use serde::{Deserialize, Serialize};

use crate::Bbox;

/// `GET /api/grids.geojson`: the street's grids (a commander's: their community's).
pub const GRIDS_GEOJSON: &str = "/api/grids.geojson";
/// `GET /api/basemap.geojson`: roads, river and landmarks under the grids.
pub const BASEMAP_GEOJSON: &str = "/api/basemap.geojson";
/// `GET /api/devices.geojson`: cameras, checkpoints and door-access units.
pub const DEVICES_GEOJSON: &str = "/api/devices.geojson";
/// The street's grids as a file for the district: GeoJSON (`?level=community|micro`, both
/// without it) and a zip of Shapefiles (one per level, with `.prj` and `.cpg`).
pub const GRIDS_EXPORT_GEOJSON: &str = "/api/grids/export.geojson";
pub const GRIDS_EXPORT_SHAPEFILE: &str = "/api/grids/export.shp.zip";

/// Most hits a search answers with.
pub const SEARCH_LIMIT: usize = 20;
/// Longest search text taken.
pub const SEARCH_MAX_CHARS: usize = 64;
/// Largest grid file (and 12345 export) accepted for import.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;
/// Most bytes an uploaded archive may unpack to: a survey upload (zip archives inside it
/// included) or an XLSX workbook. Counted as the entries are inflated, never from the sizes the
/// archive declares.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// Most bytes one entry of an uploaded archive may unpack to (a worksheet of 100 000 orders
/// is well under it; a "zip bomb" of one repeated character is far over it).
pub const MAX_UNPACKED_ENTRY_BYTES: u64 = 128 * 1024 * 1024;

/// `POST /api/grids/import`: replaces the grids with a documented GeoJSON file (the body as
/// it is) or with a survey ([`SurveyUpload`] as JSON); all or nothing.
pub const GRIDS_IMPORT: &str = "/api/grids/import";
/// `POST /api/grids/import/preview`: a [`SurveyUpload`] read and checked, nothing stored.
pub const GRIDS_IMPORT_PREVIEW: &str = "/api/grids/import/preview";

/// The grids layer as `GET /api/grids.geojson` sends it.
pub type GridLayer = FeatureCollection<GridProperties>;
/// The devices layer as `GET /api/devices.geojson` sends it.
pub type DeviceLayer = FeatureCollection<DeviceProperties>;

/// `GET /api/health`: the server answers (no session needed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerHealth {
    pub status: String,
}

/// `GET /api/summary`: the header's counts for the street, or a commander's community.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub street_code: GridCode,
    pub street_name: String,
    pub street_name_en: String,
    /// The grid counted: the street, or the commander's community.
    pub scope_code: GridCode,
    pub scope_name: String,
    pub scope_level: GridLevel,
    pub bbox: Bbox,
    pub communities: u64,
    pub micro_grids: u64,
    pub units: u64,
    pub population: u32,
    pub full_time_workers: u64,
    pub part_time_workers: u64,
    pub cameras: u64,
    pub checkpoints: u64,
    pub door_access_units: u64,
    /// Generated demo data, not a surveyed street.
    pub synthetic: bool,
    pub source: binhe_core::grid::DatasetSource,
    pub source_description: String,
}

/// A node of `GET /api/grids/tree`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeNode {
    pub code: GridCode,
    pub name: String,
    pub name_en: String,
    pub level: GridLevel,
    pub children: Vec<TreeNode>,
}

/// The parent named on a grid's card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridRef {
    pub code: GridCode,
    pub name: String,
    pub name_en: String,
    pub level: GridLevel,
}

/// A grid worker as a card lists them; `role` is the role's Chinese name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridWorker {
    pub id: String,
    pub name: String,
    pub kind: WorkerKind,
    pub role: String,
    pub role_en: String,
    pub phone: String,
    pub grid: GridCode,
}

/// `GET /api/grids/{code}`: a grid's card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridDetail {
    /// The grid's feature id on the map.
    pub id: u64,
    pub code: GridCode,
    pub name: String,
    pub name_en: String,
    pub level: GridLevel,
    pub level_zh: String,
    pub parent: Option<GridRef>,
    pub area_m2: f64,
    pub population: u32,
    pub synthetic: bool,
    pub kind: Option<MicroKind>,
    pub children_count: u64,
    pub bbox: Bbox,
    /// Who a dispatcher calls about the grid.
    pub workers: Vec<GridWorker>,
    /// Everyone posted anywhere inside it.
    pub workers_within: u64,
}

/// One hit of `GET /api/grids/search?q=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub code: GridCode,
    pub name: String,
    pub name_en: String,
    pub level: GridLevel,
    pub parent_name: Option<String>,
    pub parent_name_en: Option<String>,
    pub bbox: Bbox,
}

/// A grid named by code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedGrid {
    pub code: GridCode,
    pub name: String,
}

/// `GET /api/locate?lon=&lat=`: the micro-grid and community holding a WGS84 point (outside a
/// commander's community is answered as outside every grid).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Located {
    pub lon: f64,
    pub lat: f64,
    pub micro: Option<NamedGrid>,
    pub community: Option<NamedGrid>,
}

/// One file of a survey: a shapefile part (`.shp`, `.shx`, `.dbf`, `.prj`, `.cpg`), a `.zip`
/// holding shapefiles or GeoJSON, or a `.geojson`/`.json` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyFile {
    pub name: String,
    /// The file's bytes in standard base64.
    pub base64: String,
}

/// A survey as delivered (one file with every level, or one per level) with the operator's
/// mapping; the body of the preview and of a survey import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyUpload {
    pub files: Vec<SurveyFile>,
    #[serde(default)]
    pub mapping: SurveyMapping,
}

/// A layer found in the upload, with what the operator needs to map it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyLayerInfo {
    pub name: String,
    pub crs: LayerCrs,
    pub feature_count: u64,
    pub attributes: Vec<String>,
    /// The first few features' attributes, to recognise the columns by their values.
    pub samples: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// What a grid of the preview layer says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewGridProperties {
    pub layer: String,
    pub feature_index: u64,
    pub code: Option<GridCode>,
    pub name: Option<String>,
    pub level: Option<GridLevel>,
    /// The code was generated from the parent's code and the order.
    pub generated: bool,
    /// Some problem concerns this feature.
    pub problem: bool,
}

/// Grids of each level in a preview.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyCounts {
    pub streets: u64,
    pub communities: u64,
    pub micro_grids: u64,
    pub units: u64,
}

/// The readable grids of a survey preview, in WGS84.
pub type PreviewGrids = FeatureCollection<PreviewGridProperties>;

/// `POST /api/grids/import/preview`: the survey as it would be imported, nothing stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyPreview {
    pub layers: Vec<SurveyLayerInfo>,
    /// The mapping applied: the operator's, every layer's suggestion filled in.
    pub mapping: SurveyMapping,
    /// The readable grids in WGS84, for the map.
    pub grids: PreviewGrids,
    pub generated: Vec<GeneratedCode>,
    pub counts: SurveyCounts,
    /// Every problem, Chinese first; importing is refused while there is one.
    pub problems: Vec<FeatureProblem>,
    pub importable: bool,
}

/// `POST /api/grids/import` answered 200: the grids were replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridsImported {
    pub imported: bool,
    pub summary: Summary,
}

/// What a device feature of `GET /api/devices.geojson` says (`health` is a camera's; other
/// devices report through their own systems and stay `unknown`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceProperties {
    pub id: String,
    pub kind: DeviceKind,
    pub name: String,
    pub grid: GridCode,
    pub community: Option<GridCode>,
    pub health: Health,
}

/// `GET /api/grids/search?q=`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
}

/// `GET /api/locate?lon=&lat=`: the numbers as written, so a wrong one is named in the refusal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LocateQuery {
    pub lon: Option<String>,
    pub lat: Option<String>,
}
