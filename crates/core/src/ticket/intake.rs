//! One intake path for every channel: a raw request (from the API, a 12345 file row, a camera
//! alert, the demo generator) is checked field by field before anything is stored.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::catalogue::Catalogue;
use super::{Channel, Point, Urgency};
use crate::code::GridCode;
use crate::grid::GridHierarchy;

pub const MAX_DESCRIPTION_CHARS: usize = 2000;
pub const MAX_EXTERNAL_ID_CHARS: usize = 64;
pub const MAX_NAME_CHARS: usize = 64;
pub const MAX_PHONE_CHARS: usize = 32;
pub const MAX_ADDRESS_CHARS: usize = 200;
pub const MAX_SOURCE_REF_CHARS: usize = 128;
/// Clocks of upstream systems drift; a receipt time this far ahead of ours is still believed.
const FUTURE_TOLERANCE_MINUTES: i64 = 5;

/// Beijing time: China has one zone and no daylight saving.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A request as it arrives, before any check. Every field is optional here so that a missing
/// one is reported by name rather than as a parse failure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntakeRequest {
    pub channel: Option<String>,
    pub external_id: Option<String>,
    pub category: Option<String>,
    pub description: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: Option<String>,
    pub grid_code: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub urgency: Option<String>,
    /// RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` in Beijing time as 12345 exports write it.
    pub received_at: Option<String>,
    pub source_ref: Option<String>,
    /// The stored picture a camera alert came with (its SHA-256, hex), set by the server.
    pub snapshot: Option<String>,
}

/// Where the requester says the problem is, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum IntakeLocation {
    Point(Point),
    Grid { code: GridCode },
    Address { text: String },
}

/// A request that passed every check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intake {
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub category: String,
    pub description: String,
    pub location: IntakeLocation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_phone: Option<String>,
    pub urgency: Urgency,
    pub received_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
}

impl Intake {
    /// A normal-urgency request on `channel` at a point, with nothing optional filled in (as
    /// tests and generated streets make them).
    pub fn at_point(
        channel: Channel,
        category: &str,
        description: &str,
        point: Point,
        received_at: DateTime<Utc>,
    ) -> Self {
        Self {
            channel,
            external_id: None,
            category: category.to_owned(),
            description: description.to_owned(),
            location: IntakeLocation::Point(point),
            address: None,
            reporter_name: None,
            reporter_phone: None,
            urgency: Urgency::Normal,
            received_at,
            source_ref: None,
            snapshot: None,
        }
    }
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeProblem {
    pub field: String,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

impl IntakeProblem {
    pub fn new(field: &str, code: &str, message_zh: String, message_en: String) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
            message_zh,
            message_en,
        }
    }
}

fn field_label(field: &str) -> &'static str {
    match field {
        "channel" => "来源渠道",
        "external_id" => "工单编号",
        "category" => "问题类别",
        "description" => "问题描述",
        "lon" => "经度",
        "lat" => "纬度",
        "address" => "地址",
        "grid_code" => "网格编码",
        "reporter_name" => "反映人",
        "reporter_phone" => "联系电话",
        "urgency" => "紧急程度",
        "received_at" => "受理时间",
        "source_ref" => "来源编号",
        "snapshot" => "告警截图",
        _ => "字段",
    }
}

struct Checker<'a> {
    problems: Vec<IntakeProblem>,
    catalogue: &'a Catalogue,
}

