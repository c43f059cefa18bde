//! Month, year, date and date-time fields that speak the app's language. Chromium draws
//! `<input type=month|date|datetime-local>` in the operating system's locale ("December 2026",
//! mm/dd/yyyy, AM/PM) whatever the page's `lang`; these are selects and text fields instead:
//! a year and a month chosen from lists labelled `2026年` and `12月` (`Dec` in English), a day
//! typed as `YYYY-MM-DD` and a moment as `YYYY-MM-DD HH:MM` (24 hours, Beijing time).
//!
//! The values handed over are those the native fields gave (`2026-12-01`,
//! `2026-12-01T09:05`), so the code behind them reads them as before.

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::app::AppState;
use crate::i18n::{Lang, Msg};

/// The first year any list offers (the server refuses years before it).
pub const FIRST_YEAR: i32 = 2000;

/// `12月` / `Dec`.
pub fn month_name(lang: Lang, month: u32) -> String {
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    match lang {
        Lang::Zh => format!("{month}月"),
        Lang::En => EN
            .get(month.saturating_sub(1) as usize)
            .map_or_else(|| month.to_string(), |m| (*m).to_owned()),
    }
}

/// `2026年` / `2026`.
pub fn year_name(lang: Lang, year: i32) -> String {
    match lang {
        Lang::Zh => format!("{year}年"),
        Lang::En => year.to_string(),
    }
}

/// A day as typed: `2026-12-01`, also `2026-12-1`, `2026/12/01` or `2026.12.01`.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let text = text.trim().replace(['/', '.'], "-");
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()
}

/// A year chosen from a list, newest first, up to `last`.
#[component]
pub fn YearPicker(
    #[prop(into)] value: Signal<i32>,
    /// The latest year offered.
    #[prop(into)]
    last: Signal<i32>,
    on_change: Callback<i32>,
    testid: &'static str,
) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let options = move || {
        let (chosen, last) = (value.get(), last.get().max(FIRST_YEAR));
        let newest = last.max(chosen);
        (FIRST_YEAR..=newest)
            .rev()
            .map(|y| {
                view! {
                    <option value=y.to_string() selected=y == chosen>{move || year_name(lang.get(), y)}</option>
                }
            })
            .collect_view()
    };
    view! {
        <select class="board-input picker-year" data-testid=testid data-value=move || value.get().to_string()
            aria-label=move || Msg::PickerYear.text(lang.get())
            prop:value=move || value.get().to_string()
            on:change=move |ev| {
                if let Ok(y) = event_target_value(&ev).parse::<i32>() {
                    on_change.run(y);
                }
            }>
            {options}
        </select>
    }
}

/// A month chosen as a year and a month from two lists; months after `last` are not offered.
#[component]
pub fn MonthPicker(
    /// The month shown: (year, month 1–12).
    #[prop(into)]
    value: Signal<(i32, u32)>,
    /// The latest month offered.
    #[prop(into)]
    last: Signal<(i32, u32)>,
    on_change: Callback<(i32, u32)>,
    testid: &'static str,
) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let year = Signal::derive(move || value.get().0);
    let last_year = Signal::derive(move || last.get().0);
    // Another year keeps the month, or takes the latest one that year offers.
    let on_year = Callback::new(move |y: i32| {
        let (_, month) = value.get_untracked();
        let last = last.get_untracked();
        let month = if (y, month) > last { last.1 } else { month };
        on_change.run((y, month));
    });
    let months = move || {
        let ((y, chosen), last) = (value.get(), last.get());
        (1..=12u32)
            .map(|m| {
                let later = (y, m) > last && m != chosen;
                view! {
                    <option value=m.to_string() selected=m == chosen disabled=later>
                        {move || month_name(lang.get(), m)}
                    </option>
                }
            })
            .collect_view()
    };
    view! {
        <span class="month-picker" data-testid=testid
            data-value=move || { let (y, m) = value.get(); format!("{y:04}-{m:02}") }>
            <YearPicker value=year last=last_year on_change=on_year testid="picker-year"/>
            <select class="board-input picker-month" data-testid="picker-month"
                aria-label=move || Msg::PickerMonth.text(lang.get())
                prop:value=move || value.get().1.to_string()
                on:change=move |ev| {
                    if let Ok(m) = event_target_value(&ev).parse::<u32>() {
                        on_change.run((value.get_untracked().0, m));
                    }
                }>
                {months}
            </select>
        </span>
    }
}

