//! Importing surveyed grids: a header button opens a dialog that explains the expected file,
//! uploads the chosen one and shows either every problem the server found (nothing was
//! changed) or the new figures, after which every panel reloads its grid data.
//!
//! A single GeoJSON file in the documented shape (features with `code` and `level`, no `crs`)
//! is imported as it is. Anything else — shapefiles (zipped or as loose parts), GeoJSON with
//! a surveyor's own property names or another coordinate system, several files — is a survey:
//! the server previews it (nothing stored), the dialog docks to the right and shows the layers
//! with their mapping ([`SurveyPanel`]) while the map draws the previewed grids, and 导入 is
//! offered once the preview has no problem.

use std::sync::Arc;

use js_sys::{JSON, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use web_sys::File;

use super::export::{self, Download, DownloadStatus};
use super::survey::survey_panel;
use super::upload::{FilePicker, Modal, Place, ProblemRow, ProblemTable};
use binhe_api::grids::{
    GRIDS_EXPORT_GEOJSON, GRIDS_EXPORT_SHAPEFILE, Summary, SurveyFile, SurveyPreview, SurveyUpload,
};
use binhe_core::survey::SurveyMapping;

use crate::api::{self, ApiError};
use crate::app::AppState;
use crate::components::ErrorText;
use crate::format::thousands;
use crate::i18n::{Lang, Msg};
use crate::local_file::{check_all, read_survey_files, read_utf8};

/// Where the import of the chosen files stands.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    /// Nothing sent for these files yet.
    Waiting,
    /// Reading the chosen files, to tell a documented grid file from a survey.
    Reading,
    /// Uploading, and the server validating and importing.
    Busy,
    Imported(Summary),
    /// Refused by the UI (before upload) or by the server; nothing was changed.
    Failed(ApiError),
}

/// What the chosen files are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Not known yet (nothing chosen, or still reading).
    Unknown,
    /// One GeoJSON file in the documented shape: imported as it is.
    Documented,
    /// Anything else: mapped and previewed first.
    Survey,
}

/// A `.geojson`/`.json` name.
fn is_geojson(name: &str) -> bool {
    std::path::Path::new(name)
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("geojson") || ext.eq_ignore_ascii_case("json"))
}

