//! Accounts, sessions, audit and the desktop's center setting (`docs/api-auth.md`): wire
//! types and calls.

use chrono::{DateTime, Utc};
use gloo_net::http::Request;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ApiError, encode_component, get_json, patch_json, post_json, put_json, send};
use crate::i18n::{Lang, Msg};

/// Wrong account or password (the same answer for both).
pub const LOGIN_FAILED: &str = "LOGIN_FAILED";
/// Too many failures: wait `retry_after_s`.
pub const LOGIN_THROTTLED: &str = "LOGIN_THROTTLED";
pub const ACCOUNT_DISABLED: &str = "ACCOUNT_DISABLED";
/// Login or password missing.
pub const LOGIN_INVALID: &str = "LOGIN_INVALID";
/// A new account's login is taken.
pub const ACCOUNT_EXISTS: &str = "ACCOUNT_EXISTS";

/// The roles, in the order the account form offers them.
pub const ROLES: [&str; 4] = ["dispatcher", "commander", "worker", "administrator"];

/// The display name of a role code (`None` for a code this UI does not know).
pub fn role_label(role: &str) -> Option<Msg> {
    match role {
        "dispatcher" => Some(Msg::RoleDispatcher),
        "commander" => Some(Msg::RoleCommander),
        "worker" => Some(Msg::RoleWorker),
        "administrator" => Some(Msg::RoleAdministrator),
        "system" => Some(Msg::RoleSystem),
        _ => None,
    }
}

/// `Account` of the contract.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Account {
    pub login: String,
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub role_zh: String,
    /// The community a commander is limited to.
    pub community: Option<String>,
    pub community_name: Option<String>,
    #[serde(default, deserialize_with = "super::tickets::opt_id")]
    pub worker_id: Option<String>,
    #[serde(default)]
    pub disabled: bool,
}

impl Account {
    /// The role in `lang`: the server's Chinese name, the UI's English one.
    pub fn role_name(&self, lang: Lang) -> String {
        match (lang, role_label(&self.role)) {
            (Lang::Zh, _) if !self.role_zh.is_empty() => self.role_zh.clone(),
            (_, Some(label)) => label.text(lang).to_owned(),
            (_, None) => self.role.clone(),
        }
    }
}

/// Where the server runs: the desktop's embedded server, or a shared center server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Standalone,
    Center,
}

/// What the session's role may do (`may` of `GET /api/session`).
#[allow(
    clippy::struct_excessive_bools,
    reason = "the contract's four independent permissions"
)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct May {
    #[serde(default)]
    pub administer: bool,
    #[serde(default)]
    pub dispatch: bool,
    #[serde(default)]
    pub intake: bool,
    #[serde(default)]
    pub audit: bool,
    /// Take in a 12345 export (the server sends it beside the contract's four).
    #[serde(default, rename = "import_orders")]
    orders: Option<bool>,
}

impl May {
    /// A server without accounts lets the window do everything.
    pub const ALL: May = May {
        administer: true,
        dispatch: true,
        intake: true,
        audit: true,
        orders: Some(true),
    };

    /// Replace the street's grids (dispatcher, administrator).
    pub fn import_grids(self) -> bool {
        self.administer
    }

    /// Take in a 12345 export: street-wide intake, the dispatcher's alone.
    pub fn import_orders(self) -> bool {
        self.orders
            .unwrap_or(self.administer && self.intake && self.dispatch)
    }

    /// Start, pause or speed up the demo feed, one of the street's settings.
    pub fn drive_demo_feed(self) -> bool {
        self.administer
    }

    /// Any ticket action at all: an administrator only reads tickets.
    pub fn act_on_tickets(self) -> bool {
        self.dispatch || self.intake
    }
}

/// `GET /api/session`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Session {
    pub account: Account,
    pub mode: Mode,
    pub expires_at: Option<DateTime<Utc>>,
    pub may: May,
}

