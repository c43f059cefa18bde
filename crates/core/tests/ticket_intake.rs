//! Intake checks and routing on the demo street: every channel's request is either taken in and
//! placed, or refused with each wrong field named in Chinese and English.

use binhe_core::demo::{self, DEFAULT_SEED};
use binhe_core::ticket::intake::{IntakeLocation, IntakeRequest, parse_time, validate};
use binhe_core::ticket::routing::{UnroutedReason, route};
use binhe_core::ticket::{Catalogue, Channel, Urgency};
use binhe_core::{GridHierarchy, GridLevel, GridLocator};
use chrono::{TimeZone, Utc};
use geo::InteriorPoint;

fn street() -> (GridHierarchy, GridLocator) {
    let hierarchy = demo::generate(DEFAULT_SEED).hierarchy;
    let locator = GridLocator::new(&hierarchy);
    (hierarchy, locator)
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 2, 0, 0).unwrap()
}

fn hotline(lon: f64, lat: f64) -> IntakeRequest {
    IntakeRequest {
        channel: Some("12345热线".to_owned()),
        external_id: Some("12345-20261128-000001".to_owned()),
        category: Some("井盖破损".to_owned()),
        description: Some("井盖破损，有行人绊倒风险".to_owned()),
        lon: Some(lon),
        lat: Some(lat),
        reporter_phone: Some("138 0000 0000".to_owned()),
        urgency: Some("紧急".to_owned()),
        received_at: Some("2026-11-28 09:30".to_owned()),
        ..IntakeRequest::default()
    }
}

#[test]
fn hotline_order_in_a_micro_grid_is_taken_in_and_routed_there() {
    let (h, locator) = street();
    let micro = h.at_level(GridLevel::Micro).nth(40).unwrap();
    let inside = h.get(micro).shape.interior_point().unwrap();
    let intake = validate(
        &hotline(inside.x(), inside.y()),
        &Catalogue::defaults(),
        &h,
        now(),
    )
    .unwrap();
    assert_eq!(intake.channel, Channel::Hotline);
    assert_eq!(intake.category, "manhole_cover");
    assert_eq!(intake.urgency, Urgency::Urgent);
    // 09:30 Beijing time is 01:30 UTC.
    assert_eq!(
        intake.received_at,
        Utc.with_ymd_and_hms(2026, 11, 28, 1, 30, 0).unwrap()
    );
    let (_, routing) = route(&intake.location, &h, &locator);
    assert_eq!(routing.micro.as_ref(), Some(&h.get(micro).code));
    assert_eq!(routing.community, h.get(micro).code.community_code());
    assert!(routing.unrouted.is_none());
}

#[test]
fn every_wrong_field_is_named_at_once() {
    let (h, _) = street();
    let request = IntakeRequest {
        channel: Some("传真".to_owned()),
        category: Some("不存在的类别".to_owned()),
        description: Some("x".repeat(2001)),
        lon: Some(f64::NAN),
        lat: Some(95.0),
        reporter_phone: Some("call me".to_owned()),
        urgency: Some("very".to_owned()),
        received_at: Some("2030-01-01 00:00".to_owned()),
        ..IntakeRequest::default()
    };
    let problems = validate(&request, &Catalogue::defaults(), &h, now()).unwrap_err();
    let codes: Vec<(&str, &str)> = problems
        .iter()
        .map(|p| (p.field.as_str(), p.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("channel", "UNKNOWN_CHANNEL"),
            ("category", "UNKNOWN_CATEGORY"),
            ("description", "TEXT_TOO_LONG"),
            ("lon", "INVALID_COORDINATE"),
            ("lat", "INVALID_COORDINATE"),
            ("reporter_phone", "INVALID_PHONE"),
            ("urgency", "INVALID_URGENCY"),
            ("received_at", "FUTURE_TIME"),
        ]
    );
    assert!(problems.iter().all(|p| !p.message_zh.is_empty()));
    assert!(problems[2].message_zh.contains("2001"));
}

#[test]
fn missing_fields_and_locations_are_reported_by_name() {
    let (h, _) = street();
    let request = IntakeRequest {
        channel: Some("hotline".to_owned()),
        ..IntakeRequest::default()
    };
    let problems = validate(&request, &Catalogue::defaults(), &h, now()).unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        ["external_id", "category", "description", "location"]
    );
    let half = IntakeRequest {
        lon: Some(117.1),
        ..hotline(0.0, 0.0)
    };
    let half = IntakeRequest { lat: None, ..half };
    let problems = validate(&half, &Catalogue::defaults(), &h, now()).unwrap_err();
    assert_eq!(problems[0].field, "lat");
    assert_eq!(problems[0].code, "MISSING_FIELD");
}

#[test]
fn unknown_and_malformed_grid_codes_are_refused() {
    let (h, _) = street();
    let by_code = |code: &str| IntakeRequest {
        lon: None,
        lat: None,
        grid_code: Some(code.to_owned()),
        ..hotline(0.0, 0.0)
    };
    let problems = validate(
        &by_code("110117001999999"),
        &Catalogue::defaults(),
        &h,
        now(),
    )
    .unwrap_err();
    assert_eq!(problems[0].code, "UNKNOWN_GRID");
    let problems = validate(&by_code("11x"), &Catalogue::defaults(), &h, now()).unwrap_err();
    assert_eq!(problems[0].code, "MALFORMED_CODE");
}

#[test]
fn points_outside_the_street_and_unknown_addresses_go_to_the_unrouted_queue() {
    let (h, locator) = street();
    let intake = validate(&hotline(116.40, 39.90), &Catalogue::defaults(), &h, now()).unwrap();
    let (point, routing) = route(&intake.location, &h, &locator);
    assert!(
        point.is_some(),
        "the reported point is kept for the dispatcher"
    );
    assert_eq!(routing.unrouted, Some(UnroutedReason::OutsideStreet));
    assert!(!routing.is_routed());

    let nowhere = IntakeLocation::Address {
        text: "朝阳区某路 1 号".to_owned(),
    };
    assert_eq!(
        route(&nowhere, &h, &locator).1.unrouted,
        Some(UnroutedReason::AddressNotFound)
    );
}

#[test]
fn an_address_naming_a_micro_grid_is_placed_in_it() {
    let (h, locator) = street();
    let micro = h.get(h.at_level(GridLevel::Micro).nth(100).unwrap());
    let address = IntakeLocation::Address {
        text: format!("平谷区滨河街道{}东侧", micro.name),
    };
    let (point, routing) = route(&address, &h, &locator);
    assert!(
        routing
            .finest()
            .is_some_and(|c| c.as_str().starts_with(micro.code.as_str()))
    );
    let point = point.expect("a named grid gives a point inside it");
    assert_eq!(
        locator
            .micro_at(point.lon, point.lat)
            .map(|i| &h.get(i).code),
        Some(&micro.code)
    );
}

#[test]
fn receipt_times_read_as_beijing_wall_clock_or_rfc3339() {
    let expected = Utc.with_ymd_and_hms(2026, 11, 27, 16, 5, 0).unwrap();
    assert_eq!(parse_time("2026-11-28 00:05"), Some(expected));
    assert_eq!(parse_time("2026/11/28 00:05:00"), Some(expected));
    assert_eq!(parse_time("2026-11-27T16:05:00Z"), Some(expected));
    assert_eq!(parse_time("yesterday"), None);
}
