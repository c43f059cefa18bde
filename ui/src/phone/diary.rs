//! 民情日记 on the worker's phone: the rounds they wrote down (newest first, each concern one
//! tap from a proactive ticket they then follow) and a short form for the next one — the unit
//! chosen among those they answer for (包户), the households met, what people raised and what
//! follows.

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::diary::{DiaryEntryView, DiaryInput, DiaryList, DiaryQuery, WardList};
use binhe_api::tickets::CatalogueView;
use binhe_core::diary::DiaryKind;

use super::Page;
use crate::api::texts::Named;
use crate::api::{self, ApiError, diary};
use crate::app::AppState;
use crate::i18n::{self, Lang, Msg};
use crate::tickets::time::date_time;

#[component]
pub(super) fn PhoneDiary(page: RwSignal<Page>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let revision = RwSignal::new(0_u32);
    let entries = RwSignal::new(None::<Result<DiaryList, ApiError>>);
    let wards = LocalResource::new(|| async { diary::wards(&DiaryQuery::default()).await });
    let catalogue = LocalResource::new(api::tickets::catalogue);
    Effect::new(move || {
        revision.track();
        spawn_local(async move {
            entries.set(Some(diary::list(&DiaryQuery::default()).await));
        });
    });

    // The form.
    let unit = RwSignal::new(String::new());
    let kind = RwSignal::new(DiaryKind::Visit);
    let households = RwSignal::new(String::from("1"));
    let concerns = RwSignal::new(String::new());
    let follow_up = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let units = move || {
        wards.get().and_then(Result::ok).map(|w: WardList| {
            w.wards
                .into_iter()
                .map(|w| {
                    let label = format!(
                        "{} · {}",
                        w.unit.name,
                        i18n::households(lang.get(), w.households)
                    );
                    view! { <option value=w.unit.code.to_string()>{label}</option> }
                })
                .collect_view()
        })
    };
    let submit = move |_| {
        let Ok(count) = households.get_untracked().trim().parse::<u32>() else {
            error.set(Some(ApiError::client(
                "NOT_A_NUMBER",
                Msg::DiaryBadHouseholds.text(Lang::Zh).to_owned(),
                Msg::DiaryBadHouseholds.text(Lang::En).to_owned(),
            )));
            return;
        };
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let input = DiaryInput {
            unit: Some(text(unit)).filter(|u| !u.is_empty()),
            kind: Some(kind.get_untracked()),
            households: count,
            concerns: text(concerns),
            follow_up: text(follow_up),
            category: Some(text(category)).filter(|c| !c.is_empty()),
            ..DiaryInput::default()
        };
        sending.set(true);
        spawn_local(async move {
            match diary::create(&input).await {
                Ok(_) => {
                    error.set(None);
                    concerns.set(String::new());
                    follow_up.set(String::new());
                    category.set(String::new());
                    revision.update(|r| *r += 1);
                }
                Err(e) => error.set(Some(e)),
            }
            sending.set(false);
        });
    };
    let list = move || {
        match entries.get() {
        None => view! { <p class="m-status">{t(Msg::DiaryLoading)}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="m-status m-error" role="alert">{e.message(lang.get()).to_owned()}</p> }.into_any(),
        Some(Ok(l)) if l.entries.is_empty() => {
            view! { <p class="m-status" data-testid="m-diary-empty">{t(Msg::PhoneDiaryEmpty)}</p> }.into_any()
        }
        Some(Ok(l)) => l
            .entries
            .into_iter()
            .map(|e| view! { <PhoneDiaryEntry entry=e page catalogue/> })
            .collect_view()
            .into_any(),
    }
    };
    view! {
        <h1 class="m-h1">{move || t(Msg::KpiTabDiary)}</h1>
        <section class="m-form" data-testid="m-diary-form">
            <label class="m-label">{move || t(Msg::DiaryUnit)}
                <select class="m-input" data-testid="m-diary-unit" on:change=move |ev| unit.set(event_target_value(&ev))>
                    <option value="">{move || t(Msg::PhoneDiaryWholeGrid)}</option>
                    {units}
                </select>
            </label>
            <label class="m-label">{move || t(Msg::DiaryKindLabel)}
                <select class="m-input" data-testid="m-diary-kind" on:change=move |ev| {
                    if let Some(k) = DiaryKind::from_code(&event_target_value(&ev)) {
                        kind.set(k);
                    }
                }>
                    {DiaryKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str()>{move || k.name(lang.get())}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="m-label">{move || t(Msg::DiaryHouseholds)}
                <input type="number" min="0" inputmode="numeric" class="m-input" data-testid="m-diary-households"
                    prop:value=move || households.get() on:input=move |ev| households.set(event_target_value(&ev))/>
            </label>
            <label class="m-label">{move || t(Msg::DiaryConcerns)}
                <textarea class="m-input" rows="3" data-testid="m-diary-concerns"
                    prop:value=move || concerns.get() on:input=move |ev| concerns.set(event_target_value(&ev))></textarea>
            </label>
            <label class="m-label">{move || t(Msg::DiaryFollowUp)}
                <input type="text" class="m-input" data-testid="m-diary-follow-up"
                    prop:value=move || follow_up.get() on:input=move |ev| follow_up.set(event_target_value(&ev))/>
            </label>
            <label class="m-label">{move || t(Msg::IntakeCategory)}
                <select class="m-input" data-testid="m-diary-category" on:change=move |ev| category.set(event_target_value(&ev))>
                    <option value="" selected=move || category.get().is_empty()>{move || t(Msg::DiaryNoCategory)}</option>
                    {category_options(catalogue, category)}
                </select>
            </label>
            <button type="button" class="m-btn m-wide primary" data-testid="m-diary-save"
                disabled=move || sending.get() || concerns.with(|c| c.trim().is_empty())
                on:click=submit>{move || t(Msg::DiarySave)}</button>
            {move || error.get().map(|e| view! {
                <p class="m-error" role="alert" data-testid="m-error" data-error-code=e.code.clone()>{e.message(lang.get()).to_owned()}</p>
            })}
        </section>
        <ul class="m-list" data-testid="m-diary">{list}</ul>
    }
}

type Catalogue = LocalResource<Result<CatalogueView, ApiError>>;

/// The catalogue's categories as options, `selected` chosen.
fn category_options(catalogue: Catalogue, selected: RwSignal<String>) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    move || {
        catalogue.get().and_then(Result::ok).map(|c| {
            c.categories
                .into_iter()
                .map(|c| {
                    let name = lang.get().pick(&c.name_zh, &c.name_en).to_owned();
                    let is = c.code.clone();
                    view! { <option value=c.code.clone() selected=move || selected.get() == is>{name}</option> }
                })
                .collect_view()
        })
    }
}

