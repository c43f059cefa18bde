//! The closed loop as a state machine.
//!
//! ```text
//! 接收 ──► 已上报 ──立案──► 待分派 ──分派──► 已分派 ──开始处置──► 处置中 ──反馈──► 待核查 ──核查──► 待结案 ──结案──► 已结案
//!            │  └─自行处置───────────────────────────────────────────┘    ▲   └──退回──┘                 ▲            │
//!            ├─注销─► 已注销           上交 / 下交 / 改派: 已分派 ──► 已分派      └──────── 重新办理（回访不满意）─┘
//!            └─合并─► 已合并 (取消合并 ─► 已上报)
//! ```
//!
//! [`decide`] says whether a command is allowed and which event it produces; [`Ticket::apply`]
//! folds an event into the ticket row, and [`replay`] rebuilds a row from its events alone.
//! 首接责任制: the first grid to receive the order becomes its owner and stays so until closure,
//! whatever is escalated or delegated (only undoing that very dispatch clears it).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::intake::Intake;
use super::routing::Routing;
use super::{
    Actor, ActorRole, Assignment, DuplicateFlag, EscalationLevel, HandlingMode, Outcome, Owner,
    Point, Satisfaction, Ticket, TicketId, TicketState,
};
use crate::grid::GridLevel;
pub use crate::vocabulary::ActionKind;

/// How long after a dispatch its author may take it back.
pub const UNDO_WINDOW: Duration = Duration::seconds(30);
pub const MAX_NOTE_CHARS: usize = 1000;
pub const MAX_PHOTOS: usize = 9;
pub const MAX_PHOTO_REF_CHARS: usize = 512;

/// What happened to a ticket; stored verbatim, so a ticket can be rebuilt from these alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    Received {
        intake: Intake,
        location: Option<Point>,
        routing: Routing,
        contact_due_at: DateTime<Utc>,
        due_at: DateTime<Utc>,
    },
    Registered {
        note: Option<String>,
    },
    Cancelled {
        reason: String,
    },
    Dispatched {
        assignment: Assignment,
        previous: Option<Assignment>,
        /// This dispatch made the grid the ticket's first receiver (owner).
        sets_owner: bool,
    },
    DispatchUndone {
        restored: Option<Assignment>,
        owner_cleared: bool,
    },
    SelfHandled {
        assignment: Assignment,
    },
    Started,
    Escalated {
        level: EscalationLevel,
        assignment: Assignment,
        reason: String,
    },
    Delegated {
        assignment: Assignment,
        note: Option<String>,
    },
    Contacted {
        note: Option<String>,
    },
    FedBack {
        outcome: Outcome,
        note: String,
        photos: Vec<String>,
    },
    Verified {
        satisfaction: Satisfaction,
        note: Option<String>,
    },
    Rejected {
        note: String,
    },
    Closed,
    Reopened {
        reason: String,
    },
    Relocated {
        location: Option<Point>,
        address: Option<String>,
        routing: Routing,
    },
    Merged {
        into: TicketId,
        distance_m: Option<f64>,
        automatic: bool,
    },
    Unmerged,
    DuplicateFlagged {
        flag: DuplicateFlag,
    },
    FlagDismissed,
}

impl Change {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Received { .. } => "received",
            Self::Registered { .. } => "registered",
            Self::Cancelled { .. } => "cancelled",
            Self::Dispatched { .. } => "dispatched",
            Self::DispatchUndone { .. } => "dispatch_undone",
            Self::SelfHandled { .. } => "self_handled",
            Self::Started => "started",
            Self::Escalated { .. } => "escalated",
            Self::Delegated { .. } => "delegated",
            Self::Contacted { .. } => "contacted",
            Self::FedBack { .. } => "fed_back",
            Self::Verified { .. } => "verified",
            Self::Rejected { .. } => "rejected",
            Self::Closed => "closed",
            Self::Reopened { .. } => "reopened",
            Self::Relocated { .. } => "relocated",
            Self::Merged { .. } => "merged",
            Self::Unmerged => "unmerged",
            Self::DuplicateFlagged { .. } => "duplicate_flagged",
            Self::FlagDismissed => "flag_dismissed",
        }
    }
}

