//! [`CircleRepository`] in the shared SQL.

use std::collections::BTreeMap;

use async_trait::async_trait;
use binhe_core::circles::Votes;
use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::backend::{Columns, Run, Value, conditions, millis, time};
use crate::circles::{
    CircleRepository, CostRecord, DeliberationFilter, DeliberationRecord, MemberFilter,
    MemberRecord, Payment, ShareRecord, StoredDeliberation, StoredMember,
};
use crate::ticket_tables::parameters;

const MEMBER_COLUMNS: &str = "id, community_code, micro_code, circle, name, contact, phone, \
    address, area_m2, party_member, added_by, joined_at, left_at";

const DELIBERATION_COLUMNS: &str = "id, community_code, micro_code, topic, place, held_at, \
    ticket_id, project_id, attendees, minutes, decision, votes_for, votes_against, \
    votes_abstain, cost_item, cost_fen, cost_rule, solved_at, recorded_by, recorded_at";

fn maybe_time(row: &impl Columns, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    row.maybe_integer(column)
        .map(|ms| {
            DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Corrupt {
                code: column.to_owned(),
                detail: "time out of range".to_owned(),
            })
        })
        .transpose()
}

fn count(row: &impl Columns, column: &str) -> Option<u32> {
    row.maybe_integer(column)
        .map(|n| u32::try_from(n).unwrap_or(0))
}

fn member_from_row(row: &impl Columns) -> Result<StoredMember, StoreError> {
    Ok(StoredMember {
        id: row.integer("id"),
        member: MemberRecord {
            community_code: row.text("community_code").to_owned(),
            micro_code: row.maybe_text("micro_code").map(str::to_owned),
            circle: row.text("circle").to_owned(),
            name: row.text("name").to_owned(),
            contact: row.text("contact").to_owned(),
            phone: row.text("phone").to_owned(),
            address: row.text("address").to_owned(),
            area_m2: row.maybe_real("area_m2"),
            party_member: row.flag("party_member"),
        },
        added_by: row.text("added_by").to_owned(),
        joined_at: time(row, "joined_at")?,
        left_at: maybe_time(row, "left_at")?,
    })
}

fn deliberation_from_row(row: &impl Columns) -> Result<StoredDeliberation, StoreError> {
    let votes = match (
        count(row, "votes_for"),
        count(row, "votes_against"),
        count(row, "votes_abstain"),
    ) {
        (Some(in_favour), Some(against), Some(abstain)) => Some(Votes {
            in_favour,
            against,
            abstain,
        }),
        _ => None,
    };
    let cost = match (row.maybe_integer("cost_fen"), row.maybe_text("cost_rule")) {
        (Some(total_fen), Some(rule)) => Some(CostRecord {
            item: row.maybe_text("cost_item").unwrap_or_default().to_owned(),
            total_fen,
            rule: rule.to_owned(),
        }),
        _ => None,
    };
    Ok(StoredDeliberation {
        id: row.integer("id"),
        deliberation: DeliberationRecord {
            community_code: row.text("community_code").to_owned(),
            micro_code: row.maybe_text("micro_code").map(str::to_owned),
            topic: row.text("topic").to_owned(),
            place: row.text("place").to_owned(),
            held_at: time(row, "held_at")?,
            ticket_id: row.maybe_integer("ticket_id"),
            project_id: row.maybe_integer("project_id"),
            participants: Vec::new(),
            attendees: count(row, "attendees").unwrap_or(0),
            minutes: row.text("minutes").to_owned(),
            decision: row.text("decision").to_owned(),
            votes,
            cost,
            shares: Vec::new(),
        },
        solved_at: maybe_time(row, "solved_at")?,
        recorded_by: row.text("recorded_by").to_owned(),
        recorded_at: time(row, "recorded_at")?,
    })
}

impl<B: Run> CircleTables for B {}

/// Reads the participants and shares of meetings read without them.
#[async_trait]
trait CircleTables: Run {
    async fn with_people(
        &self,
        mut kept: Vec<StoredDeliberation>,
    ) -> Result<Vec<StoredDeliberation>, StoreError> {
        const ACTION: &str = "reading who was at a meeting and what they share";
        let mut at: BTreeMap<i64, usize> = BTreeMap::new();
        for (i, d) in kept.iter().enumerate() {
            at.insert(d.id, i);
        }
        let ids: Vec<i64> = at.keys().copied().collect();
        for chunk in ids.chunks(Self::MAX_BINDS) {
            let values: Vec<Value<'_>> = chunk.iter().map(|&id| id.into()).collect();
            let marks = parameters(chunk.len());
            let participants = self
                .read(
                    &format!(
                        "SELECT deliberation_id, member_id FROM deliberation_participants \
                         WHERE deliberation_id IN ({marks}) ORDER BY deliberation_id, member_id"
                    ),
                    &values,
                    ACTION,
                )
                .await?;
            for row in &participants {
                if let Some(&i) = at.get(&row.integer("deliberation_id")) {
                    kept[i]
                        .deliberation
                        .participants
                        .push(row.integer("member_id"));
                }
            }
            let shares = self
                .read(
                    &format!(
                        "SELECT deliberation_id, member_id, area_m2, agreed_fen, amount_fen, \
                         paid_at, paid_recorded_by FROM cost_shares \
                         WHERE deliberation_id IN ({marks}) ORDER BY deliberation_id, position"
                    ),
                    &values,
                    ACTION,
                )
                .await?;
            for row in &shares {
                let paid = match (
                    maybe_time(row, "paid_at")?,
                    row.maybe_text("paid_recorded_by"),
                ) {
                    (Some(at), by) => Some(Payment {
                        at,
                        by: by.unwrap_or_default().to_owned(),
                    }),
                    (None, _) => None,
                };
                if let Some(&i) = at.get(&row.integer("deliberation_id")) {
                    kept[i].deliberation.shares.push(ShareRecord {
                        member_id: row.integer("member_id"),
                        area_m2: row.maybe_real("area_m2"),
                        agreed_fen: row.maybe_integer("agreed_fen"),
                        amount_fen: row.integer("amount_fen"),
                        paid,
                    });
                }
            }
        }
        Ok(kept)
    }
}

