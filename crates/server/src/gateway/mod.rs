//! The camera gateway: live video as MJPEG (which every webview plays, WebKitGTK included),
//! made by ffmpeg from the camera's source. An upstream is opened only while someone watches,
//! shared by every viewer of that camera, and stopped (its ffmpeg process killed) when the last
//! viewer leaves. It also keeps every camera's health ([`health`]) and takes single pictures
//! for camera alerts.
//!
//! Sources: a stream URL (RTSP, HTTP-FLV/HLS/MJPEG from an upstream gateway such as ZLMediaKit
//! or go2rtc), or — for the synthetic demo street — ffmpeg's generated test picture with the
//! camera's name and the time burnt in.

pub mod health;

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::body::Bytes;
use binhe_api::error::code;
use binhe_core::access::Role;
use binhe_core::{Device, DeviceKind, Health};
use chrono::Utc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

pub use health::{HealthBook, PATROL_EVERY, Record, health_of_failure};

use crate::dataset::Grids;

/// Upstreams open at once, at most: each is an ffmpeg process.
pub const MAX_UPSTREAMS: usize = binhe_api::devices::MAX_STREAMS;
/// How long a new upstream may take to deliver its first picture.
const FIRST_FRAME: Duration = Duration::from_secs(10);
/// Pictures per second sent on.
const FRAME_RATE: u32 = 10;
/// The longest a demo camera may be set to play before it stops (a day).
const MAX_STOP_AFTER_S: u32 = 86_400;
/// A JPEG larger than this is not a camera picture.
const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;
/// The zone of the time stamped on camera pictures: Asia/Shanghai (UTC+8, no summer time).
pub const PICTURE_ZONE: &str = "CST-8";

/// The font a test picture's label is drawn in.
pub const FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

/// Where a camera's pictures come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A stream URL ffmpeg can open.
    Url(String),
    /// The generated test picture, labelled (the synthetic demo street's cameras); it stops
    /// after `stop_after` seconds if given, as a failing camera does.
    TestPicture {
        label: String,
        stop_after: Option<u32>,
    },
}

/// Stream addresses a camera record may hold.
const SCHEMES: [&str; 5] = ["rtsp", "rtsps", "rtmp", "http", "https"];

