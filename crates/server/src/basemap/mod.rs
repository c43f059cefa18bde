//! The street's own basemap: what it is (`GET /api/basemap`), its tiles
//! (`/api/basemap/tiles/{id}/{z}/{x}/{y}`), a PMTiles file itself with Range requests
//! (`/api/basemap/archive/{id}.pmtiles`), and adding, replacing or removing it
//! (administrators, `PUT`/`DELETE /api/basemap`). The file lives in the basemaps folder
//! ([`shelf`]); which one is chosen is a setting in the database, so every server of a shared
//! database serves the same.

pub mod archive;
pub mod shelf;

use std::path::Path;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use binhe_api::basemap::{
    BASEMAP, BASEMAP_ARCHIVE, BASEMAP_TILES, BasemapInfo, CurrentBasemap, TileFormat,
};
use binhe_api::error::code;
use binhe_store::StoreError;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

pub use archive::Invalid;
pub use shelf::{Basemaps, Current};

use crate::http::extract::{Path as PathParams, uploaded_file_name};
use crate::http::{ApiError, AuditNote, Caller, Refusal};

/// A tile or an archive, once its URL (which names the file) is known: kept a year.
const IMMUTABLE: &str = "private, max-age=31536000, immutable";
/// What is read from the archive at a time for a Range answer.
const CHUNK: usize = 256 * 1024;

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Basemaps: FromRef<S>,
{
    Router::new()
        .route(
            BASEMAP,
            get(show)
                .put(add)
                .delete(remove)
                // Uploads stream to disk, so the JSON routes' limit does not apply;
                // `MAX_BASEMAP_BYTES` does.
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            &format!("{BASEMAP_TILES}/{{id}}/{{z}}/{{x}}/{{y}}"),
            get(tile),
        )
        .route(&format!("{BASEMAP_ARCHIVE}/{{file}}"), get(archive_file))
}

/// Why the basemap routes refused.
#[derive(Debug, thiserror::Error)]
pub enum BasemapError {
    #[error("{}", match id {
        Some(id) => format!("basemap {id} is not served (replaced or removed)"),
        None => "no basemap has been added".to_owned(),
    })]
    NotFound { id: Option<String> },
    #[error("basemap not added: {0}; the current basemap is unchanged")]
    Invalid(Invalid),
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("tile {z}/{x}/{y} is outside the tile pyramid (z ≤ {max_zoom}, x and y < 2^z)", max_zoom = archive::MAX_ZOOM)]
    TileOutOfRange { z: u8, x: u32, y: u32 },
    #[error("range {range:?} is not within the file's {size} bytes")]
    RangeNotSatisfiable { range: String, size: u64 },
    #[error("the upload broke off: {0}")]
    UploadBroken(String),
    #[error("{action} failed ({path}): {reason}")]
    Io {
        action: &'static str,
        path: String,
        reason: String,
    },
    #[error("tile {z}/{x}/{y} cannot be read: {reason}")]
    TileUnreadable {
        z: u8,
        x: u32,
        y: u32,
        reason: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BasemapError {
    pub fn io(action: &'static str, path: &Path, error: &std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.display().to_string(),
            reason: error.to_string(),
        }
    }
}

impl Refusal for BasemapError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TileOutOfRange { .. } | Self::UploadBroken(_) => StatusCode::BAD_REQUEST,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::Io { .. } | Self::TileUnreadable { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Store(e) => e.status(),
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::NotFound { .. } => code::BASEMAP_NOT_FOUND,
            Self::Invalid(_) => code::BASEMAP_INVALID,
            Self::TooLarge { .. } => code::PAYLOAD_TOO_LARGE,
            Self::TileOutOfRange { .. } => code::TILE_OUT_OF_RANGE,
            Self::RangeNotSatisfiable { .. } => code::RANGE_NOT_SATISFIABLE,
            Self::UploadBroken(_) => code::BAD_REQUEST,
            Self::Io { .. } | Self::TileUnreadable { .. } => code::INTERNAL_ERROR,
            Self::Store(e) => e.code(),
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::NotFound { id: Some(id) } => format!("底图 {id} 已不再使用（已被替换或移除）"),
            Self::NotFound { id: None } => "尚未添加底图".to_owned(),
            Self::Invalid(why) => format!("底图未添加：{}；原有底图保持不变", why.zh),
            Self::TooLarge { limit } => format!(
                "底图文件超过大小上限（{} GiB），原有底图保持不变",
                limit / (1024 * 1024 * 1024)
            ),
            Self::TileOutOfRange { z, x, y } => format!(
                "切片 {z}/{x}/{y} 超出切片金字塔（级别不超过 {}，行列号小于 2 的级别次方）",
                archive::MAX_ZOOM
            ),
            Self::RangeNotSatisfiable { range, size } => {
                format!("请求的字节范围 {range} 超出文件长度（{size} 字节）")
            }
            Self::UploadBroken(_) => "上传中断，底图未添加，原有底图保持不变".to_owned(),
            Self::Io { .. } => "服务器无法读写底图文件夹，原有底图保持不变".to_owned(),
            Self::TileUnreadable { z, x, y, .. } => format!("无法读取切片 {z}/{x}/{y}"),
            Self::Store(e) => e.message_zh(),
        }
    }

    fn detail(&self) -> binhe_api::ErrorDetail {
        match self {
            Self::Store(e) => e.detail(),
            _ => binhe_api::ErrorDetail::new(self.code(), self.message_zh(), self.to_string()),
        }
    }

    fn is_failure(&self) -> bool {
        matches!(self, Self::Io { .. } | Self::TileUnreadable { .. })
            || matches!(self, Self::Store(e) if e.is_failure())
    }
}

