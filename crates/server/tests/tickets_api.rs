//! The ticket desk over real HTTP with a real SQLite file: intake from every channel, routing,
//! duplicates, every step of the closed loop, refusals, drag-to-dispatch and the live stream.

mod common;

use std::time::Duration;

use binhe_api::tickets::{TicketList, TicketPoint};
use binhe_core::demo::{self, DEFAULT_SEED};
use binhe_core::geometry::LocalProjection;
use binhe_core::ticket::lifecycle::replay;
use binhe_core::{GridHierarchy, GridLevel};
use binhe_store::{SqliteStore, TicketFilter, TicketRepository, TicketScope};
use common::Harness;
use geo::{Coord, InteriorPoint};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn demo_grids() -> GridHierarchy {
    demo::generate(DEFAULT_SEED).hierarchy
}

/// A point inside the n-th micro-grid of the demo street, and that grid's code.
fn inside_micro(h: &GridHierarchy, n: usize) -> (f64, f64, String) {
    let grid = h.get(h.at_level(GridLevel::Micro).nth(n).unwrap());
    let p = grid.shape.interior_point().unwrap();
    (p.x(), p.y(), grid.code.to_string())
}

fn micro_of(h: &GridHierarchy, n: usize) -> String {
    inside_micro(h, n).2
}

/// The point `east` metres east of another.
fn east_of(lon: f64, lat: f64, east: f64) -> (f64, f64) {
    let projection = LocalProjection::new(Coord { x: lon, y: lat });
    let c = projection.to_lon_lat(Coord { x: east, y: 0.0 });
    (c.x, c.y)
}

fn order(external_id: &str, category: &str, lon: f64, lat: f64) -> Value {
    json!({
        "channel": "hotline", "external_id": external_id, "category": category,
        "description": "居民反映问题，请尽快处理", "lon": lon, "lat": lat,
        "reporter_name": "王先生", "reporter_phone": "138****1234",
    })
}

async fn create(h: &Harness, body: &Value) -> Value {
    let (status, answer) = h.post("/api/tickets", body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer
}

async fn act(h: &Harness, id: i64, body: Value) -> (StatusCode, Value) {
    h.post(&format!("/api/tickets/{id}/actions"), &body).await
}

/// Runs an action that must succeed and returns the ticket after it.
async fn step(h: &Harness, ticket: &Value, action: &str, extra: Value) -> Value {
    let mut body = json!({ "action": action, "version": ticket["version"] });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, answer) = act(h, ticket["id"].as_i64().unwrap(), body).await;
    assert_eq!(status, StatusCode::OK, "{action}: {answer}");
    answer["ticket"].clone()
}

#[tokio::test]
async fn hotline_order_lands_in_its_micro_grid_and_on_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let grids = demo_grids();
    let (lon, lat, micro) = inside_micro(&grids, 17);
    let answer = create(&h, &order("12345-A1", "井盖破损", lon, lat)).await;
    let t = &answer["ticket"];
    assert_eq!(t["state"], "reported");
    assert_eq!(t["state_zh"], "待受理");
    assert_eq!(t["category"], "manhole_cover");
    assert_eq!(t["routing"]["micro"]["code"], micro.as_str());
    assert_eq!(t["sla"], "on_time");
    assert!(answer["duplicate"].is_null());
    // Urgent safety: 2 hours from receipt.
    let received =
        chrono::DateTime::parse_from_rfc3339(t["received_at"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(t["due_at"].as_str().unwrap()).unwrap();
    assert_eq!((due - received).num_hours(), 2);

    let open = h.json("/api/tickets?scope=open").await;
    assert_eq!(open["total"], 1);
    assert_eq!(open["tickets"][0]["id"], t["id"]);
    let layer = h.json("/api/tickets.geojson").await;
    assert_eq!(layer["features"][0]["id"], t["id"]);
    assert_eq!(
        layer["features"][0]["properties"]["category_zh"],
        "井盖破损"
    );
}

#[tokio::test]
async fn the_same_upstream_order_is_taken_in_once() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let (lon, lat, _) = inside_micro(&demo_grids(), 3);
    let first = create(&h, &order("12345-SAME", "噪音扰民", lon, lat)).await;
    let (status, again) = h
        .post("/api/tickets", &order("12345-SAME", "噪音扰民", lon, lat))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["existing"], true);
    assert_eq!(again["ticket"]["id"], first["ticket"]["id"]);
    assert_eq!(h.json("/api/tickets?scope=all").await["total"], 1);
}

