//! 未诉先办: the board's tab for acting before the calls come. The hotspots of the center's last
//! analysis (daily, or one run now): where (micro-grids, on the map), what (category), when
//! (window), how much more than expected and how sure (p-value), and whether still rising; then
//! the month's top problems (每月一题) and the micro-grids rising month on month. A hotspot
//! picked in the list is flown to on the map.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::hotspots::{
    HotspotAnswer, HotspotRun, HotspotView, MonthlyTopAnswer, RisingAnswer, RunRequest, Trigger,
};
use binhe_api::projects::ProjectInput;
use binhe_core::access::Role;
use binhe_core::ticket::Channel;

use super::dashboard::{Board, BoardView};
use crate::api::{ApiError, hotspots as api};
use crate::app::AppState;
use crate::components::ErrorText;
use crate::i18n::{self, Lang, Msg};
use crate::kpi::Period;
use crate::tickets::Desk;
use crate::tickets::desk::{IntakeDraft, IntakeDrafts};
use crate::tickets::time::date_time;

/// Whether the signed-in role may run an analysis now (the desk: dispatchers and
/// administrators, and the standalone window).
fn may_run(state: AppState) -> bool {
    state.session.with(|s| {
        s.as_ref()
            .is_none_or(|s| matches!(s.account.role, Role::Dispatcher | Role::Administrator))
    })
}

/// The month the monthly lists are for: the board's, when it shows a month.
fn month_of(period: Period) -> Option<String> {
    matches!(period, Period::Month { .. }).then(|| period.month_value())
}

/// Loads the analysis picked (the newest by default) while the 未诉先办 tab is open or the
/// hotspot layer is on, and again each time either is opened: a daily run may have come.
pub fn load_hotspots(board: Board) {
    Effect::new(move || {
        let wanted = board.view.get() == Some(BoardView::Proactive) || board.hotspots_on.get();
        let chosen = board.hotspot_run.get();
        if !wanted {
            return;
        }
        spawn_local(async move {
            let answer = api::shown(chosen).await.map(Arc::new);
            if board.hotspot_run.get_untracked() != chosen {
                return;
            }
            if let Err(e) = &answer
                && e.is_signed_out()
            {
                return;
            }
            // The hotspot picked stays picked when the same analysis came back.
            let same = board.hotspots.with_untracked(|old| {
                let id = |a: &Option<Result<Arc<HotspotAnswer>, ApiError>>| {
                    a.as_ref()?.as_ref().ok()?.run.as_ref().map(|r| r.id)
                };
                id(old).is_some() && id(old) == id(&Some(answer.clone()))
            });
            if !same {
                board.hotspot_focus.set(None);
            }
            board.hotspots.set(Some(answer));
        });
    });
}

