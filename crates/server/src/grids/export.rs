//! The street's grids as files for the district: GeoJSON (`/api/grids/export.geojson`) and a
//! zip of Shapefiles (`/api/grids/export.shp.zip`, one per level: `.shp .shx .dbf .prj .cpg`,
//! WGS84, UTF-8 attributes, field names of at most 10 characters). `?level=community|micro`
//! picks one level, both without it. A commander gets their own community's grids, as with
//! `/api/grids.geojson`. Audited as `grids.export`.
//!
//! Attributes: code, name, English name, level, the parent's code and name, and the residents
//! when the survey gave them (households are not in the grid data, so not in the file).

use std::io::{Cursor, Write};

use axum::extract::{MatchedPath, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use binhe_api::grids::{GRIDS_EXPORT_GEOJSON, GRIDS_EXPORT_SHAPEFILE};
use binhe_core::geojson::{Feature, FeatureCollection, shape_geometry};
use binhe_core::{Grid, GridCode, GridLevel};
use dbase::{FieldValue, TableWriterBuilder};
use serde::{Deserialize, Serialize};
use shapefile::{Point, Polygon, PolygonRing, ShapeWriter};

use crate::dataset::{GridView, Grids};
use crate::desk::export::{audited, disposition, xlsx};
use crate::http::extract::Query;
use crate::http::{ApiError, AuditNote, Caller, RequestError};

/// The WGS84 geographic system as ArcGIS writes it in a `.prj`.
const WGS84_PRJ: &str = "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",\
6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";

#[derive(Debug, Default, Deserialize)]
pub(super) struct ExportLevel {
    /// `community` or `micro`; both without it.
    level: Option<String>,
}

/// What a grid carries in the export.
#[derive(Debug, Clone, Serialize)]
struct ExportedGrid {
    code: GridCode,
    name: String,
    name_en: String,
    level: GridLevel,
    level_zh: String,
    parent_code: Option<GridCode>,
    parent_name: Option<String>,
    /// Residents, when the survey gave them.
    residents: Option<u32>,
}

/// `GET /api/grids/export.geojson` and `GET /api/grids/export.shp.zip`.
pub(super) async fn grids(
    State(grids): State<Grids>,
    route: MatchedPath,
    caller: Caller,
    Query(query): Query<ExportLevel>,
) -> Response {
    let answer = answer(&grids.view(), route.as_str(), &caller, &query);
    audited("grids.export", "", answer)
}

fn answer(
    view: &GridView,
    route: &str,
    caller: &Caller,
    query: &ExportLevel,
) -> Result<Response, ApiError> {
    let levels = match query.level.as_deref() {
        None => vec![GridLevel::Community, GridLevel::Micro],
        Some("community") => vec![GridLevel::Community],
        Some("micro") => vec![GridLevel::Micro],
        Some(other) => {
            return Err(RequestError::bad(
                "level",
                format!("level {other:?} is not community or micro"),
                format!("层级“{other}”无效，应为 community（社区）或 micro（微网格）"),
            )
            .into());
        }
    };
    // A commander's share: their community and what lies in it.
    let within = view
        .community_view_for(&caller.principal)?
        .and(caller.principal.community.clone());
    let h = view.hierarchy();
    let chosen = |level: GridLevel| -> Vec<(&Grid, ExportedGrid)> {
        h.at_level(level)
            .map(|i| (i, h.get(i)))
            .filter(|(_, g)| {
                within
                    .as_ref()
                    .is_none_or(|c| g.code.community_code().as_ref() == Some(c))
            })
            .map(|(i, g)| {
                let parent = h.parent_of(i).map(|p| h.get(p));
                let exported = ExportedGrid {
                    code: g.code.clone(),
                    name: g.name.clone(),
                    name_en: g.name_en.clone(),
                    level,
                    level_zh: level.label_zh().to_owned(),
                    parent_code: parent.map(|p| p.code.clone()),
                    parent_name: parent.map(|p| p.name.clone()),
                    residents: (g.population > 0).then_some(g.population),
                };
                (g, exported)
            })
            .collect()
    };
    let per_level: Vec<(GridLevel, Vec<(&Grid, ExportedGrid)>)> =
        levels.iter().map(|&l| (l, chosen(l))).collect();
    let count: usize = per_level.iter().map(|(_, g)| g.len()).sum();
    let levels_named = levels
        .iter()
        .map(|l| l.label_zh())
        .collect::<Vec<_>>()
        .join("、");
    let (content_type, ext, bytes) = if route == GRIDS_EXPORT_GEOJSON {
        let features = per_level
            .iter()
            .flat_map(|(_, grids)| grids)
            .map(|(g, exported)| Feature::new(None, shape_geometry(&g.shape), exported.clone()))
            .collect();
        let text = serde_json::to_vec(&FeatureCollection::new(features))
            .map_err(|e| RequestError::Internal(e.to_string()))?;
        ("application/geo+json", "geojson", text)
    } else if route == GRIDS_EXPORT_SHAPEFILE {
        let bytes = shapefile_zip(&per_level).map_err(|e| RequestError::Internal(e.to_string()))?;
        ("application/zip", "shp.zip", bytes)
    } else {
        return Err(RequestError::Internal(format!("no grid export at {route}")).into());
    };
    let response = (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                disposition("grids", "网格", ext),
            ),
        ],
        bytes,
    )
        .into_response();
    let detail = format!("{} {count} 个网格；{levels_named}", ext.to_uppercase());
    Ok(AuditNote::new("grids.export", "")
        .detail(&detail)
        .attach(response))
}

