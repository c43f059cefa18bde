//! Reading a basemap file: PMTiles through the `pmtiles` crate (memory-mapped), MBTiles as the
//! SQLite file it is (read-only, immutable). Opening a file checks it whole enough to serve
//! (its header and sections fit the file, its tile format is one the map draws, it has
//! tiles) and reads what the map needs to know of it.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use axum::body::Bytes;
use binhe_api::Bbox;
use binhe_api::basemap::{BasemapContainer, BasemapKind, TileFormat, TileSet, VectorLayer};
use pmtiles::{AsyncPmTilesReader, Compression, MmapBackend, TileCoord, TileType};
use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{Row, SqliteConnection};

/// Why a file is no basemap the map can draw; Chinese first ([`Invalid::zh`]), English as
/// `Display`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{en}")]
pub struct Invalid {
    pub zh: String,
    pub en: String,
}

fn invalid(zh: impl Into<String>, en: impl Into<String>) -> Invalid {
    Invalid {
        zh: zh.into(),
        en: en.into(),
    }
}

const PMTILES_MAGIC: &[u8] = b"PMTiles";
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const WORLD: Bbox = [-180.0, -85.051_129, 180.0, 85.051_129];
/// Deepest zoom a tile address may name.
pub const MAX_ZOOM: u8 = 30;

/// What a file says of itself: its own name, if any, and its tiles.
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    pub name: Option<String>,
    pub tile_set: TileSet,
}

/// A tile as stored, with how it is compressed (gzip for most vector tiles).
#[derive(Debug, Clone)]
pub struct Tile {
    pub data: Bytes,
    pub gzipped: bool,
}

enum Reader {
    Pmtiles(Box<AsyncPmTilesReader<MmapBackend>>),
    Mbtiles(SqlitePool),
}

/// An open basemap file.
pub struct Archive {
    pub path: PathBuf,
    pub described: Described,
    reader: Reader,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("path", &self.path)
            .field("described", &self.described)
            .finish_non_exhaustive()
    }
}

