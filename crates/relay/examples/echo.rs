//! A plain WebSocket echo relay: the reference the relay's load figures are measured
//! beside (`scripts/bench`). It speaks just enough of the sync protocol for the load
//! generator (the greeting; `Subscribe`, answered `Subscribed`; `Append`, answered
//! `Acked`, its entry sent to every subscriber of the document; `Ping`, answered `Pong`)
//! and does nothing else: no store, no signature check, no limits. It is built with the
//! relay (`cargo build --profile relay -p landsbyplan-relay --examples`) on the same
//! axum and tokio, so what the relay adds to its figures is the cost of storing and
//! checking.
//!
//! ```text
//! target/relay/examples/echo --listen 127.0.0.1:0
//! ```
//!
//! It listens on 127.0.0.1 only (`--listen` names a port there; other flags are ignored,
//! so the load generator starts it as it starts the relay).

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use landsbyplan_sync::{ClientFrame, DocId, RelayFrame};
use tokio::sync::mpsc;

/// A document's last number, and its subscribers by peer.
type Doc = (u64, HashMap<u64, mpsc::UnboundedSender<Message>>);

/// Every document's last number and subscribers.
#[derive(Default)]
struct Echo {
    docs: Mutex<HashMap<DocId, Doc>>,
    next_peer: AtomicU64,
}

async fn upgrade(ws: WebSocketUpgrade, State(echo): State<Arc<Echo>>) -> Response {
    ws.on_upgrade(move |socket| serve(socket, echo))
}

async fn serve(socket: WebSocket, echo: Arc<Echo>) {
    let peer = echo.next_peer.fetch_add(1, Ordering::Relaxed);
    let (mut sink, mut stream) = socket.split();
    let (inbox, mut live) = mpsc::unbounded_channel::<Message>();
    let binary = |frame: &RelayFrame| Message::Binary(frame.encode().into());
    if sink
        .send(binary(&RelayFrame::Hello { peer, epoch: 1 }))
        .await
        .is_err()
    {
        return;
    }
    let mut followed = Vec::new();
    loop {
        let reply = tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Binary(bytes))) => match ClientFrame::decode(&bytes) {
                    Ok(ClientFrame::Subscribe { doc, .. }) => {
                        let mut docs = echo.docs.lock().unwrap();
                        let (latest, subscribers) = docs.entry(doc).or_default();
                        subscribers.insert(peer, inbox.clone());
                        followed.push(doc);
                        Some(binary(&RelayFrame::Subscribed { doc, latest: *latest }))
                    }
                    Ok(ClientFrame::Append { doc, payload, proof, .. }) => {
                        let mut docs = echo.docs.lock().unwrap();
                        let (latest, subscribers) = docs.entry(doc).or_default();
                        *latest += 1;
                        let seq = *latest;
                        let entry = binary(&RelayFrame::Entry { doc, seq, payload, proof });
                        subscribers.retain(|_, subscriber| subscriber.send(entry.clone()).is_ok());
                        Some(binary(&RelayFrame::Acked { doc, seq }))
                    }
                    Ok(ClientFrame::Ping) => Some(binary(&RelayFrame::Pong)),
                    _ => None,
                },
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => None,
            },
            delivered = live.recv() => delivered,
        };
        if let Some(message) = reply
            && sink.send(message).await.is_err()
        {
            break;
        }
    }
    let mut docs = echo.docs.lock().unwrap();
    for doc in followed {
        if let Some((_, subscribers)) = docs.get_mut(&doc) {
            subscribers.remove(&peer);
        }
    }
}

#[tokio::main]
async fn main() {
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        if flag == "--listen" {
            port = value.rsplit(':').next().unwrap().parse().unwrap();
        }
    }
    let app = Router::new()
        .route("/sync", get(upgrade))
        .with_state(Arc::new(Echo::default()));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    println!("The echo relay is running at http://{addr}/");
    axum::serve(listener, app).await.unwrap();
}
