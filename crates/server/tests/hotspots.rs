//! 未诉先办 over HTTP (issue 16): a street with a year of requests spread evenly over its
//! micro-grids and five categories, and one cluster planted in the last days — road requests in
//! a micro-grid and its two nearest neighbours. An analysis asked for now must find it (place,
//! category, window, counts, significance, outline), keep it, show it to whom it concerns and
//! refuse bad settings by name; the month's top problems and the rising micro-grids must count
//! exactly the requests stored; the daily analysis must run by itself.

mod common;

use std::collections::BTreeSet;

use binhe_core::GridLevel;
use binhe_core::ticket::Point;
use binhe_core::ticket::intake::beijing;
use binhe_server::Database;
use binhe_server::auth::Mode;
use chrono::{DateTime, Duration, Utc};
use common::Harness;
use common::center::{Cast, Terminal, make_accounts};
use common::requests::{Received, store_received};
use geo::InteriorPoint;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CATEGORIES: [&str; 5] = [
    "road_damage",
    "noise",
    "garbage",
    "street_light",
    "illegal_parking",
];
/// The background: requests over the year before today.
const BACKGROUND: usize = 2_500;
/// The planted cluster: road requests over the last `PLANTED_DAYS` days.
const PLANTED: usize = 24;
const PLANTED_DAYS: i64 = 4;

/// One request stored as received (not yet dispatched) in `micro` at `at`.
struct Planned {
    micro: String,
    community: String,
    point: Point,
    category: &'static str,
    at: DateTime<Utc>,
}

/// What was stored: every request, and the planted cluster's micro-grids (centre first).
struct History {
    requests: Vec<Planned>,
    planted: Vec<String>,
}

/// A year of requests up to now, and the planted cluster, stored straight into the database.
async fn store_history(database: &Database, cast: &Cast, now: DateTime<Utc>) -> History {
    let state = binhe_server::open_state(database, Mode::Center)
        .await
        .unwrap();
    let view = state.view();
    let h = view.hierarchy();
    let micros: Vec<(String, String, Point)> = h
        .at_level(GridLevel::Micro)
        .map(|i| {
            let grid = h.get(i);
            let p = grid.shape.interior_point().unwrap();
            (
                grid.code.as_str().to_owned(),
                grid.code.community_code().unwrap().as_str().to_owned(),
                Point {
                    lon: p.x(),
                    lat: p.y(),
                },
            )
        })
        .collect();
    drop(state);
    let mut rng = ChaCha8Rng::seed_from_u64(20_261_203);
    let mut requests = Vec::new();
    for _ in 0..BACKGROUND {
        let (micro, community, point) = &micros[rng.random_range(0..micros.len())];
        // Within the analysis's 365 Beijing days, whatever the time of day: the window starts
        // at 00:00 of the day 364 days before today, so 365 days ago may lie before it (late
        // in the Beijing day most of that day does, and its requests were not counted).
        let ago = Duration::seconds(rng.random_range(0..364 * 86_400));
        requests.push(Planned {
            micro: micro.clone(),
            community: community.clone(),
            point: *point,
            category: CATEGORIES[rng.random_range(0..CATEGORIES.len())],
            at: now - ago,
        });
    }
    // The cluster: a micro-grid of the commander's community and its two nearest micro-grids.
    let (centre, _, c) = micros
        .iter()
        .find(|(_, community, _)| *community == cast.community)
        .unwrap()
        .clone();
    let mut near: Vec<&(String, String, Point)> = micros.iter().collect();
    near.sort_by(|a, b| {
        let d = |p: &Point| (p.lon - c.lon).hypot(p.lat - c.lat);
        d(&a.2).total_cmp(&d(&b.2))
    });
    let planted: Vec<String> = near.iter().take(3).map(|m| m.0.clone()).collect();
    assert_eq!(planted[0], centre);
    for i in 0..PLANTED {
        let (micro, community, point) = near[i % 3];
        let ago = Duration::seconds(rng.random_range(0..PLANTED_DAYS * 86_400));
        requests.push(Planned {
            micro: micro.clone(),
            community: community.clone(),
            point: *point,
            category: "road_damage",
            at: now - ago,
        });
    }
    let received: Vec<Received<'_>> = requests
        .iter()
        .map(|r| Received {
            micro: &r.micro,
            community: &r.community,
            point: r.point,
            category: r.category,
            at: r.at,
        })
        .collect();
    store_received(database, &received).await;
    History { requests, planted }
}

