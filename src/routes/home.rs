//! The home screen: the person on this device, the councils and project groups it holds
//! (each with its sync state), creating a council, and the device's storage.

use landsbyplan_model::{SpaceId, SpaceKind};
use landsbyplan_sync::SyncStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use super::files::OpenFile;
use super::people::RoleSelect;
use super::{kind_key, space_path, stamp};
use crate::engine::Loaded;
use crate::i18n::{I18n, Language};
use crate::library::{Library, LibraryState, Message, SpaceSummary};
use crate::{settings, storage};

/// The home screen.
#[component]
pub fn Home() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    view! {
        <p class="tagline">{move || i18n.t("app-tagline")}</p>
        // A link that was not opened (it posed as a space held here): said first, where a
        // phone's screen shows it without scrolling.
        <For
            each=move || library.refused.get().into_iter().enumerate()
            key=|(index, _)| *index
            let:refused
        >
            <p class="error" role="alert">{move || i18n.t_with(refused.1.key, &refused.1.args)}</p>
        </For>
        <Profile/>
        <Councils/>
        <Groups/>
        <Network/>
        <JoinLink/>
        <section class="card" aria-labelledby="connect-home-heading">
            <h2 id="connect-home-heading">{move || i18n.t("connect-heading")}</h2>
            <p>{move || i18n.t("connect-home-intro")}</p>
            <p><A href="/forbind">{move || i18n.t("connect-home-link")}</A></p>
        </section>
        <OpenFile/>
        <DeviceStorage/>
    }
}

/// The person on this device: the display name every edit is attributed to, and their
/// role. No account: both stay on the device.
#[component]
fn Profile() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    // On a first start (no name yet) the card welcomes the person and says why it asks.
    let first_start = settings::profile_name().trim().is_empty();
    let library = expect_context::<Library>();
    let loaded = expect_context::<Loaded>();
    let name = RwSignal::new(settings::profile_name());
    Effect::new(move || {
        let name = name.get().trim().to_owned();
        settings::set_profile_name(&name);
        // The other phones of each space hear the new name.
        if let Some(engine) = loaded.now() {
            engine.named(library, name);
        }
    });
    let role = RwSignal::new(settings::profile_role());
    Effect::new(move || settings::set_profile_role(role.get()));
    view! {
        <section class="card" aria-labelledby="profile-heading">
            <h2 id="profile-heading">
                {move || i18n.t(if first_start { "welcome-heading" } else { "profile-heading" })}
            </h2>
            {first_start.then(|| view! { <p>{move || i18n.t("welcome-intro")}</p> })}
            <label for="profile-name">{move || i18n.t("profile-name-label")}</label>
            <input id="profile-name" type="text" autocomplete="name" bind:value=name/>
            <label for="profile-role">{move || i18n.t("profile-role-label")}</label>
            <RoleSelect id="profile-role".to_owned() role/>
            <label for="profile-language">{move || i18n.t("profile-language-label")}</label>
            <select
                id="profile-language"
                on:change=move |ev| {
                    let chosen = if event_target_value(&ev) == "en" { Language::English } else { Language::Danish };
                    i18n.set_language(chosen);
                }
            >
                <option value="da" lang="da" selected=move || i18n.language() == Language::Danish>"Dansk"</option>
                <option value="en" lang="en" selected=move || i18n.language() == Language::English>"English"</option>
            </select>
        </section>
    }
}

/// How much the app stores on this device and whether the browser keeps it for good.
#[component]
fn DeviceStorage() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let figures = LocalResource::new(move || {
        // Measured again whenever the spaces change.
        library.spaces.track();
        storage::storage_use()
    });
    let megabytes = move |bytes: f64| i18n.decimal(bytes / 1_000_000.0, 1);
    view! {
        <section class="card" aria-labelledby="storage-heading">
            <h2 id="storage-heading">{move || i18n.t("storage-heading")}</h2>
            {move || match figures.get().flatten() {
                Some(figures) => view! {
                    <p>
                        {i18n.t_with(
                            "storage-use",
                            &[("used", megabytes(figures.used)), ("quota", megabytes(figures.quota))],
                        )}
                    </p>
                    <p>
                        {if figures.persistent {
                            i18n.t("storage-persistent")
                        } else {
                            i18n.t("storage-best-effort")
                        }}
                    </p>
                }
                .into_any(),
                None => view! { <p>{i18n.t("storage-unknown")}</p> }.into_any(),
            }}
        </section>
    }
}

