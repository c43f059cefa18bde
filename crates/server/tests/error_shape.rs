//! Every 4xx and 5xx answer of the API has the contract's one error shape — `binhe_api::ErrorBody`
//! with a code and both messages — whoever refuses: a room, axum's extractors, the router, the
//! gate, or the connection itself (an address longer than hyper reads).

mod common;

use std::sync::Arc;

use binhe_api::ErrorBody;
use binhe_server::Database;
use binhe_server::desktop::CenterChoice;
use common::Harness;
use common::center::{Cast, Terminal, make_accounts};
use reqwest::{Method, StatusCode as S};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a case sends as its body.
enum Body {
    None,
    Json(Value),
    /// Bytes with `content-type: application/json`.
    Text(Vec<u8>),
    /// Bytes without a content type.
    Untyped(&'static str),
}

/// One bad request and the refusal it must get.
struct Case<'a> {
    who: &'a Terminal,
    method: Method,
    path: String,
    body: Body,
    headers: &'a [(&'static str, &'static str)],
    status: S,
    code: &'static str,
}

impl Case<'_> {
    async fn send(self) -> Option<String> {
        let name = format!("{} {}", self.method, self.path);
        let mut request = self
            .who
            .client
            .request(self.method, format!("{}{}", self.who.base, self.path));
        if let Some(token) = &self.who.token {
            request = request.bearer_auth(token);
        }
        for (name, value) in self.headers {
            request = request.header(*name, *value);
        }
        request = match self.body {
            Body::None => request,
            Body::Json(value) => request.json(&value),
            Body::Text(bytes) => request
                .header("content-type", "application/json")
                .body(bytes),
            Body::Untyped(text) => request.body(text),
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        refused_as(&name, status, &text, self.status, self.code)
    }
}

/// `None` when the answer is `status` with the error body of `code`; else what was wrong.
fn refused_as(name: &str, status: S, text: &str, want: S, code: &str) -> Option<String> {
    let Ok(body) = serde_json::from_str::<ErrorBody>(text) else {
        return Some(format!("{name}: {status}, not the error shape: {text:?}"));
    };
    let error = body.error;
    let complete = [&error.code, &error.message_zh, &error.message_en]
        .iter()
        .all(|text| !text.trim().is_empty());
    (status != want || error.code != code || !complete).then(|| {
        format!(
            "{name}: {status} {} ({} / {}), wanted {want} {code}",
            error.code, error.message_zh, error.message_en
        )
    })
}

/// Sends every case and insists each was refused as it says.
async fn all_refused(cases: Vec<Case<'_>>) {
    let mut wrong = Vec::new();
    for case in cases {
        wrong.extend(case.send().await);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A center with its accounts.
struct Desk {
    center: Harness,
    cast: Cast,
    _dir: tempfile::TempDir,
}

async fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("shape.sqlite"));
    let cast = make_accounts(&database).await;
    let center = Harness::center(database).await;
    Desk {
        center,
        cast,
        _dir: dir,
    }
}

impl Desk {
    /// A terminal logged in as `login`; nobody's for `None`.
    async fn terminal(&self, login: Option<&str>) -> Terminal {
        match login {
            Some(login) => Terminal::login(&self.center.base(), login).await,
            None => Terminal::anonymous(&self.center.base()),
        }
    }
}

fn case<'a>(who: &'a Terminal, method: Method, path: &str, body: Body) -> Case<'a> {
    Case {
        who,
        method,
        path: path.to_owned(),
        body,
        headers: &[],
        status: S::BAD_REQUEST,
        code: "BAD_REQUEST",
    }
}

impl<'a> Case<'a> {
    fn answers(mut self, status: S, code: &'static str) -> Self {
        self.status = status;
        self.code = code;
        self
    }

    fn with(mut self, headers: &'a [(&'static str, &'static str)]) -> Self {
        self.headers = headers;
        self
    }
}

const MALFORMED: &[u8] = b"{\"login\": ";

