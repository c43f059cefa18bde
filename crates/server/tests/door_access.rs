//! Door-access events: recorded per unit, read newest first and from a last id on, refused
//! with the field named when wrong, and cut to a commander's community; the alarms of every
//! unit in reach, as the desk's alerts read them.

mod common;

use binhe_server::Database;
use common::Harness;
use common::center::{Terminal, make_accounts};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The street's door-access units: (id, community).
async fn units(terminal: &Terminal) -> Vec<(String, String)> {
    terminal.json("/api/devices.geojson").await["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .filter(|p| p["kind"] == "door_access")
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["community"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The ids in `answer[list]`, each at `id` (a JSON pointer) in its entry.
fn ids_in(answer: &Value, list: &str, id: &str) -> Vec<i64> {
    answer[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.pointer(id).and_then(Value::as_i64).unwrap())
        .collect()
}

fn ids(answer: &Value) -> Vec<i64> {
    ids_in(answer, "events", "/id")
}

#[tokio::test]
async fn door_events_are_kept_per_unit_and_read_as_a_feed() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("doors.sqlite"));
    let cast = make_accounts(&database).await;
    let center = Harness::center(database).await;
    let disp = Terminal::login(&center.base(), "disp").await;
    let cmdr = Terminal::login(&center.base(), "cmdr").await;
    let admin = Terminal::login(&center.base(), "admin").await;
    let wkr = Terminal::login(&center.base(), "wkr").await;
    let all = units(&disp).await;
    assert_eq!(all.len(), 72);
    let (unit, _) = &all[0];
    let (other, _) = &all[1];

    let report = |unit: &str, kind: &str, at: Option<&str>| json!({ "unit": unit, "kind": kind, "at": at, "detail": "2 号门" });
    let (status, first) = disp
        .post(
            "/api/door-access/events",
            report(unit, "held_open", Some("2026-11-28T20:01:00+08:00")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["event"]["kind_zh"], "门长时间未关");
    assert_eq!(first["event"]["at"], "2026-11-28T12:01:00Z", "kept in UTC");
    let (status, _) = admin
        .post("/api/door-access/events", report(other, "forced", None))
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the integration account may report"
    );
    let (status, last) = disp
        .post("/api/door-access/events", report(unit, "restored", None))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let feed = disp.json(&format!("/api/door-access/{unit}/events")).await;
    assert_eq!(
        ids(&feed),
        [
            last["event"]["id"].as_i64().unwrap(),
            first["event"]["id"].as_i64().unwrap()
        ],
        "newest first, this unit's only"
    );
    assert_eq!(feed["events"][0]["kind"], "restored");
    assert_eq!(feed["events"][1]["detail"], "2 号门");
    let newer = disp
        .json(&format!(
            "/api/door-access/{unit}/events?after={}",
            first["event"]["id"]
        ))
        .await;
    assert_eq!(ids(&newer), [last["event"]["id"].as_i64().unwrap()]);

    // Wrong reports name what is wrong and store nothing.
    let refusals = [
        (
            report(unit, "opened", None),
            StatusCode::BAD_REQUEST,
            "kind",
        ),
        (
            report(unit, "forced", Some("昨天晚上")),
            StatusCode::BAD_REQUEST,
            "at",
        ),
        (
            report(unit, "forced", Some("2099-01-01T00:00:00Z")),
            StatusCode::BAD_REQUEST,
            "at",
        ),
        (
            json!({ "unit": unit, "kind": "forced", "detail": "门".repeat(201) }),
            StatusCode::BAD_REQUEST,
            "detail",
        ),
        (json!({ "kind": "forced" }), StatusCode::BAD_REQUEST, "body"),
    ];
    for (body, status, field) in refusals {
        let (got, answer) = disp.post("/api/door-access/events", body).await;
        assert_eq!(got, status, "{answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
        assert!(!answer["error"]["message_zh"].as_str().unwrap().is_empty());
    }
    let (status, answer) = disp
        .post("/api/door-access/events", report("SXJ0001", "forced", None))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a camera is no door unit");
    assert_eq!(answer["error"]["code"], "DEVICE_NOT_FOUND");
    assert_eq!(
        disp.json(&format!("/api/door-access/{unit}/events")).await["events"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Grid workers and commanders read, they do not report; a commander reads their own
    // community's units only: another's is answered as one that does not exist.
    let (status, _) = wkr
        .post("/api/door-access/events", report(unit, "forced", None))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let own = all.iter().find(|(_, c)| *c == cast.community);
    let foreign = all.iter().find(|(_, c)| *c != cast.community).unwrap();
    if let Some((own, _)) = own {
        let (status, _) = cmdr.get(&format!("/api/door-access/{own}/events")).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, answer) = cmdr
        .get(&format!("/api/door-access/{}/events", foreign.0))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer["error"]["code"], "DEVICE_NOT_FOUND");
}

fn alarm_ids(answer: &Value) -> Vec<i64> {
    ids_in(answer, "alarms", "/event/id")
}

#[tokio::test]
async fn the_desk_reads_the_door_alarms_in_its_reach() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("alarms.sqlite"));
    let cast = make_accounts(&database).await;
    let center = Harness::center(database).await;
    let disp = Terminal::login(&center.base(), "disp").await;
    let cmdr = Terminal::login(&center.base(), "cmdr").await;
    let all = units(&disp).await;
    let own = &all.iter().find(|(_, c)| *c == cast.community).unwrap().0;
    let foreign = &all.iter().find(|(_, c)| *c != cast.community).unwrap().0;
    let mut ids = Vec::new();
    for (unit, kind) in [
        (own, "forced"),
        (foreign, "held_open"),
        (own, "restored"),
        (own, "held_open"),
    ] {
        let (status, answer) = disp
            .post(
                "/api/door-access/events",
                json!({ "unit": unit, "kind": kind }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        ids.push(answer["event"]["id"].as_i64().unwrap());
    }

    let street = disp.json("/api/door-access/alarms").await;
    assert_eq!(
        alarm_ids(&street),
        [ids[3], ids[1], ids[0]],
        "alarms only, newest first"
    );
    assert_eq!(street["alarms"][0]["unit"]["id"], own.as_str());
    assert!(
        !street["alarms"][0]["unit"]["name"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    assert_eq!(street["alarms"][0]["event"]["kind_zh"], "门长时间未关");
    assert_eq!(
        alarm_ids(
            &disp
                .json(&format!("/api/door-access/alarms?after={}", ids[1]))
                .await
        ),
        [ids[3]],
        "from a last id on"
    );
    assert_eq!(
        alarm_ids(&disp.json("/api/door-access/alarms?limit=1").await),
        [ids[3]]
    );
    // A commander hears their own community's doors only.
    assert_eq!(
        alarm_ids(&cmdr.json("/api/door-access/alarms").await),
        [ids[3], ids[0]]
    );
    let (status, answer) = disp.get("/api/door-access/alarms?after=soon").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["error"]["code"].is_string());
}
