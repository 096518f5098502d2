//! The device's side of sync, as a state machine: events in (connected, a frame, local
//! changes, time), effects out (send this, apply that, connect now). The app drives it
//! over the browser's WebSocket; tests drive whole networks of it natively.
//!
//! What it guarantees: every local change is sealed, signed and kept until the relay has
//! it (it comes back as an entry: the relay forwards every entry to every subscriber,
//! the sender included); after any disconnect it resubscribes from its cursor and sends
//! again whatever is not confirmed, and the relay stores a resent entry only once;
//! entries at or below the cursor are ignored, so duplicates change nothing.
//!
//! Memory is not what keeps a change: the app hands the client, at every start,
//! everything after the space's durable shared heads (see [`crate::Outbox`]), and the
//! client tells the app when the relay has confirmed local changes ([`Effect::Shared`]),
//! so the app can move those heads. Its status says "synced" only on evidence: the relay
//! confirmed every local change and said it sent everything it holds.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use sha2::{Digest, Sha256};

use crate::payload::{Hash, Payload};
use crate::{
    ClientFrame, DocId, ErrorCode, ReadCapability, RelayFrame, Sealed, SpaceKeys, verify_append,
    verify_snapshot,
};

/// Milliseconds on the caller's clock.
pub type Millis = u64;

/// Ask the app for a snapshot after this many entries without one.
pub const SNAPSHOT_EVERY: u32 = 200;
const FIRST_RETRY: Millis = 500;
const LAST_RETRY: Millis = 30_000;
/// After the relay refuses an append (its rate limit, or its store failed), the client
/// waits this long before sending again, doubling with every further refusal to
/// [`LAST_RESEND_AFTER_REFUSAL`], plus a random part of up to half that: devices a relay
/// turned away do not all come back together, nor every second.
const RESEND_AFTER_REFUSAL: Millis = 1_000;
const LAST_RESEND_AFTER_REFUSAL: Millis = 60_000;
/// A change the relay has not sent back this long after the client was caught up is
/// asked for again (doubling to [`LAST_CONFIRM_WAIT`]).
const FIRST_CONFIRM_WAIT: Millis = 10_000;
const LAST_CONFIRM_WAIT: Millis = 300_000;
/// How long after an entry is doubted (see [`Client::nothing_new`]) the client reads
/// the log again from before it, once caught up.
const DOUBT_WAIT: Millis = 2_000;
/// A connection that has brought nothing for this long is asked whether it is there.
pub const QUIET: Millis = 25_000;
/// A connection that does not answer that question within this long is given up.
pub const PROBE_WAIT: Millis = 10_000;
/// A connection not greeted by the relay within this long is given up (a network that
/// swallows the attempt never says it failed).
pub const CONNECT_WAIT: Millis = 15_000;

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
    /// The relay confirmed every change of this device and had sent it everything it
    /// held, as of `at`.
    Synced {
        /// The last contact with the relay.
        at: Millis,
    },
    /// Not connected (or reading the relay's log again), but the relay had confirmed
    /// every change of this device at `at`: nothing of ours waits, while what others did
    /// since is not known.
    Shared {
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
    /// Everything through entry `seq` of the relay store's epoch `epoch` is applied:
    /// remember both for the next start.
    Cursor {
        /// The space.
        doc: DocId,
        /// The cursor.
        seq: u64,
        /// The epoch the cursor counts in.
        epoch: u64,
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
    /// The relay confirmed every local change through the one made at `heads` (the
    /// document's heads right after it, as passed to [`Client::local_changes`]): move
    /// the space's shared heads ([`crate::Outbox::confirmed`]).
    Shared {
        /// The space.
        doc: DocId,
        /// The heads passed with the confirmed change.
        heads: Vec<Hash>,
    },
    /// Another device lacks changes: if this device holds any of `missing`, send
    /// everything after `have` with [`Client::repair`].
    Needed {
        /// The space.
        doc: DocId,
        /// The asking device's heads.
        have: Vec<Hash>,
        /// The changes it lacks.
        missing: Vec<Hash>,
    },
    /// The relay holds less than this device got from it before (its store was lost or
    /// restored from a backup): the cursor is back at 0 (the relay's log is read again
    /// from the start on the next connection, which [`Effect::Reconnect`] asks for);
    /// nothing is known to be shared any more, so send the whole document again with
    /// [`Client::local_changes`].
    Lost {
        /// The space.
        doc: DocId,
        /// The relay's last entry.
        latest: u64,
    },
    /// Close the connection; the client makes a new one after the usual backoff.
    Reconnect,
    /// Something the relay sent for a space was refused, never applied (and counted:
    /// [`Client::rejected`]).
    Rejected {
        /// The space.
        doc: DocId,
        /// The entry (or the last entry a snapshot covers).
        seq: u64,
        /// Why.
        why: Rejection,
    },
}

/// Why something the relay sent was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Its proof is not the space's writer's signature of it: forged or altered on the
    /// way. The cursor stays before it, and the connection is made again (after a
    /// growing delay), so an honest relay's copy can take its place.
    Forged,
    /// A sequence number that cannot come next (a gap, or past what the relay holds):
    /// the cursor stays, and the connection is made again as for [`Rejection::Forged`].
    OutOfOrder,
    /// A reading of the log again found another entry under a number than the one
    /// taken before: that one was a replay standing in for the real entry (which is
    /// applied now). Entries read again are those that brought nothing new, and the
    /// numbers of a payload that came under two.
    Replayed,
    /// Signed by the space's writer, but it does not open or read as a payload: set
    /// aside, and the cursor moves past it, so one bad entry cannot stop a space.
    Unreadable,
    /// The relay ended a backlog without an entry it holds: one past the cursor, or,
    /// read again for a doubt, the entry under a doubted number (and no snapshot that
    /// covers it). The cursor and the doubts stay, and the connection is made again as
    /// for [`Rejection::Forged`].
    Withheld,
    /// The relay said it holds fewer entries than it gave, a second time in a session
    /// (an honest store restored from a backup does so once): the log is read again
    /// from the start on a new connection, after a longer wait, and nothing is sent
    /// again for it.
    Lost,
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
    /// How many changes it carries (for the status).
    changes: usize,
    /// The document's heads right after it; `None` for a repair, which shares nothing of
    /// this device's own.
    heads: Option<Vec<Hash>>,
    /// The relay sent it back; it stays until every older one is confirmed too.
    confirmed: bool,
    /// This device's own changes (not a repair of others'): what the status counts.
    own: bool,
    /// The space's cursor when it was made: its entry, if stored, comes after it.
    cursor_at: u64,
}

#[derive(Debug)]
struct SpaceState {
    capability: Capability,
    cursor: u64,
    /// The relay store's epoch `cursor` counts in (0: not known yet).
    epoch: u64,
    /// Sealed payloads in the order they were made, with their hashes and proofs.
    pending: Vec<Pending>,
    since_snapshot: u32,
    status: SyncStatus,
    resend_at: Option<Millis>,
    /// Refusals since the relay last took one of this space's entries: the wait before
    /// sending again doubles with each.
    refusals: u32,
    /// The relay said it had sent everything it holds, on this connection.
    caught_up: bool,
    /// The relay lost entries, or sent something refused: what this connection still
    /// brings is ignored until the next one.
    stale: bool,
    /// How many things the relay sent for this space were refused.
    rejected: u64,
    /// The sequence number of every entry taken since the cursor last went back to 0,
    /// by the hash of its payload: the same payload under another number is a replay.
    seen: HashMap<[u8; 32], u64>,
    /// Since when local changes wait to come back while the client is caught up, and
    /// how long to wait before asking the relay for the log again.
    unconfirmed: Option<(Millis, Millis)>,
    /// The cursor the log was last read again from the start at, because received
    /// changes waited for others (see [`Client::ask`]).
    reread_from: Option<u64>,
    /// Received changes wait for others: read the log again once the relay has sent
    /// everything on this connection.
    reread_wanted: bool,
    /// The last entry opened for the caller: its number and the hash of its payload.
    opened: Option<(u64, [u8; 32])>,
    /// Entries taken that may have been replays of earlier ones, by number: the hash of
    /// the payload taken. The stored cursor stays before the first, and the log is read
    /// again from there: the real entry under that number shows whether it was.
    doubts: BTreeMap<u64, [u8; 32]>,
    /// When to read the log again for the doubts, once caught up.
    doubt_at: Option<Millis>,
    /// The subscriptions sent on this connection that the relay has not finished
    /// answering, oldest first: for a reading again for doubts, the numbers it reads
    /// again (after `since`, through the cursor when it was asked).
    asked: VecDeque<Option<(u64, u64)>>,
    /// What this reading again for doubts holds so far, by number: the hash of each
    /// payload.
    reread: BTreeMap<u64, [u8; 32]>,
    /// The relay said it had lost entries it gave, in this session.
    lost_once: bool,
    /// The relay refused a frame while a subscription was unanswered: when to
    /// subscribe again.
    resubscribe_at: Option<Millis>,
    /// Entries through this number were read twice for doubts: never doubted again.
    checked: u64,
}

impl SpaceState {
    fn unsent(&self) -> usize {
        self.pending
            .iter()
            .filter(|p| !p.confirmed && p.own)
            .map(|p| p.changes)
            .sum()
    }
}