#[component]
pub fn ProactivePanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let running = RwSignal::new(false);
    let run_error = RwSignal::new(None::<ApiError>);
    let monthly = RwSignal::new(None::<Result<MonthlyTopAnswer, ApiError>>);
    let rising = RwSignal::new(None::<Result<RisingAnswer, ApiError>>);

    // The month's lists follow the board's month.
    Effect::new(move || {
        let month = month_of(board.period.get());
        monthly.set(None);
        rising.set(None);
        spawn_local(async move {
            let (top, up) = (
                api::monthly(month.clone()).await,
                api::rising(month.clone(), true).await,
            );
            if month_of(board.period.get_untracked()) == month {
                monthly.set(Some(top));
                rising.set(Some(up));
            }
        });
    });

    let run_now = move |_| {
        running.set(true);
        run_error.set(None);
        spawn_local(async move {
            match api::run_now(&RunRequest::default()).await {
                Ok(run) => {
                    let id = run.id;
                    board.hotspot_focus.set(None);
                    board.hotspots.update(|answer| {
                        let recent = answer
                            .as_ref()
                            .and_then(|a| a.as_ref().ok())
                            .map(|a| a.recent.clone())
                            .unwrap_or_default();
                        *answer = Some(Ok(Arc::new(HotspotAnswer {
                            recent,
                            run: Some(run),
                        })));
                    });
                    // Reload the list of runs with the new one in it, showing it.
                    board.hotspot_run.set(Some(id));
                }
                Err(e) => run_error.set(Some(e)),
            }
            running.set(false);
        });
    };

    let head = move || {
        board.hotspots.with(|answer| match answer {
            None => view! { <p class="muted">{t(Msg::HotspotLoading)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error"><ErrorText error=e.clone()/></p> }.into_any(),
            Some(Ok(answer)) => {
                let info = answer.run.as_ref().map(|run| run_info(run, lang.get()));
                let options = answer
                    .recent
                    .iter()
                    .map(|r| {
                        let label = format!(
                            "{} · {} · {}",
                            r.analysis_day,
                            trigger_label(r.trigger, lang.get()),
                            i18n::hotspot_count(lang.get(), r.significant)
                        );
                        view! { <option value=r.id.to_string()>{label}</option> }
                    })
                    .collect_view();
                let selected = answer.run.as_ref().map(|r| r.id.to_string()).unwrap_or_default();
                view! {
                    <span class="proactive-info" data-testid="hotspot-run-info">{info}</span>
                    <select class="board-input" data-testid="hotspot-runs" aria-label=t(Msg::HotspotRuns)
                        prop:value=selected
                        on:change=move |ev| {
                            board.hotspot_run.set(event_target_value(&ev).parse().ok());
                        }>
                        {options}
                    </select>
                }
                .into_any()
            }
        })
    };

    view! {
        <div class="proactive" data-testid="proactive">
            <div class="proactive-head">
                {head}
                <Show when=move || may_run(state)>
                    <button type="button" class="btn small" data-testid="hotspot-run-now"
                        disabled=move || running.get()
                        title=move || t(Msg::HotspotRunNowTitle)
                        on:click=run_now>
                        {move || if running.get() { t(Msg::HotspotRunning) } else { t(Msg::HotspotRunNow) }}
                    </button>
                </Show>
                {move || run_error.get().map(|e| view! { <span class="error"><ErrorText error=e/></span> })}
            </div>
            <div class="proactive-body">
                <section class="hotspot-list" data-testid="hotspot-list">
                    <h3>{move || t(Msg::HotspotListTitle)}</h3>
                    {move || board.hotspots.with(|answer| {
                        let Some(Ok(answer)) = answer else { return ().into_any() };
                        match &answer.run {
                            None => view! { <p class="muted" data-testid="hotspot-none">{t(Msg::HotspotNoRun)}</p> }.into_any(),
                            Some(run) if run.hotspots.is_empty() => view! {
                                <p class="muted" data-testid="hotspot-none">{t(Msg::HotspotNoneSignificant)}</p>
                            }.into_any(),
                            Some(run) => run
                                .hotspots
                                .iter()
                                .enumerate()
                                .map(|(i, h)| view! { <HotspotItem run_id=run.id index=i hotspot=h.clone()/> })
                                .collect_view()
                                .into_any(),
                        }
                    })}
                </section>
                <section class="monthly-top" data-testid="monthly-top">
                    <h3>{move || t(Msg::HotspotMonthlyTitle)}</h3>
                    {move || monthly.with(|m| match m {
                        None => view! { <p class="muted">{t(Msg::HotspotLoading)}</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="error"><ErrorText error=e.clone()/></p> }.into_any(),
                        Some(Ok(m)) => monthly_table(m, lang.get()).into_any(),
                    })}
                </section>
                <section class="rising" data-testid="rising">
                    <h3>{move || t(Msg::HotspotRisingTitle)}</h3>
                    {move || rising.with(|r| match r {
                        None => view! { <p class="muted">{t(Msg::HotspotLoading)}</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="error"><ErrorText error=e.clone()/></p> }.into_any(),
                        Some(Ok(r)) if r.groups.is_empty() => view! {
                            <p class="muted" data-testid="rising-none">{t(Msg::HotspotRisingNone)}</p>
                        }.into_any(),
                        Some(Ok(r)) => rising_list(r, lang.get()).into_any(),
                    })}
                </section>
            </div>
            <p class="muted proactive-method">{move || t(Msg::HotspotMethod)}</p>
        </div>
    }
}

fn trigger_label(trigger: Trigger, lang: Lang) -> &'static str {
    lang.pick(trigger.label_zh(), trigger.label_en())
}

