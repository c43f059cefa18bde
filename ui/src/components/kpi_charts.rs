//! The dashboard's charts, drawn as inline SVG (no chart library): the monthly trend (受理量
//! bars and the three rates as lines, months to come greyed), the categories (horizontal
//! bars, a click lists their tickets) and the ranking (bars by score).

use std::sync::Arc;

use leptos::prelude::*;

use super::dashboard::{Board, hover};
use binhe_api::kpi::{Dashboard, TrendMonth};
use binhe_core::kpi::{Assessment, Rate};

use crate::api::kpi::Drill;
use crate::app::AppState;
use crate::i18n::{Lang, Msg};
use crate::kpi::chart::{
    band_centre, broken_line, nice_max, rate_floor, scale, tick_label, tick_steps, ticks,
};
use crate::kpi::{Period, fraction_percent, score};

/// The three rates' lines, in the app's tone colours.
const RATE_LINES: [(&str, Msg, &str); 3] = [
    ("response", Msg::KpiResponse, "#2fb7a6"),
    ("resolution", Msg::KpiResolution, "#f0b242"),
    ("satisfaction", Msg::KpiSatisfaction, "#a78bfa"),
];
const BAR: &str = "#3f8fd6";

/// An SVG length in percent of the chart's width.
fn percent(v: f64) -> String {
    format!("{v:.2}%")
}

fn rate_of<'a>(m: &'a TrendMonth, key: &str) -> &'a Rate {
    match key {
        "response" => &m.response,
        "resolution" => &m.resolution,
        _ => &m.satisfaction,
    }
}

/// A month's label on the axis: the server's (`1月`) in Chinese, the number in English.
fn month_label(m: &TrendMonth, lang: Lang) -> String {
    match lang {
        Lang::Zh if !m.label.is_empty() => m.label.clone(),
        Lang::Zh => format!("{}月", m.month),
        Lang::En => format!("{}/{}", m.month, m.year % 100),
    }
}

