//! The KPI dashboard's pure side: the period and scope asked for, how figures are written
//! (one decimal for a rate, "—" for nothing to count, arrows for year over year), chart
//! scaling and the heat map's colours. Unit-tested natively; the panels are in
//! `components::dashboard`, `components::assessment` and `components::report`.

pub mod chart;
pub mod heat;

use binhe_api::kpi::{KpiParams, PeriodKindName};
use binhe_core::kpi::{Kpis, Rate, Weights};
use chrono::{Datelike, Duration, NaiveDate};

use crate::i18n::Lang;

/// The period of the figures, as the API takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    Month {
        year: i32,
        month: u32,
    },
    Year(i32),
    /// Whole Beijing days, both included.
    Range {
        from: NaiveDate,
        to: NaiveDate,
    },
}

impl Period {
    /// The Beijing calendar month `now` falls in (the dashboard's default).
    pub fn current_month(now: chrono::DateTime<chrono::Utc>) -> Self {
        let beijing = beijing_date(now);
        Period::Month {
            year: beijing.year(),
            month: beijing.month(),
        }
    }

    /// `month=2026-11`, `year=2026` or `from=2026-01-01&to=2026-11-30`.
    pub fn params(self) -> KpiParams {
        match self {
            Period::Month { year, month } => KpiParams {
                month: Some(format!("{year:04}-{month:02}")),
                ..KpiParams::default()
            },
            Period::Year(year) => KpiParams {
                year: Some(format!("{year:04}")),
                ..KpiParams::default()
            },
            Period::Range { from, to } => KpiParams {
                from: Some(from.to_string()),
                to: Some(to.to_string()),
                ..KpiParams::default()
            },
        }
    }

    /// The first and the last day the period spans.
    pub fn days(self) -> (NaiveDate, NaiveDate) {
        let first = |year: i32, month: u32| {
            NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN)
        };
        match self {
            Period::Month { year, month } => {
                let start = first(year, month);
                let end = start
                    .checked_add_months(chrono::Months::new(1))
                    .and_then(|next| next.pred_opt())
                    .unwrap_or(start);
                (start, end)
            }
            Period::Year(year) => (
                first(year, 1),
                first(year, 12).with_day(31).unwrap_or(NaiveDate::MIN),
            ),
            Period::Range { from, to } => (from, to),
        }
    }

    /// The period, moved back where it would begin after `day`: a month or a year becomes the
    /// one `day` falls in; a range, the days of that month up to `day`.
    #[must_use]
    fn not_after(self, day: NaiveDate) -> Self {
        match self {
            Period::Month { year, month } if (year, month) > (day.year(), day.month()) => {
                Period::Month {
                    year: day.year(),
                    month: day.month(),
                }
            }
            Period::Year(year) if year > day.year() => Period::Year(day.year()),
            Period::Range { from, .. } if from > day => Period::Range {
                from: day.with_day(1).unwrap_or(day),
                to: day,
            },
            other => other,
        }
    }

    /// The period, moved back so the server takes it: it refuses one that begins after the
    /// cut-off (`FUTURE_PERIOD`).
    #[must_use]
    pub fn clamped(self, reach: Reach) -> Self {
        self.not_after(reach.start)
    }

    /// The month a monthly report is for: the month itself (if the server takes it), or the last
    /// month a longer period has counted a day of by the cut-off (or today).
    #[must_use]
    pub fn report_month(self, reach: Reach) -> Self {
        match self {
            Period::Month { .. } => self.clamped(reach),
            Period::Year(year) => Period::Month { year, month: 12 }.not_after(reach.last),
            Period::Range { to, .. } => Period::Month {
                year: to.year(),
                month: to.month(),
            }
            .not_after(reach.last),
        }
    }

    /// The same stretch of time asked as another kind (`month`, `year`, `range`): a month's
    /// year, a year's last month counted, a month's or a year's days so far — never one the
    /// server refuses for beginning after the cut-off.
    #[must_use]
    pub fn as_kind(self, kind: &str, reach: Reach) -> Self {
        match kind {
            "year" => Period::Year(self.days().0.year()).clamped(reach),
            "range" => {
                let (from, to) = self.days();
                Period::Range {
                    from,
                    to: to.min(reach.last).max(from),
                }
                .clamped(reach)
            }
            _ => self.report_month(reach),
        }
    }

    /// `2026-11` for a month input, `2026` for a year.
    pub fn month_value(self) -> String {
        match self {
            Period::Month { year, month } => format!("{year:04}-{month:02}"),
            Period::Year(year) => format!("{year:04}-01"),
            Period::Range { from, .. } => format!("{:04}-{:02}", from.year(), from.month()),
        }
    }
}

