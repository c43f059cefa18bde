//! JSON shapes of tickets and events as the UI reads them (see docs/api-tickets.md).

use binhe_core::ticket::lifecycle::Change;
use binhe_core::ticket::{
    Catalogue, Channel, EscalationLevel, Outcome, Satisfaction, SlaStatus, SlaTable, Ticket,
    TicketState,
};
use binhe_core::{DeviceKind, GridCode};
use binhe_store::StoredEvent;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::dataset::GridView;

/// What a ticket's JSON needs besides the ticket.
pub struct ViewContext<'a> {
    pub view: &'a GridView,
    pub catalogue: &'a Catalogue,
    pub sla: &'a SlaTable,
    pub now: DateTime<Utc>,
}

impl ViewContext<'_> {
    fn grid_name(&self, code: &GridCode) -> String {
        self.view
            .hierarchy()
            .by_code(code)
            .map_or_else(|| code.to_string(), |g| g.name.clone())
    }

    fn grid_ref(&self, code: Option<&GridCode>) -> Value {
        code.map_or(
            Value::Null,
            |c| json!({ "code": c, "name": self.grid_name(c) }),
        )
    }

    pub fn sla_status(&self, t: &Ticket) -> SlaStatus {
        self.sla
            .status(t.received_at, t.due_at, t.finished_at(), self.now)
    }

    /// The camera a camera alert came from, if the street has it.
    fn alert_camera(&self, t: &Ticket) -> Option<Value> {
        let id = t
            .source_ref
            .as_deref()
            .filter(|_| t.channel == Channel::Camera)?;
        let camera = self
            .view
            .device(id)
            .filter(|d| d.kind == DeviceKind::Camera)?;
        Some(json!({ "id": camera.id, "name": camera.name, "lon": camera.lon, "lat": camera.lat }))
    }

    pub fn ticket(&self, t: &Ticket, duplicates: u32) -> Value {
        let category = self.catalogue.find(&t.category);
        let unrouted = t.routing.unrouted.map(
            |r| json!({ "code": r.as_str(), "label_zh": r.label_zh(), "label_en": r.label_en() }),
        );
        let mut ticket = json!({
            "id": t.id,
            "channel": t.channel.as_str(),
            "channel_zh": t.channel.label_zh(),
            "channel_en": t.channel.label_en(),
            "external_id": t.external_id,
            "category": t.category,
            "category_zh": category.map_or(t.category.as_str(), |c| c.name_zh.as_str()),
            "category_en": category.map_or(t.category.as_str(), |c| c.name_en.as_str()),
            "description": t.description,
            "urgency": t.urgency.as_str(),
            "reporter_name": t.reporter_name,
            "reporter_phone": t.reporter_phone,
            "source_ref": t.source_ref,
            "address": t.address,
            "lon": t.location.map(|p| p.lon),
            "lat": t.location.map(|p| p.lat),
            "routing": {
                "community": self.grid_ref(t.routing.community.as_ref()),
                "micro": self.grid_ref(t.routing.micro.as_ref()),
                "unit": self.grid_ref(t.routing.unit.as_ref()),
                "unrouted": unrouted,
            },
            "received_at": t.received_at,
            "contact_due_at": t.contact_due_at,
            "due_at": t.due_at,
            "sla": self.sla_status(t).as_str(),
            "state": t.state.as_str(),
            "state_zh": t.state.label_zh(),
            "state_en": t.state.label_en(),
            "version": t.version,
            "owner": t.owner,
            "assignment": t.assignment,
            "handling_mode": t.handling_mode,
            "escalated_to": t.escalated_to,
            "delegated": t.delegated,
            "first_contact_at": t.first_contact_at,
            "outcome": t.outcome,
            "satisfaction": t.satisfaction,
            "closed_at": t.closed_at,
            "cancel_reason": t.cancel_reason,
            "duplicate_of": t.duplicate_of,
            "duplicate_flag": t.duplicate_flag,
            "duplicates": duplicates,
            "reopen_count": t.reopen_count,
            "updated_at": t.updated_at,
        });
        // Past what one json! can nest.
        ticket["camera"] = json!(self.alert_camera(t));
        ticket["snapshot_url"] = json!(
            t.snapshot
                .as_ref()
                .map(|_| format!("/api/tickets/{}/snapshot.jpg", t.id))
        );
        ticket
    }

    pub fn event(&self, stored: &StoredEvent) -> Value {
        let e = &stored.event;
        let (summary_zh, summary_en) = describe(&e.change, self.catalogue);
        json!({
            "event_id": stored.id,
            "ticket_id": e.ticket_id,
            "version": e.version,
            "at": e.at,
            "actor": { "id": e.actor.id, "name": e.actor.name, "role": e.actor.role.as_str(), "role_zh": e.actor.role.label_zh() },
            "from": e.from.map(TicketState::as_str),
            "to": e.to.as_str(),
            "to_zh": e.to.label_zh(),
            "type": e.change.kind(),
            "summary_zh": summary_zh,
            "summary_en": summary_en,
            "change": e.change,
        })
    }
}