#[component]
pub fn TrendChart(dashboard: Arc<Dashboard>) -> impl IntoView {
    const W: f64 = 620.0;
    const H: f64 = 230.0;
    const LEFT: f64 = 44.0;
    const RIGHT: f64 = 44.0;
    const TOP: f64 = 12.0;
    const BOTTOM: f64 = 26.0;
    let lang = expect_context::<AppState>().lang;
    let board = expect_context::<Board>();
    let t = move |m: Msg| m.text(lang.get());
    let months = dashboard.trend.clone();
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let n = months.len().max(1);
    let max = nice_max(months.iter().map(|m| m.received).max().unwrap_or(0) as f64);
    let band = pw / n as f64;
    let bar_w = (band * 0.56).max(2.0);
    let y = move |v: f64| TOP + ph - scale(v, max, ph);
    let floor = rate_floor(months.iter().filter(|m| !m.future).flat_map(|m| {
        RATE_LINES
            .iter()
            .filter_map(|(key, ..)| rate_of(m, key).value())
            .collect::<Vec<_>>()
    }));
    let rate_y = move |v: f64| TOP + ph - scale(v - floor, 1.0 - floor, ph);

    let grid = ticks(max, tick_steps(max))
        .into_iter()
        .map(|v| {
            view! {
                <line class="grid-line" x1=LEFT x2=LEFT + pw y1=y(v) y2=y(v)/>
                <text class="axis" x=LEFT - 6.0 y=y(v) + 4.0 text-anchor="end">{tick_label(v)}</text>
            }
        })
        .collect_view();
    let rate_axis = [floor, f64::midpoint(floor, 1.0), 1.0]
        .into_iter()
        .map(|v| view! { <text class="axis" x=LEFT + pw + 6.0 y=rate_y(v) + 4.0>{format!("{:.0}%", v * 100.0)}</text> })
        .collect_view();
    let bars = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let cx = LEFT + band_centre(i, n, pw);
            let received = m.received;
            let (future, month) = (
                m.future,
                Period::Month {
                    year: m.year,
                    month: m.month,
                },
            );
            let top = y(received as f64);
            let label = {
                let m = m.clone();
                move || month_label(&m, lang.get())
            };
            let tip = {
                let m = m.clone();
                move || {
                    let lang = lang.get();
                    let mut parts = vec![format!("{}：{}", month_label(&m, lang), m.received.to_string())];
                    for (key, label, _) in RATE_LINES {
                        parts.push(format!("{} {}", label.text(lang), fraction_percent(rate_of(&m, key).value())));
                    }
                    parts.join(" · ")
                }
            };
            view! {
                <g class="trend-month" class:future=m.future data-testid="kpi-trend-month"
                    data-month=m.month data-received=m.received.to_string() data-future=m.future.to_string()
                    on:click=move |_| {
                        // A month of a longer period opens that month's figures.
                        if !future && board.period.get_untracked() != month {
                            board.drill.set(None);
                            board.period.set(month);
                        }
                    }>
                    <title>{tip}</title>
                    {m.future.then(|| view! { <rect class="future-band" x=cx - band / 2.0 y=TOP width=band height=ph/> })}
                    <rect class="bar" x=cx - bar_w / 2.0 y=top width=bar_w height=TOP + ph - top fill=BAR/>
                    <text class="axis" class:future=m.future x=cx y=H - 8.0 text-anchor="middle">{label}</text>
                </g>
            }
        })
        .collect_view();
    let lines = RATE_LINES
        .into_iter()
        .map(|(key, _, colour)| {
            let points: Vec<Option<(f64, f64)>> = months
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let v = rate_of(m, key).value().filter(|_| !m.future)?;
                    Some((LEFT + band_centre(i, n, pw), rate_y(v)))
                })
                .collect();
            let dots = points
                .iter()
                .flatten()
                .map(|(x, y)| view! { <circle cx=*x cy=*y r="2.6" fill=colour/> })
                .collect_view();
            view! {
                <path class="rate-line" data-rate=key d=broken_line(&points) stroke=colour fill="none"/>
                {dots}
            }
        })
        .collect_view();
    let legend = RATE_LINES
        .into_iter()
        .map(|(_, label, colour)| {
            view! { <span class="legend-item"><i class="line-swatch" style=format!("background: {colour}")></i>{move || t(label)}</span> }
        })
        .collect_view();
    let title = move || hover(dashboard.definition("received"), lang.get());

    view! {
        <figure class="chart trend-chart" data-testid="kpi-trend">
            <figcaption>
                <span class="chart-title" title=title>{move || t(Msg::KpiTrendTitle)}</span>
                <span class="chart-legend">
                    <span class="legend-item"><i class="swatch" style=format!("background: {BAR}")></i>{move || t(Msg::KpiReceived)}</span>
                    {legend}
                    <span class="legend-item"><i class="swatch future"></i>{move || t(Msg::KpiLegendFuture)}</span>
                </span>
            </figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=move || t(Msg::KpiTrendTitle)>
                {grid}
                {rate_axis}
                {bars}
                {lines}
            </svg>
        </figure>
    }
}

