//! 民情日记 and 包户 routes (issue 16): grid workers' diary entries — where, when, households
//! met, what people raised, what is to follow — from the worker's phone and from the center; an
//! entry's concern becomes a proactive ticket (channel 主动发现) with one action, once; and the
//! units (单元) each worker answers for, so the ticket card can say who is responsible for the
//! door. A grid worker reads and writes their own entries and reads the wards of their
//! community; a commander their community's; the desk the street's. Writes are audited
//! (`diary.create`, `diary.ticket`, `wards.set`, `wards.clear`). Contract: docs/api-diary.md.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use binhe_api::diary::{
    DEFAULT_DIARY_LIMIT, DiaryEntryView, DiaryInput, DiaryList, DiaryQuery, DiaryTicket,
    DiaryTicketInput, MAX_DIARY_LIMIT, MAX_WARDS_AT_ONCE, UnitWard, WardList, WardView, WardsInput,
};
use binhe_api::error::ErrorDetail;
use binhe_core::access::{AccessError, Role};
use binhe_core::diary::{self, DiaryDraft, DiaryKind, MAX_UNIT_HOUSEHOLDS};
use binhe_core::ticket::intake::{IntakeProblem, IntakeRequest};
use binhe_core::ticket::{Channel, Ticket};
use binhe_core::{GridCode, GridLevel};
use binhe_store::{
    DiaryFilter, DiaryRecord, DiaryRepository, StoredDiaryEntry, StoredWard, WardFilter, WardRecord,
};

use crate::dataset::{GridView, Grids};
use crate::desk::view::ViewContext;
use crate::desk::{IntakeOutcome, TicketDesk, now};
use crate::http::error::{problems_en, problems_zh, with_problems};
use crate::http::extract::{Json, Query};
use crate::http::{ApiError, AuditNote, Caller, Refusal, RequestError};
use crate::places::{find_grid, held_to, named, named_text};

/// What the diary routes read: the grids (places, workers), the entries and wards, and the desk
/// (the catalogue, and the intake an entry's ticket goes through).
#[derive(Clone)]
pub struct DiarySources {
    pub grids: Grids,
    pub store: Arc<dyn DiaryRepository>,
    pub desk: TicketDesk,
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    DiarySources: FromRef<S>,
{
    Router::new()
        .route("/api/diary", get(list).post(create))
        .route("/api/diary/{id}/ticket", post(to_ticket))
        .route("/api/wards", get(wards).put(set_wards))
        .route("/api/wards/{unit}", get(ward).delete(clear_ward))
}

/// Why a diary or ward route refused.
#[derive(Debug, thiserror::Error)]
pub enum DiaryError {
    #[error("the entry is not valid: {}", problems_en(.0))]
    Invalid(Vec<IntakeProblem>),
    #[error("there is no diary entry {0}")]
    NotFound(i64),
    #[error("there is no unit {0}")]
    NoSuchUnit(String),
    #[error("the ticket of the entry was refused: {}", problems_en(.0))]
    TicketRefused(Vec<IntakeProblem>),
}

impl Refusal for DiaryError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) | Self::TicketRefused(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) | Self::NoSuchUnit(_) => StatusCode::NOT_FOUND,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::Invalid(_) => "DIARY_INVALID",
            Self::NotFound(_) => "DIARY_NOT_FOUND",
            Self::NoSuchUnit(_) => "UNIT_NOT_FOUND",
            Self::TicketRefused(_) => "INTAKE_REJECTED",
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::Invalid(problems) | Self::TicketRefused(problems) => problems_zh(problems),
            Self::NotFound(id) => format!("没有编号为 {id} 的民情日记"),
            Self::NoSuchUnit(unit) => format!("没有“{unit}”这个单元"),
        }
    }

    fn detail(&self) -> ErrorDetail {
        let detail = ErrorDetail::new(self.code(), self.message_zh(), self.to_string());
        match self {
            Self::Invalid(problems) | Self::TicketRefused(problems) => {
                with_problems(detail, problems)
            }
            _ => detail,
        }
    }
}

fn problem(field: &str, code: &str, zh: String, en: String) -> IntakeProblem {
    IntakeProblem::new(field, code, zh, en)
}

