//! The starting corpus, made here from the demo street (never third-party files): a grid file
//! and a survey upload, shapefiles and their zip, work-order files in CSV (UTF-8 and GBK) and
//! XLSX, intake JSON and Open311 forms. Names and codes come from the dataset at run time.

use std::fmt::Write as _;
use std::io::{Cursor, Write};

use base64::Engine;
use binhe_core::GridHierarchy;
use binhe_core::crs::Crs;
use binhe_core::geojson::write_grids;
use binhe_core::ticket::{Channel, Urgency, WorkOrderField};
use geo::InteriorPoint;
use serde_json::{Value, json};

use crate::{PART, street};

/// One seed: a file name (inside the target's corpus folder) and its bytes.
pub type Seed = (String, Vec<u8>);

/// The seeds of a target by its name ([`crate::TARGETS`]).
#[must_use]
pub fn seeds(target: &str) -> Vec<Seed> {
    match target {
        "grid_import" => grid_import(),
        "survey_files" => survey_files(),
        "work_orders" => work_orders(),
        "intake_json" => intake_json(),
        "open311_form" => open311_form(),
        _ => Vec::new(),
    }
}

fn hierarchy() -> &'static GridHierarchy {
    street().view.hierarchy()
}

/// The street, its first community and that community's first grid and micro-grid: a small
/// but whole hierarchy.
fn small_grids() -> Vec<usize> {
    let h = hierarchy();
    let mut chosen = vec![h.street_index()];
    let mut at = h.street_index();
    while let Some(&child) = h.children_of(at).first() {
        chosen.push(child);
        at = child;
    }
    chosen
}

/// The small hierarchy as a documented grid file, every level drawn as the micro-grid (children
/// must cover their parent).
fn small_grid_file() -> Value {
    let mut file = write_grids(hierarchy());
    let codes: Vec<String> = small_grids()
        .iter()
        .map(|&i| hierarchy().get(i).code.to_string())
        .collect();
    if let Some(features) = file.get_mut("features").and_then(Value::as_array_mut) {
        features.retain(|f| {
            f.pointer("/properties/code")
                .and_then(Value::as_str)
                .is_some_and(|c| codes.iter().any(|k| k == c))
        });
        let shape = features.last().and_then(|f| f.get("geometry")).cloned();
        for feature in features.iter_mut() {
            if let (Some(shape), Some(object)) = (&shape, feature.as_object_mut()) {
                object.insert("geometry".to_owned(), shape.clone());
            }
        }
    }
    file
}

/// A point inside a micro-grid of the street, and that grid's code.
fn place() -> ((f64, f64), String) {
    let h = hierarchy();
    let micro = *small_grids().last().expect("the street at least");
    let grid = h.get(micro);
    let point = grid.shape.interior_point().expect("a grid has an inside");
    ((point.x(), point.y()), grid.code.to_string())
}

fn grid_import() -> Vec<Seed> {
    let file = small_grid_file();
    let text = serde_json::to_vec(&file).expect("JSON");
    let upload = json!({
        "files": [{
            "name": "网格.geojson",
            "base64": base64::engine::general_purpose::STANDARD.encode(&text),
        }],
        "mapping": { "layers": [], "crs": null },
    });
    vec![
        ("grid_file.geojson".to_owned(), text),
        (
            "survey_upload.json".to_owned(),
            serde_json::to_vec(&upload).expect("JSON"),
        ),
    ]
}

