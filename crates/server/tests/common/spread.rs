//! Where and what generated requests go in the benchmarks that load a server (fan-out, soak),
//! which include this file by path: one point inside each micro-grid of the demo street and
//! every request category, so requests spread over them are never merged as duplicates.

use binhe_core::demo::{self, DEFAULT_SEED};
use binhe_core::{GridLevel, ticket::Catalogue};
use geo::InteriorPoint;

/// A place inside a micro-grid: longitude, latitude and the grid's code.
pub struct Place {
    pub lon: f64,
    pub lat: f64,
    #[allow(
        dead_code,
        reason = "the soak bench dispatches to it; the fan-out bench does not"
    )]
    pub grid: String,
}

/// The demo street's micro-grids, one point inside each, in the hierarchy's order.
pub fn micro_grid_places() -> Vec<Place> {
    let hierarchy = demo::generate(DEFAULT_SEED).hierarchy;
    hierarchy
        .at_level(GridLevel::Micro)
        .filter_map(|i| {
            let grid = hierarchy.get(i);
            grid.shape.interior_point().map(|p| Place {
                lon: p.x(),
                lat: p.y(),
                grid: grid.code.to_string(),
            })
        })
        .collect()
}

/// The codes of the request categories a server knows out of the box.
pub fn category_codes() -> Vec<String> {
    Catalogue::defaults()
        .categories
        .into_iter()
        .map(|c| c.code)
        .collect()
}
