//! The app's shell and home screen: header with the language switch, offline banner, the
//! person's display name, and the councils on this device with a form to create one.

use landsbyplan_model::{Role, SpaceId, Stamp};
use landsbyplan_sync::SyncStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::i18n::I18n;
use crate::library::{DATABASE, Library, LibraryState, Message};
use crate::{settings, storage};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::new(settings::language());
    provide_context(i18n);
    let library = Library::new();
    provide_context(library);
    spawn_local(library.open(DATABASE, take_share_link()));
    spawn_local(async {
        storage::request_persistence().await;
    });
    let update_ready = RwSignal::new(false);
    register_service_worker(update_ready);
    Effect::new(move || {
        let language = i18n.language();
        settings::set_language(language);
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", language.tag());
        }
    });
    let online = online_signal();

    view! {
        <header class="bar">
            <h1>{move || i18n.t("app-title")}</h1>
            <button
                type="button"
                class="language"
                lang=move || i18n.language().other().tag()
                aria-label=move || i18n.t("language-switch-label")
                on:click=move |_| i18n.set_language(i18n.language().other())
            >
                {move || i18n.t("language-switch")}
            </button>
        </header>
        <Show when=move || !online.get()>
            <p class="offline" role="status">{move || i18n.t("offline-banner")}</p>
        </Show>
        <Show when=move || update_ready.get()>
            <div class="update" role="status">
                <p>{move || i18n.t("update-ready")}</p>
                <button type="button" on:click=move |_| take_over_update()>
                    {move || i18n.t("update-reload")}
                </button>
            </div>
        </Show>
        <main>
            <p class="tagline">{move || i18n.t("app-tagline")}</p>
            <Profile/>
            <Councils/>
            <DeviceStorage/>
        </main>
    }
}

