//! The Content-Security-Policy every answer carries: the UI runs only what this server sent.
//!
//! Scripts: the files of this server, the wasm they instantiate (`'wasm-unsafe-eval'`) and the
//! one inline script trunk writes into `index.html` (its loader), allowed by its SHA-256 read
//! from the built page when the server starts — any other inline script, one injected into a
//! ticket's text say, does not run. MapLibre's worker is a file of this server. Styles: the
//! stylesheets of this server and the `style` attributes the UI sets on elements (a progress
//! bar's width), no `<style>` elements. Connections: this server only, its live stream and the
//! video wall's socket among them. Nothing may frame the UI. Violations are reported to
//! `/api/csp-report` and logged.

use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Where browsers send their violation reports.
pub const REPORT_PATH: &str = "/api/csp-report";

/// The policy, but for the host the page was loaded from.
#[derive(Debug, Clone)]
pub struct Csp {
    /// `'sha256-…'` of each inline script of the built page.
    script_hashes: Arc<str>,
}

impl Csp {
    /// The policy for the UI built into `ui_dir` (its `index.html` read now; none, no hashes).
    pub fn for_ui(ui_dir: &Path) -> Self {
        let page = std::fs::read_to_string(ui_dir.join("index.html")).unwrap_or_default();
        let hashes: Vec<String> = inline_scripts(&page)
            .map(|script| {
                let digest = Sha256::digest(script.as_bytes());
                format!(
                    "'sha256-{}'",
                    base64::engine::general_purpose::STANDARD.encode(digest)
                )
            })
            .collect();
        Self {
            script_hashes: hashes.join(" ").into(),
        }
    }

    /// The policy's text for a page loaded from `host` (the request's Host, already checked by
    /// the gate; anything but a host name, an address and a port is left out).
    pub fn policy(&self, host: &str) -> String {
        let sockets = if !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        {
            format!(" ws://{host} wss://{host}")
        } else {
            String::new()
        };
        format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {hashes}; \
             worker-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; \
             connect-src 'self'{sockets}; media-src 'self' blob:; object-src 'none'; \
             base-uri 'self'; form-action 'self'; frame-ancestors 'none'; \
             report-uri {REPORT_PATH}",
            hashes = self.script_hashes,
        )
    }
}

/// The text of each `<script>` without a `src` in `page`.
fn inline_scripts(page: &str) -> impl Iterator<Item = &str> {
    page.split("<script").skip(1).filter_map(|rest| {
        let (attributes, body) = rest.split_once('>')?;
        let (script, _) = body.split_once("</script>")?;
        (!attributes.contains("src=")).then_some(script)
    })
}

/// Middleware in front of every route: the policy on every answer.
pub async fn layer(State(csp): State<Csp>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut response = next.run(request).await;
    if let Ok(policy) = HeaderValue::from_str(&csp.policy(&host)) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// A browser's violation report: logged for the operator, answered with nothing.
pub async fn report(body: axum::body::Bytes) -> axum::http::StatusCode {
    let text = String::from_utf8_lossy(&body);
    tracing::warn!(report = %text.chars().take(2000).collect::<String>(), "content security policy violation");
    axum::http::StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_found_and_files_are_not() {
        let page = "<head><script type=\"module\">import init from './a.js';\nawait init();</script>\
                    <script src=\"x.js\"></script><script>one()</script></head>";
        let found: Vec<&str> = inline_scripts(page).collect();
        assert_eq!(
            found,
            ["import init from './a.js';\nawait init();", "one()"]
        );
    }

    #[test]
    fn the_policy_names_the_page_hash_and_only_a_plain_host() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<script>boot()</script>").unwrap();
        let csp = Csp::for_ui(dir.path());
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"boot()"));
        let policy = csp.policy("127.0.0.1:8080");
        assert!(policy.contains(&format!("'sha256-{expected}'")), "{policy}");
        assert!(policy.contains("connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080;"));
        let odd = csp.policy("evil.example; script-src *");
        assert!(odd.contains("connect-src 'self';"), "{odd}");
        assert!(!odd.contains("script-src *"));
    }
}
