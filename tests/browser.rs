//! Browser tests: the app's IndexedDB store, in real headless Chromium.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use landsbyplan::storage::DocStore;
use landsbyplan_model::{ActionFields, ActionId, Space, SpaceId, SpaceKind, Stamp};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn stamp() -> Stamp {
    Stamp::new("Anna", 1_780_000_000)
}

/// Starts Leptos' executor, on which the library runs its sync task, by mounting
/// nothing, as the app mounts itself.
fn start_executor() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    leptos::mount::mount_to(wasm_bindgen::JsCast::unchecked_into(host), || ()).forget();
}

/// The names of the library's spaces, as its home screen lists them.
fn names(library: landsbyplan::library::Library) -> Vec<String> {
    use leptos::prelude::GetUntracked;
    library
        .spaces
        .get_untracked()
        .into_iter()
        .map(|s| s.name)
        .collect()
}

/// A database of the test's own, so tests never see each other's data.
fn database(test: &str) -> String {
    format!("landsbyplan-test-{test}-{}", js_sys::Math::random())
}

/// A library open on a database of the test's own, with the executor its sync task runs on.
async fn open_library(test: &str) -> (landsbyplan::library::Library, String) {
    use landsbyplan::library::{Library, LibraryState};
    use leptos::prelude::GetUntracked;
    start_executor();
    let name = database(test);
    let library = Library::new();
    library.open(&name, None).await;
    assert_eq!(library.state.get_untracked(), LibraryState::Ready);
    (library, name)
}

/// Joins a new editing link (its secret made from `seed`) in `library`; its document id.
async fn join_link(library: landsbyplan::library::Library, seed: u8) -> landsbyplan_sync::DocId {
    use landsbyplan_sync::{Share, SpaceSecret};
    let secret = SpaceSecret::from_random([seed; 32]);
    let doc = secret.keys().doc_id();
    library
        .join(&format!("#{}", Share::Edit(secret).to_fragment()))
        .await
        .unwrap();
    doc
}

#[wasm_bindgen_test]
async fn a_space_and_its_later_chunks_load_back_after_reopening_the_database() {
    let name = database("reopen");
    let id = SpaceId::from_random(11);
    let mut space = Space::create_council(id, "Vorbasse", &stamp()).unwrap();
    let store = DocStore::open(&name).await.unwrap();
    store
        .create(id, SpaceKind::Council, &space.save(), None)
        .await
        .unwrap();
    space.rename("Vorbasse Lokalråd", &stamp()).unwrap();
    assert_eq!(
        store.append(id, &space.save_incremental()).await.unwrap(),
        1
    );
    store.close();

    let store = DocStore::open(&name).await.unwrap();
    let stored = store.load_all().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, id);
    assert_eq!(stored[0].chunks, [0, 1]);
    assert_eq!(
        Space::load(&stored[0].bytes).unwrap().name(),
        "Vorbasse Lokalråd"
    );
    store.close();
}

#[wasm_bindgen_test]
async fn compaction_replaces_the_chunks_with_one_snapshot_and_loses_no_edit() {
    let name = database("compact");
    let id = SpaceId::from_random(12);
    let mut space = Space::create_council(id, "Hejnsvig", &stamp()).unwrap();
    let store = DocStore::open(&name).await.unwrap();
    store
        .create(id, SpaceKind::Council, &space.save(), None)
        .await
        .unwrap();
    for name in ["Hejnsvig 1", "Hejnsvig 2", "Hejnsvig Lokalråd"] {
        space.rename(name, &stamp()).unwrap();
        store.append(id, &space.save_incremental()).await.unwrap();
    }
    // Another tab, holding the space as it was stored, stores an edit of its own
    // meanwhile: the snapshot below lacks it, and it must stay.
    let mut other = Space::load(&store.load_all().await.unwrap()[0].bytes).unwrap();
    other.rename("Hejnsvig By", &stamp()).unwrap();
    let theirs = store.append(id, &other.save_incremental()).await.unwrap();
    assert_eq!(theirs, 4, "the other tab's chunk gets a number of its own");

    let snapshot = space.save();
    let seq = store.compact(id, &snapshot, &[0, 1, 2, 3]).await.unwrap();
    assert_eq!(seq, 5);

    let stored = store.load_all().await.unwrap();
    assert_eq!(
        stored[0].chunks,
        [4, 5],
        "the snapshot replaced what it holds"
    );
    let mut loaded = Space::load(&stored[0].bytes).unwrap();
    let mut mine = space.fork();
    let mut theirs = other.fork();
    mine.merge(&mut theirs).unwrap();
    assert_eq!(loaded.heads(), mine.heads(), "both tabs' edits are kept");
    store.close();
}

