//! The ticket tables on a real SQLite file: new tickets with their events, the optimistic
//! version check, lists, upstream order numbers, the event log and the settings. Written
//! against `TicketRepository` so the PostgreSQL backend can run the same checks.

use binhe_core::GridCode;
use binhe_core::ticket::intake::{Intake, IntakeLocation};
use binhe_core::ticket::lifecycle::{self, Command};
use binhe_core::ticket::routing::Routing;
use binhe_core::ticket::{
    Actor, ActorRole, Assignment, Catalogue, Channel, Point, SlaTable, Ticket, TicketState, Urgency,
};
use binhe_store::{
    NewTicket, SqliteStore, StoreError, TicketFilter, TicketRepository, TicketScope, TicketUpdate,
};
use chrono::{Duration, TimeZone, Utc};

fn community() -> GridCode {
    GridCode::street("110117", 1).community(3)
}

fn new_ticket(id: i64, external_id: Option<&str>, routed: bool, minutes: i64) -> NewTicket {
    let received_at =
        Utc.with_ymd_and_hms(2026, 11, 28, 1, 0, 0).unwrap() + Duration::minutes(minutes);
    let intake = Intake {
        channel: Channel::Hotline,
        external_id: external_id.map(str::to_owned),
        category: "noise".to_owned(),
        description: "夜间施工噪音 '; DROP TABLE tickets; --".to_owned(),
        location: IntakeLocation::Point(Point {
            lon: 117.12,
            lat: 40.14,
        }),
        address: None,
        reporter_name: Some("李女士".to_owned()),
        reporter_phone: None,
        urgency: Urgency::Normal,
        received_at,
        source_ref: None,
    };
    let routing = Routing {
        community: routed.then(community),
        micro: routed.then(|| community().micro(4)),
        unit: None,
        unrouted: None,
    };
    let mut receipt = lifecycle::receipt(
        intake,
        Some(Point {
            lon: 117.12,
            lat: 40.14,
        }),
        routing,
        (
            received_at + Duration::hours(24),
            received_at + Duration::days(7),
        ),
        &Actor::system(),
    );
    receipt.ticket_id = id;
    NewTicket {
        ticket: Ticket::received(&receipt).unwrap(),
        events: vec![receipt],
    }
}

fn dispatcher() -> Actor {
    Actor {
        id: "d".to_owned(),
        name: "调度员".to_owned(),
        role: ActorRole::Dispatcher,
    }
}

async fn open_store(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(&dir.path().join("tickets.sqlite"))
        .await
        .unwrap()
}

fn all() -> TicketFilter {
    TicketFilter {
        scope: TicketScope::All,
        limit: 100,
        ..TicketFilter::default()
    }
}

#[tokio::test]
async fn new_tickets_and_their_events_survive_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir).await;
    let ids = store.reserve_ticket_ids(2).await.unwrap();
    assert_eq!(ids, [1, 2]);
    let batch = vec![
        new_ticket(ids[0], Some("A-1"), true, 0),
        new_ticket(ids[1], None, false, 5),
    ];
    let stored = store.insert_tickets(&batch).await.unwrap();
    assert_eq!(stored.iter().map(|e| e.id).collect::<Vec<_>>(), [1, 2]);
    store.close().await;

    let store = open_store(&dir).await;
    assert_eq!(
        store.reserve_ticket_ids(1).await.unwrap(),
        [3],
        "ids continue after reopening"
    );
    let ticket = store.ticket(1).await.unwrap().unwrap();
    assert_eq!(ticket, batch[0].ticket);
    assert!(
        ticket.description.contains("DROP TABLE"),
        "stored verbatim, harmless"
    );
    let events = store.events(1).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event, batch[0].events[0]);
    assert_eq!(store.last_event_id().await.unwrap(), 2);
    assert_eq!(
        store.events_after(1, 10).await.unwrap()[0].event.ticket_id,
        2
    );
}

#[tokio::test]
async fn an_upstream_order_number_is_stored_once_and_a_failed_batch_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir).await;
    store
        .insert_tickets(&[new_ticket(1, Some("A-1"), true, 0)])
        .await
        .unwrap();
    let found = store
        .existing_external(&[
            (Channel::Hotline, "A-1".to_owned()),
            (Channel::Patrol, "A-1".to_owned()),
            (Channel::Hotline, "B-9".to_owned()),
        ])
        .await
        .unwrap();
    assert_eq!(found, [((Channel::Hotline, "A-1".to_owned()), 1)]);
    // The second ticket repeats the first's order number: the whole batch is refused.
    let refused = store
        .insert_tickets(&[
            new_ticket(2, Some("C-1"), true, 1),
            new_ticket(3, Some("A-1"), true, 2),
        ])
        .await;
    assert!(
        matches!(refused, Err(StoreError::Query { .. })),
        "{refused:?}"
    );
    assert!(store.ticket(2).await.unwrap().is_none());
    assert_eq!(store.last_event_id().await.unwrap(), 1);
}