async fn show(State(basemaps): State<Basemaps>) -> axum::Json<CurrentBasemap> {
    axum::Json(CurrentBasemap {
        basemap: basemaps.current().map(|c| c.info()),
    })
}

/// `PUT /api/basemap`: the body is the file, streamed to disk as it comes.
async fn add(
    State(basemaps): State<Basemaps>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    caller.must_administer()?;
    let file_name = uploaded_file_name(&headers);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > binhe_api::basemap::MAX_BASEMAP_BYTES) {
        return Err(BasemapError::TooLarge {
            limit: binhe_api::basemap::MAX_BASEMAP_BYTES,
        }
        .into());
    }
    let mut staging = basemaps.stage().await?;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| BasemapError::UploadBroken(e.to_string()))?;
        staging.write(&chunk).await?;
    }
    let staged = staging.finish().await?;
    let current = basemaps
        .install(staged, &file_name, &caller.principal.account)
        .await?;
    let info = current.info();
    tracing::info!(file = %file_name, id = %info.id, "basemap added");
    let note = AuditNote::new("basemap.replace", &info.id).detail(&file_name);
    Ok(note.attach(axum::Json::<BasemapInfo>(info)))
}

async fn remove(State(basemaps): State<Basemaps>, caller: Caller) -> Result<Response, ApiError> {
    caller.must_administer()?;
    let removed = basemaps.remove().await?;
    tracing::info!(id = %removed.id, "basemap removed");
    let note = AuditNote::new("basemap.remove", &removed.id).detail(&removed.original_name);
    Ok(note.attach(axum::Json(CurrentBasemap { basemap: None })))
}

/// The basemap `id`, if it is the one served.
fn served(basemaps: &Basemaps, id: &str) -> Result<std::sync::Arc<Current>, BasemapError> {
    basemaps
        .current()
        .filter(|c| c.stored.id == id)
        .ok_or_else(|| BasemapError::NotFound {
            id: Some(id.to_owned()),
        })
}

fn content_type(format: TileFormat) -> &'static str {
    match format {
        TileFormat::Png => "image/png",
        TileFormat::Jpg => "image/jpeg",
        TileFormat::Webp => "image/webp",
        TileFormat::Pbf => "application/vnd.mapbox-vector-tile",
    }
}

/// One tile. A tile the file leaves out (the sea, beyond the street) answers 204: MapLibre
/// draws nothing there, without an error.
async fn tile(
    State(basemaps): State<Basemaps>,
    PathParams((id, z, x, y)): PathParams<(String, u8, u32, u32)>,
) -> Result<Response, ApiError> {
    let current = served(&basemaps, &id)?;
    if z > archive::MAX_ZOOM || u64::from(x) >= 1 << z || u64::from(y) >= 1 << z {
        return Err(BasemapError::TileOutOfRange { z, x, y }.into());
    }
    let found = current
        .archive
        .tile(z, x, y)
        .await
        .map_err(|reason| BasemapError::TileUnreadable { z, x, y, reason })?;
    let Some(tile) = found else {
        return Ok((StatusCode::NO_CONTENT, [(header::CACHE_CONTROL, IMMUTABLE)]).into_response());
    };
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                content_type(current.archive.described.tile_set.format),
            ),
            (header::CACHE_CONTROL, IMMUTABLE),
        ],
        tile.data,
    )
        .into_response();
    if tile.gzipped {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    Ok(response)
}

