//! Spatial questions a dispatcher asks: which grid holds this point, what is nearest to it.

use geo::{BoundingRect, Coord, MultiPolygon};
use rstar::{AABB, Envelope, PointDistance, RTree, RTreeObject, primitives::GeomWithData};

use crate::geometry::LocalProjection;
use crate::grid::{GridHierarchy, GridIndex, GridLevel};

/// A grid's shape in the R-tree: nodes are pruned by bounding boxes, and a leaf matches only
/// when the exact polygon holds the point, so the search stops at the first real hit.
#[derive(Debug, Clone)]
struct IndexedShape {
    grid: GridIndex,
    envelope: AABB<[f64; 2]>,
    /// Every ring edge of every part, as (x1, y1, x2, y2) with y1 <= y2: a shared edge is then
    /// stored alike in both grids and the crossing test computes bit-identical values for it.
    edges: Vec<[f64; 4]>,
}

impl IndexedShape {
    fn new(grid: GridIndex, shape: &MultiPolygon<f64>) -> Option<Self> {
        let r = shape.bounding_rect()?;
        let edges = shape
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(geo::LineString::lines)
            .map(|l| {
                let (a, b) = if (l.start.y, l.start.x) <= (l.end.y, l.end.x) {
                    (l.start, l.end)
                } else {
                    (l.end, l.start)
                };
                [a.x, a.y, b.x, b.y]
            })
            .collect();
        Some(Self {
            grid,
            envelope: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
            edges,
        })
    }

    /// Even-odd crossing test over all rings: holes and multi-part grids come out right for
    /// valid shapes. Edges are half-open, so a point on an edge shared by two grids of one
    /// level belongs to exactly one of them.
    fn holds(&self, [x, y]: [f64; 2]) -> bool {
        let mut inside = false;
        for &[x1, y1, x2, y2] in &self.edges {
            if (y1 > y) != (y2 > y) && x < x1 + (y - y1) * (x2 - x1) / (y2 - y1) {
                inside = !inside;
            }
        }
        inside
    }
}

impl RTreeObject for IndexedShape {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

impl PointDistance for IndexedShape {
    /// Distance to the bounding box: a lower bound of the distance to the shape.
    fn distance_2(&self, point: &[f64; 2]) -> f64 {
        self.envelope.distance_2(point)
    }

    fn contains_point(&self, point: &[f64; 2]) -> bool {
        self.envelope.contains_point(point) && self.holds(*point)
    }
}

/// One level of grids. Grids of one level tile their parent, so at most one holds a point.
#[derive(Debug, Clone)]
struct LevelIndex {
    tree: RTree<IndexedShape>,
}

impl LevelIndex {
    fn new(hierarchy: &GridHierarchy, level: GridLevel) -> Self {
        let shapes = hierarchy
            .at_level(level)
            .filter_map(|grid| IndexedShape::new(grid, &hierarchy.get(grid).shape))
            .collect();
        Self {
            tree: RTree::bulk_load(shapes),
        }
    }

    fn locate(&self, point: [f64; 2]) -> Option<GridIndex> {
        self.tree.locate_at_point(&point).map(|found| found.grid)
    }
}

/// Answers "which micro-grid / community contains this point".
///
/// ```
/// use binhe_core::{demo, GridLocator};
/// let dataset = demo::generate(demo::DEFAULT_SEED);
/// let locator = GridLocator::new(&dataset.hierarchy);
/// let centre = dataset.hierarchy.street().bbox().center();
/// let micro = locator.micro_at(centre.x, centre.y).unwrap();
/// assert_eq!(dataset.hierarchy.get(micro).level(), binhe_core::GridLevel::Micro);
/// ```
#[derive(Debug, Clone)]
pub struct GridLocator {
    unit: LevelIndex,
    micro: LevelIndex,
    community: LevelIndex,
}

impl GridLocator {
    pub fn new(hierarchy: &GridHierarchy) -> Self {
        Self {
            unit: LevelIndex::new(hierarchy, GridLevel::Unit),
            micro: LevelIndex::new(hierarchy, GridLevel::Micro),
            community: LevelIndex::new(hierarchy, GridLevel::Community),
        }
    }

    pub fn micro_at(&self, lon: f64, lat: f64) -> Option<GridIndex> {
        self.micro.locate([lon, lat])
    }

    pub fn unit_at(&self, lon: f64, lat: f64) -> Option<GridIndex> {
        self.unit.locate([lon, lat])
    }

