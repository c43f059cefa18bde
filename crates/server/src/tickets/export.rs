//! A ticket list as a file a dispatcher sends upward: CSV (UTF-8 with a BOM so that Excel opens
//! it, or GBK on request) and GeoJSON of the located ones, with the list's filters. The file is
//! written page by page while it is sent, so a list of 100,000 tickets is never held whole.
//! Phone numbers are masked unless a dispatcher asks for them; every export is audited.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use binhe_api::tickets::{ExportQuery, ListQuery, TicketView};
use binhe_core::access::Role;
use binhe_core::geojson::{Feature, Geometry};
use binhe_core::ticket::intake::beijing;
use binhe_store::{StoreError, TicketFilter};
use futures_util::stream;
use serde::Serialize;

use super::Shown;
use super::lists::parse_filter;
use crate::dataset::Grids;
use crate::desk::TicketDesk;
use crate::http::extract::Query;
use crate::http::{ApiError, AuditNote, Caller, RequestError};

/// Tickets read from the store per page of the file.
const PAGE: u32 = 1_000;

/// The columns of a CSV export, in order: Chinese headers as the district's sheets have them.
const COLUMNS: [&str; 18] = [
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

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Csv { gbk: bool },
    GeoJson,
}

/// `GET /api/tickets/export.csv` and `GET /api/tickets/export.geojson`.
pub(super) async fn csv(
    state: State<TicketDesk>,
    grids: State<Grids>,
    caller: Caller,
    query: Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let gbk = match query.0.encoding.as_deref() {
        None | Some("utf-8" | "utf8") => false,
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
    export(state, grids, caller, query, Format::Csv { gbk }).await
}

pub(super) async fn geojson(
    state: State<TicketDesk>,
    grids: State<Grids>,
    caller: Caller,
    query: Query<ExportQuery>,
) -> Result<Response, ApiError> {
    export(state, grids, caller, query, Format::GeoJson).await
}

async fn export(
    State(desk): State<TicketDesk>,
    State(grids): State<Grids>,
    caller: Caller,
    Query(query): Query<ExportQuery>,
    format: Format,
) -> Result<Response, ApiError> {
    let list = ListQuery {
        scope: query.scope.clone(),
        state: query.state.clone(),
        community: query.community.clone(),
        limit: None,
    };
    let mut filter = parse_filter(&list, PAGE, PAGE)?;
    filter.visibility = caller.principal.visibility();
    let full_phones = match query.phones.as_deref() {
        None | Some("masked") => false,
        Some("full") => {
            caller.must_be(&[Role::Dispatcher], "export full phone numbers")?;
            true
        }
        Some(other) => {
            return Err(RequestError::bad(
                "phones",
                format!("phones {other:?} is not masked or full"),
                format!("phones“{other}”无效，应为 masked 或 full"),
            )
            .into());
        }
    };
    let (_, total) = desk
        .store()
        .list(&TicketFilter {
            limit: 1,
            ..filter.clone()
        })
        .await?;
    let shown = Arc::new(Shown::now(&desk, &grids));
    let pages = Pages {
        desk,
        shown,
        filter,
        format,
        full_phones,
        started: false,
        done: false,
    };
    let body = Body::from_stream(stream::unfold(pages, |mut pages| async move {
        let chunk = pages.next().await?;
        Some((chunk, pages))
    }));
    let stamp = chrono::Utc::now()
        .with_timezone(&beijing())
        .format("%Y%m%d-%H%M");
    let (content_type, name) = match format {
        Format::Csv { gbk: false } => ("text/csv; charset=utf-8", format!("工单-{stamp}.csv")),
        Format::Csv { gbk: true } => ("text/csv; charset=gbk", format!("工单-{stamp}.csv")),
        Format::GeoJson => ("application/geo+json", format!("工单-{stamp}.geojson")),
    };
    let disposition = format!(
        "attachment; filename=\"tickets-{stamp}.{}\"; filename*=UTF-8''{}",
        if format == Format::GeoJson {
            "geojson"
        } else {
            "csv"
        },
        percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
    );
    let detail = format!(
        "{} {} 条；{}；范围 {}{}{}",
        match format {
            Format::Csv { gbk: false } => "CSV",
            Format::Csv { gbk: true } => "CSV(GBK)",
            Format::GeoJson => "GeoJSON",
        },
        total,
        if full_phones {
            "完整电话"
        } else {
            "电话已遮蔽"
        },
        list.scope.as_deref().unwrap_or("open"),
        list.state
            .as_deref()
            .map(|s| format!(" 状态 {s}"))
            .unwrap_or_default(),
        list.community
            .as_deref()
            .map(|c| format!(" 社区 {c}"))
            .unwrap_or_default(),
    );
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            // The count lets the terminal draw a progress bar while the file arrives.
            (
                header::HeaderName::from_static("x-export-total"),
                total.to_string(),
            ),
        ],
        body,
    )
        .into_response();
    response
        .extensions_mut()
        .insert(AuditNote::new("tickets.export", "").detail(&detail));
    Ok(response)
}

