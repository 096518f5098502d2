//! A council's screen: overview, members, the development plan (vision, goals per focus
//! area, actions with filters) and the project groups it takes part in.

use std::collections::HashSet;

use landsbyplan_model::{
    Action, ActionFields, ActionId, ActionStatus, CouncilRef, DevelopmentPlan, FocusAreaId, GoalId,
    LiveField, Person, SpaceId,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use super::grants::Applications;
use super::header::SpaceHeader;
use super::meetings::Meetings;
use super::people::{Members, person_name};
use super::share::ShareSpace;
use super::text::LiveText;
use super::trail::{Conflicts, History};
use super::{
    ChoiceSelect, Editable, Editor, Fold, LIST_SLICE, ShowMore, action_status_key, drawn_ids,
    focus_area_name, focus_areas, parse_date, parse_kroner, show_date, space_path, stamp,
};
use crate::i18n::I18n;
use crate::library::{Library, Message, random_id};

/// A council's screen.
#[component]
pub fn CouncilScreen(id: SpaceId) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let editor = Editor::new(id);
    let plan = Memo::new(move |_| editor.read(|s| s.development_plan()).unwrap_or_default());
    let members = Memo::new(move |_| editor.read(|s| s.members()).unwrap_or_default());
    let overview = move || {
        plan.with(|plan| {
            let done = plan
                .actions
                .iter()
                .filter(|a| a.fields.status == ActionStatus::Done)
                .count();
            i18n.t_with(
                "council-overview",
                &[
                    ("members", members.with(Vec::len).to_string()),
                    ("goals", plan.goals.len().to_string()),
                    ("actions", plan.actions.len().to_string()),
                    ("done", done.to_string()),
                ],
            )
        })
    };
    view! {
        <SpaceHeader editor/>
        <p>{overview}</p>
        <p><A href=format!("{}/print", space_path(id))>{move || i18n.t("print-link")}</A></p>
        <Conflicts editor/>
        <Vision editor/>
        <Goals editor plan/>
        <Actions editor plan members/>
        <CouncilGroups editor/>
        <Meetings editor/>
        <Applications editor/>
        <Members editor/>
        <ShareSpace id/>
    }
}

/// The vision: long text, saved as it is typed.
#[component]
fn Vision(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let field = format!("vision-{}", editor.id);
    view! {
        <section class="card" aria-labelledby="vision-heading">
            <h2 id="vision-heading">{move || i18n.t("vision-heading")}</h2>
            <label for=field.clone()>{move || i18n.t("vision-label")}</label>
            <Editable editor>
            <LiveText id=field rows=6 editor field=LiveField::Vision/>
            </Editable>
        </section>
    }
}

/// Goals, grouped by focus area, each area with a field to add one.
#[component]
fn Goals(editor: Editor, plan: Memo<DevelopmentPlan>) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    view! {
        <section class="card" aria-labelledby="goals-heading">
            <h2 id="goals-heading">{move || i18n.t("goals-heading")}</h2>
            {move || {
                focus_areas(library, i18n)
                    .into_iter()
                    .map(|(area, name)| view! { <GoalArea editor plan area name/> })
                    .collect_view()
            }}
        </section>
    }
}

