//! A deterministic network of devices running the real sync state machine against a
//! simulated relay, with connections dropped at random, frames duplicated in both
//! directions, frames to the relay reordered, devices writing while cut off, devices
//! restarted at random with only what they had stored (the document, the cursor and the
//! shared heads, as the app keeps them in IndexedDB), and the relay losing its store.
//! When the network heals, every device holds the same document, no change that was ever
//! made is missing anywhere, and every status says "synced" truthfully.

#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, VecDeque};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ChangeHash, ROOT, ReadDoc};
use landsbyplan_sync::{
    Capability, Client, ClientFrame, DocId, Effect, Hash, Outbox, Payload, ReadCapability,
    Rejection, RelayFrame, Sealed, SpaceKeys, SpaceSecret, SyncStatus, verify_append,
    verify_snapshot,
};
use proptest::prelude::*;

/// Sequence number (or what a snapshot covers), payload and proof.
type Signed = (u64, Vec<u8>, Vec<u8>);

/// The relay's rules, in memory: checked proofs, one entry per payload, sequence numbers,
/// snapshots, live forwarding to every subscriber.
#[derive(Default)]
struct SimRelay {
    /// Per document: sequence number, payload and proof of every entry.
    entries: HashMap<DocId, Vec<Signed>>,
    /// Per document: what the snapshot covers, its payload and proof.
    snapshots: HashMap<DocId, Signed>,
    subscriptions: HashMap<usize, HashMap<DocId, u64>>,
    /// The last sequence number given, per document.
    latest: HashMap<DocId, u64>,
    /// The store's epoch: a new store has another.
    epoch: u64,
    /// A connection whose next backlogs lie, how, and for how many more backlogs.
    liar: Option<(usize, Backlog, u32)>,
    /// Per document: the payloads of entries let go after their grace period, with their
    /// numbers (one sent again keeps its number).
    let_go: HashMap<DocId, Vec<(Vec<u8>, u64)>>,
}

/// How a lying relay changes a backlog (a first reading, or a reading again for doubts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backlog {
    /// Its last entry is left out, as if the log no longer held it.
    Withholds,
    /// Its last entry carries the payload of an entry before it.
    Replays,
}

impl SimRelay {
    fn open(&mut self, conn: usize) -> Vec<(usize, RelayFrame)> {
        self.subscriptions.insert(conn, HashMap::new());
        vec![(
            conn,
            RelayFrame::Hello {
                peer: conn as u64,
                epoch: self.epoch,
            },
        )]
    }

    fn close(&mut self, conn: usize) {
        self.subscriptions.remove(&conn);
    }

    fn handle(&mut self, conn: usize, bytes: &[u8]) -> Vec<(usize, RelayFrame)> {
        let frame = ClientFrame::decode(bytes).unwrap();
        let mut out = Vec::new();
        match frame {
            ClientFrame::Subscribe { doc, since } => {
                let mut cursor = since;
                // As the relay's store: a device whose missing entries are all still kept
                // (covered ones, in their grace period) gets those, not the snapshot.
                let log = self.entries.get(&doc);
                let kept = |covers: u64| {
                    since > 0
                        && log.is_some_and(|log| {
                            log.iter()
                                .filter(|(seq, ..)| (since + 1..=covers).contains(seq))
                                .count() as u64
                                == covers - since
                        })
                };
                if let Some((covers, payload, proof)) = self
                    .snapshots
                    .get(&doc)
                    .filter(|(c, ..)| *c > since && !kept(*c))
                {
                    cursor = *covers;
                    out.push((
                        conn,
                        RelayFrame::Snapshot {
                            doc,
                            covers: *covers,
                            payload: payload.clone(),
                            proof: proof.clone(),
                        },
                    ));
                }
                let log = self.entries.get(&doc).cloned().unwrap_or_default();
                let lie = match &mut self.liar {
                    Some((liar, how, left)) if *liar == conn && *left > 0 => {
                        *left -= 1;
                        Some(*how)
                    }
                    _ => None,
                };
                let last = log.last().map_or(0, |(seq, ..)| *seq);
                for (seq, payload, proof) in &log {
                    if *seq > cursor {
                        cursor = *seq;
                        let (payload, proof) = match lie.filter(|_| *seq == last) {
                            None => (payload.clone(), proof.clone()),
                            Some(Backlog::Withholds) => continue,
                            Some(Backlog::Replays) => match log.iter().find(|(s, ..)| s < seq) {
                                Some((_, earlier, earlier_proof)) => {
                                    (earlier.clone(), earlier_proof.clone())
                                }
                                None => (payload.clone(), proof.clone()),
                            },
                        };
                        out.push((
                            conn,
                            RelayFrame::Entry {
                                doc,
                                seq: *seq,
                                payload,
                                proof,
                            },
                        ));
                    }
                }
                if let Some(subs) = self.subscriptions.get_mut(&conn) {
                    subs.insert(doc, cursor);
                }
                let latest = self.latest.get(&doc).copied().unwrap_or(0);
                out.push((conn, RelayFrame::Subscribed { doc, latest }));
            }
            ClientFrame::Append {
                doc,
                writer,
                payload,
                proof,
            } => {
                assert!(verify_append(
                    &doc,
                    &landsbyplan_sync::WriterKey(writer),
                    &payload,
                    &proof
                ));
                let log = self.entries.entry(doc).or_default();
                let gone = self
                    .let_go
                    .get(&doc)
                    .and_then(|gone| gone.iter().find(|(p, _)| *p == payload))
                    .map(|(_, seq)| (*seq, payload.clone(), proof.clone()));
                let kept = log.iter().find(|(_, p, _)| *p == payload).cloned();
                let seq = match kept.or(gone).as_ref() {
                    Some((seq, ..)) => {
                        // Kept already: the sender, if its connection is past it, gets it
                        // back (nobody else does).
                        let past = self
                            .subscriptions
                            .get(&conn)
                            .and_then(|subs| subs.get(&doc))
                            .is_some_and(|cursor| seq <= cursor);
                        if past {
                            out.push((
                                conn,
                                RelayFrame::Entry {
                                    doc,
                                    seq: *seq,
                                    payload: payload.clone(),
                                    proof: proof.clone(),
                                },
                            ));
                        }
                        *seq
                    }
                    None => {
                        let latest = self.latest.entry(doc).or_default();
                        *latest += 1;
                        let seq = *latest;
                        log.push((seq, payload.clone(), proof.clone()));
                        for (other, subs) in &mut self.subscriptions {
                            if let Some(cursor) = subs.get_mut(&doc)
                                && seq > *cursor
                            {
                                *cursor = seq;
                                out.push((
                                    *other,
                                    RelayFrame::Entry {
                                        doc,
                                        seq,
                                        payload: payload.clone(),
                                        proof: proof.clone(),
                                    },
                                ));
                            }
                        }
                        seq
                    }
                };
                out.insert(0, (conn, RelayFrame::Acked { doc, seq }));
            }
            ClientFrame::Snapshot {
                doc,
                writer,
                covers,
                payload,
                proof,
            } => {
                assert!(verify_snapshot(
                    &doc,
                    &landsbyplan_sync::WriterKey(writer),
                    covers,
                    &payload,
                    &proof
                ));
                // The entries it covers are kept for a grace period ([`Step::GraceOver`]).
                if self.snapshots.get(&doc).is_none_or(|(c, ..)| *c < covers) {
                    self.snapshots.insert(doc, (covers, payload, proof));
                }
                out.push((conn, RelayFrame::Acked { doc, seq: covers }));
            }
            ClientFrame::Signal { .. } => {}
            ClientFrame::Ping => out.push((conn, RelayFrame::Pong)),
        }
        out
    }
}

