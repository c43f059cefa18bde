//! Grid workers and field devices: points with a post in a grid.

use serde::{Deserialize, Serialize};

use crate::code::GridCode;
use crate::grid::{GridHierarchy, GridLevel};
use crate::spatial::GridLocator;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerKind {
    /// 专职网格员: main streets and lanes.
    FullTime,
    /// 兼职网格员: residents inside compounds.
    PartTime,
}

impl WorkerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FullTime => "full_time",
            Self::PartTime => "part_time",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "full_time" => Some(Self::FullTime),
            "part_time" => Some(Self::PartTime),
            _ => None,
        }
    }
}

/// What a worker does, in the seed's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerRole {
    FullTimeWorker,
    SocialWorker,
    BuildingLeader,
    UnitLeader,
    ResidentRepresentative,
}

impl WorkerRole {
    pub const ALL: [Self; 5] = [
        Self::FullTimeWorker,
        Self::SocialWorker,
        Self::BuildingLeader,
        Self::UnitLeader,
        Self::ResidentRepresentative,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FullTimeWorker => "full_time_worker",
            Self::SocialWorker => "social_worker",
            Self::BuildingLeader => "building_leader",
            Self::UnitLeader => "unit_leader",
            Self::ResidentRepresentative => "resident_representative",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::FullTimeWorker => "专职网格员",
            Self::SocialWorker => "社工",
            Self::BuildingLeader => "楼长",
            Self::UnitLeader => "单元长",
            Self::ResidentRepresentative => "居民代表",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::FullTimeWorker => "Full-time grid worker",
            Self::SocialWorker => "Social worker",
            Self::BuildingLeader => "Building leader",
            Self::UnitLeader => "Unit leader",
            Self::ResidentRepresentative => "Residents' representative",
        }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Camera,
    Checkpoint,
    DoorAccess,
}

impl DeviceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Camera => "camera",
            Self::Checkpoint => "checkpoint",
            Self::DoorAccess => "door_access",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "camera" => Some(Self::Camera),
            "checkpoint" => Some(Self::Checkpoint),
            "door_access" => Some(Self::DoorAccess),
            _ => None,
        }
    }
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
