//! 三圈议事: the board's tab of the three circles (邻里圈, 商户圈, 单位圈) and the 居民议事厅. The
//! meetings of the scope (newest first: topic, when, outcome, solved, shares paid), one of them in
//! full — its decision and vote, its ticket one click from the ticket card, the cost it shared
//! with each share paid or not, and the notice of the shares to print (费用分摊公示); a form to
//! record a meeting, with a live preview of the shares; and the circles' members, by circle, with
//! a form to add one. Personal data comes masked from the server to those who may not read it.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::Problem;
use binhe_api::circles::{
    CircleList, CircleQuery, DeliberationInput, DeliberationList, DeliberationView, MemberInput,
    MemberView, ShareView, SharerInput, SharingInput, SharingView,
};
use binhe_core::GridLevel;
use binhe_core::access::Role;
use binhe_core::circles::{
    Circle, Outcome, ShareBasis, ShareError, ShareRule, Votes, format_yuan, parse_yuan, shares,
};
use binhe_core::label::Labelled;

use super::dashboard::{Board, chooses_scope};
use crate::api::{ApiError, circles as api, projects as projects_api};
use crate::app::AppState;
use crate::components::form::{
    FieldProblems, field_key, local_problem, problems_at, problems_under, sort_problems,
};
use crate::components::{DateTimeField, ErrorText};
use crate::i18n::{self, Lang, Msg};
use crate::tickets::Desk;
use crate::tickets::time::{date_time, day, from_local_input, local_input, now, sleep};

/// The fields the member form shows problems under.
const MEMBER_FIELDS: [&str; 9] = [
    "circle",
    "community",
    "micro",
    "name",
    "contact",
    "phone",
    "address",
    "area_m2",
    "party_member",
];
/// The fields the meeting form shows problems under (and each sharer's row, `sharers.N`).
const MEETING_FIELDS: [&str; 16] = [
    "community",
    "micro",
    "topic",
    "place",
    "held_at",
    "attendees",
    "votes",
    "decision",
    "minutes",
    "participants",
    "ticket",
    "project",
    "item",
    "total_fen",
    "rule",
    "sharers",
];

/// What the tab shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pane {
    Meetings,
    Members,
}

/// The form open beside the list, if any.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Writing {
    Nothing,
    Member,
    Meeting,
}

/// Whether the signed-in role records meetings, payments and problems solved: the desk and the
/// community's commander.
fn may_decide(state: AppState) -> bool {
    state.session.with(|s| {
        s.as_ref()
            .is_none_or(|s| matches!(s.account.role, Role::Dispatcher | Role::Commander))
    })
}

/// Whether the signed-in role adds members: all but an administrator (who keeps the accounts,
/// not the street's records).
fn may_add_members(state: AppState) -> bool {
    state.session.with(|s| {
        s.as_ref()
            .is_none_or(|s| s.account.role != Role::Administrator)
    })
}

/// The street's communities (code, name) for the desk to choose from.
fn communities(state: AppState) -> Vec<(String, String)> {
    state.index.with(|index| {
        index.as_ref().map_or_else(Vec::new, |index| {
            index
                .community_codes
                .iter()
                .map(|code| {
                    let name = index.get(code).map_or(code.as_str(), |g| g.name.as_str());
                    (code.clone(), name.to_owned())
                })
                .collect()
        })
    })
}

/// The micro-grids (code, name) of `community`.
fn micro_grids(state: AppState, community: &str) -> Vec<(String, String)> {
    state.index.with(|index| {
        index.as_ref().map_or_else(Vec::new, |index| {
            index
                .children(community)
                .into_iter()
                .filter(|g| g.level == GridLevel::Micro)
                .map(|g| (g.code.clone(), g.name.clone()))
                .collect()
        })
    })
}

/// The community a new member or meeting is in at first: the board's, or a commander's own.
fn first_community(state: AppState, board: Board) -> String {
    board
        .community
        .get_untracked()
        .or_else(|| state.home_community())
        .unwrap_or_default()
}

/// The meeting form's field for a problem: `sharing.total_fen` at the total, `sharers[2]` or
/// `sharers.2.area_m2` at the third sharer's row.
fn meeting_key(field: &str) -> String {
    let field = field.strip_prefix("sharing.").unwrap_or(field);
    match field.strip_prefix("sharers") {
        Some(rest) => {
            let index: String = rest
                .trim_start_matches(['.', '['])
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if index.is_empty() {
                "sharers".to_owned()
            } else {
                format!("sharers.{index}")
            }
        }
        None => field_key(field),
    }
}

fn outcome_label(outcome: Outcome, lang: Lang) -> &'static str {
    lang.pick(outcome.label_zh(), outcome.label_en())
}

/// A member as a list names them: `渔阳茶社（商户圈）`.
fn member_label(m: &MemberView, lang: Lang) -> String {
    format!(
        "{}（{}）",
        m.name,
        lang.pick(m.circle.short_zh(), m.circle.short_en())
    )
}

/// What a share was reckoned from.
fn basis_text(lang: Lang, sharing: &SharingView, share: &ShareView) -> String {
    match sharing.rule {
        ShareRule::ByArea => share
            .basis
            .area_m2
            .map(|a| i18n::basis_area(lang, &a.to_string()))
            .unwrap_or_default(),
        ShareRule::Agreed => share
            .basis
            .agreed_fen
            .map(|f| i18n::basis_agreed(lang, &format_yuan(f)))
            .unwrap_or_default(),
        ShareRule::Equal => lang.pick(&sharing.rule_zh, &sharing.rule_en).to_owned(),
    }
}