/// A shapefile of the small hierarchy ([`small_grid_file`]) with a surveyor's attribute names, in projected
/// CGCS2000 with a `.prj`, its text in GBK with a `.cpg`: `.shp`, `.shx`, `.dbf`, `.prj`, `.cpg`.
fn shapefile_parts() -> Vec<(&'static str, Vec<u8>)> {
    let h = hierarchy();
    let dir = tempfile::tempdir().expect("a scratch folder");
    let path = dir.path().join("grids.shp");
    let table = dbase::TableWriterBuilder::with_encoding(dbase::encoding::EncodingRs::from(
        encoding_rs::GBK,
    ))
    .add_character_field("WGBM".try_into().expect("field name"), 17)
    .add_character_field("WGMC".try_into().expect("field name"), 80)
    .add_character_field("JB".try_into().expect("field name"), 20)
    .add_numeric_field("RK".try_into().expect("field name"), 10, 0);
    let mut writer = shapefile::Writer::from_path(&path, table).expect("a shapefile");
    // Every level drawn as the micro-grid, as in the grid file.
    let micro = *small_grids().last().expect("the street at least");
    let shape = &h.get(micro).shape;
    for i in small_grids() {
        let grid = h.get(i);
        let mut rings = Vec::new();
        for polygon in shape {
            rings.push(shapefile::PolygonRing::Outer(projected(polygon.exterior())));
            for hole in polygon.interiors() {
                rings.push(shapefile::PolygonRing::Inner(projected(hole)));
            }
        }
        let mut record = dbase::Record::default();
        let text = |s: &str| dbase::FieldValue::Character(Some(s.to_owned()));
        record.insert("WGBM".into(), text(grid.code.as_ref()));
        record.insert("WGMC".into(), text(&grid.name));
        record.insert("JB".into(), text(grid.level().label_zh()));
        record.insert(
            "RK".into(),
            dbase::FieldValue::Numeric(Some(f64::from(grid.population))),
        );
        writer
            .write_shape_and_record(&shapefile::Polygon::with_rings(rings), &record)
            .expect("a record");
    }
    drop(writer);
    let read = |ext: &str| std::fs::read(path.with_extension(ext)).expect("written");
    vec![
        ("shp", read("shp")),
        ("shx", read("shx")),
        ("dbf", read("dbf")),
        (
            "prj",
            br#"PROJCS["CGCS2000_3_Degree_GK_Zone_39",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",39500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#.to_vec(),
        ),
        ("cpg", b"GBK".to_vec()),
    ]
}

/// A ring in CGCS2000 3° Gauss–Krüger metres, the zone number in front of the easting.
fn projected(ring: &geo::LineString<f64>) -> Vec<shapefile::Point> {
    ring.coords()
        .filter_map(|c| Crs::Cgcs2000Gk3.from_wgs84(c.x, c.y))
        .map(|(x, y)| shapefile::Point::new(x + 39_000_000.0, y))
        .collect()
}

/// A zip of files, stored or deflated.
fn zip_of(files: &[(String, Vec<u8>)], deflate: bool) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let method = if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options).expect("a zip entry");
        zip.write_all(bytes).expect("written");
    }
    zip.finish().expect("a zip").into_inner()
}

fn survey_files() -> Vec<Seed> {
    let parts = shapefile_parts();
    let mut joined = vec![1u8];
    for (i, (_, bytes)) in parts.iter().enumerate() {
        if i > 0 {
            joined.extend_from_slice(PART);
        }
        joined.extend_from_slice(bytes);
    }
    let named: Vec<(String, Vec<u8>)> = parts
        .iter()
        .map(|(ext, bytes)| (format!("测绘/网格.{ext}"), bytes.clone()))
        .collect();
    let mut stored = vec![0u8];
    stored.extend(zip_of(&named, false));
    let mut deflated = vec![0u8];
    deflated.extend(zip_of(&named, true));
    let mut geojson = vec![2u8];
    geojson.extend(serde_json::to_vec(&small_grid_file()).expect("JSON"));
    vec![
        ("shapefile_parts.bin".to_owned(), joined),
        ("shapefile_stored.zip.bin".to_owned(), stored),
        ("shapefile_deflated.zip.bin".to_owned(), deflated),
        ("layer.geojson.bin".to_owned(), geojson),
    ]
}

/// Work orders of the demo street under the first header of each field, a title line above.
fn order_rows() -> Vec<Vec<String>> {
    let ((lon, lat), code) = place();
    let catalogue = &street().catalogue;
    let header: Vec<String> = WorkOrderField::ALL
        .iter()
        .map(|f| f.headers().first().map_or(f.label_zh(), |h| *h).to_owned())
        .collect();
    let mut rows = vec![header];
    for (n, category) in catalogue.categories.iter().take(3).enumerate() {
        let cells = WorkOrderField::ALL.iter().map(|field| match field {
            WorkOrderField::ExternalId => format!("GD2026120100{n}"),
            WorkOrderField::Category => category.name_zh.clone(),
            WorkOrderField::Description => format!("{}，请尽快处理", category.name_zh),
            WorkOrderField::ReceivedAt => format!("2026-12-01 0{n}:30:00"),
            WorkOrderField::Address => hierarchy().street().name.clone(),
            WorkOrderField::Lon => format!("{lon:.6}"),
            WorkOrderField::Lat => format!("{lat:.6}"),
            WorkOrderField::GridCode => code.clone(),
            WorkOrderField::ReporterName => "市民".to_owned(),
            WorkOrderField::ReporterPhone => "138****1234".to_owned(),
            WorkOrderField::Urgency => Urgency::Normal.label_zh().to_owned(),
            WorkOrderField::Channel => Channel::Hotline.label_zh().to_owned(),
            WorkOrderField::SourceRef => String::new(),
        });
        rows.push(cells.collect());
    }
    rows
}

