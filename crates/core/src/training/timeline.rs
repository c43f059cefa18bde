//! A scenario laid out as what happens when: every request's arrival (background at random at
//! its rate, an incident's calls rising and falling over its window, the scripted ones at their
//! minute), every device event, and workers going off and coming back on duty — in scenario
//! seconds from the shift's start, the same for the same seed. A training run plays it against
//! its [`super::clock::ScenarioClock`].

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::scenario::{Clock, PlannedIncident, Scenario};
use crate::code::GridCode;

/// What happens at one moment.
#[derive(Debug, Clone, PartialEq)]
pub enum Happening {
    /// A background request of `category` somewhere in the street.
    Background {
        category: String,
    },
    /// A call of incident `incident` (its index) from `micro`.
    IncidentCall {
        incident: usize,
        micro: GridCode,
    },
    /// Scripted request `request` (its index) arrives.
    Scripted {
        request: usize,
    },
    /// Device event `event` (its index).
    Device {
        event: usize,
    },
    /// Worker `worker` goes off duty, or comes back.
    OffDuty {
        worker: String,
    },
    BackOnDuty {
        worker: String,
    },
}

/// One moment of the timeline: seconds from the shift's start.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    pub second: u32,
    pub happening: Happening,
}

fn seconds_after(start: Clock, at: Clock) -> u32 {
    (at.minutes() - start.minutes()) * 60
}

/// The calls of incident `index` beginning at scenario second `from`: spread over its minutes,
/// building up to the middle of its window and dying down, from each of its micro-grids in turn.
fn calls_of(
    rng: &mut ChaCha8Rng,
    index: usize,
    incident: &PlannedIncident,
    from: u32,
) -> Vec<Moment> {
    let span = f64::from(incident.minutes) * 60.0;
    (0..incident.requests)
        .filter(|_| !incident.micro.is_empty())
        .map(|k| {
            // Triangular over the window: the mean of two uniform draws.
            let offset = f64::midpoint(rng.random::<f64>(), rng.random::<f64>()) * span;
            Moment {
                second: from + offset as u32,
                happening: Happening::IncidentCall {
                    incident: index,
                    micro: incident.micro[k as usize % incident.micro.len()].clone(),
                },
            }
        })
        .collect()
}

/// The calls of an incident the trainer sends while the run plays: incident `index` (of the
/// run's incidents, the scenario's first) from scenario second `from`, the same for the same
/// `seed`; in order of time.
pub fn injected_calls(
    seed: u64,
    index: usize,
    incident: &PlannedIncident,
    from: u32,
) -> Vec<Moment> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut calls = calls_of(&mut rng, index, incident, from);
    calls.sort_by_key(|m| m.second);
    calls
}

/// The whole shift of `scenario`, in order of time (the file's order among equal times).
pub fn timeline(scenario: &Scenario) -> Vec<Moment> {
    let mut rng = ChaCha8Rng::seed_from_u64(scenario.seed);
    let start = scenario.start;
    let mut moments = Vec::new();
    for b in &scenario.background {
        // A Poisson process: exponential gaps at the rate.
        let (from, to) = (
            f64::from(seconds_after(start, b.from)),
            f64::from(seconds_after(start, b.to)),
        );
        let rate = b.per_hour / 3600.0;
        let mut at = from;
        loop {
            let u: f64 = rng.random_range(f64::EPSILON..1.0);
            at += -u.ln() / rate;
            if at >= to {
                break;
            }
            moments.push(Moment {
                second: at as u32,
                happening: Happening::Background {
                    category: b.category.clone(),
                },
            });
        }
    }
    for (index, i) in scenario.incidents.iter().enumerate() {
        let from = seconds_after(start, i.at);
        moments.extend(calls_of(&mut rng, index, i, from));
    }
    for (index, e) in scenario.events.iter().enumerate() {
        moments.push(Moment {
            second: seconds_after(start, e.at),
            happening: Happening::Device { event: index },
        });
    }
    for o in &scenario.off_duty {
        moments.push(Moment {
            second: seconds_after(start, o.from),
            happening: Happening::OffDuty {
                worker: o.worker.clone(),
            },
        });
        moments.push(Moment {
            second: seconds_after(start, o.to),
            happening: Happening::BackOnDuty {
                worker: o.worker.clone(),
            },
        });
    }
    for (index, r) in scenario.requests.iter().enumerate() {
        moments.push(Moment {
            second: seconds_after(start, r.at),
            happening: Happening::Scripted { request: index },
        });
    }
    // Stable: equal seconds keep the order above.
    moments.sort_by_key(|m| m.second);
    moments
}

#[cfg(all(test, feature = "demo"))]
mod tests {
    use super::*;
    use crate::demo::{DEFAULT_SEED, generate};
    use crate::ticket::Catalogue;
    use crate::training::SHIPPED;
    use crate::training::scenario::{Street, read};

    #[test]
    fn a_shift_is_the_same_for_the_same_seed_and_keeps_its_rates() {
        let dataset = generate(DEFAULT_SEED);
        let catalogue = Catalogue::defaults();
        let street = Street {
            hierarchy: &dataset.hierarchy,
            catalogue: &catalogue,
            workers: &dataset.workers,
            devices: &dataset.devices,
        };
        let mut rain = read(SHIPPED[0].1, street).unwrap();
        let first = timeline(&rain);
        assert_eq!(first, timeline(&rain), "the same seed, the same shift");
        assert!(first.windows(2).all(|w| w[0].second <= w[1].second));
        assert!(first.iter().all(|m| m.second <= rain.hours * 3600));

        let calls = |moments: &[Moment], incident: usize| -> Vec<u32> {
            moments
                .iter()
                .filter_map(|m| match &m.happening {
                    Happening::IncidentCall { incident: i, .. } if *i == incident => Some(m.second),
                    _ => None,
                })
                .collect()
        };
        // 暴雨内涝: 24 calls inside 18:30–20:00, every listed micro-grid calling.
        let flood = calls(&first, 0);
        assert_eq!(flood.len(), 24);
        assert!(flood.iter().all(|&s| (90 * 60..180 * 60).contains(&s)));
        let places: std::collections::HashSet<_> = first
            .iter()
            .filter_map(|m| match &m.happening {
                Happening::IncidentCall { incident: 0, micro } => Some(micro.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(places.len(), 4);
        // Scripted requests at their minute: 18:35 is 95 minutes in.
        assert!(first.contains(&Moment {
            second: 95 * 60,
            happening: Happening::Scripted { request: 0 },
        }));

        // Background at its rate over many seeds: garbage 2/h over 6 h makes 12 on average.
        let mut total = 0;
        for seed in 0..200 {
            rain.seed = seed;
            total += timeline(&rain)
                .iter()
                .filter(|m| {
                    matches!(&m.happening, Happening::Background { category } if category == "garbage")
                })
                .count();
        }
        let mean = total as f64 / 200.0;
        assert!((11.0..13.0).contains(&mean), "mean {mean}");
    }
}
