//! 治理项目 over HTTP (issue 16): a sewage-backflow project in one micro-grid of the commander's
//! community, finished ten days ago; before it started the micro-grid drew 12 such requests in
//! nine days, after it 2, while the rest of the street drew 20 and 20. The project must be
//! refused by name while it is wrong, kept when right, show that effect (12 expected after,
//! 10 avoided, significant), be seen and kept by whom it concerns only, refuse a change based on
//! an old version, and be on the audit record. The dashboard adds the projects finished in a
//! period up as 减少诉求 and counts the commander's own finding in 主动发现占比.

mod common;

use binhe_core::GridLevel;
use binhe_core::ticket::Point;
use binhe_core::ticket::intake::beijing;
use binhe_server::Database;
use binhe_server::auth::Mode;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use common::Harness;
use common::center::{Terminal, make_accounts};
use common::requests::{Received, assert_refused_by_field, store_received};
use geo::InteriorPoint;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Noon in Beijing `days` before `today`.
fn noon(today: NaiveDate, days: i64) -> DateTime<Utc> {
    ((today - Duration::days(days)).and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap())
        - Duration::hours(8))
    .and_utc()
}

#[tokio::test]
async fn a_finished_project_shows_its_effect_to_whom_it_concerns() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("projects.sqlite"));
    let cast = make_accounts(&database).await;
    let today = Utc::now().with_timezone(&beijing()).date_naive();

    // The project's micro-grid (in the commander's community) and another one elsewhere.
    let state = binhe_server::open_state(&database, Mode::Center)
        .await
        .unwrap();
    let view = state.view();
    let h = view.hierarchy();
    let micro = |community: &str| {
        h.at_level(GridLevel::Micro)
            .map(|i| h.get(i))
            .find(|g| g.code.community_code().unwrap().as_str() == community)
            .map(|g| {
                let p = g.shape.interior_point().unwrap();
                (
                    g.code.to_string(),
                    community.to_owned(),
                    Point {
                        lon: p.x(),
                        lat: p.y(),
                    },
                )
            })
            .unwrap()
    };
    let (ours, theirs) = (micro(&cast.community), micro(&cast.other_community));
    drop(state);
    let mut requests = Vec::new();
    let mut at = |place: &(String, String, Point), days: i64, n: usize| {
        for _ in 0..n {
            requests.push((place.0.clone(), place.1.clone(), place.2, noon(today, days)));
        }
    };
    // Started 30 days ago, done 10 days ago: after = the last 9 days, before = days 31..39 ago.
    for days in 31..=36 {
        at(&ours, days, 2);
    }
    at(&ours, 5, 1);
    at(&ours, 2, 1);
    // While it ran: counted in neither window.
    at(&ours, 20, 5);
    for days in 31..=35 {
        at(&theirs, days, 4);
    }
    for days in 1..=5 {
        at(&theirs, days, 4);
    }
    let received: Vec<Received<'_>> = requests
        .iter()
        .map(|(micro, community, point, at)| Received {
            micro,
            community,
            point: *point,
            category: "sewage_backflow",
            at: *at,
        })
        .collect();
    store_received(&database, &received).await;

    let center = Harness::center(database).await;
    let disp = Terminal::login(&center.base(), "disp").await;
    let cmdr = Terminal::login(&center.base(), "cmdr").await;
    let wkr = Terminal::login(&center.base(), "wkr").await;

    // Wrong in four ways: each named at once, nothing kept.
    let (status, refused) = disp
        .post(
            "/api/projects",
            json!({
                "title": " ",
                "goal": "治理污水返水",
                "state": "done",
                "area": ["110117999999999"],
                "responsible": "王主任",
                "started_on": (today - Duration::days(10)).to_string(),
                "finished_on": (today - Duration::days(30)).to_string(),
                "tickets": [987_654],
            }),
        )
        .await;
    assert_refused_by_field(
        (status, &refused),
        "PROJECT_INVALID",
        &["title", "finished_on", "area", "tickets"],
        "项目名称",
    );
    assert_eq!(disp.json("/api/projects").await["projects"], json!([]));

    let stored = disp.json("/api/tickets?scope=all&limit=2").await;
    let linked: Vec<i64> = stored["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(linked.len(), 2, "{stored}");
    let body = json!({
        "title": "承平园污水管网改造",
        "goal": "雨季前完成管网清掏与改造，杜绝污水返水",
        "state": "done",
        "category": "sewage_backflow",
        "area": [ours.0],
        "budget_fen": 12_000_000,
        "responsible": "王主任",
        "started_on": (today - Duration::days(30)).to_string(),
        "finished_on": (today - Duration::days(10)).to_string(),
        "milestones": [{"title": "商户议定分摊标准", "due_on": (today - Duration::days(25)).to_string(), "done_on": (today - Duration::days(26)).to_string()}],
        "hotspot": "3:1",
        "tickets": linked,
    });
    let (status, made) = disp.post("/api/projects", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_i64().unwrap();
    assert_eq!(made["version"], 1);
    assert_eq!(made["community"]["code"], cast.community.as_str());
    assert_eq!(made["category_name"], "污水返水");
    assert_eq!(made["tickets"].as_array().unwrap().len(), 2);
    let effect = &made["effect"];
    assert_eq!(
        effect["after"]["first"],
        (today - Duration::days(9)).to_string()
    );
    assert_eq!(
        effect["after"]["last"],
        (today - Duration::days(1)).to_string()
    );
    assert_eq!(
        effect["before"]["first"],
        (today - Duration::days(39)).to_string()
    );
    assert_eq!(
        effect["before"]["last"],
        (today - Duration::days(31)).to_string()
    );
    assert_eq!(
        effect["counts"],
        json!({"area_before": 12, "area_after": 2, "rest_before": 20, "rest_after": 20})
    );
    assert!(
        (effect["expected_after"].as_f64().unwrap() - 12.0).abs() < 1e-9,
        "{effect}"
    );
    assert!(
        (effect["avoided"].as_f64().unwrap() - 10.0).abs() < 1e-9,
        "{effect}"
    );
    assert!(effect["p_value"].as_f64().unwrap() < 0.01, "{effect}");

    let list = disp.json("/api/projects").await;
    assert_eq!(list["done"], 1);
    assert!(
        (list["avoided"].as_f64().unwrap() - 10.0).abs() < 1e-9,
        "{list}"
    );
    assert_eq!(cmdr.json(&format!("/api/projects/{id}")).await["id"], id);
    assert_eq!(cmdr.json("/api/projects").await["projects"][0]["id"], id);

    // A commander keeps projects of their own community only; a worker sees none.
    let mut elsewhere = body.clone();
    elsewhere["area"] = json!([theirs.0]);
    let (status, refused) = cmdr.post("/api/projects", elsewhere.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["code"], "OUT_OF_SCOPE");
    let (status, other) = disp.post("/api/projects", elsewhere).await;
    assert_eq!(status, StatusCode::CREATED, "{other}");
    let (status, hidden) = cmdr.get(&format!("/api/projects/{}", other["id"])).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{hidden}");
    assert_eq!(
        cmdr.json("/api/projects").await["projects"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (status, refused) = wkr.get("/api/projects").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");

    // A change based on an old version is refused and changes nothing.
    let mut changed = body.clone();
    changed["title"] = json!("承平园污水管网改造（二期）");
    changed["version"] = json!(1);
    let path = format!("/api/projects/{id}");
    let (status, updated) = cmdr.call(Method::PUT, &path, Some(changed.clone())).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["version"], 2);
    let (status, stale) = disp.call(Method::PUT, &path, Some(changed)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{stale}");
    assert_eq!(stale["error"]["code"], "STALE_VERSION");
    assert_eq!(disp.json(&path).await["version"], 2);

    // The dashboard's 减少诉求 over a range holding the day they were finished: each scope the
    // projects finished in it, with the effect their own page shows; a range that ends before
    // that day none.
    let range = format!(
        "from={}&to={}",
        today - Duration::days(20),
        today - Duration::days(1)
    );
    let avoided = |d: &Value| {
        let projects: Vec<(i64, f64)> = d["avoided"]["projects"]
            .as_array()
            .unwrap_or_else(|| panic!("{d}"))
            .iter()
            .map(|p| (p["id"].as_i64().unwrap(), p["avoided"].as_f64().unwrap()))
            .collect();
        (d["avoided"]["avoided"].as_f64().unwrap(), projects)
    };
    let other_id = other["id"].as_i64().unwrap();
    let other_avoided = other["effect"]["avoided"].as_f64().unwrap();
    let (sum, projects) = avoided(&cmdr.json(&format!("/api/kpi/dashboard?{range}")).await);
    assert_eq!(projects.len(), 1, "{projects:?}");
    assert_eq!(projects[0].0, id);
    assert!((sum - 10.0).abs() < 1e-9 && (projects[0].1 - 10.0).abs() < 1e-9);
    let (sum, projects) = avoided(&disp.json(&format!("/api/kpi/dashboard?{range}")).await);
    let mut ids: Vec<i64> = projects.iter().map(|p| p.0).collect();
    ids.sort_unstable();
    assert_eq!(ids, [id, other_id]);
    assert!((sum - (10.0 + other_avoided)).abs() < 1e-9, "{sum}");
    let micro_scope = format!("/api/kpi/dashboard?{range}&micro={}", theirs.0);
    let (sum, projects) = avoided(&disp.json(&micro_scope).await);
    assert_eq!(projects.iter().map(|p| p.0).collect::<Vec<_>>(), [other_id]);
    assert!((sum - other_avoided).abs() < 1e-9);
    let earlier = format!(
        "/api/kpi/dashboard?from={}&to={}",
        today - Duration::days(40),
        today - Duration::days(11)
    );
    assert_eq!(avoided(&disp.json(&earlier).await), (0.0, Vec::new()));

    // 主动发现占比: the commander's own finding among the requests received in the period.
    let finding = json!({
        "channel": "proactive", "category": "sewage_backflow",
        "description": "巡查发现雨水口堵塞，污水外溢", "lon": ours.2.lon, "lat": ours.2.lat,
        "reporter_name": "网格员", "reporter_phone": "13800000000",
    });
    let (status, found) = cmdr.post("/api/tickets", finding).await;
    assert_eq!(status, StatusCode::CREATED, "{found}");
    let month = cmdr.json("/api/kpi/dashboard").await;
    let share = &month["kpis"]["proactive"];
    assert_eq!(share["numerator"], 1, "{share}");
    assert_eq!(share["denominator"], month["kpis"]["received"], "{month}");
    let behind = cmdr.json("/api/kpi/tickets?metric=proactive").await;
    assert_eq!(behind["total"], 1, "{behind}");
    assert_eq!(behind["tickets"][0]["id"], found["ticket"]["id"]);

    // On the record.
    let audit = disp.json("/api/audit?action=projects.update").await;
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["target"], id.to_string().as_str());
    assert_eq!(entries[0]["account"], "cmdr");
    let created = disp.json("/api/audit?action=projects.create").await;
    assert_eq!(created["entries"].as_array().unwrap().len(), 2, "{created}");
}
