//! The map style, built as JSON: sources, layers and their zoom behaviour.
//!
//! Layer ids are stable; tests and other code refer to them:
//!
//! | id | what |
//! | --- | --- |
//! | `background` | dark canvas |
//! | `basemap-block`, `basemap-park`, `basemap-water`, `basemap-water-line` | synthetic land use and the 泃河 river |
//! | `basemap-road-lane`, `basemap-road-secondary`, `basemap-road-primary` | roads by class |
//! | `street-basemap-raster` | the street's own raster basemap ([`street_basemap_layers`]), in place of the generated one |
//! | `street-basemap-{layer}-fill`, `-line`, `-point`, `-label` | the street's own vector basemap, a neutral style per vector layer |
//! | `community-fill` | 15 community polygons, one soft colour each |
//! | `micro-fill` | micro-grids, tinted by kind (street/lane or compound) |
//! | `micro-heat` | 诉求热力: micro-grids coloured by requests received ([`crate::kpi::heat`]), hidden until switched on |
//! | `unit-fill` | units, transparent until hovered or selected (for picking), z ≥ 17 |
//! | `unit-line` | unit outlines, z ≥ 17 |
//! | `micro-line` | micro-grid outlines, stronger as you zoom in |
//! | `community-line` | community outlines |
//! | `street-line` | the street boundary, thick |
//! | `basemap-road-label`, `basemap-water-label` | road names along lines, river name along its `river_label` line |
//! | `community-label` | community names, z < 15.5 |
//! | `micro-label` | micro-grid name and code, z ≥ 15 |
//! | `hotspot-fill`, `hotspot-line`, `hotspot-label` | 未诉先办: the outlines of the last hotspot analysis, ranked and named ([`super::hotspots`]), hidden until switched on |
//! | `devices-{kind}-cluster`, `-count`, `-point`, `-glyph` | cameras, checkpoints, door access ([`DeviceKind`]), clustered below z 16, hidden until switched on |
//! | `device-focus` | ring around a camera picked on a ticket card |
//! | `tickets-cluster`, `tickets-cluster-count` | open tickets clustered below z 15, ringed red when one is overdue |
//! | `tickets-point` | one open ticket, coloured by deadline and state ([`Tone`]) |
//! | `tickets-selected` | ring around the ticket whose card is open (filtered by id) |
//! | `pick-point` | the point picked on the map for a new ticket or a relocation |
//!
//! Feature states used: `hover`, `selected` and `drop` (the grid under a dragged ticket),
//! booleans on the `grids` source.
//! No glyph server: text is drawn with local fonts (`localIdeographFontFamily`). Every source
//! is GeoJSON handed over by the UI, except the street's own basemap, whose tiles come from
//! this server (`/api/basemap/tiles/…`).

use binhe_api::basemap::{BasemapInfo, BasemapKind, VectorLayer};
use serde_json::{Value, json};

use binhe_core::ticket::TicketState;
use binhe_core::{DeviceKind, GridLevel, Health};

use super::devices::{self, OnTheMap};
use crate::i18n::Lang;
use crate::tickets::queue::Tone;

pub const SOURCE_GRIDS: &str = "grids";
pub const SOURCE_LABELS: &str = "grid-labels";
pub const SOURCE_BASEMAP: &str = "basemap";
pub const SOURCE_TICKETS: &str = "tickets";
pub const SOURCE_PICK: &str = "pick-point";
/// The street's own basemap (raster or vector tiles), when one was added.
pub const SOURCE_STREET_BASEMAP: &str = "street-basemap";
/// The street's own basemap is drawn under this layer, the first of the grids.
pub const STREET_BASEMAP_BELOW: &str = COMMUNITY_FILL;
/// Every source the map must have loaded before it counts as ready (the open tickets' once
/// their first data is in: see `view::GridMap::tickets_in`).
pub const SOURCES: [&str; 4] = [SOURCE_BASEMAP, SOURCE_GRIDS, SOURCE_LABELS, SOURCE_TICKETS];

pub const COMMUNITY_FILL: &str = "community-fill";
pub const MICRO_FILL: &str = "micro-fill";
pub const UNIT_FILL: &str = "unit-fill";
pub const MICRO_HEAT: &str = "micro-heat";
pub const TICKETS_CLUSTER: &str = "tickets-cluster";
pub const TICKETS_CLUSTER_COUNT: &str = "tickets-cluster-count";
pub const TICKETS_POINT: &str = "tickets-point";
pub const TICKETS_SELECTED: &str = "tickets-selected";

/// From this zoom on, a click picks micro-grids instead of communities.
pub const MICRO_PICK_ZOOM: f64 = 14.5;
/// From this zoom on, micro-grids carry their name and code.
pub const MICRO_LABEL_ZOOM: f64 = 15.0;
/// From this zoom on, units are drawn and a click picks units.
pub const UNIT_ZOOM: f64 = 17.0;

/// CSS font-family for CJK text drawn by the browser instead of a glyph server.
pub const LOCAL_FONT_FAMILY: &str =
    "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif";

