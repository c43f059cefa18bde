//! Only the app's own window may drive the embedded server.
//!
//! The server listens on loopback and holds a per-launch secret. The window opens
//! `/?key=SECRET` once; the server answers with an HttpOnly, SameSite=Strict cookie and a
//! redirect, and from then on every request must carry that cookie (or, for command-line
//! clients, an `Authorization: Bearer SECRET` header). Host and Origin must name the loopback
//! address itself, which stops DNS-rebinding pages and cross-site requests from other tabs.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

pub const COOKIE_NAME: &str = "binhe_key";

#[derive(Debug, Clone)]
pub struct Guard {
    secret: Arc<str>,
    port: u16,
}

impl Guard {
    pub fn new(secret: String, port: u16) -> Self {
        Self {
            secret: secret.into(),
            port,
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let port = self.port;
        host == format!("127.0.0.1:{port}") || host == format!("localhost:{port}")
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        origin
            .strip_prefix("http://")
            .is_some_and(|host| self.host_allowed(host))
    }

    fn carries_secret(&self, headers: &HeaderMap) -> bool {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|pair| pair.trim().strip_prefix(COOKIE_NAME)?.strip_prefix('='));
        bearer
            .or(cookie)
            .is_some_and(|given| constant_time_eq(given.as_bytes(), self.secret.as_bytes()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refuse(status: StatusCode, code: &str, zh: &str, en: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>智慧滨河</title>\
         <body style=\"font-family:sans-serif;background:#0f1720;color:#e6edf3;padding:3em\">\
         <h1>{zh}</h1><p>{en}</p><p><code>{code}</code></p></body></html>"
    );
    (status, Html(page)).into_response()
}

/// Middleware in front of every route.
pub async fn require_launch_key(
    State(guard): State<Guard>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !guard.host_allowed(host) {
        return refuse(
            StatusCode::FORBIDDEN,
            "HOST_NOT_ALLOWED",
            "拒绝访问：主机名不是本机回环地址",
            "Forbidden: Host is not this loopback server",
        );
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && !guard.origin_allowed(origin)
    {
        return refuse(
            StatusCode::FORBIDDEN,
            "ORIGIN_NOT_ALLOWED",
            "拒绝访问：请求来自其他网页",
            "Forbidden: request from another origin",
        );
    }
    if guard.carries_secret(headers) {
        return next.run(request).await;
    }
    // The one way in: the launch URL with the secret, traded for the cookie.
    let offered = request
        .uri()
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("key="));
    if request.uri().path() == "/"
        && offered.is_some_and(|key| constant_time_eq(key.as_bytes(), guard.secret.as_bytes()))
    {
        let cookie = format!(
            "{COOKIE_NAME}={}; HttpOnly; SameSite=Strict; Path=/",
            guard.secret
        );
        return ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response();
    }
    refuse(
        StatusCode::UNAUTHORIZED,
        "LAUNCH_KEY_REQUIRED",
        "需要启动密钥：请从智慧滨河桌面程序打开本页面",
        "Launch key required: open this page from the Smart Binhe desktop app",
    )
}
