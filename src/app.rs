//! The app's shell: header with the language switch, the offline and update banners, and
//! the router that picks a screen from the address.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::engine::{self, Loaded, Screen};
use crate::glimpse::Glimpsed;
use crate::i18n::I18n;
use crate::library::{DATABASE, Library, LibraryState, Message};
use crate::routes::home::{Home, JoinProblem};
use crate::{settings, storage};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::new(settings::language());
    provide_context(i18n);
    let library = Library::new();
    provide_context(library);
    let join_problem = JoinProblem::new();
    provide_context(join_problem);
    // The engine is fetched now that the app starts (the first screen is drawn: `main`); it opens the
    // device's store when it arrives (or after "Prøv igen", if it could not be fetched).
    let loaded = Loaded::new();
    provide_context(loaded);
    let opened = StoredValue::new(false);
    Effect::new(move || match loaded.state.get() {
        Some(Ok(engine)) if !opened.get_value() => {
            opened.set_value(true);
            library.state.set(LibraryState::Opening);
            // Taken from the address bar only now: a page reloaded after the engine could
            // not be fetched still has it.
            spawn_local(engine.open(library, DATABASE, take_share_link()));
        }
        Some(Err(engine::NotLoaded)) => library
            .state
            .set(LibraryState::Failed(Message::plain("engine-not-loaded"))),
        // Fetched again after it failed.
        None if !opened.get_value() => library.state.set(LibraryState::Opening),
        _ => {}
    });
    spawn_local(async move {
        let _ = loaded.get().await;
    });
    join_links_opened_later(library, loaded, join_problem);
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
        <Router>
        <a class="skip" href="#main">{move || i18n.t("skip-to-content")}</a>
        <header class="bar">
            <h1><A href="/">{move || i18n.t("app-title")}</A></h1>
            // Named by what it shows (so voice control can press it by that), in the
            // language it names, then what it does, in the language of the page.
            <button
                type="button"
                class="language"
                on:click=move |_| i18n.set_language(i18n.language().other())
            >
                <span lang=move || i18n.language().other().tag()>
                    {move || i18n.t("language-switch")}
                </span>
                <span class="visually-hidden">{move || i18n.t("language-switch-label")}</span>
            </button>
        </header>
        // At the foot of the window, over the page (a connection that comes and goes must
        // not move what the person is typing in), and always there, so that a screen
        // reader hears it when its words come.
        <p class="offline" class:shown=move || !online.get() role="status">
            {move || (!online.get()).then(|| i18n.t("offline-banner"))}
        </p>
        <Show when=move || update_ready.get()>
            <div class="update" role="status">
                <p>{move || i18n.t("update-ready")}</p>
                <button type="button" on:click=move |_| take_over_update()>
                    {move || i18n.t("update-reload")}
                </button>
            </div>
        </Show>
        <main id="main" tabindex="-1">
            <Routes fallback=move || view! { <NotFound/> }>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/forbind") view=|| view! { <Later screen=Screen::Connect/> }/>
                <Route path=path!("/space/:id") view=|| view! { <Later screen=Screen::Space/> }/>
                <Route path=path!("/space/:id/print") view=|| view! { <Later screen=Screen::Print/> }/>
                <Route
                    path=path!("/space/:id/application/:application")
                    view=|| view! { <Later screen=Screen::Application/> }
                />
                <Route
                    path=path!("/space/:id/meeting/:meeting")
                    view=|| view! { <Later screen=Screen::Meeting/> }
                />
                <Route
                    path=path!("/space/:id/application/:application/print")
                    view=|| view! { <Later screen=Screen::ApplicationPrint/> }
                />
            </Routes>
        </main>
        </Router>
    }
}

/// A screen of the engine: drawn once the engine has arrived (at once, when it has).
#[component]
fn Later(screen: Screen) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let loaded = expect_context::<Loaded>();
    let retry = move |_| {
        spawn_local(async move {
            let _ = loaded.get().await;
        });
    };
    let glimpsed = matches!(
        screen,
        Screen::Space | Screen::Meeting | Screen::Application
    );
    let drawn = move || match loaded.state.get() {
        Some(Ok(engine)) => engine.screen(screen),
        Some(Err(_)) => {
            // Typed in the glimpse that gave way to this: said to be kept, and the person
            // keeps the keyboard's focus (on the way to it).
            let typed = glimpsed && crate::glimpse::typed_here();
            let button = NodeRef::<leptos::html::Button>::new();
            if typed {
                // Once the glimpse has given way (the screen is hidden until then).
                let glimpse = use_context::<crate::glimpse::Glimpse>();
                Effect::new(move || {
                    if glimpse.is_some_and(crate::glimpse::Glimpse::shown) {
                        return;
                    }
                    if let Some(button) = button.get() {
                        request_animation_frame(move || {
                            let options = web_sys::FocusOptions::new();
                            options.set_prevent_scroll(true);
                            let _ = button.focus_with_options(&options);
                        });
                    }
                });
            }
            view! {
                <p class="error" role="alert">
                    {move || i18n.t("engine-not-loaded")}
                    {typed.then(|| view! { " " {move || i18n.t("glimpse-typed-kept")} })}
                </p>
                <button type="button" node_ref=button on:click=retry>
                    {move || i18n.t("engine-retry")}
                </button>
            }
            .into_any()
        }
        None => view! { <p role="status">{move || i18n.t("engine-loading")}</p> }.into_any(),
    };
    if glimpsed {
        // A space's screen, or a meeting's or an application's in it, behind what it
        // showed last on this device until it is drawn.
        let failed = Signal::derive(move || matches!(loaded.state.get(), Some(Err(_))));
        let opening = Signal::derive(move || i18n.t("glimpse-opening"));
        view! { <Glimpsed failed opening>{drawn}</Glimpsed> }.into_any()
    } else {
        drawn.into_any()
    }
}

/// An address the app has no screen for.
#[component]
fn NotFound() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    view! {
        <h2>{move || i18n.t("not-found-heading")}</h2>
        <p><A href="/">{move || i18n.t("back-home")}</A></p>
    }
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

/// Joins the share links opened in this tab while the app runs: the browser then changes
/// only the address's `#fragment` (issue 10), so the page does not start again. Each link
/// is taken out of the address bar as at start and joined through the library once it is
/// open; a failure shows in the home screen's join form, as a pasted link's does.
fn join_links_opened_later(library: Library, loaded: Loaded, problem: JoinProblem) {
    let arrived = RwSignal::new(Vec::<String>::new());
    let on_hash_change = Closure::<dyn Fn()>::new(move || {
        if let Some(link) = take_share_link() {
            arrived.update(|links| links.push(link));
        }
    });
    let _ = window()
        .add_event_listener_with_callback("hashchange", on_hash_change.as_ref().unchecked_ref());
    // The listener lives as long as the page does.
    on_hash_change.forget();
    Effect::new(move || {
        arrived.track();
        let Some(Ok(engine)) = loaded.state.get() else {
            return;
        };
        if library.state.get() != LibraryState::Ready {
            return;
        }
        let links = arrived
            .try_update_untracked(std::mem::take)
            .unwrap_or_default();
        for link in links {
            spawn_local(async move {
                let joined = engine.join(library, link).await;
                problem.0.set(joined.err());
            });
        }
    });
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
            // (A browser that blocks service workers may answer with nothing.)
            Ok(registration) if registration.is_undefined() => return,
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
