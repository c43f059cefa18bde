//! `binhe-server`: the headless center server and the operator's command-line tools.

use std::path::PathBuf;
use std::process::ExitCode;

use binhe_core::crs::Crs;
use binhe_core::demo;
use binhe_core::ticket::columns::CRS_KEY;
use binhe_core::ticket::{ColumnMapping, WorkOrderField};
use binhe_server::auth::accounts::NewAccount;
use binhe_server::auth::{audit_entry, local_principal};
use binhe_server::backup::{Schedule, parse_period};
use binhe_server::dataset::Replaced;
use binhe_server::http::ApiError;
use binhe_server::reference_year::{ReferenceYear, play};
use binhe_server::{
    AppState, Database, FeedSettings, Mode, ServerConfig, default_database, open_state, start,
};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "binhe-server",
    about = "智慧滨河 Smart Binhe center server and tools"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and UI; prints the address as `SMART_BINHE_URL=…`. Standalone (default):
    /// on 127.0.0.1 with a per-launch key in the URL. `--center`: accounts and sessions, on
    /// `--listen`, for community terminals and browsers.
    Serve {
        /// SQLite file, or a PostgreSQL URL `postgres://user:password@host:port/database`
        /// (created with the demo dataset when new).
        #[arg(long)]
        db: Option<String>,
        /// Port; 0 picks a free one.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Center mode: every user logs in with an account (see `account add`).
        #[arg(long)]
        center: bool,
        /// The address a center server listens on (0.0.0.0 for every interface).
        #[arg(long, default_value = "127.0.0.1", requires = "center")]
        listen: std::net::IpAddr,
        /// A name (or `name:port`) terminals reach the center by; repeat for several. `Host`
        /// must be one of them, `localhost`, or an IP address of the server's own — any other
        /// is refused (DNS rebinding).
        #[arg(long = "public-host", requires = "center")]
        public_hosts: Vec<String>,
        /// Seconds a client may take to send a request's head (request line and headers).
        #[arg(long, default_value_t = 30)]
        head_timeout: u64,
        /// Seconds a request's body may stall while the server waits for it.
        #[arg(long, default_value_t = 60)]
        body_timeout: u64,
        /// Seconds the server's sending may wait for a client that takes none of it (a live
        /// picture or video wall nobody reads any more); the connection is then closed.
        #[arg(long, default_value_t = 60)]
        write_timeout: u64,
        /// Seconds after the start the daily hotspot analysis (未诉先办) first checks whether
        /// the last day's is missing; afterwards it runs shortly after each Beijing midnight.
        #[arg(long, default_value_t = 60)]
        daily_hotspots_after: u64,
        /// No daily hotspot analysis in this process (another server on the same database
        /// makes it, or a test).
        #[arg(long)]
        no_daily_hotspots: bool,
        /// The built UI folder.
        #[arg(long, default_value = "ui/dist")]
        ui_dir: PathBuf,
        /// Demo mode: play two weeks of history into a new demo database and keep generated
        /// requests coming.
        #[arg(long)]
        demo_feed: bool,
        /// Demo requests per minute (0.1–600).
        #[arg(long, default_value_t = 2.0)]
        feed_rate: f64,
        /// Seconds a simulated demo worker takes to pick up an order handed to their grid
        /// (reporting back takes twice as long); a dispatch is never touched before its undo
        /// window has passed, however short this is.
        #[arg(long, default_value_t = 20, requires = "demo_feed")]
        demo_worker_delay: u64,
        /// A center's HTTPS certificate chain (PEM), with `--tls-key`. Without either, a center
        /// makes a certificate for itself on its first start, keeps it beside its data and
        /// prints its fingerprint for the terminals to check.
        #[arg(long, requires_all = ["center", "tls_key"])]
        tls_cert: Option<PathBuf>,
        /// A training server: play this scenario (a TOML file, or the name of one that ships:
        /// rainstorm, winter_night, market_day) on `--db`, a training database of its own —
        /// refused on a database that holds tickets of a live street. Trainees and the trainer
        /// (the database's administrator) sign in with their accounts (see `account add`).
        #[arg(long, requires_all = ["center", "db"], conflicts_with = "demo_feed")]
        training: Option<String>,
        /// The private key (PEM) of `--tls-cert`.
        #[arg(long, requires_all = ["center", "tls_cert"])]
        tls_key: Option<PathBuf>,
        /// Serve a center over plain HTTP: passwords and sessions cross the network readable.
        /// Only behind a TLS proxy, or for a test on one machine.
        #[arg(long, requires = "center", conflicts_with = "tls_cert")]
        insecure_http: bool,
        /// Center mode: back the database up into this folder on a schedule (files named by
        /// their Beijing time; see `backup`).
        #[arg(long, requires = "center")]
        backup_dir: Option<PathBuf>,
        /// How often: a number and s, m, h or d.
        #[arg(long, default_value = "6h", requires = "backup_dir")]
        backup_every: String,
        /// How many backups to keep; the oldest beyond are removed.
        #[arg(long, default_value_t = 28, requires = "backup_dir")]
        backup_keep: usize,
    },
    /// Write a consistent copy of the whole database to a new file while the server runs:
    /// SQLite with `VACUUM INTO`, PostgreSQL with `pg_dump` (custom format).
    Backup {
        /// SQLite file, or a PostgreSQL URL.
        #[arg(long)]
        db: Option<String>,
        /// The backup file to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into a database (the server must not run on it). Refused unless the
    /// file is a Smart Binhe backup of the same kind of database with a schema this program
    /// knows, and unless the target is empty or `--force` is given.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// SQLite file, or a PostgreSQL URL (the database must exist).
        #[arg(long)]
        db: String,
        /// Replace a target that holds data.
        #[arg(long)]
        force: bool,
    },
    /// Replace the stored grids with a surveyed dataset: one documented GeoJSON file, or a
    /// survey as delivered (shapefile parts, zips of them, GeoJSON with other property names;
    /// one file with every level or one per level). Nothing is imported unless every feature
    /// is valid; each problem is listed with its layer and feature.
    ImportGrids {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        db: Option<String>,
        /// Coordinate system of layers that do not declare one: wgs84, cgcs2000, cgcs2000_gk3,
        /// gcj02 or bd09.
        #[arg(long)]
        crs: Option<String>,
        /// A JSON file with the field mapping (`{"layers": [{"layer": "…", "code": "WGBM", …}]}`,
        /// as the preview answers it); unmapped layers use the suggested mapping.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// The street's 15-digit code when the street outline has none (default: the current).
        #[arg(long)]
        street_code: Option<String>,
        /// Read even a single GeoJSON file as a survey (suggested mapping).
        #[arg(long)]
        survey: bool,
    },
    /// Take in a 12345 work-order export (CSV or XLSX). Orders already taken in are skipped,
    /// so importing a file twice creates nothing new; every refused row is listed.
    ImportOrders {
        file: PathBuf,
        #[arg(long)]
        db: Option<String>,
        /// Which column holds a field, where the header is not recognised:
        /// `--column category=诉求类型` (fields: external_id, category, description,
        /// received_at, address, lon, lat, grid_code, reporter_name, reporter_phone, urgency,
        /// channel, source_ref). Remembered for the next file with the same headers.
        #[arg(long = "column", value_name = "FIELD=HEADER")]
        columns: Vec<String>,
        /// The same as a file: one `field=header` per line, or a JSON object.
        #[arg(long, value_name = "FILE")]
        columns_file: Option<PathBuf>,
        /// The coordinate system of the longitude/latitude columns: wgs84 (default), cgcs2000,
        /// cgcs2000_gk3, gcj02 (高德/腾讯) or bd09 (百度). Remembered with the columns.
        #[arg(long)]
        crs: Option<String>,
    },
    /// Manage accounts (the first administrator of a new center is made here).
    Account {
        #[command(subcommand)]
        command: AccountCommand,
        #[arg(long, global = true)]
        db: Option<String>,
    },
    /// Open311 clients: the outside apps that post requests with their own API key
    /// (docs/api-open311.md).
    Open311Client {
        #[command(subcommand)]
        command: Open311ClientCommand,
        #[arg(long, global = true)]
        db: Option<String>,
    },
    /// The street's own basemap (MBTiles or PMTiles, raster or vector tiles), drawn under the
    /// grids instead of the generated one. The file is copied into `basemaps/` beside the
    /// SQLite file (PostgreSQL: into `$BINHE_DATA_DIR/basemaps`).
    Basemap {
        #[command(subcommand)]
        command: BasemapCommand,
        #[arg(long, global = true)]
        db: Option<String>,
    },
    /// Play the reference years (Binhe Street, January–November 2020 and 2021, the seed's
    /// results) into a database for training: open the dashboard or the report for 2021-11 with
    /// the cut-off 2021-11-30 to read them. Refused on a database that already holds tickets.
    ReferenceYears {
        #[arg(long)]
        db: Option<String>,
    },
    /// Check a training scenario file (TOML, `docs/scenarios.md`) against the street of the
    /// database: every problem with its line, or what the scenario will play. Without a file,
    /// the scenarios that ship with the app.
    CheckScenario {
        file: Option<PathBuf>,
        #[arg(long)]
        db: Option<String>,
    },
    /// Write the synthetic demo dataset (grids, workers, devices, basemap) for a seed.
    GenerateDemo {
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        #[arg(long, default_value = "assets/demo")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum BasemapCommand {
    /// Add a basemap file, replacing the current one; a file that is not a basemap the map can
    /// draw is refused and the current one stays.
    Add { file: PathBuf },
    /// Go back to the generated basemap (the file is removed).
    Remove,
    /// Say which basemap is served.
    Show,
}