/// The councils on this device and the form that creates one.
#[component]
fn Councils() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let loaded = expect_context::<Loaded>();
    let name = RwSignal::new(String::new());
    let feedback = RwSignal::new(None::<Result<Message, Message>>);
    let busy = RwSignal::new(false);

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let stamp = stamp(i18n);
        let wanted = name.get_untracked();
        spawn_local(async move {
            let result = loaded
                .run(|engine| engine.create_council(library, wanted, stamp))
                .await;
            feedback.set(Some(match result {
                Ok(created) => {
                    name.set(String::new());
                    Ok(Message {
                        key: "council-created",
                        args: vec![("name", created)],
                    })
                }
                Err(message) => Err(message),
            }));
            busy.set(false);
        });
    };

    // Only a change between "none" and "some" rebuilds the list; a rename or a new sync
    // status updates its item in place (so an open item stays open).
    let no_spaces = Memo::new(move |_| {
        library
            .spaces
            .with(|spaces| !spaces.iter().any(|s| s.kind == SpaceKind::Council))
    });
    let listing = move || {
        match library.state.get() {
        LibraryState::Opening => view! { <p>{i18n.t("councils-loading")}</p> }.into_any(),
        LibraryState::Failed(message) => {
            // The rest of the app could not be fetched: it may be fetched again.
            let again = (message.key == "engine-not-loaded").then(|| view! {
                <button type="button" on:click=move |_| spawn_local(async move {
                    let _ = loaded.get().await;
                })>
                    {i18n.t("engine-retry")}
                </button>
            });
            view! {
                <p class="error" role="alert">{i18n.t_with(message.key, &message.args)}</p>
                {again}
            }
                .into_any()
        }
        LibraryState::Ready if no_spaces.get() => {
            view! { <p>{i18n.t("councils-empty")}</p> }.into_any()
        }
        LibraryState::Ready => view! {
            <ul class="spaces">
                <For each=move || of_kind(library, SpaceKind::Council) key=|space| space.id let:space>
                    <SpaceItem id=space.id/>
                </For>
            </ul>
        }
        .into_any(),
    }
    };

    view! {
        <section class="card" aria-labelledby="councils-heading">
            <h2 id="councils-heading">{move || i18n.t("councils-heading")}</h2>
            {listing}
            <Show when=move || { library.joining.get() > 0 }>
                <p role="status">{move || i18n.t("joining")}</p>
            </Show>
            <For
                each=move || library.damaged.get().into_iter().enumerate()
                key=|(index, _)| *index
                let:damaged
            >
                <p class="error" role="alert">{move || i18n.t_with(damaged.1.key, &damaged.1.args)}</p>
            </For>
            <form on:submit=create aria-busy=move || busy.get().to_string()>
                <label for="council-name">{move || i18n.t("council-name-label")}</label>
                <input id="council-name" type="text" autocomplete="off" bind:value=name/>
                <Busy busy=busy>{move || i18n.t("council-create")}</Busy>
            </form>
            <p class="feedback" role="status" aria-live="polite">
                {move || match feedback.get() {
                    _ if busy.get() && !loaded.here() => i18n.t("engine-loading"),
                    Some(Ok(message)) => i18n.t_with(message.key, &message.args),
                    _ => String::new(),
                }}
            </p>
            {move || match feedback.get() {
                Some(Err(message)) => loaded.still(Some(message)).map(|message| view! {
                    <p class="error" role="alert">{i18n.t_with(message.key, &message.args)}</p>
                }),
                _ => None,
            }}
        </section>
    }
}

