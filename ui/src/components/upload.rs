//! Pieces the import dialogs share: the modal frame, the file row (choose, size, start) and
//! the table of refused entries.

use leptos::ev::{Event, MouseEvent};
use leptos::html::Dialog;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{File, HtmlDialogElement, HtmlInputElement};

use crate::app::AppState;
use crate::components::CloseButton;
use crate::format::file_size;
use crate::i18n::Msg;
use crate::local_file::{MAX_IMPORT_BYTES, chosen_files, size_of};

/// A modal dialog shown while `open` is true. Escape, the × button and a click on the
/// backdrop ask `on_close`; closing while busy is fine, the work goes on and its result is
/// there on reopening. Test ids: `{testid}-dialog`, `{testid}-close`.
#[component]
pub fn Modal(
    #[prop(into)] open: Signal<bool>,
    on_close: Callback<()>,
    #[prop(into)] title: Signal<Msg>,
    testid: &'static str,
    #[prop(into, default = Signal::stored(false))] busy: Signal<bool>,
    #[prop(into, default = Signal::stored(""))] class: Signal<&'static str>,
    children: Children,
) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let t = move |m: Msg| m.text(lang.get());
    let dialog = NodeRef::<Dialog>::new();
    Effect::new(move || {
        let show = open.get();
        let Some(dialog) = dialog.get() else {
            return;
        };
        if show && !dialog.open() {
            let _ = dialog.show_modal();
        } else if !show && dialog.open() {
            dialog.close();
        }
    });
    // A click on the backdrop lands on the <dialog> itself; inside it lands on its content.
    let on_click = move |ev: MouseEvent| {
        if ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlDialogElement>().ok())
            .is_some()
        {
            on_close.run(());
        }
    };
    let title_id = format!("{testid}-title");
    let labelled_by = title_id.clone();
    view! {
        <dialog class=move || format!("import-dialog {}", class.get()) node_ref=dialog data-testid=format!("{testid}-dialog")
            aria-labelledby=labelled_by aria-busy=move || busy.get().to_string()
            on:click=on_click on:close=move |_| on_close.run(())>
            <div class="dialog-body">
                <header class="dialog-head">
                    <h2 id=title_id class="dialog-title">{move || t(title.get())}</h2>
                    <CloseButton testid=format!("{testid}-close") on_close/>
                </header>
                {children()}
            </div>
        </dialog>
    }
}

/// Choose a file (or several, with `multiple`), see the names and size, start. Test ids:
/// `{testid}-file`, `{testid}-file-name`, `{testid}-file-size`, `{testid}-start`. The start
/// button waits for `ready` too (a preview without problems, say).
#[component]
pub fn FilePicker(
    testid: &'static str,
    accept: &'static str,
    chosen: RwSignal<Vec<File>, LocalStorage>,
    #[prop(into)] busy: Signal<bool>,
    busy_label: Msg,
    on_choose: Callback<Vec<File>>,
    on_start: Callback<()>,
    #[prop(optional)] multiple: bool,
    #[prop(into, default = Signal::stored(true))] ready: Signal<bool>,
    /// The largest file the server takes here.
    #[prop(default = MAX_IMPORT_BYTES)]
    max_bytes: u64,
) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let t = move |m: Msg| m.text(lang.get());
    let is_too_large = move |file: &File| size_of(file) > max_bytes;
    let too_large = move || chosen.with(|files| files.iter().any(is_too_large));
    let on_change = move |ev: Event| {
        let files = chosen_files(&event_target::<HtmlInputElement>(&ev));
        // Cancelling the file chooser keeps the previous choice.
        if !files.is_empty() {
            chosen.set(files.clone());
            on_choose.run(files);
        }
    };
    // Choosing the same (since edited) file again must fire `change` too.
    let on_chooser_click =
        move |ev: MouseEvent| event_target::<HtmlInputElement>(&ev).set_value("");
    let file_info = move || match chosen.get().as_slice() {
        [] => {
            view! { <span class="file-name muted">{move || t(Msg::ImportNoFile)}</span> }.into_any()
        }
        files => {
            let size = files.iter().map(size_of).sum();
            let over_limit = files.iter().any(is_too_large);
            let names = files.iter().map(File::name).collect::<Vec<_>>().join("、");
            let title = names.clone();
            view! {
                <span class="file-name" data-testid=format!("{testid}-file-name") title=title>{names}</span>
                <span class="file-size" data-testid=format!("{testid}-file-size") class:too-large=over_limit>
                    {move || file_size(lang.get(), size)}
                </span>
            }
            .into_any()
        }
    };
    let input_id = format!("{testid}-file-input");
    view! {
        <div class="import-file">
            <input id=input_id.clone() class="visually-hidden file-input" data-testid=format!("{testid}-file")
                type="file" accept=accept multiple=multiple disabled=busy
                on:click=on_chooser_click on:change=on_change/>
            <label for=input_id class="btn" class:disabled=busy>{move || t(Msg::ImportChooseFile)}</label>
            <div class="file-info">{file_info}</div>
            <button type="button" class="btn primary" data-testid=format!("{testid}-start")
                disabled=move || busy.get() || !ready.get() || too_large() || chosen.with(Vec::is_empty)
                on:click=move |_| on_start.run(())>
                {move || if busy.get() {
                    view! { <span class="spinner" aria-hidden="true"></span>{t(busy_label)}}.into_any()
                } else {
                    t(Msg::ImportStart).into_any()
                }}
            </button>
        </div>
    }
}

