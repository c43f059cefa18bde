//! Live fan-out: terminals connected to the event stream (SSE) while requests arrive at a steady
//! rate over HTTP. For each ticket the time from sending its request to each terminal receiving
//! its event is recorded; p50/p99 and delivered/sent are printed for 200 terminals and, as the
//! baseline of the same run, for a single terminal.
//!
//! `cargo bench -p binhe-server --bench fanout`

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use binhe_core::demo::{self, DEFAULT_SEED};
use binhe_core::{GridLevel, ticket::Catalogue};
use binhe_server::{Database, ServerConfig, start};
use geo::InteriorPoint;
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
async fn measure(terminals: usize, round: u64) -> (f64, f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
    let server = start(ServerConfig {
        database: Database::Sqlite(dir.path().join("fanout.sqlite")),
        center: None,
        ui_dir: dir.path().to_owned(),
        port: 0,
        demo_feed: None,
    })
    .await
    .unwrap();
    let base = format!("http://{}", server.address);
    let secret = server.secret().to_owned();
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
    let hierarchy = demo::generate(DEFAULT_SEED).hierarchy;
    let places: Vec<(f64, f64)> = hierarchy
        .at_level(GridLevel::Micro)
        .filter_map(|i| hierarchy.get(i).shape.interior_point())
        .map(|p| (p.x(), p.y()))
        .collect();
    let categories: Vec<String> = Catalogue::defaults()
        .categories
        .into_iter()
        .map(|c| c.code)
        .collect();
    let sent: Sent = Arc::new(Mutex::new(HashMap::new()));
    let total = EVENTS_PER_SECOND * SECONDS;
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / EVENTS_PER_SECOND));
    let mut senders = Vec::new();
    for n in 0..total {
        tick.tick().await;
        let (lon, lat) = places[n as usize % places.len()];
        let category = &categories[(n as usize / places.len()) % categories.len()];
        let body = json!({
            "channel": "hotline", "external_id": format!("FANOUT-{round}-{n}"), "category": category,
            "description": "扇出测试", "lon": lon, "lat": lat,
        });
        let (client, url, secret, sent) = (
            client.clone(),
            format!("{base}/api/tickets"),
            secret.clone(),
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
    server.shutdown().await;

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

#[tokio::main]
async fn main() {
    let (base50, base99, base_share) = measure(1, 1).await;
    let (p50, p99, share) = measure(TERMINALS, 2).await;
    println!(
        "live fan-out over SSE, {EVENTS_PER_SECOND} requests/s for {SECONDS} s, server in-process on loopback"
    );
    println!(
        "  1 terminal:    p50 {base50:>6.1} ms  p99 {base99:>6.1} ms  delivered {:.2} %",
        base_share * 100.0
    );
    println!(
        "  {TERMINALS} terminals: p50 {p50:>6.1} ms  p99 {p99:>6.1} ms  delivered {:.2} %",
        share * 100.0
    );
    println!("  p99 ratio {TERMINALS}/1: {:.1}×", p99 / base99);
}
