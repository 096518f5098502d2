//! A deterministic network of devices running the real sync state machine against a
//! simulated relay, with connections dropped at random, frames duplicated in both
//! directions, frames to the relay reordered, and devices writing while cut off. When the network heals, every device
//! holds the same document and no change was lost.

#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, VecDeque};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use landsbyplan_sync::{
    Capability, Client, ClientFrame, DocId, Effect, RelayFrame, SpaceKeys, SpaceSecret, SyncStatus,
    verify_append, verify_snapshot,
};
use proptest::prelude::*;

/// The relay's rules, in memory: checked proofs, one entry per payload, sequence numbers,
/// snapshots, live forwarding to every subscriber.
#[derive(Default)]
struct SimRelay {
    entries: HashMap<DocId, Vec<(u64, Vec<u8>)>>,
    snapshots: HashMap<DocId, (u64, Vec<u8>)>,
    subscriptions: HashMap<usize, HashMap<DocId, u64>>,
}

impl SimRelay {
    fn open(&mut self, conn: usize) -> Vec<(usize, RelayFrame)> {
        self.subscriptions.insert(conn, HashMap::new());
        vec![(conn, RelayFrame::Hello { peer: conn as u64 })]
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
                if let Some((covers, payload)) =
                    self.snapshots.get(&doc).filter(|(c, _)| *c > since)
                {
                    cursor = *covers;
                    out.push((
                        conn,
                        RelayFrame::Snapshot {
                            doc,
                            covers: *covers,
                            payload: payload.clone(),
                        },
                    ));
                }
                for (seq, payload) in self.entries.get(&doc).into_iter().flatten() {
                    if *seq > cursor {
                        out.push((
                            conn,
                            RelayFrame::Entry {
                                doc,
                                seq: *seq,
                                payload: payload.clone(),
                            },
                        ));
                        cursor = *seq;
                    }
                }
                if let Some(subs) = self.subscriptions.get_mut(&conn) {
                    subs.insert(doc, cursor);
                }
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
                let seq = match log.iter().find(|(_, p)| *p == payload) {
                    Some((seq, _)) => *seq,
                    None => {
                        let covered = self.snapshots.get(&doc).map_or(0, |(c, _)| *c);
                        let seq = log.last().map_or(0, |(s, _)| *s).max(covered) + 1;
                        log.push((seq, payload.clone()));
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
                if self.snapshots.get(&doc).is_none_or(|(c, _)| *c < covers) {
                    self.snapshots.insert(doc, (covers, payload));
                    self.entries
                        .entry(doc)
                        .or_default()
                        .retain(|(seq, _)| *seq > covers);
                }
                out.push((conn, RelayFrame::Acked { doc, seq: covers }));
            }
            ClientFrame::Signal { .. } => {}
        }
        out
    }
}

struct Device {
    client: Client,
    doc: AutoCommit,
    conn: Option<usize>,
    to_relay: VecDeque<Vec<u8>>,
    from_relay: VecDeque<Vec<u8>>,
    nonces: u64,
    id: u8,
}

impl Device {
    fn nonce(&mut self) -> [u8; 24] {
        self.nonces += 1;
        let mut nonce = [0u8; 24];
        nonce[0] = self.id;
        nonce[8..16].copy_from_slice(&self.nonces.to_be_bytes());
        nonce
    }
}

struct World {
    relay: SimRelay,
    devices: Vec<Device>,
    doc: DocId,
    now: u64,
    next_conn: usize,
    random: u32,
}

impl World {
    fn new(devices: usize, readers: usize, keys: &SpaceKeys) -> Self {
        let mut origin = AutoCommit::new();
        origin.put(ROOT, "name", "Vorbasse").unwrap();
        origin.commit();
        let mut world = World {
            relay: SimRelay::default(),
            devices: Vec::new(),
            doc: keys.doc_id(),
            now: 0,
            next_conn: 0,
            random: 7,
        };
        for id in 0..devices + readers {
            let capability = if id < devices {
                Capability::Write(Box::new(keys.clone()))
            } else {
                Capability::Read(keys.read().clone())
            };
            let mut client = Client::new();
            client.add_space(capability, 0);
            let doc = if id == 0 {
                origin.fork()
            } else {
                AutoCommit::new()
            };
            world.devices.push(Device {
                client,
                doc,
                conn: None,
                to_relay: VecDeque::new(),
                from_relay: VecDeque::new(),
                nonces: 0,
                id: id as u8,
            });
        }
        // The creating device publishes its first change.
        let first = world.devices[0].doc.save();
        world.changes(0, first);
        world
    }

    fn changes(&mut self, d: usize, changes: Vec<u8>) {
        let nonce = self.devices[d].nonce();
        let effects = self.devices[d]
            .client
            .local_changes(self.doc, &changes, nonce);
        self.run(d, effects);
    }

