//! Changes from others arriving out of order, in bundles, across reloads, and changes
//! that name devices no change before them came from.

#![allow(clippy::unwrap_used)]

use automerge::{Change, ChangeHash};
use landsbyplan_model::bounds::chunks;
use landsbyplan_model::{Error, PersonFields, PersonId, Role, Space, SpaceId, Stamp};
use proptest::prelude::*;

fn stamp(author: &str, time: i64) -> Stamp {
    Stamp::new(author, time)
}

fn council() -> Space {
    Space::create_council(SpaceId::from_random(1), "Vorbasse", &stamp("Anna", 100)).unwrap()
}

fn person(name: &str, contact: &str) -> PersonFields {
    PersonFields {
        name: name.into(),
        contact: contact.into(),
        role: Role::Citizen,
    }
}

/// How many changes [`history`] makes after its base.
const CHANGES: usize = 7;

/// Three devices of one council, each editing what the others made (so their changes
/// name each other), with syncs between: the base they started from, the whole result,
/// and every change after the base, each as its own bytes.
fn history() -> (Space, Space, Vec<Vec<u8>>) {
    let mut anna = council();
    let mut base = anna.fork();
    let mut bo = anna.fork();
    let mut cai = anna.fork();
    let (p, q) = (PersonId::from_random(1), PersonId::from_random(2));
    anna.add_member(p, &person("Per", ""), &stamp("Anna", 110))
        .unwrap();
    bo.merge(&mut anna.fork()).unwrap();
    bo.update_member(p, &person("Per", "20 30 40 50"), &stamp("Bo", 120))
        .unwrap();
    bo.add_member(q, &person("Quy", ""), &stamp("Bo", 121))
        .unwrap();
    cai.set_vision("Et levende Vorbasse", &stamp("Cai", 122))
        .unwrap();
    cai.merge(&mut bo.fork()).unwrap();
    cai.update_member(q, &person("Quy", "quy@example.invalid"), &stamp("Cai", 130))
        .unwrap();
    anna.rename("Vorbasse Lokalråd", &stamp("Anna", 131))
        .unwrap();
    anna.merge(&mut cai.fork()).unwrap();
    anna.set_vision("Et levende Vorbasse for alle", &stamp("Anna", 140))
        .unwrap();
    let (bytes, _) = anna.changes_after(&base.heads());
    let changes = chunks(&bytes)
        .unwrap()
        .into_iter()
        .map(<[u8]>::to_vec)
        .collect();
    (base, anna, changes)
}

/// A copy of `change` with other dependencies (and so another hash).
fn with_deps(change: &[u8], deps: Vec<ChangeHash>) -> Vec<u8> {
    let mut expanded = Change::try_from(change).unwrap().decode();
    expanded.deps = deps;
    expanded.hash = None;
    Change::from(expanded).raw_bytes().to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("LANDSBYPLAN_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
    ))]
    /// However the changes come (any order, any bundles) and whenever the phone reloads
    /// (from what it saved and what it received while anything was missing), it ends
    /// with the whole: nothing refused, nothing waiting, the same heads and text.
    #[test]
    fn changes_in_any_order_and_bundles_through_reloads_end_as_the_whole(
        order in Just((0..CHANGES).collect::<Vec<_>>()).prop_shuffle(),
        cuts in proptest::collection::vec(any::<bool>(), CHANGES),
        reloads in proptest::collection::vec(any::<bool>(), CHANGES),
    ) {
        let (mut base, mut whole, changes) = history();
        prop_assert_eq!(changes.len(), CHANGES, "the history this test walks");
        let mut held = Space::load(&base.save()).unwrap();
        let mut saved = held.save();
        let mut received: Vec<u8> = Vec::new();
        let mut bundle: Vec<u8> = Vec::new();
        for (step, &i) in order.iter().enumerate() {
            bundle.extend_from_slice(&changes[i]);
            if !cuts[step] && step + 1 < order.len() {
                continue;
            }
            held.apply_changes(&bundle).unwrap();
            saved.extend_from_slice(&held.save_incremental());
            if held.has_missing() {
                received.extend_from_slice(&bundle);
            } else {
                received.clear();
            }
            bundle.clear();
            if reloads[step] {
                let stored = [saved.as_slice(), received.as_slice()].concat();
                let mut reloaded = Space::load(&stored).unwrap();
                prop_assert_eq!(reloaded.heads(), held.heads());
                prop_assert_eq!(reloaded.missing(), held.missing());
                held = reloaded;
            }
        }
        prop_assert!(!held.has_missing());
        prop_assert_eq!(held.heads(), whole.heads());
        prop_assert_eq!(held.name(), whole.name());
        prop_assert_eq!(held.members(), whole.members());
        prop_assert_eq!(
            held.development_plan().vision,
            whole.development_plan().vision
        );
    }
}

