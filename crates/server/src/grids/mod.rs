//! The grid map's routes: the header's counts, the grid and basemap layers, the tree, a grid's
//! card, search, locate, and the import of surveyed grids (administrators): a documented
//! GeoJSON file, or a survey as delivered (shapefiles or GeoJSON, mapped and previewed first).
//! A commander sees their own community's share of each.

mod export;
mod survey;

pub use survey::{ReadSurvey, read_files, read_upload};

use axum::Router;
use axum::extract::rejection::StringRejection;
use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use binhe_api::error::code;
use binhe_api::grids::{
    BASEMAP_GEOJSON, GRIDS_GEOJSON, GRIDS_IMPORT, GRIDS_IMPORT_PREVIEW, GridDetail, GridRef,
    GridsImported, LocateQuery, Located, MAX_IMPORT_BYTES, NamedGrid, SEARCH_LIMIT,
    SEARCH_MAX_CHARS, SearchHit, SearchQuery, Summary, SurveyPreview, SurveyUpload, TreeNode,
};
use binhe_core::access::AccessError;
use binhe_core::survey::SurveyMapping;
use binhe_core::{FeatureProblem, GridCode, GridLevel};

use crate::dataset::{DEMO_BASEMAP, GridView, Grids, Replaced, bbox_of};
use crate::desk::view::grid_worker;
use crate::http::extract::uploaded_file_name;
use crate::http::extract::{Json, Path, Query};
use crate::http::{Admits, ApiError, Caller, Refusal, RequestError, admit};

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Grids: FromRef<S>,
{
    Router::new()
        .route("/api/summary", get(summary))
        .route(GRIDS_GEOJSON, get(grids_geojson))
        .route(binhe_api::grids::GRIDS_EXPORT_GEOJSON, get(export::grids))
        .route(binhe_api::grids::GRIDS_EXPORT_SHAPEFILE, get(export::grids))
        .route(BASEMAP_GEOJSON, get(basemap_geojson))
        .route("/api/grids/tree", get(tree))
        .route("/api/grids/search", get(search))
        // Who may upload is checked before the body is read.
        .route(
            GRIDS_IMPORT,
            post(import)
                .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES))
                .layer(from_fn_with_state(Admits::ADMINISTER, admit)),
        )
        .route(
            GRIDS_IMPORT_PREVIEW,
            post(preview)
                .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES))
                .layer(from_fn_with_state(Admits::ADMINISTER, admit)),
        )
        .route("/api/grids/{code}", get(card))
        .route("/api/locate", get(locate))
}

/// Why the grid routes refused.
#[derive(Debug, thiserror::Error)]
pub enum GridError {
    #[error("Grid file not imported: {} problem(s) found; stored data unchanged", problems.len())]
    ImportRejected { problems: Vec<FeatureProblem> },
}

impl Refusal for GridError {
    fn status(&self) -> StatusCode {
        match self {
            Self::ImportRejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::ImportRejected { .. } => code::GRID_IMPORT_REJECTED,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::ImportRejected { problems } => format!(
                "网格文件未导入：发现 {} 个问题，现有数据未作任何改动",
                problems.len()
            ),
        }
    }

    fn detail(&self) -> binhe_api::ErrorDetail {
        let mut detail =
            binhe_api::ErrorDetail::new(self.code(), self.message_zh(), self.to_string());
        let Self::ImportRejected { problems } = self;
        detail.problems = problems
            .iter()
            .cloned()
            .map(binhe_api::Problem::Feature)
            .collect();
        detail
    }
}

impl From<Replaced> for ApiError {
    fn from(failure: Replaced) -> Self {
        match failure {
            Replaced::Rejected(problems) => GridError::ImportRejected { problems }.into(),
            Replaced::Store(error) => error.into(),
        }
    }
}

fn geojson_response(body: String) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/geo+json; charset=utf-8")],
        body,
    )
}

