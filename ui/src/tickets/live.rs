//! Live updates: the server's event stream (`/api/stream`, same origin, the session cookie
//! goes along), or, on a server without one, asking every few seconds.
//!
//! The stream opens from the event the desk's list is as of (`?after=`), and the browser
//! reconnects a dropped stream by itself (sending `Last-Event-ID`): either way missed events
//! come first. It gives up only when the server answers with an error, e.g. 404 from
//! a server older than the stream: then the desk polls, and tries the stream again now and
//! then, so a restarted or upgraded server is streamed from again.
//!
//! The stream sends what the session may see, so another session gets a stream of its own
//! ([`reconnect`]); a retired stream, and its polling, stop.

use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::Duration;

use binhe_api::tickets::{LiveEvent, STREAM};
use binhe_core::ticket::TicketId;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::EventSource;

use super::desk::{Desk, Live, SingleFlight};

const POLL: Duration = Duration::from_secs(3);
const RETRY_STREAM: Duration = Duration::from_mins(1);

/// The desk's stream: the current one, which round of (re)connecting it is, the newest event
/// the desk's lists account for (see [`Desk::heard_up_to`]) and whether it was ever opened.
#[derive(Default)]
pub struct Stream {
    source: Option<EventSource>,
    round: u64,
    pub(super) resume_after: Option<i64>,
    pub(super) opened: bool,
    /// Tickets the stream said changed, not yet caught up on.
    pub(super) pending: BTreeSet<TicketId>,
    /// Something changed that only a full load shows (a new session, other grids, a stream
    /// opened without a resume point, polling).
    pub(super) reload: bool,
    /// A catch-up is due shortly (see [`super::desk::Desk::changed`]).
    pub(super) gathering: bool,
    /// Catch-ups run one at a time.
    pub(super) runner: Rc<SingleFlight>,
}

/// Opens the stream; falls back to polling if the server refuses it.
pub fn connect(desk: Desk) {
    let round = desk.stream.with_value(|s| s.round);
    // Signed out: the stream would only be refused; the next session reconnects.
    if crate::api::signed_out_held() {
        poll_until_retry(desk, round);
        return;
    }
    // From the point the lists are as of: what happened since comes first, so opening the
    // stream needs no reload. Without one (a first stream before any list), a reload on open.
    let resume = desk.stream.with_value(|s| s.resume_after);
    let url = resume.map_or_else(
        || STREAM.to_owned(),
        |after| format!("{STREAM}?after={after}"),
    );
    let Ok(source) = EventSource::new(&url) else {
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
                desk.heard_up_to(event.event_id);
                desk.touched(event.ticket_id);
                desk.heard.set(Some(event));
            } else {
                desk.changed();
            }
        });
    let _ = source.add_event_listener_with_callback("ticket", on_ticket.as_ref().unchecked_ref());
    let on_open = Closure::<dyn FnMut()>::new(move || {
        desk.live.set(Live::Stream);
        // Whatever happened while not connected is in the next load, or, resuming, told first.
        if resume.is_none() {
            desk.changed();
        }
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
    desk.stream.update_value(|s| s.source = Some(source));
}

/// Closes the stream (or stops polling) and opens a new one, under the current session.
pub fn reconnect(desk: Desk) {
    desk.stream.update_value(|s| s.round += 1);
    if let Some(old) = desk.stream.with_value(|s| s.source.clone()) {
        old.set_onerror(None);
        old.set_onopen(None);
        old.close();
    }
    desk.live.set(Live::Connecting);
    connect(desk);
}

fn poll_until_retry(desk: Desk, round: u64) {
    desk.live.set(Live::Polling);
    let current = move || desk.stream.with_value(|s| s.round == round);
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
