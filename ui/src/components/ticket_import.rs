//! Importing 12345 work orders: the export file (CSV or XLSX) goes to the server as it is; the
//! dialog follows the import job with a progress bar and lists every refused row.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::File;

use super::import::{count_row, failed_view};
use super::upload::{FilePicker, Modal, Place, ProblemRow, ProblemTable};
use crate::api::ApiError;
use binhe_api::tickets::JobProgress;

use crate::api::tickets as api;
use crate::app::AppState;
use crate::i18n::{Lang, Msg};
use crate::local_file::check_size;
use crate::tickets::Desk;
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

#[component]
pub fn TicketImport(open: RwSignal<bool>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let desk = expect_context::<Desk>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let chosen = RwSignal::new_local(Vec::<File>::new());
    let outcome = RwSignal::new(Outcome::Waiting);
    let busy = Signal::derive(move || {
        outcome.with(|o| match o {
            Outcome::Uploading => true,
            Outcome::Running(job) => !job.finished,
            Outcome::Waiting | Outcome::Failed(_) => false,
        })
    });

    let on_choose = Callback::new(move |files: Vec<File>| {
        let checked = files.first().map_or(Ok(()), check_size);
        outcome.set(checked.map_or_else(Outcome::Failed, |()| Outcome::Waiting));
    });
    let on_start = Callback::new(move |()| {
        let Some(file) = chosen.with_untracked(|files| files.first().cloned()) else {
            return;
        };
        outcome.set(Outcome::Uploading);
        spawn_local(async move {
            match api::start_import(&file).await {
                Ok(job) => follow(job, outcome, desk).await,
                Err(e) => outcome.set(Outcome::Failed(e)),
            }
        });
    });

    let result = move || match outcome.get() {
        Outcome::Waiting | Outcome::Uploading => ().into_any(),
        Outcome::Running(job) => job_view(lang, job).into_any(),
        Outcome::Failed(error) => failed_view(lang, "ticket-import", error).into_any(),
    };

    view! {
        <Modal open on_close=Callback::new(move |()| open.set(false)) title=Msg::TicketImportTitle testid="ticket-import" busy>
            <ul class="import-rules">
                <li>{move || t(Msg::TicketImportRuleFormat)}</li>
                <li>{move || t(Msg::TicketImportRuleColumns)}</li>
                <li class="rule-key">{move || t(Msg::TicketImportRuleAgain)}</li>
            </ul>
            <FilePicker testid="ticket-import" accept=".csv,.xlsx" chosen busy busy_label=Msg::TicketImportBusy
                on_choose on_start/>
            <div class="import-result-area" aria-live="polite">{result}</div>
        </Modal>
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
    let rows: Vec<ProblemRow> = job
        .errors
        .into_iter()
        .map(|e| ProblemRow {
            layer: None,
            place: Place::Number(e.row as u64),
            what: Some(e.field),
            code: e.code,
            message_zh: e.message_zh,
            message_en: e.message_en,
        })
        .collect();
    let (done, total, finished) = (job.done, job.total, job.finished);
    view! {
        <div class="import-result" class:ok=finished data-testid="ticket-import-progress"
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
        </div>
        {(!rows.is_empty()).then(|| view! {
            <div class="import-result rejected" data-testid="ticket-import-rejected">
                <p class="result-note">{move || t(Msg::TicketImportRowsRefused)}</p>
                <ProblemTable testid="ticket-import-problems" columns=[Msg::TicketImportColRow, Msg::TicketImportColField] rows/>
            </div>
        })}
    }
}
