//! The KPI dashboard at city scale (issue 6): a year of tickets of a whole street — 15
//! communities, 312 micro-grids, ~400 workers, 20 categories — stored through
//! `TicketRepository::insert_tickets` (so the KPI rollups are kept as in production) in SQLite
//! and, with `BINHE_BENCH_PG_URL`, in PostgreSQL. A dashboard is what the KPI API asks for one
//! page: `kpi_counts` of the window, `kpi_trend` of the year (12 months), `kpi_counts_by` per
//! community and per micro-grid. It is timed for December and for the whole year, street-wide
//! and for one community, against a naive baseline measured in the same run: one full-scan
//! SELECT of every ticket's KPI facts, counted in Rust with `KpiCounts::count`. Both must agree
//! exactly, or the program exits with an error. The page is timed twice: its four parts asked
//! one after another, and together (as the KPI API's handlers ask theirs).
//!
//! `BINHE_KPI_BENCH_ONLY=sqlite` or `=postgres` measures one backend only (a 5 M SQLite file
//! takes ~11 min to generate the first time).
//!
//! `BINHE_KPI_BENCH_TICKETS` (default 5,000,000) sets the number of tickets. The generated
//! databases are kept between runs (SQLite under ~/.cache/smart-binhe/bench, PostgreSQL as a
//! database named after the count and the seed) and only read while measuring.
//!
//! `cargo bench -p binhe-store --bench kpi`

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use binhe_core::GridCode;
use binhe_core::kpi::period::month_start;
use binhe_core::kpi::{KpiCounts, KpiFacts, Period, SubjectCounts, SubjectKind, Window};
use binhe_core::ticket::routing::Routing;
use binhe_core::ticket::{Assignment, Outcome, Satisfaction, Ticket, TicketState};
use binhe_store::{
    KpiRepository, KpiScope, MonthCounts, NewTicket, PgStore, SqliteStore, TicketRepository,
};
use chrono::{DateTime, Duration, Utc};
use common::{Categories, Grid, micros};
use futures_util::TryStreamExt;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::{ColumnIndex, Connection, Decode, Executor, Row, Type};

const DEFAULT_TICKETS: usize = 5_000_000;
const SEED: u64 = 2025;
const YEAR: i32 = 2025;
/// Bumped whenever the generator changes, so a cached database is never stale.
const GENERATION: u32 = 2;
const BATCH: usize = 5_000;
const RUNS: usize = 5;
const NAIVE_LOADS: usize = 3;
/// The goal of issue 6 for one dashboard.
const GOAL_MS: f64 = 200.0;
/// Issue 19's goal for the center's PostgreSQL.
const CENTER_GOAL_MS: f64 = 50.0;

/// When the dashboards are read: early in January after the year, with the last tickets of
/// December still open.
fn as_of() -> DateTime<Utc> {
    month_start(YEAR + 1, 1).unwrap() + Duration::days(4) + Duration::hours(10)
}

/// A new ticket as the intake makes it, to be filled in with a year's history.
fn template() -> Ticket {
    let at = month_start(YEAR, 1).unwrap();
    Ticket::received(&common::receipt("noise", Routing::default(), at, (at, at))).unwrap()
}

