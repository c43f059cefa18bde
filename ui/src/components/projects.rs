//! 治理项目: the board's tab of governance projects — each with its area, category, budget,
//! milestones, responsible and linked tickets, and once done its effect (requests in its area
//! before and after against the rest of the street); a form to start one (also from a hotspot
//! of 未诉先办) or change one, with the server's problems beside the fields.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;

use binhe_api::projects::{ProjectInput, ProjectList, ProjectView};
use binhe_core::circles::parse_yuan;
use binhe_core::projects::{Milestone, ProjectState};
use chrono::NaiveDate;

use super::dashboard::Board;
use crate::api::texts::Named;
use crate::api::{ApiError, projects as api};
use crate::app::AppState;
use crate::components::form::{
    FieldProblems, category_options, field_key, problems_under, sort_problems,
};
use crate::components::{DateField, ErrorText};
use crate::i18n::{self, Lang, Msg};

/// The form's fields as typed.
#[derive(Clone, Copy)]
struct Form {
    /// The project changed; `None` for a new one.
    id: RwSignal<Option<i64>>,
    version: RwSignal<Option<u32>>,
    title: RwSignal<String>,
    goal: RwSignal<String>,
    state: RwSignal<ProjectState>,
    category: RwSignal<String>,
    area: RwSignal<String>,
    budget_yuan: RwSignal<String>,
    responsible: RwSignal<String>,
    started_on: RwSignal<String>,
    finished_on: RwSignal<String>,
    milestones: RwSignal<Vec<(String, String, String)>>,
    hotspot: RwSignal<Option<String>>,
    tickets: RwSignal<String>,
}

impl Form {
    fn new() -> Self {
        Self {
            id: RwSignal::new(None),
            version: RwSignal::new(None),
            title: RwSignal::new(String::new()),
            goal: RwSignal::new(String::new()),
            state: RwSignal::new(ProjectState::Planned),
            category: RwSignal::new(String::new()),
            area: RwSignal::new(String::new()),
            budget_yuan: RwSignal::new(String::new()),
            responsible: RwSignal::new(String::new()),
            started_on: RwSignal::new(String::new()),
            finished_on: RwSignal::new(String::new()),
            milestones: RwSignal::new(Vec::new()),
            hotspot: RwSignal::new(None),
            tickets: RwSignal::new(String::new()),
        }
    }

    /// Fills the form from `input` (a draft, or a kept project being changed).
    fn fill(self, id: Option<i64>, input: &ProjectInput) {
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        self.id.set(id);
        self.version.set(input.version);
        self.title.set(input.title.clone());
        self.goal.set(input.goal.clone());
        self.state.set(input.state.unwrap_or(ProjectState::Planned));
        self.category
            .set(input.category.clone().unwrap_or_default());
        self.area.set(input.area.join(" "));
        self.budget_yuan
            .set(input.budget_fen.map(yuan_text).unwrap_or_default());
        self.responsible.set(input.responsible.clone());
        self.started_on.set(day(input.started_on));
        self.finished_on.set(day(input.finished_on));
        self.milestones.set(
            input
                .milestones
                .iter()
                .map(|m| (m.title.clone(), m.due_on.to_string(), day(m.done_on)))
                .collect(),
        );
        self.hotspot.set(input.hotspot.clone());
        self.tickets.set(
            input
                .tickets
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" "),
        );
    }

    /// The project as written; what cannot be read (a date, an amount, a ticket number) is
    /// named by its field.
    fn input(self) -> Result<ProjectInput, (&'static str, Msg)> {
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let day = |s: RwSignal<String>, field: &'static str| {
            let t = text(s);
            if t.is_empty() {
                Ok(None)
            } else {
                t.parse::<NaiveDate>()
                    .map(Some)
                    .map_err(|_| (field, Msg::ProjectBadDate))
            }
        };
        let budget_fen = match text(self.budget_yuan) {
            t if t.is_empty() => None,
            t => Some(parse_yuan(&t).ok_or(("budget", Msg::ProjectBadAmount))?),
        };
        let mut milestones = Vec::new();
        for (title, due, done) in self.milestones.get_untracked() {
            let due_on = due
                .trim()
                .parse::<NaiveDate>()
                .map_err(|_| ("milestones", Msg::ProjectBadDate))?;
            let done_on = match done.trim() {
                "" => None,
                d => Some(
                    d.parse::<NaiveDate>()
                        .map_err(|_| ("milestones", Msg::ProjectBadDate))?,
                ),
            };
            milestones.push(Milestone {
                title: title.trim().to_owned(),
                due_on,
                done_on,
            });
        }
        let tickets = split(&text(self.tickets))
            .map(|t| {
                t.trim_start_matches('#')
                    .parse::<i64>()
                    .map_err(|_| ("tickets", Msg::ProjectBadTicket))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ProjectInput {
            title: text(self.title),
            goal: text(self.goal),
            state: Some(self.state.get_untracked()),
            category: Some(text(self.category)).filter(|c| !c.is_empty()),
            area: split(&text(self.area)).map(str::to_owned).collect(),
            budget_fen,
            responsible: text(self.responsible),
            started_on: day(self.started_on, "started_on")?,
            finished_on: day(self.finished_on, "finished_on")?,
            milestones,
            hotspot: self.hotspot.get_untracked(),
            tickets,
            version: self.version.get_untracked(),
        })
    }
}

