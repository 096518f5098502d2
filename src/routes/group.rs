//! A project group's screen: focus area and councils, members and the leader chosen from
//! them, and the project plan with milestones, tasks and progress.

use landsbyplan_model::{
    LiveField, MilestoneId, Person, PersonId, ProjectPlan, SpaceId, TaskFields, TaskId, TaskStatus,
};
use leptos::prelude::*;
use leptos_router::components::A;

use super::grants::Applications;
use super::header::SpaceHeader;
use super::meetings::Meetings;
use super::people::Members;
use super::people::person_name;
use super::share::ShareSpace;
use super::text::LiveText;
use super::trail::{Conflicts, History};
use super::{
    ChoiceSelect, Editable, Editor, Fold, focus_area_name, parse_date, show_date, space_path,
    task_status_key,
};
use crate::i18n::I18n;
use crate::library::{Library, Message, random_id};

/// A project group's screen.
#[component]
pub fn GroupScreen(id: SpaceId) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let editor = Editor::new(id);
    let group = Memo::new(move |_| editor.read(|s| s.project_group().ok()).flatten());
    let members = Memo::new(move |_| {
        group
            .with(|g| g.as_ref().map(|g| g.members.clone()))
            .unwrap_or_default()
    });
    let plan = Memo::new(move |_| {
        group
            .with(|g| g.as_ref().map(|g| g.plan.clone()))
            .unwrap_or_default()
    });
    let leader = Memo::new(move |_| group.with(|g| g.as_ref().and_then(|g| g.leader)));
    let councils = move || {
        group
            .get()
            .map(|g| g.councils)
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                let held = library.read(c.council.space, |_| ()).is_some();
                let name = c.council.name.clone();
                if held {
                    view! { <li><A href=space_path(c.council.space)>{name}</A></li> }.into_any()
                } else {
                    view! { <li>{name}</li> }.into_any()
                }
            })
            .collect_view()
    };
    let (done, all) = (
        move || plan.with(|p| p.progress().0),
        move || plan.with(|p| p.progress().1),
    );
    let merged_into = move || group.with(|g| g.as_ref().and_then(|g| g.merged_into));
    view! {
        <SpaceHeader editor/>
        {move || merged_into().map(|survivor| view! {
            <p class="hint" role="note">
                {move || i18n.t("group-merged")} " "
                <A href=space_path(survivor)>{move || i18n.t("group-merged-link")}</A>
            </p>
        })}
        <section class="card" aria-labelledby="group-overview-heading">
            <h2 id="group-overview-heading">{move || i18n.t("group-overview-heading")}</h2>
            <p>
                {move || i18n.t("group-area-label")} ": "
                {move || group.get().and_then(|g| g.focus_area).map(|f| focus_area_name(library, i18n, f))}
            </p>
            <h3>{move || i18n.t("group-councils-heading")}</h3>
            <ul>{councils}</ul>
            <label for="group-progress">
                {move || i18n.t_with("group-progress", &[("done", done().to_string()), ("all", all().to_string())])}
            </label>
            <progress id="group-progress" max=move || all().max(1) value=done></progress>
        </section>
        <Conflicts editor/>
        <Absorbed editor/>
        <Members editor/>
        <Leader editor members leader/>
        <GroupGoal editor/>
        <Milestones editor plan/>
        <Tasks editor plan members/>
        <Meetings editor/>
        <Applications editor/>
        <ShareSpace id/>
    }
}

/// Choosing the leader from the members.
#[component]
fn Leader(
    editor: Editor,
    members: Memo<Vec<Person>>,
    leader: Memo<Option<PersonId>>,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    view! {
        <section class="card" aria-labelledby="leader-heading">
            <h2 id="leader-heading">{move || i18n.t("leader-heading")}</h2>
            <p>
                {move || match leader.get().and_then(|l| person_name(members, l)) {
                    Some(name) => i18n.t_with("leader-is", &[("name", name)]),
                    None => i18n.t("leader-none"),
                }}
            </p>
            <Editable editor>
            <label for="leader-choice">{move || i18n.t("leader-label")}</label>
            <select id="leader-choice" on:change=move |ev| {
                let chosen: Option<PersonId> = event_target_value(&ev).parse().ok();
                editor.save(move |space, stamp| space.set_leader(chosen, stamp));
            }>
                <option value="" selected=move || leader.get().is_none()>{move || i18n.t("nobody")}</option>
                {move || members.get().into_iter().map(|person| view! {
                    <option value=person.id.to_string() selected=move || leader.get() == Some(person.id)>
                        {person.fields.name.clone()}
                    </option>
                }).collect_view()}
            </select>
            </Editable>
        </section>
    }
}

