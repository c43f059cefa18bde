//! The ticket API (`docs/api-tickets.md`): wire types and calls.
//!
//! Times arrive as RFC 3339 in UTC and stay `DateTime<Utc>` here; the panels show them in
//! Asia/Shanghai ([`crate::tickets::time`]).

use chrono::{DateTime, Utc};
use gloo_net::http::Request;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use web_sys::File;

use super::devices::Health;
use super::{ApiError, encode_component, get_json, header_safe, post_json, read_json, send};
use crate::i18n::Lang;

pub type TicketId = i64;

/// Where a ticket is in the closed loop, as the server spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Reported,
    Registered,
    Dispatched,
    Handling,
    FedBack,
    Verified,
    Closed,
    Cancelled,
    Merged,
}

impl State {
    pub const ALL: [State; 9] = [
        State::Reported,
        State::Registered,
        State::Dispatched,
        State::Handling,
        State::FedBack,
        State::Verified,
        State::Closed,
        State::Cancelled,
        State::Merged,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Reported => "reported",
            State::Registered => "registered",
            State::Dispatched => "dispatched",
            State::Handling => "handling",
            State::FedBack => "fed_back",
            State::Verified => "verified",
            State::Closed => "closed",
            State::Cancelled => "cancelled",
            State::Merged => "merged",
        }
    }

    /// Neither closed, cancelled nor merged into another ticket.
    pub fn is_open(self) -> bool {
        !matches!(self, State::Closed | State::Cancelled | State::Merged)
    }
}

/// How a ticket stands against its closure deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sla {
    OnTime,
    DueSoon,
    Overdue,
    Met,
    Missed,
}

/// A grid named inside a ticket.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct NamedGrid {
    pub code: String,
    pub name: String,
}

/// A coded reason or label in both languages.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Labelled {
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
}

impl Labelled {
    pub fn label(&self, lang: Lang) -> &str {
        lang.pick(&self.label_zh, &self.label_en)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Routing {
    pub community: Option<NamedGrid>,
    pub micro: Option<NamedGrid>,
    pub unit: Option<NamedGrid>,
    /// Why the ticket could not be placed in a grid.
    pub unrouted: Option<Labelled>,
}

/// 首接责任: the first grid that received the order.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Owner {
    pub grid: String,
    pub grid_name: String,
    pub since: DateTime<Utc>,
}

/// Who holds the order now; `grid` is `None` at the district.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Assignment {
    pub grid: Option<String>,
    pub grid_name: String,
    #[serde(default, deserialize_with = "opt_id")]
    pub worker_id: Option<String>,
    pub worker_name: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
pub struct DuplicateFlag {
    pub of: TicketId,
    pub distance_m: f64,
}

/// `TicketView` of the contract.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    pub channel: String,
    pub channel_zh: String,
    pub channel_en: String,
    pub external_id: Option<String>,
    pub category: String,
    pub category_zh: String,
    pub category_en: String,
    pub description: String,
    pub urgency: String,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub source_ref: Option<String>,
    pub address: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    #[serde(default)]
    pub routing: Routing,
    pub received_at: DateTime<Utc>,
    pub contact_due_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub sla: Sla,
    pub state: State,
    pub state_zh: String,
    pub state_en: String,
    pub version: u32,
    pub owner: Option<Owner>,
    pub assignment: Option<Assignment>,
    pub handling_mode: Option<String>,
    pub escalated_to: Option<String>,
    #[serde(default)]
    pub delegated: bool,
    pub first_contact_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub satisfaction: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub duplicate_of: Option<TicketId>,
    pub duplicate_flag: Option<DuplicateFlag>,
    /// How many tickets were merged into this one.
    #[serde(default)]
    pub duplicates: u32,
    #[serde(default)]
    pub reopen_count: u32,
    pub updated_at: DateTime<Utc>,
    /// The camera whose video analytics raised a camera-channel ticket.
    #[serde(default)]
    pub camera: Option<AlertCamera>,
    /// The picture the analytics sent with the alert.
    #[serde(default)]
    pub snapshot_url: Option<String>,
}

/// The camera a camera alert came from.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AlertCamera {
    #[serde(deserialize_with = "id")]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub health: Health,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
}

