//! The panels around the map.

mod account_menu;
mod accounts;
mod alerts;
mod aliases;
mod assessment;
mod audit;
mod basemap;
mod camera_live;
mod card;
mod circles;
mod connection;
mod dashboard;
mod demo_feed;
mod diary;
mod door_feed;
mod export;
mod form;
mod grid_chooser;
mod header;
mod heat_period;
mod import;
mod intake;
mod kpi_charts;
mod location;
mod login;
mod notices;
mod offline;
mod open311;
mod photos;
mod pickers;
mod proactive;
mod projects;
mod queue;
mod replay;
mod report;
mod search;
mod slip;
mod survey;
mod table;
mod ticket_actions;
mod ticket_card;
mod ticket_import;
mod toast;
mod training;
mod tree;
mod upload;
mod video_wall;

pub use account_menu::AccountMenu;
pub use accounts::AccountsDialog;
pub use alerts::{Alerts, AlertsDialog};
pub use aliases::AliasesDialog;
pub use audit::AuditDialog;
pub use basemap::BasemapDialog;
pub use camera_live::CameraLive;
pub use card::GridCard;
pub use connection::ConnectionDialog;
pub use dashboard::{Board, BoardButton, BoardPanel, may_see_kpis};
pub use demo_feed::DemoFeedControl;
pub use door_feed::DoorFeed;
pub use export::{DownloadStatus, ExportMenu, ListExport};
pub use grid_chooser::GridChooser;
pub use header::Header;
pub use heat_period::HeatPeriodChooser;
pub use import::GridImport;
pub use intake::IntakeForm;
pub use login::LoginPage;
pub use notices::{CloseButton, ErrorText, Notices, code_tooltip};
pub use offline::{ConflictPanel, OfflineBanner};
pub use open311::Open311Dialog;
pub use photos::PhotoStrip;
pub use pickers::{DateField, DateTimeField, MonthPicker, YearPicker, parse_day};
pub use queue::TicketQueue;
pub use replay::{Replay, ReplayBar, ReplayButton};
pub use search::SearchBox;
pub use ticket_card::TicketCard;
pub use ticket_import::TicketImport;
pub use toast::TicketToast;
pub use training::{Training, TrainingBanner, TrainingPanel};
pub use tree::GridTree;
pub use video_wall::VideoWallPanel;

use leptos::html::Div;
use leptos::prelude::{GetUntracked, NodeRef, RwSignal, Set, on_cleanup, window_event_listener};
use wasm_bindgen::JsCast;
use web_sys::{Node, ScrollIntoViewOptions, ScrollLogicalPosition};

/// Closes a drop-down menu (`open`) on a click anywhere outside `menu`, for as long as the
/// component that calls this lives.
pub(crate) fn close_on_click_outside(menu: NodeRef<Div>, open: RwSignal<bool>) {
    let handle = window_event_listener(leptos::ev::click, move |ev| {
        let inside = ev
            .target()
            .and_then(|t| t.dyn_into::<Node>().ok())
            .zip(menu.get_untracked())
            .is_some_and(|(target, menu)| menu.contains(Some(&target)));
        if !inside && open.get_untracked() {
            open.set(false);
        }
    });
    on_cleanup(move || handle.remove());
}

/// Scrolls the element `selector` finds into view, the least needed, once the list has been
/// drawn around it.
pub(crate) fn reveal(selector: String) {
    leptos::prelude::request_animation_frame(move || {
        if let Ok(Some(el)) = leptos::prelude::document().query_selector(&selector) {
            let options = ScrollIntoViewOptions::new();
            options.set_block(ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&options);
        }
    });
}