/// The built-in account the desktop window's launch key stands for.
pub const LOCAL_ACCOUNT: &str = "local-dispatcher";

impl Session {
    /// The desktop window's own key login (the built-in local dispatcher).
    pub fn is_launch_key(&self) -> bool {
        self.mode == Mode::Standalone && self.account.login == LOCAL_ACCOUNT
    }
}

#[derive(Serialize)]
struct Credentials<'a> {
    login: &'a str,
    password: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    terminal: Option<&'a str>,
}

/// `POST /api/login` answered 200 (the token also comes as the session cookie).
#[derive(Deserialize)]
struct LoggedIn {
    account: Account,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AuditEntry {
    #[serde(deserialize_with = "super::tickets::id")]
    pub id: String,
    pub at: DateTime<Utc>,
    pub account: Option<String>,
    pub role: Option<String>,
    pub terminal: Option<String>,
    pub address: Option<String>,
    pub action: String,
    #[serde(default, deserialize_with = "super::tickets::opt_id")]
    pub target: Option<String>,
    pub status: Option<u16>,
    #[serde(default)]
    pub detail: Value,
}

impl AuditEntry {
    /// A text field, `None` when the server left it empty (no account before a login, …).
    pub fn given(field: Option<&String>) -> Option<&str> {
        field.map(String::as_str).filter(|s| !s.is_empty())
    }

    /// The detail as one line: text as it is, anything else as compact JSON.
    pub fn detail_text(&self) -> String {
        match &self.detail {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

/// `GET /api/audit`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: u64,
}

/// The audit log's filters, as the dialog sends them; empty ones are left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditFilter {
    pub account: String,
    pub action: String,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: u32,
}

impl AuditFilter {
    /// The query string (without `?`).
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        for (key, value) in [("account", &self.account), ("action", &self.action)] {
            let value = value.trim();
            if !value.is_empty() {
                parts.push(format!("{key}={}", encode_component(value)));
            }
        }
        for (key, at) in [("since", self.since), ("until", self.until)] {
            if let Some(at) = at {
                let text = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                parts.push(format!("{key}={}", encode_component(&text)));
            }
        }
        if self.limit > 0 {
            parts.push(format!("limit={}", self.limit));
        }
        parts.join("&")
    }
}

/// `POST /api/accounts`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NewAccount {
    pub login: String,
    pub name: String,
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
    pub password: String,
}

/// `PATCH /api/accounts/{login}`: only what is set changes.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AccountChange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

#[derive(Deserialize)]
struct AccountList {
    accounts: Vec<Account>,
}

/// `GET`/`PUT /api/desktop/center`: the center server the desktop app connects to, `None`
/// for its own embedded server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesktopCenter {
    pub url: Option<String>,
}

