//! Live fan-out: terminals connected to the event stream (SSE) while requests arrive at a steady
//! rate over HTTP. For each ticket the time from sending its request to each terminal receiving
//! its event is recorded; p50/p99 and delivered/sent are printed for 200 terminals and, as the
//! baseline of the same run, for a single terminal.
//!
//! With `BINHE_BENCH_PG_URL` (a PostgreSQL superuser URL; `make bench` sets it) it measures the
//! same on PostgreSQL: one server, and two servers on one database with the terminals on one and
//! the requests sent to the other, so every event crosses through LISTEN/NOTIFY.
//!
//! `cargo bench -p binhe-server --bench fanout`

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use binhe_server::Database;
use binhe_testkit::ScratchDatabase;
#[path = "../tests/common/harness.rs"]
#[allow(dead_code, reason = "the benchmark uses a part")]
mod harness;
#[path = "../tests/common/spread.rs"]
mod spread;
use harness::Harness;
use serde_json::{Value, json};

const EVENTS_PER_SECOND: u64 = 200;
const SECONDS: u64 = 10;
const TERMINALS: usize = 200;

/// When each ticket's request was sent, by ticket id.
type Sent = Arc<Mutex<HashMap<i64, Instant>>>;
/// When each terminal received each ticket's receipt event.
type Received = Arc<Mutex<Vec<(i64, Instant)>>>;

