//! The three circles and the 居民议事厅 (issue 16): circle members per community and micro-grid
//! (邻里圈 residents, 商户圈 merchants, 单位圈 units; party members marked), meetings (议事)
//! with their minutes, decision and vote, linked to the ticket or 治理项目 they were about, and
//! the cost a meeting shared among its members — each share reckoned by `binhe_core::circles::
//! shares`, paid or not. Personal data reaches only the community's commander and the workers of
//! the member's micro-grid (`binhe_core::circles::sees_personal`); the desk sees it masked.
//!
//! Who may do what: everyone reads within their community (the desk and administrators the
//! street's); a dispatcher and a commander (their community) add and remove members, record
//! meetings, payments and what was solved; a grid worker adds members of their own micro-grid;
//! an administrator only reads. Writes are audited
//! (`circles.add`, `circles.leave`, `deliberation.create`, `deliberation.paid`,
//! `deliberation.solved`). Contract: docs/api-circles.md.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use binhe_api::circles::{
    CircleCount, CircleList, CircleQuery, DeliberationInput, DeliberationList, DeliberationView,
    LinkedProject, MAX_MEETINGS_LISTED, MAX_PARTICIPANTS, MAX_SHARERS, MemberInput, MemberView,
    PaidInput, ShareView, SharingInput, SharingView, SolvedInput,
};
use binhe_api::error::ErrorDetail;
use binhe_core::access::{AccessError, Role};
use binhe_core::circles::{
    self, Circle, MeetingDraft, MemberDraft, Outcome, ShareBasis, ShareError, ShareRule,
};
use binhe_core::ticket::intake::IntakeProblem;
use binhe_core::{GridCode, GridLevel};
use binhe_store::{
    CircleRepository, CostRecord, DeliberationFilter, DeliberationRecord, MemberFilter,
    MemberRecord, Payment, ProjectRepository, ShareRecord, StoredDeliberation, StoredMember,
};

use crate::dataset::{GridView, Grids};
use crate::desk::{TicketDesk, now};
use crate::http::error::{problems_en, problems_zh, with_problems};
use crate::http::extract::{Json, Query};
use crate::http::{ApiError, AuditNote, Caller, Refusal};
use crate::places::{find_grid, held_to, named_text};

/// What the circle routes read: the grids, the members and meetings, the tickets (a meeting's
/// ticket must be one of its community's) and the projects.
#[derive(Clone)]
pub struct CircleSources {
    pub grids: Grids,
    pub store: Arc<dyn CircleRepository>,
    pub desk: TicketDesk,
    pub projects: Arc<dyn ProjectRepository>,
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    CircleSources: FromRef<S>,
{
    Router::new()
        .route("/api/circles", get(members).post(add_member))
        .route("/api/circles/{id}", delete(leave))
        .route("/api/deliberations", get(deliberations).post(create))
        .route("/api/deliberations/{id}", get(deliberation))
        .route("/api/deliberations/{id}/shares/{member}", put(set_paid))
        .route("/api/deliberations/{id}/solved", put(set_solved))
}

/// Why a circle route refused.
#[derive(Debug, thiserror::Error)]
pub enum CircleError {
    #[error("the member is not valid: {}", problems_en(.0))]
    InvalidMember(Vec<IntakeProblem>),
    #[error("the meeting is not valid: {}", problems_en(.0))]
    InvalidMeeting(Vec<IntakeProblem>),
    #[error("there is no circle member {0}")]
    MemberNotFound(i64),
    #[error("there is no meeting {0}")]
    NotFound(i64),
    #[error("member {member} has no share in meeting {id}")]
    NoShare { id: i64, member: i64 },
    #[error("meeting {0} did not agree on a decision, so nothing was solved through it")]
    NotAgreed(i64),
}

impl Refusal for CircleError {
    fn status(&self) -> StatusCode {
        match self {
            Self::InvalidMember(_) | Self::InvalidMeeting(_) => StatusCode::BAD_REQUEST,
            Self::MemberNotFound(_) | Self::NotFound(_) | Self::NoShare { .. } => {
                StatusCode::NOT_FOUND
            }
            Self::NotAgreed(_) => StatusCode::CONFLICT,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::InvalidMember(_) => "CIRCLE_INVALID",
            Self::InvalidMeeting(_) => "DELIBERATION_INVALID",
            Self::MemberNotFound(_) => "MEMBER_NOT_FOUND",
            Self::NotFound(_) => "DELIBERATION_NOT_FOUND",
            Self::NoShare { .. } => "SHARE_NOT_FOUND",
            Self::NotAgreed(_) => "NOT_AGREED",
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::InvalidMember(problems) | Self::InvalidMeeting(problems) => problems_zh(problems),
            Self::MemberNotFound(id) => format!("没有编号为 {id} 的圈内成员"),
            Self::NotFound(id) => format!("没有编号为 {id} 的议事记录"),
            Self::NoShare { member, .. } => format!("成员 {member} 不承担这次议事的费用"),
            Self::NotAgreed(_) => "议事未通过决定，不能记为已解决".to_owned(),
        }
    }