/// Which container a file is, by its first bytes.
pub fn sniff(path: &Path) -> Result<BasemapContainer, Invalid> {
    let mut head = [0u8; 16];
    let read = std::fs::File::open(path)
        .and_then(|mut f| {
            let mut filled = 0;
            while filled < head.len() {
                let n = f.read(&mut head[filled..])?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
            Ok(filled)
        })
        .map_err(|e| {
            invalid(
                format!("无法读取文件：{e}"),
                format!("cannot read the file: {e}"),
            )
        })?;
    let head = &head[..read];
    if head.starts_with(PMTILES_MAGIC) {
        Ok(BasemapContainer::Pmtiles)
    } else if head.starts_with(SQLITE_MAGIC) {
        Ok(BasemapContainer::Mbtiles)
    } else {
        Err(invalid(
            "文件既不是 MBTiles 也不是 PMTiles 底图",
            "the file is neither an MBTiles nor a PMTiles basemap",
        ))
    }
}

/// The format of a tile's bytes, by their signature; gzip stands for a compressed vector tile.
fn format_of(data: &[u8]) -> Option<(TileFormat, bool)> {
    if data.starts_with(&[0x89, b'P', b'N', b'G']) {
        Some((TileFormat::Png, false))
    } else if data.starts_with(&[0xff, 0xd8, 0xff]) {
        Some((TileFormat::Jpg, false))
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some((TileFormat::Webp, false))
    } else if data.starts_with(&[0x1f, 0x8b]) {
        Some((TileFormat::Pbf, true))
    } else {
        None
    }
}

fn kind_of(format: TileFormat) -> BasemapKind {
    match format {
        TileFormat::Pbf => BasemapKind::Vector,
        TileFormat::Png | TileFormat::Jpg | TileFormat::Webp => BasemapKind::Raster,
    }
}

/// Numbers in a comma list (`bounds`, `center` of TileJSON-like metadata).
fn numbers(text: &str) -> Option<Vec<f64>> {
    text.split(',')
        .map(|n| f64::from_str(n.trim()).ok().filter(|v| v.is_finite()))
        .collect()
}

fn checked_bounds(bounds: Bbox) -> Result<Bbox, Invalid> {
    let [w, s, e, n] = bounds;
    let ok = (-180.0..=180.0).contains(&w)
        && (-180.0..=180.0).contains(&e)
        && (-90.0..=90.0).contains(&s)
        && (-90.0..=90.0).contains(&n)
        && w < e
        && s < n;
    if ok {
        Ok(bounds)
    } else {
        Err(invalid(
            format!("底图范围无效：{w},{s},{e},{n}"),
            format!("the basemap's bounds are invalid: {w},{s},{e},{n}"),
        ))
    }
}

fn checked_zooms(min: u8, max: u8) -> Result<(u8, u8), Invalid> {
    if min <= max && max <= MAX_ZOOM {
        Ok((min, max))
    } else {
        Err(invalid(
            format!("缩放级别无效：{min}–{max}"),
            format!("the zoom range is invalid: {min}–{max}"),
        ))
    }
}

/// The vector layers of TileJSON-like metadata (`vector_layers`, with the geometry of each
/// from `tilestats` where given).
fn vector_layers(json: &Value) -> Vec<VectorLayer> {
    let geometry: BTreeMap<&str, &str> = json["tilestats"]["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| Some((l["layer"].as_str()?, l["geometry"].as_str()?)))
        .collect();
    let zoom = |v: &Value| v.as_u64().and_then(|z| u8::try_from(z).ok());
    json["vector_layers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|layer| {
            let id = layer["id"].as_str()?.to_owned();
            let fields = layer["fields"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("String").to_owned()))
                .collect();
            Some(VectorLayer {
                geometry: geometry.get(id.as_str()).map(|g| (*g).to_owned()),
                fields,
                min_zoom: zoom(&layer["minzoom"]),
                max_zoom: zoom(&layer["maxzoom"]),
                id,
            })
        })
        .collect()
}

