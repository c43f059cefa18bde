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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Dispatcher,
    Commander,
    Worker,
    Administrator,
}

impl Role {
    pub const ALL: [Self; 4] = [
        Self::Dispatcher,
        Self::Commander,
        Self::Worker,
        Self::Administrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dispatcher => "dispatcher",
            Self::Commander => "commander",
            Self::Worker => "worker",
            Self::Administrator => "administrator",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
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

fn inside(code: &GridCode, community: &GridCode) -> bool {
    code.as_str().starts_with(community.scope_prefix())
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

    /// Whether a ticket (its card, its events, its place on the map) is visible.
    pub fn sees_ticket(&self, ticket: &Ticket) -> bool {
        match self.role {
            Role::Dispatcher | Role::Administrator => true,
            Role::Commander => {
                let Some(community) = &self.community else {
                    return false;
                };
                let here = |code: Option<&GridCode>| code.is_some_and(|c| inside(c, community));
                here(ticket.routing.community.as_ref())
                    || here(ticket.assignment.as_ref().and_then(|a| a.grid.as_ref()))
                    || here(ticket.owner.as_ref().map(|o| &o.grid))
            }
            Role::Worker => {
                let Some(me) = &self.worker_id else {
                    return false;
                };
                ticket
                    .assignment
                    .as_ref()
                    .and_then(|a| a.worker_id.as_ref())
                    .is_some_and(|w| w == me)
                    || ticket.source_ref.as_ref().is_some_and(|s| s == me)
            }
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
