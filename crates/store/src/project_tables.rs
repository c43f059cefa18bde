//! [`ProjectRepository`] in the shared SQL.

use async_trait::async_trait;
use binhe_core::projects::EffectCounts;
use binhe_core::ticket::TicketId;
use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::backend::{Columns, ConnectionOf, Run, Value, millis, time};
use crate::projects::{EffectQuery, ProjectRecord, ProjectRepository, StoredProject};
use crate::ticket_tables::parameters;

const COLUMNS: &str = "id, title, goal, state, category, community_code, area, budget_fen, \
    responsible, started_on, finished_on, milestones, hotspot, created_by, created_at, \
    updated_at, version";

fn project_from_row(
    row: &impl Columns,
    tickets: Vec<TicketId>,
) -> Result<StoredProject, StoreError> {
    let id = row.integer("id");
    let area: Vec<String> =
        serde_json::from_str(row.text("area")).map_err(|e| StoreError::Corrupt {
            code: format!("project {id}"),
            detail: format!("area: {e}"),
        })?;
    Ok(StoredProject {
        id,
        version: u32::try_from(row.integer("version")).unwrap_or(0),
        created_by: row.text("created_by").to_owned(),
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
        project: ProjectRecord {
            title: row.text("title").to_owned(),
            goal: row.text("goal").to_owned(),
            state: row.text("state").to_owned(),
            category: row.maybe_text("category").map(str::to_owned),
            community_code: row.maybe_text("community_code").map(str::to_owned),
            area,
            budget_fen: row.maybe_integer("budget_fen"),
            responsible: row.text("responsible").to_owned(),
            started_on: row.maybe_text("started_on").map(str::to_owned),
            finished_on: row.maybe_text("finished_on").map(str::to_owned),
            milestones: row.text("milestones").to_owned(),
            hotspot: row.maybe_text("hotspot").map(str::to_owned),
            tickets,
        },
    })
}

/// The values of a project's own columns, in the order of [`WRITTEN`].
fn written<'a>(p: &'a ProjectRecord, area: &'a str) -> Vec<Value<'a>> {
    vec![
        p.title.as_str().into(),
        p.goal.as_str().into(),
        p.state.as_str().into(),
        p.category.as_deref().into(),
        p.community_code.as_deref().into(),
        area.into(),
        p.budget_fen.into(),
        p.responsible.as_str().into(),
        p.started_on.as_deref().into(),
        p.finished_on.as_deref().into(),
        p.milestones.as_str().into(),
        p.hotspot.as_deref().into(),
    ]
}

const WRITTEN: [&str; 12] = [
    "title",
    "goal",
    "state",
    "category",
    "community_code",
    "area",
    "budget_fen",
    "responsible",
    "started_on",
    "finished_on",
    "milestones",
    "hotspot",
];

/// Links `tickets` to project `id` (its links were removed first, or it is new).
async fn link_tickets<B: Run>(
    conn: &mut ConnectionOf<B>,
    id: i64,
    tickets: &[TicketId],
    action: &'static str,
) -> Result<(), StoreError> {
    if tickets.is_empty() {
        return Ok(());
    }
    let rows: Vec<Vec<Value<'_>>> = tickets
        .iter()
        .map(|&ticket| vec![id.into(), ticket.into()])
        .collect();
    B::insert_rows(
        conn,
        ("project_tickets", "project_id, ticket_id", ""),
        &rows,
        action,
    )
    .await
}

fn area_json(p: &ProjectRecord) -> String {
    serde_json::Value::from(p.area.clone()).to_string()
}

