//! Devices of one space syncing straight with each other (issue 14): random edits on a
//! chain of 2–4 devices, whose links carry messages in order but at random moments,
//! always end with every device holding every edit; a device that may only read gets
//! the others' edits and none of its own are taken; what a peer sends that is not
//! Automerge's sync protocol, or is another space's, is refused and changes nothing.

#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;

use landsbyplan_model::{Error, PeerSync, PersonFields, PersonId, Role, Space, SpaceId, Stamp};
use proptest::prelude::*;

fn council() -> Space {
    Space::create_council(
        SpaceId::from_random(7),
        "Lokalråd",
        &Stamp::new("Anna", 1_780_000_000),
    )
    .unwrap()
}

fn member(name: &str) -> PersonFields {
    PersonFields {
        name: name.to_owned(),
        contact: String::new(),
        role: Role::Citizen,
    }
}

/// Edit number `n` on a device: a member of its own, so each edit can be looked for.
fn edit(space: &mut Space, n: u32) {
    space
        .add_member(
            PersonId::from_random(u128::from(n) + 1),
            &member(&format!("Medlem {n}")),
            &Stamp::new("Bo", 1_780_000_000 + i64::from(n)),
        )
        .unwrap();
}

fn members(space: &Space) -> Vec<String> {
    let mut names: Vec<String> = space
        .members()
        .into_iter()
        .map(|person| person.fields.name)
        .collect();
    names.sort();
    names
}

/// One direct channel between devices `a` and `b`: a session at each end and the
/// messages on their way each way, in order.
struct Link {
    a: usize,
    b: usize,
    at_a: PeerSync,
    at_b: PeerSync,
    to_a: VecDeque<Vec<u8>>,
    to_b: VecDeque<Vec<u8>>,
    bytes: usize,
}

impl Link {
    fn new(a: usize, b: usize) -> Self {
        Self {
            a,
            b,
            at_a: PeerSync::new(true),
            at_b: PeerSync::new(true),
            to_a: VecDeque::new(),
            to_b: VecDeque::new(),
            bytes: 0,
        }
    }

    /// Whatever each end has to say now goes on its way.
    fn speak(&mut self, devices: &mut [Space]) {
        while let Some(message) = self.at_a.next_message(&mut devices[self.a]) {
            self.bytes += message.len();
            self.to_b.push_back(message);
        }
        while let Some(message) = self.at_b.next_message(&mut devices[self.b]) {
            self.bytes += message.len();
            self.to_a.push_back(message);
        }
    }

    /// The next message towards `b` (or `a`) arrives; true if one did.
    fn deliver(&mut self, devices: &mut [Space], towards_b: bool) -> bool {
        let (queue, session, device) = if towards_b {
            (&mut self.to_b, &mut self.at_b, self.b)
        } else {
            (&mut self.to_a, &mut self.at_a, self.a)
        };
        match queue.pop_front() {
            Some(message) => {
                session.receive(&mut devices[device], &message).unwrap();
                true
            }
            None => false,
        }
    }
}

/// Every link speaks, then messages arrive until none is left (bounded).
fn settle(devices: &mut [Space], links: &mut [Link]) {
    for _ in 0..1_000 {
        for link in links.iter_mut() {
            link.speak(devices);
        }
        let mut moved = false;
        for link in links.iter_mut() {
            moved |= link.deliver(devices, true);
            moved |= link.deliver(devices, false);
        }
        if !moved {
            return;
        }
    }
    panic!("the devices did not settle within 1,000 rounds");
}

