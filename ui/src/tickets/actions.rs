//! What a dispatcher may do with a ticket in its current state (the table of
//! `docs/api-tickets.md`), and what each action asks for before it is sent.
//!
//! The server decides; this only keeps buttons that would be refused off the card.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use crate::api::tickets::{Event, State, Ticket, TicketId};
use crate::i18n::Msg;

/// How long after a dispatch its author may take it back (the contract's undo window).
pub const UNDO_WINDOW: Duration = Duration::seconds(30);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Register,
    Dispatch,
    SelfHandle,
    Start,
    Contact,
    Feedback,
    Verify,
    Reject,
    Close,
    Reopen,
    Escalate,
    Delegate,
    Relocate,
    Merge,
    Unmerge,
    DismissFlag,
    UndoDispatch,
    Cancel,
}

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

/// The choices of the select inputs: (wire value, label).
pub const OUTCOMES: [(&str, Msg); 2] = [
    ("solved", Msg::OutcomeSolved),
    ("unsolved", Msg::OutcomeUnsolved),
];
pub const SATISFACTIONS: [(&str, Msg); 3] = [
    ("satisfied", Msg::SatisfactionSatisfied),
    ("basic", Msg::SatisfactionBasic),
    ("dissatisfied", Msg::SatisfactionDissatisfied),
];
pub const LEVELS: [(&str, Msg); 3] = [
    ("community", Msg::EscalateCommunity),
    ("street", Msg::EscalateStreet),
    ("district", Msg::EscalateDistrict),
];

impl Action {
    /// Card order: the loop's next step first, corrections and refusals last.
    pub const ALL: [Action; 18] = [
        Action::Register,
        Action::Dispatch,
        Action::SelfHandle,
        Action::Start,
        Action::Contact,
        Action::Feedback,
        Action::Verify,
        Action::Reject,
        Action::Close,
        Action::Reopen,
        Action::Escalate,
        Action::Delegate,
        Action::Relocate,
        Action::Merge,
        Action::Unmerge,
        Action::DismissFlag,
        Action::UndoDispatch,
        Action::Cancel,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Register => "register",
            Action::Dispatch => "dispatch",
            Action::SelfHandle => "self_handle",
            Action::Start => "start",
            Action::Contact => "contact",
            Action::Feedback => "feedback",
            Action::Verify => "verify",
            Action::Reject => "reject",
            Action::Close => "close",
            Action::Reopen => "reopen",
            Action::Escalate => "escalate",
            Action::Delegate => "delegate",
            Action::Relocate => "relocate",
            Action::Merge => "merge",
            Action::Unmerge => "unmerge",
            Action::DismissFlag => "dismiss_flag",
            Action::UndoDispatch => "undo_dispatch",
            Action::Cancel => "cancel",
        }
    }

    pub fn label(self) -> Msg {
        match self {
            Action::Register => Msg::ActRegister,
            Action::Dispatch => Msg::ActDispatch,
            Action::SelfHandle => Msg::ActSelfHandle,
            Action::Start => Msg::ActStart,
            Action::Contact => Msg::ActContact,
            Action::Feedback => Msg::ActFeedback,
            Action::Verify => Msg::ActVerify,
            Action::Reject => Msg::ActReject,
            Action::Close => Msg::ActClose,
            Action::Reopen => Msg::ActReopen,
            Action::Escalate => Msg::ActEscalate,
            Action::Delegate => Msg::ActDelegate,
            Action::Relocate => Msg::ActRelocate,
            Action::Merge => Msg::ActMerge,
            Action::Unmerge => Msg::ActUnmerge,
            Action::DismissFlag => Msg::ActDismissFlag,
            Action::UndoDispatch => Msg::ActUndo,
            Action::Cancel => Msg::ActCancel,
        }
    }

    /// What the action asks for, in form order.
    pub fn inputs(self) -> &'static [Input] {
        match self {
            Action::Register | Action::Contact => &[Input::OptionalNote],
            Action::Cancel | Action::Reopen => &[Input::Reason],
            Action::Dispatch | Action::SelfHandle => &[Input::Grid],
            Action::Delegate => &[Input::Grid, Input::OptionalNote],
            Action::Escalate => &[Input::Level, Input::Reason],
            Action::Feedback => &[Input::Outcome, Input::Note],
            Action::Verify => &[Input::Satisfaction, Input::OptionalNote],
            Action::Reject => &[Input::Note],
            Action::Relocate => &[Input::Location],
            Action::Merge => &[Input::Into],
            Action::Start
            | Action::Close
            | Action::Unmerge
            | Action::DismissFlag
            | Action::UndoDispatch => &[],
        }
    }

    /// Refusals and corrections are drawn quieter than the loop's own steps.
    pub fn is_secondary(self) -> bool {
        matches!(
            self,
            Action::Contact
                | Action::Escalate
                | Action::Delegate
                | Action::Relocate
                | Action::Merge
                | Action::Cancel
                | Action::Reopen
                | Action::UndoDispatch
        )
    }

    /// Whether the contract allows the action on `t` now; `events` is its history (for undo).
    pub fn allowed(self, t: &Ticket, events: &[Event], now: DateTime<Utc>) -> bool {
        use State::{
            Closed, Dispatched, FedBack, Handling, Merged, Registered, Reported, Verified,
        };
        let s = t.state;
        let at_district = t.assignment.as_ref().is_some_and(|a| a.grid.is_none());
        match self {
            Action::Register => s == Reported,
            Action::Cancel | Action::SelfHandle | Action::Relocate | Action::Merge => {
                matches!(s, Reported | Registered)
            }
            Action::Dispatch => matches!(s, Registered | Dispatched),
            Action::UndoDispatch => undo_until(events).is_some_and(|until| now <= until),
            Action::Start => s == Dispatched && !at_district,
            Action::Escalate => matches!(s, Registered | Dispatched | Handling),
            Action::Delegate => matches!(s, Dispatched | Handling) && !at_district,
            Action::Contact => s.is_open(),
            Action::Feedback => s == Handling || (s == Dispatched && at_district),
            Action::Verify | Action::Reject => s == FedBack,
            Action::Close => s == Verified,
            Action::Reopen => matches!(s, Verified | Closed),
            Action::Unmerge => s == Merged,
            Action::DismissFlag => t.duplicate_flag.is_some(),
        }
    }
}

