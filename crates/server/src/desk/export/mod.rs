//! Ticket lists as files a dispatcher sends upward: CSV (UTF-8 with a BOM so that Excel opens
//! it, or GBK on request), XLSX (Chinese headers, Beijing times as date cells) and GeoJSON of the
//! located ones. A service, so that every room with a ticket list (the queue's filters, a KPI
//! figure's drill-down) writes the same file: the room hands over its tickets page by page
//! ([`TicketPages`]) and says what the export is; the file is written while it is sent, so a
//! list of 100,000 tickets is never held whole. Phone numbers are masked unless a dispatcher
//! asks for them; the room attaches the audit note; a progress token counts the rows written on
//! the [`ExportBoard`].

pub mod progress;
pub mod xlsx;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use binhe_api::tickets::TicketView;
use binhe_core::access::Role;
use binhe_core::geojson::{Feature, Geometry};
use binhe_core::ticket::intake::beijing;
use binhe_core::ticket::{Catalogue, SlaTable};
use binhe_store::{ListedTicket, StoreError};
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use futures_util::{StreamExt, stream};
use serde::Serialize;

pub use progress::{ExportBoard, Tracker};
use xlsx::{Cell, XlsxStream};

use super::TicketDesk;
use super::view::ViewContext;
use crate::dataset::GridView;
use crate::http::{ApiError, AuditNote, Caller, RequestError};

/// Tickets read from the store per page of the file: a [`TicketPages`] source answers pages of
/// this many, the last one shorter (or empty).
pub const PAGE: u32 = 1_000;

/// The columns of a ticket export, in order: Chinese headers as the district's sheets have them.
pub const COLUMNS: [&str; 18] = [
    "工单号",
    "外部编号",
    "来源渠道",
    "问题类别",
    "问题描述",
    "状态",
    "紧急程度",
    "时效",
    "社区",
    "微网格",
    "地址",
    "经度",
    "纬度",
    "反映人",
    "联系电话",
    "受理时间",
    "办结期限",
    "办结时间",
];

/// Column widths of the XLSX sheet, in characters.
const WIDTHS: [f64; 18] = [
    8.0, 16.0, 10.0, 14.0, 40.0, 8.0, 8.0, 8.0, 14.0, 16.0, 28.0, 12.0, 12.0, 10.0, 14.0, 20.0,
    20.0, 20.0,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv { gbk: bool },
    Xlsx,
    GeoJson,
}

impl Format {
    /// The format of a route ending in `.{ext}` (one of [`binhe_api::tickets::EXPORT_FORMATS`]),
    /// with the `encoding` asked for (read for every format, used by CSV only).
    pub fn of_route(route: &str, encoding: Option<&str>) -> Result<Self, ApiError> {
        let ext = route.rsplit('.').next().unwrap_or_default();
        let gbk = match encoding {
            None | Some("utf-8" | "utf8" | "UTF-8") => false,
            Some("gbk" | "GBK") => true,
            Some(other) => {
                return Err(RequestError::bad(
                    "encoding",
                    format!("encoding {other:?} is not utf-8 or gbk"),
                    format!("编码“{other}”无效，应为 utf-8 或 gbk"),
                )
                .into());
            }
        };
        Ok(match ext {
            "csv" => Self::Csv { gbk },
            "xlsx" => Self::Xlsx,
            "geojson" => Self::GeoJson,
            _ => {
                return Err(RequestError::Internal(format!("no export format for {route}")).into());
            }
        })
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv { .. } => "csv",
            Self::Xlsx => "xlsx",
            Self::GeoJson => "geojson",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Csv { gbk: false } => "text/csv; charset=utf-8",
            Self::Csv { gbk: true } => "text/csv; charset=gbk",
            Self::Xlsx => xlsx::CONTENT_TYPE,
            Self::GeoJson => "application/geo+json",
        }
    }

    /// As the audit line names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Csv { gbk: false } => "CSV",
            Self::Csv { gbk: true } => "CSV(GBK)",
            Self::Xlsx => "XLSX",
            Self::GeoJson => "GeoJSON",
        }
    }
}

/// Whether the file carries phone numbers as they are: `phones=full`, for dispatchers only.
pub fn full_phones(caller: &Caller, phones: Option<&str>) -> Result<bool, ApiError> {
    match phones {
        None | Some("masked") => Ok(false),
        Some("full") => {
            caller.must_be(&[Role::Dispatcher], "export full phone numbers")?;
            Ok(true)
        }
        Some(other) => Err(RequestError::bad(
            "phones",
            format!("phones {other:?} is not masked or full"),
            format!("phones“{other}”无效，应为 masked 或 full"),
        )
        .into()),
    }
}