/// One space on the home screen: its name, where it stands with the relay, and (folded
/// away) its share link and a form to rename it.
#[component]
fn SpaceItem(id: SpaceId) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let loaded = expect_context::<Loaded>();
    let summary = Memo::new(move |_| {
        library
            .spaces
            .with(|spaces| spaces.iter().find(|s| s.id == id).cloned())
    });
    let name = move || summary.get().map(|s| s.name).unwrap_or_default();
    let status_text = move || {
        summary
            .get()
            .map(|s| status_text(i18n, &s))
            .unwrap_or_default()
    };
    let link = move || {
        let fragment = summary.get()?.share?;
        let origin = window().location().origin().unwrap_or_default();
        Some(format!("{origin}/#{fragment}"))
    };
    let new_name = RwSignal::new(summary.get_untracked().map(|s| s.name).unwrap_or_default());
    let problem = RwSignal::new(None::<Message>);
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let stamp = stamp(i18n);
        let wanted = new_name.get_untracked();
        spawn_local(async move {
            let renamed = loaded
                .run(|engine| engine.rename(library, id, wanted, stamp))
                .await;
            problem.set(renamed.err());
        });
    };
    let link_id = format!("share-{id}");
    let rename_id = format!("rename-{id}");
    view! {
        <li>
            <h3><A href=space_path(id)>{name}</A></h3>
            <p class="kind">{move || summary.get().map(|s| i18n.t(kind_key(s.kind)))}</p>
            <p class="sync-status">{status_text}</p>
            <details>
                <summary>{move || i18n.t("share-summary")}</summary>
                {move || link().map(|link| {
                    let link_id = link_id.clone();
                    view! {
                        <label for=link_id.clone()>{move || i18n.t("share-link-label")}</label>
                        <input id=link_id type="text" readonly=true prop:value=link/>
                    }
                })}
                <form on:submit=rename>
                    <label for=rename_id.clone()>{move || i18n.t("rename-label")}</label>
                    <input id=rename_id type="text" bind:value=new_name/>
                    <button type="submit">{move || i18n.t("rename-save")}</button>
                </form>
                {move || loaded.still(problem.get()).map(|message| view! {
                    <p class="error" role="alert">{i18n.t_with(message.key, &message.args)}</p>
                })}
            </details>
        </li>
    }
}

/// The project groups on this device; shown only when there are some (groups are
/// started from a council's screen).
#[component]
fn Groups() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let any = Memo::new(move |_| {
        library
            .spaces
            .with(|spaces| spaces.iter().any(|s| s.kind == SpaceKind::ProjectGroup))
    });
    view! {
        <Show when=move || any.get()>
            <section class="card" aria-labelledby="groups-heading">
                <h2 id="groups-heading">{move || i18n.t("groups-heading")}</h2>
                <ul class="spaces">
                    <For
                        each=move || of_kind(library, SpaceKind::ProjectGroup)
                        key=|space| space.id
                        let:space
                    >
                        <SpaceItem id=space.id/>
                    </For>
                </ul>
            </section>
        </Show>
    }
}

/// The summaries of the spaces of one kind.
fn of_kind(library: Library, kind: SpaceKind) -> Vec<crate::library::SpaceSummary> {
    library
        .spaces
        .get()
        .into_iter()
        .filter(|s| s.kind == kind)
        .collect()
}

/// Where a space stands with the relay, in words: what waits to be shared, what waits
/// for others, or that everything is shared.
pub fn status_text(i18n: I18n, space: &SpaceSummary) -> String {
    let missing = space.missing.then(|| i18n.t("sync-missing"));
    let status = match (&space.status, missing) {
        (SyncStatus::Waiting { .. }, Some(missing)) => {
            format!("{} · {missing}", sync_text(i18n, &space.status))
        }
        (_, Some(missing)) => missing,
        (status, None) => sync_text(i18n, status),
    };
    match space.rejected {
        0 => status,
        count => format!(
            "{status} · {}",
            i18n.t_with("sync-rejected", &[("count", count.to_string())])
        ),
    }
}

fn sync_text(i18n: I18n, status: &SyncStatus) -> String {
    match status {
        SyncStatus::Waiting { unsent } => {
            i18n.t_with("sync-waiting", &[("count", unsent.to_string())])
        }
        SyncStatus::Synced { at } if *at > 0 => {
            i18n.t_with("sync-synced-at", &[("time", clock(*at))])
        }
        SyncStatus::Synced { .. } => i18n.t("sync-synced"),
        SyncStatus::Shared { at } if *at > 0 => {
            i18n.t_with("sync-shared-at", &[("time", clock(*at))])
        }
        SyncStatus::Shared { .. } => i18n.t("sync-shared"),
        SyncStatus::Refused(_) => i18n.t("sync-refused"),
        SyncStatus::Local => i18n.t("sync-local"),
    }
}

/// The local time of day of a moment (milliseconds since 1970), as "14:05".
fn clock(at: u64) -> String {
    chrono::DateTime::from_timestamp_millis(at as i64)
        .map(|t| t.with_timezone(&chrono::Local).format("%H:%M").to_string())
        .unwrap_or_default()
}

