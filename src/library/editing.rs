//! The editing API the screens call: making spaces, joining by link, editing, merging
//! groups, and files in and out.

use super::*;

impl Library {
    /// Joins the space a share link gives access to: its keys go into the keyring, and
    /// the space arrives from the relay (shown as joining until then). A space already
    /// held is left as it is.
    pub async fn join(self, link: &str) -> Result<(), Message> {
        let share =
            Share::from_link(link.trim()).map_err(|_| Message::plain("error-share-link"))?;
        let store = self.store()?;
        let doc = share.read_capability().doc_id();
        let held = self.parts().keys.with_value(|keys| keys.get(&doc).cloned());
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
        self.parts().keys.update_value(|keys| {
            keys.insert(doc, entry);
        });
        self.send(Event::AddSpace(Box::new(capability(share)), cursor, epoch));
        self.revision.update(|r| *r += 1);
        self.refresh();
        Ok(())
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
    pub(super) async fn create(self, mut space: Space) -> Result<(), Message> {
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
            .parts()
            .held
            .try_update_value(|held| {
                let h = held.get_mut(&id)?;
                Some(unshared(h))
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
        self.parts().held.with_value(|held| {
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
            .parts()
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
            .parts()
            .held
            .try_update_value(|held| held.get_mut(&id).map(|h| h.space.preview_import(bytes)))
            .flatten()
            .transpose()?;
        Ok((id, space.name(), preview))
    }

    /// The keys of space `id`, if this device may write it.
    pub(super) fn space_keys(self, id: SpaceId) -> Option<landsbyplan_sync::SpaceKeys> {
        let doc = self
            .parts()
            .held
            .with_value(|held| held.get(&id).and_then(|h| h.doc))?;
        let share = self
            .parts()
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
        self.parts()
            .held
            .try_update_value(|held| held.get_mut(&id).map(|h| h.space.export()))
            .flatten()
    }

    /// Opens a space from a file: merged into this device's copy if it holds the space,
    /// else kept as a new space here (shared under keys of its own). Returns its id.
    pub async fn open_file(self, bytes: &[u8]) -> Result<SpaceId, Message> {
        let space = Space::load(bytes).map_err(file_problem)?;
        let id = space.id();
        let held = self.parts().held.with_value(|held| held.contains_key(&id));
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
            .parts()
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
}
