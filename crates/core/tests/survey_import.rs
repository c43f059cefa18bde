//! A survey delivered as separate layers with the surveyor's own attribute names, in another
//! coordinate system, with or without codes, assembles into the same street; a wrong mapping
//! or a missing coordinate system is named.

use binhe_core::crs::Crs;
use binhe_core::demo::{self, DEFAULT_SEED};
use binhe_core::survey::{
    LayerCrs, LayerMapping, SurveyFeature, SurveyLayer, SurveyMapping, assemble,
};
use binhe_core::{GridHierarchy, GridLevel};
use serde_json::{Map, Value, json};

fn street() -> GridHierarchy {
    demo::generate(DEFAULT_SEED).hierarchy
}

/// One layer per level, attributes named as a surveyor would, positions in `crs`.
fn layer(h: &GridHierarchy, level: GridLevel, crs: Crs, with_codes: bool) -> SurveyLayer {
    let features = h
        .at_level(level)
        .map(|i| {
            let grid = h.get(i);
            let parent = h.parent_of(i).map(|p| h.get(p));
            let mut attributes = Map::new();
            if with_codes {
                attributes.insert("WGBM".into(), json!(grid.code.as_str()));
            }
            attributes.insert("WGMC".into(), json!(grid.name));
            attributes.insert("SJMC".into(), json!(parent.map(|p| p.name.clone())));
            attributes.insert("RK".into(), json!(grid.population));
            let shape = grid
                .shape
                .iter()
                .map(|polygon| {
                    std::iter::once(polygon.exterior())
                        .chain(polygon.interiors())
                        .map(|ring| {
                            ring.coords()
                                .map(|c| {
                                    let (x, y) = crs.from_wgs84(c.x, c.y).unwrap();
                                    [x, y]
                                })
                                .collect()
                        })
                        .collect()
                })
                .collect();
            SurveyFeature {
                attributes,
                shape: Ok(shape),
            }
        })
        .collect();
    SurveyLayer {
        name: format!("{}.shp", level.as_str()),
        crs: LayerCrs::Unknown,
        attributes: ["WGBM", "WGMC", "SJMC", "RK"]
            .iter()
            .filter(|a| with_codes || **a != "WGBM")
            .map(|a| (*a).to_owned())
            .collect(),
        features,
    }
}

fn layers(h: &GridHierarchy, crs: Crs, with_codes: bool) -> Vec<SurveyLayer> {
    [GridLevel::Street, GridLevel::Community, GridLevel::Micro]
        .into_iter()
        .map(|level| layer(h, level, crs, with_codes))
        .collect()
}

#[test]
fn separate_layers_in_gcj02_with_surveyor_names_assemble_into_the_same_street() {
    let truth = street();
    let survey = layers(&truth, Crs::Gcj02, true);
    let mapping = SurveyMapping {
        crs: Some(Crs::Gcj02),
        ..SurveyMapping::default()
    };
    let assembly = assemble(&survey, &mapping);
    assert_eq!(assembly.problems, vec![]);
    assert!(assembly.generated.is_empty());
    let h = assembly.hierarchy.unwrap();
    assert_eq!(
        h.count(GridLevel::Community),
        truth.count(GridLevel::Community)
    );
    assert_eq!(h.count(GridLevel::Micro), truth.count(GridLevel::Micro));
    let mut worst: f64 = 0.0;
    for grid in truth
        .grids()
        .iter()
        .filter(|g| g.level() != GridLevel::Unit)
    {
        let read = h.by_code(&grid.code).unwrap();
        assert_eq!(read.name, grid.name);
        assert_eq!(read.population, grid.population);
        for (a, b) in read.shape.0[0]
            .exterior()
            .coords()
            .zip(grid.shape.0[0].exterior().coords())
        {
            worst = worst.max((a.x - b.x).abs()).max((a.y - b.y).abs());
        }
    }
    assert!(worst < 1e-7, "worst {worst}°");
}

