//! Backups and restores of a whole Smart Binhe database, and the clean close that leaves a
//! SQLite file complete on its own.
//!
//! One [`Backup`] trait, one implementation per dialect: a SQLite file is copied with
//! `VACUUM INTO` (a consistent snapshot while the server keeps writing), a PostgreSQL database
//! with `pg_dump` in its custom format (one repeatable-read snapshot) and restored with
//! `pg_restore` of the server's own major version. A file is only restored once it is known to
//! be a Smart Binhe backup of this dialect whose schema (the applied migrations) this program
//! knows; a target that holds data is only overwritten when asked to.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

/// The schema of each dialect, as this program applies it.
pub(crate) static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
pub(crate) static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

/// What a SQLite file starts with.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
/// What a `pg_dump` custom-format archive starts with.
const PG_DUMP_MAGIC: &[u8] = b"PGDMP";

/// The two kinds of database (and so of backup file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }

    /// The file name ending of its backups.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "pgdump",
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Self::Sqlite => &SQLITE_MIGRATIONS,
            Self::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// Why a backup or a restore did not happen. Nothing was changed in the target when one is
/// answered (a restore into PostgreSQL runs in one transaction; into SQLite the file is swapped
/// in only once checked).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path}: 无法读写文件 / cannot read or write the file: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{target}: 数据库不存在 / there is no database here")]
    NoDatabase { target: String },
    #[error("{path}: 文件已存在，备份不会覆盖 / the file exists; a backup does not overwrite it")]
    OutExists { path: String },
    #[error("{target}: 数据库操作失败 / the database refused: {detail}")]
    Database { target: String, detail: String },
    #[error("{tool} 失败 / {tool} failed: {detail}")]
    Tool { tool: String, detail: String },
    #[error("{path}: 不是智慧滨河备份文件 / not a Smart Binhe backup: {reason}")]
    NotABackup { path: String, reason: String },
    #[error(
        "{path}: 这是 {backup} 备份，不能恢复到 {target} 数据库 / a {backup} backup cannot be restored into a {target} database"
    )]
    WrongDialect {
        path: String,
        backup: &'static str,
        target: &'static str,
    },
    #[error(
        "{path}: 备份来自更新的版本（数据库结构 {version}，本程序只认识到 {known}），请用新版程序恢复 / the backup comes from a newer version (schema {version}, this program knows up to {known}); restore it with that version"
    )]
    NewerSchema {
        path: String,
        version: i64,
        known: i64,
    },
    #[error(
        "{path}: 备份的数据库结构 {version} 与本程序的不同 / the backup's schema step {version} differs from this program's"
    )]
    ForeignSchema { path: String, version: i64 },
    #[error(
        "{target}: 目标数据库已有数据，未覆盖；确认要覆盖请加 --force / the target holds data and was not overwritten; add --force to replace it"
    )]
    TargetNotEmpty { target: String },
}

impl BackupError {
    /// The English code, as the error body of the API spells its codes.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "BACKUP_IO",
            Self::NoDatabase { .. } => "NO_DATABASE",
            Self::OutExists { .. } => "BACKUP_FILE_EXISTS",
            Self::Database { .. } => "DATABASE_REFUSED",
            Self::Tool { .. } => "BACKUP_TOOL_FAILED",
            Self::NotABackup { .. } => "NOT_A_BACKUP",
            Self::WrongDialect { .. } => "BACKUP_DIALECT_MISMATCH",
            Self::NewerSchema { .. } => "BACKUP_FROM_NEWER_VERSION",
            Self::ForeignSchema { .. } => "BACKUP_SCHEMA_UNKNOWN",
            Self::TargetNotEmpty { .. } => "RESTORE_TARGET_NOT_EMPTY",
        }
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// A database that can be backed up and restored into.
#[async_trait]
pub trait Backup: Send + Sync {
    fn dialect(&self) -> Dialect;

    /// The database as messages show it (no password).
    fn shown(&self) -> String;

