//! Camera alerts: requests on the camera channel (占道经营, 垃圾堆放 … found by video analytics
//! upstream) go through the same intake as every other request, naming the camera they came
//! from (`source_ref`) and carrying its picture. A picture that did not come along is taken
//! from the camera through the gateway.

use base64::Engine;
use binhe_api::tickets::MAX_SNAPSHOT_BYTES;
use binhe_core::ticket::intake::IntakeRequest;
use binhe_core::ticket::{Channel, IntakeProblem};
use binhe_core::{Device, DeviceKind};
use binhe_store::{DeviceRepository, Snapshot};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::dataset::GridView;
use crate::gateway::{Gateway, grab_picture};

/// A picture of `camera` as it will be stored: known by its SHA-256.
pub fn snapshot_of(camera: &str, taken_at: DateTime<Utc>, jpeg: Vec<u8>) -> Snapshot {
    Snapshot {
        id: hex::encode(Sha256::digest(&jpeg)),
        camera: camera.to_owned(),
        taken_at,
        jpeg,
    }
}

/// The picture sent with an alert: base64 (a `data:image/jpeg;base64,` prefix allowed) of one
/// JPEG of at most [`MAX_SNAPSHOT_BYTES`].
fn decode_picture(text: &str) -> Result<Vec<u8>, IntakeProblem> {
    let problem =
        |code: &str, zh: String, en: String| IntakeProblem::new("snapshot_jpeg", code, zh, en);
    let text = text.trim();
    let text = text.strip_prefix("data:image/jpeg;base64,").unwrap_or(text);
    if text.len() > MAX_SNAPSHOT_BYTES.div_ceil(3) * 4 + 4 {
        return Err(problem(
            "SNAPSHOT_TOO_LARGE",
            format!("告警截图过大：最多 {} MB", MAX_SNAPSHOT_BYTES / 1024 / 1024),
            format!("snapshot_jpeg is larger than {MAX_SNAPSHOT_BYTES} bytes"),
        ));
    }
    let jpeg = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| {
            problem(
                "INVALID_SNAPSHOT",
                "告警截图不是有效的 Base64 编码".to_owned(),
                format!("snapshot_jpeg is not valid base64: {e}"),
            )
        })?;
    if !(jpeg.starts_with(&[0xFF, 0xD8]) && jpeg.ends_with(&[0xFF, 0xD9])) {
        return Err(problem(
            "SNAPSHOT_NOT_JPEG",
            "告警截图不是 JPEG 图片".to_owned(),
            "snapshot_jpeg is not a JPEG picture".to_owned(),
        ));
    }
    if jpeg.len() > MAX_SNAPSHOT_BYTES {
        return Err(problem(
            "SNAPSHOT_TOO_LARGE",
            format!("告警截图过大：最多 {} MB", MAX_SNAPSHOT_BYTES / 1024 / 1024),
            format!("snapshot_jpeg is larger than {MAX_SNAPSHOT_BYTES} bytes"),
        ));
    }
    Ok(jpeg)
}

/// What a checked camera alert brings besides the request: its camera and the picture sent.
#[derive(Debug, Default)]
pub struct CheckedAlert<'v> {
    pub camera: Option<&'v Device>,
    pub picture: Option<Snapshot>,
}

/// Checks what the camera channel adds to a request: the camera is one of the street's, the
/// picture a JPEG. A request that names no place is placed at its camera. Other channels take
/// no picture. All problems at once.
pub fn check_alert<'v>(
    view: &'v GridView,
    request: &mut IntakeRequest,
    picture: Option<&str>,
    now: DateTime<Utc>,
) -> Result<CheckedAlert<'v>, Vec<IntakeProblem>> {
    let mut problems = Vec::new();
    let channel = request.channel.as_deref().and_then(Channel::parse);
    if channel != Some(Channel::Camera) {
        if picture.is_some() {
            problems.push(IntakeProblem::new(
                "snapshot_jpeg",
                "SNAPSHOT_NOT_CAMERA",
                "只有视频告警可以附带告警截图".to_owned(),
                "only camera alerts carry a snapshot".to_owned(),
            ));
        }
        return if problems.is_empty() {
            Ok(CheckedAlert::default())
        } else {
            Err(problems)
        };
    }
    let named = request
        .source_ref
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty());
    let camera = match named {
        None => {
            problems.push(IntakeProblem::new(
                "source_ref",
                "CAMERA_REQUIRED",
                "视频告警须在来源编号中注明摄像头编号".to_owned(),
                "a camera alert names its camera in source_ref".to_owned(),
            ));
            None
        }
        Some(id) => {
            let camera = view.device(id).filter(|d| d.kind == DeviceKind::Camera);
            if camera.is_none() {
                problems.push(IntakeProblem::new(
                    "source_ref",
                    "CAMERA_NOT_FOUND",
                    format!("摄像头 {id} 不在本街道的设备台账中"),
                    format!("camera {id} is not one of the street's cameras"),
                ));
            }
            camera
        }
    };
    if let Some(camera) = camera {
        request.source_ref = Some(camera.id.clone());
        let placed = request.lon.is_some()
            || request.lat.is_some()
            || request.grid_code.is_some()
            || request
                .address
                .as_deref()
                .is_some_and(|a| !a.trim().is_empty());
        if !placed {
            request.lon = Some(camera.lon);
            request.lat = Some(camera.lat);
        }
    }
    let picture = match picture.map(decode_picture).transpose() {
        Ok(jpeg) => jpeg,
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(CheckedAlert {
        camera,
        picture: camera
            .zip(picture)
            .map(|(camera, jpeg)| snapshot_of(&camera.id, now, jpeg)),
    })
}

/// Takes a picture from the camera now and keeps it; `None` (logged) when the camera gives none.
pub async fn take_picture(
    gateway: &Gateway,
    devices: &dyn DeviceRepository,
    camera: &Device,
) -> Option<String> {
    let jpeg = match grab_picture(gateway, camera).await {
        Ok(jpeg) => jpeg,
        Err(error) => {
            tracing::info!(camera = %camera.id, %error, "camera alert without a picture");
            return None;
        }
    };
    let snapshot = snapshot_of(&camera.id, Utc::now(), jpeg.to_vec());
    match devices.save_snapshot(&snapshot).await {
        Ok(()) => Some(snapshot.id),
        Err(error) => {
            tracing::warn!(camera = %camera.id, %error, "cannot keep a camera alert's picture");
            None
        }
    }
}