/// A unit's name with its micro-grid's: `承平园小区一区 2单元`.
fn unit_label(view: &GridView, unit: &GridCode) -> String {
    let h = view.hierarchy();
    let Some(index) = h.index_of(unit) else {
        return unit.to_string();
    };
    let name = &h.get(index).name;
    match h.parent_of(index) {
        Some(micro) => format!("{} {name}", h.get(micro).name),
        None => name.clone(),
    }
}

fn entry_view(view: &GridView, desk: &TicketDesk, kept: StoredDiaryEntry) -> DiaryEntryView {
    let e = kept.entry;
    let kind = DiaryKind::from_code(&e.kind).unwrap_or(DiaryKind::Visit);
    let catalogue = desk.catalogue();
    let category_name = e.category.as_deref().map(|c| {
        catalogue
            .find(c)
            .map_or_else(|| c.to_owned(), |f| f.name_zh.clone())
    });
    let unit = e.unit_code.as_deref().map(|u| {
        let mut grid = named_text(view, u);
        if let Ok(code) = GridCode::parse(u) {
            grid.name = unit_label(view, &code);
        }
        grid
    });
    DiaryEntryView {
        id: kept.id,
        worker_name: view
            .worker(&e.worker_id)
            .map_or_else(|| e.worker_id.clone(), |w| w.name.clone()),
        worker: e.worker_id,
        community: named_text(view, &e.community_code),
        micro: named_text(view, &e.micro_code),
        unit,
        kind,
        kind_zh: kind.label_zh().to_owned(),
        kind_en: kind.label_en().to_owned(),
        visited_at: e.visited_at,
        households: e.households,
        concerns: e.concerns,
        follow_up: e.follow_up,
        category: e.category,
        category_name,
        ticket: kept.ticket_id,
        written_by: kept.written_by,
        written_at: kept.written_at,
    }
}

/// A unit by code, or as `微网格名 N单元` (the micro-grid's name unique in the street).
fn find_unit(
    view: &GridView,
    text: &str,
    micro: Option<&GridCode>,
) -> Result<GridCode, IntakeProblem> {
    let h = view.hierarchy();
    let text = text.trim();
    if let Ok(code) = GridCode::parse(text)
        && h.by_code(&code)
            .is_some_and(|g| g.level() == GridLevel::Unit)
    {
        return Ok(code);
    }
    let (micro_name, unit_name) = match text.rsplit_once(char::is_whitespace) {
        Some((m, u)) => (Some(m.trim()), u.trim()),
        None => (None, text),
    };
    let micro = match (micro_name, micro) {
        (Some(name), _) => find_grid(view, name, GridLevel::Micro)
            .map_err(|p| problem("unit", &p.code, p.message_zh, p.message_en))?,
        (None, Some(micro)) => micro.clone(),
        (None, None) => {
            return Err(problem(
                "unit",
                "GRID_NOT_FOUND",
                format!("没有“{text}”这个单元：请写单元编码，或“微网格名 单元名”"),
                format!("No unit {text:?}: give its code, or \"micro-grid name, unit name\""),
            ));
        }
    };
    h.index_of(&micro)
        .into_iter()
        .flat_map(|i| h.children_of(i).iter())
        .map(|&i| h.get(i))
        .find(|g| g.name == unit_name)
        .map(|g| g.code.clone())
        .ok_or_else(|| {
            problem(
                "unit",
                "GRID_NOT_FOUND",
                format!("{}没有“{unit_name}”", named(view, &micro).name),
                format!("{micro} has no unit {unit_name:?}"),
            )
        })
}

/// How many entries a list asks for.
fn diary_limit(query: &DiaryQuery) -> Result<u32, ApiError> {
    Ok(match query.limit.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_DIARY_LIMIT,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_DIARY_LIMIT).contains(n))
            .ok_or_else(|| {
                DiaryError::Invalid(vec![problem(
                    "limit",
                    "INVALID_LIMIT",
                    format!("条数须为 1 至 {MAX_DIARY_LIMIT} 之间的整数"),
                    format!("limit must be a whole number from 1 to {MAX_DIARY_LIMIT}"),
                )])
            })?,
    })
}