/// How the map's 诉求热力 period is chosen: a calendar month, a week (Monday to Sunday) or any
/// range of days. The heat map keeps its own period, apart from the dashboard's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeatSpan {
    Month,
    Week,
    Range,
}

impl HeatSpan {
    pub const ALL: [Self; 3] = [Self::Month, Self::Week, Self::Range];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Week => "week",
            Self::Range => "range",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// `period` asked as this span, never beginning after `today`: the month or the week of
    /// its last day so far, or its days so far as a range.
    pub fn period(self, period: Period, today: NaiveDate) -> Period {
        let (from, to) = period.days();
        let last = to.min(today).max(from.min(today));
        match self {
            Self::Month => Period::Month {
                year: last.year(),
                month: last.month(),
            },
            Self::Week => week_of(last),
            Self::Range => Period::Range {
                from: from.min(last),
                to: last,
            },
        }
    }
}

/// The week (Monday to Sunday) `day` falls in.
pub fn week_of(day: NaiveDate) -> Period {
    let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
    Period::Range {
        from: monday,
        to: monday + Duration::days(6),
    }
}

/// The week before (`forward` false) or after a week; none after the week of `today`.
pub fn week_step(period: Period, forward: bool, today: NaiveDate) -> Option<Period> {
    let (from, _) = period.days();
    let step = Duration::days(if forward { 7 } else { -7 });
    let next = week_of(from + step);
    (next.days().0 <= today).then_some(next)
}

/// `11-30 – 12-06`: a short range of days (with the years when one is not `today`'s).
pub fn days_label(period: Period, today: NaiveDate) -> String {
    let (from, to) = period.days();
    let format = if from.year() == today.year() && to.year() == today.year() {
        "%m-%d"
    } else {
        "%Y-%m-%d"
    };
    format!("{} – {}", from.format(format), to.format(format))
}

/// How far the figures reach, in Beijing days: a period may begin on `start` at the latest
/// (the cut-off day, counted as at its 00:00, else today), and `last` is the last day counted
/// (the cut-off's eve, else today).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reach {
    pub start: NaiveDate,
    pub last: NaiveDate,
}

/// The reach of figures asked at `now` with the cut-off `as_of` (a later one than today
/// changes nothing: the server refuses it).
pub fn reach(now: chrono::DateTime<chrono::Utc>, as_of: Option<NaiveDate>) -> Reach {
    let today = beijing_date(now);
    match as_of.filter(|day| *day <= today) {
        Some(day) => Reach {
            start: day,
            last: day.pred_opt().unwrap_or(day),
        },
        None => Reach {
            start: today,
            last: today,
        },
    }
}

/// The Beijing calendar day of an instant.
pub fn beijing_date(at: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    (at + Duration::hours(8)).date_naive()
}

/// What the figures are asked for: a period and, for a dispatcher, maybe one community (a
/// commander's own is implied by the session).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Query {
    pub period: Period,
    pub community: Option<String>,
    /// Counted as things stood at 00:00 Beijing time of this day (截至); `None` is now.
    pub as_of: Option<NaiveDate>,
}

impl Query {
    /// The question's parameters; each route adds its own.
    pub fn params(&self) -> KpiParams {
        KpiParams {
            community: self.community.clone(),
            as_of: self.as_of.map(|day| day.to_string()),
            ..self.period.params()
        }
    }
}

