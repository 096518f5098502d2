//! A direct channel between two phones of a space (issue 14): a WebRTC data channel set
//! up by exchanging two sealed connection codes ([`PeerCode`]: the QR path, for a room
//! with no relay), over which the two devices prove the space ([`Hello`]) and then sync
//! with Automerge's sync protocol ([`PeerSync`]).
//!
//! The screen that guides two phones through it is `routes::connect`; the browser test
//! `tests/direct.rs` drives it between two connections in one page, with two libraries.
//! While the relay is in reach, the same channels are set up through its signaling
//! ([`landsbyplan_sync::Matchmaker`], run by the sync task, which hands the steps that
//! need the browser's WebRTC to [`Peers::act`]).

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use crate::library::Library;
use crate::sync::Event;
use landsbyplan_model::{PeerSync, SpaceId};
use landsbyplan_sync::{
    Action, CHUNK_BYTES, Device, DocId, Hello, PeerCode, PeerCodeError, Present, ReadCapability,
    Reassembly, SpaceKeys, chunks, fingerprint_in,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;

use web_sys::{
    MessageEvent, RtcDataChannel, RtcDataChannelInit, RtcDataChannelState, RtcDataChannelType,
    RtcIceGatheringState, RtcPeerConnection, RtcPeerConnectionState, RtcSdpType,
    RtcSessionDescriptionInit,
};

/// Another phone this one syncs a space with directly, as the screens show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// A number of its own for this connection.
    pub number: u64,
    /// The space synced.
    pub space: SpaceId,
    /// The name the other phone's person goes by.
    pub name: String,
    /// The app on the other phone.
    pub device: Device,
}

/// How an attempt to connect through the relay goes, for the sync task's matchmaker.
pub enum Attempt {
    /// This phone's code for attempt `.0`, to send to the other.
    Offered(u64, Vec<u8>),
    /// This phone's answer in attempt `.0`, to send back.
    Answered(u64, Vec<u8>),
    /// Attempt `.0` came to nothing.
    Failed(u64),
    /// A channel with this device is open and proved.
    Opened(Device),
    /// The channel with this device closed.
    Closed(Device),
}

/// The direct connections of this phone.
#[derive(Clone, Copy)]
pub struct Peers {
    /// Who is connected directly now.
    pub list: RwSignal<Vec<Peer>>,
    /// Who of each space reaches the relay now, as the sync task's matchmaker knows.
    pub on_relay: RwSignal<Vec<(DocId, Vec<Present>)>>,
    /// This browser's tag ([`crate::settings::device_tag`]).
    pub device: Device,
    next: StoredValue<u64>,
    /// The open connections, by number: closed when the page goes away, so that the
    /// other phones see it gone at once (not after the browser's checks fail).
    open: StoredValue<HashMap<u64, RtcPeerConnection>, LocalStorage>,
    /// Connections offered through the relay, waiting for their answer, by attempt.
    pending: StoredValue<HashMap<u64, Direct>, LocalStorage>,
}

impl Default for Peers {
    fn default() -> Self {
        Self::new()
    }
}

impl Peers {
    /// No connections.
    pub fn new() -> Self {
        let peers = Self {
            list: RwSignal::new(Vec::new()),
            on_relay: RwSignal::new(Vec::new()),
            device: crate::settings::device_tag(),
            next: StoredValue::new(1),
            open: StoredValue::new_local(HashMap::new()),
            pending: StoredValue::new_local(HashMap::new()),
        };
        let open = peers.open;
        let on_leave = Closure::<dyn Fn()>::new(move || {
            open.with_value(|open| open.values().for_each(RtcPeerConnection::close));
        });
        if let Some(window) = web_sys::window() {
            let _ = window
                .add_event_listener_with_callback("pagehide", on_leave.as_ref().unchecked_ref());
        }
        // The listener lives as long as the page does.
        on_leave.forget();
        peers
    }