impl Checker<'_> {
    fn problem(&mut self, field: &str, code: &str, zh: String, en: String) {
        self.problems.push(IntakeProblem::new(field, code, zh, en));
    }

    fn missing(&mut self, field: &str) {
        self.problem(
            field,
            "MISSING_FIELD",
            format!("请填写{}", field_label(field)),
            format!("{field} is required"),
        );
    }

    /// Trimmed text, `None` when absent or blank; reports overlong text and control characters.
    fn text(&mut self, field: &str, value: Option<&String>, max_chars: usize) -> Option<String> {
        let value = value.map(|v| v.trim()).filter(|v| !v.is_empty())?;
        let chars = value.chars().count();
        if chars > max_chars {
            self.problem(
                field,
                "TEXT_TOO_LONG",
                format!(
                    "{}过长：{chars} 个字，最多 {max_chars} 个",
                    field_label(field)
                ),
                format!("{field} has {chars} characters; at most {max_chars} are allowed"),
            );
            return None;
        }
        if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            self.problem(
                field,
                "CONTROL_CHARACTERS",
                format!("{}含有不可见的控制字符，请删除后重试", field_label(field)),
                format!("{field} contains control characters"),
            );
            return None;
        }
        Some(value.to_owned())
    }

    fn coordinate(&mut self, field: &str, value: f64, range: f64) -> Option<f64> {
        if value.is_finite() && value.abs() <= range {
            Some(value)
        } else {
            self.problem(
                field,
                "INVALID_COORDINATE",
                format!(
                    "{}须是 ±{range} 以内的数字，收到 {value}",
                    field_label(field)
                ),
                format!("{field} must be a number within ±{range}, got {value}"),
            );
            None
        }
    }

    fn location(
        &mut self,
        request: &IntakeRequest,
        address: Option<&String>,
        hierarchy: &GridHierarchy,
    ) -> Option<IntakeLocation> {
        let point = match (request.lon, request.lat) {
            (Some(lon), Some(lat)) => {
                let lon = self.coordinate("lon", lon, 180.0);
                let lat = self.coordinate("lat", lat, 90.0);
                match (lon, lat) {
                    (Some(lon), Some(lat)) => Some(Some(Point { lon, lat })),
                    _ => return None,
                }
            }
            (Some(_), None) => {
                self.missing("lat");
                return None;
            }
            (None, Some(_)) => {
                self.missing("lon");
                return None;
            }
            (None, None) => None,
        };
        if let Some(Some(point)) = point {
            return Some(IntakeLocation::Point(point));
        }
        let code = request
            .grid_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if let Some(code) = code {
            return match GridCode::parse(code) {
                Ok(code) if hierarchy.index_of(&code).is_some() => {
                    Some(IntakeLocation::Grid { code })
                }
                Ok(code) => {
                    self.problem(
                        "grid_code",
                        "UNKNOWN_GRID",
                        format!("网格编码 {code} 不属于本街道"),
                        format!("grid {code} does not exist in this street"),
                    );
                    None
                }
                Err(error) => {
                    self.problem(
                        "grid_code",
                        "MALFORMED_CODE",
                        format!("网格编码“{code}”格式不正确：应为 15 位（单元 17 位）数字"),
                        format!("grid_code {code:?} is malformed: {error}"),
                    );
                    None
                }
            };
        }
        if let Some(text) = address {
            return Some(IntakeLocation::Address { text: text.clone() });
        }
        self.problem(
            "location",
            "MISSING_LOCATION",
            "缺少位置：请提供经纬度、网格编码或地址".to_owned(),
            "location is required: give lon/lat, a grid code or an address".to_owned(),
        );
        None
    }

    fn received_at(&mut self, raw: Option<&str>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            return Some(now);
        };
        let Some(at) = parse_time(raw) else {
            self.problem(
                "received_at",
                "INVALID_TIME",
                format!(
                    "受理时间“{raw}”无法识别，应为 2026-11-28 09:30、2026年11月28日 9:30 或 RFC 3339 格式"
                ),
                format!(
                    "received_at {raw:?} is not a time (use 2026-11-28 09:30, 2026年11月28日 9:30 or RFC 3339)"
                ),
            );
            return None;
        };
        let earliest = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single()?;
        if at > now + Duration::minutes(FUTURE_TOLERANCE_MINUTES) {
            self.problem(
                "received_at",
                "FUTURE_TIME",
                format!("受理时间“{raw}”晚于当前时间"),
                format!("received_at {raw:?} is in the future"),
            );
            return None;
        }
        if at < earliest {
            self.problem(
                "received_at",
                "INVALID_TIME",
                format!("受理时间“{raw}”早于 2000 年"),
                format!("received_at {raw:?} is before 2000"),
            );
            return None;
        }
        // The event log keeps milliseconds; finer digits would make a replay differ.
        DateTime::from_timestamp_millis(at.timestamp_millis())
    }
}

