//! Smart Binhe (智慧滨河) command-center UI: Leptos (client-side rendered) + MapLibre GL.
//!
//! Built by trunk (`ui/index.html`) into `ui/dist`, which `binhe-server` serves at `/`.

// Size limits are the browser's (wasm32): built natively, where only the UI's logic is tested,
// pointers and signal handles are twice as wide, and the desk's context of signals and the API's
// error outgrow limits they keep in the browser.
#![cfg_attr(
    not(target_arch = "wasm32"),
    allow(clippy::large_types_passed_by_value, clippy::result_large_err)
)]

mod alerts;
mod api;
mod app;
mod cameras;
mod components;
mod format;
mod i18n;
mod kpi;
mod local_file;
mod map;
mod map_first;
mod offline;
mod phone;
mod session;
mod tickets;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