/// One step on the record: who did what, when, from which state to which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketEvent {
    pub ticket_id: TicketId,
    /// 1 for the receipt, then one more per event: the ticket's version after it.
    pub version: u32,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub from: Option<TicketState>,
    pub to: TicketState,
    pub change: Change,
}

/// What a user (or the intake pipeline) asks to do. Grids and workers arrive resolved: the
/// caller looked them up in the current grid dataset.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Register {
        note: Option<String>,
    },
    Cancel {
        reason: String,
    },
    Dispatch {
        assignment: Assignment,
    },
    UndoDispatch,
    SelfHandle {
        assignment: Assignment,
    },
    Start,
    Escalate {
        level: EscalationLevel,
        assignment: Assignment,
        reason: String,
    },
    Delegate {
        assignment: Assignment,
        note: Option<String>,
    },
    Contact {
        note: Option<String>,
    },
    Feedback {
        outcome: Outcome,
        note: String,
        photos: Vec<String>,
    },
    Verify {
        satisfaction: Satisfaction,
        note: Option<String>,
    },
    Reject {
        note: String,
    },
    Close,
    Reopen {
        reason: String,
    },
    Relocate {
        location: Option<Point>,
        address: Option<String>,
        routing: Routing,
    },
    Merge {
        into: TicketId,
        distance_m: Option<f64>,
    },
    Unmerge,
    FlagDuplicate {
        flag: DuplicateFlag,
    },
    DismissFlag,
}

impl Command {
    pub fn kind(&self) -> ActionKind {
        match self {
            Self::Register { .. } => ActionKind::Register,
            Self::Cancel { .. } => ActionKind::Cancel,
            Self::Dispatch { .. } => ActionKind::Dispatch,
            Self::UndoDispatch => ActionKind::UndoDispatch,
            Self::SelfHandle { .. } => ActionKind::SelfHandle,
            Self::Start => ActionKind::Start,
            Self::Escalate { .. } => ActionKind::Escalate,
            Self::Delegate { .. } => ActionKind::Delegate,
            Self::Contact { .. } => ActionKind::Contact,
            Self::Feedback { .. } => ActionKind::Feedback,
            Self::Verify { .. } => ActionKind::Verify,
            Self::Reject { .. } => ActionKind::Reject,
            Self::Close => ActionKind::Close,
            Self::Reopen { .. } => ActionKind::Reopen,
            Self::Relocate { .. } => ActionKind::Relocate,
            Self::Merge { .. } => ActionKind::Merge,
            Self::Unmerge => ActionKind::Unmerge,
            Self::FlagDuplicate { .. } => ActionKind::FlagDuplicate,
            Self::DismissFlag => ActionKind::DismissFlag,
        }
    }

    /// The action's name as a dispatcher knows it.
    pub fn label_zh(&self) -> &'static str {
        self.kind().label_zh()
    }

    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }

    /// Whether a role may ask for this at all (scope checks come on top, per community).
    pub fn permitted_for(&self, role: ActorRole) -> bool {
        match role {
            ActorRole::Dispatcher | ActorRole::Commander | ActorRole::Administrator => {
                !matches!(self, Self::FlagDuplicate { .. })
            }
            ActorRole::Worker => matches!(
                self,
                Self::SelfHandle { .. }
                    | Self::Start
                    | Self::Escalate { .. }
                    | Self::Delegate { .. }
                    | Self::Contact { .. }
                    | Self::Feedback { .. }
            ),
            ActorRole::System => matches!(self, Self::Merge { .. } | Self::FlagDuplicate { .. }),
        }
    }
}

