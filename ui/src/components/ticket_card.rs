//! The ticket card: what the request is, where it is routed, who owns and holds it, its
//! deadlines, duplicates, the workers responsible and nearby, the actions its state allows,
//! and the timeline of every step.

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::diary::UnitWard;
use binhe_api::tickets::{
    EventView, NearbyCamera, TIMELINE_FORMATS, TicketDetail, TicketView, TicketWorker,
};
use binhe_core::ticket::{ActionKind, ActorRole, Channel, TicketId, Urgency};
use binhe_core::{Health, WorkerKind};

use super::export::{self, Download};
use super::queue::unclassified_tag;
use super::slip::SlipButton;
use super::ticket_actions::{ActionBar, ActionForm, send};
use crate::api::texts::{self, Named, TicketNames};
use crate::api::{ApiError, diary};
use crate::app::AppState;
use crate::cameras::{CameraHealth, VideoWall};
use crate::components::{CloseButton, DownloadStatus, ErrorText, PhotoStrip};
use crate::i18n::{self, Lang, Msg, open_load};
use crate::map::devices::health_colour;
use crate::tickets::Desk;
use crate::tickets::actions::OnTheCard;
use crate::tickets::queue::Tone;
use crate::tickets::time::{date_time, distance, short_with_seconds, time_left};

#[component]
pub fn TicketCard() -> impl IntoView {
    let state = expect_context::<AppState>();
    let desk = expect_context::<Desk>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let form = ActionForm::blank();
    // Another ticket: whatever was being filled in, and the camera ringed, belonged to the
    // previous one.
    Effect::new(move || {
        desk.selected.track();
        form.reset();
        desk.camera_focus.set(None);
    });

    let body = move || {
        match desk.detail.get() {
        None => view! { <div class="card-status">{move || t(Msg::TicketLoading)}</div> }.into_any(),
        Some(Err(e)) => view! {
            <div class="card-status card-error">{move || t(Msg::ErrorLoadTicket)}"："<ErrorText error=e/></div>
        }
        .into_any(),
        Some(Ok(detail)) => card_body(lang, desk, form, &detail),
    }
    };

    view! {
        <Show when=move || desk.selected.get().is_some()>
            <section class="card ticket-card" data-testid="ticket-card"
                data-ticket-id=move || desk.selected.get().map(|id| id.to_string())
                aria-live="polite">
                <CloseButton testid="ticket-card-close" on_close=Callback::new(move |()| desk.close())/>
                {body}
            </section>
        </Show>
    }
}

/// 待同步 on a ticket with actions kept in the outbox: done here, not yet by the center.
pub(super) fn pending_tag(lang: RwSignal<Lang>, id: i64) -> impl IntoView {
    move || {
        let n = crate::offline::Terminal::get().waiting_on(id);
        (n > 0).then(|| {
            view! {
                <span class="pending-tag" data-testid="pending-tag" data-count=n.to_string()
                    title=move || Msg::PendingTitle.text(lang.get())>
                    {move || Msg::PendingTag.text(lang.get())}
                </span>
            }
        })
    }
}

/// A `<dt>`/`<dd>` pair; `data-field` names the value for tests.
fn field(
    lang: RwSignal<Lang>,
    label: Msg,
    key: &'static str,
    value: impl IntoView + 'static,
) -> impl IntoView {
    view! {
        <dt>{move || label.text(lang.get())}</dt>
        <dd data-field=key>{value}</dd>
    }
}

/// 来源编号 as a person reads it: the channel by name, then what the number is — a patrol's
/// grid worker, an alert's camera — as in 网格巡查 · 网格员 ZZ001. A reference that only repeats
/// the channel's code (a patrol report with no worker known) is the channel alone.
fn source_text(lang: Lang, channel: Channel, source: &str) -> String {
    let name = channel.name(lang);
    if source.eq_ignore_ascii_case(channel.as_str()) {
        return name.to_owned();
    }
    let what = match channel {
        Channel::Patrol => Msg::SourceWorker,
        Channel::Camera => Msg::SourceCamera,
        _ => Msg::SourceNumber,
    };
    format!("{name} · {} {source}", what.text(lang))
}

