//! 回放 (issue 17): any recorded stretch of the street read back from the event log. The bar
//! over the bottom of the map picks the stretch, plays it at 1–1000× with a slider to any
//! moment, and shows the tickets open then (on the map instead of the live layer, and listed)
//! and the events as they happen (a ticker, and a ring on the map around what just changed).
//! The fold is the domain's [`Playback`]; this module only drives its clock.
//!
//! `window.binheReplayStats` tells a test what playing cost: frames, steps applied, the work and
//! the interval of a frame (p50/p95, ms), the wall times it started and ended, and the load.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Serialize;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

use binhe_core::ticket::replay::{Playback, Scene, Shown, Step};
use binhe_core::ticket::{ActionKind, TicketId};

use super::dashboard::{Board, may_see_kpis};
use crate::api::{ApiError, replay as api};
use crate::app::AppState;
use crate::components::{DateTimeField, ErrorText};
use crate::i18n::{self, Lang, Msg};
use crate::map::replay::ReplayLayer;
use crate::tickets::time::{day, day_start, from_local_input, full, local_input, now};

/// The speeds offered: story seconds per wall second.
const SPEEDS: [u32; 5] = [1, 10, 60, 300, 1000];
/// The frame budget: the map's GeoJSON and the list are rebuilt at most this often (ms), however
/// many steps the frames between apply.
const BUILD_EVERY_MS: f64 = 100.0;
/// How long (wall ms) a changed ticket stays ringed.
const FLASH_MS: f64 = 1_500.0;
/// Rings at most this many tickets of one frame's steps (a jump applies thousands).
const FLASH_MOST: usize = 200;
/// Lines of the ticker.
const TICKER: usize = 8;
/// Rows of the list of open tickets.
const QUEUE_ROWS: usize = 200;

/// The change kinds of the log as the actions that make them (`received` is the intake's).
const KINDS: [(&str, ActionKind); 19] = [
    ("registered", ActionKind::Register),
    ("cancelled", ActionKind::Cancel),
    ("dispatched", ActionKind::Dispatch),
    ("dispatch_undone", ActionKind::UndoDispatch),
    ("self_handled", ActionKind::SelfHandle),
    ("started", ActionKind::Start),
    ("escalated", ActionKind::Escalate),
    ("delegated", ActionKind::Delegate),
    ("contacted", ActionKind::Contact),
    ("fed_back", ActionKind::Feedback),
    ("verified", ActionKind::Verify),
    ("rejected", ActionKind::Reject),
    ("closed", ActionKind::Close),
    ("reopened", ActionKind::Reopen),
    ("relocated", ActionKind::Relocate),
    ("merged", ActionKind::Merge),
    ("unmerged", ActionKind::Unmerge),
    ("duplicate_flagged", ActionKind::FlagDuplicate),
    ("flag_dismissed", ActionKind::DismissFlag),
];

/// A step's kind as a dispatcher names it: `立案`, `分派`; its code when unknown.
fn kind_label(kind: &str, lang: Lang) -> String {
    if kind == "received" {
        return Msg::ReplayReceived.text(lang).to_owned();
    }
    KINDS.iter().find(|(code, _)| *code == kind).map_or_else(
        || kind.to_owned(),
        |(_, action)| lang.pick(action.label_zh(), action.label_en()).to_owned(),
    )
}

/// Whether the replay is open, and what the map draws of it (`None`: the live tickets).
#[derive(Clone, Copy)]
pub struct Replay {
    pub open: RwSignal<bool>,
    pub layer: RwSignal<Option<ReplayLayer>>,
}

impl Replay {
    pub fn new() -> Self {
        Self {
            open: RwSignal::new(false),
            layer: RwSignal::new(None),
        }
    }
}

/// The stretch loaded.
#[derive(Clone, Copy, PartialEq)]
struct Loaded {
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    total: usize,
    truncated: bool,
}

/// What a play cost, for `window.binheReplayStats`.
#[derive(Default)]
struct Stats {
    frames: u32,
    steps: usize,
    work: Vec<f64>,
    intervals: Vec<f64>,
    started: Option<f64>,
    ended: Option<f64>,
    load_ms: f64,
}

