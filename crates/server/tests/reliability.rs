//! Reliability of the real `binhe-server` binary on SQLite and PostgreSQL: a clean stop leaves
//! the SQLite file complete on its own; a backup taken under load holds every write answered
//! before it began; a SIGKILL during intake, a 12345 file import or dispatching loses no
//! answered write and stores nothing twice, an interrupted import finishes when re-run, and the
//! event log replays to the stored rows. Each test prints its figures (RELIABILITY.md).
//!
//! PostgreSQL comes from `BINHE_TEST_PG_URL` (scratch databases); without it those tests fail.

mod common;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use common::crash::{Api, Census, Db, ServerProcess, cli, points, size, until};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CATEGORIES: [&str; 2] = ["garbage", "manhole_cover"];

/// What the writers sent and what the server answered.
#[derive(Default)]
struct Log {
    /// Every order sent, answered or not.
    sent: Vec<String>,
    /// Orders answered 201/200, with the ticket id, in the order the answers came.
    acked: Vec<(String, i64)>,
}

type Shared = Arc<Mutex<Log>>;

fn request(order: &str, n: usize, (lon, lat): (f64, f64)) -> Value {
    json!({
        "channel": "hotline", "external_id": order, "category": CATEGORIES[n % 2],
        "description": format!("可靠性测试 第 {n} 件"), "lon": lon, "lat": lat,
        "reporter_name": "王先生",
    })
}

/// One client posting orders of its own (`{prefix}-{writer}-{n}`) until `stop` is set or the
/// server is gone.
async fn writer(
    api: Api,
    places: Arc<Vec<(f64, f64, String)>>,
    (prefix, writer): (&'static str, usize),
    log: Shared,
    stop: Arc<AtomicBool>,
) {
    for n in 0.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let order = format!("{prefix}-{writer}-{n}");
        let (lon, lat, _) = &places[(writer * 7 + n) % places.len()];
        log.lock().unwrap().sent.push(order.clone());
        match api
            .post("/api/tickets", &request(&order, n, (*lon, *lat)))
            .await
        {
            Some((StatusCode::CREATED | StatusCode::OK, answer)) => {
                let id = answer["ticket"]["id"].as_i64().unwrap();
                log.lock().unwrap().acked.push((order, id));
            }
            Some((status, _)) if status.is_server_error() => {}
            Some((status, answer)) => panic!("{order}: {status} {answer}"),
            None => return,
        }
    }
}

/// Several clients posting orders at once, each its own, at places spread over the street.
struct Load {
    places: Arc<Vec<(f64, f64, String)>>,
    log: Shared,
    stop: Arc<AtomicBool>,
    writers: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    async fn start(api: &Api, prefix: &'static str, count: usize) -> Self {
        let places = Arc::new(points(&api.terminal(), 24).await);
        let (log, stop): (Shared, Arc<AtomicBool>) = Default::default();
        let writers = (0..count)
            .map(|w| {
                tokio::spawn(writer(
                    api.clone(),
                    Arc::clone(&places),
                    (prefix, w),
                    Arc::clone(&log),
                    Arc::clone(&stop),
                ))
            })
            .collect();
        Self {
            places,
            log,
            stop,
            writers,
        }
    }

    fn acked(&self) -> usize {
        self.log.lock().unwrap().acked.len()
    }

    /// The orders answered so far.
    fn acked_orders(&self) -> Vec<String> {
        let log = self.log.lock().unwrap();
        log.acked.iter().map(|(o, _)| o.clone()).collect()
    }

    async fn until_acked(&self, count: usize) {
        until(&format!("{count} tickets answered"), || {
            self.acked() >= count
        })
        .await;
    }

