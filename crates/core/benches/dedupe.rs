//! Duplicate detection cost per new ticket with 100,000 open tickets in the index: the
//! per-category R-tree (`DuplicateIndex::find` + `insert`) against a linear scan of the same
//! open tickets, measured in the same run. Open tickets are spread over the street's bounding
//! box, 13 categories, received over the last 30 days.
//!
//! `cargo bench -p binhe-core --bench dedupe`

use std::hint::black_box;
use std::time::{Duration, Instant};

use binhe_core::demo::{self, DEFAULT_SEED};
use binhe_core::geometry::LocalProjection;
use binhe_core::ticket::{Catalogue, DedupeRule, DuplicateIndex};
use chrono::{DateTime, TimeZone, Utc};
use geo::Coord;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const OPEN_TICKETS: usize = 100_000;
const PROBES: usize = 20_000;
const ROUNDS: usize = 5;
const MIN_TIME: Duration = Duration::from_millis(800);

struct Open {
    id: i64,
    category: usize,
    x: f64,
    y: f64,
    at_ms: i64,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Calls `probe` over the probes until `MIN_TIME` passed; nanoseconds per probe.
fn nanos_per_probe(probes: usize, mut probe: impl FnMut(usize)) -> f64 {
    let start = Instant::now();
    let mut done = 0usize;
    while start.elapsed() < MIN_TIME {
        for i in 0..probes {
            probe(i);
        }
        done += probes;
    }
    start.elapsed().as_nanos() as f64 / done as f64
}

fn main() {
    let hierarchy = demo::generate(DEFAULT_SEED).hierarchy;
    let bbox = hierarchy.street().bbox();
    let projection = LocalProjection::centred_on(bbox);
    let catalogue = Catalogue::defaults();
    let categories: Vec<String> = catalogue
        .categories
        .iter()
        .map(|c| c.code.clone())
        .collect();
    let rule = DedupeRule::default();
    let now: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 28, 4, 0, 0).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(DEFAULT_SEED);
    let point = |rng: &mut ChaCha8Rng| Coord {
        x: rng.random_range(bbox.min().x..bbox.max().x),
        y: rng.random_range(bbox.min().y..bbox.max().y),
    };
    let month_ms = 30 * 24 * 3_600_000i64;
    let open: Vec<Open> = (0..OPEN_TICKETS)
        .map(|i| {
            let c = point(&mut rng);
            let m = projection.to_metres(c);
            Open {
                id: i as i64,
                category: rng.random_range(0..categories.len()),
                x: m.x,
                y: m.y,
                at_ms: now.timestamp_millis() - rng.random_range(0..month_ms),
            }
        })
        .collect();
    let probes: Vec<(usize, Coord<f64>)> = (0..PROBES)
        .map(|_| (rng.random_range(0..categories.len()), point(&mut rng)))
        .collect();

    let mut index = DuplicateIndex::new(projection);
    let build = Instant::now();
    for o in &open {
        let c = projection.to_lon_lat(Coord { x: o.x, y: o.y });
        let at = DateTime::from_timestamp_millis(o.at_ms).unwrap();
        index.insert(o.id, &categories[o.category], c.x, c.y, at);
    }
    let build_ms = build.elapsed().as_secs_f64() * 1e3;

    // Both must find the same duplicates before their speeds mean anything.
    let radius2 = rule.radius_m * rule.radius_m;
    let window_ms = (rule.window_hours * 3_600_000.0) as i64;
    let scan = |category: usize, c: Coord<f64>| -> Option<i64> {
        let m = projection.to_metres(c);
        let now_ms = now.timestamp_millis();
        open.iter()
            .filter(|o| o.category == category && (now_ms - o.at_ms).abs() <= window_ms)
            .filter_map(|o| {
                let d2 = (o.x - m.x).powi(2) + (o.y - m.y).powi(2);
                (d2 <= radius2).then_some((d2, o.at_ms, o.id))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)))
            .map(|(_, _, id)| id)
    };
    let mut found = 0;
    for &(category, c) in &probes[..2_000] {
        let indexed = index
            .find(&categories[category], c.x, c.y, now, rule)
            .map(|m| m.of);
        assert_eq!(indexed, scan(category, c), "index and scan disagree");
        found += usize::from(indexed.is_some());
    }

    let (mut indexed_ns, mut scan_ns, mut insert_ns) = (Vec::new(), Vec::new(), Vec::new());
    let mut next_id = OPEN_TICKETS as i64;
    for _ in 0..ROUNDS {
        indexed_ns.push(nanos_per_probe(PROBES, |i| {
            let (category, c) = probes[i];
            black_box(index.find(&categories[category], c.x, c.y, now, rule));
        }));
        scan_ns.push(nanos_per_probe(500, |i| {
            let (category, c) = probes[i];
            black_box(scan(category, c));
        }));
        // Insert and remove again, so the index stays at 100,000.
        insert_ns.push(nanos_per_probe(PROBES, |i| {
            let (category, c) = probes[i];
            next_id += 1;
            index.insert(next_id, &categories[category], c.x, c.y, now);
            index.remove(next_id, &categories[category], c.x, c.y, now);
        }));
    }
    let (indexed, scanned, insert) = (median(indexed_ns), median(scan_ns), median(insert_ns));
    println!(
        "duplicate detection with {OPEN_TICKETS} open tickets ({} categories, 30 days)",
        categories.len()
    );
    println!(
        "  index built in {build_ms:.0} ms; {found} of 2000 probes found a duplicate (50 m, 4 h)"
    );
    println!(
        "  rstar find:          {:>10.2} µs per ticket",
        indexed / 1e3
    );
    println!(
        "  rstar insert+remove: {:>10.2} µs per ticket",
        insert / 1e3
    );
    println!(
        "  linear scan:         {:>10.2} µs per ticket",
        scanned / 1e3
    );
    println!("  ratio scan/find:     {:>10.1}×", scanned / indexed);
}
