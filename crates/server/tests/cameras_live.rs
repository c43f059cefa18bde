//! Live camera pictures through the gateway: real ffmpeg processes, opened on demand, shared
//! by viewers, stopped with the last viewer; clear errors for unknown cameras, unreachable
//! sources and a full gateway; no process left behind.

mod common;

use std::time::Duration;

use binhe_core::Health;
use binhe_core::access::Role;
use binhe_core::{Device, DeviceKind, GridCode};
use binhe_server::gateway::{Feed, Gateway, GatewayError, Source, StreamQuotas};
use common::{Harness, processes};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The tests count this process's ffmpeg children, so they run one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn ffmpeg_children() -> usize {
    processes::ffmpeg_children().len()
}

async fn until(what: &str, check: impl Fn() -> bool) {
    for _ in 0..60 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} within 6 s");
}

/// Reads the next JPEG of a multipart MJPEG response.
async fn next_picture(response: &mut reqwest::Response, buffer: &mut Vec<u8>) -> Vec<u8> {
    loop {
        if let Some(start) = buffer.windows(2).position(|w| w == [0xFF, 0xD8])
            && let Some(end) = buffer[start + 2..]
                .windows(2)
                .position(|w| w == [0xFF, 0xD9])
        {
            let end = start + 2 + end + 2;
            let picture = buffer[start..end].to_vec();
            buffer.drain(..end);
            return picture;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("pictures keep coming")
            .unwrap()
            .expect("the stream stays open");
        buffer.extend_from_slice(&chunk);
    }
}

#[tokio::test]
async fn viewers_share_one_upstream_that_stops_with_the_last_of_them() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("cameras.sqlite")).await;
    let camera = h.first_camera().await;
    let path = format!("/api/cameras/{camera}/live.mjpeg");
    assert_eq!(ffmpeg_children(), 0);

    let mut first = h.get(&path).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert!(
        first.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("multipart/x-mixed-replace")
    );
    let mut second = h.get(&path).await;
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(ffmpeg_children(), 1, "two viewers, one upstream");
    let status = h.json("/api/cameras/status").await;
    assert_eq!(status["open"][0]["camera"], camera.as_str());
    assert_eq!(status["open"][0]["viewers"], 2);

    let (mut a, mut b) = (Vec::new(), Vec::new());
    let picture = next_picture(&mut first, &mut a).await;
    assert!(picture.len() > 1000, "a real picture");
    let mut changed = false;
    for _ in 0..30 {
        if next_picture(&mut first, &mut a).await != picture {
            changed = true;
            break;
        }
    }
    assert!(changed, "the picture moves");
    next_picture(&mut second, &mut b).await;

    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(ffmpeg_children(), 1, "one viewer still watches");
    next_picture(&mut second, &mut b).await;
    drop(second);
    until("the upstream stops with its last viewer", || {
        ffmpeg_children() == 0
    })
    .await;
    assert_eq!(
        h.json("/api/cameras/status").await["open"],
        Value::Array(vec![])
    );

    let missing = h.get("/api/cameras/NO-SUCH-CAMERA/live.mjpeg").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let answer: Value = missing.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "CAMERA_NOT_FOUND");
}

#[tokio::test]
async fn an_unreachable_source_is_a_clear_error_and_leaves_no_process() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let gateway = Gateway::default();
    let error = gateway
        .watch("C-RTSP", &Source::Url("rtsp://127.0.0.1:9/none".to_owned()))
        .await
        .unwrap_err();
    let GatewayError::Unreachable { camera, reason } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(camera, "C-RTSP");
    assert!(!reason.is_empty());
    assert_eq!(error.code(), "CAMERA_UNREACHABLE");
    assert!(error.message_zh().contains("无法连接"));
    assert_eq!(
        gateway.health_of("C-RTSP"),
        Health::Offline,
        "nobody answers: offline"
    );
    let malformed = gateway
        .watch("C-BAD", &Source::Url("not a url at all".to_owned()))
        .await
        .unwrap_err();
    assert_eq!(malformed.code(), "CAMERA_UNREACHABLE");
    assert_eq!(
        gateway.health_of("C-BAD"),
        Health::Fault,
        "an answer that is no picture: fault"
    );
    until("no ffmpeg left", || ffmpeg_children() == 0).await;
}

