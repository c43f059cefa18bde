//! Importing 12345 work orders: the export file (CSV or XLSX) goes to the server as it is. On
//! choosing a file the server's preview says how each column will be read; when a required
//! field has no column (or the operator asks), a table maps the file's columns to the fields,
//! read again on every change. The dialog then follows the import job with a progress bar and
//! lists every refused row and every order taken in as 其他.

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::File;

use super::import::{count_row, failed_view};
use super::upload::{FilePicker, Modal, Place, ProblemRow, ProblemTable};
use crate::api::ApiError;
use crate::api::texts::Named;
use binhe_api::tickets::{ImportPreview, ImportQuery, JobProgress, RowError};
use binhe_core::Crs;
use binhe_core::ticket::{ColumnMapping, WorkOrderField};

use crate::api::tickets as api;
use crate::app::AppState;
use crate::components::ErrorText;
use crate::i18n::{self, Lang, Msg};
use crate::local_file::check_size;
use crate::tickets::Desk;
use crate::tickets::columns::{choose, header_of, read_as, ready};
use crate::tickets::time::sleep;

/// How often the job is asked how far it got.
const POLL: Duration = Duration::from_millis(300);

#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Waiting,
    /// Uploading, before the server named the job.
    Uploading,
    Running(JobProgress),
    Failed(ApiError),
}

/// What the server said of the chosen file's columns.
#[derive(Clone, Copy)]
struct Columns {
    /// The last preview of the chosen file (kept while the next one is read).
    preview: RwSignal<Option<Arc<ImportPreview>>>,
    /// A preview is being read.
    reading: RwSignal<bool>,
    error: RwSignal<Option<ApiError>>,
    /// The operator's choice, sent with the next preview and the import …
    mapping: RwSignal<ColumnMapping>,
    /// … and the coordinate system of the longitude/latitude columns.
    crs: RwSignal<Crs>,
    /// The operator opened the mapping table.
    adjust: RwSignal<bool>,
    /// Numbers the previews asked for, so an older answer is dropped.
    round: StoredValue<u64>,
}

impl Columns {
    fn new() -> Self {
        Columns {
            preview: RwSignal::new(None),
            reading: RwSignal::new(false),
            error: RwSignal::new(None),
            mapping: RwSignal::new(ColumnMapping::new()),
            crs: RwSignal::new(Crs::Wgs84),
            adjust: RwSignal::new(false),
            round: StoredValue::new(0),
        }
    }

    fn clear(self) {
        self.round.update_value(|r| *r += 1);
        self.preview.set(None);
        self.reading.set(false);
        self.error.set(None);
        self.mapping.set(ColumnMapping::new());
        self.crs.set(Crs::Wgs84);
        self.adjust.set(false);
    }

    /// Asks how `file` reads with `query` (naming nothing: as recognised or remembered).
    fn read(self, file: File, query: ImportQuery) {
        self.round.update_value(|r| *r += 1);
        let round = self.round.get_value();
        self.reading.set(true);
        spawn_local(async move {
            let result = api::preview_import(&file, &query).await;
            if self.round.get_value() != round {
                return;
            }
            self.reading.set(false);
            match result {
                Ok(preview) => {
                    self.error.set(None);
                    self.mapping.set(preview.columns.clone());
                    self.crs.set(preview.crs);
                    self.preview.set(Some(Arc::new(preview)));
                }
                Err(e) => self.error.set(Some(e)),
            }
        });
    }

    /// Nothing to import yet: no preview, one being read, or a required field unmapped.
    /// The operator's columns and coordinate system as the import sends them.
    fn query(self) -> ImportQuery {
        ImportQuery::new(
            &self.mapping.get_untracked(),
            Some(self.crs.get_untracked()),
        )
    }

    fn blocked(self) -> bool {
        self.reading.get()
            || self.error.with(Option::is_some)
            || self.preview.with(|p| p.as_ref().is_none_or(|p| !ready(p)))
    }
}

