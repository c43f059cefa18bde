//! The administrator's routes for Open311 clients (`docs/api-open311.md`): the apps that may
//! post requests, each with its own API key.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest client name.
pub const MAX_CLIENT_NAME_CHARS: usize = 64;

/// A registered client as the administrator sees it (never its key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Open311ClientView {
    pub id: i64,
    pub name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// `GET /api/open311/clients`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Open311ClientList {
    pub clients: Vec<Open311ClientView>,
}

/// `POST /api/open311/clients`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOpen311Client {
    #[serde(default)]
    pub name: Option<String>,
}

/// The answer to `POST /api/open311/clients`: the key, shown this once (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedOpen311Client {
    pub client: Open311ClientView,
    pub api_key: String,
}
