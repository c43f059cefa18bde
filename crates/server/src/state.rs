//! What the server holds while it runs: the services every room reads, as one [`AppState`].
//! Rooms never name it: each handler takes the parts it needs (`State<TicketDesk>`,
//! `State<Grids>` …), which axum finds here through `FromRef`.

use std::sync::Arc;

use axum::extract::FromRef;
use binhe_store::{
    AccountRepository, CircleRepository, Closing, DeviceRepository, DiaryRepository,
    HotspotRepository, PhotoRepository, ProjectRepository, TrainingRepository,
};

use crate::auth::Gate;
use crate::basemap::Basemaps;
use crate::circles::CircleSources;
use crate::dataset::{GridView, Grids};
use crate::demo_feed::{FeedServices, FeedSlot};
use crate::desk::TicketDesk;
use crate::desk::export::ExportBoard;
use crate::desk::import::ImportJobs;
use crate::diary::DiarySources;
use crate::gateway::Gateway;
use crate::hotspots::HotspotSources;
use crate::http::idempotency::Idempotency;
use crate::kpi::{KpiSources, SharedKpiStore};
use crate::projects::ProjectSources;
use crate::replay::ReplaySources;
use crate::training::{RunServices, TrainingSlot};

#[derive(Clone, FromRef)]
pub struct AppState {
    /// The street's grids (replaced whole by an import).
    pub grids: Grids,
    /// Intake and the closed loop.
    pub desk: TicketDesk,
    /// 12345 file imports under way.
    pub imports: ImportJobs,
    /// Ticket exports under way and lately ended, for the progress bars.
    pub exports: ExportBoard,
    /// Live pictures and camera health.
    pub gateway: Gateway,
    /// Camera alert pictures and door-access events.
    pub devices: Arc<dyn DeviceRepository>,
    /// Photos grid workers took of tickets.
    pub photos: Arc<dyn PhotoRepository>,
    /// Answers kept for requests sent with an `Idempotency-Key`.
    pub idempotency: Idempotency,
    /// Accounts, sessions and the audit log.
    pub accounts: Arc<dyn AccountRepository>,
    /// How callers sign in.
    pub gate: Gate,
    /// The demo feed, in demo mode.
    pub feed: FeedSlot,
    /// The KPI counts and the tickets behind them.
    pub kpis: SharedKpiStore,
    /// The kept hotspot analyses and the requests they read.
    pub hotspots: Arc<dyn HotspotRepository>,
    /// One hotspot analysis at a time.
    pub hotspot_turn: Arc<tokio::sync::Mutex<()>>,
    /// 治理项目 and the counts their effect is measured from.
    pub projects: Arc<dyn ProjectRepository>,
    /// 民情日记 and 包户.
    pub diary: Arc<dyn DiaryRepository>,
    pub circles: Arc<dyn CircleRepository>,
    /// A training server's run.
    pub training: TrainingSlot,
    pub training_store: Arc<dyn TrainingRepository>,
    /// The street's own basemap, if one was added.
    pub basemaps: Basemaps,
    /// Closes the store at a clean stop.
    pub closing: Arc<dyn Closing>,
}

impl FromRef<AppState> for KpiSources {
    fn from_ref(state: &AppState) -> Self {
        Self {
            grids: state.grids.clone(),
            store: Arc::clone(&state.kpis),
            desk: state.desk.clone(),
            projects: Arc::clone(&state.projects),
            circles: Arc::clone(&state.circles),
        }
    }
}

impl FromRef<AppState> for HotspotSources {
    fn from_ref(state: &AppState) -> Self {
        Self {
            grids: state.grids.clone(),
            store: Arc::clone(&state.hotspots),
            desk: state.desk.clone(),
            turn: Arc::clone(&state.hotspot_turn),
        }
    }
}

impl FromRef<AppState> for ProjectSources {
    fn from_ref(state: &AppState) -> Self {
        Self {
            grids: state.grids.clone(),
            store: Arc::clone(&state.projects),
            desk: state.desk.clone(),
        }
    }
}

impl FromRef<AppState> for DiarySources {
    fn from_ref(state: &AppState) -> Self {
        Self {
            grids: state.grids.clone(),
            store: Arc::clone(&state.diary),
            desk: state.desk.clone(),
        }
    }
}

impl FromRef<AppState> for CircleSources {
    fn from_ref(state: &AppState) -> Self {
        Self {
            grids: state.grids.clone(),
            store: Arc::clone(&state.circles),
            desk: state.desk.clone(),
            projects: Arc::clone(&state.projects),
        }
    }
}

impl FromRef<AppState> for ReplaySources {
    fn from_ref(state: &AppState) -> Self {
        Self {
            grids: state.grids.clone(),
            desk: state.desk.clone(),
        }
    }
}

impl AppState {
    pub fn view(&self) -> Arc<GridView> {
        self.grids.view()
    }

    pub fn desk(&self) -> TicketDesk {
        self.desk.clone()
    }

    pub fn gate(&self) -> Gate {
        self.gate.clone()
    }

    pub fn imports(&self) -> &ImportJobs {
        &self.imports
    }

    /// What a training run plays with.
    pub fn training_services(&self) -> RunServices {
        RunServices {
            desk: self.desk.clone(),
            grids: self.grids.clone(),
            gateway: self.gateway.clone(),
            devices: Arc::clone(&self.devices),
            store: Arc::clone(&self.training_store),
            accounts: Arc::clone(&self.accounts),
        }
    }

    /// What the demo feed drives.
    pub fn feed_services(&self) -> FeedServices {
        FeedServices {
            desk: self.desk.clone(),
            grids: self.grids.clone(),
            gateway: self.gateway.clone(),
            devices: Arc::clone(&self.devices),
        }
    }
}
