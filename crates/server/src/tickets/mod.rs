//! The ticket routes (`docs/api-tickets.md`), the ticket desk's HTTP face: intake from every
//! channel and 12345 file imports ([`intake`]), the queue's and the map's lists and a ticket's
//! card ([`lists`]), the closed loop's actions and drag-to-dispatch ([`actions`]), and the live
//! event stream ([`stream`]).

mod actions;
mod export;
mod intake;
mod lists;
mod photos;
mod stream;
mod timeline;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post, put};
use binhe_api::error::code;
use binhe_api::grids::MAX_IMPORT_BYTES;
use binhe_api::tickets::{MAX_REPORT_BYTES, TicketView};
use binhe_api::{ErrorDetail, Problem};
use binhe_core::access::AccessError;
use binhe_core::ticket::{IntakeProblem, Ticket, TicketId, TransitionError};
use binhe_store::{AccountRepository, DeviceRepository, PhotoRepository};

use crate::dataset::{GridView, Grids};
use crate::desk::export::ExportBoard;
use crate::desk::import::ImportJobs;
use crate::desk::view::ViewContext;
use crate::desk::{DeskError, TicketDesk, now};
use crate::gateway::Gateway;
use crate::http::{Admits, ApiError, Caller, Refusal, admit};

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    TicketDesk: FromRef<S>,
    Grids: FromRef<S>,
    ImportJobs: FromRef<S>,
    ExportBoard: FromRef<S>,
    Gateway: FromRef<S>,
    Arc<dyn DeviceRepository>: FromRef<S>,
    Arc<dyn AccountRepository>: FromRef<S>,
    Arc<dyn PhotoRepository>: FromRef<S>,
{
    // Who may send a body is checked before it is read.
    let administer = || from_fn_with_state(Admits::ADMINISTER, admit);
    let import_orders = || from_fn_with_state(intake::IMPORT_ORDERS, admit);
    Router::new()
        .route(
            "/api/catalogue",
            get(intake::catalogue).merge(put(intake::replace_catalogue).layer(administer())),
        )
        .route(
            "/api/sla",
            get(intake::sla).merge(put(intake::replace_sla).layer(administer())),
        )
        .route(
            "/api/tickets",
            get(lists::list).merge(
                post(intake::create)
                    .layer(DefaultBodyLimit::max(MAX_REPORT_BYTES))
                    .layer(from_fn_with_state(intake::REPORT, admit)),
            ),
        )
        .route("/api/tickets.geojson", get(lists::map_layer))
        .route("/api/tickets/export.csv", get(export::ticket_list))
        .route("/api/tickets/export.xlsx", get(export::ticket_list))
        .route("/api/tickets/export.geojson", get(export::ticket_list))
        .route(binhe_api::tickets::EXPORT_PROGRESS, get(export::progress))
        .route("/api/tickets/{id}", get(lists::card))
        .route("/api/tickets/{id}/timeline.csv", get(timeline::timeline))
        .route("/api/tickets/{id}/timeline.xlsx", get(timeline::timeline))
        .route("/api/tickets/{id}/actions", post(actions::act))
        .route("/api/tickets/{id}/snapshot.jpg", get(lists::snapshot))
        .route("/api/tickets/{id}/drop", post(actions::drop_on_grid))
        // The body is read by the handler itself, refused past the photo limit.
        .route(
            "/api/tickets/{id}/photos",
            post(photos::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/tickets/{id}/photos/{photo}", get(photos::show))
        .route(
            "/api/tickets/import",
            post(intake::import_file)
                .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES))
                .layer(import_orders()),
        )
        .route(
            "/api/tickets/import/preview",
            post(intake::preview_file)
                .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES))
                .layer(import_orders()),
        )
        .route("/api/imports/{job}", get(intake::import_progress))
        .route(binhe_api::tickets::STREAM, get(stream::stream))
}

