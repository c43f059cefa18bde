//! Search box: finds grids by name or code, flies to the chosen one.

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, SearchHit};
use crate::app::{AppState, Fly};
use crate::i18n::{Msg, result_count};

/// Results of the latest query (older answers that arrive late are dropped).
#[derive(Clone, Debug, PartialEq)]
enum Results {
    Idle,
    Searching,
    Found(Vec<SearchHit>),
}

#[component]
pub fn SearchBox() -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(Results::Idle);
    let highlighted = RwSignal::new(0_usize);
    let generation = StoredValue::new(0_u64);
    // Enter pressed before the answer came: take the first hit when it does.
    let enter_pending = StoredValue::new(false);
    let choose = move |hit: SearchHit| {
        enter_pending.set_value(false);
        state.select(hit.code.clone(), Fly::To(hit.bbox));
    };

    let run_search = move |q: String| {
        generation.update_value(|g| *g += 1);
        let this = generation.get_value();
        if q.trim().is_empty() {
            results.set(Results::Idle);
            return;
        }
        results.set(Results::Searching);
        spawn_local(async move {
            let outcome = api::search(q.trim()).await;
            if generation.get_value() != this {
                return;
            }
            highlighted.set(0);
            match outcome {
                Ok(hits) => {
                    if enter_pending.get_value()
                        && let Some(first) = hits.first()
                    {
                        choose(first.clone());
                    }
                    results.set(Results::Found(hits));
                }
                Err(e) => {
                    results.set(Results::Idle);
                    state.notify(Msg::ErrorSearch, e);
                }
            }
        });
    };

    // Hits name grids of the data they were found in: search again once the grids are replaced.
    Effect::new(move |first_run: Option<()>| {
        state.data_version.track();
        if first_run.is_some() {
            run_search(query.get_untracked());
        }
    });

    let on_keydown = move |ev: KeyboardEvent| {
        let hits = match results.get_untracked() {
            Results::Found(hits) => hits,
            _ => Vec::new(),
        };
        match ev.key().as_str() {
            "Enter" => {
                ev.prevent_default();
                if results.get_untracked() == Results::Searching {
                    enter_pending.set_value(true);
                } else if let Some(hit) = hits.get(highlighted.get_untracked()).or(hits.first()) {
                    choose(hit.clone());
                }
            }
            "ArrowDown" if !hits.is_empty() => {
                ev.prevent_default();
                highlighted.update(|i| *i = (*i + 1).min(hits.len() - 1));
            }
            "ArrowUp" => {
                ev.prevent_default();
                highlighted.update(|i| *i = i.saturating_sub(1));
            }
            "Escape" => {
                enter_pending.set_value(false);
                query.set(String::new());
                run_search(String::new());
            }
            _ => {}
        }
    };

    let list = move || match results.get() {
        Results::Idle => ().into_any(),
        Results::Searching => {
            view! { <div class="search-status">{move || t(Msg::SearchSearching)}</div> }.into_any()
        }
        Results::Found(hits) if hits.is_empty() => {
            view! { <div class="search-status">{move || t(Msg::SearchNoResults)}</div> }.into_any()
        }
        Results::Found(hits) => {
            let count = hits.len();
            view! {
                <div class="search-status">{move || result_count(lang.get(), count)}</div>
                <ul class="search-results" data-testid="search-results" role="listbox">
                    {hits
                        .into_iter()
                        .enumerate()
                        .map(|(i, hit)| {
                            let chosen = hit.clone();
                            let level = hit.level;
                            let name = (hit.name.clone(), hit.name_en.clone());
                            let parent = (
                                hit.parent_name.clone().unwrap_or_default(),
                                hit.parent_name_en.clone().or_else(|| hit.parent_name.clone()).unwrap_or_default(),
                            );
                            view! {
                                <li class="search-hit" role="option" data-code=hit.code.clone()
                                    class:highlighted=move || highlighted.get() == i
                                    on:click=move |_| choose(chosen.clone())>
                                    <span class=format!("level-tag level-{}", level.as_str())>
                                        {move || t(level.label())}
                                    </span>
                                    <span class="hit-name">
                                        {move || lang.get().pick(&name.0, &name.1).to_owned()}
                                    </span>
                                    <span class="hit-parent">
                                        {move || lang.get().pick(&parent.0, &parent.1).to_owned()}
                                    </span>
                                    <span class="hit-code mono">{hit.code.clone()}</span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any()
        }
    };

    view! {
        <div class="search">
            <label class="visually-hidden" for="grid-search">{move || t(Msg::SearchLabel)}</label>
            <input id="grid-search" class="search-input" data-testid="search-input" type="search"
                autocomplete="off" spellcheck="false"
                placeholder=move || t(Msg::SearchPlaceholder)
                prop:value=move || query.get()
                on:input=move |ev| {
                    let q = event_target_value(&ev);
                    query.set(q.clone());
                    run_search(q);
                }
                on:keydown=on_keydown/>
            {list}
        </div>
    }
}
