//! The dispatch desk: the open tickets, the selected one, and every way the dispatcher acts
//! on them, shared by the queue, the map, the card and the dialogs.
//!
//! Whatever changes on the server (someone's action, a new intake, the demo feed) arrives as
//! a stream event and bumps [`Desk::revision`]; the queue, the map's ticket source and the
//! open card each reload on that, one load at a time ([`SingleFlight`]).

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use binhe_api::tickets::{
    Acted, ActionRequest, CatalogueView, Created, LiveEvent, MAX_LIST_IDS, ReportRequest,
    TicketDetail, TicketList, TicketView,
};
use binhe_core::ticket::queue::QueueCounts;
use binhe_core::ticket::{ActionKind, Channel, SlaStatus, TicketId, TicketState};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::{Filled, request};
use super::queue::sla_at;
use super::time;
use crate::api::ApiError;
use crate::api::tickets as api;
use crate::app::AppState;
use crate::i18n::Msg;
use crate::map_first::MapFirst;
use crate::offline::{Kept, Terminal, new_key};

/// Stream events are gathered this long before the panels reload: a burst costs one reload.
/// (Not a debounce that restarts on every event: a busy feed would starve it.)
const GATHER: Duration = Duration::from_millis(300);
/// The undo offer ends this much before the server's window does, by this browser's clock:
/// the click still has to travel to the server (and the answer that started the countdown
/// took a while to arrive).
const UNDO_MARGIN: Duration = Duration::from_secs(2);
/// Time-left chips move on this clock.
const TICK: Duration = Duration::from_secs(15);
/// The map's markers carry the deadline status as of their load; reloading this often keeps
/// their colours right on a quiet desk.
const QUIET_RELOAD: Duration = Duration::from_mins(1);

/// Runs a load now and, if asked again while it runs, once more afterwards: never two at
/// once, and the last request is always served. A request made while busy reruns the job
/// already running, so a job must read what it loads (e.g. the selected id) when it runs.
#[derive(Default)]
pub struct SingleFlight {
    busy: Cell<bool>,
    again: Cell<bool>,
}

impl SingleFlight {
    pub fn run<F, Fut>(self: &Rc<Self>, job: F)
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        if self.busy.replace(true) {
            self.again.set(true);
            return;
        }
        let this = Rc::clone(self);
        spawn_local(async move {
            loop {
                this.again.set(false);
                job().await;
                if !this.again.get() {
                    break;
                }
            }
            this.busy.set(false);
        });
    }
}

/// What the message strip over the map says after a dispatch, an intake or a refusal.
#[derive(Clone, Debug, PartialEq)]
pub enum Toast {
    /// Dispatched (or handed down, handled on the spot: `action`), leaving the ticket at
    /// `version`; the dispatcher may take a dispatch back until `undo_until` — by this
    /// browser's clock, from the window the server gave — unless the ticket moves on first.
    Dispatched {
        ticket: TicketId,
        action: ActionKind,
        version: u32,
        grid_name: String,
        worker_name: Option<String>,
        undo_until: Option<DateTime<Utc>>,
    },
    Undone {
        ticket: TicketId,
    },
    Created {
        ticket: TicketId,
        /// Attached at once to this open ticket (`merged`) or flagged as its possible duplicate.
        duplicate_of: Option<(TicketId, bool)>,
        existing: bool,
    },
    Refused {
        context: Msg,
        error: ApiError,
    },
    /// Kept in the outbox while the center cannot be reached (`ticket`: `None` for a report).
    Queued {
        ticket: Option<TicketId>,
    },
}

/// How the desk hears about changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Live {
    Connecting,
    /// Server-sent events.
    Stream,
    /// The server has no stream: asking every few seconds instead.
    Polling,
}

/// Where the next click on the map goes instead of selecting a grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickFor {
    Intake,
    Relocate(TicketId),
}

/// The grid chooser is open to do `action` to `ticket` with the chosen grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChooseGrid {
    pub ticket: TicketId,
    pub action: ActionKind,
}

/// What changed on the desk without a full load, for the map (and whoever else keeps a copy).
#[derive(Clone, Debug, PartialEq)]
pub enum DeskChange {
    /// These tickets as they are now (open or not), and those the caller no longer sees.
    Tickets {
        views: Vec<TicketView>,
        gone: Vec<TicketId>,
    },
    /// Time passed: deadline colours move on (nothing else changed).
    Clock,
}

