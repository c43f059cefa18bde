//! Demo feed: a seeded generator of requests that look like Binhe Street's daily intake, sent
//! through the same intake pipeline as real ones so the map in demo mode is alive. Every name,
//! phone number, order number and sentence it writes is synthetic.
//!
//! Realism rules, and why each is there:
//! - **Channels** ("多个龙头进水"): 12345 hotline 45 %, grid patrol 30 %, camera 10 %, resident
//!   12 %, referral 3 %. Hotline orders carry `12345-YYYYMMDD-NNNNNN` and a caller such as 王先生
//!   whose phone is masked the way exports show it (`138****1234`). Patrol reports carry the demo worker id: street-lane
//!   grids have one full-time worker each, `ZZnnn` numbered in the grids' code order as the demo
//!   dataset does; part-time ids inside compounds cannot be derived from the grids, so those say
//!   `patrol`. Camera alerts say `camera` and only name what a camera can see (违章停车, 占道经营,
//!   垃圾堆放, 消防通道堵塞). Referrals carry `交办-YYYY-NNN`. Hotline and referral orders name the
//!   category in Chinese as 12345 sheets do; the app channels send its code.
//! - **Places**: a compound drawn in proportion to its population, so busy compounds complain
//!   more; a street-lane grid, where few people live but everyone passes, weighs 30 % of its
//!   community's residents shared among the community's lanes, so street problems (parking,
//!   vending, roads, lights) make up about a third of the intake as in a town centre. Street
//!   lanes get street categories, compounds residential ones. The point is
//!   sampled in the grid's bounding box until the grid contains it (then its interior point), so
//!   routing puts it back in that grid. About 5 % of hotline orders give only an address naming
//!   the grid (not for grids whose name is shared, which an address cannot pick out), and about
//!   1 % of point reports, all from citizens, lie 200–800 m beyond the street's bounding box, so
//!   the address matcher and the unrouted queue have work.
//! - **Duplicates**: about 12 % of requests repeat a point problem of the last 3 hours: same
//!   category, 3–40 m from it, by another channel or another caller. When no earlier problem fits
//!   (a quiet night), the repeat is owed to a later request, a few at most, so the share holds.
//! - **Urgency**: urgent for 60 % of urgent-safety categories, 5 % of the others.
//! - **Descriptions**: per-category sentence templates filled with the place (micro-grid name,
//!   building or landmark) and a varied detail, opened and closed in each channel's manner.
//! - **Time**: requests follow a daily rhythm in Beijing time — few at night, peaks at 9–11 and
//!   14–17 — and noise complaints crowd the evening, so at one average rate a night gap is
//!   longer than a morning one.
//! - **Determinism**: one ChaCha8 stream from the seed, as the demo dataset uses, so the same seed
//!   and the same calls give the same requests.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Datelike, Duration, SecondsFormat, Timelike, Utc};
use geo::{Contains, Coord, InteriorPoint, MultiPolygon, Point as GeoPoint, Rect};
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::catalogue::Catalogue;
use super::intake::{IntakeRequest, beijing};
use super::sla::SlaClass;
use super::{Channel, Urgency};
use crate::code::GridCode;
use crate::geometry::LocalProjection;
use crate::grid::{GridHierarchy, GridLevel, MicroKind};

/// Channel shares in per cent.
const CHANNEL_MIX: [(Channel, u32); 5] = [
    (Channel::Hotline, 45),
    (Channel::Patrol, 30),
    (Channel::Camera, 10),
    (Channel::Resident, 12),
    (Channel::Referral, 3),
];
/// Share of hotline orders that give an address and no point.
const ADDRESS_ONLY: f64 = 0.05;
/// Share of citizens' new point reports that lie outside the street. Citizens make about half of
/// all point reports, so this is about 1 % of them.
const OUTSIDE: f64 = 0.02;
const REPEAT: f64 = 0.12;
/// How far back a repeat may reach, and how many unplaced repeats are carried forward.
const REPEAT_LOOKBACK_HOURS: i64 = 3;
const MAX_OWED_REPEATS: u32 = 3;
/// Earlier problems tried, and spots tried around each, before a repeat is deferred.
const REPEAT_TRIES: usize = 8;
const POINT_TRIES: usize = 32;
const URGENT_IF_SAFETY: f64 = 0.6;
const URGENT_OTHERWISE: f64 = 0.05;
/// Relative request rate per Beijing hour; the values add up to 24 so the day averages the
/// requested rate.
const RHYTHM: [f64; 24] = [
    0.15, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.65, 2.1, 2.2, 2.0, 1.0, 1.1, 1.9, 2.0, 1.9, 1.3,
    0.9, 0.9, 1.0, 0.9, 0.6, 0.3,
];
/// Noise complaints weigh this much more from 19:00 to 01:00.
const EVENING_NOISE: f64 = 4.0;
/// GPS fixes are written with 6 decimals (about 10 cm).
const COORDINATE_SCALE: f64 = 1e6;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const SIDES: &[&str] = &["东侧", "西侧", "南侧", "北侧", "楼下", "单元门口"];
const LANDMARKS: &[&str] = &[
    "公交站旁",
    "十字路口东北角",
    "超市门前",
    "小学门口",
    "菜市场路口",
    "人行道上",
];
/// Invented spots just beyond the street, for the reports that fall outside it.
const OUTSIDE_SPOTS: &[&str] = &[
    "泃河南岸步道",
    "东环路外侧加油站",
    "城北物流园门口",
    "南环路以南菜地边",
];

