//! Frames from the relay and from clients: decoding never panics, and what decodes
//! encodes back to the same bytes.
#![no_main]

use landsbyplan_sync::{ClientFrame, RelayFrame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(frame) = RelayFrame::decode(bytes) {
        assert_eq!(RelayFrame::decode(&frame.encode()).ok(), Some(frame));
    }
    if let Ok(frame) = ClientFrame::decode(bytes) {
        assert_eq!(ClientFrame::decode(&frame.encode()).ok(), Some(frame));
    }
});