/// One entry of the worker's own diary, with its ticket or the tap that makes one.
#[component]
fn PhoneDiaryEntry(
    entry: DiaryEntryView,
    page: RwSignal<Page>,
    catalogue: Catalogue,
) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let t = move |m: Msg| m.text(lang.get());
    let id = entry.id;
    let ticket = RwSignal::new(entry.ticket);
    let category = RwSignal::new(entry.category.clone().unwrap_or_default());
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let turn = move |_| {
        sending.set(true);
        let chosen = Some(category.get_untracked()).filter(|c| !c.is_empty());
        spawn_local(async move {
            match diary::to_ticket(id, chosen).await {
                Ok(made) => {
                    error.set(None);
                    ticket.set(Some(made.ticket.id));
                }
                Err(e) => error.set(Some(e)),
            }
            sending.set(false);
        });
    };
    let place = entry
        .unit
        .as_ref()
        .map_or_else(|| entry.micro.name.clone(), |u| u.name.clone());
    let households = entry.households;
    let kind = entry.kind;
    let raised = !binhe_core::diary::nothing_raised(&entry.concerns);
    view! {
        <li class="m-row" data-testid="m-diary-entry" data-id=id.to_string()>
            <p class="m-meta">{date_time(entry.visited_at)}" · "{move || kind.name(lang.get())}" · "
                {move || i18n::households(lang.get(), households)}</p>
            <p class="m-meta">{place}</p>
            <p>{entry.concerns.clone()}</p>
            {move || match ticket.get() {
                Some(id) => view! {
                    <button type="button" class="m-btn" data-testid="m-diary-ticket"
                        on:click=move |_| page.set(Page::Ticket(id))>{format!("{} #{id}", t(Msg::DiaryTicket))}</button>
                }
                .into_any(),
                None if !raised => ().into_any(),
                None => view! {
                    <select class="m-input" data-testid="m-diary-entry-category" on:change=move |ev| category.set(event_target_value(&ev))>
                        <option value="" selected=move || category.get().is_empty()>{move || t(Msg::DiaryChooseCategory)}</option>
                        {category_options(catalogue, category)}
                    </select>
                    <button type="button" class="m-btn" data-testid="m-diary-to-ticket" disabled=move || sending.get()
                        on:click=turn>{move || t(Msg::DiaryToTicket)}</button>
                }
                .into_any(),
            }}
            {move || error.get().map(|e| view! {
                <p class="m-error" role="alert" data-error-code=e.code.clone()>{e.message(lang.get()).to_owned()}</p>
            })}
        </li>
    }
}
