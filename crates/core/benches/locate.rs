//! Point → micro-grid lookup: the rstar + geo index against a naive scan of the same polygons,
//! measured in the same run. Prints lookups per second and the ratio.
//!
//! `cargo bench -p binhe-core --bench locate`

use std::hint::black_box;
use std::time::{Duration, Instant};

use binhe_core::demo::{self, DEFAULT_SEED};
use binhe_core::{GridLevel, GridLocator};
use geo::{Intersects, MultiPolygon, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const POINTS: usize = 200_000;
const MIN_TIME: Duration = Duration::from_secs(2);

/// Runs `lookup` over the points until at least `MIN_TIME` has passed; lookups per second.
fn rate(points: &[(f64, f64)], mut lookup: impl FnMut(f64, f64) -> Option<usize>) -> f64 {
    let start = Instant::now();
    let mut done = 0usize;
    while start.elapsed() < MIN_TIME {
        for &(lon, lat) in points {
            black_box(lookup(black_box(lon), black_box(lat)));
        }
        done += points.len();
    }
    done as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let dataset = demo::generate(DEFAULT_SEED);
    let h = &dataset.hierarchy;
    let locator = GridLocator::new(h);
    let micro: Vec<(usize, MultiPolygon<f64>)> = h
        .at_level(GridLevel::Micro)
        .map(|i| (i, h.get(i).shape.clone()))
        .collect();
    let bbox = h.street().bbox();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let points: Vec<(f64, f64)> = (0..POINTS)
        .map(|_| {
            (
                rng.random_range(bbox.min().x..bbox.max().x),
                rng.random_range(bbox.min().y..bbox.max().y),
            )
        })
        .collect();

    // Both must answer the same before their speeds mean anything.
    let naive = |lon: f64, lat: f64| {
        let p = Point::new(lon, lat);
        micro
            .iter()
            .find(|(_, shape)| shape.intersects(&p))
            .map(|(i, _)| *i)
    };
    let disagreements = points
        .iter()
        .take(20_000)
        .filter(|&&(x, y)| naive(x, y) != locator.micro_at(x, y))
        .count();
    assert_eq!(disagreements, 0, "index and naive scan disagree");

    let inside = points
        .iter()
        .filter(|&&(x, y)| locator.micro_at(x, y).is_some())
        .count();

    let indexed = rate(&points, |lon, lat| locator.micro_at(lon, lat));
    let scanned = rate(&points[..20_000], naive);
    println!(
        "point -> micro-grid lookup, {} micro-grids, {POINTS} random points in the street's bounding box ({:.1} % inside a grid)",
        micro.len(),
        100.0 * inside as f64 / POINTS as f64
    );
    println!("  rstar + geo index : {indexed:>12.0} lookups/s");
    println!("  naive geo scan    : {scanned:>12.0} lookups/s");
    println!("  ratio             : {:>12.1} x", indexed / scanned);
}
