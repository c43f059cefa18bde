//! 未诉先办 (issue 16): the requests a hotspot analysis reads, and the analyses it keeps.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreError;

/// One counted request (neither cancelled nor merged into another) that lies in a micro-grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestCase {
    pub micro_code: String,
    pub community_code: Option<String>,
    pub category: String,
    pub received_at: DateTime<Utc>,
}

/// Why an analysis ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunTrigger {
    /// The center's own run for the day (one per Beijing day, whichever server process made it).
    Daily,
    /// Asked for by a person.
    OnDemand,
}

impl RunTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::OnDemand => "on_demand",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "daily" => Some(Self::Daily),
            "on_demand" => Some(Self::OnDemand),
            _ => None,
        }
    }
}

/// An analysis to keep: its answer (`body`, JSON) with what the list of runs shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHotspotRun {
    pub ran_at: DateTime<Utc>,
    pub trigger: RunTrigger,
    /// `prospective` or `retrospective`.
    pub mode: String,
    /// The Beijing day the windows end on, `YYYY-MM-DD`.
    pub analysis_day: String,
    /// Who asked (on demand).
    pub account: Option<String>,
    /// Hotspots at or below the run's significance level.
    pub significant: u32,
    pub body: String,
}

/// An analysis as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHotspotRun {
    pub id: i64,
    pub run: NewHotspotRun,
}

#[async_trait]
pub trait HotspotRepository: Send + Sync {
    /// Every counted request received in `from..to` that lies in a micro-grid, oldest first.
    async fn request_cases(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<RequestCase>, StoreError>;

    /// Keeps an analysis; `None` when it is a daily run and that day's is kept already (another
    /// server process made it first). Runs beyond the newest `keep` of their trigger are
    /// forgotten.
    async fn save_hotspot_run(
        &self,
        run: &NewHotspotRun,
        keep: u32,
    ) -> Result<Option<i64>, StoreError>;

    /// The analysis `id`.
    async fn hotspot_run(&self, id: i64) -> Result<Option<StoredHotspotRun>, StoreError>;

    /// The newest analysis (of `trigger`, if given).
    async fn latest_hotspot_run(
        &self,
        trigger: Option<RunTrigger>,
    ) -> Result<Option<StoredHotspotRun>, StoreError>;

    /// The newest `limit` analyses, newest first, without their bodies (`body` empty).
    async fn hotspot_runs(&self, limit: u32) -> Result<Vec<StoredHotspotRun>, StoreError>;
}

pub(crate) fn trigger_of(text: &str) -> Option<RunTrigger> {
    RunTrigger::parse(text)
}
