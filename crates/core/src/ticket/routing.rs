//! Routing on arrival: which unit, micro-grid and community a request belongs to, found with the
//! R-tree locator; anything that cannot be placed goes to the unrouted queue with its reason.

use geo::InteriorPoint;
use serde::{Deserialize, Serialize};

use super::Point;
use super::intake::IntakeLocation;
use crate::code::GridCode;
use crate::grid::{GridHierarchy, GridLevel};
use crate::spatial::GridLocator;
pub use crate::vocabulary::UnroutedReason;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routing {
    pub community: Option<GridCode>,
    pub micro: Option<GridCode>,
    pub unit: Option<GridCode>,
    pub unrouted: Option<UnroutedReason>,
}

impl Routing {
    fn unrouted(reason: UnroutedReason) -> Self {
        Self {
            unrouted: Some(reason),
            ..Self::default()
        }
    }

    pub fn is_routed(&self) -> bool {
        self.community.is_some()
    }

    /// The most precise grid known.
    pub fn finest(&self) -> Option<&GridCode> {
        self.unit
            .as_ref()
            .or(self.micro.as_ref())
            .or(self.community.as_ref())
    }
}

/// Places a point: unit, micro-grid and community, all from the spatial index.
pub fn route_point(point: Point, hierarchy: &GridHierarchy, locator: &GridLocator) -> Routing {
    let code = |index: Option<usize>| index.map(|i| hierarchy.get(i).code.clone());
    let community = code(locator.community_at(point.lon, point.lat));
    if community.is_none() {
        return Routing::unrouted(UnroutedReason::OutsideStreet);
    }
    Routing {
        community,
        micro: code(locator.micro_at(point.lon, point.lat)),
        unit: code(locator.unit_at(point.lon, point.lat)),
        unrouted: None,
    }
}

/// Places a named grid: itself and its ancestors; the point is a spot inside the grid.
fn route_grid(code: &GridCode, hierarchy: &GridHierarchy) -> (Option<Point>, Routing) {
    let Some(index) = hierarchy.index_of(code) else {
        return (None, Routing::unrouted(UnroutedReason::AddressNotFound));
    };
    let point = hierarchy.get(index).shape.interior_point().map(|p| Point {
        lon: p.x(),
        lat: p.y(),
    });
    let mut routing = Routing::default();
    let mut at = Some(index);
    while let Some(i) = at {
        let grid = hierarchy.get(i);
        match grid.level() {
            GridLevel::Unit => routing.unit = Some(grid.code.clone()),
            GridLevel::Micro => routing.micro = Some(grid.code.clone()),
            GridLevel::Community => routing.community = Some(grid.code.clone()),
            GridLevel::Street => {}
        }
        at = hierarchy.parent_of(i);
    }
    if routing.community.is_none() {
        routing.unrouted = Some(UnroutedReason::TooVague);
    }
    (point, routing)
}

/// The grid whose name appears in an address; the longest name wins ("金海小区3号楼" names the
/// micro-grid 金海小区3号楼 before the community 金海).
fn grid_named_in(address: &str, hierarchy: &GridHierarchy) -> Option<GridCode> {
    hierarchy
        .grids()
        .iter()
        .filter(|g| g.level() != GridLevel::Street && !g.name.is_empty())
        .filter(|g| address.contains(g.name.as_str()))
        .max_by_key(|g| (g.name.chars().count(), g.level()))
        .map(|g| g.code.clone())
}

/// Where a request is and which grids hold it.
pub fn route(
    location: &IntakeLocation,
    hierarchy: &GridHierarchy,
    locator: &GridLocator,
) -> (Option<Point>, Routing) {
    match location {
        IntakeLocation::Point(point) => (Some(*point), route_point(*point, hierarchy, locator)),
        IntakeLocation::Grid { code } => route_grid(code, hierarchy),
        IntakeLocation::Address { text } => match grid_named_in(text, hierarchy) {
            Some(code) => route_grid(&code, hierarchy),
            None if text.contains(hierarchy.street().name.as_str()) => {
                (None, Routing::unrouted(UnroutedReason::TooVague))
            }
            None => (None, Routing::unrouted(UnroutedReason::AddressNotFound)),
        },
    }
}
