//! Reading a file the user picked: the size limit first, then strict UTF-8 decoding by the
//! browser, so a wrongly encoded file is refused before upload and a large one never passes
//! through wasm memory. Survey files (shapefiles, zips) travel as base64 in one JSON body.

use base64::Engine;
use binhe_api::grids::SurveyFile;
use js_sys::{ArrayBuffer, JsString, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, TextDecoderOptions};

use crate::api::ApiError;
use crate::format::file_size;
use crate::i18n::{Lang, Msg, file_too_large, survey_too_large};

/// Largest body the server accepts for a grid import (a file, or a survey's JSON).
pub const MAX_IMPORT_BYTES: u64 = binhe_api::grids::MAX_IMPORT_BYTES as u64;
const MAX_IMPORT_TEXT: &str = "64 MiB";
/// Room in a survey's body for the JSON around the files (names, the mapping).
const SURVEY_JSON_ROOM: u64 = 256 * 1024;

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

/// The files chosen in a file input (none when the chooser was cancelled).
pub fn chosen_files(input: &web_sys::HtmlInputElement) -> Vec<File> {
    input
        .files()
        .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
        .unwrap_or_default()
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

/// Bytes a file takes in base64.
fn base64_len(size: u64) -> u64 {
    size.div_ceil(3) * 4
}

/// Refuses files that would make a survey body over the server's limit once in base64.
pub fn check_survey_size(files: &[File]) -> Result<(), ApiError> {
    check_all(files)?;
    let sizes: u64 = files.iter().map(size_of).sum();
    let encoded: u64 = files.iter().map(|f| base64_len(size_of(f))).sum();
    if encoded + SURVEY_JSON_ROOM <= MAX_IMPORT_BYTES {
        return Ok(());
    }
    let message = |lang| survey_too_large(lang, &file_size(lang, sizes), MAX_IMPORT_TEXT);
    Err(ApiError::client(
        "FILE_TOO_LARGE",
        message(Lang::Zh),
        message(Lang::En),
    ))
}

/// Refuses the first file over the limit.
pub fn check_all(files: &[File]) -> Result<(), ApiError> {
    files.iter().try_for_each(check_size)
}

/// The survey's files as the contract sends them: name and base64 bytes.
pub async fn read_survey_files(files: &[File]) -> Result<Vec<SurveyFile>, ApiError> {
    check_survey_size(files)?;
    let mut read = Vec::with_capacity(files.len());
    for file in files {
        let buffer: ArrayBuffer = JsFuture::from(file.array_buffer())
            .await
            .map_err(|e| ApiError::local("FILE_UNREADABLE", Msg::FileUnreadable, &js_error(&e)))?
            .unchecked_into();
        let bytes = Uint8Array::new(&buffer).to_vec();
        read.push(SurveyFile {
            name: file.name(),
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        });
    }
    Ok(read)
}

fn js_error(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|err| String::from(err.message()))
        .unwrap_or_default()
}

/// The file's text. Refuses files over the limit and files that are not valid UTF-8 (a GBK
/// export would otherwise arrive with its Chinese names garbled); a UTF-8 BOM is dropped.
pub async fn read_utf8(file: &File) -> Result<JsString, ApiError> {
    check_size(file)?;
    let unreadable =
        |e: JsValue| ApiError::local("FILE_UNREADABLE", Msg::FileUnreadable, &js_error(&e));
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
