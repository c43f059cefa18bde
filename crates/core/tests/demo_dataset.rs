//! The demo dataset has the seed's figures, tiles exactly, and is what the repo ships.

use binhe_core::demo::{self, DEFAULT_SEED};
use binhe_core::{DeviceKind, GridLevel, GridLocator, MicroKind, WorkerKind, geojson};

#[test]
fn demo_dataset_has_the_seed_figures() {
    let dataset = demo::generate(DEFAULT_SEED);
    let h = &dataset.hierarchy;
    assert_eq!(h.count(GridLevel::Street), 1);
    assert_eq!(h.count(GridLevel::Community), 15);
    assert_eq!(h.count(GridLevel::Micro), 312);
    assert!(h.count(GridLevel::Unit) >= 2 * 312);
    assert_eq!(h.street().population, 50_500);
    let full_time = dataset
        .workers
        .iter()
        .filter(|w| w.kind == WorkerKind::FullTime)
        .count();
    let part_time = dataset
        .workers
        .iter()
        .filter(|w| w.kind == WorkerKind::PartTime)
        .count();
    assert_eq!((full_time, part_time), (18, 388));
    let count = |kind| dataset.devices.iter().filter(|d| d.kind == kind).count();
    assert_eq!(count(DeviceKind::Camera), 847);
    assert_eq!(count(DeviceKind::Checkpoint), 90);
    assert_eq!(count(DeviceKind::DoorAccess), 72);
    // The public division codes (National Bureau of Statistics, 2021) of Binhe Street's 15
    // residents' committees; 013 and 014 do not exist.
    let real = [
        ("110117001001", "金谷东园社区"),
        ("110117001002", "平粮社区"),
        ("110117001003", "向阳社区"),
        ("110117001004", "金谷园社区"),
        ("110117001005", "承平园社区"),
        ("110117001006", "北小区社区"),
        ("110117001007", "建西社区"),
        ("110117001008", "南小区社区"),
        ("110117001009", "滨河社区"),
        ("110117001010", "金海社区"),
        ("110117001011", "建南社区"),
        ("110117001012", "府前社区"),
        ("110117001015", "林荫家园社区"),
        ("110117001016", "绿谷新苑社区"),
        ("110117001017", "泃河湾社区"),
    ];
    let mut communities: Vec<(String, String)> = h
        .grids()
        .iter()
        .filter(|g| g.code.level() == GridLevel::Community)
        .map(|g| (g.code.as_str()[..12].to_owned(), g.name.clone()))
        .collect();
    communities.sort();
    let real: Vec<(String, String)> = real
        .iter()
        .map(|&(code, name)| (code.to_owned(), name.to_owned()))
        .collect();
    assert_eq!(communities, real);
    assert!(h.grids().iter().any(|g| g.name.starts_with("渔阳大厦")));
    assert!(
        h.grids().iter().all(|g| g.synthetic),
        "demo grids must say they are synthetic"
    );
}

#[test]
fn populations_add_up_at_every_level() {
    let dataset = demo::generate(DEFAULT_SEED);
    let h = &dataset.hierarchy;
    for index in 0..h.grids().len() {
        let kids = h.children_of(index);
        if !kids.is_empty() {
            let sum: u32 = kids.iter().map(|&k| h.get(k).population).sum();
            assert_eq!(
                sum,
                h.get(index).population,
                "children of {} do not add up",
                h.get(index).code
            );
        }
    }
}

#[test]
fn every_level_tiles_its_parent_without_gaps_or_overlaps() {
    let dataset = demo::generate(DEFAULT_SEED);
    let problems = dataset.hierarchy.tiling_problems();
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn other_seeds_also_tile_and_keep_the_figures() {
    for seed in [1, 2, 99] {
        let dataset = demo::generate(seed);
        assert_eq!(dataset.hierarchy.count(GridLevel::Micro), 312);
        assert!(
            dataset.hierarchy.tiling_problems().is_empty(),
            "seed {seed}"
        );
    }
}

#[test]
fn workers_and_devices_stand_inside_their_posts() {
    let dataset = demo::generate(DEFAULT_SEED);
    let h = &dataset.hierarchy;
    let locator = GridLocator::new(h);
    for worker in &dataset.workers {
        let micro = locator
            .micro_at(worker.lon, worker.lat)
            .expect("worker inside the street");
        assert_eq!(h.get(micro).code, worker.grid, "worker {}", worker.id);
        let kind = h.get(micro).kind.unwrap();
        let expected = if worker.kind == WorkerKind::FullTime {
            MicroKind::StreetLane
        } else {
            MicroKind::Compound
        };
        assert_eq!(
            kind, expected,
            "worker {} posted to the wrong kind of grid",
            worker.id
        );
    }
    for device in &dataset.devices {
        let micro = locator
            .micro_at(device.lon, device.lat)
            .expect("device inside the street");
        let micro_code = &h.get(micro).code;
        let posted = if device.kind == DeviceKind::DoorAccess {
            device.grid.parent().unwrap()
        } else {
            device.grid.clone()
        };
        assert_eq!(micro_code, &posted, "device {}", device.id);
    }
}

#[test]
fn micro_grids_are_numbered_west_to_east_then_north_to_south() {
    let dataset = demo::generate(DEFAULT_SEED);
    let h = &dataset.hierarchy;
    for community in h.at_level(GridLevel::Community) {
        let kids = h.children_of(community);
        let first = h.get(kids[0]).bbox().center();
        let second = h.get(kids[1]).bbox().center();
        let last = h.get(*kids.last().unwrap()).bbox().center();
        assert!(
            second.x > first.x,
            "second micro-grid lies east of the first"
        );
        assert!(
            last.y < first.y,
            "the last micro-grid lies south of the first"
        );
    }
}

#[test]
fn generator_is_deterministic() {
    let a = demo::generate(DEFAULT_SEED);
    let b = demo::generate(DEFAULT_SEED);
    assert_eq!(
        geojson::write_grids(&a.hierarchy),
        geojson::write_grids(&b.hierarchy)
    );
    assert_eq!(a.workers, b.workers);
    assert_eq!(a.devices, b.devices);
    assert_ne!(
        geojson::write_grids(&demo::generate(7).hierarchy),
        geojson::write_grids(&a.hierarchy)
    );
}

#[test]
fn committed_demo_assets_are_the_generator_output() {
    let dataset = demo::generate(DEFAULT_SEED);
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    for (name, expected) in dataset.files() {
        let committed = std::fs::read_to_string(folder.join(name))
            .unwrap_or_else(|e| panic!("assets/demo/{name}: {e}; run `make demo-dataset`"));
        assert!(
            committed == expected,
            "assets/demo/{name} is stale; run `make demo-dataset`"
        );
    }
}

#[test]
fn committed_grids_pass_the_import_checks() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    let text = std::fs::read_to_string(folder.join(demo::GRIDS_FILE)).unwrap();
    let hierarchy = geojson::read_grids(&text).unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(hierarchy.count(GridLevel::Micro), 312);
}
