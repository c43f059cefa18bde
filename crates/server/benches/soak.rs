//! Soak: a `binhe-server` process on PostgreSQL held for `SOAK_MINUTES` (default 30) with
//! `SOAK_TERMINALS` (default 200) terminals on its live stream, requests arriving at 10× Binhe's
//! busiest hour, each taken through 受理 and 分派, and every 30 s four camera live streams
//! watched for 10 s. Printed at the start (after the first minute), every five minutes and at
//! the end: the server's resident memory, open files, threads and ffmpeg processes, and the p99
//! of request answers and of the event reaching every terminal over the last window. Flat is the
//! goal; nothing is asserted (a measurement, not a test).
//!
//! Binhe's busiest hour, from the seed: 2,214 requests in Jan–Nov 2021 is ~6.6 a day; the demo
//! feed's daily rhythm puts at most 11 % of a day in one hour; a busy day three times the
//! average gives ~2.2 in the busiest hour, so 10× is 22 an hour (`SOAK_PER_HOUR` overrides).
//!
//! `BINHE_BENCH_PG_URL=… cargo bench -p binhe-server --bench soak` (`make soak`)

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use binhe_testkit::ScratchDatabase;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

#[path = "../tests/common/spread.rs"]
mod spread;

const BUSIEST_HOUR_TIMES_TEN: f64 = 22.0;

fn setting(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the server process holds now, read from /proc.
#[derive(Debug, Clone, Copy)]
struct Held {
    rss_mib: f64,
    open_files: usize,
    threads: usize,
    ffmpeg: usize,
}

fn held(pid: u32) -> Held {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let open_files = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count);
    let ffmpeg = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| {
            let stat = std::fs::read_to_string(entry.ok()?.path().join("stat")).ok()?;
            let (name, rest) = stat.split_once(") ")?;
            (name.ends_with("(ffmpeg") && rest.split(' ').nth(1) == Some(&pid.to_string()))
                .then_some(())
        })
        .count();
    Held {
        rss_mib: field("VmRSS:") / 1024.0,
        open_files,
        threads: field("Threads:") as usize,
        ffmpeg,
    }
}

/// Latencies (ms) of one window: request answers, and event arrivals at terminals.
#[derive(Default)]
struct Window {
    answers: Vec<f64>,
    arrivals: Vec<f64>,
}

fn p99(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() as f64 - 1.0) * 0.99).round() as usize]
}

/// When each ticket's event was caused, by (ticket, version).
type Caused = Arc<Mutex<HashMap<(i64, i64), Instant>>>;

async fn terminal(
    client: reqwest::Client,
    url: String,
    secret: String,
    caused: Caused,
    window: Arc<Mutex<Window>>,
    connected: Arc<AtomicUsize>,
) {
    let Ok(mut response) = client.get(url).bearer_auth(secret).send().await else {
        return;
    };
    connected.fetch_add(1, Ordering::SeqCst);
    let mut text = String::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let now = Instant::now();
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let Ok(event) = serde_json::from_str::<Value>(data) else {
                continue;
            };
            let key = (
                event["ticket_id"].as_i64().unwrap_or_default(),
                event["version"].as_i64().unwrap_or_default(),
            );
            if let Some(at) = caused.lock().unwrap().get(&key) {
                let ms = now.duration_since(*at).as_secs_f64() * 1e3;
                window.lock().unwrap().arrivals.push(ms);
            }
        }
    }
}

struct Street {
    base: String,
    secret: String,
    client: reqwest::Client,
}

