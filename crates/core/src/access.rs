//! Who may see and do what. Four roles, each with a scope:
//! - 调度员 dispatcher: the whole street, every action;
//! - 社区指挥 commander: one community — its grids, workers and the tickets it is involved in
//!   (routed there, held there, or owned there as first receiver); dispatches only inside it;
//! - 网格员 grid worker: the tickets they hold or reported; accept, report back, delegate down or
//!   escalate up;
//! - 管理员 administrator: accounts, grids, catalogue and SLA table; reads tickets, acts on none.

use serde::{Deserialize, Serialize};

use crate::code::GridCode;
use crate::ticket::lifecycle::Command;
use crate::ticket::{Actor, ActorRole, Ticket};
pub use crate::vocabulary::Role;

impl Role {
    /// How far a role's rights reach, for whose account it may change: the administrator's
    /// above the dispatcher's above the commander's above the grid worker's.
    pub fn rights(self) -> u8 {
        match self {
            Self::Worker => 0,
            Self::Commander => 1,
            Self::Dispatcher => 2,
            Self::Administrator => 3,
        }
    }

    fn actor_role(self) -> ActorRole {
        match self {
            Self::Dispatcher => ActorRole::Dispatcher,
            Self::Commander => ActorRole::Commander,
            Self::Worker => ActorRole::Worker,
            Self::Administrator => ActorRole::Administrator,
        }
    }
}

/// A signed-in person and what their role reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub account: String,
    pub name: String,
    pub role: Role,
    /// The commander's community.
    pub community: Option<GridCode>,
    /// The worker record a grid worker's account stands for.
    pub worker_id: Option<String>,
}

/// Why a principal may not do something; says it without revealing what lies outside scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("a {role} may not {action}")]
    Role {
        role: &'static str,
        action: &'static str,
    },
    #[error("outside your scope")]
    OutOfScope,
}

impl AccessError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Role { .. } => "ROLE_NOT_PERMITTED",
            Self::OutOfScope => "OUT_OF_SCOPE",
        }
    }

    pub fn message_zh(&self) -> &'static str {
        match self {
            Self::Role { .. } => "您的角色无权执行此操作",
            Self::OutOfScope => "超出您的管辖范围",
        }
    }
}

/// The communities and workers a ticket involves: the commanders of those communities and those
/// workers see it. Communities: where it was routed, where it is held, where its first receiver
/// is. Workers: the one holding it and the one who reported it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    /// Community codes, sorted, without repeats.
    pub communities: Vec<GridCode>,
    /// Worker ids, sorted, without repeats.
    pub workers: Vec<String>,
}

impl Audience {
    pub fn of(ticket: &Ticket) -> Self {
        let communities = [
            ticket.routing.community.as_ref(),
            ticket.assignment.as_ref().and_then(|a| a.grid.as_ref()),
            ticket.owner.as_ref().map(|o| &o.grid),
        ]
        .into_iter()
        .flatten()
        .filter_map(GridCode::community_code)
        .collect();
        let workers = [
            ticket.assignment.as_ref().and_then(|a| a.worker_id.clone()),
            ticket.source_ref.clone(),
        ]
        .into_iter()
        .flatten()
        .collect();
        Self::sorted(communities, workers)
    }

    /// Everyone in either: an event that moves a ticket from one community to another is seen
    /// by both.
    #[must_use]
    pub fn union(&self, other: &Self) -> Self {
        Self::sorted(
            self.communities
                .iter()
                .chain(&other.communities)
                .cloned()
                .collect(),
            self.workers.iter().chain(&other.workers).cloned().collect(),
        )
    }

    fn sorted(mut communities: Vec<GridCode>, mut workers: Vec<String>) -> Self {
        communities.sort();
        communities.dedup();
        workers.sort();
        workers.dedup();
        Self {
            communities,
            workers,
        }
    }
}

/// Which tickets a principal sees, as a store filters them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Visibility {
    #[default]
    Everything,
    /// Tickets involving this community (see [`Audience`]).
    Community(GridCode),
    /// Tickets held or reported by this worker.
    Worker(String),
    /// An account whose scope is missing sees no ticket.
    Nothing,
}

fn inside(code: &GridCode, community: &GridCode) -> bool {
    code.as_str().starts_with(community.scope_prefix())
}

/// Which cameras, checkpoints and door-access units — their places, live pictures and events —
/// a principal reaches. Video is narrower than the map: a grid worker sees every grid to find
/// places, but watches only the devices of the grid they are posted to (their micro-grid and
/// its unit grids); a commander those of their community; dispatchers and administrators the
/// street's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceScope {
    Street,
    /// Devices in this grid or the grids inside it.
    Within(GridCode),
    /// An account whose scope is missing reaches no device.
    Nothing,
}

