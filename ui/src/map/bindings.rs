//! wasm-bindgen bindings for the parts of MapLibre GL JS 6 the UI uses.
//!
//! MapLibre 6 ships only ES modules. trunk copies them to `dist/vendor/`, and `raw_module`
//! makes the generated glue import `./vendor/maplibre-gl.mjs` relative to itself, so the map
//! loads from the same loopback server as the UI, with no global and no hand-written JS.

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

#[wasm_bindgen(raw_module = "./vendor/maplibre-gl.mjs")]
extern "C" {
    /// `maplibregl.Map` (imported under its alias `MapLibreMap`, so it does not shadow the
    /// JavaScript `Map` built-in inside the generated glue).
    #[derive(Debug, Clone)]
    pub type MapLibreMap;

    #[wasm_bindgen(constructor, catch)]
    pub fn new(options: &JsValue) -> Result<MapLibreMap, JsValue>;

    #[wasm_bindgen(method)]
    pub fn on(this: &MapLibreMap, event: &str, listener: &Function) -> MapLibreMap;

    /// `map.on(event, layerId, listener)`: only for features of that layer.
    #[wasm_bindgen(method, js_name = on)]
    pub fn on_layer(
        this: &MapLibreMap,
        event: &str,
        layer: &str,
        listener: &Function,
    ) -> MapLibreMap;

    #[wasm_bindgen(method)]
    pub fn once(this: &MapLibreMap, event: &str, listener: &Function) -> MapLibreMap;

    #[wasm_bindgen(method, js_name = addSource, catch)]
    pub fn add_source(this: &MapLibreMap, id: &str, source: &JsValue) -> Result<(), JsValue>;

    #[wasm_bindgen(method, js_name = addLayer, catch)]
    pub fn add_layer(this: &MapLibreMap, layer: &JsValue) -> Result<(), JsValue>;

    /// `map.addLayer(layer, beforeId)`: drawn under the layer `before`.
    #[wasm_bindgen(method, js_name = addLayer, catch)]
    pub fn add_layer_before(
        this: &MapLibreMap,
        layer: &JsValue,
        before: &str,
    ) -> Result<(), JsValue>;

    #[wasm_bindgen(method, js_name = removeLayer)]
    pub fn remove_layer(this: &MapLibreMap, id: &str);

    #[wasm_bindgen(method, js_name = removeSource)]
    pub fn remove_source(this: &MapLibreMap, id: &str);

    /// The style layer `id`, if the map has one.
    #[wasm_bindgen(method, js_name = getLayer)]
    pub fn get_layer(this: &MapLibreMap, id: &str) -> Option<js_sys::Object>;

    #[wasm_bindgen(method, js_name = setFeatureState)]
    pub fn set_feature_state(this: &MapLibreMap, feature: &JsValue, state: &JsValue);

    #[wasm_bindgen(method, js_name = removeFeatureState)]
    pub fn remove_feature_state(this: &MapLibreMap, feature: &JsValue, key: &str);

    /// Clears every feature state of a source (`{source}` without `id`).
    #[wasm_bindgen(method, js_name = removeFeatureState)]
    pub fn remove_all_feature_states(this: &MapLibreMap, target: &JsValue);

    #[wasm_bindgen(method, js_name = getSource)]
    pub fn get_source(this: &MapLibreMap, id: &str) -> Option<GeoJsonSource>;

    #[wasm_bindgen(method, js_name = setPaintProperty)]
    pub fn set_paint_property(this: &MapLibreMap, layer: &str, name: &str, value: &JsValue);

    #[wasm_bindgen(method, js_name = queryRenderedFeatures)]
    pub fn query_rendered_features(this: &MapLibreMap, point: &JsValue, options: &JsValue)
    -> Array;

    #[wasm_bindgen(method, js_name = setFilter)]
    pub fn set_filter(this: &MapLibreMap, layer: &str, filter: &JsValue);

    /// Screen point (`[x, y]` or a `Point`) → longitude/latitude.
    #[wasm_bindgen(method)]
    pub fn unproject(this: &MapLibreMap, point: &JsValue) -> LngLat;

    #[wasm_bindgen(method, js_name = easeTo)]
    pub fn ease_to(this: &MapLibreMap, options: &JsValue);

    #[wasm_bindgen(method, js_name = fitBounds)]
    pub fn fit_bounds(this: &MapLibreMap, bounds: &JsValue, options: &JsValue);

    #[wasm_bindgen(method, js_name = getCanvas)]
    pub fn get_canvas(this: &MapLibreMap) -> HtmlCanvasElement;

    #[wasm_bindgen(method)]
    pub fn loaded(this: &MapLibreMap) -> bool;

    /// Asks for one more frame (and so an `idle` after it).
    #[wasm_bindgen(method, js_name = triggerRepaint)]
    pub fn trigger_repaint(this: &MapLibreMap);

    #[wasm_bindgen(method, js_name = isSourceLoaded)]
    pub fn is_source_loaded(this: &MapLibreMap, id: &str) -> bool;

    #[wasm_bindgen(method, js_name = getZoom)]
    pub fn get_zoom(this: &MapLibreMap) -> f64;

    #[wasm_bindgen(method, js_name = setLayoutProperty)]
    pub fn set_layout_property(this: &MapLibreMap, layer: &str, name: &str, value: &JsValue);

    /// Where MapLibre starts its web workers from; set before the first map is made.
    #[wasm_bindgen(js_name = setWorkerUrl)]
    pub fn set_worker_url(url: &str);
}

