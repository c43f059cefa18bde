//! What the forms share: the server's problems sorted by the field they name and shown under it
//! (in the reader's language, with their code), and the catalogue's categories as options.

use std::collections::HashMap;

use leptos::prelude::*;

use binhe_api::Problem;
use binhe_core::ticket::intake::IntakeProblem;

use crate::api::ApiError;
use crate::api::texts;
use crate::app::AppState;
use crate::components::code_tooltip;
use crate::i18n::{Lang, Msg};
use crate::tickets::Desk;

/// A form's problems by the field that shows them.
pub type FieldProblems = RwSignal<HashMap<String, Vec<Problem>>>;

/// The problems of `e` by the form field that shows each (`key_of` maps the field a problem
/// names to it); and `e` itself, what is left of it, when some problem is of no field the form
/// shows (`shown`) or none names a field — to be shown on its own.
pub fn sort_problems(
    mut e: ApiError,
    key_of: impl Fn(&str) -> String,
    shown: impl Fn(&str) -> bool,
) -> (HashMap<String, Vec<Problem>>, Option<ApiError>) {
    let mut fields = HashMap::<String, Vec<Problem>>::new();
    for p in std::mem::take(&mut e.detail.problems) {
        let key = key_of(p.field().unwrap_or_default());
        fields.entry(key).or_default().push(p);
    }
    let all_beside = !fields.is_empty() && fields.keys().all(|k| shown(k));
    (fields, (!all_beside).then_some(e))
}

/// A problem the form itself found, shown at `field` like the server's.
pub fn local_problem(field: &str, code: &str, msg: Msg) -> Problem {
    Problem::Intake(IntakeProblem::new(
        field,
        code,
        msg.text(Lang::Zh).to_owned(),
        msg.text(Lang::En).to_owned(),
    ))
}

/// The field a problem is shown under: a list's `milestones[0].title` under its list.
pub fn field_key(field: &str) -> String {
    field.split(['[', '.']).next().unwrap_or(field).to_owned()
}

/// The column a row's problem is shown under: `wards[2].worker` under `worker`.
pub fn column_key(field: &str) -> String {
    field.rsplit('.').next().unwrap_or(field).to_owned()
}

/// The problems the server named for `key`, under its field.
pub fn problems_under(problems: FieldProblems, key: &'static str) -> impl IntoView {
    problems_at(problems, key.to_owned())
}

/// [`problems_under`] a key made at run time, such as a row's (`sharers.2`).
pub fn problems_at(problems: FieldProblems, key: String) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    move || {
        problems.with(|all| {
            all.get(&key).map(|list| {
                list.iter()
                    .map(|p| {
                        let p = p.clone();
                        let code = p.code().to_owned();
                        let title = code_tooltip(lang, code.clone());
                        view! {
                            <span class="field-error" role="alert" data-problem-field=key.clone()
                                data-problem-code=code title=title>
                                {move || texts::problem(&p, lang.get()).to_owned()}
                            </span>
                        }
                    })
                    .collect_view()
            })
        })
    }
}

/// The catalogue's categories as `<option>`s, `selected` chosen, after an empty choice named
/// `none` (when given).
pub fn category_options(selected: RwSignal<String>, none: Option<Msg>) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let desk = expect_context::<Desk>();
    move || {
        let lang = lang.get();
        let empty = none.map(|none| {
            view! { <option value="" selected=move || selected.get().is_empty()>{none.text(lang)}</option> }
        });
        let kinds = desk.catalogue.get().map(|c| {
            c.categories
                .iter()
                .map(|k| {
                    let code = k.code.clone();
                    let is = code.clone();
                    view! {
                        <option value=code selected=move || selected.get() == is>
                            {lang.pick(&k.name_zh, &k.name_en).to_owned()}
                        </option>
                    }
                })
                .collect_view()
        });
        (empty, kinds)
    }
}

#[cfg(test)]
mod tests {
    use super::{column_key, field_key};

    #[test]
    fn a_row_field_shows_under_its_column_and_a_list_under_the_list() {
        assert_eq!(column_key("wards[2].worker"), "worker");
        assert_eq!(field_key("milestones[0].title"), "milestones");
        assert_eq!(field_key("concerns"), "concerns");
        assert_eq!(field_key("tickets[3]"), "tickets");
    }
}
