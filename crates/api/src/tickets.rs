//! The ticket desk (`docs/api-tickets.md`): intake, the lists of the queue and the map, a
//! ticket's card, the actions of the closed loop, drag-to-dispatch, 12345 file imports, the
//! live event stream and the demo feed.

use std::ops::RangeInclusive;

use binhe_core::GridCode;
use binhe_core::crs::Crs;
use binhe_core::geojson::{Feature, FeatureCollection, Geometry};
use binhe_core::label::Labelled as LabelledValue;
use binhe_core::ticket::lifecycle::Change;
use binhe_core::ticket::queue::QueueCounts;
use binhe_core::ticket::{
    ActionKind, ActorRole, Assignment, Category, Channel, ColumnMapping, DuplicateFlag,
    EscalationLevel, HandlingMode, IntakeRequest, Outcome, Owner, Satisfaction, SlaStatus,
    TicketId, TicketState, UnroutedReason, Urgency, WorkOrderField,
};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::grids::{GridWorker, NamedGrid};
use crate::query::QueryString;

/// How long after a dispatch its author may take it back.
pub const UNDO_WINDOW: Duration = binhe_core::ticket::lifecycle::UNDO_WINDOW;
/// Tickets a list answers with unless `limit` says otherwise …
pub const DEFAULT_LIST_LIMIT: u32 = 500;
/// … and at most (the queue loads this many open tickets).
pub const MAX_LIST_LIMIT: u32 = 5000;
/// Tickets one `ids=` list may name.
pub const MAX_LIST_IDS: usize = 100;
/// Every open ticket with a location goes on the map; a street rarely has more than a few
/// thousand open at once.
pub const MAP_LIMIT: u32 = 50_000;
/// A reported request with room for a camera alert's picture.
pub const MAX_REPORT_BYTES: usize = 8 * 1024 * 1024;
/// The largest camera alert picture taken in.
pub const MAX_SNAPSHOT_BYTES: usize = 2 * 1024 * 1024;
/// The largest photo a worker may upload (10 MB): larger is refused with 413 before it is read
/// to the end, on the phone before it is sent.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// The limit as messages name it.
pub const MAX_PHOTO_LABEL: &str = "10 MB";
/// Requests per minute the demo feed may be set to.
pub const FEED_RATE_RANGE: RangeInclusive<f64> = 0.1..=600.0;

/// The open tickets as map points.
pub const TICKETS_GEOJSON: &str = "/api/tickets.geojson?scope=open";
/// The live event stream (Server-Sent Events, `event: ticket`, data [`LiveEvent`]).
pub const STREAM: &str = "/api/stream";

/// A coded value with its labels in both languages, for terminals that list the choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labelled<T> {
    pub code: T,
    pub label_zh: String,
    pub label_en: String,
}

impl<T: LabelledValue> Labelled<T> {
    pub fn of(value: T) -> Self {
        Self {
            code: value,
            label_zh: value.label_zh().to_owned(),
            label_en: value.label_en().to_owned(),
        }
    }
}

/// Where the spatial index placed a ticket, by name, or why it could not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoutingView {
    pub community: Option<NamedGrid>,
    pub micro: Option<NamedGrid>,
    pub unit: Option<NamedGrid>,
    pub unrouted: Option<Labelled<UnroutedReason>>,
}

/// The camera a camera alert came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertCamera {
    pub id: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
}

/// `TicketView` of the contract: a ticket with the names a terminal shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    pub id: TicketId,
    pub channel: Channel,
    pub channel_zh: String,
    pub channel_en: String,
    pub external_id: Option<String>,
    pub category: String,
    pub category_zh: String,
    pub category_en: String,
    pub description: String,
    pub urgency: Urgency,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub source_ref: Option<String>,
    pub address: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub routing: RoutingView,
    pub received_at: DateTime<Utc>,
    pub contact_due_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub sla: SlaStatus,
    pub state: TicketState,
    pub state_zh: String,
    pub state_en: String,
    pub version: u32,
    /// 首接责任: the first grid that received the order.
    pub owner: Option<Owner>,
    /// Who holds the order now; its `grid` is `None` at the district.
    pub assignment: Option<Assignment>,
    pub handling_mode: Option<HandlingMode>,
    pub escalated_to: Option<EscalationLevel>,
    pub delegated: bool,
    pub first_contact_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    pub satisfaction: Option<Satisfaction>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub duplicate_of: Option<TicketId>,
    pub duplicate_flag: Option<DuplicateFlag>,
    /// How many tickets were merged into this one.
    pub duplicates: u32,
    pub reopen_count: u32,
    pub updated_at: DateTime<Utc>,
    /// The camera whose video analytics raised a camera-channel ticket.
    pub camera: Option<AlertCamera>,
    /// The picture the analytics sent with the alert.
    pub snapshot_url: Option<String>,
}

