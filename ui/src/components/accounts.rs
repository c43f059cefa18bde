//! 账号管理 (dispatcher, administrator): every account with its role and community, a new
//! password or 停用/启用 per row, and the form for a new account. What the server refuses is
//! shown beside the field it names.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::upload::Modal;
use binhe_api::Problem;
use binhe_api::auth::{Account, AccountPatch, NewAccount};
use binhe_api::error::code::ACCOUNT_EXISTS;
use binhe_core::GridLevel;
use binhe_core::access::Role;
use binhe_core::ticket::intake::IntakeProblem;

use crate::api::auth as api;
use crate::api::texts::{self, Named};
use crate::api::{self as base, ApiError};
use crate::app::AppState;
use crate::components::ErrorText;
use crate::components::form::{FieldProblems, problems_under, sort_problems};
use crate::components::table::{data_table, loaded};
use crate::i18n::{Lang, Msg};

/// The fields of the new-account form, as the server names them.
const FIELDS: [&str; 6] = [
    "login",
    "name",
    "role",
    "community",
    "worker_id",
    "password",
];

/// Which field of the new-account form an error is about (`None`: the form as a whole).
fn field_of(error: &ApiError) -> Option<&'static str> {
    if error.code == ACCOUNT_EXISTS {
        return Some("login");
    }
    let field = error.field.as_deref()?;
    FIELDS.into_iter().find(|f| *f == field)
}

/// A refusal as problems under the form's fields — every one the server named, not only the
/// first — and what is left for the form as a whole.
fn by_field(error: ApiError) -> (HashMap<String, Vec<Problem>>, Option<ApiError>) {
    if !error.problems.is_empty() {
        return sort_problems(error, str::to_owned, |k| FIELDS.contains(&k));
    }
    match field_of(&error) {
        Some(key) => {
            let problem = IntakeProblem::new(
                key,
                &error.code,
                error.message_zh.clone(),
                error.message_en.clone(),
            );
            (
                HashMap::from([(key.to_owned(), vec![Problem::Intake(problem)])]),
                None,
            )
        }
        None => (HashMap::new(), Some(error)),
    }
}

#[derive(Clone, Copy)]
struct NewForm {
    login: RwSignal<String>,
    name: RwSignal<String>,
    role: RwSignal<String>,
    community: RwSignal<String>,
    worker_id: RwSignal<String>,
    password: RwSignal<String>,
    busy: RwSignal<bool>,
    /// What the server said of the form as a whole.
    error: RwSignal<Option<ApiError>>,
    /// What it said of each field.
    problems: FieldProblems,
    created: RwSignal<Option<String>>,
}

impl NewForm {
    fn blank() -> Self {
        NewForm {
            login: RwSignal::new(String::new()),
            name: RwSignal::new(String::new()),
            role: RwSignal::new(Role::ALL[0].as_str().to_owned()),
            community: RwSignal::new(String::new()),
            worker_id: RwSignal::new(String::new()),
            password: RwSignal::new(String::new()),
            busy: RwSignal::new(false),
            error: RwSignal::new(None),
            problems: RwSignal::new(HashMap::new()),
            created: RwSignal::new(None),
        }
    }

    /// The request; a community only for a commander, a worker id only for a worker.
    fn request(self) -> NewAccount {
        let role = self.role.get_untracked();
        let text = |s: RwSignal<String>| {
            Some(s.get_untracked().trim().to_owned()).filter(|s| !s.is_empty())
        };
        NewAccount {
            login: Some(self.login.get_untracked().trim().to_owned()),
            name: Some(self.name.get_untracked().trim().to_owned()),
            community: (role == Role::Commander.as_str())
                .then(|| text(self.community))
                .flatten(),
            worker_id: (role == Role::Worker.as_str())
                .then(|| text(self.worker_id))
                .flatten(),
            role: Some(role),
            password: Some(self.password.get_untracked()),
        }
    }

    fn clear(self) {
        for s in [
            self.login,
            self.name,
            self.community,
            self.worker_id,
            self.password,
        ] {
            s.set(String::new());
        }
    }
}