/// The byte range a `Range` header asks of a file of `size` bytes: `None` for the whole file
/// (no header, or one this server answers whole: several ranges, another unit).
fn wanted_range(headers: &HeaderMap, size: u64) -> Result<Option<(u64, u64)>, BasemapError> {
    let Some(raw) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Some(spec) = raw.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let unsatisfiable = || BasemapError::RangeNotSatisfiable {
        range: raw.to_owned(),
        size,
    };
    let (first, last) = spec.split_once('-').ok_or_else(unsatisfiable)?;
    let number = |t: &str| t.trim().parse::<u64>().map_err(|_| unsatisfiable());
    let (start, end) = match (first.trim().is_empty(), last.trim().is_empty()) {
        // The last n bytes.
        (true, false) => {
            let n = number(last)?;
            if n == 0 {
                return Err(unsatisfiable());
            }
            (size.saturating_sub(n), size.saturating_sub(1))
        }
        (false, true) => (number(first)?, size.saturating_sub(1)),
        (false, false) => (number(first)?, number(last)?.min(size.saturating_sub(1))),
        (true, true) => return Err(unsatisfiable()),
    };
    if size == 0 || start >= size || start > end {
        return Err(unsatisfiable());
    }
    Ok(Some((start, end)))
}

/// `GET /api/basemap/archive/{id}.pmtiles`: the PMTiles file, whole or by Range (206).
async fn archive_file(
    State(basemaps): State<Basemaps>,
    PathParams(file): PathParams<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = file.strip_suffix(".pmtiles").unwrap_or(&file);
    let current = served(&basemaps, id)?;
    if current.archive.described.tile_set.container != binhe_api::basemap::BasemapContainer::Pmtiles
    {
        return Err(BasemapError::NotFound {
            id: Some(file.clone()),
        }
        .into());
    }
    let path = current.archive.path.clone();
    let mut opened = tokio::fs::File::open(&path)
        .await
        .map_err(|e| BasemapError::io("opening the basemap", &path, &e))?;
    let size = opened
        .metadata()
        .await
        .map_err(|e| BasemapError::io("reading the basemap", &path, &e))?
        .len();
    let range = match wanted_range(&headers, size) {
        Ok(range) => range,
        Err(refused) => {
            let mut response = ApiError::from(refused).into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(response);
        }
    };
    let (start, end) = range.unwrap_or((0, size.saturating_sub(1)));
    let length = if size == 0 { 0 } else { end - start + 1 };
    opened
        .seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(|e| BasemapError::io("reading the basemap", &path, &e))?;
    let chunks = futures_util::stream::unfold((opened, length), |(mut file, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buffer = vec![0u8; CHUNK.min(usize::try_from(left).unwrap_or(CHUNK))];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((
                    Ok::<_, std::io::Error>(Bytes::from(buffer)),
                    (file, left - n as u64),
                ))
            }
            Err(e) => Some((Err(e), (file, 0))),
        }
    });
    // Fused: the compression on the way out polls once more after the end.
    let mut response = Response::new(Body::from_stream(chunks.fuse()));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.pmtiles"),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", current.stored.id)) {
        h.insert(header::ETAG, etag);
    }
    if range.is_some() {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str, size: u64) -> Result<Option<(u64, u64)>, BasemapError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_str(text).unwrap());
        wanted_range(&headers, size)
    }

    #[test]
    fn a_range_header_names_the_bytes_served() {
        assert_eq!(range("bytes=0-126", 1000).unwrap(), Some((0, 126)));
        assert_eq!(range("bytes=990-", 1000).unwrap(), Some((990, 999)));
        assert_eq!(range("bytes=-10", 1000).unwrap(), Some((990, 999)));
        assert_eq!(range("bytes=900-5000", 1000).unwrap(), Some((900, 999)));
        // Several ranges, or another unit, are answered with the whole file.
        assert_eq!(range("bytes=0-1,5-9", 1000).unwrap(), None);
        assert_eq!(range("items=0-1", 1000).unwrap(), None);
        for bad in [
            "bytes=1000-",
            "bytes=5-2",
            "bytes=-0",
            "bytes=-",
            "bytes=a-b",
        ] {
            let refused = range(bad, 1000).unwrap_err();
            assert_eq!(refused.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{bad}");
        }
    }
}
