//! Grid search by name or code: the side panel's box (flies to the chosen grid) and the
//! dispatch grid chooser use the same field.

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::grids::SearchHit;
use binhe_core::GridLevel;

use crate::api;
use crate::api::texts::Named;
use crate::app::{AppState, Fly};
use crate::i18n::{Msg, result_count};

/// Results of the latest query (older answers that arrive late are dropped).
#[derive(Clone, Debug, PartialEq)]
enum Results {
    Idle,
    Searching,
    Found(Vec<SearchHit>),
}

/// The side panel's search: the chosen grid is selected and the map flies to it.
#[component]
pub fn SearchBox() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="search">
            <GridSearch id="grid-search" testid="search" label=Msg::SearchLabel
                on_choose=Callback::new(move |hit: SearchHit| state.select(hit.code.to_string(), Fly::To(hit.bbox)))/>
        </div>
    }
}

/// A search field with its hit list: arrow keys move through the hits, Enter takes the
/// highlighted one (or the first, once the answer is in), Escape clears. Only hits whose level
/// `accept`s are listed.
#[component]
pub fn GridSearch(
    /// `id` of the input.
    id: &'static str,
    /// Prefix of the test ids: `{testid}-input`, `{testid}-results`.
    testid: &'static str,
    label: Msg,
    on_choose: Callback<SearchHit>,
    #[prop(default = |_| true)] accept: fn(GridLevel) -> bool,
    /// Focus the field when its dialog opens.
    #[prop(optional)]
    autofocus: bool,
) -> impl IntoView {
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
        on_choose.run(hit);
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
                Ok(mut hits) => {
                    hits.retain(|h| accept(h.level));
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
            "Escape" if !query.get_untracked().is_empty() => {
                // Clearing is all Escape does here; an empty field lets it close a dialog.
                ev.prevent_default();
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
                <ul class="search-results" data-testid=format!("{testid}-results") role="listbox">
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
                                <li class="search-hit" role="option" data-code=hit.code.to_string()
                                    class:highlighted=move || highlighted.get() == i
                                    on:click=move |_| choose(chosen.clone())>
                                    <span class=format!("level-tag level-{}", level.as_str())>
                                        {move || level.short(lang.get())}
                                    </span>
                                    <span class="hit-name">
                                        {move || lang.get().pick(&name.0, &name.1).to_owned()}
                                    </span>
                                    <span class="hit-parent">
                                        {move || lang.get().pick(&parent.0, &parent.1).to_owned()}
                                    </span>
                                    <span class="hit-code mono">{hit.code.to_string()}</span>
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
        <label class="visually-hidden" for=id>{move || t(label)}</label>
        <input id=id class="search-input" data-testid=format!("{testid}-input") type="search"
            autofocus=autofocus autocomplete="off" spellcheck="false"
            placeholder=move || t(Msg::SearchPlaceholder)
            prop:value=move || query.get()
            on:input=move |ev| {
                let q = event_target_value(&ev);
                query.set(q.clone());
                run_search(q);
            }
            on:keydown=on_keydown/>
        {list}
    }
}
