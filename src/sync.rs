//! The sync driver: runs the sans-IO `landsbyplan_sync::Client` over the browser's
//! WebSocket to the relay that served the app.
//!
//! Every input (socket opened, frame, socket closed, timer, local change) becomes an
//! event on one queue, handled in order by one task, so effects happen in the order the
//! state machine asked for them: a change received is stored in IndexedDB before the
//! cursor that covers it is.

use std::collections::{HashMap, HashSet, VecDeque};

use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::StreamExt;
use js_sys::{ArrayBuffer, Uint8Array};
use landsbyplan_sync::{Action, Capability, Client, DocId, Effect, Hash, Matchmaker};
use leptos::prelude::{Set, WithUntracked};
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, MessageEvent, WebSocket};

use crate::direct::{Attempt, Peers};
use crate::library::{Library, Outgoing};

/// Something the sync task must handle.
pub enum Event {
    /// Socket `generation` opened.
    Opened(u32),
    /// A frame on socket `generation`.
    Frame(u32, Vec<u8>),
    /// Socket `generation` closed or failed.
    Closed(u32),
    /// A timer the state machine asked for went off.
    Tick,
    /// The browser has a network again.
    Online,
    /// The browser lost its network: the socket cannot work, whatever it says.
    Offline,
    /// Start syncing a space from its cursor in the relay store's epoch.
    AddSpace(Box<Capability>, u64, u64),
    /// Local changes of a space (an edit, or everything the relay is not known to hold).
    Local(DocId, Outgoing),
    /// At start: the space owes nothing, and the relay held all of it at this time.
    SharedBefore(DocId, u64),
    /// Stop syncing a document the device no longer holds.
    Forget(DocId),
    /// A step of a direct connection with another device of a space.
    Direct(DocId, Attempt),
    /// The person gave this name (the other devices of each space are told).
    Named(String),
    /// Changes of a space came from a peer: to pass on to the relay unless it sends
    /// them first.
    FromPeer(DocId),
}

/// How long after changes came from a peer, or after the relay greeted this device, they
/// are passed on to the relay if it has not sent them here meanwhile: the peer that made
/// them usually brings them within a fraction of a second.
const PASS_ON_AFTER_MS: u64 = 5_000;

/// The handle the library feeds the sync task through.
#[derive(Clone)]
pub struct Driver {
    events: UnboundedSender<Event>,
}

impl Driver {
    /// Starts the sync task.
    pub fn start(library: Library) -> Self {
        let (events, queue) = unbounded();
        let driver = Self { events };
        spawn_local(run(library, driver.clone(), queue));
        driver.send(Event::Tick);
        let events = driver.clone();
        listen("online", move || events.send(Event::Online));
        let events = driver.clone();
        listen("offline", move || events.send(Event::Offline));
        driver
    }

    /// Queues an event; the task handles events in order.
    pub fn send(&self, event: Event) {
        // Fails only when the page is going away.
        let _ = self.events.unbounded_send(event);
    }
}

/// Calls `handler` on every `name` event of the window, as long as the page lives.
fn listen(name: &str, handler: impl Fn() + 'static) {
    let listener = Closure::<dyn Fn()>::new(handler);
    if let Some(window) = web_sys::window() {
        let _ = window.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
    }
    listener.forget();
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the browser offers a random source");
    bytes
}

/// The relay's sync endpoint: the origin that served the app.
fn relay_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/sync", location.host().ok()?))
}

struct Socket {
    socket: WebSocket,
    generation: u32,
}

fn open_socket(driver: &Driver, generation: u32) -> Option<WebSocket> {
    let socket = WebSocket::new(&relay_url()?).ok()?;
    socket.set_binary_type(BinaryType::Arraybuffer);
    let events = driver.clone();
    let on_open = Closure::<dyn Fn()>::new(move || events.send(Event::Opened(generation)));
    let events = driver.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |message: MessageEvent| {
        if let Ok(buffer) = message.data().dyn_into::<ArrayBuffer>() {
            events.send(Event::Frame(generation, Uint8Array::new(&buffer).to_vec()));
        }
    });
    let events = driver.clone();
    let on_close = Closure::<dyn Fn()>::new(move || events.send(Event::Closed(generation)));
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    // The handlers live as long as the socket; a closed socket's late events are
    // ignored by their generation.
    on_open.forget();
    on_message.forget();
    on_close.forget();
    Some(socket)
}

/// Carries out the matchmaker's `actions`: signals go to the relay through `client`
/// (the effects to carry out), the rest to `peers`.
fn carry_out(client: &mut Client, library: Library, actions: Vec<Action>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for action in actions {
        match action {
            Action::Send { doc, to, data } => {
                effects.extend(client.signal(doc, to, &data, random_bytes()));
            }
            action => library.peers().act(library, action),
        }
    }
    effects
}

