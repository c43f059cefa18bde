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

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Extension, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{Feed, camera_in_view, watch};
use crate::api::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// Cameras one terminal's socket carries at most: as many as the gateway runs at all.
pub const MAX_WALL: usize = super::MAX_UPSTREAMS;

#[derive(Debug, Deserialize)]
struct Wanted {
    cameras: Vec<String>,
}

/// `GET /api/cameras/wall` (WebSocket): the pictures of the cameras the wall names.
pub async fn wall(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| run(state, caller, socket))
}

/// What the per-camera tasks hand the writer.
enum Out {
    Text(String),
    Picture(Vec<u8>),
}

fn error_text(camera: &str, error: &ApiError) -> String {
    let mut said = error.body();
    said["camera"] = json!(camera);
    said["state"] = json!("error");
    said.to_string()
}

/// Forwards one camera's pictures until it ends or the wall drops it.
async fn follow(state: AppState, caller: Caller, camera: String, out: mpsc::Sender<Out>) {
    let view = state.view();
    let viewer = match camera_in_view(&view, &caller, &camera) {
        Ok(device) => watch(state.cameras(), device).await,
        Err(error) => Err(error),
    };
    drop(view);
    let viewer = match viewer {
        Ok(viewer) => viewer,
        Err(error) => {
            let _ = out.send(Out::Text(error_text(&camera, &error))).await;
            return;
        }
    };
    let playing = json!({ "camera": camera, "state": "playing" }).to_string();
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
                let ended = json!({ "camera": camera, "state": "ended", "reason": reason });
                let _ = out.send(Out::Text(ended.to_string())).await;
                return;
            }
            Feed::Starting => {}
        }
        if pictures.changed().await.is_err() {
            return;
        }
    }
}

async fn run(state: AppState, caller: Caller, mut socket: WebSocket) {
    // Room for a picture of every tile: a slow terminal makes the cameras skip pictures
    // (each follower only ever holds the newest), never the server's memory grow.
    let (out, mut pictures) = mpsc::channel::<Out>(MAX_WALL * 2);
    let mut showing: HashMap<String, JoinHandle<()>> = HashMap::new();
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                let Message::Text(text) = message else { continue };
                let wanted = match serde_json::from_str::<Wanted>(&text) {
                    Ok(wanted) if wanted.cameras.len() <= MAX_WALL => wanted.cameras,
                    Ok(_) | Err(_) => {
                        let refusal = json!({ "error": {
                            "code": "BAD_WALL_REQUEST",
                            "message_zh": format!("视频墙请求无效：应为 {{\"cameras\": [...]}}，最多 {MAX_WALL} 路"),
                            "message_en": format!("expected {{\"cameras\": [...]}} with at most {MAX_WALL} cameras"),
                        }});
                        let _ = socket.send(Message::Text(Utf8Bytes::from(refusal.to_string()))).await;
                        continue;
                    }
                };
                showing.retain(|camera, task| {
                    let keep = wanted.contains(camera) && !task.is_finished();
                    if !keep {
                        task.abort(); // its viewer goes; the last one stops the camera
                    }
                    keep
                });
                for camera in wanted {
                    if let Entry::Vacant(tile) = showing.entry(camera) {
                        let camera = tile.key().clone();
                        tile.insert(tokio::spawn(follow(state.clone(), caller.clone(), camera, out.clone())));
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
