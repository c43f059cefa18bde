//! 数据看板: the KPI dashboard over the map. A dispatcher sees the street or one community,
//! a commander their own; the period is a Beijing month (default this one), a year or a
//! range of days. Every figure carries its definition on hover and opens the tickets behind
//! it; a ticket row opens the ticket card on the map.

use std::sync::Arc;

use chrono::Datelike;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::assessment::{AssessmentPanel, default_weights};
use super::circles::CirclesPanel;
use super::diary::DiaryPanel;
use super::kpi_charts::{CategoryChart, TrendChart};
use super::proactive::{ProactivePanel, load_hotspots};
use super::projects::ProjectsPanel;
use super::report::MonthlyReport;
use binhe_api::hotspots::HotspotAnswer;
use binhe_api::kpi::{Dashboard, DrillDown, KpiParams};
use binhe_api::projects::ProjectInput;
use binhe_api::tickets::TicketView;
use binhe_core::access::Role;
use binhe_core::kpi::{Change, Definition, Rate};

use crate::api::ApiError;
use crate::api::kpi::{self, Drill};
use crate::api::texts::TicketNames;
use crate::app::AppState;
use crate::components::{
    CloseButton, DateField, ErrorText, ExportMenu, ListExport, MonthPicker, YearPicker, parse_day,
};
use crate::i18n::{self, Lang, Msg};
use crate::kpi::{
    HeatSpan, Period, Query, Trend, change, change_label, counts, one_decimal, percent,
    to_date_label,
};
use crate::tickets::Desk;
use crate::tickets::queue::Tone;
use crate::tickets::time::{date_time, now};

/// What the board shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoardView {
    Dashboard,
    Report,
    /// 未诉先办: hotspots, the month's top problems, rising micro-grids.
    Proactive,
    /// 治理项目: governance projects and their effect.
    Projects,
    /// 民情日记 and 包户.
    Diary,
    /// 三圈议事: the circles' members and the 居民议事厅's meetings.
    Circles,
}

/// The dashboard's shared state: which period and scope, whether it is open, the heat layer
/// on the map, and the list of tickets behind a figure. Every field is a signal.
#[derive(Clone, Copy)]
pub struct Board {
    pub view: RwSignal<Option<BoardView>>,
    pub period: RwSignal<Period>,
    /// A community chosen by a dispatcher; `None` is the whole street (or a commander's own).
    pub community: RwSignal<Option<String>>,
    /// The cut-off day (截至) typed; `None` counts up to now.
    pub as_of: RwSignal<Option<chrono::NaiveDate>>,
    pub heat_on: RwSignal<bool>,
    /// The heat map's own period (this month until another is chosen) and how it is chosen.
    pub heat_period: RwSignal<Period>,
    pub heat_span: RwSignal<HeatSpan>,
    pub drill: RwSignal<Option<Drill>>,
    /// The assessment's weights as typed (the report ranks by them too when they are valid).
    pub weights: RwSignal<[String; 3]>,
    pub dashboard: RwSignal<Option<Result<Arc<Dashboard>, ApiError>>>,
    /// The hotspot analysis shown (in the 未诉先办 tab and on the map), with the recent ones.
    pub hotspots: RwSignal<Option<Result<Arc<HotspotAnswer>, ApiError>>>,
    /// The analysis picked; `None` is the newest.
    pub hotspot_run: RwSignal<Option<i64>>,
    /// The hotspot picked in the list (its index in the analysis), drawn brighter on the map.
    pub hotspot_focus: RwSignal<Option<usize>>,
    /// The hotspot layer on the map (未诉先办热点 in the legend).
    pub hotspots_on: RwSignal<bool>,
    /// A project to start from (a hotspot's), taken by the 治理项目 tab.
    pub project_draft: RwSignal<Option<ProjectInput>>,
    /// The meeting the 三圈议事 tab shows (a case picked on the dashboard).
    pub circles_focus: RwSignal<Option<i64>>,
}

impl Board {
    pub fn new() -> Self {
        Board {
            view: RwSignal::new(None),
            period: RwSignal::new(Period::current_month(now())),
            community: RwSignal::new(None),
            as_of: RwSignal::new(None),
            heat_on: RwSignal::new(false),
            heat_period: RwSignal::new(Period::current_month(now())),
            heat_span: RwSignal::new(HeatSpan::Month),
            drill: RwSignal::new(None),
            weights: RwSignal::new(default_weights()),
            dashboard: RwSignal::new(None),
            hotspots: RwSignal::new(None),
            hotspot_run: RwSignal::new(None),
            hotspot_focus: RwSignal::new(None),
            hotspots_on: RwSignal::new(false),
            project_draft: RwSignal::new(None),
            circles_focus: RwSignal::new(None),
        }
    }

