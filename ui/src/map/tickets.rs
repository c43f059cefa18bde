//! Tickets on the map: clicks on markers and clusters, picking a point for a form, and the two
//! drag-to-dispatch gestures — a queue row dragged over the map (HTML5 drag and drop) and a
//! marker dragged on the canvas (pointer events).
//!
//! While a ticket is dragged the grid under the pointer carries the `drop` feature state, at
//! the level a drop would dispatch to ([`style::dispatch_layers`]). The drop point goes to the
//! server, which checks it with its own index: the screen only proposes the grid.

use std::rc::Rc;

use js_sys::Reflect;
use leptos::prelude::*;
use serde_json::json;
use wasm_bindgen::prelude::*;
use web_sys::{DragEvent, HtmlElement, Node};

use super::bindings::{MapLibreMap, MapMouseEvent, RenderedFeature};
use super::style::{self, TICKETS_CLUSTER, TICKETS_POINT};
use super::view::{GridMap, js, leak};
use crate::app::AppState;
use crate::tickets::Desk;
use binhe_api::tickets::{TICKETS_GEOJSON, TicketPoint, TicketView};
use binhe_core::ticket::TicketId;

/// The data type a queue row puts on an HTML5 drag: the ticket id.
pub const DRAG_MIME: &str = "application/x-binhe-ticket";
/// How far (px) a pressed marker must move before it counts as dragged, not clicked.
const DRAG_THRESHOLD: f64 = 4.0;

/// A marker pressed with the mouse, maybe being dragged.
#[derive(Clone, Copy, Debug)]
pub(super) struct Press {
    id: TicketId,
    x: f64,
    y: f64,
    dragging: bool,
}

/// A grid a dragged ticket would go to.
struct Target {
    id: u32,
    code: String,
    names: [String; 2],
}

/// What a click or press on the map hit among the tickets.
enum Hit {
    Ticket(TicketId),
    Cluster,
}

