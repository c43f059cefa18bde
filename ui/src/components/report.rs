//! 月报: the monthly report as a printable page, laid out like the outcome section of the
//! street's write-up: a title, the summary sentence, the figures of the month and of the year
//! to date, the categories and the community ranking. 打印 prints only this page (print CSS);
//! 导出 XLSX downloads the same report as a workbook.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::dashboard::Board;
use binhe_api::kpi::{PeriodKindName, Report};
use binhe_core::kpi::{Kpis, Rate};

use crate::api::ApiError;
use crate::api::kpi;
use crate::api::texts::Named;
use crate::app::AppState;
use crate::components::ErrorText;
use crate::i18n::{Lang, Msg};
use crate::kpi::{
    Query, change, counts, fraction_percent, monthly_received, per_10k, percent, score,
    to_date_label, weights_param,
};
use crate::tickets::time::{date_time, now};

/// One line of the figures table: the month's value and the year's. A rate reads
/// `88.9%（16 / 18）`: the rate, then met / counted.
fn figure_rows(month: &Kpis, year: &Kpis, lang: Lang) -> Vec<(Msg, [String; 2])> {
    let both = |f: &dyn Fn(&Kpis, PeriodKindName) -> String| {
        [
            f(month, PeriodKindName::Month),
            f(year, PeriodKindName::Year),
        ]
    };
    let rate = |r: &Rate| format!("{}（{}）", percent(r), counts(r));
    // Under 7 days the count to date stands, labelled with its days (not a monthly rate).
    let volume = |(value, days): (String, Option<u32>), kind| match days {
        Some(days) => format!("{value}（{}）", to_date_label(lang, kind, days)),
        None => value,
    };
    vec![
        (Msg::KpiReceived, both(&|k, _| k.received.to_string())),
        (
            Msg::KpiMonthlyReceived,
            both(&|k, kind| volume(monthly_received(k), kind)),
        ),
        (Msg::KpiPer10k, both(&|k, kind| volume(per_10k(k), kind))),
        (Msg::KpiResponse, both(&|k, _| rate(&k.response))),
        (Msg::KpiResolution, both(&|k, _| rate(&k.resolution))),
        (Msg::KpiSatisfaction, both(&|k, _| rate(&k.satisfaction))),
        (
            Msg::KpiBasicallySatisfied,
            both(&|k, _| k.basically_satisfied.to_string()),
        ),
        (
            Msg::KpiDelegatedCount,
            both(&|k, _| k.delegated.to_string()),
        ),
        (
            Msg::KpiDelegatedResolution,
            both(&|k, _| rate(&k.delegated_resolution)),
        ),
        (Msg::KpiClosure, both(&|k, _| rate(&k.closure))),
        (
            Msg::KpiOnTimeClosure,
            both(&|k, _| rate(&k.on_time_closure)),
        ),
        (Msg::KpiOverdue, both(&|k, _| k.overdue_open.to_string())),
    ]
}

