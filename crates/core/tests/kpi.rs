//! The dashboard and assessment figures: edge cases give defined outputs ("—", never NaN),
//! periods follow Beijing time, impossible requests are refused with a code, and random ticket
//! sets never produce a rate outside [0, 1].

use binhe_core::GridCode;
use binhe_core::kpi::{
    Change, KpiCounts, KpiError, KpiFacts, KpiMetric, Kpis, Period, Rate, SubjectKind, Weights,
    Window, YearOverYear, assess, trend,
};
use binhe_core::ticket::{Outcome, Satisfaction, Ticket, TicketState};
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn now() -> DateTime<Utc> {
    utc(2026, 11, 28, 6, 0)
}

fn community(n: u16) -> GridCode {
    GridCode::street("110117", 1).community(n)
}

/// An open ticket received at `at`: contact due a day later, closure a week later.
fn ticket(at: DateTime<Utc>) -> KpiFacts {
    KpiFacts {
        state: TicketState::Dispatched,
        category: "garbage".to_owned(),
        community: Some(community(1)),
        micro: Some(community(1).micro(1)),
        worker: Some("ZZ001".to_owned()),
        received_at: at,
        contact_due_at: at + Duration::hours(24),
        due_at: at + Duration::days(7),
        first_contact_at: None,
        closed_at: None,
        delegated: false,
        outcome: None,
        satisfaction: None,
        proactive: false,
    }
}

/// Contacted after `contact_h` hours, solved or not, rated, closed after `close_h` hours.
fn closed(at: DateTime<Utc>, contact_h: i64, solved: bool, rating: Satisfaction) -> KpiFacts {
    KpiFacts {
        state: TicketState::Closed,
        first_contact_at: Some(at + Duration::hours(contact_h)),
        closed_at: Some(at + Duration::hours(48)),
        outcome: Some(if solved {
            Outcome::Solved
        } else {
            Outcome::Unsolved
        }),
        satisfaction: Some(rating),
        ..ticket(at)
    }
}

fn all_rates(kpis: &Kpis) -> [Rate; 6] {
    [
        kpis.response,
        kpis.resolution,
        kpis.satisfaction,
        kpis.delegated_resolution,
        kpis.closure,
        kpis.on_time_closure,
    ]
}

fn month(year: i32, month: u32) -> Window {
    Period::month(year, month, now()).unwrap().elapsed(now())
}

#[test]
fn empty_period_shows_dashes_not_nan() {
    let kpis = Kpis::compute(&[], month(2026, 3), 50_000, now());
    assert_eq!(kpis.received, 0);
    for rate in all_rates(&kpis) {
        assert_eq!(rate.value(), None);
        assert_eq!(rate.to_string(), "—");
    }
    assert_eq!(kpis.monthly_received, Some(0.0));
    assert_eq!(kpis.per_10k_residents, Some(0.0));
    assert!(kpis.categories.is_empty());
}

#[test]
fn two_days_are_counted_to_date_not_scaled_to_a_month() {
    // 1–2 March (cut off at 00:00 on the 3rd, Beijing): 12 requests.
    let facts: Vec<KpiFacts> = (0..12)
        .map(|i| ticket(utc(2026, 3, 1, 2, 0) + Duration::hours(i * 3)))
        .collect();
    let cut = utc(2026, 3, 2, 16, 0);
    let kpis = Kpis::compute(&facts, month(2026, 3), 5_000, cut);
    assert_eq!(kpis.received, 12);
    assert!((kpis.days - 2.0).abs() < 1e-9);
    assert_eq!(kpis.monthly_received, None, "not 186 a month");
    assert_eq!(kpis.per_10k_residents, None);
    assert_eq!(kpis.received_per_10k, Some(24.0));
    // A week in, the month's rate is back.
    let week = Kpis::compute(&facts, month(2026, 3), 5_000, utc(2026, 3, 7, 16, 0));
    assert!(week.days >= binhe_core::kpi::MIN_AVERAGE_DAYS);
    assert!((week.monthly_received.unwrap() - 12.0 / (7.0 / 31.0)).abs() < 1e-9);
    // 同比 compares the counts of the same days a year earlier.
    let period = Period::month(2026, 3, cut).unwrap();
    let yoy = YearOverYear::compute(&facts, &period, 5_000, 5_000, cut);
    assert_eq!(yoy.monthly_received.current, Some(12.0));
    assert_eq!(yoy.monthly_received.earlier, Some(0.0));
}

