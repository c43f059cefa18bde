//! 派单单: a ticket's dispatch slip for whoever handles it — what, where, by when, who sent it
//! and to whom, with lines to sign on receipt and to write the result — printed from the card
//! on A4 or on an 80 mm receipt printer. The preview is the slip as it prints; only the slip
//! prints, on its own paper (`@page slip-a4`, and for the receipt a page as long as the slip).

use leptos::portal::Portal;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use binhe_api::tickets::{EventView, TicketDetail};
use binhe_core::ticket::Urgency;

use crate::api::texts::{Named, TicketNames};
use crate::app::AppState;
use crate::components::CloseButton;
use crate::i18n::{Lang, Msg};
use crate::tickets::time::{date_time, full, now};

/// The paper a slip prints on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paper {
    A4,
    /// A receipt printer's 80 mm roll: the page is as long as the slip.
    Receipt,
}

impl Paper {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A4 => "a4",
            Self::Receipt => "receipt",
        }
    }
}

/// The receipt roll's margins, in millimetres (80 mm paper, 72 mm printed).
const RECEIPT_MARGIN_MM: f64 = 4.0;
/// CSS pixels per millimetre.
const PX_PER_MM: f64 = 96.0 / 25.4;

/// 打印派单单 on the card, and the slip's preview over everything while it is open.
#[component]
pub fn SlipButton(detail: TicketDetail) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let open = RwSignal::new(false);
    let paper = RwSignal::new(Paper::A4);
    let detail = StoredValue::new(detail);
    view! {
        <button type="button" class="btn small quiet" data-testid="slip-open"
            on:click=move |_| open.set(true)>{move || Msg::SlipOpen.text(lang.get())}</button>
        <Show when=move || open.get()>
            <Portal>
                <SlipPreview detail=detail.get_value() paper on_close=Callback::new(move |()| open.set(false))/>
            </Portal>
        </Show>
    }
}

#[component]
fn SlipPreview(
    detail: TicketDetail,
    paper: RwSignal<Paper>,
    on_close: Callback<()>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let slip = NodeRef::<leptos::html::Article>::new();
    let print = move |chosen: Paper| {
        paper.set(chosen);
        // Once laid out on the chosen paper: the receipt's page is the slip's own length.
        request_animation_frame(move || {
            let height_mm = slip.get_untracked().map_or(200.0, |el| {
                el.get_bounding_client_rect().height() / PX_PER_MM
            });
            // On screen the receipt's margins are its padding, so its height is the page's.
            set_receipt_page(height_mm.ceil());
            let _ = window().print();
        });
    };
    let printed_by = state
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.account.name.clone()))
        .unwrap_or_default();
    view! {
        <div class="slip-wrap" data-testid="slip" data-paper=move || paper.get().as_str()
            role="dialog" aria-modal="true">
            <div class="slip-actions">
                <button type="button" class="btn small primary" data-testid="slip-print-a4"
                    on:click=move |_| print(Paper::A4)>{move || t(Msg::SlipPrintA4)}</button>
                <button type="button" class="btn small" data-testid="slip-print-receipt"
                    on:click=move |_| print(Paper::Receipt)>{move || t(Msg::SlipPrintReceipt)}</button>
                <label class="choice">
                    <input type="radio" name="slip-paper" prop:checked=move || paper.get() == Paper::A4
                        on:change=move |_| paper.set(Paper::A4)/>"A4"
                </label>
                <label class="choice">
                    <input type="radio" name="slip-paper" data-testid="slip-paper-receipt"
                        prop:checked=move || paper.get() == Paper::Receipt
                        on:change=move |_| paper.set(Paper::Receipt)/>"80 mm"
                </label>
                <CloseButton testid="slip-close" on_close/>
            </div>
            <article class="slip" node_ref=slip data-paper=move || paper.get().as_str()>
                {move || slip_body(lang.get(), &detail, &printed_by, now())}
            </article>
        </div>
    }
}

