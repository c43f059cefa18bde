//! `Idempotency-Key`: a terminal that sends its queued actions again after a lost connection
//! gets the first answers back and nothing happens twice — on SQLite, and on PostgreSQL across
//! two servers on one database (a repeat reaching the other server).

mod common;

use binhe_server::Database;
use binhe_testkit::ScratchDatabase;
use common::Harness;
use common::center::{Terminal, make_accounts, point_in, request_at};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// An answer to a keyed request: status, body, and whether it was a repeat's kept answer.
struct Answer {
    status: StatusCode,
    body: Value,
    replayed: bool,
}

async fn keyed(
    client: &reqwest::Client,
    request: reqwest::RequestBuilder,
    key: Option<&str>,
    body: &Value,
) -> Answer {
    let mut request = request.json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = client.execute(request.build().unwrap()).await.unwrap();
    let status = response.status();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    let body = response.json().await.unwrap();
    Answer {
        status,
        body,
        replayed,
    }
}

/// A patrol report (no order number, so two of them would be two tickets) at a point.
fn patrol_report(lon: f64, lat: f64, text: &str) -> Value {
    let mut body = request_at(lon, lat, text);
    body["channel"] = json!("patrol");
    body.as_object_mut().unwrap().remove("external_id");
    body
}

async fn total(terminal: &Terminal) -> i64 {
    terminal.json("/api/tickets?scope=all&limit=1").await["total"]
        .as_i64()
        .unwrap()
}

/// The standalone server on a SQLite file in `dir`, the desktop window's terminal on it, and a
/// point in the `micro`-th micro-grid of its `community`-th community.
async fn standalone(
    dir: &std::path::Path,
    community: usize,
    micro: usize,
) -> (Harness, Terminal, f64, f64) {
    let h = Harness::start(&dir.join("db.sqlite")).await;
    let local = Terminal {
        base: h.base(),
        token: Some(h.server.secret().to_owned()),
        client: h.client.clone(),
    };
    let code = local.json("/api/grids/tree").await["children"][community]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (lon, lat, _) = point_in(&local, &code, micro).await;
    (h, local, lon, lat)
}

#[tokio::test]
async fn a_repeated_request_gets_the_first_answer_and_acts_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (h, local, lon, lat) = standalone(dir.path(), 0, 0).await;
    let post = |path: &str| h.request(Method::POST, path);
    let report = patrol_report(lon, lat, "路灯不亮，夜间行人看不清");

    // Intake: the first answer, then the same answer again; one ticket.
    let first = keyed(&h.client, post("/api/tickets"), Some("intake-1"), &report).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert!(!first.replayed);
    let again = keyed(&h.client, post("/api/tickets"), Some("intake-1"), &report).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert!(again.replayed, "a repeat says it is one");
    assert_eq!(again.body, first.body);
    assert_eq!(total(&local).await, 1, "the repeat stored nothing");

    // The same key for another body is refused, and nothing is stored.
    let other = patrol_report(lon, lat, "另一件事");
    let reused = keyed(&h.client, post("/api/tickets"), Some("intake-1"), &other).await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reused.body["error"]["code"], "IDEMPOTENCY_KEY_REUSED");
    assert!(
        reused.body["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );
    assert_eq!(total(&local).await, 1);

    // An action: a repeat answers the first success, where the same action without a key is a
    // conflict (the version moved on).
    let ticket = &first.body["ticket"];
    let actions = format!("/api/tickets/{}/actions", ticket["id"]);
    let dispatch = json!({ "action": "register", "version": ticket["version"] });
    let done = keyed(&h.client, post(&actions), Some("act-1"), &dispatch).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let repeat = keyed(&h.client, post(&actions), Some("act-1"), &dispatch).await;
    assert_eq!((repeat.status, repeat.replayed), (StatusCode::OK, true));
    assert_eq!(repeat.body, done.body);
    let unkeyed = keyed(&h.client, post(&actions), None, &dispatch).await;
    assert_eq!(unkeyed.status, StatusCode::CONFLICT, "{}", unkeyed.body);
    assert_eq!(unkeyed.body["error"]["code"], "STALE_VERSION");
    // A refusal the request earned is kept too: the conflict, repeated, is the same conflict.
    let stale = keyed(&h.client, post(&actions), Some("act-2"), &dispatch).await;
    let stale_again = keyed(&h.client, post(&actions), Some("act-2"), &dispatch).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(
        (stale_again.status, stale_again.replayed),
        (StatusCode::CONFLICT, true)
    );
    assert_eq!(stale_again.body, stale.body);
    let card = local.json(&format!("/api/tickets/{}", ticket["id"])).await;
    assert_eq!(
        card["ticket"]["version"],
        ticket["version"].as_i64().unwrap() + 1,
        "registered once"
    );

    // A key that is no key is refused before anything runs.
    for bad in ["", &"k".repeat(256), "空格 key"] {
        let request = post("/api/tickets").header("Idempotency-Key", bad.as_bytes());
        let answer = keyed(&h.client, request, None, &report).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad:?}");
        assert_eq!(answer.body["error"]["code"], "IDEMPOTENCY_KEY_INVALID");
    }
    assert_eq!(total(&local).await, 1);

    // The repeat is in the audit log as a repeat.
    let audit = local.json("/api/audit?limit=200").await;
    let replays = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "idempotent.replay")
        .count();
    assert_eq!(replays, 3, "{audit}");
}

