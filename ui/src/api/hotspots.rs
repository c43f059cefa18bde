//! The 未诉先办 API (`docs/api-hotspots.md`): the kept hotspot analyses, one run now, the month's
//! top problems and the rising micro-grids. The types are the contract's
//! (`binhe_api::hotspots`).

use binhe_api::hotspots::{
    HotspotAnswer, HotspotParams, HotspotRun, MonthParams, MonthlyTopAnswer, RisingAnswer,
    RunRequest,
};

use super::{ApiError, get_json, post_json};

/// The analysis `run`, else the newest one, with the recent ones.
pub async fn shown(run: Option<i64>) -> Result<HotspotAnswer, ApiError> {
    let params = HotspotParams { run };
    get_json(&format!("/api/hotspots?{}", params.to_query())).await
}

/// An analysis now (dispatchers): kept, and answered.
pub async fn run_now(request: &RunRequest) -> Result<HotspotRun, ApiError> {
    post_json("/api/hotspots/runs", request).await
}

/// 每月一题 of `month` (`YYYY-MM`; this month when `None`).
pub async fn monthly(month: Option<String>) -> Result<MonthlyTopAnswer, ApiError> {
    let params = MonthParams {
        month,
        ..MonthParams::default()
    };
    get_json(&format!("/api/hotspots/monthly?{}", params.to_query())).await
}

/// The micro-grids rising in `month`, per category or all together.
pub async fn rising(month: Option<String>, per_category: bool) -> Result<RisingAnswer, ApiError> {
    let params = MonthParams {
        month,
        per_category: Some(per_category),
        top: None,
    };
    get_json(&format!("/api/hotspots/rising?{}", params.to_query())).await
}