impl Source {
    /// The source a camera record names: `testsrc:` (optionally `testsrc:?stop_after=S`), or
    /// an RTSP/RTMP/HTTP(S) URL with a host.
    pub fn of(camera: &Device) -> Result<Self, GatewayError> {
        let invalid = |reason: String| GatewayError::InvalidSource {
            camera: camera.id.clone(),
            reason,
        };
        let stream = camera
            .stream
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| GatewayError::NoStream {
                camera: camera.id.clone(),
            })?;
        if let Some(options) = stream.strip_prefix("testsrc:") {
            let stop_after = match options.strip_prefix('?') {
                None if options.is_empty() => None,
                Some(query) => {
                    let seconds = query
                        .strip_prefix("stop_after=")
                        .and_then(|s| s.parse::<u32>().ok())
                        .filter(|s| (1..=MAX_STOP_AFTER_S).contains(s))
                        .ok_or_else(|| {
                            invalid(format!(
                                "testsrc takes ?stop_after=1..{MAX_STOP_AFTER_S}, not {query:?}"
                            ))
                        })?;
                    Some(seconds)
                }
                None => return Err(invalid(format!("unknown testsrc options {options:?}"))),
            };
            return Ok(Self::TestPicture {
                label: format!("{} {}", camera.name, camera.id),
                stop_after,
            });
        }
        let url = url::Url::parse(stream).map_err(|e| invalid(format!("{stream:?}: {e}")))?;
        if !SCHEMES.contains(&url.scheme()) {
            return Err(invalid(format!(
                "{stream:?}: the gateway opens {} streams, not {}",
                SCHEMES.join("/"),
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid(format!("{stream:?} names no host")));
        }
        Ok(Self::Url(stream.to_owned()))
    }

    /// Host and port to knock at to see whether the camera answers (URL sources only).
    pub fn address(&self) -> Option<(String, u16)> {
        let Self::Url(text) = self else { return None };
        let url = url::Url::parse(text).ok()?;
        let port = url.port().or(match url.scheme() {
            "rtsp" => Some(554),
            "rtsps" => Some(322),
            "rtmp" => Some(1935),
            _ => url.port_or_known_default(),
        })?;
        Some((url.host_str()?.trim_matches(['[', ']']).to_owned(), port))
    }

    /// The ffmpeg command that delivers this source's pictures as MJPEG on its output, with
    /// the label file it reads (test pictures).
    pub fn prepare(&self) -> std::io::Result<Prepared> {
        let mut command = Command::new("ffmpeg");
        // The time drawn on a picture (`%{localtime}`) is Beijing's, as everywhere in the UI,
        // whatever zone the server's machine is in. A POSIX rule, so no zone database is needed:
        // China keeps UTC+8 all year.
        command.env("TZ", PICTURE_ZONE);
        command.args(["-hide_banner", "-nostdin", "-loglevel", "error"]);
        let mut label_file = None;
        match self {
            Self::Url(url) => {
                if url.starts_with("rtsp://") {
                    command.args(["-rtsp_transport", "tcp"]);
                }
                command.args(["-rw_timeout", "5000000", "-i", url, "-an"]);
                command.args(["-vf", &format!("fps={FRAME_RATE},scale=640:-2")]);
            }
            Self::TestPicture { label, stop_after } => {
                // The name comes from the device register: it reaches drawtext through a file
                // of the server's own, never through the filter text, which ffmpeg parses at
                // two levels (the graph, then the filter's options) where quotes, colons,
                // commas, semicolons and brackets would break out.
                let file = LabelFile::write(&format!("{}  %{{localtime}}", label_text(label)))?;
                if let Some(seconds) = stop_after {
                    command.args(["-t", &seconds.to_string()]);
                }
                command.args([
                    "-re",
                    "-f",
                    "lavfi",
                    "-i",
                    &format!("testsrc2=size=640x360:rate={FRAME_RATE}"),
                    "-vf",
                    &format!(
                        "drawtext=fontfile={FONT}:textfile={}:x=12:y=12:\
                         fontsize=22:fontcolor=white:box=1:boxcolor=black@0.55:boxborderw=6",
                        file.path.display()
                    ),
                ]);
                label_file = Some(file);
            }
        }
        command.args(["-f", "mjpeg", "-q:v", "7", "pipe:1"]);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        Ok(Prepared {
            command,
            label_file,
        })
    }
}

/// A label as drawtext's text expansion reads it: a backslash and a percent sign (which would
/// start an expansion such as `%{eif:…}`) escaped with a backslash, control characters (a
/// newline would start a second line) as spaces.
pub fn label_text(label: &str) -> String {
    let mut text = String::with_capacity(label.len());
    for c in label.chars() {
        match c {
            '\\' | '%' => {
                text.push('\\');
                text.push(c);
            }
            c if c.is_control() => text.push(' '),
            c => text.push(c),
        }
    }
    text
}

/// A test picture's label in a file of the server's own in the temporary folder (a name no
/// one can guess, created new), removed when dropped.
#[derive(Debug)]
pub struct LabelFile {
    path: std::path::PathBuf,
}

impl LabelFile {
    fn write(text: &str) -> std::io::Result<Self> {
        use std::io::Write;
        let mut random = [0u8; 12];
        getrandom::fill(&mut random).map_err(std::io::Error::other)?;
        let path = std::env::temp_dir().join(format!("binhe-label-{}.txt", hex::encode(random)));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        let label = Self { path };
        file.write_all(text.as_bytes())?;
        Ok(label)
    }
}

impl Drop for LabelFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// An ffmpeg command ready to run, and the label file it reads while it runs.
#[derive(Debug)]
pub struct Prepared {
    pub command: Command,
    label_file: Option<LabelFile>,
}

impl Prepared {
    pub fn label_file(&self) -> Option<&std::path::Path> {
        self.label_file.as_ref().map(|f| f.path.as_path())
    }
}

/// Live streams one watcher may hold at once: per signed-in session and per account (an
/// account signed in on two terminals shares its allowance between them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamQuota {
    pub per_session: usize,
    pub per_account: usize,
}

