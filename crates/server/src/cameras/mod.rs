//! The camera routes: the devices layer of the map (cameras with their health, checkpoints,
//! door-access units), a camera's live picture as MJPEG, the video wall's socket, and the
//! gateway's health and open streams. The gateway itself is `crate::gateway`.

mod wall;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRef, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use binhe_api::devices::{
    CameraStatus, GatewayStatus, HealthCounts, HealthQuery, HealthReport, OpenStream, WALL,
};
use binhe_api::error::code;
use binhe_api::grids::{DEVICES_GEOJSON, DeviceProperties};
use binhe_core::geojson::{Feature, FeatureCollection, Geometry};
use binhe_core::{Device, DeviceKind, Health};

use crate::dataset::{GridView, Grids, layer_text};
use crate::gateway::{Feed, Gateway, GatewayError, Watcher, watch_camera_as};
use crate::http::extract::{Json, Path, Query};
use crate::http::{ApiError, Caller, Refusal};

const BOUNDARY: &str = "binhe-frame";

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Grids: FromRef<S>,
    Gateway: FromRef<S>,
{
    Router::new()
        .route(DEVICES_GEOJSON, get(devices_geojson))
        .route("/api/cameras/status", get(status))
        .route("/api/cameras/health", get(health))
        .route(WALL, get(wall::wall))
        .route("/api/cameras/{id}/live.mjpeg", get(live))
}

/// Why the camera routes refused.
#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    #[error("camera {id} does not exist")]
    NotFound { id: String },
    #[error("{0}")]
    Gateway(#[from] GatewayError),
}

impl Refusal for CameraError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotFound { .. } | Self::Gateway(GatewayError::NoStream { .. }) => {
                StatusCode::NOT_FOUND
            }
            Self::Gateway(
                GatewayError::Unreachable { .. } | GatewayError::InvalidSource { .. },
            ) => StatusCode::BAD_GATEWAY,
            Self::Gateway(GatewayError::Busy { .. }) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Gateway(GatewayError::StreamLimit { .. }) => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::NotFound { .. } => code::CAMERA_NOT_FOUND,
            Self::Gateway(error) => error.code(),
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::NotFound { id } => format!("摄像头 {id} 不存在"),
            Self::Gateway(error) => error.message_zh(),
        }
    }
}

/// A camera the caller reaches ([`GridView::device_scope`]); one outside their scope is
/// answered as one that does not exist.
fn camera_in_view<'v>(
    view: &'v GridView,
    caller: &Caller,
    id: &str,
) -> Result<&'v Device, CameraError> {
    let scope = view.device_scope(&caller.principal);
    view.device(id)
        .filter(|d| d.kind == DeviceKind::Camera && scope.covers(&d.grid))
        .ok_or_else(|| CameraError::NotFound { id: id.to_owned() })
}

/// The caller as the gateway counts their live streams: their account, and their session
/// (the desktop window's launch key is one session).
fn watcher(gateway: &Gateway, caller: &Caller) -> Watcher {
    Watcher {
        account: caller.principal.account.clone(),
        session: caller
            .session
            .clone()
            .unwrap_or_else(|| "launch-key".to_owned()),
        quota: gateway.quotas().for_role(caller.principal.role),
    }
}

/// Starts watching a camera the caller may see, within their allowance of live streams.
async fn watch(
    gateway: &Gateway,
    view: &GridView,
    caller: &Caller,
    id: &str,
) -> Result<crate::gateway::Viewer, ApiError> {
    let camera = camera_in_view(view, caller, id)?;
    Ok(watch_camera_as(gateway, &watcher(gateway, caller), camera)
        .await
        .map_err(CameraError::Gateway)?)
}

