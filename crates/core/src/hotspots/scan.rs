//! The space-time permutation scan statistic (Kulldorff, Heffernan, Hartman, Assunção and
//! Mostashari 2005, "A space–time permutation scan statistic for disease outbreak detection",
//! PLoS Medicine 2(3): e59), as SaTScan computes it.
//!
//! Given `C` requests, each in a zone `z` (a micro-grid) on a day `d`:
//!
//! - A cylinder is a circle of zones — a centre zone and its nearest neighbours, up to
//!   [`ScanConfig::max_radius_m`] and at most [`ScanConfig::max_case_share`] of all requests
//!   (SaTScan's 50 %) — times a window of consecutive days of at most
//!   [`ScanConfig::max_days`]. Prospective scans take only windows ending on the analysis day;
//!   retrospective ones any window in the study period.
//! - Its expected count is `μ = C_Z · C_W / C`: the requests of its zones over the whole
//!   period times the requests of its days over all zones, over all requests.
//! - Its statistic, for an observed count `c > μ` (and `c ≥` [`ScanConfig::min_cases`]), is the
//!   Poisson generalised log-likelihood ratio
//!   `LLR = c ln(c/μ) + (C − c) ln((C − c)/(C − μ))`; cylinders with `c ≤ μ` score 0.
//! - The most likely cluster has the largest LLR. Secondary clusters are the next best
//!   cylinders that share no zone with a more likely one.
//! - Each replication permutes the days among the requests (keeping each zone's and each day's
//!   total) with a seeded ChaCha8 generator, scans it the same way and keeps its maximum LLR.
//!   A cluster's p-value is `(1 + #{replications with max ≥ its LLR}) / (R + 1)`, against the
//!   same maxima for the primary and every secondary cluster.
//!
//! Two exact shortcuts keep it fast, neither changing a statistic: a window is only evaluated
//! tightened to days that hold a request inside the circle (widening it to an empty day can
//! only add to μ), and a circle is only evaluated when its newest zone brings requests inside
//! the scanned span (a zone without any adds to μ only). A replication also stops as soon as
//! its maximum reaches the primary cluster's LLR, since it then counts against every cluster,
//! and skips the logarithms of a cylinder whose upper bound cannot beat its best so far: with
//! `ln μ = ln C_Z + ln C_W − ln C` from a table of `ln n`, `c ln(c/μ)` needs no logarithm, and
//! `ln x ≤ x − 1` bounds the outside term.
//! Replications run on [`ScanConfig::threads`] scoped threads; each has its own random stream
//! (`seed`, replication number), so the result does not depend on the thread count.
//!
//! ```
//! use binhe_core::hotspots::{Case, ScanConfig, ZoneLayout, scan};
//! use geo::Coord;
//!
//! // Ten zones 100 m apart on a line, 60 days; one request a day somewhere, and then
//! // fifteen more requests in zones 3 and 4 over the last three days.
//! let layout = ZoneLayout::from_metres(
//!     &(0..10).map(|i| Coord { x: 100.0 * f64::from(i), y: 0.0 }).collect::<Vec<_>>(),
//! )
//! .unwrap();
//! let mut cases: Vec<Case> = (0..60).map(|d| Case { zone: (d * 7 % 10) as usize, day: d }).collect();
//! cases.extend((0..15).map(|i| Case { zone: 3 + i % 2, day: 57 + (i % 3) as i32 }));
//! let mut config = ScanConfig::prospective(0, 59);
//! config.max_radius_m = 150.0;
//! config.replications = 99;
//! let result = scan(&layout, &cases, &config).unwrap();
//! let top = &result.hotspots[0];
//! assert!(top.zones.contains(&3) && top.zones.contains(&4));
//! assert_eq!(top.last_day, 59);
//! // Its LLR is 5.64; no permutation of these requests reached it in 5,000 tries, so more
//! // than 4 of the 99 replications reaching it (p > 0.05) does not happen by chance.
//! assert!(top.p_value <= 0.05);
//! ```

use std::collections::BTreeMap;

use geo::{BoundingRect, Coord, MultiPoint};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::{Deserialize, Serialize};

use super::{HotspotError, Mode, Trend};
use crate::geometry::LocalProjection;

/// Where the zones are: one representative point per zone (micro-grid), in metres on a plane.
/// Cases name zones by their index in this layout.
#[derive(Debug, Clone)]
pub struct ZoneLayout {
    points: Vec<[f64; 2]>,
}