/// How a category is talked about. `{p}` is the place, `{s}` a side of it, `{d}` the detail.
struct CategoryText {
    name: &'static str,
    /// Relative frequency among the categories a place can have.
    weight: f64,
    street: bool,
    compound: bool,
    camera: bool,
    lines: [&'static str; 2],
    details: &'static [&'static str],
}

const TEXTS: [CategoryText; 13] = [
    CategoryText {
        name: "违章停车",
        weight: 4.0,
        street: true,
        compound: false,
        camera: true,
        lines: [
            "{p}{d}长时间违章停车，堵住了通行",
            "{p}{d}停在人行道上，行人只能绕行",
        ],
        details: &["一辆白色轿车", "多辆私家车", "一辆货车", "一辆黑色越野车"],
    },
    CategoryText {
        name: "占道经营",
        weight: 3.0,
        street: true,
        compound: false,
        camera: true,
        lines: [
            "{p}有{d}占道经营，影响通行",
            "{p}{d}把摊位摆到了路中间，早晚高峰拥堵",
        ],
        details: &["水果摊", "早点摊", "烧烤摊", "卖菜的商贩"],
    },
    CategoryText {
        name: "道路破损",
        weight: 1.5,
        street: true,
        compound: false,
        camera: false,
        lines: ["{p}路面出现{d}，车辆经过颠簸", "{p}道路{d}较严重，雨天积水"],
        details: &["坑洼", "裂缝", "塌陷", "翻浆"],
    },
    CategoryText {
        name: "路灯",
        weight: 1.5,
        street: true,
        compound: false,
        camera: false,
        lines: ["{p}路灯{d}，夜间出行不便", "{p}有几盏路灯{d}，已持续多日"],
        details: &["不亮", "忽明忽暗", "灯杆倾斜", "灯罩脱落"],
    },
    CategoryText {
        name: "井盖破损",
        weight: 1.0,
        street: true,
        compound: false,
        camera: false,
        lines: [
            "{p}井盖{d}，有行人绊倒风险",
            "{p}一处井盖{d}，夜间车辆经过很危险",
        ],
        details: &["破损", "缺失", "松动", "塌陷"],
    },
    CategoryText {
        name: "垃圾堆放",
        weight: 3.0,
        street: true,
        compound: true,
        camera: true,
        lines: ["{p}{s}堆放{d}多日无人清运", "{p}{s}有{d}乱堆乱放，气味较大"],
        details: &["建筑垃圾", "生活垃圾", "大件旧家具", "修剪下的树枝"],
    },
    CategoryText {
        name: "噪音扰民",
        weight: 3.0,
        street: false,
        compound: true,
        camera: false,
        lines: [
            "{p}{d}噪音很大，影响休息",
            "{p}附近{d}的声音持续到深夜，严重扰民",
        ],
        details: &["装修", "广场舞音响", "商铺促销喇叭", "夜间施工"],
    },
    CategoryText {
        name: "楼顶漏雨",
        weight: 1.0,
        street: false,
        compound: true,
        camera: false,
        lines: ["{p}{d}漏雨，墙面发霉", "{p}下雨时{d}渗水，住户家中受损"],
        details: &["顶层", "楼道", "屋面"],
    },
    CategoryText {
        name: "群租房",
        weight: 1.0,
        street: false,
        compound: true,
        camera: false,
        lines: [
            "{p}{d}被隔成多间出租，住了十几个人",
            "{p}疑似有群租房，{d}人员进出频繁",
        ],
        details: &["一套两居室", "地下室", "一户"],
    },
    CategoryText {
        name: "电动车飞线充电",
        weight: 2.0,
        street: false,
        compound: true,
        camera: false,
        lines: [
            "{p}有人{d}给电动车充电，存在火灾隐患",
            "{p}{s}发现电动车飞线充电，{d}",
        ],
        details: &["从窗户拉线", "在楼道里私拉电线", "在单元门口接插线板"],
    },
    CategoryText {
        name: "污水返水",
        weight: 1.5,
        street: false,
        compound: true,
        camera: false,
        lines: ["{p}{d}污水返水，气味很大", "{p}{d}下水不畅，污水漫出"],
        details: &["一层住户", "楼前下水道", "地下室"],
    },
    CategoryText {
        name: "消防通道堵塞",
        weight: 1.5,
        street: false,
        compound: true,
        camera: true,
        lines: [
            "{p}{s}消防通道被{d}堵塞",
            "{p}{s}{d}占用消防通道，消防车无法通行",
        ],
        details: &["私家车", "杂物", "共享单车"],
    },
    CategoryText {
        name: "私搭乱建",
        weight: 1.0,
        street: false,
        compound: true,
        camera: false,
        lines: ["{p}{s}有人私自搭建{d}", "{p}{s}新建了{d}，疑似违建"],
        details: &["彩钢房", "阳台外扩", "院内棚子"],
    },
];

