//! Bulk import of 12345 work-order files (CSV or XLSX) as background jobs with progress: the
//! file is read row by row, and the rows go through the same intake as every other request in
//! chunks, each chunk stored in one transaction. Orders already taken in are skipped, so a file
//! imported twice (or again after an interruption) creates nothing new.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use binhe_api::tickets::{ImportField, ImportPreview, JobFailure, JobProgress, RowError};
use binhe_core::crs::Crs;
use binhe_core::ticket::columns::{CRS_KEY, headers_signature, mapping_crs};
use binhe_core::ticket::intake::IntakeProblem;
use binhe_core::ticket::intake::IntakeRequest;
use binhe_core::ticket::{Catalogue, Classification, ColumnMapping, UNCLASSIFIED, WorkOrderField};

use super::work_orders::{
    WorkOrderFileError, WorkOrderRow, WorkOrders, preview_work_orders, read_work_orders_with,
};
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
        columns: Option<ColumnMapping>,
    ) -> u64 {
        let job = self.register(&file_name);
        let jobs = self.clone();
        tokio::spawn(async move {
            jobs.run(job, &desk, &view, bytes, &file_name, columns)
                .await;
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
        columns: Option<ColumnMapping>,
    ) -> JobProgress {
        let job = self.register(file_name);
        self.run(job, desk, view, bytes, file_name, columns).await;
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
        columns: Option<ColumnMapping>,
    ) {
        let remembered = match desk.column_mappings().await {
            Ok(remembered) => remembered,
            Err(error) => return self.store_failed(job, &error),
        };
        let name = file_name.to_owned();
        let read = tokio::task::spawn_blocking(move || {
            read_with_columns(&bytes, &name, columns, &remembered)
        })
        .await;
        let (orders, chosen, crs) = match read {
            Ok(Ok(read)) => read,
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
        // The operator's choice is kept for the next file with the same headers.
        if let Some((signature, columns)) = chosen
            && let Err(error) = desk.remember_columns(signature, columns).await
        {
            return self.store_failed(job, &error);
        }
        self.update(job, |p| {
            p.total = orders.rows.len();
            p.skipped = orders.skipped;
        });
        let catalogue = desk.catalogue();
        for chunk in orders.rows.chunks(CHUNK_ROWS) {
            if let Err(error) = self
                .import_chunk(job, desk, view, (&catalogue, crs), &orders, chunk)
                .await
            {
                return self.store_failed(job, &error);
            }
        }
        self.update(job, |p| p.finished = true);
    }

    fn store_failed(&self, job: u64, error: &dyn std::fmt::Display) {
        self.fail(
            job,
            "STORE_FAILED",
            format!(
                "保存时数据库出错，已导入的部分完整保留；重新导入同一文件即可从中断处继续（{error}）"
            ),
            format!(
                "the database failed; rows stored so far are complete, import the same file \
                 again to continue ({error})"
            ),
        );
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
        (catalogue, crs): (&Catalogue, Crs),
        orders: &WorkOrders,
        chunk: &[WorkOrderRow],
    ) -> Result<(), DeskError> {
        let mut errors = Vec::new();
        let mut requests: Vec<IntakeRequest> = Vec::new();
        let mut rows_of_requests = Vec::new();
        let mut notices_of_requests = Vec::new();
        for row in chunk {
            match &converted(row, crs) {
                Ok(request) => {
                    let mut request = request.clone();
                    notices_of_requests.push(classify(&mut request, row, catalogue, orders));
                    requests.push(request);
                    rows_of_requests.push(row.row);
                }
                Err(problems) => errors.extend(problems.iter().map(|p| RowError {
                    row: row.row,
                    field: p.field.clone(),
                    column: orders.header_of(&p.field).map(str::to_owned),
                    code: p.code.clone(),
                    message_zh: p.message_zh.clone(),
                    message_en: p.message_en.clone(),
                })),
            }
        }
        let file_rejected = chunk.len() - requests.len();
        let outcomes = desk.intake(&requests, view, now()).await?;
        let mut counts: HashMap<&str, usize> = HashMap::new();
        let mut notices = Vec::new();
        for ((outcome, row), notice) in outcomes
            .iter()
            .zip(rows_of_requests)
            .zip(notices_of_requests)
        {
            if matches!(outcome, IntakeOutcome::Created { .. }) {
                notices.extend(notice);
            }
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
                    errors.extend(problems.iter().map(|p| {
                        let column = orders.header_of(&p.field).map(str::to_owned);
                        let (zh, en) = match &column {
                            Some(c) => (
                                format!("第 {row} 行“{c}”列："),
                                format!("row {row}, column {c:?}: "),
                            ),
                            None => (format!("第 {row} 行："), format!("row {row}: ")),
                        };
                        RowError {
                            row,
                            field: p.field.clone(),
                            column,
                            code: p.code.clone(),
                            message_zh: format!("{zh}{}", p.message_zh),
                            message_en: format!("{en}{}", p.message_en),
                        }
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
            p.unclassified += notices.len();
            p.errors.extend(errors);
            p.notices.extend(notices);
        });
        Ok(())
    }
}

/// An operator's mapping to keep, by the signature of the headers it was made for.
type Remembered = (String, ColumnMapping);

/// Reads the file with the operator's columns, or with those remembered for its headers.
/// Answers the mapping to remember: the operator's, once the file was read with it.
pub fn read_with_columns(
    bytes: &[u8],
    file_name: &str,
    columns: Option<ColumnMapping>,
    remembered: &BTreeMap<String, ColumnMapping>,
) -> Result<(WorkOrders, Option<Remembered>, Crs), WorkOrderFileError> {
    let chosen = columns.filter(|c| !c.is_empty());
    let mapping = if let Some(columns) = &chosen {
        columns.clone()
    } else {
        let preview = preview_work_orders(bytes, file_name, &ColumnMapping::new())?;
        remembered
            .get(&headers_signature(&preview.headers))
            .cloned()
            .unwrap_or_default()
    };
    let orders = read_work_orders_with(bytes, file_name, &mapping)?;
    let keep = match chosen {
        Some(columns) => {
            let preview = preview_work_orders(bytes, file_name, &columns)?;
            Some((headers_signature(&preview.headers), columns))
        }
        None => None,
    };
    Ok((orders, keep, mapping_crs(&mapping)))
}

/// The row with its longitude/latitude in WGS84; a pair the coordinate system cannot convert
/// (a projected easting where degrees were expected) is the row's problem.
pub fn converted(row: &WorkOrderRow, crs: Crs) -> Result<IntakeRequest, Vec<IntakeProblem>> {
    let mut request = row.request.clone()?;
    if crs == Crs::Wgs84 {
        return Ok(request);
    }
    if let (Some(x), Some(y)) = (request.lon, request.lat) {
        let Some((lon, lat)) = crs.to_wgs84(x, y) else {
            let n = row.row;
            return Err(vec![IntakeProblem::new(
                "lon",
                "INVALID_COORDINATE",
                format!("第 {n} 行：坐标（{x}, {y}）不是{}中的位置", crs.label_zh()),
                format!(
                    "row {n}: ({x}, {y}) is not a position in {}",
                    crs.label_en()
                ),
            )]);
        };
        request.lon = Some(lon);
        request.lat = Some(lat);
    }
    Ok(request)
}

/// Puts the row's category in the catalogue's terms. One the catalogue does not know is taken
/// in as 其他 with the name it had kept in the description, and a notice for the dispatcher.
pub fn classify(
    request: &mut IntakeRequest,
    row: &WorkOrderRow,
    catalogue: &Catalogue,
    orders: &WorkOrders,
) -> Option<RowError> {
    match catalogue.classify(&row.categories) {
        Classification::Known(code) => {
            request.category = Some(code);
            None
        }
        Classification::Unclassified(_) if catalogue.find(UNCLASSIFIED).is_none() => None,
        Classification::Unclassified(name) => {
            request.category = Some(UNCLASSIFIED.to_owned());
            let row = row.row;
            let (message_zh, message_en) = if name.is_empty() {
                (
                    format!("第 {row} 行：问题类别为空，已按“其他”受理，请调度员确定类别"),
                    format!(
                        "row {row}: no category; taken in as Other for a dispatcher to classify"
                    ),
                )
            } else {
                if let Some(description) = &mut request.description {
                    let _ = write!(description, "（原分类：{name}）");
                }
                (
                    format!(
                        "第 {row} 行：问题类别“{name}”不在分类目录中，已按“其他”受理，请调度员确定类别（可在分类目录中为它添加别名）"
                    ),
                    format!(
                        "row {row}: category {name:?} is not in the catalogue; taken in as Other for a dispatcher to classify (add it as an alias in the catalogue)"
                    ),
                )
            };
            Some(RowError {
                row,
                field: "category".to_owned(),
                column: orders.header_of("category").map(str::to_owned),
                code: "UNCLASSIFIED_CATEGORY".to_owned(),
                message_zh,
                message_en,
            })
        }
    }
}

/// What `POST /api/tickets/import/preview` answers for a file (its name left empty): read with
/// the operator's columns, or with those remembered for its headers.
pub fn preview_import(
    bytes: &[u8],
    file_name: &str,
    columns: Option<ColumnMapping>,
    remembered: &BTreeMap<String, ColumnMapping>,
) -> Result<ImportPreview, WorkOrderFileError> {
    let (columns, remembered) = if let Some(columns) = columns.filter(|c| !c.is_empty()) {
        (columns, false)
    } else {
        let plain = preview_work_orders(bytes, file_name, &ColumnMapping::new())?;
        match remembered.get(&headers_signature(&plain.headers)) {
            Some(columns) => (columns.clone(), true),
            None => (ColumnMapping::new(), false),
        }
    };
    let preview = preview_work_orders(bytes, file_name, &columns)?;
    let crs = mapping_crs(&columns);
    let mut columns = columns;
    columns.remove(CRS_KEY);
    Ok(ImportPreview {
        crs,
        file_name: String::new(),
        sheet: preview.sheet,
        header_row: preview.header_row,
        header_found: preview.header_found,
        headers: preview.headers,
        fields: preview.fields,
        rows: preview.rows,
        missing: preview.missing,
        columns,
        remembered,
        all_fields: WorkOrderField::ALL
            .into_iter()
            .map(|field| ImportField {
                field,
                label_zh: field.label_zh().to_owned(),
                label_en: field.label_en().to_owned(),
                required: WorkOrderField::REQUIRED.contains(&field),
            })
            .collect(),
    })
}
