//! Files, snapshots and received changes: Automerge bytes from anyone. Loading them as a
//! space, reading what loaded (name, plans, members, meetings, applications, conflicts),
//! applying them to a held space, or importing a loaded file into one (the copy check,
//! then the merge) never panics: the bounds check stands before Automerge, and whatever
//! it lets through, Automerge and the model's readers read without panicking.
#![no_main]

use std::cell::RefCell;

use landsbyplan_model::{Space, SpaceId, Stamp};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static COUNCIL: RefCell<Space> = RefCell::new(
        Space::create_council(SpaceId::from_random(1), "Grene", &Stamp::new("Anna", 1_780_000_000))
            .expect("a council is made"),
    );
}

fuzz_target!(|bytes: &[u8]| {
    let loaded = Space::load(bytes);
    COUNCIL.with(|council| {
        let mut council = council.borrow_mut().fork();
        let _ = council.apply_changes(bytes);
        if let Ok(mut file) = loaded {
            let _ = file.name();
            let _ = file.conflicts();
            let _ = file.development_plan();
            let _ = file.members();
            let _ = file.project_plan();
            let _ = file.meetings();
            let _ = file.applications();
            let _ = council.is_copy(&file);
            let _ = council.merge(&mut file);
        }
    });
});
