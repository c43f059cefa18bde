//! A surveyed grid file is accepted only when every feature is valid; each rejection names
//! the feature, its code and the problem.

use binhe_core::demo::{self, DEFAULT_SEED};
use binhe_core::geojson::{read_grids, write_grids};
use binhe_core::{FeatureProblem, GridLevel};
use serde_json::{Value, json};

fn demo_file() -> Value {
    write_grids(&demo::generate(DEFAULT_SEED).hierarchy)
}

fn features(file: &mut Value) -> &mut Vec<Value> {
    file["features"].as_array_mut().unwrap()
}

fn index_of(file: &Value, code: &str) -> usize {
    file["features"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["properties"]["code"] == code)
        .unwrap()
}

fn rejected(file: &Value) -> Vec<FeatureProblem> {
    read_grids(&file.to_string()).expect_err("file must be rejected")
}

fn has(problems: &[FeatureProblem], code: &str, feature: Option<usize>) -> bool {
    problems
        .iter()
        .any(|p| p.code == code && (feature.is_none() || p.feature_index == feature))
}

const MICRO: &str = "110117001007005";

#[test]
fn the_unchanged_demo_file_is_accepted() {
    let hierarchy = read_grids(&demo_file().to_string()).unwrap();
    assert_eq!(hierarchy.count(GridLevel::Micro), 312);
}

#[test]
fn invalid_json_is_rejected_for_the_whole_file() {
    let problems = read_grids("{\"type\": \"FeatureCollection\", \"features\": [").unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code, "INVALID_JSON");
    assert_eq!(problems[0].feature_index, None);
    assert!(problems[0].message_zh.contains("JSON"));
}

#[test]
fn a_non_polygon_feature_is_named() {
    let mut file = demo_file();
    let i = index_of(&file, MICRO);
    features(&mut file)[i]["geometry"] = json!({ "type": "Point", "coordinates": [117.11, 40.14] });
    let problems = rejected(&file);
    assert!(has(&problems, "NOT_POLYGON", Some(i)), "{problems:?}");
    assert_eq!(
        problems
            .iter()
            .find(|p| p.code == "NOT_POLYGON")
            .unwrap()
            .grid_code
            .as_deref(),
        Some(MICRO)
    );
}

#[test]
fn a_self_intersecting_polygon_is_rejected() {
    let mut file = demo_file();
    let i = index_of(&file, MICRO);
    let ring = features(&mut file)[i]["geometry"]["coordinates"][0]
        .as_array_mut()
        .unwrap();
    // Swap two corners: the ring now crosses itself (a bow tie).
    ring.swap(1, 2);
    let problems = rejected(&file);
    assert!(has(&problems, "INVALID_POLYGON", Some(i)), "{problems:?}");
}

#[test]
fn a_micro_grid_reaching_outside_its_community_is_rejected() {
    let mut file = demo_file();
    let i = index_of(&file, MICRO);
    let ring = features(&mut file)[i]["geometry"]["coordinates"][0]
        .as_array_mut()
        .unwrap();
    for position in ring.iter_mut() {
        let lon = position[0].as_f64().unwrap();
        position[0] = json!(lon + 0.02);
    }
    let problems = rejected(&file);
    assert!(has(&problems, "OUTSIDE_PARENT", Some(i)), "{problems:?}");
    // Its old place is now uncovered: the community reports the gap.
    assert!(
        has(
            &problems,
            "CHILDREN_LEAVE_GAP",
            Some(index_of(&file, "110117001007000"))
        ),
        "{problems:?}"
    );
}

#[test]
fn overlapping_micro_grids_are_rejected() {
    let mut file = demo_file();
    let i = index_of(&file, MICRO);
    let neighbour = index_of(&file, "110117001007006");
    let copy = file["features"][neighbour]["geometry"].clone();
    features(&mut file)[i]["geometry"] = copy;
    let problems = rejected(&file);
    let overlap = problems
        .iter()
        .find(|p| p.code == "OVERLAPS_SIBLING")
        .expect("overlap reported");
    assert!(
        overlap.message_en.contains("110117001007006"),
        "{overlap:?}"
    );
    assert!(overlap.message_zh.contains("重叠"));
}

#[test]
fn duplicate_and_malformed_codes_are_rejected() {
    let mut file = demo_file();
    let i = index_of(&file, MICRO);
    let j = index_of(&file, "110117001007006");
    features(&mut file)[j]["properties"]["code"] = json!(MICRO);
    let k = index_of(&file, "110117001007007");
    features(&mut file)[k]["properties"]["code"] = json!("11011700100700X");
    let problems = rejected(&file);
    assert!(has(&problems, "MALFORMED_CODE", Some(k)), "{problems:?}");
    // Per-feature problems come first; the duplicate shows once those are fixed.
    features(&mut file)[k]["properties"]["code"] = json!("110117001007007");
    let problems = rejected(&file);
    assert!(has(&problems, "DUPLICATE_CODE", Some(j)), "{problems:?}");
    assert!(i < j);
}

#[test]
fn a_grid_without_its_parent_is_rejected() {
    let mut file = demo_file();
    let orphan = index_of(&file, MICRO);
    features(&mut file)[orphan]["properties"]["code"] = json!("110117001099001");
    let problems = rejected(&file);
    assert!(
        has(&problems, "MISSING_PARENT", Some(orphan)),
        "{problems:?}"
    );
}

#[test]
fn projected_or_foreign_coordinates_are_rejected() {
    let mut file = demo_file();
    let a = index_of(&file, MICRO);
    let b = index_of(&file, "110117001007006");
    // Web Mercator metres instead of degrees.
    features(&mut file)[a]["geometry"]["coordinates"][0][0] = json!([13_037_000.0, 4_886_000.0]);
    // Paris.
    features(&mut file)[b]["geometry"]["coordinates"][0][0] = json!([2.35, 48.85]);
    let problems = rejected(&file);
    assert!(has(&problems, "NOT_WGS84", Some(a)), "{problems:?}");
    assert!(has(&problems, "OUTSIDE_CHINA", Some(b)), "{problems:?}");
}

#[test]
fn a_declared_non_wgs84_crs_is_rejected() {
    let mut file = demo_file();
    file["crs"] = json!({ "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::3857" } });
    let problems = rejected(&file);
    assert!(has(&problems, "CRS_NOT_WGS84", None), "{problems:?}");
}

#[test]
fn every_problem_of_a_file_is_listed_at_once() {
    let mut file = demo_file();
    let bad: Vec<usize> = ["110117001001001", "110117001002001", "110117001003001"]
        .iter()
        .map(|c| index_of(&file, c))
        .collect();
    features(&mut file)[bad[0]]["properties"]["name"] = json!("");
    features(&mut file)[bad[1]]["properties"]["level"] = json!("community");
    features(&mut file)[bad[2]]["geometry"] =
        json!({ "type": "LineString", "coordinates": [[117.1, 40.1], [117.2, 40.2]] });
    let problems = rejected(&file);
    assert!(has(&problems, "MISSING_PROPERTY", Some(bad[0])));
    assert!(has(&problems, "LEVEL_MISMATCH", Some(bad[1])));
    assert!(has(&problems, "NOT_POLYGON", Some(bad[2])));
    assert!(
        problems
            .iter()
            .all(|p| !p.message_zh.is_empty() && !p.message_en.is_empty())
    );
}
