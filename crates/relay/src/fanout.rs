//! Passing entries to the subscribers of their documents, in the order of their numbers:
//! a subscriber skips what is at or below what it had, so an entry passed after a later
//! one would never be seen (issue 10).
//!
//! One task does it for the relay, from two sources: the relay's own writer, which hands
//! over each entry right after its commit, and the hints of other relays sharing the
//! store ([`crate::hints`]). Per document followed here it keeps the last number passed
//! on; whatever comes out of turn (an entry past a gap, a hint) is read from the store
//! from that number on, so entries go out in order whichever relay took them.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use landsbyplan_sync::DocId;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::hints::{Heard, Hints};
use crate::store::{Store, StoreError, Stored};
use crate::{Live, Subscriber};

/// Bytes of entries read from the store at a time when catching up.
const PAGE_BYTES: usize = 1 << 20;

/// An entry the relay's own writer committed.
pub(crate) struct Committed {
    pub(crate) doc: DocId,
    pub(crate) entry: Stored,
}

/// A document followed by connections to this relay.
struct Followed {
    /// The last entry passed to its subscribers.
    passed: u64,
    subscribers: HashMap<u64, Subscriber>,
}

/// Every followed document's subscribers.
#[derive(Default)]
pub(crate) struct Subscribers(Mutex<HashMap<DocId, Followed>>);

impl Subscribers {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<DocId, Followed>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds `peer`'s inbox to `doc`'s subscribers. If nobody here followed `doc`, entries
    /// are passed on from after `last`, its log's last number read before this call (the
    /// subscriber's backlog, read after it, holds everything up to there).
    pub(crate) fn subscribe(&self, doc: DocId, peer: u64, subscriber: &Subscriber, last: u64) {
        self.lock()
            .entry(doc)
            .or_insert_with(|| Followed {
                passed: last,
                subscribers: HashMap::new(),
            })
            .subscribers
            .insert(peer, subscriber.clone());
    }

    pub(crate) fn unsubscribe(&self, peer: u64, docs: impl IntoIterator<Item = DocId>) {
        let mut all = self.lock();
        for doc in docs {
            if let Some(followed) = all.get_mut(&doc) {
                followed.subscribers.remove(&peer);
                if followed.subscribers.is_empty() {
                    all.remove(&doc);
                }
            }
        }
    }

    /// Hands a signal to `doc`'s subscribers (or the one it is for); one that does not
    /// fit a full queue is dropped (a device sets up its peer-to-peer link again).
    pub(crate) fn signal(&self, doc: DocId, live: Live) {
        let only = match &live {
            Live::Signal { to, .. } => *to,
            _ => None,
        };
        let live = Arc::new(live);
        if let Some(followed) = self.lock().get_mut(&doc) {
            followed.subscribers.retain(|peer, subscriber| {
                if only.is_some_and(|to| to != *peer) {
                    return true;
                }
                !matches!(
                    subscriber.signals.try_send(Arc::clone(&live)),
                    Err(TrySendError::Closed(_))
                )
            });
        }
    }

    /// The last entry of `doc` passed on, if `doc` is followed here.
    fn passed(&self, doc: &DocId) -> Option<u64> {
        self.lock().get(doc).map(|followed| followed.passed)
    }

    fn followed(&self) -> Vec<DocId> {
        self.lock().keys().copied().collect()
    }

