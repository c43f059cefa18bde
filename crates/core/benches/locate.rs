//! Point → micro-grid lookup: the rstar index (bounding boxes, then an exact even-odd test) against
//! a naive scan testing every polygon with geo's `Intersects`, over the same polygons,
//! measured in the same run. Prints lookups per second and the ratio, for the demo grids
//! (4-corner quadrilaterals) and for the same grids with a vertex every 10 m along their
//! boundaries, as surveyed grids have (same shapes, more vertices).
//!
//! `cargo bench -p binhe-core --bench locate`

use std::hint::black_box;
use std::time::{Duration, Instant};

use binhe_core::demo::{self, DEFAULT_SEED};
use binhe_core::{Grid, GridHierarchy, GridLevel, GridLocator};
use geo::{CoordsIter, Densify, Haversine, Intersects, MultiPolygon, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const POINTS: usize = 200_000;
const NAIVE_POINTS: usize = 20_000;
const MIN_TIME: Duration = Duration::from_secs(1);
/// Index and scan are timed alternately this many times; the medians are reported, so a
/// burst of load from elsewhere on the machine hits both sides alike.
const ROUNDS: usize = 5;

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

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

fn measure(label: &str, hierarchy: &GridHierarchy, points: &[(f64, f64)]) {
    let locator = GridLocator::new(hierarchy);
    let micro: Vec<(usize, MultiPolygon<f64>)> = hierarchy
        .at_level(GridLevel::Micro)
        .map(|i| (i, hierarchy.get(i).shape.clone()))
        .collect();
    let vertices =
        micro.iter().map(|(_, s)| s.coords_count()).sum::<usize>() as f64 / micro.len() as f64;
    let naive = |lon: f64, lat: f64| {
        let p = Point::new(lon, lat);
        micro
            .iter()
            .find(|(_, shape)| shape.intersects(&p))
            .map(|(i, _)| *i)
    };
    // Both must give the same grid before their speeds mean anything (shared edges have
    // measure zero among random points).
    let disagreements = points[..NAIVE_POINTS]
        .iter()
        .filter(|&&(x, y)| naive(x, y) != locator.micro_at(x, y))
        .count();
    assert_eq!(disagreements, 0, "index and naive scan disagree");
    let inside = points
        .iter()
        .filter(|&&(x, y)| locator.micro_at(x, y).is_some())
        .count();

    let mut indexed = Vec::with_capacity(ROUNDS);
    let mut scanned = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        indexed.push(rate(points, |lon, lat| locator.micro_at(lon, lat)));
        scanned.push(rate(&points[..NAIVE_POINTS], naive));
    }
    let (indexed, scanned) = (median(indexed), median(scanned));
    println!(
        "{label}: {} micro-grids, {vertices:.1} vertices each on average, {:.1} % of points inside a grid",
        micro.len(),
        100.0 * inside as f64 / points.len() as f64
    );
    println!("  rstar index       : {indexed:>12.0} lookups/s");
    println!("  naive geo scan    : {scanned:>12.0} lookups/s");
    println!("  ratio             : {:>12.1} x", indexed / scanned);
}

fn main() {
    let dataset = demo::generate(DEFAULT_SEED);
    let h = &dataset.hierarchy;
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
    println!(
        "point -> micro-grid lookup, {POINTS} random points in the street's bounding box, median of {ROUNDS} alternating rounds"
    );
    measure("demo grids", h, &points);
    let surveyed = GridHierarchy::build(
        h.grids()
            .iter()
            .map(|g| Grid {
                shape: Haversine.densify(&g.shape, 10.0),
                ..g.clone()
            })
            .collect(),
    )
    .expect("densifying keeps the codes");
    measure("survey-like grids (vertex every 10 m)", &surveyed, &points);
}
