//! The wire contract holds over real HTTP: every route family's answer reads into the
//! `binhe_api` type the UI reads it with and writes back exactly as the server sent it, so a
//! field the type drops, a field it misses, a number of the wrong kind or a time in another form
//! fails here instead of in the browser.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use binhe_api::ErrorBody;
use binhe_api::auth::{Account, AccountList, AuditPage, DesktopCenter, LoggedIn, SessionView};
use binhe_api::devices::{DoorEvents, DoorRecorded, GatewayStatus, HealthReport, WALL, WallNotice};
use binhe_api::grids::{
    DeviceLayer, GridDetail, GridLayer, Located, SearchHit, ServerHealth, Summary, TreeNode,
};
use binhe_api::kpi::{AssessmentAnswer, Dashboard, DrillDown, Heat, Report};
use binhe_api::tickets::{
    Acted, CatalogueView, Created, DemoFeedStatus, ExportProgress, ImportStarted, JobProgress,
    LiveEvent, TicketDetail, TicketLayer, TicketList,
};
use binhe_core::ticket::SlaTable;
use binhe_server::Database;
use binhe_server::desktop::CenterChoice;
use common::Harness;
use common::center::{Cast, Terminal, make_accounts, point_in, request_at};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Reads `value` as `T`, writes it back and insists nothing changed on the way.
fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> T {
    let name = std::any::type_name::<T>();
    let typed: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|error| panic!("{name} cannot read the answer: {error}\n{value:#}"));
    let again = serde_json::to_value(&typed).unwrap();
    if let Some(difference) = first_difference(value, &again, "$") {
        panic!("{name} does not give back what the server sent: {difference}");
    }
    typed
}

/// Where two JSON values first part, as a path with both sides.
fn first_difference(sent: &Value, back: &Value, at: &str) -> Option<String> {
    match (sent, back) {
        (Value::Object(a), Value::Object(b)) => {
            let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
            keys.into_iter().find_map(|key| {
                let path = format!("{at}.{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => first_difference(x, y, &path),
                    (x, y) => Some(format!("{path}: sent {x:?}, written back {y:?}")),
                }
            })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{at}[{i}]"))),
        _ if sent == back => None,
        _ => Some(format!("{at}: sent {sent}, written back {back}")),
    }
}

/// A center with its accounts, and tickets in several states made through the API.
struct Street {
    center: Harness,
    cast: Cast,
    disp: Terminal,
    cmdr: Terminal,
    admin: Terminal,
    /// Taken in, merged into, run through the whole loop and closed.
    closed: Value,
    /// Dispatched by a drop (so `undo_until` is set).
    dropped: Value,
    _dir: tempfile::TempDir,
}

async fn ok(terminal: &Terminal, method: Method, path: &str, body: Value) -> Value {
    let (status, answer) = terminal.call(method, path, Some(body)).await;
    assert!(status.is_success(), "{path}: {status} {answer}");
    answer
}

/// Runs `action` on `ticket` as `terminal` and answers what the server said.
async fn act(terminal: &Terminal, ticket: &Value, action: &str, extra: Value) -> Value {
    let mut body = json!({ "action": action, "version": ticket["version"] });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let path = format!("/api/tickets/{}/actions", ticket["id"]);
    ok(terminal, Method::POST, &path, body).await
}

/// Reports a request at `at` as `terminal`; the answer, which must be 201.
async fn report(terminal: &Terminal, at: (f64, f64, String), text: &str) -> Value {
    let (status, answer) = terminal
        .post("/api/tickets", request_at(at.0, at.1, text))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer
}

/// A JPEG as far as the intake looks (start and end markers).
const TINY_JPEG_BASE64: &str = "/9j/2Q==";

async fn street() -> Street {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("contract.sqlite"));
    let cast = make_accounts(&database).await;
    let center = Harness::center(database).await;
    let base = center.base();
    let disp = Terminal::login(&base, "disp").await;
    let place = point_in(&disp, &cast.community, 0).await;
    let micro = place.2.clone();
    let first = report(&disp, place.clone(), "楼道堆放杂物").await;
    // The same place again: merged into the first, which then lists it.
    report(&disp, place, "楼道堆放杂物，无人清理").await;
    let mut closed = first["ticket"].clone();
    for (action, extra) in [
        ("register", json!({ "note": "属实" })),
        ("dispatch", json!({ "grid": micro })),
        ("contact", json!({})),
        ("start", json!({})),
        (
            "feedback",
            json!({ "outcome": "solved", "note": "已清理", "photos": ["a.jpg"] }),
        ),
        ("verify", json!({ "satisfaction": "satisfied" })),
        ("close", json!({})),
    ] {
        closed = act(&disp, &closed, action, extra).await["ticket"].clone();
    }
    let place = point_in(&disp, &cast.community, 1).await;
    let second = report(&disp, place.clone(), "路灯不亮").await;
    let (lon, lat, micro) = place;
    let drop = json!({ "grid": micro, "lon": lon, "lat": lat, "version": 1 });
    let path = format!("/api/tickets/{}/drop", second["ticket"]["id"]);
    let dropped = ok(&disp, Method::POST, &path, drop).await["ticket"].clone();
    Street {
        cmdr: Terminal::login(&base, "cmdr").await,
        admin: Terminal::login(&base, "admin").await,
        center,
        cast,
        disp,
        closed,
        dropped,
        _dir: dir,
    }
}

