//! The message strip over the map: what became of a dispatch (with 撤销 while the server's
//! undo window is open), an intake, or why the server refused.

use std::time::Duration;

use binhe_core::ticket::{ActionKind, TicketId};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::api::texts::Named;
use crate::app::AppState;
use crate::components::ErrorText;
use crate::i18n::{Lang, Msg, delegated_to, dispatched_to, seconds_left};
use crate::tickets::Desk;
use crate::tickets::desk::Toast;
use crate::tickets::time;

/// How long a plain message stays over the map.
const PLAIN_TOAST: Duration = Duration::from_secs(6);

/// A plain message (created, undone, kept in the outbox) closes by itself after
/// [`PLAIN_TOAST`]; one with an action (撤销) or a refusal stays until it is done with.
fn close_plain_toasts(desk: Desk) {
    let shown = StoredValue::new(0_u64);
    Effect::new(move |_| {
        let plain = desk.toast.with(|toast| {
            matches!(
                toast,
                Some(Toast::Created { .. } | Toast::Undone { .. } | Toast::Queued { .. })
            )
        });
        shown.update_value(|n| *n += 1);
        if plain {
            let this = shown.get_value();
            set_timeout(
                move || {
                    if shown.try_get_value() == Some(this) {
                        desk.toast.set(None);
                    }
                },
                PLAIN_TOAST,
            );
        }
    });
}

#[component]
pub fn TicketToast() -> impl IntoView {
    let state = expect_context::<AppState>();
    let desk = expect_context::<Desk>();
    close_plain_toasts(desk);
    let lang = state.lang;
    // The undo countdown needs seconds, the desk's clock ticks slower.
    let now = RwSignal::new(time::now());
    if let Ok(handle) =
        set_interval_with_handle(move || now.set(time::now()), Duration::from_secs(1))
    {
        on_cleanup(move || handle.clear());
    }
    let body = move || {
        let toast = desk.toast.get()?;
        let lang_now = lang.get();
        Some(match toast {
            Toast::Dispatched {
                ticket,
                action,
                version,
                grid_name,
                worker_name,
                undo_until,
            } => {
                let text = if action == ActionKind::Delegate {
                    delegated_to(lang_now, &grid_name, worker_name.as_deref())
                } else {
                    dispatched_to(lang_now, &grid_name, worker_name.as_deref())
                };
                dispatched(desk, lang, now, (ticket, version), text, undo_until).into_any()
            }
            Toast::Undone { ticket } => view! {
                <div class="toast ok" data-testid="toast" data-kind="undone">
                    <span class="toast-text">{move || format!("#{ticket} · {}", Msg::ToastUndone.text(lang.get()))}</span>
                    {dismiss(desk, lang)}
                </div>
            }
            .into_any(),
            Toast::Created { ticket, duplicate_of, existing } => {
                let text = move || {
                    let lang = lang.get();
                    let head = if existing { Msg::ToastExisting } else { Msg::ToastCreated }.text(lang);
                    let tail = match duplicate_of {
                        Some((of, true)) => format!(" · {} #{of}", Msg::ToastMergedInto.text(lang)),
                        Some((of, false)) => format!(" · {} #{of}", Msg::ToastFlagged.text(lang)),
                        None => String::new(),
                    };
                    format!("{head} #{ticket}{tail}")
                };
                view! {
                    <div class="toast ok" data-testid="toast" data-kind="created">
                        <span class="toast-text">{text}</span>
                        {dismiss(desk, lang)}
                    </div>
                }
                .into_any()
            }
            Toast::Queued { ticket } => {
                let text = move || {
                    let said = Msg::ToastQueued.text(lang.get());
                    ticket.map_or_else(|| said.to_owned(), |id| format!("#{id} · {said}"))
                };
                view! {
                    <div class="toast queued" data-testid="toast" data-kind="queued">
                        <span class="toast-text">{text}</span>
                        {dismiss(desk, lang)}
                    </div>
                }
                .into_any()
            }
            Toast::Refused { context, error } => {
                let code = error.code.clone();
                view! {
                    <div class="toast refused" data-testid="toast" data-kind="refused" data-error-code=code role="alert">
                        <span class="toast-text"><strong>{move || context.text(lang.get())}</strong>"："<ErrorText error/></span>
                        {dismiss(desk, lang)}
                    </div>
                }
                .into_any()
            }
        })
    };
    view! { <div class="toast-area" aria-live="polite">{body}</div> }
}

fn dispatched(
    desk: Desk,
    lang: RwSignal<Lang>,
    now: RwSignal<DateTime<Utc>>,
    (ticket, version): (TicketId, u32),
    text: String,
    undo_until: Option<DateTime<Utc>>,
) -> impl IntoView {
    // Read afresh on every tick: the deadline was set by the clock of the moment the answer
    // came, which may have been set since the last tick.
    let left = move || {
        now.track();
        let until = undo_until?;
        let secs = (until - time::now()).num_seconds();
        (secs >= 0).then_some(secs)
    };
    // Anyone's step on the ticket after the dispatch (a worker taking it up, a merge, another
    // desk), heard on the stream or in the reloaded list: the server would refuse the undo.
    let moved = move || {
        desk.heard.with(|e| {
            e.as_ref()
                .is_some_and(|e| e.ticket_id == ticket && e.version > version)
        }) || desk
            .tickets
            .with(|list| list.iter().any(|t| t.id == ticket && t.version > version))
    };
    // The strip is there to offer the undo: it goes when the undo is no longer possible,
    // whatever the reason.
    if undo_until.is_some() {
        Effect::new(move || {
            if left().is_none() || moved() {
                let ours = desk.toast.with_untracked(|t| {
                    matches!(t, Some(Toast::Dispatched { ticket: id, version: v, .. }) if *id == ticket && *v == version)
                });
                if ours {
                    desk.toast.set(None);
                }
            }
        });
    }
    view! {
        <div class="toast ok" data-testid="toast" data-kind="dispatched" data-ticket-id=ticket.to_string()>
            <span class="toast-mark" aria-hidden="true">"✓"</span>
            // The dispatched ticket leaves the new tickets: its card is one click away.
            <button type="button" class="link mono" data-testid="toast-open" on:click=move |_| desk.open(ticket)>
                {format!("#{ticket}")}
            </button>
            <span class="toast-text" data-testid="toast-text">{text}</span>
            {move || left().map(|secs| view! {
                <button type="button" class="btn small undo" data-testid="undo" on:click=move |_| desk.undo(ticket)>
                    {ActionKind::UndoDispatch.short(lang.get())}
                    <span class="muted mono">{seconds_left(lang.get(), secs)}</span>
                </button>
            })}
            {dismiss(desk, lang)}
        </div>
    }
}

fn dismiss(desk: Desk, lang: RwSignal<Lang>) -> impl IntoView {
    view! {
        <button type="button" class="toast-close" title=move || Msg::Close.text(lang.get())
            aria-label=move || Msg::Close.text(lang.get()) on:click=move |_| desk.toast.set(None)>"×"</button>
    }
}
