//! A street's tickets as they stood at any moment, rebuilt from the append-only event log
//! (issue 17, replay): the tickets open when a replay begins ([`Scene`]), then each event in
//! log order as a [`Step`] that changes one ticket. The server cuts the log into steps; the UI's
//! replay applies them as its clock passes them ([`Playback`]), forwards or back.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::lifecycle::{Change, TicketEvent};
use super::{TicketId, TicketState, Urgency};
use crate::code::GridCode;

/// One ticket as a replay shows it: on the map (its point) and in the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    pub id: TicketId,
    pub category: String,
    pub description: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub state: TicketState,
    /// The grid holding the order, else the micro-grid it lies in.
    pub grid: Option<GridCode>,
    pub urgent: bool,
    pub received_at: DateTime<Utc>,
}

/// One event of the log as a replay applies it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The event's id in the log.
    pub event: i64,
    pub at: DateTime<Utc>,
    pub ticket: TicketId,
    /// `received`, `registered`, `dispatched` … (the event's kind).
    pub kind: String,
    pub state: TicketState,
    /// The grid the order went to, when the step moved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<GridCode>,
    pub actor: String,
    /// The ticket as it came in (a receipt only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<Shown>,
}

impl Step {
    /// The step of `event`, stored with id `id`.
    pub fn of(id: i64, event: &TicketEvent) -> Self {
        let grid = match &event.change {
            Change::Dispatched { assignment, .. }
            | Change::SelfHandled { assignment }
            | Change::Escalated { assignment, .. }
            | Change::Delegated { assignment, .. } => assignment.grid.clone(),
            Change::DispatchUndone { restored, .. } => {
                restored.as_ref().and_then(|a| a.grid.clone())
            }
            _ => None,
        };
        let received = match &event.change {
            Change::Received {
                intake,
                location,
                routing,
                ..
            } => Some(Shown {
                id: event.ticket_id,
                category: intake.category.clone(),
                description: intake.description.chars().take(80).collect(),
                lon: location.as_ref().map(|p| p.lon),
                lat: location.as_ref().map(|p| p.lat),
                state: event.to,
                grid: routing.micro.clone().or_else(|| routing.community.clone()),
                urgent: intake.urgency == Urgency::Urgent,
                received_at: event.at,
            }),
            _ => None,
        };
        Self {
            event: id,
            at: event.at,
            ticket: event.ticket_id,
            kind: event.change.kind().to_owned(),
            state: event.to,
            grid,
            actor: event.actor.name.clone(),
            received,
        }
    }
}

/// The tickets at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    pub tickets: BTreeMap<TicketId, Shown>,
}

impl Scene {
    /// Applies one step: a receipt adds its ticket, any other step moves one.
    pub fn apply(&mut self, step: &Step) {
        if let Some(shown) = &step.received {
            self.tickets.insert(step.ticket, shown.clone());
            return;
        }
        if let Some(shown) = self.tickets.get_mut(&step.ticket) {
            shown.state = step.state;
            if step.grid.is_some() {
                shown.grid.clone_from(&step.grid);
            }
        }
    }

    /// The tickets still open (the queue).
    pub fn open(&self) -> impl Iterator<Item = &Shown> {
        self.tickets.values().filter(|t| t.state.is_open())
    }
}

/// A replay under way: the scene at its start, the steps, and how far it has come.
#[derive(Debug, Clone)]
pub struct Playback {
    start: Scene,
    steps: Vec<Step>,
    scene: Scene,
    next: usize,
}

impl Playback {
    /// A replay of `steps` (in log order) from `start`.
    pub fn new(start: Scene, steps: Vec<Step>) -> Self {
        Self {
            scene: start.clone(),
            start,
            steps,
            next: 0,
        }
    }

    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Steps applied so far.
    pub fn applied(&self) -> usize {
        self.next
    }

    /// Brings the scene to `at`: every step at or before it applied, none after. Forwards it
    /// applies only the steps passed (their range is returned, to show them as they happen);
    /// back, it starts again from the start.
    pub fn seek(&mut self, at: DateTime<Utc>) -> std::ops::Range<usize> {
        if self.next > 0 && self.steps[self.next - 1].at > at {
            self.scene = self.start.clone();
            self.next = 0;
        }
        let from = self.next;
        while let Some(step) = self.steps.get(self.next) {
            if step.at > at {
                break;
            }
            self.scene.apply(step);
            self.next += 1;
        }
        from..self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn shown(id: TicketId, at: DateTime<Utc>) -> Shown {
        Shown {
            id,
            category: "garbage".to_owned(),
            description: "垃圾".to_owned(),
            lon: Some(117.1),
            lat: Some(40.1),
            state: TicketState::Reported,
            grid: None,
            urgent: false,
            received_at: at,
        }
    }

    fn step(event: i64, at: DateTime<Utc>, ticket: TicketId, state: TicketState) -> Step {
        Step {
            event,
            at,
            ticket,
            kind: state.as_str().to_owned(),
            state,
            grid: None,
            actor: "李调度".to_owned(),
            received: None,
        }
    }

    #[test]
    fn a_playback_shows_the_street_as_it_stood_forwards_and_back() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 0).unwrap();
        let min = |m: i64| t0 + chrono::Duration::minutes(m);
        let mut start = Scene::default();
        start.tickets.insert(1, shown(1, t0));
        let micro = GridCode::parse("110117001017003").unwrap();
        let steps = vec![
            Step {
                received: Some(shown(2, min(5))),
                ..step(10, min(5), 2, TicketState::Reported)
            },
            Step {
                grid: Some(micro.clone()),
                ..step(11, min(10), 1, TicketState::Dispatched)
            },
            step(12, min(20), 1, TicketState::Closed),
        ];
        let mut playback = Playback::new(start, steps);
        assert_eq!(playback.seek(min(1)), 0..0);
        assert_eq!(playback.scene().open().count(), 1);
        assert_eq!(playback.seek(min(10)), 0..2, "both steps up to 10 minutes");
        assert_eq!(playback.scene().tickets[&1].grid, Some(micro));
        assert_eq!(playback.scene().open().count(), 2);
        assert_eq!(playback.seek(min(30)), 2..3);
        assert_eq!(playback.scene().open().count(), 1, "ticket 1 closed");
        // Back to 7 minutes: ticket 2 in, ticket 1 not yet dispatched.
        assert_eq!(playback.seek(min(7)), 0..1);
        assert_eq!(playback.scene().tickets[&1].state, TicketState::Reported);
        assert_eq!(playback.applied(), 1);
        let wire: Step =
            serde_json::from_str(&serde_json::to_string(&playback.steps()[0]).unwrap()).unwrap();
        assert_eq!(wire, playback.steps()[0]);
    }
}
