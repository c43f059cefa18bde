//! The conformance checks on a PostgreSQL server, each in a database of its own, and what only
//! PostgreSQL promises: several server processes writing to one database.
//!
//! The server comes from `BINHE_TEST_PG_URL` (a superuser URL; `make unit` starts a private
//! server and sets it). Without it these tests fail rather than skip.

mod conformance;

use std::time::Duration;

use binhe_core::ticket::lifecycle::Command;
use binhe_store::{PgStore, StoreError, TicketRepository, TicketUpdate};
use binhe_testkit::ScratchDatabase;
use conformance::{Fixture, dispatcher, new_ticket};

/// A database made for one test on the server under test, dropped with the fixture.
struct Database(ScratchDatabase);

impl Fixture for Database {
    type Store = PgStore;

    async fn create() -> Self {
        Self(ScratchDatabase::on_test_server("t").await)
    }

    async fn open(&self) -> PgStore {
        PgStore::connect(self.0.url()).await.unwrap()
    }

    async fn close(store: PgStore) {
        store.close().await;
    }
}

conformance::tests!(Database);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_appending_at_once_leave_a_gapless_event_log_in_commit_order() {
    const TICKETS_EACH: i64 = 5;
    const ROUNDS: usize = 20;
    let database = Database::create().await;
    let servers = [database.open().await, database.open().await];
    let batch: Vec<_> = (1..=2 * TICKETS_EACH)
        .map(|id| new_ticket(id, None, true, id))
        .collect();
    servers[0].insert_tickets(&batch).await.unwrap();

    // Each server keeps contacting the reporters of its own tickets, five updates per call.
    let run = |server: usize| {
        let store = servers[server].clone();
        let mut tickets: Vec<_> = batch
            .iter()
            .filter(|n| n.ticket.id % 2 == i64::try_from(server).unwrap())
            .map(|n| n.ticket.clone())
            .collect();
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for _ in 0..ROUNDS {
                let updates: Vec<TicketUpdate> = tickets
                    .iter_mut()
                    .map(|ticket| {
                        let expected_version = ticket.version;
                        let now = ticket.updated_at + chrono::Duration::minutes(1);
                        let contact = ticket
                            .execute(None, &Command::Contact { note: None }, &dispatcher(), now)
                            .unwrap();
                        TicketUpdate {
                            expected_version,
                            ticket: ticket.clone(),
                            events: vec![contact],
                        }
                    })
                    .collect();
                let stored = store.append(&updates).await.unwrap();
                ids.extend(stored.iter().map(|e| e.id));
            }
            ids
        })
    };
    let (first, second) = tokio::join!(run(0), run(1));
    let (first, second) = (first.unwrap(), second.unwrap());

    for ids in [&first, &second] {
        assert!(ids.is_sorted(), "each server sees its ids rise: {ids:?}");
    }
    let total = 2 * TICKETS_EACH as usize * (ROUNDS + 1);
    let log = servers[1].events_after(0, 10_000).await.unwrap();
    let log_ids: Vec<i64> = log.iter().map(|e| e.id).collect();
    assert_eq!(log_ids, (1..=total as i64).collect::<Vec<_>>(), "gapless");
    let mut handed_out: Vec<i64> = first.iter().chain(&second).copied().collect();
    handed_out.sort_unstable();
    assert_eq!(
        handed_out,
        log_ids[2 * TICKETS_EACH as usize..],
        "each id once"
    );
    for id in 1..=2 * TICKETS_EACH {
        let versions: Vec<u32> = servers[0]
            .events(id)
            .await
            .unwrap()
            .iter()
            .map(|e| e.event.version)
            .collect();
        assert_eq!(versions, (1..=1 + ROUNDS as u32).collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn an_unreachable_server_is_named_without_its_password() {
    let error = tokio::time::timeout(
        Duration::from_secs(30),
        PgStore::connect("postgres://binhe:s3cret@127.0.0.1:1/center"),
    )
    .await
    .expect("a refused connection is reported at once")
    .unwrap_err();
    assert!(matches!(error, StoreError::Open { .. }), "{error:?}");
    let shown = error.to_string();
    assert!(
        shown.contains("postgres://binhe@127.0.0.1:1/center"),
        "{shown}"
    );
    assert!(!shown.contains("s3cret"), "{shown}");
}

/// The URL of `database`'s store kept in `schema` (the standard `options` parameter).
fn in_schema(database: &Database, schema: &str) -> String {
    let mut url = url::Url::parse(database.0.url()).unwrap();
    url.query_pairs_mut()
        .append_pair("options", &format!("-c search_path={schema}"));
    url.into()
}

#[tokio::test]
async fn stores_in_schemas_of_one_database_keep_their_own_ids_and_logs() {
    let database = Database::create().await;
    let (first, second) = (
        PgStore::connect(&in_schema(&database, "street_110117001"))
            .await
            .unwrap(),
        PgStore::connect(&in_schema(&database, "street_110117002"))
            .await
            .unwrap(),
    );
    // The same ticket id and event ids in each: they are per street.
    first
        .insert_tickets(&[new_ticket(1, Some("A-1"), true, 0)])
        .await
        .unwrap();
    second
        .insert_tickets(&[
            new_ticket(1, Some("B-1"), true, 0),
            new_ticket(2, Some("B-2"), false, 1),
        ])
        .await
        .unwrap();
    assert_eq!(first.last_event_id().await.unwrap(), 1);
    assert_eq!(second.last_event_id().await.unwrap(), 2);
    let external = |store: &PgStore| {
        let store = store.clone();
        async move { store.ticket(1).await.unwrap().unwrap().external_id.unwrap() }
    };
    assert_eq!(external(&first).await, "A-1");
    assert_eq!(external(&second).await, "B-1");
    first.close().await;

    // Opened again, the schema and its migrations are found; nothing went to `public`.
    let again = PgStore::connect(&in_schema(&database, "street_110117001"))
        .await
        .unwrap();
    assert_eq!(again.last_event_id().await.unwrap(), 1);
    let mut conn = binhe_testkit::connect(database.0.url()).await;
    let tables: Vec<(String, i64)> = sqlx::query_as(
        "SELECT schemaname::text, count(*) FROM pg_tables \
         WHERE tablename IN ('tickets', '_sqlx_migrations') GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        tables,
        [
            ("street_110117001".to_owned(), 2),
            ("street_110117002".to_owned(), 2)
        ]
    );
    again.close().await;
    second.close().await;
}
