//! Accounts, sessions, roles and scopes on a center server over real HTTP: every route checks
//! the role and the scope, out of scope leaks nothing (lists, counts, map layers, search, the
//! live stream), logins are slowed after failures, sessions end, and every change is audited.

mod common;

use std::time::Duration;

use binhe_server::Database;
use binhe_store::{AccountRepository, Session, SqliteStore};
use common::Harness;
use common::center::{Cast, PASSWORD, Terminal, make_accounts, point_in, request_at};
use reqwest::{Method, StatusCode, StatusCode as S};
use serde_json::{Value, json};

struct Desk {
    center: Harness,
    cast: Cast,
    disp: Terminal,
    cmdr: Terminal,
    wkr: Terminal,
    admin: Terminal,
    anon: Terminal,
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

async fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("center.sqlite");
    let database = Database::Sqlite(path.clone());
    let cast = make_accounts(&database).await;
    let center = Harness::center(database).await;
    let base = center.base();
    Desk {
        disp: Terminal::login(&base, "disp").await,
        cmdr: Terminal::login(&base, "cmdr").await,
        wkr: Terminal::login(&base, "wkr").await,
        admin: Terminal::login(&base, "admin").await,
        anon: Terminal::anonymous(&base),
        center,
        cast,
        _dir: dir,
        path,
    }
}