    /// Syncs space `id` of `library` with the phone at the other end of `direct`, which
    /// proved itself with `hello`, until the channel closes. The connection's number in
    /// [`Peers::list`].
    pub fn run(self, library: Library, id: SpaceId, mut direct: Direct, hello: Hello) -> u64 {
        let number = self.next.get_value();
        self.next.set_value(number + 1);
        self.open
            .update_value(|open| drop(open.insert(number, direct.connection.clone())));
        self.list.update(|list| {
            list.push(Peer {
                number,
                space: id,
                name: hello.name.clone(),
                device: hello.device,
            })
        });
        let doc = library.doc_of(id);
        if let Some(doc) = doc {
            library.send(Event::Direct(doc, Attempt::Opened(hello.device)));
        }
        leptos::task::spawn_local(async move {
            let mut sync = PeerSync::new(hello.may_write);
            loop {
                match direct.sync_turn(library, id, &mut sync).await {
                    Ok(true) => {}
                    Ok(false) if direct.is_open() => sleep(100).await,
                    Ok(false) => break,
                    Err(err) => {
                        leptos::logging::warn!("a direct channel closed: {err}");
                        break;
                    }
                }
            }
            direct.close();
            self.open.update_value(|open| drop(open.remove(&number)));
            self.list
                .update(|list| list.retain(|peer| peer.number != number));
            // Closed for matchmaking only if no other channel to that device is open
            // (one made by codes and one through the relay, say).
            let other = self.list.with_untracked(|list| {
                list.iter()
                    .any(|peer| peer.space == id && peer.device == hello.device)
            });
            if let (Some(doc), false) = (doc, other) {
                library.send(Event::Direct(doc, Attempt::Closed(hello.device)));
            }
        });
        number
    }

    /// Carries out the matchmaker's `action` that needs the browser's WebRTC (a signal
    /// to send is the sync task's), reporting each step back to the sync task.
    pub fn act(self, library: Library, action: Action) {
        let (doc, session) = match &action {
            Action::Offer { doc, session }
            | Action::Answer { doc, session, .. }
            | Action::Accept { doc, session, .. } => (*doc, *session),
            Action::GiveUp { session } => {
                if let Some(direct) = self
                    .pending
                    .try_update_value(|p| p.remove(session))
                    .flatten()
                {
                    direct.close();
                }
                return;
            }
            Action::Send { .. } => return,
        };
        let report = move |attempt| library.send(Event::Direct(doc, attempt));
        leptos::task::spawn_local(async move {
            // A space joined by a link is held once its first data has come from the
            // relay, which may be just after the others heard of this phone.
            let held = waited_for(WAIT_MS, 100, || library.space_of(doc).is_some()).await;
            let Some((id, (read, keys))) = library
                .space_of(doc)
                .filter(|_| held)
                .and_then(|id| Some((id, library.direct_keys(id)?)))
            else {
                report(Attempt::Failed(session));
                return;
            };
            let opened = match action {
                Action::Offer { .. } => match Direct::offer(&read).await {
                    Ok((direct, code)) => {
                        self.pending
                            .update_value(|pending| drop(pending.insert(session, direct)));
                        report(Attempt::Offered(session, code));
                        return;
                    }
                    Err(key) => Err(key),
                },
                Action::Answer { code, .. } => match Direct::answer(&read, &code).await {
                    Ok((direct, answer)) => {
                        report(Attempt::Answered(session, answer));
                        Ok(direct)
                    }
                    Err(key) => Err(key),
                },
                Action::Accept { code, .. } => {
                    match self
                        .pending
                        .try_update_value(|p| p.remove(&session))
                        .flatten()
                    {
                        Some(direct) => match direct.accept(&read, &code).await {
                            Ok(()) => Ok(direct),
                            Err(key) => {
                                direct.close();
                                Err(key)
                            }
                        },
                        None => Err("direct-unreachable"),
                    }
                }
                Action::GiveUp { .. } | Action::Send { .. } => return,
            };
            let greeted = match opened {
                Ok(mut direct) => {
                    let name = crate::settings::profile_name();
                    match direct
                        .greet(&read, keys.as_ref(), &name, self.device, ACCEPTED_WAIT_MS)
                        .await
                    {
                        Ok(hello) => Ok((direct, hello)),
                        Err(key) => {
                            direct.close();
                            Err(key)
                        }
                    }
                }
                Err(key) => Err(key),
            };
            match greeted {
                Ok((direct, hello)) => drop(self.run(library, id, direct, hello)),
                Err(key) => {
                    leptos::logging::log!("a direct connection through the relay failed: {key}");
                    report(Attempt::Failed(session));
                }
            }
        });
    }
}

