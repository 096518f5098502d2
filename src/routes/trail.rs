//! Who changed what and when, and the fields two people set at once.

use landsbyplan_model::{Conflict, Space};
use leptos::prelude::*;

use super::{Editable, Editor};
use crate::i18n::I18n;

/// An entity's history, folded away and read only when opened (reading it walks every
/// change of the space).
#[component]
pub fn History(editor: Editor, key: String) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let open = RwSignal::new(false);
    let entries = move || {
        if !open.get() {
            return Vec::new();
        }
        let key = key.clone();
        editor
            .read_mut(move |space| space.history_of(&key))
            .unwrap_or_default()
    };
    view! {
        <details class="history" on:toggle=move |ev| {
            use wasm_bindgen::JsCast;
            if let Some(details) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok())
            {
                open.set(details.open());
            }
        }>
            <summary>{move || i18n.t("history-summary")}</summary>
            <ol>
                {move || {
                    entries()
                        .into_iter()
                        .rev()
                        .map(|entry| {
                            let when = chrono::DateTime::from_timestamp(entry.time, 0)
                                .map(|t| {
                                    t.with_timezone(&chrono::Local)
                                        .format("%Y-%m-%d %H:%M")
                                        .to_string()
                                })
                                .unwrap_or_default();
                            view! {
                                <li>
                                    {move || {
                                        i18n.t_with(
                                            "history-entry",
                                            &[("author", entry.author.clone()), ("time", when.clone())],
                                        )
                                    }}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
        </details>
    }
}

/// Fields that hold two values after a merge, each value with a button that keeps it.
/// Shows nothing when there are none.
#[component]
pub fn Conflicts(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let conflicts = Memo::new(move |_| {
        editor
            .read(|space| {
                space
                    .conflicts()
                    .into_iter()
                    .map(|conflict| (describe(space, &conflict), conflict))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    view! {
        <Show when=move || conflicts.with(|c| !c.is_empty())>
            <section class="card conflicts" aria-labelledby="conflicts-heading">
                <h2 id="conflicts-heading">{move || i18n.t("conflicts-heading")}</h2>
                <p>{move || i18n.t("conflicts-intro")}</p>
                <Editable editor>
                <ul class="items">
                    {move || {
                        conflicts
                            .get()
                            .into_iter()
                            .map(|((entity, field), conflict)| {
                                let values = conflict.values.clone();
                                view! {
                                    <li>
                                        <h3>
                                            {move || {
                                                i18n.t_with(
                                                    "conflict-field",
                                                    &[
                                                        ("field", i18n.t(field_key(&field))),
                                                        ("entity", entity.clone()),
                                                    ],
                                                )
                                            }}
                                        </h3>
                                        {values
                                            .into_iter()
                                            .map(|value| {
                                                let path = conflict.path.clone();
                                                let chosen = value.clone();
                                                let keep = move |_| {
                                                    let path = path.clone();
                                                    let chosen = chosen.clone();
                                                    editor.save(move |space, stamp| {
                                                        space.resolve_conflict(&path, &chosen, stamp)
                                                    });
                                                };
                                                let label = value.clone();
                                                view! {
                                                    <button type="button" on:click=keep>
                                                        {move || i18n.t_with("conflict-keep", &[("value", label.clone())])}
                                                    </button>
                                                }
                                            })
                                            .collect_view()}
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
                </Editable>
            </section>
        </Show>
    }
}

/// The entity a conflict is in, by its name or title, and the field's key.
fn describe(space: &Space, conflict: &Conflict) -> (String, String) {
    let field = conflict.path.last().cloned().unwrap_or_default();
    let entity_id = conflict
        .path
        .iter()
        .rev()
        .nth(1)
        .cloned()
        .unwrap_or_default();
    let members = space.members();
    let plan = space.development_plan();
    let project = space.project_plan();
    let entity = members
        .iter()
        .find(|p| p.id.to_string() == entity_id)
        .map(|p| p.fields.name.clone())
        .or_else(|| {
            plan.actions
                .iter()
                .find(|a| a.id.to_string() == entity_id)
                .map(|a| a.fields.title.clone())
        })
        .or_else(|| {
            project
                .tasks
                .iter()
                .find(|t| t.id.to_string() == entity_id)
                .map(|t| t.fields.title.clone())
        })
        .or_else(|| {
            project
                .milestones
                .iter()
                .find(|m| m.id.to_string() == entity_id)
                .map(|m| m.title.clone())
        })
        .unwrap_or_else(|| space.name());
    (entity, field)
}

/// The translation key naming a stored field.
fn field_key(field: &str) -> &'static str {
    match field {
        "name" => "field-name",
        "title" => "field-title",
        "contact" => "field-contact",
        "role" => "field-role",
        "status" => "field-status",
        "owner" => "field-owner",
        "deadline" | "due" => "field-due",
        "cost" => "field-cost",
        "funding" => "field-funding",
        "leader" => "field-leader",
        _ => "field-other",
    }
}