/// Anna's council, its heads, Per's device (which added Per as a member), and Bo's
/// (forked from Per's), which edited Per: Bo's change names Per's device.
fn per_then_bo() -> (Space, Vec<ChangeHash>, Space, Space) {
    let mut anna = council();
    let start = anna.heads();
    let mut per_device = anna.fork();
    let p = PersonId::from_random(1);
    per_device
        .add_member(p, &person("Per", ""), &stamp("Per", 110))
        .unwrap();
    let mut bo = per_device.fork();
    bo.update_member(p, &person("Per", "20 30 40 50"), &stamp("Bo", 120))
        .unwrap();
    (anna, start, per_device, bo)
}

#[test]
fn a_change_naming_a_device_whose_first_change_still_waits_is_refused_not_a_panic() {
    let (mut anna, start, mut per_device, mut bo) = per_then_bo();
    let (pers, _) = per_device.changes_after(&start);
    let (bos, _) = bo.changes_after(&per_device.heads());

    // Per's first change, rewritten to wait for a change that never comes; Bo's, which
    // edits what Per made (so it names Per's device), rewritten to need nothing new.
    let waits = with_deps(&pers, vec![ChangeHash([7; 32])]);
    let ready = with_deps(&bos, start.clone());

    anna.apply_changes(&waits).unwrap();
    assert_eq!(anna.missing(), vec![ChangeHash([7; 32])]);
    assert!(matches!(
        anna.apply_changes(&ready),
        Err(Error::Unbounded(_))
    ));
    assert_eq!(anna.heads(), start, "nothing applied");
    assert_eq!(
        anna.missing(),
        vec![ChangeHash([7; 32])],
        "Per's change still waits"
    );

    // Stored as they came, the space still opens: the change that cannot apply is
    // dropped (it would end the app at every start), Per's still waits.
    let stored = [anna.save(), waits, ready].concat();
    let mut reloaded = Space::load(&stored).unwrap();
    assert_eq!(reloaded.heads(), start);
    assert_eq!(reloaded.missing(), vec![ChangeHash([7; 32])]);
    // A whole save keeps the waiting change (as Automerge's own queue was kept).
    let mut saved = Space::load(&anna.save()).unwrap();
    assert_eq!(saved.missing(), vec![ChangeHash([7; 32])]);
}

#[test]
fn a_stored_change_that_turns_out_unsafe_is_dropped_with_what_follows_it_and_not_asked_for() {
    let (mut anna, start, mut per_device, mut bo) = per_then_bo();
    bo.rename("Vorbasse Lokalråd", &stamp("Bo", 130)).unwrap();
    let (pers, _) = per_device.changes_after(&start);
    let (bos, _) = bo.changes_after(&per_device.heads());
    let bos = chunks(&bos).unwrap();
    let (one, two) = (bos[0].to_vec(), bos[1].to_vec());
    // Bo's first change rewritten to act on an object Per's change never made: it waits
    // for Per's change, then turns out to build on nothing.
    let mut expanded = Change::try_from(&one[..]).unwrap().decode();
    let author = expanded.actor_id.clone();
    expanded.operations[0].obj =
        automerge::legacy::ObjectId::Id(automerge::legacy::OpId(999, author));
    expanded.hash = None;
    let waits = Change::from(expanded).raw_bytes().to_vec();
    let waits_hash = Change::try_from(&waits[..]).unwrap().hash();
    let after = with_deps(&two, vec![waits_hash]);
    let stored = [anna.save(), waits.clone(), after.clone()].concat();
    let mut held = Space::load(&stored).unwrap();
    assert_eq!(held.missing(), per_device.heads());
    // Per's change comes: it applies; Bo's rewritten one is dropped, with the one after it,
    // and nothing is asked for any more.
    held.apply_changes(&pers).unwrap();
    assert_eq!(held.heads(), per_device.heads());
    assert!(!held.has_missing());
    // Sent again, each is refused with its input.
    assert!(matches!(
        held.apply_changes(&waits),
        Err(Error::Unbounded(_))
    ));
    assert!(matches!(
        held.apply_changes(&after),
        Err(Error::Unbounded(_))
    ));
}

