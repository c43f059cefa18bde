//! The panels around the map.

mod card;
mod header;
mod import;
mod notices;
mod search;
mod tree;

pub use card::GridCard;
pub use header::Header;
pub use import::GridImport;
pub use notices::Notices;
pub use search::SearchBox;
pub use tree::GridTree;
