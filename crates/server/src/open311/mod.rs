//! Open311 GeoReport v2 (`docs/api-open311.md`): what the street publishes of its service
//! requests, for any client, without a session, in the specification's JSON and XML shapes
//! (`.json`/`.xml` suffix) and with its error list. No reporter's name or phone number is ever
//! part of an answer, and digit runs and the reporter's own name are masked in descriptions.

pub mod clients;
mod shape;

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use binhe_api::error::code;
use binhe_core::ticket::intake::IntakeRequest;
use binhe_core::ticket::{Ticket, TicketId, TicketState};
use binhe_store::{AccountRepository, DeviceRepository};
use binhe_store::{TicketFilter, TicketScope};
use chrono::{DateTime, Duration, FixedOffset, SecondsFormat, Utc};

use crate::dataset::{GridView, Grids};
use crate::desk::{DeskError, IntakeOutcome, TicketDesk, now};
use crate::http::extract::Path;
use crate::http::{AuditNote, Refusal};
use shape::{Format, Record, Val};

/// The base of every route.
pub const BASE: &str = "/open311/v2";
/// Most requests one list answers, as the specification suggests.
pub const MAX_REQUESTS: u32 = 1000;
/// Days a list covers when it names no dates.
pub const DEFAULT_DAYS: i64 = 90;

/// The format a route's fixed name gives, as a const parameter of its handler.
const JSON: bool = false;
const XML: bool = true;

fn format_of(xml: bool) -> Format {
    if xml { Format::Xml } else { Format::Json }
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    TicketDesk: FromRef<S>,
    Grids: FromRef<S>,
    Arc<dyn AccountRepository>: FromRef<S>,
    Arc<dyn DeviceRepository>: FromRef<S>,
{
    Router::new()
        .route(
            "/api/open311/clients",
            get(clients::list).post(clients::create),
        )
        .route("/api/open311/clients/{id}/revoke", post(clients::revoke))
        .route("/open311/v2/discovery.json", get(discovery::<JSON>))
        .route("/open311/v2/discovery.xml", get(discovery::<XML>))
        .route("/open311/v2/services.json", get(services::<JSON>))
        .route("/open311/v2/services.xml", get(services::<XML>))
        .route("/open311/v2/services/{file}", get(service_definition))
        .route(
            "/open311/v2/requests.json",
            get(requests::<JSON>).post(post_request::<JSON>),
        )
        .route(
            "/open311/v2/requests.xml",
            get(requests::<XML>).post(post_request::<XML>),
        )
        .route("/open311/v2/requests/{file}", get(request_one))
        .route("/open311/v2/media/{file}", get(media))
        .route("/open311/v2/{*rest}", any(no_route))
}

/// Why an Open311 route refused; answered as the specification's error list.
#[derive(Debug, thiserror::Error)]
pub enum Open311Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// The request was not taken in: each problem, as the intake names it.
    #[error("{}", .0.join("; "))]
    Rejected(Vec<String>),
    #[error("{0}")]
    KeyRefused(String),
    #[error("the server failed: {0}")]
    Failed(String),
    #[error("an Open311 client named {name} exists already")]
    ClientExists { name: String },
    #[error("Open311 client {id} does not exist")]
    ClientNotFound { id: i64 },
}

impl Refusal for Open311Error {
    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::Rejected(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) | Self::ClientNotFound { .. } => StatusCode::NOT_FOUND,
            Self::KeyRefused(_) => StatusCode::FORBIDDEN,
            Self::ClientExists { .. } => StatusCode::CONFLICT,
            Self::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::BadRequest(_) | Self::Rejected(_) => code::OPEN311_BAD_REQUEST,
            Self::NotFound(_) => code::OPEN311_NOT_FOUND,
            Self::KeyRefused(_) => code::OPEN311_KEY_REFUSED,
            Self::Failed(_) => code::OPEN311_FAILED,
            Self::ClientExists { .. } => code::OPEN311_CLIENT_EXISTS,
            Self::ClientNotFound { .. } => code::OPEN311_CLIENT_NOT_FOUND,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::BadRequest(en) => format!("Open311 请求有误：{en}"),
            Self::NotFound(en) => format!("Open311 未找到：{en}"),
            Self::Rejected(problems) => format!("诉求未受理：{}", problems.join("；")),
            Self::KeyRefused(en) => format!("Open311 API 密钥无效：{en}"),
            Self::Failed(_) => "服务器内部错误".to_owned(),
            Self::ClientExists { name } => format!("Open311 客户端“{name}”已存在"),
            Self::ClientNotFound { id } => format!("Open311 客户端 {id} 不存在"),
        }
    }

    fn is_failure(&self) -> bool {
        matches!(self, Self::Failed(_))
    }
}