/// The group's goal in its own words, saved as it is typed.
#[component]
fn GroupGoal(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    view! {
        <section class="card" aria-labelledby="group-goal-heading">
            <h2 id="group-goal-heading">{move || i18n.t("group-goal-heading")}</h2>
            <label for="group-goal">{move || i18n.t("group-goal-label")}</label>
            <Editable editor>
            <LiveText id="group-goal" rows=4 editor field=LiveField::GroupGoal/>
            </Editable>
        </section>
    }
}

/// Milestones by due date, with a form to add one.
#[component]
fn Milestones(editor: Editor, plan: Memo<ProjectPlan>) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let title = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = title.get_untracked();
        if wanted.trim().is_empty() {
            editor
                .problem
                .set(Some(Message::plain("error-milestone-required")));
            return;
        }
        let date = parse_date(&due.get_untracked());
        let id = MilestoneId::from_random(random_id());
        editor.save(move |space, stamp| space.add_milestone(id, &wanted, date, stamp));
        title.set(String::new());
        due.set(String::new());
    };
    view! {
        <section class="card" aria-labelledby="milestones-heading">
            <h2 id="milestones-heading">{move || i18n.t("milestones-heading")}</h2>
            <Editable editor>
            <ul class="items">
                {move || plan.get().milestones.into_iter().map(|milestone| {
                    let id = milestone.id;
                    let title = milestone.title.clone();
                    view! {
                        <li>
                            <h3>{milestone.title.clone()}</h3>
                            {milestone.due.map(|d| view! { <p>{move || i18n.t_with("due-on", &[("date", show_date(i18n, d))])}</p> })}
                            <button type="button" class="secondary" on:click=move |_| {
                                editor.save(move |space, stamp| space.remove_milestone(id, stamp));
                            }>
                                {move || i18n.t_with("milestone-remove", &[("milestone", title.clone())])}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="add" on:submit=add>
                <h3>{move || i18n.t("milestone-add-heading")}</h3>
                <label for="milestone-title">{move || i18n.t("milestone-title-label")}</label>
                <input id="milestone-title" type="text" autocomplete="off" bind:value=title/>
                <label for="milestone-due">{move || i18n.t("due-label")}</label>
                <input id="milestone-due" type="date" bind:value=due/>
                <button type="submit">{move || i18n.t("milestone-add")}</button>
            </form>
            </Editable>
        </section>
    }
}

/// Tasks in plan order, each with owner, due date, status and milestone.
#[component]
fn Tasks(editor: Editor, plan: Memo<ProjectPlan>, members: Memo<Vec<Person>>) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let ids = Memo::new(move |_| plan.with(|p| p.tasks.iter().map(|t| t.id).collect::<Vec<_>>()));
    let fields = RwSignal::new(TaskFields::titled(""));
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = fields.get_untracked();
        if wanted.title.trim().is_empty() {
            editor
                .problem
                .set(Some(Message::plain("error-task-title-required")));
            return;
        }
        let id = TaskId::from_random(random_id());
        editor.save(move |space, stamp| space.add_task(id, &wanted, stamp));
        fields.set(TaskFields::titled(""));
    };
    view! {
        <section class="card" aria-labelledby="tasks-heading">
            <h2 id="tasks-heading">{move || i18n.t("tasks-heading")}</h2>
            <ol class="items">
                <For each=move || ids.get() key=|id| *id let:id>
                    <TaskItem editor plan members id/>
                </For>
            </ol>
            <Editable editor>
            <form class="add" on:submit=add>
                <h3>{move || i18n.t("task-add-heading")}</h3>
                <TaskInputs prefix="task-new".to_owned() plan members fields/>
                <button type="submit">{move || i18n.t("task-add")}</button>
            </form>
            </Editable>
        </section>
    }
}

/// One task.
#[component]
fn TaskItem(
    editor: Editor,
    plan: Memo<ProjectPlan>,
    members: Memo<Vec<Person>>,
    id: TaskId,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let task = Memo::new(move |_| plan.with(|p| p.tasks.iter().find(|t| t.id == id).cloned()));
    let fields = RwSignal::new(
        task.get_untracked()
            .map(|t| t.fields)
            .unwrap_or_else(|| TaskFields::titled("")),
    );
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = fields.get_untracked();
        editor.save(move |space, stamp| space.update_task(id, &wanted, stamp));
    };
    let reload = move |()| {
        if let Some(current) = task.get_untracked() {
            fields.set(current.fields);
        }
    };
    let summary = move || {
        task.get().map(|task| {
            let mut parts = vec![i18n.t(task_status_key(task.fields.status))];
            if let Some(owner) = task.fields.owner.and_then(|o| person_name(members, o)) {
                parts.push(i18n.t_with("action-owner", &[("name", owner)]));
            }
            if let Some(date) = task.fields.due {
                parts.push(i18n.t_with("due-on", &[("date", show_date(i18n, date))]));
            }
            if let Some(milestone) = task.fields.milestone.and_then(|m| {
                plan.with(|p| {
                    p.milestones
                        .iter()
                        .find(|x| x.id == m)
                        .map(|x| x.title.clone())
                })
            }) {
                parts.push(i18n.t_with("task-milestone", &[("milestone", milestone)]));
            }
            parts.join(" · ")
        })
    };
    let status_id = format!("task-status-{id}");
    view! {
        <li>
            <h3>{move || task.get().map(|t| t.fields.title)}</h3>
            <p>{summary}</p>
            <Editable editor>
            <label for=status_id.clone()>{move || i18n.t("task-status-label")}</label>
            <ChoiceSelect
                id=status_id
                options=TaskStatus::ALL
                value=TaskStatus::as_str
                name=task_status_key
                current=Signal::derive(move || task.get().map(|t| t.fields.status))
                pick=move |status| editor.save(move |space, stamp| space.set_task_status(id, status, stamp))
            />
            <Fold summary="edit-summary" on_open=reload>
                <form on:submit=save>
                    <TaskInputs prefix=format!("task-{id}") plan members fields/>
                    <button type="submit">{move || i18n.t("save")}</button>
                </form>
                <button type="button" class="secondary" on:click=move |_| {
                    editor.save(move |space, stamp| space.remove_task(id, stamp));
                }>
                    {move || i18n.t("task-remove")}
                </button>
            </Fold>
            </Editable>
            <History editor key=id.to_string()/>
        </li>
    }
}

