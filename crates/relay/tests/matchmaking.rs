//! Matchmaking through a real relay (issue 14), with someone hostile on the same
//! document: two devices of a space, each the app's sync client and matchmaker over a
//! real WebSocket to the relay binary, find each other and exchange one offer and one
//! answer; a third connection that knows only the document id subscribes too and sends
//! junk, signals sealed with another space's key, and every signal it sees replayed, to
//! everyone and to each device. None of it is taken, neither device breaks, and the
//! third learns nothing it could read. (The browser's side, the WebRTC channel those
//! codes open and the proof of the space over it, is tested in the browser:
//! tests/direct.rs and tests/e2e-direct.)

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use landsbyplan_sync::{
    Action, Capability, Client, ClientFrame, Device, DocId, Effect, Matchmaker, RETRY_AFTER_MS,
    RelayFrame, Sealed, Signal, SpaceKeys,
};
use tokio_tungstenite::tungstenite::Message;

use common::{Relay, Socket, keys};

/// What a device's matchmaker asked of its app, apart from signals.
#[derive(Debug, Default)]
struct Asked {
    offers: Vec<u64>,
    /// The offers answered: session, and the code that came with it.
    answers: Vec<(u64, Vec<u8>)>,
    /// The answers taken: session, and the code.
    accepts: Vec<(u64, Vec<u8>)>,
    given_up: Vec<u64>,
}

/// A device: the app's sync client and matchmaker on one WebSocket to the relay.
struct Phone {
    name: &'static str,
    me: Device,
    /// Signals sealed so far (each gets a nonce of its own).
    sealed: u64,
    /// The sealed signals this device sent (what the relay's operator could copy).
    signals: Vec<Vec<u8>>,
    socket: Socket,
    client: Client,
    matchmaker: Matchmaker,
    asked: Asked,
}

async fn open(addr: &str) -> Socket {
    tokio_tungstenite::connect_async(format!("ws://{addr}/sync"))
        .await
        .unwrap()
        .0
}

async fn send_bytes(socket: &mut Socket, bytes: Vec<u8>) {
    socket.send(Message::Binary(bytes.into())).await.unwrap();
}

/// The next frame on `socket` within `ms`, if one comes.
async fn next_frame(socket: &mut Socket, ms: u64) -> Option<Vec<u8>> {
    loop {
        match tokio::time::timeout(Duration::from_millis(ms), socket.next()).await {
            Ok(Some(Ok(Message::Binary(bytes)))) => return Some(bytes.to_vec()),
            Ok(Some(Ok(_))) => {}
            Ok(other) => panic!("the relay closed the connection: {other:?}"),
            Err(_) => return None,
        }
    }
}

impl Phone {
    async fn start(addr: &str, name: &'static str, me: Device, space: &SpaceKeys) -> Self {
        let mut client = Client::seeded(u64::from(me[0]));
        let mut matchmaker = Matchmaker::new(me, name, u64::from(me[0]) << 40);
        assert!(
            client
                .add_space(Capability::Write(Box::new(space.clone())), 0, 0)
                .is_empty()
        );
        matchmaker.add(space.doc_id());
        let mut phone = Self {
            name,
            me,
            sealed: 0,
            signals: Vec::new(),
            socket: open(addr).await,
            client,
            matchmaker,
            asked: Asked::default(),
        };
        let effects = phone.client.connected(0);
        phone.carry_out(effects, 0).await;
        phone
    }

    /// Takes the relay's frames for `ms` at most per frame, until it is quiet.
    async fn read(&mut self, now: u64, ms: u64) {
        while let Some(bytes) = next_frame(&mut self.socket, ms).await {
            let greeted = self.client.peer().is_some();
            let mut effects = self.client.received(&bytes, now);
            if let (false, Some(peer)) = (greeted, self.client.peer()) {
                let here = self.matchmaker.up(peer, now);
                effects.extend(self.act(here));
            }
            self.carry_out(effects, now).await;
        }
    }