const TEXT_FONT: [&str; 1] = ["Noto Sans CJK SC Regular"];
const BACKGROUND: &str = "#0d1520";
const HALO: &str = "#0d1520";
const SELECTED: &str = "#ffcf5c";
const HOVER_LINE: &str = "#e6f1ff";
/// The grid a dragged ticket would be dispatched to.
const DROP: &str = "#58b6ff";
/// Up to this (whole) zoom open tickets are clustered; from z 15, where micro-grids are
/// dispatch targets, each is a marker that can be clicked and dragged.
const CLUSTER_MAX_ZOOM: f64 = 14.0;

/// Soft, distinguishable fills for the communities on a dark background.
const COMMUNITY_PALETTE: [&str; 15] = [
    "#5b8def", "#4fb3a9", "#d58b5b", "#9c7fd6", "#6fa85f", "#c9707f", "#4f9fcf", "#b59a4f",
    "#7f8fd9", "#5fae8c", "#c98fb8", "#8aa4b8", "#d0a060", "#6ab0c8", "#a58ad0",
];

/// Which grid level a click selects at `zoom` (and which one is highlighted on hover).
pub fn pick_level(zoom: f64) -> GridLevel {
    if zoom >= UNIT_ZOOM {
        GridLevel::Unit
    } else if zoom >= MICRO_PICK_ZOOM {
        GridLevel::Micro
    } else {
        GridLevel::Community
    }
}

/// The fill layers a click looks at, at that level. `queryRenderedFeatures` answers topmost
/// first and finer levels are drawn above coarser ones, so where a micro-grid lies inside its
/// community the micro-grid wins; the coarser layer only catches clicks on uncovered ground.
pub fn pick_layers(level: GridLevel) -> &'static [&'static str] {
    match level {
        GridLevel::Unit => &[UNIT_FILL, MICRO_FILL, COMMUNITY_FILL],
        GridLevel::Micro => &[MICRO_FILL, COMMUNITY_FILL],
        GridLevel::Community | GridLevel::Street => &[COMMUNITY_FILL],
    }
}

/// The grid level a dragged ticket is dispatched to at `zoom`: as [`pick_level`], but never
/// finer than a micro-grid (units take delegated orders, not dispatches).
pub fn dispatch_layers(zoom: f64) -> &'static [&'static str] {
    match pick_level(zoom) {
        GridLevel::Community | GridLevel::Street => pick_layers(GridLevel::Community),
        GridLevel::Micro | GridLevel::Unit => pick_layers(GridLevel::Micro),
    }
}

/// The empty style the map starts with; sources and layers are added once the data is in.
pub fn base_style() -> Value {
    json!({
        "version": 8,
        "name": "smart-binhe",
        "sources": {},
        "layers": [{"id": "background", "type": "background", "paint": {"background-color": BACKGROUND}}],
    })
}

/// `geojson` source whose features carry their own numeric top-level `id`.
pub fn geojson_source() -> Value {
    json!({"type": "geojson", "data": {"type": "FeatureCollection", "features": []}, "tolerance": 0.2})
}

/// Text of name labels in `lang`; English falls back to the Chinese name.
pub fn name_field(lang: Lang) -> Value {
    match lang {
        Lang::Zh => json!(["get", "name"]),
        Lang::En => json!(["coalesce", ["get", "name_en"], ["get", "name"]]),
    }
}

/// Text of micro-grid labels: the name, and the 15-digit code smaller beneath it.
pub fn micro_label_field(lang: Lang) -> Value {
    json!(["format", name_field(lang), {}, "\n", {}, ["get", "code"], {"font-scale": 0.82, "text-color": "#a9bfd4"}])
}

/// `(layer id, text-field)` of every label layer, to switch language in place.
pub fn label_fields(lang: Lang) -> Vec<(&'static str, Value)> {
    vec![
        ("basemap-road-label", name_field(lang)),
        ("basemap-water-label", name_field(lang)),
        ("community-label", name_field(lang)),
        ("micro-label", micro_label_field(lang)),
    ]
}

fn level_is(level: GridLevel) -> Value {
    json!(["==", ["get", "level"], level.as_str()])
}

fn state(name: &str) -> Value {
    json!(["boolean", ["feature-state", name], false])
}

/// `if selected then a else if hover then b else c`.
fn by_state(
    selected: impl Into<Value>,
    hover: impl Into<Value>,
    otherwise: impl Into<Value>,
) -> Value {
    json!([
        "case",
        state("selected"),
        selected.into(),
        state("hover"),
        hover.into(),
        otherwise.into()
    ])
}

/// `if drop target then drop else rest`.
fn or_drop(drop: impl Into<Value>, rest: &Value) -> Value {
    json!(["case", state("drop"), drop.into(), rest])
}

/// `fill-color` of `community-fill`: a palette colour per community, by code order.
pub fn community_colour(community_codes: &[String]) -> Value {
    if community_codes.is_empty() {
        return json!(COMMUNITY_PALETTE[0]);
    }
    let mut expr = vec![json!("match"), json!(["get", "community"])];
    for (i, code) in community_codes.iter().enumerate() {
        expr.push(json!(code));
        expr.push(json!(COMMUNITY_PALETTE[i % COMMUNITY_PALETTE.len()]));
    }
    expr.push(json!(COMMUNITY_PALETTE[0]));
    Value::Array(expr)
}

