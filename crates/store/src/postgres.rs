//! PostgreSQL backend for the center server: several server processes may share one database.

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use binhe_core::ticket::TicketId;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection, Postgres};

use crate::backend::{Backend, Topic, Value, Writer};
use crate::{Closing, StoreError};

/// The advisory lock every writing transaction takes ("binhe-ev" in ASCII); nothing else in a
/// Smart Binhe database uses advisory locks.
const WRITER_LOCK: i64 = 0x6269_6e68_652d_6576;

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Random, per connected store: its change notices carry it.
    origin: Arc<str>,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`) and
    /// brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let shown = without_password(url);
        let open = |source| StoreError::Open {
            path: shown.clone(),
            source,
        };
        let options = PgConnectOptions::from_str(url).map_err(open)?;
        // One connection first: a pool retries a refused connection until its timeout and then
        // reports only that it timed out.
        let mut first = PgConnection::connect_with(&options).await.map_err(open)?;
        make_schema(&mut first).await.map_err(open)?;
        crate::backup::POSTGRES_MIGRATIONS
            .run(&mut first)
            .await
            .map_err(|source| StoreError::Migrate {
                path: shown.clone(),
                source,
            })?;
        first.close().await.map_err(open)?;
        // A request fails within seconds while the database is away, rather than hanging.
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(open)?;
        let origin = getrandom::u64().map_err(|e| StoreError::Open {
            path: shown.clone(),
            source: sqlx::Error::Configuration(e.to_string().into()),
        })?;
        let store = Self {
            pool,
            origin: format!("{origin:016x}").into(),
        };
        crate::ticket_tables::fill_missing_audiences(&store).await?;
        Ok(store)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Notices of what other server processes on this database wrote.
    pub async fn listen(&self) -> Result<Notices, StoreError> {
        let mut listener = PgListener::connect_with(&self.pool)
            .await
            .map_err(StoreError::query("listening for changes"))?;
        listener
            .listen_all([EVENTS_CHANNEL, SETTINGS_CHANNEL, GRIDS_CHANNEL])
            .await
            .map_err(StoreError::query("listening for changes"))?;
        Ok(Notices {
            listener,
            origin: Arc::clone(&self.origin),
        })
    }
}

#[async_trait]
impl Closing for PgStore {
    async fn close_cleanly(&self) -> Result<(), StoreError> {
        self.pool.close().await;
        Ok(())
    }
}

/// Makes the schema the connection's search path names first, when it does not exist yet.
///
/// A store lives in the database's `public` schema unless its URL says otherwise with the
/// standard `options` parameter, as libpq, psql and pg_dump read it too:
/// `postgres://…/binhe?options=-c%20search_path%3Dstreet_110117001`. The city tier keeps each
/// street's store in a schema named after the street, so that a district database can hold the
/// replicas of several streets side by side (docs/city-scale.md). Notices (LISTEN/NOTIFY) are
/// per database: one street's servers share a database of their own.
async fn make_schema(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    let current: Option<String> = sqlx::query_scalar("SELECT current_schema()")
        .fetch_one(&mut *conn)
        .await?;
    if current.is_some() {
        return Ok(());
    }
    let path: String = sqlx::query_scalar("SELECT current_setting('search_path')")
        .fetch_one(&mut *conn)
        .await?;
    let Some(schema) = first_schema(&path) else {
        return Err(sqlx::Error::Configuration(
            format!("the search_path \"{path}\" names no schema to keep the store in").into(),
        ));
    };
    let quoted = format!("\"{}\"", schema.replace('"', "\"\""));
    sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {quoted}"))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The first schema named in a `search_path` setting, unquoted (`"$user"` is no schema name).
fn first_schema(path: &str) -> Option<String> {
    path.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty() && *entry != "\"$user\"" && *entry != "$user")
        .map(
            |entry| match entry.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => entry.to_lowercase(),
            },
        )
        .next()
}

/// Channels a writing transaction notifies on; the notice is delivered at commit.
pub(crate) const EVENTS_CHANNEL: &str = "binhe_events";
pub(crate) const SETTINGS_CHANNEL: &str = "binhe_settings";
pub(crate) const GRIDS_CHANNEL: &str = "binhe_grids";

