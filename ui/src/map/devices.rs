//! Field devices on the map: cameras, checkpoints and door-access units, one clustered source
//! and one switchable set of layers per kind, off until the dispatcher turns them on so the
//! tickets stay readable. A click on a device opens its small card; a camera picked on a
//! ticket card is flown to and ringed.

use js_sys::Reflect;
use leptos::prelude::*;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

use super::bindings::{MapLibreMap, MapMouseEvent, RenderedFeature};
use super::view::{GridMap, js};
use binhe_core::{DeviceKind, Health};

use crate::cameras::health::HealthBook;
use crate::i18n::Msg;

/// The source of the ring around a camera picked on a ticket card.
pub const SOURCE_FOCUS: &str = "device-focus";
/// Zoom a picked camera is shown at: single devices, not clusters.
const FOCUS_ZOOM: f64 = 17.5;

/// How a kind of field device is drawn: the map's own side of the contract's [`DeviceKind`].
pub trait OnTheMap: Copy {
    /// Its switch in the legend.
    fn legend(self) -> Msg;
    /// Marker colour: hues the ticket tones (red, amber, blue, teal, violet) do not use.
    fn colour(self) -> &'static str;
    /// The character drawn in the marker at street zoom.
    fn glyph(self) -> &'static str;
    fn source(self) -> &'static str;
    /// Cluster circle, cluster count, device marker, marker glyph.
    fn layers(self) -> [&'static str; 4];

    fn point_layer(self) -> &'static str {
        self.layers()[2]
    }

    fn cluster_layer(self) -> &'static str {
        self.layers()[0]
    }
}

impl OnTheMap for DeviceKind {
    fn legend(self) -> Msg {
        match self {
            Self::Camera => Msg::StatCameras,
            Self::Checkpoint => Msg::StatCheckpoints,
            Self::DoorAccess => Msg::DeviceDoorAccess,
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Self::Camera => "#f472d0",
            Self::Checkpoint => "#b5e853",
            Self::DoorAccess => "#7fe3f5",
        }
    }

    fn glyph(self) -> &'static str {
        match self {
            Self::Camera => "摄",
            Self::Checkpoint => "卡",
            Self::DoorAccess => "门",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Self::Camera => "devices-camera",
            Self::Checkpoint => "devices-checkpoint",
            Self::DoorAccess => "devices-door_access",
        }
    }

    fn layers(self) -> [&'static str; 4] {
        match self {
            Self::Camera => [
                "devices-camera-cluster",
                "devices-camera-count",
                "devices-camera-point",
                "devices-camera-glyph",
            ],
            Self::Checkpoint => [
                "devices-checkpoint-cluster",
                "devices-checkpoint-count",
                "devices-checkpoint-point",
                "devices-checkpoint-glyph",
            ],
            Self::DoorAccess => [
                "devices-door_access-cluster",
                "devices-door_access-count",
                "devices-door_access-point",
                "devices-door_access-glyph",
            ],
        }
    }
}

/// A camera marker's fill by health: online green, offline grey, fault red, unknown pale.
pub fn health_colour(health: Health) -> &'static str {
    match health {
        Health::Online => "#4cd07d",
        Health::Offline => "#5d6875",
        Health::Fault => "#ef5f57",
        Health::Unknown => "#c3ccd6",
    }
}

/// Sets each camera's `health` to what the book says; `true` when any changed.
pub fn apply_health(cameras: &mut Value, book: &HealthBook) -> bool {
    let mut changed = false;
    let Some(features) = cameras["features"].as_array_mut() else {
        return false;
    };
    for feature in features {
        let props = &mut feature["properties"];
        let Some(health) = props["id"].as_str().and_then(|id| book.health(id)) else {
            continue;
        };
        if props["health"] != health.as_str() {
            props["health"] = Value::from(health.as_str());
            changed = true;
        }
    }
    changed
}

