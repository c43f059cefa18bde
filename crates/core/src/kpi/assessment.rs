//! 考核: a weighted score per community, micro-grid or worker from its 响应率, 解决率 and
//! 满意率, and a ranking in which equal scores share a place (1, 2, 2, 4).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::metrics::{KpiCounts, KpiFacts};
use super::period::Window;
use super::{KpiError, Rate};
pub use crate::vocabulary::SubjectKind;

/// The weight of each rate in the score, in per cent of the whole.
///
/// ```
/// use binhe_core::kpi::Weights;
///
/// assert_eq!(Weights::default().response(), 30.0);
/// assert!(Weights::new(40.0, 40.0, 40.0).is_err(), "they must add up to 100");
/// assert!(Weights::new(-10.0, 55.0, 55.0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WeightParts", into = "WeightParts")]
pub struct Weights {
    response: f64,
    resolution: f64,
    satisfaction: f64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct WeightParts {
    response: f64,
    resolution: f64,
    satisfaction: f64,
}

impl TryFrom<WeightParts> for Weights {
    type Error = KpiError;

    fn try_from(parts: WeightParts) -> Result<Self, Self::Error> {
        Self::new(parts.response, parts.resolution, parts.satisfaction)
    }
}

impl From<Weights> for WeightParts {
    fn from(weights: Weights) -> Self {
        Self {
            response: weights.response,
            resolution: weights.resolution,
            satisfaction: weights.satisfaction,
        }
    }
}

impl Default for Weights {
    /// 30/35/35, the published Beijing weighting.
    fn default() -> Self {
        Self {
            response: 30.0,
            resolution: 35.0,
            satisfaction: 35.0,
        }
    }
}

/// How far from 100 a sum of weights may be (rounding in a form).
const SUM_TOLERANCE: f64 = 1e-6;

impl Weights {
    /// Each weight a finite number ≥ 0, together 100.
    pub fn new(response: f64, resolution: f64, satisfaction: f64) -> Result<Self, KpiError> {
        for (weight, value) in [
            ("response", response),
            ("resolution", resolution),
            ("satisfaction", satisfaction),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(KpiError::InvalidWeight { weight, value });
            }
        }
        let sum = response + resolution + satisfaction;
        if (sum - 100.0).abs() > SUM_TOLERANCE {
            return Err(KpiError::WeightsNotHundred { sum });
        }
        Ok(Self {
            response,
            resolution,
            satisfaction,
        })
    }

    pub fn response(&self) -> f64 {
        self.response
    }

    pub fn resolution(&self) -> f64 {
        self.resolution
    }

    pub fn satisfaction(&self) -> f64 {
        self.satisfaction
    }

    /// The score out of 100: the weighted mean of the rates that have a value, the weights of
    /// the others shared out among them; `None` when no weighted rate has a value.
    pub fn score(&self, response: Rate, resolution: Rate, satisfaction: Rate) -> Option<f64> {
        let (mut points, mut weight) = (0.0, 0.0);
        for (w, rate) in [
            (self.response, response),
            (self.resolution, resolution),
            (self.satisfaction, satisfaction),
        ] {
            if let Some(value) = rate.value()
                && w > 0.0
            {
                points += w * value;
                weight += w;
            }
        }
        // Two decimals, the precision shown, so that equal-looking scores tie.
        (weight > 0.0).then(|| (points / weight * 10_000.0).round() / 100.0)
    }
}

impl SubjectKind {
    fn key(self, fact: &KpiFacts) -> Option<&str> {
        match self {
            Self::Community => fact.community.as_ref().map(crate::GridCode::as_str),
            Self::Micro => fact.micro.as_ref().map(crate::GridCode::as_str),
            Self::Worker => fact.worker.as_deref(),
        }
    }
}

/// One row of the ranking table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// Grid code or worker id.
    pub subject: String,
    pub name: String,
    pub received: u64,
    pub response: Rate,
    pub resolution: Rate,
    pub satisfaction: Rate,
    /// Out of 100; `None` for a subject with nothing to assess.
    pub score: Option<f64>,
    /// 1 for the best; equal scores share a rank and the next rank skips (1, 2, 2, 4).
    pub rank: Option<u32>,
}