/// The desk's shared state; every field is a signal, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Desk {
    /// Open tickets, newest first, as last loaded.
    pub tickets: RwSignal<Arc<Vec<TicketView>>>,
    /// Open tickets on the server (the list may stop at the server's limit), and under each
    /// of the queue's tabs, as of the last answer.
    pub totals: RwSignal<QueueCounts>,
    pub loaded: RwSignal<bool>,
    /// Bumped whenever tickets changed on the server.
    pub revision: RwSignal<u64>,
    pub catalogue: RwSignal<Option<Arc<CatalogueView>>>,
    pub due_soon_share: RwSignal<Option<f64>>,
    /// The clock the time-left chips are computed against.
    pub now: RwSignal<DateTime<Utc>>,
    /// The ticket whose card is open.
    pub selected: RwSignal<Option<TicketId>>,
    /// Its detail: `None` while the first load runs.
    pub detail: RwSignal<Option<Result<Arc<TicketDetail>, ApiError>>>,
    pub toast: RwSignal<Option<Toast>>,
    pub chooser: RwSignal<Option<ChooseGrid>>,
    pub intake_open: RwSignal<bool>,
    pub pick: RwSignal<Option<PickFor>>,
    /// The point last picked on the map, for the form that asked.
    pub picked: RwSignal<Option<[f64; 2]>>,
    /// A ticket is being dragged (from the queue or the map).
    pub dragging: RwSignal<Option<TicketId>>,
    /// Names (zh, en) of the grid under a dragged ticket; `None` over no grid.
    pub drop_over: RwSignal<Option<[String; 2]>>,
    /// A camera picked from the card's nearby list: the map flies to it and rings it.
    pub camera_focus: RwSignal<Option<[f64; 2]>>,
    pub live: RwSignal<Live>,
    /// The latest change the live stream told of.
    pub heard: RwSignal<Option<LiveEvent>>,
    /// The latest change applied without a full load (see [`Desk::catch_up`]).
    pub changes: RwSignal<Option<Arc<DeskChange>>>,
    /// The live stream, which one is current and where it resumes from.
    pub(super) stream: StoredValue<super::live::Stream, LocalStorage>,
}

/// What the new-ticket form is to start from, taken by the form when it opens (a context of
/// its own: the desk is passed by value everywhere and stays small).
#[derive(Clone, Copy)]
pub struct IntakeDrafts(pub RwSignal<Option<IntakeDraft>>);

/// A new ticket filled in from elsewhere (a hotspot of 未诉先办), for the person to check and
/// register.
#[derive(Clone, Debug, PartialEq)]
pub struct IntakeDraft {
    pub channel: Channel,
    pub category: String,
    pub description: String,
    pub point: Option<[f64; 2]>,
    /// Where it came from (`hotspot:{run}:{rank}`).
    pub source_ref: Option<String>,
}

impl Desk {
    /// The desk, loading the reference data and the queue and keeping them current; load
    /// failures go to `app`'s notices.
    pub fn start(app: AppState) -> Self {
        let desk = Desk {
            tickets: RwSignal::new(Arc::new(Vec::new())),
            totals: RwSignal::new(QueueCounts::default()),
            loaded: RwSignal::new(false),
            revision: RwSignal::new(0),
            catalogue: RwSignal::new(None),
            due_soon_share: RwSignal::new(None),
            now: RwSignal::new(time::now()),
            selected: RwSignal::new(None),
            detail: RwSignal::new(None),
            toast: RwSignal::new(None),
            chooser: RwSignal::new(None),
            intake_open: RwSignal::new(false),
            pick: RwSignal::new(None),
            picked: RwSignal::new(None),
            dragging: RwSignal::new(None),
            drop_over: RwSignal::new(None),
            camera_focus: RwSignal::new(None),
            live: RwSignal::new(Live::Connecting),
            heard: RwSignal::new(None),
            changes: RwSignal::new(None),
            stream: StoredValue::new_local(super::live::Stream::default()),
        };
        desk.run(app);
        desk
    }