    /// Writes a consistent copy of the whole database to `out` (a new file) while others go on
    /// writing. A failed backup leaves no file behind.
    async fn back_up(&self, out: &Path) -> Result<(), BackupError>;

    /// Whether the database holds anything (a missing SQLite file holds nothing).
    async fn holds_data(&self) -> Result<bool, BackupError>;

    /// Replaces the database with the backup in `file` (already checked), all or nothing.
    async fn restore_checked(&self, file: &Path) -> Result<(), BackupError>;
}

/// What a backup file holds, as far as can be read without restoring it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFile {
    pub dialect: Dialect,
    /// The schema version: the newest migration applied in the backed-up database.
    pub schema: i64,
}

/// Restores `file` into `target`: refused unless it is a Smart Binhe backup of the target's
/// dialect with a schema this program knows, and unless the target is empty or `force` is set.
pub async fn restore(
    file: &Path,
    target: &dyn Backup,
    force: bool,
) -> Result<BackupFile, BackupError> {
    let read = inspect(file).await?;
    if read.dialect != target.dialect() {
        return Err(BackupError::WrongDialect {
            path: file.display().to_string(),
            backup: read.dialect.as_str(),
            target: target.dialect().as_str(),
        });
    }
    if !force && target.holds_data().await? {
        return Err(BackupError::TargetNotEmpty {
            target: target.shown(),
        });
    }
    target.restore_checked(file).await?;
    Ok(read)
}

/// Reads what `file` is: which dialect's backup, with which schema. Refuses anything that is
/// not a Smart Binhe backup this program could restore.
pub async fn inspect(file: &Path) -> Result<BackupFile, BackupError> {
    let shown = file.display().to_string();
    let not_a_backup = |reason: &str| BackupError::NotABackup {
        path: shown.clone(),
        reason: reason.to_owned(),
    };
    let mut head = [0u8; 16];
    let read = {
        use std::io::Read;
        let mut opened = std::fs::File::open(file).map_err(BackupError::io(file))?;
        let mut filled = 0;
        loop {
            let n = opened
                .read(&mut head[filled..])
                .map_err(BackupError::io(file))?;
            filled += n;
            if n == 0 || filled == head.len() {
                break filled;
            }
        }
    };
    let (dialect, applied) = if head[..read].starts_with(SQLITE_MAGIC) {
        (Dialect::Sqlite, sqlite_migrations(file).await?)
    } else if head[..read].starts_with(PG_DUMP_MAGIC) {
        (Dialect::Postgres, dump_migrations(file).await?)
    } else {
        return Err(not_a_backup(
            "既不是 SQLite 文件也不是 pg_dump 文件 / neither a SQLite file nor a pg_dump archive",
        ));
    };
    let Some(applied) = applied else {
        return Err(not_a_backup(
            "没有智慧滨河的数据库结构记录 / it has no Smart Binhe schema record (_sqlx_migrations)",
        ));
    };
    let known = dialect.migrator();
    let newest_known = known.iter().map(|m| m.version).max().unwrap_or(0);
    let mut schema = 0;
    for (version, checksum) in applied {
        match known.iter().find(|m| m.version == version) {
            Some(m) if *m.checksum == *checksum => schema = schema.max(version),
            None if version > newest_known => {
                return Err(BackupError::NewerSchema {
                    path: shown,
                    version,
                    known: newest_known,
                });
            }
            // Known with another checksum, or a step this program never had.
            _ => {
                return Err(BackupError::ForeignSchema {
                    path: shown,
                    version,
                });
            }
        }
    }
    if schema == 0 {
        return Err(not_a_backup(
            "数据库结构记录是空的 / its schema record is empty",
        ));
    }
    Ok(BackupFile { dialect, schema })
}

