//! Who is asking: the gate in front of every route.
//!
//! Standalone (the desktop app's embedded server on loopback): the window opens
//! `/?key=SECRET` once and trades the per-launch secret for an HttpOnly, SameSite=Strict cookie;
//! the secret stands for the built-in local dispatcher. Command-line clients send
//! `Authorization: Bearer SECRET`. Host and Origin must name the loopback address itself, which
//! stops DNS-rebinding pages and cross-site requests from other tabs.
//!
//! Center (`serve --center`): no secret. The static UI is served to anyone so the login page
//! can load; every API route but login and health needs a session, given by `POST /api/login`
//! as a cookie (or a bearer token). A request naming an Origin must come from the server's own.
//!
//! In both modes a live session outranks the launch key, so a trainer at the desktop can log in
//! as a commander and back out again.

pub mod accounts;
pub mod audit;
pub mod passwords;
pub mod sessions;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, FromRef, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, patch, post};
pub use binhe_api::auth::LOCAL_ACCOUNT;
use binhe_api::auth::ServerMode;
use binhe_api::error::code;
use binhe_core::access::{Principal, Role};
use binhe_core::ticket::intake::IntakeProblem;
use binhe_store::{AccountRepository, AuditEntry};

use crate::dataset::Grids;
use crate::http::error::{problems_en, problems_zh, with_problems};
use crate::http::{ApiError, Caller, CallerError, Peer, Refusal};
use sessions::LoginLimiter;

/// The launch key's cookie; on a standalone server its name ends in the port (see
/// [`Gate::key_cookie`]).
pub const COOKIE_NAME: &str = "binhe_key";
/// The session's cookie; on a standalone server its name ends in the port (see
/// [`Gate::session_cookie`]).
pub const SESSION_COOKIE: &str = "binhe_session";

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Gate: FromRef<S>,
    Grids: FromRef<S>,
{
    Router::new()
        .route("/api/login", post(sessions::login))
        .route("/api/logout", post(sessions::logout))
        .route("/api/session", get(sessions::current))
        .route("/api/accounts", get(accounts::list).post(accounts::add))
        .route("/api/accounts/{login}", patch(accounts::change))
        .route("/api/audit", get(audit::list))
}

/// Why a login or an account change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("login and password are both required")]
    LoginInvalid,
    /// A new or changed account with fields that are wrong, each named.
    #[error("the account is not valid: {}", problems_en(.0))]
    AccountInvalid(Vec<IntakeProblem>),
    #[error("wrong login or password")]
    LoginFailed,
    #[error("too many failed logins; try again in {wait} s")]
    LoginThrottled { wait: u64 },
    #[error("this account is disabled")]
    AccountDisabled,
    #[error("account {login} exists already")]
    AccountExists { login: String },
    #[error("account {login} does not exist")]
    AccountNotFound { login: String },
    /// Only an administrator sets another account's password: whoever knows it can sign in as
    /// that account.
    #[error("only an administrator may set the password of another account ({login})")]
    PasswordResetNotPermitted { login: String },
    /// Nobody changes or creates an account with more rights than their own.
    #[error("account {login} would have more rights than yours ({role}); ask an administrator")]
    AccountAboveCaller { login: String, role: &'static str },
}

impl Refusal for AuthError {
    fn status(&self) -> StatusCode {
        match self {
            Self::LoginInvalid | Self::AccountInvalid(_) => StatusCode::BAD_REQUEST,
            Self::LoginFailed => StatusCode::UNAUTHORIZED,
            Self::LoginThrottled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::AccountDisabled => StatusCode::FORBIDDEN,
            Self::AccountExists { .. } => StatusCode::CONFLICT,
            Self::AccountNotFound { .. } => StatusCode::NOT_FOUND,
            Self::PasswordResetNotPermitted { .. } | Self::AccountAboveCaller { .. } => {
                StatusCode::FORBIDDEN
            }
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::LoginInvalid => code::LOGIN_INVALID,
            Self::AccountInvalid(_) => code::BAD_REQUEST,
            Self::LoginFailed => code::LOGIN_FAILED,
            Self::LoginThrottled { .. } => code::LOGIN_THROTTLED,
            Self::AccountDisabled => code::ACCOUNT_DISABLED,
            Self::AccountExists { .. } => code::ACCOUNT_EXISTS,
            Self::AccountNotFound { .. } => code::ACCOUNT_NOT_FOUND,
            Self::PasswordResetNotPermitted { .. } | Self::AccountAboveCaller { .. } => {
                code::ACCOUNT_CHANGE_NOT_PERMITTED
            }
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::LoginInvalid => "请输入账号和密码".to_owned(),
            Self::AccountInvalid(problems) => problems_zh(problems),
            Self::LoginFailed => "账号或密码错误".to_owned(),
            Self::LoginThrottled { wait } => format!("登录失败次数过多，请 {wait} 秒后再试"),
            Self::AccountDisabled => "该账号已停用，请联系管理员".to_owned(),
            Self::AccountExists { login } => format!("账号 {login} 已存在"),
            Self::AccountNotFound { login } => format!("账号 {login} 不存在"),
            Self::PasswordResetNotPermitted { login } => {
                format!("只有管理员可以重设其他账号（{login}）的密码")
            }
            Self::AccountAboveCaller { login, .. } => {
                format!("账号 {login} 的权限高于您的角色，无权创建或修改，请联系管理员")
            }
        }
    }