fn run_info(run: &HotspotRun, lang: Lang) -> String {
    i18n::hotspot_run_info(
        lang,
        trigger_label(run.trigger, lang),
        &date_time(run.ran_at),
        &run.analysis_day,
        run.cases,
        run.replications,
    )
}

/// One hotspot: rank and category, place, window, counts and p-value, trend.
#[component]
fn HotspotItem(run_id: i64, index: usize, hotspot: HotspotView) -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let place = place_text(&hotspot, Lang::Zh);
    let shown_place = {
        let h = hotspot.clone();
        move || place_text(&h, lang.get())
    };
    let h = hotspot.clone();
    let window = move || i18n::hotspot_window(lang.get(), &h.first_day, &h.last_day, h.days);
    let h = hotspot.clone();
    let counts = move || {
        i18n::hotspot_counts(
            lang.get(),
            h.observed,
            &format!("{:.1}", h.expected),
            &format!("{:.1}", h.relative_risk),
            &format!("{:.3}", h.p_value),
        )
    };
    let rising = hotspot.rising;
    let code = hotspot.category.clone().unwrap_or_default();
    let desk = expect_context::<Desk>();
    let drafts = expect_context::<IntakeDrafts>();
    // An all-categories hotspot says what it mostly holds.
    let leading = (hotspot.category.is_none() && !hotspot.leading.is_empty()).then(|| {
        let counts = hotspot.leading.clone();
        let text = move || {
            let lang = lang.get();
            let items = counts
                .iter()
                .map(|c| i18n::leading_count(lang, &c.name, c.count))
                .collect::<Vec<_>>()
                .join(lang.pick("、", ", "));
            i18n::hotspot_leading(lang, &items)
        };
        view! { <div class="hotspot-leading muted" data-testid="hotspot-leading">{text}</div> }
    });
    let draft = ticket_draft(run_id, &hotspot, &place);
    let project = project_draft(run_id, &hotspot, &place);
    view! {
        <article class="hotspot" data-testid="hotspot" data-category=code data-index=index.to_string()
            class:focus=move || board.hotspot_focus.get() == Some(index)
            on:click=move |_| board.hotspot_focus.set(Some(index))>
            <header>
                <span class="hotspot-rank">{index + 1}</span>
                <b class="hotspot-category">{hotspot.category_name.clone()}</b>
                <span class="tag" class:rising=rising>
                    {move || if rising { Msg::HotspotRising.text(lang.get()) } else { Msg::HotspotSteady.text(lang.get()) }}
                </span>
            </header>
            <div class="hotspot-place" data-testid="hotspot-place">{shown_place}</div>
            {leading}
            <div class="hotspot-window muted">{window}</div>
            <div class="hotspot-counts" data-testid="hotspot-counts">{counts}</div>
            <div class="hotspot-actions">
            <button type="button" class="btn small hotspot-locate" data-testid="hotspot-locate"
                on:click=move |ev| {
                    ev.stop_propagation();
                    board.hotspot_focus.set(Some(index));
                    board.hotspots_on.set(true);
                    board.view.set(None);
                }>
                {move || Msg::HotspotShowOnMap.text(lang.get())}
            </button>
            <Show when=move || state.may().intake>
                <button type="button" class="btn small primary hotspot-ticket" data-testid="hotspot-ticket"
                    title=move || Msg::HotspotTicketTitle.text(lang.get())
                    on:click={
                        let draft = draft.clone();
                        move |ev| {
                            ev.stop_propagation();
                            board.view.set(None);
                            board.hotspots_on.set(true);
                            board.hotspot_focus.set(Some(index));
                            desk.close();
                            state.close_card();
                            drafts.0.set(Some(draft.clone()));
                            desk.intake_open.set(true);
                        }
                    }>
                    {move || Msg::HotspotTicket.text(lang.get())}
                </button>
                <button type="button" class="btn small hotspot-project" data-testid="hotspot-project"
                    title=move || Msg::HotspotProjectTitle.text(lang.get())
                    on:click={
                        let project = project.clone();
                        move |ev| {
                            ev.stop_propagation();
                            board.project_draft.set(Some(project.clone()));
                            board.view.set(Some(BoardView::Projects));
                        }
                    }>
                    {move || Msg::HotspotProject.text(lang.get())}
                </button>
            </Show>
            </div>
            <Sparkline observed=hotspot.trend.daily_observed.clone() expected=hotspot.trend.daily_expected.clone()/>
        </article>
    }
}

