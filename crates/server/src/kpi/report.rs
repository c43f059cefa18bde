//! The monthly report (月报), laid out like the seed's outcome section: one summary sentence of
//! the year to date ("2021年1—11月共受理诉求2214件，月均202件，…"), then the figures of the month
//! and of the year to date next to last year's, the categories and the ranking. The same report
//! is JSON for the printable page and an XLSX workbook.

use std::fmt::Write as _;

use binhe_api::kpi::{KpiParams, Report, ReportCategory, ReportChanges};
use binhe_core::kpi::period::month_start;
use binhe_core::kpi::{
    Assessment, Change, Kpis, Period, PeriodKind, Rate, SubjectKind, volume_changes,
};
use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::query::{self, Scope};
use super::{KpiRequestError, KpiSources, counted, figures, ranking};
use crate::http::{ApiError, Caller, RequestError};

/// Everything a monthly report shows.
pub struct MonthlyReport {
    pub scope: Scope,
    pub year: i32,
    pub month: u32,
    pub period: Period,
    pub as_of: DateTime<Utc>,
    pub this_month: Kpis,
    pub year_to_date: Kpis,
    pub last_year_to_date: Kpis,
    pub ranking_kind: SubjectKind,
    pub ranking: Vec<Assessment>,
    /// Category code → Chinese name.
    pub category_names: Vec<(String, String)>,
}

/// One row of the figures table: label, key for the definition, and how to read it of Kpis.
struct Figure {
    label: &'static str,
    key: &'static str,
    value: fn(&Kpis) -> Cell,
}

#[derive(Clone, Copy)]
enum Cell {
    Count(u64),
    Number(Option<f64>),
    Rate(Rate),
}

const FIGURES: [Figure; 13] = [
    Figure {
        label: "受理量（件）",
        key: "received",
        value: |k| Cell::Count(k.received),
    },
    Figure {
        label: "月均受理量（件）",
        key: "monthly_received",
        value: |k| Cell::Number(k.monthly_received),
    },
    Figure {
        label: "万人诉求量（件/万人·月）",
        key: "per_10k_residents",
        value: |k| Cell::Number(k.per_10k_residents),
    },
    Figure {
        label: "响应率",
        key: "response",
        value: |k| Cell::Rate(k.response),
    },
    Figure {
        label: "解决率",
        key: "resolution",
        value: |k| Cell::Rate(k.resolution),
    },
    Figure {
        label: "满意率",
        key: "satisfaction",
        value: |k| Cell::Rate(k.satisfaction),
    },
    Figure {
        label: "基本满意（件）",
        key: "basically_satisfied",
        value: |k| Cell::Count(k.basically_satisfied),
    },
    Figure {
        label: "下交件数",
        key: "delegated",
        value: |k| Cell::Count(k.delegated),
    },
    Figure {
        label: "下交解决率",
        key: "delegated_resolution",
        value: |k| Cell::Rate(k.delegated_resolution),
    },
    Figure {
        label: "结案率",
        key: "closure",
        value: |k| Cell::Rate(k.closure),
    },
    Figure {
        label: "按期结案率",
        key: "on_time_closure",
        value: |k| Cell::Rate(k.on_time_closure),
    },
    Figure {
        label: "超期未结（件）",
        key: "overdue_open",
        value: |k| Cell::Count(k.overdue_open),
    },
    Figure {
        label: "在办（件）",
        key: "open",
        value: |k| Cell::Count(k.open),
    },
];

/// A rate as the seed writes it: one decimal, without a trailing ".0" ("99%", "99.7%").
pub fn percent(value: f64) -> String {
    let text = format!("{:.1}", value * 100.0);
    format!("{}%", text.strip_suffix(".0").unwrap_or(&text))
}

fn rate_text(rate: Rate) -> String {
    rate.value().map_or_else(|| "—".to_owned(), percent)
}

