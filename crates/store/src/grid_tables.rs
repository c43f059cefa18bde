//! The grid tables, the same on every backend.

use std::time::SystemTime;

use async_trait::async_trait;
use binhe_core::geojson::{read_shape, shape_to_geojson};
use binhe_core::{
    Device, DeviceKind, Grid, GridCode, GridHierarchy, MicroKind, Worker, WorkerKind, WorkerRole,
};
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{Database, Executor, IntoArguments, Transaction};

use crate::backend::{Backend, Column, Columns, Statement};
use crate::{DatasetSource, GridDataset, GridRepository, StoreError};

fn corrupt(code: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        code: code.to_owned(),
        detail: detail.to_string(),
    }
}

fn grid_from_row(row: &impl Columns) -> Result<Grid, StoreError> {
    let code = row.text("code");
    let geometry = serde_json::from_str(row.text("geometry")).map_err(|e| corrupt(code, e))?;
    let shape = read_shape(&geometry).map_err(|e| corrupt(code, e))?;
    Ok(Grid {
        code: GridCode::parse(code).map_err(|e| corrupt(code, e))?,
        name: row.text("name").to_owned(),
        name_en: row.text("name_en").to_owned(),
        shape,
        population: row
            .integer("population")
            .try_into()
            .map_err(|e| corrupt(code, e))?,
        kind: row.maybe_text("kind").and_then(MicroKind::parse),
        synthetic: row.flag("synthetic"),
    })
}

fn worker_from_row(row: &impl Columns) -> Result<Worker, StoreError> {
    let (id, kind, role, grid) = (
        row.text("id"),
        row.text("kind"),
        row.text("role"),
        row.text("grid_code"),
    );
    Ok(Worker {
        kind: WorkerKind::parse(kind)
            .ok_or_else(|| corrupt(grid, format!("worker {id} has kind {kind}")))?,
        role: WorkerRole::parse(role)
            .ok_or_else(|| corrupt(grid, format!("worker {id} has role {role}")))?,
        grid: GridCode::parse(grid).map_err(|e| corrupt(grid, e))?,
        name: row.text("name").to_owned(),
        phone: row.text("phone").to_owned(),
        lon: row.real("lon"),
        lat: row.real("lat"),
        id: id.to_owned(),
    })
}

fn device_from_row(row: &impl Columns) -> Result<Device, StoreError> {
    let (id, kind, grid) = (row.text("id"), row.text("kind"), row.text("grid_code"));
    Ok(Device {
        kind: DeviceKind::parse(kind)
            .ok_or_else(|| corrupt(grid, format!("device {id} has kind {kind}")))?,
        grid: GridCode::parse(grid).map_err(|e| corrupt(grid, e))?,
        name: row.text("name").to_owned(),
        lon: row.real("lon"),
        lat: row.real("lat"),
        id: id.to_owned(),
    })
}

/// Inserts `rows` into `table` with multi-row statements of as many rows as the backend's bind
/// limit allows; `tail` follows each statement (an `ON CONFLICT` clause, say).
pub(crate) async fn insert_rows<B, T, F>(
    tx: &mut Transaction<'_, B::Db>,
    (table, columns, tail): (&str, &str, &str),
    rows: &[T],
    action: &'static str,
    mut bind_row: F,
) -> Result<(), StoreError>
where
    B: Backend,
    for<'c> &'c mut <B::Db as Database>::Connection: Executor<'c, Database = B::Db>,
    for<'q> <B::Db as Database>::Arguments<'q>: IntoArguments<'q, B::Db>,
    T: Sync,
    F: for<'q> FnMut(Statement<'q, B::Db>, &'q T) -> Statement<'q, B::Db> + Send,
{
    let width = columns.split(',').count();
    let row = format!("({})", vec!["?"; width].join(", "));
    for chunk in rows.chunks(B::MAX_BINDS / width) {
        let text = format!(
            "INSERT INTO {table} ({columns}) VALUES {}{tail}",
            vec![row.as_str(); chunk.len()].join(", ")
        );
        let text = B::sql(&text);
        chunk
            .iter()
            .fold(sqlx::query(&text), &mut bind_row)
            .execute(&mut **tx)
            .await
            .map_err(StoreError::query(action))?;
    }
    Ok(())
}

