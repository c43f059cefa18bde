//! 智慧滨河 desktop app. Standalone (默认): starts the server in this process on a free loopback
//! port and shows its UI in a native window. Terminal (终端模式): `--center URL`,
//! `BINHE_CENTER_URL` or the saved choice point the window at a center server instead, and the
//! embedded server is not started. All business logic lives in the server and core crates.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod settings;
mod shell;
mod trust;
mod webkit;

use std::path::PathBuf;
use std::sync::Arc;

use binhe_server::{Database, FeedSettings, ServerConfig, default_database};
use tauri::{WebviewUrl, WebviewWindowBuilder};

use settings::Saved;
use shell::Shell;

/// SIGTERM (a session ending, a service manager) closes the app as the window would, so the
/// embedded server still stops cleanly.
#[cfg(unix)]
fn exit_on_terminate(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        let signal = tokio::signal::unix::SignalKind::terminate();
        match tokio::signal::unix::signal(signal) {
            Ok(mut terminate) => {
                if terminate.recv().await.is_some() {
                    tracing::info!("SIGTERM: closing");
                    app.exit(0);
                }
            }
            Err(error) => tracing::warn!(%error, "cannot watch for SIGTERM"),
        }
    });
}

#[cfg(not(unix))]
fn exit_on_terminate(_app: tauri::AppHandle) {}

/// Where the built UI is: `BINHE_UI_DIR`; else `ui` among the app's resources, where an
/// installed package (make package) keeps it; else the repository's `ui/dist` this binary was
/// built from.
fn ui_dir(resources: Option<PathBuf>) -> PathBuf {
    if let Some(dir) = std::env::var_os("BINHE_UI_DIR") {
        return PathBuf::from(dir);
    }
    resources
        .map(|r| r.join("ui"))
        .filter(|dir| dir.join("index.html").is_file())
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/dist")))
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
    // Before any thread or WebKit exists: may start this binary again with the environment set.
    webkit::ensure_environment();
    let mut filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    // The platform verifier logs every certificate it does not vouch for as an error; for a
    // center with a certificate of its own that is the normal way to trust on first use, and
    // the shell says so itself. Shown only when asked for by name in RUST_LOG.
    if !std::env::var("RUST_LOG").is_ok_and(|v| v.contains("rustls_platform_verifier")) {
        filter = filter.add_directive(
            "rustls_platform_verifier=off"
                .parse()
                .expect("a fixed directive"),
        );
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let settings_path = settings::settings_file();
    let saved = Saved::load(&settings_path);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let choice = match settings::decide(&args, std::env::var("BINHE_CENTER_URL").ok(), &saved) {
        Ok(choice) => choice,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    tracing::info!(center = ?choice.center.as_ref().map(url::Url::as_str), source = ?choice.source, "connection at start");
    let context = tauri::generate_context!("../tauri.conf.json");
    let resources =
        tauri::utils::platform::resource_dir(context.package_info(), &tauri::Env::default()).ok();
    let config = ServerConfig {
        database: Database::Sqlite(database()),
        center: None,
        ui_dir: ui_dir(resources),
        port: 0,
        demo_feed: demo_feed(),
        desktop: None,
        tls: None,
        public_hosts: Vec::new(),
        client_timeouts: binhe_server::ClientTimeouts::default(),
        backups: None,
        // The desktop's own street: the day's hotspots are there when the board opens.
        daily_hotspots: Some(std::time::Duration::from_secs(30)),
        training: None,
    };
    let shell = Shell::new(settings_path, saved, config);
    // Standalone needs the embedded server before the window; a terminal never starts it.
    let first_page = match &choice.center {
        None => match tauri::async_runtime::block_on(shell.embedded_server()) {
            Ok(launch) => launch,
            Err(error) => {
                eprintln!("智慧滨河无法启动 / Smart Binhe cannot start: {error}");
                std::process::exit(1);
            }
        },
        Some(center) => shell::connect_page("connecting", Some(center), None),
    };
    let center = choice.center;
    let closing = Arc::clone(&shell);
    let built = tauri::Builder::default()
        // The desk's alerts: its pages ask for them through the IPC (capabilities/alerts.json).
        .plugin(tauri_plugin_notification::init())
        .manage(Arc::clone(&shell))
        .invoke_handler(tauri::generate_handler![
            shell::connect_center,
            shell::use_standalone,
            shell::trust_center,
            shell::resume
        ])
        .setup(move |app| {
            shell.install_menu(app.handle())?;
            exit_on_terminate(app.handle().clone());
            let loaded = Arc::clone(&shell);
            WebviewWindowBuilder::new(app, shell::WINDOW, WebviewUrl::External(first_page))
                .on_page_load(move |_, payload| {
                    if payload.event() == tauri::webview::PageLoadEvent::Finished {
                        loaded.page_loaded();
                    }
                })
                .title("智慧滨河 · 网格指挥中心 Smart Binhe")
                .inner_size(1440.0, 900.0)
                .min_inner_size(1024.0, 680.0)
                .build()?;
            if let Some(center) = center {
                shell.open_center(center);
            }
            Ok(())
        })
        .build(context);
    let app = match built {
        Ok(app) => app,
        Err(error) => {
            eprintln!("智慧滨河窗口出错 / Smart Binhe window failed: {error}");
            std::process::exit(1);
        }
    };
    // Closing the app stops the embedded server cleanly: its SQLite file is then complete on
    // its own (the write-ahead log folded in).
    app.run(move |_, event| {
        if let tauri::RunEvent::Exit = event {
            tauri::async_runtime::block_on(closing.stop_embedded());
        }
    });
}