    fn detail(&self) -> ErrorDetail {
        let detail = ErrorDetail::new(self.code(), self.message_zh(), self.to_string());
        match self {
            Self::InvalidMember(problems) | Self::InvalidMeeting(problems) => {
                with_problems(detail, problems)
            }
            _ => detail,
        }
    }
}

fn problem(field: &str, code: &str, zh: String, en: String) -> IntakeProblem {
    IntakeProblem::new(field, code, zh, en)
}

/// Who a caller is, as far as the circles go: the community they are held to and, for a grid
/// worker, their micro-grid.
struct Reach {
    held: Option<GridCode>,
    micro: Option<GridCode>,
    role: Role,
}

impl Reach {
    fn of(caller: &Caller, view: &GridView) -> Result<Self, ApiError> {
        let held = held_to(caller, view)?;
        let micro = match caller.principal.role {
            Role::Worker => caller
                .principal
                .worker_id
                .as_deref()
                .and_then(|id| view.worker(id))
                .and_then(|w| micro_of(&w.grid)),
            _ => None,
        };
        Ok(Self {
            held,
            micro,
            role: caller.principal.role,
        })
    }

    fn reaches(&self, community: &str) -> bool {
        self.held.as_ref().is_none_or(|c| c.as_str() == community)
    }

    fn sees_personal(&self, m: &MemberRecord) -> bool {
        let in_micro = self
            .micro
            .as_ref()
            .is_some_and(|micro| m.micro_code.as_deref() == Some(micro.as_str()));
        circles::sees_personal(self.role, self.reaches(&m.community_code), in_micro)
    }

