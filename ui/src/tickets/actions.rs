//! What a dispatcher may do with a ticket in its current state (the table of
//! `docs/api-tickets.md`), and what each action asks for before it is sent. The actions are
//! the contract's ([`ActionKind`], with their names); this adds what the card needs.
//!
//! The server decides; this only keeps buttons that would be refused off the card.

use binhe_api::tickets::{ActionRequest, EventView, TicketView, UNDO_WINDOW};
use binhe_core::access::Role;
use binhe_core::label::Labelled;
use binhe_core::ticket::{
    ActionKind, EscalationLevel, Outcome, Satisfaction, TicketId, TicketState,
};
use chrono::{DateTime, Utc};

use crate::i18n::Lang;

/// Something an action needs from the dispatcher besides the ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// A grid, chosen in the grid chooser.
    Grid,
    /// `reason`, required.
    Reason,
    /// `note`, required.
    Note,
    /// `note`, optional.
    OptionalNote,
    /// `outcome`: solved / unsolved.
    Outcome,
    /// `satisfaction`: satisfied / basic / dissatisfied.
    Satisfaction,
    /// `level`: community / street / district.
    Level,
    /// `into`: the ticket id to merge into.
    Into,
    /// `address` or `grid_code`, or a point picked on the map.
    Location,
}

/// One choice of a select input: its wire code and its name in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    pub code: &'static str,
    zh: &'static str,
    en: &'static str,
}

impl Choice {
    fn of<T: Labelled>(value: T) -> Self {
        Self {
            code: value.code(),
            zh: value.label_zh(),
            en: value.label_en(),
        }
    }

    pub fn name(self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }
}

/// The choices of a select input for someone of `role`, in the order offered (the first is
/// preselected).
pub fn choices(input: Input, role: Role) -> Option<Vec<Choice>> {
    match input {
        Input::Outcome => Some(Outcome::ALL.map(Choice::of).to_vec()),
        Input::Satisfaction => Some(Satisfaction::ALL.map(Choice::of).to_vec()),
        Input::Level => Some(
            escalation_levels(role)
                .into_iter()
                .map(Choice::of)
                .collect(),
        ),
        _ => None,
    }
}

/// Where someone of `role` may hand an order up to (上交): only the levels above their own —
/// a grid worker to the community, the street or the district, a community commander to the
/// street or the district, the street's dispatcher (and the desk of an administrator) to the
/// district.
pub fn escalation_levels(role: Role) -> Vec<EscalationLevel> {
    let lowest = match role {
        Role::Worker => EscalationLevel::Community,
        Role::Commander => EscalationLevel::Street,
        Role::Dispatcher | Role::Administrator => EscalationLevel::District,
    };
    EscalationLevel::ALL
        .into_iter()
        .skip_while(|level| *level != lowest)
        .collect()
}

/// Card order: the loop's next step first, corrections and refusals last (flagging a
/// duplicate is the intake's own and never offered).
pub const CARD_ORDER: [ActionKind; 18] = [
    ActionKind::Register,
    ActionKind::Dispatch,
    ActionKind::SelfHandle,
    ActionKind::Start,
    ActionKind::Contact,
    ActionKind::Feedback,
    ActionKind::Verify,
    ActionKind::Reject,
    ActionKind::Close,
    ActionKind::Reopen,
    ActionKind::Escalate,
    ActionKind::Delegate,
    ActionKind::Relocate,
    ActionKind::Merge,
    ActionKind::Unmerge,
    ActionKind::DismissFlag,
    ActionKind::UndoDispatch,
    ActionKind::Cancel,
];

/// What the card needs of an action besides its name.
pub trait OnTheCard {
    /// What the action asks for, in form order.
    fn inputs(self) -> &'static [Input];
    /// Refusals and corrections are drawn quieter than the loop's own steps.
    fn is_secondary(&self) -> bool;
    /// Whether the contract allows the action on `t` now; `events` is its history (for undo).
    fn allowed(self, t: &TicketView, events: &[EventView], now: DateTime<Utc>) -> bool;
}

