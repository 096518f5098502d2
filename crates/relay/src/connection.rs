//! One device's WebSocket connection: decode its frames, check proofs and limits, store
//! appends and snapshots, send backlogs, and forward live entries and signaling of the
//! documents it subscribed to.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use std::net::{IpAddr, SocketAddr};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use landsbyplan_sync::{
    ClientFrame, DocId, ErrorCode, RelayFrame, WriterKey, verify_append, verify_snapshot,
};
use std::sync::atomic::AtomicBool;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::metrics::Counters;
use crate::{Admitted, Crowded, Live, Relay, StoreError, Subscriber};

/// Live entries a connection may have waiting before it counts as too slow.
const INBOX: usize = 1024;
/// Signals waiting for one connection, past which more are dropped.
const SIGNALS: usize = 64;

pub(crate) async fn upgrade(
    ws: WebSocketUpgrade,
    ConnectInfo(socket_address): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    State(relay): State<Arc<Relay>>,
) -> Response {
    let address = client_address(&relay, socket_address, &headers);
    let admitted = match relay.admit(address) {
        Ok(admitted) => admitted,
        Err(crowded) => {
            Counters::add(&relay.counters.refused);
            let why = match crowded {
                Crowded::InAll(most) => format!("the relay has {}, its limit", connections(most)),
                Crowded::FromAddress(most) => {
                    format!("this address has {}, its limit", connections(most.into()))
                }
            };
            tracing::info!(%address, %why, "refused a connection");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "30")],
                format!("{why}; try again later\n"),
            )
                .into_response();
        }
    };
    // Frames a little over the payload limit get a clear error; far larger ones are cut
    // off by the WebSocket layer before they fill memory.
    // Small buffers: most connections are idle phones, and buffers grow when needed.
    let largest = relay
        .limits
        .max_payload_bytes
        .max(relay.limits.max_snapshot_bytes);
    ws.max_message_size(largest + largest / 2 + 4096)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .on_upgrade(move |socket| serve(socket, relay, admitted))
}

/// "1 open connection", "2 open connections".
fn connections(n: u64) -> String {
    match n {
        1 => "1 open connection".into(),
        n => format!("{n} open connections"),
    }
}

/// The client's address: the last one in the configured header (the one the reverse
/// proxy added, with or without a port), else the connection's own; as the limits count
/// it (see [`counted`]).
fn client_address(relay: &Relay, socket: SocketAddr, headers: &HeaderMap) -> IpAddr {
    let named = relay.client_address_header.as_deref().map(|name| {
        headers
            .get_all(name)
            .iter()
            .next_back()
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.rsplit(',').next())
            .map(str::trim)
            .and_then(|last| {
                last.parse::<IpAddr>()
                    .ok()
                    .or_else(|| last.parse::<SocketAddr>().ok().map(|s| s.ip()))
            })
    });
    let address = match named {
        Some(Some(address)) => address,
        Some(None) => {
            tracing::warn!(%socket, "the client address header is missing or unreadable; counting the proxy's address");
            socket.ip()
        }
        None => socket.ip(),
    };
    counted(address)
}

/// An address as the per-address limits count it: an IPv4 address as itself (also when
/// written as IPv6), an IPv6 address by its /64 network, which one household or phone
/// usually gets whole.
fn counted(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(network.into())
            }
        },
    }
}

/// The connection's subscriptions: per document, the last sequence number sent.
type Cursors = HashMap<DocId, u64>;

/// A token bucket: `burst` frames at once, refilled at `rate` per second.
struct RateLimit {
    tokens: f64,
    rate: f64,
    burst: f64,
    at: Instant,
    /// Frames refused since the last one allowed.
    refused: u32,
}