    fn edit(&mut self, d: usize, key: u8) {
        let device = &mut self.devices[d];
        let n = device.nonces;
        device
            .doc
            .put(ROOT, format!("k{key}"), format!("d{d}-{n}"))
            .unwrap();
        device.doc.commit();
        let changes = device.doc.save_incremental();
        self.changes(d, changes);
    }

    fn run(&mut self, d: usize, effects: Vec<Effect>) {
        let mut queue: VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Connect => {
                    let conn = self.next_conn;
                    self.next_conn += 1;
                    self.devices[d].conn = Some(conn);
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
                    self.devices[d].doc.load_incremental(&changes).unwrap();
                }
                Effect::WantSnapshot { covers, .. } => {
                    let whole = self.devices[d].doc.save();
                    let nonce = self.devices[d].nonce();
                    queue.extend(
                        self.devices[d]
                            .client
                            .snapshot(self.doc, &whole, covers, nonce),
                    );
                }
                Effect::Cursor { .. } | Effect::Status { .. } | Effect::Signal { .. } => {}
                Effect::Undecryptable { .. } => panic!("every entry was sealed for this space"),
            }
        }
    }

    fn deliver_to(&mut self, conn: usize, frame: RelayFrame) {
        if let Some(device) = self.devices.iter_mut().find(|d| d.conn == Some(conn)) {
            device.from_relay.push_back(frame.encode());
        }
    }

    /// Delivers one queued frame each way for device `d`.
    fn pump(&mut self, d: usize) -> bool {
        let mut moved = false;
        if let (Some(conn), Some(bytes)) =
            (self.devices[d].conn, self.devices[d].to_relay.pop_front())
        {
            for (to, frame) in self.relay.handle(conn, &bytes) {
                self.deliver_to(to, frame);
            }
            moved = true;
        }
        if let Some(bytes) = self.devices[d].from_relay.pop_front() {
            let now = self.now;
            let effects = self.devices[d].client.received(&bytes, now);
            self.run(d, effects);
            moved = true;
        }
        moved
    }

    fn drop_connection(&mut self, d: usize) {
        if let Some(conn) = self.devices[d].conn.take() {
            self.relay.close(conn);
            self.devices[d].to_relay.clear();
            self.devices[d].from_relay.clear();
            self.random = self.random.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let (now, random) = (self.now, self.random);
            let effects = self.devices[d].client.disconnected(now, random);
            self.run(d, effects);
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

    /// No more drops: run until nothing moves.
    fn heal(&mut self) {
        for _ in 0..50 {
            self.advance(31_000);
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
            if self.devices.iter().all(|d| d.conn.is_some()) {
                return;
            }
        }
        panic!("devices did not reconnect");
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
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256).min(2_000)
    ))]

    #[test]
    fn devices_converge_through_drops_duplicates_and_reconnects(
        (writers, steps) in (2..=4usize).prop_flat_map(|w| (Just(w), proptest::collection::vec(step(w + 1), 1..120)))
    ) {
        let keys = SpaceSecret::from_random([3; 32]).keys();
        let mut world = World::new(writers, 1, &keys);
        let readers_start = writers;
        for step in steps {
            match step {
                Step::Edit(d, key) if d < readers_start => world.edit(d, key),
                Step::Edit(..) => {}
                Step::Pump(d) => { world.pump(d); }
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
            }
        }
        world.heal();
        let heads = world.devices[0].doc.get_heads();
        let values: Vec<String> = (0..4).map(|k| format!("{:?}", automerge::ReadDoc::get(&world.devices[0].doc, ROOT, format!("k{k}").as_str()).unwrap().map(|(v, _)| v.to_string()))).collect();
        for device in &mut world.devices {
            prop_assert_eq!(device.doc.get_heads(), heads.clone());
            let theirs: Vec<String> = (0..4).map(|k| format!("{:?}", automerge::ReadDoc::get(&device.doc, ROOT, format!("k{k}").as_str()).unwrap().map(|(v, _)| v.to_string()))).collect();
            prop_assert_eq!(theirs, values.clone());
            let status = device.client.status(&world.doc).unwrap();
            prop_assert!(matches!(status, SyncStatus::Synced { .. }), "status {:?}", status);
        }
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
    let remaining = world.relay.entries[&world.doc].len();
    assert!(
        remaining < 40,
        "the snapshot replaced the log it covers ({remaining} left)"
    );

    // A third device with nothing joins and gets everything.
    let mut client = Client::new();
    client.add_space(Capability::Read(keys.read().clone()), 0);
    world.devices.push(Device {
        client,
        doc: AutoCommit::new(),
        conn: None,
        to_relay: VecDeque::new(),
        from_relay: VecDeque::new(),
        nonces: 0,
        id: 9,
    });
    world.heal();
    let heads = world.devices[0].doc.get_heads();
    assert_eq!(world.devices[2].doc.get_heads(), heads);
}