#[test]
fn zero_residents_gives_no_requests_per_10k() {
    let facts = [ticket(utc(2026, 3, 5, 2, 0))];
    let kpis = Kpis::compute(&facts, month(2026, 3), 0, now());
    assert_eq!(kpis.received, 1);
    assert_eq!(kpis.per_10k_residents, None);
}

#[test]
fn seed_year_reads_as_the_seed_reports_it() {
    // 2,214 requests over January–November 2021 for about 50,000 residents: 7 contacted late,
    // 22 unsolved, 18 not satisfied.
    let facts: Vec<KpiFacts> = (0..2214)
        .map(|i| {
            let at = utc(2021, 1, 1, 0, 0) + Duration::minutes(i * 217);
            let rating = if i < 18 {
                Satisfaction::Dissatisfied
            } else {
                Satisfaction::Satisfied
            };
            closed(at, if i < 7 { 30 } else { 2 }, i >= 22, rating)
        })
        .collect();
    let period = Period::range(
        Period::month(2021, 1, now()).unwrap().from(),
        Period::month(2021, 12, now()).unwrap().from(),
        now(),
    )
    .unwrap();
    let kpis = Kpis::compute(&facts, period.elapsed(now()), 50_000, now());
    assert_eq!(kpis.received, 2214);
    assert!((kpis.months - 11.0).abs() < 1e-9);
    assert!((kpis.monthly_received.unwrap() - 201.27).abs() < 0.01);
    assert!((kpis.per_10k_residents.unwrap() - 40.25).abs() < 0.01);
    let shown = [kpis.response, kpis.resolution, kpis.satisfaction].map(|r| r.to_string());
    assert_eq!(shown, ["99.7%", "99.0%", "99.2%"]);
}

#[test]
fn open_tickets_count_against_rates_only_once_their_deadlines_pass() {
    let received = utc(2026, 11, 27, 8, 0);
    let facts = [ticket(received), ticket(received + Duration::hours(1))];
    let window = month(2026, 11);
    let today = Kpis::compute(&facts, window, 50_000, now());
    assert_eq!((today.received, today.open), (2, 2));
    assert_eq!(today.response.denominator(), 0, "contact still possible");
    assert_eq!(today.resolution.denominator(), 0);
    assert_eq!(today.response.to_string(), "—");

    let later = now() + Duration::days(10);
    let after = Kpis::compute(&facts, window, 50_000, later);
    assert_eq!(after.response, Rate::new(0, 2).unwrap());
    assert_eq!(after.resolution, Rate::new(0, 2).unwrap());
    assert_eq!(after.satisfaction.value(), None, "nobody rated them");
    assert_eq!(after.response.to_string(), "0.0%");
}

#[test]
fn contact_exactly_at_the_deadline_is_in_time() {
    let at = utc(2026, 5, 10, 0, 0);
    let on_the_dot = KpiFacts {
        first_contact_at: Some(at + Duration::hours(24)),
        ..ticket(at)
    };
    let a_second_late = KpiFacts {
        first_contact_at: Some(at + Duration::hours(24) + Duration::seconds(1)),
        ..ticket(at)
    };
    let kpis = Kpis::compute(&[on_the_dot, a_second_late], month(2026, 5), 1, now());
    assert_eq!(kpis.response, Rate::new(1, 2).unwrap());
    assert_eq!(kpis.response.to_string(), "50.0%");
}

