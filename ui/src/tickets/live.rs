//! Live updates: the server's event stream (`/api/stream`, same origin, the session cookie
//! goes along), or, on a server without one, asking every few seconds.
//!
//! The browser reconnects a dropped stream by itself (sending `Last-Event-ID`, so missed
//! events come first). It gives up only when the server answers with an error, e.g. 404 from
//! a server older than the stream: then the desk polls, and tries the stream again now and
//! then, so a restarted or upgraded server is streamed from again.
//!
//! The stream sends what the session may see, so another session gets a stream of its own
//! ([`reconnect`]); a retired stream, and its polling, stop.

use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::EventSource;

use super::desk::{Desk, Live};
use binhe_api::tickets::{LiveEvent, STREAM};

const POLL: Duration = Duration::from_secs(3);
const RETRY_STREAM: Duration = Duration::from_mins(1);

/// Opens the stream; falls back to polling if the server refuses it.
pub fn connect(desk: Desk) {
    let round = desk.stream.with_value(|(_, round)| *round);
    // Signed out: the stream would only be refused; the next session reconnects.
    if crate::api::signed_out_held() {
        poll_until_retry(desk, round);
        return;
    }
    let Ok(source) = EventSource::new(STREAM) else {
        poll_until_retry(desk, round);
        return;
    };
    let on_ticket =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            // What changed, for whoever waits on one ticket (the undo offer); the reload follows.
            if let Some(event) = ev
                .data()
                .as_string()
                .and_then(|data| serde_json::from_str::<LiveEvent>(&data).ok())
            {
                desk.heard.set(Some(event));
            }
            desk.changed();
        });
    let _ = source.add_event_listener_with_callback("ticket", on_ticket.as_ref().unchecked_ref());
    let on_open = Closure::<dyn FnMut()>::new(move || {
        // Whatever happened while not connected is in the next load.
        desk.live.set(Live::Stream);
        desk.changed();
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    let closed = source.clone();
    let on_error = Closure::<dyn FnMut()>::new(move || {
        if closed.ready_state() == EventSource::CLOSED {
            closed.set_onerror(None);
            poll_until_retry(desk, round);
        } else {
            desk.live.set(Live::Connecting);
        }
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // The closures live as long as the page; a retired stream is closed and calls none.
    on_ticket.forget();
    on_open.forget();
    on_error.forget();
    desk.stream
        .update_value(|(current, _)| *current = Some(source));
}

/// Closes the stream (or stops polling) and opens a new one, under the current session.
pub fn reconnect(desk: Desk) {
    desk.stream.update_value(|(_, round)| *round += 1);
    if let Some(old) = desk.stream.with_value(|(old, _)| old.clone()) {
        old.set_onerror(None);
        old.set_onopen(None);
        old.close();
    }
    desk.live.set(Live::Connecting);
    connect(desk);
}

fn poll_until_retry(desk: Desk, round: u64) {
    desk.live.set(Live::Polling);
    let current = move || desk.stream.with_value(|(_, r)| *r == round);
    let Ok(poll) = set_interval_with_handle(
        move || {
            if current() {
                desk.changed();
            }
        },
        POLL,
    ) else {
        return;
    };
    set_timeout(
        move || {
            poll.clear();
            if current() {
                connect(desk);
            }
        },
        RETRY_STREAM,
    );
}