/// A refusal with the format the client asked for.
pub struct Refused(Format, Open311Error);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let Self(format, error) = self;
        let status = error.status();
        if error.is_failure() {
            tracing::error!("open311: {error}");
        }
        let descriptions = match &error {
            Open311Error::Rejected(problems) => problems.clone(),
            other => vec![other.to_string()],
        };
        let records: Vec<Record> = descriptions
            .into_iter()
            .map(|description| {
                Record(vec![
                    ("code", Val::Int(i64::from(status.as_u16()))),
                    ("description", Val::Text(description)),
                ])
            })
            .collect();
        (status, format.list("errors", "error", &records)).into_response()
    }
}

impl From<DeskError> for Open311Error {
    fn from(error: DeskError) -> Self {
        match error {
            DeskError::NotFound(id) => Self::NotFound(format!("service request {id} not found")),
            other => Self::Failed(other.to_string()),
        }
    }
}

impl From<binhe_store::StoreError> for Open311Error {
    fn from(error: binhe_store::StoreError) -> Self {
        Self::Failed(error.to_string())
    }
}

/// `name.json` / `name.xml` → (name, format).
fn split_file(file: &str) -> Result<(&str, Format), Refused> {
    let parsed = file
        .rsplit_once('.')
        .and_then(|(name, ext)| Format::of(ext).map(|f| (name, f)));
    parsed.filter(|(name, _)| !name.is_empty()).ok_or_else(|| {
        Refused(
            Format::Json,
            Open311Error::NotFound(format!("{file:?} is not NAME.json or NAME.xml")),
        )
    })
}

async fn no_route(Path(rest): Path<String>) -> Refused {
    let (name, format) = match rest.rsplit_once('.') {
        Some((name, ext)) => match Format::of(&ext.to_ascii_lowercase()) {
            Some(format) => (name, format),
            None => (rest.as_str(), Format::Json),
        },
        None => (rest.as_str(), Format::Json),
    };
    Refused(
        format,
        Open311Error::NotFound(format!("no Open311 route {BASE}/{name}")),
    )
}