/// The session, or `None` from a server without accounts (404: everything is allowed).
pub async fn session() -> Result<Option<Session>, ApiError> {
    match get_json::<Session>("/api/session").await {
        Ok(session) => Ok(Some(session)),
        Err(e) if e.status == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Logs in; the session cookie is set by the answer.
pub async fn login(login: &str, password: &str, terminal: &str) -> Result<Account, ApiError> {
    let terminal = terminal.trim();
    let body = Credentials {
        login: login.trim(),
        password,
        terminal: (!terminal.is_empty()).then_some(terminal),
    };
    let answer: LoggedIn = post_json("/api/login", &body).await?;
    Ok(answer.account)
}

pub async fn logout() -> Result<(), ApiError> {
    const URL: &str = "/api/logout";
    send(Request::post(URL).build(), URL).await.map(|_| ())
}

pub async fn accounts() -> Result<Vec<Account>, ApiError> {
    let list: AccountList = get_json("/api/accounts").await?;
    Ok(list.accounts)
}

pub async fn create_account(account: &NewAccount) -> Result<Account, ApiError> {
    post_json("/api/accounts", account).await
}

pub async fn change_account(login: &str, change: &AccountChange) -> Result<Account, ApiError> {
    patch_json(
        &format!("/api/accounts/{}", encode_component(login)),
        change,
    )
    .await
}

pub async fn audit(filter: &AuditFilter) -> Result<AuditPage, ApiError> {
    get_json(&format!("/api/audit?{}", filter.query())).await
}

/// `None` unless the page is served by the desktop app's embedded server.
pub async fn desktop_center() -> Result<Option<DesktopCenter>, ApiError> {
    match get_json::<DesktopCenter>("/api/desktop/center").await {
        Ok(center) => Ok(Some(center)),
        Err(e) if e.status == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn set_desktop_center(url: Option<String>) -> Result<DesktopCenter, ApiError> {
    put_json("/api/desktop/center", &DesktopCenter { url }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMANDER: &str = r#"{"login":"jinhai-cmd","name":"王磊","role":"commander","role_zh":"社区指挥",
        "community":"110117001003000","community_name":"金海社区","worker_id":null,"disabled":false}"#;

    #[test]
    fn session_of_a_commander_matches_the_contract() {
        let body = format!(
            r#"{{"account":{COMMANDER},"mode":"center","expires_at":"2026-11-28T21:00:00Z",
            "may":{{"administer":false,"dispatch":true,"intake":true,"audit":false}}}}"#
        );
        let s: Session = serde_json::from_str(&body).unwrap();
        assert_eq!(s.mode, Mode::Center);
        assert_eq!(s.account.community.as_deref(), Some("110117001003000"));
        assert_eq!(s.account.role_name(Lang::Zh), "社区指挥");
        assert_eq!(s.account.role_name(Lang::En), "Community commander");
        assert!(s.may.dispatch && !s.may.administer);
        assert!(!s.is_launch_key());
    }

    #[test]
    fn the_desktop_key_is_the_local_account() {
        let body = r#"{"account":{"login":"local-dispatcher","name":"本机调度员","role":"dispatcher","role_zh":"调度员",
            "community":null,"community_name":null,"worker_id":null,"disabled":false},
            "mode":"standalone","expires_at":null,"terminal":"本机窗口 / desktop window",
            "may":{"administer":true,"dispatch":true,"intake":true,"import_orders":true,"audit":true}}"#;
        let s: Session = serde_json::from_str(body).unwrap();
        assert!(s.is_launch_key());
        assert_eq!(s.may, May::ALL);
    }

    #[test]
    fn each_role_is_offered_only_what_it_may() {
        let may = |json: &str| serde_json::from_str::<May>(json).unwrap();
        let dispatcher = may(
            r#"{"administer":true,"dispatch":true,"intake":true,"import_orders":true,"audit":true}"#,
        );
        let administrator = may(
            r#"{"administer":true,"dispatch":false,"intake":false,"import_orders":false,"audit":true}"#,
        );
        let commander = may(
            r#"{"administer":false,"dispatch":true,"intake":true,"import_orders":false,"audit":false}"#,
        );
        let worker = may(
            r#"{"administer":false,"dispatch":false,"intake":true,"import_orders":false,"audit":false}"#,
        );
        assert_eq!(dispatcher, May::ALL);
        assert!(dispatcher.import_grids() && dispatcher.import_orders());
        assert!(administrator.import_grids() && !administrator.import_orders());
        assert!(administrator.drive_demo_feed() && !administrator.act_on_tickets());
        assert!(!commander.import_grids() && !commander.import_orders());
        assert!(commander.act_on_tickets() && !commander.drive_demo_feed());
        assert!(worker.act_on_tickets() && !worker.dispatch);
        // Only the contract's four: a 12345 import is the dispatcher's.
        let four = may(r#"{"administer":true,"dispatch":false,"intake":false,"audit":true}"#);
        assert!(!four.import_orders());
        assert!(
            may(r#"{"administer":true,"dispatch":true,"intake":true,"audit":true}"#)
                .import_orders()
        );
    }

    #[test]
    fn throttled_login_carries_the_wait() {
        let body = r#"{"error":{"code":"LOGIN_THROTTLED","message_zh":"登录尝试过多","message_en":"Too many attempts","retry_after_s":8}}"#;
        let e = serde_json::from_str::<super::super::ErrorBody>(body)
            .unwrap()
            .error;
        assert_eq!(e.code, LOGIN_THROTTLED);
        assert_eq!(e.retry_after_s, Some(8));
    }

    #[test]
    fn a_bad_field_is_named() {
        let body = r#"{"error":{"code":"BAD_REQUEST","message_zh":"密码至少 8 个字符","message_en":"password too short","field":"password"}}"#;
        let e = serde_json::from_str::<super::super::ErrorBody>(body)
            .unwrap()
            .error;
        assert_eq!(e.field.as_deref(), Some("password"));
    }

    #[test]
    fn audit_filter_leaves_out_what_is_empty() {
        let filter = AuditFilter {
            account: " jinhai-cmd ".into(),
            action: String::new(),
            since: Some("2026-11-27T16:00:00Z".parse().unwrap()),
            until: None,
            limit: 200,
        };
        assert_eq!(
            filter.query(),
            "account=jinhai-cmd&since=2026-11-27T16%3A00%3A00Z&limit=200"
        );
        assert_eq!(AuditFilter::default().query(), "");
    }

    #[test]
    fn audit_entry_matches_the_contract() {
        let body = r#"{"entries":[{"id":17,"at":"2026-11-28T01:02:03Z","account":"jinhai-cmd","role":"commander",
            "terminal":"金海社区指挥终端","address":"10.0.0.7","action":"ticket.dispatch","target":"42","status":403,
            "detail":{"code":"OUT_OF_SCOPE"}},{"id":18,"at":"2026-11-28T01:03:00Z","account":null,"role":null,
            "terminal":null,"address":"10.0.0.8","action":"login_failed","target":"nobody","status":401,"detail":null}],"total":2}"#;
        let page: AuditPage = serde_json::from_str(body).unwrap();
        assert_eq!(page.total, 2);
        assert_eq!(page.entries[0].id, "17");
        assert_eq!(page.entries[0].status, Some(403));
        assert_eq!(page.entries[0].detail_text(), r#"{"code":"OUT_OF_SCOPE"}"#);
        assert_eq!(page.entries[1].detail_text(), "");
        assert_eq!(AuditEntry::given(page.entries[1].account.as_ref()), None);
    }

    #[test]
    fn the_servers_empty_audit_fields_count_as_absent() {
        let body = r#"{"entries":[{"id":3,"at":"2026-11-28T01:02:03+00:00","account":"","role":"","terminal":"curl/8",
            "address":"127.0.0.1","action":"login_failed","target":"nobody","status":401,"detail":""}],"total":1}"#;
        let page: AuditPage = serde_json::from_str(body).unwrap();
        let e = &page.entries[0];
        assert_eq!(AuditEntry::given(e.account.as_ref()), None);
        assert_eq!(AuditEntry::given(e.terminal.as_ref()), Some("curl/8"));
        assert_eq!(e.detail_text(), "");
    }

    #[test]
    fn new_account_leaves_out_what_the_role_does_not_need() {
        let v = serde_json::to_value(NewAccount {
            login: "a-1".into(),
            name: "甲".into(),
            role: "dispatcher".into(),
            password: "12345678".into(),
            ..NewAccount::default()
        })
        .unwrap();
        assert!(v.get("community").is_none() && v.get("worker_id").is_none());
        let change = serde_json::to_value(AccountChange {
            disabled: Some(true),
            ..AccountChange::default()
        })
        .unwrap();
        assert_eq!(change.to_string(), r#"{"disabled":true}"#);
    }
}