fn card_body(lang: RwSignal<Lang>, desk: Desk, form: ActionForm, d: &TicketDetail) -> AnyView {
    let t = move |m: Msg| m.text(lang.get());
    let ticket = d.ticket.clone();
    let tk = ticket.clone();
    let sla = Memo::new(move |_| desk.sla(&tk));
    let state = ticket.state;
    let tone = move || Tone::of(state, sla.get());
    let names = (ticket.clone(), ticket.clone(), ticket.clone());
    let due = ticket.due_at;

    view! {
        <header class="card-head">
            <span class=move || format!("state-tag tone-{}", tone().as_str()) data-field="state">
                {move || names.0.state_name(lang.get()).to_owned()}
            </span>
            <h2 class="card-title" data-field="category">{move || names.1.category_name(lang.get()).to_owned()}</h2>
            {unclassified_tag(lang, &ticket)}
            {pending_tag(lang, ticket.id)}
            {ticket.state.is_open().then(|| view! {
                <span class=move || format!("sla-chip tone-{}", tone().as_str()) data-field="time-left">
                    {move || time_left(lang.get(), due, desk.now.get())}
                </span>
            })}
        </header>
        <p class="ticket-sub">
            <span class="mono" data-field="id">{format!("#{}", ticket.id)}</span>
            <span>{move || names.2.channel_name(lang.get()).to_owned()}</span>
            {ticket.external_id.clone().map(|e| view! { <span class="mono">{e}</span> })}
            {ticket.is_urgent().then(|| view! { <span class="urgent-tag">{move || Urgency::Urgent.name(lang.get())}</span> })}
            <span class="ticket-sub-tools"><SlipButton detail=d.clone()/></span>
        </p>
        <p class="ticket-description" data-field="description">{ticket.description.clone()}</p>
        // A camera alert's evidence comes first: what the analytics saw, and the camera live.
        {alert_camera(lang, desk, &ticket)}
        // What the worker found and left there: the photos kept with the ticket.
        {(!d.photos.is_empty()).then(|| view! {
            <h3 class="card-subtitle">{move || t(Msg::TicketPhotos)}" "<span class="count">{d.photos.len()}</span></h3>
            <PhotoStrip lang urls=d.photos.clone()/>
        })}
        {flag_box(lang, desk, form, &ticket)}
        <ActionBar ticket=ticket.clone() events=d.events.clone() form/>
        <dl class="card-fields ticket-fields">{fields(lang, desk, &ticket)}</dl>
        {duplicates(lang, desk, &d.duplicates)}
        {workers(lang, Msg::TicketResponsible, "responsible", &d.responsible)}
        {workers(lang, Msg::TicketNearest, "nearest", &d.nearest)}
        {cameras(lang, desk, &d.cameras)}
        <h3 class="card-subtitle">{move || t(Msg::TicketTimeline)}" "<span class="count">{d.events.len()}</span></h3>
        {timeline_export(lang, d.ticket.id)}
        {timeline(lang, desk, &d.events)}
    }
    .into_any()
}

