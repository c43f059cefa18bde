//! [`HotspotRepository`] in the shared SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::backend::{Columns, Run, millis, time};
use crate::hotspots::{
    HotspotRepository, NewHotspotRun, RequestCase, RunTrigger, StoredHotspotRun, trigger_of,
};

const RUN_COLUMNS: &str = "id, ran_at, trigger, mode, analysis_day, account, significant";

fn run_from_row(row: &impl Columns, with_body: bool) -> Result<StoredHotspotRun, StoreError> {
    let id = row.integer("id");
    let trigger = trigger_of(row.text("trigger")).ok_or_else(|| StoreError::Corrupt {
        code: format!("hotspot run {id}"),
        detail: format!("unknown trigger {:?}", row.text("trigger")),
    })?;
    Ok(StoredHotspotRun {
        id,
        run: NewHotspotRun {
            ran_at: time(row, "ran_at")?,
            trigger,
            mode: row.text("mode").to_owned(),
            analysis_day: row.text("analysis_day").to_owned(),
            account: row.maybe_text("account").map(str::to_owned),
            significant: u32::try_from(row.integer("significant")).unwrap_or(0),
            body: if with_body {
                row.text("body").to_owned()
            } else {
                String::new()
            },
        },
    })
}

#[async_trait]
impl<B: Run> HotspotRepository for B {
    async fn request_cases(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<RequestCase>, StoreError> {
        let rows = self
            .read(
                "SELECT micro_code, community_code, category, received_at FROM tickets \
                 WHERE received_at >= ? AND received_at < ? AND micro_code IS NOT NULL \
                 AND state NOT IN ('cancelled', 'merged') ORDER BY received_at, id",
                &[millis(from).into(), millis(to).into()],
                "reading requests for a hotspot analysis",
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(RequestCase {
                    micro_code: row.text("micro_code").to_owned(),
                    community_code: row.maybe_text("community_code").map(str::to_owned),
                    category: row.text("category").to_owned(),
                    received_at: time(row, "received_at")?,
                })
            })
            .collect()
    }

    async fn save_hotspot_run(
        &self,
        run: &NewHotspotRun,
        keep: u32,
    ) -> Result<Option<i64>, StoreError> {
        const ACTION: &str = "keeping a hotspot analysis";
        let mut writer = self.begin_side_write(ACTION).await?;
        let rows = B::fetch(
            &mut writer.tx,
            "INSERT INTO hotspot_runs \
             (ran_at, trigger, mode, analysis_day, account, significant, body) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            &[
                millis(run.ran_at).into(),
                run.trigger.as_str().into(),
                run.mode.as_str().into(),
                run.analysis_day.as_str().into(),
                run.account.as_deref().into(),
                i64::from(run.significant).into(),
                run.body.as_str().into(),
            ],
            ACTION,
        )
        .await?;
        let Some(id) = rows.first().map(|row| row.integer("id")) else {
            writer.commit(ACTION).await?;
            return Ok(None);
        };
        // Older runs of the same trigger beyond the newest `keep`.
        B::execute(
            &mut writer.tx,
            "DELETE FROM hotspot_runs WHERE trigger = ? AND id NOT IN \
             (SELECT id FROM hotspot_runs WHERE trigger = ? ORDER BY id DESC LIMIT ?)",
            &[
                run.trigger.as_str().into(),
                run.trigger.as_str().into(),
                i64::from(keep.max(1)).into(),
            ],
            ACTION,
        )
        .await?;
        writer.commit(ACTION).await?;
        Ok(Some(id))
    }

    async fn hotspot_run(&self, id: i64) -> Result<Option<StoredHotspotRun>, StoreError> {
        self.read(
            &format!("SELECT {RUN_COLUMNS}, body FROM hotspot_runs WHERE id = ?"),
            &[id.into()],
            "reading a hotspot analysis",
        )
        .await?
        .first()
        .map(|row| run_from_row(row, true))
        .transpose()
    }

    async fn latest_hotspot_run(
        &self,
        trigger: Option<RunTrigger>,
    ) -> Result<Option<StoredHotspotRun>, StoreError> {
        let rows = match trigger {
            Some(trigger) => {
                self.read(
                    &format!(
                        "SELECT {RUN_COLUMNS}, body FROM hotspot_runs WHERE trigger = ? \
                         ORDER BY id DESC LIMIT 1"
                    ),
                    &[trigger.as_str().into()],
                    "reading the latest hotspot analysis",
                )
                .await?
            }
            None => {
                self.read(
                    &format!(
                        "SELECT {RUN_COLUMNS}, body FROM hotspot_runs ORDER BY id DESC LIMIT 1"
                    ),
                    &[],
                    "reading the latest hotspot analysis",
                )
                .await?
            }
        };
        rows.first().map(|row| run_from_row(row, true)).transpose()
    }

    async fn hotspot_runs(&self, limit: u32) -> Result<Vec<StoredHotspotRun>, StoreError> {
        self.read(
            &format!("SELECT {RUN_COLUMNS} FROM hotspot_runs ORDER BY id DESC LIMIT ?"),
            &[i64::from(limit).into()],
            "listing hotspot analyses",
        )
        .await?
        .iter()
        .map(|row| run_from_row(row, false))
        .collect()
    }
}
