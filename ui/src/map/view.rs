//! The map component: creates the MapLibre map, loads the GeoJSON, and keeps hover,
//! selection, language and camera in step with [`AppState`].
//!
//! When the grids are replaced on the server (an import), the grid and label sources get the
//! new data in place (`setData`): the camera, the layers and the map itself stay.
//!
//! Test hook: `window.binheMap` is the MapLibre `Map` as soon as it exists, and
//! `window.binheReady` becomes `true` once the style, all sources and layers are loaded,
//! the first open tickets are drawn (or failed to load) and the map is idle; a `binhe-ready`
//! performance mark records that moment in the page's own clock, so a benchmark reads it
//! afterwards without its polling counting (make bench-map, make bench-desktop).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use futures_util::future::join5;
use js_sys::{Function, Promise, Reflect};
use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Serialize;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlElement;

use super::bindings::{MapLibreMap, MapMouseEvent, RenderedFeature, ScreenPoint, set_worker_url};
use super::device_card::DeviceCard;
use super::devices::{self, DeviceInfo, OnTheMap};
use super::heat;
use super::hotspots;
use super::index::GridIndex;
use super::replay;
use super::style::{self, COMMUNITY_FILL, SOURCE_GRIDS, SOURCE_LABELS};
use super::survey;
use super::tickets::{self, Press};
use binhe_api::basemap::BasemapInfo;
use binhe_api::grids::{BASEMAP_GEOJSON, DEVICES_GEOJSON, GRIDS_GEOJSON};
use binhe_api::kpi::Heat;
use binhe_api::tickets::TICKETS_GEOJSON;
use binhe_core::{DeviceKind, Health};

use crate::api::basemap as basemap_api;
use crate::api::kpi as kpi_api;
use crate::api::texts::{Named, TicketNames};
use crate::api::{self, ApiError, Bbox};
use crate::app::{AppState, Fly};
use crate::cameras::CameraHealth;
use crate::components::{Board, HeatPeriodChooser, Replay};
use crate::i18n::{Lang, Msg};
use crate::map_first::MapFirst;
use crate::tickets::Desk;
use crate::tickets::desk::{DeskChange, SingleFlight};
use crate::tickets::queue::Tone;

/// Room kept around a grid when the map fits it; the right side leaves space for the card.
const PAD: f64 = 48.0;
const CARD_PAD: f64 = 400.0;
/// MapLibre's worker as trunk copies it (see `index.html`).
const WORKER_PATH: &str = "vendor/maplibre-gl-worker.mjs";

/// Converts JSON to a plain JavaScript object (not a JS `Map`), as MapLibre expects.
pub(super) fn js(value: &Value) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

fn feature_ref(id: u32) -> JsValue {
    js(&json!({"source": SOURCE_GRIDS, "id": id}))
}

fn bounds(b: Bbox) -> JsValue {
    js(&json!([[b[0], b[1]], [b[2], b[3]]]))
}

/// The message of a JavaScript exception, for the user-facing error.
fn error_text(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map_or_else(
        || e.as_string().unwrap_or_else(|| format!("{e:?}")),
        |err| String::from(err.message()),
    )
}

fn set_window_prop(name: &str, value: &JsValue) {
    let _ = Reflect::set(&window(), &JsValue::from_str(name), value);
}

/// A promise that resolves the first time `event` fires on the map.
fn next_event(map: &MapLibreMap, event: &str) -> Promise {
    Promise::new(&mut |resolve, _reject| {
        map.once(event, &resolve);
    })
}

/// The grid under `point`, preferring the finest level the zoom allows.
fn pick(map: &MapLibreMap, point: &ScreenPoint) -> Option<(u32, String)> {
    let layers = style::pick_layers(style::pick_level(map.get_zoom()));
    let hits = map.query_rendered_features(point, &js(&json!({"layers": layers})));
    let first = hits.get(0);
    if first.is_undefined() {
        return None;
    }
    let first: RenderedFeature = first.unchecked_into();
    let id = first.id()? as u32;
    let code = Reflect::get(&first.properties(), &JsValue::from_str("code"))
        .ok()?
        .as_string()?;
    Some((id, code))
}

/// The live map, created once per page.
pub(super) struct GridMap {
    pub(super) map: MapLibreMap,
    /// Feature id under the pointer.
    hovered: Cell<Option<u32>>,
    /// Grid feature under a dragged ticket.
    pub(super) drop_target: Cell<Option<u32>>,
    /// A ticket marker pressed (and maybe dragged) with the mouse.
    pub(super) press: Cell<Option<Press>>,
    /// The street's own basemap shown (its id) and the layers drawing it.
    street_basemap: RefCell<(Option<String>, Vec<String>)>,
    /// The first open tickets were handed to the map (or failed to load): the map counts as
    /// ready only once they are drawn.
    tickets_in: Cell<bool>,
}