/// The file, one page of tickets at a time.
struct Pages {
    desk: TicketDesk,
    shown: Arc<Shown>,
    filter: TicketFilter,
    format: Format,
    full_phones: bool,
    started: bool,
    done: bool,
}

impl Pages {
    async fn next(&mut self) -> Option<Result<Bytes, StoreError>> {
        if self.done {
            return None;
        }
        let mut text = String::new();
        if !self.started {
            self.started = true;
            text.push_str(&match self.format {
                Format::Csv { gbk } => {
                    let mut head = if gbk {
                        String::new()
                    } else {
                        "\u{feff}".to_owned()
                    };
                    head.push_str(&csv_line(COLUMNS.iter().map(|c| (*c).to_owned())));
                    head
                }
                Format::GeoJson => "{\"type\":\"FeatureCollection\",\"features\":[".to_owned(),
            });
        }
        let (page, _) = match self.desk.store().list(&self.filter).await {
            Ok(page) => page,
            Err(error) => {
                self.done = true;
                return Some(Err(error));
            }
        };
        if let Some(last) = page.last() {
            self.filter.after = Some((last.ticket.received_at.timestamp_millis(), last.ticket.id));
        }
        if page.len() < PAGE as usize {
            self.done = true;
        }
        let ctx = self.shown.context();
        for listed in &page {
            let mut view = ctx.ticket(&listed.ticket, listed.duplicates);
            if !self.full_phones {
                view.reporter_phone = view.reporter_phone.as_deref().map(mask_phone);
            }
            match self.format {
                Format::Csv { .. } => text.push_str(&csv_line(row(&view))),
                Format::GeoJson => {
                    let (Some(lon), Some(lat)) = (view.lon, view.lat) else {
                        continue;
                    };
                    if !text.ends_with('[') {
                        text.push(',');
                    }
                    let feature = Feature::new(
                        u64::try_from(view.id).ok(),
                        Geometry::point(lon, lat),
                        ExportedPoint::of(&view),
                    );
                    text.push_str(&serde_json::to_string(&feature).expect("a feature serialises"));
                }
            }
        }
        if self.done && self.format == Format::GeoJson {
            text.push_str("]}");
        }
        let bytes = match self.format {
            Format::Csv { gbk: true } => encoding_rs::GBK.encode(&text).0.into_owned(),
            _ => text.into_bytes(),
        };
        Some(Ok(Bytes::from(bytes)))
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

fn wall(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&beijing())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn row(t: &TicketView) -> impl Iterator<Item = String> {
    let name = |g: &Option<binhe_api::grids::NamedGrid>| {
        g.as_ref().map(|g| g.name.clone()).unwrap_or_default()
    };
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
        name(&t.routing.community),
        name(&t.routing.micro),
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

/// One CSV line (CRLF, as Excel writes it), quoting what needs it.
fn csv_line(cells: impl Iterator<Item = String>) -> String {
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
