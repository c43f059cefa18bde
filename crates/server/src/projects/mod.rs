//! 治理项目 routes (issue 16): governance projects kept with their area, category, budget,
//! milestones, someone responsible and the tickets they answer; once one is done, its effect
//! from the requests before and after against the rest of the street (`binhe_core::projects`).
//! The desk sees and writes every project; a commander those whose whole area lies in their
//! community. Every change is audited (`projects.create`, `projects.update`).
//! Contract: docs/api-projects.md.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use binhe_api::error::{ErrorDetail, Problem};
use binhe_api::grids::NamedGrid;
use binhe_api::projects::{
    MAX_AREA_GRIDS, MAX_PROJECT_TICKETS, ProjectInput, ProjectList, ProjectTicket, ProjectView,
};
use binhe_core::access::Role;
use binhe_core::projects::{self, Milestone, ProjectDates, ProjectProblem, ProjectState};
use binhe_core::ticket::TicketId;
use binhe_core::ticket::intake::{IntakeProblem, beijing};
use binhe_core::{GridCode, GridLevel};
use binhe_store::{ProjectRecord, ProjectRepository, StoreError, StoredProject};
use chrono::NaiveDate;

use crate::dataset::{GridView, Grids};
use crate::desk::TicketDesk;
use crate::effects;
use crate::http::extract::Json;
use crate::http::{ApiError, AuditNote, Caller, Refusal};

/// What the project routes read: the grids (area names and scope), the projects, and the desk
/// (catalogue, linked tickets).
#[derive(Clone)]
pub struct ProjectSources {
    pub grids: Grids,
    pub store: Arc<dyn ProjectRepository>,
    pub desk: TicketDesk,
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    ProjectSources: FromRef<S>,
{
    Router::new()
        .route("/api/projects", get(list).post(create))
        .route("/api/projects/{id}", get(one).put(update))
}

/// Why a project route refused.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("the project is not valid: {}", .0.iter().map(|p| p.message_en.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ProjectProblem>),
    #[error("there is no project {0}")]
    NotFound(i64),
    #[error(
        "project {id} changed meanwhile (version {actual}, the change was based on {expected})"
    )]
    Stale { id: i64, expected: u32, actual: u32 },
    #[error("a commander may only keep projects inside their own community")]
    OutsideCommunity,
    #[error("project {0} is kept damaged: {1}")]
    Damaged(i64, String),
}

impl Refusal for ProjectError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Stale { .. } => StatusCode::CONFLICT,
            Self::OutsideCommunity => StatusCode::FORBIDDEN,
            Self::Damaged(..) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::Invalid(_) => "PROJECT_INVALID",
            Self::NotFound(_) => "PROJECT_NOT_FOUND",
            Self::Stale { .. } => "STALE_VERSION",
            Self::OutsideCommunity => "OUT_OF_SCOPE",
            Self::Damaged(..) => "PROJECT_DAMAGED",
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::Invalid(problems) => problems
                .iter()
                .map(|p| p.message_zh.as_str())
                .collect::<Vec<_>>()
                .join("；"),
            Self::NotFound(id) => format!("没有编号为 {id} 的治理项目"),
            Self::Stale { .. } => "该项目已被他人修改，请刷新后再改".to_owned(),
            Self::OutsideCommunity => "社区指挥只能管理本社区范围内的治理项目".to_owned(),
            Self::Damaged(..) => "保存的治理项目已损坏，无法读取".to_owned(),
        }
    }

    fn detail(&self) -> ErrorDetail {
        let mut detail = ErrorDetail::new(self.code(), self.message_zh(), self.to_string());
        if let Self::Invalid(problems) = self {
            detail.problems = problems
                .iter()
                .map(|p| {
                    Problem::Intake(IntakeProblem::new(
                        &p.field,
                        &p.code,
                        p.message_zh.clone(),
                        p.message_en.clone(),
                    ))
                })
                .collect();
            detail.field = problems.first().map(|p| p.field.clone());
        }
        if let Self::Damaged(..) = self {
            return ErrorDetail::new(self.code(), self.message_zh(), self.to_string());
        }
        detail
    }

    fn is_failure(&self) -> bool {
        matches!(self, Self::Damaged(..))
    }
}

fn problem(field: &str, code: &str, zh: String, en: String) -> ProjectProblem {
    ProjectProblem {
        field: field.to_owned(),
        code: code.to_owned(),
        message_zh: zh,
        message_en: en,
    }
}

/// The desk and the commanders may read and keep projects; grid workers may not.
fn may_use(caller: &Caller, action: &'static str) -> Result<(), ApiError> {
    caller.must_be(
        &[Role::Dispatcher, Role::Administrator, Role::Commander],
        action,
    )?;
    Ok(())
}

