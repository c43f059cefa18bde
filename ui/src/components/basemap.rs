//! 底图管理 (administrators, from the account menu): what basemap the map draws under the grids,
//! uploading an MBTiles or PMTiles file with its progress, and going back to the generated
//! basemap. The map follows at once (`AppState::basemap`).

use binhe_api::basemap::{BasemapInfo, MAX_BASEMAP_BYTES};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::File;

use super::import::failed_view;
use super::upload::{FilePicker, Modal};
use crate::api::ApiError;
use crate::api::basemap as api;
use crate::app::AppState;
use crate::format::file_size;
use crate::i18n::{Lang, Msg};
use crate::tickets::time;

/// Where the last change stands.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Idle,
    /// Bytes sent of the file's total.
    Uploading(f64, f64),
    Added,
    Removed,
    Failed(ApiError),
}

#[component]
pub fn BasemapDialog(#[prop(into)] open: Signal<bool>, on_close: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let chosen = RwSignal::new_local(Vec::<File>::new());
    let outcome = RwSignal::new(Outcome::Idle);
    let confirm = RwSignal::new(false);
    let busy = Signal::derive(move || matches!(outcome.get(), Outcome::Uploading(..)));

    // The basemap as the server has it now, each time the dialog opens.
    Effect::new(move || {
        if open.get() {
            spawn_local(async move {
                match api::current().await {
                    Ok(current) => state.basemap.set(current),
                    Err(e) => outcome.set(Outcome::Failed(e)),
                }
            });
        }
    });

    let on_choose = Callback::new(move |_files: Vec<File>| {
        outcome.set(Outcome::Idle);
    });
    let on_start = Callback::new(move |()| {
        let Some(file) = chosen.with_untracked(|files| files.first().cloned()) else {
            return;
        };
        outcome.set(Outcome::Uploading(0.0, file.size()));
        spawn_local(async move {
            let progress = move |sent: f64, total: f64| {
                if matches!(outcome.get_untracked(), Outcome::Uploading(..)) {
                    outcome.set(Outcome::Uploading(sent, total));
                }
            };
            match api::upload(&file, progress).await {
                Ok(info) => {
                    state.basemap.set(Some(info));
                    chosen.set(Vec::new());
                    outcome.set(Outcome::Added);
                }
                Err(e) => outcome.set(Outcome::Failed(e)),
            }
        });
    });
    let on_remove = move |_| {
        if !confirm.get_untracked() {
            confirm.set(true);
            return;
        }
        confirm.set(false);
        spawn_local(async move {
            match api::remove().await {
                Ok(()) => {
                    state.basemap.set(None);
                    outcome.set(Outcome::Removed);
                }
                Err(e) => outcome.set(Outcome::Failed(e)),
            }
        });
    };

    let current = move || {
        match state.basemap.get() {
        Some(info) => current_view(lang, &info).into_any(),
        None => view! {
            <p class="basemap-none muted" data-testid="basemap-none">{move || t(Msg::BasemapNone)}</p>
        }
        .into_any(),
    }
    };
    let result = move || {
        match outcome.get() {
        Outcome::Idle => ().into_any(),
        Outcome::Uploading(sent, total) => {
            let percent = if total > 0.0 { (sent / total * 100.0).round() } else { 0.0 };
            view! {
                <div class="basemap-progress" data-testid="basemap-progress">
                    <progress max="100" value=percent></progress>
                    <span class="mono">{format!("{percent}%")}</span>
                    <span class="muted">{move || format!("{} / {}",
                        file_size(lang.get(), sent as u64), file_size(lang.get(), total as u64))}</span>
                </div>
            }
            .into_any()
        }
        Outcome::Added => view! {
            <div class="import-result ok" data-testid="basemap-success" role="status">
                <p class="result-title"><span class="result-mark" aria-hidden="true">"✓"</span>{move || t(Msg::BasemapDone)}</p>
            </div>
        }
        .into_any(),
        Outcome::Removed => view! {
            <div class="import-result ok" data-testid="basemap-removed" role="status">
                <p class="result-title">{move || t(Msg::BasemapRemoved)}</p>
            </div>
        }
        .into_any(),
        Outcome::Failed(error) => failed_view(lang, "basemap", error).into_any(),
    }
    };

    view! {
        <Modal open on_close title=Msg::BasemapTitle testid="basemap" busy>
            <ul class="import-rules">
                <li>{move || t(Msg::BasemapRuleFormat)}</li>
                <li class="rule-key">{move || t(Msg::BasemapRuleKeep)}</li>
                <li>{move || t(Msg::BasemapRuleOffline)}</li>
            </ul>
            <div class="basemap-current" data-testid="basemap-current">{current}</div>
            <FilePicker testid="basemap" accept=".mbtiles,.pmtiles" chosen busy busy_label=Msg::BasemapUploading
                on_choose on_start max_bytes=MAX_BASEMAP_BYTES/>
            <Show when=move || state.basemap.with(Option::is_some)>
                <button type="button" class="btn danger" data-testid="basemap-remove" disabled=busy
                    on:click=on_remove>
                    {move || t(if confirm.get() { Msg::BasemapRemoveConfirm } else { Msg::BasemapRemove })}
                </button>
            </Show>
            <div class="import-result-area" aria-live="polite">{result}</div>
        </Modal>
    }
}

fn current_view(lang: RwSignal<Lang>, info: &BasemapInfo) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    let set = info.tile_set.clone();
    let (kind, format, container) = (set.kind, set.format, set.container);
    let pick = move |zh: &'static str, en: &'static str| lang.get().pick(zh, en);
    let bytes = info.bytes;
    let layers = set
        .vector_layers
        .iter()
        .map(|l| l.id.clone())
        .collect::<Vec<_>>()
        .join("、");
    let added = format!("{} · {}", time::date_time(info.added_at), info.added_by);
    view! {
        <dl class="basemap-facts" data-testid="basemap-info" data-basemap-id=info.id.clone()
            data-kind=kind.as_str()>
            <dt>{move || pick(container.label_zh(), container.label_en())}</dt>
            <dd data-testid="basemap-name">{info.name.clone()}<span class="muted mono">{format!(" ({})", info.file_name)}</span></dd>
            <dt>{move || pick(kind.label_zh(), kind.label_en())}</dt>
            <dd>{move || pick(format.label_zh(), format.label_en())}</dd>
            <dt>{move || t(Msg::BasemapZooms)}</dt>
            <dd class="mono">{format!("{}–{}", set.min_zoom, set.max_zoom)}</dd>
            <dt>{move || t(Msg::BasemapSize)}</dt>
            <dd>{move || file_size(lang.get(), bytes)}</dd>
            <dt>{move || t(Msg::BasemapAdded)}</dt>
            <dd>{added}</dd>
            {(!layers.is_empty()).then(|| view! {
                <dt>{move || t(Msg::BasemapLayers)}</dt>
                <dd class="mono">{layers}</dd>
            })}
            {set.attribution.clone().map(|a| view! { <dt>"©"</dt><dd>{a}</dd> })}
        </dl>
    }
}