#[derive(Clone, Debug)]
enum Step {
    /// A device makes an edit.
    Edit(usize),
    /// The next message on a link arrives at one end, and every link says what it has
    /// to say.
    Deliver(usize, bool),
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("LANDSBYPLAN_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
    ))]
    #[test]
    fn a_chain_of_devices_ends_with_every_edit_on_every_device(
        n in 2..=4usize,
        steps in proptest::collection::vec(
            prop_oneof![
                1 => (0..4usize).prop_map(Step::Edit),
                3 => (0..3usize, any::<bool>()).prop_map(|(l, d)| Step::Deliver(l, d)),
            ],
            0..60,
        ),
    ) {
        let mut first = council();
        let mut devices: Vec<Space> = (0..n).map(|_| first.fork()).collect();
        let mut links: Vec<Link> = (1..n).map(|b| Link::new(b - 1, b)).collect();
        let mut made = Vec::new();
        for (number, step) in (0u32..).zip(&steps) {
            match *step {
                Step::Edit(device) => {
                    edit(&mut devices[device % n], number);
                    made.push(format!("Medlem {number}"));
                }
                Step::Deliver(link, towards_b) => {
                    let link = link % links.len();
                    links[link].deliver(&mut devices, towards_b);
                }
            }
            for link in links.iter_mut() {
                link.speak(&mut devices);
            }
        }
        settle(&mut devices, &mut links);
        made.sort();
        let heads = devices[0].heads();
        for device in &mut devices {
            prop_assert_eq!(members(device), made.clone());
            prop_assert_eq!(device.heads(), heads.clone());
        }
    }
}

#[test]
fn a_device_that_may_only_read_gets_every_edit_and_none_of_its_own_is_taken() {
    let mut created = council();
    let mut devices = vec![created.fork(), created.fork()];
    let mut link = Link::new(0, 1);
    // Device 0 did not see device 1 prove it may write.
    link.at_a = PeerSync::new(false);
    edit(&mut devices[0], 1);
    edit(&mut devices[1], 2);
    settle(&mut devices, std::slice::from_mut(&mut link));
    assert_eq!(members(&devices[0]), ["Medlem 1"]);
    assert_eq!(members(&devices[1]), ["Medlem 1", "Medlem 2"]);

    // A reader that sends its changes all the same (here: what it would send a writer
    // that lacks them) has them refused.
    let mut lacking = created.fork();
    let mut to_writer = PeerSync::new(true);
    let mut at_writer = PeerSync::new(true);
    let mut pushed = None;
    for _ in 0..10 {
        if let Some(message) = to_writer.next_message(&mut devices[1]) {
            let received = at_writer.receive(&mut lacking, &message).unwrap();
            if received.applied {
                pushed = Some(message);
                break;
            }
        }
        if let Some(message) = at_writer.next_message(&mut lacking) {
            to_writer.receive(&mut devices[1], &message).unwrap();
        }
    }
    let pushed = pushed.expect("the reader's changes went to a writer that lacked them");
    let heads = devices[0].heads();
    let received = link.at_a.receive(&mut devices[0], &pushed).unwrap();
    assert_eq!(
        received,
        landsbyplan_model::Received {
            applied: false,
            refused: true
        }
    );
    assert_eq!(devices[0].heads(), heads);
    assert_eq!(members(&devices[0]), ["Medlem 1"]);
}

#[test]
fn what_is_not_a_sync_message_or_is_another_spaces_is_refused_and_changes_nothing() {
    let mut first = council();
    let mut devices = vec![first.fork(), first.fork()];
    let mut link = Link::new(0, 1);
    edit(&mut devices[1], 1);
    let before = devices[0].heads();
    for junk in [&b""[..], b"\x42", b"hello", &[0x43; 64]] {
        assert!(matches!(
            link.at_a.receive(&mut devices[0], junk),
            Err(Error::PeerMessage)
        ));
    }
    // A device of another space answers with that space's changes.
    let mut stranger = Space::create_council(
        SpaceId::from_random(8),
        "Et andet lokalråd",
        &Stamp::new("Carl", 1_780_000_000),
    )
    .unwrap();
    let mut theirs = PeerSync::new(true);
    let hello = link.at_a.next_message(&mut devices[0]).unwrap();
    theirs.receive(&mut stranger, &hello).unwrap();
    let answer = theirs.next_message(&mut stranger).unwrap();
    assert!(matches!(
        link.at_a.receive(&mut devices[0], &answer),
        Err(Error::DifferentSpaces)
    ));
    assert_eq!(devices[0].heads(), before);
    // The same session goes on with the real peer (the refused messages left it as it
    // was): a new hello from the peer starts its side again.
    link.at_b = PeerSync::new(true);
    link.to_a.clear();
    link.to_b.clear();
    settle(&mut devices, std::slice::from_mut(&mut link));
    assert_eq!(members(&devices[0]), ["Medlem 1"]);
    assert_eq!(devices[0].heads(), devices[1].heads());
}