#[component]
pub fn MonthlyReport() -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let query = Memo::new(move |_| Query {
        // The month of the period shown that the cut-off (or today) has reached.
        period: board
            .period
            .get()
            .report_month(crate::kpi::reach(now(), board.as_of.get())),
        community: board.community.get(),
        as_of: board.as_of.get(),
    });
    let weights = Memo::new(move |_| board.weights.with(weights_param));
    let report = RwSignal::new(None::<Result<Report, ApiError>>);
    Effect::new(move || {
        let (q, w) = (query.get(), weights.get());
        report.set(None);
        spawn_local(async move {
            let result = kpi::report(&q, w.clone()).await;
            let current = query.try_get_untracked().zip(weights.try_get_untracked());
            if current == Some((q, w)) {
                report.set(Some(result));
            }
        });
    });
    let xlsx = move || kpi::report_xlsx_url(&query.get(), weights.get());

    view! {
        <div class="report-wrap">
            <div class="report-actions">
                <button type="button" class="btn small primary" data-testid="kpi-print"
                    on:click=move |_| { let _ = window().print(); }>{move || t(Msg::KpiReportPrint)}</button>
                <a class="btn small" data-testid="kpi-xlsx" href=xlsx download="">{move || t(Msg::KpiReportXlsx)}</a>
            </div>
            {move || match report.get() {
                None => view! { <p class="board-status">{t(Msg::KpiLoading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="board-status card-error" data-testid="kpi-error"><ErrorText error=e/></p> }.into_any(),
                Some(Ok(r)) => view! { <ReportPage report=r lang=lang.get()/> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn ReportPage(report: Report, lang: Lang) -> impl IntoView {
    let t = |m: Msg| m.text(lang);
    let title = if report.title.is_empty() {
        format!(
            "{} {} {}",
            report.counted.scope.name,
            report.counted.period.label,
            t(Msg::KpiTabReport)
        )
    } else {
        report.title.clone()
    };
    let figures = figure_rows(&report.month, &report.year_to_date, lang)
        .into_iter()
        .map(|(label, [m, y])| view! {
            <tr data-testid="report-figure" data-label=t(label)><th>{t(label)}</th><td class="num">{m}</td><td class="num">{y}</td></tr>
        })
        .collect_view();
    // The report compares the year to date with the same span a year earlier.
    let months_label = report.months_label.clone();
    let yoy = [
        (Msg::KpiMonthlyReceived, report.year_over_year.monthly_received.relative),
        (Msg::KpiPer10k, report.year_over_year.per_10k_residents.relative),
    ]
    .into_iter()
    .map(|(label, r)| {
        view! { <li>{months_label.clone()}" "{t(label)}{if lang == Lang::Zh { " 同比 " } else { " YoY " }}<strong>{change(r).1}</strong></li> }
    })
    .collect_view();
    // The report's own list (month and year to date); the month's figures if it has none.
    let month = &report.month;
    let rows: Vec<(String, u64, Option<u64>)> = if report.categories.is_empty() {
        month
            .categories
            .iter()
            .map(|c| {
                // The month's figures name no categories: their codes stand.
                (c.category.clone(), c.share.numerator(), None)
            })
            .collect()
    } else {
        report
            .categories
            .iter()
            .map(|c| {
                let name = if c.name.is_empty() {
                    c.category.clone()
                } else {
                    c.name.clone()
                };
                (name, c.month, Some(c.year_to_date))
            })
            .collect()
    };
    let received = month.received;
    let categories = rows
        .into_iter()
        .map(|(name, n, ytd)| {
            let share = (received > 0).then(|| n as f64 / received as f64);
            view! {
                <tr data-testid="report-category">
                    <th>{name}</th>
                    <td class="num">{n}</td>
                    <td class="num">{fraction_percent(share)}</td>
                    <td class="num">{ytd.map_or_else(|| "—".to_owned(), |y| y.to_string())}</td>
                </tr>
            }
        })
        .collect_view();
    let ranking_kind = report.ranking_kind.name(lang);
    let year_label = if report.months_label.is_empty() {
        t(Msg::KpiReportYearToDate).to_owned()
    } else {
        report.months_label.clone()
    };
    let ranking = report
        .ranking
        .iter()
        .map(|r| {
            view! {
                <tr data-testid="report-ranking-row">
                    <td class="num">{r.rank.map_or_else(|| "—".to_owned(), |n| n.to_string())}</td>
                    <th>{r.name.clone()}</th>
                    <td class="num">{r.received}</td>
                    <td class="num">{percent(&r.response)}</td>
                    <td class="num">{percent(&r.resolution)}</td>
                    <td class="num">{percent(&r.satisfaction)}</td>
                    <td class="num">{score(r.score)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <article class="report-page" data-testid="kpi-report">
            <h1 class="report-title" data-testid="report-title">{title}</h1>
            <p class="report-meta muted">{format!("{} · {} {}", report.counted.scope.name, t(Msg::KpiAsOf), date_time(report.counted.as_of))}</p>
            <p class="report-summary" data-testid="report-summary">{report.summary_zh.clone()}</p>
            <ul class="report-yoy">{yoy}</ul>
            <h2>{t(Msg::KpiReportFigures)}</h2>
            <table class="report-table" data-testid="report-figures">
                <thead><tr><th>{t(Msg::KpiReportFigure)}</th><th class="num">{report.counted.period.label.clone()}</th><th class="num">{year_label.clone()}</th></tr></thead>
                <tbody>{figures}</tbody>
            </table>
            <h2>{t(Msg::KpiCategoryTitle)}</h2>
            <table class="report-table">
                <thead><tr>
                    <th>{t(Msg::KpiCategoryTitle)}</th><th class="num">{t(Msg::KpiReportCount)}</th>
                    <th class="num">{t(Msg::KpiReportShare)}</th><th class="num">{year_label.clone()}</th>
                </tr></thead>
                <tbody>{categories}</tbody>
            </table>
            <h2>{t(Msg::KpiRankingTitle)}"（"{ranking_kind}"）"</h2>
            <table class="report-table">
                <thead><tr>
                    <th class="num">{t(Msg::KpiRank)}</th><th>{t(Msg::KpiSubject)}</th><th class="num">{t(Msg::KpiReceived)}</th>
                    <th class="num">{t(Msg::KpiResponse)}</th><th class="num">{t(Msg::KpiResolution)}</th>
                    <th class="num">{t(Msg::KpiSatisfaction)}</th><th class="num">{t(Msg::KpiScore)}</th>
                </tr></thead>
                <tbody>{ranking}</tbody>
            </table>
        </article>
    }
}
