//! Title bar with the street's key figures, the demo feed and grid import for the roles that
//! may use them, who is signed in, and the language switch.

use leptos::prelude::*;

use binhe_api::grids::Summary;
use binhe_core::Health;

use crate::api;
use crate::api::auth::Offers;
use crate::api::texts::Named;
use crate::app::AppState;
use crate::cameras::CameraHealth;
use crate::components::{AccountMenu, BoardButton, DemoFeedControl, GridImport, ReplayButton};
use crate::format::thousands;
use crate::i18n::Msg;

#[component]
pub fn Header() -> impl IntoView {
    let state = expect_context::<AppState>();
    let summary = RwSignal::new(None::<Summary>);
    state.load_grid_data(api::summary, move |result| match result {
        Ok(s) => summary.set(Some(s)),
        Err(e) => state.notify(Msg::ErrorLoadSummary, e),
    });
    let health = expect_context::<CameraHealth>();
    let counts = Memo::new(move |_| health.book.with(|b| b.counts));
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());

    let stats = move || {
        // Once the health is known, the cameras' figure says how many are online.
        let with_health = counts.with(Option::is_some);
        summary.get().map(|s| {
            let figures = [
                ("communities", Msg::StatCommunities, s.communities),
                ("micro_grids", Msg::StatMicroGrids, s.micro_grids),
                ("population", Msg::StatPopulation, u64::from(s.population)),
                ("full_time_workers", Msg::StatFullTime, s.full_time_workers),
                ("part_time_workers", Msg::StatPartTime, s.part_time_workers),
                ("cameras", Msg::StatCameras, s.cameras),
                ("checkpoints", Msg::StatCheckpoints, s.checkpoints),
            ];
            figures
                .into_iter()
                .filter(|(key, ..)| !(with_health && *key == "cameras"))
                .map(|(key, label, value)| {
                    view! {
                        <div class="stat" data-stat=key>
                            <span class="stat-value">{thousands(value)}</span>
                            <span class="stat-label">{move || t(label)}</span>
                        </div>
                    }
                })
                .collect_view()
        })
    };
    // Shown first, so it stays when the figures that do not fit (a narrow window, English) go.
    let camera_health = move || {
        counts.get().map(|c| {
            let (offline, fault) = (c.offline > 0, c.fault > 0);
            view! {
                <div class="stat camera-health" data-stat="cameras_online" data-count=c.online
                    data-total=c.total()>
                    <span class="stat-value">
                        {thousands(c.online)}<span class="stat-of">{format!(" / {}", thousands(c.total()))}</span>
                    </span>
                    <span class="stat-label">
                        {move || t(Msg::StatCamerasOnline)}
                        <span class="health-count" class:alert=offline data-stat="cameras_offline" data-count=c.offline>
                            {move || format!("{} {}", Health::Offline.name(lang.get()), c.offline)}
                        </span>
                        <span class="health-count fault" class:alert=fault data-stat="cameras_fault" data-count=c.fault>
                            {move || format!("{} {}", Health::Fault.name(lang.get()), c.fault)}
                        </span>
                    </span>
                </div>
            }
        })
    };
    let street = move || {
        summary.get().map(|s| {
            lang.get()
                .pick(&s.street_name, &s.street_name_en)
                .to_owned()
        })
    };
    let synthetic = move || summary.get().is_some_and(|s| s.synthetic);
    // 智慧滨河 · 网格指挥中心: the second half goes first when the window is narrow (CSS).
    let title_main = move || {
        let title = t(Msg::AppTitle);
        title.split_once(" · ").map_or(title, |(main, _)| main)
    };
    let title_sub = move || {
        t(Msg::AppTitle)
            .split_once(" · ")
            .map_or_else(String::new, |(_, sub)| format!(" · {sub}"))
    };

    view! {
        <header class="header">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true"></span>
                <h1 class="title">{title_main}<span class="title-sub">{title_sub}</span></h1>
                <span class="street-name">{street}</span>
                <Show when=synthetic>
                    <span class="badge-synthetic" data-testid="synthetic-badge"
                        title=move || t(Msg::SyntheticBadgeTitle)>
                        {move || t(Msg::SyntheticBadge)}
                    </span>
                </Show>
            </div>
            <div class="stats" data-testid="stats">{camera_health}{stats}</div>
            <BoardButton/>
            <ReplayButton/>
            <Show when=move || state.may().drive_demo_feed()>
                <DemoFeedControl/>
            </Show>
            <Show when=move || state.may().import_grids()>
                <GridImport/>
            </Show>
            <AccountMenu/>
            <button class="lang-toggle" data-testid="lang-toggle" type="button"
                title=move || t(Msg::LangToggleTitle)
                on:click=move |_| state.toggle_lang()>
                {move || t(Msg::LangToggle)}
            </button>
        </header>
    }
}