/// "下降18%" / "上升5%" / "持平", of a year-over-year change; `None` without a comparison.
fn change_text(change: &Change) -> Option<String> {
    let relative = change.relative()?;
    let points = (relative * 100.0).round();
    Some(if points == 0.0 {
        "持平".to_owned()
    } else if points < 0.0 {
        format!("下降{}%", -points)
    } else {
        format!("上升{points}%")
    })
}

impl MonthlyReport {
    pub async fn build(
        sources: &KpiSources,
        caller: &Caller,
        params: &KpiParams,
    ) -> Result<Self, ApiError> {
        let view = sources.grids.view();
        let asked = query::asked(params, caller, &view)?;
        let PeriodKind::Month { year, month } = asked.period.kind() else {
            return Err(KpiRequestError::Parameter {
                code: "INVALID_PERIOD",
                field: "month",
                reason: "the monthly report takes month=YYYY-MM".to_owned(),
                reason_zh: "月报须按月份生成：month=YYYY-MM".to_owned(),
            }
            .into());
        };
        let as_of = asked.as_of;
        let store = &sources.store;
        let month_window = asked.period.elapsed(as_of);
        let from = month_start(year, 1).unwrap_or(asked.period.from());
        let year_window = Period::range(from, asked.period.to(), as_of)?.elapsed(as_of);
        let this_month = figures(store.as_ref(), month_window, &asked.scope, as_of).await?;
        let year_to_date = figures(store.as_ref(), year_window, &asked.scope, as_of).await?;
        let last_year_to_date = figures(
            store.as_ref(),
            year_window.year_before(),
            &asked.scope,
            as_of,
        )
        .await?;
        let ranking_kind = match asked.scope.kpi {
            binhe_store::KpiScope::Street => SubjectKind::Community,
            _ => SubjectKind::Micro,
        };
        let weights = query::weights(params)?;
        let ranking = ranking(
            store.as_ref(),
            &view,
            month_window,
            ranking_kind,
            &weights,
            &asked,
        )
        .await?;
        let catalogue = sources.desk.catalogue();
        let category_names: Vec<(String, String)> = year_to_date
            .categories
            .iter()
            .map(|c| c.category.clone())
            .map(|code| {
                let name = catalogue
                    .find(&code)
                    .map_or_else(|| code.clone(), |c| c.name_zh.clone());
                (code, name)
            })
            .collect();
        Ok(Self {
            scope: asked.scope,
            year,
            month,
            period: asked.period,
            as_of,
            this_month,
            year_to_date,
            last_year_to_date,
            ranking_kind,
            ranking,
            category_names,
        })
    }

    pub fn title(&self) -> String {
        format!(
            "{}{}年{}月接诉即办工作月报",
            self.scope.name, self.year, self.month
        )
    }

    pub fn file_name(&self) -> String {
        format!(
            "{}-{}年{}月-月报.xlsx",
            self.scope.name, self.year, self.month
        )
    }

    fn months_label(&self) -> String {
        if self.month == 1 {
            format!("{}年1月", self.year)
        } else {
            format!("{}年1—{}月", self.year, self.month)
        }
    }

    fn changes(&self) -> (Change, Change) {
        volume_changes(&self.year_to_date, &self.last_year_to_date)
    }