/// Until when the latest dispatch may be undone, if the latest event is a dispatch.
pub fn undo_until(events: &[Event]) -> Option<DateTime<Utc>> {
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
pub fn request(action: Action, version: u32, filled: &Filled) -> Value {
    let mut body = Map::new();
    body.insert("action".into(), json!(action.as_str()));
    body.insert("version".into(), json!(version));
    let text = filled.text.trim();
    for input in action.inputs() {
        match input {
            Input::Grid => {
                body.insert("grid".into(), json!(filled.grid));
            }
            Input::Reason => {
                body.insert("reason".into(), json!(text));
            }
            Input::Note => {
                body.insert("note".into(), json!(text));
            }
            Input::OptionalNote if !text.is_empty() => {
                body.insert("note".into(), json!(text));
            }
            Input::OptionalNote => {}
            Input::Outcome => {
                body.insert("outcome".into(), json!(filled.choice));
            }
            Input::Satisfaction => {
                body.insert("satisfaction".into(), json!(filled.choice));
            }
            Input::Level => {
                body.insert("level".into(), json!(filled.choice));
            }
            Input::Into => {
                body.insert("into".into(), json!(filled.into));
            }
            Input::Location => location(&mut body, filled),
        }
    }
    Value::Object(body)
}

/// A picked point wins; otherwise a 15-digit code is a grid code and anything else an address.
fn location(body: &mut Map<String, Value>, filled: &Filled) {
    let typed = filled.address.trim();
    if let Some([lon, lat]) = filled.point {
        body.insert("lon".into(), json!(lon));
        body.insert("lat".into(), json!(lat));
    } else if is_grid_code(typed) {
        body.insert("grid_code".into(), json!(typed));
    } else {
        body.insert("address".into(), json!(typed));
    }
}

/// A grid code (15 digits, 17 for units) rather than an address.
pub fn is_grid_code(text: &str) -> bool {
    matches!(text.len(), 15 | 17) && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::queue::tests::ticket;

    fn event(version: u32, kind: &str, at: &str) -> Event {
        serde_json::from_value(json!({
            "event_id": version, "version": version, "at": at,
            "actor": {"id": "d1", "name": "调度员", "role": "dispatcher"},
            "from": null, "to": null, "type": kind, "summary_zh": "", "summary_en": "",
        }))
        .unwrap()
    }

    fn allowed(t: &Ticket) -> Vec<Action> {
        let now = t.received_at;
        Action::ALL
            .into_iter()
            .filter(|a| a.allowed(t, &[], now))
            .collect()
    }

    #[test]
    fn a_reported_ticket_can_be_registered_handled_corrected_or_cancelled() {
        let mut t = ticket(
            1,
            State::Reported,
            "2026-11-28T01:00:00Z",
            "2026-12-05T01:00:00Z",
        );
        t.assignment = None;
        assert_eq!(
            allowed(&t),
            vec![
                Action::Register,
                Action::SelfHandle,
                Action::Contact,
                Action::Relocate,
                Action::Merge,
                Action::Cancel
            ]
        );
    }

    #[test]
    fn a_ticket_at_the_district_is_fed_back_without_starting() {
        let mut t = ticket(
            1,
            State::Dispatched,
            "2026-11-28T01:00:00Z",
            "2026-12-05T01:00:00Z",
        );
        assert!(Action::Start.allowed(&t, &[], t.received_at));
        assert!(!Action::Feedback.allowed(&t, &[], t.received_at));
        t.assignment.as_mut().unwrap().grid = None;
        assert!(!Action::Start.allowed(&t, &[], t.received_at));
        assert!(Action::Feedback.allowed(&t, &[], t.received_at));
    }

    #[test]
    fn undo_is_offered_for_thirty_seconds_after_the_latest_dispatch() {
        let t = ticket(
            1,
            State::Dispatched,
            "2026-11-28T01:00:00Z",
            "2026-12-05T01:00:00Z",
        );
        let events = [
            event(1, "received", "2026-11-28T01:00:00Z"),
            event(2, "dispatched", "2026-11-28T01:01:00Z"),
        ];
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        assert!(Action::UndoDispatch.allowed(&t, &events, at("2026-11-28T01:01:30Z")));
        assert!(!Action::UndoDispatch.allowed(&t, &events, at("2026-11-28T01:01:31Z")));
        let later = [
            events[0].clone(),
            events[1].clone(),
            event(3, "started", "2026-11-28T01:01:10Z"),
        ];
        assert!(!Action::UndoDispatch.allowed(&t, &later, at("2026-11-28T01:01:20Z")));
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
            request(Action::Dispatch, 3, &filled),
            json!({"action": "dispatch", "version": 3, "grid": "110117001001003"})
        );
        assert_eq!(
            request(Action::Feedback, 5, &filled),
            json!({"action": "feedback", "version": 5, "outcome": "solved", "note": "已到场处理"})
        );
        let empty = Filled::default();
        assert_eq!(
            request(Action::Register, 1, &empty),
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
            request(Action::Relocate, 1, &filled)["grid_code"],
            "110117001001003"
        );
        filled.address = "金谷东园 3 号楼".into();
        assert_eq!(
            request(Action::Relocate, 1, &filled)["address"],
            "金谷东园 3 号楼"
        );
        filled.point = Some([117.1, 40.1]);
        let body = request(Action::Relocate, 1, &filled);
        assert_eq!(
            (body["lon"].as_f64(), body.get("address")),
            (Some(117.1), None)
        );
    }
}
