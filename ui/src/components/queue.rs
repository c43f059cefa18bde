//! The live queue: open tickets under five tabs, what needs action first (or newest first),
//! updated as the stream reports changes — but while the pointer is over the list its rows
//! stay where they are and new tickets wait behind a "N 条新工单" button. A row opens its card
//! on click or Enter, and is dragged onto the map to dispatch; arrow keys move through the rows
//! and `D` opens the grid chooser for the open card (else the keyboard's row).

use std::collections::HashMap;

use leptos::ev::{DragEvent, KeyboardEvent};
use leptos::prelude::*;

use binhe_api::tickets::{ListQuery, TicketView};
use binhe_core::access::Role;
use binhe_core::ticket::{ActionKind, TicketId, UNCLASSIFIED, Urgency};

use super::{ExportMenu, ListExport, TicketImport};
use crate::api::texts::{self, Named, TicketNames};
use crate::app::AppState;
use crate::i18n::{Msg, new_arrivals, shown_of_total};
use crate::map::DRAG_MIME;
use crate::tickets::Desk;
use crate::tickets::desk::{ChooseGrid, Live};
use crate::tickets::queue::{QueueOrder, QueueTab, TabLabel, Tone, hold, rows, sla_at};
use crate::tickets::time::{age, time_left};

/// Where the chosen order is kept between visits.
const ORDER_STORAGE_KEY: &str = "smart-binhe.queue-order";

/// A ticket list's export, without the extension (`binhe_api::tickets::EXPORT_FORMATS`).
const EXPORT_ROUTE: &str = "/api/tickets/export";

/// The tab a worker opens on: theirs to do is what is handed to them (处置中) first, then
/// what is new and what is due; a dispatcher opens on 待受理/待分派.
const WORKER_TABS: [QueueTab; 3] = [QueueTab::InProgress, QueueTab::New, QueueTab::Deadline];

/// For a grid worker, once their tickets are in, the queue turns to the first of
/// [`WORKER_TABS`] that holds any (处置中 when none does) — unless a tab was chosen by hand
/// for this account already. Answers the account the tab is settled for (by hand or here).
fn open_on_own_work(
    state: AppState,
    desk: Desk,
    tab: RwSignal<QueueTab>,
) -> StoredValue<Option<String>> {
    let decided = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        let Some((login, role)) = state.session.with(|s| {
            s.as_ref()
                .map(|s| (s.account.login.clone(), s.account.role))
        }) else {
            return;
        };
        if !desk.loaded.get() || decided.with_value(|d| d.as_deref() == Some(login.as_str())) {
            return;
        }
        decided.set_value(Some(login));
        if role != Role::Worker {
            return;
        }
        let (now, share) = (
            desk.now.get_untracked(),
            desk.due_soon_share.get_untracked(),
        );
        let first = desk.tickets.with_untracked(|list| {
            WORKER_TABS
                .into_iter()
                .find(|&t| !rows(list, t, QueueOrder::Newest, |v| sla_at(v, now, share)).is_empty())
        });
        tab.set(first.unwrap_or(QueueTab::InProgress));
    });
    decided
}

