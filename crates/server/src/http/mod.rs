//! What every room of the server stands on: the refusals and the one error body they answer
//! with, extractors whose own refusals answer the same way, who is asking, and what a handler
//! notes for the audit log. Nothing here knows any room.

pub mod audit_note;
pub mod caller;
pub mod error;
pub mod extract;
pub mod idempotency;

pub use audit_note::AuditNote;
pub use caller::{Admits, Caller, CallerError, Peer, admit};
pub use error::{ApiError, Refusal, RequestError};
