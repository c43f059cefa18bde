//! The street's own basemap: which one is served, uploading one (with progress, which only
//! `XMLHttpRequest` reports) and removing it. The types are the contract's
//! (`binhe_api::basemap`).

use binhe_api::basemap::{BASEMAP, BasemapInfo, CurrentBasemap};
use gloo_net::http::Request;
use web_sys::File;

use super::{ApiError, get_json, read_json, send, upload_file};

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

/// Sends `file` as the new basemap; `progress(sent, total)` follows the upload. The browser
/// streams the file from disk: it never passes through wasm memory.
pub async fn upload(
    file: &File,
    progress: impl Fn(f64, f64) + 'static,
) -> Result<BasemapInfo, ApiError> {
    upload_file("PUT", BASEMAP, file, true, progress).await
}
