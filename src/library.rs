//! The spaces this device holds: loaded from IndexedDB at start, each edit saved as an
//! incremental chunk before the app shows it as saved, and synced through the relay.

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

/// What space `space` owes the relay beyond `shared`, for the sync task (nothing if
/// nothing). Marks it as the latest local change.
fn unshared(space: &mut Space, outbox: &mut Outbox) -> Vec<Outgoing> {
    let shared = change_hashes(outbox.shared());
    changes_since(space, outbox, &shared)
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
    held: StoredValue<HashMap<SpaceId, Held>, LocalStorage>,
    keys: StoredValue<HashMap<DocId, KeyringEntry>, LocalStorage>,
    statuses: StoredValue<HashMap<DocId, SyncStatus>, LocalStorage>,
    /// Per space: how many things from the relay were refused since the app started.
    rejected: StoredValue<HashMap<DocId, u64>, LocalStorage>,
    store: StoredValue<Option<Rc<DocStore>>, LocalStorage>,
    journal: StoredValue<Option<Journal>, LocalStorage>,
    driver: StoredValue<Option<Driver>, LocalStorage>,
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
            held: StoredValue::new_local(HashMap::new()),
            keys: StoredValue::new_local(HashMap::new()),
            statuses: StoredValue::new_local(HashMap::new()),
            rejected: StoredValue::new_local(HashMap::new()),
            store: StoredValue::new_local(None),
            journal: StoredValue::new_local(None),
            driver: StoredValue::new_local(None),
        }
    }

    /// Opens the database, loads every space in it, joins a space shared by the link the
    /// page was opened with (if any), and starts syncing.
    pub async fn open(self, database: &str, link: Option<String>) {
        match self.load(database, link).await {
            Ok(()) => self.state.set(LibraryState::Ready),
            Err(err) => self.state.set(LibraryState::Failed(err.into())),
        }
    }

    async fn load(self, database: &str, link: Option<String>) -> Result<(), StorageError> {
        let store = DocStore::open(database).await?;
        let stored = store.load_all().await?;
        let keyring: HashMap<DocId, KeyringEntry> = store
            .keyring()
            .await?
            .into_iter()
            .filter_map(|(doc, entry)| Some((doc.parse().ok()?, entry)))
            .collect();
        let docs_of: HashMap<SpaceId, DocId> = keyring
            .iter()
            .filter_map(|(doc, entry)| Some((entry.space?, *doc)))
            .collect();
        let mut damaged = Vec::new();
        self.held.update_value(|held| {
            for entry in stored {
                match Space::load(&entry.bytes) {
                    Ok(space) => {
                        let doc = docs_of.get(&entry.id).copied();
                        let shared = doc
                            .and_then(|doc| keyring.get(&doc))
                            .map(|e| e.shared.clone())
                            .unwrap_or_default();
                        held.insert(
                            entry.id,
                            Held {
                                space,
                                since_snapshot: entry.chunks.len().saturating_sub(1) as u32,
                                chunks: entry.chunks,
                                doc,
                                unstored: Vec::new(),
                                journaled: Vec::new(),
                                outbox: Outbox::new(shared),
                            },
                        );
                    }
                    Err(err) => damaged.push(Message::from(err)),
                }
            }
        });
        let store = Rc::new(store);
        self.store.set_value(Some(store.clone()));
        self.damaged.set(damaged);
        let journal = Journal::new(database);
        self.journal.set_value(Some(journal.clone()));
        self.replay(&store, &journal).await;
        let driver = Driver::start(self);
        for (doc, entry) in &keyring {
            let Ok(share) = Share::from_link(&entry.share) else {
                continue;
            };
            let writable = matches!(share, Share::Edit(_));
            driver.send(Event::AddSpace(
                Box::new(capability(share)),
                entry.cursor,
                entry.epoch,
            ));
            // Whatever the relay is not known to hold goes out again: edits made before
            // an offline reload, a crash or a closed tab are never stranded.
            let outgoing = entry
                .space
                .filter(|_| writable)
                .and_then(|id| {
                    self.held.try_update_value(|held| {
                        let h = held.get_mut(&id)?;
                        Some(unshared(&mut h.space, &mut h.outbox))
                    })
                })
                .flatten()
                .unwrap_or_default();
            if outgoing.is_empty() && entry.shared_at > 0 {
                // Nothing is owed: everything was on the relay at the last contact,
                // which the status can say even while offline.
                driver.send(Event::SharedBefore(*doc, entry.shared_at));
            }
            for out in outgoing {
                driver.send(Event::Local(*doc, out));
            }
        }
        self.driver.set_value(Some(driver));
        self.keys.set_value(keyring);
        self.revision.update(|r| *r += 1);
        self.refresh();
        if let Some(link) = link
            && let Err(err) = self.join(&link).await
        {
            leptos::logging::warn!("the share link in the address was not joined: {}", err.key);
        }
        Ok(())
    }

    /// Merges what the edit journal holds of edits IndexedDB missed (the tab closed
    /// before it committed them) into their spaces, and stores them.
    async fn replay(self, store: &DocStore, journal: &Journal) {
        // Per space: the entries' keys and changes.
        let mut found: HashMap<SpaceId, (Vec<String>, Vec<u8>)> = HashMap::new();
        for left in journal.leftovers() {
            let merged = self
                .held
                .try_update_value(|held| {
                    let h = held.get_mut(&left.space)?;
                    Some(h.space.apply_changes(&left.changes))
                })
                .flatten();
            match merged {
                Some(Ok(())) => {
                    let (keys, changes) = found.entry(left.space).or_default();
                    keys.push(left.key);
                    changes.extend_from_slice(&left.changes);
                }
                Some(Err(err)) => {
                    leptos::logging::warn!("an edit journal entry did not apply: {err}");
                    journal.remove(&[left.key]);
                }
                // Its space could not be read here: it stays for a build that can.
                None => {}
            }
        }
        for (id, (keys, changes)) in found {
            let chunk = self
                .held
                .try_update_value(|held| {
                    let h = held.get_mut(&id)?;
                    let mut chunk = h.space.save_incremental();
                    if h.space.has_missing() {
                        // Changes waiting for others are not in the incremental save.
                        chunk.extend_from_slice(&changes);
                    }
                    Some(chunk)
                })
                .flatten()
                .unwrap_or_default();
            if let Err(err) = self.store_with_unstored(store, id, chunk, keys).await {
                leptos::logging::warn!("edits from the journal were not stored: {}", err.key);
            }
        }
    }

    /// Writes a local edit's changes to the edit journal before the edit shows: the
    /// keys to pass to [`Library::store_with_unstored`].
    fn journal(self, id: SpaceId, chunk: &[u8]) -> Vec<String> {
        if chunk.is_empty() {
            return Vec::new();
        }
        self.journal
            .with_value(|journal| journal.as_ref().and_then(|j| j.write(id, chunk)))
            .into_iter()
            .collect()
    }

    /// Joins the space a share link gives access to: its keys go into the keyring, and
    /// the space arrives from the relay (shown as joining until then). A space already
    /// held is left as it is.
    pub async fn join(self, link: &str) -> Result<(), Message> {
        let share =
            Share::from_link(link.trim()).map_err(|_| Message::plain("error-share-link"))?;
        let store = self.store()?;
        let doc = share.read_capability().doc_id();
        let held = self.keys.with_value(|keys| keys.get(&doc).cloned());
        let entry = match held {
            // An editing link for a space held read-only: the device may edit from now on.
            Some(entry) if entry.share.starts_with("read=") && matches!(share, Share::Edit(_)) => {
                KeyringEntry {
                    share: share.to_fragment(),
                    ..entry
                }
            }
            Some(_) => return Ok(()),
            None => KeyringEntry {
                share: share.to_fragment(),
                cursor: 0,
                epoch: 0,
                space: None,
                shared: Vec::new(),
                shared_at: 0,
            },
        };
        let (cursor, epoch) = (entry.cursor, entry.epoch);
        store.put_key(&doc.to_string(), &entry).await?;
        self.keys.update_value(|keys| {
            keys.insert(doc, entry);
        });
        self.send(Event::AddSpace(Box::new(capability(share)), cursor, epoch));
        self.revision.update(|r| *r += 1);
        self.refresh();
        Ok(())
    }

    fn store(self) -> Result<Rc<DocStore>, Message> {
        self.store
            .get_value()
            .ok_or_else(|| Message::plain("error-storage-unavailable"))
    }

    fn send(self, event: Event) {
        self.driver.with_value(|driver| {
            if let Some(driver) = driver {
                driver.send(event);
            }
        });
    }

    fn refresh(self) {
        let mut list: Vec<SpaceSummary> = self
            .statuses
            .with_value(|statuses| {
                let rejected = self.rejected.get_value();
                self.keys.with_value(|keys| {
                    self.held.try_update_value(|held| {
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
            .keys
            .with_value(|keys| keys.values().filter(|entry| entry.space.is_none()).count());
        self.joining.set(joining);
    }

    /// Creates a council space, durable on this device before it returns, and starts
    /// sharing it through the relay. Returns the name as stored (trimmed).
    pub async fn create_council(self, name: &str, stamp: &Stamp) -> Result<String, Message> {
        let space = Space::create_council(SpaceId::from_random(random_id()), name, stamp)?;
        let name = space.name();
        self.create(space).await?;
        Ok(name)
    }

    /// Creates the network: the consultant's space with the annual wheel and the focus
    /// areas. Returns its id.
    pub async fn create_network(self, name: &str, stamp: &Stamp) -> Result<SpaceId, Message> {
        let id = SpaceId::from_random(random_id());
        self.create(Space::create_network(id, name, stamp)?).await?;
        Ok(id)
    }

    /// Creates a project group on `focus_area`, started by `council`; returns its id.
    pub async fn create_project_group(
        self,
        name: &str,
        focus_area: FocusAreaId,
        council: &CouncilRef,
        stamp: &Stamp,
    ) -> Result<SpaceId, Message> {
        let id = SpaceId::from_random(random_id());
        let space = Space::create_project_group(id, name, focus_area, council, stamp)?;
        self.create(space).await?;
        Ok(id)
    }

    /// Stores a space made on this device with fresh keys, and starts sharing it.
    async fn create(self, mut space: Space) -> Result<(), Message> {
        let store = self.store()?;
        let secret = SpaceSecret::from_random(random_bytes());
        let keys = secret.keys();
        let doc = keys.doc_id();
        let entry = KeyringEntry {
            share: Share::Edit(secret).to_fragment(),
            cursor: 0,
            epoch: 0,
            space: Some(space.id()),
            shared: Vec::new(),
            shared_at: 0,
        };
        let id = space.id();
        let snapshot = space.save();
        self.adopt(&store, space, doc, entry, &snapshot).await?;
        self.send(Event::AddSpace(
            Box::new(Capability::Write(Box::new(keys))),
            0,
            0,
        ));
        let outgoing = self
            .held
            .try_update_value(|held| {
                let h = held.get_mut(&id)?;
                Some(unshared(&mut h.space, &mut h.outbox))
            })
            .flatten()
            .unwrap_or_default();
        for out in outgoing {
            self.send(Event::Local(doc, out));
        }
        self.refresh();
        Ok(())
    }

    /// What merging group `absorbed` into group `survivor` would do, without doing it.
    pub fn preview_group_merge(
        self,
        survivor: SpaceId,
        absorbed: SpaceId,
    ) -> Result<GroupMergePreview, Message> {
        self.revision.track();
        self.held.with_value(|held| {
            let (Some(a), Some(b)) = (held.get(&survivor), held.get(&absorbed)) else {
                return Err(Message::plain("space-missing"));
            };
            Ok(landsbyplan_model::preview_group_merge(&a.space, &b.space)?)
        })
    }

    /// Merges group `absorbed` into group `survivor` (both held and writable here): both
    /// documents change, both are stored and shared.
    pub async fn merge_groups(
        self,
        survivor: SpaceId,
        absorbed: SpaceId,
        stamp: &Stamp,
    ) -> Result<GroupMergePreview, Message> {
        let store = self.store()?;
        if survivor == absorbed {
            return Err(Message::plain("error-merge-same-group"));
        }
        if !self.is_writable(survivor) || !self.is_writable(absorbed) {
            return Err(Message::plain("error-read-only"));
        }
        let merged = self
            .held
            .try_update_value(|held| {
                let [Some(a), Some(b)] = held.get_disjoint_mut([&survivor, &absorbed]) else {
                    return None;
                };
                let before = [a.space.heads(), b.space.heads()];
                Some(
                    landsbyplan_model::merge_groups(&mut a.space, &mut b.space, stamp).map(
                        |preview| {
                            let [before_a, before_b] = before;
                            let chunks = [
                                (survivor, local_change(a, &before_a), a.doc),
                                (absorbed, local_change(b, &before_b), b.doc),
                            ];
                            (preview, chunks)
                        },
                    ),
                )
            })
            .flatten()
            .ok_or_else(|| Message::plain("space-missing"))?;
        let (preview, chunks) = merged?;
        let keys: Vec<Vec<String>> = chunks
            .iter()
            .map(|(id, (chunk, _), _)| self.journal(*id, chunk))
            .collect();
        self.revision.update(|r| *r += 1);
        let mut stored = Ok(());
        for ((id, (chunk, outgoing), doc), keys) in chunks.into_iter().zip(keys) {
            if chunk.is_empty() {
                continue;
            }
            if let Err(err) = self.store_with_unstored(&store, id, chunk, keys).await {
                stored = Err(err);
            }
            if let Some(doc) = doc {
                for out in outgoing {
                    self.send(Event::Local(doc, out));
                }
            }
        }
        self.refresh();
        stored.map(|()| preview)
    }

    /// What opening `bytes` would do: the space it holds, and, if this device has that
    /// space already, what the file adds to it (`None`: the space is new here).
    pub fn preview_file(
        self,
        bytes: &[u8],
    ) -> Result<(SpaceId, String, Option<ImportPreview>), Message> {
        let space = Space::load(bytes).map_err(file_problem)?;
        let id = space.id();
        let preview = self
            .held
            .try_update_value(|held| held.get_mut(&id).map(|h| h.space.preview_import(bytes)))
            .flatten()
            .transpose()?;
        Ok((id, space.name(), preview))
    }

    /// The keys of space `id`, if this device may write it.
    fn space_keys(self, id: SpaceId) -> Option<landsbyplan_sync::SpaceKeys> {
        let doc = self
            .held
            .with_value(|held| held.get(&id).and_then(|h| h.doc))?;
        let share = self
            .keys
            .with_value(|keys| keys.get(&doc).map(|e| e.share.clone()))?;
        match Share::from_link(&share).ok()? {
            Share::Edit(secret) => Some(secret.keys()),
            Share::Read(_) => None,
        }
    }

    /// The address of space `id`'s calendar feed on the relay, and the headers that prove
    /// a request to publish `body` there (or, for `None`, to withdraw it) comes from a
    /// writer, now: the version is the time in milliseconds (or `at_least`, the version
    /// after the one a relay said it holds, if that is later), so a later request of any
    /// writer's device replaces an earlier one and none can be replayed. `None` if this
    /// device may not write the space.
    pub fn feed_request(
        self,
        id: SpaceId,
        body: Option<&[u8]>,
        at_least: u64,
    ) -> Option<(landsbyplan_sync::FeedId, [(&'static str, String); 3])> {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let keys = self.space_keys(id)?;
        let writer = keys.read().writer;
        let version = (js_sys::Date::now() as u64).max(at_least);
        let proof = match body {
            Some(body) => keys.prove_publish(version, body),
            None => keys.prove_withdraw(version),
        };
        Some((
            writer.feed_id(),
            [
                ("x-landsbyplan-writer", URL_SAFE_NO_PAD.encode(writer.0)),
                ("x-landsbyplan-version", version.to_string()),
                ("x-landsbyplan-proof", URL_SAFE_NO_PAD.encode(proof)),
            ],
        ))
    }

    /// The whole space as a file: an Automerge document any copy of the app can open.
    pub fn export_file(self, id: SpaceId) -> Option<Vec<u8>> {
        self.held
            .try_update_value(|held| held.get_mut(&id).map(|h| h.space.export()))
            .flatten()
    }

    /// Opens a space from a file: merged into this device's copy if it holds the space,
    /// else kept as a new space here (shared under keys of its own). Returns its id.
    pub async fn open_file(self, bytes: &[u8]) -> Result<SpaceId, Message> {
        let space = Space::load(bytes).map_err(file_problem)?;
        let id = space.id();
        let held = self.held.with_value(|held| held.contains_key(&id));
        if held {
            self.edit(id, |mine| mine.import(bytes)).await?;
        } else {
            self.create(space).await?;
        }
        Ok(id)
    }

    /// Renames a space; the change is durable on this device before it returns.
    pub async fn rename(self, id: SpaceId, name: &str, stamp: &Stamp) -> Result<(), Message> {
        self.edit(id, |space| space.rename(name, stamp)).await
    }

    /// Reads space `id` (`None` if this device does not hold it). Inside a reactive
    /// scope the reader runs again whenever any held space changes.
    pub fn read<T>(self, id: SpaceId, read: impl FnOnce(&Space) -> T) -> Option<T> {
        self.revision.track();
        self.held
            .with_value(|held| held.get(&id).map(|h| read(&h.space)))
    }

    /// Reads every held space, keeping what `read` returns (tracked like `read`).
    pub fn read_all<T>(self, mut read: impl FnMut(&Space) -> Option<T>) -> Vec<T> {
        self.revision.track();
        self.held
            .with_value(|held| held.values().filter_map(|h| read(&h.space)).collect())
    }

    /// The focus areas of the network, if this device holds it; empty otherwise.
    pub fn network_focus_areas(self) -> Vec<(FocusAreaId, String)> {
        self.read_all(|space| (space.kind() == SpaceKind::Network).then(|| space.focus_areas()))
            .into_iter()
            .next()
            .unwrap_or_default()
            .into_iter()
            .map(|area| (area.id, area.name))
            .collect()
    }

    /// Like [`Library::read`], for the reads that need the document mutably (history).
    pub fn read_mut<T>(self, id: SpaceId, read: impl FnOnce(&mut Space) -> T) -> Option<T> {
        self.revision.track();
        self.held
            .try_update_value(|held| held.get_mut(&id).map(|h| read(&mut h.space)))
            .flatten()
    }

    /// Edits space `id`: the edit shows at once, is durable on this device before this
    /// returns, and goes to the relay. If the device refuses to store it (full), the
    /// edit stays in this tab and is stored with the next edit or [`Library::retry`].
    pub async fn edit(
        self,
        id: SpaceId,
        edit: impl FnOnce(&mut Space) -> landsbyplan_model::Result<()>,
    ) -> Result<(), Message> {
        let store = self.store()?;
        if !self.is_writable(id) {
            return Err(Message::plain("error-read-only"));
        }
        let edited = self
            .held
            .try_update_value(|held| {
                let h = held.get_mut(&id)?;
                let before = h.space.heads();
                Some(edit(&mut h.space).map(|()| (local_change(h, &before), h.doc)))
            })
            .flatten();
        let Some(edited) = edited else {
            return Ok(());
        };
        let ((chunk, outgoing), doc) = edited?;
        // In the journal before it shows, so what a screen showed survives a tab closed
        // before IndexedDB commits.
        let keys = self.journal(id, &chunk);
        self.revision.update(|r| *r += 1);
        if chunk.is_empty() {
            return Ok(());
        }
        // Stored first, so the relay never confirms a change this device could still
        // lose; sent even if the device is full (it stays in memory meanwhile).
        let stored = self.store_with_unstored(&store, id, chunk, keys).await;
        if let Some(doc) = doc {
            for out in outgoing {
                self.send(Event::Local(doc, out));
            }
        }
        self.refresh();
        stored
    }

    /// Stores again what the device refused to store before (see [`Library::edit`]).
    pub async fn retry(self, id: SpaceId) -> Result<(), Message> {
        let store = self.store()?;
        let stored = self
            .store_with_unstored(&store, id, Vec::new(), Vec::new())
            .await;
        self.refresh();
        stored
    }

    /// Stores `chunk` after whatever earlier chunks the device refused, then removes
    /// the edit journal's entries of them (`keys`: those of `chunk`); on failure keeps
    /// them all in memory and in the journal for the next try.
    async fn store_with_unstored(
        self,
        store: &DocStore,
        id: SpaceId,
        chunk: Vec<u8>,
        keys: Vec<String>,
    ) -> Result<(), Message> {
        let Some((bytes, keys)) = self
            .held
            .try_update_value(|held| {
                let h = held.get_mut(&id)?;
                let mut bytes = std::mem::take(&mut h.unstored);
                bytes.extend_from_slice(&chunk);
                let mut journaled = std::mem::take(&mut h.journaled);
                journaled.extend(keys);
                Some((bytes, journaled))
            })
            .flatten()
        else {
            return Ok(());
        };
        let journal = self.journal.with_value(Clone::clone);
        let forget = |keys: &[String]| {
            if let Some(journal) = &journal {
                journal.remove(keys);
            }
        };
        if bytes.is_empty() {
            forget(&keys);
            return Ok(());
        }
        match self.store_chunk(store, id, &bytes).await {
            Ok(()) => {
                forget(&keys);
                Ok(())
            }
            Err(err) => {
                self.held.update_value(|held| {
                    if let Some(h) = held.get_mut(&id) {
                        // Automerge skips changes it already has, so a chunk that was
                        // stored after all and is stored again does no harm.
                        let mut kept = bytes;
                        kept.extend_from_slice(&h.unstored);
                        h.unstored = kept;
                        let mut journaled = keys;
                        journaled.append(&mut h.journaled);
                        h.journaled = journaled;
                    }
                });
                Err(err)
            }
        }
    }

    /// Whether this device may change space `id`: not when it joined by a read-only link
    /// (the relay would refuse the changes, and the others would never see them).
    pub fn is_writable(self, id: SpaceId) -> bool {
        let doc = self
            .held
            .with_value(|held| held.get(&id).and_then(|h| h.doc));
        doc.is_none_or(|doc| {
            self.keys.with_value(|keys| {
                keys.get(&doc)
                    .is_none_or(|entry| !entry.share.starts_with("read="))
            })
        })
    }

    /// Whether space `id` holds edits the device has not stored yet.
    pub fn has_unstored(self, id: SpaceId) -> bool {
        self.revision.track();
        self.held
            .with_value(|held| held.get(&id).is_some_and(|h| !h.unstored.is_empty()))
    }

    /// Changes of a synced space from another device: merged, then stored as a chunk. The
    /// first data of a space joined from a link creates it here. Says whether they are
    /// stored on the device (with any refused before), and what received changes still
    /// wait for.
    pub async fn apply_remote(self, doc: DocId, changes: &[u8]) -> Received {
        let was = self.where_it_stands(doc);
        let (stored, set_aside) = match self.try_apply_remote(doc, changes).await {
            Ok(()) => (true, false),
            Err(Failed::NotStored(err)) => {
                leptos::logging::warn!("changes for {doc} were not stored: {}", err.key);
                (false, false)
            }
            Err(Failed::SetAside(err)) => {
                leptos::logging::warn!("changes for {doc} do not apply, set aside: {}", err.key);
                (true, true)
            }
        };
        self.refresh();
        let now = self.where_it_stands(doc);
        let nothing_new = !set_aside && was.is_some() && was == now;
        let (have, missing) = now.unwrap_or_default();
        Received {
            stored,
            set_aside,
            nothing_new,
            have,
            missing,
        }
    }

    /// The heads of the space synced as `doc`, and the changes received changes wait for.
    fn where_it_stands(self, doc: DocId) -> Option<(Vec<Hash>, Vec<Hash>)> {
        let id = self.held_of(doc)?;
        self.held
            .try_update_value(|held| {
                let h = held.get_mut(&id)?;
                Some((hashes(&h.space.heads()), hashes(&h.space.missing())))
            })
            .flatten()
    }

    fn held_of(self, doc: DocId) -> Option<SpaceId> {
        self.keys
            .with_value(|keys| keys.get(&doc).and_then(|e| e.space))
    }

    async fn try_apply_remote(self, doc: DocId, changes: &[u8]) -> Result<(), Failed> {
        let store = self.store()?;
        let known = self.keys.with_value(|keys| keys.get(&doc).map(|e| e.space));
        match known {
            None => Ok(()),
            Some(Some(id)) => {
                let applied = self
                    .held
                    .try_update_value(|held| {
                        let h = held.get_mut(&id)?;
                        let before = hashes(&h.space.heads());
                        Some(h.space.apply_changes(changes).map(|()| {
                            let mut chunk = h.space.save_incremental();
                            if h.space.has_missing() {
                                // Changes waiting for others are not in the incremental
                                // save: keep them as they came, or a restart loses them.
                                chunk.extend_from_slice(changes);
                            }
                            let shared = h.outbox.received(before, hashes(&h.space.heads()));
                            (chunk, shared)
                        }))
                    })
                    .flatten();
                // A space in the keyring that could not be read at start takes nothing:
                // the cursor stays, so what came is read again once the space loads.
                let Some(applied) = applied else {
                    return Err(Failed::NotStored(Message::with_reason(
                        "error-damaged-space",
                        "it could not be read at start".into(),
                    )));
                };
                let (chunk, shared) = applied.map_err(|err| Failed::SetAside(err.into()))?;
                if !chunk.is_empty() {
                    self.revision.update(|r| *r += 1);
                    self.store_with_unstored(&store, id, chunk, Vec::new())
                        .await?;
                }
                if let Some(shared) = shared {
                    self.set_shared(doc, shared).await;
                }
                Ok(())
            }
            Some(None) => {
                let mut space = Space::load(changes).map_err(|err| Failed::SetAside(err.into()))?;
                let id = space.id();
                if let Some(name) = self
                    .held
                    .try_update_value(|held| held.get_mut(&id).map(|h| h.space.name()))
                    .flatten()
                {
                    // Another document with the id of a space held here (a forged link,
                    // or a copy someone shares under keys of their own): it never
                    // replaces the held one. The link is forgotten and the person told.
                    store
                        .delete_key(&doc.to_string())
                        .await
                        .map_err(|err| Failed::NotStored(err.into()))?;
                    self.keys.update_value(|keys| {
                        keys.remove(&doc);
                    });
                    self.send(Event::Forget(doc));
                    self.refused.update(|refused| {
                        refused.push(Message {
                            key: "error-link-other-copy",
                            args: vec![("name", name)],
                        })
                    });
                    self.refresh();
                    return Ok(());
                }
                let mut entry = self
                    .keys
                    .with_value(|keys| keys.get(&doc).cloned())
                    .ok_or_else(|| Message::plain("error-storage-unavailable"))?;
                entry.space = Some(id);
                // All of it came from the relay: everything from here is shared.
                entry.shared = hashes(&space.heads());
                entry.shared_at = js_sys::Date::now() as u64;
                let snapshot = space.save();
                self.adopt(&store, space, doc, entry, &snapshot).await?;
                Ok(())
            }
        }
    }

    /// The relay confirmed this device's local changes of `doc` through the one made at
    /// `heads`: remember what it holds.
    pub async fn confirmed(self, doc: DocId, heads: Vec<Hash>) {
        let shared = self.held_of(doc).and_then(|id| {
            self.held
                .try_update_value(|held| {
                    let h = held.get_mut(&id)?;
                    let current = hashes(&h.space.heads());
                    h.outbox.confirmed(heads, current)
                })
                .flatten()
        });
        if let Some(shared) = shared {
            self.set_shared(doc, shared).await;
        }
    }

    /// The spaces whose received changes wait for changes this device never got: each
    /// with its heads and what is missing (read from the documents, so it holds after a
    /// reload as well as within one).
    pub fn waiting(self) -> Vec<(DocId, Vec<Hash>, Vec<Hash>)> {
        self.held
            .try_update_value(|held| {
                held.values_mut()
                    .filter_map(|h| h.space.has_missing().then_some(h))
                    .filter_map(|h| {
                        Some((h.doc?, hashes(&h.space.heads()), hashes(&h.space.missing())))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Another device lacks changes `missing`: if this one holds any of them, everything
    /// after that device's heads `have`, to send again.
    pub fn repair(self, doc: DocId, have: &[Hash], missing: &[Hash]) -> Vec<(Vec<u8>, usize)> {
        let Some(id) = self.held_of(doc) else {
            return Vec::new();
        };
        self.held
            .try_update_value(|held| {
                let h = held.get_mut(&id)?;
                let held_any = missing.iter().any(|m| h.space.has_change(&ChangeHash(*m)));
                Some(if held_any {
                    h.space
                        .change_bundles(&change_hashes(have), MAX_ENTRY_BYTES)
                } else {
                    Vec::new()
                })
            })
            .flatten()
            .unwrap_or_default()
    }

    /// The relay lost what it held of `doc`: nothing is known to be shared, and the whole
    /// space goes out again.
    pub async fn lost(self, doc: DocId) -> Vec<Outgoing> {
        let Some(id) = self.held_of(doc) else {
            return Vec::new();
        };
        let outgoing = self
            .held
            .try_update_value(|held| {
                let h = held.get_mut(&id)?;
                h.outbox.forget();
                Some(unshared(&mut h.space, &mut h.outbox))
            })
            .flatten()
            .unwrap_or_default();
        self.set_shared(doc, Vec::new()).await;
        outgoing
    }

    async fn set_shared(self, doc: DocId, shared: Vec<Hash>) {
        let entry = self.keys.try_update_value(|keys| {
            let entry = keys.get_mut(&doc)?;
            entry.shared = shared;
            entry.shared_at = js_sys::Date::now() as u64;
            Some(entry.clone())
        });
        if let (Some(Some(entry)), Ok(store)) = (entry, self.store())
            && let Err(err) = store.put_key(&doc.to_string(), &entry).await
        {
            leptos::logging::warn!("what the relay holds of {doc} was not stored: {err}");
        }
        self.refresh();
    }

    /// Stores a chunk of a space, and when enough have piled up replaces the ones this
    /// tab holds with one snapshot.
    async fn store_chunk(self, store: &DocStore, id: SpaceId, chunk: &[u8]) -> Result<(), Message> {
        let seq = store.append(id, chunk).await?;
        let snapshot = self
            .held
            .try_update_value(|held| {
                let h = held.get_mut(&id)?;
                h.chunks.push(seq);
                h.since_snapshot += 1;
                // A snapshot would drop received changes that wait for others.
                (h.since_snapshot >= COMPACT_AFTER_CHUNKS && !h.space.has_missing()).then(|| {
                    h.since_snapshot = 0;
                    // Every change is in a stored chunk by now, so the snapshot holds
                    // nothing that is not already durable.
                    (h.space.save(), h.chunks.clone())
                })
            })
            .flatten();
        if let Some((snapshot, covered)) = snapshot {
            match store.compact(id, &snapshot, &covered).await {
                Ok(seq) => self.held.update_value(|held| {
                    if let Some(h) = held.get_mut(&id) {
                        h.chunks.retain(|c| !covered.contains(c));
                        h.chunks.push(seq);
                    }
                }),
                Err(err) => {
                    // The chunk is stored; only tidying up failed. Try again with the
                    // next chunk.
                    leptos::logging::warn!("compacting {id} failed: {err}");
                    self.held.update_value(|held| {
                        if let Some(h) = held.get_mut(&id) {
                            h.since_snapshot = COMPACT_AFTER_CHUNKS - 1;
                        }
                    });
                }
            }
        }
        Ok(())
    }

    /// Stores a space new to this device (its snapshot and keyring entry in one
    /// transaction), then holds it.
    async fn adopt(
        self,
        store: &DocStore,
        space: Space,
        doc: DocId,
        entry: KeyringEntry,
        snapshot: &[u8],
    ) -> Result<(), Message> {
        let id = space.id();
        store
            .create(id, space.kind(), snapshot, Some((&doc.to_string(), &entry)))
            .await?;
        self.held.update_value(|held| {
            held.insert(
                id,
                Held {
                    space,
                    chunks: vec![0],
                    since_snapshot: 0,
                    doc: Some(doc),
                    unstored: Vec::new(),
                    journaled: Vec::new(),
                    outbox: Outbox::new(entry.shared.clone()),
                },
            );
        });
        self.keys.update_value(|keys| {
            keys.insert(doc, entry);
        });
        self.revision.update(|r| *r += 1);
        Ok(())
    }

    /// Remembers how far the relay's log of `doc` (in the relay store's `epoch`) is
    /// stored here.
    pub async fn set_cursor(self, doc: DocId, seq: u64, epoch: u64) {
        let entry = self.keys.try_update_value(|keys| {
            let entry = keys.get_mut(&doc)?;
            if (entry.cursor, entry.epoch) == (seq, epoch) {
                return None;
            }
            entry.cursor = seq;
            entry.epoch = epoch;
            Some(entry.clone())
        });
        if let (Some(Some(entry)), Ok(store)) = (entry, self.store())
            && let Err(err) = store.put_key(&doc.to_string(), &entry).await
        {
            leptos::logging::warn!("the sync cursor of {doc} was not stored: {err}");
        }
    }

    /// The whole document of a synced space, for a snapshot.
    pub fn export(self, doc: DocId) -> Option<Vec<u8>> {
        let id = self
            .keys
            .with_value(|keys| keys.get(&doc).and_then(|e| e.space))?;
        self.held
            .try_update_value(|held| held.get_mut(&id).map(|h| h.space.export()))
            .flatten()
    }

    /// Shows a space's new sync status.
    pub fn set_status(self, doc: DocId, status: SyncStatus) {
        self.statuses.update_value(|statuses| {
            statuses.insert(doc, status);
        });
        self.refresh();
    }

    /// `count` things the relay sent for `doc` have been refused so far.
    pub fn set_rejected(self, doc: DocId, count: u64) {
        self.rejected.update_value(|rejected| {
            rejected.insert(doc, count);
        });
        self.refresh();
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
    let outgoing = if h.doc.is_some() {
        changes_since(&mut h.space, &mut h.outbox, before)
    } else {
        Vec::new()
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

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The browser's crypto.getRandomValues; without it nothing in the app would work.
    getrandom::fill(&mut bytes).expect("the platform offers a random source");
    bytes
}