#[test]
fn a_ticket_received_before_the_period_and_closed_in_it_counts_for_closure_only() {
    // Received late January, due and closed in February.
    let received = utc(2026, 1, 28, 2, 0);
    let fact = KpiFacts {
        state: TicketState::Closed,
        due_at: utc(2026, 2, 6, 2, 0),
        closed_at: Some(utc(2026, 2, 3, 2, 0)),
        first_contact_at: Some(received + Duration::hours(2)),
        outcome: Some(Outcome::Solved),
        satisfaction: Some(Satisfaction::Satisfied),
        ..ticket(received)
    };
    let january = Kpis::compute(std::slice::from_ref(&fact), month(2026, 1), 1, now());
    assert_eq!(january.received, 1);
    assert_eq!(january.resolution, Rate::new(1, 1).unwrap());
    assert_eq!(january.closure.denominator(), 0, "not due in January");
    assert_eq!(january.overdue_open, 0, "not yet due at January's end");

    let february = Kpis::compute(std::slice::from_ref(&fact), month(2026, 2), 1, now());
    assert_eq!(february.received, 0);
    assert_eq!(february.response.denominator(), 0);
    assert_eq!(february.closure, Rate::new(1, 1).unwrap());
    assert_eq!(february.on_time_closure, Rate::new(1, 1).unwrap());
}

#[test]
fn late_closure_counts_as_closed_but_not_on_time_and_as_overdue_at_the_earlier_end() {
    let received = utc(2026, 1, 20, 2, 0);
    let fact = KpiFacts {
        state: TicketState::Closed,
        closed_at: Some(utc(2026, 2, 2, 2, 0)),
        outcome: Some(Outcome::Solved),
        ..ticket(received)
    };
    let january = Kpis::compute(std::slice::from_ref(&fact), month(2026, 1), 1, now());
    assert_eq!(january.closure, Rate::new(1, 1).unwrap());
    assert_eq!(january.on_time_closure, Rate::new(0, 1).unwrap());
    assert_eq!(january.overdue_open, 1, "still open on 1 February 00:00");
    let february = Kpis::compute(std::slice::from_ref(&fact), month(2026, 2), 1, now());
    assert_eq!(february.overdue_open, 0);
}

#[test]
fn months_are_beijing_months() {
    // 00:30 on 1 February in Beijing.
    let fact = ticket(utc(2026, 1, 31, 16, 30));
    assert_eq!(
        Kpis::compute(std::slice::from_ref(&fact), month(2026, 1), 1, now()).received,
        0
    );
    assert_eq!(
        Kpis::compute(std::slice::from_ref(&fact), month(2026, 2), 1, now()).received,
        1
    );
    // Leap-year February ends at 16:00 UTC on the 29th.
    let last_minute = ticket(utc(2024, 2, 29, 15, 59));
    let march_first = ticket(utc(2024, 2, 29, 16, 0));
    let facts = [last_minute, march_first];
    let february = Kpis::compute(&facts, month(2024, 2), 1, now());
    let march = Kpis::compute(&facts, month(2024, 3), 1, now());
    assert_eq!((february.received, march.received), (1, 1));
    assert!((february.months - 1.0).abs() < 1e-12);
}

#[test]
fn cancelled_and_merged_tickets_are_left_out() {
    let at = utc(2026, 6, 3, 2, 0);
    let facts = [
        closed(at, 1, true, Satisfaction::Satisfied),
        KpiFacts {
            state: TicketState::Cancelled,
            ..ticket(at)
        },
        KpiFacts {
            state: TicketState::Merged,
            ..ticket(at)
        },
    ];
    let kpis = Kpis::compute(&facts, month(2026, 6), 1, now());
    assert_eq!((kpis.received, kpis.excluded), (1, 2));
    assert_eq!(kpis.response, Rate::new(1, 1).unwrap());
    assert_eq!(kpis.overdue_open, 0);
}

