//! The demo feed produces requests the intake takes, in the channel mix, places, repeats and
//! daily rhythm of a real street, and the same ones for the same seed.

use std::sync::OnceLock;

use binhe_core::demo::{self, DEFAULT_SEED, DemoDataset};
use binhe_core::geometry::LocalProjection;
use binhe_core::ticket::demo_feed::TicketGenerator;
use binhe_core::ticket::intake::{self, Intake, IntakeLocation};
use binhe_core::ticket::routing::{self, Routing};
use binhe_core::ticket::{
    Catalogue, Category, Channel, IntakeRequest, SlaClass, UnroutedReason, Urgency,
};
use binhe_core::{GridLevel, GridLocator, WorkerKind};
use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use geo::Coord;

const COUNT: usize = 5_000;
const PER_HOUR: f64 = 10.0;
const FEED_SEED: u64 = 42;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()
}

/// Late enough that no generated receipt time is in the future.
fn now() -> DateTime<Utc> {
    start() + Duration::days(3_650)
}

struct Sample {
    dataset: DemoDataset,
    catalogue: Catalogue,
    requests: Vec<IntakeRequest>,
    intakes: Vec<Intake>,
    routings: Vec<Routing>,
}

/// 5,000 requests from the demo street, validated and routed once for all tests.
fn sample() -> &'static Sample {
    static SAMPLE: OnceLock<Sample> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let dataset = demo::generate(DEFAULT_SEED);
        let catalogue = Catalogue::defaults();
        let requests = TicketGenerator::new(FEED_SEED, &dataset.hierarchy, &catalogue).history(
            start(),
            COUNT,
            PER_HOUR,
        );
        let intakes: Vec<Intake> = requests
            .iter()
            .map(|r| {
                intake::validate(r, &catalogue, &dataset.hierarchy, now())
                    .unwrap_or_else(|problems| panic!("{r:?} rejected: {problems:?}"))
            })
            .collect();
        let locator = GridLocator::new(&dataset.hierarchy);
        let routings = intakes
            .iter()
            .map(|i| routing::route(&i.location, &dataset.hierarchy, &locator).1)
            .collect();
        Sample {
            dataset,
            catalogue,
            requests,
            intakes,
            routings,
        }
    })
}

fn point_of(intake: &Intake) -> Option<Coord<f64>> {
    match intake.location {
        IntakeLocation::Point(p) => Some(Coord { x: p.lon, y: p.lat }),
        _ => None,
    }
}

fn share(part: usize, whole: usize) -> f64 {
    part as f64 / whole as f64
}

#[test]
fn same_seed_gives_the_same_requests() {
    let dataset = demo::generate(DEFAULT_SEED);
    let catalogue = Catalogue::defaults();
    let run = |seed| {
        let mut feed = TicketGenerator::new(seed, &dataset.hierarchy, &catalogue);
        let mut requests = feed.history(start(), 300, 30.0);
        let later = start() + Duration::days(2);
        let gap = feed.next_gap(later, 30.0);
        requests.push(feed.request_at(later + gap));
        requests
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}

#[test]
fn every_generated_request_passes_intake() {
    let s = sample();
    assert_eq!(s.intakes.len(), COUNT);
    for (request, intake) in s.requests.iter().zip(&s.intakes) {
        let at = intake::parse_time(request.received_at.as_deref().unwrap()).unwrap();
        assert_eq!(intake.received_at, at);
        assert!(request.description.as_deref().unwrap().chars().count() < 120);
    }
    let times: Vec<_> = s.intakes.iter().map(|i| i.received_at).collect();
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "history is in time order"
    );
}

#[test]
fn hotline_and_referral_orders_carry_unique_order_numbers() {
    let s = sample();
    let mut seen = std::collections::HashSet::new();
    for intake in &s.intakes {
        let id = intake.external_id.as_deref();
        match intake.channel {
            Channel::Hotline => {
                let id = id.expect("a hotline order has its 12345 number");
                let parts: Vec<&str> = id.split('-').collect();
                assert_eq!(parts.len(), 3, "{id}");
                assert_eq!(parts[0], "12345");
                assert!(parts[1].len() == 8 && parts[2].len() >= 6, "{id}");
                let name = intake.reporter_name.as_deref().unwrap();
                assert!(name.ends_with("先生") || name.ends_with("女士"), "{name}");
                let phone = intake.reporter_phone.as_deref().unwrap();
                assert_eq!(&phone[3..7], "****", "masked phone {phone}");
            }
            Channel::Referral => {
                let id = id.expect("a referral has its document number");
                let year = intake.received_at.with_timezone(&intake::beijing()).year();
                assert!(id.starts_with(&format!("交办-{year}-")), "{id}");
            }
            _ => assert!(id.is_none()),
        }
        if let Some(id) = id {
            assert!(seen.insert(id.to_owned()), "order number {id} repeated");
        }
    }
}

