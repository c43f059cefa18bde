//! The one place the rooms' routes are merged, with what stands in front of all of them: the
//! gate (who is asking), the answers for an API path no room serves (and for an address too
//! long to serve, which [`uri_guard`] hands in as its stand-in), and the static UI.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{any, get};
use binhe_api::grids::ServerHealth;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
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
        .layer(compression())
        .with_state(state);
    api.merge(desktop::routes(desktop))
        .merge(phone_page(ui_dir))
        .method_not_allowed_fallback(method_not_allowed)
        // A release build carries brotli and gzip copies of its files (scripts/precompress.mjs).
        .fallback_service(
            ServeDir::new(ui_dir)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(axum::middleware::from_fn(static_cache))
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

/// Brotli or gzip at a level that costs a few milliseconds per megabyte (the 5.8 MB list of
/// 10,000 open tickets), for every API answer but the live ones (server-sent events and MJPEG
/// never end, so they must not wait in an encoder), images and what is already encoded.
fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .no_deflate()
        .no_zstd()
        .quality(CompressionLevel::Precise(COMPRESSION_LEVEL))
        .compress_when(
            DefaultPredicate::new()
                .and(NotForContentType::const_new("multipart/x-mixed-replace"))
                .and(NotForContentType::const_new("application/zip"))
                .and(NotForContentType::const_new(
                    "application/vnd.openxmlformats-officedocument",
                )),
        )
}

/// Brotli 5 / gzip 5: within a few per cent of their best on JSON and wasm, at a fraction of
/// the time (see BENCHMARKS.md, "Bytes on the wire").
const COMPRESSION_LEVEL: i32 = 5;

/// The UI's files whose names carry a hash of their content (trunk's `name-0123456789abcdef.ext`)
/// never change under that name, so the browser keeps them; the page and the vendored files
/// (plain names) are asked again each time (`no-cache`: a 304 when unchanged). API answers keep
/// `no-store` (set for everything without a policy of its own).
async fn static_cache(request: Request, next: Next) -> Response {
    let policy = if request.uri().path().starts_with("/api/") {
        None
    } else if content_named(request.uri().path()) {
        Some("public, max-age=31536000, immutable")
    } else {
        Some("no-cache")
    };
    let mut response = next.run(request).await;
    if let Some(policy) = policy
        && response.status().is_success()
    {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// Whether the file name ends in trunk's content hash: `-` and 16 hex digits before the
/// extension (`binhe-ui-b70e2948afddf8f4_bg.wasm`, `style-59780323a69a55fa.css`).
fn content_named(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
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

#[cfg(test)]
mod tests {
    use super::content_named;

    #[test]
    fn only_trunks_hashed_names_are_kept_by_the_browser() {
        assert!(content_named("/binhe-ui-b70e2948afddf8f4_bg.wasm"));
        assert!(content_named("/binhe-ui-b70e2948afddf8f4.js"));
        assert!(content_named("/style-59780323a69a55fa.css"));
        assert!(!content_named("/"));
        assert!(!content_named("/index.html"));
        assert!(!content_named("/vendor/maplibre-gl.mjs"));
        assert!(!content_named(
            "/snippets/binhe-ui-3e142be8b597317c/js/outbox.js"
        ));
        assert!(!content_named("/style-5978032.css"));
        assert!(!content_named("/style-59780323a69a55fz.css"));
    }
}
