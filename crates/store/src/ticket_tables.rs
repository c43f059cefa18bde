//! Tickets and their event log, the same on every backend; the backend serialises the writers
//! and hands out ticket ids.

use std::collections::HashMap;

use async_trait::async_trait;
use binhe_core::GridCode;
use binhe_core::access::{Audience, Visibility};
use binhe_core::kpi::KpiFacts;
use binhe_core::ticket::lifecycle::{Change, TicketEvent};
use binhe_core::ticket::queue::QueueCounts;
use binhe_core::ticket::{
    Actor, ActorRole, Catalogue, Channel, SlaTable, Ticket, TicketId, TicketState, UnroutedReason,
};
use chrono::{DateTime, Utc};
use futures_util::future::join;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StoreError;
use crate::backend::{Columns, ConnectionOf, Run, Topic, Value, Writer, millis};
use crate::basemaps::{BasemapRepository, StoredBasemap};
use crate::kpi_tables::RollUp;
use crate::tickets::{
    ColumnMappings, ListedTicket, NewTicket, StoredEvent, TicketFilter, TicketRepository,
    TicketScope, TicketUpdate,
};

const CLOSED_STATES: &str = "('closed', 'cancelled', 'merged')";

const TICKET_COLUMNS: &str = "id, channel, external_id, category, urgency, state, version, \
    community_code, micro_code, unit_code, unrouted, lon, lat, received_at, contact_due_at, due_at, \
    first_contact_at, closed_at, updated_at, owner_grid, assignee_grid, assignee_worker, \
    handling_mode, escalated_to, delegated, outcome, satisfaction, reopen_count, duplicate_of, \
    flagged_of, body, audience_communities, audience_workers";

const EVENT_COLUMNS: &str = "id, ticket_id, version, at, actor_id, actor_name, actor_role, \
    from_state, to_state, kind, change, audience_communities, audience_workers";

/// An audience list as stored: `|a|b|`, or `|` for none, so one member is `LIKE '%|a|%'`.
fn members<T: AsRef<str>>(items: &[T]) -> String {
    items.iter().fold("|".to_owned(), |mut text, item| {
        text.push_str(item.as_ref());
        text.push('|');
        text
    })
}

fn parse_members(text: Option<&str>) -> impl Iterator<Item = &str> {
    text.unwrap_or_default()
        .split('|')
        .filter(|member| !member.is_empty())
}

/// The stored audience columns of a ticket or event row.
fn audience_from_row(row: &impl Columns) -> Audience {
    Audience {
        communities: parse_members(row.maybe_text("audience_communities"))
            .filter_map(|code| GridCode::parse(code).ok())
            .collect(),
        workers: parse_members(row.maybe_text("audience_workers"))
            .map(str::to_owned)
            .collect(),
    }
}

fn damaged(id: i64, detail: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptTicket {
        id,
        detail: detail.to_string(),
    }
}

fn to_json(id: i64, value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| damaged(id, e))
}

fn from_json<T: DeserializeOwned>(id: i64, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| damaged(id, e))
}

fn as_text<T: Serialize>(value: Option<T>) -> Option<String> {
    value.and_then(|v| match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Some(s),
        _ => None,
    })
}

fn settings_damaged(key: &str, error: &serde_json::Error) -> StoreError {
    StoreError::Corrupt {
        code: format!("settings.{key}"),
        detail: error.to_string(),
    }
}

/// What a ticket's stored row was before a write replaces it.
struct Replaced {
    audience: Audience,
    facts: KpiFacts,
}

/// What a list reads of each ticket: its body and how many tickets were merged into it.
pub(crate) const LISTED_COLUMNS: &str =
    "id, body, (SELECT count(*) FROM tickets d WHERE d.duplicate_of = tickets.id) AS duplicates";

/// The rows of a [`LISTED_COLUMNS`] query as listed tickets.
pub(crate) fn listed_from_rows<R: Columns>(rows: &[R]) -> Result<Vec<ListedTicket>, StoreError> {
    rows.iter()
        .map(|row| {
            Ok(ListedTicket {
                ticket: ticket_from_row(row)?,
                duplicates: u32::try_from(row.integer("duplicates")).unwrap_or(0),
            })
        })
        .collect()
}

/// The stored row is a projection; the ticket itself is its JSON body.
pub(crate) fn ticket_from_row(row: &impl Columns) -> Result<Ticket, StoreError> {
    from_json(row.integer("id"), row.text("body"))
}

