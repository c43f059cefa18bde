//! The audit log: every change asked of the server (refused ones too), every login and logout,
//! every file exported ([`audited_read`]), with who asked, from which terminal and address, and
//! what the server answered.

use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use binhe_api::auth::{AuditLine, AuditPage, AuditQuery, DEFAULT_AUDIT_LIMIT, MAX_AUDIT_LIMIT};
use binhe_store::{AccountRepository, AuditEntry, AuditFilter, StoreError};
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use super::Gate;
use crate::http::extract::{Json, Query};
use crate::http::{ApiError, AuditNote, Caller, Peer, RequestError};

/// The action and target of a request no handler described: `POST /api/tickets/12/drop` is
/// `tickets.drop` on `12`.
fn named(method: &Method, path: &str) -> (String, String) {
    let known = [
        ("POST", "/api/tickets", "ticket.create"),
        ("POST", "/api/tickets/import", "tickets.import"),
        ("PUT", "/api/catalogue", "catalogue.replace"),
        ("PUT", "/api/sla", "sla.replace"),
        ("POST", "/api/grids/import", "grids.import"),
        ("POST", "/api/grids/import/preview", "grids.import_preview"),
        ("POST", "/api/demo/feed", "demo_feed.control"),
        ("POST", "/api/accounts", "account.create"),
        ("PUT", "/api/desktop/center", "desktop.center"),
        ("POST", "/api/door-access/events", "door_access.event"),
        ("PUT", "/api/basemap", "basemap.replace"),
        ("DELETE", "/api/basemap", "basemap.remove"),
        ("POST", "/api/hotspots/runs", "hotspots.run"),
    ];
    if let Some((_, _, action)) = known
        .iter()
        .find(|(m, p, _)| *m == method.as_str() && *p == path)
    {
        return ((*action).to_owned(), String::new());
    }
    let mut parts: Vec<&str> = path
        .trim_start_matches("/api/")
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    let target = if parts.len() >= 2 {
        parts.remove(1).to_owned()
    } else {
        String::new()
    };
    let mut action = parts.join(".");
    if parts.len() < 2 {
        action = format!("{action}.{}", method.as_str().to_lowercase());
    }
    (action, target)
}

/// The reads that are on the record whatever the answer — the exports, files leaving the
/// center — as (action, target). Their handlers attach a note with the details; this names
/// the line when the request was refused before a handler ran (no session, a malformed ticket
/// number …).
pub fn audited_read(path: &str) -> Option<(&'static str, String)> {
    const EXPORTS: [(&str, &str); 8] = [
        ("/api/tickets/export.csv", "tickets.export"),
        ("/api/tickets/export.xlsx", "tickets.export"),
        ("/api/tickets/export.geojson", "tickets.export"),
        ("/api/kpi/tickets/export.csv", "kpi.export"),
        ("/api/kpi/tickets/export.xlsx", "kpi.export"),
        ("/api/kpi/tickets/export.geojson", "kpi.export"),
        (binhe_api::grids::GRIDS_EXPORT_GEOJSON, "grids.export"),
        (binhe_api::grids::GRIDS_EXPORT_SHAPEFILE, "grids.export"),
    ];
    if let Some((_, action)) = EXPORTS.iter().find(|(p, _)| *p == path) {
        return Some((action, String::new()));
    }
    // `/api/tickets/{id}/timeline.{csv,xlsx}`.
    let id = path.strip_prefix("/api/tickets/")?;
    let (id, file) = id.split_once('/')?;
    binhe_api::tickets::TIMELINE_FORMATS
        .iter()
        .any(|ext| file.strip_prefix("timeline.") == Some(ext))
        .then(|| ("ticket.timeline_export", id.to_owned()))
}

/// Records the audit line of a request (changes only: GET and HEAD are not recorded unless a
/// handler attached a note, or the read is an export) and hands the response back.
pub async fn record(
    gate: &Gate,
    method: &Method,
    path: &str,
    caller: Option<&Caller>,
    peer: &Peer,
    response: Response,
) -> Response {
    let note = response.extensions().get::<AuditNote>().cloned();
    let read = (method == Method::GET || method == Method::HEAD)
        .then(|| audited_read(path))
        .flatten();
    if note.is_none() && (method == Method::GET || method == Method::HEAD) && read.is_none() {
        return response;
    }
    let (action, target, detail) = if let Some(n) = &note {
        (n.action.clone(), n.target.clone(), n.detail.clone())
    } else if let Some((action, target)) = read {
        (action.to_owned(), target, String::new())
    } else {
        let (action, target) = named(method, path);
        (action, target, String::new())
    };
    let (account, role) = note
        .as_ref()
        .and_then(|n| n.account.clone())
        .or_else(|| {
            caller.map(|c| {
                (
                    c.principal.account.clone(),
                    c.principal.role.as_str().to_owned(),
                )
            })
        })
        .unwrap_or_else(|| (String::new(), String::new()));
    let terminal = note
        .as_ref()
        .and_then(|n| n.terminal.clone())
        .or_else(|| caller.map(|c| c.terminal.clone()))
        .unwrap_or_else(|| peer.user_agent.clone());
    let entry = AuditEntry {
        id: 0,
        at: Utc::now(),
        account,
        role,
        terminal,
        address: peer.address.clone(),
        action,
        target,
        status: response.status().as_u16(),
        detail,
    };
    if let Err(error) = gate.audit.write(&gate.accounts, entry).await {
        tracing::error!(%error, "could not record the audit log");
    }
    response
}

