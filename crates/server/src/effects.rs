//! The measured effect of 治理项目 (issue 16), shared by the projects room (each project's
//! page) and the KPI room (the dashboard's 减少诉求): requests of the project's category in its
//! area in the days after it was finished against as many days before it started, against the
//! rest of the street (`binhe_core::projects`).

use binhe_api::kpi::{AvoidedRequests, FinishedProject};
use binhe_api::projects::EffectView;
use binhe_core::GridLevel;
use binhe_core::kpi::Window;
use binhe_core::projects::{DayRange, Effect, ProjectState, effect_windows};
use binhe_core::ticket::intake::beijing;
use binhe_core::{Grid, GridCode};
use binhe_store::{EffectQuery, KpiScope, ProjectRepository, StoreError};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::dataset::GridView;

/// Midnight starting `day` in Beijing, as an instant.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    (day.and_time(NaiveTime::MIN) - chrono::Duration::hours(8)).and_utc()
}

/// The effect of a project over `area` (grid codes) and `category` that ran from `dates.0` to
/// `dates.1`, once there is a whole day after it before `today`.
pub async fn measured(
    store: &dyn ProjectRepository,
    view: &GridView,
    (area, category): (&[String], Option<&str>),
    (started_on, finished_on): (NaiveDate, NaiveDate),
    today: NaiveDate,
) -> Result<Option<EffectView>, StoreError> {
    let Some((before, after)) = effect_windows(started_on, finished_on, today) else {
        return Ok(None);
    };
    let hierarchy = view.hierarchy();
    let (mut micro_codes, mut community_codes) = (Vec::new(), Vec::new());
    for code in area {
        let level = GridCode::parse(code)
            .ok()
            .and_then(|c| hierarchy.by_code(&c).map(Grid::level));
        match level {
            Some(GridLevel::Community) => community_codes.push(code.clone()),
            _ => micro_codes.push(code.clone()),
        }
    }
    let days = |range: DayRange| {
        (
            day_start(range.first),
            day_start(range.last.succ_opt().unwrap_or(range.last)),
        )
    };
    let counts = store
        .effect_counts(&EffectQuery {
            category,
            micro_codes: &micro_codes,
            community_codes: &community_codes,
            before: days(before),
            after: days(after),
        })
        .await?;
    Ok(Some(EffectView {
        before,
        after,
        effect: Effect::measure(counts),
    }))
}

/// The dashboard's 减少诉求: the projects of `scope` finished in `window` (by their
/// `finished_on`, a Beijing day; a micro-grid's are those whose area names it), each with the
/// requests it avoided as measured at `as_of`, newest first, and their sum.
pub async fn finished_in(
    store: &dyn ProjectRepository,
    view: &GridView,
    scope: &KpiScope,
    window: Window,
    as_of: DateTime<Utc>,
) -> Result<AvoidedRequests, StoreError> {
    let community = match scope {
        KpiScope::Street | KpiScope::Micro(_) => None,
        KpiScope::Community(code) => Some(code.as_str()),
    };
    let today = as_of.with_timezone(&beijing()).date_naive();
    let day = |text: &Option<String>| text.as_deref().and_then(|t| t.parse::<NaiveDate>().ok());
    let mut answer = AvoidedRequests::default();
    for kept in store.projects(community).await? {
        let p = &kept.project;
        if let KpiScope::Micro(code) = scope
            && !p.area.iter().any(|a| a == code.as_str())
        {
            continue;
        }
        let (Some(started_on), Some(finished_on)) = (day(&p.started_on), day(&p.finished_on))
        else {
            continue;
        };
        if p.state != ProjectState::Done.as_str() || !window.contains(day_start(finished_on)) {
            continue;
        }
        let area = (p.area.as_slice(), p.category.as_deref());
        let effect = measured(store, view, area, (started_on, finished_on), today).await?;
        let avoided = effect.map(|e| e.effect.avoided);
        answer.avoided += avoided.unwrap_or(0.0);
        answer.projects.push(FinishedProject {
            id: kept.id,
            title: p.title.clone(),
            finished_on,
            avoided,
        });
    }
    Ok(answer)
}
