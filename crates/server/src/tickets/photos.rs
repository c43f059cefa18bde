//! Photos kept with a ticket (`POST /api/tickets/{id}/photos`, `GET …/photos/{photo}`): what a
//! grid worker took with the phone's camera. The kind is read from the bytes, never from a
//! header: JPEG and PNG are kept as they came once their frame header gives their size; HEIC/HEIF
//! (what iPhones take) is converted to JPEG with libheif's `heif-convert` so every screen can
//! show it. Larger than [`MAX_PHOTO_BYTES`] is refused before the body is read to its end.

use std::path::{Path as FsPath, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use binhe_api::tickets::{MAX_PHOTO_BYTES, PhotoUploaded, photo_url};
use binhe_core::access::Role;
use binhe_core::ticket::lifecycle::Command;
use binhe_core::ticket::photo::{PhotoKind, jpeg_size};
use binhe_core::ticket::{Outcome, TicketId};
use binhe_store::{PhotoRepository, StoredPhoto};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::{TicketError, visible_ticket};
use crate::desk::{TicketDesk, now};
use crate::http::extract::{Json, Path};
use crate::http::{ApiError, AuditNote, Caller};

/// The longest a HEIC conversion may take.
const CONVERT_TIMEOUT: Duration = Duration::from_mins(1);
/// HEIC conversions at once (each decodes a 12 MP photo in ~0.3 s and ~60 MB); more wait.
static CONVERSIONS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// The program that converts HEIC to JPEG (Debian: `libheif-examples`).
const HEIF_CONVERT: &str = "heif-convert";

/// Why a photo was not kept.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is larger than the limit of 10 MB ({limit} bytes)")]
    TooLarge { limit: usize },
    #[error("the body is {kind_en}; accepted are JPEG, PNG and HEIC")]
    Unsupported { kind: PhotoKind, kind_en: String },
    #[error("the {kind_en} photo cannot be read: {reason}")]
    Unreadable { kind_en: String, reason: String },
    #[error("the HEIC photo could not be converted to JPEG: {reason}")]
    NotConverted { reason: String },
    #[error("ticket {ticket} has no photo {photo}")]
    NotFound { ticket: TicketId, photo: String },
    #[error("the upload broke off: {0}")]
    Broken(String),
}

impl PhotoError {
    pub(super) fn message_zh(&self) -> String {
        let limit = binhe_api::tickets::MAX_PHOTO_LABEL;
        let accepted = binhe_core::ticket::photo::ACCEPTED_NAMES;
        match self {
            Self::TooLarge { .. } => format!("照片超过 {limit} 上限，未保存，请压缩或重拍后再传"),
            Self::Unsupported { kind, .. } => format!(
                "收到的是{}，不是照片，未保存；只接收 {accepted} 格式的照片",
                kind.name_zh()
            ),
            Self::Unreadable { kind_en, reason } => {
                format!("{kind_en} 照片已损坏或不完整，无法显示，未保存（{reason}）")
            }
            Self::NotConverted { reason } => format!(
                "HEIC 照片无法转换为 JPEG，其他电脑无法显示，未保存；请在手机相机设置中选择“兼容性最佳”后重拍（{reason}）"
            ),
            Self::NotFound { ticket, .. } => format!("工单 #{ticket} 没有这张照片"),
            Self::Broken(reason) => format!("照片上传中断，未保存（{reason}）"),
        }
    }
}

/// What was uploaded, checked, and made showable.
struct Checked {
    kind: PhotoKind,
    content_type: &'static str,
    image: Vec<u8>,
    width: u32,
    height: u32,
}

