//! The card of the selected grid: code, name, level, parent, area, population, workers.

use leptos::prelude::*;

use binhe_api::grids::GridDetail;
use binhe_core::WorkerKind;

use crate::api::texts::Named;
use crate::app::{AppState, Fly};
use crate::components::{CloseButton, ErrorText};
use crate::format::{area, thousands};
use crate::i18n::Msg;

#[component]
pub fn GridCard() -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());

    let body = move || match state.detail.get() {
        None => view! { <div class="card-status">{move || t(Msg::CardLoading)}</div> }.into_any(),
        Some(Err(e)) => {
            let code = e.code.clone();
            view! {
                <div class="card-status card-error" data-error-code=code>
                    {move || t(Msg::ErrorLoadGrid)}"："<ErrorText error=e/>
                </div>
            }
            .into_any()
        }
        Some(Ok(detail)) => card_body(state, &detail).into_any(),
    };

    view! {
        <Show when=move || state.selected.with(Option::is_some)>
            <section class="card" data-testid="grid-card" aria-live="polite">
                <CloseButton testid="card-close" on_close=Callback::new(move |()| state.close_card())/>
                {body}
            </section>
        </Show>
    }
}

fn card_body(state: AppState, d: &GridDetail) -> impl IntoView {
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let names = (d.name.clone(), d.name_en.clone());
    let name = move || lang.get().pick(&names.0, &names.1).to_owned();
    let level = d.level;
    let area_m2 = d.area_m2;
    let kind = d.kind;
    let parent = match d.parent.clone() {
        Some(p) => {
            let code = p.code.to_string();
            view! {
                <button type="button" class="link parent-link" data-code=p.code.to_string()
                    on:click=move |_| state.select(code.clone(), Fly::ToDetail)>
                    {move || lang.get().pick(&p.name, &p.name_en).to_owned()}
                </button>
            }
            .into_any()
        }
        None => view! { <span class="muted">"—"</span> }.into_any(),
    };
    let workers = if d.workers.is_empty() {
        view! { <p class="muted">{move || t(Msg::CardNoWorkers)}</p> }.into_any()
    } else {
        let rows = d
            .workers
            .iter()
            .map(|w| {
                let kind = w.kind;
                let role = (w.role.clone(), w.role_en.clone());
                view! {
                    <li class="worker">
                        <span class="worker-name">{w.name.clone()}</span>
                        <span class="worker-kind" class:full-time=kind == WorkerKind::FullTime>
                            {move || kind.short(lang.get())}
                        </span>
                        <span class="worker-role">{move || lang.get().pick(&role.0, &role.1).to_owned()}</span>
                        <span class="worker-phone mono">{w.phone.clone()}</span>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="workers" data-field="workers">{rows}</ul> }.into_any()
    };

    view! {
        <header class="card-head">
            <span class=format!("level-tag level-{}", level.as_str())>{move || level.short(lang.get())}</span>
            <h2 class="card-title" data-field="title">{name.clone()}</h2>
            {d.synthetic.then(|| view! { <span class="badge-synthetic small">{move || t(Msg::CardSynthetic)}</span> })}
        </header>
        <dl class="card-fields">
            <dt>{move || t(Msg::CardCode)}</dt>
            <dd class="mono code" data-field="code">{d.code.to_string()}</dd>
            <dt>{move || t(Msg::CardName)}</dt>
            <dd data-field="name">{name}</dd>
            <dt>{move || t(Msg::CardLevel)}</dt>
            <dd data-field="level">{move || level.short(lang.get())}</dd>
            {kind.map(|k| view! { <dt>{move || t(Msg::CardKind)}</dt><dd data-field="kind">{move || k.name(lang.get())}</dd> })}
            <dt>{move || t(Msg::CardParent)}</dt>
            <dd data-field="parent">{parent}</dd>
            <dt>{move || t(Msg::CardArea)}</dt>
            <dd data-field="area">{move || area(lang.get(), area_m2)}</dd>
            <dt>{move || t(Msg::CardPopulation)}</dt>
            <dd data-field="population">{thousands(u64::from(d.population))}" "<span class="unit">{move || t(Msg::PeopleUnit)}</span></dd>
            <dt>{move || t(Msg::CardChildren)}</dt>
            <dd data-field="children">{d.children_count}</dd>
        </dl>
        <h3 class="card-subtitle">{move || t(Msg::CardWorkers)}" "<span class="count">{d.workers.len()}</span></h3>
        {workers}
    }
}
