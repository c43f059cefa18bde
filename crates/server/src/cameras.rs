//! The camera gateway: live video as MJPEG (which every webview plays, WebKitGTK included),
//! made by ffmpeg from the camera's source. An upstream is opened only while someone watches,
//! shared by every viewer of that camera, and stopped (its ffmpeg process killed) when the last
//! viewer leaves.
//!
//! Sources: a stream URL (RTSP, HTTP-FLV/HLS/MJPEG from an upstream gateway such as ZLMediaKit
//! or go2rtc), or — for the synthetic demo street — ffmpeg's generated test picture with the
//! camera's name and the time burnt in.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use binhe_core::DeviceKind;
use binhe_core::access::AccessError;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

use crate::api::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Upstreams open at once, at most: each is an ffmpeg process.
pub const MAX_UPSTREAMS: usize = 16;
/// How long a new upstream may take to deliver its first picture.
const FIRST_FRAME: Duration = Duration::from_secs(10);
/// Pictures per second sent on.
const FRAME_RATE: u32 = 10;
/// A JPEG larger than this is not a camera picture.
const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;
const BOUNDARY: &str = "binhe-frame";
const FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

/// Where a camera's pictures come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A stream URL ffmpeg can open.
    Url(String),
    /// The generated test picture, labelled (the synthetic demo street's cameras).
    TestPicture { label: String },
}

impl Source {
    fn ffmpeg(&self) -> Command {
        let mut command = Command::new("ffmpeg");
        command.args(["-hide_banner", "-nostdin", "-loglevel", "error"]);
        match self {
            Self::Url(url) => {
                if url.starts_with("rtsp://") {
                    command.args(["-rtsp_transport", "tcp"]);
                }
                command.args(["-rw_timeout", "5000000", "-i", url, "-an"]);
                command.args(["-vf", &format!("fps={FRAME_RATE},scale=640:-2")]);
            }
            Self::TestPicture { label } => {
                // drawtext's own escaping: backslash, colon and quote.
                let text: String = label
                    .chars()
                    .flat_map(|c| match c {
                        '\\' | ':' | '\'' | '%' => vec!['\\', c],
                        c => vec![c],
                    })
                    .collect();
                command.args([
                    "-re",
                    "-f",
                    "lavfi",
                    "-i",
                    &format!("testsrc2=size=640x360:rate={FRAME_RATE}"),
                    "-vf",
                    &format!(
                        "drawtext=fontfile={FONT}:text='{text}  %{{localtime}}':x=12:y=12:\
                         fontsize=22:fontcolor=white:box=1:boxcolor=black@0.55:boxborderw=6"
                    ),
                ]);
            }
        }
        command.args(["-f", "mjpeg", "-q:v", "7", "pipe:1"]);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    #[error("camera {camera} could not be reached: {reason}")]
    Unreachable { camera: String, reason: String },
    #[error("{open} camera streams are open, the most this server runs at once")]
    Busy { open: usize },
}

impl GatewayError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreachable { .. } => "CAMERA_UNREACHABLE",
            Self::Busy { .. } => "GATEWAY_BUSY",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::Unreachable { camera, reason } => {
                format!("摄像头 {camera} 无法连接（{reason}），请稍后重试")
            }
            Self::Busy { open } => {
                format!("已同时打开 {open} 路视频，达到本服务器上限，请先关闭其他画面")
            }
        }
    }
}

/// What an upstream has delivered: the newest picture, or why it stopped.
#[derive(Debug, Clone)]
pub enum Feed {
    Starting,
    Picture(Bytes),
    Ended(String),
}

/// One running ffmpeg for one camera; dropped (and its process killed) with its last viewer.
#[derive(Debug)]
struct Upstream {
    camera: String,
    feed: watch::Receiver<Feed>,
    _process: Child,
}