    /// Meetings, payments and what was solved are the dispatchers' and the commanders' (an
    /// administrator keeps the accounts, not the street's records).
    fn may_record(&self, action: &'static str) -> Result<(), ApiError> {
        match self.role {
            Role::Worker | Role::Administrator => Err(AccessError::Role {
                role: self.role.as_str(),
                action,
            }
            .into()),
            Role::Dispatcher | Role::Commander => Ok(()),
        }
    }
}

/// The micro-grid a grid (a micro-grid or a unit) lies in.
fn micro_of(grid: &GridCode) -> Option<GridCode> {
    match grid.level() {
        GridLevel::Micro => Some(grid.clone()),
        GridLevel::Unit => grid.parent(),
        GridLevel::Street | GridLevel::Community => None,
    }
}

fn member_view(view: &GridView, reach: &Reach, kept: &StoredMember) -> MemberView {
    let m = &kept.member;
    let circle = Circle::from_code(&m.circle).unwrap_or(Circle::Neighbours);
    let personal = reach.sees_personal(m);
    let (name, contact, address) = if personal {
        (m.name.clone(), m.contact.clone(), m.address.clone())
    } else if circle == Circle::Neighbours {
        (
            circles::masked_name(&m.name),
            circles::masked_name(&m.contact),
            circles::masked_address(&m.address),
        )
    } else {
        // A shop's or a unit's name and address are public; the person to call is not.
        (
            m.name.clone(),
            circles::masked_name(&m.contact),
            m.address.clone(),
        )
    };
    MemberView {
        id: kept.id,
        circle,
        circle_zh: circle.label_zh().to_owned(),
        circle_en: circle.label_en().to_owned(),
        community: named_text(view, &m.community_code),
        micro: m.micro_code.as_deref().map(|c| named_text(view, c)),
        name,
        contact,
        phone: personal.then(|| m.phone.clone()).filter(|p| !p.is_empty()),
        address,
        area_m2: m.area_m2,
        party_member: m.party_member,
        personal,
        joined_at: kept.joined_at,
        left_at: kept.left_at,
    }
}

/// The community and micro-grid a record is placed in: the micro-grid given (by code or
/// unique name) and its community, or the community given (or the caller's own).
fn place(
    view: &GridView,
    reach: &Reach,
    community: Option<&str>,
    micro: Option<&str>,
    problems: &mut Vec<IntakeProblem>,
) -> Result<Option<(GridCode, Option<GridCode>)>, ApiError> {
    let micro = match micro.map(str::trim).filter(|m| !m.is_empty()) {
        Some(text) => match find_grid(view, text, GridLevel::Micro) {
            Ok(code) => Some(code),
            Err(p) => {
                problems.push(p);
                return Ok(None);
            }
        },
        None => None,
    };
    let community = match (community.map(str::trim).filter(|c| !c.is_empty()), &micro) {
        (Some(text), _) => match find_grid(view, text, GridLevel::Community) {
            Ok(code) => code,
            Err(p) => {
                problems.push(p);
                return Ok(None);
            }
        },
        (None, Some(micro)) => micro.community_code().unwrap_or_else(|| micro.clone()),
        (None, None) => {
            let Some(held) = &reach.held else {
                problems.push(problem(
                    "community",
                    "MISSING_FIELD",
                    "请选择社区".to_owned(),
                    "Choose the community".to_owned(),
                ));
                return Ok(None);
            };
            held.clone()
        }
    };
    if !reach.reaches(community.as_str()) {
        return Err(AccessError::OutOfScope.into());
    }
    if let Some(m) = &micro
        && m.community_code().as_ref() != Some(&community)
    {
        problems.push(problem(
            "micro",
            "NOT_IN_COMMUNITY",
            format!(
                "{}不在{}内",
                named_text(view, m.as_str()).name,
                named_text(view, community.as_str()).name
            ),
            format!("{m} is not in {community}"),
        ));
        return Ok(None);
    }
    Ok(Some((community, micro)))
}

/// The community and micro-grid a list asks for, within the caller's reach.
fn asked_place<'q>(
    reach: &'q Reach,
    query: &'q CircleQuery,
) -> Result<(Option<&'q str>, Option<&'q str>), ApiError> {
    let community = query.community.as_deref().filter(|c| !c.is_empty());
    let micro = query.micro.as_deref().filter(|c| !c.is_empty());
    if let Some(held) = &reach.held {
        // Compared whole, never cut: a query's text may be anything.
        let outside = community.is_some_and(|c| c != held.as_str())
            || micro.is_some_and(|m| !m.starts_with(held.scope_prefix()));
        if outside {
            return Err(AccessError::OutOfScope.into());
        }
        return Ok((Some(held.as_str()), micro));
    }
    Ok((community, micro))
}

/// `GET /api/circles`.
async fn members(
    State(sources): State<CircleSources>,
    caller: Caller,
    Query(query): Query<CircleQuery>,
) -> Result<Json<CircleList>, ApiError> {
    let view = sources.grids.view();
    let reach = Reach::of(&caller, &view)?;
    let circle = match query.circle.as_deref().filter(|c| !c.is_empty()) {
        Some(code) => Some(
            Circle::from_code(code)
                .ok_or_else(|| CircleError::InvalidMember(vec![unknown_circle(code)]))?,
        ),
        None => None,
    };
    let (community, micro) = asked_place(&reach, &query)?;
    let kept = sources
        .store
        .members(&MemberFilter {
            community,
            micro,
            ..MemberFilter::default()
        })
        .await?;
    let counts = Circle::ALL
        .iter()
        .map(|&c| {
            let of: Vec<_> = kept
                .iter()
                .filter(|m| m.member.circle == c.as_str())
                .collect();
            CircleCount {
                circle: c,
                circle_zh: c.label_zh().to_owned(),
                circle_en: c.label_en().to_owned(),
                members: u32::try_from(of.len()).unwrap_or(u32::MAX),
                party_members: u32::try_from(of.iter().filter(|m| m.member.party_member).count())
                    .unwrap_or(u32::MAX),
            }
        })
        .collect();
    // In the circles' own order (邻里圈, 商户圈, 单位圈), then by name as kept.
    let rank = |m: &StoredMember| {
        Circle::ALL
            .iter()
            .position(|c| c.as_str() == m.member.circle)
    };
    let mut listed: Vec<&StoredMember> = kept
        .iter()
        .filter(|m| circle.is_none_or(|c| m.member.circle == c.as_str()))
        .collect();
    listed.sort_by_key(|m| rank(m));
    let members = listed
        .into_iter()
        .map(|m| member_view(&view, &reach, m))
        .collect();
    Ok(Json(CircleList { members, counts }))
}

