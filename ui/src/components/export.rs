//! 导出: the files a dispatcher sends upward. The 导出 menu of a ticket list (the queue, a KPI
//! drill-down) offers CSV, CSV in GBK, XLSX and GeoJSON of the located tickets with exactly the
//! list's filters, and to a dispatcher 含完整电话; while the file arrives a bar shows the rows
//! the server has written (or the bytes received, from a server that does not say). The same
//! download serves a ticket's timeline and the grids.

use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_core::access::Role;

use crate::api::ApiError;
use crate::api::exports::{self, Progress, with_param};
use crate::app::AppState;
use crate::format::file_size;
use crate::i18n::{self, Lang, Msg};

/// One file of a ticket list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    CsvGbk,
    Xlsx,
    GeoJson,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Csv, Format::CsvGbk, Format::Xlsx, Format::GeoJson];

    /// The file's extension (one of the contract's `EXPORT_FORMATS`).
    pub fn ext(self) -> &'static str {
        match self {
            Format::Csv | Format::CsvGbk => "csv",
            Format::Xlsx => "xlsx",
            Format::GeoJson => "geojson",
        }
    }

    /// The format's name, the same in both languages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::CsvGbk => "CSV（GBK）",
            Format::Xlsx => "XLSX",
            Format::GeoJson => "GeoJSON",
        }
    }

    pub fn note(self) -> Msg {
        match self {
            Format::Csv => Msg::ExportCsvNote,
            Format::CsvGbk => Msg::ExportGbkNote,
            Format::Xlsx => Msg::ExportXlsxNote,
            Format::GeoJson => Msg::ExportGeoJsonNote,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::CsvGbk => "csv-gbk",
            Format::Xlsx => "xlsx",
            Format::GeoJson => "geojson",
        }
    }
}

/// What a list exports: its export route without the extension (`/api/tickets/export`), its
/// filters as a query string, what the list is called and how many tickets it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListExport {
    pub route: &'static str,
    pub query: String,
    pub what: String,
    pub count: Option<u64>,
}

impl ListExport {
    /// The URL of `format`, with phone numbers in full when asked for (the progress token is
    /// added by the download).
    pub fn url(&self, format: Format, full_phones: bool) -> String {
        let mut url = format!("{}.{}", self.route, format.ext());
        if !self.query.is_empty() {
            url = format!("{url}?{}", self.query);
        }
        if format == Format::CsvGbk {
            url = with_param(&url, "encoding", "gbk");
        }
        if full_phones {
            url = with_param(&url, "phones", "full");
        }
        url
    }
}

/// Where a download stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Download {
    Running(Progress),
    Saved(String),
    Failed(ApiError),
}

/// Whether the signed-in account may ask for full phone numbers: a dispatcher (or the window of
/// a server without accounts, the local dispatcher).
pub fn is_dispatcher(state: AppState) -> bool {
    state.session.with(|s| {
        s.as_ref()
            .is_none_or(|s| s.account.role == Role::Dispatcher)
    })
}

/// Downloads `url` into `status` (rows followed when `follow`); ignored while one is running.
pub fn start(url: String, follow: bool, fallback_name: String, status: RwSignal<Option<Download>>) {
    if matches!(status.get_untracked(), Some(Download::Running(_))) {
        return;
    }
    status.set(Some(Download::Running(Progress::default())));
    spawn_local(async move {
        let result = exports::download(&url, follow, &fallback_name, move |p| {
            status.set(Some(Download::Running(p)));
        })
        .await;
        status.set(Some(match result {
            Ok(name) => Download::Saved(name),
            Err(e) => Download::Failed(e),
        }));
    });
}

/// The progress bar's fill (0–1), `None` while nothing says how much there is.
fn share(p: &Progress) -> Option<f64> {
    let rows = p.rows?;
    if rows.total == 0 {
        return Some(if rows.done { 1.0 } else { 0.0 });
    }
    Some((rows.written as f64 / rows.total as f64).clamp(0.0, 1.0))
}

/// The bar's words: rows written of all, else bytes received.
pub fn progress_text(lang: Lang, p: &Progress) -> String {
    match p.rows {
        Some(rows) => i18n::export_rows(lang, rows.written, rows.total),
        None if p.bytes == 0 => Msg::ExportStarting.text(lang).to_owned(),
        None => i18n::export_bytes(lang, &file_size(lang, p.bytes)),
    }
}

/// A download's bar, its saved file or its error (the code in the tooltip).
#[component]
pub fn DownloadStatus(status: RwSignal<Option<Download>>, testid: &'static str) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    move || {
        let lang_now = lang.get();
        match status.get()? {
            Download::Running(p) => {
                let fill = share(&p);
                let width = format!("{:.1}%", fill.unwrap_or(0.0) * 100.0);
                let (written, total) = p.rows.map_or((String::new(), String::new()), |r| {
                    (r.written.to_string(), r.total.to_string())
                });
                Some(view! {
                    <div class="export-progress" role="status" data-testid=format!("{testid}-progress")
                        data-written=written data-total=total data-bytes=p.bytes.to_string()>
                        <div class="export-bar" class:indeterminate=fill.is_none()>
                            <div class="export-fill" style:width=width></div>
                        </div>
                        <span class="export-text">{progress_text(lang_now, &p)}</span>
                    </div>
                }
                .into_any())
            }
            Download::Saved(name) => Some(view! {
                <p class="export-done row-done" role="status" data-testid=format!("{testid}-saved") data-file=name.clone()>
                    {i18n::export_saved(lang_now, &name)}" ✓"
                </p>
            }
            .into_any()),
            Download::Failed(error) => {
                let code = error.code.clone();
                Some(view! {
                    <p class="export-error action-error" role="alert" data-testid=format!("{testid}-error")
                        data-error-code=code.clone() title=code>
                        {Msg::ExportFailed.text(lang_now)}"："{error.message(lang_now).to_owned()}
                    </p>
                }
                .into_any())
            }
        }
    }
}

