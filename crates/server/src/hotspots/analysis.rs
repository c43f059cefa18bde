//! One analysis: its settings read from a request (or the daily defaults), the requests of its
//! history scanned per category and all together off the async threads, each hotspot named
//! (its micro-grids, their communities, the category) and outlined, the result kept.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use binhe_api::hotspots::{
    CategoryCount, CategoryScanned, DEFAULT_ALPHA, DEFAULT_HISTORY_DAYS, DEFAULT_MAX_DAYS,
    DEFAULT_RADIUS_M, DEFAULT_REPLICATIONS, HotspotRun, HotspotView, HotspotZone, MAX_HISTORY_DAYS,
    MAX_MAX_DAYS, MAX_RADIUS_M, MAX_REPLICATIONS, MIN_REPLICATIONS, RunRequest, Trigger,
};
use binhe_core::access::Role;
use binhe_core::geojson::shape_geometry;
use binhe_core::grid::GridHierarchy;
use binhe_core::hotspots::{
    CategorisedCase, Hotspot, Mode, ScanConfig, ZoneLayout, beijing_day, day_date, scan_by_category,
};
use binhe_core::ticket::intake::beijing;
use binhe_core::{GridCode, GridLevel};
use binhe_store::{NewHotspotRun, RequestCase, RunTrigger};
use chrono::{DateTime, Days, NaiveDate, Utc};
use geo::{BooleanOps, Coord, InteriorPoint, MultiPolygon};

use super::{HotspotRequestError, HotspotSources, KEEP_RUNS};
use crate::dataset::GridView;
use crate::http::{ApiError, Caller, RequestError};

/// What an analysis is asked to do, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub mode: Mode,
    pub analysis_day: NaiveDate,
    pub history_days: u32,
    pub max_days: u32,
    pub max_radius_m: f64,
    pub replications: u32,
    pub alpha: f64,
}

impl Settings {
    /// The daily run's: prospective, for the last whole Beijing day before `now`.
    pub fn daily(now: DateTime<Utc>) -> Self {
        let today = now.with_timezone(&beijing()).date_naive();
        Self {
            mode: Mode::Prospective,
            analysis_day: today.pred_opt().unwrap_or(today),
            history_days: DEFAULT_HISTORY_DAYS,
            max_days: DEFAULT_MAX_DAYS,
            max_radius_m: DEFAULT_RADIUS_M,
            replications: DEFAULT_REPLICATIONS,
            alpha: DEFAULT_ALPHA,
        }
    }

    /// A request's settings, each field checked and named when wrong; the analysis day is
    /// today (Beijing) unless given, never after it.
    pub fn read(request: &RunRequest, now: DateTime<Utc>) -> Result<Self, ApiError> {
        let today = now.with_timezone(&beijing()).date_naive();
        let analysis_day = match request.analysis_day.as_deref().map(str::trim) {
            None | Some("") => today,
            Some(text) => {
                let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                    RequestError::bad(
                        "analysis_day",
                        format!("analysis_day {text:?} is not a date YYYY-MM-DD"),
                        format!("分析日期“{text}”无效，应为 YYYY-MM-DD"),
                    )
                })?;
                if day > today {
                    return Err(RequestError::bad(
                        "analysis_day",
                        format!("analysis_day {text} is after today ({today})"),
                        format!("分析日期 {text} 晚于今天（{today}）"),
                    )
                    .into());
                }
                day
            }
        };
        let whole = |field: &'static str, value: Option<u32>, default: u32, min: u32, max: u32| {
            let value = value.unwrap_or(default);
            if (min..=max).contains(&value) {
                Ok(value)
            } else {
                Err(ApiError::from(RequestError::bad(
                    field,
                    format!("{field} {value} is outside {min}..={max}"),
                    format!("参数 {field} 为 {value}，应在 {min} 至 {max} 之间"),
                )))
            }
        };
        let history_days = whole(
            "history_days",
            request.history_days,
            DEFAULT_HISTORY_DAYS,
            1,
            MAX_HISTORY_DAYS,
        )?;
        let max_days = whole(
            "max_days",
            request.max_days,
            DEFAULT_MAX_DAYS,
            1,
            MAX_MAX_DAYS,
        )?;
        let replications = whole(
            "replications",
            request.replications,
            DEFAULT_REPLICATIONS,
            MIN_REPLICATIONS,
            MAX_REPLICATIONS,
        )?;
        let max_radius_m = request.max_radius_m.unwrap_or(DEFAULT_RADIUS_M);
        if !(max_radius_m.is_finite() && (0.0..=MAX_RADIUS_M).contains(&max_radius_m)) {
            return Err(RequestError::bad(
                "max_radius_m",
                format!("max_radius_m {max_radius_m} is outside 0..={MAX_RADIUS_M} metres"),
                format!("半径 {max_radius_m} 米无效，应在 0 至 {MAX_RADIUS_M} 米之间"),
            )
            .into());
        }
        let alpha = request.alpha.unwrap_or(DEFAULT_ALPHA);
        if !(alpha > 0.0 && alpha <= 0.5) {
            return Err(RequestError::bad(
                "alpha",
                format!("alpha {alpha} is not in (0, 0.5]"),
                format!("显著性水平 {alpha} 无效，应大于 0 且不超过 0.5"),
            )
            .into());
        }
        Ok(Self {
            mode: request.mode.unwrap_or(Mode::Prospective),
            analysis_day,
            history_days,
            max_days,
            max_radius_m,
            replications,
            alpha,
        })
    }

    pub fn mode_code(&self) -> &'static str {
        match self.mode {
            Mode::Prospective => "prospective",
            Mode::Retrospective => "retrospective",
        }
    }

    fn history_from(&self) -> NaiveDate {
        self.analysis_day
            .checked_sub_days(Days::new(u64::from(self.history_days - 1)))
            .unwrap_or(self.analysis_day)
    }
}

