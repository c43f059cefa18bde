//! The street's own basemap over real HTTP: MBTiles and PMTiles files made here (raster PNG
//! tiles, gzipped vector tiles) are uploaded, described, served tile by tile and, for PMTiles,
//! by Range requests; a broken file is refused with the old basemap kept; only administrators
//! change it, and each change is audited; the command line adds, shows and removes one.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use binhe_api::basemap::CurrentBasemap;
use binhe_server::Database;
use common::Harness;
use common::center::{Terminal, make_accounts};
use pmtiles::{Compression, PmTilesWriter, TileCoord, TileType};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use sqlx::Connection;

/// Binhe Street, roughly: what the test files say they cover.
const BOUNDS: [f64; 4] = [117.08, 40.11, 117.16, 40.17];

/// A 16×16 PNG of one colour, a different picture for each tile.
fn png_tile(z: u8, x: u32, y: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 16, 16);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let pixel = [z * 60, (x * 40) as u8, (y * 40) as u8];
    writer.write_image_data(&pixel.repeat(256)).unwrap();
    writer.finish().unwrap();
    out
}

/// A vector tile with one layer named `layer` (protobuf written by hand: name, extent,
/// version), the tile's address in the layer's name so tiles differ.
fn mvt(layer: &str) -> Vec<u8> {
    let mut body = vec![0x0a, layer.len() as u8];
    body.extend_from_slice(layer.as_bytes());
    body.extend_from_slice(&[0x28, 0x80, 0x20, 0x78, 0x02]);
    let mut tile = vec![0x1a, body.len() as u8];
    tile.extend(body);
    tile
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn vector_metadata() -> Value {
    json!({
        "name": "滨河矢量底图",
        "attribution": "平谷区测绘",
        "vector_layers": [
            {"id": "roads", "fields": {"name": "String", "class": "String"}, "minzoom": 0, "maxzoom": 2},
            {"id": "water", "fields": {}}
        ],
        "tilestats": {"layers": [{"layer": "roads", "geometry": "LineString"}]}
    })
}

/// The tiles of a small pyramid, z 0–2, leaving out tile 2/3/3 (beyond the street).
fn pyramid() -> Vec<(u8, u32, u32)> {
    (0..=2u8)
        .flat_map(|z| {
            let n = 1u32 << z;
            (0..n).flat_map(move |x| (0..n).map(move |y| (z, x, y)))
        })
        .filter(|t| *t != (2, 3, 3))
        .collect()
}

/// A PMTiles file of PNG tiles (z 0–2), named in its metadata.
fn pmtiles_raster(path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = PmTilesWriter::new(TileType::Png)
        .min_zoom(0)
        .max_zoom(2)
        .bounds(BOUNDS[0], BOUNDS[1], BOUNDS[2], BOUNDS[3])
        .center(117.12, 40.14)
        .center_zoom(1)
        .metadata(json!({"name": "滨河影像", "attribution": "平谷区测绘"}).to_string())
        .create(file)
        .unwrap();
    for (z, x, y) in pyramid() {
        writer
            .add_tile(TileCoord::new(z, x, y).unwrap(), &png_tile(z, x, y))
            .unwrap();
    }
    writer.finalize().unwrap();
}

/// A PMTiles file of gzipped vector tiles.
fn pmtiles_vector(path: &Path, metadata: &Value) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .tile_compression(Compression::Gzip)
        .min_zoom(0)
        .max_zoom(2)
        .bounds(BOUNDS[0], BOUNDS[1], BOUNDS[2], BOUNDS[3])
        .metadata(metadata.to_string())
        .create(file)
        .unwrap();
    for (z, x, y) in pyramid() {
        writer
            .add_tile(
                TileCoord::new(z, x, y).unwrap(),
                &mvt(&format!("roads-{z}-{x}-{y}")),
            )
            .unwrap();
    }
    writer.finalize().unwrap();
}

