//! The live queue's rules: which tab a ticket belongs to, in what order, and which colour it
//! wears (the same colour on the map marker, the queue row and the card).

use chrono::{DateTime, Utc};

use binhe_api::tickets::TicketView;
use binhe_core::ticket::queue::QueueFacts;
pub use binhe_core::ticket::queue::QueueTab;
use binhe_core::ticket::{SlaStatus, TicketId, TicketState};

use crate::i18n::Msg;

/// A ticket's colour family. Deadlines come first: an overdue or soon-due ticket shows that,
/// whatever its state; otherwise the colour tells where it is in the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tone {
    Overdue,
    DueSoon,
    /// Reported or registered: waiting for the dispatcher.
    New,
    /// Dispatched or being handled.
    Active,
    /// Fed back or verified: waiting for the check or closure.
    Review,
    /// Closed, cancelled or merged.
    Done,
}

impl Tone {
    /// Every tone, in legend order.
    pub const ALL: [Tone; 6] = [
        Tone::Overdue,
        Tone::DueSoon,
        Tone::New,
        Tone::Active,
        Tone::Review,
        Tone::Done,
    ];

    pub fn of(state: TicketState, sla: SlaStatus) -> Tone {
        match (sla, state.is_open()) {
            (SlaStatus::Overdue, true) => Tone::Overdue,
            (SlaStatus::DueSoon, true) => Tone::DueSoon,
            _ => Tone::of_state(state),
        }
    }

    /// The tone of a state alone (on time).
    pub fn of_state(state: TicketState) -> Tone {
        match state {
            TicketState::Reported | TicketState::Registered => Tone::New,
            TicketState::Dispatched | TicketState::Handling => Tone::Active,
            TicketState::FedBack | TicketState::Verified => Tone::Review,
            TicketState::Closed | TicketState::Cancelled | TicketState::Merged => Tone::Done,
        }
    }

    /// CSS class suffix and stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Overdue => "overdue",
            Tone::DueSoon => "due-soon",
            Tone::New => "new",
            Tone::Active => "active",
            Tone::Review => "review",
            Tone::Done => "done",
        }
    }

    /// Marker colour; `style.css` uses the same values for rows and chips.
    pub fn colour(self) -> &'static str {
        match self {
            Tone::Overdue => "#ef5f57",
            Tone::DueSoon => "#f0b242",
            Tone::New => "#4f9cf0",
            Tone::Active => "#2fb7a6",
            Tone::Review => "#a78bfa",
            Tone::Done => "#7d8ea0",
        }
    }

    pub fn legend(self) -> Msg {
        match self {
            Tone::Overdue => Msg::ToneOverdue,
            Tone::DueSoon => Msg::ToneDueSoon,
            Tone::New => Msg::ToneNew,
            Tone::Active => Msg::ToneActive,
            Tone::Review => Msg::ToneReview,
            Tone::Done => Msg::ToneDone,
        }
    }
}

/// Where an open ticket stands against its closure deadline at `now`, by the server's rule
/// (`due_soon_share` of the whole window left). The server's `sla` is as of the last load;
/// this keeps chips right between loads. Closed tickets keep the server's verdict.
pub fn sla_at(ticket: &TicketView, now: DateTime<Utc>, due_soon_share: Option<f64>) -> SlaStatus {
    let Some(share) = due_soon_share else {
        return ticket.sla;
    };
    if !ticket.state.is_open() {
        return ticket.sla;
    }
    if now > ticket.due_at {
        return SlaStatus::Overdue;
    }
    let window = (ticket.due_at - ticket.received_at)
        .num_milliseconds()
        .max(1) as f64;
    let left = (ticket.due_at - now).num_milliseconds() as f64;
    if left <= window * share {
        SlaStatus::DueSoon
    } else {
        SlaStatus::OnTime
    }
}

/// The queue's tabs' names on screen.
pub trait TabLabel {
    fn label(self) -> Msg;
}

impl TabLabel for QueueTab {
    fn label(self) -> Msg {
        match self {
            QueueTab::New => Msg::QueueNew,
            QueueTab::InProgress => Msg::QueueInProgress,
            QueueTab::Deadline => Msg::QueueDeadline,
            QueueTab::Unrouted => Msg::QueueUnrouted,
            QueueTab::Flagged => Msg::QueueFlagged,
        }
    }
}

/// Whether `t` (whose deadline status at this moment is `sla`) is listed under `tab`.
pub fn holds(tab: QueueTab, t: &TicketView, sla: SlaStatus) -> bool {
    tab.holds(QueueFacts {
        state: t.state,
        unrouted: t.routing.unrouted.is_some(),
        flagged: t.duplicate_flag.is_some(),
        sla,
    })
}

