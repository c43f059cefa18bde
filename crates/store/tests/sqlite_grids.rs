//! The grid tables on a real SQLite file.

use binhe_core::demo::{self, DEFAULT_SEED};
use binhe_core::geojson::write_grids;
use binhe_core::{GridCode, GridLevel};
use binhe_store::{DatasetSource, GridDataset, GridRepository, SqliteStore};

fn demo_dataset() -> GridDataset {
    let generated = demo::generate(DEFAULT_SEED);
    GridDataset {
        hierarchy: generated.hierarchy,
        workers: generated.workers,
        devices: generated.devices,
        source: DatasetSource::Demo,
        description: format!("demo seed {DEFAULT_SEED}"),
    }
}

#[tokio::test]
async fn a_new_database_file_holds_no_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("binhe.sqlite"))
        .await
        .unwrap();
    assert!(store.load().await.unwrap().is_none());
}

#[tokio::test]
async fn demo_dataset_survives_a_round_trip_through_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("binhe.sqlite");
    let dataset = demo_dataset();
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.replace(&dataset).await.unwrap();
        store.close().await;
    }
    let reopened = SqliteStore::open(&path).await.unwrap();
    let loaded = reopened.load().await.unwrap().expect("dataset stored");
    assert_eq!(loaded.hierarchy.count(GridLevel::Micro), 312);
    assert_eq!(loaded.hierarchy.count(GridLevel::Community), 15);
    assert!(
        write_grids(&loaded.hierarchy) == write_grids(&dataset.hierarchy),
        "grids changed on the way"
    );
    assert_eq!(loaded.workers.len(), 406);
    assert_eq!(loaded.devices.len(), 847 + 90 + 72);
    assert_eq!(loaded.source, DatasetSource::Demo);
    assert_eq!(loaded.description, dataset.description);
}

#[tokio::test]
async fn a_failed_replacement_leaves_the_stored_grids_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("binhe.sqlite"))
        .await
        .unwrap();
    let dataset = demo_dataset();
    store.replace(&dataset).await.unwrap();

    // A worker posted to a grid that does not exist fails on the last table written,
    // after all grids were already deleted and re-inserted inside the transaction.
    let mut broken = demo_dataset();
    broken.description = "broken".to_owned();
    broken.workers.last_mut().unwrap().grid = GridCode::parse("110117001099099").unwrap();
    let error = store
        .replace(&broken)
        .await
        .expect_err("foreign key must refuse the worker");
    assert!(error.to_string().contains("storing workers"), "{error}");

    let after = store.load().await.unwrap().unwrap();
    assert_eq!(after.description, dataset.description);
    assert!(
        write_grids(&after.hierarchy) == write_grids(&dataset.hierarchy),
        "grids changed"
    );
    let mut expected = dataset.workers.clone();
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(after.workers, expected);
}