/// The applied migrations of a SQLite file (`None` without the table), read without changing it.
async fn sqlite_migrations(file: &Path) -> Result<Option<Vec<(i64, Vec<u8>)>>, BackupError> {
    let shown = file.display().to_string();
    let refused = |e: sqlx::Error| BackupError::NotABackup {
        path: shown.clone(),
        reason: e.to_string(),
    };
    let options = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(refused)?;
    let table: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(&mut conn)
    .await
    .map_err(refused)?;
    if table.is_none() {
        return Ok(None);
    }
    let rows: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
            .fetch_all(&mut conn)
            .await
            .map_err(refused)?;
    let check: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await
        .map_err(refused)?;
    let _ = conn.close().await;
    if check != "ok" {
        return Err(BackupError::NotABackup {
            path: shown,
            reason: format!("文件已损坏 / the file is damaged: {check}"),
        });
    }
    Ok(Some(rows))
}

/// The applied migrations in a `pg_dump` archive, from the data of its `_sqlx_migrations`
/// table as `pg_restore` writes it out (`None` without that table).
async fn dump_migrations(file: &Path) -> Result<Option<Vec<(i64, Vec<u8>)>>, BackupError> {
    let tool = newest_pg_tool("pg_restore");
    let args = [
        "--data-only".into(),
        "--table=_sqlx_migrations".into(),
        "--file=-".into(),
        file.as_os_str().to_owned(),
    ];
    let output = tool_output(&tool, &args, None).await?;
    if !output.status.success() {
        return Err(BackupError::NotABackup {
            path: file.display().to_string(),
            reason: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    let script = String::from_utf8_lossy(&output.stdout);
    let Some(start) = script
        .lines()
        .position(|l| l.starts_with("COPY ") && l.contains("_sqlx_migrations"))
    else {
        return Ok(None);
    };
    let header = script.lines().nth(start).unwrap_or_default();
    let columns: Vec<&str> = header
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(list, _)| list.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let at = |name: &str| columns.iter().position(|c| *c == name);
    let (Some(version_at), Some(success_at), Some(checksum_at)) =
        (at("version"), at("success"), at("checksum"))
    else {
        return Ok(None);
    };
    let mut applied = Vec::new();
    for line in script.lines().skip(start + 1) {
        if line == "\\." {
            break;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.get(success_at) != Some(&"t") {
            continue;
        }
        let version = fields.get(version_at).and_then(|v| v.parse().ok());
        // bytea in COPY text: `\\x` and hex digits.
        let checksum = fields
            .get(checksum_at)
            .and_then(|c| c.strip_prefix("\\\\x"))
            .and_then(hex_bytes);
        if let (Some(version), Some(checksum)) = (version, checksum) {
            applied.push((version, checksum));
        }
    }
    Ok(Some(applied))
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A new file in `out`'s folder to write into before it is renamed to `out`.
fn partial(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

fn refuse_existing(out: &Path) -> Result<(), BackupError> {
    if out.exists() {
        return Err(BackupError::OutExists {
            path: out.display().to_string(),
        });
    }
    Ok(())
}

/// One SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteFile {
    pub path: PathBuf,
}

impl SqliteFile {
    fn options(&self) -> SqliteConnectOptions {
        SqliteConnectOptions::new()
            .filename(&self.path)
            .busy_timeout(std::time::Duration::from_secs(30))
    }

    fn refused(&self) -> impl FnOnce(sqlx::Error) -> BackupError + '_ {
        |e| BackupError::Database {
            target: self.shown(),
            detail: e.to_string(),
        }
    }
}

#[async_trait]
impl Backup for SqliteFile {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    async fn back_up(&self, out: &Path) -> Result<(), BackupError> {
        refuse_existing(out)?;
        if !self.path.is_file() {
            return Err(BackupError::NoDatabase {
                target: self.shown(),
            });
        }
        let staged = partial(out);
        let _ = std::fs::remove_file(&staged);
        let mut conn = SqliteConnection::connect_with(&self.options())
            .await
            .map_err(self.refused())?;
        let copied = sqlx::query("VACUUM INTO ?")
            .bind(staged.to_string_lossy().into_owned())
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
        if let Err(e) = copied {
            let _ = std::fs::remove_file(&staged);
            return Err(self.refused()(e));
        }
        std::fs::rename(&staged, out).map_err(BackupError::io(out))
    }

    async fn holds_data(&self) -> Result<bool, BackupError> {
        match std::fs::metadata(&self.path) {
            Ok(meta) => Ok(meta.len() > 0),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(BackupError::io(&self.path)(e)),
        }
    }

    /// Copies the backup beside the target, then swaps it in (with the target's WAL and shared
    /// memory removed): the target is the old file or the whole backup, never a mix. The
    /// server must not be running on the target.
    async fn restore_checked(&self, file: &Path) -> Result<(), BackupError> {
        let staged = partial(&self.path);
        if let Some(folder) = self.path.parent().filter(|f| !f.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(BackupError::io(folder))?;
        }
        std::fs::copy(file, &staged).map_err(BackupError::io(&staged))?;
        let synced = std::fs::File::open(&staged).and_then(|f| f.sync_all());
        if let Err(e) = synced {
            let _ = std::fs::remove_file(&staged);
            return Err(BackupError::io(&staged)(e));
        }
        for suffix in ["-wal", "-shm"] {
            let mut name = self.path.as_os_str().to_os_string();
            name.push(suffix);
            match std::fs::remove_file(PathBuf::from(&name)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(BackupError::io(Path::new(&name))(e)),
            }
        }
        std::fs::rename(&staged, &self.path).map_err(BackupError::io(&self.path))
    }
}

/// One PostgreSQL database, by its URL.
#[derive(Debug, Clone)]
pub struct PgDatabase {
    pub url: String,
}

impl PgDatabase {
    fn refused(&self) -> impl FnOnce(sqlx::Error) -> BackupError + '_ {
        |e| BackupError::Database {
            target: self.shown(),
            detail: e.to_string(),
        }
    }

    /// The password in the URL (as user info or as a `password` parameter), decoded.
    fn password(&self) -> Option<String> {
        let url = url::Url::parse(&self.url).ok()?;
        let query = url
            .query_pairs()
            .find(|(key, _)| key == "password")
            .map(|(_, value)| value.into_owned());
        let user_info = url.password().map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        });
        user_info.or(query)
    }

    async fn connect(&self) -> Result<sqlx::PgConnection, BackupError> {
        let options =
            sqlx::postgres::PgConnectOptions::from_str(&self.url).map_err(self.refused())?;
        sqlx::PgConnection::connect_with(&options)
            .await
            .map_err(self.refused())
    }

    /// `pg_dump` or `pg_restore` of the server's major version (Debian keeps one folder per
    /// version), else the one on `PATH`.
    async fn tool(&self, name: &str) -> Result<PathBuf, BackupError> {
        let mut conn = self.connect().await?;
        let version: String = sqlx::query_scalar("SHOW server_version_num")
            .fetch_one(&mut conn)
            .await
            .map_err(self.refused())?;
        let _ = conn.close().await;
        let major = version.parse::<u32>().unwrap_or(0) / 10_000;
        let versioned = PathBuf::from(format!("/usr/lib/postgresql/{major}/bin/{name}"));
        Ok(if versioned.is_file() {
            versioned
        } else {
            PathBuf::from(name)
        })
    }

    /// Runs a client program on this database: the URL without its password on the command
    /// line (where `ps` shows it), the password in `PGPASSWORD`.
    async fn run(&self, tool: &Path, args: &[std::ffi::OsString]) -> Result<(), BackupError> {
        let mut args = args.to_vec();
        args.push(format!("--dbname={}", self.shown()).into());
        let output = tool_output(tool, &args, self.password().as_deref()).await?;
        if output.status.success() {
            Ok(())
        } else {
            Err(BackupError::Tool {
                tool: tool.display().to_string(),
                detail: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            })
        }
    }
}

/// What a PostgreSQL client program answered (the program not found is an error).
async fn tool_output(
    tool: &Path,
    args: &[std::ffi::OsString],
    password: Option<&str>,
) -> Result<std::process::Output, BackupError> {
    let mut command = tokio::process::Command::new(tool);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    command
        .args(args)
        .output()
        .await
        .map_err(|e| BackupError::Tool {
            tool: tool.display().to_string(),
            detail: e.to_string(),
        })
}

/// The newest installed major version's `name`, else the one on `PATH` (reading an archive
/// needs a `pg_restore` at least as new as the `pg_dump` that wrote it).
fn newest_pg_tool(name: &str) -> PathBuf {
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let major: u32 = entry.file_name().to_str()?.parse().ok()?;
            let tool = entry.path().join("bin").join(name);
            tool.is_file().then_some((major, tool))
        })
        .max_by_key(|(major, _)| *major);
    newest.map_or_else(|| PathBuf::from(name), |(_, tool)| tool)
}