fn basemap_layers(lang: Lang) -> Vec<Value> {
    let kind_in = |kinds: &[&str]| json!(["in", ["get", "kind"], ["literal", kinds]]);
    let road = |class: &str, colour: &str, widths: [f64; 3]| {
        json!({
            "id": format!("basemap-road-{class}"), "type": "line", "source": SOURCE_BASEMAP,
            "filter": ["all", ["==", ["get", "kind"], "road"], ["==", ["get", "class"], class]],
            "layout": {"line-cap": "round", "line-join": "round"},
            "paint": {
                "line-color": colour,
                "line-width": ["interpolate", ["exponential", 1.6], ["zoom"],
                               12, widths[0], 15, widths[1], 18, widths[2]],
            },
        })
    };
    vec![
        json!({
            "id": "basemap-block", "type": "fill", "source": SOURCE_BASEMAP,
            "filter": ["all", ["==", ["geometry-type"], "Polygon"],
                       ["!", kind_in(&["river", "water", "park"])]],
            "paint": {"fill-color": "#142030", "fill-opacity": 0.9},
        }),
        json!({
            "id": "basemap-park", "type": "fill", "source": SOURCE_BASEMAP,
            "filter": ["==", ["get", "kind"], "park"],
            "paint": {"fill-color": "#173227", "fill-opacity": 0.9},
        }),
        json!({
            "id": "basemap-water", "type": "fill", "source": SOURCE_BASEMAP,
            "filter": kind_in(&["river", "water"]),
            "paint": {"fill-color": "#163a5e", "fill-opacity": 0.95},
        }),
        json!({
            "id": "basemap-water-line", "type": "line", "source": SOURCE_BASEMAP,
            "filter": kind_in(&["river", "water"]),
            "paint": {"line-color": "#2c6496", "line-width": 1},
        }),
        road("lane", "#2f3d4c", [0.5, 1.5, 5.0]),
        road("secondary", "#3e5066", [1.0, 2.5, 9.0]),
        road("primary", "#56708c", [1.5, 4.0, 14.0]),
        json!({
            "id": "basemap-road-label", "type": "symbol", "source": SOURCE_BASEMAP, "minzoom": 14,
            "filter": ["==", ["get", "kind"], "road"],
            "layout": {
                "symbol-placement": "line", "text-field": name_field(lang), "text-font": TEXT_FONT,
                "text-size": 11, "text-letter-spacing": 0.05, "symbol-spacing": 320,
            },
            "paint": {"text-color": "#8ea3b8", "text-halo-color": HALO, "text-halo-width": 1.4},
        }),
        // The server sends the river's name as a `river_label` centre line, so it follows the bends.
        json!({
            "id": "basemap-water-label", "type": "symbol", "source": SOURCE_BASEMAP,
            "filter": ["==", ["get", "kind"], "river_label"],
            "layout": {
                "symbol-placement": "line", "symbol-spacing": 500,
                "text-field": name_field(lang), "text-font": TEXT_FONT,
                "text-size": ["interpolate", ["linear"], ["zoom"], 12, 13, 16, 17],
                "text-letter-spacing": 0.4,
            },
            "paint": {"text-color": "#7fb8e6", "text-halo-color": HALO, "text-halo-width": 1.4},
        }),
    ]
}

/// Ids of the generated basemap's layers, hidden while the street's own is shown.
pub fn generated_basemap_layers() -> Vec<String> {
    basemap_layers(Lang::Zh)
        .iter()
        .filter_map(|l| l["id"].as_str().map(str::to_owned))
        .collect()
}

/// The source of the street's own basemap; tile URLs are made absolute against `origin`
/// (MapLibre's workers fetch them).
pub fn street_basemap_source(info: &BasemapInfo, origin: &str) -> Value {
    let set = &info.tile_set;
    let mut source = json!({
        "type": match set.kind { BasemapKind::Raster => "raster", BasemapKind::Vector => "vector" },
        "tiles": [format!("{origin}{}", info.tiles)],
        "bounds": set.bounds,
        "minzoom": set.min_zoom,
        "maxzoom": set.max_zoom,
    });
    if set.kind == BasemapKind::Raster {
        source["tileSize"] = json!(256);
    }
    if let Some(attribution) = &set.attribution {
        source["attribution"] = json!(attribution);
    }
    source
}

