//! The app's screens, one module each, and what they share: the editor handle every
//! form saves through, the line that shows a failed save, and the names of enum values.

pub mod connect;
pub mod council;
pub mod desk;
pub mod feed;
pub mod files;
pub mod grants;
pub mod group;
pub mod header;
pub mod home;
pub mod meetings;
pub mod network;
pub mod people;
pub mod print;
pub mod share;
pub mod space;
pub mod text;
pub mod trail;
pub mod wheel;

use landsbyplan_model::{
    ActionStatus, FocusAreaId, Role, SEED_FOCUS_AREAS, Space, SpaceId, SpaceKind, Stamp, TaskStatus,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::glimpse::{Glimpse, Stage};
use crate::i18n::I18n;
use crate::library::{Library, LibraryState, Message};
use crate::settings;

/// What a screen needs to read and edit one space: a cheap `Copy` handle.
#[derive(Clone, Copy)]
pub struct Editor {
    /// The space.
    pub id: SpaceId,
    /// The last save that failed, shown by [`SaveProblem`].
    pub problem: RwSignal<Option<Message>>,
    /// Whether this device may change the space (not when joined by a read-only link).
    pub writable: bool,
    library: Library,
    i18n: I18n,
}

impl Editor {
    /// An editor for space `id`, from the library and language in context.
    pub fn new(id: SpaceId) -> Self {
        let library: Library = expect_context();
        Self {
            id,
            problem: RwSignal::new(None),
            writable: library.is_writable(id),
            library,
            i18n: expect_context(),
        }
    }

    /// Reads the space (tracked: reruns when any held space changes).
    pub fn read<T>(self, read: impl FnOnce(&Space) -> T) -> Option<T> {
        self.library.read(self.id, read)
    }

    /// Reads the space where the model needs it mutably (history).
    pub fn read_mut<T>(self, read: impl FnOnce(&mut Space) -> T) -> Option<T> {
        self.library.read_mut(self.id, read)
    }

    /// Makes an edit as the person on this device, now; a failure shows in
    /// [`SaveProblem`] and clears with the next edit that succeeds.
    pub fn save(
        self,
        edit: impl FnOnce(&mut Space, &Stamp) -> landsbyplan_model::Result<()> + 'static,
    ) {
        let stamp = stamp(self.i18n);
        spawn_local(async move {
            let result = self
                .library
                .edit(self.id, |space| edit(space, &stamp))
                .await;
            self.problem.set(result.err());
        });
    }

    /// Like [`Editor::save`] on another space (a group a council joins, say).
    pub fn save_in(
        self,
        other: SpaceId,
        edit: impl FnOnce(&mut Space, &Stamp) -> landsbyplan_model::Result<()> + 'static,
    ) {
        Self { id: other, ..self }.save(edit);
    }
}

/// Controls that change the space, disabled on a device that may only read it (reading,
/// filtering, searching and saving a copy stay usable).
#[component]
pub fn Editable(editor: Editor, children: Children) -> impl IntoView {
    view! { <fieldset class="space" disabled=!editor.writable>{children()}</fieldset> }
}

/// The last failed save of an editor, in words, with a way to try again when the device
/// was full (the edit is kept in the tab until then).
#[component]
pub fn SaveProblem(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let retry = move |_| {
        spawn_local(async move {
            let result = library.retry(editor.id).await;
            editor.problem.set(result.err());
        });
    };
    move || {
        editor.problem.get().map(|message| {
            let full = message.key == "error-storage-full";
            view! {
                <div class="error" role="alert">
                    <p>{i18n.t_with(message.key, &message.args)}</p>
                    <Show when=move || full && library.has_unstored(editor.id)>
                        <button type="button" on:click=retry>{move || i18n.t("retry-save")}</button>
                    </Show>
                </div>
            }
        })
    }
}

/// A `<details>` whose content is built only when it is first opened, so a long list of
/// items, each with its editing form folded away, stays quick to show.
#[component]
pub fn Fold(
    /// The always visible summary line.
    summary: &'static str,
    /// Runs each time the fold opens (an edit form starts from the item as it is now).
    #[prop(optional, into)]
    on_open: Option<Callback<()>>,
    children: ChildrenFn,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let opened = RwSignal::new(false);
    view! {
        <details on:toggle=move |ev| {
            use wasm_bindgen::JsCast;
            if ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok())
                .is_some_and(|details| details.open())
            {
                if let Some(on_open) = on_open {
                    on_open.run(());
                }
                opened.set(true);
            }
        }>
            <summary>{move || i18n.t(summary)}</summary>
            <Show when=move || opened.get()>{children()}</Show>
        </details>
    }
}

/// How many items of a long list are drawn at first, and how many more each press of
/// [`ShowMore`] draws: a council with hundreds of actions or members opens without
/// building them all (a phone's screen holds a handful).
pub const LIST_SLICE: usize = 20;