#[test]
fn codes_are_generated_from_the_street_code_and_the_parents_names() {
    let truth = street();
    let survey = layers(&truth, Crs::Cgcs2000Gk3, false);
    let mut mapping = SurveyMapping {
        crs: Some(Crs::Cgcs2000Gk3),
        ..SurveyMapping::default()
    };
    let without = assemble(&survey, &mapping);
    assert!(
        without
            .problems
            .iter()
            .any(|p| p.code == "STREET_CODE_NEEDED"),
        "{:?}",
        without.problems
    );
    mapping.street_code = Some(truth.street().code.to_string());
    let assembly = assemble(&survey, &mapping);
    assert_eq!(assembly.problems, vec![]);
    let h = assembly.hierarchy.unwrap();
    let micro = truth.count(GridLevel::Micro);
    let communities = truth.count(GridLevel::Community);
    assert_eq!(assembly.generated.len(), 1 + communities + micro);
    // Each micro-grid's generated code lies in the community its survey row names.
    for i in h.at_level(GridLevel::Micro) {
        let grid = h.get(i);
        let first = grid.shape.0[0].exterior().0[0];
        let original = truth
            .grids()
            .iter()
            .find(|g| {
                let c = g.shape.0[0].exterior().0[0];
                g.level() == GridLevel::Micro
                    && (c.x - first.x).abs() < 1e-7
                    && (c.y - first.y).abs() < 1e-7
            })
            .unwrap();
        assert_eq!(original.name, grid.name);
        let original_parent = truth.by_code(&original.code.parent().unwrap()).unwrap();
        let parent = h.get(h.parent_of(i).unwrap());
        assert_eq!(parent.name, original_parent.name);
    }
    // Sequences start at 001 in every community.
    for c in h.at_level(GridLevel::Community) {
        let mut sequences: Vec<&str> = h
            .children_of(c)
            .iter()
            .map(|&k| &h.get(k).code.as_str()[12..])
            .collect();
        sequences.sort_unstable();
        assert_eq!(sequences[0], "001");
    }
}

#[test]
fn a_wrong_mapping_and_a_missing_crs_are_named_per_layer() {
    let truth = street();
    let survey = layers(&truth, Crs::Wgs84, true);
    let mapping = SurveyMapping {
        layers: vec![LayerMapping {
            layer: "micro.shp".into(),
            level: Some(GridLevel::Micro),
            code: Some("GRID_NO".into()),
            name: Some("WGMC".into()),
            ..LayerMapping::default()
        }],
        ..SurveyMapping::default()
    };
    let assembly = assemble(&survey, &mapping);
    assert!(assembly.hierarchy.is_none());
    let unknown = assembly
        .problems
        .iter()
        .find(|p| p.code == "UNKNOWN_ATTRIBUTE")
        .expect("the unknown attribute is named");
    assert_eq!(unknown.layer.as_deref(), Some("micro.shp"));
    assert!(
        unknown.message_zh.contains("GRID_NO"),
        "{}",
        unknown.message_zh
    );
    for name in ["street.shp", "community.shp", "micro.shp"] {
        assert!(
            assembly.problems.iter().any(|p| p.code == "CRS_UNKNOWN"
                && p.layer.as_deref() == Some(name)
                && p.feature_index.is_none()),
            "{name}: {:?}",
            assembly.problems
        );
    }
    assert!(
        assembly
            .problems
            .iter()
            .all(|p| p.message_zh.chars().any(|c| c > '\u{2e80}'))
    );
}

#[test]
fn projected_positions_declared_as_degrees_are_refused_with_the_position() {
    let truth = street();
    let mut survey = layers(&truth, Crs::Cgcs2000Gk3, true);
    for layer in &mut survey {
        layer.crs = LayerCrs::Declared(Crs::Wgs84);
    }
    let assembly = assemble(&survey, &SurveyMapping::default());
    assert!(
        assembly.problems.iter().any(|p| p.code == "NOT_IN_CRS"),
        "{:?}",
        &assembly.problems[..3]
    );
    let value: Value = serde_json::to_value(&assembly.problems[0]).unwrap();
    assert!(value.get("layer").is_some());
}

#[test]
fn a_level_without_population_counts_its_childrens() {
    let truth = street();
    let mut survey = layers(&truth, Crs::Wgs84, true);
    for layer in &mut survey {
        for feature in &mut layer.features {
            if feature.attributes.get("WGBM").and_then(|c| c.as_str())
                == Some(truth.street().code.as_str())
            {
                feature.attributes.remove("RK");
            }
        }
    }
    let mapping = SurveyMapping {
        crs: Some(Crs::Wgs84),
        ..SurveyMapping::default()
    };
    let assembly = assemble(&survey, &mapping);
    assert_eq!(assembly.problems, vec![]);
    let h = assembly.hierarchy.unwrap();
    assert_eq!(h.street().population, truth.street().population);
    assert!(h.street().population > 0);
}