/// A tile's address (XYZ) and its bytes.
type TileData = ((u8, u32, u32), Vec<u8>);

/// An MBTiles file (SQLite, rows counted from the south) with these metadata and tiles.
async fn mbtiles(path: &Path, metadata: &[(&str, String)], tiles: &[TileData]) {
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
    for sql in [
        "CREATE TABLE metadata (name TEXT, value TEXT)",
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)",
        "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)",
    ] {
        sqlx::query(sql).execute(&mut db).await.unwrap();
    }
    for (name, value) in metadata {
        sqlx::query("INSERT INTO metadata VALUES (?, ?)")
            .bind(name)
            .bind(value)
            .execute(&mut db)
            .await
            .unwrap();
    }
    for ((z, x, y), data) in tiles {
        sqlx::query("INSERT INTO tiles VALUES (?, ?, ?, ?)")
            .bind(i64::from(*z))
            .bind(i64::from(*x))
            .bind((1_i64 << z) - 1 - i64::from(*y))
            .bind(data)
            .execute(&mut db)
            .await
            .unwrap();
    }
    db.close().await.unwrap();
}

/// An MBTiles file of the small pyramid in `format`, named `name`, with `more` metadata.
async fn mbtiles_of(
    path: &Path,
    format: &str,
    name: &str,
    more: &[(&str, String)],
    tile: impl Fn(u8, u32, u32) -> Vec<u8>,
) {
    let tiles: Vec<_> = pyramid()
        .into_iter()
        .map(|(z, x, y)| ((z, x, y), tile(z, x, y)))
        .collect();
    let mut metadata = vec![
        ("name", name.to_owned()),
        ("format", format.to_owned()),
        ("bounds", BOUNDS.map(|b| b.to_string()).join(",")),
        ("minzoom", "0".to_owned()),
        ("maxzoom", "2".to_owned()),
    ];
    metadata.extend_from_slice(more);
    mbtiles(path, &metadata, &tiles).await;
}

async fn mbtiles_raster(path: &Path) {
    let center = [("center", "117.12,40.14,1".to_owned())];
    mbtiles_of(path, "png", "滨河正射影像", &center, png_tile).await;
}

async fn mbtiles_vector(path: &Path) {
    let layers = [("json", vector_metadata().to_string())];
    mbtiles_of(path, "pbf", "滨河矢量", &layers, |z, x, y| {
        gzip(&mvt(&format!("roads-{z}-{x}-{y}")))
    })
    .await;
}

