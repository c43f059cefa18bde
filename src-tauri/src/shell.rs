//! The window and where it points: the embedded server (standalone) or a center (terminal).
//!
//! Local pages (`connect.html`, shipped in the app) tell the commander what is going on when
//! the center does not answer and offer retry, another address, or standalone. Only these
//! local pages can call the commands below: Tauri refuses custom commands from remote origins
//! (the embedded server and the center are remote to it), which is why the embedded server's
//! window uses `PUT /api/desktop/center` instead.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use binhe_server::desktop::{CenterChoice, parse_center_url};
use binhe_server::{RunningServer, ServerConfig, start};
use tauri::menu::{CheckMenuItem, CheckMenuItemBuilder, MenuBuilder, SubmenuBuilder};
use tauri::{AppHandle, Manager, WebviewWindow};
use url::Url;

use crate::settings::Saved;
use crate::trust::{self, Trust};

/// The longest the shell waits for the window's first page before moving it anyway.
const FIRST_LOAD_WAIT: Duration = Duration::from_secs(15);

pub const WINDOW: &str = "main";
const MENU_STANDALONE: &str = "connect.standalone";
const MENU_CENTER: &str = "connect.center";
/// How long a center may take to accept a connection before it counts as not answering.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(4);

/// The app's own pages (`frontendDist`), as the webview addresses them.
fn local_page(page: &str) -> Url {
    let base = if cfg!(any(windows, target_os = "android")) {
        "http://tauri.localhost/"
    } else {
        "tauri://localhost/"
    };
    Url::parse(base)
        .and_then(|b| b.join(page))
        .expect("a fixed local page URL")
}

/// `connect.html` in one of its states: `connecting`, `unreachable`, `choose`.
pub fn connect_page(state: &str, center: Option<&Url>, detail: Option<&str>) -> Url {
    let mut url = local_page("connect.html");
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("state", state);
        if let Some(center) = center {
            query.append_pair("center", center.as_str());
        }
        if let Some(detail) = detail {
            query.append_pair("detail", detail);
        }
    }
    url
}

