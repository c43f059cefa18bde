//! The cameras' health as the server last told it, asked again every [`POLL`] (more often
//! while pictures play, and at once when a live picture fails): only the cameras changed since
//! the version held come back, so the map, the header and the video wall follow without
//! reloading anything.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::devices::{CameraStatus, HealthCounts, HealthReport};
use binhe_core::Health;

use crate::api::devices;
use crate::app::AppState;
use crate::i18n::Msg;
use crate::map_first::MapFirst;
use crate::tickets::desk::SingleFlight;
use crate::tickets::time::sleep;

pub const POLL: Duration = Duration::from_secs(15);
/// While some picture plays the health is asked this often: a camera that stops is a fault
/// the viewer should hear of soon (the browser keeps showing its last picture).
const POLL_WATCHED: Duration = Duration::from_secs(5);

/// Every camera's health by id, and the version of the server's health log it reflects.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HealthBook {
    pub version: Option<u64>,
    pub counts: Option<HealthCounts>,
    pub cameras: HashMap<String, CameraStatus>,
}

impl HealthBook {
    /// Takes in an answer: the whole list after a full load, the changes after `?since=`.
    pub fn apply(&mut self, report: HealthReport, full: bool) {
        if full {
            self.cameras.clear();
        }
        for status in report.cameras {
            self.cameras.insert(status.id.clone(), status);
        }
        self.version = Some(report.version);
        self.counts = Some(report.counts);
    }

    pub fn health(&self, id: &str) -> Option<Health> {
        self.cameras.get(id).map(|s| s.health)
    }
}

/// Shared by the map, the header, the device card and the video wall.
#[derive(Clone, Copy)]
pub struct CameraHealth {
    pub book: RwSignal<Arc<HealthBook>>,
    loads: StoredValue<Rc<SingleFlight>, LocalStorage>,
    /// Bumped when another account signs in: its scope may hold other cameras.
    round: StoredValue<u64>,
    /// Pictures playing now.
    playing: StoredValue<usize>,
}

impl CameraHealth {
    /// Loads the health now and then every [`POLL`].
    pub fn start(state: AppState) -> Self {
        let health = CameraHealth {
            book: RwSignal::new(Arc::default()),
            loads: StoredValue::new_local(Rc::new(SingleFlight::default())),
            round: StoredValue::new(0),
            playing: StoredValue::new(0),
        };
        let first = MapFirst::get();
        spawn_local(async move {
            first.wait().await;
            let mut waited = POLL;
            loop {
                if waited >= POLL || health.playing.get_value() > 0 {
                    health.refresh(state);
                    waited = Duration::ZERO;
                }
                sleep(POLL_WATCHED).await;
                waited += POLL_WATCHED;
            }
        });
        health
    }

    /// A picture started (`true`) or stopped playing.
    pub fn playing(self, on: bool) {
        self.playing.update_value(|n| {
            *n = if on { *n + 1 } else { n.saturating_sub(1) };
        });
    }

    /// Asks the server for what changed since the version held (one request at a time).
    pub fn refresh(self, state: AppState) {
        self.loads.get_value().run(move || async move {
            let round = self.round.get_value();
            let since = self.book.with_untracked(|b| b.version);
            let answer = devices::camera_health(since).await;
            if self.round.get_value() != round {
                return; // another account's health is loading
            }
            match answer {
                Ok(report) => self
                    .book
                    .update(|b| Arc::make_mut(b).apply(report, since.is_none())),
                // A server without camera health (404) simply shows none.
                Err(e) if e.status == Some(404) => {}
                Err(e) => state.notify(Msg::ErrorLoadHealth, e),
            }
        });
    }

    /// Another account signed in: start again from the full list of what it may see.
    pub fn session_changed(self, state: AppState) {
        self.round.update_value(|r| *r += 1);
        self.book.set(Arc::default());
        self.refresh(state);
    }

    /// A camera's health and reason (tracked); `None` before the server has said.
    pub fn status(self, id: &str) -> Option<(Health, Option<String>)> {
        self.book
            .with(|b| b.cameras.get(id).map(|s| (s.health, s.reason.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(version: u64, cameras: &[(&str, Health)]) -> HealthReport {
        HealthReport {
            version,
            counts: HealthCounts::default(),
            cameras: cameras
                .iter()
                .map(|(id, health)| CameraStatus {
                    id: (*id).to_owned(),
                    health: *health,
                    since: None,
                    reason: None,
                })
                .collect(),
        }
    }

    #[test]
    fn changes_since_a_version_update_only_the_cameras_named() {
        let mut book = HealthBook::default();
        book.apply(
            report(3, &[("A", Health::Online), ("B", Health::Online)]),
            true,
        );
        book.apply(report(5, &[("B", Health::Fault)]), false);
        assert_eq!(book.version, Some(5));
        assert_eq!(book.health("A"), Some(Health::Online));
        assert_eq!(book.health("B"), Some(Health::Fault));
        // A full load (another account) forgets cameras it no longer lists.
        book.apply(report(6, &[("B", Health::Online)]), true);
        assert_eq!(book.health("A"), None);
    }
}
