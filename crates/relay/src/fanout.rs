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

/// What the relay's own writer did.
pub(crate) enum Written {
    /// It committed `entry` to `doc`'s log.
    Committed { doc: DocId, entry: Stored },
    /// A batch to these documents failed, and may have been stored all the same.
    Unsure(Vec<DocId>),
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

/// Starts the task that passes entries on; it ends when the writer's sender is gone.
pub(crate) fn start(
    store: Arc<dyn Store>,
    subscribers: Arc<Subscribers>,
    hints: Option<Arc<dyn Hints>>,
) -> mpsc::UnboundedSender<Written> {
    let (committed, from_writer) = mpsc::unbounded_channel::<Written>();
    let (heard, from_bus) = mpsc::unbounded_channel::<Heard>();
    if let Some(hints) = hints {
        hints.start(heard);
    } else {
        drop(heard);
    }
    let fanout = Fanout {
        store,
        subscribers,
        wanted: HashMap::new(),
    };
    tokio::spawn(fanout.run(from_writer, from_bus));
    committed
}

/// `through` for a document whose every new entry is wanted (after the bus came back).
const ALL: u64 = u64::MAX;

struct Fanout {
    store: Arc<dyn Store>,
    subscribers: Arc<Subscribers>,
    /// Documents to read on from the last entry passed, each through the number given
    /// (or [`ALL`]): what came out of turn or from other relays.
    wanted: HashMap<DocId, u64>,
}

impl Fanout {
    async fn run(
        mut self,
        mut from_writer: mpsc::UnboundedReceiver<Written>,
        mut from_bus: mpsc::UnboundedReceiver<Heard>,
    ) {
        let mut bus_open = true;
        // After a failed read (the store unreachable), wait a moment before the next.
        let mut pause = false;
        loop {
            if pause {
                tokio::time::sleep(Duration::from_secs(1)).await;
                pause = false;
            }
            // Wait for something, then take whatever else came meanwhile, so the reads
            // for many hints go in one.
            tokio::select! {
                next = from_writer.recv() => match next {
                    Some(written) => self.written(written),
                    None => return,
                },
                next = from_bus.recv(), if bus_open => match next {
                    Some(heard) => self.heard(heard),
                    None => bus_open = false,
                },
                () = std::future::ready(()), if !self.wanted.is_empty() => {}
            }
            while let Ok(written) = from_writer.try_recv() {
                self.written(written);
            }
            while let Ok(heard) = from_bus.try_recv() {
                self.heard(heard);
            }
            if !self.wanted.is_empty()
                && let Err(err) = self.read_on().await
            {
                tracing::warn!(%err, "could not read new entries to pass on; trying again");
                pause = true;
            }
        }
    }

    /// An entry the writer committed: passed on now if it is the next, else read on; the
    /// documents of a batch that may or may not be stored: read on.
    fn written(&mut self, written: Written) {
        let (doc, entry) = match written {
            Written::Committed { doc, entry } => (doc, entry),
            Written::Unsure(docs) => {
                for doc in docs {
                    if self.subscribers.passed(&doc).is_some() {
                        self.wanted.insert(doc, ALL);
                    }
                }
                return;
            }
        };
        let Some(passed) = self.subscribers.passed(&doc) else {
            return;
        };
        if let Some(through) = self.wanted.get_mut(&doc) {
            // Earlier entries are being read: this one comes with them, in order.
            *through = (*through).max(entry.seq);
        } else if entry.seq == passed + 1 {
            self.subscribers.pass(doc, entry);
        } else if entry.seq > passed {
            self.wanted.insert(doc, entry.seq);
        }
    }

    fn heard(&mut self, heard: Heard) {
        match heard {
            Heard::Appended { doc, seq } => {
                if self
                    .subscribers
                    .passed(&doc)
                    .is_some_and(|passed| seq > passed)
                {
                    let through = self.wanted.entry(doc).or_default();
                    *through = (*through).max(seq);
                }
            }
            Heard::Signal {
                doc,
                from,
                to,
                data,
            } => self.subscribers.signal(
                doc,
                Live::Signal {
                    doc,
                    from,
                    to,
                    data,
                },
            ),
            Heard::Reconnected => {
                for doc in self.subscribers.followed() {
                    self.wanted.insert(doc, ALL);
                }
            }
        }
    }

    /// Reads the wanted documents' entries from the store, all in one read (a page at a
    /// time), and passes them on in order.
    async fn read_on(&mut self) -> Result<(), StoreError> {
        while !self.wanted.is_empty() {
            let mut asked = Vec::with_capacity(self.wanted.len());
            for (doc, through) in std::mem::take(&mut self.wanted) {
                if let Some(passed) = self.subscribers.passed(&doc)
                    && passed < through
                {
                    asked.push((doc, passed, through));
                }
            }
            // Where each document stood when asked: one whose followers all left and came
            // back meanwhile starts again elsewhere, and its rows say nothing of a gap.
            let stood: HashMap<DocId, u64> = asked
                .iter()
                .map(|(doc, passed, _)| (*doc, *passed))
                .collect();
            if asked.is_empty() {
                return Ok(());
            }
            let (found, more) = match self.store.entries_after(asked.clone(), PAGE_BYTES).await {
                Ok(found) => found,
                Err(err) => {
                    // Asked again after a pause.
                    for (doc, _, through) in asked {
                        self.wanted.insert(doc, through);
                    }
                    return Err(err);
                }
            };
            let mut gone = HashSet::new();
            for (doc, entry) in found {
                match self.subscribers.passed(&doc) {
                    Some(passed) if entry.seq == passed + 1 => self.subscribers.pass(doc, entry),
                    // Entries between are no longer kept (a snapshot covers them).
                    Some(passed) if entry.seq > passed && !gone.contains(&doc) => {
                        if stood.get(&doc) == Some(&passed) {
                            gone.insert(doc);
                        } else {
                            self.wanted.insert(doc, ALL);
                        }
                    }
                    _ => {}
                }
            }
            for (doc, _, through) in asked {
                let Some(passed) = self.subscribers.passed(&doc) else {
                    continue;
                };
                // One to read again from where it stands now is left as it is.
                let std::collections::hash_map::Entry::Vacant(again) = self.wanted.entry(doc)
                else {
                    continue;
                };
                if gone.contains(&doc) {
                    self.subscribers.behind(&doc);
                } else if more {
                    // Left out for the budget, perhaps: asked again.
                    if passed < through {
                        again.insert(through);
                    }
                } else if through != ALL && passed < through {
                    // Hinted at, yet not kept any more.
                    self.subscribers.behind(&doc);
                }
            }
        }
        Ok(())
    }
}