/// The allowances by role: the field (grid workers, commanders) watches a camera or a 2×2
/// wall; the desk (dispatchers, administrators) the 3×3 video wall and a device card beside
/// it, and may be signed in at a second terminal — never every stream the gateway runs
/// ([`MAX_UPSTREAMS`]), so others always find a free one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamQuotas {
    pub field: StreamQuota,
    pub desk: StreamQuota,
}

/// The environment variable that sets [`StreamQuotas`]: `field=4/4,desk=10/12` (per session /
/// per account; either part may be left out).
pub const STREAM_QUOTA_VARIABLE: &str = "BINHE_STREAM_QUOTA";

impl Default for StreamQuotas {
    fn default() -> Self {
        Self {
            field: StreamQuota {
                per_session: 4,
                per_account: 4,
            },
            desk: StreamQuota {
                per_session: 10,
                per_account: 12,
            },
        }
    }
}

impl StreamQuotas {
    pub fn for_role(&self, role: Role) -> StreamQuota {
        match role {
            Role::Worker | Role::Commander => self.field,
            Role::Dispatcher | Role::Administrator => self.desk,
        }
    }

    /// Reads `field=S/A,desk=S/A` over the defaults; each number at least 1.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut quotas = Self::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || format!("{part:?}: expected field=S/A or desk=S/A, S and A from 1 up");
            let (who, numbers) = part.split_once('=').ok_or_else(bad)?;
            let (session, account) = numbers.split_once('/').ok_or_else(bad)?;
            let number = |n: &str| n.trim().parse::<usize>().ok().filter(|&n| n >= 1);
            let quota = StreamQuota {
                per_session: number(session).ok_or_else(bad)?,
                per_account: number(account).ok_or_else(bad)?,
            };
            match who.trim() {
                "field" => quotas.field = quota,
                "desk" => quotas.desk = quota,
                _ => return Err(bad()),
            }
        }
        Ok(quotas)
    }

    /// [`STREAM_QUOTA_VARIABLE`] if set, else the defaults.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var(STREAM_QUOTA_VARIABLE) {
            Ok(text) => Self::parse(&text).map_err(|e| format!("{STREAM_QUOTA_VARIABLE}: {e}")),
            Err(_) => Ok(Self::default()),
        }
    }
}

/// Who watches: an account, one of its sessions, and what it may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watcher {
    pub account: String,
    pub session: String,
    pub quota: StreamQuota,
}

/// Which allowance a watcher has used up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaOf {
    Session,
    Account,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    #[error("camera {camera} could not be reached: {reason}")]
    Unreachable { camera: String, reason: String },
    #[error("{open} camera streams are open, the most this server runs at once")]
    Busy { open: usize },
    #[error("camera {camera} has no stream address")]
    NoStream { camera: String },
    #[error("camera {camera} has an invalid stream address: {reason}")]
    InvalidSource { camera: String, reason: String },
    #[error("{limit} live streams are open for this {}, the most it may watch at once; close one first", match .of { QuotaOf::Session => "session", QuotaOf::Account => "account" })]
    StreamLimit { limit: usize, of: QuotaOf },
}

impl GatewayError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreachable { .. } => "CAMERA_UNREACHABLE",
            Self::Busy { .. } => "GATEWAY_BUSY",
            Self::NoStream { .. } => "CAMERA_NO_STREAM",
            Self::InvalidSource { .. } => "CAMERA_SOURCE_INVALID",
            Self::StreamLimit { .. } => code::STREAM_LIMIT,
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
            Self::NoStream { camera } => {
                format!("摄像头 {camera} 未登记视频流地址，请在设备台账中补充")
            }
            Self::InvalidSource { camera, reason } => {
                format!("摄像头 {camera} 的视频流地址无效（{reason}），请在设备台账中更正")
            }
            Self::StreamLimit { limit, of } => format!(
                "您{}已同时观看 {limit} 路实时视频，达到上限，请先关闭其他画面",
                match of {
                    QuotaOf::Session => "在本终端",
                    QuotaOf::Account => "的账号",
                }
            ),
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
    /// The label the process reads (test pictures), removed with it.
    _label: Option<LabelFile>,
}

/// A viewer's hold on an upstream: the stream runs as long as some viewer holds one.
#[derive(Debug, Clone)]
pub struct Viewer {
    upstream: Arc<Upstream>,
    /// The watcher's place in its allowance, given back with the last clone.
    _lease: Option<Arc<Lease>>,
}

