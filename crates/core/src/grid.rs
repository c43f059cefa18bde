//! The four-level grid: street → community (base grid) → micro-grid → unit.

use std::collections::HashMap;

use geo::{BoundingRect, MultiPolygon, Rect};
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

use crate::code::GridCode;
use crate::geometry::{self, LocalProjection};
use crate::problem::GridProblem;
pub use crate::vocabulary::{DatasetSource, GridLevel, MicroKind};

/// Coordinates are kept at 1e-7° (about 1 cm), so a shared boundary may wobble by that much:
/// a sliver up to this wide along a grid's boundary is rounding, not an overlap or a gap.
pub const TILING_BAND_M: f64 = 0.02;
/// Plus this much area, for tiny grids.
pub const TILING_SLACK_M2: f64 = 1.0;

/// The overlap or gap area tolerated along a boundary of this length.
fn tolerance_m2(boundary_m: f64) -> f64 {
    TILING_SLACK_M2 + TILING_BAND_M * boundary_m
}

/// Total ring length of a shape in projected metres.
fn boundary_length_m(shape: &MultiPolygon<f64>) -> f64 {
    shape
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(geo::LineString::lines)
        .map(|line| line.dx().hypot(line.dy()))
        .sum()
}

impl GridLevel {
    /// The level of a grid's parent, `None` for the street.
    pub fn parent_level(self) -> Option<Self> {
        match self {
            Self::Street => None,
            Self::Community => Some(Self::Street),
            Self::Micro => Some(Self::Community),
            Self::Unit => Some(Self::Micro),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub code: GridCode,
    pub name: String,
    pub name_en: String,
    pub shape: MultiPolygon<f64>,
    pub population: u32,
    pub kind: Option<MicroKind>,
    /// True for the generated demo dataset; a surveyed import says false.
    pub synthetic: bool,
}

impl Grid {
    pub fn level(&self) -> GridLevel {
        self.code.level()
    }

    pub fn bbox(&self) -> Rect<f64> {
        self.shape
            .bounding_rect()
            .expect("grids are validated to have coordinates")
    }

    pub fn area_m2(&self) -> f64 {
        geometry::geodesic_area_m2(&self.shape)
    }
}

/// Index of a grid inside a [`GridHierarchy`]; also its map feature id minus one.
pub type GridIndex = usize;

/// All grids of a street with their parent/child links. Parent/child integrity holds by
/// construction: every non-street grid's parent is present and one level up.
#[derive(Debug, Clone)]
pub struct GridHierarchy {
    grids: Vec<Grid>,
    by_code: HashMap<GridCode, GridIndex>,
    parent: Vec<Option<GridIndex>>,
    children: Vec<Vec<GridIndex>>,
    street: GridIndex,
}

impl GridHierarchy {
    /// Links grids by their codes. Returns every integrity problem found, with the code of
    /// the grid it concerns (`None` for the dataset as a whole).
    pub fn build(mut grids: Vec<Grid>) -> Result<Self, Vec<(Option<GridCode>, GridProblem)>> {
        if grids.is_empty() {
            return Err(vec![(None, GridProblem::Empty)]);
        }
        // Parents before children, siblings in code order: levels sort street → unit.
        grids.sort_by(|a, b| (a.level(), &a.code).cmp(&(b.level(), &b.code)));
        let mut problems = Vec::new();
        let mut by_code = HashMap::with_capacity(grids.len());
        for (index, grid) in grids.iter().enumerate() {
            if by_code.insert(grid.code.clone(), index).is_some() {
                problems.push((
                    Some(grid.code.clone()),
                    GridProblem::DuplicateCode {
                        code: grid.code.to_string(),
                    },
                ));
            }
        }
        let streets: Vec<GridIndex> = (0..grids.len())
            .filter(|&i| grids[i].level() == GridLevel::Street)
            .collect();
        if streets.len() != 1 {
            problems.push((
                None,
                GridProblem::StreetCount {
                    count: streets.len(),
                },
            ));
        }
        let mut parent = vec![None; grids.len()];
        let mut children = vec![Vec::new(); grids.len()];
        for (index, grid) in grids.iter().enumerate() {
            let Some(parent_code) = grid.code.parent() else {
                continue;
            };
            match by_code.get(&parent_code) {
                Some(&p) => {
                    parent[index] = Some(p);
                    children[p].push(index);
                }
                None => problems.push((
                    Some(grid.code.clone()),
                    GridProblem::MissingParent {
                        parent: parent_code.to_string(),
                    },
                )),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            street: streets[0],
            grids,
            by_code,
            parent,
            children,
        })
    }

    /// Links grids ([`Self::build`]) and checks their tiling ([`Self::tiling_problems`]):
    /// the hierarchy only when both find nothing.
    pub fn build_tiled(grids: Vec<Grid>) -> Result<Self, Vec<(Option<GridCode>, GridProblem)>> {
        let hierarchy = Self::build(grids)?;
        let tiling = hierarchy.tiling_problems();
        if tiling.is_empty() {
            Ok(hierarchy)
        } else {
            Err(tiling.into_iter().map(|(c, p)| (Some(c), p)).collect())
        }
    }

    pub fn grids(&self) -> &[Grid] {
        &self.grids
    }

    pub fn get(&self, index: GridIndex) -> &Grid {
        &self.grids[index]
    }

    pub fn index_of(&self, code: &GridCode) -> Option<GridIndex> {
        self.by_code.get(code).copied()
    }

    pub fn by_code(&self, code: &GridCode) -> Option<&Grid> {
        self.index_of(code).map(|i| &self.grids[i])
    }

    pub fn street(&self) -> &Grid {
        &self.grids[self.street]
    }

    pub fn parent_of(&self, index: GridIndex) -> Option<GridIndex> {
        self.parent[index]
    }

    pub fn children_of(&self, index: GridIndex) -> &[GridIndex] {
        &self.children[index]
    }

    pub fn street_index(&self) -> GridIndex {
        self.street
    }

    /// Indexes of every grid at one level, in code order.
    pub fn at_level(&self, level: GridLevel) -> impl Iterator<Item = GridIndex> + '_ {
        (0..self.grids.len()).filter(move |&i| self.grids[i].level() == level)
    }

    pub fn count(&self, level: GridLevel) -> usize {
        self.at_level(level).count()
    }

    /// Checks that every grid's children tile it: each child lies inside its parent, siblings
    /// do not overlap, and together they leave no gap. Grids without children are not checked
    /// for gaps (a micro-grid need not be split into units).
    pub fn tiling_problems(&self) -> Vec<(GridCode, GridProblem)> {
        let projection = LocalProjection::centred_on(self.street().bbox());
        let projected: Vec<MultiPolygon<f64>> = self
            .grids
            .iter()
            .map(|g| projection.project(&g.shape))
            .collect();
        let mut problems = Vec::new();
        for (parent, kids) in self.children.iter().enumerate() {
            if kids.is_empty() {
                continue;
            }
            let parent_shape = &projected[parent];
            let parent_code = &self.grids[parent].code;
            let mut covered = 0.0;
            let mut kids_boundary = 0.0;
            for &kid in kids {
                let boundary = boundary_length_m(&projected[kid]);
                kids_boundary += boundary;
                let outside = geometry::outside_m2(&projected[kid], parent_shape);
                if outside > tolerance_m2(boundary) {
                    problems.push((
                        self.grids[kid].code.clone(),
                        GridProblem::OutsideParent {
                            parent: parent_code.to_string(),
                            outside_m2: outside,
                        },
                    ));
                }
                covered += geo::Area::unsigned_area(&projected[kid]) - outside;
            }
            let sibling_index: RTree<GeomWithData<Rectangle<[f64; 2]>, GridIndex>> =
                RTree::bulk_load(
                    kids.iter()
                        .filter_map(|&k| {
                            projected[k]
                                .bounding_rect()
                                .map(|r| GeomWithData::new(rect_to_rstar(r), k))
                        })
                        .collect(),
                );
            let mut overlap_total = 0.0;
            for &kid in kids {
                let Some(envelope) = projected[kid].bounding_rect() else {
                    continue;
                };
                let envelope = AABB::from_corners(
                    [envelope.min().x, envelope.min().y],
                    [envelope.max().x, envelope.max().y],
                );
                for other in sibling_index.locate_in_envelope_intersecting(&envelope) {
                    if other.data <= kid {
                        continue;
                    }
                    let overlap = geometry::overlap_m2(&projected[kid], &projected[other.data]);
                    overlap_total += overlap;
                    let shorter = boundary_length_m(&projected[kid])
                        .min(boundary_length_m(&projected[other.data]));
                    if overlap > tolerance_m2(shorter) {
                        problems.push((
                            self.grids[kid].code.clone(),
                            GridProblem::OverlapsSibling {
                                other: self.grids[other.data].code.to_string(),
                                overlap_m2: overlap,
                            },
                        ));
                    }
                }
            }
            let parent_area = geo::Area::unsigned_area(parent_shape);
            let gap = parent_area - (covered - overlap_total);
            if gap > tolerance_m2(kids_boundary) {
                problems.push((
                    parent_code.clone(),
                    GridProblem::ChildrenLeaveGap { gap_m2: gap },
                ));
            }
        }
        problems
    }
}

fn rect_to_rstar(rect: Rect<f64>) -> Rectangle<[f64; 2]> {
    Rectangle::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y])
}
