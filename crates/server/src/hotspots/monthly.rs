//! 每月一题 and rising micro-grids: plain monthly counts of the requests, core's rules.

use std::collections::BTreeMap;

use axum::extract::State;
use binhe_api::hotspots::{MonthParams, MonthlyTopAnswer, RisingAnswer};
use binhe_core::GridCode;
use binhe_core::access::Role;
use binhe_core::hotspots::{MonthlyCase, RisingRule, YearMonth, monthly_top, rising_micro_grids};
use binhe_core::kpi::period;
use binhe_store::RequestCase;
use chrono::{DateTime, Utc};

use super::{HotspotSources, may_read};
use crate::http::extract::{Json, Query};
use crate::http::{ApiError, Caller, RequestError};

/// Top problems listed per place unless `top` says otherwise, and at most.
const DEFAULT_TOP: u32 = 5;
const MAX_TOP: u32 = 50;

fn month_of(params: &MonthParams) -> Result<YearMonth, ApiError> {
    let Some(text) = params.month.as_deref().map(str::trim) else {
        return Ok(YearMonth::of(crate::desk::now()));
    };
    let refused = || {
        ApiError::from(RequestError::bad(
            "month",
            format!("month {text:?} is not YYYY-MM"),
            format!("月份“{text}”无效，应为 YYYY-MM（如 2026-11）"),
        ))
    };
    let (year, month) = text.split_once('-').ok_or_else(refused)?;
    let year: i32 = year.parse().map_err(|_| refused())?;
    let month: u32 = month.parse().map_err(|_| refused())?;
    YearMonth::new(year, month).map_err(|_| refused())
}

fn label(month: YearMonth) -> String {
    format!("{}年{}月", month.year, month.month)
}

fn code(month: YearMonth) -> String {
    format!("{:04}-{:02}", month.year, month.month)
}

/// 00:00 Beijing time on the first of `month`.
fn month_start(month: YearMonth) -> DateTime<Utc> {
    period::month_start(month.year, month.month).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn next(month: YearMonth) -> YearMonth {
    if month.month == 12 {
        YearMonth {
            year: month.year + 1,
            month: 1,
        }
    } else {
        YearMonth {
            year: month.year,
            month: month.month + 1,
        }
    }
}

/// The requests of `months` months up to and including `month`, with their communities.
async fn cases(
    sources: &HotspotSources,
    month: YearMonth,
    months: u32,
) -> Result<Vec<(YearMonth, RequestCase, String)>, ApiError> {
    let mut first = month;
    for _ in 1..months {
        first = first.previous();
    }
    let read = sources
        .store
        .request_cases(month_start(first), month_start(next(month)))
        .await?;
    Ok(read
        .into_iter()
        .filter_map(|c| {
            let community = GridCode::parse(&c.micro_code)
                .ok()?
                .community_code()?
                .as_str()
                .to_owned();
            Some((YearMonth::of(c.received_at), c, community))
        })
        .collect())
}

/// The requests as the monthly counts take them.
fn as_monthly(read: &[(YearMonth, RequestCase, String)]) -> Vec<MonthlyCase<'_>> {
    read.iter()
        .map(|(month, c, community)| MonthlyCase {
            month: *month,
            category: c.category.as_str(),
            community: community.as_str(),
            micro_grid: c.micro_code.as_str(),
        })
        .collect()
}

/// The community a commander is confined to (`None`: the whole street).
fn confined(caller: &Caller) -> Option<String> {
    (caller.principal.role == Role::Commander).then(|| {
        caller
            .principal
            .community
            .as_ref()
            .map_or_else(String::new, |c| c.as_str().to_owned())
    })
}

/// `GET /api/hotspots/monthly`: the month's top problems, street-wide and per community (a
/// commander: their community's only).
pub async fn top(
    State(sources): State<HotspotSources>,
    caller: Caller,
    Query(params): Query<MonthParams>,
) -> Result<Json<MonthlyTopAnswer>, ApiError> {
    may_read(&caller)?;
    let month = month_of(&params)?;
    let top_n = params.top.unwrap_or(DEFAULT_TOP);
    if !(1..=MAX_TOP).contains(&top_n) {
        return Err(RequestError::bad(
            "top",
            format!("top {top_n} is outside 1..={MAX_TOP}"),
            format!("前几项 {top_n} 无效，应在 1 至 {MAX_TOP} 之间"),
        )
        .into());
    }
    let read = cases(&sources, month, 2).await?;
    let monthly = as_monthly(&read);
    let mut communities = monthly_top(&monthly, month, top_n as usize);
    if let Some(own) = confined(&caller) {
        communities.retain(|c| c.community.as_deref() == Some(own.as_str()));
    }
    let view = sources.grids.view();
    let community_names = communities
        .iter()
        .filter_map(|c| {
            let code = c.community.as_ref()?;
            let grid = view.hierarchy().by_code(&GridCode::parse(code).ok()?)?;
            Some((code.clone(), grid.name.clone()))
        })
        .collect();
    Ok(Json(MonthlyTopAnswer {
        month: code(month),
        label: label(month),
        category_names: category_names(
            &sources,
            communities
                .iter()
                .flat_map(|c| c.top.iter().map(|p| p.category.as_str())),
        ),
        community_names,
        communities,
    }))
}

/// `GET /api/hotspots/rising`: the micro-grids (per category with `per_category=true`) whose
/// requests in the month are far above their own last three months.
pub async fn rising(
    State(sources): State<HotspotSources>,
    caller: Caller,
    Query(params): Query<MonthParams>,
) -> Result<Json<RisingAnswer>, ApiError> {
    may_read(&caller)?;
    let month = month_of(&params)?;
    let rule = RisingRule::default();
    let read = cases(&sources, month, rule.history_months + 1).await?;
    let monthly = as_monthly(&read);
    let mut groups =
        rising_micro_grids(&monthly, month, &rule, params.per_category.unwrap_or(false));
    if let Some(own) = confined(&caller) {
        let prefix = GridCode::parse(&own)
            .map(|c| c.scope_prefix().to_owned())
            .unwrap_or(own);
        groups.retain(|g| g.micro_grid.starts_with(&prefix));
    }
    let tested = groups.len() as u32;
    groups.retain(|g| g.rising);
    let view = sources.grids.view();
    let micro_names = groups
        .iter()
        .filter_map(|g| {
            let grid = view
                .hierarchy()
                .by_code(&GridCode::parse(&g.micro_grid).ok()?)?;
            Some((g.micro_grid.clone(), grid.name.clone()))
        })
        .collect();
    let mut months = Vec::new();
    let mut m = month;
    for _ in 0..=rule.history_months {
        months.push(code(m));
        m = m.previous();
    }
    months.reverse();
    Ok(Json(RisingAnswer {
        month: code(month),
        label: label(month),
        months,
        category_names: category_names(
            &sources,
            groups.iter().filter_map(|g| g.category.as_deref()),
        ),
        micro_names,
        groups,
        tested,
    }))
}

fn category_names<'a>(
    sources: &HotspotSources,
    codes: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, String> {
    let catalogue = sources.desk.catalogue();
    codes
        .map(|code| {
            let name = catalogue
                .find(code)
                .map_or_else(|| code.to_owned(), |c| c.name_zh.clone());
            (code.to_owned(), name)
        })
        .collect()
}