fn fields(lang: RwSignal<Lang>, desk: Desk, t: &TicketView) -> AnyView {
    let tx = move |m: Msg| m.text(lang.get());
    let routing = t.routing.clone();
    let place = if let Some(reason) = routing.unrouted.clone() {
        view! { <span class="unrouted">{move || texts::label(&reason, lang.get()).to_owned()}</span> }
            .into_any()
    } else {
        let parts: Vec<String> = [&routing.community, &routing.micro, &routing.unit]
            .into_iter()
            .flatten()
            .map(|g| g.name.clone())
            .collect();
        parts.join(" / ").into_any()
    };
    let location = {
        let address = t.address.clone().unwrap_or_default();
        let point = t
            .lon
            .zip(t.lat)
            .map(|(lon, lat)| format!("{lon:.5}, {lat:.5}"));
        view! {
            {address}
            {point.map(|p| view! { <span class="mono coords">{p}</span> })}
        }
    };
    let owner = t.owner.clone().map(|o| {
        view! { {o.grid_name}<span class="muted small">{format!(" · {}", date_time(o.since))}</span> }
    });
    let assignment = t.assignment.clone().map(|a| {
        let worker = a.worker_name.clone();
        view! {
            <span data-field="assignment-grid" data-code=a.grid.as_ref().map(ToString::to_string).unwrap_or_default()>{a.grid_name}</span>
            {worker.map(|w| view! { " · "<span data-field="assignment-worker">{w}</span> })}
        }
    });
    let contact = {
        let (due, first) = (t.contact_due_at, t.first_contact_at);
        move || match first {
            Some(at) => format!(
                "{}（{} {}）",
                date_time(due),
                tx(Msg::FirstContactAt),
                date_time(at)
            ),
            None => date_time(due),
        }
    };
    let deadline = {
        let (due, open) = (t.due_at, t.state.is_open());
        move || {
            if open {
                format!(
                    "{} · {}",
                    date_time(due),
                    time_left(lang.get(), due, desk.now.get())
                )
            } else {
                date_time(due)
            }
        }
    };
    let mode = t.handling_mode.map(|m| move || m.name(lang.get()));
    let reporter = [t.reporter_name.clone(), t.reporter_phone.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        {field(lang, Msg::TicketReceived, "received", date_time(t.received_at))}
        {field(lang, Msg::TicketLocation, "location", location)}
        {field(lang, Msg::TicketRouting, "routing", place)}
        {t.routing.unit.clone().map(|u| field(lang, Msg::TicketWard, "ward", view! { <WardOf unit=u.code.to_string()/> }))}
        {owner.map(|o| field(lang, Msg::TicketOwner, "owner", o))}
        {assignment.map(|a| field(lang, Msg::TicketAssignment, "assignment", a))}
        {field(lang, Msg::TicketContactDue, "contact-due", contact)}
        {field(lang, Msg::TicketDue, "due", deadline)}
        {(!reporter.is_empty()).then(|| field(lang, Msg::TicketReporter, "reporter", reporter))}
        {t.source_ref.clone().map(|s| {
            let channel = t.channel;
            field(lang, Msg::TicketSourceRef, "source-ref", move || source_text(lang.get(), channel, &s))
        })}
        {mode.map(|m| field(lang, Msg::TicketMode, "mode", m))}
        {t.escalated_to.map(|v| field(lang, Msg::TicketEscalated, "escalated", move || v.name(lang.get())))}
        {t.delegated.then(|| field(lang, Msg::TicketDelegated, "delegated", move || tx(Msg::Yes)))}
        {t.outcome.map(|v| field(lang, Msg::TicketOutcome, "outcome", move || v.name(lang.get())))}
        {t.satisfaction.map(|v| field(lang, Msg::TicketSatisfaction, "satisfaction", move || v.name(lang.get())))}
        {t.closed_at.map(|c| field(lang, Msg::TicketClosedAt, "closed-at", date_time(c)))}
        {t.cancel_reason.clone().map(|r| field(lang, Msg::TicketCancelReason, "cancel-reason", r))}
        {t.duplicate_of.map(|of| field(lang, Msg::TicketMergedInto, "merged-into", view! {
            <button type="button" class="link mono" on:click=move |_| desk.open(of)>{format!("#{of}")}</button>
        }))}
        {(t.reopen_count > 0).then(|| field(lang, Msg::TicketReopened, "reopened", t.reopen_count))}
    }
    .into_any()
}