#[test]
fn a_change_that_comes_before_its_devices_first_change_waits_for_it() {
    let mut anna = council();
    let start = anna.heads();
    let mut bo = anna.fork();
    bo.rename("Vorbasse Lokalråd", &stamp("Bo", 110)).unwrap();
    let first = bo.heads();
    bo.rename("Lokalrådet i Vorbasse", &stamp("Bo", 120))
        .unwrap();
    let (one, _) = bo.changes_after(&start);
    let one = chunks(&one).unwrap()[0].to_vec();
    let (two, _) = bo.changes_after(&first);

    // Bo's second change names only Bo's device, which Anna learns from Bo's first.
    anna.apply_changes(&two).unwrap();
    assert_eq!(anna.name(), "Vorbasse");
    assert_eq!(anna.missing(), first);
    anna.apply_changes(&one).unwrap();
    assert!(!anna.has_missing());
    assert_eq!(anna.name(), "Lokalrådet i Vorbasse");
    assert_eq!(anna.heads(), bo.heads());
}

#[test]
fn a_change_whose_checksum_does_not_match_is_refused_whole() {
    let mut anna = council();
    let start = anna.heads();
    let mut bo = anna.fork();
    bo.rename("Vorbasse Lokalråd", &stamp("Bo", 110)).unwrap();
    let (good, _) = bo.changes_after(&start);
    let mut bad = good.clone();
    bad[5] ^= 1;
    assert!(matches!(anna.apply_changes(&bad), Err(Error::Unbounded(_))));
    let stored = [anna.save(), bad].concat();
    assert!(Space::load(&stored).is_err());
    assert_eq!(anna.heads(), start);
    anna.apply_changes(&good).unwrap();
    assert_eq!(anna.name(), "Vorbasse Lokalråd");
}

#[test]
fn each_change_alone_in_order_builds_on_what_the_document_already_holds() {
    // Every object and element a change acts on is then found in the document itself.
    let (mut base, mut whole, changes) = history();
    let mut held = Space::load(&base.save()).unwrap();
    for change in &changes {
        held.apply_changes(change).unwrap();
        held = Space::load(&held.save()).unwrap();
    }
    assert_eq!(held.heads(), whole.heads());
    assert_eq!(
        held.development_plan().vision,
        "Et levende Vorbasse for alle"
    );
}

/// A change of Bo's that types into the vision Anna wrote, rewritten by `forge` (its hash
/// and checksum made anew, as an editor gone rogue could).
fn forged_typing(
    forge: impl Fn(&mut automerge::legacy::Op, &automerge::ActorId),
) -> (Space, Vec<u8>) {
    let mut anna = council();
    anna.set_vision("Hej", &stamp("Anna", 110)).unwrap();
    let start = anna.heads();
    let mut bo = anna.fork();
    bo.set_vision("Hej med dig", &stamp("Bo", 120)).unwrap();
    let (bytes, _) = bo.changes_after(&start);
    let mut expanded = Change::try_from(&bytes[..]).unwrap().decode();
    let author = expanded.actor_id.clone();
    for op in &mut expanded.operations {
        forge(op, &author);
    }
    expanded.hash = None;
    (anna, Change::from(expanded).raw_bytes().to_vec())
}

