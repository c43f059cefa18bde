//! The desk's alerts, their pure side: what is worth a sound and a system notification — a new
//! urgent ticket, a ticket turning overdue, a camera alert (a ticket from a camera) or a door
//! forced or held open — found by comparing what the desk holds now with what it held before;
//! and the terminal's settings for them. Played and shown by `components::alerts`.

use std::collections::HashSet;

use binhe_api::devices::DoorAlarm;
use binhe_api::tickets::TicketView;
use binhe_core::ticket::{Channel, SlaStatus, TicketId, Urgency};
use serde::{Deserialize, Serialize};

use crate::api::texts::TicketNames;
use crate::i18n::{self, Lang};

/// Alerts of one kind past this many in one look are told as one ("5 件工单超期").
pub const MAX_SINGLE: usize = 3;

/// What an alert is about, most pressing first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertKind {
    Urgent,
    Overdue,
    /// A camera alert or a door alarm.
    Device,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urgent => "urgent",
            Self::Overdue => "overdue",
            Self::Device => "device",
        }
    }
}

/// This terminal's alert settings (kept in its browser storage).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[allow(clippy::struct_excessive_bools)]
pub struct AlertSettings {
    pub sound: bool,
    /// Notifications of the system (the desktop's, or the browser's once allowed).
    pub system: bool,
    pub urgent: bool,
    pub overdue: bool,
    pub device: bool,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            sound: true,
            system: true,
            urgent: true,
            overdue: true,
            device: true,
        }
    }
}

impl AlertSettings {
    /// Settings as stored; what cannot be read is the defaults.
    pub fn parse(text: Option<&str>) -> Self {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    pub fn to_json(self) -> String {
        serde_json::to_string(&self).unwrap_or_default()
    }

    pub fn wants(self, kind: AlertKind) -> bool {
        match kind {
            AlertKind::Urgent => self.urgent,
            AlertKind::Overdue => self.overdue,
            AlertKind::Device => self.device,
        }
    }
}

/// One alert: its kind, a title and a body for the notification, and the ticket it opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    pub kind: AlertKind,
    pub title: String,
    pub body: String,
    pub ticket: Option<TicketId>,
    /// Tells the notification apart (a later one with the same tag replaces it).
    pub tag: String,
}

/// Where a ticket is: `community · micro-grid`, or its address.
fn place(t: &TicketView) -> String {
    let grids: Vec<&str> = [&t.routing.community, &t.routing.micro]
        .into_iter()
        .flatten()
        .map(|g| g.name.as_str())
        .collect();
    if grids.is_empty() {
        t.address.clone().unwrap_or_default()
    } else {
        grids.join(" · ")
    }
}

/// A description cut for a notification's body.
fn short(text: &str) -> String {
    const CHARS: usize = 60;
    let mut chars = text.chars();
    let cut: String = chars.by_ref().take(CHARS).collect();
    if chars.next().is_some() {
        format!("{cut}…")
    } else {
        cut
    }
}

fn ticket_alert(kind: AlertKind, t: &TicketView, lang: Lang) -> Alert {
    let title = match kind {
        AlertKind::Urgent => i18n::alert_urgent(lang, t.id),
        AlertKind::Overdue => i18n::alert_overdue(lang, t.id),
        AlertKind::Device => i18n::alert_camera(lang, t.id),
    };
    Alert {
        kind,
        title,
        body: format!(
            "{} · {}\n{}",
            t.category_name(lang),
            place(t),
            short(&t.description)
        ),
        ticket: Some(t.id),
        tag: format!("{}-{}", kind.as_str(), t.id),
    }
}

/// What a door alarm is told as.
pub fn door_alert(alarm: &DoorAlarm, lang: Lang) -> Alert {
    let kind = match lang {
        Lang::Zh => alarm.event.kind.label_zh(),
        Lang::En => alarm.event.kind.label_en(),
    };
    let detail = alarm
        .event
        .detail
        .as_deref()
        .map_or_else(String::new, |d| format!(" · {d}"));
    Alert {
        kind: AlertKind::Device,
        title: i18n::alert_door(lang, &alarm.unit.name),
        body: format!("{kind}{detail}"),
        ticket: None,
        tag: format!("door-{}", alarm.event.id),
    }
}

/// Keeps the alerts of one kind to [`MAX_SINGLE`]: more are told as one.
pub fn gather(alerts: &[Alert], lang: Lang) -> Vec<Alert> {
    let mut out = Vec::new();
    for kind in [AlertKind::Urgent, AlertKind::Overdue, AlertKind::Device] {
        let of_kind: Vec<Alert> = alerts.iter().filter(|a| a.kind == kind).cloned().collect();
        if of_kind.len() > MAX_SINGLE {
            let n = of_kind.len();
            out.push(Alert {
                kind,
                title: i18n::alert_many(lang, n, &kind_name(kind, lang)),
                body: of_kind
                    .iter()
                    .take(MAX_SINGLE)
                    .map(|a| a.title.clone())
                    .collect::<Vec<_>>()
                    .join("\n"),
                ticket: None,
                tag: format!("{}-many", kind.as_str()),
            });
        } else {
            out.extend(of_kind);
        }
    }
    out
}