    /// Waits for the writers: stopped here, or ended by the server going away.
    async fn end(&mut self, stop: bool) {
        self.stop.store(stop, Ordering::Relaxed);
        for w in self.writers.drain(..) {
            w.await.unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Clean stop

#[tokio::test]
async fn after_sigterm_the_sqlite_file_alone_holds_every_answered_ticket() {
    let db = Db::new(false).await;
    let Db::Sqlite { path, .. } = &db else {
        unreachable!()
    };
    let server = ServerProcess::start(&db.arg(), &[]).await;
    let mut load = Load::start(&server.api, "STOP", 4).await;
    load.until_acked(400).await;
    load.end(true).await;
    let wal = path.with_file_name("binhe.sqlite-wal");
    let wal_before = size(&wal);
    // A terminal watching the live stream does not hold the stop up: the stream is ended.
    let mut live = server.api.open("/api/stream").await;
    let stopping = Instant::now();
    server.terminate().await;
    let took = stopping.elapsed();
    assert!(
        took < std::time::Duration::from_secs(5),
        "the stop waited {took:?} for the live stream"
    );
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Ok(Some(_)) = live.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the live stream ended with the server");
    let (census, missing) = copy_alone(path, &load).await;
    println!(
        "RELIABILITY clean stop (SQLite): {} answered, WAL {} bytes before the stop, {} after; \
         the copied .db file alone holds {} tickets, {} missing, {} doubled",
        load.acked(),
        wal_before,
        size(&wal),
        census.tickets,
        missing.len(),
        census.doubled().len()
    );
    assert_eq!(
        size(&wal),
        0,
        "the write-ahead log is folded in at a clean stop"
    );
    assert!(missing.is_empty(), "missing from the copy: {missing:?}");
    assert!(census.doubled().is_empty());
    assert_eq!(census.tickets, load.acked());
}

/// Copies only the database file elsewhere and reads the copy: what it holds, and which
/// answered orders it lacks.
async fn copy_alone(path: &std::path::Path, load: &Load) -> (Census, Vec<String>) {
    let elsewhere = tempfile::tempdir().unwrap();
    let copy = elsewhere.path().join("copy.sqlite");
    std::fs::copy(path, &copy).unwrap();
    let census = Db::Sqlite {
        path: copy,
        _dir: elsewhere,
    }
    .census()
    .await;
    let acked = load.acked_orders();
    let missing = census.missing(&acked).into_iter().cloned().collect();
    (census, missing)
}

/// The desktop app stops its embedded server the same way when it closes
/// (`RunningServer::shutdown`).
#[tokio::test]
async fn an_embedded_server_stopped_by_its_app_leaves_a_complete_sqlite_file() {
    let db = Db::new(false).await;
    let Db::Sqlite { path, .. } = &db else {
        unreachable!()
    };
    let h = common::Harness::start(path).await;
    let api = Api::of(&h.base(), h.server.secret());
    let mut load = Load::start(&api, "APP", 2).await;
    load.until_acked(100).await;
    load.end(true).await;
    let wal = path.with_file_name("binhe.sqlite-wal");
    assert!(
        size(&wal) > 0,
        "writes wait in the write-ahead log while it runs"
    );
    h.server.shutdown().await;
    assert_eq!(size(&wal), 0);
    let (census, missing) = copy_alone(path, &load).await;
    assert!(missing.is_empty(), "{missing:?}");
    assert_eq!(census.tickets, load.acked());
}

// ---------------------------------------------------------------------------------------------
// Backup under load

/// Orders imported before the load starts.
const PRELOAD: usize = 8000;

async fn backup_under_load(postgres: bool) {
    let db = Db::new(postgres).await;
    let server = ServerProcess::start(&db.arg(), &[]).await;
    // A database of some size first, so that the backup takes a while.
    let places = points(&server.api.terminal(), 60).await;
    let imported = import_to_end(&server.api, hotline_file(PRELOAD, &places)).await;
    assert_eq!(imported["created"], PRELOAD, "{imported}");
    let mut load = Load::start(&server.api, "BAK", 6).await;
    load.until_acked(200).await;

    // Everything answered before the backup began.
    let before = load.acked_orders();
    let files = tempfile::tempdir().unwrap();
    let out = files
        .path()
        .join(if postgres { "b.pgdump" } else { "b.sqlite" });
    let out_arg = out.display().to_string();
    let started = Instant::now();
    let (ok, text) = cli(&["backup", "--db", &db.arg(), "--out", &out_arg]).await;
    let took = started.elapsed();
    assert!(ok, "{text}");
    let during = load.acked() - before.len();
    // The writers went on during the backup and go on for a little after it.
    load.until_acked(load.acked() + 50).await;
    load.end(true).await;
    server.terminate().await;
    let written = load.acked();

    // Into a fresh database of the same kind.
    let target = Db::new(postgres).await;
    let (ok, text) = cli(&["restore", "--from", &out_arg, "--db", &target.arg()]).await;
    assert!(ok, "{text}");
    let census = target.census().await;
    let missing = census.missing(&before);
    println!(
        "RELIABILITY backup under load ({}): {PRELOAD} imported first, then {written} tickets \
         answered in all, {} before the backup began, {during} while the backup command ran \
         ({:.2} s, {} bytes); restored {} tickets and {} events: {} of those before missing, \
         {} doubled",
        db.dialect(),
        before.len(),
        took.as_secs_f64(),
        size(&out),
        census.tickets,
        census.events,
        missing.len(),
        census.doubled().len()
    );
    assert!(missing.is_empty(), "missing after restore: {missing:?}");
    assert!(census.doubled().is_empty());
    assert!(census.tickets >= PRELOAD + before.len() && census.tickets <= PRELOAD + written);
    // Everything restored was answered to someone: no half-written ticket.
    let acked: HashSet<String> = load.acked_orders().into_iter().collect();
    assert_eq!(
        census
            .by_order
            .keys()
            .filter(|o| !acked.contains(*o))
            .count(),
        PRELOAD
    );

    // The restored database is not overwritten by accident, and a non-backup is named as such.
    let (ok, text) = cli(&["restore", "--from", &out_arg, "--db", &target.arg()]).await;
    assert!(!ok && text.contains("RESTORE_TARGET_NOT_EMPTY"), "{text}");
    assert!(text.contains("--force"), "{text}");
    let junk = files.path().join("notes.txt");
    std::fs::write(&junk, "不是备份 not a backup").unwrap();
    let (ok, text) = cli(&[
        "restore",
        "--from",
        &junk.display().to_string(),
        "--db",
        &target.arg(),
        "--force",
    ])
    .await;
    assert!(
        !ok && text.contains("NOT_A_BACKUP") && text.contains("不是智慧滨河备份文件"),
        "{text}"
    );
    assert_eq!(
        target.census().await.tickets,
        census.tickets,
        "target unchanged"
    );
    // With --force the backup replaces what is there.
    let (ok, text) = cli(&[
        "restore",
        "--from",
        &out_arg,
        "--db",
        &target.arg(),
        "--force",
    ])
    .await;
    assert!(ok, "{text}");
    assert_eq!(target.census().await.tickets, census.tickets);
}

#[tokio::test]
async fn a_sqlite_backup_under_load_holds_every_ticket_answered_before_it_began() {
    backup_under_load(false).await;
}

#[tokio::test]
async fn a_postgres_backup_under_load_holds_every_ticket_answered_before_it_began() {
    backup_under_load(true).await;
}

#[tokio::test]
async fn a_backup_of_another_kind_or_a_newer_schema_is_refused_with_its_reason() {
    let db = Db::new(false).await;
    let Db::Sqlite { path, .. } = &db else {
        unreachable!()
    };
    let (ok, text) = cli(&["account", "list", "--db", &db.arg()]).await;
    assert!(ok, "{text}");
    assert_eq!(
        size(&path.with_file_name("binhe.sqlite-wal")),
        0,
        "a command-line tool closes the file cleanly too"
    );
    let files = tempfile::tempdir().unwrap();
    let out = files.path().join("b.sqlite").display().to_string();
    let (ok, text) = cli(&["backup", "--db", &db.arg(), "--out", &out]).await;
    assert!(ok, "{text}");
    let (ok, text) = cli(&["backup", "--db", &db.arg(), "--out", &out]).await;
    assert!(!ok && text.contains("BACKUP_FILE_EXISTS"), "{text}");

    let pg = Db::new(true).await;
    let (ok, text) = cli(&["restore", "--from", &out, "--db", &pg.arg()]).await;
    assert!(!ok && text.contains("BACKUP_DIALECT_MISMATCH"), "{text}");
    assert!(text.contains("SQLite 备份"), "{text}");

    // A backup from a later version of the program: one more schema step than this one knows.
    let newer = files.path().join("newer.sqlite");
    std::fs::copy(&out, &newer).unwrap();
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", newer.display()))
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (9999, 'future', 1, x'00', 0)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    }
    let fresh = path.with_file_name("fresh.sqlite").display().to_string();
    let (ok, text) = cli(&[
        "restore",
        "--from",
        &newer.display().to_string(),
        "--db",
        &fresh,
    ])
    .await;
    assert!(!ok && text.contains("BACKUP_FROM_NEWER_VERSION"), "{text}");
    assert!(!std::path::Path::new(&fresh).exists(), "nothing written");
    let (ok, text) = cli(&["restore", "--from", &out, "--db", &fresh]).await;
    assert!(ok, "{text}");
}

/// A center on a new SQLite file backing up into `dir` every second, keeping two; and a store
/// on the same file to read its audit log while it runs.
async fn scheduled(dir: &std::path::Path) -> (Db, ServerProcess, binhe_store::SqliteStore) {
    let db = Db::new(false).await;
    let (ok, text) = cli(&["account", "list", "--db", &db.arg()]).await;
    assert!(ok, "{text}");
    let server = ServerProcess::start(
        &db.arg(),
        &[
            "--center",
            "--backup-dir",
            &dir.display().to_string(),
            "--backup-every",
            "1s",
            "--backup-keep",
            "2",
        ],
    )
    .await;
    let Db::Sqlite { path, .. } = &db else {
        unreachable!()
    };
    let store = binhe_store::SqliteStore::open(path).await.unwrap();
    (db, server, store)
}

/// Waits (at most 30 s) until the audit log holds `count` entries of `action`; answers them.
async fn audited(
    store: &binhe_store::SqliteStore,
    action: &str,
    count: usize,
) -> Vec<binhe_store::AuditEntry> {
    use binhe_store::AccountRepository;
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (entries, _) = store
            .audit(&binhe_store::AuditFilter {
                action: Some(action.to_owned()),
                limit: 100,
                ..binhe_store::AuditFilter::default()
            })
            .await
            .unwrap();
        if entries.len() >= count {
            return entries;
        }
        assert!(Instant::now() < deadline, "{count} × {action} in 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_center_backs_up_on_its_schedule_keeps_the_newest_and_audits_each() {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    let (_db, server, store) = scheduled(&backups).await;
    audited(&store, "backup.create", 3).await;
    server.terminate().await;
    let mut names: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        // One cut short by the stop may be left half-written under its `.partial` name.
        .filter(|name| !name.ends_with(".partial"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "the newest two kept: {names:?}");
    for name in &names {
        assert!(
            name.starts_with("binhe-") && name.ends_with(".sqlite"),
            "{name}"
        );
        let (ok, text) = cli(&[
            "restore",
            "--from",
            &backups.join(name).display().to_string(),
            "--db",
            &dir.path().join(format!("r-{name}")).display().to_string(),
        ])
        .await;
        assert!(ok, "{text}");
    }
}

#[tokio::test]
async fn a_scheduled_backup_that_fails_is_audited_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    // A folder that cannot be made: a file stands where its parent should be.
    std::fs::write(dir.path().join("blocked"), "a file").unwrap();
    let (_db, server, store) = scheduled(&dir.path().join("blocked/backups")).await;
    let failed = audited(&store, "backup.fail", 1).await;
    server.terminate().await;
    assert!(failed[0].detail.starts_with("BACKUP_IO"), "{:?}", failed[0]);
    assert!(failed[0].detail.contains("无法读写文件"), "{:?}", failed[0]);
}

// ---------------------------------------------------------------------------------------------
// SIGKILL during intake

/// Kill-and-restart cycles in one intake test.
const KILLS: usize = 3;

async fn kill_during_intake(postgres: bool) {
    let db = Db::new(postgres).await;
    let (mut sent, mut acked) = (Vec::new(), Vec::new());
    let mut places = Arc::default();
    let mut census = None;
    // Each cycle: a server on the same database, 8 new clients, SIGKILL at the 300th answer of
    // the cycle, then the census of everything answered so far.
    for (cycle, prefix) in ["KILL0", "KILL1", "KILL2"]
        .into_iter()
        .enumerate()
        .take(KILLS)
    {
        let server = ServerProcess::start(&db.arg(), &[]).await;
        let mut load = Load::start(&server.api, prefix, 8).await;
        load.until_acked(300).await;
        server.kill().await;
        load.end(false).await;
        {
            let log = load.log.lock().unwrap();
            sent.extend(log.sent.iter().cloned());
            acked.extend(log.acked.iter().cloned());
        }
        places = Arc::clone(&load.places);
        let now = db.census().await;
        let orders: Vec<String> = acked.iter().map(|(o, _)| o.clone()).collect();
        let missing = now.missing(&orders);
        println!(
            "RELIABILITY SIGKILL during intake ({}), kill {}: {} sent so far, {} answered, \
             {} stored, {} lost, {} doubled",
            db.dialect(),
            cycle + 1,
            sent.len(),
            acked.len(),
            now.tickets,
            missing.len(),
            now.doubled().len()
        );
        assert!(missing.is_empty(), "answered but lost: {missing:?}");
        assert!(now.doubled().is_empty());
        census = Some(now);
    }
    let census = census.expect("at least one kill");
    let orders: Vec<String> = acked.iter().map(|(o, _)| o.clone()).collect();
    let missing = census.missing(&orders);
    let doubled = census.doubled().len();
    // Each answered order is stored under the id it was answered with.
    for (order, id) in &acked {
        if let Some(ids) = census.by_order.get(order) {
            assert_eq!(ids, &[*id], "{order}");
        }
    }
    let unanswered_stored = census.tickets - (orders.len() - missing.len());

    // The clients send again what was not answered (and, to be sure, everything else): the
    // server restarted on the same database takes each order once.
    let again = ServerProcess::start(&db.arg(), &[]).await;
    let mut existing = 0;
    for (n, order) in sent.iter().enumerate() {
        let (lon, lat, _) = &places[n % places.len()];
        let (status, answer) = again
            .api
            .post("/api/tickets", &request(order, n, (*lon, *lat)))
            .await
            .unwrap();
        assert!(
            status == StatusCode::CREATED || status == StatusCode::OK,
            "{order}: {status} {answer}"
        );
        if answer["existing"] == true {
            existing += 1;
        }
    }
    again.terminate().await;
    let after = db.census().await;
    println!(
        "RELIABILITY SIGKILL during intake ({}): {KILLS} kills, 8 clients each, {} sent, {} \
         answered before the kills, {} lost, {} doubled; {} more stored though unanswered; after re-sending all: {} \
         answered `existing`, {} tickets for {} orders, {} doubled",
        db.dialect(),
        sent.len(),
        acked.len(),
        missing.len(),
        doubled,
        unanswered_stored,
        existing,
        after.tickets,
        sent.len(),
        after.doubled().len()
    );
    assert!(missing.is_empty(), "answered but lost: {missing:?}");
    assert_eq!(doubled, 0);
    assert_eq!(
        existing, census.tickets,
        "what was stored answers `existing`"
    );
    assert_eq!(after.tickets, sent.len());
    assert!(after.doubled().is_empty());
    assert!(after.missing(&sent).is_empty());
}

#[tokio::test]
async fn sigkill_during_intake_on_sqlite_loses_and_doubles_nothing() {
    kill_during_intake(false).await;
}

#[tokio::test]
async fn sigkill_during_intake_on_postgres_loses_and_doubles_nothing() {
    kill_during_intake(true).await;
}

// ---------------------------------------------------------------------------------------------
// SIGKILL during a 12345 file import

/// A 12345 export of `rows` orders at `places`, every row valid.
fn hotline_file(rows: usize, places: &[(f64, f64, String)]) -> Vec<u8> {
    let categories = ["违章停车", "井盖破损", "占道经营", "噪音扰民"];
    let mut text = String::from(
        "序号,工单编号,受理时间,问题类别,问题描述,事发地址,经度,纬度,反映人,联系电话,紧急程度\n",
    );
    for n in 0..rows {
        let (lon, lat, _) = &places[n % places.len()];
        // Spread over days so that few rows are repeats of one another.
        let day = 1 + n % 20;
        let (hour, minute, second) = ((n / 20) % 24, (n / 480) % 60, n % 60);
        writeln!(
            text,
            "{},2026110{n:07},2026-11-{day:02} {hour:02}:{minute:02}:{second:02},{},导入测试第{n}件,滨河街道测试地址{n}号,{lon:.6},{lat:.6},测试{n},138{n:08},一般",
            n + 1,
            categories[n % categories.len()],
        )
        .unwrap();
    }
    text.into_bytes()
}

async fn progress(api: &Api, job: u64) -> Option<Value> {
    let (status, body) = api.get(&format!("/api/imports/{job}")).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    Some(body)
}

/// Imports a 12345 file and follows the job to its end: the last progress.
async fn import_to_end(api: &Api, file: Vec<u8>) -> Value {
    let (status, answer) = api
        .upload("/api/tickets/import", file, "12345工单.csv")
        .await
        .unwrap();
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let job = answer["job"].as_u64().unwrap();
    let deadline = Instant::now() + std::time::Duration::from_mins(1);
    loop {
        let p = progress(api, job).await.unwrap();
        if p["finished"] == true {
            return p;
        }
        assert!(Instant::now() < deadline, "the import did not finish: {p}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn kill_during_import(postgres: bool) {
    const ROWS: usize = 12_000;
    let db = Db::new(postgres).await;
    let server = ServerProcess::start(&db.arg(), &[]).await;
    let places = points(&server.api.terminal(), 60).await;
    let file = hotline_file(ROWS, &places);
    let (status, answer) = server
        .api
        .upload("/api/tickets/import", file.clone(), "12345工单.csv")
        .await
        .unwrap();
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let job = answer["job"].as_u64().unwrap();
    // Kill once a good part, but not all, is reported stored.
    let deadline = Instant::now() + std::time::Duration::from_mins(1);
    let reported = loop {
        let p = progress(&server.api, job).await.unwrap();
        assert!(
            p["finished"] != true,
            "the import ended before the kill: {p}"
        );
        if p["done"].as_u64().unwrap() >= 3000 {
            break p;
        }
        assert!(Instant::now() < deadline, "import too slow: {p}");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    server.kill().await;
    let created_reported = reported["created"].as_u64().unwrap() as usize;

    let census = db.census().await;
    let stored_at_kill = census.tickets;
    let doubled = census.doubled().len();

    // The same file again: what was stored is `existing`, the rest is created.
    let again = ServerProcess::start(&db.arg(), &[]).await;
    let finished = import_to_end(&again.api, file).await;
    again.terminate().await;
    let after = db.census().await;
    println!(
        "RELIABILITY SIGKILL during import ({}): {ROWS} rows, {} reported created when killed, \
         {} stored after the kill (lost {}), {} doubled; re-run: {} existing + {} created, \
         {} tickets stored, {} doubled",
        db.dialect(),
        created_reported,
        stored_at_kill,
        created_reported.saturating_sub(stored_at_kill),
        doubled,
        finished["existing"],
        finished["created"],
        after.tickets,
        after.doubled().len()
    );
    assert!(finished["failed"].is_null(), "{finished}");
    assert!(stored_at_kill >= created_reported, "reported but lost");
    assert!(stored_at_kill < ROWS, "the kill came mid-import");
    assert_eq!(doubled, 0);
    assert_eq!(finished["rejected"], 0, "{finished}");
    assert_eq!(
        finished["existing"].as_u64().unwrap() as usize,
        stored_at_kill
    );
    assert_eq!(
        finished["created"].as_u64().unwrap() as usize,
        ROWS - stored_at_kill
    );
    assert_eq!(after.tickets, ROWS);
    assert!(after.doubled().is_empty());
}

#[tokio::test]
async fn sigkill_during_an_import_on_sqlite_then_a_rerun_finishes_it() {
    kill_during_import(false).await;
}

#[tokio::test]
async fn sigkill_during_an_import_on_postgres_then_a_rerun_finishes_it() {
    kill_during_import(true).await;
}

// ---------------------------------------------------------------------------------------------
// SIGKILL while several terminals dispatch

/// Dispatches `tickets` (id, version, micro-grid) one after another; records each answered
/// dispatch (id, new version); stops when the server is gone.
async fn dispatcher(api: Api, tickets: Vec<(i64, u64, String)>, log: Arc<Mutex<Vec<(i64, u64)>>>) {
    for (id, version, grid) in tickets {
        let body = json!({ "action": "dispatch", "version": version, "grid": grid });
        match api.post(&format!("/api/tickets/{id}/actions"), &body).await {
            Some((StatusCode::OK, answer)) => {
                let version = answer["ticket"]["version"].as_u64().unwrap();
                log.lock().unwrap().push((id, version));
            }
            Some((status, answer)) => panic!("dispatch {id}: {status} {answer}"),
            None => return,
        }
    }
}

async fn kill_during_dispatch(postgres: bool) {
    const TICKETS: usize = 240;
    const TERMINALS: usize = 4;
    let db = Db::new(postgres).await;
    let server = ServerProcess::start(&db.arg(), &[]).await;
    let places = points(&server.api.terminal(), TICKETS).await;
    // Registered tickets, one per micro-grid.
    let mut registered = Vec::with_capacity(TICKETS);
    for (n, (lon, lat, micro)) in places.iter().enumerate() {
        let order = format!("DSP-{n}");
        let (status, answer) = server
            .api
            .post("/api/tickets", &request(&order, n, (*lon, *lat)))
            .await
            .unwrap();
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        let ticket = &answer["ticket"];
        let id = ticket["id"].as_i64().unwrap();
        let (status, answer) = server
            .api
            .post(
                &format!("/api/tickets/{id}/actions"),
                &json!({ "action": "register", "version": ticket["version"] }),
            )
            .await
            .unwrap();
        assert_eq!(status, StatusCode::OK, "{answer}");
        let version = answer["ticket"]["version"].as_u64().unwrap();
        registered.push((id, version, micro.clone()));
    }
    let log: Arc<Mutex<Vec<(i64, u64)>>> = Arc::default();
    let terminals: Vec<_> = (0..TERMINALS)
        .map(|t| {
            let own = registered
                .iter()
                .skip(t)
                .step_by(TERMINALS)
                .cloned()
                .collect();
            tokio::spawn(dispatcher(server.api.clone(), own, Arc::clone(&log)))
        })
        .collect();
    until("60 dispatches answered", || log.lock().unwrap().len() >= 60).await;
    server.kill().await;
    for t in terminals {
        t.await.unwrap();
    }
    let acked = log.lock().unwrap().clone();
    assert!(acked.len() < TICKETS, "the kill came mid-way");

    let census = db.census().await;
    let lost: Vec<_> = acked
        .iter()
        .filter(|(id, version)| census.rows.get(id).map(|(_, v)| u64::from(*v)) != Some(*version))
        .collect();
    let doubled = census.dispatches.values().filter(|n| **n > 1).count();
    let dispatched = census.dispatches.values().filter(|n| **n == 1).count();

    // The terminals carry on after the restart with what is still waiting.
    let again = ServerProcess::start(&db.arg(), &[]).await;
    let waiting: Vec<(i64, u64, String)> = registered
        .iter()
        .filter(|(id, _, _)| census.dispatches.get(id) == Some(&0))
        .cloned()
        .collect();
    // Dispatched in the database though the answer never got out: sent again with the version
    // the terminal knew, it is refused, not applied twice.
    let answered: HashSet<i64> = acked.iter().map(|(id, _)| *id).collect();
    for (id, version, grid) in &registered {
        if census.dispatches.get(id) == Some(&1) && !answered.contains(id) {
            let body = json!({ "action": "dispatch", "version": version, "grid": grid });
            let (status, answer) = again
                .api
                .post(&format!("/api/tickets/{id}/actions"), &body)
                .await
                .unwrap();
            assert_eq!(status, StatusCode::CONFLICT, "{answer}");
        }
    }
    let resumed = waiting.len();
    let log: Arc<Mutex<Vec<(i64, u64)>>> = Arc::default();
    dispatcher(again.api.clone(), waiting, Arc::clone(&log)).await;
    assert_eq!(log.lock().unwrap().len(), resumed);
    again.terminate().await;
    let after = db.census().await;
    println!(
        "RELIABILITY SIGKILL during dispatch ({}): {TERMINALS} terminals, {TICKETS} tickets, {} \
         dispatches answered before the kill, {} lost, {} doubled; {} dispatched in the database \
         ({} more than answered); {} resumed after restart; finally {} dispatched, {} twice",
        db.dialect(),
        acked.len(),
        lost.len(),
        doubled,
        dispatched,
        dispatched - acked.len(),
        resumed,
        after.dispatches.values().filter(|n| **n == 1).count(),
        after.dispatches.values().filter(|n| **n > 1).count()
    );
    assert!(lost.is_empty(), "answered but lost: {lost:?}");
    assert_eq!(doubled, 0);
    assert!(after.dispatches.values().all(|n| *n == 1));
    assert_eq!(after.tickets, TICKETS);
    assert!(
        after
            .rows
            .values()
            .all(|(state, _)| *state == binhe_core::ticket::TicketState::Dispatched)
    );
}

#[tokio::test]
async fn sigkill_while_terminals_dispatch_on_sqlite_loses_and_doubles_nothing() {
    kill_during_dispatch(false).await;
}

#[tokio::test]
async fn sigkill_while_terminals_dispatch_on_postgres_loses_and_doubles_nothing() {
    kill_during_dispatch(true).await;
}