/// Whose entries (or wards) a caller may read, with what they asked narrowing it.
fn diary_filter<'a>(
    caller: &'a Caller,
    held: Option<&'a GridCode>,
    query: &'a DiaryQuery,
    limit: u32,
) -> Result<DiaryFilter<'a>, ApiError> {
    let mut filter = DiaryFilter {
        community: query.community.as_deref().filter(|c| !c.is_empty()),
        micro: query.micro.as_deref().filter(|c| !c.is_empty()),
        unit: query.unit.as_deref().filter(|c| !c.is_empty()),
        worker: query.worker.as_deref().filter(|c| !c.is_empty()),
        limit,
    };
    if let Some(held) = held {
        if filter.community.is_some_and(|c| c != held.as_str()) {
            return Err(AccessError::OutOfScope.into());
        }
        filter.community = Some(held.as_str());
    }
    if caller.principal.role == Role::Worker {
        // A grid worker's diary is their own.
        filter.worker = caller.principal.worker_id.as_deref();
    }
    Ok(filter)
}

/// `GET /api/diary`.
async fn list(
    State(sources): State<DiarySources>,
    caller: Caller,
    Query(query): Query<DiaryQuery>,
) -> Result<Json<DiaryList>, ApiError> {
    let view = sources.grids.view();
    let held = held_to(&caller, &view)?;
    let filter = diary_filter(&caller, held.as_ref(), &query, diary_limit(&query)?)?;
    let kept = sources.store.diary_entries(&filter).await?;
    let totals = sources.store.diary_totals(&filter).await?;
    Ok(Json(DiaryList {
        entries: kept
            .into_iter()
            .map(|e| entry_view(&view, &sources.desk, e))
            .collect(),
        total: totals.entries,
        households: totals.households,
        tickets: totals.tickets,
    }))
}

/// An entry as written, checked against the grids, the workers and the caller: what to keep,
/// or every problem at once.
fn record(
    sources: &DiarySources,
    view: &GridView,
    caller: &Caller,
    held: Option<&GridCode>,
    input: &DiaryInput,
) -> Result<DiaryRecord, ApiError> {
    let at = now();
    let mut problems = diary::check(&DiaryDraft {
        visited_at: input.visited_at.unwrap_or(at),
        households: input.households,
        concerns: &input.concerns,
        follow_up: &input.follow_up,
        now: at,
    });
    let worker_id = match caller.principal.role {
        Role::Worker => caller.principal.worker_id.clone(),
        _ => input.worker.clone().filter(|w| !w.trim().is_empty()),
    };
    let worker = match worker_id.as_deref().map(str::trim) {
        None => {
            problems.push(problem(
                "worker",
                "MISSING_FIELD",
                "请选择记日记的网格员".to_owned(),
                "Name the grid worker whose diary it is".to_owned(),
            ));
            None
        }
        Some(id) => {
            let found = view.worker(id);
            if found.is_none() {
                problems.push(problem(
                    "worker",
                    "WORKER_NOT_FOUND",
                    format!("没有编号为“{id}”的网格员"),
                    format!("There is no grid worker {id:?}"),
                ));
            }
            found
        }
    };
    let micro = if input.micro.trim().is_empty() {
        // A worker's round is in the grid they are posted on unless they say otherwise.
        let posted = worker
            .filter(|w| w.grid.level() == GridLevel::Micro)
            .map(|w| w.grid.clone());
        if posted.is_none() {
            problems.push(problem(
                "micro",
                "MISSING_FIELD",
                "请选择走访的微网格".to_owned(),
                "Choose the micro-grid of the round".to_owned(),
            ));
        }
        posted
    } else {
        find_grid(view, &input.micro, GridLevel::Micro)
            .map_err(|p| problems.push(p))
            .ok()
    };
    let unit = match input
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        None => None,
        Some(text) => match find_unit(view, text, micro.as_ref()) {
            Ok(unit)
                if micro
                    .as_ref()
                    .is_some_and(|m| unit.as_str().starts_with(m.as_str())) =>
            {
                Some(unit)
            }
            Ok(unit) => {
                problems.push(problem(
                    "unit",
                    "NOT_IN_MICRO",
                    format!("{}不在所选微网格内", unit_label(view, &unit)),
                    format!("{unit} is not in the micro-grid chosen"),
                ));
                None
            }
            Err(p) => {
                problems.push(p);
                None
            }
        },
    };
    let catalogue = sources.desk.catalogue();
    let category = input.category.clone().filter(|c| !c.trim().is_empty());
    if let Some(code) = category.as_deref()
        && catalogue.find(code).is_none()
    {
        problems.push(problem(
            "category",
            "UNKNOWN_CATEGORY",
            format!("没有“{code}”这个问题类别"),
            format!("There is no category {code:?}"),
        ));
    }
    let community = micro.as_ref().and_then(GridCode::community_code);
    if let (Some(held), Some(community)) = (held, community.as_ref())
        && held != community
    {
        return Err(AccessError::OutOfScope.into());
    }
    if let (Some(w), Some(community)) = (worker, community.as_ref())
        && w.grid.community_code().as_ref() != Some(community)
    {
        problems.push(problem(
            "worker",
            "WORKER_OUT_OF_SCOPE",
            format!("网格员{}不属于该社区", w.name),
            format!("Grid worker {} is not posted in that community", w.id),
        ));
    }
    match (problems.is_empty(), worker, micro, community) {
        (true, Some(worker), Some(micro), Some(community)) => Ok(DiaryRecord {
            worker_id: worker.id.clone(),
            community_code: community.to_string(),
            micro_code: micro.to_string(),
            unit_code: unit.map(|u| u.to_string()),
            kind: input.kind.unwrap_or(DiaryKind::Visit).as_str().to_owned(),
            visited_at: input.visited_at.unwrap_or(at),
            households: input.households,
            concerns: input.concerns.trim().to_owned(),
            follow_up: input.follow_up.trim().to_owned(),
            category,
        }),
        _ => Err(DiaryError::Invalid(problems).into()),
    }
}