/// The devices' GeoJSON split by kind, one FeatureCollection each.
pub fn split_by_kind(geojson: &Value) -> Vec<(DeviceKind, Value)> {
    let features = geojson["features"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    DeviceKind::ALL
        .into_iter()
        .map(|kind| {
            let of_kind: Vec<&Value> = features
                .iter()
                .filter(|f| f["properties"]["kind"] == kind.as_str())
                .collect();
            (
                kind,
                json!({"type": "FeatureCollection", "features": of_kind}),
            )
        })
        .collect()
}

/// A device clicked on the map, for its card.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceInfo {
    pub id: String,
    pub kind: DeviceKind,
    pub name: String,
    pub grid: String,
    /// As the map had it when clicked; the card follows the live health.
    pub health: Health,
}

fn prop_str(props: &JsValue, key: &str) -> String {
    Reflect::get(props, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// What a click hit among the visible devices.
pub(super) enum Hit {
    Device(DeviceInfo),
    Cluster,
}

fn hit(map: &MapLibreMap, point: &JsValue) -> Option<Hit> {
    let layers: Vec<&str> = DeviceKind::ALL
        .into_iter()
        .flat_map(|k| [k.point_layer(), k.cluster_layer()])
        .collect();
    let first = map
        .query_rendered_features(point, &js(&json!({"layers": layers})))
        .get(0);
    if first.is_undefined() {
        return None;
    }
    let props = first.unchecked_into::<RenderedFeature>().properties();
    if Reflect::get(&props, &JsValue::from_str("cluster")).is_ok_and(|c| c.is_truthy()) {
        return Some(Hit::Cluster);
    }
    Some(Hit::Device(DeviceInfo {
        id: prop_str(&props, "id"),
        kind: DeviceKind::from_code(&prop_str(&props, "kind"))?,
        name: prop_str(&props, "name"),
        grid: prop_str(&props, "grid"),
        health: Health::from_code(&prop_str(&props, "health")).unwrap_or(Health::Unknown),
    }))
}

/// A click on a device opens its card, on a cluster zooms in; `false` when it hit no device.
pub(super) fn click(gm: &GridMap, e: &MapMouseEvent, card: RwSignal<Option<DeviceInfo>>) -> bool {
    match hit(&gm.map, &e.point()) {
        None => false,
        Some(Hit::Device(info)) => {
            card.set(Some(info));
            true
        }
        Some(Hit::Cluster) => {
            let at = e.lng_lat();
            gm.map.ease_to(&js(&json!({
                "center": [at.lng(), at.lat()],
                "zoom": (gm.map.get_zoom() + 2.0).min(FOCUS_ZOOM),
                "duration": 500,
            })));
            true
        }
    }
}

/// Whether the pointer is over a visible device or cluster.
pub(super) fn hovered(gm: &GridMap, e: &MapMouseEvent) -> bool {
    hit(&gm.map, &e.point()).is_some()
}

/// Feeds `/api/devices.geojson` to the three sources, the cameras with the health in `book`;
/// returns the cameras' collection, which later health changes patch.
pub(super) fn show(gm: &GridMap, geojson: &str, book: &HealthBook) -> Result<Value, JsValue> {
    let all: Value = serde_json::from_str(geojson)
        .map_err(|e| JsValue::from_str(&format!("/api/devices.geojson: {e}")))?;
    let mut cameras = Value::Null;
    for (kind, mut data) in split_by_kind(&all) {
        if kind == DeviceKind::Camera {
            apply_health(&mut data, book);
        }
        set_source(gm, kind, &data)?;
        if kind == DeviceKind::Camera {
            cameras = data;
        }
    }
    Ok(cameras)
}

fn set_source(gm: &GridMap, kind: DeviceKind, data: &Value) -> Result<(), JsValue> {
    gm.map
        .get_source(kind.source())
        .ok_or_else(|| JsValue::from_str("the map has no device source"))?
        .set_data(&js(data));
    Ok(())
}

/// Recolours the cameras whose health changed, in place: the map and its camera stay.
pub(super) fn show_health(
    gm: &GridMap,
    cameras: &mut Value,
    book: &HealthBook,
) -> Result<(), JsValue> {
    if apply_health(cameras, book) {
        set_source(gm, DeviceKind::Camera, cameras)?;
    }
    Ok(())
}

/// Shows or hides one kind's layers.
pub(super) fn set_visible(gm: &GridMap, kind: DeviceKind, on: bool) {
    let value = JsValue::from_str(if on { "visible" } else { "none" });
    for layer in kind.layers() {
        gm.map.set_layout_property(layer, "visibility", &value);
    }
}

/// Flies to a camera picked on a ticket card and rings it (whether or not cameras are shown).
pub(super) fn focus(gm: &GridMap, at: Option<[f64; 2]>) {
    let features = at.map_or_else(Vec::new, |p| {
        vec![json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": p}, "properties": {}})]
    });
    if let Some(source) = gm.map.get_source(SOURCE_FOCUS) {
        source.set_data(&js(
            &json!({"type": "FeatureCollection", "features": features}),
        ));
    }
    if let Some(p) = at {
        gm.map.ease_to(&js(&json!({
            "center": p,
            "zoom": gm.map.get_zoom().max(FOCUS_ZOOM),
            "duration": 800,
        })));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_split_into_one_collection_per_kind() {
        let point = |kind: &str| {
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [117.1, 40.1]},
                   "properties": {"id": "d", "kind": kind, "health": "unknown"}})
        };
        let all = json!({"type": "FeatureCollection", "features": [
            point("camera"), point("camera"), point("checkpoint"), point("door_access"), point("drone"),
        ]});
        let counts: Vec<(DeviceKind, usize)> = split_by_kind(&all)
            .into_iter()
            .map(|(k, fc)| (k, fc["features"].as_array().unwrap().len()))
            .collect();
        assert_eq!(
            counts,
            [
                (DeviceKind::Camera, 2),
                (DeviceKind::Checkpoint, 1),
                (DeviceKind::DoorAccess, 1)
            ]
        );
    }

    #[test]
    fn health_changes_recolour_only_the_cameras_named() {
        use binhe_api::devices::{CameraStatus, HealthCounts, HealthReport};
        let camera = |id: &str| {
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [117.1, 40.1]},
                   "properties": {"id": id, "kind": "camera", "health": "online"}})
        };
        let mut cameras =
            json!({"type": "FeatureCollection", "features": [camera("A"), camera("B")]});
        let mut book = HealthBook::default();
        let status = |id: &str, health| CameraStatus {
            id: id.into(),
            health,
            since: None,
            reason: None,
        };
        book.apply(
            HealthReport {
                version: 1,
                counts: HealthCounts::default(),
                cameras: vec![status("A", Health::Online)],
            },
            true,
        );
        assert!(!apply_health(&mut cameras, &book), "nothing changed");
        book.apply(
            HealthReport {
                version: 2,
                counts: HealthCounts::default(),
                cameras: vec![status("B", Health::Fault)],
            },
            false,
        );
        assert!(apply_health(&mut cameras, &book));
        assert_eq!(cameras["features"][0]["properties"]["health"], "online");
        assert_eq!(cameras["features"][1]["properties"]["health"], "fault");
        let colours: std::collections::HashSet<_> =
            Health::ALL.into_iter().map(health_colour).collect();
        assert_eq!(colours.len(), 4, "each health has its own colour");
    }

    #[test]
    fn every_kind_has_its_own_colour_and_layers() {
        let colours: std::collections::HashSet<_> =
            DeviceKind::ALL.iter().map(|k| k.colour()).collect();
        assert_eq!(colours.len(), 3);
        for kind in DeviceKind::ALL {
            assert_eq!(DeviceKind::from_code(kind.as_str()), Some(kind));
            assert!(kind.layers().iter().all(|l| l.starts_with(kind.source())));
        }
    }
}
