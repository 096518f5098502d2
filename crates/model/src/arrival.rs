//! Changes from others, handed to Automerge only once it can apply them safely.
//!
//! Automerge 0.12 applies a received change once every change it depends on is in the
//! document, and trusts the rest: a change that names a device (an actor) it has not
//! learnt from that device's first change, skips a sequence number, acts on an object or
//! after a list element that is not there, or makes a kind of object it does not index,
//! makes it panic (`op_set2/change/batch.rs`, `change_graph.rs`), which in the browser
//! ends the app, and at every start if the change was stored. Its writer never makes such
//! a change. So received changes wait here, outside Automerge, until every change they
//! depend on is in; each is then checked against what the document holds by then (and
//! against what Automerge's writer always keeps: an operation refers only to operations
//! numbered below it), and Automerge gets only changes that pass, in an order it applies
//! at once: its own queue stays empty. A change that fails is refused with its input, or,
//! if it waited (or was stored), dropped with every change after it.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};

use automerge::legacy::{ElementId, Key, ObjectId, OpId, OpType};
use automerge::{ActorId, AutoCommit, Change, ChangeHash, ObjId, ObjType};

use crate::bounds::{self, Unbounded};
use crate::{Error, Result};

/// What a space holds of received changes beside its document.
#[derive(Clone, Debug, Default)]
pub(crate) struct Arrivals {
    /// Changes that wait for changes that have not arrived.
    waiting: Vec<Change>,
    /// Changes refused when they could have applied: they, and every change after them,
    /// never will.
    refused: HashSet<ChangeHash>,
    /// The last sequence number of each device with a change in the document, once read.
    seqs: Option<HashMap<ActorId, u64>>,
}

/// The changes in Automerge bytes (changes and whole documents, one after another), in the
/// order they come, but for a document's changes that lie before `heads` (which a document
/// holding `heads` has). The bytes must have passed [`bounds::check`].
pub(crate) fn decode(bytes: &[u8], heads: &[ChangeHash]) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    for chunk in bounds::chunks(bytes)? {
        if chunk.get(8) == Some(&0) {
            // A whole document (a snapshot): Automerge reads it on its own (it names its
            // actors in a table of its own) and gives back its changes.
            let mut doc = AutoCommit::load(chunk).map_err(Error::unreadable)?;
            let have: Vec<ChangeHash> = heads
                .iter()
                .filter(|head| doc.get_change_meta_by_hash(head).is_some())
                .copied()
                .collect();
            changes.extend(doc.get_changes(&have));
        } else {
            let change = Change::try_from(chunk).map_err(|_| {
                Error::Unbounded(Unbounded::Malformed("a change that does not read"))
            })?;
            // As Automerge's own reader does: the chunk's checksum is the start of the
            // change's hash (of the change inflated, for a compressed one).
            if chunk.get(4..8) != Some(&change.hash().0[..4]) {
                return Err(Error::Unbounded(Unbounded::Malformed(
                    "a change whose checksum does not match",
                )));
            }
            changes.push(change);
        }
    }
    Ok(changes)
}

