//! The dispatch queue's tabs: which open tickets each one lists, and how many it holds.
//!
//! The rule is written once here; the store counts the same rule in SQL over every open ticket
//! a caller sees (the terminal's list may stop at its limit), and its conformance suite checks
//! the two agree.

use serde::{Deserialize, Serialize};

use super::TicketState;
use crate::vocabulary::SlaStatus;

/// The queue's tabs. A ticket may be under several (an overdue new one is under 待受理/待分派
/// and 超期/临期).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QueueTab {
    /// 待受理/待分派: reported or registered, placed in a grid.
    New,
    /// 处置中: dispatched, handled, fed back or verified.
    InProgress,
    /// 超期/临期: overdue or soon due, any open state.
    Deadline,
    /// 未定位: could not be placed in a grid.
    Unrouted,
    /// 疑似重复: flagged as a possible duplicate.
    Flagged,
}

/// What a tab looks at of a ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueFacts {
    pub state: TicketState,
    /// Not placed in a grid.
    pub unrouted: bool,
    /// Flagged as a possible duplicate.
    pub flagged: bool,
    /// Its deadline status at the moment asked about.
    pub sla: SlaStatus,
}

impl QueueTab {
    pub const ALL: [QueueTab; 5] = [
        QueueTab::New,
        QueueTab::InProgress,
        QueueTab::Deadline,
        QueueTab::Unrouted,
        QueueTab::Flagged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueTab::New => "new",
            QueueTab::InProgress => "in-progress",
            QueueTab::Deadline => "deadline",
            QueueTab::Unrouted => "unrouted",
            QueueTab::Flagged => "flagged",
        }
    }

    /// Whether a ticket with these facts is listed under this tab (never a closed one).
    pub fn holds(self, t: QueueFacts) -> bool {
        if !t.state.is_open() {
            return false;
        }
        match self {
            QueueTab::New => {
                matches!(t.state, TicketState::Reported | TicketState::Registered) && !t.unrouted
            }
            QueueTab::InProgress => matches!(
                t.state,
                TicketState::Dispatched
                    | TicketState::Handling
                    | TicketState::FedBack
                    | TicketState::Verified
            ),
            QueueTab::Deadline => matches!(t.sla, SlaStatus::Overdue | SlaStatus::DueSoon),
            QueueTab::Unrouted => t.unrouted,
            QueueTab::Flagged => t.flagged,
        }
    }
}

/// How many open tickets there are, and how many each tab holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCounts {
    pub open: u64,
    pub new: u64,
    pub in_progress: u64,
    pub deadline: u64,
    pub unrouted: u64,
    pub flagged: u64,
}

impl QueueCounts {
    pub fn get(&self, tab: QueueTab) -> u64 {
        match tab {
            QueueTab::New => self.new,
            QueueTab::InProgress => self.in_progress,
            QueueTab::Deadline => self.deadline,
            QueueTab::Unrouted => self.unrouted,
            QueueTab::Flagged => self.flagged,
        }
    }

    /// Counts `facts` (one per ticket) by [`QueueTab::holds`].
    pub fn of(facts: impl IntoIterator<Item = QueueFacts>) -> Self {
        let mut counts = Self::default();
        for f in facts {
            if f.state.is_open() {
                counts.open += 1;
            }
            for tab in QueueTab::ALL {
                if tab.holds(f) {
                    *counts.slot(tab) += 1;
                }
            }
        }
        counts
    }

    fn slot(&mut self, tab: QueueTab) -> &mut u64 {
        match tab {
            QueueTab::New => &mut self.new,
            QueueTab::InProgress => &mut self.in_progress,
            QueueTab::Deadline => &mut self.deadline,
            QueueTab::Unrouted => &mut self.unrouted,
            QueueTab::Flagged => &mut self.flagged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(state: TicketState, sla: SlaStatus) -> QueueFacts {
        QueueFacts {
            state,
            unrouted: false,
            flagged: false,
            sla,
        }
    }

    #[test]
    fn a_ticket_may_be_under_two_tabs_and_a_closed_one_under_none() {
        let overdue_new = facts(TicketState::Registered, SlaStatus::Overdue);
        assert!(QueueTab::New.holds(overdue_new));
        assert!(QueueTab::Deadline.holds(overdue_new));
        assert!(!QueueTab::InProgress.holds(overdue_new));
        let closed = QueueFacts {
            unrouted: true,
            flagged: true,
            ..facts(TicketState::Closed, SlaStatus::Missed)
        };
        assert!(QueueTab::ALL.into_iter().all(|tab| !tab.holds(closed)));
    }

    #[test]
    fn an_unrouted_new_ticket_waits_under_unrouted_not_new() {
        let t = QueueFacts {
            unrouted: true,
            ..facts(TicketState::Reported, SlaStatus::OnTime)
        };
        assert!(!QueueTab::New.holds(t));
        assert!(QueueTab::Unrouted.holds(t));
    }

    #[test]
    fn counts_add_up_per_tab() {
        let counts = QueueCounts::of([
            facts(TicketState::Reported, SlaStatus::DueSoon),
            facts(TicketState::Handling, SlaStatus::OnTime),
            facts(TicketState::Verified, SlaStatus::Overdue),
            QueueFacts {
                flagged: true,
                ..facts(TicketState::Registered, SlaStatus::OnTime)
            },
        ]);
        assert_eq!(
            counts,
            QueueCounts {
                open: 4,
                new: 2,
                in_progress: 2,
                deadline: 2,
                unrouted: 0,
                flagged: 1,
            }
        );
        assert_eq!(counts.get(QueueTab::Deadline), 2);
    }
}