    /// The seed's sentence, of the year to date.
    pub fn summary_zh(&self) -> String {
        let k = &self.year_to_date;
        let whole = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| format!("{v:.0}"));
        let mut text = format!(
            "{}共受理诉求{}件，月均{}件，响应率、解决率、满意率分别为{}、{}、{}，万人诉求量{}件/万人",
            self.months_label(),
            k.received,
            whole(k.monthly_received),
            rate_text(k.response),
            rate_text(k.resolution),
            rate_text(k.satisfaction),
            whole(k.per_10k_residents),
        );
        let (volume, per_10k) = self.changes();
        match (change_text(&volume), change_text(&per_10k)) {
            (Some(volume), Some(per_10k)) => {
                let _ = write!(text, "，同比月均受理量{volume}，万人诉求量{per_10k}。");
            }
            _ => text.push_str("，去年同期无可比数据。"),
        }
        let delegated = k.delegated_resolution;
        let _ = write!(
            text,
            "通过“下交”办理{}件，解决{}件，解决率{}。",
            k.delegated,
            delegated.numerator(),
            rate_text(delegated),
        );
        text
    }

    /// The report as the printable page reads it.
    pub fn answer(&self) -> Report {
        let (monthly_received, per_10k_residents) = self.changes();
        let categories = self
            .category_names
            .iter()
            .map(|(code, name)| {
                let of = |k: &Kpis| {
                    k.categories
                        .iter()
                        .find(|c| &c.category == code)
                        .map_or(0, |c| c.share.numerator())
                };
                ReportCategory {
                    category: code.clone(),
                    name: name.clone(),
                    month: of(&self.this_month),
                    year_to_date: of(&self.year_to_date),
                }
            })
            .collect();
        Report {
            counted: counted(&query::Asked {
                period: self.period,
                as_of: self.as_of,
                scope: self.scope.clone(),
            }),
            title: self.title(),
            months_label: self.months_label(),
            summary_zh: self.summary_zh(),
            month: self.this_month.clone(),
            year_to_date: self.year_to_date.clone(),
            last_year_to_date: self.last_year_to_date.clone(),
            year_over_year: ReportChanges {
                monthly_received,
                per_10k_residents,
            },
            categories,
            ranking_kind: self.ranking_kind,
            ranking: self.ranking.clone(),
        }
    }

    /// The report as a workbook: 月报 (summary and figures), 分类 (categories), 考核排名.
    pub fn xlsx(&self) -> Result<Vec<u8>, ApiError> {
        self.workbook().map_err(|error| {
            RequestError::Internal(format!("cannot write the report workbook: {error}")).into()
        })
    }

    fn workbook(&self) -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        let title = Format::new().set_bold().set_font_size(16);
        let bold = Format::new().set_bold().set_background_color("#E8EEF6");
        let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
        let share = Format::new().set_num_format("0.0%");
        let decimal = Format::new().set_num_format("0.0");
        let when = self
            .as_of
            .with_timezone(&binhe_core::ticket::intake::beijing())
            .format("%Y-%m-%d %H:%M")
            .to_string();

        let sheet = book.add_worksheet().set_name("月报")?;
        sheet.set_column_width(0, 26)?;
        for column in 1..=4 {
            sheet.set_column_width(column, 18)?;
        }
        sheet.set_column_width(5, 60)?;
        sheet.write_string_with_format(0, 0, self.title(), &title)?;
        sheet.write_string(1, 0, "统计范围")?;
        sheet.write_string(1, 1, &self.scope.name)?;
        sheet.write_string(2, 0, "常住人口")?;
        sheet.write_number(2, 1, f64::from(self.scope.residents))?;
        sheet.write_string(3, 0, "数据截至（北京时间）")?;
        sheet.write_string(3, 1, &when)?;
        sheet.merge_range(5, 0, 5, 5, &self.summary_zh(), &wrap)?;
        sheet.set_row_height(5, 60)?;
        let header = [
            "指标",
            &format!("{}年{}月", self.year, self.month),
            &format!("{}（累计）", self.months_label()),
            "去年同期累计",
            "累计计数",
            "口径",
        ];
        for (column, text) in header.iter().enumerate() {
            sheet.write_string_with_format(7, column as u16, *text, &bold)?;
        }
        for (row, figure) in FIGURES.iter().enumerate() {
            let row = 8 + row as u32;
            sheet.write_string(row, 0, figure.label)?;
            for (column, kpis) in [
                &self.this_month,
                &self.year_to_date,
                &self.last_year_to_date,
            ]
            .into_iter()
            .enumerate()
            {
                write_cell(
                    sheet,
                    row,
                    1 + column as u16,
                    (figure.value)(kpis),
                    &share,
                    &decimal,
                )?;
            }
            if let Cell::Rate(rate) = (figure.value)(&self.year_to_date) {
                sheet.write_string(
                    row,
                    4,
                    format!("{}/{}", rate.numerator(), rate.denominator()),
                )?;
            }
            if let Some(definition) = binhe_core::kpi::definitions::definition(figure.key) {
                sheet.write_string(row, 5, &*definition.definition_zh)?;
            }
        }
        let (volume, per_10k) = self.changes();
        let last = 8 + FIGURES.len() as u32;
        for (offset, (label, change)) in [("同比 月均受理量", volume), ("同比 万人诉求量", per_10k)]
            .into_iter()
            .enumerate()
        {
            let row = last + offset as u32;
            sheet.write_string(row, 0, label)?;
            match change.relative() {
                Some(relative) => sheet.write_number_with_format(row, 2, relative, &share)?,
                None => sheet.write_string(row, 2, "—")?,
            };
        }

        let sheet = book.add_worksheet().set_name("分类")?;
        sheet.set_column_width(0, 22)?;
        sheet.set_column_width(1, 18)?;
        let header = [
            "类别",
            "编码",
            "本月件数",
            "本月占比",
            "累计件数",
            "累计占比",
        ];
        for (column, text) in header.iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, *text, &bold)?;
        }
        for (row, (code, name)) in self.category_names.iter().enumerate() {
            let row = 1 + row as u32;
            sheet.write_string(row, 0, name)?;
            sheet.write_string(row, 1, code)?;
            for (column, kpis) in [&self.this_month, &self.year_to_date]
                .into_iter()
                .enumerate()
            {
                let found = kpis.categories.iter().find(|c| &c.category == code);
                let column = 2 + 2 * column as u16;
                sheet.write_number(row, column, found.map_or(0, |c| c.share.numerator()) as f64)?;
                match found.and_then(|c| c.share.value()) {
                    Some(v) => sheet.write_number_with_format(row, column + 1, v, &share)?,
                    None => sheet.write_string(row, column + 1, "—")?,
                };
            }
        }

        let sheet = book.add_worksheet().set_name("考核排名")?;
        sheet.set_column_width(1, 20)?;
        sheet.set_column_width(2, 18)?;
        let header = [
            "名次",
            "编码",
            "名称",
            "受理量",
            "响应率",
            "解决率",
            "满意率",
            "综合得分",
        ];
        for (column, text) in header.iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, *text, &bold)?;
        }
        for (row, entry) in self.ranking.iter().enumerate() {
            let row = 1 + row as u32;
            match entry.rank {
                Some(rank) => sheet.write_number(row, 0, f64::from(rank))?,
                None => sheet.write_string(row, 0, "—")?,
            };
            sheet.write_string(row, 1, &entry.subject)?;
            sheet.write_string(row, 2, &entry.name)?;
            sheet.write_number(row, 3, entry.received as f64)?;
            for (column, rate) in [entry.response, entry.resolution, entry.satisfaction]
                .into_iter()
                .enumerate()
            {
                write_cell(
                    sheet,
                    row,
                    4 + column as u16,
                    Cell::Rate(rate),
                    &share,
                    &decimal,
                )?;
            }
            match entry.score {
                Some(score) => sheet.write_number(row, 7, score)?,
                None => sheet.write_string(row, 7, "—")?,
            };
        }
        book.save_to_buffer()
    }
}

/// A figure into a cell: a count as a number, a rate as a fraction shown as a percentage, and
/// "—" for a figure with nothing to count.
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    cell: Cell,
    share: &Format,
    decimal: &Format,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Count(n) => sheet.write_number(row, column, n as f64)?,
        Cell::Number(Some(v)) => sheet.write_number_with_format(row, column, v, decimal)?,
        Cell::Rate(rate) if rate.value().is_some() => {
            sheet.write_number_with_format(row, column, rate.value().unwrap_or(0.0), share)?
        }
        Cell::Number(None) | Cell::Rate(_) => sheet.write_string(row, column, "—")?,
    };
    Ok(())
}
