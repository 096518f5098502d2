//! The sync state machine fed by a relay that may lie in any way: raw frames, entries and
//! snapshots properly signed with the space's key (from a set signed once: numbers 0 to
//! 15, several payloads) in any order, greetings, acknowledgements, timers, drops, and
//! the app's calls in between. It never panics, never counts fewer refusals than before,
//! and never asks to be woken in the past.
#![no_main]

use std::sync::LazyLock;

use landsbyplan_sync::{
    Capability, Client, Effect, Payload, RelayFrame, Sealed, SpaceKeys, SpaceSecret,
};
use libfuzzer_sys::fuzz_target;

static KEYS: LazyLock<SpaceKeys> = LazyLock::new(|| SpaceSecret::from_random([9; 32]).keys());

/// Entries and snapshots signed once, with the space's key, by number (0 to 15) and kind
/// of payload: signing each run would make the target a hundred times slower, and the
/// client never looks inside a payload beyond opening it.
static SIGNED: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let keys = &*KEYS;
    let doc = keys.doc_id();
    let payloads = [
        Payload::Changes(b"one".to_vec()),
        Payload::Changes(b"two".to_vec()),
        Payload::Changes(Vec::new()),
        Payload::Need {
            have: vec![[1; 32]],
            missing: vec![[2; 32]],
        },
    ];
    let mut frames = Vec::new();
    for seq in 0..16u64 {
        for (n, payload) in payloads.iter().enumerate() {
            let sealed = keys
                .read()
                .seal(Sealed::Entry, &payload.encode(), [n as u8; 24]);
            frames.push(
                RelayFrame::Entry {
                    doc,
                    seq,
                    proof: keys.prove_append(&sealed),
                    payload: sealed,
                }
                .encode(),
            );
        }
        // A signed entry that does not open as a payload.
        let junk = b"not sealed".to_vec();
        frames.push(
            RelayFrame::Entry {
                doc,
                seq,
                proof: keys.prove_append(&junk),
                payload: junk,
            }
            .encode(),
        );
        let sealed = keys.read().seal(
            Sealed::Snapshot,
            &Payload::Changes(b"document".to_vec()).encode(),
            [9; 24],
        );
        frames.push(
            RelayFrame::Snapshot {
                doc,
                covers: seq,
                proof: keys.prove_snapshot(seq, &sealed),
                payload: sealed,
            }
            .encode(),
        );
    }
    frames
});

/// How many local changes and requests one run makes at most.
const MAX_MADE: usize = 4;

fuzz_target!(|bytes: &[u8]| {
    let keys = &*KEYS;
    let doc = keys.doc_id();
    let mut client = Client::new();
    let writer = bytes.first().is_some_and(|b| b & 1 == 0);
    let capability = if writer {
        Capability::Write(Box::new(keys.clone()))
    } else {
        Capability::Read(keys.read().clone())
    };
    client.add_space(capability, 0, 0);
    let mut now = 0u64;
    let mut rejected = 0;
    let mut input = bytes.get(1..).unwrap_or_default();
    let mut next = |n: usize| -> Option<&[u8]> {
        let (taken, rest) = input.split_at_checked(n)?;
        input = rest;
        Some(taken)
    };
    let mut effects: Vec<Effect> = Vec::new();
    // Local changes and requests are sealed and signed on every call, which costs a
    // hundred times what the rest does: a few per run reach every state they lead to.
    let mut made = 0;
    while let Some(&[op, a, b]) = next(3).map(<[u8]>::as_ref) {
        let number = u64::from(u16::from_le_bytes([a, b]));
        let op = match op % 12 {
            10 | 11 if made >= MAX_MADE => 7,
            10 | 11 => {
                made += 1;
                op % 12
            }
            op => op,
        };
        let frame = match op {
            0 => {
                let len = usize::from(a);
                let Some(raw) = next(len) else { break };
                effects.extend(client.received(raw, now));
                None
            }
            1..=3 => {
                let signed = &SIGNED[usize::from(a) % SIGNED.len()];
                effects.extend(client.received(signed, now));
                None
            }
            4 => Some(RelayFrame::Hello {
                peer: number,
                epoch: u64::from(a % 3),
            }),
            5 => Some(RelayFrame::Subscribed {
                doc,
                latest: u64::from(a % 16),
            }),
            6 => Some(RelayFrame::Acked {
                doc,
                seq: u64::from(a % 16),
            }),
            7 => {
                now += number * 16;
                effects.extend(client.tick(now));
                None
            }
            8 => {
                effects.extend(client.disconnected(now, u32::from(a)));
                None
            }
            9 => {
                effects.extend(client.connected(now));
                effects.extend(client.nothing_new(doc, now));
                None
            }
            10 => {
                effects.extend(client.local_changes(doc, &[a, b], 1, vec![[a; 32]], [b; 24]));
                None
            }
            _ => {
                effects.extend(client.ask(doc, vec![[a; 32]], vec![[b; 32]], [a; 24]));
                None
            }
        };
        if let Some(frame) = frame {
            effects.extend(client.received(&frame.encode(), now));
        }
        // What the app does with the effects that call back into the client.
        for effect in std::mem::take(&mut effects) {
            match effect {
                Effect::Connect => effects.extend(client.connected(now)),
                Effect::Reconnect => effects.extend(client.disconnected(now, 7)),
                Effect::WantSnapshot { covers, .. } => {
                    effects.extend(client.snapshot(doc, b"document", covers, [3; 24]));
                }
                _ => {}
            }
        }
        effects.clear();
        let count = client.rejected(&doc);
        assert!(count >= rejected, "refusals are never uncounted");
        rejected = count;
        if let Some(at) = client.next_wakeup() {
            // A timer in the past is fine once (the caller ticks at once); it must not
            // stay there after a tick.
            if at < now {
                let _ = client.tick(now);
                if let Some(after) = client.next_wakeup() {
                    assert!(after >= now, "a wakeup stays in the past: {after} < {now}");
                }
            }
        }
    }
});