#[tokio::test]
async fn a_full_gateway_refuses_another_camera_but_not_another_viewer() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let gateway = Gateway::with_limit(2);
    let picture = |n: u32| Source::TestPicture {
        label: format!("测试 {n}"),
        stop_after: None,
    };
    let one = gateway.watch("C-1", &picture(1)).await.unwrap();
    let two = gateway.watch("C-2", &picture(2)).await.unwrap();
    let busy = gateway.watch("C-3", &picture(3)).await.unwrap_err();
    assert_eq!(busy, GatewayError::Busy { open: 2 });
    assert_eq!(busy.code(), "GATEWAY_BUSY");
    let again = gateway.watch("C-1", &picture(1)).await.unwrap();
    assert_eq!(
        gateway.status(),
        [("C-1".to_owned(), 2), ("C-2".to_owned(), 1)]
    );
    drop((one, again));
    let three = gateway.watch("C-3", &picture(3)).await.unwrap();
    assert_eq!(gateway.status().len(), 2);
    drop((two, three));
    until("no ffmpeg left", || ffmpeg_children() == 0).await;
}

#[tokio::test]
async fn a_camera_that_stops_mid_stream_ends_its_feed_and_its_process() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("two-seconds.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=320x240:rate=10")
        .args(["-t", "2", "-pix_fmt", "yuv420p"])
        .arg(&clip)
        .status()
        .unwrap();
    assert!(made.success());
    let gateway = Gateway::default();
    let viewer = gateway
        .watch("C-CLIP", &Source::Url(clip.display().to_string()))
        .await
        .unwrap();
    let mut pictures = viewer.pictures();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Feed::Ended(reason) = &*pictures.borrow_and_update() {
                return reason.clone();
            }
            pictures.changed().await.unwrap();
        }
    })
    .await
    .expect("the feed says it ended instead of hanging");
    assert!(!ended.is_empty());
    assert_eq!(
        gateway.health_of("C-CLIP"),
        Health::Fault,
        "it played, then stopped"
    );
    drop((pictures, viewer));
    until("no ffmpeg left", || ffmpeg_children() == 0).await;
    assert!(gateway.status().is_empty());
}

/// Polls until `check` holds on the health answer, for at most 20 s.
async fn health_until(
    h: &Harness,
    path: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..200 {
        let answer = h.json(path).await;
        if check(&answer) {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} within 20 s: {}", h.json(path).await);
}

#[tokio::test]
async fn camera_health_comes_from_the_gateway_on_the_map_and_in_the_counts() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("health.sqlite")).await;
    let layer = h.json("/api/devices.geojson").await;
    let cameras: Vec<&Value> = layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .filter(|p| p["kind"] == "camera")
        .collect();
    assert_eq!(cameras.len(), 847);

    // The patrol at start knocks at every camera: the demo street's cameras on a loopback
    // address nobody answers are offline, the generated pictures online.
    let first = health_until(&h, "/api/cameras/health", "the first patrol", |a| {
        a["counts"]["unknown"] == 0
    })
    .await;
    assert_eq!(first["counts"]["offline"], 22, "{}", first["counts"]);
    assert_eq!(first["counts"]["online"], 825);
    assert_eq!(first["counts"]["fault"], 0);
    assert_eq!(first["cameras"].as_array().unwrap().len(), 847);
    let offline = first["cameras"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["health"] == "offline")
        .unwrap();
    assert_eq!(offline["id"], "SXJ0037");
    assert!(
        offline["reason"].as_str().unwrap().contains("127.0.0.1:9"),
        "the reason names the address: {offline}"
    );
    let layer = h.json("/api/devices.geojson").await;
    let on_map = |id: &str| {
        layer["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["id"] == id)
            .unwrap()["properties"]["health"]
            .clone()
    };
    assert_eq!(
        on_map("SXJ0037"),
        "offline",
        "the map shows what the gateway saw"
    );
    assert_eq!(on_map("SXJ0001"), "online");

    // Watching an offline camera is a clear error, not a hang, and starts nothing that stays.
    let refused = h.get("/api/cameras/SXJ0037/live.mjpeg").await;
    assert_eq!(refused.status(), StatusCode::BAD_GATEWAY);
    let answer: Value = refused.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "CAMERA_UNREACHABLE");
    until("no ffmpeg left", || ffmpeg_children() == 0).await;

    // A camera that plays and then stops (SXJ0211, after 20 s) is at fault; only it is listed
    // as changed since the version before.
    let version = h.json("/api/cameras/health").await["version"]
        .as_u64()
        .unwrap();
    let mut stream = h.get("/api/cameras/SXJ0211/live.mjpeg").await;
    assert_eq!(stream.status(), StatusCode::OK);
    let mut buffer = Vec::new();
    next_picture(&mut stream, &mut buffer).await;
    let changed = health_until(
        &h,
        &format!("/api/cameras/health?since={version}"),
        "the stopped camera at fault",
        |a| {
            a["cameras"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["health"] == "fault")
        },
    )
    .await;
    assert_eq!(changed["cameras"].as_array().unwrap().len(), 1, "{changed}");
    assert_eq!(changed["cameras"][0]["id"], "SXJ0211");
    assert!(
        changed["cameras"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("stopped after")
    );
    assert_eq!(changed["counts"]["fault"], 1);
    assert_eq!(changed["counts"]["online"], 824);
    drop(stream);
    until("no ffmpeg left", || ffmpeg_children() == 0).await;
}