/// What changed in the database, as another process announced it. A notice only says that
/// something changed; the tables say what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// New ticket events up to `newest`; `own` when this very store wrote them (its process
    /// has passed them on already).
    Events { newest: i64, own: bool },
    /// The catalogue or the SLA table.
    Settings,
    /// The street's grids were replaced.
    Grids,
    /// The connection was lost: notices may be missed until the next call reconnects.
    Lost,
}

/// A connection that receives [`Notice`]s.
pub struct Notices {
    listener: PgListener,
    origin: Arc<str>,
}

impl std::fmt::Debug for Notices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Notices")
    }
}

impl Notices {
    /// The next notice. Answers [`Notice::Lost`] when the connection drops and errors while the
    /// database is away; each call tries to reconnect.
    pub async fn next(&mut self) -> Result<Notice, StoreError> {
        let received = self
            .listener
            .try_recv()
            .await
            .map_err(StoreError::query("receiving notices"))?;
        Ok(match received {
            None => Notice::Lost,
            Some(n) if n.channel() == EVENTS_CHANNEL => {
                // "<origin> <newest id>"
                let (origin, newest) = n.payload().split_once(' ').unwrap_or(("", n.payload()));
                Notice::Events {
                    newest: newest.parse().unwrap_or(0),
                    own: origin == &*self.origin,
                }
            }
            Some(n) if n.channel() == GRIDS_CHANNEL => Notice::Grids,
            Some(_) => Notice::Settings,
        })
    }
}

/// The URL as it may be shown in messages and logs.
pub(crate) fn without_password(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "(an unreadable PostgreSQL URL)".to_owned();
    };
    if parsed.set_password(None).is_err() && parsed.password().is_some() {
        return "(an unreadable PostgreSQL URL)".to_owned();
    }
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(key, _)| key != "password")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    parsed.set_query(None);
    if !kept.is_empty() {
        parsed.query_pairs_mut().extend_pairs(kept);
    }
    parsed.to_string()
}

#[async_trait]
impl Backend for PgStore {
    type Db = Postgres;

    /// The protocol counts parameters in 16 bits.
    const MAX_BINDS: usize = 65_535;

    fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn sql(text: &str) -> Cow<'_, str> {
        let mut numbered = String::with_capacity(text.len() * 2);
        for (n, part) in text.split('?').enumerate() {
            if n > 0 {
                numbered.push('$');
                numbered.push_str(&n.to_string());
            }
            numbered.push_str(part);
        }
        Cow::Owned(numbered)
    }

    /// PostgreSQL serialises concurrent writers itself; only event ids need the turn.
    async fn begin_side_write(
        &self,
        action: &'static str,
    ) -> Result<Writer<'_, Postgres>, StoreError> {
        let tx = self.pool.begin().await.map_err(StoreError::query(action))?;
        Ok(Writer {
            tx,
            _turn: None,
            origin: &self.origin,
        })
    }

    /// Other server processes write to the same database, so the turn is a transaction-level
    /// advisory lock: released by commit or rollback, and only after the commit is visible.
    async fn begin_write(&self, action: &'static str) -> Result<Writer<'_, Postgres>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(StoreError::query(action))?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITER_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query(action))?;
        Ok(Writer {
            tx,
            _turn: None,
            origin: &self.origin,
        })
    }

    async fn next_ticket_ids(&self, count: usize) -> Result<Vec<TicketId>, StoreError> {
        let count = i64::try_from(count).expect("a batch fits in i64");
        sqlx::query_scalar("SELECT nextval('ticket_ids') FROM generate_series(1, $1)")
            .bind(count)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("reserving ticket ids"))
    }

    async fn notify(
        conn: &mut PgConnection,
        topic: Topic,
        payload: &str,
    ) -> Result<(), StoreError> {
        let channel = match topic {
            Topic::Events => EVENTS_CHANNEL,
            Topic::Settings => SETTINGS_CHANNEL,
            Topic::Grids => GRIDS_CHANNEL,
        };
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(conn)
            .await
            .map_err(StoreError::query("announcing a change"))?;
        Ok(())
    }

    /// One `INSERT … SELECT * FROM UNNEST($1::…[], …)` with an array per column, whatever the
    /// number of rows: about a quarter faster here than multi-row `VALUES`, and one prepared
    /// statement per table instead of one per batch size.
    async fn insert_rows(
        conn: &mut PgConnection,
        (table, columns, tail): (&str, &str, &str),
        rows: &[Vec<Value<'_>>],
        action: &'static str,
    ) -> Result<(), StoreError> {
        let Some(first) = rows.first() else {
            return Ok(());
        };
        let mut arrays: Vec<Array> = first
            .iter()
            .map(|value| Array::of(*value, rows.len()))
            .collect();
        for row in rows {
            for (array, value) in arrays.iter_mut().zip(row) {
                array.push(*value);
            }
        }
        let parameters: Vec<String> = arrays
            .iter()
            .enumerate()
            .map(|(n, array)| format!("${}::{}[]", n + 1, array.sql_type()))
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({}){tail}",
            parameters.join(", ")
        );
        arrays
            .into_iter()
            .fold(sqlx::query(&sql), |query, array| match array {
                Array::Int(values) => query.bind(values),
                Array::Real(values) => query.bind(values),
                Array::Text(values) => query.bind(values),
                Array::Flag(values) => query.bind(values),
                Array::Bytes(values) => query.bind(values),
            })
            .execute(conn)
            .await
            .map_err(StoreError::query(action))?;
        Ok(())
    }
}