impl ZoneLayout {
    /// Points already in metres (any planar projection).
    pub fn from_metres(points: &[Coord<f64>]) -> Result<Self, HotspotError> {
        for (zone, p) in points.iter().enumerate() {
            if !(p.x.is_finite() && p.y.is_finite()) {
                return Err(HotspotError::InvalidZone {
                    zone,
                    x: p.x,
                    y: p.y,
                });
            }
        }
        Ok(Self {
            points: points.iter().map(|p| [p.x, p.y]).collect(),
        })
    }

    /// WGS84 lon/lat points (e.g. each micro-grid's interior point), projected to metres about
    /// the centre of their bounding box (under a metre off across a street, a few metres across
    /// a district).
    pub fn from_lon_lat(points: &[Coord<f64>]) -> Result<Self, HotspotError> {
        let metres = match MultiPoint::from(points.to_vec()).bounding_rect() {
            Some(rect) if rect.min().x.is_finite() && rect.max().y.is_finite() => {
                let projection = LocalProjection::centred_on(rect);
                points.iter().map(|&p| projection.to_metres(p)).collect()
            }
            _ => points.to_vec(),
        };
        Self::from_metres(&metres)
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Straight-line distance between two zones' points.
    pub fn distance_m(&self, a: usize, b: usize) -> f64 {
        let (p, q) = (self.points[a], self.points[b]);
        (p[0] - q[0]).hypot(p[1] - q[1])
    }
}

/// One request: its zone (index into the [`ZoneLayout`]) and its Beijing day number
/// ([`super::beijing_day`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    pub zone: usize,
    pub day: i32,
}

/// One request with its category code, for [`scan_by_category`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategorisedCase<'a> {
    pub zone: usize,
    pub day: i32,
    pub category: &'a str,
}

/// How to scan. [`ScanConfig::prospective`] and [`ScanConfig::retrospective`] give the
/// defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScanConfig {
    pub mode: Mode,
    /// First day of the study period (Beijing day number), inclusive.
    pub first_day: i32,
    /// Last day of the study period, inclusive; the analysis day of a prospective scan.
    pub last_day: i32,
    /// Longest window in days (default 30).
    pub max_days: u32,
    /// Largest circle radius in metres (default 500 m: a few micro-grids around a centre).
    pub max_radius_m: f64,
    /// Largest share of all requests inside a circle over the whole period, in (0, 0.5]
    /// (default 0.5, as SaTScan).
    pub max_case_share: f64,
    /// Fewest requests a cluster must hold (default 2, as SaTScan's prospective default).
    pub min_cases: u32,
    /// Monte Carlo replications (default 999).
    pub replications: u32,
    /// Most clusters reported, primary first (default 10). Every one carries its p-value; the
    /// caller keeps those at or below its α.
    pub max_clusters: usize,
    /// Seed of the permutations: the same data, settings and seed give the same result.
    pub seed: u64,
    /// Threads for the replications (default 1; 0 = as many as the machine has).
    pub threads: usize,
}

impl ScanConfig {
    /// Daily surveillance: windows of up to 30 days ending on `analysis_day`, against the
    /// history since `first_day`.
    pub fn prospective(first_day: i32, analysis_day: i32) -> Self {
        Self {
            mode: Mode::Prospective,
            first_day,
            last_day: analysis_day,
            max_days: 30,
            max_radius_m: 500.0,
            max_case_share: 0.5,
            min_cases: 2,
            replications: 999,
            max_clusters: 10,
            seed: 20_050_301,
            threads: 1,
        }
    }

    /// Clusters anywhere in `first_day..=last_day`.
    pub fn retrospective(first_day: i32, last_day: i32) -> Self {
        Self {
            mode: Mode::Retrospective,
            ..Self::prospective(first_day, last_day)
        }
    }

    fn check(&self) -> Result<(), HotspotError> {
        let invalid = |setting, reason, reason_zh| {
            Err(HotspotError::InvalidSetting {
                setting,
                reason,
                reason_zh,
            })
        };
        if self.first_day > self.last_day {
            return Err(HotspotError::InvalidPeriod {
                first: self.first_day,
                last: self.last_day,
            });
        }
        if self.max_days == 0 {
            return invalid("max_days", "must be at least 1 day", "时间窗口至少 1 天");
        }
        if !(self.max_radius_m.is_finite() && self.max_radius_m >= 0.0) {
            return invalid(
                "max_radius_m",
                "must be a finite number of metres, 0 or more",
                "半径须为不小于 0 的有限米数",
            );
        }
        if !(self.max_case_share > 0.0 && self.max_case_share <= 0.5) {
            return invalid(
                "max_case_share",
                "must be more than 0 and at most 0.5",
                "最大诉求占比须大于 0 且不超过 0.5",
            );
        }
        if self.min_cases == 0 {
            return invalid("min_cases", "must be at least 1", "最少诉求数至少为 1");
        }
        if self.replications == 0 {
            return invalid(
                "replications",
                "must be at least 1 (999 is usual)",
                "蒙特卡洛重复次数至少为 1（通常为 999）",
            );
        }
        if self.max_clusters == 0 {
            return invalid(
                "max_clusters",
                "must be at least 1",
                "最多报告热点数至少为 1",
            );
        }
        Ok(())
    }
}

