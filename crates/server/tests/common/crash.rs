//! The real `binhe-server` binary on a real database, stopped cleanly or killed, and the census
//! of what it left: every ticket by its upstream order, and the event log replayed against the
//! stored rows.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use binhe_core::access::Visibility;
use binhe_core::ticket::TicketState;
use binhe_core::ticket::lifecycle::{TicketEvent, replay};
use binhe_store::{Closing, PgStore, SqliteStore, TicketFilter, TicketRepository, TicketScope};
use binhe_testkit::ScratchDatabase;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::center::{Terminal, point_in};

/// A database of either dialect, made for one test.
pub enum Db {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres(ScratchDatabase),
}

impl Db {
    pub async fn new(postgres: bool) -> Self {
        if postgres {
            Self::Postgres(ScratchDatabase::on_test_server("rel").await)
        } else {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("binhe.sqlite");
            Self::Sqlite { _dir: dir, path }
        }
    }

    pub fn dialect(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "SQLite",
            Self::Postgres(_) => "PostgreSQL",
        }
    }

    /// As `--db` takes it.
    pub fn arg(&self) -> String {
        match self {
            Self::Sqlite { path, .. } => path.display().to_string(),
            Self::Postgres(db) => db.url().to_owned(),
        }
    }

    /// What the database holds, checked: the server must not be running on a SQLite file.
    pub async fn census(&self) -> Census {
        match self {
            Self::Sqlite { path, .. } => {
                let store = SqliteStore::open(path).await.unwrap();
                let census = Census::of(&store).await;
                store.close_cleanly().await.unwrap();
                census
            }
            Self::Postgres(db) => {
                let store = PgStore::connect(db.url()).await.unwrap();
                let census = Census::of(&store).await;
                store.close_cleanly().await.unwrap();
                census
            }
        }
    }
}

/// Every stored ticket by its upstream order, and the event log read back.
#[derive(Debug)]
pub struct Census {
    /// Upstream order number → the ids of the tickets taken in from it.
    pub by_order: HashMap<String, Vec<i64>>,
    pub tickets: usize,
    pub events: usize,
    /// Ticket id → state and version of the stored row.
    pub rows: HashMap<i64, (TicketState, u32)>,
    /// Ticket id → how many of its events dispatched it.
    pub dispatches: HashMap<i64, usize>,
}

impl Census {
    /// Reads every ticket and the whole event log; asserts that each stored row is exactly the
    /// replay of its events and that no event belongs to a ticket that is not stored.
    pub async fn of(store: &impl TicketRepository) -> Self {
        let (listed, total) = store
            .list(&TicketFilter {
                scope: TicketScope::All,
                visibility: Visibility::Everything,
                limit: 1_000_000,
                ..TicketFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(listed.len() as u64, total, "every ticket listed");
        let mut log: BTreeMap<i64, Vec<TicketEvent>> = BTreeMap::new();
        let (mut after, mut events, mut last_id) = (0, 0, 0);
        loop {
            let page = store.events_after(after, 5000).await.unwrap();
            let Some(last) = page.last() else { break };
            after = last.id;
            for stored in page {
                assert!(stored.id > last_id, "event ids rise without repeats");
                last_id = stored.id;
                events += 1;
                log.entry(stored.event.ticket_id)
                    .or_default()
                    .push(stored.event);
            }
        }
        let mut census = Self {
            by_order: HashMap::new(),
            tickets: listed.len(),
            events,
            rows: HashMap::new(),
            dispatches: HashMap::new(),
        };
        for item in &listed {
            let ticket = &item.ticket;
            let own = log.remove(&ticket.id).unwrap_or_default();
            let replayed = replay(ticket.id, &own)
                .unwrap_or_else(|e| panic!("ticket {}: its events do not replay: {e}", ticket.id));
            assert_eq!(
                &replayed, ticket,
                "ticket {}: the stored row is not the replay of its events",
                ticket.id
            );
            census
                .rows
                .insert(ticket.id, (ticket.state, ticket.version));
            census.dispatches.insert(
                ticket.id,
                own.iter()
                    .filter(|e| e.to == TicketState::Dispatched)
                    .count(),
            );
            if let Some(order) = &ticket.external_id {
                census
                    .by_order
                    .entry(order.clone())
                    .or_default()
                    .push(ticket.id);
            }
        }
        assert!(
            log.is_empty(),
            "events of tickets that are not stored: {:?}",
            log.keys().collect::<Vec<_>>()
        );
        census
    }

    /// Upstream orders stored more than once.
    pub fn doubled(&self) -> Vec<&String> {
        self.by_order
            .iter()
            .filter(|(_, ids)| ids.len() > 1)
            .map(|(order, _)| order)
            .collect()
    }

    /// Of `orders`, those not stored.
    pub fn missing<'a>(&self, orders: impl IntoIterator<Item = &'a String>) -> Vec<&'a String> {
        orders
            .into_iter()
            .filter(|o| !self.by_order.contains_key(*o))
            .collect()
    }
}

/// A `binhe-server serve` process (standalone: the launch key is the bearer token), killed
/// when dropped.
pub struct ServerProcess {
    child: tokio::process::Child,
    pub api: Api,
    /// The address the server printed (`https://…` for a center under TLS).
    pub url: url::Url,
    /// The certificate fingerprint a center under TLS printed.
    pub fingerprint: Option<String>,
    stderr: Arc<Mutex<String>>,
    _ui: tempfile::TempDir,
}

