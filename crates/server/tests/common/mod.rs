//! What the API tests share: a server over real HTTP on loopback ([`Harness`]), the accounts and
//! terminals of a center, the camera gateway's ffmpeg processes, photos made for the tests.

#[allow(dead_code, reason = "each test binary uses its own subset")]
pub mod center;
#[allow(dead_code, reason = "each test binary uses its own subset")]
pub mod crash;
#[allow(dead_code, reason = "each test binary uses its own subset")]
pub mod harness;
#[allow(dead_code, reason = "each test binary uses its own subset")]
pub mod pictures;
#[allow(dead_code, reason = "each test binary uses its own subset")]
pub mod processes;
#[allow(dead_code, reason = "each test binary uses its own subset")]
pub mod requests;

#[allow(unused_imports, reason = "each test binary uses its own subset")]
pub use harness::Harness;
