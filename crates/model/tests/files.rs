//! Conflicts, history, and files: export to a standard `.automerge` file, import and
//! merge a copy, and loading arbitrary or damaged bytes without a panic.

#![allow(clippy::unwrap_used)]

use automerge::{Automerge, ROOT, ReadDoc};
use landsbyplan_model::{Error, PersonFields, PersonId, Role, Space, SpaceId, Stamp};
use proptest::prelude::*;

fn stamp(author: &str, time: i64) -> Stamp {
    Stamp::new(author, time)
}

fn council() -> Space {
    Space::create_council(SpaceId::from_random(1), "Vorbasse", &stamp("Anna", 100)).unwrap()
}

#[test]
fn a_name_set_on_two_devices_at_once_is_a_conflict_with_both_values_until_one_is_kept() {
    let mut a = council();
    let mut b = a.fork();
    a.rename("Vorbasse Lokalråd", &stamp("Anna", 200)).unwrap();
    b.rename("Lokalrådet i Vorbasse", &stamp("Bo", 201))
        .unwrap();
    a.merge(&mut b).unwrap();
    let conflicts = a.conflicts();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].path, ["name"]);
    let mut values = conflicts[0].values.clone();
    values.sort();
    assert_eq!(values, ["Lokalrådet i Vorbasse", "Vorbasse Lokalråd"]);
    assert_eq!(
        &a.name(),
        conflicts[0].values.last().unwrap(),
        "the shown value is last"
    );

    a.resolve_conflict(
        &conflicts[0].path,
        "Lokalrådet i Vorbasse",
        &stamp("Anna", 300),
    )
    .unwrap();
    assert!(a.conflicts().is_empty());
    assert_eq!(a.name(), "Lokalrådet i Vorbasse");
    b.merge(&mut a).unwrap();
    assert_eq!(
        b.name(),
        "Lokalrådet i Vorbasse",
        "the choice reaches the other device"
    );
}

#[test]
fn a_conflict_deep_in_an_entity_names_its_path() {
    let mut a = council();
    let bo = PersonId::from_random(5);
    let fields = PersonFields {
        name: "Bo".into(),
        contact: String::new(),
        role: Role::Citizen,
    };
    a.add_member(bo, &fields, &stamp("Anna", 100)).unwrap();
    let mut b = a.fork();
    a.update_member(
        bo,
        &PersonFields {
            contact: "20 30 40 50".into(),
            ..fields.clone()
        },
        &stamp("Anna", 200),
    )
    .unwrap();
    b.update_member(
        bo,
        &PersonFields {
            contact: "bo@example.invalid".into(),
            ..fields
        },
        &stamp("Bo", 200),
    )
    .unwrap();
    a.merge(&mut b).unwrap();
    let conflicts = a.conflicts();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        conflicts[0].path,
        ["members".to_owned(), bo.to_string(), "contact".to_owned()]
    );
}

#[test]
fn resolving_with_a_value_that_is_not_in_the_conflict_is_refused() {
    let mut a = council();
    let err = a.resolve_conflict(&["name".to_owned()], "Something else", &stamp("Anna", 1));
    assert!(matches!(err, Err(Error::NotFound { .. })));
}

#[test]
fn history_lists_every_change_with_its_author_and_time_and_per_entity() {
    let mut a = council();
    let bo = PersonId::from_random(5);
    let fields = PersonFields {
        name: "Bo".into(),
        contact: String::new(),
        role: Role::Citizen,
    };
    a.add_member(bo, &fields, &stamp("Anna", 200)).unwrap();
    a.rename("Vorbasse Lokalråd", &stamp("Carl", 250)).unwrap();
    a.update_member(
        bo,
        &PersonFields {
            role: Role::Politician,
            ..fields
        },
        &stamp("Bo", 300),
    )
    .unwrap();
    let all: Vec<_> = a
        .history()
        .into_iter()
        .map(|h| (h.author, h.time))
        .collect();
    assert_eq!(
        all,
        [
            ("Anna".into(), 100),
            ("Anna".into(), 200),
            ("Carl".into(), 250),
            ("Bo".into(), 300)
        ]
    );
    let of_bo: Vec<_> = a
        .history_of(&bo.to_string())
        .into_iter()
        .map(|h| (h.author, h.time))
        .collect();
    assert_eq!(of_bo, [("Anna".into(), 200), ("Bo".into(), 300)]);
}