/// A space-time cluster: a circle of zones over a window of days with more requests than
/// expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hotspot {
    /// The zones inside, nearest to the centre first (`zones[0] == centre`).
    pub zones: Vec<usize>,
    pub centre: usize,
    /// Distance from the centre to the farthest zone inside, metres.
    pub radius_m: f64,
    /// The window, Beijing day numbers, inclusive.
    pub first_day: i32,
    pub last_day: i32,
    /// Requests inside the cylinder.
    pub observed: u32,
    /// Requests expected there, `C_Z · C_W / C`.
    pub expected: f64,
    /// Rate inside over rate outside: `(c/μ) / ((C − c)/(C − μ))`.
    pub relative_risk: f64,
    /// The log-likelihood ratio the cluster was ranked by.
    pub llr: f64,
    /// Monte Carlo p-value, `(1 + replications whose maximum ≥ llr) / (R + 1)`.
    pub p_value: f64,
    pub trend: Trend,
}

/// The result of one scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanResult {
    /// Requests scanned (`C`).
    pub cases: u32,
    pub replications: u32,
    /// The most likely cluster first, then secondary clusters sharing no zone with a more likely
    /// one, by falling LLR; empty when no cylinder has more requests than expected.
    pub hotspots: Vec<Hotspot>,
}

/// The scan of one category, or of all together (`category: None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryScan {
    pub category: Option<String>,
    pub result: ScanResult,
}

/// Scans one set of requests (one category, or all).
pub fn scan(
    layout: &ZoneLayout,
    cases: &[Case],
    config: &ScanConfig,
) -> Result<ScanResult, HotspotError> {
    config.check()?;
    check_cases(layout, cases.iter().copied(), config)?;
    let circles = Circles::new(layout, config.max_radius_m);
    Ok(run(&circles, cases, config))
}