impl OnTheCard for ActionKind {
    fn inputs(self) -> &'static [Input] {
        match self {
            Self::Register | Self::Contact => &[Input::OptionalNote],
            Self::Cancel | Self::Reopen => &[Input::Reason],
            Self::Dispatch | Self::SelfHandle => &[Input::Grid],
            Self::Delegate => &[Input::Grid, Input::OptionalNote],
            Self::Escalate => &[Input::Level, Input::Reason],
            Self::Feedback => &[Input::Outcome, Input::Note],
            Self::Verify => &[Input::Satisfaction, Input::OptionalNote],
            Self::Reject => &[Input::Note],
            Self::Relocate => &[Input::Location],
            Self::Merge => &[Input::Into],
            Self::Start
            | Self::Close
            | Self::Unmerge
            | Self::DismissFlag
            | Self::UndoDispatch
            | Self::FlagDuplicate => &[],
        }
    }

    fn is_secondary(&self) -> bool {
        matches!(
            *self,
            Self::Contact
                | Self::Escalate
                | Self::Delegate
                | Self::Relocate
                | Self::Merge
                | Self::Cancel
                | Self::Reopen
                | Self::UndoDispatch
        )
    }

    fn allowed(self, t: &TicketView, events: &[EventView], now: DateTime<Utc>) -> bool {
        use TicketState::{
            Closed, Dispatched, FedBack, Handling, Merged, Registered, Reported, Verified,
        };
        let s = t.state;
        let at_district = t.assignment.as_ref().is_some_and(|a| a.grid.is_none());
        match self {
            Self::Register => s == Reported,
            Self::Cancel | Self::SelfHandle | Self::Relocate | Self::Merge => {
                matches!(s, Reported | Registered)
            }
            Self::Dispatch => matches!(s, Registered | Dispatched),
            Self::UndoDispatch => undo_until(events).is_some_and(|until| now <= until),
            Self::Start => s == Dispatched && !at_district,
            Self::Escalate => matches!(s, Registered | Dispatched | Handling),
            Self::Delegate => matches!(s, Dispatched | Handling) && !at_district,
            Self::Contact => s.is_open(),
            Self::Feedback => s == Handling || (s == Dispatched && at_district),
            Self::Verify | Self::Reject => s == FedBack,
            Self::Close => s == Verified,
            Self::Reopen => matches!(s, Verified | Closed),
            Self::Unmerge => s == Merged,
            Self::DismissFlag => t.duplicate_flag.is_some(),
            Self::FlagDuplicate => false,
        }
    }
}

/// Until when the latest dispatch may be undone, if the latest event is a dispatch.
pub fn undo_until(events: &[EventView]) -> Option<DateTime<Utc>> {
    let last = events.iter().max_by_key(|e| e.version)?;
    (last.kind == "dispatched").then(|| last.at + UNDO_WINDOW)
}

/// What the dispatcher filled in; only the fields the action asks for are sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filled {
    pub grid: Option<String>,
    pub text: String,
    pub choice: String,
    pub into: Option<TicketId>,
    pub address: String,
    pub point: Option<[f64; 2]>,
}

/// The body of `POST /api/tickets/{id}/actions`.
pub fn request(action: ActionKind, version: u32, filled: &Filled) -> ActionRequest {
    let mut body = ActionRequest::new(action, version);
    let text = filled.text.trim();
    for input in action.inputs() {
        match input {
            Input::Grid => body.grid.clone_from(&filled.grid),
            Input::Reason => body.reason = Some(text.to_owned()),
            Input::Note => body.note = Some(text.to_owned()),
            Input::OptionalNote if !text.is_empty() => body.note = Some(text.to_owned()),
            Input::OptionalNote => {}
            Input::Outcome => body.outcome = Some(filled.choice.clone()),
            Input::Satisfaction => body.satisfaction = Some(filled.choice.clone()),
            Input::Level => body.level = Some(filled.choice.clone()),
            Input::Into => body.into = filled.into,
            Input::Location => location(&mut body, filled),
        }
    }
    body
}

/// A picked point wins; otherwise a 15-digit code is a grid code and anything else an address.
fn location(body: &mut ActionRequest, filled: &Filled) {
    let typed = filled.address.trim();
    if let Some([lon, lat]) = filled.point {
        body.lon = Some(lon);
        body.lat = Some(lat);
    } else if is_grid_code(typed) {
        body.grid_code = Some(typed.to_owned());
    } else {
        body.address = Some(typed.to_owned());
    }
}