/// Cameras, checkpoints and door-access units the caller reaches (a commander: those in their
/// community; a grid worker: those in their grid), with each camera's health; checkpoints and
/// door-access units report through their own systems.
async fn devices_geojson(
    State(grids): State<Grids>,
    State(gateway): State<Gateway>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    let view = grids.view();
    view.community_view_for(&caller.principal)?; // a commander without a community sees none
    let scope = view.device_scope(&caller.principal);
    let features = view
        .dataset
        .devices
        .iter()
        .filter(|d| scope.covers(&d.grid))
        .map(|d| {
            let health = match d.kind {
                DeviceKind::Camera => gateway.health_of(&d.id),
                DeviceKind::Checkpoint | DeviceKind::DoorAccess => Health::Unknown,
            };
            Feature::new(
                None,
                Geometry::point(d.lon, d.lat),
                DeviceProperties {
                    id: d.id.clone(),
                    kind: d.kind,
                    name: d.name.clone(),
                    grid: d.grid.clone(),
                    community: d.grid.community_code(),
                    health,
                },
            )
        })
        .collect();
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json; charset=utf-8")],
        layer_text(&FeatureCollection::new(features)),
    ))
}

/// `GET /api/cameras/health[?since=V]`: the health of the cameras the caller sees — counts
/// by health, and each camera's (only those changed after version `V` when given).
async fn health(
    State(grids): State<Grids>,
    State(gateway): State<Gateway>,
    caller: Caller,
    Query(query): Query<HealthQuery>,
) -> Json<HealthReport> {
    let view = grids.view();
    let scope = view.device_scope(&caller.principal);
    let cameras = view
        .dataset
        .devices
        .iter()
        .filter(|d| d.kind == DeviceKind::Camera && scope.covers(&d.grid));
    Json(gateway.with_health(|book| {
        let mut counts = HealthCounts::default();
        let mut listed = Vec::new();
        for camera in cameras {
            let record = book.record(&camera.id);
            let health = record.map_or(Health::Unknown, |r| r.health);
            counts.count(health);
            let changed = record.map_or(0, |r| r.version);
            if query.since.is_none_or(|since| changed > since) {
                listed.push(CameraStatus {
                    id: camera.id.clone(),
                    health,
                    since: record.map(|r| r.since),
                    reason: record.and_then(|r| r.reason.clone()),
                });
            }
        }
        HealthReport {
            version: book.version(),
            counts,
            cameras: listed,
        }
    }))
}

/// `GET /api/cameras/{id}/live.mjpeg`: the camera's live picture as
/// `multipart/x-mixed-replace` (an `<img>` plays it).
async fn live(
    State(grids): State<Grids>,
    State(gateway): State<Gateway>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = grids.view();
    let viewer = watch(&gateway, &view, &caller, &id).await?;
    let pictures = viewer.pictures();
    let frames = futures_util::stream::unfold(
        (viewer, pictures, true),
        |(viewer, mut pictures, first)| async move {
            if !first && pictures.changed().await.is_err() {
                return None;
            }
            let feed = pictures.borrow_and_update().clone();
            match feed {
                Feed::Picture(jpeg) => {
                    let mut part = format!(
                        "--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
                        jpeg.len()
                    )
                    .into_bytes();
                    part.extend_from_slice(&jpeg);
                    part.extend_from_slice(b"\r\n");
                    Some((
                        Ok::<_, std::io::Error>(Bytes::from(part)),
                        (viewer, pictures, false),
                    ))
                }
                Feed::Starting => Some((Ok(Bytes::new()), (viewer, pictures, false))),
                // The camera stopped: the response ends, the player shows it stopped.
                Feed::Ended(_) => None,
            }
        },
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                format!("multipart/x-mixed-replace; boundary={BOUNDARY}"),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(frames),
    )
        .into_response())
}

/// `GET /api/cameras/status`: which camera streams run now and how many watch each.
async fn status(
    State(gateway): State<Gateway>,
    caller: Caller,
) -> Result<Json<GatewayStatus>, ApiError> {
    caller.must_administer()?;
    Ok(Json(GatewayStatus {
        open: gateway
            .status()
            .into_iter()
            .map(|(camera, viewers)| OpenStream { camera, viewers })
            .collect(),
        limit: gateway.limit,
    }))
}
