//! `GET/PUT /api/desktop/center`: only on the desktop app's embedded server, behind the guard.

mod common;

use std::sync::{Arc, Mutex};

use binhe_server::desktop::CenterChoice;
use common::Harness;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use url::Url;

/// Stands in for the desktop shell: remembers the choice and every call.
#[derive(Debug, Default)]
struct Shell {
    current: Mutex<Option<Url>>,
    calls: Mutex<Vec<Option<String>>>,
    fail: bool,
}

impl CenterChoice for Shell {
    fn current(&self) -> Option<Url> {
        self.current.lock().unwrap().clone()
    }

    fn choose(&self, center: Option<Url>) -> Result<(), String> {
        self.calls
            .lock()
            .unwrap()
            .push(center.as_ref().map(ToString::to_string));
        if self.fail {
            return Err("disk full".to_owned());
        }
        *self.current.lock().unwrap() = center;
        Ok(())
    }
}

impl Shell {
    fn calls(&self) -> Vec<Option<String>> {
        self.calls.lock().unwrap().clone()
    }
}

async fn put(h: &Harness, body: &Value) -> (StatusCode, Value) {
    h.send(Method::PUT, "/api/desktop/center", body).await
}

async fn desktop(shell: &Arc<Shell>) -> (tempfile::TempDir, Harness) {
    let dir = tempfile::tempdir().unwrap();
    let hook: Arc<dyn CenterChoice> = shell.clone();
    let h = Harness::start_desktop(&dir.path().join("db.sqlite"), Some(hook)).await;
    (dir, h)
}

#[tokio::test]
async fn a_valid_center_url_reaches_the_shell_and_is_answered() {
    let shell = Arc::new(Shell::default());
    let (_dir, h) = desktop(&shell).await;
    assert_eq!(
        h.json("/api/desktop/center").await,
        json!({ "url": null }),
        "standalone at first"
    );

    let (status, body) = put(&h, &json!({ "url": "http://192.168.1.10:8080/" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "url": "http://192.168.1.10:8080/" }));
    assert_eq!(
        shell.calls(),
        [Some("http://192.168.1.10:8080/".to_owned())]
    );
    assert_eq!(
        h.json("/api/desktop/center").await,
        json!({ "url": "http://192.168.1.10:8080/" })
    );

    // Normalised: the answer is the URL as the window will open it.
    let (status, body) = put(&h, &json!({ "url": " https://Binhe.Example.cn" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "url": "https://binhe.example.cn/" }));

    // Back to standalone.
    let (status, body) = put(&h, &json!({ "url": null })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "url": null }));
    assert_eq!(shell.calls().last(), Some(&None));
    assert_eq!(h.json("/api/desktop/center").await, json!({ "url": null }));
}

#[tokio::test]
async fn anything_but_an_absolute_http_url_is_refused_and_the_shell_not_called() {
    let shell = Arc::new(Shell::default());
    let (_dir, h) = desktop(&shell).await;
    for url in [
        json!("center:8080"),
        json!("/login"),
        json!("ftp://center/"),
        json!("file:///etc/passwd"),
        json!("javascript:alert(1)"),
        json!("http://"),
        json!(""),
        json!(8080),
        json!(["http://center/"]),
    ] {
        let (status, body) = put(&h, &json!({ "url": url })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        assert_eq!(body["error"]["code"], "BAD_REQUEST", "{body}");
        assert_eq!(body["error"]["field"], "url", "{body}");
        assert!(
            body["error"]["message_zh"]
                .as_str()
                .unwrap()
                .contains("中心服务器地址"),
            "{body}"
        );
        assert!(
            body["error"]["message_en"]
                .as_str()
                .unwrap()
                .contains("http"),
            "{body}"
        );
    }
    let (status, body) = put(&h, &json!({ "adress": "http://center/" })).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a missing url is no standalone"
    );
    assert_eq!(body["error"]["field"], "url");
    assert!(shell.calls().is_empty(), "{:?}", shell.calls());
    assert_eq!(h.json("/api/desktop/center").await, json!({ "url": null }));
}

#[tokio::test]
async fn a_shell_that_cannot_save_is_reported() {
    let shell = Arc::new(Shell {
        fail: true,
        ..Shell::default()
    });
    let (_dir, h) = desktop(&shell).await;
    let (status, body) = put(&h, &json!({ "url": "http://center:8080/" })).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["error"]["code"], "DESKTOP_SETTINGS_FAILED");
    assert_eq!(h.json("/api/desktop/center").await, json!({ "url": null }));
}

#[tokio::test]
async fn only_the_logged_in_window_may_move_it() {
    let shell = Arc::new(Shell::default());
    let (_dir, h) = desktop(&shell).await;
    let without_key = h
        .client
        .put(h.url("/api/desktop/center"))
        .json(&json!({ "url": "http://evil.example/" }))
        .send()
        .await
        .unwrap();
    assert_eq!(without_key.status(), StatusCode::UNAUTHORIZED);
    let other_origin = h
        .request(Method::PUT, "/api/desktop/center")
        .header("origin", "http://evil.example")
        .json(&json!({ "url": "http://evil.example/" }))
        .send()
        .await
        .unwrap();
    assert_eq!(other_origin.status(), StatusCode::FORBIDDEN);
    assert!(shell.calls().is_empty());
}

#[tokio::test]
async fn without_a_hook_there_is_nothing_to_say_and_nothing_to_choose() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&dir.path().join("db.sqlite")).await;
    // Asked on every load of the UI: no error status, so a plain browser logs none.
    let asked = h.get("/api/desktop/center").await;
    assert_eq!(asked.status(), StatusCode::NO_CONTENT);
    assert!(asked.text().await.unwrap().is_empty());
    let (status, _) = put_status(&h).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn put_status(h: &Harness) -> (StatusCode, String) {
    let response = h
        .request(Method::PUT, "/api/desktop/center")
        .json(&json!({ "url": "http://center:8080/" }))
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn every_change_is_in_the_audit_log() {
    let shell = Arc::new(Shell::default());
    let (_dir, h) = desktop(&shell).await;
    put(&h, &json!({ "url": "ftp://center/" })).await;
    put(&h, &json!({ "url": "http://center:8080/" })).await;
    put(&h, &json!({ "url": null })).await;
    let audit = h.json("/api/audit?action=desktop.center").await;
    let lines: Vec<(String, i64)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["target"].as_str().unwrap().to_owned(),
                e["status"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("standalone".to_owned(), 200),
            ("http://center:8080/".to_owned(), 200),
            ("ftp://center/".to_owned(), 400),
        ],
        "{audit}"
    );
}

#[tokio::test]
async fn an_account_a_trainer_logged_in_as_may_not_move_the_window_unless_it_administers() {
    let shell = Arc::new(Shell::default());
    let (_dir, h) = desktop(&shell).await;
    let (status, answer) = h
        .post(
            "/api/accounts",
            &json!({ "login": "trainee", "name": "社区指挥", "role": "commander",
                     "community": "110117001001000", "password": "滨河-training-1" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, login) = h
        .post(
            "/api/login",
            &json!({ "login": "trainee", "password": "滨河-training-1" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let response = h
        .client
        .put(h.url("/api/desktop/center"))
        .bearer_auth(login["token"].as_str().unwrap())
        .json(&json!({ "url": "http://center:8080/" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "ROLE_NOT_PERMITTED");
    assert!(shell.calls().is_empty(), "the shell was not asked");
}
