//! The scrolling table of a dialog's records (accounts, the audit log).

use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::ErrorText;
use crate::i18n::{Lang, Msg};

/// A dialog's records as loaded: the records, or what to show instead (`loading` while they
/// load, `failed` and the error when they could not be).
pub fn loaded<T>(
    lang: RwSignal<Lang>,
    records: Option<Result<T, ApiError>>,
    loading: Msg,
    failed: Msg,
) -> Result<T, AnyView> {
    let t = move |m: Msg| m.text(lang.get());
    match records {
        None => Err(view! { <p class="muted">{t(loading)}</p> }.into_any()),
        Some(Err(e)) => Err(view! {
            <p class="action-error" role="alert">{t(failed)}"："<ErrorText error=e/></p>
        }
        .into_any()),
        Some(Ok(records)) => Ok(records),
    }
}

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
