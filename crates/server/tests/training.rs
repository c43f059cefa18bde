//! A training run over HTTP (issue 17): a training server plays a scenario on its own database
//! (refused on a live one), the trainer starts it at 1000×, pauses, resumes and injects an
//! incident, the trainees — a dispatcher and a commander with their own accounts — handle the
//! scripted requests, a simulated worker off duty picks an order up only once back, the run
//! ends at the shift's end, and the debrief scores each trainee from the event log; a restarted
//! training server shows the same debrief.

mod common;

use std::time::Duration;

use binhe_core::GridLevel;
use binhe_server::training::TrainingSetup;
use binhe_server::{Database, Mode, open_state};
use common::Harness;
use common::center::{Terminal, make_accounts};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The test's street: the first community, three of its micro-grids and the worker of the first.
struct Places {
    community: String,
    micro: [String; 3],
    worker: String,
}

async fn places(database: &Database) -> Places {
    let state = open_state(database, Mode::Center).await.unwrap();
    let view = state.view();
    let h = view.hierarchy();
    let community = h.at_level(GridLevel::Community).next().unwrap();
    let micro: Vec<_> = h
        .children_of(community)
        .iter()
        .copied()
        .filter(|&m| !view.responsible_workers(m).is_empty())
        .take(3)
        .collect();
    let worker = view.responsible_workers(micro[0])[0].id.clone();
    let code = |i| h.get(i).code.to_string();
    Places {
        community: code(community),
        micro: [code(micro[0]), code(micro[1]), code(micro[2])],
        worker,
    }
}

/// A one-hour shift: background garbage, an incident at 08:10, three scripted requests, and
/// the first micro-grid's worker off duty until 08:30.
fn scenario(p: &Places) -> String {
    format!(
        r#"title = "测试演练"
description = "一小时的测试班次"
start = "08:00"
hours = 1
seed = 7

[[background]]
from = "08:00"
to = "09:00"
category = "garbage"
per_hour = 12

[[incidents]]
name = "管道爆裂"
at = "08:10"
minutes = 10
micro = ["{m1}"]
category = "sewage_backflow"
requests = 4
channel = "hotline"
description = "楼下管道爆裂停水"

[[off_duty]]
worker = "{worker}"
from = "08:00"
to = "08:30"

[[requests]]
at = "08:05"
channel = "hotline"
category = "garbage"
description = "单元门口垃圾堆积三天无人清运"
micro = "{m0}"
expect = {{ grid = "{m0}", dispatch_within = 10 }}

[[requests]]
at = "08:06"
channel = "patrol"
category = "illegal_parking"
description = "消防通道被私家车占用"
micro = "{m1}"
expect = {{ grid = "{m1}", dispatch_within = 15 }}

[[requests]]
at = "08:07"
channel = "hotline"
category = "noise"
description = "装修噪声扰民"
micro = "{m2}"
expect = {{ grid = "{m2}", dispatch_within = 10 }}
"#,
        m0 = p.micro[0],
        m1 = p.micro[1],
        m2 = p.micro[2],
        worker = p.worker,
    )
}

async fn training_server(database: Database, text: &str) -> Harness {
    let setup = TrainingSetup {
        name: "test.toml".to_owned(),
        text: text.to_owned(),
    };
    Harness::start_with(database, |config| {
        config.center = Some(std::net::Ipv4Addr::LOCALHOST.into());
        config.training = Some(setup);
    })
    .await
}

