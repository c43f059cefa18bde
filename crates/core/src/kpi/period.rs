//! Reporting periods in Beijing time: a calendar month, a calendar year, or an explicit range.
//!
//! A month or year starts at 00:00 Beijing time (16:00 UTC the day before), so a request at
//! 2026-01-31T16:30Z belongs to February.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::KpiError;
use crate::ticket::intake::beijing;

/// The longest range a report may cover; longer ones are almost always a typo in a year.
pub const MAX_RANGE_YEARS: u32 = 5;
/// Years outside this span are refused as typos rather than computed.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// What the period was asked as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PeriodKind {
    Month { year: i32, month: u32 },
    Year { year: i32 },
    Range,
}

/// A validated half-open span of time `[from, to)`.
///
/// ```
/// use binhe_core::kpi::Period;
/// use chrono::{TimeZone, Utc};
///
/// let now = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
/// let february = Period::month(2026, 2, now).unwrap();
/// assert_eq!(february.from(), Utc.with_ymd_and_hms(2026, 1, 31, 16, 0, 0).unwrap());
/// assert!(Period::month(2027, 1, now).is_err(), "a future month is refused");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    kind: PeriodKind,
}

/// The first instant of a Beijing calendar month, in UTC.
pub fn month_start(year: i32, month: u32) -> Option<DateTime<Utc>> {
    NaiveDate::from_ymd_opt(year, month, 1)?
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(beijing())
        .single()
        .map(|t| t.to_utc())
}

/// The Beijing calendar month an instant falls in.
pub fn beijing_month(at: DateTime<Utc>) -> (i32, u32) {
    let local = at.with_timezone(&beijing());
    (local.year(), local.month())
}

fn next_month(year: i32, month: u32) -> (i32, u32) {
    if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    }
}

/// The same Beijing wall-clock moment twelve months earlier; 29 February becomes the 28th.
pub fn year_before(at: DateTime<Utc>) -> DateTime<Utc> {
    let local = at.with_timezone(&beijing()).naive_local();
    local
        .checked_sub_months(Months::new(12))
        .and_then(|earlier| earlier.and_local_timezone(beijing()).single())
        .map_or(at, |t| t.to_utc())
}

/// How many calendar months `[from, to)` spans: each Beijing month it overlaps adds the share of
/// that month it covers, so whole months count 1 each whatever their length, and an empty or
/// inverted span counts 0.
pub fn month_equivalents(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    let mut total = 0.0;
    let (mut year, mut month) = beijing_month(from);
    while let Some(start) = month_start(year, month) {
        if start >= to {
            break;
        }
        let (next_year, next) = next_month(year, month);
        let Some(end) = month_start(next_year, next) else {
            break;
        };
        let overlap = (end.min(to) - start.max(from)).num_milliseconds();
        if overlap > 0 {
            total += overlap as f64 / (end - start).num_milliseconds() as f64;
        }
        (year, month) = (next_year, next);
    }
    total
}

impl Period {
    /// A Beijing calendar month, refused if it starts after `now`.
    pub fn month(year: i32, month: u32, now: DateTime<Utc>) -> Result<Self, KpiError> {
        let bad = || KpiError::InvalidMonth { year, month };
        if !YEARS.contains(&year) {
            return Err(KpiError::InvalidYear { year });
        }
        let from = month_start(year, month).ok_or_else(bad)?;
        let (next_year, next) = next_month(year, month);
        let to = month_start(next_year, next).ok_or_else(bad)?;
        Self::checked(from, to, PeriodKind::Month { year, month }, now)
    }

    /// A Beijing calendar year, refused if it starts after `now`.
    pub fn year(year: i32, now: DateTime<Utc>) -> Result<Self, KpiError> {
        let bad = || KpiError::InvalidYear { year };
        if !YEARS.contains(&year) {
            return Err(bad());
        }
        let from = month_start(year, 1).ok_or_else(bad)?;
        let to = month_start(year + 1, 1).ok_or_else(bad)?;
        Self::checked(from, to, PeriodKind::Year { year }, now)
    }

