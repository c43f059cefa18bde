//! Grid workers and field devices: points with a post in a grid.

use serde::{Deserialize, Serialize};

use crate::code::GridCode;
use crate::grid::{GridHierarchy, GridLevel};
use crate::spatial::GridLocator;
pub use crate::vocabulary::{DeviceKind, DoorEventKind, Health, WorkerKind, WorkerRole};

/// Re-derives a post after the grids changed (a surveyed import replaces the demo grids): the
/// grid at the post's level that holds the point; a point outside every grid falls back to the
/// street grid, where a dispatcher sees it as unposted.
pub fn repost(
    grid: &GridCode,
    lon: f64,
    lat: f64,
    hierarchy: &GridHierarchy,
    locator: &GridLocator,
) -> GridCode {
    let located = match grid.level() {
        GridLevel::Unit => locator
            .unit_at(lon, lat)
            .or_else(|| locator.micro_at(lon, lat)),
        GridLevel::Micro => locator.micro_at(lon, lat),
        GridLevel::Community => locator.community_at(lon, lat),
        GridLevel::Street => None,
    };
    match located {
        Some(index) => hierarchy.get(index).code.clone(),
        None => hierarchy.street().code.clone(),
    }
}

/// A grid worker posted to one grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Worker {
    pub id: String,
    pub name: String,
    pub kind: WorkerKind,
    pub role: WorkerRole,
    /// The grid the worker is responsible for.
    pub grid: GridCode,
    pub phone: String,
    pub lon: f64,
    pub lat: f64,
}

/// A camera, checkpoint or door-access unit at a point inside a grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    pub kind: DeviceKind,
    pub name: String,
    pub grid: GridCode,
    pub lon: f64,
    pub lat: f64,
    /// Where a camera's live picture comes from: an RTSP URL, an upstream gateway's
    /// HTTP-FLV/HLS/MJPEG URL, or `testsrc:` for a generated test picture (the demo street).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
}