/// Words separated by spaces, commas or 、.
fn split(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
        .filter(|w| !w.is_empty())
}

/// 1250 fen → `12.50`.
fn yuan_text(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// A budget as people read it: `12.0 万元` from ten thousand up, else `850 元`.
fn budget_label(fen: i64, lang: Lang) -> String {
    let yuan = fen as f64 / 100.0;
    if yuan >= 10_000.0 {
        lang.pick(
            &format!("{:.1} 万元", yuan / 10_000.0),
            &format!("¥{:.1}0k", yuan / 10_000.0),
        )
        .to_owned()
    } else {
        lang.pick(&format!("{yuan:.0} 元"), &format!("¥{yuan:.0}"))
            .to_owned()
    }
}

#[component]
pub fn ProjectsPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let board = expect_context::<Board>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let list = RwSignal::new(None::<Result<ProjectList, ApiError>>);
    let revision = RwSignal::new(0_u32);
    let form = Form::new();
    let editing = RwSignal::new(false);

    Effect::new(move || {
        revision.track();
        spawn_local(async move {
            let answer = api::list().await;
            if let Err(e) = &answer
                && e.is_signed_out()
            {
                return;
            }
            list.set(Some(answer));
        });
    });
    // A draft from a hotspot opens the form with it.
    Effect::new(move || {
        if let Some(draft) = board.project_draft.get() {
            board.project_draft.set(None);
            form.fill(None, &draft);
            editing.set(true);
        }
    });

    let summary = move || {
        list.with(|l| match l {
            Some(Ok(l)) => i18n::projects_summary(
                lang.get(),
                u32::try_from(l.projects.len()).unwrap_or(u32::MAX),
                l.done,
                &format!("{:.1}", l.avoided),
            ),
            _ => String::new(),
        })
    };
    let start_new = move |_| {
        form.fill(None, &ProjectInput::default());
        editing.set(true);
    };
    let saved = Callback::new(move |()| {
        editing.set(false);
        revision.update(|r| *r += 1);
    });
    let cancel = Callback::new(move |()| editing.set(false));

    view! {
        <div class="projects" data-testid="projects">
            <div class="proactive-head">
                <span class="proactive-info" data-testid="projects-summary">{summary}</span>
                <button type="button" class="btn small primary" data-testid="project-new"
                    on:click=start_new>{move || t(Msg::ProjectNew)}</button>
            </div>
            <div class="projects-body">
                <section class="project-list" data-testid="project-list">
                    {move || list.with(|l| match l {
                        None => view! { <p class="muted">{t(Msg::ProjectLoading)}</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="error"><ErrorText error=e.clone()/></p> }.into_any(),
                        Some(Ok(l)) if l.projects.is_empty() => view! {
                            <p class="muted" data-testid="project-none">{t(Msg::ProjectNone)}</p>
                        }.into_any(),
                        Some(Ok(l)) => l
                            .projects
                            .iter()
                            .map(|p| {
                                let p = p.clone();
                                view! { <ProjectCard project=p form editing/> }
                            })
                            .collect_view()
                            .into_any(),
                    })}
                </section>
                <Show when=move || editing.get()>
                    <ProjectForm form saved cancel/>
                </Show>
            </div>
        </div>
    }
}

