//! Backups and restores through the `Backup` trait on both dialects: a round trip keeps what
//! was stored, a restore refuses a target that holds data (unless forced), a file that is no
//! backup and a backup of the other dialect; a failed backup leaves no file.
//!
//! PostgreSQL comes from `BINHE_TEST_PG_URL` (scratch databases); without it those tests fail.

use std::path::Path;

use binhe_core::ticket::ColumnMapping;
use binhe_store::backup::{Backup, BackupError, Dialect, PgDatabase, SqliteFile, inspect, restore};
use binhe_store::{Closing, ColumnMappings, PgStore, SqliteStore, TicketRepository};
use binhe_testkit::ScratchDatabase;

/// Something small but real to find again after a restore.
fn mappings() -> ColumnMappings {
    let mut mapping = ColumnMapping::new();
    mapping.insert("category".to_owned(), "诉求类型".to_owned());
    mapping.insert("external_id".to_owned(), "工单号".to_owned());
    ColumnMappings::from([("工单号|诉求类型".to_owned(), mapping)])
}

/// Backs `source` up into `dir`, restores it into `target` (empty) and `busy` (holding data,
/// refused, then forced); answers the backup file.
async fn round_trip(
    source: &dyn Backup,
    target: &dyn Backup,
    busy: &dyn Backup,
    dir: &Path,
) -> std::path::PathBuf {
    let out = dir.join(format!("backup.{}", source.dialect().extension()));
    source.back_up(&out).await.unwrap();
    assert!(matches!(
        source.back_up(&out).await,
        Err(BackupError::OutExists { .. })
    ));
    let read = inspect(&out).await.unwrap();
    assert_eq!(read.dialect, source.dialect());
    assert!(read.schema >= 8, "{read:?}");

    assert!(!target.holds_data().await.unwrap());
    restore(&out, target, false).await.unwrap();
    assert!(target.holds_data().await.unwrap());

    assert!(busy.holds_data().await.unwrap());
    let refused = restore(&out, busy, false).await.unwrap_err();
    assert_eq!(refused.code(), "RESTORE_TARGET_NOT_EMPTY");
    assert!(refused.to_string().contains("--force"), "{refused}");
    restore(&out, busy, true).await.unwrap();

    let junk = dir.join("notes.txt");
    std::fs::write(&junk, "不是备份").unwrap();
    let refused = restore(&junk, target, true).await.unwrap_err();
    assert_eq!(refused.code(), "NOT_A_BACKUP");
    out
}

#[tokio::test]
async fn a_sqlite_file_backs_up_and_restores_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a.sqlite"),
        dir.path().join("b.sqlite"),
        dir.path().join("c.sqlite"),
    );
    for (path, with) in [(&a, true), (&c, false)] {
        let store = SqliteStore::open(path).await.unwrap();
        if with {
            store.save_column_mappings(&mappings()).await.unwrap();
        }
        store.close_cleanly().await.unwrap();
    }
    let out = round_trip(
        &SqliteFile { path: a.clone() },
        &SqliteFile { path: b.clone() },
        &SqliteFile { path: c.clone() },
        dir.path(),
    )
    .await;
    for path in [&b, &c] {
        let store = SqliteStore::open(path).await.unwrap();
        assert_eq!(store.load_column_mappings().await.unwrap(), mappings());
        store.close_cleanly().await.unwrap();
    }
    // A SQLite backup does not go into PostgreSQL.
    let pg = ScratchDatabase::on_test_server("bk").await;
    let refused = restore(
        &out,
        &PgDatabase {
            url: pg.url().to_owned(),
        },
        true,
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code(), "BACKUP_DIALECT_MISMATCH");
    // Nothing to back up: no file appears.
    let missing = SqliteFile {
        path: dir.path().join("missing.sqlite"),
    };
    let out = dir.path().join("none.sqlite");
    assert_eq!(
        missing.back_up(&out).await.unwrap_err().code(),
        "NO_DATABASE"
    );
    assert!(!out.exists());
}

#[tokio::test]
async fn a_postgres_database_backs_up_and_restores_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        ScratchDatabase::on_test_server("bka").await,
        ScratchDatabase::on_test_server("bkb").await,
        ScratchDatabase::on_test_server("bkc").await,
    );
    for (db, with) in [(&a, true), (&c, false)] {
        let store = PgStore::connect(db.url()).await.unwrap();
        if with {
            store.save_column_mappings(&mappings()).await.unwrap();
        }
        store.close_cleanly().await.unwrap();
    }
    let pg = |db: &ScratchDatabase| PgDatabase {
        url: db.url().to_owned(),
    };
    let out = round_trip(&pg(&a), &pg(&b), &pg(&c), dir.path()).await;
    assert_eq!(inspect(&out).await.unwrap().dialect, Dialect::Postgres);
    for db in [&b, &c] {
        let store = PgStore::connect(db.url()).await.unwrap();
        assert_eq!(store.load_column_mappings().await.unwrap(), mappings());
        store.close_cleanly().await.unwrap();
    }
    // A PostgreSQL backup does not go into a SQLite file, and the file stays as it was.
    let file = dir.path().join("x.sqlite");
    let refused = restore(&out, &SqliteFile { path: file.clone() }, true)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "BACKUP_DIALECT_MISMATCH");
    assert!(!file.exists());
    // A database that is not there: no file appears.
    let gone = PgDatabase {
        url: binhe_testkit::database_url(pg(&a).url.as_str(), "no_such_database_here"),
    };
    let none = dir.path().join("none.pgdump");
    assert!(gone.back_up(&none).await.is_err());
    assert!(!none.exists());
    assert!(!dir.path().join("none.pgdump.partial").exists());
}

#[tokio::test]
async fn a_postgres_store_kept_in_a_schema_makes_its_database_hold_data() {
    let db = ScratchDatabase::on_test_server("bks").await;
    let target = PgDatabase {
        url: db.url().to_owned(),
    };
    assert!(!target.holds_data().await.unwrap());
    let mut url = url::Url::parse(db.url()).unwrap();
    url.query_pairs_mut()
        .append_pair("options", "-c search_path=street_110117001");
    let store = PgStore::connect(url.as_str()).await.unwrap();
    store.close_cleanly().await.unwrap();
    // A restore over it is refused unless forced, as over a store in `public`.
    assert!(target.holds_data().await.unwrap());
}