impl Street {
    async fn post(&self, path: &str, body: &Value, window: &Mutex<Window>) -> Option<Value> {
        let at = Instant::now();
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.secret)
            .json(body)
            .send()
            .await
            .ok()?;
        let ok = response.status().is_success();
        let answer: Value = response.json().await.ok()?;
        window
            .lock()
            .unwrap()
            .answers
            .push(at.elapsed().as_secs_f64() * 1e3);
        ok.then_some(answer)
    }

    /// Watches a camera's live pictures for `seconds`.
    async fn watch(&self, camera: &str, seconds: u64) {
        let url = format!("{}/api/cameras/{camera}/live.mjpeg", self.base);
        let Ok(mut response) = self.client.get(url).bearer_auth(&self.secret).send().await else {
            return;
        };
        let until = Instant::now() + Duration::from_secs(seconds);
        while Instant::now() < until {
            match tokio::time::timeout(Duration::from_secs(2), response.chunk()).await {
                Ok(Ok(Some(_))) => {}
                _ => return,
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let minutes = setting("SOAK_MINUTES", 30.0);
    let terminals = setting("SOAK_TERMINALS", 200.0) as usize;
    let per_hour = setting("SOAK_PER_HOUR", BUSIEST_HOUR_TIMES_TEN);
    let admin = std::env::var("BINHE_BENCH_PG_URL")
        .or_else(|_| std::env::var("BINHE_TEST_PG_URL"))
        .expect("BINHE_BENCH_PG_URL: a PostgreSQL superuser URL (make soak sets it)");
    let scratch = ScratchDatabase::on(&admin, "soak").await;
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(
        ui.path().join("index.html"),
        "<!doctype html><title>智慧滨河</title>",
    )
    .unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_binhe-server"))
        .args(["serve", "--port", "0", "--db", scratch.url(), "--ui-dir"])
        .arg(ui.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let launch = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the server printed its URL");
        if let Some(url) = line.strip_prefix("SMART_BINHE_URL=") {
            break url::Url::parse(url).unwrap();
        }
    };
    let secret = launch
        .query_pairs()
        .find(|(k, _)| k == "key")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let base = launch.origin().ascii_serialization();
    let street = Arc::new(Street {
        base: base.clone(),
        secret: secret.clone(),
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(terminals + 16)
            .build()
            .unwrap(),
    });
    let idle = held(pid);
    println!(
        "soak: {minutes} min, {terminals} terminals, {per_hour} requests/h on PostgreSQL; idle \
         server {:.0} MiB, {} files, {} threads",
        idle.rss_mib, idle.open_files, idle.threads
    );

    let caused: Caused = Arc::new(Mutex::new(HashMap::new()));
    let window = Arc::new(Mutex::new(Window::default()));
    let connected = Arc::new(AtomicUsize::new(0));
    for _ in 0..terminals {
        tokio::spawn(terminal(
            street.client.clone(),
            format!("{base}/api/stream"),
            secret.clone(),
            Arc::clone(&caused),
            Arc::clone(&window),
            Arc::clone(&connected),
        ));
    }
    while connected.load(Ordering::SeqCst) < terminals {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let places = spread::micro_grid_places();
    let categories = spread::category_codes();
    let devices: Value = street
        .client
        .get(format!("{base}/api/devices.geojson"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cameras: Vec<String> = devices["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == "camera")
        .filter_map(|f| f["properties"]["id"].as_str().map(str::to_owned))
        .take(40)
        .collect();

    // Requests: one every 3600/per_hour seconds, each through 受理 and 分派.
    let gap = Duration::from_secs_f64(3_600.0 / per_hour);
    let requests = {
        let (street, caused, window) = (
            Arc::clone(&street),
            Arc::clone(&caused),
            Arc::clone(&window),
        );
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(gap);
            for n in 0.. {
                tick.tick().await;
                let spread::Place {
                    lon,
                    lat,
                    grid: micro,
                } = &places[n % places.len()];
                let body = json!({
                    "channel": "hotline", "external_id": format!("SOAK-{n}"),
                    "category": categories[n % categories.len()],
                    "description": "浸泡测试", "lon": lon, "lat": lat,
                });
                let Some(answer) = street.post("/api/tickets", &body, &window).await else {
                    continue;
                };
                let id = answer["ticket"]["id"].as_i64().unwrap_or_default();
                let mut version = answer["ticket"]["version"].as_i64().unwrap_or(1);
                for step in [
                    json!({"action": "register"}),
                    json!({"action": "dispatch", "grid": micro}),
                ] {
                    let mut step = step;
                    step["version"] = json!(version);
                    let at = Instant::now();
                    caused.lock().unwrap().insert((id, version + 1), at);
                    let Some(acted) = street
                        .post(&format!("/api/tickets/{id}/actions"), &step, &window)
                        .await
                    else {
                        break;
                    };
                    version = acted["ticket"]["version"].as_i64().unwrap_or(version + 1);
                }
            }
        })
    };
    // Cameras: four live streams for 10 s every 30 s.
    let watching = {
        let street = Arc::clone(&street);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(30));
            for round in 0.. {
                tick.tick().await;
                let four: Vec<_> = (0..4)
                    .map(|k| {
                        let street = Arc::clone(&street);
                        let camera = cameras[(round * 4 + k) % cameras.len()].clone();
                        tokio::spawn(async move { street.watch(&camera, 10).await })
                    })
                    .collect();
                for one in four {
                    let _ = one.await;
                }
            }
        })
    };

    let start = Instant::now();
    let total = Duration::from_secs_f64(minutes * 60.0);
    let report_every = Duration::from_mins(5).min(total / 2);
    let mut next_report = Duration::from_mins(1).min(total / 2);
    println!(
        "| after | RSS MiB | open files | threads | ffmpeg | answers | p99 answer ms | arrivals | p99 arrival ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    loop {
        tokio::time::sleep(next_report.saturating_sub(start.elapsed())).await;
        let now = held(pid);
        let mut w = std::mem::take(&mut *window.lock().unwrap());
        println!(
            "| {:.0} min | {:.0} | {} | {} | {} | {} | {:.1} | {} | {:.1} |",
            start.elapsed().as_secs_f64() / 60.0,
            now.rss_mib,
            now.open_files,
            now.threads,
            now.ffmpeg,
            w.answers.len(),
            p99(&mut w.answers),
            w.arrivals.len(),
            p99(&mut w.arrivals),
        );
        if next_report >= total {
            break;
        }
        next_report = (next_report + report_every).min(total);
    }
    requests.abort();
    watching.abort();
    // A round of watchers under way ends by itself within its 10 s; then the gateway lets its
    // ffmpeg processes go. What is still held after that is held for nobody.
    tokio::time::sleep(Duration::from_secs(15)).await;
    let after = held(pid);
    println!(
        "15 s after the load stopped: {:.0} MiB, {} files, {} threads, {} ffmpeg processes",
        after.rss_mib, after.open_files, after.threads, after.ffmpeg
    );
    let _ = child.kill().await;
}