    /// The query of the figures shown (tracked).
    pub fn query(self) -> Query {
        Query {
            period: self.period.get(),
            community: self.community.get(),
            as_of: self.as_of.get(),
        }
    }

    /// Another account: the figures and the list were the last one's.
    pub fn session_changed(self) {
        self.view.set(None);
        self.community.set(None);
        self.as_of.set(None);
        self.drill.set(None);
        self.weights.set(default_weights());
        self.dashboard.set(None);
        self.heat_on.set(false);
        self.heat_period.set(Period::current_month(now()));
        self.heat_span.set(HeatSpan::Month);
        self.hotspots.set(None);
        self.hotspot_run.set(None);
        self.hotspot_focus.set(None);
        self.hotspots_on.set(false);
        self.project_draft.set(None);
        self.circles_focus.set(None);
    }
}

/// Whether the signed-in role may see figures at all (grid workers may not).
pub fn may_see_kpis(state: AppState) -> bool {
    state
        .session
        .with(|s| s.as_ref().is_none_or(|s| s.account.role != Role::Worker))
}

/// A dispatcher (or the standalone window) chooses the scope; a commander has one.
pub fn chooses_scope(state: AppState) -> bool {
    state.session.with(|s| {
        s.as_ref()
            .is_none_or(|s| s.account.community.is_none() && s.account.role != Role::Commander)
    })
}

/// The header's 数据看板 button.
#[component]
pub fn BoardButton() -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let t = move |m: Msg| m.text(state.lang.get());
    view! {
        <Show when=move || may_see_kpis(state)>
            <button type="button" class="btn small board-open" data-testid="kpi-open"
                class:active=move || board.view.get().is_some()
                title=move || t(Msg::KpiOpenTitle)
                on:click=move |_| board.view.update(|v| {
                    *v = if v.is_some() { None } else { Some(BoardView::Dashboard) };
                })>
                {move || t(Msg::KpiOpen)}
            </button>
        </Show>
    }
}

/// The definition of `key` for a hover title: `响应率：……`.
pub fn hover(definition: Option<&Definition>, lang: Lang) -> String {
    definition.map_or_else(String::new, |d| {
        format!(
            "{}：{}",
            lang.pick(&d.label_zh, &d.label_en),
            lang.pick(&d.definition_zh, &d.definition_en)
        )
    })
}

/// The board over the map: its head (tabs, period, scope), then the dashboard or the report.
#[component]
pub fn BoardPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());

    // The figures follow the period and scope while the board is open.
    Effect::new(move || {
        let query = board.query();
        if board.view.get().is_none() {
            return;
        }
        board.dashboard.set(None);
        spawn_local(async move {
            let result = kpi::dashboard(&query).await.map(Arc::new);
            if board.query_untracked() == query {
                if let Err(e) = &result
                    && e.is_signed_out()
                {
                    return;
                }
                board.dashboard.set(Some(result));
            }
        });
    });

    // The hotspot analysis, while its tab is open or its layer is on the map.
    load_hotspots(board);

    let tab = move |view: BoardView, label: Msg, testid: &'static str| {
        view! {
            <button type="button" role="tab" class="board-tab" data-testid=testid
                class:active=move || board.view.get() == Some(view)
                aria-selected=move || (board.view.get() == Some(view)).to_string()
                on:click=move |_| board.view.set(Some(view))>
                {move || t(label)}
            </button>
        }
    };
    let heading = move || {
        board.dashboard.with(|d| match d {
            Some(Ok(d)) => format!("{} · {}", d.counted.scope.name, d.counted.period.label),
            _ => String::new(),
        })
    };
    let as_of = move || {
        board.dashboard.with(|d| match d {
            Some(Ok(d)) => format!("{} {}", t(Msg::KpiAsOf), date_time(d.counted.as_of)),
            _ => String::new(),
        })
    };

    view! {
        <Show when=move || board.view.get().is_some()>
            <section class="board" data-testid="kpi-board"
                data-view=move || match board.view.get() {
                    Some(BoardView::Report) => "report",
                    Some(BoardView::Proactive) => "proactive",
                    Some(BoardView::Projects) => "projects",
                    Some(BoardView::Diary) => "diary",
                    Some(BoardView::Circles) => "circles",
                    _ => "dashboard",
                }>
                <header class="board-head">
                    <h2 class="board-title">{move || t(Msg::KpiOpen)}</h2>
                    <div class="board-tabs" role="tablist">
                        {tab(BoardView::Dashboard, Msg::KpiTabDashboard, "kpi-tab-dashboard")}
                        {tab(BoardView::Report, Msg::KpiTabReport, "kpi-tab-report")}
                        {tab(BoardView::Proactive, Msg::KpiTabProactive, "kpi-tab-proactive")}
                        {tab(BoardView::Projects, Msg::KpiTabProjects, "kpi-tab-projects")}
                        {tab(BoardView::Diary, Msg::KpiTabDiary, "kpi-tab-diary")}
                        {tab(BoardView::Circles, Msg::KpiTabCircles, "kpi-tab-circles")}
                    </div>
                    <span class="board-scope" data-testid="kpi-heading">{heading}</span>
                    <span class="board-asof muted">{as_of}</span>
                    <PeriodChooser/>
                    <ScopeChooser/>
                    <CloseButton testid="kpi-close" on_close=Callback::new(move |()| board.view.set(None))/>
                </header>
                {move || match board.view.get() {
                    Some(BoardView::Report) => view! { <MonthlyReport/> }.into_any(),
                    Some(BoardView::Proactive) => view! { <ProactivePanel/> }.into_any(),
                    Some(BoardView::Projects) => view! { <ProjectsPanel/> }.into_any(),
                    Some(BoardView::Diary) => view! { <DiaryPanel/> }.into_any(),
                    Some(BoardView::Circles) => view! { <CirclesPanel/> }.into_any(),
                    _ => view! { <DashboardBody/> }.into_any(),
                }}
            </section>
        </Show>
    }
}

