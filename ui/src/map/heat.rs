//! 诉求热力 on the map: the micro-grids coloured by requests received in the dashboard's
//! period (`GET /api/kpi/heat`), switched on in the legend.

use wasm_bindgen::JsValue;

use super::style::MICRO_HEAT;
use super::view::{GridMap, js};
use crate::kpi::heat;
use binhe_api::kpi::Heat;

/// Paints `heat` (or hides the layer for `None`).
pub(super) fn show(gm: &GridMap, data: Option<&Heat>) {
    let Some(data) = data else {
        gm.map
            .set_layout_property(MICRO_HEAT, "visibility", &JsValue::from_str("none"));
        return;
    };
    gm.map.set_filter(MICRO_HEAT, &js(&heat::filter(data)));
    gm.map
        .set_paint_property(MICRO_HEAT, "fill-color", &js(&heat::fill_colour(data)));
    gm.map
        .set_layout_property(MICRO_HEAT, "visibility", &JsValue::from_str("visible"));
}
