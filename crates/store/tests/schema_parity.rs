//! The migrations are written twice, once per dialect (`migrations/sqlite`,
//! `migrations/postgres`). This proves they build one schema: a fresh SQLite file and a fresh
//! PostgreSQL database, each migrated by the store itself, have the same tables, the same columns
//! (type family and nullability), primary keys, unique constraints, foreign keys and indexes.
//! What the dialects keep apart on purpose is in [`EXCEPTIONS`], each with its reason; anything
//! else that differs fails the test, named by table, column and side.
//!
//! The PostgreSQL server comes from `BINHE_TEST_PG_URL`, as for `postgres.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use binhe_store::{PgStore, SqliteStore};
use binhe_testkit::ScratchDatabase;
use sqlx::{Connection, PgConnection, SqliteConnection};

/// What a column holds, whatever its dialect calls the type. The project's own mapping:
///
/// | family  | SQLite                           | PostgreSQL                  | holds                                              |
/// |---------|----------------------------------|-----------------------------|----------------------------------------------------|
/// | integer | `INTEGER`                        | `BIGINT`, `INTEGER`         | ids, counts, times as UTC milliseconds             |
/// | float   | `REAL`                           | `DOUBLE PRECISION`          | longitudes and latitudes                           |
/// | text    | `TEXT`                           | `TEXT`                      | codes, JSON documents, RFC 3339 times: same text   |
/// | boolean | `INTEGER CHECK (c IN (0, 1))`    | `BOOLEAN`                   | flags (SQLite has no boolean type)                 |
/// | blob    | `BLOB`                           | `BYTEA`                     | JPEG snapshots                                     |
/// | time    | —                                | `TIMESTAMP[TZ]`, `DATE`     | nothing: times are integers or text on both sides  |
/// | json    | —                                | `JSON`, `JSONB`             | nothing: JSON stays text so both store the same    |
///
/// A type outside this table is [`Family::Unmapped`] and differs from every family.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Family {
    Integer,
    Float,
    Text,
    Boolean,
    Blob,
    Time,
    Json,
    Unmapped(String),
}

impl Family {
    /// `declared` is the column's type as written; `checked_boolean` whether the table's
    /// definition holds `CHECK (column IN (0, 1))`.
    fn of_sqlite(declared: &str, checked_boolean: bool) -> Self {
        match declared.to_ascii_uppercase().as_str() {
            "INTEGER" if checked_boolean => Self::Boolean,
            "INTEGER" => Self::Integer,
            "REAL" => Self::Float,
            "TEXT" => Self::Text,
            "BLOB" => Self::Blob,
            _ => Self::Unmapped(format!("SQLite `{declared}`")),
        }
    }

    /// `data_type` as `information_schema.columns` spells it.
    fn of_postgres(data_type: &str) -> Self {
        match data_type {
            "bigint" | "integer" | "smallint" => Self::Integer,
            "double precision" | "real" => Self::Float,
            "text" => Self::Text,
            "boolean" => Self::Boolean,
            "bytea" => Self::Blob,
            "timestamp with time zone" | "timestamp without time zone" | "date" => Self::Time,
            "json" | "jsonb" => Self::Json,
            _ => Self::Unmapped(format!("PostgreSQL `{data_type}`")),
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Integer => f.write_str("integer"),
            Self::Float => f.write_str("float"),
            Self::Text => f.write_str("text"),
            Self::Boolean => f.write_str("boolean"),
            Self::Blob => f.write_str("blob"),
            Self::Time => f.write_str("time"),
            Self::Json => f.write_str("json"),
            Self::Unmapped(declared) => write!(f, "unmapped type {declared}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    family: Family,
    nullable: bool,
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let null = if self.nullable {
            "nullable"
        } else {
            "NOT NULL"
        };
        write!(f, "{}, {null}", self.family)
    }
}

/// An index made by `CREATE INDEX`, not one behind a primary key or unique constraint. Its
/// predicate is not compared, only whether it has one: PostgreSQL keeps it rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Index {
    columns: Vec<String>,
    unique: bool,
    partial: bool,
}

impl fmt::Display for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.columns.join(", "))?;
        if self.unique {
            f.write_str("; unique")?;
        }
        if self.partial {
            f.write_str("; partial")?;
        }
        Ok(())
    }
}

/// A unique constraint's columns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Unique(Vec<String>);

impl fmt::Display for Unique {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unique ({})", self.0.join(", "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ForeignKey {
    columns: Vec<String>,
    table: String,
    references: Vec<String>,
    on_update: String,
    on_delete: String,
}

