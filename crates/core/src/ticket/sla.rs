//! Deadlines (SLA) per category class and urgency, and how a ticket stands against them.
//!
//! The figures are a configurable table, not constants: the defaults are the commonly quoted
//! ones (urgent safety 2 h, water/power/gas/heating 24 h, ordinary 7 days, complex 15 days;
//! first contact within 24 h).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::Urgency;
pub use crate::vocabulary::{SlaClass, SlaStatus};

/// One row: how long a class of request may take, at one urgency.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SlaRule {
    pub class: SlaClass,
    pub urgency: Urgency,
    pub resolve_hours: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaTable {
    /// First contact with the requester (响应) is due within this many hours, or by the
    /// resolution deadline if that comes first.
    pub contact_hours: f64,
    pub rules: Vec<SlaRule>,
    /// Share of the window left at which a ticket shows as soon due.
    pub due_soon_share: f64,
}

fn hours(h: f64) -> Duration {
    Duration::milliseconds((h * 3_600_000.0).round() as i64)
}

impl SlaTable {
    pub fn defaults() -> Self {
        let mut rules = Vec::new();
        for (class, normal, urgent) in [
            (SlaClass::UrgentSafety, 2.0, 2.0),
            (SlaClass::Utilities, 24.0, 12.0),
            (SlaClass::Ordinary, 7.0 * 24.0, 3.0 * 24.0),
            (SlaClass::Complex, 15.0 * 24.0, 7.0 * 24.0),
        ] {
            rules.push(SlaRule {
                class,
                urgency: Urgency::Normal,
                resolve_hours: normal,
            });
            rules.push(SlaRule {
                class,
                urgency: Urgency::Urgent,
                resolve_hours: urgent,
            });
        }
        Self {
            contact_hours: 24.0,
            rules,
            due_soon_share: 0.2,
        }
    }

    /// Hours to resolve; a class missing from the table falls back to the strictest rule so a
    /// gap in configuration never makes a ticket look relaxed.
    pub fn resolve_hours(&self, class: SlaClass, urgency: Urgency) -> f64 {
        self.rules
            .iter()
            .find(|r| r.class == class && r.urgency == urgency)
            .or_else(|| self.rules.iter().find(|r| r.class == class))
            .map_or_else(
                || {
                    self.rules
                        .iter()
                        .map(|r| r.resolve_hours)
                        .fold(2.0, f64::min)
                },
                |r| r.resolve_hours,
            )
    }

    /// (first-contact deadline, closure deadline) for a ticket received at `received_at`.
    pub fn deadlines(
        &self,
        class: SlaClass,
        urgency: Urgency,
        received_at: DateTime<Utc>,
    ) -> (DateTime<Utc>, DateTime<Utc>) {
        let resolve = self.resolve_hours(class, urgency);
        let contact = self.contact_hours.min(resolve);
        (received_at + hours(contact), received_at + hours(resolve))
    }

    /// Where a ticket stands at `now`. `finished_at` is when it left the desk (closed,
    /// cancelled or merged), if it has.
    pub fn status(
        &self,
        received_at: DateTime<Utc>,
        due_at: DateTime<Utc>,
        finished_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> SlaStatus {
        if let Some(finished) = finished_at {
            return if finished <= due_at {
                SlaStatus::Met
            } else {
                SlaStatus::Missed
            };
        }
        if now > due_at {
            return SlaStatus::Overdue;
        }
        let window = (due_at - received_at).num_milliseconds().max(1) as f64;
        let left = (due_at - now).num_milliseconds() as f64;
        if left <= window * self.due_soon_share {
            SlaStatus::DueSoon
        } else {
            SlaStatus::OnTime
        }
    }

    /// Problems that make the table unusable, in English and Chinese.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let positive = |h: f64| h.is_finite() && h > 0.0 && h <= 24.0 * 365.0;
        if !positive(self.contact_hours) {
            problems.push((
                "contact_hours must be between 0 and 8760".to_owned(),
                "首次联系时限须在 0–8760 小时之间".to_owned(),
            ));
        }
        if !(self.due_soon_share.is_finite() && (0.0..1.0).contains(&self.due_soon_share)) {
            problems.push((
                "due_soon_share must be at least 0 and below 1".to_owned(),
                "临期提醒比例须在 0 到 1 之间".to_owned(),
            ));
        }
        for class in SlaClass::ALL {
            for urgency in [Urgency::Normal, Urgency::Urgent] {
                let rows: Vec<&SlaRule> = self
                    .rules
                    .iter()
                    .filter(|r| r.class == class && r.urgency == urgency)
                    .collect();
                if rows.len() != 1 || !positive(rows[0].resolve_hours) {
                    problems.push((
                        format!(
                            "SLA table needs exactly one positive rule for {class:?}/{}",
                            urgency.as_str()
                        ),
                        format!(
                            "时限表中“{}/{}”须有且仅有一条大于 0 的规则",
                            class.label_zh(),
                            if urgency == Urgency::Urgent {
                                "紧急"
                            } else {
                                "一般"
                            }
                        ),
                    ));
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, hour, 0, 0).unwrap()
    }

    #[test]
    fn defaults_give_the_quoted_deadlines() {
        let table = SlaTable::defaults();
        assert!(table.problems().is_empty());
        let (contact, due) = table.deadlines(SlaClass::UrgentSafety, Urgency::Normal, at(0));
        assert_eq!(
            (contact - at(0)).num_hours(),
            2,
            "contact never later than closure"
        );
        assert_eq!((due - at(0)).num_hours(), 2);
        let (contact, due) = table.deadlines(SlaClass::Ordinary, Urgency::Normal, at(0));
        assert_eq!((contact - at(0)).num_hours(), 24);
        assert_eq!((due - at(0)).num_days(), 7);
        let (_, due) = table.deadlines(SlaClass::Complex, Urgency::Normal, at(0));
        assert_eq!((due - at(0)).num_days(), 15);
    }

    #[test]
    fn status_moves_from_on_time_to_due_soon_to_overdue() {
        let table = SlaTable::defaults();
        let (received, due) = (at(0), at(10));
        assert_eq!(table.status(received, due, None, at(1)), SlaStatus::OnTime);
        assert_eq!(table.status(received, due, None, at(8)), SlaStatus::DueSoon);
        assert_eq!(
            table.status(received, due, None, at(10)),
            SlaStatus::DueSoon
        );
        assert_eq!(
            table.status(received, due, None, at(11)),
            SlaStatus::Overdue
        );
        assert_eq!(
            table.status(received, due, Some(at(9)), at(20)),
            SlaStatus::Met
        );
        assert_eq!(
            table.status(received, due, Some(at(12)), at(20)),
            SlaStatus::Missed
        );
    }

    #[test]
    fn missing_rule_falls_back_to_the_strictest() {
        let mut table = SlaTable::defaults();
        table.rules.retain(|r| r.class != SlaClass::Complex);
        assert!((table.resolve_hours(SlaClass::Complex, Urgency::Normal) - 2.0).abs() < 1e-9);
        assert_eq!(table.problems().len(), 2);
    }
}
