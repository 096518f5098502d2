//! The glimpse: what a space's screen (or a meeting's or an application's in it) showed
//! last on this device, shown at once when the app starts at that screen's address, until
//! the screen itself is drawn.
//!
//! A space's screen needs the engine (fetched after the first part starts) and the space's
//! document (read from IndexedDB and loaded by Automerge): on a phone, a second or more
//! after the page starts. What the screen showed is usually what it will show again, so
//! `public/shell.js` keeps a copy of it (the markup, with what was typed) in localStorage
//! and puts it into the page before any of the app's code has arrived. The app then takes
//! it from the page, shows it under an "opening" status while the engine and the document
//! load, and removes it when the screen is drawn (or when it turns out there is nothing to
//! draw). A glimpse is inert (nothing in it can be pressed, and screen readers hear the
//! status, not a copy) but for its long texts: those can be typed in at once, and what is
//! typed there is kept at each keystroke and taken into the document by the screen's own
//! field when the screen takes over ([`Glimpse::report`] waits for a word being composed,
//! and says where the focus and caret were; see `src/routes/text.rs`).
//!
//! This module decides when to keep a new copy: soon after the screen is drawn, a second
//! after the last change in it, and when the page is hidden (a phone switching apps or
//! closing the tab); the copying and showing are in `public/shell.js`, which must run
//! before the app's code.

use std::cell::RefCell;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;

use crate::library::LibraryState;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = landsbyplanGlimpse, js_name = keep, catch)]
    fn keep_copy(path: &str, screen: &web_sys::Element, status: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = landsbyplanGlimpse, js_name = forget, catch)]
    fn forget_copy(path: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = landsbyplanGlimpse, js_name = clear, catch)]
    fn clear_copies() -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = landsbyplanGlimpse, catch)]
    fn lift() -> Result<Option<web_sys::Element>, JsValue>;
    #[wasm_bindgen(js_namespace = landsbyplanGlimpse, js_name = dropShell, catch)]
    fn drop_shell() -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = landsbyplanGlimpse, catch)]
    fn land(host: &web_sys::Element, glimpse: &web_sys::Element) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = landsbyplanGlimpse, js_name = handOver, catch)]
    fn hand_over(done: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = landsbyplanGlimpse, js_name = typed, catch)]
    fn typed_json(path: &str, key: &str) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(js_namespace = landsbyplanGlimpse, catch)]
    fn taken(path: &str, key: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = landsbyplanGlimpse, js_name = typedAny, catch)]
    fn typed_any(path: &str) -> Result<bool, JsValue>;
    #[wasm_bindgen(js_namespace = landsbyplanGlimpse, catch)]
    fn refuse(path: &str, key: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = landsbyplanGlimpse, js_name = refused, catch)]
    fn refused_of(path: &str, key: &str) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(js_namespace = landsbyplanGlimpse, js_name = forgetRefused, catch)]
    fn forget_refused(path: &str, key: &str) -> Result<(), JsValue>;
}

/// What was typed into a long text of a glimpse, not yet in the document.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct TypedEarly {
    /// The text the glimpse showed, as the document held it at `heads`.
    pub text: String,
    /// The document's heads the glimpse was drawn from (hexadecimal, comma-separated).
    pub heads: String,
    /// The typing, a step for each place typed at, in order.
    pub steps: Vec<TypedStep>,
}

/// Typing at one place in a glimpse's long text.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct TypedStep {
    /// The whole text after it.
    pub typed: String,
    /// The caret after it, in characters of `typed`.
    pub caret: usize,
}

/// Which long text had the focus in the glimpse when the screen took over, and where
/// the selection (in UTF-16 units, as the browser counts) and scroll were in it.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Focused {
    /// The text's `data-live`.
    pub key: String,
    /// The selection's start.
    pub start: u32,
    /// The selection's end.
    pub end: u32,
    /// Which way the selection was made.
    pub direction: String,
    /// How far the text was scrolled.
    pub scroll: i32,
}

/// What was typed in the glimpse of `path` into its long text `key`, if anything.
pub fn typed_early(path: &str, key: &str) -> Option<TypedEarly> {
    let json = typed_json(path, key).ok().flatten()?;
    serde_json::from_str(&json).ok()
}

