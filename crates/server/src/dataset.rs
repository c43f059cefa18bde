//! The loaded grid dataset and everything derived from it that requests read: the spatial
//! index, the GeoJSON and tree the map and side panel draw, and the card data.

use std::collections::HashMap;

use binhe_core::demo::DEFAULT_SEED;
use binhe_core::geojson::{read_grids, write_grids};
use binhe_core::geometry::LocalProjection;
use binhe_core::people::repost;
use binhe_core::{
    Device, DeviceKind, FeatureProblem, GridCode, GridHierarchy, GridIndex, GridLevel, GridLocator,
    NearestIndex, Worker, WorkerKind, WorkerRole,
};
use binhe_store::{DatasetSource, GridDataset};
use serde_json::{Value, json};

const DEMO_GRIDS: &str = include_str!("../../../assets/demo/grids.geojson");
const DEMO_WORKERS: &str = include_str!("../../../assets/demo/workers.json");
const DEMO_DEVICES: &str = include_str!("../../../assets/demo/devices.json");
pub const DEMO_BASEMAP: &str = include_str!("../../../assets/demo/basemap.geojson");

/// The demo dataset as committed under `assets/demo/`, checked like any import.
pub fn demo_dataset() -> GridDataset {
    let hierarchy = read_grids(DEMO_GRIDS)
        .unwrap_or_else(|problems| panic!("assets/demo/grids.geojson is invalid: {problems:?}"));
    GridDataset {
        hierarchy,
        workers: serde_json::from_str(DEMO_WORKERS).expect("assets/demo/workers.json is valid"),
        devices: serde_json::from_str(DEMO_DEVICES).expect("assets/demo/devices.json is valid"),
        source: DatasetSource::Demo,
        description: format!(
            "演示数据（合成），种子 {DEFAULT_SEED} / synthetic demo dataset, seed {DEFAULT_SEED}"
        ),
    }
}

/// A surveyed grid file replacing the current grids. Workers and devices keep their posts
/// where the new grids allow and are re-posted by position otherwise.
pub fn imported_dataset(
    text: &str,
    description: String,
    current: &GridDataset,
) -> Result<GridDataset, Vec<FeatureProblem>> {
    let hierarchy = read_grids(text)?;
    let locator = GridLocator::new(&hierarchy);
    let workers = current
        .workers
        .iter()
        .map(|w| Worker {
            grid: repost(&w.grid, w.lon, w.lat, &hierarchy, &locator),
            ..w.clone()
        })
        .collect();
    let devices = current
        .devices
        .iter()
        .map(|d| binhe_core::Device {
            grid: repost(&d.grid, d.lon, d.lat, &hierarchy, &locator),
            ..d.clone()
        })
        .collect();
    Ok(GridDataset {
        hierarchy,
        workers,
        devices,
        source: DatasetSource::Import,
        description,
    })
}

/// One community's share of the view: its grids, its subtree and its counts.
#[derive(Debug)]
pub struct CommunityView {
    pub grids_geojson: String,
    pub tree: Value,
    pub summary: Value,
}

/// The counts of the header for one grid (the street, or a commander's community) and all
/// inside it.
fn summary_of(dataset: &GridDataset, index: GridIndex) -> Value {
    let h = &dataset.hierarchy;
    let grid = h.get(index);
    let prefix = grid.code.scope_prefix();
    let inside = |code: &GridCode| code.as_str().starts_with(prefix);
    let grids = |level| {
        h.grids()
            .iter()
            .filter(|g| g.level() == level && inside(&g.code))
            .count()
    };
    let devices = |kind| {
        dataset
            .devices
            .iter()
            .filter(|d| d.kind == kind && inside(&d.grid))
            .count()
    };
    let workers = |kind| {
        dataset
            .workers
            .iter()
            .filter(|w| w.kind == kind && inside(&w.grid))
            .count()
    };
    let street = h.street();
    json!({
        "street_code": street.code,
        "street_name": street.name,
        "street_name_en": street.name_en,
        "scope_code": grid.code,
        "scope_name": grid.name,
        "scope_level": grid.level().as_str(),
        "bbox": [grid.bbox().min().x, grid.bbox().min().y, grid.bbox().max().x, grid.bbox().max().y],
        "communities": grids(GridLevel::Community),
        "micro_grids": grids(GridLevel::Micro),
        "units": grids(GridLevel::Unit),
        "population": grid.population,
        "full_time_workers": workers(WorkerKind::FullTime),
        "part_time_workers": workers(WorkerKind::PartTime),
        "cameras": devices(DeviceKind::Camera),
        "checkpoints": devices(DeviceKind::Checkpoint),
        "door_access_units": devices(DeviceKind::DoorAccess),
        "synthetic": dataset.source == DatasetSource::Demo || street.synthetic,
        "source": dataset.source.as_str(),
        "source_description": dataset.description,
    })
}