/// Scans each category on its own (in code order) and, with `all_together`, all requests as one
/// more scan (`category: None`, first). The circles are built once for all.
pub fn scan_by_category(
    layout: &ZoneLayout,
    cases: &[CategorisedCase<'_>],
    config: &ScanConfig,
    all_together: bool,
) -> Result<Vec<CategoryScan>, HotspotError> {
    config.check()?;
    check_cases(
        layout,
        cases.iter().map(|c| Case {
            zone: c.zone,
            day: c.day,
        }),
        config,
    )?;
    let circles = Circles::new(layout, config.max_radius_m);
    let mut by_category: BTreeMap<&str, Vec<Case>> = BTreeMap::new();
    for c in cases {
        by_category.entry(c.category).or_default().push(Case {
            zone: c.zone,
            day: c.day,
        });
    }
    let mut scans = Vec::with_capacity(by_category.len() + 1);
    if all_together {
        let all: Vec<Case> = cases
            .iter()
            .map(|c| Case {
                zone: c.zone,
                day: c.day,
            })
            .collect();
        scans.push(CategoryScan {
            category: None,
            result: run(&circles, &all, config),
        });
    }
    for (category, group) in by_category {
        scans.push(CategoryScan {
            category: Some(category.to_owned()),
            result: run(&circles, &group, config),
        });
    }
    Ok(scans)
}

/// The requests of replication `rep` (1..=`config.replications`) exactly as the scan permutes
/// them: the same days and the same zones, the days dealt to the requests at random. For audits
/// of the Monte Carlo test (and its tests); the scan itself never builds this list.
pub fn replication_cases(
    layout: &ZoneLayout,
    cases: &[Case],
    config: &ScanConfig,
    rep: u32,
) -> Result<Vec<Case>, HotspotError> {
    config.check()?;
    check_cases(layout, cases.iter().copied(), config)?;
    let circles = Circles::new(layout, 0.0);
    let prep = Prepared::new(&circles, cases, config);
    let mut work = prep.slot_zone.clone();
    prep.shuffle(
        &mut prep.generator(u64::from(rep)),
        &mut work,
        &mut Vec::new(),
    );
    // Span slot k holds work[k]; the slots before the span hold the rest, in order.
    let span = prep.span_len();
    let zones = work[span..].iter().chain(&work[..span]);
    Ok(prep
        .slot_day
        .iter()
        .zip(zones)
        .map(|(&d, &z)| Case {
            zone: z as usize,
            day: config.first_day + d as i32,
        })
        .collect())
}

fn check_cases(
    layout: &ZoneLayout,
    cases: impl Iterator<Item = Case>,
    config: &ScanConfig,
) -> Result<(), HotspotError> {
    for (i, c) in cases.enumerate() {
        if c.zone >= layout.len() {
            return Err(HotspotError::ZoneOutOfRange {
                case: i,
                zone: c.zone,
                zones: layout.len(),
            });
        }
        if c.day < config.first_day || c.day > config.last_day {
            return Err(HotspotError::DayOutOfRange {
                case: i,
                day: c.day,
                first: config.first_day,
                last: config.last_day,
            });
        }
    }
    Ok(())
}

/// Every zone's neighbours within the radius, nearest first (the zone itself first), flattened.
struct Circles {
    start: Vec<usize>,
    zone: Vec<u32>,
    distance: Vec<f64>,
}

impl Circles {
    fn new(layout: &ZoneLayout, max_radius_m: f64) -> Self {
        let tree = RTree::bulk_load(
            layout
                .points
                .iter()
                .enumerate()
                .map(|(i, &p)| GeomWithData::new(p, i as u32))
                .collect(),
        );
        // A little wider than the radius, so rounding in the squares loses no zone.
        let radius2 = (max_radius_m * max_radius_m) * (1.0 + 1e-9) + 1e-9;
        let mut circles = Self {
            start: Vec::with_capacity(layout.len() + 1),
            zone: Vec::new(),
            distance: Vec::new(),
        };
        let mut near: Vec<(f64, u32)> = Vec::new();
        for (centre, &p) in layout.points.iter().enumerate() {
            circles.start.push(circles.zone.len());
            near.clear();
            // The tree compares squared distances; the circle is defined by the distance itself
            // (as reported in `radius_m`), so the candidates are filtered on it again.
            near.extend(
                tree.locate_within_distance(p, radius2)
                    .map(|g| {
                        let q = g.geom();
                        ((q[0] - p[0]).hypot(q[1] - p[1]), g.data)
                    })
                    .filter(|&(d, _)| d <= max_radius_m),
            );
            // Nearest first; the centre before any other zone at the same point, then by index.
            near.sort_by(|a, b| {
                a.0.total_cmp(&b.0)
                    .then((b.1 == centre as u32).cmp(&(a.1 == centre as u32)))
                    .then(a.1.cmp(&b.1))
            });
            for &(d, z) in &near {
                circles.zone.push(z);
                circles.distance.push(d);
            }
        }
        circles.start.push(circles.zone.len());
        circles
    }

    fn zone_count(&self) -> usize {
        self.start.len() - 1
    }

    fn of(&self, centre: usize) -> std::ops::Range<usize> {
        self.start[centre]..self.start[centre + 1]
    }
}

/// The requests of one scan, arranged for fast replications.
struct Prepared<'a> {
    circles: &'a Circles,
    config: ScanConfig,
    /// Study length in days.
    days: usize,
    /// Longest window, at most `days`.
    max_len: usize,
    total: f64,
    /// Each request's day offset (0-based), sorted; the "slots" the zones are permuted over.
    slot_day: Vec<u32>,
    /// The zone of each slot in the observed data.
    slot_zone: Vec<u32>,
    /// First slot inside the scanned span (prospective: the last `max_len` days).
    span_start: usize,
    /// `day_prefix[d]` = requests on days before `d`.
    day_prefix: Vec<u64>,
    /// Per circle step (aligned with `circles.zone`): requests of the circle's zones over the
    /// whole period, `C_Z`; steps past `max_case_share` are cut off by `circle_len`.
    circle_cases: Vec<u32>,
    circle_len: Vec<usize>,
    /// `ln n` for `n` in `0..=C` (`ln 0` is never read).
    ln: Vec<f64>,
}

/// The best window of one circle (centre, step) in the observed data.
#[derive(Clone, Copy)]
struct Candidate {
    centre: usize,
    step: usize,
    llr: f64,
    first: u32,
    last: u32,
    observed: u32,
    expected: f64,
}

