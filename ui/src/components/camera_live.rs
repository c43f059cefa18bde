//! A camera's live picture with what it is doing: 连接中, 播放中, or why there is none — 离线
//! with the gateway's own message, 画面中断 when the camera turns faulty while watched. The
//! device card shows one (the video wall's tiles come on the wall's socket instead).
//!
//! The `<img>` plays the gateway's MJPEG; it is removed (and its source cleared, which ends
//! the request) as soon as there is nothing more to see, so the gateway stops the camera's
//! upstream with its last viewer.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use leptos::html::Img;
use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::error::code;
use binhe_core::Health;

use crate::api::ApiError;
use crate::api::devices;
use crate::app::AppState;
use crate::cameras::{CameraHealth, Caption};
use crate::components::ErrorText;
use crate::i18n::Msg;
use crate::tickets::time::sleep;

/// The gateway waits 10 s for a first picture; past this the tile says there is none.
const FIRST_PICTURE: Duration = Duration::from_secs(12);
const CHECK: Duration = Duration::from_millis(400);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Connecting,
    Playing,
    /// No picture came: the image failed or stayed empty too long.
    Failed,
    /// The camera turned faulty while it played.
    Interrupted,
}

/// What the state line says, and its `data-state` for tests.
fn shown_state(
    phase: Phase,
    health: Option<Health>,
    refusal: Option<&ApiError>,
) -> (&'static str, Caption) {
    match phase {
        Phase::Connecting => ("connecting", Caption::Said(Msg::LiveConnecting)),
        Phase::Playing => ("playing", Caption::Said(Msg::LivePlaying)),
        Phase::Interrupted => ("interrupted", Caption::Said(Msg::LiveInterrupted)),
        Phase::Failed => match (refusal.map(|e| e.code.as_str()), health) {
            (Some(code::GATEWAY_BUSY), _) => ("busy", Caption::Said(Msg::LiveBusy)),
            (Some(code::STREAM_LIMIT), _) => ("limit", Caption::Said(Msg::LiveLimit)),
            (Some(code::CAMERA_UNREACHABLE), _) | (_, Some(Health::Offline)) => {
                ("offline", Caption::Health(Health::Offline))
            }
            (_, Some(Health::Fault)) => ("fault", Caption::Health(Health::Fault)),
            _ => ("failed", Caption::Said(Msg::LiveFailed)),
        },
    }
}

/// The `<img>` of one attempt; its stream ends with it.
#[component]
fn Picture(
    src: String,
    alt: String,
    on_error: Callback<()>,
    node_ref: NodeRef<Img>,
) -> impl IntoView {
    // Removing an <img> does not end its multipart request in every browser: clear its source
    // so the stream (and the camera's upstream) really stops.
    on_cleanup(move || {
        if let Some(img) = node_ref.get_untracked() {
            let _ = img.set_attribute("src", "");
            let _ = img.remove_attribute("src");
        }
    });
    view! {
        <img src=src alt=alt data-testid="camera-live" node_ref=node_ref
            on:error=move |_| on_error.run(())/>
    }
}

#[component]
pub fn CameraLive(#[prop(into)] camera: String, #[prop(into)] name: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let health = expect_context::<CameraHealth>();
    let lang = state.lang;
    let phase = RwSignal::new(Phase::Connecting);
    let attempt = RwSignal::new(0_u32);
    let refusal = RwSignal::new(None::<ApiError>);
    let img = NodeRef::<Img>::new();
    let id = camera.clone();
    let status = Memo::new(move |_| health.status(&id));
    let current = Memo::new(move |_| status.with(|s| s.as_ref().map(|s| s.0)));

    // A camera that turns faulty while it plays has stopped: say so and let go of the stream.
    Effect::new(move |previous: Option<Option<Health>>| {
        let now = current.get();
        if previous.is_some_and(|p| p != now)
            && now == Some(Health::Fault)
            && phase.get_untracked() == Phase::Playing
        {
            phase.set(Phase::Interrupted);
        }
        now
    });

    let src = devices::live_url(&camera);
    // The health is asked more often while pictures play (see `CameraHealth::playing`).
    let counted = Arc::new(AtomicBool::new(false));
    Effect::new({
        let counted = Arc::clone(&counted);
        move || {
            let now = phase.get() == Phase::Playing;
            if counted.swap(now, Ordering::Relaxed) != now {
                health.playing(now);
            }
        }
    });
    on_cleanup(move || {
        if counted.swap(false, Ordering::Relaxed) {
            health.playing(false);
        }
    });

    let failed = move || {
        if phase.get_untracked() != Phase::Connecting {
            return;
        }
        phase.set(Phase::Failed);
        // The health (and its reason) follows at once; the gateway's own answer says why.
        health.refresh(state);
        let camera = camera.clone();
        let round = attempt.get_untracked();
        spawn_local(async move {
            let why = devices::live_refusal(&camera).await;
            if attempt.try_get_untracked() == Some(round) {
                refusal.try_set(why);
            }
        });
    };
    // An error after pictures came means the stream ended under the viewer.
    let on_error = Callback::new({
        let failed = failed.clone();
        move |()| {
            if phase.get_untracked() == Phase::Playing {
                phase.set(Phase::Interrupted);
                health.refresh(state);
            } else {
                failed();
            }
        }
    });

    let streaming = Memo::new(move |_| matches!(phase.get(), Phase::Connecting | Phase::Playing));

    // Each attempt: watch for the first picture, give up after FIRST_PICTURE.
    Effect::new(move || {
        let round = attempt.get();
        if !streaming.get() {
            return;
        }
        let failed = failed.clone();
        spawn_local(async move {
            let mut waited = Duration::ZERO;
            while waited < FIRST_PICTURE {
                sleep(CHECK).await;
                waited += CHECK;
                if attempt.try_get_untracked() != Some(round)
                    || phase.try_get_untracked() != Some(Phase::Connecting)
                {
                    return;
                }
                if img.get_untracked().is_some_and(|i| i.natural_width() > 0) {
                    phase.set(Phase::Playing);
                    return;
                }
            }
            failed();
        });
    });

    let picture = move || {
        let _ = attempt.get();
        streaming.get().then(|| {
            view! { <Picture src=src.clone() alt=name.clone() on_error node_ref=img/> }
        })
    };
    let shown = move || refusal.with(|r| shown_state(phase.get(), current.get(), r.as_ref()));
    // Why there is no picture: the gateway's answer, else the health's reason.
    let why = move || {
        if matches!(phase.get(), Phase::Connecting | Phase::Playing) {
            return None;
        }
        if let Some(e) = refusal.get() {
            return Some(view! { <ErrorText error=e/> }.into_any());
        }
        let reason = status.get().and_then(|s| s.1);
        Some(match reason {
            Some(r) => view! { <span class="mono">{r}</span> }.into_any(),
            None => (move || Msg::LiveNoPicture.text(lang.get())).into_any(),
        })
    };
    let retry = move |_| {
        refusal.set(None);
        phase.set(Phase::Connecting);
        attempt.update(|a| *a += 1);
    };

    view! {
        <div class="camera-live" data-state=move || shown().0>
            {picture}
            <div class="picture-state" data-testid="live-state">
                <span class="picture-label">{move || shown().1.text(lang.get())}</span>
                {move || why().map(|w| view! { <span class="picture-why" data-testid="live-why">{w}</span> })}
                <Show when=move || matches!(phase.get(), Phase::Failed | Phase::Interrupted)>
                    <button type="button" class="btn small" data-testid="live-retry" on:click=retry>
                        {move || Msg::Retry.text(lang.get())}
                    </button>
                </Show>
            </div>
        </div>
    }
}