#[tokio::test]
async fn every_grid_map_answer_reads_back_into_its_contract_type_unchanged() {
    let s = street().await;
    let d = &s.disp;
    round_trip::<ServerHealth>(&d.json("/api/health").await);
    round_trip::<Summary>(&d.json("/api/summary").await);
    round_trip::<Summary>(&s.cmdr.json("/api/summary").await);
    let tree = round_trip::<TreeNode>(&d.json("/api/grids/tree").await);
    let community = &tree.children[0];
    round_trip::<GridDetail>(&d.json(&format!("/api/grids/{}", tree.code)).await);
    round_trip::<GridDetail>(&d.json(&format!("/api/grids/{}", community.code)).await);
    let micro = round_trip::<GridDetail>(
        &d.json(&format!("/api/grids/{}", community.children[0].code))
            .await,
    );
    assert!(!micro.workers.is_empty(), "a micro-grid card names workers");
    let hits = round_trip::<Vec<SearchHit>>(&d.json("/api/grids/search?q=1").await);
    assert!(!hits.is_empty());
    let [west, south, east, north] = micro.bbox;
    let (lon, lat) = (f64::midpoint(west, east), f64::midpoint(south, north));
    let located = round_trip::<Located>(&d.json(&format!("/api/locate?lon={lon}&lat={lat}")).await);
    assert!(located.micro.is_some());
    round_trip::<Located>(&d.json("/api/locate?lon=116.4&lat=39.9").await);
    round_trip::<GridLayer>(&d.json("/api/grids.geojson").await);
    round_trip::<DeviceLayer>(&d.json("/api/devices.geojson").await);
}

