//! 未诉先办 on the map: the outlines of the hotspots of the analysis the board shows, each
//! labelled with its rank in the board's list (digits in every language), while 未诉先办热点 is
//! on in the legend. A hotspot picked in the list is drawn brighter and flown to.

use serde_json::{Value, json};
use wasm_bindgen::JsValue;

use super::view::{GridMap, js};
use binhe_api::Bbox;
use binhe_api::hotspots::HotspotRun;

/// The outlines (polygons) and their labels (points).
pub const SOURCE: &str = "hotspots";
pub const SOURCE_LABELS: &str = "hotspot-labels";
pub const FILL: &str = "hotspot-fill";
pub const LINE: &str = "hotspot-line";
pub const LABEL: &str = "hotspot-label";

const COLOUR: &str = "#ff6b4a";
const FOCUS: &str = "#ffcf5c";

/// The layers, above the grids and below devices and tickets; hidden until there is a run.
pub fn layers(text_font: &[&str]) -> Vec<Value> {
    let focused = json!(["boolean", ["get", "focus"], false]);
    vec![
        json!({
            "id": FILL, "type": "fill", "source": SOURCE,
            "layout": {"visibility": "none"},
            "paint": {
                "fill-color": ["case", focused, FOCUS, COLOUR],
                "fill-opacity": ["case", focused, 0.35, 0.2],
            },
        }),
        json!({
            "id": LINE, "type": "line", "source": SOURCE,
            "layout": {"visibility": "none", "line-join": "round"},
            "paint": {
                "line-color": ["case", focused, FOCUS, COLOUR],
                "line-width": ["case", focused, 3.5, 2.0],
                "line-dasharray": [2, 1],
            },
        }),
        json!({
            "id": LABEL, "type": "symbol", "source": SOURCE_LABELS,
            "layout": {
                "visibility": "none",
                "text-field": ["get", "label"], "text-font": text_font,
                "text-size": 20, "text-allow-overlap": true,
                "text-anchor": "center",
            },
            "paint": {
                "text-color": ["case", focused, FOCUS, "#ffe3dc"],
                "text-halo-color": "#0d1520", "text-halo-width": 1.6,
            },
        }),
    ]
}

/// The outlines and labels of `run`'s hotspots as GeoJSON; `focus` marks one.
pub fn features(run: &HotspotRun, focus: Option<usize>) -> (Value, Value) {
    let mut outlines = Vec::with_capacity(run.hotspots.len());
    let mut labels = Vec::with_capacity(run.hotspots.len());
    for (i, h) in run.hotspots.iter().enumerate() {
        let focused = focus == Some(i);
        outlines.push(json!({
            "type": "Feature", "id": i + 1,
            "geometry": serde_json::to_value(&h.outline).unwrap_or(Value::Null),
            "properties": {"focus": focused, "index": i},
        }));
        labels.push(json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": h.centre},
            "properties": {
                "focus": focused,
                "label": (i + 1).to_string(),
            },
        }));
    }
    (
        json!({"type": "FeatureCollection", "features": outlines}),
        json!({"type": "FeatureCollection", "features": labels}),
    )
}

/// The bounding box of a GeoJSON geometry's coordinates.
pub fn bbox(geometry: &Value) -> Option<Bbox> {
    fn walk(value: &Value, b: &mut Option<Bbox>) {
        match value.as_array() {
            Some(pair) if pair.len() >= 2 && pair.iter().all(Value::is_number) => {
                let (x, y) = (
                    pair[0].as_f64().unwrap_or(0.0),
                    pair[1].as_f64().unwrap_or(0.0),
                );
                let grown = match *b {
                    Some([west, south, east, north]) => {
                        [west.min(x), south.min(y), east.max(x), north.max(y)]
                    }
                    None => [x, y, x, y],
                };
                *b = Some(grown);
            }
            Some(items) => items.iter().for_each(|v| walk(v, b)),
            None => {}
        }
    }
    let mut b = None;
    walk(geometry.get("coordinates")?, &mut b);
    b
}

/// Draws `run` (or hides the layers for `None`), flying to the focused hotspot.
pub(super) fn show(gm: &GridMap, run: Option<&HotspotRun>, focus: Option<usize>) {
    let visibility = JsValue::from_str(if run.is_some() { "visible" } else { "none" });
    for layer in [FILL, LINE, LABEL] {
        gm.map.set_layout_property(layer, "visibility", &visibility);
    }
    let Some(run) = run else {
        return;
    };
    let (outlines, labels) = features(run, focus);
    for (id, data) in [(SOURCE, &outlines), (SOURCE_LABELS, &labels)] {
        if let Some(source) = gm.map.get_source(id) {
            source.set_data(&js(data));
        }
    }
    if let Some(b) = focus
        .and_then(|i| run.hotspots.get(i))
        .and_then(|h| bbox(&serde_json::to_value(&h.outline).ok()?))
    {
        gm.fit(b, true, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bbox_of_a_multipolygon_spans_every_ring() {
        let geometry = json!({"type": "MultiPolygon", "coordinates": [
            [[[117.1, 40.1], [117.2, 40.1], [117.2, 40.2], [117.1, 40.1]]],
            [[[117.0, 40.3], [117.05, 40.3], [117.05, 40.35], [117.0, 40.3]]],
        ]});
        assert_eq!(bbox(&geometry), Some([117.0, 40.1, 117.2, 40.35]));
        assert_eq!(bbox(&json!({"type": "Polygon"})), None);
    }
}