/// Which items of a long list are drawn: the first `limit`, and any added on this screen
/// (each in its place), so what a person adds shows at once however long the list.
pub fn drawn_ids<T: Copy + Eq + std::hash::Hash>(
    ids: &[T],
    limit: usize,
    added: &std::collections::HashSet<T>,
) -> Vec<T> {
    ids.iter()
        .enumerate()
        .filter(|(at, id)| *at < limit || added.contains(id))
        .map(|(_, id)| *id)
        .collect()
}

/// The button under a long list that draws the next [`LIST_SLICE`] of its `total` items;
/// `drawn` is how many are drawn, `limit` how far the list is drawn.
#[component]
pub fn ShowMore(
    #[prop(into)] total: Signal<usize>,
    #[prop(into)] drawn: Signal<usize>,
    limit: RwSignal<usize>,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    view! {
        <Show when=move || { total.get() > drawn.get() }>
            <button
                type="button"
                class="secondary more"
                on:click=move |_| limit.update(|limit| *limit += LIST_SLICE)
            >
                {move || {
                    let left = total.get().saturating_sub(drawn.get());
                    i18n.t_with("show-more", &[("left", left.to_string())])
                }}
            </button>
        </Show>
    }
}

/// A `<select>` of one of the model's fixed choices (a status, a role, a kind): each
/// option shows the translation `name` gives it, the one `current` holds is selected, and
/// choosing one calls `pick`.
#[component]
pub fn ChoiceSelect<T>(
    id: String,
    options: &'static [T],
    /// The stored value of a choice (the model's `as_str`).
    value: fn(T) -> &'static str,
    /// The translation key of a choice's name.
    name: fn(T) -> &'static str,
    #[prop(into)] current: Signal<Option<T>>,
    #[prop(into)] pick: Callback<T>,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    let i18n = expect_context::<I18n>();
    view! {
        <select
            id=id
            on:change=move |ev| {
                let chosen = event_target_value(&ev);
                if let Some(option) = options.iter().find(|o| value(**o) == chosen) {
                    pick.run(*option);
                }
            }
        >
            {options
                .iter()
                .map(|option| {
                    let option = *option;
                    view! {
                        <option value=value(option) selected=move || current.get() == Some(option)>
                            {move || i18n.t(name(option))}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

/// The space named by the route's `:id`, if it parses.
pub fn space_id_param() -> Memo<Option<SpaceId>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|id| id.parse().ok()))
}

/// The space named by the route's `:id` and the item named by its parameter `key`, if
/// both parse.
pub fn space_and_item<T: std::str::FromStr + PartialEq + Send + Sync + 'static>(
    key: &'static str,
) -> Memo<Option<(SpaceId, T)>> {
    let params = use_params_map();
    Memo::new(move |_| {
        let params = params.read();
        Some((
            params.get("id")?.parse().ok()?,
            params.get(key)?.parse().ok()?,
        ))
    })
}

/// The frame of a screen for one item of a space (an application, a meeting): it waits
/// for the device's store, finds the space and the item the address names (parameter
/// `key`) and says `missing` (with [`ItemMissing`]) while the device has not got them;
/// an item that arrives later (from another phone) is shown at once. `show` builds the
/// screen once per address and item, untracked: its parts follow the item's changes
/// themselves, so an edit never rebuilds the screen under the person's fingers.
pub fn item_screen<T, I>(
    key: &'static str,
    missing: (&'static str, &'static str),
    find: fn(&Space, T) -> Option<I>,
    show: impl Fn(Editor, T, Memo<Option<I>>) -> AnyView + Send + Sync + 'static,
) -> impl IntoView
where
    T: std::str::FromStr + PartialEq + Copy + Send + Sync + 'static,
    I: Clone + PartialEq + Send + Sync + 'static,
{
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let ids = space_and_item::<T>(key);
    let item = Memo::new(move |_| {
        ids.get()
            .and_then(|(space, id)| library.read(space, |s| find(s, id)))
            .flatten()
    });
    let found = Memo::new(move |_| item.with(Option::is_some));
    // Where the screen stands, for the glimpse shown until it is drawn (once it is).
    if let Some(glimpse) = use_context::<Glimpse>() {
        Effect::new(move || glimpse.report(Stage::of(&library.state.get(), found.get())));
    }
    // Whether this device said it has not got the item: when it arrives, the focus (on
    // the way to the space, now gone) goes to its title.
    let said_missing = StoredValue::new(false);
    move || {
        if let Some(waiting) = store_not_ready(i18n, library.state.get()) {
            return waiting;
        }
        let ids = ids.get();
        let (Some((space, id)), true) = (ids, found.get()) else {
            said_missing.set_value(true);
            let (heading, help) = missing;
            let space = ids.map(|(space, _)| space);
            return view! { <ItemMissing heading help space/> }.into_any();
        };
        if said_missing.get_value() {
            said_missing.set_value(false);
            set_timeout(focus_title_if_lost, std::time::Duration::ZERO);
        }
        untrack(|| show(Editor::new(space), id, item))
    }
}

/// Puts the focus on the screen's title (the first heading after the space's name) if
/// it is nowhere: the element it was on has gone with what the screen showed before.
fn focus_title_if_lost() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    if !focus_is_lost(&document) {
        return;
    }
    if let Ok(Some(title)) = document.query_selector("main h2:not(.space-name)")
        && let Ok(title) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(title)
    {
        let _ = title.set_attribute("tabindex", "-1");
        let _ = title.focus();
    }
}

/// Whether the keyboard's focus is nowhere, on the page itself: the element it was on
/// has gone (or nothing had it).
pub(crate) fn focus_is_lost(document: &web_sys::Document) -> bool {
    document
        .active_element()
        .is_none_or(|active| active.tag_name() == "BODY")
}

/// What a screen of the device's spaces shows while the device's store is not ready:
/// that it is being read, or why it cannot be (`None` once it is ready).
pub fn store_not_ready(i18n: I18n, state: LibraryState) -> Option<AnyView> {
    match state {
        LibraryState::Ready => None,
        LibraryState::Opening => {
            Some(view! { <p>{move || i18n.t("councils-loading")}</p> }.into_any())
        }
        LibraryState::Failed(problem) => Some(
            view! {
                <p class="error" role="alert">{move || i18n.t_with(problem.key, &problem.args)}</p>
                <p><A href="/">{move || i18n.t("back-home")}</A></p>
            }
            .into_any(),
        ),
    }
}

/// What a screen for an item of a space shows while this device has not got the item:
/// `heading` (also the window's title), and, if the device holds the space, `help` (that
/// the item may not have reached it yet; it is shown when it does) and the way to the
/// space; if not, how to get the space.
#[component]
pub fn ItemMissing(
    heading: &'static str,
    help: &'static str,
    space: Option<SpaceId>,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    Effect::new(move || header::set_title(&format!("{} – Landsbyplan", i18n.t(heading))));
    on_cleanup(|| header::set_title("Landsbyplan"));
    // A memo: the link is not made anew (losing the focus) at each change that syncs in.
    let held =
        Memo::new(move |_| space.and_then(|id| library.read(id, |s| (space_path(id), s.name()))));
    view! {
        <h2>{move || i18n.t(heading)}</h2>
        {move || match held.get() {
            Some((path, name)) => {
                let label = move || i18n.t_with("back-to-space", &[("name", name.clone())]);
                view! {
                    <p>{move || i18n.t(help)}</p>
                    <p><A href=path>{label}</A></p>
                }
                .into_any()
            }
            None => view! {
                <p>{move || i18n.t("space-missing")}</p>
                <p><A href="/">{move || i18n.t("back-home")}</A></p>
            }
            .into_any(),
        }}
    }
}

/// The path of a space's screen.
pub fn space_path(id: SpaceId) -> String {
    format!("/space/{id}")
}

/// The author and time for an edit made now on this device.
pub fn stamp(i18n: I18n) -> Stamp {
    let author = match settings::profile_name() {
        name if name.trim().is_empty() => i18n.t("profile-name-unknown"),
        name => name,
    };
    Stamp::new(author, chrono::Utc::now().timestamp())
}

/// The translation key of a role's name.
pub fn role_key(role: Role) -> &'static str {
    match role {
        Role::Citizen => "role-citizen",
        Role::Professional => "role-professional",
        Role::Consultant => "role-consultant",
        Role::Politician => "role-politician",
    }
}

