//! Account management: list, create, rename, new password, disable.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use binhe_api::auth::{AccountList, MAX_NAME_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
pub use binhe_api::auth::{AccountPatch, NewAccount};
use binhe_core::access::{Principal, Role};
use binhe_core::{GridCode, GridLevel};
use binhe_store::{AccountChange, AccountRepository, StoredAccount};

use super::sessions::stored_view;
use super::{AuthError, Gate, LOCAL_ACCOUNT, passwords};
use crate::dataset::{GridView, Grids};
use crate::http::extract::{Json, Path};
use crate::http::{ApiError, AuditNote, Caller, RequestError};

fn bad(field: &'static str, en: String, zh: String) -> ApiError {
    RequestError::bad(field, en, zh).into()
}

fn checked_name(name: Option<String>) -> Result<String, ApiError> {
    let name = name.unwrap_or_default().trim().to_owned();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(bad(
            "name",
            format!("name must be 1–{MAX_NAME_CHARS} characters without control characters"),
            format!("姓名须为 1–{MAX_NAME_CHARS} 个字符，不含控制字符"),
        ));
    }
    Ok(name)
}

fn checked_password(password: Option<&str>) -> Result<&str, ApiError> {
    let password = password.unwrap_or_default();
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(bad(
            "password",
            format!("password must be {MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} characters"),
            format!("密码须为 {MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} 个字符"),
        ));
    }
    Ok(password)
}

/// Checks a new account against the grids and workers and stores it with its password hashed.
pub async fn create(
    accounts: &dyn AccountRepository,
    view: &GridView,
    request: NewAccount,
) -> Result<StoredAccount, ApiError> {
    let login = request.login.unwrap_or_default().trim().to_owned();
    let login_ok = (3..=32).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
    if !login_ok || login == LOCAL_ACCOUNT {
        return Err(bad(
            "login",
            format!("login must be 3–32 of a-z 0-9 - _ . (and not {LOCAL_ACCOUNT}), got {login:?}"),
            format!(
                "账号须为 3–32 位小写字母、数字或 - _ .（且不能是 {LOCAL_ACCOUNT}），收到“{login}”"
            ),
        ));
    }
    let name = checked_name(request.name)?;
    let role_text = request.role.unwrap_or_default();
    let role = Role::from_code(role_text.trim()).ok_or_else(|| {
        bad(
            "role",
            format!("role must be dispatcher, commander, worker or administrator, got {role_text:?}"),
            format!("角色须为 dispatcher（调度员）、commander（社区指挥）、worker（网格员）或 administrator（管理员），收到“{role_text}”"),
        )
    })?;
    let community = match role {
        Role::Commander => {
            let text = request.community.unwrap_or_default();
            let code = GridCode::parse(text.trim())
                .ok()
                .filter(|c| c.level() == GridLevel::Community)
                .filter(|c| view.hierarchy().index_of(c).is_some())
                .ok_or_else(|| {
                    bad(
                        "community",
                        format!(
                            "a commander needs the code of a community of this street, got {text:?}"
                        ),
                        format!("社区指挥须指定本街道一个社区的编码，收到“{text}”"),
                    )
                })?;
            Some(code)
        }
        _ => None,
    };
    let worker_id = match role {
        Role::Worker => {
            let id = request.worker_id.unwrap_or_default().trim().to_owned();
            if view.worker(&id).is_none() {
                return Err(bad(
                    "worker_id",
                    format!(
                        "a grid worker account needs the id of a worker of this street, got {id:?}"
                    ),
                    format!("网格员账号须指定本街道一名网格员的编号，收到“{id}”"),
                ));
            }
            Some(id)
        }
        _ => None,
    };
    let password = checked_password(request.password.as_deref())?;
    let account = StoredAccount {
        principal: Principal {
            account: login,
            name,
            role,
            community,
            worker_id,
        },
        disabled: false,
        password_hash: passwords::hash(password)
            .await
            .map_err(|e| RequestError::Internal(e.to_string()))?,
    };
    accounts
        .create_account(&account, chrono::Utc::now())
        .await
        .map_err(|error| match error {
            binhe_store::StoreError::AccountExists { login } => {
                ApiError::from(AuthError::AccountExists { login })
            }
            other => ApiError::from(other),
        })?;
    Ok(account)
}

pub async fn list(
    State(gate): State<Gate>,
    State(grids): State<Grids>,
    caller: Caller,
) -> Result<Json<AccountList>, ApiError> {
    caller.must_administer()?;
    let view = grids.view();
    let accounts = gate
        .accounts
        .accounts()
        .await?
        .iter()
        .map(|a| stored_view(&view, a))
        .collect();
    Ok(Json(AccountList { accounts }))
}

pub async fn add(
    State(gate): State<Gate>,
    State(grids): State<Grids>,
    caller: Caller,
    Json(request): Json<NewAccount>,
) -> Result<Response, ApiError> {
    caller.must_administer()?;
    let login = request.login.clone().unwrap_or_default();
    let note = AuditNote::new("account.create", &login)
        .detail(request.role.as_deref().unwrap_or_default());
    let role = request
        .role
        .as_deref()
        .map(str::trim)
        .and_then(Role::from_code);
    if let Some(role) = role.filter(|r| r.rights() > caller.principal.role.rights()) {
        return Ok(note.attach(ApiError::from(AuthError::AccountAboveCaller {
            login,
            role: role.as_str(),
        })));
    }
    let view = grids.view();
    Ok(match create(gate.accounts.as_ref(), &view, request).await {
        Ok(account) => note.attach((StatusCode::CREATED, Json(stored_view(&view, &account)))),
        Err(error) => note.attach(error),
    })
}

pub async fn change(
    State(gate): State<Gate>,
    State(grids): State<Grids>,
    caller: Caller,
    Path(login): Path<String>,
    Json(patch): Json<AccountPatch>,
) -> Result<Response, ApiError> {
    caller.must_administer()?;
    let note = |what: &str| AuditNote::new("account.update", &login).detail(what);
    let target =
        gate.accounts
            .account(&login)
            .await?
            .ok_or_else(|| AuthError::AccountNotFound {
                login: login.clone(),
            })?;
    let me = &caller.principal;
    let target_role = target.principal.role;
    if target_role.rights() > me.role.rights() {
        return Ok(
            note("refused").attach(ApiError::from(AuthError::AccountAboveCaller {
                login: login.clone(),
                role: target_role.as_str(),
            })),
        );
    }
    if patch.password.is_some() && login != me.account && me.role != Role::Administrator {
        return Ok(note("password refused").attach(ApiError::from(
            AuthError::PasswordResetNotPermitted {
                login: login.clone(),
            },
        )));
    }
    let mut what = Vec::new();
    let name = patch.name.map(|n| checked_name(Some(n))).transpose()?;
    if name.is_some() {
        what.push("name");
    }
    let password_hash = match patch.password.as_deref() {
        Some(password) => {
            what.push("password");
            Some(
                passwords::hash(checked_password(Some(password))?)
                    .await
                    .map_err(|e| RequestError::Internal(e.to_string()))?,
            )
        }
        None => None,
    };
    match patch.disabled {
        Some(true) => what.push("disabled"),
        Some(false) => what.push("enabled"),
        None => {}
    }
    let change = AccountChange {
        name,
        password_hash,
        disabled: patch.disabled,
    };
    let account = gate
        .accounts
        .update_account(&login, &change, chrono::Utc::now())
        .await?
        .ok_or_else(|| AuthError::AccountNotFound {
            login: login.clone(),
        })?;
    Ok(note(&what.join(",")).attach(Json(stored_view(&grids.view(), &account))))
}