#[test]
fn proactive_share_counts_the_street_own_findings_among_the_received() {
    let at = utc(2026, 6, 3, 2, 0);
    let found = KpiFacts {
        proactive: true,
        ..ticket(at)
    };
    let facts = [
        found.clone(),
        found.clone(),
        ticket(at),
        closed(at, 1, true, Satisfaction::Satisfied),
        // Cancelled findings and findings of another month are not counted.
        KpiFacts {
            state: TicketState::Cancelled,
            ..found.clone()
        },
        KpiFacts {
            received_at: utc(2026, 7, 3, 2, 0),
            ..found
        },
    ];
    let kpis = Kpis::compute(&facts, month(2026, 6), 1, now());
    assert_eq!(kpis.received, 4);
    assert_eq!(kpis.proactive, Rate::new(2, 4).unwrap());
    assert_eq!(kpis.proactive.to_string(), "50.0%");
    let empty = Kpis::compute(&facts, month(2026, 5), 1, now());
    assert_eq!(
        empty.proactive.to_string(),
        "—",
        "nothing received, no share"
    );
}

#[test]
fn seed_delegation_figures_give_eighty_nine_per_cent() {
    let at = utc(2021, 3, 1, 2, 0);
    let facts: Vec<KpiFacts> = (0..18)
        .map(|i| KpiFacts {
            delegated: true,
            ..closed(at, 1, i < 16, Satisfaction::Satisfied)
        })
        .chain((0..5).map(|_| closed(at, 30, true, Satisfaction::Basic)))
        .collect();
    let kpis = Kpis::compute(&facts, month(2021, 3), 1, now());
    assert_eq!(kpis.delegated, 18);
    assert_eq!(kpis.delegated_resolution, Rate::new(16, 18).unwrap());
    assert_eq!(kpis.delegated_resolution.to_string(), "88.9%");
    assert_eq!(kpis.response, Rate::new(18, 23).unwrap());
    assert_eq!(kpis.satisfaction, Rate::new(18, 23).unwrap());
    assert_eq!(kpis.basically_satisfied, 5);
}

#[test]
fn categories_are_listed_most_first_with_their_share() {
    let at = utc(2026, 7, 1, 2, 0);
    let facts = [
        "parking", "garbage", "parking", "noise", "garbage", "parking",
    ]
    .map(|c| KpiFacts {
        category: c.to_owned(),
        ..ticket(at)
    });
    let kpis = Kpis::compute(&facts, month(2026, 7), 1, now());
    let listed: Vec<(&str, String)> = kpis
        .categories
        .iter()
        .map(|c| (c.category.as_str(), c.share.to_string()))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("parking", "50.0%".to_owned()),
            ("garbage", "33.3%".to_owned()),
            ("noise", "16.7%".to_owned()),
        ]
    );
}

#[test]
fn year_over_year_compares_the_same_days_of_last_year() {
    // November 2026 is in progress (28 days by `now`); November 2025 counts only its first 28.
    let facts: Vec<KpiFacts> = (0..10)
        .map(|d| ticket(utc(2025, 11, 1 + d, 2, 0)))
        .chain(std::iter::once(ticket(utc(2025, 11, 29, 2, 0))))
        .chain((0..8).map(|d| ticket(utc(2026, 11, 1 + d, 2, 0))))
        .collect();
    let period = Period::month(2026, 11, now()).unwrap();
    let yoy = YearOverYear::compute(&facts, &period, 50_000, 40_000, now());
    assert_eq!((yoy.current.received, yoy.earlier.received), (8, 10));
    assert!((yoy.monthly_received.relative().unwrap() + 0.2).abs() < 1e-9);
    assert_eq!(yoy.monthly_received.to_string(), "-20.0%");
    // Per 10,000: 8 for 50,000 against 10 for 40,000 → −36 %.
    assert!((yoy.per_10k_residents.relative().unwrap() + 0.36).abs() < 1e-9);

    let first_year = Period::month(2026, 1, now()).unwrap();
    let yoy = YearOverYear::compute(&facts, &first_year, 50_000, 50_000, now());
    assert_eq!(
        yoy.monthly_received.relative(),
        None,
        "nothing a year earlier"
    );
    assert_eq!(yoy.monthly_received.to_string(), "—");
    assert_eq!(Change::between(None, Some(3.0)).relative(), None);
}

