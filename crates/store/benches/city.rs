//! The city tier on PostgreSQL's own logical replication (issue 19, docs/city-scale.md): two
//! street databases publish their event logs, tickets and KPI rollups, and one district database
//! subscribes to both, each street's replica in a schema named after the street — three local
//! clusters on loopback (scripts/city-postgres.sh).
//!
//! Each street's store keeps its tables in its schema (`street_110117001`, `street_110117002`)
//! and is written through the store's own write path: `TicketRepository::insert_tickets` for a
//! request with its receipt, then `Ticket::execute` and `TicketRepository::append` for each of
//! seven steps (立案, 分派, 联系, 开始, 反馈, 核查, 结案), one commit each, as the server does.
//! The load is 10× Binhe's busiest hour (22 requests an hour, as crates/server/benches/soak.rs
//! derives it from the seed), each request's steps ten minutes apart on average, run `--speed`
//! times faster than real time (default 60: an hour of that load each minute), Poisson arrivals.
//!
//! First `--history` requests (default 500) per street are written with all their steps before
//! the district subscribes: the subscription copies them (`copy_data = true`). Then the load
//! runs for `--steady-secs`, the district cluster is stopped (`pg_ctl stop -m fast`) for
//! `--down-secs` while the streets keep writing, started again, and the load goes on for
//! `--after-secs`. Last, the flood: for `--flood-secs` (default 60) both streets write batches of
//! 50 requests with their steps as fast as the store takes them (the district's headroom).
//! Measured:
//! - replication lag of every commit: from the street's commit returning to the writer until a
//!   poll of the district (every `--poll-ms`, default 5) sees its newest event id; p50/p99/max
//!   before the outage, after the district caught up again, and in the flood;
//! - the catch-up: seconds from the district's start command until it holds everything the
//!   streets committed while it was away; the WAL each street's slot retained meanwhile;
//! - nothing lost: each replicated table equal on both sides (row count and an md5 over every
//!   row's text);
//! - district KPIs: the store's own KPI code run on each replicated schema equals the same code
//!   run on the street, the sums over the streets are equal, and a plain SQL count over the
//!   union of the replicated `tickets` equals the sum of the streets' own counts.
//!
//! Any difference exits non-zero. Every run starts from empty databases (the clusters' old
//! subscriptions and slots are dropped first).
//!
//! `make bench-city`, or with the clusters running (`scripts/city-postgres.sh start all`):
//! `cargo bench -p binhe-store --bench city -- --down-secs 300`

mod common;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use binhe_core::GridCode;
use binhe_core::kpi::{KpiCounts, Period, Rate, SubjectCounts, SubjectKind, Window};
use binhe_core::ticket::lifecycle::{Command, TicketEvent};
use binhe_core::ticket::routing::Routing;
use binhe_core::ticket::{Actor, ActorRole, Assignment, Outcome, Satisfaction, Ticket};
use binhe_store::{KpiRepository, KpiScope, NewTicket, PgStore, TicketRepository, TicketUpdate};
use chrono::{DateTime, Datelike, Utc};
use common::{Categories, Grid, micros};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::{Connection, Executor, PgConnection};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scripts/city-postgres.sh"
);
/// 10× Binhe's busiest hour, in requests an hour.
const BUSIEST_HOUR_TIMES_TEN: f64 = 22.0;
/// Real minutes between two steps of one request, on average.
const STEP_MINUTES: f64 = 10.0;
const STREET_DB: &str = "binhe_street";
const DISTRICT_DB: &str = "binhe_district";
const PUBLICATION: &str = "binhe_city";
/// The role the district's subscriptions log in to the streets as.
const REPLICATOR: &str = "binhe_district";
const TABLES: [&str; 5] = [
    "tickets",
    "ticket_events",
    "kpi_received",
    "kpi_subjects",
    "kpi_deadlines",
];

/// The run's settings, from the command line.
struct Settings {
    speed: f64,
    steady: Duration,
    down: Duration,
    after: Duration,
    flood: Duration,
    history: usize,
    poll: Duration,
}

impl Settings {
    fn parse() -> Result<Self, String> {
        let mut settings = Self {
            speed: 60.0,
            steady: Duration::from_mins(5),
            down: Duration::from_mins(5),
            after: Duration::from_mins(2),
            flood: Duration::from_mins(1),
            history: 500,
            poll: Duration::from_millis(5),
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            // `cargo bench` passes --bench to every benchmark.
            if flag == "--bench" {
                continue;
            }
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = |what: &str| -> Result<f64, String> {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .ok_or_else(|| format!("{flag} takes {what}, not {value:?}"))
            };
            let seconds = |n: f64| Duration::from_secs_f64(n);
            match flag.as_str() {
                "--speed" => settings.speed = number("a factor")?.max(1.0),
                "--steady-secs" => settings.steady = seconds(number("seconds")?),
                "--down-secs" => settings.down = seconds(number("seconds")?),
                "--after-secs" => settings.after = seconds(number("seconds")?),
                "--flood-secs" => settings.flood = seconds(number("seconds")?),
                "--history" => settings.history = number("a count")? as usize,
                "--poll-ms" => settings.poll = seconds(number("milliseconds")? / 1000.0),
                _ => {
                    return Err(format!(
                        "unknown flag {flag}: --speed, --steady-secs, --down-secs, \
                         --after-secs, --flood-secs, --history, --poll-ms"
                    ));
                }
            }
        }
        Ok(settings)
    }
}