/// Reads the body up to the limit: one byte more is refused without reading the rest.
async fn read_limited(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, PhotoError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_PHOTO_BYTES) {
        return Err(PhotoError::TooLarge {
            limit: MAX_PHOTO_BYTES,
        });
    }
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| PhotoError::Broken(e.to_string()))?;
        if bytes.len() + chunk.len() > MAX_PHOTO_BYTES {
            return Err(PhotoError::TooLarge {
                limit: MAX_PHOTO_BYTES,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn unreadable(kind: PhotoKind, reason: &impl ToString) -> PhotoError {
    PhotoError::Unreadable {
        kind_en: kind.name_en().to_owned(),
        reason: reason.to_string(),
    }
}

fn png_size(bytes: &[u8]) -> Result<(u32, u32), PhotoError> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder
        .read_info()
        .map_err(|e| unreadable(PhotoKind::Png, &e))?;
    let info = reader.info();
    Ok((info.width, info.height))
}

fn jpeg_dimensions(bytes: &[u8]) -> Result<(u32, u32), PhotoError> {
    jpeg_size(bytes)
        .map(|(w, h)| (u32::from(w), u32::from(h)))
        .map_err(|e| unreadable(PhotoKind::Jpeg, &e))
}

/// A scratch folder removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    async fn new() -> Result<Self, PhotoError> {
        let mut name = [0u8; 12];
        getrandom::fill(&mut name).map_err(|e| PhotoError::NotConverted {
            reason: e.to_string(),
        })?;
        let path = std::env::temp_dir().join(format!("binhe-photo-{}", hex::encode(name)));
        tokio::fs::create_dir(&path)
            .await
            .map_err(|e| PhotoError::NotConverted {
                reason: format!("cannot make {}: {e}", path.display()),
            })?;
        Ok(Self(path))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Converts a HEIC/HEIF photo to a JPEG with `heif-convert`, run as the camera gateway runs
/// ffmpeg: its own process, killed when it takes too long.
async fn heif_to_jpeg(heif: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let _turn = CONVERSIONS
        .acquire()
        .await
        .map_err(|e| PhotoError::NotConverted {
            reason: e.to_string(),
        })?;
    let scratch = Scratch::new().await?;
    let input = scratch.path("in.heic");
    let output = scratch.path("out.jpg");
    let failed = |reason: String| PhotoError::NotConverted { reason };
    tokio::fs::write(&input, heif)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let run = convert_command(&input, &output).output();
    let finished = tokio::time::timeout(CONVERT_TIMEOUT, run)
        .await
        .map_err(|_| {
            failed(format!(
                "{HEIF_CONVERT} took longer than {CONVERT_TIMEOUT:?}"
            ))
        })?
        .map_err(|e| {
            failed(if e.kind() == std::io::ErrorKind::NotFound {
                format!("{HEIF_CONVERT} is not installed (Debian: libheif-examples)")
            } else {
                format!("cannot start {HEIF_CONVERT}: {e}")
            })
        })?;
    if !finished.status.success() {
        let said = String::from_utf8_lossy(&finished.stderr);
        let said = said
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(failed(format!(
            "{HEIF_CONVERT} {}: {said}",
            finished.status
        )));
    }
    tokio::fs::read(&output)
        .await
        .map_err(|e| failed(format!("{HEIF_CONVERT} wrote no JPEG: {e}")))
}

fn convert_command(input: &FsPath, output: &FsPath) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(HEIF_CONVERT);
    command
        .arg("-q")
        .arg("90")
        .arg(input)
        .arg(output)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Decides the kind from the bytes and makes the photo showable on every screen.
async fn check(bytes: Vec<u8>) -> Result<Checked, PhotoError> {
    let kind = PhotoKind::sniff(&bytes);
    match kind {
        PhotoKind::Jpeg => {
            let (width, height) = jpeg_dimensions(&bytes)?;
            Ok(Checked {
                kind,
                content_type: "image/jpeg",
                image: bytes,
                width,
                height,
            })
        }
        PhotoKind::Png => {
            let (width, height) = png_size(&bytes)?;
            Ok(Checked {
                kind,
                content_type: "image/png",
                image: bytes,
                width,
                height,
            })
        }
        PhotoKind::Heif => {
            let jpeg = heif_to_jpeg(&bytes).await?;
            let (width, height) = jpeg_dimensions(&jpeg).map_err(|e| PhotoError::NotConverted {
                reason: e.to_string(),
            })?;
            Ok(Checked {
                kind,
                content_type: "image/jpeg",
                image: jpeg,
                width,
                height,
            })
        }
        other => Err(PhotoError::Unsupported {
            kind: other,
            kind_en: other.name_en().to_owned(),
        }),
    }
}

fn kind_code(kind: PhotoKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(super) async fn upload(
    State(desk): State<TicketDesk>,
    State(photos): State<Arc<dyn PhotoRepository>>,
    caller: Caller,
    Path(id): Path<TicketId>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = upload_checked(&desk, photos.as_ref(), &caller, id, &headers, body).await;
    let detail = match &result {
        Ok(kept) => format!(
            "{} {}×{} {} bytes",
            kept.photo, kept.width, kept.height, kept.bytes
        ),
        Err(_) => String::new(),
    };
    AuditNote::new("ticket.photo", &id.to_string())
        .detail(&detail)
        .attach(result.map(Json))
}

async fn upload_checked(
    desk: &TicketDesk,
    photos: &dyn PhotoRepository,
    caller: &Caller,
    id: TicketId,
    headers: &HeaderMap,
    body: Body,
) -> Result<PhotoUploaded, ApiError> {
    caller.must_be(
        &[Role::Dispatcher, Role::Commander, Role::Worker],
        "upload photos",
    )?;
    let ticket = visible_ticket(desk, caller, id).await?;
    // Photos go with a feedback: whoever may feed back on the ticket may upload them.
    caller.principal.may(
        &Command::Feedback {
            outcome: Outcome::Solved,
            note: String::new(),
            photos: Vec::new(),
        },
        &ticket,
    )?;
    let bytes = read_limited(headers, body)
        .await
        .map_err(TicketError::Photo)?;
    let checked = check(bytes).await.map_err(TicketError::Photo)?;
    let sha256 = hex::encode(Sha256::digest(&checked.image));
    let photo = StoredPhoto {
        ticket: id,
        sha256,
        content_type: checked.content_type.to_owned(),
        width: checked.width,
        height: checked.height,
        uploaded_as: kind_code(checked.kind),
        uploaded_by: caller.principal.account.clone(),
        uploaded_at: now(),
        image: checked.image,
    };
    photos.save_photo(&photo).await?;
    Ok(PhotoUploaded {
        url: photo_url(id, &photo.sha256),
        content_type: photo.content_type.clone(),
        bytes: photo.size(),
        width: photo.width,
        height: photo.height,
        uploaded_as: checked.kind,
        photo: photo.sha256,
    })
}

/// `GET /api/tickets/{id}/photos/{photo}`: seen by whoever sees the ticket's card.
pub(super) async fn show(
    State(desk): State<TicketDesk>,
    State(photos): State<Arc<dyn PhotoRepository>>,
    caller: Caller,
    Path((id, photo)): Path<(TicketId, String)>,
) -> Result<Response, ApiError> {
    visible_ticket(&desk, &caller, id).await?;
    let not_found = || {
        TicketError::Photo(PhotoError::NotFound {
            ticket: id,
            photo: photo.clone(),
        })
    };
    let kept = photos.photo(id, &photo).await?.ok_or_else(not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, kept.content_type),
            // The address names the bytes (their SHA-256): it always shows the same picture.
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable".to_owned(),
            ),
            (header::ETAG, format!("\"{}\"", kept.sha256)),
        ],
        kept.image,
    )
        .into_response())
}

/// The refs a feedback names that are no photos of this ticket.
pub(super) async fn foreign_refs(
    photos: &dyn PhotoRepository,
    id: TicketId,
    refs: &[String],
) -> Result<Vec<String>, ApiError> {
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    let own = photos.photo_refs(id).await?;
    Ok(refs
        .iter()
        .filter(|r| !own.iter().any(|o| o == r.trim()))
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn garbage_and_gifs_are_refused_by_their_bytes() {
        assert!(matches!(
            check(b"GIF89a\x01\x00\x01\x00".to_vec()).await,
            Err(PhotoError::Unsupported {
                kind: PhotoKind::Gif,
                ..
            })
        ));
        assert!(matches!(
            check(vec![0xFF, 0xD8, 0xFF, 0xE0]).await,
            Err(PhotoError::Unreadable { .. })
        ));
        assert!(matches!(
            check(b"\0\0\0\x18ftypheic\0\0\0\0garbage".to_vec()).await,
            Err(PhotoError::NotConverted { .. })
        ));
    }
}