#[component]
pub fn TicketImport(open: RwSignal<bool>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let desk = expect_context::<Desk>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let chosen = RwSignal::new_local(Vec::<File>::new());
    let outcome = RwSignal::new(Outcome::Waiting);
    let columns = Columns::new();
    let busy = Signal::derive(move || {
        outcome.with(|o| match o {
            Outcome::Uploading => true,
            Outcome::Running(job) => !job.finished,
            Outcome::Waiting | Outcome::Failed(_) => false,
        })
    });

    let on_choose = Callback::new(move |files: Vec<File>| {
        columns.clear();
        let Some(file) = files.into_iter().next() else {
            return;
        };
        match check_size(&file) {
            Ok(()) => {
                outcome.set(Outcome::Waiting);
                columns.read(file, ImportQuery::default());
            }
            Err(e) => outcome.set(Outcome::Failed(e)),
        }
    });
    let on_map = move |field: WorkOrderField, header: String| {
        let Some(file) = chosen.with_untracked(|files| files.first().cloned()) else {
            return;
        };
        columns
            .mapping
            .update(|mapping| *mapping = choose(mapping, field, &header));
        // The table stays open while the operator works on it.
        columns.adjust.set(true);
        columns.read(file, columns.query());
    };
    let on_crs = move |code: String| {
        let Some(file) = chosen.with_untracked(|files| files.first().cloned()) else {
            return;
        };
        columns.crs.set(Crs::from_code(&code).unwrap_or(Crs::Wgs84));
        columns.adjust.set(true);
        columns.read(file, columns.query());
    };
    let on_start = Callback::new(move |()| {
        let Some(file) = chosen.with_untracked(|files| files.first().cloned()) else {
            return;
        };
        let query = columns.query();
        outcome.set(Outcome::Uploading);
        spawn_local(async move {
            match api::start_import(&file, &query).await {
                Ok(job) => follow(job, outcome, desk).await,
                Err(e) => outcome.set(Outcome::Failed(e)),
            }
        });
    });

    // The columns while there is a file to import; the job once it runs.
    let plan = move || {
        if !matches!(outcome.get(), Outcome::Waiting) {
            return ().into_any();
        }
        if let Some(error) = columns.error.get() {
            return failed_view(lang, "ticket-import-preview", error).into_any();
        }
        match columns.preview.get() {
            Some(preview) => columns_view(lang, columns, &preview, (on_map, on_crs)).into_any(),
            None if columns.reading.get() => view! {
                <p class="muted import-reading"><span class="spinner" aria-hidden="true"></span>{t(Msg::TicketImportPreviewing)}</p>
            }
            .into_any(),
            None => ().into_any(),
        }
    };
    let result = move || match outcome.get() {
        Outcome::Waiting | Outcome::Uploading => ().into_any(),
        Outcome::Running(job) => job_view(lang, job).into_any(),
        Outcome::Failed(error) => failed_view(lang, "ticket-import", error).into_any(),
    };

    view! {
        <Modal open on_close=Callback::new(move |()| open.set(false)) title=Msg::TicketImportTitle testid="ticket-import"
            busy class="ticket-import-dialog">
            <ul class="import-rules">
                <li>{move || t(Msg::TicketImportRuleFormat)}</li>
                <li>{move || t(Msg::TicketImportRuleColumns)}</li>
                <li class="rule-key">{move || t(Msg::TicketImportRuleAgain)}</li>
            </ul>
            <FilePicker testid="ticket-import" accept=".csv,.xlsx" chosen busy busy_label=Msg::TicketImportBusy
                on_choose on_start ready=Signal::derive(move || !columns.blocked())/>
            <div class="import-plan-area">{plan}</div>
            <div class="import-result-area" aria-live="polite">{result}</div>
        </Modal>
    }
}