/// The commander's community, for a commander.
fn own_community(caller: &Caller) -> Option<&GridCode> {
    (caller.principal.role == Role::Commander)
        .then_some(caller.principal.community.as_ref())
        .flatten()
}

/// Today's date in Beijing.
fn today() -> NaiveDate {
    crate::desk::now().with_timezone(&beijing()).date_naive()
}

/// A project as written, checked against the grids, the catalogue and the tickets: what to
/// keep, or every problem at once.
async fn record(
    sources: &ProjectSources,
    input: &ProjectInput,
    caller: &Caller,
) -> Result<ProjectRecord, ApiError> {
    let view = sources.grids.view();
    let state = input.state.unwrap_or(ProjectState::Planned);
    let mut problems = projects::check(&ProjectDates {
        title: &input.title,
        goal: &input.goal,
        state,
        started_on: input.started_on,
        finished_on: input.finished_on,
        budget_fen: input.budget_fen,
        milestones: &input.milestones,
        area_grids: input.area.len(),
    });
    if input.responsible.trim().is_empty() {
        problems.push(problem(
            "responsible",
            "MISSING_FIELD",
            "请填写责任人".to_owned(),
            "Name who is responsible".to_owned(),
        ));
    }
    let catalogue = sources.desk.catalogue();
    if let Some(code) = input.category.as_deref()
        && catalogue.categories.iter().all(|c| c.code != code)
    {
        problems.push(problem(
            "category",
            "UNKNOWN_CATEGORY",
            format!("没有“{code}”这个问题类别"),
            format!("There is no category {code:?}"),
        ));
    }
    let (area, communities) = area_of(&view, &input.area, &mut problems);
    let community_code = match communities.len() {
        1 => communities.into_iter().next(),
        _ => None,
    };
    if let Some(own) = own_community(caller)
        && community_code.as_deref() != Some(own.as_str())
        && !input.area.is_empty()
    {
        return Err(ProjectError::OutsideCommunity.into());
    }
    let mut tickets: Vec<TicketId> = input.tickets.clone();
    tickets.sort_unstable();
    tickets.dedup();
    if tickets.len() > MAX_PROJECT_TICKETS {
        problems.push(problem(
            "tickets",
            "TOO_MANY",
            format!("关联工单不能超过 {MAX_PROJECT_TICKETS} 件"),
            format!("At most {MAX_PROJECT_TICKETS} linked tickets"),
        ));
    } else if !tickets.is_empty() {
        let found = sources.store.existing_tickets(&tickets).await?;
        let missing: Vec<String> = tickets
            .iter()
            .filter(|id| found.binary_search(id).is_err())
            .map(ToString::to_string)
            .collect();
        if !missing.is_empty() {
            problems.push(problem(
                "tickets",
                "TICKET_NOT_FOUND",
                format!("没有这些工单：{}", missing.join("、")),
                format!("No such tickets: {}", missing.join(", ")),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(ProjectError::Invalid(problems).into());
    }
    let milestones = serde_json::to_string(&input.milestones)
        .map_err(|e| ProjectError::Damaged(0, e.to_string()))?;
    Ok(ProjectRecord {
        title: input.title.trim().to_owned(),
        goal: input.goal.trim().to_owned(),
        state: state.as_str().to_owned(),
        category: input.category.clone(),
        community_code,
        area,
        budget_fen: input.budget_fen,
        responsible: input.responsible.trim().to_owned(),
        started_on: input.started_on.map(|d| d.to_string()),
        finished_on: input.finished_on.map(|d| d.to_string()),
        milestones,
        hotspot: input.hotspot.clone().filter(|h| !h.trim().is_empty()),
        tickets,
    })
}

/// The area's codes as kept (micro-grids and communities only, each once, in the order given)
/// and the communities they lie in; problems for the rest.
fn area_of(
    view: &GridView,
    codes: &[String],
    problems: &mut Vec<ProjectProblem>,
) -> (Vec<String>, BTreeSet<String>) {
    let hierarchy = view.hierarchy();
    let mut area = Vec::new();
    let mut communities = BTreeSet::new();
    if codes.len() > MAX_AREA_GRIDS {
        problems.push(problem(
            "area",
            "TOO_MANY",
            format!("治理区域不能超过 {MAX_AREA_GRIDS} 个网格"),
            format!("At most {MAX_AREA_GRIDS} grids in the area"),
        ));
        return (area, communities);
    }
    for text in codes {
        let text = text.trim();
        // A code, or a name only one community or micro-grid has.
        let grid = GridCode::parse(text)
            .ok()
            .and_then(|code| hierarchy.index_of(&code));
        let named: Vec<_> = if grid.is_some() {
            Vec::new()
        } else {
            [GridLevel::Community, GridLevel::Micro]
                .into_iter()
                .flat_map(|level| hierarchy.at_level(level))
                .filter(|&i| hierarchy.get(i).name == text)
                .collect()
        };
        let index = match (grid, named.as_slice()) {
            (Some(index), _) => index,
            (None, [index]) => *index,
            (None, []) => {
                problems.push(problem(
                    "area",
                    "GRID_NOT_FOUND",
                    format!("没有编码或名称为“{text}”的网格"),
                    format!("There is no grid with the code or name {text:?}"),
                ));
                continue;
            }
            (None, _) => {
                problems.push(problem(
                    "area",
                    "AMBIGUOUS_NAME",
                    format!("“{text}”有 {} 个同名网格，请改用网格编码", named.len()),
                    format!(
                        "{} grids are named {text:?}: use the grid code",
                        named.len()
                    ),
                ));
                continue;
            }
        };
        let community = match hierarchy.get(index).level() {
            GridLevel::Community => Some(index),
            GridLevel::Micro => hierarchy.parent_of(index),
            GridLevel::Street | GridLevel::Unit => {
                problems.push(problem(
                    "area",
                    "NOT_MICRO_OR_COMMUNITY",
                    format!("治理区域只能由社区或微网格组成（{text} 不是）"),
                    format!("The area is made of communities and micro-grids ({text} is neither)"),
                ));
                continue;
            }
        };
        let code = hierarchy.get(index).code.to_string();
        if !area.contains(&code) {
            area.push(code);
        }
        if let Some(c) = community {
            communities.insert(hierarchy.get(c).code.to_string());
        }
    }
    (area, communities)
}

/// Names, tickets and effect of a kept project.
async fn view_of(
    sources: &ProjectSources,
    kept: StoredProject,
    today: NaiveDate,
) -> Result<ProjectView, ApiError> {
    let view = sources.grids.view();
    let hierarchy = view.hierarchy();
    let catalogue = sources.desk.catalogue();
    let id = kept.id;
    let p = kept.project;
    let state = ProjectState::from_code(&p.state)
        .ok_or_else(|| ProjectError::Damaged(id, format!("state {:?}", p.state)))?;
    let date = |text: &Option<String>| -> Result<Option<NaiveDate>, ProjectError> {
        text.as_deref()
            .map(|t| {
                t.parse()
                    .map_err(|e| ProjectError::Damaged(id, format!("date {t}: {e}")))
            })
            .transpose()
    };
    let (started_on, finished_on) = (date(&p.started_on)?, date(&p.finished_on)?);
    let milestones: Vec<Milestone> = serde_json::from_str(&p.milestones)
        .map_err(|e| ProjectError::Damaged(id, format!("milestones: {e}")))?;
    let named = |code: &str| {
        let grid = GridCode::parse(code)
            .ok()
            .and_then(|c| hierarchy.by_code(&c).cloned());
        NamedGrid {
            code: GridCode::parse(code).unwrap_or_else(|_| hierarchy.street().code.clone()),
            name: grid.map_or_else(|| code.to_owned(), |g| g.name),
        }
    };
    let area: Vec<NamedGrid> = p.area.iter().map(|c| named(c)).collect();
    let community = p.community_code.as_deref().map(named);
    let category_name = match p.category.as_deref() {
        Some(code) => catalogue
            .categories
            .iter()
            .find(|c| c.code == code)
            .map_or_else(|| code.to_owned(), |c| c.name_zh.clone()),
        None => "全部类别".to_owned(),
    };
    let mut tickets = Vec::with_capacity(p.tickets.len());
    for &ticket_id in &p.tickets {
        let Ok(ticket) = sources.desk.ticket(ticket_id).await else {
            continue;
        };
        let category_zh = catalogue
            .categories
            .iter()
            .find(|c| c.code == ticket.category)
            .map_or_else(|| ticket.category.clone(), |c| c.name_zh.clone());
        tickets.push(ProjectTicket {
            id: ticket_id,
            state: ticket.state,
            category_zh,
            received_at: ticket.received_at,
        });
    }
    let effect = match (state, started_on, finished_on) {
        (ProjectState::Done, Some(start), Some(end)) => {
            let view = sources.grids.view();
            let area = (p.area.as_slice(), p.category.as_deref());
            effects::measured(sources.store.as_ref(), &view, area, (start, end), today).await?
        }
        _ => None,
    };
    Ok(ProjectView {
        id,
        version: kept.version,
        title: p.title,
        goal: p.goal,
        state,
        state_zh: state.label_zh().to_owned(),
        state_en: state.label_en().to_owned(),
        category: p.category,
        category_name,
        area,
        community,
        budget_fen: p.budget_fen,
        responsible: p.responsible,
        started_on,
        finished_on,
        milestones,
        hotspot: p.hotspot,
        tickets,
        created_by: kept.created_by,
        created_at: kept.created_at,
        updated_at: kept.updated_at,
        effect,
    })
}

/// `GET /api/projects`: every project the caller may see, newest first.
async fn list(
    State(sources): State<ProjectSources>,
    caller: Caller,
) -> Result<Json<ProjectList>, ApiError> {
    may_use(&caller, "read governance projects")?;
    let community = own_community(&caller).map(GridCode::as_str);
    if caller.principal.role == Role::Commander && community.is_none() {
        return Ok(Json(ProjectList {
            projects: Vec::new(),
            done: 0,
            avoided: 0.0,
        }));
    }
    let today = today();
    let mut projects = Vec::new();
    for kept in sources.store.projects(community).await? {
        projects.push(view_of(&sources, kept, today).await?);
    }
    let done = projects
        .iter()
        .filter(|p| p.state == ProjectState::Done)
        .count();
    let avoided = projects
        .iter()
        .filter_map(|p| p.effect.as_ref())
        .map(|e| e.effect.avoided)
        .sum();
    Ok(Json(ProjectList {
        projects,
        done: u32::try_from(done).unwrap_or(u32::MAX),
        avoided,
    }))
}

/// The project `id` if the caller may see it.
async fn visible(
    sources: &ProjectSources,
    caller: &Caller,
    id: i64,
) -> Result<StoredProject, ApiError> {
    let kept = sources
        .store
        .project(id)
        .await?
        .ok_or(ProjectError::NotFound(id))?;
    if let Some(own) = own_community(caller)
        && kept.project.community_code.as_deref() != Some(own.as_str())
    {
        // Outside the commander's community: as if it did not exist.
        return Err(ProjectError::NotFound(id).into());
    }
    Ok(kept)
}

/// `GET /api/projects/{id}`.
async fn one(
    State(sources): State<ProjectSources>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ProjectView>, ApiError> {
    may_use(&caller, "read governance projects")?;
    let kept = visible(&sources, &caller, id).await?;
    Ok(Json(view_of(&sources, kept, today()).await?))
}

/// `POST /api/projects`: a new project (201).
async fn create(
    State(sources): State<ProjectSources>,
    caller: Caller,
    Json(input): Json<ProjectInput>,
) -> Result<Response, ApiError> {
    may_use(&caller, "keep governance projects")?;
    let record = record(&sources, &input, &caller).await?;
    let kept = sources
        .store
        .create_project(&record, &caller.principal.account, crate::desk::now())
        .await?;
    let mut note = AuditNote::new("projects.create", &kept.id.to_string());
    note.detail = format!("{} · {}", record.title, record.state);
    let view = view_of(&sources, kept, today()).await?;
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}

/// `PUT /api/projects/{id}`: the project as changed, based on `version`.
async fn update(
    State(sources): State<ProjectSources>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(input): Json<ProjectInput>,
) -> Result<Response, ApiError> {
    may_use(&caller, "keep governance projects")?;
    let before = visible(&sources, &caller, id).await?;
    let Some(version) = input.version else {
        return Err(ProjectError::Invalid(vec![problem(
            "version",
            "MISSING_FIELD",
            "缺少修改所依据的版本号".to_owned(),
            "The change must name the version it was based on".to_owned(),
        )])
        .into());
    };
    let record = record(&sources, &input, &caller).await?;
    let kept = match sources
        .store
        .update_project(id, version, &record, crate::desk::now())
        .await
    {
        Ok(Some(kept)) => kept,
        Ok(None) => return Err(ProjectError::NotFound(id).into()),
        Err(StoreError::ProjectConflict {
            id,
            expected,
            actual,
        }) => {
            return Err(ProjectError::Stale {
                id,
                expected,
                actual,
            }
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    let mut note = AuditNote::new("projects.update", &id.to_string());
    note.detail = if before.project.state == record.state {
        format!("{} · v{}", record.title, kept.version)
    } else {
        format!(
            "{} · {} → {} · v{}",
            record.title, before.project.state, record.state, kept.version
        )
    };
    let view = view_of(&sources, kept, today()).await?;
    let mut response = Json(view).into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}
