//! The ticket tables behind a small trait: new tickets with their first events, appended events
//! with an optimistic version check, lists for the queue and the map, and the event log.

use async_trait::async_trait;
use binhe_core::GridCode;
use binhe_core::access::{Audience, Visibility};
use binhe_core::ticket::lifecycle::TicketEvent;
use binhe_core::ticket::queue::QueueCounts;
use binhe_core::ticket::{Catalogue, Channel, SlaTable, Ticket, TicketId, TicketState};

use chrono::{DateTime, Utc};

use crate::StoreError;

/// Column mappings of work-order files by their headers' signature.
pub type ColumnMappings = std::collections::BTreeMap<String, binhe_core::ticket::ColumnMapping>;

/// An event as stored: its place in the street-wide log (the live stream's event id).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: i64,
    pub event: TicketEvent,
    /// Who may see it: the ticket's audience before and after the event.
    pub audience: Audience,
}

/// A ticket the intake pipeline built, with the events that made it (receipt, then perhaps an
/// automatic merge or a duplicate flag). Its id was reserved with
/// [`TicketRepository::reserve_ticket_ids`].
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub ticket: Ticket,
    pub events: Vec<TicketEvent>,
}

/// Events to append to one stored ticket, and its row afterwards. Stored only if the ticket is
/// still at `expected_version`.
#[derive(Debug, Clone)]
pub struct TicketUpdate {
    pub expected_version: u32,
    pub ticket: Ticket,
    pub events: Vec<TicketEvent>,
}

/// Which tickets a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketScope {
    /// Still on someone's desk.
    #[default]
    Open,
    All,
    /// Open tickets that could not be placed in a grid.
    Unrouted,
    /// Open tickets flagged as possible duplicates.
    Flagged,
    /// Off every desk: closed, cancelled or merged into another.
    Finished,
}

#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub scope: TicketScope,
    pub state: Option<TicketState>,
    /// Only tickets routed to this community.
    pub community: Option<GridCode>,
    /// Only what the asking principal may see.
    pub visibility: Visibility,
    /// Only tickets of this category (its code).
    pub category: Option<String>,
    /// Only tickets received at or after this time.
    pub received_from: Option<DateTime<Utc>>,
    /// Only tickets received at or before this time.
    pub received_until: Option<DateTime<Utc>>,
    pub limit: u32,
    /// Only tickets listed after this one (its receipt time in ms and id), for reading a long
    /// list page by page in the list's order (newest first).
    pub after: Option<(i64, TicketId)>,
    /// Only these tickets (a terminal catching up on the ones a stream told it changed).
    pub ids: Option<Vec<TicketId>>,
}

/// A ticket with how many others were merged into it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedTicket {
    pub ticket: Ticket,
    pub duplicates: u32,
}

#[async_trait]
pub trait TicketRepository: Send + Sync {
    /// Ids for tickets about to be stored, so the intake pipeline can link duplicates inside one
    /// batch before anything is written.
    async fn reserve_ticket_ids(&self, count: usize) -> Result<Vec<TicketId>, StoreError>;

    /// Stores new tickets and their events in one transaction: all of them, or none.
    /// Returns the stored events with their log ids.
    async fn insert_tickets(&self, batch: &[NewTicket]) -> Result<Vec<StoredEvent>, StoreError>;

    /// Appends events to existing tickets in one transaction. If any ticket is no longer at its
    /// expected version nothing is stored and [`StoreError::Conflict`] names it.
    async fn append(&self, updates: &[TicketUpdate]) -> Result<Vec<StoredEvent>, StoreError>;

    async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError>;

    /// The ticket's events in order.
    async fn events(&self, id: TicketId) -> Result<Vec<StoredEvent>, StoreError>;

    /// Ids of tickets already taken in from these upstream orders.
    async fn existing_external(
        &self,
        keys: &[(Channel, String)],
    ) -> Result<Vec<((Channel, String), TicketId)>, StoreError>;

    /// Newest first, with the total that matched before the limit.
    async fn list(&self, filter: &TicketFilter) -> Result<(Vec<ListedTicket>, u64), StoreError>;

    /// Tickets merged into this one.
    async fn duplicates_of(&self, id: TicketId) -> Result<Vec<Ticket>, StoreError>;

    /// Open, unmerged tickets with a location: what the duplicate index holds at start.
    async fn open_located(&self) -> Result<Vec<Ticket>, StoreError>;

    /// How many open tickets each of these workers holds now (absent: none).
    async fn open_load(&self, worker_ids: &[String]) -> Result<Vec<(String, u32)>, StoreError>;

    /// How many open tickets `visibility` sees under each of the queue's tabs at `now`, with
    /// `due_soon_share` of a ticket's window left counting as soon due (the rule of
    /// [`binhe_core::ticket::queue::QueueTab::holds`] and [`binhe_core::ticket::sla::SlaTable::status`]).
    async fn queue_counts(
        &self,
        visibility: &Visibility,
        now: DateTime<Utc>,
        due_soon_share: f64,
    ) -> Result<QueueCounts, StoreError>;

    /// The log after an event id, oldest first (a reconnecting live client catches up).
    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<StoredEvent>, StoreError>;

    /// The events stored from `from` until before `until`, of `community`'s tickets when one is
    /// given, in log order; at most `limit` (a replay's window).
    async fn events_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        community: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// The events before `at` of the tickets received before it and not closed before it (of
    /// `community` when given), in log order; at most `limit` (where a replay starts from).
    async fn history_before(
        &self,
        at: DateTime<Utc>,
        community: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// The newest event id, 0 for an empty log.
    async fn last_event_id(&self) -> Result<i64, StoreError>;

    async fn load_catalogue(&self) -> Result<Option<Catalogue>, StoreError>;
    async fn save_catalogue(&self, catalogue: &Catalogue) -> Result<(), StoreError>;
    async fn load_sla(&self) -> Result<Option<SlaTable>, StoreError>;
    async fn save_sla(&self, table: &SlaTable) -> Result<(), StoreError>;
    /// The column mappings operators chose for work-order files, by the files' headers
    /// ([`binhe_core::ticket::columns::headers_signature`]); empty when none was made.
    async fn load_column_mappings(&self) -> Result<ColumnMappings, StoreError>;
    async fn save_column_mappings(&self, mappings: &ColumnMappings) -> Result<(), StoreError>;
}