/// Field devices as map features: kind, name, grid, the community they lie in and their
/// health (`health` says it for each device).
pub fn devices_layer(
    devices: &[Device],
    keep: impl Fn(&Device) -> bool,
    health: impl Fn(&Device) -> &'static str,
) -> String {
    let features: Vec<Value> = devices
        .iter()
        .filter(|d| keep(d))
        .map(|d| {
            json!({
                "type": "Feature",
                "geometry": { "type": "Point", "coordinates": [d.lon, d.lat] },
                "properties": {
                    "id": d.id, "kind": d.kind.as_str(), "name": d.name, "grid": d.grid,
                    "community": d.grid.community_code(), "health": health(d),
                },
            })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features }).to_string()
}

/// Read-only view of one dataset, rebuilt whenever the dataset is replaced.
#[derive(Debug)]
pub struct GridView {
    pub dataset: GridDataset,
    pub locator: GridLocator,
    pub grids_geojson: String,
    pub tree: Value,
    pub summary: Value,
    workers_by_grid: HashMap<GridCode, Vec<usize>>,
    /// What a community commander is shown instead of the street's layers.
    communities: HashMap<GridCode, CommunityView>,
    workers_by_id: HashMap<String, usize>,
    /// Workers by position, for "who is closest to this ticket".
    workers_nearby: NearestIndex<usize>,
    /// Cameras by position (indexes into the devices), for "which cameras see this ticket".
    cameras_nearby: NearestIndex<usize>,
    devices_by_id: HashMap<String, usize>,
}

impl GridView {
    pub fn new(dataset: GridDataset) -> Self {
        let h = &dataset.hierarchy;
        let mut workers_by_grid: HashMap<GridCode, Vec<usize>> = HashMap::new();
        for (i, worker) in dataset.workers.iter().enumerate() {
            workers_by_grid
                .entry(worker.grid.clone())
                .or_default()
                .push(i);
        }
        let summary = summary_of(&dataset, h.street_index());
        let street = h.street();
        let workers_nearby = NearestIndex::new(
            LocalProjection::centred_on(street.bbox()),
            dataset
                .workers
                .iter()
                .enumerate()
                .map(|(i, w)| (geo::Coord { x: w.lon, y: w.lat }, i)),
        );
        let cameras_nearby = NearestIndex::new(
            LocalProjection::centred_on(street.bbox()),
            dataset
                .devices
                .iter()
                .enumerate()
                .filter(|(_, d)| d.kind == DeviceKind::Camera)
                .map(|(i, d)| (geo::Coord { x: d.lon, y: d.lat }, i)),
        );
        let devices_by_id = dataset
            .devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        let workers_by_id = dataset
            .workers
            .iter()
            .enumerate()
            .map(|(i, w)| (w.id.clone(), i))
            .collect();
        let all_grids = write_grids(h);
        let communities = h
            .grids()
            .iter()
            .enumerate()
            .filter(|(_, g)| g.level() == GridLevel::Community)
            .map(|(index, community)| {
                let code = json!(community.code);
                let features: Vec<&Value> = all_grids["features"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|f| f["properties"]["community"] == code)
                    .collect();
                let view = CommunityView {
                    grids_geojson: json!({ "type": "FeatureCollection", "features": features })
                        .to_string(),
                    tree: tree_node(h, index),
                    summary: summary_of(&dataset, index),
                };
                (community.code.clone(), view)
            })
            .collect();
        Self {
            workers_by_id,
            workers_nearby,
            cameras_nearby,
            devices_by_id,
            locator: GridLocator::new(h),
            grids_geojson: all_grids.to_string(),
            tree: tree_node(h, h.street_index()),
            summary,
            communities,
            workers_by_grid,
            dataset,
        }
    }