/// The layers of a vector basemap's layer: a neutral fill, line and point by geometry (all
/// three where the file does not say which), and its names where it has a name field.
fn vector_layer_style(layer: &VectorLayer) -> Vec<Value> {
    let id = |part: &str| format!("street-basemap-{}-{part}", layer.id);
    let is = |geometry: &str| layer.geometry.as_deref().is_none_or(|g| g == geometry);
    let geometry = |geometry: &str| json!(["==", ["geometry-type"], geometry]);
    let base = |part: &str, kind: &str, geometry_type: &str| {
        let mut style = json!({
            "id": id(part), "type": kind, "source": SOURCE_STREET_BASEMAP,
            "source-layer": layer.id, "filter": geometry(geometry_type),
        });
        if let Some(z) = layer.min_zoom {
            style["minzoom"] = json!(z);
        }
        style
    };
    let mut layers = Vec::new();
    if is("Polygon") {
        let mut fill = base("fill", "fill", "Polygon");
        fill["paint"] =
            json!({"fill-color": "#1a2a3c", "fill-opacity": 0.85, "fill-outline-color": "#2a3d52"});
        layers.push(fill);
    }
    if is("LineString") {
        let mut line = base("line", "line", "LineString");
        line["layout"] = json!({"line-cap": "round", "line-join": "round"});
        line["paint"] = json!({
            "line-color": "#4a5f78",
            "line-width": ["interpolate", ["exponential", 1.6], ["zoom"], 12, 0.8, 15, 2.0, 18, 6.0],
        });
        layers.push(line);
    }
    if is("Point") {
        let mut point = base("point", "circle", "Point");
        point["paint"] =
            json!({"circle-radius": 2.5, "circle-color": "#6c849e", "circle-opacity": 0.8});
        layers.push(point);
    }
    if let Some(field) = layer.name_field() {
        let along_lines = layer.geometry.as_deref() == Some("LineString");
        layers.push(json!({
            "id": id("label"), "type": "symbol", "source": SOURCE_STREET_BASEMAP,
            "source-layer": layer.id, "minzoom": layer.min_zoom.unwrap_or(0).max(13),
            "layout": {
                "symbol-placement": if along_lines { "line" } else { "point" },
                "text-field": ["get", field], "text-font": TEXT_FONT, "text-size": 11,
            },
            "paint": {"text-color": "#8ea3b8", "text-halo-color": HALO, "text-halo-width": 1.4},
        }));
    }
    layers
}

/// The layers that draw the street's own basemap under the grids.
pub fn street_basemap_layers(info: &BasemapInfo) -> Vec<Value> {
    match info.tile_set.kind {
        BasemapKind::Raster => vec![json!({
            "id": "street-basemap-raster", "type": "raster", "source": SOURCE_STREET_BASEMAP,
            // Dimmed a little, so the grids on top stay the brightest thing on the map.
            "paint": {"raster-brightness-max": 0.85, "raster-saturation": -0.2},
        })],
        BasemapKind::Vector => info
            .tile_set
            .vector_layers
            .iter()
            .flat_map(vector_layer_style)
            .collect(),
    }
}

fn grid_layers(community_codes: &[String]) -> Vec<Value> {
    let micro_kind_colour = json!([
        "match",
        ["get", "kind"],
        "street_lane",
        "#e0a96d",
        "#62c2a2"
    ]);
    vec![
        json!({
            "id": COMMUNITY_FILL, "type": "fill", "source": SOURCE_GRIDS,
            "filter": level_is(GridLevel::Community),
            "paint": {
                "fill-color": or_drop(DROP, &community_colour(community_codes)),
                // Communities fade back once micro-grids take over the picking.
                "fill-opacity": ["interpolate", ["linear"], ["zoom"],
                    MICRO_PICK_ZOOM - 0.5, or_drop(0.55, &by_state(json!(0.48), json!(0.4), json!(0.26))),
                    MICRO_LABEL_ZOOM + 0.5, or_drop(0.3, &by_state(json!(0.16), json!(0.08), json!(0.05)))],
            },
        }),
        json!({
            "id": MICRO_FILL, "type": "fill", "source": SOURCE_GRIDS,
            "filter": level_is(GridLevel::Micro),
            "paint": {
                "fill-color": or_drop(DROP, &by_state(json!(SELECTED), json!(HOVER_LINE), micro_kind_colour)),
                "fill-opacity": ["interpolate", ["linear"], ["zoom"],
                    MICRO_PICK_ZOOM - 0.5, or_drop(0.45, &by_state(json!(0.3), json!(0.08), json!(0.03))),
                    MICRO_LABEL_ZOOM, or_drop(0.45, &by_state(json!(0.3), json!(0.22), json!(0.12)))],
            },
        }),
        // Above the micro-grid tint, below every outline; the filter and colours come with the data.
        json!({
            "id": MICRO_HEAT, "type": "fill", "source": SOURCE_GRIDS,
            "filter": ["==", ["get", "level"], "none"],
            "layout": {"visibility": "none"},
            "paint": {"fill-color": "#fbbf24", "fill-opacity": 0.78},
        }),
        json!({
            "id": UNIT_FILL, "type": "fill", "source": SOURCE_GRIDS, "minzoom": UNIT_ZOOM,
            "filter": level_is(GridLevel::Unit),
            "paint": {
                "fill-color": by_state(json!(SELECTED), json!(HOVER_LINE), json!("#c8d6e5")),
                "fill-opacity": by_state(json!(0.35), json!(0.22), json!(0.0)),
            },
        }),
        json!({
            "id": "unit-line", "type": "line", "source": SOURCE_GRIDS, "minzoom": UNIT_ZOOM,
            "filter": level_is(GridLevel::Unit),
            "paint": {
                "line-color": by_state(json!(SELECTED), json!(HOVER_LINE), json!("#b7c7d8")),
                "line-width": by_state(json!(2.5), json!(1.5), json!(0.8)),
                "line-opacity": 0.75,
            },
        }),
        json!({
            "id": "micro-line", "type": "line", "source": SOURCE_GRIDS,
            "filter": level_is(GridLevel::Micro),
            "paint": {
                "line-color": or_drop(DROP, &by_state(json!(SELECTED), json!(HOVER_LINE), json!("#9cc0e4"))),
                "line-width": ["interpolate", ["linear"], ["zoom"],
                    13, or_drop(2.5, &by_state(json!(2.0), json!(1.0), json!(0.4))),
                    16, or_drop(4.0, &by_state(json!(3.5), json!(2.2), json!(1.2)))],
                "line-opacity": ["interpolate", ["linear"], ["zoom"],
                    13, or_drop(1.0, &by_state(json!(1.0), json!(0.8), json!(0.22))),
                    15, or_drop(1.0, &by_state(json!(1.0), json!(1.0), json!(0.55)))],
            },
        }),
        json!({
            "id": "community-line", "type": "line", "source": SOURCE_GRIDS,
            "filter": level_is(GridLevel::Community),
            "layout": {"line-join": "round"},
            "paint": {
                "line-color": or_drop(DROP, &by_state(json!(SELECTED), json!(HOVER_LINE), json!("#8db4dc"))),
                "line-width": ["interpolate", ["linear"], ["zoom"],
                    12, or_drop(4.0, &by_state(json!(3.0), json!(2.0), json!(1.2))),
                    16, or_drop(5.0, &by_state(json!(4.5), json!(3.0), json!(2.2)))],
                "line-opacity": 0.9,
            },
        }),
        json!({
            "id": "street-line", "type": "line", "source": SOURCE_GRIDS,
            "filter": level_is(GridLevel::Street),
            "layout": {"line-join": "round"},
            "paint": {
                "line-color": "#58b6ff",
                "line-width": ["interpolate", ["linear"], ["zoom"], 12, 2.5, 16, 5.0],
                "line-opacity": 0.95,
            },
        }),
    ]
}

