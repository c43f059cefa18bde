//! The hotspot scan (未诉先办) on generated histories over the demo street's 312 micro-grids
//! (each zone at its micro-grid's interior point), a year of requests at a street's background
//! rate (~2,500 a year), analysed prospectively on the last day (windows of up to 30 days ending
//! on it, the daily run):
//!
//! - planted clusters of 1, 3 and 7 micro-grids (a micro-grid and its nearest neighbours) over
//!   the last 3, 7 and 14 days, at relative risk 2, 4 and 8: the share found (a reported hotspot
//!   at p ≤ 0.05 sharing a micro-grid and a day with the planted cluster) and the share of
//!   reported hotspots (p ≤ 0.05) that are real (share a micro-grid and a day with it);
//! - histories without a cluster: the share with any hotspot at p ≤ 0.05 (the false-alarm
//!   rate, 5 % by construction of the Monte Carlo test), with its 95 % Wilson interval;
//! - run times for a street-year (999 replications) and a generated district (~20,000 zones,
//!   1,000,000 requests), against two baselines timed in the same run: a plain pass counting
//!   the requests per zone and per day, and the same scan with one replication.
//!
//! Requests are drawn independently by place (∝ the micro-grid's population plus the mean
//! population: places draw calls too) and by day (weekends 0.6, a seasonal swing of ±30 %), so
//! the histories without a planted cluster are exactly the scan's null hypothesis. A planted
//! cluster adds Poisson((RR − 1) · expected) requests to its micro-grids and days, spread like
//! the background.
//!
//! `cargo bench -p binhe-core --bench hotspots`; environment: `HOTSPOT_BENCH_TRIALS` (histories
//! per planted setting, default 20; ten times as many without a cluster; 0 for the run times
//! only),
//! `HOTSPOT_BENCH_REPS` (replications in those scans, default 999),
//! `HOTSPOT_BENCH_DISTRICT_REPS` (replications of the district scan, default 999).

use std::hint::black_box;
use std::time::{Duration, Instant};

use binhe_core::GridLevel;
use binhe_core::demo::{self, DEFAULT_SEED};
use binhe_core::hotspots::{Case, ScanConfig, ScanResult, ZoneLayout, scan};
use geo::{Coord, InteriorPoint};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// 2026-01-01 in Beijing day numbers (any origin would do).
const FIRST_DAY: i32 = 20_454;
const DAYS: usize = 365;
const LAST_DAY: i32 = FIRST_DAY + DAYS as i32 - 1;
const STREET_REQUESTS_PER_YEAR: f64 = 2_500.0;
const DISTRICT_REQUESTS: usize = 1_000_000;
/// The district: the street's micro-grids tiled 8 × 8 (19,968 zones).
const DISTRICT_TILES: usize = 8;
const ALPHA: f64 = 0.05;
const SIZES: [usize; 3] = [1, 3, 7];
const DURATIONS: [usize; 3] = [3, 7, 14];
const RISKS: [f64; 3] = [2.0, 4.0, 8.0];
const TIMING_ROUNDS: usize = 3;

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {v:?}")),
        Err(_) => default,
    }
}

/// Draws indexes in proportion to fixed weights (binary search over the running sums).
struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut sum = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                sum += w;
                sum
            })
            .collect();
        Self { cumulative }
    }

    fn total(&self) -> f64 {
        *self.cumulative.last().expect("at least one weight")
    }

    fn draw(&self, rng: &mut ChaCha8Rng) -> usize {
        let x = rng.random_range(0.0..self.total());
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(self.cumulative.len() - 1)
    }
}

/// Poisson(λ) by multiplying uniforms (λ stays below ~50 here).
fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> usize {
    let limit = (-lambda).exp();
    let mut product: f64 = rng.random();
    let mut n = 0;
    while product > limit {
        product *= rng.random::<f64>();
        n += 1;
    }
    n
}

/// Weekends 0.6, a seasonal swing of ±30 % over the year (peak in winter: heating, pipes).
fn day_weights() -> Vec<f64> {
    (0..DAYS)
        .map(|d| {
            // 2026-01-01 is a Thursday: day 2 is a Saturday.
            let weekday = if matches!(d % 7, 2 | 3) { 0.6 } else { 1.0 };
            let season = 1.0 + 0.3 * (2.0 * std::f64::consts::PI * d as f64 / DAYS as f64).cos();
            weekday * season
        })
        .collect()
}

/// The street: zones in metres, their weights, and each zone's neighbours nearest first.
struct Street {
    points: Vec<Coord<f64>>,
    layout: ZoneLayout,
    zone_weights: Vec<f64>,
    zones: Weighted,
    days: Weighted,
    day_weights: Vec<f64>,
}