#[wasm_bindgen_test]
async fn spaces_are_kept_apart_by_their_ids() {
    let name = database("apart");
    let store = DocStore::open(&name).await.unwrap();
    let mut names = Vec::new();
    for (bits, council) in [(1, "Filskov"), (2, "Sdr. Omme"), (3, "Vesterhede")] {
        let id = SpaceId::from_random(bits);
        let mut space = Space::create_council(id, council, &stamp()).unwrap();
        store
            .create(id, SpaceKind::Council, &space.save(), None)
            .await
            .unwrap();
        names.push(council);
    }
    let mut loaded: Vec<String> = store
        .load_all()
        .await
        .unwrap()
        .iter()
        .map(|s| Space::load(&s.bytes).unwrap().name())
        .collect();
    loaded.sort();
    assert_eq!(loaded, names);
    store.close();
}

#[wasm_bindgen_test]
async fn keyring_entries_are_kept_with_their_space_and_updated() {
    use landsbyplan::storage::KeyringEntry;
    let name = database("keyring");
    let id = SpaceId::from_random(21);
    let mut space = Space::create_council(id, "Filskov", &stamp()).unwrap();
    let store = DocStore::open(&name).await.unwrap();
    let entry = KeyringEntry {
        share: "edit=abc".into(),
        cursor: 0,
        epoch: 0,
        space: Some(id),
        shared: Vec::new(),
        shared_at: 0,
    };
    store
        .create(
            id,
            SpaceKind::Council,
            &space.save(),
            Some(("doc1", &entry)),
        )
        .await
        .unwrap();
    store
        .put_key(
            "doc1",
            &KeyringEntry {
                cursor: 7,
                epoch: 3,
                shared: vec![[1; 32], [2; 32]],
                ..entry.clone()
            },
        )
        .await
        .unwrap();
    store
        .put_key(
            "doc2",
            &KeyringEntry {
                share: "read=xyz".into(),
                cursor: 0,
                epoch: 0,
                space: None,
                shared: Vec::new(),
                shared_at: 0,
            },
        )
        .await
        .unwrap();
    store.close();

    let store = DocStore::open(&name).await.unwrap();
    let mut keys = store.keyring().await.unwrap();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        keys[0],
        (
            "doc1".to_owned(),
            KeyringEntry {
                cursor: 7,
                epoch: 3,
                shared: vec![[1; 32], [2; 32]],
                ..entry
            }
        )
    );
    assert_eq!(keys[1].1.space, None);
    store.close();
}

