//! The small card of a device clicked on the map: its kind, grid and live health (with the
//! reason when a camera is offline or faulty); a camera's live picture, one click from the
//! video wall; a door-access unit's events as they come.

use leptos::prelude::*;

use binhe_core::{DeviceKind, Health};

use super::devices::{DeviceInfo, OnTheMap};
use crate::api::texts::Named;
use crate::app::AppState;
use crate::cameras::{CameraHealth, VideoWall};
use crate::components::{CameraLive, DoorFeed};
use crate::i18n::Msg;

#[component]
pub fn DeviceCard(device: RwSignal<Option<DeviceInfo>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let health = expect_context::<CameraHealth>();
    let wall = expect_context::<VideoWall>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());

    move || {
        let d = device.get()?;
        let kind = d.kind;
        let grid_name = state
            .index
            .with_untracked(|i| i.as_ref().and_then(|i| i.name(&d.grid)));
        // A camera's health as the server last said; other devices keep the map's.
        let id = d.id.clone();
        let clicked = d.health;
        let status = Memo::new(move |_| {
            (kind == DeviceKind::Camera)
                .then(|| health.status(&id))
                .flatten()
                .unwrap_or((clicked, None))
        });
        let reason = move || {
            status.with(|(h, reason)| {
                matches!(h, Health::Offline | Health::Fault)
                    .then(|| reason.clone())
                    .flatten()
            })
        };
        let camera = (kind == DeviceKind::Camera).then(|| {
            let on_wall = (d.id.clone(), d.name.clone());
            view! {
                <figure class="device-video" data-field="video">
                    <CameraLive camera=d.id.clone() name=d.name.clone()/>
                    <figcaption>
                        <span>{move || t(Msg::CameraVideoLive)}</span>
                        <button type="button" class="btn small" data-testid="wall-add"
                            on:click=move |_| wall.show(std::slice::from_ref(&on_wall))>
                            {move || t(Msg::WallAdd)}
                        </button>
                    </figcaption>
                </figure>
            }
        });
        let door =
            (kind == DeviceKind::DoorAccess).then(|| view! { <DoorFeed unit=d.id.clone()/> });
        Some(view! {
            <section class="device-card" data-testid="device-card" data-kind=kind.as_str()
                data-device-id=d.id.clone()>
                <button type="button" class="device-card-close" data-testid="device-card-close"
                    aria-label="×" on:click=move |_| device.set(None)>"×"</button>
                <h3 data-field="name">{d.name.clone()}</h3>
                <dl>
                    <dt>{move || t(Msg::LegendDevices)}</dt>
                    <dd data-field="kind">
                        <i class="dot" style=format!("background: {}", kind.colour())></i>
                        {move || t(kind.legend())}
                    </dd>
                    <dt>{move || t(Msg::DeviceGrid)}</dt>
                    <dd data-field="grid">
                        {move || grid_name.as_ref().map(|n| format!("{} · ", lang.get().pick(&n[0], &n[1])))}
                        <span class="mono">{d.grid.clone()}</span>
                    </dd>
                    <dt>{move || t(Msg::ColStatus)}</dt>
                    <dd data-field="health" data-health=move || status.with(|s| s.0.as_str())>
                        {move || status.with(|s| s.0).name(lang.get())}
                    </dd>
                    {move || reason().map(|r| view! {
                        <dt>{move || t(Msg::FieldReason)}</dt>
                        <dd data-field="reason" class="mono">{r}</dd>
                    })}
                </dl>
                {camera}
                {door}
            </section>
        })
    }
}