#[test]
fn trend_has_twelve_months_even_when_empty_or_still_to_come() {
    let facts = [
        ticket(utc(2026, 1, 31, 16, 30)),
        ticket(utc(2026, 3, 10, 2, 0)),
    ];
    let year = Period::year(2026, now()).unwrap();
    let months = trend(&facts, &year, 50_000, now());
    assert_eq!(months.len(), 12);
    assert_eq!(
        months.iter().map(|m| m.month).collect::<Vec<_>>(),
        (1..=12).collect::<Vec<_>>()
    );
    let received: Vec<u64> = months.iter().map(|m| m.kpis.received).collect();
    assert_eq!(received, vec![0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let december = &months[11].kpis;
    assert_eq!(december.monthly_received, None, "December has not begun");
    assert_eq!(december.per_10k_residents, None);
    assert_eq!(december.overdue_open, 0);
    assert!(months[10].kpis.months < 1.0, "November is in progress");
}

#[test]
fn impossible_periods_are_refused_with_a_code() {
    let future = Period::month(2026, 12, now()).unwrap_err();
    assert_eq!(future.code(), "FUTURE_PERIOD");
    assert!(future.message_zh().contains("2026-12-01 00:00"));
    assert_eq!(
        Period::year(2027, now()).unwrap_err().code(),
        "FUTURE_PERIOD"
    );
    let inverted = Period::range(utc(2026, 3, 1, 0, 0), utc(2026, 3, 1, 0, 0), now());
    assert_eq!(inverted.unwrap_err().code(), "INVALID_RANGE");
    let too_long = Period::range(utc(2019, 1, 1, 0, 0), utc(2026, 1, 1, 0, 0), now());
    assert_eq!(too_long.unwrap_err().code(), "RANGE_TOO_LONG");
    assert!(
        Period::range(utc(2021, 1, 1, 0, 0), utc(2026, 1, 1, 0, 0), now()).is_ok(),
        "exactly five years is allowed"
    );
    assert_eq!(
        Period::month(2026, 13, now()).unwrap_err().code(),
        "INVALID_MONTH"
    );
    assert_eq!(
        Period::year(1066, now()).unwrap_err().code(),
        "INVALID_YEAR"
    );
    assert!(
        Period::month(2026, 11, now()).is_ok(),
        "the month in progress"
    );
}

#[test]
fn weights_must_be_non_negative_and_add_up_to_100() {
    let err = Weights::new(30.0, 30.0, 30.0).unwrap_err();
    assert_eq!(err, KpiError::WeightsNotHundred { sum: 90.0 });
    assert_eq!(err.code(), "WEIGHTS_NOT_100");
    assert!(err.message_zh().contains("90"));
    let negative = Weights::new(-5.0, 70.0, 35.0).unwrap_err();
    assert_eq!(negative.code(), "INVALID_WEIGHT");
    assert!(negative.message_zh().contains("响应率"));
    assert_eq!(
        Weights::new(f64::NAN, 50.0, 50.0).unwrap_err().code(),
        "INVALID_WEIGHT"
    );
    assert!(Weights::new(0.0, 50.0, 50.0).is_ok());
    let json = serde_json::json!({"response": 50, "resolution": 50, "satisfaction": 50});
    assert!(serde_json::from_value::<Weights>(json).is_err());
}

#[test]
fn ranking_shares_places_between_equal_scores_and_lists_the_idle_last() {
    let at = utc(2026, 4, 2, 2, 0);
    let in_community = |n: u16, fact: KpiFacts| KpiFacts {
        community: Some(community(n)),
        ..fact
    };
    let facts = vec![
        // Community 1: everything right → 100.
        in_community(1, closed(at, 1, true, Satisfaction::Satisfied)),
        // Communities 2 and 3: late contact only → 70, tied.
        in_community(2, closed(at, 30, true, Satisfaction::Satisfied)),
        in_community(3, closed(at, 30, true, Satisfaction::Satisfied)),
        // Community 4: late, unsolved, dissatisfied → 0.
        in_community(4, closed(at, 30, false, Satisfaction::Dissatisfied)),
    ];
    let subjects: Vec<(String, String)> = (1..=5)
        .map(|n| (community(n).as_str().to_owned(), format!("社区{n}")))
        .collect();
    let table = assess(
        &facts,
        month(2026, 4),
        SubjectKind::Community,
        &subjects,
        &Weights::default(),
        now(),
    );
    let ranks: Vec<(String, Option<f64>, Option<u32>)> = table
        .iter()
        .map(|row| (row.name.clone(), row.score, row.rank))
        .collect();
    assert_eq!(
        ranks,
        vec![
            ("社区1".to_owned(), Some(100.0), Some(1)),
            ("社区2".to_owned(), Some(70.0), Some(2)),
            ("社区3".to_owned(), Some(70.0), Some(2)),
            ("社区4".to_owned(), Some(0.0), Some(4)),
            ("社区5".to_owned(), None, None),
        ]
    );
}

#[test]
fn a_missing_rate_shares_its_weight_among_the_others() {
    let weights = Weights::default();
    let score = weights.score(
        Rate::new(1, 1).unwrap(),
        Rate::new(0, 1).unwrap(),
        Rate::default(),
    );
    // 30 × 1 + 35 × 0 over 65.
    assert_eq!(score, Some(46.15));
    assert_eq!(
        weights.score(Rate::default(), Rate::default(), Rate::default()),
        None
    );
    let only_satisfaction = Weights::new(0.0, 0.0, 100.0).unwrap();
    assert_eq!(
        only_satisfaction.score(Rate::new(1, 1).unwrap(), Rate::default(), Rate::default()),
        None,
        "a rate with no weight does not make a score"
    );
}

#[test]
fn workers_and_micro_grids_are_assessed_by_their_own_columns() {
    let at = utc(2026, 4, 2, 2, 0);
    let facts = vec![
        KpiFacts {
            worker: Some("ZZ002".to_owned()),
            ..closed(at, 1, true, Satisfaction::Satisfied)
        },
        KpiFacts {
            worker: None,
            micro: None,
            ..closed(at, 1, true, Satisfaction::Satisfied)
        },
    ];
    let workers = assess(
        &facts,
        month(2026, 4),
        SubjectKind::Worker,
        &[("ZZ001".to_owned(), "张三".to_owned())],
        &Weights::default(),
        now(),
    );
    let rows: Vec<(&str, u64, Option<u32>)> = workers
        .iter()
        .map(|r| (r.name.as_str(), r.received, r.rank))
        .collect();
    assert_eq!(rows, vec![("ZZ002", 1, Some(1)), ("张三", 0, None)]);
    let micros = assess(
        &facts,
        month(2026, 4),
        SubjectKind::Micro,
        &[],
        &Weights::default(),
        now(),
    );
    assert_eq!(micros.len(), 1);
    assert_eq!(micros[0].subject, community(1).micro(1).as_str());
}

#[test]
fn facts_of_a_ticket_come_from_its_routing_and_assignment() {
    let json = serde_json::json!({
        "id": 7,
        "channel": "hotline",
        "category": "garbage",
        "description": "垃圾堆放",
        "urgency": "normal",
        "routing": {"community": community(2).as_str(), "micro": community(2).micro(3).as_str()},
        "received_at": "2026-03-01T02:00:00Z",
        "contact_due_at": "2026-03-02T02:00:00Z",
        "due_at": "2026-03-08T02:00:00Z",
        "state": "closed",
        "version": 9,
        "assignment": {"grid": community(2).micro(3).as_str(), "grid_name": "3号楼院",
                       "worker_id": "JZ017", "worker_name": "李四"},
        "delegated": true,
        "first_contact_at": "2026-03-01T03:00:00Z",
        "outcome": "solved",
        "satisfaction": "basic",
        "closed_at": "2026-03-04T02:00:00Z",
        "reopen_count": 0,
        "updated_at": "2026-03-04T02:00:00Z"
    });
    let ticket: Ticket = serde_json::from_value(json).unwrap();
    let facts = KpiFacts::of(&ticket);
    assert_eq!(facts.community, Some(community(2)));
    assert_eq!(facts.micro, Some(community(2).micro(3)));
    assert_eq!(facts.worker.as_deref(), Some("JZ017"));
    assert!(facts.delegated && facts.counts());
    assert_eq!(facts.responded_in_time(now()), Some(true));
    assert_eq!(facts.solved(now()), Some(true));
    assert_eq!(facts.satisfaction, Some(Satisfaction::Basic));
}

#[test]
fn rates_travel_as_counts_and_refuse_impossible_ones() {
    let json = serde_json::to_value(Rate::new(2, 3).unwrap()).unwrap();
    assert_eq!(json["numerator"], 2);
    assert_eq!(json["denominator"], 3);
    let empty = serde_json::to_value(Rate::default()).unwrap();
    assert!(empty["value"].is_null());
    let back: Rate = serde_json::from_value(json).unwrap();
    assert_eq!(back, Rate::new(2, 3).unwrap());
    let wrong = serde_json::json!({"numerator": 4, "denominator": 3});
    assert!(serde_json::from_value::<Rate>(wrong).is_err());
}

fn arb_fact() -> impl Strategy<Value = KpiFacts> {
    let base = utc(2025, 1, 1, 0, 0).timestamp();
    let year: i64 = 366 * 24 * 3600;
    (
        (
            0..year * 2,
            0i64..48,
            0i64..400,
            proptest::option::of(0i64..72),
        ),
        (proptest::option::of(0i64..500), any::<bool>(), 0usize..9),
        (
            proptest::option::of(any::<bool>()),
            proptest::option::of(0u8..3),
            0u16..4,
        ),
    )
        .prop_map(
            move |(
                (received, contact_h, due_h, contact),
                (close, delegated, state),
                (solved, rating, c),
            )| {
                let at = Utc.timestamp_opt(base + received, 0).unwrap();
                KpiFacts {
                    state: TicketState::ALL[state],
                    category: format!("c{c}"),
                    community: Some(community(c + 1)),
                    micro: None,
                    worker: None,
                    received_at: at,
                    contact_due_at: at + Duration::hours(contact_h),
                    due_at: at + Duration::hours(due_h),
                    first_contact_at: contact.map(|h| at + Duration::hours(h)),
                    closed_at: close.map(|h| at + Duration::hours(h)),
                    delegated,
                    outcome: solved.map(|s| {
                        if s {
                            Outcome::Solved
                        } else {
                            Outcome::Unsolved
                        }
                    }),
                    satisfaction: rating.map(|r| {
                        [
                            Satisfaction::Satisfied,
                            Satisfaction::Basic,
                            Satisfaction::Dissatisfied,
                        ][usize::from(r)]
                    }),
                    // Some found by the street itself; the share must still lie in [0, 1].
                    proactive: c == 0,
                }
            },
        )
}

proptest! {
    #[test]
    fn every_rate_lies_between_zero_and_one(
        facts in proptest::collection::vec(arb_fact(), 0..60),
        start in 0u32..24,
        months in 1u32..14,
        residents in 0u32..3,
        as_of_days in 0i64..800,
    ) {
        let as_of = utc(2025, 1, 1, 0, 0) + Duration::days(as_of_days);
        let from = binhe_core::kpi::period::month_start(2025 + (start / 12) as i32, start % 12 + 1).unwrap();
        let to = from + Duration::days(i64::from(months) * 30);
        let window = Window { from, to };
        let kpis = Kpis::compute(&facts, window, residents * 25_000, as_of);
        for rate in all_rates(&kpis) {
            prop_assert!(rate.numerator() <= rate.denominator());
            if let Some(v) = rate.value() {
                prop_assert!((0.0..=1.0).contains(&v));
            } else {
                prop_assert_eq!(rate.denominator(), 0);
            }
        }
        prop_assert!(kpis.response.denominator() <= kpis.received);
        prop_assert!(kpis.delegated_resolution.denominator() <= kpis.delegated);
        prop_assert!(kpis.on_time_closure.numerator() <= kpis.closure.numerator());
        prop_assert!(kpis.open <= kpis.received);
        prop_assert_eq!(kpis.categories.iter().map(|c| c.share.numerator()).sum::<u64>(), kpis.received);
        for figure in [kpis.monthly_received, kpis.per_10k_residents].into_iter().flatten() {
            prop_assert!(figure.is_finite() && figure >= 0.0);
        }
        let table = assess(&facts, window, SubjectKind::Community, &[], &Weights::default(), as_of);
        for row in &table {
            if let Some(score) = row.score {
                prop_assert!((0.0..=100.0).contains(&score));
                prop_assert!(row.rank.is_some());
            }
        }
        let received: u64 = table.iter().map(|r| r.received).sum();
        prop_assert_eq!(received, kpis.received);
        if let Ok(period) = Period::range(from, to, as_of) {
            let yoy = YearOverYear::compute(&facts, &period, residents * 25_000, 40_000, as_of);
            for change in [yoy.monthly_received, yoy.per_10k_residents] {
                prop_assert!(change.relative().is_none_or(f64::is_finite));
            }
            let months = trend(&facts, &period, residents * 25_000, as_of);
            prop_assert_eq!(months.iter().map(|m| m.kpis.received).sum::<u64>(), kpis.received);
            for month in &months {
                for rate in all_rates(&month.kpis) {
                    prop_assert!(rate.numerator() <= rate.denominator());
                }
            }
        }
    }
}

proptest! {
    /// A drill-down list is exactly as long as the number it was opened from.
    #[test]
    fn every_figure_opens_into_as_many_tickets(
        facts in proptest::collection::vec(arb_fact(), 0..60),
        start in 0u32..24,
        days in 1i64..400,
        as_of_days in 0i64..800,
    ) {
        let as_of = utc(2025, 1, 1, 0, 0) + Duration::days(as_of_days);
        let from = binhe_core::kpi::period::month_start(2025 + (start / 12) as i32, start % 12 + 1).unwrap();
        let window = Window { from, to: from + Duration::days(days) };
        let counts = KpiCounts::count(&facts, window, as_of);
        let mut metrics: Vec<KpiMetric> = KpiMetric::NAMES
            .iter()
            .filter(|name| **name != "category")
            .map(|name| KpiMetric::parse(name, None).unwrap())
            .collect();
        metrics.extend((0..5).map(|c| KpiMetric::Category(format!("c{c}"))));
        for metric in metrics {
            let listed = facts.iter().filter(|f| metric.matches(f, window, as_of)).count() as u64;
            prop_assert_eq!(listed, metric.figure(&counts), "{:?}", metric);
        }
    }
}

#[test]
fn drill_down_metrics_are_named_and_refused_by_name() {
    assert_eq!(
        KpiMetric::parse("category", Some("环境卫生")).unwrap(),
        KpiMetric::Category("环境卫生".into())
    );
    let unknown = KpiMetric::parse("speed", None).unwrap_err();
    assert_eq!(unknown.code(), "INVALID_METRIC");
    assert!(unknown.message_zh().contains("speed") && unknown.message_zh().contains("unsolved"));
    assert_eq!(
        KpiMetric::parse("category", Some("  ")).unwrap_err().code(),
        "CATEGORY_REQUIRED"
    );
    for name in KpiMetric::NAMES.iter().filter(|n| **n != "category") {
        assert_eq!(KpiMetric::parse(name, None).unwrap().name(), *name);
    }
}
