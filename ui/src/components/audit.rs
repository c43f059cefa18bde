//! 操作日志 (dispatcher, administrator): who did what, from which terminal, and what the
//! server answered — newest first, filtered by account, action and Beijing dates, times in
//! Beijing time.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::upload::Modal;
use binhe_api::auth::{AuditLine, AuditPage, AuditQuery};
use binhe_core::ticket::{ActionKind, ActorRole};
use chrono::SecondsFormat;

use crate::api::ApiError;
use crate::api::auth as api;
use crate::api::texts::Named;
use crate::app::AppState;
use crate::components::table::data_table;
use crate::components::{DateField, ErrorText};
use crate::i18n::{Lang, Msg, audit_count};
use crate::tickets::time::{day_end, day_start, full};

/// Entries asked for at once (the server's default).
const LIMIT: u32 = 200;

/// Actions the log names besides the ticket actions, offered in the filter and shown by name.
const ACTIONS: [(&str, Msg); 15] = [
    ("login", Msg::AuditLogin),
    ("login_failed", Msg::AuditLoginFailed),
    ("login_throttled", Msg::AuditLoginThrottled),
    ("logout", Msg::AuditLogout),
    ("ticket.create", Msg::AuditTicketCreate),
    ("ticket.dispatch", Msg::AuditTicketDispatch),
    ("ticket.drop", Msg::AuditTicketDrop),
    ("tickets.import", Msg::AuditTicketsImport),
    ("grids.import", Msg::AuditGridsImport),
    ("catalogue.replace", Msg::AuditCatalogueReplace),
    ("sla.replace", Msg::AuditSlaChange),
    ("demo_feed.control", Msg::AuditDemoFeed),
    ("account.create", Msg::AuditAccountCreate),
    ("account.update", Msg::AuditAccountUpdate),
    ("desktop.center", Msg::AuditDesktopCenter),
];

/// The name of an action code: `ticket.verify` is 工单·核查通过 after the card's button; a code
/// this UI does not know is shown as it is.
fn action_name(code: &str, lang: Lang) -> String {
    if let Some((_, m)) = ACTIONS.iter().find(|(c, _)| *c == code) {
        return m.text(lang).to_owned();
    }
    code.strip_prefix("ticket.")
        .and_then(ActionKind::from_code)
        .map_or_else(
            || code.to_owned(),
            |a| format!("{}·{}", Msg::AuditTicket.text(lang), a.short(lang)),
        )
}

/// How an answered status reads at a glance.
fn status_class(status: u16) -> &'static str {
    match status {
        200..=399 => "status-tag on",
        400..=499 => "status-tag refused",
        _ => "status-tag off",
    }
}

/// The audit table's columns, left to right.
const AUDIT_COLUMNS: &[Msg] = &[
    Msg::AuditColTime,
    Msg::AuditAccount,
    Msg::ColRole,
    Msg::AuditColTerminal,
    Msg::AuditColAddress,
    Msg::AuditAction,
    Msg::AuditColTarget,
    Msg::AuditColStatus,
    Msg::AuditColDetail,
];

