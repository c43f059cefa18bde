//! The grid worker's phone (`/m/`): the same server and wasm app, laid out for a 360–414 px
//! screen. A worker sees their own open tickets (most urgent first, deadlines in Beijing time),
//! takes one (接单), calls the reporter, finds the place on a small map (and hands it to the
//! phone's map app), feeds back with photos from the camera, and reports what they find on
//! patrol at the phone's position. Their 民情日记 (`diary`) is kept here too.
//!
//! Photos are checked on the phone before sending (size, and the kind read from the file's
//! first bytes, as the server does), sent one by one with their progress, and each refusal is
//! shown with its file.

mod diary;

use leptos::ev::Event;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{EventSource, File, HtmlInputElement};

use binhe_api::tickets::{
    ActionRequest, MAX_PHOTO_BYTES, MAX_PHOTO_LABEL, ReportRequest, STREAM, TicketDetail,
    TicketView,
};
use binhe_core::ticket::intake::IntakeRequest;
use binhe_core::ticket::photo::{ACCEPTED_NAMES, PhotoKind};
use binhe_core::ticket::{ActionKind, Channel, TicketId};

use crate::api::texts::TicketNames;
use crate::api::{self, ApiError};
use crate::app::AppState;
use crate::components::PhotoStrip;
use crate::format::file_size;
use crate::i18n::{Lang, Msg};
use crate::map::PhoneMap;
use crate::session::Auth;
use crate::tickets::actions::OnTheCard;
use crate::tickets::time::{date_time, now, time_left};

/// Whether the page was opened as the phone view (`…/m/`).
pub fn is_phone_path() -> bool {
    window()
        .location()
        .pathname()
        .is_ok_and(|p| p.trim_end_matches('/').ends_with("/m"))
}

/// A narrow screen: a worker who signs in at `/` there is sent on to `/m/`.
pub fn is_narrow_screen() -> bool {
    window()
        .inner_width()
        .ok()
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w <= 600.0)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Page {
    List,
    Ticket(TicketId),
    Patrol,
    Diary,
}

/// Where the phone is: `None` until the first fix, with the last failure's words.
#[derive(Clone, Copy)]
struct Position {
    at: RwSignal<Option<(f64, f64)>>,
    error: RwSignal<Option<String>>,
}