/// One ticket of the year as it stands at [`as_of`]: received on `day` of the year (mostly in the
/// daytime; the tickets come in day by day, as an intake stores them),
/// contacted within minutes to hours (a fifth after the contact deadline, 3 % never), closed
/// within its category's deadline (6 % late), 1.5 % stuck open, the last days' tickets still
/// being handled; 0.5 % cancelled, 3 % merged, 1 % unrouted, 12 % delegated down.
fn ticket(
    id: i64,
    day: i64,
    template: &Ticket,
    micros: &[Grid],
    categories: &Categories,
    rng: &mut ChaCha8Rng,
) -> Ticket {
    let as_of = as_of();
    let year = month_start(YEAR, 1).unwrap();
    let minute = if rng.random_bool(0.75) {
        rng.random_range(8 * 60..20 * 60)
    } else {
        rng.random_range(0..24 * 60)
    };
    let received_at = year
        + Duration::days(day)
        + Duration::minutes(minute)
        + Duration::milliseconds(rng.random_range(0..60_000));
    let (category, sla_days) = categories.pick(rng);
    let mut t = template.clone();
    t.id = id;
    category.clone_into(&mut t.category);
    t.received_at = received_at;
    t.contact_due_at = received_at + Duration::hours(2);
    t.due_at = received_at + Duration::days(sla_days);
    let micro = &micros[rng.random_range(0..micros.len())];
    let routed = rng.random_bool(0.99);
    t.routing.community = routed.then(|| micro.community.clone());
    t.routing.micro = routed.then(|| micro.micro.clone());
    t.first_contact_at = rng
        .random_bool(0.97)
        .then(|| received_at + Duration::minutes(rng.random_range(5..150)))
        .filter(|&contact| contact <= as_of);
    t.delegated = rng.random_bool(0.12);
    let fate: f64 = rng.random();
    let hours = if rng.random_bool(0.06) {
        sla_days * 24 + rng.random_range(1..7 * 24)
    } else {
        rng.random_range(2..sla_days * 24)
    };
    let closes = received_at + Duration::hours(hours);
    t.state = if fate < 0.005 {
        TicketState::Cancelled
    } else if fate < 0.035 {
        TicketState::Merged
    } else if closes <= as_of && !rng.random_bool(0.015) {
        TicketState::Closed
    } else {
        [
            TicketState::Registered,
            TicketState::Dispatched,
            TicketState::Handling,
            TicketState::FedBack,
            TicketState::Verified,
        ][rng.random_range(0..5)]
    };
    let assigned = routed && t.state != TicketState::Registered;
    t.assignment = assigned.then(|| Assignment {
        grid: t.routing.micro.clone(),
        grid_name: "微网格".to_owned(),
        worker_id: Some(micro.workers[rng.random_range(0..micro.workers.len())].clone()),
        worker_name: None,
    });
    let fed_back = matches!(
        t.state,
        TicketState::Closed | TicketState::FedBack | TicketState::Verified
    );
    t.outcome = fed_back.then(|| {
        if rng.random_bool(0.92) {
            Outcome::Solved
        } else {
            Outcome::Unsolved
        }
    });
    if t.state == TicketState::Closed {
        t.closed_at = Some(closes);
        t.satisfaction = rng
            .random_bool(0.85)
            .then(|| match rng.random_range(0..100) {
                0..80 => Satisfaction::Satisfied,
                80..95 => Satisfaction::Basic,
                _ => Satisfaction::Dissatisfied,
            });
    }
    t.updated_at = t.closed_at.unwrap_or(received_at);
    t
}

/// Stores `tickets` tickets through the store, batch by batch; answers the seconds taken.
async fn fill(store: &impl TicketRepository, tickets: usize, name: &str) -> f64 {
    let (template, micros) = (template(), micros(&GridCode::street("110117", 1)));
    let categories = Categories::default();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let days = (month_start(YEAR + 1, 1).unwrap() - month_start(YEAR, 1).unwrap()).num_days();
    let start = Instant::now();
    let mut stored = 0;
    while stored < tickets {
        let batch: Vec<NewTicket> = (stored..(stored + BATCH).min(tickets))
            .map(|n| NewTicket {
                ticket: ticket(
                    n as i64 + 1,
                    n as i64 * days / tickets as i64,
                    &template,
                    &micros,
                    &categories,
                    &mut rng,
                ),
                // The receipt events are left out: no KPI reads them, and they would double
                // the database for nothing measured here.
                events: Vec::new(),
            })
            .collect();
        store.insert_tickets(&batch).await.unwrap();
        stored += batch.len();
        if stored % 500_000 == 0 {
            eprintln!(
                "{name}: {stored} tickets stored, {:.0} /s",
                stored as f64 / start.elapsed().as_secs_f64()
            );
        }
    }
    start.elapsed().as_secs_f64()
}

/// One page of the dashboard.
#[derive(Debug, PartialEq)]
struct Dashboard {
    counts: KpiCounts,
    trend: Vec<KpiCounts>,
    communities: Vec<(String, SubjectCounts)>,
    micros: Vec<(String, SubjectCounts)>,
}

/// One page of the dashboard, its four parts asked one after another.
async fn dashboard(
    store: &impl KpiRepository,
    window: Window,
    scope: &KpiScope,
    as_of: DateTime<Utc>,
) -> Dashboard {
    let year = Period::year(YEAR, as_of).unwrap();
    Dashboard {
        counts: store.kpi_counts(window, scope, as_of).await.unwrap(),
        trend: months(store.kpi_trend(&year, scope, as_of).await.unwrap()),
        communities: store
            .kpi_counts_by(window, SubjectKind::Community, scope, as_of)
            .await
            .unwrap(),
        micros: store
            .kpi_counts_by(window, SubjectKind::Micro, scope, as_of)
            .await
            .unwrap(),
    }
}

