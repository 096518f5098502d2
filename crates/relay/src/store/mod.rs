//! What the relay keeps: every document's log of opaque entries and its latest opaque
//! snapshot, each with its writer's proof, and the calendar feeds. One interface
//! ([`Store`]), two stores: SQLite in a file beside the relay (one machine, the default)
//! and PostgreSQL (several relays on one database, [`postgres`]).
//!
//! The rules are the same in both, and the same tests hold both to them
//! (`tests/stores.rs`): an entry is durable before it is acknowledged; an entry already
//! held (same bytes) keeps its first number; a log holds at most its limit until a
//! snapshot makes room; entries a snapshot covers, and the snapshot it replaced, stay for
//! a grace period.

pub mod postgres;
pub mod sqlite;

use std::sync::Arc;

use landsbyplan_sync::DocId;

/// The store refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The document's log holds as many bytes as it may; a snapshot makes room.
    #[error("the document's log is full")]
    LogFull,
    /// A calendar feed request whose version is not above the one held (a replay, or
    /// older than what another device published).
    #[error("version {held} of the calendar is held")]
    StaleFeed {
        /// The version held, which a request must exceed.
        held: u64,
    },
    /// A snapshot claims entries the log does not have yet.
    #[error("the snapshot covers entries the relay does not have")]
    AheadOfLog,
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed or could not be reached.
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    /// A batch the entry was part of could not be written; nothing of it was stored.
    #[error("the store could not write: {0}")]
    Failed(String),
}

/// An entry (or a snapshot) as its writer sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The entry's sequence number (for a snapshot: the last entry it covers).
    pub seq: u64,
    /// Opaque bytes.
    pub payload: Vec<u8>,
    /// The writer's proof of them.
    pub proof: Vec<u8>,
}

/// What a subscriber gets for a document: the snapshot (if newer than what it has) and
/// the entries after it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Backlog {
    /// The snapshot (its `seq`: the last entry it covers).
    pub snapshot: Option<Stored>,
    /// Entries after the snapshot or the subscriber's cursor, oldest first.
    pub entries: Vec<Stored>,
    /// The last entry the document's log has held (0 for none), whatever the cursor.
    pub latest: u64,
    /// More entries follow the ones here (a page ended at its byte budget).
    pub more: bool,
}

/// One entry to append: the document, the opaque payload and its writer's proof.
pub type Append = (DocId, Vec<u8>, Vec<u8>);

/// How long entries a snapshot covers, and the snapshot it replaced, stay in the store:
/// a device that was away less long catches up from the entries instead of downloading
/// the whole snapshot, and a bad snapshot can still be undone from what it replaced.
pub const COVERED_GRACE_SECS: u64 = 7 * 24 * 60 * 60;

/// How long the relay remembers the number of an entry it let go (by its payload's hash,
/// about 80 bytes an entry): a device that sends one again within this time gets the old
/// number; after it, a second number (which a device that read the first in the same
/// session doubts, and reads again).
pub const LET_GO_KEPT_SECS: u64 = 30 * 24 * 60 * 60;

/// Totals for the metrics endpoint.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Documents with a log or a snapshot.
    pub documents: u64,
    /// Entries in all logs.
    pub entries: u64,
    /// Bytes of entries and snapshots (covered entries and replaced snapshots kept for
    /// the grace period too).
    pub bytes: u64,
}

/// The `latest` a backlog page tells: `through` if a first page set it, else the last
/// entry the log has given or the snapshot covers, whichever is later.
pub(crate) fn latest(through: Option<u64>, snapshot: Option<&Stored>, last_entry: u64) -> u64 {
    through.unwrap_or_else(|| snapshot.map_or(0, |s| s.seq).max(last_entry))
}