/// A row's password change or switch, and what came of it.
#[derive(Clone, Copy)]
struct RowEdit {
    /// The login whose new-password field is open.
    password_for: RwSignal<Option<String>>,
    password: RwSignal<String>,
    /// The login an answer is about: an error, or a done message.
    outcome: RwSignal<Option<(String, Result<Msg, ApiError>)>>,
}

/// The accounts table's columns, left to right.
const ACCOUNT_COLUMNS: &[Msg] = &[
    Msg::ColLogin,
    Msg::ColName,
    Msg::ColRole,
    Msg::ColCommunity,
    Msg::ColWorkerId,
    Msg::ColStatus,
    Msg::ColActions,
];

#[component]
pub fn AccountsDialog(#[prop(into)] open: Signal<bool>, on_close: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let accounts = RwSignal::new(None::<Result<Arc<Vec<Account>>, ApiError>>);
    // (code, name) of every community, for a commander's account.
    let communities = RwSignal::new(Vec::<(String, String, String)>::new());
    let form = NewForm::blank();
    let edit = RowEdit {
        password_for: RwSignal::new(None),
        password: RwSignal::new(String::new()),
        outcome: RwSignal::new(None),
    };

    let load = move || {
        spawn_local(async move {
            accounts.set(Some(api::accounts().await.map(Arc::new)));
        });
    };
    Effect::new(move || {
        if !open.get() {
            return;
        }
        load();
        spawn_local(async move {
            if let Ok(tree) = base::tree().await {
                let list = tree
                    .children
                    .iter()
                    .filter(|c| c.level == GridLevel::Community)
                    .map(|c| (c.code.to_string(), c.name.clone(), c.name_en.clone()))
                    .collect();
                communities.set(list);
            }
        });
    });

    let replace = move |account: Account| {
        accounts.update(|list| {
            if let Some(Ok(list)) = list {
                let list = Arc::make_mut(list);
                if let Some(row) = list.iter_mut().find(|a| a.login == account.login) {
                    *row = account;
                }
            }
        });
    };
    let change = move |login: String, change: AccountPatch, done: Msg| {
        edit.outcome.set(None);
        spawn_local(async move {
            match api::change_account(&login, &change).await {
                Ok(account) => {
                    replace(account);
                    edit.password_for.set(None);
                    edit.password.set(String::new());
                    edit.outcome.set(Some((login, Ok(done))));
                }
                Err(e) => edit.outcome.set(Some((login, Err(e)))),
            }
        });
    };
    let create = move |_| {
        form.busy.set(true);
        form.error.set(None);
        form.problems.set(HashMap::new());
        form.created.set(None);
        let request = form.request();
        spawn_local(async move {
            let result = api::create_account(&request).await;
            form.busy.set(false);
            match result {
                Ok(account) => {
                    form.clear();
                    form.created.set(Some(account.login));
                    load();
                }
                Err(e) => {
                    let (problems, rest) = by_field(e);
                    form.problems.set(problems);
                    form.error.set(rest);
                }
            }
        });
    };

    let me = move || {
        state
            .session
            .with(|s| s.as_ref().map(|s| s.account.login.clone()))
    };
    let rows = move || {
        let list = match loaded(
            lang,
            accounts.get(),
            Msg::AccountsLoading,
            Msg::ErrorLoadAccounts,
        ) {
            Ok(list) => list,
            Err(instead) => return instead,
        };
        let me = me();
        let rows = list
            .iter()
            .map(|a| {
                account_row(
                    lang,
                    a,
                    me.as_deref() == Some(a.login.as_str()),
                    edit,
                    change,
                )
            })
            .collect_view();
        view! {
            {data_table(lang, ACCOUNT_COLUMNS, ("accounts-table", ""), rows)}
        }
        .into_any()
    };

    view! {
        <Modal open on_close title=Msg::AccountsTitle testid="accounts" class="wide-dialog">
            {rows}
            {new_account_form(lang, form, communities, create)}
        </Modal>
    }
}

