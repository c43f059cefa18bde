//! Tickets and events as terminals read them (`binhe_api::tickets::TicketView`,
//! `EventView`, the card's workers): the ticket with the names of its grids, category,
//! state and channel, and a line per event for the timeline in both languages.

use binhe_api::grids::{GridWorker, NamedGrid};
use binhe_api::tickets::{
    ActorView, AlertCamera, EventView, Labelled, RoutingView, TicketView, TicketWorker,
};
use binhe_core::ticket::lifecycle::Change;
use binhe_core::ticket::{
    Catalogue, Channel, EscalationLevel, Outcome, Satisfaction, SlaStatus, SlaTable, Ticket,
};
use binhe_core::{DeviceKind, GridCode, Worker};
use binhe_store::StoredEvent;
use chrono::{DateTime, Utc};

use crate::dataset::GridView;

/// What a ticket's view needs besides the ticket.
pub struct ViewContext<'a> {
    pub view: &'a GridView,
    pub catalogue: &'a Catalogue,
    pub sla: &'a SlaTable,
    pub now: DateTime<Utc>,
}

impl ViewContext<'_> {
    pub fn grid_name(&self, code: &GridCode) -> String {
        self.view
            .hierarchy()
            .by_code(code)
            .map_or_else(|| code.to_string(), |g| g.name.clone())
    }

    fn named(&self, code: Option<&GridCode>) -> Option<NamedGrid> {
        code.map(|c| NamedGrid {
            code: c.clone(),
            name: self.grid_name(c),
        })
    }

    pub fn sla_status(&self, t: &Ticket) -> SlaStatus {
        self.sla
            .status(t.received_at, t.due_at, t.finished_at(), self.now)
    }

    /// The camera a camera alert came from, if the street has it.
    fn alert_camera(&self, t: &Ticket) -> Option<AlertCamera> {
        let id = t
            .source_ref
            .as_deref()
            .filter(|_| t.channel == Channel::Camera)?;
        let camera = self
            .view
            .device(id)
            .filter(|d| d.kind == DeviceKind::Camera)?;
        Some(AlertCamera {
            id: camera.id.clone(),
            name: camera.name.clone(),
            lon: camera.lon,
            lat: camera.lat,
        })
    }

    /// The category's names (its code where the catalogue no longer has it).
    pub fn category_names(&self, code: &str) -> (String, String) {
        self.catalogue.find(code).map_or_else(
            || (code.to_owned(), code.to_owned()),
            |c| (c.name_zh.clone(), c.name_en.clone()),
        )
    }

    pub fn ticket(&self, t: &Ticket, duplicates: u32) -> TicketView {
        let (category_zh, category_en) = self.category_names(&t.category);
        TicketView {
            id: t.id,
            channel: t.channel,
            channel_zh: t.channel.label_zh().to_owned(),
            channel_en: t.channel.label_en().to_owned(),
            external_id: t.external_id.clone(),
            category: t.category.clone(),
            category_zh,
            category_en,
            description: t.description.clone(),
            urgency: t.urgency,
            reporter_name: t.reporter_name.clone(),
            reporter_phone: t.reporter_phone.clone(),
            source_ref: t.source_ref.clone(),
            address: t.address.clone(),
            lon: t.location.map(|p| p.lon),
            lat: t.location.map(|p| p.lat),
            routing: RoutingView {
                community: self.named(t.routing.community.as_ref()),
                micro: self.named(t.routing.micro.as_ref()),
                unit: self.named(t.routing.unit.as_ref()),
                unrouted: t.routing.unrouted.map(Labelled::of),
            },
            received_at: t.received_at,
            contact_due_at: t.contact_due_at,
            due_at: t.due_at,
            sla: self.sla_status(t),
            state: t.state,
            state_zh: t.state.label_zh().to_owned(),
            state_en: t.state.label_en().to_owned(),
            version: t.version,
            owner: t.owner.clone(),
            assignment: t.assignment.clone(),
            handling_mode: t.handling_mode,
            escalated_to: t.escalated_to,
            delegated: t.delegated,
            first_contact_at: t.first_contact_at,
            outcome: t.outcome,
            satisfaction: t.satisfaction,
            closed_at: t.closed_at,
            cancel_reason: t.cancel_reason.clone(),
            duplicate_of: t.duplicate_of,
            duplicate_flag: t.duplicate_flag,
            duplicates,
            reopen_count: t.reopen_count,
            updated_at: t.updated_at,
            camera: self.alert_camera(t),
            snapshot_url: t
                .snapshot
                .as_ref()
                .map(|_| format!("/api/tickets/{}/snapshot.jpg", t.id)),
        }
    }

    pub fn event(&self, stored: &StoredEvent) -> EventView {
        let e = &stored.event;
        let (summary_zh, summary_en) = describe(&e.change, self.catalogue);
        EventView {
            event_id: stored.id,
            ticket_id: e.ticket_id,
            version: e.version,
            at: e.at,
            actor: ActorView {
                id: e.actor.id.clone(),
                name: e.actor.name.clone(),
                role: e.actor.role,
                role_zh: e.actor.role.label_zh().to_owned(),
            },
            from: e.from,
            to: e.to,
            to_zh: e.to.label_zh().to_owned(),
            kind: e.change.kind().to_owned(),
            summary_zh,
            summary_en,
            change: e.change.clone(),
        }
    }

    /// A worker named on a ticket's card, with how many open tickets they hold.
    pub fn worker(&self, w: &Worker, open_tickets: u32, distance_m: Option<f64>) -> TicketWorker {
        TicketWorker {
            worker: grid_worker(w),
            grid_name: self.grid_name(&w.grid),
            lon: w.lon,
            lat: w.lat,
            distance_m,
            open_tickets,
        }
    }
}

/// A worker as a grid's card lists them.
pub fn grid_worker(w: &Worker) -> GridWorker {
    GridWorker {
        id: w.id.clone(),
        name: w.name.clone(),
        kind: w.kind,
        role: w.role.label_zh().to_owned(),
        role_en: w.role.label_en().to_owned(),
        phone: w.phone.clone(),
        grid: w.grid.clone(),
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
