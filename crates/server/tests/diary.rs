//! 民情日记 and 包户 over HTTP (issue 16): a grid worker writes down a round at one door of their
//! micro-grid; a wrong entry is refused by field with nothing kept; the worker reads only their
//! own diary, the commander their community's; the entry's concern becomes one proactive ticket
//! however often (and however concurrently) it is asked for, placed in that unit and followed by
//! the worker; the commander gives units to workers (all or none), the ticket card's question
//! "who answers for this door" gets one answer, and every change is on the audit record.

mod common;

use binhe_core::GridLevel;
use binhe_server::Database;
use binhe_server::auth::Mode;
use common::Harness;
use common::center::{Cast, Terminal, make_accounts};
use common::requests::assert_refused_by_field;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The units of the worker's micro-grid (code, name), a unit of the community named as people
/// write it (`金谷东园北区2号院 1单元`: its micro-grid's name is the street's only one), a unit and
/// a worker of another community.
struct Places {
    units: Vec<(String, String)>,
    named_unit: (String, String),
    elsewhere_unit: String,
    other_worker: String,
}

async fn places(database: &Database, micro: &str, other_community: &str) -> Places {
    let state = binhe_server::open_state(database, Mode::Center)
        .await
        .unwrap();
    let view = state.view();
    let h = view.hierarchy();
    let micro_index = h
        .at_level(GridLevel::Micro)
        .find(|&i| h.get(i).code.as_str() == micro)
        .unwrap();
    let units = h
        .children_of(micro_index)
        .iter()
        .map(|&i| (h.get(i).code.to_string(), h.get(i).name.clone()))
        .collect();
    let community = &micro[..12];
    let named_unit = h
        .at_level(GridLevel::Micro)
        .map(|i| (i, h.get(i)))
        .filter(|(_, g)| g.code.as_str().starts_with(community) && g.code.as_str() != micro)
        .find(|(_, g)| {
            h.at_level(GridLevel::Micro)
                .filter(|&j| h.get(j).name == g.name)
                .count()
                == 1
        })
        .map(|(i, g)| {
            let unit = h.get(h.children_of(i)[0]);
            (unit.code.to_string(), format!("{} {}", g.name, unit.name))
        })
        .unwrap();
    let elsewhere_unit = h
        .at_level(GridLevel::Unit)
        .map(|i| h.get(i).code.to_string())
        .find(|c| c.starts_with(&other_community[..12]))
        .unwrap();
    let other_worker = view
        .dataset
        .workers
        .iter()
        .find(|w| w.grid.as_str().starts_with(&other_community[..12]))
        .unwrap()
        .id
        .clone();
    Places {
        units,
        named_unit,
        elsewhere_unit,
        other_worker,
    }
}

/// A center on a new database with the cast's accounts, its places, and the dispatcher, the
/// commander and the worker signed in.
struct Street {
    _dir: tempfile::TempDir,
    cast: Cast,
    p: Places,
    center: Harness,
    disp: Terminal,
    cmdr: Terminal,
    wkr: Terminal,
}

async fn street() -> Street {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("street.sqlite"));
    let cast = make_accounts(&database).await;
    let p = places(&database, &cast.worker_grid, &cast.other_community).await;
    let center = Harness::center(database).await;
    let base = center.base();
    let login = |who: &'static str| Terminal::login(&base, who);
    let (disp, cmdr, wkr) = (login("disp").await, login("cmdr").await, login("wkr").await);
    Street {
        _dir: dir,
        cast,
        p,
        disp,
        cmdr,
        wkr,
        center,
    }
}

