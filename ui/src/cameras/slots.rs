//! How many live pictures may stream at once. Each MJPEG picture holds one HTTP/1.1
//! connection open for as long as it plays, and browsers (Chromium, WebKitGTK) keep at most
//! six to one server: the event stream needs one, and API calls one more. Pictures beyond
//! [`MAX_LIVE`] wait, in the order they were asked for, and start when one closes.

use leptos::prelude::*;

/// Pictures streaming at once, at most.
pub const MAX_LIVE: usize = 4;

/// The pictures that want to stream, first asked first served.
#[derive(Clone, Copy)]
pub struct LiveSlots {
    queue: RwSignal<Vec<u64>>,
    next: StoredValue<u64>,
}

impl LiveSlots {
    pub fn new() -> Self {
        LiveSlots {
            queue: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        }
    }

    /// A name for one more picture.
    pub fn ticket(self) -> u64 {
        self.next.update_value(|n| *n += 1);
        self.next.get_value()
    }

    /// The picture `me` wants to stream (`true`) or has stopped.
    pub fn want(self, me: u64, on: bool) {
        let queued = self.queue.with_untracked(|q| q.contains(&me));
        if on && !queued {
            self.queue.update(|q| q.push(me));
        } else if !on && queued {
            self.queue.update(|q| q.retain(|&id| id != me));
        }
    }

    /// Whether `me` may stream now (tracked).
    pub fn granted(self, me: u64) -> bool {
        self.queue.with(|q| {
            q.iter()
                .position(|&id| id == me)
                .is_some_and(|i| i < MAX_LIVE)
        })
    }
}