/// The 导出 menu of a ticket list. `list` is what the list shows now (`None`: nothing to
/// export yet). Test ids: `{testid}-open`, `{testid}-menu`, `{testid}-{format}`,
/// `{testid}-phones`, and the status's.
#[component]
pub fn ExportMenu(
    #[prop(into)] list: Signal<Option<ListExport>>,
    testid: &'static str,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let open = RwSignal::new(false);
    let full_phones = RwSignal::new(false);
    let status = RwSignal::new(None::<Download>);
    let menu = NodeRef::<Div>::new();
    super::close_on_click_outside(menu, open);
    let running = move || matches!(status.get(), Some(Download::Running(_)));

    let items = Format::ALL
        .into_iter()
        .map(|format| {
            view! {
                <button type="button" role="menuitem" class="menu-item export-item"
                    data-testid=format!("{testid}-{}", format.as_str()) disabled=running
                    on:click=move |_| {
                        let Some(list) = list.get_untracked() else { return };
                        let phones = full_phones.get_untracked() && is_dispatcher(state);
                        open.set(false);
                        let fallback = format!("tickets.{}", format.ext());
                        start(list.url(format, phones), true, fallback, status);
                    }>
                    <span class="export-format">{format.name()}</span>
                    <span class="export-note">{move || t(format.note())}</span>
                </button>
            }
        })
        .collect_view();
    let scope = move || {
        list.with(|l| {
            l.as_ref().map(|l| match l.count {
                Some(n) => i18n::export_scope(lang.get(), &l.what, n),
                None => l.what.clone(),
            })
        })
    };

    view! {
        <div class="export-menu" node_ref=menu data-testid=testid>
            <button type="button" class="btn small" data-testid=format!("{testid}-open")
                aria-haspopup="menu" aria-expanded=move || open.get().to_string()
                disabled=move || list.with(Option::is_none)
                title=move || t(Msg::ExportTitle) on:click=move |_| open.update(|o| *o = !*o)>
                {move || t(Msg::ExportButton)}<i class="chevron" aria-hidden="true"></i>
            </button>
            <Show when=move || open.get()>
                <div class="export-dropdown account-dropdown" role="menu" data-testid=format!("{testid}-menu")>
                    <p class="export-scope" data-testid=format!("{testid}-scope")>{scope}</p>
                    {items.clone()}
                    <Show when=move || is_dispatcher(state)>
                        <label class="export-phones" title=move || t(Msg::ExportFullPhonesTitle)>
                            <input type="checkbox" data-testid=format!("{testid}-phones")
                                prop:checked=move || full_phones.get()
                                on:change=move |ev| full_phones.set(event_target_checked(&ev))/>
                            {move || t(Msg::ExportFullPhones)}
                        </label>
                    </Show>
                    <p class="export-note small">{move || t(if full_phones.get() && is_dispatcher(state) { Msg::ExportAudited } else { Msg::ExportMasked })}</p>
                </div>
            </Show>
            <DownloadStatus status testid/>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use binhe_api::tickets::{EXPORT_FORMATS, ExportProgress};

    fn list() -> ListExport {
        ListExport {
            route: "/api/tickets/export",
            query: "scope=open".to_owned(),
            what: "在办".to_owned(),
            count: Some(3),
        }
    }

    #[test]
    fn every_format_is_one_the_contract_has() {
        for f in Format::ALL {
            assert!(EXPORT_FORMATS.contains(&f.ext()), "{f:?}");
        }
    }

    #[test]
    fn urls_keep_the_filters_and_add_the_choices() {
        let l = list();
        assert_eq!(
            l.url(Format::Csv, false),
            "/api/tickets/export.csv?scope=open"
        );
        assert_eq!(
            l.url(Format::CsvGbk, true),
            "/api/tickets/export.csv?scope=open&encoding=gbk&phones=full"
        );
        assert_eq!(
            l.url(Format::GeoJson, false),
            "/api/tickets/export.geojson?scope=open"
        );
        let bare = ListExport {
            query: String::new(),
            ..l
        };
        assert_eq!(
            bare.url(Format::Xlsx, true),
            "/api/tickets/export.xlsx?phones=full"
        );
    }

    #[test]
    fn the_bar_says_rows_when_the_server_counts_them_and_bytes_otherwise() {
        let rows = Progress {
            rows: Some(ExportProgress {
                written: 1000,
                total: 4000,
                done: false,
            }),
            bytes: 5,
        };
        assert_eq!(progress_text(Lang::Zh, &rows), "已导出 1000 / 4000 条");
        assert_eq!(share(&rows), Some(0.25));
        let only_bytes = Progress {
            rows: None,
            bytes: 2048,
        };
        assert!(progress_text(Lang::Zh, &only_bytes).starts_with("已接收 "));
        assert_eq!(share(&only_bytes), None);
        let empty = Progress {
            rows: Some(ExportProgress {
                written: 0,
                total: 0,
                done: true,
            }),
            bytes: 0,
        };
        assert_eq!(share(&empty), Some(1.0));
    }
}