#[derive(Subcommand)]
enum Open311ClientCommand {
    /// Register a client; prints its API key, shown this once (only its hash is kept).
    Add { name: String },
    /// List the clients (id, name, created by, created at, revoked at).
    List,
    /// Revoke a client's key.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account; the password is read from the first line of standard input.
    Add {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// dispatcher, commander, worker or administrator.
        #[arg(long)]
        role: String,
        /// A commander's community code.
        #[arg(long)]
        community: Option<String>,
        /// A grid worker's worker id.
        #[arg(long)]
        worker_id: Option<String>,
    },
    /// List the accounts.
    List,
}

/// Closes the store at the end of a command, so that a SQLite file is complete on its own.
async fn close(state: &AppState) {
    if let Err(error) = state.closing.close_cleanly().await {
        eprintln!("数据库未正常关闭 / the database was not closed cleanly: {error}");
    }
}

/// The database named on the command line, else the per-user SQLite file.
fn database(db: Option<String>) -> Database {
    db.map_or_else(
        || Database::Sqlite(default_database()),
        |text| Database::parse(&text),
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse().command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// A center's HTTPS: the operator's files, else the certificate it made for itself (now, on the
/// first start), whose fingerprint the operator gives the terminals to check.
fn center_tls(
    database: &Database,
    listen: std::net::IpAddr,
    public_hosts: &[String],
    files: Option<(PathBuf, PathBuf)>,
) -> Result<binhe_server::tls::Tls, String> {
    let refused = |e: binhe_server::tls::TlsError| {
        format!("HTTPS 证书不可用 / TLS certificate not usable: {e}")
    };
    let tls = if let Some((cert, key)) = files {
        binhe_server::tls::Tls::from_files(&cert, &key).map_err(refused)?
    } else {
        let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        if !listen.is_unspecified() {
            names.push(listen.to_string());
        }
        if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
            names.push(host.trim().to_owned());
        }
        // The names terminals use (`name:port` names the host too).
        names.extend(public_hosts.iter().map(|h| {
            h.rsplit_once(':')
                .filter(|(_, port)| port.parse::<u16>().is_ok())
                .map_or(h.as_str(), |(name, _)| name)
                .to_owned()
        }));
        names.sort();
        names.dedup();
        let tls = binhe_server::tls::Tls::self_signed(&database.data_folder(), &names)
            .map_err(refused)?;
        if let binhe_server::tls::Source::SelfSigned { folder, made_now } = &tls.source {
            let made = if *made_now {
                "新生成 / made now"
            } else {
                "沿用 / kept"
            };
            eprintln!(
                "自签名 HTTPS 证书（{made}）：{} / self-signed certificate in {}\n\
                 终端首次连接时请核对指纹 / terminals check this fingerprint when they first \
                 connect:\n  {}",
                folder.display(),
                folder.display(),
                tls.fingerprint
            );
        }
        tls
    };
    println!("SMART_BINHE_TLS_FINGERPRINT={}", tls.fingerprint);
    Ok(tls)
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve {
            db,
            port,
            center,
            listen,
            public_hosts,
            head_timeout,
            body_timeout,
            write_timeout,
            daily_hotspots_after,
            no_daily_hotspots,
            ui_dir,
            demo_feed,
            feed_rate,
            demo_worker_delay,
            tls_cert,
            tls_key,
            insecure_http,
            backup_dir,
            backup_every,
            backup_keep,
            training,
        } => {
            let training = training
                .map(|scenario| scenario_setup(&scenario))
                .transpose()?;
            let backups = match backup_dir {
                Some(dir) => Some(Schedule {
                    dir,
                    every: parse_period(&backup_every)
                        .map_err(|e| format!("--backup-every: {e}"))?,
                    keep: backup_keep.max(1),
                }),
                None => None,
            };
            if !binhe_server::demo_feed::RATE_RANGE.contains(&feed_rate) {
                return Err(format!(
                    "--feed-rate 须在 0.1–600 之间 / must be 0.1–600, got {feed_rate}"
                ));
            }
            let database = database(db);
            let tls = if center && !insecure_http {
                Some(center_tls(
                    &database,
                    listen,
                    &public_hosts,
                    tls_cert.zip(tls_key),
                )?)
            } else {
                if insecure_http {
                    tracing::warn!(
                        "中心以明文 HTTP 提供服务：密码与会话在网络上可被读取 / the center serves \
                         plain HTTP: passwords and sessions cross the network readable"
                    );
                }
                None
            };
            let server = start(ServerConfig {
                database,
                ui_dir,
                port,
                center: center.then_some(listen),
                demo_feed: demo_feed.then(|| FeedSettings {
                    rate_per_minute: feed_rate,
                    worker_delay: std::time::Duration::from_secs(demo_worker_delay),
                    ..FeedSettings::default()
                }),
                desktop: None,
                tls,
                public_hosts,
                client_timeouts: binhe_server::ClientTimeouts {
                    head: std::time::Duration::from_secs(head_timeout.max(1)),
                    body: std::time::Duration::from_secs(body_timeout.max(1)),
                    write: std::time::Duration::from_secs(write_timeout.max(1)),
                },
                backups,
                daily_hotspots: (!no_daily_hotspots)
                    .then_some(std::time::Duration::from_secs(daily_hotspots_after)),
                training,
            })
            .await
            .map_err(|e| format!("启动失败 / cannot start: {e}"))?;
            println!("SMART_BINHE_URL={}", server.launch_url());
            let mut terminate =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .map_err(|e| e.to_string())?;
            tokio::select! {
                stopped = tokio::signal::ctrl_c() => stopped.map_err(|e| e.to_string())?,
                _ = terminate.recv() => {}
            }
            tracing::info!("stopping: finishing the requests under way, then closing the database");
            server.shutdown().await;
            Ok(())
        }
        Command::Backup { db, out } => {
            let target = database(db).backup_target();
            let started = std::time::Instant::now();
            target
                .back_up(&out)
                .await
                .map_err(|e| format!("未备份 / NOT backed up: {} {e}", e.code()))?;
            let bytes = std::fs::metadata(&out).map_or(0, |m| m.len());
            println!(
                "已备份 / backed up {} → {} ({bytes} 字节 bytes, {:.1} s)",
                target.shown(),
                out.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Restore { from, db, force } => {
            let target = Database::parse(&db).backup_target();
            let read = binhe_store::backup::restore(&from, target.as_ref(), force)
                .await
                .map_err(|e| format!("未恢复 / NOT restored: {} {e}", e.code()))?;
            println!(
                "已恢复 / restored {} → {} ({}, 数据库结构 schema {})",
                from.display(),
                target.shown(),
                read.dialect.as_str(),
                read.schema
            );
            Ok(())
        }
        Command::ImportGrids {
            files,
            db,
            crs,
            mapping,
            street_code,
            survey,
        } => {
            let documented = !survey
                && crs.is_none()
                && mapping.is_none()
                && street_code.is_none()
                && files.len() == 1
                && files[0].extension().is_some_and(|e| {
                    e.eq_ignore_ascii_case("geojson") || e.eq_ignore_ascii_case("json")
                });
            let read = |file: &PathBuf| {
                std::fs::read(file)
                    .map_err(|e| format!("无法读取 {} / cannot read it: {e}", file.display()))
            };
            let names: Vec<String> = files.iter().map(|f| file_name(f)).collect();
            let label = files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let mut survey_mapping: binhe_core::survey::SurveyMapping = match &mapping {
                Some(path) => serde_json::from_slice(&read(path)?).map_err(|e| {
                    format!(
                        "映射文件 {} 格式错误 / bad mapping file: {e}",
                        path.display()
                    )
                })?,
                None => binhe_core::survey::SurveyMapping::default(),
            };
            if let Some(code) = &crs {
                survey_mapping.crs = Some(binhe_core::Crs::from_code(code).ok_or_else(|| {
                    format!(
                        "未知坐标系 / unknown --crs {code:?}: {}",
                        binhe_core::Crs::ALL.map(binhe_core::Crs::as_str).join(", ")
                    )
                })?);
            }
            if street_code.is_some() {
                survey_mapping.street_code = street_code;
            }
            let mut contents = Vec::with_capacity(files.len());
            for (file, name) in files.iter().zip(&names) {
                contents.push((name.clone(), read(file)?));
            }
            let state = open_state(&database(db), Mode::Center)
                .await
                .map_err(|e| e.to_string())?;
            let description = format!("导入 / import: {}", names.join(", "));
            let outcome = if documented {
                let text = String::from_utf8(contents.remove(0).1)
                    .map_err(|e| format!("{label}: 不是 UTF-8 文本 / not UTF-8 text: {e}"))?;
                state.grids.replace(&text, description).await
            } else {
                if survey_mapping.street_code.is_none() {
                    survey_mapping.street_code =
                        Some(state.grids.view().hierarchy().street().code.to_string());
                }
                let mut read = binhe_server::grids::ReadSurvey::default();
                binhe_server::grids::read_files(contents, &mut read);
                let assembly = read.assemble(&survey_mapping);
                for generated in &assembly.generated {
                    println!(
                        "生成编码 / generated code {} {} ({} #{})",
                        generated.code, generated.name, generated.layer, generated.feature_index
                    );
                }
                state
                    .grids
                    .replace_with(assembly.hierarchy.ok_or(assembly.problems), description)
                    .await
            };
            close(&state).await;
            match outcome {
                Ok(view) => {
                    let s = &view.summary;
                    println!(
                        "已导入 / imported {}: {} 个社区网格 communities, {} 个微网格 micro-grids, {} 个单元网格 units",
                        label, s.communities, s.micro_grids, s.units
                    );
                    Ok(())
                }
                Err(Replaced::Rejected(problems)) => {
                    let header = format!(
                        "未导入 / NOT imported {}: {} 个问题 problem(s); 现有数据未改动 / stored data unchanged",
                        label,
                        problems.len()
                    );
                    let lines = problems.iter().map(|p| {
                        let feature = p.feature_index.map_or_else(
                            || "文件 file".to_owned(),
                            |i| format!("要素 feature #{i}"),
                        );
                        let feature = match &p.layer {
                            Some(layer) => format!("{layer} {feature}"),
                            None => feature,
                        };
                        let code = p.grid_code.as_deref().unwrap_or("-");
                        format!(
                            "  {feature} [{code}] {}: {} / {}",
                            p.code, p.message_zh, p.message_en
                        )
                    });
                    Err(std::iter::once(header)
                        .chain(lines)
                        .collect::<Vec<_>>()
                        .join("\n"))
                }
                Err(Replaced::Store(error)) => Err(error.to_string()),
            }
        }
        Command::ImportOrders {
            file,
            db,
            columns,
            columns_file,
            crs,
        } => {
            let mut columns = column_mapping(&columns, columns_file.as_deref())?;
            if let Some(code) = crs {
                let crs = Crs::from_code(&code).ok_or_else(|| {
                    let known: Vec<&str> = Crs::ALL.iter().map(|c| c.as_str()).collect();
                    format!(
                        "--crs：坐标系“{code}”不存在，可用 {} / unknown coordinate system {code:?}",
                        known.join(", ")
                    )
                })?;
                columns
                    .get_or_insert_with(ColumnMapping::new)
                    .insert(CRS_KEY.to_owned(), crs.as_str().to_owned());
            }
            let bytes = std::fs::read(&file)
                .map_err(|e| format!("无法读取 {} / cannot read it: {e}", file.display()))?;
            let state = open_state(&database(db), Mode::Center)
                .await
                .map_err(|e| e.to_string())?;
            let name = file_name(&file);
            let view = state.view();
            let progress = state
                .imports()
                .run_now(&state.desk(), &view, bytes, &name, columns)
                .await;
            close(&state).await;
            report_import(&file, &progress)
        }
        Command::Account { command, db } => {
            let state = open_state(&database(db), Mode::Center)
                .await
                .map_err(|e| e.to_string())?;
            let done = manage_accounts(&state, command).await;
            close(&state).await;
            done
        }
        Command::Open311Client { command, db } => {
            let state = open_state(&database(db), Mode::Center)
                .await
                .map_err(|e| e.to_string())?;
            let done = manage_open311_clients(&state, command).await;
            close(&state).await;
            done
        }
        Command::Basemap { command, db } => {
            let state = open_state(&database(db), Mode::Center)
                .await
                .map_err(|e| e.to_string())?;
            let done = manage_basemap(&state, command).await;
            close(&state).await;
            done
        }
        Command::ReferenceYears { db } => {
            let state = open_state(&database(db), Mode::Center)
                .await
                .map_err(|e| e.to_string())?;
            let desk = state.desk();
            let (_, held) = desk
                .store()
                .list(&binhe_store::TicketFilter {
                    scope: binhe_store::TicketScope::All,
                    state: None,
                    community: None,
                    visibility: binhe_core::access::Visibility::Everything,
                    category: None,
                    received_from: None,
                    received_until: None,
                    limit: 1,
                    after: None,
                    ids: None,
                })
                .await
                .map_err(|e| e.to_string())?;
            if held > 0 {
                return Err(format!(
                    "数据库已有 {held} 件工单，参考年份只载入空库 / the database already holds {held} tickets; reference years go into an empty one"
                ));
            }
            let view = state.view();
            for year in [ReferenceYear::binhe_2020(), ReferenceYear::binhe_2021()] {
                let created = play(&desk, &view, &year).await.map_err(|e| e.to_string())?;
                println!("{created} tickets from {} to {}", year.from, year.until);
            }
            close(&state).await;
            println!("月报 / report: /api/kpi/report?month=2021-11&as_of=2021-11-30");
            Ok(())
        }
        Command::CheckScenario { file, db } => {
            let state = open_state(&database(db), Mode::Center)
                .await
                .map_err(|e| e.to_string())?;
            let files: Vec<(String, String)> = match file {
                Some(path) => vec![(
                    path.display().to_string(),
                    std::fs::read_to_string(&path)
                        .map_err(|e| format!("{}: {e}", path.display()))?,
                )],
                None => binhe_core::training::SHIPPED
                    .iter()
                    .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
                    .collect(),
            };
            check_scenarios(&state, &files)
        }
        Command::GenerateDemo { seed, out } => {
            std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            for (name, content) in demo::generate(seed).files() {
                let path = out.join(name);
                std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
                println!("wrote {}", path.display());
            }
            Ok(())
        }
    }
}

/// The scenario a training server plays: a file, or one that ships named by its file's stem.
fn scenario_setup(scenario: &str) -> Result<binhe_server::training::TrainingSetup, String> {
    let shipped = binhe_core::training::SHIPPED
        .iter()
        .find(|(name, _)| name.strip_suffix(".toml") == Some(scenario) || *name == scenario);
    if let Some((name, text)) = shipped {
        return Ok(binhe_server::training::TrainingSetup {
            name: (*name).to_owned(),
            text: (*text).to_owned(),
        });
    }
    let path = PathBuf::from(scenario);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        let shipped: Vec<&str> = binhe_core::training::SHIPPED
            .iter()
            .filter_map(|(name, _)| name.strip_suffix(".toml"))
            .collect();
        format!(
            "场景文件不可读 / cannot read the scenario {}: {e}（内置场景 / scenarios that ship: {}）",
            path.display(),
            shipped.join(", ")
        )
    })?;
    Ok(binhe_server::training::TrainingSetup {
        name: path
            .file_name()
            .map_or_else(|| scenario.to_owned(), |n| n.to_string_lossy().into_owned()),
        text,
    })
}

