//! Demo mode: a new demo database gets a played history, live requests keep arriving through
//! the real intake, and simulated workers answer a dispatch.

mod common;

use std::time::Duration;

use binhe_server::{Database, FeedSettings};
use common::Harness;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn demo_street_has_history_live_requests_and_workers_that_answer() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start_with(Database::Sqlite(dir.path().join("demo.sqlite")), |config| {
        config.demo_feed = Some(FeedSettings {
            rate_per_minute: 600.0,
            history_days: 3,
            history_per_day: 30,
            worker_delay: Duration::from_millis(300),
            ..FeedSettings::default()
        });
    })
    .await;

    let all = h.json("/api/tickets?scope=all&limit=5000").await;
    let history = all["total"].as_u64().unwrap();
    assert!(history >= 60, "three days of history, got {history}");
    let states: std::collections::HashSet<&str> = all["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert!(states.contains("closed"), "no closed ticket in {states:?}");
    assert!(
        states
            .iter()
            .any(|s| !["closed", "cancelled", "merged"].contains(s)),
        "no ticket still open in {states:?}"
    );

    // The seed's 承平园 sewage backflow rises at the end of the history (what 未诉先办 finds).
    let episode = all["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["category"] == "sewage_backflow"
                && t["routing"]["micro"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("承平园小区"))
        })
        .count();
    assert!(
        episode >= 24,
        "承平园's sewage backflow: {episode} requests"
    );

    // 包户 and 民情日记: most units have a worker; each part-time worker wrote a round down, and
    // 承平园's workers noted the sewage smell before the calls began.
    let wards = h.json("/api/wards").await;
    let assigned = wards["units"].as_u64().unwrap() - wards["unassigned"].as_u64().unwrap();
    assert!(
        assigned * 2 > wards["units"].as_u64().unwrap(),
        "{assigned} units with a worker"
    );
    let diary = h.json("/api/diary?limit=500").await;
    assert!(
        diary["total"].as_u64().unwrap() >= 300,
        "{}",
        diary["total"]
    );
    let first_call = all["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["category"] == "sewage_backflow")
        .filter_map(|t| t["received_at"].as_str())
        .min()
        .unwrap()
        .to_owned();
    let noted: Vec<&Value> = diary["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["category"] == "sewage_backflow")
        .collect();
    assert!(!noted.is_empty(), "承平园's early note");
    for e in noted {
        assert!(
            e["micro"]["name"]
                .as_str()
                .unwrap()
                .starts_with("承平园小区"),
            "{e}"
        );
        assert!(
            e["visited_at"].as_str().unwrap() < first_call.as_str(),
            "{e}"
        );
    }

    // The seed's three cases of the three circles, each about a ticket: 渔阳大厦's roof shared
    // equally by six merchants and 建西's roads by the units' agreed amounts, both solved and
    // their tickets closed; 承平园's sewage standard by floor area, under way.
    let meetings = h.json("/api/deliberations").await;
    assert_eq!(
        (meetings["total"].as_u64(), meetings["solved"].as_u64()),
        (Some(3), Some(2)),
        "{meetings}"
    );
    for m in meetings["deliberations"].as_array().unwrap() {
        let sharing = &m["sharing"];
        let shares = sharing["shares"].as_array().unwrap();
        let sum: i64 = shares
            .iter()
            .map(|s| s["amount_fen"].as_i64().unwrap())
            .sum();
        assert_eq!(sum, sharing["total_fen"].as_i64().unwrap(), "{m}");
        let ticket = h.json(&format!("/api/tickets/{}", m["ticket"])).await;
        let solved = m["solved_at"].is_string();
        assert_eq!(ticket["ticket"]["state"] == "closed", solved, "{ticket}");
        match sharing["rule"].as_str().unwrap() {
            "equal" => {
                assert!(m["topic"].as_str().unwrap().contains("渔阳大厦"));
                assert_eq!(shares.len(), 6);
                assert!(shares.iter().all(|s| s["amount_fen"] == 500_000));
            }
            "agreed" => assert!(m["topic"].as_str().unwrap().contains("六个点")),
            rule => {
                assert_eq!(rule, "by_area");
                assert!(!solved);
                assert_eq!(sharing["paid"], 2);
            }
        }
    }

    // Camera alerts name the camera nearest their place.
    let alerts: Vec<&Value> = all["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["channel"] == "camera")
        .collect();
    assert!(!alerts.is_empty(), "camera alerts in the history");
    for alert in &alerts {
        let camera = alert["camera"]["id"].as_str().expect("a camera named");
        assert!(camera.starts_with("SXJ"), "{alert}");
        assert_eq!(alert["source_ref"], camera);
    }

    let status = h.json("/api/demo/feed").await;
    assert_eq!(status["available"], true);
    assert_eq!(status["running"], true);
    // 600 a minute: the first live request comes within a tick; waited for generously, since a
    // loaded machine may hold the first write back.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let status = h.json("/api/demo/feed").await;
        if status["generated"].as_u64().unwrap() >= 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no live request in 30 s at 600 a minute: {status}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A live camera alert comes with its camera's picture of the moment.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let picture = loop {
        let all = h.json("/api/tickets?scope=all&limit=5000").await;
        let with_picture = all["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|t| t["snapshot_url"].as_str().map(str::to_owned));
        if let Some(url) = with_picture {
            break url;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no live camera alert with a picture within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let jpeg = h.get(&picture).await.bytes().await.unwrap();
    assert!(jpeg.starts_with(&[0xFF, 0xD8]) && jpeg.len() > 1000);

    let (code, refused) = h
        .post("/api/demo/feed", &json!({ "rate_per_minute": 0.0 }))
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error"]["field"], "rate_per_minute");

    // A dispatch is picked up and reported back by the simulated worker.
    let open = h
        .json("/api/tickets?scope=open&state=reported&limit=50")
        .await;
    let ticket = open["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["routing"]["micro"].is_object())
        .expect("a routed new ticket")
        .clone();
    let id = ticket["id"].as_i64().unwrap();
    let micro = ticket["routing"]["micro"]["code"].as_str().unwrap();
    let (code, registered) = h
        .post(
            &format!("/api/tickets/{id}/actions"),
            &json!({ "action": "register", "version": ticket["version"] }),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{registered}");
    let (code, dispatched) = h
        .post(
            &format!("/api/tickets/{id}/actions"),
            &json!({ "action": "dispatch", "version": registered["ticket"]["version"], "grid": micro }),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{dispatched}");
    // The worker leaves the order alone while the dispatcher may still take it back (30 s and a
    // second), however short their own delay, and then picks it up and reports it solved.
    let undo_until: chrono::DateTime<chrono::Utc> = dispatched["undo_until"]
        .as_str()
        .expect("a dispatch can be undone")
        .parse()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
    loop {
        let card = h.json(&format!("/api/tickets/{id}")).await;
        let state = card["ticket"]["state"].as_str().unwrap().to_owned();
        if chrono::Utc::now() < undo_until {
            assert_eq!(
                state, "dispatched",
                "the worker acted inside the undo window"
            );
        }
        if state == "fed_back" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "worker never reported: {state}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (code, paused) = h.post("/api/demo/feed", &json!({ "running": false })).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(paused["running"], false);
    h.server.shutdown().await;
}