/// One project: what, where, who, how far, and its effect.
#[component]
fn ProjectCard(project: ProjectView, form: Form, editing: RwSignal<bool>) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let t = move |m: Msg| m.text(lang.get());
    let area = project
        .area
        .iter()
        .map(|g| g.name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let done_milestones = project
        .milestones
        .iter()
        .filter(|m| m.done_on.is_some())
        .count();
    let milestones = format!("{done_milestones}/{}", project.milestones.len());
    let dates = match (project.started_on, project.finished_on) {
        (Some(s), Some(f)) => format!("{s} — {f}"),
        (Some(s), None) => format!("{s} —"),
        _ => String::new(),
    };
    let effect = project.effect.clone();
    let state_code = project.state.as_str();
    let p = project.clone();
    let edit = move |_| {
        let input = ProjectInput {
            title: p.title.clone(),
            goal: p.goal.clone(),
            state: Some(p.state),
            category: p.category.clone(),
            area: p.area.iter().map(|g| g.code.to_string()).collect(),
            budget_fen: p.budget_fen,
            responsible: p.responsible.clone(),
            started_on: p.started_on,
            finished_on: p.finished_on,
            milestones: p.milestones.clone(),
            hotspot: p.hotspot.clone(),
            tickets: p.tickets.iter().map(|t| t.id).collect(),
            version: Some(p.version),
        };
        form.fill(Some(p.id), &input);
        editing.set(true);
    };
    let budget = project.budget_fen;
    let tickets = project.tickets.len();
    view! {
        <article class="project" data-testid="project" data-id=project.id.to_string() data-state=state_code>
            <header>
                <b class="project-title">{project.title.clone()}</b>
                <span class="tag" data-state=state_code>
                    {move || lang.get().pick(&project.state_zh, &project.state_en).to_owned()}
                </span>
                <button type="button" class="btn small quiet" data-testid="project-edit" on:click=edit>
                    {move || t(Msg::ProjectEdit)}
                </button>
            </header>
            <p class="project-goal">{project.goal.clone()}</p>
            <dl class="project-facts">
                <dt>{move || t(Msg::ProjectArea)}</dt><dd>{area}</dd>
                <dt>{move || t(Msg::ProjectCategory)}</dt><dd>{project.category_name.clone()}</dd>
                <dt>{move || t(Msg::ProjectResponsible)}</dt><dd>{project.responsible.clone()}</dd>
                <dt>{move || t(Msg::ProjectBudget)}</dt>
                <dd>{move || budget.map_or_else(|| "—".to_owned(), |b| budget_label(b, lang.get()))}</dd>
                <dt>{move || t(Msg::ProjectDates)}</dt><dd>{dates}</dd>
                <dt>{move || t(Msg::ProjectMilestones)}</dt><dd>{milestones}</dd>
                <dt>{move || t(Msg::ProjectTickets)}</dt><dd>{tickets}</dd>
            </dl>
            {effect.map(|e| {
                let text = move || i18n::project_effect(
                    lang.get(),
                    &e.after.first.to_string(),
                    &e.after.last.to_string(),
                    &format!("{} → {}", e.effect.counts.area_before, e.effect.counts.area_after),
                    &format!("{:.1}", e.effect.expected_after),
                    &format!("{:.1}", e.effect.avoided),
                    &format!("{:.3}", e.effect.p_value),
                );
                view! {
                    <p class="project-effect" data-testid="project-effect"
                        data-avoided=format!("{:.1}", e.effect.avoided)>{text}</p>
                }
            })}
        </article>
    }
}

