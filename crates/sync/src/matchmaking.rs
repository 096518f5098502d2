//! Matchmaking through the relay (issue 14): devices of a space that reach the relay find
//! each other there and set up direct channels, so that they keep syncing directly when
//! the relay goes away.
//!
//! Everything goes through the relay's signaling frames, sealed with the space's key by
//! [`crate::Client::signal`]: the relay sees who signals whom, never what (no addresses,
//! no names). A device says it is [`Signal::Here`] when it reaches the relay, and again
//! every [`HERE_EVERY_MS`]; of two devices, the one with the lower [`Device`] tag offers
//! a connection ([`Signal::Offer`], a sealed [`crate::PeerCode`]) and the other answers
//! ([`Signal::Answer`]), so the two never offer at once.
//!
//! What a stranger can do with it: without the space's key nothing it sends opens. A
//! device of the space checks that each signal names the relay connection it came from
//! (a signal replayed from another connection is dropped), that an offer or answer is
//! meant for this device, and takes each offer once and an answer only to an offer it
//! made. A channel then stands only once both ends prove
//! the space over it (`Hello`).
//!
//! Sans-IO like [`crate::Client`]: the app passes time, relay events and signals in, and
//! carries out the returned [`Action`]s.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::{DocId, MOST_NAME_BYTES, Millis};

/// A device's tag, drawn once by its app and kept: what matchmaking knows it by.
pub type Device = [u8; 16];

/// How often a device says again that it is here (and tries again those it has no
/// channel with).
pub const HERE_EVERY_MS: Millis = 30_000;

/// How long after its name last changed a device says it.
pub const RENAMED_AFTER_MS: Millis = 2_000;

/// How long a device counts as reachable through the relay after it last said so.
pub const PRESENT_FOR_MS: Millis = 75_000;

/// How long an offer waits for its answer, and an answer for its channel.
pub const ATTEMPT_MS: Millis = 45_000;

/// After an attempt with a device failed or its channel closed, how long before the
/// next (on networks where phones cannot reach each other, attempts would only cost).
pub const RETRY_AFTER_MS: Millis = 120_000;

/// Direct channels per space at most, set up through the relay.
pub const MOST_LINKS: usize = 8;

/// The longest connection code a signal carries, in bytes.
const MOST_CODE_BYTES: usize = 1024;

/// What devices of a space tell each other through the relay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Signal {
    /// The sender holds the space and reaches the relay as connection `peer` (said on
    /// arrival, then every [`HERE_EVERY_MS`] and after a change of name as a `reply`).
    Here {
        /// The sender's app.
        device: Device,
        /// The sender's relay connection.
        peer: u64,
        /// The name its person goes by.
        name: String,
        /// Not to be answered (an answer to another's `Here`, or said again).
        reply: bool,
    },
    /// A connection code for device `to`.
    Offer {
        /// The sender's app.
        device: Device,
        /// The sender's relay connection.
        peer: u64,
        /// The app it is meant for.
        to: Device,
        /// The attempt, as the offering device numbers them.
        session: u64,
        /// The sealed code ([`crate::PeerCode::seal`]).
        code: Vec<u8>,
    },
    /// The answer to offer `session` of device `to`.
    Answer {
        /// The sender's app.
        device: Device,
        /// The sender's relay connection.
        peer: u64,
        /// The app whose offer it answers.
        to: Device,
        /// The offer's session.
        session: u64,
        /// The sealed code.
        code: Vec<u8>,
    },
}

impl Signal {
    /// The signal as bytes, to seal and send.
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("a signal always encodes")
    }

    /// A signal from bytes (after opening), if they are one within bounds.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let signal: Self = postcard::from_bytes(bytes).ok()?;
        let fits = match &signal {
            Self::Here { name, .. } => name.len() <= MOST_NAME_BYTES,
            Self::Offer { code, .. } | Self::Answer { code, .. } => code.len() <= MOST_CODE_BYTES,
        };
        fits.then_some(signal)
    }

    fn from(&self) -> (Device, u64) {
        match self {
            Self::Here { device, peer, .. }
            | Self::Offer { device, peer, .. }
            | Self::Answer { device, peer, .. } => (*device, *peer),
        }
    }
}

/// What the app must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Seal `data` for the space and send it through the relay to connection `to`, or to
    /// every other device of the space.
    Send {
        /// The space.
        doc: DocId,
        /// One relay connection, or all.
        to: Option<u64>,
        /// The encoded [`Signal`].
        data: Vec<u8>,
    },
    /// Start a connection and call [`Matchmaker::offered`] with its code.
    Offer {
        /// The space.
        doc: DocId,
        /// The attempt.
        session: u64,
    },
    /// Answer another device's `code` and call [`Matchmaker::answered`] with the answer.
    Answer {
        /// The space.
        doc: DocId,
        /// The attempt.
        session: u64,
        /// The other device's sealed offer.
        code: Vec<u8>,
    },
    /// Give the connection of attempt `session` the other device's answer `code`.
    Accept {
        /// The space.
        doc: DocId,
        /// The attempt.
        session: u64,
        /// The sealed answer.
        code: Vec<u8>,
    },
    /// Drop what is left of attempt `session` (it took too long).
    GiveUp {
        /// The attempt.
        session: u64,
    },
}