// Plain objects MapLibre hands to callbacks; read structurally, never checked with instanceof.
#[wasm_bindgen]
extern "C" {
    /// A map event (`click`, `mousemove`, …).
    #[derive(Debug, Clone)]
    pub type MapMouseEvent;

    #[wasm_bindgen(method, getter)]
    pub fn point(this: &MapMouseEvent) -> ScreenPoint;

    #[wasm_bindgen(method, getter, js_name = lngLat)]
    pub fn lng_lat(this: &MapMouseEvent) -> LngLat;

    /// On `mousedown`, keeps the map from starting a pan with this gesture.
    #[wasm_bindgen(method, js_name = preventDefault)]
    pub fn prevent_default(this: &MapMouseEvent);

    /// `maplibregl.LngLat`.
    #[derive(Debug, Clone)]
    pub type LngLat;

    #[wasm_bindgen(method, getter)]
    pub fn lng(this: &LngLat) -> f64;

    #[wasm_bindgen(method, getter)]
    pub fn lat(this: &LngLat) -> f64;

    /// `maplibregl.Point`: pixel coordinates in the map container (passed back to MapLibre as is).
    #[derive(Debug, Clone)]
    pub type ScreenPoint;

    #[wasm_bindgen(method, getter)]
    pub fn x(this: &ScreenPoint) -> f64;

    #[wasm_bindgen(method, getter)]
    pub fn y(this: &ScreenPoint) -> f64;

    /// A feature returned by `queryRenderedFeatures`.
    #[derive(Debug, Clone)]
    pub type RenderedFeature;

    /// The numeric feature id (top-level `id` of the GeoJSON feature), if any.
    #[wasm_bindgen(method, getter)]
    pub fn id(this: &RenderedFeature) -> Option<f64>;

    #[wasm_bindgen(method, getter)]
    pub fn properties(this: &RenderedFeature) -> JsValue;

    /// A `geojson` source of the map.
    #[derive(Debug, Clone)]
    pub type GeoJsonSource;

    /// Replaces the source's data in place; layers, camera and the rest of the map stay.
    #[wasm_bindgen(method, js_name = setData)]
    pub fn set_data(this: &GeoJsonSource, data: &JsValue);

    /// Applies a diff (`{remove: [ids], add: [features]}`) to the source's features by id:
    /// the worker updates what changed, the rest stays.
    #[wasm_bindgen(method, js_name = updateData)]
    pub fn update_data(this: &GeoJsonSource, diff: &JsValue);
}