/// The goals of one focus area.
#[component]
fn GoalArea(
    editor: Editor,
    plan: Memo<DevelopmentPlan>,
    area: FocusAreaId,
    name: String,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let goals = Memo::new(move |_| {
        plan.with(|p| {
            p.goals
                .iter()
                .filter(|g| g.focus_area == area)
                .map(|g| (g.id, g.text.clone()))
                .collect::<Vec<_>>()
        })
    });
    let text = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = text.get_untracked();
        if wanted.trim().is_empty() {
            editor
                .problem
                .set(Some(Message::plain("error-goal-required")));
            return;
        }
        let id = GoalId::from_random(random_id());
        editor.save(move |space, stamp| space.add_goal(id, area, &wanted, stamp));
        text.set(String::new());
    };
    let field = format!("goal-new-{area}");
    let heading = format!("goals-{area}");
    let labelled_by = heading.clone();
    view! {
        <section aria-labelledby=labelled_by>
            <h3 id=heading>{name.clone()}</h3>
            <Editable editor>
            <ul class="items">
                <For each=move || goals.get() key=|(id, text)| (*id, text.clone()) let:goal>
                    <li>
                        <p>{goal.1.clone()}</p>
                        <button
                            type="button"
                            class="secondary"
                            on:click=move |_| editor.save(move |space, stamp| space.remove_goal(goal.0, stamp))
                        >
                            {move || i18n.t_with("goal-remove", &[("goal", goal.1.clone())])}
                        </button>
                        <History editor key=goal.0.to_string()/>
                    </li>
                </For>
            </ul>
            <form class="inline" on:submit=add>
                <label for=field.clone()>{move || i18n.t_with("goal-new-label", &[("area", name.clone())])}</label>
                <input id=field type="text" autocomplete="off" bind:value=text/>
                <button type="submit">{move || i18n.t("goal-add")}</button>
            </form>
            </Editable>
        </section>
    }
}

/// The action plan: filters, the actions in plan order, and a form to add one.
#[component]
fn Actions(
    editor: Editor,
    plan: Memo<DevelopmentPlan>,
    members: Memo<Vec<Person>>,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let status_filter = RwSignal::new(None::<ActionStatus>);
    let area_filter = RwSignal::new(None::<FocusAreaId>);
    let shown = Memo::new(move |_| {
        plan.with(|p| {
            p.filtered(status_filter.get(), area_filter.get())
                .map(|a| a.id)
                .collect::<Vec<_>>()
        })
    });
    let limit = RwSignal::new(LIST_SLICE);
    let added = RwSignal::new(HashSet::new());
    let drawn = Memo::new(move |_| {
        shown.with(|ids| added.with(|added| drawn_ids(ids, limit.get(), added)))
    });
    let fields = RwSignal::new(ActionFields::titled(""));
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = fields.get_untracked();
        if wanted.title.trim().is_empty() {
            editor
                .problem
                .set(Some(Message::plain("error-action-title-required")));
            return;
        }
        let id = ActionId::from_random(random_id());
        added.update(|added| {
            added.insert(id);
        });
        editor.save(move |space, stamp| space.add_action(id, &wanted, stamp));
        fields.set(ActionFields::titled(""));
    };
    let prefix = format!("action-new-{}", editor.id);
    view! {
        <section class="card" aria-labelledby="actions-heading">
            <h2 id="actions-heading">{move || i18n.t("actions-heading")}</h2>
            <div class="filters" role="group" aria-label=move || i18n.t("actions-filter-label")>
                <label for="filter-status">{move || i18n.t("filter-status-label")}</label>
                <select id="filter-status" on:change=move |ev| {
                    status_filter.set(event_target_value(&ev).parse().ok());
                }>
                    <option value="">{move || i18n.t("filter-all")}</option>
                    {ActionStatus::ALL.iter().map(|status| {
                        let status = *status;
                        view! { <option value=status.as_str()>{move || i18n.t(action_status_key(status))}</option> }
                    }).collect_view()}
                </select>
                <label for="filter-area">{move || i18n.t("filter-area-label")}</label>
                <select id="filter-area" on:change=move |ev| {
                    area_filter.set(event_target_value(&ev).parse().ok());
                }>
                    <option value="">{move || i18n.t("filter-all")}</option>
                    {move || focus_areas(library, i18n).into_iter().map(|(area, name)| {
                        view! { <option value=area.to_string() selected=move || area_filter.get() == Some(area)>{name}</option> }
                    }).collect_view()}
                </select>
            </div>
            <p role="status" aria-live="polite">
                {move || i18n.t_with(
                    "actions-shown",
                    &[("shown", drawn.with(Vec::len).to_string()), ("all", plan.with(|p| p.actions.len()).to_string())],
                )}
            </p>
            <ol class="items">
                <For
                    each=move || drawn.get()
                    key=|id| *id
                    let:id
                >
                    <ActionItem editor plan members id/>
                </For>
            </ol>
            <ShowMore
                total=Signal::derive(move || shown.with(Vec::len))
                drawn=Signal::derive(move || drawn.with(Vec::len))
                limit
            />
            <Editable editor>
            <form class="add" on:submit=add>
                <h3>{move || i18n.t("action-add-heading")}</h3>
                <ActionInputs prefix plan members fields/>
                <button type="submit">{move || i18n.t("action-add")}</button>
            </form>
            </Editable>
        </section>
    }
}

