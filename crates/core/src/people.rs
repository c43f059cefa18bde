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

crate::labelled! {
    pub enum WorkerKind {
        /// 专职网格员: main streets and lanes.
        FullTime = "full_time", "专职网格员", "Full-time grid worker", short "专职", "Full-time";
        /// 兼职网格员: residents inside compounds.
        PartTime = "part_time", "兼职网格员", "Part-time grid worker", short "兼职", "Part-time";
    }
}

impl WorkerKind {
    pub fn parse(text: &str) -> Option<Self> {
        Self::from_code(text)
    }
}

crate::labelled! {
    /// What a worker does, in the seed's terms.
    pub enum WorkerRole {
        FullTimeWorker = "full_time_worker", "专职网格员", "Full-time grid worker";
        SocialWorker = "social_worker", "社工", "Social worker";
        BuildingLeader = "building_leader", "楼长", "Building leader";
        UnitLeader = "unit_leader", "单元长", "Unit leader";
        ResidentRepresentative = "resident_representative", "居民代表", "Residents' representative";
    }
}

impl WorkerRole {
    pub fn parse(text: &str) -> Option<Self> {
        Self::from_code(text)
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

crate::labelled! {
    pub enum DeviceKind {
        Camera = "camera", "摄像头", "Camera";
        Checkpoint = "checkpoint", "卡口", "Checkpoint";
        DoorAccess = "door_access", "门禁", "Door access unit";
    }
}

impl DeviceKind {
    pub fn parse(text: &str) -> Option<Self> {
        Self::from_code(text)
    }
}

crate::labelled! {
    /// A camera's health as the camera gateway sees it: online (pictures came, or the camera
    /// answers), offline (it does not answer), fault (it answers but its stream is broken or
    /// stopped), or unknown (not looked at yet).
    pub enum Health {
        Online = "online", "在线", "Online";
        Offline = "offline", "离线", "Offline";
        Fault = "fault", "故障", "Fault";
        Unknown = "unknown", "未知（未接入）", "Unknown (not connected)", short "未知", "Unknown";
    }
}

crate::labelled! {
    /// What a door-access unit reports.
    pub enum DoorEventKind {
        /// Opened without a card, a code or the exit button.
        Forced = "forced", "门被强行打开", "Door forced open";
        /// Left open past the unit's limit.
        HeldOpen = "held_open", "门长时间未关", "Door held open";
        /// Closed and locked again.
        Restored = "restored", "已恢复", "Restored";
    }
}

impl DoorEventKind {
    pub fn parse(text: &str) -> Option<Self> {
        Self::from_code(text)
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