fn holder(a: &binhe_core::ticket::Assignment) -> (String, String) {
    match &a.worker_name {
        Some(worker) => (
            format!("{}（{worker}）", a.grid_name),
            format!("{} ({worker})", a.grid_name),
        ),
        None => (a.grid_name.clone(), a.grid_name.clone()),
    }
}

fn with_note(zh: String, en: String, note: Option<&String>) -> (String, String) {
    match note {
        Some(n) => (format!("{zh}：{n}"), format!("{en}: {n}")),
        None => (zh, en),
    }
}

/// One line for the timeline, in both languages.
pub fn describe(change: &Change, catalogue: &Catalogue) -> (String, String) {
    match change {
        Change::Received { intake, .. } => {
            let category = catalogue
                .find(&intake.category)
                .map_or(intake.category.as_str(), |c| c.name_zh.as_str());
            (
                format!("经{}接收并上报：{category}", intake.channel.label_zh()),
                format!("Received via {} and reported", intake.channel.label_en()),
            )
        }
        Change::Registered { note } => with_note("立案".into(), "Registered".into(), note.as_ref()),
        Change::Cancelled { reason } => (format!("注销：{reason}"), format!("Cancelled: {reason}")),
        Change::Dispatched { assignment, .. } => {
            let (zh, en) = holder(assignment);
            (format!("分派至 {zh}"), format!("Dispatched to {en}"))
        }
        Change::DispatchUndone { restored, .. } => match restored {
            Some(a) => {
                let (zh, en) = holder(a);
                (
                    format!("撤销分派，退回 {zh}"),
                    format!("Dispatch undone, back with {en}"),
                )
            }
            None => ("撤销分派".into(), "Dispatch undone".into()),
        },
        Change::SelfHandled { assignment } => {
            let (zh, en) = holder(assignment);
            (format!("{zh} 自行处置"), format!("Self-handled by {en}"))
        }
        Change::Started => ("开始处置".into(), "Handling started".into()),
        Change::Escalated {
            level,
            assignment,
            reason,
        } => {
            let to = match level {
                EscalationLevel::District => "区级部门".to_owned(),
                _ => assignment.grid_name.clone(),
            };
            (
                format!("上交至 {to}：{reason}"),
                format!("Escalated to {}: {reason}", assignment.grid_name),
            )
        }
        Change::Delegated { assignment, note } => {
            let (zh, en) = holder(assignment);
            with_note(
                format!("下交至 {zh}"),
                format!("Delegated to {en}"),
                note.as_ref(),
            )
        }
        Change::Contacted { note } => with_note(
            "已联系诉求人".into(),
            "Requester contacted".into(),
            note.as_ref(),
        ),
        Change::FedBack {
            outcome,
            note,
            photos,
        } => {
            let (zh, en) = match outcome {
                Outcome::Solved => ("已解决", "solved"),
                Outcome::Unsolved => ("未解决", "not solved"),
            };
            let photos_zh = if photos.is_empty() {
                String::new()
            } else {
                format!("（附照片 {} 张）", photos.len())
            };
            (
                format!("反馈：{zh}{photos_zh} — {note}"),
                format!("Feedback: {en} — {note}"),
            )
        }
        Change::Verified { satisfaction, note } => {
            let (zh, en) = match satisfaction {
                Satisfaction::Satisfied => ("满意", "satisfied"),
                Satisfaction::Basic => ("基本满意", "fairly satisfied"),
                Satisfaction::Dissatisfied => ("不满意", "dissatisfied"),
            };
            with_note(
                format!("核查通过，回访{zh}"),
                format!("Verified, requester {en}"),
                note.as_ref(),
            )
        }
        Change::Rejected { note } => (format!("核查退回：{note}"), format!("Sent back: {note}")),
        Change::Closed => ("结案".into(), "Closed".into()),
        Change::Reopened { reason } => {
            (format!("重新办理：{reason}"), format!("Reopened: {reason}"))
        }
        Change::Relocated { routing, .. } => match &routing.unrouted {
            None => ("更正位置".into(), "Location corrected".into()),
            Some(r) => (
                format!("更正位置（{}）", r.label_zh()),
                format!("Location corrected ({})", r.label_en()),
            ),
        },
        Change::Merged {
            into,
            distance_m,
            automatic,
        } => {
            let how = if *automatic { "自动" } else { "" };
            let distance = distance_m.map_or(String::new(), |d| format!("，相距 {d:.0} 米"));
            (
                format!("{how}合并至工单 #{into}{distance}"),
                format!("Merged into #{into}"),
            )
        }
        Change::Unmerged => ("取消合并".into(), "Unmerged".into()),
        Change::DuplicateFlagged { flag } => (
            format!(
                "疑似与工单 #{} 重复（相距 {:.0} 米）",
                flag.of, flag.distance_m
            ),
            format!(
                "Possible duplicate of #{} ({:.0} m)",
                flag.of, flag.distance_m
            ),
        ),
        Change::FlagDismissed => ("忽略疑似重复".into(), "Duplicate flag dismissed".into()),
    }
}
