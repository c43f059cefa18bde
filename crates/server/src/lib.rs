//! The Smart Binhe server: JSON API, launch-key guard and the static UI, on loopback.
//!
//! The desktop shell runs it in-process through [`start`]; the `binhe-server` binary runs the
//! same thing headless and offers the command-line tools (grid import, demo generation).
//!
//! Layers, each using only those below it (`tests/layers.rs` holds them to it):
//! - top: [`start`] here, [`router`] (the one place routes are merged), [`state`] (what the
//!   server holds), [`csp`] (the UI's Content-Security-Policy), [`uri_guard`] (what hyper
//!   would refuse before the router sees it), [`tls`] (HTTPS for a center), [`reference_year`]
//!   (a command-line tool), [`backup`] (scheduled backups);
//! - rooms, each with its routes and its error enum, none importing another:
//!   [`grids`], [`tickets`], [`cameras`], [`door_access`], [`kpi`], [`hotspots`], [`projects`],
//!   [`diary`], [`circles`], [`auth`], [`desktop`], [`demo_feed`], [`training`], [`replay`],
//!   [`basemap`], [`open311`];
//! - services the rooms share: [`desk`] (intake and the closed loop, which takes camera
//!   pictures through the gateway; the ticket files exports write), [`gateway`] (cameras),
//!   [`effects`] (what 治理项目 changed, for their pages and the dashboard), [`places`] (the
//!   community a caller is held to, grids found by code or name);
//! - foundation: [`http`] (refusals, extractors, who is asking), [`dataset`] (the grids).

pub mod auth;
pub mod backup;
pub mod basemap;
pub mod cameras;
pub mod circles;
pub mod csp;
pub mod dataset;
pub mod demo_feed;
pub mod desk;
pub mod desktop;
pub mod diary;
pub mod door_access;
pub mod effects;
pub mod gateway;
pub mod grids;
pub mod hotspots;
pub mod http;
pub mod kpi;
pub mod open311;
pub mod places;
pub mod projects;
pub mod reference_year;
pub mod replay;
pub mod router;
pub mod state;
pub mod tickets;
pub mod tls;
pub mod training;
pub mod uri_guard;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::serve::ListenerExt;
use binhe_store::backup::{Backup, PgDatabase, SqliteFile};
use binhe_store::{
    AccountRepository, BasemapRepository, CircleRepository, Closing, DeviceRepository,
    DiaryRepository, GridRepository, HotspotRepository, IdempotencyRepository, Notice, Notices,
    PgStore, PhotoRepository, ProjectRepository, SqliteStore, StoreError, TicketRepository,
    TrainingRepository,
};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

pub use auth::Mode;
use dataset::{GridView, Grids, demo_dataset};
pub use demo_feed::FeedSettings;
use desk::TicketDesk;
use desk::import::ImportJobs;
use gateway::Gateway;
pub use router::router;
pub use state::AppState;
pub use uri_guard::ClientTimeouts;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("UI folder {path} has no index.html; build the UI first (make ui)")]
    MissingUi { path: PathBuf },
    #[error("cannot make a launch key: {0}")]
    Secret(getrandom::Error),
    #[error("cannot start the demo feed: {0}")]
    DemoFeed(String),
    #[error("live stream allowance: {0}")]
    StreamQuota(String),
    #[error("{0}")]
    Training(#[from] training::run::OpenError),
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// One SQLite file (the desktop app, a small center).
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgres://…`), which several server processes may share.
    Postgres(String),
}

/// Where a PostgreSQL center keeps its files (the basemaps): `BINHE_DATA_DIR`, else the
/// per-user data folder. Servers sharing one database share this folder too.
pub const DATA_DIR_VARIABLE: &str = "BINHE_DATA_DIR";