/// A catalogue category as the generator uses it.
struct Topic {
    code: String,
    name_zh: String,
    urgent_safety: bool,
    /// `None` for a category an operator added, which gets a plain sentence.
    text: Option<&'static CategoryText>,
}

impl Topic {
    fn weight(&self, beijing_hour: u32) -> f64 {
        let base = self.text.map_or(1.0, |t| t.weight);
        let evening = matches!(beijing_hour, 19..=23 | 0);
        if evening && self.name_zh == "噪音扰民" {
            base * EVENING_NOISE
        } else {
            base
        }
    }
}

/// A grid requests are placed in.
struct Place {
    code: GridCode,
    name: String,
    street_lane: bool,
    shape: MultiPolygon<f64>,
    bbox: Rect<f64>,
    interior: Coord<f64>,
    /// No other grid has this name, so an address naming it routes here.
    addressable: bool,
    /// The demo's full-time worker on a street-lane grid.
    worker: Option<String>,
}

#[derive(Clone, PartialEq)]
struct Reporter {
    name: String,
    phone: String,
}

/// A recent problem with a point, which a later request may repeat.
struct Problem {
    at: DateTime<Utc>,
    topic: usize,
    place: usize,
    point: Coord<f64>,
    spot: String,
    side: &'static str,
    detail: usize,
    channel: Channel,
    reporter: Option<Reporter>,
}

/// Everything a request says, before it is written out.
struct Draft {
    channel: Channel,
    topic: usize,
    /// `None` for a spot outside the street.
    place: Option<usize>,
    spot: String,
    side: &'static str,
    detail: usize,
    point: Option<Coord<f64>>,
    reporter: Option<Reporter>,
}

/// What a training scenario asks [`TicketGenerator::staged`] for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Staged<'a> {
    pub category: &'a str,
    pub place: Option<&'a GridCode>,
    pub channel: Option<Channel>,
    pub description: Option<&'a str>,
    pub urgency: Option<Urgency>,
}

/// Seeded source of synthetic requests for demo mode.
///
/// ```
/// use binhe_core::demo;
/// use binhe_core::ticket::{Catalogue, demo_feed::TicketGenerator, intake};
/// use chrono::{TimeZone, Utc};
///
/// let dataset = demo::generate(demo::DEFAULT_SEED);
/// let catalogue = Catalogue::defaults();
/// let mut feed = TicketGenerator::new(7, &dataset.hierarchy, &catalogue);
/// let start = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
/// let requests = feed.history(start, 3, 20.0);
/// let now = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
/// for request in &requests {
///     assert!(intake::validate(request, &catalogue, &dataset.hierarchy, now).is_ok());
/// }
/// ```
pub struct TicketGenerator {
    rng: ChaCha8Rng,
    street_name: String,
    projection: LocalProjection,
    /// The street's bounding box in metres on `projection`.
    street_box: Rect<f64>,
    places: Vec<Place>,
    by_population: WeightedIndex<u64>,
    topics: Vec<Topic>,
    /// Topic indexes by \[street lane?\]\[camera?\].
    menus: [[Vec<usize>; 2]; 2],
    recent: VecDeque<Problem>,
    owed_repeats: u32,
    hotline_sequence: u32,
    referral_sequence: u32,
}

