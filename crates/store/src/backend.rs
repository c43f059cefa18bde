//! What differs between the SQL backends, and how the shared SQL runs on each.
//!
//! The repository traits are implemented once, in `grid_tables` and `ticket_tables`, for every
//! [`Backend`]: the shared SQL marks parameters with `?` and each backend writes them its own
//! way, so only connecting, serialising writers, reserving ticket ids and batch inserts differ.

use std::borrow::Cow;

use async_trait::async_trait;
use binhe_core::ticket::TicketId;
use chrono::{DateTime, Utc};
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Transaction, Type,
};
use tokio::sync::MutexGuard;

use crate::StoreError;

/// What changed, for [`Backend::notify`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Topic {
    Events,
    Settings,
    Grids,
}

/// A connection of a backend's database: a transaction's, or one taken from the pool.
pub(crate) type ConnectionOf<B> = <<B as Backend>::Db as Database>::Connection;
pub(crate) type RowOf<B> = <<B as Backend>::Db as Database>::Row;

/// One SQL database behind the repository traits.
#[async_trait]
pub(crate) trait Backend: Send + Sync {
    type Db: Database<Row: Columns>;

    /// Most bound parameters one statement may carry.
    const MAX_BINDS: usize;

    fn pool(&self) -> &Pool<Self::Db>;

    /// The shared SQL `text` with its `?` parameters as this backend writes them.
    fn sql(text: &str) -> Cow<'_, str>;

    /// Starts the only writing transaction until it ends: event ids are then handed out in
    /// commit order without gaps, and a version check holds until the write it guards.
    async fn begin_write(&self, action: &'static str) -> Result<Writer<'_, Self::Db>, StoreError>;

    /// Starts a writing transaction that hands out no event ids (accounts, sessions, the audit
    /// log): it needs a turn only where the database does not serialise writers itself.
    async fn begin_side_write(
        &self,
        action: &'static str,
    ) -> Result<Writer<'_, Self::Db>, StoreError> {
        self.begin_write(action).await
    }

    /// `count` ticket ids never handed out before.
    async fn next_ticket_ids(&self, count: usize) -> Result<Vec<TicketId>, StoreError>;

    /// Tells other server processes on the same database, at commit, that something changed.
    /// Nothing to do where only one process uses the database.
    async fn notify(
        _conn: &mut ConnectionOf<Self>,
        _topic: Topic,
        _payload: &str,
    ) -> Result<(), StoreError> {
        Ok(())
    }