impl Arrivals {
    /// Sorts `incoming` and the changes waiting from before against `doc`: returns those
    /// whose dependencies are all in (in the document or among these) that pass the
    /// checks, in an order Automerge applies at once, and what this holds after them (to
    /// keep once they are applied). A change that fails is refused: if it is incoming and
    /// `strict`, with the whole input; otherwise it is dropped, with the changes after it.
    pub(crate) fn sort(
        &self,
        doc: &mut AutoCommit,
        incoming: Vec<Change>,
        strict: bool,
    ) -> Result<(Vec<Change>, Arrivals)> {
        let mut refused = self.refused.clone();
        let mut candidates: Vec<(Change, bool)> = Vec::new();
        let mut index: HashMap<ChangeHash, usize> = HashMap::new();
        let before = self.waiting.iter().map(|change| (change.clone(), false));
        for (change, is_new) in before.chain(incoming.into_iter().map(|change| (change, strict))) {
            let hash = change.hash();
            if index.contains_key(&hash) || doc.get_change_meta_by_hash(&hash).is_some() {
                continue;
            }
            if refused.contains(&hash) || change.deps().iter().any(|dep| refused.contains(dep)) {
                if is_new {
                    return Err(unsafe_change());
                }
                refused.insert(hash);
                continue;
            }
            index.insert(hash, candidates.len());
            candidates.push((change, is_new));
        }

        // Kahn's order: a change is ready when the last change it depends on is.
        let mut blocked = vec![0usize; candidates.len()];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); candidates.len()];
        for (i, (change, _)) in candidates.iter().enumerate() {
            for dep in change.deps() {
                if let Some(&j) = index.get(dep) {
                    blocked[i] += 1;
                    dependents[j].push(i);
                } else if doc.get_change_meta_by_hash(dep).is_none() {
                    // Missing: it waits until that change comes.
                    blocked[i] += 1;
                }
            }
        }
        let mut queue: VecDeque<usize> =
            (0..candidates.len()).filter(|&i| blocked[i] == 0).collect();

        let mut seqs = self.seqs.clone().unwrap_or_else(|| last_seqs(doc));
        // The device's own latest change may be newer than what was read (its edits).
        if let Some(own) = doc.get_last_local_change() {
            seqs.insert(own.actor_id().clone(), own.seq());
        }
        let mut known = Known::new(seqs);
        // Each candidate's devices' last sequence numbers among the candidates before it.
        let mut clocks: Vec<HashMap<ActorId, u64>> = vec![HashMap::new(); candidates.len()];
        let mut done = vec![false; candidates.len()];
        let mut ready = Vec::new();
        while let Some(i) = queue.pop_front() {
            let (change, is_new) = &candidates[i];
            done[i] = true;
            if !known.fits(doc, change, &clocks[i]) {
                if *is_new {
                    return Err(unsafe_change());
                }
                // Nothing after it can apply either.
                let mut doomed = vec![i];
                while let Some(d) = doomed.pop() {
                    refused.insert(candidates[d].0.hash());
                    done[d] = true;
                    doomed.extend(dependents[d].iter().filter(|&&j| !done[j]));
                }
                continue;
            }
            known.learn(change);
            ready.push(i);
            let mut clock = clocks[i].clone();
            clock.insert(change.actor_id().clone(), change.seq());
            for &j in &dependents[i] {
                for (actor, seq) in &clock {
                    let at = clocks[j].entry(actor.clone()).or_default();
                    *at = (*at).max(*seq);
                }
                blocked[j] -= 1;
                if blocked[j] == 0 {
                    queue.push_back(j);
                }
            }
        }
        let mut slots: Vec<Option<Change>> = candidates
            .into_iter()
            .map(|(change, _)| Some(change))
            .collect();
        let ready = ready.iter().filter_map(|&i| slots[i].take()).collect();
        let waiting = slots
            .into_iter()
            .zip(done)
            .filter(|(_, done)| !done)
            .filter_map(|(change, _)| change)
            .collect();
        let next = Arrivals {
            waiting,
            refused,
            seqs: Some(known.seqs),
        };
        Ok((ready, next))
    }

    /// The changes that received changes wait for: their dependencies that are neither in
    /// the document nor waiting themselves.
    pub(crate) fn missing(&self, doc: &mut AutoCommit) -> Vec<ChangeHash> {
        let held: HashSet<ChangeHash> = self.waiting.iter().map(Change::hash).collect();
        let mut missing: Vec<ChangeHash> = self
            .waiting
            .iter()
            .flat_map(|change| change.deps())
            .filter(|dep| !held.contains(dep) && !self.refused.contains(dep))
            .copied()
            .collect();
        missing.sort();
        missing.dedup();
        missing.retain(|dep| doc.get_change_meta_by_hash(dep).is_none());
        missing
    }

    /// The changes needed to reach `heads` (another device's): those of them, and of the
    /// changes waiting on the way to them, that are neither in the document nor waiting
    /// nor refused. As Automerge's sync asks for what its own queue waits for, but only
    /// on the way to that device's heads: what waits for another device's changes is not
    /// this one's to give.
    pub(crate) fn missing_toward(
        &self,
        doc: &mut AutoCommit,
        heads: &[ChangeHash],
    ) -> Vec<ChangeHash> {
        let held: HashMap<ChangeHash, &Change> = self
            .waiting
            .iter()
            .map(|change| (change.hash(), change))
            .collect();
        let mut missing = Vec::new();
        let mut seen = HashSet::new();
        let mut stack = heads.to_vec();
        while let Some(hash) = stack.pop() {
            if !seen.insert(hash)
                || self.refused.contains(&hash)
                || doc.get_change_meta_by_hash(&hash).is_some()
            {
                continue;
            }
            match held.get(&hash) {
                Some(change) => stack.extend(change.deps()),
                None => missing.push(hash),
            }
        }
        missing.sort();
        missing
    }

    /// The changes waiting, as Automerge bytes (what a whole save holds beside the
    /// document, as Automerge's own save held its queue).
    pub(crate) fn waiting_bytes(&self) -> Vec<u8> {
        self.waiting
            .iter()
            .flat_map(|change| change.raw_bytes().to_vec())
            .collect()
    }

    /// Forgets the sequence numbers read (the document took in changes another way).
    pub(crate) fn forget_seqs(&mut self) {
        self.seqs = None;
    }
}

