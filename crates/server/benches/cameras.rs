//! The camera gateway under viewers: time from asking for a camera to its first picture (a cold
//! camera, whose ffmpeg must start, against a warm one another viewer already watches, same
//! run), 20 viewers on 4 cameras (how many upstreams run), and the CPU each upstream's ffmpeg
//! and the server itself use while they do.
//!
//! `cargo bench -p binhe-server --bench cameras`

use std::time::{Duration, Instant};

#[path = "../tests/common/harness.rs"]
#[allow(dead_code, reason = "the benchmark uses a part")]
mod harness;
#[path = "../tests/common/processes.rs"]
#[allow(dead_code, reason = "the benchmark counts, it does not wait")]
mod processes;
use harness::Harness;
use processes::ffmpeg_children;

const VIEWERS: usize = 20;
const CAMERAS: usize = 4;
const SAMPLES: usize = 5;

/// A viewer asking for a camera's pictures.
async fn watch(h: &Harness, camera: &str) -> reqwest::Response {
    h.get(&format!("/api/cameras/{camera}/live.mjpeg")).await
}

/// Reads a response until its first complete JPEG.
async fn first_picture(response: &mut reqwest::Response) {
    let mut buffer = Vec::new();
    loop {
        let chunk = response.chunk().await.unwrap().expect("pictures come");
        buffer.extend_from_slice(&chunk);
        if let Some(start) = buffer.windows(2).position(|w| w == [0xFF, 0xD8])
            && buffer[start + 2..].windows(2).any(|w| w == [0xFF, 0xD9])
        {
            return;
        }
    }
}

/// Keeps reading a viewer's pictures until dropped.
async fn keep_watching(mut response: reqwest::Response) {
    while let Ok(Some(_)) = response.chunk().await {}
}

/// CPU time (user + system) of a process so far, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some((_, rest)) = stat.rsplit_once(") ") else {
        return 0;
    };
    let fields: Vec<&str> = rest.split(' ').collect();
    // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after "state".
    fields
        .get(11)
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        + fields
            .get(12)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("cameras.sqlite")).await;
    let layer = h.json("/api/devices.geojson").await;
    let cameras: Vec<String> = layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == "camera")
        .map(|f| f["properties"]["id"].as_str().unwrap().to_owned())
        .collect();

    // Click to first picture: a cold camera (ffmpeg starts) and a warm one (already watched).
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    for camera in cameras.iter().skip(100).take(SAMPLES) {
        let at = Instant::now();
        let mut first = watch(&h, camera).await;
        first_picture(&mut first).await;
        cold.push(at.elapsed().as_secs_f64() * 1e3);
        let at = Instant::now();
        let mut second = watch(&h, camera).await;
        first_picture(&mut second).await;
        warm.push(at.elapsed().as_secs_f64() * 1e3);
        drop((first, second));
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // 20 viewers on 4 cameras.
    let mut viewers = Vec::new();
    for n in 0..VIEWERS {
        let mut response = watch(&h, &cameras[n % CAMERAS]).await;
        first_picture(&mut response).await;
        viewers.push(tokio::spawn(keep_watching(response)));
    }
    let upstreams = ffmpeg_children();
    let ticks_per_second = 100.0; // USER_HZ on Linux
    let before: Vec<u64> = upstreams.iter().map(|&p| cpu_ticks(p)).collect();
    let server_before = cpu_ticks(std::process::id());
    let window = Duration::from_secs(5);
    tokio::time::sleep(window).await;
    let per_stream: Vec<f64> = upstreams
        .iter()
        .zip(&before)
        .map(|(&p, &b)| {
            (cpu_ticks(p).saturating_sub(b)) as f64 / ticks_per_second / window.as_secs_f64()
                * 100.0
        })
        .collect();
    let server_share = (cpu_ticks(std::process::id()).saturating_sub(server_before)) as f64
        / ticks_per_second
        / window.as_secs_f64()
        * 100.0;
    let status = h.json("/api/cameras/status").await;
    for viewer in &viewers {
        viewer.abort();
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let left = ffmpeg_children().len();
    h.server.shutdown().await;

    println!("camera gateway, demo cameras (ffmpeg test picture 640x360, 10 pictures/s, MJPEG)");
    println!(
        "  click to first picture: cold camera {:.0} ms, warm camera {:.0} ms (medians of {SAMPLES}; cold/warm {:.1}×)",
        median(cold.clone()),
        median(warm.clone()),
        median(cold) / median(warm)
    );
    println!(
        "  {VIEWERS} viewers on {CAMERAS} cameras: {} upstream ffmpeg processes, status {}",
        upstreams.len(),
        status["open"]
    );
    println!(
        "  CPU per upstream (one core = 100 %): {}; server process (relaying to {VIEWERS} viewers, plus this bench's clients): {server_share:.1} %",
        per_stream
            .iter()
            .map(|c| format!("{c:.1} %"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("  ffmpeg processes left after the viewers went: {left}");
}
