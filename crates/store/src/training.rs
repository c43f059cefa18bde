//! A training run (issue 17), kept in a training server's own database: at most one run per
//! database. The store keeps what the server hands it; the clock's settings, the injected
//! incidents and the conflict counts are JSON documents the server reads and writes.

use async_trait::async_trait;
use binhe_core::ticket::TicketId;
use chrono::{DateTime, Utc};

use crate::StoreError;

/// The run as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingRecord {
    /// The scenario's file name, and its text as it was played.
    pub name: String,
    pub scenario: String,
    pub created_at: DateTime<Utc>,
    /// JSON: every setting of the trainer's clock, oldest first.
    pub clock: String,
    /// JSON: the incidents injected while the run played.
    pub injected: String,
    /// JSON: steps refused per account because another changed the ticket first.
    pub conflicts: String,
    /// Moments of the run's schedule played, up to scenario second `second`.
    pub played: u32,
    pub second: f64,
    pub requests_sent: u32,
    pub ended_at: Option<DateTime<Utc>>,
}

/// A scripted request of the run and the ticket it became.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrival {
    pub scripted: u32,
    pub ticket_id: TicketId,
    pub second: f64,
}

#[async_trait]
pub trait TrainingRepository: Send + Sync {
    /// The run this database holds, if it is a training database.
    async fn training_run(&self) -> Result<Option<TrainingRecord>, StoreError>;

    /// Keeps the run (the first time, makes the database a training database).
    async fn save_training_run(&self, run: &TrainingRecord) -> Result<(), StoreError>;

    /// Keeps the run's progress with the scripted requests that arrived meanwhile, together.
    async fn record_progress(
        &self,
        run: &TrainingRecord,
        arrivals: &[Arrival],
    ) -> Result<(), StoreError>;

    /// Every scripted request that arrived, in their order.
    async fn arrivals(&self) -> Result<Vec<Arrival>, StoreError>;
}