impl Street {
    fn demo() -> Self {
        let dataset = demo::generate(DEFAULT_SEED);
        let h = &dataset.hierarchy;
        let micro: Vec<usize> = h.at_level(GridLevel::Micro).collect();
        let lon_lat: Vec<Coord<f64>> = micro
            .iter()
            .map(|&i| {
                h.get(i)
                    .shape
                    .interior_point()
                    .expect("a micro-grid has an area")
                    .0
            })
            .collect();
        let projection = binhe_core::geometry::LocalProjection::centred_on(h.street().bbox());
        let points: Vec<Coord<f64>> = lon_lat.iter().map(|&c| projection.to_metres(c)).collect();
        let populations: Vec<f64> = micro
            .iter()
            .map(|&i| f64::from(h.get(i).population))
            .collect();
        let mean = populations.iter().sum::<f64>() / populations.len() as f64;
        let zone_weights: Vec<f64> = populations.iter().map(|p| p + mean).collect();
        let day_weights = day_weights();
        Self {
            layout: ZoneLayout::from_lon_lat(&lon_lat).expect("interior points are finite"),
            points,
            zones: Weighted::new(zone_weights.iter().copied()),
            days: Weighted::new(day_weights.iter().copied()),
            zone_weights,
            day_weights,
        }
    }

    /// The zone and its `size − 1` nearest neighbours.
    fn around(&self, centre: usize, size: usize) -> Vec<usize> {
        let mut by_distance: Vec<(f64, usize)> = (0..self.layout.len())
            .map(|z| (self.layout.distance_m(centre, z), z))
            .collect();
        by_distance.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        by_distance.truncate(size);
        by_distance.into_iter().map(|(_, z)| z).collect()
    }

    /// A year of background requests: Poisson(2,500) of them, by place and day independently.
    fn background(&self, rng: &mut ChaCha8Rng) -> Vec<Case> {
        let n = poisson_large(rng, STREET_REQUESTS_PER_YEAR);
        (0..n)
            .map(|_| Case {
                zone: self.zones.draw(rng),
                day: FIRST_DAY + self.days.draw(rng) as i32,
            })
            .collect()
    }
}

/// Poisson(λ) for a large λ: the sum of `k` Poisson(λ / k) draws, each small enough for
/// [`poisson`].
fn poisson_large(rng: &mut ChaCha8Rng, lambda: f64) -> usize {
    let parts = (lambda / 20.0).ceil().max(1.0) as usize;
    (0..parts)
        .map(|_| poisson(rng, lambda / parts as f64))
        .sum()
}

/// A planted cluster: its zones and days (the last `days` days of the year).
struct Planted {
    zones: Vec<usize>,
    first_day: i32,
    extra: usize,
}

impl Planted {
    fn new(
        street: &Street,
        rng: &mut ChaCha8Rng,
        size: usize,
        days: usize,
        risk: f64,
        cases: &mut Vec<Case>,
    ) -> Self {
        let centre = rng.random_range(0..street.points.len());
        let zones = street.around(centre, size);
        let first = DAYS - days;
        let zone_share =
            zones.iter().map(|&z| street.zone_weights[z]).sum::<f64>() / street.zones.total();
        let day_share = street.day_weights[first..].iter().sum::<f64>() / street.days.total();
        let expected = STREET_REQUESTS_PER_YEAR * zone_share * day_share;
        let extra = poisson(rng, (risk - 1.0) * expected);
        let in_zones = Weighted::new(zones.iter().map(|&z| street.zone_weights[z]));
        let in_days = Weighted::new(street.day_weights[first..].iter().copied());
        for _ in 0..extra {
            cases.push(Case {
                zone: zones[in_zones.draw(rng)],
                day: FIRST_DAY + (first + in_days.draw(rng)) as i32,
            });
        }
        Self {
            zones,
            first_day: FIRST_DAY + first as i32,
            extra,
        }
    }

    fn overlaps(&self, zones: &[usize], first_day: i32, last_day: i32) -> bool {
        first_day <= LAST_DAY
            && last_day >= self.first_day
            && zones.iter().any(|z| self.zones.contains(z))
    }
}

fn config(replications: usize, seed: u64) -> ScanConfig {
    let mut config = ScanConfig::prospective(FIRST_DAY, LAST_DAY);
    config.replications = replications as u32;
    config.seed = seed;
    config
}

fn significant(result: &ScanResult) -> impl Iterator<Item = &binhe_core::hotspots::Hotspot> {
    result.hotspots.iter().filter(|h| h.p_value <= ALPHA)
}

