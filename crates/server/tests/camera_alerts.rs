//! Camera alerts through the ticket intake: the camera named, the picture kept and shown on
//! the ticket, a picture taken from the camera when none came along, and refusals that store
//! nothing.

mod common;

use base64::Engine;
use common::Harness;
use common::processes::no_ffmpeg_left;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::{Connection, SqliteConnection};

/// Taking pictures starts ffmpeg; the tests count them, one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One real JPEG made by ffmpeg.
fn jpeg() -> Vec<u8> {
    let made = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=320x180")
        .args(["-frames:v", "1", "-f", "mjpeg", "pipe:1"])
        .output()
        .unwrap();
    assert!(made.status.success());
    made.stdout
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn alert(camera: &str, picture: Option<&str>) -> Value {
    json!({
        "channel": "camera", "category": "street_vending",
        "description": "视频分析：人行道上有流动摊贩占道经营",
        "source_ref": camera, "snapshot_jpeg": picture,
    })
}

async fn camera(h: &Harness, id: &str) -> Value {
    let layer = h.json("/api/devices.geojson").await;
    layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["id"] == id)
        .unwrap()
        .clone()
}

async fn picture_of(h: &Harness, ticket: &Value) -> Vec<u8> {
    let url = ticket["snapshot_url"].as_str().expect("a picture");
    let response = h.get(url).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn an_alert_keeps_its_camera_and_picture_and_takes_one_when_none_came() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("alerts.sqlite")).await;

    // With its picture: kept byte for byte, the ticket placed at the camera.
    let sent = jpeg();
    let (status, answer) = h
        .post(
            "/api/tickets",
            &alert("SXJ0002", Some(base64(&sent).as_str())),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let ticket = &answer["ticket"];
    assert_eq!(ticket["channel"], "camera");
    assert_eq!(ticket["source_ref"], "SXJ0002");
    assert_eq!(ticket["camera"]["id"], "SXJ0002");
    let device = camera(&h, "SXJ0002").await;
    assert_eq!(ticket["camera"]["name"], device["properties"]["name"]);
    assert!(
        ticket["camera"]["name"]
            .as_str()
            .is_some_and(|n| n.ends_with("号摄像机")),
        "{ticket}"
    );
    let at = device["geometry"]["coordinates"].clone();
    assert_eq!(
        (&ticket["lon"], &ticket["lat"]),
        (&at[0], &at[1]),
        "placed at its camera"
    );
    assert_eq!(picture_of(&h, ticket).await, sent);
    let card = h.json(&format!("/api/tickets/{}", ticket["id"])).await;
    assert_eq!(card["ticket"]["snapshot_url"], ticket["snapshot_url"]);

    // Without one: the gateway takes the camera's picture of the moment, and stops again.
    let (status, answer) = h.post("/api/tickets", &alert("SXJ0003", None)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let taken = picture_of(&h, &answer["ticket"]).await;
    assert!(
        taken.starts_with(&[0xFF, 0xD8]) && taken.len() > 1000,
        "a real picture"
    );
    no_ffmpeg_left().await;

    // A camera that does not answer: the alert still comes in, without a picture.
    let (status, answer) = h.post("/api/tickets", &alert("SXJ0037", None)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["ticket"]["snapshot_url"], Value::Null);
    let missing = h
        .get(&format!(
            "/api/tickets/{}/snapshot.jpg",
            answer["ticket"]["id"]
        ))
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let error: Value = missing.json().await.unwrap();
    assert_eq!(error["error"]["code"], "SNAPSHOT_NOT_FOUND");
    no_ffmpeg_left().await;
}

#[tokio::test]
async fn bad_alerts_are_refused_whole_and_store_nothing() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("refused.sqlite");
    let h = Harness::start(&path).await;
    let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0];
    let mut hotline_with_picture = alert("SXJ0002", Some(base64(&jpeg()).as_str()));
    hotline_with_picture["channel"] = json!("hotline");
    let mut two_problems = alert("SXJ9999", Some(base64(&jpeg()).as_str()));
    two_problems["category"] = json!("no_such_category");
    let cases = [
        (
            alert("SXJ9999", None),
            vec![("source_ref", "CAMERA_NOT_FOUND")],
        ),
        (
            alert("KK001", None),
            vec![("source_ref", "CAMERA_NOT_FOUND")],
        ),
        (alert(" ", None), vec![("source_ref", "CAMERA_REQUIRED")]),
        (
            alert("SXJ0002", Some("这不是图片")),
            vec![("snapshot_jpeg", "INVALID_SNAPSHOT")],
        ),
        (
            alert("SXJ0002", Some(base64(&png).as_str())),
            vec![("snapshot_jpeg", "SNAPSHOT_NOT_JPEG")],
        ),
        (
            alert(
                "SXJ0002",
                Some(base64(&vec![0xFF; 3 * 1024 * 1024]).as_str()),
            ),
            vec![("snapshot_jpeg", "SNAPSHOT_TOO_LARGE")],
        ),
        (
            hotline_with_picture,
            vec![("snapshot_jpeg", "SNAPSHOT_NOT_CAMERA")],
        ),
        (
            two_problems,
            vec![
                ("source_ref", "CAMERA_NOT_FOUND"),
                ("category", "UNKNOWN_CATEGORY"),
            ],
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = h.post("/api/tickets", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        let problems: Vec<(String, String)> = answer["error"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["field"].as_str().unwrap().to_owned(),
                    p["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for (field, code) in expected {
            assert!(
                problems.iter().any(|(f, c)| f == field && c == code),
                "{field} {code} in {problems:?}"
            );
        }
        let message = answer["error"]["message_zh"].as_str().unwrap();
        assert!(message.starts_with("工单未受理"), "{message}");
    }
    // A client cannot name a stored picture itself.
    let mut named = alert("SXJ0002", Some(base64(&jpeg()).as_str()));
    named["snapshot"] = json!("ab".repeat(32));
    let (status, answer) = h.post("/api/tickets", &named).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let url = answer["ticket"]["snapshot_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(h.get(&url).await.status(), StatusCode::OK);

    // Only that last alert left anything behind.
    assert_eq!(h.json("/api/tickets?scope=all").await["total"], 1);
    let mut db = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let (pictures,): (i64,) = sqlx::query_as("SELECT count(*) FROM camera_snapshots")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(pictures, 1);
    no_ffmpeg_left().await;
}