/// The kind as the settings name it.
pub fn kind_name(kind: AlertKind, lang: Lang) -> String {
    let msg = match kind {
        AlertKind::Urgent => i18n::Msg::AlertsKindUrgent,
        AlertKind::Overdue => i18n::Msg::AlertsKindOverdue,
        AlertKind::Device => i18n::Msg::AlertsKindDevice,
    };
    msg.text(lang).to_owned()
}

/// What the desk's tickets looked like last time: those seen, those already told overdue.
#[derive(Debug, Default)]
pub struct TicketWatch {
    primed: bool,
    seen: HashSet<TicketId>,
    overdue: HashSet<TicketId>,
}

impl TicketWatch {
    /// The alerts `tickets` give now: a ticket not seen before that is urgent, or from a camera;
    /// a ticket overdue by `sla` that was not before. The first look only learns what is there
    /// (what was urgent or overdue before the desk opened is in its queue, not news).
    pub fn look(
        &mut self,
        tickets: &[TicketView],
        sla: impl Fn(&TicketView) -> SlaStatus,
        lang: Lang,
    ) -> Vec<Alert> {
        let mut alerts = Vec::new();
        for t in tickets {
            let new = self.seen.insert(t.id);
            let overdue = sla(t) == SlaStatus::Overdue && self.overdue.insert(t.id);
            if !self.primed || !t.state.is_open() {
                continue;
            }
            if new && t.urgency == Urgency::Urgent {
                alerts.push(ticket_alert(AlertKind::Urgent, t, lang));
            } else if new && t.channel == Channel::Camera {
                alerts.push(ticket_alert(AlertKind::Device, t, lang));
            }
            if overdue {
                alerts.push(ticket_alert(AlertKind::Overdue, t, lang));
            }
        }
        self.primed = true;
        alerts
    }

    /// Another account, another street: start again.
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// The door alarms heard so far: the last id, once the first answer has given it.
#[derive(Debug, Default)]
pub struct DoorWatch {
    last: Option<i64>,
}

impl DoorWatch {
    /// What to ask next: `(after, limit)` — at first, only the newest (to learn where to start).
    pub fn ask(&self) -> (i64, u32) {
        match self.last {
            Some(last) => (last, 50),
            None => (0, 1),
        }
    }

    /// The alarms to tell from an answer (newest first); the first answer tells none.
    pub fn heard(&mut self, alarms: &[DoorAlarm], lang: Lang) -> Vec<Alert> {
        let newest = alarms.iter().map(|a| a.event.id).max();
        let primed = self.last.is_some();
        self.last = newest.max(self.last).or(Some(0));
        if !primed {
            return Vec::new();
        }
        alarms.iter().rev().map(|a| door_alert(a, lang)).collect()
    }

    pub fn reset(&mut self) {
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use binhe_api::devices::{DoorEventView, DoorUnit};
    use binhe_core::DoorEventKind;
    use binhe_core::ticket::TicketState;
    use chrono::{Duration, TimeZone, Utc};

    use super::*;

    fn ticket(id: TicketId) -> TicketView {
        crate::tickets::queue::tests::ticket(
            id,
            TicketState::Reported,
            "2026-12-04T01:00:00Z",
            "2026-12-05T01:00:00Z",
        )
    }

    fn on_time(_: &TicketView) -> SlaStatus {
        SlaStatus::OnTime
    }

    #[test]
    fn the_first_look_learns_and_later_ones_tell_what_is_new() {
        let mut watch = TicketWatch::default();
        let mut urgent = ticket(1);
        urgent.urgency = Urgency::Urgent;
        assert!(
            watch
                .look(&[urgent.clone(), ticket(2)], on_time, Lang::Zh)
                .is_empty()
        );
        assert!(
            watch
                .look(&[urgent.clone(), ticket(2)], on_time, Lang::Zh)
                .is_empty()
        );
        let mut new_urgent = ticket(3);
        new_urgent.urgency = Urgency::Urgent;
        new_urgent.description = "小区门口路灯不亮".to_owned();
        let alerts = watch.look(&[new_urgent.clone(), ticket(4), urgent], on_time, Lang::Zh);
        assert_eq!(alerts.len(), 1, "the urgent one only: {alerts:?}");
        assert_eq!(alerts[0].kind, AlertKind::Urgent);
        assert_eq!(alerts[0].ticket, Some(3));
        assert_eq!(alerts[0].title, "新的紧急工单 #3");
        assert!(
            alerts[0].body.ends_with("小区门口路灯不亮"),
            "{}",
            alerts[0].body
        );
        assert!(
            watch.look(&[new_urgent], on_time, Lang::Zh).is_empty(),
            "told once"
        );
    }

    #[test]
    fn a_ticket_is_told_once_when_it_turns_overdue_and_a_camera_alert_when_it_arrives() {
        let mut watch = TicketWatch::default();
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 2, 0, 0).unwrap();
        let mut due = ticket(1);
        due.due_at = now + Duration::minutes(1);
        let sla_at = |at: chrono::DateTime<Utc>| {
            move |t: &TicketView| {
                if at > t.due_at {
                    SlaStatus::Overdue
                } else {
                    SlaStatus::OnTime
                }
            }
        };
        assert!(
            watch
                .look(std::slice::from_ref(&due), sla_at(now), Lang::Zh)
                .is_empty()
        );
        let later = now + Duration::minutes(2);
        let alerts = watch.look(std::slice::from_ref(&due), sla_at(later), Lang::En);
        assert_eq!(
            alerts.iter().map(|a| a.kind).collect::<Vec<_>>(),
            [AlertKind::Overdue]
        );
        assert_eq!(alerts[0].title, "Overdue: ticket #1");
        assert!(
            watch
                .look(std::slice::from_ref(&due), sla_at(later), Lang::Zh)
                .is_empty()
        );

        let mut camera = ticket(2);
        camera.channel = Channel::Camera;
        let alerts = watch.look(&[camera, due.clone()], sla_at(later), Lang::Zh);
        assert_eq!(
            alerts.iter().map(|a| a.kind).collect::<Vec<_>>(),
            [AlertKind::Device]
        );
        assert_eq!(alerts[0].title, "视频告警 #2");

        // A closed ticket is no news.
        let mut closed = ticket(5);
        closed.urgency = Urgency::Urgent;
        closed.state = TicketState::Closed;
        assert!(watch.look(&[closed], sla_at(later), Lang::Zh).is_empty());
        watch.reset();
        let mut urgent = ticket(6);
        urgent.urgency = Urgency::Urgent;
        assert!(
            watch.look(&[urgent], on_time, Lang::Zh).is_empty(),
            "primed again after a reset"
        );
    }