/// What a device keeps through a restart, as the app keeps it in IndexedDB.
struct Durable {
    /// The document's chunks: a whole saved document, then incremental ones (and changes
    /// received as they came while they wait for others).
    chunks: Vec<u8>,
    cursor: u64,
    epoch: u64,
    shared: Vec<Hash>,
}

struct Device {
    capability: Capability,
    durable: Durable,
    // What a restart loses.
    client: Client,
    doc: AutoCommit,
    outbox: Outbox,
    asked: Option<Vec<Hash>>,
    conn: Option<usize>,
    to_relay: VecDeque<Vec<u8>>,
    from_relay: VecDeque<Vec<u8>>,
    // Kept across restarts only so that nonces never repeat (the app draws them at random).
    nonces: u64,
    /// How many things from the relay this device refused.
    rejected: u64,
    id: u8,
    /// The connection leads nowhere: it looks open, and nothing arrives either way.
    stalled: bool,
    /// The changes of its own edits (stored, so a restart keeps them).
    own: Vec<ChangeHash>,
}

impl Device {
    fn new(id: u8, capability: Capability, mut doc: AutoCommit) -> Self {
        let durable = Durable {
            chunks: doc.save(),
            cursor: 0,
            epoch: 0,
            shared: Vec::new(),
        };
        let mut client = Client::new();
        client.add_space(capability.clone(), 0, 0);
        Device {
            capability,
            durable,
            client,
            doc,
            outbox: Outbox::new(Vec::new()),
            asked: None,
            conn: None,
            to_relay: VecDeque::new(),
            from_relay: VecDeque::new(),
            nonces: 0,
            rejected: 0,
            stalled: false,
            own: Vec::new(),
            id,
        }
    }

    fn nonce(&mut self) -> [u8; 24] {
        self.nonces += 1;
        let mut nonce = [0u8; 24];
        nonce[0] = self.id;
        nonce[8..16].copy_from_slice(&self.nonces.to_be_bytes());
        nonce
    }

    fn writes(&self) -> bool {
        matches!(self.capability, Capability::Write(_))
    }

    fn heads(&mut self) -> Vec<Hash> {
        self.doc.get_heads().iter().map(|h| h.0).collect()
    }

    /// Everything after the shared heads, as the app sends it at start and after a loss.
    fn unshared(&mut self, doc: DocId) -> Vec<Effect> {
        if !self.writes() {
            return Vec::new();
        }
        let shared: Vec<ChangeHash> = self
            .outbox
            .shared()
            .iter()
            .map(|h| ChangeHash(*h))
            .collect();
        self.send_after(doc, &shared)
    }