/// The progress token asked for, read (a bad one is refused before anything is written).
pub fn progress_token(progress: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(token) = progress else {
        return Ok(None);
    };
    progress::check_token(token).map_err(|(en, zh)| RequestError::bad("progress", en, zh))?;
    Ok(Some(token.to_owned()))
}

/// A ticket list's tickets, page by page in the file's order.
pub trait TicketPages: Send + 'static {
    /// The next page of [`PAGE`] tickets; a shorter one is the last.
    fn next_page(&mut self) -> BoxFuture<'_, Result<Vec<ListedTicket>, StoreError>>;
}

/// One export of a ticket list, as the room asked for it.
pub struct TicketExport {
    pub format: Format,
    pub full_phones: bool,
    /// Tickets the list holds (the `x-export-total` header, the progress bar's end).
    pub total: u64,
    /// The progress token, if the terminal follows the export.
    pub progress: Option<String>,
    /// The file's name before the time stamp: ASCII (the plain `filename`) and Chinese.
    pub name: (&'static str, String),
    /// The audit line (its detail gets the format, count and phones in front).
    pub audit: AuditNote,
}

impl TicketExport {
    /// The detail the audit line starts with: format, count, phones.
    pub fn summary(&self) -> String {
        format!(
            "{} {} 条；{}",
            self.format.label(),
            self.total,
            if self.full_phones {
                "完整电话"
            } else {
                "电话已遮蔽"
            }
        )
    }

