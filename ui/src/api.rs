//! Client of the `binhe-server` HTTP API (same origin; the session cookie travels by itself).
//!
//! Every call returns `Result<_, ApiError>`: server errors keep the server's code and its
//! Chinese/English messages, network and decoding failures get a code of their own, so the
//! UI can always show the user what went wrong.

pub mod auth;
pub mod devices;
pub mod kpi;
pub mod tickets;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use gloo_net::http::{Request, Response};
use js_sys::JsString;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Msg};

/// `[min_lon, min_lat, max_lon, max_lat]` in WGS84.
pub type Bbox = [f64; 4];

/// Grid hierarchy level, as the server spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Street,
    Community,
    Micro,
    Unit,
}

impl Level {
    /// The level's display name.
    pub fn label(self) -> Msg {
        match self {
            Level::Street => Msg::LevelStreet,
            Level::Community => Msg::LevelCommunity,
            Level::Micro => Msg::LevelMicro,
            Level::Unit => Msg::LevelUnit,
        }
    }

    /// Short stable name used in CSS classes and map filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Street => "street",
            Level::Community => "community",
            Level::Micro => "micro",
            Level::Unit => "unit",
        }
    }
}

/// `GET /api/summary`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Summary {
    pub street_name: String,
    pub street_name_en: String,
    pub communities: u64,
    pub micro_grids: u64,
    #[serde(default)]
    pub units: u64,
    pub population: u64,
    pub full_time_workers: u64,
    pub part_time_workers: u64,
    pub cameras: u64,
    pub checkpoints: u64,
    #[serde(default)]
    pub door_access_units: u64,
    pub synthetic: bool,
}

/// A node of `GET /api/grids/tree`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TreeNode {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub level: Level,
    #[serde(default)]
    pub children: Vec<Arc<TreeNode>>,
}

/// The parent reference inside a grid detail.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct GridRef {
    pub code: String,
    pub name: String,
    pub name_en: String,
}

/// Employment kind of a grid worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerKind {
    FullTime,
    PartTime,
}

impl WorkerKind {
    pub fn label(self) -> Msg {
        match self {
            WorkerKind::FullTime => Msg::WorkerFullTime,
            WorkerKind::PartTime => Msg::WorkerPartTime,
        }
    }
}

/// A worker responsible for a grid.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Worker {
    pub name: String,
    pub kind: WorkerKind,
    pub role: String,
    pub role_en: String,
    pub phone: String,
}

/// `GET /api/grids/{code}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct GridDetail {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub level: Level,
    pub parent: Option<GridRef>,
    pub area_m2: f64,
    pub population: u64,
    pub synthetic: bool,
    pub kind: Option<String>,
    pub children_count: u64,
    pub bbox: Bbox,
    #[serde(default)]
    pub workers: Vec<Worker>,
}

/// One hit of `GET /api/grids/search`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SearchHit {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub level: Level,
    pub parent_name: Option<String>,
    /// Not in the contract yet; used when the server sends it.
    #[serde(default)]
    pub parent_name_en: Option<String>,
    pub bbox: Bbox,
}

/// Display text of a micro-grid `kind` from the API (`street_lane` / `compound`).
pub fn kind_label(kind: &str) -> Option<Msg> {
    match kind {
        "street_lane" => Some(Msg::KindStreetLane),
        "compound" => Some(Msg::KindCompound),
        _ => None,
    }
}

/// Error code of a grid that does not exist (any more).
pub const GRID_NOT_FOUND: &str = "GRID_NOT_FOUND";

/// An error to show to the user: the server's own, or one the client made up.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
    /// What is wrong with a rejected grid file (`GRID_IMPORT_REJECTED`, feature by feature) or
    /// a rejected ticket intake (`INTAKE_REJECTED`, field by field).
    #[serde(default)]
    pub problems: Vec<Problem>,
    /// The ticket as it is now, sent with a refused action (409).
    #[serde(default)]
    pub ticket: Option<Box<tickets::Ticket>>,
    /// The request field a 400 is about (`BAD_REQUEST` of the account and desktop APIs).
    #[serde(default)]
    pub field: Option<String>,
    /// How long to wait before trying again (`LOGIN_THROTTLED`).
    #[serde(default)]
    pub retry_after_s: Option<u64>,
    /// HTTP status of a server error; `None` for errors the client found.
    #[serde(skip)]
    pub status: Option<u16>,
}

/// One problem the server found in a grid file or an intake request; nothing was stored.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Problem {
    /// Zero-based position in the file's `features`; `None` for a problem of the whole file.
    pub feature_index: Option<u64>,
    /// The feature's grid code as written, when it has one.
    pub grid_code: Option<String>,
    /// The intake field the problem is about.
    pub field: Option<String>,
    /// Stable English code, e.g. `NOT_POLYGON`.
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

