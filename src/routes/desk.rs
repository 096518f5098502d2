//! The consultant's desk, on the network's screen: every council against every focus
//! area (goals, actions and the groups at work), invitations proposed where a council
//! works on an area a group already covers, merging two groups on one area after a
//! preview, importing a space from a file after a preview, and a search across every
//! space on the device.

use landsbyplan_model::{CouncilRef, FocusAreaId, GroupMergePreview, Space, SpaceId, SpaceKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use super::files::chosen_file;
use super::{Editable, Editor, focus_area_name, focus_areas, space_path, stamp};
use crate::i18n::I18n;
use crate::library::{Library, Message};

/// The desk's sections.
#[component]
pub fn Desk(editor: Editor) -> impl IntoView {
    view! {
        <Matrix editor/>
        <Editable editor>
            <MergeGroups editor/>
            <ImportFile editor/>
        </Editable>
        <Search/>
    }
}

/// One council's work on one focus area.
#[derive(Clone, Debug, PartialEq)]
struct Cell {
    goals: Vec<String>,
    actions: usize,
    groups: Vec<(SpaceId, String)>,
    /// A group on the area this council is not in, while it works on the area itself.
    propose: Option<(SpaceId, String)>,
}

#[derive(Clone, Debug, PartialEq)]
struct Row {
    council: CouncilRef,
    cells: Vec<Cell>,
}

fn matrix(library: Library, areas: &[FocusAreaId]) -> Vec<Row> {
    let groups: Vec<(SpaceId, String, Option<FocusAreaId>, Vec<SpaceId>)> =
        library.read_all(|space| {
            space.is_active_group().then(|| {
                (
                    space.id(),
                    space.name(),
                    space.focus_area(),
                    space
                        .group_councils()
                        .into_iter()
                        .map(|c| c.council.space)
                        .collect(),
                )
            })
        });
    let mut rows: Vec<Row> = library.read_all(|space| {
        (space.kind() == SpaceKind::Council).then(|| {
            let plan = space.development_plan();
            let council = space.id();
            let cells = areas
                .iter()
                .map(|area| {
                    let goals: Vec<String> = plan
                        .goals
                        .iter()
                        .filter(|g| g.focus_area == *area)
                        .map(|g| g.text.clone())
                        .collect();
                    let actions = plan
                        .actions
                        .iter()
                        .filter(|a| a.fields.focus_area == Some(*area))
                        .count();
                    let on_area = groups.iter().filter(|g| g.2 == Some(*area));
                    let (ours, others): (Vec<_>, Vec<_>) =
                        on_area.partition(|g| g.3.contains(&council));
                    let works_on_it = !goals.is_empty() || actions > 0;
                    Cell {
                        propose: (works_on_it && ours.is_empty())
                            .then(|| others.first().map(|g| (g.0, g.1.clone())))
                            .flatten(),
                        groups: ours.into_iter().map(|g| (g.0, g.1.clone())).collect(),
                        goals,
                        actions,
                    }
                })
                .collect();
            Row {
                council: CouncilRef {
                    space: council,
                    name: space.name(),
                },
                cells,
            }
        })
    });
    rows.sort_by_key(|row| row.council.name.to_lowercase());
    rows
}

/// Councils × focus areas.
#[component]
fn Matrix(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let areas = Memo::new(move |_| focus_areas(library, i18n));
    let rows = Memo::new(move |_| {
        let ids: Vec<FocusAreaId> = areas.with(|a| a.iter().map(|(id, _)| *id).collect());
        matrix(library, &ids)
    });
    let invite = move |group: SpaceId, council: CouncilRef| {
        editor.save_in(group, move |s, stamp| s.invite_council(&council, stamp));
    };
    view! {
        <section class="card" aria-labelledby="desk-heading">
            <h2 id="desk-heading">{move || i18n.t("desk-heading")}</h2>
            <p>{move || i18n.t("desk-intro")}</p>
            <Show
                when=move || rows.with(|r| !r.is_empty())
                fallback=move || view! { <p>{move || i18n.t("desk-empty")}</p> }
            >
                <div class="table-scroll" role="region" aria-labelledby="desk-heading" tabindex="0">
                    <table class="matrix">
                        <thead>
                            <tr>
                                <th scope="col">{move || i18n.t("kind-council")}</th>
                                {move || areas.get().into_iter().map(|(_, name)| view! { <th scope="col">{name}</th> }).collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {move || rows.get().into_iter().map(|row| {
                                let council = row.council.clone();
                                let council_name = council.name.clone();
                                view! {
                                    <tr>
                                        <th scope="row"><A href=space_path(council.space)>{council_name}</A></th>
                                        {row.cells.into_iter().map(|cell| {
                                            let council = council.clone();
                                            let counts = [
                                                ("goals", cell.goals.len().to_string()),
                                                ("actions", cell.actions.to_string()),
                                            ];
                                            view! {
                                                <td>
                                                    <p>{move || i18n.t_with("desk-cell", &counts)}</p>
                                                    <ul>{cell.goals.into_iter().map(|g| view! { <li>{g}</li> }).collect_view()}</ul>
                                                    {cell.groups.into_iter().map(|(id, name)| view! {
                                                        <p><A href=space_path(id)>{name}</A></p>
                                                    }).collect_view()}
                                                    {cell.propose.map(|(group, name)| {
                                                        let label = name.clone();
                                                        let council_name = council.name.clone();
                                                        view! {
                                                            <p class="hint">{move || i18n.t_with("desk-propose", &[("group", name.clone())])}</p>
                                                            <Editable editor>
                                                            <button type="button" on:click=move |_| invite(group, council.clone())>
                                                                {move || i18n.t_with("desk-invite", &[("council", council_name.clone()), ("group", label.clone())])}
                                                            </button>
                                                            </Editable>
                                                        }
                                                    })}
                                                </td>
                                            }
                                        }).collect_view()}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </Show>
        </section>
    }
}

/// Merging two groups on one focus area, after a preview.
#[component]
fn MergeGroups(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let groups = Memo::new(move |_| {
        let mut list = library.read_all(|space| {
            space
                .is_active_group()
                .then(|| (space.id(), space.name(), space.focus_area()))
        });
        list.sort_by_key(|g| g.1.to_lowercase());
        list
    });
    let survivor = RwSignal::new(None::<SpaceId>);
    let absorbed = RwSignal::new(None::<SpaceId>);
    let preview = move || -> Option<Result<GroupMergePreview, Message>> {
        let (s, a) = (survivor.get()?, absorbed.get()?);
        if s == a {
            return Some(Err(Message::plain("error-merge-same-group")));
        }
        Some(library.preview_group_merge(s, a))
    };
    let done = RwSignal::new(None::<String>);
    let merge = move |_| {
        let (Some(s), Some(a)) = (survivor.get_untracked(), absorbed.get_untracked()) else {
            return;
        };
        let stamp = stamp(i18n);
        spawn_local(async move {
            match library.merge_groups(s, a, &stamp).await {
                Ok(_) => {
                    let name = library.read(s, |space| space.name()).unwrap_or_default();
                    done.set(Some(name));
                    survivor.set(None);
                    absorbed.set(None);
                }
                Err(message) => editor.problem.set(Some(message)),
            }
        });
    };
    let options = move |chosen: RwSignal<Option<SpaceId>>| {
        view! {
            <option value="" selected=move || chosen.get().is_none()>{move || i18n.t("none-chosen")}</option>
            {move || groups.get().into_iter().map(|(id, name, area)| {
                let label = match area {
                    Some(area) => format!("{name} ({})", focus_area_name(library, i18n, area)),
                    None => name,
                };
                view! { <option value=id.to_string() selected=move || chosen.get() == Some(id)>{label}</option> }
            }).collect_view()}
        }
    };
    view! {
        <section class="card" aria-labelledby="merge-heading">
            <h2 id="merge-heading">{move || i18n.t("merge-heading")}</h2>
            <p>{move || i18n.t("merge-intro")}</p>
            <label for="merge-survivor">{move || i18n.t("merge-survivor-label")}</label>
            <select id="merge-survivor" on:change=move |ev| { done.set(None); survivor.set(event_target_value(&ev).parse().ok()) }>
                {options(survivor)}
            </select>
            <label for="merge-absorbed">{move || i18n.t("merge-absorbed-label")}</label>
            <select id="merge-absorbed" on:change=move |ev| { done.set(None); absorbed.set(event_target_value(&ev).parse().ok()) }>
                {options(absorbed)}
            </select>
            <div role="status" aria-live="polite">
                {move || match preview() {
                    Some(Ok(p)) => view! {
                        <div class="preview">
                            <h3>{i18n.t("merge-preview-heading")}</h3>
                            <p>{i18n.t_with("merge-preview-members", &[
                                ("added", p.members_added.len().to_string()),
                                ("names", p.members_added.join(", ")),
                            ])}</p>
                            <p>{i18n.t_with("merge-preview-matched", &[
                                ("matched", p.members_matched.len().to_string()),
                                ("names", p.members_matched.join(", ")),
                            ])}</p>
                            <p>{i18n.t_with("merge-preview-councils", &[("names", p.councils_added.join(", "))])}</p>
                            <p>{i18n.t_with("merge-preview-plan", &[
                                ("milestones", p.milestones_added.to_string()),
                                ("tasks", p.tasks_added.to_string()),
                            ])}</p>
                            <button type="button" on:click=merge>{i18n.t("merge-do")}</button>
                        </div>
                    }.into_any(),
                    Some(Err(message)) => view! { <p class="error">{i18n.t_with(message.key, &message.args)}</p> }.into_any(),
                    None => ().into_any(),
                }}
                {move || done.get().map(|name| view! { <p>{i18n.t_with("merge-done", &[("group", name)])}</p> })}
            </div>
        </section>
    }
}

/// Bringing in a space from a file, after seeing what it adds.
#[component]
fn ImportFile(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let bytes = StoredValue::new_local(None::<Vec<u8>>);
    let preview =
        RwSignal::new(None::<Result<(SpaceId, String, Option<(usize, Vec<String>)>), Message>>);
    let done = RwSignal::new(None::<SpaceId>);
    let read = move |ev: leptos::ev::Event| {
        done.set(None);
        spawn_local(async move {
            let result = match chosen_file(&ev).await {
                None => return,
                Some(Err(message)) => Err(message),
                Some(Ok(file_bytes)) => {
                    let result = library
                        .preview_file(&file_bytes)
                        .map(|(id, name, p)| (id, name, p.map(|p| (p.new_changes, p.authors))));
                    bytes.set_value(Some(file_bytes));
                    result
                }
            };
            preview.set(Some(result));
        });
    };
    let bring_in = move |_| {
        let Some(file_bytes) = bytes.get_value() else {
            return;
        };
        spawn_local(async move {
            match library.open_file(&file_bytes).await {
                Ok(id) => {
                    preview.set(None);
                    done.set(Some(id));
                }
                Err(message) => editor.problem.set(Some(message)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="import-heading">
            <h2 id="import-heading">{move || i18n.t("import-heading")}</h2>
            <label for="import-file">{move || i18n.t("import-label")}</label>
            <input id="import-file" type="file" accept=".landsbyplan,application/octet-stream" on:change=read/>
            <div role="status" aria-live="polite">
                {move || preview.get().map(|p| match p {
                    Ok((_, name, Some((changes, authors)))) => view! {
                        <p>{i18n.t_with("import-adds", &[
                            ("name", name),
                            ("changes", changes.to_string()),
                            ("authors", authors.join(", ")),
                        ])}</p>
                        <button type="button" on:click=bring_in disabled=changes == 0>{i18n.t("import-do")}</button>
                    }.into_any(),
                    Ok((_, name, None)) => view! {
                        <p>{i18n.t_with("import-new", &[("name", name)])}</p>
                        <button type="button" on:click=bring_in>{i18n.t("import-do")}</button>
                    }.into_any(),
                    Err(message) => view! { <p class="error">{i18n.t_with(message.key, &message.args)}</p> }.into_any(),
                })}
                {move || done.get().map(|id| view! {
                    <p>{i18n.t("import-done")} " " <A href=space_path(id)>{i18n.t("import-open")}</A></p>
                })}
            </div>
        </section>
    }
}

/// One place a search found its words.
#[derive(Clone, Debug, PartialEq)]
struct Hit {
    space: SpaceId,
    space_name: String,
    what: &'static str,
    text: String,
}

/// Where `query` (lowercase) occurs in `space`.
fn search_space(space: &Space, query: &str) -> Vec<Hit> {
    let mut found = Vec::new();
    let mut check = |what: &'static str, text: &str| {
        if text.to_lowercase().contains(query) {
            found.push((what, text.to_owned()));
        }
    };
    check("search-in-name", &space.name());
    for person in space.members() {
        check("search-in-member", &person.fields.name);
    }
    let plan = space.development_plan();
    check("search-in-vision", &plan.vision);
    for goal in &plan.goals {
        check("search-in-goal", &goal.text);
    }
    for action in &plan.actions {
        check("search-in-action", &action.fields.title);
    }
    let project = space.project_plan();
    check("search-in-group-goal", &project.goal);
    for task in &project.tasks {
        check("search-in-task", &task.fields.title);
    }
    for meeting in space.meetings() {
        check("search-in-meeting", &meeting.title);
        check("search-in-minutes", &meeting.minutes);
    }
    for application in space.applications() {
        check("search-in-application", &application.title);
    }
    found
        .into_iter()
        .map(|(what, text)| Hit {
            space: space.id(),
            space_name: space.name(),
            what,
            text,
        })
        .collect()
}

/// A search across every space on this device.
#[component]
fn Search() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let query = RwSignal::new(String::new());
    let hits = Memo::new(move |_| {
        let wanted = query.get().trim().to_lowercase();
        if wanted.chars().count() < 2 {
            return Vec::new();
        }
        let mut hits: Vec<Hit> = library
            .read_all(|space| Some(search_space(space, &wanted)))
            .into_iter()
            .flatten()
            .collect();
        hits.sort_by_key(|h| (h.space_name.to_lowercase(), h.what));
        hits
    });
    view! {
        <section class="card" aria-labelledby="search-heading">
            <h2 id="search-heading">{move || i18n.t("search-heading")}</h2>
            <label for="search">{move || i18n.t("search-label")}</label>
            <input id="search" type="search" autocomplete="off" bind:value=query/>
            <p role="status" aria-live="polite">
                {move || (query.with(|q| q.trim().chars().count() >= 2))
                    .then(|| i18n.t_with("search-count", &[("count", hits.with(Vec::len).to_string())]))}
            </p>
            <ul class="items">
                {move || hits.get().into_iter().map(|hit| view! {
                    <li>
                        <A href=space_path(hit.space)>{hit.space_name.clone()}</A>
                        <p>{move || i18n.t(hit.what)} ": " {snippet(&hit.text)}</p>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// At most 120 characters of a found text.
fn snippet(text: &str) -> String {
    let mut short: String = text.chars().take(120).collect();
    if text.chars().count() > 120 {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;
    use landsbyplan_model::{ActionFields, ActionId, Stamp};

    #[test]
    fn a_search_finds_words_in_names_plans_and_members_whatever_their_case() {
        let stamp = Stamp::new("Lise", 1_780_000_000);
        let mut space =
            Space::create_council(SpaceId::from_random(5), "Urup Lokalråd", &stamp).unwrap();
        space
            .add_action(
                ActionId::from_random(1),
                &ActionFields::titled("Shelter ved Urup Dam"),
                &stamp,
            )
            .unwrap();
        space
            .set_vision("Vi vil have flere shelters.", &stamp)
            .unwrap();
        let hits = search_space(&space, "shelter");
        let kinds: Vec<_> = hits.iter().map(|h| h.what).collect();
        assert_eq!(kinds, vec!["search-in-vision", "search-in-action"]);
        assert!(
            search_space(&space, "urup")
                .iter()
                .any(|h| h.what == "search-in-name")
        );
        assert!(search_space(&space, "bålhytte").is_empty());
    }
}