#[component]
pub fn AuditDialog(#[prop(into)] open: Signal<bool>, on_close: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let account = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let page = RwSignal::new(None::<Result<AuditPage, ApiError>>);
    let busy = RwSignal::new(false);

    let search = move || {
        let day = |at: Option<chrono::DateTime<chrono::Utc>>| {
            at.map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
        };
        let filter = AuditQuery {
            account: Some(account.get_untracked()),
            action: Some(action.get_untracked()),
            since: day(day_start(&since.get_untracked())),
            until: day(day_end(&until.get_untracked())),
            limit: Some(LIMIT),
            ..AuditQuery::default()
        };
        busy.set(true);
        spawn_local(async move {
            let result = api::audit(&filter).await;
            busy.set(false);
            page.set(Some(result));
        });
    };
    Effect::new(move || {
        if open.get() {
            search();
        }
    });

    let text_filter = move |key: &'static str,
                            label: Msg,
                            kind: &'static str,
                            value: RwSignal<String>| {
        view! {
            <label class="form-field">
                <span class="form-label">{move || t(label)}</span>
                <input type=kind data-input=key list=(key == "action").then_some("audit-actions")
                    placeholder=move || (key == "action").then(|| t(Msg::AuditAnyAction))
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            </label>
        }
    };
    // A day typed as 年-月-日 (not the native date field, drawn in the OS's language).
    let date_filter = move |key: &'static str, label: Msg, value: RwSignal<String>| {
        view! {
            <label class="form-field">
                <span class="form-label">{move || t(label)}</span>
                <DateField input=key value=value on_input=Callback::new(move |v| value.set(v))/>
            </label>
        }
    };
    let action_list = move || {
        let lang = lang.get();
        ACTIONS
            .iter()
            .map(|(code, label)| view! { <option value=*code>{label.text(lang)}</option> })
            .collect_view()
    };
    let table = move || {
        let result = page.get()?;
        Some(match result {
            Err(error) => view! {
                <p class="action-error" role="alert">{t(Msg::ErrorLoadAudit)}"："<ErrorText error/></p>
            }
            .into_any(),
            Ok(p) if p.entries.is_empty() => {
                view! { <p class="muted" data-testid="audit-empty">{t(Msg::AuditEmpty)}</p> }.into_any()
            }
            Ok(p) => {
                let count = audit_count(lang.get(), p.entries.len(), p.total);
                let rows = p.entries.iter().map(|e| entry_row(lang, e)).collect_view();
                view! {
                    <p class="result-note" data-testid="audit-count">{count}</p>
                    {data_table(lang, AUDIT_COLUMNS, ("audit-table", "audit-table"), rows)}
                }
                .into_any()
            }
        })
    };

    view! {
        <Modal open on_close title=Msg::AuditTitle testid="audit" class="wide-dialog" busy>
            <form class="audit-filters" data-testid="audit-filters" on:submit=move |ev| {
                ev.prevent_default();
                search();
            }>
                {text_filter("account", Msg::AuditAccount, "text", account)}
                {text_filter("action", Msg::AuditAction, "text", action)}
                {date_filter("since", Msg::AuditSince, since)}
                {date_filter("until", Msg::AuditUntil, until)}
                <datalist id="audit-actions">{action_list}</datalist>
                <div class="form-buttons">
                    <button type="submit" class="btn primary" data-testid="audit-search" disabled=move || busy.get()>
                        {move || t(Msg::AuditSearch)}
                    </button>
                    <button type="button" class="btn quiet" on:click=move |_| {
                        for s in [account, action, since, until] {
                            s.set(String::new());
                        }
                        search();
                    }>{move || t(Msg::AuditClear)}</button>
                </div>
            </form>
            {move || busy.get().then(|| view! { <p class="muted">{t(Msg::AuditLoading)}</p> })}
            {table}
        </Modal>
    }
}

fn entry_row(lang: RwSignal<Lang>, e: &AuditLine) -> impl IntoView {
    let dash = || "—".to_owned();
    // The server leaves a field empty where there is nothing to say (no account before a
    // login, …).
    let text = |field: &str| {
        Some(field)
            .filter(|f| !f.is_empty())
            .map_or_else(dash, str::to_owned)
    };
    let role = e.role.clone();
    let role = move || {
        if role.is_empty() {
            return dash();
        }
        ActorRole::from_code(&role).map_or_else(|| role.clone(), |r| r.name(lang.get()).to_owned())
    };
    let code = e.action.clone();
    let title = code.clone();
    let detail = e.detail.clone();
    view! {
        <tr data-action=e.action.clone() data-id=e.id.to_string()>
            <td class="mono nowrap">{full(e.at)}</td>
            <td class="mono">{text(&e.account)}</td>
            <td class="nowrap">{role}</td>
            <td>{text(&e.terminal)}</td>
            <td class="mono">{text(&e.address)}</td>
            <td class="nowrap" title=title>{move || action_name(&code, lang.get())}</td>
            <td class="mono">{text(&e.target)}</td>
            <td><span class=status_class(e.status)>{e.status.to_string()}</span></td>
            <td class="detail" title=detail.clone()>{detail.clone()}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_actions_are_named_and_others_shown_as_they_are() {
        assert_eq!(action_name("login_failed", Lang::Zh), "登录失败");
        assert_eq!(action_name("ticket.dispatch", Lang::En), "Dispatch");
        assert_eq!(action_name("ticket.verify", Lang::Zh), "工单·核查通过");
        assert_eq!(action_name("accounts.patch", Lang::Zh), "accounts.patch");
    }

    #[test]
    fn refused_requests_stand_out() {
        assert_eq!(status_class(204), "status-tag on");
        assert_eq!(status_class(403), "status-tag refused");
        assert_eq!(status_class(500), "status-tag off");
    }
}
