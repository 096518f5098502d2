//! What comes from a peer: another device of a space syncing with this one over a direct
//! channel (issue 14). Its changes pass the same checks as the relay's, show at once, are
//! stored on the device, and go on to the relay unless it has them by then: the sync
//! task passes them on a few seconds after they came, or after this device reaches the
//! relay ([`Library::pass_on`]); the peer that made them, if it reaches the relay, has
//! usually brought them before (the relay then sends them here, and they count as
//! shared), so they are not sent twice. Until the relay holds them they stay owed, also
//! across a restart, as the space's heads then differ from its shared heads.

use landsbyplan_model::PeerSync;

use super::*;

impl Library {
    /// The next message for a peer syncing space `id` through `sync`; `None` while the
    /// last is unanswered, or the peer has everything.
    pub fn peer_message(self, id: SpaceId, sync: &mut PeerSync) -> Option<Vec<u8>> {
        self.parts()
            .held
            .try_update_value(|held| {
                held.get_mut(&id)
                    .and_then(|h| sync.next_message(&mut h.space))
            })
            .flatten()
    }

    /// Takes a peer's `message` about space `id`. Returns whether it changed the space;
    /// a message that fails the checks changes nothing and is an error (the channel
    /// should close).
    pub async fn peer_received(
        self,
        id: SpaceId,
        sync: &mut PeerSync,
        message: &[u8],
    ) -> Result<bool, Message> {
        let store = self.store()?;
        let taken = self
            .parts()
            .held
            .try_update_value(|held| {
                let h = held.get_mut(&id)?;
                Some(sync.receive(&mut h.space, message).map(|received| {
                    if !received.applied {
                        return None;
                    }
                    // Owed to the relay until it is known to hold it: the next local
                    // edit sends it along (a confirmed edit that builds on it would
                    // otherwise count it as shared), and so does `pass_on`.
                    h.owed = h.doc.is_some();
                    Some((h.space.save_incremental(), h.doc))
                }))
            })
            .flatten()
            .ok_or_else(|| Message::plain("error-storage-unavailable"))?
            .map_err(Message::from)?;
        let Some((chunk, doc)) = taken else {
            return Ok(false);
        };
        self.revision.update(|r| *r += 1);
        if !chunk.is_empty() {
            self.store_with_unstored(&store, id, chunk, Vec::new())
                .await?;
        }
        if let Some(doc) = doc {
            self.send(Event::FromPeer(doc));
        }
        self.refresh();
        Ok(true)
    }

    /// Hands sync what space `doc` holds beyond what the relay is known to hold
    /// (changes from peers that the relay has not sent back).
    pub fn pass_on(self, doc: DocId) {
        let Some(id) = self.held_of(doc) else {
            return;
        };
        let outgoing = self
            .parts()
            .held
            .try_update_value(|held| held.get_mut(&id).map(unshared))
            .flatten()
            .unwrap_or_default();
        for out in outgoing {
            self.send(Event::Local(doc, out));
        }
    }
}
