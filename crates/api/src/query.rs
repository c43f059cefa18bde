//! Query strings as terminals write them: the parameter structs of the contract (which the server
//! reads with serde) write themselves through [`QueryString`], so a parameter's name is spelled
//! once.

use std::fmt::Write;

/// Percent-encodes a query or path component (UTF-8), so Chinese names travel intact.
///
/// ```
/// assert_eq!(binhe_api::query::encode_component("滨河 1"), "%E6%BB%A8%E6%B2%B3%201");
/// assert_eq!(binhe_api::query::encode_component("110117001"), "110117001");
/// ```
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Builds `a=1&b=%E6…`; parameters without a value are left out.
///
/// ```
/// use binhe_api::query::QueryString;
/// let q = QueryString::new().with("scope", "open").with_opt("community", None::<&str>).with("q", "滨河");
/// assert_eq!(q.finish(), "scope=open&q=%E6%BB%A8%E6%B2%B3");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryString(String);

impl QueryString {
    pub fn new() -> Self {
        Self::default()
    }

    #[must_use]
    pub fn with(mut self, key: &str, value: impl AsRef<str>) -> Self {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.push_str(key);
        self.0.push('=');
        self.0.push_str(&encode_component(value.as_ref()));
        self
    }

    #[must_use]
    pub fn with_opt(self, key: &str, value: Option<impl AsRef<str>>) -> Self {
        match value {
            Some(value) => self.with(key, value),
            None => self,
        }
    }

    /// The query string, without `?`.
    pub fn finish(self) -> String {
        self.0
    }
}
