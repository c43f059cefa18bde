//! Client of the `binhe-server` HTTP API (same origin; the session cookie travels by itself).
//! Every request and answer is a type of the wire contract (`binhe_api`), the same the server
//! builds its answers from; this module only sends them.
//!
//! Every call returns `Result<_, ApiError>`: server errors keep the server's code and its
//! Chinese/English messages, network and decoding failures get a code of their own, so the
//! UI can always show the user what went wrong.

pub mod auth;
pub mod basemap;
pub mod circles;
pub mod devices;
pub mod diary;
pub mod exports;
pub mod hotspots;
pub mod kpi;
pub mod open311;
pub mod projects;
pub mod replay;
pub mod texts;
pub mod tickets;
pub mod training;

use std::cell::RefCell;
use std::ops::Deref;
use std::rc::Rc;

pub use binhe_api::Bbox;
use binhe_api::error::{ErrorBody, ErrorDetail, code};
use binhe_api::grids::{
    GRIDS_IMPORT, GRIDS_IMPORT_PREVIEW, GridDetail, GridsImported, SearchHit, Summary,
    SurveyPreview, SurveyUpload, TreeNode,
};
pub use binhe_api::query::encode_component;
use gloo_net::http::{Request, Response};
use js_sys::JsString;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

use crate::i18n::{Lang, Msg};

/// An error to show to the user: the server's own refusal, or one the client found, in the
/// contract's form.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub detail: ErrorDetail,
    /// HTTP status of a server error; `None` for errors the client found.
    pub status: Option<u16>,
}

impl Deref for ApiError {
    type Target = ErrorDetail;

    fn deref(&self) -> &ErrorDetail {
        &self.detail
    }
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
            detail: ErrorDetail::new(code, message_zh, message_en),
            status: None,
        }
    }

    /// The request did not reach the server or got no answer.
    pub fn network(detail: &str) -> Self {
        Self::local(NETWORK_ERROR, Msg::ErrorNetwork, detail)
    }

    /// The request did not reach the server or got no answer (not a refusal): the terminal
    /// is cut off from the center.
    pub fn is_network(&self) -> bool {
        self.status.is_none() && self.code == NETWORK_ERROR
    }

    /// Kept in the terminal's outbox while the center cannot be reached; sent when it answers.
    pub fn queued() -> Self {
        Self::local(QUEUED_OFFLINE, Msg::OfflineQueuedAction, "")
    }

    pub fn is_queued(&self) -> bool {
        self.status.is_none() && self.code == QUEUED_OFFLINE
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
        self.status == Some(401)
            && matches!(
                self.code.as_str(),
                code::AUTH_REQUIRED | code::SESSION_EXPIRED
            )
    }

    /// What a refusal's body says.
    fn from_body(text: &str, status: u16, url: &str) -> Self {
        let detail = serde_json::from_str::<ErrorBody>(text).map_or_else(
            |_| ApiError::bad_response(&format!("HTTP {status} {url}")).detail,
            |body| body.error,
        );
        ApiError {
            detail,
            status: Some(status),
        }
    }
}

/// The code of a request that got no answer (the client's own, never the server's).
const NETWORK_ERROR: &str = "NETWORK_ERROR";
/// The code of an action kept in the outbox to be sent later (the client's own).
const QUEUED_OFFLINE: &str = "QUEUED_OFFLINE";

/// Told about every answer that says the session is gone (see [`on_signed_out`]).
type SignedOutHandler = Rc<dyn Fn(&ApiError)>;
/// Told whether each request reached the server (see [`on_reach`]).
type ReachHandler = Rc<dyn Fn(bool)>;

thread_local! {
    static SIGNED_OUT: RefCell<Option<SignedOutHandler>> = RefCell::new(None);
    static REACH: RefCell<Option<ReachHandler>> = RefCell::new(None);
    /// The answer that said the session is gone, until a call is answered again: meanwhile
    /// the panels' calls are answered with it here and not sent (see [`still_sent`]).
    static HELD: RefCell<Option<ApiError>> = const { RefCell::new(None) };
}

/// Whether the session is known to be gone: the login page is up, and every call but those of
/// [`still_sent`] is answered with the refusal without being sent.
pub fn signed_out_held() -> bool {
    HELD.with(|held| held.borrow().is_some())
}

/// The calls that still go out once the session is known gone: asking for the session,
/// logging in and out, the desktop's choice of server. Every other call would only be
/// refused again — the panels' polling would send a 401 every few seconds.
fn still_sent(url: &str) -> bool {
    ["/api/session", "/api/login", "/api/logout", "/api/desktop/"]
        .iter()
        .any(|path| url.starts_with(path))
}

