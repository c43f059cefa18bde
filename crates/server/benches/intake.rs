//! Intake throughput through the whole pipeline — check, route (R-tree), duplicate detection,
//! build the ticket and its receipt event, store both — on a real SQLite file, against a raw
//! batched insert of exactly the same rows into another file, measured in the same run.
//!
//! Requests come from the seeded demo generator (30 days of a busy street, with its ~12 %
//! repeats), 1,000 per intake call as a 12345 file import sends them.
//!
//! A third side splits the difference: the store alone (`TicketRepository::insert_tickets`, KPI
//! rollups and audiences included) given the very tickets and events the pipeline built, into a
//! third file. Pipeline less store alone is the pipeline's own work (checks, order-number
//! lookup, id reservation, routing, duplicate search, building); store alone less raw insert is
//! what the store adds to the same rows (rollups, audience columns, its statements).
//!
//! `cargo bench -p binhe-server --bench intake`

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use binhe_core::ticket::demo_feed::TicketGenerator;
use binhe_core::ticket::{Catalogue, TicketState};
use binhe_server::dataset::{GridView, demo_dataset};
use binhe_server::desk::TicketDesk;
use binhe_store::{NewTicket, SqliteStore, TicketFilter, TicketRepository, TicketScope};
use chrono::{Duration, TimeZone, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{QueryBuilder, Sqlite};

const TICKETS: usize = 50_000;
const BATCH: usize = 1_000;
const ROUNDS: usize = 3;
/// 33 columns × 400 rows stays under SQLite's bound-parameter limit.
const ROWS_PER_STATEMENT: usize = 400;

#[derive(sqlx::FromRow)]
struct TicketRow {
    id: i64,
    channel: String,
    external_id: Option<String>,
    category: String,
    urgency: String,
    state: String,
    version: i64,
    community_code: Option<String>,
    micro_code: Option<String>,
    unit_code: Option<String>,
    unrouted: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    received_at: i64,
    contact_due_at: i64,
    due_at: i64,
    first_contact_at: Option<i64>,
    closed_at: Option<i64>,
    updated_at: i64,
    owner_grid: Option<String>,
    assignee_grid: Option<String>,
    assignee_worker: Option<String>,
    handling_mode: Option<String>,
    escalated_to: Option<String>,
    delegated: bool,
    outcome: Option<String>,
    satisfaction: Option<String>,
    reopen_count: i64,
    duplicate_of: Option<i64>,
    flagged_of: Option<i64>,
    body: String,
    audience_communities: Option<String>,
    audience_workers: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    ticket_id: i64,
    version: i64,
    at: i64,
    actor_id: String,
    actor_name: String,
    actor_role: String,
    from_state: Option<String>,
    to_state: String,
    kind: String,
    change: String,
    audience_communities: Option<String>,
    audience_workers: Option<String>,
}

type Batch = (Vec<TicketRow>, Vec<EventRow>);

async fn pool(path: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap()
}

/// The rows the pipeline stored after ticket `after`: the tickets of one batch with their
/// events.
async fn stored_rows(pool: &SqlitePool, after: i64) -> Batch {
    let tickets: Vec<TicketRow> = sqlx::query_as("SELECT * FROM tickets WHERE id > ? ORDER BY id")
        .bind(after)
        .fetch_all(pool)
        .await
        .unwrap();
    let events: Vec<EventRow> =
        sqlx::query_as("SELECT * FROM ticket_events WHERE ticket_id > ? ORDER BY id")
            .bind(after)
            .fetch_all(pool)
            .await
            .unwrap();
    (tickets, events)
}

/// Seconds to insert one batch in one transaction with multi-row statements.
async fn raw_insert(pool: &SqlitePool, (tickets, events): &Batch) -> f64 {
    let start = Instant::now();
    {
        let mut tx = pool.begin().await.unwrap();
        for chunk in tickets.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO tickets (id, channel, external_id, category, urgency, state, version, \
                 community_code, micro_code, unit_code, unrouted, lon, lat, received_at, \
                 contact_due_at, due_at, first_contact_at, closed_at, updated_at, owner_grid, \
                 assignee_grid, assignee_worker, handling_mode, escalated_to, delegated, outcome, \
                 satisfaction, reopen_count, duplicate_of, flagged_of, body, \
                 audience_communities, audience_workers) ",
            );
            q.push_values(chunk, |mut b, t| {
                b.push_bind(t.id)
                    .push_bind(&t.channel)
                    .push_bind(&t.external_id)
                    .push_bind(&t.category)
                    .push_bind(&t.urgency)
                    .push_bind(&t.state)
                    .push_bind(t.version)
                    .push_bind(&t.community_code)
                    .push_bind(&t.micro_code)
                    .push_bind(&t.unit_code)
                    .push_bind(&t.unrouted)
                    .push_bind(t.lon)
                    .push_bind(t.lat)
                    .push_bind(t.received_at)
                    .push_bind(t.contact_due_at)
                    .push_bind(t.due_at)
                    .push_bind(t.first_contact_at)
                    .push_bind(t.closed_at)
                    .push_bind(t.updated_at)
                    .push_bind(&t.owner_grid)
                    .push_bind(&t.assignee_grid)
                    .push_bind(&t.assignee_worker)
                    .push_bind(&t.handling_mode)
                    .push_bind(&t.escalated_to)
                    .push_bind(t.delegated)
                    .push_bind(&t.outcome)
                    .push_bind(&t.satisfaction)
                    .push_bind(t.reopen_count)
                    .push_bind(t.duplicate_of)
                    .push_bind(t.flagged_of)
                    .push_bind(&t.body)
                    .push_bind(&t.audience_communities)
                    .push_bind(&t.audience_workers);
            });
            q.build().execute(&mut *tx).await.unwrap();
        }
        for chunk in events.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO ticket_events (id, ticket_id, version, at, actor_id, actor_name, \
                 actor_role, from_state, to_state, kind, change, audience_communities, \
                 audience_workers) ",
            );
            q.push_values(chunk, |mut b, e| {
                b.push_bind(e.id)
                    .push_bind(e.ticket_id)
                    .push_bind(e.version)
                    .push_bind(e.at)
                    .push_bind(&e.actor_id)
                    .push_bind(&e.actor_name)
                    .push_bind(&e.actor_role)
                    .push_bind(&e.from_state)
                    .push_bind(&e.to_state)
                    .push_bind(&e.kind)
                    .push_bind(&e.change)
                    .push_bind(&e.audience_communities)
                    .push_bind(&e.audience_workers);
            });
            q.build().execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    start.elapsed().as_secs_f64()
}

