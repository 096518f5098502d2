//! The device's side of sync, as a state machine: events in (connected, a frame, local
//! changes, time), effects out (send this, apply that, connect now). The app drives it
//! over the browser's WebSocket; tests drive whole networks of it natively.
//!
//! What it guarantees: every local change is sealed, signed and kept until the relay has
//! it (it comes back as an entry: the relay forwards every entry to every subscriber,
//! the sender included); after any disconnect it resubscribes from its cursor and sends
//! again whatever is not confirmed, and the relay stores a resent entry only once;
//! entries at or below the cursor are ignored, so duplicates change nothing.

use std::collections::{BTreeMap, HashSet};

use sha2::{Digest, Sha256};

use crate::{ClientFrame, DocId, ErrorCode, ReadCapability, RelayFrame, SpaceKeys};

/// Milliseconds on the caller's clock.
pub type Millis = u64;

/// Ask the app for a snapshot after this many entries without one.
pub const SNAPSHOT_EVERY: u32 = 200;
const FIRST_RETRY: Millis = 500;
const LAST_RETRY: Millis = 30_000;
const RESEND_AFTER_REFUSAL: Millis = 1_000;

/// What this device may do with a space.
#[derive(Clone, Debug)]
pub enum Capability {
    /// Read and write.
    Write(Box<SpaceKeys>),
    /// Read only.
    Read(ReadCapability),
}

impl Capability {
    /// The space's document id.
    pub fn doc_id(&self) -> DocId {
        self.read().doc_id()
    }

    /// What decrypts the space.
    pub fn read(&self) -> &ReadCapability {
        match self {
            Self::Write(keys) => keys.read(),
            Self::Read(read) => read,
        }
    }
}

/// Where a space stands with the relay, for the app to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncStatus {
    /// Saved on this device; no relay has been reached yet.
    Local,
    /// `unsent` changes wait for the relay.
    Waiting {
        /// Changes the relay has not confirmed.
        unsent: usize,
    },
    /// The relay has every change of this device, as of `at`.
    Synced {
        /// The last contact with the relay.
        at: Millis,
    },
    /// The relay refused this space's changes (a read-only share, or a change too large).
    Refused(ErrorCode),
}

/// What the caller must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Open a connection to the relay now.
    Connect,
    /// Send these bytes (an encoded [`ClientFrame`]) on the open connection.
    Send(Vec<u8>),
    /// Apply these changes (decrypted; Automerge bytes) to the space's document.
    Apply {
        /// The space.
        doc: DocId,
        /// Changes or a whole saved document.
        changes: Vec<u8>,
    },
    /// Everything through entry `seq` is applied: remember it for the next start.
    Cursor {
        /// The space.
        doc: DocId,
        /// The cursor.
        seq: u64,
    },
    /// Call [`Client::snapshot`] with the whole document, so the relay can compact.
    WantSnapshot {
        /// The space.
        doc: DocId,
        /// The cursor the snapshot must include.
        covers: u64,
    },
    /// Signaling (decrypted) from another device of the space.
    Signal {
        /// The space.
        doc: DocId,
        /// The sending peer.
        from: u64,
        /// The data.
        data: Vec<u8>,
    },
    /// The space's status changed.
    Status {
        /// The space.
        doc: DocId,
        /// The new status.
        status: SyncStatus,
    },
    /// An entry that this space's key cannot open was skipped (damaged or forged).
    Undecryptable {
        /// The space.
        doc: DocId,
        /// The entry.
        seq: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    Down,
    Connecting,
    Up,
}

#[derive(Debug)]
struct Pending {
    hash: [u8; 32],
    payload: Vec<u8>,
    proof: Vec<u8>,
}

#[derive(Debug)]
struct SpaceState {
    capability: Capability,
    cursor: u64,
    /// Sealed payloads not yet confirmed, oldest first, with their hashes and proofs.
    pending: Vec<Pending>,
    since_snapshot: u32,
    status: SyncStatus,
    resend_at: Option<Millis>,
    contacted: bool,
}

