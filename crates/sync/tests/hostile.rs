//! Hostile input (issue 11): every decoder that reads bytes from elsewhere takes any bytes
//! without panicking, and a device fed any sequence of frames by a relay that does not
//! hold the writer's key applies nothing: whatever it is sent, only what the writer
//! signed reaches the app. (Random and structured inputs; the same decoders are fuzzed with
//! coverage guidance in `fuzz/`, see FUZZING.md.)

#![allow(clippy::unwrap_used)]

use landsbyplan_sync::{
    Capability, Client, ClientFrame, DocId, Effect, ErrorCode, Payload, RelayFrame, Sealed, Share,
    SpaceKeys, SpaceSecret,
};
use proptest::prelude::*;

fn space() -> SpaceKeys {
    SpaceSecret::from_random([21; 32]).keys()
}

proptest! {
    // As many cases as HOSTILE_CASES says, else LANDSBYPLAN_CASES (the test command:
    // 10,000, about 40 s), else 2,000: a device must apply nothing a relay forged.
    #![proptest_config(ProptestConfig::with_cases(
        ["HOSTILE_CASES", "LANDSBYPLAN_CASES"]
            .into_iter()
            .find_map(|name| std::env::var(name).ok()?.parse().ok())
            .unwrap_or(2000)
    ))]

    #[test]
    fn no_decoder_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = RelayFrame::decode(&bytes);
        let _ = ClientFrame::decode(&bytes);
        let _ = Payload::decode(&bytes);
        let read = space().read().clone();
        for kind in [Sealed::Entry, Sealed::Snapshot, Sealed::Signal] {
            prop_assert!(read.open(kind, &bytes).is_err(), "random bytes never open");
        }
        let _ = Share::from_link(&String::from_utf8_lossy(&bytes));
        let mut client = Client::new();
        client.add_space(Capability::Read(read), 0, 0);
        client.tick(0);
        client.connected(0);
        let _ = client.received(&bytes, 1);
    }

    #[test]
    fn a_device_applies_nothing_and_moves_no_cursor_for_what_a_relay_without_the_writers_key_sends(
        frames in proptest::collection::vec(frame(), 1..60)
    ) {
        let keys = space();
        let mut client = Client::new();
        client.add_space(Capability::Write(Box::new(keys.clone())), 0, 0);
        client.tick(0);
        client.connected(0);
        for (n, frame) in frames.into_iter().enumerate() {
            let frame = frame.build(&keys);
            for effect in client.received(&frame.encode(), n as u64) {
                prop_assert!(
                    !matches!(effect, Effect::Apply { .. } | Effect::Needed { .. } | Effect::Signal { .. }),
                    "{:?} from {:?}", effect, frame
                );
                // Nothing was checked and applied, so the cursor stays where it was.
                if let Effect::Cursor { seq, .. } = effect {
                    prop_assert_eq!(seq, 0, "the cursor moved, on {:?}", frame);
                }
            }
        }
    }
}

/// A frame a lying relay could send, made with everything but the writer's signing key:
/// payloads sealed with the space's read key (which read-only holders have) or random,
/// proofs from another key, cut short or random, any numbers.
#[derive(Clone, Debug)]
enum Lie {
    Hello(u64),
    Subscribed(u64),
    Acked(u64),
    Entry {
        seq: u64,
        payload: Body,
        proof: Proof,
    },
    Snapshot {
        covers: u64,
        payload: Body,
        proof: Proof,
    },
    Signal(Vec<u8>),
    Error(u8),
}

#[derive(Clone, Debug)]
enum Body {
    /// Changes sealed for the space as the right kind.
    Sealed(Vec<u8>),
    Random(Vec<u8>),
}

#[derive(Clone, Debug)]
enum Proof {
    Stranger,
    Truncated,
    Random(Vec<u8>),
}

fn frame() -> impl Strategy<Value = Lie> {
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..80).prop_map(Body::Sealed),
        proptest::collection::vec(any::<u8>(), 0..80).prop_map(Body::Random),
    ];
    let proof = prop_oneof![
        Just(Proof::Stranger),
        Just(Proof::Truncated),
        proptest::collection::vec(any::<u8>(), 64).prop_map(Proof::Random),
    ];
    let seq = prop_oneof![0..6u64, any::<u64>()];
    prop_oneof![
        any::<u64>().prop_map(Lie::Hello),
        seq.clone().prop_map(Lie::Subscribed),
        seq.clone().prop_map(Lie::Acked),
        (seq.clone(), body.clone(), proof.clone()).prop_map(|(seq, payload, proof)| Lie::Entry {
            seq,
            payload,
            proof
        }),
        (seq, body, proof).prop_map(|(covers, payload, proof)| Lie::Snapshot {
            covers,
            payload,
            proof
        }),
        proptest::collection::vec(any::<u8>(), 0..80).prop_map(Lie::Signal),
        any::<u8>().prop_map(Lie::Error),
    ]
}

impl Lie {
    fn build(self, keys: &SpaceKeys) -> RelayFrame {
        let doc: DocId = keys.doc_id();
        let stranger = SpaceSecret::from_random([99; 32]).keys();
        let seal = |kind, body: Body| match body {
            Body::Sealed(changes) => {
                keys.read()
                    .seal(kind, &Payload::Changes(changes).encode(), [7; 24])
            }
            Body::Random(bytes) => bytes,
        };
        let prove = |proof: Proof, payload: &[u8], covers: Option<u64>| match proof {
            Proof::Stranger => match covers {
                Some(covers) => stranger.prove_snapshot(covers, payload),
                None => stranger.prove_append(payload),
            },
            Proof::Truncated => keys.prove_append(payload)[..63].to_vec(),
            Proof::Random(bytes) => bytes,
        };
        match self {
            Lie::Hello(epoch) => RelayFrame::Hello { peer: 1, epoch },
            Lie::Subscribed(latest) => RelayFrame::Subscribed { doc, latest },
            Lie::Acked(seq) => RelayFrame::Acked { doc, seq },
            Lie::Entry {
                seq,
                payload,
                proof,
            } => {
                let payload = seal(Sealed::Entry, payload);
                let proof = prove(proof, &payload, None);
                RelayFrame::Entry {
                    doc,
                    seq,
                    payload,
                    proof,
                }
            }
            Lie::Snapshot {
                covers,
                payload,
                proof,
            } => {
                let payload = seal(Sealed::Snapshot, payload);
                let proof = prove(proof, &payload, Some(covers));
                RelayFrame::Snapshot {
                    doc,
                    covers,
                    payload,
                    proof,
                }
            }
            // Signaling is sealed by any member; what a relay makes up does not open.
            Lie::Signal(data) => RelayFrame::Signal { doc, from: 2, data },
            Lie::Error(code) => RelayFrame::Error {
                doc: Some(doc),
                code: [
                    ErrorCode::Malformed,
                    ErrorCode::RateLimited,
                    ErrorCode::LogFull,
                    ErrorCode::StorageFailed,
                    ErrorCode::TooLarge,
                ][usize::from(code) % 5],
                message: String::new(),
            },
        }
    }
}
