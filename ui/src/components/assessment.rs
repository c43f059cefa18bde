//! 考核: communities, micro-grids or workers ranked by a weighted score of their response,
//! resolution and satisfaction rates. The weights (default 30/35/35) are typed here and
//! checked by the server, whose refusal is shown as it words it.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::dashboard::{Board, chooses_scope, hover};
use super::kpi_charts::RankingChart;
use crate::api::ApiError;
use binhe_api::kpi::AssessmentAnswer;
use binhe_core::kpi::{Assessment, SubjectKind, Weights};

use crate::api::kpi::{self, Drill};
use crate::api::texts::Named;
use crate::app::AppState;
use crate::components::ErrorText;
use crate::i18n::Msg;
use crate::kpi::{counts, percent, score, sort_by_score, weight_text};

pub(super) fn default_weights() -> [String; 3] {
    let w = Weights::default();
    [w.response(), w.resolution(), w.satisfaction()].map(weight_text)
}

#[component]
pub fn AssessmentPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    // The kind picked; `kind` below is the one shown.
    let picked = RwSignal::new(SubjectKind::Community);
    // A community's own figures (a commander's, or the one a dispatcher chose) rank its
    // micro-grids and workers: a ranking of communities would list it alone, first.
    let in_community =
        Memo::new(move |_| !chooses_scope(state) || board.community.with(Option::is_some));
    let kind = Memo::new(move |_| match picked.get() {
        SubjectKind::Community if in_community.get() => SubjectKind::Micro,
        other => other,
    });
    let weights = board.weights;
    let best_first = RwSignal::new(true);
    // The last ranking the server gave; a refused weighting leaves it greyed under the error.
    let ranking = RwSignal::new(None::<AssessmentAnswer>);
    let error = RwSignal::new(None::<ApiError>);
    let loading = RwSignal::new(false);

    Effect::new(move || {
        let asked = (board.query(), kind.get(), weights.get());
        loading.set(true);
        spawn_local(async move {
            let result = kpi::assessment(&asked.0, asked.1.as_str(), &asked.2).await;
            // An answer to a question since changed (or to a panel since closed) is dropped.
            let now_asked = kind.try_get_untracked().zip(weights.try_get_untracked());
            if board.query_untracked() != asked.0 || now_asked != Some((asked.1, asked.2)) {
                return;
            }
            loading.set(false);
            match result {
                Ok(a) => {
                    error.set(None);
                    ranking.set(Some(a));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });

    let kind_buttons = move || {
        SubjectKind::ALL
            .into_iter()
            .filter(|k| *k != SubjectKind::Community || !in_community.get())
            .map(|k| {
                view! {
                    <button type="button" role="tab" class="board-tab small" data-testid=format!("kpi-kind-{}", k.as_str())
                        class:active=move || kind.get() == k aria-selected=move || (kind.get() == k).to_string()
                        on:click=move |_| picked.set(k)>
                        {move || k.name(lang.get())}
                    </button>
                }
            })
            .collect_view()
    };
    let weight_input = move |i: usize, label: Msg| {
        view! {
            <label class="weight">
                <span>{move || t(label)}</span>
                <input type="number" min="0" max="100" step="1" class="board-input weight-input"
                    data-testid=format!("kpi-weight-{i}")
                    prop:value=move || weights.with(|w| w[i].clone())
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        weights.update(|w| w[i] = value);
                    }/>
            </label>
        }
    };
    let sum = move || {
        weights.with(|w| {
            crate::kpi::parse_weights([w[0].as_str(), w[1].as_str(), w[2].as_str()])
                .map(|w| weight_text(w.iter().sum()))
        })
    };
    let rows = move || {
        ranking.with(|r| {
            let mut rows: Vec<Assessment> = r.as_ref().map(|a| a.rows.clone()).unwrap_or_default();
            sort_by_score(&mut rows, |r| r.score, best_first.get());
            rows
        })
    };
    let drills = move || kind.get() != SubjectKind::Community;
    // The server's definition of the score when the dashboard is in, else the UI's own.
    let score_definition = move || {
        board.dashboard.with(|d| match d {
            Some(Ok(d)) if d.definition("score").is_some() => {
                hover(d.definition("score"), lang.get())
            }
            _ => t(Msg::KpiScoreDefinition).to_owned(),
        })
    };

    view! {
        <section class="assessment" data-testid="kpi-assessment" data-kind=move || kind.get().as_str()
            aria-busy=move || loading.get().to_string()>
            <header class="assessment-head">
                <h3 class="chart-title" title=score_definition>{move || t(Msg::KpiAssessmentTitle)}</h3>
                <div class="board-tabs" role="tablist">{kind_buttons}</div>
                <div class="weights" title=move || t(Msg::KpiWeightsHint)>
                    <span class="muted">{move || t(Msg::KpiWeights)}</span>
                    {weight_input(0, Msg::KpiResponse)}
                    {weight_input(1, Msg::KpiResolution)}
                    {weight_input(2, Msg::KpiSatisfaction)}
                    <span class="weight-sum mono" class:bad=move || sum().is_none_or(|s| s != "100")>
                        {move || format!("= {}", sum().unwrap_or_else(|| "?".to_owned()))}
                    </span>
                    <button type="button" class="btn small quiet" data-testid="kpi-weights-reset"
                        on:click=move |_| weights.set(default_weights())>{move || t(Msg::KpiWeightsReset)}</button>
                </div>
            </header>
            {move || error.get().map(|e| view! {
                <p class="weights-error card-error" data-testid="kpi-weights-error"><ErrorText error=e/></p>
            })}
            <div class="assessment-body" class:stale=move || error.with(Option::is_some)>
                <div class="table-wrap">
                    <table class="ranking-table" data-testid="kpi-ranking-table">
                        <thead>
                            <tr>
                                <th class="num">{move || t(Msg::KpiRank)}</th>
                                <th>{move || t(Msg::KpiSubject)}</th>
                                <th class="num">{move || t(Msg::KpiReceived)}</th>
                                <th class="num">{move || t(Msg::KpiResponse)}</th>
                                <th class="num">{move || t(Msg::KpiResolution)}</th>
                                <th class="num">{move || t(Msg::KpiSatisfaction)}</th>
                                <th class="num sortable" data-testid="kpi-sort-score"
                                    title=move || t(Msg::KpiSortByScore)
                                    aria-sort=move || if best_first.get() { "descending" } else { "ascending" }
                                    on:click=move |_| best_first.update(|b| *b = !*b)>
                                    {move || t(Msg::KpiScore)}{move || if best_first.get() { " ▼" } else { " ▲" }}
                                </th>
                            </tr>
                        </thead>
                        <tbody>
                            {move || rows().into_iter().map(|r| {
                                let received = if drills() {
                                    let drill = Drill {
                                        micro: (kind.get_untracked() == SubjectKind::Micro).then(|| r.subject.clone()),
                                        worker: (kind.get_untracked() == SubjectKind::Worker).then(|| r.subject.clone()),
                                        ..Drill::of("received")
                                    };
                                    view! {
                                        <button type="button" class="kpi-number" data-testid="kpi-drill" data-metric="received"
                                            data-value=r.received on:click=move |_| board.drill.set(Some(drill.clone()))>
                                            {r.received}
                                        </button>
                                    }.into_any()
                                } else {
                                    view! { <span>{r.received}</span> }.into_any()
                                };
                                view! {
                                    <tr data-testid="kpi-ranking-row" data-subject=r.subject.clone()
                                        data-rank=r.rank.map(|n| n.to_string()) data-score=r.score.map(|s| format!("{s:.2}"))>
                                        <td class="num rank">{r.rank.map_or_else(|| "—".to_owned(), |n| n.to_string())}</td>
                                        <td title=r.subject.clone()>{r.name.clone()}</td>
                                        <td class="num">{received}</td>
                                        <td class="num" title=counts(&r.response)>{percent(&r.response)}</td>
                                        <td class="num" title=counts(&r.resolution)>{percent(&r.resolution)}</td>
                                        <td class="num" title=counts(&r.satisfaction)>{percent(&r.satisfaction)}</td>
                                        <td class="num score">{score(r.score)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                {move || ranking.get().map(|a| view! { <RankingChart rows=a.rows/> })}
            </div>
        </section>
    }
}