#[test]
fn after_one_edit_only_that_edit_goes_over_the_link() {
    let mut created = council();
    let mut first = created.fork();
    for n in 0..3_000 {
        edit(&mut first, n);
    }
    let mut devices = vec![first, created.fork()];
    let mut link = Link::new(0, 1);
    settle(&mut devices, std::slice::from_mut(&mut link));
    let from_scratch = link.bytes;
    assert_eq!(devices[1].heads(), devices[0].heads());
    edit(&mut devices[0], 5_000);
    link.bytes = 0;
    settle(&mut devices, std::slice::from_mut(&mut link));
    let one_edit = link.bytes;
    assert_eq!(devices[1].heads(), devices[0].heads());
    println!(
        "a council of 3,000 members: {from_scratch} bytes from scratch, {one_edit} after one edit"
    );
    // The edit, both sides' heads and a summary of recent changes: not the council.
    assert!(
        one_edit * 10 < from_scratch,
        "{one_edit} bytes after one edit, {from_scratch} from scratch"
    );
}

/// Automerge's sync sends the changes a peer lacks by testing each against a Bloom filter
/// of the peer's changes, which claims about one change in 120 that the peer does not
/// have. A claimed change is still sent when a change it builds on is sent; so the first
/// change a device made since the two last met can be left out, and the changes after it
/// arrive without it and wait (held by the space, outside Automerge's queue). A device
/// with nothing new of its own sends the same filter again and again; unless it asks for
/// the change by name, the two trade the same messages for good (`settle` gives up). A
/// device is forked until its first change is such a false positive (each fork has an
/// actor, so hashes, of its own).
#[test]
fn a_first_change_the_peer_thought_this_device_had_is_asked_for_and_arrives() {
    let mut created = council();
    // A history both share, so that what one sends the other is a small part of the
    // document (Automerge sends a whole document instead of more than a third of it).
    for n in 0..300 {
        edit(&mut created, n);
    }
    let mut here = created.fork();
    // What `here`'s first message says it has: every change it holds (no sync before).
    let hashes: Vec<automerge::ChangeHash> = automerge::AutoCommit::load(&here.save())
        .unwrap()
        .get_changes(&[])
        .iter()
        .map(automerge::Change::hash)
        .collect();
    let bloom = automerge::sync::BloomFilter::from_hashes(hashes.iter());
    let (mut there, left_out) = (0..3_000)
        .find_map(|_| {
            let mut there = created.fork();
            edit(&mut there, 2_000);
            let [head] = there.heads()[..] else {
                panic!("one edit after the shared history makes one head")
            };
            bloom.contains_hash(&head).then_some((there, head))
        })
        .expect("one of 3,000 devices' first change is claimed by the filter");
    // Changes after it, which the filter does not claim (they are sent, as changes built
    // on a change that is sent).
    for n in 1..5 {
        edit(&mut there, 2_000 + n);
    }
    let mut devices = vec![here, there];
    let mut link = Link::new(0, 1);
    settle(&mut devices, std::slice::from_mut(&mut link));
    assert!(
        devices[0].has_change(&left_out),
        "the change the filter claimed never arrived"
    );
    assert!(!devices[0].has_missing());
    assert_eq!(devices[0].heads(), devices[1].heads());
    assert_eq!(members(&devices[0]), members(&devices[1]));
}