#[component]
pub fn CirclesPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let pane = RwSignal::new(Pane::Meetings);
    let members = RwSignal::new(None::<Result<CircleList, ApiError>>);
    let meetings = RwSignal::new(None::<Result<DeliberationList, ApiError>>);
    let revision = RwSignal::new(0_u32);
    let writing = RwSignal::new(Writing::Nothing);
    // The meeting whose notice is shown to print.
    let notice = RwSignal::new(None::<i64>);
    let chosen = board.circles_focus;

    Effect::new(move || {
        revision.track();
        let community = board.community.get();
        let query = CircleQuery {
            community: community.clone(),
            ..CircleQuery::default()
        };
        spawn_local(async move {
            let (listed, held) = (api::members(&query).await, api::meetings(&query).await);
            if listed.as_ref().is_err_and(ApiError::is_signed_out)
                || board.community.get_untracked() != community
            {
                return;
            }
            members.set(Some(listed));
            meetings.set(Some(held));
        });
    });

    let find = move |id: i64| {
        meetings.with(|l| match l {
            Some(Ok(l)) => l.deliberations.iter().find(|d| d.id == id).cloned(),
            _ => None,
        })
    };
    let shown = Memo::new(move |_| find(chosen.get()?));
    // A meeting as the server answered a change of it.
    let replace = Callback::new(move |changed: DeliberationView| {
        meetings.update(|l| {
            if let Some(Ok(l)) = l
                && let Some(slot) = l.deliberations.iter_mut().find(|d| d.id == changed.id)
            {
                match (slot.solved_at.is_some(), changed.solved_at.is_some()) {
                    (false, true) => l.solved += 1,
                    (true, false) => l.solved = l.solved.saturating_sub(1),
                    _ => {}
                }
                *slot = changed;
            }
        });
    });

    let summary = move || {
        let lang = lang.get();
        let count = members.with(|m| match m {
            Some(Ok(m)) => Some(m.members.len()),
            _ => None,
        });
        meetings.with(|d| match (d, count) {
            (Some(Ok(d)), Some(count)) => i18n::circles_summary(lang, count, d.total, d.solved),
            _ => String::new(),
        })
    };
    let member_saved = Callback::new(move |()| {
        writing.set(Writing::Nothing);
        revision.update(|r| *r += 1);
    });
    let meeting_saved = Callback::new(move |id: i64| {
        writing.set(Writing::Nothing);
        chosen.set(Some(id));
        revision.update(|r| *r += 1);
    });
    let cancel = Callback::new(move |()| writing.set(Writing::Nothing));
    let pane_tab = move |this: Pane, label: Msg, testid: &'static str| {
        view! {
            <button type="button" role="tab" class="queue-tab" data-testid=testid
                class:active=move || pane.get() == this
                aria-selected=move || (pane.get() == this).to_string()
                on:click=move |_| pane.set(this)>
                {move || t(label)}
            </button>
        }
    };

    view! {
        <div class="circles" class:printing=move || notice.get().is_some() data-testid="circles">
            <div class="circles-screen">
                <div class="proactive-head">
                    <div class="queue-tabs circles-panes" role="tablist">
                        {pane_tab(Pane::Meetings, Msg::CirclesPaneMeetings, "circles-pane-meetings")}
                        {pane_tab(Pane::Members, Msg::CirclesPaneMembers, "circles-pane-members")}
                    </div>
                    <span class="proactive-info" data-testid="circles-summary">{summary}</span>
                    <div class="circles-actions">
                        <Show when=move || may_add_members(state)>
                            <button type="button" class="btn small" data-testid="circles-new-member"
                                on:click=move |_| {
                                    pane.set(Pane::Members);
                                    writing.set(Writing::Member);
                                }>{move || t(Msg::CirclesNewMember)}</button>
                        </Show>
                        <Show when=move || may_decide(state)>
                            <button type="button" class="btn small primary" data-testid="circles-new-meeting"
                                on:click=move |_| {
                                    pane.set(Pane::Meetings);
                                    writing.set(Writing::Meeting);
                                }>{move || t(Msg::CirclesNewMeeting)}</button>
                        </Show>
                    </div>
                </div>
                {move || match pane.get() {
                    Pane::Members => view! {
                        <div class="circles-body members" class:with-form=move || writing.get() == Writing::Member>
                            <MemberTable members changed=revision/>
                            <Show when=move || writing.get() == Writing::Member>
                                <div class="circles-side"><MemberForm saved=member_saved cancel/></div>
                            </Show>
                        </div>
                    }
                    .into_any(),
                    Pane::Meetings => view! {
                        <div class="circles-body meetings">
                            <MeetingList meetings chosen on_pick=Callback::new(move |()| writing.set(Writing::Nothing))/>
                            <div class="circles-side">
                                {move || {
                                    if writing.get() == Writing::Meeting {
                                        return view! { <MeetingForm saved=meeting_saved cancel/> }.into_any();
                                    }
                                    match shown.get() {
                                        Some(meeting) => view! { <MeetingDetail meeting replace notice/> }.into_any(),
                                        None => view! {
                                            <p class="muted circles-pick">{t(Msg::CirclesPickMeeting)}</p>
                                        }
                                        .into_any(),
                                    }
                                }}
                            </div>
                        </div>
                    }
                    .into_any(),
                }}
            </div>
            {move || notice.get().and_then(find).map(|meeting| view! {
                <PrintNotice meeting close=Callback::new(move |()| notice.set(None))/>
            })}
        </div>
    }
}