/// A viewer's hold on an upstream: the stream runs as long as some viewer holds one.
#[derive(Debug, Clone)]
pub struct Viewer {
    upstream: Arc<Upstream>,
}

impl Viewer {
    /// The pictures as they come, ending when the camera stops delivering.
    pub fn pictures(&self) -> watch::Receiver<Feed> {
        self.upstream.feed.clone()
    }
}

#[derive(Debug, Clone)]
pub struct Gateway {
    open: Arc<Mutex<HashMap<String, Weak<Upstream>>>>,
    limit: usize,
}

impl Default for Gateway {
    fn default() -> Self {
        Self::with_limit(MAX_UPSTREAMS)
    }
}

/// Splits ffmpeg's MJPEG output into pictures (each from FF D8 to FF D9).
fn take_picture(buffer: &mut Vec<u8>) -> Option<Bytes> {
    let start = buffer.windows(2).position(|w| w == [0xFF, 0xD8])?;
    let end = buffer[start + 2..]
        .windows(2)
        .position(|w| w == [0xFF, 0xD9])
        .map(|p| start + 2 + p + 2)?;
    let picture = Bytes::copy_from_slice(&buffer[start..end]);
    buffer.drain(..end);
    Some(picture)
}

impl Gateway {
    /// A gateway that runs at most `limit` upstreams at once.
    pub fn with_limit(limit: usize) -> Self {
        Self {
            open: Arc::default(),
            limit,
        }
    }

    /// Watches a camera: joins its running upstream, or starts one and waits for its first
    /// picture.
    pub async fn watch(&self, camera: &str, source: &Source) -> Result<Viewer, GatewayError> {
        let upstream = {
            let mut open = self.open.lock().expect("gateway lock is never poisoned");
            open.retain(|_, weak| weak.strong_count() > 0);
            if let Some(running) = open.get(camera).and_then(Weak::upgrade) {
                running
            } else {
                if open.len() >= self.limit {
                    return Err(GatewayError::Busy { open: open.len() });
                }
                let upstream = Arc::new(Self::start(camera, source)?);
                open.insert(camera.to_owned(), Arc::downgrade(&upstream));
                upstream
            }
        };
        let mut feed = upstream.feed.clone();
        let first = tokio::time::timeout(FIRST_FRAME, async {
            loop {
                match &*feed.borrow_and_update() {
                    Feed::Picture(_) => return Ok(()),
                    Feed::Ended(reason) => return Err(reason.clone()),
                    Feed::Starting => {}
                }
                if feed.changed().await.is_err() {
                    return Err("the stream ended".to_owned());
                }
            }
        })
        .await;
        let unreachable = |reason: String| GatewayError::Unreachable {
            camera: camera.to_owned(),
            reason,
        };
        match first {
            Ok(Ok(())) => Ok(Viewer { upstream }),
            Ok(Err(reason)) => Err(unreachable(reason)),
            Err(_) => Err(unreachable(format!(
                "no picture within {} s",
                FIRST_FRAME.as_secs()
            ))),
        }
    }