/// How many waiting lines go into one write at most.
const AUDIT_BATCH: usize = 500;

type WaitingLine = (AuditEntry, oneshot::Sender<Result<(), StoreError>>);

/// Writes audit lines together: lines of requests finishing while a batch is being written go
/// in as the next batch, one transaction for many (as single tickets do, see
/// `TicketDesk::intake_one`). A request still answers only once its own line is stored.
#[derive(Clone, Default)]
pub struct AuditWriter {
    queue: Arc<OnceLock<mpsc::UnboundedSender<WaitingLine>>>,
}

impl AuditWriter {
    pub async fn write(
        &self,
        accounts: &Arc<dyn AccountRepository>,
        entry: AuditEntry,
    ) -> Result<(), StoreError> {
        let queue = self.queue.get_or_init(|| {
            let (queue, waiting) = mpsc::unbounded_channel();
            tokio::spawn(write_batches(Arc::clone(accounts), waiting));
            queue
        });
        let (answer, answered) = oneshot::channel();
        if let Err(mpsc::error::SendError((entry, _))) = queue.send((entry.clone(), answer)) {
            // The writer is gone (the runtime is shutting down): write it directly.
            return accounts.record_audit(&[entry]).await;
        }
        match answered.await {
            Ok(written) => written,
            Err(_) => accounts.record_audit(&[entry]).await,
        }
    }
}

async fn write_batches(
    accounts: Arc<dyn AccountRepository>,
    mut waiting: mpsc::UnboundedReceiver<WaitingLine>,
) {
    while let Some(first) = waiting.recv().await {
        let batch = crate::desk::with_waiting(first, &mut waiting, AUDIT_BATCH);
        let entries: Vec<AuditEntry> = batch.iter().map(|(entry, _)| entry.clone()).collect();
        if accounts.record_audit(&entries).await.is_ok() {
            for (_, answer) in batch {
                let _ = answer.send(Ok(()));
            }
        } else {
            // Each line on its own, so each request learns its own answer.
            for (entry, answer) in batch {
                let _ = answer.send(accounts.record_audit(&[entry]).await);
            }
        }
    }
}

fn time(field: &'static str, text: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| {
            DateTime::parse_from_rfc3339(t.trim())
                .map(|at| at.with_timezone(&Utc))
                .map_err(|_| {
                    RequestError::bad(
                        field,
                        format!("{field} must be an RFC 3339 time, got {t:?}"),
                        format!(
                            "{field} 须为 RFC 3339 时间（如 2026-11-28T08:00:00+08:00），收到“{t}”"
                        ),
                    )
                    .into()
                })
        })
        .transpose()
}

fn given(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

pub async fn list(
    State(gate): State<Gate>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    caller.must_administer()?;
    let limit = query.limit.unwrap_or(DEFAULT_AUDIT_LIMIT);
    if limit == 0 || limit > MAX_AUDIT_LIMIT {
        return Err(RequestError::bad(
            "limit",
            format!("limit must be 1–{MAX_AUDIT_LIMIT}, got {limit}"),
            format!("limit 须在 1–{MAX_AUDIT_LIMIT} 之间，收到 {limit}"),
        )
        .into());
    }
    let filter = AuditFilter {
        account: given(query.account),
        action: given(query.action),
        target: given(query.ticket).or(given(query.target)),
        since: time("since", query.since.as_deref())?,
        until: time("until", query.until.as_deref())?,
        limit,
    };
    let (entries, total) = gate.accounts.audit(&filter).await?;
    let entries = entries
        .into_iter()
        .map(|e| AuditLine {
            id: e.id,
            at: e.at,
            account: e.account,
            role: e.role,
            terminal: e.terminal,
            address: e.address,
            action: e.action,
            target: e.target,
            status: e.status,
            detail: e.detail,
        })
        .collect();
    Ok(Json(AuditPage { entries, total }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnamed_requests_are_named_after_their_path() {
        assert_eq!(
            named(&Method::POST, "/api/tickets/12/drop"),
            ("tickets.drop".to_owned(), "12".to_owned())
        );
        assert_eq!(
            named(&Method::PATCH, "/api/accounts/jinhai"),
            ("accounts.patch".to_owned(), "jinhai".to_owned())
        );
        assert_eq!(
            named(&Method::PUT, "/api/sla"),
            ("sla.replace".to_owned(), String::new())
        );
    }

    #[test]
    fn exports_are_named_whatever_becomes_of_them() {
        assert_eq!(
            audited_read("/api/tickets/export.xlsx"),
            Some(("tickets.export", String::new()))
        );
        assert_eq!(
            audited_read("/api/tickets/abc/timeline.csv"),
            Some(("ticket.timeline_export", "abc".to_owned()))
        );
        assert_eq!(
            audited_read("/api/grids/export.shp.zip"),
            Some(("grids.export", String::new()))
        );
        assert_eq!(audited_read("/api/tickets/12"), None);
        assert_eq!(audited_read("/api/tickets/12/timeline.pdf"), None);
    }
}
