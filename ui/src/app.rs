//! The application shell and the state every panel shares.

use std::collections::HashSet;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::auth::{May, SessionView};
use binhe_api::error::code::GRID_NOT_FOUND;
use binhe_api::grids::{GridDetail, PreviewGrids};
use binhe_core::GridLevel;
use binhe_core::access::Role;

use crate::api::auth::MAY_ALL;
use crate::api::{self, ApiError, Bbox};
use crate::cameras::{CameraHealth, VideoWall};
use crate::components::{
    Alerts, Board, BoardPanel, ConflictPanel, GridCard, GridChooser, GridTree, Header, IntakeForm,
    LoginPage, Notices, OfflineBanner, Replay, ReplayBar, SearchBox, TicketCard, TicketQueue,
    TicketToast, Training, TrainingBanner, TrainingPanel, VideoWallPanel,
};
use crate::i18n::{Lang, Msg};
use crate::map::MapView;
use crate::map::index::GridIndex;
use crate::map_first::MapFirst;
use crate::session::Auth;
use crate::tickets::Desk;
use crate::tickets::desk::ChooseGrid;
use crate::tickets::queue::{QueueTab, TabLabel};
use binhe_core::ticket::ActionKind;

const LANG_STORAGE_KEY: &str = "smart-binhe.lang";
const SIDE_TAB_STORAGE_KEY: &str = "smart-binhe.side-tab";

/// What the side panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SideTab {
    Tickets,
    Grids,
}

