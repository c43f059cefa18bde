//! [`TrainingRepository`] in the shared SQL.

use async_trait::async_trait;

use crate::StoreError;
use crate::backend::{Columns, ConnectionOf, Run, Value, millis, time};
use crate::training::{Arrival, TrainingRecord, TrainingRepository};

const RUN_COLUMNS: &str = "name, scenario, created_at, clock, injected, conflicts, played, \
    second, requests_sent, ended_at";

fn run_from_row(row: &impl Columns) -> Result<TrainingRecord, StoreError> {
    Ok(TrainingRecord {
        name: row.text("name").to_owned(),
        scenario: row.text("scenario").to_owned(),
        created_at: time(row, "created_at")?,
        clock: row.text("clock").to_owned(),
        injected: row.text("injected").to_owned(),
        conflicts: row.text("conflicts").to_owned(),
        played: u32::try_from(row.integer("played")).unwrap_or(0),
        second: row.real("second"),
        requests_sent: u32::try_from(row.integer("requests_sent")).unwrap_or(0),
        ended_at: row
            .maybe_integer("ended_at")
            .map(|_| time(row, "ended_at"))
            .transpose()?,
    })
}

async fn upsert<B: Run>(
    conn: &mut ConnectionOf<B>,
    run: &TrainingRecord,
    action: &'static str,
) -> Result<(), StoreError> {
    let values: Vec<Value<'_>> = vec![
        run.name.as_str().into(),
        run.scenario.as_str().into(),
        millis(run.created_at).into(),
        run.clock.as_str().into(),
        run.injected.as_str().into(),
        run.conflicts.as_str().into(),
        i64::from(run.played).into(),
        run.second.into(),
        i64::from(run.requests_sent).into(),
        run.ended_at.map(millis).into(),
    ];
    B::execute(
        conn,
        &format!(
            "INSERT INTO training_runs (id, {RUN_COLUMNS}) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, scenario = excluded.scenario, \
             created_at = excluded.created_at, clock = excluded.clock, \
             injected = excluded.injected, conflicts = excluded.conflicts, \
             played = excluded.played, second = excluded.second, \
             requests_sent = excluded.requests_sent, ended_at = excluded.ended_at"
        ),
        &values,
        action,
    )
    .await
}

#[async_trait]
impl<B: Run> TrainingRepository for B {
    async fn training_run(&self) -> Result<Option<TrainingRecord>, StoreError> {
        let rows = self
            .read(
                &format!("SELECT {RUN_COLUMNS} FROM training_runs WHERE id = 1"),
                &[],
                "reading the training run",
            )
            .await?;
        rows.first().map(run_from_row).transpose()
    }

    async fn save_training_run(&self, run: &TrainingRecord) -> Result<(), StoreError> {
        const ACTION: &str = "keeping the training run";
        let mut writer = self.begin_side_write(ACTION).await?;
        upsert::<B>(&mut writer.tx, run, ACTION).await?;
        writer.commit(ACTION).await
    }

    async fn record_progress(
        &self,
        run: &TrainingRecord,
        arrivals: &[Arrival],
    ) -> Result<(), StoreError> {
        const ACTION: &str = "keeping the training run's progress";
        let mut writer = self.begin_side_write(ACTION).await?;
        upsert::<B>(&mut writer.tx, run, ACTION).await?;
        for a in arrivals {
            B::execute(
                &mut writer.tx,
                "INSERT INTO training_arrivals (scripted, ticket_id, second) VALUES (?, ?, ?)",
                &[
                    i64::from(a.scripted).into(),
                    a.ticket_id.into(),
                    a.second.into(),
                ],
                ACTION,
            )
            .await?;
        }
        writer.commit(ACTION).await
    }

    async fn arrivals(&self) -> Result<Vec<Arrival>, StoreError> {
        let rows = self
            .read(
                "SELECT scripted, ticket_id, second FROM training_arrivals ORDER BY scripted",
                &[],
                "reading the training run's arrivals",
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| Arrival {
                scripted: u32::try_from(row.integer("scripted")).unwrap_or(0),
                ticket_id: row.integer("ticket_id"),
                second: row.real("second"),
            })
            .collect())
    }
}