/// The micro-grid a request was generated for: the longest micro-grid name its description
/// mentions, as the address matcher would pick it.
fn named_micro<'a>(dataset: &'a DemoDataset, description: &str) -> Option<&'a str> {
    let h = &dataset.hierarchy;
    h.at_level(GridLevel::Micro)
        .map(|i| h.get(i).name.as_str())
        .filter(|name| description.contains(name))
        .max_by_key(|name| name.chars().count())
}

#[test]
fn points_route_to_the_micro_grid_they_were_generated_for() {
    let s = sample();
    let h = &s.dataset.hierarchy;
    let mut by_address = 0;
    for (intake, routing) in s.intakes.iter().zip(&s.routings) {
        if let Some(name) = named_micro(&s.dataset, &intake.description) {
            let micro = routing
                .micro
                .as_ref()
                .unwrap_or_else(|| panic!("{intake:?} not routed: {routing:?}"));
            assert_eq!(h.by_code(micro).unwrap().name, name, "{intake:?}");
            if matches!(intake.location, IntakeLocation::Address { .. }) {
                by_address += 1;
            }
        } else {
            assert!(point_of(intake).is_some(), "{intake:?}");
            assert_eq!(routing.unrouted, Some(UnroutedReason::OutsideStreet));
        }
    }
    let hotline = s
        .intakes
        .iter()
        .filter(|i| i.channel == Channel::Hotline)
        .count();
    let address_share = share(by_address, hotline);
    assert!(
        (0.03..=0.07).contains(&address_share),
        "address-only hotline share {address_share}"
    );
}

#[test]
fn channel_shares_match_the_intake_mix() {
    let s = sample();
    for (channel, target) in [
        (Channel::Hotline, 0.45),
        (Channel::Patrol, 0.30),
        (Channel::Camera, 0.10),
        (Channel::Resident, 0.12),
        (Channel::Referral, 0.03),
    ] {
        let count = s.intakes.iter().filter(|i| i.channel == channel).count();
        let measured = share(count, COUNT);
        assert!(
            (measured - target).abs() <= 0.03,
            "{channel:?}: {measured} against {target}"
        );
    }
}

#[test]
fn about_twelve_percent_repeat_a_recent_nearby_problem() {
    let s = sample();
    let projection = LocalProjection::centred_on(s.dataset.hierarchy.street().bbox());
    let window = Duration::hours(4);
    let mut repeats = 0;
    for (k, intake) in s.intakes.iter().enumerate() {
        let Some(here) = point_of(intake).map(|p| projection.to_metres(p)) else {
            continue;
        };
        // History is in time order, so earlier requests within the window sit just before.
        let repeats_one = s.intakes[..k]
            .iter()
            .rev()
            .take_while(|e| intake.received_at - e.received_at <= window)
            .filter(|e| e.category == intake.category)
            .filter_map(point_of)
            .any(|p| {
                let there = projection.to_metres(p);
                (here.x - there.x).hypot(here.y - there.y) <= 50.0
            });
        if repeats_one {
            repeats += 1;
        }
    }
    let measured = share(repeats, COUNT);
    assert!(
        (0.10..=0.145).contains(&measured),
        "requests repeating an earlier one: {measured}"
    );
}

#[test]
fn night_gaps_are_longer_than_morning_gaps() {
    let dataset = demo::generate(DEFAULT_SEED);
    let catalogue = Catalogue::defaults();
    let mut feed = TicketGenerator::new(FEED_SEED, &dataset.hierarchy, &catalogue);
    // 03:00 and 10:00 in Beijing.
    let night = Utc.with_ymd_and_hms(2026, 11, 2, 19, 0, 0).unwrap();
    let morning = Utc.with_ymd_and_hms(2026, 11, 3, 2, 0, 0).unwrap();
    let mut mean_minutes = |at| {
        let total: i64 = (0..2_000)
            .map(|_| feed.next_gap(at, 12.0).num_milliseconds())
            .sum();
        total as f64 / 2_000.0 / 60_000.0
    };
    let (night, morning) = (mean_minutes(night), mean_minutes(morning));
    assert!(
        night > 3.0 * morning,
        "night gap {night} min, morning gap {morning} min"
    );
    // At 12 an hour with the 10:00 peak of 2.2× the mean, a gap averages about 2.3 minutes.
    assert!((1.8..=2.8).contains(&morning), "{morning}");
}

