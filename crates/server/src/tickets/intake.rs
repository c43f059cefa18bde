//! Requests in: one at a time from any channel (`POST /api/tickets`, camera alerts with their
//! picture), a whole 12345 export as a background job, and the catalogue and SLA table intake
//! checks against.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::http::{HeaderMap, StatusCode};
use binhe_api::tickets::{
    CatalogueView, Created, DuplicateFound, ImportPreview, ImportQuery, ImportStarted, JobProgress,
    Labelled, ReportRequest,
};
use binhe_core::access::Role;
use binhe_core::ticket::columns::CRS_KEY;
use binhe_core::ticket::intake::validate;
use binhe_core::ticket::{
    Catalogue, Category, Channel, ColumnMapping, SlaTable, TicketState, WorkOrderField,
};
use binhe_store::DeviceRepository;

use super::{Shown, TicketError};
use crate::dataset::Grids;
use crate::desk::alerts::{CheckedAlert, check_alert, take_picture};
use crate::desk::import::{ImportJobs, preview_import};
use crate::desk::{IntakeOutcome, SettingsError, TicketDesk, now};
use crate::gateway::Gateway;
use crate::http::extract::{Json, Path, Query, read_body, uploaded_file_name};
use crate::http::{Admits, ApiError, Caller, RequestError};

fn catalogue_view(catalogue: &Catalogue) -> CatalogueView {
    CatalogueView {
        categories: catalogue.categories.clone(),
        channels: Channel::ALL.into_iter().map(Labelled::of).collect(),
        states: TicketState::ALL.into_iter().map(Labelled::of).collect(),
    }
}

pub(super) async fn catalogue(State(desk): State<TicketDesk>) -> Json<CatalogueView> {
    Json(catalogue_view(&desk.catalogue()))
}

pub(super) async fn sla(State(desk): State<TicketDesk>) -> Json<SlaTable> {
    Json((*desk.sla()).clone())
}

