//! Reading a KPI question: the period, the cut-off (`as_of`), whose tickets (scoped to the
//! caller), the weights, the subject kind. Every refusal names the parameter, in Chinese too.

use binhe_api::kpi::{KpiParams, ScopeInfo, ScopeKind};
use binhe_core::access::{AccessError, Role};
use binhe_core::kpi::{Period, SubjectKind, Weights};
use binhe_core::ticket::intake::beijing;
use binhe_core::{GridCode, GridLevel};
use binhe_store::KpiScope;
use chrono::{DateTime, NaiveDate, Utc};

use super::KpiRequestError;
use crate::dataset::GridView;
use crate::http::{ApiError, Caller, RequestError};

/// Whose tickets are counted, with what the figures need of it.
#[derive(Debug, Clone)]
pub struct Scope {
    pub kpi: KpiScope,
    /// The street's, community's or micro-grid's code.
    pub code: GridCode,
    pub name: String,
    pub residents: u32,
}

impl Scope {
    pub fn kind(&self) -> ScopeKind {
        match self.kpi {
            KpiScope::Street => ScopeKind::Street,
            KpiScope::Community(_) => ScopeKind::Community,
            KpiScope::Micro(_) => ScopeKind::Micro,
        }
    }

    /// The scope as an answer names it.
    pub fn info(&self) -> ScopeInfo {
        ScopeInfo {
            kind: self.kind(),
            code: self.code.clone(),
            name: self.name.clone(),
            residents: self.residents,
        }
    }

    /// Whether the grid (or a worker posted on it) lies in the scope.
    pub fn contains(&self, code: &GridCode) -> bool {
        match &self.kpi {
            KpiScope::Street => true,
            KpiScope::Community(community) | KpiScope::Micro(community) => {
                code.as_str().starts_with(community.scope_prefix())
            }
        }
    }
}

/// A question read and checked: over which period, as things stood when, whose tickets.
#[derive(Debug, Clone)]
pub struct Asked {
    pub period: Period,
    pub as_of: DateTime<Utc>,
    pub scope: Scope,
}

fn refused(code: &'static str, field: &'static str, reason: String, reason_zh: String) -> ApiError {
    KpiRequestError::Parameter {
        code,
        field,
        reason,
        reason_zh,
    }
    .into()
}

fn bad_period(text: &str, reason_zh: &str) -> ApiError {
    refused(
        "INVALID_PERIOD",
        "period",
        format!(
            "period {text:?} is not understood: use month=YYYY-MM, year=YYYY or from=YYYY-MM-DD&to=YYYY-MM-DD"
        ),
        format!(
            "统计区间“{text}”无效：{reason_zh}（应为 month=YYYY-MM、year=YYYY 或 from=YYYY-MM-DD&to=YYYY-MM-DD）"
        ),
    )
}

/// A Beijing calendar day as `YYYY-MM-DD`.
pub fn beijing_day(at: DateTime<Utc>) -> String {
    at.with_timezone(&beijing()).format("%Y-%m-%d").to_string()
}

/// 00:00 Beijing time of a `YYYY-MM-DD` day.
fn day_start(text: &str) -> Option<DateTime<Utc>> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()?
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(beijing())
        .single()
        .map(|t| t.to_utc())
}

/// A whole number parameter, `default` when absent.
pub fn number(text: Option<&str>, field: &'static str, default: u32) -> Result<u32, ApiError> {
    match text {
        None => Ok(default),
        Some(raw) => raw.trim().parse::<u32>().map_err(|_| {
            RequestError::bad(
                field,
                format!("{field} {raw:?} is not a whole number"),
                format!("{field}“{raw}”须为非负整数"),
            )
            .into()
        }),
    }
}

/// The cut-off: `as_of` (a day, counted from its 00:00 Beijing time, or an RFC 3339
/// instant), never after now; now when absent.
pub fn as_of(query: &KpiParams, now: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    let Some(text) = query.as_of.as_deref() else {
        return Ok(now);
    };
    let at = day_start(text)
        .or_else(|| {
            DateTime::parse_from_rfc3339(text.trim())
                .ok()
                .map(|t| t.to_utc())
        })
        .ok_or_else(|| {
            refused(
                "INVALID_AS_OF",
                "as_of",
                format!("as_of {text:?} is neither YYYY-MM-DD nor an RFC 3339 time"),
                format!("截至时间“{text}”无效，应为 YYYY-MM-DD"),
            )
        })?;
    if at > now {
        return Err(refused(
            "INVALID_AS_OF",
            "as_of",
            format!("as_of {text:?} lies in the future"),
            format!("截至时间“{text}”晚于现在"),
        ));
    }
    Ok(at)
}