fn label_layers(lang: Lang) -> Vec<Value> {
    vec![
        json!({
            "id": "community-label", "type": "symbol", "source": SOURCE_LABELS, "maxzoom": 15.5,
            "filter": level_is(GridLevel::Community),
            "layout": {
                "text-field": name_field(lang), "text-font": TEXT_FONT,
                "text-size": ["interpolate", ["linear"], ["zoom"], 12, 12, 15, 16],
                "text-max-width": 8, "text-padding": 4,
            },
            "paint": {"text-color": "#eef4fb", "text-halo-color": HALO, "text-halo-width": 1.6},
        }),
        json!({
            "id": "micro-label", "type": "symbol", "source": SOURCE_LABELS, "minzoom": MICRO_LABEL_ZOOM,
            "filter": level_is(GridLevel::Micro),
            "layout": {
                "text-field": micro_label_field(lang), "text-font": TEXT_FONT,
                "text-size": ["interpolate", ["linear"], ["zoom"], 15, 12, 18, 15],
                "text-max-width": 10, "text-line-height": 1.25, "text-padding": 2,
            },
            "paint": {"text-color": "#d5e4f2", "text-halo-color": HALO, "text-halo-width": 1.4},
        }),
    ]
}

/// The open tickets' source: points clustered at street zoom, each cluster counting its
/// overdue tickets so it can warn before it is opened.
pub fn ticket_source() -> Value {
    json!({
        "type": "geojson", "data": {"type": "FeatureCollection", "features": []},
        "cluster": true, "clusterRadius": 42, "clusterMaxZoom": CLUSTER_MAX_ZOOM,
        "clusterProperties": {"overdue": ["+", ["case", ["==", ["get", "sla"], "overdue"], 1, 0]]},
    })
}

/// Marker colour: the deadline tones first, then the state's, as [`Tone::of`] decides for the
/// queue and the card.
pub fn tone_colour() -> Value {
    let mut by_state = vec![json!("match"), json!(["get", "state"])];
    for tone in Tone::ALL {
        let states: Vec<&str> = TicketState::ALL
            .into_iter()
            .filter(|s| Tone::of_state(*s) == tone)
            .map(TicketState::as_str)
            .collect();
        if !states.is_empty() {
            by_state.push(json!(states));
            by_state.push(json!(tone.colour()));
        }
    }
    by_state.push(json!(Tone::Done.colour()));
    json!([
        "case",
        ["==", ["get", "sla"], "overdue"],
        Tone::Overdue.colour(),
        ["==", ["get", "sla"], "due_soon"],
        Tone::DueSoon.colour(),
        by_state
    ])
}

/// A ticket marker: the tone's colour, urgent ones ringed white (the live layer and the replay's).
pub fn ticket_point_paint() -> Value {
    let urgent = json!(["==", ["get", "urgency"], "urgent"]);
    json!({
        "circle-color": tone_colour(),
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 5, 17, 9],
        "circle-stroke-color": ["case", urgent, "#ffffff", "#0d1520"],
        "circle-stroke-width": ["case", urgent, 2.5, 1.5],
    })
}