/// Per-thread working memory.
struct Scratch {
    /// Per zone: where its span days start in `zone_days` (counting sort).
    zone_start: Vec<u32>,
    zone_days: Vec<u32>,
    /// Requests of the current circle per day (retrospective) or per offset back from the
    /// analysis day (prospective).
    per_day: Vec<u32>,
    touched: Vec<u32>,
    left: Vec<(u32, u32)>,
    right: Vec<(u32, u32)>,
}

impl Scratch {
    fn new(prep: &Prepared<'_>) -> Self {
        Self {
            zone_start: vec![0; prep.circles.zone_count() + 1],
            zone_days: vec![0; prep.slot_day.len() - prep.span_start],
            per_day: vec![0; prep.days.max(prep.max_len)],
            touched: Vec::new(),
            left: Vec::new(),
            right: Vec::new(),
        }
    }

    /// Groups the span's days by zone (each zone's days ascending), given the zone of each span
    /// slot.
    fn group(&mut self, prep: &Prepared<'_>, span_zones: &[u32]) {
        self.zone_start.fill(0);
        for &z in span_zones {
            self.zone_start[z as usize + 1] += 1;
        }
        for i in 1..self.zone_start.len() {
            self.zone_start[i] += self.zone_start[i - 1];
        }
        // Fill using the starts as cursors, then shift them back.
        for (k, &z) in span_zones.iter().enumerate() {
            let at = &mut self.zone_start[z as usize];
            self.zone_days[*at as usize] = prep.slot_day[prep.span_start + k];
            *at += 1;
        }
        for i in (1..self.zone_start.len()).rev() {
            self.zone_start[i] = self.zone_start[i - 1];
        }
        self.zone_start[0] = 0;
    }
}

/// `c ln(c/μ) + (C − c) ln((C − c)/(C − μ))` for `c > μ`.
fn log_likelihood_ratio(c: f64, mu: f64, total: f64) -> f64 {
    let rest = total - c;
    let outside = if rest > 0.0 {
        rest * (rest / (total - mu)).ln()
    } else {
        0.0
    };
    c * (c / mu).ln() + outside
}

impl<'a> Prepared<'a> {
    fn new(circles: &'a Circles, cases: &[Case], config: &ScanConfig) -> Self {
        let days = (i64::from(config.last_day) - i64::from(config.first_day) + 1) as usize;
        let max_len = (config.max_days as usize).min(days);
        let mut sorted: Vec<(u32, u32)> = cases
            .iter()
            .map(|c| ((c.day - config.first_day) as u32, c.zone as u32))
            .collect();
        sorted.sort_unstable();
        let slot_day: Vec<u32> = sorted.iter().map(|s| s.0).collect();
        let slot_zone: Vec<u32> = sorted.iter().map(|s| s.1).collect();
        let span_start = match config.mode {
            Mode::Retrospective => 0,
            Mode::Prospective => {
                let from = (days - max_len) as u32;
                slot_day.partition_point(|&d| d < from)
            }
        };
        let mut day_prefix = vec![0u64; days + 1];
        for &d in &slot_day {
            day_prefix[d as usize + 1] += 1;
        }
        for d in 1..=days {
            day_prefix[d] += day_prefix[d - 1];
        }
        let mut zone_cases = vec![0u32; circles.zone_count()];
        for &z in &slot_zone {
            zone_cases[z as usize] += 1;
        }
        let limit = config.max_case_share * cases.len() as f64;
        let mut circle_cases = vec![0u32; circles.zone.len()];
        let mut circle_len = vec![0usize; circles.zone_count()];
        for (centre, len) in circle_len.iter_mut().enumerate() {
            let mut sum = 0u32;
            for step in circles.of(centre) {
                sum += zone_cases[circles.zone[step] as usize];
                if f64::from(sum) > limit {
                    break;
                }
                circle_cases[step] = sum;
                *len += 1;
            }
        }
        Self {
            circles,
            config: *config,
            days,
            max_len,
            total: cases.len() as f64,
            slot_day,
            slot_zone,
            span_start,
            day_prefix,
            circle_cases,
            circle_len,
            ln: (0..=cases.len()).map(|n| (n as f64).ln()).collect(),
        }
    }

    fn span_len(&self) -> usize {
        self.slot_day.len() - self.span_start
    }

    /// Requests on days `first..=last` over all zones.
    fn window_count(&self, first: u32, last: u32) -> u64 {
        self.day_prefix[last as usize + 1] - self.day_prefix[first as usize]
    }

    fn window_cases(&self, first: u32, last: u32) -> f64 {
        self.window_count(first, last) as f64
    }