fn account_row(
    lang: RwSignal<Lang>,
    a: &Account,
    is_me: bool,
    edit: RowEdit,
    change: impl Fn(String, AccountPatch, Msg) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    let login = a.login.clone();
    let disabled = a.disabled;
    let role = a.clone();
    let (for_edit, for_form, for_outcome, for_switch) =
        (login.clone(), login.clone(), login.clone(), login.clone());
    let editing = move || {
        edit.password_for
            .with(|l| l.as_deref() == Some(for_form.as_str()))
    };
    let outcome = move || {
        edit.outcome.with(|o| match o {
            Some((l, result)) if *l == for_outcome => Some(result.clone()),
            _ => None,
        })
    };
    let save_password = {
        let login = login.clone();
        move || {
            let password = edit.password.get_untracked();
            change(
                login.clone(),
                AccountPatch {
                    password: Some(password),
                    ..AccountPatch::default()
                },
                Msg::AccountPasswordChanged,
            );
        }
    };
    view! {
        <tr data-login=login.clone() data-disabled=disabled.to_string() class:row-disabled=disabled>
            <td class="mono">
                {login.clone()}
                {is_me.then(|| view! { <span class="you-tag">{move || t(Msg::AccountYou)}</span> })}
            </td>
            <td>{a.name.clone()}</td>
            <td>{move || texts::role_name(&role, lang.get()).to_owned()}</td>
            <td>{a.community_name.clone().or_else(|| a.community.as_ref().map(ToString::to_string)).unwrap_or_else(|| "—".to_owned())}</td>
            <td class="mono">{a.worker_id.clone().unwrap_or_else(|| "—".to_owned())}</td>
            <td data-field="status">
                <span class=if disabled { "status-tag off" } else { "status-tag on" }>
                    {move || t(if disabled { Msg::AccountDisabled } else { Msg::AccountActive })}
                </span>
            </td>
            <td class="row-actions">
                <button type="button" class="btn small" data-action="password"
                    on:click=move |_| {
                        edit.outcome.set(None);
                        edit.password.set(String::new());
                        edit.password_for.set(Some(for_edit.clone()));
                    }>{move || t(Msg::AccountChangePassword)}</button>
                <button type="button" class="btn small" data-action=if disabled { "enable" } else { "disable" }
                    on:click=move |_| change(
                        for_switch.clone(),
                        AccountPatch { disabled: Some(!disabled), ..AccountPatch::default() },
                        if disabled { Msg::AccountEnable } else { Msg::AccountDisable },
                    )>
                    {move || t(if disabled { Msg::AccountEnable } else { Msg::AccountDisable })}
                </button>
                <Show when=editing.clone()>
                    <form class="row-form" on:submit={
                        let save = save_password.clone();
                        move |ev| {
                            ev.prevent_default();
                            save();
                        }
                    }>
                        <input type="password" data-input="new-password" autocomplete="new-password"
                            placeholder=move || t(Msg::AccountNewPassword) aria-label=move || t(Msg::AccountNewPassword)
                            prop:value=move || edit.password.get() on:input=move |ev| edit.password.set(event_target_value(&ev))/>
                        <button type="submit" class="btn small primary" data-action="save-password">{move || t(Msg::AccountSave)}</button>
                        <button type="button" class="btn small quiet" on:click=move |_| edit.password_for.set(None)>{move || t(Msg::Cancel)}</button>
                    </form>
                </Show>
                {move || outcome().map(|result| match result {
                    Ok(done) => view! { <span class="row-done" data-testid="row-done">{move || t(done)}" ✓"</span> }.into_any(),
                    Err(error) => view! { <p class="field-error" data-testid="row-error"><ErrorText error/></p> }.into_any(),
                })}
            </td>
        </tr>
    }
}