    pub fn community_at(&self, lon: f64, lat: f64) -> Option<GridIndex> {
        self.community.locate([lon, lat])
    }
}

/// Points of one kind (workers, cameras, checkpoints…) for nearest-N questions, measured in
/// metres on a local projection so that east–west and north–south distances weigh the same.
#[derive(Debug, Clone)]
pub struct NearestIndex<T> {
    projection: LocalProjection,
    tree: RTree<GeomWithData<[f64; 2], T>>,
}

impl<T> NearestIndex<T> {
    pub fn new(
        projection: LocalProjection,
        items: impl IntoIterator<Item = (Coord<f64>, T)>,
    ) -> Self {
        let points = items
            .into_iter()
            .map(|(at, item)| {
                let m = projection.to_metres(at);
                GeomWithData::new([m.x, m.y], item)
            })
            .collect();
        Self {
            projection,
            tree: RTree::bulk_load(points),
        }
    }

    /// Up to `count` items nearest to the point, closest first, with their distance in metres.
    pub fn nearest(&self, lon: f64, lat: f64, count: usize) -> Vec<(&T, f64)> {
        let m = self.projection.to_metres(Coord { x: lon, y: lat });
        self.tree
            .nearest_neighbor_iter_with_distance_2(&[m.x, m.y])
            .take(count)
            .map(|(entry, d2)| (&entry.data, d2.sqrt()))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }
}

#[cfg(all(test, feature = "demo"))]
mod tests {
    use super::*;
    use crate::demo::{self, DEFAULT_SEED};
    use geo::{Intersects, Point};
    use proptest::prelude::*;

    fn demo() -> &'static (GridHierarchy, GridLocator) {
        static DEMO: std::sync::OnceLock<(GridHierarchy, GridLocator)> = std::sync::OnceLock::new();
        DEMO.get_or_init(|| {
            let hierarchy = demo::generate(DEFAULT_SEED).hierarchy;
            let locator = GridLocator::new(&hierarchy);
            (hierarchy, locator)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_000))]

        /// The index answers what testing every micro-grid polygon with geo would.
        #[test]
        fn index_agrees_with_testing_every_polygon(u in 0.0f64..1.0, v in 0.0f64..1.0) {
            let (h, locator) = demo();
            let r = h.street().bbox();
            let (lon, lat) = (r.min().x + u * r.width(), r.min().y + v * r.height());
            let point = Point::new(lon, lat);
            let covering: Vec<usize> = h.at_level(GridLevel::Micro).filter(|&i| h.get(i).shape.intersects(&point)).collect();
            match locator.micro_at(lon, lat) {
                Some(found) => prop_assert!(covering.contains(&found)),
                None => prop_assert!(covering.is_empty()),
            }
            if let (Some(micro), Some(community)) = (locator.micro_at(lon, lat), locator.community_at(lon, lat)) {
                prop_assert_eq!(h.parent_of(micro), Some(community));
            }
        }
    }

    #[test]
    fn a_point_on_an_edge_shared_by_two_grids_belongs_to_exactly_one() {
        let (h, locator) = demo();
        let micro: Vec<usize> = h.at_level(GridLevel::Micro).collect();
        let edges: std::collections::HashSet<[u64; 4]> = micro
            .iter()
            .flat_map(|&i| h.get(i).shape.0[0].exterior().lines().collect::<Vec<_>>())
            .map(|l| {
                [
                    l.start.x.to_bits(),
                    l.start.y.to_bits(),
                    l.end.x.to_bits(),
                    l.end.y.to_bits(),
                ]
            })
            .collect();
        let mut shared = 0;
        for &i in &micro {
            for line in h.get(i).shape.0[0].exterior().lines() {
                let reversed = [
                    line.end.x.to_bits(),
                    line.end.y.to_bits(),
                    line.start.x.to_bits(),
                    line.start.y.to_bits(),
                ];
                if !edges.contains(&reversed) {
                    continue;
                }
                shared += 1;
                let mid = line.start + (line.end - line.start) * 0.5;
                let holders = micro
                    .iter()
                    .filter(|&&k| {
                        IndexedShape::new(k, &h.get(k).shape)
                            .unwrap()
                            .holds([mid.x, mid.y])
                    })
                    .count();
                assert_eq!(
                    holders,
                    1,
                    "midpoint of an edge of {} shared with a neighbour",
                    h.get(i).code
                );
                assert!(locator.micro_at(mid.x, mid.y).is_some());
            }
        }
        assert!(shared > 500, "only {shared} shared edges examined");
    }

    #[test]
    fn nearest_returns_closest_first_with_metres() {
        let projection = LocalProjection::new(Coord {
            x: 117.12,
            y: 40.14,
        });
        let far = projection.to_lon_lat(Coord { x: 300.0, y: 0.0 });
        let near = projection.to_lon_lat(Coord { x: 0.0, y: 40.0 });
        let index = NearestIndex::new(projection, [(far, "far"), (near, "near")]);
        let found = index.nearest(117.12, 40.14, 5);
        assert_eq!(
            found.iter().map(|(name, _)| **name).collect::<Vec<_>>(),
            ["near", "far"]
        );
        assert!((found[0].1 - 40.0).abs() < 0.01 && (found[1].1 - 300.0).abs() < 0.01);
        assert_eq!(index.len(), 2);
    }
}
