//! The ticket desk: the one intake path every channel goes through, and every later step of
//! the closed loop. It keeps the duplicate index in step with the store and announces each
//! stored event to live clients. The rooms that take requests in (the ticket routes, 12345
//! file imports, the demo feed, camera alerts) all come through here.

pub mod alerts;
pub mod export;
pub mod import;
pub mod unpack;
pub mod view;
pub mod work_orders;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex as StdMutex, OnceLock, RwLock};

use binhe_core::GridCode;
use binhe_core::access::{AccessError, Principal};
use binhe_core::geometry::LocalProjection;
use binhe_core::ticket::dedupe::DuplicateMatch;
use binhe_core::ticket::intake::{self, IntakeProblem, IntakeRequest};
use binhe_core::ticket::lifecycle::{self, Command, TicketEvent, TransitionError};
use binhe_core::ticket::routing::route;
use binhe_core::ticket::{
    Actor, Catalogue, Channel, ColumnMapping, DuplicateFlag, DuplicateIndex, SlaTable, Ticket,
    TicketId,
};
use binhe_store::{
    ColumnMappings, NewTicket, StoreError, StoredEvent, TicketFilter, TicketRepository,
    TicketScope, TicketUpdate,
};
use chrono::{DateTime, Utc};
use tokio::sync::{Mutex, broadcast, mpsc, oneshot};

use crate::dataset::GridView;

/// Live clients that fall this far behind re-read the log instead of the channel.
const LIVE_CHANNEL_CAPACITY: usize = 4096;
/// Events read from the log at a time when catching up.
const RELAY_PAGE: u32 = 500;

/// The current time at the event log's precision (milliseconds), so a ticket row and the
/// replay of its stored events agree to the last digit.
pub fn now() -> DateTime<Utc> {
    let at = Utc::now();
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

/// What the intake does with a clear repeat of an open problem (close in space and time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeats {
    /// Merges it into the open ticket without asking (every channel's usual way).
    Merge,
    /// Only flags it for a person to decide (a training run's scripted request, which the
    /// trainees must handle themselves).
    Flag,
}

/// What became of one request.
#[derive(Debug, Clone)]
pub enum IntakeOutcome {
    Created {
        ticket: Box<Ticket>,
        duplicate: Option<DuplicateMatch>,
    },
    /// The same upstream order (channel + external id) was taken in before.
    Existing {
        id: TicketId,
    },
    Rejected {
        problems: Vec<IntakeProblem>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("ticket {0} does not exist")]
    NotFound(TicketId),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Access(#[from] AccessError),
}

impl From<StoreError> for DeskError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict {
                expected, actual, ..
            } => Self::Transition(TransitionError::Stale { expected, actual }),
            other => Self::Store(other),
        }
    }
}

/// Why a catalogue or SLA table was not taken.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{} problem(s): {}", .0.len(), .0.iter().map(|(en, _)| en.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<(String, String)>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether a ticket belongs in the duplicate index: open (so not merged) and placed.
fn indexable(ticket: &Ticket) -> bool {
    ticket.state.is_open() && ticket.location.is_some() && repeats_a_call(ticket.channel)
}

/// Whether a report of `channel` may repeat another one (and be repeated). A proactive finding
/// (主动发现) is made on purpose, knowing the calls it answers: it is neither merged into one of
/// them nor takes later calls in, which would drop them from the counts its effect is
/// measured by.
fn repeats_a_call(channel: Channel) -> bool {
    channel != Channel::Proactive
}

#[derive(Clone)]
pub struct TicketDesk {
    store: Arc<dyn TicketRepository>,
    catalogue: Arc<RwLock<Arc<Catalogue>>>,
    sla: Arc<RwLock<Arc<SlaTable>>>,
    duplicates: Arc<StdMutex<DuplicateIndex>>,
    /// One intake batch at a time, so duplicates inside and across batches are seen.
    intake_lock: Arc<Mutex<()>>,
    live: broadcast::Sender<Arc<StoredEvent>>,
    /// The newest event passed to live clients: they get the log in order, without gaps.
    relayed: Arc<Mutex<i64>>,
    /// The same id, readable without waiting for the lock.
    relayed_mirror: Arc<AtomicI64>,
    /// Tickets whose relayed events the duplicate index has not followed yet (their read
    /// failed): read again with the next relay.
    unindexed: Arc<StdMutex<Vec<TicketId>>>,
    /// Single requests waiting to go in with the next batch (see [`TicketDesk::intake_one`]).
    combiner: Arc<OnceLock<mpsc::UnboundedSender<Waiting>>>,
    /// Steps refused per account since the start because another changed the ticket first (a
    /// training run's debrief counts them; the event log keeps no refusal).
    conflicts: Arc<StdMutex<std::collections::BTreeMap<String, u32>>>,
}