impl GridMap {
    pub(super) fn set_state(&self, id: u32, key: &str, on: bool) {
        if on {
            let mut state = serde_json::Map::new();
            state.insert(key.to_owned(), Value::Bool(true));
            self.map
                .set_feature_state(&feature_ref(id), &js(&Value::Object(state)));
        } else {
            self.map.remove_feature_state(&feature_ref(id), key);
        }
    }

    pub(super) fn fit(&self, bbox: Bbox, card_open: bool, animate: bool) {
        let right = if card_open { CARD_PAD } else { PAD };
        self.fit_beside(bbox, right, animate);
    }

    /// Fits `bbox` in what is left of the map right of nothing and left of `right` pixels.
    fn fit_beside(&self, bbox: Bbox, right: f64, animate: bool) {
        self.map.fit_bounds(
            &bounds(bbox),
            &js(&json!({
                "padding": {"top": PAD, "bottom": PAD, "left": PAD, "right": right},
                "maxZoom": 17.5,
                "animate": animate,
                "duration": 800,
            })),
        );
    }

    fn set_language(&self, lang: Lang) {
        for (layer, field) in style::label_fields(lang) {
            self.map
                .set_layout_property(layer, "text-field", &js(&field));
        }
    }

    /// Adds every source and layer; the open tickets, if given, go in with their source, so the
    /// map's worker tiles them with the grids instead of in a round of its own.
    fn add_layers(
        &self,
        grids: &str,
        basemap: &str,
        tickets: Option<&JsValue>,
        index: &GridIndex,
        lang: Lang,
    ) -> Result<(), JsValue> {
        let sources = [
            (style::SOURCE_BASEMAP, js_sys::JSON::parse(basemap)?),
            (SOURCE_GRIDS, js_sys::JSON::parse(grids)?),
            (SOURCE_LABELS, js(&index.labels)),
        ];
        for (id, data) in sources {
            let source = js(&style::geojson_source());
            Reflect::set(&source, &JsValue::from_str("data"), &data)?;
            self.map.add_source(id, &source)?;
        }
        let ticket_source = js(&style::ticket_source());
        if let Some(tickets) = tickets {
            Reflect::set(&ticket_source, &JsValue::from_str("data"), tickets)?;
        }
        self.map.add_source(style::SOURCE_TICKETS, &ticket_source)?;
        self.map
            .add_source(style::SOURCE_PICK, &js(&style::geojson_source()))?;
        for kind in DeviceKind::ALL {
            self.map
                .add_source(kind.source(), &js(&style::device_source()))?;
        }
        self.map
            .add_source(devices::SOURCE_FOCUS, &js(&style::geojson_source()))?;
        for id in [hotspots::SOURCE, hotspots::SOURCE_LABELS] {
            self.map.add_source(id, &js(&style::geojson_source()))?;
        }
        for (id, source) in replay::sources() {
            self.map.add_source(id, &js(&source))?;
        }
        for layer in style::layers(lang, &index.community_codes)
            .into_iter()
            .chain(replay::layers())
        {
            self.map.add_layer(&js(&layer))?;
        }
        Ok(())
    }

    /// Draws the street's own basemap under the grids (hiding the generated one), or goes back
    /// to the generated basemap.
    fn show_street_basemap(&self, info: Option<&BasemapInfo>) -> Result<(), JsValue> {
        let mut shown = self.street_basemap.borrow_mut();
        if shown.0.as_deref() == info.map(|i| i.id.as_str()) {
            return Ok(());
        }
        for layer in shown.1.drain(..) {
            self.map.remove_layer(&layer);
        }
        if shown.0.take().is_some() {
            self.map.remove_source(style::SOURCE_STREET_BASEMAP);
        }
        let visibility = js(&json!(if info.is_some() { "none" } else { "visible" }));
        for layer in style::generated_basemap_layers() {
            self.map
                .set_layout_property(&layer, "visibility", &visibility);
        }
        let Some(info) = info else {
            return Ok(());
        };
        let origin = window().location().origin()?;
        self.map.add_source(
            style::SOURCE_STREET_BASEMAP,
            &js(&style::street_basemap_source(info, &origin)),
        )?;
        shown.0 = Some(info.id.clone());
        for layer in style::street_basemap_layers(info) {
            self.map
                .add_layer_before(&js(&layer), style::STREET_BASEMAP_BELOW)?;
            if let Some(id) = layer["id"].as_str() {
                shown.1.push(id.to_owned());
            }
        }
        Ok(())
    }

    /// Shows other grids in the existing sources and layers. Hover and selection states are
    /// cleared: feature ids of the new data may name other grids.
    fn replace_grids(&self, grids: &str, index: &GridIndex) -> Result<(), JsValue> {
        let data = [
            (SOURCE_GRIDS, js_sys::JSON::parse(grids)?),
            (SOURCE_LABELS, js(&index.labels)),
        ];
        for (id, data) in data {
            let source = self
                .map
                .get_source(id)
                .ok_or_else(|| JsValue::from_str(&format!("the map has no source {id}")))?;
            source.set_data(&data);
        }
        self.map.set_paint_property(
            COMMUNITY_FILL,
            "fill-color",
            &js(&style::community_colour(&index.community_codes)),
        );
        self.map
            .remove_all_feature_states(&js(&json!({"source": SOURCE_GRIDS})));
        self.hovered.set(None);
        Ok(())
    }
}

