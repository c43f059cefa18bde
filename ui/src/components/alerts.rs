//! 提醒: the desk's alerts as they reach a person — a short tone made with Web Audio (no sound
//! file) and a system notification: in a browser through its Notification API, asked for once
//! per terminal at the first click after sign-in (browsers only ask on a click); in the desktop
//! window through the shell's IPC to Tauri's notification plugin, without asking. Settings are this terminal's own (提醒设置 under the account
//! menu); a training server, and the replay while it is open, alert nothing.

use std::cell::RefCell;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AudioContext, Notification, NotificationOptions, NotificationPermission};

use super::upload::Modal;
use super::{Replay, Training};
use crate::alerts::{Alert, AlertKind, AlertSettings, DoorWatch, TicketWatch, gather};
use crate::api::devices;
use crate::app::{AppState, store, stored};
use crate::i18n::{Lang, Msg};
use crate::map_first::MapFirst;
use crate::tickets::Desk;
use crate::tickets::queue::sla_at;
use crate::tickets::time::sleep;

const SETTINGS_KEY: &str = "smart-binhe.alerts";
/// Set once the terminal has asked for notifications (granted or not, it is not asked again).
const ASKED_KEY: &str = "smart-binhe.alerts.asked";
/// How often door alarms are asked for.
const DOOR_POLL: Duration = Duration::from_secs(4);

thread_local! {
    /// The page's one audio context, made at the first click (a browser lets it play then).
    static AUDIO: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

/// The tone of a kind: (frequency Hz, start s, length s) of each beep.
fn tone(kind: AlertKind) -> &'static [(f32, f64, f64)] {
    match kind {
        AlertKind::Urgent => &[(880.0, 0.0, 0.18), (880.0, 0.26, 0.18)],
        AlertKind::Overdue => &[(587.0, 0.0, 0.45)],
        AlertKind::Device => &[(1046.0, 0.0, 0.1), (1046.0, 0.16, 0.1), (1046.0, 0.32, 0.1)],
    }
}

fn audio() -> Option<AudioContext> {
    AUDIO.with(|a| {
        let mut a = a.borrow_mut();
        if a.is_none() {
            *a = AudioContext::new().ok();
        }
        a.clone()
    })
}

fn play(kind: AlertKind) {
    let Some(ctx) = audio() else {
        return;
    };
    let _ = ctx.resume();
    let at = ctx.current_time() + 0.02;
    for &(frequency, start, length) in tone(kind) {
        let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else {
            return;
        };
        osc.frequency().set_value(frequency);
        let level = gain.gain();
        let _ = level.set_value_at_time(0.0, at + start);
        let _ = level.linear_ramp_to_value_at_time(0.25, at + start + 0.02);
        let _ = level.linear_ramp_to_value_at_time(0.0, at + start + length);
        if osc.connect_with_audio_node(&gain).is_err()
            || gain.connect_with_audio_node(&ctx.destination()).is_err()
        {
            return;
        }
        let _ = osc.start_with_when(at + start);
        let _ = osc.stop_with_when(at + start + length + 0.02);
    }
}

/// Whether this page has the Notification API at all.
fn has_notifications() -> bool {
    js_sys::Reflect::has(&window(), &"Notification".into()).unwrap_or(false)
}

/// In the desktop window: the shell's IPC (Tauri's, `{ invoke }`), through which its
/// notification plugin shows the alerts. `None` in a browser.
fn shell() -> Option<(JsValue, js_sys::Function)> {
    let internals = js_sys::Reflect::get(&window(), &"__TAURI_INTERNALS__".into()).ok()?;
    let invoke = js_sys::Reflect::get(&internals, &"invoke".into()).ok()?;
    Some((internals, invoke.dyn_into().ok()?))
}

/// `granted`, `denied` or `default`; `None` without the API. The desktop shows what the
/// terminal's settings let through, without asking.
fn permission() -> Option<NotificationPermission> {
    if shell().is_some() {
        return Some(NotificationPermission::Granted);
    }
    has_notifications().then(Notification::permission)
}

/// Shows `alert` through the desktop shell's notification plugin (a click on it is not reported
/// back there: the card is opened from the queue).
fn notify_through_shell((internals, invoke): (JsValue, js_sys::Function), alert: &Alert) {
    let options = js_sys::Object::new();
    let args = js_sys::Object::new();
    let set = |o: &js_sys::Object, k: &str, v: &JsValue| js_sys::Reflect::set(o, &k.into(), v);
    if set(&options, "title", &alert.title.as_str().into()).is_err()
        || set(&options, "body", &alert.body.as_str().into()).is_err()
        || set(&args, "options", &options).is_err()
    {
        return;
    }
    let Ok(answer) = invoke.call2(&internals, &"plugin:notification|notify".into(), &args) else {
        return;
    };
    if let Ok(promise) = answer.dyn_into::<js_sys::Promise>() {
        spawn_local(async move {
            if let Err(error) = wasm_bindgen_futures::JsFuture::from(promise).await {
                web_sys::console::warn_2(
                    &"the desktop did not show a notification:".into(),
                    &error,
                );
            }
        });
    }
}