impl RateLimit {
    fn allow(&mut self, now: Instant) -> bool {
        let elapsed = now.duration_since(self.at).as_secs_f64();
        self.at = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.refused = 0;
            true
        } else {
            self.refused = self.refused.saturating_add(1);
            false
        }
    }

    /// Whether a connection that goes on sending after its refusals should be closed: a
    /// whole burst more refused in a row (an app that backs off never gets there).
    fn gave_up(&self) -> bool {
        f64::from(self.refused) > self.burst
    }
}

/// What one connection keeps besides its cursors and backlog.
struct Session {
    /// The client's address.
    address: IpAddr,
    signals: SignalRates,
    /// Documents this connection saw the store hold (appends to them need no check).
    known: HashSet<DocId>,
}

/// Whether an append to `doc` may go on: a document the store holds, or one `address`
/// may start now (see [`Relay::may_start`]); else the refusal.
async fn new_document(relay: &Arc<Relay>, address: IpAddr, doc: DocId) -> Option<RelayFrame> {
    match relay.store.has_doc(doc).await {
        Ok(true) => None,
        Ok(false) => relay
            .may_start(address, crate::store::unix_now())
            .await
            .err()
            .map(|(code, message)| refusal(relay, Some(doc), code, message)),
        Err(err) => Some(storage_failed(relay, doc, &err)),
    }
}

/// One connection's signaling rate, per document it signals about.
struct SignalRates {
    per_second: f64,
    buckets: HashMap<DocId, RateLimit>,
}

impl SignalRates {
    fn allow(&mut self, doc: DocId, now: Instant) -> bool {
        let per_second = self.per_second;
        self.buckets
            .entry(doc)
            .or_insert_with(|| RateLimit {
                tokens: 2.0 * per_second,
                rate: per_second,
                burst: 2.0 * per_second,
                at: now,
                refused: 0,
            })
            .allow(now)
    }
}

