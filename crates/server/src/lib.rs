//! The Smart Binhe server: JSON API, launch-key guard and the static UI, on loopback.
//!
//! The desktop shell runs it in-process through [`start`]; the `binhe-server` binary runs the
//! same thing headless and offers the command-line tools (grid import, demo generation).

pub mod api;
pub mod auth;
pub mod dataset;
pub mod demo_feed;
pub mod desktop;
pub mod error;
pub mod tickets;
pub mod work_orders;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use binhe_store::{GridRepository, SqliteStore, StoreError};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

pub use api::AppState;
use dataset::{GridView, demo_dataset};
pub use demo_feed::FeedSettings;
use tickets::TicketDesk;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Listen { port: u16, source: std::io::Error },
    #[error("UI folder {path} has no index.html; build the UI first (make ui)")]
    MissingUi { path: PathBuf },
    #[error("cannot make a launch key: {0}")]
    Secret(getrandom::Error),
    #[error("cannot start the demo feed: {0}")]
    DemoFeed(String),
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The SQLite file; created and filled with the demo dataset when new.
    pub database: PathBuf,
    /// The built UI (trunk's `dist` folder).
    pub ui_dir: PathBuf,
    /// 0 picks a free port.
    pub port: u16,
    /// Demo mode: play history into a new demo database and keep requests coming.
    pub demo_feed: Option<FeedSettings>,
    /// Desktop app only: serves `/api/desktop/center` through this hook (404 without).
    pub desktop: Option<Arc<dyn desktop::CenterChoice>>,
}

/// Default SQLite file: `$XDG_DATA_HOME/smart-binhe/binhe.sqlite` (or `~/.local/share/…`).
pub fn default_database() -> PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")));
    data.unwrap_or_else(|| PathBuf::from("."))
        .join("smart-binhe/binhe.sqlite")
}

/// A server running in the background of this process.
#[derive(Debug)]
pub struct RunningServer {
    pub address: SocketAddr,
    secret: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// The URL that logs the app's window in: open it once, it sets the cookie.
    pub fn launch_url(&self) -> String {
        format!("http://{}/?key={}", self.address, self.secret)
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Stops accepting requests and waits for the ones under way.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
    }
}

fn new_secret() -> Result<String, ServerError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(ServerError::Secret)?;
    Ok(hex::encode(bytes))
}

/// Opens the store (loading the demo dataset into a new one) and the grid view.
pub async fn open_state(database: &Path) -> Result<AppState, ServerError> {
    if let Some(folder) = database.parent() {
        let _ = std::fs::create_dir_all(folder);
    }
    let store = SqliteStore::open(database).await?;
    let dataset = if let Some(dataset) = store.load().await? {
        dataset
    } else {
        let demo = demo_dataset();
        store.replace(&demo).await?;
        tracing::info!(database = %database.display(), "new database: demo dataset loaded");
        demo
    };
    let view = GridView::new(dataset);
    let desk = TicketDesk::open(Arc::new(store.clone()), &view).await?;
    let store: Arc<dyn GridRepository> = Arc::new(store);
    Ok(AppState::new(view, store, desk))
}

/// Plays history into a new demo database, then starts the live feed.
async fn start_demo_feed(state: &AppState, settings: FeedSettings) -> Result<(), ServerError> {
    let view = state.view();
    let desk = state.desk();
    let (_, stored) = desk
        .store()
        .list(&binhe_store::TicketFilter {
            scope: binhe_store::TicketScope::All,
            limit: 1,
            ..binhe_store::TicketFilter::default()
        })
        .await?;
    if stored == 0 && view.dataset.source == binhe_store::DatasetSource::Demo {
        let created = demo_feed::seed_history(&desk, &view, settings, tickets::desk::now())
            .await
            .map_err(|e| ServerError::DemoFeed(e.to_string()))?;
        tracing::info!(created, "demo history played into the new database");
    }
    state.set_demo_feed(demo_feed::spawn(state.clone(), settings));
    Ok(())
}

pub fn router(
    state: AppState,
    ui_dir: &Path,
    guard: auth::Guard,
    desktop: Option<Arc<dyn desktop::CenterChoice>>,
) -> Router {
    api::routes(state)
        .merge(desktop::routes(desktop))
        .fallback_service(ServeDir::new(ui_dir))
        .layer(axum::middleware::from_fn_with_state(
            guard,
            auth::require_launch_key,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
}

/// Starts the server on 127.0.0.1 in the background of the current tokio runtime.
pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    if !config.ui_dir.join("index.html").is_file() {
        return Err(ServerError::MissingUi {
            path: config.ui_dir,
        });
    }
    let state = open_state(&config.database).await?;
    if let Some(settings) = config.demo_feed {
        start_demo_feed(&state, settings).await?;
    }
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))
        .await
        .map_err(|source| ServerError::Listen {
            port: config.port,
            source,
        })?;
    let address = listener
        .local_addr()
        .map_err(|source| ServerError::Listen {
            port: config.port,
            source,
        })?;
    let secret = new_secret()?;
    let app = router(
        state,
        &config.ui_dir,
        auth::Guard::new(secret.clone(), address.port()),
        config.desktop,
    );
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "server stopped");
        }
    });
    Ok(RunningServer {
        address,
        secret,
        stop: Some(stop),
        task,
    })
}