/// Why a command was refused. Every variant names the ticket's situation in both languages.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransitionError {
    #[error("{action} is not allowed while the ticket is {}", state.as_str())]
    NotAllowed {
        action: &'static str,
        action_zh: &'static str,
        state: TicketState,
    },
    #[error("the ticket changed meanwhile: you saw version {expected}, it is now at {actual}")]
    Stale { expected: u32, actual: u32 },
    #[error("{what} is required for {action}")]
    Required {
        action: &'static str,
        what: &'static str,
        what_zh: &'static str,
    },
    #[error("{field} is too long: {chars} characters, at most {max}")]
    TooLong {
        field: &'static str,
        chars: usize,
        max: usize,
    },
    #[error("{reason_en}")]
    BadTarget {
        reason_en: String,
        reason_zh: String,
    },
    #[error("nothing to undo: {reason_en}")]
    UndoUnavailable {
        reason_en: String,
        reason_zh: String,
    },
    #[error("a {role} may not {action}")]
    RoleNotPermitted {
        role: &'static str,
        action: &'static str,
    },
}

impl TransitionError {
    /// Stable English code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAllowed { .. } => "ILLEGAL_TRANSITION",
            Self::Stale { .. } => "STALE_VERSION",
            Self::Required { .. } => "REQUIRED",
            Self::TooLong { .. } => "TEXT_TOO_LONG",
            Self::BadTarget { .. } => "INVALID_TARGET",
            Self::UndoUnavailable { .. } => "UNDO_UNAVAILABLE",
            Self::RoleNotPermitted { .. } => "ROLE_NOT_PERMITTED",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::NotAllowed {
                action_zh, state, ..
            } => format!("工单当前状态为“{}”，不能{action_zh}", state.label_zh()),
            Self::Stale { expected, actual } => format!(
                "工单已被他人更新（您看到的是第 {expected} 版，现为第 {actual} 版），请刷新后重试"
            ),
            Self::Required { what_zh, .. } => format!("请填写{what_zh}"),
            Self::TooLong { chars, max, .. } => {
                format!("内容过长：{chars} 个字符，最多 {max} 个")
            }
            Self::BadTarget { reason_zh, .. } | Self::UndoUnavailable { reason_zh, .. } => {
                reason_zh.clone()
            }
            Self::RoleNotPermitted { .. } => "您的角色无权执行此操作".to_owned(),
        }
    }
}

/// Refuses a command made against an older version of the ticket.
pub fn check_version(ticket: &Ticket, expected: u32) -> Result<(), TransitionError> {
    if ticket.version == expected {
        Ok(())
    } else {
        Err(TransitionError::Stale {
            expected,
            actual: ticket.version,
        })
    }
}

fn required_text(
    text: &str,
    action: &'static str,
    what: &'static str,
    what_zh: &'static str,
) -> Result<String, TransitionError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TransitionError::Required {
            action,
            what,
            what_zh,
        });
    }
    bounded(text, what, MAX_NOTE_CHARS)
}

fn bounded(text: &str, field: &'static str, max: usize) -> Result<String, TransitionError> {
    let chars = text.chars().count();
    if chars > max {
        return Err(TransitionError::TooLong { field, chars, max });
    }
    Ok(text.to_owned())
}

fn optional_note(note: Option<&String>) -> Result<Option<String>, TransitionError> {
    note.map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .map(|n| bounded(n, "note", MAX_NOTE_CHARS))
        .transpose()
}

fn bad_target(reason_en: String, reason_zh: String) -> TransitionError {
    TransitionError::BadTarget {
        reason_en,
        reason_zh,
    }
}

/// Height of a holder: the district sits above the street.
fn rank(level: Option<GridLevel>) -> i8 {
    match level {
        None => -1,
        Some(GridLevel::Street) => 0,
        Some(GridLevel::Community) => 1,
        Some(GridLevel::Micro) => 2,
        Some(GridLevel::Unit) => 3,
    }
}

fn level_name_zh(level: Option<GridLevel>) -> &'static str {
    level.map_or("区级部门", GridLevel::label_zh)
}

fn dispatch_target(assignment: &Assignment) -> Result<(), TransitionError> {
    match assignment.level() {
        Some(GridLevel::Community | GridLevel::Micro | GridLevel::Unit) => Ok(()),
        _ => Err(bad_target(
            "dispatch goes to a community, micro-grid or unit grid".to_owned(),
            "只能分派到社区、微网格或单元网格".to_owned(),
        )),
    }
}

