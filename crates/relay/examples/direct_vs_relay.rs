//! Bytes it takes to bring a phone a council of 3,000 members (about 12,000 Automerge
//! operations), from scratch and after one edit: directly between two phones (Automerge's
//! sync protocol, `PeerSync`, the messages both ways) against through the relay (the
//! frames the relay sends the phone: the council as one compressed snapshot, as the app
//! uploads it, or one entry per change when no snapshot was made yet; and one entry
//! after the edit), each sealed and signed as the app does it. Transport framing (WebSocket, SCTP/DTLS) is not counted,
//! nor the 8-byte header of each 16 KiB chunk on a direct channel.
//!
//!     cargo run --profile relay -p landsbyplan-relay --example direct_vs_relay

use landsbyplan_model::{PeerSync, PersonFields, PersonId, Role, Space, SpaceId, Stamp};
use landsbyplan_sync::{Payload, RelayFrame, Sealed, SpaceKeys, SpaceSecret};

const MEMBERS: u32 = 3_000;

fn edit(space: &mut Space, n: u32) {
    let fields = PersonFields {
        name: format!("Medlem {n}"),
        contact: String::new(),
        role: Role::Citizen,
    };
    space
        .add_member(
            PersonId::from_random(u128::from(n) + 1),
            &fields,
            &Stamp::new("Bo", 1_780_000_000 + i64::from(n)),
        )
        .expect("a member is added");
}

/// Runs the sync protocol between `a` and `b` until neither has anything to say: the
/// bytes of every message, both ways.
fn sync(a: &mut Space, at_a: &mut PeerSync, b: &mut Space, at_b: &mut PeerSync) -> usize {
    let mut bytes = 0;
    loop {
        let mut moved = false;
        if let Some(message) = at_a.next_message(a) {
            bytes += message.len();
            at_b.receive(b, &message).expect("b takes a's message");
            moved = true;
        }
        if let Some(message) = at_b.next_message(b) {
            bytes += message.len();
            at_a.receive(a, &message).expect("a takes b's message");
            moved = true;
        }
        if !moved {
            return bytes;
        }
    }
}

/// The frame of one entry holding `changes`, as the relay sends it to a phone.
fn entry_frame(keys: &SpaceKeys, seq: u64, changes: &[u8]) -> usize {
    let payload = keys.read().seal(
        Sealed::Entry,
        &Payload::Changes(changes.to_vec()).encode(),
        [7; 24],
    );
    RelayFrame::Entry {
        doc: keys.doc_id(),
        seq,
        proof: keys.prove_append(&payload),
        payload,
    }
    .encode()
    .len()
}

fn main() {
    let keys = SpaceSecret::from_random([3; 32]).keys();
    let mut created = Space::create_council(
        SpaceId::from_random(7),
        "Lokalråd",
        &Stamp::new("Anna", 1_780_000_000),
    )
    .expect("a council");
    let mut full = created.fork();
    for n in 0..MEMBERS {
        edit(&mut full, n);
    }
    let mut fresh = created.fork();
    let (operations, _) = full.size();

    // Directly: a phone that holds only the council's creation gets the rest.
    let (mut at_full, mut at_fresh) = (PeerSync::new(true), PeerSync::new(true));
    let direct_scratch = sync(&mut full, &mut at_full, &mut fresh, &mut at_fresh);
    assert_eq!(fresh.heads(), full.heads());
    let before = full.heads();
    edit(&mut full, 1_000_000);
    let direct_edit = sync(&mut full, &mut at_full, &mut fresh, &mut at_fresh);
    assert_eq!(fresh.heads(), full.heads());

    // Through the relay: a snapshot of all of it, or one entry per change.
    let document = full.export();
    let sealed = keys.read().seal(
        Sealed::Snapshot,
        &Payload::Changes(document.clone()).encode(),
        [9; 24],
    );
    let snapshot = RelayFrame::Snapshot {
        doc: keys.doc_id(),
        covers: u64::from(MEMBERS) + 1,
        proof: keys.prove_snapshot(u64::from(MEMBERS) + 1, &sealed),
        payload: sealed,
    }
    .encode()
    .len();
    let mut entries = 0;
    for (seq, (changes, _)) in created
        .fork()
        .change_bundles(&[], usize::MAX)
        .into_iter()
        .enumerate()
    {
        entries += entry_frame(&keys, seq as u64 + 1, &changes);
    }
    let mut each = 0;
    let mut replay = created.fork();
    let mut at = replay.heads();
    let mut seq = 1;
    for n in 0..MEMBERS {
        edit(&mut replay, n);
        for (changes, _) in replay.change_bundles(&at, usize::MAX) {
            seq += 1;
            each += entry_frame(&keys, seq, &changes);
        }
        at = replay.heads();
    }
    let edit_changes: Vec<u8> = full
        .change_bundles(&before, usize::MAX)
        .into_iter()
        .flat_map(|(changes, _)| changes)
        .collect();
    let relay_edit = entry_frame(&keys, seq + 1, &edit_changes);

    println!("A council of {MEMBERS} members ({operations} operations), bytes to a phone:");
    println!("| | from scratch | after one edit |");
    println!("|---|---:|---:|");
    println!("| directly (sync messages, both ways) | {direct_scratch} | {direct_edit} |");
    println!("| relay, as one snapshot | {snapshot} | {relay_edit} |");
    println!(
        "| relay, one entry per change (no snapshot yet) | {} | {relay_edit} |",
        entries + each
    );
}