/// Reads each scenario against the street of `state`: what it plays, or its problems by line.
fn check_scenarios(state: &AppState, files: &[(String, String)]) -> Result<(), String> {
    use binhe_core::training::scenario::{Street, read};
    let view = state.view();
    let catalogue = state.desk().catalogue();
    let street = Street {
        hierarchy: view.hierarchy(),
        catalogue: &catalogue,
        workers: &view.dataset.workers,
        devices: &view.dataset.devices,
    };
    let mut refused = 0;
    for (name, text) in files {
        match read(text, street) {
            Ok(s) => println!(
                "{name}: {} — {}–{}，约 {:.0} 件诉求（背景 {} 组、事件 {} 个、脚本 {} 件），设备事件 {} 个，离岗 {} 人 / \
                 ~{:.0} requests, {} scripted",
                s.title,
                s.start,
                s.end(),
                s.request_count(),
                s.background.len(),
                s.incidents.len(),
                s.requests.len(),
                s.events.len(),
                s.off_duty.len(),
                s.request_count(),
                s.requests.len(),
            ),
            Err(problems) => {
                refused += 1;
                for p in problems {
                    eprintln!(
                        "{name}:{}: {} {} / {}",
                        p.line, p.field, p.message_zh, p.message_en
                    );
                }
            }
        }
    }
    if refused > 0 {
        return Err(format!(
            "{refused} 个场景文件有误 / {refused} scenario files have problems"
        ));
    }
    Ok(())
}