/// The sync state of every space this device holds, over one connection.
#[derive(Debug)]
pub struct Client {
    spaces: BTreeMap<DocId, SpaceState>,
    link: Link,
    attempt: u32,
    retry_at: Option<Millis>,
    peer: Option<u64>,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

fn hash(payload: &[u8]) -> [u8; 32] {
    Sha256::digest(payload).into()
}

impl Client {
    /// A client with no spaces, not connected; its first [`Client::tick`] connects.
    pub fn new() -> Self {
        Self {
            spaces: BTreeMap::new(),
            link: Link::Down,
            attempt: 0,
            retry_at: Some(0),
            peer: None,
        }
    }

    /// Starts syncing a space, from `cursor` (0 for a new device).
    pub fn add_space(&mut self, capability: Capability, cursor: u64) -> Vec<Effect> {
        let doc = capability.doc_id();
        match self.spaces.entry(doc) {
            // Held already: an editing capability replaces a read-only one (the person
            // opened the editing link after the read-only one); nothing else changes.
            std::collections::btree_map::Entry::Occupied(mut held) => {
                if matches!(capability, Capability::Write(_)) {
                    held.get_mut().capability = capability;
                }
            }
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(SpaceState {
                    capability,
                    cursor,
                    pending: Vec::new(),
                    since_snapshot: 0,
                    status: SyncStatus::Local,
                    resend_at: None,
                    contacted: false,
                });
            }
        }
        if self.link == Link::Up {
            vec![send(&ClientFrame::Subscribe { doc, since: cursor })]
        } else {
            Vec::new()
        }
    }

    /// The status of a space.
    pub fn status(&self, doc: &DocId) -> Option<SyncStatus> {
        self.spaces.get(doc).map(|s| s.status.clone())
    }

    /// The peer id the relay gave this connection.
    pub fn peer(&self) -> Option<u64> {
        self.peer
    }

    /// When the caller should call [`Client::tick`] next, if at all.
    pub fn next_wakeup(&self) -> Option<Millis> {
        let resend = self.spaces.values().filter_map(|s| s.resend_at).min();
        match (self.retry_at.filter(|_| self.link == Link::Down), resend) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Local changes (Automerge bytes) of a space: sealed with `nonce`, signed, kept until
    /// confirmed, and sent now if connected.
    pub fn local_changes(&mut self, doc: DocId, changes: &[u8], nonce: [u8; 24]) -> Vec<Effect> {
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        let Capability::Write(keys) = &space.capability else {
            return Vec::new();
        };
        let payload = keys.read().seal(changes, nonce);
        let proof = keys.prove_append(&payload);
        let frame = ClientFrame::Append {
            doc,
            writer: keys.read().writer.0,
            proof: proof.clone(),
            payload: payload.clone(),
        };
        space.pending.push(Pending {
            hash: hash(&payload),
            payload,
            proof,
        });
        let mut effects = Vec::new();
        if self.link == Link::Up {
            effects.push(send(&frame));
        }
        effects.extend(self.update_status(doc, None));
        effects
    }

    /// The whole document of a space, sealed and sent as a snapshot covering `covers`.
    pub fn snapshot(
        &mut self,
        doc: DocId,
        document: &[u8],
        covers: u64,
        nonce: [u8; 24],
    ) -> Vec<Effect> {
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        let Capability::Write(keys) = &space.capability else {
            return Vec::new();
        };
        if self.link != Link::Up || covers > space.cursor {
            return Vec::new();
        }
        let payload = keys.read().seal(document, nonce);
        space.since_snapshot = 0;
        vec![send(&ClientFrame::Snapshot {
            doc,
            writer: keys.read().writer.0,
            covers,
            proof: keys.prove_snapshot(covers, &payload),
            payload,
        })]
    }

    /// Signaling data for the other devices of a space (or one of them), sealed.
    pub fn signal(
        &mut self,
        doc: DocId,
        to: Option<u64>,
        data: &[u8],
        nonce: [u8; 24],
    ) -> Vec<Effect> {
        match self.spaces.get(&doc) {
            Some(space) if self.link == Link::Up => vec![send(&ClientFrame::Signal {
                doc,
                to,
                data: space.capability.read().seal(data, nonce),
            })],
            _ => Vec::new(),
        }
    }

    /// Time passed: reconnect or resend if it is due.
    pub fn tick(&mut self, now: Millis) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.link == Link::Down && self.retry_at.is_some_and(|at| now >= at) {
            self.link = Link::Connecting;
            self.retry_at = None;
            effects.push(Effect::Connect);
        }
        if self.link == Link::Up {
            for (doc, space) in &mut self.spaces {
                if space.resend_at.is_some_and(|at| now >= at) {
                    space.resend_at = None;
                    effects.extend(resend_all(*doc, space));
                }
            }
        }
        effects
    }

