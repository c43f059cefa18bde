//! The demo dataset: a deterministic, seeded, **synthetic** Binhe Street.
//!
//! Only the figures and the place names are real: the figures from the seed article (15
//! communities, 312 micro-grids, 18 full-time and 388 part-time workers, 847 cameras, 90
//! checkpoints, door access in 72 units, about 50,500 residents), the 15 communities' names and
//! division codes from the National Bureau of Statistics (2021), and 渔阳大厦 from the article.
//! Every geometry, name of a person, phone number and position is made up, and every record
//! says so. A real deployment imports its surveyed grids instead.
//!
//! Communities are quadrilaterals of a jittered 5 × 3 lattice; each is cut into micro-grids
//! by bilinear subdivision, and each micro-grid into units, so every level tiles its parent
//! exactly (shared edges are the same straight segments).

use geo::{Coord, LineString, MultiPolygon, Polygon};
use rand::{Rng, SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::code::{GridCode, PINGGU_DISTRICT};
use crate::geojson::round7;
use crate::grid::{Grid, GridHierarchy, MicroKind};
use crate::people::{Device, DeviceKind, Worker, WorkerKind, WorkerRole};

pub const DEFAULT_SEED: u64 = 20_211_130;
pub const TOTAL_POPULATION: u32 = 50_500;
pub const CAMERAS: usize = 847;
pub const CHECKPOINTS: usize = 90;
pub const DOOR_ACCESS_UNITS: usize = 72;
pub const PART_TIME_WORKERS: usize = 388;
/// Binhe Street's number inside Pinggu District.
pub const BINHE_STREET: u16 = 1;

const COLUMNS: usize = 5;
const ROWS: usize = 3;
const WEST: f64 = 117.096;
const EAST: f64 = 117.138;
const NORTH: f64 = 40.152;
const SOUTH: f64 = 40.128;
/// Micro-grids per community; they add up to 312 and are dealt out by the seed.
const MICRO_COUNTS: [(usize, usize); 15] = [
    (5, 4),
    (6, 4),
    (6, 3),
    (5, 4),
    (7, 3),
    (5, 5),
    (4, 4),
    (5, 4),
    (6, 4),
    (5, 4),
    (7, 3),
    (6, 3),
    (5, 4),
    (5, 5),
    (5, 4),
];
/// How many street-lane micro-grids (one full-time worker each) a community has: 18 in all.
const STREET_LANES: [usize; 15] = [2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];

struct CommunityName {
    /// The community's number in its National Bureau of Statistics division code
    /// (`110117001` + 3 digits, 2021), which is also its part of the DB11 grid code.
    number: u16,
    name: &'static str,
    name_en: &'static str,
    /// Compounds inside it, with English names; the seed's are real names, the rest invented.
    compounds: &'static [(&'static str, &'static str)],
}

/// Binhe Street's 15 residents' committees (社区居委会) with their public division codes
/// (National Bureau of Statistics, 2021; 013 and 014 do not exist). Their places on the
/// generated map are not their real ones.
const COMMUNITIES: [CommunityName; 15] = [
    CommunityName {
        number: 1,
        name: "金谷东园社区",
        name_en: "Jingu Dongyuan",
        compounds: &[
            ("金谷东园", "Jingu Dongyuan"),
            ("金谷东园北区", "Jingu Dongyuan North"),
        ],
    },
    CommunityName {
        number: 2,
        name: "平粮社区",
        name_en: "Pingliang",
        compounds: &[
            ("平粮小区", "Pingliang Xiaoqu"),
            ("粮库宿舍", "Grain Depot Quarters"),
        ],
    },
    CommunityName {
        number: 3,
        name: "向阳社区",
        name_en: "Xiangyang",
        compounds: &[
            ("向阳小区", "Xiangyang Xiaoqu"),
            ("向阳东里", "Xiangyang Dongli"),
        ],
    },
    CommunityName {
        number: 4,
        name: "金谷园社区",
        name_en: "Jinguyuan",
        compounds: &[("金谷园", "Jinguyuan"), ("金谷园西区", "Jinguyuan West")],
    },
    CommunityName {
        number: 5,
        name: "承平园社区",
        name_en: "Chengpingyuan",
        compounds: &[
            ("承平园小区", "Chengpingyuan Xiaoqu"),
            ("承平里", "Chengpingli"),
        ],
    },
    CommunityName {
        number: 6,
        name: "北小区社区",
        name_en: "Beixiaoqu",
        compounds: &[
            ("北小区", "Beixiaoqu"),
            ("北小区东院", "Beixiaoqu East Yard"),
        ],
    },
    CommunityName {
        number: 7,
        name: "建西社区",
        name_en: "Jianxi",
        compounds: &[
            ("建西小区", "Jianxi Xiaoqu"),
            ("建西商业街", "Jianxi Shopping Street"),
            ("渔阳大厦", "Yuyang Building"),
        ],
    },
    CommunityName {
        number: 8,
        name: "南小区社区",
        name_en: "Nanxiaoqu",
        compounds: &[
            ("南小区", "Nanxiaoqu"),
            ("南小区西院", "Nanxiaoqu West Yard"),
        ],
    },
    CommunityName {
        number: 9,
        name: "滨河社区",
        name_en: "Binhe",
        compounds: &[("滨河小区", "Binhe Xiaoqu"), ("滨河西里", "Binhe Xili")],
    },
    CommunityName {
        number: 10,
        name: "金海社区",
        name_en: "Jinhai",
        compounds: &[("金海小区", "Jinhai Xiaoqu"), ("金海湾", "Jinhaiwan")],
    },
    CommunityName {
        number: 11,
        name: "建南社区",
        name_en: "Jiannan",
        compounds: &[("建南小区", "Jiannan Xiaoqu"), ("建南里", "Jiannanli")],
    },
    CommunityName {
        number: 12,
        name: "府前社区",
        name_en: "Fuqian",
        compounds: &[("府前小区", "Fuqian Xiaoqu"), ("府前东里", "Fuqian Dongli")],
    },
    CommunityName {
        number: 15,
        name: "林荫家园社区",
        name_en: "Linyin Jiayuan",
        compounds: &[("林荫家园", "Linyin Jiayuan"), ("林荫北里", "Linyin Beili")],
    },
    CommunityName {
        number: 16,
        name: "绿谷新苑社区",
        name_en: "Lügu Xinyuan",
        compounds: &[
            ("绿谷新苑", "Lügu Xinyuan"),
            ("绿谷新苑南区", "Lügu Xinyuan South"),
        ],
    },
    CommunityName {
        number: 17,
        name: "泃河湾社区",
        name_en: "Juhewan",
        compounds: &[
            ("泃河湾小区", "Juhewan Xiaoqu"),
            ("滨水家园", "Binshui Jiayuan"),
        ],
    },
];

/// Roads along the lattice lines: north → south, then west → east (invented for the demo).
const EAST_WEST_ROADS: [(&str, &str); ROWS + 1] = [
    ("林荫北街", "Linyin North St"),
    ("府前街", "Fuqian St"),
    ("滨河路", "Binhe Rd"),
    ("南环路", "Nanhuan Rd"),
];
const NORTH_SOUTH_ROADS: [(&str, &str); COLUMNS + 1] = [
    ("建设街", "Jianshe St"),
    ("文化街", "Wenhua St"),
    ("新平东路", "Xinping East Rd"),
    ("平翔路", "Pingxiang Rd"),
    ("迎宾街", "Yingbin St"),
    ("金海路", "Jinhai Rd"),
];

const SURNAMES: &str = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文";
const GIVEN: &str = "建国志强秀英桂兰海燕丽华玉梅俊杰晓东春生淑珍明辉红霞立新国庆文静永刚雪梅振华德胜凤英宏伟秀兰子涵思远雨涵浩然欣怡嘉豪佳琪宇航";

/// Everything the demo shows: grids, people, devices and a synthetic basemap.
#[derive(Debug, Clone)]
pub struct DemoDataset {
    pub hierarchy: GridHierarchy,
    pub workers: Vec<Worker>,
    pub devices: Vec<Device>,
    /// FeatureCollection of roads, the 泃河 river and its label line.
    pub basemap: Value,
}

/// Names of the files under `assets/demo/`.
pub const GRIDS_FILE: &str = "grids.geojson";
pub const WORKERS_FILE: &str = "workers.json";
pub const DEVICES_FILE: &str = "devices.json";
pub const BASEMAP_FILE: &str = "basemap.geojson";

impl DemoDataset {
    /// The dataset as the files committed under `assets/demo/`: one record per line, so a
    /// change of the generator shows up as a readable diff.
    pub fn files(&self) -> [(&'static str, String); 4] {
        let grids = crate::geojson::write_grids(&self.hierarchy);
        [
            (GRIDS_FILE, lines_of_collection(&grids)),
            (
                WORKERS_FILE,
                lines_of_array(
                    self.workers
                        .iter()
                        .map(|w| serde_json::to_value(w).expect("plain data")),
                ),
            ),
            (
                DEVICES_FILE,
                lines_of_array(
                    self.devices
                        .iter()
                        .map(|d| serde_json::to_value(d).expect("plain data")),
                ),
            ),
            (BASEMAP_FILE, lines_of_collection(&self.basemap)),
        ]
    }
}

fn lines_of_array(items: impl Iterator<Item = Value>) -> String {
    let lines: Vec<String> = items.map(|item| item.to_string()).collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
}

fn lines_of_collection(collection: &Value) -> String {
    let features = collection["features"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    format!(
        "{{\"type\":\"FeatureCollection\",\"features\":{}}}\n",
        lines_of_array(features.iter().cloned()).trim_end()
    )
}

/// A community quadrilateral, corners north-west, north-east, south-east, south-west.
#[derive(Clone, Copy)]
struct Quad([Coord<f64>; 4]);

impl Quad {
    /// Bilinear point: `u` runs west → east, `v` north → south.
    fn at(&self, u: f64, v: f64) -> Coord<f64> {
        let [nw, ne, se, sw] = self.0;
        let lerp = |a: Coord<f64>, b: Coord<f64>, t: f64| Coord {
            x: a.x + (b.x - a.x) * t,
            y: a.y + (b.y - a.y) * t,
        };
        lerp(lerp(nw, ne, u), lerp(sw, se, u), v)
    }

    /// Counter-clockwise as RFC 7946 asks, at the 1e-7° the dataset is stored with.
    fn polygon(&self) -> MultiPolygon<f64> {
        let [nw, ne, se, sw] = self.0.map(rounded);
        MultiPolygon::new(vec![Polygon::new(
            LineString::new(vec![nw, sw, se, ne, nw]),
            vec![],
        )])
    }

    /// The sub-quad of cell (`a`, `b`) of a lattice given as `u` and `v` breakpoints.
    fn cell(&self, us: &[Vec<f64>], vs: &[Vec<f64>], a: usize, b: usize) -> Quad {
        // Breakpoints may differ per row/column (jitter), so each corner reads its own.
        let corner = |ia: usize, ib: usize| self.at(us[ib][ia], vs[ia][ib]);
        Quad([
            corner(a, b),
            corner(a + 1, b),
            corner(a + 1, b + 1),
            corner(a, b + 1),
        ])
    }
}

/// Breakpoints 0 = t0 < t1 < … < tn = 1 for `lines` + 1 lattice lines, interior ones jittered.
/// Returns one set per crossing line so the cut lines bend slightly; the outer lines (index 0
/// and `lines`) keep straight breakpoints shared with the neighbours' edges.
fn breakpoints(rng: &mut ChaCha8Rng, cells: usize, crossing: usize, jitter: f64) -> Vec<Vec<f64>> {
    let base: Vec<f64> = (0..=cells)
        .map(|k| {
            let t = k as f64 / cells as f64;
            if k == 0 || k == cells {
                t
            } else {
                t + rng.random_range(-jitter..jitter) / cells as f64
            }
        })
        .collect();
    (0..=crossing)
        .map(|line| {
            base.iter()
                .enumerate()
                .map(|(k, &t)| {
                    if k == 0 || k == cells || line == 0 || line == crossing {
                        t
                    } else {
                        t + rng.random_range(-jitter..jitter) * 0.5 / cells as f64
                    }
                })
                .collect()
        })
        .collect()
}

/// Generates the whole dataset from a seed. The same seed gives the same dataset.
pub fn generate(seed: u64) -> DemoDataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let lattice = street_lattice(&mut rng);
    let street_code = GridCode::street(PINGGU_DISTRICT, BINHE_STREET);

    let mut order: Vec<usize> = (0..COMMUNITIES.len()).collect();
    order.shuffle(&mut rng);
    let mut micro_counts = MICRO_COUNTS;
    micro_counts.shuffle(&mut rng);
    let mut lanes = STREET_LANES;
    lanes.shuffle(&mut rng);

    let mut grids = Vec::new();
    let mut cells = Vec::new();
    for row in 0..ROWS {
        for column in 0..COLUMNS {
            let slot = row * COLUMNS + column;
            let quad = Quad([
                lattice[row][column],
                lattice[row][column + 1],
                lattice[row + 1][column + 1],
                lattice[row + 1][column],
            ]);
            let names = &COMMUNITIES[order[slot]];
            let code = street_code.community(names.number);
            grids.push(Grid {
                code: code.clone(),
                name: names.name.to_owned(),
                name_en: format!("{} Community", names.name_en),
                shape: quad.polygon(),
                population: 0,
                kind: None,
                synthetic: true,
            });
            let place = CommunityPlace {
                row,
                column,
                quad,
                names,
                code,
                street_lanes: lanes[slot],
            };
            cells.extend(subdivide(&mut rng, &place, micro_counts[slot]));
        }
    }
    let street = Grid {
        code: street_code,
        name: "滨河街道".to_owned(),
        name_en: "Binhe Street".to_owned(),
        shape: street_outline(&lattice),
        population: TOTAL_POPULATION,
        kind: None,
        synthetic: true,
    };
    grids.push(street);

    let populations = spread(
        &mut rng,
        TOTAL_POPULATION,
        &cells.iter().map(MicroCell::weight).collect::<Vec<_>>(),
    );
    let mut community_population = vec![0u32; COMMUNITIES.len()];
    for (cell, &population) in cells.iter().zip(&populations) {
        community_population[cell.community_slot] += population;
    }
    for (grid, population) in grids.iter_mut().zip(&community_population) {
        grid.population = *population;
    }
    let mut units = Vec::new();
    for (cell, &population) in cells.iter().zip(&populations) {
        grids.push(Grid {
            code: cell.code.clone(),
            name: cell.name.clone(),
            name_en: cell.name_en.clone(),
            shape: cell.quad.polygon(),
            population,
            kind: Some(cell.kind),
            synthetic: true,
        });
        units.extend(split_units(&mut rng, cell, population));
    }
    let workers = post_workers(&mut rng, &cells);
    let devices = place_devices(&mut rng, &cells, &units);
    grids.extend(units.into_iter().map(|unit| unit.grid));
    let hierarchy =
        GridHierarchy::build(grids).expect("the generator links every grid to its parent");
    DemoDataset {
        hierarchy,
        workers,
        devices,
        basemap: basemap(&lattice),
    }
}

/// Lattice corners [row][column], row 0 north; the outline bends a little, the inside more.
fn street_lattice(rng: &mut ChaCha8Rng) -> Vec<Vec<Coord<f64>>> {
    let dx = (EAST - WEST) / COLUMNS as f64;
    let dy = (NORTH - SOUTH) / ROWS as f64;
    (0..=ROWS)
        .map(|row| {
            (0..=COLUMNS)
                .map(|column| {
                    let edge_x = column == 0 || column == COLUMNS;
                    let edge_y = row == 0 || row == ROWS;
                    let jitter_x = if edge_x { 0.06 } else { 0.16 };
                    let jitter_y = if edge_y { 0.06 } else { 0.16 };
                    Coord {
                        x: WEST + dx * (column as f64 + rng.random_range(-jitter_x..jitter_x)),
                        y: NORTH - dy * (row as f64 + rng.random_range(-jitter_y..jitter_y)),
                    }
                })
                .collect()
        })
        .collect()
}

fn rounded(c: Coord<f64>) -> Coord<f64> {
    Coord {
        x: round7(c.x),
        y: round7(c.y),
    }
}

fn street_outline(lattice: &[Vec<Coord<f64>>]) -> MultiPolygon<f64> {
    let mut ring: Vec<Coord<f64>> = lattice[0].iter().copied().map(rounded).collect();
    ring.extend((1..=ROWS).map(|row| rounded(lattice[row][COLUMNS])));
    ring.extend(lattice[ROWS].iter().rev().skip(1).copied().map(rounded));
    ring.extend((1..ROWS).rev().map(|row| rounded(lattice[row][0])));
    ring.push(ring[0]);
    ring.reverse();
    MultiPolygon::new(vec![Polygon::new(LineString::new(ring), vec![])])
}

struct CommunityPlace {
    row: usize,
    column: usize,
    quad: Quad,
    names: &'static CommunityName,
    code: GridCode,
    street_lanes: usize,
}

struct MicroCell {
    community_slot: usize,
    community: &'static str,
    code: GridCode,
    name: String,
    name_en: String,
    kind: MicroKind,
    quad: Quad,
    /// Relative share of residents.
    density: f64,
}

impl MicroCell {
    fn weight(&self) -> f64 {
        let [nw, ne, se, sw] = self.quad.0;
        let area = 0.5
            * ((nw.x * ne.y - ne.x * nw.y)
                + (ne.x * se.y - se.x * ne.y)
                + (se.x * sw.y - sw.x * se.y)
                + (sw.x * nw.y - nw.x * sw.y))
                .abs();
        area * self.density
    }
}

fn subdivide(
    rng: &mut ChaCha8Rng,
    place: &CommunityPlace,
    (nx, ny): (usize, usize),
) -> Vec<MicroCell> {
    // us[b][a]: u breakpoint of column line a on row line b; vs[a][b] likewise for v.
    let us = breakpoints(rng, nx, ny, 0.22);
    let vs = breakpoints(rng, ny, nx, 0.22);
    // Street-lane grids sit on the community's south edge (along the east-west road below)
    // and, for a second one, its east edge.
    let mut lane_cells = vec![(nx / 2, ny - 1)];
    if place.street_lanes > 1 {
        lane_cells.push((nx - 1, ny / 2));
    }
    let compounds = place.names.compounds;
    let mut counters = vec![0usize; compounds.len()];
    let mut cells = Vec::with_capacity(nx * ny);
    for b in 0..ny {
        for a in 0..nx {
            let sequence = (b * nx + a + 1) as u16;
            let code = place.code.micro(sequence);
            let quad = place.quad.cell(&us, &vs, a, b);
            let lane = lane_cells.iter().position(|&c| c == (a, b));
            let (name, name_en, kind, density) = if let Some(which) = lane {
                let (road, road_en) = if which == 0 {
                    EAST_WEST_ROADS[place.row + 1]
                } else {
                    NORTH_SOUTH_ROADS[place.column + 1]
                };
                (
                    format!("{road}街巷网格"),
                    format!("{road_en} street grid"),
                    MicroKind::StreetLane,
                    0.06,
                )
            } else {
                let compound = (a * compounds.len() / nx).min(compounds.len() - 1);
                counters[compound] += 1;
                let (label, label_en) = compounds[compound];
                let k = counters[compound];
                let (name, name_en) = if label.ends_with("大厦") || label.ends_with("街") {
                    (format!("{label}{k}区"), format!("{label_en} block {k}"))
                } else {
                    (
                        format!("{label}{k}号院"),
                        format!("{label_en} courtyard {k}"),
                    )
                };
                (
                    name,
                    name_en,
                    MicroKind::Compound,
                    rng.random_range(0.7..1.35),
                )
            };
            cells.push(MicroCell {
                community_slot: place.row * COLUMNS + place.column,
                community: place.names.name,
                code,
                name,
                name_en,
                kind,
                quad,
                density,
            });
        }
    }
    cells
}

struct UnitCell {
    grid: Grid,
    quad: Quad,
    micro_name: String,
    community: &'static str,
}

fn split_units(rng: &mut ChaCha8Rng, cell: &MicroCell, population: u32) -> Vec<UnitCell> {
    let count = match cell.kind {
        MicroKind::StreetLane => 2,
        MicroKind::Compound => rng.random_range(2..=5),
    };
    let weights: Vec<f64> = (0..count).map(|_| rng.random_range(0.8..1.2)).collect();
    let populations = spread(rng, population, &weights);
    (0..count)
        .map(|k| {
            let (u0, u1) = (k as f64 / count as f64, (k + 1) as f64 / count as f64);
            let q = &cell.quad;
            let quad = Quad([q.at(u0, 0.0), q.at(u1, 0.0), q.at(u1, 1.0), q.at(u0, 1.0)]);
            UnitCell {
                grid: Grid {
                    code: cell.code.unit(k as u8 + 1),
                    name: format!("{}单元", k + 1),
                    name_en: format!("Unit {}", k + 1),
                    shape: quad.polygon(),
                    population: populations[k],
                    kind: None,
                    synthetic: true,
                },
                quad,
                micro_name: cell.name.clone(),
                community: cell.community,
            }
        })
        .collect()
}

/// Splits `total` by `weights` with largest remainders, so the parts add up exactly.
fn spread(rng: &mut ChaCha8Rng, total: u32, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| f64::from(total) * w / sum).collect();
    let mut parts: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.shuffle(rng);
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let missing = total - parts.iter().sum::<u32>();
    for &i in order.iter().take(missing as usize) {
        parts[i] += 1;
    }
    parts
}

fn person_name(rng: &mut ChaCha8Rng) -> String {
    let surnames: Vec<char> = SURNAMES.chars().collect();
    let given: Vec<char> = GIVEN.chars().collect();
    let pair = rng.random_range(0..given.len() / 2) * 2;
    let mut name = String::from(surnames[rng.random_range(0..surnames.len())]);
    if rng.random_bool(0.3) {
        name.push(given[pair]);
    } else {
        name.push(given[pair]);
        name.push(given[pair + 1]);
    }
    name
}

/// Masked mobile number: the demo never shows a dialable number.
fn masked_phone(rng: &mut ChaCha8Rng) -> String {
    format!(
        "1{}{}****{:04}",
        rng.random_range(3..=9),
        rng.random_range(0..=9),
        rng.random_range(0..10_000)
    )
}

fn random_point(rng: &mut ChaCha8Rng, quad: &Quad) -> Coord<f64> {
    quad.at(rng.random_range(0.15..0.85), rng.random_range(0.15..0.85))
}

fn post_workers(rng: &mut ChaCha8Rng, cells: &[MicroCell]) -> Vec<Worker> {
    let mut workers = Vec::new();
    // Numbered in the grids' code order, which the demo feed relies on to name the worker of a
    // street lane (the lattice order is not the code order: community codes are the real ones).
    let mut lanes: Vec<&MicroCell> = cells
        .iter()
        .filter(|c| c.kind == MicroKind::StreetLane)
        .collect();
    lanes.sort_by(|a, b| a.code.cmp(&b.code));
    for cell in lanes {
        let at = cell.quad.at(0.5, 0.5);
        workers.push(Worker {
            id: format!("ZZ{:03}", workers.len() + 1),
            name: person_name(rng),
            kind: WorkerKind::FullTime,
            role: WorkerRole::FullTimeWorker,
            grid: cell.code.clone(),
            phone: masked_phone(rng),
            lon: round7(at.x),
            lat: round7(at.y),
        });
    }
    let compounds: Vec<&MicroCell> = cells
        .iter()
        .filter(|c| c.kind == MicroKind::Compound)
        .collect();
    let mut posts: Vec<&MicroCell> = compounds.clone();
    let mut extra = compounds.clone();
    extra.shuffle(rng);
    posts.extend(extra.into_iter().take(PART_TIME_WORKERS - compounds.len()));
    posts.sort_by(|a, b| a.code.cmp(&b.code));
    let mut previous: Option<&GridCode> = None;
    for (n, cell) in posts.iter().enumerate() {
        let second = previous == Some(&cell.code);
        let role = match (second, rng.random_range(0..100)) {
            (false, 0..70) => WorkerRole::BuildingLeader,
            (false, _) => WorkerRole::SocialWorker,
            (true, 0..60) => WorkerRole::UnitLeader,
            (true, _) => WorkerRole::ResidentRepresentative,
        };
        let at = random_point(rng, &cell.quad);
        workers.push(Worker {
            id: format!("JZ{:03}", n + 1),
            name: person_name(rng),
            kind: WorkerKind::PartTime,
            role,
            grid: cell.code.clone(),
            phone: masked_phone(rng),
            lon: round7(at.x),
            lat: round7(at.y),
        });
        previous = Some(&cell.code);
    }
    workers
}

/// Cameras out of order in the demo street: every this many-th has no answer at its address
/// (offline) …
const DEMO_OFFLINE_EVERY: usize = 37;
/// … and every this many-th stops a short while after it starts playing (a fault).
const DEMO_FAULT_EVERY: usize = 211;
/// How long a faulty demo camera plays before it stops.
pub const DEMO_FAULT_AFTER_S: u32 = 20;

/// The stream a demo camera is pointed at: the generated test picture; for a few, a loopback
/// address nobody answers (offline) or a picture that stops (a fault), as real streets have.
fn demo_stream(id: &str) -> String {
    let n: usize = id
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap_or(0);
    if n.is_multiple_of(DEMO_OFFLINE_EVERY) {
        format!("rtsp://127.0.0.1:9/{id}")
    } else if n.is_multiple_of(DEMO_FAULT_EVERY) {
        format!("testsrc:?stop_after={DEMO_FAULT_AFTER_S}")
    } else {
        "testsrc:".to_owned()
    }
}

fn place_devices(rng: &mut ChaCha8Rng, cells: &[MicroCell], units: &[UnitCell]) -> Vec<Device> {
    let device =
        |kind: DeviceKind, id: String, name: String, grid: &GridCode, at: Coord<f64>| Device {
            stream: (kind == DeviceKind::Camera).then(|| demo_stream(&id)),
            id,
            kind,
            name,
            grid: grid.clone(),
            lon: round7(at.x),
            lat: round7(at.y),
        };
    let mut devices = Vec::new();
    // Two cameras in every micro-grid, the rest where the seed picks.
    let mut camera_cells: Vec<usize> = (0..cells.len()).chain(0..cells.len()).collect();
    let mut extra: Vec<usize> = (0..cells.len()).collect();
    extra.shuffle(rng);
    camera_cells.extend(extra.into_iter().take(CAMERAS - 2 * cells.len()));
    camera_cells.sort_unstable();
    let mut per_cell = vec![0; cells.len()];
    for (n, &c) in camera_cells.iter().enumerate() {
        per_cell[c] += 1;
        let cell = &cells[c];
        let name = format!("{}{}号摄像机", cell.name, per_cell[c]);
        devices.push(device(
            DeviceKind::Camera,
            format!("SXJ{:04}", n + 1),
            name,
            &cell.code,
            random_point(rng, &cell.quad),
        ));
    }
    let mut gates: Vec<&MicroCell> = cells
        .iter()
        .filter(|c| c.kind == MicroKind::Compound)
        .collect();
    gates.shuffle(rng);
    gates.truncate(CHECKPOINTS);
    gates.sort_by(|a, b| a.code.cmp(&b.code));
    for (n, cell) in gates.iter().enumerate() {
        let at = cell.quad.at(rng.random_range(0.3..0.7), 0.92);
        devices.push(device(
            DeviceKind::Checkpoint,
            format!("KK{:03}", n + 1),
            format!("{}卡口", cell.name),
            &cell.code,
            at,
        ));
    }
    // Door access went first to the smart-community pilots (金谷东园, 金海), then elsewhere.
    let pilot = |u: &UnitCell| !matches!(u.community, "金谷东园社区" | "金海社区");
    let mut doors: Vec<&UnitCell> = units.iter().collect();
    doors.shuffle(rng);
    doors.sort_by_key(|u| pilot(u)); // stable: pilots first, shuffled within
    doors.truncate(DOOR_ACCESS_UNITS);
    doors.sort_by(|a, b| a.grid.code.cmp(&b.grid.code));
    for (n, unit) in doors.iter().enumerate() {
        let name = format!("{}{}门禁", unit.micro_name, unit.grid.name);
        devices.push(device(
            DeviceKind::DoorAccess,
            format!("MJ{:03}", n + 1),
            name,
            &unit.grid.code,
            unit.quad.at(0.5, 0.5),
        ));
    }
    devices
}

/// Roads on the lattice lines (reaching a little beyond the street), lanes through each
/// community's middle, and the 泃河 river south of the street.
fn basemap(lattice: &[Vec<Coord<f64>>]) -> Value {
    let reach = 0.004;
    let line = |points: Vec<Coord<f64>>| -> Value {
        Value::Array(
            points
                .iter()
                .map(|c| json!([round7(c.x), round7(c.y)]))
                .collect(),
        )
    };
    let extend = |mut points: Vec<Coord<f64>>| {
        let (a, b) = (points[0], points[1]);
        let (y, z) = (points[points.len() - 1], points[points.len() - 2]);
        let out = |p: Coord<f64>, q: Coord<f64>| {
            let (dx, dy) = (p.x - q.x, p.y - q.y);
            let length = dx.hypot(dy);
            Coord {
                x: p.x + dx / length * reach,
                y: p.y + dy / length * reach,
            }
        };
        points.insert(0, out(a, b));
        points.push(out(y, z));
        points
    };
    let mut features = Vec::new();
    let road = |points: Vec<Coord<f64>>, class: &str, (name, name_en): (&str, &str)| {
        json!({
            "type": "Feature",
            "properties": { "kind": "road", "class": class, "name": name, "name_en": name_en, "synthetic": true },
            "geometry": { "type": "LineString", "coordinates": line(points) },
        })
    };
    for (row, names) in EAST_WEST_ROADS.iter().enumerate() {
        let class = if row == 0 || row == ROWS {
            "secondary"
        } else {
            "primary"
        };
        features.push(road(extend(lattice[row].clone()), class, *names));
    }
    for (column, names) in NORTH_SOUTH_ROADS.iter().enumerate() {
        let class = if column == 0 || column == COLUMNS {
            "secondary"
        } else {
            "primary"
        };
        features.push(road(
            extend((0..=ROWS).map(|row| lattice[row][column]).collect()),
            class,
            *names,
        ));
    }
    for row in 0..ROWS {
        for column in 0..COLUMNS {
            let quad = Quad([
                lattice[row][column],
                lattice[row][column + 1],
                lattice[row + 1][column + 1],
                lattice[row + 1][column],
            ]);
            features.push(road(
                (0..=8).map(|k| quad.at(f64::from(k) / 8.0, 0.5)).collect(),
                "lane",
                ("", ""),
            ));
        }
    }
    // The river: a gently meandering band about 150 m wide, 300 m south of the street.
    let centre: Vec<Coord<f64>> = (0..=40)
        .map(|k| {
            let t = f64::from(k) / 40.0;
            let x = WEST - 0.012 + (EAST - WEST + 0.024) * t;
            Coord {
                x,
                y: SOUTH - 0.0045 + 0.0012 * (t * 7.0).sin(),
            }
        })
        .collect();
    let half_width = 0.0007;
    let mut ring: Vec<Coord<f64>> = centre
        .iter()
        .map(|c| Coord {
            x: c.x,
            y: c.y + half_width,
        })
        .collect();
    ring.extend(centre.iter().rev().map(|c| Coord {
        x: c.x,
        y: c.y - half_width,
    }));
    ring.push(ring[0]);
    features.push(json!({
        "type": "Feature",
        "properties": { "kind": "river", "name": "泃河", "name_en": "Ju River", "synthetic": true },
        "geometry": { "type": "Polygon", "coordinates": [line(ring)] },
    }));
    features.push(json!({
        "type": "Feature",
        "properties": { "kind": "river_label", "name": "泃河", "name_en": "Ju River", "synthetic": true },
        "geometry": { "type": "LineString", "coordinates": line(centre) },
    }));
    json!({ "type": "FeatureCollection", "features": features })
}