impl Board {
    /// The heat map's query (tracked): its own period, in the board's scope, counted up to now.
    pub fn heat_query(self) -> Query {
        Query {
            period: self.heat_period.get(),
            community: self.community.get(),
            as_of: None,
        }
    }

    pub fn heat_query_untracked(self) -> Query {
        Query {
            period: self.heat_period.get_untracked(),
            community: self.community.get_untracked(),
            as_of: None,
        }
    }

    pub fn query_untracked(self) -> Query {
        Query {
            period: self.period.get_untracked(),
            community: self.community.get_untracked(),
            as_of: self.as_of.get_untracked(),
        }
    }
}

/// Month, year or range; a month is the default.
#[component]
fn PeriodChooser() -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let t = move |m: Msg| m.text(state.lang.get());
    let kind = move || match board.period.get() {
        Period::Month { .. } => "month",
        Period::Year(_) => "year",
        Period::Range { .. } => "range",
    };
    // How far the figures reach (the cut-off, else today): no period, report or picker goes
    // past it, so nothing asked is refused as FUTURE_PERIOD.
    let reach = Signal::derive(move || crate::kpi::reach(now(), board.as_of.get()));
    let on_kind = move |ev: leptos::ev::Event| {
        let kind = event_target_value(&ev);
        let period = board.period.get_untracked();
        board
            .period
            .set(period.as_kind(&kind, reach.get_untracked()));
    };
    let month = Signal::derive(move || match board.period.get() {
        Period::Month { year, month } => (year, month),
        other => {
            let (from, _) = other.days();
            (from.year(), from.month())
        }
    });
    let last_month = Signal::derive(move || {
        let start = reach.get().start;
        (start.year(), start.month())
    });
    let year = Signal::derive(move || board.period.get().days().0.year());
    let last_year = Signal::derive(move || reach.get().start.year());
    let range_day = move |which: bool| {
        Signal::derive(move || match board.period.get() {
            Period::Range { from, to } => if which { from } else { to }.to_string(),
            _ => String::new(),
        })
    };
    let set_range = move |which: bool| {
        Callback::new(move |value: String| {
            if let Some(day) = parse_day(&value) {
                board.period.update(|p| {
                    if let Period::Range { from, to } = p {
                        if which { *from = day } else { *to = day }
                    }
                });
            }
        })
    };
    let inputs = move || {
        match kind() {
        "month" => view! {
            <MonthPicker value=month last=last_month testid="kpi-month"
                on_change=Callback::new(move |(year, month)| board.period.set(Period::Month { year, month }))/>
        }
        .into_any(),
        "year" => view! {
            <YearPicker value=year last=last_year testid="kpi-year"
                on_change=Callback::new(move |y| board.period.set(Period::Year(y)))/>
        }
        .into_any(),
        _ => view! {
            <DateField class="board-input" testid="kpi-from" value=range_day(true) on_change=set_range(true)/>
            <span class="muted">"—"</span>
            <DateField class="board-input" testid="kpi-to" value=range_day(false) on_change=set_range(false)/>
        }
        .into_any(),
    }
    };
    let as_of_text =
        Signal::derive(move || board.as_of.get().map(|d| d.to_string()).unwrap_or_default());
    let on_as_of = Callback::new(move |value: String| {
        let day = parse_day(&value);
        if day.is_none() && !value.trim().is_empty() {
            return;
        }
        board.drill.set(None);
        board.as_of.set(day);
        // A period that would begin after the new cut-off follows it back.
        let reach = crate::kpi::reach(now(), day);
        board.period.update(|p| *p = p.clamped(reach));
    });
    view! {
        <div class="board-period" title=move || t(Msg::KpiPeriodLabel)>
            <select class="board-input" data-testid="kpi-period-kind" aria-label=move || t(Msg::KpiPeriodLabel)
                prop:value=kind on:change=on_kind>
                <option value="month">{move || t(Msg::KpiPeriodMonth)}</option>
                <option value="year">{move || t(Msg::KpiPeriodYear)}</option>
                <option value="range">{move || t(Msg::KpiPeriodRange)}</option>
            </select>
            {inputs}
            <label class="board-asof-input">
                <span class="muted">{move || t(Msg::KpiAsOf)}</span>
                <DateField class="board-input" testid="kpi-as-of" value=as_of_text on_change=on_as_of
                    title=Signal::derive(move || t(Msg::KpiAsOfHint).to_owned())/>
            </label>
        </div>
    }
}

