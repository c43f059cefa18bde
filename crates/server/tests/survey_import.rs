//! Grid surveys as surveyors deliver them, over real HTTP: shapefile zips written here by the
//! `shapefile` crate (GBK attributes with a `.cpg`, projected CGCS2000 with the zone prefix),
//! one file per level or every level in one, GeoJSON with other property names; previewed
//! with their problems before anything is stored, then imported all or nothing.

mod common;

use std::io::{Cursor, Write};
use std::path::Path;

use base64::Engine;
use binhe_core::crs::Crs;
use binhe_core::geojson::read_grids;
use binhe_core::{GridHierarchy, GridLevel};
use common::Harness;
use reqwest::StatusCode;
use serde_json::{Value, json};

const GK_ZONE_39_PRJ: &str = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_39",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",39500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

fn truth() -> GridHierarchy {
    read_grids(include_str!("../../../assets/demo/grids.geojson")).unwrap()
}

/// How a test survey writes its positions and its text.
#[derive(Clone, Copy)]
struct Style {
    crs: Crs,
    /// Easting with the zone number 39 in front.
    zone_prefix: bool,
    gbk: bool,
    codes: bool,
}

/// One shapefile (`.shp/.shx/.dbf`, `.prj` and `.cpg` as asked) of `grids`, with the
/// surveyor's attribute names: WGBM code, WGMC name, SJMC parent's name, JB level, RK people.
fn write_shapefile(
    dir: &Path,
    stem: &str,
    h: &GridHierarchy,
    grids: &[usize],
    style: Style,
    prj: bool,
) {
    let encoding = if style.gbk {
        encoding_rs::GBK
    } else {
        encoding_rs::UTF_8
    };
    let mut table =
        dbase::TableWriterBuilder::with_encoding(dbase::encoding::EncodingRs::from(encoding));
    if style.codes {
        table = table.add_character_field("WGBM".try_into().unwrap(), 15);
    }
    table = table
        .add_character_field("WGMC".try_into().unwrap(), 80)
        .add_character_field("SJMC".try_into().unwrap(), 80)
        .add_character_field("JB".try_into().unwrap(), 20)
        .add_numeric_field("RK".try_into().unwrap(), 10, 0);
    let path = dir.join(format!("{stem}.shp"));
    let mut writer = shapefile::Writer::from_path(&path, table).unwrap();
    for &i in grids {
        let grid = h.get(i);
        let rings = grid
            .shape
            .iter()
            .flat_map(|polygon| {
                let points = |ring: &geo::LineString<f64>| -> Vec<shapefile::Point> {
                    ring.coords()
                        .map(|c| {
                            let (mut x, y) = style.crs.from_wgs84(c.x, c.y).unwrap();
                            if style.zone_prefix {
                                x += 39_000_000.0;
                            }
                            shapefile::Point::new(x, y)
                        })
                        .collect()
                };
                std::iter::once(shapefile::PolygonRing::Outer(points(polygon.exterior())))
                    .chain(
                        polygon
                            .interiors()
                            .iter()
                            .map(|r| shapefile::PolygonRing::Inner(points(r))),
                    )
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut record = dbase::Record::default();
        if style.codes {
            record.insert(
                "WGBM".into(),
                dbase::FieldValue::Character(Some(grid.code.to_string())),
            );
        }
        let parent = h.parent_of(i).map(|p| h.get(p).name.clone());
        record.insert(
            "WGMC".into(),
            dbase::FieldValue::Character(Some(grid.name.clone())),
        );
        record.insert("SJMC".into(), dbase::FieldValue::Character(parent));
        record.insert(
            "JB".into(),
            dbase::FieldValue::Character(Some(grid.level().label_zh().to_owned())),
        );
        record.insert(
            "RK".into(),
            dbase::FieldValue::Numeric(Some(f64::from(grid.population))),
        );
        writer
            .write_shape_and_record(&shapefile::Polygon::with_rings(rings), &record)
            .unwrap();
    }
    drop(writer);
    if prj {
        std::fs::write(path.with_extension("prj"), GK_ZONE_39_PRJ).unwrap();
    }
    if style.gbk {
        std::fs::write(path.with_extension("cpg"), "GBK").unwrap();
    }
}

/// A zip of every file in `dir`.
fn zip_dir(dir: &Path) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&std::fs::read(&path).unwrap()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn file(name: &str, bytes: &[u8]) -> Value {
    json!({ "name": name, "base64": base64::engine::general_purpose::STANDARD.encode(bytes) })
}

/// The street's levels above the units, one shapefile each, in one zip.
fn per_level_zip(h: &GridHierarchy, style: Style, prj: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    for (stem, level) in [
        ("街道边界", GridLevel::Street),
        ("社区网格", GridLevel::Community),
        ("微网格", GridLevel::Micro),
    ] {
        let grids: Vec<usize> = h.at_level(level).collect();
        write_shapefile(dir.path(), stem, h, &grids, style, prj);
    }
    zip_dir(dir.path())
}

/// Metres between two nearby WGS84 positions.
fn metres(a: [f64; 2], b: [f64; 2]) -> f64 {
    let dx = (a[0] - b[0]).to_radians() * 6_378_137.0 * a[1].to_radians().cos();
    let dy = (a[1] - b[1]).to_radians() * 6_378_137.0;
    dx.hypot(dy)
}

/// The largest distance from a served grid's vertex to the nearest vertex of the true grid
/// (same name and level; a survey may have been given other codes), over every grid.
async fn largest_error_m(h: &Harness, truth: &GridHierarchy) -> (f64, usize) {
    let layer = h.json("/api/grids.geojson").await;
    let mut worst: f64 = 0.0;
    let mut grids = 0;
    for feature in layer["features"].as_array().unwrap() {
        let properties = &feature["properties"];
        let truth_vertices: Vec<[f64; 2]> = truth
            .grids()
            .iter()
            .filter(|g| g.name == properties["name"] && g.level().as_str() == properties["level"])
            .flat_map(|g| {
                g.shape.iter().flat_map(|p| {
                    p.exterior()
                        .coords()
                        .map(|c| [c.x, c.y])
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        assert!(!truth_vertices.is_empty(), "{properties}");
        let geometry = &feature["geometry"];
        let polygons = if geometry["type"] == "Polygon" {
            vec![geometry["coordinates"].clone()]
        } else {
            geometry["coordinates"].as_array().unwrap().clone()
        };
        for polygon in &polygons {
            for p in polygon[0].as_array().unwrap() {
                let p = [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()];
                let nearest = truth_vertices
                    .iter()
                    .map(|t| metres(p, *t))
                    .fold(f64::INFINITY, f64::min);
                worst = worst.max(nearest);
            }
        }
        grids += 1;
    }
    (worst, grids)
}

#[tokio::test]
async fn a_projected_gbk_shapefile_survey_per_level_previews_then_imports() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let truth = truth();
    let style = Style {
        crs: Crs::Cgcs2000Gk3,
        zone_prefix: true,
        gbk: true,
        codes: true,
    };
    let upload =
        json!({ "files": [file("滨河街道测绘.zip", &per_level_zip(&truth, style, true))] });

    let (status, preview) = h.post("/api/grids/import/preview", &upload).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["problems"], json!([]), "{:#}", preview["problems"]);
    assert_eq!(preview["importable"], true);
    let communities = truth.count(GridLevel::Community) as u64;
    let micro = truth.count(GridLevel::Micro) as u64;
    assert_eq!(preview["counts"]["communities"], communities);
    assert_eq!(preview["counts"]["micro_grids"], micro);
    let layers = preview["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3);
    for layer in layers {
        assert_eq!(
            layer["crs"],
            json!({ "state": "declared", "value": "cgcs2000_gk3" })
        );
    }
    let micro_mapping = preview["mapping"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["layer"].as_str().unwrap().ends_with("微网格.shp"))
        .unwrap();
    assert_eq!(micro_mapping["level"], "micro");
    assert_eq!(micro_mapping["code"], "WGBM");
    assert_eq!(micro_mapping["name"], "WGMC");
    assert_eq!(micro_mapping["population"], "RK");
    // GBK text read back as written.
    let a_micro = truth.get(truth.at_level(GridLevel::Micro).next().unwrap());
    let previewed = preview["grids"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["code"] == a_micro.code.as_str())
        .unwrap();
    assert_eq!(previewed["properties"]["name"], a_micro.name.as_str());
    // Nothing stored by a preview.
    assert_eq!(h.json("/api/summary").await["source"], "demo");

    let response = h
        .request(reqwest::Method::POST, "/api/grids/import")
        .json(&upload)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let imported: Value = response.json().await.unwrap();
    assert_eq!(imported["summary"]["micro_grids"], micro);
    assert_eq!(imported["summary"]["source"], "import");
    let card = h.json(&format!("/api/grids/{}", a_micro.code)).await;
    assert_eq!(card["name"], a_micro.name.as_str());
    assert_eq!(card["population"], a_micro.population);
    let (worst, grids) = largest_error_m(&h, &truth).await;
    println!(
        "projected CGCS2000 (proj4rs forward, zone prefix) survey: {grids} grids, largest position error {worst:.4} m"
    );
    assert_eq!(grids as u64, 1 + communities + micro);
    assert!(worst < 0.02, "largest error {worst} m");
}

#[tokio::test]
async fn an_all_in_one_survey_without_codes_gets_generated_codes_listed_in_the_preview() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let truth = truth();
    let style = Style {
        crs: Crs::Gcj02,
        zone_prefix: false,
        gbk: false,
        codes: false,
    };
    let files = tempfile::tempdir().unwrap();
    let every: Vec<usize> = truth
        .grids()
        .iter()
        .enumerate()
        .filter(|(_, g)| g.level() != GridLevel::Unit)
        .map(|(i, _)| i)
        .collect();
    write_shapefile(files.path(), "survey_all", &truth, &every, style, false);
    // Loose parts, no zip, no .prj and no .cpg (UTF-8 text).
    let parts: Vec<Value> = ["shp", "shx", "dbf"]
        .iter()
        .map(|ext| {
            let name = format!("survey_all.{ext}");
            file(&name, &std::fs::read(files.path().join(&name)).unwrap())
        })
        .collect();

    let (status, preview) = h
        .post("/api/grids/import/preview", &json!({ "files": parts }))
        .await;
    assert_eq!(status, StatusCode::OK);
    let problems = preview["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0]["code"], "CRS_UNKNOWN");
    assert_eq!(problems[0]["layer"], "survey_all.shp");
    assert!(
        problems[0]["message_zh"]
            .as_str()
            .unwrap()
            .contains("请选择坐标系")
    );
    assert_eq!(preview["importable"], false);
    let mapping = &preview["mapping"]["layers"][0];
    assert_eq!(mapping["level"], Value::Null);
    assert_eq!(mapping["level_attribute"], "JB");
    assert_eq!(mapping["parent_name"], "SJMC");

    let upload = json!({ "files": parts, "mapping": { "crs": "gcj02" } });
    let (status, preview) = h.post("/api/grids/import/preview", &upload).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(preview["problems"], json!([]), "{:#}", preview["problems"]);
    let generated = preview["generated"].as_array().unwrap();
    assert_eq!(generated.len(), every.len());
    assert!(
        generated
            .iter()
            .any(|g| g["code"] == truth.street().code.as_str())
    );
    let (_, imported) = h.post("/api/grids/import", &upload).await;
    assert_eq!(
        imported["summary"]["micro_grids"],
        truth.count(GridLevel::Micro) as u64
    );
    // Codes follow DB11: every micro-grid's code lies in its community's.
    let tree = h.json("/api/grids/tree").await;
    for community in tree["children"].as_array().unwrap() {
        let prefix = &community["code"].as_str().unwrap()[..12];
        for micro in community["children"].as_array().unwrap() {
            assert!(micro["code"].as_str().unwrap().starts_with(prefix));
        }
    }
    let (worst, _) = largest_error_m(&h, &truth).await;
    assert!(worst < 0.05, "GCJ-02 survey read back {worst} m off");
}

#[tokio::test]
async fn other_property_names_a_bad_mapping_and_a_broken_zip_are_named_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let summary_before = h.json("/api/summary").await;
    let truth = truth();
    // GeoJSON in CGCS2000 (declared by its crs) with Chinese property names.
    let features: Vec<Value> = truth
        .grids()
        .iter()
        .filter(|g| g.level() != GridLevel::Unit)
        .map(|g| {
            json!({
                "type": "Feature",
                "geometry": binhe_core::geojson::shape_to_geojson(&g.shape),
                "properties": { "网格编码": g.code.as_str(), "名称": g.name, "人口": g.population }
            })
        })
        .collect();
    let survey = json!({
        "type": "FeatureCollection",
        "crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::4490" } },
        "features": features
    });
    let geojson = file("测绘.geojson", survey.to_string().as_bytes());

    let bad_mapping = json!({
        "files": [geojson.clone()],
        "mapping": { "layers": [{ "layer": "测绘.geojson", "code": "GRID_NO", "name": "名称" }] }
    });
    let (status, preview) = h.post("/api/grids/import/preview", &bad_mapping).await;
    assert_eq!(status, StatusCode::OK);
    let unknown: Vec<&Value> = preview["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["code"] == "UNKNOWN_ATTRIBUTE")
        .collect();
    assert_eq!(unknown.len(), 1, "{:#}", preview["problems"]);
    assert!(
        unknown[0]["message_zh"]
            .as_str()
            .unwrap()
            .contains("GRID_NO")
    );
    assert_eq!(unknown[0]["layer"], "测绘.geojson");
    let (status, refused) = h.post("/api/grids/import", &bad_mapping).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["code"], "GRID_IMPORT_REJECTED");
    assert!(
        refused["error"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "UNKNOWN_ATTRIBUTE")
    );

    let broken =
        json!({ "files": [file("survey.zip", b"PK\x03\x04 not really a zip"), geojson.clone()] });
    let (status, refused) = h.post("/api/grids/import", &broken).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems = refused["error"]["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["code"] == "FILE_UNREADABLE"
            && p["message_zh"].as_str().unwrap().contains("survey.zip")),
        "{problems:#?}"
    );
    assert_eq!(h.json("/api/summary").await, summary_before);

    // The suggested mapping reads it as it is.
    let (status, imported) = h
        .post("/api/grids/import", &json!({ "files": [geojson] }))
        .await;
    assert_eq!(status, StatusCode::OK, "{imported:#}");
    assert_eq!(
        imported["summary"]["communities"],
        truth.count(GridLevel::Community) as u64
    );
}

/// The closing-note figure: the demo street projected to CGCS2000 3° Gauss–Krüger CM 117°E by
/// GDAL/PROJ (not by the code under test), written by `ogr2ogr` as one GBK shapefile per level
/// with surveyor attribute names, imported through the real route; the largest position error
/// against the WGS84 truth. `scripts/setup.sh` installs gdal-bin.
#[tokio::test]
async fn a_gdal_written_projected_survey_imports_within_a_centimetre_of_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let truth = truth();
    let sources = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    for (stem, level) in [
        ("街道", GridLevel::Street),
        ("社区", GridLevel::Community),
        ("微网格", GridLevel::Micro),
    ] {
        let features: Vec<Value> = truth
            .at_level(level)
            .map(|i| {
                let g = truth.get(i);
                let parent = truth.parent_of(i).map(|p| truth.get(p).name.clone());
                json!({
                    "type": "Feature",
                    "geometry": binhe_core::geojson::shape_to_geojson(&g.shape),
                    "properties": { "网格编码": g.code.as_str(), "网格名称": g.name, "上级名称": parent, "人口": g.population }
                })
            })
            .collect();
        let source = sources.path().join(format!("{stem}.geojson"));
        std::fs::write(
            &source,
            json!({ "type": "FeatureCollection", "features": features }).to_string(),
        )
        .unwrap();
        let status = std::process::Command::new("ogr2ogr")
            .args([
                "-f",
                "ESRI Shapefile",
                "-s_srs",
                "EPSG:4326",
                "-t_srs",
                "EPSG:4548",
            ])
            .args(["-lco", "ENCODING=GBK"])
            .arg(out.path().join(format!("{stem}.shp")))
            .arg(&source)
            .status()
            .expect("ogr2ogr (gdal-bin, installed by scripts/setup.sh)");
        assert!(status.success());
    }
    assert_eq!(
        std::fs::read_to_string(out.path().join("社区.cpg"))
            .unwrap()
            .trim(),
        "GBK"
    );
    let upload = json!({ "files": [file("gdal-survey.zip", &zip_dir(out.path()))] });
    let (status, preview) = h.post("/api/grids/import/preview", &upload).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(preview["problems"], json!([]), "{:#}", preview["problems"]);
    assert_eq!(preview["mapping"]["layers"][1]["code"], "网格编码");
    let (status, imported) = h.post("/api/grids/import", &upload).await;
    assert_eq!(status, StatusCode::OK, "{imported:#}");
    let (worst, grids) = largest_error_m(&h, &truth).await;
    println!(
        "FIGURE gdal/PROJ-projected CGCS2000 GK CM117 shapefile survey: {grids} grids imported, largest position error {:.4} mm",
        worst * 1000.0
    );
    assert_eq!(
        grids,
        1 + truth.count(GridLevel::Community) + truth.count(GridLevel::Micro)
    );
    assert!(worst < 0.01, "largest error {worst} m");
}