/// `POST /api/diary`: a new entry (201).
async fn create(
    State(sources): State<DiarySources>,
    caller: Caller,
    Json(input): Json<DiaryInput>,
) -> Result<Response, ApiError> {
    let view = sources.grids.view();
    let held = held_to(&caller, &view)?;
    if caller.principal.role == Role::Administrator {
        return Err(AccessError::Role {
            role: caller.principal.role.as_str(),
            action: "write diary entries",
        }
        .into());
    }
    let record = record(&sources, &view, &caller, held.as_ref(), &input)?;
    let kept = sources
        .store
        .add_diary_entry(&record, &caller.principal.account, now())
        .await?;
    let note = AuditNote::new("diary.create", &kept.id.to_string()).detail(&format!(
        "{} · {} · {} 户",
        record.worker_id, record.micro_code, record.households
    ));
    let mut response = (
        StatusCode::CREATED,
        Json(entry_view(&view, &sources.desk, kept)),
    )
        .into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}

/// The entry `id` if the caller may read it (as if it did not exist otherwise).
async fn visible_entry(
    sources: &DiarySources,
    caller: &Caller,
    held: Option<&GridCode>,
    id: i64,
) -> Result<StoredDiaryEntry, ApiError> {
    let kept = sources
        .store
        .diary_entry(id)
        .await?
        .ok_or(DiaryError::NotFound(id))?;
    let outside = held.is_some_and(|c| c.as_str() != kept.entry.community_code);
    let not_theirs = caller.principal.role == Role::Worker
        && caller.principal.worker_id.as_deref() != Some(kept.entry.worker_id.as_str());
    if outside || not_theirs {
        return Err(DiaryError::NotFound(id).into());
    }
    Ok(kept)
}