/// How far into the map, from its right edge, an open dialog reaches (0 without one).
fn covered_right(container: &NodeRef<Div>) -> f64 {
    let Some(map) = container.get_untracked() else {
        return 0.0;
    };
    let rect = map.get_bounding_client_rect();
    let covered = document()
        .query_selector("dialog[open]")
        .ok()
        .flatten()
        .map_or(0.0, |dialog| {
            rect.right() - dialog.get_bounding_client_rect().left()
        });
    // A dialog over (nearly) the whole map: fit as if it were not there.
    if covered > rect.width() - 240.0 {
        0.0
    } else {
        covered.max(0.0)
    }
}

/// Keeps `f` alive for the life of the page (the map is never torn down) and returns it as
/// a JS function.
pub(super) fn leak<F: FnMut(MapMouseEvent) + 'static>(f: F) -> Function {
    Closure::<dyn FnMut(MapMouseEvent)>::new(f)
        .into_js_value()
        .unchecked_into()
}

fn install_interaction(
    grid_map: &Rc<GridMap>,
    state: AppState,
    desk: Desk,
    device: RwSignal<Option<DeviceInfo>>,
) {
    let map = &grid_map.map;
    let canvas: HtmlElement = map.get_canvas().unchecked_into();

    let set_hover = {
        let grid_map = Rc::clone(grid_map);
        move |next: Option<u32>| {
            let previous = grid_map.hovered.replace(next);
            if previous == next {
                return;
            }
            if let Some(id) = previous {
                grid_map.set_state(id, "hover", false);
            }
            if let Some(id) = next {
                grid_map.set_state(id, "hover", true);
            }
        }
    };

    let on_move = {
        let grid_map = Rc::clone(grid_map);
        let set_hover = set_hover.clone();
        leak(move |e: MapMouseEvent| {
            // A dragged marker shows its drop target instead of the hover.
            let grid = (!tickets::dragging_marker(&grid_map))
                .then(|| pick(&grid_map.map, &e.point()).map(|(id, _)| id))
                .flatten();
            set_hover(grid);
            let cursor = tickets::cursor(&grid_map, state, desk, &e).unwrap_or(
                if grid.is_some() || devices::hovered(&grid_map, &e) {
                    "pointer"
                } else {
                    ""
                },
            );
            let _ = canvas.style().set_property("cursor", cursor);
        })
    };
    map.on("mousemove", &on_move);
    map.on("mouseout", &leak(move |_| set_hover(None)));

    let on_click = {
        let grid_map = Rc::clone(grid_map);
        leak(move |e: MapMouseEvent| {
            if tickets::click(&grid_map, desk, &e) {
                return;
            }
            if devices::click(&grid_map, &e, device) {
                return;
            }
            if let Some((_, code)) = pick(&grid_map.map, &e.point()) {
                state.select(code, Fly::Stay);
            }
        })
    };
    map.on("click", &on_click);

    let on_zoom = {
        let grid_map = Rc::clone(grid_map);
        leak(move |_| {
            let level = style::pick_level(grid_map.map.get_zoom());
            if state.pick_level.get_untracked() != level {
                state.pick_level.set(level);
            }
        })
    };
    map.on("zoom", &on_zoom);
    state.pick_level.set(style::pick_level(map.get_zoom()));
}

/// Marks the map ready at its first idle with the style, every source and the first open
/// tickets in: the test hook, the `binhe-ready` mark, and what waited for the map goes ahead.
fn watch_ready(grid_map: &Rc<GridMap>, first: MapFirst) {
    let on_idle = {
        let grid_map = Rc::clone(grid_map);
        let ready = Cell::new(false);
        leak(move |_| {
            let map = &grid_map.map;
            if !ready.get()
                && grid_map.tickets_in.get()
                && map.loaded()
                && style::SOURCES.iter().all(|s| map.is_source_loaded(s))
            {
                ready.set(true);
                set_window_prop("binheReady", &JsValue::TRUE);
                if let Some(performance) = window().performance() {
                    let _ = performance.mark("binhe-ready");
                }
                first.done();
            }
        })
    };
    grid_map.map.on("idle", &on_idle);
}

/// The page's base URL, which the map's worker resolves the UI's relative URLs against.
pub(super) fn base_url() -> String {
    document().base_uri().ok().flatten().unwrap_or_default()
}

