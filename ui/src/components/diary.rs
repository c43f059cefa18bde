//! 民情日记 and 包户: the board's tab of grid workers' diary entries in the scope (newest visit
//! first: who, where, households met, what people raised, what follows), each concern one click
//! from a proactive ticket; a form to write an entry down for a worker (the map's selected
//! micro-grid filled in); and the units of the selected micro-grid with the worker who answers
//! for each, which the desk and the commander can change.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::diary::{
    DiaryEntryView, DiaryInput, DiaryList, DiaryQuery, WardInput, WardList, WardsInput,
};
use binhe_core::GridLevel;
use binhe_core::access::Role;
use binhe_core::diary::DiaryKind;

use super::dashboard::Board;
use crate::api::texts::Named;
use crate::api::{ApiError, diary as api};
use crate::app::AppState;
use crate::components::ErrorText;
use crate::components::form::{
    FieldProblems, category_options, column_key, field_key, problems_under, sort_problems,
};
use crate::i18n::{self, Msg};
use crate::tickets::Desk;
use crate::tickets::time::date_time;

/// The fields the diary form shows problems under.
const FORM_FIELDS: [&str; 8] = [
    "worker",
    "micro",
    "unit",
    "households",
    "concerns",
    "follow_up",
    "category",
    "visited_at",
];
/// The columns of the ward table.
const WARD_COLUMNS: [&str; 3] = ["unit", "worker", "households"];

/// The micro-grid the map has selected (a unit's micro-grid for a unit), if any.
fn selected_micro(state: &AppState) -> Option<String> {
    let code = state.selected.get()?;
    let index = state.index.get()?;
    let grid = index.get(&code)?;
    match grid.level {
        GridLevel::Micro => Some(code),
        GridLevel::Unit => grid.parent.clone(),
        _ => None,
    }
}

#[component]
pub fn DiaryPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let list = RwSignal::new(None::<Result<DiaryList, ApiError>>);
    let wards = RwSignal::new(None::<Result<WardList, ApiError>>);
    let revision = RwSignal::new(0_u32);
    let writing = RwSignal::new(false);
    let only_selected = RwSignal::new(false);
    let micro = Memo::new(move |_| selected_micro(&state));

    Effect::new(move || {
        revision.track();
        let query = DiaryQuery {
            community: board.community.get(),
            micro: only_selected.get().then(|| micro.get()).flatten(),
            ..DiaryQuery::default()
        };
        spawn_local(async move {
            let (entries, covered) = (api::list(&query).await, api::wards(&query).await);
            if entries.as_ref().is_err_and(ApiError::is_signed_out) {
                return;
            }
            list.set(Some(entries));
            wards.set(Some(covered));
        });
    });

    let summary = move || {
        let lang = lang.get();
        let diary = list.with(|l| match l {
            Some(Ok(l)) => i18n::diary_summary(
                lang,
                &l.total.to_string(),
                &l.households.to_string(),
                &l.tickets.to_string(),
            ),
            _ => String::new(),
        });
        let covered = wards.with(|w| match w {
            Some(Ok(w)) => i18n::wards_summary(
                lang,
                w.units - w.unassigned,
                w.units,
                &w.households.to_string(),
            ),
            _ => String::new(),
        });
        format!("{diary} · {covered}")
    };
    let saved = Callback::new(move |()| {
        writing.set(false);
        revision.update(|r| *r += 1);
    });

    view! {
        <div class="diary" data-testid="diary">
            <div class="proactive-head">
                <span class="proactive-info" data-testid="diary-summary">{summary}</span>
                <Show when=move || micro.get().is_some()>
                    <label class="check">
                        <input type="checkbox" data-testid="diary-only-selected" prop:checked=move || only_selected.get()
                            on:change=move |ev| only_selected.set(event_target_checked(&ev))/>
                        {move || t(Msg::DiaryOnlySelected)}
                    </label>
                </Show>
                <button type="button" class="btn small primary" data-testid="diary-new"
                    on:click=move |_| writing.set(true)>{move || t(Msg::DiaryNew)}</button>
            </div>
            <div class="projects-body">
                <section class="project-list" data-testid="diary-list">
                    {move || list.with(|l| match l {
                        None => view! { <p class="muted">{t(Msg::DiaryLoading)}</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="error"><ErrorText error=e.clone()/></p> }.into_any(),
                        Some(Ok(l)) if l.entries.is_empty() => view! {
                            <p class="muted" data-testid="diary-none">{t(Msg::DiaryNone)}</p>
                        }.into_any(),
                        Some(Ok(l)) => l
                            .entries
                            .iter()
                            .map(|e| view! { <DiaryCard entry=e.clone() changed=revision/> })
                            .collect_view()
                            .into_any(),
                    })}
                </section>
                <div class="diary-side">
                    <Show when=move || writing.get()>
                        <DiaryForm saved cancel=Callback::new(move |()| writing.set(false))/>
                    </Show>
                    <WardTable micro changed=revision/>
                </div>
            </div>
        </div>
    }
}

