//! A training run (issue 17): its state for everyone signed in to a training server, and for
//! the trainer its clock, its incidents and the debrief. The types are the contract's
//! (`binhe_api::training`).

use binhe_api::training::{ClockAction, ClockInput, Debrief, InjectInput, TrainingStatus};

use super::{ApiError, get_json, post_json};

/// The run as the caller may see it (`available: false` on a server that plays none).
pub async fn status() -> Result<TrainingStatus, ApiError> {
    get_json("/api/training").await
}

/// Starts, pauses, resumes, changes the speed of or ends the run: the run as it now is.
pub async fn clock(action: ClockAction, speed: Option<f64>) -> Result<TrainingStatus, ApiError> {
    post_json("/api/training/clock", &ClockInput { action, speed }).await
}

/// One of the scenario's incidents now, or a new one: the run with it.
pub async fn inject(input: &InjectInput) -> Result<TrainingStatus, ApiError> {
    post_json("/api/training/incidents", input).await
}

pub async fn debrief() -> Result<Debrief, ApiError> {
    get_json("/api/training/debrief").await
}