/// A map in `container` with the empty base style and no rotation, `camera` (`center`, `zoom`
/// …) added to its options.
pub(super) fn new_map(container: &HtmlElement, camera: Value) -> Result<MapLibreMap, JsValue> {
    // MapLibre 6 would also find its worker beside its own module, but only under http(s);
    // saying where it is keeps the desktop (custom scheme) build working too.
    let worker = web_sys::Url::new_with_base(WORKER_PATH, &base_url())
        .map_or_else(|_| WORKER_PATH.to_owned(), |u| u.href());
    set_worker_url(&worker);
    let mut options = json!({
        "style": style::base_style(),
        "localIdeographFontFamily": style::LOCAL_FONT_FAMILY,
        "attributionControl": false,
        "dragRotate": false,
        "pitchWithRotate": false,
        "touchPitch": false,
    });
    if let (Some(options), Value::Object(camera)) = (options.as_object_mut(), camera) {
        options.extend(camera);
    }
    let options = js(&options);
    Reflect::set(&options, &JsValue::from_str("container"), container)?;
    MapLibreMap::new(&options)
}

/// The data the map asks for at start, all at once (each is a request of its own, so the
/// browser fetches them side by side while MapLibre loads its worker).
struct FirstData {
    grids: Result<String, ApiError>,
    basemap: Result<String, ApiError>,
    tickets: Result<String, ApiError>,
    devices: Result<String, ApiError>,
    street_basemap: Result<Option<BasemapInfo>, ApiError>,
}

impl FirstData {
    async fn load() -> Self {
        let (grids, basemap, tickets, devices, street_basemap) = join5(
            api::get_text(GRIDS_GEOJSON),
            api::get_text(BASEMAP_GEOJSON),
            api::get_text(TICKETS_GEOJSON),
            api::get_text(DEVICES_GEOJSON),
            basemap_api::current(),
        )
        .await;
        Self {
            grids,
            basemap,
            tickets,
            devices,
            street_basemap,
        }
    }
}

/// What `start` loaded for the effects that keep it current: the open tickets as of desk
/// revision `revision` (`Ok(None)`: already in the map), and the devices.
struct Started {
    tickets: (u64, Result<Option<String>, ApiError>),
    devices: Result<String, ApiError>,
}

/// Creates the map in `container`, loads the data, then wires it to the state.
async fn start(
    container: HtmlElement,
    state: AppState,
    desk: Desk,
    store: StoredValue<Option<Rc<GridMap>>, LocalStorage>,
    ghost: RwSignal<Option<(f64, f64)>>,
    home: StoredValue<Option<Bbox>>,
    device: RwSignal<Option<DeviceInfo>>,
) -> Result<Started, ApiError> {
    // Pinggu, until the street's own bbox is known and fitted.
    let camera = json!({"minZoom": 10, "maxZoom": 19.5, "center": [117.12, 40.14], "zoom": 12});
    let map =
        new_map(&container, camera).map_err(|e| ApiError::map_unavailable(&error_text(&e)))?;
    set_window_prop("binheMap", &map);
    let loaded = next_event(&map, "load");

    let revision = desk.revision.get_untracked();
    let first = FirstData::load().await;
    let grids = first.grids?;
    let basemap = first.basemap?;
    let index = GridIndex::from_geojson(&grids)
        .map_err(|e| ApiError::bad_response(&format!("{GRIDS_GEOJSON}: {e}")))?;
    // Text that does not parse is left to the effect that shows tickets, which says so.
    let tickets = first
        .tickets
        .as_deref()
        .ok()
        .and_then(|text| js_sys::JSON::parse(text).ok());
    let _ = JsFuture::from(loaded).await;

    let grid_map = Rc::new(GridMap {
        map,
        hovered: Cell::new(None),
        drop_target: Cell::new(None),
        press: Cell::new(None),
        street_basemap: RefCell::new((None, Vec::new())),
        tickets_in: Cell::new(false),
    });
    grid_map
        .add_layers(
            &grids,
            &basemap,
            tickets.as_ref(),
            &index,
            state.lang.get_untracked(),
        )
        .map_err(|e| ApiError::bad_response(&error_text(&e)))?;
    home.set_value(index.home_bbox(state.home_community().as_deref()));
    if let Some(bbox) = home.get_value() {
        grid_map.fit(bbox, false, false);
    }
    install_interaction(&grid_map, state, desk, device);
    tickets::install(&grid_map, state, desk, &container, ghost);
    store.set_value(Some(grid_map));
    // The street's own basemap, if it has one (the effect in `MapView` draws it).
    match first.street_basemap {
        Ok(basemap) => state.basemap.set(basemap),
        Err(e) => state.notify(Msg::ErrorBasemap, e),
    }
    state.index.set(Some(Arc::new(index)));
    let first_tickets = if tickets.is_some() {
        Ok(None)
    } else {
        first.tickets.map(Some)
    };
    Ok(Started {
        tickets: (revision, first_tickets),
        devices: first.devices,
    })
}