/// A rate as a percentage with one decimal, `99.7%`; "—" when nothing was counted.
pub fn percent(rate: &Rate) -> String {
    fraction_percent(rate.value())
}

/// A fraction (0.997) as `99.7%`; "—" for none.
pub fn fraction_percent(value: Option<f64>) -> String {
    value.filter(|v| v.is_finite()).map_or_else(
        || "—".to_owned(),
        |v| format!("{:.1}%", (v * 100.0).max(0.0)),
    )
}

/// A figure with one decimal (`40.2`); "—" for none.
pub fn one_decimal(value: Option<f64>) -> String {
    value
        .filter(|v| v.is_finite())
        .map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
}

/// The Beijing days a window counts, rounded up (2 at noon on the 2nd); `None` for an empty one.
pub fn days_counted(k: &Kpis) -> Option<u32> {
    (k.days > 0.0).then(|| k.days.ceil().clamp(1.0, f64::from(u32::MAX)) as u32)
}

/// 月均受理量 as shown: the per-month figure, or — for a window too short to average
/// (`binhe_core::kpi::MIN_AVERAGE_DAYS`) — the count to date with the days it covers.
pub fn monthly_received(k: &Kpis) -> (String, Option<u32>) {
    match (k.monthly_received, days_counted(k)) {
        (None, Some(days)) => (k.received.to_string(), Some(days)),
        (monthly, _) => (one_decimal(monthly), None),
    }
}

/// 万人诉求量 as shown: per month, or to date over a window too short to average.
pub fn per_10k(k: &Kpis) -> (String, Option<u32>) {
    match (k.per_10k_residents, days_counted(k)) {
        (None, Some(days)) if k.monthly_received.is_none() => {
            (one_decimal(k.received_per_10k), Some(days))
        }
        (value, _) => (one_decimal(value), None),
    }
}

/// What a figure counted to date is labelled: `本月至今（2 天）`.
pub fn to_date_label(lang: Lang, kind: PeriodKindName, days: u32) -> String {
    match kind {
        PeriodKindName::Month => crate::i18n::kpi_month_to_date(lang, days),
        PeriodKindName::Year => crate::i18n::kpi_year_to_date(lang, days),
        PeriodKindName::Range => crate::i18n::kpi_range_to_date(lang, days),
    }
}

/// `16 / 18`: the counts a rate was made of.
pub fn counts(rate: &Rate) -> String {
    format!("{} / {}", rate.numerator(), rate.denominator())
}

/// Which way a year-over-year change went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trend {
    Up,
    Down,
    Flat,
    /// No earlier figure (or it was 0): "—".
    Unknown,
}

impl Trend {
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Up => "up",
            Trend::Down => "down",
            Trend::Flat => "flat",
            Trend::Unknown => "unknown",
        }
    }
}

/// A relative change (−0.18) as `↓18.0%` and its direction; below 0.05 % it is flat.
pub fn change(relative: Option<f64>) -> (Trend, String) {
    match relative.filter(|r| r.is_finite()) {
        None => (Trend::Unknown, "—".to_owned()),
        Some(r) if (r * 100.0).abs() < 0.05 => (Trend::Flat, "→0.0%".to_owned()),
        Some(r) if r > 0.0 => (Trend::Up, format!("↑{:.1}%", r * 100.0)),
        Some(r) => (Trend::Down, format!("↓{:.1}%", -r * 100.0)),
    }
}

/// `同比 ↓18.0%` / `YoY ↓18.0%`.
pub fn change_label(lang: Lang, relative: Option<f64>) -> String {
    let (_, text) = change(relative);
    lang.pick(&format!("同比 {text}"), &format!("YoY {text}"))
        .to_owned()
}

/// The parsed weight inputs, or `None` when one is not a number (the server then says so).
pub fn parse_weights(inputs: [&str; 3]) -> Option<[f64; 3]> {
    let mut out = [0.0; 3];
    for (slot, input) in out.iter_mut().zip(inputs) {
        *slot = input.trim().parse::<f64>().ok().filter(|v| v.is_finite())?;
    }
    Some(out)
}

