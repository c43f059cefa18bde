//! axum's `Json`, `Path` and `Query`, refusing what they cannot read in the API's one error
//! shape (`BAD_REQUEST` naming `body`, `path` or `query`) instead of axum's plain text.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::{ApiError, RequestError};

/// A JSON body (and a JSON answer).
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Path parameters.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// The query string.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// A JSON body a handler takes as `Result<axum::Json<T>, JsonRejection>` (to read it its own
/// way): what cannot be read is `BAD_REQUEST` naming `body`, `zh` saying what it should have
/// been; a body over the route's limit stays `PAYLOAD_TOO_LARGE`.
pub fn read_body<T>(body: Result<axum::Json<T>, JsonRejection>, zh: &str) -> Result<T, ApiError> {
    body.map(|axum::Json(b)| b).map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return rejection.into();
        }
        let reason = rejection.body_text();
        RequestError::bad("body", reason.clone(), format!("{zh}：{reason}")).into()
    })
}

/// The uploaded file's name from `x-file-name`: browsers cannot put Chinese in a header, so the
/// UI percent-encodes it.
pub fn uploaded_file_name(headers: &HeaderMap) -> String {
    headers
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map_or_else(
            || "(上传文件 / uploaded file)".to_owned(),
            |raw| {
                percent_encoding::percent_decode_str(raw)
                    .decode_utf8_lossy()
                    .into_owned()
            },
        )
}
