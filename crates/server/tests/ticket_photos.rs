//! Photos kept with a ticket, over real HTTP on a center server with a real SQLite file: a grid
//! worker uploads JPEG, PNG and HEIC (converted to JPEG) photos of a ticket they hold and feeds
//! back with them; the photos show on the card for whoever sees the ticket. Too large, other
//! types, damaged pictures and refs of another ticket are refused with their own codes and
//! nothing is kept. The pictures are made here: PNG with the png crate, JPEG with ffmpeg, HEIC
//! with libheif's `heif-enc` (scripts/setup.sh installs both). The phone's page is the app at
//! `/m/`.

mod common;

use binhe_server::Database;
use common::Harness;
use common::center::{Cast, Terminal, make_accounts, point_in, request_at};
use common::pictures::{heic_photo, jpeg_photo, png_photo};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Desk {
    _center: Harness,
    cast: Cast,
    disp: Terminal,
    cmdr: Terminal,
    wkr: Terminal,
    admin: Terminal,
    _dir: tempfile::TempDir,
}

async fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("center.sqlite"));
    let cast = make_accounts(&database).await;
    let center = Harness::center(database).await;
    let base = center.base();
    Desk {
        disp: Terminal::login(&base, "disp").await,
        cmdr: Terminal::login(&base, "cmdr").await,
        wkr: Terminal::login(&base, "wkr").await,
        admin: Terminal::login(&base, "admin").await,
        _center: center,
        cast,
        _dir: dir,
    }
}

fn code(answer: &Value) -> &str {
    answer["error"]["code"].as_str().unwrap_or_default()
}

fn message_zh(answer: &Value) -> &str {
    answer["error"]["message_zh"].as_str().unwrap_or_default()
}