/// Live streams held now, by account and by session.
#[derive(Debug, Default)]
struct Holdings {
    accounts: HashMap<String, usize>,
    sessions: HashMap<String, usize>,
}

impl Holdings {
    fn give_back(count: &mut HashMap<String, usize>, key: &str) {
        if let Some(n) = count.get_mut(key) {
            *n -= 1;
            if *n == 0 {
                count.remove(key);
            }
        }
    }
}

/// One live stream of a watcher's allowance.
#[derive(Debug)]
struct Lease {
    holdings: Arc<Mutex<Holdings>>,
    account: String,
    session: String,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut held = self
            .holdings
            .lock()
            .expect("holdings lock is never poisoned");
        Holdings::give_back(&mut held.accounts, &self.account);
        Holdings::give_back(&mut held.sessions, &self.session);
    }
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
    pub(super) limit: usize,
    quotas: StreamQuotas,
    holdings: Arc<Mutex<Holdings>>,
    /// What the gateway last saw of each camera.
    pub(super) health: Arc<Mutex<HealthBook>>,
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
            quotas: StreamQuotas::default(),
            holdings: Arc::default(),
            health: Arc::default(),
        }
    }

    /// The same gateway with these allowances per watcher.
    #[must_use]
    pub fn with_quotas(mut self, quotas: StreamQuotas) -> Self {
        self.quotas = quotas;
        self
    }

    pub fn quotas(&self) -> StreamQuotas {
        self.quotas
    }

    /// Takes a place in the watcher's allowance, or says which one is used up.
    fn lease(&self, watcher: &Watcher) -> Result<Lease, GatewayError> {
        let mut held = self
            .holdings
            .lock()
            .expect("holdings lock is never poisoned");
        let quota = watcher.quota;
        let by_session = held.sessions.get(&watcher.session).copied().unwrap_or(0);
        if by_session >= quota.per_session {
            return Err(GatewayError::StreamLimit {
                limit: quota.per_session,
                of: QuotaOf::Session,
            });
        }
        let by_account = held.accounts.get(&watcher.account).copied().unwrap_or(0);
        if by_account >= quota.per_account {
            return Err(GatewayError::StreamLimit {
                limit: quota.per_account,
                of: QuotaOf::Account,
            });
        }
        *held.sessions.entry(watcher.session.clone()).or_default() += 1;
        *held.accounts.entry(watcher.account.clone()).or_default() += 1;
        Ok(Lease {
            holdings: Arc::clone(&self.holdings),
            account: watcher.account.clone(),
            session: watcher.session.clone(),
        })
    }

    /// Live streams a watcher holds now: (this session's, its account's).
    pub fn held_by(&self, watcher: &Watcher) -> (usize, usize) {
        let held = self
            .holdings
            .lock()
            .expect("holdings lock is never poisoned");
        (
            held.sessions.get(&watcher.session).copied().unwrap_or(0),
            held.accounts.get(&watcher.account).copied().unwrap_or(0),
        )
    }

    /// Watches a camera for a person, within their allowance ([`Gateway::watch`] otherwise).
    pub async fn watch_as(
        &self,
        watcher: &Watcher,
        camera: &str,
        source: &Source,
    ) -> Result<Viewer, GatewayError> {
        let lease = self.lease(watcher)?; // given back if the camera cannot be watched
        let viewer = self.watch(camera, source).await?;
        Ok(Viewer {
            _lease: Some(Arc::new(lease)),
            ..viewer
        })
    }

    /// Notes what was seen of a camera.
    pub(super) fn mark(&self, camera: &str, health: Health, reason: Option<String>) {
        self.health
            .lock()
            .expect("health lock is never poisoned")
            .set(camera, health, reason, Utc::now());
    }

    /// The camera's health as last seen.
    pub fn health_of(&self, camera: &str) -> Health {
        self.health
            .lock()
            .expect("health lock is never poisoned")
            .health_of(camera)
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
                let upstream = Arc::new(self.start(camera, source)?);
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
        let reason = match first {
            Ok(Ok(())) => {
                self.mark(camera, Health::Online, None);
                return Ok(Viewer {
                    upstream,
                    _lease: None,
                });
            }
            Ok(Err(reason)) => reason,
            Err(_) => format!("no picture within {} s", FIRST_FRAME.as_secs()),
        };
        self.mark(camera, health_of_failure(&reason), Some(reason.clone()));
        Err(unreachable(reason))
    }

    fn start(&self, camera: &str, source: &Source) -> Result<Upstream, GatewayError> {
        let cannot = |e: std::io::Error| GatewayError::Unreachable {
            camera: camera.to_owned(),
            reason: format!("cannot run ffmpeg: {e}"),
        };
        let Prepared {
            mut command,
            label_file,
        } = source.prepare().map_err(cannot)?;
        let mut process = command.spawn().map_err(cannot)?;
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
        let gateway = self.clone();
        let id = camera.to_owned();
        tokio::spawn(async move {
            let mut pictures = 0_u64;
            let mut buffer = Vec::with_capacity(64 * 1024);
            let mut chunk = vec![0u8; 64 * 1024];
            loop {
                match stdout.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                }
                while let Some(picture) = take_picture(&mut buffer) {
                    pictures += 1;
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
            if tell.is_closed() {
                return; // stopped because its last viewer left
            }
            if pictures > 0 {
                // It played, then stopped by itself: the camera is at fault.
                gateway.mark(
                    &id,
                    Health::Fault,
                    Some(format!("stopped after {pictures} pictures: {reason}")),
                );
            }
            let _ = tell.send(Feed::Ended(reason));
        });
        Ok(Upstream {
            camera: camera.to_owned(),
            feed,
            _process: process,
            _label: label_file,
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

/// The source of a camera of the dataset; a camera whose record names no usable stream is
/// noted at fault.
fn source_of(gateway: &Gateway, camera: &Device) -> Result<Source, GatewayError> {
    Source::of(camera).inspect_err(|error| {
        gateway.mark(&camera.id, Health::Fault, Some(error.to_string()));
    })
}

/// Starts watching a camera of the dataset for the server itself (a camera alert's picture).
pub async fn watch_camera(gateway: &Gateway, camera: &Device) -> Result<Viewer, GatewayError> {
    gateway
        .watch(&camera.id, &source_of(gateway, camera)?)
        .await
}

/// Starts watching a camera of the dataset for a person, within their allowance.
pub async fn watch_camera_as(
    gateway: &Gateway,
    watcher: &Watcher,
    camera: &Device,
) -> Result<Viewer, GatewayError> {
    let source = source_of(gateway, camera)?;
    gateway.watch_as(watcher, &camera.id, &source).await
}

/// One picture from a camera now (for a camera alert that came without one).
pub async fn grab_picture(gateway: &Gateway, camera: &Device) -> Result<Bytes, GatewayError> {
    let viewer = watch_camera(gateway, camera).await?;
    let picture = match &*viewer.pictures().borrow() {
        Feed::Picture(jpeg) => jpeg.clone(),
        Feed::Starting | Feed::Ended(_) => {
            return Err(GatewayError::Unreachable {
                camera: camera.id.clone(),
                reason: "the stream ended".to_owned(),
            });
        }
    };
    Ok(picture)
}

/// Knocks at every camera of the current grids now and then, as long as the server runs.
pub async fn patrol_forever(gateway: Gateway, grids: Grids) {
    loop {
        let view = grids.view();
        let cameras: Vec<(String, Result<Source, GatewayError>)> = view
            .dataset
            .devices
            .iter()
            .filter(|d| d.kind == DeviceKind::Camera)
            .map(|d| (d.id.clone(), Source::of(d)))
            .collect();
        drop(view);
        gateway.patrol(cameras).await;
        tokio::time::sleep(PATROL_EVERY).await;
    }
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

    #[test]
    fn pictures_are_stamped_in_beijing_time() {
        let source = Source::TestPicture {
            label: "路口".to_owned(),
            stop_after: None,
        };
        let prepared = source.prepare().unwrap();
        let zone = prepared
            .command
            .as_std()
            .get_envs()
            .find(|(name, _)| *name == "TZ")
            .and_then(|(_, value)| value);
        assert_eq!(zone, Some(std::ffi::OsStr::new(PICTURE_ZONE)));
    }
}
