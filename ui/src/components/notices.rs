//! Errors from the server, shown in the chosen language with the server's error code.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::app::AppState;
use crate::i18n::{Lang, Msg};

/// An error's message in the chosen language; its stable code only in the tooltip (and the
/// element's data), for whoever reports it — people read the message, not the code.
#[component]
pub fn ErrorText(error: ApiError) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let code = error.code.clone();
    let title = code_tooltip(lang, code.clone());
    view! {
        <span class="error-text" data-error-code=code title=title>
            {move || error.message(lang.get()).to_owned()}
        </span>
    }
}

/// The tooltip that carries an error's code.
pub fn code_tooltip(
    lang: RwSignal<Lang>,
    code: String,
) -> impl Fn() -> String + Send + Sync + 'static {
    move || format!("{}：{code}", Msg::ErrorCode.text(lang.get()))
}

/// The × that closes a card or a dialog.
#[component]
pub fn CloseButton(#[prop(into)] testid: String, on_close: Callback<()>) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let label = move || Msg::Close.text(lang.get());
    view! {
        <button type="button" class="card-close" data-testid=testid title=label aria-label=label
            on:click=move |_| on_close.run(())>"×"</button>
    }
}

#[component]
pub fn Notices() -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    view! {
        <div class="notices" role="alert" aria-live="assertive">
            <For each=move || state.notices.get() key=|n| n.id let:notice>
                <div class="notice" data-error-code=notice.error.code.clone()>
                    <div class="notice-text">
                        <strong>{move || notice.context.text(lang.get())}</strong>"："
                        <ErrorText error=notice.error.clone()/>
                    </div>
                    <button type="button" class="notice-dismiss"
                        on:click=move |_| state.notices.update(|l| l.retain(|n| n.id != notice.id))>
                        {move || Msg::ErrorDismiss.text(lang.get())}
                    </button>
                </div>
            </For>
        </div>
    }
}