/// Uploads `file` as `PUT /api/basemap` with the launch key (the desktop's own dispatcher,
/// who administers a standalone server).
async fn upload(server: &Harness, file: &Path) -> (StatusCode, Value) {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let response = server
        .request(Method::PUT, "/api/basemap")
        .header(
            "x-file-name",
            percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        )
        .body(std::fs::read(file).unwrap())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn basemap_files(database: &Path) -> Vec<String> {
    let folder = database.parent().unwrap().join("basemaps");
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn tile_url(info: &Value, z: u8, x: u32, y: u32) -> String {
    info["tiles"]
        .as_str()
        .unwrap()
        .replace("{z}", &z.to_string())
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string())
}

fn assert_refused(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    for message in ["message_zh", "message_en"] {
        assert!(
            !body["error"][message]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{body}"
        );
    }
}

async fn assert_refused_response(response: reqwest::Response, expected: StatusCode, code: &str) {
    let status = response.status();
    assert_refused(status, &response.json().await.unwrap(), expected, code);
}

struct Street {
    server: Harness,
    database: PathBuf,
    dir: tempfile::TempDir,
}

async fn street() -> Street {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("street.sqlite");
    Street {
        server: Harness::start(&database).await,
        database,
        dir,
    }
}

#[tokio::test]
async fn a_pmtiles_raster_basemap_is_described_served_by_tile_and_by_range() {
    let s = street().await;
    assert_eq!(
        s.server.json("/api/basemap").await,
        json!({"basemap": null})
    );
    let file = s.dir.path().join("滨河影像.pmtiles");
    pmtiles_raster(&file);
    let (status, info) = upload(&s.server, &file).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["kind"], "raster");
    assert_eq!(info["format"], "png");
    assert_eq!(info["container"], "pmtiles");
    assert_eq!(info["name"], "滨河影像");
    assert_eq!(info["file_name"], "滨河影像.pmtiles");
    assert_eq!(info["attribution"], "平谷区测绘");
    assert_eq!(
        (info["min_zoom"].as_u64(), info["max_zoom"].as_u64()),
        (Some(0), Some(2))
    );
    let bounds: Vec<f64> = serde_json::from_value(info["bounds"].clone()).unwrap();
    for (got, want) in bounds.iter().zip(BOUNDS) {
        assert!((got - want).abs() < 1e-6, "{bounds:?}");
    }
    assert_eq!(info["bytes"], std::fs::metadata(&file).unwrap().len());
    // The answer is the contract's type, field for field (as `tests/contract.rs` checks the
    // other route families).
    let described = s.server.json("/api/basemap").await;
    assert_eq!(described["basemap"], info);
    let typed: CurrentBasemap = serde_json::from_value(described.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), described);
    // The file sits beside the database under its content's name.
    let id = info["id"].as_str().unwrap();
    assert_eq!(basemap_files(&s.database), vec![format!("{id}.pmtiles")]);

    for (z, x, y) in [(0, 0, 0), (1, 1, 0), (2, 3, 2)] {
        let response = s.server.get(&tile_url(&info, z, x, y)).await;
        assert_eq!(response.status(), StatusCode::OK, "{z}/{x}/{y}");
        let headers = response.headers().clone();
        assert_eq!(headers[header::CONTENT_TYPE], "image/png");
        assert!(headers.get(header::CONTENT_ENCODING).is_none());
        let cache = headers[header::CACHE_CONTROL].to_str().unwrap();
        assert!(
            cache.contains("immutable") && cache.contains("max-age="),
            "{cache}"
        );
        assert_eq!(response.bytes().await.unwrap(), png_tile(z, x, y));
    }
    // A tile the file leaves out: nothing to draw, no error.
    let missing = s.server.get(&tile_url(&info, 2, 3, 3)).await;
    assert_eq!(missing.status(), StatusCode::NO_CONTENT);
    assert!(missing.bytes().await.unwrap().is_empty());
    // Outside the pyramid, or of a basemap no longer served: the error shape.
    assert_refused_response(
        s.server.get(&tile_url(&info, 2, 4, 0)).await,
        StatusCode::BAD_REQUEST,
        "TILE_OUT_OF_RANGE",
    )
    .await;
    assert_refused_response(
        s.server
            .get("/api/basemap/tiles/0123456789abcdef/0/0/0")
            .await,
        StatusCode::NOT_FOUND,
        "BASEMAP_NOT_FOUND",
    )
    .await;
    assert_refused_response(
        s.server
            .get(&tile_url(&info, 1, 0, 0).replace("/1/0/0", "/1/x/0"))
            .await,
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
    )
    .await;

    // The archive itself, whole and by ranges.
    let whole = std::fs::read(&file).unwrap();
    let archive = info["archive"].as_str().unwrap().to_owned();
    assert_eq!(archive, format!("/api/basemap/archive/{id}.pmtiles"));
    let response = s.server.get(&archive).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::ACCEPT_RANGES], "bytes");
    assert_eq!(response.bytes().await.unwrap(), whole);
    let ranged = |range: &'static str| {
        s.server
            .request(Method::GET, &archive)
            .header(header::RANGE, range)
            .send()
    };
    let response = ranged("bytes=0-126").await.unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        response.headers()[header::CONTENT_RANGE].to_str().unwrap(),
        format!("bytes 0-126/{}", whole.len())
    );
    assert_eq!(response.headers()[header::ACCEPT_RANGES], "bytes");
    let head = response.bytes().await.unwrap();
    assert_eq!(head.len(), 127);
    assert!(head.starts_with(b"PMTiles\x03"));
    let response = ranged("bytes=-20").await.unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.bytes().await.unwrap(), whole[whole.len() - 20..]);
    let response = ranged("bytes=99999999-").await.unwrap();
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        response.headers()[header::CONTENT_RANGE].to_str().unwrap(),
        format!("bytes */{}", whole.len())
    );
    let body: Value = response.json().await.unwrap();
    assert_refused(
        StatusCode::RANGE_NOT_SATISFIABLE,
        &body,
        StatusCode::RANGE_NOT_SATISFIABLE,
        "RANGE_NOT_SATISFIABLE",
    );

    // The change is in the audit log, with the file's name.
    let audit = s.server.json("/api/audit?action=basemap.replace").await;
    let entry = &audit["entries"][0];
    assert_eq!(entry["status"], 200, "{audit}");
    assert_eq!(entry["target"], id);
    assert_eq!(entry["detail"], "滨河影像.pmtiles");

    // A server started again on the same database serves the same basemap.
    drop(s.server);
    let again = Harness::start(&s.database).await;
    assert_eq!(again.json("/api/basemap").await["basemap"]["id"], id);
    let response = again.get(&tile_url(&info, 1, 1, 0)).await;
    assert_eq!(response.bytes().await.unwrap(), png_tile(1, 1, 0));
}

