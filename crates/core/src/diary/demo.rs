//! The demo street's 包户 and a week of 民情日记: each unit given to a worker posted in its
//! micro-grid (the part-time ones first, in turn), and one round per part-time worker over the
//! last days — with the diaries of 承平园小区 noting the sewage smell after the rain days before
//! the calls began (the seed's case, which the hotspot analysis finds later from the calls).

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::DiaryKind;
use crate::code::GridCode;
use crate::grid::GridHierarchy;
use crate::people::{Worker, WorkerKind};
use crate::vocabulary::GridLevel;

/// People per household in the demo street, to turn a unit's residents into households.
const PEOPLE_PER_HOUSEHOLD: f64 = 2.6;

/// A unit and the worker who answers for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoWard {
    pub unit: GridCode,
    pub micro: GridCode,
    pub worker: String,
    pub households: u32,
}

/// Every unit of a micro-grid with a worker posted in it, given to those workers in turn
/// (part-time before full-time, by id).
pub fn wards(hierarchy: &GridHierarchy, workers: &[Worker]) -> Vec<DemoWard> {
    let mut wards = Vec::new();
    for micro in hierarchy.at_level(GridLevel::Micro) {
        let code = &hierarchy.get(micro).code;
        let mut posted: Vec<&Worker> = workers.iter().filter(|w| &w.grid == code).collect();
        posted.sort_by_key(|w| (w.kind != WorkerKind::PartTime, w.id.clone()));
        if posted.is_empty() {
            continue;
        }
        for (k, &unit) in hierarchy.children_of(micro).iter().enumerate() {
            let grid = hierarchy.get(unit);
            wards.push(DemoWard {
                unit: grid.code.clone(),
                micro: code.clone(),
                worker: posted[k % posted.len()].id.clone(),
                households: ((f64::from(grid.population) / PEOPLE_PER_HOUSEHOLD).round() as u32)
                    .max(1),
            });
        }
    }
    wards
}

/// One generated diary entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoEntry {
    pub worker: String,
    pub micro: GridCode,
    pub unit: Option<GridCode>,
    pub kind: DiaryKind,
    pub visited_at: DateTime<Utc>,
    pub households: u32,
    pub concerns: &'static str,
    pub follow_up: &'static str,
    pub category: Option<&'static str>,
}

/// What people raise on a round, the category it would be a ticket of, and what follows.
const CONCERNS: [(&str, Option<&str>, &str); 9] = [
    (
        "楼道堆放杂物，堵住了消防通道",
        Some("fire_lane_blocked"),
        "已提醒住户清理，周末复查",
    ),
    (
        "有住户在楼道飞线给电动车充电",
        Some("ebike_charging"),
        "已劝导，告知小区充电桩位置",
    ),
    (
        "院内两盏路灯不亮，晚上出行不便",
        Some("street_light"),
        "报物业维修",
    ),
    (
        "垃圾桶满溢，清运不及时",
        Some("garbage"),
        "联系环卫增加清运频次",
    ),
    (
        "独居老人希望有人定期看望",
        None,
        "纳入关爱名单，每周走访一次",
    ),
    (
        "顶层住户反映下雨时屋顶渗水",
        Some("roof_leak"),
        "拍照留存，报社区协调维修",
    ),
    (
        "门前路面坑洼，雨天积水",
        Some("road_damage"),
        "报街道城建科",
    ),
    ("无", None, ""),
    ("无", None, ""),
];

/// The early signal of the seed's 承平园 sewage backflow.
const SEWAGE: (&str, &str) = (
    "下雨后一楼地漏返臭味，院内污水井有冒水痕迹，几户居民担心再下雨会返水",
    "已报社区，待查小区污水管网",
);

/// The compound whose diaries hold the early signal.
pub const EPISODE_PLACE: &str = "承平园小区";

