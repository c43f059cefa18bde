//! 分类别名 (dispatcher, administrator): every category of the catalogue with the other names
//! other systems give it (the 12345 hotline's 路灯不亮 for 路灯), edited as one comma-separated
//! line each and saved with the whole catalogue: every other field stays as the server sent it.

use std::collections::BTreeMap;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::upload::Modal;
use binhe_api::tickets::CatalogueView;
use binhe_core::ticket::Category;

use crate::api::ApiError;
use crate::api::tickets as api;
use crate::app::AppState;
use crate::components::ErrorText;
use crate::components::table::data_table;
use crate::i18n::Msg;
use crate::tickets::Desk;

/// What separates aliases in the text field.
const SEPARATORS: [char; 6] = [',', '，', '、', ';', '；', '\n'];

/// The aliases written in `text`: split at commas (either width), 、 or semicolons, trimmed,
/// empty ones and repeats left out.
pub fn parse_aliases(text: &str) -> Vec<String> {
    let mut aliases: Vec<String> = Vec::new();
    for alias in text.split(SEPARATORS).map(str::trim) {
        if !alias.is_empty() && !aliases.iter().any(|a| a == alias) {
            aliases.push(alias.to_owned());
        }
    }
    aliases
}

/// The text field's value for `aliases`.
pub fn aliases_text(aliases: &[String]) -> String {
    aliases.join("，")
}

/// The catalogue to send: `categories` as loaded, with the aliases of those edited (by code)
/// replaced.
pub fn with_aliases(categories: &[Category], edited: &BTreeMap<String, String>) -> Vec<Category> {
    categories
        .iter()
        .map(|c| {
            let mut c = c.clone();
            if let Some(text) = edited.get(&c.code) {
                c.aliases = parse_aliases(text);
            }
            c
        })
        .collect()
}

const ALIAS_COLUMNS: &[Msg] = &[
    Msg::AliasesColCategory,
    Msg::AliasesColCode,
    Msg::AliasesColAliases,
];

#[component]
pub fn AliasesDialog(#[prop(into)] open: Signal<bool>, on_close: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let desk = use_context::<Desk>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let catalogue = RwSignal::new(None::<Result<Arc<CatalogueView>, ApiError>>);
    // Code → the text field as edited.
    let edited = RwSignal::new(BTreeMap::<String, String>::new());
    let saving = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<(), ApiError>>);

    let loaded = move |view: CatalogueView| {
        let view = Arc::new(view);
        edited.set(BTreeMap::new());
        if let Some(desk) = desk {
            desk.catalogue.set(Some(Arc::clone(&view)));
        }
        catalogue.set(Some(Ok(view)));
    };
    Effect::new(move || {
        if !open.get() {
            return;
        }
        outcome.set(None);
        catalogue.set(None);
        spawn_local(async move {
            match api::catalogue().await {
                Ok(view) => loaded(view),
                Err(e) => catalogue.set(Some(Err(e))),
            }
        });
    });
    let save = move |_| {
        let Some(Ok(current)) = catalogue.get_untracked() else {
            return;
        };
        let categories = with_aliases(&current.categories, &edited.get_untracked());
        saving.set(true);
        outcome.set(None);
        spawn_local(async move {
            let result = api::replace_catalogue(&categories).await;
            saving.set(false);
            match result {
                Ok(view) => {
                    loaded(view);
                    outcome.set(Some(Ok(())));
                }
                Err(e) => outcome.set(Some(Err(e))),
            }
        });
    };

    let table = move || {
        match catalogue.get() {
        None => view! { <p class="muted">{t(Msg::AliasesLoading)}</p> }.into_any(),
        Some(Err(e)) => view! {
            <p class="action-error" role="alert">{t(Msg::ErrorLoadCatalogue)}"："<ErrorText error=e/></p>
        }
        .into_any(),
        Some(Ok(view)) => {
            let rows = view
                .categories
                .iter()
                .map(|c| {
                    let code = c.code.clone();
                    let (zh, en) = (c.name_zh.clone(), c.name_en.clone());
                    let initial = aliases_text(&c.aliases);
                    let key = code.clone();
                    view! {
                        <tr data-code=code.clone()>
                            <td class="nowrap">{move || lang.get().pick(&zh, &en).to_owned()}</td>
                            <td class="mono">{code.clone()}</td>
                            <td class="alias-cell">
                                <input type="text" class="alias-input" data-testid=format!("aliases-input-{code}")
                                    prop:value=initial aria-label=move || t(Msg::AliasesColAliases)
                                    on:input=move |ev| {
                                        let text = event_target_value(&ev);
                                        edited.update(|e| {
                                            e.insert(key.clone(), text);
                                        });
                                        outcome.set(None);
                                    }/>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            data_table(lang, ALIAS_COLUMNS, ("aliases-table", "aliases-table"), rows).into_any()
        }
    }
    };
    let message = move || {
        outcome.get().map(|o| match o {
            Ok(()) => view! {
                <p class="row-done" data-testid="aliases-saved" role="status">{t(Msg::AliasesSaved)}" ✓"</p>
            }
            .into_any(),
            Err(error) => view! {
                <p class="action-error" data-testid="aliases-error" role="alert"><ErrorText error/></p>
            }
            .into_any(),
        })
    };

    view! {
        <Modal open on_close title=Msg::AliasesTitle testid="aliases" class="wide-dialog" busy=saving>
            <p class="result-note small aliases-hint">{move || t(Msg::AliasesHint)}</p>
            {table}
            <div class="aliases-actions">
                {message}
                <button type="button" class="btn primary" data-testid="aliases-save"
                    disabled=move || saving.get() || !matches!(catalogue.get(), Some(Ok(_)))
                    on:click=save>
                    {move || if saving.get() {
                        view! { <span class="spinner" aria-hidden="true"></span>{t(Msg::AliasesSaving)} }.into_any()
                    } else {
                        t(Msg::AliasesSave).into_any()
                    }}
                </button>
            </div>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use binhe_core::ticket::Catalogue;

    #[test]
    fn aliases_are_split_at_any_comma_and_kept_once() {
        assert_eq!(
            parse_aliases(" 路灯不亮，路灯损坏, 路灯不亮、照明;;  "),
            ["路灯不亮", "路灯损坏", "照明"]
        );
        assert!(parse_aliases(" ， ").is_empty());
        let written = aliases_text(&parse_aliases("甲,乙"));
        assert_eq!(written, "甲，乙");
        assert_eq!(parse_aliases(&written), ["甲", "乙"]);
    }

    #[test]
    fn only_the_edited_aliases_change_in_the_catalogue_sent() {
        let categories = Catalogue::defaults().categories;
        let (first, second) = (&categories[0], &categories[1]);
        assert!(!second.aliases.is_empty());
        let edited = BTreeMap::from([(first.code.clone(), "甲，乙".to_owned())]);
        let sent = with_aliases(&categories, &edited);
        assert_eq!(sent.len(), categories.len());
        assert_eq!(sent[0].aliases, ["甲", "乙"]);
        assert_eq!(sent[0].sla_class, first.sla_class);
        assert_eq!(sent[0].dedupe, first.dedupe);
        assert_eq!(sent[0].name_zh, first.name_zh);
        assert_eq!(sent[1..], categories[1..]);
    }
}