fn text(json: &Value, key: &str) -> Option<String> {
    json[key]
        .as_str()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn needs_layers(format: TileFormat, layers: &[VectorLayer]) -> Result<(), Invalid> {
    if format == TileFormat::Pbf && layers.is_empty() {
        return Err(invalid(
            "矢量底图的元数据缺少图层说明（vector_layers），无法配图",
            "the vector basemap's metadata lists no vector_layers to style",
        ));
    }
    Ok(())
}

impl Archive {
    /// Opens and checks a basemap file of either kind.
    pub async fn open(path: &Path) -> Result<Self, Invalid> {
        match sniff(path)? {
            BasemapContainer::Pmtiles => Self::open_pmtiles(path).await,
            BasemapContainer::Mbtiles => Self::open_mbtiles(path).await,
        }
    }

    async fn open_pmtiles(path: &Path) -> Result<Self, Invalid> {
        let broken = |e: &dyn std::fmt::Display| {
            invalid(
                format!("PMTiles 文件已损坏或不完整：{e}"),
                format!("the PMTiles file is damaged or incomplete: {e}"),
            )
        };
        let size = std::fs::metadata(path).map_err(|e| broken(&e))?.len();
        pmtiles_sections_fit(path, size)?;
        let reader = AsyncPmTilesReader::new_with_path(path)
            .await
            .map_err(|e| broken(&e))?;
        let header = reader.get_header();
        let format = match header.tile_type {
            TileType::Png => TileFormat::Png,
            TileType::Jpeg => TileFormat::Jpg,
            TileType::Webp => TileFormat::Webp,
            TileType::Mvt => TileFormat::Pbf,
            other => {
                return Err(invalid(
                    format!("不支持的切片类型 {other:?}（支持 PNG、JPEG、WebP 与 MVT 矢量切片）"),
                    format!("tile type {other:?} is not supported (PNG, JPEG, WebP and MVT are)"),
                ));
            }
        };
        if !matches!(
            header.tile_compression,
            Compression::None | Compression::Gzip | Compression::Unknown
        ) {
            let c = header.tile_compression;
            return Err(invalid(
                format!("不支持的切片压缩方式 {c:?}，请用 gzip 或不压缩重新打包"),
                format!("tile compression {c:?} is not supported; repack with gzip or none"),
            ));
        }
        if header.n_addressed_tiles().is_none() && header.n_tile_entries().is_none() {
            return Err(invalid("文件中没有切片", "the file holds no tiles"));
        }
        let (min_zoom, max_zoom) = checked_zooms(header.min_zoom, header.max_zoom)?;
        let bounds = checked_bounds([
            header.min_longitude,
            header.min_latitude,
            header.max_longitude,
            header.max_latitude,
        ])?;
        let center = Some([
            header.center_longitude,
            header.center_latitude,
            f64::from(header.center_zoom),
        ]);
        // Metadata is optional for raster tiles; an archive without any answers an error.
        let metadata: Value = reader
            .get_metadata()
            .await
            .ok()
            .and_then(|m| serde_json::from_str(&m).ok())
            .unwrap_or(Value::Null);
        let layers = vector_layers(&metadata);
        needs_layers(format, &layers)?;
        Ok(Self {
            path: path.to_owned(),
            described: Described {
                name: text(&metadata, "name"),
                tile_set: TileSet {
                    container: BasemapContainer::Pmtiles,
                    kind: kind_of(format),
                    format,
                    attribution: text(&metadata, "attribution"),
                    bounds,
                    center,
                    min_zoom,
                    max_zoom,
                    vector_layers: layers,
                },
            },
            reader: Reader::Pmtiles(Box::new(reader)),
        })
    }

    async fn open_mbtiles(path: &Path) -> Result<Self, Invalid> {
        let broken = |e: &dyn std::fmt::Display| {
            invalid(
                format!("MBTiles 文件已损坏或不完整：{e}"),
                format!("the MBTiles file is damaged or incomplete: {e}"),
            )
        };
        sqlite_pages_fit(path)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .immutable(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| broken(&e))?;
        let mut conn = pool.acquire().await.map_err(|e| broken(&e))?;
        let described = describe_mbtiles(&mut conn).await;
        drop(conn);
        match described {
            Ok(described) => Ok(Self {
                path: path.to_owned(),
                described,
                reader: Reader::Mbtiles(pool),
            }),
            Err(e) => {
                pool.close().await;
                Err(e)
            }
        }
    }

    /// Tile `z/x/y` (XYZ numbering), `None` where the file has none.
    pub async fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Tile>, String> {
        let data = match &self.reader {
            Reader::Pmtiles(reader) => {
                let coord = TileCoord::new(z, x, y).map_err(|e| e.to_string())?;
                reader.get_tile(coord).await.map_err(|e| e.to_string())?
            }
            Reader::Mbtiles(pool) => {
                // MBTiles counts rows from the south (TMS).
                let row = (1_i64 << z) - 1 - i64::from(y);
                sqlx::query(
                    "SELECT tile_data FROM tiles \
                     WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                )
                .bind(i64::from(z))
                .bind(i64::from(x))
                .bind(row)
                .fetch_optional(pool)
                .await
                .map_err(|e| e.to_string())?
                .map(|r| Bytes::from(r.get::<Vec<u8>, _>(0)))
            }
        };
        Ok(data.filter(|d| !d.is_empty()).map(|data| Tile {
            gzipped: data.starts_with(&[0x1f, 0x8b]),
            data,
        }))
    }

    /// Lets go of the file (an MBTiles pool's connections).
    pub async fn close(&self) {
        if let Reader::Mbtiles(pool) = &self.reader {
            pool.close().await;
        }
    }
}

/// The sections a PMTiles header names (root directory, metadata, leaf directories, tile data)
/// all lie inside the file: an upload cut short fails here rather than on a tile later.
fn pmtiles_sections_fit(path: &Path, size: u64) -> Result<(), Invalid> {
    let mut header = [0u8; 127];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .map_err(|_| {
            invalid(
                "PMTiles 文件不完整：文件头不足 127 字节",
                "the PMTiles file is incomplete: its header is shorter than 127 bytes",
            )
        })?;
    if header[7] != 3 {
        return Err(invalid(
            format!("不支持 PMTiles 第 {} 版（支持第 3 版）", header[7]),
            format!(
                "PMTiles version {} is not supported (version 3 is)",
                header[7]
            ),
        ));
    }
    let word = |at: usize| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&header[at..at + 8]);
        u64::from_le_bytes(bytes)
    };
    for (name_zh, name_en, at) in [
        ("根目录", "root directory", 8),
        ("元数据", "metadata", 24),
        ("叶目录", "leaf directories", 40),
        ("切片数据", "tile data", 56),
    ] {
        let end = word(at).checked_add(word(at + 8));
        if end.is_none_or(|end| end > size) {
            return Err(invalid(
                format!("PMTiles 文件不完整：{name_zh}超出文件末尾（文件 {size} 字节）"),
                format!(
                    "the PMTiles file is incomplete: its {name_en} run past the end ({size} bytes)"
                ),
            ));
        }
    }
    Ok(())
}

