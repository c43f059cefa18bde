//! Downloading an export (`docs/api-tickets.md`, issue 14): the browser receives the file into a
//! `Blob` (it never passes through wasm memory) while the terminal asks the server how many
//! rows it has written (`GET /api/exports/{token}`, the contract's [`ExportProgress`]); the
//! file is then saved under the name the server gave it (`Content-Disposition`).

use std::cell::Cell;
use std::rc::Rc;

use binhe_api::query::encode_component;
use binhe_api::tickets::{EXPORT_PROGRESS, EXPORT_PROGRESS_TOKEN, ExportProgress};
use js_sys::Promise;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, HtmlAnchorElement, ProgressEvent, Url, XmlHttpRequest, XmlHttpRequestResponseType,
};

use super::{ApiError, get_json, signed_out};
use crate::i18n::Msg;

/// How often the progress is asked for while the file arrives.
pub const POLL_MS: i32 = 300;

/// Where an export stands, as the progress bar shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Progress {
    /// The server's count of rows written and rows in all, once it has answered.
    pub rows: Option<ExportProgress>,
    /// Bytes received so far (the fallback when the server does not report rows).
    pub bytes: u64,
}

/// A progress token: 16 characters of `A–Z a–z 0–9`, as the contract allows
/// ([`EXPORT_PROGRESS_TOKEN`]). Not a secret: only the account that started the export may
/// read its progress.
pub fn new_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let token: String = (0..16)
        .map(|_| {
            // `random()` is in [0, 1): the index stays below the alphabet's length.
            let i = (js_sys::Math::random() * ALPHABET.len() as f64) as usize;
            char::from(ALPHABET[i.min(ALPHABET.len() - 1)])
        })
        .collect();
    debug_assert!(EXPORT_PROGRESS_TOKEN.contains(&token.len()));
    token
}

/// `url` with `key=value` added to its query.
pub fn with_param(url: &str, key: &str, value: &str) -> String {
    let joint = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joint}{key}={}", encode_component(value))
}