impl Position {
    fn new() -> Self {
        Self {
            at: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    /// Asks the browser for the phone's position (it asks the user the first time).
    fn locate(self) {
        let Some(geolocation) = window().navigator().geolocation().ok() else {
            self.error
                .set(Some(Msg::PhoneNoGeolocation.text(Lang::Zh).to_owned()));
            return;
        };
        let found = Closure::once_into_js(move |position: JsValue| {
            let coords = js_sys::Reflect::get(&position, &"coords".into()).unwrap_or_default();
            let number = |key: &str| {
                js_sys::Reflect::get(&coords, &key.into())
                    .ok()
                    .and_then(|v| v.as_f64())
            };
            if let (Some(lon), Some(lat)) = (number("longitude"), number("latitude")) {
                self.at.set(Some((lon, lat)));
                self.error.set(None);
            }
        });
        let failed = Closure::once_into_js(move |error: JsValue| {
            let message = js_sys::Reflect::get(&error, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_default();
            self.error.set(Some(message));
        });
        if geolocation
            .get_current_position_with_error_callback(
                found.unchecked_ref(),
                Some(failed.unchecked_ref()),
            )
            .is_err()
        {
            self.error
                .set(Some(Msg::PhoneNoGeolocation.text(Lang::Zh).to_owned()));
        }
    }
}

/// The most urgent first: overdue, then by how soon the deadline comes, urgent before normal;
/// the newest first among equals.
fn urgency_order(list: &mut [TicketView]) {
    list.sort_by(|a, b| {
        b.is_urgent()
            .cmp(&a.is_urgent())
            .then(a.due_at.cmp(&b.due_at))
            .then(b.received_at.cmp(&a.received_at))
    });
}

#[component]
pub fn PhoneApp() -> impl IntoView {
    let state = expect_context::<AppState>();
    let auth = expect_context::<Auth>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let page = RwSignal::new(Page::List);
    let position = Position::new();
    position.locate();
    // Another account signed in: back to its own list.
    Effect::new(move |previous: Option<u64>| {
        let generation = auth.generation.get();
        if previous.is_some() {
            page.set(Page::List);
        }
        generation
    });
    let who = move || {
        state.session.with(|s| {
            s.as_ref()
                .map(|s| s.account.name.clone())
                .unwrap_or_default()
        })
    };
    let body = move || match page.get() {
        Page::List => view! { <MyTickets page/> }.into_any(),
        Page::Ticket(id) => view! { <TicketPage id page position/> }.into_any(),
        Page::Patrol => view! { <PatrolReport page position/> }.into_any(),
        Page::Diary => view! { <diary::PhoneDiary page/> }.into_any(),
    };
    view! {
        <div class="phone" data-testid="phone">
            <header class="m-head">
                {move || (page.get() != Page::List).then(|| view! {
                    <button type="button" class="m-icon" data-testid="m-back" aria-label=move || t(Msg::PhoneBack)
                        on:click=move |_| page.set(Page::List)>"‹"</button>
                })}
                <div class="m-title">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span>{move || t(Msg::PhoneTitle)}</span>
                    <span class="m-who" data-testid="m-who">{who}</span>
                </div>
                <button type="button" class="m-icon m-lang" data-testid="m-lang"
                    on:click=move |_| state.toggle_lang()>{move || t(Msg::LangToggle)}</button>
                <button type="button" class="m-icon" data-testid="m-logout"
                    on:click=move |_| auth.logout(state)>{move || t(Msg::PhoneLogout)}</button>
            </header>
            <main class="m-body">{body}</main>
        </div>
    }
}

#[component]
fn MyTickets(page: RwSignal<Page>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let tickets = LocalResource::new(|| async {
        api::tickets::open_tickets().await.map(|list| {
            let mut list = list.tickets;
            urgency_order(&mut list);
            list
        })
    });
    // The list follows the worker's own stream (it carries only what they may see): a ticket
    // dispatched to them appears without 刷新. The stream ends with the list.
    let stream = StoredValue::new_local(EventSource::new(STREAM).ok());
    stream.with_value(|source| {
        if let Some(source) = source {
            let on_ticket = Closure::<dyn FnMut()>::new(move || tickets.refetch());
            let _ = source
                .add_event_listener_with_callback("ticket", on_ticket.as_ref().unchecked_ref());
            // Lives as long as the page; a closed stream calls it no more.
            on_ticket.forget();
        }
    });
    on_cleanup(move || {
        stream.with_value(|source| {
            if let Some(source) = source {
                source.close();
            }
        });
    });
    let rows = move || {
        match tickets.get() {
        None => view! { <p class="m-status">{t(Msg::TicketLoading)}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="m-status m-error" role="alert">{e.message(lang.get()).to_owned()}</p> }.into_any(),
        Some(Ok(list)) if list.is_empty() => {
            view! { <p class="m-status" data-testid="m-empty">{t(Msg::PhoneNoTickets)}</p> }.into_any()
        }
        Some(Ok(list)) => list
            .into_iter()
            .map(|ticket| ticket_row(lang, page, &ticket))
            .collect_view()
            .into_any(),
    }
    };
    view! {
        <div class="m-bar">
            <h1 class="m-h1">{move || t(Msg::PhoneMyTickets)}</h1>
            <button type="button" class="m-btn" data-testid="m-refresh" on:click=move |_| tickets.refetch()>
                {move || t(Msg::PhoneRefresh)}
            </button>
        </div>
        <button type="button" class="m-btn m-wide primary" data-testid="m-patrol" on:click=move |_| page.set(Page::Patrol)>
            {move || t(Msg::PhonePatrol)}
        </button>
        <button type="button" class="m-btn m-wide" data-testid="m-diary-open" on:click=move |_| page.set(Page::Diary)>
            {move || t(Msg::PhoneDiary)}
        </button>
        <ul class="m-list" data-testid="m-tickets">{rows}</ul>
    }
}

fn ticket_row(lang: RwSignal<Lang>, page: RwSignal<Page>, ticket: &TicketView) -> AnyView {
    let id = ticket.id;
    let due = ticket.due_at;
    let names = ticket.clone();
    let state_names = ticket.clone();
    let place = ticket
        .address
        .clone()
        .or_else(|| ticket.routing.micro.as_ref().map(|m| m.name.clone()))
        .unwrap_or_default();
    let overdue = ticket.due_at < now();
    view! {
        <li>
            <button type="button" class="m-ticket" data-testid="m-ticket" data-ticket-id=id.to_string()
                class:urgent=ticket.is_urgent() on:click=move |_| page.set(Page::Ticket(id))>
                <span class="m-ticket-top">
                    <span class="m-cat">{move || names.category_name(lang.get()).to_owned()}</span>
                    <span class="m-state" data-field="state">{move || state_names.state_name(lang.get()).to_owned()}</span>
                </span>
                <span class="m-desc">{ticket.description.clone()}</span>
                <span class="m-meta">
                    <span class="mono">{format!("#{id}")}</span>
                    <span>{place}</span>
                </span>
                <span class="m-due" class:overdue=overdue data-field="due">
                    {move || format!("{} {}", Msg::TicketDue.text(lang.get()), date_time(due))}
                    " · "{move || time_left(lang.get(), due, now())}
                </span>
            </button>
        </li>
    }
    .into_any()
}

#[component]
fn TicketPage(id: TicketId, page: RwSignal<Page>, position: Position) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let detail = LocalResource::new(move || api::tickets::ticket(id));
    let error = RwSignal::new(None::<ApiError>);
    let body = move || {
        match detail.get() {
        None => view! { <p class="m-status">{t(Msg::TicketLoading)}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="m-status m-error" role="alert">{e.message(lang.get()).to_owned()}</p> }.into_any(),
        Some(Ok(d)) => ticket_body(lang, &d, position, error, move || detail.refetch()).into_any(),
    }
    };
    let _ = page;
    view! {
        <div class="m-ticket-page" data-testid="m-ticket-page" data-ticket-id=id.to_string()>
            {body}
            {move || error.get().map(|e| view! {
                <p class="m-error" role="alert" data-testid="m-error" data-error-code=e.code.clone()>{e.message(lang.get()).to_owned()}</p>
            })}
        </div>
    }
}

fn ticket_body(
    lang: RwSignal<Lang>,
    d: &TicketDetail,
    position: Position,
    error: RwSignal<Option<ApiError>>,
    reload: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    let ticket = d.ticket.clone();
    let id = ticket.id;
    let version = ticket.version;
    let may_start = ActionKind::Start.allowed(&ticket, &d.events, now());
    let may_feed_back = ActionKind::Feedback.allowed(&ticket, &d.events, now());
    let busy = RwSignal::new(false);
    let start = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::tickets::act(id, &ActionRequest::new(ActionKind::Start, version)).await {
                Ok(_) => {
                    error.set(None);
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let names = (ticket.clone(), ticket.clone());
    let due = ticket.due_at;
    let call = ticket.reporter_phone.clone().map(|phone| {
        let href = format!("tel:{}", phone.replace(' ', ""));
        view! {
            <a class="m-btn" data-testid="m-call" href=href>{move || t(Msg::PhoneCall)}" "<span class="mono">{phone.clone()}</span></a>
        }
    });
    let place = ticket.lon.zip(ticket.lat);
    let map = place.map(|(lon, lat)| {
        let geo = format!("geo:{lat},{lon}?q={lat},{lon}");
        view! {
            <PhoneMap ticket=(lon, lat) me=position.at.into()/>
            <div class="m-row">
                <a class="m-btn" data-testid="m-geo" href=geo>{move || t(Msg::PhoneNavigate)}</a>
                <button type="button" class="m-btn" data-testid="m-locate" on:click=move |_| position.locate()>
                    {move || t(Msg::PhoneLocate)}
                </button>
            </div>
            {move || position.error.get().map(|e| view! { <p class="m-note">{t(Msg::PhoneNoPosition)}" "{e}</p> })}
        }
    });
    view! {
        <h1 class="m-h1">
            <span data-field="category">{move || names.0.category_name(lang.get()).to_owned()}</span>
            <span class="m-state" data-field="state">{move || names.1.state_name(lang.get()).to_owned()}</span>
        </h1>
        <p class="m-meta"><span class="mono">{format!("#{id}")}</span>
            <span>{ticket.address.clone().or_else(|| ticket.routing.micro.as_ref().map(|m| m.name.clone())).unwrap_or_default()}</span></p>
        <p class="m-desc-full" data-field="description">{ticket.description.clone()}</p>
        <p class="m-due" data-field="due">{move || format!("{} {}", Msg::TicketDue.text(lang.get()), date_time(due))}" · "{move || time_left(lang.get(), due, now())}</p>
        {ticket.reporter_name.clone().map(|n| view! { <p class="m-meta">{move || t(Msg::PhoneReporter)}" "{n.clone()}</p> })}
        <div class="m-row">
            {may_start.then(|| view! {
                <button type="button" class="m-btn primary" data-testid="m-start" disabled=move || busy.get() on:click=start>
                    {move || t(Msg::PhoneStart)}
                </button>
            })}
            {call}
        </div>
        {map}
        {(!d.photos.is_empty()).then(|| view! {
            <h2 class="m-h2">{move || t(Msg::TicketPhotos)}</h2>
            <PhotoStrip lang urls=d.photos.clone()/>
        })}
        {may_feed_back.then(|| view! { <FeedbackForm id version error reload/> })}
    }
}

/// One photo chosen on the phone, as far as it got.
#[derive(Clone, Debug, PartialEq)]
enum PhotoStatus {
    Checking,
    /// Refused on the phone or by the server, in both languages.
    Refused(String, String),
    Waiting,
    Sending(u8),
    Sent(String),
}

#[derive(Clone)]
struct PhotoItem {
    key: u32,
    file: File,
    status: PhotoStatus,
}

/// The photos chosen on one form: each checked as it is chosen, then sent to a ticket.
#[derive(Clone, Copy)]
struct Photos {
    items: RwSignal<Vec<PhotoItem>, LocalStorage>,
    next: StoredValue<u32>,
}

/// The first bytes of a file, to tell its kind.
async fn head_of(file: &File) -> Option<Vec<u8>> {
    let head = file.slice_with_i32_and_i32(0, 16).ok()?;
    let buffer = wasm_bindgen_futures::JsFuture::from(head.array_buffer())
        .await
        .ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

impl Photos {
    fn new() -> Self {
        Self {
            items: RwSignal::new_local(Vec::new()),
            next: StoredValue::new(0),
        }
    }

    fn set(self, key: u32, status: PhotoStatus) {
        self.items.update(|items| {
            if let Some(item) = items.iter_mut().find(|i| i.key == key) {
                item.status = status;
            }
        });
    }

    /// Takes the chosen files in and checks each: size first, then the kind from its bytes.
    async fn add(self, files: Vec<File>) {
        let mut keys = Vec::new();
        for file in files {
            let key = self.next.get_value();
            self.next.set_value(key + 1);
            keys.push((key, file.clone()));
            self.items.update(|items| {
                items.push(PhotoItem {
                    key,
                    file,
                    status: PhotoStatus::Checking,
                });
            });
        }
        for (key, file) in keys {
            self.set(key, check_photo(&file).await);
        }
    }

    /// Sends every photo not sent yet to ticket `id`; answers the refs of all sent.
    async fn send_to(self, id: TicketId) -> Vec<String> {
        let waiting: Vec<(u32, File)> = self.items.with_untracked(|items| {
            items
                .iter()
                .filter(|i| i.status == PhotoStatus::Waiting)
                .map(|i| (i.key, i.file.clone()))
                .collect()
        });
        for (key, file) in waiting {
            self.set(key, PhotoStatus::Sending(0));
            let progress = move |sent: f64, total: f64| {
                if total > 0.0 {
                    let percent = (sent / total * 100.0).clamp(0.0, 100.0);
                    #[allow(
                        clippy::cast_possible_truncation,
                        clippy::cast_sign_loss,
                        reason = "clamped to 0–100"
                    )]
                    self.set(key, PhotoStatus::Sending(percent as u8));
                }
            };
            let status = match api::tickets::upload_photo(id, &file, progress).await {
                Ok(kept) => PhotoStatus::Sent(kept.photo),
                Err(e) => PhotoStatus::Refused(e.message_zh.clone(), e.message_en.clone()),
            };
            self.set(key, status);
        }
        self.refs()
    }

    fn refs(self) -> Vec<String> {
        self.items.with_untracked(|items| {
            items
                .iter()
                .filter_map(|i| match &i.status {
                    PhotoStatus::Sent(photo) => Some(photo.clone()),
                    _ => None,
                })
                .collect()
        })
    }

    fn busy(self) -> bool {
        self.items.with(|items| {
            items
                .iter()
                .any(|i| matches!(i.status, PhotoStatus::Checking | PhotoStatus::Sending(_)))
        })
    }
}

/// The phone's own check, the same the server makes: at most 10 MB, JPEG, PNG or HEIC by the
/// file's bytes (whatever its name says).
async fn check_photo(file: &File) -> PhotoStatus {
    let size = crate::local_file::size_of(file);
    if size > MAX_PHOTO_BYTES as u64 {
        #[allow(clippy::cast_precision_loss, reason = "a size for people to read")]
        let megabytes = format!("{:.1} MB", size as f64 / (1024.0 * 1024.0));
        return PhotoStatus::Refused(
            format!("照片 {megabytes}，超过 {MAX_PHOTO_LABEL} 上限，未上传，请压缩或重拍"),
            format!("The photo is {megabytes}, over the {MAX_PHOTO_LABEL} limit: not sent"),
        );
    }
    let Some(head) = head_of(file).await else {
        return PhotoStatus::Refused(
            "文件无法读取，未上传".to_owned(),
            "The file cannot be read: not sent".to_owned(),
        );
    };
    let kind = PhotoKind::sniff(&head);
    if kind.accepted() {
        PhotoStatus::Waiting
    } else {
        PhotoStatus::Refused(
            format!(
                "不是照片（{}），未上传；只能上传 {ACCEPTED_NAMES} 格式的照片",
                kind.name_zh()
            ),
            format!(
                "Not a photo ({}): not sent; JPEG, PNG or HEIC only",
                kind.name_en()
            ),
        )
    }
}

/// The camera button and the chosen photos, each with its state.
#[component]
fn PhotoPicker(photos: Photos, on_chosen: Callback<()>) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let t = move |m: Msg| m.text(lang.get());
    let on_change = move |ev: Event| {
        let input: HtmlInputElement = event_target(&ev);
        let files = crate::local_file::chosen_files(&input);
        // Choosing the same photo again must fire `change` too.
        input.set_value("");
        if files.is_empty() {
            return;
        }
        spawn_local(async move {
            photos.add(files).await;
            on_chosen.run(());
        });
    };
    let rows = move || {
        photos
            .items
            .get()
            .into_iter()
            .map(|item| {
                let (class, text) = match &item.status {
                    PhotoStatus::Checking => ("checking", t(Msg::PhonePhotoChecking).to_owned()),
                    PhotoStatus::Waiting => ("waiting", t(Msg::PhonePhotoWaiting).to_owned()),
                    PhotoStatus::Sending(p) => ("sending", format!("{} {p}%", t(Msg::PhonePhotoSending))),
                    PhotoStatus::Sent(_) => ("sent", t(Msg::PhonePhotoSent).to_owned()),
                    PhotoStatus::Refused(zh, en) => ("refused", lang.get().pick(zh, en).to_owned()),
                };
                let percent = match item.status {
                    PhotoStatus::Sending(p) => p,
                    PhotoStatus::Sent(_) => 100,
                    _ => 0,
                };
                view! {
                    <li class=format!("m-photo {class}") data-testid="m-photo" data-status=class>
                        <span class="m-photo-name">{item.file.name()}</span>
                        <span class="m-photo-size">{file_size(lang.get(), crate::local_file::size_of(&item.file))}</span>
                        <span class="m-photo-state" data-testid="m-photo-state">{text}</span>
                        <progress max="100" value=percent.to_string()></progress>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <label class="m-btn m-wide m-camera">
            <input class="visually-hidden" type="file" accept="image/*" capture="environment" multiple
                data-testid="m-photo-input" on:change=on_change/>
            {move || t(Msg::PhoneTakePhoto)}
        </label>
        <ul class="m-photos" data-testid="m-photos">{rows}</ul>
    }
}

#[component]
fn FeedbackForm(
    id: TicketId,
    version: u32,
    error: RwSignal<Option<ApiError>>,
    reload: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let t = move |m: Msg| m.text(lang.get());
    let photos = Photos::new();
    let solved = RwSignal::new(true);
    let note = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    // Photos go up as soon as they are chosen, so 提交 only sends the feedback.
    let on_chosen = Callback::new(move |()| {
        spawn_local(async move {
            photos.send_to(id).await;
        });
    });
    let submit = move |_| {
        sending.set(true);
        spawn_local(async move {
            let refs = photos.send_to(id).await;
            let mut body = ActionRequest::new(ActionKind::Feedback, version);
            body.outcome = Some(
                if solved.get_untracked() {
                    "solved"
                } else {
                    "unsolved"
                }
                .to_owned(),
            );
            body.note = Some(note.get_untracked());
            body.photos = refs;
            match api::tickets::act(id, &body).await {
                Ok(_) => {
                    error.set(None);
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
            sending.set(false);
        });
    };
    view! {
        <section class="m-form" data-testid="m-feedback">
            <h2 class="m-h2">{move || t(Msg::PhoneFeedback)}</h2>
            <div class="m-row">
                <button type="button" class="m-btn" class:chosen=move || solved.get() data-testid="m-solved"
                    on:click=move |_| solved.set(true)>{move || t(Msg::PhoneSolved)}</button>
                <button type="button" class="m-btn" class:chosen=move || !solved.get() data-testid="m-unsolved"
                    on:click=move |_| solved.set(false)>{move || t(Msg::KpiMissResolution)}</button>
            </div>
            <textarea class="m-input" rows="3" data-testid="m-note" placeholder=move || t(Msg::PhoneNoteHint)
                prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            <PhotoPicker photos on_chosen/>
            <button type="button" class="m-btn m-wide primary" data-testid="m-feedback-submit"
                disabled=move || sending.get() || photos.busy() || note.with(|n| n.trim().is_empty())
                on:click=submit>{move || t(Msg::PhoneSubmitFeedback)}</button>
        </section>
    }
}

#[component]
fn PatrolReport(page: RwSignal<Page>, position: Position) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let catalogue = LocalResource::new(api::tickets::catalogue);
    let category = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let photos = Photos::new();
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(None::<TicketView>);
    let options = move || {
        catalogue.get().and_then(Result::ok).map(|c| {
            c.categories
                .into_iter()
                .map(|c| {
                    let name = if lang.get() == Lang::Zh {
                        c.name_zh.clone()
                    } else {
                        c.name_en.clone()
                    };
                    view! { <option value=c.code.clone()>{name}</option> }
                })
                .collect_view()
        })
    };
    let submit = move |_| {
        let Some((lon, lat)) = position.at.get_untracked() else {
            error.set(Some(ApiError::client(
                "NO_POSITION",
                Msg::PhoneNoPosition.text(Lang::Zh).to_owned(),
                Msg::PhoneNoPosition.text(Lang::En).to_owned(),
            )));
            return;
        };
        sending.set(true);
        let name = state
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.account.name.clone()));
        spawn_local(async move {
            let request = ReportRequest {
                request: IntakeRequest {
                    channel: Some(Channel::Patrol.as_str().to_owned()),
                    category: Some(category.get_untracked()).filter(|c| !c.is_empty()),
                    description: Some(description.get_untracked()),
                    lon: Some(lon),
                    lat: Some(lat),
                    reporter_name: name,
                    ..IntakeRequest::default()
                },
                snapshot_jpeg: None,
            };
            match api::tickets::create(&request).await {
                Ok(created) => {
                    photos.send_to(created.ticket.id).await;
                    error.set(None);
                    done.set(Some(created.ticket));
                }
                Err(e) => error.set(Some(e)),
            }
            sending.set(false);
        });
    };
    let form = move || {
        if let Some(ticket) = done.get() {
            let id = ticket.id;
            let grid = ticket
                .routing
                .micro
                .as_ref()
                .or(ticket.routing.community.as_ref())
                .map(|g| g.name.clone())
                .unwrap_or_default();
            let code = ticket
                .routing
                .micro
                .as_ref()
                .map(|g| g.code.to_string())
                .unwrap_or_default();
            return view! {
                <div class="m-done" data-testid="m-patrol-done" data-ticket-id=id.to_string() data-grid=code>
                    <p>{move || t(Msg::PhonePatrolDone)}" "<span class="mono">{format!("#{id}")}</span></p>
                    <p class="m-meta">{move || t(Msg::TicketRouting)}" "{grid.clone()}</p>
                    <button type="button" class="m-btn m-wide" data-testid="m-patrol-open" on:click=move |_| page.set(Page::Ticket(id))>
                        {move || t(Msg::PhoneOpenTicket)}
                    </button>
                </div>
            }
            .into_any();
        }
        view! {
            <section class="m-form" data-testid="m-patrol-form">
                <label class="m-label">{move || t(Msg::IntakeCategory)}
                    <select class="m-input" data-testid="m-category" on:change=move |ev| category.set(event_target_value(&ev))>
                        <option value="">{move || t(Msg::PhoneChooseCategory)}</option>
                        {options}
                    </select>
                </label>
                <label class="m-label">{move || t(Msg::IntakeDescription)}
                    <textarea class="m-input" rows="3" data-testid="m-description"
                        prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                </label>
                <p class="m-meta" data-testid="m-position">
                    {move || match position.at.get() {
                        Some((lon, lat)) => format!("{} {lon:.5}, {lat:.5}", t(Msg::PhonePositionAt)),
                        None => t(Msg::PhoneLocating).to_owned(),
                    }}
                    " "
                    <button type="button" class="m-btn small" on:click=move |_| position.locate()>{move || t(Msg::PhoneLocate)}</button>
                </p>
                {move || position.error.get().map(|e| view! { <p class="m-note">{t(Msg::PhoneNoPosition)}" "{e}</p> })}
                <PhotoPicker photos on_chosen=Callback::new(|()| ())/>
                <button type="button" class="m-btn m-wide primary" data-testid="m-patrol-submit"
                    disabled=move || sending.get() || photos.busy() || description.with(|d| d.trim().is_empty()) || position.at.get().is_none()
                    on:click=submit>{move || t(Msg::PhoneSubmitPatrol)}</button>
            </section>
        }
        .into_any()
    };
    view! {
        <h1 class="m-h1">{move || t(Msg::PhonePatrol)}</h1>
        {form}
        {move || error.get().map(|e| view! {
            <p class="m-error" role="alert" data-testid="m-error" data-error-code=e.code.clone()>{e.message(lang.get()).to_owned()}</p>
        })}
    }
}

#[cfg(test)]
mod tests {
    use binhe_core::ticket::{TicketState, Urgency};

    use super::*;
    use crate::tickets::queue::tests::ticket;

    #[test]
    fn urgent_first_then_the_nearest_deadline_then_the_newest() {
        let normal = |id, received, due| {
            let mut t = ticket(id, TicketState::Dispatched, received, due);
            t.urgency = Urgency::Normal;
            t
        };
        let mut urgent = normal(4, "2026-11-28T01:00:00Z", "2026-12-01T00:00:00Z");
        urgent.urgency = Urgency::Urgent;
        let mut list = vec![
            normal(1, "2026-11-28T01:00:00Z", "2026-11-30T00:00:00Z"),
            normal(2, "2026-11-28T02:00:00Z", "2026-11-29T00:00:00Z"),
            normal(3, "2026-11-28T03:00:00Z", "2026-11-29T00:00:00Z"),
            urgent,
        ];
        urgency_order(&mut list);
        let ids: Vec<_> = list.iter().map(|t| t.id).collect();
        assert_eq!(ids, [4, 3, 2, 1]);
    }
}