fn settings_error(field: &'static str, error: SettingsError) -> ApiError {
    match error {
        SettingsError::Invalid(problems) => RequestError::bad(
            field,
            problems
                .iter()
                .map(|(en, _)| en.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            problems
                .iter()
                .map(|(_, zh)| zh.as_str())
                .collect::<Vec<_>>()
                .join("；"),
        )
        .into(),
        SettingsError::Store(error) => error.into(),
    }
}

/// Replaces the category catalogue (the whole list, as `GET` returns its `categories`).
pub(super) async fn replace_catalogue(
    State(desk): State<TicketDesk>,
    caller: Caller,
    body: Result<axum::Json<Vec<Category>>, JsonRejection>,
) -> Result<Json<CatalogueView>, ApiError> {
    caller.must_administer()?;
    let categories = read_body(body, "请求内容无效")?;
    desk.replace_catalogue(Catalogue { categories })
        .await
        .map_err(|e| settings_error("categories", e))?;
    Ok(Json(catalogue_view(&desk.catalogue())))
}

pub(super) async fn replace_sla(
    State(desk): State<TicketDesk>,
    caller: Caller,
    body: Result<axum::Json<SlaTable>, JsonRejection>,
) -> Result<Json<SlaTable>, ApiError> {
    caller.must_administer()?;
    let table = read_body(body, "请求内容无效")?;
    desk.replace_sla(table)
        .await
        .map_err(|e| settings_error("sla", e))?;
    Ok(Json((*desk.sla()).clone()))
}

/// Who may report a request.
pub(super) const REPORT: Admits = Admits {
    roles: &[Role::Dispatcher, Role::Commander, Role::Worker],
    action: "report a request",
};

/// Who may import work-order files.
pub(super) const IMPORT_ORDERS: Admits = Admits {
    roles: &[Role::Dispatcher],
    action: "import work orders",
};

/// `POST /api/tickets`: one request through the intake; a camera alert keeps the picture it
/// came with, or gets one from its camera.
pub(super) async fn create(
    State(desk): State<TicketDesk>,
    State(grids): State<Grids>,
    State(gateway): State<Gateway>,
    State(devices): State<Arc<dyn DeviceRepository>>,
    caller: Caller,
    body: Result<axum::Json<ReportRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    caller.must_be(REPORT.roles, REPORT.action)?;
    let ReportRequest {
        mut request,
        snapshot_jpeg,
    } = read_body(body, "请求内容不是有效的工单 JSON")?;
    // The stored picture is named by the server only.
    request.snapshot = None;
    // A grid worker's report is theirs: they follow it as its reporter.
    if let Some(worker) = &caller.principal.worker_id {
        request.source_ref = Some(worker.clone());
    }
    let view = grids.view();
    let at = now();
    let mut problems = Vec::new();
    let alert =
        check_alert(&view, &mut request, snapshot_jpeg.as_deref(), at).unwrap_or_else(|found| {
            problems = found;
            CheckedAlert::default()
        });
    if let Err(found) = validate(&request, &desk.catalogue(), view.hierarchy(), at) {
        problems.extend(found);
    }
    if !problems.is_empty() {
        return Err(TicketError::IntakeRejected { problems }.into());
    }
    // The request is good: keep its picture (or take one from the camera), then take it in.
    if let Some(picture) = alert.picture {
        devices.save_snapshot(&picture).await?;
        request.snapshot = Some(picture.id);
    } else if let Some(camera) = alert.camera {
        request.snapshot = take_picture(&gateway, devices.as_ref(), camera).await;
    }
    let outcome = desk.intake_one(request, view.clone()).await?;
    let shown = Shown::now(&desk, &grids);
    let ctx = shown.context();
    match outcome {
        IntakeOutcome::Created { ticket, duplicate } => {
            let duplicate = duplicate.map(|d| DuplicateFound {
                of: d.of,
                distance_m: (d.distance_m * 10.0).round() / 10.0,
                hours_apart: (d.hours_apart * 100.0).round() / 100.0,
                merged: d.clear,
            });
            Ok((
                StatusCode::CREATED,
                Json(Created {
                    ticket: ctx.ticket(&ticket, 0),
                    duplicate,
                    existing: false,
                }),
            ))
        }
        IntakeOutcome::Existing { id } => {
            let ticket = desk.ticket(id).await?;
            Ok((
                StatusCode::OK,
                Json(Created {
                    ticket: ctx.ticket(&ticket, 0),
                    duplicate: None,
                    existing: true,
                }),
            ))
        }
        IntakeOutcome::Rejected { problems } => {
            Err(TicketError::IntakeRejected { problems }.into())
        }
    }
}

/// Starts importing a 12345 work-order file (CSV or XLSX, the raw file as the body), with the
/// operator's choice of columns if `?columns=` gives one.
pub(super) async fn import_file(
    State(desk): State<TicketDesk>,
    State(grids): State<Grids>,
    State(imports): State<ImportJobs>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<ImportQuery>,
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ImportStarted>), ApiError> {
    caller.must_be(IMPORT_ORDERS.roles, IMPORT_ORDERS.action)?;
    let columns = columns_of(&query)?;
    let body = uploaded(body)?;
    let file_name = uploaded_file_name(&headers);
    let job = imports.start(desk, grids.view(), body.to_vec(), file_name, columns);
    Ok((StatusCode::ACCEPTED, Json(ImportStarted { job })))
}

/// The header and first rows of a work-order file and how its columns would be read — with
/// `?columns=`, or as remembered for these headers. Nothing is stored.
pub(super) async fn preview_file(
    State(desk): State<TicketDesk>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<ImportQuery>,
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Result<Json<ImportPreview>, ApiError> {
    caller.must_be(IMPORT_ORDERS.roles, IMPORT_ORDERS.action)?;
    let columns = columns_of(&query)?;
    let body = uploaded(body)?;
    let file_name = uploaded_file_name(&headers);
    let remembered = desk.column_mappings().await?;
    let name = file_name.clone();
    let preview =
        tokio::task::spawn_blocking(move || preview_import(&body, &name, columns, &remembered))
            .await
            .map_err(|e| RequestError::Internal(e.to_string()))?
            .map_err(|e| TicketError::UnreadableFile {
                code: e.code(),
                message_zh: e.message_zh(),
                message_en: e.to_string(),
            })?;
    Ok(Json(ImportPreview {
        file_name,
        ..preview
    }))
}

fn uploaded(
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Result<axum::body::Bytes, ApiError> {
    let body = body?;
    if body.is_empty() {
        return Err(
            RequestError::bad("body", "the uploaded file is empty", "上传的文件为空").into(),
        );
    }
    Ok(body)
}

/// `?columns=` as a mapping of known fields (with `?crs=` under [`CRS_KEY`]); an unknown field
/// or a broken text is named.
fn columns_of(query: &ImportQuery) -> Result<Option<ColumnMapping>, ApiError> {
    let text = query.columns.as_deref().filter(|t| !t.trim().is_empty());
    if text.is_none() && query.crs.is_none() {
        return Ok(None);
    }
    let columns: ColumnMapping = serde_json::from_str(text.unwrap_or("{}")).map_err(|e| {
        RequestError::bad(
            "columns",
            format!("columns must be a JSON object of field → header: {e}"),
            "列对应关系（columns）应为“字段: 列名”形式的 JSON 对象",
        )
    })?;
    if let Some(unknown) = columns
        .keys()
        .find(|f| WorkOrderField::from_code(f).is_none())
    {
        return Err(RequestError::bad(
            "columns",
            format!("columns names an unknown field {unknown:?}"),
            format!("列对应关系中的字段“{unknown}”不存在"),
        )
        .into());
    }
    let mut columns = columns;
    if let Some(crs) = query.crs {
        columns.insert(CRS_KEY.to_owned(), crs.as_str().to_owned());
    }
    Ok(Some(columns))
}

pub(super) async fn import_progress(
    State(imports): State<ImportJobs>,
    caller: Caller,
    Path(job): Path<u64>,
) -> Result<Json<JobProgress>, ApiError> {
    caller.must_be(IMPORT_ORDERS.roles, IMPORT_ORDERS.action)?;
    imports
        .progress(job)
        .map(Json)
        .ok_or_else(|| TicketError::JobNotFound { job }.into())
}
