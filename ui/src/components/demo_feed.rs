//! The demo feed's switch in the header: in demo mode the server makes up requests at a set
//! rate, so the desk can be shown moving; elsewhere (no feed) nothing is shown.

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::tickets::DemoFeedStatus;

use crate::api::tickets as api;
use crate::app::AppState;
use crate::i18n::{Msg, per_minute};

/// Rates offered, per minute.
const RATES: [f64; 5] = [1.0, 6.0, 30.0, 120.0, 600.0];

#[component]
pub fn DemoFeedControl() -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let feed = RwSignal::new(None::<DemoFeedStatus>);
    let first = crate::map_first::MapFirst::get();
    spawn_local(async move {
        first.wait().await;
        match api::demo_feed().await {
            Ok(answer) => feed.set(answer),
            Err(e) => state.notify(Msg::ErrorDemoFeed, e),
        }
    });
    let change = move |running: bool, rate: f64| {
        spawn_local(async move {
            match api::set_demo_feed(running, rate).await {
                Ok(answer) => feed.set(Some(answer)),
                Err(e) => state.notify(Msg::ErrorDemoFeed, e),
            }
        });
    };
    move || {
        let f = feed.get()?;
        let rates = RATES
            .iter()
            .map(|r| {
                let r = *r;
                view! { <option value=r.to_string() selected=(f.rate_per_minute - r).abs() < 1e-9>{move || per_minute(lang.get(), r)}</option> }
            })
            .collect_view();
        Some(view! {
            <div class="demo-feed" data-testid="demo-feed" data-running=f.running.to_string()>
                <span class="demo-label">{move || t(Msg::DemoFeed)}</span>
                <button type="button" class="demo-toggle" class:running=f.running data-testid="demo-feed-toggle"
                    title=move || t(if f.running { Msg::DemoPauseTitle } else { Msg::DemoResumeTitle })
                    on:click=move |_| change(!f.running, f.rate_per_minute)>
                    <i class="dot" aria-hidden="true"></i>
                    {move || t(if f.running { Msg::DemoRunning } else { Msg::DemoPaused })}
                </button>
                <select class="demo-rate" data-testid="demo-feed-rate" aria-label=move || t(Msg::DemoRate)
                    on:change=move |ev| {
                        if let Ok(rate) = event_target_value(&ev).parse() {
                            change(f.running, rate);
                        }
                    }>
                    {rates}
                </select>
            </div>
        })
    }
}