#[test]
fn a_camera_record_names_a_usable_stream_or_says_what_is_wrong() {
    let camera = |stream: Option<&str>| Device {
        id: "SXJ0001".to_owned(),
        kind: DeviceKind::Camera,
        name: "乐园小区1号院1号摄像机".to_owned(),
        grid: GridCode::parse("110117001001001").unwrap(),
        lon: 117.1,
        lat: 40.15,
        stream: stream.map(str::to_owned),
    };
    assert_eq!(
        Source::of(&camera(Some("testsrc:"))).unwrap(),
        Source::TestPicture {
            label: "乐园小区1号院1号摄像机 SXJ0001".to_owned(),
            stop_after: None
        }
    );
    assert_eq!(
        Source::of(&camera(Some("testsrc:?stop_after=20"))).unwrap(),
        Source::TestPicture {
            label: "乐园小区1号院1号摄像机 SXJ0001".to_owned(),
            stop_after: Some(20)
        }
    );
    let rtsp = Source::of(&camera(Some(
        "rtsp://admin:pw@10.1.2.3/Streaming/Channels/101",
    )))
    .unwrap();
    assert_eq!(rtsp.address(), Some(("10.1.2.3".to_owned(), 554)));
    let flv = Source::of(&camera(Some("http://192.168.1.5:8080/live/cam1.flv"))).unwrap();
    assert_eq!(flv.address(), Some(("192.168.1.5".to_owned(), 8080)));
    assert_eq!(
        Source::of(&camera(None)).unwrap_err().code(),
        "CAMERA_NO_STREAM"
    );
    assert_eq!(
        Source::of(&camera(Some("  "))).unwrap_err().code(),
        "CAMERA_NO_STREAM"
    );
    for bad in [
        "not a url",
        "ftp://10.1.2.3/x",
        "file:///etc/passwd",
        "testsrc:?stop_after=0",
        "testsrc:x",
    ] {
        let error = Source::of(&camera(Some(bad))).unwrap_err();
        assert_eq!(error.code(), "CAMERA_SOURCE_INVALID", "{bad}");
        assert!(error.message_zh().contains("视频流地址无效"), "{bad}");
    }
}

/// What the wall's socket said, by camera: states in order, and pictures received.
#[derive(Debug, Default)]
struct WallSeen {
    states: std::collections::HashMap<String, Vec<Value>>,
    pictures: std::collections::HashMap<String, Vec<Vec<u8>>>,
}

type WallSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Reads the socket until `done` holds on what was seen (at most 15 s).
async fn read_wall(socket: &mut WallSocket, seen: &mut WallSeen, done: impl Fn(&WallSeen) -> bool) {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !done(seen) {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .unwrap_or_else(|_| panic!("the wall's socket went quiet: {seen:?}"))
            .expect("the socket stays open")
            .unwrap();
        match message {
            Message::Text(text) => {
                let said: Value = serde_json::from_str(&text).unwrap();
                let camera = said["camera"].as_str().unwrap_or_default().to_owned();
                seen.states.entry(camera).or_default().push(said);
            }
            Message::Binary(frame) => {
                let length = usize::from(frame[0]);
                let camera = String::from_utf8(frame[1..=length].to_vec()).unwrap();
                seen.pictures
                    .entry(camera)
                    .or_default()
                    .push(frame[1 + length..].to_vec());
            }
            _ => {}
        }
    }
}

/// The wall's socket of the server's own window (the launch key: a dispatcher).
async fn open_wall(h: &Harness) -> WallSocket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{}/api/cameras/wall", h.server.address)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", h.server.secret()).parse().unwrap(),
    );
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// What the wall is asked to show.
fn ask(cameras: &[&str]) -> tokio_tungstenite::tungstenite::Message {
    tokio_tungstenite::tungstenite::Message::Text(json!({ "cameras": cameras }).to_string().into())
}