/// One entry: when, who, where, what; its ticket, or the button that makes one.
#[component]
fn DiaryCard(entry: DiaryEntryView, changed: RwSignal<u32>) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let desk = expect_context::<Desk>();
    let t = move |m: Msg| m.text(lang.get());
    let id = entry.id;
    let category = RwSignal::new(entry.category.clone().unwrap_or_default());
    let ticket = RwSignal::new(entry.ticket);
    let busy = RwSignal::new(false);
    let problems = FieldProblems::new(HashMap::new());
    let failure = RwSignal::new(None::<ApiError>);
    let turn = move |_| {
        busy.set(true);
        problems.set(HashMap::new());
        failure.set(None);
        let chosen = Some(category.get_untracked()).filter(|c| !c.is_empty());
        spawn_local(async move {
            match api::to_ticket(id, chosen).await {
                Ok(made) => {
                    ticket.set(Some(made.ticket.id));
                    desk.revision.update(|r| *r += 1);
                    changed.update(|r| *r += 1);
                }
                Err(e) => {
                    let (fields, alone) = sort_problems(e, field_key, |k| k == "category");
                    problems.set(fields);
                    failure.set(alone);
                }
            }
            busy.set(false);
        });
    };
    let place = entry
        .unit
        .as_ref()
        .map_or_else(|| entry.micro.name.clone(), |u| u.name.clone());
    let kind = entry.kind;
    let households = entry.households;
    let raised = !binhe_core::diary::nothing_raised(&entry.concerns);
    let follow_up = (!entry.follow_up.is_empty()).then(|| entry.follow_up.clone());
    view! {
        <article class="project diary-entry" data-testid="diary-entry" data-id=id.to_string()>
            <header>
                <b class="project-title">{entry.worker_name.clone()}</b>
                <span class="tag" data-kind=kind.as_str()>{move || kind.name(lang.get())}</span>
                <span class="muted small">{date_time(entry.visited_at)}</span>
            </header>
            <p class="muted small">
                {place}" · "{entry.community.name.clone()}" · "
                <span data-field="households">{move || i18n::households(lang.get(), households)}</span>
            </p>
            <p class="project-goal" data-field="concerns">{entry.concerns.clone()}</p>
            {follow_up.map(|f| view! { <p class="muted small">{move || t(Msg::DiaryFollowUp)}"："{f.clone()}</p> })}
            <div class="hotspot-actions">
                {move || match ticket.get() {
                    Some(ticket) => view! {
                        <button type="button" class="link mono" data-testid="diary-ticket-open"
                            on:click=move |_| desk.open(ticket)>{format!("{} #{ticket}", t(Msg::DiaryTicket))}</button>
                    }
                    .into_any(),
                    None if !raised => ().into_any(),
                    None => view! {
                        <select data-input="diary-category" aria-label=move || t(Msg::ProjectCategory)
                            on:change=move |ev| category.set(event_target_value(&ev))>
                            {category_options(category, Some(Msg::DiaryChooseCategory))}
                        </select>
                        <button type="button" class="btn small" data-testid="diary-to-ticket"
                            disabled=move || busy.get() on:click=turn>{move || t(Msg::DiaryToTicket)}</button>
                        {problems_under(problems, "category")}
                    }
                    .into_any(),
                }}
                {move || failure.get().map(|e| view! { <span class="action-error" role="alert"><ErrorText error=e/></span> })}
            </div>
        </article>
    }
}

