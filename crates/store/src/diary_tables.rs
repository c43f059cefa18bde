//! [`DiaryRepository`] in the shared SQL.

use std::collections::BTreeMap;

use async_trait::async_trait;
use binhe_core::ticket::TicketId;
use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::backend::{Columns, Run, Value, conditions, millis, time};
use crate::diary::{
    DiaryFilter, DiaryRecord, DiaryRepository, DiaryTotals, StoredDiaryEntry, StoredWard,
    WardFilter, WardRecord,
};
use crate::ticket_tables::parameters;

const ENTRY_COLUMNS: &str = "id, worker_id, community_code, micro_code, unit_code, kind, \
    visited_at, households, concerns, follow_up, category, ticket_id, written_by, written_at";

const WARD_COLUMNS: &str =
    "unit_code, micro_code, community_code, worker_id, households, updated_by, updated_at";

fn count(row: &impl Columns, column: &str) -> u32 {
    u32::try_from(row.integer(column)).unwrap_or(0)
}

fn entry_from_row(row: &impl Columns) -> Result<StoredDiaryEntry, StoreError> {
    Ok(StoredDiaryEntry {
        id: row.integer("id"),
        entry: DiaryRecord {
            worker_id: row.text("worker_id").to_owned(),
            community_code: row.text("community_code").to_owned(),
            micro_code: row.text("micro_code").to_owned(),
            unit_code: row.maybe_text("unit_code").map(str::to_owned),
            kind: row.text("kind").to_owned(),
            visited_at: time(row, "visited_at")?,
            households: count(row, "households"),
            concerns: row.text("concerns").to_owned(),
            follow_up: row.text("follow_up").to_owned(),
            category: row.maybe_text("category").map(str::to_owned),
        },
        ticket_id: row.maybe_integer("ticket_id"),
        written_by: row.text("written_by").to_owned(),
        written_at: time(row, "written_at")?,
    })
}

fn ward_from_row(row: &impl Columns) -> Result<StoredWard, StoreError> {
    Ok(StoredWard {
        ward: WardRecord {
            unit_code: row.text("unit_code").to_owned(),
            micro_code: row.text("micro_code").to_owned(),
            community_code: row.text("community_code").to_owned(),
            worker_id: row.text("worker_id").to_owned(),
            households: count(row, "households"),
        },
        updated_by: row.text("updated_by").to_owned(),
        updated_at: time(row, "updated_at")?,
    })
}

#[async_trait]
impl<B: Run> DiaryRepository for B {
    async fn add_diary_entry(
        &self,
        e: &DiaryRecord,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<StoredDiaryEntry, StoreError> {
        let values: Vec<Value<'_>> = vec![
            e.worker_id.as_str().into(),
            e.community_code.as_str().into(),
            e.micro_code.as_str().into(),
            e.unit_code.as_deref().into(),
            e.kind.as_str().into(),
            millis(e.visited_at).into(),
            i64::from(e.households).into(),
            e.concerns.as_str().into(),
            e.follow_up.as_str().into(),
            e.category.as_deref().into(),
            by.into(),
            millis(at).into(),
        ];
        let rows = self
            .write_one(
                &format!(
                    "INSERT INTO diary_entries (worker_id, community_code, micro_code, unit_code, \
                     kind, visited_at, households, concerns, follow_up, category, written_by, \
                     written_at) VALUES ({}) RETURNING id",
                    parameters(values.len())
                ),
                &values,
                "keeping a diary entry",
            )
            .await?;
        Ok(StoredDiaryEntry {
            id: rows.first().map_or(0, |row| row.integer("id")),
            entry: e.clone(),
            ticket_id: None,
            written_by: by.to_owned(),
            written_at: at,
        })
    }

    async fn diary_entry(&self, id: i64) -> Result<Option<StoredDiaryEntry>, StoreError> {
        let rows = self
            .read(
                &format!("SELECT {ENTRY_COLUMNS} FROM diary_entries WHERE id = ?"),
                &[id.into()],
                "reading a diary entry",
            )
            .await?;
        rows.first().map(entry_from_row).transpose()
    }