/// Reads RFC 3339, or a Beijing wall-clock time as people and other systems write it: a date
/// `2021-11-25`, `2021/11/25`, `2021.11.25`, `20211125` or `2021年11月25日`, months and days with
/// or without a leading zero, then optionally a time `6:25`, `06:25:00`, `06:25:00.5` or
/// `6时25分`, after a space or `T`; full-width digits are read as digits.
///
/// ```
/// use binhe_core::ticket::intake::parse_time;
/// let at = parse_time("2021-11-24T22:25:00Z");
/// assert_eq!(parse_time("2021年11月25日 6:25"), at);
/// assert_eq!(parse_time("２０２１/１１/２５ ０６:２５:００"), at);
/// assert_eq!(parse_time("2021.11.25 6时25分"), at);
/// ```
pub fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = crate::text::fold_width(raw);
    let raw = raw.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some(at.with_timezone(&Utc));
    }
    let (date, time) = split_date_time(raw);
    let date = parse_date(date)?;
    let wall = match time {
        None => date.and_hms_opt(0, 0, 0)?,
        Some(time) => date.and_time(parse_clock(time)?),
    };
    beijing()
        .from_local_datetime(&wall)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

/// The date and, if there is one, the time of day: split at the first space, at a `T` after
/// the date, or after `日`/`号`.
fn split_date_time(raw: &str) -> (&str, Option<&str>) {
    let cut = raw.char_indices().find_map(|(i, ch)| match ch {
        ' ' | 'T' | 't' => Some((i, i + 1)),
        '日' | '号' => Some((i, i + ch.len_utf8())),
        _ => None,
    });
    match cut {
        None => (raw, None),
        Some((end, start)) => {
            let time = raw[start..].trim();
            (&raw[..end], (!time.is_empty()).then_some(time))
        }
    }
}

fn parse_date(date: &str) -> Option<NaiveDate> {
    let date = date.trim();
    if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(date, "%Y%m%d").ok();
    }
    let parts: Vec<&str> = date
        .split(['-', '/', '.', '年', '月'])
        .map(str::trim)
        .collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let number = |text: &str, digits: std::ops::RangeInclusive<usize>| {
        (digits.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u32>().ok())
            .flatten()
    };
    NaiveDate::from_ymd_opt(
        i32::try_from(number(year, 4..=4)?).ok()?,
        number(month, 1..=2)?,
        number(day, 1..=2)?,
    )
}

fn parse_clock(time: &str) -> Option<chrono::NaiveTime> {
    let time: String = time
        .trim()
        .replace(['时', '点', '分'], ":")
        .replace('秒', "");
    let time = time.trim_end_matches(':');
    let (clock, fraction) = match time.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (time, None),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let number = |text: &str| {
        ((1..=2).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u32>().ok())
            .flatten()
    };
    let (hour, minute, second) = match parts.as_slice() {
        [hour, minute] => (number(hour)?, number(minute)?, 0),
        [hour, minute, second] => (number(hour)?, number(minute)?, number(second)?),
        _ => return None,
    };
    let nanos = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            f.parse::<u32>().ok()? * 10u32.pow(9 - f.len() as u32)
        }
        Some(_) => return None,
    };
    chrono::NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