/// The file name in a `Content-Disposition` header: `filename*=UTF-8''…` (percent-encoded,
/// how the server names Chinese files) before a plain `filename="…"`.
pub fn file_name(disposition: &str) -> Option<String> {
    let params = || disposition.split(';').map(str::trim);
    let extended = params().find_map(|p| {
        let (key, value) = p.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("filename*") {
            return None;
        }
        let (charset, rest) = value.trim().split_once('\'')?;
        let (_, encoded) = rest.split_once('\'')?;
        charset
            .eq_ignore_ascii_case("utf-8")
            .then(|| percent_decode(encoded))
            .flatten()
    });
    extended
        .or_else(|| {
            params().find_map(|p| {
                let (key, value) = p.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("filename")
                    .then(|| value.trim().trim_matches('"').to_owned())
            })
        })
        // A name is a name, never a path.
        .map(|name| {
            name.rsplit(['/', '\\'])
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .filter(|name| !name.is_empty())
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn failed(e: &JsValue) -> ApiError {
    ApiError::network(&e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// Waits `ms` milliseconds.
async fn sleep(ms: i32) {
    let wait = Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .expect("a window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(wait).await;
}

/// Downloads `url` and saves it. With `follow`, a progress token is added to the URL and the
/// server is asked for the rows written every [`POLL_MS`] until the file is in (a server
/// without the progress route answers 404 and only the bytes are shown). `progress` hears
/// every change. Returns the name the file was saved under.
pub async fn download(
    url: &str,
    follow: bool,
    fallback_name: &str,
    progress: impl Fn(Progress) + 'static,
) -> Result<String, ApiError> {
    let token = follow.then(new_token);
    let url = match &token {
        Some(token) => with_param(url, "progress", token),
        None => url.to_owned(),
    };
    let progress = Rc::new(progress);
    let state = Rc::new(Cell::new(Progress::default()));
    let finished = Rc::new(Cell::new(false));

    let xhr = XmlHttpRequest::new().map_err(|e| failed(&e))?;
    xhr.open("GET", &url).map_err(|e| failed(&e))?;
    xhr.set_response_type(XmlHttpRequestResponseType::Blob);
    let on_progress = {
        let (progress, state) = (progress.clone(), state.clone());
        Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
            let mut now = state.get();
            now.bytes = e.loaded() as u64;
            state.set(now);
            progress(now);
        })
    };
    xhr.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    let done = Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_onabort(Some(&reject));
    });
    xhr.send().map_err(|e| failed(&e))?;

    if let Some(token) = token.clone() {
        let (progress, state, finished) = (progress.clone(), state.clone(), finished.clone());
        let path = EXPORT_PROGRESS.replace("{token}", &token);
        wasm_bindgen_futures::spawn_local(async move {
            // The export may not have started on the server at the first ask: a 404 then is
            // tried again a few times before the route is taken to be absent.
            let mut misses = 0;
            while !finished.get() {
                match get_json::<ExportProgress>(&path).await {
                    Ok(rows) => {
                        misses = 0;
                        if finished.get() {
                            break;
                        }
                        let mut now = state.get();
                        now.rows = Some(rows);
                        state.set(now);
                        progress(now);
                        if rows.done {
                            break;
                        }
                    }
                    Err(e) if e.status == Some(404) && misses < 5 => misses += 1,
                    Err(_) => break,
                }
                sleep(POLL_MS).await;
            }
        });
    }

    let loaded = JsFuture::from(done).await;
    finished.set(true);
    drop(on_progress);
    if loaded.is_err() {
        return Err(ApiError::local("NETWORK_ERROR", Msg::ExportBrokeOff, ""));
    }
    let status = xhr.status().unwrap_or(0);
    let blob: Blob = xhr
        .response()
        .map_err(|e| failed(&e))?
        .dyn_into()
        .map_err(|_| ApiError::bad_response(&url))?;
    if !(200..300).contains(&status) {
        let text = JsFuture::from(blob.text())
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default();
        let error = ApiError::from_body(&text, status, &url);
        if error.is_signed_out() {
            signed_out(&error);
        }
        return Err(error);
    }
    // The last word: every row is in.
    let mut last = state.get();
    last.bytes = last.bytes.max(blob.size() as u64);
    if let Some(rows) = &mut last.rows {
        rows.written = rows.total.max(rows.written);
        rows.done = true;
    }
    progress(last);

    let name = xhr
        .get_response_header("content-disposition")
        .ok()
        .flatten()
        .and_then(|d| file_name(&d))
        .unwrap_or_else(|| fallback_name.to_owned());
    save(&blob, &name)?;
    Ok(name)
}

/// Saves `blob` as `name` the way a browser saves a link with `download`.
fn save(blob: &Blob, name: &str) -> Result<(), ApiError> {
    let href = Url::create_object_url_with_blob(blob).map_err(|e| failed(&e))?;
    let document = leptos::prelude::document();
    let link: HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| failed(&e))?
        .unchecked_into();
    link.set_href(&href);
    link.set_download(name);
    link.set_attribute("hidden", "").map_err(|e| failed(&e))?;
    let body = document
        .body()
        .ok_or_else(|| ApiError::local("SAVE_FAILED", Msg::ExportSaveFailed, name))?;
    body.append_child(&link).map_err(|e| failed(&e))?;
    link.click();
    link.remove();
    // The browser has taken the file once the click is handled; the URL goes a minute later.
    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&href);
    });
    let _ = web_sys::window()
        .expect("a window")
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_utf8_name_wins_over_the_plain_one() {
        assert_eq!(
            file_name(
                "attachment; filename=\"tickets.csv\"; filename*=UTF-8''%E5%B7%A5%E5%8D%95.csv"
            )
            .as_deref(),
            Some("工单.csv")
        );
        assert_eq!(
            file_name("attachment; filename=\"grids.geojson\"").as_deref(),
            Some("grids.geojson")
        );
        assert_eq!(
            file_name("attachment; filename=a.zip").as_deref(),
            Some("a.zip")
        );
    }

    #[test]
    fn a_name_is_never_a_path_and_never_empty() {
        assert_eq!(
            file_name("attachment; filename=\"../../etc/x.csv\"").as_deref(),
            Some("x.csv")
        );
        assert_eq!(file_name("attachment; filename=\"\""), None);
        assert_eq!(file_name("attachment"), None);
        // A broken escape falls back to the plain name.
        assert_eq!(
            file_name("attachment; filename*=UTF-8''%E5%B7; filename=\"t.csv\"").as_deref(),
            Some("t.csv")
        );
    }

    #[test]
    fn parameters_join_the_query_encoded() {
        assert_eq!(
            with_param("/api/tickets/export.csv", "encoding", "gbk"),
            "/api/tickets/export.csv?encoding=gbk"
        );
        assert_eq!(
            with_param("/api/x?scope=open", "community", "滨河"),
            "/api/x?scope=open&community=%E6%BB%A8%E6%B2%B3"
        );
    }
}