/// What the caller sees of one part of the view: the street's, or a commander's community's.
fn street_or_community<T: Clone>(
    view: &GridView,
    caller: &Caller,
    street: impl FnOnce(&GridView) -> &T,
    community: impl FnOnce(&crate::dataset::CommunityView) -> &T,
) -> Result<T, AccessError> {
    Ok(view
        .community_view_for(&caller.principal)?
        .map_or_else(|| street(view).clone(), |c| community(c).clone()))
}

async fn summary(State(grids): State<Grids>, caller: Caller) -> Result<Json<Summary>, ApiError> {
    let view = grids.view();
    Ok(Json(street_or_community(
        &view,
        &caller,
        |v| &v.summary,
        |c| &c.summary,
    )?))
}

async fn grids_geojson(
    State(grids): State<Grids>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    let view = grids.view();
    let layer = street_or_community(&view, &caller, |v| &v.grids_geojson, |c| &c.grids_geojson)?;
    Ok(geojson_response(layer))
}

async fn basemap_geojson() -> impl IntoResponse {
    geojson_response(DEMO_BASEMAP.to_owned())
}

async fn tree(State(grids): State<Grids>, caller: Caller) -> Result<Json<TreeNode>, ApiError> {
    let view = grids.view();
    Ok(Json(street_or_community(
        &view,
        &caller,
        |v| &v.tree,
        |c| &c.tree,
    )?))
}

async fn card(
    State(grids): State<Grids>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<GridDetail>, ApiError> {
    let view = grids.view();
    let h = view.hierarchy();
    let index = GridCode::parse(&code)
        .ok()
        .and_then(|c| h.index_of(&c))
        .ok_or(RequestError::GridNotFound { code })?;
    let grid = h.get(index);
    if !caller.principal.sees_grid(&grid.code) {
        return Err(AccessError::OutOfScope.into());
    }
    let parent = h.parent_of(index).map(|p| {
        let p = h.get(p);
        GridRef {
            code: p.code.clone(),
            name: p.name.clone(),
            name_en: p.name_en.clone(),
            level: p.level(),
        }
    });
    Ok(Json(GridDetail {
        id: index as u64 + 1,
        code: grid.code.clone(),
        name: grid.name.clone(),
        name_en: grid.name_en.clone(),
        level: grid.level(),
        level_zh: grid.level().label_zh().to_owned(),
        parent,
        area_m2: (grid.area_m2() * 10.0).round() / 10.0,
        population: grid.population,
        synthetic: grid.synthetic,
        kind: grid.kind,
        children_count: h.children_of(index).len() as u64,
        bbox: bbox_of(h, index),
        workers: view
            .responsible_workers(index)
            .into_iter()
            .map(grid_worker)
            .collect(),
        workers_within: view.workers_within(index) as u64,
    }))
}

async fn search(
    State(grids): State<Grids>,
    caller: Caller,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Vec<SearchHit>>, ApiError> {
    let text = query.q.unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        return Err(RequestError::bad("q", "search text is empty", "请输入网格名称或编码").into());
    }
    if text.chars().count() > SEARCH_MAX_CHARS {
        return Err(RequestError::bad(
            "q",
            format!("search text is longer than {SEARCH_MAX_CHARS} characters"),
            format!("搜索内容超过 {SEARCH_MAX_CHARS} 个字符"),
        )
        .into());
    }
    let view = grids.view();
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
    let results = hits
        .into_iter()
        .take(SEARCH_LIMIT)
        .map(|(_, _, i)| {
            let g = h.get(i);
            let parent = h.parent_of(i).map(|p| h.get(p));
            SearchHit {
                code: g.code.clone(),
                name: g.name.clone(),
                name_en: g.name_en.clone(),
                level: g.level(),
                parent_name: parent.map(|p| p.name.clone()),
                parent_name_en: parent.map(|p| p.name_en.clone()),
                bbox: bbox_of(h, i),
            }
        })
        .collect();
    Ok(Json(results))
}

fn coordinate(value: Option<&str>, field: &'static str, range: f64) -> Result<f64, RequestError> {
    let raw = value.unwrap_or_default();
    match raw.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= range => Ok(v),
        _ => Err(RequestError::bad(
            field,
            format!("{field} must be a number within ±{range}, got {raw:?}"),
            format!("{field} 必须是 ±{range} 以内的数字，收到“{raw}”"),
        )),
    }
}

