//! 智慧滨河 desktop app: starts the center server in this process on a free loopback port and
//! shows its UI in a native window. All business logic lives in the server and core crates.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::PathBuf;

use binhe_server::{Database, FeedSettings, ServerConfig, default_database, start};
use tauri::{WebviewUrl, WebviewWindowBuilder};

/// Where the built UI is: `BINHE_UI_DIR`, else the repository's `ui/dist` this binary was
/// built from.
fn ui_dir() -> PathBuf {
    std::env::var_os("BINHE_UI_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/dist")),
        PathBuf::from,
    )
}

/// The SQLite file: `BINHE_DB`, else the per-user default.
fn database() -> PathBuf {
    std::env::var_os("BINHE_DB").map_or_else(default_database, PathBuf::from)
}

/// The desktop app runs in demo mode unless `BINHE_DEMO_FEED=0`; `BINHE_FEED_RATE` sets the
/// requests per minute.
fn demo_feed() -> Option<FeedSettings> {
    if std::env::var("BINHE_DEMO_FEED").is_ok_and(|v| v == "0") {
        return None;
    }
    let rate = std::env::var("BINHE_FEED_RATE")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|r| binhe_server::demo_feed::RATE_RANGE.contains(r))
        .unwrap_or(FeedSettings::default().rate_per_minute);
    Some(FeedSettings {
        rate_per_minute: rate,
        ..FeedSettings::default()
    })
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = ServerConfig {
        database: Database::Sqlite(database()),
        center: None,
        ui_dir: ui_dir(),
        port: 0,
        demo_feed: demo_feed(),
    };
    let server = match tauri::async_runtime::block_on(start(config)) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("智慧滨河无法启动 / Smart Binhe cannot start: {error}");
            std::process::exit(1);
        }
    };
    let launch = server.launch_url();
    // The same UI is reachable from a browser on this machine at this address.
    println!("SMART_BINHE_URL={launch}");
    let url: tauri::Url = launch.parse().expect("the server's own URL parses");
    let result = tauri::Builder::default()
        .setup(move |app| {
            WebviewWindowBuilder::new(app, "main", WebviewUrl::External(url))
                .title("智慧滨河 · 网格指挥中心 Smart Binhe")
                .inner_size(1440.0, 900.0)
                .min_inner_size(1024.0, 680.0)
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(error) = result {
        eprintln!("智慧滨河窗口出错 / Smart Binhe window failed: {error}");
        std::process::exit(1);
    }
}
