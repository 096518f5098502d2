//! Group commit: appends from every connection go to one writer task, which stores
//! whatever has queued up in one transaction, so one disk sync makes many appends
//! durable. Each append is answered only after its transaction committed.
//!
//! The writer hands each new entry to the fan-out ([`crate::fanout`]) right after the
//! commit and in the order of the sequence numbers, which passes it to the document's
//! subscribers.

use std::sync::Arc;

use landsbyplan_sync::DocId;
use tokio::sync::{mpsc, oneshot};

use crate::fanout::Written;
use crate::store::{Store, StoreError, Stored};

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
    /// Starts the writer task; it ends when the last handle is dropped.
    pub(crate) fn start(
        store: Arc<dyn Store>,
        fanout: mpsc::UnboundedSender<Written>,
        max_log_bytes: u64,
    ) -> Self {
        let (queue, mut requests) = mpsc::channel::<Request>(BATCH * 16);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            while requests.recv_many(&mut batch, BATCH).await > 0 {
                let (appends, replies): (Vec<_>, Vec<_>) = batch
                    .drain(..)
                    .map(|r| ((r.doc, r.payload, r.proof), r.reply))
                    .unzip();
                let appends = Arc::new(appends);
                let outcome = store
                    .append_batch(Arc::clone(&appends), max_log_bytes)
                    .await;
                // The store let go of the batch when it was done with it.
                let appends = Arc::try_unwrap(appends).unwrap_or_else(|kept| (*kept).clone());
                match outcome {
                    Ok(results) => {
                        for (((doc, payload, proof), reply), result) in
                            appends.into_iter().zip(replies).zip(results)
                        {
                            if let Ok(seq) = result {
                                let entry = Stored {
                                    seq,
                                    payload,
                                    proof,
                                };
                                let _ = fanout.send(Written::Committed { doc, entry });
                            }
                            let _ = reply.send(result);
                        }
                    }
                    Err(err) => {
                        tracing::error!(%err, "a batch of appends failed");
                        // It may have been stored all the same (a connection lost as the
                        // database committed): its documents are read on from the store.
                        let mut docs: Vec<DocId> = appends.iter().map(|(doc, _, _)| *doc).collect();
                        docs.sort_unstable();
                        docs.dedup();
                        let _ = fanout.send(Written::Unsure(docs));
                        let message = err.to_string();
                        for reply in replies {
                            let _ = reply.send(Err(StoreError::Failed(message.clone())));
                        }
                    }
                }
            }
        });
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

    /// Why appends cannot go through now, if they cannot: the writer task ended, or its
    /// queue is full (the store is not keeping up).
    pub(crate) fn trouble(&self) -> Option<&'static str> {
        if self.queue.is_closed() {
            Some("the writer has stopped")
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
        assert_eq!(writer.trouble(), Some("the writer has stopped"));
    }
}
