//! Smart Binhe (智慧滨河) command-center UI: Leptos (client-side rendered) + MapLibre GL.
//!
//! Built by trunk (`ui/index.html`) into `ui/dist`, which `binhe-server` serves at `/`.

mod api;
mod app;
mod cameras;
mod components;
mod format;
mod i18n;
mod kpi;
mod local_file;
mod map;
mod offline;
mod phone;
mod session;
mod tickets;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