#[test]
fn about_one_percent_of_point_requests_fall_outside_the_street() {
    let s = sample();
    let points = s.intakes.iter().filter(|i| point_of(i).is_some()).count();
    let outside = s.routings.iter().filter(|r| !r.is_routed()).count();
    let measured = share(outside, points);
    assert!((0.005..=0.016).contains(&measured), "unrouted {measured}");
    assert!(
        s.routings
            .iter()
            .all(|r| r.is_routed() || r.unrouted == Some(UnroutedReason::OutsideStreet))
    );
}

#[test]
fn patrol_reports_on_street_lanes_name_the_worker_posted_there() {
    let s = sample();
    let mut named = 0;
    for (intake, routing) in s.intakes.iter().zip(&s.routings) {
        if intake.channel != Channel::Patrol {
            continue;
        }
        match intake.source_ref.as_deref() {
            Some("patrol") => {}
            Some(id) => {
                let worker = s.dataset.workers.iter().find(|w| w.id == id).unwrap();
                assert_eq!(worker.kind, WorkerKind::FullTime);
                assert_eq!(Some(&worker.grid), routing.micro.as_ref(), "{intake:?}");
                named += 1;
            }
            None => panic!("patrol report without source: {intake:?}"),
        }
    }
    assert!(named > 0, "no patrol report on a street lane");
}

#[test]
fn cameras_report_only_what_a_camera_can_see() {
    let s = sample();
    let visible = [
        "illegal_parking",
        "street_vending",
        "garbage",
        "fire_lane_blocked",
    ];
    for intake in s.intakes.iter().filter(|i| i.channel == Channel::Camera) {
        assert!(visible.contains(&intake.category.as_str()), "{intake:?}");
        // Placed by a point: the server names the camera nearest it.
        assert!(
            matches!(intake.location, IntakeLocation::Point(_)),
            "{intake:?}"
        );
        assert_eq!(intake.source_ref, None);
    }
}

#[test]
fn safety_hazards_are_mostly_urgent_and_the_rest_seldom() {
    let s = sample();
    let urgent_share = |safety: bool| {
        let group: Vec<&Intake> = s
            .intakes
            .iter()
            .filter(|i| {
                let class = s.catalogue.find(&i.category).unwrap().sla_class;
                (class == SlaClass::UrgentSafety) == safety
            })
            .collect();
        share(
            group
                .iter()
                .filter(|i| i.urgency == Urgency::Urgent)
                .count(),
            group.len(),
        )
    };
    let (safety, other) = (urgent_share(true), urgent_share(false));
    assert!((0.5..=0.7).contains(&safety), "safety {safety}");
    assert!((0.02..=0.08).contains(&other), "other {other}");
}

#[test]
fn noise_complaints_crowd_the_evening() {
    let s = sample();
    let noise_share = |hours: &[u32]| {
        let group: Vec<&Intake> = s
            .intakes
            .iter()
            .filter(|i| hours.contains(&i.received_at.with_timezone(&intake::beijing()).hour()))
            .collect();
        share(
            group.iter().filter(|i| i.category == "noise").count(),
            group.len(),
        )
    };
    let evening = noise_share(&[19, 20, 21, 22, 23]);
    let daytime = noise_share(&[9, 10, 11, 14, 15, 16]);
    assert!(
        evening > 2.0 * daytime,
        "evening {evening}, daytime {daytime}"
    );
}

#[test]
fn an_operator_catalogue_without_the_demo_categories_still_yields_valid_requests() {
    let dataset = demo::generate(DEFAULT_SEED);
    let mut catalogue = Catalogue::defaults();
    let mut own: Category = catalogue.categories[0].clone();
    own.code = "shared_bike_pileup".to_owned();
    own.name_zh = "共享单车乱停".to_owned();
    catalogue.categories = vec![own];
    let mut feed = TicketGenerator::new(1, &dataset.hierarchy, &catalogue);
    for request in feed.history(start(), 200, 20.0) {
        let intake = intake::validate(&request, &catalogue, &dataset.hierarchy, now())
            .unwrap_or_else(|problems| panic!("{request:?} rejected: {problems:?}"));
        assert_eq!(intake.category, "shared_bike_pileup");
        assert!(intake.description.contains("共享单车乱停"), "{intake:?}");
    }
}

#[test]
fn street_lanes_get_about_a_third_of_the_requests() {
    let s = sample();
    let h = &s.dataset.hierarchy;
    let on_lanes = s
        .routings
        .iter()
        .filter_map(|r| r.micro.as_ref())
        .filter(|code| {
            h.by_code(code).and_then(|g| g.kind) == Some(binhe_core::MicroKind::StreetLane)
        })
        .count();
    let share = on_lanes as f64 / COUNT as f64;
    assert!((0.2..0.45).contains(&share), "street-lane share {share:.3}");
}