#[tokio::test]
async fn parallel_repeats_of_one_request_store_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let (h, local, lon, lat) = standalone(dir.path(), 1, 2).await;
    let report = patrol_report(lon, lat, "下水道井盖松动");
    let answers = futures_util::future::join_all((0..12).map(|_| {
        keyed(
            &h.client,
            h.request(Method::POST, "/api/tickets"),
            Some("burst"),
            &report,
        )
    }))
    .await;
    let created: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .collect();
    let waiting = answers
        .iter()
        .filter(|a| a.status == StatusCode::CONFLICT)
        .count();
    assert_eq!(created.len() + waiting, 12, "only 201 or 409");
    assert_eq!(
        created.iter().filter(|a| !a.replayed).count(),
        1,
        "one of them ran"
    );
    for wait in answers.iter().filter(|a| a.status == StatusCode::CONFLICT) {
        assert_eq!(wait.body["error"]["code"], "IDEMPOTENCY_IN_PROGRESS");
        assert!(wait.body["error"]["retry_after_s"].as_u64().unwrap() >= 1);
    }
    assert_eq!(total(&local).await, 1);
}

#[tokio::test]
async fn on_postgresql_a_repeat_reaching_the_other_server_gets_the_first_answer() {
    let db = ScratchDatabase::on_test_server("idem").await;
    let database = Database::Postgres(db.url().to_owned());
    let cast = make_accounts(&database).await;
    let (one, two) = tokio::join!(
        Harness::center(database.clone()),
        Harness::center(database.clone())
    );
    let on_one = Terminal::login(&one.base(), "cmdr").await;
    let mut on_two = on_one.clone();
    on_two.base = two.base();
    let other = Terminal::login(&two.base(), "disp").await;
    let (lon, lat, _) = point_in(&other, &cast.community, 3).await;
    let report = patrol_report(lon, lat, "楼道堆放杂物");
    let send = |terminal: &Terminal| {
        terminal
            .client
            .request(Method::POST, format!("{}/api/tickets", terminal.base))
            .bearer_auth(terminal.token.as_deref().unwrap())
    };
    let first = keyed(&on_one.client, send(&on_one), Some("pg-1"), &report).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let repeat = keyed(&on_two.client, send(&on_two), Some("pg-1"), &report).await;
    assert_eq!(
        (repeat.status, repeat.replayed),
        (StatusCode::CREATED, true)
    );
    assert_eq!(repeat.body, first.body);
    // Another account's equal key is its own key.
    let theirs = keyed(&other.client, send(&other), Some("pg-1"), &report).await;
    assert_eq!(theirs.status, StatusCode::CREATED);
    assert!(!theirs.replayed);
    assert_eq!(total(&other).await, 2);
}
