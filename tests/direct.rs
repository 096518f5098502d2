//! Browser tests of direct channels (issue 14), in real headless Chromium: two WebRTC
//! connections in one page set up by exchanging sealed connection codes (as two phones
//! would by QR), prove the space to each other and sync a council both edited, with
//! messages larger than one chunk. Run in a network namespace of its own
//! (`scripts/in-netns`): WebRTC needs an address besides loopback.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use landsbyplan::direct::Direct;
use landsbyplan_model::{PeerSync, PersonFields, PersonId, Role, Space, SpaceId, Stamp};
use landsbyplan_sync::{SpaceKeys, SpaceSecret};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn keys(n: u8) -> SpaceKeys {
    SpaceSecret::from_random([n; 32]).keys()
}

fn add(space: &mut Space, n: u32, name: &str) {
    space
        .add_member(
            PersonId::from_random(u128::from(n) + 1),
            &PersonFields {
                name: name.to_owned(),
                contact: String::new(),
                role: Role::Citizen,
            },
            &Stamp::new("Anna", 1_780_000_000),
        )
        .unwrap();
}

fn names(space: &Space) -> Vec<String> {
    let mut names: Vec<String> = space.members().into_iter().map(|p| p.fields.name).collect();
    names.sort();
    names
}

/// One side's turn: what it has to say goes out, and what came in is taken.
async fn turn(direct: &mut Direct, sync: &mut PeerSync, space: &mut Space) -> bool {
    let mut moved = false;
    while let Some(message) = sync.next_message(space) {
        direct.send(&message).unwrap();
        moved = true;
    }
    while let Some(message) = direct.receive(50).await.unwrap() {
        sync.receive(space, &message).unwrap();
        moved = true;
    }
    moved
}

#[wasm_bindgen_test]
async fn two_phones_connect_by_codes_prove_the_space_and_sync_a_council_both_edited() {
    let space = keys(1);
    let read = space.read().clone();
    let (mut anna, offer) = Direct::offer(&read).await.unwrap();
    assert!(offer.len() < 200, "the offer code is {} bytes", offer.len());
    // A phone of another space cannot use the code.
    assert_eq!(
        Direct::answer(keys(2).read(), &offer).await.err(),
        Some("direct-not-this-space")
    );
    let (mut bo, answer) = Direct::answer(&read, &offer).await.unwrap();
    // An offer is not an answer.
    assert_eq!(
        anna.accept(&read, &offer).await.err(),
        Some("direct-not-an-answer")
    );
    anna.accept(&read, &answer).await.unwrap();

    // Anna holds the space's secret; Bo a read-only share.
    let (anna_saw, bo_saw) = futures_util::future::join(
        bo.greet(&read, None, "Bo", [2; 16], 10_000),
        anna.greet(&read, Some(&space), "Anna", [1; 16], 10_000),
    )
    .await;
    let (anna_saw, bo_saw) = (anna_saw.unwrap(), bo_saw.unwrap());
    assert_eq!(
        (anna_saw.name.as_str(), anna_saw.device, anna_saw.may_write),
        ("Anna", [1; 16], true)
    );
    assert_eq!(
        (bo_saw.name.as_str(), bo_saw.device, bo_saw.may_write),
        ("Bo", [2; 16], false)
    );

    // A council of 2,000 members (well over one 16 KiB chunk) on Anna's phone; Bo's
    // holds only its creation, and edits it.
    let mut created = Space::create_council(
        SpaceId::from_random(5),
        "Lokalråd",
        &Stamp::new("Anna", 1_780_000_000),
    )
    .unwrap();
    let mut at_anna = created.fork();
    for n in 0..2_000 {
        add(&mut at_anna, n, &format!("Medlem {n}"));
    }
    let mut at_bo = created.fork();
    add(&mut at_bo, 9_999, "Bo selv");
    let mut anna_sync = PeerSync::new(bo_saw.may_write);
    let mut bo_sync = PeerSync::new(anna_saw.may_write);
    for _ in 0..50 {
        let a = turn(&mut anna, &mut anna_sync, &mut at_anna).await;
        let b = turn(&mut bo, &mut bo_sync, &mut at_bo).await;
        if !a && !b {
            break;
        }
    }
    // Bo got every member; Bo's own edit, from a read-only share, was not taken.
    assert_eq!(names(&at_bo).len(), 2_001);
    assert!(names(&at_bo).contains(&"Bo selv".to_owned()));
    assert_eq!(names(&at_anna).len(), 2_000);
    anna.close();
    bo.close();
}

/// Starts Leptos' executor, on which a library runs its sync task.
fn start_executor() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    leptos::mount::mount_to(wasm_bindgen::JsCast::unchecked_into(host), || ()).forget();
}

async fn library(name: &str) -> landsbyplan::library::Library {
    let library = landsbyplan::library::Library::new();
    library.open(name, None).await;
    library
}

fn library_names(library: landsbyplan::library::Library, id: SpaceId) -> Vec<String> {
    library.read(id, names).unwrap()
}

#[wasm_bindgen_test]
async fn two_libraries_sync_a_council_over_a_direct_channel_and_keep_what_came() {
    start_executor();
    let suffix = js_sys::Math::random();
    let (first, second) = (
        format!("landsbyplan-direct-a-{suffix}"),
        format!("landsbyplan-direct-b-{suffix}"),
    );
    let anna = library(&first).await;
    let bo = library(&second).await;
    anna.create_council("Grene", &Stamp::new("Anna", 1_780_000_000))
        .await
        .unwrap();
    let id = anna.read_all(|space| Some(space.id()))[0];
    // Bo's phone got the council as a file once; both edit it apart.
    bo.open_file(&anna.export_file(id).unwrap()).await.unwrap();
    anna.edit(id, |space| {
        add(space, 1, "Anna");
        Ok(())
    })
    .await
    .unwrap();
    bo.edit(id, |space| {
        add(space, 2, "Bo");
        Ok(())
    })
    .await
    .unwrap();

    let space = keys(3);
    let read = space.read().clone();
    let (mut at_anna, offer) = Direct::offer(&read).await.unwrap();
    let (mut at_bo, answer) = Direct::answer(&read, &offer).await.unwrap();
    at_anna.accept(&read, &answer).await.unwrap();
    let (a, b) = futures_util::future::join(at_anna.opened(10_000), at_bo.opened(10_000)).await;
    a.unwrap();
    b.unwrap();
    let (mut anna_sync, mut bo_sync) = (PeerSync::new(true), PeerSync::new(true));
    for _ in 0..50 {
        let a = at_anna.sync_turn(anna, id, &mut anna_sync).await.unwrap();
        let b = at_bo.sync_turn(bo, id, &mut bo_sync).await.unwrap();
        if !a && !b {
            break;
        }
    }
    assert_eq!(library_names(anna, id), ["Anna", "Bo"]);
    assert_eq!(library_names(bo, id), ["Anna", "Bo"]);
    at_anna.close();
    at_bo.close();

    // What came over the channel is on each device: a library opened again holds it.
    let again = library(&second).await;
    assert_eq!(library_names(again, id), ["Anna", "Bo"]);
}
