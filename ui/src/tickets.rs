//! The ticket desk: 接诉即办 on the map. Pure rules (deadlines, queue tabs, allowed actions,
//! time formatting, an import's column mapping) are unit-tested natively; `desk` and `live`
//! hold the browser-side state.

pub mod actions;
pub mod columns;
pub mod desk;
mod live;
pub mod queue;
pub mod time;

pub use desk::Desk;