    /// Hands every change after `heads` to sync as local changes, as the app does.
    fn send_after(&mut self, doc: DocId, heads: &[ChangeHash]) -> Vec<Effect> {
        let Some((bytes, count)) = changes_after(&mut self.doc, heads) else {
            return Vec::new();
        };
        let heads = self.heads();
        self.outbox.local(heads.clone());
        let nonce = self.nonce();
        self.client.local_changes(doc, &bytes, count, heads, nonce)
    }

    /// The changes received changes wait for.
    fn missing(&mut self) -> Vec<Hash> {
        self.doc.get_missing_deps(&[]).iter().map(|h| h.0).collect()
    }

    fn store(&mut self, chunk: &[u8]) {
        self.durable.chunks.extend_from_slice(chunk);
    }
}

/// Every change of `doc` after `heads` as Automerge bytes, and how many; `None` if none.
fn changes_after(doc: &mut AutoCommit, heads: &[ChangeHash]) -> Option<(Vec<u8>, usize)> {
    let changes = doc.get_changes(heads);
    let bytes: Vec<u8> = changes
        .iter()
        .flat_map(|c| c.raw_bytes().to_vec())
        .collect();
    (!changes.is_empty()).then_some((bytes, changes.len()))
}

struct World {
    relay: SimRelay,
    /// The space's read capability, which a read-only holder has too.
    read: ReadCapability,
    /// Someone who is not the space's writer.
    stranger: SpaceKeys,
    devices: Vec<Device>,
    doc: DocId,
    now: u64,
    next_conn: usize,
    random: u32,
    /// Every key an edit wrote, with its value: each was shown on its device's screen.
    written: Vec<(String, String)>,
    /// Every refusal of every device, in order: the device and why.
    refusals: Vec<(usize, Rejection)>,
    /// How many lies were put in front of a device.
    lies: usize,
    /// Every change the relay's store holds, opened with the space's key: what a
    /// device that says "synced" must find there.
    on_relay: AutoCommit,
}

impl World {
    fn new(devices: usize, readers: usize, keys: &SpaceKeys) -> Self {
        let mut origin = AutoCommit::new();
        origin.put(ROOT, "name", "Vorbasse").unwrap();
        origin.commit();
        let mut world = World {
            relay: SimRelay {
                epoch: 1,
                ..SimRelay::default()
            },
            read: keys.read().clone(),
            stranger: SpaceSecret::from_random([0xee; 32]).keys(),
            devices: Vec::new(),
            doc: keys.doc_id(),
            now: 0,
            next_conn: 0,
            random: 7,
            written: Vec::new(),
            refusals: Vec::new(),
            lies: 0,
            on_relay: AutoCommit::new(),
        };
        for id in 0..devices + readers {
            let capability = if id < devices {
                Capability::Write(Box::new(keys.clone()))
            } else {
                Capability::Read(keys.read().clone())
            };
            let doc = if id == 0 {
                origin.fork()
            } else {
                AutoCommit::new()
            };
            world.devices.push(Device::new(id as u8, capability, doc));
        }
        // The creating device publishes its first change, as the app does on creation.
        let doc = world.doc;
        let effects = world.devices[0].unshared(doc);
        world.run(0, effects);
        world
    }

    /// An edit on device `d`: a key of its own (so every edit ever made can be looked
    /// for at the end) and one of four keys everyone writes (so edits conflict).
    fn edit(&mut self, d: usize, key: u8) {
        let doc = self.doc;
        let device = &mut self.devices[d];
        let before = device.doc.get_heads();
        let n = device.nonces;
        let (own, value) = (format!("e{d}-{n}"), format!("d{d}-{n}"));
        device.doc.put(ROOT, own.as_str(), value.as_str()).unwrap();
        device
            .doc
            .put(ROOT, format!("k{key}"), value.as_str())
            .unwrap();
        device.doc.commit();
        let made = device.doc.get_heads();
        device.own.extend(made);
        // Durable before it is sent, as in the app.
        let chunk = device.doc.save_incremental();
        device.store(&chunk);
        let effects = device.send_after(doc, &before);
        self.written.push((own, value));
        self.run(d, effects);
    }

    /// Device `d` loses everything but what it stored: the tab was closed, reloaded or
    /// discarded, maybe mid-edit, maybe offline.
    fn restart(&mut self, d: usize) {
        self.devices[d].stalled = false;
        if let Some(conn) = self.devices[d].conn.take() {
            self.relay.close(conn);
        }
        let doc = self.doc;
        let device = &mut self.devices[d];
        device.to_relay.clear();
        device.from_relay.clear();
        device.doc = AutoCommit::load(&device.durable.chunks).unwrap();
        // What was just loaded is stored already.
        device.doc.save_incremental();
        device.client = Client::new();
        device.client.add_space(
            device.capability.clone(),
            device.durable.cursor,
            device.durable.epoch,
        );
        device.outbox = Outbox::new(device.durable.shared.clone());
        device.asked = None;
        device.rejected = 0;
        let effects = device.unshared(doc);
        self.run(d, effects);
    }

