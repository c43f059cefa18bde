//! Requests stored straight into a test's SQLite database as the intake receives them (reported,
//! not yet dispatched): a history faster than the API would take it in; and the check of a
//! request refused field by field.

use binhe_core::GridCode;
use binhe_core::ticket::intake::Intake;
use binhe_core::ticket::lifecycle;
use binhe_core::ticket::routing::Routing;
use binhe_core::ticket::{Actor, Channel, Point, Ticket};
use binhe_server::Database;
use binhe_store::{NewTicket, SqliteStore, TicketRepository};
use chrono::{DateTime, Duration, Utc};

/// One hotline request of `category` received at `at`, at `point` in `micro` of `community`.
pub struct Received<'a> {
    pub micro: &'a str,
    pub community: &'a str,
    pub point: Point,
    pub category: &'a str,
    pub at: DateTime<Utc>,
}

/// Stores `requests` (the server is not running on `database` meanwhile).
pub async fn store_received(database: &Database, requests: &[Received<'_>]) {
    let Database::Sqlite(path) = database else {
        unreachable!("SQLite here")
    };
    let store = SqliteStore::open(path).await.unwrap();
    let ids = store.reserve_ticket_ids(requests.len()).await.unwrap();
    let batch: Vec<NewTicket> = requests
        .iter()
        .zip(ids)
        .map(|(r, id)| {
            let intake = Intake::at_point(Channel::Hotline, r.category, "测试诉求", r.point, r.at);
            let routing = Routing {
                community: Some(GridCode::parse(r.community).unwrap()),
                micro: Some(GridCode::parse(r.micro).unwrap()),
                unit: None,
                unrouted: None,
            };
            let mut receipt = lifecycle::receipt(
                intake,
                Some(r.point),
                routing,
                (r.at + Duration::hours(24), r.at + Duration::days(7)),
                &Actor::system(),
            );
            receipt.ticket_id = id;
            NewTicket {
                ticket: Ticket::received(&receipt).unwrap(),
                events: vec![receipt],
            }
        })
        .collect();
    for chunk in batch.chunks(1000) {
        store.insert_tickets(chunk).await.unwrap();
    }
    store.close().await;
}

/// Checks a refusal of something wrong in several ways: 400 with `code`, its problems naming
/// `fields` in this order, and a Chinese message holding `zh`.
pub fn assert_refused_by_field(
    (status, refused): (reqwest::StatusCode, &serde_json::Value),
    code: &str,
    fields: &[&str],
    zh: &str,
) {
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["error"]["code"], code, "{refused}");
    let named: Vec<&str> = refused["error"]["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("problems: {refused}"))
        .iter()
        .map(|p| p["field"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(named, fields, "{refused}");
    let message = refused["error"]["message_zh"].as_str().unwrap_or_default();
    assert!(message.contains(zh), "{message:?} lacks {zh:?}");
}