impl fmt::Display for ForeignKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "foreign key ({}) → {} ({}) on update {} on delete {}",
            self.columns.join(", "),
            self.table,
            self.references.join(", "),
            self.on_update,
            self.on_delete
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Table {
    columns: BTreeMap<String, Column>,
    primary_key: Vec<String>,
    uniques: BTreeSet<Unique>,
    foreign_keys: BTreeSet<ForeignKey>,
    indexes: BTreeMap<String, Index>,
}

/// The tables of one database, by name.
type Catalog = BTreeMap<String, Table>;

/// A table one dialect has and the other has not, on purpose.
struct Exception {
    table: &'static str,
    in_sqlite: bool,
    in_postgres: bool,
    reason: &'static str,
}

/// Everything the two dialects keep apart on purpose. Nothing else is left out of the comparison.
const EXCEPTIONS: [Exception; 2] = [
    Exception {
        table: "_sqlx_migrations",
        in_sqlite: true,
        in_postgres: true,
        reason: "sqlx's own record of the applied migrations, laid out by sqlx for each dialect",
    },
    Exception {
        table: "sqlite_sequence",
        in_sqlite: true,
        in_postgres: false,
        reason: "SQLite's counter behind AUTOINCREMENT (audit_log.id); PostgreSQL has an identity column",
    },
];

/// Takes the tables of [`EXCEPTIONS`] out of both catalogs; an exception that no longer matches
/// what the migrations build is a difference of its own.
fn set_apart_exceptions(sqlite: &mut Catalog, postgres: &mut Catalog) -> Vec<String> {
    let mut stale = Vec::new();
    for exception in &EXCEPTIONS {
        let found = (
            sqlite.remove(exception.table).is_some(),
            postgres.remove(exception.table).is_some(),
        );
        if found != (exception.in_sqlite, exception.in_postgres) {
            stale.push(format!(
                "exception for table `{}` ({}) expects it in SQLite {}, in PostgreSQL {}; found \
                 in SQLite {}, in PostgreSQL {}: update EXCEPTIONS",
                exception.table,
                exception.reason,
                exception.in_sqlite,
                exception.in_postgres,
                found.0,
                found.1
            ));
        }
    }
    stale
}

/// Every way the two catalogs differ, one line each, naming the table, the column or index and
/// the side.
fn differences(sqlite: &Catalog, postgres: &Catalog) -> Vec<String> {
    let mut found = Vec::new();
    for name in keys(sqlite, postgres) {
        match (sqlite.get(name), postgres.get(name)) {
            (Some(_), None) => found.push(format!("table `{name}` only in SQLite")),
            (None, Some(_)) => found.push(format!("table `{name}` only in PostgreSQL")),
            (Some(s), Some(p)) => table_differences(name, s, p, &mut found),
            (None, None) => unreachable!("a key of one of them"),
        }
    }
    found
}

fn table_differences(name: &str, sqlite: &Table, postgres: &Table, found: &mut Vec<String>) {
    by_name(name, "column", &sqlite.columns, &postgres.columns, found);
    if sqlite.primary_key != postgres.primary_key {
        found.push(format!(
            "table `{name}`: primary key ({}) in SQLite, ({}) in PostgreSQL",
            sqlite.primary_key.join(", "),
            postgres.primary_key.join(", ")
        ));
    }
    one_side_only(name, &sqlite.uniques, &postgres.uniques, found);
    one_side_only(name, &sqlite.foreign_keys, &postgres.foreign_keys, found);
    by_name(name, "index", &sqlite.indexes, &postgres.indexes, found);
}

/// Named things (columns, indexes) of one table: those of one side only, and those that differ.
fn by_name<V: PartialEq + fmt::Display>(
    table: &str,
    what: &str,
    sqlite: &BTreeMap<String, V>,
    postgres: &BTreeMap<String, V>,
    found: &mut Vec<String>,
) {
    for name in keys(sqlite, postgres) {
        let prefix = format!("table `{table}`: {what} `{name}`");
        match (sqlite.get(name), postgres.get(name)) {
            (Some(s), None) => found.push(format!("{prefix} ({s}) only in SQLite")),
            (None, Some(p)) => found.push(format!("{prefix} ({p}) only in PostgreSQL")),
            (Some(s), Some(p)) if s != p => {
                found.push(format!("{prefix} is ({s}) in SQLite, ({p}) in PostgreSQL"));
            }
            _ => {}
        }
    }
}

/// Unnamed things (unique constraints, foreign keys) of one table that one side has and the
/// other has not.
fn one_side_only<T: Ord + fmt::Display>(
    table: &str,
    sqlite: &BTreeSet<T>,
    postgres: &BTreeSet<T>,
    found: &mut Vec<String>,
) {
    for item in sqlite.difference(postgres) {
        found.push(format!("table `{table}`: {item} only in SQLite"));
    }
    for item in postgres.difference(sqlite) {
        found.push(format!("table `{table}`: {item} only in PostgreSQL"));
    }
}