    /// Puts a lie in front of what the relay sends device `d` (only while connected: a
    /// lie needs a connection to come by).
    fn tamper(&mut self, d: usize, lie: Lie) {
        if self.devices[d].conn.is_none() {
            return;
        }
        let doc = self.doc;
        let next = self.devices[d].durable.cursor + 1;
        let log = self.relay.entries.get(&doc).cloned().unwrap_or_default();
        let entry = |seq, payload: Vec<u8>, proof| RelayFrame::Entry {
            doc,
            seq,
            payload,
            proof,
        };
        let frame = match lie {
            Lie::Substituted => {
                let queue = &mut self.devices[d].from_relay;
                let Some((at, seq)) = queue.iter().enumerate().find_map(|(at, bytes)| {
                    match RelayFrame::decode(bytes) {
                        Ok(RelayFrame::Entry { seq, .. }) => Some((at, seq)),
                        _ => None,
                    }
                }) else {
                    return;
                };
                let Some((_, payload, proof)) = log.iter().find(|(s, ..)| *s < seq).cloned() else {
                    return;
                };
                queue[at] = entry(seq, payload, proof).encode();
                self.lies += 1;
                return;
            }
            Lie::Forged => {
                let mut forger = AutoCommit::new();
                forger.put(ROOT, "forged", "by a stranger").unwrap();
                let payload = self.read.seal(
                    Sealed::Entry,
                    &Payload::Changes(forger.save()).encode(),
                    [0xf0; 24],
                );
                let proof = self.stranger.prove_append(&payload);
                entry(next, payload, proof)
            }
            Lie::Altered => {
                let Some((_, mut payload, proof)) = log.last().cloned() else {
                    return;
                };
                let at = payload.len() / 2;
                payload[at] ^= 0x20;
                entry(next, payload, proof)
            }
            Lie::Replayed => {
                let Some((_, payload, proof)) = log.iter().find(|(seq, ..)| *seq < next).cloned()
                else {
                    return;
                };
                entry(next, payload, proof)
            }
            Lie::Gap => {
                let Some((_, payload, proof)) = log.last().cloned() else {
                    return;
                };
                entry(next + 3, payload, proof)
            }
            Lie::Absurd => {
                let Some((_, payload, proof)) = log.last().cloned() else {
                    return;
                };
                entry(u64::MAX, payload, proof)
            }
            Lie::TruncatedSnapshot => {
                let Some((covers, payload, proof)) = self.relay.snapshots.get(&doc).cloned() else {
                    return;
                };
                RelayFrame::Snapshot {
                    doc,
                    covers: covers.max(next),
                    payload: payload[..payload.len() / 2].to_vec(),
                    proof,
                }
            }
        };
        self.devices[d].from_relay.push_front(frame.encode());
        self.lies += 1;
    }

    /// The relay acknowledged `frame` (an append or a snapshot): its changes are in its
    /// store.
    fn relay_stored(&mut self, frame: &[u8]) {
        let (kind, sealed) = match ClientFrame::decode(frame).unwrap() {
            ClientFrame::Append { payload, .. } => (Sealed::Entry, payload),
            ClientFrame::Snapshot { payload, .. } => (Sealed::Snapshot, payload),
            _ => return,
        };
        let opened = self.read.open(kind, &sealed).unwrap();
        if let Ok(Payload::Changes(changes)) = Payload::decode(&opened) {
            self.on_relay.load_incremental(&changes).unwrap();
        }
    }

    /// What each screen claims is true now: a device that says "synced" has every
    /// change of its own edits on the relay. A device whose received changes wait for
    /// others says that instead, whatever its client's status (the app's
    /// `routes::home::status_text`: "Venter på ændringer fra andre"), so it claims
    /// neither.
    fn assert_statuses_true(&mut self) -> Result<(), TestCaseError> {
        for (d, device) in self.devices.iter_mut().enumerate() {
            if !matches!(
                device.client.status(&self.doc),
                Some(SyncStatus::Synced { .. })
            ) || !device.doc.get_missing_deps(&[]).is_empty()
            {
                continue;
            }
            for hash in &device.own {
                prop_assert!(
                    self.on_relay.get_change_by_hash(hash).is_some(),
                    "device {} says synced, but the relay lacks its change {}",
                    d,
                    hash
                );
            }
        }
        Ok(())
    }

    /// The relay loses its store and every connection.
    fn wipe_relay(&mut self) {
        self.on_relay = AutoCommit::new();
        let epoch = self.relay.epoch + 1;
        self.relay = SimRelay {
            epoch,
            ..SimRelay::default()
        };
        for d in 0..self.devices.len() {
            self.drop_connection(d);
        }
    }

    fn ask_if_waiting(&mut self, d: usize) -> Vec<Effect> {
        let doc = self.doc;
        let device = &mut self.devices[d];
        let missing = device.missing();
        if missing.is_empty() {
            device.asked = None;
            return Vec::new();
        }
        let have = device.heads();
        let nonce = device.nonce();
        device.asked = Some(missing.clone());
        device.client.ask(doc, have, missing, nonce)
    }