    /// The layers a community commander sees: only their community's grids.
    pub fn community(&self, code: &GridCode) -> Option<&CommunityView> {
        self.communities.get(code)
    }

    pub fn hierarchy(&self) -> &GridHierarchy {
        &self.dataset.hierarchy
    }

    pub fn worker(&self, id: &str) -> Option<&Worker> {
        self.workers_by_id
            .get(id)
            .map(|&i| &self.dataset.workers[i])
    }

    /// Up to `count` workers nearest to a point, closest first, with distances in metres.
    pub fn nearest_workers(&self, lon: f64, lat: f64, count: usize) -> Vec<(&Worker, f64)> {
        self.workers_nearby
            .nearest(lon, lat, count)
            .into_iter()
            .map(|(&i, distance)| (&self.dataset.workers[i], distance))
            .collect()
    }

    /// A camera, checkpoint or door-access unit by its id.
    pub fn device(&self, id: &str) -> Option<&Device> {
        self.devices_by_id
            .get(id)
            .map(|&i| &self.dataset.devices[i])
    }

    /// Up to `count` cameras nearest to a point, closest first, with distances in metres.
    pub fn nearest_cameras(&self, lon: f64, lat: f64, count: usize) -> Vec<(&Device, f64)> {
        self.cameras_nearby
            .nearest(lon, lat, count)
            .into_iter()
            .map(|(&i, distance)| (&self.dataset.devices[i], distance))
            .collect()
    }

    /// The people a dispatcher calls about a grid: those posted to it; for a unit, the
    /// micro-grid's people; for a community or the street, its full-time workers and
    /// social workers (building and unit leaders are reached through the micro-grids).
    pub fn responsible_workers(&self, index: GridIndex) -> Vec<&Worker> {
        let h = self.hierarchy();
        let grid = h.get(index);
        let posted = |code: &GridCode| {
            self.workers_by_grid
                .get(code)
                .into_iter()
                .flatten()
                .map(|&i| &self.dataset.workers[i])
        };
        match grid.level() {
            GridLevel::Micro => posted(&grid.code).collect(),
            GridLevel::Unit => {
                posted(&h.get(h.parent_of(index).expect("units have parents")).code).collect()
            }
            GridLevel::Community | GridLevel::Street => {
                let prefix = grid.code.scope_prefix();
                let mut found: Vec<&Worker> = self
                    .dataset
                    .workers
                    .iter()
                    .filter(|w| w.grid.as_str().starts_with(prefix))
                    .filter(|w| {
                        matches!(
                            w.role,
                            WorkerRole::FullTimeWorker | WorkerRole::SocialWorker
                        )
                    })
                    .collect();
                found.sort_by_key(|w| (w.kind != WorkerKind::FullTime, w.grid.clone()));
                found
            }
        }
    }

    /// Every worker posted anywhere inside a grid (for a unit: in its micro-grid, where unit
    /// leaders are posted).
    pub fn workers_within(&self, index: GridIndex) -> usize {
        let grid = self.hierarchy().get(index);
        if grid.level() == GridLevel::Unit {
            return self.responsible_workers(index).len();
        }
        let prefix = grid.code.scope_prefix();
        self.dataset
            .workers
            .iter()
            .filter(|w| w.grid.as_str().starts_with(prefix))
            .count()
    }
}

fn tree_node(h: &GridHierarchy, index: GridIndex) -> Value {
    let grid = h.get(index);
    let children: Vec<Value> = h
        .children_of(index)
        .iter()
        .map(|&k| tree_node(h, k))
        .collect();
    json!({
        "code": grid.code,
        "name": grid.name,
        "name_en": grid.name_en,
        "level": grid.level().as_str(),
        "children": children,
    })
}