async fn manage_accounts(state: &AppState, command: AccountCommand) -> Result<(), String> {
    let accounts = state.gate().accounts;
    match command {
        AccountCommand::Add {
            login,
            name,
            role,
            community,
            worker_id,
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .map_err(|e| format!("无法读取密码 / cannot read the password: {e}"))?;
            let request = NewAccount {
                login: Some(login),
                name: Some(name),
                role: Some(role),
                community,
                worker_id,
                password: Some(password.trim_end_matches(['\r', '\n']).to_owned()),
            };
            let view = state.view();
            let account = binhe_server::auth::accounts::create(accounts.as_ref(), &view, request)
                .await
                .map_err(|e| {
                    format!(
                        "未创建 / NOT created: {} {} / {e}",
                        e.code(),
                        e.message_zh()
                    )
                })?;
            let p = &account.principal;
            let entry = audit_entry(
                &local_principal(),
                "命令行 / command line",
                "account.create",
                &p.account,
            );
            accounts
                .record_audit(&[entry])
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "已创建 / created {} ({}, {})",
                p.account,
                p.name,
                p.role.as_str()
            );
            Ok(())
        }
        AccountCommand::List => {
            for a in accounts.accounts().await.map_err(|e| e.to_string())? {
                let p = &a.principal;
                println!(
                    "{}\t{}\t{}\t{}\t{}{}",
                    p.account,
                    p.name,
                    p.role.as_str(),
                    p.community.as_ref().map_or("-", |c| c.as_str()),
                    p.worker_id.as_deref().unwrap_or("-"),
                    if a.disabled { "\t停用 disabled" } else { "" }
                );
            }
            Ok(())
        }
    }
}