impl TicketGenerator {
    /// Prepares a generator over the street's micro-grids (communities, or the street itself, if
    /// the hierarchy stops above them) and the catalogue's categories.
    ///
    /// # Panics
    /// If the catalogue has no category.
    pub fn new(seed: u64, hierarchy: &GridHierarchy, catalogue: &Catalogue) -> Self {
        let level = [GridLevel::Micro, GridLevel::Community]
            .into_iter()
            .find(|&l| hierarchy.count(l) > 0)
            .unwrap_or(GridLevel::Street);
        let mut name_counts: HashMap<&str, usize> = HashMap::new();
        for grid in hierarchy.grids() {
            if grid.level() != GridLevel::Street {
                *name_counts.entry(grid.name.as_str()).or_default() += 1;
            }
        }
        let mut street_lanes = 0;
        let places: Vec<Place> = hierarchy
            .at_level(level)
            .map(|index| {
                let grid = hierarchy.get(index);
                let street_lane = grid.kind == Some(MicroKind::StreetLane);
                let worker = street_lane.then(|| {
                    street_lanes += 1;
                    format!("ZZ{street_lanes:03}")
                });
                let bbox = grid.bbox();
                Place {
                    code: grid.code.clone(),
                    name: grid.name.clone(),
                    street_lane,
                    interior: grid
                        .shape
                        .interior_point()
                        .map_or_else(|| bbox.center(), GeoPoint::into),
                    shape: grid.shape.clone(),
                    bbox,
                    addressable: !grid.name.is_empty()
                        && name_counts.get(grid.name.as_str()) == Some(&1),
                    worker,
                }
            })
            .collect();
        let lanes_in = |community: Option<usize>| {
            community.map_or(1, |c| {
                hierarchy
                    .children_of(c)
                    .iter()
                    .filter(|&&m| hierarchy.get(m).kind == Some(MicroKind::StreetLane))
                    .count()
                    .max(1) as u64
            })
        };
        let populations: Vec<u64> = hierarchy
            .at_level(level)
            .map(|i| {
                let grid = hierarchy.get(i);
                if grid.kind == Some(MicroKind::StreetLane) {
                    let community = hierarchy.parent_of(i);
                    let residents = community.map_or(0, |c| u64::from(hierarchy.get(c).population));
                    residents * 3 / 10 / lanes_in(community)
                } else {
                    u64::from(grid.population)
                }
            })
            .collect();
        // A surveyed import may carry no population at all; then every grid is equally likely.
        let weights = if populations.iter().all(|&p| p == 0) {
            vec![1; populations.len()]
        } else {
            populations
        };
        let by_population = WeightedIndex::new(weights).expect("at least one grid has weight");

        assert!(
            !catalogue.categories.is_empty(),
            "the demo feed needs at least one category"
        );
        let topics: Vec<Topic> = catalogue
            .categories
            .iter()
            .map(|c| Topic {
                code: c.code.clone(),
                name_zh: c.name_zh.clone(),
                urgent_safety: c.sla_class == SlaClass::UrgentSafety,
                text: TEXTS.iter().find(|t| t.name == c.name_zh),
            })
            .collect();
        // A retuned catalogue may lack a kind's categories: fall back to what it has.
        let menu = |street_lane: bool| {
            let matching = |camera: bool| -> Vec<usize> {
                topics
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| {
                        t.text.is_some_and(|t| {
                            (if street_lane { t.street } else { t.compound })
                                && (!camera || t.camera)
                        })
                    })
                    .map(|(i, _)| i)
                    .collect()
            };
            let mut seen = matching(false);
            if seen.is_empty() {
                seen = (0..topics.len()).collect();
            }
            let mut camera = matching(true);
            if camera.is_empty() {
                camera.clone_from(&seen);
            }
            [seen, camera]
        };
        let menus = [menu(false), menu(true)];