    /// The connection is open: subscribe every space from its cursor and send what is
    /// not confirmed.
    pub fn connected(&mut self, _now: Millis) -> Vec<Effect> {
        self.link = Link::Up;
        self.attempt = 0;
        let mut effects = Vec::new();
        for (doc, space) in &mut self.spaces {
            effects.push(send(&ClientFrame::Subscribe {
                doc: *doc,
                since: space.cursor,
            }));
            space.resend_at = None;
            effects.extend(resend_all(*doc, space));
        }
        effects
    }

    /// The connection is gone (or could not be made): try again after a backoff of
    /// 0.5 s doubling to 30 s, plus a random part from `random` so that many devices do
    /// not all come back at once.
    pub fn disconnected(&mut self, now: Millis, random: u32) -> Vec<Effect> {
        self.link = Link::Down;
        self.peer = None;
        let delay = (FIRST_RETRY << self.attempt.min(6)).min(LAST_RETRY);
        self.attempt = self.attempt.saturating_add(1);
        self.retry_at = Some(now + delay + u64::from(random) % (delay / 2 + 1));
        let docs: Vec<DocId> = self.spaces.keys().copied().collect();
        docs.into_iter()
            .flat_map(|doc| self.update_status(doc, None))
            .collect()
    }

    /// The device got a network again: try to connect at once rather than after the
    /// backoff.
    pub fn reconnect_soon(&mut self, now: Millis) -> Vec<Effect> {
        if self.link == Link::Down {
            self.attempt = 0;
            self.retry_at = Some(now);
        }
        self.tick(now)
    }

    /// A frame from the relay.
    pub fn received(&mut self, bytes: &[u8], now: Millis) -> Vec<Effect> {
        let Ok(frame) = RelayFrame::decode(bytes) else {
            return Vec::new();
        };
        match frame {
            RelayFrame::Hello { peer } => {
                self.peer = Some(peer);
                Vec::new()
            }
            RelayFrame::Acked { doc, .. } => {
                if let Some(space) = self.spaces.get_mut(&doc) {
                    space.contacted = true;
                }
                self.update_status(doc, Some(now))
            }
            RelayFrame::Entry { doc, seq, payload } => self.entry(doc, seq, &payload, now),
            RelayFrame::Snapshot {
                doc,
                covers,
                payload,
            } => {
                let Some(space) = self.spaces.get_mut(&doc) else {
                    return Vec::new();
                };
                if covers <= space.cursor {
                    return Vec::new();
                }
                space.cursor = covers;
                space.since_snapshot = 0;
                space.contacted = true;
                let mut effects = match space.capability.read().open(&payload) {
                    Ok(changes) => vec![Effect::Apply { doc, changes }],
                    Err(_) => vec![Effect::Undecryptable { doc, seq: covers }],
                };
                effects.push(Effect::Cursor { doc, seq: covers });
                effects.extend(self.update_status(doc, Some(now)));
                effects
            }
            RelayFrame::Signal { doc, from, data } => match self.spaces.get(&doc) {
                Some(space) => match space.capability.read().open(&data) {
                    Ok(data) => vec![Effect::Signal { doc, from, data }],
                    Err(_) => Vec::new(),
                },
                None => Vec::new(),
            },
            RelayFrame::Error {
                doc: Some(doc),
                code,
                ..
            } => self.refused(doc, code, now),
            RelayFrame::Error { doc: None, .. } => Vec::new(),
        }
    }