/// 00:00 Beijing time of `day`.
fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(beijing()).single())
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.to_utc())
}

/// Runs the analysis in the process's turn and keeps it; `None` when it was the daily run and
/// another server process kept that day's first.
pub async fn run_and_keep(
    sources: &HotspotSources,
    settings: &Settings,
    trigger: RunTrigger,
    account: Option<String>,
) -> Result<Option<HotspotRun>, ApiError> {
    let _turn = sources.turn.lock().await;
    let from = day_start(settings.history_from());
    let to = day_start(
        settings
            .analysis_day
            .succ_opt()
            .unwrap_or(settings.analysis_day),
    );
    let cases = sources.store.request_cases(from, to).await?;
    let view = sources.grids.view();
    let catalogue = sources.desk.catalogue();
    let names: BTreeMap<String, String> = catalogue
        .categories
        .iter()
        .map(|c| (c.code.clone(), c.name_zh.clone()))
        .collect();
    let ran_at = crate::desk::now();
    let wire_trigger = match trigger {
        RunTrigger::Daily => Trigger::Daily,
        RunTrigger::OnDemand => Trigger::OnDemand,
    };
    let asked = *settings;
    let who = account.clone();
    let mut run = tokio::task::spawn_blocking(move || {
        analyse(&view, &cases, &asked, &names).map(|mut run| {
            run.ran_at = ran_at;
            run.trigger = wire_trigger;
            run.account = who;
            run
        })
    })
    .await
    .map_err(|e| HotspotRequestError::Unreadable(format!("the analysis stopped: {e}")))??;
    let body =
        serde_json::to_string(&run).map_err(|e| HotspotRequestError::Unreadable(e.to_string()))?;
    let kept = sources
        .store
        .save_hotspot_run(
            &NewHotspotRun {
                ran_at,
                trigger,
                mode: settings.mode_code().to_owned(),
                analysis_day: run.analysis_day.clone(),
                account,
                significant: run.hotspots.iter().filter(|h| h.significant).count() as u32,
                body,
            },
            KEEP_RUNS,
        )
        .await?;
    Ok(kept.map(|id| {
        run.id = id;
        run
    }))
}

/// The micro-grids as zones: their codes in zone order, their interior points.
struct Zones<'a> {
    hierarchy: &'a GridHierarchy,
    /// Zone number → grid index.
    grids: Vec<usize>,
    by_code: HashMap<&'a str, usize>,
    layout: ZoneLayout,
}

impl<'a> Zones<'a> {
    fn of(hierarchy: &'a GridHierarchy) -> Result<Self, HotspotRequestError> {
        let grids: Vec<usize> = hierarchy.at_level(GridLevel::Micro).collect();
        let points: Vec<Coord<f64>> = grids
            .iter()
            .map(|&i| {
                let grid = hierarchy.get(i);
                grid.shape
                    .interior_point()
                    .map_or_else(|| grid.bbox().center(), |p| p.0)
            })
            .collect();
        let by_code = grids
            .iter()
            .enumerate()
            .map(|(zone, &i)| (hierarchy.get(i).code.as_str(), zone))
            .collect();
        Ok(Self {
            hierarchy,
            layout: ZoneLayout::from_lon_lat(&points)?,
            grids,
            by_code,
        })
    }

    fn zone(&self, hotspot_zone: usize) -> HotspotZone {
        let grid = self.hierarchy.get(self.grids[hotspot_zone]);
        let community = self
            .hierarchy
            .parent_of(self.grids[hotspot_zone])
            .map(|i| self.hierarchy.get(i));
        HotspotZone {
            code: grid.code.clone(),
            name: grid.name.clone(),
            community: community.map(|c| c.code.clone()),
            community_name: community.map(|c| c.name.clone()),
        }
    }

    /// The micro-grids' shapes as one outline.
    fn outline(&self, zones: &[usize]) -> MultiPolygon<f64> {
        zones
            .iter()
            .map(|&z| &self.hierarchy.get(self.grids[z]).shape)
            .fold(MultiPolygon::new(Vec::new()), |all, shape| all.union(shape))
    }

    fn centre(&self, zone: usize) -> [f64; 2] {
        let grid = self.hierarchy.get(self.grids[zone]);
        let c = grid
            .shape
            .interior_point()
            .map_or_else(|| grid.bbox().center(), |p| p.0);
        [c.x, c.y]
    }
}