/// The keys of both maps, each once, in order.
fn keys<'a, V>(a: &'a BTreeMap<String, V>, b: &'a BTreeMap<String, V>) -> BTreeSet<&'a str> {
    a.keys().chain(b.keys()).map(String::as_str).collect()
}

async fn sqlite_catalog(conn: &mut SqliteConnection) -> Catalog {
    let tables: Vec<(String, String)> =
        sqlx::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    let mut catalog = Catalog::new();
    for (name, sql) in tables {
        // Booleans are INTEGER with `CHECK (column IN (0, 1))`, found in the table's definition.
        let definition: String = sql
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        let columns: Vec<(String, String, i64)> =
            sqlx::query_as(r#"SELECT name, type, "notnull" FROM pragma_table_info(?)"#)
                .bind(&name)
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        let primary_key = sqlite_primary_key(conn, &name).await;
        // An INTEGER PRIMARY KEY of a rowid table is the rowid, which is never NULL, with or
        // without NOT NULL written.
        let rowid = match primary_key.as_slice() {
            [only] if !definition.contains("withoutrowid") => Some(only.clone()),
            _ => None,
        };
        let mut table = Table {
            columns: columns
                .into_iter()
                .map(|(column, declared, not_null)| {
                    let boolean = definition
                        .contains(&format!("check({}in(0,1))", column.to_ascii_lowercase()));
                    let is_rowid =
                        rowid.as_ref() == Some(&column) && declared.eq_ignore_ascii_case("INTEGER");
                    let column_of = Column {
                        family: Family::of_sqlite(&declared, boolean),
                        nullable: not_null == 0 && !is_rowid,
                    };
                    (column, column_of)
                })
                .collect(),
            primary_key,
            ..Table::default()
        };
        let indexes: Vec<(String, i64, String, i64)> =
            sqlx::query_as(r#"SELECT name, "unique", origin, partial FROM pragma_index_list(?)"#)
                .bind(&name)
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        for (index, unique, origin, partial) in indexes {
            let columns: Vec<Option<String>> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(&mut *conn)
                    .await
                    .unwrap();
            let columns = columns
                .into_iter()
                .map(|c| c.unwrap_or_else(|| "<expression>".to_owned()))
                .collect();
            match origin.as_str() {
                "c" => {
                    let index_of = Index {
                        columns,
                        unique: unique != 0,
                        partial: partial != 0,
                    };
                    table.indexes.insert(index, index_of);
                }
                "u" => {
                    table.uniques.insert(Unique(columns));
                }
                // The primary key's own index: the primary key is compared as such.
                _ => {}
            }
        }
        let references: Vec<(i64, String, String, Option<String>, String, String)> =
            sqlx::query_as(
                r#"SELECT id, "table", "from", "to", on_update, on_delete
                   FROM pragma_foreign_key_list(?) ORDER BY id, seq"#,
            )
            .bind(&name)
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let mut keys: BTreeMap<i64, (ForeignKey, Vec<Option<String>>)> = BTreeMap::new();
        for (id, parent, from, to, on_update, on_delete) in references {
            let (key, to_columns) = keys.entry(id).or_insert_with(|| {
                let key = ForeignKey {
                    columns: Vec::new(),
                    table: parent,
                    references: Vec::new(),
                    on_update,
                    on_delete,
                };
                (key, Vec::new())
            });
            key.columns.push(from);
            to_columns.push(to);
        }
        for (mut key, to_columns) in keys.into_values() {
            // `REFERENCES parent` without columns names the parent's primary key.
            key.references = if to_columns.iter().all(Option::is_some) {
                to_columns.into_iter().flatten().collect()
            } else {
                sqlite_primary_key(conn, &key.table).await
            };
            table.foreign_keys.insert(key);
        }
        catalog.insert(name, table);
    }
    catalog
}

async fn sqlite_primary_key(conn: &mut SqliteConnection, table: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk")
        .bind(table)
        .fetch_all(conn)
        .await
        .unwrap()
}

async fn postgres_catalog(conn: &mut PgConnection) -> Catalog {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut catalog = Catalog::new();
    for name in tables {
        let columns: Vec<(String, String, bool)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text, is_nullable = 'YES'
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let mut table = Table {
            columns: columns
                .into_iter()
                .map(|(column, data_type, nullable)| {
                    let family = Family::of_postgres(&data_type);
                    (column, Column { family, nullable })
                })
                .collect(),
            ..Table::default()
        };
        let constraints: Vec<PgConstraint> = sqlx::query_as(
            r#"SELECT c.contype::text AS kind,
                      ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k (n, i)
                            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                            ORDER BY k.i) AS columns,
                      f.relname::text AS parent,
                      ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k (n, i)
                            JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                            ORDER BY k.i) AS "references",
                      c.confupdtype::text AS on_update, c.confdeltype::text AS on_delete
               FROM pg_constraint c LEFT JOIN pg_class f ON f.oid = c.confrelid
               WHERE c.conrelid = to_regclass($1) AND c.contype IN ('p', 'u', 'f')"#,
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        for constraint in constraints {
            match (constraint.kind.as_str(), constraint.parent) {
                ("p", _) => table.primary_key = constraint.columns,
                ("u", _) => {
                    table.uniques.insert(Unique(constraint.columns));
                }
                (_, Some(parent)) => {
                    table.foreign_keys.insert(ForeignKey {
                        columns: constraint.columns,
                        table: parent,
                        references: constraint.references,
                        on_update: postgres_action(&constraint.on_update),
                        on_delete: postgres_action(&constraint.on_delete),
                    });
                }
                (kind, None) => panic!("constraint of kind {kind} on {name} without a parent"),
            }
        }
        let indexes: Vec<(String, bool, bool, Vec<String>)> = sqlx::query_as(
            "SELECT c.relname::text, i.indisunique, i.indpred IS NOT NULL,
                    ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, false)
                          FROM generate_series(1, i.indnkeyatts) k ORDER BY k)
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = to_regclass($1)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                               WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
                                 AND k.contype IN ('p', 'u', 'x'))",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        for (index, unique, partial, columns) in indexes {
            let index_of = Index {
                columns,
                unique,
                partial,
            };
            table.indexes.insert(index, index_of);
        }
        catalog.insert(name, table);
    }
    catalog
}