    /// The matchmaker's actions, done as the app does them (a code is the device's name
    /// and the attempt): the effects to carry out.
    fn act(&mut self, actions: Vec<Action>) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut queue = std::collections::VecDeque::from(actions);
        while let Some(action) = queue.pop_front() {
            match action {
                Action::Send { doc, to, data } => {
                    self.sealed += 1;
                    let mut nonce = [self.me[0]; 24];
                    nonce[..8].copy_from_slice(&self.sealed.to_le_bytes());
                    effects.extend(self.client.signal(doc, to, &data, nonce));
                }
                Action::Offer { doc, session } => {
                    self.asked.offers.push(session);
                    let code = format!("offer by {} #{session}", self.name).into_bytes();
                    queue.extend(self.matchmaker.offered(doc, session, code));
                }
                Action::Answer { doc, session, code } => {
                    self.asked.answers.push((session, code));
                    let code = format!("answer by {} #{session}", self.name).into_bytes();
                    queue.extend(self.matchmaker.answered(doc, session, code));
                }
                Action::Accept { session, code, .. } => self.asked.accepts.push((session, code)),
                Action::GiveUp { session } => self.asked.given_up.push(session),
            }
        }
        effects
    }

    async fn carry_out(&mut self, effects: Vec<Effect>, now: u64) {
        let mut queue = std::collections::VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Send(bytes) => {
                    if let Ok(ClientFrame::Signal { data, .. }) = ClientFrame::decode(&bytes) {
                        self.signals.push(data);
                    }
                    send_bytes(&mut self.socket, bytes).await;
                }
                Effect::Signal { doc, from, data } => {
                    let actions = self.matchmaker.received(doc, from, &data, now);
                    queue.extend(self.act(actions));
                }
                _ => {}
            }
        }
    }
}

/// Someone who knows only the document id: its relay connection, what it saw, and its
/// socket.
struct Stranger {
    socket: Socket,
    peer: u64,
    seen: Vec<(u64, Vec<u8>)>,
}

impl Stranger {
    async fn start(addr: &str, doc: DocId) -> Self {
        let mut socket = open(addr).await;
        let greeting = next_frame(&mut socket, 5_000).await.expect("a greeting");
        let Ok(RelayFrame::Hello { peer, .. }) = RelayFrame::decode(&greeting) else {
            panic!("the relay greets first")
        };
        send_bytes(
            &mut socket,
            ClientFrame::Subscribe { doc, since: 0 }.encode(),
        )
        .await;
        Self {
            socket,
            peer,
            seen: Vec::new(),
        }
    }

    async fn read(&mut self, ms: u64) {
        while let Some(bytes) = next_frame(&mut self.socket, ms).await {
            if let Ok(RelayFrame::Signal { from, data, .. }) = RelayFrame::decode(&bytes) {
                self.seen.push((from, data));
            }
        }
    }

    async fn signal(&mut self, doc: DocId, to: Option<u64>, data: Vec<u8>) {
        send_bytes(
            &mut self.socket,
            ClientFrame::Signal { doc, to, data }.encode(),
        )
        .await;
    }

    /// Junk, a well-formed signal from its own connection but sealed with another
    /// space's key, and every signal seen so far and each of `copied` sent again, to
    /// everyone and to each of `peers`.
    async fn attack(&mut self, doc: DocId, peers: &[u64], copied: &[Vec<u8>], round: u8) {
        self.signal(doc, None, vec![round; 64]).await;
        let wrong = Signal::Here {
            device: [0; 16],
            peer: self.peer,
            name: "Mallory".into(),
            reply: false,
        };
        let sealed = keys(9)
            .read()
            .seal(Sealed::Signal, &wrong.encode(), [round; 24]);
        self.signal(doc, None, sealed).await;
        let seen = self.seen.iter().map(|(_, data)| data.clone());
        for data in seen.chain(copied.iter().cloned()).collect::<Vec<_>>() {
            self.signal(doc, None, data.clone()).await;
            for peer in peers {
                self.signal(doc, Some(*peer), data.clone()).await;
            }
        }
    }
}

/// Lets the three talk until all is quiet.
async fn settle(
    anna: &mut Phone,
    bo: &mut Phone,
    stranger: &mut Stranger,
    now: u64,
    done: impl Fn(&Phone, &Phone) -> bool,
) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut quiet = 0;
    while quiet < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "not settled in 20 s: Anna {:?}, Bo {:?}",
            anna.asked,
            bo.asked
        );
        anna.read(now, 100).await;
        bo.read(now, 100).await;
        stranger.read(30).await;
        quiet = if done(anna, bo) { quiet + 1 } else { 0 };
    }
}

