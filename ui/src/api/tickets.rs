//! The ticket API (`docs/api-tickets.md`): the calls; the types are the contract's
//! (`binhe_api::tickets`).
//!
//! Times arrive as RFC 3339 in UTC and stay `DateTime<Utc>` here; the panels show them in
//! Asia/Shanghai ([`crate::tickets::time`]).

use binhe_api::tickets::{
    Acted, ActionRequest, CatalogueView, Created, DemoFeedStatus, DropRequest, FeedControl,
    ImportPreview, ImportQuery, ImportStarted, JobProgress, ListQuery, MAX_LIST_IDS,
    MAX_LIST_LIMIT, PhotoUploaded, ReportRequest, TicketDetail, TicketList,
};
use binhe_core::ticket::queue::QueueCounts;
use binhe_core::ticket::{Category, SlaTable, TicketId};
use gloo_net::http::Request;
use web_sys::File;

use super::{
    ApiError, encode_component, get_json, header_safe, post_json, post_keyed, put_json, read_json,
    send,
};

/// Open tickets, newest first (as many as the server lists at most), how many there are and
/// the event they are as of.
pub async fn open_tickets() -> Result<TicketList, ApiError> {
    get_json(&open_tickets_path()).await
}

/// `GET` path of the queue's list (also asked for early, `js/early.js`).
pub fn open_tickets_path() -> String {
    let query = ListQuery {
        scope: Some("open".to_owned()),
        limit: Some(MAX_LIST_LIMIT.to_string()),
        ..ListQuery::default()
    };
    format!("/api/tickets?{}", query.to_query())
}

/// Tickets `ids` (at most [`MAX_LIST_IDS`]) as they are now, open or not, with the tabs'
/// counts: the ones a stream said changed.
pub async fn named_tickets(ids: &[TicketId]) -> Result<TicketList, ApiError> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let query = ListQuery {
        ids: Some(ids.join(",")),
        limit: Some(MAX_LIST_IDS.to_string()),
        ..ListQuery::default()
    };
    get_json(&format!("/api/tickets?{}", query.to_query())).await
}

/// How many open tickets there are, and under each of the queue's tabs.
pub async fn open_counts() -> Result<QueueCounts, ApiError> {
    let query = ListQuery {
        scope: Some("open".to_owned()),
        limit: Some("1".to_owned()),
        ..ListQuery::default()
    };
    let list: TicketList = get_json(&format!("/api/tickets?{}", query.to_query())).await?;
    Ok(list.counts)
}

pub async fn ticket(id: TicketId) -> Result<TicketDetail, ApiError> {
    get_json(&format!("/api/tickets/{id}")).await
}

pub async fn catalogue() -> Result<CatalogueView, ApiError> {
    get_json("/api/catalogue").await
}

/// Replaces the whole category catalogue (administrators); answers the catalogue as stored.
pub async fn replace_catalogue(categories: &[Category]) -> Result<CatalogueView, ApiError> {
    put_json("/api/catalogue", categories).await
}

pub async fn sla() -> Result<SlaTable, ApiError> {
    get_json("/api/sla").await
}

pub async fn act(id: TicketId, body: &ActionRequest) -> Result<Acted, ApiError> {
    post_json(&action_path(id), body).await
}

/// Where a ticket's actions go.
pub fn action_path(id: TicketId) -> String {
    format!("/api/tickets/{id}/actions")
}

/// Where a ticket's drop goes.
pub fn drop_path(id: TicketId) -> String {
    format!("/api/tickets/{id}/drop")
}

/// Sends `body` (an action or a drop) to `path` with an `Idempotency-Key`, so a retry after a
/// lost answer is done once.
pub async fn act_keyed<B: serde::Serialize + ?Sized>(
    path: &str,
    body: &B,
    key: &str,
) -> Result<Acted, ApiError> {
    post_keyed(path, body, key).await
}

/// The body of the drag-to-dispatch gesture; `grid` is `None` when the drop hit no grid on
/// screen (the server then says why it refuses).
pub fn drop_body(grid: Option<&str>, lon: f64, lat: f64, version: u32) -> DropRequest {
    DropRequest {
        grid: grid.map(str::to_owned),
        lon: Some(lon),
        lat: Some(lat),
        version: Some(version),
    }
}

/// Sends a photo of ticket `id` (the server reads its kind from the bytes); answers its ref.
pub async fn upload_photo(
    id: TicketId,
    file: &File,
    progress: impl Fn(f64, f64) + 'static,
) -> Result<PhotoUploaded, ApiError> {
    super::upload_file(
        "POST",
        &format!("/api/tickets/{id}/photos"),
        file,
        false,
        progress,
    )
    .await
}

/// Where new reports go.
pub const REPORTS: &str = "/api/tickets";

pub async fn create(request: &ReportRequest) -> Result<Created, ApiError> {
    post_json(REPORTS, request).await
}

/// A new report with an `Idempotency-Key`: sent again after a lost answer, it is taken in once.
pub async fn create_keyed(request: &ReportRequest, key: &str) -> Result<Created, ApiError> {
    post_keyed(REPORTS, request, key).await
}

/// `url` with the operator's choice of columns and coordinate system, if any.
fn with_query(url: &str, query: &ImportQuery) -> String {
    let query = query.to_query();
    if query.is_empty() {
        url.to_owned()
    } else {
        format!("{url}?{query}")
    }
}

/// A work-order file as the body, with its name.
fn upload(url: &str, file: &File) -> Result<Request, gloo_net::Error> {
    Request::post(url)
        .header("content-type", "application/octet-stream")
        .header("x-file-name", &header_safe(&file.name()))
        .body(file.clone())
}

