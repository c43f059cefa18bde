//! A door-access unit's events while its card is open: asked for every [`POLL`], only those
//! newer than the newest shown, newest first, in Beijing time.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::devices::DoorEventView;

use crate::api::ApiError;
use crate::api::devices;
use crate::api::texts::Named;
use crate::app::AppState;
use crate::components::ErrorText;
use crate::i18n::Msg;
use crate::tickets::time::{full, sleep};

const POLL: Duration = Duration::from_secs(3);
/// Events kept on the card.
const KEEP: usize = 50;

/// Puts newer events (newest first, as the server sends them) on top of those shown.
fn merge(shown: &mut Vec<DoorEventView>, newer: Vec<DoorEventView>) {
    let newest = shown.first().map(|e| e.id);
    let mut fresh: Vec<DoorEventView> = newer
        .into_iter()
        .filter(|e| newest.is_none_or(|n| e.id > n))
        .collect();
    fresh.sort_by_key(|e| std::cmp::Reverse(e.id));
    fresh.append(shown);
    fresh.truncate(KEEP);
    *shown = fresh;
}

#[component]
pub fn DoorFeed(#[prop(into)] unit: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let events = RwSignal::new(None::<Vec<DoorEventView>>);
    let error = RwSignal::new(None::<ApiError>);

    // Runs while the card is open: the signals go with it, and the loop ends on the next turn.
    spawn_local(async move {
        loop {
            // The card has closed when its signals are gone. Not loaded yet: the latest events.
            let Some(newest) =
                events.try_with_untracked(|e| e.as_ref().and_then(|e| e.first().map(|f| f.id)))
            else {
                return;
            };
            match devices::door_events(&unit, newest).await {
                Ok(newer) => {
                    error.try_set(None);
                    events.try_update(|e| merge(e.get_or_insert_with(Vec::new), newer));
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
            sleep(POLL).await;
        }
    });

    let rows = move || {
        events.with(|list| {
            let list = list.as_ref()?;
            Some(if list.is_empty() {
                view! { <p class="device-note" data-testid="door-empty">{move || t(Msg::DoorNoEvents)}</p> }
                    .into_any()
            } else {
                let items = list
                    .iter()
                    .map(|e| {
                        let kind = e.kind;
                        view! {
                            <li class="door-event" data-event-id=e.id data-kind=kind.as_str()>
                                <time class="mono">{full(e.at)}</time>
                                <span class="door-kind">{move || kind.name(lang.get())}</span>
                                {e.detail.clone().map(|d| view! { <span class="muted">{d}</span> })}
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ol class="door-events" data-testid="door-events">{items}</ol> }.into_any()
            })
        })
    };

    view! {
        <section class="door-feed" data-testid="door-feed">
            <h4>{move || t(Msg::DoorEvents)}<span class="muted small">{move || t(Msg::DoorEventsLive)}</span></h4>
            {move || error.get().map(|e| view! {
                <p class="device-note card-error">{move || t(Msg::ErrorLoadDoorEvents)}"："<ErrorText error=e/></p>
            })}
            {rows}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use binhe_core::DoorEventKind;

    use super::*;

    fn event(id: i64) -> DoorEventView {
        DoorEventView {
            id,
            unit: "MJ0001".into(),
            at: chrono::DateTime::UNIX_EPOCH,
            kind: DoorEventKind::Forced,
            kind_zh: DoorEventKind::Forced.label_zh().into(),
            detail: None,
        }
    }

    #[test]
    fn newer_events_go_on_top_once() {
        let mut shown = vec![event(5), event(3)];
        merge(&mut shown, vec![event(7), event(6), event(5)]);
        let ids: Vec<i64> = shown.iter().map(|e| e.id).collect();
        assert_eq!(ids, [7, 6, 5, 3]);
    }

    #[test]
    fn the_card_keeps_the_newest_fifty() {
        let mut shown = Vec::new();
        merge(&mut shown, (1..=60).rev().map(event).collect());
        assert_eq!(shown.len(), KEEP);
        assert_eq!(shown[0].id, 60);
    }
}