async fn wait_for(what: &str, mut ready: impl AsyncFnMut() -> bool) {
    for _ in 0..600 {
        if ready().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("waited 30 s for {what}");
}

async fn clock(admin: &Terminal, body: Value) -> (StatusCode, Value) {
    admin.post("/api/training/clock", body).await
}

async fn act(t: &Terminal, id: i64, body: Value) -> (StatusCode, Value) {
    t.call(
        Method::POST,
        &format!("/api/tickets/{id}/actions"),
        Some(body),
    )
    .await
}

async fn ticket(t: &Terminal, id: i64) -> Value {
    t.json(&format!("/api/tickets/{id}")).await["ticket"].clone()
}

#[tokio::test]
async fn a_run_plays_is_controlled_and_scores_each_trainee_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("training.sqlite");
    let database = Database::Sqlite(path.clone());
    make_accounts(&database).await;
    let p = places(&database).await;
    let text = scenario(&p);
    let server = training_server(database.clone(), &text).await;
    let base = server.base();
    let admin = Terminal::login(&base, "admin").await;
    let disp = Terminal::login(&base, "disp").await;
    let cmdr = Terminal::login(&base, "cmdr").await;

    // A trainee sees the story's clock, not what is still to come, and cannot control it.
    let seen = disp.json("/api/training").await;
    assert_eq!(seen["available"], true);
    assert_eq!(seen["state"], "ready");
    assert_eq!(seen["trainer"], false);
    assert_eq!(seen["incidents"], json!([]));
    assert_eq!(seen["clock"], "08:00");
    let (status, refused) = disp
        .post("/api/training/clock", json!({ "action": "start" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let trainer = admin.json("/api/training").await;
    assert_eq!(trainer["incidents"][0]["name"], "管道爆裂");
    assert_eq!(trainer["incidents"][0]["at"], "08:10");

    // The clock refuses what it cannot do, and changes nothing.
    let (status, body) = clock(&admin, json!({ "action": "start", "speed": 5000 })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "INVALID_SPEED");
    let (status, body) = clock(&admin, json!({ "action": "pause" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "RUN_STATE");
    assert!(
        body["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("未开始")
    );

    // Nothing can be injected before the start, whatever is written.
    let (status, body) = admin.post("/api/training/incidents", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "RUN_STATE");

    // Start at 100× (08:07 comes 4.2 s in); pause once the three scripted requests are in.
    let (status, body) = clock(&admin, json!({ "action": "start", "speed": 100 })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "running");
    let mut scripted: Vec<i64> = Vec::new();
    wait_for("the scripted requests", async || {
        let debrief = admin.json("/api/training/debrief").await;
        scripted = debrief["scripted"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["ticket"].as_i64())
            .collect();
        scripted.len() == 3
    })
    .await;
    let (status, body) = clock(&admin, json!({ "action": "pause" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let paused_at = body["second"].as_f64().unwrap();
    assert!(paused_at >= 420.0, "after 08:07: {paused_at}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let still = admin.json("/api/training").await;
    assert_eq!(still["state"], "paused");
    assert!(
        (still["second"].as_f64().unwrap() - paused_at).abs() < 1e-6,
        "paused, the story stands"
    );

    // The dispatcher registers and dispatches the first to its micro-grid, and the second to the
    // community, where the commander sends it on; a step on a stale version is a conflict.
    let first = ticket(&disp, scripted[0]).await;
    let (status, body) = act(
        &disp,
        scripted[0],
        json!({ "action": "register", "version": first["version"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = act(
        &disp,
        scripted[0],
        json!({ "action": "dispatch", "version": first["version"], "grid": p.micro[0] }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "stale: {body}");
    let now = ticket(&disp, scripted[0]).await;
    let (status, body) = act(
        &disp,
        scripted[0],
        json!({ "action": "dispatch", "version": now["version"], "grid": p.micro[0] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["ticket"]["assignment"]["worker_id"], p.worker.as_str());

    let second = ticket(&disp, scripted[1]).await;
    let (status, body) = act(
        &disp,
        scripted[1],
        json!({ "action": "register", "version": second["version"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = act(
        &disp,
        scripted[1],
        json!({ "action": "dispatch", "version": body["ticket"]["version"], "grid": p.community }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = act(
        &cmdr,
        scripted[1],
        json!({ "action": "dispatch", "version": body["ticket"]["version"], "grid": p.micro[1] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The first micro-grid's worker is off duty, named.
    let trainer = admin.json("/api/training").await;
    assert_eq!(trainer["off_duty"][0]["id"], p.worker.as_str());
    assert_ne!(trainer["off_duty"][0]["name"], p.worker.as_str());
    // The scenario's incident (08:10) brought forward to now, once.
    let (status, body) = admin
        .post("/api/training/incidents", json!({ "incident": 0 }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["incidents"][0]["brought_forward"], true);
    assert_eq!(body["incidents"][1]["injected"], true);
    let (status, body) = admin
        .post("/api/training/incidents", json!({ "incident": 0 }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "INCIDENT_BEGUN");

    // An incident now: one the trainer writes; a wrong one is refused by field.
    let (status, body) = admin
        .post(
            "/api/training/incidents",
            json!({ "name": "", "micro": ["没有这个网格"], "category": "无此类别", "requests": 0 }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "INCIDENT_INVALID");
    let fields: Vec<&str> = body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "micro", "category", "requests"]);
    let (status, body) = admin
        .post(
            "/api/training/incidents",
            json!({ "name": "燃气异味", "micro": [p.micro[2]], "category": "other", "requests": 3, "minutes": 5 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["incidents"][2]["injected"], true);
    assert_eq!(body["incidents"][2]["requests"], 3);

    // Resume at 1000×: the hour ends in seconds and the run ends with it.
    let (status, body) = clock(&admin, json!({ "action": "speed", "speed": 1000 })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "paused", "a new speed does not resume");
    let (status, body) = clock(&admin, json!({ "action": "resume" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    wait_for("the shift's end", async || {
        admin.json("/api/training").await["state"] == "ended"
    })
    .await;
    let ended = admin.json("/api/training").await;
    assert!((ended["second"].as_f64().unwrap() - 3600.0).abs() < 1e-6);
    assert_eq!(ended["played"], ended["total"]);
    let (status, _) = clock(&admin, json!({ "action": "resume" })).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let debrief = admin.json("/api/training/debrief").await;
    // The answers are the contract's types.
    let typed: binhe_api::training::Debrief = serde_json::from_value(debrief.clone()).unwrap();
    assert_eq!(typed.state, binhe_api::training::RunState::Ended);
    let _: binhe_api::training::TrainingStatus = serde_json::from_value(ended.clone()).unwrap();
    let (status, _) = disp.get("/api/training/debrief").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the trainer's only");
    // The worker was off duty until 08:30: the order dispatched at 08:07 waited for them.
    let started = debrief["scripted"][0]["handling_started"].as_u64().unwrap();
    assert!(started >= 1800, "picked up at {started} s, before 08:30");
    // 12/h background + 4 incident (brought forward) + 3 injected + 3 scripted calls.
    let sent = debrief["requests_sent"].as_u64().unwrap();
    assert!((10..=40).contains(&sent), "{sent}");
    let told: Vec<&str> = debrief["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text_zh"].as_str().unwrap())
        .collect();
    for expected in [
        "培训师开始演练（100×）",
        "倍速改为 1000×",
        "培训师暂停演练",
        "班次结束，演练结束",
        "培训师继续演练",
        "事件开始来电：管道爆裂",
    ] {
        assert!(told.contains(&expected), "{expected} in {told:?}");
    }
    assert!(
        told.iter()
            .any(|t| t.starts_with("培训师注入事件：燃气异味"))
    );
    assert!(told.iter().any(|t| t.starts_with("脚本诉求 1：")));

    let trainee = |login: &str| {
        debrief["trainees"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["login"] == login)
            .unwrap()
            .clone()
    };
    // The dispatcher: the first right and in time (100), the second handed on and ended on its
    // grid (100), the third untouched (0): 200 of 300.
    let d = trainee("disp");
    assert_eq!(d["summary"]["scripted"], 3);
    assert_eq!(d["summary"]["dispatched"], 2);
    assert_eq!(d["summary"]["right_grid"], 2);
    assert_eq!(d["summary"]["conflicts"], 1);
    assert_eq!(d["summary"]["score"], 66.7);
    assert_eq!(d["requests"][0]["points"], 100);
    assert_eq!(d["requests"][2]["points"], 0);
    assert!(d["requests"][0]["registered_after"].as_u64().is_some());
    // The commander answers for their community's three: only the second was theirs to send.
    let c = trainee("cmdr");
    assert_eq!(c["summary"]["scripted"], 3);
    assert_eq!(c["summary"]["dispatched"], 1);
    assert_eq!(c["requests"][1]["points"], 100);
    assert_eq!(c["requests"][1]["assigned_to"]["code"], p.micro[1].as_str());
    assert_eq!(c["summary"]["score"], 33.3);

    // Every control is on the audit record.
    let audit = admin.json("/api/audit?limit=200").await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "training.start",
        "training.pause",
        "training.speed",
        "training.resume",
        "training.inject",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }

    // A restarted training server shows the same run, ended, and the same debrief.
    server.server.shutdown().await;
    let again = training_server(database.clone(), &text).await;
    let admin = Terminal::login(&again.base(), "admin").await;
    assert_eq!(admin.json("/api/training").await["state"], "ended");
    let later = admin.json("/api/training/debrief").await;
    assert_eq!(later["trainees"], debrief["trainees"]);
    assert_eq!(later["timeline"], debrief["timeline"]);
    again.server.shutdown().await;

    // The same database for another scenario is refused, and so is a live street's database.
    let other = text.replace("测试演练", "另一个演练");
    let refused = binhe_server::start(binhe_server::ServerConfig {
        training: Some(TrainingSetup {
            name: "other.toml".to_owned(),
            text: other,
        }),
        ..config_on(database, &dir)
    })
    .await
    .unwrap_err()
    .to_string();
    assert!(refused.contains("不是这个场景"), "{refused}");
}

fn config_on(database: Database, dir: &tempfile::TempDir) -> binhe_server::ServerConfig {
    let ui = dir.path().join("ui");
    std::fs::create_dir_all(&ui).unwrap();
    std::fs::write(ui.join("index.html"), "<!doctype html><title>t</title>").unwrap();
    binhe_server::ServerConfig {
        database,
        ui_dir: ui,
        port: 0,
        demo_feed: None,
        center: Some(std::net::Ipv4Addr::LOCALHOST.into()),
        desktop: None,
        tls: None,
        public_hosts: Vec::new(),
        client_timeouts: binhe_server::ClientTimeouts::default(),
        backups: None,
        daily_hotspots: None,
        training: None,
    }
}

#[tokio::test]
async fn a_live_street_s_database_is_never_a_training_database() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("live.sqlite"));
    make_accounts(&database).await;
    let p = places(&database).await;
    // The live street has a request.
    let live = Harness::center(database.clone()).await;
    let disp = Terminal::login(&live.base(), "disp").await;
    let (status, body) = disp
        .post(
            "/api/tickets",
            json!({ "channel": "hotline", "external_id": "12345-LIVE-1", "category": "garbage", "description": "垃圾满溢",
                    "grid_code": p.micro[0] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    live.server.shutdown().await;
    let refused = binhe_server::start(binhe_server::ServerConfig {
        training: Some(TrainingSetup {
            name: "test.toml".to_owned(),
            text: scenario(&p),
        }),
        ..config_on(database, &dir)
    })
    .await
    .unwrap_err()
    .to_string();
    assert!(refused.contains("不是演练数据库"), "{refused}");
    // A server without a run answers that it has none.
    let plain = Harness::center(Database::Sqlite(dir.path().join("live.sqlite"))).await;
    let admin = Terminal::login(&plain.base(), "admin").await;
    assert_eq!(admin.json("/api/training").await["available"], false);
    let (status, body) = admin
        .post("/api/training/clock", json!({ "action": "start" }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "NOT_TRAINING");
}