impl TicketView {
    pub fn is_urgent(&self) -> bool {
        self.urgency == Urgency::Urgent
    }
}

/// Who took a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorView {
    pub id: String,
    pub name: String,
    pub role: ActorRole,
    pub role_zh: String,
}

/// `EventView`: one step of a ticket's history, with a line for the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    pub event_id: i64,
    pub ticket_id: TicketId,
    pub version: u32,
    pub at: DateTime<Utc>,
    pub actor: ActorView,
    pub from: Option<TicketState>,
    pub to: TicketState,
    pub to_zh: String,
    /// The change's kind (`dispatched`, `fed_back` …), as `change.type`.
    #[serde(rename = "type")]
    pub kind: String,
    pub summary_zh: String,
    pub summary_en: String,
    pub change: Change,
}

/// A grid worker named on a ticket's card; `distance_m` in the nearest list only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketWorker {
    #[serde(flatten)]
    pub worker: GridWorker,
    pub grid_name: String,
    pub lon: f64,
    pub lat: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
    /// Open tickets the worker holds now, so the nearest free one stands out.
    pub open_tickets: u32,
}

/// A camera near a ticket, to watch the place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbyCamera {
    pub id: String,
    pub name: String,
    pub grid: GridCode,
    pub lon: f64,
    pub lat: f64,
    pub distance_m: f64,
}

/// `GET /api/tickets/{id}`: a ticket's card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketDetail {
    pub ticket: TicketView,
    pub events: Vec<EventView>,
    /// The tickets merged into this one.
    pub duplicates: Vec<TicketView>,
    /// Who answers for the ticket's grid.
    pub responsible: Vec<TicketWorker>,
    /// The workers nearest the place, closest first.
    pub nearest: Vec<TicketWorker>,
    /// The cameras nearest the place, closest first.
    pub cameras: Vec<NearbyCamera>,
    /// Photos kept with the ticket (feedback and patrol pictures), oldest first: their URLs.
    #[serde(default)]
    pub photos: Vec<String>,
}

/// `GET /api/tickets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketList {
    pub tickets: Vec<TicketView>,
    /// All that match, beyond `limit` too.
    pub total: u64,
    /// The newest event of the log when the list was read: the live stream opened with
    /// `?after=` this id tells every change the list may not show yet.
    #[serde(default)]
    pub as_of: i64,
    /// The queue's tabs over every open ticket the caller sees (whatever this list's filter
    /// and limit), at the moment of the answer.
    #[serde(default)]
    pub counts: QueueCounts,
}

/// The answer to an action or a drop: the ticket as it is now and the events added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Acted {
    pub ticket: TicketView,
    pub events: Vec<EventView>,
    /// A dispatch may be taken back until then (see [`UNDO_WINDOW`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_until: Option<DateTime<Utc>>,
}

/// An open ticket the new request repeats.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DuplicateFound {
    pub of: TicketId,
    pub distance_m: f64,
    pub hours_apart: f64,
    /// Merged into it at once (a clear repeat), rather than flagged for a look.
    pub merged: bool,
}

/// `POST /api/tickets` answered 201 (taken in) or 200 (`existing`: the same channel and
/// external id was taken in before).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Created {
    pub ticket: TicketView,
    pub duplicate: Option<DuplicateFound>,
    pub existing: bool,
}

/// `POST /api/tickets`: the intake fields, and for a camera alert the picture the video
/// analytics took (base64 JPEG, at most [`MAX_SNAPSHOT_BYTES`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportRequest {
    #[serde(flatten)]
    pub request: IntakeRequest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_jpeg: Option<String>,
}

/// `GET /api/catalogue`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueView {
    pub categories: Vec<Category>,
    pub channels: Vec<Labelled<Channel>>,
    pub states: Vec<Labelled<TicketState>>,
}

