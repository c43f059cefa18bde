//! The three circles and the 居民议事厅 over HTTP (issue 16): the commander keeps the circles of
//! their community (residents, merchants, units; party members); what a person writes wrong is
//! named by field and nothing is kept; a resident's personal data reaches the commander and the
//! worker of their micro-grid, the desk sees it masked; a meeting about one of the community's
//! tickets shares its cost among members by the rule agreed (each share reckoned, adding up to
//! the total), payments are recorded, the problem is marked solved once agreed, and the
//! dashboard counts it with its ticket; every change is on the audit record.

mod common;

use binhe_server::Database;
use common::Harness;
use common::center::{Cast, Terminal, make_accounts, point_in, request_at};
use common::requests::assert_refused_by_field;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Street {
    _dir: tempfile::TempDir,
    cast: Cast,
    center: Harness,
    disp: Terminal,
    cmdr: Terminal,
    wkr: Terminal,
}

async fn street() -> Street {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("street.sqlite"));
    let cast = make_accounts(&database).await;
    let center = Harness::center(database).await;
    let base = center.base();
    let login = |who: &'static str| Terminal::login(&base, who);
    let (disp, cmdr, wkr) = (login("disp").await, login("cmdr").await, login("wkr").await);
    Street {
        _dir: dir,
        cast,
        center,
        disp,
        cmdr,
        wkr,
    }
}

