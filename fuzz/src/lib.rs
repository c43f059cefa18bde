//! Fuzz targets for every reader of outside input: the grid import (a GeoJSON file or a survey
//! upload), the survey's files (shapefiles, zips, GeoJSON layers), the 12345 work-order files
//! (CSV in UTF-8 or GBK, XLSX), the intake's JSON body and the Open311 form body.
//!
//! Each target runs the bytes through the server's own parsing and checking code, as the route
//! would, and must never panic whatever the bytes. `make fuzz` runs them under libFuzzer
//! (fuzz_targets/); `cargo test` replays every kept input (corpus/ and regressions/) through
//! the same functions, so a panic once fixed stays fixed. [`seeds`] writes the starting corpus.

pub mod seeds;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{Request, header};
use binhe_api::tickets::ReportRequest;
use binhe_core::GridHierarchy;
use binhe_core::crs::Crs;
use binhe_core::geojson::{read_grids, write_grids};
use binhe_core::survey::SurveyMapping;
use binhe_core::ticket::columns::CRS_KEY;
use binhe_core::ticket::intake::validate;
use binhe_core::ticket::{Catalogue, ColumnMapping};
use binhe_server::dataset::{GridView, demo_dataset, imported_dataset};
use binhe_server::desk::alerts::check_alert;
use binhe_server::desk::import::{classify, converted, preview_import, read_with_columns};
use binhe_server::grids::{ReadSurvey, read_files, read_upload, survey_upload};
use binhe_server::open311::intake_request;
use chrono::{DateTime, TimeZone, Utc};
use futures_util::FutureExt;

/// A target: its name (the folder of its corpus and regressions) and its function, which
/// answers how much of the input the server took in (grids of the view, orders or requests
/// that passed the intake's checks): 0 for input refused.
pub type Target = (&'static str, fn(&[u8]) -> usize);

/// Every target, as `make fuzz` runs them.
pub const TARGETS: [Target; 5] = [
    ("grid_import", grid_import),
    ("survey_files", survey_files),
    ("work_orders", work_orders),
    ("intake_json", intake_json),
    ("open311_form", open311_form),
];

/// Where one input's parts are cut apart, for targets that take several files.
pub const PART: &[u8] = b"@@PART@@";

/// The street as the server starts with it, and the default catalogue: what the intake and
/// the imports check against.
struct Street {
    view: GridView,
    catalogue: Catalogue,
}

fn street() -> &'static Street {
    static STREET: OnceLock<Street> = OnceLock::new();
    STREET.get_or_init(|| Street {
        view: GridView::new(demo_dataset()),
        catalogue: Catalogue::defaults(),
    })
}

/// A fixed "now", so that a run does not depend on the day.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0)
        .single()
        .expect("a valid time")
}

/// What the server does with grids that passed the import: keeps the street's workers and
/// devices (re-posted where needed) and builds the view every map and list is served from.
fn take_grids(hierarchy: GridHierarchy) -> usize {
    let dataset = imported_dataset(hierarchy, "fuzz".to_owned(), &street().view.dataset);
    let view = GridView::new(dataset);
    let _ = write_grids(view.hierarchy());
    view.hierarchy().grids().len()
}

/// `POST /api/grids/import`: the body as text, either a survey upload (files and mapping) or a
/// documented GeoJSON grid file; grids that pass become the view.
pub fn grid_import(data: &[u8]) -> usize {
    // The route takes the body as a `String`: anything not UTF-8 is refused before it.
    let Ok(body) = std::str::from_utf8(data) else {
        return 0;
    };
    match survey_upload(body) {
        Ok(Some(upload)) => {
            let read = read_upload(&upload.files);
            let _ = read.preview(&upload.mapping);
            read.assemble(&upload.mapping)
                .hierarchy
                .map_or(0, take_grids)
        }
        Ok(None) => read_grids(body).map_or(0, take_grids),
        Err(_) => 0,
    }
}

/// A survey's files as delivered, read as the import reads them (a first byte chooses how the
/// rest is laid out): `0` a zip; `1` a shapefile's `.shp`, `.shx`, `.dbf`, `.prj` and `.cpg`
/// cut apart by [`PART`]; otherwise one GeoJSON layer. Previewed and assembled with the
/// suggested mapping.
pub fn survey_files(data: &[u8]) -> usize {
    let Some((&mode, rest)) = data.split_first() else {
        return 0;
    };
    let files = match mode {
        0 => vec![("survey.zip".to_owned(), rest.to_vec())],
        1 => ["shp", "shx", "dbf", "prj", "cpg"]
            .iter()
            .zip(split_parts(rest))
            .map(|(ext, part)| (format!("网格/layer.{ext}"), part.to_vec()))
            .collect(),
        _ => vec![("layer.geojson".to_owned(), rest.to_vec())],
    };
    let mut read = ReadSurvey::default();
    read_files(files, &mut read);
    let mapping = SurveyMapping::default();
    let _ = read.preview(&mapping);
    read.assemble(&mapping).hierarchy.map_or(0, take_grids)
}

