//! What the tests and benchmarks of several crates need alike, kept once: a PostgreSQL database of
//! their own on a server they may create databases on.
//!
//! A dev-dependency only; it depends on none of the other binhe crates.

mod postgres;

pub use postgres::{ScratchDatabase, connect, database_url, test_server};
