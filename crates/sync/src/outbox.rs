//! What a device still owes the relay for one space, derived from durable facts rather
//! than from a queue in memory (issue 10: an edit made offline before an offline reload
//! was never shared).
//!
//! The durable fact is the space's *shared heads*: every change in their causal past is
//! known to be on the relay, because the relay acknowledged it or sent it. It is stored
//! beside the space; on every start the device sends everything after it (Automerge's
//! `save_after(shared)`), so a reload, a crash, a closed tab or an offline start cannot
//! strand an edit. Claiming too little only costs a resend, which Automerge ignores.
//! Heads the document does not know are ignored by `save_after`, so a stale claim after
//! a lost write also only costs a resend.

use crate::payload::Hash;

/// The shared heads of one space and the heads after its latest local change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outbox {
    shared: Vec<Hash>,
    last_local: Option<Vec<Hash>>,
    /// Changes the relay sent since the shared heads last moved (see
    /// [`Outbox::held_by_relay`]); at most [`MOST_SEEN`].
    seen: Vec<Hash>,
}

/// The most changes [`Outbox::held_by_relay`] remembers.
const MOST_SEEN: usize = 10_000;

impl Outbox {
    /// The outbox of a space whose stored shared heads are `shared`.
    pub fn new(shared: Vec<Hash>) -> Self {
        Self {
            shared: sorted(shared),
            last_local: None,
            seen: Vec::new(),
        }
    }

    /// The shared heads: send everything after these.
    pub fn shared(&self) -> &[Hash] {
        &self.shared
    }

    /// A local change (or the bundle of everything unshared at start) was handed to sync;
    /// `heads` are the document's heads right after it.
    pub fn local(&mut self, heads: Vec<Hash>) {
        self.last_local = Some(sorted(heads));
    }

    /// The relay confirmed every local change through the one made at `heads`; `current`
    /// are the document's heads now. Returns the new shared heads if they moved (store
    /// them).
    ///
    /// If no local change came after it, everything else in the document came from the
    /// relay, so all of `current` is shared; otherwise only `heads` are.
    pub fn confirmed(&mut self, heads: Vec<Hash>, current: Vec<Hash>) -> Option<Vec<Hash>> {
        let heads = sorted(heads);
        let new = if self.last_local.as_ref() == Some(&heads) {
            sorted(current)
        } else {
            heads
        };
        self.set(new)
    }

    /// Changes from the relay were applied, moving the document from heads `before` to
    /// `after`. If nothing was unshared before, nothing is after. Returns the new shared
    /// heads if they moved.
    pub fn received(&mut self, before: Vec<Hash>, after: Vec<Hash>) -> Option<Vec<Hash>> {
        if sorted(before) == self.shared {
            self.set(sorted(after))
        } else {
            None
        }
    }

    /// The relay sent changes `held` (it holds them, and what they build on): once
    /// those it sent since the shared heads last moved, and the shared heads, cover every
    /// one of the `current` heads, all of it is shared. What a device got from a peer
    /// and then from the relay is not sent again.
    pub fn held_by_relay(&mut self, held: &[Hash], current: Vec<Hash>) -> Option<Vec<Hash>> {
        if self.seen.len() + held.len() > MOST_SEEN {
            self.seen.clear();
        }
        self.seen.extend_from_slice(held);
        let covered = current
            .iter()
            .all(|head| self.seen.contains(head) || self.shared.contains(head));
        if covered {
            self.set(sorted(current))
        } else {
            None
        }
    }

    /// The relay lost what it had: nothing is known to be shared any more.
    pub fn forget(&mut self) -> Vec<Hash> {
        self.shared.clear();
        Vec::new()
    }

    fn set(&mut self, new: Vec<Hash>) -> Option<Vec<Hash>> {
        self.seen.clear();
        (new != self.shared).then(|| {
            self.shared = new.clone();
            new
        })
    }
}

