//! The nearest cameras to a place (a ticket's), from the R-tree, agree with measuring every
//! camera of the demo street.

use binhe_core::demo::{self, DEFAULT_SEED};
use binhe_core::geometry::LocalProjection;
use binhe_core::{DeviceKind, NearestIndex};
use geo::{BoundingRect, Coord};
use rand::{Rng, SeedableRng};

#[test]
fn the_k_nearest_cameras_are_those_a_full_scan_finds_closest_first() {
    let street = demo::generate(DEFAULT_SEED);
    let cameras: Vec<_> = street
        .devices
        .iter()
        .filter(|d| d.kind == DeviceKind::Camera)
        .collect();
    assert_eq!(cameras.len(), 847);
    let bbox = street
        .hierarchy
        .street()
        .shape
        .bounding_rect()
        .expect("the street has an extent");
    let projection = LocalProjection::centred_on(bbox);
    let index = NearestIndex::new(
        projection,
        cameras
            .iter()
            .map(|d| (Coord { x: d.lon, y: d.lat }, d.id.as_str())),
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    for _ in 0..200 {
        let lon = rng.random_range(bbox.min().x..bbox.max().x);
        let lat = rng.random_range(bbox.min().y..bbox.max().y);
        let at = projection.to_metres(Coord { x: lon, y: lat });
        let mut scanned: Vec<(f64, &str)> = cameras
            .iter()
            .map(|d| {
                let m = projection.to_metres(Coord { x: d.lon, y: d.lat });
                ((m.x - at.x).hypot(m.y - at.y), d.id.as_str())
            })
            .collect();
        scanned.sort_by(|a, b| a.0.total_cmp(&b.0));
        let found = index.nearest(lon, lat, 4);
        assert_eq!(found.len(), 4);
        for ((id, distance), (want_distance, want_id)) in found.iter().zip(&scanned) {
            assert!(
                (distance - want_distance).abs() < 1e-6,
                "{distance} vs {want_distance}"
            );
            assert_eq!(**id, *want_id);
        }
        assert!(found.windows(2).all(|w| w[0].1 <= w[1].1), "closest first");
    }
    assert!(index.nearest(117.0, 40.0, 0).is_empty());
}