/// A round per part-time worker over the `days` before `now` (daytime, Beijing), and in
/// 承平园小区 a note of the sewage smell a day or two before `episode_start`.
pub fn entries(
    hierarchy: &GridHierarchy,
    workers: &[Worker],
    now: DateTime<Utc>,
    days: i64,
    episode_start: DateTime<Utc>,
    seed: u64,
) -> Vec<DemoEntry> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xd1a7);
    let mut entries = Vec::new();
    let unit_of = |rng: &mut ChaCha8Rng, micro: &GridCode| {
        let index = hierarchy.index_of(micro)?;
        let units = hierarchy.children_of(index);
        (!units.is_empty()).then(|| {
            hierarchy
                .get(units[rng.random_range(0..units.len())])
                .code
                .clone()
        })
    };
    // Beijing 09:00–18:00 of a day `ago` days back.
    let daytime = |rng: &mut ChaCha8Rng, ago: i64| {
        let midnight = (now + Duration::hours(8)).date_naive() - Duration::days(ago);
        let at = midnight.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc() - Duration::hours(8)
            + Duration::minutes(rng.random_range(0..9 * 60));
        at.min(now - Duration::minutes(5))
    };
    for worker in workers.iter().filter(|w| w.kind == WorkerKind::PartTime) {
        let in_episode = hierarchy
            .by_code(&worker.grid)
            .is_some_and(|g| g.name.starts_with(EPISODE_PLACE));
        if in_episode {
            let before = (now - episode_start).num_days() + rng.random_range(1..=2);
            entries.push(DemoEntry {
                worker: worker.id.clone(),
                micro: worker.grid.clone(),
                unit: unit_of(&mut rng, &worker.grid),
                kind: DiaryKind::Visit,
                visited_at: daytime(&mut rng, before),
                households: rng.random_range(3..=8),
                concerns: SEWAGE.0,
                follow_up: SEWAGE.1,
                category: Some("sewage_backflow"),
            });
            continue;
        }
        let (concerns, category, follow_up) = CONCERNS[rng.random_range(0..CONCERNS.len())];
        let kind = [
            DiaryKind::Visit,
            DiaryKind::Visit,
            DiaryKind::Patrol,
            DiaryKind::Callback,
        ][rng.random_range(0..4)];
        let ago = rng.random_range(0..days.max(1));
        entries.push(DemoEntry {
            worker: worker.id.clone(),
            micro: worker.grid.clone(),
            unit: unit_of(&mut rng, &worker.grid),
            kind,
            visited_at: daytime(&mut rng, ago),
            households: rng.random_range(1..=8),
            concerns,
            follow_up,
            category,
        });
    }
    entries.sort_by_key(|e| e.visited_at);
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{self, DEFAULT_SEED};

    #[test]
    fn every_unit_of_a_staffed_micro_grid_has_one_worker_posted_there() {
        let street = demo::generate(DEFAULT_SEED);
        let wards = wards(&street.hierarchy, &street.workers);
        let mut units: Vec<&GridCode> = wards.iter().map(|w| &w.unit).collect();
        units.sort();
        units.dedup();
        assert_eq!(units.len(), wards.len(), "one worker per unit");
        for ward in &wards {
            let worker = street.workers.iter().find(|w| w.id == ward.worker).unwrap();
            assert_eq!(worker.grid, ward.micro);
            assert!(ward.unit.as_str().starts_with(ward.micro.as_str()));
            assert!(ward.households >= 1);
        }
        // Most of the street's units are somebody's.
        let all = street.hierarchy.count(GridLevel::Unit);
        assert!(wards.len() * 2 > all, "{} of {all}", wards.len());
    }

    #[test]
    fn the_diaries_of_chengpingyuan_note_the_smell_before_the_calls() {
        let street = demo::generate(DEFAULT_SEED);
        let now = Utc::now();
        let episode = now - Duration::days(3);
        let entries = entries(&street.hierarchy, &street.workers, now, 7, episode, 1);
        let part_time = street
            .workers
            .iter()
            .filter(|w| w.kind == WorkerKind::PartTime)
            .count();
        assert_eq!(entries.len(), part_time, "a round each");
        let early: Vec<&DemoEntry> = entries
            .iter()
            .filter(|e| e.category == Some("sewage_backflow"))
            .collect();
        assert!(!early.is_empty());
        for e in early {
            assert!(
                e.visited_at < episode,
                "{:?} before {episode}",
                e.visited_at
            );
            let micro = street.hierarchy.by_code(&e.micro).unwrap();
            assert!(micro.name.starts_with(EPISODE_PLACE));
        }
        assert!(entries.iter().all(|e| e.visited_at < now));
    }
}
