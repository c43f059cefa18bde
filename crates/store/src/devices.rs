//! What field devices leave behind: the pictures camera alerts came with, and the events
//! door-access units report.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreError;

/// A camera alert's picture, known by the SHA-256 of its JPEG (hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub id: String,
    pub camera: String,
    pub taken_at: DateTime<Utc>,
    pub jpeg: Vec<u8>,
}

pub use binhe_core::people::DoorEventKind;

/// A door-access event as stored; `id` rises with every event of the street.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoorEvent {
    pub id: i64,
    pub unit: String,
    pub at: DateTime<Utc>,
    pub kind: DoorEventKind,
    pub detail: Option<String>,
}

#[async_trait]
pub trait DeviceRepository: Send + Sync {
    /// Keeps a picture; one already kept (the same bytes) is left as it is.
    async fn save_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError>;

    async fn snapshot(&self, id: &str) -> Result<Option<Snapshot>, StoreError>;

    /// Records door events (their `id` is ignored) and returns them as stored, in order.
    async fn record_door_events(&self, events: &[DoorEvent]) -> Result<Vec<DoorEvent>, StoreError>;

    /// A unit's events after `after`, newest first, at most `limit`.
    async fn door_events(
        &self,
        unit: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<DoorEvent>, StoreError>;

    /// Alarms (a door forced or held open) after `after`, newest first, at most `limit`: of
    /// the units listed, or of every unit for `None`.
    async fn door_alarms(
        &self,
        units: Option<&[String]>,
        after: i64,
        limit: u32,
    ) -> Result<Vec<DoorEvent>, StoreError>;
}