/// The parts of `data` between [`PART`] marks.
pub fn split_parts(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(PART.len()).position(|w| w == PART) {
        parts.push(&rest[..at]);
        rest = &rest[at + PART.len()..];
    }
    parts.push(rest);
    parts
}

/// A 12345 work-order file through the import as the import job and its preview read it. The
/// first byte chooses the file: `0` CSV bytes; `1` XLSX bytes; `2` a worksheet's XML, packed
/// into an XLSX here; `3` shared strings and a worksheet cut apart by [`PART`], packed
/// likewise. Its second bit asks for projected coordinates (CGCS2000 3° Gauss–Krüger), as an
/// operator's `?crs=` does. Every row read is converted, classified and validated.
pub fn work_orders(data: &[u8]) -> usize {
    let Some((&mode, rest)) = data.split_first() else {
        return 0;
    };
    let (name, bytes) = match mode & 0b11 {
        0 => ("工单.csv", rest.to_vec()),
        1 => ("工单.xlsx", rest.to_vec()),
        2 => ("工单.xlsx", seeds::xlsx_package(None, rest)),
        _ => {
            let parts = split_parts(rest);
            let strings = parts.first().copied().unwrap_or_default();
            let sheet = parts.get(1).copied().unwrap_or_default();
            ("工单.xlsx", seeds::xlsx_package(Some(strings), sheet))
        }
    };
    let columns = (mode & 0b100 != 0).then(|| {
        let mut columns = ColumnMapping::new();
        columns.insert(CRS_KEY.to_owned(), Crs::Cgcs2000Gk3.as_str().to_owned());
        columns
    });
    let remembered = BTreeMap::new();
    let _ = preview_import(&bytes, name, columns.clone(), &remembered);
    let Ok((orders, _, crs)) = read_with_columns(&bytes, name, columns, &remembered) else {
        return 0;
    };
    let street = street();
    let mut taken = 0;
    for row in &orders.rows {
        if let Ok(mut request) = converted(row, crs) {
            let _ = classify(&mut request, row, &street.catalogue, &orders);
            let checked = validate(&request, &street.catalogue, street.view.hierarchy(), now());
            taken += usize::from(checked.is_ok());
        }
    }
    taken
}

/// A request body as axum hands it to a route.
fn body_request(content_type: &str, data: &[u8]) -> Request<Body> {
    Request::post("/")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(data.to_vec()))
        .expect("a valid request")
}

/// `POST /api/tickets`: the JSON body through axum's extractor into the report, then the camera
/// alert's checks and the intake's validation.
pub fn intake_json(data: &[u8]) -> usize {
    let request = body_request("application/json", data);
    let read = axum::Json::<ReportRequest>::from_request(request, &())
        .now_or_never()
        .expect("a body in memory is read at once");
    let Ok(axum::Json(ReportRequest {
        mut request,
        snapshot_jpeg,
    })) = read
    else {
        return 0;
    };
    // The route drops a picture name the client sent: only the server names pictures.
    request.snapshot = None;
    let street = street();
    let alert = check_alert(&street.view, &mut request, snapshot_jpeg.as_deref(), now());
    let checked = validate(&request, &street.catalogue, street.view.hierarchy(), now());
    usize::from(alert.is_ok() && checked.is_ok())
}

/// `POST /open311/v2/requests.json`: the form body through axum's extractor, into the intake
/// request the form asks for, then the intake's validation.
pub fn open311_form(data: &[u8]) -> usize {
    let request = body_request("application/x-www-form-urlencoded", data);
    let read = axum::Form::<Vec<(String, String)>>::from_request(request, &())
        .now_or_never()
        .expect("a body in memory is read at once");
    let Ok(axum::Form(form)) = read else {
        return 0;
    };
    let Ok(request) = intake_request(&form, "fuzz") else {
        return 0;
    };
    let street = street();
    let checked = validate(&request, &street.catalogue, street.view.hierarchy(), now());
    usize::from(checked.is_ok())
}
