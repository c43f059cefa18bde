//! One server in this process over real HTTP on loopback, on a temporary UI folder and a port of
//! its own: how every test and benchmark of binhe-server starts one (the benchmarks include this
//! file by path).

use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Arc;

use binhe_server::desktop::CenterChoice;
use binhe_server::{ClientTimeouts, Database, RunningServer, ServerConfig, start};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A folder standing in for the built UI: an index.html titled 智慧滨河.
pub fn ui_dir() -> tempfile::TempDir {
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(
        ui.path().join("index.html"),
        "<!doctype html><title>智慧滨河</title>",
    )
    .unwrap();
    ui
}

/// An HTTP client that hands redirects back rather than following them, so a test sees them.
/// A finished command: whether it succeeded, and its standard output then its standard error.
pub fn outcome(output: &std::process::Output) -> (bool, String) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// A file's name as the UI sends it in `x-file-name` (percent-encoded UTF-8).
pub fn file_name_header(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub struct Harness {
    pub server: RunningServer,
    pub client: reqwest::Client,
    _ui: tempfile::TempDir,
}

impl Harness {
    /// A server on `database` as `configure` sets it up; unless it says otherwise, the desktop
    /// app's standalone server on 127.0.0.1 (launch key, no accounts) without a demo feed.
    pub async fn start_with(database: Database, configure: impl FnOnce(&mut ServerConfig)) -> Self {
        let ui = ui_dir();
        let mut config = ServerConfig {
            database,
            ui_dir: ui.path().to_owned(),
            port: 0,
            demo_feed: None,
            center: None,
            desktop: None,
            tls: None,
            public_hosts: Vec::new(),
            client_timeouts: ClientTimeouts::default(),
            backups: None,
            daily_hotspots: None,
            training: None,
        };
        configure(&mut config);
        Self {
            server: start(config).await.unwrap(),
            client: client(),
            _ui: ui,
        }
    }

    /// The standalone server on a SQLite file.
    pub async fn start(database: &Path) -> Self {
        Self::start_with(Database::Sqlite(database.to_owned()), |_| ()).await
    }

    /// As the desktop app's embedded server: with the hook behind `/api/desktop/center`.
    pub async fn start_desktop(database: &Path, desktop: Option<Arc<dyn CenterChoice>>) -> Self {
        Self::start_with(Database::Sqlite(database.to_owned()), |config| {
            config.desktop = desktop;
        })
        .await
    }

    /// A center server on loopback: accounts and sessions, no launch key.
    pub async fn center(database: Database) -> Self {
        Self::start_with(database, |config| {
            config.center = Some(Ipv4Addr::LOCALHOST.into());
        })
        .await
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.server.address)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// A request to `path` carrying the launch key.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(self.server.secret())
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    /// The body of a GET that must succeed.
    pub async fn json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    /// Sends JSON and returns the status with the decoded answer.
    pub async fn send(&self, method: Method, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self.request(method, path).json(body).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// POSTs JSON and returns the status with the decoded answer.
    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, body).await
    }

    /// POSTs a file as the body, named in `x-file-name` as the UI sends it.
    pub async fn upload(&self, path: &str, bytes: Vec<u8>, name: &str) -> reqwest::Response {
        self.request(Method::POST, path)
            .header("x-file-name", file_name_header(name))
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    /// Starts a work-order import at `path` (`/api/tickets/import` with its query) and follows
    /// the job to its end: the last progress.
    pub async fn import_orders(&self, path: &str, bytes: Vec<u8>, name: &str) -> Value {
        let response = self.upload(path, bytes, name).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let job = response.json::<Value>().await.unwrap()["job"]
            .as_u64()
            .unwrap();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_mins(1);
        loop {
            let progress = self.json(&format!("/api/imports/{job}")).await;
            assert!(progress["done"].as_u64() <= progress["total"].as_u64());
            if progress["finished"] == true {
                return progress;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "import did not finish"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// The id of the first camera on the devices layer.
    pub async fn first_camera(&self) -> String {
        let layer = self.json("/api/devices.geojson").await;
        layer["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["kind"] == "camera")
            .unwrap_or_else(|| panic!("no camera in {layer}"))["properties"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The ticket of an upstream order number, as the queue lists it.
    pub async fn ticket_of_order(&self, external_id: &str) -> Value {
        let list = self.json("/api/tickets?scope=all&limit=1000").await;
        list["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["external_id"] == external_id)
            .unwrap_or_else(|| panic!("no ticket of order {external_id}"))
            .clone()
    }

    pub async fn import(&self, body: String) -> reqwest::Response {
        self.request(Method::POST, "/api/grids/import")
            .header("x-file-name", "%E6%B5%8B%E7%BB%98.geojson")
            .body(body)
            .send()
            .await
            .unwrap()
    }
}
