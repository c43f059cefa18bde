//! Spatial questions a dispatcher asks: which grid holds this point, what is nearest to it.

use geo::{BoundingRect, Coord, Intersects, MultiPolygon, Point};
use rstar::{RTree, primitives::GeomWithData, primitives::Rectangle};

use crate::geometry::LocalProjection;
use crate::grid::{GridHierarchy, GridIndex, GridLevel, rect_to_rstar};

type Envelope = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// One level of grids in an R-tree over their bounding boxes; the exact polygon test runs
/// only on the few grids whose box holds the point.
#[derive(Debug, Clone)]
struct LevelIndex {
    tree: RTree<Envelope>,
    shapes: Vec<(GridIndex, MultiPolygon<f64>)>,
}

impl LevelIndex {
    fn new(hierarchy: &GridHierarchy, level: GridLevel) -> Self {
        let shapes: Vec<(GridIndex, MultiPolygon<f64>)> = hierarchy
            .at_level(level)
            .map(|i| (i, hierarchy.get(i).shape.clone()))
            .collect();
        let envelopes = shapes
            .iter()
            .enumerate()
            .filter_map(|(slot, (_, shape))| {
                shape
                    .bounding_rect()
                    .map(|r| GeomWithData::new(rect_to_rstar(r), slot))
            })
            .collect();
        Self {
            tree: RTree::bulk_load(envelopes),
            shapes,
        }
    }

    /// The grid covering the point; on a shared edge the one earliest in code order.
    fn locate(&self, point: Point<f64>) -> Option<GridIndex> {
        self.tree
            .locate_all_at_point(&[point.x(), point.y()])
            .map(|candidate| candidate.data)
            .filter(|&slot| self.shapes[slot].1.intersects(&point))
            .min()
            .map(|slot| self.shapes[slot].0)
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
        self.micro.locate(Point::new(lon, lat))
    }

    pub fn unit_at(&self, lon: f64, lat: f64) -> Option<GridIndex> {
        self.unit.locate(Point::new(lon, lat))
    }

    pub fn community_at(&self, lon: f64, lat: f64) -> Option<GridIndex> {
        self.community.locate(Point::new(lon, lat))
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