/// Every field of a task, bound to `fields`.
#[component]
fn TaskInputs(
    prefix: String,
    plan: Memo<ProjectPlan>,
    members: Memo<Vec<Person>>,
    fields: RwSignal<TaskFields>,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let id = move |name: &str| format!("{prefix}-{name}");
    view! {
        <label for=id("title")>{move || i18n.t("task-title-label")}</label>
        <input
            id=id("title")
            type="text"
            autocomplete="off"
            prop:value=move || fields.with(|f| f.title.clone())
            on:input=move |ev| fields.update(|f| f.title = event_target_value(&ev))
        />
        <label for=id("owner")>{move || i18n.t("owner-label")}</label>
        <select id=id("owner") on:change=move |ev| fields.update(|f| f.owner = event_target_value(&ev).parse().ok())>
            <option value="">{move || i18n.t("nobody")}</option>
            {move || members.get().into_iter().map(|person| view! {
                <option value=person.id.to_string() selected=move || fields.with(|f| f.owner == Some(person.id))>{person.fields.name.clone()}</option>
            }).collect_view()}
        </select>
        <label for=id("due")>{move || i18n.t("due-label")}</label>
        <input
            id=id("due")
            type="date"
            prop:value=move || fields.with(|f| f.due.map(|d| d.to_string()).unwrap_or_default())
            on:change=move |ev| fields.update(|f| f.due = parse_date(&event_target_value(&ev)))
        />
        <label for=id("milestone")>{move || i18n.t("task-milestone-label")}</label>
        <select id=id("milestone") on:change=move |ev| fields.update(|f| f.milestone = event_target_value(&ev).parse().ok())>
            <option value="">{move || i18n.t("none-chosen")}</option>
            {move || plan.get().milestones.into_iter().map(|m| view! {
                <option value=m.id.to_string() selected=move || fields.with(|f| f.milestone == Some(m.id))>{m.title.clone()}</option>
            }).collect_view()}
        </select>
    }
}

/// The groups merged into this one, each with who merged it, when, and its history up to
/// then (kept in this group's document).
#[component]
fn Absorbed(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let absorbed = Memo::new(move |_| editor.read(|s| s.absorbed_groups()).unwrap_or_default());
    let when = |time: i64| {
        chrono::DateTime::from_timestamp(time, 0)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    };
    view! {
        <Show when=move || absorbed.with(|a| !a.is_empty())>
            <section class="card" aria-labelledby="absorbed-heading">
                <h2 id="absorbed-heading">{move || i18n.t("absorbed-heading")}</h2>
                <ul class="items">
                    {move || absorbed.get().into_iter().map(|group| {
                        let held = library.read(group.space, |_| ()).is_some();
                        let name = group.name.clone();
                        let count = group.history.len();
                        view! {
                            <li>
                                <h3>
                                    {if held {
                                        view! { <A href=space_path(group.space)>{name}</A> }.into_any()
                                    } else {
                                        name.into_any()
                                    }}
                                </h3>
                                <p>{move || i18n.t_with("absorbed-by", &[
                                    ("by", group.merged_by.clone()),
                                    ("time", when(group.merged_at)),
                                ])}</p>
                                <details class="history">
                                    <summary>{move || i18n.t_with("absorbed-history", &[("count", count.to_string())])}</summary>
                                    <ol>
                                        {group.history.iter().rev().map(|(author, time)| {
                                            let entry = [("author", author.clone()), ("time", when(*time))];
                                            view! { <li>{move || i18n.t_with("history-entry", &entry)}</li> }
                                        }).collect_view()}
                                    </ol>
                                </details>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        </Show>
    }
}