    fn run(&mut self, d: usize, effects: Vec<Effect>) {
        let doc = self.doc;
        let mut queue: VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Connect => {
                    let conn = self.next_conn;
                    self.next_conn += 1;
                    self.devices[d].conn = Some(conn);
                    self.devices[d].stalled = false;
                    for (to, frame) in self.relay.open(conn) {
                        self.deliver_to(to, frame);
                    }
                    let now = self.now;
                    queue.extend(self.devices[d].client.connected(now));
                }
                Effect::Send(bytes) => {
                    if self.devices[d].conn.is_some() {
                        self.devices[d].to_relay.push_back(bytes);
                    }
                }
                Effect::Apply { changes, .. } => {
                    let device = &mut self.devices[d];
                    let before = device.heads();
                    let was = (before.clone(), device.missing());
                    device.doc.load_incremental(&changes).unwrap();
                    let mut chunk = device.doc.save_incremental();
                    let waiting = !device.doc.get_missing_deps(&[]).is_empty();
                    if waiting {
                        chunk.extend_from_slice(&changes);
                    }
                    device.store(&chunk);
                    let after = device.heads();
                    let nothing_new = was == (after.clone(), device.missing());
                    if let Some(shared) = device.outbox.received(before, after) {
                        device.durable.shared = shared;
                    }
                    if nothing_new {
                        // As the app does: entries that bring nothing new are doubted.
                        let now = self.now;
                        queue.extend(device.client.nothing_new(doc, now));
                    }
                    let missing = device.missing();
                    if missing.is_empty() {
                        device.asked = None;
                    } else if device.asked.as_ref() != Some(&missing) {
                        queue.extend(self.ask_if_waiting(d));
                    }
                }
                Effect::Cursor { seq, epoch, .. } => {
                    self.devices[d].durable.cursor = seq;
                    self.devices[d].durable.epoch = epoch;
                }
                Effect::Shared { heads, .. } => {
                    let device = &mut self.devices[d];
                    let current = device.heads();
                    if let Some(shared) = device.outbox.confirmed(heads, current) {
                        device.durable.shared = shared;
                    }
                }
                Effect::Needed { have, missing, .. } => {
                    let device = &mut self.devices[d];
                    let holds = missing
                        .iter()
                        .any(|m| device.doc.get_change_by_hash(&ChangeHash(*m)).is_some());
                    let have: Vec<ChangeHash> = have.iter().map(|h| ChangeHash(*h)).collect();
                    if let Some((bytes, count)) =
                        changes_after(&mut device.doc, &have).filter(|_| holds)
                    {
                        let nonce = device.nonce();
                        queue.extend(device.client.repair(doc, &bytes, count, nonce));
                    }
                }
                Effect::Lost { .. } => {
                    let device = &mut self.devices[d];
                    device.durable.shared = device.outbox.forget();
                    queue.extend(device.unshared(doc));
                }
                Effect::Reconnect => self.drop_connection(d),
                Effect::WantSnapshot { covers, .. } => {
                    let whole = self.devices[d].doc.save();
                    let nonce = self.devices[d].nonce();
                    queue.extend(self.devices[d].client.snapshot(doc, &whole, covers, nonce));
                }
                Effect::Status { .. } | Effect::Signal { .. } => {}
                Effect::Rejected { why, .. } => {
                    self.devices[d].rejected += 1;
                    self.refusals.push((d, why));
                }
            }
        }
    }

    fn deliver_to(&mut self, conn: usize, frame: RelayFrame) {
        if let Some(device) = self.devices.iter_mut().find(|d| d.conn == Some(conn))
            && !device.stalled
        {
            device.from_relay.push_back(frame.encode());
        }
    }

    /// Delivers one queued frame each way for device `d`.
    fn pump(&mut self, d: usize) -> bool {
        if self.devices[d].stalled {
            let device = &mut self.devices[d];
            let lost =
                device.to_relay.pop_front().is_some() | device.from_relay.pop_front().is_some();
            return lost;
        }
        let mut moved = false;
        if let (Some(conn), Some(bytes)) =
            (self.devices[d].conn, self.devices[d].to_relay.pop_front())
        {
            let answers = self.relay.handle(conn, &bytes);
            if answers
                .iter()
                .any(|(to, frame)| *to == conn && matches!(frame, RelayFrame::Acked { .. }))
            {
                self.relay_stored(&bytes);
            }
            for (to, frame) in answers {
                self.deliver_to(to, frame);
            }
            moved = true;
        }
        if let Some(bytes) = self.devices[d].from_relay.pop_front() {
            let now = self.now;
            let greeted = self.devices[d].client.peer().is_some();
            let mut effects = self.devices[d].client.received(&bytes, now);
            // Just greeted: ask for what received changes wait for, as the app does.
            if !greeted && self.devices[d].client.peer().is_some() {
                effects.extend(self.ask_if_waiting(d));
            }
            self.run(d, effects);
            moved = true;
        }
        moved
    }

    fn drop_connection(&mut self, d: usize) {
        self.devices[d].stalled = false;
        if let Some(conn) = self.devices[d].conn.take() {
            self.relay.close(conn);
            self.devices[d].to_relay.clear();
            self.devices[d].from_relay.clear();
            self.random = self.random.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let (now, random) = (self.now, self.random);
            let effects = self.devices[d].client.disconnected(now, random);
            self.run(d, effects);
            let status = self.devices[d].client.status(&self.doc);
            assert!(
                !matches!(status, Some(SyncStatus::Synced { .. })),
                "device {d} lost its connection yet says {status:?}"
            );
        }
    }

    fn advance(&mut self, ms: u64) {
        self.now += ms;
        for d in 0..self.devices.len() {
            let now = self.now;
            let effects = self.devices[d].client.tick(now);
            self.run(d, effects);
        }
    }

    /// No more faults: run until nothing moves, every device is connected and no timer
    /// of theirs is set.
    fn heal(&mut self) {
        for round in 0..50 {
            // What is on its way arrives first: a greeting still in flight is not a
            // connection that timed out.
            if round > 0 {
                self.advance(31_000);
            }
            let mut moved = true;
            let mut rounds = 0;
            while moved {
                moved = false;
                for d in 0..self.devices.len() {
                    moved |= self.pump(d);
                }
                rounds += 1;
                assert!(rounds < 100_000, "the network does not settle");
            }
            // Settled: every device is connected and waits for no timer (a change to
            // send again, a doubted entry to read again).
            if self
                .devices
                .iter()
                .all(|d| d.conn.is_some() && !d.stalled && d.client.next_work().is_none())
            {
                return;
            }
        }
        let timers: Vec<_> = self
            .devices
            .iter()
            .map(|d| {
                (
                    d.conn.is_some(),
                    d.client.next_work(),
                    d.client.status(&self.doc),
                )
            })
            .collect();
        panic!("devices did not settle by {}: {timers:?}", self.now);
    }

    /// Every device holds the same document with every edit ever made in it, nothing
    /// waits, and every status says "synced".
    fn assert_converged(&mut self) -> Result<(), TestCaseError> {
        let heads = self.devices[0].doc.get_heads();
        for (d, device) in self.devices.iter_mut().enumerate() {
            prop_assert_eq!(device.doc.get_heads(), heads.clone(), "device {}", d);
            prop_assert!(
                device.doc.get_missing_deps(&[]).is_empty(),
                "device {} waits",
                d
            );
            for (key, value) in &self.written {
                let found = device
                    .doc
                    .get(ROOT, key.as_str())
                    .unwrap()
                    .map(|(v, _)| v.as_str().map(str::to_owned));
                prop_assert_eq!(
                    found,
                    Some(Some(value.clone())),
                    "device {} lost the edit {}",
                    d,
                    key
                );
            }
            prop_assert!(
                device.doc.get(ROOT, "forged").unwrap().is_none(),
                "device {} applied a forged change",
                d
            );
            prop_assert_eq!(
                device.rejected,
                device.client.rejected(&self.doc),
                "device {}: every refusal is counted",
                d
            );
            let status = device.client.status(&self.doc).unwrap();
            prop_assert!(
                matches!(status, SyncStatus::Synced { .. }),
                "device {} says {:?}",
                d,
                status
            );
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
enum Step {
    Edit(usize, u8),
    Pump(usize),
    Drop(usize),
    DuplicateToRelay(usize),
    DuplicateFromRelay(usize),
    /// Two frames a device queued reach the relay the other way round (frames of one
    /// WebSocket keep their order; this stands for frames the device re-sends in another
    /// order after a reconnect, and for any order the relay's handling could take).
    ReorderToRelay(usize),
    Wait(u64),
    /// The device's connection silently leads nowhere from now on (until the device
    /// gives it up: it must find out by itself).
    Stall(usize),
    /// The device's memory is gone; only what it stored is left.
    Restart(usize),
    /// The relay's store is gone.
    WipeRelay,
    /// The grace period of entries a snapshot covers is over: the relay lets them go,
    /// remembering their numbers (a device that sends one again gets its old number).
    GraceOver,
    /// A lying relay (or anyone on the way) sends the device something it must refuse.
    Tamper(usize, Lie),
    /// The device's next two backlogs (a reading again for doubts among them, or not)
    /// lie as `Backlog` says.
    LyingBacklogs(usize, Backlog),
}

/// What a lying relay sends a device, as the entry that would come next.
#[derive(Clone, Copy, Debug)]
enum Lie {
    /// Changes sealed with the space's read key (a read-only holder can) but signed by a
    /// stranger's key.
    Forged,
    /// A real entry with one payload byte changed.
    Altered,
    /// A real earlier entry under the next number.
    Replayed,
    /// A real entry under a number far ahead.
    Gap,
    /// A number no log reaches.
    Absurd,
    /// The real snapshot cut short, claiming to cover the next entry.
    TruncatedSnapshot,
    /// The next real entry on its way to the device, with an earlier entry's payload in
    /// place of its own (a replay that stands in for a real entry).
    Substituted,
}

fn step(devices: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..devices, 0..4u8).prop_map(|(d, k)| Step::Edit(d, k)),
        6 => (0..devices).prop_map(Step::Pump),
        1 => (0..devices).prop_map(Step::Drop),
        1 => (0..devices).prop_map(Step::DuplicateToRelay),
        1 => (0..devices).prop_map(Step::DuplicateFromRelay),
        1 => (0..devices).prop_map(Step::ReorderToRelay),
        1 => (0..40_000u64).prop_map(Step::Wait),
        2 => (0..devices).prop_map(Step::Restart),
        1 => (0..devices).prop_map(Step::Stall),
        1 => Just(Step::WipeRelay),
        1 => Just(Step::GraceOver),
        1 => (0..devices, prop_oneof![Just(Backlog::Withholds), Just(Backlog::Replays)])
            .prop_map(|(d, how)| Step::LyingBacklogs(d, how)),
        1 => (0..devices, prop_oneof![
            Just(Lie::Forged),
            Just(Lie::Altered),
            Just(Lie::Replayed),
            Just(Lie::Gap),
            Just(Lie::Absurd),
            Just(Lie::TruncatedSnapshot),
            Just(Lie::Substituted),
        ]).prop_map(|(d, lie)| Step::Tamper(d, lie)),
    ]
}

