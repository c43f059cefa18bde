//! Places as the rooms that keep records per grid read them (the diary, the circles): the
//! community a caller is held to, a grid named for an answer, and a grid found by code or by a
//! name only one grid of its level has.

use binhe_api::grids::NamedGrid;
use binhe_core::access::{AccessError, Role};
use binhe_core::ticket::intake::IntakeProblem;
use binhe_core::{GridCode, GridLevel};

use crate::dataset::GridView;
use crate::http::{ApiError, Caller};

/// The community a caller is held to: a commander's own, a grid worker's (that of the grid they
/// are posted on); `None` for the desk. A commander or worker without one reaches nothing.
pub fn held_to(caller: &Caller, view: &GridView) -> Result<Option<GridCode>, ApiError> {
    let p = &caller.principal;
    match p.role {
        Role::Dispatcher | Role::Administrator => Ok(None),
        Role::Commander => p
            .community
            .clone()
            .map(Some)
            .ok_or_else(|| AccessError::OutOfScope.into()),
        Role::Worker => p
            .worker_id
            .as_deref()
            .and_then(|id| view.worker(id))
            .and_then(|w| w.grid.community_code())
            .map(Some)
            .ok_or_else(|| AccessError::OutOfScope.into()),
    }
}

pub fn named(view: &GridView, code: &GridCode) -> NamedGrid {
    NamedGrid {
        code: code.clone(),
        name: view
            .hierarchy()
            .by_code(code)
            .map_or_else(|| code.to_string(), |g| g.name.clone()),
    }
}

pub fn named_text(view: &GridView, code: &str) -> NamedGrid {
    match GridCode::parse(code) {
        Ok(code) => named(view, &code),
        Err(_) => NamedGrid {
            code: view.hierarchy().street().code.clone(),
            name: code.to_owned(),
        },
    }
}

/// A grid of `level` by code, or by a name only one grid of that level has.
pub fn find_grid(view: &GridView, text: &str, level: GridLevel) -> Result<GridCode, IntakeProblem> {
    let h = view.hierarchy();
    let text = text.trim();
    if let Ok(code) = GridCode::parse(text)
        && h.by_code(&code).is_some_and(|g| g.level() == level)
    {
        return Ok(code);
    }
    let field = level.as_str();
    let named: Vec<_> = h
        .at_level(level)
        .filter(|&i| h.get(i).name == text)
        .collect();
    match named.as_slice() {
        [one] => Ok(h.get(*one).code.clone()),
        [] => Err(IntakeProblem::new(
            field,
            "GRID_NOT_FOUND",
            format!("没有编码或名称为“{text}”的{}", level.label_zh()),
            format!(
                "There is no {} with the code or name {text:?}",
                level.label_en()
            ),
        )),
        many => Err(IntakeProblem::new(
            field,
            "AMBIGUOUS_NAME",
            format!("“{text}”有 {} 个同名网格，请改用网格编码", many.len()),
            format!("{} grids are named {text:?}: use the grid code", many.len()),
        )),
    }
}