    /// The answer: the file, written from `pages` while it is sent.
    pub fn respond(
        self,
        desk: &TicketDesk,
        view: Arc<GridView>,
        board: &ExportBoard,
        caller: &Caller,
        pages: impl TicketPages,
    ) -> Response {
        let tracker = self
            .progress
            .as_deref()
            .map(|token| board.start(&caller.principal.account, token, self.total));
        let writer = Writer {
            pages: Box::new(pages),
            shown: Shown {
                view,
                catalogue: desk.catalogue(),
                sla: desk.sla(),
            },
            format: self.format,
            full_phones: self.full_phones,
            tracker,
            sheet: None,
            started: false,
            done: false,
        };
        // Fused: the compression on the way out polls once more after the end.
        let body = Body::from_stream(
            stream::unfold(writer, |mut writer| async move {
                let chunk = writer.next().await?;
                Some((chunk, writer))
            })
            .fuse(),
        );
        let summary = self.summary();
        let audit = if self.audit.detail.is_empty() {
            self.audit.clone().detail(&summary)
        } else {
            let detail = format!("{summary}；{}", self.audit.detail);
            self.audit.clone().detail(&detail)
        };
        let mut response = (
            [
                (header::CONTENT_TYPE, self.format.content_type().to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    disposition(self.name.0, &self.name.1, self.format.extension()),
                ),
                // The count lets the terminal draw a progress bar while the file arrives.
                (
                    header::HeaderName::from_static("x-export-total"),
                    self.total.to_string(),
                ),
            ],
            body,
        )
            .into_response();
        response.extensions_mut().insert(audit);
        response
    }
}

/// The answer of an export route: the file, or the refusal with an audit line of its own (an
/// export refused — full numbers asked by a commander, a ticket out of scope — is on the record
/// too).
pub fn audited(action: &str, target: &str, answer: Result<Response, ApiError>) -> Response {
    match answer {
        Ok(response) => response,
        Err(error) => {
            let detail = format!("拒绝：{}", error.code());
            AuditNote::new(action, target)
                .detail(&detail)
                .attach(error.into_response())
        }
    }
}

/// `attachment` with an ASCII name and the Chinese one (RFC 5987), both stamped with the
/// Beijing minute.
pub fn disposition(ascii: &str, chinese: &str, extension: &str) -> String {
    let stamp = Utc::now().with_timezone(&beijing()).format("%Y%m%d-%H%M");
    let name = format!("{chinese}-{stamp}.{extension}");
    format!(
        "attachment; filename=\"{ascii}-{stamp}.{extension}\"; filename*=UTF-8''{}",
        percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// How tickets are shown while the file is written: the view, catalogue and SLA table as they
/// stood when it started.
struct Shown {
    view: Arc<GridView>,
    catalogue: Arc<Catalogue>,
    sla: Arc<SlaTable>,
}

impl Shown {
    fn context(&self) -> ViewContext<'_> {
        ViewContext {
            view: &self.view,
            catalogue: &self.catalogue,
            sla: &self.sla,
            now: super::now(),
        }
    }
}

/// The file, one page of tickets at a time.
struct Writer {
    pages: Box<dyn TicketPages>,
    shown: Shown,
    format: Format,
    full_phones: bool,
    tracker: Option<Tracker>,
    sheet: Option<XlsxStream>,
    started: bool,
    done: bool,
}

impl Writer {
    async fn next(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        if self.done {
            return None;
        }
        let mut text = String::new();
        if !self.started {
            self.started = true;
            match self.format {
                Format::Csv { gbk } => {
                    if !gbk {
                        text.push('\u{feff}');
                    }
                    text.push_str(&csv_line(COLUMNS.iter().map(|c| (*c).to_owned())));
                }
                Format::GeoJson => text.push_str("{\"type\":\"FeatureCollection\",\"features\":["),
                Format::Xlsx => match XlsxStream::start("工单", &COLUMNS, &WIDTHS) {
                    Ok(sheet) => self.sheet = Some(sheet),
                    Err(error) => return Some(Err(self.failed(error))),
                },
            }
        }
        let page = match self.pages.next_page().await {
            Ok(page) => page,
            Err(error) => return Some(Err(self.failed(std::io::Error::other(error)))),
        };
        if page.len() < PAGE as usize {
            self.done = true;
        }
        let ctx = self.shown.context();
        let mut first_feature = text.ends_with('[');
        for listed in &page {
            let mut view = ctx.ticket(&listed.ticket, listed.duplicates);
            if !self.full_phones {
                view.reporter_phone = view.reporter_phone.as_deref().map(mask_phone);
            }
            match self.format {
                Format::Csv { .. } => text.push_str(&csv_line(row(&view))),
                Format::Xlsx => {
                    let sheet = self.sheet.as_mut().expect("started");
                    if let Err(error) = sheet.row(&cells(&view)) {
                        return Some(Err(self.failed(error)));
                    }
                }
                Format::GeoJson => {
                    let (Some(lon), Some(lat)) = (view.lon, view.lat) else {
                        continue;
                    };
                    if !first_feature {
                        text.push(',');
                    }
                    first_feature = false;
                    let feature = Feature::new(
                        u64::try_from(view.id).ok(),
                        Geometry::point(lon, lat),
                        ExportedPoint::of(&view),
                    );
                    text.push_str(&serde_json::to_string(&feature).expect("a feature serialises"));
                }
            }
        }
        if let Some(tracker) = &self.tracker {
            tracker.advance(page.len() as u64);
        }
        let bytes = match self.format {
            Format::Csv { gbk: true } => encoding_rs::GBK.encode(&text).0.into_owned(),
            Format::Xlsx => {
                let sheet = self.sheet.as_mut().expect("started");
                if self.done {
                    match self.sheet.take().expect("started").finish() {
                        Ok(bytes) => bytes,
                        Err(error) => return Some(Err(self.failed(error))),
                    }
                } else {
                    sheet.take()
                }
            }
            Format::GeoJson if self.done => {
                text.push_str("]}");
                text.into_bytes()
            }
            _ => text.into_bytes(),
        };
        if self.done
            && let Some(tracker) = &mut self.tracker
        {
            tracker.finish();
        }
        Some(Ok(Bytes::from(bytes)))
    }

    /// Ends the file on `error` (the body breaks off, the client sees an incomplete download).
    fn failed(&mut self, error: std::io::Error) -> std::io::Error {
        tracing::error!(%error, "an export broke off");
        self.done = true;
        error
    }
}

/// What a located ticket carries in the GeoJSON export.
#[derive(Serialize)]
struct ExportedPoint<'a> {
    id: i64,
    external_id: Option<&'a str>,
    channel: &'a str,
    category: &'a str,
    category_zh: &'a str,
    description: &'a str,
    state: &'a str,
    state_zh: &'a str,
    community: Option<&'a str>,
    micro: Option<&'a str>,
    reporter_phone: Option<&'a str>,
    /// Beijing time, `YYYY-MM-DD HH:MM:SS`.
    received_at: String,
}

impl<'a> ExportedPoint<'a> {
    fn of(t: &'a TicketView) -> Self {
        Self {
            id: t.id,
            external_id: t.external_id.as_deref(),
            channel: t.channel.as_str(),
            category: &t.category,
            category_zh: &t.category_zh,
            description: &t.description,
            state: t.state.as_str(),
            state_zh: &t.state_zh,
            community: t.routing.community.as_ref().map(|g| g.name.as_str()),
            micro: t.routing.micro.as_ref().map(|g| g.name.as_str()),
            reporter_phone: t.reporter_phone.as_deref(),
            received_at: wall(t.received_at),
        }
    }
}

/// Beijing wall-clock time, `YYYY-MM-DD HH:MM:SS`.
pub fn wall(at: DateTime<Utc>) -> String {
    at.with_timezone(&beijing())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn grid_name(g: Option<&binhe_api::grids::NamedGrid>) -> String {
    g.map(|g| g.name.clone()).unwrap_or_default()
}

fn row(t: &TicketView) -> impl Iterator<Item = String> {
    let number = |v: Option<f64>| v.map(|v| format!("{v:.7}")).unwrap_or_default();
    [
        t.id.to_string(),
        t.external_id.clone().unwrap_or_default(),
        t.channel_zh.clone(),
        t.category_zh.clone(),
        t.description.clone(),
        t.state_zh.clone(),
        t.urgency.label_zh().to_owned(),
        t.sla.label_zh().to_owned(),
        grid_name(t.routing.community.as_ref()),
        grid_name(t.routing.micro.as_ref()),
        t.address.clone().unwrap_or_default(),
        number(t.lon),
        number(t.lat),
        t.reporter_name.clone().unwrap_or_default(),
        t.reporter_phone.clone().unwrap_or_default(),
        wall(t.received_at),
        wall(t.due_at),
        t.closed_at.map(wall).unwrap_or_default(),
    ]
    .into_iter()
}

/// The same row as sheet cells: the number as a number, coordinates as numbers, times as
/// Beijing date cells.
#[allow(clippy::cast_precision_loss)] // ticket numbers stay far below 2^53
fn cells(t: &TicketView) -> Vec<Cell<'_>> {
    fn text(s: &str) -> Cell<'_> {
        Cell::Text(s.into())
    }
    fn opt(s: Option<&String>) -> Cell<'_> {
        s.map_or(Cell::Empty, |s| Cell::Text(s.as_str().into()))
    }
    fn name(g: Option<&binhe_api::grids::NamedGrid>) -> Cell<'_> {
        g.map_or(Cell::Empty, |g| Cell::Text(g.name.as_str().into()))
    }
    vec![
        Cell::Number(t.id as f64),
        opt(t.external_id.as_ref()),
        Cell::Text(t.channel_zh.as_str().into()),
        Cell::Text(t.category_zh.as_str().into()),
        Cell::Text(t.description.as_str().into()),
        Cell::Text(t.state_zh.as_str().into()),
        text(t.urgency.label_zh()),
        text(t.sla.label_zh()),
        name(t.routing.community.as_ref()),
        name(t.routing.micro.as_ref()),
        opt(t.address.as_ref()),
        t.lon.map_or(Cell::Empty, Cell::Number),
        t.lat.map_or(Cell::Empty, Cell::Number),
        opt(t.reporter_name.as_ref()),
        opt(t.reporter_phone.as_ref()),
        Cell::Time(t.received_at),
        Cell::Time(t.due_at),
        t.closed_at.map_or(Cell::Empty, Cell::Time),
    ]
}

