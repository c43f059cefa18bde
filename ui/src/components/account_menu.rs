//! Who is signed in, in the header: name, role, a commander's community, and 退出登录 (or,
//! on the desktop's own login, 切换账号). The menu under the name opens 提醒设置 (everyone's),
//! and 账号管理, Open311 接入方, 分类别名, 操作日志, 底图管理 and 连接设置 for the roles and
//! servers that have them.

use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{
    AccountsDialog, AlertsDialog, AliasesDialog, AuditDialog, BasemapDialog, ConnectionDialog,
    Open311Dialog,
};
use binhe_api::auth::ServerMode;

use crate::api::auth as api;
use crate::api::texts;
use crate::app::AppState;
use crate::i18n::Msg;
use crate::session::Auth;

/// The dialog the menu opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Panel {
    Alerts,
    Accounts,
    Open311,
    Aliases,
    Audit,
    Basemap,
    Connection,
}

#[component]
pub fn AccountMenu() -> impl IntoView {
    let state = expect_context::<AppState>();
    let auth = expect_context::<Auth>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let menu_open = RwSignal::new(false);
    let panel = RwSignal::new(None::<Panel>);
    // The desktop app's embedded server offers its connection setting; others answer 404.
    let desktop = RwSignal::new(false);
    let first = crate::map_first::MapFirst::get();
    spawn_local(async move {
        first.wait().await;
        if let Ok(Some(_)) = api::desktop_center().await {
            desktop.set(true);
        }
    });
    let menu = NodeRef::<Div>::new();
    super::close_on_click_outside(menu, menu_open);

    let session = move || state.session.get();
    let item = move |testid: &'static str, label: Msg, open: Panel| {
        view! {
            <button type="button" role="menuitem" class="menu-item" data-testid=testid
                on:click=move |_| {
                    menu_open.set(false);
                    panel.set(Some(open));
                }>
                {move || t(label)}
            </button>
        }
    };
    let who = move || {
        let s = session()?;
        let launch_key = s.is_launch_key();
        let standalone = s.mode == ServerMode::Standalone;
        let may = s.may;
        let account = s.account;
        let role = account.clone();
        Some(view! {
            <div class="account" data-testid="account" data-login=account.login.clone() data-role=account.role.as_str()
                node_ref=menu>
                <button type="button" class="account-chip" data-testid="account-menu"
                    aria-haspopup="menu" aria-expanded=move || menu_open.get().to_string()
                    title=move || t(Msg::AccountMenu) on:click=move |_| menu_open.update(|o| *o = !*o)>
                    <span class="account-name" data-testid="account-name">{account.name.clone()}</span>
                    <span class="account-role" data-testid="account-role">{move || texts::role_name(&role, lang.get()).to_owned()}</span>
                    {account.community_name.clone().map(|c| view! {
                        <span class="account-community" data-testid="account-community">{c}</span>
                    })}
                    {launch_key.then(|| view! { <span class="account-mode">{move || t(Msg::Standalone)}</span> })}
                    <i class="chevron" aria-hidden="true"></i>
                </button>
                <Show when=move || menu_open.get()>
                    <div class="account-dropdown" role="menu" data-testid="account-dropdown">
                        {item("alerts-open", Msg::AlertsOpen, Panel::Alerts)}
                        {may.administer.then(|| item("accounts-open", Msg::AccountsOpen, Panel::Accounts))}
                        {may.administer.then(|| item("open311-open", Msg::Open311Open, Panel::Open311))}
                        {may.administer.then(|| item("aliases-open", Msg::AliasesOpen, Panel::Aliases))}
                        {may.audit.then(|| item("audit-open", Msg::AuditOpen, Panel::Audit))}
                        {may.administer.then(|| item("basemap-open", Msg::BasemapOpen, Panel::Basemap))}
                        {move || desktop.get().then(|| item("connection-open", Msg::ConnectionOpen, Panel::Connection))}
                        {(standalone && !launch_key).then(|| view! {
                            <button type="button" role="menuitem" class="menu-item" data-testid="switch-account-menu"
                                on:click=move |_| {
                                    menu_open.set(false);
                                    auth.switch();
                                }>{move || t(Msg::SwitchAccount)}</button>
                        })}
                    </div>
                </Show>
                {if launch_key {
                    view! {
                        <button type="button" class="header-btn" data-testid="switch-account"
                            on:click=move |_| auth.switch()>{move || t(Msg::SwitchAccount)}</button>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" class="header-btn" data-testid="logout"
                            on:click=move |_| auth.logout(state)>{move || t(Msg::Logout)}</button>
                    }.into_any()
                }}
            </div>
        })
    };
    let shown = move |which: Panel| Signal::derive(move || panel.get() == Some(which));
    let close = Callback::new(move |()| panel.set(None));

    view! {
        {who}
        <AlertsDialog open=shown(Panel::Alerts) on_close=close/>
        <AccountsDialog open=shown(Panel::Accounts) on_close=close/>
        <Open311Dialog open=shown(Panel::Open311) on_close=close/>
        <AliasesDialog open=shown(Panel::Aliases) on_close=close/>
        <AuditDialog open=shown(Panel::Audit) on_close=close/>
        <BasemapDialog open=shown(Panel::Basemap) on_close=close/>
        <ConnectionDialog open=shown(Panel::Connection) on_close=close/>
    }
}
