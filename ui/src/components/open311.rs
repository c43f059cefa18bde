//! Open311 接入方 (dispatcher, administrator; beside 账号管理): the outside apps that may post
//! requests, each with its API key. The list shows when each was made and by whom, when it last
//! posted (from the audit log) and whether it is revoked; a new client's key is shown once,
//! with a copy button and the warning that it cannot be seen again; 吊销 asks first.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use super::upload::Modal;
use binhe_api::open311::{CreatedOpen311Client, MAX_CLIENT_NAME_CHARS, Open311ClientView};
use chrono::{DateTime, Utc};

use crate::api::ApiError;
use crate::api::open311 as api;
use crate::app::AppState;
use crate::components::ErrorText;
use crate::components::table::{data_table, loaded};
use crate::i18n::{Lang, Msg};
use crate::tickets::time::full;

/// The clients table's columns, left to right.
const COLUMNS: &[Msg] = &[
    Msg::Open311ColName,
    Msg::Open311ColCreatedBy,
    Msg::Open311ColCreated,
    Msg::Open311ColLastUsed,
    Msg::ColStatus,
    Msg::ColActions,
];

/// When a client last posted a request the server took.
#[derive(Clone, Copy, Debug, PartialEq)]
enum LastUsed {
    /// The audit log could not be read.
    Unknown,
    Never,
    At(DateTime<Utc>),
}

/// A client with when it last posted.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    client: Open311ClientView,
    last_used: LastUsed,
}

/// Whether the copy worked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Copied {
    Yes,
    Failed,
}

/// Puts `text` on the clipboard (`navigator.clipboard.writeText`).
async fn copy_to_clipboard(text: &str) -> Result<(), JsValue> {
    let navigator =
        js_sys::Reflect::get(&leptos::prelude::window(), &JsValue::from_str("navigator"))?;
    let clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))?;
    let write: js_sys::Function =
        js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText"))?.into();
    let promise: js_sys::Promise = write.call1(&clipboard, &JsValue::from_str(text))?.into();
    JsFuture::from(promise).await.map(drop)
}