/// The terminal's alerts: the settings and the browser's answer about notifications.
#[derive(Clone, Copy)]
pub struct Alerts {
    pub settings: RwSignal<AlertSettings>,
    pub permission: RwSignal<Option<NotificationPermission>>,
    /// Why nothing is told now (a training server, the replay open), if so.
    pub paused: Signal<Option<Msg>>,
}

impl Alerts {
    /// Watches the desk's tickets and the door alarms in reach, and tells what is new.
    pub fn start(state: AppState, desk: Desk, replay: Replay, training: Training) -> Self {
        let settings = RwSignal::new(AlertSettings::parse(stored(SETTINGS_KEY).as_deref()));
        let permission = RwSignal::new(permission());
        let paused = Signal::derive(move || {
            if training
                .status
                .with(|s| s.as_ref().is_some_and(|s| s.available))
            {
                Some(Msg::AlertsOffTraining)
            } else if replay.open.get() {
                Some(Msg::AlertsOffReplay)
            } else {
                None
            }
        });
        let alerts = Alerts {
            settings,
            permission,
            paused,
        };
        let tickets = StoredValue::new(TicketWatch::default());
        let doors = StoredValue::new(DoorWatch::default());
        let login = move || {
            state
                .session
                .with(|s| s.as_ref().map(|s| s.account.login.clone()))
        };

        // Another account: what it sees is learned afresh, not told.
        Effect::new(move |_| {
            let _ = login();
            tickets.update_value(TicketWatch::reset);
            doors.update_value(DoorWatch::reset);
        });

        Effect::new(move || {
            let (now, share) = (desk.now.get(), desk.due_soon_share.get());
            if !desk.loaded.get() {
                return;
            }
            let lang = state.lang.get_untracked();
            let found = desk.tickets.with(|list| {
                tickets
                    .try_update_value(|w| w.look(list, |t| sla_at(t, now, share), lang))
                    .unwrap_or_default()
            });
            alerts.tell(found, desk, lang);
        });

        let first = MapFirst::get();
        spawn_local(async move {
            first.wait().await;
            loop {
                if login().is_some() && !crate::api::signed_out_held() {
                    let (after, limit) = doors.with_value(DoorWatch::ask);
                    let asked_for = login();
                    if let Ok(answer) = devices::door_alarms(after, limit).await
                        && login() == asked_for
                    {
                        let lang = state.lang.get_untracked();
                        let found = doors
                            .try_update_value(|w| w.heard(&answer.alarms, lang))
                            .unwrap_or_default();
                        alerts.tell(found, desk, lang);
                    }
                }
                sleep(DOOR_POLL).await;
            }
        });

        // The first click: the audio context may start, and notifications are asked for once.
        let listener = window_event_listener(leptos::ev::pointerdown, move |_| {
            let _ = audio().map(|ctx| ctx.resume());
            if login().is_some()
                && settings.get_untracked().system
                && stored(ASKED_KEY).is_none()
                && permission.get_untracked() == Some(NotificationPermission::Default)
            {
                alerts.ask();
            }
        });
        on_cleanup(move || listener.remove());
        alerts
    }

    /// Asks the browser for notifications (remembered: the terminal does not ask again by itself).
    pub fn ask(self) {
        store(ASKED_KEY, "1");
        let Ok(promise) = Notification::request_permission() else {
            return;
        };
        let permission = self.permission;
        spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            permission.set(self::permission());
        });
    }

    pub fn save(self, change: impl FnOnce(&mut AlertSettings)) {
        self.settings.update(change);
        store(SETTINGS_KEY, &self.settings.get_untracked().to_json());
    }

    /// Plays and shows `found`, as the settings and the moment allow.
    fn tell(self, found: Vec<Alert>, desk: Desk, lang: Lang) {
        if found.is_empty() || self.paused.get_untracked().is_some() {
            return;
        }
        let settings = self.settings.get_untracked();
        let wanted: Vec<Alert> = found
            .into_iter()
            .filter(|a| settings.wants(a.kind))
            .collect();
        let Some(first) = wanted.iter().map(|a| a.kind).min() else {
            return;
        };
        if settings.sound {
            play(first);
        }
        if settings.system {
            for alert in gather(&wanted, lang) {
                notify(&alert, Some(desk));
            }
        }
    }

    /// A notification to show that alerts work, and the tone of an urgent ticket.
    pub fn try_out(self, lang: Lang) {
        let settings = self.settings.get_untracked();
        if settings.sound {
            play(AlertKind::Urgent);
        }
        if settings.system {
            notify(
                &Alert {
                    kind: AlertKind::Urgent,
                    title: Msg::AlertsTryTitle.text(lang).to_owned(),
                    body: Msg::AlertsTryBody.text(lang).to_owned(),
                    ticket: None,
                    tag: "try".to_owned(),
                },
                None,
            );
        }
    }
}