#[tokio::test]
async fn requests_the_server_cannot_read_are_refused_in_the_error_shape() {
    let d = desk().await;
    let disp = &d.terminal(Some("disp")).await;
    let admin = &d.terminal(Some("admin")).await;
    let anon = &d.terminal(None).await;
    let malformed =
        |who, method, path: &str| case(who, method, path, Body::Text(MALFORMED.to_vec()));
    let too_large = vec![b'x'; binhe_api::tickets::MAX_REPORT_BYTES + 1];
    all_refused(vec![
        case(disp, Method::GET, "/api/tickets/abc", Body::None),
        case(
            anon,
            Method::POST,
            "/api/login",
            Body::Json(json!({ "login": 5 })),
        )
        .answers(S::UNPROCESSABLE_ENTITY, "BAD_REQUEST"),
        malformed(anon, Method::POST, "/api/login"),
        malformed(disp, Method::POST, "/api/tickets"),
        malformed(disp, Method::POST, "/api/tickets/1/actions"),
        malformed(disp, Method::POST, "/api/tickets/1/drop"),
        malformed(disp, Method::POST, "/api/door-access/events"),
        malformed(disp, Method::PUT, "/api/sla"),
        malformed(disp, Method::PUT, "/api/catalogue"),
        malformed(disp, Method::POST, "/api/demo/feed"),
        malformed(admin, Method::POST, "/api/accounts"),
        malformed(admin, Method::PATCH, "/api/accounts/disp"),
        malformed(admin, Method::POST, "/api/grids/import")
            .answers(S::UNPROCESSABLE_ENTITY, "GRID_IMPORT_REJECTED"),
        case(
            anon,
            Method::POST,
            "/api/login",
            Body::Untyped(r#"{"login":"disp"}"#),
        )
        .answers(S::UNSUPPORTED_MEDIA_TYPE, "BAD_REQUEST"),
        // Rooms that read a body their own way refuse every unreadable one with 400.
        case(disp, Method::POST, "/api/tickets", Body::Untyped("{}")),
        case(disp, Method::POST, "/api/tickets", Body::Text(too_large))
            .answers(S::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"),
        case(disp, Method::GET, "/api/nope", Body::None).answers(S::NOT_FOUND, "NOT_FOUND"),
        case(disp, Method::DELETE, "/api/summary", Body::None)
            .answers(S::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED"),
        case(admin, Method::GET, "/api/audit?limit=x", Body::None),
        case(disp, Method::GET, "/api/tickets?limit=x", Body::None),
        case(disp, Method::GET, "/api/cameras/health?since=x", Body::None),
    ])
    .await;
}

#[tokio::test]
async fn callers_turned_away_are_refused_in_the_error_shape() {
    let d = desk().await;
    let anon = &d.terminal(None).await;
    let disp = &d.terminal(Some("disp")).await;
    let cmdr = &d.terminal(Some("cmdr")).await;
    let wkr = &d.terminal(Some("wkr")).await;
    let other = format!("/api/grids/{}", d.cast.other_community);
    let foreign = [("origin", "http://evil.example")];
    all_refused(vec![
        case(anon, Method::GET, "/api/summary", Body::None)
            .answers(S::UNAUTHORIZED, "AUTH_REQUIRED"),
        case(wkr, Method::GET, "/api/accounts", Body::None)
            .answers(S::FORBIDDEN, "ROLE_NOT_PERMITTED"),
        case(cmdr, Method::GET, &other, Body::None).answers(S::FORBIDDEN, "OUT_OF_SCOPE"),
        case(disp, Method::GET, "/api/summary", Body::None)
            .with(&foreign)
            .answers(S::FORBIDDEN, "ORIGIN_NOT_ALLOWED"),
        case(anon, Method::POST, "/api/login", Body::Json(json!({})))
            .with(&foreign)
            .answers(S::FORBIDDEN, "ORIGIN_NOT_ALLOWED"),
    ])
    .await;

    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("standalone.sqlite")).await;
    let window = &window_of(&h);
    let nobody = Terminal::anonymous(&h.url(""));
    all_refused(vec![
        case(window, Method::GET, "/api/summary", Body::None)
            .with(&[("host", "evil.example:80")])
            .answers(S::FORBIDDEN, "HOST_NOT_ALLOWED"),
        case(window, Method::GET, "/api/summary", Body::None)
            .with(&foreign)
            .answers(S::FORBIDDEN, "ORIGIN_NOT_ALLOWED"),
        case(&nobody, Method::GET, "/api/summary", Body::None)
            .answers(S::UNAUTHORIZED, "AUTH_REQUIRED"),
    ])
    .await;
}

/// The desktop window of a standalone server: its launch key.
fn window_of(h: &Harness) -> Terminal {
    Terminal {
        base: h.url(""),
        token: Some(h.server.secret().to_owned()),
        client: h.client.clone(),
    }
}

/// A desktop shell whose disk is full.
#[derive(Debug)]
struct FullDisk;

impl CenterChoice for FullDisk {
    fn current(&self) -> Option<url::Url> {
        None
    }

    fn choose(&self, _: Option<url::Url>) -> Result<(), String> {
        Err("disk full".to_owned())
    }
}

#[tokio::test]
async fn a_failure_of_the_server_is_answered_in_the_error_shape() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("failing.sqlite");
    let h = Harness::start_desktop(&database, Some(Arc::new(FullDisk))).await;
    let center = Body::Json(json!({ "url": "http://192.168.1.10:8080/" }));
    all_refused(vec![
        case(&window_of(&h), Method::PUT, "/api/desktop/center", center)
            .answers(S::INTERNAL_SERVER_ERROR, "DESKTOP_SETTINGS_FAILED"),
    ])
    .await;
}

/// Sends `request` on `connection` and reads one answer: its status and body.
async fn raw_exchange(connection: &mut tokio::net::TcpStream, request: &str) -> (S, String) {
    connection.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some((top, body)) = text.split_once("\r\n\r\n") {
            let length = top.lines().find_map(|line| {
                let line = line.to_ascii_lowercase();
                Some(
                    line.strip_prefix("content-length:")?
                        .trim()
                        .parse::<usize>()
                        .unwrap(),
                )
            });
            if body.len() >= length.unwrap_or(0) {
                let status = top.split(' ').nth(1).unwrap().parse::<u16>().unwrap();
                let body = body[..length.unwrap_or(0)].to_owned();
                return (S::from_u16(status).unwrap(), body);
            }
        }
        let read = connection.read(&mut chunk).await.unwrap();
        assert!(read > 0, "the server closed the connection after {text:?}");
        received.extend_from_slice(&chunk[..read]);
    }
}