/// 包户: who answers for the ticket's unit, as the unit's ward says (`GET /api/wards/{unit}`).
#[component]
fn WardOf(unit: String) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let ward = RwSignal::new(None::<Result<UnitWard, ApiError>>);
    let code = unit.clone();
    spawn_local(async move {
        ward.set(Some(diary::ward(&code).await));
    });
    move || match ward.get() {
        None => ().into_any(),
        Some(Err(e)) => view! { <span class="muted"><ErrorText error=e/></span> }.into_any(),
        Some(Ok(UnitWard { ward: None, .. })) => view! {
            <span class="muted" data-ward="none">{Msg::WardNone.text(lang.get())}</span>
        }
        .into_any(),
        Some(Ok(UnitWard { ward: Some(w), .. })) => {
            let households = w.households;
            view! {
                <span data-ward=w.worker.clone()>{w.worker_name.clone()}</span>
                <span class="muted small">
                    {move || format!(" · {} · {}", w.worker_phone, i18n::households(lang.get(), households))}
                </span>
            }
            .into_any()
        }
    }
}

/// 导出时间线: the ticket's event log as CSV or XLSX (`TIMELINE_FORMATS`).
fn timeline_export(lang: RwSignal<Lang>, id: TicketId) -> impl IntoView {
    let status = RwSignal::new(None::<Download>);
    let buttons = TIMELINE_FORMATS
        .into_iter()
        .map(|ext| {
            let url = format!("/api/tickets/{id}/timeline.{ext}");
            let fallback = format!("ticket-{id}-timeline.{ext}");
            view! {
                <button type="button" class="btn small" data-testid=format!("timeline-export-{ext}")
                    title=move || Msg::TimelineExportTitle.text(lang.get())
                    disabled=move || matches!(status.get(), Some(Download::Running(_)))
                    on:click=move |_| export::start(url.clone(), false, fallback.clone(), status)>
                    {ext.to_uppercase()}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="export-buttons timeline-export" data-testid="timeline-export">
            <span class="muted small">{move || Msg::TimelineExport.text(lang.get())}</span>
            {buttons}
            <DownloadStatus status testid="timeline-export"/>
        </div>
    }
}

/// The possible-duplicate flag with its two answers.
fn flag_box(lang: RwSignal<Lang>, desk: Desk, form: ActionForm, t: &TicketView) -> Option<AnyView> {
    let flag = t.duplicate_flag?;
    let tx = move |m: Msg| m.text(lang.get());
    let can_merge = ActionKind::Merge.allowed(t, &[], desk.now.get_untracked());
    let (merge_ticket, dismiss_ticket) = (t.clone(), t.clone());
    let may_act = expect_context::<AppState>()
        .may_untracked()
        .act_on_tickets();
    Some(view! {
        <div class="flag-box" data-testid="duplicate-flag">
            <p>
                {move || tx(Msg::FlagText)}" "
                <button type="button" class="link mono" on:click=move |_| desk.open(flag.of)>{format!("#{}", flag.of)}</button>
                <span class="muted">{move || format!("（{}）", distance(lang.get(), flag.distance_m))}</span>
            </p>
            {may_act.then(|| view! {
                <div class="form-buttons">
                    {can_merge.then(|| view! {
                        <button type="button" class="btn small primary" data-action="merge" on:click=move |_| {
                            form.into_set(flag.of);
                            send(desk, form, &merge_ticket, ActionKind::Merge);
                        }>{move || ActionKind::Merge.short(lang.get())}</button>
                    })}
                    <button type="button" class="btn small" data-action="dismiss_flag"
                        on:click=move |_| send(desk, form, &dismiss_ticket, ActionKind::DismissFlag)>
                        {move || ActionKind::DismissFlag.short(lang.get())}
                    </button>
                </div>
            })}
        </div>
    }
    .into_any())
}

fn duplicates(lang: RwSignal<Lang>, desk: Desk, list: &[TicketView]) -> Option<AnyView> {
    if list.is_empty() {
        return None;
    }
    let rows = list
        .iter()
        .map(|d| {
            let (id, received) = (d.id, d.received_at);
            let d = d.clone();
            view! {
                <li class="dup-row">
                    <button type="button" class="link mono" on:click=move |_| desk.open(id)>{format!("#{id}")}</button>
                    <span>{move || d.channel_name(lang.get()).to_owned()}</span>
                    <span class="muted">{date_time(received)}</span>
                </li>
            }
        })
        .collect_view();
    let n = list.len();
    Some(view! {
        <h3 class="card-subtitle">{move || Msg::TicketDuplicates.text(lang.get())}" "<span class="count">{n}</span></h3>
        <ul class="dup-list" data-field="duplicates">{rows}</ul>
    }
    .into_any())
}

fn workers(
    lang: RwSignal<Lang>,
    title: Msg,
    key: &'static str,
    list: &[TicketWorker],
) -> Option<impl IntoView> {
    if list.is_empty() {
        return None;
    }
    let rows = list
        .iter()
        .map(|w| {
            let kind = w.worker.kind;
            let role = (w.worker.role.clone(), w.worker.role_en.clone());
            let far = w.distance_m;
            let load = w.open_tickets;
            view! {
                <li class="worker">
                    <span class="worker-name">{w.worker.name.clone()}</span>
                    <span class="worker-kind" class:full-time=kind == WorkerKind::FullTime>
                        {move || kind.short(lang.get())}
                    </span>
                    <span class="worker-role">
                        {move || lang.get().pick(&role.0, &role.1).to_owned()}
                        {format!(" · {}", w.grid_name)}
                        <span class="worker-load" class:free=load == 0>{move || open_load(lang.get(), load)}</span>
                    </span>
                    <span class="worker-phone mono">
                        {far.map(|m| move || distance(lang.get(), m))}
                        {far.is_none().then(|| w.worker.phone.clone())}
                    </span>
                </li>
            }
        })
        .collect_view();
    let n = list.len();
    Some(view! {
        <h3 class="card-subtitle">{move || title.text(lang.get())}" "<span class="count">{n}</span></h3>
        <ul class="workers" data-field=key>{rows}</ul>
    }
    .into_any())
}

/// The cameras nearest the place, dotted by health; a click flies the map to one and rings it,
/// 全部上墙 puts them all on the video wall.
fn cameras(lang: RwSignal<Lang>, desk: Desk, list: &[NearbyCamera]) -> Option<impl IntoView> {
    if list.is_empty() {
        return None;
    }
    let health = expect_context::<CameraHealth>();
    let rows = list
        .iter()
        .map(|c| {
            let at = [c.lon, c.lat];
            let far = c.distance_m;
            let focused = move || desk.camera_focus.get() == Some(at);
            let id = c.id.clone();
            let now = Memo::new(move |_| health.status(&id).map_or(Health::Unknown, |s| s.0));
            view! {
                <li>
                    <button type="button" class="camera-row" class:focused=focused
                        data-camera-id=c.id.clone() data-health=move || now.get().as_str()
                        title=move || now.get().name(lang.get())
                        on:click=move |_| desk.camera_focus.set(Some(at))>
                        <i class="dot" style=move || format!("background: {}", health_colour(now.get()))></i>
                        <span class="camera-name">{c.name.clone()}</span>
                        <span class="camera-distance mono" data-field="distance">
                            {move || distance(lang.get(), far)}
                        </span>
                    </button>
                </li>
            }
        })
        .collect_view();
    let n = list.len();
    let wall = expect_context::<VideoWall>();
    let all: Vec<(String, String)> = list
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    Some(view! {
        <h3 class="card-subtitle with-action">
            {move || Msg::TicketCameras.text(lang.get())}" "<span class="count">{n}</span>
            <button type="button" class="btn small" data-testid="wall-add-all"
                on:click=move |_| wall.show(&all)>
                {move || Msg::WallAddAll.text(lang.get())}
            </button>
        </h3>
        <ul class="cameras" data-field="cameras">{rows}</ul>
    })
}

/// A camera alert's snapshot (click to enlarge) and its camera, one click from live video.
fn alert_camera(lang: RwSignal<Lang>, desk: Desk, t: &TicketView) -> Option<impl IntoView> {
    let camera = t.camera.clone()?;
    let tx = move |m: Msg| m.text(lang.get());
    let wall = expect_context::<VideoWall>();
    let health = expect_context::<CameraHealth>();
    let id = camera.id.clone();
    let now = Memo::new(move |_| health.status(&id).map_or(Health::Unknown, |s| s.0));
    let enlarged = RwSignal::new(false);
    let broken = RwSignal::new(false);
    let snapshot = t.snapshot_url.clone().map(|url| {
        let big = url.clone();
        view! {
            <Show when=move || !broken.get()
                fallback=move || view! { <p class="device-note" data-testid="snapshot-failed">{move || tx(Msg::SnapshotFailed)}</p> }>
                <img class="alert-snapshot" src=url.clone() alt=move || tx(Msg::AlertSnapshot)
                    title=move || tx(Msg::SnapshotEnlarge) data-testid="alert-snapshot"
                    on:error=move |_| broken.set(true) on:click=move |_| enlarged.set(true)/>
            </Show>
            <Show when=move || enlarged.get()>
                <div class="snapshot-overlay" data-testid="snapshot-enlarged" on:click=move |_| enlarged.set(false)>
                    <img src=big.clone() alt=move || tx(Msg::AlertSnapshot)/>
                </div>
            </Show>
        }
    });
    let watch = (camera.id.clone(), camera.name.clone());
    let (lon, lat) = (camera.lon, camera.lat);
    let locate = view! {
        <button type="button" class="btn small" data-testid="alert-locate"
            on:click=move |_| desk.camera_focus.set(Some([lon, lat]))>
            {move || tx(Msg::ShowOnMap)}
        </button>
    };
    Some(view! {
        <h3 class="card-subtitle">{move || tx(Msg::AlertCamera)}</h3>
        <div class="alert-camera" data-field="alert-camera" data-camera-id=camera.id.clone()>
            {snapshot}
            <p class="alert-camera-line">
                <i class="dot" style=move || format!("background: {}", health_colour(now.get()))></i>
                <span class="camera-name">{camera.name.clone()}</span>
                <span class="muted" data-field="alert-camera-health" data-health=move || now.get().as_str()>
                    {move || now.get().name(lang.get())}
                </span>
                {locate}
                <button type="button" class="btn small primary" data-testid="alert-watch"
                    on:click=move |_| wall.show(std::slice::from_ref(&watch))>
                    {move || tx(Msg::WatchLive)}
                </button>
            </p>
        </div>
    })
}

fn timeline(lang: RwSignal<Lang>, desk: Desk, events: &[EventView]) -> AnyView {
    let mut events = events.to_vec();
    events.sort_by_key(|e| e.version);
    let items = events
        .into_iter()
        .map(|e| {
            let states = move || {
                let catalogue = desk.catalogue.get();
                let label = |s| {
                    catalogue
                        .as_ref()
                        .map_or_else(|| format!("{s:?}"), |c| texts::state_label(c, s, lang.get()).to_owned())
                };
                match (e.from, e.to) {
                    (Some(from), to) if from != to => Some(format!("{} → {}", label(from), label(to))),
                    (None, to) => Some(label(to)),
                    _ => None,
                }
            };
            let role = e.actor.role;
            let actor = e.actor.name.clone();
            let summary = e.clone();
            view! {
                <li class="tl-item" data-type=e.kind.clone() data-version=e.version>
                    <div class="tl-head">
                        <time class="mono">{short_with_seconds(e.at)}</time>
                        <span class="tl-actor">{move || actor_label(role, &actor, lang.get())}</span>
                    </div>
                    {move || states().map(|s| view! { <div class="tl-states">{s}</div> })}
                    <p class="tl-summary">{move || texts::summary(&summary, lang.get()).to_owned()}</p>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline" data-testid="ticket-timeline">{items}</ol> }.into_any()
}

/// `调度员 · 张三`; the system is named once.
fn actor_label(role: ActorRole, name: &str, lang: Lang) -> String {
    match role.name(lang) {
        role if role != name => format!("{role} · {name}"),
        _ => name.to_owned(),
    }
}