fn event_from_row(row: &impl Columns) -> Result<StoredEvent, StoreError> {
    let ticket_id = row.integer("ticket_id");
    let state = |column: &str| -> Result<Option<TicketState>, StoreError> {
        row.maybe_text(column)
            .map(|s| {
                TicketState::from_code(s).ok_or_else(|| damaged(ticket_id, format!("state {s}")))
            })
            .transpose()
    };
    let role = row.text("actor_role");
    let role = [
        ActorRole::Dispatcher,
        ActorRole::Commander,
        ActorRole::Worker,
        ActorRole::Administrator,
        ActorRole::System,
    ]
    .into_iter()
    .find(|r| r.as_str() == role)
    .ok_or_else(|| damaged(ticket_id, format!("actor role {role}")))?;
    let at = DateTime::from_timestamp_millis(row.integer("at"))
        .ok_or_else(|| damaged(ticket_id, "event time out of range"))?;
    Ok(StoredEvent {
        id: row.integer("id"),
        audience: audience_from_row(row),
        event: TicketEvent {
            ticket_id,
            version: u32::try_from(row.integer("version")).map_err(|e| damaged(ticket_id, e))?,
            at,
            actor: Actor {
                id: row.text("actor_id").to_owned(),
                name: row.text("actor_name").to_owned(),
                role,
            },
            from: state("from_state")?,
            to: state("to_state")?.ok_or_else(|| damaged(ticket_id, "event without a state"))?,
            change: from_json::<Change>(ticket_id, row.text("change"))?,
        },
    })
}

/// The `LIKE` pattern matching audience lists that name `member`.
fn member_pattern(member: &str) -> String {
    let escaped = member
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%|{escaped}|%")
}

/// The pattern a visibility filters audience lists with, if any.
fn visibility_pattern(visibility: &Visibility) -> Option<String> {
    match visibility {
        Visibility::Community(code) => Some(member_pattern(code.as_str())),
        Visibility::Worker(id) => Some(member_pattern(id)),
        Visibility::Everything | Visibility::Nothing => None,
    }
}

/// The `WHERE` clause of a list and the values of its parameters; `pattern` is
/// [`visibility_pattern`] of the filter's visibility.
fn filter_sql<'a>(filter: &'a TicketFilter, pattern: Option<&'a str>) -> (String, Vec<Value<'a>>) {
    let mut sql = " WHERE 1 = 1".to_owned();
    match filter.scope {
        TicketScope::All => {}
        TicketScope::Finished => {
            sql += " AND state IN ";
            sql += CLOSED_STATES;
        }
        TicketScope::Open | TicketScope::Unrouted | TicketScope::Flagged => {
            sql += " AND state NOT IN ";
            sql += CLOSED_STATES;
        }
    }
    match filter.scope {
        TicketScope::All | TicketScope::Open | TicketScope::Finished => {}
        TicketScope::Unrouted => sql += " AND community_code IS NULL",
        TicketScope::Flagged => sql += " AND flagged_of IS NOT NULL",
    }
    let mut values = Vec::new();
    if let Some(state) = filter.state {
        sql.push_str(" AND state = ?");
        values.push(state.as_str().into());
    }
    if let Some(community) = &filter.community {
        sql.push_str(" AND community_code = ?");
        values.push(community.as_str().into());
    }
    if let Some(category) = &filter.category {
        sql.push_str(" AND category = ?");
        values.push(category.as_str().into());
    }
    if let Some(from) = filter.received_from {
        sql.push_str(" AND received_at >= ?");
        values.push(millis(from).into());
    }
    if let Some(until) = filter.received_until {
        sql.push_str(" AND received_at <= ?");
        values.push(millis(until).into());
    }
    match &filter.visibility {
        Visibility::Everything => {}
        Visibility::Community(_) => sql.push_str(" AND audience_communities LIKE ? ESCAPE '\\'"),
        Visibility::Worker(_) => sql.push_str(" AND audience_workers LIKE ? ESCAPE '\\'"),
        Visibility::Nothing => sql.push_str(" AND 1 = 0"),
    }
    if let Some(pattern) = pattern {
        values.push(pattern.into());
    }
    if let Some(ids) = &filter.ids {
        if ids.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            let ids = padded_in_list(ids.iter().map(|&id| Value::from(id)).collect());
            sql.push_str(" AND id IN (");
            sql.push_str(&parameters(ids.len()));
            sql.push(')');
            values.extend(ids);
        }
    }
    if let Some((received_at, id)) = filter.after {
        sql.push_str(" AND (received_at < ? OR (received_at = ? AND id < ?))");
        values.extend([
            Value::from(received_at),
            Value::from(received_at),
            Value::from(id),
        ]);
    }
    (sql, values)
}

