//! The live event stream (Server-Sent Events). Each client gets every stored event exactly once
//! and in log order: a reconnecting client names the last event it saw (`Last-Event-ID`) and is
//! first served the ones it missed from the log; the in-process channel only says that new
//! events exist, the log stays the truth whenever the channel skips or lags.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use binhe_api::tickets::{LiveEvent, StreamQuery};
use binhe_core::access::Principal;
use binhe_store::{AccountRepository, StoredEvent};
use futures_util::Stream;
use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::desk::TicketDesk;
use crate::http::extract::Query;
use crate::http::{ApiError, Caller};

const LOG_PAGE: u32 = 500;
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How often a live stream checks that its session still holds.
const SESSION_CHECK: Duration = Duration::from_secs(30);

struct Tail {
    desk: TicketDesk,
    live: broadcast::Receiver<Arc<StoredEvent>>,
    /// Whose stream this is: only events they may see are sent.
    principal: Principal,
    /// The session behind the stream, checked again now and then: the stream ends when it is
    /// logged out, disabled or expired.
    session: Option<(String, Arc<dyn AccountRepository>)>,
    next_check: Instant,
    /// The newest log id looked at (sent, or skipped as out of scope).
    sent: i64,
    backlog: VecDeque<StoredEvent>,
    /// The log holds events this client has not seen yet.
    behind: bool,
}

fn to_sse(stored: &StoredEvent) -> Event {
    let e = &stored.event;
    Event::default()
        .event("ticket")
        .id(stored.id.to_string())
        .json_data(LiveEvent {
            event_id: stored.id,
            ticket_id: e.ticket_id,
            version: e.version,
            kind: e.change.kind().to_owned(),
            state: e.to,
        })
        .expect("plain data")
}

impl Tail {
    /// Whether the session still holds (checked at most every [`SESSION_CHECK`]).
    async fn still_signed_in(&mut self) -> bool {
        let Some((hash, accounts)) = &self.session else {
            return true;
        };
        if Instant::now() < self.next_check {
            return true;
        }
        self.next_check = Instant::now() + SESSION_CHECK;
        match accounts.session(hash).await {
            Ok(Some((session, account))) => {
                session.expires_at > chrono::Utc::now() && !account.disabled
            }
            // Gone, or the database is away: the client reconnects and is checked then.
            Ok(None) | Err(_) => false,
        }
    }

    async fn next(&mut self) -> Option<Event> {
        loop {
            if !self.still_signed_in().await {
                return None;
            }
            if let Some(stored) = self.backlog.pop_front() {
                if stored.id <= self.sent {
                    continue;
                }
                self.sent = stored.id;
                if self.principal.reaches(&stored.audience) {
                    return Some(to_sse(&stored));
                }
                continue;
            }
            if self.behind {
                match self.desk.store().events_after(self.sent, LOG_PAGE).await {
                    Ok(page) if page.is_empty() => self.behind = false,
                    Ok(page) => self.backlog.extend(page),
                    Err(error) => {
                        // The client reconnects with its last id and resumes from there.
                        tracing::warn!(%error, "live stream could not read the event log");
                        return None;
                    }
                }
                continue;
            }
            let received = tokio::time::timeout(SESSION_CHECK, self.live.recv()).await;
            let Ok(received) = received else {
                continue;
            };
            match received {
                Ok(stored) if stored.id == self.sent + 1 => {
                    self.sent = stored.id;
                    if self.principal.reaches(&stored.audience) {
                        return Some(to_sse(&stored));
                    }
                }
                Ok(stored) if stored.id <= self.sent => {}
                // Out of order or skipped: let the log fill the gap.
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => self.behind = true,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

pub(super) async fn stream(
    State(desk): State<TicketDesk>,
    State(accounts): State<Arc<dyn AccountRepository>>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    // Subscribe before reading the log so that nothing falls between the two.
    let live = desk.subscribe();
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(query.after);
    let (sent, behind) = match resume {
        Some(last) => (last.max(0), true),
        None => (desk.store().last_event_id().await?, false),
    };
    let tail = Tail {
        desk,
        live,
        principal: caller.principal,
        session: caller.session.map(|hash| (hash, accounts)),
        next_check: Instant::now() + SESSION_CHECK,
        sent,
        backlog: VecDeque::new(),
        behind,
    };
    let events = futures_util::stream::unfold(tail, |mut tail| async move {
        tail.next().await.map(|event| (Ok(event), tail))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}
