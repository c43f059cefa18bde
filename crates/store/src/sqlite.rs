//! SQLite backend: one file, WAL journal, foreign keys on.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use binhe_core::geojson::{read_shape, shape_to_geojson};
use binhe_core::{
    Device, DeviceKind, Grid, GridCode, GridHierarchy, MicroKind, Worker, WorkerKind, WorkerRole,
};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
};
use sqlx::{Row, Sqlite, Transaction};
use tokio::sync::Mutex;

use crate::{DatasetSource, GridDataset, GridRepository, StoreError};

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// One writer at a time: event ids are handed out in commit order, and a version check and
    /// the write it guards cannot be split by another writer.
    pub(crate) write_lock: Arc<Mutex<()>>,
    /// The next unreserved ticket id, read from the file on first use.
    pub(crate) next_ticket_id: Arc<Mutex<Option<i64>>>,
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
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: shown.clone(),
                source,
            })?;
        sqlx::migrate!("../../migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                path: shown,
                source,
            })?;
        Ok(Self {
            pool,
            write_lock: Arc::new(Mutex::new(())),
            next_ticket_id: Arc::new(Mutex::new(None)),
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn corrupt(code: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        code: code.to_owned(),
        detail: detail.to_string(),
    }
}

fn grid_from_row(row: &SqliteRow) -> Result<Grid, StoreError> {
    let code: String = row.get("code");
    let geometry: String = row.get("geometry");
    let geometry = serde_json::from_str(&geometry).map_err(|e| corrupt(&code, e))?;
    let shape = read_shape(&geometry).map_err(|e| corrupt(&code, e))?;
    let kind: Option<String> = row.get("kind");
    Ok(Grid {
        code: GridCode::parse(&code).map_err(|e| corrupt(&code, e))?,
        name: row.get("name"),
        name_en: row.get("name_en"),
        shape,
        population: row
            .get::<i64, _>("population")
            .try_into()
            .map_err(|e| corrupt(&code, e))?,
        kind: kind.as_deref().and_then(MicroKind::parse),
        synthetic: row.get("synthetic"),
    })
}

fn worker_from_row(row: &SqliteRow) -> Result<Worker, StoreError> {
    let id: String = row.get("id");
    let kind: String = row.get("kind");
    let role: String = row.get("role");
    let grid: String = row.get("grid_code");
    Ok(Worker {
        kind: WorkerKind::parse(&kind)
            .ok_or_else(|| corrupt(&grid, format!("worker {id} has kind {kind}")))?,
        role: WorkerRole::parse(&role)
            .ok_or_else(|| corrupt(&grid, format!("worker {id} has role {role}")))?,
        grid: GridCode::parse(&grid).map_err(|e| corrupt(&grid, e))?,
        name: row.get("name"),
        phone: row.get("phone"),
        lon: row.get("lon"),
        lat: row.get("lat"),
        id,
    })
}

fn device_from_row(row: &SqliteRow) -> Result<Device, StoreError> {
    let id: String = row.get("id");
    let kind: String = row.get("kind");
    let grid: String = row.get("grid_code");
    Ok(Device {
        kind: DeviceKind::parse(&kind)
            .ok_or_else(|| corrupt(&grid, format!("device {id} has kind {kind}")))?,
        grid: GridCode::parse(&grid).map_err(|e| corrupt(&grid, e))?,
        name: row.get("name"),
        lon: row.get("lon"),
        lat: row.get("lat"),
        id,
    })
}

async fn read_all<T>(
    tx: &mut Transaction<'_, Sqlite>,
    sql: &'static str,
    action: &'static str,
    parse: fn(&SqliteRow) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    sqlx::query(sql)
        .fetch_all(&mut **tx)
        .await
        .map_err(StoreError::query(action))?
        .iter()
        .map(parse)
        .collect()
}

async fn insert_all(
    tx: &mut Transaction<'_, Sqlite>,
    dataset: &GridDataset,
) -> Result<(), StoreError> {
    // Parents come before children in a hierarchy, so foreign keys hold row by row.
    for grid in dataset.hierarchy.grids() {
        sqlx::query(
            "INSERT INTO grids (code, level, parent_code, name, name_en, kind, population, synthetic, geometry)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(grid.code.as_str())
        .bind(grid.level().as_str())
        .bind(grid.code.parent().map(String::from))
        .bind(&grid.name)
        .bind(&grid.name_en)
        .bind(grid.kind.map(MicroKind::as_str))
        .bind(i64::from(grid.population))
        .bind(grid.synthetic)
        .bind(shape_to_geojson(&grid.shape).to_string())
        .execute(&mut **tx)
        .await
        .map_err(StoreError::query("storing grids"))?;
    }
    for worker in &dataset.workers {
        sqlx::query("INSERT INTO workers (id, name, kind, role, grid_code, phone, lon, lat) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(&worker.id)
            .bind(&worker.name)
            .bind(worker.kind.as_str())
            .bind(worker.role.as_str())
            .bind(worker.grid.as_str())
            .bind(&worker.phone)
            .bind(worker.lon)
            .bind(worker.lat)
            .execute(&mut **tx)
            .await
            .map_err(StoreError::query("storing workers"))?;
    }
    for device in &dataset.devices {
        sqlx::query(
            "INSERT INTO devices (id, kind, name, grid_code, lon, lat) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&device.id)
        .bind(device.kind.as_str())
        .bind(&device.name)
        .bind(device.grid.as_str())
        .bind(device.lon)
        .bind(device.lat)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::query("storing devices"))?;
    }
    sqlx::query("INSERT INTO dataset_source (id, source, description, loaded_at) VALUES (1, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))")
        .bind(dataset.source.as_str())
        .bind(&dataset.description)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::query("recording the dataset source"))?;
    Ok(())
}

#[async_trait]
impl GridRepository for SqliteStore {
    async fn load(&self) -> Result<Option<GridDataset>, StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(StoreError::query("starting a read"))?;
        let Some(source) =
            sqlx::query("SELECT source, description FROM dataset_source WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await
                .map_err(StoreError::query("reading the dataset source"))?
        else {
            return Ok(None);
        };
        let grids = read_all(
            &mut tx,
            "SELECT * FROM grids",
            "reading grids",
            grid_from_row,
        )
        .await?;
        let workers = read_all(
            &mut tx,
            "SELECT * FROM workers ORDER BY id",
            "reading workers",
            worker_from_row,
        )
        .await?;
        let devices = read_all(
            &mut tx,
            "SELECT * FROM devices ORDER BY kind, id",
            "reading devices",
            device_from_row,
        )
        .await?;
        let hierarchy = GridHierarchy::build(grids).map_err(|problems| {
            let (code, problem) = &problems[0];
            corrupt(code.as_ref().map_or("-", GridCode::as_str), problem)
        })?;
        let source_name: String = source.get("source");
        Ok(Some(GridDataset {
            hierarchy,
            workers,
            devices,
            source: if source_name == "import" {
                DatasetSource::Import
            } else {
                DatasetSource::Demo
            },
            description: source.get("description"),
        }))
    }

    async fn replace(&self, dataset: &GridDataset) -> Result<(), StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(StoreError::query("starting the replacement"))?;
        for table in ["dataset_source", "devices", "workers"] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query("clearing the old dataset"))?;
        }
        // Children first, so no foreign key is ever left dangling.
        for level in ["unit", "micro", "community", "street"] {
            sqlx::query("DELETE FROM grids WHERE level = ?")
                .bind(level)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query("clearing the old grids"))?;
        }
        insert_all(&mut tx, dataset).await?;
        tx.commit()
            .await
            .map_err(StoreError::query("committing the replacement"))
    }
}