/// The analysis itself (blocking: every core for a while).
pub fn analyse(
    view: &GridView,
    cases: &[RequestCase],
    settings: &Settings,
    names: &BTreeMap<String, String>,
) -> Result<HotspotRun, HotspotRequestError> {
    let started = Instant::now();
    let zones = Zones::of(view.hierarchy())?;
    let first_day = beijing_day(day_start(settings.history_from()));
    let last_day = beijing_day(day_start(settings.analysis_day));
    // Requests in micro-grids the current layers no longer have (grids re-imported) are left
    // out: they have no place to be in.
    let scanned: Vec<CategorisedCase<'_>> = cases
        .iter()
        .filter_map(|c| {
            Some(CategorisedCase {
                zone: *zones.by_code.get(c.micro_code.as_str())?,
                day: beijing_day(c.received_at),
                category: c.category.as_str(),
            })
        })
        .collect();
    let mut config = match settings.mode {
        Mode::Prospective => ScanConfig::prospective(first_day, last_day),
        Mode::Retrospective => ScanConfig::retrospective(first_day, last_day),
    };
    config.max_days = settings.max_days;
    config.max_radius_m = settings.max_radius_m;
    config.replications = settings.replications;
    config.threads = 0;
    let scans = scan_by_category(&zones.layout, &scanned, &config, true)?;
    let date = |day: i32| day_date(day).map_or_else(String::new, |d| d.to_string());
    let category_name = |category: Option<&str>| match category {
        None => "全部类别".to_owned(),
        Some(code) => names.get(code).cloned().unwrap_or_else(|| code.to_owned()),
    };
    let mut categories = Vec::with_capacity(scans.len());
    let mut hotspots = Vec::new();
    for scan in &scans {
        let category = scan.category.as_deref();
        let significant: Vec<(usize, &Hotspot)> = scan
            .result
            .hotspots
            .iter()
            .enumerate()
            .filter(|(_, h)| h.p_value <= settings.alpha)
            .collect();
        categories.push(CategoryScanned {
            category: scan.category.clone(),
            category_name: category_name(category),
            cases: scan.result.cases,
            significant: significant.len() as u32,
        });
        for (rank, h) in significant {
            hotspots.push(HotspotView {
                rank: rank as u32 + 1,
                category: scan.category.clone(),
                category_name: category_name(category),
                zones: h.zones.iter().map(|&z| zones.zone(z)).collect(),
                outline: shape_geometry(&zones.outline(&h.zones)),
                centre: zones.centre(h.centre),
                radius_m: h.radius_m,
                first_day: date(h.first_day),
                last_day: date(h.last_day),
                days: u32::try_from(h.last_day - h.first_day + 1).unwrap_or(0),
                observed: h.observed,
                expected: h.expected,
                relative_risk: h.relative_risk,
                llr: h.llr,
                p_value: h.p_value,
                significant: true,
                rising: h.trend.slope_per_day > 0.0,
                trend: h.trend.clone(),
                leading: leading(&scanned, h, category, &category_name),
            });
        }
    }
    hotspots.sort_by(|a, b| {
        a.p_value
            .total_cmp(&b.p_value)
            .then(b.llr.total_cmp(&a.llr))
    });
    Ok(HotspotRun {
        id: 0,
        ran_at: Utc::now(),
        trigger: Trigger::OnDemand,
        account: None,
        mode: settings.mode,
        analysis_day: settings.analysis_day.to_string(),
        history_from: settings.history_from().to_string(),
        max_days: settings.max_days,
        max_radius_m: settings.max_radius_m,
        replications: settings.replications,
        alpha: settings.alpha,
        cases: scanned.len() as u32,
        took_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        categories,
        hotspots,
    })
}

/// The categories of the requests inside `h` (of `category`, when the scan was of one), most
/// first (ties by code), at most three.
fn leading(
    cases: &[CategorisedCase<'_>],
    h: &Hotspot,
    category: Option<&str>,
    name: &impl Fn(Option<&str>) -> String,
) -> Vec<CategoryCount> {
    let inside: std::collections::HashSet<usize> = h.zones.iter().copied().collect();
    let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
    for c in cases {
        if inside.contains(&c.zone)
            && (h.first_day..=h.last_day).contains(&c.day)
            && category.is_none_or(|k| k == c.category)
        {
            *counts.entry(c.category).or_default() += 1;
        }
    }
    let mut counts: Vec<(&str, u32)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts
        .into_iter()
        .take(3)
        .map(|(code, count)| CategoryCount {
            category: code.to_owned(),
            name: name(Some(code)),
            count,
        })
        .collect()
}

/// What of a run the caller may see: a commander only the hotspots that touch their community.
pub fn scoped(mut run: HotspotRun, caller: &Caller) -> HotspotRun {
    if caller.principal.role == Role::Commander {
        let community: Option<&GridCode> = caller.principal.community.as_ref();
        run.hotspots.retain(|h| {
            h.zones
                .iter()
                .any(|z| community.is_some_and(|c| z.community.as_ref() == Some(c)))
        });
    }
    run
}