/// How the file's columns will be read: a line per column when every required field has one,
/// else (or when the operator asks) the file's first rows and a column chooser per field.
/// Test ids: `ticket-import-columns` (`data-missing`, `data-remembered`), `…-remembered`,
/// `…-missing`, `…-adjust`, `…-read-as`, `…-sample`, `…-mapping`, `…-map-{field}`.
fn columns_view(
    lang: RwSignal<Lang>,
    columns: Columns,
    preview: &Arc<ImportPreview>,
    on_change: (
        impl Fn(WorkOrderField, String) + Copy + Send + Sync + 'static,
        impl Fn(String) + Copy + Send + Sync + 'static,
    ),
) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    let missing = preview.missing.clone();
    let must_map = !missing.is_empty();
    let missing_codes = missing
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let field_label = {
        let fields = preview.all_fields.clone();
        move |field: WorkOrderField, lang: Lang| {
            fields.iter().find(|f| f.field == field).map_or_else(
                || lang.pick(field.label_zh(), field.label_en()).to_owned(),
                |f| lang.pick(&f.label_zh, &f.label_en).to_owned(),
            )
        }
    };
    let missing_chips = {
        let label = field_label.clone();
        missing
            .iter()
            .map(|&f| {
                let label = label.clone();
                view! { <span class="field-chip missing" data-field=f.as_str()>{move || label(f, lang.get())}</span> }
            })
            .collect_view()
    };
    let body = {
        let preview = Arc::clone(preview);
        move || {
            if must_map || columns.adjust.get() {
                mapping_view(lang, &preview, field_label.clone(), on_change).into_any()
            } else {
                summary_view(lang, &preview, field_label.clone()).into_any()
            }
        }
    };
    view! {
        <div class="column-plan" data-testid="ticket-import-columns" data-missing=missing_codes
            data-remembered=preview.remembered.to_string() aria-busy=move || columns.reading.get().to_string()>
            {preview.remembered.then(|| view! {
                <p class="remembered-note" data-testid="ticket-import-remembered">
                    <span class="result-mark" aria-hidden="true">"✓"</span>{move || t(Msg::TicketImportRemembered)}
                </p>
            })}
            {must_map.then(|| view! {
                <p class="missing-note" role="alert" data-testid="ticket-import-missing">
                    {move || t(Msg::TicketImportMissing)}" "{missing_chips}
                </p>
            })}
            {body}
            {(!must_map).then(|| view! {
                <button type="button" class="btn small quiet adjust-btn" data-testid="ticket-import-adjust"
                    aria-expanded=move || columns.adjust.get().to_string()
                    on:click=move |_| columns.adjust.update(|a| *a = !*a)>
                    {move || t(if columns.adjust.get() { Msg::TicketImportAdjustHide } else { Msg::TicketImportAdjust })}
                </button>
            })}
        </div>
    }
}

/// `情况说明 → 问题描述` for every column read, and the columns not read.
fn summary_view(
    lang: RwSignal<Lang>,
    preview: &ImportPreview,
    field_label: impl Fn(WorkOrderField, Lang) -> String + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    let (read, unread) = read_as(preview);
    let chips = read
        .into_iter()
        .map(|(header, field)| {
            let label = field_label.clone();
            view! {
                <li class="read-as" data-field=field.as_str()>
                    <span class="read-header">{header}</span>
                    <span class="read-arrow" aria-hidden="true">"→"</span>
                    <span class="read-field">{move || label(field, lang.get())}</span>
                </li>
            }
        })
        .collect_view();
    let crs = preview.crs;
    let crs_chip = (crs != Crs::Wgs84).then(|| {
        view! {
            <li class="read-as" data-field="crs">
                <span class="read-header">{move || t(Msg::TicketImportCrs)}</span>
                <span class="read-field">{move || crs.short(lang.get())}</span>
            </li>
        }
    });
    view! {
        <p class="plan-title">{move || t(Msg::TicketImportReadAs)}</p>
        <ul class="read-as-list" data-testid="ticket-import-read-as">{chips}{crs_chip}</ul>
        {(!unread.is_empty()).then(|| view! {
            <p class="result-note small">{move || t(Msg::TicketImportUnread)}" "{unread.join("、")}</p>
        })}
    }
}

