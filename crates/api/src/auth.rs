//! Accounts, sessions, the audit log and the desktop app's center setting
//! (`docs/api-auth.md`).

use binhe_core::GridCode;
use binhe_core::access::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::query::QueryString;
pub use crate::vocabulary::ServerMode;

/// The account the desktop window's launch key stands for (the built-in local dispatcher).
pub const LOCAL_ACCOUNT: &str = "local-dispatcher";
/// How long a session lasts from login.
pub const SESSION_HOURS: i64 = 12;
/// A password's length in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 256;
/// A person's name on an account.
pub const MAX_NAME_CHARS: usize = 32;
/// The name a terminal gives itself at login.
pub const MAX_TERMINAL_CHARS: usize = 64;
/// Audit lines a page answers with unless `limit` says otherwise, and at most.
pub const DEFAULT_AUDIT_LIMIT: u32 = 200;
pub const MAX_AUDIT_LIMIT: u32 = 1000;

/// `Account` of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub login: String,
    pub name: String,
    pub role: Role,
    pub role_zh: String,
    /// The community a commander is limited to.
    pub community: Option<GridCode>,
    pub community_name: Option<String>,
    /// The worker a grid worker's account is.
    pub worker_id: Option<String>,
    pub disabled: bool,
}

/// What the session's role may do.
#[allow(
    clippy::struct_excessive_bools,
    reason = "the contract's independent permissions"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct May {
    /// The street's settings, grids and accounts.
    pub administer: bool,
    pub dispatch: bool,
    pub intake: bool,
    /// Take in a 12345 export (street-wide intake, the dispatcher's alone).
    pub import_orders: bool,
    pub audit: bool,
}

impl May {
    /// Any ticket action at all: an administrator only reads tickets.
    pub fn act_on_tickets(self) -> bool {
        self.dispatch || self.intake
    }
}

/// `GET /api/session`: who is signed in, and what they may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub account: Account,
    pub mode: ServerMode,
    /// `None` for the desktop window's launch key.
    #[serde(with = "crate::time::offset::option")]
    pub expires_at: Option<DateTime<Utc>>,
    pub terminal: String,
    pub may: May,
}

impl SessionView {
    /// The desktop window's own key login (the built-in local dispatcher).
    pub fn is_launch_key(&self) -> bool {
        self.mode == ServerMode::Standalone && self.account.login == LOCAL_ACCOUNT
    }
}

/// `POST /api/login`; missing fields are refused by name (`LOGIN_INVALID`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoginRequest {
    pub login: Option<String>,
    pub password: Option<String>,
    /// The terminal's name for itself, for the audit log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminal: Option<String>,
}

/// `POST /api/login` answered 200 (the token also comes as the session cookie).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedIn {
    pub account: Account,
    pub token: String,
    #[serde(with = "crate::time::offset")]
    pub expires_at: DateTime<Utc>,
}

/// `GET /api/accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountList {
    pub accounts: Vec<Account>,
}

/// `POST /api/accounts`: a new account; `community` for a commander, `worker_id` for a grid
/// worker. Read as written, so a wrong field is named.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewAccount {
    pub login: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
    pub password: Option<String>,
}

/// `PATCH /api/accounts/{login}`: only what is set changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// One line of the audit log: who (empty before a login), from which terminal and address,
/// what, on what, and what the server answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub id: i64,
    #[serde(with = "crate::time::offset")]
    pub at: DateTime<Utc>,
    pub account: String,
    pub role: String,
    pub terminal: String,
    pub address: String,
    pub action: String,
    pub target: String,
    pub status: u16,
    pub detail: String,
}

/// `GET /api/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditLine>,
    pub total: u64,
}

/// `GET /api/audit` parameters; `since`/`until` RFC 3339, `ticket` a ticket id (a target).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub account: Option<String>,
    pub action: Option<String>,
    pub ticket: Option<String>,
    pub target: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: Option<u32>,
}

impl AuditQuery {
    /// The query string (without `?`); blank filters are left out.
    pub fn to_query(&self) -> String {
        let given = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        QueryString::new()
            .with_opt("account", given(&self.account))
            .with_opt("action", given(&self.action))
            .with_opt("ticket", given(&self.ticket))
            .with_opt("target", given(&self.target))
            .with_opt("since", given(&self.since))
            .with_opt("until", given(&self.until))
            .with_opt("limit", self.limit.map(|l| l.to_string()))
            .finish()
    }
}

/// `GET`/`PUT /api/desktop/center`: the center server the desktop app connects to, `None` for
/// its own embedded server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesktopCenter {
    pub url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMANDER: &str = r#"{"login":"jinhai-cmd","name":"王磊","role":"commander","role_zh":"社区指挥",
        "community":"110117001010000","community_name":"金海社区","worker_id":null,"disabled":false}"#;

    #[test]
    fn session_of_a_commander_matches_the_contract() {
        let body = format!(
            r#"{{"account":{COMMANDER},"mode":"center","expires_at":"2026-11-28T21:00:00+00:00",
            "terminal":"金海社区指挥终端",
            "may":{{"administer":false,"dispatch":true,"intake":true,"import_orders":false,"audit":false}}}}"#
        );
        let s: SessionView = serde_json::from_str(&body).unwrap();
        assert_eq!(s.mode, ServerMode::Center);
        assert_eq!(
            s.account.community.as_ref().map(GridCode::as_str),
            Some("110117001010000")
        );
        assert_eq!(s.account.role, Role::Commander);
        assert!(s.may.dispatch && !s.may.administer && s.may.act_on_tickets());
        assert!(!s.is_launch_key());
    }

    #[test]
    fn the_desktop_key_is_the_local_account() {
        let body = r#"{"account":{"login":"local-dispatcher","name":"本机调度员","role":"dispatcher","role_zh":"调度员",
            "community":null,"community_name":null,"worker_id":null,"disabled":false},
            "mode":"standalone","expires_at":null,"terminal":"本机窗口 / desktop window",
            "may":{"administer":true,"dispatch":true,"intake":true,"import_orders":true,"audit":true}}"#;
        let s: SessionView = serde_json::from_str(body).unwrap();
        assert!(s.is_launch_key());
    }

    #[test]
    fn audit_query_leaves_out_what_is_empty() {
        let query = AuditQuery {
            account: Some(" jinhai-cmd ".into()),
            action: Some(String::new()),
            since: Some("2026-11-27T16:00:00Z".into()),
            limit: Some(200),
            ..AuditQuery::default()
        };
        assert_eq!(
            query.to_query(),
            "account=jinhai-cmd&since=2026-11-27T16%3A00%3A00Z&limit=200"
        );
        assert_eq!(AuditQuery::default().to_query(), "");
    }

    #[test]
    fn new_account_leaves_out_what_the_role_does_not_need() {
        let v = serde_json::to_value(NewAccount {
            login: Some("a-1".into()),
            name: Some("甲".into()),
            role: Some("dispatcher".into()),
            password: Some("12345678".into()),
            ..NewAccount::default()
        })
        .unwrap();
        assert!(v.get("community").is_none() && v.get("worker_id").is_none());
        let change = serde_json::to_value(AccountPatch {
            disabled: Some(true),
            ..AccountPatch::default()
        })
        .unwrap();
        assert_eq!(change.to_string(), r#"{"disabled":true}"#);
    }
}