/// Runs one walk of steps with `writers` writers and one reader, heals the network and
/// checks that every device converged, then restarts every device and checks again.
fn walk(writers: usize, steps: Vec<Step>) -> Result<World, TestCaseError> {
    let keys = SpaceSecret::from_random([3; 32]).keys();
    let mut world = World::new(writers, 1, &keys);
    let readers_start = writers;
    // Devices that restarted, and whether a relay then told one of them the same replay
    // twice: the known limit (ARCHITECTURE.md, "Trust no relay") lets such a device skip
    // the entry until a later change needs it.
    let mut restarted = vec![false; world.devices.len()];
    let mut replayed_to_restarted = false;
    for step in steps {
        match step {
            Step::Edit(d, key) if d < readers_start => world.edit(d, key),
            Step::Edit(..) => {}
            Step::Pump(d) => {
                world.pump(d);
            }
            Step::Drop(d) => world.drop_connection(d),
            Step::DuplicateToRelay(d) => {
                if let Some(front) = world.devices[d].to_relay.front().cloned() {
                    world.devices[d].to_relay.push_back(front);
                }
            }
            Step::DuplicateFromRelay(d) => {
                if let Some(front) = world.devices[d].from_relay.front().cloned() {
                    world.devices[d].from_relay.push_back(front);
                }
            }
            Step::ReorderToRelay(d) => {
                let queue = &mut world.devices[d].to_relay;
                if queue.len() >= 2 {
                    queue.swap(0, 1);
                }
            }
            Step::Wait(ms) => world.advance(ms),
            Step::Restart(d) => {
                restarted[d] = true;
                world.restart(d);
            }
            Step::Stall(d) => {
                if world.devices[d].conn.is_some() {
                    world.devices[d].stalled = true;
                }
            }
            Step::WipeRelay => world.wipe_relay(),
            Step::GraceOver => {
                let relay = &mut world.relay;
                for (doc, (covers, ..)) in &relay.snapshots {
                    if let Some(log) = relay.entries.get_mut(doc) {
                        let gone = relay.let_go.entry(*doc).or_default();
                        gone.extend(
                            log.iter()
                                .filter(|(seq, ..)| seq <= covers)
                                .map(|(seq, payload, _)| (payload.clone(), *seq)),
                        );
                        log.retain(|(seq, ..)| seq > covers);
                    }
                }
            }
            Step::Tamper(d, lie) => world.tamper(d, lie),
            Step::LyingBacklogs(d, how) => {
                if let Some(conn) = world.devices[d].conn {
                    replayed_to_restarted |= restarted[d] && how == Backlog::Replays;
                    world.relay.liar = Some((conn, how, 2));
                }
            }
        }
        world.assert_statuses_true()?;
    }
    world.heal();
    if replayed_to_restarted {
        // The later change that needs the skipped entry.
        world.edit(0, 0);
        world.heal();
    }
    world.assert_converged()?;
    // What they stored is enough: every device restarts at once and all still hold
    // everything, with nothing left to send.
    for d in 0..world.devices.len() {
        world.restart(d);
    }
    world.heal();
    world.assert_converged()?;
    Ok(world)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("LANDSBYPLAN_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
    ))]

    #[test]
    fn devices_converge_through_drops_duplicates_restarts_and_a_lost_relay(
        (writers, steps) in (2..=4usize).prop_flat_map(|w| (Just(w), proptest::collection::vec(step(w + 1), 1..120)))
    ) {
        walk(writers, steps)?;
    }
}