impl DeviceScope {
    /// Whether a device posted to `grid` lies in the scope.
    pub fn covers(&self, grid: &GridCode) -> bool {
        match self {
            Self::Street => true,
            Self::Within(area) => inside(grid, area),
            Self::Nothing => false,
        }
    }
}

impl Principal {
    /// The actor recorded on the events this principal causes.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.account.clone(),
            name: self.name.clone(),
            role: self.role.actor_role(),
        }
    }

    /// Whether a grid (and the workers and devices posted to it) is visible.
    pub fn sees_grid(&self, code: &GridCode) -> bool {
        match self.role {
            Role::Dispatcher | Role::Administrator | Role::Worker => true,
            Role::Commander => self.community.as_ref().is_some_and(|c| inside(code, c)),
        }
    }

    /// The devices this principal reaches ([`DeviceScope`]); `posted` is the grid of the
    /// worker record a grid worker's account stands for.
    pub fn device_scope(&self, posted: Option<&GridCode>) -> DeviceScope {
        let area = match self.role {
            Role::Dispatcher | Role::Administrator => return DeviceScope::Street,
            Role::Commander => self.community.as_ref(),
            Role::Worker => posted.filter(|_| self.worker_id.is_some()),
        };
        area.cloned()
            .map_or(DeviceScope::Nothing, DeviceScope::Within)
    }

    /// Whether a ticket (its card, its events, its place on the map) is visible.
    pub fn sees_ticket(&self, ticket: &Ticket) -> bool {
        self.reaches(&Audience::of(ticket))
    }

    /// Whether something whose audience is `audience` (a ticket, or one of its events) is
    /// visible.
    pub fn reaches(&self, audience: &Audience) -> bool {
        match self.role {
            Role::Dispatcher | Role::Administrator => true,
            Role::Commander => self
                .community
                .as_ref()
                .is_some_and(|c| audience.communities.iter().any(|a| a == c)),
            Role::Worker => self
                .worker_id
                .as_ref()
                .is_some_and(|me| audience.workers.iter().any(|w| w == me)),
        }
    }

    /// What a store filters on to show this principal only what it may see.
    pub fn visibility(&self) -> Visibility {
        match self.role {
            Role::Dispatcher | Role::Administrator => Visibility::Everything,
            Role::Commander => self
                .community
                .clone()
                .map_or(Visibility::Nothing, Visibility::Community),
            Role::Worker => self
                .worker_id
                .clone()
                .map_or(Visibility::Nothing, Visibility::Worker),
        }
    }

    /// Whether this principal may give `command` on `ticket` (the state machine decides the
    /// rest). Targets named by the command must lie in scope too.
    pub fn may(&self, command: &Command, ticket: &Ticket) -> Result<(), AccessError> {
        let refused = || AccessError::Role {
            role: self.role.as_str(),
            action: command.name(),
        };
        if self.role == Role::Administrator || !command.permitted_for(self.role.actor_role()) {
            return Err(refused());
        }
        if !self.sees_ticket(ticket) {
            return Err(AccessError::OutOfScope);
        }
        if self.role == Role::Commander {
            let target = match command {
                Command::Dispatch { assignment }
                | Command::Delegate { assignment, .. }
                | Command::SelfHandle { assignment } => assignment.grid.as_ref(),
                _ => None,
            };
            if target.is_some_and(|code| !self.sees_grid(code)) {
                return Err(AccessError::OutOfScope);
            }
        }
        Ok(())
    }

    /// Accounts, grid imports, catalogue and SLA table.
    pub fn may_administer(&self) -> bool {
        matches!(self.role, Role::Dispatcher | Role::Administrator)
    }
}

/// Failed logins in a row an account may have before logins to it are slowed.
pub const FREE_LOGIN_FAILURES: u32 = 4;
/// The longest an account waits between login attempts.
pub const MAX_LOGIN_LOCKOUT_SECONDS: i64 = 15 * 60;

/// How long an account waits before the next login attempt after `failures` failed ones in a
/// row: nothing for the first few, then 1 s, 2 s, 4 s … up to 15 minutes.
pub fn login_lockout(failures: u32) -> Option<chrono::Duration> {
    let over = failures.checked_sub(FREE_LOGIN_FAILURES + 1)?;
    let seconds = 1_i64
        .checked_shl(over.min(20))
        .unwrap_or(MAX_LOGIN_LOCKOUT_SECONDS)
        .min(MAX_LOGIN_LOCKOUT_SECONDS);
    Some(chrono::Duration::seconds(seconds))
}
