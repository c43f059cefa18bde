//! The terminal cut off from the center: the 离线 banner (since when, how much waits) and the
//! conflicts the person decides on (see [`crate::offline`]).

use binhe_core::ticket::ActionKind;
use leptos::prelude::*;

use crate::api::texts::Named;
use crate::app::AppState;
use crate::i18n::{Lang, Msg, offline_since, offline_waiting};
use crate::offline::{Kept, Status, Terminal};
use crate::tickets::time;

/// Over the workspace while the center does not answer, or while kept actions are sent.
#[component]
pub fn OfflineBanner() -> impl IntoView {
    let state = expect_context::<AppState>();
    let terminal = expect_context::<Terminal>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let offline = move || !terminal.online.get();
    let shown =
        move || offline() || terminal.waiting() > 0 || terminal.storage_error.with(Option::is_some);
    let since = move || {
        let at = terminal
            .last_update
            .get()
            .map_or_else(|| "—".to_owned(), time::clock);
        offline_since(lang.get(), &at)
    };
    view! {
        <Show when=shown>
            <div class="offline-banner" role="status" aria-live="polite" data-testid="offline-banner"
                data-state=move || if offline() { "offline" } else { "syncing" }>
                <strong class="offline-state">
                    {move || t(if offline() { Msg::OfflineState } else { Msg::OfflineSyncing })}
                </strong>
                <span class="offline-since" data-testid="offline-last-update">"· "{since}</span>
                <span class="offline-waiting" data-testid="offline-waiting"
                    data-count=move || terminal.waiting().to_string()>
                    {move || offline_waiting(lang.get(), terminal.waiting())}
                </span>
                {move || terminal.storage_error.get().map(|e| view! {
                    <span class="offline-storage" data-testid="offline-storage-error" role="alert">
                        {t(Msg::OfflineStorageFailed)}"："{e}
                    </span>
                })}
            </div>
        </Show>
    }
}

/// 冲突: what the center refused on replay, each with what the person did, why, what the
/// ticket is now, and 放弃 / 按当前版本重试.
#[component]
pub fn ConflictPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let terminal = expect_context::<Terminal>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let conflicts = move || terminal.mine(Status::Conflict);
    view! {
        <Show when=move || !conflicts().is_empty()>
            <section class="conflicts" data-testid="conflicts" aria-live="polite">
                <h3>{move || t(Msg::ConflictTitle)}" "<span class="count" data-testid="conflict-count">{move || conflicts().len()}</span></h3>
                <p class="conflict-note">{move || t(Msg::ConflictNote)}</p>
                <ul class="conflict-list">
                    <For each=conflicts key=|k| k.key.clone() let:entry>
                        {conflict_row(lang, terminal, &entry)}
                    </For>
                </ul>
            </section>
        </Show>
    }
}

/// What the person did: `#12 · 受理 · 基于版本 3 · 11-28 09:05:07`.
fn what_was_done(lang: Lang, entry: &Kept) -> String {
    let action = match entry.kind.as_str() {
        "report" => Msg::ConflictReport.text(lang).to_owned(),
        "drop" => Msg::ConflictDrop.text(lang).to_owned(),
        code => {
            ActionKind::from_code(code).map_or_else(|| code.to_owned(), |a| a.name(lang).to_owned())
        }
    };
    let ticket = entry
        .ticket
        .map(|id| format!("#{id} · "))
        .unwrap_or_default();
    let version = entry
        .version
        .map(|v| format!(" · {} {v}", Msg::ConflictBasedOn.text(lang)))
        .unwrap_or_default();
    format!(
        "{ticket}{action}{version} · {}",
        time::short_with_seconds(entry.made_at)
    )
}

fn conflict_row(lang: RwSignal<Lang>, terminal: Terminal, entry: &Kept) -> impl IntoView + use<> {
    let t = move |m: Msg| m.text(lang.get());
    let done = {
        let entry = entry.clone();
        move || what_was_done(lang.get(), &entry)
    };
    let code = entry
        .error
        .as_ref()
        .map(|e| e.code.clone())
        .unwrap_or_default();
    let why = {
        let error = entry.error.clone();
        move || {
            error
                .as_ref()
                .map(|e| lang.get().pick(&e.message_zh, &e.message_en).to_owned())
        }
    };
    let now = {
        let current = entry.current.clone();
        move || {
            let lang = lang.get();
            current.as_ref().map(|c| {
                format!(
                    "{}：{} · {} {}",
                    Msg::ConflictNow.text(lang),
                    c.state.name(lang),
                    Msg::ConflictVersion.text(lang),
                    c.version
                )
            })
        }
    };
    let (drop_key, retry_key) = (entry.key.clone(), entry.key.clone());
    let title = code.clone();
    view! {
        <li class="conflict" data-testid="conflict" data-key=entry.key.clone()
            data-ticket-id=entry.ticket.map(|id| id.to_string()) data-error-code=code>
            <p class="conflict-done">{done}</p>
            <p class="conflict-why" title=title>{why}</p>
            <p class="conflict-now">{now}</p>
            <div class="form-buttons">
                <button type="button" class="btn small" data-testid="conflict-retry"
                    on:click=move |_| terminal.retry(&retry_key)>
                    {move || t(Msg::ConflictRetry)}
                </button>
                <button type="button" class="btn small quiet" data-testid="conflict-discard"
                    on:click=move |_| terminal.discard(drop_key.clone())>
                    {move || t(Msg::ConflictDiscard)}
                </button>
            </div>
        </li>
    }
}