/// Can a TCP connection be made to the center's host and port? A bilingual reason if not.
pub fn reachable(center: &Url) -> Result<(), String> {
    let host = center.host_str().unwrap_or_default();
    let port = center.port_or_known_default().unwrap_or(80);
    let addresses: Vec<_> = (host.trim_matches(['[', ']']), port)
        .to_socket_addrs()
        .map_err(|e| format!("找不到服务器“{host}”（地址解析失败）/ Cannot find host {host}: {e}"))?
        .collect();
    let mut last = None;
    for address in &addresses {
        match TcpStream::connect_timeout(address, CONNECT_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(error) => last = Some(error),
        }
    }
    Err(match last {
        Some(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => format!(
            "服务器 {host}:{port} 拒绝连接，中心服务器程序可能未启动 / \
             {host}:{port} refused the connection: the center server may not be running"
        ),
        Some(error) if error.kind() == std::io::ErrorKind::TimedOut => format!(
            "连接 {host}:{port} 超时，网络可能不通 / \
             {host}:{port} did not answer in {} s: the network may be down",
            CONNECT_TIMEOUT.as_secs()
        ),
        Some(error) => format!("无法连接 {host}:{port} / Cannot connect to {host}:{port}: {error}"),
        None => format!("找不到服务器“{host}” / No address found for {host}"),
    })
}

struct Embedded {
    /// Kept so the server lives as long as the app; stopped cleanly when the app ends.
    server: RunningServer,
    launch: Url,
}

/// Everything the shell keeps; managed by Tauri and shared with the embedded server's hook.
pub struct Shell {
    settings_path: PathBuf,
    /// The saved choice (what `GET /api/desktop/center` answers).
    saved: Mutex<Saved>,
    /// The center the window uses now; `None`: standalone.
    active: Mutex<Option<Url>>,
    server_config: ServerConfig,
    embedded: tokio::sync::Mutex<Option<Embedded>>,
    app: OnceLock<AppHandle>,
    menu: OnceLock<(CheckMenuItem<tauri::Wry>, CheckMenuItem<tauri::Wry>)>,
    /// Set once the window's first page has finished loading. Moving the window while that
    /// first load is still under way (the start-up "connecting" page, at the moment a WebDriver
    /// session attaches) could lose the page's automation session: the tests saw it as
    /// "invalid session id". The shell waits for it before it moves the window.
    first_load_done: AtomicBool,
    /// The connect page's requests already acted on.
    attempts: Mutex<Attempts>,
}

/// The connect page's requests already acted on, by the name the page gave each. Tauri's IPC
/// sends a request again through its other channel when the answer to the first does not reach
/// the page — which is what happens when the command itself moves the window to another page
/// before its answer is delivered. A command that moves the window would then run twice: two
/// trusts and three navigations in a row, which ended the window's WebDriver session in CI.
/// A request seen before is answered at once and not acted on again.
#[derive(Debug, Default)]
struct Attempts(std::collections::VecDeque<String>);

impl Attempts {
    /// How many names are kept: far more than one page sends.
    const KEPT: usize = 32;

    /// Whether `attempt` is new (and now remembered).
    fn first(&mut self, attempt: &str) -> bool {
        if self.0.iter().any(|a| a == attempt) {
            return false;
        }
        if self.0.len() == Self::KEPT {
            self.0.pop_front();
        }
        self.0.push_back(attempt.to_owned());
        true
    }
}

impl std::fmt::Debug for Shell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shell")
            .field("settings_path", &self.settings_path)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// What the embedded server calls for `PUT /api/desktop/center`.
#[derive(Debug)]
struct Hook(Arc<Shell>);

impl CenterChoice for Hook {
    fn current(&self) -> Option<Url> {
        self.0.saved().center_url
    }

    fn choose(&self, center: Option<Url>) -> Result<(), String> {
        self.0.save(center.clone())?;
        if let Some(center) = center {
            self.0.open_center(center);
        }
        Ok(())
    }
}

impl Shell {
    pub fn new(settings_path: PathBuf, saved: Saved, server_config: ServerConfig) -> Arc<Self> {
        Arc::new(Self {
            settings_path,
            saved: Mutex::new(saved),
            active: Mutex::new(None),
            server_config,
            embedded: tokio::sync::Mutex::new(None),
            app: OnceLock::new(),
            menu: OnceLock::new(),
            first_load_done: AtomicBool::new(false),
            attempts: Mutex::new(Attempts::default()),
        })
    }

    /// Whether the connect page's request `attempt` is seen for the first time.
    fn first_attempt(&self, attempt: &str) -> bool {
        let first = self.attempts.lock().expect("not poisoned").first(attempt);
        if !first {
            tracing::info!(
                attempt,
                "a request the connect page sent again: answered, not repeated"
            );
        }
        first
    }

    fn saved(&self) -> Saved {
        self.saved.lock().expect("not poisoned").clone()
    }

    fn active(&self) -> Option<Url> {
        self.active.lock().expect("not poisoned").clone()
    }

    fn window(&self) -> Option<WebviewWindow> {
        self.app.get()?.get_webview_window(WINDOW)
    }

    /// Called by the window when a page has finished loading.
    pub fn page_loaded(&self) {
        self.first_load_done.store(true, Ordering::SeqCst);
    }

    /// Waits (on a thread of its own) until the first page has loaded, at most `FIRST_LOAD_WAIT`.
    fn wait_for_first_load(&self) {
        let deadline = std::time::Instant::now() + FIRST_LOAD_WAIT;
        while !self.first_load_done.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn navigate(&self, url: Url) {
        let Some(window) = self.window() else {
            tracing::error!("no window to move");
            return;
        };
        if let Err(error) = window.navigate(url) {
            tracing::error!(%error, "cannot move the window");
        }
    }

    /// Saves the choice in `desktop.json` and shows it in the menu.
    pub fn save(&self, center: Option<Url>) -> Result<(), String> {
        let saved = Saved {
            center_url: center,
            ..self.saved()
        };
        saved.save(&self.settings_path)?;
        tracing::info!(center = ?saved.center_url.as_ref().map(Url::as_str), "connection choice saved");
        *self.saved.lock().expect("not poisoned") = saved;
        self.refresh_menu();
        Ok(())
    }

    /// Starts the embedded server unless it runs; answers its launch URL.
    pub async fn embedded_server(self: &Arc<Self>) -> Result<Url, String> {
        let mut embedded = self.embedded.lock().await;
        if let Some(running) = embedded.as_ref() {
            return Ok(running.launch.clone());
        }
        let config = ServerConfig {
            desktop: Some(Arc::new(Hook(Arc::clone(self)))),
            ..self.server_config.clone()
        };
        // `start` is not provably Send (sqlx's PostgreSQL side), so it cannot run in a spawned
        // task: drive it on a blocking thread of the same runtime instead.
        let server = tauri::async_runtime::spawn_blocking(move || {
            tauri::async_runtime::block_on(start(config))
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        let launch: Url = server
            .launch_url()
            .parse()
            .expect("the server's own URL parses");
        // The same UI is reachable from a browser on this machine at this address.
        println!("SMART_BINHE_URL={launch}");
        tracing::info!(address = %server.address, "embedded server started");
        *embedded = Some(Embedded {
            server,
            launch: launch.clone(),
        });
        Ok(launch)
    }

    /// Stops the embedded server if it runs: the requests under way end, then the database is
    /// closed with its write-ahead log folded into the file, so the file alone is complete.
    pub async fn stop_embedded(&self) {
        let running = self.embedded.lock().await.take();
        if let Some(embedded) = running {
            embedded.server.shutdown().await;
            tracing::info!("embedded server stopped");
        }
    }

    /// Standalone: the window shows the embedded server (started if needed).
    pub async fn open_standalone(self: &Arc<Self>) -> Result<(), String> {
        let launch = self.embedded_server().await?;
        *self.active.lock().expect("not poisoned") = None;
        self.refresh_menu();
        self.navigate(launch);
        Ok(())
    }

    /// Terminal: shows "connecting", then the center — or why it cannot be reached.
    pub fn open_center(self: &Arc<Self>, center: Url) {
        *self.active.lock().expect("not poisoned") = Some(center.clone());
        self.refresh_menu();
        println!("SMART_BINHE_CENTER={center}");
        tracing::info!(%center, "terminal mode: the window opens the center");
        // At start-up the window already shows this page (its first page): not loaded twice.
        if self.first_load_done.load(Ordering::SeqCst) {
            self.navigate(connect_page("connecting", Some(&center), None));
        }
        let shell = Arc::clone(self);
        std::thread::spawn(move || {
            let page = match reachable(&center) {
                Ok(()) => shell.trusted_page(&center),
                Err(detail) => {
                    tracing::warn!(center = %center, %detail, "center not reachable");
                    connect_page("unreachable", Some(&center), Some(&detail))
                }
            };
            shell.wait_for_first_load();
            shell.navigate(page);
        });
    }

    /// Where the window goes for a center that answers: the center itself if plain HTTP, a
    /// certificate an authority this computer trusts vouches for, or its pinned certificate
    /// (either accepted in WebKit now), else the page where the person decides.
    fn trusted_page(&self, center: &Url) -> Url {
        let accepted = |allow: &dyn Fn(&WebviewWindow) -> Result<(), String>| {
            self.wait_for_first_load();
            match self
                .window()
                .ok_or_else(|| "no window".to_owned())
                .and_then(|window| allow(&window))
            {
                Ok(()) => center.clone(),
                Err(detail) => connect_page("unreachable", Some(center), Some(&detail)),
            }
        };
        match trust::check(center, &self.saved().pins) {
            Trust::Plain => center.clone(),
            Trust::Verified {
                host,
                pem,
                stale_pin,
            } => {
                tracing::info!(%center, "the center's certificate verifies against the authorities this computer trusts: opened without asking");
                if stale_pin {
                    // The center moved from a certificate of its own to one an authority
                    // vouches for: the pin has nothing left to protect.
                    if let Err(error) = self.unpin(center) {
                        tracing::warn!(%center, %error, "cannot drop the pin the center no longer needs");
                    }
                }
                accepted(&|window| trust::allow_verified(window, host.clone(), pem.clone()))
            }
            Trust::Pinned { host, pem } => {
                accepted(&|window| trust::allow(window, host.clone(), pem.clone()))
            }
            Trust::FirstUse { fingerprint, why } => {
                tracing::info!(%center, %fingerprint, why = why.as_str(), "a center not trusted before: asking");
                let mut page = connect_page("trust", Some(center), Some(&fingerprint));
                page.query_pairs_mut().append_pair("why", why.as_str());
                page
            }
            Trust::Changed { pinned, presented } => {
                tracing::warn!(%center, %pinned, %presented, "the center presents another certificate");
                connect_page(
                    "changed",
                    Some(center),
                    Some(&format!("{pinned}\n{presented}")),
                )
            }
            Trust::Failed(detail) => {
                tracing::warn!(%center, %detail, "no TLS connection to the center");
                connect_page("unreachable", Some(center), Some(&detail))
            }
        }
    }

    /// Keeps `fingerprint` as the certificate `center` may present.
    fn pin(&self, center: &Url, fingerprint: &str) -> Result<(), String> {
        let mut saved = self.saved();
        saved
            .pins
            .insert(trust::pin_key(center), fingerprint.to_owned());
        saved.save(&self.settings_path)?;
        tracing::info!(%center, %fingerprint, "center certificate trusted");
        *self.saved.lock().expect("not poisoned") = saved;
        Ok(())
    }

    /// Forgets the certificate pinned for `center`.
    fn unpin(&self, center: &Url) -> Result<(), String> {
        let mut saved = self.saved();
        let Some(fingerprint) = saved.pins.remove(&trust::pin_key(center)) else {
            return Ok(());
        };
        saved.save(&self.settings_path)?;
        tracing::info!(%center, %fingerprint, "pin dropped: the center's certificate now verifies against a trusted authority");
        *self.saved.lock().expect("not poisoned") = saved;
        Ok(())
    }

    /// The native menu 连接 → 本机模式 / 连接中心服务器（当前：…）.
    pub fn install_menu(self: &Arc<Self>, app: &AppHandle) -> tauri::Result<()> {
        let _ = self.app.set(app.clone());
        let standalone =
            CheckMenuItemBuilder::with_id(MENU_STANDALONE, "本机模式 Standalone").build(app)?;
        let center = CheckMenuItemBuilder::with_id(MENU_CENTER, self.center_label()).build(app)?;
        let connect = SubmenuBuilder::new(app, "连接 Connect")
            .item(&standalone)
            .item(&center)
            .build()?;
        app.set_menu(MenuBuilder::new(app).item(&connect).build()?)?;
        let _ = self.menu.set((standalone, center));
        self.refresh_menu();
        let shell = Arc::clone(self);
        app.on_menu_event(move |_, event| match event.id().as_ref() {
            MENU_STANDALONE => {
                let shell = Arc::clone(&shell);
                tauri::async_runtime::spawn(async move {
                    if let Err(error) = shell.save(None) {
                        tracing::error!(%error, "cannot save the choice");
                    }
                    if let Err(error) = shell.open_standalone().await {
                        shell.navigate(connect_page("failed", None, Some(&error)));
                    }
                });
            }
            MENU_CENTER => {
                shell.refresh_menu();
                let current = shell.active().or_else(|| shell.saved().center_url);
                shell.navigate(connect_page("choose", current.as_ref(), None));
            }
            _ => {}
        });
        Ok(())
    }

    fn center_label(&self) -> String {
        let current = self
            .active()
            .or_else(|| self.saved().center_url)
            .map_or_else(|| "未设置 none".to_owned(), |url| url.to_string());
        format!("连接中心服务器（当前：{current}）Connect to center…")
    }

    /// Ticks the mode in use (GTK ticks whatever was clicked) and names the current center.
    fn refresh_menu(&self) {
        let Some((standalone, center)) = self.menu.get() else {
            return;
        };
        let terminal = self.active().is_some();
        let _ = standalone.set_checked(!terminal);
        let _ = center.set_checked(terminal);
        let _ = center.set_text(self.center_label());
    }
}

/// `connect.html` → connect to this center (checked first); `remember` saves it as the choice
/// once it answers (a typed address), a retry leaves the saved choice alone.
#[tauri::command]
pub async fn connect_center(
    shell: tauri::State<'_, Arc<Shell>>,
    url: String,
    remember: bool,
    attempt: String,
) -> Result<String, String> {
    if !shell.first_attempt(&attempt) {
        return Ok(url);
    }
    let center = parse_center_url(&url).map_err(|_| {
        format!(
            "“{}”不是有效的中心服务器地址，请填写 http:// 或 https:// 开头的完整地址，例如 http://192.168.1.10:8080/ / \
             Not a valid center URL: use a full http:// or https:// address",
            url.trim()
        )
    })?;
    let probe = center.clone();
    tauri::async_runtime::spawn_blocking(move || reachable(&probe))
        .await
        .map_err(|e| e.to_string())??;
    if remember {
        shell.save(Some(center.clone()))?;
    }
    shell.open_center(center.clone());
    Ok(center.to_string())
}

/// `connect.html` ("trust" / "changed") → the person compared `fingerprint` with the center's
/// and trusts it: kept if the center still presents exactly that certificate, then opened.
#[tauri::command]
pub async fn trust_center(
    shell: tauri::State<'_, Arc<Shell>>,
    url: String,
    fingerprint: String,
    attempt: String,
) -> Result<(), String> {
    if !shell.first_attempt(&attempt) {
        return Ok(());
    }
    let center = parse_center_url(&url).map_err(|e| e.to_string())?;
    let probe = center.clone();
    let pins = shell.saved().pins;
    let found = tauri::async_runtime::spawn_blocking(move || trust::check(&probe, &pins))
        .await
        .map_err(|e| e.to_string())?;
    let presented = match found {
        Trust::FirstUse { fingerprint, .. }
        | Trust::Changed {
            presented: fingerprint,
            ..
        } => fingerprint,
        Trust::Pinned { .. } | Trust::Plain => fingerprint.clone(),
        // An authority this computer trusts vouches for it now: nothing to pin.
        Trust::Verified { .. } => {
            shell.open_center(center);
            return Ok(());
        }
        Trust::Failed(detail) => return Err(detail),
    };
    if presented != fingerprint {
        return Err(format!(
            "中心现在出示的证书与您核对的不同，请重新核对 / The center now presents another \
             certificate than the one you checked: {presented}"
        ));
    }
    shell.pin(&center, &fingerprint)?;
    shell.open_center(center);
    Ok(())
}

/// `connect.html` → work standalone; `remember` saves it as the choice for the next start.
#[tauri::command]
pub async fn use_standalone(
    shell: tauri::State<'_, Arc<Shell>>,
    remember: bool,
    attempt: String,
) -> Result<(), String> {
    if !shell.first_attempt(&attempt) {
        return Ok(());
    }
    if remember {
        shell.save(None)?;
    }
    shell.inner().open_standalone().await
}

/// `connect.html` (menu, "cancel") → back to what the window showed.
#[tauri::command]
pub async fn resume(shell: tauri::State<'_, Arc<Shell>>, attempt: String) -> Result<(), String> {
    if !shell.first_attempt(&attempt) {
        return Ok(());
    }
    match shell.active() {
        Some(center) => {
            shell.open_center(center);
            Ok(())
        }
        None => shell.inner().open_standalone().await,
    }
}

#[cfg(test)]
mod tests {
    use super::Attempts;

    #[test]
    fn a_request_sent_again_is_acted_on_once() {
        let mut attempts = Attempts::default();
        assert!(attempts.first("page-1"));
        assert!(!attempts.first("page-1"), "the IPC's second sending");
        assert!(attempts.first("page-2"));
        // Only the last ones are kept: an old name is new again, long after.
        for n in 0..Attempts::KEPT {
            assert!(attempts.first(&format!("later-{n}")));
        }
        assert!(attempts.first("page-1"));
        assert_eq!(attempts.0.len(), Attempts::KEPT);
    }
}
