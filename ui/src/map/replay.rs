//! 回放 on the map: the replay's open tickets in a source of their own, coloured by state as the
//! live layer is (urgent ones ringed white), and a brief ring on the tickets a step just changed.
//! While a replay is shown the live ticket layers are hidden; they come back on exit.

use serde_json::{Value, json};
use wasm_bindgen::JsValue;

use super::style::{self, TICKETS_CLUSTER, TICKETS_CLUSTER_COUNT, TICKETS_POINT, TICKETS_SELECTED};
use super::view::{GridMap, js};

/// The replay's open tickets (one point each, not clustered: every marker is a moment's fact).
pub const SOURCE: &str = "replay-tickets";
/// The tickets a step has just changed, closed ones included.
pub const SOURCE_FLASH: &str = "replay-flash";
const POINT: &str = "replay-point";
const FLASH: &str = "replay-flash";
const LIVE_LAYERS: [&str; 4] = [
    TICKETS_CLUSTER,
    TICKETS_CLUSTER_COUNT,
    TICKETS_SELECTED,
    TICKETS_POINT,
];
const FLASH_COLOUR: &str = "#ffcf5c";

/// What the map draws of a replay at one moment (GeoJSON feature collections).
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayLayer {
    pub tickets: Value,
    pub flash: Value,
}

/// The sources, empty.
pub fn sources() -> [(&'static str, Value); 2] {
    [
        (SOURCE, style::geojson_source()),
        (SOURCE_FLASH, style::geojson_source()),
    ]
}

/// The layers, hidden until a replay is shown.
pub fn layers() -> Vec<Value> {
    vec![
        json!({
            "id": POINT, "type": "circle", "source": SOURCE,
            "layout": {"visibility": "none"},
            "paint": style::ticket_point_paint(),
        }),
        json!({
            "id": FLASH, "type": "circle", "source": SOURCE_FLASH,
            "layout": {"visibility": "none"},
            "paint": {
                "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 10, 17, 16],
                "circle-color": "rgba(255, 207, 92, 0.18)",
                "circle-stroke-color": FLASH_COLOUR, "circle-stroke-width": 2.5,
            },
        }),
    ]
}

/// Shows `layer` instead of the live tickets, or the live tickets again.
pub(super) fn show(gm: &GridMap, layer: Option<&ReplayLayer>) {
    let (replay, live) = if layer.is_some() {
        ("visible", "none")
    } else {
        ("none", "visible")
    };
    for id in LIVE_LAYERS {
        gm.map
            .set_layout_property(id, "visibility", &JsValue::from_str(live));
    }
    for id in [POINT, FLASH] {
        gm.map
            .set_layout_property(id, "visibility", &JsValue::from_str(replay));
    }
    let empty = json!({"type": "FeatureCollection", "features": []});
    let (tickets, flash) = layer.map_or((&empty, &empty), |l| (&l.tickets, &l.flash));
    for (id, data) in [(SOURCE, tickets), (SOURCE_FLASH, flash)] {
        if let Some(source) = gm.map.get_source(id) {
            source.set_data(&js(data));
        }
    }
}