impl CatalogueView {
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }
}

/// `POST /api/tickets/{id}/actions`. Every field is optional on the wire so a missing one is
/// refused by name; each action reads what it needs (`docs/api-tickets.md`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActionRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The version of the ticket the terminal saw; a newer one refuses the action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
    /// `community`, `street` or `district` ([`EscalationLevel`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// `solved` or `unsolved` ([`Outcome`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// `satisfied`, `basic` or `dissatisfied` ([`Satisfaction`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grid_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub into: Option<TicketId>,
}

impl ActionRequest {
    /// `action` on the ticket at `version`, with nothing else filled in yet.
    pub fn new(action: ActionKind, version: u32) -> Self {
        Self {
            action: Some(action.as_str().to_owned()),
            version: Some(version),
            ..Self::default()
        }
    }
}

/// `POST /api/tickets/{id}/drop`: the grid the terminal highlighted (none when the drop hit
/// no grid on screen) and the drop point; the server checks the point itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DropRequest {
    pub grid: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub version: Option<u32>,
}

/// Which tickets a list or the map layer shows: `scope` open (default), all, unrouted or
/// flagged; `state` a [`TicketState`] code; `community` a community's code; `limit` up to
/// [`MAX_LIST_LIMIT`] (the map: [`MAP_LIMIT`]). Read as written, so a wrong value is named.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListQuery {
    pub scope: Option<String>,
    pub state: Option<String>,
    pub community: Option<String>,
    pub limit: Option<String>,
    /// Only these tickets, whatever their state (comma-separated ids, up to [`MAX_LIST_IDS`]):
    /// a terminal catching up on the tickets its stream said changed, including those that
    /// left the desk.
    pub ids: Option<String>,
}

impl ListQuery {
    /// The query string (without `?`).
    pub fn to_query(&self) -> String {
        QueryString::new()
            .with_opt("scope", self.scope.as_deref())
            .with_opt("state", self.state.as_deref())
            .with_opt("community", self.community.as_deref())
            .with_opt("limit", self.limit.as_deref())
            .with_opt("ids", self.ids.as_deref())
            .finish()
    }
}

/// What an open ticket's point on the map says (`GET /api/tickets.geojson`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketPoint {
    pub id: TicketId,
    pub state: TicketState,
    pub sla: SlaStatus,
    pub category: String,
    pub category_zh: String,
    pub urgency: Urgency,
    pub channel: Channel,
    pub duplicates: u32,
    pub flagged: bool,
}

impl TicketPoint {
    /// The ticket's point as `GET /api/tickets.geojson` holds it (its id the feature's), or
    /// `None` for a ticket without a place: a terminal updates its map with the tickets it
    /// catches up on (`GET /api/tickets?ids=`) instead of loading the whole layer again.
    pub fn of(t: &TicketView) -> Option<Feature<TicketPoint>> {
        let (lon, lat) = (t.lon?, t.lat?);
        let point = TicketPoint {
            id: t.id,
            state: t.state,
            sla: t.sla,
            category: t.category.clone(),
            category_zh: t.category_zh.clone(),
            urgency: t.urgency,
            channel: t.channel,
            duplicates: t.duplicates,
            flagged: t.duplicate_flag.is_some(),
        };
        Some(Feature::new(
            u64::try_from(t.id).ok(),
            Geometry::point(lon, lat),
            point,
        ))
    }
}

/// `GET /api/tickets.geojson`.
pub type TicketLayer = FeatureCollection<TicketPoint>;

/// `GET /api/tickets/export.csv` and `…/export.geojson`: the list's filters, and how the file
/// is written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportQuery {
    pub scope: Option<String>,
    pub state: Option<String>,
    pub community: Option<String>,
    /// `utf-8` (default, with a BOM) or `gbk`, for the CSV.
    pub encoding: Option<String>,
    /// `masked` (default) or `full` (dispatchers only).
    pub phones: Option<String>,
    /// A token the terminal chose ([`EXPORT_PROGRESS_TOKEN`] rules) to follow the export at
    /// [`EXPORT_PROGRESS`] while the file arrives.
    pub progress: Option<String>,
}

/// `GET /api/exports/{token}`: how far the export started with `progress={token}` has come.
pub const EXPORT_PROGRESS: &str = "/api/exports/{token}";