#[wasm_bindgen_test]
async fn received_changes_that_do_not_apply_are_set_aside_and_the_space_goes_on() {
    use landsbyplan::library::{Library, LibraryState};
    use leptos::prelude::GetUntracked;

    let (library, name) = open_library("set-aside").await;
    let doc = join_link(library, 61).await;

    // The space arrives from the relay.
    let mut council = Space::create_council(SpaceId::from_random(61), "Grene", &stamp()).unwrap();
    let first = library.apply_remote(doc, &council.save()).await;
    assert!(first.stored && !first.set_aside);
    // Bytes that are not Automerge data, and another space's document, do not apply
    // and are set aside (not received again at every start).
    let noise = library.apply_remote(doc, b"no automerge here").await;
    assert!(noise.stored && noise.set_aside);
    let mut other = Space::create_council(SpaceId::from_random(62), "Filskov", &stamp()).unwrap();
    let foreign = library.apply_remote(doc, &other.save()).await;
    assert!(foreign.stored && foreign.set_aside);
    // A change of 28 bytes that claims 2^40 operations: Automerge would try to make
    // room for them all, and the tab would die at every start. It is set aside.
    const BOMB: [u8; 28] = [
        0x85, 0x6f, 0x4a, 0x83, // a chunk
        0, 0, 0, 0, // its checksum
        1, 18, // a change of 18 bytes
        0, 1, 0xaa, 1, 1, 0, 0, 0, // no deps, actor aa, seq 1, op 1, no time, message, actors
        1, 0x42, 7, // one column: the actions, 7 bytes
        0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 1, // a run of 2^40 of action 1
    ];
    let bomb = library.apply_remote(doc, &BOMB).await;
    assert!(bomb.stored && bomb.set_aside);
    // A later change of the space still applies.
    council.rename("Grene Lokalråd", &stamp()).unwrap();
    let later = library.apply_remote(doc, &council.save_incremental()).await;
    assert!(later.stored && !later.set_aside);
    assert_eq!(names(library), ["Grene Lokalråd"]);

    // The next start is a normal one.
    let again = Library::new();
    again.open(&name, None).await;
    assert_eq!(again.state.get_untracked(), LibraryState::Ready);
    assert_eq!(names(again), ["Grene Lokalråd"]);
}

#[wasm_bindgen_test]
async fn an_edit_a_tab_showed_but_indexeddb_never_got_is_kept_from_the_edit_journal() {
    use landsbyplan::journal::Journal;
    use landsbyplan::library::{Library, LibraryState};
    use leptos::prelude::GetUntracked;

    start_executor();
    let name = database("journal");
    let journal = Journal::new(&name);
    let library = Library::new();
    library.open(&name, None).await;
    assert_eq!(library.state.get_untracked(), LibraryState::Ready);
    library.create_council("Grene", &stamp()).await.unwrap();
    let id = library.spaces.get_untracked()[0].id;
    // The moment an edit shows (its first step, before IndexedDB is even asked), it is
    // in the journal; once IndexedDB has it, it is not.
    let edit = library.edit(id, |space| space.rename("Grene By", &stamp()));
    let mut edit = std::pin::pin!(edit);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(edit.as_mut().poll(&mut context).is_pending());
    assert_eq!(
        library.read(id, |space| space.name()).as_deref(),
        Some("Grene By")
    );
    let journaled = journal.leftovers();
    assert_eq!(journaled.len(), 1);
    assert_eq!(journaled[0].space, id);
    edit.await.unwrap();
    assert!(
        journal.leftovers().is_empty(),
        "the journal holds only what is not stored"
    );

    // A tab showed a rename (so the journal has it) and closed before IndexedDB
    // committed it. The entry holds the whole document before it, as a fork saves it:
    // changes already stored do no harm.
    let changes = library
        .read_mut(id, |space| {
            let mut tab = space.fork();
            tab.rename("Grene Lokalråd", &stamp()).unwrap();
            tab.save_incremental()
        })
        .unwrap();
    assert!(journal.write(id, &changes).is_some());
    // An entry of a space not held here stays for a build that can read it.
    let elsewhere = SpaceId::from_random(63);
    assert!(journal.write(elsewhere, b"changes").is_some());

    let next = Library::new();
    next.open(&name, None).await;
    assert_eq!(names(next), ["Grene Lokalråd"]);
    let left: Vec<SpaceId> = journal.leftovers().iter().map(|l| l.space).collect();
    assert_eq!(left, [elsewhere], "the merged entry is removed once stored");

    // It is in IndexedDB now: a start without the journal has it.
    let third = Library::new();
    third.open(&name, None).await;
    assert_eq!(names(third), ["Grene Lokalråd"]);
}

