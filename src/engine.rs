//! The app in two parts. The first part is what a phone needs to draw its first screen:
//! the shell, the router, the home screen, the languages. The engine is the rest:
//! Automerge, the library on the device, sync, and every space's screens. In the app's
//! build (`scripts/build-wasm.sh`, feature `split`) the engine is a wasm module of its
//! own, fetched when the first part starts (after the first screen is drawn); every other
//! build links it in.
//!
//! The first part reaches the engine only through [`Engine`], a table of entry points
//! it gets once from [`load`]; nothing in the first part may call into documents directly,
//! or the splitter keeps that code (and all it calls) in the first part.

use futures_util::FutureExt;
use futures_util::future::{LocalBoxFuture, Shared};
use landsbyplan_model::{SpaceId, Stamp};
use leptos::prelude::*;

use crate::library::{Library, Message};
use crate::routes;

/// A screen the engine draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Connecting a phone directly.
    Connect,
    /// A council's, group's or network's screen.
    Space,
    /// A space printed.
    Print,
    /// A grant application.
    Application,
    /// A grant application printed.
    ApplicationPrint,
    /// A meeting.
    Meeting,
}

/// What the first part may ask of the engine: every call that reads or changes a
/// document (see `crate::library::Library` for what each does).
pub trait Engine {
    /// Draws `screen` (under the caller's reactive owner: its contexts and the route).
    fn screen(&self, screen: Screen) -> AnyView;
    /// Opens the device's store and starts syncing ([`Library::open`]).
    fn open(
        &self,
        library: Library,
        database: &'static str,
        link: Option<String>,
    ) -> LocalBoxFuture<'static, ()>;
    /// Joins the space a share link names.
    fn join(&self, library: Library, link: String) -> LocalBoxFuture<'static, Result<(), Message>>;
    /// Makes a council; its name.
    fn create_council(
        &self,
        library: Library,
        name: String,
        stamp: Stamp,
    ) -> LocalBoxFuture<'static, Result<String, Message>>;
    /// Makes the network of councils.
    fn create_network(
        &self,
        library: Library,
        name: String,
        stamp: Stamp,
    ) -> LocalBoxFuture<'static, Result<SpaceId, Message>>;
    /// Renames a space.
    fn rename(
        &self,
        library: Library,
        id: SpaceId,
        name: String,
        stamp: Stamp,
    ) -> LocalBoxFuture<'static, Result<(), Message>>;
    /// Opens a space saved to a file.
    fn open_file(
        &self,
        library: Library,
        bytes: Vec<u8>,
    ) -> LocalBoxFuture<'static, Result<SpaceId, Message>>;
    /// Tells the other phones of every space the person's new name.
    fn named(&self, library: Library, name: String);
}

struct Parts;

impl Engine for Parts {
    fn screen(&self, screen: Screen) -> AnyView {
        match screen {
            Screen::Connect => view! { <routes::connect::ConnectScreen/> }.into_any(),
            Screen::Space => view! { <routes::space::SpaceScreen/> }.into_any(),
            Screen::Print => view! { <routes::print::PrintView/> }.into_any(),
            Screen::Application => view! { <routes::grants::ApplicationScreen/> }.into_any(),
            Screen::ApplicationPrint => view! { <routes::grants::ApplicationPrint/> }.into_any(),
            Screen::Meeting => view! { <routes::meetings::MeetingScreen/> }.into_any(),
        }
    }

    fn open(
        &self,
        library: Library,
        database: &'static str,
        link: Option<String>,
    ) -> LocalBoxFuture<'static, ()> {
        Box::pin(library.open(database, link))
    }

    fn join(&self, library: Library, link: String) -> LocalBoxFuture<'static, Result<(), Message>> {
        Box::pin(async move {
            library.opened().await;
            library.join(&link).await
        })
    }

    fn create_council(
        &self,
        library: Library,
        name: String,
        stamp: Stamp,
    ) -> LocalBoxFuture<'static, Result<String, Message>> {
        Box::pin(async move {
            library.opened().await;
            library.create_council(&name, &stamp).await
        })
    }

    fn create_network(
        &self,
        library: Library,
        name: String,
        stamp: Stamp,
    ) -> LocalBoxFuture<'static, Result<SpaceId, Message>> {
        Box::pin(async move {
            library.opened().await;
            library.create_network(&name, &stamp).await
        })
    }

    fn rename(
        &self,
        library: Library,
        id: SpaceId,
        name: String,
        stamp: Stamp,
    ) -> LocalBoxFuture<'static, Result<(), Message>> {
        Box::pin(async move {
            library.opened().await;
            library.rename(id, &name, &stamp).await
        })
    }

    fn open_file(
        &self,
        library: Library,
        bytes: Vec<u8>,
    ) -> LocalBoxFuture<'static, Result<SpaceId, Message>> {
        Box::pin(async move {
            library.opened().await;
            library.open_file(&bytes).await
        })
    }

    fn named(&self, library: Library, name: String) {
        library.send(crate::sync::Event::Named(name));
    }
}

