//! One server over real HTTP on loopback with a real SQLite file, for every API test.

#[allow(dead_code, reason = "each test binary uses its own subset")]
pub mod center;
#[allow(dead_code, reason = "each test binary uses its own subset")]
pub mod processes;

use std::path::Path;
use std::sync::Arc;

use binhe_server::desktop::CenterChoice;
use binhe_server::{Database, RunningServer, ServerConfig, start};
use reqwest::StatusCode;
use serde_json::Value;

pub struct Harness {
    pub server: RunningServer,
    pub client: reqwest::Client,
    _ui: tempfile::TempDir,
}

#[allow(dead_code, reason = "each test binary uses its own subset")]
impl Harness {
    pub async fn start(database: &Path) -> Self {
        Self::start_desktop(database, None).await
    }

    /// As the desktop app's embedded server: with the hook behind `/api/desktop/center`.
    pub async fn start_desktop(database: &Path, desktop: Option<Arc<dyn CenterChoice>>) -> Self {
        let ui = tempfile::tempdir().unwrap();
        std::fs::write(
            ui.path().join("index.html"),
            "<!doctype html><title>智慧滨河</title>",
        )
        .unwrap();
        let server = start(ServerConfig {
            database: Database::Sqlite(database.to_owned()),
            ui_dir: ui.path().to_owned(),
            port: 0,
            demo_feed: None,
            center: None,
            desktop,
        })
        .await
        .unwrap();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            server,
            client,
            _ui: ui,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(self.server.secret())
            .send()
            .await
            .unwrap()
    }

    pub async fn json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    /// POSTs JSON and returns the status with the decoded answer.
    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(self.url(path))
            .bearer_auth(self.server.secret())
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    pub async fn import(&self, body: String) -> reqwest::Response {
        self.client
            .post(self.url("/api/grids/import"))
            .bearer_auth(self.server.secret())
            .header("x-file-name", "%E6%B5%8B%E7%BB%98.geojson")
            .body(body)
            .send()
            .await
            .unwrap()
    }
}