/// How the server would read a 12345 export with the operator's columns (or as remembered for
/// its headers when the query names none); nothing is stored.
pub async fn preview_import(file: &File, query: &ImportQuery) -> Result<ImportPreview, ApiError> {
    let url = with_query("/api/tickets/import/preview", query);
    read_json(send(upload(&url, file), &url).await?, &url).await
}

/// Sends a 12345 export (CSV or XLSX, as picked: the browser streams the file) read with the
/// query's columns (none: as recognised or remembered) and returns the job to follow.
pub async fn start_import(file: &File, query: &ImportQuery) -> Result<u64, ApiError> {
    let url = with_query("/api/tickets/import", query);
    let started: ImportStarted = read_json(send(upload(&url, file), &url).await?, &url).await?;
    Ok(started.job)
}

pub async fn import_job(job: u64) -> Result<JobProgress, ApiError> {
    get_json(&format!(
        "/api/imports/{}",
        encode_component(&job.to_string())
    ))
    .await
}

/// `None` when the server has no demo feed (not in demo mode, or a server without one).
pub async fn demo_feed() -> Result<Option<DemoFeedStatus>, ApiError> {
    match get_json::<DemoFeedStatus>("/api/demo/feed").await {
        Ok(feed) => Ok(feed.available.then_some(feed)),
        Err(e) if e.status == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn set_demo_feed(
    running: bool,
    rate_per_minute: f64,
) -> Result<DemoFeedStatus, ApiError> {
    let control = FeedControl {
        running: Some(running),
        rate_per_minute: Some(rate_per_minute),
    };
    post_json("/api/demo/feed", &control).await
}

#[cfg(test)]
pub(crate) mod tests {
    use binhe_api::tickets::{TicketDetail, TicketView};
    use binhe_core::ticket::{SlaStatus, TicketState};

    /// A ticket as the server sends it (`TicketView`).
    pub(crate) const TICKET_JSON: &str = r#"{"id":42,"channel":"hotline","channel_zh":"12345热线","channel_en":"12345 hotline",
        "external_id":"BJ12345-1","category":"garbage","category_zh":"垃圾堆放","category_en":"Garbage",
        "description":"楼下垃圾","urgency":"normal","reporter_name":"李四","reporter_phone":"138","source_ref":null,
        "address":"滨河小区","lon":117.1,"lat":40.14,
        "routing":{"community":{"code":"110117001001000","name":"滨河社区"},"micro":{"code":"110117001001003","name":"滨河一巷"},"unit":null,"unrouted":null},
        "received_at":"2026-11-28T01:00:00Z","contact_due_at":"2026-11-29T01:00:00Z","due_at":"2026-12-05T01:00:00Z",
        "sla":"on_time","state":"dispatched","state_zh":"已分派","state_en":"Dispatched","version":3,
        "owner":{"grid":"110117001001003","grid_name":"滨河一巷","since":"2026-11-28T01:05:00Z"},
        "assignment":{"grid":"110117001001003","grid_name":"滨河一巷","worker_id":"7","worker_name":"张三"},
        "handling_mode":"commanded","escalated_to":null,"delegated":false,"first_contact_at":null,"outcome":null,
        "satisfaction":null,"closed_at":null,"cancel_reason":null,"duplicate_of":null,
        "duplicate_flag":{"of":12,"distance_m":23.5},"duplicates":1,"reopen_count":0,"updated_at":"2026-11-28T01:05:00Z",
        "camera":null,"snapshot_url":null}"#;

    #[test]
    fn ticket_view_matches_the_contract() {
        let t: TicketView = serde_json::from_str(TICKET_JSON).unwrap();
        assert_eq!(t.state, TicketState::Dispatched);
        assert_eq!(t.sla, SlaStatus::OnTime);
        assert_eq!(t.routing.micro.unwrap().name, "滨河一巷");
        let a = t.assignment.unwrap();
        assert_eq!(a.worker_id.as_deref(), Some("7"));
        assert_eq!(t.duplicate_flag.unwrap().of, 12);
    }

    #[test]
    fn detail_with_events_and_workers_parses() {
        let body = format!(
            r#"{{"ticket":{TICKET_JSON},"events":[{{"event_id":9,"ticket_id":42,"version":1,"at":"2026-11-28T01:00:00Z",
            "actor":{{"id":"system","name":"系统","role":"system","role_zh":"系统"}},"from":null,"to":"reported","to_zh":"待受理",
            "type":"registered","summary_zh":"立案","summary_en":"Registered","change":{{"type":"registered","note":null}}}}],
            "duplicates":[],
            "responsible":[{{"id":"w7","name":"张三","kind":"full_time","role":"专职网格员","role_en":"Full-time",
            "phone":"010","grid":"110117001001003","grid_name":"滨河一巷","lon":117.1,"lat":40.1,"open_tickets":2}}],
            "nearest":[{{"id":"8","name":"王五","kind":"part_time","role":"楼长","role_en":"Building leader",
            "phone":"011","grid":"110117001001003","grid_name":"滨河一巷","lon":117.1,"lat":40.1,"distance_m":80.2,"open_tickets":0}}],
            "cameras":[]}}"#
        );
        let d: TicketDetail = serde_json::from_str(&body).unwrap();
        assert_eq!(d.events[0].to, TicketState::Reported);
        assert_eq!(d.events[0].kind, "registered");
        assert_eq!(d.nearest[0].worker.id, "8");
        assert_eq!(d.nearest[0].distance_m, Some(80.2));
    }
}
