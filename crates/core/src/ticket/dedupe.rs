//! Duplicate detection: a new report of the same category within N metres and T hours of an
//! open ticket is the same problem ("多个龙头进水、一个龙头出水").
//!
//! One R-tree of open tickets per category, in metres on the street's local projection.
//! Clear cases (within half the radius and half the window) merge automatically; the rest of
//! the band is flagged for the dispatcher.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use geo::Coord;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::{Deserialize, Serialize};

use super::TicketId;
use crate::geometry::LocalProjection;

/// How close two reports of one category must be to be the same problem.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DedupeRule {
    pub radius_m: f64,
    pub window_hours: f64,
}

impl Default for DedupeRule {
    fn default() -> Self {
        Self {
            radius_m: 50.0,
            window_hours: 4.0,
        }
    }
}

/// The open ticket a new report repeats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DuplicateMatch {
    pub of: TicketId,
    pub distance_m: f64,
    pub hours_apart: f64,
    /// Close enough in space and time to merge without asking.
    pub clear: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct OpenReport {
    id: TicketId,
    received_ms: i64,
}

type Entry = GeomWithData<[f64; 2], OpenReport>;

/// Open, unmerged tickets with a location, by category.
#[derive(Debug, Clone)]
pub struct DuplicateIndex {
    projection: LocalProjection,
    by_category: HashMap<String, RTree<Entry>>,
}

impl DuplicateIndex {
    pub fn new(projection: LocalProjection) -> Self {
        Self {
            projection,
            by_category: HashMap::new(),
        }
    }

    fn entry(&self, id: TicketId, lon: f64, lat: f64, at: DateTime<Utc>) -> Entry {
        let m = self.projection.to_metres(Coord { x: lon, y: lat });
        GeomWithData::new(
            [m.x, m.y],
            OpenReport {
                id,
                received_ms: at.timestamp_millis(),
            },
        )
    }

    pub fn insert(&mut self, id: TicketId, category: &str, lon: f64, lat: f64, at: DateTime<Utc>) {
        let entry = self.entry(id, lon, lat, at);
        self.by_category
            .entry(category.to_owned())
            .or_default()
            .insert(entry);
    }

    /// Forgets a ticket that closed, was cancelled, merged or moved. Returns whether it was there.
    pub fn remove(
        &mut self,
        id: TicketId,
        category: &str,
        lon: f64,
        lat: f64,
        at: DateTime<Utc>,
    ) -> bool {
        let entry = self.entry(id, lon, lat, at);
        self.by_category
            .get_mut(category)
            .is_some_and(|tree| tree.remove(&entry).is_some())
    }

    pub fn len(&self) -> usize {
        self.by_category.values().map(RTree::size).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The best match for a new report: the nearest in space among those within the rule's
    /// radius and window (ties go to the earlier ticket, the one that carries the case).
    pub fn find(
        &self,
        category: &str,
        lon: f64,
        lat: f64,
        at: DateTime<Utc>,
        rule: DedupeRule,
    ) -> Option<DuplicateMatch> {
        let tree = self.by_category.get(category)?;
        let m = self.projection.to_metres(Coord { x: lon, y: lat });
        let window_ms = rule.window_hours * 3_600_000.0;
        let now_ms = at.timestamp_millis();
        tree.locate_within_distance([m.x, m.y], rule.radius_m * rule.radius_m)
            .filter_map(|entry| {
                let apart_ms = (now_ms - entry.data.received_ms).abs() as f64;
                (apart_ms <= window_ms).then(|| {
                    let [x, y] = *entry.geom();
                    let distance_m = (x - m.x).hypot(y - m.y);
                    (distance_m, entry.data, apart_ms)
                })
            })
            .min_by(|a, b| {
                a.0.total_cmp(&b.0)
                    .then(a.1.received_ms.cmp(&b.1.received_ms))
                    .then(a.1.id.cmp(&b.1.id))
            })
            .map(|(distance_m, report, apart_ms)| DuplicateMatch {
                of: report.id,
                distance_m,
                hours_apart: apart_ms / 3_600_000.0,
                clear: distance_m <= rule.radius_m / 2.0 && apart_ms <= window_ms / 2.0,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const ORIGIN: Coord<f64> = Coord {
        x: 117.12,
        y: 40.14,
    };

    fn index() -> DuplicateIndex {
        DuplicateIndex::new(LocalProjection::new(ORIGIN))
    }

    /// A point `east` and `north` metres from the origin.
    fn offset(east: f64, north: f64) -> (f64, f64) {
        let c = LocalProjection::new(ORIGIN).to_lon_lat(Coord { x: east, y: north });
        (c.x, c.y)
    }

    fn hour(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, h, 0, 0).unwrap()
    }

    #[test]
    fn same_category_near_and_recent_is_a_clear_duplicate() {
        let mut idx = index();
        let (lon, lat) = offset(0.0, 0.0);
        idx.insert(7, "garbage", lon, lat, hour(8));
        let (lon, lat) = offset(10.0, 5.0);
        let m = idx
            .find("garbage", lon, lat, hour(9), DedupeRule::default())
            .expect("10 m and 1 h apart is a duplicate");
        assert_eq!(m.of, 7);
        assert!(
            (m.distance_m - 125f64.sqrt()).abs() < 0.01,
            "{}",
            m.distance_m
        );
        assert!(m.clear);
    }

    #[test]
    fn borderline_cases_are_flagged_not_merged() {
        let mut idx = index();
        let (lon, lat) = offset(0.0, 0.0);
        idx.insert(1, "garbage", lon, lat, hour(8));
        let (lon, lat) = offset(40.0, 0.0);
        let far = idx
            .find("garbage", lon, lat, hour(9), DedupeRule::default())
            .unwrap();
        assert!(!far.clear, "40 m of 50 m is borderline");
        let (lon, lat) = offset(5.0, 0.0);
        let late = idx
            .find("garbage", lon, lat, hour(11), DedupeRule::default())
            .unwrap();
        assert!(!late.clear, "3 h of 4 h is borderline");
    }

    #[test]
    fn other_category_far_or_old_is_not_a_duplicate() {
        let mut idx = index();
        let (lon, lat) = offset(0.0, 0.0);
        idx.insert(1, "garbage", lon, lat, hour(8));
        let rule = DedupeRule::default();
        assert!(idx.find("noise", lon, lat, hour(8), rule).is_none());
        let (far_lon, far_lat) = offset(51.0, 0.0);
        assert!(
            idx.find("garbage", far_lon, far_lat, hour(8), rule)
                .is_none()
        );
        assert!(idx.find("garbage", lon, lat, hour(13), rule).is_none());
        assert!(idx.remove(1, "garbage", lon, lat, hour(8)));
        assert!(idx.find("garbage", lon, lat, hour(8), rule).is_none());
        assert!(idx.is_empty());
    }

    #[test]
    fn nearest_of_several_candidates_wins() {
        let mut idx = index();
        for (id, east) in [(1, 30.0), (2, 8.0), (3, 20.0)] {
            let (lon, lat) = offset(east, 0.0);
            idx.insert(id, "noise", lon, lat, hour(8));
        }
        let (lon, lat) = offset(0.0, 0.0);
        let m = idx
            .find("noise", lon, lat, hour(8), DedupeRule::default())
            .unwrap();
        assert_eq!(m.of, 2);
    }
}