fn unsafe_change() -> Error {
    Error::Unbounded(Unbounded::Malformed(
        "a change that builds on something none of the changes before it made",
    ))
}

/// The last sequence number of each device with a change in `doc`.
fn last_seqs(doc: &mut AutoCommit) -> HashMap<ActorId, u64> {
    let mut seqs = HashMap::new();
    for meta in doc.get_changes_meta(&[]) {
        let seq = seqs.entry(meta.actor.into_owned()).or_default();
        *seq = meta.seq.max(*seq);
    }
    seqs
}

/// Where an operation acts: its object, its key, and whether it inserts an element.
type Place = (ObjectId, Key, bool);

/// What Automerge knows by the time it applies a change, beyond what the document holds
/// (which is asked of it): each device's last sequence number, and the objects and
/// elements made in the changes taken so far.
struct Known {
    /// Each device's last sequence number in the document.
    doc_seqs: HashMap<ActorId, u64>,
    /// And after the changes taken so far.
    seqs: HashMap<ActorId, u64>,
    /// Objects made in the changes taken so far, by id, with their kind.
    made: HashMap<(u64, ActorId), ObjType>,
    /// The operations of the changes taken so far, by id: their object, key, and whether
    /// they insert an element.
    ops: HashMap<(u64, ActorId), Place>,
    /// What the document's changes asked about hold: their first operation number, device,
    /// and for each operation its object, key, and whether it inserts.
    asked: HashMap<ChangeHash, (u64, ActorId, Vec<Place>)>,
}

impl Known {
    fn new(seqs: HashMap<ActorId, u64>) -> Self {
        Self {
            doc_seqs: seqs.clone(),
            seqs,
            made: HashMap::new(),
            ops: HashMap::new(),
            asked: HashMap::new(),
        }
    }

    /// Whether Automerge can apply `change` now; `clock` holds the last sequence number
    /// of each device among the changes taken before it that it depends on.
    fn fits(
        &mut self,
        doc: &mut AutoCommit,
        change: &Change,
        clock: &HashMap<ActorId, u64>,
    ) -> bool {
        self.next_in_sequence(change, clock)
            && self.devices_known(doc, change)
            && self.operations_fit(doc, change)
    }

    /// The change is its device's next, after the device's change before it (which, if it
    /// is among the changes taken with it, it depends on: Automerge orders those its own
    /// way); only a device's first change names who made it. (Automerge asserts each.)
    fn next_in_sequence(&self, change: &Change, clock: &HashMap<ActorId, u64>) -> bool {
        let actor = change.actor_id();
        let seq = change.seq();
        let next = self.seqs.get(actor).copied().unwrap_or(0) + 1 == seq;
        let in_doc = self.doc_seqs.get(actor).copied().unwrap_or(0);
        let after_its_last = seq <= in_doc + 1 || clock.get(actor) == Some(&(seq - 1));
        next && after_its_last && (change.author().is_none() || seq == 1)
    }

    /// Every device the change names is known: its own from its first change (this one, if
    /// its sequence number is 1), the others from a change before it. (Automerge looks
    /// each up in the document's table of devices, as `import_obj` does.)
    fn devices_known(&self, doc: &AutoCommit, change: &Change) -> bool {
        let own = (change.seq() == 1).then(|| change.actor_id());
        change
            .actors()
            .filter(|actor| Some(*actor) != own)
            .all(|actor| {
                self.seqs.get(actor).is_some_and(|&seq| seq > 0)
                    || doc.import_obj(&format!("1@{actor}")).is_ok()
            })
    }