/// Whether anything typed in the glimpse of this page's address waits to be taken into
/// its document (kept on the device until the screen can take it).
pub fn typed_here() -> bool {
    typed_any(&current_path()).unwrap_or(false)
}

/// Forgets what was typed into `key` of `path`'s glimpse: it is in the document now.
pub fn typed_taken(path: &str, key: &str) {
    if let Err(err) = taken(path, key) {
        leptos::logging::warn!("could not forget what was typed in a glimpse: {err:?}");
    }
}

/// What was typed into `key` of `path`'s glimpse could not go into the document (the
/// text is closed now, or the device may only read): kept apart, never taken in, and
/// shown by [`typed_refused`] until [`refused_forgotten`].
pub fn typed_refused_now(path: &str, key: &str) {
    if let Err(err) = refuse(path, key) {
        leptos::logging::warn!("could not keep what a glimpse's document refused: {err:?}");
    }
}

/// The text typed into `key` of `path`'s glimpse that the document refused, if any.
pub fn typed_refused(path: &str, key: &str) -> Option<String> {
    refused_of(path, key).ok().flatten()
}

/// Forgets the refused text of `key` of `path`: the person let it go.
pub fn refused_forgotten(path: &str, key: &str) {
    if let Err(err) = forget_refused(path, key) {
        leptos::logging::warn!("could not forget a glimpse's refused text: {err:?}");
    }
}

/// Forgets every glimpse kept on this device: for the edit journal, when the browser's
/// storage is full (a glimpse only makes a start look sooner; an edit is someone's work).
pub fn forget_all() {
    if let Err(err) = clear_copies() {
        leptos::logging::warn!("could not forget the glimpses: {err:?}");
    }
}

thread_local! {
    /// The glimpse the page started with, and its address: taken by the first screen.
    static AT_START: RefCell<Option<(String, web_sys::Element)>> = const { RefCell::new(None) };
}

/// Takes the glimpse `public/shell.js` put into the page's shell, for the first screen to
/// show; true if there was one. It stays in the shell, which stays shown (and the app's
/// page hidden) until the screen puts the glimpse into its own page: so it can be typed in
/// all along. If no screen takes it soon, the shell goes anyway.
pub fn take_from_shell(document: &web_sys::Document) -> bool {
    let Ok(Some(glimpse)) = lift() else {
        return false;
    };
    let path = document
        .location()
        .and_then(|location| location.pathname().ok())
        .unwrap_or_default();
    AT_START.with(|kept| *kept.borrow_mut() = Some((path, glimpse)));
    set_timeout(
        || {
            AT_START.with(|kept| kept.borrow_mut().take());
            let _ = drop_shell();
        },
        Duration::from_secs(2),
    );
    true
}

/// The glimpse the page started with, if it was of `path`; only the first screen asks.
fn take_at_start(path: &str) -> Option<web_sys::Element> {
    AT_START
        .with(|kept| kept.borrow_mut().take())
        .and_then(|(at, glimpse)| (at == path).then_some(glimpse))
}

/// Where a screen that may be glimpsed stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The glimpse is shown; the screen is being made behind it.
    Glimpse,
    /// No glimpse, and the screen has nothing of its own to show yet.
    Waiting,
    /// The screen is drawn: it is what a glimpse should show.
    Drawn,
    /// There is nothing to draw here (no such space, meeting or application on this
    /// device): its glimpse is forgotten.
    Nothing,
    /// The screen cannot be drawn now (the engine or the device's store failed): the
    /// glimpse gives way to what the screen says instead.
    Unavailable,
}

/// A glimpsed screen's stage, provided to the screen so it can say when it is drawn.
#[derive(Clone, Copy)]
pub struct Glimpse {
    stage: RwSignal<Stage>,
    /// The stage the screen reported last while a hand-over waits (for a word being
    /// composed in the glimpse); `Some` while one waits.
    waiting: StoredValue<Option<Stage>>,
    /// Where the focus was in the glimpse when the screen took over, until its field takes it.
    focused: StoredValue<Option<Focused>>,
    /// What holds the screen (hidden while the glimpse is shown).
    screen: NodeRef<leptos::html::Div>,
}

