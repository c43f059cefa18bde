//! Tickets and their event log in the SQLite file.

use async_trait::async_trait;
use binhe_core::GridCode;
use binhe_core::ticket::lifecycle::{Change, TicketEvent};
use binhe_core::ticket::{
    Actor, ActorRole, Catalogue, Channel, SlaTable, Ticket, TicketId, TicketState, UnroutedReason,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};

use crate::tickets::{
    ListedTicket, NewTicket, StoredEvent, TicketFilter, TicketRepository, TicketScope, TicketUpdate,
};
use crate::{SqliteStore, StoreError};

/// Rows per multi-row INSERT: 31 ticket columns × 400 stays well under SQLite's 32,766 bound
/// parameters.
const ROWS_PER_STATEMENT: usize = 400;
const CLOSED_STATES: &str = "('closed', 'cancelled', 'merged')";

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
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

const TICKET_COLUMNS: &str = "id, channel, external_id, category, urgency, state, version, \
    community_code, micro_code, unit_code, unrouted, lon, lat, received_at, contact_due_at, due_at, \
    first_contact_at, closed_at, updated_at, owner_grid, assignee_grid, assignee_worker, \
    handling_mode, escalated_to, delegated, outcome, satisfaction, reopen_count, duplicate_of, \
    flagged_of, body";

/// Writes ticket rows; with `replace`, an existing row of the same id is overwritten in place
/// (its events keep pointing at it).
async fn write_ticket_rows(
    tx: &mut Transaction<'_, Sqlite>,
    tickets: &[&Ticket],
    replace: bool,
) -> Result<(), StoreError> {
    for chunk in tickets.chunks(ROWS_PER_STATEMENT) {
        let bodies = chunk
            .iter()
            .map(|t| to_json(t.id, t))
            .collect::<Result<Vec<_>, _>>()?;
        let mut insert =
            QueryBuilder::<Sqlite>::new(format!("INSERT INTO tickets ({TICKET_COLUMNS}) "));
        insert.push_values(chunk.iter().zip(bodies), |mut row, (t, body)| {
            let assignment = t.assignment.as_ref();
            row.push_bind(t.id)
                .push_bind(t.channel.as_str())
                .push_bind(t.external_id.as_deref())
                .push_bind(t.category.as_str())
                .push_bind(t.urgency.as_str())
                .push_bind(t.state.as_str())
                .push_bind(i64::from(t.version))
                .push_bind(t.routing.community.as_ref().map(GridCode::as_str))
                .push_bind(t.routing.micro.as_ref().map(GridCode::as_str))
                .push_bind(t.routing.unit.as_ref().map(GridCode::as_str))
                .push_bind(t.routing.unrouted.map(UnroutedReason::as_str))
                .push_bind(t.location.map(|p| p.lon))
                .push_bind(t.location.map(|p| p.lat))
                .push_bind(millis(t.received_at))
                .push_bind(millis(t.contact_due_at))
                .push_bind(millis(t.due_at))
                .push_bind(t.first_contact_at.map(millis))
                .push_bind(t.closed_at.map(millis))
                .push_bind(millis(t.updated_at))
                .push_bind(t.owner.as_ref().map(|o| o.grid.as_str()))
                .push_bind(
                    assignment
                        .and_then(|a| a.grid.as_ref())
                        .map(GridCode::as_str),
                )
                .push_bind(assignment.and_then(|a| a.worker_id.as_deref()))
                .push_bind(as_text(t.handling_mode))
                .push_bind(as_text(t.escalated_to))
                .push_bind(t.delegated)
                .push_bind(as_text(t.outcome))
                .push_bind(as_text(t.satisfaction))
                .push_bind(i64::from(t.reopen_count))
                .push_bind(t.duplicate_of)
                .push_bind(t.duplicate_flag.map(|f| f.of))
                .push_bind(body);
        });
        if replace {
            insert.push(" ON CONFLICT (id) DO UPDATE SET ");
            let mut sets = insert.separated(", ");
            for column in TICKET_COLUMNS.split(',').map(str::trim).skip(1) {
                sets.push(format!("{column} = excluded.{column}"));
            }
        }
        insert
            .build()
            .execute(&mut **tx)
            .await
            .map_err(StoreError::query("storing tickets"))?;
    }
    Ok(())
}