#[async_trait]
impl Backup for PgDatabase {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn shown(&self) -> String {
        crate::postgres::without_password(&self.url)
    }

    async fn back_up(&self, out: &Path) -> Result<(), BackupError> {
        refuse_existing(out)?;
        let tool = self.tool("pg_dump").await?;
        let staged = partial(out);
        let _ = std::fs::remove_file(&staged);
        let args = [
            "--format=custom".into(),
            "--no-owner".into(),
            "--no-privileges".into(),
            format!("--file={}", staged.display()).into(),
        ];
        if let Err(e) = self.run(&tool, &args).await {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
        std::fs::rename(&staged, out).map_err(BackupError::io(out))
    }

    async fn holds_data(&self) -> Result<bool, BackupError> {
        let mut conn = self.connect().await?;
        // Any schema: a store may live in one named by its URL's search_path.
        let tables: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_tables \
             WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
        )
        .fetch_one(&mut conn)
        .await
        .map_err(self.refused())?;
        let _ = conn.close().await;
        Ok(tables > 0)
    }

    /// `pg_restore` in one transaction, dropping what the backup holds first: the database is
    /// the old one or the backup's, never a mix.
    async fn restore_checked(&self, file: &Path) -> Result<(), BackupError> {
        let tool = self.tool("pg_restore").await?;
        let args = [
            "--single-transaction".into(),
            "--exit-on-error".into(),
            "--clean".into(),
            "--if-exists".into(),
            "--no-owner".into(),
            "--no-privileges".into(),
            file.as_os_str().to_owned(),
        ];
        self.run(&tool, &args).await
    }
}

/// Folds SQLite's write-ahead log into the database file: afterwards the file alone holds
/// every committed write. Called once the store's pool has closed.
pub(crate) async fn checkpoint(options: &SqliteConnectOptions) -> Result<(), sqlx::Error> {
    let mut conn = SqliteConnection::connect_with(options).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    conn.close().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_leaves_the_command_line_for_the_environment() {
        let db = PgDatabase {
            url: "postgres://binhe:s%40cret@db.local:5433/center".to_owned(),
        };
        assert_eq!(db.password().as_deref(), Some("s@cret"));
        assert!(!db.shown().contains("cret"));
        let db = PgDatabase {
            url: "postgres://db.local/center?user=binhe&password=p%20w".to_owned(),
        };
        assert_eq!(db.password().as_deref(), Some("p w"));
        assert!(!db.shown().contains("p%20w"));
        let db = PgDatabase {
            url: "postgres://binhe@db.local/center".to_owned(),
        };
        assert_eq!(db.password(), None);
    }

    #[test]
    fn checksums_read_from_a_dump_as_hex() {
        assert_eq!(hex_bytes("00ff1a"), Some(vec![0, 255, 26]));
        assert_eq!(hex_bytes("0g"), None);
    }
}