impl Ticket {
    pub fn category_name(&self, lang: Lang) -> &str {
        lang.pick(&self.category_zh, &self.category_en)
    }

    pub fn state_name(&self, lang: Lang) -> &str {
        lang.pick(&self.state_zh, &self.state_en)
    }

    pub fn channel_name(&self, lang: Lang) -> &str {
        lang.pick(&self.channel_zh, &self.channel_en)
    }

    pub fn is_urgent(&self) -> bool {
        self.urgency == "urgent"
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Actor {
    pub id: String,
    pub name: String,
    pub role: String,
}

/// `EventView`: one step of the ticket's history.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Event {
    pub version: u32,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub from: Option<State>,
    pub to: Option<State>,
    #[serde(rename = "type")]
    pub kind: String,
    pub summary_zh: String,
    pub summary_en: String,
}

impl Event {
    pub fn summary(&self, lang: Lang) -> &str {
        lang.pick(&self.summary_zh, &self.summary_en)
    }
}

/// A grid worker named on a ticket; `distance_m` only in the nearest list.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TicketWorker {
    #[serde(deserialize_with = "id")]
    pub id: String,
    pub name: String,
    pub kind: super::WorkerKind,
    pub role: String,
    pub role_en: String,
    pub phone: String,
    pub grid: Option<String>,
    pub grid_name: Option<String>,
    pub distance_m: Option<f64>,
    /// Open tickets assigned to the worker now, so the nearest free one stands out.
    #[serde(default)]
    pub open_tickets: Option<u32>,
}

/// `GET /api/tickets/{id}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TicketDetail {
    pub ticket: Ticket,
    pub events: Vec<Event>,
    #[serde(default)]
    pub duplicates: Vec<Ticket>,
    #[serde(default)]
    pub responsible: Vec<TicketWorker>,
    #[serde(default)]
    pub nearest: Vec<TicketWorker>,
    /// The cameras nearest the place, closest first.
    #[serde(default)]
    pub cameras: Vec<NearbyCamera>,
}

/// A camera near a ticket, to watch the place.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct NearbyCamera {
    #[serde(deserialize_with = "id")]
    pub id: String,
    pub name: String,
    pub grid: String,
    pub lon: f64,
    pub lat: f64,
    pub distance_m: f64,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Category {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// `GET /api/catalogue`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Catalogue {
    pub categories: Vec<Category>,
    pub channels: Vec<Labelled>,
    pub states: Vec<Labelled>,
}

impl Catalogue {
    /// Display name of a state code, for the timeline's from → to.
    pub fn state_label(&self, state: State, lang: Lang) -> &str {
        self.states
            .iter()
            .find(|s| s.code == state.as_str())
            .map_or(state.as_str(), |s| s.label(lang))
    }
}

/// `GET /api/sla` (only what the UI uses).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
pub struct SlaSettings {
    pub due_soon_share: f64,
}

#[derive(Deserialize)]
struct TicketList {
    tickets: Vec<Ticket>,
    total: u64,
}

/// Answer to an action: the ticket as it is now and the events the action added.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Acted {
    pub ticket: Ticket,
    #[serde(default)]
    pub events: Vec<Event>,
    /// Only the drop gesture answers with it; see [`crate::tickets::desk`].
    pub undo_until: Option<DateTime<Utc>>,
}

/// `duplicate` of an intake answer.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DuplicateFound {
    pub of: TicketId,
    pub distance_m: f64,
    pub merged: bool,
}

/// `POST /api/tickets` answered 200 or 201.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Created {
    pub ticket: Ticket,
    pub duplicate: Option<DuplicateFound>,
    /// The same channel and external id was taken in before.
    #[serde(default)]
    pub existing: bool,
}

/// The intake form's request; empty fields are left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IntakeRequest {
    pub channel: String,
    pub category: String,
    pub description: String,
    pub urgency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grid_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter_phone: Option<String>,
}

/// One refused row of an import.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ImportRowError {
    pub row: u64,
    pub field: Option<String>,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