    /// Every operation is one the app writes (a map, list or text made, a value put, a
    /// value deleted), refers only to operations numbered below it, and acts on an object
    /// that is there by then (the root, made before, or made earlier in the change) with a
    /// key of a kind the object takes: a name in a map; in a list or text, the start (only
    /// to insert) or an element inserted in that object. What it overwrites (its
    /// predecessors) are operations at the same place: the same name of the same map, or
    /// the same element (its insertion, or values put on it since); an insertion
    /// overwrites nothing. Notes what the change makes.
    fn operations_fit(&mut self, doc: &mut AutoCommit, change: &Change) -> bool {
        let author = change.actor_id();
        let mut made = HashMap::new();
        let mut ops = HashMap::new();
        let expanded = change.decode();
        for (at, op) in (change.start_op().get()..).zip(expanded.operations.clone()) {
            let written = matches!(
                op.action,
                OpType::Make(ObjType::Map | ObjType::List | ObjType::Text)
                    | OpType::Put(_)
                    | OpType::Delete
            );
            // Numbered below it, and not 0 (which only the root is).
            let below = |id: &OpId| id.0 > 0 && id.0 < at;
            let refs_below = op.pred.iter().all(below)
                && match &op.obj {
                    ObjectId::Root => true,
                    ObjectId::Id(id) => below(id),
                }
                && match &op.key {
                    Key::Seq(ElementId::Id(id)) => below(id),
                    _ => true,
                };
            // Only a new element (put or made) inserts; a deletion never does.
            let inserts_fit = !op.insert || !matches!(op.action, OpType::Delete);
            if !written || !refs_below || !inserts_fit {
                return false;
            }
            let obj = match &op.obj {
                ObjectId::Root => None,
                ObjectId::Id(OpId(counter, actor)) => Some((*counter, actor.clone())),
            };
            // The object's kind.
            let kind = match &obj {
                None => Some(ObjType::Map),
                Some(id) => made
                    .get(id)
                    .or_else(|| self.made.get(id))
                    .copied()
                    .or_else(|| {
                        let (_, kind) = doc.import(&format!("{}@{}", id.0, id.1)).ok()?;
                        Some(kind)
                    }),
            };
            let key_fits = match (kind, &op.key) {
                (Some(ObjType::Map), Key::Map(_)) => !op.insert,
                (Some(ObjType::List | ObjType::Text), Key::Seq(ElementId::Head)) => op.insert,
                (Some(ObjType::List | ObjType::Text), Key::Seq(ElementId::Id(element))) => self
                    .op(doc, &ops, element)
                    .is_some_and(|(of, _, insert)| insert && of == op.obj),
                _ => false,
            };
            let preds_fit = if op.insert {
                op.pred.is_empty()
            } else {
                op.pred.iter().all(|pred| {
                    self.op(doc, &ops, pred).is_some_and(|(of, key, insert)| {
                        of == op.obj
                            && match &op.key {
                                Key::Seq(ElementId::Id(element)) => {
                                    (insert && pred == element) || (!insert && key == op.key)
                                }
                                _ => !insert && key == op.key,
                            }
                    })
                })
            };
            if !key_fits || !preds_fit {
                return false;
            }
            if let OpType::Make(kind) = op.action {
                made.insert((at, author.clone()), kind);
            }
            ops.insert((at, author.clone()), (op.obj, op.key, op.insert));
        }
        // Exactly what Automerge's writer makes of what the change says: its reader makes
        // some stored forms alike that its apply keeps apart (an object numbered 0 of any
        // device reads as the root), so the checks above would judge another change than
        // the one applied. (Only operations the app writes get here, which encode.)
        if Change::from(expanded).raw_bytes() != change.raw_bytes() {
            return false;
        }
        self.made.extend(made);
        self.ops.extend(ops);
        true
    }

    /// The object, key and insertion flag of operation `id`: made in this change
    /// (`here`), in a change taken before it, or in the document (read from the change
    /// that made it, each such change read once).
    fn op(
        &mut self,
        doc: &mut AutoCommit,
        here: &HashMap<(u64, ActorId), Place>,
        id: &OpId,
    ) -> Option<Place> {
        let key = (id.0, id.1.clone());
        if let Some(found) = here.get(&key).or_else(|| self.ops.get(&key)) {
            return Some(found.clone());
        }
        let Ok(exid @ ObjId::Id(..)) = doc.import_obj(&format!("{}@{}", id.0, id.1)) else {
            return None;
        };
        let hash = doc.hash_for_opid(&exid)?;
        if let Entry::Vacant(slot) = self.asked.entry(hash) {
            let change = doc.get_change_by_hash(&hash)?;
            let ops = change
                .decode()
                .operations
                .into_iter()
                .map(|op| (op.obj, op.key, op.insert))
                .collect();
            slot.insert((change.start_op().get(), change.actor_id().clone(), ops));
        }
        let (start, actor, ops) = self.asked.get(&hash)?;
        if *actor != id.1 {
            return None;
        }
        let at = usize::try_from(id.0.checked_sub(*start)?).ok()?;
        ops.get(at).cloned()
    }

    fn learn(&mut self, change: &Change) {
        self.seqs.insert(change.actor_id().clone(), change.seq());
    }
}