async fn serve(socket: WebSocket, relay: Arc<Relay>, admitted: Admitted) {
    // `admitted` counts the connection for as long as it is served (to the end of this).
    let peer = relay.next_peer.fetch_add(1, Ordering::Relaxed);
    let (mut sink, mut stream) = socket.split();
    let (inbox, mut live) = mpsc::channel(INBOX);
    let (signals, mut signaled) = mpsc::channel(SIGNALS);
    let me = Subscriber {
        inbox,
        signals,
        lagged: Arc::new(AtomicBool::new(false)),
    };
    let mut cursors = Cursors::new();
    let mut paging = None;
    let mut session = Session {
        address: admitted.address,
        signals: SignalRates {
            per_second: f64::from(relay.limits.signals_per_second),
            buckets: HashMap::new(),
        },
        known: HashSet::new(),
    };
    let mut limit = RateLimit {
        tokens: f64::from(relay.limits.burst),
        rate: f64::from(relay.limits.frames_per_second),
        burst: f64::from(relay.limits.burst),
        at: Instant::now(),
        refused: 0,
    };
    let send_timeout = (
        Duration::from_secs(relay.limits.send_timeout_secs.clamp(1, 24 * 60 * 60)),
        relay.limits.slowest_link_bytes_per_second,
    );
    let idle = Duration::from_secs(relay.limits.idle_timeout_secs.clamp(1, 24 * 60 * 60));
    let hello = binary(&RelayFrame::Hello {
        peer,
        epoch: relay.store.epoch(),
    });
    if !send_within(&mut sink, hello, send_timeout).await {
        return;
    }
    let mut heard = Instant::now();
    let mut pinged = false;
    let mut flooded = false;
    'connection: loop {
        if me.lagged.load(Ordering::Relaxed) {
            // Too slow to keep up: close, and the device resumes from its cursor.
            break;
        }
        let wake = if pinged {
            heard + idle
        } else {
            heard + idle / 2
        };
        let outgoing = tokio::select! {
            () = tokio::time::sleep_until(wake) => {
                if pinged {
                    tracing::debug!(peer, "closing a connection that answered nothing");
                    break;
                }
                pinged = true;
                if !send_within(&mut sink, Message::Ping(Vec::new().into()), send_timeout).await {
                    break;
                }
                continue;
            }
            incoming = stream.next() => {
                heard = Instant::now();
                pinged = false;
                match incoming {
                // Every frame counts against the rate limit, whether it decodes or not.
                Some(Ok(Message::Binary(bytes))) => {
                    let decoded = ClientFrame::decode(&bytes);
                    if limit.allow(Instant::now()) {
                        match decoded {
                            Err(err) => vec![refusal(&relay, None, err.code(), err.to_string())],
                            Ok(frame) => handle(&relay, peer, &me, &mut cursors, &mut session, &mut paging, frame).await,
                        }
                    } else if limit.gave_up() {
                        flooded = true;
                        break;
                    } else {
                        vec![rate_limited(&relay, decoded.ok().and_then(|frame| frame.doc()))]
                    }
                }
                Some(Ok(Message::Text(_))) => {
                    if limit.allow(Instant::now()) {
                        vec![refusal(&relay, None, ErrorCode::Malformed, "frames must be binary".into())]
                    } else if limit.gave_up() {
                        flooded = true;
                        break;
                    } else {
                        vec![rate_limited(&relay, None)]
                    }
                }
                // The WebSocket layer answers pings; they count all the same.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                    if !limit.allow(Instant::now()) && limit.gave_up() {
                        flooded = true;
                        break;
                    }
                    Vec::new()
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                }
            },
            delivered = live.recv() => match delivered {
                Some(live) => forward(peer, &mut cursors, &live).into_iter().collect(),
                None => break,
            },
            signal = signaled.recv() => match signal {
                Some(live) => forward(peer, &mut cursors, &live).into_iter().collect(),
                None => break,
            },
        };
        for frame in outgoing {
            if !send_within(&mut sink, binary(&frame), send_timeout).await {
                break 'connection;
            }
        }
        // A backlog goes out a page at a time: at most a page of it is held in memory.
        while let Some(page) = paging.take() {
            for frame in next_page(&relay, &mut cursors, page, &mut paging).await {
                if !send_within(&mut sink, binary(&frame), send_timeout).await {
                    break 'connection;
                }
            }
            // A device taking in its backlog is not idle, though it sends nothing.
            heard = Instant::now();
            pinged = false;
        }
    }
    if flooded {
        // It went on sending long past the rate limit's refusals: closed with a reason.
        tracing::info!(peer, address = %session.address, "closed a connection that kept sending past the rate limit");
        let close = Message::Close(Some(CloseFrame {
            code: close_code::POLICY,
            reason: "too many frames".into(),
        }));
        if send_within(&mut sink, close, send_timeout).await {
            // Read on until the device answers the close (at most a few seconds): a socket
            // closed with frames unread is reset, and the device would lose the reason.
            let _ = tokio::time::timeout(Duration::from_secs(3), async {
                while let Some(Ok(message)) = stream.next().await {
                    if matches!(message, Message::Close(_)) {
                        break;
                    }
                }
            })
            .await;
        }
    }
    relay.subscribers.unsubscribe(peer, cursors.keys().copied());
}

/// How long a frame of `bytes` may take to go out to a device on a link of `rate` bytes a
/// second, where a small one may take `base`.
fn send_time(base: Duration, rate: u64, bytes: usize) -> Duration {
    base + Duration::from_secs(bytes as u64 / rate.max(1))
}

/// Sends `message`, unless it fails or takes longer than [`send_time`] allows (a device
/// that stopped reading would otherwise hold its frames in memory for good): false if it
/// did not go, and the connection closes.
async fn send_within(
    sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    message: Message,
    (base, rate): (Duration, u64),
) -> bool {
    let bytes = match &message {
        Message::Binary(bytes) => bytes.len(),
        _ => 0,
    };
    let most = send_time(base, rate, bytes);
    match tokio::time::timeout(most, sink.send(message)).await {
        Ok(Ok(())) => true,
        Ok(Err(_)) => false,
        Err(_) => {
            tracing::debug!("closing a connection that stopped reading");
            false
        }
    }
}