/// The same page with its four parts asked together, as the KPI API's handlers ask theirs.
async fn dashboard_together(
    store: &impl KpiRepository,
    window: Window,
    scope: &KpiScope,
    as_of: DateTime<Utc>,
) -> Dashboard {
    let year = Period::year(YEAR, as_of).unwrap();
    let (counts, trend, communities, micros) = tokio::try_join!(
        store.kpi_counts(window, scope, as_of),
        store.kpi_trend(&year, scope, as_of),
        store.kpi_counts_by(window, SubjectKind::Community, scope, as_of),
        store.kpi_counts_by(window, SubjectKind::Micro, scope, as_of),
    )
    .unwrap();
    Dashboard {
        counts,
        trend: months(trend),
        communities,
        micros,
    }
}

fn months(trend: Vec<MonthCounts>) -> Vec<KpiCounts> {
    trend.into_iter().map(|month| month.counts).collect()
}

fn in_scope(fact: &KpiFacts, scope: &KpiScope) -> bool {
    match scope {
        KpiScope::Street => true,
        KpiScope::Community(code) => fact.community.as_ref() == Some(code),
        KpiScope::Micro(code) => fact.micro.as_ref() == Some(code),
    }
}

/// The same page counted in Rust over every ticket's facts.
fn naive_dashboard(
    facts: &[KpiFacts],
    window: Window,
    scope: &KpiScope,
    as_of: DateTime<Utc>,
) -> Dashboard {
    let facts: Vec<&KpiFacts> = facts.iter().filter(|f| in_scope(f, scope)).collect();
    let year = Period::year(YEAR, as_of).unwrap();
    let by = |key: fn(&KpiFacts) -> Option<&GridCode>| {
        let mut groups: BTreeMap<&str, Vec<&KpiFacts>> = BTreeMap::new();
        for &fact in &facts {
            if let Some(code) = key(fact) {
                groups.entry(code.as_str()).or_default().push(fact);
            }
        }
        groups
            .into_iter()
            .map(|(code, facts)| {
                let counts = KpiCounts::count(facts, window, as_of);
                (code.to_owned(), SubjectCounts::from(&counts))
            })
            .filter(|(_, counts)| counts.received > 0)
            .collect()
    };
    Dashboard {
        counts: KpiCounts::count(facts.iter().copied(), window, as_of),
        trend: year
            .months()
            .into_iter()
            .map(|(_, _, month)| KpiCounts::count(facts.iter().copied(), month, as_of))
            .collect(),
        communities: by(|f| f.community.as_ref()),
        micros: by(|f| f.micro.as_ref()),
    }
}

const FACTS: &str = "SELECT state, category, community_code, micro_code, assignee_worker, \
    received_at, contact_due_at, due_at, first_contact_at, closed_at, delegated, outcome, \
    satisfaction, channel FROM tickets";

fn parsed<T: serde::de::DeserializeOwned>(text: Option<&str>) -> Option<T> {
    text.map(|text| serde_json::from_value(serde_json::Value::String(text.to_owned())).unwrap())
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

/// The KPI facts of one row of [`FACTS`].
fn fact<R: Row>(row: &R) -> KpiFacts
where
    for<'c> &'c str: ColumnIndex<R> + Decode<'c, R::Database> + Type<R::Database>,
    for<'c> i64: Decode<'c, R::Database> + Type<R::Database>,
    for<'c> bool: Decode<'c, R::Database> + Type<R::Database>,
{
    let code = |column: &str| {
        row.get::<Option<&str>, _>(column)
            .map(|code| GridCode::parse(code).unwrap())
    };
    let state: &str = row.get("state");
    KpiFacts {
        state: *TicketState::ALL
            .iter()
            .find(|s| s.as_str() == state)
            .unwrap(),
        category: row.get::<&str, _>("category").to_owned(),
        community: code("community_code"),
        micro: code("micro_code"),
        worker: row
            .get::<Option<&str>, _>("assignee_worker")
            .map(str::to_owned),
        received_at: at(row.get("received_at")),
        contact_due_at: at(row.get("contact_due_at")),
        due_at: at(row.get("due_at")),
        first_contact_at: row.get::<Option<i64>, _>("first_contact_at").map(at),
        closed_at: row.get::<Option<i64>, _>("closed_at").map(at),
        delegated: row.get("delegated"),
        outcome: parsed(row.get("outcome")),
        satisfaction: parsed(row.get("satisfaction")),
        proactive: row.get::<&str, _>("channel") == "proactive",
    }
}

/// The naive load: every ticket's facts in one full-scan SELECT.
async fn load_facts(database: &Database) -> Vec<KpiFacts> {
    let mut facts = Vec::new();
    match database {
        Database::Sqlite(path) => {
            let mut conn =
                sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
                    .await
                    .unwrap();
            let mut rows = conn.fetch(FACTS);
            while let Some(row) = rows.try_next().await.unwrap() {
                facts.push(fact(&row));
            }
        }
        Database::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            let mut rows = conn.fetch(FACTS);
            while let Some(row) = rows.try_next().await.unwrap() {
                facts.push(fact(&row));
            }
        }
    }
    facts
}

enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// The figures of one backend, one line per window and scope.
async fn measure(name: &str, store: &impl KpiRepository, database: &Database) -> bool {
    let as_of = as_of();
    let windows = [
        (
            "December",
            Period::month(YEAR, 12, as_of).unwrap().elapsed(as_of),
        ),
        ("year", Period::year(YEAR, as_of).unwrap().elapsed(as_of)),
    ];
    let community = GridCode::street("110117", 1).community(3);
    let scopes = [
        ("street", KpiScope::Street),
        ("community", KpiScope::Community(community)),
    ];
    let mut loads = Vec::new();
    let mut facts = Vec::new();
    for _ in 0..NAIVE_LOADS {
        drop(std::mem::take(&mut facts));
        let start = Instant::now();
        facts = load_facts(database).await;
        loads.push(ms(start));
    }
    let load = median(loads);
    let mut agree = true;
    for (window_name, window) in windows {
        for (scope_name, scope) in &scopes {
            let expected = naive_dashboard(&facts, window, scope, as_of);
            let mut counting = Vec::new();
            for _ in 0..RUNS {
                let start = Instant::now();
                std::hint::black_box(naive_dashboard(&facts, window, scope, as_of));
                counting.push(ms(start));
            }
            let naive = load + median(counting);
            let got = dashboard(store, window, scope, as_of).await;
            let together = dashboard_together(store, window, scope, as_of).await;
            if got != expected || together != expected {
                eprintln!("{name} {window_name} {scope_name}: SQL and naive counts differ");
                eprintln!("SQL:   {:?}", got.counts);
                eprintln!("naive: {:?}", expected.counts);
                agree = false;
            }
            let (mut apart, mut joint) = (Vec::new(), Vec::new());
            for _ in 0..RUNS {
                let start = Instant::now();
                std::hint::black_box(dashboard(store, window, scope, as_of).await);
                apart.push(ms(start));
                let start = Instant::now();
                std::hint::black_box(dashboard_together(store, window, scope, as_of).await);
                joint.push(ms(start));
            }
            let (sql, together) = (median(apart), median(joint));
            let verdict = |ms: f64, goal: f64| if ms <= goal { "yes" } else { "**no**" };
            println!(
                "| {name} | {window_name} | {scope_name} | {sql:.1} | {together:.1} | {naive:.0} | {:.0}× | {} | {} |",
                naive / sql,
                verdict(sql, GOAL_MS),
                verdict(together, CENTER_GOAL_MS)
            );
        }
    }
    agree
}

/// Whether the backend named (lowercase) is measured in this run.
fn measured(backend: &str) -> bool {
    std::env::var("BINHE_KPI_BENCH_ONLY").map_or(true, |only| only.eq_ignore_ascii_case(backend))
}

fn tickets() -> usize {
    std::env::var("BINHE_KPI_BENCH_TICKETS")
        .ok()
        .and_then(|n| n.replace('_', "").parse().ok())
        .unwrap_or(DEFAULT_TICKETS)
}