impl Stage {
    /// Where a screen stands once the device's store is in `state`: `found` says the
    /// store holds what the screen's address names.
    pub fn of(state: &LibraryState, found: bool) -> Self {
        match state {
            LibraryState::Opening => Self::Waiting,
            LibraryState::Failed(_) => Self::Unavailable,
            LibraryState::Ready if found => Self::Drawn,
            LibraryState::Ready => Self::Nothing,
        }
    }
}

impl Glimpse {
    /// The screen says where it stands: drawn, nothing to draw, or still waiting (which
    /// keeps a glimpse shown).
    ///
    /// When the glimpse gives way, its typing goes on in the screen: the screen takes over
    /// once a word being composed in the glimpse is done, and learns where the focus was.
    pub fn report(self, stage: Stage) {
        let now = self.stage.get_untracked();
        let next = match (now, stage) {
            (Stage::Glimpse, Stage::Waiting) => Stage::Glimpse,
            (_, stage) => stage,
        };
        if next == now {
            return;
        }
        if now != Stage::Glimpse {
            self.stage.set(next);
            return;
        }
        // One hand-over at a time; it takes whatever the screen reported last.
        let already = self.waiting.get_value().is_some();
        self.waiting.set_value(Some(next));
        if already {
            return;
        }
        let done = Closure::once_into_js(move |focused: Option<String>| {
            let Some(Some(next)) = self.waiting.try_update_value(Option::take) else {
                return;
            };
            if self.stage.try_get_untracked() != Some(Stage::Glimpse) {
                // The glimpse went meanwhile (the engine could not be fetched, say).
                return;
            }
            self.focused
                .try_set_value(focused.and_then(|focused| serde_json::from_str(&focused).ok()));
            // Shown at once, so that its field can take the focus as soon as it hears the
            // new stage (the view then says the same).
            if let Some(screen) = self.screen.try_get_untracked().flatten() {
                screen.set_hidden(false);
            }
            self.stage.try_set(next);
        });
        if let Err(err) = hand_over(&done) {
            leptos::logging::warn!("the glimpse could not hand over: {err:?}");
            self.waiting.set_value(None);
            self.stage.set(next);
        }
    }

    /// Whether the glimpse is still shown (tracked).
    pub fn shown(self) -> bool {
        self.stage.get() == Stage::Glimpse
    }

    /// Where the focus was in the glimpse's long text `key` when the screen took over, if
    /// it was there (once).
    pub fn take_focus(self, key: &str) -> Option<Focused> {
        let focused = self.focused.try_get_value().flatten()?;
        (focused.key == key).then(|| {
            self.focused.set_value(None);
            focused
        })
    }
}

/// Shows `screen` (a space's, a meeting's or an application's screen, which reports its
/// stage through the [`Glimpse`] in its context) behind the glimpse the page started
/// with, if that was of this address, until the screen is drawn; keeps a new glimpse of it
/// while it is shown. `failed` says the screen cannot come (the engine could not be
/// fetched): the glimpse goes.
#[component]
pub fn Glimpsed(
    failed: Signal<bool>,
    opening: Signal<String>,
    children: Children,
) -> impl IntoView {
    let path = current_path();
    let shown = take_at_start(&path);
    let stage = RwSignal::new(if shown.is_some() {
        Stage::Glimpse
    } else {
        Stage::Waiting
    });
    let screen = NodeRef::<leptos::html::Div>::new();
    provide_context(Glimpse {
        stage,
        waiting: StoredValue::new(None),
        focused: StoredValue::new(None),
        screen,
    });
    Effect::new(move || {
        if failed.get() && stage.get_untracked() == Stage::Glimpse {
            stage.set(Stage::Unavailable);
        }
    });
    // Whatever became of the glimpse, the shell goes once it is no longer shown.
    Effect::new(move || {
        if stage.get() != Stage::Glimpse {
            let _ = drop_shell();
        }
    });
    let glimpsing = move || stage.get() == Stage::Glimpse;
    let host = NodeRef::<leptos::html::Div>::new();
    if let Some(shown) = shown {
        host.on_load(move |host| {
            if land(&host, &shown).is_err() {
                let _ = host.append_child(&shown);
            }
        });
    }
    let keep_soon = keep_while_drawn(stage, screen, opening);
    view! {
        <Show when=glimpsing>
            <p class="opening" role="status">{move || opening.get()}</p>
            <div node_ref=host></div>
        </Show>
        // What is typed changes a field's value, not the page's markup.
        <div node_ref=screen hidden=glimpsing on:input=move |_| keep_soon()>{children()}</div>
    }
}