/// `@page slip-receipt` as long as the slip (the A4 page is fixed in the style sheet). The rule
/// goes into the app's own style sheet through the CSSOM: the content security policy refuses
/// an inline `<style>`. It goes into the last style sheet that lets itself be read (later rules
/// win), replacing any earlier one there.
fn set_receipt_page(height_mm: f64) {
    let rule = format!(
        "@page slip-receipt {{ size: 80mm {height_mm:.0}mm; margin: {RECEIPT_MARGIN_MM}mm; }}"
    );
    let sheets = document().style_sheets();
    for i in (0..sheets.length()).rev() {
        let Some(sheet) = sheets
            .item(i)
            .and_then(|s| s.dyn_into::<web_sys::CssStyleSheet>().ok())
        else {
            continue;
        };
        // A style sheet from elsewhere refuses to show its rules; ours are all same-origin.
        let Ok(rules) = sheet.css_rules() else {
            continue;
        };
        for j in (0..rules.length()).rev() {
            if rules
                .item(j)
                .is_some_and(|r| r.css_text().starts_with("@page slip-receipt"))
            {
                let _ = sheet.delete_rule(j);
            }
        }
        let end = sheet.css_rules().map_or(0, |r| r.length());
        if sheet.insert_rule_with_index(&rule, end).is_ok() {
            return;
        }
    }
}

/// The latest step that sent the order to its holder (dispatch or 下交).
fn sending(events: &[EventView]) -> Option<&EventView> {
    events
        .iter()
        .filter(|e| matches!(e.kind.as_str(), "dispatched" | "delegated"))
        .max_by_key(|e| e.version)
}

fn slip_body(
    lang: Lang,
    d: &TicketDetail,
    printed_by: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> impl IntoView + use<> {
    let tk = &d.ticket;
    let t = |m: Msg| m.text(lang);
    let row = |label: Msg, key: &'static str, value: String| {
        view! {
            <tr><th>{t(label)}</th><td data-field=key>{value}</td></tr>
        }
    };
    let place = [&tk.routing.community, &tk.routing.micro, &tk.routing.unit]
        .into_iter()
        .flatten()
        .map(|g| g.name.clone())
        .collect::<Vec<_>>()
        .join(" / ");
    let location = [
        tk.address.clone(),
        tk.lon
            .zip(tk.lat)
            .map(|(lon, lat)| format!("{lon:.5}, {lat:.5}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("  ");
    let source = match &tk.external_id {
        Some(number) => format!("{} {number}", tk.channel_name(lang)),
        None => tk.channel_name(lang).to_owned(),
    };
    let holder = tk.assignment.as_ref().map(|a| match &a.worker_name {
        Some(worker) => format!("{} · {worker}", a.grid_name),
        None => a.grid_name.clone(),
    });
    let reporter = [tk.reporter_name.clone(), tk.reporter_phone.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let sent = sending(&d.events);
    let urgency = tk.urgency;
    view! {
        <header class="slip-head">
            <p class="slip-issuer">{t(Msg::SlipIssuer)}</p>
            <h1 class="slip-title">{t(Msg::SlipTitle)}</h1>
            <p class="slip-number">
                <span class="mono" data-field="id">{format!("No. {}", tk.id)}</span>
                {(urgency == Urgency::Urgent).then(|| view! { <span class="slip-urgent">{urgency.name(lang).to_owned()}</span> })}
            </p>
        </header>
        <table class="slip-table">
            <tbody>
                {row(Msg::IntakeCategory, "category", tk.category_name(lang).to_owned())}
                {row(Msg::IntakeChannel, "source", source)}
                {row(Msg::TicketReceived, "received", date_time(tk.received_at))}
                {row(Msg::IntakeDescription, "description", tk.description.clone())}
                {row(Msg::TicketLocation, "location", location)}
                {row(Msg::TicketRouting, "routing", place)}
                {row(Msg::TicketReporter, "reporter", reporter)}
                {row(Msg::TicketAssignment, "assignment", holder.unwrap_or_else(|| "—".to_owned()))}
                {row(Msg::TicketContactDue, "contact-due", date_time(tk.contact_due_at))}
                {row(Msg::TicketDue, "due", date_time(tk.due_at))}
                {row(Msg::SlipSentBy, "sent-by", sent.map_or_else(
                    || "—".to_owned(),
                    |e| format!("{} · {}", e.actor.name, date_time(e.at)),
                ))}
            </tbody>
        </table>
        <div class="slip-sign">
            <p><span>{t(Msg::SlipReceivedBy)}</span><span class="slip-line"></span></p>
            <p><span>{t(Msg::SlipReceivedAt)}</span><span class="slip-line"></span></p>
            <p class="slip-result"><span>{t(Msg::TicketOutcome)}</span><span class="slip-line"></span></p>
            <p class="slip-result"><span></span><span class="slip-line"></span></p>
        </div>
        <footer class="slip-foot">
            <span data-field="printed-by">{format!("{}：{printed_by}", t(Msg::SlipPrintedBy))}</span>
            <span data-field="printed-at">{full(now)}</span>
        </footer>
    }
}