/// A ticket reported in `community`, as the dispatcher took it in.
async fn reported_ticket(d: &Desk, community: &str, n: usize) -> Value {
    let (lon, lat, _) = point_in(&d.disp, community, n).await;
    let (status, answer) = d
        .disp
        .post(
            "/api/tickets",
            request_at(lon, lat, "井盖缺失，存在安全隐患"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer["ticket"].clone()
}

/// Runs `action` on `ticket` (as it was answered) as `who`.
async fn act(who: &Terminal, ticket: &Value, action: &str, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({ "action": action, "version": ticket["version"] });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    who.post(&format!("/api/tickets/{}/actions", ticket["id"]), body)
        .await
}

/// A ticket in `community` registered and dispatched to the cast's worker.
async fn dispatched_ticket(d: &Desk, community: &str, n: usize) -> Value {
    let mut ticket = reported_ticket(d, community, n).await;
    let dispatch = json!({ "grid": d.cast.worker_grid, "worker_id": d.cast.worker_id });
    for (action, extra) in [("register", json!({})), ("dispatch", dispatch)] {
        let (status, answer) = act(&d.disp, &ticket, action, extra).await;
        assert_eq!(status, StatusCode::OK, "{action}: {answer}");
        ticket = answer["ticket"].clone();
    }
    ticket
}

/// POSTs `bytes` as a photo of ticket `id`, with a header that claims JPEG whatever they are.
async fn upload(t: &Terminal, id: i64, bytes: Vec<u8>) -> (StatusCode, Value) {
    let response = t
        .client
        .post(format!("{}/api/tickets/{id}/photos", t.base))
        .bearer_auth(t.token.as_deref().unwrap())
        .header("content-type", "image/jpeg")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn fetch(t: &Terminal, url: &str) -> reqwest::Response {
    t.client
        .get(format!("{}{url}", t.base))
        .bearer_auth(t.token.as_deref().unwrap())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_worker_feeds_back_with_jpeg_png_and_heic_photos_shown_on_the_card() {
    let d = desk().await;
    let files = tempfile::tempdir().unwrap();
    let ticket = dispatched_ticket(&d, &d.cast.community, 0).await;
    let id = ticket["id"].as_i64().unwrap();
    let (status, started) = act(&d.wkr, &ticket, "start", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{started}");

    let jpeg = jpeg_photo(files.path(), 320, 240);
    let png = png_photo(40, 30);
    let heic = heic_photo(files.path(), 128, 96);
    assert_eq!(&heic[4..12], b"ftypheic", "heif-enc wrote a HEIC file");

    // Each kept as what its bytes are, sized from its header; the HEIC converted to JPEG.
    let mut kept = Vec::new();
    for (bytes, kind, uploaded_as, size) in [
        (&jpeg, "image/jpeg", "jpeg", (320, 240)),
        (&png, "image/png", "png", (40, 30)),
        (&heic, "image/jpeg", "heif", (128, 96)),
    ] {
        let (status, answer) = upload(&d.wkr, id, bytes.clone()).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["content_type"], kind, "{answer}");
        assert_eq!(answer["uploaded_as"], uploaded_as, "{answer}");
        assert_eq!(
            (&answer["width"], &answer["height"]),
            (&json!(size.0), &json!(size.1))
        );
        kept.push(answer);
    }
    let [kept_jpeg, kept_png, kept_heic] = <[Value; 3]>::try_from(kept).unwrap();
    assert_eq!(kept_jpeg["bytes"], jpeg.len());

    // The same bytes again are the same photo.
    let (status, again) = upload(&d.wkr, id, png.clone()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["photo"], kept_png["photo"]);

    // Each shows as kept, with cache headers, to the worker and the dispatcher alike.
    for (kept, bytes, kind) in [
        (&kept_jpeg, Some(&jpeg), "image/jpeg"),
        (&kept_png, Some(&png), "image/png"),
        (&kept_heic, None, "image/jpeg"),
    ] {
        let url = kept["url"].as_str().unwrap();
        assert_eq!(
            url,
            format!(
                "/api/tickets/{id}/photos/{}",
                kept["photo"].as_str().unwrap()
            )
        );
        for who in [&d.wkr, &d.disp, &d.cmdr] {
            let response = fetch(who, url).await;
            assert_eq!(response.status(), StatusCode::OK, "{url}");
            let headers = response.headers().clone();
            assert_eq!(headers["content-type"], kind);
            assert!(
                headers["cache-control"]
                    .to_str()
                    .unwrap()
                    .contains("max-age"),
                "{headers:?}"
            );
            let body = response.bytes().await.unwrap();
            match bytes {
                Some(bytes) => assert_eq!(&body[..], &bytes[..]),
                None => assert_eq!(&body[..3], &[0xFF, 0xD8, 0xFF], "a JPEG"),
            }
        }
    }

    // The feedback names the photos; the card shows them.
    let refs: Vec<&Value> = [&kept_jpeg, &kept_png, &kept_heic]
        .iter()
        .map(|k| &k["photo"])
        .collect();
    let (status, fed_back) = act(
        &d.wkr,
        &started["ticket"],
        "feedback",
        json!({ "outcome": "solved", "note": "已更换灯泡", "photos": refs }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{fed_back}");
    assert_eq!(fed_back["ticket"]["state"], "fed_back");
    let card = d.disp.json(&format!("/api/tickets/{id}")).await;
    let urls: Vec<&str> = card["photos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), 3, "{urls:?}");
    for kept in [&kept_jpeg, &kept_png, &kept_heic] {
        assert!(urls.contains(&kept["url"].as_str().unwrap()), "{urls:?}");
    }
    let feedback = card["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "fed_back")
        .unwrap();
    assert_eq!(feedback["change"]["photos"], json!(refs));
    assert!(
        feedback["summary_zh"]
            .as_str()
            .unwrap()
            .contains("附照片 3 张"),
        "{feedback}"
    );

    // Every upload is audited under the ticket.
    let audit = d
        .admin
        .json(&format!("/api/audit?action=ticket.photo&ticket={id}"))
        .await;
    assert_eq!(audit["total"], 4, "{audit}");
}

#[tokio::test]
async fn too_large_other_types_damaged_and_foreign_photos_are_refused_and_nothing_is_kept() {
    let d = desk().await;
    let files = tempfile::tempdir().unwrap();
    let ticket = dispatched_ticket(&d, &d.cast.community, 0).await;
    let other = dispatched_ticket(&d, &d.cast.community, 1).await;
    let foreign = reported_ticket(&d, &d.cast.other_community, 0).await;
    let id = ticket["id"].as_i64().unwrap();

    // 11 MB: 413, naming the limit in Chinese.
    let mut big = jpeg_photo(files.path(), 64, 48);
    big.resize(11 * 1024 * 1024, 0);
    let (status, answer) = upload(&d.wkr, id, big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert_eq!(code(&answer), "PAYLOAD_TOO_LARGE");
    assert!(message_zh(&answer).contains("10 MB"), "{answer}");

    // A GIF, whatever the header claims: 415 naming what was sent and what is taken.
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
    let (status, answer) = upload(&d.wkr, id, gif).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{answer}");
    assert_eq!(code(&answer), "PHOTO_TYPE_UNSUPPORTED");
    assert!(message_zh(&answer).contains("GIF"), "{answer}");
    assert!(message_zh(&answer).contains("JPEG、PNG、HEIC"), "{answer}");
    assert_eq!(answer["error"]["found"], "image/gif");

    // Garbage bytes.
    let (status, answer) = upload(&d.wkr, id, b"this is not a picture at all".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{answer}");
    assert!(message_zh(&answer).contains("无法识别"), "{answer}");

    // A JPEG cut off before its frame header, a HEIC that is no picture.
    let jpeg = jpeg_photo(files.path(), 64, 48);
    let (status, answer) = upload(&d.wkr, id, jpeg[..20].to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(code(&answer), "PHOTO_UNREADABLE");
    let mut heic = heic_photo(files.path(), 64, 48);
    heic.truncate(60);
    let (status, answer) = upload(&d.wkr, id, heic).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(code(&answer), "PHOTO_NOT_CONVERTED");
    assert!(message_zh(&answer).contains("HEIC"), "{answer}");

    // Not the worker's ticket, or an account that may not feed back: refused.
    let (status, answer) = upload(&d.wkr, foreign["id"].as_i64().unwrap(), jpeg.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    let (status, answer) = upload(&d.admin, id, jpeg.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");

    // Nothing of that was kept.
    let card = d.disp.json(&format!("/api/tickets/{id}")).await;
    assert_eq!(card["photos"], json!([]));

    // A feedback may name only photos of its own ticket.
    let (status, of_other) = upload(&d.wkr, other["id"].as_i64().unwrap(), jpeg.clone()).await;
    assert_eq!(status, StatusCode::OK, "{of_other}");
    let (status, started) = act(&d.wkr, &ticket, "start", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    for refs in [json!([of_other["photo"]]), json!(["made-up-photo"])] {
        let feedback = json!({ "outcome": "solved", "note": "已处理", "photos": refs });
        let (status, answer) = act(&d.wkr, &started["ticket"], "feedback", feedback).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(code(&answer), "PHOTO_NOT_OF_TICKET");
    }
    let card = d.disp.json(&format!("/api/tickets/{id}")).await;
    assert_eq!(card["ticket"]["state"], "handling", "no feedback stored");

    // Another ticket's photo is not shown under this one; a made-up one is 404.
    let (status, answer) = d
        .wkr
        .get(&format!(
            "/api/tickets/{id}/photos/{}",
            of_other["photo"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert_eq!(code(&answer), "PHOTO_NOT_FOUND");
    // Out of scope: the commander of another community sees nothing of the photo.
    let (status, _) = d.cmdr.get(of_other["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "same community");
    let foreign_id = foreign["id"].as_i64().unwrap();
    let (status, kept) = upload(&d.disp, foreign_id, jpeg).await;
    assert_eq!(status, StatusCode::OK, "{kept}");
    let (status, answer) = d.cmdr.get(kept["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
}

#[tokio::test]
async fn the_phone_view_is_the_same_app_at_m_with_its_assets_one_folder_up() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    let response = h.get("/m/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert_eq!(
        page, "<!doctype html><base href=\"../\"><title>智慧滨河</title>",
        "the built index.html with a base one folder up"
    );
    let response = h.get("/m").await;
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(response.headers()["location"], "/m/");
}
