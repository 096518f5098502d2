//! The spaces this device holds: loaded from IndexedDB at start, each edit saved as an
//! incremental chunk before the app shows it as saved, and synced through the relay.
//!
//! Here: the types the screens see and what they read. The rooms: `device` (the store on
//! the device: loading at start, chunks, the edit journal, cursors), `editing` (the
//! editing API the screens call: making, joining, editing, merging, files) and `remote`
//! (what comes from others through sync, and what the sync task asks of the library).

use std::collections::HashMap;
use std::rc::Rc;

use landsbyplan_model::ChangeHash;
use landsbyplan_model::bounds::Unbounded;
use landsbyplan_model::{
    CouncilRef, FocusAreaId, GroupMergePreview, ImportPreview, Space, SpaceId, SpaceKind, Stamp,
};
use landsbyplan_sync::{Capability, DocId, Hash, Outbox, Share, SpaceSecret, SyncStatus};
use leptos::prelude::*;

use crate::journal::Journal;
use crate::storage::{DocStore, KeyringEntry, StorageError};
use crate::sync::{Driver, Event};

mod device;
mod editing;
mod peers;
mod remote;

/// The IndexedDB database the app keeps its documents in.
pub const DATABASE: &str = "landsbyplan";

/// A space's chunks are replaced by one snapshot once there are this many: loading stays
/// quick, and a crash mid-way leaves either the chunks or the snapshot.
pub const COMPACT_AFTER_CHUNKS: u32 = 32;

/// What the home screen lists for one space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpaceSummary {
    /// The space's id.
    pub id: SpaceId,
    /// Its kind.
    pub kind: SpaceKind,
    /// Its name.
    pub name: String,
    /// Where it stands with the relay.
    pub status: SyncStatus,
    /// Received changes wait for changes they depend on, which have not arrived.
    pub missing: bool,
    /// How many things the relay sent for it were refused (forged, out of order, or
    /// unreadable), since the app started.
    pub rejected: u64,
    /// Its share link's fragment, if this device may share it.
    pub share: Option<String>,
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
    pub fn plain(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    pub fn with_reason(key: &'static str, reason: String) -> Self {
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
            landsbyplan_model::Error::NotEndorsed => Message::plain("error-not-endorsed"),
            landsbyplan_model::Error::OwnFinancingTooLow { required, own } => Message {
                key: "error-own-financing-too-low",
                args: vec![("required", required.to_string()), ("own", own.to_string())],
            },
            landsbyplan_model::Error::NotADraft => Message::plain("error-not-a-draft"),
            landsbyplan_model::Error::Negative => Message::plain("error-negative"),
            landsbyplan_model::Error::NotAMember => Message::plain("error-not-a-member"),
            landsbyplan_model::Error::LastCouncil => Message::plain("error-last-council"),
            landsbyplan_model::Error::DifferentFocusAreas => {
                Message::plain("error-merge-different-areas")
            }
            landsbyplan_model::Error::AlreadyMerged => Message::plain("error-merge-already"),
            landsbyplan_model::Error::DifferentSpaces => Message::plain("error-different-spaces"),
            landsbyplan_model::Error::NotACopy => Message::plain("error-not-a-copy"),
            landsbyplan_model::Error::Full => Message::plain("error-space-full"),
            landsbyplan_model::Error::InvalidTransition { .. } => {
                Message::plain("error-invalid-transition")
            }
            other => Message::with_reason("error-damaged-space", other.to_string()),
        }
    }
}