/// Checks a request against the catalogue and the street's grids. `now` stands in for a missing
/// receipt time. All problems are reported at once.
pub fn validate(
    request: &IntakeRequest,
    catalogue: &Catalogue,
    hierarchy: &GridHierarchy,
    now: DateTime<Utc>,
) -> Result<Intake, Vec<IntakeProblem>> {
    let mut c = Checker {
        problems: Vec::new(),
        catalogue,
    };
    let channel = match request.channel.as_deref().map(str::trim) {
        None | Some("") => {
            c.missing("channel");
            None
        }
        Some(raw) => Channel::parse(raw).or_else(|| {
            c.problem(
                "channel",
                "UNKNOWN_CHANNEL",
                format!(
                    "来源渠道“{raw}”无效，应为 12345热线、网格巡查、视频告警、居民上报或上级交办"
                ),
                format!(
                    "channel {raw:?} is not one of hotline, patrol, camera, resident, referral"
                ),
            );
            None
        }),
    };
    let external_id = c.text(
        "external_id",
        request.external_id.as_ref(),
        MAX_EXTERNAL_ID_CHARS,
    );
    if external_id.is_none()
        && channel.is_some_and(Channel::carries_order_number)
        && request
            .external_id
            .as_deref()
            .is_none_or(|v| v.trim().is_empty())
    {
        c.missing("external_id");
    }
    let category = match request.category.as_deref().map(str::trim) {
        None | Some("") => {
            c.missing("category");
            None
        }
        Some(raw) => {
            let found = c.catalogue.find(raw).map(|cat| cat.code.clone());
            if found.is_none() {
                c.problem(
                    "category",
                    "UNKNOWN_CATEGORY",
                    format!("问题类别“{raw}”不在分类目录中"),
                    format!("category {raw:?} is not in the catalogue"),
                );
            }
            found
        }
    };
    let description = c.text(
        "description",
        request.description.as_ref(),
        MAX_DESCRIPTION_CHARS,
    );
    if description.is_none()
        && request
            .description
            .as_deref()
            .is_none_or(|v| v.trim().is_empty())
    {
        c.missing("description");
    }
    let address = c.text("address", request.address.as_ref(), MAX_ADDRESS_CHARS);
    let location = c.location(request, address.as_ref(), hierarchy);
    let reporter_name = c.text(
        "reporter_name",
        request.reporter_name.as_ref(),
        MAX_NAME_CHARS,
    );
    // Full-width digits are digits (`１３８…`).
    let phone_text = request
        .reporter_phone
        .as_deref()
        .map(|p| crate::text::fold_width(p).into_owned());
    let reporter_phone = c.text("reporter_phone", phone_text.as_ref(), MAX_PHONE_CHARS);
    // 12345 exports mask the middle digits (138****1234), so `*` counts as a digit; two numbers
    // are written with a separator, an extension after 转.
    if let Some(phone) = &reporter_phone
        && !phone.chars().all(|ch| {
            ch.is_ascii_digit()
                || matches!(
                    ch,
                    '+' | '-' | ' ' | '(' | ')' | '*' | '/' | ',' | ';' | '、' | '转'
                )
        })
    {
        c.problem(
            "reporter_phone",
            "INVALID_PHONE",
            format!("联系电话“{phone}”只能包含数字、空格、分隔符 / , ; 、和 + - ( ) * 转"),
            format!(
                "reporter_phone {phone:?} may only hold digits, spaces, separators / , ; 、 and + - ( ) * 转"
            ),
        );
    }
    let urgency = match request.urgency.as_deref() {
        None => Some(Urgency::Normal),
        Some(raw) => Urgency::parse(raw).or_else(|| {
            c.problem(
                "urgency",
                "INVALID_URGENCY",
                format!("紧急程度“{raw}”无效，应为 一般 或 紧急"),
                format!("urgency {raw:?} must be normal or urgent"),
            );
            None
        }),
    };
    let received_at = c.received_at(request.received_at.as_deref(), now);
    let source_ref = c.text(
        "source_ref",
        request.source_ref.as_ref(),
        MAX_SOURCE_REF_CHARS,
    );
    let snapshot = request.snapshot.as_deref().map(str::trim).and_then(|id| {
        let is_digest =
            id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !is_digest {
            c.problem(
                "snapshot",
                "INVALID_SNAPSHOT",
                "告警截图编号无效，应为 64 位十六进制 SHA-256".to_owned(),
                format!("snapshot {id:?} is not a hex SHA-256"),
            );
        }
        is_digest.then(|| id.to_owned())
    });
    match (
        channel,
        category,
        description,
        location,
        urgency,
        received_at,
    ) {
        (
            Some(channel),
            Some(category),
            Some(description),
            Some(location),
            Some(urgency),
            Some(received_at),
        ) if c.problems.is_empty() => Ok(Intake {
            channel,
            external_id,
            category,
            description,
            location,
            address,
            reporter_name,
            reporter_phone,
            urgency,
            received_at,
            source_ref,
            snapshot,
        }),
        _ => Err(c.problems),
    }
}