/// Seconds since 1970.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Every document's log, wherever it is kept.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// The store's epoch: a random number made with the store. Sequence numbers mean
    /// something only within one epoch; a device that sees another epoch knows the store
    /// it synced with is gone and sends what it holds again. Never 0.
    fn epoch(&self) -> u64;

    /// Appends each entry unless it is there already, in one transaction (one sync to
    /// disk for all of them), each with its own outcome: its sequence number (1, 2, …
    /// per document) once it is durable, or [`StoreError::LogFull`] if the log would
    /// grow past `max_log_bytes`. An error for the whole batch: none of it acknowledged
    /// (yet it may be stored, if the connection to a database broke as it committed; an
    /// append sent again then gets its first number).
    async fn append_batch(
        &self,
        appends: Arc<Vec<Append>>,
        max_log_bytes: u64,
    ) -> Result<Vec<Result<u64, StoreError>>, StoreError>;

    /// Keeps `payload` (with its writer's `proof`) as `doc`'s snapshot through entry
    /// `covers`, at `now` (seconds since 1970); the entries it covers leave the log
    /// (making room) but are kept, with the snapshot it replaces, for
    /// [`COVERED_GRACE_SECS`] (and no more than the bytes set by
    /// [`Store::keep_covered_at_most`]). An older snapshot than the one held changes
    /// nothing; one past the log is refused ([`StoreError::AheadOfLog`]).
    async fn put_snapshot_at(
        &self,
        doc: DocId,
        covers: u64,
        payload: Vec<u8>,
        proof: Vec<u8>,
        now: u64,
    ) -> Result<(), StoreError>;

    /// Keeps at most `bytes` of a document's covered entries: past them, the oldest go
    /// at once rather than after the grace period. Without it, a writer filling the log
    /// and covering it with a snapshot, again and again, would grow the store without
    /// end for the whole grace period.
    fn keep_covered_at_most(&self, bytes: u64);

    /// A page of what a subscriber that has everything through `since` is missing: the
    /// snapshot if it is due (not if every entry after `since` is still kept), and
    /// entries until they pass `budget` bytes (at least one). The next page starts after
    /// the last entry of this one and ends at `through`, the first page's `latest`.
    async fn backlog_page(
        &self,
        doc: DocId,
        since: u64,
        through: Option<u64>,
        budget: usize,
    ) -> Result<Backlog, StoreError>;

    /// The last sequence number `doc`'s log has given (0 for none).
    async fn last_seq(&self, doc: DocId) -> Result<u64, StoreError>;

    /// For each `(doc, after, through)` in `wanted`, the entries of `doc` numbered above
    /// `after` and at most `through`, in the order of `wanted` and then of their numbers,
    /// until they pass `budget` bytes (at least one): what the relay passes on of other
    /// relays' appends. `true` with them if entries were left out for the budget.
    async fn entries_after(
        &self,
        wanted: Vec<(DocId, u64, u64)>,
        budget: usize,
    ) -> Result<(Vec<(DocId, Stored)>, bool), StoreError>;

    /// The snapshot a newer one replaced, while the grace period keeps it.
    async fn previous_snapshot(&self, doc: DocId) -> Result<Option<Stored>, StoreError>;

    /// Whether `doc` has a log or a snapshot here.
    async fn has_doc(&self, doc: DocId) -> Result<bool, StoreError>;

    /// Publishes (or replaces) a calendar feed as `version`; an empty `body` withdraws
    /// it. Refuses with [`StoreError::StaleFeed`] (naming the version held), changing
    /// nothing, unless `version` is above it.
    async fn put_feed(&self, id: [u8; 32], version: u64, body: Vec<u8>) -> Result<(), StoreError>;

    /// A calendar feed: `Some` with its body (empty: withdrawn) if it was ever published.
    async fn feed(&self, id: [u8; 32]) -> Result<Option<Vec<u8>>, StoreError>;

    /// Whether the store answers a query now (the relay's readiness).
    async fn ready(&self) -> Result<(), StoreError>;

    /// The store's totals, kept as it changes.
    async fn stats(&self) -> Result<StoreStats, StoreError>;

    /// Bytes free for the store on its filesystem, if it is on this machine's disk (a
    /// database server watches its own).
    fn free_bytes(&self) -> Option<std::io::Result<u64>>;

    /// Where other relays' appends are heard of, if other relays write to this store.
    fn hints(&self) -> Option<Arc<dyn crate::hints::Hints>> {
        None
    }
}

impl dyn Store {
    /// Appends one entry (see [`Store::append_batch`]).
    pub async fn append(
        &self,
        doc: DocId,
        payload: &[u8],
        proof: &[u8],
        max_log_bytes: u64,
    ) -> Result<u64, StoreError> {
        let batch = Arc::new(vec![(doc, payload.to_vec(), proof.to_vec())]);
        self.append_batch(batch, max_log_bytes)
            .await?
            .pop()
            .expect("one result per append")
    }

    /// [`Store::put_snapshot_at`] now.
    pub async fn put_snapshot(
        &self,
        doc: DocId,
        covers: u64,
        payload: Vec<u8>,
        proof: Vec<u8>,
    ) -> Result<(), StoreError> {
        self.put_snapshot_at(doc, covers, payload, proof, unix_now())
            .await
    }

    /// The whole of what a subscriber that has everything through `since` is missing.
    pub async fn backlog(&self, doc: DocId, since: u64) -> Result<Backlog, StoreError> {
        self.backlog_page(doc, since, None, usize::MAX).await
    }
}
