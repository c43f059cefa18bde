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

    /// Multi-row `INSERT … VALUES` in statements of [`statement_sizes`], so that the same few
    /// statement texts come back batch after batch and are prepared once per connection.
    async fn insert_rows(
        conn: &mut SqliteConnection,
        (table, columns, tail): (&str, &str, &str),
        rows: &[Vec<Value<'_>>],
        action: &'static str,
    ) -> Result<(), StoreError> {
        let width = columns.split(',').count();
        let row = format!("({})", vec!["?"; width].join(", "));
        let mut rest = rows;
        for size in statement_sizes(rows.len(), Self::MAX_BINDS / width) {
            let (chunk, after) = rest.split_at(size);
            rest = after;
            let sql = format!(
                "INSERT INTO {table} ({columns}) VALUES {}{tail}",
                vec![row.as_str(); size].join(", ")
            );
            let values: Vec<Value> = chunk.iter().flatten().copied().collect();
            Self::execute(conn, &sql, &values, action).await?;
        }
        Ok(())
    }
}

/// Most rows one `INSERT` statement carries: more saves little once a statement is prepared.
const MOST_ROWS: usize = 256;

/// How many rows each statement of a `total`-row insert carries, at most `fit` (the bind limit
/// over the row's width): whole statements of the largest power of two that fits (at most
/// [`MOST_ROWS`]), then the rest by its binary digits. Preparing a statement of a thousand rows
/// costs SQLite several times what running it does, and a count that changes with every batch
/// would make every statement new; of these sizes there are only a dozen per table.
fn statement_sizes(total: usize, fit: usize) -> impl Iterator<Item = usize> {
    let most = 1 << MOST_ROWS.min(fit).max(1).ilog2();
    let whole = std::iter::repeat_n(most, total / most);
    let rest = total % most;
    let digits = (0..most.ilog2())
        .rev()
        .map(|bit| 1 << bit)
        .filter(move |size| rest & size != 0);
    whole.chain(digits)
}

#[cfg(test)]
mod tests {
    use super::statement_sizes;

    #[test]
    fn statements_take_whole_powers_of_two_and_cover_every_row_once() {
        let sizes = |total, fit| statement_sizes(total, fit).collect::<Vec<_>>();
        assert_eq!(sizes(1_000, 992), [256, 256, 256, 128, 64, 32, 8]);
        assert_eq!(sizes(5, 992), [4, 1]);
        assert_eq!(sizes(0, 992), Vec::<usize>::new());
        // A wide row: the bind limit decides, rounded down to a power of two.
        assert_eq!(sizes(300, 100), [64, 64, 64, 64, 32, 8, 4]);
        for total in 0..2_000 {
            let all = sizes(total, 2_520);
            assert_eq!(all.iter().sum::<usize>(), total);
            assert!(
                all.iter()
                    .all(|size| size.is_power_of_two() && *size <= 256)
            );
        }
    }
}