#[tokio::test]
async fn appending_checks_the_version_and_a_conflict_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir).await;
    store
        .insert_tickets(&[new_ticket(1, None, true, 0)])
        .await
        .unwrap();
    let mut ticket = store.ticket(1).await.unwrap().unwrap();
    let now = ticket.received_at + Duration::minutes(3);
    let register = ticket
        .execute(None, &Command::Register { note: None }, &dispatcher(), now)
        .unwrap();
    let dispatch = ticket
        .execute(
            Some(&register),
            &Command::Dispatch {
                assignment: Assignment {
                    grid: Some(community().micro(4)),
                    grid_name: "四号网格".to_owned(),
                    worker_id: Some("W1".to_owned()),
                    worker_name: Some("张三".to_owned()),
                },
            },
            &dispatcher(),
            now,
        )
        .unwrap();
    let update = TicketUpdate {
        expected_version: 1,
        ticket: ticket.clone(),
        events: vec![register, dispatch],
    };
    let stored = store.append(std::slice::from_ref(&update)).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(store.ticket(1).await.unwrap().unwrap(), ticket);

    // The same update again was made against version 1; the ticket is at 3 now.
    let conflict = store.append(&[update]).await.unwrap_err();
    assert!(matches!(
        conflict,
        StoreError::Conflict {
            id: 1,
            expected: 1,
            actual: 3
        }
    ));
    assert_eq!(store.events(1).await.unwrap().len(), 3);
    let load = store
        .open_load(&["W1".to_owned(), "W2".to_owned()])
        .await
        .unwrap();
    assert_eq!(load, [("W1".to_owned(), 1)]);
}

#[tokio::test]
async fn lists_filter_by_scope_state_and_community_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir).await;
    let mut batch: Vec<NewTicket> = (1..=4)
        .map(|id| new_ticket(id, None, id != 4, id * 10))
        .collect();
    let flag = binhe_core::ticket::DuplicateFlag {
        of: 1,
        distance_m: 30.0,
    };
    let flagged = batch[1]
        .ticket
        .execute(
            None,
            &Command::FlagDuplicate { flag },
            &Actor::system(),
            Utc::now(),
        )
        .unwrap();
    batch[1].events.push(flagged);
    let merged = batch[2]
        .ticket
        .execute(
            None,
            &Command::Merge {
                into: 1,
                distance_m: Some(4.0),
            },
            &Actor::system(),
            Utc::now(),
        )
        .unwrap();
    batch[2].events.push(merged);
    store.insert_tickets(&batch).await.unwrap();

    let ids = |listed: Vec<binhe_store::ListedTicket>| {
        listed.iter().map(|l| l.ticket.id).collect::<Vec<_>>()
    };
    let (listed, total) = store.list(&all()).await.unwrap();
    assert_eq!((ids(listed.clone()), total), (vec![4, 3, 2, 1], 4));
    assert_eq!(
        listed.iter().find(|l| l.ticket.id == 1).unwrap().duplicates,
        1
    );
    let open = |scope| TicketFilter {
        scope,
        limit: 100,
        ..TicketFilter::default()
    };
    assert_eq!(
        ids(store.list(&open(TicketScope::Open)).await.unwrap().0),
        [4, 2, 1]
    );
    assert_eq!(
        ids(store.list(&open(TicketScope::Unrouted)).await.unwrap().0),
        [4]
    );
    assert_eq!(
        ids(store.list(&open(TicketScope::Flagged)).await.unwrap().0),
        [2]
    );
    let merged_only = TicketFilter {
        state: Some(TicketState::Merged),
        ..all()
    };
    assert_eq!(ids(store.list(&merged_only).await.unwrap().0), [3]);
    let in_community = TicketFilter {
        community: Some(community()),
        limit: 2,
        ..all()
    };
    let (page, total) = store.list(&in_community).await.unwrap();
    assert_eq!((ids(page), total), (vec![3, 2], 3));
    assert_eq!(store.duplicates_of(1).await.unwrap()[0].id, 3);
    assert_eq!(store.open_located().await.unwrap().len(), 3);
}

#[tokio::test]
async fn catalogue_and_sla_table_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir).await;
    assert!(store.load_catalogue().await.unwrap().is_none());
    let mut catalogue = Catalogue::defaults();
    catalogue.categories.truncate(3);
    store.save_catalogue(&catalogue).await.unwrap();
    store.save_catalogue(&catalogue).await.unwrap();
    assert_eq!(store.load_catalogue().await.unwrap(), Some(catalogue));
    let mut table = SlaTable::defaults();
    table.contact_hours = 12.0;
    store.save_sla(&table).await.unwrap();
    assert_eq!(store.load_sla().await.unwrap(), Some(table));
}