/// Where a refused entry sits in its file.
#[derive(Clone, Debug, PartialEq)]
pub enum Place {
    /// A position or row number.
    Number(u64),
    /// The file as a whole.
    Whole,
}

/// One refused entry: where, what (a grid code or a field), the error code and the message.
#[derive(Clone, Debug, PartialEq)]
pub struct ProblemRow {
    /// The layer of a survey with several (shown in a first column when any row has one).
    pub layer: Option<String>,
    pub place: Place,
    pub what: Option<String>,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

/// The refused entries of a file, one row each, with the error code as a chip.
#[component]
pub fn ProblemTable(
    testid: &'static str,
    /// Headings of the place and the what column.
    columns: [Msg; 2],
    rows: Vec<ProblemRow>,
) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let t = move |m: Msg| m.text(lang.get());
    let layered = rows.iter().any(|r| r.layer.is_some());
    let rows = rows
        .into_iter()
        .map(|p| {
            let place = p.place.clone();
            let layer = layered.then(|| {
                view! { <td class="layer-cell">{p.layer.clone().unwrap_or_else(|| "—".to_owned())}</td> }
            });
            // The message in the chosen language; the other one on hover.
            let (zh, en) = (p.message_zh.clone(), p.message_en.clone());
            view! {
                <tr data-problem-code=p.code.clone() data-layer=p.layer.clone()>
                    {layer}
                    <td class="mono">{move || match place {
                        Place::Number(n) => n.to_string(),
                        Place::Whole => t(Msg::ImportWholeFile).to_owned(),
                    }}</td>
                    <td class="mono">{p.what.clone().unwrap_or_else(|| "—".to_owned())}</td>
                    <td><code class="problem-code">{p.code.clone()}</code></td>
                    <td title=move || lang.get().toggled().pick(&zh, &en).to_owned()>
                        {move || lang.get().pick(&p.message_zh, &p.message_en).to_owned()}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="problem-scroll">
            <table class="problem-table" data-testid=testid>
                <thead>
                    <tr>
                        {layered.then(|| view! { <th class="col-layer">{move || t(Msg::SurveyColLayer)}</th> })}
                        <th class="col-feature">{move || t(columns[0])}</th>
                        <th class="col-grid">{move || t(columns[1])}</th>
                        <th class="col-code">{move || t(Msg::ImportColProblem)}</th>
                        <th>{move || t(Msg::ImportColMessage)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