/// One action: its fields at a glance, a quick status change, and editing, removal and
/// history folded away.
#[component]
fn ActionItem(
    editor: Editor,
    plan: Memo<DevelopmentPlan>,
    members: Memo<Vec<Person>>,
    id: ActionId,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let action = Memo::new(move |_| plan.with(|p| p.actions.iter().find(|a| a.id == id).cloned()));
    let fields = RwSignal::new(
        action
            .get_untracked()
            .map(|a| a.fields)
            .unwrap_or_else(|| ActionFields::titled("")),
    );
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = fields.get_untracked();
        editor.save(move |space, stamp| space.update_action(id, &wanted, stamp));
    };
    // The form starts from the action as it is when opened, so saving it does not undo a
    // status changed meanwhile (here or on another device).
    let reload = move |()| {
        if let Some(current) = action.get_untracked() {
            fields.set(current.fields);
        }
    };
    let status_id = format!("action-status-{id}");
    let summary = move || {
        action.get().map(|Action { fields, .. }| {
            let mut parts = Vec::new();
            if let Some(area) = fields.focus_area {
                parts.push(focus_area_name(library, i18n, area));
            }
            if let Some(owner) = fields.owner.and_then(|o| person_name(members, o)) {
                parts.push(i18n.t_with("action-owner", &[("name", owner)]));
            }
            if let Some(date) = fields.deadline {
                parts.push(i18n.t_with("action-deadline", &[("date", show_date(i18n, date))]));
            }
            if let Some(cost) = fields.cost {
                parts.push(super::grants::kroner(i18n, cost));
            }
            if !fields.funding.is_empty() {
                parts.push(i18n.t_with("action-funding", &[("funding", fields.funding.clone())]));
            }
            parts.join(" · ")
        })
    };
    view! {
        <li>
            <h3>{move || action.get().map(|a| a.fields.title)}</h3>
            <p>{summary}</p>
            <Editable editor>
            <label for=status_id.clone()>{move || i18n.t("action-status-label")}</label>
            <ChoiceSelect
                id=status_id
                options=ActionStatus::ALL
                value=ActionStatus::as_str
                name=action_status_key
                current=Signal::derive(move || action.get().map(|a| a.fields.status))
                pick=move |status| editor.save(move |space, stamp| space.set_action_status(id, status, stamp))
            />
            <Fold summary="edit-summary" on_open=reload>
                <form on:submit=save>
                    <ActionInputs prefix=format!("action-{id}") plan members fields/>
                    <button type="submit">{move || i18n.t("save")}</button>
                </form>
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| editor.save(move |space, stamp| space.remove_action(id, stamp))
                >
                    {move || i18n.t("action-remove")}
                </button>
            </Fold>
            </Editable>
            <History editor key=id.to_string()/>
        </li>
    }
}

