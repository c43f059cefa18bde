//! Reading tickets: the queue's list, the map's points, a ticket's card (its history, merged
//! duplicates, who answers for it, the nearest free workers and cameras) and a camera alert's
//! picture. Every list is cut to what the caller may see, in SQL.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use binhe_api::tickets::{
    DEFAULT_LIST_LIMIT, ListQuery, MAP_LIMIT, MAX_LIST_IDS, MAX_LIST_LIMIT, NearbyCamera,
    TicketDetail, TicketList, TicketPoint, photo_url,
};
use binhe_core::GridCode;
use binhe_core::access::Visibility;
use binhe_core::geojson::{Feature, FeatureCollection, Geometry};
use binhe_core::ticket::queue::QueueCounts;
use binhe_core::ticket::{TicketId, TicketState};
use binhe_store::{DeviceRepository, ListedTicket, PhotoRepository, TicketFilter, TicketScope};

use super::{Shown, TicketError, now, visible_ticket};
use crate::dataset::{Grids, layer_text};
use crate::desk::TicketDesk;
use crate::http::extract::{Json, Path, Query};
use crate::http::{ApiError, Caller, RequestError};

const NEAREST_WORKERS: usize = 5;
const NEAREST_CAMERAS: usize = 4;

/// Metres to one decimal, as the card shows them.
fn decimetres(metres: f64) -> f64 {
    (metres * 10.0).round() / 10.0
}

pub(super) fn parse_filter(
    query: &ListQuery,
    default_limit: u32,
    max: u32,
) -> Result<TicketFilter, ApiError> {
    let scope = match query.scope.as_deref().unwrap_or("open") {
        "open" => TicketScope::Open,
        "all" => TicketScope::All,
        "unrouted" => TicketScope::Unrouted,
        "flagged" => TicketScope::Flagged,
        other => {
            return Err(RequestError::bad(
                "scope",
                format!("scope {other:?} is not open, all, unrouted or flagged"),
                format!("范围“{other}”无效，应为 open、all、unrouted 或 flagged"),
            )
            .into());
        }
    };
    let state = query
        .state
        .as_deref()
        .map(|s| {
            TicketState::from_code(s).ok_or_else(|| {
                RequestError::bad(
                    "state",
                    format!("state {s:?} is unknown"),
                    format!("状态“{s}”无效"),
                )
            })
        })
        .transpose()?;
    let community = query
        .community
        .as_deref()
        .map(|c| GridCode::parse(c).map_err(|_| RequestError::GridNotFound { code: c.to_owned() }))
        .transpose()?;
    let limit = match query.limit.as_deref() {
        None => default_limit,
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=max).contains(l))
            .ok_or_else(|| {
                RequestError::bad(
                    "limit",
                    format!("limit must be 1–{max}, got {raw:?}"),
                    format!("limit 须在 1–{max} 之间，收到“{raw}”"),
                )
            })?,
    };
    let ids = query.ids.as_deref().map(parse_ids).transpose()?;
    Ok(TicketFilter {
        // The tickets named are listed whatever their state.
        scope: if ids.is_some() {
            TicketScope::All
        } else {
            scope
        },
        state,
        community,
        // Narrowed to the caller's scope by each route.
        visibility: Visibility::Everything,
        category: None,
        received_from: None,
        received_until: None,
        limit,
        after: None,
        ids,
    })
}

/// `ids=`: ticket ids, comma-separated, at least one and at most [`MAX_LIST_IDS`].
fn parse_ids(raw: &str) -> Result<Vec<TicketId>, ApiError> {
    let bad = || {
        RequestError::bad(
            "ids",
            format!("ids must be 1–{MAX_LIST_IDS} ticket ids separated by commas, got {raw:?}"),
            format!("ids 须为 1–{MAX_LIST_IDS} 个以逗号分隔的工单编号，收到“{raw}”"),
        )
    };
    let ids = raw
        .split(',')
        .map(|id| id.trim().parse::<TicketId>().ok().filter(|id| *id > 0))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(bad)?;
    if ids.is_empty() || ids.len() > MAX_LIST_IDS {
        return Err(bad().into());
    }
    Ok(ids)
}

/// The tickets a list or the map layer asks for, cut to what the caller sees, with what shows
/// them.
struct Found {
    listed: Vec<ListedTicket>,
    total: u64,
    shown: Shown,
}

impl Found {
    async fn of(
        desk: &TicketDesk,
        grids: &Grids,
        caller: &Caller,
        query: &ListQuery,
        limits: (u32, u32),
    ) -> Result<Self, ApiError> {
        let mut filter = parse_filter(query, limits.0, limits.1)?;
        filter.visibility = caller.principal.visibility();
        let (listed, total) = desk.store().list(&filter).await?;
        Ok(Self {
            listed,
            total,
            shown: Shown::now(desk, grids),
        })
    }

    fn list(&self) -> TicketList {
        let ctx = self.shown.context();
        TicketList {
            tickets: self
                .listed
                .iter()
                .map(|l| ctx.ticket(&l.ticket, l.duplicates))
                .collect(),
            total: self.total,
            as_of: 0,
            counts: QueueCounts::default(),
        }
    }

