//! Share links typed, pasted or scanned: reading one never panics, and a link that reads
//! gives back a link that reads the same.
#![no_main]

use landsbyplan_sync::Share;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(share) = Share::from_link(text) {
        let again = Share::from_link(&format!("#{}", share.to_fragment()));
        assert!(again.is_ok(), "a link made from a link reads");
    }
});
