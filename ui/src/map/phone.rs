//! The phone's small map: the street's grids as thin lines, the ticket's point and the phone's
//! own position, fitted so both show. Everything comes from this server (offline rules).

use std::cell::RefCell;
use std::rc::Rc;

use binhe_api::grids::GRIDS_GEOJSON;
use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::bindings::MapLibreMap;
use super::view::{js, new_map};
use crate::api;

const SOURCE_POINTS: &str = "phone-points";
const TICKET_COLOUR: &str = "#ef5f57";
const ME_COLOUR: &str = "#58b6ff";

fn points(ticket: (f64, f64), me: Option<(f64, f64)>) -> Value {
    let feature = |(lon, lat): (f64, f64), kind: &str| {
        json!({"type": "Feature", "properties": {"kind": kind},
               "geometry": {"type": "Point", "coordinates": [lon, lat]}})
    };
    let mut features = vec![feature(ticket, "ticket")];
    features.extend(me.map(|p| feature(p, "me")));
    json!({"type": "FeatureCollection", "features": features})
}

/// Fits the map to the ticket and the phone (only the ticket while the phone's position is
/// unknown).
fn fit(map: &MapLibreMap, ticket: (f64, f64), me: Option<(f64, f64)>) {
    let (mut w, mut s, mut e, mut n) = (ticket.0, ticket.1, ticket.0, ticket.1);
    if let Some((lon, lat)) = me {
        (w, s, e, n) = (w.min(lon), s.min(lat), e.max(lon), n.max(lat));
    }
    // At least ~150 m across, so a single point is not shown at the deepest zoom.
    let pad = 0.000_8;
    map.fit_bounds(
        &js(&json!([[w - pad, s - pad], [e + pad, n + pad]])),
        &js(&json!({"padding": 28, "animate": false, "maxZoom": 18})),
    );
}

async fn start(
    container: web_sys::HtmlElement,
    ticket: (f64, f64),
    me: Option<(f64, f64)>,
) -> Result<MapLibreMap, JsValue> {
    let map = new_map(
        &container,
        json!({"center": [ticket.0, ticket.1], "zoom": 16}),
    )?;
    let loaded = js_sys::Promise::new(&mut |resolve, _| {
        map.once("load", &resolve);
    });
    let grids = api::get_text(GRIDS_GEOJSON)
        .await
        .map_err(|e| JsValue::from_str(&e.message_en))?;
    JsFuture::from(loaded).await?;
    let grids: Value = serde_json::from_str(&grids).unwrap_or(Value::Null);
    map.add_source(
        "phone-grids",
        &js(&json!({"type": "geojson", "data": grids})),
    )?;
    map.add_layer(&js(&json!({
        "id": "phone-grid-lines", "type": "line", "source": "phone-grids",
        "paint": {"line-color": "#3b5874", "line-width": 1}
    })))?;
    map.add_source(
        SOURCE_POINTS,
        &js(&json!({"type": "geojson", "data": points(ticket, me)})),
    )?;
    map.add_layer(&js(&json!({
        "id": "phone-points", "type": "circle", "source": SOURCE_POINTS,
        "paint": {
            "circle-radius": ["match", ["get", "kind"], "me", 7, 9],
            "circle-color": ["match", ["get", "kind"], "me", ME_COLOUR, TICKET_COLOUR],
            "circle-stroke-color": "#ffffff",
            "circle-stroke-width": 2
        }
    })))?;
    fit(&map, ticket, me);
    Ok(map)
}

/// A small map of a ticket's place and the phone's position (`me`, followed as it changes).
/// `data-map-state` is `ready` once drawn, `failed` with the reason otherwise.
#[component]
pub fn PhoneMap(ticket: (f64, f64), me: Signal<Option<(f64, f64)>>) -> impl IntoView {
    let node = NodeRef::<Div>::new();
    let map: Rc<RefCell<Option<MapLibreMap>>> = Rc::default();
    let status = RwSignal::new("loading".to_owned());
    let started = map.clone();
    Effect::new(move || {
        let Some(container) = node.get() else {
            return;
        };
        if started.borrow().is_some() {
            return;
        }
        let slot = started.clone();
        spawn_local(async move {
            match start(container.into(), ticket, me.get_untracked()).await {
                Ok(created) => {
                    *slot.borrow_mut() = Some(created);
                    status.set("ready".to_owned());
                }
                Err(e) => status.set(format!("failed: {e:?}")),
            }
        });
    });
    let follow = StoredValue::new_local(map);
    Effect::new(move || {
        let position = me.get();
        follow.with_value(|map| {
            if let Some(map) = map.borrow().as_ref()
                && let Some(source) = map.get_source(SOURCE_POINTS)
            {
                source.set_data(&js(&points(ticket, position)));
                fit(map, ticket, position);
            }
        });
    });
    view! {
        <div class="m-map" node_ref=node data-testid="m-map" data-map-state=move || status.get()></div>
    }
}