fn sorted(mut heads: Vec<Hash>) -> Vec<Hash> {
    heads.sort_unstable();
    heads.dedup();
    heads
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirmed_latest_local_change_shares_everything_received_meanwhile() {
        let mut outbox = Outbox::new(vec![[1; 32]]);
        outbox.local(vec![[2; 32]]);
        assert_eq!(
            outbox.confirmed(vec![[2; 32]], vec![[3; 32], [2; 32]]),
            Some(vec![[2; 32], [3; 32]])
        );
    }

    #[test]
    fn a_confirmed_older_change_shares_only_up_to_itself() {
        let mut outbox = Outbox::new(Vec::new());
        outbox.local(vec![[2; 32]]);
        outbox.local(vec![[4; 32]]);
        assert_eq!(
            outbox.confirmed(vec![[2; 32]], vec![[4; 32]]),
            Some(vec![[2; 32]])
        );
        assert_eq!(outbox.shared(), [[2; 32]]);
    }

    #[test]
    fn what_the_relay_sent_is_remembered_up_to_a_bound() {
        let mut outbox = Outbox::new(vec![[1; 32]]);
        let head = [2; 32];
        assert_eq!(outbox.held_by_relay(&[head], vec![head, [3; 32]]), None);
        // Past the bound, what was seen is forgotten: the head seen first no longer
        // counts (the device then sends it again, which costs only bytes).
        let many: Vec<Hash> = (0..MOST_SEEN as u32)
            .map(|n| {
                let mut hash = [9; 32];
                hash[..4].copy_from_slice(&n.to_le_bytes());
                hash
            })
            .collect();
        assert_eq!(outbox.held_by_relay(&many, vec![head, [3; 32]]), None);
        assert_eq!(outbox.held_by_relay(&[[3; 32]], vec![head, [3; 32]]), None);
        assert!(outbox.seen.len() <= MOST_SEEN);
        // Within the bound it counts.
        assert_eq!(
            outbox.held_by_relay(&[head], vec![head, [3; 32]]),
            Some(vec![head, [3; 32]])
        );
    }

    #[test]
    fn changes_the_relay_sent_that_cover_the_heads_make_them_shared() {
        let mut outbox = Outbox::new(vec![[1; 32]]);
        // Heads 2 and 3 came from peers; the relay sends 2 only: not yet.
        assert_eq!(
            outbox.held_by_relay(&[[2; 32]], vec![[3; 32], [2; 32]]),
            None
        );
        assert_eq!(outbox.shared(), [[1; 32]]);
        // Then 3 (with 4, which came before it): both heads are on the relay.
        assert_eq!(
            outbox.held_by_relay(&[[4; 32], [3; 32]], vec![[3; 32], [2; 32]]),
            Some(vec![[2; 32], [3; 32]])
        );
        // What was seen counts only until the shared heads move.
        assert_eq!(outbox.held_by_relay(&[], vec![[4; 32]]), None);
        // A head that is shared already counts.
        assert_eq!(
            outbox.held_by_relay(&[[5; 32]], vec![[2; 32], [5; 32]]),
            Some(vec![[2; 32], [5; 32]])
        );
    }

    #[test]
    fn received_changes_are_shared_only_when_nothing_local_waits() {
        let mut outbox = Outbox::new(vec![[1; 32]]);
        assert_eq!(
            outbox.received(vec![[1; 32]], vec![[5; 32]]),
            Some(vec![[5; 32]])
        );
        // A local change [6] waits: the document's heads differ from the shared ones.
        assert_eq!(outbox.received(vec![[6; 32]], vec![[6; 32], [7; 32]]), None);
        assert_eq!(outbox.shared(), [[5; 32]]);
    }

    #[test]
    fn forgetting_shares_nothing() {
        let mut outbox = Outbox::new(vec![[1; 32]]);
        assert!(outbox.forget().is_empty());
        assert!(outbox.shared().is_empty());
    }
}