/// The cached SQLite database of `tickets` tickets, generated first if missing.
async fn sqlite(tickets: usize) -> (SqliteStore, PathBuf) {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/tmp".to_owned());
    let dir = PathBuf::from(home)
        .join(".cache/smart-binhe/bench")
        .join(format!("kpi-{tickets}-{SEED}-v{GENERATION}"));
    let (path, done) = (dir.join("binhe.sqlite"), dir.join("complete"));
    if !done.exists() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        let store = SqliteStore::open(&path).await.unwrap();
        let seconds = fill(&store, tickets, "SQLite").await;
        store.close().await;
        std::fs::write(&done, format!("{seconds:.1}")).unwrap();
    }
    let seconds = std::fs::read_to_string(&done).unwrap();
    println!(
        "SQLite: {tickets} tickets generated and stored in {seconds} s ({:.0} tickets/s, KPI rollups kept by the store) — {}",
        tickets as f64 / seconds.parse::<f64>().unwrap(),
        path.display()
    );
    (SqliteStore::open(&path).await.unwrap(), path)
}

/// The cached PostgreSQL database of `tickets` tickets on the server of `admin_url`.
async fn postgres(admin_url: &str, tickets: usize) -> (PgStore, String) {
    let name = format!("kpi_bench_{tickets}_{SEED}_v{GENERATION}");
    let mut admin = binhe_testkit::connect(admin_url).await;
    let note: Option<Option<String>> = sqlx::query_scalar(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
    )
    .bind(&name)
    .fetch_optional(&mut admin)
    .await
    .unwrap();
    let url = binhe_testkit::database_url(admin_url, &name);
    let seconds = if let Some(seconds) = note.flatten() {
        seconds
    } else {
        admin
            .execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
            .await
            .unwrap();
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        let store = PgStore::connect(&url).await.unwrap();
        let seconds = format!("{:.1}", fill(&store, tickets, "PostgreSQL").await);
        store.close().await;
        // Statistics for the planner, as autovacuum would gather them in time.
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        conn.execute("VACUUM ANALYZE").await.unwrap();
        admin
            .execute(format!("COMMENT ON DATABASE {name} IS '{seconds}'").as_str())
            .await
            .unwrap();
        seconds
    };
    println!(
        "PostgreSQL: {tickets} tickets generated and stored in {seconds} s ({:.0} tickets/s, KPI rollups kept by the store) — database {name}",
        tickets as f64 / seconds.parse::<f64>().unwrap()
    );
    (PgStore::connect(&url).await.unwrap(), url)
}

#[tokio::main]
async fn main() {
    let tickets = tickets();
    println!(
        "KPI dashboard = kpi_counts + kpi_trend (12 months) + kpi_counts_by community + by micro-grid; \
         median of {RUNS} runs after a warm-up; naive = one full-scan SELECT of every ticket's facts \
         (median of {NAIVE_LOADS}) + counting in Rust (median of {RUNS}); as of {}",
        as_of()
    );
    let year = Period::year(YEAR, as_of()).unwrap().elapsed(as_of());
    let sqlite = if measured("sqlite") {
        Some(sqlite(tickets).await)
    } else {
        println!("SQLite: skipped (BINHE_KPI_BENCH_ONLY)");
        None
    };
    let postgres = match std::env::var("BINHE_BENCH_PG_URL") {
        Ok(admin_url) if measured("postgres") => Some(postgres(&admin_url, tickets).await),
        Ok(_) => {
            println!("PostgreSQL: skipped (BINHE_KPI_BENCH_ONLY)");
            None
        }
        Err(_) => {
            println!("PostgreSQL: skipped (BINHE_BENCH_PG_URL is not set)");
            None
        }
    };
    println!(
        "| backend | window | scope | dashboard ms | parts together ms | naive ms | naive / dashboard | ≤ {GOAL_MS} ms | together ≤ {CENTER_GOAL_MS} ms |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---|---|");
    let mut agree = true;
    if let Some((sqlite, path)) = sqlite {
        // A first dashboard warms the caches of each database.
        dashboard(&sqlite, year, &KpiScope::Street, as_of()).await;
        agree &= measure("SQLite", &sqlite, &Database::Sqlite(path)).await;
        sqlite.close().await;
    }
    if let Some((store, url)) = postgres {
        dashboard(&store, year, &KpiScope::Street, as_of()).await;
        agree &= measure("PostgreSQL", &store, &Database::Postgres(url)).await;
        store.close().await;
    }
    if !agree {
        eprintln!("the dashboards in SQL differ from the naive counts");
        std::process::exit(1);
    }
}
