//! The card's action bar: the actions the ticket's state allows, each with the small form its
//! inputs need (reason, note, outcome, satisfaction, level, target ticket, location). Grid
//! actions go through the grid chooser.

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::tickets::{EventView, TicketView};
use binhe_core::access::Role;
use binhe_core::ticket::ActionKind;

use crate::api::ApiError;
use crate::api::texts::Named;
use crate::app::AppState;
use crate::components::ErrorText;
use crate::components::location::LocationField;
use crate::i18n::{Lang, Msg, action_missing};
use crate::tickets::Desk;
use crate::tickets::actions::{CARD_ORDER, Filled, Input, OnTheCard, choices};
use crate::tickets::desk::{ChooseGrid, PickFor, Toast};

/// The action form's state. It lives in the card, not in the part drawn from the ticket, so
/// a reload of the ticket does not wipe what the dispatcher is typing.
#[derive(Clone, Copy)]
pub struct ActionForm {
    pub open: RwSignal<Option<ActionKind>>,
    text: RwSignal<String>,
    choice: RwSignal<String>,
    into: RwSignal<String>,
    address: RwSignal<String>,
    busy: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
}

impl ActionForm {
    pub fn blank() -> Self {
        ActionForm {
            open: RwSignal::new(None),
            text: RwSignal::new(String::new()),
            choice: RwSignal::new(String::new()),
            into: RwSignal::new(String::new()),
            address: RwSignal::new(String::new()),
            busy: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    /// The ticket to merge into, as the flag names it.
    pub fn into_set(self, id: i64) {
        self.into.set(id.to_string());
    }

    pub fn reset(self) {
        self.open.set(None);
        self.text.set(String::new());
        self.choice.set(String::new());
        self.into.set(String::new());
        self.address.set(String::new());
        self.error.set(None);
    }

    fn filled(self, desk: Desk) -> Filled {
        Filled {
            grid: None,
            text: self.text.get_untracked(),
            choice: self.choice.get_untracked(),
            into: self
                .into
                .get_untracked()
                .trim()
                .trim_start_matches('#')
                .parse()
                .ok(),
            address: self.address.get_untracked(),
            point: desk.picked.get_untracked(),
        }
    }

    /// Whether every required input is there.
    fn complete(self, action: ActionKind, desk: Desk) -> bool {
        self.missing(action, desk).is_none()
    }

    /// The first input `action` requires that is still empty, by its label: the form says it
    /// beside 确定 rather than leaving the button greyed without a word.
    fn missing(self, action: ActionKind, desk: Desk) -> Option<Msg> {
        action.inputs().iter().find_map(|input| {
            let filled = match input {
                Input::Reason | Input::Note => !self.text.with(|t| t.trim().is_empty()),
                Input::Into => self
                    .into
                    .with(|t| t.trim().trim_start_matches('#').parse::<i64>().is_ok()),
                Input::Location => {
                    desk.picked.with(Option::is_some) || !self.address.with(|a| a.trim().is_empty())
                }
                Input::Grid
                | Input::OptionalNote
                | Input::Outcome
                | Input::Satisfaction
                | Input::Level => true,
            };
            (!filled).then(|| input_label(*input))
        })
    }
}

/// What an input is called on its form.
fn input_label(input: Input) -> Msg {
    match input {
        Input::Reason => Msg::FieldReason,
        Input::Note => Msg::FieldNote,
        Input::Into => Msg::FieldInto,
        Input::Location => Msg::FieldLocation,
        _ => Msg::FieldNoteOptional,
    }
}

/// Sends `action` as filled in; on success the form closes.
pub fn send(desk: Desk, form: ActionForm, ticket: &TicketView, action: ActionKind) {
    let id = ticket.id;
    let filled = form.filled(desk);
    form.busy.set(true);
    form.error.set(None);
    spawn_local(async move {
        let result = desk.act(id, action, &filled).await;
        form.busy.set(false);
        match result {
            Err(e) if e.is_queued() => {
                form.reset();
                desk.toast.set(Some(Toast::Queued { ticket: Some(id) }));
            }
            Ok(_) => {
                form.reset();
                if action == ActionKind::Relocate {
                    desk.picked.set(None);
                }
            }
            // A refusal for the role or the community goes to the message strip, as every
            // other refusal of the desk does.
            Err(e) if e.status == Some(403) => desk.refused(Msg::ErrorAction, e),
            Err(e) => form.error.set(Some(e)),
        }
    });
}

/// A click on an action button: send it, open its form, or open the grid chooser.
fn start(desk: Desk, form: ActionForm, ticket: &TicketView, action: ActionKind, role: Role) {
    let inputs = action.inputs();
    form.error.set(None);
    if inputs.contains(&Input::Grid) {
        desk.chooser.set(Some(ChooseGrid {
            ticket: ticket.id,
            action,
        }));
    } else if inputs.is_empty() {
        send(desk, form, ticket, action);
    } else {
        form.reset();
        let first_choice = inputs
            .iter()
            .find_map(|i| choices(*i, role))
            .and_then(|c| c.first().copied());
        form.choice
            .set(first_choice.map_or_else(String::new, |c| c.code.to_owned()));
        form.open.set(Some(action));
    }
}

#[component]
pub fn ActionBar(ticket: TicketView, events: Vec<EventView>, form: ActionForm) -> impl IntoView {
    let state = expect_context::<AppState>();
    let desk = expect_context::<Desk>();
    let lang = state.lang;
    let allowed = {
        let ticket = ticket.clone();
        move || {
            let now = desk.now.get();
            let may = state.may();
            CARD_ORDER
                .into_iter()
                .filter(|_| may.act_on_tickets())
                // Choosing a grid is dispatching: only for roles that may.
                .filter(|a| may.dispatch || !a.inputs().contains(&Input::Grid))
                // Merging and dismissing a flag have their own buttons beside the flag.
                .filter(|a| !(ticket.duplicate_flag.is_some() && *a == ActionKind::DismissFlag))
                .filter(|a| a.allowed(&ticket, &events, now))
                // 撤销 no longer than the message strip offers it: the strip counts down the
                // server's own window and goes once anyone else acted on the ticket.
                .filter(|a| *a != ActionKind::UndoDispatch || desk.undo_offered(ticket.id))
                .collect::<Vec<_>>()
        }
    };
    let buttons = {
        let ticket = ticket.clone();
        move || {
            allowed()
                .into_iter()
                .map(|action| {
                    let ticket = ticket.clone();
                    view! {
                        <button type="button" class="btn small" class:primary=!action.is_secondary()
                            class:quiet=action.is_secondary() data-action=action.as_str()
                            class:active=move || form.open.get() == Some(action)
                            disabled=move || form.busy.get()
                            on:click=move |_| start(desk, form, &ticket, action, state.role_untracked())>
                            {move || action.short(lang.get())}
                            {(action == ActionKind::Dispatch).then(|| view! { <kbd>"D"</kbd> })}
                        </button>
                    }
                })
                .collect_view()
        }
    };
    let form_view = move || {
        let action = form.open.get()?;
        Some(action_form(lang, desk, form, &ticket, action, state.role()))
    };
    view! {
        <div class="action-bar" data-testid="ticket-actions">{buttons}</div>
        {form_view}
        {move || form.error.get().map(|e| view! { <p class="action-error" role="alert"><ErrorText error=e/></p> })}
    }
}

fn action_form(
    lang: RwSignal<Lang>,
    desk: Desk,
    form: ActionForm,
    ticket: &TicketView,
    action: ActionKind,
    role: Role,
) -> impl IntoView + use<> {
    let t = move |m: Msg| m.text(lang.get());
    let id = ticket.id;
    let fields = action
        .inputs()
        .iter()
        .map(|input| match *input {
            Input::Reason | Input::Note | Input::OptionalNote => {
                let label = input_label(*input);
                let required = *input != Input::OptionalNote;
                view! {
                    <label class="form-field">
                        <span class="form-label" class:required=required>{move || t(label)}</span>
                        <textarea rows="2" data-input="text" prop:value=move || form.text.get()
                            on:input=move |ev| form.text.set(event_target_value(&ev))></textarea>
                    </label>
                }
                .into_any()
            }
            Input::Outcome | Input::Satisfaction | Input::Level => {
                let options = choices(*input, role).unwrap_or_default();
                let radios = options
                    .into_iter()
                    .map(|choice| {
                        let code = choice.code;
                        view! {
                            <label class="choice">
                                <input type="radio" name="action-choice" value=code
                                    prop:checked=move || form.choice.get() == code
                                    on:change=move |_| form.choice.set(code.to_owned())/>
                                {move || choice.name(lang.get())}
                            </label>
                        }
                    })
                    .collect_view();
                view! { <div class="form-field choices" data-input="choice">{radios}</div> }.into_any()
            }
            Input::Into => view! {
                <label class="form-field">
                    <span class="form-label required">{move || t(Msg::FieldInto)}</span>
                    <input type="text" inputmode="numeric" data-input="into" prop:value=move || form.into.get()
                        on:input=move |ev| form.into.set(event_target_value(&ev))/>
                </label>
            }
            .into_any(),
            Input::Location => view! {
                <LocationField text=form.address pick_for=PickFor::Relocate(id)/>
            }
            .into_any(),
            Input::Grid => ().into_any(),
        })
        .collect_view();
    let submit = {
        let ticket = ticket.clone();
        move |_| send(desk, form, &ticket, action)
    };
    view! {
        <form class="action-form" data-testid="action-form" data-action=action.as_str()
            on:submit=move |ev| ev.prevent_default()>
            <p class="form-title">{move || action.short(lang.get())}</p>
            {fields}
            <div class="form-buttons">
                <button type="button" class="btn small primary" data-testid="action-submit"
                    disabled=move || form.busy.get() || !form.complete(action, desk)
                    on:click=submit>
                    {move || t(Msg::Confirm)}
                </button>
                {move || form.missing(action, desk).map(|m| view! {
                    <span class="form-hint" data-testid="action-missing">
                        {move || action_missing(lang.get(), t(m))}
                    </span>
                })}
                <button type="button" class="btn small quiet" on:click=move |_| {
                    form.reset();
                    desk.pick.set(None);
                }>{move || t(Msg::Cancel)}</button>
            </div>
        </form>
    }
}
