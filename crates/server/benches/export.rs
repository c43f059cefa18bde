//! Exporting a long ticket list: 100,000 tickets from a real SQLite file as CSV, XLSX and GeoJSON
//! over HTTP (`/api/tickets/export.*`, page by page, phones masked), against the floor of the same
//! run: the same rows read straight from the file with sqlx and written as CSV with the csv
//! crate, no HTTP and no ticket views. Rates are tickets/s (medians of alternating rounds); the
//! memory figure is the server process's peak resident size during the export above what it
//! held just before, sampled every 10 ms.
//!
//! `cargo bench -p binhe-server --bench export`

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
#[path = "../tests/common/harness.rs"]
#[allow(dead_code, reason = "the benchmark uses a part")]
mod harness;
use harness::Harness;

const TICKETS: usize = 100_000;
const ROUNDS: usize = 3;

/// 12345 orders a few seconds apart over a year, inside the street.
fn orders() -> Vec<u8> {
    let mut csv = String::from("工单编号,问题类别,问题描述,经度,纬度,联系电话,受理时间\n");
    for i in 0..TICKETS {
        let minutes = i * 5;
        let day = minutes / 1440;
        writeln!(
            csv,
            "BENCH-{i:06},垃圾堆放,楼下垃圾堆了三天没人清运 {i},{:.5},{:.5},1380000{:04},2021-{:02}-{:02} {:02}:{:02}",
            117.100 + (i % 37) as f64 * 0.001,
            40.130 + (i % 23) as f64 * 0.001,
            i % 10_000,
            1 + day / 28 % 12,
            1 + day % 28,
            minutes / 60 % 24,
            minutes % 60,
        )
        .unwrap();
    }
    csv.into_bytes()
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Runs `work`, answering its time and the peak resident size above the start, in MiB.
async fn measured<F: std::future::Future<Output = usize>>(work: F) -> (Duration, f64, usize) {
    let start_kib = resident_kib();
    let peak = Arc::new(AtomicU64::new(start_kib));
    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, running) = (Arc::clone(&peak), Arc::clone(&running));
        std::thread::spawn(move || {
            while running.load(Ordering::Relaxed) {
                peak.fetch_max(resident_kib(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let began = Instant::now();
    let count = work.await;
    let took = began.elapsed();
    running.store(false, Ordering::Relaxed);
    sampler.join().unwrap();
    let above = peak.load(Ordering::Relaxed).saturating_sub(start_kib) as f64 / 1024.0;
    (took, above, count)
}

async fn download(h: &Harness, path: &str) -> usize {
    let mut response = h.get(path).await;
    assert!(response.status().is_success(), "{path}");
    let mut bytes = 0;
    while let Some(chunk) = response.chunk().await.unwrap() {
        bytes += chunk.len();
    }
    bytes
}

async fn raw_csv(pool: &sqlx::SqlitePool) -> usize {
    let mut writer = csv::Writer::from_writer(std::io::sink());
    let mut rows = sqlx::query(
        "SELECT id, external_id, category, state, received_at, body FROM tickets \
         ORDER BY received_at DESC, id DESC",
    )
    .fetch(pool);
    let mut count = 0;
    while let Some(row) = rows.try_next().await.unwrap() {
        let body: String = row.get("body");
        let ticket: serde_json::Value = serde_json::from_str(&body).unwrap();
        writer
            .write_record([
                row.get::<i64, _>("id").to_string(),
                row.get::<Option<String>, _>("external_id")
                    .unwrap_or_default(),
                row.get::<String, _>("category"),
                row.get::<String, _>("state"),
                row.get::<i64, _>("received_at").to_string(),
                ticket["description"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ])
            .unwrap();
        count += 1;
    }
    count
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.sqlite");
    let h = Harness::start(&file).await;
    let began = Instant::now();
    let done = h
        .import_orders("/api/tickets/import", orders(), "bench.csv")
        .await;
    assert_eq!(done["created"], TICKETS, "{done}");
    println!(
        "{TICKETS} tickets taken in in {:.1} s",
        began.elapsed().as_secs_f64()
    );
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(&file).read_only(true))
        .await
        .unwrap();

    let (mut csv_rates, mut geo_rates, mut raw_rates) = (Vec::new(), Vec::new(), Vec::new());
    let mut xlsx_rates = Vec::new();
    let (mut csv_peak, mut geo_peak, mut raw_peak): (f64, f64, f64) = (0.0, 0.0, 0.0);
    let mut xlsx_peak: f64 = 0.0;
    let (mut csv_bytes, mut xlsx_bytes) = (0, 0);
    for round in 1..=ROUNDS {
        let (took, peak, bytes) = measured(download(&h, "/api/tickets/export.csv?scope=all")).await;
        csv_bytes = bytes;
        csv_rates.push(TICKETS as f64 / took.as_secs_f64());
        csv_peak = csv_peak.max(peak);
        let (took, peak, bytes) =
            measured(download(&h, "/api/tickets/export.xlsx?scope=all")).await;
        xlsx_bytes = bytes;
        xlsx_rates.push(TICKETS as f64 / took.as_secs_f64());
        xlsx_peak = xlsx_peak.max(peak);
        let (took, peak, _) = measured(download(&h, "/api/tickets/export.geojson?scope=all")).await;
        geo_rates.push(TICKETS as f64 / took.as_secs_f64());
        geo_peak = geo_peak.max(peak);
        let (took, peak, count) = measured(raw_csv(&pool)).await;
        assert_eq!(count, TICKETS);
        raw_rates.push(TICKETS as f64 / took.as_secs_f64());
        raw_peak = raw_peak.max(peak);
        println!(
            "round {round}: CSV {:.0}/s, XLSX {:.0}/s, GeoJSON {:.0}/s, raw SQL→CSV {:.0}/s",
            csv_rates[round - 1],
            xlsx_rates[round - 1],
            geo_rates[round - 1],
            raw_rates[round - 1]
        );
    }
    let (csv, geo, raw) = (median(csv_rates), median(geo_rates), median(raw_rates));
    let xlsx = median(xlsx_rates);
    println!(
        "export of {TICKETS} tickets (medians of {ROUNDS}): CSV {csv:.0} tickets/s \
         ({:.1} MB, peak +{csv_peak:.1} MiB), XLSX {xlsx:.0} tickets/s ({:.1} MB, peak \
         +{xlsx_peak:.1} MiB), GeoJSON {geo:.0} tickets/s (peak +{geo_peak:.1} MiB), \
         raw SQL→CSV {raw:.0} tickets/s (peak +{raw_peak:.1} MiB); CSV export / raw = {:.2}× the \
         time, XLSX / raw = {:.2}×",
        csv_bytes as f64 / 1e6,
        xlsx_bytes as f64 / 1e6,
        raw / csv,
        raw / xlsx
    );
}
