//! The wire contract of Smart Binhe: the request and the answer of every HTTP route, the error
//! body every refusal answers with, the codes a terminal reacts to, and the limits it must
//! respect. The server builds its answers from these types and the wasm UI reads the same
//! types, so the two cannot drift; `crates/server/tests/contract.rs` plays every route family
//! through real HTTP into them.
//!
//! Domain values travel as `binhe_core`'s own types (ticket states, channels, roles, grid
//! levels, KPI figures …), whose codes and zh/en labels are defined once there
//! ([`binhe_core::labelled!`]).
//!
//! | module | routes |
//! |---|---|
//! | [`basemap`] | `/api/basemap`, `/api/basemap/tiles/…`, `/api/basemap/archive/…` |
//! | [`grids`] | `/api/summary`, `/api/grids/…`, `/api/locate`, `/api/*.geojson`, `/api/health` |
//! | [`tickets`] | `/api/tickets…`, `/api/catalogue`, `/api/sla`, `/api/imports/{job}`, `/api/stream`, `/api/demo/feed` |
//! | [`devices`] | `/api/cameras/…`, `/api/door-access/…` |
//! | [`kpi`] | `/api/kpi/…` |
//! | [`hotspots`] | `/api/hotspots…` |
//! | [`projects`] | `/api/projects…` |
//! | [`diary`] | `/api/diary…`, `/api/wards…` |
//! | [`circles`] | `/api/circles…`, `/api/deliberations…` |
//! | [`replay`] | `/api/replay` (any recorded stretch of the street, event by event) |
//! | [`training`] | `/api/training…` (a training server's run, its clock and debrief) |
//! | [`auth`] | `/api/login`, `/api/logout`, `/api/session`, `/api/accounts…`, `/api/audit`, `/api/desktop/center` |
//! | [`error`] | the `{"error": {code, message_zh, message_en, …}}` body and its codes |

pub mod auth;
pub mod basemap;
pub mod circles;
pub mod devices;
pub mod diary;
pub mod error;
pub mod grids;
pub mod hotspots;
pub mod kpi;
pub mod open311;
pub mod projects;
pub mod query;
pub mod replay;
pub mod tickets;
pub mod time;
pub mod training;
pub mod vocabulary;

pub use binhe_core as core;
pub use error::{ErrorBody, ErrorDetail, Problem};

/// The request header that makes a POST, PUT or PATCH under `/api` safe to send again: a repeat
/// with the same key, method, path and body gets the first answer again (a terminal replaying
/// what it queued while it could not reach the center, or retrying after a lost answer).
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
/// The answer's header on such a repeat (`true`).
pub const IDEMPOTENT_REPLAYED_HEADER: &str = "idempotent-replayed";

/// `[min_lon, min_lat, max_lon, max_lat]` in WGS84.
pub type Bbox = [f64; 4];
