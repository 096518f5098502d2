//! Document benchmarks: load (alone and with the saves a device appends), a received change
//! and a received snapshot taken in, save, incremental save after one edit, merging eight
//! diverged copies of a council's document, and a keystroke in its vision (saved at once,
//! saved after another device's change came in, and the caret carried through one), and
//! what the plan screen reads when it opens (the plan, the members, the fields that hold
//! two values), at 1k, 10k and 100k operations.
//!
//! Run with `cargo bench -p landsbyplan-model`. Sizes are printed first, then divan's
//! timings.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::LazyLock;

use divan::Bencher;
use landsbyplan_model::{ActionFields, ActionId, Keystroke, LiveField, Space, Span};

const SIZES: [u64; 3] = [1_000, 10_000, 100_000];

#[path = "support/council.rs"]
mod council;

use council::{council_with, stamp};

static SAVED: LazyLock<HashMap<u64, Vec<u8>>> = LazyLock::new(|| {
    SIZES
        .iter()
        .map(|&ops| (ops, council_with(ops).save()))
        .collect()
});

fn loaded(ops: u64) -> Space {
    Space::load(&SAVED[&ops]).unwrap()
}

fn one_edit(space: &mut Space) {
    space.rename("Vorbasse Lokalråd (ny)", &stamp(1)).unwrap();
}

fn main() {
    println!(
        "| operations | changes | file bytes | stored on the device, bytes | incremental save after one edit, bytes |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for ops in SIZES {
        let mut space = loaded(ops);
        let (real_ops, changes) = space.size();
        let file = space.export().len();
        one_edit(&mut space);
        let chunk = space.save_incremental();
        println!(
            "| {real_ops} | {changes} | {file} | {} | {} |",
            SAVED[&ops].len(),
            chunk.len()
        );
    }
    println!();
    divan::main();
}

#[divan::bench(args = SIZES, sample_count = 20)]
fn load(bencher: Bencher, ops: u64) {
    let bytes = &SAVED[&ops];
    bencher.bench(|| Space::load(divan::black_box(bytes)).unwrap());
}

/// Loading the same document from a file or a sync snapshot (compressed columns), beside
/// `load` (the device's own store, uncompressed).
#[divan::bench(args = SIZES, sample_count = 20)]
fn load_compressed(bencher: Bencher, ops: u64) {
    let bytes = Space::load(&SAVED[&ops]).unwrap().export();
    bencher.bench(|| Space::load(divan::black_box(&bytes)).unwrap());
}

/// Loading what a device stores between two compactions: the snapshot and 31 incremental
/// saves after it (one edit each, as `COMPACT_AFTER_CHUNKS` in the app allows), beside
/// `load` (the snapshot alone).
#[divan::bench(args = SIZES, sample_count = 20)]
fn load_with_31_saves_after(bencher: Bencher, ops: u64) {
    let mut space = loaded(ops);
    let mut bytes = SAVED[&ops].clone();
    space.save_incremental();
    for edit in 0..31 {
        space
            .rename(&format!("Vorbasse Lokalråd {edit}"), &stamp(edit + 2))
            .unwrap();
        bytes.extend_from_slice(&space.save_incremental());
    }
    bencher.bench(|| Space::load(divan::black_box(&bytes)).unwrap());
}

/// The change `edit` makes in `space`, as another device receives it.
fn edited(space: &mut Space, edit: impl FnOnce(&mut Space)) -> Vec<u8> {
    let heads = space.heads();
    edit(space);
    space.changes_after(&heads).0
}

/// Taking in one change received from another device (a rename), as the relay brings it.
#[divan::bench(args = SIZES, sample_count = 20)]
fn apply_one_received_change(bencher: Bencher, ops: u64) {
    bencher
        .with_inputs(|| {
            let mut space = loaded(ops);
            let mut other = space.fork();
            let change = edited(&mut other, one_edit);
            (space, change)
        })
        .bench_local_refs(|(space, change)| space.apply_changes(change).unwrap());
}

/// Taking in a change received from another device after an earlier one (what a space
/// learns of its devices at the first is kept for the next: typing together).
#[divan::bench(args = SIZES, sample_count = 20)]
fn apply_the_next_received_change(bencher: Bencher, ops: u64) {
    bencher
        .with_inputs(|| {
            let mut space = loaded(ops);
            let mut other = space.fork();
            let first = edited(&mut other, one_edit);
            space.apply_changes(&first).unwrap();
            let next = edited(&mut other, |other| {
                other.rename("Vorbasse Lokalråd (igen)", &stamp(2)).unwrap();
            });
            (space, next)
        })
        .bench_local_refs(|(space, change)| space.apply_changes(change).unwrap());
}

