//! Live streams per watcher: a grid worker or commander holds at most 4 at once, a dispatcher
//! 10 per session and 12 per account, so no one takes every stream the gateway runs; the next
//! one is refused with STREAM_LIMIT (429) while others still get theirs, and a closed stream
//! gives its place back.

mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use binhe_core::access::Role;
use binhe_server::Database;
use binhe_server::gateway::{
    Gateway, GatewayError, MAX_UPSTREAMS, QuotaOf, Source, StreamQuota, StreamQuotas, Watcher,
};
use common::Harness;
use common::center::{Terminal, make_accounts};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn watcher(account: &str, session: &str, quota: StreamQuota) -> Watcher {
    Watcher {
        account: account.to_owned(),
        session: session.to_owned(),
        quota,
    }
}

#[tokio::test]
async fn a_desk_account_is_held_to_its_allowance_and_others_still_find_streams() {
    let gateway = Gateway::default();
    let desk = StreamQuotas::default().for_role(Role::Dispatcher);
    assert!(
        desk.per_account < MAX_UPSTREAMS,
        "one account never holds every stream"
    );
    let wall_and_card = 9 + 1;
    assert!(
        desk.per_session >= wall_and_card,
        "a 3×3 wall and a device card"
    );
    let picture = Source::TestPicture {
        label: "测试 限额".to_owned(),
        stop_after: None,
    };
    let first = watcher("disp", "terminal-1", desk);
    let second = watcher("disp", "terminal-2", desk);
    let mut held = Vec::new();
    for _ in 0..desk.per_session {
        held.push(gateway.watch_as(&first, "C-1", &picture).await.unwrap());
    }
    let refused = gateway.watch_as(&first, "C-1", &picture).await.unwrap_err();
    assert_eq!(
        refused,
        GatewayError::StreamLimit {
            limit: desk.per_session,
            of: QuotaOf::Session
        }
    );
    assert_eq!(refused.code(), "STREAM_LIMIT");
    assert!(refused.message_zh().contains("本终端"), "{refused}");
    // The account's second terminal has what is left of the account's allowance.
    for _ in desk.per_session..desk.per_account {
        held.push(gateway.watch_as(&second, "C-1", &picture).await.unwrap());
    }
    let refused = gateway
        .watch_as(&second, "C-1", &picture)
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        GatewayError::StreamLimit {
            limit: desk.per_account,
            of: QuotaOf::Account
        }
    );
    assert!(refused.message_zh().contains("账号"), "{refused}");
    assert_eq!(
        gateway.held_by(&second),
        (desk.per_account - desk.per_session, desk.per_account)
    );

    // Someone else still watches.
    let other = watcher("disp2", "terminal-3", desk);
    let theirs = gateway.watch_as(&other, "C-1", &picture).await.unwrap();
    // A stream given back is a place free again.
    held.pop();
    held.push(gateway.watch_as(&second, "C-1", &picture).await.unwrap());
    // A camera that cannot be watched takes no place.
    let broken = Source::Url("rtsp://127.0.0.1:9/none".to_owned());
    assert!(gateway.watch_as(&other, "C-2", &broken).await.is_err());
    assert_eq!(gateway.held_by(&other), (1, 1));
    drop((held, theirs));
    assert_eq!(gateway.held_by(&first), (0, 0));
}

#[test]
fn the_allowances_are_configurable() {
    let quotas = StreamQuotas::parse("field=2/3, desk=9/14").unwrap();
    assert_eq!(
        quotas.for_role(Role::Worker),
        StreamQuota {
            per_session: 2,
            per_account: 3
        }
    );
    assert_eq!(quotas.for_role(Role::Commander).per_account, 3);
    assert_eq!(quotas.for_role(Role::Administrator).per_account, 14);
    let only_desk = StreamQuotas::parse("desk=6/6").unwrap();
    assert_eq!(only_desk.field, StreamQuotas::default().field);
    for bad in ["field=0/4", "field=4", "wall=4/4", "desk=a/b"] {
        let error = StreamQuotas::parse(bad).unwrap_err();
        assert!(error.contains(bad), "{bad}: {error}");
    }
}

