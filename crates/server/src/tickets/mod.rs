//! The ticket desk and its HTTP face: intake from every channel, the closed loop's actions,
//! drag-to-dispatch, 12345 file import and the live event stream.

pub mod api;
pub mod desk;
pub mod import;
pub mod stream;
pub mod view;

pub use desk::{DeskError, IntakeOutcome, TicketDesk};
