//! 新建工单: taking in a request by hand — channel, category, description, location (a point
//! picked on the map, an address or a grid code), reporter and urgency. The server's
//! per-field problems are shown beside the fields.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::tickets::ReportRequest;
use binhe_core::ticket::{Channel, IntakeRequest, Urgency};

use crate::api::ApiError;
use crate::api::texts::{self, Named};
use crate::app::AppState;
use crate::components::form::{FieldProblems, problems_under, sort_problems};
use crate::components::location::LocationField;
use crate::components::{CloseButton, ErrorText};
use crate::i18n::Msg;
use crate::tickets::Desk;
use crate::tickets::actions::is_grid_code;
use crate::tickets::desk::{IntakeDrafts, PickFor};

/// Fields the server may name in a problem about the location.
const LOCATION_FIELDS: [&str; 5] = ["location", "lon", "lat", "address", "grid_code"];
/// Fields the form shows problems beside; the server's summary is shown only for others.
const SHOWN_FIELDS: [&str; 7] = [
    "channel",
    "category",
    "description",
    "location",
    "reporter_name",
    "reporter_phone",
    "external_id",
];

#[derive(Clone, Copy)]
struct Form {
    channel: RwSignal<String>,
    category: RwSignal<String>,
    description: RwSignal<String>,
    place: RwSignal<String>,
    reporter_name: RwSignal<String>,
    reporter_phone: RwSignal<String>,
    external_id: RwSignal<String>,
    urgent: RwSignal<bool>,
    /// Where a drafted ticket came from; not typed.
    source_ref: RwSignal<Option<String>>,
}

impl Form {
    fn request(self, point: Option<[f64; 2]>) -> ReportRequest {
        let text = |s: RwSignal<String>| {
            Some(s.get_untracked().trim().to_owned()).filter(|s| !s.is_empty())
        };
        let place = text(self.place);
        let (grid_code, address) = match place {
            Some(p) if is_grid_code(&p) => (Some(p), None),
            other => (None, other),
        };
        let urgency = if self.urgent.get_untracked() {
            Urgency::Urgent
        } else {
            Urgency::Normal
        };
        ReportRequest {
            request: IntakeRequest {
                channel: Some(self.channel.get_untracked()),
                category: Some(self.category.get_untracked()),
                description: Some(self.description.get_untracked().trim().to_owned()),
                urgency: Some(urgency.as_str().to_owned()),
                external_id: text(self.external_id),
                lon: point.map(|p| p[0]),
                lat: point.map(|p| p[1]),
                address,
                grid_code,
                reporter_name: text(self.reporter_name),
                reporter_phone: text(self.reporter_phone),
                source_ref: self.source_ref.get_untracked(),
                ..IntakeRequest::default()
            },
            snapshot_jpeg: None,
        }
    }
}

