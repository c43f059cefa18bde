//! The grid directory: street → communities → micro-grids → units, collapsible.
//!
//! Children are only rendered while their parent is open, so the ~thousand units cost nothing
//! until someone looks at them. Selecting a grid elsewhere opens its ancestors here and
//! scrolls it into view.

use std::sync::Arc;

use leptos::prelude::*;

use binhe_api::grids::TreeNode;
use binhe_core::GridLevel;

use crate::api;
use crate::app::{AppState, Fly};
use crate::i18n::Msg;

#[component]
pub fn GridTree() -> impl IntoView {
    let state = expect_context::<AppState>();
    let root = RwSignal::new(None::<Arc<TreeNode>>);
    // Open nodes stay open when the grids are replaced and the tree loads again.
    state.load_grid_data(api::tree, move |result| match result {
        Ok(tree) => {
            // The street is open from the start: its communities are the first choice.
            state.expanded.update(|open| {
                open.insert(tree.code.to_string());
            });
            root.set(Some(Arc::new(tree)));
        }
        Err(e) => state.notify(Msg::ErrorLoadTree, e),
    });

    // Bring the selected row into view once the tree has re-rendered around it.
    Effect::new(move || {
        let Some(code) = state.selected.get() else {
            return;
        };
        super::reveal(format!(".tree-row[data-code=\"{code}\"]"));
    });

    let lang = state.lang;
    view! {
        <nav class="tree" data-testid="grid-tree">
            <h2 class="panel-title">{move || Msg::TreeTitle.text(lang.get())}</h2>
            <div class="tree-scroll">
                {move || match root.get() {
                    Some(node) => view! { <ul class="tree-list" role="tree">{tree_node(&node, 0)}</ul> }.into_any(),
                    None => view! { <div class="tree-loading">{move || Msg::TreeLoading.text(lang.get())}</div> }.into_any(),
                }}
            </div>
        </nav>
    }
}

/// One row and, while open, its children (recursive, hence `AnyView`).
fn tree_node(node: &TreeNode, depth: usize) -> AnyView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let code = node.code.to_string();
    let has_children = !node.children.is_empty();
    let is_open = {
        let code = code.clone();
        Memo::new(move |_| state.expanded.with(|open| open.contains(&code)))
    };
    let is_selected = {
        let code = code.clone();
        Memo::new(move |_| state.selected.with(|s| s.as_deref() == Some(code.as_str())))
    };
    let toggle = {
        let code = code.clone();
        move || {
            state.expanded.update(|open| {
                if !open.remove(&code) {
                    open.insert(code.clone());
                }
            });
        }
    };
    let select = {
        let code = code.clone();
        move || {
            state.expanded.update(|open| {
                open.insert(code.clone());
            });
            state.select(code.clone(), Fly::ToDetail);
        }
    };
    let names = (node.name.clone(), node.name_en.clone());
    let level = node.level;
    let children = node.children.clone();
    let child_count = children.len();
    // Units are the leaves; their count would only repeat the list.
    let show_count = has_children && level != GridLevel::Micro;

    view! {
        <li class="tree-item" role="treeitem" aria-expanded=move || has_children.then(|| is_open.get().to_string())>
            <div class=format!("tree-row level-{}", level.as_str()) data-code=code.clone()
                class:selected=move || is_selected.get()
                style=format!("padding-left: {}px", 8 + depth * 16)>
                {if has_children {
                    view! {
                        <button type="button" class="tree-caret" class:open=move || is_open.get()
                            aria-label=move || if is_open.get() { Msg::Collapse.text(lang.get()) } else { Msg::Expand.text(lang.get()) }
                            on:click=move |ev| { ev.stop_propagation(); toggle(); }>
                            "▸"
                        </button>
                    }.into_any()
                } else {
                    view! { <span class="tree-caret-spacer"></span> }.into_any()
                }}
                <button type="button" class="tree-label" on:click=move |_| select()>
                    <span class="tree-name">{move || lang.get().pick(&names.0, &names.1).to_owned()}</span>
                    {show_count.then(|| view! { <span class="tree-count">{child_count}</span> })}
                </button>
            </div>
            <Show when=move || has_children && is_open.get()>
                <ul class="tree-list" role="group">
                    {children.iter().map(|child| tree_node(child, depth + 1)).collect_view()}
                </ul>
            </Show>
        </li>
    }
    .into_any()
}