/// The largest message a device takes over a direct channel (a whole space's changes).
const MOST_MESSAGE_BYTES: usize = 32 << 20;

/// How long gathering addresses, and the other phone's hello once the channel is open,
/// may take.
const WAIT_MS: u32 = 10_000;

/// How long a phone that showed its answer waits for the channel: the person at the
/// other phone may need minutes to scan or paste it.
pub const ANSWERED_WAIT_MS: u32 = 10 * 60 * 1000;

/// How long a phone that took the answer waits for the channel to open.
pub const ACCEPTED_WAIT_MS: u32 = 30_000;

/// One direct connection: the peer connection and its one data channel.
pub struct Direct {
    connection: RtcPeerConnection,
    channel: RtcDataChannel,
    inbox: Rc<RefCell<Inbox>>,
    sent: u32,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

#[derive(Default)]
struct Inbox {
    reassembly: Option<Reassembly>,
    messages: VecDeque<Vec<u8>>,
    broken: bool,
}

/// What went wrong: a message key for the person holding the phone (the browser's own
/// words, which mean nothing to them, go to the console).
type Problem = &'static str;

fn problem(key: Problem, err: impl std::fmt::Debug) -> Problem {
    leptos::logging::warn!("direct channel: {key}: {err:?}");
    key
}

fn code_problem(err: PeerCodeError) -> Problem {
    match err {
        PeerCodeError::NotACode => "direct-not-a-code",
        PeerCodeError::NotForThisSpace => "direct-not-this-space",
        PeerCodeError::NoAddress => "direct-no-address",
        PeerCodeError::Incomplete(_) => problem("direct-browser-refused", err),
    }
}

pub(crate) async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(ms).unwrap_or(i32::MAX),
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Waits (checking every `step_ms`) until `done`, at most `most_ms`: whether it came.
pub(crate) async fn waited_for(most_ms: u32, step_ms: u32, mut done: impl FnMut() -> bool) -> bool {
    let mut waited = 0;
    while !done() {
        if waited >= most_ms {
            return false;
        }
        sleep(step_ms).await;
        waited += step_ms;
    }
    true
}

impl Direct {
    fn new() -> Result<Self, Problem> {
        let connection = RtcPeerConnection::new().map_err(|e| problem("direct-no-webrtc", e))?;
        // Both ends make the same channel (negotiated, id 0): nothing to announce.
        let init = RtcDataChannelInit::new();
        init.set_negotiated(true);
        init.set_id(0);
        init.set_ordered(true);
        let channel = connection.create_data_channel_with_data_channel_dict("landsbyplan", &init);
        channel.set_binary_type(RtcDataChannelType::Arraybuffer);
        let inbox = Rc::new(RefCell::new(Inbox {
            reassembly: Some(Reassembly::new(MOST_MESSAGE_BYTES)),
            ..Inbox::default()
        }));
        let on_message = {
            let inbox = Rc::clone(&inbox);
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let Ok(buffer) = event.data().dyn_into::<js_sys::ArrayBuffer>() else {
                    inbox.borrow_mut().broken = true;
                    return;
                };
                let chunk = js_sys::Uint8Array::new(&buffer).to_vec();
                let mut inbox = inbox.borrow_mut();
                let pushed = match inbox.reassembly.as_mut() {
                    Some(reassembly) => reassembly.push(&chunk),
                    None => return,
                };
                match pushed {
                    Ok(Some(message)) => inbox.messages.push_back(message),
                    Ok(None) => {}
                    Err(_) => {
                        inbox.broken = true;
                        inbox.reassembly = None;
                    }
                }
            })
        };
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Ok(Self {
            connection,
            channel,
            inbox,
            sent: 0,
            _on_message: on_message,
        })
    }

    /// Starts a connection: this phone's code, sealed for the space of `read`, to show.
    pub async fn offer(read: &ReadCapability) -> Result<(Self, Vec<u8>), Problem> {
        let direct = Self::new()?;
        let made = direct.connection.create_offer();
        let code = direct.described(made, RtcSdpType::Offer, read).await?;
        Ok((direct, code))
    }

    /// Answers another phone's `offer` code: the answer code to show it.
    pub async fn answer(read: &ReadCapability, offer: &[u8]) -> Result<(Self, Vec<u8>), Problem> {
        let theirs = PeerCode::open(read, offer).map_err(code_problem)?;
        if theirs.answer {
            return Err("direct-not-an-offer");
        }
        let direct = Self::new()?;
        direct
            .set_description(false, RtcSdpType::Offer, &theirs.to_sdp())
            .await?;
        let made = direct.connection.create_answer();
        let code = direct.described(made, RtcSdpType::Answer, read).await?;
        Ok((direct, code))
    }

    /// Takes the other phone's `answer` to this phone's offer.
    pub async fn accept(&self, read: &ReadCapability, answer: &[u8]) -> Result<(), Problem> {
        let theirs = PeerCode::open(read, answer).map_err(code_problem)?;
        if !theirs.answer {
            return Err("direct-not-an-answer");
        }
        self.set_description(false, RtcSdpType::Answer, &theirs.to_sdp())
            .await
    }

    /// Sets this end's (`local`) or the other's description.
    async fn set_description(
        &self,
        local: bool,
        kind: RtcSdpType,
        sdp: &str,
    ) -> Result<(), Problem> {
        let description = RtcSessionDescriptionInit::new(kind);
        description.set_sdp(sdp);
        let set = if local {
            self.connection.set_local_description(&description)
        } else {
            self.connection.set_remote_description(&description)
        };
        JsFuture::from(set)
            .await
            .map(|_| ())
            .map_err(|e| problem("direct-browser-refused", e))
    }

    /// The description the browser `made` (an offer or an answer) becomes this end's;
    /// once its addresses are found, this end's code, sealed for the space of `read`.
    async fn described(
        &self,
        made: js_sys::Promise,
        kind: RtcSdpType,
        read: &ReadCapability,
    ) -> Result<Vec<u8>, Problem> {
        let made = JsFuture::from(made)
            .await
            .map_err(|e| problem("direct-browser-refused", e))?;
        let sdp = js_sys::Reflect::get(&made, &"sdp".into())
            .ok()
            .and_then(|sdp| sdp.as_string())
            .ok_or("direct-browser-refused")?;
        self.set_description(true, kind, &sdp).await?;
        let code = self.gathered(kind == RtcSdpType::Answer).await?;
        Ok(code.seal(read, crate::library::random_bytes()))
    }

    /// This end's code, once the browser has found its addresses (or after
    /// [`WAIT_MS`], with those found by then).
    async fn gathered(&self, answer: bool) -> Result<PeerCode, Problem> {
        waited_for(WAIT_MS, 50, || {
            self.connection.ice_gathering_state() == RtcIceGatheringState::Complete
        })
        .await;
        let sdp = self
            .connection
            .local_description()
            .ok_or("direct-browser-refused")?
            .sdp();
        PeerCode::from_sdp(&sdp, answer).map_err(code_problem)
    }

    /// Waits up to `wait_ms` for the channel to open; then the two ends' certificate
    /// fingerprints (this end's, the other's).
    pub async fn opened(&self, wait_ms: u32) -> Result<([u8; 32], [u8; 32]), Problem> {
        if !waited_for(wait_ms, 50, || {
            self.channel.ready_state() == RtcDataChannelState::Open
        })
        .await
        {
            return Err("direct-unreachable");
        }
        let fingerprint = |description: Option<web_sys::RtcSessionDescription>| {
            description.and_then(|d| fingerprint_in(&d.sdp()))
        };
        Ok((
            fingerprint(self.connection.local_description()).ok_or("direct-browser-refused")?,
            fingerprint(self.connection.remote_description()).ok_or("direct-browser-refused")?,
        ))
    }

    /// Sends one message, in chunks.
    pub fn send(&mut self, message: &[u8]) -> Result<(), Problem> {
        self.sent = self.sent.wrapping_add(1);
        for chunk in chunks(self.sent, message) {
            debug_assert!(chunk.len() <= CHUNK_BYTES);
            self.channel
                .send_with_u8_array(&chunk)
                .map_err(|e| problem("direct-closed", e))?;
        }
        Ok(())
    }

    /// The next whole message from the other phone, waiting at most `ms`.
    pub async fn receive(&self, ms: u32) -> Result<Option<Vec<u8>>, Problem> {
        waited_for(ms, 20, || {
            let inbox = self.inbox.borrow();
            inbox.broken || !inbox.messages.is_empty()
        })
        .await;
        let mut inbox = self.inbox.borrow_mut();
        if inbox.broken {
            return Err("direct-broken");
        }
        Ok(inbox.messages.pop_front())
    }

    /// Once the channel opens (within `wait_ms`), proves the space to the other phone as
    /// app `device` and checks its proof: who it is.
    pub async fn greet(
        &mut self,
        read: &ReadCapability,
        keys: Option<&SpaceKeys>,
        name: &str,
        device: Device,
        wait_ms: u32,
    ) -> Result<Hello, Problem> {
        let (mine, theirs) = self.opened(wait_ms).await?;
        let hello = match keys {
            Some(keys) => keys.hello(name, device, &mine, &theirs),
            None => read.hello(name, device, &mine, &theirs),
        };
        self.send(&hello)?;
        let theirs_hello = self.receive(WAIT_MS).await?.ok_or("direct-silent")?;
        read.check_hello(&theirs_hello, &mine, &theirs)
            .map_err(|_| "direct-not-proved")
    }

    /// One turn of syncing space `id` of `library` with the other phone through `sync`:
    /// what this device has to say goes out, and what came is taken in (checked, shown,
    /// stored, and passed on to the relay). Whether anything moved.
    pub async fn sync_turn(
        &mut self,
        library: Library,
        id: SpaceId,
        sync: &mut PeerSync,
    ) -> Result<bool, Problem> {
        let mut moved = false;
        while let Some(message) = library.peer_message(id, sync) {
            self.send(&message)?;
            moved = true;
        }
        while let Some(message) = self.receive(50).await? {
            library
                .peer_received(id, sync, &message)
                .await
                .map_err(|refused| refused.key)?;
            moved = true;
        }
        Ok(moved)
    }

    /// Whether the channel is open (or still opening) and the connection under it has
    /// not failed (a phone that left the Wi-Fi or died: the browser's consent checks fail
    /// it within about half a minute).
    pub fn is_open(&self) -> bool {
        matches!(
            self.channel.ready_state(),
            RtcDataChannelState::Open | RtcDataChannelState::Connecting
        ) && !matches!(
            self.connection.connection_state(),
            RtcPeerConnectionState::Failed | RtcPeerConnectionState::Closed
        )
    }

    /// Closes the connection.
    pub fn close(&self) {
        self.channel.close();
        self.connection.close();
    }
}