/// Why a file could not be opened, in words for people: a file made by a newer version
/// says so; any other (not Automerge, or not a space) is simply not a space, since the
/// parser's reason means nothing to a villager.
fn file_problem(err: landsbyplan_model::Error) -> Message {
    match err {
        landsbyplan_model::Error::NewerSchema { .. } => Message::plain("error-file-newer"),
        landsbyplan_model::Error::Unbounded(Unbounded::Inflates | Unbounded::TooManyOps) => {
            Message::plain("error-file-inflates")
        }
        _ => Message::plain("error-file-not-a-space"),
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

struct Held {
    space: Space,
    /// The numbers of the stored chunks (and snapshots) whose changes this tab holds: the
    /// ones a snapshot of it may replace. (Another tab of the app may store others.)
    chunks: Vec<u32>,
    /// Chunks stored since the last snapshot (at most, after a load).
    since_snapshot: u32,
    /// The document id it syncs under, if it syncs.
    doc: Option<DocId>,
    /// Chunks the device refused to store (quota), kept until it takes them.
    unstored: Vec<u8>,
    /// The edit journal's keys of the local edits among `unstored`.
    journaled: Vec<String>,
    /// What the relay is known to hold of it (shared heads, stored in the keyring).
    outbox: Outbox,
    /// What it owes the relay from before this start has not been handed to sync yet
    /// (that waits until the first screen is drawn; an edit before then sends it too).
    owed: bool,
}

/// Why changes received from the relay are not in the space.
enum Failed {
    /// The device could not store them (it is full): the cursor stays, so they come again.
    NotStored(Message),
    /// They do not apply (unreadable, or another space's): set aside, so they do not
    /// come again at every start.
    SetAside(Message),
}

impl From<Message> for Failed {
    fn from(message: Message) -> Self {
        Self::NotStored(message)
    }
}

/// What became of changes received from the relay.
pub struct Received {
    /// They are stored on the device (with any refused before), or set aside.
    pub stored: bool,
    /// They did not apply and were set aside (counted with what the relay sent that
    /// was refused).
    pub set_aside: bool,
    /// They applied but were all in the space already (see `Client::nothing_new`).
    pub nothing_new: bool,
    /// The space's heads, and the changes received changes wait for (empty: none).
    pub have: Vec<Hash>,
    /// See `have`.
    pub missing: Vec<Hash>,
}

/// Local changes for the sync task: Automerge bytes, how many changes, and the
/// document's heads right after them (`None` for all but the last of a split bundle,
/// which move no shared heads on their own).
pub struct Outgoing {
    pub bytes: Vec<u8>,
    pub count: usize,
    pub heads: Option<Vec<Hash>>,
}

/// The most a device sends in one entry, well under the relay's 1 MiB default: what is
/// owed after a long time offline (or everything, after the relay lost its store) goes
/// in several.
const MAX_ENTRY_BYTES: usize = 256 * 1024;

fn hashes(heads: &[ChangeHash]) -> Vec<Hash> {
    heads.iter().map(|h| h.0).collect()
}

fn change_hashes(heads: &[Hash]) -> Vec<ChangeHash> {
    heads.iter().map(|h| ChangeHash(*h)).collect()
}

/// What space `h` owes the relay beyond its shared heads, for the sync task (nothing if
/// nothing). Marks it as the latest local change.
fn unshared(h: &mut Held) -> Vec<Outgoing> {
    h.owed = false;
    let shared = change_hashes(h.outbox.shared());
    changes_since(&mut h.space, &mut h.outbox, &shared)
}

/// The changes of `space` after `before`, in entries, the last with the heads now; marks
/// them as the latest local change.
fn changes_since(space: &mut Space, outbox: &mut Outbox, before: &[ChangeHash]) -> Vec<Outgoing> {
    let bundles = space.change_bundles(before, MAX_ENTRY_BYTES);
    let last = bundles.len().saturating_sub(1);
    let heads = hashes(&space.heads());
    if !bundles.is_empty() {
        outbox.local(heads.clone());
    }
    bundles
        .into_iter()
        .enumerate()
        .map(|(n, (bytes, count))| Outgoing {
            bytes,
            count,
            heads: (n == last).then(|| heads.clone()),
        })
        .collect()
}

/// The device's spaces, shared through context. A cheap `Copy` handle.
///
/// The first part of the app (`crate::engine`) holds only the signals the home screen
/// shows; everything that holds a document (the spaces, the store, sync, the direct
/// channels) is made by the engine the first time it is used, so that none of it is
/// linked into the first part.
#[derive(Clone, Copy)]
pub struct Library {
    /// The spaces for display, sorted by name.
    pub spaces: RwSignal<Vec<SpaceSummary>>,
    /// The library's state.
    pub state: RwSignal<LibraryState>,
    /// Spaces stored on the device that could not be read; kept untouched.
    pub damaged: RwSignal<Vec<Message>>,
    /// Shared spaces joined from a link whose data has not arrived yet.
    pub joining: RwSignal<usize>,
    /// Links whose document was refused since the app started (it posed as a space
    /// held here).
    pub refused: RwSignal<Vec<Message>>,
    /// Counts every change to a held space, so reads made through the library rerun.
    revision: RwSignal<u64>,
    /// The reactive owner the library was made under: the engine's parts live as long
    /// as it does, not as long as the screen that first used them.
    owner: StoredValue<Option<WeakOwner>, LocalStorage>,
    parts: StoredValue<Option<Parts>, LocalStorage>,
}

/// The engine's part of the library (see [`Library`]).
#[derive(Clone, Copy)]
struct Parts {
    /// The direct connections with other phones, and who reaches the relay.
    peers: crate::direct::Peers,
    held: StoredValue<HashMap<SpaceId, Held>, LocalStorage>,
    keys: StoredValue<HashMap<DocId, KeyringEntry>, LocalStorage>,
    statuses: StoredValue<HashMap<DocId, SyncStatus>, LocalStorage>,
    /// Per space: how many things from the relay were refused since the app started.
    rejected: StoredValue<HashMap<DocId, u64>, LocalStorage>,
    store: StoredValue<Option<Rc<DocStore>>, LocalStorage>,
    journal: StoredValue<Option<Journal>, LocalStorage>,
    driver: StoredValue<Option<Driver>, LocalStorage>,
    /// [`Library::open`] has finished (whether the store opened or not).
    open_done: StoredValue<bool, LocalStorage>,
    /// Who waits for that ([`Library::opened`]).
    waiting: StoredValue<Vec<futures_channel::oneshot::Sender<()>>, LocalStorage>,
}

impl Library {
    /// An empty library; call [`Library::open`] to read the device's store.
    pub fn new() -> Self {
        Self {
            spaces: RwSignal::new(Vec::new()),
            state: RwSignal::new(LibraryState::Opening),
            damaged: RwSignal::new(Vec::new()),
            joining: RwSignal::new(0),
            refused: RwSignal::new(Vec::new()),
            revision: RwSignal::new(0),
            owner: StoredValue::new_local(Owner::current().map(|owner| owner.downgrade())),
            parts: StoredValue::new_local(None),
        }
    }

    /// The engine's part, made on first use.
    fn parts(self) -> Parts {
        if let Some(parts) = self.parts.get_value() {
            return parts;
        }
        let make = || Parts {
            peers: crate::direct::Peers::new(),
            held: StoredValue::new_local(HashMap::new()),
            keys: StoredValue::new_local(HashMap::new()),
            statuses: StoredValue::new_local(HashMap::new()),
            rejected: StoredValue::new_local(HashMap::new()),
            store: StoredValue::new_local(None),
            journal: StoredValue::new_local(None),
            driver: StoredValue::new_local(None),
            open_done: StoredValue::new_local(false),
            waiting: StoredValue::new_local(Vec::new()),
        };
        let parts = match self.owner.get_value().and_then(|owner| owner.upgrade()) {
            Some(owner) => owner.with(make),
            None => make(),
        };
        self.parts.set_value(Some(parts));
        parts
    }

    /// The direct connections with other phones, and who reaches the relay.
    pub fn peers(self) -> crate::direct::Peers {
        self.parts().peers
    }

    /// Opens the database, loads every space in it, joins a space shared by the link the
    /// page was opened with (if any), and starts syncing.
    pub async fn open(self, database: &str, link: Option<String>) {
        match self.load(database, link).await {
            Ok(()) => {
                crate::mark("opened");
                self.state.set(LibraryState::Ready);
            }
            Err(err) => self.state.set(LibraryState::Failed(err.into())),
        }
        self.parts().open_done.set_value(true);
        let waiting = self
            .parts()
            .waiting
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        for waiter in waiting {
            let _ = waiter.send(());
        }
    }

    /// Waits until [`Library::open`] has read the device's store (or failed to): what
    /// the home screen asks for as soon as it is drawn may come before that.
    pub async fn opened(self) {
        if self.parts().open_done.get_value() {
            return;
        }
        let (done, wait) = futures_channel::oneshot::channel();
        self.parts()
            .waiting
            .update_value(|waiting| waiting.push(done));
        let _ = wait.await;
    }

    /// Queues `event` for the sync task (dropped before it runs).
    pub(crate) fn send(self, event: Event) {
        self.parts().driver.with_value(|driver| {
            if let Some(driver) = driver {
                driver.send(event);
            }
        });
    }

    fn refresh(self) {
        let mut list: Vec<SpaceSummary> = self
            .parts()
            .statuses
            .with_value(|statuses| {
                let rejected = self.parts().rejected.get_value();
                self.parts().keys.with_value(|keys| {
                    self.parts().held.try_update_value(|held| {
                        held.values_mut()
                            .map(|h| SpaceSummary {
                                id: h.space.id(),
                                kind: h.space.kind(),
                                name: h.space.name(),
                                status: h
                                    .doc
                                    .and_then(|doc| statuses.get(&doc).cloned())
                                    .unwrap_or(SyncStatus::Local),
                                missing: h.space.has_missing(),
                                rejected: h
                                    .doc
                                    .and_then(|doc| rejected.get(&doc).copied())
                                    .unwrap_or(0),
                                share: h
                                    .doc
                                    .and_then(|doc| keys.get(&doc))
                                    .map(|entry| entry.share.clone())
                                    .filter(|share| share.starts_with("edit=")),
                            })
                            .collect()
                    })
                })
            })
            .unwrap_or_default();
        list.sort_by_cached_key(|s| (s.name.to_lowercase(), s.id));
        self.spaces.set(list);
        let joining = self
            .parts()
            .keys
            .with_value(|keys| keys.values().filter(|entry| entry.space.is_none()).count());
        self.joining.set(joining);
    }

    /// Reads space `id` (`None` if this device does not hold it). Inside a reactive
    /// scope the reader runs again whenever any held space changes.
    pub fn read<T>(self, id: SpaceId, read: impl FnOnce(&Space) -> T) -> Option<T> {
        self.revision.track();
        self.parts()
            .held
            .with_value(|held| held.get(&id).map(|h| read(&h.space)))
    }

    /// Reads every held space, keeping what `read` returns (tracked like `read`).
    pub fn read_all<T>(self, mut read: impl FnMut(&Space) -> Option<T>) -> Vec<T> {
        self.revision.track();
        self.parts()
            .held
            .with_value(|held| held.values().filter_map(|h| read(&h.space)).collect())
    }

    /// Like [`Library::read`], for the reads that need the document mutably (history).
    pub fn read_mut<T>(self, id: SpaceId, read: impl FnOnce(&mut Space) -> T) -> Option<T> {
        self.revision.track();
        self.parts()
            .held
            .try_update_value(|held| held.get_mut(&id).map(|h| read(&mut h.space)))
            .flatten()
    }

    /// Whether this device may change space `id`: not when it joined by a read-only link
    /// (the relay would refuse the changes, and the others would never see them).
    pub fn is_writable(self, id: SpaceId) -> bool {
        let doc = self
            .parts()
            .held
            .with_value(|held| held.get(&id).and_then(|h| h.doc));
        doc.is_none_or(|doc| {
            self.parts().keys.with_value(|keys| {
                keys.get(&doc)
                    .is_none_or(|entry| !entry.share.starts_with("read="))
            })
        })
    }

    /// What space `id` is shared under on this device, for a direct channel with another
    /// phone: its read capability, and its keys if this device may write. `None` for a
    /// space that does not sync.
    pub fn direct_keys(
        self,
        id: SpaceId,
    ) -> Option<(
        landsbyplan_sync::ReadCapability,
        Option<landsbyplan_sync::SpaceKeys>,
    )> {
        let share = self.parts().keys.with_value(|keys| {
            keys.values()
                .find(|entry| entry.space == Some(id))
                .and_then(|entry| Share::from_link(&entry.share).ok())
        })?;
        Some(match share {
            Share::Edit(secret) => {
                let keys = secret.keys();
                (keys.read().clone(), Some(keys))
            }
            Share::Read(read) => (read, None),
        })
    }

    /// The relay document that space `id` syncs through, if it syncs.
    pub fn doc_of(self, id: SpaceId) -> Option<DocId> {
        self.parts().keys.with_value(|keys| {
            keys.iter()
                .find(|(_, entry)| entry.space == Some(id))
                .map(|(doc, _)| *doc)
        })
    }

    /// The space that syncs through relay document `doc`, if held.
    pub fn space_of(self, doc: DocId) -> Option<SpaceId> {
        self.parts()
            .keys
            .with_value(|keys| keys.get(&doc).and_then(|entry| entry.space))
    }

    /// Whether space `id` holds edits the device has not stored yet.
    pub fn has_unstored(self, id: SpaceId) -> bool {
        self.revision.track();
        self.parts()
            .held
            .with_value(|held| held.get(&id).is_some_and(|h| !h.unstored.is_empty()))
    }
}

impl Default for Library {
    fn default() -> Self {
        Self::new()
    }
}

/// After an edit of `h` made at heads `before`: the chunk to store and what to send
/// (nothing if the space does not sync).
fn local_change(h: &mut Held, before: &[ChangeHash]) -> (Vec<u8>, Vec<Outgoing>) {
    let chunk = h.space.save_incremental();
    let outgoing = if h.doc.is_none() {
        Vec::new()
    } else if h.owed && !chunk.is_empty() {
        // What was owed from before this start goes first, with this edit (an edit that
        // changed nothing sends nothing, and leaves it to `send_owed`).
        unshared(h)
    } else {
        changes_since(&mut h.space, &mut h.outbox, before)
    };
    (chunk, outgoing)
}

fn capability(share: Share) -> Capability {
    match share {
        Share::Edit(secret) => Capability::Write(Box::new(secret.keys())),
        Share::Read(read) => Capability::Read(read),
    }
}

/// A fresh random number for a new id.
pub fn random_id() -> u128 {
    u128::from_le_bytes(random_bytes())
}

pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The browser's crypto.getRandomValues; without it nothing in the app would work.
    getrandom::fill(&mut bytes).expect("the platform offers a random source");
    bytes
}
