//! The Open311 clients an administrator registers (`/api/open311/clients`): each gets a key of
//! 32 random bytes (hex), shown once; the store keeps its SHA-256 only.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::Response;
use binhe_api::open311::{
    CreatedOpen311Client, MAX_CLIENT_NAME_CHARS, NewOpen311Client, Open311ClientList,
    Open311ClientView,
};
use binhe_store::{AccountRepository, Open311Client, StoreError};
use sha2::{Digest, Sha256};

use super::Open311Error;
use crate::http::extract::{Json, Path, read_body};
use crate::http::{ApiError, AuditNote, Caller, RequestError};

/// What the store keeps of a key.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A new key: 32 random bytes in hex.
fn new_key() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::from(Open311Error::Failed(format!("no random key: {e}"))))?;
    Ok(hex::encode(bytes))
}

pub fn view(client: &Open311Client) -> Open311ClientView {
    Open311ClientView {
        id: client.id,
        name: client.name.clone(),
        created_by: client.created_by.clone(),
        created_at: client.created_at,
        revoked_at: client.revoked_at,
    }
}

/// A client name: 1–64 characters, no control characters.
pub fn checked_name(name: Option<&str>) -> Result<String, ApiError> {
    let name = name.unwrap_or_default().trim();
    if name.is_empty()
        || name.chars().count() > MAX_CLIENT_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(RequestError::bad(
            "name",
            format!("name must be 1–{MAX_CLIENT_NAME_CHARS} characters without control characters"),
            format!("客户端名称须为 1–{MAX_CLIENT_NAME_CHARS} 个字符，不含控制字符"),
        )
        .into());
    }
    Ok(name.to_owned())
}

/// Registers a client and returns it with its key (the CLI does the same).
pub async fn register(
    accounts: &dyn AccountRepository,
    name: &str,
    created_by: &str,
) -> Result<(Open311Client, String), ApiError> {
    let key = new_key()?;
    match accounts
        .create_open311_client(name, &key_hash(&key), created_by, chrono::Utc::now())
        .await
    {
        Ok(client) => Ok((client, key)),
        Err(StoreError::Open311ClientExists { name }) => {
            Err(Open311Error::ClientExists { name }.into())
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn list(
    State(accounts): State<Arc<dyn AccountRepository>>,
    caller: Caller,
) -> Result<Json<Open311ClientList>, ApiError> {
    caller.must_administer()?;
    let clients = accounts.open311_clients().await?.iter().map(view).collect();
    Ok(Json(Open311ClientList { clients }))
}

pub async fn create(
    State(accounts): State<Arc<dyn AccountRepository>>,
    caller: Caller,
    body: Result<axum::Json<NewOpen311Client>, JsonRejection>,
) -> Result<Response, ApiError> {
    caller.must_administer()?;
    let request = read_body(body, "请求内容不是有效的 Open311 客户端 JSON")?;
    let name = checked_name(request.name.as_deref())?;
    let (client, api_key) = register(accounts.as_ref(), &name, &caller.principal.account).await?;
    let note = AuditNote::new("open311_client.create", &client.id.to_string()).detail(&name);
    Ok(note.attach((
        StatusCode::CREATED,
        Json(CreatedOpen311Client {
            client: view(&client),
            api_key,
        }),
    )))
}

pub async fn revoke(
    State(accounts): State<Arc<dyn AccountRepository>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    caller.must_administer()?;
    let client = accounts
        .revoke_open311_client(id, chrono::Utc::now())
        .await?
        .ok_or(Open311Error::ClientNotFound { id })?;
    let note = AuditNote::new("open311_client.revoke", &id.to_string()).detail(&client.name);
    Ok(note.attach(Json(view(&client))))
}