#[tokio::test]
async fn the_video_wall_gets_every_camera_on_one_socket() {
    use futures_util::SinkExt;
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("wall.sqlite")).await;
    let mut socket = open_wall(&h).await;

    socket
        .send(ask(&["SXJ0001", "SXJ0002", "SXJ0037", "SXJ9999"]))
        .await
        .unwrap();
    let mut seen = WallSeen::default();
    read_wall(&mut socket, &mut seen, |s| {
        ["SXJ0001", "SXJ0002"]
            .iter()
            .all(|c| s.pictures.get(*c).is_some_and(|p| p.len() >= 15))
            && s.states.contains_key("SXJ0037")
            && s.states.contains_key("SXJ9999")
    })
    .await;
    assert_eq!(seen.states["SXJ0001"][0]["state"], "playing");
    assert_eq!(seen.states["SXJ0037"][0]["state"], "error");
    assert_eq!(
        seen.states["SXJ0037"][0]["error"]["code"],
        "CAMERA_UNREACHABLE"
    );
    assert_eq!(
        seen.states["SXJ9999"][0]["error"]["code"],
        "CAMERA_NOT_FOUND"
    );
    for camera in ["SXJ0001", "SXJ0002"] {
        let pictures = &seen.pictures[camera];
        assert!(
            pictures.iter().all(|p| p.starts_with(&[0xFF, 0xD8])),
            "JPEGs"
        );
        assert!(
            pictures.windows(2).any(|w| w[0] != w[1]),
            "{camera}'s picture moves"
        );
    }
    assert_eq!(ffmpeg_children(), 2, "one upstream per playing camera");

    // Dropping a tile stops its camera; the other keeps playing.
    socket.send(ask(&["SXJ0002"])).await.unwrap();
    until("the dropped camera stops", || ffmpeg_children() == 1).await;
    let mut later = WallSeen::default();
    read_wall(&mut socket, &mut later, |s| {
        s.pictures.get("SXJ0002").is_some_and(|p| p.len() >= 5)
    })
    .await;

    // More cameras than the gateway runs: refused, the wall as it was.
    let many: Vec<String> = (1..=17).map(|n| format!("SXJ{n:04}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    socket.send(ask(&many)).await.unwrap();
    let mut refused = WallSeen::default();
    read_wall(&mut socket, &mut refused, |s| s.states.contains_key("")).await;
    assert_eq!(refused.states[""][0]["error"]["code"], "BAD_WALL_REQUEST");
    assert_eq!(ffmpeg_children(), 1);

    // Closing the wall stops everything.
    socket.close(None).await.unwrap();
    until("no ffmpeg left", || ffmpeg_children() == 0).await;
}

#[tokio::test]
async fn the_wall_ends_a_socket_that_sends_more_than_any_wall_request() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("wall-size.sqlite")).await;
    let mut socket = open_wall(&h).await;
    let huge = json!({ "cameras": ["x".repeat(1 << 20)] }).to_string();
    // The server may close before the whole message is sent.
    let _ = socket.send(Message::Text(huge.into())).await;
    let ended = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            match socket.next().await {
                // Keep-alives are no answer.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                None | Some(Err(_) | Ok(Message::Close(_))) => break,
                Some(Ok(other)) => panic!("an answer to an oversized message: {other:?}"),
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the socket stays open after a 1 MiB message");
}

