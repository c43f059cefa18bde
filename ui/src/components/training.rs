//! 演练: a training server's run. Everyone signed in sees the banner under the header — the
//! scenario, the story's clock, whether it runs and how fast — asked for every [`POLL`]. The
//! trainer (the training database's administrator) opens the 演练控制台 from it: the clock (start
//! at a speed, pause and resume, 1–1000×, end), the run's progress, its incidents (one of the
//! scenario's brought forward, a new one injected) and the workers off duty; and the 复盘: each
//! trainee's score and handling of every scripted request, and the timeline, printed on A4.

use std::collections::HashMap;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::grids::{NamedGrid, SearchHit};
use binhe_api::training::{
    ClockAction, Debrief, IncidentView, InjectInput, RequestResult, RunState, ScriptedView,
    TraineeResult, TrainingStatus,
};
use binhe_core::GridLevel;

use super::dashboard::Board;
use super::search::GridSearch;
use crate::api::texts::Named;
use crate::api::{ApiError, training as api};
use crate::app::AppState;
use crate::components::form::{
    FieldProblems, category_options, field_key, local_problem, problems_under, sort_problems,
};
use crate::components::{CloseButton, ErrorText};
use crate::i18n::{self, Lang, Msg};
use crate::map_first::MapFirst;
use crate::session::Auth;
use crate::tickets::Desk;
use crate::tickets::time::{date_time, sleep};

/// How often the run is asked for: the story's clock moves on by the minute at 30×.
const POLL: Duration = Duration::from_secs(2);
/// The speeds a click sets.
const SPEEDS: [u32; 5] = [1, 10, 60, 300, 1000];
/// The fields of the inject form that show the server's problems.
const INJECT_FIELDS: [&str; 5] = ["name", "micro", "category", "requests", "minutes"];

/// What the trainer's panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainingPane {
    Console,
    Debrief,
}

/// The run as this window knows it; every field is a signal or a stored value, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Training {
    /// The run; `None` before the first answer and on a server that plays none.
    pub status: RwSignal<Option<TrainingStatus>>,
    /// The trainer's panel over the map, and its pane.
    pub pane: RwSignal<Option<TrainingPane>>,
    /// Requests are numbered as sent: an answer to one sent before the answer shown (a poll
    /// that crossed a clock change, or the last account's) is dropped.
    asked: StoredValue<u64>,
    shown: StoredValue<u64>,
    /// The panel has opened by itself for this account's trainer (once).
    greeted: StoredValue<bool>,
}

impl Training {
    /// Asks for the run now and every [`POLL`] while someone is signed in; on a server that
    /// plays none, once.
    pub fn start(auth: Auth) -> Self {
        let training = Training {
            status: RwSignal::new(None),
            pane: RwSignal::new(None),
            asked: StoredValue::new(0),
            shown: StoredValue::new(0),
            greeted: StoredValue::new(false),
        };
        let first = MapFirst::get();
        spawn_local(async move {
            first.wait().await;
            loop {
                let locked = auth
                    .prompt
                    .with_untracked(|p| p.as_ref().is_some_and(|r| !r.cancellable()));
                if !locked && !training.refresh().await {
                    return;
                }
                sleep(POLL).await;
            }
        });
        training
    }

    /// Asks for the run and shows it; false when this server plays none.
    async fn refresh(self) -> bool {
        let ask = self.ask();
        match api::status().await {
            Ok(status) => {
                let available = status.available;
                self.show(ask, status);
                available
            }
            // A server from before training has no such route.
            Err(e) => e.status != Some(404),
        }
    }

    /// The number of a request about to be sent.
    fn ask(self) -> u64 {
        self.asked.update_value(|n| *n += 1);
        self.asked.get_value()
    }

    /// Shows the answer to request `ask`, unless a later one is shown already. The trainer's
    /// panel opens the first time: controlling the run is what they are signed in for.
    fn show(self, ask: u64, status: TrainingStatus) {
        if ask <= self.shown.get_value() {
            return;
        }
        self.shown.set_value(ask);
        if status.trainer && !self.greeted.get_value() {
            self.greeted.set_value(true);
            self.pane.set(Some(TrainingPane::Console));
        }
        self.status.set(status.available.then_some(status));
    }

    /// Another account: what the last one saw goes, and the run is asked for at once.
    pub fn session_changed(self) {
        self.shown.set_value(self.asked.get_value());
        self.greeted.set_value(false);
        self.pane.set(None);
        if self.status.with_untracked(Option::is_some) {
            self.status.set(None);
            spawn_local(async move {
                self.refresh().await;
            });
        }
    }

    /// The run's state (tracked).
    fn state(self) -> Option<RunState> {
        self.status.with(|s| s.as_ref().and_then(|s| s.state))
    }

