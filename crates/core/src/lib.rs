//! The Smart Binhe domain: the four-level grid of Binhe Street, its codes, spatial index and
//! validation, the people and devices posted to it, the seeded demo dataset, and the tickets that
//! travel the closed loop through it, the KPIs and assessment (考核) counted from them, and the
//! hotspots (未诉先办) found in them, and the governance projects (治理项目) that answer them with
//! their measured effect.
//!
//! No IO and no async here: everything is plain functions over plain types.

pub mod access;
pub mod circles;
pub mod code;
pub mod crs;
#[cfg(feature = "demo")]
pub mod demo;
pub mod diary;
pub mod geojson;
pub mod geometry;
pub mod grid;
pub mod hotspots;
pub mod kpi;
pub mod label;
pub mod people;
pub mod problem;
pub mod projects;
pub mod spatial;
pub mod survey;
pub mod text;
pub mod ticket;
pub mod training;
pub mod vocabulary;

pub use code::{CodeError, GridCode};
pub use crs::Crs;
pub use grid::{Grid, GridHierarchy, GridIndex, GridLevel, MicroKind};
pub use people::{Device, DeviceKind, DoorEventKind, Health, Worker, WorkerKind, WorkerRole};
pub use problem::{FeatureProblem, GridProblem};
pub use spatial::{GridLocator, NearestIndex};

#[doc(hidden)]
pub use serde as __serde;