/// Shows one notification, if the browser allows; a click brings the window up on its ticket.
fn notify(alert: &Alert, desk: Option<Desk>) {
    if let Some(shell) = shell() {
        notify_through_shell(shell, alert);
        return;
    }
    if permission() != Some(NotificationPermission::Granted) {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(&alert.body);
    options.set_tag(&alert.tag);
    options.set_lang("zh-CN");
    let Ok(shown) = Notification::new_with_options(&alert.title, &options) else {
        return;
    };
    let ticket = alert.ticket;
    let on_click = Closure::once_into_js(move || {
        let _ = window().focus();
        if let (Some(desk), Some(id)) = (desk, ticket) {
            desk.open(id);
        }
    });
    shown.set_onclick(Some(on_click.unchecked_ref()));
}

/// 提醒设置: this terminal's alerts.
#[component]
pub fn AlertsDialog(#[prop(into)] open: Signal<bool>, on_close: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let alerts = expect_context::<Alerts>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let check = move |testid: &'static str,
                      label: Msg,
                      get: fn(&AlertSettings) -> bool,
                      set: fn(&mut AlertSettings, bool)| {
        view! {
            <label class="choice alerts-choice">
                <input type="checkbox" data-testid=testid
                    prop:checked=move || alerts.settings.with(get)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        alerts.save(|s| set(s, on));
                        if testid == "alerts-system" && on
                            && alerts.permission.get_untracked() == Some(NotificationPermission::Default)
                        {
                            alerts.ask();
                        }
                    }/>
                {move || t(label)}
            </label>
        }
    };
    let permission_line = move || {
        let system = alerts.settings.with(|s| s.system);
        let line = match alerts.permission.get() {
            _ if !system => None,
            None => Some((Msg::AlertsPermissionMissing, "missing")),
            Some(NotificationPermission::Denied) => Some((Msg::AlertsPermissionDenied, "denied")),
            Some(NotificationPermission::Default) => {
                return Some(view! {
                    <p class="alerts-permission" data-testid="alerts-permission" data-permission="default">
                        <button type="button" class="btn small" data-testid="alerts-ask"
                            on:click=move |_| alerts.ask()>{move || t(Msg::AlertsPermissionAsk)}</button>
                    </p>
                }.into_any());
            }
            Some(_) => None,
        };
        line.map(|(msg, key)| view! {
            <p class="alerts-permission field-error" data-testid="alerts-permission" data-permission=key>
                {move || t(msg)}
            </p>
        }.into_any())
    };
    view! {
        <Modal open on_close title=Msg::AlertsTitle testid="alerts">
            <p class="import-rules">{move || t(Msg::AlertsNote)}</p>
            {move || alerts.paused.get().map(|m| view! {
                <p class="alerts-paused" data-testid="alerts-paused">{t(m)}</p>
            })}
            <div class="alerts-ways">
                {check("alerts-sound", Msg::AlertsSound, |s| s.sound, |s, on| s.sound = on)}
                {check("alerts-system", Msg::AlertsSystem, |s| s.system, |s, on| s.system = on)}
            </div>
            {permission_line}
            <p class="form-label">{move || t(Msg::AlertsKinds)}</p>
            <div class="alerts-kinds">
                {check("alerts-urgent", Msg::AlertsKindUrgent, |s| s.urgent, |s, on| s.urgent = on)}
                {check("alerts-overdue", Msg::AlertsKindOverdue, |s| s.overdue, |s, on| s.overdue = on)}
                {check("alerts-device", Msg::AlertsKindDevice, |s| s.device, |s, on| s.device = on)}
            </div>
            <div class="form-buttons">
                <button type="button" class="btn" data-testid="alerts-try"
                    on:click=move |_| alerts.try_out(lang.get_untracked())>{move || t(Msg::AlertsTry)}</button>
            </div>
        </Modal>
    }
}