/// Found by CI: the reader, restarted, is sent an earlier entry again under the next
/// number while writers edit.
#[test]
fn a_replayed_entry_after_a_restart_does_not_split_a_reader() {
    use Step::*;
    let steps = vec![
        Wait(0),
        Pump(0),
        Pump(0),
        Pump(0),
        Pump(2),
        Pump(2),
        Restart(2),
        Wait(0),
        Edit(0, 0),
        Tamper(2, Lie::Replayed),
        Edit(0, 0),
        Edit(0, 0),
        Edit(0, 0),
        Edit(0, 0),
    ];
    let world = walk(2, steps).unwrap();
    // The later edits depend on the skipped entry, so the reader reads the log again
    // from the start (which finds the real entry, and counts nothing).
    assert_eq!(world.lies, 1, "the replay reached the reader");
}

/// Found by a long run: the reader, restarted, is sent an earlier entry again under the
/// number of the last real one, which nothing later depends on.
#[test]
fn a_replayed_entry_in_place_of_the_last_one_is_found_out() {
    use Step::*;
    let steps = vec![
        Wait(0),
        Edit(1, 0),
        Pump(1),
        Pump(1),
        Pump(1),
        Pump(2),
        Pump(2),
        Edit(1, 0),
        Restart(2),
        Wait(0),
        Tamper(2, Lie::Replayed),
    ];
    let world = walk(2, steps).unwrap();
    assert_eq!(world.lies, 1, "the replay reached the reader");
    assert!(
        world.refusals.contains(&(2, Rejection::Replayed)),
        "the reader found the replay out: {:?}",
        world.refusals
    );
}