async fn manage_open311_clients(
    state: &AppState,
    command: Open311ClientCommand,
) -> Result<(), String> {
    use binhe_server::open311::clients;
    let accounts = state.gate().accounts;
    let refused = |e: ApiError| format!("{} {} / {e}", e.code(), e.message_zh());
    let audit = |action: &str, target: &str, detail: &str| {
        let mut entry = audit_entry(&local_principal(), "命令行 / command line", action, target);
        detail.clone_into(&mut entry.detail);
        entry
    };
    match command {
        Open311ClientCommand::Add { name } => {
            let name = clients::checked_name(Some(&name))
                .map_err(|e| format!("未创建 / NOT created: {}", refused(e)))?;
            let (client, key) =
                clients::register(accounts.as_ref(), &name, "命令行 / command line")
                    .await
                    .map_err(|e| format!("未创建 / NOT created: {}", refused(e)))?;
            let entry = audit(
                "open311_client.create",
                &client.id.to_string(),
                &client.name,
            );
            accounts
                .record_audit(&[entry])
                .await
                .map_err(|e| e.to_string())?;
            println!("已创建 / created {} {}", client.id, client.name);
            println!("api_key={key}");
            println!("密钥只显示这一次 / the key is shown this once");
        }
        Open311ClientCommand::List => {
            for c in accounts
                .open311_clients()
                .await
                .map_err(|e| e.to_string())?
            {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    c.id,
                    c.name,
                    c.created_by,
                    c.created_at.to_rfc3339(),
                    c.revoked_at.map_or_else(
                        || "-".to_owned(),
                        |at| format!("已吊销 revoked {}", at.to_rfc3339())
                    )
                );
            }
        }
        Open311ClientCommand::Revoke { id } => {
            let client = accounts
                .revoke_open311_client(id, chrono::Utc::now())
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("没有客户端 {id} / no Open311 client {id}"))?;
            let entry = audit("open311_client.revoke", &id.to_string(), &client.name);
            accounts
                .record_audit(&[entry])
                .await
                .map_err(|e| e.to_string())?;
            println!("已吊销 / revoked {} {}", client.id, client.name);
        }
    }
    Ok(())
}