/// What the score of one subject needs: its 受理量 and its three rates, as counted over a window
/// by [`KpiCounts::count`] or by the store in SQL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectCounts {
    pub received: u64,
    pub response: Rate,
    pub resolution: Rate,
    pub satisfaction: Rate,
}

impl From<&KpiCounts> for SubjectCounts {
    fn from(counts: &KpiCounts) -> Self {
        Self {
            received: counts.received,
            response: counts.response,
            resolution: counts.resolution,
            satisfaction: counts.satisfaction,
        }
    }
}

/// Scores and ranks every subject of `kind` over `window`. `subjects` lists them all as (key,
/// name), so that one without tickets still shows, last and without a score; a subject found in
/// the facts but not listed shows under its key.
pub fn assess(
    facts: &[KpiFacts],
    window: Window,
    kind: SubjectKind,
    subjects: &[(String, String)],
    weights: &Weights,
    as_of: DateTime<Utc>,
) -> Vec<Assessment> {
    let mut groups: BTreeMap<&str, Vec<&KpiFacts>> = BTreeMap::new();
    for fact in facts {
        if let Some(key) = kind.key(fact) {
            groups.entry(key).or_default().push(fact);
        }
    }
    let counted: Vec<(String, SubjectCounts)> = groups
        .into_iter()
        .map(|(key, facts)| {
            let counts = KpiCounts::count(facts, window, as_of);
            (key.to_owned(), SubjectCounts::from(&counts))
        })
        .collect();
    rank(&counted, subjects, weights)
}

/// Scores and ranks subjects from their counts. `subjects` lists them all as (key, name), so
/// that one without counts still shows, last and without a score; a subject counted but not
/// listed shows under its key.
///
/// ```
/// use binhe_core::kpi::{Rate, SubjectCounts, Weights, rank};
///
/// let busy = SubjectCounts {
///     received: 2,
///     response: Rate::new(2, 2).unwrap(),
///     ..SubjectCounts::default()
/// };
/// let subjects = [("A".to_owned(), "甲社区".to_owned()), ("B".to_owned(), "乙社区".to_owned())];
/// let rows = rank(&[("B".to_owned(), busy)], &subjects, &Weights::default());
/// assert_eq!((rows[0].subject.as_str(), rows[0].rank), ("B", Some(1)));
/// assert_eq!((rows[1].subject.as_str(), rows[1].score), ("A", None));
/// ```
pub fn rank(
    counted: &[(String, SubjectCounts)],
    subjects: &[(String, String)],
    weights: &Weights,
) -> Vec<Assessment> {
    let mut groups: BTreeMap<&str, (String, SubjectCounts)> = subjects
        .iter()
        .map(|(key, name)| (key.as_str(), (name.clone(), SubjectCounts::default())))
        .collect();
    for (key, counts) in counted {
        groups
            .entry(key)
            .or_insert_with(|| (key.clone(), SubjectCounts::default()))
            .1 = *counts;
    }
    let mut rows: Vec<Assessment> = groups
        .into_iter()
        .map(|(key, (name, counts))| Assessment {
            subject: key.to_owned(),
            name,
            received: counts.received,
            response: counts.response,
            resolution: counts.resolution,
            satisfaction: counts.satisfaction,
            score: weights.score(counts.response, counts.resolution, counts.satisfaction),
            rank: None,
        })
        .collect();
    // Best first, unscored last; ties in key order so the table is stable.
    rows.sort_by(|a, b| match (a.score, b.score) {
        (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.subject.cmp(&b.subject)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.subject.cmp(&b.subject),
    });
    let mut previous: Option<(f64, u32)> = None;
    for (position, row) in rows.iter_mut().enumerate() {
        let Some(score) = row.score else { break };
        let rank = match previous {
            // Scores are rounded to hundredths, so equal means equal.
            Some((prev, rank)) if prev.total_cmp(&score).is_eq() => rank,
            _ => position as u32 + 1,
        };
        row.rank = Some(rank);
        previous = Some((score, rank));
    }
    rows
}
