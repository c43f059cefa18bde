//! The grid map: MapLibre bindings, the style, the grid index and the view that ties them
//! to the app state, with the open tickets on top.

mod bindings;
mod device_card;
pub mod devices;
mod heat;
mod hotspots;
pub mod index;
mod phone;
pub mod replay;
pub mod style;
mod survey;
mod tickets;
mod view;

pub use phone::PhoneMap;
pub use tickets::DRAG_MIME;
pub use view::MapView;
