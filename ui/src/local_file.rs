//! Reading a file the user picked: the size limit first, then strict UTF-8 decoding by the
//! browser, so a wrongly encoded file is refused before upload and a large one never passes
//! through wasm memory.

use js_sys::{ArrayBuffer, JsString};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, TextDecoderOptions};

use crate::api::ApiError;
use crate::format::file_size;
use crate::i18n::{Lang, Msg, file_too_large};

/// Largest grid file the server accepts (`MAX_IMPORT_BYTES` of binhe-server).
pub const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024;
const MAX_IMPORT_TEXT: &str = "64 MiB";

#[wasm_bindgen]
extern "C" {
    /// `TextDecoder`, bound here because web-sys's `decode` copies the text into a Rust `String`.
    #[wasm_bindgen(js_name = TextDecoder)]
    type StrictDecoder;

    #[wasm_bindgen(constructor, js_class = "TextDecoder", catch)]
    fn new(label: &str, options: &TextDecoderOptions) -> Result<StrictDecoder, JsValue>;

    #[wasm_bindgen(method, js_class = "TextDecoder", catch)]
    fn decode(this: &StrictDecoder, input: &ArrayBuffer) -> Result<JsString, JsValue>;
}

/// The file's size in bytes.
pub fn size_of(file: &File) -> u64 {
    file.size() as u64
}

/// Whether the server would refuse the file for its size.
pub fn is_too_large(file: &File) -> bool {
    size_of(file) > MAX_IMPORT_BYTES
}

/// Refuses a file over the server's limit before anything is read or sent.
pub fn check_size(file: &File) -> Result<(), ApiError> {
    if !is_too_large(file) {
        return Ok(());
    }
    let size = size_of(file);
    let message = |lang| file_too_large(lang, &file_size(lang, size), MAX_IMPORT_TEXT);
    Err(ApiError::client(
        "FILE_TOO_LARGE",
        message(Lang::Zh),
        message(Lang::En),
    ))
}

/// The file's text. Refuses files over the limit and files that are not valid UTF-8 (a GBK
/// export would otherwise arrive with its Chinese names garbled); a UTF-8 BOM is dropped.
pub async fn read_utf8(file: &File) -> Result<JsString, ApiError> {
    check_size(file)?;
    let unreadable = |e: JsValue| {
        let detail = e
            .dyn_ref::<js_sys::Error>()
            .map(|err| String::from(err.message()))
            .unwrap_or_default();
        ApiError::local("FILE_UNREADABLE", Msg::FileUnreadable, &detail)
    };
    let buffer: ArrayBuffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(unreadable)?
        .unchecked_into();
    let options = TextDecoderOptions::new();
    options.set_fatal(true);
    StrictDecoder::new("utf-8", &options)
        .map_err(unreadable)?
        .decode(&buffer)
        .map_err(|_| ApiError::local("FILE_NOT_UTF8", Msg::FileNotUtf8, ""))
}