impl Database {
    /// A `postgres://` or `postgresql://` URL, else a SQLite file path.
    pub fn parse(text: &str) -> Self {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Self::Postgres(text.to_owned())
        } else {
            Self::Sqlite(PathBuf::from(text))
        }
    }

    /// The database as backups and restores see it.
    pub fn backup_target(&self) -> Box<dyn Backup> {
        match self {
            Self::Sqlite(path) => Box::new(SqliteFile { path: path.clone() }),
            Self::Postgres(url) => Box::new(PgDatabase { url: url.clone() }),
        }
    }

    /// The folder of the basemap files: `basemaps/` in [`Database::data_folder`].
    pub fn basemap_folder(&self) -> PathBuf {
        self.data_folder().join("basemaps")
    }

    /// Where the server keeps its files beside the data: the SQLite file's folder; for
    /// PostgreSQL the data folder ([`DATA_DIR_VARIABLE`]).
    pub fn data_folder(&self) -> PathBuf {
        match self {
            Self::Sqlite(path) => path
                .parent()
                .filter(|folder| !folder.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf),
            Self::Postgres(_) => std::env::var_os(DATA_DIR_VARIABLE)
                .map(PathBuf::from)
                .or_else(|| {
                    default_database()
                        .parent()
                        .map(std::path::Path::to_path_buf)
                })
                .unwrap_or_else(|| PathBuf::from(".")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Created and filled with the demo dataset when new.
    pub database: Database,
    /// The built UI (trunk's `dist` folder).
    pub ui_dir: PathBuf,
    /// 0 picks a free port.
    pub port: u16,
    /// Demo mode: play history into a new demo database and keep requests coming.
    pub demo_feed: Option<FeedSettings>,
    /// Center mode on this address (accounts and sessions, no launch key); `None` runs the
    /// desktop app's standalone server on 127.0.0.1.
    pub center: Option<IpAddr>,
    /// Desktop app only: serves `/api/desktop/center` through this hook (404 without).
    pub desktop: Option<Arc<dyn desktop::CenterChoice>>,
    /// A center's HTTPS; `None` serves plain HTTP (the desktop app's loopback server, or a
    /// center started with `--insecure-http`).
    pub tls: Option<tls::Tls>,
    /// Center mode: the names (or `name:port`) terminals reach it by, the only ones taken in
    /// `Host` besides `localhost` and IP literals of its own (DNS rebinding).
    pub public_hosts: Vec<String>,
    /// How long a slow client may take to send its request.
    pub client_timeouts: ClientTimeouts,
    /// Center mode: back the database up on this schedule.
    pub backups: Option<backup::Schedule>,
    /// The daily hotspot analysis (未诉先办), first checked this long after the start; `None`:
    /// none (tests, and servers that leave it to another process on the same database).
    pub daily_hotspots: Option<std::time::Duration>,
    /// A training server: the scenario its run plays on this (training) database.
    pub training: Option<training::TrainingSetup>,
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
    /// The launch key; empty in center mode.
    secret: String,
    /// Served over HTTPS.
    tls: bool,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    background: Vec<tokio::task::JoinHandle<()>>,
    /// Closes the store once the requests under way have ended.
    closing: Arc<dyn Closing>,
    /// Set when the server stops: live responses end.
    stopping: watch::Sender<bool>,
}

/// How long a stop waits for the requests under way (live streams are ended at once).
const DRAIN: std::time::Duration = std::time::Duration::from_secs(10);

impl RunningServer {
    /// The URL that logs the app's window in: open it once, it sets the cookie. In center mode
    /// the address of the login page.
    pub fn launch_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        if self.secret.is_empty() {
            format!("{scheme}://{}/", self.address)
        } else {
            format!("{scheme}://{}/?key={}", self.address, self.secret)
        }
    }

    /// The launch key (empty in center mode).
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Stops accepting requests, ends live streams, waits for the requests under way (at most
    /// [`DRAIN`]), then closes the store so that the database holds every answered write on its
    /// own: a SQLite file without its write-ahead log is complete.
    pub async fn shutdown(mut self) {
        for task in &self.background {
            task.abort();
        }
        self.stopping.send_replace(true);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let abort = self.task.abort_handle();
        if tokio::time::timeout(DRAIN, &mut self.task).await.is_err() {
            tracing::warn!("requests still open after {DRAIN:?}; cut");
            abort.abort();
            let _ = self.task.await;
        }
        match self.closing.close_cleanly().await {
            Ok(()) => tracing::info!("database closed cleanly"),
            Err(error) => tracing::error!(%error, "database not closed cleanly"),
        }
    }
}

fn new_secret() -> Result<String, ServerError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(ServerError::Secret)?;
    Ok(hex::encode(bytes))
}

/// One store behind every repository trait.
trait Store:
    GridRepository
    + TicketRepository
    + AccountRepository
    + DeviceRepository
    + kpi::KpiStore
    + BasemapRepository
    + PhotoRepository
    + IdempotencyRepository
    + HotspotRepository
    + ProjectRepository
    + DiaryRepository
    + CircleRepository
    + TrainingRepository
    + Closing
    + Clone
    + 'static
{
}

impl<S> Store for S where
    S: GridRepository
        + TicketRepository
        + AccountRepository
        + DeviceRepository
        + kpi::KpiStore
        + BasemapRepository
        + PhotoRepository
        + IdempotencyRepository
        + HotspotRepository
        + ProjectRepository
        + DiaryRepository
        + CircleRepository
        + TrainingRepository
        + Closing
        + Clone
        + 'static
{
}

/// Opens the store (loading the demo dataset into a new one) and the grid view, for a server
/// in `mode`.
pub async fn open_state(database: &Database, mode: Mode) -> Result<AppState, ServerError> {
    match database {
        Database::Sqlite(path) => {
            if let Some(folder) = path.parent() {
                let _ = std::fs::create_dir_all(folder);
            }
            state_on(SqliteStore::open(path).await?, mode, database).await
        }
        Database::Postgres(url) => state_on(PgStore::connect(url).await?, mode, database).await,
    }
}

async fn state_on(
    store: impl Store,
    mode: Mode,
    database: &Database,
) -> Result<AppState, ServerError> {
    let dataset = if let Some(dataset) = store.load().await? {
        dataset
    } else {
        let demo = demo_dataset();
        store.replace(&demo).await?;
        tracing::info!("new database: demo dataset loaded");
        demo
    };
    let view = GridView::new(dataset);
    let desk = TicketDesk::open(Arc::new(store.clone()), &view).await?;
    let accounts: Arc<dyn AccountRepository> = Arc::new(store.clone());
    let basemaps = basemap::Basemaps::new(database.basemap_folder(), Arc::new(store.clone()));
    basemaps.reload().await?;
    Ok(AppState {
        grids: Grids::new(view, Arc::new(store.clone())),
        desk,
        imports: ImportJobs::default(),
        exports: crate::desk::export::ExportBoard::default(),
        gateway: Gateway::default()
            .with_quotas(gateway::StreamQuotas::from_env().map_err(ServerError::StreamQuota)?),
        devices: Arc::new(store.clone()),
        photos: Arc::new(store.clone()),
        idempotency: crate::http::idempotency::Idempotency(Arc::new(store.clone())),
        gate: auth::Gate::new(mode, Arc::clone(&accounts)),
        accounts,
        feed: demo_feed::FeedSlot::default(),
        kpis: Arc::new(store.clone()),
        hotspots: Arc::new(store.clone()),
        hotspot_turn: Arc::default(),
        projects: Arc::new(store.clone()),
        diary: Arc::new(store.clone()),
        circles: Arc::new(store.clone()),
        training: training::TrainingSlot::default(),
        training_store: Arc::new(store.clone()),
        closing: Arc::new(store),
        basemaps,
    })
}

/// Follows what other server processes write to a shared PostgreSQL database: their ticket
/// events reach this process's live clients, their settings and grids replace this process's
/// copies. While the database is away it retries every second and catches up afterwards.
async fn follow_others(store: PgStore, state: AppState) {
    const RETRY: std::time::Duration = std::time::Duration::from_secs(1);
    let mut notices: Option<Notices> = None;
    // Something may have been missed: catch up once the database answers again.
    let mut missed = true;
    loop {
        if notices.is_none() {
            match store.listen().await {
                Ok(listening) => notices = Some(listening),
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for other server processes");
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            }
        }
        if missed {
            let caught_up = async {
                state.desk().catch_up().await?;
                state.desk().reload_settings().await?;
                state.basemaps.reload().await?;
                state.grids.reload().await
            };
            match caught_up.await {
                Ok(()) => missed = false,
                Err(error) => {
                    tracing::warn!(%error, "cannot catch up with other server processes");
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            }
        }
        let Some(listening) = notices.as_mut() else {
            continue;
        };
        let handled = match listening.next().await {
            // This process's own events, or ones already passed on, need no reading.
            Ok(Notice::Events { newest, own }) if own || newest <= state.desk().relayed() => Ok(()),
            Ok(Notice::Events { .. }) => state.desk().catch_up().await.map(drop),
            Ok(Notice::Settings) => match state.desk().reload_settings().await {
                Ok(()) => state.basemaps.reload().await,
                Err(error) => Err(error),
            },
            Ok(Notice::Grids) => state.grids.reload().await,
            Ok(Notice::Lost) => {
                missed = true;
                Ok(())
            }
            Err(error) => Err(error),
        };
        if let Err(error) = handled {
            tracing::warn!(%error, "lost track of other server processes; will catch up");
            missed = true;
            tokio::time::sleep(RETRY).await;
        }
    }
}

/// Plays history into a new demo database, then starts the live feed.
async fn start_demo_feed(state: &AppState, settings: FeedSettings) -> Result<(), ServerError> {
    let view = state.view();
    let desk = state.desk();
    let (_, stored) = desk
        .store()
        .list(&binhe_store::TicketFilter {
            scope: binhe_store::TicketScope::All,
            category: None,
            received_from: None,
            received_until: None,
            limit: 1,
            ..binhe_store::TicketFilter::default()
        })
        .await?;
    if stored == 0 && view.dataset.source == binhe_store::DatasetSource::Demo {
        let created = demo_feed::seed_history(&desk, &view, settings, desk::now())
            .await
            .map_err(|e| ServerError::DemoFeed(e.to_string()))?;
        tracing::info!(created, "demo history played into the new database");
        let (wards, entries) =
            demo_feed::seed_neighbourhood(state.diary.as_ref(), &view, settings, desk::now())
                .await?;
        tracing::info!(wards, entries, "demo wards and diaries kept");
        let meetings =
            demo_feed::seed_circles(&desk, state.circles.as_ref(), &view, settings, desk::now())
                .await
                .map_err(|e| ServerError::DemoFeed(e.to_string()))?;
        tracing::info!(meetings, "the seed's cases of the three circles kept");
    }
    state
        .feed
        .set(demo_feed::spawn(state.feed_services(), settings));
    Ok(())
}

/// Serves `app` on `listener` in the background until `stopped`.
fn serve_on<L>(
    listener: L,
    app: axum::Router,
    stopped: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    // The tap does nothing but is how axum gives a wrapped listener's connections their
    // address (`ConnectInfo`), which the gate and the audit log read.
    let listener = listener.tap_io(|_| {});
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(stopped)
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "server stopped");
        }
    })
}