#[test]
fn an_exported_file_opens_as_a_plain_automerge_document() {
    let mut a = council();
    a.set_vision("Et godt sted at bo", &stamp("Anna", 200))
        .unwrap();
    let file = a.save();
    let plain = Automerge::load(&file).unwrap();
    let (name, _) = plain.get(ROOT, "name").unwrap().unwrap();
    assert_eq!(name.as_str(), Some("Vorbasse"));
    let (_, plan) = plain.get(ROOT, "plan").unwrap().unwrap();
    let (_, vision) = plain.get(&plan, "vision").unwrap().unwrap();
    assert_eq!(plain.text(&vision).unwrap(), "Et godt sted at bo");
}

#[test]
fn importing_a_copy_made_offline_merges_it_and_says_first_what_it_adds() {
    let mut held = council();
    let mut offline = Space::load(&held.save()).unwrap();
    offline
        .set_vision("Skrevet i forsamlingshuset", &stamp("Eva", 500))
        .unwrap();
    offline
        .rename("Vorbasse Lokalråd", &stamp("Eva", 501))
        .unwrap();
    let file = offline.save();

    let preview = held.preview_import(&file).unwrap();
    assert_eq!(
        (preview.new_changes, preview.authors.clone()),
        (2, vec!["Eva".to_owned()])
    );
    assert_eq!(held.name(), "Vorbasse", "a preview changes nothing");
    held.import(&file).unwrap();
    assert_eq!(held.name(), "Vorbasse Lokalråd");
    assert_eq!(held.development_plan().vision, "Skrevet i forsamlingshuset");
    assert_eq!(
        held.preview_import(&file).unwrap().new_changes,
        0,
        "importing again adds nothing"
    );
}

#[test]
fn importing_another_space_or_a_damaged_file_changes_nothing() {
    let mut held = council();
    let before = held.heads();
    let mut other =
        Space::create_council(SpaceId::from_random(2), "Filskov", &stamp("Anna", 1)).unwrap();
    assert!(matches!(
        held.import(&other.save()),
        Err(Error::DifferentSpaces)
    ));
    let file = held.save();
    // Cut short: refused before Automerge reads it.
    assert!(matches!(
        held.import(&file[..file.len() - 3]),
        Err(Error::Unbounded(_))
    ));
    assert_eq!(held.heads(), before);
}

proptest! {
    // 2,000 cases, whatever the test command asks of the merge properties: the `space`
    // fuzz target runs such bytes far longer (scripts/fuzz).
    #![proptest_config(ProptestConfig::with_cases(2_000))]
    #[test]
    fn loading_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Space::load(&bytes);
    }

    #[test]
    fn loading_a_damaged_document_never_panics(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut space = council();
        space.set_vision("Vision", &stamp("Anna", 2)).unwrap();
        let mut bytes = space.save();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let keep = cut.index(bytes.len() + 1);
        bytes.truncate(keep.max(1));
        if let Ok(loaded) = Space::load(&bytes) {
            // Whatever loaded must read without a panic too.
            let _ = (loaded.name(), loaded.members(), loaded.development_plan(), loaded.problems(), loaded.conflicts());
        }
    }
}

#[test]
fn a_received_change_whose_dependency_is_missing_waits_is_kept_through_a_reload_and_applies_later()
{
    let mut anna = council();
    let mut bo = anna.fork();
    let base = bo.heads();
    bo.rename("Vorbasse Lokalråd", &stamp("Bo", 200)).unwrap();
    let (first, _) = bo.changes_after(&base);
    let middle = bo.heads();
    bo.rename("Lokalrådet i Vorbasse", &stamp("Bo", 300))
        .unwrap();
    let (second, count) = bo.changes_after(&middle);
    assert_eq!(count, 1);

    // The second change arrives first: it waits, and says what for.
    let before_apply = anna.save();
    anna.apply_changes(&second).unwrap();
    assert_eq!(anna.name(), "Vorbasse");
    assert_eq!(anna.missing(), middle);
    assert!(anna.has_missing());

    // The device stores an incremental save after applying: it leaves the waiting change
    // out, so the device keeps the change as it came beside it, and after a reload it
    // still waits.
    let incremental = anna.save_incremental();
    let mut stored = before_apply.clone();
    stored.extend_from_slice(&incremental);
    assert!(
        !Space::load(&stored).unwrap().has_missing(),
        "without the change as it came, a reload would lose it"
    );
    stored.extend_from_slice(&second);
    let mut reloaded = Space::load(&stored).unwrap();
    assert_eq!(reloaded.missing(), middle);

    // The missing change arrives: both apply.
    reloaded.apply_changes(&first).unwrap();
    assert!(!reloaded.has_missing());
    assert_eq!(reloaded.name(), "Lokalrådet i Vorbasse");
    assert_eq!(reloaded.heads(), bo.heads());
}

