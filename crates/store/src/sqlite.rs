//! SQLite backend: one file, WAL journal, foreign keys on.

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use binhe_core::ticket::TicketId;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Sqlite, SqliteConnection};
use tokio::sync::Mutex;

use crate::backend::{Backend, Run, Value, Writer};
use crate::{Closing, StoreError};

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// One writer at a time: only this process writes to the file.
    write_lock: Arc<Mutex<()>>,
    /// The next unreserved ticket id, read from the file on first use.
    next_ticket_id: Arc<Mutex<Option<i64>>>,
    /// How the pool connects, for the checkpoint after it closed.
    options: SqliteConnectOptions,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let shown = path.display().to_string();
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|source| StoreError::Open {
                path: shown.clone(),
                source,
            })?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.clone())
            .await
            .map_err(|source| StoreError::Open {
                path: shown.clone(),
                source,
            })?;
        crate::backup::SQLITE_MIGRATIONS
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                path: shown,
                source,
            })?;
        let store = Self {
            pool,
            write_lock: Arc::new(Mutex::new(())),
            next_ticket_id: Arc::new(Mutex::new(None)),
            options,
        };
        crate::ticket_tables::fill_missing_audiences(&store).await?;
        Ok(store)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Closing for SqliteStore {
    /// Waits for every connection to come back, then folds the write-ahead log into the file
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`): a copy of the file alone then holds every write.
    async fn close_cleanly(&self) -> Result<(), StoreError> {
        self.pool.close().await;
        crate::backup::checkpoint(&self.options)
            .await
            .map_err(StoreError::query("checkpointing the write-ahead log"))
    }
}

#[async_trait]
impl Backend for SqliteStore {
    type Db = Sqlite;

    /// SQLite's `SQLITE_MAX_VARIABLE_NUMBER` since 3.32.
    const MAX_BINDS: usize = 32_766;

    fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    fn sql(text: &str) -> Cow<'_, str> {
        Cow::Borrowed(text)
    }

    async fn begin_write(&self, action: &'static str) -> Result<Writer<'_, Sqlite>, StoreError> {
        let turn = self.write_lock.lock().await;
        Ok(Writer {
            origin: "",
            tx: self.pool.begin().await.map_err(StoreError::query(action))?,
            _turn: Some(turn),
        })
    }

    async fn next_ticket_ids(&self, count: usize) -> Result<Vec<TicketId>, StoreError> {
        let mut next = self.next_ticket_id.lock().await;
        let first = if let Some(first) = *next {
            first
        } else {
            let max: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM tickets")
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::query("reading ticket ids"))?;
            max + 1
        };
        let count = i64::try_from(count).expect("a batch fits in i64");
        *next = Some(first + count);
        Ok((first..first + count).collect())
    }

    /// Multi-row `INSERT … VALUES`, as many rows a statement as the bind limit allows.
    async fn insert_rows(
        conn: &mut SqliteConnection,
        (table, columns, tail): (&str, &str, &str),
        rows: &[Vec<Value<'_>>],
        action: &'static str,
    ) -> Result<(), StoreError> {
        let width = columns.split(',').count();
        let row = format!("({})", vec!["?"; width].join(", "));
        for chunk in rows.chunks(Self::MAX_BINDS / width) {
            let sql = format!(
                "INSERT INTO {table} ({columns}) VALUES {}{tail}",
                vec![row.as_str(); chunk.len()].join(", ")
            );
            let values: Vec<Value> = chunk.iter().flatten().copied().collect();
            Self::execute(conn, &sql, &values, action).await?;
        }
        Ok(())
    }
}