    /// Inserts `rows`, each with a value per column in `columns`, into `table`; `tail` ends the
    /// statement (an `ON CONFLICT` clause, say).
    async fn insert_rows(
        conn: &mut ConnectionOf<Self>,
        (table, columns, tail): (&str, &str, &str),
        rows: &[Vec<Value<'_>>],
        action: &'static str,
    ) -> Result<(), StoreError>;
}

/// The shared SQL run on any backend sqlx can drive; the bounds sqlx needs are written here once.
#[async_trait]
pub(crate) trait Run: Backend {
    /// The rows of `sql` (none for a statement that returns none) with `values` bound to its `?`
    /// parameters in order.
    async fn fetch(
        conn: &mut ConnectionOf<Self>,
        sql: &str,
        values: &[Value<'_>],
        action: &'static str,
    ) -> Result<Vec<RowOf<Self>>, StoreError>;

    async fn execute(
        conn: &mut ConnectionOf<Self>,
        sql: &str,
        values: &[Value<'_>],
        action: &'static str,
    ) -> Result<(), StoreError> {
        Self::fetch(conn, sql, values, action).await.map(drop)
    }

    /// One statement that changes something but hands out no event ids, in its own transaction
    /// (on SQLite in the writer's turn, which would otherwise answer "database is locked" to a
    /// writer that overlaps another).
    async fn write_one(
        &self,
        sql: &str,
        values: &[Value<'_>],
        action: &'static str,
    ) -> Result<Vec<RowOf<Self>>, StoreError> {
        let mut writer = self.begin_side_write(action).await?;
        let rows = Self::fetch(&mut writer.tx, sql, values, action).await?;
        writer.commit(action).await?;
        Ok(rows)
    }

    /// [`Run::fetch`] on a connection from the pool.
    async fn read(
        &self,
        sql: &str,
        values: &[Value<'_>],
        action: &'static str,
    ) -> Result<Vec<RowOf<Self>>, StoreError> {
        let mut conn = self
            .pool()
            .acquire()
            .await
            .map_err(StoreError::query(action))?;
        Self::fetch(&mut conn, sql, values, action).await
    }
}

#[async_trait]
impl<B> Run for B
where
    B: Backend,
    for<'c> &'c mut ConnectionOf<B>: Executor<'c, Database = B::Db>,
    for<'q> <B::Db as Database>::Arguments<'q>: IntoArguments<'q, B::Db>,
    for<'q> Option<i64>: Encode<'q, B::Db> + Type<B::Db>,
    for<'q> Option<f64>: Encode<'q, B::Db> + Type<B::Db>,
    for<'q> Option<&'q str>: Encode<'q, B::Db> + Type<B::Db>,
    for<'q> bool: Encode<'q, B::Db> + Type<B::Db>,
    for<'q> &'q [u8]: Encode<'q, B::Db> + Type<B::Db>,
{
    async fn fetch(
        conn: &mut ConnectionOf<B>,
        sql: &str,
        values: &[Value<'_>],
        action: &'static str,
    ) -> Result<Vec<RowOf<B>>, StoreError> {
        let sql = B::sql(sql);
        values
            .iter()
            .fold(sqlx::query(&sql), |query, value| match *value {
                Value::Int(v) => query.bind(v),
                Value::Real(v) => query.bind(v),
                Value::Text(v) => query.bind(v),
                Value::Flag(v) => query.bind(v),
                Value::Bytes(v) => query.bind(v),
            })
            .fetch_all(conn)
            .await
            .map_err(StoreError::query(action))
    }
}

/// A value bound to a statement, as the shared code hands it to a backend. `None` is NULL.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<&'a str>),
    Flag(bool),
    Bytes(&'a [u8]),
}

impl From<i64> for Value<'_> {
    fn from(value: i64) -> Self {
        Self::Int(Some(value))
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(value: Option<i64>) -> Self {
        Self::Int(value)
    }
}

impl From<f64> for Value<'_> {
    fn from(value: f64) -> Self {
        Self::Real(Some(value))
    }
}

impl From<Option<f64>> for Value<'_> {
    fn from(value: Option<f64>) -> Self {
        Self::Real(value)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(value: &'a str) -> Self {
        Self::Text(Some(value))
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Self::Text(value)
    }
}

impl From<bool> for Value<'_> {
    fn from(value: bool) -> Self {
        Self::Flag(value)
    }
}

impl<'a> From<&'a [u8]> for Value<'a> {
    fn from(value: &'a [u8]) -> Self {
        Self::Bytes(value)
    }
}

/// A transaction that holds the writer's turn until it commits or is dropped (rolled back).
pub(crate) struct Writer<'a, DB: Database> {
    pub(crate) tx: Transaction<'static, DB>,
    /// A turn taken in this process; `None` where the database itself serialises writers.
    pub(crate) _turn: Option<MutexGuard<'a, ()>>,
    /// Names the store that writes in its change notices, so a server process can tell its own
    /// notices from other processes' (empty where nothing is announced).
    pub(crate) origin: &'a str,
}

impl<DB: Database> Writer<'_, DB> {
    pub(crate) async fn commit(self, action: &'static str) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(StoreError::query(action))
    }
}

/// ` AND column = ?` for each filter given, and their values.
pub(crate) fn conditions<'a>(filters: &[(&str, Option<&'a str>)]) -> (String, Vec<Value<'a>>) {
    let mut clause = String::new();
    let mut values = Vec::new();
    for &(column, value) in filters {
        if let Some(value) = value {
            clause.push_str(" AND ");
            clause.push_str(column);
            clause.push_str(" = ?");
            values.push(value.into());
        }
    }
    (clause, values)
}

/// A time as stored: UTC milliseconds.
pub(crate) fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// A stored time read back from `column`.
pub(crate) fn time(row: &impl Columns, column: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(row.integer(column)).ok_or_else(|| StoreError::Corrupt {
        code: column.to_owned(),
        detail: "time out of range".to_owned(),
    })
}

/// Typed reads of a result row, written once for every backend's row type.
pub(crate) trait Columns {
    fn text(&self, column: &str) -> &str;
    fn maybe_text(&self, column: &str) -> Option<&str>;
    fn integer(&self, column: &str) -> i64;
    fn maybe_integer(&self, column: &str) -> Option<i64>;
    fn real(&self, column: &str) -> f64;
    fn maybe_real(&self, column: &str) -> Option<f64>;
    fn flag(&self, column: &str) -> bool;
    fn bytes(&self, column: &str) -> &[u8];
}

impl<R: Row> Columns for R
where
    for<'c> &'c str: ColumnIndex<R> + Decode<'c, R::Database> + Type<R::Database>,
    for<'c> i64: Decode<'c, R::Database> + Type<R::Database>,
    for<'c> f64: Decode<'c, R::Database> + Type<R::Database>,
    for<'c> bool: Decode<'c, R::Database> + Type<R::Database>,
    for<'c> &'c [u8]: Decode<'c, R::Database> + Type<R::Database>,
{
    fn text(&self, column: &str) -> &str {
        self.get(column)
    }

    fn maybe_text(&self, column: &str) -> Option<&str> {
        self.get(column)
    }

    fn integer(&self, column: &str) -> i64 {
        self.get(column)
    }

    fn maybe_integer(&self, column: &str) -> Option<i64> {
        self.get(column)
    }

    fn real(&self, column: &str) -> f64 {
        self.get(column)
    }

    fn maybe_real(&self, column: &str) -> Option<f64> {
        self.get(column)
    }

    fn flag(&self, column: &str) -> bool {
        self.get(column)
    }

    fn bytes(&self, column: &str) -> &[u8] {
        self.get(column)
    }
}