/// `POST /api/diary/{id}/ticket`: the entry's concern as a proactive ticket (201), or the ticket
/// it became before (200, `existing`). The ticket's external id is `diary-<id>`, so two at once
/// still make one.
async fn to_ticket(
    State(sources): State<DiarySources>,
    caller: Caller,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    // The body is optional: an empty one asks with the entry's own category.
    let asked: DiaryTicketInput = if body.iter().all(u8::is_ascii_whitespace) {
        DiaryTicketInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            RequestError::bad("body", e.to_string(), "请求内容不是有效的 JSON".to_owned())
        })?
    };
    let view = sources.grids.view();
    let held = held_to(&caller, &view)?;
    if caller.principal.role == Role::Administrator {
        return Err(AccessError::Role {
            role: caller.principal.role.as_str(),
            action: "report a request",
        }
        .into());
    }
    let kept = visible_entry(&sources, &caller, held.as_ref(), id).await?;
    if let Some(ticket) = kept.ticket_id {
        let ticket = sources.desk.ticket(ticket).await?;
        return Ok(answer(&sources, &view, kept, &ticket, true));
    }
    let e = &kept.entry;
    if diary::nothing_raised(&e.concerns) {
        return Err(DiaryError::Invalid(vec![problem(
            "concerns",
            "NOTHING_RAISED",
            "这条日记没有反映问题，无需转为工单".to_owned(),
            "Nothing was raised in this entry: there is nothing to make a ticket of".to_owned(),
        )])
        .into());
    }
    let category = asked
        .category
        .filter(|c| !c.trim().is_empty())
        .or_else(|| e.category.clone());
    let Some(category) = category else {
        return Err(DiaryError::Invalid(vec![problem(
            "category",
            "MISSING_FIELD",
            "请先选择问题类别再转为工单".to_owned(),
            "Choose the category before turning the entry into a ticket".to_owned(),
        )])
        .into());
    };
    let place = e
        .unit_code
        .as_deref()
        .and_then(|u| GridCode::parse(u).ok())
        .map_or_else(
            || named_text(&view, &e.micro_code).name,
            |u| unit_label(&view, &u),
        );
    let worker_name = view
        .worker(&e.worker_id)
        .map_or_else(|| e.worker_id.clone(), |w| w.name.clone());
    let request = IntakeRequest {
        channel: Some(Channel::Proactive.as_str().to_owned()),
        external_id: Some(format!("diary-{id}")),
        category: Some(category),
        description: Some(diary::ticket_description(&e.concerns, &place, &worker_name)),
        grid_code: Some(e.unit_code.clone().unwrap_or_else(|| e.micro_code.clone())),
        address: Some(place),
        reporter_name: Some(worker_name),
        // The worker follows it as its reporter, as their own report.
        source_ref: Some(e.worker_id.clone()),
        ..IntakeRequest::default()
    };
    let (ticket_id, existing) = match sources.desk.intake_one(request, Arc::clone(&view)).await? {
        IntakeOutcome::Created { ticket, .. } => (ticket.id, false),
        IntakeOutcome::Existing { id } => (id, true),
        IntakeOutcome::Rejected { problems } => {
            return Err(DiaryError::TicketRefused(problems).into());
        }
    };
    let linked = sources
        .store
        .link_diary_ticket(id, ticket_id)
        .await?
        .unwrap_or(ticket_id);
    let ticket = sources.desk.ticket(linked).await?;
    let kept = StoredDiaryEntry {
        ticket_id: Some(linked),
        ..kept
    };
    let mut response = answer(&sources, &view, kept, &ticket, existing);
    if !existing {
        *response.status_mut() = StatusCode::CREATED;
        let note =
            AuditNote::new("diary.ticket", &id.to_string()).detail(&format!("工单 {}", ticket.id));
        response.extensions_mut().insert(note);
    }
    Ok(response)
}

fn answer(
    sources: &DiarySources,
    view: &GridView,
    kept: StoredDiaryEntry,
    ticket: &Ticket,
    existing: bool,
) -> Response {
    let (catalogue, sla) = (sources.desk.catalogue(), sources.desk.sla());
    let shown = ViewContext {
        view,
        catalogue: &catalogue,
        sla: &sla,
        now: now(),
    };
    Json(DiaryTicket {
        entry: entry_view(view, &sources.desk, kept),
        ticket: shown.ticket(ticket, 0),
        existing,
    })
    .into_response()
}

fn ward_view(view: &GridView, kept: StoredWard) -> WardView {
    let w = kept.ward;
    let worker = view.worker(&w.worker_id);
    let mut unit = named_text(view, &w.unit_code);
    if let Ok(code) = GridCode::parse(&w.unit_code) {
        unit.name = unit_label(view, &code);
    }
    WardView {
        unit,
        micro: named_text(view, &w.micro_code),
        community: named_text(view, &w.community_code),
        worker_name: worker.map_or_else(|| w.worker_id.clone(), |w| w.name.clone()),
        worker_phone: worker.map(|w| w.phone.clone()).unwrap_or_default(),
        worker: w.worker_id,
        households: w.households,
        updated_by: kept.updated_by,
        updated_at: kept.updated_at,
    }
}