/// Appends events with consecutive log ids after the newest one. Callers hold the write lock.
async fn insert_events(
    tx: &mut Transaction<'_, Sqlite>,
    events: Vec<TicketEvent>,
) -> Result<Vec<StoredEvent>, StoreError> {
    let last: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM ticket_events")
        .fetch_one(&mut **tx)
        .await
        .map_err(StoreError::query("reading the event log"))?;
    let stored: Vec<StoredEvent> = events
        .into_iter()
        .zip(last + 1..)
        .map(|(event, id)| StoredEvent { id, event })
        .collect();
    for chunk in stored.chunks(ROWS_PER_STATEMENT) {
        let changes = chunk
            .iter()
            .map(|s| to_json(s.event.ticket_id, &s.event.change))
            .collect::<Result<Vec<_>, _>>()?;
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO ticket_events (id, ticket_id, version, at, actor_id, actor_name, actor_role, from_state, to_state, kind, change) ",
        );
        insert.push_values(chunk.iter().zip(changes), |mut row, (s, change)| {
            let e = &s.event;
            row.push_bind(s.id)
                .push_bind(e.ticket_id)
                .push_bind(i64::from(e.version))
                .push_bind(millis(e.at))
                .push_bind(e.actor.id.as_str())
                .push_bind(e.actor.name.as_str())
                .push_bind(e.actor.role.as_str())
                .push_bind(e.from.map(TicketState::as_str))
                .push_bind(e.to.as_str())
                .push_bind(e.change.kind())
                .push_bind(change);
        });
        insert
            .build()
            .execute(&mut **tx)
            .await
            .map_err(StoreError::query("appending ticket events"))?;
    }
    Ok(stored)
}

fn ticket_from_row(row: &SqliteRow) -> Result<Ticket, StoreError> {
    let id: i64 = row.get("id");
    from_json(id, row.get::<&str, _>("body"))
}

fn event_from_row(row: &SqliteRow) -> Result<StoredEvent, StoreError> {
    let ticket_id: i64 = row.get("ticket_id");
    let state = |column: &str| -> Result<Option<TicketState>, StoreError> {
        row.get::<Option<&str>, _>(column)
            .map(|s| TicketState::parse(s).ok_or_else(|| damaged(ticket_id, format!("state {s}"))))
            .transpose()
    };
    let role: &str = row.get("actor_role");
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
    let at = DateTime::from_timestamp_millis(row.get("at"))
        .ok_or_else(|| damaged(ticket_id, "event time out of range"))?;
    Ok(StoredEvent {
        id: row.get("id"),
        event: TicketEvent {
            ticket_id,
            version: u32::try_from(row.get::<i64, _>("version"))
                .map_err(|e| damaged(ticket_id, e))?,
            at,
            actor: Actor {
                id: row.get("actor_id"),
                name: row.get("actor_name"),
                role,
            },
            from: state("from_state")?,
            to: state("to_state")?.ok_or_else(|| damaged(ticket_id, "event without a state"))?,
            change: from_json::<Change>(ticket_id, row.get::<&str, _>("change"))?,
        },
    })
}

impl SqliteStore {
    async fn begin_write(
        &self,
        action: &'static str,
    ) -> Result<Transaction<'_, Sqlite>, StoreError> {
        self.pool.begin().await.map_err(StoreError::query(action))
    }

    async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::query("reading settings"))?;
        value
            .map(|v| {
                serde_json::from_str(&v).map_err(|e| StoreError::Corrupt {
                    code: format!("settings.{key}"),
                    detail: e.to_string(),
                })
            })
            .transpose()
    }

    async fn save_setting(&self, key: &str, value: &impl Serialize) -> Result<(), StoreError> {
        let text = serde_json::to_string(value).map_err(|e| StoreError::Corrupt {
            code: format!("settings.{key}"),
            detail: e.to_string(),
        })?;
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(text)
            .execute(&self.pool)
            .await
            .map_err(StoreError::query("saving settings"))?;
        Ok(())
    }
}