    /// The located ones as map points.
    fn layer(&self) -> String {
        let ctx = self.shown.context();
        let features = self
            .listed
            .iter()
            .filter_map(|l| {
                let t = &l.ticket;
                let p = t.location?;
                let point = TicketPoint {
                    id: t.id,
                    state: t.state,
                    sla: ctx.sla_status(t),
                    category: t.category.clone(),
                    category_zh: ctx.category_names(&t.category).0,
                    urgency: t.urgency,
                    channel: t.channel,
                    duplicates: l.duplicates,
                    flagged: t.duplicate_flag.is_some(),
                };
                Some(Feature::new(
                    u64::try_from(t.id).ok(),
                    Geometry::point(p.lon, p.lat),
                    point,
                ))
            })
            .collect();
        layer_text(&FeatureCollection::new(features))
    }
}

pub(super) async fn list(
    State(desk): State<TicketDesk>,
    State(grids): State<Grids>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<TicketList>, ApiError> {
    let limits = (DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
    // Read first: a change between the two is told again by the stream, never lost.
    let as_of = desk.store().last_event_id().await?;
    let (found, counts) =
        tokio::try_join!(Found::of(&desk, &grids, &caller, &query, limits), async {
            let counts = desk
                .store()
                .queue_counts(
                    &caller.principal.visibility(),
                    now(),
                    desk.sla().due_soon_share,
                )
                .await?;
            Ok::<_, ApiError>(counts)
        },)?;
    let mut list = found.list();
    list.as_of = as_of;
    list.counts = counts;
    Ok(Json(list))
}

/// `GET /api/tickets.geojson`: every located ticket of the list asked for (up to
/// [`MAP_LIMIT`]), as GeoJSON points.
pub(super) async fn map_layer(
    State(desk): State<TicketDesk>,
    State(grids): State<Grids>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let found = Found::of(&desk, &grids, &caller, &query, (MAP_LIMIT, MAP_LIMIT)).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json; charset=utf-8")],
        found.layer(),
    ))
}

pub(super) async fn card(
    State(desk): State<TicketDesk>,
    State(grids): State<Grids>,
    State(photos): State<Arc<dyn PhotoRepository>>,
    caller: Caller,
    Path(id): Path<TicketId>,
) -> Result<Json<TicketDetail>, ApiError> {
    let ticket = visible_ticket(&desk, &caller, id).await?;
    let events = desk.store().events(id).await?;
    let mut duplicates = desk.store().duplicates_of(id).await?;
    duplicates.retain(|t| caller.principal.sees_ticket(t));
    let shown = Shown::now(&desk, &grids);
    let ctx = shown.context();
    let view = &shown.view;
    let h = view.hierarchy();
    let responsible: Vec<_> = ticket
        .routing
        .finest()
        .and_then(|code| h.index_of(code))
        .map(|i| view.responsible_workers(i))
        .unwrap_or_default();
    let nearest: Vec<_> = ticket
        .location
        .map(|p| {
            view.nearest_workers(p.lon, p.lat, NEAREST_WORKERS)
                .into_iter()
                .filter(|(w, _)| caller.principal.sees_grid(&w.grid))
                .collect()
        })
        .unwrap_or_default();
    // The cameras that may see the place, to watch it (those the caller reaches).
    let scope = view.device_scope(&caller.principal);
    let cameras = ticket
        .location
        .map(|p| {
            view.nearest_cameras(p.lon, p.lat, NEAREST_CAMERAS)
                .into_iter()
                .filter(|(d, _)| scope.covers(&d.grid))
                .map(|(d, distance)| NearbyCamera {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    grid: d.grid.clone(),
                    lon: d.lon,
                    lat: d.lat,
                    distance_m: decimetres(distance),
                })
                .collect()
        })
        .unwrap_or_default();
    // "Available" is judged by how much each suggested worker already holds.
    let ids: Vec<String> = nearest
        .iter()
        .map(|(w, _)| w.id.clone())
        .chain(responsible.iter().map(|w| w.id.clone()))
        .collect();
    let load: HashMap<String, u32> = desk.store().open_load(&ids).await?.into_iter().collect();
    let open = |id: &str| load.get(id).copied().unwrap_or(0);
    Ok(Json(TicketDetail {
        ticket: ctx.ticket(&ticket, u32::try_from(duplicates.len()).unwrap_or(u32::MAX)),
        events: events.iter().map(|e| ctx.event(e)).collect(),
        duplicates: duplicates.iter().map(|d| ctx.ticket(d, 0)).collect(),
        responsible: responsible
            .into_iter()
            .map(|w| ctx.worker(w, open(&w.id), None))
            .collect(),
        nearest: nearest
            .into_iter()
            .map(|(w, distance)| ctx.worker(w, open(&w.id), Some(decimetres(distance))))
            .collect(),
        cameras,
        photos: photos
            .photo_refs(id)
            .await?
            .iter()
            .map(|p| photo_url(id, p))
            .collect(),
    }))
}

/// `GET /api/tickets/{id}/snapshot.jpg`: the picture a camera alert came with.
pub(super) async fn snapshot(
    State(desk): State<TicketDesk>,
    State(devices): State<Arc<dyn DeviceRepository>>,
    caller: Caller,
    Path(id): Path<TicketId>,
) -> Result<Response, ApiError> {
    let ticket = visible_ticket(&desk, &caller, id).await?;
    let picture = match &ticket.snapshot {
        Some(snapshot) => devices.snapshot(snapshot).await?,
        None => None,
    }
    .ok_or(TicketError::SnapshotNotFound { ticket: id })?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            // The same address always shows the same picture.
            (header::CACHE_CONTROL, "private, max-age=86400, immutable"),
        ],
        picture.jpeg,
    )
        .into_response())
}