#[tokio::test]
async fn every_ticket_answer_reads_back_into_its_contract_type_unchanged() {
    let s = street().await;
    let d = &s.disp;
    let list = round_trip::<TicketList>(&d.json("/api/tickets?scope=all").await);
    assert_eq!(list.total, 3, "closed, merged and dropped");
    round_trip::<TicketList>(&d.json("/api/tickets").await);
    round_trip::<TicketLayer>(&d.json("/api/tickets.geojson?scope=all").await);
    let card =
        round_trip::<TicketDetail>(&d.json(&format!("/api/tickets/{}", s.closed["id"])).await);
    assert!(card.events.len() > 5 && !card.duplicates.is_empty());
    assert!(!card.nearest.is_empty() && !card.responsible.is_empty());
    round_trip::<TicketDetail>(&d.json(&format!("/api/tickets/{}", s.dropped["id"])).await);

    let place = point_in(d, &s.cast.community, 2).await;
    let created = round_trip::<Created>(&report(d, place.clone(), "井盖缺失").await);
    let again = report(d, place, "井盖缺失，有人受伤").await;
    assert!(round_trip::<Created>(&again).duplicate.is_some());
    let alert = json!({
        "channel": "camera", "category": "street_vending", "description": "视频分析：占道经营",
        "source_ref": "SXJ0002", "snapshot_jpeg": TINY_JPEG_BASE64,
    });
    let (status, alert) = d.post("/api/tickets", alert).await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    assert!(round_trip::<Created>(&alert).ticket.camera.is_some());

    let ticket = serde_json::to_value(&created.ticket).unwrap();
    let registered = round_trip::<Acted>(&act(d, &ticket, "register", json!({})).await);
    let dropped = round_trip::<Acted>(&s.dropped_again(d).await);
    assert!(dropped.undo_until.is_some());
    let (status, refused) = d
        .post(
            &format!("/api/tickets/{}/actions", registered.ticket.id),
            json!({ "action": "close", "version": registered.ticket.version }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(round_trip::<ErrorBody>(&refused).error.ticket.is_some());

    round_trip::<CatalogueView>(&d.json("/api/catalogue").await);
    round_trip::<SlaTable>(&d.json("/api/sla").await);
    round_trip::<DemoFeedStatus>(&d.json("/api/demo/feed").await);

    let mut stream = d.stream(Some(0)).await;
    let first = stream.next_within(Duration::from_secs(10)).await.unwrap();
    assert_eq!(round_trip::<LiveEvent>(&first).event_id, 1);
}

impl Street {
    /// Takes the dropped ticket back and drops it again: the drop's answer.
    async fn dropped_again(&self, d: &Terminal) -> Value {
        let undone = act(d, &self.dropped, "undo_dispatch", json!({})).await["ticket"].clone();
        let grid = &self.dropped["assignment"]["grid"];
        let (lon, lat) = (&self.dropped["lon"], &self.dropped["lat"]);
        let drop = json!({ "grid": grid, "lon": lon, "lat": lat, "version": undone["version"] });
        let path = format!("/api/tickets/{}/drop", self.dropped["id"]);
        ok(d, Method::POST, &path, drop).await
    }
}

#[tokio::test]
async fn a_work_order_import_and_its_progress_read_back_unchanged() {
    let s = street().await;
    let response = s
        .disp
        .client
        .post(format!("{}/api/tickets/import", s.center.base()))
        .bearer_auth(s.disp.token.as_deref().unwrap())
        .header("x-file-name", "12345.csv")
        .body(include_bytes!("../fixtures/12345_sample.csv").to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let job = round_trip::<ImportStarted>(&response.json().await.unwrap()).job;
    let finished = tokio::time::timeout(Duration::from_secs(30), async {
        let path = format!("/api/imports/{job}");
        loop {
            let progress = round_trip::<JobProgress>(&s.disp.json(&path).await);
            if progress.finished {
                break progress;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let progress = finished.await.expect("the import finishes");
    assert!(!progress.errors.is_empty(), "the sample has refused rows");

    // An export followed by its token, and its count.
    let (status, _) = s
        .disp
        .get("/api/tickets/export.csv?scope=all&progress=contract-export")
        .await;
    assert_eq!(status, StatusCode::OK);
    let exported = round_trip::<ExportProgress>(&s.disp.json("/api/exports/contract-export").await);
    assert!(exported.done && exported.written == exported.total && exported.total > 0);
}

#[tokio::test]
async fn every_device_answer_reads_back_into_its_contract_type_unchanged() {
    let s = street().await;
    let d = &s.disp;
    let layer = round_trip::<DeviceLayer>(&d.json("/api/devices.geojson").await);
    let unit = layer
        .features
        .iter()
        .find(|f| f.properties.kind == binhe_core::DeviceKind::DoorAccess)
        .unwrap()
        .properties
        .id
        .clone();
    let report = json!({ "unit": unit, "kind": "held_open", "at": "2026-11-28T20:01:00+08:00", "detail": "2 号门" });
    let (status, recorded) = d.post("/api/door-access/events", report).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(round_trip::<DoorRecorded>(&recorded).event.is_some());
    let events =
        round_trip::<DoorEvents>(&d.json(&format!("/api/door-access/{unit}/events")).await);
    assert_eq!(events.events.len(), 1);
    round_trip::<HealthReport>(&d.json("/api/cameras/health").await);
    round_trip::<HealthReport>(&d.json("/api/cameras/health?since=0").await);
    round_trip::<GatewayStatus>(&s.admin.json("/api/cameras/status").await);
    let notices = wall_notices(&s, &[r#"{"cameras": ["SXJ9999"]}"#, "not json"]).await;
    assert!(notices[0].camera.is_some() && notices[1].camera.is_none());
}

/// What the video wall's socket answers to each of `asked`, read into the contract type.
async fn wall_notices(s: &Street, asked: &[&str]) -> Vec<WallNotice> {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{}{WALL}", s.center.server.address)
        .into_client_request()
        .unwrap();
    let token = format!("Bearer {}", s.disp.token.as_deref().unwrap());
    request
        .headers_mut()
        .insert("authorization", token.parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut notices = Vec::new();
    for text in asked {
        socket.send(Message::Text((*text).into())).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("the wall answers")
            .unwrap()
            .unwrap();
        let said: Value = serde_json::from_str(answer.to_text().unwrap()).unwrap();
        notices.push(round_trip::<WallNotice>(&said));
    }
    notices
}

#[tokio::test]
async fn every_kpi_answer_reads_back_into_its_contract_type_unchanged() {
    let s = street().await;
    for terminal in [&s.disp, &s.cmdr] {
        let dashboard = round_trip::<Dashboard>(&terminal.json("/api/kpi/dashboard").await);
        assert!(
            dashboard.kpis.received > 0,
            "this month's tickets are counted"
        );
        round_trip::<AssessmentAnswer>(&terminal.json("/api/kpi/assessment").await);
        round_trip::<AssessmentAnswer>(&terminal.json("/api/kpi/assessment?kind=worker").await);
        round_trip::<Heat>(&terminal.json("/api/kpi/heat").await);
        let drill =
            round_trip::<DrillDown>(&terminal.json("/api/kpi/tickets?metric=received").await);
        assert!(!drill.tickets.is_empty());
        round_trip::<Report>(&terminal.json("/api/kpi/report").await);
    }
    round_trip::<Dashboard>(
        &s.disp
            .json("/api/kpi/dashboard?from=2026-01-01&to=2026-01-31")
            .await,
    );
}

#[tokio::test]
async fn every_account_answer_reads_back_into_its_contract_type_unchanged() {
    let s = street().await;
    let (status, logged_in) = Terminal::anonymous(&s.center.base())
        .post(
            "/api/login",
            json!({ "login": "cmdr", "password": common::center::PASSWORD, "terminal": "契约" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    round_trip::<LoggedIn>(&logged_in);
    for terminal in [&s.disp, &s.cmdr, &s.admin] {
        round_trip::<SessionView>(&terminal.json("/api/session").await);
    }
    let accounts = round_trip::<AccountList>(&s.admin.json("/api/accounts").await);
    assert!(accounts.accounts.iter().any(|a| a.community.is_some()));
    let new = json!({ "login": "clerk", "name": "值班员戊", "role": "dispatcher", "password": "滨河-清风明月-夜" });
    let (status, created) = s.admin.post("/api/accounts", new).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    round_trip::<Account>(&created);
    let changed = ok(
        &s.admin,
        Method::PATCH,
        "/api/accounts/clerk",
        json!({ "disabled": true }),
    )
    .await;
    assert!(round_trip::<Account>(&changed).disabled);
    let audit = round_trip::<AuditPage>(&s.admin.json("/api/audit").await);
    assert!(!audit.entries.is_empty());
    round_trip::<AuditPage>(&s.admin.json("/api/audit?account=disp&limit=5").await);
}

#[tokio::test]
async fn refusals_with_problems_read_back_unchanged() {
    let s = street().await;
    let (status, rejected) = s
        .disp
        .post(
            "/api/tickets",
            json!({ "channel": "hotline", "external_id": "X", "category": "火星来客",
                    "description": "", "lon": 500.0, "lat": 40.0 }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(round_trip::<ErrorBody>(&rejected).error.problems.len(), 3);

    let mut file: Value =
        serde_json::from_str(include_str!("../../../assets/demo/grids.geojson")).unwrap();
    file["features"][3]["geometry"] = json!({ "type": "Point", "coordinates": [117.11, 40.14] });
    file["features"][5]["properties"]["code"] = json!("not-a-code");
    let (status, rejected) = s.admin.post("/api/grids/import", file).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = round_trip::<ErrorBody>(&rejected).error;
    assert!(error.problems.len() >= 2 && error.problems[0].feature_index().is_some());

    let (status, bad) = s.admin.get("/api/audit?limit=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(round_trip::<ErrorBody>(&bad).error.field.is_some());
}

/// A desktop shell that stays on whatever it was told last.
#[derive(Debug, Default)]
struct Shell(Mutex<Option<url::Url>>);

impl CenterChoice for Shell {
    fn current(&self) -> Option<url::Url> {
        self.0.lock().unwrap().clone()
    }

    fn choose(&self, center: Option<url::Url>) -> Result<(), String> {
        *self.0.lock().unwrap() = center;
        Ok(())
    }
}

#[tokio::test]
async fn the_desktop_center_setting_reads_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start_desktop(
        &dir.path().join("db.sqlite"),
        Some(Arc::new(Shell::default())),
    )
    .await;
    let window = Terminal {
        base: h.url(""),
        token: Some(h.server.secret().to_owned()),
        client: h.client.clone(),
    };
    round_trip::<DesktopCenter>(&window.json("/api/desktop/center").await);
    let center = json!({ "url": "http://192.168.1.10:8080/" });
    let chosen = ok(&window, Method::PUT, "/api/desktop/center", center).await;
    assert!(round_trip::<DesktopCenter>(&chosen).url.is_some());
    round_trip::<SessionView>(&window.json("/api/session").await);
}