/// The page count a SQLite header records times its page size fits in the file: an upload cut
/// short fails here.
fn sqlite_pages_fit(path: &Path) -> Result<(), Invalid> {
    let mut header = [0u8; 100];
    let size = std::fs::File::open(path)
        .and_then(|mut f| {
            f.read_exact(&mut header)?;
            Ok(f.metadata()?.len())
        })
        .map_err(|_| {
            invalid(
                "MBTiles 文件不完整：SQLite 文件头不足 100 字节",
                "the MBTiles file is incomplete: its SQLite header is shorter than 100 bytes",
            )
        })?;
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([
        header[28], header[29], header[30], header[31],
    ]));
    // The count is only kept when the "version valid for" number matches the change counter.
    let counted = header[24..28] == header[92..96];
    if counted && pages * page_size > size {
        return Err(invalid(
            format!(
                "MBTiles 文件不完整：应有 {} 字节，实际 {size} 字节",
                pages * page_size
            ),
            format!(
                "the MBTiles file is incomplete: {} bytes expected, {size} found",
                pages * page_size
            ),
        ));
    }
    Ok(())
}

async fn describe_mbtiles(conn: &mut SqliteConnection) -> Result<Described, Invalid> {
    let broken = |e: &sqlx::Error| {
        invalid(
            format!("不是有效的 MBTiles 文件：{e}"),
            format!("not a valid MBTiles file: {e}"),
        )
    };
    let metadata: BTreeMap<String, String> = sqlx::query("SELECT name, value FROM metadata")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| broken(&e))?
        .into_iter()
        .filter_map(|row| {
            Some((
                row.try_get::<String, _>(0).ok()?,
                row.try_get::<String, _>(1).ok()?,
            ))
        })
        .collect();
    let first = sqlx::query("SELECT tile_data FROM tiles LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| broken(&e))?
        .ok_or_else(|| invalid("文件中没有切片", "the file holds no tiles"))?;
    let sample: Vec<u8> = first.try_get(0).map_err(|e| broken(&e))?;
    let format = match metadata.get("format").map(|f| f.trim().to_lowercase()) {
        Some(f) if f == "png" => TileFormat::Png,
        Some(f) if f == "jpg" || f == "jpeg" => TileFormat::Jpg,
        Some(f) if f == "webp" => TileFormat::Webp,
        Some(f) if f == "pbf" || f == "mvt" => TileFormat::Pbf,
        Some(other) => {
            return Err(invalid(
                format!("不支持的切片格式“{other}”（支持 png、jpg、webp、pbf）"),
                format!("tile format {other:?} is not supported (png, jpg, webp, pbf are)"),
            ));
        }
        None => format_of(&sample).map(|(f, _)| f).ok_or_else(|| {
            invalid(
                "元数据未写明切片格式，切片内容也无法识别",
                "the metadata names no tile format and the tiles are not recognisable",
            )
        })?,
    };
    let zooms = sqlx::query("SELECT min(zoom_level), max(zoom_level) FROM tiles")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| broken(&e))?;
    let stored = |i: usize| {
        zooms
            .try_get::<Option<i64>, _>(i)
            .ok()
            .flatten()
            .and_then(|z| u8::try_from(z).ok())
    };
    let meta_zoom = |key: &str| metadata.get(key).and_then(|z| z.trim().parse::<u8>().ok());
    let (min_zoom, max_zoom) = checked_zooms(
        meta_zoom("minzoom").or(stored(0)).unwrap_or(0),
        meta_zoom("maxzoom").or(stored(1)).unwrap_or(0),
    )?;
    let bounds = match metadata.get("bounds").map(|b| numbers(b)) {
        Some(Some(b)) if b.len() == 4 => checked_bounds([b[0], b[1], b[2], b[3]])?,
        Some(_) => {
            return Err(invalid(
                "元数据中的范围（bounds）不是 4 个数字",
                "the metadata's bounds are not 4 numbers",
            ));
        }
        None => WORLD,
    };
    let center = metadata
        .get("center")
        .and_then(|c| numbers(c))
        .filter(|c| c.len() == 3)
        .map(|c| [c[0], c[1], c[2]]);
    let json: Value = metadata
        .get("json")
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or(Value::Null);
    let layers = vector_layers(&json);
    needs_layers(format, &layers)?;
    let nonempty = |key: &str| {
        metadata
            .get(key)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    Ok(Described {
        name: nonempty("name"),
        tile_set: TileSet {
            container: BasemapContainer::Mbtiles,
            kind: kind_of(format),
            format,
            attribution: nonempty("attribution"),
            bounds,
            center,
            min_zoom,
            max_zoom,
            vector_layers: layers,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_are_known_by_their_first_bytes() {
        assert_eq!(
            format_of(b"\x89PNG\r\n\x1a\n...."),
            Some((TileFormat::Png, false))
        );
        assert_eq!(
            format_of(b"\xff\xd8\xff\xe0"),
            Some((TileFormat::Jpg, false))
        );
        assert_eq!(
            format_of(b"RIFF\0\0\0\0WEBPVP8 "),
            Some((TileFormat::Webp, false))
        );
        assert_eq!(format_of(b"\x1f\x8b\x08\0"), Some((TileFormat::Pbf, true)));
        assert_eq!(format_of(b"\x1a\x05roads"), None);
    }

    #[test]
    fn vector_layers_take_their_geometry_from_tilestats() {
        let json = serde_json::json!({
            "vector_layers": [
                {"id": "roads", "fields": {"name": "String", "class": "String"}, "minzoom": 10, "maxzoom": 16},
                {"id": "water", "fields": {}}
            ],
            "tilestats": {"layers": [{"layer": "roads", "geometry": "LineString"}]}
        });
        let layers = vector_layers(&json);
        assert_eq!(layers.len(), 2);
        assert_eq!(layers[0].geometry.as_deref(), Some("LineString"));
        assert_eq!(layers[0].name_field(), Some("name"));
        assert_eq!(
            (layers[0].min_zoom, layers[0].max_zoom),
            (Some(10), Some(16))
        );
        assert_eq!(layers[1].geometry, None);
    }

    #[test]
    fn bounds_must_be_a_box_on_the_globe() {
        assert!(checked_bounds([116.9, 40.0, 117.3, 40.3]).is_ok());
        assert!(checked_bounds([117.3, 40.0, 116.9, 40.3]).is_err());
        assert!(checked_bounds([116.9, 40.0, 117.3, 95.0]).is_err());
        assert_eq!(numbers("116.9, 40.0,117.3,40.3").unwrap().len(), 4);
        assert!(numbers("116.9,north").is_none());
    }
}