#[tokio::test]
async fn a_worker_keeps_a_diary_and_a_concern_becomes_one_ticket() {
    let Street {
        _dir,
        cast,
        p,
        center,
        disp,
        cmdr,
        wkr,
    } = street().await;
    let admin = Terminal::login(&center.base(), "admin").await;
    let (unit, unit_name) = p.units[0].clone();

    // Wrong in four ways: each named at once, nothing kept.
    let (status, refused) = wkr
        .post(
            "/api/diary",
            json!({
                "unit": "99单元",
                "visited_at": "2099-01-01T00:00:00Z",
                "households": 5000,
                "concerns": "  ",
            }),
        )
        .await;
    assert_refused_by_field(
        (status, &refused),
        "DIARY_INVALID",
        &["visited_at", "households", "concerns", "unit"],
        "走访时间",
    );
    assert_eq!(wkr.json("/api/diary").await["entries"], json!([]));

    // A worker's entry is theirs whoever they name, in the grid they are posted on unless they
    // say otherwise; the unit may be named as the micro-grid names it.
    let (status, made) = wkr
        .post(
            "/api/diary",
            json!({
                "worker": p.other_worker,
                "unit": unit_name,
                "kind": "visit",
                "households": 6,
                "concerns": "3号楼楼道灯坏了两周，老人夜里看不见台阶",
                "follow_up": "联系物业本周内修好",
                "category": "street_light",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_i64().unwrap();
    assert_eq!(made["worker"], cast.worker_id.as_str());
    assert_eq!(made["micro"]["code"], cast.worker_grid.as_str());
    assert_eq!(made["unit"]["code"], unit.as_str());
    assert!(
        made["unit"]["name"]
            .as_str()
            .unwrap()
            .ends_with(&format!(" {unit_name}")),
        "{made}"
    );
    assert_eq!(made["kind_zh"], "入户走访");
    assert_eq!(made["category_name"], "路灯");
    assert!(made["ticket"].is_null());

    // The commander writes for a worker of their community; not elsewhere.
    let (status, theirs) = cmdr
        .post(
            "/api/diary",
            json!({
                "worker": cast.worker_id,
                "micro": cast.worker_grid,
                "kind": "meeting",
                "households": 12,
                "concerns": "居民议事：小区停车位不足",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");
    let (status, refused) = cmdr
        .post(
            "/api/diary",
            json!({ "worker": p.other_worker, "micro": &p.elsewhere_unit[..15], "concerns": "无" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, refused) = admin
        .post(
            "/api/diary",
            json!({ "worker": cast.worker_id, "concerns": "无" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");

    // Who reads what: the worker their own, the commander and the desk the community's.
    let own = wkr.json("/api/diary").await;
    assert_eq!(own["entries"].as_array().unwrap().len(), 2, "{own}");
    assert_eq!(
        (own["total"].as_u64(), own["households"].as_u64()),
        (Some(2), Some(18))
    );
    let community = cmdr.json("/api/diary").await;
    assert_eq!(community["entries"].as_array().unwrap().len(), 2);
    let (status, _) = cmdr
        .get(&format!("/api/diary?community={}", cast.other_community))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let elsewhere = disp
        .json(&format!("/api/diary?community={}", cast.other_community))
        .await;
    assert_eq!(elsewhere["entries"], json!([]));
    let by_unit = disp.json(&format!("/api/diary?unit={unit}")).await;
    assert_eq!(by_unit["entries"][0]["id"], id);

    // One action: the concern becomes a proactive ticket in that unit, which the worker follows;
    // asked again, the same ticket.
    let path = format!("/api/diary/{id}/ticket");
    let (status, turned) = wkr.call(Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::CREATED, "{turned}");
    let ticket = &turned["ticket"];
    assert_eq!(ticket["channel"], "proactive");
    assert_eq!(ticket["category"], "street_light");
    assert_eq!(ticket["routing"]["unit"]["code"], unit.as_str(), "{ticket}");
    assert!(
        ticket["description"]
            .as_str()
            .unwrap()
            .contains("3号楼楼道灯坏了两周"),
        "{ticket}"
    );
    assert_eq!(turned["entry"]["ticket"], ticket["id"]);
    let (status, seen) = wkr.get(&format!("/api/tickets/{}", ticket["id"])).await;
    assert_eq!(status, StatusCode::OK, "the worker follows it: {seen}");
    let (status, again) = cmdr.call(Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["existing"], true);
    assert_eq!(again["ticket"]["id"], ticket["id"]);

    // An entry without a category needs one named; two at once still make one ticket.
    let meeting = theirs["id"].as_i64().unwrap();
    let path = format!("/api/diary/{meeting}/ticket");
    let (status, refused) = disp.call(Method::POST, &path, None).await;
    assert_refused_by_field(
        (status, &refused),
        "DIARY_INVALID",
        &["category"],
        "问题类别",
    );
    let body = json!({ "category": "illegal_parking" });
    let (a, b) = tokio::join!(
        disp.call(Method::POST, &path, Some(body.clone())),
        cmdr.call(Method::POST, &path, Some(body)),
    );
    assert_eq!(a.1["ticket"]["id"], b.1["ticket"]["id"], "{a:?} {b:?}");
    let mut statuses = [a.0.as_u16(), b.0.as_u16()];
    statuses.sort_unstable();
    assert!(
        statuses == [200, 201] || statuses == [201, 201],
        "{statuses:?}"
    );
    let proactive = disp.json("/api/tickets?scope=all&limit=100").await["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["channel"] == "proactive")
        .count();
    assert_eq!(proactive, 2, "one ticket per entry");
    assert_eq!(wkr.json("/api/diary").await["tickets"], 2);

    // Someone else's entry is as if it did not exist.
    let (status, _) = admin
        .call(Method::POST, &format!("/api/diary/{id}/ticket"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = wkr
        .call(Method::POST, "/api/diary/999999/ticket", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A round where nothing was raised makes no ticket.
    let (status, quiet) = wkr
        .post("/api/diary", json!({ "households": 3, "concerns": "无" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{quiet}");
    let path = format!("/api/diary/{}/ticket", quiet["id"]);
    let (status, refused) = wkr.call(Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["error"]["problems"][0]["code"], "NOTHING_RAISED");

    // On the record: every attempt, the two tickets made with their numbers.
    let audit = disp.json("/api/audit?action=diary.ticket").await;
    let made: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == 201)
        .collect();
    assert_eq!(made.len(), 2, "{audit}");
    assert!(
        made.iter()
            .all(|e| e["detail"].as_str().unwrap().starts_with("工单 "))
    );
    let created = disp.json("/api/audit?action=diary.create").await;
    let kept = created["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == 201)
        .count();
    assert_eq!(kept, 3, "{created}");
}

#[tokio::test]
async fn each_unit_has_one_worker_who_answers_for_it() {
    let Street {
        _dir,
        cast,
        p,
        center: _center,
        disp,
        cmdr,
        wkr,
    } = street().await;
    let (first, _) = p.units[0].clone();
    let (named, name) = p.named_unit.clone();

    // Wrong rows are named by row; nothing of the request is kept.
    let (status, refused) = cmdr
        .call(
            Method::PUT,
            "/api/wards",
            Some(json!({ "wards": [
                { "unit": first, "worker": cast.worker_id, "households": 24 },
                { "unit": "没有这个小区 1单元", "worker": cast.worker_id, "households": 10 },
                { "unit": name, "worker": p.other_worker, "households": 9000 },
            ]})),
        )
        .await;
    assert_refused_by_field(
        (status, &refused),
        "DIARY_INVALID",
        &["wards[1].unit", "wards[2].worker", "wards[2].households"],
        "第 3 行",
    );
    assert_eq!(disp.json("/api/wards").await["wards"], json!([]));

    let (status, set) = cmdr
        .call(
            Method::PUT,
            "/api/wards",
            Some(json!({ "wards": [
                { "unit": first, "worker": cast.worker_id, "households": 24 },
                { "unit": name, "worker": cast.worker_id, "households": 18 },
            ]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    let units: Vec<&str> = set["wards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["unit"]["code"].as_str().unwrap())
        .collect();
    assert!(
        units.contains(&first.as_str()) && units.contains(&named.as_str()),
        "{set}"
    );
    assert_eq!(set["households"], 42);

    // A commander gives no units of another community; a worker gives none.
    let (status, _) = cmdr
        .call(
            Method::PUT,
            "/api/wards",
            Some(json!({ "wards": [{ "unit": p.elsewhere_unit, "worker": p.other_worker, "households": 3 }] })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = wkr
        .call(
            Method::PUT,
            "/api/wards",
            Some(
                json!({ "wards": [{ "unit": first, "worker": cast.worker_id, "households": 3 }] }),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // One answer per door, for the ticket card; the micro-grid's coverage.
    let answer = wkr.json(&format!("/api/wards/{first}")).await;
    assert_eq!(
        answer["ward"]["worker"],
        cast.worker_id.as_str(),
        "{answer}"
    );
    assert_eq!(answer["ward"]["households"], 24);
    let (status, _) = cmdr.get(&format!("/api/wards/{}", p.elsewhere_unit)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let micro = disp
        .json(&format!("/api/wards?micro={}", cast.worker_grid))
        .await;
    assert_eq!(micro["units"], p.units.len());
    assert_eq!(micro["unassigned"], p.units.len() - 1);
    let own = wkr.json("/api/wards").await;
    assert_eq!(own["wards"].as_array().unwrap().len(), 2);

    // Reassigned, then taken off: the last word holds.
    let (status, _) = disp
        .call(
            Method::PUT,
            "/api/wards",
            Some(
                json!({ "wards": [{ "unit": first, "worker": cast.worker_id, "households": 30 }] }),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        disp.json(&format!("/api/wards/{first}")).await["ward"]["households"],
        30
    );
    let (status, _) = cmdr
        .call(Method::DELETE, &format!("/api/wards/{first}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(disp.json(&format!("/api/wards/{first}")).await["ward"].is_null());

    let audit = disp.json("/api/audit?action=wards.set").await;
    let kept = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == 200)
        .count();
    assert_eq!(kept, 2, "{audit}");
    let cleared = disp.json("/api/audit?action=wards.clear").await;
    assert_eq!(cleared["entries"][0]["target"], first.as_str());
}