/// The p-th percentile (0–100) of `values`, nearest rank.
fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The clock of the playing loop (wall ms, from the frames' timestamps).
#[derive(Default)]
struct Clock {
    last_frame: Option<f64>,
    last_build: f64,
    /// Steps applied since the last build.
    dirty: bool,
    /// Tickets ringed, until when (wall ms).
    flashes: HashMap<TicketId, f64>,
    stats: Stats,
}

/// Calls `frame` at each animation frame while it answers true.
fn next_frame(frame: impl Fn(f64) -> bool + Copy + 'static) {
    let callback = Closure::once_into_js(move |stamp: f64| {
        if frame(stamp) {
            next_frame(frame);
        }
    });
    let _ = window().request_animation_frame(callback.unchecked_ref());
}

fn performance_now() -> f64 {
    window()
        .performance()
        .map_or_else(js_sys::Date::now, |p| p.now())
}

fn point(t: &Shown, flash: bool) -> Option<Value> {
    Some(json!({
        "type": "Feature", "id": t.id,
        "geometry": {"type": "Point", "coordinates": [t.lon?, t.lat?]},
        "properties": {
            "id": t.id, "state": t.state.as_str(), "flash": flash,
            "urgency": if t.urgent { "urgent" } else { "normal" },
        },
    }))
}

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": Value::Array(features)})
}

/// The map's layer of `scene`: its open tickets, and those of `flashes`.
fn layer_of(scene: &Scene, flashes: &HashMap<TicketId, f64>) -> ReplayLayer {
    ReplayLayer {
        tickets: collection(scene.open().filter_map(|t| point(t, false)).collect()),
        flash: collection(
            flashes
                .keys()
                .filter_map(|id| scene.tickets.get(id))
                .filter_map(|t| point(t, true))
                .collect(),
        ),
    }
}

/// The 回放 button of the header, for those who may replay (not a grid worker).
#[component]
pub fn ReplayButton() -> impl IntoView {
    let state = expect_context::<AppState>();
    let replay = expect_context::<Replay>();
    let board = expect_context::<Board>();
    let t = move |m: Msg| m.text(state.lang.get());
    view! {
        <Show when=move || may_see_kpis(state)>
            <button type="button" class="btn small replay-open" data-testid="replay-open"
                class:active=move || replay.open.get()
                title=move || t(Msg::ReplayOpenTitle)
                on:click=move |_| {
                    board.view.set(None);
                    replay.open.update(|o| *o = !*o);
                }>
                {move || t(Msg::ReplayOpen)}
            </button>
        </Show>
    }
}

/// The replay bar over the bottom of the map, while the replay is open.
#[component]
pub fn ReplayBar() -> impl IntoView {
    let replay = expect_context::<Replay>();
    view! {
        <Show when=move || replay.open.get()>
            <ReplayControls/>
        </Show>
    }
}