#[tokio::test]
async fn vector_basemaps_serve_gzipped_tiles_and_list_their_layers() {
    let s = street().await;
    let mbtiles_file = s.dir.path().join("vector.mbtiles");
    mbtiles_vector(&mbtiles_file).await;
    let (status, info) = upload(&s.server, &mbtiles_file).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["kind"], "vector");
    assert_eq!(info["format"], "pbf");
    assert_eq!(info["container"], "mbtiles");
    assert_eq!(info["archive"], Value::Null);
    assert_eq!(info["vector_layers"][0]["id"], "roads");
    assert_eq!(info["vector_layers"][0]["geometry"], "LineString");
    assert_eq!(info["vector_layers"][0]["fields"]["name"], "String");
    assert_eq!(info["vector_layers"][1]["id"], "water");
    // XYZ 2/1/0 is the MBTiles row 3: each tile is its own.
    for (z, x, y) in [(2, 1, 0), (2, 1, 3), (0, 0, 0)] {
        let response = s.server.get(&tile_url(&info, z, x, y)).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/vnd.mapbox-vector-tile"
        );
        let body = response.bytes().await.unwrap();
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut plain)
            .unwrap();
        assert_eq!(plain, mvt(&format!("roads-{z}-{x}-{y}")));
    }

    // The same as PMTiles: the archive says its tiles are gzipped.
    let pmtiles_file = s.dir.path().join("vector.pmtiles");
    pmtiles_vector(&pmtiles_file, &vector_metadata());
    let (status, replaced) = upload(&s.server, &pmtiles_file).await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["container"], "pmtiles");
    assert_eq!(replaced["name"], "滨河矢量底图");
    let response = s.server.get(&tile_url(&replaced, 2, 0, 1)).await;
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    let body = response.bytes().await.unwrap();
    assert!(body.starts_with(&[0x1f, 0x8b]));
    // The replaced file is gone; its tiles are no longer served.
    let id = replaced["id"].as_str().unwrap();
    assert_eq!(basemap_files(&s.database), vec![format!("{id}.pmtiles")]);
    let response = s.server.get(&tile_url(&info, 0, 0, 0)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_broken_file_is_refused_and_the_old_basemap_stays() {
    let s = street().await;
    let good = s.dir.path().join("good.mbtiles");
    mbtiles_raster(&good).await;
    let (status, info) = upload(&s.server, &good).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    let kept = basemap_files(&s.database);

    let pmtiles_file = s.dir.path().join("full.pmtiles");
    pmtiles_raster(&pmtiles_file);
    let whole = std::fs::read(&pmtiles_file).unwrap();
    let mut broken = vec![
        ("cut.pmtiles", whole[..whole.len() - 40].to_vec(), "PMTiles"),
        ("header.pmtiles", whole[..60].to_vec(), "PMTiles"),
        (
            "noise.pmtiles",
            b"not a basemap at all, just text".repeat(40),
            "MBTiles",
        ),
        ("empty.mbtiles", Vec::new(), "空"),
    ];
    let mbtiles_file = std::fs::read(&good).unwrap();
    broken.push((
        "cut.mbtiles",
        mbtiles_file[..mbtiles_file.len() / 2].to_vec(),
        "MBTiles",
    ));
    // A vector file whose metadata lists no layers cannot be styled.
    let bare = s.dir.path().join("bare.pmtiles");
    pmtiles_vector(&bare, &json!({"name": "无图层"}));
    broken.push((
        "bare.pmtiles",
        std::fs::read(&bare).unwrap(),
        "vector_layers",
    ));
    // A SQLite file that is no MBTiles.
    let other = s.dir.path().join("other.sqlite");
    let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", other.display()))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE notes (text TEXT)")
        .execute(&mut db)
        .await
        .unwrap();
    db.close().await.unwrap();
    broken.push(("other.mbtiles", std::fs::read(&other).unwrap(), "MBTiles"));

    for (name, bytes, says) in broken {
        let path = s.dir.path().join(format!("upload-{name}"));
        std::fs::write(&path, bytes).unwrap();
        let (status, body) = upload(&s.server, &path).await;
        assert_refused(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "BASEMAP_INVALID",
        );
        let zh = body["error"]["message_zh"].as_str().unwrap();
        assert!(
            zh.starts_with("底图未添加") && zh.contains("原有底图保持不变"),
            "{name}: {zh}"
        );
        assert!(zh.contains(says), "{name}: {zh}");
        // The old basemap is still the one described and served, and nothing was left behind.
        assert_eq!(
            s.server.json("/api/basemap").await["basemap"]["id"],
            info["id"],
            "{name}"
        );
        assert_eq!(basemap_files(&s.database), kept, "{name}");
        let response = s.server.get(&tile_url(&info, 1, 0, 1)).await;
        assert_eq!(response.bytes().await.unwrap(), png_tile(1, 0, 1), "{name}");
    }
    let audit = s.server.json("/api/audit?action=basemap.replace").await;
    let statuses: Vec<u64> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        7,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn only_administrators_change_the_basemap_and_everyone_signed_in_sees_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("center.sqlite");
    let database = Database::Sqlite(path.clone());
    make_accounts(&database).await;
    let center = Harness::center(database).await;
    let base = center.base();
    let admin = Terminal::login(&base, "admin").await;
    let cmdr = Terminal::login(&base, "cmdr").await;
    let anon = Terminal::anonymous(&base);
    let file = dir.path().join("street.pmtiles");
    pmtiles_raster(&file);
    let bytes = std::fs::read(&file).unwrap();
    let put = |who: &Terminal| {
        let mut request = who
            .client
            .put(format!("{base}/api/basemap"))
            .header("x-file-name", "street.pmtiles")
            .body(bytes.clone());
        if let Some(token) = &who.token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_refused_response(
        put(&cmdr).await.unwrap(),
        StatusCode::FORBIDDEN,
        "ROLE_NOT_PERMITTED",
    )
    .await;
    assert_refused_response(
        put(&anon).await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "AUTH_REQUIRED",
    )
    .await;
    assert_eq!(basemap_files(&path), Vec::<String>::new());
    assert_eq!(cmdr.json("/api/basemap").await, json!({"basemap": null}));

    let response = put(&admin).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let info: Value = response.json().await.unwrap();
    // A commander draws it too, but cannot remove it; nobody unsigned reads a tile.
    assert_eq!(cmdr.json("/api/basemap").await["basemap"]["id"], info["id"]);
    let (status, _) = cmdr.get(&tile_url(&info, 0, 0, 0)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = anon.get(&tile_url(&info, 0, 0, 0)).await;
    assert_refused(status, &body, StatusCode::UNAUTHORIZED, "AUTH_REQUIRED");
    let (status, body) = cmdr.call(Method::DELETE, "/api/basemap", None).await;
    assert_refused(status, &body, StatusCode::FORBIDDEN, "ROLE_NOT_PERMITTED");

    let refused = admin
        .json("/api/audit?account=cmdr&action=basemap.replace")
        .await;
    assert_eq!(refused["entries"][0]["status"], 403, "{refused}");
    let refused = admin
        .json("/api/audit?account=cmdr&action=basemap.remove")
        .await;
    assert_eq!(refused["entries"][0]["status"], 403, "{refused}");

    let (status, body) = admin.call(Method::DELETE, "/api/basemap", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"basemap": null}));
    assert_eq!(basemap_files(&path), Vec::<String>::new());
    let (status, body) = admin.get(&tile_url(&info, 0, 0, 0)).await;
    assert_refused(status, &body, StatusCode::NOT_FOUND, "BASEMAP_NOT_FOUND");
    let (status, body) = admin.call(Method::DELETE, "/api/basemap", None).await;
    assert_refused(status, &body, StatusCode::NOT_FOUND, "BASEMAP_NOT_FOUND");
    let removed = admin
        .json("/api/audit?account=admin&action=basemap.remove")
        .await;
    let entries = removed["entries"].as_array().unwrap();
    assert!(
        entries.iter().any(|e| e["status"] == 200
            && e["target"] == info["id"]
            && e["detail"] == "street.pmtiles"),
        "{removed}"
    );
}