/// A day typed as `YYYY-MM-DD`. `on_input` hears every keystroke (the text as typed);
/// `on_change` hears the finished entry, written `YYYY-MM-DD` when it is a day (else as typed,
/// for the form to refuse). A text that is no day is marked, with the format on hover.
#[component]
pub fn DateField(
    #[prop(into)] value: Signal<String>,
    #[prop(optional)] on_input: Option<Callback<String>>,
    #[prop(optional)] on_change: Option<Callback<String>>,
    #[prop(optional)] testid: Option<&'static str>,
    /// The form's field key (`data-input`).
    #[prop(optional)]
    input: Option<&'static str>,
    /// Shown on hover before the format.
    #[prop(optional, into)]
    title: Option<Signal<String>>,
    #[prop(optional)] class: Option<&'static str>,
) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let bad = RwSignal::new(false);
    let hint = move || {
        let format = Msg::PickerDateFormat.text(lang.get());
        match title {
            Some(title) => format!("{}（{format}）", title.get()),
            None => format.to_owned(),
        }
    };
    let check = move |text: &str| bad.set(!text.trim().is_empty() && parse_day(text).is_none());
    view! {
        <input type="text" inputmode="numeric" autocomplete="off" maxlength="10" spellcheck="false"
            class=format!("date-field {}", class.unwrap_or_default())
            class:bad=move || bad.get() aria-invalid=move || bad.get().to_string()
            data-testid=testid data-input=input
            placeholder=move || Msg::PickerDatePlaceholder.text(lang.get())
            title=hint aria-label=hint
            prop:value=move || value.get()
            on:input=move |ev| {
                let text = event_target_value(&ev);
                if bad.get_untracked() {
                    check(&text);
                }
                if let Some(on_input) = on_input {
                    on_input.run(text);
                }
            }
            on:change=move |ev| {
                let text = event_target_value(&ev);
                check(&text);
                let text = parse_day(&text).map_or(text, |d| d.to_string());
                if let Some(on_input) = on_input {
                    on_input.run(text.clone());
                }
                if let Some(on_change) = on_change {
                    on_change.run(text);
                }
            }/>
    }
}

/// `2026-12-01T09:05` (as a `datetime-local` field gives it) shown as `2026-12-01 09:05`.
pub fn moment_shown(value: &str) -> String {
    value.replacen('T', " ", 1)
}

/// What is typed (`2026-12-01 09:05`) as a `datetime-local` value (`2026-12-01T09:05`).
pub fn moment_value(text: &str) -> String {
    // The end is kept as typed: a space just typed is the one between day and time.
    let text = text.trim_start();
    match text.split_once(' ') {
        Some((day, time)) if !day.contains('T') => {
            let day = parse_day(day).map_or_else(|| day.to_owned(), |d| d.to_string());
            format!("{day}T{}", time.trim())
        }
        _ => text.to_owned(),
    }
}

/// A moment typed as `YYYY-MM-DD HH:MM` (24 hours); `value` and `on_input` use the
/// `datetime-local` form `YYYY-MM-DDTHH:MM`.
#[component]
pub fn DateTimeField(
    #[prop(into)] value: Signal<String>,
    on_input: Callback<String>,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] input: Option<&'static str>,
) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let hint = move || Msg::PickerDateTimeFormat.text(lang.get());
    view! {
        <input type="text" inputmode="numeric" autocomplete="off" maxlength="19" spellcheck="false"
            class="date-field datetime-field" data-testid=testid data-input=input
            placeholder=move || Msg::PickerDateTimePlaceholder.text(lang.get())
            title=hint aria-label=hint
            prop:value=move || moment_shown(&value.get())
            on:input=move |ev| on_input.run(moment_value(&event_target_value(&ev)))/>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_in_the_usual_chinese_spellings() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1);
        assert_eq!(parse_day("2026-12-01"), day);
        assert_eq!(parse_day(" 2026/12/1 "), day);
        assert_eq!(parse_day("2026.12.01"), day);
        assert_eq!(parse_day("12/01/2026"), None);
        assert_eq!(parse_day("2026-13-01"), None);
    }

    #[test]
    fn moments_travel_in_the_datetime_local_form() {
        assert_eq!(moment_shown("2026-12-01T09:05"), "2026-12-01 09:05");
        assert_eq!(moment_value("2026-12-01 09:05"), "2026-12-01T09:05");
        assert_eq!(moment_value("2026/12/1 09:05"), "2026-12-01T09:05");
        assert_eq!(moment_value("2026-12-01T09:05"), "2026-12-01T09:05");
        assert_eq!(moment_value("2026-12-01 0"), "2026-12-01T0");
        assert_eq!(moment_shown(&moment_value("2026-12-01 ")), "2026-12-01 ");
        assert_eq!(month_name(Lang::Zh, 12), "12月");
        assert_eq!(month_name(Lang::En, 12), "Dec");
        assert_eq!(year_name(Lang::Zh, 2026), "2026年");
    }
}
