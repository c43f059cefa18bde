//! Security holes found by a review against a running center, each closed at its cause and
//! checked here over real HTTP (and raw TCP where a well-behaved client cannot show it):
//! dispatching to a worker out of scope, parallel password guessing, the throttle telling which
//! logins exist, resetting a stronger account's password, foreign `Host` names (DNS
//! rebinding), large bodies read before the role check, and clients too slow to serve.

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use binhe_core::access::{FREE_LOGIN_FAILURES, login_lockout};
use binhe_server::{ClientTimeouts, Database, Mode, open_state};
use common::Harness;
use common::center::{Cast, PASSWORD, Terminal, make_accounts, point_in, request_at};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Center {
    server: Harness,
    cast: Cast,
    disp: Terminal,
    cmdr: Terminal,
    admin: Terminal,
    /// A worker posted in the other community (not the cast's worker).
    foreign_worker: String,
    _dir: tempfile::TempDir,
}

async fn center_with(public_hosts: &[&str]) -> Center {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("center.sqlite"));
    let cast = make_accounts(&database).await;
    let foreign_worker = {
        let state = open_state(&database, Mode::Center).await.unwrap();
        let view = state.view();
        view.dataset
            .workers
            .iter()
            .find(|w| {
                w.grid
                    .community_code()
                    .is_some_and(|c| c.as_str() == cast.other_community)
            })
            .expect("a worker in the other community")
            .id
            .clone()
    };
    let hosts: Vec<String> = public_hosts.iter().map(|h| (*h).to_owned()).collect();
    let center = Harness::start_with(database, |config| {
        config.center = Some(Ipv4Addr::LOCALHOST.into());
        config.public_hosts = hosts;
    })
    .await;
    let base = center.base();
    Center {
        disp: Terminal::login(&base, "disp").await,
        cmdr: Terminal::login(&base, "cmdr").await,
        admin: Terminal::login(&base, "admin").await,
        server: center,
        cast,
        foreign_worker,
        _dir: dir,
    }
}

fn code(answer: &Value) -> &str {
    answer["error"]["code"].as_str().unwrap_or_default()
}