/// The engine's table: the one split point. Everything reachable only from here goes into
/// the engine's module.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(engine, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn table() -> Result<&'static dyn Engine, leptos::wasm_split::SplitLoaderError> {
    Ok(&Parts)
}

/// The engine could not be fetched (offline before it was ever cached, or the server
/// went away mid-way); a later [`load`] tries again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotLoaded;

/// The engine, fetched and instantiated the first time.
pub async fn load() -> Result<&'static dyn Engine, NotLoaded> {
    #[cfg(feature = "split")]
    let engine = table().await.map_err(|_| NotLoaded);
    #[cfg(not(feature = "split"))]
    let engine = table().map_err(|_| NotLoaded);
    if engine.is_ok() {
        crate::mark("engine");
    }
    engine
}

/// A load of the engine, shared by everyone who asks while it is under way.
type Attempt = Shared<LocalBoxFuture<'static, Result<&'static dyn Engine, NotLoaded>>>;

/// The engine once it is here, for the screens to draw from; provided by the app.
#[derive(Clone, Copy)]
pub struct Loaded {
    /// `None` while it is on its way.
    pub state: RwSignal<Option<Result<&'static dyn Engine, NotLoaded>>, LocalStorage>,
    /// The load under way, or the last one.
    attempt: StoredValue<Option<Attempt>, LocalStorage>,
}

impl Loaded {
    /// Nothing fetched yet.
    pub fn new() -> Self {
        Self {
            state: RwSignal::new_local(None),
            attempt: StoredValue::new_local(None),
        }
    }

    /// The engine, fetched first if it is not here yet (an error in words if it cannot
    /// be fetched). Whoever asks while a load is under way shares it, its failure
    /// included; asking after a failure fetches again.
    pub async fn get(self) -> Result<&'static dyn Engine, Message> {
        if let Some(Ok(engine)) = self.state.get_untracked() {
            return Ok(engine);
        }
        let under_way = self
            .attempt
            .get_value()
            .filter(|attempt| attempt.peek().is_none());
        let attempt = under_way.unwrap_or_else(|| {
            let attempt = load().boxed_local().shared();
            self.attempt.set_value(Some(attempt.clone()));
            // On its way: no longer "could not be fetched".
            if self.state.get_untracked().is_some() {
                self.state.set(None);
            }
            attempt
        });
        let loaded = attempt.await;
        // Set once (setting it again would draw the screens waiting for it again, losing
        // what is typed in them).
        if !matches!(self.state.get_untracked(), Some(Ok(_))) {
            self.state.set(Some(loaded));
        }
        loaded.map_err(|NotLoaded| Message::plain("engine-not-loaded"))
    }

    /// Runs `call` on the engine, fetched first if it is not here yet.
    pub async fn run<T>(
        self,
        call: impl FnOnce(&'static dyn Engine) -> LocalBoxFuture<'static, Result<T, Message>>,
    ) -> Result<T, Message> {
        call(self.get().await?).await
    }

    /// `message`, unless it says the engine could not be fetched and it has been since
    /// (tracked: a message under a form goes once "Prøv igen" has fetched it).
    pub fn still(self, message: Option<Message>) -> Option<Message> {
        message.filter(|message| {
            message.key != "engine-not-loaded" || !matches!(self.state.get(), Some(Ok(_)))
        })
    }

    /// Whether the engine is here (tracked).
    pub fn here(self) -> bool {
        matches!(self.state.get(), Some(Ok(_)))
    }

    /// The engine if it is here already.
    pub fn now(self) -> Option<&'static dyn Engine> {
        self.state.get_untracked().and_then(Result::ok)
    }
}

impl Default for Loaded {
    fn default() -> Self {
        Self::new()
    }
}