/// Commands given together by one actor at one time, as steps.
fn steps_of(commands: &[Command], actor: &Actor, at: DateTime<Utc>) -> Vec<Step> {
    commands
        .iter()
        .map(|command| Step {
            command: command.clone(),
            actor: actor.clone(),
            at,
        })
        .collect()
}

/// A request waiting for its batch, and where its outcome goes.
type Waiting = (
    IntakeRequest,
    Arc<GridView>,
    oneshot::Sender<Result<IntakeOutcome, DeskError>>,
);

/// Most single requests stored in one batch.
const COMBINED_BATCH: usize = 500;

/// `first` and what else is already waiting behind it, up to `most` in all: the next batch of a
/// group commit.
pub(crate) fn with_waiting<T>(
    first: T,
    waiting: &mut mpsc::UnboundedReceiver<T>,
    most: usize,
) -> Vec<T> {
    let mut batch = vec![first];
    while batch.len() < most {
        match waiting.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    batch
}

/// Takes waiting single requests in as batches: whatever queued up while the previous batch
/// was being stored.
async fn combine(desk: TicketDesk, mut waiting: mpsc::UnboundedReceiver<Waiting>) {
    while let Some(first) = waiting.recv().await {
        let batch = with_waiting(first, &mut waiting, COMBINED_BATCH);
        let requests: Vec<IntakeRequest> = batch.iter().map(|(r, _, _)| r.clone()).collect();
        // Grids replaced meanwhile: the batch goes by the view its first request saw.
        let view = Arc::clone(&batch[0].1);
        match desk.intake(&requests, &view, now()).await {
            Ok(outcomes) => {
                for ((_, _, answer), outcome) in batch.into_iter().zip(outcomes) {
                    let _ = answer.send(Ok(outcome));
                }
            }
            Err(_) => {
                for (request, view, answer) in batch {
                    let _ = answer.send(desk.intake_single(&request, &view).await);
                }
            }
        }
    }
}

impl TicketDesk {
    /// Loads the catalogue and SLA table (storing the defaults in a new database) and indexes
    /// the open tickets for duplicate detection.
    pub async fn open(
        store: Arc<dyn TicketRepository>,
        view: &GridView,
    ) -> Result<Self, StoreError> {
        let catalogue = if let Some(catalogue) = store.load_catalogue().await? {
            let upgraded = catalogue.clone().upgraded();
            if upgraded != catalogue {
                store.save_catalogue(&upgraded).await?;
            }
            upgraded
        } else {
            let defaults = Catalogue::defaults();
            store.save_catalogue(&defaults).await?;
            defaults
        };
        let sla = if let Some(sla) = store.load_sla().await? {
            sla
        } else {
            let defaults = SlaTable::defaults();
            store.save_sla(&defaults).await?;
            defaults
        };
        let projection = LocalProjection::centred_on(view.hierarchy().street().bbox());
        let mut index = DuplicateIndex::new(projection);
        for ticket in store.open_located().await? {
            if let Some(p) = ticket.location.filter(|_| repeats_a_call(ticket.channel)) {
                index.insert(
                    ticket.id,
                    &ticket.category,
                    p.lon,
                    p.lat,
                    ticket.received_at,
                );
            }
        }
        let (live, _) = broadcast::channel(LIVE_CHANNEL_CAPACITY);
        let relayed = store.last_event_id().await?;
        Ok(Self {
            relayed: Arc::new(Mutex::new(relayed)),
            relayed_mirror: Arc::new(AtomicI64::new(relayed)),
            unindexed: Arc::default(),
            combiner: Arc::new(OnceLock::new()),
            conflicts: Arc::default(),
            store,
            catalogue: Arc::new(RwLock::new(Arc::new(catalogue))),
            sla: Arc::new(RwLock::new(Arc::new(sla))),
            duplicates: Arc::new(StdMutex::new(index)),
            intake_lock: Arc::new(Mutex::new(())),
            live,
        })
    }

    pub fn store(&self) -> &Arc<dyn TicketRepository> {
        &self.store
    }

    pub fn catalogue(&self) -> Arc<Catalogue> {
        Arc::clone(
            &self
                .catalogue
                .read()
                .expect("catalogue lock is never poisoned"),
        )
    }

    pub fn sla(&self) -> Arc<SlaTable> {
        Arc::clone(&self.sla.read().expect("SLA lock is never poisoned"))
    }

    /// Replaces the category catalogue after checking it. Categories of existing tickets that
    /// the new catalogue lacks stay on those tickets (their names show as codes).
    pub async fn replace_catalogue(&self, catalogue: Catalogue) -> Result<(), SettingsError> {
        let problems = catalogue.problems();
        if !problems.is_empty() {
            return Err(SettingsError::Invalid(problems));
        }
        self.store.save_catalogue(&catalogue).await?;
        *self
            .catalogue
            .write()
            .expect("catalogue lock is never poisoned") = Arc::new(catalogue);
        Ok(())
    }

    /// The column mappings operators chose for work-order files, by their headers.
    pub async fn column_mappings(&self) -> Result<ColumnMappings, StoreError> {
        self.store.load_column_mappings().await
    }

    /// Keeps an operator's choice of columns for files with these headers.
    pub async fn remember_columns(
        &self,
        signature: String,
        columns: ColumnMapping,
    ) -> Result<(), StoreError> {
        let mut all = self.store.load_column_mappings().await?;
        if all.get(&signature) == Some(&columns) {
            return Ok(());
        }
        all.insert(signature, columns);
        self.store.save_column_mappings(&all).await
    }

    /// Replaces the SLA table after checking it; deadlines already fixed on tickets stay.
    pub async fn replace_sla(&self, table: SlaTable) -> Result<(), SettingsError> {
        let problems = table.problems();
        if !problems.is_empty() {
            return Err(SettingsError::Invalid(problems));
        }
        self.store.save_sla(&table).await?;
        *self.sla.write().expect("SLA lock is never poisoned") = Arc::new(table);
        Ok(())
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StoredEvent>> {
        self.live.subscribe()
    }

    /// Passes this process's newly stored events to live clients, in log order and without
    /// gaps: if events stored meanwhile (here or by another server process) come first, they
    /// are read from the log.
    async fn announce(&self, events: Vec<StoredEvent>) {
        let mut relayed = self.relayed.lock().await;
        if events.first().is_some_and(|e| e.id == *relayed + 1) {
            for event in events {
                *relayed = event.id;
                self.relayed_mirror.store(event.id, Ordering::Release);
                // No receiver is fine: nobody is watching live.
                let _ = self.live.send(Arc::new(event));
            }
        } else if events.last().is_some_and(|e| e.id > *relayed)
            && let Err(error) = self.relay_log(&mut relayed).await
        {
            tracing::warn!(%error, "could not read the event log for live clients");
        }
    }

    /// The newest event id passed to live clients.
    pub fn relayed(&self) -> i64 {
        self.relayed_mirror.load(Ordering::Acquire)
    }

    /// Reads what the log holds beyond the events already passed to live clients (written by
    /// another server process, or by this one while a reader lagged) and passes it on, keeping
    /// the duplicate index in step with those tickets. Returns how many events were passed.
    pub async fn catch_up(&self) -> Result<usize, StoreError> {
        let mut relayed = self.relayed.lock().await;
        self.relay_log(&mut relayed).await
    }

    async fn relay_log(&self, relayed: &mut i64) -> Result<usize, StoreError> {
        let mut passed = 0;
        loop {
            let page = self.store.events_after(*relayed, RELAY_PAGE).await?;
            let full = page.len() >= RELAY_PAGE as usize;
            let mut touched: Vec<TicketId> = page.iter().map(|e| e.event.ticket_id).collect();
            touched.append(
                &mut self
                    .unindexed
                    .lock()
                    .expect("unindexed tickets lock is never poisoned"),
            );
            touched.sort_unstable();
            touched.dedup();
            // Live clients first: the duplicate index only serves the next intake, and the
            // tickets' read is a round trip the terminals need not wait for.
            for event in page {
                *relayed = event.id;
                self.relayed_mirror.store(event.id, Ordering::Release);
                passed += 1;
                let _ = self.live.send(Arc::new(event));
            }
            if !touched.is_empty() {
                // At most a page's tickets (and any left from a failed read), in one read.
                let filter = TicketFilter {
                    scope: TicketScope::All,
                    limit: touched.len() as u32,
                    ids: Some(touched.clone()),
                    ..TicketFilter::default()
                };
                let listed = match self.store.list(&filter).await {
                    Ok((listed, _)) => listed,
                    Err(error) => {
                        // Their events are sent: keep the tickets for the next relay.
                        *self
                            .unindexed
                            .lock()
                            .expect("unindexed tickets lock is never poisoned") = touched;
                        return Err(error);
                    }
                };
                for listed in listed {
                    // Removing and re-inserting the current state is the same whether or not
                    // this process already knew the change.
                    self.reindex(Some(&listed.ticket), &listed.ticket);
                }
            }
            // A page short of full is the end of the log as it stood: no need to ask again.
            if !full {
                return Ok(passed);
            }
        }
    }

    /// Reads the catalogue and SLA table again (another server process changed them).
    pub async fn reload_settings(&self) -> Result<(), StoreError> {
        if let Some(catalogue) = self.store.load_catalogue().await? {
            *self
                .catalogue
                .write()
                .expect("catalogue lock is never poisoned") = Arc::new(catalogue);
        }
        if let Some(sla) = self.store.load_sla().await? {
            *self.sla.write().expect("SLA lock is never poisoned") = Arc::new(sla);
        }
        Ok(())
    }

    fn index(&self) -> std::sync::MutexGuard<'_, DuplicateIndex> {
        self.duplicates
            .lock()
            .expect("duplicate index lock is never poisoned")
    }

    /// Keeps the duplicate index in step with one ticket's change.
    fn reindex(&self, before: Option<&Ticket>, after: &Ticket) {
        let mut index = self.index();
        if let Some(before) = before.filter(|t| indexable(t))
            && let Some(p) = before.location
        {
            index.remove(
                before.id,
                &before.category,
                p.lon,
                p.lat,
                before.received_at,
            );
        }
        if indexable(after)
            && let Some(p) = after.location
        {
            index.insert(after.id, &after.category, p.lon, p.lat, after.received_at);
        }
    }

    /// Takes in one request arriving on its own (the API's `POST /api/tickets`). Requests that
    /// arrive while a batch is being stored wait and go in together as the next batch: one
    /// transaction for many, so a busy desk keeps up (group commit). A batch that fails is
    /// retried one request at a time, so each caller gets its own answer.
    pub async fn intake_one(
        &self,
        request: IntakeRequest,
        view: Arc<GridView>,
    ) -> Result<IntakeOutcome, DeskError> {
        let (answer, answered) = oneshot::channel();
        let queue = self.combiner.get_or_init(|| {
            let (queue, waiting) = mpsc::unbounded_channel();
            tokio::spawn(combine(self.clone(), waiting));
            queue
        });
        if queue.send((request.clone(), view.clone(), answer)).is_err() {
            // The combiner is gone (the runtime is shutting down): take it in directly.
            return self.intake_single(&request, &view).await;
        }
        match answered.await {
            Ok(outcome) => outcome,
            Err(_) => self.intake_single(&request, &view).await,
        }
    }

    async fn intake_single(
        &self,
        request: &IntakeRequest,
        view: &GridView,
    ) -> Result<IntakeOutcome, DeskError> {
        Ok(self
            .intake(std::slice::from_ref(request), view, now())
            .await?
            .pop()
            .expect("one request, one outcome"))
    }

    /// Takes in requests from any channel: checks, skips orders already taken in, routes,
    /// merges or flags duplicates and stores the new tickets with their events in one
    /// transaction. Outcomes come back in the order of `requests`.
    pub async fn intake(
        &self,
        requests: &[IntakeRequest],
        view: &GridView,
        now: DateTime<Utc>,
    ) -> Result<Vec<IntakeOutcome>, DeskError> {
        self.intake_as(requests, view, now, Repeats::Merge).await
    }

    /// [`Self::intake`], with what becomes of a clear repeat of an open problem said.
    pub async fn intake_as(
        &self,
        requests: &[IntakeRequest],
        view: &GridView,
        now: DateTime<Utc>,
        repeats: Repeats,
    ) -> Result<Vec<IntakeOutcome>, DeskError> {
        let _one_batch = self.intake_lock.lock().await;
        let catalogue = self.catalogue();
        let sla = self.sla();
        let hierarchy = view.hierarchy();
        let mut outcomes: Vec<Option<IntakeOutcome>> = Vec::with_capacity(requests.len());
        let mut valid = Vec::new();
        for (i, request) in requests.iter().enumerate() {
            match intake::validate(request, &catalogue, hierarchy, now) {
                Ok(checked) => {
                    valid.push((i, checked));
                    outcomes.push(None);
                }
                Err(problems) => outcomes.push(Some(IntakeOutcome::Rejected { problems })),
            }
        }

        let keys: Vec<(Channel, String)> = valid
            .iter()
            .filter_map(|(_, c)| c.external_id.clone().map(|id| (c.channel, id)))
            .collect();
        let mut known: std::collections::HashMap<(Channel, String), TicketId> = self
            .store
            .existing_external(&keys)
            .await?
            .into_iter()
            .collect();
        let ids = self.store.reserve_ticket_ids(valid.len()).await?;

        let system = Actor::system();
        let mut batch: Vec<NewTicket> = Vec::with_capacity(valid.len());
        let mut created: Vec<(usize, Option<DuplicateMatch>)> = Vec::new();
        let mut indexed: Vec<Ticket> = Vec::new();
        {
            // A plain lock, held by no await: the index is only touched synchronously.
            let mut index = self.index();
            for ((i, checked), id) in valid.into_iter().zip(ids) {
                let key = checked.external_id.clone().map(|e| (checked.channel, e));
                if let Some(existing) = key.as_ref().and_then(|k| known.get(k)) {
                    outcomes[i] = Some(IntakeOutcome::Existing { id: *existing });
                    continue;
                }
                if let Some(key) = key {
                    known.insert(key, id);
                }
                let category = catalogue
                    .find(&checked.category)
                    .expect("validation accepted only catalogue categories");
                let (location, routing) = route(&checked.location, hierarchy, &view.locator);
                let deadlines =
                    sla.deadlines(category.sla_class, checked.urgency, checked.received_at);
                let mut receipt =
                    lifecycle::receipt(checked, location, routing, deadlines, &system);
                receipt.ticket_id = id;
                let mut ticket = Ticket::received(&receipt).expect("a receipt makes a ticket");
                let mut events = vec![receipt];
                let found = location
                    .filter(|_| repeats_a_call(ticket.channel))
                    .and_then(|p| {
                        index.find(
                            &ticket.category,
                            p.lon,
                            p.lat,
                            ticket.received_at,
                            category.dedupe,
                        )
                    });
                if let Some(found) = found {
                    let command = if found.clear && repeats == Repeats::Merge {
                        Command::Merge {
                            into: found.of,
                            distance_m: Some(found.distance_m),
                        }
                    } else {
                        Command::FlagDuplicate {
                            flag: DuplicateFlag {
                                of: found.of,
                                distance_m: found.distance_m,
                            },
                        }
                    };
                    let at = ticket.received_at;
                    events.push(ticket.execute(None, &command, &system, at)?);
                }
                if indexable(&ticket)
                    && let Some(p) = ticket.location
                {
                    index.insert(
                        ticket.id,
                        &ticket.category,
                        p.lon,
                        p.lat,
                        ticket.received_at,
                    );
                    indexed.push(ticket.clone());
                }
                created.push((i, found));
                batch.push(NewTicket { ticket, events });
            }
        }

        let stored = match self.store.insert_tickets(&batch).await {
            Ok(stored) => stored,
            Err(error) => {
                // Nothing was written: forget what the index learnt from this batch.
                let mut index = self.index();
                for t in &indexed {
                    if let Some(p) = t.location {
                        index.remove(t.id, &t.category, p.lon, p.lat, t.received_at);
                    }
                }
                return Err(error.into());
            }
        };
        self.announce(stored).await;
        for ((i, duplicate), new) in created.into_iter().zip(batch) {
            outcomes[i] = Some(IntakeOutcome::Created {
                ticket: Box::new(new.ticket),
                duplicate,
            });
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.expect("every request has an outcome"))
            .collect())
    }

    pub async fn ticket(&self, id: TicketId) -> Result<Ticket, DeskError> {
        self.store.ticket(id).await?.ok_or(DeskError::NotFound(id))
    }

    /// Runs commands on one ticket as one step (all stored or none), if the caller saw the
    /// current version. Returns the ticket afterwards and the stored events.
    pub async fn act(
        &self,
        id: TicketId,
        expected_version: u32,
        commands: &[Command],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(Ticket, Vec<StoredEvent>), DeskError> {
        self.act_steps(id, expected_version, &steps_of(commands, actor, now))
            .await
    }

    /// Like [`Self::act`] for a signed-in person: each command must be theirs to give on the
    /// ticket as it stands at that step (role and scope), or nothing is stored.
    pub async fn act_for(
        &self,
        id: TicketId,
        expected_version: u32,
        commands: &[Command],
        principal: &Principal,
        now: DateTime<Utc>,
    ) -> Result<(Ticket, Vec<StoredEvent>), DeskError> {
        let actor = principal.actor();
        let steps = steps_of(commands, &actor, now);
        let done = self
            .run_steps(id, expected_version, &steps, Some(principal))
            .await;
        if let Err(DeskError::Transition(TransitionError::Stale { .. })) = &done {
            let mut conflicts = self
                .conflicts
                .lock()
                .expect("the conflict count is never poisoned");
            *conflicts.entry(principal.account.clone()).or_default() += 1;
        }
        done
    }

    /// Steps refused per account since the start because another changed the ticket first.
    pub fn conflicts(&self) -> std::collections::BTreeMap<String, u32> {
        self.conflicts
            .lock()
            .expect("the conflict count is never poisoned")
            .clone()
    }

    /// Like [`Self::act`], with each step's own actor and time (a replayed scenario).
    pub async fn act_steps(
        &self,
        id: TicketId,
        expected_version: u32,
        steps: &[Step],
    ) -> Result<(Ticket, Vec<StoredEvent>), DeskError> {
        self.run_steps(id, expected_version, steps, None).await
    }

    async fn run_steps(
        &self,
        id: TicketId,
        expected_version: u32,
        steps: &[Step],
        principal: Option<&Principal>,
    ) -> Result<(Ticket, Vec<StoredEvent>), DeskError> {
        let before = self.ticket(id).await?;
        if let Some(principal) = principal
            && !principal.sees_ticket(&before)
        {
            return Err(AccessError::OutOfScope.into());
        }
        lifecycle::check_version(&before, expected_version)?;
        let history = self.store.events(id).await?;
        let mut last: Option<TicketEvent> = history.last().map(|e| e.event.clone());
        let mut ticket = before.clone();
        let mut events = Vec::with_capacity(steps.len());
        for step in steps {
            if let Some(principal) = principal {
                principal.may(&step.command, &ticket)?;
            }
            if let Command::Merge { into, .. } = &step.command {
                self.check_merge_target(*into, principal).await?;
            }
            let event = ticket.execute(last.as_ref(), &step.command, &step.actor, step.at)?;
            last = Some(event.clone());
            events.push(event);
        }
        let stored = self
            .store
            .append(&[TicketUpdate {
                expected_version,
                ticket: ticket.clone(),
                events,
            }])
            .await?;
        self.reindex(Some(&before), &ticket);
        self.announce(stored.clone()).await;
        Ok((ticket, stored))
    }

    /// A ticket may only be merged into an open ticket that is not itself a duplicate.
    /// The target must also be one the principal (if any) sees: a commander cannot fold their
    /// ticket into one outside their community.
    async fn check_merge_target(
        &self,
        into: TicketId,
        principal: Option<&Principal>,
    ) -> Result<(), DeskError> {
        let target = self.store.ticket(into).await?;
        if let (Some(t), Some(p)) = (&target, principal)
            && !p.sees_ticket(t)
        {
            return Err(AccessError::OutOfScope.into());
        }
        match target {
            Some(t) if t.state.is_open() => Ok(()),
            Some(t) => Err(TransitionError::BadTarget {
                reason_en: format!(
                    "ticket {into} is {} and cannot take duplicates",
                    t.state.as_str()
                ),
                reason_zh: format!(
                    "工单 {into} 当前为“{}”，不能作为合并目标",
                    t.state.label_zh()
                ),
            }
            .into()),
            None => Err(DeskError::NotFound(into)),
        }
    }

    /// The grid that a drop point lies in, at the level the dispatcher sees on the map.
    pub fn grid_at_drop(view: &GridView, grid: &GridCode, lon: f64, lat: f64) -> DropCheck {
        let located = match grid.level() {
            binhe_core::GridLevel::Unit => view.locator.unit_at(lon, lat),
            binhe_core::GridLevel::Micro => view.locator.micro_at(lon, lat),
            _ => view.locator.community_at(lon, lat),
        }
        .or_else(|| view.locator.community_at(lon, lat));
        match located.map(|i| &view.hierarchy().get(i).code) {
            None => DropCheck::Outside,
            Some(code) if code == grid => DropCheck::Inside,
            Some(code) => DropCheck::Elsewhere(code.clone()),
        }
    }
}

/// One command in a sequence, with who gives it and when.
#[derive(Debug, Clone)]
pub struct Step {
    pub command: Command,
    pub actor: Actor,
    pub at: DateTime<Utc>,
}

/// Where a drop really landed, by the server's own spatial index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropCheck {
    Inside,
    Elsewhere(GridCode),
    Outside,
}
