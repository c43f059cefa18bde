//! Errors from the server, shown in the chosen language with the server's error code.

use leptos::prelude::*;

use crate::app::AppState;
use crate::i18n::Msg;

#[component]
pub fn Notices() -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    view! {
        <div class="notices" role="alert" aria-live="assertive">
            <For each=move || state.notices.get() key=|n| n.id let:notice>
                <div class="notice" data-error-code=notice.error.code.clone()>
                    <div class="notice-text">
                        <strong>{move || notice.context.text(lang.get())}</strong>
                        {
                            let error = notice.error.clone();
                            move || format!("：{}", error.message(lang.get()))
                        }
                        <code class="notice-code">{notice.error.code.clone()}</code>
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
