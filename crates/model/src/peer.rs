//! Sync of one space straight between two devices (issue 14: phones in a room, over a
//! WebRTC data channel), with Automerge's sync protocol: each side says what it has
//! (its heads and a Bloom filter of its changes since the last sync) and sends only the
//! changes the other lacks.
//!
//! A peer is a stranger until what it sends checks out: the changes in its messages pass
//! the same checks as changes from the relay ([`Space::apply_changes`]: bounded, of this
//! space) before any is applied, and a peer that did not prove it may write has its
//! changes refused (it still gets ours, as a read-only share gets them from the relay).

use automerge::sync::{Message, State, SyncDoc};

use crate::{Error, Result, Space};

/// One device's side of the sync of one space with one other device.
#[derive(Debug)]
pub struct PeerSync {
    state: State,
}

/// What a message from the peer did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// Changes were applied: the space changed (or holds changes waiting for others).
    pub applied: bool,
    /// The message carried changes from a peer that may not write; none was applied.
    pub refused: bool,
}

impl PeerSync {
    /// A session with a device that proved it may write (`they_may_write`: its changes
    /// are taken) or only read (its changes are refused).
    pub fn new(they_may_write: bool) -> Self {
        Self {
            state: if they_may_write {
                State::new()
            } else {
                State::new_read_only()
            },
        }
    }

    /// The next message for the peer; `None` while the last one is unanswered or the
    /// peer has everything this device has. Call it after every received message and
    /// every local change.
    pub fn next_message(&mut self, space: &mut Space) -> Option<Vec<u8>> {
        let mut message = space.doc.sync().generate_sync_message(&mut self.state)?;
        // Automerge asks the peer for what its own queue waits for; received changes wait
        // in the space instead, so it would ask only for the peer's heads, which the peer
        // has sent (and does not send again in this session). The peer leaves a change out
        // when our summary seems to hold it (a Bloom filter's false positive, about one
        // change in 120, and only a change none of whose dependencies is sent): the
        // changes after it then wait here for good, and the two would go on trading the
        // same messages. So we ask by name for what lies on the way to the peer's heads,
        // and, as Automerge does while it needs more than those heads, leave our summary
        // out (the peer then sends only what we name).
        if !self.state.read_only
            && let Some(their_heads) = &self.state.their_heads
        {
            let need = space.missing_toward(their_heads);
            if need != message.need {
                if !need.iter().all(|hash| their_heads.contains(hash)) {
                    message.have.clear();
                }
                message.need = need;
            }
        }
        Some(message.encode())
    }

    /// Takes in a message from the peer. A message that does not decode, or whose
    /// changes fail the checks, is refused whole and leaves the space and the session
    /// as they were (the caller should close the channel: the peer is broken or
    /// hostile).
    pub fn receive(&mut self, space: &mut Space, bytes: &[u8]) -> Result<Received> {
        let mut message = Message::decode(bytes).map_err(|_| Error::PeerMessage)?;
        let mut received = Received::default();
        if !message.changes.is_empty() {
            if self.state.read_only {
                // Automerge leaves them unapplied for a read-only session.
                received.refused = true;
            } else {
                let joined: Vec<u8> = message.changes.iter().flatten().copied().collect();
                let before = space.heads();
                space.apply_changes(&joined)?;
                received.applied = true;
                // As Automerge does when it applies a message's changes itself: what came
                // in is shared now, and so are the shared heads still current.
                let after = space.heads();
                let mut shared: Vec<_> = after
                    .iter()
                    .filter(|head| !before.contains(head) || self.state.shared_heads.contains(head))
                    .copied()
                    .collect();
                shared.sort();
                self.state.shared_heads = shared;
            }
        }
        // The message updates the session (their heads, what they need and have); its
        // changes were taken above, so Automerge finds nothing new in them, unless some
        // wait (held by the space): those it would queue, and later apply unchecked, so
        // then it is left only the changes the document holds, which it skips.
        if !self.state.read_only && space.has_missing() {
            let held: Vec<Vec<u8>> = message
                .changes
                .iter()
                .filter(|chunk| {
                    automerge::Change::try_from(*chunk)
                        .is_ok_and(|change| space.has_change(&change.hash()))
                })
                .map(<[u8]>::to_vec)
                .collect();
            message.changes = held.into();
        }
        space
            .doc
            .sync()
            .receive_sync_message(&mut self.state, message)
            .map_err(|_| Error::PeerMessage)?;
        Ok(received)
    }
}
