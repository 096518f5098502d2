//! The store on the device: loading what IndexedDB and the edit journal hold at start,
//! and keeping every change there (chunks, cursors, shared heads).

use super::*;
use std::time::Duration;

impl Library {
    pub(super) async fn load(
        self,
        database: &str,
        link: Option<String>,
    ) -> Result<(), StorageError> {
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
        self.parts().held.update_value(|held| {
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
                                owed: false,
                            },
                        );
                    }
                    Err(err) => damaged.push(Message::from(err)),
                }
            }
        });
        let store = Rc::new(store);
        self.parts().store.set_value(Some(store.clone()));
        self.damaged.set(damaged);
        let journal = Journal::new(database);
        self.parts().journal.set_value(Some(journal.clone()));
        self.replay(&store, &journal).await;
        let driver = Driver::start(self);
        let mut owing = Vec::new();
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
            // an offline reload, a crash or a closed tab are never stranded. Finding and
            // sealing it can take a tenth of a second in a large space, so it waits until
            // the first screen is drawn (`send_owed`), unless an edit comes first.
            let owes = entry.space.filter(|_| writable).is_some_and(|id| {
                self.parts()
                    .held
                    .try_update_value(|held| {
                        held.get_mut(&id).is_some_and(|h| {
                            let mut heads = hashes(&h.space.heads());
                            heads.sort_unstable();
                            h.owed = heads != h.outbox.shared();
                            h.owed
                        })
                    })
                    .unwrap_or(false)
            });
            if owes {
                owing.push((*doc, entry.space, entry.shared_at));
            } else if entry.shared_at > 0 {
                // Nothing is owed: everything was on the relay at the last contact,
                // which the status can say even while offline.
                driver.send(Event::SharedBefore(*doc, entry.shared_at));
            }
        }
        self.parts().driver.set_value(Some(driver));
        self.parts().keys.set_value(keyring);
        self.revision.update(|r| *r += 1);
        self.refresh();
        if !owing.is_empty() {
            // After the first frame, or a tenth of a second in a tab in the background
            // (which draws no frames); whichever comes second finds nothing left owed.
            let after_frame = owing.clone();
            request_animation_frame(move || {
                set_timeout(move || self.send_owed(after_frame), Duration::ZERO);
            });
            set_timeout(move || self.send_owed(owing), Duration::from_millis(100));
        }
        if let Some(link) = link
            && let Err(err) = self.join(&link).await
        {
            leptos::logging::warn!("the share link in the address was not joined: {}", err.key);
        }
        Ok(())
    }

    /// Hands sync what each space of `owing` owed the relay at start, unless an edit (or
    /// the relay's loss) sent it already.
    fn send_owed(self, owing: Vec<(DocId, Option<SpaceId>, u64)>) {
        for (doc, id, shared_at) in owing {
            let outgoing = self
                .parts()
                .held
                .try_update_value(|held| {
                    let h = held.get_mut(&id?)?;
                    h.owed.then(|| unshared(h))
                })
                .flatten();
            match outgoing {
                Some(outgoing) if outgoing.is_empty() && shared_at > 0 => {
                    self.send(Event::SharedBefore(doc, shared_at));
                }
                Some(outgoing) => {
                    for out in outgoing {
                        self.send(Event::Local(doc, out));
                    }
                }
                None => {}
            }
        }
    }

    /// Merges what the edit journal holds of edits IndexedDB missed (the tab closed
    /// before it committed them) into their spaces, and stores them.
    pub(super) async fn replay(self, store: &DocStore, journal: &Journal) {
        // Per space: the entries' keys and changes.
        let mut found: HashMap<SpaceId, (Vec<String>, Vec<u8>)> = HashMap::new();
        for left in journal.leftovers() {
            let merged = self
                .parts()
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
                .parts()
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
    pub(super) fn journal(self, id: SpaceId, chunk: &[u8]) -> Vec<String> {
        if chunk.is_empty() {
            return Vec::new();
        }
        self.parts()
            .journal
            .with_value(|journal| journal.as_ref().and_then(|j| j.write(id, chunk)))
            .into_iter()
            .collect()
    }

    pub(super) fn store(self) -> Result<Rc<DocStore>, Message> {
        self.parts()
            .store
            .get_value()
            .ok_or_else(|| Message::plain("error-storage-unavailable"))
    }

    /// Stores `chunk` after whatever earlier chunks the device refused, then removes
    /// the edit journal's entries of them (`keys`: those of `chunk`); on failure keeps
    /// them all in memory and in the journal for the next try.
    pub(super) async fn store_with_unstored(
        self,
        store: &DocStore,
        id: SpaceId,
        chunk: Vec<u8>,
        keys: Vec<String>,
    ) -> Result<(), Message> {
        let Some((bytes, keys)) = self
            .parts()
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
        let journal = self.parts().journal.with_value(Clone::clone);
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
                self.parts().held.update_value(|held| {
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

    /// Stores a chunk of a space, and when enough have piled up replaces the ones this
    /// tab holds with one snapshot.
    pub(super) async fn store_chunk(
        self,
        store: &DocStore,
        id: SpaceId,
        chunk: &[u8],
    ) -> Result<(), Message> {
        let seq = store.append(id, chunk).await?;
        let snapshot = self
            .parts()
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
                Ok(seq) => self.parts().held.update_value(|held| {
                    if let Some(h) = held.get_mut(&id) {
                        h.chunks.retain(|c| !covered.contains(c));
                        h.chunks.push(seq);
                    }
                }),
                Err(err) => {
                    // The chunk is stored; only tidying up failed. Try again with the
                    // next chunk.
                    leptos::logging::warn!("compacting {id} failed: {err}");
                    self.parts().held.update_value(|held| {
                        if let Some(h) = held.get_mut(&id) {
                            h.since_snapshot = COMPACT_AFTER_CHUNKS - 1;
                        }
                    });
                }
            }
        }
        Ok(())
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

    /// Remembers how far the relay's log of `doc` (in the relay store's `epoch`) is
    /// stored here.
    pub async fn set_cursor(self, doc: DocId, seq: u64, epoch: u64) {
        let entry = self.parts().keys.try_update_value(|keys| {
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

    pub(super) async fn set_shared(self, doc: DocId, shared: Vec<Hash>) {
        let entry = self.parts().keys.try_update_value(|keys| {
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
}