/// Shanghai time, ISO 8601 with its offset.
fn local(at: DateTime<Utc>) -> String {
    let shanghai = FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset");
    at.with_timezone(&shanghai)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

async fn discovery<const AS_XML: bool>() -> Response {
    let format = format_of(AS_XML);
    let endpoint = |url: &str| {
        Record(vec![
            (
                "specification",
                Val::Text("http://wiki.open311.org/GeoReport_v2".to_owned()),
            ),
            ("url", Val::Text(url.to_owned())),
            (
                "changeset",
                Val::Text("2026-12-02T00:00:00+08:00".to_owned()),
            ),
            ("type", Val::Text("production".to_owned())),
            (
                "formats",
                Val::Strings(
                    "format",
                    vec!["text/xml".to_owned(), "application/json".to_owned()],
                ),
            ),
        ])
    };
    let record = Record(vec![
        (
            "changeset",
            Val::Text("2026-12-02T00:00:00+08:00".to_owned()),
        ),
        (
            "contact",
            Val::Text("滨河街道城市运行中心 / Binhe Street operations centre".to_owned()),
        ),
        (
            "key_service",
            Val::Text("API keys are issued by the street's administrator".to_owned()),
        ),
        ("endpoints", Val::Records("endpoint", vec![endpoint(BASE)])),
    ]);
    format.object("discovery", &record).into_response()
}

async fn services<const AS_XML: bool>(State(desk): State<TicketDesk>) -> Response {
    let format = format_of(AS_XML);
    let catalogue = desk.catalogue();
    let records: Vec<Record> = catalogue
        .categories
        .iter()
        .map(|c| {
            Record(vec![
                ("service_code", Val::Text(c.code.clone())),
                (
                    "service_name",
                    Val::Text(format!("{} / {}", c.name_zh, c.name_en)),
                ),
                ("description", Val::Text(c.name_en.clone())),
                ("metadata", Val::Bool(false)),
                ("type", Val::Text("realtime".to_owned())),
                (
                    "keywords",
                    Val::Text(
                        std::iter::once(c.name_zh.as_str())
                            .chain(c.aliases.iter().map(String::as_str))
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                ),
                ("group", Val::Text(c.sla_class.as_str().to_owned())),
            ])
        })
        .collect();
    format.list("services", "service", &records).into_response()
}

async fn service_definition(
    State(desk): State<TicketDesk>,
    Path(file): Path<String>,
) -> Result<Response, Refused> {
    let (code, format) = split_file(&file)?;
    let catalogue = desk.catalogue();
    if !catalogue.categories.iter().any(|c| c.code == code) {
        return Err(Refused(
            format,
            Open311Error::NotFound(format!("service_code {code:?} is not offered")),
        ));
    }
    // No category asks for more than the description and the place: no attributes.
    let record = Record(vec![
        ("service_code", Val::Text(code.to_owned())),
        ("attributes", Val::Records("attribute", Vec::new())),
    ]);
    Ok(format.object("service_definition", &record).into_response())
}

/// The query of `GET requests`, as the specification names it.
#[derive(Debug, Default)]
pub struct RequestsQuery {
    service_request_id: Option<String>,
    service_code: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    status: Option<String>,
}

fn parse_date(field: &str, raw: &str) -> Result<DateTime<Utc>, Open311Error> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            Open311Error::BadRequest(format!(
                "{field} {raw:?} is not a W3C date-time such as 2026-12-01T08:00:00+08:00"
            ))
        })
}