/// 95 % Wilson score interval of a binomial proportion.
fn wilson(successes: usize, n: usize) -> (f64, f64) {
    let z = 1.959_963_984_540_054;
    let n = n as f64;
    let p = successes as f64 / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "—".to_owned()
    } else {
        format!("{:.1} %", 100.0 * part as f64 / whole as f64)
    }
}

fn detection(street: &Street, trials: usize, replications: usize) {
    println!(
        "\nplanted clusters: {trials} histories per setting, {replications} replications, found = a hotspot at p <= {ALPHA} sharing a micro-grid and a day with the cluster"
    );
    println!(
        "{:>5} {:>5} {:>4} | {:>11} | {:>8} | {:>9} {:>14} | {:>8}",
        "size", "days", "RR", "extra (mean)", "found", "reported", "real", "median p"
    );
    let started = Instant::now();
    let mut setting = 0u64;
    for &size in &SIZES {
        for &days in &DURATIONS {
            for &risk in &RISKS {
                setting += 1;
                let (mut found, mut reported, mut real, mut extra) = (0, 0, 0, 0);
                let mut primary_p = Vec::with_capacity(trials);
                for trial in 0..trials as u64 {
                    let mut rng = ChaCha8Rng::seed_from_u64(1_000 + trial);
                    rng.set_stream(setting);
                    let mut cases = street.background(&mut rng);
                    let planted = Planted::new(street, &mut rng, size, days, risk, &mut cases);
                    extra += planted.extra;
                    let result = scan(
                        &street.layout,
                        &cases,
                        &config(replications, (setting << 32) | trial),
                    )
                    .expect("generated cases are inside the layout and the year");
                    primary_p.push(result.hotspots.first().map_or(1.0, |h| h.p_value));
                    let mut hit = false;
                    for h in significant(&result) {
                        reported += 1;
                        if planted.overlaps(&h.zones, h.first_day, h.last_day) {
                            real += 1;
                            hit = true;
                        }
                    }
                    found += usize::from(hit);
                }
                primary_p.sort_by(f64::total_cmp);
                println!(
                    "{size:>5} {days:>5} {risk:>4} | {:>11.1} | {:>8} | {reported:>9} {:>14} | {:>8.3}",
                    extra as f64 / trials as f64,
                    percent(found, trials),
                    format!("{real} ({})", percent(real, reported)),
                    primary_p[primary_p.len() / 2],
                );
            }
        }
    }
    println!(
        "({} scans in {:.1} s)",
        27 * trials,
        started.elapsed().as_secs_f64()
    );
}

fn false_alarms(street: &Street, histories: usize, replications: usize) {
    let started = Instant::now();
    let mut alarms = 0;
    let mut reported = 0;
    let mut requests = 0;
    for trial in 0..histories as u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(900_000 + trial);
        let cases = street.background(&mut rng);
        requests += cases.len();
        let result = scan(&street.layout, &cases, &config(replications, 7_000 + trial))
            .expect("generated cases are inside the layout and the year");
        let n = significant(&result).count();
        reported += n;
        alarms += usize::from(n > 0);
    }
    let (low, high) = wilson(alarms, histories);
    println!(
        "\nno cluster: {histories} histories ({:.0} requests each on average), {replications} replications",
        requests as f64 / histories as f64
    );
    println!(
        "  false alarms (any hotspot at p <= {ALPHA}): {alarms} of {histories} = {}, 95 % Wilson interval {:.1} %–{:.1} %; {reported} hotspots reported in all ({:.1} s)",
        percent(alarms, histories),
        100.0 * low,
        100.0 * high,
        started.elapsed().as_secs_f64()
    );
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// A plain pass over the requests: the count per zone and per day (what any analysis reads
/// first).
fn tally(zones: usize, cases: &[Case]) -> (Vec<u32>, Vec<u32>) {
    let mut per_zone = vec![0u32; zones];
    let mut per_day = vec![0u32; DAYS];
    for c in cases {
        per_zone[c.zone] += 1;
        per_day[(c.day - FIRST_DAY) as usize] += 1;
    }
    (per_zone, per_day)
}

fn time<T>(f: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    black_box(f());
    start.elapsed()
}