    async fn diary_entries(
        &self,
        filter: &DiaryFilter<'_>,
    ) -> Result<Vec<StoredDiaryEntry>, StoreError> {
        let (clause, mut values) = conditions(&[
            ("community_code", filter.community),
            ("micro_code", filter.micro),
            ("unit_code", filter.unit),
            ("worker_id", filter.worker),
        ]);
        values.push(i64::from(filter.limit).into());
        let rows = self
            .read(
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM diary_entries WHERE 1 = 1{clause} \
                     ORDER BY visited_at DESC, id DESC LIMIT ?"
                ),
                &values,
                "listing diary entries",
            )
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn diary_totals(&self, filter: &DiaryFilter<'_>) -> Result<DiaryTotals, StoreError> {
        let (clause, values) = conditions(&[
            ("community_code", filter.community),
            ("micro_code", filter.micro),
            ("unit_code", filter.unit),
            ("worker_id", filter.worker),
        ]);
        let rows = self
            .read(
                &format!(
                    "SELECT count(*) AS entries, CAST(COALESCE(SUM(households), 0) AS BIGINT) AS households, \
                     SUM(CASE WHEN ticket_id IS NULL THEN 0 ELSE 1 END) AS tickets \
                     FROM diary_entries WHERE 1 = 1{clause}"
                ),
                &values,
                "adding up diary entries",
            )
            .await?;
        let sum = |column: &str| {
            rows.first()
                .and_then(|row| row.maybe_integer(column))
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or(0)
        };
        Ok(DiaryTotals {
            entries: sum("entries"),
            households: sum("households"),
            tickets: sum("tickets"),
        })
    }

    async fn link_diary_ticket(
        &self,
        id: i64,
        ticket: TicketId,
    ) -> Result<Option<TicketId>, StoreError> {
        const ACTION: &str = "linking a diary entry to its ticket";
        let mut writer = self.begin_side_write(ACTION).await?;
        B::execute(
            &mut writer.tx,
            "UPDATE diary_entries SET ticket_id = ? WHERE id = ? AND ticket_id IS NULL",
            &[ticket.into(), id.into()],
            ACTION,
        )
        .await?;
        let rows = B::fetch(
            &mut writer.tx,
            "SELECT ticket_id FROM diary_entries WHERE id = ?",
            &[id.into()],
            ACTION,
        )
        .await?;
        writer.commit(ACTION).await?;
        Ok(rows.first().and_then(|row| row.maybe_integer("ticket_id")))
    }

    async fn set_wards(
        &self,
        wards: &[WardRecord],
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        const ACTION: &str = "keeping who answers for which unit";
        // One row per unit (the last given wins): an upsert may not touch a row twice.
        let unique: BTreeMap<&str, &WardRecord> =
            wards.iter().map(|w| (w.unit_code.as_str(), w)).collect();
        let stamp = millis(at);
        let rows: Vec<Vec<Value<'_>>> = unique
            .values()
            .map(|w| {
                vec![
                    w.unit_code.as_str().into(),
                    w.micro_code.as_str().into(),
                    w.community_code.as_str().into(),
                    w.worker_id.as_str().into(),
                    i64::from(w.households).into(),
                    by.into(),
                    stamp.into(),
                ]
            })
            .collect();
        let mut writer = self.begin_side_write(ACTION).await?;
        B::insert_rows(
            &mut writer.tx,
            (
                "unit_wards",
                WARD_COLUMNS,
                " ON CONFLICT (unit_code) DO UPDATE SET micro_code = excluded.micro_code, \
                 community_code = excluded.community_code, worker_id = excluded.worker_id, \
                 households = excluded.households, updated_by = excluded.updated_by, \
                 updated_at = excluded.updated_at",
            ),
            &rows,
            ACTION,
        )
        .await?;
        writer.commit(ACTION).await
    }

    async fn clear_wards(&self, units: &[String]) -> Result<u64, StoreError> {
        const ACTION: &str = "taking units off their workers";
        let mut cleared = 0;
        let mut writer = self.begin_side_write(ACTION).await?;
        for chunk in units.chunks(B::MAX_BINDS) {
            let values: Vec<Value<'_>> = chunk.iter().map(|u| u.as_str().into()).collect();
            let rows = B::fetch(
                &mut writer.tx,
                &format!(
                    "DELETE FROM unit_wards WHERE unit_code IN ({}) RETURNING unit_code",
                    parameters(chunk.len())
                ),
                &values,
                ACTION,
            )
            .await?;
            cleared += rows.len() as u64;
        }
        writer.commit(ACTION).await?;
        Ok(cleared)
    }

    async fn wards(&self, filter: &WardFilter<'_>) -> Result<Vec<StoredWard>, StoreError> {
        let (clause, values) = conditions(&[
            ("community_code", filter.community),
            ("micro_code", filter.micro),
            ("worker_id", filter.worker),
        ]);
        let rows = self
            .read(
                &format!(
                    "SELECT {WARD_COLUMNS} FROM unit_wards WHERE 1 = 1{clause} ORDER BY unit_code"
                ),
                &values,
                "listing who answers for which unit",
            )
            .await?;
        rows.iter().map(ward_from_row).collect()
    }

    async fn ward(&self, unit: &str) -> Result<Option<StoredWard>, StoreError> {
        let rows = self
            .read(
                &format!("SELECT {WARD_COLUMNS} FROM unit_wards WHERE unit_code = ?"),
                &[unit.into()],
                "reading who answers for a unit",
            )
            .await?;
        rows.first().map(ward_from_row).transpose()
    }
}
