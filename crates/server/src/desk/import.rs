//! Bulk import of 12345 work-order files (CSV or XLSX) as background jobs with progress: the
//! file is read row by row, and the rows go through the same intake as every other request in
//! chunks, each chunk stored in one transaction. Orders already taken in are skipped, so a file
//! imported twice (or again after an interruption) creates nothing new.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use binhe_api::tickets::{JobFailure, JobProgress, RowError};
use binhe_core::ticket::intake::IntakeRequest;

use super::work_orders::{WorkOrderRow, read_work_orders};
use super::{DeskError, IntakeOutcome, TicketDesk, now};
use crate::dataset::GridView;

/// Rows per intake call: big enough for multi-row inserts, small enough for a lively bar.
const CHUNK_ROWS: usize = 500;
/// Finished jobs kept for the terminals that still poll them.
const KEEP_JOBS: usize = 20;

#[derive(Debug, Clone, Default)]
pub struct ImportJobs {
    next: Arc<AtomicU64>,
    jobs: Arc<Mutex<BTreeMap<u64, JobProgress>>>,
}

impl ImportJobs {
    fn update(&self, job: u64, change: impl FnOnce(&mut JobProgress)) {
        let mut jobs = self.jobs.lock().expect("job table lock is never poisoned");
        if let Some(progress) = jobs.get_mut(&job) {
            change(progress);
        }
    }

    pub fn progress(&self, job: u64) -> Option<JobProgress> {
        self.jobs
            .lock()
            .expect("job table lock is never poisoned")
            .get(&job)
            .cloned()
    }

    /// Registers a job and runs it in the background; returns its number at once.
    pub fn start(
        &self,
        desk: TicketDesk,
        view: Arc<GridView>,
        bytes: Vec<u8>,
        file_name: String,
    ) -> u64 {
        let job = self.register(&file_name);
        let jobs = self.clone();
        tokio::spawn(async move {
            jobs.run(job, &desk, &view, bytes, &file_name).await;
        });
        job
    }

    /// Registers a job and runs it to the end (the command-line import).
    pub async fn run_now(
        &self,
        desk: &TicketDesk,
        view: &GridView,
        bytes: Vec<u8>,
        file_name: &str,
    ) -> JobProgress {
        let job = self.register(file_name);
        self.run(job, desk, view, bytes, file_name).await;
        self.progress(job).expect("a job just run is kept")
    }

    fn register(&self, file_name: &str) -> u64 {
        let job = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        {
            let mut jobs = self.jobs.lock().expect("job table lock is never poisoned");
            while jobs.len() >= KEEP_JOBS {
                let oldest = *jobs.keys().next().expect("not empty");
                jobs.remove(&oldest);
            }
            jobs.insert(
                job,
                JobProgress {
                    job,
                    file_name: file_name.to_owned(),
                    ..JobProgress::default()
                },
            );
        }
        job
    }

    async fn run(
        &self,
        job: u64,
        desk: &TicketDesk,
        view: &GridView,
        bytes: Vec<u8>,
        file_name: &str,
    ) {
        let name = file_name.to_owned();
        let read = tokio::task::spawn_blocking(move || read_work_orders(&bytes, &name)).await;
        let rows = match read {
            Ok(Ok(rows)) => rows,
            Ok(Err(error)) => {
                self.fail(job, error.code(), error.message_zh(), error.to_string());
                return;
            }
            Err(panic) => {
                self.fail(
                    job,
                    "READ_FAILED",
                    "读取文件时出错".to_owned(),
                    panic.to_string(),
                );
                return;
            }
        };
        self.update(job, |p| p.total = rows.len());
        for chunk in rows.chunks(CHUNK_ROWS) {
            if let Err(error) = self.import_chunk(job, desk, view, chunk).await {
                self.fail(
                    job,
                    "STORE_FAILED",
                    format!(
                        "保存时数据库出错，已导入的部分完整保留；重新导入同一文件即可从中断处继续（{error}）"
                    ),
                    format!("the database failed; rows stored so far are complete, import the same file again to continue ({error})"),
                );
                return;
            }
        }
        self.update(job, |p| p.finished = true);
    }

    fn fail(&self, job: u64, code: &str, message_zh: String, message_en: String) {
        self.update(job, |p| {
            p.failed = Some(JobFailure {
                code: code.to_owned(),
                message_zh,
                message_en,
            });
            p.finished = true;
        });
    }

    async fn import_chunk(
        &self,
        job: u64,
        desk: &TicketDesk,
        view: &GridView,
        chunk: &[WorkOrderRow],
    ) -> Result<(), DeskError> {
        let mut errors = Vec::new();
        let mut requests: Vec<IntakeRequest> = Vec::new();
        let mut rows_of_requests = Vec::new();
        for row in chunk {
            match &row.request {
                Ok(request) => {
                    requests.push(request.clone());
                    rows_of_requests.push(row.row);
                }
                Err(problems) => errors.extend(problems.iter().map(|p| RowError {
                    row: row.row,
                    field: p.field.clone(),
                    code: p.code.clone(),
                    message_zh: p.message_zh.clone(),
                    message_en: p.message_en.clone(),
                })),
            }
        }
        let file_rejected = chunk.len() - requests.len();
        let outcomes = desk.intake(&requests, view, now()).await?;
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for (outcome, row) in outcomes.iter().zip(rows_of_requests) {
            let kind = match outcome {
                IntakeOutcome::Created {
                    duplicate: Some(d), ..
                } if d.clear => "merged",
                IntakeOutcome::Created {
                    duplicate: Some(_), ..
                } => "flagged",
                IntakeOutcome::Created { .. } => "created",
                IntakeOutcome::Existing { .. } => "existing",
                IntakeOutcome::Rejected { problems } => {
                    errors.extend(problems.iter().map(|p| RowError {
                        row,
                        field: p.field.clone(),
                        code: p.code.clone(),
                        message_zh: format!("第 {row} 行：{}", p.message_zh),
                        message_en: format!("row {row}: {}", p.message_en),
                    }));
                    "rejected"
                }
            };
            *counts.entry(kind).or_default() += 1;
        }
        self.update(job, |p| {
            p.done += chunk.len();
            // Merged and flagged tickets are new tickets too.
            p.created += counts.get("created").copied().unwrap_or(0)
                + counts.get("merged").copied().unwrap_or(0)
                + counts.get("flagged").copied().unwrap_or(0);
            p.merged += counts.get("merged").copied().unwrap_or(0);
            p.flagged += counts.get("flagged").copied().unwrap_or(0);
            p.existing += counts.get("existing").copied().unwrap_or(0);
            p.rejected += file_rejected + counts.get("rejected").copied().unwrap_or(0);
            p.errors.extend(errors);
        });
        Ok(())
    }
}