#[component]
pub fn CategoryChart(dashboard: Arc<Dashboard>) -> impl IntoView {
    // Across in percent of the chart's width, so the text keeps its size; down in pixels.
    const W: f64 = 100.0;
    const ROW: f64 = 24.0;
    const LABEL: f64 = 30.0;
    const VALUE: f64 = 24.0;
    const SHOWN: usize = 10;
    let lang = expect_context::<AppState>().lang;
    let board = expect_context::<Board>();
    let t = move |m: Msg| m.text(lang.get());
    let kpis = &dashboard.kpis;
    let shown: Vec<_> = kpis.categories.iter().take(SHOWN).cloned().collect();
    let max = nice_max(shown.iter().map(|c| c.share.numerator()).max().unwrap_or(0) as f64);
    let pw = W - LABEL - VALUE;
    let h = ROW * shown.len().max(1) as f64 + 6.0;
    let rows = shown
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let y = 4.0 + ROW * i as f64;
            let name = kpis.category_name(&c.category).to_owned();
            let code = c.category.clone();
            let count = c.share.numerator();
            let drill = Drill {
                category: Some(code.clone()),
                ..Drill::of("category")
            };
            let width = scale(count as f64, max, pw).max(0.3);
            let active = {
                let code = code.clone();
                move || board.drill.with(|d| d.as_ref().is_some_and(|d| d.category.as_deref() == Some(code.as_str())))
            };
            view! {
                <g class="category-bar" class:active=active data-testid="kpi-category-bar" data-category=code.clone()
                    data-count=count role="button" tabindex="0"
                    on:click={
                        let drill = drill.clone();
                        move |_| board.drill.set(Some(drill.clone()))
                    }
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Enter" {
                            board.drill.set(Some(drill.clone()));
                        }
                    }>
                    <title>{format!("{name}：{count} · {}", fraction_percent(c.share.value()))}</title>
                    <rect class="row-hit" x="0" y=y width=percent(W) height=ROW/>
                    <text class="label" x=percent(LABEL) dx="-8" y=y + 16.0 text-anchor="end">{name.clone()}</text>
                    <rect class="bar" x=percent(LABEL) y=y + 5.0 width=percent(width) height=ROW - 10.0/>
                    <text class="value" x=percent(LABEL + width) dx="6" y=y + 16.0>
                        {format!("{count} · {}", fraction_percent(c.share.value()))}
                    </text>
                </g>
            }
        })
        .collect_view();
    let empty = kpis.categories.is_empty();
    let title = move || {
        hover(
            dashboard
                .definition("categories")
                .or_else(|| dashboard.definition("category")),
            lang.get(),
        )
    };
    view! {
        <figure class="chart category-chart" data-testid="kpi-categories">
            <figcaption><span class="chart-title" title=title>{move || t(Msg::KpiCategoryTitle)}</span></figcaption>
            {if empty {
                view! { <p class="board-status">{move || t(Msg::KpiNoData)}</p> }.into_any()
            } else {
                view! { <svg width="100%" height=h role="img" aria-label=move || t(Msg::KpiCategoryTitle)>{rows}</svg> }.into_any()
            }}
        </figure>
    }
}

/// Bars by score, best first (the table beside it lists every subject).
#[component]
pub fn RankingChart(rows: Vec<Assessment>) -> impl IntoView {
    const W: f64 = 100.0;
    const ROW: f64 = 22.0;
    const LABEL: f64 = 38.0;
    const VALUE: f64 = 14.0;
    const SHOWN: usize = 15;
    let lang = expect_context::<AppState>().lang;
    let t = move |m: Msg| m.text(lang.get());
    let mut scored: Vec<Assessment> = rows.into_iter().filter(|r| r.score.is_some()).collect();
    crate::kpi::sort_by_score(&mut scored, |r| r.score, true);
    scored.truncate(SHOWN);
    let pw = W - LABEL - VALUE;
    let h = ROW * scored.len().max(1) as f64 + 6.0;
    let empty = scored.is_empty();
    let bars = scored
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let y = 4.0 + ROW * i as f64;
            let width = scale(r.score.unwrap_or(0.0), 100.0, pw).max(0.3);
            let rank = r.rank.map_or_else(String::new, |n| format!("{n}. "));
            view! {
                <g class="ranking-bar" data-testid="kpi-ranking-bar" data-subject=r.subject.clone()>
                    <title>{format!("{rank}{}：{}", r.name, score(r.score))}</title>
                    <text class="label" x=percent(LABEL) dx="-8" y=y + 15.0 text-anchor="end">{format!("{rank}{}", r.name)}</text>
                    <rect class="bar" x=percent(LABEL) y=y + 4.0 width=percent(width) height=ROW - 8.0/>
                    <text class="value" x=percent(LABEL + width) dx="6" y=y + 15.0>{score(r.score)}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart ranking-chart" data-testid="kpi-ranking">
            <figcaption><span class="chart-title" title=move || t(Msg::KpiScoreDefinition)>{move || t(Msg::KpiRankingTitle)}</span></figcaption>
            {if empty {
                view! { <p class="board-status">{move || t(Msg::KpiNoData)}</p> }.into_any()
            } else {
                view! { <svg width="100%" height=h role="img" aria-label=move || t(Msg::KpiRankingTitle)>{bars}</svg> }.into_any()
            }}
        </figure>
    }
}