/// Loads the replaced grids into the running map. The camera stays unless home moved (a file
/// of another area, or another account's community), then the map fits the new home.
async fn reload(
    grid_map: &GridMap,
    state: AppState,
    selected_id: StoredValue<Option<u32>, LocalStorage>,
    home: StoredValue<Option<Bbox>>,
) -> Result<(), ApiError> {
    let version = state.data_version.get_untracked();
    let grids = api::get_text(GRIDS_GEOJSON).await?;
    if state.data_version.get_untracked() != version {
        return Ok(()); // replaced once more meanwhile: the newer reload applies
    }
    let index = GridIndex::from_geojson(&grids)
        .map_err(|e| ApiError::bad_response(&format!("{GRIDS_GEOJSON}: {e}")))?;
    grid_map
        .replace_grids(&grids, &index)
        .map_err(|e| ApiError::bad_response(&error_text(&e)))?;
    // The selection effect sets the `selected` state again from the new index.
    selected_id.set_value(None);
    let new_home = index.home_bbox(state.home_community().as_deref());
    if let Some(bbox) = new_home
        && home.get_value() != new_home
    {
        grid_map.fit(bbox, state.selected.with_untracked(Option::is_some), true);
    }
    home.set_value(new_home);
    state.index.set(Some(Arc::new(index)));
    Ok(())
}