#[wasm_bindgen_test]
async fn a_link_to_a_forged_document_with_a_held_spaces_id_never_replaces_it() {
    use landsbyplan::library::Library;
    use leptos::prelude::GetUntracked;

    let (library, name) = open_library("forged-link").await;
    // The council arrives by its real link.
    let real_doc = join_link(library, 71).await;
    let id = SpaceId::from_random(71);
    let mut council = Space::create_council(id, "Grene", &stamp()).unwrap();
    assert!(library.apply_remote(real_doc, &council.save()).await.stored);

    // A stranger makes a document of their own with the council's id and another name,
    // and shares it under keys of their own.
    let heads = library.read_mut(id, |space| space.heads()).unwrap();
    let forged_doc = join_link(library, 72).await;
    let mut forged = Space::create_council(id, "Overtaget", &stamp()).unwrap();
    forged
        .add_action(
            ActionId::from_random(73),
            &ActionFields::titled("Kun i forfalskningen"),
            &stamp(),
        )
        .unwrap();
    library.apply_remote(forged_doc, &forged.save()).await;
    assert_eq!(names(library), ["Grene"], "the held council is unchanged");
    assert_eq!(
        library.read_mut(id, |space| space.heads()).unwrap(),
        heads,
        "nothing of the forged document was merged in"
    );
    let refused = library.refused.get_untracked();
    assert_eq!(refused.len(), 1, "the person is told");
    assert_eq!(refused[0].key, "error-link-other-copy");
    assert_eq!(refused[0].args, [("name", "Grene".to_string())]);

    // The council's own changes still apply; after a reload it is still the one.
    council.rename("Grene Lokalråd", &stamp()).unwrap();
    let later = library
        .apply_remote(real_doc, &council.save_incremental())
        .await;
    assert!(later.stored && !later.set_aside);
    let again = Library::new();
    again.open(&name, None).await;
    assert_eq!(names(again), ["Grene Lokalråd"]);
    assert!(
        again
            .read(id, |space| space.development_plan().actions.is_empty())
            .unwrap(),
        "the forged document left nothing behind"
    );
}

#[wasm_bindgen_test]
async fn a_file_with_a_held_spaces_id_that_is_no_copy_of_it_is_refused_and_changes_nothing() {
    use landsbyplan::library::Library;

    let (library, name) = open_library("forged-file").await;
    let id = library
        .open_file(
            &Space::create_council(SpaceId::from_random(74), "Grene", &stamp())
                .unwrap()
                .save(),
        )
        .await
        .unwrap();
    let heads = library.read_mut(id, |space| space.heads()).unwrap();

    // A stranger's file: a document of their own under the council's id.
    let mut forged = Space::create_council(id, "Overtaget", &stamp()).unwrap();
    forged
        .add_action(
            ActionId::from_random(75),
            &ActionFields::titled("Kun i forfalskningen"),
            &stamp(),
        )
        .unwrap();
    let file = forged.export();
    assert_eq!(
        library.preview_file(&file).unwrap_err().key,
        "error-not-a-copy",
        "the preview refuses it too"
    );
    let refused = library.open_file(&file).await.unwrap_err();
    assert_eq!(refused.key, "error-not-a-copy");
    assert_eq!(library.read_mut(id, |space| space.heads()).unwrap(), heads);

    // A real copy, edited elsewhere, still merges.
    let mut copy = Space::load(&library.export_file(id).unwrap()).unwrap();
    copy.rename("Grene Lokalråd", &stamp()).unwrap();
    assert_eq!(library.open_file(&copy.export()).await.unwrap(), id);
    let again = Library::new();
    again.open(&name, None).await;
    assert_eq!(names(again), ["Grene Lokalråd"]);
    assert!(
        again
            .read(id, |space| space.development_plan().actions.is_empty())
            .unwrap()
    );
}

