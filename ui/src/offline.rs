//! The offline-first terminal: what it does when the center cannot be reached.
//!
//! Every API request tells [`Terminal`] whether the server answered it (`api::on_reach`); a
//! request without an answer (not a refusal: `fetch` failed) makes the terminal 离线. While
//! offline the panels keep the last state they loaded, the banner says since when, and every
//! action the person takes (ticket actions, drops, new reports) is kept in a durable outbox in
//! IndexedDB (`js/outbox.js`, the webview's own storage: it survives a reload and a restart of
//! the desktop app) with a key of its own (its `Idempotency-Key`), the ticket and the version
//! it was based on and the time it was made. An action made online that gets no answer is kept
//! under the key it was sent with, so sending it again cannot do it twice.
//!
//! Every few seconds an offline terminal asks `/api/health`; once the center answers, the
//! outbox is sent in the order it was made, each request with its key. A 2xx answer (the first
//! or a replayed one) takes it out; `IDEMPOTENCY_IN_PROGRESS` waits and asks again; no answer
//! stops the replay (the rest stays kept); any other refusal — `STALE_VERSION`, the ticket
//! closed meanwhile (`ILLEGAL_TRANSITION`), a 403 — makes it a *conflict*, kept in the outbox
//! and shown with the ticket as it is now until the person drops it (放弃) or sends it again
//! against the current version under a new key (按当前版本重试). Nothing is dropped silently.

use binhe_api::ErrorDetail;
use binhe_api::error::code;
use binhe_api::tickets::TicketView;
use binhe_core::ticket::TicketId;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use wasm_bindgen::prelude::*;

use crate::api::{self, ApiError};
use crate::tickets::time;

/// How often an offline terminal asks whether the center answers again, and an online one
/// with actions still kept tries to send them.
const POLL: Duration = Duration::from_secs(3);

#[wasm_bindgen(module = "/js/outbox.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = outboxAll)]
    async fn outbox_all() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = outboxPut)]
    async fn outbox_put(json: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = outboxDelete)]
    async fn outbox_delete(key: &str) -> Result<JsValue, JsValue>;
    /// A random UUID for an `Idempotency-Key`.
    #[wasm_bindgen(js_name = newKey)]
    pub fn new_key() -> String;
}

/// Where a kept request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for the center.
    Queued,
    /// The center refused it: the person decides.
    Conflict,
}

/// A request the terminal keeps until the center has answered it (one IndexedDB record).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    /// Its `Idempotency-Key`.
    pub key: String,
    /// Order made.
    pub seq: f64,
    pub method: String,
    pub path: String,
    /// The JSON body as sent.
    pub body: String,
    /// The action's code (`register`, `dispatch` …), `drop` or `report`.
    pub kind: String,
    pub ticket: Option<TicketId>,
    /// The ticket's version the action was based on.
    pub version: Option<u32>,
    pub made_at: DateTime<Utc>,
    pub status: Status,
    /// Why the center refused it (a conflict).
    pub error: Option<ErrorDetail>,
    /// The ticket as it stood when the center refused it.
    pub current: Option<TicketView>,
    /// Who did it (the account's login; `None` on a server without accounts): only their own
    /// session sends it, so nobody's action goes out under another's name.
    #[serde(default)]
    pub account: Option<String>,
}

impl Kept {
    pub fn new(
        key: String,
        path: String,
        body: String,
        kind: String,
        ticket: Option<TicketId>,
        version: Option<u32>,
    ) -> Self {
        Kept {
            key,
            seq: 0.0,
            method: "POST".to_owned(),
            path,
            body,
            kind,
            ticket,
            version,
            made_at: time::now(),
            status: Status::Queued,
            error: None,
            current: None,
            account: None,
        }
    }

    /// The body with `version` in place of the one it was based on (a body without a version,
    /// a new report, as it was).
    fn body_with(&self, version: u32) -> String {
        match serde_json::from_str::<serde_json::Value>(&self.body) {
            Ok(mut value) => match value.as_object_mut() {
                Some(fields) if fields.contains_key("version") => {
                    fields.insert("version".to_owned(), version.into());
                    value.to_string()
                }
                _ => self.body.clone(),
            },
            Err(_) => self.body.clone(),
        }
    }

    /// The same request against `version`, under a new key, waiting again.
    fn again(&self, version: Option<u32>) -> Self {
        Kept {
            key: new_key(),
            body: version.map_or_else(|| self.body.clone(), |v| self.body_with(v)),
            version: version.or(self.version),
            made_at: time::now(),
            status: Status::Queued,
            error: None,
            current: None,
            ..self.clone()
        }
    }
}

