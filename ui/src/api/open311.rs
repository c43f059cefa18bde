//! The Open311 clients an administrator registers (`docs/api-open311.md`): the calls; the types
//! are the contract's (`binhe_api::open311`). When a client last posted is read from the audit
//! log, which records every accepted request under the account `open311:{name}`.

use binhe_api::auth::AuditQuery;
use binhe_api::open311::{
    CreatedOpen311Client, NewOpen311Client, Open311ClientList, Open311ClientView,
};
use chrono::{DateTime, Utc};
use gloo_net::http::Request;

use super::{ApiError, auth, get_json, post_json, read_json, send};

const CLIENTS: &str = "/api/open311/clients";

/// The audit action of a request a client posted.
const REQUEST_ACTION: &str = "open311.request";

pub async fn clients() -> Result<Vec<Open311ClientView>, ApiError> {
    let list: Open311ClientList = get_json(CLIENTS).await?;
    Ok(list.clients)
}

/// A new client and its key (shown this once).
pub async fn create(name: &str) -> Result<CreatedOpen311Client, ApiError> {
    post_json(
        CLIENTS,
        &NewOpen311Client {
            name: Some(name.to_owned()),
        },
    )
    .await
}

pub async fn revoke(id: i64) -> Result<Open311ClientView, ApiError> {
    let url = format!("{CLIENTS}/{id}/revoke");
    read_json(send(Request::post(&url).build(), &url).await?, &url).await
}

/// The audit account a client's requests are recorded under.
pub fn audit_account(name: &str) -> String {
    format!("open311:{name}")
}

/// When the client last posted a request the server took (`None`: never).
pub async fn last_used(name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    let page = auth::audit(&AuditQuery {
        account: Some(audit_account(name)),
        action: Some(REQUEST_ACTION.to_owned()),
        limit: Some(1),
        ..AuditQuery::default()
    })
    .await?;
    Ok(page.entries.iter().map(|e| e.at).max())
}