/// A progress token: 8 to 64 characters of `A–Z a–z 0–9 - _`.
pub const EXPORT_PROGRESS_TOKEN: std::ops::RangeInclusive<usize> = 8..=64;

/// `GET /api/exports/{token}`: rows written of the rows the export holds (tickets for a ticket
/// list; located tickets are counted for GeoJSON as they are read), and whether the file is
/// complete. Only the account that started the export may read it; kept ten minutes after the
/// end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportProgress {
    pub written: u64,
    pub total: u64,
    pub done: bool,
}

/// The formats of a ticket export: `/api/tickets/export.{ext}` (the list's filters) and
/// `/api/kpi/tickets/export.{ext}` (a KPI drill-down's parameters).
pub const EXPORT_FORMATS: [&str; 3] = ["csv", "xlsx", "geojson"];

/// `GET /api/tickets/{id}/timeline.csv` and `…/timeline.xlsx`: a ticket's event log.
pub const TIMELINE_FORMATS: [&str; 2] = ["csv", "xlsx"];

/// `POST /api/tickets/import` answered 202: the job to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportStarted {
    pub job: u64,
}

/// One refused row of a 12345 file, or (in [`JobProgress::notices`]) one taken in with a
/// remark for the dispatcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The row as a spreadsheet numbers it (the header is row 1).
    pub row: usize,
    pub field: String,
    /// The file's header of the column the value came from.
    #[serde(default)]
    pub column: Option<String>,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

/// `POST /api/tickets/import` and `…/import/preview` take `?columns=` with the operator's
/// choice of column per field as JSON (`{"category":"诉求类型"}`); the same headers are read
/// the same way next time without it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    pub columns: Option<String>,
    /// The coordinate system of the longitude/latitude columns (default WGS84; many hotline
    /// systems export GCJ-02 or BD-09); remembered with the columns.
    #[serde(default)]
    pub crs: Option<Crs>,
}

impl ImportQuery {
    /// The operator's columns and coordinate system; empty columns are left out.
    pub fn new(columns: &ColumnMapping, crs: Option<Crs>) -> Self {
        Self {
            columns: (!columns.is_empty())
                .then(|| serde_json::to_string(columns).expect("a map of strings serialises")),
            crs,
        }
    }

    /// The query string (without `?`).
    pub fn to_query(&self) -> String {
        QueryString::new()
            .with_opt("columns", self.columns.as_deref())
            .with_opt("crs", self.crs.map(Crs::as_str))
            .finish()
    }
}

/// A field a column of a work-order file can fill, for the mapping step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportField {
    pub field: WorkOrderField,
    pub label_zh: String,
    pub label_en: String,
    pub required: bool,
}

/// `POST /api/tickets/import/preview`: the file's header and first rows, and how each column
/// would be read; nothing is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub file_name: String,
    pub sheet: Option<String>,
    /// The row taken as the header (the first non-empty row when none looked like one).
    pub header_row: usize,
    pub header_found: bool,
    pub headers: Vec<String>,
    /// Per header, the field it fills (null: not read).
    pub fields: Vec<Option<WorkOrderField>>,
    /// The first data rows, cell by cell as text.
    pub rows: Vec<Vec<String>>,
    /// Required fields no column fills yet: the import is refused until they are mapped.
    pub missing: Vec<WorkOrderField>,
    /// The mapping used: remembered for these headers, or the one sent.
    pub columns: ColumnMapping,
    /// The coordinate system the longitude/latitude columns are read in.
    pub crs: Crs,
    /// True when `columns` was remembered from an earlier file with the same headers.
    pub remembered: bool,
    /// Every field that can be mapped.
    pub all_fields: Vec<ImportField>,
}

/// Why a whole file was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFailure {
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

/// `GET /api/imports/{job}`: how far an import has come.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobProgress {
    pub job: u64,
    pub file_name: String,
    pub total: usize,
    pub done: usize,
    pub created: usize,
    pub merged: usize,
    pub flagged: usize,
    pub existing: usize,
    pub rejected: usize,
    /// Rows that are not orders (a 合计 row, a row blank in every column read).
    #[serde(default)]
    pub skipped: usize,
    /// Orders taken in as 其他 because their category is not in the catalogue (also in
    /// `created`); each is listed in `notices`.
    #[serde(default)]
    pub unclassified: usize,
    pub finished: bool,
    pub failed: Option<JobFailure>,
    pub errors: Vec<RowError>,
    /// Rows taken in with a remark (UNCLASSIFIED_CATEGORY).
    #[serde(default)]
    pub notices: Vec<RowError>,
}