impl Problem {
    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.message_zh, &self.message_en)
    }
}

/// `POST /api/grids/import` answered 200.
#[derive(Deserialize)]
struct Imported {
    summary: Summary,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ApiError,
}

impl ApiError {
    /// An error the UI found, from a fixed text and an optional detail (kept as is).
    pub fn local(code: &str, msg: Msg, detail: &str) -> Self {
        let with_detail = |text: &str| {
            if detail.is_empty() {
                text.to_owned()
            } else {
                format!("{text}：{detail}")
            }
        };
        Self::client(
            code,
            with_detail(msg.text(Lang::Zh)),
            with_detail(msg.text(Lang::En)),
        )
    }

    /// An error the UI itself found, worded in both languages.
    pub fn client(code: &str, message_zh: String, message_en: String) -> Self {
        ApiError {
            code: code.to_owned(),
            message_zh,
            message_en,
            problems: Vec::new(),
            ticket: None,
            field: None,
            retry_after_s: None,
            status: None,
        }
    }

    /// The request did not reach the server or got no answer.
    pub fn network(detail: &str) -> Self {
        Self::local("NETWORK_ERROR", Msg::ErrorNetwork, detail)
    }

    /// The answer was not what the contract says.
    pub fn bad_response(detail: &str) -> Self {
        Self::local("BAD_RESPONSE", Msg::ErrorBadResponse, detail)
    }

    /// The map library could not start.
    pub fn map_unavailable(detail: &str) -> Self {
        Self::local("MAP_UNAVAILABLE", Msg::ErrorMapUnavailable, detail)
    }

    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.message_zh, &self.message_en)
    }

    /// The server asks for a login: there is no session, or it has ended.
    pub fn is_signed_out(&self) -> bool {
        self.status == Some(401) && matches!(self.code.as_str(), AUTH_REQUIRED | SESSION_EXPIRED)
    }
}

/// No session (never logged in, logged out, or a token that is not a live session).
pub const AUTH_REQUIRED: &str = "AUTH_REQUIRED";
/// The session has run out (12 hours after login).
pub const SESSION_EXPIRED: &str = "SESSION_EXPIRED";

/// Told about every answer that says the session is gone (see [`on_signed_out`]).
type SignedOutHandler = Rc<dyn Fn(&ApiError)>;

thread_local! {
    static SIGNED_OUT: RefCell<Option<SignedOutHandler>> = RefCell::new(None);
}

/// Calls `f` whenever any API call is answered 401 `AUTH_REQUIRED` or `SESSION_EXPIRED`, so
/// the login page comes up wherever the session was found gone.
pub fn on_signed_out(f: impl Fn(&ApiError) + 'static) {
    SIGNED_OUT.with(|cell| *cell.borrow_mut() = Some(Rc::new(f)));
}

fn signed_out(error: &ApiError) {
    // Cloned out first: the handler may well make requests of its own.
    if let Some(f) = SIGNED_OUT.with(|cell| cell.borrow().clone()) {
        f(error);
    }
}