    /// An upper bound of [`log_likelihood_ratio`] for `inside` requests where `zone_cases ·
    /// window_cases / C = mu < inside`, without calling `ln`: `c ln(c/μ)` from the table, and
    /// `(C − c) ln((C − c)/(C − μ)) ≤ (C − c)(μ − c)/(C − μ)` by `ln x ≤ x − 1`.
    fn llr_bound(&self, inside: u32, zone_cases: u32, window_cases: u64, mu: f64) -> f64 {
        let c = f64::from(inside);
        let ln = &self.ln;
        let ln_ratio = ln[inside as usize] + ln[ln.len() - 1]
            - ln[zone_cases as usize]
            - ln[window_cases as usize];
        c * ln_ratio + (self.total - c) * (mu - c) / (self.total - mu)
    }

    /// Whether a cylinder whose LLR is at most `bound` (up to rounding) can beat `bar`.
    fn may_beat(bound: f64, bar: f64) -> bool {
        bound + 1e-9 * (1.0 + bound.abs()) >= bar
    }

    /// The largest LLR of the data grouped in `scratch`; stops once it reaches `stop_at`. With
    /// `record`, every circle's best window is pushed there.
    fn scan_once(
        &self,
        scratch: &mut Scratch,
        stop_at: f64,
        mut record: Option<&mut Vec<Candidate>>,
    ) -> f64 {
        let mut best = 0.0f64;
        for centre in 0..self.circles.zone_count() {
            let base = self.circles.start[centre];
            let steps = base..base + self.circle_len[centre];
            let circle_best = match self.config.mode {
                Mode::Prospective => {
                    self.prospective_centre(scratch, centre, steps, best, record.as_deref_mut())
                }
                Mode::Retrospective => {
                    self.retrospective_centre(scratch, centre, steps, best, record.as_deref_mut())
                }
            };
            best = best.max(circle_best);
            if best >= stop_at {
                break;
            }
        }
        best
    }

    /// The best LLR of the circles of `centre` (at least `floor`, the best of the scan so far).
    /// Without `record` only the maximum matters, so cylinders that cannot beat it are skipped;
    /// with `record` each circle's own best window is wanted, whatever the others.
    fn prospective_centre(
        &self,
        scratch: &mut Scratch,
        centre: usize,
        steps: std::ops::Range<usize>,
        floor: f64,
        mut record: Option<&mut Vec<Candidate>>,
    ) -> f64 {
        let last = (self.days - 1) as u32;
        let min_cases = self.config.min_cases;
        let per_offset = &mut scratch.per_day[..self.max_len];
        per_offset.fill(0);
        let mut best = floor;
        for step in steps.clone() {
            let zone = self.circles.zone[step] as usize;
            let range = scratch.zone_start[zone] as usize..scratch.zone_start[zone + 1] as usize;
            if range.is_empty() {
                continue;
            }
            for &d in &scratch.zone_days[range] {
                per_offset[(last - d) as usize] += 1;
            }
            let zone_count = self.circle_cases[step];
            let mut inside = 0u32;
            let mut step_best: Option<Candidate> = None;
            let mut bar = if record.is_some() { 0.0 } else { best };
            for (offset, &n) in per_offset.iter().enumerate() {
                if n == 0 {
                    continue;
                }
                inside += n;
                if inside < min_cases {
                    continue;
                }
                let first = last - offset as u32;
                self.weigh(
                    (centre, step - steps.start, zone_count),
                    (first, last, inside),
                    &mut bar,
                    &mut step_best,
                );
            }
            if let Some(b) = step_best {
                best = best.max(b.llr);
                if let Some(r) = record.as_deref_mut() {
                    r.push(b);
                }
            }
        }
        best
    }

    /// Weighs one cylinder — circle step `step` of `centre` with `zone_count` requests over
    /// the whole period, window `first..=last` holding `inside` of them — against `bar`, the
    /// best statistic so far: keeps it as the step's best when it beats that step's best, and
    /// raises the bar.
    #[inline]
    fn weigh(
        &self,
        (centre, step, zone_count): (usize, usize, u32),
        (first, last, inside): (u32, u32, u32),
        bar: &mut f64,
        step_best: &mut Option<Candidate>,
    ) {
        let window = self.window_count(first, last);
        let mu = f64::from(zone_count) * window as f64 / self.total;
        let c = f64::from(inside);
        if c <= mu || !Self::may_beat(self.llr_bound(inside, zone_count, window, mu), *bar) {
            return;
        }
        let llr = log_likelihood_ratio(c, mu, self.total);
        *bar = bar.max(llr);
        if step_best.is_none_or(|b| llr > b.llr) {
            *step_best = Some(Candidate {
                centre,
                step,
                llr,
                first,
                last,
                observed: inside,
                expected: mu,
            });
        }
    }