#[test]
fn changes_after_heads_the_document_does_not_know_are_everything_after_what_it_knows() {
    let mut anna = council();
    let known = anna.heads();
    anna.rename("Vorbasse Lokalråd", &stamp("Anna", 200))
        .unwrap();
    let unknown = automerge::ChangeHash([7; 32]);
    let (_, count) = anna.changes_after(&[known[0], unknown]);
    assert_eq!(count, 1);
    let latest = anna.heads()[0];
    assert!(anna.has_change(&latest));
    assert!(!anna.has_change(&unknown));
}

#[test]
fn what_is_owed_is_cut_into_bundles_that_each_fit_and_together_are_everything() {
    let mut anna = council();
    let base = anna.heads();
    for n in 0..40 {
        anna.rename(&format!("Vorbasse {n}"), &stamp("Anna", 200 + n))
            .unwrap();
    }
    let (all, count) = anna.changes_after(&base);
    let bundles = anna.change_bundles(&base, 600);
    assert!(bundles.len() > 1, "forty changes do not fit in 600 bytes");
    assert!(bundles.iter().all(|(bytes, _)| bytes.len() <= 600));
    assert_eq!(bundles.iter().map(|(_, n)| n).sum::<usize>(), count);
    let joined: Vec<u8> = bundles
        .iter()
        .flat_map(|(bytes, _)| bytes.clone())
        .collect();
    assert_eq!(joined, all);
}

#[test]
fn no_space_grows_past_what_every_device_can_load() {
    use automerge::{AutoCommit, ObjType, transaction::Transactable};
    use landsbyplan_model::bounds::MAX_OPS;
    use landsbyplan_model::{Keystroke, LiveField};
    let mut space = council();
    // An editor's device makes two changes that each pass the check on received data,
    // but together would be more than any device may load.
    let mut rogue = AutoCommit::load(&space.export()).unwrap();
    let mut heads = rogue.get_heads();
    let filler = rogue.put_object(ROOT, "filler", ObjType::Text).unwrap();
    let mut bundles = Vec::new();
    for letter in ["x", "y"] {
        let text = letter.repeat((MAX_OPS * 6 / 10) as usize);
        rogue.splice_text(&filler, 0, 0, &text).unwrap();
        rogue.commit();
        bundles.push(rogue.save_after(&heads));
        heads = rogue.get_heads();
    }
    space.apply_changes(&bundles[0]).unwrap();
    assert!(space.missing().is_empty());
    let before = space.heads();
    let second = space.apply_changes(&bundles[1]);
    assert!(
        matches!(second, Err(Error::Full)),
        "the second bundle is refused: {second:?} at {:?} operations",
        space.size()
    );
    assert_eq!(space.heads(), before, "and nothing of it was taken");
    // What the device holds still opens, and its own edit past the limit is refused too.
    let mut space = Space::load(&space.save()).unwrap();
    let seen = space.live_text(LiveField::Vision).unwrap();
    let typed = "z".repeat((MAX_OPS / 2) as usize);
    let keystroke = Keystroke {
        seen,
        caret: typed.chars().count(),
        typed,
    };
    assert!(matches!(
        space.type_live(LiveField::Vision, &keystroke, &stamp("Anna", 300)),
        Err(Error::Full)
    ));
    assert_eq!(space.heads(), before);
    let small = Keystroke {
        caret: 3,
        typed: "Vi ".into(),
        seen: space.live_text(LiveField::Vision).unwrap(),
    };
    space
        .type_live(LiveField::Vision, &small, &stamp("Anna", 301))
        .unwrap();
    Space::load(&space.save()).unwrap();
}

/// Found by the `space` fuzz target (`fuzz/regressions/space/`): a first change that names
/// two other devices no change came from. Automerge 0.12 panics on applying it.
#[test]
fn a_change_that_names_devices_no_change_came_from_is_refused_not_a_panic() {
    let bytes = include_bytes!(
        "../../../fuzz/regressions/space/space-crash-d618347c534a29e1766686432bbd6d536e81b781"
    );
    // Alone, it is no space (the change is dropped, and nothing is left).
    assert!(Space::load(bytes).is_err());
    let mut held = council();
    let before = held.heads();
    assert!(matches!(
        held.apply_changes(bytes),
        Err(Error::Unbounded(_))
    ));
    assert_eq!(held.heads(), before);
    assert!(!held.has_missing());
}