/// The street or one community, for those who may choose.
#[component]
fn ScopeChooser() -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let options = move || {
        state.index.with(|index| {
            let Some(index) = index else {
                return Vec::new();
            };
            index
                .community_codes
                .iter()
                .map(|code| {
                    let name = index.name(code).map_or_else(
                        || code.clone(),
                        |[zh, en]| lang.get().pick(&zh, &en).to_owned(),
                    );
                    (code.clone(), name)
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || chooses_scope(state)>
            <select class="board-input" data-testid="kpi-scope" aria-label=move || Msg::KpiScopeLabel.text(lang.get())
                prop:value=move || board.community.get().unwrap_or_default()
                on:change=move |ev| {
                    let code = event_target_value(&ev);
                    board.drill.set(None);
                    board.community.set((!code.is_empty()).then_some(code));
                }>
                <option value="">{move || Msg::KpiScopeStreet.text(lang.get())}</option>
                {move || options().into_iter().map(|(code, name)| view! {
                    <option value=code.clone() selected=board.community.get_untracked().as_deref() == Some(code.as_str())>{name}</option>
                }).collect_view()}
            </select>
        </Show>
    }
}

/// Tiles, charts, the assessment and, beside them, the drill-down list.
#[component]
fn DashboardBody() -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let t = move |m: Msg| m.text(state.lang.get());
    view! {
        <div class="board-body" class:with-drill=move || board.drill.with(Option::is_some)>
            <div class="board-main">
                {move || match board.dashboard.get() {
                    None => view! { <p class="board-status">{move || t(Msg::KpiLoading)}</p> }.into_any(),
                    Some(Err(e)) => view! {
                        <p class="board-status card-error" data-testid="kpi-error">
                            {move || t(Msg::ErrorLoadKpi)}"："<ErrorText error=e.clone()/>
                        </p>
                    }
                    .into_any(),
                    Some(Ok(d)) => view! {
                        <Tiles dashboard=Arc::clone(&d)/>
                        <div class="board-charts">
                            <TrendChart dashboard=Arc::clone(&d)/>
                            <CategoryChart dashboard=d/>
                        </div>
                    }
                    .into_any(),
                }}
                <AssessmentPanel/>
            </div>
            <DrillList/>
        </div>
    }
}

/// One figure the tiles show, with the tickets behind it.
struct Figure {
    /// `definitions` key and `data-kpi` of the tile.
    key: &'static str,
    label: Msg,
    value: String,
    /// The `metric` of the tickets behind the big number (only for a count).
    drill: Option<&'static str>,
    /// The rate's counts, and the tickets that missed it.
    rate: Option<(Rate, Msg, &'static str)>,
    /// Year over year.
    yoy: Option<Change>,
    /// Smaller counts under the number: label, value and maybe what they open.
    extra: Vec<(Msg, String, Option<Opens>)>,
    /// Counted to date over this many days, not averaged (a window under 7 days).
    to_date: Option<u32>,
}

/// What a small count under a figure opens.
#[derive(Clone, Copy)]
enum Opens {
    /// The tickets behind it: a drill-down `metric`.
    Tickets(&'static str),
    /// The 治理项目 tab, where each project shows its effect.
    Projects,
    /// The 三圈议事 tab, where each case's meeting is.
    Circles,
}

fn figures(d: &Dashboard) -> Vec<Figure> {
    let k = &d.kpis;
    let yoy = &d.year_over_year;
    let rate = |key, label, r: Rate, miss, metric| Figure {
        key,
        label,
        value: percent(&r),
        drill: None,
        rate: Some((r, miss, metric)),
        yoy: None,
        extra: Vec::new(),
        to_date: None,
    };
    let mut satisfaction = rate(
        "satisfaction",
        Msg::KpiSatisfaction,
        k.satisfaction,
        Msg::KpiMissSatisfaction,
        "unsatisfied",
    );
    satisfaction.extra.push((
        Msg::KpiBasicallySatisfied,
        k.basically_satisfied.to_string(),
        None,
    ));
    let mut delegated_rate = rate(
        "delegated_resolution",
        Msg::KpiDelegatedResolution,
        k.delegated_resolution,
        Msg::KpiMissDelegated,
        "delegated_unsolved",
    );
    delegated_rate.extra.push((
        Msg::KpiDelegated,
        k.delegated.to_string(),
        Some(Opens::Tickets("delegated")),
    ));
    let (monthly, monthly_to_date) = crate::kpi::monthly_received(k);
    let (per_10k, per_10k_to_date) = crate::kpi::per_10k(k);
    vec![
        Figure {
            key: "received",
            label: Msg::KpiReceived,
            value: k.received.to_string(),
            drill: Some("received"),
            rate: None,
            yoy: None,
            extra: vec![
                (
                    Msg::KpiOpenNow,
                    k.open.to_string(),
                    Some(Opens::Tickets("open")),
                ),
                (Msg::KpiExcluded, k.excluded.to_string(), None),
            ],
            to_date: None,
        },
        Figure {
            key: "monthly_received",
            label: Msg::KpiMonthlyReceived,
            value: monthly,
            drill: None,
            rate: None,
            yoy: Some(yoy.monthly_received),
            extra: Vec::new(),
            to_date: monthly_to_date,
        },
        Figure {
            key: "per_10k_residents",
            label: Msg::KpiPer10k,
            value: per_10k,
            drill: None,
            rate: None,
            yoy: Some(yoy.per_10k_residents),
            extra: vec![(Msg::KpiResidents, k.residents.to_string(), None)],
            to_date: per_10k_to_date,
        },
        rate(
            "response",
            Msg::KpiResponse,
            k.response,
            Msg::KpiMissResponse,
            "not_responded",
        ),
        rate(
            "resolution",
            Msg::KpiResolution,
            k.resolution,
            Msg::KpiMissResolution,
            "unsolved",
        ),
        satisfaction,
        delegated_rate,
        rate(
            "closure",
            Msg::KpiClosure,
            k.closure,
            Msg::KpiMissClosure,
            "not_closed",
        ),
        rate(
            "on_time_closure",
            Msg::KpiOnTimeClosure,
            k.on_time_closure,
            Msg::KpiMissOnTime,
            "closed_late",
        ),
        Figure {
            key: "overdue_open",
            label: Msg::KpiOverdue,
            value: k.overdue_open.to_string(),
            drill: Some("overdue"),
            rate: None,
            yoy: None,
            extra: Vec::new(),
            to_date: None,
        },
        Figure {
            key: "proactive",
            label: Msg::KpiProactive,
            value: percent(&k.proactive),
            drill: None,
            rate: None,
            yoy: None,
            extra: vec![(
                Msg::KpiProactiveCount,
                k.proactive.numerator().to_string(),
                Some(Opens::Tickets("proactive")),
            )],
            to_date: None,
        },
        Figure {
            key: "avoided",
            label: Msg::KpiAvoided,
            value: format!("{:.1}", d.avoided.avoided),
            drill: None,
            rate: None,
            yoy: None,
            extra: vec![(
                Msg::KpiProjectsFinished,
                d.avoided.projects.len().to_string(),
                Some(Opens::Projects),
            )],
            to_date: None,
        },
        Figure {
            key: "circles",
            label: Msg::KpiCircles,
            value: d.circles.solved.to_string(),
            drill: None,
            rate: None,
            yoy: None,
            extra: vec![(
                Msg::KpiCircleCases,
                d.circles.cases.len().to_string(),
                Some(Opens::Circles),
            )],
            to_date: None,
        },
    ]
}

/// Definition keys the server might use for a tile, the tile's own first.
fn definition<'a>(d: &'a Dashboard, key: &str) -> Option<&'a Definition> {
    let aliases: &[&str] = match key {
        "per_10k_residents" => &["per_10k_residents", "per_10k"],
        "overdue_open" => &["overdue_open", "overdue"],
        "delegated_resolution" => &["delegated_resolution", "delegated"],
        "categories" => &["categories", "category", "top_categories"],
        "year_over_year" => &["year_over_year", "yoy"],
        other => return d.definition(other),
    };
    aliases.iter().find_map(|k| d.definition(k))
}

/// A count that opens its tickets.
#[component]
fn DrillNumber(metric: &'static str, value: String, #[prop(optional)] big: bool) -> impl IntoView {
    let board = expect_context::<Board>();
    let active = move || {
        board.drill.with(|d| {
            d.as_ref()
                .is_some_and(|d| d.metric == metric && d.category.is_none())
        })
    };
    view! {
        <button type="button" class="kpi-number" class:big=big class:active=active
            data-testid="kpi-drill" data-metric=metric data-value=value.clone()
            on:click=move |_| board.drill.set(Some(Drill::of(metric)))>
            {value.clone()}
        </button>
    }
}

/// The count of projects behind 减少诉求: lists them on hover, opens the 治理项目 tab.
#[component]
fn ProjectsNumber(dashboard: Arc<Dashboard>, value: String) -> impl IntoView {
    let board = expect_context::<Board>();
    let lang = expect_context::<AppState>().lang;
    let title = move || {
        let lang = lang.get();
        dashboard
            .avoided
            .projects
            .iter()
            .map(|p| match p.avoided {
                Some(avoided) => i18n::kpi_project_avoided(
                    lang,
                    &p.title,
                    &p.finished_on.to_string(),
                    &format!("{avoided:.1}"),
                ),
                None => i18n::kpi_project_not_measured(lang, &p.title, &p.finished_on.to_string()),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    view! {
        <button type="button" class="kpi-number" data-testid="kpi-projects" data-value=value.clone()
            title=title on:click=move |_| board.view.set(Some(BoardView::Projects))>
            {value.clone()}
        </button>
    }
}

/// The cases behind 三圈解决: their count opens the 三圈议事 tab, each case (topic, ticket) its
/// meeting there.
#[component]
fn CircleCases(dashboard: Arc<Dashboard>, value: String) -> impl IntoView {
    let board = expect_context::<Board>();
    let lang = expect_context::<AppState>().lang;
    let open = move |id: Option<i64>| {
        board.circles_focus.set(id);
        board.view.set(Some(BoardView::Circles));
    };
    let cases = dashboard
        .circles
        .cases
        .iter()
        .map(|c| {
            let (id, topic, ticket) = (c.id, c.topic.clone(), c.ticket);
            let text = move || match ticket {
                Some(ticket) => i18n::kpi_circle_case(lang.get(), &topic, &ticket.to_string()),
                None => topic.clone(),
            };
            view! {
                <li><button type="button" class="link" data-testid="kpi-circle-case" data-id=id.to_string()
                    data-ticket=ticket.map(|t| t.to_string())
                    on:click=move |_| open(Some(id))>{text}</button></li>
            }
        })
        .collect_view();
    view! {
        <button type="button" class="kpi-number" data-testid="kpi-circles" data-value=value.clone()
            on:click=move |_| open(None)>
            {value.clone()}
        </button>
        <ul class="kpi-cases" data-testid="kpi-circle-cases">{cases}</ul>
    }
}

#[component]
fn Tiles(dashboard: Arc<Dashboard>) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let t = move |m: Msg| m.text(lang.get());
    let tiles = figures(&dashboard)
        .into_iter()
        .map(|f| {
            let title = {
                let d = Arc::clone(&dashboard);
                move || hover(definition(&d, f.key), lang.get())
            };
            let number = match f.drill {
                Some(metric) => view! { <DrillNumber metric value=f.value.clone() big=true/> }.into_any(),
                None => view! { <span class="kpi-number big static" data-testid="kpi-value">{f.value.clone()}</span> }.into_any(),
            };
            let trend_class = f.yoy.map_or(Trend::Unknown, |c| change(c.relative).0);
            // A window under 7 days: the count to date, labelled with its days, not a monthly rate.
            let period_kind = dashboard.counted.period.kind;
            let to_date = f.to_date.map(|days| {
                view! {
                    <span class="kpi-to-date muted" data-testid="kpi-to-date" data-days=days.to_string()>
                        {move || to_date_label(lang.get(), period_kind, days)}
                    </span>
                }
            });
            let yoy_source = Arc::clone(&dashboard);
            let yoy = f.yoy.map(|c| {
                let trend = change(c.relative).0;
                // The definition, then the two figures compared.
                let title = move || {
                    let lang = lang.get();
                    format!(
                        "{}\n{} {} → {} {}",
                        hover(definition(&yoy_source, "year_over_year"), lang),
                        lang.pick("去年同期", "A year earlier"),
                        one_decimal(c.earlier),
                        lang.pick("本期", "now"),
                        one_decimal(c.current),
                    )
                };
                view! {
                    <span class=format!("kpi-change {}", trend.as_str()) data-testid="kpi-yoy"
                        data-trend=trend.as_str() title=title>
                        {move || change_label(lang.get(), c.relative)}
                    </span>
                }
            });
            let rate = f.rate.map(|(r, miss, metric)| {
                let missed = r.denominator() - r.numerator();
                view! {
                    <span class="kpi-counts mono" data-testid="kpi-counts">{counts(&r)}</span>
                    <span class="kpi-miss">{move || t(miss)}" "<DrillNumber metric value=missed.to_string()/></span>
                }
            });
            let extra = f
                .extra
                .into_iter()
                .map(|(label, value, opens)| {
                    let number = match opens {
                        Some(Opens::Tickets(metric)) => view! { <DrillNumber metric value/> }.into_any(),
                        Some(Opens::Projects) => view! { <ProjectsNumber dashboard=Arc::clone(&dashboard) value/> }.into_any(),
                        Some(Opens::Circles) => view! { <CircleCases dashboard=Arc::clone(&dashboard) value/> }.into_any(),
                        None => view! { <span class="mono">{value}</span> }.into_any(),
                    };
                    view! { <span class="kpi-extra">{move || t(label)}" "{number}</span> }
                })
                .collect_view();
                        view! {
                <div class="kpi-tile" data-kpi=f.key data-trend=trend_class.as_str() title=title
                    data-to-date=f.to_date.map(|d| d.to_string())>
                    <span class="kpi-label">{move || t(f.label)}</span>
                    {number}
                    {to_date}
                    {yoy}
                    {rate}
                    {extra}
                </div>
            }
        })
        .collect_view();
    view! { <div class="kpi-tiles" data-testid="kpi-tiles">{tiles}</div> }
}

/// A drill-down's export, without the extension (`binhe_api::tickets::EXPORT_FORMATS`).
const KPI_EXPORT_ROUTE: &str = "/api/kpi/tickets/export";

/// A drill-down's answer, with the figure and period it answers.
type Loaded = (Drill, Query, Result<DrillDown, ApiError>);

/// The tickets behind the figure clicked last; a row opens the ticket card on the map.
#[component]
fn DrillList() -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let desk = expect_context::<Desk>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let loaded = RwSignal::new(None::<Loaded>);
    // What is shown: the answer for the figure and period asked now, nothing while it loads
    // (never the last figure's list under the new figure's name).
    let list = Memo::new(move |_| {
        let (drill, query) = (board.drill.get()?, board.query());
        loaded.with(|l| {
            l.as_ref()
                .filter(|(d, q, _)| *d == drill && *q == query)
                .map(|(_, _, r)| r.clone())
        })
    });
    Effect::new(move || {
        let Some(drill) = board.drill.get() else {
            return;
        };
        let query = board.query();
        spawn_local(async move {
            let result = kpi::drill(&query, &drill).await;
            if board.drill.get_untracked().as_ref() == Some(&drill) {
                loaded.set(Some((drill, query, result)));
            }
        });
    });
    let title = move || {
        let drill = board.drill.get()?;
        let d = board.dashboard.get().and_then(Result::ok);
        let label = match (drill.metric, &drill.category) {
            (_, Some(code)) => d
                .as_ref()
                .map_or_else(|| code.clone(), |d| d.kpis.category_name(code).to_owned()),
            (metric, None) => t(metric_label(metric)).to_owned(),
        };
        Some(label)
    };
    // 导出: the drill-down's own parameters (the whole list, not the loaded page).
    let export = Signal::derive(move || {
        let drill = board.drill.get()?;
        let query = board.query();
        let total = list.with(|l| match l {
            Some(Ok(l)) => Some(l.total),
            _ => None,
        })?;
        let params = KpiParams {
            limit: None,
            offset: None,
            ..drill.params(&query)
        };
        Some(ListExport {
            route: KPI_EXPORT_ROUTE,
            query: params.to_query(),
            what: title().unwrap_or_default(),
            count: Some(total),
        })
    });
    let open_ticket = move |ticket: &TicketView| {
        desk.open(ticket.id);
        if let (Some(lon), Some(lat)) = (ticket.lon, ticket.lat) {
            const D: f64 = 0.0015;
            state
                .fly_target
                .set(Some([lon - D, lat - D, lon + D, lat + D]));
        }
        board.view.set(None);
    };
    view! {
        <Show when=move || board.drill.with(Option::is_some)>
            <aside class="drill" data-testid="kpi-drill-list"
                data-metric=move || board.drill.with(|d| d.as_ref().map(|d| d.metric))
                data-total=move || list.with(|l| match l { Some(Ok(l)) => Some(l.total.to_string()), _ => None })>
                <header class="drill-head">
                    <h3>{move || t(Msg::KpiDrillTitle)}" · "{title}</h3>
                    <span class="count" data-testid="kpi-drill-total">
                        {move || list.with(|l| match l { Some(Ok(l)) => l.total.to_string(), _ => String::new() })}
                    </span>
                    <CloseButton testid="kpi-drill-close" on_close=Callback::new(move |()| board.drill.set(None))/>
                </header>
                <p class="queue-hint">{move || t(Msg::KpiDrillHint)}</p>
                <ExportMenu list=export testid="kpi-drill-export"/>
                {move || match list.get() {
                    None => view! { <p class="queue-empty">{t(Msg::KpiLoading)}</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="queue-empty card-error"><ErrorText error=e/></p> }.into_any(),
                    Some(Ok(l)) if l.tickets.is_empty() => view! { <p class="queue-empty">{t(Msg::KpiDrillEmpty)}</p> }.into_any(),
                    Some(Ok(l)) => {
                        let shown = l.tickets.len() as u64;
                        let more = (l.total > shown).then(|| view! {
                            <p class="queue-note">{crate::i18n::shown_of_total(lang.get(), shown, l.total)}</p>
                        });
                        view! {
                            <ul class="queue-list drill-list">
                                {l.tickets.into_iter().map(|ticket| view! { <DrillRow ticket on_open=open_ticket/> }).collect_view()}
                            </ul>
                            {more}
                        }
                        .into_any()
                    }
                }}
            </aside>
        </Show>
    }
}

fn metric_label(metric: &str) -> Msg {
    match metric {
        "open" => Msg::KpiOpenNow,
        "not_responded" => Msg::KpiMissResponse,
        "unsolved" => Msg::KpiMissResolution,
        "unsatisfied" => Msg::KpiMissSatisfaction,
        "delegated" => Msg::KpiDelegated,
        "delegated_unsolved" => Msg::KpiMissDelegated,
        "not_closed" => Msg::KpiMissClosure,
        "closed_late" => Msg::KpiMissOnTime,
        "overdue" => Msg::KpiOverdue,
        "proactive" => Msg::KpiProactiveCount,
        _ => Msg::KpiReceived,
    }
}

/// A ticket as the queue shows it: category, state, place and when it came in.
#[component]
fn DrillRow(ticket: TicketView, on_open: impl Fn(&TicketView) + Copy + 'static) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let tone = Tone::of(ticket.state, ticket.sla);
    let place = match (
        &ticket.routing.unrouted,
        ticket
            .routing
            .micro
            .as_ref()
            .or(ticket.routing.community.as_ref()),
    ) {
        (_, Some(grid)) => grid.name.clone(),
        _ => ticket.address.clone().unwrap_or_default(),
    };
    let received = date_time(ticket.received_at);
    let id = ticket.id;
    let (category, state) = {
        let t = ticket.clone();
        let t2 = ticket.clone();
        (
            move || t.category_name(lang.get()).to_owned(),
            move || t2.state_name(lang.get()).to_owned(),
        )
    };
    view! {
        <li class=format!("queue-row drill-row tone-{}", tone.as_str()) data-testid="kpi-drill-row"
            data-ticket-id=id.to_string() tabindex="0"
            on:keydown={
                let ticket = ticket.clone();
                move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" {
                        on_open(&ticket);
                    }
                }
            }
            on:click=move |_| on_open(&ticket)>
            <div class="queue-line">
                <i class=format!("dot tone-{}", tone.as_str()) aria-hidden="true"></i>
                <span class="queue-category">{category}</span>
                <span class="mono muted">{format!("#{id}")}</span>
                <span class=format!("sla-chip tone-{}", tone.as_str())>{state}</span>
            </div>
            <div class="queue-line sub">
                <span class="queue-place">{place}</span>
                <span class="queue-age mono">{received}</span>
            </div>
        </li>
    }
}