/// The translation key of an action status.
pub fn action_status_key(status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Idea => "action-status-idea",
        ActionStatus::Planned => "action-status-planned",
        ActionStatus::InProgress => "action-status-in-progress",
        ActionStatus::Done => "action-status-done",
        ActionStatus::Dropped => "action-status-dropped",
    }
}

/// The translation key of a task status.
pub fn task_status_key(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Todo => "task-status-todo",
        TaskStatus::Doing => "task-status-doing",
        TaskStatus::Done => "task-status-done",
    }
}

/// The translation key of a space kind.
pub fn kind_key(kind: SpaceKind) -> &'static str {
    match kind {
        SpaceKind::Council => "kind-council",
        SpaceKind::ProjectGroup => "kind-project-group",
        SpaceKind::Network => "kind-network",
    }
}

/// The policy's focus areas, with names in the current language: the network's list if
/// this device holds the network, else the three the policy confirms.
pub fn focus_areas(library: Library, i18n: I18n) -> Vec<(FocusAreaId, String)> {
    let from_network = library.network_focus_areas();
    let mut areas: Vec<(FocusAreaId, String)> = if from_network.is_empty() {
        SEED_FOCUS_AREAS
            .iter()
            .map(|(id, name)| (*id, (*name).to_owned()))
            .collect()
    } else {
        from_network
    };
    for (id, name) in &mut areas {
        if let Some(key) = seed_focus_area_key(*id) {
            *name = i18n.t(key);
        }
    }
    areas
}

