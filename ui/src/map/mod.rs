//! The grid map: MapLibre bindings, the style, the grid index and the view that ties them
//! to the app state.

mod bindings;
pub mod index;
pub mod style;
mod view;

pub use view::MapView;
