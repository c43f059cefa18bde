//! What differs between the SQL backends, and the typed row reads they share.
//!
//! The repository traits are implemented once, in `grid_tables` and `ticket_tables`, for every
//! [`Backend`]: the shared SQL marks parameters with `?` and each backend writes them its own
//! way, so only connecting, serialising writers and reserving ticket ids differ.

use std::borrow::Cow;

use async_trait::async_trait;
use binhe_core::ticket::TicketId;
use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Pool, Row, Transaction, Type};
use tokio::sync::MutexGuard;

use crate::StoreError;

/// A Rust type that is both written to and read from columns of `DB`.
pub(crate) trait Column<'a, DB: Database>:
    Encode<'a, DB> + Decode<'a, DB> + Type<DB>
{
}

impl<'a, DB: Database, T> Column<'a, DB> for T where T: Encode<'a, DB> + Decode<'a, DB> + Type<DB> {}

/// One SQL database behind the repository traits.
#[async_trait]
pub(crate) trait Backend: Send + Sync {
    type Db: Database;

    /// Most bound parameters one statement may carry.
    const MAX_BINDS: usize;

    fn pool(&self) -> &Pool<Self::Db>;

    /// The shared SQL `text` with its `?` parameters as this backend writes them.
    fn sql(text: &str) -> Cow<'_, str>;

    /// Starts the only writing transaction until it ends: event ids are then handed out in
    /// commit order without gaps, and a version check holds until the write it guards.
    async fn begin_write(&self, action: &'static str) -> Result<Writer<'_, Self::Db>, StoreError>;

    /// `count` ticket ids never handed out before.
    async fn next_ticket_ids(&self, count: usize) -> Result<Vec<TicketId>, StoreError>;
}

/// A statement with the values bound so far.
pub(crate) type Statement<'q, DB> = Query<'q, DB, <DB as Database>::Arguments<'q>>;

/// A transaction that holds the writer's turn until it commits or is dropped (rolled back).
pub(crate) struct Writer<'a, DB: Database> {
    pub(crate) tx: Transaction<'static, DB>,
    /// A turn taken in this process; `None` where the database itself serialises writers.
    pub(crate) _turn: Option<MutexGuard<'a, ()>>,
}

impl<DB: Database> Writer<'_, DB> {
    pub(crate) async fn commit(self, action: &'static str) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(StoreError::query(action))
    }
}

/// Typed reads of a result row, written once for every backend's row type.
pub(crate) trait Columns {
    fn text(&self, column: &str) -> &str;
    fn maybe_text(&self, column: &str) -> Option<&str>;
    fn integer(&self, column: &str) -> i64;
    fn real(&self, column: &str) -> f64;
    fn flag(&self, column: &str) -> bool;
}

impl<R: Row> Columns for R
where
    for<'c> &'c str: ColumnIndex<R> + Column<'c, R::Database>,
    for<'c> i64: Column<'c, R::Database>,
    for<'c> f64: Column<'c, R::Database>,
    for<'c> bool: Column<'c, R::Database>,
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

    fn real(&self, column: &str) -> f64 {
        self.get(column)
    }

    fn flag(&self, column: &str) -> bool {
        self.get(column)
    }
}