#[async_trait]
impl<B: Run> CircleRepository for B {
    async fn add_member(
        &self,
        m: &MemberRecord,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<StoredMember, StoreError> {
        let values: Vec<Value<'_>> = vec![
            m.community_code.as_str().into(),
            m.micro_code.as_deref().into(),
            m.circle.as_str().into(),
            m.name.as_str().into(),
            m.contact.as_str().into(),
            m.phone.as_str().into(),
            m.address.as_str().into(),
            m.area_m2.into(),
            m.party_member.into(),
            by.into(),
            millis(at).into(),
        ];
        let rows = self
            .write_one(
                &format!(
                    "INSERT INTO circle_members (community_code, micro_code, circle, name, \
                     contact, phone, address, area_m2, party_member, added_by, joined_at) \
                     VALUES ({}) RETURNING id",
                    parameters(values.len())
                ),
                &values,
                "keeping a circle member",
            )
            .await?;
        Ok(StoredMember {
            id: rows.first().map_or(0, |row| row.integer("id")),
            member: m.clone(),
            added_by: by.to_owned(),
            joined_at: at,
            left_at: None,
        })
    }

    async fn members_by_id(&self, ids: &[i64]) -> Result<Vec<StoredMember>, StoreError> {
        let mut members = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(B::MAX_BINDS) {
            let values: Vec<Value<'_>> = chunk.iter().map(|&id| id.into()).collect();
            let rows = self
                .read(
                    &format!(
                        "SELECT {MEMBER_COLUMNS} FROM circle_members WHERE id IN ({}) \
                         ORDER BY id",
                        parameters(chunk.len())
                    ),
                    &values,
                    "reading circle members",
                )
                .await?;
            for row in &rows {
                members.push(member_from_row(row)?);
            }
        }
        members.sort_by_key(|m| m.id);
        Ok(members)
    }

    async fn members(&self, filter: &MemberFilter<'_>) -> Result<Vec<StoredMember>, StoreError> {
        let (mut clause, values) = conditions(&[
            ("community_code", filter.community),
            ("micro_code", filter.micro),
            ("circle", filter.circle),
        ]);
        if !filter.with_former {
            clause.push_str(" AND left_at IS NULL");
        }
        let rows = self
            .read(
                &format!(
                    "SELECT {MEMBER_COLUMNS} FROM circle_members WHERE 1 = 1{clause} \
                     ORDER BY circle, name, id"
                ),
                &values,
                "listing circle members",
            )
            .await?;
        rows.iter().map(member_from_row).collect()
    }

