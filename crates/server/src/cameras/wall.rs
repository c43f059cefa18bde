//! The video wall's pictures over one WebSocket. A browser keeps at most six connections to one
//! server, so nine `<img>` MJPEG streams would starve the app's own API calls; the wall instead
//! names the cameras it shows and gets every camera's pictures on this one connection.
//!
//! Client → server, text: `{"cameras": ["SXJ0001", …]}` (at most [`MAX_WALL`]: a 3 × 3 wall
//! and the cards open beside it; the list replaces the previous one). Server → client, text: `{"camera", "state": "playing"}`,
//! `{"camera", "state": "ended", "reason"}`, `{"camera", "state": "error", "error": {code,
//! message_zh, message_en}}`; binary: one picture = 1 byte id length, the id, the JPEG.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use axum::extract::State;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use binhe_api::devices::{MAX_WALL, WallNotice, WallRequest, WallState};
use binhe_api::error::{ErrorDetail, code};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::watch;
use crate::dataset::Grids;
use crate::gateway::{Feed, Gateway};
use crate::http::Caller;

/// `GET /api/cameras/wall` (WebSocket): the pictures of the cameras the wall names.
pub(super) async fn wall(
    State(grids): State<Grids>,
    State(gateway): State<Gateway>,
    caller: Caller,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .max_message_size(MAX_WALL_MESSAGE)
        .max_frame_size(MAX_WALL_MESSAGE)
        .on_upgrade(move |socket| run(grids, gateway, caller, socket))
}

/// The longest message the wall takes: a list of [`MAX_WALL`] camera ids is far shorter; a
/// longer one ends the socket before it is read into memory (the socket's own default would
/// take 64 MiB).
const MAX_WALL_MESSAGE: usize = 64 * 1024;

/// What the per-camera tasks hand the writer.
enum Out {
    Text(String),
    Picture(Vec<u8>),
}

/// What the socket says of a camera.
fn notice(
    camera: &str,
    state: WallState,
    reason: Option<String>,
    error: Option<ErrorDetail>,
) -> String {
    serde_json::to_string(&WallNotice {
        camera: Some(camera.to_owned()),
        state: Some(state),
        reason,
        error,
    })
    .expect("plain data")
}

/// Forwards one camera's pictures until it ends or the wall drops it.
async fn follow(
    grids: Grids,
    gateway: Gateway,
    caller: Caller,
    camera: String,
    out: mpsc::Sender<Out>,
) {
    let view = grids.view();
    let viewer = watch(&gateway, &view, &caller, &camera).await;
    drop(view);
    let viewer = match viewer {
        Ok(viewer) => viewer,
        Err(error) => {
            let refusal = notice(&camera, WallState::Error, None, Some(error.body().error));
            let _ = out.send(Out::Text(refusal)).await;
            return;
        }
    };
    let playing = notice(&camera, WallState::Playing, None, None);
    if out.send(Out::Text(playing)).await.is_err() {
        return;
    }
    let mut pictures = viewer.pictures();
    let id = camera.as_bytes();
    loop {
        let feed = pictures.borrow_and_update().clone();
        match feed {
            Feed::Picture(jpeg) => {
                let mut frame = Vec::with_capacity(1 + id.len() + jpeg.len());
                frame.push(u8::try_from(id.len()).unwrap_or(u8::MAX));
                frame.extend_from_slice(id);
                frame.extend_from_slice(&jpeg);
                if out.send(Out::Picture(frame)).await.is_err() {
                    return;
                }
            }
            Feed::Ended(reason) => {
                let ended = notice(&camera, WallState::Ended, Some(reason), None);
                let _ = out.send(Out::Text(ended)).await;
                return;
            }
            Feed::Starting => {}
        }
        if pictures.changed().await.is_err() {
            return;
        }
    }
}

async fn run(grids: Grids, gateway: Gateway, caller: Caller, mut socket: WebSocket) {
    // Room for a picture of every tile: a slow terminal makes the cameras skip pictures
    // (each follower only ever holds the newest), never the server's memory grow.
    let (out, mut pictures) = mpsc::channel::<Out>(MAX_WALL * 2);
    let mut showing: HashMap<String, JoinHandle<()>> = HashMap::new();
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                let Message::Text(text) = message else { continue };
                let wanted = match serde_json::from_str::<WallRequest>(&text) {
                    Ok(wanted) if wanted.cameras.len() <= MAX_WALL => wanted.cameras,
                    Ok(_) | Err(_) => {
                        let _ = socket.send(Message::Text(Utf8Bytes::from(bad_request()))).await;
                        continue;
                    }
                };
                // A tile whose camera ended or was refused stays as it is until the wall asks
                // for it anew (its retry sends the list without it, then with it): it does not
                // take a stream from the caller's allowance behind their back.
                let dropped: Vec<JoinHandle<()>> = showing
                    .extract_if(|camera, _| !wanted.contains(camera))
                    .map(|(_, task)| {
                        task.abort(); // its viewer goes; the last one stops the camera
                        task
                    })
                    .collect();
                // The dropped tiles' streams are given back before new ones count against the
                // caller's allowance: a full wall swapping a camera is not refused.
                for task in dropped {
                    let _ = task.await;
                }
                for camera in wanted {
                    if let Entry::Vacant(tile) = showing.entry(camera) {
                        let camera = tile.key().clone();
                        tile.insert(tokio::spawn(follow(grids.clone(), gateway.clone(), caller.clone(), camera, out.clone())));
                    }
                }
            }
            Some(next) = pictures.recv() => {
                let message = match next {
                    Out::Text(text) => Message::Text(Utf8Bytes::from(text)),
                    Out::Picture(frame) => Message::Binary(frame.into()),
                };
                if socket.send(message).await.is_err() {
                    break;
                }
            }
        }
    }
    for task in showing.into_values() {
        task.abort();
    }
}

/// What the socket answers a request it could not read.
fn bad_request() -> String {
    serde_json::to_string(&WallNotice {
        camera: None,
        state: None,
        reason: None,
        error: Some(ErrorDetail::new(
            code::BAD_WALL_REQUEST,
            format!("视频墙请求无效：应为 {{\"cameras\": [...]}}，最多 {MAX_WALL} 路"),
            format!("expected {{\"cameras\": [...]}} with at most {MAX_WALL} cameras"),
        )),
    })
    .expect("plain data")
}