/// The values of one column of a batch, bound as one PostgreSQL array.
enum Array<'a> {
    Int(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Text(Vec<Option<&'a str>>),
    Flag(Vec<bool>),
    Bytes(Vec<&'a [u8]>),
}

impl<'a> Array<'a> {
    /// An empty column of `value`'s type.
    fn of(value: Value<'a>, rows: usize) -> Self {
        match value {
            Value::Int(_) => Self::Int(Vec::with_capacity(rows)),
            Value::Real(_) => Self::Real(Vec::with_capacity(rows)),
            Value::Text(_) => Self::Text(Vec::with_capacity(rows)),
            Value::Flag(_) => Self::Flag(Vec::with_capacity(rows)),
            Value::Bytes(_) => Self::Bytes(Vec::with_capacity(rows)),
        }
    }

    fn push(&mut self, value: Value<'a>) {
        match (self, value) {
            (Self::Int(values), Value::Int(v)) => values.push(v),
            (Self::Real(values), Value::Real(v)) => values.push(v),
            (Self::Text(values), Value::Text(v)) => values.push(v),
            (Self::Flag(values), Value::Flag(v)) => values.push(v),
            (Self::Bytes(values), Value::Bytes(v)) => values.push(v),
            (_, value) => panic!("a column holds values of one type, not also {value:?}"),
        }
    }

    fn sql_type(&self) -> &'static str {
        match self {
            Self::Int(_) => "bigint",
            Self::Real(_) => "float8",
            Self::Text(_) => "text",
            Self::Flag(_) => "boolean",
            Self::Bytes(_) => "bytea",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{first_schema, without_password};

    #[test]
    fn the_schema_of_a_search_path_is_its_first_name_unquoted() {
        assert_eq!(
            first_schema("street_110117001").as_deref(),
            Some("street_110117001")
        );
        assert_eq!(
            first_schema("\"$user\", Street_2").as_deref(),
            Some("street_2")
        );
        assert_eq!(
            first_schema("\"Odd \"\"name\"\"\", public").as_deref(),
            Some("Odd \"name\"")
        );
        assert_eq!(first_schema("\"$user\""), None);
        assert_eq!(first_schema(""), None);
    }

    #[test]
    fn a_shown_url_keeps_everything_but_the_password() {
        assert_eq!(
            without_password("postgres://binhe:s3cret@db.local:5433/center?sslmode=require"),
            "postgres://binhe@db.local:5433/center?sslmode=require"
        );
        assert_eq!(
            without_password("postgres://db.local/center?user=binhe&password=s3cret"),
            "postgres://db.local/center?user=binhe"
        );
        assert!(!without_password("postgres://:s3cret@/center").contains("s3cret"));
    }
}