#[component]
pub fn IntakeForm() -> impl IntoView {
    let state = expect_context::<AppState>();
    let desk = expect_context::<Desk>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let form = Form {
        channel: RwSignal::new("hotline".to_owned()),
        category: RwSignal::new(String::new()),
        description: RwSignal::new(String::new()),
        place: RwSignal::new(String::new()),
        reporter_name: RwSignal::new(String::new()),
        reporter_phone: RwSignal::new(String::new()),
        external_id: RwSignal::new(String::new()),
        urgent: RwSignal::new(false),
        source_ref: RwSignal::new(None),
    };
    let busy = RwSignal::new(false);
    let problems = FieldProblems::new(HashMap::new());
    let failure = RwSignal::new(None::<ApiError>);
    let drafts = expect_context::<IntakeDrafts>();

    // A draft (a hotspot turned into a proactive ticket) fills the form in.
    Effect::new(move || {
        let Some(draft) = drafts.0.get() else {
            return;
        };
        drafts.0.set(None);
        form.channel.set(draft.channel.as_str().to_owned());
        // A hotspot of all categories together leaves the category to the person.
        if !draft.category.is_empty() {
            form.category.set(draft.category);
        }
        form.description.set(draft.description);
        form.place.set(String::new());
        form.reporter_name.set(String::new());
        form.reporter_phone.set(String::new());
        form.external_id.set(String::new());
        form.urgent.set(false);
        form.source_ref.set(draft.source_ref);
        desk.picked.set(draft.point);
        problems.set(HashMap::new());
        failure.set(None);
    });
    let close = move || {
        form.source_ref.set(None);
        desk.intake_open.set(false);
        desk.pick.set(None);
        desk.picked.set(None);
    };
    let submit = move |_| {
        let request = form.request(desk.picked.get_untracked());
        busy.set(true);
        problems.set(HashMap::new());
        failure.set(None);
        spawn_local(async move {
            let result = desk.report(&request).await;
            busy.set(false);
            match result {
                // Kept in the outbox: taken in once the center answers.
                Err(e) if e.is_queued() => {
                    form.description.set(String::new());
                    form.place.set(String::new());
                    form.external_id.set(String::new());
                    close();
                }
                Ok(created) => {
                    form.description.set(String::new());
                    form.place.set(String::new());
                    form.external_id.set(String::new());
                    close();
                    let duplicate = created.duplicate.map(|d| (d.of, d.merged));
                    desk.created(created.ticket, duplicate, created.existing);
                }
                Err(e) => {
                    let location = |field: &str| {
                        if LOCATION_FIELDS.contains(&field) {
                            "location".to_owned()
                        } else {
                            field.to_owned()
                        }
                    };
                    let (fields, alone) = sort_problems(e, location, |k| SHOWN_FIELDS.contains(&k));
                    problems.set(fields);
                    failure.set(alone);
                }
            }
        });
    };

    let problems_of = move |key: &'static str| problems_under(problems, key);
    let options = move |which: &'static str| {
        move || {
            let lang = lang.get();
            desk.catalogue.get().map(|c| {
                let items: Vec<(String, String)> = if which == "channel" {
                    c.channels.iter().map(|ch| (ch.code.as_str().to_owned(), texts::label(ch, lang).to_owned())).collect()
                } else {
                    c.categories.iter().map(|k| (k.code.clone(), lang.pick(&k.name_zh, &k.name_en).to_owned())).collect()
                };
                let selected = if which == "channel" { form.channel } else { form.category };
                items
                    .into_iter()
                    .map(|(code, label)| {
                        let is = code.clone();
                        view! { <option value=code selected=move || selected.get() == is>{label}</option> }
                    })
                    .collect_view()
            })
        }
    };
    // The first category is the default once the catalogue is in.
    Effect::new(move || {
        if let Some(c) = desk.catalogue.get()
            && form.category.get_untracked().is_empty()
            && let Some(first) = c.categories.first()
        {
            form.category.set(first.code.clone());
        }
    });
    // A field the server requires is marked; 工单编号 only for the channels whose orders carry
    // one (12345 and referrals).
    let text_input = move |key: &'static str,
                           label: Msg,
                           signal: RwSignal<String>,
                           required: Signal<bool>| {
        view! {
            <label class="form-field">
                <span class="form-label" class:required=move || required.get()>{move || t(label)}</span>
                <input type="text" data-input=key prop:value=move || signal.get()
                    on:input=move |ev| signal.set(event_target_value(&ev))/>
                {problems_of(key)}
            </label>
        }
    };

    view! {
        <Show when=move || desk.intake_open.get()>
            <section class="card intake" data-testid="intake-form">
                <CloseButton testid="intake-close" on_close=Callback::new(move |()| close())/>
                <header class="card-head"><h2 class="card-title">{move || t(Msg::IntakeTitle)}</h2></header>
                <form class="intake-form" on:submit=move |ev| ev.prevent_default()>
                    <div class="form-pair">
                        <label class="form-field">
                            <span class="form-label required">{move || t(Msg::IntakeChannel)}</span>
                            <select data-input="channel" on:change=move |ev| form.channel.set(event_target_value(&ev))>
                                {options("channel")}
                            </select>
                            {problems_of("channel")}
                        </label>
                        <label class="form-field">
                            <span class="form-label required">{move || t(Msg::IntakeCategory)}</span>
                            <select data-input="category" on:change=move |ev| form.category.set(event_target_value(&ev))>
                                {options("category")}
                            </select>
                            {problems_of("category")}
                        </label>
                    </div>
                    <label class="form-field">
                        <span class="form-label required">{move || t(Msg::IntakeDescription)}</span>
                        <textarea rows="3" data-input="description" prop:value=move || form.description.get()
                            on:input=move |ev| form.description.set(event_target_value(&ev))></textarea>
                        {problems_of("description")}
                    </label>
                    <LocationField text=form.place pick_for=PickFor::Intake>
                        {problems_of("location")}
                    </LocationField>
                    <div class="form-pair">
                        {text_input("reporter_name", Msg::IntakeReporter, form.reporter_name, Signal::stored(false))}
                        {text_input("reporter_phone", Msg::IntakePhone, form.reporter_phone, Signal::stored(false))}
                    </div>
                    <div class="form-pair">
                        {text_input("external_id", Msg::IntakeExternalId, form.external_id, Signal::derive(move || {
                            form.channel.with(|c| Channel::from_code(c).is_some_and(Channel::carries_order_number))
                        }))}
                        <div class="form-field">
                            <span class="form-label">{move || t(Msg::IntakeUrgency)}</span>
                            <div class="choices">
                                <label class="choice">
                                    <input type="radio" name="intake-urgency" prop:checked=move || !form.urgent.get()
                                        on:change=move |_| form.urgent.set(false)/>
                                    {move || Urgency::Normal.name(lang.get())}
                                </label>
                                <label class="choice">
                                    <input type="radio" name="intake-urgency" data-input="urgent" prop:checked=move || form.urgent.get()
                                        on:change=move |_| form.urgent.set(true)/>
                                    {move || Urgency::Urgent.name(lang.get())}
                                </label>
                            </div>
                        </div>
                    </div>
                    {move || failure.get().map(|e| view! { <p class="action-error" role="alert"><ErrorText error=e/></p> })}
                    <div class="form-buttons">
                        <button type="button" class="btn primary" data-testid="intake-submit"
                            disabled=move || busy.get() on:click=submit>
                            {move || t(Msg::IntakeSubmit)}
                        </button>
                        <button type="button" class="btn quiet" on:click=move |_| close()>{move || t(Msg::Cancel)}</button>
                    </div>
                </form>
            </section>
        </Show>
    }
}
