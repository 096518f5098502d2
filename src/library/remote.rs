//! What comes from others: changes received through sync, what they confirm, and what
//! the sync task asks of the library.

use super::*;

impl Library {
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
    pub(super) fn where_it_stands(self, doc: DocId) -> Option<(Vec<Hash>, Vec<Hash>)> {
        let id = self.held_of(doc)?;
        self.parts()
            .held
            .try_update_value(|held| {
                let h = held.get_mut(&id)?;
                Some((hashes(&h.space.heads()), hashes(&h.space.missing())))
            })
            .flatten()
    }

    pub(super) fn held_of(self, doc: DocId) -> Option<SpaceId> {
        self.parts()
            .keys
            .with_value(|keys| keys.get(&doc).and_then(|e| e.space))
    }

    pub(super) async fn try_apply_remote(self, doc: DocId, changes: &[u8]) -> Result<(), Failed> {
        let store = self.store()?;
        let known = self
            .parts()
            .keys
            .with_value(|keys| keys.get(&doc).map(|e| e.space));
        match known {
            None => Ok(()),
            Some(Some(id)) => {
                let applied = self
                    .parts()
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
                            let after = hashes(&h.space.heads());
                            let mut was = before.clone();
                            was.sort_unstable();
                            let shared = if was == h.outbox.shared() {
                                h.outbox.received(before, after)
                            } else {
                                // Something was not known to be on the relay (from a
                                // peer, say): it may be in what the relay sent now.
                                let held = hashes(&Space::hashes_in(changes));
                                h.outbox.held_by_relay(&held, after)
                            };
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
                    .parts()
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
                    self.parts().keys.update_value(|keys| {
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
                    .parts()
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
            self.parts()
                .held
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
        self.parts()
            .held
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
        self.parts()
            .held
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
            .parts()
            .held
            .try_update_value(|held| {
                let h = held.get_mut(&id)?;
                h.outbox.forget();
                Some(unshared(h))
            })
            .flatten()
            .unwrap_or_default();
        self.set_shared(doc, Vec::new()).await;
        outgoing
    }

    /// Stores a space new to this device (its snapshot and keyring entry in one
    /// transaction), then holds it.
    pub(super) async fn adopt(
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
        self.parts().held.update_value(|held| {
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
                    owed: false,
                },
            );
        });
        self.parts().keys.update_value(|keys| {
            keys.insert(doc, entry);
        });
        self.revision.update(|r| *r += 1);
        Ok(())
    }

    /// The whole document of a synced space, for a snapshot.
    pub fn export(self, doc: DocId) -> Option<Vec<u8>> {
        let id = self
            .parts()
            .keys
            .with_value(|keys| keys.get(&doc).and_then(|e| e.space))?;
        self.parts()
            .held
            .try_update_value(|held| held.get_mut(&id).map(|h| h.space.export()))
            .flatten()
    }

    /// Shows a space's new sync status.
    pub fn set_status(self, doc: DocId, status: SyncStatus) {
        self.parts().statuses.update_value(|statuses| {
            statuses.insert(doc, status);
        });
        self.refresh();
    }

    /// `count` things the relay sent for `doc` have been refused so far.
    pub fn set_rejected(self, doc: DocId, count: u64) {
        self.parts().rejected.update_value(|rejected| {
            rejected.insert(doc, count);
        });
        self.refresh();
    }
}