fn csv_text(rows: &[Vec<String>]) -> String {
    let mut text = String::from("12345工单导出\r\n");
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect();
        text.push_str(&cells.join(","));
        text.push_str("\r\n");
    }
    text
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A worksheet's XML: its text cells inline, or (`shared`) as indexes into the shared strings
/// answered beside it.
fn sheet_xml(rows: &[Vec<String>], shared: bool) -> (String, String) {
    let mut strings = Vec::new();
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        let r = r + 1;
        let _ = write!(sheet, r#"<row r="{r}">"#);
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{r}", char::from(b'A' + c as u8));
            let text = xml_escape(cell);
            if shared {
                let _ = write!(sheet, r#"<c r="{at}" t="s"><v>{}</v></c>"#, strings.len());
                strings.push(format!("<si><t>{text}</t></si>"));
            } else {
                let _ = write!(
                    sheet,
                    r#"<c r="{at}" t="inlineStr"><is><t>{text}</t></is></c>"#
                );
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let shared = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">{1}</sst>"#,
        strings.len(),
        strings.concat()
    );
    (shared, sheet)
}

/// An XLSX package around one worksheet (and its shared strings): the parts a reader needs,
/// stored uncompressed. The work-order target packs its fuzzed XML with this.
#[must_use]
pub fn xlsx_package(shared_strings: Option<&[u8]>, sheet: &[u8]) -> Vec<u8> {
    let shared_type = if shared_strings.is_some() {
        r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#
    } else {
        ""
    };
    let shared_rel = if shared_strings.is_some() {
        r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#
    } else {
        ""
    };
    let mut files = vec![
        (
            "[Content_Types].xml".to_owned(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{shared_type}</Types>"#
            )
            .into_bytes(),
        ),
        (
            "_rels/.rels".to_owned(),
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec(),
        ),
        (
            "xl/workbook.xml".to_owned(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"工单\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>".as_bytes().to_vec(),
        ),
        (
            "xl/_rels/workbook.xml.rels".to_owned(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>{shared_rel}</Relationships>"#
            )
            .into_bytes(),
        ),
        ("xl/worksheets/sheet1.xml".to_owned(), sheet.to_vec()),
    ];
    if let Some(shared) = shared_strings {
        files.push(("xl/sharedStrings.xml".to_owned(), shared.to_vec()));
    }
    zip_of(&files, false)
}

/// The orders as Excel saves them (rust_xlsxwriter): text, numbers and a date-time cell.
fn xlsx_file(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    // A fixed creation time keeps the seed the same from run to run.
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 12, 1).expect("a date");
    book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let sheet = book.add_worksheet();
    let time_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            let field = WorkOrderField::ALL[usize::from(c)];
            let written = match (r > 1, field, cell.parse::<f64>()) {
                (true, WorkOrderField::Lon | WorkOrderField::Lat, Ok(number)) => {
                    sheet.write_number(r, c, number).map(|_| ())
                }
                (true, WorkOrderField::ReceivedAt, _) => {
                    let time =
                        rust_xlsxwriter::ExcelDateTime::parse_from_str(cell).expect("a time");
                    sheet
                        .write_datetime_with_format(r, c, &time, &time_format)
                        .map(|_| ())
                }
                _ => sheet.write_string(r, c, cell).map(|_| ()),
            };
            written.expect("a cell");
        }
    }
    sheet.write_string(0, 0, "12345工单导出").expect("a title");
    book.save_to_buffer().expect("an XLSX")
}