/// `GET /api/imports/{job}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ImportJob {
    #[serde(deserialize_with = "id")]
    pub job: String,
    pub file_name: String,
    pub total: u64,
    pub done: u64,
    pub created: u64,
    pub merged: u64,
    pub flagged: u64,
    pub existing: u64,
    pub rejected: u64,
    pub finished: bool,
    #[serde(default)]
    pub errors: Vec<ImportRowError>,
}

#[derive(Deserialize)]
struct JobStarted {
    #[serde(deserialize_with = "id")]
    job: String,
}

/// `GET /api/demo/feed`; outside demo mode the server answers `{"available": false}`.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
pub struct DemoFeed {
    #[serde(default = "available")]
    available: bool,
    #[serde(default)]
    pub running: bool,
    #[serde(default)]
    pub rate_per_minute: f64,
    #[serde(default)]
    pub generated: u64,
}

/// A feed that answers with its status is there (the contract has no `available`).
fn available() -> bool {
    true
}

/// Ids travel as strings or numbers depending on the table; the UI only shows and sends them.
pub(super) fn id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!("bad id {other}"))),
    }
}

pub(super) fn opt_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(serde::de::Error::custom(format!("bad id {other}"))),
    }
}

/// URL of the open tickets as map points.
pub const TICKETS_GEOJSON: &str = "/api/tickets.geojson?scope=open";
/// The live event stream.
pub const STREAM: &str = "/api/stream";
/// How many open tickets the queue loads at most (the server's maximum).
const QUEUE_LIMIT: u32 = 5000;

/// Open tickets, newest first, and how many there are in all.
pub async fn open_tickets() -> Result<(Vec<Ticket>, u64), ApiError> {
    let list: TicketList =
        get_json(&format!("/api/tickets?scope=open&limit={QUEUE_LIMIT}")).await?;
    Ok((list.tickets, list.total))
}

pub async fn ticket(id: TicketId) -> Result<TicketDetail, ApiError> {
    get_json(&format!("/api/tickets/{id}")).await
}

pub async fn catalogue() -> Result<Catalogue, ApiError> {
    get_json("/api/catalogue").await
}

pub async fn sla() -> Result<SlaSettings, ApiError> {
    get_json("/api/sla").await
}

/// `body` is the action object (`{"action", "version", …}`).
pub async fn act(id: TicketId, body: &Value) -> Result<Acted, ApiError> {
    post_json(&format!("/api/tickets/{id}/actions"), body).await
}

/// The drag-to-dispatch gesture; `grid` is `None` when the drop hit no grid on screen (the
/// server then says why it refuses).
pub async fn drop_on_grid(
    id: TicketId,
    grid: Option<&str>,
    lon: f64,
    lat: f64,
    version: u32,
) -> Result<Acted, ApiError> {
    let body = serde_json::json!({"grid": grid, "lon": lon, "lat": lat, "version": version});
    post_json(&format!("/api/tickets/{id}/drop"), &body).await
}

pub async fn create(request: &IntakeRequest) -> Result<Created, ApiError> {
    post_json("/api/tickets", request).await
}

/// Sends a 12345 export (CSV or XLSX, as picked: the browser streams the file) and returns the
/// job to follow.
pub async fn start_import(file: &File) -> Result<String, ApiError> {
    const URL: &str = "/api/tickets/import";
    let request = Request::post(URL)
        .header("content-type", "application/octet-stream")
        .header("x-file-name", &header_safe(&file.name()))
        .body(file.clone());
    let started: JobStarted = read_json(send(request, URL).await?, URL).await?;
    Ok(started.job)
}

pub async fn import_job(job: &str) -> Result<ImportJob, ApiError> {
    get_json(&format!("/api/imports/{}", encode_component(job))).await
}