/// Which micro-grid and community hold a point (WGS84).
async fn locate(
    State(grids): State<Grids>,
    caller: Caller,
    Query(query): Query<LocateQuery>,
) -> Result<Json<Located>, ApiError> {
    let lon = coordinate(query.lon.as_deref(), "lon", 180.0)?;
    let lat = coordinate(query.lat.as_deref(), "lat", 90.0)?;
    let view = grids.view();
    let h = view.hierarchy();
    // Outside a commander's community is answered as outside every grid.
    let describe = |index: Option<usize>| {
        index
            .filter(|&i| caller.principal.sees_grid(&h.get(i).code))
            .map(|i| {
                let g = h.get(i);
                NamedGrid {
                    code: g.code.clone(),
                    name: g.name.clone(),
                }
            })
    };
    Ok(Json(Located {
        lon,
        lat,
        micro: describe(view.locator.micro_at(lon, lat)),
        community: describe(view.locator.community_at(lon, lat)),
    }))
}

async fn import(
    State(grids): State<Grids>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<String, StringRejection>,
) -> Result<Json<GridsImported>, ApiError> {
    caller.must_administer()?;
    let body = body?;
    let view = if let Some(upload) = survey_upload(&body)? {
        let names: Vec<&str> = upload.files.iter().map(|f| f.name.as_str()).collect();
        let description = format!("测绘导入 / survey import: {}", names.join(", "));
        let mapping = with_street_code(upload.mapping, &grids);
        let assembly = survey::read_upload(&upload.files).assemble(&mapping);
        let read = assembly.hierarchy.ok_or(assembly.problems);
        tracing::info!(files = ?names, "survey import");
        grids.replace_with(read, description).await?
    } else {
        let file_name = uploaded_file_name(&headers);
        tracing::info!(file = %file_name, "grid file import");
        grids
            .replace(&body, format!("导入 / import: {file_name}"))
            .await?
    };
    Ok(Json(GridsImported {
        imported: true,
        summary: view.summary.clone(),
    }))
}

/// `POST /api/grids/import/preview`: the survey read, mapped and checked; nothing stored.
async fn preview(
    State(grids): State<Grids>,
    caller: Caller,
    Json(upload): Json<SurveyUpload>,
) -> Result<Json<SurveyPreview>, ApiError> {
    caller.must_administer()?;
    let mapping = with_street_code(upload.mapping, &grids);
    Ok(Json(survey::read_upload(&upload.files).preview(&mapping)))
}

/// A survey upload rather than a documented GeoJSON file: a JSON object with `files` and no
/// GeoJSON `type`.
pub fn survey_upload(body: &str) -> Result<Option<SurveyUpload>, ApiError> {
    #[derive(serde::Deserialize)]
    struct Shape {
        #[serde(rename = "type")]
        kind: Option<serde::de::IgnoredAny>,
        files: Option<serde::de::IgnoredAny>,
    }
    match serde_json::from_str::<Shape>(body) {
        Ok(Shape {
            kind: None,
            files: Some(_),
        }) => serde_json::from_str(body).map(Some).map_err(|e| {
            RequestError::bad(
                "body",
                format!("not a survey upload: {e}"),
                format!("测绘上传内容格式错误：{e}"),
            )
            .into()
        }),
        _ => Ok(None),
    }
}

/// A survey whose street outline has no code keeps the current street's, unless the operator
/// gives another.
fn with_street_code(mut mapping: SurveyMapping, grids: &Grids) -> SurveyMapping {
    if mapping
        .street_code
        .as_deref()
        .is_none_or(|c| c.trim().is_empty())
    {
        mapping.street_code = Some(grids.view().hierarchy().street().code.to_string());
    }
    mapping
}
