//! JSON API of the grid map: summary, GeoJSON layers, tree, cards, search, locate, import.

use std::sync::{Arc, OnceLock, RwLock};

use axum::extract::{DefaultBodyLimit, Extension, Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use binhe_core::access::{AccessError, Role};
use binhe_core::{DeviceKind, GridCode, GridLevel};
use binhe_store::{DeviceRepository, GridRepository};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::auth::{Caller, Gate, accounts, audit, sessions};
use crate::cameras::Gateway;
use crate::dataset::{CommunityView, DEMO_BASEMAP, GridView, imported_dataset};
use crate::demo_feed::DemoFeed;
use crate::error::ApiError;
use crate::tickets::TicketDesk;
use crate::tickets::import::ImportJobs;

/// Largest grid file accepted for import: a city district's surveyed grids fit easily.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;
const SEARCH_LIMIT: usize = 20;
const SEARCH_MAX_CHARS: usize = 64;

#[derive(Clone)]
pub struct AppState {
    view: Arc<RwLock<Arc<GridView>>>,
    store: Arc<dyn GridRepository>,
    /// One import at a time: the second waits rather than interleaving replacements.
    import_lock: Arc<Mutex<()>>,
    desk: TicketDesk,
    imports: ImportJobs,
    demo_feed: Arc<OnceLock<DemoFeed>>,
    gate: Gate,
    cameras: Gateway,
    devices: Arc<dyn DeviceRepository>,
    kpis: crate::kpi::SharedKpiStore,
}

impl AppState {
    pub fn new(
        view: GridView,
        store: Arc<dyn GridRepository>,
        desk: TicketDesk,
        gate: Gate,
        devices: Arc<dyn DeviceRepository>,
        kpis: crate::kpi::SharedKpiStore,
    ) -> Self {
        Self {
            view: Arc::new(RwLock::new(Arc::new(view))),
            store,
            import_lock: Arc::new(Mutex::new(())),
            desk,
            imports: ImportJobs::default(),
            demo_feed: Arc::new(OnceLock::new()),
            gate,
            cameras: Gateway::default(),
            devices,
            kpis,
        }
    }

    /// The KPI counts and the tickets behind them.
    pub fn kpi_store(&self) -> crate::kpi::SharedKpiStore {
        Arc::clone(&self.kpis)
    }

    /// Camera alert pictures and door-access events.
    pub fn devices(&self) -> &dyn DeviceRepository {
        self.devices.as_ref()
    }

    /// The camera gateway: live pictures, one upstream per watched camera.
    pub fn cameras(&self) -> &Gateway {
        &self.cameras
    }

    /// Accounts, sessions and the audit log, and how callers sign in.
    pub fn gate(&self) -> Gate {
        self.gate.clone()
    }

    /// Reads the grids again (another server process replaced them).
    pub async fn reload_grids(&self) -> Result<(), binhe_store::StoreError> {
        let _one_at_a_time = self.import_lock.lock().await;
        if let Some(dataset) = self.store.load().await? {
            *self.view.write().expect("view lock is never poisoned") =
                Arc::new(GridView::new(dataset));
        }
        Ok(())
    }

    /// Attaches the running demo feed (once, at start).
    pub fn set_demo_feed(&self, feed: DemoFeed) {
        let _ = self.demo_feed.set(feed);
    }

    pub fn demo_feed(&self) -> Option<&DemoFeed> {
        self.demo_feed.get()
    }

    pub fn imports(&self) -> &ImportJobs {
        &self.imports
    }

    pub fn desk(&self) -> TicketDesk {
        self.desk.clone()
    }

    pub fn view(&self) -> Arc<GridView> {
        Arc::clone(
            &self
                .view
                .read()
                .expect("view lock is never poisoned: writers only swap an Arc"),
        )
    }

    /// Validates a grid file and, only if all of it is valid, replaces the stored grids in one
    /// transaction and then the in-memory view.
    pub async fn import_grids(
        &self,
        text: &str,
        description: String,
    ) -> Result<Arc<GridView>, ApiError> {
        let _one_at_a_time = self.import_lock.lock().await;
        let current = self.view();
        let dataset = imported_dataset(text, description, &current.dataset)
            .map_err(|problems| ApiError::ImportRejected { problems })?;
        self.store.replace(&dataset).await?;
        let view = Arc::new(GridView::new(dataset));
        *self.view.write().expect("view lock is never poisoned") = Arc::clone(&view);
        Ok(view)
    }
}

pub fn routes(state: AppState) -> Router {
    Router::new()
        .route(
            "/api/health",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        .route("/api/summary", get(summary))
        .route("/api/grids.geojson", get(grids_geojson))
        .route("/api/basemap.geojson", get(basemap_geojson))
        .route("/api/devices.geojson", get(devices_geojson))
        .route("/api/cameras/status", get(crate::cameras::status))
        .route("/api/cameras/health", get(crate::cameras::health))
        .route("/api/cameras/wall", get(crate::cameras::wall))
        .route("/api/cameras/{id}/live.mjpeg", get(crate::cameras::live))
        .route("/api/grids/tree", get(tree))
        .route("/api/grids/search", get(search))
        .route(
            "/api/grids/import",
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route("/api/grids/{code}", get(card))
        .route("/api/locate", get(locate))
        .route("/api/stream", get(crate::tickets::stream::stream))
        .route("/api/demo/feed", get(feed_status).post(feed_control))
        .route("/api/login", post(sessions::login))
        .route("/api/logout", post(sessions::logout))
        .route("/api/session", get(sessions::current))
        .route("/api/accounts", get(accounts::list).post(accounts::add))
        .route(
            "/api/accounts/{login}",
            axum::routing::patch(accounts::change),
        )
        .route("/api/audit", get(audit::list))
        .merge(crate::tickets::api::routes())
        .merge(crate::door_access::routes())
        .merge(crate::kpi::routes())
        .with_state(state)
}

fn geojson_response(body: String) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/geo+json; charset=utf-8")],
        body,
    )
}

/// The commander's community, whose share of the view they see instead of the street's.
fn community_of(caller: &Caller) -> Option<&GridCode> {
    match caller.principal.role {
        Role::Commander => caller.principal.community.as_ref(),
        _ => None,
    }
}

/// What the caller sees of one part of the view: the street's, or a commander's community's.
fn street_or_community<T: Clone>(
    view: &GridView,
    caller: &Caller,
    street: impl FnOnce(&GridView) -> &T,
    community: impl FnOnce(&CommunityView) -> &T,
) -> Result<T, ApiError> {
    Ok(scoped(view, caller)?.map_or_else(|| street(view).clone(), |c| community(c).clone()))
}

/// A commander's community view; a commander without a community sees none.
fn scoped<'v>(view: &'v GridView, caller: &Caller) -> Result<Option<&'v CommunityView>, ApiError> {
    if caller.principal.role != Role::Commander {
        return Ok(None);
    }
    community_of(caller)
        .and_then(|code| view.community(code))
        .map(Some)
        .ok_or(ApiError::Access(AccessError::OutOfScope))
}

