//! Group commit: appends from every connection go to one writer thread, which stores
//! whatever has queued up in one transaction, so one disk sync makes many appends
//! durable. Each append is answered only after its transaction committed.
//!
//! The writer thread also hands each new entry to the document's subscribers, right
//! after the commit and in the order of the sequence numbers: subscribers skip what is
//! at or below what they had, so an entry handed over after a later one (as happened
//! when each connection published its own append) was never seen (issue 10).

use std::sync::Arc;

use landsbyplan_sync::DocId;
use tokio::sync::{mpsc, oneshot};

use crate::{Live, Store, StoreError, Subscribers};

/// At most this many appends share one transaction.
const BATCH: usize = 256;

struct Request {
    doc: DocId,
    payload: Vec<u8>,
    proof: Vec<u8>,
    reply: oneshot::Sender<Result<u64, StoreError>>,
}

/// The handle connections append through.
pub(crate) struct Writer {
    queue: mpsc::Sender<Request>,
}

impl Writer {
    /// Starts the writer thread; it ends when the last handle is dropped.
    pub(crate) fn start(
        store: Arc<Store>,
        subscribers: Arc<Subscribers>,
        max_log_bytes: u64,
    ) -> Self {
        let (queue, mut requests) = mpsc::channel::<Request>(BATCH * 16);
        std::thread::Builder::new()
            .name("relay-writer".into())
            .spawn(move || {
                while let Some(first) = requests.blocking_recv() {
                    let mut batch = vec![first];
                    while batch.len() < BATCH {
                        match requests.try_recv() {
                            Ok(next) => batch.push(next),
                            Err(_) => break,
                        }
                    }
                    let appends: Vec<(DocId, &[u8], &[u8])> = batch
                        .iter()
                        .map(|r| (r.doc, r.payload.as_slice(), r.proof.as_slice()))
                        .collect();
                    match store.append_batch(&appends, max_log_bytes) {
                        Ok(results) => {
                            for (request, result) in batch.into_iter().zip(results) {
                                if let Ok(seq) = result {
                                    subscribers.publish(
                                        request.doc,
                                        Live::Entry {
                                            doc: request.doc,
                                            seq,
                                            payload: request.payload,
                                            proof: request.proof,
                                        },
                                    );
                                }
                                let _ = request.reply.send(result);
                            }
                        }
                        Err(err) => {
                            tracing::error!(%err, "a batch of appends failed");
                            let message = err.to_string();
                            for request in batch {
                                let _ =
                                    request.reply.send(Err(StoreError::Failed(message.clone())));
                            }
                        }
                    }
                }
            })
            .expect("the relay can start a thread");
        Self { queue }
    }

    /// Appends `payload` (with its writer's `proof`) to `doc`'s log; returns once it is
    /// durable.
    pub(crate) async fn append(
        &self,
        doc: DocId,
        payload: Vec<u8>,
        proof: Vec<u8>,
    ) -> Result<u64, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Request {
                doc,
                payload,
                proof,
                reply,
            })
            .await
            .map_err(|_| StoreError::Failed("the writer stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Failed("the writer stopped".into()))?
    }

    /// Why appends cannot go through now, if they cannot: the writer thread ended, or its
    /// queue is full (the disk is not keeping up).
    pub(crate) fn trouble(&self) -> Option<&'static str> {
        if self.queue.is_closed() {
            Some("the writer thread has stopped")
        } else if self.queue.capacity() == 0 {
            Some("the writer's queue is full")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trouble_names_a_stopped_writer_and_a_full_queue() {
        let (queue, requests) = mpsc::channel::<Request>(1);
        let writer = Writer { queue };
        assert_eq!(writer.trouble(), None);
        let (reply, _answer) = oneshot::channel();
        writer
            .queue
            .try_send(Request {
                doc: DocId([1; 32]),
                payload: Vec::new(),
                proof: Vec::new(),
                reply,
            })
            .unwrap();
        assert_eq!(writer.trouble(), Some("the writer's queue is full"));
        drop(requests);
        assert_eq!(writer.trouble(), Some("the writer thread has stopped"));
    }
}
