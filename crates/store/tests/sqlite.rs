//! The conformance checks on a real SQLite file.

mod conformance;

use binhe_store::SqliteStore;
use conformance::Fixture;

struct SqliteFile {
    dir: tempfile::TempDir,
}

impl Fixture for SqliteFile {
    type Store = SqliteStore;

    async fn create() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    async fn open(&self) -> SqliteStore {
        SqliteStore::open(&self.dir.path().join("binhe.sqlite"))
            .await
            .unwrap()
    }

    async fn close(store: SqliteStore) {
        store.close().await;
    }
}

conformance::tests!(SqliteFile);
