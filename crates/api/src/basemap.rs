//! The street's own basemap: an offline MBTiles or PMTiles file an administrator adds, whose
//! tiles the map draws under the grids instead of the generated basemap
//! ([`crate::grids::BASEMAP_GEOJSON`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Bbox;
pub use crate::vocabulary::{BasemapContainer, BasemapKind, TileFormat};

/// `GET`: the current basemap ([`CurrentBasemap`]); `PUT` with the file as the body (name in
/// `x-file-name`, percent-encoded): add or replace it (administrators); `DELETE`: back to the
/// generated basemap (administrators).
pub const BASEMAP: &str = "/api/basemap";
/// `GET {BASEMAP_TILES}/{id}/{z}/{x}/{y}`: one tile (XYZ numbering) of the basemap `id`. A tile
/// the file leaves out answers 204 without a body, which MapLibre draws as nothing.
pub const BASEMAP_TILES: &str = "/api/basemap/tiles";
/// `GET {BASEMAP_ARCHIVE}/{id}.pmtiles`: a PMTiles basemap's file itself, with HTTP Range
/// requests (206), for clients that read PMTiles directly.
pub const BASEMAP_ARCHIVE: &str = "/api/basemap/archive";
/// Largest basemap file accepted (16 GiB): a street's offline imagery down to z 19.
pub const MAX_BASEMAP_BYTES: u64 = 16 * 1024 * 1024 * 1024;
/// The same limit as the UI says it.
pub const MAX_BASEMAP_TEXT: &str = "16 GiB";

/// `GET /api/basemap`: the basemap the map draws under the grids; `None` is the generated one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentBasemap {
    pub basemap: Option<BasemapInfo>,
}

/// A basemap as the server serves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BasemapInfo {
    /// Changes with every file added (the tiles' URLs carry it, so caches never mix two files).
    pub id: String,
    /// The file's own name for itself (its metadata), else the uploaded file's name.
    pub name: String,
    /// The uploaded file's name.
    pub file_name: String,
    #[serde(flatten)]
    pub tile_set: TileSet,
    pub bytes: u64,
    pub added_at: DateTime<Utc>,
    /// The account that added it (`命令行` for the command line).
    pub added_by: String,
    /// The tile URL template, `{z}/{x}/{y}` to fill in (MapLibre's `tiles`).
    pub tiles: String,
    /// PMTiles only: the file itself, served with Range requests.
    pub archive: Option<String>,
}

/// What a basemap file holds, as its header and metadata say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TileSet {
    pub kind: BasemapKind,
    pub format: TileFormat,
    pub container: BasemapContainer,
    pub attribution: Option<String>,
    /// What the tiles cover.
    pub bounds: Bbox,
    /// `[lon, lat, zoom]` the file suggests to open on.
    pub center: Option<[f64; 3]>,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// Vector tiles: their layers (empty for raster tiles).
    pub vector_layers: Vec<VectorLayer>,
}

/// One layer of a vector basemap, as the file's metadata (`vector_layers`, `tilestats`) says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorLayer {
    pub id: String,
    /// Field name → type (`String`, `Number`, `Boolean`).
    pub fields: BTreeMap<String, String>,
    /// `Point`, `LineString` or `Polygon` when the file says; `None` draws all three.
    pub geometry: Option<String>,
    pub min_zoom: Option<u8>,
    pub max_zoom: Option<u8>,
}

impl VectorLayer {
    /// The field a label reads: the Chinese name where there is one.
    pub fn name_field(&self) -> Option<&str> {
        ["name:zh", "name_zh", "name"]
            .into_iter()
            .find(|f| self.fields.contains_key(*f))
    }
}

/// The URL of one tile of basemap `id`.
pub fn tile_path(id: &str, z: u8, x: u32, y: u32) -> String {
    format!("{BASEMAP_TILES}/{id}/{z}/{x}/{y}")
}

/// The URL template of basemap `id`'s tiles.
pub fn tiles_template(id: &str) -> String {
    format!("{BASEMAP_TILES}/{id}/{{z}}/{{x}}/{{y}}")
}

/// The URL of PMTiles basemap `id`'s file.
pub fn archive_path(id: &str) -> String {
    format!("{BASEMAP_ARCHIVE}/{id}.pmtiles")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_reads_the_chinese_name_before_the_plain_one() {
        let layer = |fields: &[&str]| VectorLayer {
            id: "roads".to_owned(),
            fields: fields
                .iter()
                .map(|f| ((*f).to_owned(), "String".to_owned()))
                .collect(),
            geometry: None,
            min_zoom: None,
            max_zoom: None,
        };
        assert_eq!(layer(&["name", "name:zh"]).name_field(), Some("name:zh"));
        assert_eq!(layer(&["class", "name"]).name_field(), Some("name"));
        assert_eq!(layer(&["class"]).name_field(), None);
        assert_eq!(
            tiles_template("ab12"),
            "/api/basemap/tiles/ab12/{z}/{x}/{y}"
        );
        assert_eq!(tile_path("ab12", 3, 6, 2), "/api/basemap/tiles/ab12/3/6/2");
    }
}