fn unknown_circle(code: &str) -> IntakeProblem {
    problem(
        "circle",
        "UNKNOWN_CIRCLE",
        format!("没有“{code}”这个圈（邻里圈 neighbours、商户圈 merchants、单位圈 units）"),
        format!("No circle {code:?}: neighbours, merchants or units"),
    )
}

/// `POST /api/circles`.
async fn add_member(
    State(sources): State<CircleSources>,
    caller: Caller,
    Json(input): Json<MemberInput>,
) -> Result<Response, ApiError> {
    let view = sources.grids.view();
    let reach = Reach::of(&caller, &view)?;
    if reach.role == Role::Administrator {
        return Err(AccessError::Role {
            role: reach.role.as_str(),
            action: "add circle members",
        }
        .into());
    }
    let mut problems = Vec::new();
    let micro_asked = match (reach.role, input.micro.as_deref()) {
        // A grid worker adds the people of their own micro-grid.
        (Role::Worker, None | Some("")) => reach.micro.as_ref().map(GridCode::as_str),
        (_, micro) => micro,
    };
    let placed = place(
        &view,
        &reach,
        input.community.as_deref(),
        micro_asked,
        &mut problems,
    )?;
    if reach.role == Role::Worker
        && let Some((_, micro)) = &placed
        && (micro.is_none() || micro != &reach.micro)
    {
        return Err(AccessError::OutOfScope.into());
    }
    if input.circle.is_none() {
        problems.push(problem(
            "circle",
            "MISSING_FIELD",
            "请选择邻里圈、商户圈或单位圈".to_owned(),
            "Choose the circle".to_owned(),
        ));
    }
    let circle = input.circle.unwrap_or(Circle::Neighbours);
    problems.extend(circles::check_member(&MemberDraft {
        circle,
        name: &input.name,
        contact: &input.contact,
        phone: &input.phone,
        address: &input.address,
        area_m2: input.area_m2,
    }));
    let Some((community, micro)) = placed.filter(|_| problems.is_empty()) else {
        return Err(CircleError::InvalidMember(problems).into());
    };
    let record = MemberRecord {
        community_code: community.to_string(),
        micro_code: micro.map(|m| m.to_string()),
        circle: circle.as_str().to_owned(),
        name: input.name.trim().to_owned(),
        contact: input.contact.trim().to_owned(),
        phone: circles::phone_digits(&input.phone).unwrap_or_default(),
        address: input.address.trim().to_owned(),
        area_m2: input.area_m2,
        party_member: input.party_member,
    };
    let kept = sources
        .store
        .add_member(&record, &caller.principal.account, now())
        .await?;
    // The audit names the member by id and circle, not by their personal data.
    let note = AuditNote::new("circles.add", &kept.id.to_string()).detail(&format!(
        "{} · {}",
        circle.label_zh(),
        record
            .micro_code
            .as_deref()
            .unwrap_or(&record.community_code)
    ));
    let mut response =
        (StatusCode::CREATED, Json(member_view(&view, &reach, &kept))).into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}