/// Another device reachable through the relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Present {
    /// Its app.
    pub device: Device,
    /// The name its person goes by.
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    /// This device offered in `session` to relay connection `peer` and waits for the
    /// answer.
    Offering {
        session: u64,
        peer: u64,
        since: Millis,
    },
    /// An answer to relay connection `peer` is on its way (sent or taken); the channel
    /// is opening.
    Opening {
        session: u64,
        peer: u64,
        since: Millis,
    },
    /// A channel is open.
    Open,
}

#[derive(Default)]
struct Room {
    present: HashMap<Device, (u64, String, Millis)>,
    links: HashMap<Device, Link>,
    /// Offers taken, by device and session: each is answered once.
    answered: HashSet<(Device, u64)>,
    /// When an attempt with a device last failed or its channel closed.
    failed: HashMap<Device, Millis>,
}

impl Room {
    fn may_try(&self, device: &Device, now: Millis) -> bool {
        !self.links.contains_key(device)
            && self.links.len() < MOST_LINKS
            && self
                .failed
                .get(device)
                .is_none_or(|at| now >= at + RETRY_AFTER_MS)
    }
}

/// Matchmaking for every space of one running app.
pub struct Matchmaker {
    me: Device,
    name: String,
    /// This app's relay connection, while it is greeted.
    relay: Option<u64>,
    here_at: Option<Millis>,
    rooms: HashMap<DocId, Room>,
    next_session: u64,
}

impl Matchmaker {
    /// Matchmaking for the app tagged `me`, whose person goes by `name`; `seed` starts
    /// its attempts' numbering.
    pub fn new(me: Device, name: &str, seed: u64) -> Self {
        Self {
            me,
            name: name.to_owned(),
            relay: None,
            here_at: None,
            rooms: HashMap::new(),
            next_session: seed,
        }
    }

    /// The name said from now on: said to the others [`RENAMED_AFTER_MS`] after the
    /// last change (a name is typed a letter at a time).
    pub fn set_name(&mut self, name: &str, now: Millis) {
        if self.name != name {
            name.clone_into(&mut self.name);
            if self.relay.is_some() {
                self.here_at = Some(now + RENAMED_AFTER_MS);
            }
        }
    }

    /// Says this app is here to relay connection `to`, or to all; `ask` asks the others
    /// to say so too (when it arrives).
    fn here(&self, doc: DocId, to: Option<u64>, ask: bool) -> Option<Action> {
        Some(Action::Send {
            doc,
            to,
            data: Signal::Here {
                device: self.me,
                peer: self.relay?,
                name: self.name.clone(),
                reply: !ask,
            }
            .encode(),
        })
    }

    /// A space to find others for.
    pub fn add(&mut self, doc: DocId) -> Vec<Action> {
        self.rooms.entry(doc).or_default();
        self.here(doc, None, true).into_iter().collect()
    }

    /// A space no longer held.
    pub fn remove(&mut self, doc: &DocId) {
        self.rooms.remove(doc);
    }

    /// The relay greeted this app as connection `peer`.
    pub fn up(&mut self, peer: u64, now: Millis) -> Vec<Action> {
        self.relay = Some(peer);
        self.here_at = Some(now + HERE_EVERY_MS);
        let docs: Vec<DocId> = self.rooms.keys().copied().collect();
        docs.into_iter()
            .filter_map(|doc| self.here(doc, None, true))
            .collect()
    }

    /// The relay connection is gone: nobody is reachable through it, and offers waiting
    /// for an answer through it are given up.
    pub fn down(&mut self, now: Millis) -> Vec<Action> {
        self.relay = None;
        self.here_at = None;
        let mut actions = Vec::new();
        for room in self.rooms.values_mut() {
            room.present.clear();
            room.links.retain(|device, link| match *link {
                Link::Offering { session, .. } => {
                    actions.push(Action::GiveUp { session });
                    room.failed.insert(*device, now);
                    false
                }
                _ => true,
            });
        }
        actions
    }