    fn entry(&mut self, doc: DocId, seq: u64, payload: &[u8], now: Millis) -> Vec<Effect> {
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        if seq <= space.cursor {
            return Vec::new();
        }
        space.cursor = seq;
        space.contacted = true;
        space.since_snapshot += 1;
        let digest = hash(payload);
        let before = space.pending.len();
        space.pending.retain(|p| p.hash != digest);
        let mut effects = Vec::new();
        if space.pending.len() == before {
            // Someone else's change (our own came back: we have it already).
            match space.capability.read().open(payload) {
                Ok(changes) => effects.push(Effect::Apply { doc, changes }),
                Err(_) => effects.push(Effect::Undecryptable { doc, seq }),
            }
        }
        effects.push(Effect::Cursor { doc, seq });
        if space.since_snapshot >= SNAPSHOT_EVERY
            && space.pending.is_empty()
            && matches!(space.capability, Capability::Write(_))
        {
            space.since_snapshot = 0;
            effects.push(Effect::WantSnapshot { doc, covers: seq });
        }
        effects.extend(self.update_status(doc, Some(now)));
        effects
    }

    fn refused(&mut self, doc: DocId, code: ErrorCode, now: Millis) -> Vec<Effect> {
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        match code {
            ErrorCode::RateLimited | ErrorCode::StorageFailed => {
                space.resend_at = Some(now + RESEND_AFTER_REFUSAL);
                Vec::new()
            }
            ErrorCode::LogFull => {
                space.resend_at = Some(now + RESEND_AFTER_REFUSAL);
                vec![Effect::WantSnapshot {
                    doc,
                    covers: space.cursor,
                }]
            }
            ErrorCode::Forbidden | ErrorCode::TooLarge => {
                space.status = SyncStatus::Refused(code);
                vec![Effect::Status {
                    doc,
                    status: space.status.clone(),
                }]
            }
            ErrorCode::Malformed | ErrorCode::UnsupportedVersion | ErrorCode::NotSubscribed => {
                Vec::new()
            }
        }
    }

    /// Recomputes a space's status; an effect only if it changed.
    fn update_status(&mut self, doc: DocId, contact: Option<Millis>) -> Vec<Effect> {
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        if matches!(space.status, SyncStatus::Refused(_)) {
            return Vec::new();
        }
        let status = if !space.pending.is_empty() {
            SyncStatus::Waiting {
                unsent: space.pending.len(),
            }
        } else if let Some(at) = contact.filter(|_| self.link == Link::Up) {
            SyncStatus::Synced { at }
        } else if let SyncStatus::Synced { at } = space.status {
            SyncStatus::Synced { at }
        } else if space.contacted {
            SyncStatus::Synced {
                at: contact.unwrap_or(0),
            }
        } else {
            SyncStatus::Local
        };
        if status == space.status {
            return Vec::new();
        }
        space.status = status.clone();
        vec![Effect::Status { doc, status }]
    }
}

fn send(frame: &ClientFrame) -> Effect {
    Effect::Send(frame.encode())
}