/// The file's header and first rows, and per field a choice of the file's columns.
fn mapping_view(
    lang: RwSignal<Lang>,
    preview: &ImportPreview,
    field_label: impl Fn(WorkOrderField, Lang) -> String + Clone + Send + Sync + 'static,
    (on_map, on_crs): (
        impl Fn(WorkOrderField, String) + Copy + Send + Sync + 'static,
        impl Fn(String) + Copy + Send + Sync + 'static,
    ),
) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    let head = preview
        .headers
        .iter()
        .zip(&preview.fields)
        .map(|(header, field)| {
            let label = field_label.clone();
            let field = *field;
            view! {
                <th class:unread=field.is_none()>
                    <span class="sample-header">{header.clone()}</span>
                    <span class="sample-field">{move || match field {
                        Some(f) => label(f, lang.get()),
                        None => t(Msg::TicketImportNotRead).to_owned(),
                    }}</span>
                </th>
            }
        })
        .collect_view();
    let width = preview.headers.len();
    let rows = preview
        .rows
        .iter()
        .map(|row| {
            let cells = (0..width)
                .map(|i| view! { <td>{row.get(i).cloned().unwrap_or_default()}</td> })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    let choosers = preview
        .all_fields
        .iter()
        .map(|f| {
            let field = f.field;
            let current = header_of(preview, field).unwrap_or_default();
            let missing = preview.missing.contains(&field);
            let (zh, en) = (f.label_zh.clone(), f.label_en.clone());
            let options = preview
                .headers
                .iter()
                .filter(|h| !h.trim().is_empty())
                .map(|h| view! { <option value=h.clone() selected=*h == current>{h.clone()}</option> })
                .collect_view();
            let none_chosen = current.is_empty();
            view! {
                <label class="mapping-row" class:missing=missing data-field=field.as_str()>
                    <span class="mapping-field">
                        {move || lang.get().pick(&zh, &en).to_owned()}
                        {f.required.then(|| view! {
                            <span class="required-mark" title=move || t(Msg::TicketImportRequired)>"*"</span>
                        })}
                    </span>
                    <select class="mapping-select" data-testid=format!("ticket-import-map-{}", field.as_str())
                        on:change=move |ev| on_map(field, event_target_value(&ev))>
                        <option value="" selected=none_chosen>{move || t(Msg::TicketImportNoColumn)}</option>
                        {options}
                    </select>
                </label>
            }
        })
        .collect_view();
    view! {
        <p class="plan-title">{move || t(Msg::TicketImportSample)}</p>
        <div class="sample-scroll">
            <table class="sample-table" data-testid="ticket-import-sample">
                <thead><tr>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="plan-title">{move || t(Msg::TicketImportMappingTitle)}
            <span class="plan-hint">{move || t(Msg::TicketImportMappingHint)}</span></p>
        <div class="mapping-grid" data-testid="ticket-import-mapping">
            {choosers}
            {crs_chooser(lang, preview.crs, on_crs)}
        </div>
    }
}

/// The coordinate system of the longitude/latitude columns (many hotline systems export GCJ-02
/// or BD-09). Test id: `ticket-import-crs`.
fn crs_chooser(
    lang: RwSignal<Lang>,
    current: Crs,
    on_crs: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let options = Crs::ALL
        .into_iter()
        .map(|crs| {
            view! {
                <option value=crs.as_str() selected=crs == current>{move || crs.name(lang.get())}</option>
            }
        })
        .collect_view();
    view! {
        <label class="mapping-row" data-field="crs">
            <span class="mapping-field">{move || Msg::TicketImportCrs.text(lang.get())}</span>
            <select class="mapping-select" data-testid="ticket-import-crs"
                on:change=move |ev| on_crs(event_target_value(&ev))>
                {options}
            </select>
        </label>
    }
}

/// Asks for the job's progress until it has finished; new tickets reach the queue as they come.
async fn follow(job: u64, outcome: RwSignal<Outcome>, desk: Desk) {
    loop {
        match api::import_job(job).await {
            Ok(progress) => {
                let finished = progress.finished;
                outcome.set(Outcome::Running(progress));
                desk.changed();
                if finished {
                    return;
                }
            }
            Err(e) => {
                outcome.set(Outcome::Failed(e));
                return;
            }
        }
        sleep(POLL).await;
    }
}

fn job_view(lang: RwSignal<Lang>, job: JobProgress) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    let share = if job.total == 0 {
        0.0
    } else {
        job.done as f64 / job.total as f64 * 100.0
    };
    let counts = vec![
        ("created", Msg::TicketImportCreated, job.created as u64),
        ("merged", Msg::TicketImportMerged, job.merged as u64),
        ("flagged", Msg::TicketImportFlagged, job.flagged as u64),
        ("existing", Msg::TicketImportExisting, job.existing as u64),
        ("rejected", Msg::TicketImportRejected, job.rejected as u64),
    ];
    let rows = problem_rows(job.errors);
    let notices = problem_rows(job.notices);
    let (done, total, finished) = (job.done, job.total, job.finished);
    let (skipped, unclassified) = (job.skipped, job.unclassified);
    let failure = job
        .failed
        .map(|f| ApiError::client(&f.code, f.message_zh, f.message_en));
    let ok = finished && failure.is_none();
    view! {
        <div class="import-result" class:ok=ok data-testid="ticket-import-progress"
            data-finished=finished.to_string() role="status">
            <p class="result-title">
                {move || if finished { t(Msg::TicketImportDone) } else { t(Msg::TicketImportRunning) }}
                <span class="mono progress-count" data-testid="ticket-import-count">{format!(" {done} / {total}")}</span>
            </p>
            <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=total.to_string()
                aria-valuenow=done.to_string()>
                <div class="progress-bar" style=format!("width: {share:.1}%")></div>
            </div>
            {count_row(lang, counts)}
            {(skipped > 0).then(|| view! {
                <p class="result-note" data-testid="ticket-import-skipped" data-count=skipped.to_string()>
                    {move || i18n::import_skipped(lang.get(), skipped)}
                </p>
            })}
            {(unclassified > 0).then(|| view! {
                <p class="result-note unclassified-note" data-testid="ticket-import-unclassified" data-count=unclassified.to_string()>
                    {move || i18n::import_unclassified(lang.get(), unclassified)}
                </p>
            })}
            {failure.map(|error| view! { <p class="action-error" role="alert"><ErrorText error/></p> })}
        </div>
        {(!notices.is_empty()).then(|| view! {
            <div class="import-result import-notices" data-testid="ticket-import-notices">
                <p class="result-note">{move || t(Msg::TicketImportNoticesTitle)}</p>
                <ProblemTable testid="ticket-import-notice-rows" columns=[Msg::TicketImportColRow, Msg::TicketImportColColumn] rows=notices/>
            </div>
        })}
        {(!rows.is_empty()).then(|| view! {
            <div class="import-result rejected" data-testid="ticket-import-rejected">
                <p class="result-note">{move || t(Msg::TicketImportRowsRefused)}</p>
                <ProblemTable testid="ticket-import-problems" columns=[Msg::TicketImportColRow, Msg::TicketImportColColumn] rows/>
            </div>
        })}
    }
}

/// A row's problem or notice, named by the file's column (by the field where none is known).
fn problem_rows(errors: Vec<RowError>) -> Vec<ProblemRow> {
    errors
        .into_iter()
        .map(|e| ProblemRow {
            layer: None,
            place: Place::Number(e.row as u64),
            what: Some(e.column.unwrap_or(e.field)),
            code: e.code,
            message_zh: e.message_zh,
            message_en: e.message_en,
        })
        .collect()
}