/// `GET /api/wards`: the wards of the scope asked (a grid worker: their own).
async fn wards(
    State(sources): State<DiarySources>,
    caller: Caller,
    Query(query): Query<DiaryQuery>,
) -> Result<Json<WardList>, ApiError> {
    let view = sources.grids.view();
    let held = held_to(&caller, &view)?;
    // Wards are listed whole: `limit` is the diary's.
    let filter = diary_filter(&caller, held.as_ref(), &query, 0)?;
    let kept = sources
        .store
        .wards(&WardFilter {
            community: filter.community,
            micro: filter.micro,
            worker: filter.worker,
        })
        .await?;
    let wards: Vec<WardView> = kept.into_iter().map(|w| ward_view(&view, w)).collect();
    let h = view.hierarchy();
    let units = if filter.worker.is_some() {
        wards.len()
    } else {
        let prefix = filter
            .micro
            .or(filter.community.map(|c| c.get(..12).unwrap_or(c)))
            .unwrap_or("");
        h.at_level(GridLevel::Unit)
            .filter(|&i| h.get(i).code.as_str().starts_with(prefix))
            .count()
    };
    let households = wards.iter().map(|w| u64::from(w.households)).sum();
    Ok(Json(WardList {
        units: u32::try_from(units).unwrap_or(u32::MAX),
        unassigned: u32::try_from(units.saturating_sub(wards.len())).unwrap_or(u32::MAX),
        households,
        wards,
    }))
}

/// `GET /api/wards/{unit}`: who answers for a unit, for the ticket card.
async fn ward(
    State(sources): State<DiarySources>,
    caller: Caller,
    Path(unit): Path<String>,
) -> Result<Json<UnitWard>, ApiError> {
    let view = sources.grids.view();
    let held = held_to(&caller, &view)?;
    let code = GridCode::parse(&unit)
        .ok()
        .filter(|c| {
            view.hierarchy()
                .by_code(c)
                .is_some_and(|g| g.level() == GridLevel::Unit)
        })
        .ok_or_else(|| DiaryError::NoSuchUnit(unit.clone()))?;
    if held.is_some_and(|c| code.community_code().as_ref() != Some(&c)) {
        return Err(DiaryError::NoSuchUnit(unit).into());
    }
    let ward = sources.store.ward(code.as_str()).await?;
    let mut named = named(&view, &code);
    named.name = unit_label(&view, &code);
    Ok(Json(UnitWard {
        unit: named,
        ward: ward.map(|w| ward_view(&view, w)),
    }))
}

/// Who may say which worker answers for which unit: the desk and the commanders.
fn may_assign(caller: &Caller) -> Result<(), ApiError> {
    Ok(caller.must_be(
        &[Role::Dispatcher, Role::Commander],
        "assign units to grid workers",
    )?)
}