    fn start(camera: &str, source: &Source) -> Result<Upstream, GatewayError> {
        let mut process = source
            .ffmpeg()
            .spawn()
            .map_err(|e| GatewayError::Unreachable {
                camera: camera.to_owned(),
                reason: format!("cannot run ffmpeg: {e}"),
            })?;
        let (tell, feed) = watch::channel(Feed::Starting);
        let mut stdout = process.stdout.take().expect("stdout is piped");
        let stderr = process.stderr.take().expect("stderr is piped");
        let complaint = Arc::new(Mutex::new(String::new()));
        let heard = Arc::clone(&complaint);
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                *heard.lock().expect("never poisoned") = line.chars().take(200).collect();
            }
        });
        tokio::spawn(async move {
            let mut buffer = Vec::with_capacity(64 * 1024);
            let mut chunk = vec![0u8; 64 * 1024];
            loop {
                match stdout.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                }
                while let Some(picture) = take_picture(&mut buffer) {
                    if tell.send(Feed::Picture(picture)).is_err() {
                        return; // every viewer left
                    }
                }
                if buffer.len() > MAX_FRAME_BYTES {
                    buffer.clear();
                }
            }
            // Let stderr's last words arrive.
            tokio::time::sleep(Duration::from_millis(100)).await;
            let said = complaint.lock().expect("never poisoned").clone();
            let reason = if said.is_empty() {
                "the stream ended".to_owned()
            } else {
                said
            };
            let _ = tell.send(Feed::Ended(reason));
        });
        Ok(Upstream {
            camera: camera.to_owned(),
            feed,
            _process: process,
        })
    }

    /// Open upstreams with their viewer counts, by camera id.
    pub fn status(&self) -> Vec<(String, usize)> {
        let open = self.open.lock().expect("gateway lock is never poisoned");
        let mut status: Vec<(String, usize)> = open
            .values()
            .filter_map(Weak::upgrade)
            .map(|u| (u.camera.clone(), Arc::strong_count(&u) - 1))
            .collect();
        status.sort();
        status
    }
}

/// `GET /api/cameras/{id}/live.mjpeg`: the camera's live picture as
/// `multipart/x-mixed-replace` (an `<img>` plays it).
pub async fn live(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = state.view();
    let camera = view
        .dataset
        .devices
        .iter()
        .find(|d| d.id == id && d.kind == DeviceKind::Camera)
        .ok_or_else(|| ApiError::CameraNotFound { id: id.clone() })?;
    if !caller.principal.sees_grid(&camera.grid) {
        return Err(AccessError::OutOfScope.into());
    }
    let source = Source::TestPicture {
        label: format!("{} {}", camera.name, camera.id),
    };
    let viewer = state
        .cameras()
        .watch(&camera.id, &source)
        .await
        .map_err(ApiError::Camera)?;
    let pictures = viewer.pictures();
    let frames = futures_util::stream::unfold(
        (viewer, pictures, true),
        |(viewer, mut pictures, first)| async move {
            if !first && pictures.changed().await.is_err() {
                return None;
            }
            let feed = pictures.borrow_and_update().clone();
            match feed {
                Feed::Picture(jpeg) => {
                    let mut part = format!(
                        "--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
                        jpeg.len()
                    )
                    .into_bytes();
                    part.extend_from_slice(&jpeg);
                    part.extend_from_slice(b"\r\n");
                    Some((
                        Ok::<_, std::io::Error>(Bytes::from(part)),
                        (viewer, pictures, false),
                    ))
                }
                Feed::Starting => Some((Ok(Bytes::new()), (viewer, pictures, false))),
                // The camera stopped: the response ends, the player shows it stopped.
                Feed::Ended(_) => None,
            }
        },
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                format!("multipart/x-mixed-replace; boundary={BOUNDARY}"),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(frames),
    )
        .into_response())
}

/// `GET /api/cameras/status`: which camera streams run now and how many watch each.
pub async fn status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, ApiError> {
    caller.must_administer()?;
    let open: Vec<Value> = state
        .cameras()
        .status()
        .into_iter()
        .map(|(camera, viewers)| json!({ "camera": camera, "viewers": viewers }))
        .collect();
    Ok(Json(
        json!({ "open": open, "limit": state.cameras().limit }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_cut_from_start_to_end_marker() {
        let mut buffer = vec![0x00, 0xFF, 0xD8, 1, 2, 0xFF, 0xD9, 0xFF, 0xD8, 3];
        assert_eq!(
            take_picture(&mut buffer).as_deref(),
            Some(&[0xFF, 0xD8, 1, 2, 0xFF, 0xD9][..])
        );
        assert_eq!(buffer, [0xFF, 0xD8, 3], "the next picture's start stays");
        assert_eq!(take_picture(&mut buffer), None, "not complete yet");
    }
}