    fn run(self, app: AppState) {
        let first = MapFirst::get();
        spawn_local(async move {
            first.wait().await;
            match api::catalogue().await {
                Ok(c) => self.catalogue.set(Some(Arc::new(c))),
                Err(e) => app.notify(Msg::ErrorLoadTickets, e),
            }
            // Without the table the chips show the server's status as of the last load.
            if let Ok(sla) = api::sla().await {
                self.due_soon_share.set(Some(sla.due_soon_share));
            }
        });

        let list = Rc::new(SingleFlight::default());
        Effect::new(move || {
            self.revision.track();
            list.run(move || async move {
                first.wait().await;
                match api::open_tickets().await {
                    Ok(list) => {
                        if self.tickets.with_untracked(|t| **t != list.tickets) {
                            self.tickets.set(Arc::new(list.tickets));
                        }
                        self.totals.set(list.counts);
                        self.heard_up_to(list.as_of);
                    }
                    Err(e) => app.notify(Msg::ErrorLoadTickets, e),
                }
                self.loaded.set(true);
                // The stream opens once the first list is in, told what that list is as of:
                // it tells what came since, and nothing needs loading twice.
                if !self.stream.with_value(|s| s.opened) {
                    self.stream.update_value(|s| s.opened = true);
                    super::live::connect(self);
                }
            });
        });

        let detail = Rc::new(SingleFlight::default());
        Effect::new({
            let detail = Rc::clone(&detail);
            move || {
                self.revision.track();
                if self.selected.get().is_some() {
                    detail.run(move || self.reload_detail());
                }
            }
        });
        // A change caught up on touches the open card's ticket: the card reloads too.
        Effect::new(move || {
            let touched = self.changes.with(|c| match c.as_deref() {
                Some(DeskChange::Tickets { views, gone }) => {
                    let selected = self.selected.get_untracked();
                    views.iter().any(|t| Some(t.id) == selected)
                        || gone.iter().any(|id| Some(*id) == selected)
                }
                _ => false,
            });
            if touched {
                detail.run(move || self.reload_detail());
            }
        });

        // Kept actions the center has now done (or refused): reload.
        Effect::new(move |first: Option<()>| {
            Terminal::get().applied.track();
            if first.is_some() {
                self.changed();
            }
        });

        // Other grids may route tickets elsewhere.
        Effect::new(move |first: Option<()>| {
            app.data_version.track();
            if first.is_some() {
                self.changed();
            }
        });

        set_interval(move || self.now.set(time::now()), TICK);
        set_interval(move || self.clock_moved(), QUIET_RELOAD);
    }

    async fn reload_detail(self) {
        let Some(id) = self.selected.get_untracked() else {
            return;
        };
        let result = match api::ticket(id).await {
            Ok(detail) => Ok(Arc::new(detail)),
            // Cut off from the center: the card keeps what it showed, or the ticket as the queue
            // last loaded it.
            Err(e) if e.is_network() => match self.offline_detail(id) {
                Some(detail) => Ok(detail),
                None => Err(e),
            },
            Err(e) => Err(e),
        };
        let result = Some(result);
        // An answer for a ticket the dispatcher has since left is dropped; an unchanged one too,
        // so a half-filled form on the card is not drawn anew.
        if self.selected.get_untracked() == Some(id) && self.detail.with_untracked(|d| *d != result)
        {
            self.detail.set(result);
        }
    }

    /// A quiet minute: the map's deadline colours move on, and, where the list stops at its
    /// limit, the tabs' counts are asked again (the rows' chips follow the clock by themselves).
    fn clock_moved(self) {
        self.changes.set(Some(Arc::new(DeskChange::Clock)));
        if self
            .tickets
            .with_untracked(|l| (l.len() as u64) < self.totals.get_untracked().open)
        {
            spawn_local(async move {
                if let Ok(counts) = api::open_counts().await {
                    self.totals.set(counts);
                }
            });
        }
    }

    /// The newest event the desk's lists account for (a list's `as_of`, an event heard): the
    /// point a stream resumes from.
    pub(super) fn heard_up_to(self, event_id: i64) {
        self.stream.update_value(|s| {
            s.resume_after = Some(s.resume_after.map_or(event_id, |a| a.max(event_id)));
        });
    }

    /// Something changed on the server that only a full load shows: reload shortly, together
    /// with whatever else arrives.
    pub fn changed(self) {
        self.stream.update_value(|s| s.reload = true);
        self.gather();
    }

    /// The stream told of a change to ticket `id`: catch up on it shortly, together with
    /// whatever else arrives.
    pub(super) fn touched(self, id: TicketId) {
        self.stream.update_value(|s| {
            s.pending.insert(id);
        });
        self.gather();
    }