#[async_trait]
impl<B> GridRepository for B
where
    B: Backend,
    for<'c> &'c mut <B::Db as Database>::Connection: Executor<'c, Database = B::Db>,
    for<'q> <B::Db as Database>::Arguments<'q>: IntoArguments<'q, B::Db>,
    <B::Db as Database>::Row: Columns,
    for<'q> &'q str: Column<'q, B::Db>,
    for<'q> Option<&'q str>: Column<'q, B::Db>,
    for<'q> i64: Column<'q, B::Db>,
    for<'q> f64: Column<'q, B::Db>,
    for<'q> bool: Column<'q, B::Db>,
{
    async fn load(&self) -> Result<Option<GridDataset>, StoreError> {
        let mut tx = self
            .pool()
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
        let mut read_all = async |sql: &'static str, action: &'static str| {
            sqlx::query(sql)
                .fetch_all(&mut *tx)
                .await
                .map_err(StoreError::query(action))
        };
        let grids = read_all("SELECT * FROM grids", "reading grids").await?;
        let workers = read_all("SELECT * FROM workers", "reading workers").await?;
        let devices = read_all("SELECT * FROM devices", "reading devices").await?;
        let hierarchy =
            GridHierarchy::build(grids.iter().map(grid_from_row).collect::<Result<_, _>>()?)
                .map_err(|problems| {
                    let (code, problem) = &problems[0];
                    corrupt(code.as_ref().map_or("-", GridCode::as_str), problem)
                })?;
        // Sorted here: a database's collation may order text otherwise than byte by byte.
        let mut workers: Vec<Worker> = workers
            .iter()
            .map(worker_from_row)
            .collect::<Result<_, _>>()?;
        workers.sort_by(|a, b| a.id.cmp(&b.id));
        let mut devices: Vec<Device> = devices
            .iter()
            .map(device_from_row)
            .collect::<Result<_, _>>()?;
        devices.sort_by(|a, b| (a.kind.as_str(), &a.id).cmp(&(b.kind.as_str(), &b.id)));
        Ok(Some(GridDataset {
            hierarchy,
            workers,
            devices,
            source: if source.text("source") == "import" {
                DatasetSource::Import
            } else {
                DatasetSource::Demo
            },
            description: source.text("description").to_owned(),
        }))
    }

    async fn replace(&self, dataset: &GridDataset) -> Result<(), StoreError> {
        let mut tx = self
            .pool()
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
            sqlx::query(&B::sql("DELETE FROM grids WHERE level = ?"))
                .bind(level)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query("clearing the old grids"))?;
        }
        // Parents come before children in a hierarchy, so foreign keys hold statement by statement.
        let grids: Vec<(&Grid, Option<GridCode>, String)> = dataset
            .hierarchy
            .grids()
            .iter()
            .map(|grid| {
                let geometry = shape_to_geojson(&grid.shape).to_string();
                (grid, grid.code.parent(), geometry)
            })
            .collect();
        insert_rows::<B, _, _>(
            &mut tx,
            (
                "grids",
                "code, level, parent_code, name, name_en, kind, population, synthetic, geometry",
                "",
            ),
            &grids,
            "storing grids",
            |query, (grid, parent, geometry)| {
                query
                    .bind(grid.code.as_str())
                    .bind(grid.level().as_str())
                    .bind(parent.as_ref().map(GridCode::as_str))
                    .bind(grid.name.as_str())
                    .bind(grid.name_en.as_str())
                    .bind(grid.kind.map(MicroKind::as_str))
                    .bind(i64::from(grid.population))
                    .bind(grid.synthetic)
                    .bind(geometry.as_str())
            },
        )
        .await?;
        insert_rows::<B, _, _>(
            &mut tx,
            (
                "workers",
                "id, name, kind, role, grid_code, phone, lon, lat",
                "",
            ),
            &dataset.workers,
            "storing workers",
            |query, worker| {
                query
                    .bind(worker.id.as_str())
                    .bind(worker.name.as_str())
                    .bind(worker.kind.as_str())
                    .bind(worker.role.as_str())
                    .bind(worker.grid.as_str())
                    .bind(worker.phone.as_str())
                    .bind(worker.lon)
                    .bind(worker.lat)
            },
        )
        .await?;
        insert_rows::<B, _, _>(
            &mut tx,
            ("devices", "id, kind, name, grid_code, lon, lat", ""),
            &dataset.devices,
            "storing devices",
            |query, device| {
                query
                    .bind(device.id.as_str())
                    .bind(device.kind.as_str())
                    .bind(device.name.as_str())
                    .bind(device.grid.as_str())
                    .bind(device.lon)
                    .bind(device.lat)
            },
        )
        .await?;
        // The time is taken here rather than from SQL, where every dialect spells it differently.
        let loaded_at =
            DateTime::<Utc>::from(SystemTime::now()).to_rfc3339_opts(SecondsFormat::Secs, true);
        sqlx::query(&B::sql(
            "INSERT INTO dataset_source (id, source, description, loaded_at) VALUES (1, ?, ?, ?)",
        ))
        .bind(dataset.source.as_str())
        .bind(dataset.description.as_str())
        .bind(loaded_at.as_str())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::query("recording the dataset source"))?;
        tx.commit()
            .await
            .map_err(StoreError::query("committing the replacement"))
    }
}