#[component]
pub fn MapView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let desk = expect_context::<Desk>();
    let lang = state.lang;
    let first = MapFirst::get();
    let container = NodeRef::<Div>::new();
    let store = StoredValue::new_local(None::<Rc<GridMap>>);
    let loading = RwSignal::new(true);
    // Where a dragged marker's label follows the pointer (map pixels).
    let ghost = RwSignal::new(None::<(f64, f64)>);
    // `data_version` of the grids the map shows.
    let shown_version = StoredValue::new(0_u64);
    // The bbox the map last opened on (see `GridIndex::home_bbox`).
    let home = StoredValue::new(None::<Bbox>);
    // Device kinds switched on in the legend (all off: the tickets come first), and the
    // device whose card is open.
    let shown_kinds = RwSignal::new(Vec::<DeviceKind>::new());
    let device = RwSignal::new(None::<DeviceInfo>);
    // What the start loaded, taken by the effects below on their first run: the open tickets
    // (and the desk revision they are as of) and the devices.
    let first_tickets = StoredValue::new_local(None::<(u64, Result<Option<String>, ApiError>)>);
    let first_devices = StoredValue::new_local(None::<Result<String, ApiError>>);
    // Tickets were caught up on while the map was starting (see the effect on `desk.changes`).
    let changes_missed = StoredValue::new(false);

    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        let Some(el) = container.get() else {
            return false;
        };
        spawn_local(async move {
            shown_version.set_value(state.data_version.get_untracked());
            match start(el.into(), state, desk, store, ghost, home, device).await {
                Ok(started) => {
                    store.with_value(|gm| {
                        if let Some(gm) = gm {
                            watch_ready(gm, first);
                        }
                    });
                    first_tickets.set_value(Some(started.tickets));
                    first_devices.set_value(Some(started.devices));
                }
                Err(e) => {
                    state.notify(Msg::ErrorLoadMap, e);
                    // No map to wait for.
                    first.done();
                }
            }
            loading.set(false);
        });
        true
    });

    // Selection → `selected` feature state.
    let selected_id = StoredValue::new_local(None::<u32>);
    Effect::new(move || {
        let code = state.selected.get();
        let index = state.index.get();
        store.with_value(|gm| {
            let Some(gm) = gm else { return };
            let next = code
                .as_deref()
                .and_then(|c| index.as_ref()?.get(c))
                .map(|e| e.id);
            let previous = selected_id.get_value();
            if previous == next {
                return;
            }
            if let Some(id) = previous {
                gm.set_state(id, "selected", false);
            }
            if let Some(id) = next {
                gm.set_state(id, "selected", true);
            }
            selected_id.set_value(next);
        });
    });

    // Grids replaced on the server (also while the map was starting) → new data in the map.
    Effect::new(move || {
        let version = state.data_version.get();
        if loading.get() || shown_version.get_value() == version {
            return;
        }
        let Some(gm) = store.get_value() else {
            return; // no map to update
        };
        shown_version.set_value(version);
        spawn_local(async move {
            if let Err(e) = reload(&gm, state, selected_id, home).await {
                state.notify(Msg::ErrorLoadMap, e);
            }
        });
    });

    // The street's own basemap added, replaced or removed → drawn under the grids.
    Effect::new(move || {
        let basemap = state.basemap.get();
        store.with_value(|gm| {
            if let Some(gm) = gm
                && let Err(e) = gm.show_street_basemap(basemap.as_ref())
            {
                state.notify(Msg::ErrorBasemap, ApiError::bad_response(&error_text(&e)));
            }
        });
    });

    // A survey previewed in the import dialog → drawn over the grids, the map fitted to it in
    // the part the dialog leaves uncovered; gone when the dialog closes.
    // Once it is gone, the map goes back home.
    Effect::new(move |shown_before: Option<bool>| {
        let preview = state.survey_preview.get();
        if loading.get() {
            return false;
        }
        store.with_value(|gm| {
            let Some(gm) = gm else { return };
            if let Err(e) = survey::show(gm, preview.as_deref()) {
                state.notify(Msg::ErrorLoadMap, ApiError::bad_response(&error_text(&e)));
            } else if let Some(bbox) = preview.as_deref().and_then(survey::bbox) {
                gm.fit_beside(bbox, covered_right(&container) + PAD, true);
            } else if shown_before == Some(true)
                && let Some(bbox) = home.get_value()
            {
                gm.fit(bbox, state.selected.with_untracked(Option::is_some), true);
            }
        });
        preview.is_some()
    });

    // Fly requests → camera.
    Effect::new(move || {
        let Some(bbox) = state.fly_target.get() else {
            return;
        };
        let card_open = state.selected.with_untracked(Option::is_some);
        store.with_value(|gm| {
            if let Some(gm) = gm {
                gm.fit(bbox, card_open, true);
            }
        });
    });

    // Language → label text.
    Effect::new(move |previous: Option<Lang>| {
        let current = lang.get();
        state.index.track();
        if previous.is_some_and(|p| p != current) {
            store.with_value(|gm| {
                if let Some(gm) = gm {
                    gm.set_language(current);
                }
            });
        }
        current
    });

    // Tickets changed (or the map is ready) → the ticket source reloads.
    let ticket_loads = Rc::new(SingleFlight::default());
    let show_tickets = move |loaded: Result<Option<String>, ApiError>| {
        match loaded {
            Ok(None) => {} // put in with the map's sources
            Ok(Some(text)) => store.with_value(|gm| {
                if let Some(gm) = gm
                    && let Err(e) = tickets::show(gm, &text)
                {
                    state.notify(
                        Msg::ErrorLoadTickets,
                        ApiError::bad_response(&error_text(&e)),
                    );
                }
            }),
            Err(e) => state.notify(Msg::ErrorLoadTickets, e),
        }
        store.with_value(|gm| {
            if let Some(gm) = gm
                && !gm.tickets_in.replace(true)
            {
                // One more frame, so an `idle` follows even if nothing new was drawn.
                gm.map.trigger_repaint();
            }
        });
    };
    Effect::new(move || {
        let revision = desk.revision.get();
        if loading.get() {
            return;
        }
        // The start's load, if nothing changed since it was asked for.
        if let Some((as_of, loaded)) = first_tickets.try_update_value(Option::take).flatten()
            && as_of == revision
            && !changes_missed.get_value()
        {
            show_tickets(loaded);
            return;
        }
        ticket_loads.run(move || async move {
            show_tickets(api::get_text(TICKETS_GEOJSON).await.map(Some));
        });
    });

    // Tickets caught up on → their points in place; a quiet minute → the layer again, loaded
    // in the map's worker.
    Effect::new(move || {
        let Some(change) = desk.changes.get() else {
            return;
        };
        if loading.get_untracked() {
            // Caught up on before the map was drawn: the start's load may be older.
            changes_missed.set_value(true);
            return;
        }
        store.with_value(|gm| {
            let Some(gm) = gm else { return };
            let done = match &*change {
                DeskChange::Tickets { views, gone } => tickets::apply_changes(gm, views, gone),
                DeskChange::Clock => tickets::reload_in_worker(gm),
            };
            if let Err(e) = done {
                state.notify(
                    Msg::ErrorLoadTickets,
                    ApiError::bad_response(&error_text(&e)),
                );
            }
        });
    });

    // A replay under way → its tickets instead of the live ones; none → the live ones again.
    let replay_view = expect_context::<Replay>();
    Effect::new(move || {
        replay_view.layer.with(|layer| {
            if loading.get() {
                return;
            }
            store.with_value(|gm| {
                if let Some(gm) = gm {
                    replay::show(gm, layer.as_ref());
                }
            });
        });
    });

    // The open card's ticket → ring; the picked point → pin.
    Effect::new(move || {
        let id = desk.selected.get();
        let picked = desk.picked.get();
        if loading.get() {
            return;
        }
        store.with_value(|gm| {
            if let Some(gm) = gm {
                tickets::show_selected(gm, id);
                tickets::show_picked(gm, picked);
            }
        });
    });

    // The map is ready → the devices load once (they change with the dataset only); the
    // cameras' health then recolours them in place.
    let health = expect_context::<CameraHealth>();
    let cameras = StoredValue::new(None::<Value>);
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || loading.get() {
            return done.unwrap_or(false);
        }
        spawn_local(async move {
            let loaded = match first_devices.try_update_value(Option::take).flatten() {
                Some(loaded) => loaded,
                None => api::get_text(DEVICES_GEOJSON).await,
            };
            match loaded {
                Ok(text) => store.with_value(|gm| {
                    let Some(gm) = gm else { return };
                    match health
                        .book
                        .with_untracked(|book| devices::show(gm, &text, book))
                    {
                        Ok(shown) => cameras.set_value(Some(shown)),
                        Err(e) => {
                            state
                                .notify(Msg::ErrorLoadMap, ApiError::bad_response(&error_text(&e)));
                        }
                    }
                }),
                Err(e) => state.notify(Msg::ErrorLoadMap, e),
            }
        });
        true
    });
    Effect::new(move || {
        health.book.with(|book| {
            store.with_value(|gm| {
                let Some(gm) = gm else { return };
                cameras.update_value(|shown| {
                    if let Some(shown) = shown
                        && let Err(e) = devices::show_health(gm, shown, book)
                    {
                        state.notify(Msg::ErrorLoadMap, ApiError::bad_response(&error_text(&e)));
                    }
                });
            });
        });
    });

    // Legend switches → device layer visibility.
    Effect::new(move || {
        let shown = shown_kinds.get();
        if loading.get() {
            return;
        }
        store.with_value(|gm| {
            if let Some(gm) = gm {
                for kind in DeviceKind::ALL {
                    devices::set_visible(gm, kind, shown.contains(&kind));
                }
            }
        });
    });

    // 诉求热力 switched on, its period or the board's scope changed → the heat layer.
    let board = expect_context::<Board>();
    let heat_data = RwSignal::new(None::<Heat>);
    Effect::new(move || {
        let on = board.heat_on.get();
        let query = board.heat_query();
        if loading.get() {
            return;
        }
        if !on {
            heat_data.set(None);
            store.with_value(|gm| {
                if let Some(gm) = gm {
                    heat::show(gm, None);
                }
            });
            return;
        }
        spawn_local(async move {
            let result = kpi_api::heat(&query).await;
            if !board.heat_on.get_untracked() || board.heat_query_untracked() != query {
                return;
            }
            match result {
                Ok(data) => {
                    store.with_value(|gm| {
                        if let Some(gm) = gm {
                            heat::show(gm, Some(&data));
                        }
                    });
                    heat_data.set(Some(data));
                }
                Err(e) => state.notify(Msg::ErrorLoadKpi, e),
            }
        });
    });

    // 未诉先办热点 on, another analysis, or a hotspot picked in the board's list → the outlines.
    Effect::new(move || {
        let on = board.hotspots_on.get();
        let focus = board.hotspot_focus.get();
        if loading.get() {
            return;
        }
        board.hotspots.with(|answer| {
            let run = answer
                .as_ref()
                .and_then(|a| a.as_ref().ok())
                .and_then(|a| a.run.as_ref())
                .filter(|_| on);
            store.with_value(|gm| {
                if let Some(gm) = gm {
                    hotspots::show(gm, run, focus);
                }
            });
        });
    });

    // A camera picked on the ticket card → fly there and ring it.
    Effect::new(move || {
        let at = desk.camera_focus.get();
        if loading.get() {
            return;
        }
        store.with_value(|gm| {
            if let Some(gm) = gm {
                devices::focus(gm, at);
            }
        });
    });

    let t = move |m: Msg| m.text(lang.get());
    let pick_label = move || state.pick_level.get().short(lang.get());
    let drag_hint = move || {
        desk.dragging.get()?;
        let lang = lang.get();
        Some(match desk.drop_over.get() {
            Some(names) => view! {
                <div class="drop-hint" data-testid="drop-hint">
                    {Msg::DropInto.text(lang)}<strong>{lang.pick(&names[0], &names[1]).to_owned()}</strong>
                </div>
            }
            .into_any(),
            None => view! {
                <div class="drop-hint outside" data-testid="drop-hint">{Msg::DropNoGrid.text(lang)}</div>
            }
            .into_any(),
        })
    };
    let ghost_label = move || {
        let (x, y) = ghost.get()?;
        let id = desk.dragging.get()?;
        let category = desk
            .find(id)
            .map(|t| t.category_name(lang.get()).to_owned())
            .unwrap_or_default();
        Some(view! {
            <div class="drag-ghost" style=format!("left: {x}px; top: {y}px")>{category}</div>
        })
    };
    let ticket_legend = Tone::ALL
        .into_iter()
        .filter(|tone| *tone != Tone::Done)
        .map(|tone| {
            view! {
                <span class="legend-item" data-tone=tone.as_str()>
                    <i class=format!("dot tone-{}", tone.as_str())></i>{move || t(tone.legend())}
                </span>
            }
        })
        .collect_view();

    let device_toggles = DeviceKind::ALL
        .into_iter()
        .map(|kind| {
            let on = move || shown_kinds.with(|s| s.contains(&kind));
            view! {
                <button type="button" class="device-toggle" class:on=on
                    data-testid=format!("device-toggle-{}", kind.as_str())
                    aria-pressed=move || on().to_string()
                    on:click=move |_| shown_kinds.update(|s| {
                        if let Some(i) = s.iter().position(|k| *k == kind) {
                            s.remove(i);
                        } else {
                            s.push(kind);
                        }
                    })>
                    <i class="dot" style=format!("background: {}", kind.colour())></i>
                    {move || t(kind.legend())}
                </button>
            }
        })
        .collect_view();
    // The cameras' fill colours, while cameras are shown.
    let health_legend = move || {
        Health::ALL
            .into_iter()
            .map(|h| {
                view! {
                    <span class="legend-item" data-health=h.as_str()>
                        <i class="dot" style=format!("background: {}", devices::health_colour(h))></i>
                        {move || h.name(lang.get())}
                    </span>
                }
            })
            .collect_view()
    };

    // The heat ramp with its counts, and the period it is for.
    let heat_legend = move || {
        let data = heat_data.get()?;
        let period = data.counted.period.label.clone();
        let steps = crate::kpi::heat::legend(data.max)
            .into_iter()
            .map(|(label, colour)| view! {
                <span class="legend-item"><i class="swatch" style=format!("background: {colour}")></i>{label}</span>
            })
            .collect_view();
        Some(view! {
            <span class="legend-heat" data-testid="heat-scale" data-cells=data.cells.len() data-total=data.total>
                {steps}<span class="muted">{period}</span>
            </span>
        })
    };

    // How many hotspots the layer shows, and from which analysis day.
    let hotspot_legend = move || {
        if !board.hotspots_on.get() {
            return None;
        }
        board.hotspots.with(|answer| {
            let run = answer.as_ref()?.as_ref().ok()?.run.as_ref()?;
            let count = u32::try_from(run.hotspots.len()).unwrap_or(u32::MAX);
            Some(view! {
                <span class="legend-item muted" data-testid="hotspot-scale" data-count=count>
                    {crate::i18n::hotspot_count(lang.get(), count)}" · "{run.analysis_day.clone()}
                </span>
            })
        })
    };

    view! {
        <div class="map-wrap">
            <div class="map" node_ref=container data-testid="map"></div>
            <div class="map-chip" data-testid="pick-level" title=move || t(Msg::PickLevelHint)>
                <span class="chip-prefix">{move || t(Msg::PickLevelPrefix)}</span>
                <strong>{pick_label}</strong>
            </div>
            <div class="legend" data-testid="legend">
                <div class="legend-row">
                    <span class="legend-item"><i class="swatch community"></i>{move || t(Msg::LegendCommunity)}</span>
                    <span class="legend-item"><i class="swatch street-lane"></i>{move || t(Msg::LegendStreetLane)}</span>
                    <span class="legend-item"><i class="swatch compound"></i>{move || t(Msg::LegendCompound)}</span>
                    <span class="legend-item"><i class="swatch river"></i>{move || t(Msg::LegendRiver)}</span>
                </div>
                <div class="legend-row" data-testid="ticket-legend">
                    <span class="legend-title">{move || t(Msg::LegendTickets)}</span>
                    {ticket_legend}
                    <span class="legend-item"><i class="dot cluster"></i>{move || t(Msg::LegendCluster)}</span>
                </div>
                <Show when=move || crate::components::may_see_kpis(state)>
                    <div class="legend-row" data-testid="heat-legend">
                        <button type="button" class="device-toggle" class:on=move || board.heat_on.get()
                            data-testid="heat-toggle" aria-pressed=move || board.heat_on.get().to_string()
                            title=move || t(Msg::KpiHeatTitle)
                            on:click=move |_| board.heat_on.update(|on| *on = !*on)>
                            <i class="dot heat"></i>{move || t(Msg::KpiHeat)}
                        </button>
                        <Show when=move || board.heat_on.get()>
                            <HeatPeriodChooser/>
                        </Show>
                        {heat_legend}
                        <button type="button" class="device-toggle" class:on=move || board.hotspots_on.get()
                            data-testid="hotspot-toggle" aria-pressed=move || board.hotspots_on.get().to_string()
                            title=move || t(Msg::HotspotLayerTitle)
                            on:click=move |_| board.hotspots_on.update(|on| *on = !*on)>
                            <i class="dot hotspot"></i>{move || t(Msg::HotspotLayer)}
                        </button>
                        {hotspot_legend}
                    </div>
                </Show>
                <div class="legend-row" data-testid="device-legend">
                    <span class="legend-title">{move || t(Msg::LegendDevices)}</span>
                    {device_toggles}
                    <Show when=move || shown_kinds.with(|s| s.contains(&DeviceKind::Camera))>
                        <span class="legend-health" data-testid="camera-health-legend">{health_legend}</span>
                    </Show>
                </div>
            </div>
            <DeviceCard device/>
            {drag_hint}
            {ghost_label}
            <Show when=move || loading.get()>
                <div class="map-loading">{move || t(Msg::MapLoading)}</div>
            </Show>
        </div>
    }
}