/// The person on this device: the display name every edit is attributed to, and their
/// role. No account: both stay on the device.
#[component]
fn Profile() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let name = RwSignal::new(settings::profile_name());
    Effect::new(move || settings::set_profile_name(name.get().trim()));
    let role = RwSignal::new(settings::profile_role());
    Effect::new(move || settings::set_profile_role(role.get()));
    view! {
        <section class="card" aria-labelledby="profile-heading">
            <h2 id="profile-heading">{move || i18n.t("profile-heading")}</h2>
            <label for="profile-name">{move || i18n.t("profile-name-label")}</label>
            <input id="profile-name" type="text" autocomplete="name" bind:value=name/>
            <label for="profile-role">{move || i18n.t("profile-role-label")}</label>
            <select
                id="profile-role"
                on:change=move |ev| {
                    if let Ok(chosen) = event_target_value(&ev).parse() {
                        role.set(chosen);
                    }
                }
            >
                {Role::ALL
                    .iter()
                    .map(|option| {
                        let option = *option;
                        view! {
                            <option value=option.as_str() selected=move || role.get() == option>
                                {move || i18n.t(role_key(option))}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </section>
    }
}

/// The translation key of a role's name.
fn role_key(role: Role) -> &'static str {
    match role {
        Role::Citizen => "role-citizen",
        Role::Professional => "role-professional",
        Role::Consultant => "role-consultant",
        Role::Politician => "role-politician",
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
    let megabytes = |bytes: f64| format!("{:.1}", bytes / 1_000_000.0);
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
            let result = library.create_council(&wanted, &stamp).await;
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
    let no_spaces = Memo::new(move |_| library.spaces.with(Vec::is_empty));
    let listing = move || match library.state.get() {
        LibraryState::Opening => view! { <p>{i18n.t("councils-loading")}</p> }.into_any(),
        LibraryState::Failed(message) => {
            view! { <p class="error" role="alert">{i18n.t_with(message.key, &message.args)}</p> }
                .into_any()
        }
        LibraryState::Ready if no_spaces.get() => {
            view! { <p>{i18n.t("councils-empty")}</p> }.into_any()
        }
        LibraryState::Ready => view! {
            <ul class="spaces">
                <For each=move || library.spaces.get() key=|space| space.id let:space>
                    <SpaceItem id=space.id/>
                </For>
            </ul>
        }
        .into_any(),
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
            <form on:submit=create>
                <label for="council-name">{move || i18n.t("council-name-label")}</label>
                <input id="council-name" type="text" autocomplete="off" bind:value=name/>
                <button type="submit" disabled=move || busy.get()>
                    {move || i18n.t("council-create")}
                </button>
            </form>
            <p class="feedback" role="status" aria-live="polite">
                {move || match feedback.get() {
                    Some(Ok(message)) => i18n.t_with(message.key, &message.args),
                    _ => String::new(),
                }}
            </p>
            {move || match feedback.get() {
                Some(Err(message)) => Some(view! {
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
    let summary = Memo::new(move |_| {
        library
            .spaces
            .with(|spaces| spaces.iter().find(|s| s.id == id).cloned())
    });
    let name = move || summary.get().map(|s| s.name).unwrap_or_default();
    let status_text = move || match summary.get().map(|s| s.status) {
        Some(SyncStatus::Waiting { unsent }) => {
            i18n.t_with("sync-waiting", &[("count", unsent.to_string())])
        }
        Some(SyncStatus::Synced { .. }) => i18n.t("sync-synced"),
        Some(SyncStatus::Refused(_)) => i18n.t("sync-refused"),
        Some(SyncStatus::Local) | None => i18n.t("sync-local"),
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
            problem.set(library.rename(id, &wanted, &stamp).await.err());
        });
    };
    let link_id = format!("share-{id}");
    let rename_id = format!("rename-{id}");
    view! {
        <li>
            <h3>{name}</h3>
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
                {move || problem.get().map(|message| view! {
                    <p class="error" role="alert">{i18n.t_with(message.key, &message.args)}</p>
                })}
            </details>
        </li>
    }
}

/// The author and time for an edit made now on this device.
fn stamp(i18n: I18n) -> Stamp {
    let author = match settings::profile_name() {
        name if name.trim().is_empty() => i18n.t("profile-name-unknown"),
        name => name,
    };
    Stamp::new(author, chrono::Utc::now().timestamp())
}

/// The share link the page was opened with, if any; taken out of the address bar so the
/// secret does not linger in it (the fragment is never sent to a server either way).
fn take_share_link() -> Option<String> {
    let location = window().location();
    let hash = location
        .hash()
        .ok()
        .filter(|h| h.starts_with("#edit=") || h.starts_with("#read="))?;
    if let Ok(history) = window().history() {
        let path = location.pathname().unwrap_or_else(|_| "/".into());
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
    Some(hash)
}

/// Whether the browser believes it is online, kept current by its events.
fn online_signal() -> ReadSignal<bool> {
    let (online, set_online) = signal(window().navigator().on_line());
    for (event, value) in [("online", true), ("offline", false)] {
        let handler = Closure::<dyn Fn()>::new(move || set_online.set(value));
        let _ = window().add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
        // The listener lives as long as the page does.
        handler.forget();
    }
    online
}

/// Registers the service worker that keeps the app shell for offline starts, and sets
/// `update_ready` when a new build's worker has installed and waits to take over.
fn register_service_worker(update_ready: RwSignal<bool>) {
    let container = window().navigator().service_worker();
    let promise = container.register("/sw.js");
    spawn_local(async move {
        let registration = match wasm_bindgen_futures::JsFuture::from(promise).await {
            Ok(registration) => registration.unchecked_into::<web_sys::ServiceWorkerRegistration>(),
            Err(err) => {
                leptos::logging::warn!("service worker not registered: {err:?}");
                return;
            }
        };
        let controlled = move || window().navigator().service_worker().controller().is_some();
        // Marks the update ready once `worker` has installed, if it is an update (the
        // very first worker also installs, with no other worker controlling the page).
        let watch = move |worker: web_sys::ServiceWorker| {
            let installing = worker.clone();
            let on_state = Closure::<dyn Fn()>::new(move || {
                if installing.state() == web_sys::ServiceWorkerState::Installed && controlled() {
                    update_ready.set(true);
                }
            });
            worker.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
            on_state.forget();
        };
        // An update may have started, or finished installing, before this page listened.
        if registration.waiting().is_some() && controlled() {
            update_ready.set(true);
        }
        if let Some(worker) = registration.installing() {
            watch(worker);
        }
        let watched = registration.clone();
        let on_update = Closure::<dyn Fn()>::new(move || {
            if let Some(worker) = watched.installing() {
                watch(worker);
            }
        });
        registration.set_onupdatefound(Some(on_update.as_ref().unchecked_ref()));
        // Listens as long as the page lives.
        on_update.forget();
    });
}

/// Asks the waiting worker to take over, and reloads once it has: the page then runs
/// wholly on the new build.
fn take_over_update() {
    let container = window().navigator().service_worker();
    let on_change = Closure::once_into_js(move || {
        let _ = window().location().reload();
    });
    container.set_oncontrollerchange(Some(on_change.unchecked_ref()));
    spawn_local(async move {
        let Ok(registration) =
            wasm_bindgen_futures::JsFuture::from(container.get_registration()).await
        else {
            return;
        };
        let registration = registration.unchecked_into::<web_sys::ServiceWorkerRegistration>();
        if let Some(waiting) = registration.waiting() {
            let _ = waiting.post_message(&wasm_bindgen::JsValue::from_str("landsbyplan:take-over"));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Language, translate};

    #[test]
    fn every_role_has_a_name_in_both_languages() {
        for role in Role::ALL {
            for language in [Language::Danish, Language::English] {
                let key = role_key(*role);
                assert_ne!(
                    translate(language, key, None),
                    key,
                    "{language:?} lacks {key}"
                );
            }
        }
    }
}