/// The meetings of the scope, newest first.
#[component]
fn MeetingList(
    meetings: RwSignal<Option<Result<DeliberationList, ApiError>>>,
    chosen: RwSignal<Option<i64>>,
    /// A meeting was picked: it shows instead of the form.
    on_pick: Callback<()>,
) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let t = move |m: Msg| m.text(lang.get());
    view! {
        <section class="circles-list" data-testid="deliberation-list">
            {move || meetings.with(|l| match l {
                None => view! { <p class="muted">{t(Msg::CirclesLoading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error"><ErrorText error=e.clone()/></p> }.into_any(),
                Some(Ok(l)) if l.deliberations.is_empty() => view! {
                    <p class="muted" data-testid="deliberations-none">{t(Msg::CirclesNoMeetings)}</p>
                }
                .into_any(),
                Some(Ok(l)) => l
                    .deliberations
                    .iter()
                    .map(|d| meeting_row(d, chosen, on_pick, lang))
                    .collect_view()
                    .into_any(),
            })}
        </section>
    }
}

fn meeting_row(
    d: &DeliberationView,
    chosen: RwSignal<Option<i64>>,
    on_pick: Callback<()>,
    lang: RwSignal<Lang>,
) -> impl IntoView + use<> {
    let id = d.id;
    let outcome = d.outcome;
    let solved = d.solved_at.is_some();
    let paid = d.sharing.as_ref().map(|s| (s.paid, s.shares.len()));
    let place = d.micro.as_ref().unwrap_or(&d.community).name.clone();
    view! {
        <button type="button" class="circles-row" data-testid="deliberation-row" data-id=id.to_string()
            data-outcome=outcome.as_str() data-solved=solved.to_string()
            class:active=move || chosen.get() == Some(id)
            on:click=move |_| {
                chosen.set(Some(id));
                on_pick.run(());
            }>
            <span class="circles-row-topic" data-field="topic">{d.topic.clone()}</span>
            <span class="circles-row-line">
                <span class="muted" data-field="held_at">{date_time(d.held_at)}</span>
                <span class="muted">{place}</span>
            </span>
            <span class="circles-row-line">
                <span class="badge outcome" data-outcome=outcome.as_str()>{move || outcome_label(outcome, lang.get())}</span>
                {solved.then(|| view! {
                    <span class="badge solved" data-testid="solved-badge">{move || Msg::MeetingSolved.text(lang.get())}</span>
                })}
                {paid.map(|(p, n)| view! {
                    <span class="muted" data-field="paid">{move || i18n::shares_paid(lang.get(), p, n)}</span>
                })}
            </span>
        </button>
    }
}

/// One meeting in full: where and when, who, the minutes, the decision and vote, its ticket and
/// project, the cost shared and each share paid or not; marking the problem solved, and the
/// notice to print.
#[component]
fn MeetingDetail(
    meeting: DeliberationView,
    replace: Callback<DeliberationView>,
    notice: RwSignal<Option<i64>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let desk = expect_context::<Desk>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let id = meeting.id;
    let solved = meeting.solved_at.is_some();
    let outcome = meeting.outcome;
    let set_paid = move |member: i64, paid: bool| {
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            let answer = api::set_paid(id, member, paid).await;
            busy.set(false);
            match answer {
                Ok(changed) => replace.run(changed),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let toggle_solved = move |_| {
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            let answer = api::set_solved(id, !solved).await;
            busy.set(false);
            match answer {
                Ok(changed) => replace.run(changed),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let print = move |_| {
        notice.set(Some(id));
        // Once the notice is on the page.
        spawn_local(async {
            sleep(Duration::ZERO).await;
            let _ = window().print();
        });
    };
    let place = match &meeting.micro {
        Some(micro) => format!("{} · {}", meeting.community.name, micro.name),
        None => meeting.community.name.clone(),
    };
    let participants = meeting
        .participants
        .iter()
        .map(|m| m.name.clone())
        .collect::<Vec<_>>()
        .join("、");
    let attendees = meeting.attendees;
    let votes = meeting.votes.map(|v| {
        view! {
            <dt>{move || t(Msg::MeetingVote)}</dt>
            <dd data-field="votes">{move || i18n::vote_line(lang.get(), v.in_favour, v.against, v.abstain)}</dd>
        }
    });
    let ticket = meeting.ticket.map(|ticket| {
        view! {
            <dt>{move || t(Msg::MeetingTicket)}</dt>
            <dd><button type="button" class="link mono" data-testid="deliberation-ticket" data-ticket=ticket.to_string()
                on:click=move |_| desk.open(ticket)>{format!("#{ticket}")}</button></dd>
        }
    });
    let project = meeting.project.as_ref().map(|p| {
        let title = p.title.clone();
        view! {
            <dt>{move || t(Msg::MeetingProject)}</dt>
            <dd data-field="project">{title}</dd>
        }
    });
    let minutes = (!meeting.minutes.is_empty()).then(|| {
        let text = meeting.minutes.clone();
        view! {
            <h4>{move || t(Msg::MeetingMinutes)}</h4>
            <p class="circles-text" data-field="minutes">{text}</p>
        }
    });
    let decision = (!meeting.decision.is_empty()).then(|| {
        let text = meeting.decision.clone();
        view! {
            <h4>{move || t(Msg::MeetingDecision)}</h4>
            <p class="circles-text circles-decision" data-field="decision">{text}</p>
        }
    });
    let deciding = move || may_decide(state);
    let sharing = meeting.sharing.clone().map(|sharing| {
        let total = sharing.total_fen;
        let count = sharing.shares.len();
        let (paid, paid_fen) = (sharing.paid, sharing.paid_fen);
        let line = {
            let s = sharing.clone();
            move || {
                let lang = lang.get();
                i18n::sharing_line(lang, &s.item, &format_yuan(s.total_fen), lang.pick(&s.rule_zh, &s.rule_en))
            }
        };
        let rows = sharing
            .shares
            .iter()
            .map(|share| {
                let member = share.member.id;
                let is_paid = share.paid_at.is_some();
                let basis = {
                    let (s, share) = (sharing.clone(), share.clone());
                    move || basis_text(lang.get(), &s, &share)
                };
                let paid_cell = move || {
                    let label = t(if is_paid { Msg::SharePaid } else { Msg::ShareUnpaid });
                    if deciding() {
                        view! {
                            <label class="check">
                                <input type="checkbox" data-testid="share-paid" prop:checked=is_paid
                                    disabled=move || busy.get()
                                    on:change=move |ev| set_paid(member, event_target_checked(&ev))/>
                                {label}
                            </label>
                        }
                        .into_any()
                    } else {
                        view! { <span>{label}</span> }.into_any()
                    }
                };
                view! {
                    <tr data-testid="share-row" data-member=member.to_string() data-paid=is_paid.to_string()
                        data-amount=share.amount_fen.to_string() class:paid=is_paid>
                        <td data-field="member">{share.member.name.clone()}</td>
                        <td data-field="basis">{basis}</td>
                        <td class="mono num" data-field="amount">{format_yuan(share.amount_fen)}</td>
                        <td data-field="paid">{paid_cell}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <section class="circles-sharing" data-testid="sharing">
                <h4>{move || t(Msg::ShareSection)}</h4>
                <p class="circles-text" data-field="sharing">{line}</p>
                <table class="circles-table">
                    <thead><tr>
                        <th>{move || t(Msg::ShareColMember)}</th>
                        <th>{move || t(Msg::ShareColBasis)}</th>
                        <th class="num">{move || t(Msg::ShareColAmount)}</th>
                        <th>{move || t(Msg::ShareColPaid)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                    <tfoot><tr>
                        <th colspan="2">{move || t(Msg::NoticeTotal)}</th>
                        <td class="mono num">{format_yuan(total)}</td>
                        <td data-testid="share-totals" data-paid=paid.to_string() data-paid-fen=paid_fen.to_string()>
                            {move || i18n::shares_paid_money(lang.get(), paid, count, &format_yuan(paid_fen), &format_yuan(total))}
                        </td>
                    </tr></tfoot>
                </table>
            </section>
        }
    });
    let has_sharing = meeting.sharing.is_some();
    view! {
        <article class="circles-detail" data-testid="deliberation-detail" data-id=id.to_string()
            data-outcome=outcome.as_str() data-solved=solved.to_string()>
            <header>
                <h3 class="project-title" data-field="topic">{meeting.topic.clone()}</h3>
                <span class="badge outcome" data-outcome=outcome.as_str()>{move || outcome_label(outcome, lang.get())}</span>
                {solved.then(|| view! {
                    <span class="badge solved" data-testid="solved-badge">{move || t(Msg::MeetingSolved)}</span>
                })}
            </header>
            <dl class="project-facts">
                <dt>{move || t(Msg::ColCommunity)}</dt>
                <dd data-field="community">{place}</dd>
                <dt>{move || t(Msg::MeetingTime)}</dt>
                <dd data-field="held_at">{date_time(meeting.held_at)}</dd>
                <dt>{move || t(Msg::MeetingPlace)}</dt>
                <dd data-field="place">{meeting.place.clone()}</dd>
                <dt>{move || t(Msg::MeetingAttendees)}</dt>
                <dd data-field="attendees">{move || i18n::people(lang.get(), attendees)}</dd>
                <dt>{move || t(Msg::MeetingParticipants)}</dt>
                <dd data-field="participants">{participants}</dd>
                {votes}
                {ticket}
                {project}
                <dt>{move || t(Msg::MeetingRecordedBy)}</dt>
                <dd data-field="recorded_by">{meeting.recorded_by.clone()}</dd>
            </dl>
            {minutes}
            {decision}
            {sharing}
            <div class="form-buttons">
                <Show when=move || outcome == Outcome::Agreed && deciding()>
                    <button type="button" class="btn small" class:primary=!solved data-testid="solved-toggle"
                        disabled=move || busy.get() on:click=toggle_solved>
                        {move || t(if solved { Msg::MeetingUnmarkSolved } else { Msg::MeetingMarkSolved })}
                    </button>
                </Show>
                {has_sharing.then(|| view! {
                    <button type="button" class="btn small" data-testid="print-open" on:click=print>
                        {move || t(Msg::SharePrint)}
                    </button>
                })}
            </div>
            {move || failure.get().map(|e| view! { <p class="action-error" role="alert"><ErrorText error=e/></p> })}
        </article>
    }
}

/// 费用分摊公示: the notice of a meeting's shares as the community posts it, on a white A4
/// page; in print it is all there is.
#[component]
fn PrintNotice(meeting: DeliberationView, close: Callback<()>) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let t = move |m: Msg| m.text(lang.get());
    let Some(sharing) = meeting.sharing.clone() else {
        return ().into_any();
    };
    let community = meeting.community.name.clone();
    let place = match &meeting.micro {
        Some(micro) => format!("{community} · {}", micro.name),
        None => community.clone(),
    };
    let lead = {
        let (community, topic, held) = (community, meeting.topic.clone(), day(meeting.held_at));
        move || i18n::notice_lead(lang.get(), &held, &community, &topic)
    };
    let closing = {
        let s = sharing.clone();
        move || {
            let lang = lang.get();
            i18n::notice_close(
                lang,
                &s.item,
                &format_yuan(s.total_fen),
                lang.pick(&s.rule_zh, &s.rule_en),
            )
        }
    };
    let rows = sharing
        .shares
        .iter()
        .enumerate()
        .map(|(i, share)| {
            let is_paid = share.paid_at.is_some();
            let basis = {
                let (s, share) = (sharing.clone(), share.clone());
                move || basis_text(lang.get(), &s, &share)
            };
            view! {
                <tr data-testid="notice-row">
                    <td class="num">{i + 1}</td>
                    <td>{share.member.name.clone()}</td>
                    <td>{basis}</td>
                    <td class="num">{format_yuan(share.amount_fen)}</td>
                    <td>{move || t(if is_paid { Msg::SharePaid } else { Msg::ShareUnpaid })}</td>
                </tr>
            }
        })
        .collect_view();
    let total = sharing.total_fen;
    let decision = meeting.decision.clone();
    view! {
        <div class="print-notice-wrap" data-testid="print-notice-wrap">
            <div class="print-actions">
                <button type="button" class="btn small primary" data-testid="print-notice-print"
                    on:click=move |_| { let _ = window().print(); }>{move || t(Msg::KpiReportPrint)}</button>
                <button type="button" class="btn small quiet" data-testid="print-notice-close"
                    on:click=move |_| close.run(())>{move || t(Msg::Close)}</button>
            </div>
            <article class="print-notice" data-testid="print-notice" data-id=meeting.id.to_string()>
                <h1>{move || t(Msg::NoticeTitle)}</h1>
                <p class="print-notice-meta" data-field="community">{place}</p>
                <p class="print-notice-topic" data-field="topic">{meeting.topic.clone()}</p>
                <p class="print-notice-text">{lead}</p>
                <p class="print-notice-text print-notice-decision" data-field="decision">{decision}</p>
                <p class="print-notice-text">{closing}</p>
                <table class="print-notice-table">
                    <thead><tr>
                        <th class="num">"#"</th>
                        <th>{move || t(Msg::ShareColMember)}</th>
                        <th>{move || t(Msg::ShareColBasis)}</th>
                        <th class="num">{move || t(Msg::ShareColAmount)}</th>
                        <th>{move || t(Msg::ShareColPaid)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                    <tfoot><tr>
                        <th colspan="3">{move || t(Msg::NoticeTotal)}</th>
                        <td class="num">{format_yuan(total)}</td>
                        <td></td>
                    </tr></tfoot>
                </table>
                <div class="print-notice-sign">
                    <p data-field="seal">{move || t(Msg::NoticeSeal)}</p>
                    <p data-field="date">{move || t(Msg::NoticeDate)}"："{day(now())}</p>
                </div>
            </article>
        </div>
    }
    .into_any()
}

/// The circles' members of the scope, by circle, each one click from leaving.
#[component]
fn MemberTable(
    members: RwSignal<Option<Result<CircleList, ApiError>>>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let filter = RwSignal::new(None::<Circle>);
    let confirming = RwSignal::new(None::<i64>);
    let failure = RwSignal::new(None::<ApiError>);
    let remove = move |id: i64| {
        failure.set(None);
        spawn_local(async move {
            match api::remove_member(id).await {
                Ok(_) => {
                    confirming.set(None);
                    changed.update(|r| *r += 1);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let count = move |circle: Option<Circle>| {
        members.with(|m| match m {
            Some(Ok(m)) => m
                .counts
                .iter()
                .filter(|c| circle.is_none_or(|circle| c.circle == circle))
                .map(|c| c.members)
                .sum::<u32>(),
            _ => 0,
        })
    };
    let chip = move |circle: Option<Circle>| {
        let key = circle.map_or("all", Circle::as_str);
        view! {
            <button type="button" role="tab" class="queue-tab" data-testid=format!("circle-chip-{key}")
                data-count=move || count(circle).to_string()
                class:active=move || filter.get() == circle
                aria-selected=move || (filter.get() == circle).to_string()
                on:click=move |_| filter.set(circle)>
                {move || match circle {
                    Some(c) => lang.get().pick(c.label_zh(), c.label_en()),
                    None => t(Msg::CirclesAll),
                }}
                <span class="count">{move || count(circle)}</span>
            </button>
        }
    };
    let masked =
        move || members.with(|m| matches!(m, Some(Ok(m)) if m.members.iter().any(|m| !m.personal)));
    let row = move |m: MemberView| {
        let id = m.id;
        let circle = (m.circle_zh.clone(), m.circle_en.clone());
        let grid = m.micro.as_ref().unwrap_or(&m.community).name.clone();
        let area = m.area_m2.map(|a| a.to_string()).unwrap_or_default();
        let party = m.party_member.then(|| {
            view! { <span class="badge party" data-testid="party-badge">{move || t(Msg::CirclesParty)}</span> }
        });
        let action = move || {
            // Taking a member out is the desk's and the commander's, as the server holds it.
            if !may_decide(state) {
                return ().into_any();
            }
            if confirming.get() == Some(id) {
                view! {
                    <span class="circles-confirm">{t(Msg::CirclesRemoveConfirm)}</span>
                    <button type="button" class="btn small danger" data-testid="member-remove-confirm"
                        on:click=move |_| remove(id)>{t(Msg::Confirm)}</button>
                    <button type="button" class="btn small quiet" on:click=move |_| confirming.set(None)>{t(Msg::Cancel)}</button>
                }
                .into_any()
            } else {
                view! {
                    <button type="button" class="btn small quiet" data-testid="member-remove"
                        on:click=move |_| confirming.set(Some(id))>{t(Msg::CirclesRemove)}</button>
                }
                .into_any()
            }
        };
        view! {
            <tr data-testid="circle-member-row" data-id=id.to_string() data-circle=m.circle.as_str()
                data-personal=m.personal.to_string()>
                <td data-field="name">{m.name.clone()}</td>
                <td data-field="circle">{move || lang.get().pick(&circle.0, &circle.1).to_owned()}</td>
                <td data-field="micro">{grid}</td>
                <td data-field="address">{m.address.clone()}</td>
                <td data-field="contact">{m.contact.clone()}</td>
                <td data-field="phone" class="mono">{m.phone.clone().unwrap_or_default()}</td>
                <td data-field="party">{party}</td>
                <td data-field="area" class="mono num">{area}</td>
                <td class="circles-row-actions">{action}</td>
            </tr>
        }
    };
    view! {
        <section class="circles-members" data-testid="circle-members">
            <div class="queue-tabs circles-chips" role="tablist">
                {chip(None)}
                {Circle::ALL.into_iter().map(|c| chip(Some(c))).collect_view()}
            </div>
            <Show when=masked>
                <p class="circles-masked muted" data-testid="circles-masked">{move || t(Msg::CirclesMasked)}</p>
            </Show>
            {move || failure.get().map(|e| view! { <p class="action-error" role="alert"><ErrorText error=e/></p> })}
            {move || members.with(|m| match m {
                None => view! { <p class="muted">{t(Msg::CirclesLoading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error"><ErrorText error=e.clone()/></p> }.into_any(),
                Some(Ok(m)) if m.members.is_empty() => view! {
                    <p class="muted" data-testid="circle-members-none">{t(Msg::CirclesNoMembers)}</p>
                }
                .into_any(),
                Some(Ok(_)) => view! {
                    <table class="circles-table members">
                        <thead><tr>
                            <th>{t(Msg::CirclesColName)}</th>
                            <th>{t(Msg::CirclesColCircle)}</th>
                            <th>{t(Msg::DiaryMicro)}</th>
                            <th>{t(Msg::AuditColAddress)}</th>
                            <th>{t(Msg::CirclesColContact)}</th>
                            <th>{t(Msg::CirclesColPhone)}</th>
                            <th>{t(Msg::CirclesParty)}</th>
                            <th class="num">{t(Msg::CirclesColArea)}</th>
                            <th></th>
                        </tr></thead>
                        <tbody>
                            {move || {
                                let only = filter.get();
                                members.with(|m| match m {
                                    Some(Ok(m)) => m
                                        .members
                                        .iter()
                                        .filter(|m| only.is_none_or(|c| m.circle == c))
                                        .cloned()
                                        .collect::<Vec<_>>(),
                                    _ => Vec::new(),
                                })
                                .into_iter()
                                .map(row)
                                .collect_view()
                            }}
                        </tbody>
                    </table>
                }
                .into_any(),
            })}
        </section>
    }
}

/// A text field of a form, with the problems at it.
fn text_field(
    problems: FieldProblems,
    key: &'static str,
    label: impl Fn() -> &'static str + Send + Sync + 'static,
    signal: RwSignal<String>,
    required: Signal<bool>,
) -> impl IntoView {
    view! {
        <label class="form-field">
            <span class="form-label" class:required=move || required.get()>{label}</span>
            <input type="text" data-input=key prop:value=move || signal.get()
                on:input=move |ev| signal.set(event_target_value(&ev))/>
            {problems_under(problems, key)}
        </label>
    }
}

/// The desk's community choice and the micro-grid (optional) of a form.
fn grid_fields(
    state: AppState,
    problems: FieldProblems,
    community: RwSignal<String>,
    micro: RwSignal<String>,
) -> impl IntoView {
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let community_field = move || {
        chooses_scope(state).then(|| {
            view! {
                <label class="form-field">
                    <span class="form-label required">{move || t(Msg::ColCommunity)}</span>
                    <select data-input="community" on:change=move |ev| {
                        community.set(event_target_value(&ev));
                        micro.set(String::new());
                    }>
                        <option value="" selected=move || community.get().is_empty()>{move || t(Msg::AccountChooseCommunity)}</option>
                        {move || communities(state).into_iter().map(|(code, name)| {
                            let is = code.clone();
                            view! { <option value=code selected=move || community.get() == is>{name}</option> }
                        }).collect_view()}
                    </select>
                    {problems_under(problems, "community")}
                </label>
            }
        })
    };
    view! {
        <div class="form-pair">
            {community_field}
            <label class="form-field">
                <span class="form-label">{move || t(Msg::CirclesMicroOptional)}</span>
                <select data-input="micro" on:change=move |ev| micro.set(event_target_value(&ev))>
                    <option value="" selected=move || micro.get().is_empty()>{move || t(Msg::CirclesWholeCommunity)}</option>
                    {move || micro_grids(state, &community.get()).into_iter().map(|(code, name)| {
                        let is = code.clone();
                        view! { <option value=code selected=move || micro.get() == is>{name}</option> }
                    }).collect_view()}
                </select>
                {problems_under(problems, "micro")}
            </label>
        </div>
    }
}

/// The form to add a member to a circle.
#[component]
fn MemberForm(saved: Callback<()>, cancel: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let circle = RwSignal::new(Circle::Neighbours);
    let community = RwSignal::new(first_community(state, board));
    let micro = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let area = RwSignal::new(String::new());
    let party = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let problems = FieldProblems::new(HashMap::new());
    let failure = RwSignal::new(None::<ApiError>);
    let submit = move |_| {
        problems.set(HashMap::new());
        failure.set(None);
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let area_text = text(area);
        let area_m2 = if area_text.is_empty() {
            None
        } else {
            let Some(a) = area_text
                .parse::<f64>()
                .ok()
                .filter(|a| a.is_finite() && *a > 0.0)
            else {
                problems.set(HashMap::from([(
                    "area_m2".to_owned(),
                    vec![local_problem("area_m2", "NOT_A_NUMBER", Msg::MemberBadArea)],
                )]));
                return;
            };
            Some(a)
        };
        let kind = circle.get_untracked();
        let input = MemberInput {
            circle: Some(kind),
            community: Some(text(community)).filter(|c| !c.is_empty()),
            micro: Some(text(micro)).filter(|m| !m.is_empty()),
            name: text(name),
            contact: if kind == Circle::Neighbours {
                String::new()
            } else {
                text(contact)
            },
            phone: text(phone),
            address: text(address),
            area_m2,
            party_member: party.get_untracked(),
        };
        busy.set(true);
        spawn_local(async move {
            let answer = api::add_member(&input).await;
            busy.set(false);
            match answer {
                Ok(_) => saved.run(()),
                Err(e) => {
                    let (fields, alone) =
                        sort_problems(e, field_key, |k| MEMBER_FIELDS.contains(&k));
                    problems.set(fields);
                    failure.set(alone);
                }
            }
        });
    };
    let name_label = move || {
        t(match circle.get() {
            Circle::Neighbours => Msg::MemberNameResident,
            Circle::Merchants => Msg::MemberNameShop,
            Circle::Units => Msg::MemberNameUnit,
        })
    };
    let address_label = move || {
        t(match circle.get() {
            Circle::Neighbours => Msg::MemberAddressResident,
            Circle::Merchants => Msg::MemberAddressShop,
            Circle::Units => Msg::MemberAddressUnit,
        })
    };
    view! {
        <section class="project-form" data-testid="member-form">
            <h3>{move || t(Msg::CirclesNewMember)}</h3>
            <form on:submit=move |ev| ev.prevent_default()>
                <label class="form-field">
                    <span class="form-label required">{move || t(Msg::MemberCircle)}</span>
                    {labelled_select(lang, "circle", Circle::ALL, circle, Circle::from_code)}
                    {problems_under(problems, "circle")}
                </label>
                {grid_fields(state, problems, community, micro)}
                {text_field(problems, "name", name_label, name, Signal::stored(true))}
                <Show when=move || circle.get() != Circle::Neighbours>
                    {text_field(problems, "contact", move || t(Msg::MemberContact), contact, Signal::stored(false))}
                </Show>
                <div class="form-pair">
                    {text_field(problems, "phone", move || t(Msg::MemberPhone), phone, Signal::stored(false))}
                    {text_field(problems, "area_m2", move || t(Msg::MemberArea), area, Signal::stored(false))}
                </div>
                {text_field(problems, "address", address_label, address, Signal::derive(move || circle.get() != Circle::Units))}
                <label class="check">
                    <input type="checkbox" data-input="party_member" prop:checked=move || party.get()
                        on:change=move |ev| party.set(event_target_checked(&ev))/>
                    {move || t(Msg::CirclesParty)}
                </label>
                {problems_under(problems, "party_member")}
                {move || failure.get().map(|e| view! { <p class="action-error" role="alert"><ErrorText error=e/></p> })}
                <div class="form-buttons">
                    <button type="button" class="btn primary" data-testid="member-save"
                        disabled=move || busy.get() on:click=submit>{move || t(Msg::MemberSave)}</button>
                    <button type="button" class="btn quiet" on:click=move |_| cancel.run(())>{move || t(Msg::Cancel)}</button>
                </div>
            </form>
        </section>
    }
}

/// A sharer's area or agreed amount as typed.
#[derive(Clone, Default, PartialEq)]
struct SharerText {
    area: String,
    agreed: String,
}

/// What a sharer's share is reckoned from, as typed.
fn basis_of(rule: ShareRule, text: &SharerText) -> ShareBasis {
    match rule {
        ShareRule::Equal => ShareBasis::default(),
        ShareRule::ByArea => ShareBasis {
            area_m2: text.area.trim().parse().ok(),
            agreed_fen: None,
        },
        ShareRule::Agreed => ShareBasis {
            area_m2: None,
            agreed_fen: parse_yuan(&text.agreed),
        },
    }
}

/// A whole number as typed: `None` when empty, `Err` when not one.
fn count_of(signal: RwSignal<String>) -> Result<Option<u32>, ()> {
    let text = signal.get_untracked();
    let text = text.trim();
    if text.is_empty() {
        Ok(None)
    } else {
        text.parse().map(Some).map_err(drop)
    }
}

/// The form to record a meeting: where, when, who, what was decided and by what vote, and the
/// cost it shares, with each share reckoned as it is typed.
#[component]
fn MeetingForm(saved: Callback<i64>, cancel: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let community = RwSignal::new(first_community(state, board));
    let micro = RwSignal::new(String::new());
    let topic = RwSignal::new(String::new());
    let place = RwSignal::new(String::new());
    let held = RwSignal::new(local_input(now()));
    let ticket = RwSignal::new(String::new());
    let project = RwSignal::new(String::new());
    let attendees = RwSignal::new(String::new());
    let minutes = RwSignal::new(String::new());
    let decision = RwSignal::new(String::new());
    let votes = [
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    ];
    let participants = RwSignal::new(HashSet::<i64>::new());
    let sharing_on = RwSignal::new(false);
    let item = RwSignal::new(String::new());
    let total = RwSignal::new(String::new());
    let rule = RwSignal::new(ShareRule::Equal);
    // The sharers ticked (by member id) and what was typed for each.
    let ticked = RwSignal::new(HashSet::<i64>::new());
    let typed = RwSignal::new(HashMap::<i64, SharerText>::new());
    // The community's members, to name and to share among.
    let pool = RwSignal::new(Vec::<MemberView>::new());
    // Projects (id, title, community code).
    let projects = RwSignal::new(Vec::<(i64, String, Option<String>)>::new());
    let busy = RwSignal::new(false);
    let problems = FieldProblems::new(HashMap::new());
    let failure = RwSignal::new(None::<ApiError>);

    Effect::new(move || {
        let code = community.get();
        if code.is_empty() && chooses_scope(state) {
            pool.set(Vec::new());
            return;
        }
        let query = CircleQuery {
            community: Some(code.clone()).filter(|c| !c.is_empty()),
            ..CircleQuery::default()
        };
        spawn_local(async move {
            if let Ok(list) = api::members(&query).await
                && community.try_get_untracked().as_ref() == Some(&code)
            {
                pool.set(list.members);
            }
        });
    });
    spawn_local(async move {
        if let Ok(list) = projects_api::list().await {
            projects.set(
                list.projects
                    .into_iter()
                    .map(|p| (p.id, p.title, p.community.map(|c| c.code.to_string())))
                    .collect(),
            );
        }
    });

    // The sharers in the order of the list, with what was typed for them (tracked).
    let sharers = move || {
        ticked.with(|ticked| {
            typed.with(|typed| {
                pool.with(|pool| {
                    pool.iter()
                        .filter(|m| ticked.contains(&m.id))
                        .map(|m| (m.id, typed.get(&m.id).cloned().unwrap_or_default()))
                        .collect::<Vec<_>>()
                })
            })
        })
    };
    // The total as typed: `None` while empty, `Some(None)` when it is not an amount.
    let total_fen =
        Memo::new(move |_| total.with(|t| (!t.trim().is_empty()).then(|| parse_yuan(t))));
    let preview = Memo::new(move |_| -> Option<Result<Vec<i64>, ShareError>> {
        if !sharing_on.get() {
            return None;
        }
        let fen = total_fen.get().flatten()?;
        let rule = rule.get();
        let basis: Vec<ShareBasis> = sharers().iter().map(|(_, s)| basis_of(rule, s)).collect();
        Some(shares(fen, rule, &basis))
    });

    let submit = move |_| {
        problems.set(HashMap::new());
        failure.set(None);
        let mut local = HashMap::<String, Vec<Problem>>::new();
        let mut refuse = |field: String, code: &str, msg: Msg| {
            let problem = local_problem(&field, code, msg);
            local.entry(field).or_default().push(problem);
        };
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let attendees_count = count_of(attendees).unwrap_or_else(|()| {
            refuse("attendees".into(), "NOT_A_NUMBER", Msg::MeetingBadNumber);
            None
        });
        let counted: Vec<Result<Option<u32>, ()>> = votes.iter().map(|v| count_of(*v)).collect();
        let vote = if counted.iter().any(Result::is_err) {
            refuse("votes".into(), "NOT_A_NUMBER", Msg::MeetingBadNumber);
            None
        } else {
            let [a, b, c] = [0, 1, 2].map(|i| counted[i].ok().flatten());
            (a.is_some() || b.is_some() || c.is_some()).then(|| Votes {
                in_favour: a.unwrap_or(0),
                against: b.unwrap_or(0),
                abstain: c.unwrap_or(0),
            })
        };
        let ticket_text = text(ticket);
        let ticket_text = ticket_text.trim_start_matches('#');
        let ticket_id = if ticket_text.is_empty() {
            None
        } else if let Ok(id) = ticket_text.parse::<i64>() {
            Some(id)
        } else {
            refuse("ticket".into(), "NOT_A_NUMBER", Msg::MeetingBadTicket);
            None
        };
        let sharing = if sharing_on.get_untracked() {
            let total_fen = match total_fen.get_untracked() {
                Some(Some(fen)) => fen,
                Some(None) => {
                    refuse("total_fen".into(), "NOT_AN_AMOUNT", Msg::ShareBadTotal);
                    0
                }
                None => 0,
            };
            let rule = rule.get_untracked();
            let rows = sharers();
            let mut list = Vec::with_capacity(rows.len());
            for (i, (member, typed)) in rows.iter().enumerate() {
                let basis = basis_of(rule, typed);
                if rule == ShareRule::Agreed
                    && !typed.agreed.trim().is_empty()
                    && basis.agreed_fen.is_none()
                {
                    refuse(format!("sharers.{i}"), "NOT_AN_AMOUNT", Msg::ShareBadAgreed);
                }
                if rule == ShareRule::ByArea
                    && !typed.area.trim().is_empty()
                    && basis.area_m2.is_none()
                {
                    refuse(format!("sharers.{i}"), "NOT_A_NUMBER", Msg::MemberBadArea);
                }
                list.push(SharerInput {
                    member: *member,
                    basis,
                });
            }
            Some(SharingInput {
                item: text(item),
                total_fen,
                rule,
                sharers: list,
            })
        } else {
            None
        };
        if !local.is_empty() {
            problems.set(local);
            return;
        }
        let named = participants.with_untracked(|chosen| {
            pool.with_untracked(|pool| {
                pool.iter()
                    .filter(|m| chosen.contains(&m.id))
                    .map(|m| m.id)
                    .collect()
            })
        });
        let input = DeliberationInput {
            community: Some(text(community)).filter(|c| !c.is_empty()),
            micro: Some(text(micro)).filter(|m| !m.is_empty()),
            topic: text(topic),
            place: text(place),
            held_at: from_local_input(&held.get_untracked()),
            ticket: ticket_id,
            project: project.get_untracked().parse().ok(),
            participants: named,
            attendees: attendees_count.unwrap_or(0),
            minutes: text(minutes),
            decision: text(decision),
            votes: vote,
            sharing,
        };
        busy.set(true);
        spawn_local(async move {
            let answer = api::record(&input).await;
            busy.set(false);
            match answer {
                Ok(kept) => saved.run(kept.id),
                Err(e) => {
                    let (fields, alone) = sort_problems(e, meeting_key, |k| {
                        MEETING_FIELDS.contains(&k) || k.starts_with("sharers.")
                    });
                    problems.set(fields);
                    failure.set(alone);
                }
            }
        });
    };

    let text_area = move |key: &'static str, label: Msg, signal: RwSignal<String>| {
        view! {
            <label class="form-field">
                <span class="form-label">{move || t(label)}</span>
                <textarea rows="3" data-input=key prop:value=move || signal.get()
                    on:input=move |ev| signal.set(event_target_value(&ev))></textarea>
                {problems_under(problems, key)}
            </label>
        }
    };
    let vote_field = move |key: &'static str, label: Msg, signal: RwSignal<String>| {
        view! {
            <label class="circles-vote">
                <span class="form-label">{move || t(label)}</span>
                <input type="number" min="0" data-input=key prop:value=move || signal.get()
                    on:input=move |ev| signal.set(event_target_value(&ev))/>
            </label>
        }
    };
    let project_options = move || {
        let here = community.get();
        projects.with(|all| {
            all.iter()
                .filter(|(_, _, c)| here.is_empty() || c.as_ref().is_none_or(|c| *c == here))
                .map(|(id, title, _)| {
                    let value = id.to_string();
                    let is = value.clone();
                    view! { <option value=value selected=move || project.get() == is>{title.clone()}</option> }
                })
                .collect_view()
        })
    };
    let participant_boxes = move || {
        let lang = lang.get();
        let unchosen = community.with(String::is_empty);
        pool.with(|pool| {
            if pool.is_empty() {
                let why = if unchosen {
                    Msg::MeetingChooseCommunity
                } else {
                    Msg::MeetingNoMembers
                };
                return view! { <p class="muted small" data-testid="meeting-no-members">{why.text(lang)}</p> }
                    .into_any();
            }
            pool.iter()
                .map(|m| {
                    let id = m.id;
                    view! {
                        <label class="check">
                            <input type="checkbox" data-testid="meeting-participant" data-member=id.to_string()
                                prop:checked=move || participants.with(|p| p.contains(&id))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    participants.update(|p| {
                                        if on { p.insert(id); } else { p.remove(&id); }
                                    });
                                }/>
                            {member_label(m, lang)}
                        </label>
                    }
                })
                .collect_view()
                .into_any()
        })
    };
    // One row per member of the community: ticked, what it is reckoned from, its share. Typing
    // does not redraw the rows (only ticking and the rule do), so the field keeps its cursor.
    let sharer_rows = move || {
        let lang = lang.get();
        let rule = rule.get();
        let chosen = ticked.get();
        let mut index = 0_usize;
        pool.with(|pool| {
            pool.iter()
                .map(|m| {
                    let id = m.id;
                    let area = m.area_m2;
                    let position = chosen.contains(&id).then(|| {
                        index += 1;
                        index - 1
                    });
                    let tick = move |ev: leptos::ev::Event| {
                        let on = event_target_checked(&ev);
                        if on {
                            typed.update(|t| {
                                t.entry(id).or_insert_with(|| SharerText {
                                    area: area.map(|a| a.to_string()).unwrap_or_default(),
                                    agreed: String::new(),
                                });
                            });
                        }
                        ticked.update(|t| {
                            if on { t.insert(id); } else { t.remove(&id); }
                        });
                    };
                    let basis_input = position.and_then(|_| match rule {
                        ShareRule::Equal => None,
                        ShareRule::ByArea => Some(view! {
                            <input type="text" class="circles-basis" data-input="sharer-area"
                                placeholder=Msg::CirclesColArea.text(lang)
                                prop:value=move || typed.with(|t| t.get(&id).map(|s| s.area.clone()).unwrap_or_default())
                                on:input=move |ev| {
                                    let value = event_target_value(&ev);
                                    typed.update(|t| t.entry(id).or_default().area = value);
                                }/>
                        }.into_any()),
                        ShareRule::Agreed => Some(view! {
                            <input type="text" class="circles-basis" data-input="sharer-agreed"
                                placeholder=Msg::ShareColAmount.text(lang)
                                prop:value=move || typed.with(|t| t.get(&id).map(|s| s.agreed.clone()).unwrap_or_default())
                                on:input=move |ev| {
                                    let value = event_target_value(&ev);
                                    typed.update(|t| t.entry(id).or_default().agreed = value);
                                }/>
                        }.into_any()),
                    });
                    let share = move || {
                        let i = position?;
                        preview.with(|p| match p {
                            Some(Ok(parts)) => parts.get(i).map(|fen| format_yuan(*fen)),
                            _ => None,
                        })
                    };
                    let row_problems = position.map(|i| problems_at(problems, format!("sharers.{i}")));
                    view! {
                        <tr data-testid="meeting-sharer" data-member=id.to_string() data-ticked=position.is_some().to_string()>
                            <td>
                                <label class="check">
                                    <input type="checkbox" data-input="sharer" prop:checked=position.is_some() on:change=tick/>
                                    {member_label(m, lang)}
                                </label>
                                {row_problems}
                            </td>
                            <td>{basis_input}</td>
                            <td class="mono num" data-field="share">{share}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let preview_error = move || {
        preview.with(|p| match p {
            Some(Err(e)) => Some(i18n::share_error(lang.get(), e)),
            _ => None,
        })
        .map(|text| view! { <p class="circles-preview-error" data-testid="share-preview-error">{text}</p> })
    };
    let unreadable_total = move || {
        (total_fen.get() == Some(None)).then(|| {
            view! {
                <span class="field-error" data-testid="share-total-unreadable">{move || t(Msg::ShareBadTotal)}</span>
            }
        })
    };

    view! {
        <section class="project-form" data-testid="meeting-form">
            <h3>{move || t(Msg::CirclesNewMeeting)}</h3>
            <form on:submit=move |ev| ev.prevent_default()>
                {grid_fields(state, problems, community, micro)}
                {text_field(problems, "topic", move || t(Msg::MeetingTopic), topic, Signal::stored(true))}
                <div class="form-pair">
                    {text_field(problems, "place", move || t(Msg::MeetingPlace), place, Signal::stored(false))}
                    <label class="form-field">
                        <span class="form-label">{move || t(Msg::MeetingHeldAt)}</span>
                        <DateTimeField input="held_at" value=held
                            on_input=Callback::new(move |v| held.set(v))/>
                        {problems_under(problems, "held_at")}
                    </label>
                </div>
                <div class="form-pair">
                    {text_field(problems, "ticket", move || t(Msg::MeetingTicketNumber), ticket, Signal::stored(false))}
                    <label class="form-field">
                        <span class="form-label">{move || t(Msg::MeetingProject)}</span>
                        <select data-input="project" on:change=move |ev| project.set(event_target_value(&ev))>
                            <option value="" selected=move || project.get().is_empty()>{move || t(Msg::MeetingNoProject)}</option>
                            {project_options}
                        </select>
                        {problems_under(problems, "project")}
                    </label>
                </div>
                <fieldset class="form-field circles-pick" data-testid="meeting-participants">
                    <legend class="form-label">{move || t(Msg::MeetingParticipants)}</legend>
                    {participant_boxes}
                    {problems_under(problems, "participants")}
                </fieldset>
                <div class="form-pair">
                    <label class="form-field">
                        <span class="form-label required">{move || t(Msg::MeetingAttendees)}</span>
                        <input type="number" min="1" data-input="attendees" prop:value=move || attendees.get()
                            on:input=move |ev| attendees.set(event_target_value(&ev))/>
                        {problems_under(problems, "attendees")}
                    </label>
                    <div class="form-field">
                        <span class="form-label">{move || t(Msg::MeetingVotes)}</span>
                        <div class="circles-votes">
                            {vote_field("votes-for", Msg::VoteFor, votes[0])}
                            {vote_field("votes-against", Msg::VoteAgainst, votes[1])}
                            {vote_field("votes-abstain", Msg::VoteAbstain, votes[2])}
                        </div>
                        {problems_under(problems, "votes")}
                    </div>
                </div>
                {text_area("minutes", Msg::MeetingMinutes, minutes)}
                {text_area("decision", Msg::MeetingDecision, decision)}
                <label class="check circles-sharing-on">
                    <input type="checkbox" data-input="sharing" prop:checked=move || sharing_on.get()
                        on:change=move |ev| sharing_on.set(event_target_checked(&ev))/>
                    {move || t(Msg::ShareOn)}
                </label>
                <Show when=move || sharing_on.get()>
                    <fieldset class="circles-sharing-form" data-testid="meeting-sharing">
                        <legend>{move || t(Msg::ShareSection)}</legend>
                        {text_field(problems, "item", move || t(Msg::ShareItem), item, Signal::stored(false))}
                        <div class="form-pair">
                            <label class="form-field">
                                <span class="form-label required">{move || t(Msg::ShareTotal)}</span>
                                <input type="text" data-input="total" placeholder=move || t(Msg::ShareTotalHint)
                                    prop:value=move || total.get()
                                    on:input=move |ev| total.set(event_target_value(&ev))/>
                                {unreadable_total}
                                {problems_under(problems, "total_fen")}
                            </label>
                            <label class="form-field">
                                <span class="form-label">{move || t(Msg::ShareRuleLabel)}</span>
                                {labelled_select(lang, "rule", ShareRule::ALL, rule, ShareRule::from_code)}
                                {problems_under(problems, "rule")}
                            </label>
                        </div>
                        <div class="form-field">
                            <span class="form-label">{move || t(Msg::ShareSharers)}</span>
                            <table class="circles-table sharers">
                                <thead><tr>
                                    <th>{move || t(Msg::ShareColMember)}</th>
                                    <th>{move || t(Msg::ShareColBasis)}</th>
                                    <th class="num">{move || t(Msg::ShareColAmount)}</th>
                                </tr></thead>
                                <tbody>{sharer_rows}</tbody>
                            </table>
                            {problems_under(problems, "sharers")}
                            {preview_error}
                        </div>
                    </fieldset>
                </Show>
                {move || failure.get().map(|e| view! { <p class="action-error" role="alert"><ErrorText error=e/></p> })}
                <div class="form-buttons">
                    <button type="button" class="btn primary" data-testid="meeting-save"
                        disabled=move || busy.get() on:click=submit>{move || t(Msg::MeetingSave)}</button>
                    <button type="button" class="btn quiet" on:click=move |_| cancel.run(())>{move || t(Msg::Cancel)}</button>
                </div>
            </form>
        </section>
    }
}

/// A select (`data-input=field`) of every value of a labelled enum, bound to `value`.
fn labelled_select<T>(
    lang: RwSignal<Lang>,
    field: &'static str,
    all: impl IntoIterator<Item = T>,
    value: RwSignal<T>,
    from_code: fn(&str) -> Option<T>,
) -> impl IntoView
where
    T: Labelled + PartialEq + Send + Sync + 'static,
{
    let options = all
        .into_iter()
        .map(|v| {
            view! {
                <option value=v.code() selected=move || value.get() == v>
                    {move || lang.get().pick(v.label_zh(), v.label_en())}
                </option>
            }
        })
        .collect_view();
    view! {
        <select data-input=field on:change=move |ev| {
            if let Some(v) = from_code(&event_target_value(&ev)) {
                value.set(v);
            }
        }>{options}</select>
    }
}

#[cfg(test)]
mod tests {
    use super::meeting_key;

    #[test]
    fn a_sharer_problem_shows_at_its_row_and_the_sharing_at_its_fields() {
        assert_eq!(meeting_key("sharers.2"), "sharers.2");
        assert_eq!(meeting_key("sharers[3].agreed_fen"), "sharers.3");
        assert_eq!(meeting_key("sharing.total_fen"), "total_fen");
        assert_eq!(meeting_key("sharers"), "sharers");
        assert_eq!(meeting_key("votes.for"), "votes");
    }
}
