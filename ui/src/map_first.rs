//! The map goes first (issue 19). On a desk PC with software GL, MapLibre's start and first
//! frames take most of the main thread for a second or two, and everything else the workspace
//! does at start — the side panel's queue and grid tree, the requests for the catalogue, camera
//! health, training, door alarms — runs on that same thread. So those wait until the map is
//! ready (see `MapFirst::wait`): the user sees them a moment after the map, and nothing is lost,
//! only ordered later.

use std::time::Duration;

use js_sys::{Function, Promise};
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::tickets::time::sleep;

/// However the map fares (no WebGL, a data request that hangs), the panels come after this.
const AT_THE_LATEST: Duration = Duration::from_secs(6);

/// Whether the map has gone first; provided by the workspace. Copy: all handles.
#[derive(Clone, Copy)]
pub struct MapFirst {
    done: RwSignal<bool>,
    /// Resolves once done, for the tasks that wait (`wait`), and resolves it.
    promise: StoredValue<(Promise, Function), LocalStorage>,
}

impl MapFirst {
    /// Not done yet; done at the latest after [`AT_THE_LATEST`].
    pub fn start() -> Self {
        let first = MapFirst::new(false);
        leptos::task::spawn_local(async move {
            sleep(AT_THE_LATEST).await;
            first.done();
        });
        first
    }

    /// The workspace's, or, outside it (nothing there to go first), one that is done already
    /// (no timer: `wait` returns at once and the promise is never awaited).
    pub fn get() -> Self {
        use_context::<MapFirst>().unwrap_or_else(|| MapFirst::new(true))
    }

    fn new(already_done: bool) -> Self {
        let mut resolve = None;
        let promise = Promise::new(&mut |done, _| resolve = Some(done));
        MapFirst {
            done: RwSignal::new(already_done),
            promise: StoredValue::new_local((promise, resolve.unwrap_or_else(Function::default))),
        }
    }

    /// The map is ready (or will not be): what waited goes ahead.
    pub fn done(self) {
        if self.done.get_untracked() {
            return;
        }
        self.done.set(true);
        self.promise.with_value(|(_, resolve)| {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        });
    }

    /// Whether the map is ready (tracked): the panels beside it are shown from then on.
    pub fn is_done(self) -> bool {
        self.done.get()
    }

    /// Returns once the map is ready (at once after that).
    pub async fn wait(self) {
        if self.done.get_untracked() {
            return;
        }
        let promise = self.promise.with_value(|(p, _)| p.clone());
        let _ = JsFuture::from(promise).await;
    }
}