/// Why the ticket routes refused.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("ticket {id} does not exist")]
    NotFound { id: TicketId },
    #[error("request not taken in: {} problem(s)", problems.len())]
    IntakeRejected { problems: Vec<IntakeProblem> },
    /// The closed loop refused the action; `ticket` is the ticket as it stands, so the terminal
    /// can show the current state.
    #[error("{error}")]
    Refused {
        error: TransitionError,
        ticket: Option<Box<TicketView>>,
    },
    #[error("import job {job} does not exist (finished jobs are kept for a while only)")]
    JobNotFound { job: u64 },
    /// No export of the caller's under this progress token (never started, or ended more
    /// than ten minutes ago).
    #[error("no export of yours is under way as {token} (ended ones are kept ten minutes)")]
    ExportUnknown { token: String },
    #[error("the drop point lies in no grid of the street")]
    DropOutside,
    /// A dispatch, delegation or self-handling names a worker not posted in the community of
    /// the grid the ticket goes to, or outside the caller's scope: that worker would read the
    /// reporter's name and phone.
    #[error(
        "worker {worker} is not posted in the community of {grid_name} or is outside your scope"
    )]
    WorkerOutOfScope { worker: String, grid_name: String },
    #[error("the drop point lies in grid {found}, not in {expected}")]
    DropMismatch {
        expected: String,
        found: String,
        found_name: String,
    },
    #[error("{0}")]
    Photo(photos::PhotoError),
    /// A feedback names photos that were not uploaded to its ticket.
    #[error("photos {} are no photos of ticket {ticket}", refs.join(", "))]
    PhotosNotOfTicket { ticket: TicketId, refs: Vec<String> },
    #[error("ticket {ticket} came with no camera picture")]
    SnapshotNotFound { ticket: TicketId },
    /// A work-order file that cannot be read as a whole (its own code: UNKNOWN_FORMAT,
    /// MISSING_COLUMNS …).
    #[error("{message_en}")]
    UnreadableFile {
        code: &'static str,
        message_zh: String,
        message_en: String,
    },
}

