//! Members of a council or a project group: the list, adding, editing and removing.

use std::collections::HashSet;

use landsbyplan_model::{Person, PersonFields, PersonId, Role};
use leptos::prelude::*;

use super::trail::History;
use super::{ChoiceSelect, Editable, Editor, Fold, LIST_SLICE, ShowMore, drawn_ids, role_key};
use crate::i18n::I18n;
use crate::library::random_id;

/// The members section of a space.
#[component]
pub fn Members(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let members = Memo::new(move |_| editor.read(|s| s.members()).unwrap_or_default());
    let name = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Citizen);
    let limit = RwSignal::new(LIST_SLICE);
    let added = RwSignal::new(HashSet::new());
    let drawn = Memo::new(move |_| {
        members.with(|m| {
            let ids: Vec<PersonId> = m.iter().map(|p| p.id).collect();
            added.with(|added| drawn_ids(&ids, limit.get(), added))
        })
    });
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fields = PersonFields {
            name: name.get_untracked(),
            contact: contact.get_untracked(),
            role: role.get_untracked(),
        };
        if fields.name.trim().is_empty() {
            editor
                .problem
                .set(Some(crate::library::Message::plain("error-name-required")));
            return;
        }
        let id = PersonId::from_random(random_id());
        added.update(|added| {
            added.insert(id);
        });
        editor.save(move |space, stamp| space.add_member(id, &fields, stamp));
        name.set(String::new());
        contact.set(String::new());
    };
    let prefix = format!("member-{}", editor.id);
    view! {
        <section class="card" aria-labelledby="members-heading">
            <h2 id="members-heading">{move || i18n.t("members-heading")}</h2>
            <Show
                when=move || members.with(|m| !m.is_empty())
                fallback=move || view! { <p>{move || i18n.t("members-empty")}</p> }
            >
                <ul class="items">
                    <For
                        each=move || drawn.get()
                        key=|id| *id
                        let:id
                    >
                        <MemberItem editor members id/>
                    </For>
                </ul>
                <ShowMore
                    total=Signal::derive(move || members.with(Vec::len))
                    drawn=Signal::derive(move || drawn.with(Vec::len))
                    limit
                />
            </Show>
            <Editable editor>
                <form class="add" on:submit=add>
                    <h3>{move || i18n.t("member-add-heading")}</h3>
                    <PersonInputs prefix=format!("{prefix}-new") name contact role/>
                    <button type="submit">{move || i18n.t("member-add")}</button>
                </form>
            </Editable>
        </section>
    }
}

/// One member: name, role and contact, with editing, removal and history folded away.
#[component]
fn MemberItem(editor: Editor, members: Memo<Vec<Person>>, id: PersonId) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let person = Memo::new(move |_| members.with(|m| m.iter().find(|p| p.id == id).cloned()));
    let field = move |read: fn(&PersonFields) -> String| {
        move || person.get().map(|p| read(&p.fields)).unwrap_or_default()
    };
    let current = person.get_untracked().map(|p| p.fields);
    let name = RwSignal::new(current.as_ref().map(|f| f.name.clone()).unwrap_or_default());
    let contact = RwSignal::new(
        current
            .as_ref()
            .map(|f| f.contact.clone())
            .unwrap_or_default(),
    );
    let role = RwSignal::new(current.map(|f| f.role).unwrap_or(Role::Citizen));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fields = PersonFields {
            name: name.get_untracked(),
            contact: contact.get_untracked(),
            role: role.get_untracked(),
        };
        editor.save(move |space, stamp| space.update_member(id, &fields, stamp));
    };
    let remove = move |_| editor.save(move |space, stamp| space.remove_member(id, stamp));
    let reload = move |()| {
        if let Some(current) = person.get_untracked() {
            name.set(current.fields.name);
            contact.set(current.fields.contact);
            role.set(current.fields.role);
        }
    };
    view! {
        <li>
            <h3>{field(|f| f.name.clone())}</h3>
            <p>
                {move || person.get().map(|p| i18n.t(role_key(p.fields.role)))}
                {move || {
                    let contact = person.get().map(|p| p.fields.contact).unwrap_or_default();
                    (!contact.is_empty()).then(|| format!(" · {contact}"))
                }}
            </p>
            <Editable editor>
            <Fold summary="edit-summary" on_open=reload>
                <form on:submit=save>
                    <PersonInputs prefix=format!("member-{id}") name contact role/>
                    <button type="submit">{move || i18n.t("save")}</button>
                </form>
                <button type="button" class="secondary" on:click=remove>
                    {move || i18n.t("member-remove")}
                </button>
            </Fold>
            </Editable>
            <History editor key=id.to_string()/>
        </li>
    }
}

/// Name, contact and role inputs, labelled, with ids starting `prefix`.
#[component]
fn PersonInputs(
    prefix: String,
    name: RwSignal<String>,
    contact: RwSignal<String>,
    role: RwSignal<Role>,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let name_id = format!("{prefix}-name");
    let contact_id = format!("{prefix}-contact");
    let role_id = format!("{prefix}-role");
    view! {
        <label for=name_id.clone()>{move || i18n.t("member-name-label")}</label>
        <input id=name_id type="text" autocomplete="off" bind:value=name/>
        <label for=contact_id.clone()>{move || i18n.t("member-contact-label")}</label>
        <input id=contact_id type="text" autocomplete="off" bind:value=contact/>
        <label for=role_id.clone()>{move || i18n.t("member-role-label")}</label>
        <RoleSelect id=role_id role/>
    }
}

/// A select of the roles, bound to `role`.
#[component]
pub fn RoleSelect(id: String, role: RwSignal<Role>) -> impl IntoView {
    view! {
        <ChoiceSelect
            id
            options=Role::ALL
            value=Role::as_str
            name=role_key
            current=Signal::derive(move || Some(role.get()))
            pick=move |chosen| role.set(chosen)
        />
    }
}

/// A member's name, if they are still a member.
pub fn person_name(members: Memo<Vec<Person>>, id: PersonId) -> Option<String> {
    members.with(|m| m.iter().find(|p| p.id == id).map(|p| p.fields.name.clone()))
}