/// A filter matching no ticket id, then the selected one.
pub fn ticket_id_filter(id: Option<i64>) -> Value {
    json!(["==", ["get", "id"], id.unwrap_or(-1)])
}

fn ticket_layers() -> Vec<Value> {
    let clustered = json!(["has", "point_count"]);
    vec![
        json!({
            "id": TICKETS_CLUSTER, "type": "circle", "source": SOURCE_TICKETS, "filter": clustered,
            "paint": {
                "circle-color": "#1d3a57",
                "circle-opacity": 0.92,
                "circle-radius": ["step", ["get", "point_count"], 13, 10, 17, 50, 22],
                "circle-stroke-color": ["case", [">", ["get", "overdue"], 0], Tone::Overdue.colour(), "#7fb2e5"],
                "circle-stroke-width": 2.5,
            },
        }),
        json!({
            "id": TICKETS_CLUSTER_COUNT, "type": "symbol", "source": SOURCE_TICKETS, "filter": clustered,
            "layout": {
                "text-field": ["get", "point_count_abbreviated"], "text-font": TEXT_FONT,
                "text-size": 12, "text-allow-overlap": true,
            },
            "paint": {"text-color": "#f2f7fc"},
        }),
        json!({
            "id": TICKETS_SELECTED, "type": "circle", "source": SOURCE_TICKETS,
            "filter": ticket_id_filter(None),
            "paint": {
                "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 11, 17, 15],
                "circle-color": "rgba(0, 0, 0, 0)",
                "circle-stroke-color": SELECTED, "circle-stroke-width": 3,
            },
        }),
        json!({
            "id": TICKETS_POINT, "type": "circle", "source": SOURCE_TICKETS,
            "filter": ["!", clustered],
            "paint": ticket_point_paint(),
        }),
        json!({
            "id": "pick-point", "type": "circle", "source": SOURCE_PICK,
            "paint": {
                "circle-radius": 8, "circle-color": "rgba(255, 207, 92, 0.25)",
                "circle-stroke-color": SELECTED, "circle-stroke-width": 2.5,
            },
        }),
    ]
}

/// Up to this zoom devices are clustered: a street holds hundreds of cameras.
const DEVICE_CLUSTER_MAX_ZOOM: f64 = 15.0;
/// From this zoom on a device marker carries its kind's character.
const DEVICE_GLYPH_ZOOM: f64 = 16.5;

/// One kind's device source, clustered at street zoom.
pub fn device_source() -> Value {
    json!({
        "type": "geojson", "data": {"type": "FeatureCollection", "features": []},
        "cluster": true, "clusterRadius": 36, "clusterMaxZoom": DEVICE_CLUSTER_MAX_ZOOM,
        "clusterProperties": {"fault": ["+", ["case", ["==", ["get", "health"], "fault"], 1, 0]]},
    })
}

/// A camera's fill by health ([`devices::health_colour`]); other kinds keep their colour.
fn device_fill(kind: DeviceKind) -> Value {
    if kind != DeviceKind::Camera {
        return json!(kind.colour());
    }
    let mut by_health = vec![json!("match"), json!(["get", "health"])];
    for health in Health::ALL {
        by_health.push(json!(health.as_str()));
        by_health.push(json!(devices::health_colour(health)));
    }
    by_health.push(json!(devices::health_colour(Health::Unknown)));
    Value::Array(by_health)
}

/// A cluster holding a faulty camera is ringed red, so a fault shows at street zoom too.
fn cluster_ring(kind: DeviceKind) -> Value {
    if kind == DeviceKind::Camera {
        json!([
            "case",
            [">", ["get", "fault"], 0],
            devices::health_colour(Health::Fault),
            kind.colour()
        ])
    } else {
        json!(kind.colour())
    }
}

/// Outline by health: unknown (no gateway yet) and offline muted, fault red, online white.
fn health_outline() -> Value {
    json!([
        "match",
        ["get", "health"],
        "online",
        "#ffffff",
        "fault",
        Tone::Overdue.colour(),
        "#5f6f80"
    ])
}