/// `count` parameters for an `IN` list.
pub(crate) fn parameters(count: usize) -> String {
    vec!["?"; count].join(", ")
}

/// The values of an `IN` list on a hot path, the last repeated up to the next power of two: the
/// statement's text then comes back from call to call and is prepared once per connection, and
/// a repeated value matches nothing more.
fn padded_in_list(mut values: Vec<Value<'_>>) -> Vec<Value<'_>> {
    if let Some(&last) = values.last() {
        values.resize(values.len().next_power_of_two(), last);
    }
    values
}

/// Writes ticket rows, then their events with consecutive log ids after the newest one, inside
/// the writer's turn (no other transaction reads the same newest id). With `replace`, an existing
/// row of the same id is overwritten in place (its events keep pointing at it).
///
/// An event's audience is its ticket's after the write together with `before` (the stored
/// audience of an updated ticket), so a ticket moving between communities is seen by both.
async fn write<B: Run>(
    writer: &mut Writer<'_, B::Db>,
    tickets: &[&Ticket],
    replace: bool,
    events: Vec<TicketEvent>,
    before: &HashMap<TicketId, Replaced>,
) -> Result<Vec<StoredEvent>, StoreError> {
    let audiences: HashMap<TicketId, Audience> = tickets
        .iter()
        .map(|t| {
            let after = Audience::of(t);
            let seen = before
                .get(&t.id)
                .map_or_else(|| after.clone(), |b| b.audience.union(&after));
            (t.id, seen)
        })
        .collect();
    // Owned column texts first: the rows below borrow them.
    let texts = tickets
        .iter()
        .map(|t| {
            let enums = [
                as_text(t.handling_mode),
                as_text(t.escalated_to),
                as_text(t.outcome),
                as_text(t.satisfaction),
            ];
            let audience = Audience::of(t);
            let lists = [members(&audience.communities), members(&audience.workers)];
            Ok((enums, to_json(t.id, t)?, lists))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let rows: Vec<Vec<Value>> = tickets
        .iter()
        .zip(&texts)
        .map(
            |(
                t,
                (
                    [handling_mode, escalated_to, outcome, satisfaction],
                    body,
                    [communities, workers],
                ),
            )| {
                let assignment = t.assignment.as_ref();
                vec![
                    t.id.into(),
                    t.channel.as_str().into(),
                    t.external_id.as_deref().into(),
                    t.category.as_str().into(),
                    t.urgency.as_str().into(),
                    t.state.as_str().into(),
                    i64::from(t.version).into(),
                    t.routing.community.as_ref().map(GridCode::as_str).into(),
                    t.routing.micro.as_ref().map(GridCode::as_str).into(),
                    t.routing.unit.as_ref().map(GridCode::as_str).into(),
                    t.routing.unrouted.map(UnroutedReason::as_str).into(),
                    t.location.map(|p| p.lon).into(),
                    t.location.map(|p| p.lat).into(),
                    millis(t.received_at).into(),
                    millis(t.contact_due_at).into(),
                    millis(t.due_at).into(),
                    t.first_contact_at.map(millis).into(),
                    t.closed_at.map(millis).into(),
                    millis(t.updated_at).into(),
                    t.owner.as_ref().map(|o| o.grid.as_str()).into(),
                    assignment
                        .and_then(|a| a.grid.as_ref())
                        .map(GridCode::as_str)
                        .into(),
                    assignment.and_then(|a| a.worker_id.as_deref()).into(),
                    handling_mode.as_deref().into(),
                    escalated_to.as_deref().into(),
                    t.delegated.into(),
                    outcome.as_deref().into(),
                    satisfaction.as_deref().into(),
                    i64::from(t.reopen_count).into(),
                    t.duplicate_of.into(),
                    t.duplicate_flag.map(|f| f.of).into(),
                    body.as_str().into(),
                    communities.as_str().into(),
                    workers.as_str().into(),
                ]
            },
        )
        .collect();
    let replaced: Vec<&KpiFacts> = before.values().map(|b| &b.facts).collect();
    let upsert = if replace {
        let sets: Vec<String> = TICKET_COLUMNS
            .split(',')
            .map(str::trim)
            .skip(1)
            .map(|column| format!("{column} = excluded.{column}"))
            .collect();
        format!(" ON CONFLICT (id) DO UPDATE SET {}", sets.join(", "))
    } else {
        String::new()
    };
    let last = last_event_id::<B>(&mut writer.tx).await?;
    // The database takes the ticket rows (on SQLite in its own thread) while this thread counts
    // the rollups and writes the events' texts: `join` starts the statement first.
    let (inserted, counted) = join(
        B::insert_rows(
            &mut *writer.tx,
            ("tickets", TICKET_COLUMNS, &upsert),
            &rows,
            "storing tickets",
        ),
        async {
            let stored: Vec<StoredEvent> = events
                .into_iter()
                .zip(last + 1..)
                .map(|(event, id)| StoredEvent {
                    id,
                    audience: audiences.get(&event.ticket_id).cloned().unwrap_or_default(),
                    event,
                })
                .collect();
            let texts = stored
                .iter()
                .map(|s| {
                    Ok((
                        to_json(s.event.ticket_id, &s.event.change)?,
                        members(&s.audience.communities),
                        members(&s.audience.workers),
                    ))
                })
                .collect::<Result<Vec<_>, StoreError>>();
            (stored, texts, RollUp::of(tickets, &replaced))
        },
    )
    .await;
    inserted?;
    let (stored, texts, roll_up) = counted;
    let texts = texts?;
    let rows: Vec<Vec<Value>> = stored
        .iter()
        .zip(&texts)
        .map(|(s, (change, communities, workers))| {
            let e = &s.event;
            vec![
                s.id.into(),
                e.ticket_id.into(),
                i64::from(e.version).into(),
                millis(e.at).into(),
                e.actor.id.as_str().into(),
                e.actor.name.as_str().into(),
                e.actor.role.as_str().into(),
                e.from.map(TicketState::as_str).into(),
                e.to.as_str().into(),
                e.change.kind().into(),
                change.as_str().into(),
                communities.as_str().into(),
                workers.as_str().into(),
            ]
        })
        .collect();
    B::insert_rows(
        &mut *writer.tx,
        ("ticket_events", EVENT_COLUMNS, ""),
        &rows,
        "appending ticket events",
    )
    .await?;
    roll_up.store::<B>(&mut writer.tx).await?;
    if let Some(newest) = stored.last() {
        let payload = format!("{} {}", writer.origin, newest.id);
        B::notify(&mut writer.tx, Topic::Events, &payload).await?;
    }
    Ok(stored)
}

/// The newest event id, 0 for an empty log.
async fn last_event_id<B: Run>(conn: &mut ConnectionOf<B>) -> Result<i64, StoreError> {
    let rows = B::fetch(
        conn,
        "SELECT coalesce(max(id), 0) AS last FROM ticket_events",
        &[],
        "reading the event log",
    )
    .await?;
    Ok(rows.first().map_or(0, |row| row.integer("last")))
}

async fn setting<B: Run, T: DeserializeOwned>(
    store: &B,
    key: &str,
) -> Result<Option<T>, StoreError> {
    store
        .read(
            "SELECT value FROM settings WHERE key = ?",
            &[key.into()],
            "reading settings",
        )
        .await?
        .first()
        .map(|row| serde_json::from_str(row.text("value")).map_err(|e| settings_damaged(key, &e)))
        .transpose()
}

async fn save_setting<B: Run>(
    store: &B,
    key: &str,
    value: &impl Serialize,
) -> Result<(), StoreError> {
    let text = serde_json::to_string(value).map_err(|e| settings_damaged(key, &e))?;
    let mut writer = store.begin_write("saving settings").await?;
    B::execute(
        &mut writer.tx,
        "INSERT INTO settings (key, value) VALUES (?, ?) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[key.into(), text.as_str().into()],
        "saving settings",
    )
    .await?;
    B::notify(&mut writer.tx, Topic::Settings, key).await?;
    writer.commit("saving settings").await
}

/// The events matching `condition` (on `e`, the event, and `t`, its ticket) of `community`'s
/// tickets when one is given, in log order, at most `limit`: what a replay reads.
async fn replay_events<B: Run>(
    store: &B,
    condition: &str,
    mut values: Vec<Value<'_>>,
    (community, limit): (Option<&str>, u32),
    action: &'static str,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut sql = format!(
        "SELECT e.* FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE {condition}"
    );
    if let Some(community) = community {
        sql += " AND t.community_code = ?";
        values.push(community.into());
    }
    sql += " ORDER BY e.id LIMIT ?";
    values.push(i64::from(limit).into());
    store
        .read(&sql, &values, action)
        .await?
        .iter()
        .map(event_from_row)
        .collect()
}

#[async_trait]
impl<B: Run> TicketRepository for B {
    async fn reserve_ticket_ids(&self, count: usize) -> Result<Vec<TicketId>, StoreError> {
        self.next_ticket_ids(count).await
    }

    async fn insert_tickets(&self, batch: &[NewTicket]) -> Result<Vec<StoredEvent>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut writer = self.begin_write("starting to store tickets").await?;
        let tickets: Vec<&Ticket> = batch.iter().map(|n| &n.ticket).collect();
        let events = batch
            .iter()
            .flat_map(|n| n.events.iter().cloned())
            .collect();
        let stored = write::<B>(&mut writer, &tickets, false, events, &HashMap::new()).await?;
        writer.commit("committing new tickets").await?;
        Ok(stored)
    }

    async fn append(&self, updates: &[TicketUpdate]) -> Result<Vec<StoredEvent>, StoreError> {
        if updates.is_empty() {
            return Ok(Vec::new());
        }
        let mut writer = self.begin_write("starting to update tickets").await?;
        let mut before = HashMap::new();
        for update in updates {
            let t = &update.ticket;
            let rows = B::fetch(
                &mut writer.tx,
                "SELECT id, version, audience_communities, audience_workers, body FROM tickets WHERE id = ?",
                &[t.id.into()],
                "checking ticket versions",
            )
            .await?;
            let stored = rows.first().map_or(0, |row| {
                u32::try_from(row.integer("version")).unwrap_or(u32::MAX)
            });
            if let Some(row) = rows.first() {
                // Read once: whom the row reached and what it counted in the KPI rollups.
                let replaced = Replaced {
                    audience: audience_from_row(row),
                    facts: KpiFacts::of(&ticket_from_row(row)?),
                };
                before.insert(t.id, replaced);
            }
            if stored != update.expected_version {
                return Err(StoreError::Conflict {
                    id: t.id,
                    expected: update.expected_version,
                    actual: stored,
                });
            }
        }
        let tickets: Vec<&Ticket> = updates.iter().map(|u| &u.ticket).collect();
        let events = updates
            .iter()
            .flat_map(|u| u.events.iter().cloned())
            .collect();
        let stored = write::<B>(&mut writer, &tickets, true, events, &before).await?;
        writer.commit("committing ticket updates").await?;
        Ok(stored)
    }

    async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        self.read(
            "SELECT id, body FROM tickets WHERE id = ?",
            &[id.into()],
            "reading a ticket",
        )
        .await?
        .first()
        .map(ticket_from_row)
        .transpose()
    }

    async fn events(&self, id: TicketId) -> Result<Vec<StoredEvent>, StoreError> {
        self.read(
            "SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY version",
            &[id.into()],
            "reading ticket events",
        )
        .await?
        .iter()
        .map(event_from_row)
        .collect()
    }

    async fn existing_external(
        &self,
        keys: &[(Channel, String)],
    ) -> Result<Vec<((Channel, String), TicketId)>, StoreError> {
        let mut found = Vec::new();
        // One channel at a time, so the lookup walks the (channel, external_id) index.
        for channel in Channel::ALL {
            let ids: Vec<Value> = keys
                .iter()
                .filter(|(c, _)| *c == channel)
                .map(|(_, id)| id.as_str().into())
                .collect();
            // Whole powers of two, as `padded_in_list` makes the last.
            let most = 1 << (B::MAX_BINDS - 1).ilog2();
            for chunk in ids.chunks(most) {
                let chunk = padded_in_list(chunk.to_vec());
                let rows = self
                    .read(
                        &format!(
                            "SELECT external_id, id FROM tickets WHERE channel = ? AND external_id IN ({})",
                            parameters(chunk.len())
                        ),
                        &[&[channel.as_str().into()], &chunk[..]].concat(),
                        "looking up upstream order numbers",
                    )
                    .await?;
                found.extend(rows.iter().map(|row| {
                    (
                        (channel, row.text("external_id").to_owned()),
                        row.integer("id"),
                    )
                }));
            }
        }
        Ok(found)
    }

    async fn list(&self, filter: &TicketFilter) -> Result<(Vec<ListedTicket>, u64), StoreError> {
        let pattern = visibility_pattern(&filter.visibility);
        let (clause, mut values) = filter_sql(filter, pattern.as_deref());
        let total = self
            .read(
                &format!("SELECT count(*) AS total FROM tickets{clause}"),
                &values,
                "counting tickets",
            )
            .await?
            .first()
            .map_or(0, |row| row.integer("total"));
        values.push(i64::from(filter.limit).into());
        let rows = self
            .read(
                &format!(
                    "SELECT {LISTED_COLUMNS} FROM tickets{clause} ORDER BY received_at DESC, id DESC LIMIT ?"
                ),
                &values,
                "listing tickets",
            )
            .await?;
        Ok((listed_from_rows(&rows)?, u64::try_from(total).unwrap_or(0)))
    }

    async fn duplicates_of(&self, id: TicketId) -> Result<Vec<Ticket>, StoreError> {
        self.read(
            "SELECT id, body FROM tickets WHERE duplicate_of = ? ORDER BY received_at, id",
            &[id.into()],
            "reading duplicates",
        )
        .await?
        .iter()
        .map(ticket_from_row)
        .collect()
    }

    async fn open_located(&self) -> Result<Vec<Ticket>, StoreError> {
        self.read(
            &format!(
                "SELECT id, body FROM tickets WHERE state NOT IN {CLOSED_STATES} AND lon IS NOT NULL ORDER BY id"
            ),
            &[],
            "reading open tickets",
        )
        .await?
        .iter()
        .map(ticket_from_row)
        .collect()
    }

    async fn open_load(&self, worker_ids: &[String]) -> Result<Vec<(String, u32)>, StoreError> {
        let ids: Vec<Value> = worker_ids.iter().map(|id| id.as_str().into()).collect();
        let mut found = Vec::new();
        for chunk in ids.chunks(B::MAX_BINDS) {
            let rows = self
                .read(
                    &format!(
                        "SELECT assignee_worker, count(*) AS open FROM tickets \
                         WHERE state NOT IN {CLOSED_STATES} AND assignee_worker IN ({}) \
                         GROUP BY assignee_worker",
                        parameters(chunk.len())
                    ),
                    chunk,
                    "counting open tickets per worker",
                )
                .await?;
            found.extend(rows.iter().map(|row| {
                (
                    row.text("assignee_worker").to_owned(),
                    u32::try_from(row.integer("open")).unwrap_or(u32::MAX),
                )
            }));
        }
        Ok(found)
    }

    async fn queue_counts(
        &self,
        visibility: &Visibility,
        now: DateTime<Utc>,
        due_soon_share: f64,
    ) -> Result<QueueCounts, StoreError> {
        let filter = TicketFilter {
            scope: TicketScope::Open,
            visibility: visibility.clone(),
            ..TicketFilter::default()
        };
        let pattern = visibility_pattern(visibility);
        let (clause, filter_values) = filter_sql(&filter, pattern.as_deref());
        // Soon due: what is left of the window (negative once overdue) is at most the share of
        // the whole window (at least 1 ms), as `SlaTable::status` says.
        let sql = format!(
            "SELECT count(*) AS open, \
             coalesce(sum(CASE WHEN state IN ('reported', 'registered') AND unrouted IS NULL THEN 1 ELSE 0 END), 0) AS new, \
             coalesce(sum(CASE WHEN state IN ('dispatched', 'handling', 'fed_back', 'verified') THEN 1 ELSE 0 END), 0) AS in_progress, \
             coalesce(sum(CASE WHEN due_at - ? <= (CASE WHEN due_at - received_at > 1 THEN due_at - received_at ELSE 1 END) * ? THEN 1 ELSE 0 END), 0) AS deadline, \
             coalesce(sum(CASE WHEN unrouted IS NOT NULL THEN 1 ELSE 0 END), 0) AS unrouted, \
             coalesce(sum(CASE WHEN flagged_of IS NOT NULL THEN 1 ELSE 0 END), 0) AS flagged \
             FROM tickets{clause}"
        );
        let mut values: Vec<Value> = vec![millis(now).into(), due_soon_share.into()];
        values.extend(filter_values);
        let rows = self
            .read(&sql, &values, "counting the queue's tabs")
            .await?;
        let count = |column: &str| {
            rows.first()
                .map_or(0, |row| u64::try_from(row.integer(column)).unwrap_or(0))
        };
        Ok(QueueCounts {
            open: count("open"),
            new: count("new"),
            in_progress: count("in_progress"),
            deadline: count("deadline"),
            unrouted: count("unrouted"),
            flagged: count("flagged"),
        })
    }

    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        self.read(
            "SELECT * FROM ticket_events WHERE id > ? ORDER BY id LIMIT ?",
            &[after.into(), i64::from(limit).into()],
            "reading the event log",
        )
        .await?
        .iter()
        .map(event_from_row)
        .collect()
    }

    async fn events_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        community: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        replay_events(
            self,
            "e.at >= ? AND e.at < ?",
            vec![millis(from).into(), millis(until).into()],
            (community, limit),
            "reading the event log for a replay",
        )
        .await
    }

    async fn history_before(
        &self,
        at: DateTime<Utc>,
        community: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        replay_events(
            self,
            "t.received_at < ? AND (t.closed_at IS NULL OR t.closed_at >= ?) AND e.at < ?",
            vec![millis(at).into(), millis(at).into(), millis(at).into()],
            (community, limit),
            "reading where a replay starts",
        )
        .await
    }

    async fn last_event_id(&self) -> Result<i64, StoreError> {
        let mut conn = self
            .pool()
            .acquire()
            .await
            .map_err(StoreError::query("reading the event log"))?;
        last_event_id::<B>(&mut conn).await
    }

    async fn load_catalogue(&self) -> Result<Option<Catalogue>, StoreError> {
        setting(self, "catalogue").await
    }

    async fn save_catalogue(&self, catalogue: &Catalogue) -> Result<(), StoreError> {
        save_setting(self, "catalogue", catalogue).await
    }

    async fn load_sla(&self) -> Result<Option<SlaTable>, StoreError> {
        setting(self, "sla").await
    }

    async fn load_column_mappings(&self) -> Result<ColumnMappings, StoreError> {
        Ok(setting(self, "work_order_columns")
            .await?
            .unwrap_or_default())
    }

    async fn save_column_mappings(&self, mappings: &ColumnMappings) -> Result<(), StoreError> {
        save_setting(self, "work_order_columns", mappings).await
    }

    async fn save_sla(&self, table: &SlaTable) -> Result<(), StoreError> {
        save_setting(self, "sla", table).await
    }
}