    /// As [`Self::prospective_centre`], over every window.
    fn retrospective_centre(
        &self,
        scratch: &mut Scratch,
        centre: usize,
        steps: std::ops::Range<usize>,
        floor: f64,
        mut record: Option<&mut Vec<Candidate>>,
    ) -> f64 {
        let max_len = self.max_len as u32;
        let last_day = (self.days - 1) as u32;
        let min_cases = self.config.min_cases;
        let mut best = floor;
        let Scratch {
            zone_start,
            zone_days,
            per_day,
            touched,
            left,
            right,
        } = scratch;
        for step in steps.clone() {
            let zone = self.circles.zone[step] as usize;
            let days = &zone_days[zone_start[zone] as usize..zone_start[zone + 1] as usize];
            if days.is_empty() {
                continue;
            }
            for &d in days {
                if per_day[d as usize] == 0 {
                    touched.push(d);
                }
                per_day[d as usize] += 1;
            }
            let zone_count = self.circle_cases[step];
            let mut step_best: Option<Candidate> = None;
            let mut bar = if record.is_some() { 0.0 } else { best };
            let mut previous = None;
            for &d in days {
                if previous == Some(d) {
                    continue;
                }
                previous = Some(d);
                // Occupied days from d back, and after d, within one window length; with the
                // requests from each to d (inclusive on the left, exclusive on the right).
                left.clear();
                let mut sum = 0u32;
                for s in (d.saturating_sub(max_len - 1)..=d).rev() {
                    let n = per_day[s as usize];
                    if n > 0 {
                        sum += n;
                        left.push((s, sum));
                    }
                }
                right.clear();
                right.push((d, 0));
                let mut sum = 0u32;
                for e in d + 1..=(d + max_len - 1).min(last_day) {
                    let n = per_day[e as usize];
                    if n > 0 {
                        sum += n;
                        right.push((e, sum));
                    }
                }
                for &(first, from_left) in left.iter() {
                    for &(last, from_right) in right.iter() {
                        if last - first >= max_len {
                            break;
                        }
                        let inside = from_left + from_right;
                        if inside < min_cases {
                            continue;
                        }
                        self.weigh(
                            (centre, step - steps.start, zone_count),
                            (first, last, inside),
                            &mut bar,
                            &mut step_best,
                        );
                    }
                }
            }
            if let Some(b) = step_best {
                best = best.max(b.llr);
                if let Some(r) = record.as_deref_mut() {
                    r.push(b);
                }
            }
        }
        for &d in touched.iter() {
            per_day[d as usize] = 0;
        }
        touched.clear();
        best
    }