/// The sync state of every space this device holds, over one connection.
#[derive(Debug)]
pub struct Client {
    spaces: BTreeMap<DocId, SpaceState>,
    link: Link,
    attempt: u32,
    retry_at: Option<Millis>,
    peer: Option<u64>,
    /// The epoch of the relay store this connection greeted with (0 before any).
    epoch: u64,
    /// Raised by every refusal of something the relay sent, never lowered: the backoff
    /// after a connection ends is at least this many doublings, so a relay that lies
    /// is not asked again every half second.
    distrust: u32,
    /// Some of the distrust was forgiven on this connection already.
    trust_earned: bool,
    /// When the relay was last heard from on this connection.
    heard_at: Millis,
    /// When it was asked whether it is there, if it has not answered yet.
    probed_at: Option<Millis>,
    /// When the connection being made was asked for.
    connecting_at: Option<Millis>,
    /// The state of the generator that spreads waits after refusals (xorshift64).
    jitter: u64,
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
            epoch: 0,
            distrust: 0,
            trust_earned: false,
            heard_at: 0,
            probed_at: None,
            connecting_at: None,
            jitter: 0x9e37_79b9_7f4a_7c15,
        }
    }

    /// A client whose waits after refusals are spread by `seed` (a random number: every
    /// device its own).
    pub fn seeded(seed: u64) -> Self {
        Self {
            jitter: seed | 1,
            ..Self::new()
        }
    }

    /// How long to wait before sending again after the `refusals`-th refusal in a row
    /// (counting from 0).
    fn wait_after_refusal(&mut self, refusals: u32) -> Millis {
        let wait = (RESEND_AFTER_REFUSAL << refusals.min(6)).min(LAST_RESEND_AFTER_REFUSAL);
        self.jitter ^= self.jitter << 13;
        self.jitter ^= self.jitter >> 7;
        self.jitter ^= self.jitter << 17;
        wait + self.jitter % (wait / 2 + 1)
    }

    /// Starts syncing a space, from `cursor` in the relay store's `epoch` (both 0 for a
    /// new device).
    pub fn add_space(&mut self, capability: Capability, cursor: u64, epoch: u64) -> Vec<Effect> {
        let doc = capability.doc_id();
        let up = self.link == Link::Up;
        let current = self.epoch;
        match self.spaces.entry(doc) {
            // Held already: an editing capability replaces a read-only one (the person
            // opened the editing link after the read-only one); nothing else changes.
            std::collections::btree_map::Entry::Occupied(mut held) => {
                if matches!(capability, Capability::Write(_)) {
                    held.get_mut().capability = capability;
                }
                Vec::new()
            }
            std::collections::btree_map::Entry::Vacant(slot) => {
                let space = slot.insert(SpaceState {
                    capability,
                    cursor,
                    epoch,
                    pending: Vec::new(),
                    since_snapshot: 0,
                    status: SyncStatus::Local,
                    resend_at: None,
                    refusals: 0,
                    caught_up: false,
                    stale: false,
                    rejected: 0,
                    seen: HashMap::new(),
                    unconfirmed: None,
                    reread_from: None,
                    reread_wanted: false,
                    opened: None,
                    doubts: BTreeMap::new(),
                    doubt_at: None,
                    asked: VecDeque::new(),
                    reread: BTreeMap::new(),
                    lost_once: false,
                    resubscribe_at: None,
                    checked: 0,
                });
                // Added on a connection the relay already greeted (a space created or
                // joined while online): it meets the epoch as the others did, or its
                // cursor would count in no epoch and read as lost at the next greeting.
                if up {
                    meet(doc, space, current)
                } else {
                    Vec::new()
                }
            }
        }
    }

    /// The status of a space.
    pub fn status(&self, doc: &DocId) -> Option<SyncStatus> {
        self.spaces.get(doc).map(|s| s.status.clone())
    }

    /// Stops syncing a space: what the relay still sends for it is ignored.
    pub fn remove_space(&mut self, doc: &DocId) {
        self.spaces.remove(doc);
    }

    /// What the device stored says: nothing of `doc` is owed, and the relay held all of
    /// it at `at`. Until the relay is reached again, the status says so
    /// ([`SyncStatus::Shared`]) instead of "saved on this device" (after a reload while
    /// offline, say).
    pub fn shared_before(&mut self, doc: DocId, at: Millis) -> Vec<Effect> {
        match self.spaces.get_mut(&doc) {
            Some(space) if space.status == SyncStatus::Local && space.pending.is_empty() => {
                space.status = SyncStatus::Shared { at };
                vec![Effect::Status {
                    doc,
                    status: space.status.clone(),
                }]
            }
            _ => Vec::new(),
        }
    }

    /// How many things the relay sent for `doc` were refused ([`Effect::Rejected`]) or
    /// set aside ([`Client::set_aside`]).
    pub fn rejected(&self, doc: &DocId) -> u64 {
        self.spaces.get(doc).map_or(0, |s| s.rejected)
    }

    /// The changes of the latest [`Effect::Apply`] of `doc` did not apply (they are
    /// another space's, or not changes at all) and were set aside: counted with the
    /// refusals.
    pub fn set_aside(&mut self, doc: DocId, now: Millis) -> Vec<Effect> {
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        space.rejected += 1;
        // A replay of such an entry could stand in for a real one: it is read twice.
        match space.opened.take() {
            Some((seq, digest)) if seq > space.checked && seq <= space.cursor => {
                doubt(space, seq, digest, now);
                vec![Effect::Cursor {
                    doc,
                    seq: stored_cursor(space),
                    epoch: space.epoch,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// The peer id the relay gave this connection.
    pub fn peer(&self) -> Option<u64> {
        self.peer
    }

    /// When the caller should call [`Client::tick`] next, if at all.
    pub fn next_wakeup(&self) -> Option<Millis> {
        let liveness = match self.link {
            Link::Up => Some(
                self.probed_at
                    .map_or(self.heard_at + QUIET, |at| at + PROBE_WAIT),
            ),
            Link::Connecting => self.connecting_at.map(|at| at + CONNECT_WAIT),
            Link::Down => None,
        };
        match (self.next_work(), liveness) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// When [`Client::tick`] has work to do next, other than checking that a quiet
    /// connection is still there: a reconnect, a resend, a read of the log again. `None`
    /// when a connected client is settled.
    pub fn next_work(&self) -> Option<Millis> {
        let resend = self
            .spaces
            .values()
            .flat_map(|s| {
                [
                    s.resend_at,
                    // Not before a refusal's wait is over (see `tick`).
                    s.unconfirmed
                        .map(|(since, wait)| (since + wait).max(s.resend_at.unwrap_or(0))),
                    s.doubt_at,
                    s.resubscribe_at,
                ]
            })
            .flatten()
            // They are acted on only while connected: offline they would wake the
            // caller again and again, to do nothing.
            .filter(|_| self.link == Link::Up)
            .min();
        match (self.retry_at.filter(|_| self.link == Link::Down), resend) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Local changes (Automerge bytes, `count` changes) of a space: sealed with `nonce`,
    /// signed, kept until confirmed, and sent now if connected. `heads` are the
    /// document's heads right after them; [`Effect::Shared`] gives them back once the
    /// relay has these changes and every older one.
    pub fn local_changes(
        &mut self,
        doc: DocId,
        changes: &[u8],
        count: usize,
        heads: Vec<Hash>,
        nonce: [u8; 24],
    ) -> Vec<Effect> {
        self.queue(doc, changes, count, Some(heads), true, nonce)
    }

    /// A part of this device's own changes that was split over several entries, all but
    /// the last (which goes through [`Client::local_changes`] with the heads): counted
    /// and kept like them, but moving no shared heads on its own.
    pub fn local_part(
        &mut self,
        doc: DocId,
        changes: &[u8],
        count: usize,
        nonce: [u8; 24],
    ) -> Vec<Effect> {
        self.queue(doc, changes, count, None, true, nonce)
    }

    /// Changes another device asked for ([`Effect::Needed`]): sent and kept until
    /// confirmed like local ones, but they move no shared heads.
    pub fn repair(
        &mut self,
        doc: DocId,
        changes: &[u8],
        count: usize,
        nonce: [u8; 24],
    ) -> Vec<Effect> {
        self.queue(doc, changes, count, None, false, nonce)
    }

    /// Received changes of `doc` wait for the changes `missing` (the device's heads are
    /// `have`). Only if connected:
    ///
    /// - The relay's log is read again from the start once it has sent everything on
    ///   this connection, unless nothing was taken from it since it was last read again:
    ///   the device may have skipped an entry (a relay that sent an earlier entry again
    ///   under the next number to a device that restarted, and so forgot the payloads it
    ///   had seen, moves the cursor past the real one).
    /// - A device that may write also asks the other devices for them (the relay may
    ///   never have had them); ask again after the next connect if they are still missing.
    pub fn ask(
        &mut self,
        doc: DocId,
        have: Vec<Hash>,
        missing: Vec<Hash>,
        nonce: [u8; 24],
    ) -> Vec<Effect> {
        if self.link != Link::Up || missing.is_empty() {
            return Vec::new();
        }
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        let mut effects = Vec::new();
        if let Capability::Write(keys) = &space.capability {
            let payload = keys.read().seal(
                Sealed::Entry,
                &Payload::Need { have, missing }.encode(),
                nonce,
            );
            effects.push(send(&ClientFrame::Append {
                doc,
                writer: keys.read().writer.0,
                proof: keys.prove_append(&payload),
                payload,
            }));
        }
        if space.reread_from.is_none_or(|from| space.cursor > from) {
            if space.caught_up {
                effects.extend(reread(doc, space));
            } else {
                space.reread_wanted = true;
            }
        }
        effects
    }

    fn queue(
        &mut self,
        doc: DocId,
        changes: &[u8],
        count: usize,
        heads: Option<Vec<Hash>>,
        own: bool,
        nonce: [u8; 24],
    ) -> Vec<Effect> {
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        let Capability::Write(keys) = &space.capability else {
            return Vec::new();
        };
        let payload = keys.read().seal(
            Sealed::Entry,
            &Payload::Changes(changes.to_vec()).encode(),
            nonce,
        );
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
            changes: count.max(1),
            own,
            heads,
            confirmed: false,
            cursor_at: space.cursor,
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
        if self.link != Link::Up || covers > stored_cursor(space) {
            return Vec::new();
        }
        let payload = keys.read().seal(
            Sealed::Snapshot,
            &Payload::Changes(document.to_vec()).encode(),
            nonce,
        );
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
                data: space.capability.read().seal(Sealed::Signal, data, nonce),
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
            self.connecting_at = Some(now);
            effects.push(Effect::Connect);
        }
        if self.link == Link::Connecting
            && self
                .connecting_at
                .is_some_and(|at| now >= at + CONNECT_WAIT)
        {
            // Neither made nor failed: the network swallowed it. (Given up again later
            // should the caller keep it meanwhile.)
            self.connecting_at = Some(now);
            effects.push(Effect::Reconnect);
            return effects;
        }
        if self.link == Link::Up {
            match self.probed_at {
                Some(at) if now >= at + PROBE_WAIT => {
                    // The relay did not answer: the connection is dead, however it looks.
                    // (Not asked again at once should the caller keep it meanwhile.)
                    self.probed_at = None;
                    self.heard_at = now;
                    effects.push(Effect::Reconnect);
                    return effects;
                }
                None if now >= self.heard_at + QUIET => {
                    self.probed_at = Some(now);
                    effects.push(send(&ClientFrame::Ping));
                }
                _ => {}
            }
            for (doc, space) in &mut self.spaces {
                if space.resubscribe_at.is_some_and(|at| now >= at) {
                    space.resubscribe_at = None;
                    space.caught_up = false;
                    space.asked.push_back(None);
                    effects.push(send(&ClientFrame::Subscribe {
                        doc: *doc,
                        since: space.cursor,
                    }));
                    if !space.doubts.is_empty() {
                        space.doubt_at = Some(now + DOUBT_WAIT);
                    }
                }
                // After a refusal nothing goes again before its wait is over, not even
                // what the relay seems to have lost.
                let refused = space.resend_at.is_some_and(|at| now < at);
                let resent = space.resend_at.is_some_and(|at| now >= at);
                if resent {
                    space.resend_at = None;
                    effects.extend(resend_all(*doc, space));
                }
                if let Some((since, wait)) = space.unconfirmed
                    && now >= since + wait
                    && !refused
                {
                    // Caught up, yet our change never came back (its entry was lost on
                    // the way): read the log again from before it, and send it again in
                    // case the relay never got it. Entries already applied only confirm.
                    let from = space
                        .pending
                        .iter()
                        .filter(|p| !p.confirmed)
                        .map(|p| p.cursor_at)
                        .min()
                        .unwrap_or(space.cursor);
                    space.unconfirmed = Some((now, (wait * 2).min(LAST_CONFIRM_WAIT)));
                    space.asked.push_back(None);
                    effects.push(send(&ClientFrame::Subscribe {
                        doc: *doc,
                        since: from,
                    }));
                    if !resent {
                        effects.extend(resend_all(*doc, space));
                    }
                }
                if space.doubt_at.is_some_and(|at| now >= at) {
                    // Not caught up: set again once the relay has sent everything.
                    space.doubt_at = None;
                    if space.caught_up
                        && let Some(&first) = space.doubts.keys().next()
                    {
                        // Read the log again from before the first doubted entry: entries
                        // at or below the cursor are compared with what was taken.
                        space.asked.push_back(Some((first - 1, space.cursor)));
                        effects.push(send(&ClientFrame::Subscribe {
                            doc: *doc,
                            since: first - 1,
                        }));
                    }
                }
            }
        }
        effects
    }

    /// The changes of the latest [`Effect::Apply`] of an entry of `doc` were all in the
    /// document already. An honest log holds such entries (changes sent again, by a
    /// device that restarted or answered a request), but so does a relay that sends an
    /// earlier entry again under the next number to a device that has restarted since
    /// (and so cannot tell by the payload): the real entry under that number would be
    /// skipped. So the entry is doubted: the stored cursor stays before it, and once
    /// caught up the client reads the log again from there and compares.
    pub fn nothing_new(&mut self, doc: DocId, now: Millis) -> Vec<Effect> {
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        let Some((seq, digest)) = space.opened.take() else {
            return Vec::new();
        };
        if seq <= space.checked || seq > space.cursor {
            return Vec::new();
        }
        doubt(space, seq, digest, now);
        vec![Effect::Cursor {
            doc,
            seq: stored_cursor(space),
            epoch: space.epoch,
        }]
    }

    /// The connection is open; it is up once the relay's greeting
    /// ([`RelayFrame::Hello`]) has come.
    pub fn connected(&mut self, _now: Millis) -> Vec<Effect> {
        Vec::new()
    }

    /// The relay greeted this connection: spaces whose cursor counts in another store
    /// epoch start from 0 (the store they synced with is gone, so what it held is sent
    /// again), then every space subscribes from its cursor and sends what is not
    /// confirmed.
    fn greeted(&mut self, epoch: u64) -> Vec<Effect> {
        self.epoch = epoch;
        self.spaces
            .iter_mut()
            .flat_map(|(doc, space)| meet(*doc, space, epoch))
            .collect()
    }

    /// The connection is gone (or could not be made): try again after a backoff of
    /// 0.5 s doubling to 30 s, plus a random part from `random` so that many devices do
    /// not all come back at once.
    pub fn disconnected(&mut self, now: Millis, random: u32) -> Vec<Effect> {
        self.link = Link::Down;
        self.peer = None;
        self.probed_at = None;
        self.connecting_at = None;
        for space in self.spaces.values_mut() {
            space.caught_up = false;
            space.asked.clear();
            space.reread.clear();
            space.resubscribe_at = None;
        }
        let delay = (FIRST_RETRY << self.attempt.max(self.distrust).min(6)).min(LAST_RETRY);
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
        self.heard_at = now;
        self.probed_at = None;
        let effects = self.handle(bytes, now);
        for space in self.spaces.values_mut() {
            let waiting = space.caught_up && space.pending.iter().any(|p| !p.confirmed);
            match (waiting, space.unconfirmed) {
                (true, None) => space.unconfirmed = Some((now, FIRST_CONFIRM_WAIT)),
                (false, Some(_)) => space.unconfirmed = None,
                _ => {}
            }
        }
        effects
    }

    fn handle(&mut self, bytes: &[u8], now: Millis) -> Vec<Effect> {
        let Ok(frame) = RelayFrame::decode(bytes) else {
            return Vec::new();
        };
        match frame {
            RelayFrame::Hello { peer, epoch } => {
                self.trust_earned = false;
                // Only a greeted connection ends the backoff: one the relay cuts at once
                // (a frame too large for it) is not tried again every half second.
                self.attempt = 0;
                self.link = Link::Up;
                self.connecting_at = None;
                self.peer = Some(peer);
                self.greeted(epoch)
            }
            RelayFrame::Acked { doc, .. } => self.update_status(doc, Some(now)),
            RelayFrame::Pong => Vec::new(),
            RelayFrame::Subscribed { doc, latest } => self.subscribed(doc, latest, now),
            RelayFrame::Entry {
                doc,
                seq,
                payload,
                proof,
            } => self.entry(doc, seq, &payload, &proof, now),
            RelayFrame::Snapshot {
                doc,
                covers,
                payload,
                proof,
            } => {
                let Some(space) = self.spaces.get_mut(&doc) else {
                    return Vec::new();
                };
                // Read again for doubts, a snapshot may cover doubted numbers the relay
                // no longer keeps as entries.
                let settles = in_check(space).is_some()
                    && space
                        .doubts
                        .keys()
                        .next()
                        .is_some_and(|&first| first <= covers);
                if space.stale || (covers <= space.cursor && !settles) {
                    return Vec::new();
                }
                let writer = space.capability.read().writer;
                if !verify_snapshot(&doc, &writer, covers, &payload, &proof) {
                    return self.distrusted(doc, covers, Rejection::Forged);
                }
                // It holds whatever the real entries through `covers` were: the doubts it
                // covers are settled once it is merged.
                let settled: Vec<u64> =
                    space.doubts.range(..=covers).map(|(&seq, _)| seq).collect();
                for seq in settled {
                    space.doubts.remove(&seq);
                }
                if space.doubts.is_empty() {
                    space.doubt_at = None;
                }
                space.checked = space.checked.max(covers);
                if covers > space.cursor {
                    space.cursor = covers;
                    space.since_snapshot = 0;
                }
                let mut effects = vec![opened(doc, covers, space, Sealed::Snapshot, &payload)];
                effects.push(Effect::Cursor {
                    doc,
                    seq: stored_cursor(space),
                    epoch: space.epoch,
                });
                effects.extend(self.update_status(doc, Some(now)));
                effects
            }
            RelayFrame::Signal { doc, from, data } => match self.spaces.get(&doc) {
                Some(space) => match space.capability.read().open(Sealed::Signal, &data) {
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

    fn entry(
        &mut self,
        doc: DocId,
        seq: u64,
        payload: &[u8],
        proof: &[u8],
        now: Millis,
    ) -> Vec<Effect> {
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        if space.stale {
            return Vec::new();
        }
        let digest = hash(payload);
        let mine = space
            .pending
            .iter_mut()
            .find(|p| p.hash == digest && !p.confirmed);
        if seq <= space.cursor {
            if space.asked.front().is_some_and(Option::is_some) {
                space.reread.insert(seq, digest);
            }
            if let Some(&taken) = space.doubts.get(&seq) {
                return self.recheck(doc, seq, taken, digest, payload, proof);
            }
            // Applied already; it only tells that a change of ours is on the relay.
            let Some(mine) = mine else {
                return Vec::new();
            };
            mine.confirmed = true;
            let mut effects = confirm_run(doc, space);
            effects.extend(self.update_status(doc, Some(now)));
            return effects;
        }
        // The relay numbers a log's entries 1, 2, 3, … and sends them in order, after a
        // snapshot if it dropped older ones: anything else is a gap or a made-up number.
        if seq != space.cursor + 1 {
            if space.resubscribe_at.is_some() {
                return Vec::new();
            }
            return self.distrusted(doc, seq, Rejection::OutOfOrder);
        }
        let earlier = space.seen.get(&digest).copied().filter(|&at| at != seq);
        if earlier.is_none() {
            space.seen.insert(digest, seq);
        }
        let mut effects = Vec::new();
        match (mine, earlier) {
            // Our own change came back: we have it already.
            (Some(mine), None) => mine.confirmed = true,
            // The same payload under two numbers. An honest relay does that only when a
            // device sends again an entry the relay no longer keeps; a relay that lies
            // puts it in place of the real entry under one of the two numbers. Either
            // way it is in the document already: nothing is applied, and both numbers
            // are read again (see [`Client::nothing_new`]), where a real entry under
            // either is found out and applied.
            (mine, Some(earlier)) => {
                if let Some(mine) = mine {
                    mine.confirmed = true;
                }
                // (Also a number read twice already: the payload was under it then.)
                doubt(space, earlier, digest, now);
                doubt(space, seq, digest, now);
            }
            (None, None) => {
                let writer = space.capability.read().writer;
                if !verify_append(&doc, &writer, payload, proof) {
                    return self.distrusted(doc, seq, Rejection::Forged);
                }
                let effect = opened(doc, seq, space, Sealed::Entry, payload);
                match effect {
                    Effect::Apply { .. } => space.opened = Some((seq, digest)),
                    // A request changes nothing in the document, so a replayed one could
                    // not be told from a real one by that: each is read twice.
                    // An entry that does not open is set aside; a replayed one standing in
                    // for a real entry would look the same, so it is read twice too.
                    Effect::Needed { .. } | Effect::Rejected { .. } if seq > space.checked => {
                        doubt(space, seq, digest, now);
                    }
                    _ => {}
                }
                effects.push(effect);
            }
        }
        space.cursor = seq;
        space.since_snapshot = space.since_snapshot.saturating_add(1);
        effects.push(Effect::Cursor {
            doc,
            seq: stored_cursor(space),
            epoch: space.epoch,
        });
        effects.extend(confirm_run(doc, space));
        // Never a snapshot while numbers are in doubt: it would cover them, and settle
        // them for every reader, with what this device may have been lied to about.
        if space.since_snapshot >= SNAPSHOT_EVERY
            && space.pending.is_empty()
            && space.doubts.is_empty()
            && matches!(space.capability, Capability::Write(_))
        {
            space.since_snapshot = 0;
            effects.push(Effect::WantSnapshot { doc, covers: seq });
        }
        effects.extend(self.update_status(doc, Some(now)));
        effects
    }

    /// Entry `seq` came again while it was doubted (see [`Client::nothing_new`]). A
    /// payload other than the one taken is applied (it is the writer's, so it harms
    /// nothing, and it may be the real one); whether the doubt is settled is decided when
    /// the whole reading is in ([`Client::subscribed`]).
    #[allow(clippy::too_many_arguments)]
    fn recheck(
        &mut self,
        doc: DocId,
        seq: u64,
        taken: [u8; 32],
        digest: [u8; 32],
        payload: &[u8],
        proof: &[u8],
    ) -> Vec<Effect> {
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        if digest == taken {
            return Vec::new();
        }
        let writer = space.capability.read().writer;
        if !verify_append(&doc, &writer, payload, proof) {
            return self.distrusted(doc, seq, Rejection::Forged);
        }
        space.seen.entry(digest).or_insert(seq);
        // What the app then says of it changes nothing: the number is in doubt already,
        // and the end of the reading compares this reading with the one before.
        space.opened = None;
        vec![opened(doc, seq, space, Sealed::Entry, payload)]
    }

    /// The relay has sent all of a reading again for doubts: a doubted number is settled
    /// when the reading holds under it the payload taken before, and holds that payload
    /// under no other number (an honest relay keeps each payload under one). Under
    /// another payload, or one the reading holds twice, the relay lied in one of its
    /// readings: counted, and the number stays in doubt (with what this reading said)
    /// for the next reading. A doubted number the reading left out, with no snapshot
    /// covering it, was withheld.
    fn settle_doubts(&mut self, doc: DocId, since: u64, through: u64) -> Vec<Effect> {
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        let reading = std::mem::take(&mut space.reread);
        // Only the numbers this reading covered (a doubt may have come up below it since).
        let doubted: Vec<(u64, [u8; 32])> = if through > since {
            space
                .doubts
                .range(since + 1..=through)
                .map(|(&seq, &taken)| (seq, taken))
                .collect()
        } else {
            Vec::new()
        };
        let mut effects = Vec::new();
        let mut withheld = None;
        for (seq, taken) in doubted {
            match reading.get(&seq) {
                None => {
                    withheld.get_or_insert(seq);
                }
                // Also where the device first took that payload: under this number (a
                // relay keeps a payload's number for good, also after it let the entry go).
                Some(&read)
                    if read == taken
                        && reading.values().filter(|d| **d == read).count() == 1
                        && space.seen.get(&read).is_none_or(|&at| at == seq) =>
                {
                    space.doubts.remove(&seq);
                    space.checked = space.checked.max(seq);
                }
                Some(&read) => {
                    space.doubts.insert(seq, read);
                    space.rejected += 1;
                    effects.push(Effect::Rejected {
                        doc,
                        seq,
                        why: Rejection::Replayed,
                    });
                }
            }
        }
        if space.doubts.is_empty() {
            space.doubt_at = None;
        }
        effects.push(Effect::Cursor {
            doc,
            seq: stored_cursor(space),
            epoch: space.epoch,
        });
        if let Some(seq) = withheld {
            effects.extend(self.distrusted(doc, seq, Rejection::Withheld));
        }
        effects
    }

    /// Refuses what the relay sent for `doc` (numbered `seq`) without moving the cursor:
    /// the rest of this connection is ignored for the space, and a new connection (after
    /// a longer wait than usual) reads on from the cursor.
    fn distrusted(&mut self, doc: DocId, seq: u64, why: Rejection) -> Vec<Effect> {
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        space.rejected += 1;
        space.stale = true;
        self.distrust = self.distrust.saturating_add(1);
        vec![Effect::Rejected { doc, seq, why }, Effect::Reconnect]
    }

    /// The relay has sent everything of `doc` it holds, through entry `latest`.
    fn subscribed(&mut self, doc: DocId, latest: u64, now: Millis) -> Vec<Effect> {
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        if space.stale {
            return Vec::new();
        }
        let mut effects = Vec::new();
        let past_the_end = space.cursor.saturating_sub(latest);
        if past_the_end > 0
            && past_the_end <= space.doubts.len() as u64
            && (latest + 1..=space.cursor).all(|seq| space.doubts.contains_key(&seq))
        {
            // Every number past the end of the log was doubted (it brought nothing new):
            // the relay made them up out of entries it had sent before. They are counted
            // as replays and forgotten; the log is read on from its real end.
            for seq in latest + 1..=space.cursor {
                space.doubts.remove(&seq);
                space.rejected += 1;
                effects.push(Effect::Rejected {
                    doc,
                    seq,
                    why: Rejection::Replayed,
                });
            }
            space.seen.retain(|_, seq| *seq <= latest);
            space.cursor = latest;
            space.since_snapshot = space
                .since_snapshot
                .saturating_sub(u32::try_from(past_the_end).unwrap_or(u32::MAX));
            space.opened = None;
            if in_check(space).is_none() {
                effects.push(Effect::Cursor {
                    doc,
                    seq: stored_cursor(space),
                    epoch: space.epoch,
                });
            }
        }
        if latest < space.cursor && space.lost_once {
            // Once is what an honest store restored from a backup needs; again may be a
            // relay that would have every member send everything again and again. So
            // the log is read again from the start (on a new connection, after a longer
            // wait), and nothing is sent again for it.
            forget_read(space);
            space.reread_from = None;
            effects.push(Effect::Cursor {
                doc,
                seq: 0,
                epoch: space.epoch,
            });
            effects.extend(self.distrusted(doc, latest, Rejection::Lost));
            return effects;
        }
        if latest < space.cursor {
            space.lost_once = true;
            // The same store holds less than it gave us (restored from a backup): its
            // numbers may name entries new to us, so its log is read again from the
            // start on a fresh connection (frames still on their way on this one are
            // ignored), and what it lost is sent again.
            forget_read(space);
            space.reread_from = None;
            space.stale = true;
            effects.extend([
                Effect::Cursor {
                    doc,
                    seq: 0,
                    epoch: space.epoch,
                },
                Effect::Lost { doc, latest },
                Effect::Reconnect,
            ]);
            return effects;
        }
        if latest > space.cursor {
            // It says it holds entries it did not send (the backlog ends with this).
            let next = space.cursor + 1;
            effects.extend(self.distrusted(doc, next, Rejection::Withheld));
            return effects;
        }
        space.caught_up = true;
        // A relay that has given a whole backlog without a lie earns back some trust (once
        // a connection): one bad connection does not slow every later one for good.
        if !self.trust_earned {
            self.trust_earned = true;
            self.distrust /= 2;
        }
        if space.reread_wanted {
            effects.extend(reread(doc, space));
            return effects;
        }
        if let Some((since, upto)) = space.asked.pop_front().flatten() {
            let settled = self.settle_doubts(doc, since, latest.min(upto));
            let refused = settled.contains(&Effect::Reconnect);
            effects.extend(settled);
            if refused {
                return effects;
            }
        }
        let Some(space) = self.spaces.get_mut(&doc) else {
            return effects;
        };
        if !space.doubts.is_empty() && space.doubt_at.is_none() {
            space.doubt_at = Some(now + DOUBT_WAIT);
        }
        effects.extend(self.update_status(doc, Some(now)));
        effects
    }

    fn refused(&mut self, doc: DocId, code: ErrorCode, now: Millis) -> Vec<Effect> {
        let Some(refusals) = self.spaces.get(&doc).map(|space| space.refusals) else {
            return Vec::new();
        };
        let wait = self.wait_after_refusal(refusals);
        let Some(space) = self.spaces.get_mut(&doc) else {
            return Vec::new();
        };
        match code {
            ErrorCode::RateLimited | ErrorCode::StorageFailed | ErrorCode::LimitReached => {
                space.refusals = refusals.saturating_add(1);
                space.resend_at = Some(now + wait);
                // It may have refused a reading again for doubts (which one of the frames
                // it answered cannot be told): no answer is taken for one any more, and
                // the doubts are read again later.
                // It may have refused a subscription (which frame it answered cannot be
                // told): no answer is matched to one any more, and the space subscribes
                // again from its cursor when the wait is over (doubts are read again
                // after that). Until then numbers that cannot come next are ignored, not
                // refused: the relay may be forwarding live entries of a backlog it never
                // sent.
                if !space.asked.is_empty() {
                    space.asked.clear();
                    space.reread.clear();
                    space.resubscribe_at.get_or_insert(now + wait);
                }
                Vec::new()
            }
            ErrorCode::LogFull => {
                space.refusals = refusals.saturating_add(1);
                space.resend_at = Some(now + wait);
                vec![Effect::WantSnapshot {
                    doc,
                    covers: stored_cursor(space),
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
        let unsent = space.unsent();
        let status = if unsent > 0 {
            SyncStatus::Waiting { unsent }
        } else if self.link == Link::Up && space.caught_up {
            match (contact, &space.status) {
                (Some(at), _) => SyncStatus::Synced { at },
                (None, SyncStatus::Synced { at } | SyncStatus::Shared { at }) => {
                    SyncStatus::Synced { at: *at }
                }
                (None, _) => SyncStatus::Synced { at: 0 },
            }
        } else if let SyncStatus::Synced { at } | SyncStatus::Shared { at } = space.status {
            // Offline, or catching up again: everything of ours was shared at `at`.
            SyncStatus::Shared { at }
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

/// The `since` of the reading again for doubts the relay is answering now, if it is one.
fn in_check(space: &SpaceState) -> Option<(u64, u64)> {
    space.asked.front().copied().flatten()
}

/// What the device may store as its cursor: the cursor, or just before the first
/// doubted entry.
fn stored_cursor(space: &SpaceState) -> u64 {
    space
        .doubts
        .keys()
        .next()
        .map_or(space.cursor, |first| space.cursor.min(first - 1))
}

/// Entry `seq` (its payload's hash `digest`) may have been a replay: see
/// [`Client::nothing_new`].
fn doubt(space: &mut SpaceState, seq: u64, digest: [u8; 32], now: Millis) {
    space.doubts.insert(seq, digest);
    if space.doubt_at.is_none() {
        space.doubt_at = Some(now + DOUBT_WAIT);
    }
}

/// Forgets what was read of the log (it is read again from the start).
fn forget_read(space: &mut SpaceState) {
    space.cursor = 0;
    space.since_snapshot = 0;
    space.seen.clear();
    space.doubts.clear();
    space.doubt_at = None;
    space.reread.clear();
    space.checked = 0;
    space.opened = None;
}

/// Reads the log of `doc` again from the start, on a new connection (frames still on
/// their way on this one are ignored).
fn reread(doc: DocId, space: &mut SpaceState) -> Vec<Effect> {
    space.reread_from = Some(space.cursor);
    space.reread_wanted = false;
    forget_read(space);
    space.stale = true;
    vec![
        Effect::Cursor {
            doc,
            seq: 0,
            epoch: space.epoch,
        },
        Effect::Reconnect,
    ]
}

/// A space on a greeted connection to a relay store of `epoch`: a cursor counted in
/// another epoch is read again from the start (and everything sent again), then the space
/// subscribes and resends what is unconfirmed.
fn meet(doc: DocId, space: &mut SpaceState, epoch: u64) -> Vec<Effect> {
    let mut effects = Vec::new();
    space.stale = false;
    space.resubscribe_at = None;
    if space.epoch != epoch {
        // A device that never synced (cursor 0) just learns the epoch.
        if space.cursor > 0 || space.epoch != 0 {
            forget_read(space);
            space.reread_from = None;
            effects.push(Effect::Lost { doc, latest: 0 });
        }
        space.epoch = epoch;
        effects.push(Effect::Cursor {
            doc,
            seq: space.cursor,
            epoch,
        });
    }
    space.asked.push_back(None);
    effects.push(send(&ClientFrame::Subscribe {
        doc,
        since: space.cursor,
    }));
    space.resend_at = None;
    effects.extend(resend_all(doc, space));
    effects
}

/// Drops the unbroken run of confirmed changes at the front, oldest first: the shared
/// heads move over it ([`Effect::Shared`] with the heads of its last local change).
fn confirm_run(doc: DocId, space: &mut SpaceState) -> Vec<Effect> {
    let mut shared = None;
    while space.pending.first().is_some_and(|p| p.confirmed) {
        // The relay takes this space's entries again.
        space.refusals = 0;
        let done = space.pending.remove(0);
        if done.heads.is_some() {
            shared = done.heads;
        }
    }
    shared
        .map(|heads| Effect::Shared { doc, heads })
        .into_iter()
        .collect()
}

/// What a checked entry (or snapshot) numbered `seq` asks of the app, once opened; one
/// that does not open or read is set aside and counted.
fn opened(doc: DocId, seq: u64, space: &mut SpaceState, kind: Sealed, sealed: &[u8]) -> Effect {
    let payload = space
        .capability
        .read()
        .open(kind, sealed)
        .ok()
        .and_then(|bytes| Payload::decode(&bytes).ok());
    match payload {
        Some(Payload::Changes(changes)) => Effect::Apply { doc, changes },
        Some(Payload::Need { have, missing }) => Effect::Needed { doc, have, missing },
        None => {
            space.rejected += 1;
            Effect::Rejected {
                doc,
                seq,
                why: Rejection::Unreadable,
            }
        }
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
        .filter(|p| !p.confirmed && seen.insert(p.hash))
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

    /// Entry `seq` of `keys`' space as an honest relay sends it: with its writer's proof.
    fn signed_entry(keys: &SpaceKeys, seq: u64, payload: Vec<u8>) -> Vec<u8> {
        RelayFrame::Entry {
            doc: keys.doc_id(),
            seq,
            proof: keys.prove_append(&payload),
            payload,
        }
        .encode()
    }

    /// `changes` sealed as an entry of `keys`' space.
    fn sealed(keys: &SpaceKeys, changes: &[u8], nonce: u8) -> Vec<u8> {
        keys.read().seal(
            Sealed::Entry,
            &Payload::Changes(changes.to_vec()).encode(),
            [nonce; 24],
        )
    }

    /// The relay's greeting, from a store of epoch 5.
    fn hello() -> Vec<u8> {
        RelayFrame::Hello { peer: 1, epoch: 5 }.encode()
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
        client.add_space(Capability::Write(Box::new(keys())), 7, 5);
        assert_eq!(client.tick(0), vec![Effect::Connect]);
        assert!(
            client.connected(0).is_empty(),
            "nothing before the relay's greeting"
        );
        assert_eq!(
            sent(&client.received(&hello(), 0)),
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
        client.add_space(Capability::Write(Box::new(keys.clone())), 0, 0);
        let effects = client.local_changes(doc, b"change", 1, vec![[9; 32]], [1; 24]);
        assert!(sent(&effects).is_empty(), "nothing is sent while offline");
        assert_eq!(client.status(&doc), Some(SyncStatus::Waiting { unsent: 1 }));
        client.tick(0);
        client.connected(10);
        client.received(&hello(), 10);
        let frames = sent(&client.received(&hello(), 10));
        let ClientFrame::Append { payload, .. } = frames[1].clone() else {
            panic!("expected the change to be sent after subscribing: {frames:?}")
        };
        let echo = signed_entry(&keys, 1, payload);
        let effects = client.received(&echo, 20);
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Apply { .. })),
            "our own change is not applied twice"
        );
        assert!(effects.contains(&Effect::Shared {
            doc,
            heads: vec![[9; 32]]
        }));
        assert_eq!(
            client.status(&doc),
            Some(SyncStatus::Local),
            "not synced before the relay said it sent everything it holds"
        );
        client.received(&RelayFrame::Subscribed { doc, latest: 1 }.encode(), 25);
        assert_eq!(client.status(&doc), Some(SyncStatus::Synced { at: 25 }));
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
        client.add_space(Capability::Read(writer.read().clone()), 3, 0);
        client.tick(0);
        client.connected(0);
        client.received(&hello(), 0);
        assert!(sent(&client.local_changes(doc, b"change", 1, vec![[9; 32]], [1; 24])).is_empty());
        client.add_space(Capability::Write(Box::new(keys())), 0, 0);
        let frames = sent(&client.local_changes(doc, b"change", 1, vec![[9; 32]], [1; 24]));
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
        client.add_space(Capability::Read(writer.read().clone()), 0, 0);
        assert!(
            client
                .local_changes(doc, b"change", 1, vec![[9; 32]], [1; 24])
                .is_empty()
        );
        client.tick(0);
        client.connected(0);
        client.received(&hello(), 0);
        let effects = client.received(
            &signed_entry(&writer, 1, sealed(&writer, b"from the writer", 2)),
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
        client.add_space(Capability::Write(Box::new(keys)), 3, 0);
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

    #[test]
    fn refused_appends_go_again_after_growing_spread_waits_until_the_relay_takes_one() {
        let keys = keys();
        let doc = keys.doc_id();
        let refusal = RelayFrame::Error {
            doc: Some(doc),
            code: ErrorCode::RateLimited,
            message: String::new(),
        }
        .encode();
        let resend_at = |client: &Client| client.spaces[&doc].resend_at.unwrap();
        // A device with one change the relay refuses ten times in a row: the waits.
        let refused = |seed: u64| {
            let mut client = Client::seeded(seed);
            client.add_space(Capability::Write(Box::new(keys.clone())), 0, 5);
            client.tick(0);
            client.connected(0);
            client.received(&hello(), 0);
            client.received(&RelayFrame::Subscribed { doc, latest: 0 }.encode(), 0);
            client.local_changes(doc, b"change", 1, vec![[9; 32]], [1; 24]);
            let (mut now, mut waits, mut payload) = (0, Vec::new(), Vec::new());
            for _ in 0..10 {
                client.received(&refusal, now);
                let at = resend_at(&client);
                // Nothing to do before then: the caller is not woken for nothing.
                assert_eq!(client.next_work(), Some(at));
                // Heard from (a live relay): only the wait decides.
                client.received(&RelayFrame::Pong.encode(), at - 1);
                let early = sent(&client.tick(at - 1));
                assert!(
                    !early
                        .iter()
                        .any(|f| matches!(f, ClientFrame::Append { .. })),
                    "nothing goes before the wait: {early:?}"
                );
                let frames = sent(&client.tick(at));
                let Some(ClientFrame::Append { payload: again, .. }) = frames
                    .into_iter()
                    .find(|f| matches!(f, ClientFrame::Append { .. }))
                else {
                    panic!("the change goes again after the wait");
                };
                payload = again;
                waits.push(at - now);
                now = at;
            }
            (client, waits, now, payload)
        };
        let (mut client, waits, now, payload) = refused(7);
        for (n, wait) in waits.iter().enumerate() {
            let least = (1_000 << n.min(6)).min(60_000);
            assert!(
                (least..=least + least / 2).contains(wait),
                "wait {n}: {wait} ms, {waits:?}"
            );
        }
        let (_, others, _, _) = refused(8);
        assert_ne!(waits, others, "another device waits otherwise");
        // The relay takes it: the next refusal waits a second again.
        client.received(&signed_entry(&keys, 1, payload), now);
        client.received(&RelayFrame::Subscribed { doc, latest: 1 }.encode(), now);
        assert_eq!(client.status(&doc), Some(SyncStatus::Synced { at: now }));
        client.local_changes(doc, b"next", 1, vec![[8; 32]], [2; 24]);
        client.received(&refusal, now);
        let wait = resend_at(&client) - now;
        assert!((1_000..=1_500).contains(&wait), "{wait}");
    }

    fn connected_client(keys: &SpaceKeys, cursor: u64) -> Client {
        let mut client = Client::new();
        client.add_space(Capability::Write(Box::new(keys.clone())), cursor, 5);
        client.tick(0);
        client.connected(0);
        client.received(&hello(), 0);
        client
    }

    fn appended(effects: &[Effect]) -> Vec<Vec<u8>> {
        sent(effects)
            .into_iter()
            .filter_map(|f| match f {
                ClientFrame::Append { payload, .. } => Some(payload),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn shared_heads_move_only_over_an_unbroken_run_of_confirmed_changes() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = connected_client(&keys, 0);
        let first = appended(&client.local_changes(doc, b"one", 1, vec![[1; 32]], [1; 24]));
        let second = appended(&client.local_changes(doc, b"two", 2, vec![[2; 32]], [2; 24]));
        assert_eq!(client.status(&doc), Some(SyncStatus::Waiting { unsent: 3 }));
        let echo = |seq, payload: &Vec<u8>| signed_entry(&keys, seq, payload.clone());
        // The second comes back first (another connection's order): nothing is shared yet.
        let effects = client.received(&echo(1, &second[0]), 10);
        assert!(!effects.iter().any(|e| matches!(e, Effect::Shared { .. })));
        assert_eq!(client.status(&doc), Some(SyncStatus::Waiting { unsent: 1 }));
        let effects = client.received(&echo(2, &first[0]), 20);
        assert!(effects.contains(&Effect::Shared {
            doc,
            heads: vec![[2; 32]]
        }));
    }

    #[test]
    fn a_relay_that_holds_less_than_the_cursor_is_caught_and_everything_is_resent() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = connected_client(&keys, 40);
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 3 }.encode(), 5);
        assert_eq!(
            effects,
            vec![
                Effect::Cursor {
                    doc,
                    seq: 0,
                    epoch: 5
                },
                Effect::Lost { doc, latest: 3 },
                Effect::Reconnect
            ]
        );
        assert!(
            client
                .received(&signed_entry(&keys, 41, sealed(&keys, b"late", 2)), 6)
                .is_empty(),
            "what the old connection still brings is ignored"
        );
        client.disconnected(6, 0);
        client.tick(10_000);
        client.connected(10_000);
        let frames = sent(&client.received(&hello(), 10_000));
        assert!(frames.contains(&ClientFrame::Subscribe { doc, since: 0 }));
        // The relay's log is read from its first entry (the new ones in it included).
        let effects = client.received(&signed_entry(&keys, 1, sealed(&keys, b"new", 3)), 6);
        assert!(effects.contains(&Effect::Apply {
            doc,
            changes: b"new".to_vec()
        }));
    }

    #[test]
    fn a_request_for_missing_changes_reaches_the_app_and_the_repair_is_sent() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut asker = connected_client(&keys, 0);
        let asked = appended(&asker.ask(doc, vec![[1; 32]], vec![[2; 32]], [4; 24]));
        assert_eq!(asked.len(), 1);
        assert_eq!(
            asker.status(&doc),
            Some(SyncStatus::Local),
            "asking is not a change of ours that waits"
        );
        let mut holder = connected_client(&keys, 0);
        let effects = holder.received(&signed_entry(&keys, 1, asked[0].clone()), 7);
        assert!(effects.contains(&Effect::Needed {
            doc,
            have: vec![[1; 32]],
            missing: vec![[2; 32]]
        }));
        assert_eq!(
            appended(&holder.repair(doc, b"the missing change", 1, [5; 24])).len(),
            1
        );
    }

    #[test]
    fn a_reader_never_asks_since_the_relay_would_refuse_it() {
        let writer = keys();
        let doc = writer.doc_id();
        let mut client = Client::new();
        client.add_space(Capability::Read(writer.read().clone()), 0, 0);
        client.tick(0);
        client.connected(0);
        client.received(&hello(), 0);
        assert!(appended(&client.ask(doc, vec![], vec![[2; 32]], [1; 24])).is_empty());
    }

    #[test]
    fn a_quiet_connection_is_asked_whether_it_is_there_and_given_up_if_it_never_answers() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = connected_client(&keys, 0);
        client.received(&RelayFrame::Subscribed { doc, latest: 0 }.encode(), 100);
        assert_eq!(client.status(&doc), Some(SyncStatus::Synced { at: 100 }));
        assert_eq!(client.next_work(), None, "settled");
        assert_eq!(client.next_wakeup(), Some(100 + QUIET));
        assert!(client.tick(100 + QUIET - 1).is_empty());
        // Quiet for long: asked; an answer keeps the connection.
        assert_eq!(sent(&client.tick(100 + QUIET)), vec![ClientFrame::Ping]);
        assert_eq!(client.next_wakeup(), Some(100 + QUIET + PROBE_WAIT));
        let answered = 100 + QUIET + 50;
        assert!(
            client
                .received(&RelayFrame::Pong.encode(), answered)
                .is_empty()
        );
        assert_eq!(client.next_wakeup(), Some(answered + QUIET));
        assert!(client.tick(answered + PROBE_WAIT).is_empty());
        // Any frame counts as an answer.
        let entry_at = answered + QUIET - 10;
        client.received(&RelayFrame::Acked { doc, seq: 1 }.encode(), entry_at);
        assert_eq!(client.next_wakeup(), Some(entry_at + QUIET));
        // Asked again, and no answer: given up, and the status stops claiming sync.
        let asked = entry_at + QUIET;
        assert_eq!(sent(&client.tick(asked)), vec![ClientFrame::Ping]);
        assert!(client.tick(asked + PROBE_WAIT - 1).is_empty());
        assert_eq!(client.tick(asked + PROBE_WAIT), vec![Effect::Reconnect]);
        client.disconnected(asked + PROBE_WAIT, 0);
        assert!(
            !matches!(client.status(&doc), Some(SyncStatus::Synced { .. })),
            "{:?}",
            client.status(&doc)
        );
        // Offline, nothing is asked: the only wakeup is the retry.
        let retry = client.next_wakeup().unwrap();
        assert!(retry <= asked + PROBE_WAIT + LAST_RETRY);
        assert_eq!(client.tick(retry), vec![Effect::Connect]);
        // An attempt the network swallows (never made, never failed) is given up too.
        assert!(client.tick(retry + CONNECT_WAIT - 1).is_empty());
        assert_eq!(client.tick(retry + CONNECT_WAIT), vec![Effect::Reconnect]);
        client.disconnected(retry + CONNECT_WAIT, 0);
        assert!(client.next_wakeup().unwrap() > retry + CONNECT_WAIT);
    }

    #[test]
    fn an_offline_client_is_woken_only_to_connect_again() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = connected_client(&keys, 0);
        client.received(&RelayFrame::Subscribed { doc, latest: 0 }.encode(), 0);
        client.local_changes(doc, b"edit", 1, vec![[1; 32]], [1; 24]);
        // Caught up, and the change has not come back: a timer to ask for it again.
        client.received(&RelayFrame::Acked { doc, seq: 1 }.encode(), 1);
        assert_eq!(client.next_wakeup(), Some(1 + FIRST_CONFIRM_WAIT));
        // The connection drops before then; long after, the only wakeup is the retry.
        client.disconnected(2, 0);
        let retry = client.next_wakeup().unwrap();
        assert!(retry <= 2 + LAST_RETRY, "{retry}");
        let later = 1 + FIRST_CONFIRM_WAIT + LAST_RETRY;
        let effects = client.tick(later);
        assert_eq!(effects, vec![Effect::Connect]);
        assert_eq!(
            client.next_wakeup(),
            Some(later + CONNECT_WAIT),
            "connecting: woken only to give up an attempt that never ends"
        );
    }

    #[test]
    fn an_entry_that_brings_nothing_new_is_read_twice_and_a_replay_is_found_out() {
        let keys = keys();
        let doc = keys.doc_id();
        // A reader restarted at cursor 2: it forgot the payloads it took before.
        let mut client = reader_at(&keys, 2);
        // Entry 1 again, as entry 3: the device cannot tell by the payload, and takes it;
        // its changes are all in the document, so the app says nothing was new.
        let first = sealed(&keys, b"first", 1);
        client.received(&signed_entry(&keys, 3, first.clone()), 1);
        assert_eq!(
            client.nothing_new(doc, 1),
            vec![Effect::Cursor {
                doc,
                seq: 2,
                epoch: 5
            }],
            "the stored cursor stays before the doubted entry"
        );
        // Later entries do not move the stored cursor past it either.
        let fourth = sealed(&keys, b"fourth", 4);
        let effects = client.received(&signed_entry(&keys, 4, fourth.clone()), 2);
        assert!(effects.contains(&Effect::Cursor {
            doc,
            seq: 2,
            epoch: 5
        }));
        client.received(&RelayFrame::Subscribed { doc, latest: 4 }.encode(), 3);
        assert_eq!(client.next_wakeup(), Some(1 + DOUBT_WAIT));
        // Once caught up, the log is read again from before it.
        let frames = sent(&client.tick(1 + DOUBT_WAIT));
        assert_eq!(frames, vec![ClientFrame::Subscribe { doc, since: 2 }]);
        // The real entry 3 differs: one of the two readings was a lie. The new one
        // applies (a writer's payload harms nothing), and the number stays in doubt.
        let real = sealed(&keys, b"third", 3);
        let effects = client.received(&signed_entry(&keys, 3, real.clone()), 2_004);
        assert_eq!(
            effects,
            [Effect::Apply {
                doc,
                changes: b"third".to_vec()
            }]
        );
        // Entry 4 again only confirms; the reading ends and the lie is counted.
        assert!(
            client
                .received(&signed_entry(&keys, 4, fourth.clone()), 2_005)
                .is_empty()
        );
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 4 }.encode(), 2_006);
        assert_eq!(
            effects[..2],
            [
                Effect::Rejected {
                    doc,
                    seq: 3,
                    why: Rejection::Replayed
                },
                Effect::Cursor {
                    doc,
                    seq: 2,
                    epoch: 5
                }
            ]
        );
        assert_eq!(client.rejected(&doc), 1);
        // Read once more, entry 3 is what the last reading said: the doubt is settled.
        let frames = sent(&client.tick(2_006 + DOUBT_WAIT));
        assert_eq!(frames, vec![ClientFrame::Subscribe { doc, since: 2 }]);
        assert!(!applied(
            &client.received(&signed_entry(&keys, 3, real), 4_100)
        ));
        client.received(&signed_entry(&keys, 4, fourth), 4_101);
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 4 }.encode(), 4_102);
        assert_eq!(
            effects[0],
            Effect::Cursor {
                doc,
                seq: 4,
                epoch: 5
            }
        );
        // It is never doubted again, even if it brought nothing new.
        assert!(client.nothing_new(doc, 4_102).is_empty());
        assert_eq!(client.rejected(&doc), 1);
        assert_eq!(client.next_work(), None);
    }

    #[test]
    fn a_doubted_entry_that_was_real_is_kept_and_never_doubted_again() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = connected_client(&keys, 0);
        client.received(&RelayFrame::Subscribed { doc, latest: 0 }.encode(), 0);
        // Changes another device sent again (it restarted): honest, but nothing new.
        let again = sealed(&keys, b"again", 1);
        client.received(&signed_entry(&keys, 1, again.clone()), 1);
        client.nothing_new(doc, 1);
        let frames = sent(&client.tick(1 + DOUBT_WAIT));
        assert_eq!(frames, vec![ClientFrame::Subscribe { doc, since: 0 }]);
        // The same entry under the same number: it was real.
        let mut effects = client.received(&signed_entry(&keys, 1, again), 2_002);
        effects.extend(client.received(&RelayFrame::Subscribed { doc, latest: 1 }.encode(), 2_003));
        assert_eq!(
            effects[0],
            Effect::Cursor {
                doc,
                seq: 1,
                epoch: 5
            }
        );
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::Apply { .. } | Effect::Rejected { .. })),
            "{effects:?}"
        );
        assert_eq!(client.rejected(&doc), 0);
        assert_eq!(client.next_work(), None);
        // Saying again that it brought nothing new doubts nothing.
        assert!(client.nothing_new(doc, 2_004).is_empty());
    }

    #[test]
    fn a_device_that_waits_for_changes_reads_the_log_again_once_per_new_entry_taken() {
        let keys = keys();
        let doc = keys.doc_id();
        // A reader restarted at cursor 2: it forgot the payloads it took before.
        let mut client = reader_at(&keys, 2);
        // A lying relay sends entry 1 again as entry 3; it verifies, and the device has
        // no way to tell (the real entry 3 is skipped). Entry 4 then waits for it.
        let first = sealed(&keys, b"first", 1);
        client.received(&signed_entry(&keys, 3, first), 1);
        client.received(&signed_entry(&keys, 4, sealed(&keys, b"fourth", 4)), 1);
        // Asked before the relay said it sent everything: read again after that.
        assert!(client.ask(doc, vec![], vec![[3; 32]], [1; 24]).is_empty());
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 4 }.encode(), 2);
        assert_eq!(
            effects,
            vec![
                Effect::Cursor {
                    doc,
                    seq: 0,
                    epoch: 5
                },
                Effect::Reconnect
            ]
        );
        client.disconnected(3, 0);
        client.tick(10_000);
        client.connected(10_000);
        let frames = sent(&client.received(&hello(), 10_000));
        assert!(frames.contains(&ClientFrame::Subscribe { doc, since: 0 }));
        for seq in 1..=4 {
            let changes = format!("entry {seq}");
            let effects = client.received(
                &signed_entry(
                    &keys,
                    seq,
                    sealed(&keys, changes.as_bytes(), seq as u8 + 10),
                ),
                10_001,
            );
            assert!(
                effects.contains(&Effect::Apply {
                    doc,
                    changes: changes.into_bytes()
                }),
                "entry {seq} is applied again"
            );
        }
        client.received(&RelayFrame::Subscribed { doc, latest: 4 }.encode(), 10_002);
        // Still waiting (the relay never had the change): nothing was taken since the
        // log was read again, so it is not read again.
        assert!(client.ask(doc, vec![], vec![[3; 32]], [2; 24]).is_empty());
        // A new entry is taken and changes still wait: read again.
        client.received(&signed_entry(&keys, 5, sealed(&keys, b"fifth", 5)), 10_003);
        let effects = client.ask(doc, vec![], vec![[3; 32]], [3; 24]);
        assert!(effects.contains(&Effect::Reconnect), "{effects:?}");
    }

    #[test]
    fn after_a_disconnect_the_status_keeps_the_last_contact_but_never_claims_new_sync() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = connected_client(&keys, 0);
        client.received(&RelayFrame::Subscribed { doc, latest: 0 }.encode(), 3);
        assert_eq!(client.status(&doc), Some(SyncStatus::Synced { at: 3 }));
        client.disconnected(4, 0);
        assert_eq!(client.status(&doc), Some(SyncStatus::Shared { at: 3 }));
        // Connected again, it is in sync only once the relay sent all it holds.
        client.tick(10_000);
        client.connected(10_000);
        client.received(&hello(), 10_001);
        assert_eq!(client.status(&doc), Some(SyncStatus::Shared { at: 3 }));
        client.received(&RelayFrame::Subscribed { doc, latest: 0 }.encode(), 10_002);
        assert_eq!(client.status(&doc), Some(SyncStatus::Synced { at: 10_002 }));
        client.disconnected(10_003, 0);
        client.local_changes(doc, b"offline", 1, vec![[1; 32]], [1; 24]);
        assert_eq!(client.status(&doc), Some(SyncStatus::Waiting { unsent: 1 }));
    }

    #[test]
    fn another_store_epoch_means_the_relay_lost_its_log_even_with_as_many_entries() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = Client::new();
        client.add_space(Capability::Write(Box::new(keys.clone())), 9, 4);
        client.tick(0);
        client.connected(0);
        let effects = client.received(&hello(), 0);
        assert!(effects.contains(&Effect::Lost { doc, latest: 0 }));
        assert!(effects.contains(&Effect::Cursor {
            doc,
            seq: 0,
            epoch: 5
        }));
        assert!(sent(&effects).contains(&ClientFrame::Subscribe { doc, since: 0 }));
    }

    #[test]
    fn a_new_device_learns_the_epoch_from_its_first_greeting() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = Client::new();
        client.add_space(Capability::Write(Box::new(keys.clone())), 0, 0);
        client.tick(0);
        client.connected(0);
        let effects = client.received(&hello(), 0);
        assert!(effects.contains(&Effect::Cursor {
            doc,
            seq: 0,
            epoch: 5
        }));
        assert!(!effects.iter().any(|e| matches!(e, Effect::Lost { .. })));
    }

    #[test]
    fn an_own_change_whose_entry_never_came_back_is_asked_for_again_and_then_confirmed() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = connected_client(&keys, 3);
        client.received(&RelayFrame::Subscribed { doc, latest: 3 }.encode(), 0);
        let payload = appended(&client.local_changes(doc, b"mine", 1, vec![[1; 32]], [7; 24]))
            .pop()
            .unwrap();
        // The relay stores it as entry 4, but that entry never comes back.
        client.received(&RelayFrame::Acked { doc, seq: 4 }.encode(), 200);
        assert_eq!(client.status(&doc), Some(SyncStatus::Waiting { unsent: 1 }));
        let wakeup = client.next_wakeup().unwrap();
        assert!(
            wakeup <= 200 + FIRST_CONFIRM_WAIT,
            "a check is due: {wakeup}"
        );
        let frames = sent(&client.tick(wakeup));
        assert!(
            frames.contains(&ClientFrame::Subscribe { doc, since: 3 }),
            "the log is read again from before the change: {frames:?}"
        );
        // Entry 4 comes: it is ours, so it is not applied, only confirms.
        let effects = client.received(&signed_entry(&keys, 4, payload), wakeup + 1);
        assert!(!effects.iter().any(|e| matches!(e, Effect::Apply { .. })));
        assert!(effects.contains(&Effect::Shared {
            doc,
            heads: vec![[1; 32]]
        }));
        assert!(matches!(
            client.status(&doc),
            Some(SyncStatus::Synced { .. })
        ));
        assert_eq!(client.next_work(), None, "nothing more to check");
    }

    /// A reader's client at cursor 3, greeted.
    fn reader_at_3(keys: &SpaceKeys) -> Client {
        reader_at(keys, 3)
    }

    /// A reader's client at `cursor` in epoch 5, greeted by the relay.
    fn reader_at(keys: &SpaceKeys, cursor: u64) -> Client {
        let mut client = Client::new();
        client.add_space(Capability::Read(keys.read().clone()), cursor, 5);
        client.tick(0);
        client.connected(0);
        client.received(&hello(), 0);
        client
    }

    /// The connection drops at `now`; after the backoff the client connects again and the
    /// relay greets it. Returns when that was and what the greeting brought.
    fn reconnect(client: &mut Client, now: Millis) -> (Millis, Vec<Effect>) {
        client.disconnected(now, 0);
        let at = client.next_wakeup().unwrap();
        client.tick(at);
        client.connected(at);
        (at, client.received(&hello(), at))
    }

    fn applied(effects: &[Effect]) -> bool {
        effects.iter().any(|e| matches!(e, Effect::Apply { .. }))
    }

    #[test]
    fn a_forged_or_altered_entry_is_refused_counted_and_read_again_from_an_honest_relay() {
        let keys = keys();
        let doc = keys.doc_id();
        let stranger = SpaceSecret::from_random([9; 32]).keys();
        let payload = sealed(&keys, b"forged", 1);
        // Sealed with the space's read key (a read-only holder can), but signed by
        // someone else; then the same with a proof from the writer for other bytes.
        let forged = RelayFrame::Entry {
            doc,
            seq: 4,
            proof: stranger.prove_append(&payload),
            payload: payload.clone(),
        };
        let mut altered = payload.clone();
        altered[30] ^= 1;
        let altered = RelayFrame::Entry {
            doc,
            seq: 4,
            proof: keys.prove_append(&payload),
            payload: altered,
        };
        for bad in [forged, altered] {
            let mut client = reader_at_3(&keys);
            let effects = client.received(&bad.encode(), 1);
            assert!(!applied(&effects), "{bad:?}");
            assert_eq!(
                effects,
                vec![
                    Effect::Rejected {
                        doc,
                        seq: 4,
                        why: Rejection::Forged
                    },
                    Effect::Reconnect
                ]
            );
            assert_eq!(client.rejected(&doc), 1);
            // The rest of this connection is ignored: no cursor moves past the forgery.
            let next = client.received(&signed_entry(&keys, 5, sealed(&keys, b"later", 2)), 2);
            assert!(next.is_empty(), "{next:?}");
            // On the next connection the log is read on from entry 4.
            let (at, greeting) = reconnect(&mut client, 3);
            assert!(sent(&greeting).contains(&ClientFrame::Subscribe { doc, since: 3 }));
            let honest = client.received(&signed_entry(&keys, 4, sealed(&keys, b"real", 3)), at);
            assert!(honest.contains(&Effect::Apply {
                doc,
                changes: b"real".to_vec()
            }));
        }
    }

    #[test]
    fn sequence_numbers_that_cannot_come_next_are_refused_and_the_cursor_stays() {
        let keys = keys();
        let doc = keys.doc_id();
        for seq in [5, 1_000, u64::MAX] {
            let mut client = reader_at_3(&keys);
            let effects = client.received(&signed_entry(&keys, seq, sealed(&keys, b"x", 1)), 1);
            assert_eq!(
                effects,
                vec![
                    Effect::Rejected {
                        doc,
                        seq,
                        why: Rejection::OutOfOrder
                    },
                    Effect::Reconnect
                ],
                "entry {seq} after 3"
            );
        }
        // An entry the device has already (a replay) is ignored and moves nothing.
        let mut client = reader_at_3(&keys);
        assert!(
            client
                .received(&signed_entry(&keys, 2, sealed(&keys, b"old", 1)), 1)
                .is_empty()
        );
        assert_eq!(client.rejected(&doc), 0);
    }

    #[test]
    fn a_writers_entry_that_does_not_open_is_set_aside_and_the_log_goes_on() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = reader_at_3(&keys);
        // Signed by the writer, but sealed as a snapshot: it does not open as an entry.
        let wrong_kind = keys.read().seal(
            Sealed::Snapshot,
            &Payload::Changes(b"x".to_vec()).encode(),
            [1; 24],
        );
        let effects = client.received(&signed_entry(&keys, 4, wrong_kind.clone()), 1);
        assert_eq!(
            effects[0],
            Effect::Rejected {
                doc,
                seq: 4,
                why: Rejection::Unreadable
            }
        );
        // A replay could look the same: the stored cursor waits for a second reading.
        assert!(effects.contains(&Effect::Cursor {
            doc,
            seq: 3,
            epoch: 5
        }));
        let next = sealed(&keys, b"next", 2);
        assert!(
            client
                .received(&signed_entry(&keys, 5, next.clone()), 2)
                .contains(&Effect::Apply {
                    doc,
                    changes: b"next".to_vec()
                })
        );
        assert_eq!(client.rejected(&doc), 1);
        client.received(&RelayFrame::Subscribed { doc, latest: 5 }.encode(), 3);
        let frames = sent(&client.tick(1 + DOUBT_WAIT));
        assert_eq!(frames, vec![ClientFrame::Subscribe { doc, since: 3 }]);
        client.received(&signed_entry(&keys, 4, wrong_kind), 2_100);
        client.received(&signed_entry(&keys, 5, next), 2_100);
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 5 }.encode(), 2_100);
        assert!(effects.contains(&Effect::Cursor {
            doc,
            seq: 5,
            epoch: 5
        }));
        assert_eq!(client.rejected(&doc), 1);
        assert_eq!(client.next_work(), None);
    }

    #[test]
    fn a_snapshot_is_applied_only_with_the_writers_proof_of_what_it_covers() {
        let keys = keys();
        let doc = keys.doc_id();
        let payload = keys.read().seal(
            Sealed::Snapshot,
            &Payload::Changes(b"whole".to_vec()).encode(),
            [1; 24],
        );
        let snapshot = |covers, proof| {
            RelayFrame::Snapshot {
                doc,
                covers,
                payload: payload.clone(),
                proof,
            }
            .encode()
        };
        let mut client = reader_at_3(&keys);
        // A proof for another number of entries, and one cut short.
        for bad in [
            snapshot(9, keys.prove_snapshot(8, &payload)),
            snapshot(9, keys.prove_snapshot(9, &payload)[..40].to_vec()),
        ] {
            let effects = client.received(&bad, 1);
            assert!(!applied(&effects), "{effects:?}");
            assert!(effects.contains(&Effect::Reconnect));
            reconnect(&mut client, 2);
        }
        assert_eq!(client.rejected(&doc), 2);
        let effects = client.received(&snapshot(9, keys.prove_snapshot(9, &payload)), 50_000);
        assert!(effects.contains(&Effect::Apply {
            doc,
            changes: b"whole".to_vec()
        }));
        assert!(effects.contains(&Effect::Cursor {
            doc,
            seq: 9,
            epoch: 5
        }));
    }

    #[test]
    fn a_relay_that_keeps_lying_is_asked_again_ever_more_slowly() {
        let keys = keys();
        let doc = keys.doc_id();
        let stranger = SpaceSecret::from_random([9; 32]).keys();
        let mut client = reader_at_3(&keys);
        let mut now = 0;
        let mut delays = Vec::new();
        for _ in 0..6 {
            let payload = sealed(&keys, b"forged", 1);
            let forged = RelayFrame::Entry {
                doc,
                seq: 4,
                proof: stranger.prove_append(&payload),
                payload,
            };
            client.received(&forged.encode(), now);
            // Every greeting would reset an ordinary backoff.
            let (at, _) = reconnect(&mut client, now);
            delays.push(at - now);
            now = at;
        }
        assert!(delays.windows(2).all(|w| w[0] < w[1]), "{delays:?}");
        assert_eq!(client.rejected(&doc), 6);
    }

    #[test]
    fn a_relay_that_stops_lying_is_trusted_again_step_by_step() {
        let keys = keys();
        let doc = keys.doc_id();
        let stranger = SpaceSecret::from_random([9; 32]).keys();
        let mut client = reader_at_3(&keys);
        let mut now = 0;
        for _ in 0..5 {
            let payload = sealed(&keys, b"forged", 1);
            let forged = RelayFrame::Entry {
                doc,
                seq: 4,
                proof: stranger.prove_append(&payload),
                payload,
            };
            client.received(&forged.encode(), now);
            now = reconnect(&mut client, now).0;
        }
        // The connections after the lies: whole backlogs, nothing refused.
        let mut delays = Vec::new();
        for _ in 0..3 {
            client.received(&RelayFrame::Subscribed { doc, latest: 3 }.encode(), now);
            let (at, _) = reconnect(&mut client, now);
            delays.push(at - now);
            now = at;
        }
        assert!(delays.windows(2).all(|w| w[0] > w[1]), "{delays:?}");
        assert_eq!(delays[2], FIRST_RETRY, "{delays:?}");
    }

    #[test]
    fn an_old_entry_replayed_under_the_next_number_is_not_applied_and_found_out() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = reader_at_3(&keys);
        let old = sealed(&keys, b"four", 1);
        assert!(applied(
            &client.received(&signed_entry(&keys, 4, old.clone()), 1)
        ));
        // Entry 5 is really another change; a lying relay sends entry 4 again as 5.
        let effects = client.received(&signed_entry(&keys, 5, old.clone()), 2);
        assert!(!applied(&effects), "{effects:?}");
        assert!(
            effects.contains(&Effect::Cursor {
                doc,
                seq: 3,
                epoch: 5
            }),
            "the stored cursor goes back before both numbers: {effects:?}"
        );
        client.received(&RelayFrame::Subscribed { doc, latest: 5 }.encode(), 3);
        let frames = sent(&client.tick(2 + DOUBT_WAIT));
        assert_eq!(frames, vec![ClientFrame::Subscribe { doc, since: 3 }]);
        // Read again: entry 4 is what was taken, entry 5 is not the replay.
        let at = 3 + DOUBT_WAIT;
        assert!(!applied(&client.received(&signed_entry(&keys, 4, old), at)));
        let real = sealed(&keys, b"five", 5);
        let effects = client.received(&signed_entry(&keys, 5, real.clone()), at);
        assert_eq!(
            effects,
            [Effect::Apply {
                doc,
                changes: b"five".to_vec()
            }]
        );
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 5 }.encode(), at);
        assert_eq!(
            effects[..2],
            [
                Effect::Rejected {
                    doc,
                    seq: 5,
                    why: Rejection::Replayed
                },
                Effect::Cursor {
                    doc,
                    seq: 4,
                    epoch: 5
                }
            ]
        );
        assert_eq!(client.rejected(&doc), 1);
        // One more reading that agrees settles it.
        let frames = sent(&client.tick(at + DOUBT_WAIT));
        assert_eq!(frames, vec![ClientFrame::Subscribe { doc, since: 4 }]);
        client.received(&signed_entry(&keys, 5, real), at + DOUBT_WAIT);
        let effects = client.received(
            &RelayFrame::Subscribed { doc, latest: 5 }.encode(),
            at + DOUBT_WAIT,
        );
        assert!(effects.contains(&Effect::Cursor {
            doc,
            seq: 5,
            epoch: 5
        }));
        assert_eq!(client.rejected(&doc), 1);
        assert_eq!(client.next_work(), None);
    }

    #[test]
    fn an_entry_replayed_past_the_end_of_the_log_is_found_out_when_read_again() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = reader_at(&keys, 2);
        let third = sealed(&keys, b"three", 3);
        client.received(&signed_entry(&keys, 3, third.clone()), 1);
        client.received(&RelayFrame::Subscribed { doc, latest: 3 }.encode(), 1);
        // The relay makes up entry 4 out of entry 3.
        let effects = client.received(&signed_entry(&keys, 4, third.clone()), 2);
        assert!(!applied(&effects), "{effects:?}");
        let frames = sent(&client.tick(2 + DOUBT_WAIT));
        assert_eq!(frames, vec![ClientFrame::Subscribe { doc, since: 2 }]);
        let at = 3 + DOUBT_WAIT;
        client.received(&signed_entry(&keys, 3, third), at);
        // The log ends at 3: there was no entry 4.
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 3 }.encode(), at);
        assert_eq!(
            effects[..2],
            [
                Effect::Rejected {
                    doc,
                    seq: 4,
                    why: Rejection::Replayed
                },
                Effect::Cursor {
                    doc,
                    seq: 3,
                    epoch: 5
                }
            ]
        );
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::Lost { .. } | Effect::Reconnect)),
            "not taken for a store that lost entries: {effects:?}"
        );
        assert_eq!(client.rejected(&doc), 1);
        assert_eq!(client.next_work(), None);
        // The real entry 4, when it comes, is taken.
        let real = sealed(&keys, b"four", 4);
        assert!(applied(
            &client.received(&signed_entry(&keys, 4, real), at + 1)
        ));
    }

    /// A reader at cursor 1 that took entry 2 and then the same payload again as entry 3
    /// (so both are in doubt), caught up at 3, and asked to read the log again from 1.
    fn reader_doubting_2_and_3(keys: &SpaceKeys) -> (Client, Vec<u8>) {
        let doc = keys.doc_id();
        let mut client = reader_at(keys, 1);
        let second = sealed(keys, b"two", 2);
        client.received(&signed_entry(keys, 2, second.clone()), 1);
        client.received(&signed_entry(keys, 3, second.clone()), 1);
        client.received(&RelayFrame::Subscribed { doc, latest: 3 }.encode(), 1);
        let frames = sent(&client.tick(1 + DOUBT_WAIT));
        assert_eq!(frames, vec![ClientFrame::Subscribe { doc, since: 1 }]);
        (client, second)
    }

    /// Reads the log again once `client` asks to, as a relay holding `entries` (numbered
    /// from 2) answers; returns the effects. After every payload applied the app says it
    /// brought nothing new (the worst case: a device that has all of them).
    fn read_again(
        client: &mut Client,
        keys: &SpaceKeys,
        entries: &[Vec<u8>],
        now: Millis,
    ) -> Vec<Effect> {
        let doc = keys.doc_id();
        let mut effects = client.tick(now);
        for (n, entry) in entries.iter().enumerate() {
            let got = client.received(&signed_entry(keys, n as u64 + 2, entry.clone()), now);
            let applied = applied(&got);
            effects.extend(got);
            if applied {
                effects.extend(client.nothing_new(doc, now));
            }
        }
        let latest = entries.len() as u64 + 1;
        effects.extend(client.received(&RelayFrame::Subscribed { doc, latest }.encode(), now));
        effects
    }

    /// An honest relay holding `entries` (numbered from 2) answers two readings again
    /// from `at` on: the first brings the real payload `real`, the second agrees with it,
    /// and every doubt through `through` is settled.
    fn honest_readings_settle(
        client: &mut Client,
        keys: &SpaceKeys,
        entries: &[Vec<u8>],
        real: &[u8],
        at: Millis,
        through: u64,
    ) {
        let effects = read_again(client, keys, entries, at);
        assert!(
            applied_bytes(&effects).contains(&real.to_vec()),
            "{effects:?}"
        );
        let effects = read_again(client, keys, entries, at + DOUBT_WAIT + 100);
        assert!(
            effects.contains(&Effect::Cursor {
                doc: keys.doc_id(),
                seq: through,
                epoch: 5
            }),
            "{effects:?}"
        );
        assert_eq!(client.next_work(), None);
    }

    /// The end of a reading moved the stored cursor to `seq`, and nothing is left to do.
    fn assert_settled(client: &Client, effects: &[Effect], doc: DocId, seq: u64) {
        assert!(
            effects.contains(&Effect::Cursor { doc, seq, epoch: 5 }),
            "{effects:?}"
        );
        assert_eq!(client.next_work(), None);
    }

    fn applied_bytes(effects: &[Effect]) -> Vec<Vec<u8>> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Apply { changes, .. } => Some(changes.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_relay_that_leaves_out_a_doubted_entry_when_read_again_is_refused_and_asked_again() {
        let keys = keys();
        let doc = keys.doc_id();
        let (mut client, second) = reader_doubting_2_and_3(&keys);
        // Read again, the relay sends entry 2 and leaves entry 3 out, as if it were gone.
        client.received(&signed_entry(&keys, 2, second.clone()), 2_100);
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 3 }.encode(), 2_100);
        assert_eq!(
            effects,
            vec![
                Effect::Cursor {
                    doc,
                    seq: 2,
                    epoch: 5
                },
                Effect::Rejected {
                    doc,
                    seq: 3,
                    why: Rejection::Withheld
                },
                Effect::Reconnect
            ]
        );
        // On the next connection it is read again, and an honest relay's entry 3 is
        // taken, then settled by a reading that agrees.
        let (at, _) = reconnect(&mut client, 2_200);
        client.received(&RelayFrame::Subscribed { doc, latest: 3 }.encode(), at);
        let real = sealed(&keys, b"three", 3);
        let honest = [second, real];
        honest_readings_settle(&mut client, &keys, &honest, b"three", at + DOUBT_WAIT, 3);
    }

    #[test]
    fn a_relay_that_answers_a_doubt_with_another_old_entry_is_not_believed() {
        let keys = keys();
        let doc = keys.doc_id();
        let (mut client, second) = reader_doubting_2_and_3(&keys);
        // Read again, the relay sends entry 2's payload as entry 3 once more... then a
        // made-up difference: the first entry of the space, under number 3.
        let first = sealed(&keys, b"one", 1);
        let before = client.rejected(&doc);
        let effects = read_again(&mut client, &keys, &[second.clone(), first], 2_100);
        assert!(
            !effects.contains(&Effect::Cursor {
                doc,
                seq: 3,
                epoch: 5
            }),
            "number 3 stays in doubt: {effects:?}"
        );
        assert!(
            client.rejected(&doc) > before,
            "the made-up difference is counted"
        );
        // An honest relay's entry 3 is taken, and a reading that agrees settles it.
        let real = sealed(&keys, b"three", 3);
        let honest = [second, real];
        honest_readings_settle(&mut client, &keys, &honest, b"three", 2_100 + DOUBT_WAIT, 3);
    }

    #[test]
    fn a_replay_of_an_entry_read_twice_already_is_doubted_under_both_numbers() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = reader_at(&keys, 1);
        let two = sealed(&keys, b"two", 2);
        let three = sealed(&keys, b"three", 3);
        client.received(&signed_entry(&keys, 2, two.clone()), 1);
        client.received(&signed_entry(&keys, 3, three.clone()), 1);
        client.nothing_new(doc, 1);
        client.received(&RelayFrame::Subscribed { doc, latest: 3 }.encode(), 1);
        // Entry 3 is read twice and settled: numbers through 3 are checked.
        let effects = read_again(
            &mut client,
            &keys,
            &[two.clone(), three.clone()],
            1 + DOUBT_WAIT,
        );
        assert!(effects.contains(&Effect::Cursor {
            doc,
            seq: 3,
            epoch: 5
        }));
        // Then entry 2's payload comes as entry 4, in place of the real one.
        client.received(&signed_entry(&keys, 4, two.clone()), 3_000);
        client.received(&RelayFrame::Subscribed { doc, latest: 4 }.encode(), 3_000);
        // The relay stands by it when read again: one payload under 2 and 4, so neither
        // is settled, and the stored cursor stays before 2.
        let effects = read_again(
            &mut client,
            &keys,
            &[two.clone(), three.clone(), two.clone()],
            3_000 + DOUBT_WAIT,
        );
        assert!(
            effects.contains(&Effect::Cursor {
                doc,
                seq: 1,
                epoch: 5
            }),
            "{effects:?}"
        );
        // An honest relay brings the real entry 4; a reading that agrees settles it.
        let real = sealed(&keys, b"four", 4);
        let honest = [two, three, real];
        honest_readings_settle(
            &mut client,
            &keys,
            &honest,
            b"four",
            3_100 + 2 * DOUBT_WAIT,
            4,
        );
    }

    #[test]
    fn a_reading_again_that_ends_before_every_doubted_number_counts_them_made_up() {
        // Found by the `client` fuzz target (a panic on the empty range of doubts).
        let keys = keys();
        let doc = keys.doc_id();
        let (mut client, _) = reader_doubting_2_and_3(&keys);
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 1 }.encode(), 2_100);
        assert_eq!(
            effects
                .iter()
                .filter(|e| matches!(
                    e,
                    Effect::Rejected {
                        why: Rejection::Replayed,
                        ..
                    }
                ))
                .count(),
            2,
            "{effects:?}"
        );
        assert!(effects.contains(&Effect::Cursor {
            doc,
            seq: 1,
            epoch: 5
        }));
        assert_eq!(client.rejected(&doc), 2);
    }

    #[test]
    fn a_payload_moved_to_another_number_between_readings_settles_nothing() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = reader_at(&keys, 0);
        let (one, two) = (sealed(&keys, b"one", 1), sealed(&keys, b"two", 2));
        client.received(&signed_entry(&keys, 1, one.clone()), 1);
        client.received(&signed_entry(&keys, 2, two.clone()), 1);
        // Entry 2's payload again as 3 (the real entry 3 is never sent by the liar).
        client.received(&signed_entry(&keys, 3, two.clone()), 1);
        client.received(&RelayFrame::Subscribed { doc, latest: 3 }.encode(), 1);
        // Read again, the liar moves the payloads: `one` under 2, `two` under 3.
        for at in [2_001, 4_001, 6_001] {
            let effects = read_again(&mut client, &keys, &[one.clone(), two.clone()], at);
            assert!(
                sent(&effects).contains(&ClientFrame::Subscribe { doc, since: 1 }),
                "each reading asks again from 1: {effects:?}"
            );
            assert!(
                !effects
                    .iter()
                    .any(|e| matches!(e, Effect::Cursor { seq, .. } if *seq > 1)),
                "{effects:?}"
            );
        }
        // An honest relay: the real entry 3 is taken, and readings that agree settle all.
        let honest = [two, sealed(&keys, b"three", 3)];
        honest_readings_settle(&mut client, &keys, &honest, b"three", 8_001, 3);
    }

    /// A reader at cursor 3 whose entry 4 brought nothing new, caught up, and asked to
    /// read the log again from 3; with entry 4's payload.
    fn reader_doubting_4(keys: &SpaceKeys) -> (Client, Vec<u8>) {
        let doc = keys.doc_id();
        let mut client = reader_at_3(keys);
        let four = sealed(keys, b"four", 4);
        client.received(&signed_entry(keys, 4, four.clone()), 1);
        client.nothing_new(doc, 1);
        client.received(&RelayFrame::Subscribed { doc, latest: 4 }.encode(), 1);
        let frames = sent(&client.tick(1 + DOUBT_WAIT));
        assert_eq!(frames, vec![ClientFrame::Subscribe { doc, since: 3 }]);
        (client, four)
    }

    #[test]
    fn an_entry_newer_than_a_reading_again_is_not_taken_for_withheld() {
        let keys = keys();
        let doc = keys.doc_id();
        let (mut client, four) = reader_doubting_4(&keys);
        // The reading's backlog also holds a new entry, a request (which is doubted).
        client.received(&signed_entry(&keys, 4, four), 2_100);
        let request = keys.read().seal(
            Sealed::Entry,
            &Payload::Need {
                have: vec![[1; 32]],
                missing: vec![[2; 32]],
            }
            .encode(),
            [5; 24],
        );
        client.received(&signed_entry(&keys, 5, request.clone()), 2_100);
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 5 }.encode(), 2_100);
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::Rejected { .. } | Effect::Reconnect)),
            "{effects:?}"
        );
        assert!(effects.contains(&Effect::Cursor {
            doc,
            seq: 4,
            epoch: 5
        }));
        // The request is read again on its own, and then all is settled.
        let frames = sent(&client.tick(2_100 + DOUBT_WAIT));
        assert_eq!(frames, vec![ClientFrame::Subscribe { doc, since: 4 }]);
        client.received(&signed_entry(&keys, 5, request), 4_200);
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 5 }.encode(), 4_200);
        assert_settled(&client, &effects, doc, 5);
        assert_eq!(client.rejected(&doc), 0);
    }

    #[test]
    fn a_reading_again_the_relay_refuses_to_serve_is_asked_again_later() {
        let keys = keys();
        let doc = keys.doc_id();
        let (mut client, four) = reader_doubting_4(&keys);
        let refusal = RelayFrame::Error {
            doc: Some(doc),
            code: ErrorCode::RateLimited,
            message: String::new(),
        };
        client.received(&refusal.encode(), 2_002);
        // Subscribed again from the cursor once the wait (a second or a little more) is
        // over, then read again.
        let resubscribed = client.next_work().unwrap();
        assert!((3_002..=3_502).contains(&resubscribed), "{resubscribed}");
        let frames = sent(&client.tick(resubscribed));
        assert!(
            frames.contains(&ClientFrame::Subscribe { doc, since: 4 }),
            "{frames:?}"
        );
        client.received(
            &RelayFrame::Subscribed { doc, latest: 4 }.encode(),
            resubscribed,
        );
        let frames = sent(&client.tick(resubscribed + DOUBT_WAIT));
        assert_eq!(frames, vec![ClientFrame::Subscribe { doc, since: 3 }]);
        let at = resubscribed + DOUBT_WAIT;
        client.received(&signed_entry(&keys, 4, four), at);
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 4 }.encode(), at);
        assert_settled(&client, &effects, doc, 4);
        assert_eq!(client.rejected(&doc), 0);
    }

    #[test]
    fn a_writer_makes_no_snapshot_over_numbers_in_doubt() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = connected_client(&keys, 3);
        client.received(&RelayFrame::Subscribed { doc, latest: 3 }.encode(), 0);
        client.received(&signed_entry(&keys, 4, sealed(&keys, b"four", 4)), 1);
        client.nothing_new(doc, 1);
        client.received(&RelayFrame::Subscribed { doc, latest: 4 }.encode(), 1);
        // The log is full: the snapshot asked for covers only what is not in doubt.
        let full = RelayFrame::Error {
            doc: Some(doc),
            code: ErrorCode::LogFull,
            message: String::new(),
        };
        let effects = client.received(&full.encode(), 2);
        assert!(
            effects.contains(&Effect::WantSnapshot { doc, covers: 3 }),
            "{effects:?}"
        );
        assert!(sent(&client.snapshot(doc, b"document", 4, [1; 24])).is_empty());
        assert_eq!(
            sent(&client.snapshot(doc, b"document", 3, [1; 24])).len(),
            1
        );
    }

    #[test]
    fn entries_after_a_refused_subscription_wait_for_the_backlog_it_asks_again() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = reader_at_3(&keys);
        // The relay could not read the backlog, but subscribed: a live entry comes.
        let failed = RelayFrame::Error {
            doc: Some(doc),
            code: ErrorCode::StorageFailed,
            message: String::new(),
        };
        client.received(&failed.encode(), 1);
        let effects = client.received(&signed_entry(&keys, 7, sealed(&keys, b"seven", 7)), 2);
        assert!(effects.is_empty(), "{effects:?}");
        assert_eq!(client.rejected(&doc), 0);
        // Other refusals meanwhile do not put it off.
        let limited = RelayFrame::Error {
            doc: Some(doc),
            code: ErrorCode::RateLimited,
            message: String::new(),
        };
        client.received(&limited.encode(), 900);
        let resubscribed = client.next_work().unwrap();
        assert!((1_001..=1_501).contains(&resubscribed), "{resubscribed}");
        let frames = sent(&client.tick(resubscribed));
        assert!(
            frames.contains(&ClientFrame::Subscribe { doc, since: 3 }),
            "{frames:?}"
        );
        // The backlog comes, then entries that cannot come next are refused again.
        let at = resubscribed + 1;
        for n in 4..=7u8 {
            let entry = signed_entry(&keys, u64::from(n), sealed(&keys, &[n], n));
            assert!(applied(&client.received(&entry, at)));
        }
        client.received(&RelayFrame::Subscribed { doc, latest: 7 }.encode(), at);
        let effects = client.received(&signed_entry(&keys, 9, sealed(&keys, b"gap", 9)), at);
        assert!(effects.contains(&Effect::Reconnect), "{effects:?}");
    }

    #[test]
    fn a_snapshot_that_covers_a_doubted_entry_settles_it() {
        let keys = keys();
        let doc = keys.doc_id();
        let (mut client, _) = reader_doubting_2_and_3(&keys);
        // Read again, the relay no longer keeps entries 2 and 3: a snapshot covers them.
        let payload = keys.read().seal(
            Sealed::Snapshot,
            &Payload::Changes(b"through three".to_vec()).encode(),
            [4; 24],
        );
        let effects = client.received(
            &RelayFrame::Snapshot {
                doc,
                covers: 3,
                proof: keys.prove_snapshot(3, &payload),
                payload,
            }
            .encode(),
            2_100,
        );
        assert_eq!(applied_bytes(&effects), [b"through three".to_vec()]);
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 3 }.encode(), 2_100);
        assert!(!effects.contains(&Effect::Reconnect), "{effects:?}");
        assert!(effects.contains(&Effect::Cursor {
            doc,
            seq: 3,
            epoch: 5
        }));
        assert_eq!(client.rejected(&doc), 0);
        assert_eq!(client.next_work(), None);
    }

    #[test]
    fn a_relay_that_says_twice_that_it_lost_entries_is_refused_the_second_time() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = reader_at_3(&keys);
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 1 }.encode(), 1);
        assert!(
            effects.contains(&Effect::Lost { doc, latest: 1 }),
            "an honest store restored from a backup: {effects:?}"
        );
        let (at, _) = reconnect(&mut client, 2);
        for n in 1..=3 {
            client.received(
                &signed_entry(&keys, n, sealed(&keys, &[n as u8], n as u8)),
                at,
            );
        }
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 0 }.encode(), at);
        assert_eq!(
            effects,
            vec![
                Effect::Cursor {
                    doc,
                    seq: 0,
                    epoch: 5
                },
                Effect::Rejected {
                    doc,
                    seq: 0,
                    why: Rejection::Lost
                },
                Effect::Reconnect
            ]
        );
        // An honest relay then: the log is read from the start, and that is all.
        let (at, effects) = reconnect(&mut client, at);
        assert!(sent(&effects).contains(&ClientFrame::Subscribe { doc, since: 0 }));
        for n in 1..=3 {
            client.received(
                &signed_entry(&keys, n, sealed(&keys, &[n as u8], n as u8)),
                at,
            );
        }
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 3 }.encode(), at);
        assert!(
            !effects.iter().any(|e| matches!(
                e,
                Effect::Reconnect | Effect::Lost { .. } | Effect::Rejected { .. }
            )),
            "{effects:?}"
        );
        assert_eq!(client.rejected(&doc), 1);
    }

    #[test]
    fn a_payload_under_a_second_number_is_not_settled_by_a_snapshot_of_the_first() {
        // An honest relay keeps a payload's number for good (also once it let the entry
        // go), so a payload under a second number is a relay's replay, whatever snapshot
        // it sends with it.
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = reader_at_3(&keys);
        let again = sealed(&keys, b"four", 1);
        client.received(&signed_entry(&keys, 4, again.clone()), 1);
        let effects = client.received(&signed_entry(&keys, 5, again.clone()), 2);
        assert!(
            !effects.contains(&Effect::Reconnect) && !applied(&effects),
            "{effects:?}"
        );
        client.received(&RelayFrame::Subscribed { doc, latest: 5 }.encode(), 3);
        client.tick(2 + DOUBT_WAIT);
        // Read again: a genuine snapshot through 4, then the same payload as entry 5.
        let at = 3 + DOUBT_WAIT;
        let payload = keys.read().seal(
            Sealed::Snapshot,
            &Payload::Changes(b"through four".to_vec()).encode(),
            [8; 24],
        );
        let snapshot = RelayFrame::Snapshot {
            doc,
            covers: 4,
            proof: keys.prove_snapshot(4, &payload),
            payload,
        };
        client.received(&snapshot.encode(), at);
        client.received(&signed_entry(&keys, 5, again), at);
        let effects = client.received(&RelayFrame::Subscribed { doc, latest: 5 }.encode(), at);
        assert!(
            effects.contains(&Effect::Rejected {
                doc,
                seq: 5,
                why: Rejection::Replayed
            }),
            "{effects:?}"
        );
        assert!(
            effects.contains(&Effect::Cursor {
                doc,
                seq: 4,
                epoch: 5
            }),
            "the stored cursor stays before 5: {effects:?}"
        );
        // The real entry 5 from an honest relay is taken, and a reading that agrees
        // settles it.
        let real = sealed(&keys, b"five", 5);
        for (n, reading) in [at + DOUBT_WAIT, at + 2 * DOUBT_WAIT + 100]
            .into_iter()
            .enumerate()
        {
            let frames = sent(&client.tick(reading));
            assert_eq!(frames, vec![ClientFrame::Subscribe { doc, since: 4 }]);
            let effects = client.received(&signed_entry(&keys, 5, real.clone()), reading);
            assert_eq!(applied(&effects), n == 0, "{effects:?}");
            client.received(&RelayFrame::Subscribed { doc, latest: 5 }.encode(), reading);
        }
        assert_eq!(client.next_work(), None);
        assert_eq!(client.rejected(&doc), 2);
    }

    #[test]
    fn a_reading_again_that_holds_one_payload_under_two_numbers_settles_neither() {
        let keys = keys();
        let doc = keys.doc_id();
        let (mut client, second) = reader_doubting_2_and_3(&keys);
        // The relay stands by its lie: entry 2's payload under 2 and under 3.
        let effects = read_again(&mut client, &keys, &[second.clone(), second.clone()], 2_100);
        assert!(
            effects.contains(&Effect::Rejected {
                doc,
                seq: 3,
                why: Rejection::Replayed
            }),
            "{effects:?}"
        );
        assert!(!effects.contains(&Effect::Cursor {
            doc,
            seq: 3,
            epoch: 5
        }));
        // An honest reading brings the real entry 3, and one more settles it.
        let real = sealed(&keys, b"three", 3);
        let honest = [second, real];
        honest_readings_settle(&mut client, &keys, &honest, b"three", 2_100 + DOUBT_WAIT, 3);
    }

    #[test]
    fn a_space_added_while_connected_counts_its_cursor_in_the_relays_epoch() {
        let keys = keys();
        let doc = keys.doc_id();
        let mut client = Client::new();
        client.tick(0);
        client.connected(0);
        client.received(&hello(), 0);
        // Created (or joined) while online.
        let effects = client.add_space(Capability::Write(Box::new(keys.clone())), 0, 0);
        assert!(effects.contains(&Effect::Cursor {
            doc,
            seq: 0,
            epoch: 5
        }));
        assert!(sent(&effects).contains(&ClientFrame::Subscribe { doc, since: 0 }));
        let effects = client.received(&signed_entry(&keys, 1, sealed(&keys, b"first", 1)), 1);
        assert!(effects.contains(&Effect::Cursor {
            doc,
            seq: 1,
            epoch: 5
        }));
        // The next greeting from the same store loses nothing.
        let (_, effects) = reconnect(&mut client, 2);
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Lost { .. })),
            "{effects:?}"
        );
        assert!(sent(&effects).contains(&ClientFrame::Subscribe { doc, since: 1 }));
    }
}
