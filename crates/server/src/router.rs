//! The one place the rooms' routes are merged, with what stands in front of all of them: the
//! gate (who is asking), the answers for an API path no room serves (and for an address too
//! long to serve, which [`uri_guard`] hands in as its stand-in), and the static UI.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::routing::{any, get};
use binhe_api::grids::ServerHealth;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::http::extract::{self, Json};
use crate::http::{ApiError, RequestError, idempotency};
use crate::state::AppState;
use crate::{
    auth, basemap, cameras, circles, csp, demo_feed, desktop, diary, door_access, grids, hotspots,
    kpi, open311, projects, replay, tickets, training, uri_guard,
};

pub fn router(
    state: AppState,
    ui_dir: &Path,
    desktop: Option<Arc<dyn desktop::CenterChoice>>,
) -> Router {
    let gate = state.gate();
    let api = Router::new()
        .route("/api/health", get(health))
        .route(csp::REPORT_PATH, axum::routing::post(csp::report))
        .merge(grids::routes())
        .merge(tickets::routes())
        .merge(cameras::routes())
        .merge(door_access::routes())
        .merge(kpi::routes())
        .merge(hotspots::routes())
        .merge(projects::routes())
        .merge(diary::routes())
        .merge(circles::routes())
        .merge(auth::routes())
        .merge(demo_feed::routes())
        .merge(training::routes())
        .merge(replay::routes())
        .merge(basemap::routes())
        .merge(open311::routes())
        .route(
            &format!("{}/{{length}}", uri_guard::STAND_IN),
            any(uri_too_long),
        )
        .route("/api/{*rest}", any(no_route))
        // Behind the gate (merged below), so it knows whose key it is.
        .layer(axum::middleware::from_fn_with_state(
            state.idempotency.clone(),
            idempotency::middleware,
        ))
        .with_state(state);
    api.merge(desktop::routes(desktop))
        .merge(phone_page(ui_dir))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback_service(ServeDir::new(ui_dir))
        .layer(axum::middleware::from_fn_with_state(gate, auth::gate))
        .layer(axum::middleware::from_fn_with_state(
            csp::Csp::for_ui(ui_dir),
            csp::layer,
        ))
        // Answers are not kept, unless a route says so (tiles and pictures whose URL names
        // their content).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
}

/// The grid worker's phone view at `/m/`: the same app (it lays itself out for the phone when
/// opened there), its page with `<base href="../">` so the app's relative assets load from `/`.
fn phone_page(ui_dir: &Path) -> Router {
    let index = ui_dir.join("index.html");
    Router::new()
        .route(
            "/m",
            get(|| async { axum::response::Redirect::permanent("/m/") }),
        )
        .route(
            "/m/",
            get(move || {
                let index = index.clone();
                async move {
                    let page = tokio::fs::read_to_string(&index).await.unwrap_or_default();
                    let page = with_base(&page);
                    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page)
                }
            }),
        )
}

/// The page with `<base href="../">` first in its head (or first of all, for a page without
/// one), so its relative URLs resolve one folder up.
fn with_base(page: &str) -> String {
    const BASE: &str = "<base href=\"../\">";
    const DOCTYPE: &str = "<!doctype html>";
    let at = if let Some(head) = page.find("<head>") {
        head + "<head>".len()
    } else if page.to_ascii_lowercase().starts_with(DOCTYPE) {
        DOCTYPE.len()
    } else {
        0
    };
    format!("{}{BASE}{}", &page[..at], &page[at..])
}

async fn health() -> Json<ServerHealth> {
    Json(ServerHealth {
        status: "ok".to_owned(),
    })
}

/// An API path no room serves: the error body, not the static files' empty 404.
async fn no_route(request: Request) -> ApiError {
    RequestError::NoRoute {
        path: request.uri().path().to_owned(),
    }
    .into()
}

async fn uri_too_long(extract::Path(length): extract::Path<usize>) -> ApiError {
    RequestError::UriTooLong {
        length,
        limit: uri_guard::MAX_TARGET,
    }
    .into()
}

async fn method_not_allowed(request: Request) -> ApiError {
    RequestError::MethodNotAllowed {
        method: request.method().to_string(),
    }
    .into()
}