#[test]
fn a_replay_in_place_of_a_real_entry_on_its_way_is_found_out_and_the_real_one_taken() {
    let keys = SpaceSecret::from_random([6; 32]).keys();
    // Two writers and a reader.
    let mut world = World::new(2, 1, &keys);
    world.heal();
    for n in 0..6 {
        world.edit(n % 2, (n % 4) as u8);
        world.heal();
    }
    for round in 0..4 {
        let writer = round % 2;
        world.edit(writer, 1);
        while world.pump(writer) {}
        let lies = world.lies;
        world.tamper(2, Lie::Substituted);
        assert_eq!(
            world.lies,
            lies + 1,
            "an entry was on its way to the reader"
        );
        world.heal();
        world.assert_converged().unwrap();
    }
    let found = world
        .refusals
        .iter()
        .filter(|(d, why)| *d == 2 && *why == Rejection::Replayed)
        .count();
    assert_eq!(found, 4, "each replay was found out: {:?}", world.refusals);
}

#[test]
fn a_relay_that_lies_again_when_a_doubt_is_read_again_does_not_make_a_reader_lose_the_entry() {
    for how in [Backlog::Withholds, Backlog::Replays] {
        let keys = SpaceSecret::from_random([7; 32]).keys();
        let mut world = World::new(2, 1, &keys);
        world.heal();
        for n in 0..6 {
            world.edit(n % 2, (n % 4) as u8);
            world.heal();
        }
        // A replay in place of the newest entry makes the reader doubt it; the relay
        // lies again in the backlogs that read it again.
        world.edit(0, 1);
        while world.pump(0) {}
        world.tamper(2, Lie::Substituted);
        let conn = world.devices[2].conn.unwrap();
        world.relay.liar = Some((conn, how, 2));
        world.heal();
        world.assert_converged().unwrap();
        assert!(
            world.refusals.iter().any(|(d, _)| *d == 2),
            "{how:?}: the reader refused something: {:?}",
            world.refusals
        );
    }
}

#[test]
fn a_busy_space_asks_for_a_snapshot_and_a_new_device_starts_from_it() {
    let keys = SpaceSecret::from_random([4; 32]).keys();
    let mut world = World::new(2, 0, &keys);
    world.advance(1);
    for n in 0..(landsbyplan_sync::SNAPSHOT_EVERY as usize + 20) {
        world.edit(n % 2, (n % 4) as u8);
        for d in 0..2 {
            while world.pump(d) {}
        }
    }
    let snapshot = world.relay.snapshots.get(&world.doc).cloned();
    assert!(snapshot.is_some(), "a device uploaded a snapshot");
    let covers = snapshot.unwrap().0;
    let remaining = world.relay.entries[&world.doc]
        .iter()
        .filter(|(seq, ..)| *seq > covers)
        .count();
    assert!(
        remaining < 40,
        "the snapshot replaced the log it covers ({remaining} left)"
    );

    // A third device with nothing joins and gets everything.
    world.devices.push(Device::new(
        9,
        Capability::Read(keys.read().clone()),
        AutoCommit::new(),
    ));
    world.heal();
    let heads = world.devices[0].doc.get_heads();
    assert_eq!(world.devices[2].doc.get_heads(), heads);
}

#[test]
fn every_lie_of_a_relay_is_refused_and_the_devices_still_converge() {
    let keys = SpaceSecret::from_random([5; 32]).keys();
    // Two writers and a reader.
    let mut world = World::new(2, 1, &keys);
    world.heal();
    for n in 0..(landsbyplan_sync::SNAPSHOT_EVERY as usize + 5) {
        world.edit(n % 2, (n % 4) as u8);
        world.heal();
    }
    assert!(world.relay.snapshots.contains_key(&world.doc));
    let lies = [
        Lie::Forged,
        Lie::Altered,
        Lie::Replayed,
        Lie::Gap,
        Lie::Absurd,
        Lie::TruncatedSnapshot,
    ];
    for (n, lie) in lies.into_iter().enumerate() {
        for d in [1, 2] {
            let before = world.devices[d].rejected;
            world.tamper(d, lie);
            // Some lies are found out only when the device reads the log again.
            world.heal();
            assert_eq!(
                world.devices[d].rejected,
                before + 1,
                "device {d} refused {lie:?}"
            );
        }
        world.edit(n % 2, 1);
        world.heal();
        world.assert_converged().unwrap();
    }
}