#[component]
pub fn Open311Dialog(#[prop(into)] open: Signal<bool>, on_close: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let rows = RwSignal::new(None::<Result<Arc<Vec<Row>>, ApiError>>);
    let name = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let form_error = RwSignal::new(None::<ApiError>);
    let created = RwSignal::new(None::<CreatedOpen311Client>);
    let copied = RwSignal::new(None::<Copied>);
    // The client whose revocation is being confirmed, and a refusal of one.
    let confirming = RwSignal::new(None::<i64>);
    let row_error = RwSignal::new(None::<(i64, ApiError)>);

    let load = move || {
        spawn_local(async move {
            let result = api::clients().await;
            let Ok(clients) = result else {
                rows.set(result.err().map(Err));
                return;
            };
            let mut list = Vec::with_capacity(clients.len());
            for client in clients {
                let last_used = match api::last_used(&client.name).await {
                    Ok(Some(at)) => LastUsed::At(at),
                    Ok(None) => LastUsed::Never,
                    Err(_) => LastUsed::Unknown,
                };
                list.push(Row { client, last_used });
            }
            rows.set(Some(Ok(Arc::new(list))));
        });
    };
    Effect::new(move || {
        if open.get() {
            load();
        } else {
            // The key is not kept beyond the dialog that showed it.
            created.set(None);
            copied.set(None);
            confirming.set(None);
            row_error.set(None);
        }
    });

    let create = move || {
        busy.set(true);
        form_error.set(None);
        created.set(None);
        copied.set(None);
        let wanted = name.get_untracked();
        spawn_local(async move {
            let result = api::create(wanted.trim()).await;
            busy.set(false);
            match result {
                Ok(answer) => {
                    name.set(String::new());
                    created.set(Some(answer));
                    load();
                }
                Err(e) => form_error.set(Some(e)),
            }
        });
    };
    let revoke = move |id: i64| {
        row_error.set(None);
        spawn_local(async move {
            match api::revoke(id).await {
                Ok(_) => {
                    confirming.set(None);
                    load();
                }
                Err(e) => row_error.set(Some((id, e))),
            }
        });
    };

    let table = move || {
        let list = match loaded(lang, rows.get(), Msg::Open311Loading, Msg::ErrorLoadOpen311) {
            Ok(list) => list,
            Err(instead) => return instead,
        };
        if list.is_empty() {
            return view! { <p class="muted" data-testid="open311-empty">{t(Msg::Open311Empty)}</p> }
                .into_any();
        }
        let body = list
            .iter()
            .map(|row| client_row(lang, row, confirming, row_error, revoke))
            .collect_view();
        data_table(lang, COLUMNS, ("open311-table", ""), body).into_any()
    };

    let key_box = move || {
        let answer = created.get()?;
        let key = answer.api_key.clone();
        let for_copy = key.clone();
        Some(view! {
            <div class="open311-key" role="status" data-testid="open311-key-box" data-client=answer.client.name.clone()>
                <p class="form-title">{move || t(Msg::Open311KeyTitle)}" · "{answer.client.name.clone()}</p>
                <div class="key-line">
                    <input type="text" readonly class="mono" data-testid="open311-key" prop:value=key.clone()
                        aria-label=move || t(Msg::Open311KeyTitle)
                        on:focus=move |ev| {
                            use wasm_bindgen::JsCast;
                            if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                input.select();
                            }
                        }/>
                    <button type="button" class="btn small" data-testid="open311-copy"
                        on:click=move |_| {
                            let key = for_copy.clone();
                            spawn_local(async move {
                                let ok = copy_to_clipboard(&key).await.is_ok();
                                copied.set(Some(if ok { Copied::Yes } else { Copied::Failed }));
                            });
                        }>{move || t(Msg::Open311Copy)}</button>
                    {move || copied.get().map(|c| match c {
                        Copied::Yes => view! { <span class="row-done" data-testid="open311-copied">{t(Msg::Open311Copied)}" ✓"</span> }.into_any(),
                        Copied::Failed => view! { <span class="field-error">{t(Msg::Open311CopyFailed)}</span> }.into_any(),
                    })}
                </div>
                <p class="key-warning" role="alert" data-testid="open311-key-warning">{move || t(Msg::Open311KeyWarning)}</p>
            </div>
        })
    };

    view! {
        <Modal open on_close title=Msg::Open311Open testid="open311" class="wide-dialog">
            <p class="import-rules">{move || t(Msg::Open311Intro)}</p>
            {table}
            {key_box}
            <form class="account-form" data-testid="open311-form" on:submit=move |ev| {
                ev.prevent_default();
                create();
            }>
                <p class="form-title">{move || t(Msg::Open311NewTitle)}</p>
                <div class="form-grid">
                    <label class="form-field">
                        <span class="form-label">{move || t(Msg::Open311ColName)}</span>
                        <input type="text" data-input="open311-name" autocomplete="off"
                            maxlength=MAX_CLIENT_NAME_CHARS.to_string()
                            placeholder=move || t(Msg::Open311NameRule)
                            prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    </label>
                </div>
                {move || form_error.get().map(|error| view! {
                    <p class="action-error" role="alert" data-testid="open311-form-error"><ErrorText error/></p>
                })}
                <div class="form-buttons">
                    <button type="submit" class="btn primary" data-testid="open311-create"
                        disabled=move || busy.get() || name.with(|n| n.trim().is_empty())>
                        {move || t(Msg::Open311Create)}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

fn client_row(
    lang: RwSignal<Lang>,
    row: &Row,
    confirming: RwSignal<Option<i64>>,
    row_error: RwSignal<Option<(i64, ApiError)>>,
    revoke: impl Fn(i64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    let client = &row.client;
    let id = client.id;
    let revoked = client.revoked_at;
    let last_used = match row.last_used {
        LastUsed::Unknown => "—".to_owned(),
        LastUsed::Never => String::new(),
        LastUsed::At(at) => full(at),
    };
    let never = row.last_used == LastUsed::Never;
    let error = move || {
        row_error.with(|e| match e {
            Some((of, error)) if *of == id => Some(error.clone()),
            _ => None,
        })
    };
    view! {
        <tr data-client-id=id.to_string() data-name=client.name.clone() data-revoked=revoked.is_some().to_string()
            class:row-disabled=revoked.is_some()>
            <td>{client.name.clone()}</td>
            <td class="mono">{client.created_by.clone()}</td>
            <td class="mono">{full(client.created_at)}</td>
            <td class="mono" data-field="last-used">
                {last_used}{never.then(|| view! { <span class="muted">{move || t(Msg::Open311NeverUsed)}</span> })}
            </td>
            <td data-field="status">
                {match revoked {
                    Some(at) => view! {
                        <span class="status-tag off" title=full(at)>{move || t(Msg::Open311Revoked)}</span>
                        <span class="mono muted small">" "{full(at)}</span>
                    }.into_any(),
                    None => view! { <span class="status-tag on">{move || t(Msg::Open311Active)}</span> }.into_any(),
                }}
            </td>
            <td class="row-actions">
                {revoked.is_none().then(|| view! {
                    <Show when=move || confirming.get() == Some(id) fallback=move || view! {
                        <button type="button" class="btn small" data-action="revoke"
                            on:click=move |_| confirming.set(Some(id))>{move || t(Msg::Open311Revoke)}</button>
                    }>
                        <span class="confirm" role="alertdialog" data-testid="open311-confirm">
                            <span class="field-error">{move || t(Msg::Open311RevokeConfirm)}</span>
                            <button type="button" class="btn small danger" data-action="revoke-yes"
                                on:click=move |_| revoke(id)>{move || t(Msg::Open311RevokeYes)}</button>
                            <button type="button" class="btn small quiet" data-action="revoke-no"
                                on:click=move |_| confirming.set(None)>{move || t(Msg::Cancel)}</button>
                        </span>
                    </Show>
                })}
                {move || error().map(|error| view! { <p class="field-error" data-testid="row-error"><ErrorText error/></p> })}
            </td>
        </tr>
    }
}