/// The order of the queue's rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum QueueOrder {
    /// What needs action first: overdue tickets, then those due soon or urgent, then the rest;
    /// within each, the closest deadline first.
    #[default]
    ActionFirst,
    /// Newest received first.
    Newest,
}

impl QueueOrder {
    pub const ALL: [QueueOrder; 2] = [QueueOrder::ActionFirst, QueueOrder::Newest];

    pub fn label(self) -> Msg {
        match self {
            QueueOrder::ActionFirst => Msg::QueueSortAction,
            QueueOrder::Newest => Msg::QueueSortNewest,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QueueOrder::ActionFirst => "action",
            QueueOrder::Newest => "newest",
        }
    }

    pub fn parse(s: &str) -> Option<QueueOrder> {
        QueueOrder::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// How pressing a ticket is, for [`QueueOrder::ActionFirst`]: 0 overdue, 1 due soon or urgent,
/// 2 the rest.
fn pressing(t: &TicketView, sla: SlaStatus) -> u8 {
    match sla {
        SlaStatus::Overdue => 0,
        SlaStatus::DueSoon => 1,
        _ if t.is_urgent() => 1,
        _ => 2,
    }
}

/// The tickets of `tab` in `order` (`sla`: a ticket's deadline status at this moment).
pub fn rows(
    tickets: &[TicketView],
    tab: QueueTab,
    order: QueueOrder,
    sla: impl Fn(&TicketView) -> SlaStatus,
) -> Vec<&TicketView> {
    let mut rows: Vec<(&TicketView, u8)> = tickets
        .iter()
        .filter_map(|t| {
            let status = sla(t);
            holds(tab, t, status).then(|| (t, pressing(t, status)))
        })
        .collect();
    match order {
        QueueOrder::ActionFirst => rows.sort_by(|(a, pa), (b, pb)| {
            pa.cmp(pb)
                .then(a.due_at.cmp(&b.due_at))
                .then(b.id.cmp(&a.id))
        }),
        QueueOrder::Newest => {
            rows.sort_by(|(a, _), (b, _)| b.received_at.cmp(&a.received_at).then(b.id.cmp(&a.id)));
        }
    }
    rows.into_iter().map(|(t, _)| t).collect()
}

/// `rows` held where they stood (`held`: ids in the order shown), for a list under the
/// pointer: tickets still listed keep their order, tickets gone leave, and tickets not among
/// `held` wait outside (counted in the second value).
pub fn hold<'a>(rows: &[&'a TicketView], held: &[TicketId]) -> (Vec<&'a TicketView>, usize) {
    let mut kept: Vec<(usize, &TicketView)> = Vec::new();
    let mut waiting = 0;
    for t in rows {
        match held.iter().position(|id| *id == t.id) {
            Some(at) => kept.push((at, *t)),
            None => waiting += 1,
        }
    }
    kept.sort_by_key(|(at, _)| *at);
    (kept.into_iter().map(|(_, t)| t).collect(), waiting)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn ticket(id: i64, state: TicketState, received: &str, due: &str) -> TicketView {
        let mut t: TicketView =
            serde_json::from_str(crate::api::tickets::tests::TICKET_JSON).unwrap();
        t.id = id;
        t.state = state;
        t.duplicate_flag = None;
        t.received_at = at(received);
        t.due_at = at(due);
        t
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn deadline_colours_win_over_state_colours() {
        assert_eq!(
            Tone::of(TicketState::Handling, SlaStatus::Overdue),
            Tone::Overdue
        );
        assert_eq!(
            Tone::of(TicketState::Reported, SlaStatus::DueSoon),
            Tone::DueSoon
        );
        assert_eq!(
            Tone::of(TicketState::Registered, SlaStatus::OnTime),
            Tone::New
        );
        assert_eq!(
            Tone::of(TicketState::Dispatched, SlaStatus::OnTime),
            Tone::Active
        );
        assert_eq!(
            Tone::of(TicketState::FedBack, SlaStatus::OnTime),
            Tone::Review
        );
        // A closed ticket that missed its deadline is done, not alarming.
        assert_eq!(Tone::of(TicketState::Closed, SlaStatus::Missed), Tone::Done);
    }

    #[test]
    fn sla_follows_the_clock_between_loads() {
        // A 10-hour window; due soon in the last 20 %, i.e. the last 2 hours.
        let t = ticket(
            1,
            TicketState::Dispatched,
            "2026-11-28T00:00:00Z",
            "2026-11-28T10:00:00Z",
        );
        let share = Some(0.2);
        assert_eq!(
            sla_at(&t, at("2026-11-28T07:59:00Z"), share),
            SlaStatus::OnTime
        );
        assert_eq!(
            sla_at(&t, at("2026-11-28T08:00:00Z"), share),
            SlaStatus::DueSoon
        );
        assert_eq!(
            sla_at(&t, at("2026-11-28T10:00:01Z"), share),
            SlaStatus::Overdue
        );
        // Without the server's table the server's own verdict stands.
        assert_eq!(sla_at(&t, at("2026-11-28T10:00:01Z"), None), t.sla);
    }

    #[test]
    fn tabs_sort_newest_first_and_deadlines_by_urgency() {
        use QueueOrder::Newest;
        let mut unrouted = ticket(
            4,
            TicketState::Reported,
            "2026-11-28T04:00:00Z",
            "2026-11-29T00:00:00Z",
        );
        unrouted.routing = binhe_api::tickets::RoutingView::default();
        unrouted.routing.unrouted = Some(binhe_api::tickets::Labelled::of(
            binhe_core::ticket::UnroutedReason::OutsideStreet,
        ));
        let tickets = vec![
            ticket(
                1,
                TicketState::Reported,
                "2026-11-28T01:00:00Z",
                "2026-11-28T12:00:00Z",
            ),
            ticket(
                2,
                TicketState::Registered,
                "2026-11-28T03:00:00Z",
                "2026-11-28T05:00:00Z",
            ),
            ticket(
                3,
                TicketState::Handling,
                "2026-11-28T02:00:00Z",
                "2026-11-28T03:00:00Z",
            ),
            unrouted,
            ticket(
                5,
                TicketState::Closed,
                "2026-11-28T05:00:00Z",
                "2026-11-28T06:00:00Z",
            ),
        ];
        let now = at("2026-11-28T04:40:00Z");
        let sla = |t: &TicketView| sla_at(t, now, Some(0.2));
        let ids = |tab| {
            rows(&tickets, tab, Newest, sla)
                .iter()
                .map(|t| t.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(QueueTab::New), vec![2, 1]);
        assert_eq!(ids(QueueTab::InProgress), vec![3]);
        // #3 is overdue (03:00); #2 is in the last 20 % of its 2-hour window; closed #5 is gone.
        assert_eq!(ids(QueueTab::Deadline), vec![2, 3]);
        let pressing = rows(&tickets, QueueTab::Deadline, QueueOrder::ActionFirst, sla);
        assert_eq!(
            pressing.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![3, 2]
        );
        assert_eq!(ids(QueueTab::Unrouted), vec![4]);
        assert!(ids(QueueTab::Flagged).is_empty());
    }

    #[test]
    fn what_needs_action_comes_first_an_urgent_ticket_above_week_long_ones() {
        let week =
            |id, received: &str, due: &str| ticket(id, TicketState::Registered, received, due);
        let mut urgent = week(3, "2026-11-28T03:00:00Z", "2026-11-28T06:00:00Z");
        urgent.urgency = binhe_core::ticket::Urgency::Urgent;
        let tickets = vec![
            week(1, "2026-11-28T01:00:00Z", "2026-12-05T01:00:00Z"),
            week(2, "2026-11-28T02:00:00Z", "2026-12-04T02:00:00Z"),
            urgent,
            week(4, "2026-11-28T04:00:00Z", "2026-12-06T04:00:00Z"),
            // Overdue since 03:30.
            week(5, "2026-11-27T03:30:00Z", "2026-11-28T03:30:00Z"),
        ];
        let now = at("2026-11-28T04:00:00Z");
        let sla = |t: &TicketView| sla_at(t, now, Some(0.2));
        let ids = |order| {
            rows(&tickets, QueueTab::New, order, sla)
                .iter()
                .map(|t| t.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(QueueOrder::ActionFirst), vec![5, 3, 2, 1, 4]);
        assert_eq!(ids(QueueOrder::Newest), vec![4, 3, 2, 1, 5]);
    }

    #[test]
    fn held_rows_keep_their_places_and_newcomers_wait() {
        let open = |id| {
            ticket(
                id,
                TicketState::Registered,
                "2026-11-28T01:00:00Z",
                "2026-12-05T01:00:00Z",
            )
        };
        let (first, third, fourth) = (open(1), open(3), open(4));
        // Held as 3, 2, 1; now 4 arrived on top, 2 left, and 1 would sort above 3.
        let (shown, waiting) = hold(&[&fourth, &first, &third], &[3, 2, 1]);
        assert_eq!(shown.iter().map(|t| t.id).collect::<Vec<_>>(), vec![3, 1]);
        assert_eq!(waiting, 1);
    }

    #[test]
    fn flagged_tickets_stay_in_their_state_tab_too() {
        let mut t = ticket(
            7,
            TicketState::Reported,
            "2026-11-28T01:00:00Z",
            "2026-12-05T01:00:00Z",
        );
        t.duplicate_flag = Some(binhe_core::ticket::DuplicateFlag {
            of: 3,
            distance_m: 20.0,
        });
        assert!(holds(QueueTab::Flagged, &t, SlaStatus::OnTime));
        assert!(holds(QueueTab::New, &t, SlaStatus::OnTime));
    }
}
