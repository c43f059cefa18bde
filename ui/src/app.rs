//! The application shell and the state every panel shares.

use std::collections::HashSet;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError, Bbox, GRID_NOT_FOUND, GridDetail, Level};
use crate::components::{GridCard, GridTree, Header, Notices, SearchBox};
use crate::i18n::{Lang, Msg};
use crate::map::MapView;
use crate::map::index::GridIndex;

const LANG_STORAGE_KEY: &str = "smart-binhe.lang";

/// Where the map should go when a grid is selected.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fly {
    /// Stay (the user clicked the grid on the map).
    Stay,
    /// Fit the grid's bbox once its detail has arrived.
    ToDetail,
    /// Fit this bbox right away (search hits carry it).
    To(Bbox),
}

/// An error shown in the notice bar: what the UI was doing, and what the server said.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub context: Msg,
    pub error: ApiError,
}

/// Shared UI state; every field is a signal, so the struct is `Copy`.
#[derive(Clone, Copy)]
pub struct AppState {
    pub lang: RwSignal<Lang>,
    /// Code of the selected grid; the card is open while this is set.
    pub selected: RwSignal<Option<String>>,
    /// Detail of the selected grid: `None` while loading.
    pub detail: RwSignal<Option<Result<GridDetail, ApiError>>>,
    /// The map fits this bbox whenever it is set.
    pub fly_target: RwSignal<Option<Bbox>>,
    pub notices: RwSignal<Vec<Notice>>,
    /// Grid features by code, once `/api/grids.geojson` is in.
    pub index: RwSignal<Option<Arc<GridIndex>>>,
    /// Codes of the expanded tree nodes.
    pub expanded: RwSignal<HashSet<String>>,
    /// Which level a click on the map selects at the current zoom.
    pub pick_level: RwSignal<Level>,
    /// Counts the times the server's grids were replaced (imported): every panel that shows
    /// grid data loads it again when this changes.
    pub data_version: RwSignal<u64>,
}

impl AppState {
    fn new() -> Self {
        AppState {
            lang: RwSignal::new(stored_lang().unwrap_or_default()),
            selected: RwSignal::new(None),
            detail: RwSignal::new(None),
            fly_target: RwSignal::new(None),
            notices: RwSignal::new(Vec::new()),
            index: RwSignal::new(None),
            expanded: RwSignal::new(HashSet::new()),
            pick_level: RwSignal::new(Level::Community),
            data_version: RwSignal::new(0),
        }
    }

    /// Selects a grid: opens its card, reveals it in the tree and, if asked, moves the map.
    pub fn select(self, code: String, fly: Fly) {
        self.selected.set(Some(code.clone()));
        self.detail.set(None);
        if let Fly::To(bbox) = fly {
            self.fly_target.set(Some(bbox));
        }
        if let Some(index) = self.index.get_untracked() {
            let ancestors = index.ancestors(&code);
            self.expanded.update(|open| open.extend(ancestors));
        }
        spawn_local(async move {
            let result = api::grid(&code).await;
            // An answer for a grid the user has since left is dropped.
            if self.selected.get_untracked().as_deref() == Some(code.as_str()) {
                self.show_detail(result, fly);
            }
        });
    }

    /// Puts the selected grid's detail (or the error loading it) on its card.
    fn show_detail(self, result: Result<GridDetail, ApiError>, fly: Fly) {
        match &result {
            Ok(detail) if fly == Fly::ToDetail => self.fly_target.set(Some(detail.bbox)),
            Ok(_) => {}
            Err(e) => self.notify(Msg::ErrorLoadGrid, e.clone()),
        }
        self.detail.set(Some(result));
    }

    /// The server now holds other grids: every panel reloads, and the selection stays only
    /// if its grid still exists (its card then shows the new data).
    pub fn grids_replaced(self) {
        self.data_version.update(|v| *v += 1);
        let Some(code) = self.selected.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let result = api::grid(&code).await;
            if self.selected.get_untracked().as_deref() != Some(code.as_str()) {
                return;
            }
            match result {
                Err(e) if e.code == GRID_NOT_FOUND => self.close_card(),
                result => self.show_detail(result, Fly::Stay),
            }
        });
    }

    /// Calls `fetch` now and again whenever the grids are replaced, and hands each answer to
    /// `apply` unless a newer load has started meanwhile.
    pub fn load_grid_data<T, F>(self, fetch: fn() -> F, apply: impl Fn(T) + Clone + 'static)
    where
        T: 'static,
        F: Future<Output = T> + 'static,
    {
        Effect::new(move || {
            let version = self.data_version.get();
            let apply = apply.clone();
            spawn_local(async move {
                let answer = fetch().await;
                if self.data_version.get_untracked() == version {
                    apply(answer);
                }
            });
        });
    }

    pub fn close_card(self) {
        self.selected.set(None);
        self.detail.set(None);
    }

    /// Shows an error to the user until dismissed.
    pub fn notify(self, context: Msg, error: ApiError) {
        self.notices.update(|list| {
            let id = list.last().map_or(0, |n| n.id + 1);
            // The same failure repeated (e.g. while typing a search) is shown once.
            list.retain(|n| !(n.context == context && n.error == error));
            list.push(Notice { id, context, error });
        });
    }

    pub fn toggle_lang(self) {
        self.lang.update(|l| *l = l.toggled());
        if let Some(storage) = window().local_storage().ok().flatten() {
            let value = match self.lang.get_untracked() {
                Lang::Zh => "zh",
                Lang::En => "en",
            };
            let _ = storage.set_item(LANG_STORAGE_KEY, value);
        }
    }
}

fn stored_lang() -> Option<Lang> {
    let storage = window().local_storage().ok().flatten()?;
    match storage.get_item(LANG_STORAGE_KEY).ok().flatten()?.as_str() {
        "en" => Some(Lang::En),
        "zh" => Some(Lang::Zh),
        _ => None,
    }
}

/// The whole page: header, side panel (search + tree), map with the grid card over it.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);

    // Keep <html lang> and the window title in the chosen language.
    Effect::new(move || {
        let lang = state.lang.get();
        let document = document();
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("lang", lang.tag());
        }
        document.set_title(Msg::AppTitle.text(lang));
    });

    view! {
        <div class="app">
            <Header/>
            <div class="body">
                <aside class="side-panel">
                    <SearchBox/>
                    <GridTree/>
                </aside>
                <main class="map-area">
                    <MapView/>
                    <GridCard/>
                    <Notices/>
                </main>
            </div>
        </div>
    }
}