#[async_trait]
impl<B: Run> ProjectRepository for B {
    async fn create_project(
        &self,
        project: &ProjectRecord,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<StoredProject, StoreError> {
        const ACTION: &str = "keeping a governance project";
        let area = area_json(project);
        let mut values = written(project, &area);
        values.extend([
            Value::from(by),
            Value::from(millis(at)),
            Value::from(millis(at)),
            Value::from(1_i64),
        ]);
        let mut writer = self.begin_side_write(ACTION).await?;
        let rows = B::fetch(
            &mut writer.tx,
            &format!(
                "INSERT INTO projects ({}, created_by, created_at, updated_at, version) \
                 VALUES ({}) RETURNING id",
                WRITTEN.join(", "),
                parameters(WRITTEN.len() + 4)
            ),
            &values,
            ACTION,
        )
        .await?;
        let id = rows.first().map_or(0, |row| row.integer("id"));
        link_tickets::<B>(&mut writer.tx, id, &project.tickets, ACTION).await?;
        writer.commit(ACTION).await?;
        Ok(StoredProject {
            id,
            version: 1,
            created_by: by.to_owned(),
            created_at: at,
            updated_at: at,
            project: project.clone(),
        })
    }

    async fn update_project(
        &self,
        id: i64,
        version: u32,
        project: &ProjectRecord,
        at: DateTime<Utc>,
    ) -> Result<Option<StoredProject>, StoreError> {
        const ACTION: &str = "changing a governance project";
        let mut writer = self.begin_side_write(ACTION).await?;
        let rows = B::fetch(
            &mut writer.tx,
            "SELECT version, created_by, created_at FROM projects WHERE id = ?",
            &[id.into()],
            ACTION,
        )
        .await?;
        let Some(row) = rows.first() else {
            writer.commit(ACTION).await?;
            return Ok(None);
        };
        let actual = u32::try_from(row.integer("version")).unwrap_or(0);
        if actual != version {
            return Err(StoreError::ProjectConflict {
                id,
                expected: version,
                actual,
            });
        }
        let created_by = row.text("created_by").to_owned();
        let created_at = time(row, "created_at")?;
        let area = area_json(project);
        let mut values = written(project, &area);
        values.extend([
            Value::from(millis(at)),
            Value::from(i64::from(version + 1)),
            Value::from(id),
        ]);
        let set: Vec<String> = WRITTEN.iter().map(|c| format!("{c} = ?")).collect();
        B::execute(
            &mut writer.tx,
            &format!(
                "UPDATE projects SET {}, updated_at = ?, version = ? WHERE id = ?",
                set.join(", ")
            ),
            &values,
            ACTION,
        )
        .await?;
        B::execute(
            &mut writer.tx,
            "DELETE FROM project_tickets WHERE project_id = ?",
            &[id.into()],
            ACTION,
        )
        .await?;
        link_tickets::<B>(&mut writer.tx, id, &project.tickets, ACTION).await?;
        writer.commit(ACTION).await?;
        Ok(Some(StoredProject {
            id,
            version: version + 1,
            created_by,
            created_at,
            updated_at: at,
            project: project.clone(),
        }))
    }

    async fn project(&self, id: i64) -> Result<Option<StoredProject>, StoreError> {
        const ACTION: &str = "reading a governance project";
        let rows = self
            .read(
                &format!("SELECT {COLUMNS} FROM projects WHERE id = ?"),
                &[id.into()],
                ACTION,
            )
            .await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let tickets = self
            .read(
                "SELECT ticket_id FROM project_tickets WHERE project_id = ? ORDER BY ticket_id",
                &[id.into()],
                ACTION,
            )
            .await?
            .iter()
            .map(|r| r.integer("ticket_id"))
            .collect();
        project_from_row(row, tickets).map(Some)
    }

    async fn projects(&self, community: Option<&str>) -> Result<Vec<StoredProject>, StoreError> {
        const ACTION: &str = "listing governance projects";
        let (rows, links) = match community {
            Some(code) => (
                self.read(
                    &format!(
                        "SELECT {COLUMNS} FROM projects WHERE community_code = ? ORDER BY id DESC"
                    ),
                    &[code.into()],
                    ACTION,
                )
                .await?,
                self.read(
                    "SELECT t.project_id, t.ticket_id FROM project_tickets t \
                     JOIN projects p ON p.id = t.project_id WHERE p.community_code = ? \
                     ORDER BY t.project_id, t.ticket_id",
                    &[code.into()],
                    ACTION,
                )
                .await?,
            ),
            None => (
                self.read(
                    &format!("SELECT {COLUMNS} FROM projects ORDER BY id DESC"),
                    &[],
                    ACTION,
                )
                .await?,
                self.read(
                    "SELECT project_id, ticket_id FROM project_tickets \
                     ORDER BY project_id, ticket_id",
                    &[],
                    ACTION,
                )
                .await?,
            ),
        };
        let mut by_project: std::collections::HashMap<i64, Vec<TicketId>> =
            std::collections::HashMap::new();
        for link in &links {
            by_project
                .entry(link.integer("project_id"))
                .or_default()
                .push(link.integer("ticket_id"));
        }
        rows.iter()
            .map(|row| {
                let tickets = by_project.remove(&row.integer("id")).unwrap_or_default();
                project_from_row(row, tickets)
            })
            .collect()
    }

    async fn existing_tickets(&self, ids: &[TicketId]) -> Result<Vec<TicketId>, StoreError> {
        let mut found = Vec::new();
        for chunk in ids.chunks(B::MAX_BINDS) {
            let values: Vec<Value<'_>> = chunk.iter().map(|&id| id.into()).collect();
            let rows = self
                .read(
                    &format!(
                        "SELECT id FROM tickets WHERE id IN ({}) ORDER BY id",
                        parameters(chunk.len())
                    ),
                    &values,
                    "checking the tickets of a governance project",
                )
                .await?;
            found.extend(rows.iter().map(|r| r.integer("id")));
        }
        found.sort_unstable();
        Ok(found)
    }

    async fn effect_counts(&self, q: &EffectQuery<'_>) -> Result<EffectCounts, StoreError> {
        let list = |codes: &[String], column: &str| {
            if codes.is_empty() {
                "0 = 1".to_owned()
            } else {
                format!("{column} IN ({})", parameters(codes.len()))
            }
        };
        let mut values: Vec<Value<'_>> = Vec::new();
        values.extend(q.micro_codes.iter().map(|c| Value::from(c.as_str())));
        values.extend(q.community_codes.iter().map(|c| Value::from(c.as_str())));
        values.push(millis(q.after.0).into());
        values.extend([
            Value::from(millis(q.before.0)),
            Value::from(millis(q.before.1)),
            Value::from(millis(q.after.0)),
            Value::from(millis(q.after.1)),
        ]);
        if let Some(category) = q.category {
            values.push(category.into());
        }
        let sql = format!(
            "SELECT CAST(CASE WHEN {} OR {} THEN 1 ELSE 0 END AS BIGINT) AS in_area, \
             CAST(CASE WHEN received_at >= ? THEN 1 ELSE 0 END AS BIGINT) AS after_end, \
             COUNT(*) AS n FROM tickets \
             WHERE ((received_at >= ? AND received_at < ?) OR (received_at >= ? AND received_at < ?)) \
             AND state NOT IN ('cancelled', 'merged') AND channel <> 'proactive'{} \
             GROUP BY 1, 2",
            list(q.micro_codes, "micro_code"),
            list(q.community_codes, "community_code"),
            if q.category.is_some() {
                " AND category = ?"
            } else {
                ""
            },
        );
        let rows = self
            .read(&sql, &values, "counting requests for a project's effect")
            .await?;
        let mut counts = EffectCounts::default();
        for row in &rows {
            let n = u64::try_from(row.integer("n")).unwrap_or(0);
            match (row.integer("in_area") == 1, row.integer("after_end") == 1) {
                (true, false) => counts.area_before += n,
                (true, true) => counts.area_after += n,
                (false, false) => counts.rest_before += n,
                (false, true) => counts.rest_after += n,
            }
        }
        Ok(counts)
    }
}