fn device_layers() -> Vec<Value> {
    let clustered = json!(["has", "point_count"]);
    let hidden = json!({"visibility": "none"});
    let mut all = Vec::new();
    for kind in DeviceKind::ALL {
        let [cluster, count, point, glyph] = kind.layers();
        let colour = kind.colour();
        all.push(json!({
            "id": cluster, "type": "circle", "source": kind.source(), "filter": clustered,
            "layout": hidden,
            "paint": {
                "circle-color": "#101a26", "circle-opacity": 0.85,
                "circle-radius": ["step", ["get", "point_count"], 10, 20, 13, 100, 16],
                "circle-stroke-color": cluster_ring(kind), "circle-stroke-width": 2,
                "circle-translate": device_offset(kind),
            },
        }));
        all.push(json!({
            "id": count, "type": "symbol", "source": kind.source(), "filter": clustered,
            "layout": {
                "visibility": "none",
                "text-field": ["get", "point_count_abbreviated"], "text-font": TEXT_FONT,
                "text-size": 11, "text-allow-overlap": true,
            },
            "paint": {"text-color": colour, "text-translate": device_offset(kind)},
        }));
        all.push(json!({
            "id": point, "type": "circle", "source": kind.source(), "filter": ["!", clustered],
            "layout": hidden,
            "paint": {
                "circle-color": device_fill(kind),
                "circle-opacity": ["match", ["get", "health"], "offline", 0.75, 0.95],
                "circle-radius": ["interpolate", ["linear"], ["zoom"], 13, 3, DEVICE_GLYPH_ZOOM, 6, 18, 9],
                // Cameras are filled by health: their ring keeps the kind's colour.
                "circle-stroke-color": if kind == DeviceKind::Camera { json!(colour) } else { health_outline() },
                "circle-stroke-width": 1.5,
            },
        }));
        all.push(json!({
            "id": glyph, "type": "symbol", "source": kind.source(), "filter": ["!", clustered],
            "minzoom": DEVICE_GLYPH_ZOOM,
            "layout": {
                "visibility": "none",
                "text-field": kind.glyph(), "text-font": TEXT_FONT,
                "text-size": ["interpolate", ["linear"], ["zoom"], DEVICE_GLYPH_ZOOM, 8, 18, 11],
                "text-allow-overlap": true,
            },
            "paint": {"text-color": ["match", ["get", "health"], "offline", "#e6edf3", "#0d1520"]},
        }));
    }
    all.push(json!({
        "id": devices::SOURCE_FOCUS, "type": "circle", "source": devices::SOURCE_FOCUS,
        "paint": {
            "circle-radius": 14, "circle-color": "rgba(244, 114, 208, 0.25)",
            "circle-stroke-color": SELECTED, "circle-stroke-width": 3,
        },
    }));
    all
}

/// Clusters of different kinds over the same block would hide each other: each kind's cluster
/// sits a little apart.
fn device_offset(kind: DeviceKind) -> Value {
    match kind {
        DeviceKind::Camera => json!([0, 0]),
        DeviceKind::Checkpoint => json!([14, 10]),
        DeviceKind::DoorAccess => json!([-14, 10]),
    }
}