    #[test]
    fn many_of_a_kind_are_told_as_one() {
        let alerts: Vec<Alert> = (1..=5)
            .map(|id| ticket_alert(AlertKind::Overdue, &ticket(id), Lang::Zh))
            .chain([ticket_alert(AlertKind::Urgent, &ticket(9), Lang::Zh)])
            .collect();
        let told = gather(&alerts, Lang::Zh);
        assert_eq!(told.len(), 2);
        assert_eq!(told[0].kind, AlertKind::Urgent);
        assert_eq!(told[1].title, "5 件：工单超期");
        assert_eq!(told[1].body.lines().count(), MAX_SINGLE);
    }

    fn alarm(id: i64) -> DoorAlarm {
        DoorAlarm {
            unit: DoorUnit {
                id: "MJ001".to_owned(),
                name: "金谷东园1号院门禁".to_owned(),
                grid: binhe_core::GridCode::parse("110117011000000").unwrap(),
            },
            event: DoorEventView {
                id,
                unit: "MJ001".to_owned(),
                at: Utc.with_ymd_and_hms(2026, 12, 4, 2, 0, 0).unwrap(),
                kind: DoorEventKind::Forced,
                kind_zh: "门被强行打开".to_owned(),
                detail: Some("2 号门".to_owned()),
            },
        }
    }

    #[test]
    fn door_alarms_are_told_from_the_newest_known_on() {
        let mut watch = DoorWatch::default();
        assert_eq!(watch.ask(), (0, 1));
        assert!(
            watch.heard(&[alarm(7)], Lang::Zh).is_empty(),
            "the first answer sets the start"
        );
        assert_eq!(watch.ask(), (7, 50));
        let told = watch.heard(&[alarm(9), alarm(8)], Lang::Zh);
        assert_eq!(
            told.iter().map(|a| a.tag.as_str()).collect::<Vec<_>>(),
            ["door-8", "door-9"]
        );
        assert_eq!(told[0].title, "门禁告警：金谷东园1号院门禁");
        assert_eq!(told[0].body, "门被强行打开 · 2 号门");
        assert_eq!(watch.ask(), (9, 50));
        assert!(watch.heard(&[], Lang::Zh).is_empty());
        assert_eq!(watch.ask(), (9, 50));
        // A street without any alarm yet starts from 0.
        let mut empty = DoorWatch::default();
        assert!(empty.heard(&[], Lang::Zh).is_empty());
        assert_eq!(empty.ask(), (0, 50));
        assert_eq!(empty.heard(&[alarm(1)], Lang::Zh).len(), 1);
    }

    #[test]
    fn settings_read_back_and_unknown_text_gives_the_defaults() {
        let mut settings = AlertSettings::default();
        assert!(settings.sound && settings.system && settings.wants(AlertKind::Device));
        settings.sound = false;
        settings.overdue = false;
        assert_eq!(AlertSettings::parse(Some(&settings.to_json())), settings);
        assert!(!AlertSettings::parse(Some(&settings.to_json())).wants(AlertKind::Overdue));
        let partial = AlertSettings::parse(Some("{\"sound\":false}"));
        assert!(
            !partial.sound && partial.system,
            "what is not said stays on"
        );
        assert_eq!(
            AlertSettings::parse(Some("not json")),
            AlertSettings::default()
        );
        assert_eq!(AlertSettings::parse(None), AlertSettings::default());
    }
}