fn resend_all(doc: DocId, space: &SpaceState) -> Vec<Effect> {
    let Capability::Write(keys) = &space.capability else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    space
        .pending
        .iter()
        .filter(|p| seen.insert(p.hash))
        .map(|p| {
            send(&ClientFrame::Append {
                doc,
                writer: keys.read().writer.0,
                proof: p.proof.clone(),
                payload: p.payload.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SpaceSecret;

    fn keys() -> SpaceKeys {
        SpaceSecret::from_random([1; 32]).keys()
    }

    fn sent(effects: &[Effect]) -> Vec<ClientFrame> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Send(bytes) => Some(ClientFrame::decode(bytes).unwrap()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_first_tick_connects_and_connecting_subscribes_from_the_cursor() {
        let mut client = Client::new();
        client.add_space(Capability::Write(Box::new(keys())), 7);
        assert_eq!(client.tick(0), vec![Effect::Connect]);
        assert_eq!(
            sent(&client.connected(0)),
            vec![ClientFrame::Subscribe {
                doc: keys().doc_id(),
                since: 7
            }]
        );
    }

    #[test]
    fn reconnecting_backs_off_from_half_a_second_to_at_most_45_seconds() {
        let mut client = Client::new();
        let mut delays = Vec::new();
        let mut now = 0;
        for _ in 0..10 {
            client.disconnected(now, u32::MAX);
            let at = client.next_wakeup().unwrap();
            delays.push(at - now);
            now = at;
            assert_eq!(client.tick(now), vec![Effect::Connect]);
        }
        assert!(delays[0] >= 500 && delays[0] <= 750, "{delays:?}");
        assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
        assert!(*delays.last().unwrap() <= 45_000, "{delays:?}");
    }

    #[test]
    fn a_change_waits_while_offline_and_is_synced_once_it_comes_back_from_the_relay() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = Client::new();
        client.add_space(Capability::Write(Box::new(keys)), 0);
        let effects = client.local_changes(doc, b"change", [1; 24]);
        assert!(sent(&effects).is_empty(), "nothing is sent while offline");
        assert_eq!(client.status(&doc), Some(SyncStatus::Waiting { unsent: 1 }));
        client.tick(0);
        let frames = sent(&client.connected(10));
        let ClientFrame::Append { payload, .. } = frames[1].clone() else {
            panic!("expected the change to be sent after subscribing: {frames:?}")
        };
        let echo = RelayFrame::Entry {
            doc,
            seq: 1,
            payload,
        }
        .encode();
        let effects = client.received(&echo, 20);
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Apply { .. })),
            "our own change is not applied twice"
        );
        assert_eq!(client.status(&doc), Some(SyncStatus::Synced { at: 20 }));
        assert!(
            client.received(&echo, 30).is_empty(),
            "a duplicate changes nothing"
        );
    }

    #[test]
    fn an_editing_capability_added_later_lets_a_read_only_device_write() {
        let writer = keys();
        let doc = writer.doc_id();
        let mut client = Client::new();
        client.add_space(Capability::Read(writer.read().clone()), 3);
        client.tick(0);
        client.connected(0);
        assert!(sent(&client.local_changes(doc, b"change", [1; 24])).is_empty());
        client.add_space(Capability::Write(Box::new(keys())), 0);
        let frames = sent(&client.local_changes(doc, b"change", [1; 24]));
        assert!(
            matches!(frames.as_slice(), [ClientFrame::Append { doc: d, .. }] if *d == doc),
            "{frames:?}"
        );
    }

    #[test]
    fn a_read_only_device_decrypts_entries_but_never_writes() {
        let writer = keys();
        let doc = writer.doc_id();
        let mut client = Client::new();
        client.add_space(Capability::Read(writer.read().clone()), 0);
        assert!(client.local_changes(doc, b"change", [1; 24]).is_empty());
        client.tick(0);
        client.connected(0);
        let sealed = writer.read().seal(b"from the writer", [2; 24]);
        let effects = client.received(
            &RelayFrame::Entry {
                doc,
                seq: 1,
                payload: sealed,
            }
            .encode(),
            5,
        );
        assert!(effects.contains(&Effect::Apply {
            doc,
            changes: b"from the writer".to_vec()
        }));
    }

    #[test]
    fn coming_back_online_connects_at_once() {
        let mut client = Client::new();
        client.tick(0);
        client.disconnected(0, 0);
        client.tick(600);
        client.disconnected(600, 0);
        assert_eq!(client.tick(700), Vec::new(), "still backing off");
        assert_eq!(client.reconnect_soon(700), vec![Effect::Connect]);
    }

    #[test]
    fn a_full_log_asks_for_a_snapshot() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = Client::new();
        client.add_space(Capability::Write(Box::new(keys)), 3);
        let refusal = RelayFrame::Error {
            doc: Some(doc),
            code: ErrorCode::LogFull,
            message: String::new(),
        };
        assert_eq!(
            client.received(&refusal.encode(), 0),
            vec![Effect::WantSnapshot { doc, covers: 3 }]
        );
    }
}