/// Whether `command` is allowed on `ticket` now, and if so the state it leads to and the change
/// to record. `last` is the ticket's latest event (undo looks at it). Pure: nothing changes here.
pub fn decide(
    ticket: &Ticket,
    last: Option<&TicketEvent>,
    command: &Command,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(TicketState, Change), TransitionError> {
    use TicketState as S;
    if !command.permitted_for(actor.role) {
        return Err(TransitionError::RoleNotPermitted {
            role: actor.role.as_str(),
            action: command.name(),
        });
    }
    let state = ticket.state;
    let refuse = || TransitionError::NotAllowed {
        action: command.name(),
        action_zh: command.label_zh(),
        state,
    };
    let decided = match command {
        Command::Register { note } => match state {
            S::Reported => (
                S::Registered,
                Change::Registered {
                    note: optional_note(note.as_ref())?,
                },
            ),
            _ => return Err(refuse()),
        },
        Command::Cancel { reason } => match state {
            S::Reported | S::Registered => (
                S::Cancelled,
                Change::Cancelled {
                    reason: required_text(reason, "cancel", "reason", "注销原因")?,
                },
            ),
            _ => return Err(refuse()),
        },
        Command::Dispatch { assignment } => {
            if !matches!(state, S::Registered | S::Dispatched) {
                return Err(refuse());
            }
            dispatch_target(assignment)?;
            if ticket.assignment.as_ref() == Some(assignment) && state == S::Dispatched {
                return Err(bad_target(
                    format!("the ticket is already with {}", assignment.grid_name),
                    format!("工单已在“{}”手中", assignment.grid_name),
                ));
            }
            (
                S::Dispatched,
                Change::Dispatched {
                    assignment: assignment.clone(),
                    previous: ticket.assignment.clone(),
                    sets_owner: ticket.owner.is_none(),
                },
            )
        }
        Command::UndoDispatch => {
            let unavailable = |en: &str, zh: &str| TransitionError::UndoUnavailable {
                reason_en: en.to_owned(),
                reason_zh: zh.to_owned(),
            };
            let Some(last) = last.filter(|e| e.version == ticket.version) else {
                return Err(unavailable(
                    "the ticket's latest event is unknown",
                    "无法撤销：找不到工单的最近一步",
                ));
            };
            let Change::Dispatched {
                previous,
                sets_owner,
                ..
            } = &last.change
            else {
                return Err(unavailable(
                    "the latest step was not a dispatch",
                    "无法撤销：最近一步不是分派",
                ));
            };
            if last.actor.id != actor.id {
                return Err(unavailable(
                    "only who dispatched may undo it",
                    "无法撤销：只有分派人本人可以撤销",
                ));
            }
            if now - last.at > UNDO_WINDOW {
                return Err(unavailable(
                    "the undo window has passed",
                    "无法撤销：已超过撤销时限",
                ));
            }
            (
                last.from.unwrap_or(S::Registered),
                Change::DispatchUndone {
                    restored: previous.clone(),
                    owner_cleared: *sets_owner,
                },
            )
        }
        Command::SelfHandle { assignment } => match state {
            S::Reported | S::Registered => {
                dispatch_target(assignment)?;
                (
                    S::Handling,
                    Change::SelfHandled {
                        assignment: assignment.clone(),
                    },
                )
            }
            _ => return Err(refuse()),
        },
        Command::Start => match state {
            S::Dispatched if ticket.assignment.as_ref().is_some_and(|a| a.grid.is_some()) => {
                (S::Handling, Change::Started)
            }
            _ => return Err(refuse()),
        },
        Command::Escalate {
            level,
            assignment,
            reason,
        } => {
            if !matches!(state, S::Registered | S::Dispatched | S::Handling) {
                return Err(refuse());
            }
            let expected = match level {
                EscalationLevel::Community => Some(GridLevel::Community),
                EscalationLevel::Street => Some(GridLevel::Street),
                EscalationLevel::District => None,
            };
            if assignment.level() != expected {
                return Err(bad_target(
                    format!("escalation to {level:?} must name a grid of that level"),
                    format!("上交到{}时须指定该级别的单位", level.label_zh()),
                ));
            }
            let current = ticket.assignment.as_ref().map_or(
                ticket.routing.finest().map(crate::code::GridCode::level),
                Assignment::level,
            );
            if ticket.assignment.is_some() && rank(expected) >= rank(current) {
                return Err(bad_target(
                    format!("escalation must go above the current holder ({current:?})"),
                    format!(
                        "上交只能交给更高一级：工单现由{}办理",
                        level_name_zh(current)
                    ),
                ));
            }
            (
                S::Dispatched,
                Change::Escalated {
                    level: *level,
                    assignment: assignment.clone(),
                    reason: required_text(reason, "escalate", "reason", "上交原因")?,
                },
            )
        }
        Command::Delegate { assignment, note } => {
            if !matches!(state, S::Dispatched | S::Handling) {
                return Err(refuse());
            }
            let Some(current) = ticket.assignment.as_ref() else {
                return Err(refuse());
            };
            let Some(target) = &assignment.grid else {
                return Err(bad_target(
                    "delegation must name a grid".to_owned(),
                    "下交须指定网格".to_owned(),
                ));
            };
            if rank(assignment.level()) <= rank(current.level()) {
                return Err(bad_target(
                    "delegation must go below the current holder".to_owned(),
                    format!(
                        "下交只能交给更低一级：工单现由{}办理",
                        level_name_zh(current.level())
                    ),
                ));
            }
            if let Some(holder) = &current.grid
                && !target.as_str().starts_with(holder.scope_prefix())
            {
                return Err(bad_target(
                    format!("{target} is not inside {holder}"),
                    format!("只能下交到“{}”范围内的网格", current.grid_name),
                ));
            }
            (
                S::Dispatched,
                Change::Delegated {
                    assignment: assignment.clone(),
                    note: optional_note(note.as_ref())?,
                },
            )
        }
        Command::Contact { note } => {
            if !state.is_open() {
                return Err(refuse());
            }
            (
                state,
                Change::Contacted {
                    note: optional_note(note.as_ref())?,
                },
            )
        }
        Command::Feedback {
            outcome,
            note,
            photos,
        } => {
            let district = ticket.assignment.as_ref().is_some_and(|a| a.grid.is_none());
            if !(state == S::Handling || (state == S::Dispatched && district)) {
                return Err(refuse());
            }
            if photos.len() > MAX_PHOTOS {
                return Err(TransitionError::TooLong {
                    field: "photos",
                    chars: photos.len(),
                    max: MAX_PHOTOS,
                });
            }
            let photos = photos
                .iter()
                .map(|p| bounded(p.trim(), "photo", MAX_PHOTO_REF_CHARS))
                .collect::<Result<Vec<_>, _>>()?;
            (
                S::FedBack,
                Change::FedBack {
                    outcome: *outcome,
                    note: required_text(note, "feedback", "result note", "处置结果说明")?,
                    photos,
                },
            )
        }
        Command::Verify { satisfaction, note } => match state {
            S::FedBack => (
                S::Verified,
                Change::Verified {
                    satisfaction: *satisfaction,
                    note: optional_note(note.as_ref())?,
                },
            ),
            _ => return Err(refuse()),
        },
        Command::Reject { note } => match state {
            S::FedBack => (
                S::Handling,
                Change::Rejected {
                    note: required_text(note, "reject", "reason", "退回原因")?,
                },
            ),
            _ => return Err(refuse()),
        },
        Command::Close => match state {
            S::Verified => (S::Closed, Change::Closed),
            _ => return Err(refuse()),
        },
        Command::Reopen { reason } => match state {
            S::Verified | S::Closed => (
                S::Registered,
                Change::Reopened {
                    reason: required_text(reason, "reopen", "reason", "重新办理原因")?,
                },
            ),
            _ => return Err(refuse()),
        },
        Command::Relocate {
            location,
            address,
            routing,
        } => match state {
            S::Reported | S::Registered => (
                state,
                Change::Relocated {
                    location: *location,
                    address: address.clone(),
                    routing: routing.clone(),
                },
            ),
            _ => return Err(refuse()),
        },
        Command::Merge { into, distance_m } => {
            if !matches!(state, S::Reported | S::Registered) {
                return Err(refuse());
            }
            if *into == ticket.id {
                return Err(bad_target(
                    "a ticket cannot be merged into itself".to_owned(),
                    "不能把工单合并到它自己".to_owned(),
                ));
            }
            (
                S::Merged,
                Change::Merged {
                    into: *into,
                    distance_m: *distance_m,
                    automatic: actor.role == ActorRole::System,
                },
            )
        }
        Command::Unmerge => match state {
            S::Merged => (S::Reported, Change::Unmerged),
            _ => return Err(refuse()),
        },
        Command::FlagDuplicate { flag } => {
            if !state.is_open() || flag.of == ticket.id {
                return Err(refuse());
            }
            (state, Change::DuplicateFlagged { flag: *flag })
        }
        Command::DismissFlag => {
            if ticket.duplicate_flag.is_none() {
                return Err(refuse());
            }
            (state, Change::FlagDismissed)
        }
    };
    Ok(decided)
}

/// Why a list of events does not make a ticket.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("ticket {0} has no events")]
    Empty(TicketId),
    #[error("ticket {ticket}: event {version} should be the receipt")]
    NoReceipt { ticket: TicketId, version: u32 },
    #[error("ticket {ticket}: event {version} is out of order or starts from the wrong state")]
    OutOfOrder { ticket: TicketId, version: u32 },
}