/// Every field of an action, bound to `fields`.
#[component]
fn ActionInputs(
    prefix: String,
    plan: Memo<DevelopmentPlan>,
    members: Memo<Vec<Person>>,
    fields: RwSignal<ActionFields>,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let id = move |name: &str| format!("{prefix}-{name}");
    let cost_text = RwSignal::new(
        fields
            .get_untracked()
            .cost
            .map(|c| c.to_string())
            .unwrap_or_default(),
    );
    let cost_error = RwSignal::new(false);
    // The text follows the amount when the form is reset or reloaded.
    Effect::new(move |_| {
        let cost = fields.with(|f| f.cost);
        if parse_kroner(&cost_text.get_untracked()) != Ok(cost) {
            cost_text.set(cost.map(|c| c.to_string()).unwrap_or_default());
            cost_error.set(false);
        }
    });
    view! {
        <label for=id("title")>{move || i18n.t("action-title-label")}</label>
        <input
            id=id("title")
            type="text"
            autocomplete="off"
            prop:value=move || fields.with(|f| f.title.clone())
            on:input=move |ev| fields.update(|f| f.title = event_target_value(&ev))
        />
        <label for=id("area")>{move || i18n.t("action-area-label")}</label>
        <select id=id("area") on:change=move |ev| fields.update(|f| f.focus_area = event_target_value(&ev).parse().ok())>
            <option value="">{move || i18n.t("none-chosen")}</option>
            {move || focus_areas(library, i18n).into_iter().map(|(area, name)| view! {
                <option value=area.to_string() selected=move || fields.with(|f| f.focus_area == Some(area))>{name}</option>
            }).collect_view()}
        </select>
        <label for=id("goal")>{move || i18n.t("action-goal-label")}</label>
        <select id=id("goal") on:change=move |ev| fields.update(|f| f.goal = event_target_value(&ev).parse().ok())>
            <option value="">{move || i18n.t("none-chosen")}</option>
            {move || plan.get().goals.into_iter().map(|goal| view! {
                <option value=goal.id.to_string() selected=move || fields.with(|f| f.goal == Some(goal.id))>{goal.text.clone()}</option>
            }).collect_view()}
        </select>
        <label for=id("owner")>{move || i18n.t("owner-label")}</label>
        <select id=id("owner") on:change=move |ev| fields.update(|f| f.owner = event_target_value(&ev).parse().ok())>
            <option value="">{move || i18n.t("nobody")}</option>
            {move || members.get().into_iter().map(|person| view! {
                <option value=person.id.to_string() selected=move || fields.with(|f| f.owner == Some(person.id))>{person.fields.name.clone()}</option>
            }).collect_view()}
        </select>
        <label for=id("deadline")>{move || i18n.t("action-deadline-label")}</label>
        <input
            id=id("deadline")
            type="date"
            prop:value=move || fields.with(|f| f.deadline.map(|d| d.to_string()).unwrap_or_default())
            on:change=move |ev| fields.update(|f| f.deadline = parse_date(&event_target_value(&ev)))
        />
        <label for=id("cost")>{move || i18n.t("action-cost-label")}</label>
        <input
            id=id("cost")
            type="text"
            inputmode="numeric"
            aria-invalid=move || cost_error.get().to_string()
            aria-describedby=id("cost-error")
            bind:value=cost_text
            on:change=move |_| match parse_kroner(&cost_text.get_untracked()) {
                Ok(cost) => {
                    cost_error.set(false);
                    fields.update(|f| f.cost = cost);
                }
                Err(_) => cost_error.set(true),
            }
        />
        <p id=id("cost-error") class="error" aria-live="polite">
            {move || cost_error.get().then(|| i18n.t("error-cost"))}
        </p>
        <label for=id("funding")>{move || i18n.t("action-funding-label")}</label>
        <input
            id=id("funding")
            type="text"
            autocomplete="off"
            prop:value=move || fields.with(|f| f.funding.clone())
            on:input=move |ev| fields.update(|f| f.funding = event_target_value(&ev))
        />
    }
}

