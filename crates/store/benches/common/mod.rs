//! The street the store's benchmarks generate tickets in: 15 communities, 312 micro-grids, 416
//! workers and 20 categories with skewed shares and closure deadlines of 1–15 days.

use binhe_core::GridCode;
use binhe_core::ticket::intake::Intake;
use binhe_core::ticket::lifecycle::{self, TicketEvent};
use binhe_core::ticket::routing::Routing;
use binhe_core::ticket::{Actor, Channel, Point};
use chrono::{DateTime, Utc};
use rand::Rng;

/// (code, days to close, share of the intake in ‰).
pub const CATEGORIES: [(&str, i64, u32); 20] = [
    ("noise", 3, 140),
    ("garbage", 2, 120),
    ("parking", 3, 100),
    ("water", 1, 80),
    ("heating", 1, 70),
    ("road", 7, 60),
    ("greening", 7, 50),
    ("lighting", 3, 50),
    ("property", 15, 45),
    ("sewage", 2, 40),
    ("market", 5, 35),
    ("building", 15, 35),
    ("pets", 5, 30),
    ("traffic", 5, 30),
    ("elevator", 2, 25),
    ("fire", 1, 20),
    ("wages", 15, 20),
    ("education", 7, 20),
    ("health", 5, 15),
    ("other", 7, 35),
];

pub struct Grid {
    pub community: GridCode,
    pub micro: GridCode,
    pub workers: Vec<String>,
}

/// The micro-grids of `street`: 15 communities of 20–21 micro-grids (312), one or two workers
/// each (416).
pub fn micros(street: &GridCode) -> Vec<Grid> {
    let mut micros = Vec::new();
    for c in 1..=15 {
        let community = street.community(c);
        for m in 1..=if c <= 12 { 21 } else { 20 } {
            let n = micros.len();
            let mut workers = vec![format!("W{n:03}")];
            if n % 3 == 0 {
                workers.push(format!("W{n:03}b"));
            }
            micros.push(Grid {
                micro: community.micro(m),
                community: community.clone(),
                workers,
            });
        }
    }
    micros
}

/// Draws categories by their shares.
pub struct Categories(Vec<usize>);

impl Default for Categories {
    fn default() -> Self {
        Self(
            CATEGORIES
                .iter()
                .enumerate()
                .flat_map(|(n, &(_, _, share))| std::iter::repeat_n(n, share as usize))
                .collect(),
        )
    }
}

impl Categories {
    /// A category's code and its days to close.
    pub fn pick(&self, rng: &mut impl Rng) -> (&'static str, i64) {
        let (code, days, _) = CATEGORIES[self.0[rng.random_range(0..self.0.len())]];
        (code, days)
    }
}

/// The receipt of a hotline request received at `at`, in `category`, routed by `routing`, with
/// the given contact and closure deadlines, as the intake makes it (ticket id still 0).
pub fn receipt(
    category: &str,
    routing: Routing,
    at: DateTime<Utc>,
    deadlines: (DateTime<Utc>, DateTime<Utc>),
) -> TicketEvent {
    let point = Point {
        lon: 117.12,
        lat: 40.14,
    };
    let intake = Intake::at_point(Channel::Hotline, category, "夜间施工噪音", point, at);
    lifecycle::receipt(intake, None, routing, deadlines, &Actor::system())
}
