//! The video wall over the map: live tiles 2×2 or 3×3, each with its camera's name, its
//! state and a ×; every tile's pictures come on one socket ([`WallFeed`]), and closing the
//! wall ends every stream.

use leptos::prelude::*;

use binhe_api::error::code;
use binhe_core::Health;

use crate::api::ApiError;
use crate::app::AppState;
use crate::cameras::feed::FeedState;
use crate::cameras::wall::{Layout, MAX_TILES};
use crate::cameras::{Caption, VideoWall, WallFeed};
use crate::components::ErrorText;
use crate::i18n::Msg;

/// What a tile's state line says, and its `data-state` for tests.
fn shown_state(state: &FeedState) -> (&'static str, Caption) {
    match state {
        FeedState::Connecting => ("connecting", Caption::Said(Msg::LiveConnecting)),
        FeedState::Playing => ("playing", Caption::Said(Msg::LivePlaying)),
        FeedState::Ended(_) => ("interrupted", Caption::Said(Msg::LiveInterrupted)),
        FeedState::Refused(e) => match e.code.as_str() {
            code::CAMERA_UNREACHABLE => ("offline", Caption::Health(Health::Offline)),
            code::GATEWAY_BUSY => ("busy", Caption::Said(Msg::LiveBusy)),
            code::STREAM_LIMIT => ("limit", Caption::Said(Msg::LiveLimit)),
            _ => ("failed", Caption::Said(Msg::LiveFailed)),
        },
    }
}

/// One tile's picture and state, fed by the wall's socket.
#[component]
fn WallPicture(camera: String, name: String) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let feed = expect_context::<WallFeed>();
    let picture = RwSignal::new(None::<String>);
    let state = RwSignal::new(FeedState::Connecting);
    feed.attach(&camera, picture, state);
    let id = camera.clone();
    on_cleanup(move || feed.detach(&id));
    let shown = move || state.with(shown_state);
    let why = move || {
        state.with(|s| match s {
            FeedState::Ended(reason) => {
                Some(view! { <span class="mono">{reason.clone()}</span> }.into_any())
            }
            FeedState::Refused(e) => {
                let e: ApiError = e.clone();
                Some(view! { <ErrorText error=e/> }.into_any())
            }
            _ => None,
        })
    };
    let stopped = move || state.with(|s| matches!(s, FeedState::Ended(_) | FeedState::Refused(_)));
    view! {
        <div class="camera-live" data-state=move || shown().0>
            {move || picture.get().map(|src| view! { <img src=src alt=name.clone() data-testid="camera-live"/> })}
            <div class="picture-state" data-testid="live-state">
                <span class="picture-label">{move || shown().1.text(lang.get())}</span>
                {move || why().map(|w| view! { <span class="picture-why" data-testid="live-why">{w}</span> })}
                <Show when=stopped>
                    <button type="button" class="btn small" data-testid="live-retry" on:click={
                        let camera = camera.clone();
                        move |_| {
                            state.set(FeedState::Connecting);
                            feed.retry(&camera);
                        }
                    }>
                        {move || Msg::Retry.text(lang.get())}
                    </button>
                </Show>
            </div>
        </div>
    }
}

#[component]
pub fn VideoWallPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let wall = expect_context::<VideoWall>();
    let feed = WallFeed::new();
    provide_context(feed);
    // The socket asks for exactly the cameras on the wall.
    Effect::new(move || {
        let cameras: Vec<String> = wall
            .tiles
            .with(|t| t.list.iter().map(|t| t.camera.clone()).collect());
        feed.show(cameras);
    });
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let open = move || wall.tiles.with(|t| !t.list.is_empty());
    let layout = move || wall.tiles.with(|t| t.layout);
    // Folded to its title bar, the wall frees the map (its pictures keep playing).
    let folded = RwSignal::new(false);

    let layout_button = move |choice: Layout, label: &'static str| {
        let fits = move || wall.tiles.with(|t| t.fits(choice));
        view! {
            <button type="button" class="wall-layout" data-layout=choice.as_str()
                class:on=move || layout() == choice
                aria-pressed=move || (layout() == choice).to_string()
                disabled=move || !fits()
                title=move || (!fits()).then(|| t(Msg::WallLayoutTooSmall))
                on:click=move |_| wall.tiles.update(|t| t.layout = choice)>
                {label}
            </button>
        }
    };
    let dropped = move || {
        let names = wall.dropped.get();
        (!names.is_empty()).then(|| {
            view! {
                <p class="wall-dropped" data-testid="wall-dropped">
                    {move || t(Msg::WallDropped)}{names.join("、")}
                </p>
            }
        })
    };

    view! {
        <Show when=open>
            <section class="video-wall" data-testid="video-wall" data-layout=move || layout().as_str()
                class:folded=move || folded.get()>
                <header class="wall-head">
                    <h2>{move || t(Msg::WallTitle)}</h2>
                    <span class="count mono" data-testid="wall-count">
                        {move || format!("{} / {MAX_TILES}", wall.tiles.with(|t| t.list.len()))}
                    </span>
                    {layout_button(Layout::TwoByTwo, "2×2")}
                    {layout_button(Layout::ThreeByThree, "3×3")}
                    {dropped}
                    <button type="button" class="btn small quiet wall-fold" data-testid="wall-fold"
                        aria-pressed=move || folded.get().to_string()
                        on:click=move |_| folded.update(|f| *f = !*f)>
                        {move || t(if folded.get() { Msg::WallUnfold } else { Msg::WallFold })}
                    </button>
                    <button type="button" class="wall-close" data-testid="wall-close"
                        title=move || t(Msg::WallClose) aria-label=move || t(Msg::WallClose)
                        on:click=move |_| wall.close()>"×"</button>
                </header>
                <div class="wall-grid">
                    <For each=move || wall.tiles.get().list key=|tile| tile.key let:tile>
                        <figure class="wall-tile" data-testid="wall-tile" data-camera-id=tile.camera.clone()>
                            <figcaption>
                                <span class="wall-name">{tile.name.clone()}</span>
                                <span class="mono muted">{tile.camera.clone()}</span>
                                <button type="button" class="wall-tile-close" data-testid="wall-tile-close"
                                    title=move || t(Msg::WallTileClose) aria-label=move || t(Msg::WallTileClose)
                                    on:click=move |_| {
                                        wall.tiles.update(|t| t.remove(tile.key));
                                        wall.dropped.set(Vec::new());
                                    }>"×"</button>
                            </figcaption>
                            <WallPicture camera=tile.camera.clone() name=tile.name.clone()/>
                        </figure>
                    </For>
                </div>
            </section>
        </Show>
    }
}