/// A grid code (15 digits, 17 for units) rather than an address.
pub fn is_grid_code(text: &str) -> bool {
    matches!(text.len(), 15 | 17) && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::tickets::queue::tests::ticket;

    fn event(version: u32, kind: &str, at: &str) -> EventView {
        serde_json::from_value(json!({
            "event_id": version, "ticket_id": 1, "version": version, "at": at,
            "actor": {"id": "d1", "name": "调度员", "role": "dispatcher", "role_zh": "调度员"},
            "from": null, "to": "dispatched", "to_zh": "已分派", "type": kind, "summary_zh": "", "summary_en": "",
            "change": {"type": "started"},
        }))
        .unwrap()
    }

    fn allowed(t: &TicketView) -> Vec<ActionKind> {
        let now = t.received_at;
        CARD_ORDER
            .into_iter()
            .filter(|a| a.allowed(t, &[], now))
            .collect()
    }

    fn request_json(action: ActionKind, version: u32, filled: &Filled) -> serde_json::Value {
        serde_json::to_value(request(action, version, filled)).unwrap()
    }

    #[test]
    fn a_reported_ticket_can_be_registered_handled_corrected_or_cancelled() {
        let mut t = ticket(
            1,
            TicketState::Reported,
            "2026-11-28T01:00:00Z",
            "2026-12-05T01:00:00Z",
        );
        t.assignment = None;
        assert_eq!(
            allowed(&t),
            vec![
                ActionKind::Register,
                ActionKind::SelfHandle,
                ActionKind::Contact,
                ActionKind::Relocate,
                ActionKind::Merge,
                ActionKind::Cancel
            ]
        );
    }

    #[test]
    fn a_ticket_at_the_district_is_fed_back_without_starting() {
        let mut t = ticket(
            1,
            TicketState::Dispatched,
            "2026-11-28T01:00:00Z",
            "2026-12-05T01:00:00Z",
        );
        assert!(ActionKind::Start.allowed(&t, &[], t.received_at));
        assert!(!ActionKind::Feedback.allowed(&t, &[], t.received_at));
        t.assignment.as_mut().unwrap().grid = None;
        assert!(!ActionKind::Start.allowed(&t, &[], t.received_at));
        assert!(ActionKind::Feedback.allowed(&t, &[], t.received_at));
    }

    #[test]
    fn undo_is_offered_for_thirty_seconds_after_the_latest_dispatch() {
        let t = ticket(
            1,
            TicketState::Dispatched,
            "2026-11-28T01:00:00Z",
            "2026-12-05T01:00:00Z",
        );
        let events = [
            event(1, "received", "2026-11-28T01:00:00Z"),
            event(2, "dispatched", "2026-11-28T01:01:00Z"),
        ];
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        assert!(ActionKind::UndoDispatch.allowed(&t, &events, at("2026-11-28T01:01:30Z")));
        assert!(!ActionKind::UndoDispatch.allowed(&t, &events, at("2026-11-28T01:01:31Z")));
        let later = [
            events[0].clone(),
            events[1].clone(),
            event(3, "started", "2026-11-28T01:01:10Z"),
        ];
        assert!(!ActionKind::UndoDispatch.allowed(&t, &later, at("2026-11-28T01:01:20Z")));
    }

    #[test]
    fn escalation_offers_only_the_levels_above_the_one_escalating() {
        use EscalationLevel::{Community, District, Street};
        assert_eq!(
            escalation_levels(Role::Worker),
            vec![Community, Street, District]
        );
        assert_eq!(escalation_levels(Role::Commander), vec![Street, District]);
        assert_eq!(escalation_levels(Role::Dispatcher), vec![District]);
        let codes: Vec<_> = choices(Input::Level, Role::Dispatcher)
            .unwrap()
            .into_iter()
            .map(|c| c.code)
            .collect();
        assert_eq!(codes, vec!["district"]);
    }

    #[test]
    fn requests_carry_only_what_the_action_asks_for() {
        let filled = Filled {
            grid: Some("110117001001003".into()),
            text: "  已到场处理  ".into(),
            choice: "solved".into(),
            ..Filled::default()
        };
        assert_eq!(
            request_json(ActionKind::Dispatch, 3, &filled),
            json!({"action": "dispatch", "version": 3, "grid": "110117001001003"})
        );
        assert_eq!(
            request_json(ActionKind::Feedback, 5, &filled),
            json!({"action": "feedback", "version": 5, "outcome": "solved", "note": "已到场处理"})
        );
        let empty = Filled::default();
        assert_eq!(
            request_json(ActionKind::Register, 1, &empty),
            json!({"action": "register", "version": 1})
        );
    }

    #[test]
    fn relocation_sends_a_point_a_grid_code_or_an_address() {
        let mut filled = Filled {
            address: "110117001001003".into(),
            ..Filled::default()
        };
        assert_eq!(
            request_json(ActionKind::Relocate, 1, &filled)["grid_code"],
            "110117001001003"
        );
        filled.address = "金谷东园 3 号楼".into();
        assert_eq!(
            request_json(ActionKind::Relocate, 1, &filled)["address"],
            "金谷东园 3 号楼"
        );
        filled.point = Some([117.1, 40.1]);
        let body = request_json(ActionKind::Relocate, 1, &filled);
        assert_eq!(
            (body["lon"].as_f64(), body.get("address")),
            (Some(117.1), None)
        );
    }
}