async fn send(request: Result<Request, gloo_net::Error>, url: &str) -> Result<Response, ApiError> {
    let resp = request
        .map_err(|e| ApiError::network(&e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiError::network(&e.to_string()))?;
    if resp.ok() {
        return Ok(resp);
    }
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let mut error = serde_json::from_str::<ErrorBody>(&text).map_or_else(
        |_| ApiError::bad_response(&format!("HTTP {status} {url}")),
        |body| body.error,
    );
    error.status = Some(status);
    if error.is_signed_out() {
        signed_out(&error);
    }
    Err(error)
}

async fn read_json<T: DeserializeOwned>(resp: Response, url: &str) -> Result<T, ApiError> {
    let text = resp
        .text()
        .await
        .map_err(|e| ApiError::network(&e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| ApiError::bad_response(&format!("{url}: {e}")))
}

async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    read_json(send(Request::get(url).build(), url).await?, url).await
}

async fn post_json<B: Serialize + ?Sized, T: DeserializeOwned>(
    url: &str,
    body: &B,
) -> Result<T, ApiError> {
    read_json(send(Request::post(url).json(body), url).await?, url).await
}

async fn put_json<B: Serialize + ?Sized, T: DeserializeOwned>(
    url: &str,
    body: &B,
) -> Result<T, ApiError> {
    read_json(send(Request::put(url).json(body), url).await?, url).await
}

async fn patch_json<B: Serialize + ?Sized, T: DeserializeOwned>(
    url: &str,
    body: &B,
) -> Result<T, ApiError> {
    read_json(send(Request::patch(url).json(body), url).await?, url).await
}

/// The raw body of a successful GET, for GeoJSON that goes to the map unchanged.
pub async fn get_text(url: &str) -> Result<String, ApiError> {
    send(Request::get(url).build(), url)
        .await?
        .text()
        .await
        .map_err(|e| ApiError::network(&e.to_string()))
}

pub async fn summary() -> Result<Summary, ApiError> {
    get_json("/api/summary").await
}

pub async fn tree() -> Result<TreeNode, ApiError> {
    get_json("/api/grids/tree").await
}

pub async fn grid(code: &str) -> Result<GridDetail, ApiError> {
    get_json(&format!("/api/grids/{}", encode_component(code))).await
}

pub async fn search(query: &str) -> Result<Vec<SearchHit>, ApiError> {
    get_json(&format!("/api/grids/search?q={}", encode_component(query))).await
}

/// Replaces every grid with those of a GeoJSON file (`text`, kept as a JavaScript string so a
/// large file is not copied through wasm memory). All or nothing: on `GRID_IMPORT_REJECTED`
/// the error lists the problems and the server has changed nothing.
pub async fn import_grids(text: &JsString, file_name: &str) -> Result<Summary, ApiError> {
    const URL: &str = "/api/grids/import";
    let request = Request::post(URL)
        .header("content-type", "application/geo+json; charset=utf-8")
        .header("x-file-name", &header_safe(file_name))
        .body(text.clone());
    let imported: Imported = read_json(send(request, URL).await?, URL).await?;
    Ok(imported.summary)
}

/// URL paths of the two GeoJSON layers.
pub const GRIDS_GEOJSON: &str = "/api/grids.geojson";
pub const BASEMAP_GEOJSON: &str = "/api/basemap.geojson";
pub const DEVICES_GEOJSON: &str = "/api/devices.geojson";

/// Percent-encodes a query or path component (UTF-8), so Chinese names search correctly.
fn encode_component(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A file name as an HTTP header value: printable ASCII names as they are, others (Chinese
/// names) percent-encoded, since `fetch` refuses header values beyond Latin-1.
fn header_safe(name: &str) -> String {
    if name.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        name.to_owned()
    } else {
        encode_component(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_query_is_percent_encoded() {
        assert_eq!(encode_component("滨河 1"), "%E6%BB%A8%E6%B2%B3%201");
        assert_eq!(encode_component("110117001"), "110117001");
    }

    #[test]
    fn server_error_body_keeps_both_messages() {
        let body = r#"{"error":{"code":"GRID_NOT_FOUND","message_zh":"未找到网格","message_en":"Grid not found","code_given":"1"}}"#;
        let e = serde_json::from_str::<ErrorBody>(body).unwrap().error;
        assert_eq!(e.code, "GRID_NOT_FOUND");
        assert_eq!(e.message(Lang::Zh), "未找到网格");
        assert_eq!(e.message(Lang::En), "Grid not found");
    }

    #[test]
    fn chinese_file_names_travel_percent_encoded() {
        assert_eq!(header_safe("survey 2026.geojson"), "survey 2026.geojson");
        assert_eq!(header_safe("测绘.json"), "%E6%B5%8B%E7%BB%98.json");
    }

    #[test]
    fn rejected_import_lists_every_problem() {
        let body = r#"{"error":{"code":"GRID_IMPORT_REJECTED","message_zh":"网格文件未导入：发现 2 个问题，现有数据未作任何改动",
            "message_en":"the grid file was rejected: 2 problem(s)","problems":[
            {"feature_index":21,"grid_code":"110117001001006","code":"NOT_POLYGON","message_zh":"几何类型为 Point","message_en":"geometry is Point"},
            {"feature_index":null,"grid_code":null,"code":"STREET_COUNT","message_zh":"街道","message_en":"street"}]}}"#;
        let e = serde_json::from_str::<ErrorBody>(body).unwrap().error;
        assert_eq!(e.problems.len(), 2);
        assert_eq!(e.problems[0].feature_index, Some(21));
        assert_eq!(e.problems[0].message(Lang::En), "geometry is Point");
        assert_eq!(e.problems[1].grid_code, None);
    }

    #[test]
    fn grid_detail_matches_the_contract() {
        let body = r#"{"code":"110117001001001","name":"滨河一巷","name_en":"Binhe Lane 1","level":"micro",
            "parent":{"code":"110117001001000","name":"社区","name_en":"Community"},"area_m2":1234.5,
            "population":321,"synthetic":true,"kind":"street_lane","children_count":4,
            "bbox":[117.1,40.1,117.2,40.2],"workers":[{"id":7,"name":"王芳","kind":"full_time",
            "role":"专职网格员","role_en":"Full-time grid worker","phone":"010-0000"}]}"#;
        let d: GridDetail = serde_json::from_str(body).unwrap();
        assert_eq!(d.level, Level::Micro);
        assert_eq!(d.workers[0].kind, WorkerKind::FullTime);
        assert_eq!(d.parent.unwrap().code, "110117001001000");
    }
}
