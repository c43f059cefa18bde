//! The center on PostgreSQL: two server processes on one database behind which terminals see
//! each other's work at once, in order and without gaps; a database that goes away and comes
//! back.
//!
//! The server comes from `BINHE_TEST_PG_URL` (a superuser URL; `make unit` starts a private
//! one and sets it). Without it these tests fail rather than skip.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use binhe_server::Database;
use binhe_testkit::ScratchDatabase;
use common::Harness;
use common::center::{Terminal, make_accounts, point_in, request_at};
use common::crash::ServerProcess;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

/// A `binhe-server serve --center` process, killed when dropped.
async fn center_process(database_url: &str) -> ServerProcess {
    ServerProcess::start(database_url, &["--center", "--insecure-http"]).await
}

async fn create_at(terminal: &Terminal, community: &str, n: usize) -> Value {
    let (lon, lat, _) = point_in(terminal, community, n).await;
    let (status, answer) = terminal
        .post("/api/tickets", request_at(lon, lat, "井盖缺失"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer["ticket"].clone()
}

#[tokio::test]
async fn two_server_processes_share_live_events_in_order_without_gaps() {
    let db = ScratchDatabase::on_test_server("c").await;
    let cast = make_accounts(&Database::Postgres(db.url().to_owned())).await;
    let (one, two) = tokio::join!(center_process(db.url()), center_process(db.url()));

    // One login is good on both processes: sessions live in the database.
    let watcher = Terminal::login(&one.api.base, "disp").await;
    let mut on_two = watcher.clone();
    on_two.base.clone_from(&two.api.base);
    assert_eq!(
        on_two.json("/api/session").await["account"]["login"],
        "disp"
    );
    let commander_on_two = Terminal::login(&two.api.base, "cmdr").await;

    let start = watcher.json("/api/tickets?scope=all&limit=1").await;
    assert_eq!(start["total"], 0);
    let mut everything = watcher.stream(Some(0)).await;
    let mut community_only = commander_on_two.stream(Some(0)).await;

    // Dispatchers on both processes take in requests at the same time, each in a micro-grid
    // of its own (no duplicates to merge).
    let writer_one = Terminal::login(&one.api.base, "disp").await;
    let writer_two = Terminal::login(&two.api.base, "disp").await;
    let per_writer = 12;
    let work = |terminal: Terminal, community: String| async move {
        let mut created = Vec::new();
        for n in 0..per_writer {
            let ticket = create_at(&terminal, &community, n).await;
            let (status, answer) = terminal
                .post(
                    &format!("/api/tickets/{}/actions", ticket["id"]),
                    json!({ "action": "register", "version": ticket["version"] }),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{answer}");
            created.push(ticket["id"].as_i64().unwrap());
        }
        created
    };
    let (from_one, from_two) = tokio::join!(
        work(writer_one, cast.community.clone()),
        work(writer_two, cast.other_community.clone())
    );

    // The terminal on process one sees every event of both, ids consecutive.
    let seen = everything.take(per_writer * 4).await;
    let ids: Vec<i64> = seen
        .iter()
        .map(|e| e["event_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        (1..=(per_writer as i64 * 4)).collect::<Vec<_>>(),
        "in order, no gaps"
    );
    let from_two_seen = seen
        .iter()
        .filter(|e| from_two.contains(&e["ticket_id"].as_i64().unwrap()))
        .count();
    assert_eq!(
        from_two_seen,
        per_writer * 2,
        "what process two did, process one showed"
    );
    assert!(
        everything
            .next_within(Duration::from_millis(500))
            .await
            .is_none(),
        "nothing twice"
    );

    // The commander on process two sees their community's events only, in log order.
    let scoped = community_only.take(per_writer * 2).await;
    assert!(
        scoped
            .iter()
            .all(|e| from_one.contains(&e["ticket_id"].as_i64().unwrap())),
        "only tickets of their community"
    );
    let scoped_ids: Vec<i64> = scoped
        .iter()
        .map(|e| e["event_id"].as_i64().unwrap())
        .collect();
    assert!(scoped_ids.windows(2).all(|w| w[0] < w[1]));
    assert!(
        community_only
            .next_within(Duration::from_millis(500))
            .await
            .is_none()
    );

    // A terminal that drops out and comes back gets exactly what it missed.
    drop(everything);
    let last = *ids.last().unwrap();
    let again = Terminal::login(&two.api.base, "disp").await;
    let missed = create_at(&again, &cast.community, per_writer + 2).await;
    let mut resumed = watcher.stream(Some(last)).await;
    let caught = resumed.take(1).await;
    assert_eq!(
        (
            caught[0]["event_id"].as_i64(),
            caught[0]["ticket_id"].clone()
        ),
        (Some(last + 1), missed["id"].clone())
    );
    assert!(
        resumed
            .next_within(Duration::from_millis(500))
            .await
            .is_none()
    );
    // Process one is idle now: only PostgreSQL's notice can bring it process two's next event.
    let pushed = create_at(&again, &cast.community, per_writer + 3).await;
    let arrived = resumed.take(1).await;
    assert_eq!(
        arrived[0]["ticket_id"], pushed["id"],
        "pushed across processes"
    );

    // Settings changed on one process hold on the other.
    let mut sla = on_two.json("/api/sla").await;
    sla["contact_hours"] = json!(12.0);
    let (status, answer) = on_two.call(Method::PUT, "/api/sla", Some(sla)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let mut followed = false;
    for _ in 0..50 {
        if watcher.json("/api/sla").await["contact_hours"] == 12.0 {
            followed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(followed, "process one took process two's SLA table");

    drop((one, two));
}

/// A TCP relay to the database that can be cut and restored, as a network or database outage.
struct Outage {
    port: u16,
    up: Arc<AtomicBool>,
    connections: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Outage {
    async fn relay_to(target: std::net::SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (flag, tasks) = (Arc::clone(&up), Arc::clone(&connections));
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if !flag.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(task);
            }
        });
        Self {
            port,
            up,
            connections,
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn the_server_stays_up_while_the_database_is_away_and_recovers() {
    let db = ScratchDatabase::on_test_server("c").await;
    let cast = make_accounts(&Database::Postgres(db.url().to_owned())).await;
    let target_url = url::Url::parse(db.url()).unwrap();
    let target = tokio::net::lookup_host((
        target_url.host_str().unwrap(),
        target_url.port().unwrap_or(5432),
    ))
    .await
    .unwrap()
    .next()
    .unwrap();
    let outage = Outage::relay_to(target).await;
    let mut relayed = target_url.clone();
    relayed.set_host(Some("127.0.0.1")).unwrap();
    relayed.set_port(Some(outage.port)).unwrap();
    let center = Harness::center(Database::Postgres(relayed.into())).await;
    let disp = Terminal::login(&center.base(), "disp").await;
    let before = create_at(&disp, &cast.community, 0).await;
    let (lon, lat) = (
        before["lon"].as_f64().unwrap(),
        before["lat"].as_f64().unwrap(),
    );

    outage.cut();
    let (status, answer) = disp
        .post("/api/tickets", request_at(lon, lat, "停电期间的工单"))
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(answer["error"]["code"], "STORE_FAILED");
    assert!(
        answer["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("数据库")
    );
    let (status, _) = disp.get("/api/tickets").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _) = Terminal::anonymous(&center.base()).get("/api/health").await;
    assert_eq!(status, StatusCode::OK, "the server itself stays up");

    outage.restore();
    let mut recovered = None;
    for _ in 0..100 {
        let (status, answer) = disp.get("/api/tickets?scope=all").await;
        if status == StatusCode::OK {
            recovered = Some(answer);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let listed = recovered.expect("answers again within 10 s of the database's return");
    assert_eq!(listed["total"], 1, "the refused request stored nothing");
    create_at(&disp, &cast.community, 1).await;
    assert_eq!(disp.json("/api/tickets?scope=all").await["total"], 2);

    center.server.shutdown().await;
}