fn binary(frame: &RelayFrame) -> Message {
    Message::Binary(frame.encode().into())
}

/// A refusal of a frame whose `what` is larger than `most` bytes.
fn too_large(relay: &Relay, about: Option<DocId>, what: &str, most: usize) -> RelayFrame {
    refusal(
        relay,
        about,
        ErrorCode::TooLarge,
        format!("{what} may be at most {most} bytes"),
    )
}

async fn handle(
    relay: &Arc<Relay>,
    peer: u64,
    me: &Subscriber,
    cursors: &mut Cursors,
    session: &mut Session,
    paging: &mut Option<Paging>,
    frame: ClientFrame,
) -> Vec<RelayFrame> {
    let max = relay.limits.max_payload_bytes;
    let about = frame.doc();
    match frame {
        ClientFrame::Subscribe { doc, since } => {
            subscribe(relay, peer, me, cursors, paging, doc, since).await
        }
        ClientFrame::Append { payload, .. } if payload.len() > max => {
            vec![too_large(relay, about, "payloads", max)]
        }
        ClientFrame::Snapshot { payload, .. }
            if payload.len() > relay.limits.max_snapshot_bytes =>
        {
            let most = relay.limits.max_snapshot_bytes;
            vec![too_large(relay, about, "snapshots", most)]
        }
        ClientFrame::Append {
            doc,
            writer,
            payload,
            proof,
        } => {
            if !verify_append(&doc, &WriterKey(writer), &payload, &proof) {
                return vec![forbidden(relay, doc)];
            }
            if !session.known.contains(&doc) {
                if let Some(refused) = new_document(relay, session.address, doc).await {
                    return vec![refused];
                }
                session.known.insert(doc);
            }
            // The writer hands the entry to the subscribers, in order.
            let sent = (payload.clone(), proof.clone());
            match relay.writer.append(doc, payload, proof).await {
                Ok(seq) => {
                    Counters::add(&relay.counters.appends);
                    let mut frames = Vec::with_capacity(2);
                    if cursors.get(&doc).is_some_and(|&cursor| seq <= cursor) {
                        // An entry the store kept already, under a number this connection
                        // is past (sent again by a device that never saw it come back):
                        // the subscribers are not sent it again, so the sender is, and
                        // learns that its entry is on the relay.
                        let (payload, proof) = sent;
                        frames.push(RelayFrame::Entry {
                            doc,
                            seq,
                            payload,
                            proof,
                        });
                    }
                    frames.push(RelayFrame::Acked { doc, seq });
                    frames
                }
                Err(StoreError::LogFull) => vec![refusal(
                    relay,
                    Some(doc),
                    ErrorCode::LogFull,
                    "the document's log is full; upload a snapshot".into(),
                )],
                Err(err) => vec![storage_failed(relay, doc, &err)],
            }
        }
        ClientFrame::Snapshot {
            doc,
            writer,
            covers,
            payload,
            proof,
        } => {
            if !verify_snapshot(&doc, &WriterKey(writer), covers, &payload, &proof) {
                return vec![forbidden(relay, doc)];
            }
            // A snapshot can start a document too: the same limits hold.
            if !session.known.contains(&doc) {
                if let Some(refused) = new_document(relay, session.address, doc).await {
                    return vec![refused];
                }
                session.known.insert(doc);
            }
            match relay.store.put_snapshot(doc, covers, payload, proof).await {
                Ok(()) => vec![RelayFrame::Acked { doc, seq: covers }],
                Err(StoreError::AheadOfLog) => vec![refusal(
                    relay,
                    Some(doc),
                    ErrorCode::Malformed,
                    "the snapshot covers entries the relay does not have".into(),
                )],
                Err(err) => vec![storage_failed(relay, doc, &err)],
            }
        }
        ClientFrame::Signal { doc, .. } if !cursors.contains_key(&doc) => vec![refusal(
            relay,
            Some(doc),
            ErrorCode::NotSubscribed,
            "subscribe to the document before signaling".into(),
        )],
        ClientFrame::Signal { data, .. } if data.len() > relay.limits.max_signal_bytes => {
            let most = relay.limits.max_signal_bytes;
            vec![too_large(relay, about, "signals", most)]
        }
        ClientFrame::Signal { doc, .. } if !session.signals.allow(doc, Instant::now()) => {
            vec![refusal(
                relay,
                Some(doc),
                ErrorCode::RateLimited,
                format!(
                    "at most {} signals a second about one document; slow down and send again",
                    relay.limits.signals_per_second
                ),
            )]
        }
        ClientFrame::Ping => vec![RelayFrame::Pong],
        ClientFrame::Signal { doc, to, data } => {
            // Devices on other relays sharing the store hear it too (if it fits the bus).
            if let Some(hints) = &relay.hints
                && !hints.signal(doc, peer, to, &data)
            {
                tracing::debug!(
                    bytes = data.len(),
                    "a signal too large for the other relays"
                );
            }
            relay.subscribers.signal(
                doc,
                Live::Signal {
                    doc,
                    from: peer,
                    to,
                    data,
                },
            );
            Vec::new()
        }
    }
}

