//! Importing surveyed grids: a header button opens a dialog that explains the expected file,
//! uploads the chosen one and shows either every problem the server found (nothing was
//! changed) or the new figures, after which every panel reloads its grid data.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::File;

use super::upload::{FilePicker, Modal, Place, ProblemRow, ProblemTable};
use binhe_api::grids::Summary;

use crate::api::{self, ApiError};
use crate::app::AppState;
use crate::components::ErrorText;
use crate::format::thousands;
use crate::i18n::{Lang, Msg};
use crate::local_file::{check_size, read_utf8};

/// Where the import of the chosen file stands.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    /// Nothing sent for this file yet.
    Waiting,
    /// Reading, uploading, and the server validating.
    Busy,
    Imported(Summary),
    /// Refused by the UI (before upload) or by the server; nothing was changed.
    Failed(ApiError),
}

#[component]
pub fn GridImport() -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let open = RwSignal::new(false);
    let chosen = RwSignal::new_local(None::<File>);
    let outcome = RwSignal::new(Outcome::Waiting);
    let busy = Signal::derive(move || outcome.with(|o| *o == Outcome::Busy));

    let on_choose = Callback::new(move |file: File| {
        outcome.set(check_size(&file).map_or_else(Outcome::Failed, |()| Outcome::Waiting));
    });
    let on_start = Callback::new(move |()| {
        let Some(file) = chosen.get_untracked() else {
            return;
        };
        outcome.set(Outcome::Busy);
        spawn_local(async move {
            let result = match read_utf8(&file).await {
                Ok(text) => api::import_grids(&text, &file.name()).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(summary) => {
                    outcome.set(Outcome::Imported(summary));
                    state.grids_replaced();
                }
                Err(e) => outcome.set(Outcome::Failed(e)),
            }
        });
    });

    let result = move || match outcome.get() {
        Outcome::Waiting | Outcome::Busy => ().into_any(),
        Outcome::Imported(summary) => imported_view(lang, &summary).into_any(),
        Outcome::Failed(error) if !error.problems.is_empty() => {
            rejected_view(lang, error).into_any()
        }
        Outcome::Failed(error) => failed_view(lang, "import", error).into_any(),
    };

    view! {
        <button type="button" class="header-btn" data-testid="import-open" aria-haspopup="dialog"
            title=move || t(Msg::ImportButtonTitle) on:click=move |_| open.set(true)>
            {move || t(Msg::ImportButton)}
        </button>
        <Modal open on_close=Callback::new(move |()| open.set(false)) title=Msg::ImportTitle testid="import" busy>
            <ul class="import-rules">
                <li>{move || t(Msg::ImportRuleFormat)}</li>
                <li>{move || t(Msg::ImportRuleProperties)}</li>
                <li>{move || t(Msg::ImportRuleHierarchy)}</li>
                <li class="rule-key">{move || t(Msg::ImportRuleAllOrNothing)}</li>
            </ul>
            <FilePicker testid="import" accept=".geojson,.json" chosen busy busy_label=Msg::ImportBusy
                on_choose on_start/>
            <div class="import-result-area" aria-live="polite">{result}</div>
        </Modal>
    }
}

fn imported_view(lang: RwSignal<Lang>, s: &Summary) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    let counts = [
        ("communities", Msg::StatCommunities, s.communities),
        ("micro_grids", Msg::StatMicroGrids, s.micro_grids),
        ("units", Msg::StatUnits, s.units),
        ("population", Msg::StatPopulation, u64::from(s.population)),
    ];
    view! {
        <div class="import-result ok" data-testid="import-success" role="status">
            <p class="result-title"><span class="result-mark" aria-hidden="true">"✓"</span>{move || t(Msg::ImportDone)}</p>
            {count_row(lang, counts.to_vec())}
            <p class="result-note">{move || t(Msg::ImportReloading)}</p>
        </div>
    }
}

/// Figures side by side, each with its label (`data-stat` names it for tests).
pub fn count_row(lang: RwSignal<Lang>, counts: Vec<(&'static str, Msg, u64)>) -> impl IntoView {
    let items = counts
        .into_iter()
        .map(|(key, label, value)| {
            view! {
                <div class="import-count" data-stat=key>
                    <span class="stat-value">{thousands(value)}</span>
                    <span class="stat-label">{move || label.text(lang.get())}</span>
                </div>
            }
        })
        .collect_view();
    view! { <div class="import-counts">{items}</div> }
}

fn rejected_view(lang: RwSignal<Lang>, error: ApiError) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    let error = error.detail;
    let rows = error
        .problems
        .iter()
        .map(|p| ProblemRow {
            place: p
                .feature_index()
                .map_or(Place::Whole, |i| Place::Number(i as u64)),
            what: p.grid_code().map(str::to_owned),
            code: p.code().to_owned(),
            message_zh: p.message_zh().to_owned(),
            message_en: p.message_en().to_owned(),
        })
        .collect();
    let (message_zh, message_en) = (error.message_zh, error.message_en);
    view! {
        <div class="import-result rejected" data-testid="import-rejected" data-error-code=error.code role="alert">
            <p class="result-title" data-testid="import-rejected-summary">
                {move || lang.get().pick(&message_zh, &message_en).to_owned()}
            </p>
            <p class="result-note">{move || t(Msg::ImportUnchanged)}</p>
            <ProblemTable testid="import-problems" columns=[Msg::ImportColFeature, Msg::ImportColGridCode] rows/>
            <p class="result-note small">{move || t(Msg::ImportFeatureNote)}</p>
        </div>
    }
}

/// The import (or the upload) failed as a whole. Test id: `{testid}-failed`.
pub fn failed_view(lang: RwSignal<Lang>, testid: &'static str, error: ApiError) -> impl IntoView {
    let code = error.code.clone();
    view! {
        <div class="import-result failed" data-testid=format!("{testid}-failed") data-error-code=code role="alert">
            <p class="result-title">{move || Msg::ImportFailed.text(lang.get())}</p>
            <p><ErrorText error/></p>
        </div>
    }
}
