//! Importing surveyed grids: a header button opens a dialog that explains the expected file,
//! uploads the chosen one and shows either every problem the server found (nothing was
//! changed) or the new figures, after which every panel reloads its grid data.

use leptos::ev::{Event, MouseEvent};
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{File, HtmlDialogElement, HtmlInputElement};

use crate::api::{self, ApiError, ImportProblem, Summary};
use crate::app::AppState;
use crate::format::{file_size, thousands};
use crate::i18n::{Lang, Msg};
use crate::local_file::{check_size, is_too_large, read_utf8, size_of};

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
    let dialog = NodeRef::<Dialog>::new();
    let chosen = RwSignal::new_local(None::<File>);
    let outcome = RwSignal::new(Outcome::Waiting);
    let busy = move || outcome.with(|o| *o == Outcome::Busy);
    let too_large = move || chosen.with(|f| f.as_ref().is_some_and(is_too_large));

    let open = move |_| {
        if let Some(dialog) = dialog.get() {
            let _ = dialog.show_modal();
        }
    };
    let close = move || {
        if let Some(dialog) = dialog.get() {
            dialog.close();
        }
    };
    // A click on the backdrop lands on the <dialog> itself; inside it lands on its content.
    // Closing while busy is fine: the import goes on and its result is here on reopening.
    let on_dialog_click = move |ev: MouseEvent| {
        if ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlDialogElement>().ok())
            .is_some()
        {
            close();
        }
    };

    let on_choose = move |ev: Event| {
        let input: HtmlInputElement = event_target(&ev);
        // Cancelling the file chooser keeps the previous choice.
        if let Some(file) = input.files().and_then(|list| list.get(0)) {
            outcome.set(check_size(&file).map_or_else(Outcome::Failed, |()| Outcome::Waiting));
            chosen.set(Some(file));
        }
    };
    // Choosing the same (since edited) file again must fire `change` too.
    let on_chooser_click =
        move |ev: MouseEvent| event_target::<HtmlInputElement>(&ev).set_value("");

    let start_import = move |_| {
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
    };

    let file_info = move || match chosen.get() {
        Some(file) => {
            let size = size_of(&file);
            let over_limit = is_too_large(&file);
            view! {
                <span class="file-name" data-testid="import-file-name">{file.name()}</span>
                <span class="file-size" data-testid="import-file-size" class:too-large=over_limit>
                    {move || file_size(lang.get(), size)}
                </span>
            }
            .into_any()
        }
        None => {
            view! { <span class="file-name muted">{move || t(Msg::ImportNoFile)}</span> }.into_any()
        }
    };

    let result = move || match outcome.get() {
        Outcome::Waiting | Outcome::Busy => ().into_any(),
        Outcome::Imported(summary) => imported_view(lang, &summary).into_any(),
        Outcome::Failed(error) if !error.problems.is_empty() => {
            rejected_view(lang, error).into_any()
        }
        Outcome::Failed(error) => failed_view(lang, error).into_any(),
    };

    view! {
        <button type="button" class="header-btn" data-testid="import-open" aria-haspopup="dialog"
            title=move || t(Msg::ImportButtonTitle) on:click=open>
            {move || t(Msg::ImportButton)}
        </button>
        <dialog class="import-dialog" node_ref=dialog data-testid="import-dialog"
            aria-labelledby="import-title" aria-busy=move || busy().to_string()
            on:click=on_dialog_click>
            <div class="dialog-body">
                <header class="dialog-head">
                    <h2 id="import-title" class="dialog-title">{move || t(Msg::ImportTitle)}</h2>
                    <button type="button" class="card-close" data-testid="import-close"
                        title=move || t(Msg::Close) aria-label=move || t(Msg::Close)
                        on:click=move |_| close()>"×"</button>
                </header>
                <ul class="import-rules">
                    <li>{move || t(Msg::ImportRuleFormat)}</li>
                    <li>{move || t(Msg::ImportRuleProperties)}</li>
                    <li>{move || t(Msg::ImportRuleHierarchy)}</li>
                    <li class="rule-key">{move || t(Msg::ImportRuleAllOrNothing)}</li>
                </ul>
                <div class="import-file">
                    <input id="grid-import-file" class="visually-hidden file-input" data-testid="import-file"
                        type="file" accept=".geojson,.json" disabled=busy
                        on:click=on_chooser_click on:change=on_choose/>
                    <label for="grid-import-file" class="btn" class:disabled=busy>{move || t(Msg::ImportChooseFile)}</label>
                    <div class="file-info">{file_info}</div>
                    <button type="button" class="btn primary" data-testid="import-start"
                        disabled=move || busy() || too_large() || chosen.with(Option::is_none)
                        on:click=start_import>
                        {move || if busy() {
                            view! { <span class="spinner" aria-hidden="true"></span>{t(Msg::ImportBusy)}}.into_any()
                        } else {
                            t(Msg::ImportStart).into_any()
                        }}
                    </button>
                </div>
                <div class="import-result-area" aria-live="polite">{result}</div>
            </div>
        </dialog>
    }
}

