//! The accounts of a center server ([`super::Harness::center`]: accounts and sessions, no launch
//! key) and the terminals that log in to it, over real HTTP.

use std::time::Duration;

use binhe_core::GridLevel;
use binhe_server::auth::accounts::{NewAccount, create};
use binhe_server::{Database, Mode, open_state};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const PASSWORD: &str = "滨河-correct-horse";

/// Accounts every center test has: one per role, the commander and the worker in the first
/// community.
#[derive(Debug, Clone)]
pub struct Cast {
    pub community: String,
    pub other_community: String,
    pub worker_id: String,
    pub worker_grid: String,
}

/// Makes the accounts of [`Cast`] in `database` (creating it with the demo dataset if new).
pub async fn make_accounts(database: &Database) -> Cast {
    let state = open_state(database, Mode::Center).await.unwrap();
    let view = state.view();
    let h = view.hierarchy();
    let mut communities = h
        .at_level(GridLevel::Community)
        .map(|i| h.get(i).code.clone());
    let community = communities.next().unwrap();
    let other_community = communities.next().unwrap();
    let worker = view
        .dataset
        .workers
        .iter()
        .find(|w| w.grid.community_code().as_ref() == Some(&community))
        .unwrap();
    let accounts = state.gate().accounts;
    let people = [
        ("disp", "调度员甲", "dispatcher", None, None),
        (
            "cmdr",
            "社区指挥乙",
            "commander",
            Some(community.to_string()),
            None,
        ),
        ("wkr", "网格员丙", "worker", None, Some(worker.id.clone())),
        ("admin", "管理员丁", "administrator", None, None),
    ];
    for (login, name, role, community, worker_id) in people {
        let request = NewAccount {
            login: Some(login.to_owned()),
            name: Some(name.to_owned()),
            role: Some(role.to_owned()),
            community,
            worker_id,
            password: Some(PASSWORD.to_owned()),
        };
        create(accounts.as_ref(), &view, request).await.unwrap();
    }
    Cast {
        community: community.to_string(),
        other_community: other_community.to_string(),
        worker_id: worker.id.clone(),
        worker_grid: worker.grid.to_string(),
    }
}

/// One terminal: an HTTP client with (perhaps) a session token.
#[derive(Clone)]
pub struct Terminal {
    pub base: String,
    pub token: Option<String>,
    pub client: reqwest::Client,
}

impl Terminal {
    pub fn anonymous(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            token: None,
            client: super::harness::client(),
        }
    }

    /// Logs in as `login` (with [`PASSWORD`]) from a terminal of that name.
    pub async fn login(base: &str, login: &str) -> Self {
        let mut terminal = Self::anonymous(base);
        let (status, answer) = terminal
            .call(
                Method::POST,
                "/api/login",
                Some(json!({ "login": login, "password": PASSWORD, "terminal": format!("{login} 的终端") })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {login}: {answer}");
        terminal.token = Some(answer["token"].as_str().unwrap().to_owned());
        terminal
    }

    /// A request to `path` with the session token, not yet sent.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// GETs `path`: the response as it comes (a stream stays open while it is held).
    pub async fn open(&self, path: &str) -> reqwest::Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    /// The body of a GET that must succeed.
    pub async fn json(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    /// Opens the live stream (after `last` if given).
    pub async fn stream(&self, last: Option<i64>) -> Stream {
        let mut request = self.client.get(format!("{}/api/stream", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(id) = last {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        Stream {
            response,
            text: String::new(),
        }
    }
}

pub struct Stream {
    response: reqwest::Response,
    text: String,
}

impl Stream {
    /// The next event, or `None` if none arrives within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.text.find("\n\n") {
                let block: String = self.text.drain(..end + 2).collect();
                if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) {
                    return Some(serde_json::from_str(data).unwrap());
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .unwrap()?;
            self.text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next `count` events; each must arrive within 10 s.
    pub async fn take(&mut self, count: usize) -> Vec<Value> {
        let mut events = Vec::with_capacity(count);
        while events.len() < count {
            let event = self
                .next_within(Duration::from_secs(10))
                .await
                .unwrap_or_else(|| panic!("event {} of {count} did not arrive", events.len() + 1));
            events.push(event);
        }
        events
    }
}

/// A point inside a micro-grid of `community` (the `n`-th), from the server's own tree and
/// cards.
pub async fn point_in(terminal: &Terminal, community: &str, n: usize) -> (f64, f64, String) {
    let tree = terminal.json("/api/grids/tree").await;
    let node = tree["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == community)
        .unwrap_or_else(|| panic!("{community} in the tree"));
    let micro = node["children"][n]["code"].as_str().unwrap().to_owned();
    let card = terminal.json(&format!("/api/grids/{micro}")).await;
    let bbox = card["bbox"].as_array().unwrap();
    let (w, s, e, n) = (
        bbox[0].as_f64().unwrap(),
        bbox[1].as_f64().unwrap(),
        bbox[2].as_f64().unwrap(),
        bbox[3].as_f64().unwrap(),
    );
    // The demo micro-grids are quadrilaterals: the middle of the box lies inside.
    let (lon, lat) = (f64::midpoint(w, e), f64::midpoint(s, n));
    let located = terminal
        .json(&format!("/api/locate?lon={lon}&lat={lat}"))
        .await;
    assert_eq!(
        located["micro"]["code"],
        micro.as_str(),
        "point inside {micro}"
    );
    (lon, lat, micro)
}

/// A hotline request at a point, with an order number of its own.
pub fn request_at(lon: f64, lat: f64, text: &str) -> Value {
    static ORDERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let order = ORDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    json!({
        "channel": "hotline", "external_id": format!("T-{order}"), "category": "garbage",
        "description": text, "lon": lon, "lat": lat, "reporter_name": "王先生",
    })
}