#[tokio::test]
async fn bad_requests_name_each_field_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let (status, answer) = h
        .post(
            "/api/tickets",
            &json!({ "channel": "hotline", "external_id": "X", "category": "火星来客",
                     "description": "", "lon": 500.0, "lat": 40.0 }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["code"], "INTAKE_REJECTED");
    let fields: Vec<&str> = answer["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["category", "description", "lon"]);
    assert!(
        answer["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("火星来客")
    );

    let (status, answer) = h.post("/api/tickets", &json!({ "lon": "east" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["field"], "body");
    assert_eq!(h.json("/api/tickets?scope=all").await["total"], 0);
    let (status, answer) = act(&h, 999, json!({ "action": "register", "version": 1 })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer["error"]["code"], "TICKET_NOT_FOUND");
    let bad_scope = h.get("/api/tickets?scope=mine").await;
    assert_eq!(bad_scope.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_second_report_close_by_merges_and_a_farther_one_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let (lon, lat, _) = inside_micro(&demo_grids(), 50);
    let first = create(&h, &order("12345-D1", "垃圾堆放", lon, lat)).await;
    let first_id = first["ticket"]["id"].as_i64().unwrap();

    let (near_lon, near_lat) = east_of(lon, lat, 8.0);
    let mut patrol = order("", "垃圾堆放", near_lon, near_lat);
    patrol["channel"] = json!("patrol");
    patrol["external_id"] = Value::Null;
    let merged = create(&h, &patrol).await;
    assert_eq!(merged["duplicate"]["of"], first_id);
    assert_eq!(merged["duplicate"]["merged"], true);
    assert_eq!(merged["ticket"]["state"], "merged");

    let (far_lon, far_lat) = east_of(lon, lat, 40.0);
    let flagged = create(&h, &order("12345-D3", "垃圾堆放", far_lon, far_lat)).await;
    assert_eq!(flagged["duplicate"]["merged"], false);
    assert_eq!(flagged["ticket"]["state"], "reported");
    assert_eq!(flagged["ticket"]["duplicate_flag"]["of"], first_id);
    assert_eq!(h.json("/api/tickets?scope=flagged").await["total"], 1);

    let card = h.json(&format!("/api/tickets/{first_id}")).await;
    assert_eq!(card["ticket"]["duplicates"], 1);
    assert_eq!(card["duplicates"][0]["id"], merged["ticket"]["id"]);

    // Every merge is reversible; a flag can be merged by hand or dismissed.
    let unmerged = step(&h, &merged["ticket"], "unmerge", json!({})).await;
    assert_eq!(unmerged["state"], "reported");
    assert!(unmerged["duplicate_of"].is_null());
    let by_hand = step(&h, &flagged["ticket"], "merge", json!({ "into": first_id })).await;
    assert_eq!(by_hand["duplicate_of"], first_id);
    assert_eq!(h.json("/api/tickets?scope=flagged").await["total"], 0);
    // A closed or merged ticket cannot take duplicates.
    let (status, refused) = act(
        &h,
        first_id,
        json!({ "action": "merge", "version": 1, "into": by_hand["id"] }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "INVALID_TARGET");
}

#[tokio::test]
async fn a_proactive_finding_neither_merges_into_a_call_nor_takes_calls_in() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let (lon, lat, _) = inside_micro(&demo_grids(), 50);
    let call = create(&h, &order("12345-P1", "垃圾堆放", lon, lat)).await;
    assert_eq!(call["ticket"]["state"], "reported");

    // Found on purpose where the call is: its own ticket, not a repeat.
    let (near_lon, near_lat) = east_of(lon, lat, 5.0);
    let mut finding = order("", "垃圾堆放", near_lon, near_lat);
    finding["channel"] = json!("proactive");
    finding["external_id"] = Value::Null;
    let found = create(&h, &finding).await;
    assert!(found["duplicate"].is_null(), "{found}");
    assert_eq!(found["ticket"]["state"], "reported");
    assert_eq!(found["ticket"]["channel_zh"], "主动发现");
    assert!(found["ticket"]["duplicate_flag"].is_null());

    // A later call beside both repeats the call, not the finding.
    let (next_lon, next_lat) = east_of(near_lon, near_lat, 2.0);
    let again = create(&h, &order("12345-P2", "垃圾堆放", next_lon, next_lat)).await;
    assert_eq!(again["duplicate"]["of"], call["ticket"]["id"], "{again}");
}

#[tokio::test]
async fn a_point_outside_the_street_waits_in_the_unrouted_queue_until_relocated() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let outside = create(&h, &order("12345-OUT", "路灯", 116.40, 39.90)).await;
    let t = &outside["ticket"];
    assert_eq!(t["routing"]["unrouted"]["code"], "outside_street");
    assert!(
        t["routing"]["unrouted"]["label_zh"]
            .as_str()
            .unwrap()
            .contains("不在")
    );
    let queue = h.json("/api/tickets?scope=unrouted").await;
    assert_eq!(queue["tickets"][0]["id"], t["id"]);

    let (lon, lat, micro) = inside_micro(&demo_grids(), 9);
    let moved = step(&h, t, "relocate", json!({ "lon": lon, "lat": lat })).await;
    assert_eq!(moved["routing"]["micro"]["code"], micro.as_str());
    assert_eq!(h.json("/api/tickets?scope=unrouted").await["total"], 0);
}

#[tokio::test]
async fn the_closed_loop_runs_end_to_end_with_a_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let grids = demo_grids();
    let (lon, lat, micro) = inside_micro(&grids, 120);
    let mut t = create(&h, &order("12345-LOOP", "楼顶漏雨", lon, lat)).await["ticket"].clone();
    t = step(&h, &t, "register", json!({ "note": "属实" })).await;
    t = step(&h, &t, "dispatch", json!({ "grid": micro })).await;
    assert_eq!(t["assignment"]["grid"], micro.as_str());
    assert!(
        t["assignment"]["worker_id"].is_string(),
        "the grid's worker is assigned"
    );
    assert_eq!(t["owner"]["grid"], micro.as_str());
    t = step(&h, &t, "contact", json!({})).await;
    t = step(&h, &t, "start", json!({})).await;
    t = step(
        &h,
        &t,
        "escalate",
        json!({ "level": "community", "reason": "需协调商户分摊" }),
    )
    .await;
    assert_eq!(t["escalated_to"], "community");
    assert_eq!(
        t["owner"]["grid"],
        micro.as_str(),
        "首接责任: owner unchanged"
    );
    t = step(
        &h,
        &t,
        "delegate",
        json!({ "grid": micro, "note": "交楼长跟进" }),
    )
    .await;
    assert_eq!(t["delegated"], true);
    t = step(&h, &t, "start", json!({})).await;
    let photo = h
        .upload(
            &format!("/api/tickets/{}/photos", t["id"]),
            common::pictures::png_photo(12, 9),
            "roof.png",
        )
        .await;
    assert_eq!(photo.status(), StatusCode::OK);
    let photo: Value = photo.json().await.unwrap();
    t = step(
        &h,
        &t,
        "feedback",
        json!({ "outcome": "solved", "note": "6户商户分摊维修", "photos": [photo["photo"]] }),
    )
    .await;
    t = step(&h, &t, "verify", json!({ "satisfaction": "satisfied" })).await;
    t = step(&h, &t, "close", json!({})).await;
    assert_eq!(t["state"], "closed");
    assert_eq!(t["sla"], "met");

    let card = h.json(&format!("/api/tickets/{}", t["id"])).await;
    let events = card["events"].as_array().unwrap();
    assert_eq!(events.len(), 11);
    assert_eq!(events[0]["type"], "received");
    assert!(
        events[2]["summary_zh"]
            .as_str()
            .unwrap()
            .starts_with("分派至")
    );
    assert_eq!(events[10]["to_zh"], "已结案");
    assert!(!card["responsible"].as_array().unwrap().is_empty());
    assert_eq!(card["nearest"].as_array().unwrap().len(), 5);
    let holder = t["assignment"]["worker_id"].clone();
    let responsible = card["responsible"].as_array().unwrap();
    let me = responsible.iter().find(|w| w["id"] == holder).unwrap();
    assert_eq!(
        me["open_tickets"], 0,
        "the closed ticket no longer weighs on its worker"
    );

    // Reopen on a dissatisfied call-back.
    let reopened = step(&h, &t, "reopen", json!({ "reason": "回访不满意" })).await;
    assert_eq!(reopened["state"], "registered");
    assert_eq!(reopened["owner"]["grid"], micro.as_str());
    let card = h.json(&format!("/api/tickets/{}", t["id"])).await;
    let me = card["responsible"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == holder)
        .unwrap()
        .clone();
    assert_eq!(
        me["open_tickets"], 1,
        "the reopened ticket is on its worker's desk again"
    );
}

#[tokio::test]
async fn illegal_and_stale_steps_are_refused_with_the_current_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let (lon, lat, _) = inside_micro(&demo_grids(), 5);
    let t = create(&h, &order("12345-ILL", "占道经营", lon, lat)).await["ticket"].clone();
    let id = t["id"].as_i64().unwrap();

    let (status, answer) = act(&h, id, json!({ "action": "close", "version": 1 })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["error"]["code"], "ILLEGAL_TRANSITION");
    assert_eq!(
        answer["error"]["message_zh"],
        "工单当前状态为“待受理”，不能结案"
    );
    assert_eq!(answer["error"]["ticket"]["version"], 1);

    let t = step(&h, &t, "register", json!({})).await;
    let (status, answer) = act(
        &h,
        id,
        json!({ "action": "cancel", "version": 1, "reason": "重复" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["error"]["code"], "STALE_VERSION");
    assert_eq!(answer["error"]["ticket"]["state"], "registered");

    let (status, answer) = act(
        &h,
        id,
        json!({ "action": "cancel", "version": 2, "reason": " " }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["code"], "REQUIRED");
    let (status, answer) = act(
        &h,
        id,
        json!({ "action": "dispatch", "version": 2, "grid": "110117001999999" }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer["error"]["code"], "GRID_NOT_FOUND");
    let (status, answer) = act(&h, id, json!({ "action": "teleport", "version": 2 })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["field"], "action");
    let (status, _) = act(
        &h,
        id,
        json!({ "action": "dispatch", "grid": "110117001001001" }),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a missing version is refused"
    );

    let card = h.json(&format!("/api/tickets/{id}")).await;
    assert_eq!(
        card["ticket"]["version"], t["version"],
        "refusals stored nothing"
    );
    assert_eq!(card["events"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn drop_onto_a_micro_grid_dispatches_to_its_worker_and_undo_takes_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let grids = demo_grids();
    let (lon, lat, _) = inside_micro(&grids, 30);
    let (drop_lon, drop_lat, target) = inside_micro(&grids, 200);
    let t = create(&h, &order("12345-DRAG", "违章停车", lon, lat)).await["ticket"].clone();
    let id = t["id"].as_i64().unwrap();

    let (status, answer) = h
        .post(
            &format!("/api/tickets/{id}/drop"),
            &json!({ "grid": target, "lon": drop_lon, "lat": drop_lat, "version": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let dropped = &answer["ticket"];
    assert_eq!(dropped["state"], "dispatched");
    assert_eq!(dropped["assignment"]["grid"], target.as_str());
    let card = h.json(&format!("/api/grids/{target}")).await;
    assert_eq!(dropped["assignment"]["worker_id"], card["workers"][0]["id"]);
    assert_eq!(
        answer["events"].as_array().unwrap().len(),
        2,
        "registered + dispatched"
    );
    assert!(answer["undo_until"].is_string());

    let undone = step(&h, dropped, "undo_dispatch", json!({})).await;
    assert_eq!(undone["state"], "registered");
    assert!(undone["assignment"].is_null() && undone["owner"].is_null());

    // Outside every grid, and a point that lies in another grid than the highlighted one.
    let (status, answer) = h
        .post(
            &format!("/api/tickets/{id}/drop"),
            &json!({ "grid": target, "lon": 116.4, "lat": 39.9, "version": undone["version"] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["code"], "DROP_OUTSIDE_GRID");
    let (status, answer) = h
        .post(
            &format!("/api/tickets/{id}/drop"),
            &json!({ "grid": target, "lon": lon, "lat": lat, "version": undone["version"] }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["error"]["code"], "DROP_MISMATCH");
    let (status, answer) = h
        .post(
            &format!("/api/tickets/{id}/drop"),
            &json!({ "grid": null, "lon": 116.4, "lat": 39.9, "version": undone["version"] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["code"], "DROP_OUTSIDE_GRID");
    let after = h.json(&format!("/api/tickets/{id}")).await;
    assert_eq!(
        after["ticket"]["state"], "registered",
        "refused drops changed nothing"
    );

    // Nothing highlighted but the point lies in a micro-grid: that grid takes it.
    let (status, answer) = h
        .post(
            &format!("/api/tickets/{id}/drop"),
            &json!({ "lon": drop_lon, "lat": drop_lat, "version": undone["version"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["ticket"]["assignment"]["grid"], target.as_str());
    let (status, answer) = act(
        &h,
        id,
        json!({ "action": "dispatch", "version": answer["ticket"]["version"], "grid": micro_of(&grids, 31) }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(
        answer["undo_until"].is_string(),
        "a re-dispatch can be undone too"
    );
}

/// Reads SSE `id:` lines from a live stream until `count` events have arrived.
async fn read_events(h: &Harness, last_event_id: Option<i64>, count: usize) -> Vec<Value> {
    let mut request = h.request(Method::GET, "/api/stream");
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id.to_string());
    }
    let mut response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut text = String::new();
    let mut events = Vec::new();
    while events.len() < count {
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("events arrive")
            .unwrap()
            .expect("stream stays open");
        text.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) {
                events.push(serde_json::from_str(data).unwrap());
            }
        }
    }
    events
}

#[tokio::test]
async fn a_reconnecting_client_gets_exactly_the_events_it_missed() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let grids = demo_grids();
    for n in 0..3 {
        let (lon, lat, _) = inside_micro(&grids, n * 40);
        create(&h, &order(&format!("12345-S{n}"), "路灯", lon, lat)).await;
    }
    // Missed everything after event 1: receives events 2 and 3 from the log, in order.
    let replayed = read_events(&h, Some(1), 2).await;
    let ids: Vec<i64> = replayed
        .iter()
        .map(|e| e["event_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [2, 3]);
    assert_eq!(replayed[0]["type"], "received");

    // A live client sees a new step as it happens.
    let listener = tokio::spawn({
        let client = h.client.clone();
        let url = h.url("/api/stream");
        let secret = h.server.secret().to_owned();
        async move {
            let mut response = client.get(url).bearer_auth(secret).send().await.unwrap();
            let mut text = String::new();
            while !text.contains("\"registered\"") {
                let chunk = response.chunk().await.unwrap().unwrap();
                text.push_str(std::str::from_utf8(&chunk).unwrap());
            }
            text
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let first = h.json("/api/tickets/1").await["ticket"].clone();
    step(&h, &first, "register", json!({})).await;
    let text = tokio::time::timeout(Duration::from_secs(10), listener)
        .await
        .unwrap()
        .unwrap();
    assert!(text.contains("id: 4"), "{text}");
}

#[tokio::test]
async fn a_list_counts_every_tab_beyond_its_limit_and_says_what_event_it_is_as_of() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let grids = demo_grids();
    for n in 0..3 {
        let (lon, lat, _) = inside_micro(&grids, n * 50);
        create(&h, &order(&format!("12345-Q{n}"), "路灯", lon, lat)).await;
    }
    create(&h, &order("12345-QOUT", "路灯", 116.40, 39.90)).await;
    let (lon, lat, target) = inside_micro(&grids, 200);
    let (status, answer) = h
        .post(
            "/api/tickets/1/drop",
            &json!({ "grid": target, "lon": lon, "lat": lat, "version": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");

    // One row asked for; the tabs count all four open tickets.
    let list = h.json("/api/tickets?scope=open&limit=1").await;
    assert_eq!(list["tickets"].as_array().unwrap().len(), 1);
    assert_eq!(list["total"], 4);
    assert_eq!(
        list["counts"],
        json!({ "open": 4, "new": 2, "in_progress": 1, "deadline": 0, "unrouted": 1, "flagged": 0 })
    );
    // Four receipts, then registered and dispatched: the list is as of event 6, and a stream
    // opened after it tells the next change first.
    assert_eq!(list["as_of"], 6);
    let second = h.json("/api/tickets/2").await["ticket"].clone();
    step(&h, &second, "register", json!({})).await;
    let mut response = h
        .request(Method::GET, "/api/stream?after=6")
        .send()
        .await
        .unwrap();
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("the missed event arrives")
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(text.starts_with("event: ticket\nid: 7\n"), "{text}");
    assert!(text.contains("\"ticket_id\":2"), "{text}");

    // Catching up on what the stream named: those tickets as they are now, counts alongside.
    let named = h.json("/api/tickets?ids=2,1,99").await;
    let states: Vec<(i64, &str)> = named["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_i64().unwrap(), t["state"].as_str().unwrap()))
        .collect();
    assert_eq!(states, [(2, "registered"), (1, "dispatched")]);
    assert_eq!(named["counts"]["new"], 2);
    assert_eq!(named["as_of"], 7);
    // What a terminal draws from them is what the map layer holds for each.
    let views: TicketList =
        serde_json::from_value(h.json("/api/tickets?scope=open").await).unwrap();
    let mut drawn: Vec<Value> = views
        .tickets
        .iter()
        .filter_map(TicketPoint::of)
        .map(|f| serde_json::to_value(f).unwrap())
        .collect();
    let mut layer = h.json("/api/tickets.geojson").await["features"]
        .as_array()
        .unwrap()
        .clone();
    let by_id = |f: &Value| f["id"].as_i64().unwrap();
    drawn.sort_by_key(by_id);
    layer.sort_by_key(by_id);
    assert_eq!(drawn.len(), 4);
    assert_eq!(drawn, layer);
    for bad in [
        "",
        "1,x",
        "0",
        &(1..=101)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(","),
    ] {
        let response = h
            .request(Method::GET, &format!("/api/tickets?ids={bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "ids={bad}");
        let body: Value = response.json().await.unwrap();
        assert!(body.to_string().contains("ids"), "{body}");
    }
}

#[tokio::test]
async fn every_stored_ticket_equals_the_replay_of_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let h = Harness::start(&path).await;
    let grids = demo_grids();
    for n in 0..12 {
        let (lon, lat, micro) = inside_micro(&grids, n * 25);
        let t = create(&h, &order(&format!("12345-R{n}"), "道路破损", lon, lat)).await["ticket"]
            .clone();
        let mut t = step(&h, &t, "register", json!({})).await;
        if n % 2 == 0 {
            t = step(&h, &t, "dispatch", json!({ "grid": micro })).await;
        }
        if n % 3 == 0 && n % 2 == 0 {
            t = step(&h, &t, "start", json!({})).await;
            step(
                &h,
                &t,
                "feedback",
                json!({ "outcome": "unsolved", "note": "需区里协调" }),
            )
            .await;
        }
    }
    h.server.shutdown().await;
    let store = SqliteStore::open(&path).await.unwrap();
    let (tickets, total) = store
        .list(&TicketFilter {
            scope: TicketScope::All,
            category: None,
            received_from: None,
            received_until: None,
            limit: 100,
            ..TicketFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 12);
    for listed in tickets {
        let events: Vec<_> = store
            .events(listed.ticket.id)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.event)
            .collect();
        assert_eq!(replay(listed.ticket.id, &events).unwrap(), listed.ticket);
    }
}

#[tokio::test]
async fn sla_table_and_catalogue_are_configurable_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let mut table = h.json("/api/sla").await;
    for rule in table["rules"].as_array_mut().unwrap() {
        if rule["class"] == "ordinary" && rule["urgency"] == "normal" {
            rule["resolve_hours"] = json!(48.0);
        }
    }
    let put = |path: &str, body: &Value| h.request(Method::PUT, path).json(body).send();
    assert_eq!(
        put("/api/sla", &table).await.unwrap().status(),
        StatusCode::OK
    );
    let (lon, lat, _) = inside_micro(&demo_grids(), 60);
    let t = create(&h, &order("12345-SLA", "噪音扰民", lon, lat)).await["ticket"].clone();
    let received =
        chrono::DateTime::parse_from_rfc3339(t["received_at"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(t["due_at"].as_str().unwrap()).unwrap();
    assert_eq!(
        (due - received).num_hours(),
        48,
        "new tickets use the new table"
    );

    table["rules"].as_array_mut().unwrap().pop();
    let refused = put("/api/sla", &table).await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("复杂疑难")
    );
    assert_eq!(
        h.json("/api/sla").await["rules"].as_array().unwrap().len(),
        8,
        "old table kept"
    );

    let mut categories = h.json("/api/catalogue").await["categories"].clone();
    categories.as_array_mut().unwrap().push(json!({
        "code": "billboard", "name_zh": "广告牌松动", "name_en": "Loose billboard",
        "sla_class": "urgent_safety", "dedupe": { "radius_m": 30.0, "window_hours": 12.0 }
    }));
    assert_eq!(
        put("/api/catalogue", &categories).await.unwrap().status(),
        StatusCode::OK
    );
    let t = create(&h, &order("12345-NEW", "广告牌松动", lon, lat)).await;
    assert_eq!(t["ticket"]["category"], "billboard");
    let repeated = categories[0].clone();
    categories.as_array_mut().unwrap().push(repeated);
    assert_eq!(
        put("/api/catalogue", &categories).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn injection_attempts_in_every_text_field_are_stored_verbatim_and_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let (lon, lat, _) = inside_micro(&demo_grids(), 70);
    let attack = "x'); DROP TABLE tickets; -- <script>alert(1)</script> \" OR 1=1";
    let mut body = order(attack, "噪音扰民", lon, lat);
    body["description"] = json!(attack);
    body["reporter_name"] = json!(attack);
    body["address"] = json!(attack);
    body["source_ref"] = json!(attack);
    let t = create(&h, &body).await["ticket"].clone();
    let t = step(&h, &t, "register", json!({ "note": attack })).await;
    let t = step(&h, &t, "cancel", json!({ "reason": attack })).await;
    let card = h.json(&format!("/api/tickets/{}", t["id"])).await;
    for field in [
        "external_id",
        "description",
        "reporter_name",
        "address",
        "source_ref",
        "cancel_reason",
    ] {
        assert_eq!(card["ticket"][field], attack, "{field}");
    }
    assert_eq!(card["events"][1]["change"]["note"], attack);
    // Searches and filters take such text as text too.
    let search = h
        .get("/api/grids/search?q=%27%3B%20DROP%20TABLE%20grids%3B%20--")
        .await;
    assert_eq!(search.status(), StatusCode::OK);
    let bad = h.get("/api/tickets?community=1%27%20OR%201%3D1").await;
    assert_eq!(bad.status(), StatusCode::NOT_FOUND);
    assert_eq!(h.json("/api/tickets?scope=all").await["total"], 1);
    assert_eq!(h.json("/api/summary").await["micro_grids"], 312);
}
