//! 登录: the page that stands in for the workspace while nobody is signed in or the session
//! has ended, and, on the desktop, the 切换账号 form over it. A failed attempt says which
//! of the server's reasons it was, a throttle counts its wait down.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::auth as api;
use crate::app::{AppState, store, stored};
use crate::components::{ErrorText, code_tooltip};
use crate::i18n::Msg;
use crate::session::{Auth, LoginProblem, Reason};
use crate::tickets::time;

/// The terminal name typed last on this computer.
const TERMINAL_STORAGE_KEY: &str = "smart-binhe.terminal";

#[component]
pub fn LoginPage(reason: Reason) -> impl IntoView {
    let state = expect_context::<AppState>();
    let auth = expect_context::<Auth>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let terminal = RwSignal::new(stored(TERMINAL_STORAGE_KEY).unwrap_or_default());
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<LoginProblem>);
    // A throttled login may be tried again from this moment.
    let retry_at = RwSignal::new(None::<chrono::DateTime<chrono::Utc>>);
    let now = RwSignal::new(time::now());
    if let Ok(handle) =
        set_interval_with_handle(move || now.set(time::now()), Duration::from_millis(500))
    {
        on_cleanup(move || handle.clear());
    }
    let wait_left = move || {
        let at = retry_at.get()?;
        let ms = (at - now.get()).num_milliseconds();
        (ms > 0).then(|| (ms as u64).div_ceil(1000))
    };

    let submit = move || {
        if busy.get_untracked() || wait_left().is_some() {
            return;
        }
        let (who, secret) = (login.get_untracked(), password.get_untracked());
        if who.trim().is_empty() || secret.is_empty() {
            problem.set(Some(LoginProblem::Invalid));
            return;
        }
        let place = terminal.get_untracked();
        store(TERMINAL_STORAGE_KEY, place.trim());
        busy.set(true);
        problem.set(None);
        spawn_local(async move {
            let result = api::login(&who, &secret, &place).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    password.set(String::new());
                    auth.check(state);
                }
                Err(e) => {
                    let p = LoginProblem::of(e);
                    if let LoginProblem::Throttled(secs) = p {
                        retry_at.set(Some(time::now() + chrono::Duration::seconds(secs as i64)));
                    }
                    password.set(String::new());
                    problem.set(Some(p));
                }
            }
        });
    };

    let error = move || {
        let p = problem.get()?;
        let left = wait_left();
        // A throttle that has run out is no longer a reason not to try.
        if matches!(p, LoginProblem::Throttled(_)) && left.is_none() {
            return None;
        }
        let code = p.code().to_owned();
        let title = code_tooltip(lang, code.clone());
        Some(view! {
            <p class="login-error" data-testid="login-error" data-error-code=code title=title role="alert">
                <span>{move || p.text(lang.get(), left.unwrap_or(0))}</span>
            </p>
        })
    };
    let cancellable = reason.cancellable();
    let data_reason = match reason {
        Reason::Required => "required",
        Reason::Expired => "expired",
        Reason::Unreachable(_) => "unreachable",
        Reason::Switch => "switch",
        Reason::KeyLost => "key-lost",
    };
    let banner = move || {
        match reason.clone() {
        Reason::Expired => Some(view! {
            <p class="login-reason warn" data-testid="login-reason" data-reason="expired" role="status">
                {move || t(Msg::SessionExpired)}
            </p>
        }.into_any()),
        Reason::Switch => Some(view! {
            <p class="login-reason" data-testid="login-reason" data-reason="switch">{move || t(Msg::LoginLocalNote)}</p>
        }.into_any()),
        Reason::Unreachable(error) => Some(view! {
            <div class="login-reason warn" data-testid="login-reason" data-reason="unreachable" role="alert">
                <p><strong>{move || t(Msg::LoginUnreachable)}</strong>"："<ErrorText error/></p>
                <button type="button" class="btn small" data-testid="login-retry"
                    on:click=move |_| auth.check(state)>{move || t(Msg::Retry)}</button>
            </div>
        }.into_any()),
        Reason::KeyLost => Some(view! {
            <div class="login-reason warn" data-testid="login-reason" data-reason="key-lost" role="alert">
                <p>{move || t(Msg::LaunchKeyLost)}</p>
                <button type="button" class="btn small" data-testid="login-retry"
                    on:click=move |_| auth.check(state)>{move || t(Msg::Retry)}</button>
            </div>
        }.into_any()),
        Reason::Required => None,
    }
    };
    let heading = if cancellable {
        Msg::LoginSwitchHeading
    } else {
        Msg::LoginHeading
    };
    let field = move |key: &'static str,
                      label: Msg,
                      kind: &'static str,
                      value: RwSignal<String>| {
        let autocomplete = match key {
            "login" => "username",
            "password" => "current-password",
            _ => "off",
        };
        view! {
            <label class="form-field">
                <span class="form-label">{move || t(label)}</span>
                <input type=kind data-testid=format!("login-{key}") name=key autocomplete=autocomplete
                    autofocus=key == "login" maxlength=if key == "terminal" { "64" } else { "256" }
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            </label>
        }
    };

    view! {
        <div class="login-screen" class:over=cancellable data-testid="login-page" data-reason=data_reason>
            <button class="lang-toggle login-lang" data-testid="login-lang-toggle" type="button"
                title=move || t(Msg::LangToggleTitle) on:click=move |_| state.toggle_lang()>
                {move || t(Msg::LangToggle)}
            </button>
            <form class="login-card" role="dialog" aria-labelledby="login-heading"
                on:submit=move |ev| {
                    ev.prevent_default();
                    submit();
                }>
                <div class="login-brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span class="title">{move || t(Msg::AppTitle)}</span>
                </div>
                <h1 id="login-heading" class="login-heading">{move || t(heading)}</h1>
                {banner}
                {field("login", Msg::LoginAccount, "text", login)}
                {field("password", Msg::LoginPassword, "password", password)}
                {field("terminal", Msg::LoginTerminal, "text", terminal)}
                <p class="login-hint">{move || t(Msg::LoginTerminalHint)}</p>
                {error}
                <div class="login-buttons">
                    <button type="submit" class="btn primary login-submit" data-testid="login-submit"
                        disabled=move || busy.get() || wait_left().is_some()>
                        {move || if busy.get() {
                            view! { <span class="spinner" aria-hidden="true"></span>{t(Msg::LoginBusy)} }.into_any()
                        } else {
                            t(Msg::LoginSubmit).into_any()
                        }}
                    </button>
                    {cancellable.then(|| view! {
                        <button type="button" class="btn quiet" data-testid="login-cancel"
                            on:click=move |_| auth.prompt.set(None)>{move || t(Msg::Cancel)}</button>
                    })}
                </div>
            </form>
        </div>
    }
}
