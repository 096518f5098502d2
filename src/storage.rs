//! The device's store of documents in IndexedDB: per space, a snapshot and the incremental
//! chunks saved after it, compacted into a new snapshot when they pile up.
//!
//! A chunk is written in its own transaction and the call returns only once IndexedDB says
//! the transaction committed, so "saved" in the app means durable on this device.

use js_sys::Uint8Array;
use landsbyplan_model::{SpaceId, SpaceKind};
use landsbyplan_sync::Hash;
use rexie::{KeyRange, ObjectStore, Rexie, TransactionMode};
use wasm_bindgen::JsValue;

const SPACES: &str = "spaces";
const CHUNKS: &str = "chunks";
const KEYRING: &str = "keyring";

/// What the device keeps to sync a space, by document id: the share (its capability,
/// as in a share link's fragment), how far it has read the relay's log, and which local
/// space it is (unknown while joining, until the first data arrives).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyringEntry {
    /// The share fragment (`edit=…` or `read=…`).
    pub share: String,
    /// Everything through this entry of the relay's log is stored here.
    pub cursor: u64,
    /// The relay store's epoch the cursor counts in (0: not known yet).
    #[serde(default)]
    pub epoch: u64,
    /// The local space, once known.
    pub space: Option<SpaceId>,
    /// The space's shared heads: every change in their causal past is on the relay
    /// (see `landsbyplan_sync::Outbox`). Entries stored before there were shared heads
    /// read as none, so everything is sent once more.
    #[serde(default)]
    pub shared: Vec<Hash>,
    /// When the shared heads last moved: the last time the relay is known to have held
    /// everything of this device's (milliseconds since 1970; 0: never).
    #[serde(default)]
    pub shared_at: u64,
}

/// IndexedDB refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The browser offers no IndexedDB here (some private windows).
    #[error("IndexedDB is not available: {0}")]
    Unavailable(String),
    /// The device or the browser's quota is full; nothing was written.
    #[error("the storage quota is exhausted")]
    Full,
    /// Any other failure, with the browser's words.
    #[error("{0}")]
    Failed(String),
}

impl From<rexie::Error> for StorageError {
    fn from(err: rexie::Error) -> Self {
        let text = err.to_string();
        if text.contains("QuotaExceeded") {
            Self::Full
        } else {
            Self::Failed(text)
        }
    }
}

/// One space as read back from the device.
#[derive(Debug)]
pub struct StoredSpace {
    /// The space's id.
    pub id: SpaceId,
    /// Its snapshots and chunks in the order they were stored, ready for `Space::load`.
    pub bytes: Vec<u8>,
    /// The numbers of the chunks in `bytes`.
    pub chunks: Vec<u32>,
}

/// The open database.
pub struct DocStore {
    db: Rexie,
}

fn chunk_key(id: SpaceId, seq: u32) -> JsValue {
    JsValue::from_str(&format!("{id}/{seq:08}"))
}

fn chunk_range(id: SpaceId) -> Result<KeyRange, StorageError> {
    // Keys are "<id>/<8 digits>"; '0' < '9' < ':' bounds every digit string.
    KeyRange::bound(
        &JsValue::from_str(&format!("{id}/")),
        &JsValue::from_str(&format!("{id}/:")),
        Some(false),
        Some(true),
    )
    .map_err(|e| StorageError::Failed(e.to_string()))
}

fn seq_of(key: &JsValue) -> Option<u32> {
    key.as_string()?.rsplit_once('/')?.1.parse().ok()
}

/// The number after the highest chunk of the space in `chunks` (1 if it has none: 0 is
/// where a new space's first snapshot goes).
async fn next_free(chunks: &rexie::Store, id: SpaceId) -> Result<u32, StorageError> {
    let highest = chunks
        .get_all_keys(Some(chunk_range(id)?), None)
        .await?
        .iter()
        .filter_map(seq_of)
        .max();
    Ok(highest.map_or(1, |seq| seq + 1))
}

