//! Replay over HTTP (issue 17): any stretch of the street read back from the event log — the
//! tickets open when it begins as they stood then, and every event after in log order — which
//! the UI's `Playback` turns into the street at any moment, forwards and back; a commander
//! replays their own community only; bad windows are named.

mod common;

use std::time::Duration;

use binhe_api::replay::Replay;
use binhe_core::ticket::TicketState;
use binhe_core::ticket::replay::{Playback, Scene};
use binhe_server::Database;
use chrono::{SecondsFormat, Utc};
use common::Harness;
use common::center::{Terminal, make_accounts, point_in, request_at};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn stamp() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A pause long enough for the clock to move past the log's millisecond precision.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(15)).await;
}

async fn step(t: &Terminal, ticket: &Value, body: Value) -> Value {
    let mut body = body;
    body["version"] = ticket["version"].clone();
    let (status, answer) = t
        .call(
            Method::POST,
            &format!("/api/tickets/{}/actions", ticket["id"]),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["ticket"].clone()
}

async fn create(t: &Terminal, body: Value) -> Value {
    let (status, answer) = t.post("/api/tickets", body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer["ticket"].clone()
}

async fn replay(t: &Terminal, from: &str, until: &str) -> Replay {
    let body = t
        .json(&format!("/api/replay?from={from}&until={until}"))
        .await;
    serde_json::from_value(body).unwrap()
}

#[tokio::test]
async fn any_stretch_of_the_log_replays_as_the_street_stood() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("street.sqlite"));
    let cast = make_accounts(&database).await;
    let center = Harness::center(database).await;
    let base = center.base();
    let disp = Terminal::login(&base, "disp").await;
    let cmdr = Terminal::login(&base, "cmdr").await;
    let (lon, lat, micro) = point_in(&disp, &cast.community, 0).await;
    let (olon, olat, _) = point_in(&disp, &cast.other_community, 0).await;

    let t0 = stamp();
    tick().await;
    let a = create(&disp, request_at(lon, lat, "楼道堆物")).await;
    let a = step(&disp, &a, json!({ "action": "register" })).await;
    tick().await;
    let t1 = stamp();
    tick().await;
    step(&disp, &a, json!({ "action": "dispatch", "grid": micro })).await;
    create(&disp, request_at(olon, olat, "路灯不亮")).await;
    tick().await;
    let t2 = stamp();

    // The whole stretch: nothing open before, every event after in log order.
    let whole = replay(&disp, &t0, &t2).await;
    assert!(whole.start.is_empty());
    let kinds: Vec<&str> = whole.steps.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, ["received", "registered", "dispatched", "received"]);
    assert!(whole.steps.windows(2).all(|w| w[0].event < w[1].event));
    assert_eq!(
        whole.steps[2].grid.as_ref().map(ToString::to_string),
        Some(micro.clone())
    );
    assert!(!whole.truncated);

    // From the middle: the first ticket as it stood then (registered), then what came after.
    let middle = replay(&disp, &t1, &t2).await;
    assert_eq!(middle.start.len(), 1);
    assert_eq!(middle.start[0].id, a["id"].as_i64().unwrap());
    assert_eq!(middle.start[0].state, TicketState::Registered);
    assert_eq!(middle.steps.len(), 2);

    // Played to the end, the street is as it is now; back to the middle, as it was.
    let scene = Scene {
        tickets: middle.start.iter().map(|t| (t.id, t.clone())).collect(),
    };
    let end = whole.steps.last().unwrap().at;
    let mut playback = Playback::new(scene, middle.steps.clone());
    assert_eq!(playback.seek(end), 0..2);
    assert_eq!(playback.scene().open().count(), 2);
    assert_eq!(
        playback.scene().tickets[&a["id"].as_i64().unwrap()].state,
        TicketState::Dispatched
    );
    playback.seek(middle.from);
    assert_eq!(playback.scene().open().count(), 1);

    // A commander replays their own community only.
    let own = replay(&cmdr, &t0, &t2).await;
    assert_eq!(own.steps.len(), 3, "{:?}", own.steps);
    assert!(
        own.steps
            .iter()
            .all(|s| s.ticket == a["id"].as_i64().unwrap())
    );
    // In Beijing time as a person writes it.
    let beijing = (Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let day_before = (Utc::now() + chrono::Duration::hours(8) - chrono::Duration::days(1))
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let (status, body) = disp
        .get(&format!("/api/replay?from={day_before}&until={beijing}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Bad windows are named.
    for (query, code, field) in [
        ("from=昨天&until=2026-12-03", "INVALID_TIME", "from"),
        (
            &format!("from={t2}&until={t0}") as &str,
            "REPLAY_WINDOW",
            "until",
        ),
        (
            "from=2026-11-01 00:00&until=2026-11-09 00:00",
            "REPLAY_WINDOW",
            "until",
        ),
    ] {
        let (status, body) = disp.get(&format!("/api/replay?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["code"], code, "{query}");
        assert_eq!(body["error"]["field"], field, "{query}");
    }
    // A grid worker replays nothing.
    let wkr = Terminal::login(&base, "wkr").await;
    let (status, _) = wkr.get(&format!("/api/replay?from={t0}&until={t2}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