/// Starts the server in the background of the current tokio runtime: on 127.0.0.1 with a
/// launch key (standalone), or on the center address with accounts.
pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    if !config.ui_dir.join("index.html").is_file() {
        return Err(ServerError::MissingUi {
            path: config.ui_dir,
        });
    }
    let ip = config.center.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let wanted = SocketAddr::new(ip, config.port);
    let listener = TcpListener::bind(wanted)
        .await
        .map_err(|source| ServerError::Listen {
            address: wanted,
            source,
        })?;
    let address = listener
        .local_addr()
        .map_err(|source| ServerError::Listen {
            address: wanted,
            source,
        })?;
    let secret = if config.center.is_some() {
        String::new()
    } else {
        new_secret()?
    };
    let mode = if config.center.is_some() {
        Mode::Center
    } else {
        Mode::Standalone {
            secret: secret.clone().into(),
            port: address.port(),
        }
    };
    let mut background = Vec::new();
    let mut state = if let Database::Postgres(url) = &config.database {
        let store = PgStore::connect(url).await?;
        let state = state_on(store.clone(), mode, &config.database).await?;
        background.push(tokio::spawn(follow_others(store, state.clone())));
        state
    } else {
        open_state(&config.database, mode).await?
    };
    if let Some(listen) = config.center {
        state.gate.center_hosts = Some(auth::CenterHosts::new(&config.public_hosts, listen));
    }
    drop(tokio::task::spawn_blocking(auth::passwords::prepare_decoy));
    background.push(tokio::spawn(gateway::patrol_forever(
        state.gateway.clone(),
        state.grids.clone(),
    )));
    if let Some(settings) = config.demo_feed {
        start_demo_feed(&state, settings).await?;
    }
    if let Some(setup) = config.training {
        let run = training::TrainingRun::open(state.training_services(), setup).await?;
        background.extend(run.spawn());
        state.training.set(run);
    }
    if let Some(schedule) = config.backups.filter(|_| config.center.is_some()) {
        tracing::info!(dir = %schedule.dir.display(), every = ?schedule.every, keep = schedule.keep, "scheduled backups");
        background.push(tokio::spawn(backup::run(
            config.database.backup_target(),
            schedule,
            Arc::clone(&state.accounts),
        )));
    }
    if let Some(delay) = config.daily_hotspots {
        background.push(hotspots::spawn_daily(
            axum::extract::FromRef::from_ref(&state),
            delay,
        ));
    }
    let closing = Arc::clone(&state.closing);
    // The desktop routes belong to the embedded (standalone) server only.
    let desktop = config.desktop.filter(|_| config.center.is_none());
    let (stopping, stopped_streams) = watch::channel(false);
    let mut app = router(state, &config.ui_dir, desktop).layer(axum::middleware::map_response(
        move |response| {
            let stopped = stopped_streams.clone();
            async move { cut_at_stop(response, stopped) }
        },
    ));
    if config.tls.is_some() {
        app = app.layer(axum::middleware::from_fn(tls::harden));
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let stopped = async {
        let _ = stopped.await;
    };
    let task = if let Some(tls) = &config.tls {
        let listener =
            tls::TlsListener::new(listener, tls).map_err(|source| ServerError::Listen {
                address: wanted,
                source,
            })?;
        serve_on(
            uri_guard::Guarded(listener, config.client_timeouts),
            app,
            stopped,
        )
    } else {
        serve_on(
            uri_guard::Guarded(listener, config.client_timeouts),
            app,
            stopped,
        )
    };
    Ok(RunningServer {
        address,
        secret,
        tls: config.tls.is_some(),
        stop: Some(stop),
        task,
        background,
        closing,
        stopping,
    })
}

/// A live response (the event stream, a camera's MJPEG) ends when the server stops, so that a
/// stop does not wait for the clients watching: they reconnect to wherever the server comes back.
fn cut_at_stop(
    response: axum::response::Response,
    mut stopped: watch::Receiver<bool>,
) -> axum::response::Response {
    use futures_util::StreamExt;
    let live = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.starts_with("text/event-stream") || t.starts_with("multipart/x-mixed-replace")
        });
    if !live {
        return response;
    }
    let (parts, body) = response.into_parts();
    let stop = async move {
        let _ = stopped.wait_for(|stopped| *stopped).await;
    };
    let body = axum::body::Body::from_stream(body.into_data_stream().take_until(stop));
    axum::response::Response::from_parts(parts, body)
}