    fn detail(&self) -> binhe_api::ErrorDetail {
        let mut detail =
            binhe_api::ErrorDetail::new(self.code(), self.message_zh(), self.to_string());
        match self {
            Self::LoginThrottled { wait } => detail.retry_after_s = Some(*wait),
            Self::AccountInvalid(problems) => return with_problems(detail, problems),
            _ => {}
        }
        detail
    }
}

/// How the server is reached, and so how callers prove who they are.
#[derive(Debug, Clone)]
pub enum Mode {
    /// The desktop app's embedded server on 127.0.0.1:`port`, with its per-launch secret.
    Standalone { secret: Arc<str>, port: u16 },
    /// A center server: accounts and sessions only.
    Center,
}

impl Mode {
    /// What a session says of it.
    pub fn name(&self) -> ServerMode {
        match self {
            Self::Standalone { .. } => ServerMode::Standalone,
            Self::Center => ServerMode::Center,
        }
    }
}

/// The built-in account of the desktop window.
pub fn local_principal() -> Principal {
    Principal {
        account: LOCAL_ACCOUNT.to_owned(),
        name: "本机调度员".to_owned(),
        role: Role::Dispatcher,
        community: None,
        worker_id: None,
    }
}

/// The names a center answers to in `Host`: its public names (`--public-host`), `localhost`,
/// and IP literals — the address it listens on, a loopback one, or any when it listens on
/// every interface. A DNS-rebinding page reaches the server under a name of the attacker's,
/// which is none of these.
#[derive(Debug, Clone)]
pub struct CenterHosts {
    /// Lower case, without a trailing dot; with a port if the operator gave one.
    names: Arc<[String]>,
    listen: std::net::IpAddr,
}

impl CenterHosts {
    pub fn new(public: &[String], listen: std::net::IpAddr) -> Self {
        Self {
            names: public.iter().map(|name| normalized(name)).collect(),
            listen,
        }
    }

    fn allows(&self, host: &str) -> bool {
        let host = normalized(host);
        let name = host_name(&host);
        if name == "localhost" || self.names.iter().any(|n| *n == host || *n == name) {
            return true;
        }
        name.trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip == self.listen || ip.is_loopback() || self.listen.is_unspecified())
    }
}

fn normalized(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    let name = host_name(&host);
    format!("{}{}", name.trim_end_matches('.'), &host[name.len()..])
}

/// `Host` without its port: `example.org:8080` → `example.org`, `[::1]:80` → `[::1]`.
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

#[derive(Clone)]
pub struct Gate {
    pub mode: Mode,
    pub accounts: Arc<dyn AccountRepository>,
    pub limiter: Arc<LoginLimiter>,
    /// Writes the audit lines of requests, many in one transaction when they come together.
    pub audit: audit::AuditWriter,
    /// Center mode: the `Host` names it answers to (`None`: not checked, for a center state
    /// made without a listening server, as the command-line tools do).
    pub center_hosts: Option<CenterHosts>,
}