/// A primary key, unique or foreign-key constraint as `pg_constraint` has it.
#[derive(sqlx::FromRow)]
struct PgConstraint {
    /// `p`, `u` or `f`.
    kind: String,
    columns: Vec<String>,
    /// The referenced table of a foreign key.
    parent: Option<String>,
    references: Vec<String>,
    on_update: String,
    on_delete: String,
}

/// A referential action as `pg_constraint` codes it, spelt as SQLite's `foreign_key_list` does.
fn postgres_action(code: &str) -> String {
    match code {
        "a" => "NO ACTION",
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        other => panic!("unknown referential action {other:?}"),
    }
    .to_owned()
}

/// The catalog of a fresh SQLite file migrated by the store.
async fn migrated_sqlite() -> Catalog {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("binhe.sqlite");
    SqliteStore::open(&path).await.unwrap().close().await;
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlite_catalog(&mut conn).await
}

#[tokio::test]
async fn both_dialects_migrate_to_the_same_tables_columns_indexes_and_constraints() {
    let mut sqlite = migrated_sqlite().await;
    let database = ScratchDatabase::on_test_server("t").await;
    PgStore::connect(database.url())
        .await
        .unwrap()
        .close()
        .await;
    let mut conn = PgConnection::connect(database.url()).await.unwrap();
    let mut postgres = postgres_catalog(&mut conn).await;
    conn.close().await.unwrap();

    assert!(
        sqlite.contains_key("tickets") && postgres.contains_key("tickets"),
        "the catalogs are read: {:?} / {:?}",
        sqlite.keys(),
        postgres.keys()
    );
    let mut found = set_apart_exceptions(&mut sqlite, &mut postgres);
    found.extend(differences(&sqlite, &postgres));
    assert!(
        found.is_empty(),
        "the SQLite and PostgreSQL migrations build different schemas:\n  {}",
        found.join("\n  ")
    );
}

#[tokio::test]
async fn a_column_added_to_one_dialect_only_is_named_with_its_table_and_side() {
    let sqlite = migrated_sqlite().await;
    let mut postgres = sqlite.clone();
    let tickets = postgres.get_mut("tickets").unwrap();
    tickets.columns.insert(
        "reporter_email".to_owned(),
        Column {
            family: Family::Text,
            nullable: true,
        },
    );
    tickets.columns.get_mut("delegated").unwrap().family = Family::Integer;

    assert_eq!(
        differences(&sqlite, &postgres),
        [
            "table `tickets`: column `delegated` is (boolean, NOT NULL) in SQLite, (integer, \
             NOT NULL) in PostgreSQL",
            "table `tickets`: column `reporter_email` (text, nullable) only in PostgreSQL",
        ]
    );
    assert_eq!(differences(&sqlite, &sqlite), Vec::<String>::new());
}
