//! The street's own basemap: which one is served, uploading one (with progress, which only
//! `XMLHttpRequest` reports) and removing it. The types are the contract's
//! (`binhe_api::basemap`).

use binhe_api::basemap::{BASEMAP, BasemapInfo, CurrentBasemap};
use gloo_net::http::Request;
use js_sys::Promise;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, ProgressEvent, XmlHttpRequest};

use super::{ApiError, get_json, header_safe, read_json, send, signed_out};

pub async fn current() -> Result<Option<BasemapInfo>, ApiError> {
    Ok(get_json::<CurrentBasemap>(BASEMAP).await?.basemap)
}

/// Back to the generated basemap.
pub async fn remove() -> Result<(), ApiError> {
    read_json::<CurrentBasemap>(
        send(Request::delete(BASEMAP).build(), BASEMAP).await?,
        BASEMAP,
    )
    .await
    .map(drop)
}

fn failed(e: &JsValue) -> ApiError {
    ApiError::network(&e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// Sends `file` as the new basemap; `progress(sent, total)` follows the upload. The browser
/// streams the file from disk: it never passes through wasm memory.
pub async fn upload(
    file: &File,
    progress: impl Fn(f64, f64) + 'static,
) -> Result<BasemapInfo, ApiError> {
    let xhr = XmlHttpRequest::new().map_err(|e| failed(&e))?;
    xhr.open("PUT", BASEMAP).map_err(|e| failed(&e))?;
    xhr.set_request_header("x-file-name", &header_safe(&file.name()))
        .map_err(|e| failed(&e))?;
    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        progress(e.loaded(), e.total());
    });
    xhr.upload()
        .map_err(|e| failed(&e))?
        .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    let done = Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_onabort(Some(&reject));
    });
    xhr.send_with_opt_blob(Some(file)).map_err(|e| failed(&e))?;
    let finished = JsFuture::from(done).await;
    drop(on_progress);
    if finished.is_err() {
        return Err(ApiError::network("the upload broke off"));
    }
    let status = xhr.status().unwrap_or(0);
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    if (200..300).contains(&status) {
        return serde_json::from_str(&text)
            .map_err(|e| ApiError::bad_response(&format!("{BASEMAP}: {e}")));
    }
    let error = ApiError::from_body(&text, status, BASEMAP);
    if error.is_signed_out() {
        signed_out(&error);
    }
    Err(error)
}