        let street_bbox = hierarchy.street().bbox();
        let projection = LocalProjection::centred_on(street_bbox);
        let street_box = Rect::new(
            projection.to_metres(street_bbox.min()),
            projection.to_metres(street_bbox.max()),
        );
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let hotline_sequence = rng.random_range(1_000..9_000);
        Self {
            rng,
            street_name: hierarchy.street().name.clone(),
            projection,
            street_box,
            places,
            by_population,
            topics,
            menus,
            recent: VecDeque::new(),
            owed_repeats: 0,
            hotline_sequence,
            referral_sequence: 0,
        }
    }

    /// Next request received at `at`.
    pub fn request_at(&mut self, at: DateTime<Utc>) -> IntakeRequest {
        let channel = self.channel();
        if self.rng.random_bool(REPEAT) {
            self.owed_repeats = (self.owed_repeats + 1).min(MAX_OWED_REPEATS);
        }
        let lookback = at - Duration::hours(REPEAT_LOOKBACK_HOURS);
        while self.recent.front().is_some_and(|p| p.at < lookback) {
            self.recent.pop_front();
        }
        let address_only = channel == Channel::Hotline && self.rng.random_bool(ADDRESS_ONLY);
        let repeat = if address_only || self.owed_repeats == 0 {
            None
        } else {
            self.repeat(channel, at)
        };
        let draft = if let Some(draft) = repeat {
            self.owed_repeats -= 1;
            draft
        } else {
            self.fresh(channel, at, address_only)
        };
        self.write(draft, at)
    }

    /// Simulated time until the next request, given an average rate per hour; follows the daily
    /// rhythm (few at night, peaks at 9–11 and 14–17), so at the same rate a night gap is longer
    /// than a morning gap.
    ///
    /// # Panics
    /// If `per_hour` is not a positive finite number.
    pub fn next_gap(&mut self, at: DateTime<Utc>, per_hour: f64) -> Duration {
        assert!(
            per_hour.is_finite() && per_hour > 0.0,
            "the request rate must be positive, got {per_hour}"
        );
        // Inversion of a Poisson process whose rate changes by the hour: draw one unit
        // exponential of "expected requests" and spend it through the hours ahead.
        let mut budget = -(1.0 - self.rng.random::<f64>()).ln();
        let per_day = per_hour * 24.0;
        let whole_days = (budget / per_day).floor();
        budget -= whole_days * per_day;
        let mut elapsed = whole_days * 86_400.0;
        let local = at.with_timezone(&beijing());
        let mut clock = f64::from(local.num_seconds_from_midnight())
            + f64::from(local.nanosecond().min(999_999_999)) / 1e9;
        loop {
            let hour = ((clock / 3_600.0) as usize).min(23);
            let per_second = per_hour * RHYTHM[hour] / 3_600.0;
            let left = (hour as f64 + 1.0) * 3_600.0 - clock;
            if budget <= per_second * left {
                elapsed += budget / per_second;
                break;
            }
            budget -= per_second * left;
            elapsed += left;
            clock = (clock + left) % 86_400.0;
        }
        Duration::milliseconds((elapsed * 1_000.0).round().max(1.0) as i64)
    }

    /// A request a training scenario sends at `at`: of `staged.category` (its code), from the
    /// grid `staged.place` (one drawn by population when `None`), by `staged.channel` (one drawn
    /// from the usual mix when `None`), in the generator's words unless `staged.description`
    /// gives the caller's own, with a point in the grid as a phone would fix it. `None` when the
    /// catalogue has no such category or the street no such grid.
    pub fn staged(&mut self, at: DateTime<Utc>, staged: &Staged<'_>) -> Option<IntakeRequest> {
        let topic = self.topics.iter().position(|t| t.code == staged.category)?;
        let place = match staged.place {
            Some(code) => self.places.iter().position(|p| &p.code == code)?,
            None => self.by_population.sample(&mut self.rng),
        };
        let channel = staged.channel.unwrap_or_else(|| self.channel());
        let reporter =
            matches!(channel, Channel::Hotline | Channel::Resident).then(|| self.reporter());
        let (spot, side) = self.spot(place);
        let draft = Draft {
            channel,
            topic,
            place: Some(place),
            spot,
            side,
            detail: self.detail(topic),
            point: Some(self.point_in(place)),
            reporter,
        };
        let mut request = self.write(draft, at);
        if let Some(description) = staged.description {
            description.clone_into(request.description.get_or_insert_default());
        }
        if let Some(urgency) = staged.urgency {
            request.urgency = Some(urgency.as_str().to_owned());
        }
        Some(request)
    }

    /// `count` requests from `start` at `per_hour`, in time order (used to seed history and in
    /// benchmarks).
    pub fn history(
        &mut self,
        start: DateTime<Utc>,
        count: usize,
        per_hour: f64,
    ) -> Vec<IntakeRequest> {
        let mut at = start;
        (0..count)
            .map(|_| {
                at += self.next_gap(at, per_hour);
                self.request_at(at)
            })
            .collect()
    }

    /// An episode, as the street lives through now and then (the seed's 承平园 sewage
    /// backflow): `count` requests of `category` (its code) from the compound grids whose name
    /// starts with `place` — the first of them and its nearest neighbour — between `from` and
    /// `until`, more of them towards the end, in time order. Residents call the hotline or
    /// write in; each request is a new voice (its own reporter). Empty when the street has no
    /// such grid or the catalogue no such category.
    pub fn episode(
        &mut self,
        place: &str,
        category: &str,
        (from, until): (DateTime<Utc>, DateTime<Utc>),
        count: usize,
    ) -> Vec<IntakeRequest> {
        let Some(topic) = self.topics.iter().position(|t| t.code == category) else {
            return Vec::new();
        };
        let matching: Vec<usize> = (0..self.places.len())
            .filter(|&i| !self.places[i].street_lane && self.places[i].name.starts_with(place))
            .collect();
        let Some(&centre) = matching.first() else {
            return Vec::new();
        };
        let distance = |i: usize| {
            let (a, b) = (self.places[centre].interior, self.places[i].interior);
            (a.x - b.x).hypot(a.y - b.y)
        };
        let neighbour = matching[1..]
            .iter()
            .copied()
            .min_by(|&a, &b| distance(a).total_cmp(&distance(b)));
        let places: Vec<usize> = std::iter::once(centre).chain(neighbour).collect();
        let span = (until - from).num_seconds().max(1) as f64;
        // Density rising linearly over the window: the square root of a uniform draw.
        let mut times: Vec<DateTime<Utc>> = (0..count)
            .map(|_| from + Duration::seconds((span * self.rng.random::<f64>().sqrt()) as i64))
            .collect();
        times.sort_unstable();
        times
            .into_iter()
            .map(|at| {
                let place = places[self.rng.random_range(0..places.len())];
                let channel = if self.rng.random_bool(0.7) {
                    Channel::Hotline
                } else {
                    Channel::Resident
                };
                let building = self.rng.random_range(1..=12);
                let side = SIDES[self.rng.random_range(0..SIDES.len())];
                let draft = Draft {
                    channel,
                    topic,
                    place: Some(place),
                    spot: format!("{}{building}号楼", self.places[place].name),
                    side,
                    detail: self.detail(topic),
                    point: Some(self.point_in(place)),
                    reporter: Some(self.reporter()),
                };
                self.write(draft, at)
            })
            .collect()
    }

    fn channel(&mut self) -> Channel {
        let mut roll = self.rng.random_range(0..100);
        for (channel, share) in CHANNEL_MIX {
            if roll < share {
                return channel;
            }
            roll -= share;
        }
        unreachable!("the channel shares add up to 100")
    }

    /// A new problem somewhere in the street (or, rarely, just outside it).
    fn fresh(&mut self, channel: Channel, at: DateTime<Utc>, address_only: bool) -> Draft {
        let citizen = matches!(channel, Channel::Hotline | Channel::Resident);
        let reporter = citizen.then(|| self.reporter());
        let camera = channel == Channel::Camera;
        if citizen && !address_only && self.rng.random_bool(OUTSIDE) {
            let spot = OUTSIDE_SPOTS[self.rng.random_range(0..OUTSIDE_SPOTS.len())].to_owned();
            let topic = self.topic(true, camera, at);
            return Draft {
                channel,
                topic,
                place: None,
                spot,
                side: "",
                detail: self.detail(topic),
                point: Some(self.outside_point()),
                reporter,
            };
        }
        let place = self.by_population.sample(&mut self.rng);
        let street_lane = self.places[place].street_lane;
        let topic = self.topic(street_lane, camera, at);
        let (spot, side) = self.spot(place);
        let detail = self.detail(topic);
        let point =
            (!(address_only && self.places[place].addressable)).then(|| self.point_in(place));
        if let Some(point) = point {
            self.recent.push_back(Problem {
                at,
                topic,
                place,
                point,
                spot: spot.clone(),
                side,
                detail,
                channel,
                reporter: reporter.clone(),
            });
        }
        Draft {
            channel,
            topic,
            place: Some(place),
            spot,
            side,
            detail,
            point,
            reporter,
        }
    }

    /// Another report of a recent problem, if one fits this channel and a spot near it lies in
    /// the same grid.
    fn repeat(&mut self, channel: Channel, at: DateTime<Utc>) -> Option<Draft> {
        if self.recent.is_empty() {
            return None;
        }
        for _ in 0..REPEAT_TRIES {
            let original = &self.recent[self.rng.random_range(0..self.recent.len())];
            let camera_sees = self.topics[original.topic].text.is_some_and(|t| t.camera);
            // A second report from the same camera, worker or office is not a new voice.
            let fits = original.at <= at
                && match channel {
                    Channel::Camera => camera_sees && original.channel != Channel::Camera,
                    Channel::Patrol | Channel::Referral | Channel::Proactive => {
                        original.channel != channel
                    }
                    Channel::Hotline | Channel::Resident => true,
                };
            if !fits {
                continue;
            }
            let (topic, place, origin) = (original.topic, original.place, original.point);
            let (spot, side, detail) = (original.spot.clone(), original.side, original.detail);
            let earlier = (original.channel == channel)
                .then(|| original.reporter.clone())
                .flatten();
            let Some(point) = self.near(origin, place) else {
                continue;
            };
            let reporter = matches!(channel, Channel::Hotline | Channel::Resident).then(|| {
                let mut reporter = self.reporter();
                while earlier.as_ref() == Some(&reporter) {
                    reporter = self.reporter();
                }
                reporter
            });
            return Some(Draft {
                channel,
                topic,
                place: Some(place),
                spot,
                side,
                detail,
                point: Some(point),
                reporter,
            });
        }
        None
    }

    /// Where in `place` a problem is: a landmark of a street lane, or a building of a compound
    /// and the side of it.
    fn spot(&mut self, place: usize) -> (String, &'static str) {
        if self.places[place].street_lane {
            let landmark = LANDMARKS[self.rng.random_range(0..LANDMARKS.len())];
            (format!("{}{landmark}", self.places[place].name), "")
        } else {
            let building = self.rng.random_range(1..=12);
            let side = SIDES[self.rng.random_range(0..SIDES.len())];
            (format!("{}{building}号楼", self.places[place].name), side)
        }
    }

    fn topic(&mut self, street_lane: bool, camera: bool, at: DateTime<Utc>) -> usize {
        let hour = at.with_timezone(&beijing()).hour();
        let menu = &self.menus[usize::from(street_lane)][usize::from(camera)];
        let total: f64 = menu.iter().map(|&t| self.topics[t].weight(hour)).sum();
        let mut roll = self.rng.random_range(0.0..total);
        for &t in menu {
            roll -= self.topics[t].weight(hour);
            if roll < 0.0 {
                return t;
            }
        }
        // Rounding can leave a sliver of the roll past the last weight.
        menu[menu.len() - 1]
    }

    fn detail(&mut self, topic: usize) -> usize {
        let count = self.topics[topic].text.map_or(1, |t| t.details.len());
        self.rng.random_range(0..count)
    }

    fn reporter(&mut self) -> Reporter {
        let surname = SURNAMES[self.rng.random_range(0..SURNAMES.len())];
        let title = if self.rng.random_bool(0.5) {
            "先生"
        } else {
            "女士"
        };
        Reporter {
            name: format!("{surname}{title}"),
            phone: format!(
                "1{}{}****{:04}",
                self.rng.random_range(3..=9),
                self.rng.random_range(0..=9),
                self.rng.random_range(0..10_000)
            ),
        }
    }

    /// A point inside the place, as a GPS fix would give it.
    fn point_in(&mut self, place: usize) -> Coord<f64> {
        let bbox = self.places[place].bbox;
        for _ in 0..POINT_TRIES {
            let candidate = rounded(Coord {
                x: self.rng.random_range(bbox.min().x..=bbox.max().x),
                y: self.rng.random_range(bbox.min().y..=bbox.max().y),
            });
            if self.places[place].shape.contains(&candidate) {
                return candidate;
            }
        }
        self.places[place].interior
    }

    /// A point 3–40 m from `origin` that still lies in the same place.
    fn near(&mut self, origin: Coord<f64>, place: usize) -> Option<Coord<f64>> {
        let centre = self.projection.to_metres(origin);
        for _ in 0..POINT_TRIES {
            let distance = self.rng.random_range(3.1..39.9);
            let bearing = self.rng.random_range(0.0..std::f64::consts::TAU);
            let candidate = rounded(self.projection.to_lon_lat(Coord {
                x: centre.x + distance * bearing.cos(),
                y: centre.y + distance * bearing.sin(),
            }));
            if self.places[place].shape.contains(&candidate) {
                return Some(candidate);
            }
        }
        None
    }

    /// A point 200–800 m beyond one side of the street's bounding box.
    fn outside_point(&mut self) -> Coord<f64> {
        let b = self.street_box;
        let beyond = self.rng.random_range(200.0..=800.0);
        let along_x = self.rng.random_range(b.min().x..=b.max().x);
        let along_y = self.rng.random_range(b.min().y..=b.max().y);
        let metres = match self.rng.random_range(0..4) {
            0 => Coord {
                x: along_x,
                y: b.max().y + beyond,
            },
            1 => Coord {
                x: b.max().x + beyond,
                y: along_y,
            },
            2 => Coord {
                x: along_x,
                y: b.min().y - beyond,
            },
            _ => Coord {
                x: b.min().x - beyond,
                y: along_y,
            },
        };
        rounded(self.projection.to_lon_lat(metres))
    }

    fn write(&mut self, draft: Draft, at: DateTime<Utc>) -> IntakeRequest {
        let topic = &self.topics[draft.topic];
        let urgent_share = if topic.urgent_safety {
            URGENT_IF_SAFETY
        } else {
            URGENT_OTHERWISE
        };
        let urgency = if self.rng.random_bool(urgent_share) {
            Urgency::Urgent
        } else {
            Urgency::Normal
        };
        let body = match topic.text {
            Some(text) => text.lines[self.rng.random_range(0..text.lines.len())]
                .replace("{p}", &draft.spot)
                .replace("{s}", draft.side)
                .replace("{d}", text.details[draft.detail]),
            None => format!("{}{}发现{}问题", draft.spot, draft.side, topic.name_zh),
        };
        let (opening, endings): (&str, &[&str]) = match draft.channel {
            Channel::Hotline => (
                "市民来电反映：",
                &[
                    "，希望尽快处理。",
                    "，请相关部门核实处理。",
                    "，此前已反映过一次。",
                ],
            ),
            Channel::Patrol => (
                "网格员巡查发现：",
                &["，已拍照上报。", "，现场无法自行处置，请求派单。"],
            ),
            Channel::Camera => ("视频监控告警：", &["（智能识别，待人工核实）。"]),
            Channel::Resident => ("", &["。", "，麻烦尽快处理。"]),
            Channel::Referral => ("区接诉即办平台交办：", &["，请街道核实办理并反馈。"]),
            Channel::Proactive => ("主动发现：", &["，主动处置。"]),
        };
        let ending = endings[self.rng.random_range(0..endings.len())];
        // 12345 sheets name the category in Chinese; the apps send its code.
        let category = match draft.channel {
            Channel::Hotline | Channel::Referral => topic.name_zh.clone(),
            _ => topic.code.clone(),
        };
        let day = at.with_timezone(&beijing());
        let external_id = match draft.channel {
            Channel::Hotline => {
                self.hotline_sequence += self.rng.random_range(1..=30);
                Some(format!(
                    "12345-{:04}{:02}{:02}-{:06}",
                    day.year(),
                    day.month(),
                    day.day(),
                    self.hotline_sequence
                ))
            }
            Channel::Referral => {
                self.referral_sequence += 1;
                Some(format!("交办-{}-{:03}", day.year(), self.referral_sequence))
            }
            _ => None,
        };
        // Hotline operators type the address; the apps send a pin.
        let address = (draft.channel == Channel::Hotline).then(|| match draft.place {
            Some(_) => format!("{}{}", self.street_name, draft.spot),
            None => draft.spot.clone(),
        });
        let source_ref = match draft.channel {
            Channel::Patrol => Some(
                draft
                    .place
                    .and_then(|p| self.places[p].worker.clone())
                    .unwrap_or_else(|| "patrol".to_owned()),
            ),
            // The server names the camera nearest the point (the generator knows no devices).
            _ => None,
        };
        let (reporter_name, reporter_phone) = draft
            .reporter
            .map_or((None, None), |r| (Some(r.name), Some(r.phone)));
        IntakeRequest {
            channel: Some(draft.channel.as_str().to_owned()),
            external_id,
            category: Some(category),
            description: Some(format!("{opening}{body}{ending}")),
            lon: draft.point.map(|p| p.x),
            lat: draft.point.map(|p| p.y),
            address,
            grid_code: None,
            reporter_name,
            reporter_phone,
            urgency: Some(urgency.as_str().to_owned()),
            received_at: Some(at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            source_ref,
            snapshot: None,
        }
    }
}