async fn summary(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, ApiError> {
    let view = state.view();
    street_or_community(&view, &caller, |v| &v.summary, |c| &c.summary).map(Json)
}

async fn grids_geojson(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<impl IntoResponse, ApiError> {
    let view = state.view();
    street_or_community(&view, &caller, |v| &v.grids_geojson, |c| &c.grids_geojson)
        .map(geojson_response)
}

async fn basemap_geojson() -> impl IntoResponse {
    geojson_response(DEMO_BASEMAP.to_owned())
}

/// Cameras, checkpoints and door-access units (a commander: those in their community).
async fn devices_geojson(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<impl IntoResponse, ApiError> {
    let view = state.view();
    scoped(&view, &caller)?; // a commander without a community sees none
    let gateway = state.cameras();
    let layer = crate::dataset::devices_layer(
        &view.dataset.devices,
        |d| caller.principal.sees_grid(&d.grid),
        |d| match d.kind {
            DeviceKind::Camera => gateway.health_of(&d.id).as_str(),
            // Checkpoints and door-access units report through their own systems.
            DeviceKind::Checkpoint | DeviceKind::DoorAccess => "unknown",
        },
    );
    Ok(geojson_response(layer))
}

async fn tree(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, ApiError> {
    let view = state.view();
    street_or_community(&view, &caller, |v| &v.tree, |c| &c.tree).map(Json)
}

fn bbox_of(view: &GridView, index: usize) -> Value {
    let r = view.hierarchy().get(index).bbox();
    json!([r.min().x, r.min().y, r.max().x, r.max().y])
}

async fn card(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let view = state.view();
    let h = view.hierarchy();
    let index = GridCode::parse(&code)
        .ok()
        .and_then(|c| h.index_of(&c))
        .ok_or(ApiError::GridNotFound { code })?;
    if !caller.principal.sees_grid(&h.get(index).code) {
        return Err(AccessError::OutOfScope.into());
    }
    let grid = h.get(index);
    let parent = h.parent_of(index).map(|p| {
        let p = h.get(p);
        json!({ "code": p.code, "name": p.name, "name_en": p.name_en, "level": p.level().as_str() })
    });
    let workers: Vec<Value> = view
        .responsible_workers(index)
        .into_iter()
        .map(|w| {
            json!({
                "id": w.id, "name": w.name, "kind": w.kind.as_str(),
                "role": w.role.label_zh(), "role_en": w.role.label_en(),
                "phone": w.phone, "grid": w.grid,
            })
        })
        .collect();
    Ok(Json(json!({
        "id": index + 1,
        "code": grid.code,
        "name": grid.name,
        "name_en": grid.name_en,
        "level": grid.level().as_str(),
        "level_zh": grid.level().label_zh(),
        "parent": parent,
        "area_m2": (grid.area_m2() * 10.0).round() / 10.0,
        "population": grid.population,
        "synthetic": grid.synthetic,
        "kind": grid.kind.map(binhe_core::MicroKind::as_str),
        "children_count": h.children_of(index).len(),
        "bbox": bbox_of(&view, index),
        "workers": workers,
        "workers_within": view.workers_within(index),
    })))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Value>, ApiError> {
    let text = query.q.unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::BadRequest {
            field: "q",
            reason: "search text is empty".to_owned(),
            reason_zh: "请输入网格名称或编码".to_owned(),
        });
    }
    if text.chars().count() > SEARCH_MAX_CHARS {
        return Err(ApiError::BadRequest {
            field: "q",
            reason: format!("search text is longer than {SEARCH_MAX_CHARS} characters"),
            reason_zh: format!("搜索内容超过 {SEARCH_MAX_CHARS} 个字符"),
        });
    }
    let view = state.view();
    let h = view.hierarchy();
    let lower = text.to_lowercase();
    let mut hits: Vec<(u8, GridLevel, usize)> = h
        .grids()
        .iter()
        .enumerate()
        .filter(|(_, g)| caller.principal.sees_grid(&g.code))
        .filter_map(|(i, g)| {
            let rank = if g.code.as_str() == text || g.name == text {
                0
            } else if g.code.as_str().starts_with(text) || g.name.starts_with(text) {
                1
            } else if g.name.contains(text)
                || g.name_en.to_lowercase().contains(&lower)
                || g.code.as_str().contains(text)
            {
                2
            } else {
                return None;
            };
            Some((rank, g.level(), i))
        })
        .collect();
    hits.sort_unstable();
    let results: Vec<Value> = hits
        .into_iter()
        .take(SEARCH_LIMIT)
        .map(|(_, _, i)| {
            let g = h.get(i);
            let parent = h.parent_of(i).map(|p| h.get(p));
            json!({
                "code": g.code, "name": g.name, "name_en": g.name_en, "level": g.level().as_str(),
                "parent_name": parent.map(|p| &p.name), "parent_name_en": parent.map(|p| &p.name_en),
                "bbox": bbox_of(&view, i),
            })
        })
        .collect();
    Ok(Json(Value::Array(results)))
}

#[derive(Deserialize)]
struct LocateQuery {
    lon: Option<String>,
    lat: Option<String>,
}

fn coordinate(value: Option<&str>, field: &'static str, range: f64) -> Result<f64, ApiError> {
    let raw = value.unwrap_or_default();
    match raw.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= range => Ok(v),
        _ => Err(ApiError::BadRequest {
            field,
            reason: format!("{field} must be a number within ±{range}, got {raw:?}"),
            reason_zh: format!("{field} 必须是 ±{range} 以内的数字，收到“{raw}”"),
        }),
    }
}

/// Which micro-grid and community hold a point (WGS84).
async fn locate(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<LocateQuery>,
) -> Result<Json<Value>, ApiError> {
    let lon = coordinate(query.lon.as_deref(), "lon", 180.0)?;
    let lat = coordinate(query.lat.as_deref(), "lat", 90.0)?;
    let view = state.view();
    let h = view.hierarchy();
    // Outside a commander's community is answered as outside every grid.
    let describe = |index: Option<usize>| {
        index
            .filter(|&i| caller.principal.sees_grid(&h.get(i).code))
            .map(|i| {
                let g = h.get(i);
                json!({ "code": g.code, "name": g.name })
            })
    };
    Ok(Json(json!({
        "lon": lon,
        "lat": lat,
        "micro": describe(view.locator.micro_at(lon, lat)),
        "community": describe(view.locator.community_at(lon, lat)),
    })))
}

/// The uploaded file's name from `x-file-name`: browsers cannot put Chinese in a header, so the
/// UI percent-encodes it.
pub fn uploaded_file_name(headers: &HeaderMap) -> String {
    headers
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map_or_else(
            || "(上传文件 / uploaded file)".to_owned(),
            |raw| {
                percent_encoding::percent_decode_str(raw)
                    .decode_utf8_lossy()
                    .into_owned()
            },
        )
}

async fn import(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: String,
) -> Result<Json<Value>, ApiError> {
    caller.must_administer()?;
    let file_name = uploaded_file_name(&headers);
    let view = state
        .import_grids(&body, format!("导入 / import: {file_name}"))
        .await?;
    tracing::info!(file = %file_name, "grids imported");
    Ok(Json(json!({ "imported": true, "summary": view.summary })))
}

async fn feed_status(State(state): State<AppState>) -> Json<Value> {
    Json(state.demo_feed().map_or_else(
        || json!({ "available": false }),
        |feed| {
            let mut status = feed.status();
            status["available"] = json!(true);
            status
        },
    ))
}

#[derive(Deserialize)]
struct FeedControl {
    running: Option<bool>,
    rate_per_minute: Option<f64>,
}

async fn feed_control(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Json(control): Json<FeedControl>,
) -> Result<Json<Value>, ApiError> {
    caller.must_administer()?;
    let feed = state.demo_feed().ok_or(ApiError::DemoFeedOff)?;
    if let Some(rate) = control.rate_per_minute
        && !crate::demo_feed::RATE_RANGE.contains(&rate)
    {
        return Err(ApiError::BadRequest {
            field: "rate_per_minute",
            reason: format!("rate_per_minute must be 0.1–600, got {rate}"),
            reason_zh: format!("每分钟工单数须在 0.1–600 之间，收到 {rate}"),
        });
    }
    feed.set(control.running, control.rate_per_minute);
    Ok(Json(feed.status()))
}