    /// The devices of space `doc` reachable through the relay now.
    pub fn present(&self, doc: &DocId) -> Vec<Present> {
        let mut present: Vec<Present> = self
            .rooms
            .get(doc)
            .map(|room| {
                room.present
                    .iter()
                    .map(|(device, (_, name, _))| Present {
                        device: *device,
                        name: name.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        present.sort_by(|a, b| (&a.name, a.device).cmp(&(&b.name, b.device)));
        present
    }

    /// Every space's devices reachable through the relay now, by document.
    pub fn everyone(&self) -> Vec<(DocId, Vec<Present>)> {
        let mut everyone: Vec<(DocId, Vec<Present>)> = self
            .rooms
            .keys()
            .map(|doc| (*doc, self.present(doc)))
            .filter(|(_, present)| !present.is_empty())
            .collect();
        everyone.sort_by_key(|(doc, _)| doc.0);
        everyone
    }

    fn offer(&mut self, doc: DocId, device: Device, peer: u64, now: Millis) -> Option<Action> {
        let room = self.rooms.get_mut(&doc)?;
        if self.me >= device || !room.may_try(&device, now) {
            return None;
        }
        let session = self.next_session;
        self.next_session = self.next_session.wrapping_add(1);
        room.links.insert(
            device,
            Link::Offering {
                session,
                peer,
                since: now,
            },
        );
        Some(Action::Offer { doc, session })
    }

    /// Signaling `data` (opened) about space `doc` from relay connection `from`.
    /// Anything that is not a well-formed signal from that connection, meant for this
    /// app and expected now, is dropped.
    pub fn received(&mut self, doc: DocId, from: u64, data: &[u8], now: Millis) -> Vec<Action> {
        let Some(signal) = Signal::decode(data) else {
            return Vec::new();
        };
        let (device, peer) = signal.from();
        if device == self.me || peer != from || self.relay.is_none() {
            return Vec::new();
        }
        let me = self.me;
        let Some(room) = self.rooms.get_mut(&doc) else {
            return Vec::new();
        };
        match signal {
            Signal::Here { name, reply, .. } => {
                room.present.insert(device, (from, name, now));
                let mut actions: Vec<Action> = Vec::new();
                // The device is back on another relay connection: an offer sent to the
                // one before gets no answer (an answer must come from the connection
                // offered to), so it is made again.
                if let Some(&Link::Offering { session, peer, .. }) = room.links.get(&device)
                    && peer != from
                {
                    room.links.remove(&device);
                    actions.push(Action::GiveUp { session });
                }
                // A device that just arrived (or came back: a reloaded page) is tried at
                // once, whatever failed with it before.
                if !reply {
                    room.failed.remove(&device);
                }
                // A device that just arrived learns who is here (and its name) from the
                // replies; of the two, the lower offers.
                if !reply {
                    actions.extend(self.here(doc, Some(from), false));
                }
                if me < device {
                    actions.extend(self.offer(doc, device, from, now));
                }
                actions
            }
            Signal::Offer {
                to, session, code, ..
            } => {
                let fresh = to == me
                    && me > device
                    && !room.answered.contains(&(device, session))
                    && !matches!(room.links.get(&device), Some(Link::Open))
                    && (room.links.contains_key(&device) || room.links.len() < MOST_LINKS);
                if !fresh {
                    return Vec::new();
                }
                room.answered.insert((device, session));
                // A newer offer from the same device replaces an attempt still opening:
                // that device gave it up.
                let replaced = match room.links.insert(
                    device,
                    Link::Opening {
                        session,
                        peer: from,
                        since: now,
                    },
                ) {
                    Some(Link::Opening { session, .. }) => Some(Action::GiveUp { session }),
                    _ => None,
                };
                replaced
                    .into_iter()
                    .chain([Action::Answer { doc, session, code }])
                    .collect()
            }
            Signal::Answer {
                to, session, code, ..
            } => match room.links.get(&device) {
                Some(&Link::Offering {
                    session: offered,
                    peer,
                    ..
                }) if to == me && offered == session && peer == from => {
                    room.links.insert(
                        device,
                        Link::Opening {
                            session,
                            peer,
                            since: now,
                        },
                    );
                    vec![Action::Accept { doc, session, code }]
                }
                _ => Vec::new(),
            },
        }
    }

    fn attempt(&self, doc: &DocId, session: u64) -> Option<(Device, Link)> {
        self.rooms
            .get(doc)?
            .links
            .iter()
            .find_map(|(device, link)| {
                let of = match *link {
                    Link::Offering { session, .. } | Link::Opening { session, .. } => Some(session),
                    Link::Open => None,
                };
                (of == Some(session)).then_some((*device, *link))
            })
    }

    /// The app's connection code for offer `session`: sent to the device it is for.
    pub fn offered(&mut self, doc: DocId, session: u64, code: Vec<u8>) -> Vec<Action> {
        self.send_code(doc, session, code, false)
    }

    /// The app's answer `code` to offer `session`: sent back to the offering device.
    pub fn answered(&mut self, doc: DocId, session: u64, code: Vec<u8>) -> Vec<Action> {
        self.send_code(doc, session, code, true)
    }

    /// Sends `code` of attempt `session` to the device it is with: an offer while this
    /// device offers, an `answer` while it answers. An attempt no longer on (or with the
    /// relay gone) is given up.
    fn send_code(&self, doc: DocId, session: u64, code: Vec<u8>, answer: bool) -> Vec<Action> {
        let with = self
            .attempt(&doc, session)
            .and_then(|(device, link)| match (link, answer) {
                (Link::Offering { peer, .. }, false) | (Link::Opening { peer, .. }, true) => {
                    Some((device, peer))
                }
                _ => None,
            });
        let (Some((to, peer)), Some(me)) = (with, self.relay) else {
            return vec![Action::GiveUp { session }];
        };
        let signal = if answer {
            Signal::Answer {
                device: self.me,
                peer: me,
                to,
                session,
                code,
            }
        } else {
            Signal::Offer {
                device: self.me,
                peer: me,
                to,
                session,
                code,
            }
        };
        vec![Action::Send {
            doc,
            to: Some(peer),
            data: signal.encode(),
        }]
    }

    /// A channel with `device` for space `doc` is open and proved (set up here or by
    /// codes shown on the screens).
    pub fn opened(&mut self, doc: DocId, device: Device) {
        self.rooms
            .entry(doc)
            .or_default()
            .links
            .insert(device, Link::Open);
    }

    /// Attempt `session` failed before its channel opened.
    pub fn failed(&mut self, doc: DocId, session: u64, now: Millis) {
        if let Some((device, _)) = self.attempt(&doc, session)
            && let Some(room) = self.rooms.get_mut(&doc)
        {
            room.links.remove(&device);
            room.failed.insert(device, now);
        }
    }

    /// The channel with `device` closed.
    pub fn closed(&mut self, doc: DocId, device: Device, now: Millis) {
        if let Some(room) = self.rooms.get_mut(&doc)
            && room.links.get(&device) == Some(&Link::Open)
        {
            room.links.remove(&device);
            room.failed.insert(device, now);
        }
    }

    /// Time passed: say again that this app is here, forget devices not heard from,
    /// give up attempts that took too long, and try again those whose wait is over.
    pub fn tick(&mut self, now: Millis) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut retry = Vec::new();
        for (doc, room) in &mut self.rooms {
            room.present
                .retain(|_, (_, _, seen)| now < *seen + PRESENT_FOR_MS);
            room.links.retain(|device, link| match *link {
                Link::Offering { session, since, .. } | Link::Opening { session, since, .. }
                    if now >= since + ATTEMPT_MS =>
                {
                    actions.push(Action::GiveUp { session });
                    room.failed.insert(*device, now);
                    false
                }
                _ => true,
            });
            room.failed.retain(|_, at| now < *at + RETRY_AFTER_MS);
            for (device, (peer, ..)) in &room.present {
                if self.me < *device && room.may_try(device, now) {
                    retry.push((*doc, *device, *peer));
                }
            }
        }
        for (doc, device, peer) in retry {
            actions.extend(self.offer(doc, device, peer, now));
        }
        if self.here_at.is_some_and(|at| now >= at) {
            self.here_at = Some(now + HERE_EVERY_MS);
            let docs: Vec<DocId> = self.rooms.keys().copied().collect();
            actions.extend(
                docs.into_iter()
                    .filter_map(|doc| self.here(doc, None, false)),
            );
        }
        actions
    }

    /// When [`Matchmaker::tick`] has something to do next, if ever.
    pub fn next_wakeup(&self) -> Option<Millis> {
        let rooms = self.rooms.values().flat_map(|room| {
            let present = room
                .present
                .values()
                .map(|(_, _, seen)| seen + PRESENT_FOR_MS);
            let attempts = room.links.values().filter_map(|link| match *link {
                Link::Offering { since, .. } | Link::Opening { since, .. } => {
                    Some(since + ATTEMPT_MS)
                }
                Link::Open => None,
            });
            let retries = room.failed.values().map(|at| at + RETRY_AFTER_MS);
            present.chain(attempts).chain(retries)
        });
        rooms.chain(self.here_at).min()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const DOC: DocId = DocId([7; 32]);
    const LOW: Device = [1; 16];
    const HIGH: Device = [2; 16];

    /// A device greeted by the relay as connection `peer`, holding `DOC`.
    fn device(me: Device, name: &str, peer: u64) -> Matchmaker {
        let mut matchmaker = Matchmaker::new(me, name, u64::from(me[0]) << 32);
        matchmaker.add(DOC);
        assert_eq!(matchmaker.up(peer, 0).len(), 1, "says it is here");
        matchmaker
    }

    fn sent(actions: &[Action]) -> Vec<(Option<u64>, Signal)> {
        actions
            .iter()
            .filter_map(|action| match action {
                Action::Send { doc, to, data } if *doc == DOC => {
                    Some((*to, Signal::decode(data).expect("a signal")))
                }
                _ => None,
            })
            .collect()
    }

    /// The sessions of the offers among `actions`.
    fn offers(actions: &[Action]) -> Vec<u64> {
        actions
            .iter()
            .filter_map(|action| match action {
                Action::Offer { session, .. } => Some(*session),
                _ => None,
            })
            .collect()
    }

    fn here(device: Device, peer: u64, reply: bool) -> Vec<u8> {
        Signal::Here {
            device,
            peer,
            name: "Bo".into(),
            reply,
        }
        .encode()
    }

    /// Carries `first` (each action by device 1, `a`, or 2, `b`) and what follows from
    /// it between the two until nothing is left, doing what the app would (an offer's
    /// code is `[0xc0, session]`, an answer's `[0xa0, session]`); the actions that are
    /// not signals, in order, by whom.
    fn exchange(
        a: &mut Matchmaker,
        b: &mut Matchmaker,
        first: Vec<(u64, Action)>,
    ) -> Vec<(u64, Action)> {
        let mut queue: std::collections::VecDeque<(u64, Action)> = first.into();
        let mut done = Vec::new();
        while let Some((by, action)) = queue.pop_front() {
            let other_id = 3 - by;
            let (me, other) = if by == 1 {
                (&mut *a, &mut *b)
            } else {
                (&mut *b, &mut *a)
            };
            let next: Vec<(u64, Action)> = match &action {
                Action::Send { doc, to, data } => {
                    assert!(to.is_none_or(|to| to == other_id), "sent to the other");
                    let answer = other.received(*doc, by, data, 0);
                    answer.into_iter().map(|x| (other_id, x)).collect()
                }
                Action::Offer { doc, session } => {
                    let code = vec![0xc0, *session as u8];
                    let out = me.offered(*doc, *session, code);
                    out.into_iter().map(|x| (by, x)).collect()
                }
                Action::Answer { doc, session, .. } => {
                    let code = vec![0xa0, *session as u8];
                    let out = me.answered(*doc, *session, code);
                    out.into_iter().map(|x| (by, x)).collect()
                }
                _ => Vec::new(),
            };
            if !matches!(action, Action::Send { .. }) {
                done.push((by, action));
            }
            queue.extend(next);
        }
        done
    }

    #[test]
    fn two_devices_on_the_relay_find_each_other_and_the_lower_one_offers() {
        let mut a = device(LOW, "Anna", 1);
        let mut b = device(HIGH, "Bo", 2);
        // Bo arrives after Anna: his broadcast reaches her, she offers.
        let said = b.up(2, 0).into_iter().map(|action| (2, action)).collect();
        let done = exchange(&mut a, &mut b, said);
        let kinds: Vec<(u64, &'static str)> = done
            .iter()
            .map(|(by, action)| {
                (
                    *by,
                    match action {
                        Action::Offer { .. } => "offer",
                        Action::Answer { .. } => "answer",
                        Action::Accept { .. } => "accept",
                        Action::GiveUp { .. } => "give up",
                        Action::Send { .. } => "send",
                    },
                )
            })
            .collect();
        assert_eq!(kinds, vec![(1, "offer"), (2, "answer"), (1, "accept")]);
        let Action::Answer { code, session, .. } = &done[1].1 else {
            unreachable!()
        };
        assert_eq!(
            code,
            &vec![0xc0, *session as u8],
            "the offer's code arrives"
        );
        let Action::Accept { code, session, .. } = &done[2].1 else {
            unreachable!()
        };
        assert_eq!(
            code,
            &vec![0xa0, *session as u8],
            "the answer's code arrives"
        );
        assert_eq!(
            a.present(&DOC),
            vec![Present {
                device: HIGH,
                name: "Bo".into()
            }]
        );
        assert_eq!(
            b.present(&DOC),
            vec![Present {
                device: LOW,
                name: "Anna".into()
            }]
        );
    }

    #[test]
    fn the_higher_device_answers_a_here_with_its_own_so_the_lower_offers() {
        let mut a = device(LOW, "Anna", 1);
        let mut b = device(HIGH, "Bo", 2);
        // Anna arrives after Bo: Bo replies to her alone, once.
        let reply = b.received(DOC, 1, &here(LOW, 1, false), 0);
        assert_eq!(
            sent(&reply),
            vec![(
                Some(1),
                Signal::Here {
                    device: HIGH,
                    peer: 2,
                    name: "Bo".into(),
                    reply: true
                }
            )]
        );
        assert!(
            b.received(DOC, 1, &here(LOW, 1, true), 0).is_empty(),
            "a reply is not replied to"
        );
        let Action::Send { data, .. } = &reply[0] else {
            unreachable!()
        };
        let offer = a.received(DOC, 2, data, 0);
        assert!(matches!(offer[..], [Action::Offer { .. }]));
        // Both saying it at once makes one offer, not two.
        let both = a.received(DOC, 2, &here(HIGH, 2, false), 0);
        assert!(
            both.iter()
                .all(|action| !matches!(action, Action::Offer { .. }))
        );
    }

    #[test]
    fn signals_replayed_from_another_connection_or_for_another_app_are_dropped() {
        let mut a = device(LOW, "Anna", 1);
        let mut b = device(HIGH, "Bo", 2);
        // Anna's offer to Bo, as the relay passed it on.
        let offer = a.received(DOC, 2, &here(HIGH, 2, false), 0);
        let Some(Action::Offer { session, .. }) = offers(&offer)
            .first()
            .map(|&session| Action::Offer { doc: DOC, session })
        else {
            panic!("an offer: {offer:?}")
        };
        let sent_offer = a.offered(DOC, session, vec![1, 2, 3]);
        let Action::Send {
            data: offer_data, ..
        } = &sent_offer[0]
        else {
            unreachable!()
        };
        // Someone on connection 9 replays it to Bo: dropped (it names connection 1).
        assert!(b.received(DOC, 9, offer_data, 0).is_empty());
        // From Anna's connection it is answered, once.
        let answer = b.received(DOC, 1, offer_data, 0);
        assert!(matches!(&answer[..], [Action::Answer { code, .. }] if code == &vec![1, 2, 3]));
        assert!(
            b.received(DOC, 1, offer_data, 0).is_empty(),
            "a replayed offer"
        );
        // An offer meant for another app (Bo after a restart) is not answered.
        let mut restarted = device([3; 16], "Bo", 2);
        assert!(restarted.received(DOC, 1, offer_data, 0).is_empty());
        // Bo's answer: taken once, only from his connection, only for Anna's offer.
        let sent_answer = b.answered(DOC, session, vec![4, 5]);
        let Action::Send {
            to,
            data: answer_data,
            ..
        } = &sent_answer[0]
        else {
            unreachable!()
        };
        assert_eq!(*to, Some(1));
        assert!(a.received(DOC, 9, answer_data, 0).is_empty());
        assert_eq!(
            a.received(DOC, 2, answer_data, 0),
            vec![Action::Accept {
                doc: DOC,
                session,
                code: vec![4, 5]
            }]
        );
        assert!(
            a.received(DOC, 2, answer_data, 0).is_empty(),
            "a replayed answer"
        );
        // A Here replayed from another connection does not count Bo as present there.
        let mut c = device([0; 16], "Carl", 3);
        assert!(c.received(DOC, 9, &here(HIGH, 2, false), 0).is_empty());
        assert!(c.present(&DOC).is_empty());
    }

    #[test]
    fn an_offer_from_the_higher_device_is_not_answered_and_its_own_signals_are_ignored() {
        let mut a = device(LOW, "Anna", 1);
        let offer = Signal::Offer {
            device: HIGH,
            peer: 2,
            to: LOW,
            session: 1,
            code: vec![1],
        };
        assert!(a.received(DOC, 2, &offer.encode(), 0).is_empty());
        let own = Signal::Here {
            device: LOW,
            peer: 1,
            name: "Anna".into(),
            reply: false,
        };
        assert!(a.received(DOC, 1, &own.encode(), 0).is_empty());
        // Another space's signal (not held here) is dropped.
        assert!(
            a.received(DocId([8; 32]), 2, &here(HIGH, 2, false), 0)
                .is_empty()
        );
    }

    #[test]
    fn an_answer_that_does_not_come_is_given_up_and_tried_again_later() {
        let mut a = device(LOW, "Anna", 1);
        let offer = a.received(DOC, 2, &here(HIGH, 2, false), 0);
        let [session] = offers(&offer)[..] else {
            panic!("one offer: {offer:?}")
        };
        // Woken to say it is here again before then, not to give up.
        assert_eq!(a.next_wakeup(), Some(HERE_EVERY_MS.min(ATTEMPT_MS)));
        let waiting = a.tick(ATTEMPT_MS - 1);
        assert!(
            !waiting.contains(&Action::GiveUp { session }),
            "{waiting:?}"
        );
        assert!(offers(&waiting).is_empty());
        let given_up = a.tick(ATTEMPT_MS);
        assert!(
            given_up.contains(&Action::GiveUp { session }),
            "{given_up:?}"
        );
        // Bo says it again, as every half minute: not before the wait is over.
        let again = a.received(DOC, 2, &here(HIGH, 2, true), ATTEMPT_MS + 1);
        assert!(offers(&again).is_empty());
        let later = ATTEMPT_MS + RETRY_AFTER_MS;
        let again = a.received(DOC, 2, &here(HIGH, 2, true), later - 1);
        assert!(offers(&again).is_empty());
        let again = a.tick(later);
        assert!(
            again
                .iter()
                .any(|action| matches!(action, Action::Offer { session: s, .. } if *s != session)),
            "a new attempt: {again:?}"
        );
    }

    #[test]
    fn an_offer_to_a_connection_the_device_left_is_made_again_to_its_new_one() {
        let mut a = device(LOW, "Anna", 1);
        let first = a.received(DOC, 2, &here(HIGH, 2, false), 0);
        let [session] = offers(&first)[..] else {
            panic!("one offer: {first:?}")
        };
        // Bo's connection dropped and he is back as connection 5.
        let again = a.received(DOC, 5, &here(HIGH, 5, false), 10);
        assert!(again.contains(&Action::GiveUp { session }), "{again:?}");
        let [second] = offers(&again)[..] else {
            panic!("a new offer: {again:?}")
        };
        let sent_offer = a.offered(DOC, second, vec![1]);
        assert!(matches!(sent_offer[..], [Action::Send { to: Some(5), .. }]));
        // Saying it again from the same connection changes nothing.
        let same = a.received(DOC, 5, &here(HIGH, 5, true), 20);
        assert!(same.is_empty(), "{same:?}");
    }

    #[test]
    fn losing_the_relay_forgets_who_was_there_and_gives_up_unanswered_offers() {
        let mut a = device(LOW, "Anna", 1);
        let offer = a.received(DOC, 2, &here(HIGH, 2, false), 0);
        let [session] = offers(&offer)[..] else {
            panic!("one offer: {offer:?}")
        };
        assert_eq!(a.down(10), vec![Action::GiveUp { session }]);
        assert!(a.present(&DOC).is_empty());
        // Offline, nothing is said and nothing taken.
        assert!(a.add(DocId([9; 32])).is_empty());
        assert!(a.received(DOC, 2, &here(HIGH, 2, false), 20).is_empty());
        assert!(a.offered(DOC, session, vec![1]) == vec![Action::GiveUp { session }]);
    }

    #[test]
    fn an_open_channel_is_not_set_up_again_and_one_that_closes_is_after_a_wait() {
        let mut a = device(LOW, "Anna", 1);
        // Connected by codes on the screens before the relay knew of Bo.
        a.opened(DOC, HIGH);
        assert!(offers(&a.received(DOC, 2, &here(HIGH, 2, false), 0)).is_empty());
        a.closed(DOC, HIGH, 5);
        assert!(
            a.tick(6)
                .iter()
                .all(|action| !matches!(action, Action::Offer { .. }))
        );
        // Bo coming back to the relay (a reloaded page) is tried at once.
        let mut b_back = device(LOW, "Anna", 1);
        b_back.opened(DOC, HIGH);
        b_back.closed(DOC, HIGH, 5);
        let back = b_back.received(DOC, 7, &here(HIGH, 7, false), 10);
        assert_eq!(offers(&back).len(), 1, "{back:?}");
        // Bo says he is here now and then; after the wait, Anna offers again.
        let _ = a.received(DOC, 2, &here(HIGH, 2, true), RETRY_AFTER_MS);
        let later = a.tick(5 + RETRY_AFTER_MS);
        assert!(
            later
                .iter()
                .any(|action| matches!(action, Action::Offer { .. })),
            "{later:?}"
        );
    }

    #[test]
    fn devices_are_said_to_be_here_again_and_forgotten_when_silent() {
        let mut a = device(LOW, "Anna", 1);
        let mut b = device(HIGH, "Bo", 2);
        let _ = b.received(DOC, 1, &here(LOW, 1, false), 0);
        assert_eq!(b.present(&DOC).len(), 1);
        let again = a.tick(HERE_EVERY_MS);
        assert_eq!(
            sent(&again).len(),
            1,
            "said again after half a minute: {again:?}"
        );
        // A new name is said two seconds after the last change, and not answered.
        a.set_name("Anna B", HERE_EVERY_MS + 10);
        a.set_name("Anna Bo", HERE_EVERY_MS + 20);
        assert!(a.tick(HERE_EVERY_MS + 21).is_empty());
        let renamed = a.tick(HERE_EVERY_MS + 20 + RENAMED_AFTER_MS);
        let [
            (
                None,
                Signal::Here {
                    name, reply: true, ..
                },
            ),
        ] = &sent(&renamed)[..]
        else {
            panic!("said once more: {renamed:?}")
        };
        assert_eq!(name, "Anna Bo");
        let Action::Send { data, .. } = &renamed[0] else {
            unreachable!()
        };
        assert!(
            b.received(DOC, 1, data, HERE_EVERY_MS).is_empty(),
            "not answered"
        );
        assert_eq!(b.present(&DOC)[0].name, "Anna Bo");
        // Heard from again at half a minute: still there past the first 75 s.
        let _ = b.tick(PRESENT_FOR_MS + 1);
        assert_eq!(b.present(&DOC).len(), 1);
        let _ = b.tick(HERE_EVERY_MS + PRESENT_FOR_MS);
        assert!(b.present(&DOC).is_empty(), "forgotten after silence");
    }

    #[test]
    fn no_more_than_the_most_links_per_space_are_tried() {
        let mut a = Matchmaker::new([0; 16], "Anna", 0);
        a.add(DOC);
        a.up(1, 0);
        let mut offers = 0;
        for n in 1..=(MOST_LINKS as u8 + 3) {
            let other = [n; 16];
            let actions = a.received(
                DOC,
                u64::from(n) + 1,
                &here(other, u64::from(n) + 1, false),
                0,
            );
            offers += actions
                .iter()
                .filter(|a| matches!(a, Action::Offer { .. }))
                .count();
        }
        assert_eq!(offers, MOST_LINKS);
    }

    #[test]
    fn no_more_than_the_most_links_per_space_are_answered() {
        let mut a = Matchmaker::new([0xff; 16], "Anna", 0);
        a.add(DOC);
        a.up(1, 0);
        let mut answers = 0;
        for n in 1..=(MOST_LINKS as u8 + 3) {
            let peer = u64::from(n) + 1;
            let offer = Signal::Offer {
                device: [n; 16],
                peer,
                to: [0xff; 16],
                session: 1,
                code: vec![n],
            };
            let actions = a.received(DOC, peer, &offer.encode(), 0);
            answers += actions
                .iter()
                .filter(|a| matches!(a, Action::Answer { .. }))
                .count();
        }
        assert_eq!(answers, MOST_LINKS);
        // One that ends makes room for another.
        a.failed(DOC, 1, 1);
        let offer = Signal::Offer {
            device: [0x40; 16],
            peer: 40,
            to: [0xff; 16],
            session: 1,
            code: vec![0x40],
        };
        let actions = a.received(DOC, 40, &offer.encode(), 2);
        assert!(
            matches!(actions[..], [Action::Answer { .. }]),
            "{actions:?}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        /// Anna (the lower tag, relay connection 1) waits for Bo's answer to her offer
        /// (Bo on connection 2). Of any signal made of likely and unlikely fields, from
        /// any connection, or of bytes that are no signal: she answers exactly an offer
        /// from a device with a lower tag, from the connection it names, meant for her;
        /// she takes exactly Bo's answer to her offer from his connection; anything else
        /// leads to neither.
        #[test]
        fn only_a_signal_whose_every_field_matches_is_answered_or_taken(
            kind in 0u8..4,
            sender in 0usize..3,
            from in 1u64..4,
            same_connection in any::<bool>(),
            for_anna in any::<bool>(),
            this_session in any::<bool>(),
            junk in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut a = device(LOW, "Anna", 1);
            let asked = a.received(DOC, 2, &here(HIGH, 2, true), 0);
            let [session] = offers(&asked)[..] else { panic!("an offer: {asked:?}") };
            let _ = a.offered(DOC, session, vec![1]);
            let device = [[0; 16], LOW, HIGH][sender];
            let peer = if same_connection { from } else { from + 1 };
            let to = if for_anna { LOW } else { [9; 16] };
            let at = if this_session { session } else { session.wrapping_add(1) };
            let data = match kind {
                0 => Signal::Here { device, peer, name: "X".into(), reply: true }.encode(),
                1 => Signal::Offer { device, peer, to, session: at, code: vec![2] }.encode(),
                2 => Signal::Answer { device, peer, to, session: at, code: vec![3] }.encode(),
                _ => junk,
            };
            let actions = a.received(DOC, from, &data, 1);
            let answered = actions.iter().any(|x| matches!(x, Action::Answer { .. }));
            let taken = actions.iter().any(|x| matches!(x, Action::Accept { .. }));
            let well_sent = same_connection && for_anna && Signal::decode(&data).is_some();
            prop_assert_eq!(answered, kind == 1 && well_sent && device == [0; 16]);
            prop_assert_eq!(
                taken,
                kind == 2 && well_sent && device == HIGH && from == 2 && this_session
            );
            let _ = a.tick(1 + ATTEMPT_MS);
        }

        /// Two devices that say they are here in any order, with the first signals
        /// maybe lost, end with at most one attempt between them, made by the lower
        /// one; with none lost, with exactly one offer, answered and taken.
        #[test]
        fn one_attempt_between_two_devices_whatever_the_order(
            order in proptest::collection::vec(any::<bool>(), 1..6),
            lost in proptest::collection::vec(any::<bool>(), 2),
        ) {
            let mut a = device(LOW, "Anna", 1);
            let mut b = device(HIGH, "Bo", 2);
            let (mut offers, mut answers, mut accepts, mut dropped) = (0, 0, 0, false);
            let mut queue: Vec<(bool, Action)> = Vec::new();
            for (n, by_a) in order.iter().enumerate() {
                let said = if *by_a { a.up(1, n as u64) } else { b.up(2, n as u64) };
                queue.extend(said.into_iter().map(|action| (*by_a, action)));
            }
            let mut sent = 0;
            while let Some((by_a, action)) = queue.pop() {
                match action {
                    Action::Send { doc, data, .. } => {
                        sent += 1;
                        prop_assert!(sent < 100);
                        if lost.get(sent - 1).copied().unwrap_or(false) {
                            dropped = true;
                            continue;
                        }
                        let (other, from) = if by_a { (&mut b, 1) } else { (&mut a, 2) };
                        queue.extend(other.received(doc, from, &data, 0).into_iter().map(|x| (!by_a, x)));
                    }
                    Action::Offer { doc, session } => {
                        prop_assert!(by_a, "only the lower device offers");
                        offers += 1;
                        queue.extend(a.offered(doc, session, vec![1]).into_iter().map(|x| (true, x)));
                    }
                    Action::Answer { doc, session, .. } => {
                        prop_assert!(!by_a);
                        answers += 1;
                        queue.extend(b.answered(doc, session, vec![2]).into_iter().map(|x| (false, x)));
                    }
                    Action::Accept { .. } => accepts += 1,
                    Action::GiveUp { .. } => {}
                }
            }
            prop_assert!(offers <= 1 && answers <= offers && accepts <= answers);
            if !dropped {
                prop_assert_eq!((offers, answers, accepts), (1, 1, 1));
            }
        }
    }
}