#[async_trait]
impl<B: Run> BasemapRepository for B {
    async fn load_basemap(&self) -> Result<Option<StoredBasemap>, StoreError> {
        // Removing one stores `null`.
        Ok(setting::<B, Option<StoredBasemap>>(self, "basemap")
            .await?
            .flatten())
    }

    async fn save_basemap(&self, basemap: Option<&StoredBasemap>) -> Result<(), StoreError> {
        save_setting(self, "basemap", &basemap).await
    }
}

/// Fills in the audience of tickets and events stored before audiences were kept: a ticket's
/// from its body, an event's from its ticket's. Run once when a store opens; does nothing when
/// every row has one.
pub(crate) async fn fill_missing_audiences<B: Run>(store: &B) -> Result<(), StoreError> {
    let mut writer = store.begin_write("filling in ticket audiences").await?;
    let rows = B::fetch(
        &mut writer.tx,
        "SELECT id, body FROM tickets WHERE audience_communities IS NULL",
        &[],
        "reading tickets without an audience",
    )
    .await?;
    for row in &rows {
        let ticket = ticket_from_row(row)?;
        let audience = Audience::of(&ticket);
        let (communities, workers) = (members(&audience.communities), members(&audience.workers));
        B::execute(
            &mut writer.tx,
            "UPDATE tickets SET audience_communities = ?, audience_workers = ? WHERE id = ?",
            &[
                communities.as_str().into(),
                workers.as_str().into(),
                ticket.id.into(),
            ],
            "filling in ticket audiences",
        )
        .await?;
    }
    B::execute(
        &mut writer.tx,
        "UPDATE ticket_events SET \
         audience_communities = (SELECT t.audience_communities FROM tickets t WHERE t.id = ticket_events.ticket_id), \
         audience_workers = (SELECT t.audience_workers FROM tickets t WHERE t.id = ticket_events.ticket_id) \
         WHERE audience_communities IS NULL",
        &[],
        "filling in event audiences",
    )
    .await?;
    writer.commit("filling in ticket audiences").await
}