/// Whether GeoJSON text is in the documented shape: no `crs`, and its first feature has the
/// properties `code` and `level`. Text that is not JSON counts as documented, so the server
/// says what is wrong with it as it always has.
fn is_documented(text: &js_sys::JsString) -> bool {
    let Ok(root) = JSON::parse(&String::from(text)) else {
        return true;
    };
    let get = |value: &JsValue, key: &str| {
        Reflect::get(value, &JsValue::from_str(key))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    if get(&root, "crs").is_some() {
        return false;
    }
    get(&root, "features")
        .and_then(|features| Reflect::get_u32(&features, 0).ok())
        .and_then(|first| get(&first, "properties"))
        .is_some_and(|p| get(&p, "code").is_some() && get(&p, "level").is_some())
}

#[component]
pub fn GridImport() -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let open = RwSignal::new(false);
    let chosen = RwSignal::new_local(Vec::<File>::new());
    let outcome = RwSignal::new(Outcome::Waiting);
    let kind = RwSignal::new(Kind::Unknown);
    let busy = Signal::derive(move || outcome.with(|o| *o == Outcome::Busy));
    // The survey: its files as sent, the operator's mapping, the last preview.
    let files = StoredValue::new(Vec::<SurveyFile>::new());
    let mapping = RwSignal::new(SurveyMapping::default());
    let preview = RwSignal::new(None::<SurveyPreview>);
    let previewing = RwSignal::new(false);
    // Counts the choices and previews; an answer for an older one is dropped.
    let generation = StoredValue::new(0_u64);
    let next_generation = move || {
        generation.update_value(|g| *g += 1);
        generation.get_value()
    };
    let ready = Signal::derive(move || match kind.get() {
        Kind::Unknown => false,
        Kind::Documented => true,
        Kind::Survey => {
            !previewing.get() && preview.with(|p| p.as_ref().is_some_and(|p| p.importable))
        }
    });

    // The previewed grids are on the map while the dialog is open.
    Effect::new(move || {
        let shown = open
            .get()
            .then(|| preview.with(|p| p.as_ref().map(|p| Arc::new(p.grids.clone()))))
            .flatten();
        state.survey_preview.set(shown);
    });

    let run_preview = Callback::new(move |()| {
        let ticket = next_generation();
        previewing.set(true);
        let upload = SurveyUpload {
            files: files.get_value(),
            mapping: mapping.get_untracked(),
        };
        spawn_local(async move {
            let result = api::preview_survey(&upload).await;
            if generation.get_value() != ticket {
                return;
            }
            previewing.set(false);
            match result {
                Ok(answer) => {
                    mapping.set(answer.mapping.clone());
                    preview.set(Some(answer));
                    outcome.set(Outcome::Waiting);
                }
                Err(e) => outcome.set(Outcome::Failed(e)),
            }
        });
    });

    let on_choose = Callback::new(move |chosen_files: Vec<File>| {
        let ticket = next_generation();
        preview.set(None);
        previewing.set(false);
        kind.set(Kind::Unknown);
        files.set_value(Vec::new());
        mapping.set(SurveyMapping::default());
        if let Err(e) = check_all(&chosen_files) {
            outcome.set(Outcome::Failed(e));
            return;
        }
        outcome.set(Outcome::Reading);
        spawn_local(async move {
            let documented = match chosen_files.as_slice() {
                [one] if is_geojson(&one.name()) => match read_utf8(one).await {
                    Ok(text) => is_documented(&text),
                    Err(e) => {
                        // Not UTF-8, or gone: refused before upload, as ever.
                        if generation.get_value() == ticket {
                            outcome.set(Outcome::Failed(e));
                        }
                        return;
                    }
                },
                _ => false,
            };
            if generation.get_value() != ticket {
                return;
            }
            if documented {
                kind.set(Kind::Documented);
                if outcome.get_untracked() == Outcome::Reading {
                    outcome.set(Outcome::Waiting);
                }
                return;
            }
            kind.set(Kind::Survey);
            match read_survey_files(&chosen_files).await {
                Ok(read) if generation.get_value() == ticket => {
                    files.set_value(read);
                    run_preview.run(());
                }
                Ok(_) => {}
                Err(e) => outcome.set(Outcome::Failed(e)),
            }
        });
    });

    let on_start = Callback::new(move |()| {
        let chosen_files = chosen.get_untracked();
        outcome.set(Outcome::Busy);
        let survey = kind.get_untracked() == Kind::Survey;
        let upload = SurveyUpload {
            files: files.get_value(),
            mapping: mapping.get_untracked(),
        };
        spawn_local(async move {
            let result = match (survey, chosen_files.as_slice()) {
                (true, _) => api::import_survey(&upload).await,
                (false, [file]) => match read_utf8(file).await {
                    Ok(text) => api::import_grids(&text, &file.name()).await,
                    Err(e) => Err(e),
                },
                (false, _) => return,
            };
            match result {
                Ok(summary) => {
                    outcome.set(Outcome::Imported(summary));
                    preview.set(None);
                    state.grids_replaced();
                }
                Err(e) => outcome.set(Outcome::Failed(e)),
            }
        });
    });

    let result = move || {
        match outcome.get() {
        Outcome::Waiting | Outcome::Busy => ().into_any(),
        Outcome::Reading => view! {
            <p class="survey-busy"><span class="spinner" aria-hidden="true"></span>{t(Msg::SurveyReading)}</p>
        }
        .into_any(),
        Outcome::Imported(summary) => imported_view(lang, &summary).into_any(),
        Outcome::Failed(error) if !error.problems.is_empty() => {
            rejected_view(lang, error).into_any()
        }
        Outcome::Failed(error) => failed_view(lang, "import", error).into_any(),
    }
    };
    let survey = move || kind.get() == Kind::Survey;
    let survey_panel = move || {
        let shown = preview.get()?;
        Some(survey_panel(lang, &shown, mapping, run_preview))
    };
    let dialog_class = Signal::derive(move || if survey() { "survey-dialog" } else { "" });

    view! {
        <button type="button" class="header-btn" data-testid="import-open" aria-haspopup="dialog"
            title=move || t(Msg::ImportButtonTitle) on:click=move |_| open.set(true)>
            {move || t(Msg::ImportButton)}
        </button>
        <Modal open on_close=Callback::new(move |()| open.set(false)) title=Msg::ImportTitle testid="import" busy
            class=dialog_class>
            <Show when=survey fallback=move || view! {
                <ul class="import-rules">
                    <li>{move || t(Msg::ImportRuleFormat)}</li>
                    <li>{move || t(Msg::ImportRuleProperties)}</li>
                    <li>{move || t(Msg::ImportRuleHierarchy)}</li>
                    <li>{move || t(Msg::ImportRuleSurvey)}</li>
                    <li class="rule-key">{move || t(Msg::ImportRuleAllOrNothing)}</li>
                </ul>
            }>
                <p class="import-rules survey-intro">{move || t(Msg::SurveyIntro)}</p>
            </Show>
            <FilePicker testid="import" accept=".geojson,.json,.zip,.shp,.shx,.dbf,.prj,.cpg" multiple=true
                chosen busy busy_label=Msg::ImportBusy ready on_choose on_start/>
            <Show when=move || previewing.get()>
                <p class="survey-busy" data-testid="survey-previewing">
                    <span class="spinner" aria-hidden="true"></span>{move || t(Msg::SurveyPreviewing)}
                </p>
            </Show>
            <div class="survey-area" class:stale=move || previewing.get()>{survey_panel}</div>
            <div class="import-result-area" aria-live="polite">{result}</div>
            {grids_export(lang)}
        </Modal>
    }
}

/// 导出网格: the street's grids as they are now, as GeoJSON or a zip of Shapefiles.
fn grids_export(lang: RwSignal<Lang>) -> impl IntoView {
    let status = RwSignal::new(None::<Download>);
    let files = [
        (
            "geojson",
            GRIDS_EXPORT_GEOJSON,
            "GeoJSON",
            Msg::GridsExportGeoJsonNote,
            "grids.geojson",
        ),
        (
            "shapefile",
            GRIDS_EXPORT_SHAPEFILE,
            "Shapefile（zip）",
            Msg::GridsExportShapefileNote,
            "grids.shp.zip",
        ),
    ];
    let buttons = files
        .into_iter()
        .map(|(key, url, name, note, fallback)| {
            view! {
                <button type="button" class="btn small" data-testid=format!("grids-export-{key}")
                    title=move || note.text(lang.get())
                    disabled=move || matches!(status.get(), Some(Download::Running(_)))
                    on:click=move |_| export::start(url.to_owned(), false, fallback.to_owned(), status)>
                    {name}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="export-buttons grids-export" data-testid="grids-export" title=move || Msg::GridsExportTitle.text(lang.get())>
            <span class="muted small">{move || Msg::GridsExport.text(lang.get())}</span>
            {buttons}
            <DownloadStatus status testid="grids-export"/>
        </div>
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
            layer: None,
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