/// All data layers, bottom to top; tickets above everything so they stay clickable.
pub fn layers(lang: Lang, community_codes: &[String]) -> Vec<Value> {
    let mut all = basemap_layers(lang);
    all.extend(grid_layers(community_codes));
    all.extend(label_layers(lang));
    all.extend(super::hotspots::layers(&TEXT_FONT));
    all.extend(device_layers());
    all.extend(ticket_layers());
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(layers: &[Value]) -> Vec<&str> {
        layers.iter().map(|l| l["id"].as_str().unwrap()).collect()
    }

    fn basemap(kind: BasemapKind, layers: Vec<VectorLayer>) -> BasemapInfo {
        use binhe_api::basemap::{BasemapContainer, TileFormat, TileSet};
        BasemapInfo {
            id: "ab12".to_owned(),
            name: "滨河".to_owned(),
            file_name: "binhe.pmtiles".to_owned(),
            tile_set: TileSet {
                kind,
                format: if kind == BasemapKind::Raster {
                    TileFormat::Png
                } else {
                    TileFormat::Pbf
                },
                container: BasemapContainer::Pmtiles,
                attribution: Some("平谷区测绘".to_owned()),
                bounds: [117.0, 40.0, 117.2, 40.2],
                center: None,
                min_zoom: 10,
                max_zoom: 16,
                vector_layers: layers,
            },
            bytes: 1,
            added_at: chrono::DateTime::UNIX_EPOCH,
            added_by: "admin".to_owned(),
            tiles: "/api/basemap/tiles/ab12/{z}/{x}/{y}".to_owned(),
            archive: None,
        }
    }

    #[test]
    fn a_raster_basemap_is_one_layer_of_tiles_from_this_server() {
        let info = basemap(BasemapKind::Raster, Vec::new());
        let source = street_basemap_source(&info, "http://127.0.0.1:8080");
        assert_eq!(source["type"], "raster");
        assert_eq!(
            source["tiles"][0],
            "http://127.0.0.1:8080/api/basemap/tiles/ab12/{z}/{x}/{y}"
        );
        assert_eq!(
            (source["minzoom"].as_u64(), source["maxzoom"].as_u64()),
            (Some(10), Some(16))
        );
        assert_eq!(source["attribution"], "平谷区测绘");
        let drawn = street_basemap_layers(&info);
        assert_eq!(ids(&drawn), ["street-basemap-raster"]);
        // It goes under the grids, and the generated basemap it replaces is known by id.
        assert!(
            layers(Lang::Zh, &[])
                .iter()
                .any(|l| l["id"] == STREET_BASEMAP_BELOW)
        );
        assert!(generated_basemap_layers().contains(&"basemap-road-primary".to_owned()));
    }

    #[test]
    fn a_vector_basemap_gets_a_neutral_style_per_layer_by_geometry() {
        let layer = |id: &str, geometry: Option<&str>, fields: &[&str]| VectorLayer {
            id: id.to_owned(),
            fields: fields
                .iter()
                .map(|f| ((*f).to_owned(), "String".to_owned()))
                .collect(),
            geometry: geometry.map(str::to_owned),
            min_zoom: None,
            max_zoom: None,
        };
        let info = basemap(
            BasemapKind::Vector,
            vec![
                layer("roads", Some("LineString"), &["name", "class"]),
                layer("landuse", None, &["class"]),
            ],
        );
        assert_eq!(street_basemap_source(&info, "")["type"], "vector");
        let styled = street_basemap_layers(&info);
        assert_eq!(
            ids(&styled),
            [
                "street-basemap-roads-line",
                "street-basemap-roads-label",
                "street-basemap-landuse-fill",
                "street-basemap-landuse-line",
                "street-basemap-landuse-point",
            ]
        );
        assert!(styled.iter().all(|l| l["source"] == SOURCE_STREET_BASEMAP));
        assert_eq!(styled[1]["layout"]["symbol-placement"], "line");
        assert_eq!(styled[1]["layout"]["text-field"], json!(["get", "name"]));
        assert_eq!(styled[2]["source-layer"], "landuse");
    }

    #[test]
    fn documented_layer_ids_exist_once() {
        let layers = layers(Lang::Zh, &["c1".to_owned()]);
        let ids = ids(&layers);
        for id in [
            "community-fill",
            "community-line",
            "community-label",
            "micro-fill",
            "micro-heat",
            "micro-line",
            "micro-label",
            "unit-line",
            "street-line",
            "tickets-cluster",
            "tickets-cluster-count",
            "tickets-point",
        ] {
            assert_eq!(ids.iter().filter(|i| **i == id).count(), 1, "{id}");
        }
    }

    #[test]
    fn outlines_are_drawn_above_fills() {
        let layers = layers(Lang::Zh, &[]);
        let ids = ids(&layers);
        let at = |id: &str| ids.iter().position(|i| *i == id).unwrap();
        assert!(at("micro-fill") > at("community-fill"));
        assert!(at("micro-heat") > at("micro-fill") && at("micro-heat") < at("micro-line"));
        assert!(at("community-line") > at("micro-line"));
        assert!(at("street-line") > at("community-line"));
        assert!(at("micro-label") > at("street-line"));
    }

    #[test]
    fn every_label_layer_switches_language() {
        let layers = layers(Lang::Zh, &[]);
        let symbol_ids: Vec<&str> = layers
            .iter()
            // Cluster counts and hotspot ranks are digits in every language.
            .filter(|l| {
                l["type"] == "symbol"
                    && l["source"] != SOURCE_TICKETS
                    && !l["id"].as_str().unwrap().starts_with("devices-")
                    && !l["id"].as_str().unwrap().starts_with("hotspot-")
            })
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        let switched: Vec<&str> = label_fields(Lang::En).iter().map(|(id, _)| *id).collect();
        assert_eq!(symbol_ids, switched);
    }

    #[test]
    fn zooming_in_picks_finer_grids() {
        assert_eq!(pick_level(13.0), GridLevel::Community);
        assert_eq!(pick_level(MICRO_PICK_ZOOM), GridLevel::Micro);
        assert_eq!(pick_level(16.9), GridLevel::Micro);
        assert_eq!(pick_level(UNIT_ZOOM), GridLevel::Unit);
        assert_eq!(pick_layers(GridLevel::Micro)[0], "micro-fill");
        assert_eq!(pick_layers(GridLevel::Community), ["community-fill"]);
    }

    #[test]
    fn markers_take_the_queue_colours() {
        let expr = tone_colour();
        assert_eq!(expr[2], Tone::Overdue.colour());
        assert_eq!(expr[4], Tone::DueSoon.colour());
        let by_state = expr[5].as_array().unwrap();
        let colour_of = |state: &str| {
            by_state[2..by_state.len() - 1]
                .chunks(2)
                .find(|pair| pair[0].as_array().unwrap().iter().any(|s| s == state))
                .map(|pair| pair[1].clone())
                .unwrap()
        };
        assert_eq!(colour_of("registered"), Tone::New.colour());
        assert_eq!(colour_of("handling"), Tone::Active.colour());
        assert_eq!(colour_of("verified"), Tone::Review.colour());
    }

    #[test]
    fn dispatch_targets_micro_grids_from_the_micro_zoom_on() {
        assert_eq!(dispatch_layers(13.0), ["community-fill"]);
        assert_eq!(dispatch_layers(MICRO_PICK_ZOOM)[0], "micro-fill");
        assert_eq!(dispatch_layers(UNIT_ZOOM + 1.0)[0], "micro-fill");
    }

    #[test]
    fn each_community_gets_its_own_colour() {
        let codes: Vec<String> = (0..15).map(|i| format!("c{i}")).collect();
        let expr = community_colour(&codes);
        let colours: std::collections::HashSet<&str> = expr.as_array().unwrap()[2..]
            .chunks(2)
            .filter_map(|pair| pair.get(1).and_then(Value::as_str))
            .collect();
        assert_eq!(colours.len(), 15);
    }
}