/// `PUT /api/wards`: each unit given to its worker (all or none, every problem named with its
/// row: `wards[3].worker`).
async fn set_wards(
    State(sources): State<DiarySources>,
    caller: Caller,
    Json(input): Json<WardsInput>,
) -> Result<Response, ApiError> {
    may_assign(&caller)?;
    let view = sources.grids.view();
    let held = held_to(&caller, &view)?;
    let mut problems = Vec::new();
    if input.wards.is_empty() || input.wards.len() > MAX_WARDS_AT_ONCE {
        problems.push(problem(
            "wards",
            "INVALID_COUNT",
            format!("一次须设置 1 至 {MAX_WARDS_AT_ONCE} 个单元"),
            format!("Set from 1 to {MAX_WARDS_AT_ONCE} units at once"),
        ));
    }
    let mut records = Vec::with_capacity(input.wards.len());
    for (row, ward) in input.wards.iter().enumerate() {
        let at = |field: &str| format!("wards[{row}].{field}");
        let unit = match find_unit(&view, &ward.unit, None) {
            Ok(unit) => Some(unit),
            Err(p) => {
                problems.push(problem(&at("unit"), &p.code, p.message_zh, p.message_en));
                None
            }
        };
        let community = unit.as_ref().and_then(GridCode::community_code);
        if let (Some(held), Some(community)) = (held.as_ref(), community.as_ref())
            && held != community
        {
            return Err(AccessError::OutOfScope.into());
        }
        let worker = view.worker(ward.worker.trim());
        match (worker, community.as_ref()) {
            (None, _) => problems.push(problem(
                &at("worker"),
                "WORKER_NOT_FOUND",
                format!(
                    "第 {} 行：没有编号为“{}”的网格员",
                    row + 1,
                    ward.worker.trim()
                ),
                format!(
                    "Row {}: there is no grid worker {:?}",
                    row + 1,
                    ward.worker.trim()
                ),
            )),
            (Some(w), Some(c)) if w.grid.community_code().as_ref() != Some(c) => {
                problems.push(problem(
                    &at("worker"),
                    "WORKER_OUT_OF_SCOPE",
                    format!("第 {} 行：网格员{}不属于该单元所在社区", row + 1, w.name),
                    format!(
                        "Row {}: {} is not posted in the unit's community",
                        row + 1,
                        w.id
                    ),
                ));
            }
            _ => {}
        }
        if ward.households > MAX_UNIT_HOUSEHOLDS {
            problems.push(problem(
                &at("households"),
                "TOO_MANY",
                format!(
                    "第 {} 行：一个单元不能超过 {MAX_UNIT_HOUSEHOLDS} 户",
                    row + 1
                ),
                format!(
                    "Row {}: at most {MAX_UNIT_HOUSEHOLDS} households in a unit",
                    row + 1
                ),
            ));
        }
        if let (Some(unit), Some(community), Some(worker)) = (unit, community, worker) {
            let micro = view
                .hierarchy()
                .index_of(&unit)
                .and_then(|i| view.hierarchy().parent_of(i))
                .map(|i| view.hierarchy().get(i).code.to_string())
                .unwrap_or_default();
            records.push(WardRecord {
                unit_code: unit.to_string(),
                micro_code: micro,
                community_code: community.to_string(),
                worker_id: worker.id.clone(),
                households: ward.households,
            });
        }
    }
    if !problems.is_empty() {
        return Err(DiaryError::Invalid(problems).into());
    }
    let at = now();
    sources
        .store
        .set_wards(&records, &caller.principal.account, at)
        .await?;
    let target = match records.as_slice() {
        [one] => one.unit_code.clone(),
        many => format!("{} 个单元", many.len()),
    };
    let detail = records
        .iter()
        .take(20)
        .map(|r| format!("{}→{}", r.unit_code, r.worker_id))
        .collect::<Vec<_>>()
        .join(" ");
    let note = AuditNote::new("wards.set", &target).detail(&detail);
    // The wards as kept: one per unit (the last given wins), in unit-code order.
    let kept: std::collections::BTreeMap<String, WardRecord> = records
        .into_iter()
        .map(|r| (r.unit_code.clone(), r))
        .collect();
    let set: Vec<WardView> = kept
        .into_values()
        .map(|ward| {
            let kept = StoredWard {
                ward,
                updated_by: caller.principal.account.clone(),
                updated_at: at,
            };
            ward_view(&view, kept)
        })
        .collect();
    let households = set.iter().map(|w| u64::from(w.households)).sum();
    let count = u32::try_from(set.len()).unwrap_or(u32::MAX);
    let mut response = Json(WardList {
        wards: set,
        units: count,
        unassigned: 0,
        households,
    })
    .into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}

/// `DELETE /api/wards/{unit}`: nobody answers for the unit any more (204).
async fn clear_ward(
    State(sources): State<DiarySources>,
    caller: Caller,
    Path(unit): Path<String>,
) -> Result<Response, ApiError> {
    may_assign(&caller)?;
    let view = sources.grids.view();
    let held = held_to(&caller, &view)?;
    let code = find_unit(&view, &unit, None).map_err(|_| DiaryError::NoSuchUnit(unit.clone()))?;
    if held.is_some_and(|c| code.community_code().as_ref() != Some(&c)) {
        return Err(DiaryError::NoSuchUnit(unit).into());
    }
    sources.store.clear_wards(&[code.to_string()]).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .extensions_mut()
        .insert(AuditNote::new("wards.clear", code.as_str()));
    Ok(response)
}
