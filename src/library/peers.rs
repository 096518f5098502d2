//! What comes from a peer: another device of a space syncing with this one over a direct
//! channel (issue 14). Its changes pass the same checks as the relay's, show at once, are
//! stored on the device, and go on to the relay as this device's own would: whoever of
//! the two reaches the relay first brings them (until the relay confirms them they stay
//! owed, also across a restart, as the space's heads then differ from its shared heads).

use landsbyplan_model::PeerSync;

use super::*;

impl Library {
    /// The next message for a peer syncing space `id` through `sync`; `None` while the
    /// last is unanswered, or the peer has everything.
    pub fn peer_message(self, id: SpaceId, sync: &mut PeerSync) -> Option<Vec<u8>> {
        self.held
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
            .held
            .try_update_value(|held| {
                let h = held.get_mut(&id)?;
                let before = h.space.heads();
                Some(sync.receive(&mut h.space, message).map(|received| {
                    if !received.applied {
                        return None;
                    }
                    let chunk = h.space.save_incremental();
                    let outgoing = if h.doc.is_some() {
                        changes_since(&mut h.space, &mut h.outbox, &before)
                    } else {
                        Vec::new()
                    };
                    Some((chunk, outgoing, h.doc))
                }))
            })
            .flatten()
            .ok_or_else(|| Message::plain("error-storage-unavailable"))?
            .map_err(Message::from)?;
        let Some((chunk, outgoing, doc)) = taken else {
            return Ok(false);
        };
        self.revision.update(|r| *r += 1);
        if !chunk.is_empty() {
            self.store_with_unstored(&store, id, chunk, Vec::new())
                .await?;
        }
        if let Some(doc) = doc {
            for out in outgoing {
                self.send(Event::Local(doc, out));
            }
        }
        self.refresh();
        Ok(true)
    }
}