fn imported_view(lang: RwSignal<Lang>, s: &Summary) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    let counts = [
        ("communities", Msg::StatCommunities, s.communities),
        ("micro_grids", Msg::StatMicroGrids, s.micro_grids),
        ("units", Msg::StatUnits, s.units),
        ("population", Msg::StatPopulation, s.population),
    ]
    .into_iter()
    .map(|(key, label, value)| {
        view! {
            <div class="import-count" data-stat=key>
                <span class="stat-value">{thousands(value)}</span>
                <span class="stat-label">{move || t(label)}</span>
            </div>
        }
    })
    .collect_view();
    view! {
        <div class="import-result ok" data-testid="import-success" role="status">
            <p class="result-title"><span class="result-mark" aria-hidden="true">"✓"</span>{move || t(Msg::ImportDone)}</p>
            <div class="import-counts">{counts}</div>
            <p class="result-note">{move || t(Msg::ImportReloading)}</p>
        </div>
    }
}

fn rejected_view(lang: RwSignal<Lang>, error: ApiError) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    let ApiError {
        code,
        message_zh,
        message_en,
        problems,
    } = error;
    let rows = problems
        .into_iter()
        .map(|p| problem_row(lang, p))
        .collect_view();
    view! {
        <div class="import-result rejected" data-testid="import-rejected" data-error-code=code role="alert">
            <p class="result-title" data-testid="import-rejected-summary">
                {move || lang.get().pick(&message_zh, &message_en).to_owned()}
            </p>
            <p class="result-note">{move || t(Msg::ImportUnchanged)}</p>
            <div class="problem-scroll">
                <table class="problem-table" data-testid="import-problems">
                    <thead>
                        <tr>
                            <th class="col-feature">{move || t(Msg::ImportColFeature)}</th>
                            <th class="col-grid">{move || t(Msg::ImportColGridCode)}</th>
                            <th class="col-code">{move || t(Msg::ImportColProblem)}</th>
                            <th>{move || t(Msg::ImportColMessage)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p class="result-note small">{move || t(Msg::ImportFeatureNote)}</p>
        </div>
    }
}

fn problem_row(lang: RwSignal<Lang>, p: ImportProblem) -> impl IntoView {
    let feature = p.feature_index;
    let grid_code = p.grid_code.clone().unwrap_or_else(|| "—".to_owned());
    let code = p.code.clone();
    let attr_code = p.code.clone();
    view! {
        <tr data-feature-index=feature.map(|i| i.to_string()) data-problem-code=attr_code>
            <td class="mono">{move || feature.map_or_else(|| Msg::ImportWholeFile.text(lang.get()).to_owned(), |i| i.to_string())}</td>
            <td class="mono">{grid_code}</td>
            <td><code class="problem-code">{code}</code></td>
            <td>{move || p.message(lang.get()).to_owned()}</td>
        </tr>
    }
}

fn failed_view(lang: RwSignal<Lang>, error: ApiError) -> impl IntoView {
    let code = error.code.clone();
    let attr_code = error.code.clone();
    view! {
        <div class="import-result failed" data-testid="import-failed" data-error-code=attr_code role="alert">
            <p class="result-title">{move || Msg::ImportFailed.text(lang.get())}</p>
            <p>{move || error.message(lang.get()).to_owned()}<code class="notice-code">{code}</code></p>
        </div>
    }
}