#[component]
fn ReplayControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    let replay = expect_context::<Replay>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());

    let today = day(now());
    let from_text = RwSignal::new(day_start(&today).map(local_input).unwrap_or_default());
    let until_text = RwSignal::new(local_input(now() + chrono::Duration::minutes(1)));
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let loaded = RwSignal::new(None::<Loaded>);
    let playback = StoredValue::new(None::<Playback>);
    let at = RwSignal::new(now());
    let playing = RwSignal::new(false);
    let speed = RwSignal::new(60_u32);
    let applied = RwSignal::new(0_usize);
    let open_now = RwSignal::new(0_usize);
    let queue = RwSignal::new(Vec::<Shown>::new());
    let ticker = RwSignal::new(Vec::<Step>::new());
    let clock = StoredValue::new_local(Clock::default());

    // The map and the list from the scene as it now is.
    let build = move |wall: f64| {
        clock.update_value(|c| {
            c.flashes.retain(|_, until| *until > wall);
            c.dirty = false;
            c.last_build = wall;
            playback.with_value(|p| {
                let Some(p) = p else { return };
                let scene = p.scene();
                let mut open: Vec<Shown> = scene.open().cloned().collect();
                open_now.set(open.len());
                open.sort_by_key(|t| std::cmp::Reverse(t.received_at));
                open.truncate(QUEUE_ROWS);
                queue.set(open);
                applied.set(p.applied());
                replay.layer.set(Some(layer_of(scene, &c.flashes)));
            });
        });
    };
    let publish = move || {
        clock.with_value(|c| {
            let s = &c.stats;
            let total = loaded.get_untracked().map_or(0, |l| l.total);
            let stats = json!({
                "frames": s.frames, "steps": s.steps,
                "applied": applied.get_untracked(), "total": total,
                "open": open_now.get_untracked(),
                "speed": speed.get_untracked(),
                "work_p50": percentile(&s.work, 50.0), "work_p95": percentile(&s.work, 95.0),
                "interval_p50": percentile(&s.intervals, 50.0),
                "interval_p95": percentile(&s.intervals, 95.0),
                "started": s.started, "ended": s.ended, "load_ms": s.load_ms,
                "playing": playing.get_untracked(),
            });
            let value = stats
                .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
                .unwrap_or(JsValue::NULL);
            let _ = js_sys::Reflect::set(&window(), &"binheReplayStats".into(), &value);
        });
    };
    // Brings the scene to `moment`; the steps it applied go to the ticker and the rings.
    let seek = move |moment: DateTime<Utc>, wall: f64| -> usize {
        let mut passed = Vec::new();
        let count = playback.try_update_value(|p| {
            let Some(p) = p else { return 0 };
            let range = p.seek(moment);
            let count = range.len();
            passed = p.steps()[range.start.max(range.end.saturating_sub(FLASH_MOST))..range.end]
                .iter()
                .map(|s| (s.ticket, s.clone()))
                .collect();
            count
        });
        let count = count.unwrap_or(0);
        if count > 0 {
            clock.update_value(|c| {
                c.dirty = true;
                for (id, _) in &passed {
                    c.flashes.insert(*id, wall + FLASH_MS);
                }
            });
            ticker.update(|lines| {
                let mut latest: Vec<Step> = passed
                    .iter()
                    .rev()
                    .take(TICKER)
                    .map(|(_, s)| s.clone())
                    .collect();
                latest.extend(lines.drain(..).take(TICKER.saturating_sub(latest.len())));
                *lines = latest;
            });
        }
        count
    };

    // One frame of play: the story moves on by speed × the wall time since the last frame.
    // A frame asked for before the bar closed finds its signals gone, and stops.
    let frame = move |stamp: f64| -> bool {
        let Some(Some(stretch)) = loaded.try_get_untracked() else {
            return false;
        };
        if playing.try_get_untracked() != Some(true) {
            clock.update_value(|c| c.last_frame = None);
            return false;
        }
        let work_start = performance_now();
        let last = clock.with_value(|c| c.last_frame).unwrap_or(stamp);
        let delta_ms = (stamp - last) * f64::from(speed.get_untracked());
        let moment = (at.get_untracked()
            + chrono::Duration::microseconds((delta_ms * 1000.0) as i64))
        .min(stretch.until);
        at.set(moment);
        let count = seek(moment, stamp);
        let ended = moment >= stretch.until;
        let (dirty, due) = clock.with_value(|c| {
            let expired = c.flashes.values().any(|until| *until <= stamp);
            (c.dirty || expired, stamp - c.last_build >= BUILD_EVERY_MS)
        });
        if dirty && (due || ended) {
            build(stamp);
        }
        let work = performance_now() - work_start;
        clock.update_value(|c| {
            if c.last_frame.is_some() {
                c.stats.intervals.push(stamp - last);
            }
            c.last_frame = Some(stamp);
            c.stats.frames += 1;
            c.stats.steps += count;
            c.stats.work.push(work);
            if ended {
                c.stats.ended = Some(js_sys::Date::now());
                c.last_frame = None;
            }
        });
        if ended {
            playing.set(false);
            publish();
        }
        !ended
    };
    // The loop: while it plays, each frame asks for the next (one loop at a time).
    let running = StoredValue::new(false);
    on_cleanup(move || {
        playing.set(false);
        replay.layer.set(None);
    });
    let play = move || {
        let Some(stretch) = loaded.get_untracked() else {
            return;
        };
        if at.get_untracked() >= stretch.until {
            at.set(stretch.from);
            seek(stretch.from, performance_now());
            build(performance_now());
        }
        clock.update_value(|c| {
            c.stats = Stats {
                load_ms: c.stats.load_ms,
                started: Some(js_sys::Date::now()),
                ..Stats::default()
            };
            c.last_frame = None;
        });
        playing.set(true);
        publish();
        if !running.get_value() {
            running.set_value(true);
            next_frame(move |stamp| {
                let more = frame(stamp);
                if !more {
                    running.try_update_value(|r| *r = false);
                }
                more
            });
        }
    };
    let pause = move || {
        playing.set(false);
        clock.update_value(|c| c.stats.ended = Some(js_sys::Date::now()));
        publish();
    };

    let load = move || {
        let param = |text: String| from_local_input(&text).map_or(text, |t| t.to_rfc3339());
        let (from, until) = (
            param(from_text.get_untracked()),
            param(until_text.get_untracked()),
        );
        busy.set(true);
        failure.set(None);
        playing.set(false);
        spawn_local(async move {
            let started = performance_now();
            let answer = api::replay(&from, &until).await;
            let load_ms = performance_now() - started;
            busy.set(false);
            match answer {
                Ok(r) => {
                    let start = Scene {
                        tickets: r.start.into_iter().map(|s| (s.id, s)).collect(),
                    };
                    loaded.set(Some(Loaded {
                        from: r.from,
                        until: r.until,
                        total: r.steps.len(),
                        truncated: r.truncated,
                    }));
                    playback.set_value(Some(Playback::new(start, r.steps)));
                    at.set(r.from);
                    ticker.set(Vec::new());
                    clock.update_value(|c| {
                        *c = Clock {
                            stats: Stats {
                                load_ms,
                                ..Stats::default()
                            },
                            ..Clock::default()
                        };
                    });
                    seek(r.from, performance_now());
                    build(performance_now());
                    publish();
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let exit = move |_| {
        playing.set(false);
        replay.layer.set(None);
        replay.open.set(false);
    };
    let slide = move |ev: leptos::ev::Event| {
        let Some(stretch) = loaded.get_untracked() else {
            return;
        };
        let Ok(seconds) = event_target_value(&ev).parse::<i64>() else {
            return;
        };
        let moment = (stretch.from + chrono::Duration::seconds(seconds)).min(stretch.until);
        at.set(moment);
        let wall = performance_now();
        seek(moment, wall);
        build(wall);
    };

    let span = move || loaded.get().map_or(0, |l| (l.until - l.from).num_seconds());
    let position = move || {
        loaded
            .get()
            .map_or(0, |l| (at.get() - l.from).num_seconds())
    };
    let count = move || {
        let total = loaded.get().map_or(0, |l| l.total);
        i18n::replay_count(lang.get(), open_now.get(), applied.get(), total)
    };
    let speeds = SPEEDS
        .into_iter()
        .map(|s| view! { <option value=s.to_string() selected=move || speed.get() == s>{format!("{s}×")}</option> })
        .collect_view();
    let rows = move || {
        let lang = lang.get();
        let rows = queue.get();
        if rows.is_empty() {
            return view! { <li class="muted replay-empty">{Msg::ReplayEmptyQueue.text(lang)}</li> }
                .into_any();
        }
        rows.into_iter()
            .map(|s| {
                view! {
                    <li class="replay-row" data-id=s.id data-state=s.state.as_str() class:urgent=s.urgent>
                        <span class="mono">{format!("#{}", s.id)}</span>
                        <span class="replay-row-text" title=s.description.clone()>{s.description.clone()}</span>
                        <span class="muted mono">{full(s.received_at)}</span>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    let lines = move || {
        let lang = lang.get();
        ticker
            .get()
            .into_iter()
            .map(|s| {
                view! {
                    <li class="replay-tick" data-kind=s.kind.clone() data-ticket=s.ticket>
                        <span class="mono">{full(s.at)}</span>
                        <span class="mono">{format!("#{}", s.ticket)}</span>
                        <span class="replay-kind">{kind_label(&s.kind, lang)}</span>
                        <span class="muted">{s.actor.clone()}</span>
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <section class="replay-bar" data-testid="replay-bar" data-playing=move || playing.get().to_string()
            data-loaded=move || loaded.get().is_some().to_string()>
            <div class="replay-controls">
                <span class="replay-tag">{move || t(Msg::ReplayOpen)}</span>
                <label class="replay-field">
                    <span class="form-label">{move || t(Msg::ReplayFrom)}</span>
                    <DateTimeField testid="replay-from" value=from_text
                        on_input=Callback::new(move |v| from_text.set(v))/>
                </label>
                <label class="replay-field">
                    <span class="form-label">{move || t(Msg::ReplayUntil)}</span>
                    <DateTimeField testid="replay-until" value=until_text
                        on_input=Callback::new(move |v| until_text.set(v))/>
                </label>
                <button type="button" class="btn small primary" data-testid="replay-load"
                    disabled=move || busy.get() on:click=move |_| load()>
                    {move || t(if busy.get() { Msg::ReplayLoading } else { Msg::ReplayLoad })}
                </button>
                <button type="button" class="btn small replay-play" data-testid="replay-play"
                    disabled=move || loaded.get().is_none()
                    on:click=move |_| if playing.get_untracked() { pause() } else { play() }>
                    {move || t(if playing.get() { Msg::ReplayPause } else { Msg::ReplayPlay })}
                </button>
                <label class="replay-field">
                    <span class="form-label">{move || t(Msg::ReplaySpeed)}</span>
                    <select data-testid="replay-speed"
                        on:change=move |ev| {
                            if let Ok(s) = event_target_value(&ev).parse() {
                                speed.set(s);
                            }
                        }>
                        {speeds}
                    </select>
                </label>
                <span class="replay-clock mono" data-testid="replay-clock">
                    {move || loaded.get().map(|_| full(at.get()))}
                </span>
                <span class="replay-count" data-testid="replay-count" data-open=move || open_now.get()
                    data-applied=move || applied.get() data-total=move || loaded.get().map_or(0, |l| l.total)>
                    {count}
                </span>
                <button type="button" class="btn small replay-exit" data-testid="replay-exit" on:click=exit>
                    {move || t(Msg::ReplayExit)}
                </button>
            </div>
            <input type="range" class="replay-slider" data-testid="replay-slider" min="0" step="1"
                disabled=move || loaded.get().is_none()
                max=move || span().to_string() prop:value=move || position().to_string()
                on:input=slide/>
            {move || failure.get().map(|e| view! { <p class="action-error" role="alert"><ErrorText error=e/></p> })}
            {move || loaded.get().filter(|l| l.truncated).map(|_| view! { <p class="muted small">{t(Msg::ReplayTruncated)}</p> })}
            <Show when=move || loaded.get().is_some()
                fallback=move || view! { <p class="muted replay-hint">{t(Msg::ReplayHint)}</p> }>
                <div class="replay-lists">
                    <div class="replay-list">
                        <h3>{move || t(Msg::ReplayQueue)}</h3>
                        <ul data-testid="replay-queue">{rows}</ul>
                    </div>
                    <div class="replay-list">
                        <h3>{move || t(Msg::ReplayTicker)}</h3>
                        <ol data-testid="replay-ticker">{lines}</ol>
                    </div>
                </div>
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_kind_reads_as_its_action_and_percentiles_take_the_nearest_rank() {
        assert_eq!(kind_label("dispatched", Lang::Zh), "分派");
        assert_eq!(kind_label("received", Lang::En), "Received");
        assert_eq!(kind_label("mystery", Lang::Zh), "mystery");
        let values = [4.0, 1.0, 3.0, 2.0];
        assert!((percentile(&values, 50.0) - 2.0).abs() < f64::EPSILON);
        assert!((percentile(&values, 95.0) - 4.0).abs() < f64::EPSILON);
        assert!(percentile(&[], 50.0).abs() < f64::EPSILON);
    }
}