impl SideTab {
    fn as_str(self) -> &'static str {
        match self {
            SideTab::Tickets => "tickets",
            SideTab::Grids => "grids",
        }
    }
}

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
    pub pick_level: RwSignal<GridLevel>,
    /// Counts the times the server's grids were replaced (imported): every panel that shows
    /// grid data loads it again when this changes.
    pub data_version: RwSignal<u64>,
    /// Who is signed in; `None` from a server without accounts.
    pub session: RwSignal<Option<SessionView>>,
    /// The street's own basemap the map draws under the grids; `None`: the generated one.
    pub basemap: RwSignal<Option<binhe_api::basemap::BasemapInfo>>,
    /// The grids of a survey being previewed in the import dialog, drawn over the map's own
    /// while it is open.
    pub survey_preview: RwSignal<Option<Arc<PreviewGrids>>>,
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
            pick_level: RwSignal::new(GridLevel::Community),
            data_version: RwSignal::new(0),
            session: RwSignal::new(None),
            basemap: RwSignal::new(None),
            survey_preview: RwSignal::new(None),
        }
    }

    /// What the signed-in role may do (tracked).
    pub fn may(self) -> May {
        self.session.with(|s| s.as_ref().map_or(MAY_ALL, |s| s.may))
    }

    /// The signed-in role (tracked); the desktop window's own desk is the street's dispatcher.
    pub fn role(self) -> Role {
        self.session
            .with(|s| s.as_ref().map_or(Role::Dispatcher, |s| s.account.role))
    }

    pub fn role_untracked(self) -> Role {
        self.session
            .with_untracked(|s| s.as_ref().map_or(Role::Dispatcher, |s| s.account.role))
    }

    pub fn may_untracked(self) -> May {
        self.session
            .with_untracked(|s| s.as_ref().map_or(MAY_ALL, |s| s.may))
    }

    /// The community a commander is limited to (untracked): the map opens on it.
    pub fn home_community(self) -> Option<String> {
        self.session.with_untracked(|s| {
            s.as_ref()
                .and_then(|s| s.account.community.as_ref().map(ToString::to_string))
        })
    }

    /// Another account took over: nothing of the last one's stays open, and every panel
    /// loads what the new one may see.
    fn session_changed(self) {
        self.close_card();
        self.notices.set(Vec::new());
        self.grids_replaced();
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
        let first = MapFirst::get();
        Effect::new(move || {
            let version = self.data_version.get();
            let apply = apply.clone();
            spawn_local(async move {
                first.wait().await;
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

    /// Shows an error to the user until dismissed. A lost session is not shown: the login
    /// page comes up instead.
    pub fn notify(self, context: Msg, error: ApiError) {
        // No answer from the center: the 离线 banner says so, the panels keep what they showed.
        if error.is_signed_out() || error.is_network() {
            return;
        }
        self.notices.update(|list| {
            let id = list.last().map_or(0, |n| n.id + 1);
            // The same failure repeated (e.g. while typing a search) is shown once.
            list.retain(|n| !(n.context == context && n.error == error));
            list.push(Notice { id, context, error });
        });
    }

    pub fn toggle_lang(self) {
        self.lang.update(|l| *l = l.toggled());
        let value = match self.lang.get_untracked() {
            Lang::Zh => "zh",
            Lang::En => "en",
        };
        store(LANG_STORAGE_KEY, value);
    }
}

pub(crate) fn store(key: &str, value: &str) {
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.set_item(key, value);
    }
}

pub(crate) fn stored(key: &str) -> Option<String> {
    window()
        .local_storage()
        .ok()
        .flatten()?
        .get_item(key)
        .ok()
        .flatten()
}

fn stored_lang() -> Option<Lang> {
    match stored(LANG_STORAGE_KEY)?.as_str() {
        "en" => Some(Lang::En),
        "zh" => Some(Lang::Zh),
        _ => None,
    }
}

/// The side panel opens on the tab used last; the first time on the grid directory, where
/// the street is introduced.
/// A dispatcher's first look is the live queue; the grid directory is one click away.
fn stored_side_tab() -> SideTab {
    match stored(SIDE_TAB_STORAGE_KEY).as_deref() {
        Some("grids") => SideTab::Grids,
        _ => SideTab::Tickets,
    }
}

/// `D` anywhere but in a text field opens the grid chooser for the open ticket card.
fn on_global_key(desk: &Desk, may: May, ev: &web_sys::KeyboardEvent) {
    let typing = ev
        .target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
    // A dialog open (an import, the chooser itself) keeps its keys.
    let in_dialog = document()
        .query_selector("dialog[open]")
        .ok()
        .flatten()
        .is_some();
    if typing
        || in_dialog
        || ev.ctrl_key()
        || ev.meta_key()
        || ev.alt_key()
        || ev.default_prevented()
    {
        return;
    }
    if matches!(ev.key().as_str(), "d" | "D")
        && may.dispatch
        && desk.chooser.get_untracked().is_none()
        && let Some(id) = desk.selected.get_untracked()
    {
        ev.prevent_default();
        desk.chooser.set(Some(ChooseGrid {
            ticket: id,
            action: ActionKind::Dispatch,
        }));
    }
}

/// The page: the login page while nobody is signed in, else the workspace (with the login
/// page over it when the session ends, or for 切换账号).
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    let auth = Auth::start(state);
    provide_context(auth);

    // Keep <html lang> and the window title in the chosen language.
    Effect::new(move || {
        let lang = state.lang.get();
        let document = document();
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("lang", lang.tag());
        }
        document.set_title(Msg::AppTitle.text(lang));
    });

    // A worker signing in on a narrow screen at `/` gets the phone view.
    let phone = crate::phone::is_phone_path();
    if !phone {
        Effect::new(move || {
            let worker = state.session.with(|s| {
                s.as_ref()
                    .is_some_and(|s| s.account.role == binhe_core::access::Role::Worker)
            });
            if worker && crate::phone::is_narrow_screen() {
                let _ = window().location().replace("m/");
            }
        });
    }

    view! {
        <Show when=move || auth.started.get()>
            {if phone { view! { <crate::phone::PhoneApp/> }.into_any() } else { view! { <Workspace/> }.into_any() }}
        </Show>
        {move || auth.prompt.get().map(|reason| view! { <LoginPage reason/> })}
    }
}

/// The command center: header, side panel (ticket queue, or search + tree), map with the
/// ticket or grid card over it.
#[component]
fn Workspace() -> impl IntoView {
    let state = expect_context::<AppState>();
    let auth = expect_context::<Auth>();
    let terminal = crate::offline::Terminal::get();
    provide_context(terminal);
    // The outbox sends (and shows) only what the one signed in did.
    Effect::new(move || {
        terminal.signed_in(
            state
                .session
                .with(|s| s.as_ref().map(|s| s.account.login.clone())),
        );
    });
    // Provided first: the services below and the panels wait for the map (src/map_first.rs).
    let first = MapFirst::start();
    provide_context(first);
    let later = move || first.is_done();
    let desk = Desk::start(state);
    provide_context(desk);
    provide_context(crate::tickets::desk::IntakeDrafts(RwSignal::new(None)));
    let health = CameraHealth::start(state);
    provide_context(health);
    let wall = VideoWall::new();
    provide_context(wall);
    let board = Board::new();
    provide_context(board);
    let replay = Replay::new();
    provide_context(replay);
    let training = Training::start(auth);
    provide_context(training);
    provide_context(Alerts::start(state, desk, replay, training));
    let side = RwSignal::new(stored_side_tab());
    let t = move |m: Msg| m.text(state.lang.get());
    // While the login page stands in for a lost session, nothing of the last one shows.
    let locked = move || {
        auth.prompt
            .with(|p| p.as_ref().is_some_and(|r| !r.cancellable()))
    };

    Effect::new(move |previous: Option<u64>| {
        let generation = auth.generation.get();
        if previous.is_some() {
            state.session_changed();
            desk.session_changed();
            health.session_changed(state);
            wall.close();
            board.session_changed();
            training.session_changed();
        }
        generation
    });

    // One card at a time on the right: a grid card closes the ticket card and the intake
    // form, a ticket card closes the grid card.
    Effect::new(move || {
        if state.selected.get().is_some() {
            desk.close();
            desk.intake_open.set(false);
        }
    });
    Effect::new(move || {
        if desk.selected.get().is_some() {
            state.close_card();
        }
    });
    let _ = window_event_listener(leptos::ev::keydown, move |ev| {
        on_global_key(&desk, state.may_untracked(), &ev);
    });

    // What the 工单 tab counts: the new tickets a dispatcher takes in, or, for a grid worker,
    // those handed to them (处置中).
    let todo_tab = move || {
        let worker = state.session.with(|s| {
            s.as_ref()
                .is_some_and(|s| s.account.role == binhe_core::access::Role::Worker)
        });
        if worker {
            QueueTab::InProgress
        } else {
            QueueTab::New
        }
    };
    let waiting = move || {
        let (now, share) = (desk.now.get(), desk.due_soon_share.get());
        let tab = todo_tab();
        desk.tickets.with(|list| {
            crate::tickets::queue::rows(list, tab, crate::tickets::queue::QueueOrder::Newest, |t| {
                crate::tickets::queue::sla_at(t, now, share)
            })
            .len()
        })
    };
    let side_tab = move |tab: SideTab, label: Msg| {
        view! {
            <button type="button" role="tab" class="side-tab" data-testid=format!("side-tab-{}", tab.as_str())
                class:active=move || side.get() == tab aria-selected=move || (side.get() == tab).to_string()
                on:click=move |_| {
                    side.set(tab);
                    store(SIDE_TAB_STORAGE_KEY, tab.as_str());
                }>
                {move || t(label)}
                {(tab == SideTab::Tickets).then(|| view! { <span class="count" data-testid="side-tab-count" title=move || t(todo_tab().label())>{waiting}</span> })}
            </button>
        }
    };

    view! {
        <div class="app" class:locked=locked inert=locked aria-hidden=move || locked().then_some("true")>
            <Header/>
            <div class="offline-slot"><TrainingBanner/><OfflineBanner/></div>
            <div class="body">
                <aside class="side-panel">
                    <div class="side-tabs" role="tablist">
                        {side_tab(SideTab::Tickets, Msg::SideTickets)}
                        {side_tab(SideTab::Grids, Msg::TreeTitle)}
                    </div>
                    // Both stay mounted, so the queue's tab and the tree's open nodes survive a switch.
                    <div class="side-pane" class:hidden=move || side.get() != SideTab::Tickets>
                        <Show when=later><TicketQueue/></Show>
                    </div>
                    <div class="side-pane" class:hidden=move || side.get() != SideTab::Grids>
                        <Show when=later>
                            <SearchBox/>
                            <GridTree/>
                        </Show>
                    </div>
                </aside>
                <main class="map-area">
                    <MapView/>
                    <Show when=later>
                        <VideoWallPanel/>
                        <BoardPanel/>
                        <TrainingPanel/>
                        <ReplayBar/>
                        <GridCard/>
                        <TicketCard/>
                        <IntakeForm/>
                        <TicketToast/>
                        <ConflictPanel/>
                    </Show>
                    <Notices/>
                </main>
            </div>
            <GridChooser/>
        </div>
    }
}