    fn gather(self) {
        if self.stream.with_value(|s| s.gathering) {
            return;
        }
        self.stream.update_value(|s| s.gathering = true);
        set_timeout(
            move || {
                self.stream.update_value(|s| s.gathering = false);
                self.catch_up();
            },
            GATHER,
        );
    }

    /// Applies what gathered: a full load if one was asked for (or too many tickets changed to
    /// name them), otherwise the changed tickets only (`GET /api/tickets?ids=`), put into the
    /// list in place and told to the map as a [`DeskChange`].
    fn catch_up(self) {
        let full = self.stream.with_value(|s| {
            s.reload
                || s.pending.len() > MAX_LIST_IDS
                || (!s.pending.is_empty() && !self.loaded.get_untracked())
        });
        if full {
            self.stream.update_value(|s| {
                s.reload = false;
                s.pending.clear();
            });
            self.revision.update(|r| *r += 1);
            return;
        }
        if self.stream.with_value(|s| s.pending.is_empty()) {
            return;
        }
        let runner = self.stream.with_value(|s| Rc::clone(&s.runner));
        runner.run(move || async move {
            let ids: Vec<TicketId> = self
                .stream
                .try_update_value(|s| std::mem::take(&mut s.pending))
                .unwrap_or_default()
                .into_iter()
                .collect();
            if ids.is_empty() {
                return;
            }
            match api::named_tickets(&ids).await {
                Ok(list) => self.apply_changes(&ids, list),
                // Whatever failed is in the next full load.
                Err(_) => self.changed(),
            }
        });
    }

    fn apply_changes(self, asked: &[TicketId], list: TicketList) {
        let gone: Vec<TicketId> = asked
            .iter()
            .copied()
            .filter(|id| !list.tickets.iter().any(|t| t.id == *id))
            .collect();
        self.tickets.update(|shown| {
            let shown = Arc::make_mut(shown);
            shown.retain(|t| !asked.contains(&t.id));
            shown.extend(list.tickets.iter().filter(|t| t.state.is_open()).cloned());
        });
        self.totals.set(list.counts);
        self.heard_up_to(list.as_of);
        self.changes.set(Some(Arc::new(DeskChange::Tickets {
            views: list.tickets,
            gone,
        })));
    }

    /// Another account took over: nothing of the last one's stays on screen, the queue and the
    /// stream start again under the new session.
    pub fn session_changed(self) {
        self.close();
        self.toast.set(None);
        self.chooser.set(None);
        self.intake_open.set(false);
        self.pick.set(None);
        self.picked.set(None);
        self.tickets.set(Arc::new(Vec::new()));
        self.totals.set(QueueCounts::default());
        self.loaded.set(false);
        super::live::reconnect(self);
        self.changed();
    }

    /// The server refused an action (e.g. 403, not this role's or out of its community): the
    /// message strip says why.
    pub fn refused(self, context: Msg, error: ApiError) {
        self.toast.set(Some(Toast::Refused { context, error }));
    }

    /// Deadline status of `t` now (tracks the clock).
    pub fn sla(self, t: &TicketView) -> SlaStatus {
        sla_at(t, self.now.get(), self.due_soon_share.get())
    }

    /// The loaded ticket `id`, without tracking.
    pub fn find(self, id: TicketId) -> Option<TicketView> {
        self.tickets
            .with_untracked(|list| list.iter().find(|t| t.id == id).cloned())
            .or_else(|| {
                self.detail.with_untracked(|d| match d {
                    Some(Ok(d)) if d.ticket.id == id => Some(d.ticket.clone()),
                    _ => None,
                })
            })
    }

    /// What the card shows of ticket `id` while the center does not answer: the detail it
    /// showed, or the ticket as last listed (without its history).
    fn offline_detail(self, id: TicketId) -> Option<Arc<TicketDetail>> {
        let shown = self.detail.with_untracked(|d| match d {
            Some(Ok(d)) if d.ticket.id == id => Some(Arc::clone(d)),
            _ => None,
        });
        shown.or_else(|| {
            let ticket = self
                .tickets
                .with_untracked(|list| list.iter().find(|t| t.id == id).cloned())?;
            Some(Arc::new(TicketDetail {
                ticket,
                events: Vec::new(),
                duplicates: Vec::new(),
                responsible: Vec::new(),
                nearest: Vec::new(),
                cameras: Vec::new(),
                photos: Vec::new(),
            }))
        })
    }