/// One CSV line (CRLF, as Excel writes it), quoting what needs it.
pub fn csv_line(cells: impl Iterator<Item = String>) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer
        .write_record(cells.map(|c| neutralised(&c)))
        .expect("writing to memory");
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("UTF-8 cells")
}

/// A cell Excel would run as a formula (`=`, `+`, `-`, `@` first) is written with a leading
/// apostrophe, so an exported description cannot execute anything on the reader's machine.
fn neutralised(cell: &str) -> String {
    let is_number = cell.parse::<f64>().is_ok();
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !is_number => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// `13812345678` → `138****5678`; shorter numbers keep their last 4 digits only.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    // A digit already masked (`139****0001`) still holds its place.
    let is_place = |c: &char| c.is_ascii_digit() || *c == '*';
    let digits = chars.iter().filter(|c| is_place(c)).count();
    if digits <= 4 {
        return "*".repeat(chars.len());
    }
    let keep_front = if digits >= 11 { 3 } else { 0 };
    let mut seen = 0;
    chars
        .iter()
        .map(|&c| {
            if !is_place(&c) {
                return c;
            }
            seen += 1;
            if seen <= keep_front || seen > digits - 4 {
                c
            } else {
                '*'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_keep_their_first_three_and_last_four_digits() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("010-69981234"), "010-****1234");
        assert_eq!(mask_phone("139****0001"), "139****0001");
        assert_eq!(mask_phone("110"), "***");
    }

    #[test]
    fn formulas_are_neutralised_numbers_are_not() {
        assert_eq!(neutralised("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralised("-117.1"), "-117.1");
        assert_eq!(neutralised("楼道堆物"), "楼道堆物");
    }
}