#[component]
pub fn TicketQueue() -> impl IntoView {
    let state = expect_context::<AppState>();
    let desk = expect_context::<Desk>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let tab = RwSignal::new(QueueTab::New);
    let decided = open_on_own_work(state, desk, tab);
    // The keyboard's row; follows the open card.
    let cursor = RwSignal::new(None::<TicketId>);
    let import_open = RwSignal::new(false);

    let order = RwSignal::new(
        crate::app::stored(ORDER_STORAGE_KEY)
            .and_then(|s| QueueOrder::parse(&s))
            .unwrap_or_default(),
    );
    // While the pointer is over the list: the rows as they stood then (tab, order, ids shown).
    let held = RwSignal::new(None::<(QueueTab, QueueOrder, Vec<TicketId>)>);

    // Each tab's count: the server's, over every open ticket, when the list stops at its
    // limit; otherwise the rows the list holds (the same, and it follows the clock and an action
    // answered at once, before the next load).
    let counts = Memo::new(move |_| {
        let totals = desk.totals.get();
        let (now, share) = (desk.now.get(), desk.due_soon_share.get());
        desk.tickets.with(|list| {
            let complete = list.len() as u64 >= totals.open;
            QueueTab::ALL
                .into_iter()
                .map(|tab| {
                    let n = if complete {
                        rows(list, tab, QueueOrder::Newest, |t| sla_at(t, now, share)).len() as u64
                    } else {
                        totals.get(tab)
                    };
                    (tab, n)
                })
                .collect::<HashMap<_, _>>()
        })
    });
    // The rows, and how many new ones wait while the list is held.
    let listed = Memo::new(move |_| {
        let (now, share) = (desk.now.get(), desk.due_soon_share.get());
        let (tab, order) = (tab.get(), order.get());
        desk.tickets.with(|list| {
            let live = rows(list, tab, order, |t| sla_at(t, now, share));
            held.with(|held| match held {
                Some((t, o, ids)) if *t == tab && *o == order && !ids.is_empty() => {
                    let (kept, waiting) = hold(&live, ids);
                    (
                        kept.into_iter().cloned().collect::<Vec<TicketView>>(),
                        waiting,
                    )
                }
                _ => (live.into_iter().cloned().collect(), 0),
            })
        })
    });
    let shown = Memo::new(move |_| listed.with(|(rows, _)| rows.clone()));
    let waiting = Memo::new(move |_| listed.with(|(_, n)| *n));
    let hold_here = move || {
        let ids = shown.with_untracked(|r| r.iter().map(|t| t.id).collect());
        held.set(Some((tab.get_untracked(), order.get_untracked(), ids)));
    };
    // The pointer moves over the list: hold the rows unless they are held already (an empty list
    // held, or another tab's or order's rows, hold nothing). Movement, not `pointerover`: after
    // a drag the browser may report the pointer back over the row it left from, where it is not.
    let keep_holding = move || {
        if desk.dragging.get_untracked().is_some() {
            return;
        }
        let holding = held.with_untracked(|h| {
            h.as_ref().is_some_and(|(t, o, ids)| {
                *t == tab.get_untracked() && *o == order.get_untracked() && !ids.is_empty()
            })
        });
        if !holding {
            hold_here();
        }
    };
    // Everything listed now, held again (the pointer is still there).
    let show_waiting = move || {
        held.set(None);
        hold_here();
    };

    // A drag takes the pointer away without a pointerleave: the list lets go while it runs.
    Effect::new(move || {
        if desk.dragging.get().is_some() {
            held.set(None);
        }
    });
    Effect::new(move || {
        if let Some(id) = desk.selected.get() {
            cursor.set(Some(id));
        }
    });
    // Keep the keyboard's row in view (in a long list, first scrolled to where it is drawn).
    let list_ref = NodeRef::<leptos::html::Ul>::new();
    let window = RowWindow::new(shown);
    // A list turning long: its height and a row's, once the rows are drawn.
    Effect::new(move || {
        if window.is_virtual() {
            request_animation_frame(move || {
                if let Some(list) = list_ref.get_untracked() {
                    window.measure(&list);
                }
            });
        }
    });
    Effect::new(move || {
        let Some(id) = cursor.get() else { return };
        let at = shown.with_untracked(|rows| rows.iter().position(|t| t.id == id));
        if let (Some(at), Some(list)) = (at, list_ref.get_untracked()) {
            window.bring_into_reach(&list, at);
        }
        super::reveal(format!(".queue-row[data-ticket-id=\"{id}\"]"));
    });

    let on_keydown = move |ev: KeyboardEvent| {
        let ids: Vec<TicketId> = shown.with_untracked(|r| r.iter().map(|t| t.id).collect());
        let at = cursor
            .get_untracked()
            .and_then(|id| ids.iter().position(|i| *i == id));
        match ev.key().as_str() {
            "ArrowDown" | "ArrowUp" if !ids.is_empty() => {
                ev.prevent_default();
                let next = match (ev.key().as_str(), at) {
                    ("ArrowDown", Some(i)) => (i + 1).min(ids.len() - 1),
                    ("ArrowUp", Some(i)) => i.saturating_sub(1),
                    _ => 0,
                };
                cursor.set(Some(ids[next]));
            }
            "Enter" => {
                if let Some(id) = cursor.get_untracked() {
                    ev.prevent_default();
                    desk.open(id);
                }
            }
            "n" | "N" if waiting.get_untracked() > 0 => {
                ev.prevent_default();
                show_waiting();
            }
            "d" | "D" if state.may_untracked().dispatch => {
                // The open card's ticket, whatever row the arrows have reached since.
                if let Some(id) = desk.selected.get_untracked().or(cursor.get_untracked()) {
                    // The page-wide `D` would act on the open card instead.
                    ev.prevent_default();
                    ev.stop_propagation();
                    desk.chooser.set(Some(ChooseGrid {
                        ticket: id,
                        action: ActionKind::Dispatch,
                    }));
                }
            }
            _ => {}
        }
    };

    let tabs = QueueTab::ALL
        .into_iter()
        .map(|this| {
            view! {
                <button type="button" role="tab" class="queue-tab" data-tab=this.as_str()
                    class:active=move || tab.get() == this
                    aria-selected=move || (tab.get() == this).to_string()
                    on:click=move |_| {
                        tab.set(this);
                        // Chosen by hand: the queue stays there for this account.
                        let login = state.session.with_untracked(|s| s.as_ref().map(|s| s.account.login.clone()));
                        decided.set_value(login);
                    }>
                    {move || t(this.label())}
                    <span class="count">{move || counts.with(|c| c.get(&this).copied().unwrap_or(0))}</span>
                </button>
            }
        })
        .collect_view();

    // 导出 takes the tab's own filter where the server has it (未定位, 疑似重复); the other tabs
    // are cuts of the open tickets the queue loaded, so their export is all of those.
    let export = Signal::derive(move || {
        if !desk.loaded.get() {
            return None;
        }
        let tab = tab.get();
        let (scope, what, count) = match tab {
            QueueTab::Unrouted | QueueTab::Flagged => (
                if tab == QueueTab::Unrouted {
                    "unrouted"
                } else {
                    "flagged"
                },
                t(tab.label()).to_owned(),
                counts.with(|c| c.get(&tab).copied().unwrap_or(0)),
            ),
            _ => (
                "open",
                t(Msg::ExportScopeOpen).to_owned(),
                desk.totals.get().open,
            ),
        };
        let query = ListQuery {
            scope: Some(scope.to_owned()),
            ..ListQuery::default()
        };
        Some(ListExport {
            route: EXPORT_ROUTE,
            query: query.to_query(),
            what,
            count: Some(count),
        })
    });

    let terminal = crate::offline::Terminal::get();
    let live = move || match desk.live.get() {
        // The stream may not have noticed yet: the last request got no answer.
        _ if !terminal.online.get() => ("offline", Msg::OfflineState),
        Live::Stream => ("live", Msg::LiveStream),
        Live::Polling => ("polling", Msg::LivePolling),
        Live::Connecting => ("connecting", Msg::LiveConnecting),
    };

    view! {
        <section class="queue" data-testid="ticket-queue">
            <div class="queue-head">
                <h2 class="panel-title">{move || t(Msg::QueueTitle)}</h2>
                <span class=move || format!("live-state {}", live().0) data-testid="live-state"
                    title=move || t(Msg::LiveTitle)>{move || t(live().1)}</span>
                <Show when=move || state.may().intake>
                    <button type="button" class="btn small primary" data-testid="intake-open"
                        on:click=move |_| {
                            desk.close();
                            state.close_card();
                            desk.intake_open.set(true);
                        }>
                        {move || t(Msg::IntakeOpen)}
                    </button>
                </Show>
                <Show when=move || state.may().import_orders>
                    <button type="button" class="btn small" data-testid="ticket-import-open" aria-haspopup="dialog"
                        on:click=move |_| import_open.set(true)>
                        {move || t(Msg::TicketImportOpen)}
                    </button>
                </Show>
            </div>
            <div class="queue-tabs" role="tablist">{tabs}</div>
            <div class="queue-tools">
                <label class="queue-sort" title=move || t(Msg::QueueSortTitle)>
                    <span class="form-label">{move || t(Msg::QueueSortLabel)}</span>
                    <select data-testid="queue-sort" prop:value=move || order.get().as_str()
                        on:change=move |ev| {
                            if let Some(o) = QueueOrder::parse(&event_target_value(&ev)) {
                                crate::app::store(ORDER_STORAGE_KEY, o.as_str());
                                order.set(o);
                            }
                        }>
                        {QueueOrder::ALL.into_iter().map(|o| view! {
                            <option value=o.as_str() selected=move || order.get() == o>{move || t(o.label())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <ExportMenu list=export testid="queue-export"/>
            </div>
            // Loading and empty states sit where the first row would be.
            {move || {
                let n = shown.with(Vec::len);
                if !desk.loaded.get() {
                    Some(view! { <p class="queue-empty">{t(Msg::QueueLoading)}</p> }.into_any())
                } else if n == 0 {
                    Some(view! { <p class="queue-empty" data-testid="queue-empty">{t(Msg::QueueEmpty)}</p> }.into_any())
                } else {
                    None
                }
            }}
            // Rows do not move under the pointer: new tickets wait until it leaves or asks.
            <div class="queue-hold" data-testid="queue-hold" data-held=move || held.with(Option::is_some).to_string()
                on:pointermove=move |_| keep_holding() on:pointerleave=move |_| held.set(None)>
                {move || (waiting.get() > 0).then(|| view! {
                    <button type="button" class="queue-arrivals" data-testid="queue-arrivals"
                        data-count=waiting.get().to_string() on:click=move |_| show_waiting()>
                        {move || new_arrivals(lang.get(), waiting.get())}
                    </button>
                })}
                <ul class="queue-list" role="listbox" tabindex="0" data-testid="queue-list"
                    data-virtual=move || window.is_virtual().to_string()
                    aria-label=move || t(Msg::QueueTitle) on:keydown=on_keydown
                    node_ref=list_ref on:scroll=move |_| window.scrolled(list_ref)>
                    <li class="queue-spacer" role="presentation" aria-hidden="true"
                        style:height=move || format!("{}px", window.above())></li>
                    <For each=move || window.rows(shown) key=|t| (t.id, t.version) let:ticket>
                        <QueueRow ticket cursor/>
                    </For>
                    <li class="queue-spacer" role="presentation" aria-hidden="true"
                        style:height=move || format!("{}px", window.below(shown))></li>
                </ul>
            </div>
            {move || {
                let (loaded, total) = (desk.tickets.with(|l| l.len() as u64), desk.totals.get().open);
                (total > loaded).then(|| view! { <p class="queue-note">{shown_of_total(lang.get(), loaded, total)}</p> })
            }}
            <p class="queue-hint">{move || t(if state.may().dispatch { Msg::QueueHint } else { Msg::QueueHintReadOnly })}</p>
        </section>
        <TicketImport open=import_open/>
    }
}

#[component]
fn QueueRow(ticket: TicketView, cursor: RwSignal<Option<TicketId>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let desk = expect_context::<Desk>();
    let lang = state.lang;
    let id = ticket.id;
    let sla = {
        let ticket = ticket.clone();
        Memo::new(move |_| desk.sla(&ticket))
    };
    let tone = move || Tone::of(ticket.state, sla.get());
    let place = {
        let t = ticket.clone();
        move || match (
            &t.routing.unrouted,
            t.routing.micro.as_ref().or(t.routing.community.as_ref()),
        ) {
            (Some(reason), _) => texts::label(reason, lang.get()).to_owned(),
            // Micro-grid names repeat across communities (府前街, 滨河路…): the community too.
            (None, Some(grid)) => match (&t.routing.micro, &t.routing.community) {
                (Some(micro), Some(community)) if micro.name != community.name => {
                    format!("{} · {}", community.name, micro.name)
                }
                _ => grid.name.clone(),
            },
            (None, None) => t.address.clone().unwrap_or_default(),
        }
    };
    // The narrow row shows the channel's short name; the card shows the server's full one.
    let channel = {
        let channel = ticket.channel;
        move || channel.short(lang.get())
    };
    let category = {
        let t = ticket.clone();
        move || t.category_name(lang.get()).to_owned()
    };
    let (due, received) = (ticket.due_at, ticket.received_at);
    let on_dragstart = move |ev: DragEvent| {
        if let Some(dt) = ev.data_transfer() {
            let _ = dt.set_data(DRAG_MIME, &id.to_string());
            let _ = dt.set_data("text/plain", &format!("#{id}"));
            dt.set_effect_allowed("move");
        }
        cursor.set(Some(id));
        desk.dragging.set(Some(id));
    };
    view! {
        <li class=move || format!("queue-row tone-{}", tone().as_str()) role="option"
            draggable=move || if state.may().dispatch { "true" } else { "false" }
            data-ticket-id=id.to_string() data-state=ticket.state.as_str()
            data-due=due.to_rfc3339() data-received=received.to_rfc3339()
            data-urgent=ticket.is_urgent().to_string()
            data-pending=move || (crate::offline::Terminal::get().waiting_on(id) > 0).to_string()
            class:cursor=move || cursor.get() == Some(id)
            class:selected=move || desk.selected.get() == Some(id)
            aria-selected=move || (desk.selected.get() == Some(id)).to_string()
            on:click=move |_| {
                cursor.set(Some(id));
                desk.open(id);
            }
            on:dragstart=on_dragstart
            on:dragend=move |_| desk.dragging.set(None)>
            <div class="queue-line">
                <i class=move || format!("dot tone-{}", tone().as_str()) aria-hidden="true"></i>
                <span class="queue-category">{category}</span>
                {ticket.is_urgent().then(|| view! { <span class="urgent-tag">{move || Urgency::Urgent.short(lang.get())}</span> })}
                {unclassified_tag(lang, &ticket)}
                {super::ticket_card::pending_tag(lang, id)}
                {ticket.duplicate_flag.is_some().then(|| view! {
                    <span class="flag-tag" title=move || Msg::QueueFlagged.text(lang.get())>{move || Msg::FlagShort.text(lang.get())}</span>
                })}
                <span class=move || format!("sla-chip tone-{}", tone().as_str()) data-field="time-left">
                    {move || time_left(lang.get(), due, desk.now.get())}
                </span>
            </div>
            <div class="queue-line sub">
                <span class="queue-place" data-field="place">{place}</span>
                <span class="queue-channel">{channel}</span>
                <span class="queue-age">{move || age(lang.get(), received, desk.now.get())}</span>
            </div>
        </li>
    }
}

/// 待分类 on a ticket taken in as 其他 because its category was not known: a dispatcher still
/// has to give it one.
pub(super) fn unclassified_tag(
    lang: RwSignal<crate::i18n::Lang>,
    ticket: &TicketView,
) -> Option<impl IntoView + use<>> {
    (ticket.category == UNCLASSIFIED).then(|| {
        view! {
            <span class="unclassified-tag" data-testid="unclassified-tag"
                title=move || Msg::UnclassifiedTitle.text(lang.get())>
                {move || Msg::UnclassifiedTag.text(lang.get())}
            </span>
        }
    })
}

/// A list of more rows than this draws only those in and near view (the rest are spacers of
/// the same height), so 5,000 open tickets cost what 40 do; shorter lists draw every row.
const VIRTUAL_FROM: usize = 200;
/// Rows drawn beyond each edge of the view, so a fast scroll does not show blank space.
const OVERSCAN: usize = 20;
/// A row's height with its gap, until one is measured.
const ROW_GUESS: f64 = 58.0;

/// Which rows of the queue are drawn: the scroll position and the list's height, and a row's
/// height as measured.
#[derive(Clone, Copy)]
struct RowWindow {
    scroll: RwSignal<f64>,
    height: RwSignal<f64>,
    row: RwSignal<f64>,
    count: Memo<usize>,
}

impl RowWindow {
    fn new(shown: Memo<Vec<TicketView>>) -> Self {
        Self {
            scroll: RwSignal::new(0.0),
            height: RwSignal::new(800.0),
            row: RwSignal::new(ROW_GUESS),
            count: Memo::new(move |_| shown.with(Vec::len)),
        }
    }

    fn is_virtual(self) -> bool {
        self.count.get() > VIRTUAL_FROM
    }

    /// The first and one past the last row drawn.
    fn range(self) -> (usize, usize) {
        let count = self.count.get();
        if count <= VIRTUAL_FROM {
            return (0, count);
        }
        let row = self.row.get().max(1.0);
        let first = (self.scroll.get() / row).floor() as usize;
        let visible = (self.height.get() / row).ceil() as usize + 1;
        let start = first.saturating_sub(OVERSCAN).min(count);
        let end = (first + visible + OVERSCAN).min(count);
        (start, end)
    }

    fn rows(self, shown: Memo<Vec<TicketView>>) -> Vec<TicketView> {
        let (start, end) = self.range();
        shown.with(|rows| rows.get(start..end).map(<[_]>::to_vec).unwrap_or_default())
    }

    fn above(self) -> f64 {
        self.range().0 as f64 * self.row.get()
    }

    fn below(self, shown: Memo<Vec<TicketView>>) -> f64 {
        let count = shown.with(Vec::len);
        count.saturating_sub(self.range().1) as f64 * self.row.get()
    }

    /// The list scrolled: note where, its height, and a drawn row's height (rows are one line
    /// pair each, so one measures them all).
    fn scrolled(self, list: NodeRef<leptos::html::Ul>) {
        let Some(list) = list.get_untracked() else {
            return;
        };
        self.measure(&list);
        self.scroll.set(f64::from(list.scroll_top()));
    }

    fn measure(self, list: &web_sys::HtmlUListElement) {
        self.height.set(f64::from(list.client_height()));
        let rows = list.get_elements_by_class_name("queue-row");
        if let (Some(a), Some(b)) = (rows.item(0), rows.item(1)) {
            let a = a.get_bounding_client_rect();
            let b = b.get_bounding_client_rect();
            let step = b.top() - a.top();
            if step > 1.0 && (step - self.row.get_untracked()).abs() > 0.5 {
                self.row.set(step);
            }
        }
    }

    /// Scrolls a long list so row `at` is drawn (the caller then brings it fully into view).
    fn bring_into_reach(self, list: &web_sys::HtmlUListElement, at: usize) {
        if !self.is_virtual() {
            return;
        }
        self.measure(list);
        let (start, end) = self.range();
        if at >= start + OVERSCAN && at + OVERSCAN < end {
            return;
        }
        let row = self.row.get_untracked();
        let top = (at as f64 * row - self.height.get_untracked() / 2.0).max(0.0);
        list.set_scroll_top(top as i32);
        self.scroll.set(top);
    }
}