/// The form to write an entry down for a worker.
#[component]
fn DiaryForm(saved: Callback<()>, cancel: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let worker = RwSignal::new(String::new());
    let micro = RwSignal::new(selected_micro(&state).unwrap_or_default());
    let unit = RwSignal::new(String::new());
    let kind = RwSignal::new(DiaryKind::Visit);
    let households = RwSignal::new(String::from("1"));
    let concerns = RwSignal::new(String::new());
    let follow_up = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let problems = FieldProblems::new(HashMap::new());
    let failure = RwSignal::new(None::<ApiError>);
    // The workers of the grid the map shows, to choose from.
    let workers = move || {
        state.detail.with(|d| match d {
            Some(Ok(d)) => d
                .workers
                .iter()
                .map(|w| view! { <option value=w.id.clone()>{format!("{} {}", w.name, w.role)}</option> })
                .collect_view()
                .into_any(),
            _ => ().into_any(),
        })
    };
    let submit = move |_| {
        problems.set(HashMap::new());
        failure.set(None);
        let Ok(count) = households.get_untracked().trim().parse::<u32>() else {
            failure.set(Some(ApiError::client(
                "NOT_A_NUMBER",
                Msg::DiaryBadHouseholds.text(i18n::Lang::Zh).to_owned(),
                Msg::DiaryBadHouseholds.text(i18n::Lang::En).to_owned(),
            )));
            return;
        };
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let input = DiaryInput {
            worker: Some(text(worker)).filter(|w| !w.is_empty()),
            micro: text(micro),
            unit: Some(text(unit)).filter(|u| !u.is_empty()),
            kind: Some(kind.get_untracked()),
            visited_at: None,
            households: count,
            concerns: text(concerns),
            follow_up: text(follow_up),
            category: Some(text(category)).filter(|c| !c.is_empty()),
        };
        busy.set(true);
        spawn_local(async move {
            let answer = api::create(&input).await;
            busy.set(false);
            match answer {
                Ok(_) => saved.run(()),
                Err(e) => {
                    let (fields, alone) = sort_problems(e, field_key, |k| FORM_FIELDS.contains(&k));
                    problems.set(fields);
                    failure.set(alone);
                }
            }
        });
    };
    let text_field = move |key: &'static str, label: Msg, signal: RwSignal<String>| {
        view! {
            <label class="form-field">
                <span class="form-label">{move || t(label)}</span>
                <input type="text" data-input=key prop:value=move || signal.get()
                    on:input=move |ev| signal.set(event_target_value(&ev))/>
                {problems_under(problems, key)}
            </label>
        }
    };
    view! {
        <section class="project-form" data-testid="diary-form">
            <h3>{move || t(Msg::DiaryNew)}</h3>
            <form on:submit=move |ev| ev.prevent_default()>
                <label class="form-field">
                    <span class="form-label required">{move || t(Msg::DiaryWorker)}</span>
                    <input type="text" data-input="worker" list="diary-workers" prop:value=move || worker.get()
                        placeholder=move || t(Msg::DiaryWorkerHint)
                        on:input=move |ev| worker.set(event_target_value(&ev))/>
                    <datalist id="diary-workers">{workers}</datalist>
                    {problems_under(problems, "worker")}
                </label>
                <div class="form-pair">
                    {text_field("micro", Msg::DiaryMicro, micro)}
                    {text_field("unit", Msg::DiaryUnit, unit)}
                </div>
                <div class="form-pair">
                    <label class="form-field">
                        <span class="form-label">{move || t(Msg::DiaryKindLabel)}</span>
                        <select data-input="kind" on:change=move |ev| {
                            if let Some(k) = DiaryKind::from_code(&event_target_value(&ev)) {
                                kind.set(k);
                            }
                        }>
                            {DiaryKind::ALL.into_iter().map(|k| view! {
                                <option value=k.as_str() selected=move || kind.get() == k>{move || k.name(lang.get())}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="form-field">
                        <span class="form-label">{move || t(Msg::DiaryHouseholds)}</span>
                        <input type="number" min="0" data-input="households" prop:value=move || households.get()
                            on:input=move |ev| households.set(event_target_value(&ev))/>
                        {problems_under(problems, "households")}
                    </label>
                </div>
                <label class="form-field">
                    <span class="form-label required">{move || t(Msg::DiaryConcerns)}</span>
                    <textarea rows="3" data-input="concerns" prop:value=move || concerns.get()
                        on:input=move |ev| concerns.set(event_target_value(&ev))></textarea>
                    {problems_under(problems, "concerns")}
                </label>
                {text_field("follow_up", Msg::DiaryFollowUp, follow_up)}
                <label class="form-field">
                    <span class="form-label">{move || t(Msg::ProjectCategory)}</span>
                    <select data-input="category" on:change=move |ev| category.set(event_target_value(&ev))>
                        {category_options(category, Some(Msg::DiaryNoCategory))}
                    </select>
                    {problems_under(problems, "category")}
                </label>
                {problems_under(problems, "visited_at")}
                {move || failure.get().map(|e| view! { <p class="action-error" role="alert"><ErrorText error=e/></p> })}
                <div class="form-buttons">
                    <button type="button" class="btn primary" data-testid="diary-save"
                        disabled=move || busy.get() on:click=submit>{move || t(Msg::DiarySave)}</button>
                    <button type="button" class="btn quiet" on:click=move |_| cancel.run(())>{move || t(Msg::Cancel)}</button>
                </div>
            </form>
        </section>
    }
}

/// 包户 of the selected micro-grid: each unit, who answers for it and its households; the desk
/// and the commander change them and save all at once.
#[component]
fn WardTable(micro: Memo<Option<String>>, changed: RwSignal<u32>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let may_change = move || {
        state.session.with(|s| {
            s.as_ref()
                .is_none_or(|s| matches!(s.account.role, Role::Dispatcher | Role::Commander))
        })
    };
    // (unit code, unit name, worker id, households) as shown and edited.
    let rows = RwSignal::new(Vec::<(String, String, String, String)>::new());
    // The units that had a worker when loaded: emptied, they are taken off.
    let held_units = RwSignal::new(Vec::<String>::new());
    let problems = FieldProblems::new(HashMap::new());
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let saved_note = RwSignal::new(false);

    Effect::new(move || {
        changed.track();
        let Some(code) = micro.get() else {
            rows.set(Vec::new());
            return;
        };
        let Some(index) = state.index.get() else {
            return;
        };
        let units: Vec<(String, String)> = index
            .children(&code)
            .into_iter()
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect();
        let query = DiaryQuery {
            micro: Some(code),
            ..DiaryQuery::default()
        };
        spawn_local(async move {
            let held = api::wards(&query)
                .await
                .map(|w| w.wards)
                .unwrap_or_default();
            rows.set(
                units
                    .into_iter()
                    .map(|(unit, name)| {
                        let ward = held.iter().find(|w| w.unit.code.as_str() == unit);
                        let name = ward.map_or(name, |w| w.unit.name.clone());
                        (
                            unit,
                            name,
                            ward.map(|w| w.worker.clone()).unwrap_or_default(),
                            ward.map(|w| w.households.to_string()).unwrap_or_default(),
                        )
                    })
                    .collect(),
            );
        });
    });

    let save = move |_| {
        problems.set(HashMap::new());
        failure.set(None);
        saved_note.set(false);
        let all = rows.get_untracked();
        let emptied: Vec<String> = held_units.with_untracked(|held| {
            all.iter()
                .filter(|(unit, _, worker, _)| worker.trim().is_empty() && held.contains(unit))
                .map(|(unit, ..)| unit.clone())
                .collect()
        });
        let wards: Vec<WardInput> = all
            .into_iter()
            .filter(|(_, _, worker, _)| !worker.trim().is_empty())
            .map(|(unit, _, worker, households)| WardInput {
                unit,
                worker: worker.trim().to_owned(),
                households: households.trim().parse().unwrap_or(0),
            })
            .collect();
        busy.set(true);
        spawn_local(async move {
            for unit in &emptied {
                if let Err(e) = api::clear_ward(unit).await {
                    failure.set(Some(e));
                    busy.set(false);
                    return;
                }
            }
            let answer = if wards.is_empty() {
                Ok(None)
            } else {
                api::set_wards(&WardsInput { wards }).await.map(Some)
            };
            match answer {
                Ok(_) => {
                    saved_note.set(true);
                    changed.update(|r| *r += 1);
                }
                Err(e) => {
                    let (fields, alone) =
                        sort_problems(e, column_key, |k| WARD_COLUMNS.contains(&k));
                    problems.set(fields);
                    failure.set(alone);
                }
            }
            busy.set(false);
        });
    };
    // The workers of the selected grid's card, and the row's own if it is not among them.
    let worker_choices = move |current: &str| {
        let mut choices: Vec<(String, String)> = state.detail.with_untracked(|d| match d {
            Some(Ok(d)) => d
                .workers
                .iter()
                .map(|w| (w.id.clone(), format!("{} · {}", w.name, w.role)))
                .collect(),
            _ => Vec::new(),
        });
        if !current.is_empty() && choices.iter().all(|(id, _)| id != current) {
            choices.push((current.to_owned(), current.to_owned()));
        }
        choices
    };
    let set = move |i: usize, part: usize, value: String| {
        rows.update(|all| {
            if let Some(row) = all.get_mut(i) {
                if part == 2 {
                    row.2 = value;
                } else {
                    row.3 = value;
                }
            }
        });
    };

    view! {
        <section class="ward-table" data-testid="wards">
            <h3>{move || t(Msg::WardTitle)}</h3>
            {move || match micro.get() {
                None => view! { <p class="muted">{t(Msg::WardPickMicro)}</p> }.into_any(),
                Some(code) => {
                    let name = state
                        .index
                        .with(|i| i.as_ref().and_then(|i| i.name(&code)).map(|[zh, _]| zh))
                        .unwrap_or(code);
                    view! {
                        <p class="muted small" data-testid="wards-micro">{name}</p>
                        <table class="table">
                            <thead><tr>
                                <th>{t(Msg::DiaryUnit)}</th>
                                <th>{t(Msg::TicketWard)}</th>
                                <th>{t(Msg::WardHouseholds)}</th>
                            </tr></thead>
                            <tbody>
                                {rows.get().into_iter().enumerate().map(|(i, (unit, name, worker, households))| view! {
                                    <tr data-testid="ward-row" data-unit=unit>
                                        <td>{name}</td>
                                        <td><select data-input="ward-worker" disabled=move || !may_change()
                                            on:change=move |ev| set(i, 2, event_target_value(&ev))>
                                            <option value="" selected=worker.is_empty()>{t(Msg::WardNobody)}</option>
                                            {worker_choices(&worker).into_iter().map(|(id, label)| {
                                                let chosen = id == worker;
                                                view! { <option value=id selected=chosen>{label}</option> }
                                            }).collect_view()}
                                        </select></td>
                                        <td><input type="number" min="0" data-input="ward-households" prop:value=households
                                            disabled=move || !may_change()
                                            on:change=move |ev| set(i, 3, event_target_value(&ev))/></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any()
                }
            }}
            {problems_under(problems, "unit")}
            {problems_under(problems, "worker")}
            {problems_under(problems, "households")}
            {move || failure.get().map(|e| view! { <p class="action-error" role="alert"><ErrorText error=e/></p> })}
            <Show when=move || micro.get().is_some() && may_change()>
                <div class="form-buttons">
                    <button type="button" class="btn small primary" data-testid="wards-save"
                        disabled=move || busy.get() on:click=save>{move || t(Msg::WardSave)}</button>
                    <Show when=move || saved_note.get()>
                        <span class="muted small" data-testid="wards-saved">{move || t(Msg::WardSaved)}</span>
                    </Show>
                </div>
            </Show>
        </section>
    }
}
