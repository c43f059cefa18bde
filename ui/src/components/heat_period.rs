//! 诉求热力's own period, beside its switch in the map's legend while it is on: a month
//! (this one at first), a week — Monday to Sunday, stepped back and forth up to this one — or
//! any range of days typed. Independent of the dashboard's period; the scope is the board's.

use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;

use super::{Board, DateField, MonthPicker, parse_day};
use crate::app::AppState;
use crate::i18n::Msg;
use crate::kpi::{HeatSpan, Period, beijing_date, days_label, week_step};
use crate::tickets::time::now;

/// Why a range typed is not asked.
fn range_problem(from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate) -> Option<Msg> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => Some(Msg::HeatRangeOrder),
        (Some(from), Some(_)) if from > today => Some(Msg::HeatRangeFuture),
        (Some(_), Some(_)) => None,
        _ => Some(Msg::PickerDateFormat),
    }
}

#[component]
pub fn HeatPeriodChooser() -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let today = move || beijing_date(now());
    // The same period again (a field left without a change) asks nothing again.
    let choose = move |period: Period| {
        if board.heat_period.get_untracked() != period {
            board.heat_period.set(period);
        }
    };
    let span_name = move |span: HeatSpan| match span {
        HeatSpan::Month => t(Msg::KpiPeriodMonth),
        HeatSpan::Week => t(Msg::HeatPeriodWeek),
        HeatSpan::Range => t(Msg::KpiPeriodRange),
    };
    // The range as typed, and what is wrong with it (nothing is asked then).
    let typed = RwSignal::new((String::new(), String::new()));
    let problem = RwSignal::new(None::<Msg>);
    let show_days = move |period: Period| {
        let (from, to) = period.days();
        typed.set((from.to_string(), to.to_string()));
        problem.set(None);
    };
    let on_span = move |ev: leptos::ev::Event| {
        let Some(span) = HeatSpan::parse(&event_target_value(&ev)) else {
            return;
        };
        let period = span.period(board.heat_period.get_untracked(), today());
        board.heat_span.set(span);
        choose(period);
        show_days(period);
    };
    let month = Signal::derive(move || {
        let (from, _) = board.heat_period.get().days();
        (from.year(), from.month())
    });
    let this_month = Signal::derive(move || {
        let day = today();
        (day.year(), day.month())
    });
    let step = move |forward: bool| week_step(board.heat_period.get(), forward, today());
    let go = move |forward: bool| {
        if let Some(week) = week_step(board.heat_period.get_untracked(), forward, today()) {
            choose(week);
        }
    };
    let set_day = move |first: bool| {
        Callback::new(move |text: String| {
            typed.update(|(from, to)| *if first { from } else { to } = text);
            let (from, to) = typed.with_untracked(|(f, t)| (parse_day(f), parse_day(t)));
            match (range_problem(from, to, today()), from.zip(to)) {
                (None, Some((from, to))) => {
                    problem.set(None);
                    choose(Period::Range { from, to });
                }
                (wrong, _) => problem.set(wrong),
            }
        })
    };
    let inputs = move || {
        match board.heat_span.get() {
        HeatSpan::Month => view! {
            <MonthPicker value=month last=this_month testid="heat-month"
                on_change=Callback::new(move |(year, month)| choose(Period::Month { year, month }))/>
        }
        .into_any(),
        HeatSpan::Week => view! {
            <span class="heat-week">
                <button type="button" class="btn small quiet" data-testid="heat-week-before"
                    title=move || t(Msg::HeatWeekBefore) aria-label=move || t(Msg::HeatWeekBefore)
                    on:click=move |_| go(false)>"‹"</button>
                <span class="mono" data-testid="heat-week">{move || days_label(board.heat_period.get(), today())}</span>
                <button type="button" class="btn small quiet" data-testid="heat-week-after"
                    title=move || t(Msg::HeatWeekAfter) aria-label=move || t(Msg::HeatWeekAfter)
                    disabled=move || step(true).is_none()
                    on:click=move |_| go(true)>"›"</button>
            </span>
        }
        .into_any(),
        HeatSpan::Range => view! {
            <DateField class="board-input" testid="heat-from"
                value=Signal::derive(move || typed.get().0) on_change=set_day(true)/>
            <span class="muted">"—"</span>
            <DateField class="board-input" testid="heat-to"
                value=Signal::derive(move || typed.get().1) on_change=set_day(false)/>
            {move || problem.get().map(|m| view! {
                <span class="heat-problem" data-testid="heat-range-problem">{t(m)}</span>
            })}
        }
        .into_any(),
    }
    };
    view! {
        <span class="heat-period" data-testid="heat-period" data-span=move || board.heat_span.get().as_str()
            title=move || t(Msg::HeatPeriodTitle)>
            <select class="board-input" data-testid="heat-span" aria-label=move || t(Msg::HeatPeriodTitle)
                prop:value=move || board.heat_span.get().as_str() on:change=on_span>
                {HeatSpan::ALL.into_iter().map(|span| view! {
                    <option value=span.as_str()>{move || span_name(span)}</option>
                }).collect_view()}
            </select>
            {inputs}
        </span>
    }
}
