//! The spaces this device holds: loaded from IndexedDB at start, each edit saved as an
//! incremental chunk before the app shows it as saved.

use std::collections::HashMap;

use landsbyplan_model::{Space, SpaceId, SpaceKind, Stamp};
use leptos::prelude::*;

use crate::storage::{DocStore, StorageError};

/// The IndexedDB database the app keeps its documents in.
pub const DATABASE: &str = "landsbyplan";

/// What the home screen lists for one space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpaceSummary {
    /// The space's id.
    pub id: SpaceId,
    /// Its kind.
    pub kind: SpaceKind,
    /// Its name.
    pub name: String,
}

/// A message for the person, as a translation key and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The Fluent message id.
    pub key: &'static str,
    /// Named arguments.
    pub args: Vec<(&'static str, String)>,
}

impl Message {
    fn plain(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    fn with_reason(key: &'static str, reason: String) -> Self {
        Self {
            key,
            args: vec![("reason", reason)],
        }
    }
}

impl From<StorageError> for Message {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::Full => Message::plain("error-storage-full"),
            StorageError::Unavailable(_) => Message::plain("error-storage-unavailable"),
            StorageError::Failed(reason) => Message::with_reason("error-storage-failed", reason),
        }
    }
}

impl From<landsbyplan_model::Error> for Message {
    fn from(err: landsbyplan_model::Error) -> Self {
        match err {
            landsbyplan_model::Error::Empty { .. } => Message::plain("error-name-required"),
            other => Message::with_reason("error-damaged-space", other.to_string()),
        }
    }
}

/// Where the library is in its life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LibraryState {
    /// Reading the device's store.
    Opening,
    /// Ready for reading and editing.
    Ready,
    /// The store cannot be used at all.
    Failed(Message),
}

/// The device's spaces, shared through context. A cheap `Copy` handle.
#[derive(Clone, Copy)]
pub struct Library {
    /// The spaces for display, sorted by name.
    pub spaces: RwSignal<Vec<SpaceSummary>>,
    /// The library's state.
    pub state: RwSignal<LibraryState>,
    /// Spaces stored on the device that could not be read; kept untouched.
    pub damaged: RwSignal<Vec<Message>>,
    held: StoredValue<HashMap<SpaceId, Space>, LocalStorage>,
    store: StoredValue<Option<std::rc::Rc<DocStore>>, LocalStorage>,
}

impl Library {
    /// An empty library; call [`Library::open`] to read the device's store.
    pub fn new() -> Self {
        Self {
            spaces: RwSignal::new(Vec::new()),
            state: RwSignal::new(LibraryState::Opening),
            damaged: RwSignal::new(Vec::new()),
            held: StoredValue::new_local(HashMap::new()),
            store: StoredValue::new_local(None),
        }
    }

    /// Opens the database and loads every space in it.
    pub async fn open(self, database: &str) {
        match self.load(database).await {
            Ok(()) => self.state.set(LibraryState::Ready),
            Err(err) => self.state.set(LibraryState::Failed(err.into())),
        }
    }

    async fn load(self, database: &str) -> Result<(), StorageError> {
        let store = DocStore::open(database).await?;
        let stored = store.load_all().await?;
        let mut damaged = Vec::new();
        self.held.update_value(|held| {
            for entry in stored {
                match Space::load(&entry.bytes) {
                    Ok(space) => {
                        held.insert(entry.id, space);
                    }
                    Err(err) => damaged.push(Message::from(err)),
                }
            }
        });
        self.store.set_value(Some(std::rc::Rc::new(store)));
        self.damaged.set(damaged);
        self.refresh();
        Ok(())
    }

    fn store(self) -> Result<std::rc::Rc<DocStore>, Message> {
        self.store
            .get_value()
            .ok_or_else(|| Message::plain("error-storage-unavailable"))
    }

    fn refresh(self) {
        let mut list: Vec<SpaceSummary> = self.held.with_value(|held| {
            held.values()
                .map(|space| SpaceSummary {
                    id: space.id(),
                    kind: space.kind(),
                    name: space.name(),
                })
                .collect()
        });
        list.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.id.cmp(&b.id))
        });
        self.spaces.set(list);
    }

    /// Creates a council space and returns once it is durable on this device.
    pub async fn create_council(self, name: &str, stamp: &Stamp) -> Result<SpaceSummary, Message> {
        let store = self.store()?;
        let id = SpaceId::from_random(random_u128());
        let mut space = Space::create_council(id, name, stamp)?;
        store.create(id, SpaceKind::Council, &space.save()).await?;
        let summary = SpaceSummary {
            id,
            kind: space.kind(),
            name: space.name(),
        };
        self.held.update_value(|held| {
            held.insert(id, space);
        });
        self.refresh();
        Ok(summary)
    }
}

impl Default for Library {
    fn default() -> Self {
        Self::new()
    }
}

fn random_u128() -> u128 {
    let mut bytes = [0u8; 16];
    // The browser's crypto.getRandomValues; without it nothing in the app would work.
    getrandom::fill(&mut bytes).expect("the platform offers a random source");
    u128::from_le_bytes(bytes)
}