/// Times a plain pass, a scan with one replication and one with `replications`, alternating
/// `rounds` times; prints medians and ratios.
fn timing(label: &str, layout: &ZoneLayout, cases: &[Case], replications: usize, rounds: usize) {
    let (mut pass, mut once, mut full) = (Vec::new(), Vec::new(), Vec::new());
    let mut result = None;
    for _ in 0..rounds {
        pass.push(time(|| tally(layout.len(), black_box(cases))));
        once.push(time(|| scan(layout, black_box(cases), &config(1, 1))));
        let start = Instant::now();
        result = Some(scan(layout, black_box(cases), &config(replications, 1)).expect("valid"));
        full.push(start.elapsed());
    }
    let (pass, once, full) = (median(pass), median(once), median(full));
    let result = result.expect("at least one round");
    let top = result.hotspots.first();
    println!(
        "\n{label}: {} zones, {} requests, median of {rounds} alternating round(s); primary cluster {} zone(s), p = {}",
        layout.len(),
        cases.len(),
        top.map_or(0, |h| h.zones.len()),
        top.map_or("—".to_owned(), |h| format!("{:.3}", h.p_value)),
    );
    println!(
        "  plain pass (count per zone and day) : {:>10.3} ms",
        pass.as_secs_f64() * 1e3
    );
    println!(
        "  scan, 1 replication                 : {:>10.3} ms  ({:.0} x the plain pass)",
        once.as_secs_f64() * 1e3,
        once.as_secs_f64() / pass.as_secs_f64()
    );
    println!(
        "  {:<35} : {:>10.3} ms  ({:.0} x the plain pass, {:.1} x the scan with 1 replication, {:.3} ms per replication)",
        format!("scan, {replications} replications"),
        full.as_secs_f64() * 1e3,
        full.as_secs_f64() / pass.as_secs_f64(),
        full.as_secs_f64() / once.as_secs_f64(),
        (full.as_secs_f64() - once.as_secs_f64()) * 1e3 / (replications as f64 - 1.0).max(1.0),
    );
}

/// The street tiled `DISTRICT_TILES` × `DISTRICT_TILES` times in metres, and a year of
/// `DISTRICT_REQUESTS` requests over it (weights repeated per tile).
fn district(street: &Street) -> (ZoneLayout, Vec<Case>) {
    let (mut min, mut max) = (street.points[0], street.points[0]);
    for p in &street.points {
        min = Coord {
            x: min.x.min(p.x),
            y: min.y.min(p.y),
        };
        max = Coord {
            x: max.x.max(p.x),
            y: max.y.max(p.y),
        };
    }
    // One spacing between copies, about a micro-grid.
    let step = Coord {
        x: max.x - min.x + 180.0,
        y: max.y - min.y + 180.0,
    };
    let mut points = Vec::new();
    let mut weights = Vec::new();
    for row in 0..DISTRICT_TILES {
        for column in 0..DISTRICT_TILES {
            for (p, &w) in street.points.iter().zip(&street.zone_weights) {
                points.push(Coord {
                    x: p.x + column as f64 * step.x,
                    y: p.y + row as f64 * step.y,
                });
                weights.push(w);
            }
        }
    }
    let zones = Weighted::new(weights);
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let cases = (0..DISTRICT_REQUESTS)
        .map(|_| Case {
            zone: zones.draw(&mut rng),
            day: FIRST_DAY + street.days.draw(&mut rng) as i32,
        })
        .collect();
    (ZoneLayout::from_metres(&points).expect("finite"), cases)
}

fn main() {
    let trials = env_usize("HOTSPOT_BENCH_TRIALS", 20);
    let replications = env_usize("HOTSPOT_BENCH_REPS", 999);
    let district_replications = env_usize("HOTSPOT_BENCH_DISTRICT_REPS", 999);
    let street = Street::demo();
    let defaults = ScanConfig::prospective(FIRST_DAY, LAST_DAY);
    println!(
        "hotspot scan, prospective on the last day of a generated year: {} micro-grids of the demo street, ~{STREET_REQUESTS_PER_YEAR} requests a year, windows <= {} days, circles <= {} m and <= {} of the requests, >= {} requests, 1 thread",
        street.layout.len(),
        defaults.max_days,
        defaults.max_radius_m,
        defaults.max_case_share,
        defaults.min_cases
    );
    let started = Instant::now();

    // Run times first, while nothing else of this program has warmed or fragmented anything.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let quiet = street.background(&mut rng);
    timing(
        "street-year, no cluster",
        &street.layout,
        &quiet,
        999,
        TIMING_ROUNDS,
    );
    let mut with_cluster = quiet.clone();
    let planted = Planted::new(&street, &mut rng, 7, 14, 8.0, &mut with_cluster);
    timing(
        &format!(
            "street-year, a cluster of 7 micro-grids over 14 days at RR 8 (+{} requests)",
            planted.extra
        ),
        &street.layout,
        &with_cluster,
        999,
        TIMING_ROUNDS,
    );
    let (district_layout, district_cases) = district(&street);
    timing(
        "district-year, no cluster",
        &district_layout,
        &district_cases,
        district_replications,
        1,
    );
    drop(district_cases);

    if trials > 0 {
        detection(&street, trials, replications);
        false_alarms(&street, 10 * trials, replications);
    }
    println!("\ntotal {:.0} s", started.elapsed().as_secs_f64());
}