impl Ticket {
    /// A new ticket from its receipt event.
    pub fn received(event: &TicketEvent) -> Option<Self> {
        let Change::Received {
            intake,
            location,
            routing,
            contact_due_at,
            due_at,
        } = &event.change
        else {
            return None;
        };
        Some(Self {
            id: event.ticket_id,
            channel: intake.channel,
            external_id: intake.external_id.clone(),
            category: intake.category.clone(),
            description: intake.description.clone(),
            urgency: intake.urgency,
            reporter_name: intake.reporter_name.clone(),
            reporter_phone: intake.reporter_phone.clone(),
            source_ref: intake.source_ref.clone(),
            snapshot: intake.snapshot.clone(),
            address: intake.address.clone(),
            location: *location,
            routing: routing.clone(),
            received_at: intake.received_at,
            contact_due_at: *contact_due_at,
            due_at: *due_at,
            state: event.to,
            version: event.version,
            owner: None,
            assignment: None,
            handling_mode: None,
            escalated_to: None,
            delegated: false,
            first_contact_at: None,
            outcome: None,
            satisfaction: None,
            closed_at: None,
            cancel_reason: None,
            duplicate_of: None,
            duplicate_flag: None,
            reopen_count: 0,
            updated_at: event.at,
        })
    }

    /// Folds one event (already decided) into the row.
    pub fn apply(&mut self, event: &TicketEvent) {
        let take_owner = |ticket: &mut Self, assignment: &Assignment| {
            if ticket.owner.is_none()
                && let Some(grid) = &assignment.grid
            {
                ticket.owner = Some(Owner {
                    grid: grid.clone(),
                    grid_name: assignment.grid_name.clone(),
                    since: event.at,
                });
            }
        };
        match &event.change {
            Change::Received { .. }
            | Change::Registered { .. }
            | Change::Started
            | Change::Rejected { .. } => {}
            Change::Cancelled { reason } => self.cancel_reason = Some(reason.clone()),
            Change::Dispatched { assignment, .. } => {
                take_owner(self, assignment);
                self.assignment = Some(assignment.clone());
                self.handling_mode = Some(HandlingMode::Commanded);
            }
            Change::DispatchUndone {
                restored,
                owner_cleared,
            } => {
                self.assignment.clone_from(restored);
                if *owner_cleared {
                    self.owner = None;
                }
                if restored.is_none() {
                    self.handling_mode = None;
                }
            }
            Change::SelfHandled { assignment } => {
                take_owner(self, assignment);
                self.assignment = Some(assignment.clone());
                self.handling_mode = Some(HandlingMode::SelfHandled);
            }
            Change::Escalated {
                level, assignment, ..
            } => {
                take_owner(self, assignment);
                self.assignment = Some(assignment.clone());
                self.escalated_to = Some(*level);
                self.handling_mode = Some(HandlingMode::Commanded);
            }
            Change::Delegated { assignment, .. } => {
                self.assignment = Some(assignment.clone());
                self.delegated = true;
            }
            Change::Contacted { .. } => {
                self.first_contact_at.get_or_insert(event.at);
            }
            Change::FedBack { outcome, .. } => self.outcome = Some(*outcome),
            Change::Verified { satisfaction, .. } => self.satisfaction = Some(*satisfaction),
            Change::Closed => self.closed_at = Some(event.at),
            Change::Reopened { .. } => {
                self.closed_at = None;
                self.outcome = None;
                self.reopen_count += 1;
            }
            Change::Relocated {
                location,
                address,
                routing,
            } => {
                self.location = *location;
                self.address.clone_from(address);
                self.routing = routing.clone();
            }
            Change::Merged { into, .. } => {
                self.duplicate_of = Some(*into);
                self.duplicate_flag = None;
            }
            Change::Unmerged => self.duplicate_of = None,
            Change::DuplicateFlagged { flag } => self.duplicate_flag = Some(*flag),
            Change::FlagDismissed => self.duplicate_flag = None,
        }
        self.state = event.to;
        self.version = event.version;
        self.updated_at = event.at;
    }

