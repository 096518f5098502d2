//! Changes an editor really made, rewritten operation by operation as an editor gone rogue
//! could (and sealed again, so their checksums and hashes are right, which byte mutation
//! rarely gets past), then taken in by a council that holds the history before them, and
//! stored after it: `Space::apply_changes` and `Space::load` refuse or take each, and
//! never panic (`crates/model/src/arrival.rs` stands before Automerge).
#![no_main]

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::legacy::{ElementId, Key, ObjectId, OpId, OpType};
use automerge::{ActorId, Change, ObjType, ScalarValue};
use landsbyplan_model::{PersonFields, PersonId, Role, Space, SpaceId, Stamp};
use libfuzzer_sys::fuzz_target;

/// A council with a vision and a member, the state a rogue change is sent to, and Bo's
/// changes after it (members edited, the vision typed in): the ones rewritten.
struct History {
    held: RefCell<Space>,
    changes: Vec<Change>,
    actors: Vec<ActorId>,
}

fn history() -> History {
    let stamp = |who: &str, t| Stamp::new(who, t);
    let mut anna =
        Space::create_council(SpaceId::from_random(1), "Grene", &stamp("Anna", 1)).expect("made");
    anna.set_vision("Et levende Grene", &stamp("Anna", 2)).expect("typed");
    let per = PersonId::from_random(1);
    let fields = |contact: &str| PersonFields { name: "Per".into(), contact: contact.into(), role: Role::Citizen };
    anna.add_member(per, &fields(""), &stamp("Anna", 3)).expect("added");
    let held = anna.fork();
    let mut bo = anna.fork();
    let start = bo.heads();
    bo.update_member(per, &fields("20 30 40 50"), &stamp("Bo", 4)).expect("edited");
    bo.set_vision("Et levende Grene for alle", &stamp("Bo", 5)).expect("typed");
    bo.remove_member(per, &stamp("Bo", 6)).expect("removed");
    let (bytes, _) = bo.changes_after(&start);
    let changes: Vec<Change> = landsbyplan_model::bounds::chunks(&bytes)
        .expect("chunks")
        .into_iter()
        .map(|chunk| Change::try_from(chunk).expect("a change"))
        .collect();
    let mut actors: Vec<ActorId> = changes.iter().flat_map(|c| c.actors().cloned()).collect();
    actors.push(ActorId::from(vec![7; 16]));
    actors.dedup();
    History { held: RefCell::new(held), changes, actors }
}

thread_local! {
    static HISTORY: History = history();
}

/// Reads choices from the fuzzer's bytes (zeros once they run out).
struct Choices<'a>(&'a [u8]);

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *first
    }
    fn pick<T: Clone>(&mut self, from: &[T]) -> T {
        from[usize::from(self.byte()) % from.len()].clone()
    }
}

fuzz_target!(|bytes: &[u8]| {
    HISTORY.with(|history| {
        let mut choices = Choices(bytes);
        let mut forged = Vec::new();
        for _ in 0..1 + choices.byte() % 3 {
            let mut expanded = choices.pick(&history.changes).decode();
            let id = |choices: &mut Choices, counter_hint: u64| {
                let counter = match choices.byte() % 4 {
                    0 => 0,
                    1 => counter_hint.saturating_sub(u64::from(choices.byte() % 4)),
                    2 => u64::from(choices.byte()),
                    _ => counter_hint + u64::from(choices.byte() % 4),
                };
                OpId(counter, choices.pick(&history.actors))
            };
            for _ in 0..choices.byte() % 4 {
                if expanded.operations.is_empty() {
                    break;
                }
                let at = usize::from(choices.byte()) % expanded.operations.len();
                let hint = expanded.start_op.get() + at as u64;
                let op = &mut expanded.operations[at];
                match choices.byte() % 8 {
                    0 => op.obj = if choices.byte() % 2 == 0 { ObjectId::Root } else { ObjectId::Id(id(&mut choices, hint)) },
                    1 => op.key = Key::Seq(ElementId::Id(id(&mut choices, hint))),
                    2 => op.key = if choices.byte() % 2 == 0 { Key::Seq(ElementId::Head) } else { Key::Map("name".into()) },
                    3 => op.insert = !op.insert,
                    4 => op.pred = vec![id(&mut choices, hint)].into(),
                    5 => {
                        op.action = match choices.byte() % 7 {
                            0 => OpType::Make(ObjType::Map),
                            1 => OpType::Make(ObjType::List),
                            2 => OpType::Make(ObjType::Text),
                            3 => OpType::Make(ObjType::Table),
                            4 => OpType::Delete,
                            5 => OpType::Increment(1),
                            _ => OpType::Put(ScalarValue::Str("x".into())),
                        }
                    }
                    6 => {
                        let removed = expanded.operations.remove(at);
                        let to = usize::from(choices.byte()) % (expanded.operations.len() + 1);
                        expanded.operations.insert(to, removed);
                    }
                    _ => op.pred = Vec::new().into(),
                }
            }
            match choices.byte() % 6 {
                0 => expanded.seq = expanded.seq.wrapping_add(u64::from(choices.byte() % 3)).max(1),
                1 => expanded.deps = Vec::new(),
                2 => expanded.actor_id = choices.pick(&history.actors),
                3 => {
                    let shift = u64::from(choices.byte() % 8);
                    expanded.start_op = (expanded.start_op.get().saturating_sub(shift)).max(1).try_into().expect("not zero");
                }
                _ => {}
            }
            expanded.hash = None;
            // Automerge's encoder may itself refuse what no writer would make: not ours.
            let Ok(change) = catch_unwind(AssertUnwindSafe(|| Change::from(expanded))) else {
                return;
            };
            forged.extend_from_slice(change.raw_bytes());
        }
        let mut held = history.held.borrow_mut().fork();
        let stored = [held.save(), forged.clone()].concat();
        let _ = held.apply_changes(&forged);
        if let Ok(loaded) = Space::load(&stored) {
            let _ = (loaded.name(), loaded.members(), loaded.development_plan());
        }
    });
});