/// Seconds for the store alone to write what the pipeline built: the tickets of `rows` as the
/// pipeline stored them, with their events (read back untimed from `from`).
async fn store_alone(from: &SqliteStore, into: &SqliteStore, (tickets, events): &Batch) -> f64 {
    let ids: Vec<i64> = tickets.iter().map(|t| t.id).collect();
    if ids.is_empty() {
        return 0.0;
    }
    let filter = TicketFilter {
        scope: TicketScope::All,
        limit: ids.len() as u32,
        ids: Some(ids),
        ..TicketFilter::default()
    };
    let (listed, _) = from.list(&filter).await.unwrap();
    let mut batch: Vec<NewTicket> = listed
        .into_iter()
        .map(|l| NewTicket {
            ticket: l.ticket,
            events: Vec::new(),
        })
        .collect();
    batch.sort_by_key(|n| n.ticket.id);
    let before = events.first().map_or(0, |e| e.id) - 1;
    for stored in from.events_after(before, 100_000).await.unwrap() {
        if let Ok(at) = batch.binary_search_by_key(&stored.event.ticket_id, |n| n.ticket.id) {
            batch[at].events.push(stored.event);
        }
    }
    let start = Instant::now();
    into.insert_tickets(&batch).await.unwrap();
    start.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn describe((tickets, events): &Batch) -> String {
    let tickets = || tickets.iter();
    let events = events.len();
    let merged = tickets()
        .filter(|t| t.state == TicketState::Merged.as_str())
        .count();
    let flagged = tickets().filter(|t| t.flagged_of.is_some()).count();
    let unrouted = tickets().filter(|t| t.unrouted.is_some()).count();
    format!(
        "{} tickets + {events} events stored; {merged} merged, {flagged} flagged, {unrouted} unrouted",
        tickets().count()
    )
}

#[tokio::main]
async fn main() {
    let view = Arc::new(GridView::new(demo_dataset()));
    let catalogue = Catalogue::defaults();
    let now = Utc.with_ymd_and_hms(2026, 11, 28, 4, 0, 0).unwrap();
    let requests = TicketGenerator::new(7, view.hierarchy(), &catalogue).history(
        now - Duration::days(30),
        TICKETS,
        TICKETS as f64 / (30.0 * 24.0),
    );
    let (mut pipeline_rates, mut alone_rates, mut raw_rates) = (Vec::new(), Vec::new(), Vec::new());
    let mut summary = String::new();
    for round in 1..=ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("pipeline.sqlite"),
            dir.path().join("raw.sqlite"),
            dir.path().join("store.sqlite"),
        );
        let store = SqliteStore::open(&a).await.unwrap();
        let desk = TicketDesk::open(Arc::new(store.clone()), &view)
            .await
            .unwrap();
        SqliteStore::open(&b).await.unwrap().close().await;
        let alone_store = SqliteStore::open(&c).await.unwrap();
        let (reader, raw_pool) = (pool(&a).await, pool(&b).await);
        // Batch by batch, pipeline then the store alone and the raw insert of the rows it
        // stored, so load from elsewhere on the machine falls on every side alike.
        let (mut pipeline, mut alone, mut raw, mut after) = (0.0, 0.0, 0.0, 0);
        let mut all = (Vec::new(), Vec::new());
        for batch in requests.chunks(BATCH) {
            let start = Instant::now();
            desk.intake(batch, &view, now).await.unwrap();
            pipeline += start.elapsed().as_secs_f64();
            let rows = stored_rows(&reader, after).await;
            after = rows.0.last().map_or(after, |t| t.id);
            alone += store_alone(&store, &alone_store, &rows).await;
            raw += raw_insert(&raw_pool, &rows).await;
            all.0.extend(rows.0);
            all.1.extend(rows.1);
        }
        store.close().await;
        alone_store.close().await;
        let stored = all.0.len() as f64;
        pipeline_rates.push(stored / pipeline);
        alone_rates.push(stored / alone);
        raw_rates.push(stored / raw);
        summary = describe(&all);
        println!(
            "round {round}: pipeline {:>8.0} tickets/s, store alone {:>8.0} tickets/s, raw insert {:>8.0} tickets/s",
            stored / pipeline,
            stored / alone,
            stored / raw
        );
    }
    let (pipeline, alone, raw) = (
        median(pipeline_rates),
        median(alone_rates),
        median(raw_rates),
    );
    // Per 1,000 tickets, in ms: where the pipeline's time goes.
    let per_thousand = |rate: f64| 1e6 / rate;
    println!("intake of {TICKETS} generated requests, batches of {BATCH}, SQLite WAL file");
    println!("  {summary}");
    println!("  whole pipeline: {pipeline:>8.0} tickets/s (median of {ROUNDS})");
    println!("  store alone:    {alone:>8.0} tickets/s (the tickets and events it built)");
    println!("  raw insert:     {raw:>8.0} tickets/s (same rows)");
    println!("  pipeline / raw: {:>8.1} %", pipeline / raw * 100.0);
    println!(
        "  per 1,000 tickets: pipeline {:.1} ms = its own work {:.1} ms + store {:.1} ms \
         (= raw insert {:.1} ms + the store's additions {:.1} ms)",
        per_thousand(pipeline),
        per_thousand(pipeline) - per_thousand(alone),
        per_thousand(alone),
        per_thousand(raw),
        per_thousand(alone) - per_thousand(raw),
    );
}