fn list_of(raw: Option<&str>) -> Vec<String> {
    raw.into_iter()
        .flat_map(|r| r.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

async fn find(desk: &TicketDesk, query: &RequestsQuery) -> Result<Vec<Ticket>, Open311Error> {
    // Ids asked for by name: the other filters do not apply (as the specification says).
    let ids = list_of(query.service_request_id.as_deref());
    if !ids.is_empty() {
        let mut found = Vec::new();
        for raw in ids {
            let id: TicketId = raw.parse().map_err(|_| {
                Open311Error::BadRequest(format!("service_request_id {raw:?} is not a number"))
            })?;
            if let Some(ticket) = desk.store().ticket(id).await? {
                found.push(ticket);
            }
        }
        return Ok(found);
    }
    let until = query
        .end_date
        .as_deref()
        .map(|d| parse_date("end_date", d))
        .transpose()?;
    let from = query
        .start_date
        .as_deref()
        .map(|d| parse_date("start_date", d))
        .transpose()?;
    let (from, until) = match (from, until) {
        (None, None) => (Some(now() - Duration::days(DEFAULT_DAYS)), None),
        other => other,
    };
    if let (Some(from), Some(until)) = (from, until)
        && from > until
    {
        return Err(Open311Error::BadRequest(
            "start_date is after end_date".to_owned(),
        ));
    }
    let statuses = list_of(query.status.as_deref());
    let mut open = statuses.is_empty();
    let mut closed = statuses.is_empty();
    for status in &statuses {
        match status.as_str() {
            "open" => open = true,
            "closed" => closed = true,
            other => {
                return Err(Open311Error::BadRequest(format!(
                    "status {other:?} is not open or closed"
                )));
            }
        }
    }
    let scope = match (open, closed) {
        (true, false) => TicketScope::Open,
        (false, true) => TicketScope::Finished,
        _ => TicketScope::All,
    };
    let codes = list_of(query.service_code.as_deref());
    let categories: Vec<Option<String>> = if codes.is_empty() {
        vec![None]
    } else {
        codes.into_iter().map(Some).collect()
    };
    let mut found = Vec::new();
    for category in categories {
        let filter = TicketFilter {
            scope,
            category,
            received_from: from,
            received_until: until,
            limit: MAX_REQUESTS,
            ..TicketFilter::default()
        };
        let (listed, _) = desk.store().list(&filter).await?;
        found.extend(listed.into_iter().map(|l| l.ticket));
    }
    found.sort_by(|a, b| b.received_at.cmp(&a.received_at).then(b.id.cmp(&a.id)));
    found.truncate(MAX_REQUESTS as usize);
    Ok(found)
}

/// A description with the reporter's name and every run of seven or more digits (a phone
/// number) masked.
fn published_text(ticket: &Ticket) -> String {
    let mut text = ticket.description.clone();
    for own in [&ticket.reporter_name, &ticket.reporter_phone]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
    {
        text = text.replace(own.trim(), "***");
    }
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.chars().count() >= 7 {
            out.push_str("***");
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || (!digits.is_empty() && matches!(c, '-' | ' ')) {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

fn status_notes(ticket: &Ticket) -> String {
    match (ticket.state, ticket.duplicate_of) {
        (TicketState::Merged, Some(of)) => format!("合并至 {of} / merged into {of}"),
        (state, _) => format!("{} / {}", state.label_zh(), state.label_en()),
    }
}

/// The address of this server as the client reached it (`http://host:port`), for `media_url`.
fn origin(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .map(|h| format!("http://{h}"))
}

fn request_record(
    ticket: &Ticket,
    desk: &TicketDesk,
    view: &GridView,
    origin: Option<&str>,
) -> Record {
    let catalogue = desk.catalogue();
    let service_name = catalogue
        .categories
        .iter()
        .find(|c| c.code == ticket.category)
        .map_or_else(
            || ticket.category.clone(),
            |c| format!("{} / {}", c.name_zh, c.name_en),
        );
    let hierarchy = view.hierarchy();
    let agency = ticket
        .routing
        .community
        .as_ref()
        .and_then(|code| hierarchy.by_code(code))
        .unwrap_or_else(|| hierarchy.street())
        .name
        .clone();
    let open = ticket.state.is_open();
    let text_or_null = |v: Option<String>| v.map_or(Val::Null, Val::Text);
    Record(vec![
        ("service_request_id", Val::Text(ticket.id.to_string())),
        (
            "status",
            Val::Text(if open { "open" } else { "closed" }.to_owned()),
        ),
        ("status_notes", Val::Text(status_notes(ticket))),
        ("service_name", Val::Text(service_name)),
        ("service_code", Val::Text(ticket.category.clone())),
        ("description", Val::Text(published_text(ticket))),
        ("agency_responsible", Val::Text(agency)),
        (
            "service_notice",
            Val::Text(format!("办结时限 / due by {}", local(ticket.due_at))),
        ),
        ("requested_datetime", Val::Text(local(ticket.received_at))),
        ("updated_datetime", Val::Text(local(ticket.updated_at))),
        ("expected_datetime", Val::Text(local(ticket.due_at))),
        ("address", text_or_null(ticket.address.clone())),
        ("address_id", Val::Null),
        ("zipcode", Val::Null),
        (
            "lat",
            ticket.location.map_or(Val::Null, |p| Val::Float(p.lat)),
        ),
        (
            "long",
            ticket.location.map_or(Val::Null, |p| Val::Float(p.lon)),
        ),
        (
            "media_url",
            match (&ticket.snapshot, origin) {
                (Some(_), Some(origin)) => {
                    Val::Text(format!("{origin}{BASE}/media/{}.jpg", ticket.id))
                }
                _ => Val::Null,
            },
        ),
    ])
}

type RawQuery = Result<axum::extract::Query<Vec<(String, String)>>, QueryRejection>;

/// The filters of a query string; a name given twice counts as its values comma-separated.
fn requests_query(raw: RawQuery) -> Result<RequestsQuery, Open311Error> {
    let axum::extract::Query(pairs) =
        raw.map_err(|e| Open311Error::BadRequest(format!("the query string is unreadable: {e}")))?;
    let mut query = RequestsQuery::default();
    for (name, value) in pairs {
        let field = match name.as_str() {
            "service_request_id" => &mut query.service_request_id,
            "service_code" => &mut query.service_code,
            "start_date" => &mut query.start_date,
            "end_date" => &mut query.end_date,
            "status" => &mut query.status,
            // Other parameters (jurisdiction_id, a client's own) change nothing here.
            _ => continue,
        };
        match field {
            Some(before) => {
                before.push(',');
                before.push_str(&value);
            }
            None => *field = Some(value),
        }
    }
    Ok(query)
}

async fn requests<const AS_XML: bool>(
    State(desk): State<TicketDesk>,
    State(grids): State<Grids>,
    headers: HeaderMap,
    raw: RawQuery,
) -> Result<Response, Refused> {
    let format = format_of(AS_XML);
    let query = requests_query(raw).map_err(|e| Refused(format, e))?;
    let found = find(&desk, &query).await.map_err(|e| Refused(format, e))?;
    let view = grids.view();
    let records: Vec<Record> = found
        .iter()
        .map(|t| request_record(t, &desk, &view, origin(&headers).as_deref()))
        .collect();
    Ok(format
        .list("service_requests", "request", &records)
        .into_response())
}

async fn request_one(
    State(desk): State<TicketDesk>,
    State(grids): State<Grids>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, Refused> {
    let (raw, format) = split_file(&file)?;
    let id: TicketId = raw.parse().map_err(|_| {
        Refused(
            format,
            Open311Error::NotFound(format!("service request {raw:?} not found")),
        )
    })?;
    let ticket = desk
        .ticket(id)
        .await
        .map_err(|e| Refused(format, e.into()))?;
    let record = request_record(&ticket, &desk, &grids.view(), origin(&headers).as_deref());
    Ok(format
        .list("service_requests", "request", &[record])
        .into_response())
}

/// A form field: present and not blank.
fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

fn coordinate(form: &[(String, String)], name: &str) -> Result<Option<f64>, Open311Error> {
    field(form, name)
        .map(|raw| {
            raw.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| Open311Error::BadRequest(format!("{name} {raw:?} is not a number")))
        })
        .transpose()
}

/// The client a key belongs to, unless it is missing, unknown or revoked.
async fn client_of(
    accounts: &dyn AccountRepository,
    form: &[(String, String)],
) -> Result<binhe_store::Open311Client, Open311Error> {
    let key = field(form, "api_key")
        .ok_or_else(|| Open311Error::KeyRefused("api_key is required to post a request".into()))?;
    match accounts
        .open311_client_by_key(&clients::key_hash(key))
        .await?
    {
        Some(client) if client.revoked_at.is_none() => Ok(client),
        Some(_) => Err(Open311Error::KeyRefused("this api_key was revoked".into())),
        None => Err(Open311Error::KeyRefused("api_key is not valid".into())),
    }
}

/// `POST requests`: a new request through the one intake, as a resident's report brought by
/// the client (its name is the ticket's source).
async fn take_in(
    desk: &TicketDesk,
    grids: &Grids,
    client: &binhe_store::Open311Client,
    form: &[(String, String)],
) -> Result<Record, Open311Error> {
    let request = intake_request(form, &client.name)?;
    let id = match desk.intake_one(request, grids.view()).await? {
        IntakeOutcome::Created { ticket, .. } => ticket.id,
        IntakeOutcome::Existing { id } => id,
        IntakeOutcome::Rejected { problems } => {
            return Err(Open311Error::Rejected(
                problems
                    .into_iter()
                    .map(|p| format!("{}: {}", p.field, p.message_en))
                    .collect(),
            ));
        }
    };
    let ticket = desk.ticket(id).await?;
    Ok(Record(vec![
        ("service_request_id", Val::Text(id.to_string())),
        (
            "service_notice",
            Val::Text(format!("办结时限 / due by {}", local(ticket.due_at))),
        ),
        ("account_id", Val::Null),
    ]))
}

/// The intake request a `POST requests` form asks for, from the client named `client`: what
/// the form says in the intake's terms, before the intake judges it.
pub fn intake_request(
    form: &[(String, String)],
    client: &str,
) -> Result<IntakeRequest, Open311Error> {
    let name: Vec<&str> = ["last_name", "first_name"]
        .into_iter()
        .filter_map(|n| field(form, n))
        .collect();
    let request = IntakeRequest {
        channel: Some("resident".to_owned()),
        category: field(form, "service_code").map(str::to_owned),
        description: field(form, "description").map(str::to_owned),
        lon: coordinate(form, "long")?,
        lat: coordinate(form, "lat")?,
        address: field(form, "address_string").map(str::to_owned),
        reporter_name: (!name.is_empty()).then(|| name.concat()),
        reporter_phone: field(form, "phone").map(str::to_owned),
        source_ref: Some(client.to_owned()),
        ..IntakeRequest::default()
    };
    if request.category.is_none() {
        return Err(Open311Error::BadRequest("service_code is required".into()));
    }
    if request.lat.is_none() && request.address.is_none() {
        return Err(Open311Error::BadRequest(
            "lat and long, or address_string, is required".into(),
        ));
    }
    Ok(request)
}

async fn post_request<const AS_XML: bool>(
    State(desk): State<TicketDesk>,
    State(grids): State<Grids>,
    State(accounts): State<Arc<dyn AccountRepository>>,
    form: Result<axum::Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let format = format_of(AS_XML);
    let form = match form {
        Ok(axum::Form(form)) => form,
        Err(e) => {
            let error = Open311Error::BadRequest(format!("the form is unreadable: {e}"));
            return AuditNote::new("open311.request", "")
                .detail(&error.to_string())
                .attach(Refused(format, error));
        }
    };
    let client = match client_of(accounts.as_ref(), &form).await {
        Ok(client) => client,
        Err(error) => {
            return AuditNote::new("open311.request", "")
                .detail(&error.to_string())
                .attach(Refused(format, error));
        }
    };
    let mut note = AuditNote::new("open311.request", "");
    note.account = Some((
        format!("open311:{}", client.name),
        "open311_client".to_owned(),
    ));
    note.terminal = Some(format!("Open311 client {}", client.id));
    match take_in(&desk, &grids, &client, &form).await {
        Ok(record) => {
            if let Some((_, Val::Text(id))) = record.0.first() {
                note.target.clone_from(id);
            }
            note.attach(format.list("service_requests", "request", &[record]))
        }
        Err(error) => note
            .detail(&error.to_string())
            .attach(Refused(format, error)),
    }
}

/// `media/{id}.jpg`: the camera picture a request came with (its `media_url`).
async fn media(
    State(desk): State<TicketDesk>,
    State(devices): State<Arc<dyn DeviceRepository>>,
    Path(file): Path<String>,
) -> Result<Response, Refused> {
    let missing = || {
        Refused(
            Format::Json,
            Open311Error::NotFound(format!("no picture {file:?}")),
        )
    };
    let id: TicketId = file
        .strip_suffix(".jpg")
        .and_then(|id| id.parse().ok())
        .ok_or_else(missing)?;
    let ticket = desk
        .store()
        .ticket(id)
        .await
        .map_err(|e| Refused(Format::Json, e.into()))?;
    let picture = match ticket.and_then(|t| t.snapshot) {
        Some(snapshot) => devices
            .snapshot(&snapshot)
            .await
            .map_err(|e| Refused(Format::Json, e.into()))?,
        None => None,
    }
    .ok_or_else(missing)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "public, max-age=86400, immutable"),
        ],
        picture.jpeg,
    )
        .into_response())
}