#[tokio::test]
async fn an_address_longer_than_the_server_reads_is_refused_in_the_error_shape() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("long.sqlite")).await;
    let (host, key) = (h.server.address, h.server.secret());
    let get = |target: &str| {
        format!("GET {target} HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {key}\r\n\r\n")
    };
    // A body of one long word first: the address after it is still read as an address.
    let body = format!(r#"{{"description": "{}"}}"#, "x".repeat(100_000));
    let post = format!(
        "POST /api/tickets HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {key}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut connection = tokio::net::TcpStream::connect(host).await.unwrap();
    let (status, _) = raw_exchange(&mut connection, &post).await;
    assert_eq!(status, S::UNPROCESSABLE_ENTITY);
    for length in [100_000, 65_535, 1_000_000] {
        let long = format!("/api/grids/search?q={}", "x".repeat(length));
        let (status, body) = raw_exchange(&mut connection, &get(&long)).await;
        let name = format!("a {length}-character query");
        if let Some(wrong) = refused_as(&name, status, &body, S::URI_TOO_LONG, "URI_TOO_LONG") {
            panic!("{wrong}");
        }
    }
    // The connection goes on: the next request on it is served.
    let (status, _) = raw_exchange(&mut connection, &get("/api/health")).await;
    assert_eq!(status, S::OK);
    let (status, hits) = raw_exchange(&mut connection, &get("/api/grids/search?q=1")).await;
    assert_eq!(status, S::OK, "{hits}");
}