/// Creates a ticket at the `n`-th micro-grid of `community` as the dispatcher.
async fn ticket_in(d: &Desk, community: &str, n: usize) -> Value {
    let (lon, lat, _) = point_in(&d.disp, community, n).await;
    let (status, answer) = d
        .disp
        .post("/api/tickets", request_at(lon, lat, "楼道堆放杂物"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer["ticket"].clone()
}

fn code(answer: &Value) -> &str {
    answer["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn every_route_checks_role_and_scope() {
    let d = desk().await;
    let own = ticket_in(&d, &d.cast.community, 0).await;
    let foreign = ticket_in(&d, &d.cast.other_community, 0).await;
    // The worker holds the ticket in their community.
    let (status, answer) = d
        .disp
        .post(
            &format!("/api/tickets/{}/actions", own["id"]),
            json!({ "action": "register", "version": own["version"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = d
        .disp
        .post(
            &format!("/api/tickets/{}/actions", own["id"]),
            json!({ "action": "dispatch", "version": answer["ticket"]["version"],
                    "grid": d.cast.worker_grid, "worker_id": d.cast.worker_id }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let own_id = own["id"].as_i64().unwrap();
    let foreign_id = foreign["id"].as_i64().unwrap();
    let sla = d.disp.json("/api/sla").await;
    let catalogue = d.disp.json("/api/catalogue").await["categories"].clone();

    let (ok, no, anon) = (S::OK, S::FORBIDDEN, S::UNAUTHORIZED);
    // Expected answers for: dispatcher, commander, worker, administrator, nobody.
    let matrix: Vec<(Method, String, Option<Value>, [StatusCode; 5])> = vec![
        (
            Method::GET,
            "/api/session".into(),
            None,
            [ok, ok, ok, ok, anon],
        ),
        (
            Method::GET,
            "/api/summary".into(),
            None,
            [ok, ok, ok, ok, anon],
        ),
        (
            Method::GET,
            "/api/grids.geojson".into(),
            None,
            [ok, ok, ok, ok, anon],
        ),
        (
            Method::GET,
            "/api/grids/tree".into(),
            None,
            [ok, ok, ok, ok, anon],
        ),
        (
            Method::GET,
            format!("/api/grids/{}", d.cast.other_community),
            None,
            [ok, no, ok, ok, anon],
        ),
        (
            Method::GET,
            format!("/api/grids/{}", d.cast.community),
            None,
            [ok, ok, ok, ok, anon],
        ),
        (
            Method::GET,
            "/api/grids/search?q=1".into(),
            None,
            [ok, ok, ok, ok, anon],
        ),
        (
            Method::GET,
            "/api/locate?lon=117.1&lat=40.1".into(),
            None,
            [ok, ok, ok, ok, anon],
        ),
        (
            Method::GET,
            "/api/tickets".into(),
            None,
            [ok, ok, ok, ok, anon],
        ),
        (
            Method::GET,
            "/api/tickets.geojson".into(),
            None,
            [ok, ok, ok, ok, anon],
        ),
        (
            Method::GET,
            format!("/api/tickets/{own_id}"),
            None,
            [ok, ok, ok, ok, anon],
        ),
        (
            Method::GET,
            format!("/api/tickets/{foreign_id}"),
            None,
            [ok, no, no, ok, anon],
        ),
        (
            Method::GET,
            format!("/api/tickets/{foreign_id}/snapshot.jpg"),
            None,
            [S::NOT_FOUND, no, no, S::NOT_FOUND, anon],
        ),
        (
            Method::GET,
            "/api/cameras/health".into(),
            None,
            [ok, ok, ok, ok, anon],
        ),
        (
            Method::GET,
            "/api/cameras/status".into(),
            None,
            [ok, no, no, ok, anon],
        ),
        (
            Method::POST,
            "/api/door-access/events".into(),
            Some(json!({"unit": "NO-SUCH-UNIT", "kind": "forced"})),
            [S::NOT_FOUND, no, no, S::NOT_FOUND, anon],
        ),
        (
            Method::GET,
            "/api/door-access/NO-SUCH-UNIT/events".into(),
            None,
            [S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND, anon],
        ),
        (
            Method::GET,
            "/api/kpi/dashboard".into(),
            None,
            [ok, ok, no, ok, anon],
        ),
        (
            Method::GET,
            format!("/api/kpi/dashboard?community={}", d.cast.other_community),
            None,
            [ok, no, no, ok, anon],
        ),
        (
            Method::GET,
            "/api/kpi/assessment?kind=worker".into(),
            None,
            [ok, ok, no, ok, anon],
        ),
        (
            Method::GET,
            "/api/kpi/heat".into(),
            None,
            [ok, ok, no, ok, anon],
        ),
        (
            Method::GET,
            "/api/kpi/tickets?metric=received".into(),
            None,
            [ok, ok, no, ok, anon],
        ),
        (
            Method::GET,
            "/api/kpi/report".into(),
            None,
            [ok, ok, no, ok, anon],
        ),
        (
            Method::GET,
            format!("/api/kpi/report.xlsx?community={}", d.cast.other_community),
            None,
            [ok, no, no, ok, anon],
        ),
        (
            Method::GET,
            "/api/catalogue".into(),
            None,
            [ok, ok, ok, ok, anon],
        ),
        (
            Method::PUT,
            "/api/catalogue".into(),
            Some(catalogue),
            [ok, no, no, ok, anon],
        ),
        (
            Method::PUT,
            "/api/sla".into(),
            Some(sla),
            [ok, no, no, ok, anon],
        ),
        (
            Method::POST,
            "/api/grids/import".into(),
            Some(json!({"type": "nothing"})),
            [
                S::UNPROCESSABLE_ENTITY,
                no,
                no,
                S::UNPROCESSABLE_ENTITY,
                anon,
            ],
        ),
        (
            Method::POST,
            "/api/tickets/import".into(),
            Some(json!("")),
            [S::ACCEPTED, no, no, no, anon],
        ),
        (
            Method::GET,
            "/api/imports/999".into(),
            None,
            [S::NOT_FOUND, no, no, no, anon],
        ),
        (
            Method::POST,
            "/api/demo/feed".into(),
            Some(json!({"running": true})),
            [S::CONFLICT, no, no, S::CONFLICT, anon],
        ),
        (
            Method::GET,
            "/api/accounts".into(),
            None,
            [ok, no, no, ok, anon],
        ),
        (
            Method::POST,
            "/api/accounts".into(),
            Some(json!({"login": "x"})),
            [S::BAD_REQUEST, no, no, S::BAD_REQUEST, anon],
        ),
        (
            Method::PATCH,
            "/api/accounts/nobody".into(),
            Some(json!({"name": "某人"})),
            [S::NOT_FOUND, no, no, S::NOT_FOUND, anon],
        ),
        (
            Method::GET,
            "/api/audit".into(),
            None,
            [ok, no, no, ok, anon],
        ),
        (
            Method::POST,
            format!("/api/tickets/{own_id}/drop"),
            Some(json!({})),
            [S::BAD_REQUEST, S::BAD_REQUEST, no, no, anon],
        ),
        (
            Method::POST,
            format!("/api/tickets/{foreign_id}/drop"),
            Some(json!({})),
            [S::BAD_REQUEST, no, no, no, anon],
        ),
        (
            Method::POST,
            format!("/api/tickets/{foreign_id}/actions"),
            Some(json!({"action": "note", "version": 1, "note": "x"})),
            [S::BAD_REQUEST, no, no, no, anon],
        ),
        (
            Method::POST,
            "/api/tickets".into(),
            Some(json!({"channel": "hotline"})),
            [
                S::UNPROCESSABLE_ENTITY,
                S::UNPROCESSABLE_ENTITY,
                S::UNPROCESSABLE_ENTITY,
                no,
                anon,
            ],
        ),
        (
            Method::POST,
            "/api/logout".into(),
            None,
            [
                S::NO_CONTENT,
                S::NO_CONTENT,
                S::NO_CONTENT,
                S::NO_CONTENT,
                anon,
            ],
        ),
    ];
    let mut wrong = Vec::new();
    for (method, path, body, expected) in matrix {
        let sessions = [&d.disp, &d.cmdr, &d.wkr, &d.admin, &d.anon];
        for (who, (terminal, want)) in [
            "dispatcher",
            "commander",
            "worker",
            "administrator",
            "nobody",
        ]
        .iter()
        .zip(sessions.into_iter().zip(expected))
        {
            if path == "/api/logout" && *who != "nobody" {
                // Logging out is checked last, on copies, so the sessions above stay.
                continue;
            }
            let (status, answer) = terminal.call(method.clone(), &path, body.clone()).await;
            if status != want {
                wrong.push(format!(
                    "{who} {method} {path}: {status} (want {want}) {answer}"
                ));
            }
            if status == S::FORBIDDEN
                && !matches!(code(&answer), "ROLE_NOT_PERMITTED" | "OUT_OF_SCOPE")
            {
                wrong.push(format!(
                    "{who} {method} {path}: 403 without a code: {answer}"
                ));
            }
            if status == S::UNAUTHORIZED && code(&answer) != "AUTH_REQUIRED" {
                wrong.push(format!(
                    "{who} {method} {path}: 401 without AUTH_REQUIRED: {answer}"
                ));
            }
        }
    }
    // An SSE stream too needs a session.
    let (status, answer) = d.anon.get("/api/stream").await;
    if status != S::UNAUTHORIZED {
        wrong.push(format!("nobody GET /api/stream: {status} {answer}"));
    }
    for terminal in [&d.disp, &d.cmdr, &d.wkr, &d.admin] {
        let (status, _) = terminal.post("/api/logout", json!({})).await;
        assert_eq!(status, S::NO_CONTENT);
        let (status, answer) = terminal.get("/api/session").await;
        assert_eq!(
            (status, code(&answer)),
            (S::UNAUTHORIZED, "AUTH_REQUIRED"),
            "logged out"
        );
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test]
async fn a_commander_sees_nothing_outside_their_community() {
    let d = desk().await;
    let own = ticket_in(&d, &d.cast.community, 1).await;
    let foreign = ticket_in(&d, &d.cast.other_community, 1).await;
    let own_id = own["id"].as_i64().unwrap();

    let ids = |list: &Value| -> Vec<i64> {
        list["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    };
    let all = d.disp.json("/api/tickets?scope=all").await;
    assert_eq!(all["total"], 2);
    let mine = d.cmdr.json("/api/tickets?scope=all").await;
    assert_eq!(
        (ids(&mine), mine["total"].clone()),
        (vec![own_id], json!(1)),
        "list and count"
    );
    let layer = d.cmdr.json("/api/tickets.geojson?scope=all").await;
    let on_map: Vec<i64> = layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    assert_eq!(on_map, [own_id], "map layer");
    // Asking for the other community by name finds nothing either.
    let filtered = d
        .cmdr
        .json(&format!(
            "/api/tickets?scope=all&community={}",
            d.cast.other_community
        ))
        .await;
    assert_eq!(filtered["total"], 0);
    // An export is cut the same way, and full phone numbers are a dispatcher's only.
    let (status, csv) = d.cmdr.get("/api/tickets/export.csv?scope=all").await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = csv.as_str().unwrap().lines().collect();
    assert_eq!(lines.len(), 2, "the header and their own ticket: {csv}");
    assert!(lines[1].starts_with(&format!("{own_id},")), "{csv}");
    let (status, refused) = d
        .cmdr
        .get("/api/tickets/export.csv?scope=all&phones=full")
        .await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::FORBIDDEN, "ROLE_NOT_PERMITTED")
    );
    let (status, _) = d
        .disp
        .get("/api/tickets/export.csv?scope=all&phones=full")
        .await;
    assert_eq!(status, StatusCode::OK);
    // The worker sees only what they hold or reported: nothing yet.
    assert_eq!(d.wkr.json("/api/tickets?scope=all").await["total"], 0);

    let grids = d.cmdr.json("/api/grids.geojson").await;
    let features = grids["features"].as_array().unwrap();
    assert!(!features.is_empty());
    assert!(
        features
            .iter()
            .all(|f| f["properties"]["community"] == d.cast.community.as_str()),
        "only their community's grids"
    );
    let summary = d.cmdr.json("/api/summary").await;
    assert_eq!(summary["communities"], 1);
    assert_eq!(summary["scope_code"], d.cast.community.as_str());
    assert!(
        summary["micro_grids"].as_u64().unwrap()
            < d.disp.json("/api/summary").await["micro_grids"]
                .as_u64()
                .unwrap()
    );
    let tree = d.cmdr.json("/api/grids/tree").await;
    assert_eq!(tree["code"], d.cast.community.as_str());
    let search = d
        .cmdr
        .json(&format!("/api/grids/search?q={}", d.cast.other_community))
        .await;
    assert_eq!(
        search,
        json!([]),
        "search does not reveal other communities"
    );
    let (lon, lat) = (
        foreign["lon"].as_f64().unwrap(),
        foreign["lat"].as_f64().unwrap(),
    );
    let located = d
        .cmdr
        .json(&format!("/api/locate?lon={lon}&lat={lat}"))
        .await;
    assert_eq!(
        (located["micro"].clone(), located["community"].clone()),
        (Value::Null, Value::Null)
    );

    // Dispatching their own ticket into another community is refused, and changes nothing.
    let (_, _, elsewhere) = point_in(&d.disp, &d.cast.other_community, 2).await;
    let (status, answer) = d
        .cmdr
        .post(
            &format!("/api/tickets/{own_id}/actions"),
            json!({ "action": "dispatch", "version": own["version"], "grid": elsewhere }),
        )
        .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::FORBIDDEN, "OUT_OF_SCOPE"),
        "{answer}"
    );
    assert_eq!(
        d.disp.json(&format!("/api/tickets/{own_id}")).await["ticket"]["version"],
        own["version"]
    );

    // Nor may they fold their ticket into one of another community.
    let (status, answer) = d
        .cmdr
        .post(
            &format!("/api/tickets/{own_id}/actions"),
            json!({ "action": "merge", "version": own["version"], "into": foreign["id"] }),
        )
        .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::FORBIDDEN, "OUT_OF_SCOPE"),
        "{answer}"
    );

    // The live stream carries only their community's events.
    let mut stream = d.cmdr.stream(Some(0)).await;
    let replayed = stream.take(1).await;
    assert_eq!(replayed[0]["ticket_id"], own_id, "replay is scoped");
    let _ = ticket_in(&d, &d.cast.other_community, 3).await;
    let later = ticket_in(&d, &d.cast.community, 3).await;
    let next = stream.take(1).await;
    assert_eq!(
        next[0]["ticket_id"], later["id"],
        "the other community's new ticket was skipped"
    );
    assert!(
        stream
            .next_within(Duration::from_millis(500))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn logins_fail_clearly_slow_down_and_sessions_end() {
    let d = desk().await;
    let base = d.center.base();
    let anon = Terminal::anonymous(&base);
    let login = |login: &str, password: &str| {
        let anon = anon.clone();
        let body = json!({ "login": login, "password": password });
        async move { anon.post("/api/login", body).await }
    };
    let (status, answer) = login("' OR '1'='1", "' OR '1'='1").await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::UNAUTHORIZED, "LOGIN_FAILED")
    );
    let (status, answer) = login("", "").await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "LOGIN_INVALID")
    );
    let (status, unknown) = login("nobody", "whatever-password").await;
    let (status2, wrong) = login("cmdr", "whatever-password").await;
    assert_eq!(
        (status, status2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        unknown["error"], wrong["error"],
        "an unknown login answers like a wrong password"
    );
    assert_eq!(code(&wrong), "LOGIN_FAILED");
    assert_eq!(wrong["error"]["message_zh"], "账号或密码错误");
    for _ in 0..4 {
        login("cmdr", "still-wrong").await;
    }
    // Five failures in a row: the next attempt must wait, even with the right password.
    let response = anon
        .client
        .post(format!("{base}/api/login"))
        .json(&json!({ "login": "cmdr", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(code(&answer), "LOGIN_THROTTLED");
    assert!(retry >= 1 && answer["error"]["retry_after_s"] == retry);
    // Other accounts are not affected; the existing session keeps working.
    assert_eq!(d.cmdr.get("/api/session").await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_secs(retry + 1)).await;
    Terminal::login(&base, "cmdr").await;

    // A tampered token, an expired session, a logged-out session: all 401.
    let mut tampered = d.disp.clone();
    let mut token = tampered.token.clone().unwrap();
    token.replace_range(0..1, if token.starts_with('0') { "1" } else { "0" });
    tampered.token = Some(token);
    let (status, answer) = tampered.get("/api/tickets").await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::UNAUTHORIZED, "AUTH_REQUIRED")
    );
    let store = SqliteStore::open(&d.path).await.unwrap();
    let expired_token = "0f".repeat(32);
    store
        .create_session(&Session {
            token_hash: binhe_server::auth::passwords::token_hash(&expired_token),
            login: "disp".to_owned(),
            created_at: chrono::Utc::now() - chrono::Duration::hours(13),
            expires_at: chrono::Utc::now() - chrono::Duration::hours(1),
            terminal: "旧终端".to_owned(),
            address: "127.0.0.1".to_owned(),
        })
        .await
        .unwrap();
    let mut expired = d.disp.clone();
    expired.token = Some(expired_token);
    let (status, answer) = expired.get("/api/tickets").await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::UNAUTHORIZED, "SESSION_EXPIRED")
    );
    assert_eq!(answer["error"]["message_zh"], "会话已过期，请重新登录");

    // Disabling an account ends its sessions and refuses its logins.
    let (status, answer) = d
        .admin
        .call(
            Method::PATCH,
            "/api/accounts/wkr",
            Some(json!({ "disabled": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["disabled"], true);
    assert_eq!(d.wkr.get("/api/session").await.0, StatusCode::UNAUTHORIZED);
    let (status, answer) = login("wkr", PASSWORD).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::FORBIDDEN, "ACCOUNT_DISABLED")
    );

    // The cookie works like the bearer token, and logging out clears it.
    let response = anon
        .client
        .post(format!("{base}/api/login"))
        .json(&json!({ "login": "admin", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    let session = anon
        .client
        .get(format!("{base}/api/session"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), StatusCode::OK);
    let session: Value = session.json().await.unwrap();
    assert_eq!(
        (
            session["mode"].as_str(),
            session["account"]["role"].as_str()
        ),
        (Some("center"), Some("administrator"))
    );
    // A page of another site may not use the cookie.
    let cross = anon
        .client
        .post(format!("{base}/api/logout"))
        .header("cookie", &pair)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn accounts_are_checked_and_every_change_is_audited() {
    let d = desk().await;
    let new = |body: Value| {
        let admin = d.admin.clone();
        async move { admin.post("/api/accounts", body).await }
    };
    let cases = [
        (
            json!({"login": "A B", "name": "x", "role": "dispatcher", "password": PASSWORD}),
            "login",
        ),
        (
            json!({"login": "jinhai2", "name": "", "role": "dispatcher", "password": PASSWORD}),
            "name",
        ),
        (
            json!({"login": "jinhai2", "name": "金海", "role": "mayor", "password": PASSWORD}),
            "role",
        ),
        (
            json!({"login": "jinhai2", "name": "金海", "role": "commander", "community": "110117001999000", "password": PASSWORD}),
            "community",
        ),
        (
            json!({"login": "jinhai2", "name": "金海", "role": "worker", "worker_id": "nobody", "password": PASSWORD}),
            "worker_id",
        ),
        (
            json!({"login": "jinhai2", "name": "金海", "role": "dispatcher", "password": "short"}),
            "password",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = new(body).await;
        assert_eq!(
            (status, answer["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{answer}"
        );
    }
    let injection = "'); DROP TABLE accounts; --";
    let (status, answer) = new(
        json!({"login": "jinhai2", "name": injection, "role": "commander",
        "community": d.cast.other_community, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["name"], injection, "stored verbatim");
    let (status, answer) =
        new(json!({"login": "jinhai2", "name": "x", "role": "dispatcher", "password": PASSWORD}))
            .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::CONFLICT, "ACCOUNT_EXISTS")
    );
    let listed = d.admin.json("/api/accounts").await;
    assert_eq!(listed["accounts"].as_array().unwrap().len(), 5);
    assert!(
        listed.to_string().find("password").is_none(),
        "no hashes leave the server"
    );
    Terminal::login(&d.center.base(), "jinhai2").await;

    // A refused action is audited with who, from which terminal, and the answer.
    let own = ticket_in(&d, &d.cast.community, 2).await;
    let (status, _) = d
        .wkr
        .post(
            &format!("/api/tickets/{}/actions", own["id"]),
            json!({"action": "register", "version": own["version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let audit = d.admin.json("/api/audit?account=wkr").await;
    let entry = &audit["entries"][0];
    assert_eq!(entry["action"], "ticket.register");
    assert_eq!(entry["target"], own["id"].to_string());
    assert_eq!(entry["status"], 403);
    assert_eq!(entry["terminal"], "wkr 的终端");
    assert_eq!(entry["address"], "127.0.0.1");
    assert_eq!(entry["role"], "worker");
    let logins = d.admin.json("/api/audit?action=login").await;
    assert!(logins["total"].as_u64().unwrap() >= 5);
    let created = d.admin.json("/api/audit?action=account.create").await;
    let statuses: Vec<u64> = created["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1);
    assert_eq!(
        statuses.iter().filter(|s| **s == 400).count(),
        6,
        "refused ones too"
    );
    let by_ticket = d
        .admin
        .json(&format!("/api/audit?ticket={}", own["id"]))
        .await;
    assert_eq!(by_ticket["total"], 1);
    let (status, answer) = d.admin.get("/api/audit?since=yesterday").await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("since"))
    );
    let failed = d.admin.json("/api/audit?action=login_failed").await;
    assert_eq!(failed["total"], 0);
    Terminal::anonymous(&d.center.base())
        .post(
            "/api/login",
            json!({"login": "disp", "password": "wrong-password"}),
        )
        .await;
    let failed = d.admin.json("/api/audit?action=login_failed").await;
    assert_eq!(
        (
            failed["total"].clone(),
            failed["entries"][0]["target"].clone()
        ),
        (json!(1), json!("disp"))
    );
}

#[tokio::test]
async fn two_terminals_on_one_ticket_the_second_gets_a_conflict_with_the_current_state() {
    let d = desk().await;
    let own = ticket_in(&d, &d.cast.community, 4).await;
    let path = format!("/api/tickets/{}/actions", own["id"]);
    let seen = own["version"].clone();
    let (first, answer) = d
        .disp
        .post(
            &path,
            json!({"action": "register", "version": seen, "note": "调度员受理"}),
        )
        .await;
    assert_eq!(first, StatusCode::OK, "{answer}");
    let (second, answer) = d
        .cmdr
        .post(
            &path,
            json!({"action": "register", "version": seen, "note": "社区受理"}),
        )
        .await;
    assert_eq!(
        (second, code(&answer)),
        (StatusCode::CONFLICT, "STALE_VERSION")
    );
    assert_eq!(
        answer["error"]["ticket"]["state"], "registered",
        "sees the current state"
    );
    let card = d.cmdr.json(&format!("/api/tickets/{}", own["id"])).await;
    let notes: Vec<&Value> = card["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "registered")
        .collect();
    assert_eq!(notes.len(), 1, "nothing overwritten");
    assert_eq!(
        card["events"][1]["actor"]["name"], "调度员甲",
        "every step names its person"
    );
}