/// A registered ticket at the `n`-th micro-grid of the cast's community.
async fn registered(c: &Center, n: usize) -> Value {
    let (lon, lat, _) = point_in(&c.disp, &c.cast.community, n).await;
    let (status, answer) = c
        .disp
        .post("/api/tickets", request_at(lon, lat, "井盖缺失"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let ticket = &answer["ticket"];
    let (status, answer) = c
        .disp
        .post(
            &format!("/api/tickets/{}/actions", ticket["id"]),
            json!({ "action": "register", "version": ticket["version"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["ticket"].clone()
}

async fn act(terminal: &Terminal, ticket: &Value, body: Value) -> (StatusCode, Value) {
    let mut body = body;
    body["version"] = ticket["version"].clone();
    terminal
        .post(&format!("/api/tickets/{}/actions", ticket["id"]), body)
        .await
}

/// Asserts a refusal for a worker out of scope, with both languages, and that the ticket did
/// not move.
async fn refused_out_of_scope(c: &Center, (status, answer): (StatusCode, Value), ticket: &Value) {
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::FORBIDDEN, "WORKER_OUT_OF_SCOPE"),
        "{answer}"
    );
    let zh = answer["error"]["message_zh"].as_str().unwrap();
    assert!(
        zh.contains("网格员") && zh.contains(&c.foreign_worker),
        "{zh}"
    );
    assert!(
        answer["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("outside your scope")
    );
    let now = c.disp.json(&format!("/api/tickets/{}", ticket["id"])).await;
    assert_eq!(
        now["ticket"]["version"], ticket["version"],
        "the ticket did not move"
    );
}

#[tokio::test]
async fn a_ticket_goes_only_to_a_worker_of_its_community_within_the_callers_scope() {
    let c = center_with(&[]).await;
    let grid = c.cast.worker_grid.clone();
    let foreign = c.foreign_worker.clone();
    // The foreign worker's own account: they must never see the ticket.
    let (status, answer) = c
        .admin
        .post(
            "/api/accounts",
            json!({ "login": "wkr2", "name": "网格员戊", "role": "worker",
                    "worker_id": foreign, "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let wkr2 = Terminal::login(&c.server.base(), "wkr2").await;

    // Dispatch by the commander, then by the dispatcher, to a grid of the community with the
    // other community's worker.
    let ticket = registered(&c, 0).await;
    let dispatch = json!({ "action": "dispatch", "grid": grid, "worker_id": foreign });
    refused_out_of_scope(&c, act(&c.cmdr, &ticket, dispatch.clone()).await, &ticket).await;
    refused_out_of_scope(&c, act(&c.disp, &ticket, dispatch).await, &ticket).await;
    // Self-handling names a worker too.
    let self_handle = json!({ "action": "self_handle", "grid": grid, "worker_id": foreign });
    refused_out_of_scope(&c, act(&c.cmdr, &ticket, self_handle).await, &ticket).await;

    // Delegation (下交) from the community down to a micro-grid.
    let (status, answer) = act(
        &c.cmdr,
        &ticket,
        json!({ "action": "dispatch", "grid": c.cast.community }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let held = answer["ticket"].clone();
    let delegate = json!({ "action": "delegate", "grid": grid, "worker_id": foreign });
    refused_out_of_scope(&c, act(&c.cmdr, &held, delegate).await, &held).await;
    // The community's own worker is fine.
    let (status, answer) = act(
        &c.cmdr,
        &held,
        json!({ "action": "delegate", "grid": grid, "worker_id": c.cast.worker_id }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer["ticket"]["assignment"]["worker_id"],
        c.cast.worker_id.as_str()
    );

    // Nothing reached the foreign worker: not the card, not the stream.
    let (status, _) = wkr2.get(&format!("/api/tickets/{}", ticket["id"])).await;
    assert!(
        matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{status}"
    );
    let mut stream = wkr2.stream(Some(0)).await;
    while let Some(event) = stream.next_within(Duration::from_millis(500)).await {
        assert!(event["ticket_id"].is_i64(), "{event}");
        assert_ne!(event["ticket_id"], ticket["id"], "{event}");
    }
}

/// The most password checks the throttle may allow for one name in `elapsed`: the free ones,
/// then one more each time a lock can have run out (1 s, then 2 s, 4 s …).
fn most_checks(elapsed: Duration) -> usize {
    let mut checks = FREE_LOGIN_FAILURES + 1;
    let mut locked = Duration::ZERO;
    loop {
        locked += login_lockout(checks)
            .and_then(|wait| wait.to_std().ok())
            .expect("a lock past the free attempts");
        if locked > elapsed {
            return checks as usize;
        }
        checks += 1;
    }
}

/// Sixty wrong passwords for `login` at once, spread over the servers at `bases`: how many
/// were checked (401) and how many throttled (429). At least the free attempts are checked,
/// and no more than [`most_checks`] in the time the guesses took, however they are spread.
async fn guess_at_once(client: &reqwest::Client, bases: &[String], login: &str) -> (usize, usize) {
    let started = Instant::now();
    let answers = futures_util::future::join_all(
        (0..60).map(|i| wrong_login(client, &bases[i % bases.len()], login)),
    )
    .await;
    let elapsed = started.elapsed();
    let checked = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = answers
        .iter()
        .filter(|(s, a)| *s == StatusCode::TOO_MANY_REQUESTS && code(a) == "LOGIN_THROTTLED")
        .count();
    let most = most_checks(elapsed);
    println!(
        "RELIABILITY throttle {login}: {checked} of 60 wrong passwords checked, {throttled} refused, over {} server(s) in {elapsed:?}",
        bases.len()
    );
    assert!(
        (FREE_LOGIN_FAILURES as usize + 1..=most).contains(&checked),
        "{login}: {checked} passwords checked of 60 over {} server(s) in {elapsed:?} (at most {most})",
        bases.len()
    );
    (checked, throttled)
}

/// Logs in as `login` with a wrong password from `client`: the status and answer.
async fn wrong_login(client: &reqwest::Client, base: &str, login: &str) -> (StatusCode, Value) {
    let response = client
        .post(format!("{base}/api/login"))
        .json(&json!({ "login": login, "password": "not-the-password" }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn parallel_wrong_passwords_get_five_checks_whatever_the_address() {
    let c = center_with(&[]).await;
    let base = c.server.base();
    let client = common::harness::client();
    let (checked, throttled) = guess_at_once(&client, std::slice::from_ref(&base), "cmdr").await;
    assert_eq!(checked + throttled, 60);
    // Another address gets no fresh budget for the same account (127.0.0.2 is loopback too).
    let elsewhere = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .build()
        .unwrap();
    let (status, answer) = wrong_login(&elsewhere, &base, "cmdr").await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::TOO_MANY_REQUESTS, "LOGIN_THROTTLED"),
        "{answer}"
    );
    let wait = answer["error"]["retry_after_s"].as_u64().unwrap();
    // The audit log agrees: at most five failed checks.
    let failed = c
        .admin
        .json("/api/audit?action=login_failed&account=&limit=500")
        .await;
    let failed_cmdr = failed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == "cmdr")
        .count();
    assert_eq!(failed_cmdr, checked);
    tokio::time::sleep(Duration::from_secs(wait + 1)).await;
    Terminal::login(&base, "cmdr").await;
}

#[tokio::test]
async fn unknown_logins_are_throttled_exactly_like_real_ones() {
    let c = center_with(&[]).await;
    let base = c.server.base();
    let client = common::harness::client();
    let unknown = "nobody-at-all";
    for round in 0..5 {
        let real = wrong_login(&client, &base, "cmdr").await;
        let none = wrong_login(&client, &base, unknown).await;
        assert_eq!(real.0, StatusCode::UNAUTHORIZED, "round {round}");
        assert_eq!(real, none, "round {round}: the same answer");
    }
    // The sixth attempt must wait for both, with the same code and message.
    let real = wrong_login(&client, &base, "cmdr").await;
    let none = wrong_login(&client, &base, unknown).await;
    assert_eq!(
        (real.0, code(&real.1)),
        (StatusCode::TOO_MANY_REQUESTS, "LOGIN_THROTTLED"),
        "{}",
        real.1
    );
    assert_eq!(
        (none.0, code(&none.1)),
        (StatusCode::TOO_MANY_REQUESTS, "LOGIN_THROTTLED"),
        "{}",
        none.1
    );
    assert_eq!(real.1, none.1, "the same answer, wait included");
    // And both are let in again after the same wait (the unknown one to fail as before).
    let wait = real.1["error"]["retry_after_s"].as_u64().unwrap();
    tokio::time::sleep(Duration::from_secs(wait + 1)).await;
    let none = wrong_login(&client, &base, unknown).await;
    assert_eq!(none.0, StatusCode::UNAUTHORIZED, "{}", none.1);
    Terminal::login(&base, "cmdr").await;
}

/// Two center processes on one PostgreSQL database share one login budget per name: 60 wrong
/// passwords spread over both get no more checks than one server gives, for a real account and
/// for a name no account has alike.
#[tokio::test]
async fn on_postgresql_guesses_spread_over_two_servers_share_one_budget() {
    let db = binhe_testkit::ScratchDatabase::on_test_server("throttle").await;
    let database = Database::Postgres(db.url().to_owned());
    make_accounts(&database).await;
    let (one, two) = tokio::join!(
        Harness::center(database.clone()),
        Harness::center(database.clone())
    );
    let bases = [one.base(), two.base()];
    let client = common::harness::client();
    for name in ["cmdr", "nobody-at-all"] {
        let (checked, throttled) = guess_at_once(&client, &bases, name).await;
        assert_eq!(checked + throttled, 60, "{name}");
    }
    // A right password is let in on the other server once the lock has run out.
    let wait = loop {
        let (status, answer) = wrong_login(&client, &bases[0], "cmdr").await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            break answer["error"]["retry_after_s"].as_u64().unwrap();
        }
    };
    tokio::time::sleep(Duration::from_secs(wait + 1)).await;
    Terminal::login(&bases[1], "cmdr").await;
}

#[tokio::test]
async fn only_an_administrator_sets_another_accounts_password() {
    let c = center_with(&[]).await;
    let base = c.server.base();
    let patch = |terminal: &Terminal, login: &str, body: Value| {
        let terminal = terminal.clone();
        let path = format!("/api/accounts/{login}");
        async move { terminal.call(Method::PATCH, &path, Some(body)).await }
    };
    let stolen = json!({ "password": "dispatcher-knows-it" });
    for (login, body) in [
        ("admin", stolen.clone()),
        ("cmdr", stolen.clone()),
        ("admin", json!({ "disabled": true })),
        ("admin", json!({ "name": "改名" })),
    ] {
        let (status, answer) = patch(&c.disp, login, body.clone()).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::FORBIDDEN, "ACCOUNT_CHANGE_NOT_PERMITTED"),
            "dispatcher → {login} {body}: {answer}"
        );
        assert!(
            !answer["error"]["message_zh"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
        assert!(
            !answer["error"]["message_en"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
    }
    // Nor may a dispatcher make an administrator.
    let (status, answer) = c
        .disp
        .post(
            "/api/accounts",
            json!({ "login": "admin2", "name": "假管理员", "role": "administrator",
                    "password": "dispatcher-knows-it" }),
        )
        .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::FORBIDDEN, "ACCOUNT_CHANGE_NOT_PERMITTED"),
        "{answer}"
    );
    // Nothing changed: the old passwords still work, the new ones do not.
    Terminal::login(&base, "admin").await;
    Terminal::login(&base, "cmdr").await;
    let anon = Terminal::anonymous(&base);
    let (status, _) = anon
        .post(
            "/api/login",
            json!({ "login": "admin", "password": "dispatcher-knows-it" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Every refusal is on the record.
    let audit = c
        .admin
        .json("/api/audit?action=account.update&account=disp")
        .await;
    assert_eq!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["status"] == 403)
            .count(),
        4,
        "{audit}"
    );
    // A dispatcher still sets their own password; an administrator sets anyone's.
    let (status, answer) = patch(&c.disp, "disp", json!({ "password": "my-own-new-one" })).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = patch(&c.admin, "cmdr", json!({ "password": "reset-by-admin" })).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = anon
        .post(
            "/api/login",
            json!({ "login": "cmdr", "password": "reset-by-admin" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

/// Sends `request` on a new connection and reads until the server closes it or `wait` passes:
/// what came back, and whether the connection was closed.
async fn raw(address: SocketAddr, request: &[u8], wait: Duration) -> (String, bool) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    read_until_closed(&mut stream, wait).await
}

async fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> (String, bool) {
    let deadline = tokio::time::Instant::now() + wait;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
            Ok(Ok(0) | Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Reads one response (head and a `Content-Length` body) within `wait`.
async fn one_response(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if got.len() >= end + 4 + length {
                return Some(text);
            }
        }
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => return None,
        }
    }
}

fn status_of(response: &str) -> &str {
    response.split(' ').nth(1).unwrap_or_default()
}

#[tokio::test]
async fn a_center_answers_only_to_its_own_names() {
    let c = center_with(&["binhe.example.org", "10.9.8.7:8443"]).await;
    let address = c.server.server.address;
    let port = address.port();
    let ask = |host: String, path: &'static str| async move {
        raw(
            address,
            format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
            Duration::from_secs(5),
        )
        .await
        .0
    };
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_owned(),
        format!("binhe.example.org.evil.example:{port}"),
        format!("10.9.8.7:{port}"),
        String::new(),
    ] {
        let answer = ask(host.clone(), "/api/health").await;
        assert_eq!(status_of(&answer), "403", "Host {host:?}: {answer}");
        assert!(answer.contains("\"HOST_NOT_ALLOWED\""), "{answer}");
        assert!(answer.contains("--public-host"), "{answer}");
        // The login page is not served either (a page in the browser's language).
        let page = ask(host.clone(), "/").await;
        assert_eq!(status_of(&page), "403", "Host {host:?}: {page}");
        assert!(page.contains("HOST_NOT_ALLOWED"), "{page}");
    }
    // Nor the login itself.
    let login = raw(
        address,
        format!(
            "POST /api/login HTTP/1.1\r\nHost: rebind.example:{port}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        )
        .as_bytes(),
        Duration::from_secs(5),
    )
    .await
    .0;
    assert_eq!(status_of(&login), "403", "{login}");
    for host in [
        format!("binhe.example.org:{port}"),
        "BINHE.example.org.".to_owned(),
        "10.9.8.7:8443".to_owned(),
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
    ] {
        let answer = ask(host.clone(), "/api/health").await;
        assert_eq!(status_of(&answer), "200", "Host {host:?}: {answer}");
    }
}

#[tokio::test]
async fn an_upload_is_refused_before_its_body_is_read() {
    let c = center_with(&[]).await;
    let base = c.server.base();
    let address = c.server.server.address;
    let wkr = Terminal::login(&base, "wkr").await;
    // Headers promising 60 MB that never come, from callers whose role may not upload there
    // (and from nobody).
    let cases = [
        ("/api/tickets/import", Some(&wkr)),
        ("/api/tickets/import", Some(&c.cmdr)),
        ("/api/tickets/import/preview", Some(&c.admin)),
        ("/api/grids/import", Some(&wkr)),
        ("/api/grids/import/preview", Some(&c.cmdr)),
        ("/api/tickets", Some(&c.admin)),
        ("/api/tickets/import", None),
    ];
    for (path, caller) in cases {
        let token = caller.map(|t| t.token.clone().unwrap());
        let (status, error) = if token.is_some() {
            ("403", "ROLE_NOT_PERMITTED")
        } else {
            ("401", "AUTH_REQUIRED")
        };
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(
                format!(
                    "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{auth}Content-Type: application/octet-stream\r\nContent-Length: 60000000\r\n\r\n",
                    address.port()
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        let started = Instant::now();
        let answer = one_response(&mut stream, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("{path}: no refusal within 5 s (the body was awaited)"));
        assert_eq!(status_of(&answer), status, "{path}: {answer}");
        assert!(answer.contains(error), "{path}: {answer}");
        assert!(answer.contains("message_zh"), "{answer}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}

#[tokio::test]
async fn clients_that_stop_midway_are_disconnected_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let timeouts = ClientTimeouts {
        head: Duration::from_millis(1200),
        body: Duration::from_millis(1200),
        ..ClientTimeouts::default()
    };
    let server = Harness::start_with(
        Database::Sqlite(dir.path().join("standalone.sqlite")),
        |config| config.client_timeouts = timeouts,
    )
    .await;
    let address = server.server.address;
    let host = format!("Host: 127.0.0.1:{}\r\n", address.port());
    let key = format!("Authorization: Bearer {}\r\n", server.server.secret());
    let within = |started: Instant, closed: bool, what: &str| {
        let took = started.elapsed();
        assert!(closed, "{what}: still open after {took:?}");
        assert!(
            took >= Duration::from_secs(1) && took < Duration::from_secs(4),
            "{what}: closed after {took:?}"
        );
    };

    // Half a head, then nothing.
    let started = Instant::now();
    let (_, closed) = raw(
        address,
        format!("GET /api/health HTTP/1.1\r\n{host}").as_bytes(),
        Duration::from_secs(6),
    )
    .await;
    within(started, closed, "half a head");

    // A connection that never sends anything.
    let started = Instant::now();
    let (_, closed) = raw(address, b"", Duration::from_secs(6)).await;
    within(started, closed, "silent connection");

    // A head trickled in one byte at a time, each well within the timeout: the whole head
    // still has to arrive in time.
    let mut stream = TcpStream::connect(address).await.unwrap();
    let started = Instant::now();
    let head = format!(
        "GET /api/health HTTP/1.1\r\n{host}X-Slow: {}\r\n",
        "a".repeat(40)
    );
    let mut cut = false;
    for byte in head.as_bytes() {
        if stream.write_all(&[*byte]).await.is_err() {
            cut = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(2)).await;
    assert!(cut || closed, "a trickled head was cut off");
    assert!(started.elapsed() < Duration::from_secs(6));

    // Half a body, then nothing.
    let started = Instant::now();
    let (answer, closed) = raw(
        address,
        format!(
            "POST /api/tickets HTTP/1.1\r\n{host}{key}Content-Type: application/json\r\nContent-Length: 400\r\n\r\n{{\"channel\": \"hotline\""
        )
        .as_bytes(),
        Duration::from_secs(6),
    )
    .await;
    within(started, closed, "half a body");
    assert!(
        answer.is_empty() || status_of(&answer) != "201",
        "nothing stored: {answer}"
    );

    // HTTP/2 is not spoken (ALPN offers only http/1.1): a client that starts with its preface
    // gets no connection to hold.
    let (answer, closed) = raw(
        address,
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        Duration::from_secs(6),
    )
    .await;
    assert!(closed, "an HTTP/2 preface holds its connection: {answer}");
    assert!(!answer.contains(" 200 "), "{answer}");

    // A request sent in pieces inside the timeouts is served, and a kept-alive connection is
    // not cut while the server answers slowly or the client thinks between requests.
    let mut stream = TcpStream::connect(address).await.unwrap();
    for piece in [
        "GET /api/health HTTP/1.1\r\n".to_owned(),
        host.clone(),
        format!("{key}\r\n"),
    ] {
        stream.write_all(piece.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let answer = one_response(&mut stream, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(status_of(&answer), "200", "{answer}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    stream
        .write_all(format!("GET /api/health HTTP/1.1\r\n{host}{key}\r\n").as_bytes())
        .await
        .unwrap();
    let answer = one_response(&mut stream, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(status_of(&answer), "200", "{answer}");
}