/// The terminal's link to the center and its outbox; every field is a signal, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Terminal {
    /// The last request got an answer.
    pub online: RwSignal<bool>,
    /// When the center last answered.
    pub last_update: RwSignal<Option<DateTime<Utc>>>,
    /// The outbox, in the order made: waiting requests and conflicts.
    pub kept: RwSignal<Vec<Kept>>,
    /// Bumped whenever a kept request was done by the center: panels reload.
    pub applied: RwSignal<u64>,
    /// The outbox's storage failed (IndexedDB refused): what it said.
    pub storage_error: RwSignal<Option<String>>,
    /// Who is signed in (login): the outbox shows and sends only their requests.
    account: RwSignal<Option<String>>,
    replaying: StoredValue<bool>,
}

fn js_text(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

thread_local! {
    static TERMINAL: std::cell::Cell<Option<Terminal>> = const { std::cell::Cell::new(None) };
}

impl Terminal {
    /// The page's one terminal, started on first use.
    pub fn get() -> Self {
        TERMINAL.with(|cell| {
            cell.get().unwrap_or_else(|| {
                let terminal = Self::start();
                cell.set(Some(terminal));
                terminal
            })
        })
    }

    /// Starts following the requests, loads the outbox and sends it when the center answers.
    fn start() -> Self {
        let terminal = Terminal {
            online: RwSignal::new(true),
            last_update: RwSignal::new(None),
            kept: RwSignal::new(Vec::new()),
            applied: RwSignal::new(0),
            storage_error: RwSignal::new(None),
            account: RwSignal::new(None),
            replaying: StoredValue::new(false),
        };
        api::on_reach(move |answered| terminal.reached(answered));
        spawn_local(async move {
            match outbox_all().await {
                Ok(text) => {
                    let text = text.as_string().unwrap_or_default();
                    match serde_json::from_str::<Vec<Kept>>(&text) {
                        Ok(mut stored) => terminal.kept.update(|kept| {
                            // Anything kept before the load finished comes after.
                            stored.append(kept);
                            *kept = stored;
                        }),
                        Err(e) => terminal.storage_error.set(Some(e.to_string())),
                    }
                }
                Err(e) => terminal.storage_error.set(Some(js_text(&e))),
            }
            terminal.replay();
        });
        set_interval(move || terminal.tick(), POLL);
        // The browser's own word on the network, as a hint: going offline shows at once, and
        // coming back asks the center at once (an answer from it decides either way).
        let _ = window_event_listener(leptos::ev::offline, move |_| terminal.reached(false));
        let _ = window_event_listener(leptos::ev::online, move |_| terminal.tick());
        terminal
    }

    fn reached(self, answered: bool) {
        if answered {
            self.last_update.set(Some(time::now()));
            if !self.online.get_untracked() {
                self.online.set(true);
                self.replay();
            }
        } else if self.online.get_untracked() {
            self.online.set(false);
        }
    }

    fn tick(self) {
        if !self.online.get_untracked() {
            // The answer (or its absence) reaches `reached` through the API's hook.
            spawn_local(async {
                let _ = api::health().await;
            });
        } else if self.count(Status::Queued, None) > 0 {
            self.replay();
        }
    }

    /// The one signed in now (their login; `None`: a server without accounts).
    pub fn signed_in(self, account: Option<String>) {
        if self.account.get_untracked() != account {
            self.account.set(account);
            self.replay();
        }
    }

    /// The signed-in person's kept requests with `status` (tracked).
    pub fn mine(self, status: Status) -> Vec<Kept> {
        let account = self.account.get();
        self.kept.with(|k| {
            k.iter()
                .filter(|e| e.status == status && e.account == account)
                .cloned()
                .collect()
        })
    }

    /// How many of the signed-in person's requests with `status` there are on ticket `id`
    /// (on any ticket: `None`), untracked.
    fn count(self, status: Status, id: Option<TicketId>) -> usize {
        let account = self.account.get_untracked();
        self.kept.with_untracked(|k| {
            k.iter()
                .filter(|e| e.status == status && e.account == account)
                .filter(|e| id.is_none() || e.ticket == id)
                .count()
        })
    }

    /// Requests waiting for the center (tracked).
    pub fn waiting(self) -> usize {
        self.kept.track();
        self.account.track();
        self.count(Status::Queued, None)
    }

    /// Kept requests waiting on ticket `id` (tracked): the card shows them as 待同步.
    pub fn waiting_on(self, id: TicketId) -> usize {
        self.kept.track();
        self.account.track();
        self.count(Status::Queued, Some(id))
    }

    /// Waiting requests on ticket `id`, untracked: each one moves the ticket a version on once
    /// done, so the next action is based on the version after them.
    pub fn waiting_on_untracked(self, id: TicketId) -> u32 {
        u32::try_from(self.count(Status::Queued, Some(id))).unwrap_or(u32::MAX)
    }

    /// A new request must be kept rather than sent: the center is not answering, or earlier
    /// ones still wait (they go first).
    pub fn must_keep(self) -> bool {
        !self.online.get_untracked() || self.count(Status::Queued, None) > 0
    }

    /// Keeps `entry` at the end of the outbox (on disk before this returns, unless the storage
    /// refuses: then it is kept in memory and the banner says the storage failed).
    pub async fn keep(self, mut entry: Kept) {
        let last = self
            .kept
            .with_untracked(|k| k.iter().map(|e| e.seq).fold(0.0, f64::max));
        entry.seq = f64::max(js_sys::Date::now(), last + 1.0);
        entry.account = self.account.get_untracked();
        self.kept.update(|k| k.push(entry.clone()));
        self.store(&entry).await;
    }

    async fn store(self, entry: &Kept) {
        let stored = match serde_json::to_string(entry) {
            Ok(json) => outbox_put(&json).await.map_err(|e| js_text(&e)),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = stored {
            self.storage_error.set(Some(e));
        }
    }

    async fn forget(self, key: &str) {
        self.kept.update(|k| k.retain(|e| e.key != key));
        if let Err(e) = outbox_delete(key).await {
            self.storage_error.set(Some(js_text(&e)));
        }
    }

    /// 放弃: the person drops a conflict.
    pub fn discard(self, key: String) {
        spawn_local(async move { self.forget(&key).await });
    }

    /// 按当前版本重试: the conflict's request again, against the ticket's current version,
    /// under a new key, at the end of the outbox.
    pub fn retry(self, key: &str) {
        let Some(old) = self
            .kept
            .with_untracked(|k| k.iter().find(|e| e.key == key).cloned())
        else {
            return;
        };
        let again = old.again(old.current.as_ref().map(|t| t.version));
        spawn_local(async move {
            self.forget(&old.key).await;
            self.keep(again).await;
            self.replay();
        });
    }

    /// Sends the waiting requests in order, one at a time (never two replays at once).
    pub fn replay(self) {
        if self.replaying.get_value() || !self.online.get_untracked() {
            return;
        }
        self.replaying.set_value(true);
        spawn_local(async move {
            while let Some(next) = self.kept.with_untracked(|k| {
                let account = self.account.get_untracked();
                k.iter()
                    .find(|e| e.status == Status::Queued && e.account == account)
                    .cloned()
            }) {
                match api::send_kept(&next.method, &next.path, &next.body, &next.key).await {
                    Ok(_) => {
                        self.forget(&next.key).await;
                        self.applied.update(|n| *n += 1);
                    }
                    Err(e) if e.code == code::IDEMPOTENCY_IN_PROGRESS => {
                        let wait = e.retry_after_s.unwrap_or(1).clamp(1, 30);
                        time::sleep(Duration::from_secs(wait)).await;
                    }
                    // Not answered, the session gone (the login page comes up), the server's
                    // own failure or a refusal of the moment: tried again later.
                    Err(e)
                        if e.status
                            .is_none_or(|s| s >= 500 || matches!(s, 401 | 408 | 429)) =>
                    {
                        break;
                    }
                    Err(e) => self.conflict(next, e).await,
                }
            }
            self.replaying.set_value(false);
        });
    }

    /// The center refused `entry`: kept as a conflict, with the ticket as it is now.
    async fn conflict(self, mut entry: Kept, mut error: ApiError) {
        let mut current = error.detail.ticket.take().map(|t| *t);
        if current.is_none()
            && let Some(id) = entry.ticket
            && let Ok(detail) = api::tickets::ticket(id).await
        {
            current = Some(detail.ticket);
        }
        entry.status = Status::Conflict;
        entry.error = Some(error.detail);
        entry.current = current;
        self.kept.update(|k| {
            if let Some(e) = k.iter_mut().find(|e| e.key == entry.key) {
                *e = entry.clone();
            }
        });
        self.store(&entry).await;
        self.applied.update(|n| *n += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(body: &str) -> Kept {
        Kept {
            key: "k1".into(),
            seq: 1.0,
            method: "POST".into(),
            path: "/api/tickets/7/actions".into(),
            body: body.into(),
            kind: "register".into(),
            ticket: Some(7),
            version: Some(1),
            made_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            status: Status::Conflict,
            error: None,
            current: None,
            account: Some("e2e-commander".into()),
        }
    }

    #[test]
    fn a_record_keeps_every_field_through_json() {
        let k = kept(r#"{"action":"register","version":1}"#);
        let text = serde_json::to_string(&k).unwrap();
        assert!(text.contains(r#""status":"conflict""#));
        assert_eq!(serde_json::from_str::<Kept>(&text).unwrap(), k);
    }

    #[test]
    fn retrying_against_the_current_version_changes_only_the_version() {
        let k = kept(r#"{"action":"register","version":1,"note":"x"}"#);
        let body: serde_json::Value = serde_json::from_str(&k.body_with(3)).unwrap();
        assert_eq!(body["version"], 3);
        assert_eq!(body["note"], "x");
        assert_eq!(body["action"], "register");
        // A body without a version (a new report) is sent as it was.
        let report = kept(r#"{"channel":"hotline"}"#);
        assert_eq!(report.body_with(3), r#"{"channel":"hotline"}"#);
    }
}