/// The project groups this council takes part in, and starting one: before a new group is
/// made on a focus area, any group already working on it is offered to join instead.
#[component]
fn CouncilGroups(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let council = editor.id;
    let council_name = Memo::new(move |_| editor.read(|s| s.name()).unwrap_or_default());
    let ours = Memo::new(move |_| {
        library.read_all(|space| {
            let takes_part = space.is_active_group()
                && space
                    .group_councils()
                    .iter()
                    .any(|c| c.council.space == council);
            takes_part.then(|| (space.id(), space.name(), space.focus_area()))
        })
    });
    let name = RwSignal::new(String::new());
    let area = RwSignal::new(None::<FocusAreaId>);
    let confirmed = RwSignal::new(false);
    // Groups on the chosen area this council is not in yet: the domain's rule is to join
    // one of those rather than start another.
    let existing = Memo::new(move |_| {
        let Some(area) = area.get() else {
            return Vec::new();
        };
        library.read_all(|space| {
            let fits = space.is_active_group()
                && space.focus_area() == Some(area)
                && !space
                    .group_councils()
                    .iter()
                    .any(|c| c.council.space == council);
            fits.then(|| (space.id(), space.name()))
        })
    });
    let navigate = use_navigate();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(focus) = area.get_untracked() else {
            editor
                .problem
                .set(Some(Message::plain("error-focus-area-required")));
            return;
        };
        if !existing.get_untracked().is_empty() && !confirmed.get_untracked() {
            return;
        }
        let wanted = name.get_untracked();
        let initiating = CouncilRef {
            space: council,
            name: council_name.get_untracked(),
        };
        let stamp = stamp(i18n);
        let navigate = navigate.clone();
        spawn_local(async move {
            match library
                .create_project_group(&wanted, focus, &initiating, &stamp)
                .await
            {
                Ok(id) => {
                    name.set(String::new());
                    confirmed.set(false);
                    navigate(&space_path(id), Default::default());
                }
                Err(message) => editor.problem.set(Some(message)),
            }
        });
    };
    let join = move |group: SpaceId| {
        let initiating = CouncilRef {
            space: council,
            name: council_name.get_untracked(),
        };
        editor.save_in(group, move |space, stamp| {
            space.invite_council(&initiating, stamp)
        });
    };
    let field = format!("group-name-{council}");
    let area_field = format!("group-area-{council}");
    view! {
        <section class="card" aria-labelledby="council-groups-heading">
            <h2 id="council-groups-heading">{move || i18n.t("council-groups-heading")}</h2>
            <Show
                when=move || ours.with(|g| !g.is_empty())
                fallback=move || view! { <p>{move || i18n.t("council-groups-empty")}</p> }
            >
                <ul class="items">
                    {move || ours.get().into_iter().map(|(id, name, focus)| view! {
                        <li>
                            <A href=space_path(id)>{name}</A>
                            {focus.map(|f| format!(" · {}", focus_area_name(library, i18n, f)))}
                        </li>
                    }).collect_view()}
                </ul>
            </Show>
            <Editable editor>
            <form class="add" on:submit=create>
                <h3>{move || i18n.t("group-start-heading")}</h3>
                <label for=area_field.clone()>{move || i18n.t("group-area-label")}</label>
                <select id=area_field on:change=move |ev| {
                    area.set(event_target_value(&ev).parse().ok());
                    confirmed.set(false);
                }>
                    <option value="">{move || i18n.t("none-chosen")}</option>
                    {move || focus_areas(library, i18n).into_iter().map(|(id, name)| view! {
                        <option value=id.to_string()>{name}</option>
                    }).collect_view()}
                </select>
                <Show when=move || existing.with(|e| !e.is_empty())>
                    <div class="hint" role="note">
                        <p>{move || i18n.t("group-existing-intro")}</p>
                        <ul>
                            {move || existing.get().into_iter().map(|(id, name)| {
                                let label = name.clone();
                                view! {
                                    <li>
                                        <A href=space_path(id)>{name}</A>
                                        " "
                                        <button type="button" on:click=move |_| join(id)>
                                            {move || i18n.t_with("group-join", &[("group", label.clone())])}
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <label class="check">
                            <input type="checkbox" bind:checked=confirmed/>
                            {move || i18n.t("group-start-anyway")}
                        </label>
                    </div>
                </Show>
                <label for=field.clone()>{move || i18n.t("group-name-label")}</label>
                <input id=field type="text" autocomplete="off" bind:value=name/>
                <button
                    type="submit"
                    disabled=move || existing.with(|e| !e.is_empty()) && !confirmed.get()
                >
                    {move || i18n.t("group-start")}
                </button>
            </form>
            </Editable>
        </section>
    }
}
