//! The scrolling table of a dialog's records (accounts, the audit log).

use leptos::prelude::*;

use crate::i18n::{Lang, Msg};

/// A table under a scrolling box: one header cell per column in `lang`, above `rows`. `class`
/// goes beside `data-table`; the table's test id is `testid`.
pub fn data_table(
    lang: RwSignal<Lang>,
    columns: &'static [Msg],
    (testid, class): (&'static str, &'static str),
    rows: impl IntoView,
) -> impl IntoView {
    let headers = columns
        .iter()
        .map(|&column| view! { <th>{move || column.text(lang.get())}</th> })
        .collect_view();
    view! {
        <div class="problem-scroll">
            <table class=format!("data-table {class}").trim_end().to_owned() data-testid=testid>
                <thead><tr>{headers}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