    /// Decides a command and, if allowed, applies it: returns the event to store.
    pub fn execute(
        &mut self,
        last: Option<&TicketEvent>,
        command: &Command,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<TicketEvent, TransitionError> {
        let (to, change) = decide(self, last, command, actor, now)?;
        let event = TicketEvent {
            ticket_id: self.id,
            version: self.version + 1,
            at: now,
            actor: actor.clone(),
            from: Some(self.state),
            to,
            change,
        };
        self.apply(&event);
        Ok(event)
    }

    /// When the ticket left the desk (closed, cancelled or merged), for SLA accounting.
    pub fn finished_at(&self) -> Option<DateTime<Utc>> {
        if self.state.is_open() {
            None
        } else {
            self.closed_at.or(Some(self.updated_at))
        }
    }
}

/// Rebuilds a ticket from its events alone (the row is only a projection of them).
pub fn replay(ticket_id: TicketId, events: &[TicketEvent]) -> Result<Ticket, ReplayError> {
    let (first, rest) = events.split_first().ok_or(ReplayError::Empty(ticket_id))?;
    let mut ticket = Ticket::received(first).ok_or(ReplayError::NoReceipt {
        ticket: ticket_id,
        version: first.version,
    })?;
    if first.version != 1 || first.from.is_some() {
        return Err(ReplayError::OutOfOrder {
            ticket: ticket_id,
            version: first.version,
        });
    }
    for event in rest {
        if event.version != ticket.version + 1 || event.from != Some(ticket.state) {
            return Err(ReplayError::OutOfOrder {
                ticket: ticket_id,
                version: event.version,
            });
        }
        ticket.apply(event);
    }
    Ok(ticket)
}

/// The first event of every ticket: received on a channel and reported to the center, with its
/// place in the grid and its deadlines fixed at receipt (a later change to the SLA table does
/// not move them). Its time is the receipt time, which an imported order carries from upstream.
pub fn receipt(
    intake: Intake,
    location: Option<Point>,
    routing: Routing,
    deadlines: (DateTime<Utc>, DateTime<Utc>),
    actor: &Actor,
) -> TicketEvent {
    TicketEvent {
        ticket_id: 0,
        version: 1,
        at: intake.received_at,
        actor: actor.clone(),
        from: None,
        to: TicketState::Reported,
        change: Change::Received {
            intake,
            location,
            routing,
            contact_due_at: deadlines.0,
            due_at: deadlines.1,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::Channel;

    /// One change of every kind. The match below has no catch-all, so a new kind does not
    /// compile until it is listed here too.
    fn one_of_each() -> Vec<Change> {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let assignment = Assignment {
            grid: None,
            grid_name: "区级职能部门".to_owned(),
            worker_id: None,
            worker_name: None,
        };
        let intake = Intake::at_point(
            Channel::Hotline,
            "garbage",
            "楼下垃圾",
            Point {
                lon: 117.1,
                lat: 40.1,
            },
            at,
        );
        let changes = vec![
            Change::Received {
                intake,
                location: None,
                routing: Routing::default(),
                contact_due_at: at,
                due_at: at,
            },
            Change::Registered { note: None },
            Change::Cancelled { reason: "x".into() },
            Change::Dispatched {
                assignment: assignment.clone(),
                previous: None,
                sets_owner: true,
            },
            Change::DispatchUndone {
                restored: None,
                owner_cleared: true,
            },
            Change::SelfHandled {
                assignment: assignment.clone(),
            },
            Change::Started,
            Change::Escalated {
                level: EscalationLevel::District,
                assignment: assignment.clone(),
                reason: "x".into(),
            },
            Change::Delegated {
                assignment,
                note: None,
            },
            Change::Contacted { note: None },
            Change::FedBack {
                outcome: Outcome::Solved,
                note: "x".into(),
                photos: Vec::new(),
            },
            Change::Verified {
                satisfaction: Satisfaction::Basic,
                note: None,
            },
            Change::Rejected { note: "x".into() },
            Change::Closed,
            Change::Reopened { reason: "x".into() },
            Change::Relocated {
                location: None,
                address: None,
                routing: Routing::default(),
            },
            Change::Merged {
                into: 1,
                distance_m: None,
                automatic: false,
            },
            Change::Unmerged,
            Change::DuplicateFlagged {
                flag: DuplicateFlag {
                    of: 1,
                    distance_m: 2.0,
                },
            },
            Change::FlagDismissed,
        ];
        for change in &changes {
            match change {
                Change::Received { .. }
                | Change::Registered { .. }
                | Change::Cancelled { .. }
                | Change::Dispatched { .. }
                | Change::DispatchUndone { .. }
                | Change::SelfHandled { .. }
                | Change::Started
                | Change::Escalated { .. }
                | Change::Delegated { .. }
                | Change::Contacted { .. }
                | Change::FedBack { .. }
                | Change::Verified { .. }
                | Change::Rejected { .. }
                | Change::Closed
                | Change::Reopened { .. }
                | Change::Relocated { .. }
                | Change::Merged { .. }
                | Change::Unmerged
                | Change::DuplicateFlagged { .. }
                | Change::FlagDismissed => {}
            }
        }
        changes
    }

    #[test]
    fn every_change_is_stored_under_the_kind_it_names() {
        let changes = one_of_each();
        for change in &changes {
            let stored = serde_json::to_value(change).unwrap();
            assert_eq!(stored["type"], change.kind(), "{change:?}");
            let read: Change = serde_json::from_value(stored).unwrap();
            assert_eq!(&read, change);
        }
        let mut kinds: Vec<&str> = changes.iter().map(Change::kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), changes.len(), "two changes share a kind");
    }

    #[test]
    fn every_command_is_named_by_its_action() {
        let assignment = Assignment {
            grid: None,
            grid_name: "区级职能部门".to_owned(),
            worker_id: None,
            worker_name: None,
        };
        let commands = [
            Command::UndoDispatch,
            Command::Contact { note: None },
            Command::DismissFlag,
            Command::Escalate {
                level: EscalationLevel::Street,
                assignment,
                reason: "x".into(),
            },
        ];
        for command in &commands {
            assert_eq!(command.name(), command.kind().as_str());
            assert_eq!(command.label_zh(), command.kind().label_zh());
            assert_eq!(ActionKind::from_code(command.name()), Some(command.kind()));
        }
        assert_eq!(Command::Contact { note: None }.label_zh(), "联系诉求人");
    }
}