/// The form to start or change a project.
#[component]
fn ProjectForm(form: Form, saved: Callback<()>, cancel: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let t = move |m: Msg| m.text(lang.get());
    let busy = RwSignal::new(false);
    let problems = FieldProblems::new(HashMap::new());
    let failure = RwSignal::new(None::<ApiError>);
    let local = RwSignal::new(None::<(&'static str, Msg)>);

    let submit = move |_| {
        problems.set(HashMap::new());
        failure.set(None);
        local.set(None);
        let input = match form.input() {
            Ok(input) => input,
            Err(bad) => {
                local.set(Some(bad));
                return;
            }
        };
        busy.set(true);
        let id = form.id.get_untracked();
        spawn_local(async move {
            let answer = match id {
                Some(id) => api::update(id, &input).await,
                None => api::create(&input).await,
            };
            busy.set(false);
            match answer {
                Ok(_) => saved.run(()),
                Err(e) => {
                    let (fields, alone) = sort_problems(e, field_key, |_| true);
                    problems.set(fields);
                    failure.set(alone);
                }
            }
        });
    };

    // What the form could not read, then what the server found, under the field.
    let problems_of = move |key: &'static str| {
        let mine = move || {
            local.get().filter(|(field, _)| *field == key).map(|(_, m)| {
                view! { <span class="field-error" data-problem-field=key>{m.text(lang.get())}</span> }
            })
        };
        (mine, problems_under(problems, key))
    };
    let text_field =
        move |key: &'static str, label: Msg, signal: RwSignal<String>, required: bool| {
            view! {
                <label class="form-field">
                    <span class="form-label" class:required=required>{move || t(label)}</span>
                    <input type="text" data-input=key prop:value=move || signal.get()
                        on:input=move |ev| signal.set(event_target_value(&ev))/>
                    {problems_of(key)}
                </label>
            }
        };
    let date_field = move |key: &'static str, label: Msg, signal: RwSignal<String>| {
        view! {
            <label class="form-field">
                <span class="form-label">{move || t(label)}</span>
                <DateField input=key value=signal on_input=Callback::new(move |v| signal.set(v))/>
                {problems_of(key)}
            </label>
        }
    };
    let states = move || {
        ProjectState::ALL
            .into_iter()
            .map(|s| {
                view! {
                    <option value=s.as_str() selected=move || form.state.get() == s>
                        {move || s.name(lang.get())}
                    </option>
                }
            })
            .collect_view()
    };
    let milestone_rows = move || {
        form.milestones
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, (title, due, done))| {
                let set = move |part: usize, value: String| {
                    form.milestones.update(|all| {
                        if let Some(row) = all.get_mut(i) {
                            match part {
                                0 => row.0 = value,
                                1 => row.1 = value,
                                _ => row.2 = value,
                            }
                        }
                    });
                };
                view! {
                    <div class="milestone-row" data-testid="milestone-row">
                        <input type="text" data-input="milestone-title" prop:value=title
                            placeholder=move || t(Msg::ProjectMilestoneTitle)
                            on:change=move |ev| set(0, event_target_value(&ev))/>
                        <DateField input="milestone-due" value=Signal::stored(due)
                            title=Signal::derive(move || t(Msg::ProjectMilestoneDue).to_owned())
                            on_change=Callback::new(move |v| set(1, v))/>
                        <DateField input="milestone-done" value=Signal::stored(done)
                            title=Signal::derive(move || t(Msg::ProjectMilestoneDone).to_owned())
                            on_change=Callback::new(move |v| set(2, v))/>
                        <button type="button" class="btn small quiet" on:click=move |_| {
                            form.milestones.update(|all| {
                                if i < all.len() {
                                    all.remove(i);
                                }
                            });
                        }>"×"</button>
                    </div>
                }
            })
            .collect_view()
    };

    view! {
        <section class="project-form" data-testid="project-form">
            <h3>{move || if form.id.get().is_some() { t(Msg::ProjectEditTitle) } else { t(Msg::ProjectNew) }}</h3>
            <form on:submit=move |ev| ev.prevent_default()>
                {text_field("title", Msg::ProjectTitle, form.title, true)}
                <label class="form-field">
                    <span class="form-label required">{move || t(Msg::ProjectGoal)}</span>
                    <textarea rows="2" data-input="goal" prop:value=move || form.goal.get()
                        on:input=move |ev| form.goal.set(event_target_value(&ev))></textarea>
                    {problems_of("goal")}
                </label>
                <div class="form-pair">
                    <label class="form-field">
                        <span class="form-label">{move || t(Msg::ProjectState)}</span>
                        <select data-input="state" on:change=move |ev| {
                            if let Some(s) = ProjectState::from_code(&event_target_value(&ev)) {
                                form.state.set(s);
                            }
                        }>{states}</select>
                    </label>
                    <label class="form-field">
                        <span class="form-label">{move || t(Msg::ProjectCategory)}</span>
                        <select data-input="category" on:change=move |ev| form.category.set(event_target_value(&ev))>
                            {category_options(form.category, Some(Msg::ProjectAllCategories))}
                        </select>
                        {problems_of("category")}
                    </label>
                </div>
                <label class="form-field">
                    <span class="form-label required">{move || t(Msg::ProjectArea)}</span>
                    <input type="text" data-input="area" prop:value=move || form.area.get()
                        placeholder=move || t(Msg::ProjectAreaHint)
                        on:input=move |ev| form.area.set(event_target_value(&ev))/>
                    {problems_of("area")}
                </label>
                <div class="form-pair">
                    {text_field("responsible", Msg::ProjectResponsible, form.responsible, true)}
                    {text_field("budget", Msg::ProjectBudgetYuan, form.budget_yuan, false)}
                </div>
                <div class="form-pair">
                    {date_field("started_on", Msg::ProjectStarted, form.started_on)}
                    {date_field("finished_on", Msg::ProjectFinished, form.finished_on)}
                </div>
                <div class="form-field">
                    <span class="form-label">{move || t(Msg::ProjectMilestones)}</span>
                    {milestone_rows}
                    <button type="button" class="btn small quiet" data-testid="milestone-add"
                        on:click=move |_| form.milestones.update(|all| all.push(Default::default()))>
                        {move || t(Msg::ProjectMilestoneAdd)}
                    </button>
                    {problems_of("milestones")}
                </div>
                {text_field("tickets", Msg::ProjectTicketIds, form.tickets, false)}
                {move || failure.get().map(|e| view! { <p class="action-error" role="alert"><ErrorText error=e/></p> })}
                <div class="form-buttons">
                    <button type="button" class="btn primary" data-testid="project-save"
                        disabled=move || busy.get() on:click=submit>{move || t(Msg::ProjectSave)}</button>
                    <button type="button" class="btn quiet" on:click=move |_| cancel.run(())>{move || t(Msg::Cancel)}</button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_people_write_them() {
        assert_eq!(parse_yuan("12.5"), Some(1250));
        assert_eq!(parse_yuan("１２０００元"), Some(1_200_000));
        assert_eq!(parse_yuan("12万"), Some(12_000_000));
        assert_eq!(parse_yuan("1,200.00"), Some(120_000));
        assert_eq!(parse_yuan("-3"), None);
        assert_eq!(parse_yuan("十二"), None);
        assert_eq!(yuan_text(1_200_050), "12000.50");
    }
}