/// How long a screen must have been still before a glimpse of it is kept.
const QUIET: Duration = Duration::from_secs(1);

/// Milliseconds on the page's clock.
fn now() -> f64 {
    window()
        .performance()
        .map_or(0.0, |performance| performance.now())
}

/// After `wait`: keeps a glimpse if the last change (`changed`) is `QUIET` old, or waits
/// on until it is; stops if the change was kept meanwhile.
fn wake_after(
    wait: Duration,
    changed: StoredValue<Option<f64>, LocalStorage>,
    waiting: StoredValue<bool, LocalStorage>,
    keep_now: impl Fn() + Copy + 'static,
) {
    set_timeout(
        move || {
            let Some(Some(at)) = changed.try_get_value() else {
                waiting.try_set_value(false);
                return;
            };
            let still = Duration::from_secs_f64(((now() - at) / 1000.0).max(0.0));
            if still >= QUIET {
                waiting.set_value(false);
                keep_now();
            } else {
                wake_after(QUIET - still, changed, waiting, keep_now);
            }
        },
        wait,
    );
}

/// The page's address now.
fn current_path() -> String {
    window().location().pathname().unwrap_or_default()
}

/// While the screen in `screen` is drawn, keeps a glimpse of it (said above it by
/// `opening`): a second after it is drawn and after the last change in it, and when the
/// page is hidden. A screen with nothing to draw forgets its address's glimpse. Returns
/// what notes a change (for what is typed: a field's value is not in the page's markup).
fn keep_while_drawn(
    stage: RwSignal<Stage>,
    screen: NodeRef<leptos::html::Div>,
    opening: Signal<String>,
) -> impl Fn() + Copy + 'static {
    // When the last change not yet kept was seen (on the page's clock), and whether a
    // timer is waiting for the screen to be still.
    let changed = StoredValue::new_local(None::<f64>);
    let waiting = StoredValue::new_local(false);
    let keep_now = move || {
        changed.set_value(None);
        if stage.get_untracked() != Stage::Drawn {
            return;
        }
        if let Some(screen) = screen.get_untracked()
            && let Err(err) = keep_copy(&current_path(), &screen, &opening.get_untracked())
        {
            leptos::logging::warn!("could not keep a glimpse of the screen: {err:?}");
        }
    };
    // Not while someone types or changes arrive: one timer at a time, which on waking
    // waits on for as long as the last change is younger than a second.
    let keep_soon = move || {
        changed.set_value(Some(now()));
        if !waiting.get_value() {
            waiting.set_value(true);
            wake_after(QUIET, changed, waiting, keep_now);
        }
    };
    Effect::new(move || match stage.get() {
        // Soon after it is drawn, not before its first paint.
        Stage::Drawn => keep_soon(),
        Stage::Nothing => {
            if let Err(err) = forget_copy(&current_path()) {
                leptos::logging::warn!("could not forget a glimpse: {err:?}");
            }
        }
        Stage::Glimpse | Stage::Waiting | Stage::Unavailable => {}
    });
    let hidden = window_event_listener_untyped("visibilitychange", move |_| {
        if document().hidden() {
            keep_now();
        }
    });
    let leaving = window_event_listener(leptos::ev::pagehide, move |_| keep_now());
    // The observer, with the callback it calls (which lives as long as it does).
    let changes = StoredValue::new_local(None::<(web_sys::MutationObserver, Closure<dyn Fn()>)>);
    screen.on_load(move |element| {
        let callback = Closure::<dyn Fn()>::new(keep_soon);
        let Ok(observer) = web_sys::MutationObserver::new(callback.as_ref().unchecked_ref()) else {
            return;
        };
        let options = web_sys::MutationObserverInit::new();
        options.set_subtree(true);
        options.set_child_list(true);
        options.set_character_data(true);
        options.set_attributes(true);
        if observer.observe_with_options(&element, &options).is_ok() {
            changes.set_value(Some((observer, callback)));
        }
    });
    on_cleanup(move || {
        hidden.remove();
        leaving.remove();
        if let Some((observer, _callback)) = changes.try_update_value(Option::take).flatten() {
            observer.disconnect();
        }
    });
    keep_soon
}