    /// The generator of replication `rep` (numbered from 1): its own stream of the seed.
    fn generator(&self, rep: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.config.seed);
        rng.set_stream(rep);
        rng
    }

    /// Gives the span's slots (`work[..span]`) a uniform random ordered sample of the zones of
    /// all requests by a partial Fisher–Yates shuffle, recording the swaps in `swaps` so they
    /// can be undone. With the rest of `work` for the other slots, this is one uniform
    /// permutation of the days among the requests.
    fn shuffle(&self, rng: &mut ChaCha8Rng, work: &mut [u32], swaps: &mut Vec<usize>) {
        let n = work.len();
        swaps.clear();
        for i in 0..self.span_len() {
            let j = rng.random_range(i..n);
            work.swap(i, j);
            swaps.push(j);
        }
    }

    /// The maximum LLR of replication `rep`, or a value ≥ `stop_at` as soon as one is reached.
    /// `work` is a copy of `slot_zone`, returned unchanged.
    fn replicate(
        &self,
        rep: u64,
        work: &mut [u32],
        swaps: &mut Vec<usize>,
        scratch: &mut Scratch,
        stop_at: f64,
    ) -> f64 {
        self.shuffle(&mut self.generator(rep), work, swaps);
        let span = self.span_len();
        scratch.group(self, &work[..span]);
        let best = self.scan_once(scratch, stop_at, None);
        for i in (0..span).rev() {
            work.swap(i, swaps[i]);
        }
        best
    }

    /// The maximum LLR of each replication, in replication order.
    fn replication_maxima(&self, stop_at: f64) -> Vec<f64> {
        let reps = self.config.replications as usize;
        let threads = match self.config.threads {
            0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            n => n,
        }
        .clamp(1, reps);
        let batch = |range: std::ops::Range<usize>| -> Vec<f64> {
            let mut scratch = Scratch::new(self);
            let mut work = self.slot_zone.clone();
            let mut swaps = Vec::with_capacity(self.span_len());
            range
                .map(|rep| {
                    self.replicate(rep as u64 + 1, &mut work, &mut swaps, &mut scratch, stop_at)
                })
                .collect()
        };
        if threads == 1 {
            return batch(0..reps);
        }
        let batch = &batch;
        let chunk = reps.div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let range = t * chunk..((t + 1) * chunk).min(reps);
                    s.spawn(move || batch(range))
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("a replication thread panicked"))
                .collect()
        })
    }

    fn hotspot(&self, c: &Candidate, p_value: f64) -> Hotspot {
        let base = self.circles.start[c.centre];
        let steps = base..=base + c.step;
        let zones: Vec<usize> = self.circles.zone[steps.clone()]
            .iter()
            .map(|&z| z as usize)
            .collect();
        let zone_cases = f64::from(self.circle_cases[base + c.step]);
        let len = (c.last - c.first + 1) as usize;
        let mut inside = vec![false; self.circles.zone_count()];
        for &z in &zones {
            inside[z] = true;
        }
        let mut daily_observed = vec![0u32; len];
        for (&d, &z) in self.slot_day.iter().zip(&self.slot_zone) {
            if inside[z as usize] && (c.first..=c.last).contains(&d) {
                daily_observed[(d - c.first) as usize] += 1;
            }
        }
        let daily_expected: Vec<f64> = (c.first..=c.last)
            .map(|d| zone_cases * self.window_cases(d, d) / self.total)
            .collect();
        let rest = self.total - f64::from(c.observed);
        let relative_risk = if rest > 0.0 {
            (f64::from(c.observed) / c.expected) / (rest / (self.total - c.expected))
        } else {
            f64::MAX
        };
        Hotspot {
            centre: c.centre,
            radius_m: self.circles.distance[base + c.step],
            first_day: self.config.first_day + c.first as i32,
            last_day: self.config.first_day + c.last as i32,
            observed: c.observed,
            expected: c.expected,
            relative_risk,
            llr: c.llr,
            p_value,
            trend: Trend {
                slope_per_day: slope(&daily_observed),
                daily_observed,
                daily_expected,
            },
            zones,
        }
    }
}

/// Least-squares slope of `y` against 0, 1, 2, …
fn slope(y: &[u32]) -> f64 {
    let n = y.len() as f64;
    if y.len() < 2 {
        return 0.0;
    }
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = y.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (x, &v) in y.iter().enumerate() {
        let dx = x as f64 - mean_x;
        sxy += dx * (f64::from(v) - mean_y);
        sxx += dx * dx;
    }
    sxy / sxx
}

fn run(circles: &Circles, cases: &[Case], config: &ScanConfig) -> ScanResult {
    let prep = Prepared::new(circles, cases, config);
    let mut result = ScanResult {
        cases: cases.len() as u32,
        replications: config.replications,
        hotspots: Vec::new(),
    };
    if prep.span_len() == 0 {
        return result;
    }
    let mut scratch = Scratch::new(&prep);
    scratch.group(&prep, &prep.slot_zone[prep.span_start..]);
    let mut candidates = Vec::new();
    prep.scan_once(&mut scratch, f64::INFINITY, Some(&mut candidates));
    candidates.sort_by(|a, b| {
        b.llr
            .total_cmp(&a.llr)
            .then(a.centre.cmp(&b.centre))
            .then(a.step.cmp(&b.step))
    });
    // Most likely first, then the best ones sharing no zone with a chosen one.
    let mut taken = vec![false; circles.zone_count()];
    let mut chosen: Vec<Candidate> = Vec::new();
    for c in candidates {
        if chosen.len() == config.max_clusters {
            break;
        }
        let base = circles.start[c.centre];
        let zones = &circles.zone[base..=base + c.step];
        if zones.iter().any(|&z| taken[z as usize]) {
            continue;
        }
        for &z in zones {
            taken[z as usize] = true;
        }
        chosen.push(c);
    }
    let Some(primary) = chosen.first() else {
        return result;
    };
    let maxima = prep.replication_maxima(primary.llr);
    let reps = f64::from(config.replications);
    result.hotspots = chosen
        .iter()
        .map(|c| {
            // A replication's maximum equal to the cluster's own (to rounding) counts against it.
            let at_least = maxima
                .iter()
                .filter(|&&m| m >= c.llr - 1e-9 * c.llr.abs().max(1.0))
                .count();
            prep.hotspot(c, (1.0 + at_least as f64) / (reps + 1.0))
        })
        .collect();
    result
}