    /// Opens the ticket's card in place of the intake form (and of a grid card, see `App`).
    pub fn open(self, id: TicketId) {
        if self.selected.get_untracked() != Some(id) {
            self.detail.set(None);
            self.selected.set(Some(id));
        }
        self.intake_open.set(false);
    }

    pub fn close(self) {
        self.selected.set(None);
        self.detail.set(None);
    }

    /// Puts a ticket the server sent back into the list (or takes it out once it is no longer
    /// open) and onto the card, before the reload the stream will bring.
    fn apply(self, ticket: TicketView) {
        let id = ticket.id;
        self.tickets.update(|list| {
            let list = Arc::make_mut(list);
            list.retain(|t| t.id != ticket.id);
            if ticket.state.is_open() {
                list.push(ticket.clone());
            }
        });
        self.detail.update(|d| {
            if let Some(Ok(detail)) = d
                && detail.ticket.id == ticket.id
            {
                Arc::make_mut(detail).ticket = ticket;
            }
        });
        self.touched(id);
    }

    /// Sends `action` for ticket `id` as the dispatcher last saw it (after the actions on it
    /// still waiting in the outbox). Whatever the answer, the ticket on screen becomes the
    /// server's (a refusal carries the current ticket); without an answer the action is kept
    /// (`ApiError::queued`).
    pub async fn act(
        self,
        id: TicketId,
        action: ActionKind,
        filled: &Filled,
    ) -> Result<Acted, ApiError> {
        let version =
            self.find(id).map_or(0, |t| t.version) + Terminal::get().waiting_on_untracked(id);
        self.send(id, &request(action, version, filled)).await
    }

    async fn send(self, id: TicketId, body: &ActionRequest) -> Result<Acted, ApiError> {
        let kind = body.action.clone().unwrap_or_default();
        self.send_keyed(id, &api::action_path(id), body, kind, body.version)
            .await
    }

    /// Sends `body` to `path` with a new `Idempotency-Key`, or keeps it in the outbox: when
    /// the center is not answering, when earlier actions still wait there, or when this one
    /// gets no answer (kept under the same key: if the center did it, it will not do it again).
    async fn send_keyed<B: serde::Serialize>(
        self,
        id: TicketId,
        path: &str,
        body: &B,
        kind: String,
        version: Option<u32>,
    ) -> Result<Acted, ApiError> {
        let key = new_key();
        if !Terminal::get().must_keep() {
            let result = api::act_keyed(path, body, &key).await;
            if !matches!(&result, Err(e) if e.is_network()) {
                self.settle(&result);
                return result;
            }
        }
        let body =
            serde_json::to_string(body).map_err(|e| ApiError::bad_response(&e.to_string()))?;
        Terminal::get()
            .keep(Kept::new(
                key,
                path.to_owned(),
                body,
                kind,
                Some(id),
                version,
            ))
            .await;
        Err(ApiError::queued())
    }

    /// Takes in a new report, or keeps it in the outbox while the center does not answer.
    pub async fn report(self, request: &ReportRequest) -> Result<Created, ApiError> {
        let key = new_key();
        if !Terminal::get().must_keep() {
            let result = api::create_keyed(request, &key).await;
            if !matches!(&result, Err(e) if e.is_network()) {
                return result;
            }
        }
        let body =
            serde_json::to_string(request).map_err(|e| ApiError::bad_response(&e.to_string()))?;
        let path = api::REPORTS.to_owned();
        Terminal::get()
            .keep(Kept::new(key, path, body, "report".to_owned(), None, None))
            .await;
        self.toast.set(Some(Toast::Queued { ticket: None }));
        Err(ApiError::queued())
    }

    fn settle(self, result: &Result<Acted, ApiError>) {
        match result {
            Ok(acted) => self.apply(acted.ticket.clone()),
            Err(e) => match &e.ticket {
                Some(t) => self.apply((**t).clone()),
                None => self.changed(),
            },
        }
    }

    /// Dispatches (or self-handles, delegates) through the grid chooser; the answer goes to the
    /// message strip with its undo button.
    pub fn dispatch(self, choose: ChooseGrid, grid: String) {
        spawn_local(async move {
            // A ticket not yet registered is registered first, as the drop gesture does.
            let unregistered = self
                .find(choose.ticket)
                .is_some_and(|t| t.state == TicketState::Reported);
            if choose.action == ActionKind::Dispatch && unregistered {
                let registered = self
                    .act(choose.ticket, ActionKind::Register, &Filled::default())
                    .await;
                if let Err(error) = registered
                    && !error.is_queued()
                {
                    self.announce(choose.ticket, Msg::ErrorDispatch, Err(error));
                    return;
                }
            }
            let filled = Filled {
                grid: Some(grid),
                ..Filled::default()
            };
            let result = self.act(choose.ticket, choose.action, &filled).await;
            self.announce(choose.ticket, Msg::ErrorDispatch, result);
        });
    }