/// One line on a basemap: name, file kind, tiles, zooms, bounds, size and where it lies.
fn describe_basemap(current: &binhe_server::basemap::Current) -> String {
    let info = current.info();
    let set = &info.tile_set;
    format!(
        "{} [{}] {} {}, {}, z {}–{}, {:?}, {} 字节 bytes → {}",
        info.name,
        info.id,
        set.container.as_str(),
        set.kind.as_str(),
        set.format.as_str(),
        set.min_zoom,
        set.max_zoom,
        set.bounds,
        info.bytes,
        current.archive.path.display()
    )
}

/// A refusal as the command line prints it: code, Chinese, English.
fn refused(what: &str, error: &ApiError) -> String {
    format!("{what}: {} {} / {error}", error.code(), error.message_zh())
}

async fn manage_basemap(state: &AppState, command: BasemapCommand) -> Result<(), String> {
    let basemaps = &state.basemaps;
    let record = |action: &str, target: &str| {
        audit_entry(&local_principal(), "命令行 / command line", action, target)
    };
    let entry = match command {
        BasemapCommand::Add { file } => {
            let staged = basemaps
                .stage_copy(&file)
                .await
                .map_err(|e| refused("未添加 / NOT added", &e.into()))?;
            let current = basemaps
                .install(staged, &file_name(&file), "命令行")
                .await
                .map_err(|e| {
                    refused(
                        "未添加 / NOT added, 原底图不变 / current one kept",
                        &e.into(),
                    )
                })?;
            let id = current.stored.id.clone();
            println!("已添加底图 / basemap added: {}", describe_basemap(&current));
            record("basemap.replace", &id)
        }
        BasemapCommand::Remove => {
            let removed = basemaps
                .remove()
                .await
                .map_err(|e| refused("未移除 / NOT removed", &e.into()))?;
            println!(
                "已移除底图 / basemap removed: {}; 地图改用生成的底图 / the generated basemap is shown",
                removed.original_name
            );
            record("basemap.remove", &removed.id)
        }
        BasemapCommand::Show => {
            match basemaps.current() {
                Some(current) => println!("{}", describe_basemap(&current)),
                None => println!(
                    "无底图文件，地图使用生成的底图 / no basemap file: the generated basemap is shown"
                ),
            }
            return Ok(());
        }
    };
    state
        .gate()
        .accounts
        .record_audit(&[entry])
        .await
        .map_err(|e| e.to_string())
}

