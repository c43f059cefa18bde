//! What a handler says about the request it answered, for its audit line (the gate writes the
//! line, `crate::auth::audit`); without a note the line is named after the method and path.

use axum::response::{IntoResponse, Response};
use binhe_core::access::Principal;

/// Longest detail kept on an audit line.
const MAX_DETAIL_CHARS: usize = 500;

#[derive(Debug, Clone, Default)]
pub struct AuditNote {
    pub action: String,
    pub target: String,
    pub detail: String,
    /// The account acted for, when the caller was not signed in yet (a login).
    pub account: Option<(String, String)>,
    pub terminal: Option<String>,
}

impl AuditNote {
    pub fn new(action: &str, target: &str) -> Self {
        Self {
            action: action.to_owned(),
            target: target.to_owned(),
            ..Self::default()
        }
    }

    #[must_use]
    pub fn detail(mut self, detail: &str) -> Self {
        self.detail = detail.chars().take(MAX_DETAIL_CHARS).collect();
        self
    }

    #[must_use]
    pub fn as_account(mut self, principal: &Principal) -> Self {
        self.account = Some((
            principal.account.clone(),
            principal.role.as_str().to_owned(),
        ));
        self
    }

    /// `response` with this note attached.
    pub fn attach(self, response: impl IntoResponse) -> Response {
        let mut response = response.into_response();
        response.extensions_mut().insert(self);
        response
    }
}