fn ids(list: &Value, key: &str) -> Vec<i64> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn circles_share_a_cost_and_the_dashboard_counts_what_they_solved() {
    let Street {
        _dir,
        cast,
        center,
        disp,
        cmdr,
        wkr,
    } = street().await;
    let micro = &cast.worker_grid[..15];

    // Wrong in three ways, named at once; nothing kept.
    let (status, refused) = cmdr
        .post(
            "/api/circles",
            json!({ "circle": "neighbours", "name": " ", "phone": "电话", "area_m2": -3 }),
        )
        .await;
    assert_refused_by_field(
        (status, &refused),
        "CIRCLE_INVALID",
        &["name", "address", "phone", "area_m2"],
        "居民姓名",
    );
    assert_eq!(cmdr.json("/api/circles").await["members"], json!([]));

    // The commander's members land in their community; the phone is kept as its digits.
    let mut merchants = Vec::new();
    for (shop, area) in [("渔阳茶社", 120.0), ("滨河文印社", 80.0)] {
        let (status, made) = cmdr
            .post(
                "/api/circles",
                json!({
                    "circle": "merchants", "micro": micro, "name": shop, "contact": "马志远",
                    "phone": "１３８ ００００ ０２０１", "address": "一层商铺", "area_m2": area,
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert_eq!(made["community"]["code"], cast.community.as_str());
        assert_eq!(made["phone"], "13800000201");
        merchants.push(made["id"].as_i64().unwrap());
    }
    // A worker adds a resident of their own micro-grid, a party member.
    let (status, resident) = wkr
        .post(
            "/api/circles",
            json!({ "circle": "neighbours", "name": "李秀兰", "phone": "13800000111",
                    "address": "1号楼2单元301", "party_member": true }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{resident}");
    assert_eq!(resident["micro"]["code"], micro);
    let resident_id = resident["id"].as_i64().unwrap();
    // … not in another community; and the commander not there either.
    let (status, _) = cmdr
        .post(
            "/api/circles",
            json!({ "circle": "units", "community": cast.other_community, "name": "某单位" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Personal data: the commander and the worker of the micro-grid see it, the desk does not.
    let seen = |list: &Value| {
        list["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == resident_id)
            .unwrap()
            .clone()
    };
    let by_cmdr = seen(&cmdr.json("/api/circles").await);
    assert_eq!(
        (by_cmdr["name"].as_str(), by_cmdr["phone"].as_str()),
        (Some("李秀兰"), Some("13800000111"))
    );
    assert_eq!(seen(&wkr.json("/api/circles").await)["personal"], true);
    let desk_list = disp
        .json(&format!("/api/circles?community={}", cast.community))
        .await;
    let by_desk = seen(&desk_list);
    assert_eq!(by_desk["name"], "李**");
    assert_eq!(by_desk["address"], "1号楼…");
    assert!(by_desk["phone"].is_null(), "{by_desk}");
    let listed = desk_list["members"].as_array().unwrap();
    assert_eq!(listed[0]["circle"], "neighbours", "邻里圈 first");
    let shop = &listed[1];
    assert_eq!(shop["circle"], "merchants");
    assert_eq!(shop["contact"], "马**", "a shop's contact is a person");
    assert!(shop["name"].as_str().unwrap().contains('社'), "{shop}");
    let counts = &desk_list["counts"];
    assert_eq!(counts[0]["circle"], "neighbours");
    assert_eq!(
        (
            counts[0]["members"].as_u64(),
            counts[0]["party_members"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(counts[1]["members"], 2);
    // A place asked as text that is no code is outside, not a failure.
    let (status, _) = cmdr.get("/api/circles?micro=a承平园小区").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = disp.get("/api/wards?community=a承平园小区").await;
    assert_eq!(status, StatusCode::OK);
    let merchants_only = cmdr.json("/api/circles?circle=merchants").await;
    assert_eq!(ids(&merchants_only, "members").len(), 2);

    // A ticket of the community the meeting is about.
    let (lon, lat, _) = point_in(&disp, &cast.community, 0).await;
    let (status, made) = disp
        .post("/api/tickets", request_at(lon, lat, "屋面漏水"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let ticket = made["ticket"]["id"].as_i64().unwrap();
    let (lon, lat, _) = point_in(&disp, &cast.other_community, 0).await;
    let (_, foreign) = disp
        .post("/api/tickets", request_at(lon, lat, "别处的工单"))
        .await;
    let foreign = foreign["ticket"]["id"].as_i64().unwrap();

    // Agreed amounts that do not make the total, a foreign ticket, a vote bigger than the room.
    let meeting = |ticket: i64, amounts: [i64; 2]| {
        json!({
            "micro": micro, "topic": "屋面漏水维修费用分摊", "place": "居民议事厅",
            "ticket": ticket, "participants": [merchants[0], merchants[1], resident_id],
            "attendees": 6, "minutes": "物业报价 1 万元", "decision": "两家商户按约定金额分摊",
            "votes": { "for": 5, "against": 0, "abstain": 1 },
            "sharing": {
                "item": "屋面防水", "total_fen": 1_000_000, "rule": "agreed",
                "sharers": [
                    { "member": merchants[0], "agreed_fen": amounts[0] },
                    { "member": merchants[1], "agreed_fen": amounts[1] },
                ],
            },
        })
    };
    let (status, refused) = cmdr
        .post("/api/deliberations", meeting(foreign, [600_000, 300_000]))
        .await;
    assert_refused_by_field(
        (status, &refused),
        "DELIBERATION_INVALID",
        &["ticket", "total_fen"],
        "本社区没有编号",
    );
    let mut too_many = meeting(ticket, [600_000, 400_000]);
    too_many["votes"]["for"] = json!(9);
    let (status, refused) = cmdr.post("/api/deliberations", too_many).await;
    assert_refused_by_field(
        (status, &refused),
        "DELIBERATION_INVALID",
        &["votes"],
        "表决票数",
    );
    let (status, refused) = wkr
        .post("/api/deliberations", meeting(ticket, [600_000, 400_000]))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(cmdr.json("/api/deliberations").await["total"], 0);

    let (status, held) = cmdr
        .post("/api/deliberations", meeting(ticket, [600_000, 400_000]))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{held}");
    let id = held["id"].as_i64().unwrap();
    assert_eq!(held["outcome"], "agreed");
    assert_eq!(held["outcome_zh"], "已通过");
    assert_eq!(held["ticket"], ticket);
    assert_eq!(held["participants"].as_array().unwrap().len(), 3);
    let sharing = &held["sharing"];
    assert_eq!(sharing["rule_zh"], "按约定金额");
    let amounts: Vec<i64> = sharing["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["amount_fen"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [600_000, 400_000]);
    assert_eq!(
        (sharing["paid"].as_u64(), sharing["paid_fen"].as_i64()),
        (Some(0), Some(0))
    );

    // By area from the members' recorded areas: 120 : 80 of ¥1,000.01, to the fen.
    let (status, by_area) = disp
        .post(
            "/api/deliberations",
            json!({
                "community": cast.community, "topic": "排水管道改造", "attendees": 2,
                "decision": "按面积分摊",
                "sharing": { "item": "管道", "total_fen": 100_001, "rule": "by_area",
                             "sharers": [{ "member": merchants[0] }, { "member": merchants[1] }] },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{by_area}");
    let parts: Vec<i64> = by_area["sharing"]["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["amount_fen"].as_i64().unwrap())
        .collect();
    assert_eq!(parts, [60_001, 40_000]);

    // Payments, and taking one back.
    let paid = async |member: i64, paid: bool| {
        cmdr.call(
            Method::PUT,
            &format!("/api/deliberations/{id}/shares/{member}"),
            Some(json!({ "paid": paid })),
        )
        .await
    };
    let (status, after) = paid(merchants[0], true).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(
        (
            after["sharing"]["paid"].as_u64(),
            after["sharing"]["paid_fen"].as_i64()
        ),
        (Some(1), Some(600_000))
    );
    let (status, _) = paid(resident_id, true).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the resident owes no share");
    paid(merchants[1], true).await;
    let (_, after) = paid(merchants[0], false).await;
    assert_eq!(after["sharing"]["paid_fen"], 400_000);

    // Solved: counted on the dashboard of the community with its ticket, not elsewhere.
    let solved = async |id: i64, solved: bool| {
        cmdr.call(
            Method::PUT,
            &format!("/api/deliberations/{id}/solved"),
            Some(json!({ "solved": solved })),
        )
        .await
    };
    let (status, done) = solved(id, true).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(done["solved_at"].is_string());
    let dashboard = cmdr.json("/api/kpi/dashboard").await;
    assert_eq!(
        dashboard["circles"]["solved"], 1,
        "{}",
        dashboard["circles"]
    );
    assert_eq!(dashboard["circles"]["cases"][0]["ticket"], ticket);
    let street = disp.json("/api/kpi/dashboard").await;
    assert_eq!(street["circles"]["solved"], 1);
    let other = disp
        .json(&format!(
            "/api/kpi/dashboard?community={}",
            cast.other_community
        ))
        .await;
    assert_eq!(other["circles"]["solved"], 0);

    // A meeting without a decision solved nothing.
    let (_, pending) = cmdr
        .post(
            "/api/deliberations",
            json!({ "topic": "停车位不足", "attendees": 3 }),
        )
        .await;
    assert_eq!(pending["outcome"], "pending");
    let (status, refused) = solved(pending["id"].as_i64().unwrap(), true).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "NOT_AGREED");

    // Another community's commander and a worker elsewhere see none of it.
    let (status, _) = cmdr
        .get(&format!(
            "/api/deliberations?community={}",
            cast.other_community
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let listed = disp.json("/api/deliberations").await;
    assert_eq!(
        (listed["total"].as_u64(), listed["solved"].as_u64()),
        (Some(3), Some(1))
    );

    // Leaving: no longer listed, still named at the meeting.
    let (status, left) = cmdr
        .call(
            Method::DELETE,
            &format!("/api/circles/{}", merchants[1]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{left}");
    assert!(left["left_at"].is_string());
    let members = ids(&cmdr.json("/api/circles?circle=merchants").await, "members");
    assert_eq!(members, [merchants[0]]);
    let again = cmdr.json(&format!("/api/deliberations/{id}")).await;
    assert_eq!(again["participants"].as_array().unwrap().len(), 3);

    // An administrator keeps the accounts, not the street's records.
    let admin = Terminal::login(&center.base(), "admin").await;
    let (status, _) = admin
        .post(
            "/api/circles",
            json!({ "circle": "units", "community": cast.community, "name": "某单位" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = admin
        .call(
            Method::PUT,
            &format!("/api/deliberations/{id}/solved"),
            Some(json!({ "solved": false })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(admin.json("/api/deliberations").await["total"], 3);

    // On the record, without the residents' names.
    for (action, count) in [
        ("circles.add", 3),
        ("circles.leave", 1),
        ("deliberation.create", 3),
        ("deliberation.paid", 3),
        ("deliberation.solved", 1),
    ] {
        let audit = admin.json(&format!("/api/audit?action={action}")).await;
        let ok: Vec<&Value> = audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["status"].as_u64().is_some_and(|s| s < 300))
            .collect();
        assert_eq!(ok.len(), count, "{action}: {audit}");
        assert!(!audit.to_string().contains("李秀兰"), "{audit}");
    }
}