    /// Hands `entry` to every subscriber of `doc`, unless it was passed on already. A
    /// subscriber whose inbox is full is dropped and its connection closes (the device
    /// resumes from its cursor), rather than the relay holding unbounded backlogs.
    fn pass(&self, doc: DocId, entry: Stored) {
        let mut all = self.lock();
        let Some(followed) = all.get_mut(&doc) else {
            return;
        };
        if entry.seq <= followed.passed {
            return;
        }
        followed.passed = entry.seq;
        let live = Arc::new(Live::Entry {
            doc,
            seq: entry.seq,
            payload: entry.payload,
            proof: entry.proof,
        });
        followed.subscribers.retain(|_, subscriber| {
            match subscriber.inbox.try_send(Arc::clone(&live)) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    subscriber.lagged.store(true, Ordering::Relaxed);
                    false
                }
                Err(TrySendError::Closed(_)) => false,
            }
        });
        if followed.subscribers.is_empty() {
            all.remove(&doc);
        }
    }

    /// Closes the connections following `doc`: entries between the last one passed and
    /// the store's are gone (a snapshot covers them), so each device must subscribe
    /// again and be sent the snapshot.
    fn behind(&self, doc: &DocId) {
        if let Some(followed) = self.lock().remove(doc) {
            for subscriber in followed.subscribers.values() {
                subscriber.lagged.store(true, Ordering::Relaxed);
                let _ = subscriber.inbox.try_send(Arc::new(Live::Behind));
            }
        }
    }
}

/// Starts the task that passes entries on; it ends when `committed`'s senders are gone.
pub(crate) fn start(
    store: Arc<dyn Store>,
    subscribers: Arc<Subscribers>,
    hints: Option<Arc<dyn Hints>>,
) -> mpsc::UnboundedSender<Committed> {
    let (committed, mut from_writer) = mpsc::unbounded_channel::<Committed>();
    let (heard, mut from_bus) = mpsc::unbounded_channel::<Heard>();
    if let Some(hints) = hints {
        hints.start(heard);
    } else {
        drop(heard);
    }
    tokio::spawn(async move {
        let fanout = Fanout { store, subscribers };
        // Documents whose catching up failed (the store unreachable), tried again.
        let mut again: HashSet<DocId> = HashSet::new();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut bus_open = true;
        loop {
            tokio::select! {
                next = from_writer.recv() => match next {
                    Some(Committed { doc, entry }) => match fanout.subscribers.passed(&doc) {
                        Some(passed) if entry.seq == passed + 1 => fanout.subscribers.pass(doc, entry),
                        Some(passed) if entry.seq > passed => {
                            let seq = entry.seq;
                            fanout.catch_up(doc, Some(seq), &mut again).await;
                        }
                        _ => {}
                    },
                    None => return,
                },
                next = from_bus.recv(), if bus_open => match next {
                    Some(Heard::Appended { doc, seq }) => {
                        if fanout.subscribers.passed(&doc).is_some_and(|passed| seq > passed) {
                            fanout.catch_up(doc, Some(seq), &mut again).await;
                        }
                    }
                    Some(Heard::Reconnected) => {
                        for doc in fanout.subscribers.followed() {
                            fanout.catch_up(doc, None, &mut again).await;
                        }
                    }
                    None => bus_open = false,
                },
                _ = tick.tick(), if !again.is_empty() => {
                    for doc in std::mem::take(&mut again) {
                        fanout.catch_up(doc, None, &mut again).await;
                    }
                }
            }
        }
    });
    committed
}

struct Fanout {
    store: Arc<dyn Store>,
    subscribers: Arc<Subscribers>,
}

impl Fanout {
    /// Passes on `doc`'s entries from the last one passed through `through` (all there
    /// are if `None`), read from the store; on failure `doc` goes into `again`.
    async fn catch_up(&self, doc: DocId, through: Option<u64>, again: &mut HashSet<DocId>) {
        if let Err(err) = self.read_on(doc, through).await {
            tracing::warn!(%err, "could not read new entries to pass on; trying again");
            again.insert(doc);
        }
    }

    async fn read_on(&self, doc: DocId, through: Option<u64>) -> Result<(), StoreError> {
        loop {
            let Some(passed) = self.subscribers.passed(&doc) else {
                return Ok(());
            };
            if through.is_some_and(|through| passed >= through) {
                return Ok(());
            }
            let page = self
                .store
                .backlog_page(doc, passed, through, PAGE_BYTES)
                .await?;
            if page.snapshot.is_some() {
                self.subscribers.behind(&doc);
                return Ok(());
            }
            let read_all = !page.more || page.entries.is_empty();
            for entry in page.entries {
                self.subscribers.pass(doc, entry);
            }
            if read_all {
                return Ok(());
            }
        }
    }
}
