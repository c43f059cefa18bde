//! Persistence of Smart Binhe behind a small repository trait.
//!
//! SQLite is the embedded default (one file beside the desktop app); the center server's
//! PostgreSQL backend implements the same traits and passes the same conformance suite.

mod account_tables;
mod accounts;
mod backend;
pub mod backup;
mod basemaps;
mod circle_tables;
mod circles;
mod device_tables;
mod devices;
mod diary;
mod diary_tables;
mod grid_tables;
mod hotspot_tables;
mod hotspots;
mod idempotency;
mod kpi_drill;
mod kpi_tables;
mod kpis;
mod photos;
mod postgres;
mod project_tables;
mod projects;
mod sqlite;
mod ticket_tables;
mod tickets;
mod training;
mod training_tables;

use async_trait::async_trait;
use binhe_core::{Device, GridHierarchy, Worker};

pub use accounts::{
    AccountChange, AccountRepository, AuditEntry, AuditFilter, LoginTurn, Open311Client, Session,
    StoredAccount,
};
pub use basemaps::{BasemapRepository, StoredBasemap};
pub use circles::{
    CircleRepository, CostRecord, DeliberationFilter, DeliberationRecord, MemberFilter,
    MemberRecord, Payment, ShareRecord, StoredDeliberation, StoredMember,
};
pub use devices::{DeviceRepository, DoorEvent, DoorEventKind, Snapshot};
pub use diary::{
    DiaryFilter, DiaryRecord, DiaryRepository, DiaryTotals, StoredDiaryEntry, StoredWard,
    WardFilter, WardRecord,
};
pub use hotspots::{HotspotRepository, NewHotspotRun, RequestCase, RunTrigger, StoredHotspotRun};
pub use idempotency::{Claim, IdempotencyKey, IdempotencyRepository, KeptAnswer, KeyedRequest};
pub use kpi_drill::{KpiTicketQuery, KpiTicketRepository};
pub use kpis::{KpiRepository, KpiScope, MonthCounts};
pub use photos::{PhotoRepository, StoredPhoto};
pub use postgres::{Notice, Notices, PgStore};
pub use projects::{EffectQuery, ProjectRecord, ProjectRepository, StoredProject};
pub use sqlite::SqliteStore;
pub use tickets::{
    ColumnMappings, ListedTicket, NewTicket, StoredEvent, TicketFilter, TicketRepository,
    TicketScope, TicketUpdate,
};
pub use training::{Arrival, TrainingRecord, TrainingRepository};

pub use binhe_core::grid::DatasetSource;

/// Everything about a street's grid that is stored: the grids, who is posted where, and the
/// devices in them.
#[derive(Debug, Clone)]
pub struct GridDataset {
    pub hierarchy: GridHierarchy,
    pub workers: Vec<Worker>,
    pub devices: Vec<Device>,
    pub source: DatasetSource,
    /// Free text for operators: the imported file's name, or the demo seed.
    pub description: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {path}: {source}")]
    Open { path: String, source: sqlx::Error },
    #[error("cannot migrate database {path}: {source}")]
    Migrate {
        path: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error("database query failed while {action}: {source}")]
    Query {
        action: &'static str,
        source: sqlx::Error,
    },
    #[error("stored grid {code} is damaged: {detail}")]
    Corrupt { code: String, detail: String },
    #[error("stored ticket {id} is damaged: {detail}")]
    CorruptTicket { id: i64, detail: String },
    #[error("ticket {id} changed meanwhile: expected version {expected}, stored {actual}")]
    Conflict { id: i64, expected: u32, actual: u32 },
    #[error("project {id} changed meanwhile: expected version {expected}, stored {actual}")]
    ProjectConflict { id: i64, expected: u32, actual: u32 },
    #[error("account {login} exists already")]
    AccountExists { login: String },
    #[error("an Open311 client named {name} exists already")]
    Open311ClientExists { name: String },
}

impl StoreError {
    pub(crate) fn query(action: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| Self::Query { action, source }
    }
}

/// A store that is being stopped: it waits for the writes under way and leaves the database
/// complete on its own (for SQLite: the write-ahead log folded into the file).
#[async_trait]
pub trait Closing: Send + Sync + std::fmt::Debug {
    async fn close_cleanly(&self) -> Result<(), StoreError>;
}

/// The grid tables of one street.
#[async_trait]
pub trait GridRepository: Send + Sync {
    /// The stored dataset, or `None` when nothing has been loaded yet.
    async fn load(&self) -> Result<Option<GridDataset>, StoreError>;

    /// Replaces the whole dataset in one transaction: afterwards the store holds exactly
    /// `dataset`, or, if anything fails, exactly what it held before.
    async fn replace(&self, dataset: &GridDataset) -> Result<(), StoreError>;
}