impl Refusal for TicketError {
    fn status(&self) -> StatusCode {
        match self {
            Self::UnreadableFile { code, .. } if *code == code::FILE_TOO_LARGE_UNPACKED => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            Self::NotFound { .. }
            | Self::JobNotFound { .. }
            | Self::ExportUnknown { .. }
            | Self::SnapshotNotFound { .. } => StatusCode::NOT_FOUND,
            Self::IntakeRejected { .. } | Self::DropOutside | Self::UnreadableFile { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::Refused { error, .. } => match error {
                TransitionError::Required { .. } | TransitionError::TooLong { .. } => {
                    StatusCode::BAD_REQUEST
                }
                TransitionError::RoleNotPermitted { .. } => StatusCode::FORBIDDEN,
                _ => StatusCode::CONFLICT,
            },
            Self::DropMismatch { .. } => StatusCode::CONFLICT,
            Self::WorkerOutOfScope { .. } => StatusCode::FORBIDDEN,
            Self::PhotosNotOfTicket { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Photo(error) => match error {
                photos::PhotoError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                photos::PhotoError::Unsupported { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                photos::PhotoError::Unreadable { .. } | photos::PhotoError::NotConverted { .. } => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                photos::PhotoError::NotFound { .. } => StatusCode::NOT_FOUND,
                photos::PhotoError::Broken(_) => StatusCode::BAD_REQUEST,
            },
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::NotFound { .. } => code::TICKET_NOT_FOUND,
            Self::IntakeRejected { .. } => code::INTAKE_REJECTED,
            Self::Refused { error, .. } => error.code(),
            Self::JobNotFound { .. } => code::JOB_NOT_FOUND,
            Self::ExportUnknown { .. } => code::EXPORT_UNKNOWN,
            Self::DropOutside => code::DROP_OUTSIDE_GRID,
            Self::DropMismatch { .. } => code::DROP_MISMATCH,
            Self::WorkerOutOfScope { .. } => code::WORKER_OUT_OF_SCOPE,
            Self::SnapshotNotFound { .. } => code::SNAPSHOT_NOT_FOUND,
            Self::UnreadableFile { code, .. } => code,
            Self::PhotosNotOfTicket { .. } => code::PHOTO_NOT_OF_TICKET,
            Self::Photo(error) => match error {
                photos::PhotoError::TooLarge { .. } => code::PAYLOAD_TOO_LARGE,
                photos::PhotoError::Unsupported { .. } => code::PHOTO_TYPE_UNSUPPORTED,
                photos::PhotoError::Unreadable { .. } => code::PHOTO_UNREADABLE,
                photos::PhotoError::NotConverted { .. } => code::PHOTO_NOT_CONVERTED,
                photos::PhotoError::NotFound { .. } => code::PHOTO_NOT_FOUND,
                photos::PhotoError::Broken(_) => code::BAD_REQUEST,
            },
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::NotFound { id } => format!("工单 #{id} 不存在"),
            Self::IntakeRejected { problems } => format!(
                "工单未受理：{}",
                problems
                    .iter()
                    .map(|p| p.message_zh.as_str())
                    .collect::<Vec<_>>()
                    .join("；")
            ),
            Self::Refused { error, .. } => error.message_zh(),
            Self::JobNotFound { job } => {
                format!("导入任务 {job} 不存在（已完成的任务只保留一段时间）")
            }
            Self::ExportUnknown { token } => {
                format!("没有进度标识为“{token}”的导出（已结束的导出只保留十分钟）")
            }
            Self::DropOutside => "拖放位置不在本街道任何网格内，工单未分派".to_owned(),
            Self::DropMismatch { found_name, .. } => {
                format!("拖放位置实际位于“{found_name}”，与高亮网格不符，工单未分派")
            }
            Self::WorkerOutOfScope { worker, grid_name } => format!(
                "网格员 {worker} 不属于“{grid_name}”所在社区或不在您的管辖范围内，工单未分派"
            ),
            Self::SnapshotNotFound { ticket } => format!("工单 {ticket} 没有告警截图"),
            Self::UnreadableFile { message_zh, .. } => message_zh.clone(),
            Self::Photo(error) => error.message_zh(),
            Self::PhotosNotOfTicket { ticket, refs } => format!(
                "反馈所附照片 {} 张不是工单 #{ticket} 上传的照片，反馈未保存；请先上传照片",
                refs.len()
            ),
        }
    }

    fn detail(&self) -> ErrorDetail {
        let mut detail = ErrorDetail::new(self.code(), self.message_zh(), self.to_string());
        match self {
            Self::IntakeRejected { problems } => {
                detail.problems = problems.iter().cloned().map(Problem::Intake).collect();
            }
            Self::Refused { ticket, .. } => detail.ticket.clone_from(ticket),
            Self::DropMismatch {
                expected, found, ..
            } => {
                detail.expected = Some(expected.clone());
                detail.found = Some(found.clone());
            }
            Self::Photo(photos::PhotoError::Unsupported { kind, .. }) => {
                detail.field = Some("body".to_owned());
                detail.expected = Some("image/jpeg, image/png, image/heic".to_owned());
                detail.found = Some(kind.media_type().to_owned());
            }
            Self::PhotosNotOfTicket { refs, .. } => {
                detail.field = Some("photos".to_owned());
                detail.found = Some(refs.join(","));
            }
            _ => {}
        }
        detail
    }
}

impl From<DeskError> for ApiError {
    fn from(error: DeskError) -> Self {
        match error {
            DeskError::NotFound(id) => TicketError::NotFound { id }.into(),
            DeskError::Transition(error) => TicketError::Refused {
                error,
                ticket: None,
            }
            .into(),
            DeskError::Store(error) => error.into(),
            DeskError::Access(error) => error.into(),
        }
    }
}

/// How tickets are shown now: the view, the catalogue and the SLA table as they stand.
struct Shown {
    view: Arc<GridView>,
    catalogue: Arc<binhe_core::ticket::Catalogue>,
    sla: Arc<binhe_core::ticket::SlaTable>,
}

impl Shown {
    fn now(desk: &TicketDesk, grids: &Grids) -> Self {
        Self {
            view: grids.view(),
            catalogue: desk.catalogue(),
            sla: desk.sla(),
        }
    }

    fn context(&self) -> ViewContext<'_> {
        ViewContext {
            view: &self.view,
            catalogue: &self.catalogue,
            sla: &self.sla,
            now: now(),
        }
    }
}

/// The ticket, if the caller may see it: out of scope is 403 whether or not it exists beyond.
async fn visible_ticket(
    desk: &TicketDesk,
    caller: &Caller,
    id: TicketId,
) -> Result<Ticket, ApiError> {
    let ticket = desk.ticket(id).await?;
    if caller.principal.sees_ticket(&ticket) {
        Ok(ticket)
    } else {
        Err(AccessError::OutOfScope.into())
    }
}