fn file_name(file: &std::path::Path) -> String {
    file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// `--column field=header` flags and a `--columns-file` as one mapping (flags win).
fn column_mapping(
    flags: &[String],
    file: Option<&std::path::Path>,
) -> Result<Option<ColumnMapping>, String> {
    let mut mapping = ColumnMapping::new();
    let mut add = |line: &str, source: &str| -> Result<(), String> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        let (field, header) = line.split_once('=').ok_or_else(|| {
            format!("{source}：“{line}”应为 字段=列名 / {source}: {line:?} must be field=header")
        })?;
        let field = field.trim();
        if WorkOrderField::from_code(field).is_none() {
            let known: Vec<&str> = WorkOrderField::ALL.iter().map(|f| f.as_str()).collect();
            return Err(format!(
                "{source}：字段“{field}”不存在，可用 {} / {source}: unknown field {field:?}",
                known.join(", ")
            ));
        }
        mapping.insert(field.to_owned(), header.trim().to_owned());
        Ok(())
    };
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("无法读取 {} / cannot read it: {e}", path.display()))?;
        let source = path.display().to_string();
        if text.trim_start().starts_with('{') {
            let json: ColumnMapping = serde_json::from_str(&text)
                .map_err(|e| format!("{source}：不是有效的 JSON / not valid JSON: {e}"))?;
            for (field, header) in json {
                add(&format!("{field}={header}"), &source)?;
            }
        } else {
            for line in text.lines() {
                add(line, &source)?;
            }
        }
    }
    for flag in flags {
        add(flag, "--column")?;
    }
    Ok((!mapping.is_empty()).then_some(mapping))
}

fn report_import(
    file: &std::path::Path,
    p: &binhe_api::tickets::JobProgress,
) -> Result<(), String> {
    if let Some(failure) = &p.failed {
        return Err(format!(
            "未导入 / NOT imported {}: {} {} / {}",
            file.display(),
            failure.code,
            failure.message_zh,
            failure.message_en
        ));
    }
    println!(
        "已导入 / imported {}: {} 行 rows, 新建 created {}（其中合并 merged {}, 疑似重复 flagged {}, 按“其他”受理 unclassified {}），已存在 existing {}, 拒收 rejected {}, 跳过非工单行 skipped {}",
        file.display(),
        p.total,
        p.created,
        p.merged,
        p.flagged,
        p.unclassified,
        p.existing,
        p.rejected,
        p.skipped
    );
    for e in p.notices.iter().chain(&p.errors) {
        println!(
            "  第 {} 行 row [{}] {}: {} / {}",
            e.row, e.field, e.code, e.message_zh, e.message_en
        );
    }
    Ok(())
}