#[wasm_bindgen_test]
async fn changes_for_a_space_that_could_not_be_read_at_start_are_not_taken_as_stored() {
    use landsbyplan::library::{Library, LibraryState};
    use landsbyplan::storage::KeyringEntry;
    use landsbyplan_sync::{Share, SpaceSecret};
    use leptos::prelude::GetUntracked;

    start_executor();
    let name = database("damaged-held");
    let secret = SpaceSecret::from_random([81; 32]);
    let doc = secret.keys().doc_id();
    let id = SpaceId::from_random(81);
    // The device holds the space under its link, but what it stored no longer reads.
    let store = DocStore::open(&name).await.unwrap();
    let entry = KeyringEntry {
        share: Share::Edit(secret).to_fragment(),
        cursor: 4,
        epoch: 5,
        space: Some(id),
        shared: Vec::new(),
        shared_at: 0,
    };
    store
        .create(
            id,
            SpaceKind::Council,
            b"no longer a document",
            Some((&doc.to_string(), &entry)),
        )
        .await
        .unwrap();
    store.close();

    let library = Library::new();
    library.open(&name, None).await;
    assert_eq!(library.state.get_untracked(), LibraryState::Ready);
    assert_eq!(library.damaged.get_untracked().len(), 1);
    // An entry of it arrives: it is not applied anywhere, so it must not count as
    // stored (the cursor stays, and it comes again once the space reads).
    let mut council = Space::create_council(id, "Grene", &stamp()).unwrap();
    let received = library.apply_remote(doc, &council.save()).await;
    assert!(!received.stored && !received.set_aside);
}

/// Waits `ms` milliseconds (frames are drawn meanwhile).
async fn pause(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// How many changes of the library's one space wait for the relay, by its status.
fn waiting(library: landsbyplan::library::Library) -> usize {
    use landsbyplan_sync::SyncStatus;
    use leptos::prelude::GetUntracked;
    match library.spaces.get_untracked()[0].status {
        SyncStatus::Waiting { unsent } => unsent,
        ref other => panic!("expected changes waiting for the relay, found {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn what_a_space_owed_the_relay_at_start_goes_out_once_after_the_first_frame_or_with_an_earlier_edit()
 {
    use landsbyplan::library::Library;
    // No relay answers here: every change stays owed.
    let (first, name) = open_library("owed").await;
    first.create_council("Vorbasse", &stamp()).await.unwrap();
    let id = {
        use leptos::prelude::GetUntracked;
        first.spaces.get_untracked()[0].id
    };
    first
        .rename(id, "Vorbasse Lokalråd", &stamp())
        .await
        .unwrap();
    pause(300).await;
    let owed = waiting(first);
    assert!(owed >= 2, "the council's creation and rename wait: {owed}");

    // Started again and left alone: what is owed goes out after the first frame, once.
    let again = Library::new();
    again.open(&name, None).await;
    pause(300).await;
    assert_eq!(waiting(again), owed);

    // Started again and edited at once, before a frame: the edit takes what is owed
    // with it, and nothing goes out twice.
    let edited = Library::new();
    edited.open(&name, None).await;
    edited
        .rename(id, "Vorbasse og Omegn", &stamp())
        .await
        .unwrap();
    pause(300).await;
    assert_eq!(waiting(edited), owed + 1);
}

/// A QR code of `text` as an RGBA picture: modules of `scale` pixels, a quiet zone of
/// four modules, dark grey on off-white as a phone's screen looks to a camera.
fn qr_picture(text: &str, scale: usize) -> (usize, Vec<u8>) {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 8) * scale;
    let mut rgba = Vec::with_capacity(side * side * 4);
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
            let dark =
                mx < modules && my < modules && colors[my * modules + mx] == qrcode::Color::Dark;
            let level = if dark { 40 } else { 230 };
            rgba.extend_from_slice(&[level, level, level + 10, 255]);
        }
    }
    (side, rgba)
}

#[wasm_bindgen_test]
fn the_camera_reader_finds_a_connection_code_in_a_picture_and_nothing_in_others() {
    let text = "lp1.".to_owned() + &"AbCdEf0123456789-_".repeat(8);
    let (side, rgba) = qr_picture(&text, 3);
    assert_eq!(
        landsbyplan::scan::decode(side, side, &rgba),
        Some(text.clone())
    );
    // A blank picture, and one whose size does not match its pixels.
    assert_eq!(
        landsbyplan::scan::decode(side, side, &vec![200; side * side * 4]),
        None
    );
    assert_eq!(landsbyplan::scan::decode(side, side + 1, &rgba), None);
    // Half the code covered: not read (nor misread).
    let mut covered = rgba;
    for pixel in covered[..side * side * 2].chunks_exact_mut(4) {
        pixel.copy_from_slice(&[230, 230, 240, 255]);
    }
    assert_eq!(landsbyplan::scan::decode(side, side, &covered), None);
}