/// Why the last share link could not be joined, shown in the join form: a link pasted
/// into it, or one opened in this tab while the app ran (only the `#fragment` changed).
/// Shared through context by the app.
#[derive(Clone, Copy)]
pub struct JoinProblem(pub RwSignal<Option<Message>>);

impl JoinProblem {
    /// No problem yet.
    pub fn new() -> Self {
        Self(RwSignal::new(None))
    }
}

impl Default for JoinProblem {
    fn default() -> Self {
        Self::new()
    }
}

/// Joining a council or a group from a share link someone sent as text. (A QR code opens
/// the link in the browser, which joins it the same way.)
#[component]
fn JoinLink() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let loaded = expect_context::<Loaded>();
    let link = RwSignal::new(String::new());
    let JoinProblem(problem) = use_context().unwrap_or_default();
    let busy = RwSignal::new(false);
    let join = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let wanted = link.get_untracked();
        spawn_local(async move {
            let joined = loaded.run(|engine| engine.join(library, wanted)).await;
            busy.set(false);
            match joined {
                Ok(()) => {
                    link.set(String::new());
                    problem.set(None);
                }
                Err(message) => problem.set(Some(message)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="join-heading">
            <h2 id="join-heading">{move || i18n.t("join-heading")}</h2>
            <form on:submit=join aria-busy=move || busy.get().to_string()>
                <label for="join-link">{move || i18n.t("join-label")}</label>
                <input id="join-link" type="text" autocomplete="off" inputmode="url" bind:value=link/>
                <Busy busy=busy>{move || i18n.t("join-submit")}</Busy>
            </form>
            <WaitingForEngine busy=busy/>
            {move || loaded.still(problem.get()).map(|message| view! {
                <p class="error" role="alert">{i18n.t_with(message.key, &message.args)}</p>
            })}
        </section>
    }
}

/// The network: the consultant's space with the annual wheel. Listed when the device holds
/// it; otherwise a form to start it (one per municipality: others join by its link).
#[component]
fn Network() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let loaded = expect_context::<Loaded>();
    let held = Memo::new(move |_| {
        library
            .spaces
            .with(|spaces| spaces.iter().any(|s| s.kind == SpaceKind::Network))
    });
    let name = RwSignal::new(i18n.t("network-default-name"));
    let problem = RwSignal::new(None::<Message>);
    let busy = RwSignal::new(false);
    let navigate = leptos_router::hooks::use_navigate();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // One network, however often the button is pressed while the engine comes.
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let wanted = name.get_untracked();
        let stamp = stamp(i18n);
        let navigate = navigate.clone();
        spawn_local(async move {
            let created = loaded
                .run(|engine| engine.create_network(library, wanted, stamp))
                .await;
            busy.set(false);
            match created {
                Ok(id) => navigate(&space_path(id), Default::default()),
                Err(message) => problem.set(Some(message)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="network-heading">
            <h2 id="network-heading">{move || i18n.t("network-heading")}</h2>
            <Show
                when=move || held.get()
                fallback=move || view! {
                    <p>{move || i18n.t("network-intro")}</p>
                    <form on:submit=create.clone() aria-busy=move || busy.get().to_string()>
                        <label for="network-name">{move || i18n.t("network-name-label")}</label>
                        <input id="network-name" type="text" autocomplete="off" bind:value=name/>
                        <Busy busy=busy>{move || i18n.t("network-create")}</Busy>
                    </form>
                    <WaitingForEngine busy=busy/>
                    {move || loaded.still(problem.get()).map(|message| view! {
                        <p class="error" role="alert">{i18n.t_with(message.key, &message.args)}</p>
                    })}
                }
            >
                <ul class="spaces">
                    <For each=move || of_kind(library, SpaceKind::Network) key=|space| space.id let:space>
                        <SpaceItem id=space.id/>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

/// A form's submit button that says when the form is busy without taking the keyboard's
/// focus away (as `disabled` would): pressed again meanwhile, the form ignores it.
#[component]
fn Busy(busy: RwSignal<bool>, children: Children) -> impl IntoView {
    view! {
        <button type="submit" aria-disabled=move || busy.get().to_string()>
            {children()}
        </button>
    }
}

/// Says, while a form waits for the rest of the app, that it is being fetched.
#[component]
fn WaitingForEngine(busy: RwSignal<bool>) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let loaded = expect_context::<Loaded>();
    view! {
        <p class="feedback" role="status" aria-live="polite">
            {move || (busy.get() && !loaded.here()).then(|| i18n.t("engine-loading"))}
        </p>
    }
}