/// The first camera `terminal` may see.
async fn first_camera_of(terminal: &Terminal) -> String {
    terminal.json("/api/devices.geojson").await["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["kind"] == "camera")
        .expect("a camera the terminal may see")["properties"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Opens a camera's live picture; the response while it plays.
async fn live(terminal: &Terminal, camera: &str) -> reqwest::Response {
    terminal
        .open(&format!("/api/cameras/{camera}/live.mjpeg"))
        .await
}

#[tokio::test]
async fn a_grid_worker_gets_four_live_streams_and_a_clear_refusal_for_the_fifth() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("streams.sqlite"));
    make_accounts(&database).await;
    let center = Harness::center(database).await;
    let base = center.base();
    let wkr = Terminal::login(&base, "wkr").await;
    let wkr_phone = Terminal::login(&base, "wkr").await;
    let cmdr = Terminal::login(&base, "cmdr").await;
    let camera = first_camera_of(&wkr).await;

    let mut playing = Vec::new();
    for _ in 0..4 {
        let response = live(&wkr, &camera).await;
        assert_eq!(response.status(), StatusCode::OK);
        playing.push(response);
    }
    let refused = live(&wkr, &camera).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let answer: Value = refused.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "STREAM_LIMIT", "{answer}");
    let zh = answer["error"]["message_zh"].as_str().unwrap_or_default();
    assert!(zh.contains("4 路"), "{answer}");
    // The same account on another terminal: the account's allowance is used up too.
    let refused = live(&wkr_phone, &camera).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // The commander of the community still watches the same camera.
    let theirs = live(&cmdr, &camera).await;
    assert_eq!(theirs.status(), StatusCode::OK);

    // Closing a picture gives its place back (once the server sees the connection gone).
    playing.pop();
    let mut again = None;
    for _ in 0..50 {
        let response = live(&wkr_phone, &camera).await;
        if response.status() == StatusCode::OK {
            again = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(again.is_some(), "a closed stream's place comes back");
}

/// A live picture asked for over a connection that reads its answer's status line and then
/// nothing more (a tiny receive window, so the server's sending stalls at once).
async fn unread_picture(address: SocketAddr, token: &str, camera: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(address).await.unwrap();
    let request = format!(
        "GET /api/cameras/{camera}/live.mjpeg HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Authorization: Bearer {token}\r\n\r\n",
        port = address.port()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut status = [0_u8; 12];
    stream.read_exact(&mut status).await.unwrap();
    assert_eq!(&status, b"HTTP/1.1 200");
    stream
}

#[tokio::test]
async fn pictures_nobody_reads_give_their_places_back_after_the_write_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("unread.sqlite"));
    make_accounts(&database).await;
    let center = Harness::start_with(database, |config| {
        config.center = Some(Ipv4Addr::LOCALHOST.into());
        config.client_timeouts.write = Duration::from_secs(1);
    })
    .await;
    let base = center.base();
    let wkr = Terminal::login(&base, "wkr").await;
    let camera = first_camera_of(&wkr).await;
    let token = wkr.token.clone().unwrap();
    let mut unread = Vec::new();
    for _ in 0..4 {
        unread.push(unread_picture(center.server.address, &token, &camera).await);
    }
    assert_eq!(
        live(&wkr, &camera).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the four unread pictures hold the worker's allowance"
    );
    // The server gives up on each once it could send nothing for a second, and its place
    // comes back (asked for without reading the unread ones, which would let them go on).
    let mut again = Vec::new();
    for _ in 0..600 {
        let response = live(&wkr, &camera).await;
        if response.status() == StatusCode::OK {
            again.push(response);
            if again.len() == 4 {
                break;
            }
        } else {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert_eq!(again.len(), 4, "the unread pictures' places came back");
    // Each connection has ended: what was sent before it is still there to read, then the end.
    for mut stream in unread {
        let mut rest = Vec::new();
        let ended =
            tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut rest)).await;
        assert!(
            ended.is_ok(),
            "an unread picture's connection is still open"
        );
    }
}
