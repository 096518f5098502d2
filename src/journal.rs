//! A journal of local edits that IndexedDB does not hold yet, in `localStorage`.
//!
//! IndexedDB commits a transaction some time after it is asked to, and a tab closed or
//! discarded before then loses it. An edit shows on screen at once, so what a person saw
//! must survive that: each edit's changes are written here synchronously, in the same
//! tick that shows it, and removed once IndexedDB has them. At the next start whatever is
//! left is merged into its space and stored (Automerge skips changes it already has, so a
//! change that did reach IndexedDB does no harm).
//!
//! Tabs of one database share the journal; a tab that starts may store another tab's
//! entry while that tab is still storing it, which is harmless for the same reason.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gloo_storage::{LocalStorage, Storage};
use landsbyplan_model::SpaceId;

/// The journal of one database.
#[derive(Clone, Debug)]
pub struct Journal {
    prefix: String,
}

/// An entry left by an earlier run: its key, its space and its Automerge changes.
pub struct Leftover {
    pub key: String,
    pub space: SpaceId,
    pub changes: Vec<u8>,
}

impl Journal {
    /// The journal of IndexedDB database `database`.
    pub fn new(database: &str) -> Self {
        Self {
            prefix: format!("landsbyplan-journal:{database}:"),
        }
    }

    /// Writes the changes of an edit to space `space`, synchronously; their key, or
    /// `None` if the browser refused (full, or storage switched off): the edit is then
    /// only as safe as IndexedDB makes it.
    pub fn write(&self, space: SpaceId, changes: &[u8]) -> Option<String> {
        let key = format!(
            "{}{space}:{:032x}",
            self.prefix,
            crate::library::random_id()
        );
        let encoded = STANDARD.encode(changes);
        let stored = LocalStorage::raw().set_item(&key, &encoded).or_else(|_| {
            // Full: the glimpses of screens give way to an edit.
            crate::glimpse::forget_all();
            LocalStorage::raw().set_item(&key, &encoded)
        });
        match stored {
            Ok(()) => Some(key),
            Err(err) => {
                leptos::logging::warn!("the edit journal refused an edit: {err:?}");
                None
            }
        }
    }

    /// Removes entries IndexedDB now holds.
    pub fn remove(&self, keys: &[String]) {
        let storage = LocalStorage::raw();
        for key in keys {
            let _ = storage.remove_item(key);
        }
    }

    /// Every entry of this database left by an earlier run (or by another tab, still
    /// storing it). An entry that cannot be read is removed, with a warning.
    pub fn leftovers(&self) -> Vec<Leftover> {
        let storage = LocalStorage::raw();
        let count = storage.length().unwrap_or(0);
        let keys: Vec<String> = (0..count)
            .filter_map(|n| storage.key(n).ok().flatten())
            .filter(|key| key.starts_with(&self.prefix))
            .collect();
        let mut found = Vec::new();
        for key in keys {
            let entry = key[self.prefix.len()..]
                .split_once(':')
                .and_then(|(space, _)| space.parse().ok())
                .zip(
                    storage
                        .get_item(&key)
                        .ok()
                        .flatten()
                        .and_then(|text| STANDARD.decode(text).ok()),
                );
            match entry {
                Some((space, changes)) => found.push(Leftover {
                    key,
                    space,
                    changes,
                }),
                None => {
                    leptos::logging::warn!("an unreadable edit journal entry was removed: {key}");
                    let _ = storage.remove_item(&key);
                }
            }
        }
        found
    }
}
