//! The loaded grid dataset and everything derived from it that requests read: the spatial
//! index, the GeoJSON and tree the map and side panel draw, and the card data ([`GridView`]);
//! and [`Grids`], the street's grids as every room reads them, replaced whole by an import or
//! by another server process.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use binhe_api::grids::{Summary, TreeNode};
use binhe_core::access::{AccessError, DeviceScope, Principal, Role};
use binhe_core::demo::DEFAULT_SEED;
use binhe_core::geojson::{FeatureCollection, grid_features, read_grids};
use binhe_core::geometry::LocalProjection;
use binhe_core::people::repost;
use binhe_core::{
    Device, DeviceKind, FeatureProblem, GridCode, GridHierarchy, GridIndex, GridLevel, GridLocator,
    NearestIndex, Worker, WorkerKind, WorkerRole,
};
use binhe_store::{DatasetSource, GridDataset, GridRepository, StoreError};
use tokio::sync::Mutex;

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
    hierarchy: GridHierarchy,
    description: String,
    current: &GridDataset,
) -> GridDataset {
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
    GridDataset {
        hierarchy,
        workers,
        devices,
        source: DatasetSource::Import,
        description,
    }
}

/// One community's share of the view: its grids, its subtree and its counts.
#[derive(Debug)]
pub struct CommunityView {
    pub grids_geojson: String,
    pub tree: TreeNode,
    pub summary: Summary,
}

/// The counts of the header for one grid (the street, or a commander's community) and all
/// inside it.
fn summary_of(dataset: &GridDataset, index: GridIndex) -> Summary {
    let h = &dataset.hierarchy;
    let grid = h.get(index);
    let prefix = grid.code.scope_prefix();
    let inside = |code: &GridCode| code.as_str().starts_with(prefix);
    let count = |n: usize| n as u64;
    let grids = |level| {
        count(
            h.grids()
                .iter()
                .filter(|g| g.level() == level && inside(&g.code))
                .count(),
        )
    };
    let devices = |kind| {
        count(
            dataset
                .devices
                .iter()
                .filter(|d| d.kind == kind && inside(&d.grid))
                .count(),
        )
    };
    let workers = |kind| {
        count(
            dataset
                .workers
                .iter()
                .filter(|w| w.kind == kind && inside(&w.grid))
                .count(),
        )
    };
    let street = h.street();
    Summary {
        street_code: street.code.clone(),
        street_name: street.name.clone(),
        street_name_en: street.name_en.clone(),
        scope_code: grid.code.clone(),
        scope_name: grid.name.clone(),
        scope_level: grid.level(),
        bbox: bbox_of(h, index),
        communities: grids(GridLevel::Community),
        micro_grids: grids(GridLevel::Micro),
        units: grids(GridLevel::Unit),
        population: grid.population,
        full_time_workers: workers(WorkerKind::FullTime),
        part_time_workers: workers(WorkerKind::PartTime),
        cameras: devices(DeviceKind::Camera),
        checkpoints: devices(DeviceKind::Checkpoint),
        door_access_units: devices(DeviceKind::DoorAccess),
        synthetic: dataset.source == DatasetSource::Demo || street.synthetic,
        source: dataset.source,
        source_description: dataset.description.clone(),
    }
}

/// A grid's `[min_lon, min_lat, max_lon, max_lat]`.
pub fn bbox_of(h: &GridHierarchy, index: GridIndex) -> binhe_api::Bbox {
    let r = h.get(index).bbox();
    [r.min().x, r.min().y, r.max().x, r.max().y]
}