#[test]
fn a_change_into_an_object_or_after_an_element_that_is_not_there_is_refused_not_a_panic() {
    use automerge::ActorId;
    use automerge::legacy::{ElementId, Key, ObjectId, Op, OpId};
    // Bo's own device (so no other device is named), at an operation it never made.
    let nowhere = |author: &ActorId| OpId(999, author.clone());
    type Forge = Box<dyn Fn(&mut Op, &ActorId)>;
    let cases: [(&str, Forge); 11] = [
        (
            "into an object never made",
            Box::new(move |op, author| op.obj = ObjectId::Id(nowhere(author))),
        ),
        (
            "after an element never inserted",
            Box::new(move |op, author| {
                if let Key::Seq(_) = op.key {
                    op.key = Key::Seq(ElementId::Id(nowhere(author)));
                }
            }),
        ),
        (
            "by name into the text",
            Box::new(|op, _| op.key = Key::Map("vision".into())),
        ),
        // Anna's first change (counter 1 on): its first operations are the root's values,
        // not elements of the vision.
        (
            "after an operation of another object",
            Box::new(|op, _| {
                if let Key::Seq(ElementId::Id(id)) = &op.key {
                    op.key = Key::Seq(ElementId::Id(OpId(1, id.1.clone())));
                }
            }),
        ),
        (
            "at the start without inserting",
            Box::new(|op, _| {
                op.key = Key::Seq(ElementId::Head);
                op.insert = false;
            }),
        ),
        (
            "overwriting what is not at its place",
            Box::new(|op, _| {
                if let Key::Seq(ElementId::Id(id)) = &op.key {
                    op.pred = vec![OpId(1, id.1.clone())].into();
                    op.insert = false;
                }
            }),
        ),
        (
            "into the object numbered 0",
            Box::new(|op, _| {
                if let Key::Seq(ElementId::Id(id)) = &op.key {
                    op.obj = ObjectId::Id(OpId(0, id.1.clone()));
                }
            }),
        ),
        (
            // Automerge reads it as a value put into the root, and applies it elsewhere.
            "a value put, with nothing overwritten, into the object numbered 0",
            Box::new(|op, author| {
                op.obj = ObjectId::Id(OpId(0, author.clone()));
                op.key = Key::Map("contact".into());
                op.insert = false;
                op.pred = Vec::new().into();
            }),
        ),
        (
            "a deletion that inserts",
            Box::new(|op, _| op.action = automerge::legacy::OpType::Delete),
        ),
        (
            "a table made",
            Box::new(|op, _| {
                op.action = automerge::legacy::OpType::Make(automerge::ObjType::Table)
            }),
        ),
        (
            "after an element numbered after it",
            Box::new(move |op, author| {
                if let Key::Seq(_) = op.key {
                    op.key = Key::Seq(ElementId::Id(OpId(u64::from(u32::MAX), author.clone())));
                }
            }),
        ),
    ];
    for (case, forge) in cases {
        let (mut anna, forged) = forged_typing(forge);
        let before = anna.heads();
        assert!(
            matches!(anna.apply_changes(&forged), Err(Error::Unbounded(_))),
            "{case}"
        );
        assert_eq!(anna.heads(), before, "{case}");
        // Stored, the space opens without it.
        let mut reloaded = Space::load(&[anna.save(), forged].concat()).unwrap();
        assert_eq!(reloaded.heads(), before, "{case}");
    }
    // A change that skips its device's next number.
    let (mut anna, typing) = forged_typing(|_, _| {});
    let mut expanded = Change::try_from(&typing[..]).unwrap().decode();
    expanded.seq += 1;
    expanded.hash = None;
    let skips = Change::from(expanded).raw_bytes().to_vec();
    let before = anna.heads();
    assert!(matches!(
        anna.apply_changes(&skips),
        Err(Error::Unbounded(_))
    ));
    assert_eq!(anna.heads(), before);
    // Unforged, the same change applies.
    let (mut anna, typing) = forged_typing(|_, _| {});
    anna.apply_changes(&typing).unwrap();
    assert_eq!(anna.development_plan().vision, "Hej med dig");
}