impl DocStore {
    /// Opens (creating if needed) the database called `name`.
    pub async fn open(name: &str) -> Result<Self, StorageError> {
        let db = Rexie::builder(name)
            .version(2)
            .add_object_store(ObjectStore::new(SPACES))
            .add_object_store(ObjectStore::new(CHUNKS))
            .add_object_store(ObjectStore::new(KEYRING))
            .build()
            .await
            .map_err(|e| StorageError::Unavailable(e.to_string()))?;
        Ok(Self { db })
    }

    /// Records a new space with its first snapshot (and its keyring entry, if it syncs),
    /// in one transaction.
    pub async fn create(
        &self,
        id: SpaceId,
        kind: SpaceKind,
        snapshot: &[u8],
        key: Option<(&str, &KeyringEntry)>,
    ) -> Result<(), StorageError> {
        let tx = self
            .db
            .transaction(&[SPACES, CHUNKS, KEYRING], TransactionMode::ReadWrite)?;
        if let Some((doc, entry)) = key {
            put_key(&tx, doc, entry).await?;
        }
        let spaces = tx.store(SPACES)?;
        spaces
            .put(
                &JsValue::from_str(kind.as_str()),
                Some(&JsValue::from_str(&id.to_string())),
            )
            .await?;
        tx.store(CHUNKS)?
            .put(&Uint8Array::from(snapshot).into(), Some(&chunk_key(id, 0)))
            .await?;
        finish(tx).await
    }

    /// Stores one incremental chunk as number `seq` of the space.
    /// Stores `chunk` of a space under the next free number, which it returns. The number
    /// is taken in the same transaction, so two tabs of the app never take the same one
    /// (IndexedDB runs writing transactions on a store one at a time).
    pub async fn append(&self, id: SpaceId, chunk: &[u8]) -> Result<u32, StorageError> {
        let tx = self.db.transaction(&[CHUNKS], TransactionMode::ReadWrite)?;
        let chunks = tx.store(CHUNKS)?;
        let seq = next_free(&chunks, id).await?;
        chunks
            .add(&Uint8Array::from(chunk).into(), Some(&chunk_key(id, seq)))
            .await?;
        finish(tx).await?;
        Ok(seq)
    }

    /// Stores `snapshot` of a space under the next free number (returned) and deletes the
    /// chunks `covered` it holds, atomically. Only those: another tab may have stored
    /// chunks meanwhile that this snapshot lacks.
    pub async fn compact(
        &self,
        id: SpaceId,
        snapshot: &[u8],
        covered: &[u32],
    ) -> Result<u32, StorageError> {
        let tx = self.db.transaction(&[CHUNKS], TransactionMode::ReadWrite)?;
        let chunks = tx.store(CHUNKS)?;
        let seq = next_free(&chunks, id).await?;
        chunks
            .add(
                &Uint8Array::from(snapshot).into(),
                Some(&chunk_key(id, seq)),
            )
            .await?;
        for &old in covered {
            chunks.delete(chunk_key(id, old)).await?;
        }
        finish(tx).await?;
        Ok(seq)
    }

    /// Every space on the device, each as its snapshot and chunks in order. Entries whose
    /// key is not a space id are skipped, never fatal.
    pub async fn load_all(&self) -> Result<Vec<StoredSpace>, StorageError> {
        let tx = self
            .db
            .transaction(&[SPACES, CHUNKS], TransactionMode::ReadOnly)?;
        let ids: Vec<SpaceId> = tx
            .store(SPACES)?
            .get_all_keys(None, None)
            .await?
            .iter()
            .filter_map(|key| key.as_string()?.parse().ok())
            .collect();
        let chunks = tx.store(CHUNKS)?;
        let mut spaces = Vec::with_capacity(ids.len());
        for id in ids {
            let mut bytes = Vec::new();
            let mut numbers = Vec::new();
            for (key, value) in chunks
                .scan(Some(chunk_range(id)?), None, None, None)
                .await?
            {
                bytes.extend(Uint8Array::new(&value).to_vec());
                numbers.extend(seq_of(&key));
            }
            spaces.push(StoredSpace {
                id,
                bytes,
                chunks: numbers,
            });
        }
        finish(tx).await?;
        Ok(spaces)
    }