fn codes(hotspot: &Value) -> BTreeSet<String> {
    hotspot["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_planted_cluster_is_found_kept_scoped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("hotspots.sqlite"));
    let cast = make_accounts(&database).await;
    let now = Utc::now();
    let history = store_history(&database, &cast, now).await;
    let center = Harness::center(database).await;
    let disp = Terminal::login(&center.base(), "disp").await;
    let cmdr = Terminal::login(&center.base(), "cmdr").await;
    let wkr = Terminal::login(&center.base(), "wkr").await;

    // Nothing analysed yet.
    let (status, none) = disp.get("/api/hotspots").await;
    assert_eq!(status, StatusCode::OK, "{none}");
    assert!(none["run"].is_null());

    let (status, run) = disp
        .post("/api/hotspots/runs", json!({ "replications": 199 }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let today = now.with_timezone(&beijing()).date_naive().to_string();
    assert_eq!(run["analysis_day"], today);
    assert_eq!(run["trigger"], "on_demand");
    assert_eq!(run["account"], "disp");
    assert_eq!(
        run["cases"].as_u64().unwrap() as usize,
        history.requests.len()
    );
    let planted: BTreeSet<String> = history.planted.iter().cloned().collect();
    let road = run["hotspots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["category"] == "road_damage" && !codes(h).is_disjoint(&planted))
        .unwrap_or_else(|| panic!("the planted road cluster was not found: {run}"));
    assert!(road["significant"].as_bool().unwrap());
    assert!(road["p_value"].as_f64().unwrap() <= 0.05, "{road}");
    assert_eq!(road["last_day"], today, "a prospective window ends today");
    assert!(road["days"].as_u64().unwrap() <= 30);
    let observed = road["observed"].as_u64().unwrap();
    let expected = road["expected"].as_f64().unwrap();
    assert!(observed as f64 > 3.0 * expected, "{observed} vs {expected}");
    // Every request counted inside is a stored road request in its zones and window.
    let zones = codes(road);
    let first = road["first_day"].as_str().unwrap();
    let inside = history
        .requests
        .iter()
        .filter(|r| {
            let day = r.at.with_timezone(&beijing()).date_naive().to_string();
            r.category == "road_damage" && zones.contains(&r.micro) && day.as_str() >= first
        })
        .count();
    assert_eq!(observed as usize, inside);
    assert!(
        ["Polygon", "MultiPolygon"].contains(&road["outline"]["type"].as_str().unwrap()),
        "{}",
        road["outline"]
    );
    assert_eq!(road["category_name"], "道路破损");
    let id = run["id"].as_i64().unwrap();

    // Kept: the newest analysis, and by its number.
    let shown = disp.json("/api/hotspots").await;
    assert_eq!(shown["run"]["id"], id);
    assert_eq!(shown["recent"][0]["id"], id);
    assert_eq!(
        disp.json(&format!("/api/hotspots?run={id}")).await["run"],
        shown["run"]
    );

    // The commander sees only what touches the community (the planted cluster does).
    let theirs = cmdr.json("/api/hotspots").await;
    let hotspots = theirs["run"]["hotspots"].as_array().unwrap();
    assert!(hotspots.iter().any(|h| h["category"] == "road_damage"));
    for h in hotspots {
        assert!(
            h["zones"]
                .as_array()
                .unwrap()
                .iter()
                .any(|z| z["community"] == cast.community.as_str()),
            "{h}"
        );
    }
    // … and may not run one; a worker may not read them.
    let (status, refused) = cmdr.post("/api/hotspots/runs", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, refused) = wkr.get("/api/hotspots").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");

    // On the record.
    let audit = disp.json("/api/audit?action=hotspots.run").await;
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["target"] == id.to_string().as_str()),
        "{audit}"
    );

    // The month's top problems count exactly the stored requests of the month.
    let month = now.with_timezone(&beijing()).format("%Y-%m").to_string();
    let top = disp
        .json(&format!("/api/hotspots/monthly?month={month}"))
        .await;
    let street = &top["communities"][0];
    assert!(street["community"].is_null(), "street first: {top}");
    let this_month =
        |r: &&Planned| r.at.with_timezone(&beijing()).format("%Y-%m").to_string() == month;
    assert_eq!(
        street["total"].as_u64().unwrap() as usize,
        history.requests.iter().filter(this_month).count()
    );
    for problem in street["top"].as_array().unwrap() {
        let category = problem["category"].as_str().unwrap();
        assert_eq!(
            problem["count"].as_u64().unwrap() as usize,
            history
                .requests
                .iter()
                .filter(this_month)
                .filter(|r| r.category == category)
                .count(),
            "{category}"
        );
    }
    assert_eq!(top["category_names"]["road_damage"], "道路破损");
    let theirs = cmdr
        .json(&format!("/api/hotspots/monthly?month={month}"))
        .await;
    let places: Vec<&Value> = theirs["communities"].as_array().unwrap().iter().collect();
    assert_eq!(places.len(), 1, "{theirs}");
    assert_eq!(places[0]["community"], cast.community.as_str());

    // The rising micro-grids: only rising ones listed, out of those tested, with their names.
    let rising = disp
        .json(&format!(
            "/api/hotspots/rising?month={month}&per_category=true"
        ))
        .await;
    let groups = rising["groups"].as_array().unwrap();
    assert!(rising["tested"].as_u64().unwrap() as usize >= groups.len());
    assert_eq!(rising["months"].as_array().unwrap().len(), 4, "{rising}");
    for g in groups {
        assert_eq!(g["rising"], true, "{g}");
        let micro = g["micro_grid"].as_str().unwrap();
        assert!(rising["micro_names"][micro].is_string(), "{rising}");
    }

    // Bad settings are refused by name.
    for (body, field) in [
        (json!({ "alpha": 0.9 }), "alpha"),
        (json!({ "replications": 5 }), "replications"),
        (json!({ "analysis_day": "2999-01-01" }), "analysis_day"),
        (json!({ "analysis_day": "三月" }), "analysis_day"),
        (json!({ "max_radius_m": -1 }), "max_radius_m"),
        (json!({ "history_days": 0 }), "history_days"),
    ] {
        let (status, refused) = disp.post("/api/hotspots/runs", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {refused}");
        assert_eq!(refused["error"]["field"], field, "{body}: {refused}");
        assert!(!refused["error"]["message_zh"].as_str().unwrap().is_empty());
    }
    let (status, refused) = disp.get("/api/hotspots?run=987654").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(refused["error"]["code"], "HOTSPOT_RUN_NOT_FOUND");
    let (status, refused) = disp.get("/api/hotspots/monthly?month=2026-13").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error"]["field"], "month");
}

/// The daily analysis runs by itself for the day before. (That several servers on one
/// database keep one daily run per day is the store's unique index, checked on both dialects in
/// the conformance suite; two servers on one SQLite file are not a deployment.)
#[tokio::test]
async fn the_daily_analysis_runs_by_itself_for_the_day_before() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("daily.sqlite"));
    let cast = make_accounts(&database).await;
    let now = Utc::now();
    let history = store_history(&database, &cast, now).await;
    let server = Harness::start_with(database.clone(), |config| {
        config.center = Some(std::net::Ipv4Addr::LOCALHOST.into());
        config.daily_hotspots = Some(std::time::Duration::ZERO);
    })
    .await;
    let disp = Terminal::login(&server.base(), "disp").await;
    let mut shown = Value::Null;
    for _ in 0..600 {
        shown = disp.json("/api/hotspots").await;
        if !shown["run"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let run = &shown["run"];
    assert_eq!(run["trigger"], "daily", "{shown}");
    let yesterday = (now.with_timezone(&beijing()).date_naive() - Duration::days(1)).to_string();
    assert_eq!(run["analysis_day"], yesterday.as_str());
    assert!(run["account"].is_null());
    let before_today = history
        .requests
        .iter()
        .filter(|r| r.at.with_timezone(&beijing()).date_naive().to_string() <= yesterday)
        .count();
    assert_eq!(run["cases"].as_u64().unwrap() as usize, before_today);
    assert_eq!(
        shown["recent"].as_array().unwrap().len(),
        1,
        "one run: {shown}"
    );
}
