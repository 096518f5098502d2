//! One device's WebSocket connection: decode its frames, store appends, send backlogs and
//! live entries of the documents it subscribed to.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use landsbyplan_sync::{ClientFrame, DocId, ErrorCode, RelayFrame};
use tokio::sync::broadcast::error::RecvError;

use crate::{Delivered, MAX_FRAME_BYTES, Relay};

pub(crate) async fn upgrade(ws: WebSocketUpgrade, State(relay): State<Arc<Relay>>) -> Response {
    ws.max_message_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| serve(socket, relay))
}

/// The connection's subscriptions: per document, the last sequence number sent.
type Cursors = HashMap<DocId, u64>;

async fn serve(socket: WebSocket, relay: Arc<Relay>) {
    let (mut sink, mut stream) = socket.split();
    let mut live = relay.live.subscribe();
    let mut cursors = Cursors::new();
    loop {
        let outgoing = tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Binary(bytes))) => handle(&relay, &mut cursors, &bytes).await,
                Some(Ok(Message::Text(_))) => vec![refusal(
                    ErrorCode::Malformed,
                    "frames must be binary".to_owned(),
                )],
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => Vec::new(),
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
            },
            delivered = live.recv() => match delivered {
                Ok(entry) => forward(&mut cursors, &entry).into_iter().collect(),
                // Too slow to keep up: close, and the device resumes from its cursor.
                Err(RecvError::Lagged(_) | RecvError::Closed) => break,
            },
        };
        for frame in outgoing {
            if sink
                .send(Message::Binary(frame.encode().into()))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

async fn handle(relay: &Arc<Relay>, cursors: &mut Cursors, bytes: &[u8]) -> Vec<RelayFrame> {
    let frame = match ClientFrame::decode(bytes) {
        Ok(frame) => frame,
        Err(err) => return vec![refusal(err.code(), err.to_string())],
    };
    match frame {
        ClientFrame::Subscribe { doc, since } => {
            // Subscribe before reading the backlog, so nothing appended meanwhile is missed;
            // the cursor drops what the backlog already sent.
            cursors.insert(doc, since);
            let store = Arc::clone(&relay.store);
            let backlog =
                tokio::task::spawn_blocking(move || store.entries_since(&doc, since)).await;
            match backlog {
                Ok(Ok(entries)) => {
                    let mut frames = Vec::with_capacity(entries.len());
                    for (seq, payload) in entries {
                        cursors.insert(doc, seq);
                        frames.push(RelayFrame::Entry { doc, seq, payload });
                    }
                    frames
                }
                Ok(Err(err)) => vec![storage_failed(&err)],
                Err(err) => vec![storage_failed(&err)],
            }
        }
        ClientFrame::Append { doc, payload } => {
            let store = Arc::clone(&relay.store);
            let stored = tokio::task::spawn_blocking(move || {
                store.append(&doc, &payload).map(|seq| (seq, payload))
            })
            .await;
            match stored {
                Ok(Ok((seq, payload))) => {
                    // No receiver is fine: nobody else is listening right now.
                    let _ = relay.live.send(Arc::new(Delivered { doc, seq, payload }));
                    vec![RelayFrame::Acked { doc, seq }]
                }
                Ok(Err(err)) => vec![storage_failed(&err)],
                Err(err) => vec![storage_failed(&err)],
            }
        }
    }
}

fn forward(cursors: &mut Cursors, entry: &Delivered) -> Option<RelayFrame> {
    let last = cursors.get_mut(&entry.doc)?;
    if entry.seq <= *last {
        return None;
    }
    *last = entry.seq;
    Some(RelayFrame::Entry {
        doc: entry.doc,
        seq: entry.seq,
        payload: entry.payload.clone(),
    })
}

fn refusal(code: ErrorCode, message: String) -> RelayFrame {
    tracing::debug!(?code, %message, "refused a frame");
    RelayFrame::Error { code, message }
}

fn storage_failed(err: &dyn std::fmt::Display) -> RelayFrame {
    tracing::error!(%err, "store failed");
    RelayFrame::Error {
        code: ErrorCode::StorageFailed,
        message: "the relay could not store the entry; try again later".to_owned(),
    }
}