    /// The drag-to-dispatch gesture: `grid` is the grid under the drop point on screen, if any.
    pub fn drop_on(self, id: TicketId, grid: Option<String>, lon: f64, lat: f64) {
        let Some(ticket) = self.find(id) else {
            return;
        };
        let version = ticket.version + Terminal::get().waiting_on_untracked(id);
        spawn_local(async move {
            let body = api::drop_body(grid.as_deref(), lon, lat, version);
            let result = self
                .send_keyed(
                    id,
                    &api::drop_path(id),
                    &body,
                    "drop".to_owned(),
                    Some(version),
                )
                .await;
            self.announce(id, Msg::ErrorDrop, result);
        });
    }

    pub fn undo(self, id: TicketId) {
        spawn_local(async move {
            match self
                .act(id, ActionKind::UndoDispatch, &Filled::default())
                .await
            {
                Ok(_) => self.toast.set(Some(Toast::Undone { ticket: id })),
                Err(error) if error.is_queued() => {
                    self.toast.set(Some(Toast::Queued { ticket: Some(id) }));
                }
                Err(error) => self.toast.set(Some(Toast::Refused {
                    context: Msg::ErrorUndo,
                    error,
                })),
            }
        });
    }

    fn announce(self, ticket: TicketId, context: Msg, result: Result<Acted, ApiError>) {
        let toast = match result {
            Ok(acted) => {
                let undo = undo_deadline(&acted, time::now());
                let action = acted
                    .events
                    .iter()
                    .max_by_key(|e| e.version)
                    .and_then(|e| handed_over(&e.kind))
                    .unwrap_or(ActionKind::Dispatch);
                let assignment = acted.ticket.assignment;
                Toast::Dispatched {
                    ticket: acted.ticket.id,
                    action,
                    version: acted.ticket.version,
                    grid_name: assignment
                        .as_ref()
                        .map(|a| a.grid_name.clone())
                        .unwrap_or_default(),
                    worker_name: assignment.and_then(|a| a.worker_name),
                    undo_until: undo,
                }
            }
            Err(error) if error.is_queued() => Toast::Queued {
                ticket: Some(ticket),
            },
            Err(error) => Toast::Refused { context, error },
        };
        self.toast.set(Some(toast));
    }

    /// Whether the message strip offers 撤销 for ticket `id` now (tracked): the card offers it
    /// no longer than the strip does.
    pub fn undo_offered(self, id: TicketId) -> bool {
        self.toast.with(|t| {
            matches!(t, Some(Toast::Dispatched { ticket, undo_until: Some(_), .. }) if *ticket == id)
        })
    }

    /// A new ticket was taken in: its card opens and the strip says what became of it.
    pub fn created(self, ticket: TicketView, duplicate: Option<(TicketId, bool)>, existing: bool) {
        let id = ticket.id;
        self.apply(ticket);
        self.toast.set(Some(Toast::Created {
            ticket: id,
            duplicate_of: duplicate,
            existing,
        }));
        self.open(id);
    }
}

/// Until when (by this browser's clock, `received` being when the answer came) a dispatch may
/// be offered for undoing: the server's own window — its `undo_until` less the dispatch's time,
/// both by the server's clock, so a browser clock set wrong does not stretch or cut it — less
/// [`UNDO_MARGIN`]. Nothing when the server offered no undo.
pub fn undo_deadline(acted: &Acted, received: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let until = acted.undo_until?;
    let dispatched = acted
        .events
        .iter()
        .filter(|e| e.kind == "dispatched")
        .map(|e| e.at)
        .max()?;
    let margin = chrono::Duration::from_std(UNDO_MARGIN).ok()?;
    Some(received + (until - dispatched) - margin)
}

/// The hand-over an event kind records, for the message strip's wording.
fn handed_over(kind: &str) -> Option<ActionKind> {
    match kind {
        "dispatched" => Some(ActionKind::Dispatch),
        "delegated" => Some(ActionKind::Delegate),
        "self_handled" => Some(ActionKind::SelfHandle),
        _ => None,
    }
}