/// `50,25,25` for a report ranked by the weights typed in the assessment, when they are valid
/// (each ≥ 0, together 100) and not the default; otherwise `None` (the default).
pub fn weights_param(inputs: &[String; 3]) -> Option<String> {
    let w = parse_weights([inputs[0].as_str(), inputs[1].as_str(), inputs[2].as_str()])?;
    let valid = w.iter().all(|v| *v >= 0.0) && (w.iter().sum::<f64>() - 100.0).abs() < 1e-9;
    let text = |w: [f64; 3]| w.map(weight_text).join(",");
    let d = Weights::default();
    let typed = text(w);
    (valid && typed != text([d.response(), d.resolution(), d.satisfaction()])).then_some(typed)
}

/// A weight as typed back into its input: `30`, `33.5`.
pub fn weight_text(w: f64) -> String {
    if w.fract() == 0.0 {
        format!("{w:.0}")
    } else {
        format!("{w}")
    }
}

/// A score out of 100 with two decimals; "—" for a subject with nothing to score.
pub fn score(value: Option<f64>) -> String {
    value
        .filter(|v| v.is_finite())
        .map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"))
}

/// The order of the ranking table's rows: by score, best or worst first, subjects without
/// a score always last; equal scores keep the server's order (code order).
pub fn sort_by_score<T>(rows: &mut [T], score: impl Fn(&T) -> Option<f64>, best_first: bool) {
    rows.sort_by(|a, b| match (score(a), score(b)) {
        (Some(x), Some(y)) => {
            let order = x.total_cmp(&y);
            if best_first { order.reverse() } else { order }
        }
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

#[cfg(test)]
pub(crate) mod tests {
    use binhe_api::kpi::{Counted, PeriodInfo, PeriodKindName, ScopeInfo, ScopeKind};
    use chrono::{TimeZone, Utc};

    use super::*;

    fn rate(n: u64, d: u64) -> Rate {
        Rate::new(n, d).unwrap()
    }

    fn ymd(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_week_runs_monday_to_sunday_in_beijing_days() {
        // 2026-12-04 is a Friday; 2026-11-30 the Monday before.
        let week = week_of(ymd("2026-12-04"));
        assert_eq!(week.days(), (ymd("2026-11-30"), ymd("2026-12-06")));
        assert_eq!(week_of(ymd("2026-11-30")), week);
        assert_eq!(week_of(ymd("2026-12-06")), week);
        assert_eq!(week_of(ymd("2026-12-07")).days().0, ymd("2026-12-07"));
    }

    #[test]
    fn weeks_step_back_freely_and_forward_up_to_this_week() {
        let today = ymd("2026-12-04");
        let this = week_of(today);
        let before = week_step(this, false, today).unwrap();
        assert_eq!(before.days(), (ymd("2026-11-23"), ymd("2026-11-29")));
        assert_eq!(week_step(before, true, today), Some(this));
        assert_eq!(
            week_step(this, true, today),
            None,
            "next week has not begun"
        );
        // Across a year's end.
        let first = week_of(ymd("2026-01-01"));
        assert_eq!(
            week_step(first, false, today).unwrap().days().0,
            ymd("2025-12-22")
        );
    }

    #[test]
    fn a_span_keeps_the_days_it_can_and_never_begins_after_today() {
        let today = ymd("2026-12-04");
        let december = Period::Month {
            year: 2026,
            month: 12,
        };
        assert_eq!(HeatSpan::Week.period(december, today), week_of(today));
        assert_eq!(
            HeatSpan::Range.period(december, today),
            Period::Range {
                from: ymd("2026-12-01"),
                to: today
            },
            "the month's days so far"
        );
        let october = Period::Month {
            year: 2026,
            month: 10,
        };
        assert_eq!(
            HeatSpan::Week.period(october, today).days().0,
            ymd("2026-10-26")
        );
        assert_eq!(
            HeatSpan::Range.period(october, today).days(),
            october.days()
        );
        // A week running over a month's end is that month's when asked as a month.
        let week = week_of(ymd("2026-11-30"));
        assert_eq!(HeatSpan::Month.period(week, today), december);
        assert_eq!(
            HeatSpan::Month.period(week_of(ymd("2026-11-25")), today),
            Period::Month {
                year: 2026,
                month: 11
            }
        );
        for span in HeatSpan::ALL {
            assert_eq!(HeatSpan::parse(span.as_str()), Some(span));
        }
        assert_eq!(days_label(week, today), "11-30 – 12-06");
        assert_eq!(
            days_label(week_of(ymd("2025-12-31")), today),
            "2025-12-29 – 2026-01-04"
        );
    }

    /// What an answer was counted for, where a test needs one.
    pub(crate) fn counted() -> Counted {
        let at = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
        Counted {
            scope: ScopeInfo {
                kind: ScopeKind::Street,
                code: binhe_core::GridCode::parse("110117011000000").unwrap(),
                name: "滨河街道".into(),
                residents: 50_000,
            },
            period: PeriodInfo {
                kind: PeriodKindName::Month,
                year: Some(2026),
                month: Some(11),
                label: "2026年11月".into(),
                from: at,
                to: at,
            },
            as_of: at,
        }
    }

    #[test]
    fn rates_show_one_decimal_and_a_dash_for_nothing_counted() {
        assert_eq!(percent(&rate(997, 1000)), "99.7%");
        assert_eq!(percent(&rate(16, 18)), "88.9%");
        assert_eq!(percent(&rate(0, 0)), "—");
        assert_eq!(percent(&rate(0, 5)), "0.0%");
        assert_eq!(fraction_percent(Some(f64::NAN)), "—");
        assert_eq!(counts(&rate(16, 18)), "16 / 18");
    }

    #[test]
    fn year_over_year_reads_as_an_arrow() {
        assert_eq!(change(Some(-0.18)), (Trend::Down, "↓18.0%".to_owned()));
        assert_eq!(change(Some(0.024)), (Trend::Up, "↑2.4%".to_owned()));
        assert_eq!(change(Some(0.0001)).0, Trend::Flat);
        assert_eq!(change(None), (Trend::Unknown, "—".to_owned()));
        assert_eq!(change_label(Lang::Zh, Some(-0.24)), "同比 ↓24.0%");
        assert_eq!(change_label(Lang::En, None), "YoY —");
    }

    #[test]
    fn the_default_month_is_beijings() {
        // 16:30 UTC on 31 January is 00:30 on 1 February in Beijing.
        let at = Utc.with_ymd_and_hms(2026, 1, 31, 16, 30, 0).unwrap();
        assert_eq!(
            Period::current_month(at),
            Period::Month {
                year: 2026,
                month: 2
            }
        );
    }

    #[test]
    fn periods_and_scope_become_the_apis_query() {
        let month = Period::Month {
            year: 2026,
            month: 3,
        };
        assert_eq!(month.params().to_query(), "month=2026-03");
        assert_eq!(Period::Year(2021).params().to_query(), "year=2021");
        let range = Period::Range {
            from: NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2021, 11, 30).unwrap(),
        };
        assert_eq!(range.params().to_query(), "from=2021-01-01&to=2021-11-30");
        let q = Query {
            period: month,
            community: Some("110117011001".into()),
            as_of: None,
        };
        assert_eq!(
            q.params().to_query(),
            "month=2026-03&community=110117011001"
        );
        let cut = Query {
            period: Period::Month {
                year: 2021,
                month: 11,
            },
            community: None,
            as_of: NaiveDate::from_ymd_opt(2021, 11, 30),
        };
        assert_eq!(cut.params().to_query(), "month=2021-11&as_of=2021-11-30");
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_report_is_for_one_month_never_a_future_one() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
        let month = |year, month| Period::Month { year, month };
        let today = reach(now, None);
        assert_eq!(Period::Year(2026).report_month(today), month(2026, 11));
        assert_eq!(Period::Year(2025).report_month(today), month(2025, 12));
        // 2021 up to a cut-off of 30 November: November's report, not December's (refused).
        let cut = reach(now, Some(day(2021, 11, 30)));
        assert_eq!(cut.last, day(2021, 11, 29));
        assert_eq!(Period::Year(2021).report_month(cut), month(2021, 11));
        assert_eq!(month(2021, 12).report_month(cut), month(2021, 11));
        // A cut-off on the 1st counts nothing of its month: a year's report is the month
        // before; the month itself, asked for, is still taken.
        let first = reach(now, Some(day(2021, 12, 1)));
        assert_eq!(Period::Year(2021).report_month(first), month(2021, 11));
        assert_eq!(month(2021, 12).report_month(first), month(2021, 12));
        assert_eq!(month(2021, 6).report_month(first), month(2021, 6));
        // A cut-off after today changes nothing.
        assert_eq!(reach(now, Some(day(2027, 1, 1))), today);
    }

    #[test]
    fn switching_month_and_year_keeps_the_time_asked() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 0).unwrap();
        let cut = reach(now, Some(day(2021, 11, 30)));
        let month = |year, month| Period::Month { year, month };
        assert_eq!(Period::Year(2021).as_kind("month", cut), month(2021, 11));
        assert_eq!(month(2021, 11).as_kind("year", cut), Period::Year(2021));
        assert_eq!(month(2021, 3).as_kind("year", cut), Period::Year(2021));
        assert_eq!(Period::Year(2019).as_kind("month", cut), month(2019, 12));
        assert_eq!(
            Period::Year(2021).as_kind("range", cut),
            Period::Range {
                from: day(2021, 1, 1),
                to: day(2021, 11, 29)
            }
        );
        assert_eq!(
            month(2021, 2).as_kind("range", cut),
            Period::Range {
                from: day(2021, 2, 1),
                to: day(2021, 2, 28)
            }
        );
        // A cut-off set before the period moves the period back to it.
        assert_eq!(month(2026, 12).clamped(cut), month(2021, 11));
        assert_eq!(Period::Year(2026).clamped(cut), Period::Year(2021));
        assert_eq!(Period::Year(2020).clamped(cut), Period::Year(2020));
        // Without one, this month stays this month.
        assert_eq!(
            month(2026, 12).as_kind("year", reach(now, None)),
            Period::Year(2026)
        );
        assert_eq!(
            Period::Year(2026).as_kind("month", reach(now, None)),
            month(2026, 12)
        );
    }

    #[test]
    fn weights_parse_or_leave_it_to_the_server() {
        assert_eq!(
            parse_weights(["30", " 35 ", "35"]),
            Some([30.0, 35.0, 35.0])
        );
        assert_eq!(parse_weights(["30", "", "35"]), None);
        assert_eq!(weight_text(30.0), "30");
        assert_eq!(weight_text(33.5), "33.5");
        let typed = |a: &str, b: &str, c: &str| [a.to_owned(), b.to_owned(), c.to_owned()];
        assert_eq!(
            weights_param(&typed("50", "25", "25")).as_deref(),
            Some("50,25,25")
        );
        assert_eq!(
            weights_param(&typed("30", "35", "35")),
            None,
            "the default needs no parameter"
        );
        assert_eq!(
            weights_param(&typed("50", "35", "35")),
            None,
            "a refused sum falls back"
        );
        assert_eq!(weights_param(&typed("-10", "55", "55")), None);
    }

    #[test]
    fn ranking_sorts_by_score_with_unscored_last() {
        let mut rows = vec![
            ("a", Some(90.0)),
            ("b", None),
            ("c", Some(95.5)),
            ("d", Some(90.0)),
        ];
        sort_by_score(&mut rows, |r| r.1, true);
        assert_eq!(
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            ["c", "a", "d", "b"]
        );
        sort_by_score(&mut rows, |r| r.1, false);
        assert_eq!(
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            ["a", "d", "c", "b"]
        );
        assert_eq!(score(Some(46.153)), "46.15");
        assert_eq!(score(None), "—");
    }
}