/// `DELETE /api/circles/{id}`: the member leaves their circle (and stays named in the meetings
/// they were at).
async fn leave(
    State(sources): State<CircleSources>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let view = sources.grids.view();
    let reach = Reach::of(&caller, &view)?;
    reach.may_record("take members out of a circle")?;
    let kept = sources
        .store
        .members_by_id(&[id])
        .await?
        .pop()
        .filter(|m| reach.reaches(&m.member.community_code))
        .ok_or(CircleError::MemberNotFound(id))?;
    let left = sources
        .store
        .leave_circle(kept.id, now())
        .await?
        .ok_or(CircleError::MemberNotFound(id))?;
    let mut response = Json(member_view(&view, &reach, &left)).into_response();
    response
        .extensions_mut()
        .insert(AuditNote::new("circles.leave", &id.to_string()));
    Ok(response)
}

/// The views of meetings, with the members they name read once.
async fn deliberation_views(
    sources: &CircleSources,
    view: &GridView,
    reach: &Reach,
    kept: Vec<StoredDeliberation>,
) -> Result<Vec<DeliberationView>, ApiError> {
    let mut ids: Vec<i64> = kept
        .iter()
        .flat_map(|d| {
            d.deliberation
                .participants
                .iter()
                .copied()
                .chain(d.deliberation.shares.iter().map(|s| s.member_id))
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let members: BTreeMap<i64, MemberView> = sources
        .store
        .members_by_id(&ids)
        .await?
        .iter()
        .map(|m| (m.id, member_view(view, reach, m)))
        .collect();
    let mut views = Vec::with_capacity(kept.len());
    for d in kept {
        let project = match d.deliberation.project_id {
            Some(id) => sources.projects.project(id).await?.map(|p| LinkedProject {
                id,
                title: p.project.title,
            }),
            None => None,
        };
        views.push(deliberation_view(view, &members, d, project));
    }
    Ok(views)
}

fn deliberation_view(
    view: &GridView,
    members: &BTreeMap<i64, MemberView>,
    kept: StoredDeliberation,
    project: Option<LinkedProject>,
) -> DeliberationView {
    let d = kept.deliberation;
    let outcome = circles::outcome(d.votes, &d.decision);
    let sharing = d.cost.map(|cost| {
        let rule = ShareRule::from_code(&cost.rule).unwrap_or(ShareRule::Equal);
        let shares: Vec<ShareView> = d
            .shares
            .iter()
            .filter_map(|s| {
                Some(ShareView {
                    member: members.get(&s.member_id)?.clone(),
                    basis: ShareBasis {
                        area_m2: s.area_m2,
                        agreed_fen: s.agreed_fen,
                    },
                    amount_fen: s.amount_fen,
                    paid_at: s.paid.as_ref().map(|p| p.at),
                    paid_recorded_by: s.paid.as_ref().map(|p| p.by.clone()),
                })
            })
            .collect();
        let paid: Vec<&ShareView> = shares.iter().filter(|s| s.paid_at.is_some()).collect();
        SharingView {
            item: cost.item,
            total_fen: cost.total_fen,
            rule,
            rule_zh: rule.label_zh().to_owned(),
            rule_en: rule.label_en().to_owned(),
            paid_fen: paid.iter().map(|s| s.amount_fen).sum(),
            paid: u32::try_from(paid.len()).unwrap_or(u32::MAX),
            shares,
        }
    });
    DeliberationView {
        id: kept.id,
        community: named_text(view, &d.community_code),
        micro: d.micro_code.as_deref().map(|c| named_text(view, c)),
        topic: d.topic,
        place: d.place,
        held_at: d.held_at,
        ticket: d.ticket_id,
        project,
        participants: d
            .participants
            .iter()
            .filter_map(|id| members.get(id).cloned())
            .collect(),
        attendees: d.attendees,
        minutes: d.minutes,
        decision: d.decision,
        votes: d.votes,
        outcome,
        outcome_zh: outcome.label_zh().to_owned(),
        outcome_en: outcome.label_en().to_owned(),
        sharing,
        solved_at: kept.solved_at,
        recorded_by: kept.recorded_by,
        recorded_at: kept.recorded_at,
    }
}

/// `GET /api/deliberations`.
async fn deliberations(
    State(sources): State<CircleSources>,
    caller: Caller,
    Query(query): Query<CircleQuery>,
) -> Result<Json<DeliberationList>, ApiError> {
    let view = sources.grids.view();
    let reach = Reach::of(&caller, &view)?;
    let (community, micro) = asked_place(&reach, &query)?;
    let kept = sources
        .store
        .deliberations(&DeliberationFilter {
            community,
            micro,
            solved_between: None,
            limit: MAX_MEETINGS_LISTED,
        })
        .await?;
    let deliberations = deliberation_views(&sources, &view, &reach, kept).await?;
    let solved = deliberations
        .iter()
        .filter(|d| d.solved_at.is_some())
        .count();
    Ok(Json(DeliberationList {
        total: u32::try_from(deliberations.len()).unwrap_or(u32::MAX),
        solved: u32::try_from(solved).unwrap_or(u32::MAX),
        deliberations,
    }))
}

/// The meeting `id` if the caller may read it (as if it did not exist otherwise).
async fn visible(
    sources: &CircleSources,
    reach: &Reach,
    id: i64,
) -> Result<StoredDeliberation, ApiError> {
    sources
        .store
        .deliberation(id)
        .await?
        .filter(|d| reach.reaches(&d.deliberation.community_code))
        .ok_or_else(|| CircleError::NotFound(id).into())
}

async fn one_view(
    sources: &CircleSources,
    view: &GridView,
    reach: &Reach,
    id: i64,
) -> Result<DeliberationView, ApiError> {
    let kept = visible(sources, reach, id).await?;
    let mut views = deliberation_views(sources, view, reach, vec![kept]).await?;
    views.pop().ok_or_else(|| CircleError::NotFound(id).into())
}

/// `GET /api/deliberations/{id}`.
async fn deliberation(
    State(sources): State<CircleSources>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<DeliberationView>, ApiError> {
    let view = sources.grids.view();
    let reach = Reach::of(&caller, &view)?;
    Ok(Json(one_view(&sources, &view, &reach, id).await?))
}

/// A share problem named with its field: the total, or the sharer (`sharers.N`).
fn share_problem(error: &ShareError) -> IntakeProblem {
    let field = match error {
        ShareError::NoSharers => "sharers".to_owned(),
        ShareError::TotalNotPositive | ShareError::AgreedNotTotal { .. } => "total_fen".to_owned(),
        ShareError::MissingArea { index } | ShareError::MissingAmount { index } => {
            format!("sharers.{index}")
        }
    };
    problem(&field, error.code(), error.message_zh(), error.to_string())
}

/// The shares of a meeting's cost among members of `community` (`members` read by id), or
/// what is wrong with them.
fn reckon(
    sharing: &SharingInput,
    community: &GridCode,
    members: &BTreeMap<i64, StoredMember>,
    problems: &mut Vec<IntakeProblem>,
) -> Option<(CostRecord, Vec<ShareRecord>)> {
    let before = problems.len();
    if sharing.item.chars().count() > circles::MAX_NAME_CHARS {
        problems.push(problem(
            "item",
            "TOO_LONG",
            format!("费用事项不能超过 {} 个字", circles::MAX_NAME_CHARS),
            "The item is too long".to_owned(),
        ));
    }
    if sharing.total_fen > circles::MAX_COST_FEN {
        problems.push(problem(
            "total_fen",
            "TOO_LARGE",
            format!(
                "总费用不能超过 {} 元",
                circles::format_yuan(circles::MAX_COST_FEN)
            ),
            "The cost is too large".to_owned(),
        ));
    }
    if sharing.sharers.len() > MAX_SHARERS {
        problems.push(problem(
            "sharers",
            "TOO_MANY",
            format!("分摊人不能超过 {MAX_SHARERS} 位"),
            format!("At most {MAX_SHARERS} sharers"),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut basis = Vec::with_capacity(sharing.sharers.len());
    for (i, s) in sharing.sharers.iter().enumerate() {
        let Some(member) = members
            .get(&s.member)
            .filter(|m| m.member.community_code == community.as_str() && m.left_at.is_none())
        else {
            problems.push(problem(
                &format!("sharers.{i}"),
                "NOT_A_MEMBER",
                format!("第 {} 位分摊人不是本社区的圈内成员", i + 1),
                format!(
                    "Sharer {} is not a member of the community's circles",
                    i + 1
                ),
            ));
            continue;
        };
        if !seen.insert(s.member) {
            problems.push(problem(
                &format!("sharers.{i}"),
                "DUPLICATE_SHARER",
                format!("第 {} 位分摊人重复", i + 1),
                format!("Sharer {} is listed twice", i + 1),
            ));
        }
        basis.push(ShareBasis {
            area_m2: s.basis.area_m2.or(member.member.area_m2),
            agreed_fen: s.basis.agreed_fen,
        });
    }
    if problems.len() > before {
        return None;
    }
    match circles::shares(sharing.total_fen, sharing.rule, &basis) {
        Ok(amounts) => Some((
            CostRecord {
                item: sharing.item.trim().to_owned(),
                total_fen: sharing.total_fen,
                rule: sharing.rule.as_str().to_owned(),
            },
            sharing
                .sharers
                .iter()
                .zip(basis)
                .zip(amounts)
                .map(|((s, b), amount_fen)| ShareRecord {
                    member_id: s.member,
                    area_m2: (sharing.rule == ShareRule::ByArea)
                        .then_some(b.area_m2)
                        .flatten(),
                    agreed_fen: (sharing.rule == ShareRule::Agreed)
                        .then_some(b.agreed_fen)
                        .flatten(),
                    amount_fen,
                    paid: None,
                })
                .collect(),
        )),
        Err(error) => {
            problems.push(share_problem(&error));
            None
        }
    }
}

/// A meeting's ticket must be one of its community's; its project must exist.
async fn check_links(
    sources: &CircleSources,
    input: &DeliberationInput,
    community: &GridCode,
    problems: &mut Vec<IntakeProblem>,
) -> Result<(), ApiError> {
    if let Some(id) = input.ticket {
        let ticket = sources.desk.store().ticket(id).await?;
        let theirs = ticket.is_some_and(|t| t.routing.community.as_ref() == Some(community));
        if !theirs {
            problems.push(problem(
                "ticket",
                "TICKET_NOT_FOUND",
                format!("本社区没有编号为 {id} 的工单"),
                format!("The community has no ticket {id}"),
            ));
        }
    }
    if let Some(id) = input.project
        && sources.projects.project(id).await?.is_none()
    {
        problems.push(problem(
            "project",
            "PROJECT_NOT_FOUND",
            format!("没有编号为 {id} 的治理项目"),
            format!("There is no project {id}"),
        ));
    }
    Ok(())
}

/// `POST /api/deliberations`.
async fn create(
    State(sources): State<CircleSources>,
    caller: Caller,
    Json(input): Json<DeliberationInput>,
) -> Result<Response, ApiError> {
    let view = sources.grids.view();
    let reach = Reach::of(&caller, &view)?;
    reach.may_record("record meetings of the circles")?;
    let mut problems = Vec::new();
    let placed = place(
        &view,
        &reach,
        input.community.as_deref(),
        input.micro.as_deref(),
        &mut problems,
    )?;
    let at = now();
    let held_at = input.held_at.unwrap_or(at);
    problems.extend(circles::check_meeting(&MeetingDraft {
        topic: &input.topic,
        place: &input.place,
        held_at,
        attendees: input.attendees,
        named: input.participants.len(),
        minutes: &input.minutes,
        decision: &input.decision,
        votes: input.votes,
        now: at,
    }));
    if input.participants.len() > MAX_PARTICIPANTS {
        problems.push(problem(
            "participants",
            "TOO_MANY",
            format!("列出的参会成员不能超过 {MAX_PARTICIPANTS} 位"),
            format!("At most {MAX_PARTICIPANTS} participants"),
        ));
    }
    let Some((community, micro)) = placed else {
        return Err(CircleError::InvalidMeeting(problems).into());
    };
    let mut ids: Vec<i64> = input.participants.clone();
    if let Some(sharing) = &input.sharing {
        ids.extend(sharing.sharers.iter().map(|s| s.member));
    }
    ids.sort_unstable();
    ids.dedup();
    ids.truncate(MAX_PARTICIPANTS + MAX_SHARERS);
    let members: BTreeMap<i64, StoredMember> = sources
        .store
        .members_by_id(&ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let strangers: Vec<String> = input
        .participants
        .iter()
        .filter(|id| {
            members
                .get(id)
                .is_none_or(|m| m.member.community_code != community.as_str())
        })
        .map(ToString::to_string)
        .collect();
    if !strangers.is_empty() {
        problems.push(problem(
            "participants",
            "NOT_A_MEMBER",
            format!("成员 {} 不是本社区的圈内成员", strangers.join("、")),
            format!(
                "Members {} are not in the community's circles",
                strangers.join(", ")
            ),
        ));
    }
    check_links(&sources, &input, &community, &mut problems).await?;
    let cost = input
        .sharing
        .as_ref()
        .and_then(|s| reckon(s, &community, &members, &mut problems));
    if !problems.is_empty() {
        return Err(CircleError::InvalidMeeting(problems).into());
    }
    let (cost, shares) = cost.map_or((None, Vec::new()), |(c, s)| (Some(c), s));
    let record = DeliberationRecord {
        community_code: community.to_string(),
        micro_code: micro.map(|m| m.to_string()),
        topic: input.topic.trim().to_owned(),
        place: input.place.trim().to_owned(),
        held_at,
        ticket_id: input.ticket,
        project_id: input.project,
        participants: input.participants.clone(),
        attendees: input.attendees,
        minutes: input.minutes.trim().to_owned(),
        decision: input.decision.trim().to_owned(),
        votes: input.votes,
        cost,
        shares,
    };
    let kept = sources
        .store
        .add_deliberation(&record, &caller.principal.account, at)
        .await?;
    let id = kept.id;
    let note = AuditNote::new("deliberation.create", &id.to_string()).detail(&format!(
        "{} · {}",
        record.topic,
        record.cost.as_ref().map_or_else(String::new, |c| format!(
            "¥{}",
            circles::format_yuan(c.total_fen)
        ))
    ));
    let views = deliberation_views(&sources, &view, &reach, vec![kept]).await?;
    let answer = views.into_iter().next().ok_or(CircleError::NotFound(id))?;
    let mut response = (StatusCode::CREATED, Json(answer)).into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}

/// `PUT /api/deliberations/{id}/shares/{member}`.
async fn set_paid(
    State(sources): State<CircleSources>,
    caller: Caller,
    Path((id, member)): Path<(i64, i64)>,
    Json(input): Json<PaidInput>,
) -> Result<Response, ApiError> {
    let view = sources.grids.view();
    let reach = Reach::of(&caller, &view)?;
    reach.may_record("record payments")?;
    visible(&sources, &reach, id).await?;
    let paid = input.paid.then(|| Payment {
        at: now(),
        by: caller.principal.account.clone(),
    });
    if !sources.store.set_share_paid(id, member, paid).await? {
        return Err(CircleError::NoShare { id, member }.into());
    }
    let answer = one_view(&sources, &view, &reach, id).await?;
    let note = AuditNote::new("deliberation.paid", &format!("{id}/{member}"))
        .detail(if input.paid { "已缴" } else { "未缴" });
    let mut response = Json(answer).into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}

/// `PUT /api/deliberations/{id}/solved`.
async fn set_solved(
    State(sources): State<CircleSources>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(input): Json<SolvedInput>,
) -> Result<Response, ApiError> {
    let view = sources.grids.view();
    let reach = Reach::of(&caller, &view)?;
    reach.may_record("mark problems solved")?;
    let kept = visible(&sources, &reach, id).await?;
    let d = &kept.deliberation;
    if input.solved && circles::outcome(d.votes, &d.decision) != Outcome::Agreed {
        return Err(CircleError::NotAgreed(id).into());
    }
    let at = input.solved.then(now);
    // Marking solved again keeps the first time it was.
    let at = if input.solved {
        kept.solved_at.or(at)
    } else {
        None
    };
    sources.store.set_solved(id, at).await?;
    let answer = one_view(&sources, &view, &reach, id).await?;
    let note = AuditNote::new("deliberation.solved", &id.to_string()).detail(if input.solved {
        "已解决"
    } else {
        "取消已解决"
    });
    let mut response = Json(answer).into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}