    async fn leave_circle(
        &self,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<StoredMember>, StoreError> {
        const ACTION: &str = "taking a member out of their circle";
        let mut writer = self.begin_side_write(ACTION).await?;
        B::execute(
            &mut writer.tx,
            "UPDATE circle_members SET left_at = ? WHERE id = ? AND left_at IS NULL",
            &[millis(at).into(), id.into()],
            ACTION,
        )
        .await?;
        let rows = B::fetch(
            &mut writer.tx,
            &format!("SELECT {MEMBER_COLUMNS} FROM circle_members WHERE id = ?"),
            &[id.into()],
            ACTION,
        )
        .await?;
        writer.commit(ACTION).await?;
        rows.first().map(member_from_row).transpose()
    }

    async fn add_deliberation(
        &self,
        d: &DeliberationRecord,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<StoredDeliberation, StoreError> {
        const ACTION: &str = "keeping a meeting of the circles";
        let votes = |pick: fn(&Votes) -> u32| d.votes.as_ref().map(|v| i64::from(pick(v)));
        let values: Vec<Value<'_>> = vec![
            d.community_code.as_str().into(),
            d.micro_code.as_deref().into(),
            d.topic.as_str().into(),
            d.place.as_str().into(),
            millis(d.held_at).into(),
            d.ticket_id.into(),
            d.project_id.into(),
            i64::from(d.attendees).into(),
            d.minutes.as_str().into(),
            d.decision.as_str().into(),
            votes(|v| v.in_favour).into(),
            votes(|v| v.against).into(),
            votes(|v| v.abstain).into(),
            d.cost.as_ref().map(|c| c.item.as_str()).into(),
            d.cost.as_ref().map(|c| c.total_fen).into(),
            d.cost.as_ref().map(|c| c.rule.as_str()).into(),
            by.into(),
            millis(at).into(),
        ];
        let mut writer = self.begin_side_write(ACTION).await?;
        let rows = B::fetch(
            &mut writer.tx,
            &format!(
                "INSERT INTO deliberations (community_code, micro_code, topic, place, held_at, \
                 ticket_id, project_id, attendees, minutes, decision, votes_for, votes_against, \
                 votes_abstain, cost_item, cost_fen, cost_rule, recorded_by, recorded_at) \
                 VALUES ({}) RETURNING id",
                parameters(values.len())
            ),
            &values,
            ACTION,
        )
        .await?;
        let id = rows.first().map_or(0, |row| row.integer("id"));
        let mut participants = d.participants.clone();
        participants.sort_unstable();
        participants.dedup();
        let named: Vec<Vec<Value<'_>>> = participants
            .iter()
            .map(|&member| vec![id.into(), member.into()])
            .collect();
        if !named.is_empty() {
            B::insert_rows(
                &mut writer.tx,
                (
                    "deliberation_participants",
                    "deliberation_id, member_id",
                    "",
                ),
                &named,
                ACTION,
            )
            .await?;
        }
        let shares: Vec<Vec<Value<'_>>> = d
            .shares
            .iter()
            .zip(0_i64..)
            .map(|(s, position)| {
                vec![
                    id.into(),
                    s.member_id.into(),
                    position.into(),
                    s.area_m2.into(),
                    s.agreed_fen.into(),
                    s.amount_fen.into(),
                    s.paid.as_ref().map(|p| millis(p.at)).into(),
                    s.paid.as_ref().map(|p| p.by.as_str()).into(),
                ]
            })
            .collect();
        if !shares.is_empty() {
            B::insert_rows(
                &mut writer.tx,
                (
                    "cost_shares",
                    "deliberation_id, member_id, position, area_m2, agreed_fen, amount_fen, \
                     paid_at, paid_recorded_by",
                    "",
                ),
                &shares,
                ACTION,
            )
            .await?;
        }
        writer.commit(ACTION).await?;
        let mut deliberation = d.clone();
        deliberation.participants = participants;
        Ok(StoredDeliberation {
            id,
            deliberation,
            solved_at: None,
            recorded_by: by.to_owned(),
            recorded_at: at,
        })
    }

    async fn deliberation(&self, id: i64) -> Result<Option<StoredDeliberation>, StoreError> {
        let rows = self
            .read(
                &format!("SELECT {DELIBERATION_COLUMNS} FROM deliberations WHERE id = ?"),
                &[id.into()],
                "reading a meeting of the circles",
            )
            .await?;
        let kept: Vec<StoredDeliberation> = rows
            .iter()
            .map(deliberation_from_row)
            .collect::<Result<_, _>>()?;
        Ok(self.with_people(kept).await?.pop())
    }

    async fn deliberations(
        &self,
        filter: &DeliberationFilter<'_>,
    ) -> Result<Vec<StoredDeliberation>, StoreError> {
        let (mut clause, mut values) = conditions(&[
            ("community_code", filter.community),
            ("micro_code", filter.micro),
        ]);
        if let Some((from, until)) = filter.solved_between {
            clause.push_str(" AND solved_at >= ? AND solved_at < ?");
            values.push(millis(from).into());
            values.push(millis(until).into());
        }
        values.push(i64::from(filter.limit).into());
        let rows = self
            .read(
                &format!(
                    "SELECT {DELIBERATION_COLUMNS} FROM deliberations WHERE 1 = 1{clause} \
                     ORDER BY held_at DESC, id DESC LIMIT ?"
                ),
                &values,
                "listing meetings of the circles",
            )
            .await?;
        let kept: Vec<StoredDeliberation> = rows
            .iter()
            .map(deliberation_from_row)
            .collect::<Result<_, _>>()?;
        self.with_people(kept).await
    }

    async fn set_share_paid(
        &self,
        id: i64,
        member: i64,
        paid: Option<Payment>,
    ) -> Result<bool, StoreError> {
        let rows = self
            .write_one(
                "UPDATE cost_shares SET paid_at = ?, paid_recorded_by = ? \
                 WHERE deliberation_id = ? AND member_id = ? RETURNING member_id",
                &[
                    paid.as_ref().map(|p| millis(p.at)).into(),
                    paid.as_ref().map(|p| p.by.as_str()).into(),
                    id.into(),
                    member.into(),
                ],
                "recording a share as paid",
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn set_solved(&self, id: i64, at: Option<DateTime<Utc>>) -> Result<bool, StoreError> {
        let rows = self
            .write_one(
                "UPDATE deliberations SET solved_at = ? WHERE id = ? RETURNING id",
                &[at.map(millis).into(), id.into()],
                "marking a meeting's problem solved",
            )
            .await?;
        Ok(!rows.is_empty())
    }
}