fn work_orders() -> Vec<Seed> {
    let rows = order_rows();
    let csv = csv_text(&rows);
    let with = |mode: u8, bytes: &[u8]| {
        let mut seed = vec![mode];
        seed.extend_from_slice(bytes);
        seed
    };
    let gbk = encoding_rs::GBK.encode(&csv).0.into_owned();
    let (shared, sheet) = sheet_xml(&rows, true);
    let mut parts = shared.into_bytes();
    parts.extend_from_slice(PART);
    parts.extend_from_slice(sheet.as_bytes());
    // The same orders with projected coordinates, read with `?crs=cgcs2000_gk3`.
    let ((lon, lat), _) = place();
    let (x, y) = Crs::Cgcs2000Gk3
        .from_wgs84(lon, lat)
        .expect("inside the zone");
    let projected = csv
        .replace(&format!("{lon:.6}"), &format!("{x:.3}"))
        .replace(&format!("{lat:.6}"), &format!("{y:.3}"));
    vec![
        ("utf8.csv.bin".to_owned(), with(0, csv.as_bytes())),
        ("gbk.csv.bin".to_owned(), with(0, &gbk)),
        ("excel.xlsx.bin".to_owned(), with(1, &xlsx_file(&rows))),
        (
            "inline_sheet.xml.bin".to_owned(),
            with(2, sheet_xml(&rows, false).1.as_bytes()),
        ),
        ("shared_strings.xml.bin".to_owned(), with(3, &parts)),
        (
            "projected.csv.bin".to_owned(),
            with(4, projected.as_bytes()),
        ),
    ]
}

fn intake_json() -> Vec<Seed> {
    let ((lon, lat), code) = place();
    let category = &street().catalogue.categories[0];
    let camera = street()
        .view
        .dataset
        .devices
        .first()
        .map(|d| d.id.clone())
        .unwrap_or_default();
    let hotline = json!({
        "channel": "hotline",
        "external_id": "GD20261201001",
        "category": category.code,
        "description": "路面有坑，请尽快处理",
        "lon": lon,
        "lat": lat,
        "reporter_name": "市民",
        "reporter_phone": "13800001234",
        "urgency": "urgent",
        "received_at": "2026-12-01 08:30",
    });
    let patrol = json!({
        "channel": "网格巡查",
        "category": category.name_zh,
        "description": "巡查发现",
        "grid_code": code,
        "received_at": "2026-12-01T08:30:00+08:00",
    });
    // The smallest JPEG header a picture check looks at.
    let jpeg = [
        0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 0xFF, 0xD9,
    ];
    let alert = json!({
        "channel": "camera",
        "category": category.code,
        "description": "视频告警",
        "source_ref": camera,
        "snapshot_jpeg": base64::engine::general_purpose::STANDARD.encode(jpeg),
    });
    [("hotline", hotline), ("patrol", patrol), ("camera", alert)]
        .into_iter()
        .map(|(name, value)| {
            (
                format!("{name}.json"),
                serde_json::to_vec(&value).expect("JSON"),
            )
        })
        .collect()
}

fn open311_form() -> Vec<Seed> {
    let ((lon, lat), _) = place();
    let category = &street().catalogue.categories[0];
    let street_name: String = hierarchy().street().name.clone();
    let encode = |pairs: &[(&str, String)]| -> Vec<u8> {
        pairs
            .iter()
            .map(|(k, v)| {
                let value: String = v
                    .bytes()
                    .map(|b| {
                        if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                            char::from(b).to_string()
                        } else {
                            format!("%{b:02X}")
                        }
                    })
                    .collect();
                format!("{k}={value}")
            })
            .collect::<Vec<_>>()
            .join("&")
            .into_bytes()
    };
    let point = encode(&[
        ("api_key", "key".to_owned()),
        ("service_code", category.code.clone()),
        ("description", "路灯不亮".to_owned()),
        ("lat", format!("{lat}")),
        ("long", format!("{lon}")),
        ("first_name", "明".to_owned()),
        ("last_name", "李".to_owned()),
        ("phone", "13800001234".to_owned()),
    ]);
    let address = encode(&[
        ("service_code", category.code.clone()),
        ("description", "垃圾未清运".to_owned()),
        ("address_string", street_name),
    ]);
    vec![
        ("point.form".to_owned(), point),
        ("address.form".to_owned(), address),
    ]
}
