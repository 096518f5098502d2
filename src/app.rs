//! The app's shell and home screen: header with the language switch, offline banner, the
//! person's display name, and the councils on this device with a form to create one.

use landsbyplan_model::Stamp;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::i18n::I18n;
use crate::library::{DATABASE, Library, LibraryState, Message, SpaceSummary};
use crate::{settings, storage};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::new(settings::language());
    provide_context(i18n);
    let library = Library::new();
    provide_context(library);
    spawn_local(library.open(DATABASE));
    spawn_local(async {
        storage::request_persistence().await;
    });
    register_service_worker();
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
        <main>
            <p class="tagline">{move || i18n.t("app-tagline")}</p>
            <Profile/>
            <Councils/>
        </main>
    }
}

/// The display name every edit from this device is attributed to.
#[component]
fn Profile() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let name = RwSignal::new(settings::profile_name());
    Effect::new(move || settings::set_profile_name(name.get().trim()));
    view! {
        <section class="card" aria-labelledby="profile-heading">
            <h2 id="profile-heading">{move || i18n.t("profile-heading")}</h2>
            <label for="profile-name">{move || i18n.t("profile-name-label")}</label>
            <input id="profile-name" type="text" autocomplete="name" bind:value=name/>
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
        let author = match settings::profile_name() {
            n if n.trim().is_empty() => i18n.t("profile-name-unknown"),
            n => n,
        };
        let stamp = Stamp::new(author, chrono::Utc::now().timestamp());
        let wanted = name.get_untracked();
        spawn_local(async move {
            let result = library.create_council(&wanted, &stamp).await;
            feedback.set(Some(match result {
                Ok(SpaceSummary { name: created, .. }) => {
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

    let listing = move || match library.state.get() {
        LibraryState::Opening => view! { <p>{i18n.t("councils-loading")}</p> }.into_any(),
        LibraryState::Failed(message) => {
            view! { <p class="error" role="alert">{i18n.t_with(message.key, &message.args)}</p> }
                .into_any()
        }
        LibraryState::Ready if library.spaces.with(Vec::is_empty) => {
            view! { <p>{i18n.t("councils-empty")}</p> }.into_any()
        }
        LibraryState::Ready => view! {
            <ul class="spaces">
                <For each=move || library.spaces.get() key=|space| space.id let:space>
                    <li>{space.name}</li>
                </For>
            </ul>
        }
        .into_any(),
    };

    view! {
        <section class="card" aria-labelledby="councils-heading">
            <h2 id="councils-heading">{move || i18n.t("councils-heading")}</h2>
            {listing}
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

/// Registers the service worker that keeps the app shell for offline starts.
fn register_service_worker() {
    let container = window().navigator().service_worker();
    let promise = container.register("/sw.js");
    spawn_local(async move {
        if let Err(err) = wasm_bindgen_futures::JsFuture::from(promise).await {
            leptos::logging::warn!("service worker not registered: {err:?}");
        }
    });
}