/// Taking in a whole snapshot of the space (as a device that was away long gets it) that
/// holds one change this device lacks.
#[divan::bench(args = SIZES, sample_count = 10)]
fn apply_a_snapshot_with_one_new_change(bencher: Bencher, ops: u64) {
    bencher
        .with_inputs(|| {
            let space = loaded(ops);
            let mut other = loaded(ops);
            one_edit(&mut other);
            (space, other.save())
        })
        .bench_local_refs(|(space, snapshot)| space.apply_changes(snapshot).unwrap());
}

#[divan::bench(args = SIZES, sample_count = 20)]
fn save(bencher: Bencher, ops: u64) {
    bencher
        .with_inputs(|| loaded(ops))
        .bench_local_refs(|space| space.save());
}

#[divan::bench(args = SIZES, sample_count = 50)]
fn save_incremental_after_one_edit(bencher: Bencher, ops: u64) {
    bencher
        .with_inputs(|| {
            let mut space = loaded(ops);
            one_edit(&mut space);
            space
        })
        .bench_local_refs(|space| space.save_incremental());
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn merge_eight_diverged_copies(bencher: Bencher, ops: u64) {
    bencher
        .with_inputs(|| {
            let mut base = loaded(ops);
            let copies: Vec<Space> = (0..8u64)
                .map(|device| {
                    let mut copy = base.fork();
                    for edit in 0..20u64 {
                        let action =
                            ActionId::from_random(u128::from(1_000_000 + device * 100 + edit));
                        copy.add_action(action, &ActionFields::titled("Ny idé"), &stamp(edit))
                            .unwrap();
                    }
                    copy
                })
                .collect();
            (base.fork(), copies)
        })
        .bench_local_values(|(mut target, mut copies)| {
            for copy in &mut copies {
                target.merge(copy).unwrap();
            }
            target
        });
}

/// A letter typed at the end of the vision, as the screen showed it just before.
fn keystroke(space: &mut Space) -> Keystroke {
    let seen = space.live_text(LiveField::Vision).unwrap();
    let typed = format!("{}x", seen.text);
    let caret = typed.chars().count();
    Keystroke { seen, typed, caret }
}

/// Another device's change to the vision (a word at its start), merged into `space`.
fn others_word(space: &mut Space) {
    let mut other = space.fork();
    let seen = other.live_text(LiveField::Vision).unwrap();
    let typed = format!("Nu: {}", seen.text);
    let word = Keystroke {
        seen,
        typed,
        caret: 4,
    };
    other
        .type_live(LiveField::Vision, &word, &stamp(3))
        .unwrap();
    space.merge(&mut other).unwrap();
}

#[divan::bench(args = SIZES, sample_count = 50)]
fn keystroke_in_the_vision(bencher: Bencher, ops: u64) {
    bencher
        .with_inputs(|| {
            let mut space = loaded(ops);
            let typed = keystroke(&mut space);
            (space, typed)
        })
        .bench_local_refs(|(space, typed)| {
            space
                .type_live(LiveField::Vision, typed, &stamp(2))
                .unwrap()
        });
}

#[divan::bench(args = SIZES, sample_count = 20)]
fn keystroke_after_another_devices_change_came_in(bencher: Bencher, ops: u64) {
    bencher
        .with_inputs(|| {
            let mut space = loaded(ops);
            let typed = keystroke(&mut space);
            others_word(&mut space);
            (space, typed)
        })
        .bench_local_refs(|(space, typed)| {
            space
                .type_live(LiveField::Vision, typed, &stamp(2))
                .unwrap()
        });
}

#[divan::bench(args = SIZES, sample_count = 50)]
fn caret_carried_through_another_devices_change(bencher: Bencher, ops: u64) {
    bencher
        .with_inputs(|| {
            let mut space = loaded(ops);
            let seen = space.live_text(LiveField::Vision).unwrap();
            others_word(&mut space);
            let caret = Span::caret(seen.text.chars().count() / 2);
            (space, seen.heads, caret)
        })
        .bench_local_refs(|(space, heads, caret)| {
            space.follow_span(LiveField::Vision, heads, *caret)
        });
}

/// What the council's plan screen reads when it opens: the plan and its members.
#[divan::bench(args = SIZES, sample_count = 20)]
fn read_the_plan_and_members(bencher: Bencher, ops: u64) {
    let space = loaded(ops);
    bencher.bench_local(|| (space.development_plan(), space.members()));
}

/// The walk over the whole document that finds fields holding two values.
#[divan::bench(args = SIZES, sample_count = 20)]
fn find_conflicts(bencher: Bencher, ops: u64) {
    let space = loaded(ops);
    bencher.bench_local(|| space.conflicts());
}
