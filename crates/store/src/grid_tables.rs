//! The grid tables, the same on every backend.

use std::time::SystemTime;

use crate::backend::{Columns, Run, Topic, Value};
use crate::{DatasetSource, GridDataset, GridRepository, StoreError};
use async_trait::async_trait;
use binhe_core::geojson::{read_shape, shape_to_geojson};
use binhe_core::{
    Device, DeviceKind, Grid, GridCode, GridHierarchy, MicroKind, Worker, WorkerKind, WorkerRole,
};
use chrono::{DateTime, SecondsFormat, Utc};

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
        kind: row.maybe_text("kind").and_then(MicroKind::from_code),
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
        kind: WorkerKind::from_code(kind)
            .ok_or_else(|| corrupt(grid, format!("worker {id} has kind {kind}")))?,
        role: WorkerRole::from_code(role)
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
        kind: DeviceKind::from_code(kind)
            .ok_or_else(|| corrupt(grid, format!("device {id} has kind {kind}")))?,
        grid: GridCode::parse(grid).map_err(|e| corrupt(grid, e))?,
        name: row.text("name").to_owned(),
        lon: row.real("lon"),
        lat: row.real("lat"),
        stream: row.maybe_text("stream").map(str::to_owned),
        id: id.to_owned(),
    })
}

#[async_trait]
impl<B: Run> GridRepository for B {
    async fn load(&self) -> Result<Option<GridDataset>, StoreError> {
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(StoreError::query("starting a read"))?;
        let sources = B::fetch(
            &mut tx,
            "SELECT source, description FROM dataset_source WHERE id = 1",
            &[],
            "reading the dataset source",
        )
        .await?;
        let Some(source) = sources.first() else {
            return Ok(None);
        };
        let grids = B::fetch(&mut tx, "SELECT * FROM grids", &[], "reading grids").await?;
        let workers = B::fetch(&mut tx, "SELECT * FROM workers", &[], "reading workers").await?;
        let devices = B::fetch(&mut tx, "SELECT * FROM devices", &[], "reading devices").await?;
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
            B::execute(
                &mut tx,
                &format!("DELETE FROM {table}"),
                &[],
                "clearing the old dataset",
            )
            .await?;
        }
        // Children first, so no foreign key is ever left dangling.
        for level in ["unit", "micro", "community", "street"] {
            B::execute(
                &mut tx,
                "DELETE FROM grids WHERE level = ?",
                &[level.into()],
                "clearing the old grids",
            )
            .await?;
        }
        // Parents come before children in a hierarchy, so foreign keys hold statement by statement.
        let geometries: Vec<(Option<GridCode>, String)> = dataset
            .hierarchy
            .grids()
            .iter()
            .map(|grid| {
                (
                    grid.code.parent(),
                    shape_to_geojson(&grid.shape).to_string(),
                )
            })
            .collect();
        let grids: Vec<Vec<Value>> = dataset
            .hierarchy
            .grids()
            .iter()
            .zip(&geometries)
            .map(|(grid, (parent, geometry))| {
                vec![
                    grid.code.as_str().into(),
                    grid.level().as_str().into(),
                    parent.as_ref().map(GridCode::as_str).into(),
                    grid.name.as_str().into(),
                    grid.name_en.as_str().into(),
                    grid.kind.map(MicroKind::as_str).into(),
                    i64::from(grid.population).into(),
                    grid.synthetic.into(),
                    geometry.as_str().into(),
                ]
            })
            .collect();
        B::insert_rows(
            &mut tx,
            (
                "grids",
                "code, level, parent_code, name, name_en, kind, population, synthetic, geometry",
                "",
            ),
            &grids,
            "storing grids",
        )
        .await?;
        let workers: Vec<Vec<Value>> = dataset
            .workers
            .iter()
            .map(|worker| {
                vec![
                    worker.id.as_str().into(),
                    worker.name.as_str().into(),
                    worker.kind.as_str().into(),
                    worker.role.as_str().into(),
                    worker.grid.as_str().into(),
                    worker.phone.as_str().into(),
                    worker.lon.into(),
                    worker.lat.into(),
                ]
            })
            .collect();
        B::insert_rows(
            &mut tx,
            (
                "workers",
                "id, name, kind, role, grid_code, phone, lon, lat",
                "",
            ),
            &workers,
            "storing workers",
        )
        .await?;
        let devices: Vec<Vec<Value>> = dataset
            .devices
            .iter()
            .map(|device| {
                vec![
                    device.id.as_str().into(),
                    device.kind.as_str().into(),
                    device.name.as_str().into(),
                    device.grid.as_str().into(),
                    device.lon.into(),
                    device.lat.into(),
                    device.stream.as_deref().into(),
                ]
            })
            .collect();
        B::insert_rows(
            &mut tx,
            ("devices", "id, kind, name, grid_code, lon, lat, stream", ""),
            &devices,
            "storing devices",
        )
        .await?;
        // The time is taken here rather than from SQL, where every dialect spells it differently.
        let loaded_at =
            DateTime::<Utc>::from(SystemTime::now()).to_rfc3339_opts(SecondsFormat::Secs, true);
        B::execute(
            &mut tx,
            "INSERT INTO dataset_source (id, source, description, loaded_at) VALUES (1, ?, ?, ?)",
            &[
                dataset.source.as_str().into(),
                dataset.description.as_str().into(),
                loaded_at.as_str().into(),
            ],
            "recording the dataset source",
        )
        .await?;
        B::notify(&mut tx, Topic::Grids, "").await?;
        tx.commit()
            .await
            .map_err(StoreError::query("committing the replacement"))
    }
}