#[tokio::test]
async fn a_full_wall_refuses_past_the_allowance_and_swaps_a_camera_without_refusal() {
    use futures_util::SinkExt;
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("wall-limit.sqlite")).await;
    // The desk's allowance per session, and one camera more, of the demo's steady cameras.
    let allowance = StreamQuotas::default()
        .for_role(Role::Dispatcher)
        .per_session;
    let steady: Vec<String> = binhe_server::dataset::demo_dataset()
        .devices
        .iter()
        .filter(|d| d.kind == DeviceKind::Camera && d.stream.as_deref() == Some("testsrc:"))
        .map(|d| d.id.clone())
        .take(allowance + 2)
        .collect();
    let (spare, wall) = steady.split_last().unwrap();
    let wall: Vec<&str> = wall.iter().map(String::as_str).collect();
    let mut socket = open_wall(&h).await;
    socket.send(ask(&wall)).await.unwrap();
    let mut seen = WallSeen::default();
    read_wall(&mut socket, &mut seen, |s| {
        wall.iter().all(|c| s.states.contains_key(*c))
    })
    .await;
    let refused: Vec<&str> = wall
        .iter()
        .copied()
        .filter(|c| seen.states[*c][0]["state"] == "error")
        .collect();
    assert_eq!(refused.len(), 1, "{:?}", seen.states);
    assert_eq!(seen.states[refused[0]][0]["error"]["code"], "STREAM_LIMIT");
    assert_eq!(ffmpeg_children(), allowance);

    // A full wall swapping a playing camera for another: the old one's place is given back
    // before the new one asks; the refused tile is not tried again behind the watcher's back.
    let playing: Vec<&str> = wall.iter().copied().filter(|c| *c != refused[0]).collect();
    let mut swapped: Vec<&str> = playing[1..].to_vec();
    swapped.extend([refused[0], spare.as_str()]);
    socket.send(ask(&swapped)).await.unwrap();
    let mut later = WallSeen::default();
    read_wall(&mut socket, &mut later, |s| {
        s.pictures
            .get(spare.as_str())
            .is_some_and(|p| !p.is_empty())
    })
    .await;
    assert_eq!(later.states[spare.as_str()][0]["state"], "playing");
    assert!(!later.states.contains_key(refused[0]), "{:?}", later.states);
    until("the swapped-out camera stops", || {
        ffmpeg_children() == allowance
    })
    .await;
    socket.close(None).await.unwrap();
    until("no ffmpeg left", || ffmpeg_children() == 0).await;
}

/// Camera names as a hostile or careless device register may hold them: quotes, ffmpeg's
/// separators at both of its parse levels, escapes, text expansion, a newline.
const HOSTILE_NAMES: [&str; 6] = [
    "东门'; drawtext=text=pwned:x=0",
    r"C:\摄像头\1号, 2号; [out]",
    "%{localtime} %{eif:1/0:d} %{metadata:x}",
    "引号\"双引号\"与'单引号'\\'",
    "第一行\n第二行\r\t结束",
    r"尾部反斜杠\",
];

#[tokio::test]
async fn hostile_camera_names_never_reach_ffmpeg_as_filter_text_and_still_render() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let gateway = Gateway::with_limit(HOSTILE_NAMES.len());
    let mut viewers = Vec::new();
    for (n, name) in HOSTILE_NAMES.iter().enumerate() {
        let source = Source::TestPicture {
            label: (*name).to_owned(),
            stop_after: None,
        };
        // The filter names a file the server wrote; no byte of the name is in the arguments.
        let prepared = source.prepare().unwrap();
        let args: Vec<String> = prepared
            .command
            .as_std()
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let filter = &args[args.iter().position(|a| a == "-vf").unwrap() + 1];
        let file = prepared.label_file().unwrap().to_owned();
        assert_eq!(
            *filter,
            format!(
                "drawtext=fontfile={}:textfile={}:x=12:y=12:fontsize=22:fontcolor=white:\
                 box=1:boxcolor=black@0.55:boxborderw=6",
                binhe_server::gateway::FONT,
                file.display()
            ),
            "{name:?}"
        );
        for arg in &args {
            assert!(!arg.contains("pwned") && !arg.contains("摄像头") && !arg.contains("引号"));
        }
        // The file holds the name for drawtext's text expansion only: each backslash and
        // percent sign escaped, control characters as spaces, then the clock.
        let text = std::fs::read_to_string(&file).unwrap();
        let expected: String = name
            .chars()
            .map(|c| match c {
                '\\' => r"\\".to_owned(),
                '%' => r"\%".to_owned(),
                c if c.is_control() => " ".to_owned(),
                c => c.to_string(),
            })
            .collect();
        assert_eq!(text, format!("{expected}  %{{localtime}}"), "{name:?}");
        drop(prepared);
        assert!(!file.exists(), "the label file goes with its command");

        // ffmpeg takes it and renders pictures.
        let viewer = gateway
            .watch(&format!("H-{n}"), &source)
            .await
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
        let picture = match &*viewer.pictures().borrow() {
            Feed::Picture(jpeg) => jpeg.clone(),
            other => panic!("{name:?}: {other:?}"),
        };
        assert!(picture.starts_with(&[0xFF, 0xD8]) && picture.len() > 1000);
        viewers.push(viewer);
    }
    drop(viewers);
    until("no ffmpeg left", || ffmpeg_children() == 0).await;
}
