//! The keyboard path of the dispatch gesture: `D` (or a grid action on the card) opens this
//! chooser; type to search grids, arrows to move, Enter to dispatch.

use leptos::prelude::*;

use super::search::GridSearch;
use super::upload::Modal;
use binhe_api::grids::SearchHit;
use binhe_core::GridLevel;
use binhe_core::ticket::ActionKind;

use crate::api::texts::{Named, TicketNames};
use crate::app::AppState;
use crate::i18n::Msg;
use crate::tickets::Desk;
use crate::tickets::desk::ChooseGrid;

#[component]
pub fn GridChooser() -> impl IntoView {
    let state = expect_context::<AppState>();
    let desk = expect_context::<Desk>();
    let lang = state.lang;
    let close = Callback::new(move |()| desk.chooser.set(None));
    let on_choose = Callback::new(move |hit: SearchHit| {
        if let Some(choose) = desk.chooser.get_untracked() {
            desk.chooser.set(None);
            desk.dispatch(choose, hit.code.to_string());
        }
    });
    let heading = move || {
        let choose = desk.chooser.get()?;
        let lang = lang.get();
        let category = desk
            .find(choose.ticket)
            .map(|t| t.category_name(lang).to_owned())
            .unwrap_or_default();
        Some(format!(
            "{} · #{} {category}",
            choose.action.short(lang),
            choose.ticket
        ))
    };
    // 下交 hands the order down: the chooser says so.
    let title = Signal::derive(move || match desk.chooser.get() {
        Some(ChooseGrid {
            action: ActionKind::Delegate,
            ..
        }) => Msg::ChooserTitleDelegate,
        _ => Msg::ChooserTitle,
    });
    view! {
        <Modal open=Signal::derive(move || desk.chooser.get().is_some()) on_close=close
            title testid="chooser" class="chooser-dialog">
            <p class="chooser-for" data-testid="chooser-for">{heading}</p>
            // A fresh field (and focus) each time the chooser opens.
            {move || desk.chooser.get().map(|choose| {
                // Orders are dispatched to communities and micro-grids, and delegated down to
                // micro-grids and units.
                let accept: fn(GridLevel) -> bool = if choose.action == ActionKind::Delegate {
                    |level| matches!(level, GridLevel::Micro | GridLevel::Unit)
                } else {
                    |level| matches!(level, GridLevel::Community | GridLevel::Micro)
                };
                view! {
                    <GridSearch id="chooser-search" testid="chooser" label=title.get_untracked() autofocus=true
                        accept on_choose/>
                }
            })}
            <p class="result-note small">{move || Msg::ChooserHint.text(lang.get())}</p>
        </Modal>
    }
}