/// Calls `f(true)` whenever the server answered a request (any status), `f(false)` whenever a
/// request got no answer at all: how the terminal knows it is cut off from the center.
pub fn on_reach(f: impl Fn(bool) + 'static) {
    REACH.with(|cell| *cell.borrow_mut() = Some(Rc::new(f)));
}

fn reached(answered: bool) {
    if let Some(f) = REACH.with(|cell| cell.borrow().clone()) {
        f(answered);
    }
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

/// The answer `js/early.js` asked for at `url` while the wasm was on its way, the first time
/// the app asks for that path with a GET (taken out, so a reload asks the server again).
fn early(url: &str, request: &Request) -> Option<js_sys::Promise> {
    if request.method() != gloo_net::http::Method::GET {
        return None;
    }
    let asked = js_sys::Reflect::get(&leptos::prelude::window(), &JsValue::from_str("binheEarly"))
        .ok()
        .filter(JsValue::is_object)?;
    let key = JsValue::from_str(url);
    let answer = js_sys::Reflect::get(&asked, &key)
        .ok()?
        .dyn_into::<js_sys::Promise>()
        .ok()?;
    let _ = js_sys::Reflect::delete_property(asked.unchecked_ref::<js_sys::Object>(), &key);
    Some(answer)
}

async fn send(request: Result<Request, gloo_net::Error>, url: &str) -> Result<Response, ApiError> {
    if let Some(held) = HELD.with(|held| held.borrow().clone())
        && !still_sent(url)
    {
        return Err(held);
    }
    let request = request.map_err(|e| ApiError::network(&e.to_string()))?;
    let sent = match early(url, &request) {
        Some(answer) => wasm_bindgen_futures::JsFuture::from(answer)
            .await
            .map(|raw| Response::from(raw.unchecked_into::<web_sys::Response>()))
            .map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}"))),
        None => request.send().await.map_err(|e| e.to_string()),
    };
    let resp = sent.map_err(|e| {
        reached(false);
        ApiError::network(&e)
    })?;
    reached(true);
    if resp.ok() {
        HELD.with(|held| held.borrow_mut().take());
        return Ok(resp);
    }
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let error = ApiError::from_body(&text, status, url);
    if error.is_signed_out() {
        HELD.with(|held| *held.borrow_mut() = Some(error.clone()));
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

/// A POST with an `Idempotency-Key`: sent again with the same key, it is done once.
async fn post_keyed<B: Serialize + ?Sized, T: DeserializeOwned>(
    url: &str,
    body: &B,
    key: &str,
) -> Result<T, ApiError> {
    let request = Request::post(url)
        .header(binhe_api::IDEMPOTENCY_KEY_HEADER, key)
        .json(body);
    read_json(send(request, url).await?, url).await
}

/// Sends a request the terminal kept (JSON `body` text) with its `Idempotency-Key`; answers the
/// body of a 2xx answer.
pub async fn send_kept(method: &str, url: &str, body: &str, key: &str) -> Result<String, ApiError> {
    let builder = match method {
        "PUT" => Request::put(url),
        "PATCH" => Request::patch(url),
        _ => Request::post(url),
    };
    let request = builder
        .header("content-type", "application/json")
        .header(binhe_api::IDEMPOTENCY_KEY_HEADER, key)
        .body(body.to_owned());
    send(request, url)
        .await?
        .text()
        .await
        .map_err(|e| ApiError::network(&e.to_string()))
}

/// Whether the center answers at all (`/api/health`).
pub async fn health() -> Result<binhe_api::grids::ServerHealth, ApiError> {
    get_json("/api/health").await
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
    let request = Request::post(GRIDS_IMPORT)
        .header("content-type", "application/geo+json; charset=utf-8")
        .header("x-file-name", &header_safe(file_name))
        .body(text.clone());
    let imported: GridsImported =
        read_json(send(request, GRIDS_IMPORT).await?, GRIDS_IMPORT).await?;
    Ok(imported.summary)
}

/// A survey read, mapped and checked by the server; nothing is stored.
pub async fn preview_survey(upload: &SurveyUpload) -> Result<SurveyPreview, ApiError> {
    post_json(GRIDS_IMPORT_PREVIEW, upload).await
}

/// Replaces the grids with a survey, all or nothing (the same body as its preview).
pub async fn import_survey(upload: &SurveyUpload) -> Result<Summary, ApiError> {
    let imported: GridsImported = post_json(GRIDS_IMPORT, upload).await?;
    Ok(imported.summary)
}

fn xhr_failed(e: &wasm_bindgen::JsValue) -> ApiError {
    ApiError::network(&e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// Sends `file` as the body of `method url` (named in `x-file-name` if `named`) and reads the
/// answer; `progress(sent, total)` follows the upload, which only `XMLHttpRequest` reports. The
/// browser streams the file from disk: it never passes through wasm memory.
pub async fn upload_file<T: DeserializeOwned>(
    method: &str,
    url: &str,
    file: &web_sys::File,
    named: bool,
    progress: impl Fn(f64, f64) + 'static,
) -> Result<T, ApiError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;
    use web_sys::{ProgressEvent, XmlHttpRequest};

    let xhr = XmlHttpRequest::new().map_err(|e| xhr_failed(&e))?;
    xhr.open(method, url).map_err(|e| xhr_failed(&e))?;
    if named {
        xhr.set_request_header("x-file-name", &header_safe(&file.name()))
            .map_err(|e| xhr_failed(&e))?;
    }
    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        progress(e.loaded(), e.total());
    });
    xhr.upload()
        .map_err(|e| xhr_failed(&e))?
        .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_onabort(Some(&reject));
    });
    xhr.send_with_opt_blob(Some(file))
        .map_err(|e| xhr_failed(&e))?;
    let finished = wasm_bindgen_futures::JsFuture::from(done).await;
    drop(on_progress);
    if finished.is_err() {
        return Err(ApiError::network("the upload broke off"));
    }
    let status = xhr.status().unwrap_or(0);
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    if (200..300).contains(&status) {
        return serde_json::from_str(&text)
            .map_err(|e| ApiError::bad_response(&format!("{url}: {e}")));
    }
    let error = ApiError::from_body(&text, status, url);
    if error.is_signed_out() {
        signed_out(&error);
    }
    Err(error)
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
    fn server_error_body_keeps_both_messages() {
        let body = r#"{"error":{"code":"GRID_NOT_FOUND","message_zh":"未找到网格","message_en":"Grid not found"}}"#;
        let e = ApiError::from_body(body, 404, "/api/grids/1");
        assert_eq!(e.code, "GRID_NOT_FOUND");
        assert_eq!(e.message(Lang::Zh), "未找到网格");
        assert_eq!(e.message(Lang::En), "Grid not found");
        assert_eq!(e.status, Some(404));
    }

    #[test]
    fn an_answer_that_is_not_the_error_body_is_named_as_such() {
        let e = ApiError::from_body("<html>502</html>", 502, "/api/summary");
        assert_eq!(e.code, "BAD_RESPONSE");
        assert!(e.message(Lang::En).contains("HTTP 502 /api/summary"));
    }

    #[test]
    fn only_a_refused_session_signs_out() {
        let e = |code: &str, status| {
            ApiError::from_body(
                &format!(r#"{{"error":{{"code":"{code}","message_zh":"甲","message_en":"a"}}}}"#),
                status,
                "/api/x",
            )
        };
        assert!(e("AUTH_REQUIRED", 401).is_signed_out());
        assert!(e("SESSION_EXPIRED", 401).is_signed_out());
        assert!(!e("LOGIN_FAILED", 401).is_signed_out());
        assert!(!e("OUT_OF_SCOPE", 403).is_signed_out());
    }

    #[test]
    fn chinese_file_names_travel_percent_encoded() {
        assert_eq!(header_safe("survey 2026.geojson"), "survey 2026.geojson");
        assert_eq!(header_safe("测绘.json"), "%E6%B5%8B%E7%BB%98.json");
    }
}

#[cfg(test)]
mod early_tests {
    use binhe_api::basemap::BASEMAP;
    use binhe_api::grids::{BASEMAP_GEOJSON, DEVICES_GEOJSON, GRIDS_GEOJSON};
    use binhe_api::tickets::TICKETS_GEOJSON;

    /// Every path `js/early.js` asks for is one the app asks for at start, so none is asked for
    /// twice nor in vain: the session, the map's data (see `map::view::FirstData`) and the queue.
    #[test]
    fn early_paths_are_the_apps() {
        let script = include_str!("../js/early.js");
        let mut asked: Vec<String> = script
            .split('\'')
            .skip(1)
            .step_by(2)
            .filter(|s| s.starts_with("/api/"))
            .map(str::to_owned)
            .collect();
        asked.sort();
        let mut apps = vec![
            "/api/session".to_owned(),
            GRIDS_GEOJSON.to_owned(),
            BASEMAP_GEOJSON.to_owned(),
            TICKETS_GEOJSON.to_owned(),
            DEVICES_GEOJSON.to_owned(),
            BASEMAP.to_owned(),
            super::tickets::open_tickets_path(),
        ];
        apps.sort();
        assert_eq!(asked, apps);
    }
}