    /// An explicit range `[from, to)`: `from` must come before `to`, the range may span at most
    /// [`MAX_RANGE_YEARS`] years, and it may not start after `now` (it may end after it: the
    /// figures are then "to date").
    pub fn range(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Self, KpiError> {
        Self::checked(from, to, PeriodKind::Range, now)
    }

    fn checked(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        kind: PeriodKind,
        now: DateTime<Utc>,
    ) -> Result<Self, KpiError> {
        if from >= to {
            return Err(KpiError::InvalidRange { from, to });
        }
        let longest = from
            .with_timezone(&beijing())
            .checked_add_months(Months::new(12 * MAX_RANGE_YEARS));
        if longest.is_none_or(|limit| to > limit) {
            return Err(KpiError::RangeTooLong {
                from,
                to,
                max_years: MAX_RANGE_YEARS,
            });
        }
        if from > now {
            return Err(KpiError::FuturePeriod { from, now });
        }
        Ok(Self { from, to, kind })
    }

    pub fn from(&self) -> DateTime<Utc> {
        self.from
    }

    /// The end, exclusive.
    pub fn to(&self) -> DateTime<Utc> {
        self.to
    }

    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    /// The part of the period that has happened by `as_of`: `[from, min(to, as_of))`.
    pub fn elapsed(&self, as_of: DateTime<Utc>) -> Window {
        Window {
            from: self.from,
            to: self.to,
        }
        .clipped(as_of)
    }

    /// The Beijing calendar months the period touches, each clipped to the period: 12 for a
    /// year, 1 for a month.
    pub fn months(&self) -> Vec<(i32, u32, Window)> {
        let mut months = Vec::new();
        let (mut year, mut month) = beijing_month(self.from);
        while let Some(start) = month_start(year, month) {
            if start >= self.to {
                break;
            }
            let (next_year, next) = next_month(year, month);
            let Some(end) = month_start(next_year, next) else {
                break;
            };
            months.push((
                year,
                month,
                Window {
                    from: start.max(self.from),
                    to: end.min(self.to),
                },
            ));
            (year, month) = (next_year, next);
        }
        months
    }
}

/// A half-open span of time `[from, to)` the figures are counted over; may be empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Window {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }

    /// Calendar months covered, see [`month_equivalents`].
    pub fn months(&self) -> f64 {
        month_equivalents(self.from, self.to)
    }

    /// The same window a year earlier, for year-over-year comparison.
    #[must_use]
    pub fn year_before(&self) -> Self {
        Self {
            from: year_before(self.from),
            to: year_before(self.to),
        }
    }

    /// The end the overdue count looks back from: the window's end, unless the window lies
    /// wholly after `as_of` (a month still to come has no end to look back from yet).
    pub fn snapshot(&self, as_of: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let window = self.clipped(as_of);
        (window.to <= as_of).then_some(window.to)
    }

    /// The part of this window that has happened by `as_of`.
    #[must_use]
    pub fn clipped(&self, as_of: DateTime<Utc>) -> Self {
        Self {
            from: self.from,
            to: self.to.min(as_of).max(self.from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn whole_months_count_one_each_whatever_their_length() {
        let feb = month_start(2024, 2).unwrap();
        let mar = month_start(2024, 3).unwrap();
        assert!((month_equivalents(feb, mar) - 1.0).abs() < 1e-12);
        let jan = month_start(2021, 1).unwrap();
        let dec = month_start(2021, 12).unwrap();
        assert!((month_equivalents(jan, dec) - 11.0).abs() < 1e-12);
        assert!(month_equivalents(mar, feb).abs() < 1e-12);
    }

    #[test]
    fn half_a_month_counts_half() {
        let from = month_start(2026, 4).unwrap();
        let to = from + chrono::Duration::days(15);
        assert!((month_equivalents(from, to) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn leap_day_maps_to_the_28th_a_year_earlier() {
        let leap = utc(2024, 2, 29, 4, 0);
        assert_eq!(year_before(leap), utc(2023, 2, 28, 4, 0));
        let start_of_march = month_start(2024, 3).unwrap();
        assert_eq!(year_before(start_of_march), month_start(2023, 3).unwrap());
    }

    #[test]
    fn a_year_touches_twelve_months_and_a_range_its_partial_ends() {
        let now = utc(2026, 11, 28, 0, 0);
        assert_eq!(Period::year(2025, now).unwrap().months().len(), 12);
        let range = Period::range(utc(2026, 1, 20, 0, 0), utc(2026, 3, 5, 0, 0), now).unwrap();
        let months = range.months();
        assert_eq!(
            months.iter().map(|m| m.1).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(months[0].2.from, utc(2026, 1, 20, 0, 0));
        assert_eq!(months[2].2.to, utc(2026, 3, 5, 0, 0));
    }
}