/// Runs scripts/city-postgres.sh; answers its standard output.
fn cluster(command: &str, name: &str) -> String {
    let output = std::process::Command::new("bash")
        .args([SCRIPT, command, name])
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {SCRIPT}: {e}"));
    assert!(
        output.status.success(),
        "`scripts/city-postgres.sh {command} {name}` failed; are the clusters made and running? \
         `scripts/city-postgres.sh start all` (make bench-city does it)"
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// The URL of `database` on the server of `server`, its store in `schema` when given.
fn database_url(server: &str, database: &str, schema: Option<&str>) -> String {
    let mut url = url::Url::parse(&binhe_testkit::database_url(server, database)).unwrap();
    if let Some(schema) = schema {
        url.query_pairs_mut()
            .append_pair("options", &format!("-c search_path={schema}"));
    }
    url.into()
}

async fn connect(url: &str) -> PgConnection {
    PgConnection::connect(url).await.unwrap_or_else(|e| {
        panic!(
            "cannot connect to {}: {e}",
            url.split('@').next_back().unwrap_or("?")
        )
    })
}

async fn run(conn: &mut PgConnection, sql: &str) {
    conn.execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// One street: its cluster, its code and the schema its store lives in.
struct Street {
    code: GridCode,
    schema: String,
    server: String,
    port: u16,
}

impl Street {
    fn new(cluster_name: &str, number: u16) -> Self {
        let code = GridCode::street("110117", number);
        let server = cluster("url", cluster_name);
        let port = url::Url::parse(&server).unwrap().port().unwrap();
        Self {
            schema: format!("street_{}", code.scope_prefix()),
            code,
            server,
            port,
        }
    }

    fn store_url(&self) -> String {
        database_url(&self.server, STREET_DB, Some(&self.schema))
    }

    fn subscription(&self) -> String {
        format!("city_{}", self.schema)
    }

    fn tables(&self) -> String {
        TABLES
            .iter()
            .map(|table| format!("{}.{table}", self.schema))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Drops what an earlier run left: the district's subscriptions (and so their slots on the
/// streets), the databases and the replication role; makes them empty again.
async fn reset(streets: &[Street], district: &str, password: &str) {
    let mut admin = connect(district).await;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(DISTRICT_DB)
            .fetch_one(&mut admin)
            .await
            .unwrap();
    if exists {
        let mut db = connect(&database_url(district, DISTRICT_DB, None)).await;
        let subscriptions: Vec<String> = sqlx::query_scalar(
            "SELECT subname::text FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid \
             WHERE d.datname = current_database()",
        )
        .fetch_all(&mut db)
        .await
        .unwrap();
        for name in subscriptions {
            run(&mut db, &format!("DROP SUBSCRIPTION {name}")).await;
        }
    }
    run(
        &mut admin,
        &format!("DROP DATABASE IF EXISTS {DISTRICT_DB} WITH (FORCE)"),
    )
    .await;
    run(&mut admin, &format!("CREATE DATABASE {DISTRICT_DB}")).await;
    for street in streets {
        let mut admin = connect(&street.server).await;
        // A slot whose subscription is gone (a run stopped halfway) would keep WAL forever.
        run(
            &mut admin,
            "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots \
             WHERE slot_name LIKE 'city\\_%' AND active_pid IS NOT NULL",
        )
        .await;
        for _ in 0..50 {
            let dropped = admin
                .execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots \
                     WHERE slot_name LIKE 'city\\_%'",
                )
                .await;
            if dropped.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        run(
            &mut admin,
            &format!("DROP DATABASE IF EXISTS {STREET_DB} WITH (FORCE)"),
        )
        .await;
        run(&mut admin, &format!("CREATE DATABASE {STREET_DB}")).await;
        run(&mut admin, &format!("DROP ROLE IF EXISTS {REPLICATOR}")).await;
        // The password is sent in the statement and never printed.
        run(
            &mut admin,
            &format!("CREATE ROLE {REPLICATOR} LOGIN REPLICATION PASSWORD '{password}'"),
        )
        .await;
    }
}

/// The street side of a district: its publication of the replicated tables, and the least
/// the replication role needs to read them.
async fn publish(street: &Street) {
    let mut db = connect(&database_url(&street.server, STREET_DB, None)).await;
    let tables = street.tables();
    run(
        &mut db,
        &format!("CREATE PUBLICATION {PUBLICATION} FOR TABLE {tables}"),
    )
    .await;
    run(
        &mut db,
        &format!("GRANT USAGE ON SCHEMA {} TO {REPLICATOR}", street.schema),
    )
    .await;
    run(
        &mut db,
        &format!("GRANT SELECT ON TABLE {tables} TO {REPLICATOR}"),
    )
    .await;
}

/// The district side: the street's schema made by the store's own migrations, then a
/// subscription that copies what the street holds and follows it.
async fn subscribe(street: &Street, district: &str, password: &str) {
    PgStore::connect(&database_url(district, DISTRICT_DB, Some(&street.schema)))
        .await
        .unwrap()
        .close()
        .await;
    let mut db = connect(&database_url(district, DISTRICT_DB, None)).await;
    // On loopback without TLS; between machines: sslmode=verify-full and sslrootcert.
    let connection = format!(
        "host=127.0.0.1 port={} dbname={STREET_DB} user={REPLICATOR} password={password} \
         sslmode=disable",
        street.port
    );
    run(
        &mut db,
        &format!(
            "CREATE SUBSCRIPTION {} CONNECTION '{connection}' PUBLICATION {PUBLICATION} \
             WITH (copy_data = true)",
            street.subscription()
        ),
    )
    .await;
}

/// One request on its way through the loop.
struct Life {
    ticket: Ticket,
    last: TicketEvent,
    assignment: Assignment,
    steps_done: usize,
}

const STEPS: usize = 7;

fn dispatcher() -> Actor {
    Actor {
        id: "dispatcher".to_owned(),
        name: "值班调度员".to_owned(),
        role: ActorRole::Dispatcher,
    }
}

/// A new request of the street, received now, routed to one of its micro-grids.
fn new_request(
    id: i64,
    micros: &[Grid],
    categories: &Categories,
    rng: &mut ChaCha8Rng,
) -> (Life, NewTicket) {
    let now = Utc::now();
    let (category, days) = categories.pick(rng);
    let grid = &micros[rng.random_range(0..micros.len())];
    let routing = Routing {
        community: Some(grid.community.clone()),
        micro: Some(grid.micro.clone()),
        ..Routing::default()
    };
    let deadlines = (
        now + chrono::Duration::hours(2),
        now + chrono::Duration::days(days),
    );
    let mut receipt = common::receipt(category, routing, now, deadlines);
    receipt.ticket_id = id;
    let ticket = Ticket::received(&receipt).unwrap();
    let worker = grid.workers[rng.random_range(0..grid.workers.len())].clone();
    let life = Life {
        ticket: ticket.clone(),
        last: receipt.clone(),
        assignment: Assignment {
            grid: Some(grid.micro.clone()),
            grid_name: "微网格".to_owned(),
            worker_name: Some(format!("网格员{worker}")),
            worker_id: Some(worker),
        },
        steps_done: 0,
    };
    let new = NewTicket {
        ticket,
        events: vec![receipt],
    };
    (life, new)
}

/// The request's next step, taken now by whoever takes it.
fn next_step(life: &mut Life, rng: &mut ChaCha8Rng) -> TicketUpdate {
    let worker = Actor {
        id: life.assignment.worker_id.clone().unwrap(),
        name: life.assignment.worker_name.clone().unwrap(),
        role: ActorRole::Worker,
    };
    let (command, actor) = match life.steps_done {
        0 => (Command::Register { note: None }, dispatcher()),
        1 => (
            Command::Dispatch {
                assignment: life.assignment.clone(),
            },
            dispatcher(),
        ),
        2 => (
            Command::Contact {
                note: Some("已电话联系诉求人".to_owned()),
            },
            worker,
        ),
        3 => (Command::Start, worker),
        4 => {
            let solved = rng.random_bool(0.95);
            (
                Command::Feedback {
                    outcome: if solved {
                        Outcome::Solved
                    } else {
                        Outcome::Unsolved
                    },
                    note: "已处置".to_owned(),
                    photos: vec![],
                },
                worker,
            )
        }
        5 => (
            Command::Verify {
                satisfaction: match rng.random_range(0..100) {
                    0..90 => Satisfaction::Satisfied,
                    90..97 => Satisfaction::Basic,
                    _ => Satisfaction::Dissatisfied,
                },
                note: None,
            },
            dispatcher(),
        ),
        _ => (Command::Close, dispatcher()),
    };
    let expected_version = life.ticket.version;
    let event = life
        .ticket
        .execute(Some(&life.last), &command, &actor, Utc::now())
        .unwrap_or_else(|e| panic!("step {} of a request: {e}", life.steps_done));
    life.last = event.clone();
    life.steps_done += 1;
    TicketUpdate {
        expected_version,
        ticket: life.ticket.clone(),
        events: vec![event],
    }
}

/// Requests with all their steps written in batches of `BATCH` through the same calls (one
/// insert of the batch, then seven appends of one step each), as fast as the store takes them:
/// `count` requests, or fewer if `until` comes first.
async fn batches(
    store: &PgStore,
    street: &GridCode,
    rng: &mut ChaCha8Rng,
    count: usize,
    until: Option<Instant>,
) -> Vec<Commit> {
    const BATCH: usize = 50;
    let (micros, categories) = (micros(street), Categories::default());
    let (mut written, mut commits) = (0, Vec::new());
    let timed = |start: Instant, stored: Vec<binhe_store::StoredEvent>| {
        let at = Instant::now();
        Commit {
            id: stored.iter().map(|e| e.id).max().unwrap(),
            events: stored.len(),
            at,
            took: at - start,
        }
    };
    while written < count && until.is_none_or(|until| Instant::now() < until) {
        let n = (count - written).min(BATCH);
        let ids = store.reserve_ticket_ids(n).await.unwrap();
        let (mut lives, batch): (Vec<Life>, Vec<NewTicket>) = ids
            .into_iter()
            .map(|id| new_request(id, &micros, &categories, rng))
            .unzip();
        let start = Instant::now();
        commits.push(timed(start, store.insert_tickets(&batch).await.unwrap()));
        for _ in 0..STEPS {
            let updates: Vec<TicketUpdate> =
                lives.iter_mut().map(|life| next_step(life, rng)).collect();
            let start = Instant::now();
            commits.push(timed(start, store.append(&updates).await.unwrap()));
        }
        written += n;
    }
    commits
}

/// A commit on a street: the newest event id it wrote, when it returned, how long it took.
#[derive(Clone, Copy)]
struct Commit {
    id: i64,
    events: usize,
    at: Instant,
    took: Duration,
}

/// Draws an exponential delay of mean `mean` seconds.
fn exponential(rng: &mut ChaCha8Rng, mean: f64) -> Duration {
    Duration::from_secs_f64(-mean * (1.0 - rng.random::<f64>()).ln())
}

/// The live load on one street until `until`: Poisson arrivals of 10× the busiest hour, each
/// request's seven steps about ten minutes apart, all `speed` times faster than real time.
async fn write(
    store: PgStore,
    street_code: GridCode,
    seed: u64,
    speed: f64,
    until: Instant,
) -> Vec<Commit> {
    let (micros, categories) = (micros(&street_code), Categories::default());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let arrival_mean = 3600.0 / (BUSIEST_HOUR_TIMES_TEN * speed);
    let step_mean = STEP_MINUTES * 60.0 / speed;
    let mut next_arrival = Instant::now() + exponential(&mut rng, arrival_mean);
    let mut due: BinaryHeap<Reverse<(Instant, i64)>> = BinaryHeap::new();
    let mut lives: HashMap<i64, Life> = HashMap::new();
    let mut commits = Vec::new();
    loop {
        let step = due.peek().map(|Reverse(next)| *next);
        let next = match step {
            Some((at, _)) if at < next_arrival => at,
            _ => next_arrival,
        };
        if next >= until {
            break;
        }
        tokio::time::sleep_until(next.into()).await;
        let start = Instant::now();
        let stored = if step.is_some_and(|(at, _)| at == next) {
            let Reverse((_, id)) = due.pop().unwrap();
            let life = lives.get_mut(&id).unwrap();
            let update = next_step(life, &mut rng);
            if life.steps_done == STEPS {
                lives.remove(&id);
            } else {
                due.push(Reverse((
                    Instant::now() + exponential(&mut rng, step_mean),
                    id,
                )));
            }
            store.append(&[update]).await.unwrap()
        } else {
            next_arrival += exponential(&mut rng, arrival_mean);
            let id = store.reserve_ticket_ids(1).await.unwrap()[0];
            let (life, new) = new_request(id, &micros, &categories, &mut rng);
            lives.insert(id, life);
            due.push(Reverse((
                Instant::now() + exponential(&mut rng, step_mean),
                id,
            )));
            store.insert_tickets(&[new]).await.unwrap()
        };
        let at = Instant::now();
        commits.push(Commit {
            id: stored.iter().map(|e| e.id).max().unwrap(),
            events: stored.len(),
            at,
            took: at - start,
        });
    }
    commits
}

/// The district's newest event id of one street, as polls saw it change.
#[derive(Clone, Copy)]
struct Seen {
    at: Instant,
    id: i64,
}

/// Polls the district for the newest replicated event of `schema` every `every` until `stop`;
/// while the district is away it tries to reconnect every 20 ms.
async fn watch(url: String, schema: String, every: Duration, stop: Arc<AtomicBool>) -> Vec<Seen> {
    let sql = format!("SELECT COALESCE(max(id), 0) FROM {schema}.ticket_events");
    let (mut seen, mut conn, mut last) = (Vec::new(), None::<PgConnection>, -1);
    while !stop.load(Ordering::Relaxed) {
        let Some(c) = conn.as_mut() else {
            conn = PgConnection::connect(&url).await.ok();
            if conn.is_none() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            continue;
        };
        match sqlx::query_scalar::<_, i64>(&sql).fetch_one(c).await {
            Ok(id) => {
                if id != last {
                    seen.push(Seen {
                        at: Instant::now(),
                        id,
                    });
                    last = id;
                }
            }
            Err(_) => conn = None,
        }
        tokio::time::sleep(every).await;
    }
    seen
}

/// The street's slot as sampled every second: (when, WAL retained for it in bytes, wal_status).
type SlotSample = (Instant, i64, String);

async fn watch_slot(url: String, slot: String, stop: Arc<AtomicBool>) -> Vec<SlotSample> {
    let mut conn = connect(&url).await;
    let mut samples = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint, \
             COALESCE(wal_status, '') FROM pg_replication_slots WHERE slot_name = $1",
        )
        .bind(&slot)
        .fetch_optional(&mut conn)
        .await
        .unwrap();
        if let Some((retained, status)) = row {
            samples.push((Instant::now(), retained, status));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    samples
}

/// When a poll first saw the district hold event `id` (or a later one); `after` if that was
/// earlier (a poll may see a commit before its writer returned).
fn seen_at(seen: &[Seen], id: i64, after: Instant) -> Option<Instant> {
    seen.get(seen.partition_point(|s| s.id < id))
        .map(|s| s.at.max(after))
}

/// p50, p99 and max in milliseconds.
fn percentiles(mut values: Vec<f64>) -> String {
    if values.is_empty() {
        return "—".to_owned();
    }
    values.sort_by(f64::total_cmp);
    let at =
        |q: f64| values[((values.len() as f64 * q).ceil() as usize).clamp(1, values.len()) - 1];
    format!(
        "{:.1} / {:.1} / {:.1}",
        at(0.5),
        at(0.99),
        values[values.len() - 1]
    )
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Row count and an md5 over every row's text, per replicated table.
async fn fingerprints(url: &str, schema: &str) -> Vec<(i64, String)> {
    let mut conn = connect(url).await;
    let mut prints = Vec::new();
    for table in TABLES {
        prints.push(
            sqlx::query_as(&format!(
                "SELECT count(*), COALESCE(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') \
                 FROM {schema}.{table} t"
            ))
            .fetch_one(&mut conn)
            .await
            .unwrap(),
        );
    }
    prints
}

/// What a district dashboard shows of one street, by the store's KPI code.
#[derive(Debug, PartialEq)]
struct Kpis {
    windows: Vec<KpiCounts>,
    communities: Vec<(String, SubjectCounts)>,
    micros: Vec<(String, SubjectCounts)>,
}

async fn kpis(store: &PgStore, windows: &[Window], as_of: DateTime<Utc>) -> Kpis {
    let mut counts = Vec::new();
    for window in windows {
        counts.push(
            store
                .kpi_counts(*window, &KpiScope::Street, as_of)
                .await
                .unwrap(),
        );
    }
    let by = |kind| store.kpi_counts_by(windows[0], kind, &KpiScope::Street, as_of);
    Kpis {
        windows: counts,
        communities: by(SubjectKind::Community).await.unwrap(),
        micros: by(SubjectKind::Micro).await.unwrap(),
    }
}

fn add_rate(total: &mut Rate, rate: Rate) {
    *total = Rate::new(
        total.numerator() + rate.numerator(),
        total.denominator() + rate.denominator(),
    )
    .unwrap();
}

/// Adds one street's counts to a district's (each street's own tickets, none shared).
fn add(total: &mut KpiCounts, counts: &KpiCounts) {
    total.received += counts.received;
    total.excluded += counts.excluded;
    total.open += counts.open;
    total.basically_satisfied += counts.basically_satisfied;
    total.delegated += counts.delegated;
    total.overdue_open += counts.overdue_open;
    for (total, rate) in [
        (&mut total.response, counts.response),
        (&mut total.resolution, counts.resolution),
        (&mut total.satisfaction, counts.satisfaction),
        (&mut total.delegated_resolution, counts.delegated_resolution),
        (&mut total.closure, counts.closure),
        (&mut total.on_time_closure, counts.on_time_closure),
        (&mut total.proactive, counts.proactive),
    ] {
        add_rate(total, rate);
    }
    for (category, n) in &counts.categories {
        *total.categories.entry(category.clone()).or_default() += n;
    }
}

/// Received, excluded and open tickets and the categories of `window`, counted in plain SQL over
/// the union of the district's replicated `tickets`.
async fn union_counts(
    district: &str,
    streets: &[Street],
    window: Window,
    as_of: DateTime<Utc>,
) -> (u64, u64, u64, Vec<(String, i64)>) {
    let union = streets
        .iter()
        .map(|s| {
            format!(
                "SELECT state, category, received_at FROM {}.tickets",
                s.schema
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let (from, to) = (
        window.from.timestamp_millis(),
        window.to.min(as_of).timestamp_millis(),
    );
    let mut conn = connect(&database_url(district, DISTRICT_DB, None)).await;
    let (received, excluded, open): (i64, i64, i64) = sqlx::query_as(&format!(
        "SELECT count(*) FILTER (WHERE state NOT IN ('cancelled', 'merged')), \
                count(*) FILTER (WHERE state IN ('cancelled', 'merged')), \
                count(*) FILTER (WHERE state NOT IN ('closed', 'cancelled', 'merged')) \
         FROM ({union}) t WHERE received_at >= $1 AND received_at < $2"
    ))
    .bind(from)
    .bind(to)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let categories: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT category, count(*) FROM ({union}) t WHERE received_at >= $1 AND received_at < $2 \
         AND state NOT IN ('cancelled', 'merged') GROUP BY category ORDER BY category"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let count = |n: i64| u64::try_from(n).unwrap();
    (count(received), count(excluded), count(open), categories)
}

#[tokio::main]
async fn main() {
    let settings = Settings::parse().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    });
    let mut failures: Vec<String> = Vec::new();
    let streets = [Street::new("street1", 1), Street::new("street2", 2)];
    let district = cluster("url", "district");
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let password: String = (0..24)
        .map(|_| {
            let chars = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
            chars[rng.random_range(0..chars.len())] as char
        })
        .collect();
    reset(&streets, &district, &password).await;
    let run_start = Utc::now();

    // The streets' stores, each with a history the district will copy.
    let mut stores = Vec::new();
    for street in &streets {
        let store = PgStore::connect(&street.store_url()).await.unwrap();
        batches(&store, &street.code, &mut rng, settings.history, None).await;
        publish(street).await;
        stores.push(store);
    }
    let copy_start = Instant::now();
    for street in &streets {
        subscribe(street, &district, &password).await;
    }
    {
        let mut db = connect(&database_url(&district, DISTRICT_DB, None)).await;
        loop {
            let pending: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'",
            )
            .fetch_one(&mut db)
            .await
            .unwrap();
            if pending == 0 {
                break;
            }
            assert!(
                copy_start.elapsed() < Duration::from_mins(10),
                "the district's initial copy did not finish in 10 minutes"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let copied = copy_start.elapsed();

    // The load, the district's outage and the watchers.
    let district_db = database_url(&district, DISTRICT_DB, None);
    let stop = Arc::new(AtomicBool::new(false));
    let t0 = Instant::now();
    let until = t0 + settings.steady + settings.down + settings.after;
    let mut writers = Vec::new();
    let mut watchers = Vec::new();
    let mut slots = Vec::new();
    for (n, (street, store)) in streets.iter().zip(&stores).enumerate() {
        writers.push(tokio::spawn(write(
            store.clone(),
            street.code.clone(),
            100 + n as u64,
            settings.speed,
            until,
        )));
        watchers.push(tokio::spawn(watch(
            district_db.clone(),
            street.schema.clone(),
            settings.poll,
            Arc::clone(&stop),
        )));
        slots.push(tokio::spawn(watch_slot(
            database_url(&street.server, STREET_DB, None),
            street.subscription(),
            Arc::clone(&stop),
        )));
    }
    tokio::time::sleep_until((t0 + settings.steady).into()).await;
    let down_at = Instant::now();
    eprintln!("district: stopping for {} s", settings.down.as_secs());
    cluster("halt", "district");
    tokio::time::sleep_until((down_at + settings.down).into()).await;
    let up_at = Instant::now();
    cluster("start", "district");
    let ready = up_at.elapsed();
    eprintln!("district: started again in {:.2} s", ready.as_secs_f64());
    let mut commits = Vec::new();
    for writer in writers {
        commits.push(writer.await.unwrap());
    }
    // The flood: as fast as the streets write, both at once.
    let flood_start = Instant::now();
    let floods: Vec<_> = streets
        .iter()
        .zip(&stores)
        .enumerate()
        .map(|(n, (street, store))| {
            let (store, code) = (store.clone(), street.code.clone());
            let mut rng = ChaCha8Rng::seed_from_u64(200 + n as u64);
            let until = flood_start + settings.flood;
            tokio::spawn(
                async move { batches(&store, &code, &mut rng, usize::MAX, Some(until)).await },
            )
        })
        .collect();
    let mut flood_written = Vec::new();
    for (flood, commits) in floods.into_iter().zip(&mut commits) {
        let flooded = flood.await.unwrap();
        flood_written.push(flooded.iter().map(|c| c.events).sum::<usize>());
        commits.extend(flooded);
    }
    let flood_took = flood_start.elapsed();
    // Everything written is on the district before the checks.
    let last: Vec<i64> = commits
        .iter()
        .map(|c| c.last().map_or(0, |c| c.id))
        .collect();
    {
        let mut db = connect(&district_db).await;
        let settle = Instant::now();
        for (street, last) in streets.iter().zip(&last) {
            loop {
                let id: i64 = sqlx::query_scalar(&format!(
                    "SELECT COALESCE(max(id), 0) FROM {}.ticket_events",
                    street.schema
                ))
                .fetch_one(&mut db)
                .await
                .unwrap();
                if id >= *last {
                    break;
                }
                if settle.elapsed() > Duration::from_mins(5) {
                    failures.push(format!(
                        "{}: the district has events up to {id} of {last} after 5 minutes",
                        street.schema
                    ));
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        // (Tickets and rollups commit with their events.) A second for the slots' last samples.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut seen = Vec::new();
    for watcher in watchers {
        seen.push(watcher.await.unwrap());
    }
    let mut slot_samples = Vec::new();
    for slot in slots {
        slot_samples.push(slot.await.unwrap());
    }

    // Lag and catch-up.
    let mut steady_lags = Vec::new();
    let mut after_lags = Vec::new();
    let mut flood_lags = Vec::new();
    let mut took = Vec::new();
    let mut rows = Vec::new();
    for (n, street) in streets.iter().enumerate() {
        let (commits, seen) = (&commits[n], &seen[n]);
        let backlog = commits
            .iter()
            .filter(|c| c.at < up_at)
            .map(|c| c.id)
            .max()
            .unwrap_or(0);
        let caught_up = seen_at(seen, backlog, up_at);
        let during = commits
            .iter()
            .filter(|c| c.at >= down_at && c.at < up_at)
            .count();
        let retained = slot_samples[n]
            .iter()
            .filter(|(at, _, _)| *at >= down_at && *at <= up_at + Duration::from_secs(1))
            .map(|(_, bytes, _)| *bytes)
            .max()
            .unwrap_or(0);
        let statuses: Vec<&str> = {
            let mut s: Vec<&str> = slot_samples[n].iter().map(|(_, _, s)| s.as_str()).collect();
            s.sort_unstable();
            s.dedup();
            s
        };
        let (mut steady, mut after) = (Vec::new(), Vec::new());
        for commit in commits {
            took.push(ms(commit.took));
            let Some(seen_at) = seen_at(seen, commit.id, commit.at) else {
                failures.push(format!(
                    "{}: event {} never seen on the district",
                    street.schema, commit.id
                ));
                continue;
            };
            let lag = ms(seen_at - commit.at);
            if commit.at < down_at {
                steady.push(lag);
            } else if commit.at >= flood_start {
                flood_lags.push(lag);
            } else if caught_up.is_some_and(|c| commit.at >= c) {
                after.push(lag);
            }
        }
        steady_lags.extend(&steady);
        after_lags.extend(&after);
        rows.push((
            street,
            commits.len(),
            percentiles(steady),
            percentiles(after),
            during,
            backlog,
            caught_up.map(|c| (c - up_at).as_secs_f64()),
            retained,
            statuses.join(", "),
        ));
    }

    // Nothing lost: every replicated table equal on both sides.
    let mut tables_equal = true;
    for street in &streets {
        let on_street = fingerprints(
            &database_url(&street.server, STREET_DB, None),
            &street.schema,
        )
        .await;
        let on_district = fingerprints(&district_db, &street.schema).await;
        for ((table, a), b) in TABLES.iter().zip(&on_street).zip(&on_district) {
            if a != b {
                tables_equal = false;
                failures.push(format!(
                    "{}.{table}: street has {} rows, district {} (or their contents differ)",
                    street.schema, a.0, b.0
                ));
            }
        }
    }

    // District KPIs from the replicated rows.
    let as_of = Utc::now();
    let windows = [
        Window {
            from: run_start - chrono::Duration::minutes(1),
            to: as_of,
        },
        Period::year(as_of.year(), as_of).unwrap().elapsed(as_of),
    ];
    let (mut street_sum, mut district_sum) = (KpiCounts::default(), KpiCounts::default());
    let mut kpis_equal = true;
    for (street, store) in streets.iter().zip(&stores) {
        let own = kpis(store, &windows, as_of).await;
        let replica = PgStore::connect(&database_url(&district, DISTRICT_DB, Some(&street.schema)))
            .await
            .unwrap();
        let replicated = kpis(&replica, &windows, as_of).await;
        replica.close().await;
        if own != replicated {
            kpis_equal = false;
            failures.push(format!(
                "{}: KPIs on the district differ from the street's own: {:?} vs {:?}",
                street.schema, replicated.windows[0], own.windows[0]
            ));
        }
        add(&mut street_sum, &own.windows[0]);
        add(&mut district_sum, &replicated.windows[0]);
    }
    let (received, excluded, open, categories) =
        union_counts(&district, &streets, windows[0], as_of).await;
    let sum_categories: Vec<(String, i64)> = street_sum
        .categories
        .iter()
        .map(|(c, n)| (c.clone(), i64::try_from(*n).unwrap()))
        .collect();
    let union_equal = (received, excluded, open, &categories)
        == (
            street_sum.received,
            street_sum.excluded,
            street_sum.open,
            &sum_categories,
        );
    if !union_equal {
        failures.push(format!(
            "plain SQL over the district's union: received {received}, excluded {excluded}, \
             open {open}; the streets' own KPIs summed: {}, {}, {}",
            street_sum.received, street_sum.excluded, street_sum.open
        ));
    }
    if district_sum != street_sum {
        kpis_equal = false;
        failures.push("the district's summed KPIs differ from the streets' sum".to_owned());
    }
    for store in &stores {
        store.close().await;
    }

    // The report.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "City tier by logical replication: 2 streets → 1 district, {} × 10× Binhe's busiest hour \
         ({BUSIEST_HOUR_TIMES_TEN} requests/h, 8 commits each), steady {} s, district down {} s, \
         after {} s, flood {} s; polls every {} ms; load average {}",
        settings.speed,
        settings.steady.as_secs(),
        settings.down.as_secs(),
        settings.after.as_secs(),
        settings.flood.as_secs(),
        settings.poll.as_millis(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "initial copy of {} requests × 8 events per street (copy_data): {:.2} s; district start: {:.2} s",
        settings.history,
        copied.as_secs_f64(),
        ready.as_secs_f64()
    );
    println!(
        "| street | commits | lag before the outage p50 / p99 / max ms | lag after catch-up p50 / p99 / max ms | commits while down | catch-up s | WAL retained (max) | per commit while down | slot status |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for (street, count, steady, after, during, _, catch_up, retained, statuses) in &rows {
        println!(
            "| {} | {count} | {steady} | {after} | {during} | {} | {:.0} KiB | {:.1} KiB | {statuses} |",
            street.code.scope_prefix(),
            catch_up.map_or("never".to_owned(), |s| format!("{s:.2}")),
            *retained as f64 / 1024.0,
            *retained as f64 / 1024.0 / (*during).max(1) as f64,
        );
    }
    println!(
        "| both | {} | {} | {} | | | | | |",
        took.len(),
        percentiles(steady_lags),
        percentiles(after_lags)
    );
    println!(
        "street commit time (write call, paced load and flood) p50 / p99 / max ms: {}",
        percentiles(took)
    );
    println!(
        "flood for {:.0} s, both streets at once, batches of 50 requests (an insert, then 7 appends \
         of 50 events): {} events/s per street written; lag p50 / p99 / max ms: {}",
        flood_took.as_secs_f64(),
        flood_written
            .iter()
            .map(|n| format!("{:.0}", *n as f64 / flood_took.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(" and "),
        percentiles(flood_lags)
    );
    println!(
        "tables equal on street and district (rows and md5, {} tables × 2 streets): {}",
        TABLES.len(),
        if tables_equal { "yes" } else { "**no**" }
    );
    println!(
        "KPIs (store code) on the district equal to each street's own and summed: {}; \
         plain SQL over the union equal to the sum: {} (received {}, excluded {}, open {}, \
         response {}/{}, solved {}/{})",
        if kpis_equal { "yes" } else { "**no**" },
        if union_equal { "yes" } else { "**no**" },
        street_sum.received,
        street_sum.excluded,
        street_sum.open,
        street_sum.response.numerator(),
        street_sum.response.denominator(),
        street_sum.resolution.numerator(),
        street_sum.resolution.denominator(),
    );
    if rows.iter().any(|r| r.6.is_none()) {
        failures.push("the district never caught up after its outage".to_owned());
    }
    if !failures.is_empty() {
        for failure in &failures {
            eprintln!("FAILED: {failure}");
        }
        std::process::exit(1);
    }
}