/// Read-only view of one dataset, rebuilt whenever the dataset is replaced.
#[derive(Debug)]
pub struct GridView {
    pub dataset: GridDataset,
    pub locator: GridLocator,
    pub grids_geojson: String,
    pub tree: TreeNode,
    pub summary: Summary,
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
        let all_grids = grid_features(h);
        let communities = h
            .grids()
            .iter()
            .enumerate()
            .filter(|(_, g)| g.level() == GridLevel::Community)
            .map(|(index, community)| {
                let features = all_grids
                    .features
                    .iter()
                    .filter(|f| f.properties.community.as_ref() == Some(&community.code))
                    .cloned()
                    .collect();
                let view = CommunityView {
                    grids_geojson: layer_text(&FeatureCollection::new(features)),
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
            grids_geojson: layer_text(&all_grids),
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

    /// What `principal` is shown instead of the street's layers: a commander's community
    /// (a commander without one sees none); `None` for everyone else, who sees the street.
    pub fn community_view_for(
        &self,
        principal: &Principal,
    ) -> Result<Option<&CommunityView>, AccessError> {
        if principal.role != Role::Commander {
            return Ok(None);
        }
        principal
            .community
            .as_ref()
            .and_then(|code| self.community(code))
            .map(Some)
            .ok_or(AccessError::OutOfScope)
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

    /// The cameras, checkpoints and door-access units `principal` reaches: a grid worker's
    /// scope is the grid their worker record is posted to.
    pub fn device_scope(&self, principal: &Principal) -> DeviceScope {
        let posted = principal
            .worker_id
            .as_deref()
            .and_then(|id| self.worker(id))
            .map(|w| &w.grid);
        principal.device_scope(posted)
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

fn tree_node(h: &GridHierarchy, index: GridIndex) -> TreeNode {
    let grid = h.get(index);
    TreeNode {
        code: grid.code.clone(),
        name: grid.name.clone(),
        name_en: grid.name_en.clone(),
        level: grid.level(),
        children: h
            .children_of(index)
            .iter()
            .map(|&k| tree_node(h, k))
            .collect(),
    }
}

/// A map layer as the GeoJSON text it is served as (made once per loaded dataset).
pub fn layer_text<P: serde::Serialize>(layer: &FeatureCollection<P>) -> String {
    serde_json::to_string(layer).expect("plain data")
}

/// The street's grids as every room reads them: one [`GridView`] at a time, replaced whole
/// (by an import, or when another server process replaced them) while readers keep theirs.
#[derive(Clone)]
pub struct Grids {
    view: Arc<RwLock<Arc<GridView>>>,
    store: Arc<dyn GridRepository>,
    /// One replacement at a time: the second waits rather than interleaving.
    replacing: Arc<Mutex<()>>,
}

/// Why a grid file did not replace the grids.
#[derive(Debug)]
pub enum Replaced {
    /// Every problem of the file; nothing stored changed.
    Rejected(Vec<FeatureProblem>),
    Store(StoreError),
}

impl Grids {
    pub fn new(view: GridView, store: Arc<dyn GridRepository>) -> Self {
        Self {
            view: Arc::new(RwLock::new(Arc::new(view))),
            store,
            replacing: Arc::new(Mutex::new(())),
        }
    }

    /// The view as it is now.
    pub fn view(&self) -> Arc<GridView> {
        Arc::clone(
            &self
                .view
                .read()
                .expect("view lock is never poisoned: writers only swap an Arc"),
        )
    }

    fn swap(&self, view: Arc<GridView>) {
        *self.view.write().expect("view lock is never poisoned") = view;
    }

    /// Reads the grids again (another server process replaced them).
    pub async fn reload(&self) -> Result<(), StoreError> {
        let _one_at_a_time = self.replacing.lock().await;
        if let Some(dataset) = self.store.load().await? {
            self.swap(Arc::new(GridView::new(dataset)));
        }
        Ok(())
    }

    /// Validates a grid file and, only if all of it is valid, replaces the stored grids in one
    /// transaction and then the view.
    pub async fn replace(
        &self,
        text: &str,
        description: String,
    ) -> Result<Arc<GridView>, Replaced> {
        self.replace_with(read_grids(text), description).await
    }

    /// Replaces the stored grids with a checked hierarchy (a survey's), or refuses with every
    /// problem found while reading it.
    pub async fn replace_with(
        &self,
        read: Result<GridHierarchy, Vec<FeatureProblem>>,
        description: String,
    ) -> Result<Arc<GridView>, Replaced> {
        let hierarchy = read.map_err(Replaced::Rejected)?;
        let _one_at_a_time = self.replacing.lock().await;
        let current = self.view();
        let dataset = imported_dataset(hierarchy, description, &current.dataset);
        self.store
            .replace(&dataset)
            .await
            .map_err(Replaced::Store)?;
        let view = Arc::new(GridView::new(dataset));
        self.swap(Arc::clone(&view));
        Ok(view)
    }
}