/// Its communities, each once, in the order of its micro-grids.
fn communities(h: &HotspotView) -> Vec<&str> {
    let mut seen = Vec::new();
    for name in h.zones.iter().filter_map(|z| z.community_name.as_deref()) {
        if !seen.contains(&name) {
            seen.push(name);
        }
    }
    seen
}

/// Where a hotspot is: its first micro-grids (the centre first), how many in all, and its
/// communities — `承平里3号院、承平园小区6号院、承平里4号院等 19 个微网格（承平园社区）`.
fn place_text(h: &HotspotView, lang: Lang) -> String {
    const NAMED: usize = 3;
    let names: Vec<&str> = h
        .zones
        .iter()
        .take(NAMED)
        .map(|z| z.name.as_str())
        .collect();
    let names = names.join(lang.pick("、", ", "));
    let micro = if h.zones.len() > NAMED {
        i18n::hotspot_more_grids(
            lang,
            &names,
            u32::try_from(h.zones.len()).unwrap_or(u32::MAX),
        )
    } else {
        names
    };
    i18n::hotspot_place(lang, &micro, &communities(h).join(lang.pick("、", ", ")))
}

/// What a hotspot is about: its category, or for all categories together the one it mostly
/// holds (code, Chinese name).
fn subject(h: &HotspotView) -> (Option<String>, String) {
    match (&h.category, h.leading.first()) {
        (Some(code), _) => (Some(code.clone()), h.category_name.clone()),
        (None, Some(top)) => (Some(top.category.clone()), top.name.clone()),
        (None, None) => (None, h.category_name.clone()),
    }
}

/// A hotspot as a proactive ticket (主动发现) for the person to check and register: its
/// category (all categories together: the first of the catalogue, to be chosen), its centre,
/// and what was found, in the street's language.
fn ticket_draft(run_id: i64, h: &HotspotView, place: &str) -> IntakeDraft {
    let (category, name) = subject(h);
    IntakeDraft {
        channel: Channel::Proactive,
        category: category.unwrap_or_default(),
        description: format!(
            "未诉先办：{place}{name}诉求聚集，{}至{}共 {} 件（预期 {:.1} 件），请主动排查处置。",
            h.first_day, h.last_day, h.observed, h.expected
        ),
        point: Some(h.centre),
        source_ref: Some(format!("hotspot:{run_id}:{}", h.rank)),
    }
}

/// What a project for `h` is named after: its one community, else its centre micro-grid.
fn project_place(h: &HotspotView) -> Option<&str> {
    if let [one] = communities(h)[..] {
        Some(one)
    } else {
        h.zones.first().map(|z| z.name.as_str())
    }
}