fn prop(props: &JsValue, key: &str) -> JsValue {
    Reflect::get(props, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn prop_str(props: &JsValue, key: &str) -> Option<String> {
    prop(props, key).as_string()
}

fn hit(map: &MapLibreMap, point: &JsValue) -> Option<Hit> {
    let layers = js(&json!({"layers": [TICKETS_POINT, TICKETS_CLUSTER]}));
    let first = map.query_rendered_features(point, &layers).get(0);
    if first.is_undefined() {
        return None;
    }
    let props = first.unchecked_into::<RenderedFeature>().properties();
    if prop(&props, "cluster").is_truthy() {
        return Some(Hit::Cluster);
    }
    prop(&props, "id")
        .as_f64()
        .map(|id| Hit::Ticket(id as TicketId))
}

fn target_at(map: &MapLibreMap, point: &JsValue) -> Option<Target> {
    let layers = js(&json!({"layers": style::dispatch_layers(map.get_zoom())}));
    let first = map.query_rendered_features(point, &layers).get(0);
    if first.is_undefined() {
        return None;
    }
    let feature: RenderedFeature = first.unchecked_into();
    let props = feature.properties();
    let name = prop_str(&props, "name").unwrap_or_default();
    let name_en = prop_str(&props, "name_en").filter(|n| !n.is_empty());
    Some(Target {
        id: feature.id()? as u32,
        code: prop_str(&props, "code")?,
        names: [name.clone(), name_en.unwrap_or(name)],
    })
}

/// Moves the `drop` highlight to `target` and tells the hint strip.
fn show_target(gm: &GridMap, desk: Desk, target: Option<&Target>) {
    let next = target.map(|t| t.id);
    let previous = gm.drop_target.replace(next);
    if previous != next {
        if let Some(id) = previous {
            gm.set_state(id, "drop", false);
        }
        if let Some(id) = next {
            gm.set_state(id, "drop", true);
        }
    }
    desk.drop_over.set(target.map(|t| t.names.clone()));
}

fn end_drag(gm: &GridMap, desk: Desk, ghost: RwSignal<Option<(f64, f64)>>) {
    show_target(gm, desk, None);
    desk.dragging.set(None);
    ghost.set(None);
}

/// Drops ticket `id` at `point` (screen pixels in the map).
fn drop_at(gm: &GridMap, desk: Desk, id: TicketId, point: &JsValue) {
    let target = target_at(&gm.map, point);
    let at = gm.map.unproject(point);
    desk.drop_on(id, target.map(|t| t.code), at.lng(), at.lat());
}

/// A click that belongs to the tickets: a picked point, a marker (opens its card) or a
/// cluster (zooms in). `false` lets the grid under it take the click.
pub(super) fn click(gm: &GridMap, desk: Desk, e: &MapMouseEvent) -> bool {
    if desk.pick.get_untracked().is_some() {
        let at = e.lng_lat();
        desk.picked.set(Some([at.lng(), at.lat()]));
        desk.pick.set(None);
        return true;
    }
    match hit(&gm.map, &e.point()) {
        Some(Hit::Ticket(id)) => desk.open(id),
        Some(Hit::Cluster) => {
            let at = e.lng_lat();
            gm.map.ease_to(&js(&json!({
                "center": [at.lng(), at.lat()],
                "zoom": (gm.map.get_zoom() + 2.0).min(16.0),
                "duration": 500,
            })));
        }
        None => return false,
    }
    true
}

/// The cursor over `e` when it is the tickets' business; `None` leaves it to the grids.
pub(super) fn cursor(
    gm: &GridMap,
    state: AppState,
    desk: Desk,
    e: &MapMouseEvent,
) -> Option<&'static str> {
    if desk.pick.get_untracked().is_some() {
        return Some("crosshair");
    }
    if gm.press.get().is_some_and(|p| p.dragging) {
        return Some("grabbing");
    }
    match hit(&gm.map, &e.point())? {
        Hit::Ticket(_) if state.may_untracked().dispatch => Some("grab"),
        Hit::Ticket(_) => Some("pointer"),
        Hit::Cluster => Some("zoom-in"),
    }
}

/// Whether a ticket marker is being dragged (the grid hover then stays off).
pub(super) fn dragging_marker(gm: &GridMap) -> bool {
    gm.press.get().is_some_and(|p| p.dragging)
}

/// Pointer drag of a marker on the canvas.
fn install_marker_drag(
    gm: &Rc<GridMap>,
    state: AppState,
    desk: Desk,
    ghost: RwSignal<Option<(f64, f64)>>,
) {
    let on_press = {
        let gm = Rc::clone(gm);
        leak(move |e: MapMouseEvent| {
            // A role that may not dispatch pans the map over a marker instead.
            if !state.may_untracked().dispatch {
                return;
            }
            let point = e.point();
            if let Some(Hit::Ticket(id)) = hit(&gm.map, &point) {
                // The gesture is the ticket's: the map must not pan with it.
                e.prevent_default();
                gm.press.set(Some(Press {
                    id,
                    x: point.x(),
                    y: point.y(),
                    dragging: false,
                }));
            }
        })
    };
    gm.map.on_layer("mousedown", TICKETS_POINT, &on_press);

    let on_move = {
        let gm = Rc::clone(gm);
        leak(move |e: MapMouseEvent| {
            let Some(mut press) = gm.press.get() else {
                return;
            };
            let point = e.point();
            let (x, y) = (point.x(), point.y());
            if !press.dragging {
                if (x - press.x).hypot(y - press.y) < DRAG_THRESHOLD {
                    return;
                }
                press.dragging = true;
                gm.press.set(Some(press));
                desk.dragging.set(Some(press.id));
            }
            ghost.set(Some((x, y)));
            show_target(&gm, desk, target_at(&gm.map, &point).as_ref());
        })
    };
    gm.map.on("mousemove", &on_move);

    let on_release = {
        let gm = Rc::clone(gm);
        leak(move |e: MapMouseEvent| {
            let Some(press) = gm.press.take() else {
                return;
            };
            if press.dragging {
                drop_at(&gm, desk, press.id, &e.point());
                end_drag(&gm, desk, ghost);
            }
        })
    };
    gm.map.on("mouseup", &on_release);

    // Leaving the map cancels a drag: nothing is dispatched.
    let on_leave = {
        let gm = Rc::clone(gm);
        leak(move |_| {
            if gm.press.take().is_some_and(|p| p.dragging) {
                end_drag(&gm, desk, ghost);
            }
        })
    };
    gm.map.on("mouseout", &on_leave);
}

/// The point of a DOM event in map pixels, as `[x, y]`.
fn point_of(canvas: &HtmlElement, e: &DragEvent) -> JsValue {
    let rect = canvas.get_bounding_client_rect();
    js(&json!([
        f64::from(e.client_x()) - rect.left(),
        f64::from(e.client_y()) - rect.top()
    ]))
}

fn carries_ticket(e: &DragEvent) -> bool {
    e.data_transfer()
        .is_some_and(|dt| dt.types().includes(&JsValue::from_str(DRAG_MIME), 0))
}

/// HTML5 drops of queue rows onto the map container.
fn install_row_drop(gm: &Rc<GridMap>, desk: Desk, container: &HtmlElement) {
    let canvas: HtmlElement = gm.map.get_canvas().unchecked_into();

    let on_over = {
        let gm = Rc::clone(gm);
        let canvas = canvas.clone();
        Closure::<dyn FnMut(DragEvent)>::new(move |e: DragEvent| {
            if !carries_ticket(&e) {
                return;
            }
            e.prevent_default(); // accept the drop
            if let Some(dt) = e.data_transfer() {
                dt.set_drop_effect("move");
            }
            show_target(
                &gm,
                desk,
                target_at(&gm.map, &point_of(&canvas, &e)).as_ref(),
            );
        })
    };
    let on_leave = {
        let gm = Rc::clone(gm);
        let container = container.clone();
        Closure::<dyn FnMut(DragEvent)>::new(move |e: DragEvent| {
            // `dragleave` also fires between the map's own children.
            let inside = e
                .related_target()
                .and_then(|t| t.dyn_into::<Node>().ok())
                .is_some_and(|n| container.contains(Some(&n)));
            if !inside {
                show_target(&gm, desk, None);
            }
        })
    };
    let on_drop = {
        let gm = Rc::clone(gm);
        Closure::<dyn FnMut(DragEvent)>::new(move |e: DragEvent| {
            let Some(id) = e
                .data_transfer()
                .and_then(|dt| dt.get_data(DRAG_MIME).ok())
                .and_then(|s| s.parse::<TicketId>().ok())
            else {
                return;
            };
            e.prevent_default();
            drop_at(&gm, desk, id, &point_of(&canvas, &e));
            show_target(&gm, desk, None);
        })
    };
    for (event, listener) in [
        ("dragover", on_over),
        ("dragleave", on_leave),
        ("drop", on_drop),
    ] {
        let _ =
            container.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
        // The map lives as long as the page.
        listener.forget();
    }
}

/// Wires both drag gestures; the map's click and hover handlers ask [`click`] and [`cursor`].
pub(super) fn install(
    gm: &Rc<GridMap>,
    state: AppState,
    desk: Desk,
    container: &HtmlElement,
    ghost: RwSignal<Option<(f64, f64)>>,
) {
    install_marker_drag(gm, state, desk, ghost);
    install_row_drop(gm, desk, container);
}

/// Feeds the open tickets' GeoJSON text to the map.
pub(super) fn show(gm: &GridMap, geojson: &str) -> Result<(), JsValue> {
    let data = js_sys::JSON::parse(geojson)?;
    ticket_source(gm)?.set_data(&data);
    Ok(())
}

/// Puts changed tickets onto the map in place (`updateData`, done in the map's worker): each
/// one's old point goes, and the open ones with a place come back as they are now.
pub(super) fn apply_changes(
    gm: &GridMap,
    views: &[TicketView],
    gone: &[TicketId],
) -> Result<(), JsValue> {
    let remove: Vec<TicketId> = views
        .iter()
        .map(|t| t.id)
        .chain(gone.iter().copied())
        .collect();
    let add: Vec<_> = views
        .iter()
        .filter(|t| t.state.is_open())
        .filter_map(TicketPoint::of)
        .collect();
    ticket_source(gm)?.update_data(&js(&json!({"remove": remove, "add": add})));
    Ok(())
}

/// Loads the whole layer again inside the map's worker (fetched and parsed there, so the
/// page's thread stays free): the deadline colours as of now.
pub(super) fn reload_in_worker(gm: &GridMap) -> Result<(), JsValue> {
    let url = web_sys::Url::new_with_base(TICKETS_GEOJSON, &super::view::base_url())?;
    ticket_source(gm)?.set_data(&JsValue::from_str(&url.href()));
    Ok(())
}

fn ticket_source(gm: &GridMap) -> Result<super::bindings::GeoJsonSource, JsValue> {
    gm.map
        .get_source(style::SOURCE_TICKETS)
        .ok_or_else(|| JsValue::from_str("the map has no ticket source"))
}

/// Shows the point picked for a form, or nothing.
pub(super) fn show_picked(gm: &GridMap, point: Option<[f64; 2]>) {
    let features = point.map_or_else(Vec::new, |p| {
        vec![json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": p}, "properties": {}})]
    });
    if let Some(source) = gm.map.get_source(style::SOURCE_PICK) {
        source.set_data(&js(
            &json!({"type": "FeatureCollection", "features": features}),
        ));
    }
}

/// Rings the ticket whose card is open.
pub(super) fn show_selected(gm: &GridMap, id: Option<TicketId>) {
    gm.map
        .set_filter(style::TICKETS_SELECTED, &js(&style::ticket_id_filter(id)));
}
