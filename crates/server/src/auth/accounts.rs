//! Account management: list, create, rename, new password, disable.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use binhe_api::auth::{AccountList, MAX_NAME_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
pub use binhe_api::auth::{AccountPatch, NewAccount};
use binhe_api::error::code;
use binhe_core::access::{Principal, Role};
use binhe_core::ticket::intake::IntakeProblem;
use binhe_core::{GridCode, GridLevel};
use binhe_store::{AccountChange, AccountRepository, StoredAccount};

use super::sessions::stored_view;
use super::{AuthError, Gate, LOCAL_ACCOUNT, passwords};
use crate::dataset::{GridView, Grids};
use crate::http::extract::{Json, Path};
use crate::http::{ApiError, AuditNote, Caller, RequestError};

fn problem(field: &str, zh: String, en: String) -> IntakeProblem {
    IntakeProblem::new(field, code::BAD_REQUEST, zh, en)
}

/// Every problem at once: a form shows each under its field.
fn refuse(problems: Vec<IntakeProblem>) -> Result<(), ApiError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AuthError::AccountInvalid(problems).into())
    }
}

fn checked_name(name: Option<String>, problems: &mut Vec<IntakeProblem>) -> String {
    let name = name.unwrap_or_default().trim().to_owned();
    if name.is_empty() {
        problems.push(problem(
            "name",
            "请填写姓名".to_owned(),
            "name is required".to_owned(),
        ));
    } else if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        problems.push(problem(
            "name",
            format!("姓名最多 {MAX_NAME_CHARS} 个字，且不能含有不可见字符"),
            format!("name must be 1–{MAX_NAME_CHARS} characters without control characters"),
        ));
    }
    name
}

fn checked_password<'a>(password: Option<&'a str>, problems: &mut Vec<IntakeProblem>) -> &'a str {
    let password = password.unwrap_or_default();
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        problems.push(problem(
            "password",
            format!("密码须为 {MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} 个字符"),
            format!("password must be {MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} characters"),
        ));
    }
    password
}

fn checked_login(login: Option<String>, problems: &mut Vec<IntakeProblem>) -> String {
    let login = login.unwrap_or_default().trim().to_owned();
    let well_formed = (3..=32).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
    if login.is_empty() {
        problems.push(problem(
            "login",
            "请填写登录账号".to_owned(),
            "login is required".to_owned(),
        ));
    } else if !well_formed {
        problems.push(problem(
            "login",
            format!("登录账号须为 3–32 位小写英文字母、数字或 - _ .，“{login}”不符合"),
            format!("login must be 3–32 of a-z 0-9 - _ ., got {login:?}"),
        ));
    } else if login == LOCAL_ACCOUNT {
        problems.push(problem(
            "login",
            format!("“{login}”是本机调度员专用的账号名，请换一个"),
            format!("{LOCAL_ACCOUNT} is reserved for the desktop's own dispatcher"),
        ));
    }
    login
}

/// Checks a new account against the grids and workers and stores it with its password hashed;
/// a refusal names every field that is wrong, not only the first.
pub async fn create(
    accounts: &dyn AccountRepository,
    view: &GridView,
    request: NewAccount,
) -> Result<StoredAccount, ApiError> {
    let mut problems = Vec::new();
    let login = checked_login(request.login, &mut problems);
    let name = checked_name(request.name, &mut problems);
    let role_text = request.role.unwrap_or_default();
    let role = Role::from_code(role_text.trim());
    if role.is_none() {
        problems.push(problem(
            "role",
            "请选择角色：调度员、社区指挥、网格员或管理员".to_owned(),
            format!(
                "role must be dispatcher, commander, worker or administrator, got {role_text:?}"
            ),
        ));
    }
    let community = if role == Some(Role::Commander) {
        let text = request.community.unwrap_or_default();
        let code = GridCode::parse(text.trim())
            .ok()
            .filter(|c| c.level() == GridLevel::Community)
            .filter(|c| view.hierarchy().index_of(c).is_some());
        if code.is_none() {
            problems.push(problem(
                "community",
                if text.trim().is_empty() {
                    "社区指挥须选择所在社区".to_owned()
                } else {
                    format!("“{text}”不是本街道的社区，请从列表中选择")
                },
                format!("a commander needs the code of a community of this street, got {text:?}"),
            ));
        }
        code
    } else {
        None
    };
    let worker_id = if role == Some(Role::Worker) {
        let id = request.worker_id.unwrap_or_default().trim().to_owned();
        if view.worker(&id).is_none() {
            problems.push(problem(
                "worker_id",
                if id.is_empty() {
                    "网格员账号须选择对应的网格员".to_owned()
                } else {
                    format!("本街道没有编号为“{id}”的网格员，请从列表中选择")
                },
                format!(
                    "a grid worker account needs the id of a worker of this street, got {id:?}"
                ),
            ));
        }
        Some(id)
    } else {
        None
    };
    let password = checked_password(request.password.as_deref(), &mut problems);
    let (Some(role), []) = (role, problems.as_slice()) else {
        return Err(AuthError::AccountInvalid(problems).into());
    };
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
    let mut problems = Vec::new();
    let name = patch.name.map(|n| checked_name(Some(n), &mut problems));
    let password = patch
        .password
        .as_deref()
        .map(|p| checked_password(Some(p), &mut problems));
    refuse(problems)?;
    if name.is_some() {
        what.push("name");
    }
    let password_hash = match password {
        Some(password) => {
            what.push("password");
            Some(
                passwords::hash(password)
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