fn push_filter(query: &mut QueryBuilder<'_, Sqlite>, filter: &TicketFilter) {
    query.push(" WHERE 1 = 1");
    match filter.scope {
        TicketScope::All => {}
        TicketScope::Open => {
            query.push(format!(" AND state NOT IN {CLOSED_STATES}"));
        }
        TicketScope::Unrouted => {
            query.push(format!(
                " AND state NOT IN {CLOSED_STATES} AND community_code IS NULL"
            ));
        }
        TicketScope::Flagged => {
            query.push(format!(
                " AND state NOT IN {CLOSED_STATES} AND flagged_of IS NOT NULL"
            ));
        }
    }
    if let Some(state) = filter.state {
        query.push(" AND state = ").push_bind(state.as_str());
    }
    if let Some(community) = &filter.community {
        query
            .push(" AND community_code = ")
            .push_bind(community.as_str().to_owned());
    }
}

#[async_trait]
impl TicketRepository for SqliteStore {
    async fn reserve_ticket_ids(&self, count: usize) -> Result<Vec<TicketId>, StoreError> {
        let mut next = self.next_ticket_id.lock().await;
        let first = if let Some(first) = *next {
            first
        } else {
            let max: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM tickets")
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::query("reading ticket ids"))?;
            max + 1
        };
        let count = i64::try_from(count).expect("a batch fits in i64");
        *next = Some(first + count);
        Ok((first..first + count).collect())
    }

    async fn insert_tickets(&self, batch: &[NewTicket]) -> Result<Vec<StoredEvent>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let _writer = self.write_lock.lock().await;
        let mut tx = self.begin_write("starting to store tickets").await?;
        let tickets: Vec<&Ticket> = batch.iter().map(|n| &n.ticket).collect();
        write_ticket_rows(&mut tx, &tickets, false).await?;
        let events = batch
            .iter()
            .flat_map(|n| n.events.iter().cloned())
            .collect();
        let stored = insert_events(&mut tx, events).await?;
        tx.commit()
            .await
            .map_err(StoreError::query("committing new tickets"))?;
        Ok(stored)
    }

    async fn append(&self, updates: &[TicketUpdate]) -> Result<Vec<StoredEvent>, StoreError> {
        if updates.is_empty() {
            return Ok(Vec::new());
        }
        let _writer = self.write_lock.lock().await;
        let mut tx = self.begin_write("starting to update tickets").await?;
        for update in updates {
            let t = &update.ticket;
            let stored: Option<i64> =
                sqlx::query_scalar("SELECT version FROM tickets WHERE id = ?")
                    .bind(t.id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::query("checking ticket versions"))?;
            let stored = stored.map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX));
            if stored != update.expected_version {
                return Err(StoreError::Conflict {
                    id: t.id,
                    expected: update.expected_version,
                    actual: stored,
                });
            }
        }
        let tickets: Vec<&Ticket> = updates.iter().map(|u| &u.ticket).collect();
        write_ticket_rows(&mut tx, &tickets, true).await?;
        let events = updates
            .iter()
            .flat_map(|u| u.events.iter().cloned())
            .collect();
        let stored = insert_events(&mut tx, events).await?;
        tx.commit()
            .await
            .map_err(StoreError::query("committing ticket updates"))?;
        Ok(stored)
    }

    async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        sqlx::query("SELECT id, body FROM tickets WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::query("reading a ticket"))?
            .as_ref()
            .map(ticket_from_row)
            .transpose()
    }

    async fn events(&self, id: TicketId) -> Result<Vec<StoredEvent>, StoreError> {
        sqlx::query("SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY version")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("reading ticket events"))?
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
            let ids: Vec<&String> = keys
                .iter()
                .filter(|(c, _)| *c == channel)
                .map(|(_, id)| id)
                .collect();
            for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                let mut query = QueryBuilder::<Sqlite>::new(
                    "SELECT external_id, id FROM tickets WHERE channel = ",
                );
                query
                    .push_bind(channel.as_str())
                    .push(" AND external_id IN (");
                let mut values = query.separated(", ");
                for id in chunk {
                    values.push_bind((*id).clone());
                }
                query.push(")");
                let rows = query
                    .build()
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::query("looking up upstream order numbers"))?;
                found.extend(
                    rows.iter()
                        .map(|row| ((channel, row.get("external_id")), row.get("id"))),
                );
            }
        }
        Ok(found)
    }

    async fn list(&self, filter: &TicketFilter) -> Result<(Vec<ListedTicket>, u64), StoreError> {
        let mut count = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM tickets");
        push_filter(&mut count, filter);
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::query("counting tickets"))?;
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT id, body, (SELECT count(*) FROM tickets d WHERE d.duplicate_of = tickets.id) AS duplicates FROM tickets",
        );
        push_filter(&mut query, filter);
        query
            .push(" ORDER BY received_at DESC, id DESC LIMIT ")
            .push_bind(i64::from(filter.limit));
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("listing tickets"))?;
        let listed = rows
            .iter()
            .map(|row| {
                Ok(ListedTicket {
                    ticket: ticket_from_row(row)?,
                    duplicates: u32::try_from(row.get::<i64, _>("duplicates")).unwrap_or(0),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((listed, u64::try_from(total).unwrap_or(0)))
    }

    async fn duplicates_of(&self, id: TicketId) -> Result<Vec<Ticket>, StoreError> {
        sqlx::query("SELECT id, body FROM tickets WHERE duplicate_of = ? ORDER BY received_at, id")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("reading duplicates"))?
            .iter()
            .map(ticket_from_row)
            .collect()
    }

    async fn open_located(&self) -> Result<Vec<Ticket>, StoreError> {
        sqlx::query(&format!(
            "SELECT id, body FROM tickets WHERE state NOT IN {CLOSED_STATES} AND lon IS NOT NULL ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("reading open tickets"))?
        .iter()
        .map(ticket_from_row)
        .collect()
    }

    async fn open_load(&self, worker_ids: &[String]) -> Result<Vec<(String, u32)>, StoreError> {
        if worker_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT assignee_worker, count(*) AS open FROM tickets WHERE state NOT IN {CLOSED_STATES} AND assignee_worker IN ("
        ));
        let mut ids = query.separated(", ");
        for id in worker_ids {
            ids.push_bind(id.clone());
        }
        query.push(") GROUP BY assignee_worker");
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("counting open tickets per worker"))?;
        Ok(rows
            .iter()
            .map(|row| {
                (
                    row.get("assignee_worker"),
                    u32::try_from(row.get::<i64, _>("open")).unwrap_or(u32::MAX),
                )
            })
            .collect())
    }

    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        sqlx::query("SELECT * FROM ticket_events WHERE id > ? ORDER BY id LIMIT ?")
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("reading the event log"))?
            .iter()
            .map(event_from_row)
            .collect()
    }

    async fn last_event_id(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM ticket_events")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::query("reading the event log"))
    }

    async fn load_catalogue(&self) -> Result<Option<Catalogue>, StoreError> {
        self.setting("catalogue").await
    }

    async fn save_catalogue(&self, catalogue: &Catalogue) -> Result<(), StoreError> {
        self.save_setting("catalogue", catalogue).await
    }

    async fn load_sla(&self) -> Result<Option<SlaTable>, StoreError> {
        self.setting("sla").await
    }

    async fn save_sla(&self, table: &SlaTable) -> Result<(), StoreError> {
        self.save_setting("sla", table).await
    }
}
