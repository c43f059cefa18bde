//! The video wall's pictures on one WebSocket (`/api/cameras/wall`): a browser keeps six
//! connections to a server, so nine MJPEG pictures would starve every other request. The wall
//! names its cameras; each picture arrives as a binary message (id length, id, JPEG) and is
//! shown from an object URL, the one before it revoked.

use std::collections::HashMap;

use js_sys::{Array, ArrayBuffer, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, Blob, BlobPropertyBag, MessageEvent, Url, WebSocket};

use binhe_api::devices::{WALL, WallNotice, WallRequest, WallState};

use crate::api::ApiError;

/// What the server last said of a tile's camera.
#[derive(Clone, Debug, PartialEq)]
pub enum FeedState {
    Connecting,
    Playing,
    /// The camera stopped while it played.
    Ended(String),
    /// It could not be shown at all.
    Refused(ApiError),
}

/// One tile's signals, which the tile owns.
#[derive(Clone, Copy)]
struct Tile {
    picture: RwSignal<Option<String>>,
    state: RwSignal<FeedState>,
}

impl Tile {
    /// Shows another picture (or none), letting go of the one before.
    fn show(self, url: Option<String>) {
        if let Some(Some(old)) = self.picture.try_get_untracked() {
            let _ = Url::revoke_object_url(&old);
        }
        self.picture.try_set(url);
    }
}

#[derive(Clone, Copy)]
pub struct WallFeed {
    tiles: StoredValue<HashMap<String, Tile>, LocalStorage>,
    socket: StoredValue<Option<WebSocket>, LocalStorage>,
    wanted: StoredValue<Vec<String>>,
}

impl WallFeed {
    pub fn new() -> Self {
        WallFeed {
            tiles: StoredValue::new_local(HashMap::new()),
            socket: StoredValue::new_local(None),
            wanted: StoredValue::new(Vec::new()),
        }
    }

    /// A tile shows `camera` with these signals until [`WallFeed::detach`].
    pub fn attach(
        self,
        camera: &str,
        picture: RwSignal<Option<String>>,
        state: RwSignal<FeedState>,
    ) {
        self.tiles.update_value(|t| {
            t.insert(camera.to_owned(), Tile { picture, state });
        });
    }

    pub fn detach(self, camera: &str) {
        if let Some(tile) = self.tiles.try_update_value(|t| t.remove(camera)).flatten() {
            tile.show(None);
        }
    }

    /// The wall now shows these cameras: the socket opens with the first and closes with the
    /// last; the server starts and stops the cameras to match.
    pub fn show(self, cameras: Vec<String>) {
        let empty = cameras.is_empty();
        self.wanted.set_value(cameras);
        if empty {
            if let Some(socket) = self.socket.try_update_value(Option::take).flatten() {
                socket.set_onclose(None);
                let _ = socket.close();
            }
            return;
        }
        match self.socket.get_value() {
            Some(socket) if socket.ready_state() == WebSocket::OPEN => self.send(&socket),
            Some(_) => {} // still opening: it sends the list when open
            None => self.open(),
        }
    }

    /// Asks for a camera again (it stopped or was refused): the list without it, then with it.
    pub fn retry(self, camera: &str) {
        let all = self.wanted.get_value();
        self.show(all.iter().filter(|c| *c != camera).cloned().collect());
        self.show(all);
    }

    fn send(self, socket: &WebSocket) {
        let list = WallRequest {
            cameras: self.wanted.get_value(),
        };
        if let Ok(text) = serde_json::to_string(&list) {
            let _ = socket.send_with_str(&text);
        }
    }

    fn open(self) {
        let location = window().location();
        let scheme = if location.protocol().as_deref() == Ok("https:") {
            "wss"
        } else {
            "ws"
        };
        let host = location.host().unwrap_or_default();
        let Ok(socket) = WebSocket::new(&format!("{scheme}://{host}{WALL}")) else {
            self.all_refused("cannot open the wall's socket");
            return;
        };
        socket.set_binary_type(BinaryType::Arraybuffer);
        let opened = socket.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || self.send(&opened));
        let on_message =
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| self.heard(&e));
        let on_close = Closure::<dyn FnMut()>::new(move || {
            self.socket.try_set_value(None);
            self.all_refused("the wall's socket closed");
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        // The handlers live as long as the page; a closed socket calls none.
        on_open.forget();
        on_message.forget();
        on_close.forget();
        self.socket.set_value(Some(socket));
    }

    fn tile(self, camera: &str) -> Option<Tile> {
        self.tiles
            .try_with_value(|t| t.get(camera).copied())
            .flatten()
    }

    fn heard(self, e: &MessageEvent) {
        let data = e.data();
        if let Some(buffer) = data.dyn_ref::<ArrayBuffer>() {
            self.picture(&Uint8Array::new(buffer));
        } else if let Some(text) = data.as_string()
            && let Ok(said) = serde_json::from_str::<WallNotice>(&text)
        {
            self.said(said);
        }
    }

    fn picture(self, bytes: &Uint8Array) {
        let n = bytes.length();
        let id_len = if n > 0 {
            u32::from(bytes.get_index(0))
        } else {
            return;
        };
        if n <= 1 + id_len {
            return;
        }
        let id = String::from_utf8(bytes.subarray(1, 1 + id_len).to_vec()).unwrap_or_default();
        let Some(tile) = self.tile(&id) else { return };
        let jpeg = bytes.subarray(1 + id_len, n);
        let options = BlobPropertyBag::new();
        options.set_type("image/jpeg");
        let Ok(blob) = Blob::new_with_u8_array_sequence_and_options(&Array::of1(&jpeg), &options)
        else {
            return;
        };
        if let Ok(url) = Url::create_object_url_with_blob(&blob) {
            tile.show(Some(url));
            if tile.state.try_get_untracked() == Some(FeedState::Connecting) {
                tile.state.try_set(FeedState::Playing);
            }
        }
    }

    fn said(self, said: WallNotice) {
        let Some(tile) = said.camera.as_deref().and_then(|c| self.tile(c)) else {
            return;
        };
        let state = match (said.state, said.error) {
            // Playing shows with the first picture.
            (Some(WallState::Playing), _) => return,
            (Some(WallState::Ended), _) => FeedState::Ended(said.reason.unwrap_or_default()),
            (_, Some(detail)) => FeedState::Refused(ApiError {
                detail,
                status: None,
            }),
            _ => return,
        };
        tile.show(None);
        tile.state.try_set(state);
    }

    fn all_refused(self, why: &str) {
        let tiles: Vec<Tile> = self
            .tiles
            .try_with_value(|t| t.values().copied().collect())
            .unwrap_or_default();
        for tile in tiles {
            tile.show(None);
            tile.state
                .try_set(FeedState::Refused(ApiError::network(why)));
        }
    }
}