/// The period asked (the month of `as_of` when none is), refused if malformed, given in
/// more than one form, or starting after `as_of`.
pub fn period(query: &KpiParams, as_of: DateTime<Utc>) -> Result<Period, ApiError> {
    let forms = [
        query.month.is_some(),
        query.year.is_some(),
        query.from.is_some() || query.to.is_some(),
    ];
    if forms.iter().filter(|f| **f).count() > 1 {
        return Err(bad_period(
            "month/year/from-to",
            "只能给出 month、year、from–to 之一",
        ));
    }
    if let Some(text) = &query.month {
        let (year, month) = text
            .trim()
            .split_once('-')
            .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
            .ok_or_else(|| bad_period(text, "月份应为 YYYY-MM"))?;
        return Ok(Period::month(year, month, as_of)?);
    }
    if let Some(text) = &query.year {
        let year = text
            .trim()
            .parse::<i32>()
            .map_err(|_| bad_period(text, "年份应为 YYYY"))?;
        return Ok(Period::year(year, as_of)?);
    }
    match (&query.from, &query.to) {
        (Some(from), Some(to)) => {
            let start =
                day_start(from).ok_or_else(|| bad_period(from, "开始日期应为 YYYY-MM-DD"))?;
            let last = day_start(to).ok_or_else(|| bad_period(to, "结束日期应为 YYYY-MM-DD"))?;
            // `to` is the last day included: the range ends at the next day's 00:00.
            Ok(Period::range(
                start,
                last + chrono::Duration::days(1),
                as_of,
            )?)
        }
        (Some(one), None) | (None, Some(one)) => Err(bad_period(one, "from 与 to 须同时给出")),
        (None, None) => {
            let (year, month) = binhe_core::kpi::period::beijing_month(as_of);
            Ok(Period::month(year, month, as_of)?)
        }
    }
}

/// Whose tickets: a commander's own community (another one is out of scope), else the
/// street or the community asked; a micro-grid narrows either, inside the caller's reach.
pub fn scope(query: &KpiParams, caller: &Caller, view: &GridView) -> Result<Scope, ApiError> {
    let hierarchy = view.hierarchy();
    let grid_code = |text: &str, level: GridLevel| -> Result<GridCode, ApiError> {
        GridCode::parse(text.trim())
            .ok()
            .filter(|code| code.level() == level && hierarchy.by_code(code).is_some())
            .ok_or_else(|| {
                RequestError::GridNotFound {
                    code: text.to_owned(),
                }
                .into()
            })
    };
    let own = match caller.principal.role {
        Role::Commander => Some(
            caller
                .principal
                .community
                .clone()
                .ok_or(AccessError::OutOfScope)?,
        ),
        _ => None,
    };
    let community = match (query.community.as_deref(), own) {
        (Some(text), own) => {
            let code = grid_code(text, GridLevel::Community)?;
            if own.as_ref().is_some_and(|own| *own != code) {
                return Err(AccessError::OutOfScope.into());
            }
            Some(code)
        }
        (None, own) => own,
    };
    let micro = match query.micro.as_deref() {
        Some(text) => {
            let code = grid_code(text, GridLevel::Micro)?;
            if !caller.principal.sees_grid(&code)
                || community
                    .as_ref()
                    .is_some_and(|c| !code.as_str().starts_with(c.scope_prefix()))
            {
                return Err(AccessError::OutOfScope.into());
            }
            Some(code)
        }
        None => None,
    };
    let (kpi, code) = match (micro, community) {
        (Some(micro), _) => (KpiScope::Micro(micro.clone()), micro),
        (None, Some(community)) => (KpiScope::Community(community.clone()), community),
        (None, None) => (KpiScope::Street, hierarchy.street().code.clone()),
    };
    let grid = hierarchy
        .by_code(&code)
        .ok_or_else(|| RequestError::GridNotFound {
            code: code.to_string(),
        })?;
    Ok(Scope {
        kpi,
        name: grid.name.clone(),
        residents: grid.population,
        code,
    })
}

/// The whole question, for a caller who may read KPIs (grid workers may not).
pub fn asked(query: &KpiParams, caller: &Caller, view: &GridView) -> Result<Asked, ApiError> {
    caller.must_be(
        &[Role::Dispatcher, Role::Administrator, Role::Commander],
        "read KPIs",
    )?;
    let scope = scope(query, caller, view)?;
    let as_of = as_of(query, crate::desk::now())?;
    let period = period(query, as_of)?;
    Ok(Asked {
        period,
        as_of,
        scope,
    })
}

pub fn subject_kind(query: &KpiParams) -> Result<SubjectKind, ApiError> {
    match query.kind.as_deref().map(str::trim) {
        None | Some("community") => Ok(SubjectKind::Community),
        Some("micro") => Ok(SubjectKind::Micro),
        Some("worker") => Ok(SubjectKind::Worker),
        Some(other) => Err(RequestError::bad(
            "kind",
            format!("kind {other:?} is not community, micro or worker"),
            format!("考核对象“{other}”无效，应为 community、micro 或 worker"),
        )
        .into()),
    }
}

/// `weights=30,35,35` (response, resolution, satisfaction); the default when absent.
pub fn weights(query: &KpiParams) -> Result<Weights, ApiError> {
    let Some(text) = query.weights.as_deref() else {
        return Ok(Weights::default());
    };
    let parts: Option<Vec<f64>> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect();
    match parts.as_deref() {
        Some([response, resolution, satisfaction]) => {
            Ok(Weights::new(*response, *resolution, *satisfaction)?)
        }
        _ => Err(refused(
            "INVALID_WEIGHTS",
            "weights",
            format!("weights {text:?} are not three numbers: response,resolution,satisfaction"),
            format!("权重“{text}”无效，应为三个数：响应率,解决率,满意率（如 30,35,35）"),
        )),
    }
}

/// The worker asked for, who must be posted inside the scope.
pub fn worker(
    query: &KpiParams,
    view: &GridView,
    scope: &Scope,
) -> Result<Option<String>, ApiError> {
    let Some(id) = query.worker.as_deref().map(str::trim) else {
        return Ok(None);
    };
    let worker = view
        .worker(id)
        .ok_or_else(|| RequestError::WorkerNotFound { id: id.to_owned() })?;
    if !scope.contains(&worker.grid) {
        return Err(AccessError::OutOfScope.into());
    }
    Ok(Some(worker.id.clone()))
}
