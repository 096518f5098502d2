//! Sealed payloads: opening never panics, and a payload that opens decodes without
//! panicking. Half the inputs are sealed with the space's key first (so the fuzzer
//! reaches the payload decoder); the rest are opened as they are.
#![no_main]

use std::sync::LazyLock;

use landsbyplan_sync::{Payload, Sealed, SpaceKeys, SpaceSecret};
use libfuzzer_sys::fuzz_target;

static KEYS: LazyLock<SpaceKeys> = LazyLock::new(|| SpaceSecret::from_random([7; 32]).keys());

fuzz_target!(|bytes: &[u8]| {
    let read = KEYS.read();
    let Some((&first, rest)) = bytes.split_first() else {
        return;
    };
    let kind = match first % 3 {
        0 => Sealed::Entry,
        1 => Sealed::Snapshot,
        _ => Sealed::Signal,
    };
    let sealed = if first & 0x80 != 0 {
        read.seal(kind, rest, [first; 24])
    } else {
        rest.to_vec()
    };
    if let Ok(plain) = read.open(kind, &sealed) {
        let _ = Payload::decode(&plain);
    }
    let _ = Payload::decode(rest);
});