/// A zip with one shapefile per level, named after it (`community.shp`, `micro.shp` …).
fn shapefile_zip(
    per_level: &[(GridLevel, Vec<(&Grid, ExportedGrid)>)],
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = xlsx::options();
    for (level, grids) in per_level {
        let (shp, shx, dbf) = shapefile_of(grids)?;
        let stem = level.as_str();
        let parts: [(&str, &[u8]); 5] = [
            ("shp", &shp),
            ("shx", &shx),
            ("dbf", &dbf),
            ("prj", WGS84_PRJ.as_bytes()),
            ("cpg", b"UTF-8"),
        ];
        for (ext, bytes) in parts {
            zip.start_file(format!("{stem}.{ext}"), options)?;
            zip.write_all(bytes)?;
        }
    }
    Ok(zip.finish()?.into_inner())
}

/// A shapefile's `.shp`, `.shx` and `.dbf`.
type Parts = (Vec<u8>, Vec<u8>, Vec<u8>);

/// One level's `.shp`, `.shx` and `.dbf`.
fn shapefile_of(grids: &[(&Grid, ExportedGrid)]) -> Result<Parts, Box<dyn std::error::Error>> {
    let field = |name: &str| dbase::FieldName::try_from(name).expect("at most 10 ASCII letters");
    let (mut shp, mut shx, mut dbf) = (
        Cursor::new(Vec::new()),
        Cursor::new(Vec::new()),
        Cursor::new(Vec::new()),
    );
    {
        let mut shapes = ShapeWriter::with_shx(&mut shp, &mut shx);
        let mut table = TableWriterBuilder::with_encoding(dbase::Unicode)
            .add_character_field(field("CODE"), 20)
            .add_character_field(field("NAME"), 254)
            .add_character_field(field("NAME_EN"), 254)
            .add_character_field(field("LEVEL"), 10)
            .add_character_field(field("LEVEL_ZH"), 20)
            .add_character_field(field("PARENT"), 20)
            .add_character_field(field("PARENTNAME"), 254)
            .add_numeric_field(field("POPULATION"), 10, 0)
            .build_with_dest(&mut dbf);
        for (grid, exported) in grids {
            shapes.write_shape(&polygon(grid))?;
            let text = |s: &str| FieldValue::Character(Some(s.to_owned()));
            let mut record = dbase::Record::default();
            for (name, value) in [
                ("CODE", text(exported.code.as_str())),
                ("NAME", text(&exported.name)),
                ("NAME_EN", text(&exported.name_en)),
                ("LEVEL", text(exported.level.as_str())),
                ("LEVEL_ZH", text(&exported.level_zh)),
                (
                    "PARENT",
                    FieldValue::Character(exported.parent_code.as_ref().map(ToString::to_string)),
                ),
                (
                    "PARENTNAME",
                    FieldValue::Character(exported.parent_name.clone()),
                ),
                (
                    "POPULATION",
                    FieldValue::Numeric(exported.residents.map(f64::from)),
                ),
            ] {
                record.insert(name.to_owned(), value);
            }
            table.write_record(&record)?;
        }
        shapes.finalize()?;
        table.finalize()?;
    }
    Ok((shp.into_inner(), shx.into_inner(), dbf.into_inner()))
}

/// A grid's shape as a shapefile polygon (the writer orders the rings as the format wants).
fn polygon(grid: &Grid) -> Polygon {
    let ring = |line: &geo::LineString<f64>| -> Vec<Point> {
        line.coords().map(|c| Point::new(c.x, c.y)).collect()
    };
    let rings = grid
        .shape
        .0
        .iter()
        .flat_map(|p| {
            std::iter::once(PolygonRing::Outer(ring(p.exterior())))
                .chain(p.interiors().iter().map(|i| PolygonRing::Inner(ring(i))))
        })
        .collect();
    Polygon::with_rings(rings)
}