async fn terminal(
    client: reqwest::Client,
    url: String,
    secret: String,
    received: Received,
    connected: Arc<AtomicUsize>,
) {
    let mut response = client.get(url).bearer_auth(secret).send().await.unwrap();
    // The server has subscribed this terminal once the headers are back.
    connected.fetch_add(1, Ordering::SeqCst);
    let mut text = String::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let now = Instant::now();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let event: Value = serde_json::from_str(data).unwrap();
            if event["type"] == "received" {
                received
                    .lock()
                    .unwrap()
                    .push((event["ticket_id"].as_i64().unwrap(), now));
            }
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// Runs one measurement; returns (p50 ms, p99 ms, delivered / expected).
async fn measure(terminals: usize, round: u64, servers: Servers<'_>) -> (f64, f64, f64) {
    let scratch = BenchDatabase::create(servers).await;
    let listening = Harness::start_with(scratch.database(), |_| ()).await;
    let posting = match servers {
        Servers::TwoOnPostgres(_) => Some(Harness::start_with(scratch.database(), |_| ()).await),
        _ => None,
    };
    let (base, secret) = (listening.base(), listening.server.secret().to_owned());
    let (post_base, post_secret) = posting.as_ref().map_or_else(
        || (base.clone(), secret.clone()),
        |s| (s.base(), s.server.secret().to_owned()),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(terminals + 8)
        .build()
        .unwrap();
    let received: Received = Arc::new(Mutex::new(Vec::new()));
    let connected = Arc::new(AtomicUsize::new(0));
    let listeners: Vec<_> = (0..terminals)
        .map(|_| {
            tokio::spawn(terminal(
                client.clone(),
                format!("{base}/api/stream"),
                secret.clone(),
                Arc::clone(&received),
                Arc::clone(&connected),
            ))
        })
        .collect();
    // A terminal that connects late only sees what comes after it: start when all are in.
    while connected.load(Ordering::SeqCst) < terminals {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Requests spread over the street, each in its own micro-grid cell and category, so none is
    // merged as a duplicate and each makes exactly one event.
    let places = spread::micro_grid_places();
    let categories = spread::category_codes();
    let sent: Sent = Arc::new(Mutex::new(HashMap::new()));
    let total = EVENTS_PER_SECOND * SECONDS;
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / EVENTS_PER_SECOND));
    let mut senders = Vec::new();
    for n in 0..total {
        tick.tick().await;
        let spread::Place { lon, lat, .. } = places[n as usize % places.len()];
        let category = &categories[(n as usize / places.len()) % categories.len()];
        let body = json!({
            "channel": "hotline", "external_id": format!("FANOUT-{round}-{n}"), "category": category,
            "description": "扇出测试", "lon": lon, "lat": lat,
        });
        let (client, url, secret, sent) = (
            client.clone(),
            format!("{post_base}/api/tickets"),
            post_secret.clone(),
            Arc::clone(&sent),
        );
        senders.push(tokio::spawn(async move {
            let at = Instant::now();
            let answer: Value = client
                .post(url)
                .bearer_auth(secret)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = answer["ticket"]["id"].as_i64().unwrap();
            sent.lock().unwrap().insert(id, at);
        }));
    }
    for s in senders {
        s.await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for l in &listeners {
        l.abort();
    }
    listening.server.shutdown().await;
    if let Some(posting) = posting {
        posting.server.shutdown().await;
    }
    drop(scratch);

    let sent = sent.lock().unwrap();
    let received = received.lock().unwrap();
    let mut latencies: Vec<f64> = received
        .iter()
        .filter_map(|(id, at)| {
            sent.get(id)
                .map(|s| at.duration_since(*s).as_secs_f64() * 1e3)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let expected = (sent.len() * terminals) as f64;
    (
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.len() as f64 / expected,
    )
}

/// Where the terminals listen and where the requests go.
#[derive(Clone, Copy)]
enum Servers<'a> {
    /// One server on a SQLite file: terminals and requests on it.
    OneOnSqlite,
    /// One server on PostgreSQL (admin URL): terminals and requests on it.
    OneOnPostgres(&'a str),
    /// Two servers on one PostgreSQL database: terminals on the first, requests to the second,
    /// events crossing through LISTEN/NOTIFY.
    TwoOnPostgres(&'a str),
}

/// A scratch database for one measurement, gone when dropped.
enum BenchDatabase {
    Sqlite(tempfile::TempDir),
    Postgres(ScratchDatabase),
}

impl BenchDatabase {
    async fn create(servers: Servers<'_>) -> Self {
        match servers {
            Servers::OneOnSqlite => Self::Sqlite(tempfile::tempdir().unwrap()),
            Servers::OneOnPostgres(admin) | Servers::TwoOnPostgres(admin) => {
                Self::Postgres(ScratchDatabase::on(admin, "fanout").await)
            }
        }
    }

    fn database(&self) -> Database {
        match self {
            Self::Sqlite(dir) => Database::Sqlite(dir.path().join("fanout.sqlite")),
            Self::Postgres(scratch) => Database::Postgres(scratch.url().to_owned()),
        }
    }
}

fn report(label: &str, (p50, p99, share): (f64, f64, f64)) {
    println!(
        "  {label:<44} p50 {p50:>7.1} ms  p99 {p99:>7.1} ms  delivered {:.2} %",
        share * 100.0
    );
}

#[tokio::main]
async fn main() {
    println!(
        "live fan-out over SSE, {EVENTS_PER_SECOND} requests/s for {SECONDS} s, servers in-process on loopback"
    );
    let base = measure(1, 1, Servers::OneOnSqlite).await;
    report("SQLite, 1 terminal", base);
    let many = measure(TERMINALS, 2, Servers::OneOnSqlite).await;
    report(&format!("SQLite, {TERMINALS} terminals"), many);
    println!("  p99 ratio {TERMINALS}/1: {:.1}×", many.1 / base.1);
    // Set by `make bench` (it starts the private PostgreSQL of the tests).
    let Ok(admin) = std::env::var("BINHE_BENCH_PG_URL") else {
        println!("  (PostgreSQL: set BINHE_BENCH_PG_URL to measure one and two servers on it)");
        return;
    };
    let one = measure(TERMINALS, 3, Servers::OneOnPostgres(&admin)).await;
    report(
        &format!("PostgreSQL, one server, {TERMINALS} terminals"),
        one,
    );
    let across_one = measure(1, 4, Servers::TwoOnPostgres(&admin)).await;
    report("PostgreSQL, two servers, 1 terminal", across_one);
    let across = measure(TERMINALS, 5, Servers::TwoOnPostgres(&admin)).await;
    report(
        &format!("PostgreSQL, two servers, {TERMINALS} terminals"),
        across,
    );
    println!(
        "  p99 ratio two servers / one server ({TERMINALS} terminals): {:.1}×",
        across.1 / one.1
    );
}