/// A backlog being sent a page at a time: entries after `after`, then the `Subscribed`
/// that tells the device it caught up with `latest`.
struct Paging {
    doc: DocId,
    after: u64,
    /// Known once the first page is read.
    latest: Option<u64>,
}

/// Bytes of backlog read from the store and sent at a time.
const PAGE_BYTES: usize = 1 << 20;

async fn subscribe(
    relay: &Arc<Relay>,
    peer: u64,
    me: &Subscriber,
    cursors: &mut Cursors,
    paging: &mut Option<Paging>,
    doc: DocId,
    since: u64,
) -> Vec<RelayFrame> {
    let most = relay.limits.max_subscriptions_per_connection;
    if !cursors.contains_key(&doc) && cursors.len() >= most {
        return vec![refusal(
            relay,
            Some(doc),
            ErrorCode::LimitReached,
            format!("one connection may follow at most {most} documents"),
        )];
    }
    // Subscribe before reading the backlog, so nothing appended meanwhile is missed; the
    // cursor drops what the backlog already sent. A document nobody here followed yet
    // is passed on from its log's last number now (the backlog, read after, holds
    // everything to there).
    let last = match relay.store.last_seq(doc).await {
        Ok(last) => last,
        Err(err) => return vec![reading_failed(relay, doc, &err)],
    };
    cursors.insert(doc, since);
    relay.subscribers.subscribe(doc, peer, me, last);
    *paging = Some(Paging {
        doc,
        after: since,
        latest: None,
    });
    Vec::new()
}

/// The next page of the backlog `page`; `paging` holds what is left after it.
async fn next_page(
    relay: &Arc<Relay>,
    cursors: &mut Cursors,
    page: Paging,
    paging: &mut Option<Paging>,
) -> Vec<RelayFrame> {
    let Paging { doc, after, latest } = page;
    match relay
        .store
        .backlog_page(doc, after, latest, PAGE_BYTES)
        .await
    {
        Ok(backlog) => {
            let latest = latest.unwrap_or(backlog.latest);
            let mut frames = Vec::with_capacity(backlog.entries.len() + 1);
            let mut last = after;
            if let Some(snapshot) = backlog.snapshot {
                last = snapshot.seq;
                cursors.insert(doc, snapshot.seq);
                frames.push(RelayFrame::Snapshot {
                    doc,
                    covers: snapshot.seq,
                    payload: snapshot.payload,
                    proof: snapshot.proof,
                });
            }
            for entry in backlog.entries {
                last = entry.seq;
                cursors.insert(doc, entry.seq);
                frames.push(RelayFrame::Entry {
                    doc,
                    seq: entry.seq,
                    payload: entry.payload,
                    proof: entry.proof,
                });
            }
            if backlog.more {
                *paging = Some(Paging {
                    doc,
                    after: last,
                    latest: Some(latest),
                });
            } else {
                // Lets the device tell "caught up" from "still receiving", and notice a
                // store that holds less than it was given before (lost, or restored from
                // a backup).
                frames.push(RelayFrame::Subscribed { doc, latest });
            }
            frames
        }
        Err(err) => vec![reading_failed(relay, doc, &err)],
    }
}