/// `None` when the server has no demo feed (not in demo mode, or a server without one).
pub async fn demo_feed() -> Result<Option<DemoFeed>, ApiError> {
    match get_json::<DemoFeed>("/api/demo/feed").await {
        Ok(feed) => Ok(feed.available.then_some(feed)),
        Err(e) if e.status == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn set_demo_feed(running: bool, rate_per_minute: f64) -> Result<DemoFeed, ApiError> {
    let body = serde_json::json!({"running": running, "rate_per_minute": rate_per_minute});
    post_json("/api/demo/feed", &body).await
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const TICKET_JSON: &str = r#"{"id":42,"channel":"hotline","channel_zh":"12345热线","channel_en":"12345 hotline",
        "external_id":"BJ12345-1","category":"garbage","category_zh":"垃圾堆放","category_en":"Garbage",
        "description":"楼下垃圾","urgency":"normal","reporter_name":"李四","reporter_phone":"138","source_ref":null,
        "address":"滨河小区","lon":117.1,"lat":40.14,
        "routing":{"community":{"code":"110117001001000","name":"滨河社区"},"micro":{"code":"110117001001003","name":"滨河一巷"},"unit":null,"unrouted":null},
        "received_at":"2026-11-28T01:00:00Z","contact_due_at":"2026-11-29T01:00:00Z","due_at":"2026-12-05T01:00:00Z",
        "sla":"on_time","state":"dispatched","state_zh":"已分派","state_en":"Dispatched","version":3,
        "owner":{"grid":"110117001001003","grid_name":"滨河一巷","since":"2026-11-28T01:05:00Z"},
        "assignment":{"grid":"110117001001003","grid_name":"滨河一巷","worker_id":7,"worker_name":"张三"},
        "handling_mode":"commanded","escalated_to":null,"delegated":false,"first_contact_at":null,"outcome":null,
        "satisfaction":null,"closed_at":null,"cancel_reason":null,"duplicate_of":null,
        "duplicate_flag":{"of":12,"distance_m":23.5},"duplicates":1,"reopen_count":0,"updated_at":"2026-11-28T01:05:00Z"}"#;

    #[test]
    fn ticket_view_matches_the_contract() {
        let t: Ticket = serde_json::from_str(TICKET_JSON).unwrap();
        assert_eq!(t.state, State::Dispatched);
        assert_eq!(t.sla, Sla::OnTime);
        assert_eq!(t.routing.micro.unwrap().name, "滨河一巷");
        let a = t.assignment.unwrap();
        assert_eq!(a.worker_id.as_deref(), Some("7"));
        assert_eq!(t.duplicate_flag.unwrap().of, 12);
    }

    #[test]
    fn detail_with_events_and_workers_parses() {
        let body = format!(
            r#"{{"ticket":{TICKET_JSON},"events":[{{"event_id":9,"version":1,"at":"2026-11-28T01:00:00Z",
            "actor":{{"id":"system","name":"系统","role":"system"}},"from":null,"to":"reported","type":"received",
            "summary_zh":"接收","summary_en":"Received","change":{{"type":"received"}}}}],"duplicates":[],
            "responsible":[{{"id":"w7","name":"张三","kind":"full_time","role":"专职网格员","role_en":"Full-time",
            "phone":"010","grid":"110117001001003","grid_name":"滨河一巷","lon":117.1,"lat":40.1}}],
            "nearest":[{{"id":8,"name":"王五","kind":"part_time","role":"楼长","role_en":"Building leader",
            "phone":"011","grid":null,"grid_name":null,"lon":117.1,"lat":40.1,"distance_m":80.2}}]}}"#
        );
        let d: TicketDetail = serde_json::from_str(&body).unwrap();
        assert_eq!(d.events[0].to, Some(State::Reported));
        assert_eq!(d.events[0].kind, "received");
        assert_eq!(d.nearest[0].id, "8");
        assert_eq!(d.nearest[0].distance_m, Some(80.2));
    }

    #[test]
    fn demo_feed_is_absent_outside_demo_mode() {
        let off: DemoFeed = serde_json::from_str(r#"{"available":false}"#).unwrap();
        assert!(!off.available);
        let on: DemoFeed =
            serde_json::from_str(r#"{"running":true,"rate_per_minute":2.0,"generated":5}"#)
                .unwrap();
        assert!(on.available && on.running);
    }

    #[test]
    fn intake_request_leaves_out_empty_fields() {
        let r = IntakeRequest {
            channel: "hotline".into(),
            category: "garbage".into(),
            description: "x".into(),
            urgency: "normal".into(),
            grid_code: Some("110117001001003".into()),
            ..IntakeRequest::default()
        };
        let v = serde_json::to_value(&r).unwrap();
        assert!(v.get("lon").is_none());
        assert_eq!(v["grid_code"], "110117001001003");
    }
}