/// A governance project for a hotspot: its micro-grids and category, to be planned.
fn project_draft(run_id: i64, h: &HotspotView, place: &str) -> ProjectInput {
    let (category, name) = subject(h);
    ProjectInput {
        title: format!("{}{name}治理", project_place(h).unwrap_or(place)),
        goal: format!(
            "未诉先办：{place}{name}诉求聚集（{}至{}共 {} 件，预期 {:.1} 件），排查成因并根治。",
            h.first_day, h.last_day, h.observed, h.expected
        ),
        category,
        area: h.zones.iter().map(|z| z.code.to_string()).collect(),
        hotspot: Some(format!("{run_id}:{}", h.rank)),
        ..ProjectInput::default()
    }
}

/// Requests a day in the hotspot (bars) against those expected (line), over its window.
#[component]
fn Sparkline(observed: Vec<u32>, expected: Vec<f64>) -> impl IntoView {
    const W: f64 = 220.0;
    const H: f64 = 36.0;
    let top = observed
        .iter()
        .map(|&n| f64::from(n))
        .chain(expected.iter().copied())
        .fold(1.0_f64, f64::max);
    let step = W / observed.len().max(1) as f64;
    let bars = observed
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let h = f64::from(n) / top * H;
            view! {
                <rect x=format!("{:.1}", i as f64 * step + step * 0.15) y=format!("{:.1}", H - h)
                    width=format!("{:.1}", step * 0.7) height=format!("{h:.1}") class="spark-bar"/>
            }
        })
        .collect_view();
    let line = expected
        .iter()
        .enumerate()
        .map(|(i, &e)| format!("{:.1},{:.1}", i as f64 * step + step / 2.0, H - e / top * H))
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <svg class="sparkline" viewBox=format!("0 0 {W} {H}") width=W height=H aria-hidden="true">
            {bars}
            <polyline points=line class="spark-expected"/>
        </svg>
    }
}

fn monthly_table(m: &MonthlyTopAnswer, lang: Lang) -> impl IntoView {
    let street = Msg::KpiScopeStreet.text(lang);
    let rows = m
        .communities
        .iter()
        .map(|c| {
            let place = c.community.as_ref().map_or_else(
                || street.to_owned(),
                |code| {
                    m.community_names
                        .get(code)
                        .cloned()
                        .unwrap_or_else(|| code.clone())
                },
            );
            let top = c
                .top
                .iter()
                .take(3)
                .map(|p| {
                    let name = m
                        .category_names
                        .get(&p.category)
                        .cloned()
                        .unwrap_or_else(|| p.category.clone());
                    i18n::problem_count(lang, &name, p.count, &format!("{:+}", p.change))
                })
                .collect::<Vec<_>>()
                .join("；");
            let code = c.community.clone().unwrap_or_default();
            view! {
                <tr data-testid="monthly-row" data-community=code>
                    <th scope="row">{place}</th>
                    <td class="num">{c.total}</td>
                    <td>{top}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="muted">{m.label.clone()}</p>
        <table class="monthly-table">
            <thead><tr>
                <th>{Msg::KpiScopeLabel.text(lang)}</th>
                <th class="num">{Msg::KpiReceived.text(lang)}</th>
                <th>{Msg::HotspotTopProblems.text(lang)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn rising_list(r: &RisingAnswer, lang: Lang) -> impl IntoView {
    let items = r
        .groups
        .iter()
        .map(|g| {
            let name = r
                .micro_names
                .get(&g.micro_grid)
                .cloned()
                .unwrap_or_else(|| g.micro_grid.clone());
            let category = g
                .category
                .as_ref()
                .map(|c| {
                    r.category_names
                        .get(c)
                        .cloned()
                        .unwrap_or_else(|| c.clone())
                })
                .unwrap_or_default();
            let counts = g
                .monthly
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" → ");
            view! {
                <li data-testid="rising-item" data-micro=g.micro_grid.clone()>
                    <b>{name}</b>" "<span>{category}</span>
                    <span class="muted">" "{counts}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="muted">{i18n::rising_tested(lang, &r.label, r.tested)}</p>
        <ul class="rising-list">{items}</ul>
    }
}
