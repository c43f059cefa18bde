//! Camera health as the gateway sees it: online (pictures came, or the camera answers),
//! offline (it does not answer), fault (it answers but its stream is broken or stopped), or
//! unknown (not looked at yet).
//!
//! Two things feed it: every attempt to watch a camera, and a patrol that knocks at every
//! camera's address (a TCP connection, no video) once a minute. A fault is only ever seen by
//! watching, so the patrol leaves it standing until a picture plays again.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use binhe_core::Health;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use super::{Gateway, GatewayError, Source};

/// How often the patrol knocks at every camera.
pub const PATROL_EVERY: Duration = Duration::from_mins(1);
/// How long a camera may take to accept a connection.
const KNOCK_TIMEOUT: Duration = Duration::from_secs(3);
/// Cameras knocked at together.
const KNOCKS_AT_ONCE: usize = 32;

/// What a failed first picture says of the camera: no answer at its address is offline;
/// an answer that is not a picture is a fault.
pub fn health_of_failure(reason: &str) -> Health {
    const NO_ANSWER: [&str; 10] = [
        "connection refused",
        "timed out",
        "timeout",
        "no route to host",
        "network is unreachable",
        "host is down",
        "name or service not known",
        "temporary failure in name resolution",
        "failed to resolve",
        "no picture within",
    ];
    let reason = reason.to_ascii_lowercase();
    if NO_ANSWER.iter().any(|words| reason.contains(words)) {
        Health::Offline
    } else {
        Health::Fault
    }
}

/// One camera's health, since when, and why (when not online).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub health: Health,
    pub since: DateTime<Utc>,
    pub reason: Option<String>,
    /// The book's version when this record last changed.
    pub version: u64,
}

/// Every camera's health; `version` rises with each change, so a client asks for what changed
/// since the version it has.
#[derive(Debug, Default)]
pub struct HealthBook {
    version: u64,
    cameras: HashMap<String, Record>,
}

impl HealthBook {
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn health_of(&self, camera: &str) -> Health {
        self.cameras
            .get(camera)
            .map_or(Health::Unknown, |r| r.health)
    }

    pub fn record(&self, camera: &str) -> Option<&Record> {
        self.cameras.get(camera)
    }

    /// Notes what was seen; returns whether anything changed. `since` moves only when the
    /// health itself changes.
    pub fn set(
        &mut self,
        camera: &str,
        health: Health,
        reason: Option<String>,
        at: DateTime<Utc>,
    ) -> bool {
        let reason = reason.filter(|_| health != Health::Online);
        if let Some(old) = self.cameras.get(camera)
            && old.health == health
            && old.reason == reason
        {
            return false;
        }
        self.version += 1;
        let since = match self.cameras.get(camera) {
            Some(old) if old.health == health => old.since,
            _ => at,
        };
        self.cameras.insert(
            camera.to_owned(),
            Record {
                health,
                since,
                reason,
                version: self.version,
            },
        );
        true
    }
}

/// Whether ffmpeg can be started: the test picture needs nothing else.
fn ffmpeg_installed() -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| is_executable(&dir.join("ffmpeg")))
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// What the patrol found at one camera.
async fn knock(source: &Result<Source, GatewayError>) -> (Health, Option<String>) {
    let source = match source {
        Ok(source) => source,
        Err(error) => return (Health::Fault, Some(error.to_string())),
    };
    let Some((host, port)) = source.address() else {
        // The generated test picture: there whenever ffmpeg is.
        return if ffmpeg_installed() {
            (Health::Online, None)
        } else {
            (Health::Fault, Some("ffmpeg is not installed".to_owned()))
        };
    };
    let connecting = tokio::net::TcpStream::connect((host.as_str(), port));
    match tokio::time::timeout(KNOCK_TIMEOUT, connecting).await {
        Ok(Ok(_)) => (Health::Online, None),
        Ok(Err(e)) => (Health::Offline, Some(format!("{host}:{port}: {e}"))),
        Err(_) => (
            Health::Offline,
            Some(format!(
                "{host}:{port}: no answer within {} s (timed out)",
                KNOCK_TIMEOUT.as_secs()
            )),
        ),
    }
}

impl Gateway {
    /// Knocks at every camera once and notes what answered. A camera at fault stays so until
    /// a picture plays; one that no longer answers is offline.
    pub async fn patrol(&self, cameras: Vec<(String, Result<Source, GatewayError>)>) {
        let found: Vec<(String, (Health, Option<String>))> = futures_util::stream::iter(cameras)
            .map(|(id, source)| async move {
                let found = knock(&source).await;
                (id, found)
            })
            .buffer_unordered(KNOCKS_AT_ONCE)
            .collect()
            .await;
        let at = Utc::now();
        let mut book = self.health.lock().expect("health lock is never poisoned");
        for (camera, (health, reason)) in found {
            let camera = camera.as_str();
            let keeps_fault = health == Health::Online && book.health_of(camera) == Health::Fault;
            if !keeps_fault {
                book.set(camera, health, reason, at);
            }
        }
    }

    /// Runs `f` on the health book.
    pub fn with_health<R>(&self, f: impl FnOnce(&HealthBook) -> R) -> R {
        f(&self.health.lock().expect("health lock is never poisoned"))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_version_rises_only_with_a_change_and_since_only_with_a_new_health() {
        let mut book = HealthBook::default();
        let t = |m: u32| Utc.with_ymd_and_hms(2026, 11, 28, 5, m, 0).unwrap();
        assert_eq!(book.health_of("A"), Health::Unknown);
        assert!(book.set("A", Health::Offline, Some("refused".into()), t(0)));
        assert!(!book.set("A", Health::Offline, Some("refused".into()), t(1)));
        assert_eq!(book.version(), 1);
        assert!(book.set("A", Health::Offline, Some("timed out".into()), t(2)));
        assert_eq!(
            book.record("A").unwrap().since,
            t(0),
            "still offline since 05:00"
        );
        assert!(book.set("A", Health::Online, Some("ignored".into()), t(3)));
        let a = book.record("A").unwrap();
        assert_eq!(
            (a.health, a.since, a.reason.as_deref(), a.version),
            (Health::Online, t(3), None, 3)
        );
    }

    #[test]
    fn no_answer_is_offline_and_a_wrong_answer_a_fault() {
        for reason in [
            "rtsp://127.0.0.1:9/x: Connection refused",
            "no picture within 10 s",
            "Failed to resolve hostname cam.invalid: Temporary failure in name resolution",
        ] {
            assert_eq!(health_of_failure(reason), Health::Offline, "{reason}");
        }
        for reason in [
            "http://127.0.0.1:8080/x: Invalid data found when processing input",
            "Server returned 404 Not Found",
        ] {
            assert_eq!(health_of_failure(reason), Health::Fault, "{reason}");
        }
    }
}
