//! Cameras, checkpoints and door-access units on the map, and the cameras nearest a ticket.

mod common;

use binhe_server::Database;
use common::Harness;
use common::center::{Terminal, make_accounts, point_in, request_at};
use reqwest::StatusCode;
use serde_json::Value;

fn count(layer: &Value, kind: &str) -> usize {
    layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == kind)
        .count()
}

#[tokio::test]
async fn device_layers_and_the_cameras_nearest_a_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("devices.sqlite"));
    let cast = make_accounts(&database).await;
    let center = Harness::center(database).await;
    let disp = Terminal::login(&center.base(), "disp").await;
    let cmdr = Terminal::login(&center.base(), "cmdr").await;

    let street = disp.json("/api/devices.geojson").await;
    assert_eq!(
        (
            count(&street, "camera"),
            count(&street, "checkpoint"),
            count(&street, "door_access")
        ),
        (847, 90, 72),
        "the seed's figures"
    );
    let summary = disp.json("/api/summary").await;
    assert_eq!(summary["cameras"], 847);

    // A commander's layer holds their community's devices only, as many as their summary says.
    let theirs = cmdr.json("/api/devices.geojson").await;
    let features = theirs["features"].as_array().unwrap();
    assert!(!features.is_empty());
    assert!(
        features
            .iter()
            .all(|f| f["properties"]["community"] == cast.community.as_str())
    );
    assert_eq!(
        count(&theirs, "camera"),
        cmdr.json("/api/summary").await["cameras"].as_u64().unwrap() as usize
    );
    let (status, _) = Terminal::anonymous(&center.base())
        .get("/api/devices.geojson")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A ticket card lists the four cameras closest to the place, closest first.
    let (lon, lat, _) = point_in(&disp, &cast.community, 2).await;
    let (status, created) = disp
        .post("/api/tickets", request_at(lon, lat, "占道经营"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let card = disp
        .json(&format!("/api/tickets/{}", created["ticket"]["id"]))
        .await;
    let cameras = card["cameras"].as_array().unwrap();
    assert_eq!(cameras.len(), 4);
    let distances: Vec<f64> = cameras
        .iter()
        .map(|c| c["distance_m"].as_f64().unwrap())
        .collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    let ids: Vec<&str> = cameras.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let is_camera = |id: &str| {
        street["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["properties"]["id"] == id && f["properties"]["kind"] == "camera")
    };
    assert!(ids.iter().all(|id| is_camera(id)), "{ids:?}");
    // No camera of the layer is closer than the fourth listed.
    let nearest_on_layer = street["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == "camera")
        .filter(|f| !ids.contains(&f["properties"]["id"].as_str().unwrap()))
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            let (x, y) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
            // Metres near 40° N: good to well under a metre at these distances.
            let dx = (x - lon) * 111_320.0 * lat.to_radians().cos();
            let dy = (y - lat) * 110_574.0;
            dx.hypot(dy)
        })
        .fold(f64::INFINITY, f64::min);
    assert!(
        nearest_on_layer + 1.0 >= distances[3],
        "{nearest_on_layer} m vs {}",
        distances[3]
    );
}