fn cli(args: &[&str], database: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_binhe-server"))
        .arg("basemap")
        .args(args)
        .arg("--db")
        .arg(database)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn the_command_line_adds_shows_and_removes_a_basemap() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("cli.sqlite");
    let file = dir.path().join("滨河.mbtiles");
    mbtiles_raster(&file).await;
    let broken = dir.path().join("broken.pmtiles");
    std::fs::write(&broken, b"PMTiles\x03 but nothing after").unwrap();

    let output = cli(&["show"], &database);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("无底图文件"));

    let output = cli(&["add", file.to_str().unwrap()], &database);
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        said.contains("已添加底图") && said.contains("滨河正射影像"),
        "{said}"
    );

    let output = cli(&["add", broken.to_str().unwrap()], &database);
    assert!(!output.status.success());
    let complaint = String::from_utf8_lossy(&output.stderr);
    assert!(
        complaint.contains("BASEMAP_INVALID") && complaint.contains("PMTiles"),
        "{complaint}"
    );

    let output = cli(&["show"], &database);
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(
        shown.contains("滨河正射影像") && shown.contains("mbtiles"),
        "{shown}"
    );
    let files = basemap_files(&database);
    assert_eq!(files.len(), 1, "{files:?}");

    // A server on that database serves it.
    let server = Harness::start(&database).await;
    let info = server.json("/api/basemap").await["basemap"].clone();
    assert_eq!(info["name"], "滨河正射影像");
    assert_eq!(info["added_by"], "命令行");
    let audit = server.json("/api/audit?action=basemap.replace").await;
    assert_eq!(audit["entries"][0]["target"], info["id"], "{audit}");
    drop(server);

    let output = cli(&["remove"], &database);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(basemap_files(&database).is_empty());
    let output = cli(&["remove"], &database);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("BASEMAP_NOT_FOUND"));
}