/// The name of one focus area in the current language.
pub fn focus_area_name(library: Library, i18n: I18n, id: FocusAreaId) -> String {
    focus_areas(library, i18n)
        .into_iter()
        .find(|(area, _)| *area == id)
        .map(|(_, name)| name)
        .unwrap_or_else(|| i18n.t("focus-area-unknown"))
}

/// The translation key of a focus area the policy confirms.
fn seed_focus_area_key(id: FocusAreaId) -> Option<&'static str> {
    const KEYS: [&str; 3] = ["focus-area-1", "focus-area-2", "focus-area-3"];
    SEED_FOCUS_AREAS
        .iter()
        .position(|(seed, _)| *seed == id)
        .map(|index| KEYS[index])
}

/// A date as the person's language writes it.
pub fn show_date(i18n: I18n, date: chrono::NaiveDate) -> String {
    match i18n.language() {
        crate::i18n::Language::Danish => date.format("%-d.%-m.%Y").to_string(),
        crate::i18n::Language::English => date.format("%-d %b %Y").to_string(),
    }
}

/// A date from an `<input type="date">` (empty for none).
pub fn parse_date(text: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// Text that is not a whole, non-negative number of kroner.
#[derive(Debug, PartialEq, Eq)]
pub struct NotKroner;

/// A whole number of kroner typed by a person: spaces and dots as thousands separators
/// are fine. `Err` for anything else, `Ok(None)` for nothing.
pub fn parse_kroner(text: &str) -> Result<Option<landsbyplan_model::Dkk>, NotKroner> {
    let digits: String = text
        .trim()
        .trim_end_matches("kr.")
        .trim_end_matches("kr")
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '\u{a0}'))
        .collect();
    if digits.is_empty() {
        return Ok(None);
    }
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .map(|n| Some(landsbyplan_model::Dkk(n)))
        .ok_or(NotKroner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Language, translate};

    fn assert_translated(key: &str) {
        for language in [Language::Danish, Language::English] {
            assert_ne!(
                translate(language, key, None),
                key,
                "{language:?} lacks {key}"
            );
        }
    }

    #[test]
    fn every_role_status_kind_and_seeded_focus_area_has_a_name_in_both_languages() {
        Role::ALL
            .iter()
            .for_each(|r| assert_translated(role_key(*r)));
        ActionStatus::ALL
            .iter()
            .for_each(|s| assert_translated(action_status_key(*s)));
        TaskStatus::ALL
            .iter()
            .for_each(|s| assert_translated(task_status_key(*s)));
        for kind in [
            SpaceKind::Council,
            SpaceKind::ProjectGroup,
            SpaceKind::Network,
        ] {
            assert_translated(kind_key(kind));
        }
        for (id, _) in SEED_FOCUS_AREAS {
            assert_translated(seed_focus_area_key(id).unwrap());
        }
    }

    #[test]
    fn kroner_are_read_with_separators_and_refused_when_not_a_number() {
        assert_eq!(parse_kroner(""), Ok(None));
        assert_eq!(
            parse_kroner("12.500"),
            Ok(Some(landsbyplan_model::Dkk(12_500)))
        );
        assert_eq!(
            parse_kroner("12 500 kr."),
            Ok(Some(landsbyplan_model::Dkk(12_500)))
        );
        assert_eq!(parse_kroner("tolv"), Err(NotKroner));
        assert_eq!(parse_kroner("-5"), Err(NotKroner));
    }

    #[test]
    fn dates_come_from_date_inputs() {
        assert_eq!(
            parse_date("2027-03-01"),
            chrono::NaiveDate::from_ymd_opt(2027, 3, 1)
        );
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn a_long_list_draws_its_first_slice_and_what_was_added_in_its_place() {
        let ids: Vec<u32> = (0..50).collect();
        let none = std::collections::HashSet::new();
        assert_eq!(drawn_ids(&ids, 20, &none), (0..20).collect::<Vec<_>>());
        assert_eq!(drawn_ids(&ids, 80, &none), ids);
        let added = std::collections::HashSet::from([3, 33, 99]);
        let mut expected: Vec<u32> = (0..20).collect();
        expected.push(33);
        assert_eq!(
            drawn_ids(&ids, 20, &added),
            expected,
            "in its place; 99 is not in the list"
        );
    }
}