    /// Whether incidents may be sent now: the clock has started and the run not ended.
    fn under_way(self) -> bool {
        matches!(self.state(), Some(RunState::Running | RunState::Paused))
    }

    fn trainer(self) -> bool {
        self.status.with(|s| s.as_ref().is_some_and(|s| s.trainer))
    }
}

/// A speed as the trainer reads it: `60×`, `2.5×`.
fn speed_text(speed: f64) -> String {
    format!("{}×", number_text(speed))
}

/// A whole number without its decimals, another with one: `60`, `87.5`.
fn number_text(value: f64) -> String {
    if (value - value.round()).abs() < 0.05 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// Seconds of the story as minutes and seconds: `2:05`; `—` for none.
fn minutes_seconds(seconds: Option<u32>) -> String {
    seconds.map_or_else(|| "—".to_owned(), |s| format!("{}:{:02}", s / 60, s % 60))
}

/// Story time played, in hours and minutes.
fn played_text(lang: Lang, seconds: f64) -> String {
    let minutes = (seconds.max(0.0) / 60.0) as u32;
    i18n::training_played(lang, minutes / 60, &format!("{:02}", minutes % 60))
}

/// A category's name from the catalogue (its code while the catalogue is not in).
fn category_name(desk: Desk, code: &str, lang: Lang) -> String {
    desk.catalogue.with(|c| {
        c.as_ref().and_then(|c| c.category(code)).map_or_else(
            || code.to_owned(),
            |k| lang.pick(&k.name_zh, &k.name_en).to_owned(),
        )
    })
}

fn names(grids: &[NamedGrid]) -> String {
    grids
        .iter()
        .map(|g| g.name.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

/// Under the header on a training server: the scenario, the story's clock, its state and
/// speed; the trainer's button to the console.
#[component]
pub fn TrainingBanner() -> impl IntoView {
    let state = expect_context::<AppState>();
    let training = expect_context::<Training>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let text = move |f: fn(&TrainingStatus) -> String| {
        move || {
            training
                .status
                .with(|s| s.as_ref().map(f).unwrap_or_default())
        }
    };
    let toggle = move |_| {
        board.view.set(None);
        training.pane.update(|p| {
            *p = if p.is_some() {
                None
            } else {
                Some(TrainingPane::Console)
            };
        });
    };
    view! {
        <Show when=move || training.status.with(Option::is_some)>
            <div class="training-banner" role="status" data-testid="training-banner"
                data-state=move || training.state().map(RunState::as_str)>
                <span class="training-tag">{move || t(Msg::TrainingTag)}</span>
                <span class="training-title" title=text(|s| s.description.clone())>{text(|s| s.title.clone())}</span>
                <span class="training-clock mono" data-testid="training-clock">{text(|s| s.clock.clone())}</span>
                <span class="training-state" data-testid="training-state">
                    <i class="dot" aria-hidden="true"></i>
                    {move || training.state().map(|s| s.name(lang.get()))}
                </span>
                <span class="training-speed mono" data-testid="training-speed-shown">{text(|s| speed_text(s.speed))}</span>
                <span class="training-shift muted">
                    {move || t(Msg::TrainingShift)}" "<span class="mono">{text(|s| format!("{}–{}", s.starts, s.ends))}</span>
                </span>
                <Show when=move || training.trainer()>
                    <button type="button" class="btn small training-open" data-testid="training-open"
                        class:active=move || training.pane.get().is_some()
                        title=move || t(Msg::TrainingOpenTitle) on:click=toggle>
                        {move || t(Msg::TrainingOpen)}
                    </button>
                </Show>
            </div>
        </Show>
    }
}

/// The trainer's panel over the map: the console or the debrief. It and the 数据看板 take turns.
#[component]
pub fn TrainingPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let training = expect_context::<Training>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    Effect::new(move || {
        if board.view.get().is_some() {
            training.pane.set(None);
        }
    });
    let tab = move |pane: TrainingPane, label: Msg, testid: &'static str| {
        view! {
            <button type="button" role="tab" class="board-tab" data-testid=testid
                class:active=move || training.pane.get() == Some(pane)
                aria-selected=move || (training.pane.get() == Some(pane)).to_string()
                on:click=move |_| training.pane.set(Some(pane))>
                {move || t(label)}
            </button>
        }
    };
    let title = move || {
        training
            .status
            .with(|s| s.as_ref().map(|s| s.title.clone()))
    };
    view! {
        <Show when=move || training.pane.get().is_some() && training.trainer()>
            <section class="training-panel" data-testid="training-panel"
                data-pane=move || match training.pane.get() {
                    Some(TrainingPane::Debrief) => "debrief",
                    _ => "console",
                }>
                <header class="board-head training-head">
                    <h2 class="board-title">{move || t(Msg::TrainingOpen)}</h2>
                    <div class="board-tabs" role="tablist">
                        {tab(TrainingPane::Console, Msg::TrainingTabConsole, "training-tab-console")}
                        {tab(TrainingPane::Debrief, Msg::TrainingTabDebrief, "training-tab-debrief")}
                    </div>
                    <span class="board-scope">{title}</span>
                    <CloseButton testid="training-close" on_close=Callback::new(move |()| training.pane.set(None))/>
                </header>
                {move || match training.pane.get() {
                    Some(TrainingPane::Debrief) => view! { <DebriefView/> }.into_any(),
                    _ => view! { <Console/> }.into_any(),
                }}
            </section>
        </Show>
    }
}

/// 演练控制台: the clock, the progress, the incidents and who is off duty.
#[component]
fn Console() -> impl IntoView {
    let state = expect_context::<AppState>();
    let training = expect_context::<Training>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let confirming_end = RwSignal::new(false);
    let run_state = Memo::new(move |_| training.state());
    let speed = Memo::new(move |_| {
        training
            .status
            .with(|s| s.as_ref().map_or(1.0, |s| s.speed))
    });
    // The speed field follows the run's speed, and keeps what is typed until it changes.
    let typed_speed = RwSignal::new(String::new());
    Effect::new(move || typed_speed.set(number_text(speed.get())));
    let start_speed = RwSignal::new("1".to_owned());

    let act = move |action: ClockAction, speed: Option<f64>| {
        busy.set(true);
        failure.set(None);
        let ask = training.ask();
        spawn_local(async move {
            let answer = api::clock(action, speed).await;
            busy.set(false);
            match answer {
                Ok(status) => {
                    confirming_end.set(false);
                    training.show(ask, status);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    // A speed as typed; the server judges its range.
    let act_at = move |action: ClockAction, typed: RwSignal<String>| match typed
        .get_untracked()
        .trim()
        .parse::<f64>()
    {
        Ok(speed) if speed.is_finite() => act(action, Some(speed)),
        _ => failure.set(Some(ApiError::local(
            "INVALID_SPEED",
            Msg::TrainingSpeedHint,
            &typed.get_untracked(),
        ))),
    };
    let text = move |f: fn(&TrainingStatus) -> String| {
        move || {
            training
                .status
                .with(|s| s.as_ref().map(f).unwrap_or_default())
        }
    };
    let progress = move || {
        training.status.with(|s| {
            s.as_ref().map_or(0.0, |s| {
                (s.second / f64::from(s.length_seconds.max(1)) * 100.0).clamp(0.0, 100.0)
            })
        })
    };
    let progress_line = move || {
        training.status.with(|s| {
            s.as_ref()
                .map(|s| i18n::training_progress(lang.get(), s.played, s.total, s.requests_sent))
        })
    };

    let controls = move || {
        match run_state.get() {
        Some(RunState::Ready) | None => view! {
            <label class="training-speed-field" title=move || t(Msg::TrainingSpeedHint)>
                <span class="form-label">{move || t(Msg::TrainingSpeed)}</span>
                <input type="number" min="1" max="1000" step="any" data-testid="training-start-speed"
                    prop:value=move || start_speed.get()
                    on:input=move |ev| start_speed.set(event_target_value(&ev))/>
            </label>
            <button type="button" class="btn primary" data-testid="training-start" disabled=move || busy.get()
                on:click=move |_| act_at(ClockAction::Start, start_speed)>
                {move || ClockAction::Start.name(lang.get())}
            </button>
        }
        .into_any(),
        Some(state @ (RunState::Running | RunState::Paused)) => {
            let (action, testid) = if state == RunState::Running {
                (ClockAction::Pause, "training-pause")
            } else {
                (ClockAction::Resume, "training-resume")
            };
            view! {
                <button type="button" class="btn primary" data-testid=testid disabled=move || busy.get()
                    on:click=move |_| act(action, None)>
                    {move || action.name(lang.get())}
                </button>
                <div class="training-speeds" role="group" aria-label=move || t(Msg::TrainingSpeed)>
                    <span class="form-label">{move || t(Msg::TrainingSpeed)}</span>
                    {SPEEDS.into_iter().map(|n| view! {
                        <button type="button" class="btn small" data-testid=format!("training-speed-{n}")
                            class:active=move || (speed.get() - f64::from(n)).abs() < 1e-9
                            disabled=move || busy.get()
                            on:click=move |_| act(ClockAction::Speed, Some(f64::from(n)))>
                            {format!("{n}×")}
                        </button>
                    }).collect_view()}
                    <input type="number" min="1" max="1000" step="any" class="training-speed-input"
                        data-testid="training-speed" title=move || t(Msg::TrainingSpeedHint)
                        aria-label=move || t(Msg::TrainingSpeed)
                        prop:value=move || typed_speed.get()
                        on:input=move |ev| typed_speed.set(event_target_value(&ev))
                        on:change=move |_| act_at(ClockAction::Speed, typed_speed)/>
                </div>
                <div class="training-end">
                    {move || if confirming_end.get() {
                        view! {
                            <span class="training-confirm">{t(Msg::TrainingEndConfirm)}</span>
                            <button type="button" class="btn small danger" data-testid="training-end-confirm"
                                disabled=move || busy.get()
                                on:click=move |_| act(ClockAction::End, None)>{t(Msg::Confirm)}</button>
                            <button type="button" class="btn small quiet" on:click=move |_| confirming_end.set(false)>
                                {t(Msg::Cancel)}
                            </button>
                        }
                        .into_any()
                    } else {
                        view! {
                            <button type="button" class="btn small danger" data-testid="training-end"
                                on:click=move |_| confirming_end.set(true)>
                                {ClockAction::End.name(lang.get())}
                            </button>
                        }
                        .into_any()
                    }}
                </div>
            }
            .into_any()
        }
        Some(RunState::Ended) => view! {
            <p class="training-ended" data-testid="training-ended">{move || t(Msg::TrainingEnded)}</p>
            <button type="button" class="btn primary" data-testid="training-see-debrief"
                on:click=move |_| training.pane.set(Some(TrainingPane::Debrief))>
                {move || t(Msg::TrainingTabDebrief)}
            </button>
        }
        .into_any(),
    }
    };

    let off_duty = Memo::new(move |_| {
        training
            .status
            .with(|s| s.as_ref().map(|s| s.off_duty.clone()).unwrap_or_default())
    });

    view! {
        <div class="training-console" data-testid="training-console"
            data-state=move || run_state.get().map(RunState::as_str)>
            <section class="training-run">
                <p class="training-description">{text(|s| s.description.clone())}</p>
                <div class="training-now">
                    <span class="training-big-clock mono" data-testid="training-console-clock">{text(|s| s.clock.clone())}</span>
                    <span class="training-state" data-state=move || run_state.get().map(RunState::as_str)>
                        <i class="dot" aria-hidden="true"></i>
                        {move || run_state.get().map(|s| s.name(lang.get()))}
                    </span>
                    <span class="training-speed mono">{move || speed_text(speed.get())}</span>
                </div>
                <div class="training-controls">{controls}</div>
                {move || failure.get().map(|e| view! {
                    <p class="action-error" role="alert" data-testid="training-error"><ErrorText error=e/></p>
                })}
                <div class="training-progress" data-testid="training-progress">
                    <h4>{move || t(Msg::TrainingProgress)}</h4>
                    <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100"
                        aria-valuenow=move || format!("{:.0}", progress())>
                        <div class="progress-bar" style:width=move || format!("{:.2}%", progress())></div>
                    </div>
                    <div class="training-progress-ends mono muted">
                        <span>{text(|s| s.starts.clone())}</span>
                        <span>{text(|s| s.ends.clone())}</span>
                    </div>
                    <p class="training-progress-line" data-testid="training-progress-line">{progress_line}</p>
                </div>
                <section class="training-off-duty" data-testid="training-off-duty">
                    <h4>{move || t(Msg::TrainingOffDuty)}</h4>
                    {move || off_duty.with(|list| if list.is_empty() {
                        view! { <p class="muted">{t(Msg::TrainingAllOnDuty)}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="training-workers">
                                {list.iter().map(|w| view! {
                                    <li data-testid="training-off-duty-worker">{w.name.clone()}" "<span class="mono muted">{w.id.clone()}</span></li>
                                }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    })}
                </section>
            </section>
            <section class="training-side">
                <IncidentList/>
                <Show when=move || run_state.get() != Some(RunState::Ended)>
                    <InjectForm/>
                </Show>
            </section>
        </div>
    }
}

/// The scenario's incidents and those injected, each under way or still to come; one still to
/// come can be brought forward.
#[component]
fn IncidentList() -> impl IntoView {
    let state = expect_context::<AppState>();
    let training = expect_context::<Training>();
    let desk = expect_context::<Desk>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let incidents = Memo::new(move |_| {
        training
            .status
            .with(|s| s.as_ref().map(|s| s.incidents.clone()).unwrap_or_default())
    });
    let bring_forward = move |index: u32| {
        busy.set(true);
        failure.set(None);
        let ask = training.ask();
        let input = InjectInput {
            incident: Some(index),
            ..InjectInput::default()
        };
        spawn_local(async move {
            let answer = api::inject(&input).await;
            busy.set(false);
            match answer {
                Ok(status) => training.show(ask, status),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let row = move |incident: IncidentView, forward: bool| {
        let index = incident.index;
        let (tag, key) = if incident.injected {
            (Msg::TrainingInjectedTag, "injected")
        } else if forward {
            (Msg::TrainingBroughtForward, "forward")
        } else if incident.begun {
            (Msg::TrainingBegunTag, "begun")
        } else {
            (Msg::TrainingComingTag, "coming")
        };
        let plan = {
            let at = incident.at.clone();
            move || {
                i18n::training_incident_plan(lang.get(), &at, incident.minutes, incident.requests)
            }
        };
        let category = {
            let code = incident.category.clone();
            move || category_name(desk, &code, lang.get())
        };
        let can = !incident.injected && !incident.begun && !forward;
        view! {
            <li class="training-incident" data-testid="training-incident" data-index=index.to_string()
                data-injected=incident.injected.to_string() data-begun=incident.begun.to_string() data-tag=key>
                <div class="training-incident-head">
                    <span class="training-incident-name" data-field="name">{incident.name.clone()}</span>
                    <span class="badge" data-tag=key>{move || t(tag)}</span>
                    {can.then(|| view! {
                        <button type="button" class="btn small" data-testid=format!("training-inject-{index}")
                            title=move || t(Msg::TrainingInjectNowTitle)
                            disabled=move || busy.get() || !training.under_way()
                            on:click=move |_| bring_forward(index)>
                            {move || t(Msg::TrainingInjectNow)}
                        </button>
                    })}
                </div>
                <div class="training-incident-line muted">{plan}" · "{category}</div>
                <div class="training-incident-line muted" data-field="micro">{names(&incident.micro)}</div>
            </li>
        }
    };
    view! {
        <section class="training-incidents">
            <h4>{move || t(Msg::TrainingIncidents)}</h4>
            <Show when=move || matches!(training.state(), Some(RunState::Ready))>
                <p class="muted small" data-testid="training-not-started">{move || t(Msg::TrainingNotStarted)}</p>
            </Show>
            {move || failure.get().map(|e| view! { <p class="action-error" role="alert"><ErrorText error=e/></p> })}
            {move || incidents.with(|all| if all.is_empty() {
                view! { <p class="muted">{t(Msg::TrainingNoIncidents)}</p> }.into_any()
            } else {
                view! {
                    <ul class="training-incident-list" data-testid="training-incidents">
                        {all.iter().map(|i| row(i.clone(), i.brought_forward)).collect_view()}
                    </ul>
                }
                .into_any()
            })}
        </section>
    }
}

/// A new incident, now: its name, micro-grids, category, calls and how long they keep coming.
#[component]
fn InjectForm() -> impl IntoView {
    let state = expect_context::<AppState>();
    let training = expect_context::<Training>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let name = RwSignal::new(String::new());
    // The micro-grids chosen: code and name.
    let micro = RwSignal::new(Vec::<(String, String)>::new());
    let category = RwSignal::new(String::new());
    let requests = RwSignal::new("10".to_owned());
    let minutes = RwSignal::new("30".to_owned());
    let busy = RwSignal::new(false);
    let problems = FieldProblems::new(HashMap::new());
    let failure = RwSignal::new(None::<ApiError>);
    // Counts the incidents sent: the grid search starts empty for the next one.
    let sent = RwSignal::new(0_u32);
    let choose = Callback::new(move |hit: SearchHit| {
        let code = hit.code.to_string();
        micro.update(|m| {
            if !m.iter().any(|(c, _)| *c == code) {
                m.push((code, hit.name.clone()));
            }
        });
    });
    let submit = move |_| {
        problems.set(HashMap::new());
        failure.set(None);
        let mut local = HashMap::new();
        let mut count = |field: &'static str, signal: RwSignal<String>| {
            let text = signal.get_untracked();
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let n = text.parse::<u32>().ok().filter(|n| *n > 0);
            if n.is_none() {
                local.insert(
                    field.to_owned(),
                    vec![local_problem(field, "NOT_A_NUMBER", Msg::TrainingBadNumber)],
                );
            }
            n
        };
        let (calls, lasts) = (count("requests", requests), count("minutes", minutes));
        if !local.is_empty() {
            problems.set(local);
            return;
        }
        let input = InjectInput {
            incident: None,
            name: name.get_untracked().trim().to_owned(),
            micro: micro.with_untracked(|m| m.iter().map(|(code, _)| code.clone()).collect()),
            category: category.get_untracked(),
            requests: calls,
            minutes: lasts,
            channel: None,
        };
        busy.set(true);
        let ask = training.ask();
        spawn_local(async move {
            let answer = api::inject(&input).await;
            busy.set(false);
            match answer {
                Ok(status) => {
                    training.show(ask, status);
                    name.set(String::new());
                    micro.set(Vec::new());
                    sent.update(|n| *n += 1);
                }
                Err(e) => {
                    let (fields, alone) =
                        sort_problems(e, field_key, |k| INJECT_FIELDS.contains(&k));
                    problems.set(fields);
                    failure.set(alone);
                }
            }
        });
    };
    let chips = move || {
        micro.with(|m| {
            m.iter()
                .map(|(code, grid)| {
                    let code = code.clone();
                    let gone = code.clone();
                    view! {
                        <span class="training-chip" data-testid="training-micro-chip" data-code=code>
                            {grid.clone()}
                            <button type="button" class="training-chip-remove" title=move || t(Msg::TrainingRemoveGrid)
                                aria-label=move || t(Msg::TrainingRemoveGrid)
                                on:click=move |_| micro.update(|m| m.retain(|(c, _)| *c != gone))>"×"</button>
                        </span>
                    }
                })
                .collect_view()
        })
    };
    let number = move |key: &'static str, label: Msg, signal: RwSignal<String>, max: u32| {
        view! {
            <label class="form-field">
                <span class="form-label">{move || t(label)}</span>
                <input type="number" min="1" max=max.to_string() data-input=key prop:value=move || signal.get()
                    on:input=move |ev| signal.set(event_target_value(&ev))/>
                {problems_under(problems, key)}
            </label>
        }
    };
    view! {
        <section class="project-form training-inject" data-testid="training-inject-form">
            <h3>{move || t(Msg::TrainingNewIncident)}</h3>
            <form on:submit=move |ev| ev.prevent_default()>
                <label class="form-field">
                    <span class="form-label required">{move || t(Msg::TrainingIncidentName)}</span>
                    <input type="text" data-input="name" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))/>
                    {problems_under(problems, "name")}
                </label>
                <div class="form-field">
                    <span class="form-label required">{move || t(Msg::StatMicroGrids)}</span>
                    <div class="training-chips" data-testid="training-micro-chosen">{chips}</div>
                    <div class="training-micro-search">
                        {move || {
                            sent.track();
                            view! {
                                <GridSearch id="training-micro-search" testid="training-micro" label=Msg::TrainingMicroHint
                                    accept=|level| level == GridLevel::Micro on_choose=choose/>
                            }
                        }}
                    </div>
                    <span class="muted small">{move || t(Msg::TrainingMicroHint)}</span>
                    {problems_under(problems, "micro")}
                </div>
                <label class="form-field">
                    <span class="form-label required">{move || t(Msg::IntakeCategory)}</span>
                    <select data-input="category" on:change=move |ev| category.set(event_target_value(&ev))>
                        {category_options(category, Some(Msg::TrainingChooseCategory))}
                    </select>
                    {problems_under(problems, "category")}
                </label>
                <div class="form-pair">
                    {number("requests", Msg::TrainingCalls, requests, binhe_api::training::MAX_INJECTED_CALLS)}
                    {number("minutes", Msg::TrainingMinutes, minutes, binhe_api::training::MAX_INJECTED_MINUTES)}
                </div>
                {move || failure.get().map(|e| view! { <p class="action-error" role="alert"><ErrorText error=e/></p> })}
                <div class="form-buttons">
                    <button type="button" class="btn primary" data-testid="training-inject-submit"
                        disabled=move || busy.get() || !training.under_way() on:click=submit>
                        {move || t(Msg::TrainingInject)}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// 复盘: asked for when the pane opens and on 刷新; printed as it is shown.
#[component]
fn DebriefView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let debrief = RwSignal::new(None::<Result<Debrief, ApiError>>);
    let load = move || {
        spawn_local(async move {
            let answer = api::debrief().await;
            debrief.try_set(Some(answer));
        });
    };
    load();
    let ready = move || debrief.with(|d| matches!(d, Some(Ok(_))));
    view! {
        <div class="debrief-wrap">
            <div class="debrief-actions">
                <button type="button" class="btn small" data-testid="training-debrief-refresh"
                    on:click=move |_| load()>{move || t(Msg::PhoneRefresh)}</button>
                <button type="button" class="btn small primary" data-testid="training-print" disabled=move || !ready()
                    on:click=move |_| { let _ = window().print(); }>{move || t(Msg::DebriefPrint)}</button>
            </div>
            {move || match debrief.get() {
                None => view! { <p class="muted debrief-note">{t(Msg::DebriefLoading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="action-error debrief-note" role="alert"><ErrorText error=e/></p> }.into_any(),
                Some(Ok(d)) => view! { <DebriefReport debrief=d/> }.into_any(),
            }}
        </div>
    }
}

/// The debrief as it is read and printed: the run, each trainee's card, the timeline.
#[component]
fn DebriefReport(debrief: Debrief) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let t = move |m: Msg| m.text(lang.get());
    let wall = match (debrief.started_at, debrief.ended_at) {
        (Some(from), Some(to)) => format!("{} – {}", date_time(from), date_time(to)),
        (Some(from), None) => format!("{} –", date_time(from)),
        _ => "—".to_owned(),
    };
    let run_state = debrief.state;
    let played = debrief.played_seconds;
    let trainees = if debrief.trainees.is_empty() {
        view! { <p class="muted" data-testid="training-no-trainees">{move || t(Msg::DebriefNoTrainees)}</p> }
            .into_any()
    } else {
        debrief
            .trainees
            .iter()
            .map(|trainee| view! { <TraineeCard trainee=trainee.clone() scripted=debrief.scripted.clone()/> })
            .collect_view()
            .into_any()
    };
    let timeline = if debrief.timeline.is_empty() {
        view! { <p class="muted">{move || t(Msg::DebriefEmptyTimeline)}</p> }.into_any()
    } else {
        let moments = debrief
            .timeline
            .iter()
            .map(|m| {
                let text = (m.text_zh.clone(), m.text_en.clone());
                view! {
                    <li data-second=m.second.to_string()>
                        <span class="mono debrief-clock">{m.clock.clone()}</span>
                        <span>{move || lang.get().pick(&text.0, &text.1).to_owned()}</span>
                    </li>
                }
            })
            .collect_view();
        view! { <ol class="debrief-timeline" data-testid="training-timeline">{moments}</ol> }
            .into_any()
    };
    view! {
        <article class="debrief" data-testid="training-debrief" data-state=run_state.as_str()>
            <header class="debrief-head">
                <h1>{move || t(Msg::DebriefTitle)}</h1>
                <p class="debrief-scenario" data-field="title">{debrief.title.clone()}</p>
                <dl class="debrief-facts">
                    <div><dt>{move || t(Msg::DebriefSeed)}</dt><dd class="mono" data-field="seed">{debrief.seed.to_string()}</dd></div>
                    <div><dt>{move || t(Msg::TrainingShift)}</dt><dd class="mono" data-field="shift">{format!("{}–{}", debrief.starts, debrief.ends)}</dd></div>
                    <div><dt>{move || t(Msg::DebriefState)}</dt><dd data-field="state">{move || run_state.name(lang.get())}</dd></div>
                    <div><dt>{move || t(Msg::DebriefPlayed)}</dt><dd data-field="played">{move || played_text(lang.get(), played)}</dd></div>
                    <div><dt>{move || t(Msg::DebriefCalls)}</dt><dd class="mono" data-field="requests_sent">{debrief.requests_sent.to_string()}</dd></div>
                    <div><dt>{move || t(Msg::DebriefRun)}</dt><dd class="mono" data-field="wall">{wall}</dd></div>
                </dl>
            </header>
            <section class="debrief-section">
                <h2>{move || t(Msg::DebriefTrainees)}</h2>
                {trainees}
            </section>
            <section class="debrief-section">
                <h2>{move || t(Msg::DebriefTimeline)}</h2>
                {timeline}
            </section>
        </article>
    }
}

/// One trainee: who, the score, the counts, and each scripted request as they handled it.
#[component]
fn TraineeCard(trainee: TraineeResult, scripted: Vec<ScriptedView>) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let desk = expect_context::<Desk>();
    let t = move |m: Msg| m.text(lang.get());
    let s = trainee.summary.clone();
    let all = s.scripted;
    let counts = [
        (
            Msg::DebriefDispatched,
            "dispatched",
            format!("{} / {all}", s.dispatched),
        ),
        (
            Msg::DebriefRightGrid,
            "right_grid",
            format!("{} / {all}", s.right_grid),
        ),
        (
            Msg::DebriefRightEscalation,
            "right_escalation",
            format!("{} / {all}", s.right_escalation),
        ),
        (
            Msg::DebriefInTime,
            "in_time",
            format!("{} / {all}", s.in_time),
        ),
        (Msg::DebriefConflicts, "conflicts", s.conflicts.to_string()),
        (
            Msg::DebriefMedianRegister,
            "median_register",
            minutes_seconds(s.median_register_seconds),
        ),
        (
            Msg::DebriefMedianDispatch,
            "median_dispatch",
            minutes_seconds(s.median_dispatch_seconds),
        ),
    ]
    .into_iter()
    .map(|(label, key, value)| {
        view! { <div><dt>{move || t(label)}</dt><dd class="mono" data-field=key>{value}</dd></div> }
    })
    .collect_view();
    let role = trainee.role;
    let rows = if trainee.requests.is_empty() {
        view! { <p class="muted">{move || t(Msg::DebriefNoRequests)}</p> }.into_any()
    } else {
        let rows = trainee
            .requests
            .iter()
            .map(|r| request_row(r, scripted.iter().find(|s| s.index == r.index), desk, lang))
            .collect_view();
        view! {
            <table class="debrief-table">
                <thead><tr>
                    <th class="num">"#"</th>
                    <th>{move || t(Msg::DebriefColTime)}</th>
                    <th>{move || t(Msg::DebriefColRequest)}</th>
                    <th>{move || t(Msg::DebriefColExpected)}</th>
                    <th>{move || t(Msg::DebriefColAssigned)}</th>
                    <th>{move || t(Msg::DebriefColEscalation)}</th>
                    <th class="num">{move || t(Msg::DebriefColRegistered)}</th>
                    <th class="num">{move || t(Msg::DebriefColDispatched)}</th>
                    <th class="num">{move || t(Msg::DebriefColPoints)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="debrief-trainee" data-testid=format!("training-trainee-{}", trainee.login)
            data-login=trainee.login.clone() data-score=s.score.to_string()>
            <header class="debrief-trainee-head">
                <div class="debrief-who">
                    <span class="debrief-name" data-field="name">{trainee.name.clone()}</span>
                    <span class="mono muted" data-field="login">{trainee.login.clone()}</span>
                    <span class="badge" data-field="role">{move || role.name(lang.get())}</span>
                    {trainee.community.as_ref().map(|c| view! { <span class="muted" data-field="community">{c.name.clone()}</span> })}
                </div>
                <div class="debrief-score" title=move || t(Msg::DebriefScore)>
                    <span class="debrief-score-value" data-field="score">{number_text(s.score)}</span>
                    <span class="debrief-score-of">"/100"</span>
                </div>
            </header>
            <dl class="debrief-counts">{counts}</dl>
            {rows}
        </section>
    }
}

/// A scripted request as one trainee handled it: what was expected beside what was done.
fn request_row(
    r: &RequestResult,
    scripted: Option<&ScriptedView>,
    desk: Desk,
    lang: RwSignal<Lang>,
) -> impl IntoView + use<> {
    // Judged only what the trainee handed over; a request that never came is neither.
    let arrived = scripted.is_some_and(|s| s.arrived.is_some());
    let theirs = r.dispatched_after.is_some();
    let mark = move |right: bool| match (theirs, right) {
        (false, _) => "none",
        (true, true) => "right",
        (true, false) => "wrong",
    };
    let at = scripted.map(|s| s.at.clone()).unwrap_or_default();
    let description = scripted.map(|s| s.description.clone()).unwrap_or_default();
    let category = scripted.map(|s| s.category.clone());
    let expected = scripted
        .map(|s| s.expect_grid.name.clone())
        .unwrap_or_default();
    let escalate = scripted.map(|s| s.escalate);
    let within = scripted.map(|s| s.dispatch_within);
    let assigned = r.assigned_to.as_ref().map(|g| g.name.clone());
    let (escalated, delegated) = (r.escalated, r.delegated);
    view! {
        <tr data-testid="training-request" data-index=r.index.to_string() data-points=r.points.to_string()
            data-arrived=arrived.to_string()>
            <td class="num mono">{r.index + 1}</td>
            <td class="mono">{at}</td>
            <td class="debrief-request">
                {description}
                {category.map(|code| view! {
                    <span class="muted small">" · "{move || category_name(desk, &code, lang.get())}</span>
                })}
            </td>
            <td data-field="expected">{expected}</td>
            <td data-mark=mark(r.right_grid) data-field="assigned">
                {move || {
                    let lang = lang.get();
                    match &assigned {
                        Some(grid) => grid.clone(),
                        None if arrived => Msg::DebriefNotDispatched.text(lang).to_owned(),
                        None => Msg::DebriefNotArrived.text(lang).to_owned(),
                    }
                }}
                {delegated.then(|| view! { <span class="muted small">" · "{move || Msg::KpiDelegated.text(lang.get())}</span> })}
            </td>
            <td data-mark=mark(r.right_escalation) data-field="escalation">
                {move || {
                    let lang = lang.get();
                    let expected = escalate.map_or("—", |e| e.name(lang));
                    format!("{expected} / {}", escalated.name(lang))
                }}
            </td>
            <td class="num mono">{minutes_seconds(r.registered_after)}</td>
            <td class="num mono" data-mark=mark(r.in_time) data-field="dispatched_after">
                {minutes_seconds(r.dispatched_after)}
                {within.map(|m| view! { <span class="muted small debrief-within">{move || i18n::debrief_within(lang.get(), m)}</span> })}
            </td>
            <td class="num mono debrief-points" data-field="points">{r.points}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_minutes_and_seconds_and_speeds_without_needless_decimals() {
        assert_eq!(minutes_seconds(Some(125)), "2:05");
        assert_eq!(minutes_seconds(Some(4_530)), "75:30");
        assert_eq!(minutes_seconds(None), "—");
        assert_eq!(speed_text(60.0), "60×");
        assert_eq!(speed_text(2.5), "2.5×");
        assert_eq!(number_text(87.5), "87.5");
        assert_eq!(number_text(100.0), "100");
        assert_eq!(played_text(Lang::Zh, 7_530.0), "2 小时 05 分");
    }
}
