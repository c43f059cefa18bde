//! Camera snapshots and door events, the same on every backend.

use async_trait::async_trait;

use crate::StoreError;
use crate::backend::{Columns, Run, Value, millis, time};
use crate::devices::{DeviceRepository, DoorEvent, DoorEventKind, Snapshot};

fn door_event_from_row(row: &impl Columns) -> Result<DoorEvent, StoreError> {
    let kind = row.text("kind");
    Ok(DoorEvent {
        id: row.integer("id"),
        unit: row.text("unit_id").to_owned(),
        at: time(row, "at")?,
        kind: DoorEventKind::from_code(kind).ok_or_else(|| StoreError::Corrupt {
            code: row.text("unit_id").to_owned(),
            detail: format!("door event kind {kind}"),
        })?,
        detail: row.maybe_text("detail").map(str::to_owned),
    })
}

#[async_trait]
impl<B: Run> DeviceRepository for B {
    async fn save_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        self.write_one(
            "INSERT INTO camera_snapshots (id, camera_id, taken_at, jpeg) VALUES (?, ?, ?, ?) \
             ON CONFLICT (id) DO NOTHING",
            &[
                snapshot.id.as_str().into(),
                snapshot.camera.as_str().into(),
                millis(snapshot.taken_at).into(),
                snapshot.jpeg.as_slice().into(),
            ],
            "storing a camera snapshot",
        )
        .await
        .map(drop)
    }

    async fn snapshot(&self, id: &str) -> Result<Option<Snapshot>, StoreError> {
        let rows = self
            .read(
                "SELECT * FROM camera_snapshots WHERE id = ?",
                &[id.into()],
                "reading a camera snapshot",
            )
            .await?;
        rows.first()
            .map(|row| {
                Ok(Snapshot {
                    id: row.text("id").to_owned(),
                    camera: row.text("camera_id").to_owned(),
                    taken_at: time(row, "taken_at")?,
                    jpeg: row.bytes("jpeg").to_vec(),
                })
            })
            .transpose()
    }

    async fn record_door_events(&self, events: &[DoorEvent]) -> Result<Vec<DoorEvent>, StoreError> {
        const ACTION: &str = "recording door events";
        let mut writer = self.begin_side_write(ACTION).await?;
        let mut stored = Vec::with_capacity(events.len());
        for event in events {
            let rows = B::fetch(
                &mut writer.tx,
                "INSERT INTO door_events (unit_id, at, kind, detail) VALUES (?, ?, ?, ?) \
                 RETURNING id",
                &[
                    event.unit.as_str().into(),
                    millis(event.at).into(),
                    event.kind.as_str().into(),
                    event.detail.as_deref().into(),
                ],
                ACTION,
            )
            .await?;
            let id = rows.first().map_or(0, |row| row.integer("id"));
            stored.push(DoorEvent {
                id,
                ..event.clone()
            });
        }
        writer.commit(ACTION).await?;
        Ok(stored)
    }

    async fn door_events(
        &self,
        unit: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<DoorEvent>, StoreError> {
        self.read(
            "SELECT * FROM door_events WHERE unit_id = ? AND id > ? ORDER BY id DESC LIMIT ?",
            &[unit.into(), after.into(), i64::from(limit).into()],
            "reading door events",
        )
        .await?
        .iter()
        .map(door_event_from_row)
        .collect()
    }

    async fn door_alarms(
        &self,
        units: Option<&[String]>,
        after: i64,
        limit: u32,
    ) -> Result<Vec<DoorEvent>, StoreError> {
        if units.is_some_and(<[String]>::is_empty) {
            return Ok(Vec::new());
        }
        let alarms = [DoorEventKind::Forced, DoorEventKind::HeldOpen];
        let mut sql = String::from("SELECT * FROM door_events WHERE id > ? AND kind IN (?, ?)");
        let mut values: Vec<Value<'_>> = vec![
            after.into(),
            alarms[0].as_str().into(),
            alarms[1].as_str().into(),
        ];
        if let Some(units) = units {
            sql.push_str(" AND unit_id IN (");
            sql.push_str(&vec!["?"; units.len()].join(", "));
            sql.push(')');
            values.extend(units.iter().map(|u| Value::from(u.as_str())));
        }
        sql.push_str(" ORDER BY id DESC LIMIT ?");
        values.push(i64::from(limit).into());
        self.read(&sql, &values, "reading door alarms")
            .await?
            .iter()
            .map(door_event_from_row)
            .collect()
    }
}
