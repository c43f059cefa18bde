//! The server over real HTTP on loopback with a real SQLite file.

mod common;

use common::Harness;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn requests_without_the_launch_key_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let bare = h.client.get(h.url("/api/summary")).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    let page = h.client.get(h.url("/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
    assert!(page.text().await.unwrap().contains("需要启动密钥"));
    let wrong = h
        .client
        .get(h.url("/api/summary"))
        .bearer_auth("0".repeat(64))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong_key_url = h.client.get(h.url("/?key=guess")).send().await.unwrap();
    assert_eq!(wrong_key_url.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_launch_url_trades_the_key_for_a_strict_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let response = h.client.get(h.server.launch_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    // Named after the port: a browser keeps cookies per host, and two desktop servers on
    // 127.0.0.1 must not overwrite each other's key.
    let named = format!("binhe_key_{}=", h.server.address.port());
    assert!(pair.starts_with(&named), "{pair}");
    let page = h
        .client
        .get(h.url("/"))
        .header("cookie", pair)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("智慧滨河"));
}

#[tokio::test]
async fn other_hosts_and_origins_are_refused_even_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let rebinding = h
        .request(Method::GET, "/api/summary")
        .header(
            "host",
            format!("attacker.example:{}", h.server.address.port()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(rebinding.status(), StatusCode::FORBIDDEN);
    let cross_site = h
        .request(Method::GET, "/api/summary")
        .header("origin", "http://attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_new_database_starts_with_the_demo_grids() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let summary = h.json("/api/summary").await;
    assert_eq!(summary["communities"], 15);
    assert_eq!(summary["micro_grids"], 312);
    assert_eq!(summary["population"], 50_500);
    assert_eq!(summary["full_time_workers"], 18);
    assert_eq!(summary["part_time_workers"], 388);
    assert_eq!(summary["cameras"], 847);
    assert_eq!(summary["synthetic"], true);
    let grids = h.json("/api/grids.geojson").await;
    let levels = |level: &str| {
        grids["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["properties"]["level"] == level)
            .count()
    };
    assert_eq!(
        (levels("street"), levels("community"), levels("micro")),
        (1, 15, 312)
    );
    let tree = h.json("/api/grids/tree").await;
    assert_eq!(tree["children"].as_array().unwrap().len(), 15);
}

#[tokio::test]
async fn a_grid_card_shows_code_parent_area_population_and_workers() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let card = h.json("/api/grids/110117001007005").await;
    assert_eq!(card["level"], "micro");
    assert_eq!(card["parent"]["code"], "110117001007000");
    assert!(card["area_m2"].as_f64().unwrap() > 1_000.0);
    assert!(card["population"].as_u64().unwrap() > 0);
    assert!(!card["workers"].as_array().unwrap().is_empty());
    let missing = h.get("/api/grids/110117001099001").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "GRID_NOT_FOUND");
    assert!(
        body["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("不存在")
    );
}

#[tokio::test]
async fn search_finds_grids_by_name_and_code() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let by_name = h.json(&format!("/api/grids/search?q={}", "金海社区")).await;
    assert_eq!(by_name[0]["name"], "金海社区");
    assert_eq!(by_name[0]["level"], "community");
    assert_eq!(by_name[0]["parent_name_en"], "Binhe Street");
    let by_code = h.json("/api/grids/search?q=110117001007005").await;
    assert_eq!(by_code[0]["code"], "110117001007005");
    let empty = h.get("/api/grids/search?q=%20").await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn locate_routes_a_point_to_its_micro_grid_and_refuses_bad_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let card = h.json("/api/grids/110117001007005").await;
    let bbox: Vec<f64> = card["bbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let (lon, lat) = (
        f64::midpoint(bbox[0], bbox[2]),
        f64::midpoint(bbox[1], bbox[3]),
    );
    let located = h.json(&format!("/api/locate?lon={lon}&lat={lat}")).await;
    assert_eq!(located["micro"]["code"], "110117001007005");
    assert_eq!(located["community"]["code"], "110117001007000");
    let outside = h.json("/api/locate?lon=116.4&lat=39.9").await;
    assert_eq!(outside["micro"], Value::Null);
    for bad in [
        "lon=NaN&lat=40",
        "lon=117&lat=91",
        "lon=abc&lat=40",
        "lat=40",
    ] {
        let response = h.get(&format!("/api/locate?{bad}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

fn demo_grids() -> Value {
    serde_json::from_str(include_str!("../../../assets/demo/grids.geojson")).unwrap()
}

#[tokio::test]
async fn a_rejected_import_lists_problems_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("db.sqlite");
    let before;
    {
        let h = Harness::start(&database).await;
        before = h.get("/api/grids.geojson").await.text().await.unwrap();
        let mut file = demo_grids();
        let features = file["features"].as_array_mut().unwrap();
        let i = features
            .iter()
            .position(|f| f["properties"]["code"] == "110117001003004")
            .unwrap();
        features[i]["geometry"] = json!({ "type": "Point", "coordinates": [117.11, 40.14] });
        let response = h.import(file.to_string()).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "GRID_IMPORT_REJECTED");
        let problem = &body["error"]["problems"][0];
        assert_eq!(problem["feature_index"], i);
        assert_eq!(problem["grid_code"], "110117001003004");
        assert_eq!(problem["code"], "NOT_POLYGON");
        assert_eq!(
            h.get("/api/grids.geojson").await.text().await.unwrap(),
            before
        );
        h.server.shutdown().await;
    }
    let reopened = Harness::start(&database).await;
    assert_eq!(
        reopened
            .get("/api/grids.geojson")
            .await
            .text()
            .await
            .unwrap(),
        before
    );
}

#[tokio::test]
async fn an_accepted_import_replaces_the_grids_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("db.sqlite");
    {
        let h = Harness::start(&database).await;
        let mut file = demo_grids();
        for feature in file["features"].as_array_mut().unwrap() {
            feature["properties"]["synthetic"] = json!(false);
            if feature["properties"]["code"] == "110117001003000" {
                feature["properties"]["name"] = json!("测绘社区");
            }
        }
        let response = h.import(file.to_string()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let card = h.json("/api/grids/110117001003000").await;
        assert_eq!(card["name"], "测绘社区");
        h.server.shutdown().await;
    }
    let reopened = Harness::start(&database).await;
    let summary = reopened.json("/api/summary").await;
    assert_eq!(summary["source"], "import");
    assert!(
        summary["source_description"]
            .as_str()
            .unwrap()
            .contains("测绘.geojson")
    );
    assert_eq!(summary["synthetic"], false);
    // Workers kept their posts: the grids they stand in still exist.
    assert_eq!(summary["part_time_workers"], 388);
    let card = reopened.json("/api/grids/110117001003000").await;
    assert_eq!(card["name"], "测绘社区");
    assert!(!card["workers"].as_array().unwrap().is_empty());
}

/// What a terminal downloads goes out compressed, except what never ends; the UI's files named
/// by their content are kept by the browser, the page and the API answers are not.
#[tokio::test]
async fn answers_are_compressed_and_only_content_named_files_are_cached() {
    use std::io::Read;

    let dir = tempfile::tempdir().unwrap();
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(
        ui.path().join("index.html"),
        "<!doctype html><title>智慧滨河</title>",
    )
    .unwrap();
    let wasm = "binhe-ui-0123456789abcdef_bg.wasm";
    std::fs::write(ui.path().join(wasm), vec![0_u8; 200_000]).unwrap();
    std::fs::write(
        ui.path().join("binhe-ui-0123456789abcdef.js"),
        "x".repeat(5_000),
    )
    .unwrap();
    std::fs::write(
        ui.path().join("binhe-ui-0123456789abcdef.js.br"),
        "built brotli",
    )
    .unwrap();
    let h = Harness::start_with(
        binhe_server::Database::Sqlite(dir.path().join("db.sqlite")),
        |config| config.ui_dir = ui.path().to_owned(),
    )
    .await;
    let get = |path: &'static str, encodings: &'static str| {
        h.request(Method::GET, path)
            .header("accept-encoding", encodings)
            .send()
    };
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };

    // The grid layer: gzip for a client that takes only gzip, brotli for one that takes both.
    let plain = get("/api/grids.geojson", "identity").await.unwrap();
    assert_eq!(header(&plain, "content-encoding"), None);
    let plain = plain.bytes().await.unwrap();
    let gzipped = get("/api/grids.geojson", "gzip").await.unwrap();
    assert_eq!(
        header(&gzipped, "content-encoding").as_deref(),
        Some("gzip")
    );
    assert_eq!(
        header(&gzipped, "cache-control").as_deref(),
        Some("no-store")
    );
    let gzipped = gzipped.bytes().await.unwrap();
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzipped[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain);
    assert!(
        gzipped.len() * 4 < plain.len(),
        "{} of {}",
        gzipped.len(),
        plain.len()
    );
    let brotli = get("/api/grids.geojson", "gzip, deflate, br")
        .await
        .unwrap();
    assert_eq!(header(&brotli, "content-encoding").as_deref(), Some("br"));

    // A file made as it is sent (an export) arrives whole through the encoder.
    let export = get("/api/tickets/export.csv", "gzip").await.unwrap();
    assert_eq!(header(&export, "content-encoding").as_deref(), Some("gzip"));
    let export = export.bytes().await.unwrap();
    let mut csv = Vec::new();
    flate2::read::GzDecoder::new(&export[..])
        .read_to_end(&mut csv)
        .unwrap();
    assert!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "a BOM, then the header row"
    );

    // The event stream never ends, so it is never held in an encoder.
    let stream = get("/api/stream", "gzip, br").await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(header(&stream, "content-encoding"), None);
    drop(stream);

    // The wasm named by its hash is kept for good; without a copy built compressed (a debug
    // build) it goes as it is. The page is asked again each time.
    let file = get("/binhe-ui-0123456789abcdef_bg.wasm", "br")
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(
        header(&file, "cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(header(&file, "content-encoding"), None);
    assert_eq!(file.bytes().await.unwrap().len(), 200_000);
    // A release build's own brotli copy goes out as it is (compressed once, at build time).
    let script = get("/binhe-ui-0123456789abcdef.js", "gzip, br")
        .await
        .unwrap();
    assert_eq!(header(&script, "content-encoding").as_deref(), Some("br"));
    assert_eq!(&script.bytes().await.unwrap()[..], b"built brotli");
    let page = get("/", "br").await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(header(&page, "cache-control").as_deref(), Some("no-cache"));
}
