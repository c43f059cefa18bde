//! Replay of any recorded stretch of the street (`docs/api-replay.md`, issue 17): the tickets
//! open when it begins, as they stood then, and every event after, in the order of the log —
//! for a live street and for a training run alike. The UI plays them with
//! [`binhe_core::ticket::replay::Playback`].

use binhe_core::ticket::replay::{Shown, Step};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest window one replay may ask for.
pub const MAX_REPLAY_DAYS: i64 = 7;
/// Most steps one replay answers with (`truncated` past it: ask for the rest from the last).
pub const MAX_REPLAY_STEPS: u32 = 100_000;

/// `GET /api/replay?from=…&until=…` (RFC 3339 instants, or `YYYY-MM-DD HH:MM` in Beijing time).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayQuery {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
}

/// The stretch to replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replay {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// The tickets open at `from`, as they stood then.
    pub start: Vec<Shown>,
    /// Every event from `from` until before `until`, in log order.
    pub steps: Vec<Step>,
    /// More events than [`MAX_REPLAY_STEPS`]: the steps stop at the last one given.
    pub truncated: bool,
}