/// The relay connection is gone: nobody is reachable through it (the matchmaker gives
/// up the attempts that waited on it), and the client plans the next try.
fn relay_lost(client: &mut Client, matchmaker: &mut Matchmaker, library: Library) -> Vec<Effect> {
    let given_up = matchmaker.down(now());
    let mut effects = carry_out(client, library, given_up);
    effects.extend(client.disconnected(now(), u32::from_le_bytes(random_bytes())));
    effects
}

/// Shows who reaches the relay, if that changed.
fn show_present(peers: Peers, matchmaker: &Matchmaker) {
    let now = matchmaker.everyone();
    if peers.on_relay.with_untracked(|shown| *shown != now) {
        peers.on_relay.set(now);
    }
}

async fn run(library: Library, driver: Driver, mut queue: UnboundedReceiver<Event>) {
    let mut client = Client::seeded(u64::from_le_bytes(random_bytes()));
    let mut matchmaker = Matchmaker::new(
        library.peers().device,
        &crate::settings::profile_name(),
        u64::from_le_bytes(random_bytes()),
    );
    let mut socket: Option<Socket> = None;
    let mut generation = 0u32;
    // When the next timer goes off; an earlier wakeup gets a timer of its own.
    let mut timer_at: Option<u64> = None;
    // Spaces whose received changes the device could not store yet (it was full): their
    // cursor stays put, so the relay sends those changes again after a restart.
    let mut unstored: HashSet<DocId> = HashSet::new();
    // Spaces with changes from peers to pass on to the relay, and when.
    let mut pass_on: HashMap<DocId, u64> = HashMap::new();
    // What was asked for on this connection: the changes each space's received changes
    // wait for (asked again when that changes, and after every greeting).
    let mut asked: HashMap<DocId, Vec<Hash>> = HashMap::new();
    while let Some(event) = queue.next().await {
        let current = socket.as_ref().map(|s| s.generation);
        let effects = match event {
            Event::Opened(g) if Some(g) == current => client.connected(now()),
            Event::Frame(g, bytes) if Some(g) == current => {
                let greeted = client.peer().is_some();
                let mut effects = client.received(&bytes, now());
                // Just greeted: ask for what received changes still wait for, as the
                // stored documents say (a reload forgets nothing of it).
                if let (false, Some(peer)) = (greeted, client.peer()) {
                    asked.clear();
                    for (doc, have, missing) in library.waiting() {
                        effects.extend(client.ask(doc, have, missing.clone(), random_bytes()));
                        asked.insert(doc, missing);
                    }
                    // After the subscriptions: the others of each space learn this
                    // device is here.
                    let here = matchmaker.up(peer, now());
                    effects.extend(carry_out(&mut client, library, here));
                    // The peers that made them have the same time to bring them.
                    for due in pass_on.values_mut() {
                        *due = (*due).max(now() + PASS_ON_AFTER_MS);
                    }
                }
                effects
            }
            Event::Closed(g) if Some(g) == current => {
                socket = None;
                relay_lost(&mut client, &mut matchmaker, library)
            }
            Event::Opened(_) | Event::Frame(..) | Event::Closed(_) => Vec::new(),
            Event::Tick => {
                timer_at = None;
                let mut effects = client.tick(now());
                let due = matchmaker.tick(now());
                effects.extend(carry_out(&mut client, library, due));
                if client.peer().is_some() {
                    pass_on.retain(|doc, due| {
                        let keep = *due > now();
                        if !keep {
                            library.pass_on(*doc);
                        }
                        keep
                    });
                }
                effects
            }
            Event::Online => client.reconnect_soon(now()),
            Event::Offline => match socket.take() {
                Some(open) => {
                    let _ = open.socket.close();
                    relay_lost(&mut client, &mut matchmaker, library)
                }
                None => Vec::new(),
            },
            Event::AddSpace(capability, cursor, epoch) => {
                let doc = capability.doc_id();
                let mut effects = client.add_space(*capability, cursor, epoch);
                let here = matchmaker.add(doc);
                effects.extend(carry_out(&mut client, library, here));
                effects
            }
            Event::Local(doc, out) => send_local(&mut client, doc, out),
            Event::SharedBefore(doc, at) => client.shared_before(doc, at),
            Event::Forget(doc) => {
                client.remove_space(&doc);
                matchmaker.remove(&doc);
                Vec::new()
            }
            Event::FromPeer(doc) => {
                pass_on.entry(doc).or_insert(now() + PASS_ON_AFTER_MS);
                Vec::new()
            }
            Event::Named(name) => {
                matchmaker.set_name(&name, now());
                Vec::new()
            }
            Event::Direct(doc, attempt) => {
                let actions = match attempt {
                    Attempt::Offered(session, code) => matchmaker.offered(doc, session, code),
                    Attempt::Answered(session, code) => matchmaker.answered(doc, session, code),
                    Attempt::Failed(session) => {
                        matchmaker.failed(doc, session, now());
                        Vec::new()
                    }
                    Attempt::Opened(device) => {
                        matchmaker.opened(doc, device);
                        Vec::new()
                    }
                    Attempt::Closed(device) => {
                        matchmaker.closed(doc, device, now());
                        Vec::new()
                    }
                };
                carry_out(&mut client, library, actions)
            }
        };
        let mut effects: VecDeque<Effect> = effects.into();
        while let Some(effect) = effects.pop_front() {
            match effect {
                Effect::Connect => {
                    generation += 1;
                    // Offline, a connection cannot work: wait (the `online` event comes
                    // back here) instead of filling the console with failed attempts.
                    let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
                    let opened = if online {
                        open_socket(&driver, generation)
                    } else {
                        None
                    };
                    match opened {
                        Some(opened) => {
                            socket = Some(Socket {
                                socket: opened,
                                generation,
                            })
                        }
                        None => effects
                            .extend(client.disconnected(now(), u32::from_le_bytes(random_bytes()))),
                    }
                }
                Effect::Send(bytes) => {
                    if let Some(open) = &socket {
                        let _ = open.socket.send_with_u8_array(&bytes);
                    }
                }
                Effect::Apply { doc, changes } => {
                    let received = library.apply_remote(doc, &changes).await;
                    if received.set_aside {
                        // Shown with the refusals.
                        effects.extend(client.set_aside(doc, now()));
                        library.set_rejected(doc, client.rejected(&doc));
                    }
                    if received.stored {
                        unstored.remove(&doc);
                    } else {
                        unstored.insert(doc);
                    }
                    if received.nothing_new {
                        effects.extend(client.nothing_new(doc, now()));
                    }
                    if received.missing.is_empty() {
                        asked.remove(&doc);
                    } else if asked.get(&doc) != Some(&received.missing) {
                        effects.extend(client.ask(
                            doc,
                            received.have,
                            received.missing.clone(),
                            random_bytes(),
                        ));
                        asked.insert(doc, received.missing);
                    }
                }
                Effect::Shared { doc, heads } => library.confirmed(doc, heads).await,
                Effect::Reconnect => {
                    if let Some(open) = socket.take() {
                        let _ = open.socket.close();
                        effects.extend(relay_lost(&mut client, &mut matchmaker, library));
                    }
                }
                Effect::Needed { doc, have, missing } => {
                    for (changes, count) in library.repair(doc, &have, &missing) {
                        effects.extend(client.repair(doc, &changes, count, random_bytes()));
                    }
                }
                Effect::Lost { doc, .. } => {
                    for out in library.lost(doc).await {
                        effects.extend(send_local(&mut client, doc, out));
                    }
                }
                Effect::Cursor { doc, seq, epoch } if !unstored.contains(&doc) => {
                    library.set_cursor(doc, seq, epoch).await;
                }
                Effect::Cursor { .. } => {}
                Effect::WantSnapshot { doc, covers } => {
                    if let Some(document) = library.export(doc) {
                        effects.extend(client.snapshot(doc, &document, covers, random_bytes()));
                    }
                }
                Effect::Status { doc, status } => library.set_status(doc, status),
                Effect::Signal { doc, from, data } => {
                    let actions = matchmaker.received(doc, from, &data, now());
                    effects.extend(carry_out(&mut client, library, actions));
                }
                Effect::Rejected { doc, seq, why } => {
                    leptos::logging::warn!("refused entry {seq} of {doc} from the relay: {why:?}");
                    library.set_rejected(doc, client.rejected(&doc));
                }
            }
        }
        show_present(library.peers(), &matchmaker);
        let passing_on = pass_on
            .values()
            .min()
            .copied()
            .filter(|_| client.peer().is_some());
        let wakeup = [client.next_wakeup(), matchmaker.next_wakeup(), passing_on]
            .into_iter()
            .flatten()
            .min();
        if let Some(at) = wakeup
            && timer_at.is_none_or(|scheduled| at < scheduled)
        {
            schedule_tick(&driver, at.saturating_sub(now()));
            timer_at = Some(at);
        }
    }
}

/// Local changes to the client: the last entry of a bundle carries the heads that move
/// the shared heads once the relay has all of it; the others move none.
fn send_local(client: &mut Client, doc: DocId, out: Outgoing) -> Vec<Effect> {
    match out.heads {
        Some(heads) => client.local_changes(doc, &out.bytes, out.count, heads, random_bytes()),
        None => client.local_part(doc, &out.bytes, out.count, random_bytes()),
    }
}

fn schedule_tick(driver: &Driver, delay: u64) {
    let events = driver.clone();
    let callback = Closure::once_into_js(move || events.send(Event::Tick));
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            callback.unchecked_ref(),
            i32::try_from(delay).unwrap_or(i32::MAX),
        );
    }
}
