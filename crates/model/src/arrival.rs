//! Changes from others, handed to Automerge only once it can apply them safely.
//!
//! Automerge applies a change once every change it depends on is in the document, and it
//! learns an actor (a device) only from that actor's first change. It does not check that
//! a change names only actors it has learnt: a change that names another makes it panic
//! (automerge 0.12, `import_ops`), which in the browser ends the app, and at every start if
//! the change was stored. Its writer never writes such a change: a change names the actors
//! whose operations it builds on, and those came in changes before it. So received
//! changes wait here, outside Automerge, until every change they depend on is in; each is
//! then checked against the actors the document knows by then, and Automerge gets only
//! changes that pass, in an order it applies at once (its own queue stays empty).

use std::collections::{HashMap, HashSet, VecDeque};

use automerge::legacy::{ElementId, Key, ObjectId, OpId, OpType};
use automerge::{ActorId, AutoCommit, Change, ChangeHash, Cursor, ObjType, ReadDoc};

use crate::bounds::{self, Unbounded};
use crate::{Error, Result};

/// What [`sort`] found in the changes it was given.
#[derive(Debug, Default)]
pub(crate) struct Sorted {
    /// Changes to apply now, each after every change it depends on.
    pub ready: Vec<Change>,
    /// Changes that wait for changes that have not arrived.
    pub waiting: Vec<Change>,
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

/// Sorts the changes `waiting` from before and those `incoming` against `doc`: those
/// whose dependencies are all in (in the document or among these) are ready, in an order
/// Automerge can apply them; the rest wait. A change that would be ready but names an
/// actor the document does not know by then is refused: if it is incoming, the whole
/// input is refused; if it waited, it is dropped (it can never apply).
pub(crate) fn sort(
    doc: &mut AutoCommit,
    waiting: &[Change],
    incoming: Vec<Change>,
) -> Result<Sorted> {
    let mut candidates: Vec<(Change, bool)> = Vec::new();
    let mut index: HashMap<ChangeHash, usize> = HashMap::new();
    let from_before = waiting.iter().map(|change| (change.clone(), false));
    let new = incoming.into_iter().map(|change| (change, true));
    for (change, is_new) in from_before.chain(new) {
        let hash = change.hash();
        if index.contains_key(&hash) || doc.get_change_meta_by_hash(&hash).is_some() {
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
    let mut queue: VecDeque<usize> = (0..candidates.len()).filter(|&i| blocked[i] == 0).collect();

    let mut known = Known::new();
    let mut taken = vec![false; candidates.len()];
    let mut ready = Vec::new();
    while let Some(i) = queue.pop_front() {
        let (change, is_new) = &candidates[i];
        taken[i] = true;
        if !known.covers(doc, change) || !known.objects_fit(doc, change) {
            if *is_new {
                return Err(Error::Unbounded(Unbounded::Malformed(
                    "a change that builds on a device or an object none of the changes before it made",
                )));
            }
            continue;
        }
        known.learn(change);
        ready.push(i);
        for &j in &dependents[i] {
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
        .zip(taken)
        .filter(|(_, taken)| !taken)
        .filter_map(|(change, _)| change)
        .collect();
    Ok(Sorted { ready, waiting })
}

/// The changes that received changes wait for: their dependencies that are neither in
/// the document nor waiting themselves.
pub(crate) fn missing(doc: &mut AutoCommit, waiting: &[Change]) -> Vec<ChangeHash> {
    let held: HashSet<ChangeHash> = waiting.iter().map(Change::hash).collect();
    let mut missing: Vec<ChangeHash> = waiting
        .iter()
        .flat_map(|change| change.deps())
        .filter(|dep| !held.contains(dep))
        .copied()
        .collect();
    missing.sort();
    missing.dedup();
    missing.retain(|dep| doc.get_change_meta_by_hash(dep).is_none());
    missing
}

/// What Automerge knows by the time it applies a change, beyond what the document holds
/// (which is asked of it): the actors of the changes taken so far, and the objects and
/// elements made in them.
struct Known {
    taken: HashSet<ActorId>,
    /// Objects made in the changes taken so far, by id, with their kind.
    made: HashMap<(u64, ActorId), ObjType>,
    /// Elements inserted in the changes taken so far, by id, with the object they are in
    /// (`None`: the root, which has none, so such an insert fits nothing).
    elements: HashMap<(u64, ActorId), Option<(u64, ActorId)>>,
}

impl Known {
    fn new() -> Self {
        Self {
            taken: HashSet::new(),
            made: HashMap::new(),
            elements: HashMap::new(),
        }
    }

    /// Whether every actor `change` names is known: its own actor is known from its
    /// first change, which is this one if its sequence number is 1. (Automerge looks each
    /// up in the document's table of actors, as `import_obj` does.)
    fn covers(&self, doc: &AutoCommit, change: &Change) -> bool {
        let own = (change.seq() == 1).then(|| change.actor_id());
        change
            .actors()
            .filter(|actor| Some(*actor) != own)
            .all(|actor| {
                self.taken.contains(actor) || doc.import_obj(&format!("1@{actor}")).is_ok()
            })
    }

    /// Whether every object `change`'s operations act on is there by then (the document's
    /// root, made before, or made earlier in the change), each of a kind its keys fit (a
    /// map's by name, a list's or text's by an element of it that is there too):
    /// Automerge panics on an operation in an object or after an element it lacks. Notes
    /// the objects and elements the change makes.
    fn objects_fit(&mut self, doc: &AutoCommit, change: &Change) -> bool {
        let author = change.actor_id();
        let mut made = HashMap::new();
        let mut elements = HashMap::new();
        for (at, op) in (change.start_op().get()..).zip(change.decode().operations) {
            let obj = match op.obj {
                ObjectId::Root => None,
                ObjectId::Id(OpId(counter, actor)) => Some((counter, actor)),
            };
            // The object's kind, and its id in the document if it is there.
            let kind = match &obj {
                None => Some((ObjType::Map, None)),
                Some(id) => made
                    .get(id)
                    .or_else(|| self.made.get(id))
                    .map(|kind| (*kind, None))
                    .or_else(|| {
                        let (in_doc, kind) = doc.import(&format!("{}@{}", id.0, id.1)).ok()?;
                        Some((kind, Some(in_doc)))
                    }),
            };
            let fits = match (kind, &op.key) {
                (Some((ObjType::Map | ObjType::Table, _)), Key::Map(_)) => true,
                (Some((ObjType::List | ObjType::Text, _)), Key::Seq(ElementId::Head)) => true,
                (
                    Some((ObjType::List | ObjType::Text, in_doc)),
                    Key::Seq(ElementId::Id(element)),
                ) => {
                    let id = (element.0, element.1.clone());
                    let inserted_in = elements.get(&id).or_else(|| self.elements.get(&id));
                    inserted_in.is_some_and(|of| *of == obj)
                        || in_doc.is_some_and(|in_doc| {
                            Cursor::try_from(format!("{}@{}", id.0, id.1)).is_ok_and(|cursor| {
                                doc.get_cursor_position(&in_doc, &cursor, None).is_ok()
                            })
                        })
                }
                _ => false,
            };
            if !fits {
                return false;
            }
            if let OpType::Make(kind) = op.action {
                made.insert((at, author.clone()), kind);
            }
            if op.insert {
                elements.insert((at, author.clone()), obj);
            }
        }
        self.made.extend(made);
        self.elements.extend(elements);
        true
    }

    fn learn(&mut self, change: &Change) {
        self.taken.insert(change.actor_id().clone());
    }
}