fn forward(peer: u64, cursors: &mut Cursors, live: &Live) -> Option<RelayFrame> {
    match live {
        Live::Entry {
            doc,
            seq,
            payload,
            proof,
        } => {
            let last = cursors.get_mut(doc)?;
            if *seq <= *last {
                return None;
            }
            *last = *seq;
            Some(RelayFrame::Entry {
                doc: *doc,
                seq: *seq,
                payload: payload.clone(),
                proof: proof.clone(),
            })
        }
        Live::Behind => None,
        Live::Signal {
            doc,
            from,
            to,
            data,
        } => {
            let addressed = to.is_none_or(|to| to == peer);
            (cursors.contains_key(doc) && *from != peer && addressed).then(|| RelayFrame::Signal {
                doc: *doc,
                from: *from,
                data: data.clone(),
            })
        }
    }
}

fn refusal(relay: &Relay, doc: Option<DocId>, code: ErrorCode, message: String) -> RelayFrame {
    Counters::add(&relay.counters.refused);
    tracing::debug!(?code, %message, "refused a frame");
    RelayFrame::Error { doc, code, message }
}

fn rate_limited(relay: &Relay, doc: Option<DocId>) -> RelayFrame {
    refusal(
        relay,
        doc,
        ErrorCode::RateLimited,
        "too many frames; slow down and send again".into(),
    )
}

fn forbidden(relay: &Relay, doc: DocId) -> RelayFrame {
    refusal(
        relay,
        Some(doc),
        ErrorCode::Forbidden,
        "the proof does not match the document's writer key; nothing was stored".into(),
    )
}

/// A refusal for a document whose log the store could not read now.
fn reading_failed(relay: &Relay, doc: DocId, err: &dyn std::fmt::Display) -> RelayFrame {
    tracing::error!(%err, "store failed");
    refusal(
        relay,
        Some(doc),
        ErrorCode::StorageFailed,
        "the relay could not read the document's log; try again later".into(),
    )
}

fn storage_failed(relay: &Relay, doc: DocId, err: &dyn std::fmt::Display) -> RelayFrame {
    tracing::error!(%err, "store failed");
    refusal(
        relay,
        Some(doc),
        ErrorCode::StorageFailed,
        "the relay could not store the entry; try again later".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_frame_may_take_as_long_as_a_slow_link_needs() {
        let base = Duration::from_secs(30);
        let rate = crate::Limits::default().slowest_link_bytes_per_second;
        assert_eq!(send_time(base, rate, 300), base);
        assert_eq!(send_time(base, rate, 1 << 20), Duration::from_secs(30 + 64));
        assert_eq!(
            send_time(base, rate, 16 << 20),
            Duration::from_secs(30 + 1024)
        );
    }

    #[test]
    fn addresses_count_as_ipv4_or_by_their_ipv6_network() {
        let count = |text: &str| counted(text.parse().unwrap()).to_string();
        assert_eq!(count("192.0.2.7"), "192.0.2.7");
        assert_eq!(count("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(count("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::");
        assert_eq!(
            count("2001:db8:1:2::1"),
            count("2001:db8:1:2:ffff::9"),
            "one /64 is one address"
        );
        assert_ne!(count("2001:db8:1:2::1"), count("2001:db8:1:3::1"));
    }
}
