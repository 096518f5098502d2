//! History: who changed what and when, read from the changes themselves (each carries
//! its author and time, see [`crate::Stamp`]).

use automerge::PatchAction;
use automerge::{ChangeHash, Prop};

use crate::Space;

/// One change in a space's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The display name of the person who made it.
    pub author: String,
    /// Seconds since the Unix epoch.
    pub time: i64,
    /// The change's hash, to tell changes apart.
    pub change: ChangeHash,
}

impl Space {
    /// Every change, oldest first in causal order.
    pub fn history(&mut self) -> Vec<HistoryEntry> {
        self.doc
            .get_changes_meta(&[])
            .into_iter()
            .map(|meta| HistoryEntry {
                author: meta.message.map(|m| m.into_owned()).unwrap_or_default(),
                time: meta.timestamp,
                change: meta.hash,
            })
            .collect()
    }

    /// The changes that touched the entity with id `key` (a member, an action, a task, …),
    /// oldest first: its creation, each edit of its fields, its removal.
    pub fn history_of(&mut self, key: &str) -> Vec<HistoryEntry> {
        let metas: Vec<(HistoryEntry, Vec<ChangeHash>)> = self
            .doc
            .get_changes_meta(&[])
            .into_iter()
            .map(|meta| {
                (
                    HistoryEntry {
                        author: meta.message.map(|m| m.into_owned()).unwrap_or_default(),
                        time: meta.timestamp,
                        change: meta.hash,
                    },
                    meta.deps,
                )
            })
            .collect();
        metas
            .into_iter()
            .filter(|(entry, deps)| {
                self.doc.diff(deps, &[entry.change]).iter().any(|patch| {
                    patch
                        .path
                        .iter()
                        .any(|(_, prop)| matches!(prop, Prop::Map(k) if k == key))
                        || matches!(&patch.action,
                            PatchAction::PutMap { key: k, .. } | PatchAction::DeleteMap { key: k }
                                if k == key)
                })
            })
            .map(|(entry, _)| entry)
            .collect()
    }
}