fn new_account_form(
    lang: RwSignal<Lang>,
    form: NewForm,
    communities: RwSignal<Vec<(String, String, String)>>,
    create: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    // The server's answer, beside each field it names. Every field is required.
    let error_at = move |key: &'static str| problems_under(form.problems, key);
    let input = move |key: &'static str,
                      label: Msg,
                      kind: &'static str,
                      value: RwSignal<String>| {
        view! {
            <label class="form-field">
                <span class="form-label required">{move || t(label)}</span>
                <input type=kind data-input=key autocomplete="off" prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))/>
                {error_at(key)}
            </label>
        }
    };
    let roles = Role::ALL
        .into_iter()
        .map(|role| {
            let code = role.as_str();
            view! { <option value=code selected=move || form.role.get() == code>{move || role.name(lang.get())}</option> }
        })
        .collect_view();
    let community_options = move || {
        let lang = lang.get();
        communities
            .get()
            .into_iter()
            .map(|(code, name, name_en)| {
                let is = code.clone();
                view! {
                    <option value=code selected=move || form.community.get() == is>
                        {lang.pick(&name, &name_en).to_owned()}
                    </option>
                }
            })
            .collect_view()
    };
    let role_is = move |role: Role| move || form.role.get() == role.as_str();
    view! {
        <form class="account-form" data-testid="account-form" on:submit=move |ev| ev.prevent_default()>
            <p class="form-title">{move || t(Msg::AccountNewTitle)}</p>
            <div class="form-grid">
                <label class="form-field">
                    <span class="form-label required">{move || t(Msg::ColLogin)}</span>
                    <input type="text" data-input="login" autocomplete="off" placeholder=move || t(Msg::AccountLoginRule)
                        prop:value=move || form.login.get() on:input=move |ev| form.login.set(event_target_value(&ev))/>
                    {error_at("login")}
                </label>
                {input("name", Msg::ColName, "text", form.name)}
                <label class="form-field">
                    <span class="form-label required">{move || t(Msg::ColRole)}</span>
                    <select data-input="role" on:change=move |ev| form.role.set(event_target_value(&ev))>{roles}</select>
                    {error_at("role")}
                </label>
                <Show when=role_is(Role::Commander)>
                    <label class="form-field">
                        <span class="form-label required">{move || t(Msg::ColCommunity)}</span>
                        <select data-input="community" on:change=move |ev| form.community.set(event_target_value(&ev))>
                            <option value="" selected=move || form.community.get().is_empty()>{move || t(Msg::AccountChooseCommunity)}</option>
                            {community_options}
                        </select>
                        {error_at("community")}
                    </label>
                </Show>
                <Show when=role_is(Role::Worker)>
                    {input("worker_id", Msg::ColWorkerId, "text", form.worker_id)}
                </Show>
                {input("password", Msg::AccountPasswordRule, "password", form.password)}
            </div>
            {move || form.error.get().map(|error| view! {
                <p class="action-error" role="alert" data-testid="account-form-error"><ErrorText error/></p>
            })}
            {move || form.created.get().map(|login| view! {
                <p class="row-done" data-testid="account-created" role="status">{move || t(Msg::AccountCreated)}" "<span class="mono">{login.clone()}</span>" ✓"</p>
            })}
            <div class="form-buttons">
                <button type="button" class="btn primary" data-testid="account-create"
                    disabled=move || form.busy.get() on:click=create>{move || t(Msg::AccountCreate)}</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(code: &str, field: Option<&str>) -> ApiError {
        let mut e = ApiError::client(code, "错".into(), "wrong".into());
        e.status = Some(400);
        e.detail.field = field.map(str::to_owned);
        e
    }

    #[test]
    fn refusals_land_beside_their_field() {
        assert_eq!(
            field_of(&bad("BAD_REQUEST", Some("password"))),
            Some("password")
        );
        assert_eq!(
            field_of(&bad("BAD_REQUEST", Some("community"))),
            Some("community")
        );
        assert_eq!(field_of(&bad(ACCOUNT_EXISTS, None)), Some("login"));
        // A field the form does not have: the error is shown for the whole form.
        assert_eq!(field_of(&bad("BAD_REQUEST", Some("shoe_size"))), None);
        assert_eq!(field_of(&bad("ROLE_NOT_PERMITTED", None)), None);
    }
}