#[tokio::test]
async fn two_devices_match_through_the_relay_and_a_stranger_replaying_and_forging_signals_gets_nowhere()
 {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &[]);
    let space = keys(1);
    let doc = space.doc_id();
    // The stranger is there first and sees everything the two send.
    let mut stranger = Stranger::start(&relay.addr, doc).await;
    stranger.read(200).await;
    let mut anna = Phone::start(&relay.addr, "Anna", [1; 16], &space).await;
    anna.read(0, 300).await;
    let mut bo = Phone::start(&relay.addr, "Bo", [2; 16], &space).await;
    settle(&mut anna, &mut bo, &mut stranger, 0, |anna, _| {
        !anna.asked.accepts.is_empty()
    })
    .await;

    // One offer by the lower device, answered once, the answer taken once.
    let [session] = anna.asked.offers[..] else {
        panic!("one offer: {:?}", anna.asked)
    };
    let offer_code = format!("offer by Anna #{session}").into_bytes();
    let answer_code = format!("answer by Bo #{session}").into_bytes();
    assert_eq!(bo.asked.answers, vec![(session, offer_code.clone())]);
    assert_eq!(anna.asked.accepts, vec![(session, answer_code.clone())]);
    assert!(bo.asked.offers.is_empty() && anna.asked.answers.is_empty());
    assert!(anna.asked.given_up.is_empty() && bo.asked.given_up.is_empty());
    assert_eq!(anna.matchmaker.present(&doc)[0].name, "Bo");
    assert_eq!(bo.matchmaker.present(&doc)[0].name, "Anna");
    // The two said they are here to everyone, the stranger too; it could read neither
    // (what was addressed to one device went to it alone).
    assert_eq!(
        stranger.seen.len(),
        2,
        "the stranger saw {:?}",
        stranger.seen
    );
    let peers: Vec<u64> = [anna.client.peer(), bo.client.peer()]
        .into_iter()
        .flatten()
        .collect();
    for (_, data) in &stranger.seen {
        for plain in [&offer_code[..], &answer_code[..], b"Anna", b"Bo"] {
            assert!(
                !data.windows(plain.len()).any(|w| w == plain),
                "the stranger read a signal"
            );
        }
    }

    // The attack, with every signal the two sent (as the relay's operator could copy
    // them: Anna's here, her reply to Bo and her offer; Bo's here and his answer):
    // nothing of it is taken.
    let copied: Vec<Vec<u8>> = [&anna.signals, &bo.signals]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    assert_eq!((anna.signals.len(), bo.signals.len()), (3, 2));
    let seen_before = stranger.seen.len();
    stranger.attack(doc, &peers, &copied, 1).await;
    settle(&mut anna, &mut bo, &mut stranger, 1_000, |_, _| true).await;
    assert_eq!(anna.asked.offers, vec![session]);
    assert_eq!(bo.asked.answers.len(), 1, "replayed offers: {:?}", bo.asked);
    assert_eq!(
        anna.asked.accepts.len(),
        1,
        "replayed answers: {:?}",
        anna.asked
    );
    assert_eq!(anna.matchmaker.present(&doc).len(), 1);
    assert_eq!(bo.matchmaker.present(&doc).len(), 1, "nobody named Mallory");
    assert_eq!(
        stranger.seen.len(),
        seen_before,
        "neither device answered the stranger"
    );

    // Neither side broke: the channel closes, and after the wait they match again (the
    // stranger replaying everything once more), with a new attempt only.
    anna.matchmaker.opened(doc, [2; 16]);
    bo.matchmaker.opened(doc, [1; 16]);
    anna.matchmaker.closed(doc, [2; 16], 2_000);
    bo.matchmaker.closed(doc, [1; 16], 2_000);
    let later = 2_000 + RETRY_AFTER_MS;
    // Both say again that they are here, as they do every half minute.
    for phone in [&mut anna, &mut bo] {
        let again = phone.matchmaker.tick(later);
        let effects = phone.act(again);
        phone.carry_out(effects, later).await;
    }
    stranger.attack(doc, &peers, &copied, 2).await;
    settle(&mut anna, &mut bo, &mut stranger, later, |anna, _| {
        anna.asked.accepts.len() == 2
    })
    .await;
    let [first, second] = anna.asked.offers[..] else {
        panic!("a second offer: {:?}", anna.asked)
    };
    assert_eq!(first, session);
    assert_eq!(
        bo.asked.answers.last(),
        Some(&(second, format!("offer by Anna #{second}").into_bytes()))
    );
    assert_eq!(bo.asked.answers.len(), 2, "{:?}", bo.asked);
    assert_eq!(
        anna.asked.accepts.last(),
        Some(&(second, format!("answer by Bo #{second}").into_bytes()))
    );
    assert_eq!(anna.asked.accepts.len(), 2, "{:?}", anna.asked);
    relay.kill();
}