/// The data of one `ticket` event of the live stream (`GET /api/stream`); its SSE id is
/// `event_id`, which a reconnecting terminal names in `Last-Event-ID` (or `?after=`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub event_id: i64,
    pub ticket_id: TicketId,
    pub version: u32,
    /// The change's kind, as [`EventView::kind`].
    #[serde(rename = "type")]
    pub kind: String,
    pub state: TicketState,
}

/// `GET /api/stream?after=`: for clients that cannot set `Last-Event-ID`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamQuery {
    pub after: Option<i64>,
}

/// `GET`/`POST /api/demo/feed`: the demo street's request generator; a server without one
/// answers `available: false` and zeros.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct DemoFeedStatus {
    pub available: bool,
    pub running: bool,
    pub rate_per_minute: f64,
    pub generated: u64,
}

/// `POST /api/demo/feed`: what changes (the rate within [`FEED_RATE_RANGE`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeedControl {
    pub running: Option<bool>,
    pub rate_per_minute: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_carries_its_picture_beside_the_intake_fields() {
        let r = ReportRequest {
            request: IntakeRequest {
                channel: Some("hotline".into()),
                category: Some("garbage".into()),
                description: Some("x".into()),
                urgency: Some("normal".into()),
                grid_code: Some("110117001001003".into()),
                ..IntakeRequest::default()
            },
            snapshot_jpeg: None,
        };
        let v = serde_json::to_value(&r).unwrap();
        assert!(v.get("snapshot_jpeg").is_none(), "no picture, no field");
        assert_eq!(v["grid_code"], "110117001001003");
        assert_eq!(v["channel"], "hotline");
        assert_eq!(serde_json::from_value::<ReportRequest>(v).unwrap(), r);
    }

    #[test]
    fn demo_feed_is_absent_outside_demo_mode() {
        let off = DemoFeedStatus::default();
        assert!(!off.available);
        let on: DemoFeedStatus = serde_json::from_str(
            r#"{"available":true,"running":true,"rate_per_minute":2.0,"generated":5}"#,
        )
        .unwrap();
        assert!(on.available && on.running);
    }

    #[test]
    fn an_action_names_only_what_it_carries() {
        let mut request = ActionRequest::new(ActionKind::Dispatch, 3);
        request.grid = Some("110117001001003".into());
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({"action": "dispatch", "version": 3, "grid": "110117001001003"})
        );
    }

    #[test]
    fn an_import_query_carries_the_columns_as_json_and_the_crs_by_code() {
        assert_eq!(ImportQuery::new(&ColumnMapping::new(), None).to_query(), "");
        let columns = ColumnMapping::from([("description".to_owned(), "情况说明".to_owned())]);
        let query = ImportQuery::new(&columns, Some(Crs::Gcj02));
        let text = query.to_query();
        assert!(text.starts_with("columns=%7B%22description%22"), "{text}");
        assert!(text.ends_with("&crs=gcj02"), "{text}");
        let read: ColumnMapping = serde_json::from_str(query.columns.as_deref().unwrap()).unwrap();
        assert_eq!(read, columns);
    }

    #[test]
    fn list_queries_name_only_what_is_set() {
        let query = ListQuery {
            scope: Some("open".into()),
            limit: Some("5000".into()),
            ..ListQuery::default()
        };
        assert_eq!(query.to_query(), "scope=open&limit=5000");
    }
}

/// `POST /api/tickets/{id}/photos` (the body is the picture): the photo as kept. Its `photo` is
/// the ref a feedback names in `photos`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoUploaded {
    /// The ref: the SHA-256 (hex) of the bytes kept.
    pub photo: String,
    pub url: String,
    /// `image/jpeg` or `image/png` (a HEIC photo is kept as the JPEG it was converted to).
    pub content_type: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    /// The kind the upload was (`heif` when it was converted).
    pub uploaded_as: binhe_core::ticket::photo::PhotoKind,
}

/// Where a ticket's photo is shown from.
pub fn photo_url(ticket: TicketId, photo: &str) -> String {
    format!("/api/tickets/{ticket}/photos/{photo}")
}