    /// Stores (or replaces) the keyring entry of document `doc`.
    pub async fn put_key(&self, doc: &str, entry: &KeyringEntry) -> Result<(), StorageError> {
        let tx = self
            .db
            .transaction(&[KEYRING], TransactionMode::ReadWrite)?;
        put_key(&tx, doc, entry).await?;
        finish(tx).await
    }

    /// Forgets the keyring entry of document `doc`.
    pub async fn delete_key(&self, doc: &str) -> Result<(), StorageError> {
        let tx = self
            .db
            .transaction(&[KEYRING], TransactionMode::ReadWrite)?;
        tx.store(KEYRING)?.delete(JsValue::from_str(doc)).await?;
        finish(tx).await
    }

    /// Every keyring entry, by document id.
    pub async fn keyring(&self) -> Result<Vec<(String, KeyringEntry)>, StorageError> {
        let tx = self.db.transaction(&[KEYRING], TransactionMode::ReadOnly)?;
        let entries = tx
            .store(KEYRING)?
            .scan(None, None, None, None)
            .await?
            .into_iter()
            .filter_map(|(key, value)| {
                Some((
                    key.as_string()?,
                    serde_json::from_str(&value.as_string()?).ok()?,
                ))
            })
            .collect();
        finish(tx).await?;
        Ok(entries)
    }

    /// Closes the database (tests use this before deleting it).
    pub fn close(self) {
        self.db.close();
    }
}

async fn put_key(
    tx: &rexie::Transaction,
    doc: &str,
    entry: &KeyringEntry,
) -> Result<(), StorageError> {
    let value = serde_json::to_string(entry).map_err(|e| StorageError::Failed(e.to_string()))?;
    tx.store(KEYRING)?
        .put(&JsValue::from_str(&value), Some(&JsValue::from_str(doc)))
        .await?;
    Ok(())
}

///
/// The app never aborts its own transactions, and a failing request fails the call
/// before this point; what is left that makes the browser abort a transaction whose
/// requests all succeeded is the commit not fitting on the device (QuotaExceededError,
/// reported on the transaction, which rexie does not pass on) or the disk failing, for
/// which "free room and try again" is also the advice. So an abort reads as `Full`.
async fn finish(tx: rexie::Transaction) -> Result<(), StorageError> {
    if tx.done().await?.is_committed() {
        Ok(())
    } else {
        Err(StorageError::Full)
    }
}

/// Asks the browser to keep this site's storage under storage pressure. Best effort: the
/// browser may say no, and the app works either way.
pub async fn request_persistence() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Ok(promise) = window.navigator().storage().persist() else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .and_then(|granted| granted.as_bool())
        .unwrap_or(false)
}

/// How much this site stores on the device, and how much it may.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StorageUse {
    /// Bytes in use.
    pub used: f64,
    /// Bytes the browser allows.
    pub quota: f64,
    /// Whether the browser promised not to clear the data under storage pressure.
    pub persistent: bool,
}

/// The browser's own figures (`navigator.storage.estimate()` and `persisted()`).
pub async fn storage_use() -> Option<StorageUse> {
    let storage = web_sys::window()?.navigator().storage();
    let estimate = wasm_bindgen_futures::JsFuture::from(storage.estimate().ok()?)
        .await
        .ok()?;
    let number = |key: &str| {
        js_sys::Reflect::get(&estimate, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_f64())
    };
    let persistent = match storage.persisted() {
        Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        Err(_) => false,
    };
    Some(StorageUse {
        used: number("usage")?,
        quota: number("quota")?,
        persistent,
    })
}
