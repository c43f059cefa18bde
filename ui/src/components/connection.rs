//! 连接设置 (only in the desktop app): which server the window uses — a center server by its
//! address, or 本机模式, the app's own embedded server. The desktop app saves the choice and
//! moves the window itself.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::upload::Modal;
use crate::api::ApiError;
use binhe_api::auth::DesktopCenter;

use crate::api::auth as api;
use crate::app::AppState;
use crate::components::ErrorText;
use crate::i18n::Msg;
use crate::session::center_url;

/// What the form says under the address.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Idle,
    /// The address is not an http(s) URL with a host (found before asking the server).
    BadUrl,
    Refused(ApiError),
    Saved,
}

#[component]
pub fn ConnectionDialog(#[prop(into)] open: Signal<bool>, on_close: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let current = RwSignal::new(None::<Result<DesktopCenter, ApiError>>);
    let url = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(Outcome::Idle);

    Effect::new(move || {
        if !open.get() {
            return;
        }
        outcome.set(Outcome::Idle);
        spawn_local(async move {
            let answer = api::desktop_center()
                .await
                .and_then(|c| c.ok_or_else(|| ApiError::bad_response("/api/desktop/center: 404")));
            if let Ok(center) = &answer {
                url.set(center.url.clone().unwrap_or_default());
            }
            current.set(Some(answer));
        });
    });

    let save = move |target: Option<String>| {
        busy.set(true);
        outcome.set(Outcome::Idle);
        spawn_local(async move {
            let result = api::set_desktop_center(target).await;
            busy.set(false);
            match result {
                Ok(center) => {
                    current.set(Some(Ok(center)));
                    outcome.set(Outcome::Saved);
                }
                Err(e) => outcome.set(Outcome::Refused(e)),
            }
        });
    };
    let connect = move || match center_url(&url.get_untracked()) {
        Some(address) => save(Some(address)),
        None => outcome.set(Outcome::BadUrl),
    };

    let now = move || {
        current.get().map(|answer| match answer {
            Ok(DesktopCenter { url: Some(address) }) => {
                view! { <span class="mono" data-testid="connection-current">{address}</span> }
                    .into_any()
            }
            Ok(DesktopCenter { url: None }) => {
                view! { <span data-testid="connection-current">{t(Msg::ConnectionLocal)}</span> }
                    .into_any()
            }
            Err(error) => view! { <ErrorText error/> }.into_any(),
        })
    };
    let local_now = move || current.with(|c| matches!(c, Some(Ok(DesktopCenter { url: None }))));
    let message = move || {
        match outcome.get() {
        Outcome::Idle => None,
        Outcome::BadUrl => Some(view! {
            <p class="field-error" data-testid="connection-error" data-error-code="BAD_REQUEST" role="alert">
                {t(Msg::ConnectionBadUrl)}
            </p>
        }.into_any()),
        Outcome::Refused(error) => {
            let code = error.code.clone();
            Some(view! {
                <p class="field-error" data-testid="connection-error" data-error-code=code role="alert">
                    <ErrorText error/>
                </p>
            }.into_any())
        }
        Outcome::Saved => Some(view! {
            <p class="row-done" data-testid="connection-saved" role="status">{t(Msg::ConnectionSaved)}" ✓"</p>
        }.into_any()),
    }
    };

    view! {
        <Modal open on_close title=Msg::ConnectionTitle testid="connection" busy>
            <p class="import-rules">{move || t(Msg::ConnectionNote)}</p>
            <p class="connection-now"><span class="form-label">{move || t(Msg::ConnectionCurrent)}</span>" "{now}</p>
            <form class="connection-form" on:submit=move |ev| {
                ev.prevent_default();
                connect();
            }>
                <label class="form-field">
                    <span class="form-label">{move || t(Msg::ConnectionUrl)}</span>
                    <input type="text" data-input="url" inputmode="url" placeholder="http://center:8080/"
                        autocomplete="off" spellcheck="false"
                        prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
                </label>
                {message}
                <div class="form-buttons">
                    <button type="submit" class="btn primary" data-testid="connection-connect" disabled=move || busy.get()>
                        {move || t(Msg::ConnectionConnect)}
                    </button>
                    <button type="button" class="btn" data-testid="connection-local"
                        disabled=move || busy.get() || local_now() on:click=move |_| save(None)>
                        {move || t(Msg::ConnectionUseLocal)}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