impl Gate {
    pub fn new(mode: Mode, accounts: Arc<dyn AccountRepository>) -> Self {
        Self {
            mode,
            accounts,
            limiter: Arc::new(LoginLimiter::default()),
            audit: audit::AuditWriter::default(),
            center_hosts: None,
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        match &self.mode {
            Mode::Standalone { port, .. } => {
                host == format!("127.0.0.1:{port}") || host == format!("localhost:{port}")
            }
            Mode::Center => self.center_hosts.as_ref().is_none_or(|h| h.allows(host)),
        }
    }

    /// The Origin must be the server's own: the loopback address (standalone) or the Host the
    /// request was sent to (center).
    fn origin_allowed(&self, origin: &str, host: &str) -> bool {
        let Some(origin_host) = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
        else {
            return false;
        };
        match &self.mode {
            Mode::Standalone { .. } => {
                origin.starts_with("http://") && self.host_allowed(origin_host)
            }
            Mode::Center => origin_host == host,
        }
    }

    /// The launch key's cookie name. A browser keeps cookies per host, not per port: two
    /// desktop servers on 127.0.0.1 would overwrite each other's cookie and each window would
    /// lose its key, so a standalone server's cookie names its port.
    pub fn key_cookie(&self) -> String {
        match &self.mode {
            Mode::Standalone { port, .. } => format!("{COOKIE_NAME}_{port}"),
            Mode::Center => COOKIE_NAME.to_owned(),
        }
    }

    /// The session cookie's name: per port on a standalone server, as [`Self::key_cookie`].
    pub fn session_cookie(&self) -> String {
        match &self.mode {
            Mode::Standalone { port, .. } => format!("{SESSION_COOKIE}_{port}"),
            Mode::Center => SESSION_COOKIE.to_owned(),
        }
    }

    fn secret(&self) -> Option<&str> {
        match &self.mode {
            Mode::Standalone { secret, .. } => Some(secret),
            Mode::Center => None,
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

fn refuse_page(status: StatusCode, code: &str, zh: &str, en: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>智慧滨河</title>\
         <body style=\"font-family:sans-serif;background:#0f1720;color:#e6edf3;padding:3em\">\
         <h1>{zh}</h1><p>{en}</p><p><code>{code}</code></p></body></html>"
    );
    (status, Html(page)).into_response()
}

/// A refusal in the form the caller reads: JSON for the API, a page for a browser.
fn refuse(api: bool, error: ApiError) -> Response {
    if api {
        return error.into_response();
    }
    refuse_page(
        error.status(),
        error.code(),
        &error.message_zh(),
        &error.to_string(),
    )
}

/// Routes that answer without a session: the login itself and the health check; in center mode
/// also the static UI (which shows the login page).
fn public(mode: &Mode, method: &Method, path: &str) -> bool {
    if path == "/api/health" || (path == "/api/login" && method == Method::POST) {
        return true;
    }
    // Open311 GeoReport v2: what the street publishes, for any client; a client posts with
    // its own API key, which the route checks (docs/api-open311.md).
    if path.starts_with("/open311/")
        && (method == Method::GET || method == Method::HEAD || method == Method::POST)
    {
        return true;
    }
    matches!(mode, Mode::Center) && !path.starts_with("/api/")
}

/// Requests the gate turns away before anyone is asked who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
enum GateError {
    #[error("Forbidden: Host is not this loopback server")]
    HostNotAllowed,
    #[error("Forbidden: Host is none of this center's public names (--public-host)")]
    CenterHostNotAllowed,
    #[error("Forbidden: request from another origin")]
    OriginNotAllowed,
    #[error("Launch key required: open this page from the Smart Binhe desktop app")]
    LaunchKeyRequired,
}

impl Refusal for GateError {
    fn status(&self) -> StatusCode {
        match self {
            Self::HostNotAllowed | Self::CenterHostNotAllowed | Self::OriginNotAllowed => {
                StatusCode::FORBIDDEN
            }
            Self::LaunchKeyRequired => StatusCode::UNAUTHORIZED,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::HostNotAllowed | Self::CenterHostNotAllowed => code::HOST_NOT_ALLOWED,
            Self::OriginNotAllowed => code::ORIGIN_NOT_ALLOWED,
            Self::LaunchKeyRequired => code::LAUNCH_KEY_REQUIRED,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::HostNotAllowed => "拒绝访问：主机名不是本机回环地址",
            Self::CenterHostNotAllowed => {
                "拒绝访问：主机名不是本中心服务器公布的名称（--public-host）"
            }
            Self::OriginNotAllowed => "拒绝访问：请求来自其他网页",
            Self::LaunchKeyRequired => "需要启动密钥：请从智慧滨河桌面程序打开本页面",
        }
        .to_owned()
    }
}

/// What the session token (if any) says about the caller.
enum Presented {
    None,
    Live(Box<Caller>),
    Expired,
    Unknown,
}

async fn session_caller(gate: &Gate, token: &str, peer: &Peer) -> Result<Presented, ApiError> {
    let hash = passwords::token_hash(token);
    let Some((session, account)) = gate.accounts.session(&hash).await? else {
        return Ok(Presented::Unknown);
    };
    if session.expires_at <= chrono::Utc::now() {
        gate.accounts.delete_session(&hash).await?;
        return Ok(Presented::Expired);
    }
    if account.disabled {
        return Ok(Presented::Unknown);
    }
    Ok(Presented::Live(Box::new(Caller {
        principal: account.principal,
        session: Some(hash),
        terminal: if session.terminal.is_empty() {
            peer.user_agent.clone()
        } else {
            session.terminal
        },
        address: peer.address.clone(),
    })))
}

/// Middleware in front of every route.
pub async fn gate(State(gate): State<Gate>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    let path = request.uri().path().to_owned();
    let api = path.starts_with("/api/");
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if !gate.host_allowed(&host) {
        let refusal = match gate.mode {
            Mode::Standalone { .. } => GateError::HostNotAllowed,
            Mode::Center => GateError::CenterHostNotAllowed,
        };
        return refuse(api, refusal.into());
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && !gate.origin_allowed(origin, &host)
    {
        return refuse(api, GateError::OriginNotAllowed.into());
    }
    let peer = Peer {
        address: request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(120)
            .collect(),
    };
    let launch_key = gate.secret().is_some_and(|secret| {
        bearer(headers)
            .into_iter()
            .chain(cookie(headers, &gate.key_cookie()))
            .any(|given| constant_time_eq(given.as_bytes(), secret.as_bytes()))
    });
    let token = cookie(headers, &gate.session_cookie())
        .or_else(|| bearer(headers).filter(|_| !launch_key))
        .map(str::to_owned);
    let presented = match token {
        Some(token) => match session_caller(&gate, &token, &peer).await {
            Ok(presented) => presented,
            Err(error) => return refuse(api, error),
        },
        None => Presented::None,
    };
    let expired = matches!(presented, Presented::Expired);
    let caller = match presented {
        Presented::Live(caller) => Some(*caller),
        _ if launch_key => Some(Caller {
            principal: local_principal(),
            session: None,
            terminal: "本机窗口 / desktop window".to_owned(),
            address: peer.address.clone(),
        }),
        _ => None,
    };
    let method = request.method().clone();
    request.extensions_mut().insert(peer.clone());
    if let Some(caller) = caller {
        request.extensions_mut().insert(caller.clone());
        let response = next.run(request).await;
        return audit::record(&gate, &method, &path, Some(&caller), &peer, response).await;
    }
    if public(&gate.mode, &method, &path) {
        let response = next.run(request).await;
        return audit::record(&gate, &method, &path, None, &peer, response).await;
    }
    // The one way in without a session: the launch URL with the secret, traded for the cookie.
    let offered = request
        .uri()
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("key="));
    if let Some(secret) = gate.secret()
        && path == "/"
        && offered.is_some_and(|key| constant_time_eq(key.as_bytes(), secret.as_bytes()))
    {
        let name = gate.key_cookie();
        let cookie = format!("{name}={secret}; HttpOnly; SameSite=Strict; Path=/");
        return ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response();
    }
    let refusal: ApiError = match (&gate.mode, expired) {
        (_, true) => CallerError::SessionExpired.into(),
        (Mode::Standalone { .. }, _) if !api => GateError::LaunchKeyRequired.into(),
        _ => CallerError::AuthRequired.into(),
    };
    let response = refuse(api, refusal);
    audit::record(&gate, &method, &path, None, &peer, response).await
}

/// An audit line for something that happened outside a request (a CLI command).
pub fn audit_entry(
    principal: &Principal,
    terminal: &str,
    action: &str,
    target: &str,
) -> AuditEntry {
    AuditEntry {
        id: 0,
        at: chrono::Utc::now(),
        account: principal.account.clone(),
        role: principal.role.as_str().to_owned(),
        terminal: terminal.to_owned(),
        address: String::new(),
        action: action.to_owned(),
        target: target.to_owned(),
        status: 200,
        detail: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::CenterHosts;

    #[test]
    fn a_center_answers_to_its_names_localhost_and_its_own_addresses() {
        let public = [
            "Binhe.Example.org".to_owned(),
            "center.example:8443".to_owned(),
        ];
        let everywhere = CenterHosts::new(&public, "0.0.0.0".parse().unwrap());
        let one = CenterHosts::new(&public, "10.0.0.5".parse().unwrap());
        for host in [
            "binhe.example.org",
            "BINHE.example.org.:8080",
            "center.example:8443",
            "localhost:3000",
            "127.0.0.1:3000",
            "[::1]:3000",
            "10.0.0.5:80",
        ] {
            assert!(everywhere.allows(host), "{host}");
            assert!(one.allows(host), "{host}");
        }
        // Listening on every interface: any address of the machine is its own.
        assert!(everywhere.allows("192.168.1.9:8080"));
        assert!(everywhere.allows("[fe80::1]"));
        for host in [
            "",
            "evil.example",
            "center.example:80",
            "binhe.example.org.evil.example",
            "192.168.1.9:8080",
            "[fe80::1]:80",
            "localhost.evil.example",
        ] {
            assert!(!one.allows(host), "{host}");
        }
    }
}
