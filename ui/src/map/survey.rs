//! A survey being previewed in the import dialog: its grids in a source of their own,
//! outlined in magenta over the map's grids (red where a problem concerns them), and removed
//! again when the dialog closes or the survey is imported.
//!
//! | id | what |
//! | --- | --- |
//! | `survey-preview` | the source: the preview's grids in WGS84 |
//! | `survey-preview-fill` | a faint tint, stronger and red on grids with a problem |
//! | `survey-preview-line` | outlines by level, magenta (red with a problem) |

use binhe_api::Bbox;
use binhe_api::grids::PreviewGrids;
use binhe_core::geojson::Geometry;
use serde::Serialize;
use serde_json::{Value, json};
use wasm_bindgen::JsValue;

use super::view::{GridMap, js};

pub const SOURCE: &str = "survey-preview";
pub const FILL: &str = "survey-preview-fill";
pub const LINE: &str = "survey-preview-line";
/// The outline of previewed grids: far from the blues and greens of the map's own.
pub const PREVIEW_COLOUR: &str = "#ff4fd8";
pub const PROBLEM_COLOUR: &str = "#ff3b3b";

fn layers() -> [Value; 2] {
    let problem = json!(["==", ["get", "problem"], true]);
    [
        json!({
            "id": FILL, "type": "fill", "source": SOURCE,
            "paint": {
                "fill-color": ["case", problem, PROBLEM_COLOUR, PREVIEW_COLOUR],
                "fill-opacity": ["case", problem, 0.3,
                    ["match", ["get", "level"], "street", 0.0, "community", 0.07, 0.05]],
            },
        }),
        json!({
            "id": LINE, "type": "line", "source": SOURCE,
            "layout": {"line-join": "round"},
            "paint": {
                "line-color": ["case", problem, PROBLEM_COLOUR, PREVIEW_COLOUR],
                "line-width": ["match", ["get", "level"],
                    "street", 4.0, "community", 2.6, "micro", 1.4, 0.9],
                "line-opacity": 0.95,
            },
        }),
    ]
}

/// Shows `grids` (or removes the preview for `None`).
pub(super) fn show(gm: &GridMap, grids: Option<&PreviewGrids>) -> Result<(), JsValue> {
    let map = &gm.map;
    let Some(grids) = grids else {
        for id in [LINE, FILL] {
            if map.get_layer(id).is_some() {
                map.remove_layer(id);
            }
        }
        if map.get_source(SOURCE).is_some() {
            map.remove_source(SOURCE);
        }
        return Ok(());
    };
    let data = grids
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(JsValue::from)?;
    if let Some(source) = map.get_source(SOURCE) {
        source.set_data(&data);
        return Ok(());
    }
    let source = js(&json!({"type": "geojson"}));
    js_sys::Reflect::set(&source, &JsValue::from_str("data"), &data)?;
    map.add_source(SOURCE, &source)?;
    for layer in layers() {
        map.add_layer(&js(&layer))?;
    }
    Ok(())
}

/// The box around every previewed grid.
pub fn bbox(grids: &PreviewGrids) -> Option<Bbox> {
    let mut points = grids.features.iter().flat_map(|f| match &f.geometry {
        Geometry::Point { coordinates } => vec![*coordinates],
        Geometry::Polygon { coordinates } => coordinates.iter().flatten().copied().collect(),
        Geometry::MultiPolygon { coordinates } => {
            coordinates.iter().flatten().flatten().copied().collect()
        }
    });
    let [x, y] = points.next()?;
    Some(points.fold([x, y, x, y], |b, [x, y]| {
        [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use binhe_api::grids::PreviewGridProperties;
    use binhe_core::geojson::{Feature, FeatureCollection};

    fn grid(coordinates: Vec<Vec<[f64; 2]>>) -> Feature<PreviewGridProperties> {
        Feature::new(
            None,
            Geometry::Polygon { coordinates },
            PreviewGridProperties {
                layer: "社区.shp".to_owned(),
                feature_index: 0,
                code: None,
                name: None,
                level: None,
                generated: false,
                problem: false,
            },
        )
    }

    #[test]
    fn the_box_holds_every_grid() {
        let grids = FeatureCollection::new(vec![
            grid(vec![vec![
                [117.1, 40.1],
                [117.2, 40.1],
                [117.2, 40.2],
                [117.1, 40.1],
            ]]),
            grid(vec![vec![[117.0, 40.15], [117.05, 40.3], [117.0, 40.15]]]),
        ]);
        assert_eq!(bbox(&grids), Some([117.0, 40.1, 117.2, 40.3]));
        assert_eq!(bbox(&FeatureCollection::new(Vec::new())), None);
    }

    #[test]
    fn outlines_come_above_the_tint_and_name_the_source() {
        let [fill, line] = layers();
        assert_eq!(
            (fill["id"].as_str(), line["id"].as_str()),
            (Some(FILL), Some(LINE))
        );
        assert!(layers().iter().all(|l| l["source"] == SOURCE));
    }
}
