//! Replay of a recorded stretch (issue 17): the tickets open at its start and every event after.
//! The types are the contract's (`binhe_api::replay`); `binhe_core::ticket::replay` plays them.

use binhe_api::replay::Replay;

use super::{ApiError, encode_component, get_json};

/// The stretch from `from` until `until` (RFC 3339, or `YYYY-MM-DD HH:MM` in Beijing time).
pub async fn replay(from: &str, until: &str) -> Result<Replay, ApiError> {
    get_json(&format!(
        "/api/replay?from={}&until={}",
        encode_component(from),
        encode_component(until)
    ))
    .await
}