/// Requests to a server process with its launch key; cheap to clone into writer tasks.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub key: String,
    client: reqwest::Client,
}

/// What a request came to: an answer, or nothing (the server went away).
pub type Answer = Option<(StatusCode, Value)>;

impl ServerProcess {
    /// `serve --db <database> <extra…>` (`database` as `--db` takes it). What the server
    /// writes to stderr is kept ([`ServerProcess::stderr`]) and passed on to the test's.
    pub async fn start(database: &str, extra: &[&str]) -> Self {
        let ui = super::harness::ui_dir();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_binhe-server"))
            .args([
                "serve",
                "--no-daily-hotspots",
                "--port",
                "0",
                "--db",
                database,
                "--ui-dir",
            ])
            .arg(ui.path())
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut errors = BufReader::new(child.stderr.take().unwrap()).lines();
        let kept = Arc::clone(&stderr);
        tokio::spawn(async move {
            while let Ok(Some(line)) = errors.next_line().await {
                eprintln!("{line}");
                let mut kept = kept.lock().unwrap();
                kept.push_str(&line);
                kept.push('\n');
            }
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut fingerprint = None;
        let url = tokio::time::timeout(Duration::from_mins(1), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(print) = line.strip_prefix("SMART_BINHE_TLS_FINGERPRINT=") {
                    fingerprint = Some(print.to_owned());
                }
                if let Some(url) = line.strip_prefix("SMART_BINHE_URL=") {
                    return url.to_owned();
                }
            }
            panic!("the server ended before printing its address");
        })
        .await
        .expect("the server starts within a minute");
        let (base, key) = url.split_once("/?key=").unwrap_or((url.as_str(), ""));
        Self {
            child,
            api: Api::of(base, key),
            url: url::Url::parse(&url).unwrap(),
            fingerprint,
            stderr,
            _ui: ui,
        }
    }

    /// What the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Whether the server writes `needle` to stderr within 10 s (its lines are read on a
    /// thread of their own, so a line written before the address may arrive after it).
    pub async fn says(&self, needle: &str) -> bool {
        for _ in 0..200 {
            if self.stderr().contains(needle) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    }

    pub fn port(&self) -> u16 {
        self.url.port().unwrap()
    }

    /// SIGKILL: no chance to finish anything.
    pub async fn kill(mut self) {
        self.child.kill().await.unwrap();
    }

    /// SIGTERM, then waits for the process to end by itself; asserts it ended well.
    pub async fn terminate(mut self) {
        let pid = self.child.id().expect("still running").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the server stops within 30 s of SIGTERM")
            .unwrap();
        assert!(status.success(), "the server ended with {status}");
    }
}

impl Api {
    /// Requests to the server at `base` with the launch key `key`.
    pub fn of(base: &str, key: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
            client: super::harness::client(),
        }
    }

    /// A terminal that carries the launch key.
    pub fn terminal(&self) -> Terminal {
        let mut terminal = Terminal::anonymous(&self.base);
        terminal.token = Some(self.key.clone());
        terminal
    }

    /// POSTs JSON; `None` when the server is gone.
    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        Self::send(self.request(reqwest::Method::POST, path).json(body)).await
    }

    /// GETs JSON; `None` when the server is gone.
    pub async fn get(&self, path: &str) -> Answer {
        Self::send(self.request(reqwest::Method::GET, path)).await
    }

    /// POSTs a file as the body, named in `x-file-name` as the UI sends it.
    pub async fn upload(&self, path: &str, bytes: Vec<u8>, name: &str) -> Answer {
        Self::send(
            self.request(reqwest::Method::POST, path)
                .header("x-file-name", super::harness::file_name_header(name))
                .body(bytes),
        )
        .await
    }

    /// Opens a GET whose body is read later (a live stream).
    pub async fn open(&self, path: &str) -> reqwest::Response {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key)
    }

    async fn send(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.ok()?;
        let status = response.status();
        Some((status, response.json().await.ok()?))
    }
}

/// `binhe-server` with these arguments, to its end: (success, stdout + stderr).
pub async fn cli(args: &[&str]) -> (bool, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_binhe-server"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    super::harness::outcome(&output)
}

/// `count` points each in a micro-grid of its own (the middle of its box), from the server's
/// own tree, with the micro-grid's code.
pub async fn points(terminal: &Terminal, count: usize) -> Vec<(f64, f64, String)> {
    let tree = terminal.json("/api/grids/tree").await;
    let communities: Vec<(String, usize)> = tree["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_owned(),
                c["children"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    let mut found = Vec::with_capacity(count);
    // Round robin over the communities so that a few points already spread over the street.
    let most = communities.iter().map(|c| c.1).max().unwrap_or(0);
    'all: for n in 0..most {
        for (community, micro_grids) in &communities {
            if found.len() == count {
                break 'all;
            }
            if n < *micro_grids {
                found.push(point_in(terminal, community, n).await);
            }
        }
    }
    assert_eq!(found.len(), count, "the street has {count} micro-grids");
    found
}

/// Waits (at most a minute) until `ready` holds, checking every few milliseconds.
pub async fn until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_mins(1);
    while !ready() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited in vain: {what}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The size of a file, 0 when absent.
pub fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}