fn rounded(c: Coord<f64>) -> Coord<f64> {
    Coord {
        x: (c.x * COORDINATE_SCALE).round() / COORDINATE_SCALE,
        y: (c.y * COORDINATE_SCALE).round() / COORDINATE_SCALE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rhythm_averages_to_the_requested_rate() {
        let sum: f64 = RHYTHM.iter().sum();
        assert!((sum - 24.0).abs() < 1e-9, "{sum}");
        assert!(RHYTHM.iter().all(|&w| w > 0.0));
    }

    #[test]
    fn an_episode_is_its_category_in_two_neighbouring_compounds_and_grows() {
        use crate::demo;
        use crate::ticket::{Catalogue, intake};
        use chrono::TimeZone;

        let dataset = demo::generate(demo::DEFAULT_SEED);
        let locator = crate::GridLocator::new(&dataset.hierarchy);
        let catalogue = Catalogue::defaults();
        let mut feed = TicketGenerator::new(3, &dataset.hierarchy, &catalogue);
        let from = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
        let until = from + Duration::days(4);
        let requests = feed.episode("承平园小区", "sewage_backflow", (from, until), 200);
        assert_eq!(requests.len(), 200);
        let mut grids = std::collections::BTreeSet::new();
        let mut halves = [0, 0];
        let mut last = from;
        for request in &requests {
            let ticket = intake::validate(request, &catalogue, &dataset.hierarchy, until)
                .unwrap_or_else(|e| panic!("{e:?}: {request:?}"));
            assert_eq!(ticket.category, "sewage_backflow");
            let (lon, lat) = (request.lon.expect("a pin"), request.lat.expect("a pin"));
            let micro = dataset
                .hierarchy
                .get(locator.micro_at(lon, lat).expect("in a grid"));
            assert!(micro.name.starts_with("承平园小区"), "{}", micro.name);
            grids.insert(micro.code.clone());
            let at = intake::parse_time(request.received_at.as_deref().unwrap()).unwrap();
            assert!(at >= last && at <= until, "in order, in the window");
            last = at;
            halves[usize::from(at >= from + Duration::days(2))] += 1;
        }
        assert_eq!(grids.len(), 2, "the first compound and its neighbour");
        // Density 2t over [0, 1]: a quarter in the first half, three quarters in the second.
        assert!(
            halves[1] > 2 * halves[0],
            "more towards the end: {halves:?}"
        );
        let none = feed.episode("没有的小区", "sewage_backflow", (from, until), 5);
        assert!(none.is_empty());
        assert!(
            feed.episode("承平园小区", "no_such", (from, until), 5)
                .is_empty()
        );
    }

    #[test]
    fn every_template_uses_the_place_and_a_detail_exists() {
        for text in &TEXTS {
            assert!(!text.details.is_empty(), "{}", text.name);
            for line in text.lines {
                assert!(line.starts_with("{p}"), "{line}");
            }
        }
    }
}
