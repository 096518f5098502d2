//! The relay's embedded store: one SQLite file holding every document's log of opaque
//! entries and its latest opaque snapshot, each with its writer's proof, which the relay
//! hands on to every device so that each checks it for itself.
//!
//! WAL with `synchronous = FULL`, so an append is on disk before it is acknowledged. An
//! entry already in the log (same bytes) is not stored twice: a device that resends after
//! a lost acknowledgement gets the same sequence number back.

use std::path::Path;
use std::sync::Mutex;

use landsbyplan_sync::DocId;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

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

/// Every document's log.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    epoch: u64,
    dir: std::path::PathBuf,
    /// The most bytes of covered entries kept per document (see
    /// [`Store::keep_covered_at_most`]).
    keep_covered: std::sync::atomic::AtomicU64,
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// One append inside a transaction; a refusal leaves the transaction usable.
fn append_one(
    tx: &rusqlite::Transaction<'_>,
    doc: &DocId,
    payload: &[u8],
    proof: &[u8],
    max_log_bytes: u64,
) -> Result<u64, StoreError> {
    let hash: [u8; 32] = Sha256::digest(payload).into();
    let existing: Option<i64> = tx
        .prepare_cached(
            "SELECT seq FROM entries WHERE doc = ?1 AND hash = ?2
             UNION ALL SELECT seq FROM let_go WHERE doc = ?1 AND hash = ?2
             ORDER BY seq LIMIT 1",
        )?
        .query_row(params![doc.0.as_slice(), hash.as_slice()], |row| row.get(0))
        .optional()?;
    if let Some(seq) = existing {
        return Ok(seq.unsigned_abs());
    }
    let (last, used): (i64, i64) = tx
        .prepare_cached("SELECT last_seq, log_bytes FROM docs WHERE doc = ?1")?
        .query_row(params![doc.0.as_slice()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?
        .unwrap_or((0, 0));
    if used.unsigned_abs() + payload.len() as u64 > max_log_bytes {
        return Err(StoreError::LogFull);
    }
    let seq = last + 1;
    tx.prepare_cached(
        "INSERT INTO entries (doc, seq, hash, payload, proof) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        doc.0.as_slice(),
        seq,
        hash.as_slice(),
        payload,
        proof
    ])?;
    tx.prepare_cached(
        "INSERT INTO docs (doc, last_seq, log_bytes) VALUES (?1, ?2, ?3)
         ON CONFLICT (doc) DO UPDATE SET last_seq = excluded.last_seq, log_bytes = excluded.log_bytes",
    )?
    .execute(params![doc.0.as_slice(), seq, used + payload.len() as i64])?;
    Ok(seq.unsigned_abs())
}

/// Adds `column` (of SQL type `kind`) to `table` of a store made before it existed.
fn add_column(conn: &Connection, table: &str, column: &str, kind: &str) -> Result<(), StoreError> {
    let missing: bool = conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
        params![table, column],
        |row| row.get(0),
    )?;
    if missing {
        conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
    }
    Ok(())
}

/// The totals `/metrics` reports, kept by triggers in the same transactions as the rows
/// they count, so reading them scans nothing (a scan would hold the store's lock while
/// appends wait). Counted once when a store first gets them.
fn keep_totals(conn: &Connection) -> Result<(), StoreError> {
    // REPLACE deletes the row it replaces; its delete trigger must run too.
    conn.pragma_update(None, "recursive_triggers", "ON")?;
    conn.execute_batch(
        "BEGIN IMMEDIATE;
        CREATE TABLE IF NOT EXISTS totals (key TEXT PRIMARY KEY, value INTEGER NOT NULL)
            WITHOUT ROWID;
        INSERT OR IGNORE INTO totals (key, value) VALUES
            ('documents', (SELECT COUNT(*) FROM docs)),
            ('entries', (SELECT COUNT(*) FROM entries WHERE covered_at IS NULL)),
            ('bytes', (SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM entries)
                + (SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM snapshots)
                + (SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM previous_snapshots));
        CREATE TRIGGER IF NOT EXISTS totals_doc_in AFTER INSERT ON docs BEGIN
            UPDATE totals SET value = value + 1 WHERE key = 'documents';
        END;
        CREATE TRIGGER IF NOT EXISTS totals_doc_out AFTER DELETE ON docs BEGIN
            UPDATE totals SET value = value - 1 WHERE key = 'documents';
        END;
        CREATE TRIGGER IF NOT EXISTS totals_entry_in AFTER INSERT ON entries BEGIN
            UPDATE totals SET value = value + LENGTH(new.payload) WHERE key = 'bytes';
            UPDATE totals SET value = value + (new.covered_at IS NULL) WHERE key = 'entries';
        END;
        CREATE TRIGGER IF NOT EXISTS totals_entry_covered AFTER UPDATE OF covered_at ON entries
        BEGIN
            UPDATE totals SET value = value - (old.covered_at IS NULL) + (new.covered_at IS NULL)
                WHERE key = 'entries';
        END;
        CREATE TRIGGER IF NOT EXISTS totals_entry_out AFTER DELETE ON entries BEGIN
            UPDATE totals SET value = value - LENGTH(old.payload) WHERE key = 'bytes';
            UPDATE totals SET value = value - (old.covered_at IS NULL) WHERE key = 'entries';
        END;
        CREATE TRIGGER IF NOT EXISTS totals_snapshot_in AFTER INSERT ON snapshots BEGIN
            UPDATE totals SET value = value + LENGTH(new.payload) WHERE key = 'bytes';
        END;
        CREATE TRIGGER IF NOT EXISTS totals_snapshot_changed AFTER UPDATE OF payload ON snapshots
        BEGIN
            UPDATE totals SET value = value + LENGTH(new.payload) - LENGTH(old.payload)
                WHERE key = 'bytes';
        END;
        CREATE TRIGGER IF NOT EXISTS totals_snapshot_out AFTER DELETE ON snapshots BEGIN
            UPDATE totals SET value = value - LENGTH(old.payload) WHERE key = 'bytes';
        END;
        CREATE TRIGGER IF NOT EXISTS totals_previous_in AFTER INSERT ON previous_snapshots BEGIN
            UPDATE totals SET value = value + LENGTH(new.payload) WHERE key = 'bytes';
        END;
        CREATE TRIGGER IF NOT EXISTS totals_previous_changed
            AFTER UPDATE OF payload ON previous_snapshots
        BEGIN
            UPDATE totals SET value = value + LENGTH(new.payload) - LENGTH(old.payload)
                WHERE key = 'bytes';
        END;
        CREATE TRIGGER IF NOT EXISTS totals_previous_out AFTER DELETE ON previous_snapshots BEGIN
            UPDATE totals SET value = value - LENGTH(old.payload) WHERE key = 'bytes';
        END;
        COMMIT;",
    )?;
    Ok(())
}

/// A row of (sequence number, payload, proof).
fn stored(row: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
    Ok(Stored {
        seq: row.get::<_, i64>(0)?.unsigned_abs(),
        payload: row.get(1)?,
        proof: row.get(2)?,
    })
}

impl Store {
    /// Opens (or creates) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let conn = Connection::open(data_dir.join("relay.sqlite3"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // A store from before proofs were kept has entries no device would accept: its
        // logs go, and a new epoch tells every device to send what it holds again (each
        // device keeps all of its spaces, so nothing is lost).
        let without_proofs: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entries')
               AND NOT EXISTS (SELECT 1 FROM pragma_table_info('entries') WHERE name = 'proof')",
            [],
            |row| row.get(0),
        )?;
        if without_proofs {
            tracing::warn!("the store's logs have no proofs: dropping them under a new epoch");
            conn.execute_batch(
                "BEGIN;
                DROP TABLE entries;
                DROP TABLE IF EXISTS snapshots;
                DROP TABLE IF EXISTS docs;
                DROP TABLE IF EXISTS totals;
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                DELETE FROM meta WHERE key = 'epoch';
                COMMIT;",
            )?;
        }
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS entries (
                doc BLOB NOT NULL,
                seq INTEGER NOT NULL,
                hash BLOB NOT NULL,
                payload BLOB NOT NULL,
                proof BLOB NOT NULL,
                -- When a snapshot came to cover the entry (seconds since 1970; NULL while
                -- it is in the log): covered entries are kept for a grace period.
                covered_at INTEGER,
                PRIMARY KEY (doc, seq)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS snapshots (
                doc BLOB PRIMARY KEY,
                covers INTEGER NOT NULL,
                payload BLOB NOT NULL,
                proof BLOB NOT NULL
            ) WITHOUT ROWID;
            -- The snapshot a newer one replaced, kept for the grace period.
            CREATE TABLE IF NOT EXISTS previous_snapshots (
                doc BLOB PRIMARY KEY,
                covers INTEGER NOT NULL,
                payload BLOB NOT NULL,
                proof BLOB NOT NULL,
                replaced_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            -- Per document: the last sequence number given and the bytes its log holds,
            -- so an append costs the same whatever the log's length.
            CREATE TABLE IF NOT EXISTS docs (
                doc BLOB PRIMARY KEY,
                last_seq INTEGER NOT NULL,
                log_bytes INTEGER NOT NULL
            ) WITHOUT ROWID;
            -- Calendar feeds their spaces' writers chose to publish, in plain text, with the
            -- version of the last signed request; an empty body is a withdrawn feed (a
            -- tombstone that keeps the version, so no older request can bring it back).
            CREATE TABLE IF NOT EXISTS feeds (
                id BLOB PRIMARY KEY,
                body BLOB NOT NULL,
                version INTEGER NOT NULL DEFAULT 0
            ) WITHOUT ROWID;
            -- Entries let go after their grace period, by the hash of their payload, for
            -- LET_GO_KEPT_SECS more: one sent again keeps its old number (a payload under
            -- two numbers is what a relay that replays entries shows, so devices would
            -- doubt it).
            CREATE TABLE IF NOT EXISTS let_go (
                doc BLOB NOT NULL,
                hash BLOB NOT NULL,
                seq INTEGER NOT NULL,
                gone_at INTEGER NOT NULL,
                PRIMARY KEY (doc, hash)
            ) WITHOUT ROWID;
            -- The store's epoch: a random number made with the store. Sequence numbers
            -- mean something only within one epoch; a device that sees another epoch
            -- knows the store it synced with is gone and sends what it holds again.
            -- (SQLite's random() draws from the operating system's random source.)
            CREATE TABLE IF NOT EXISTS meta (
                key TEXT PRIMARY KEY,
                value INTEGER NOT NULL
            );
            INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', random());",
        )?;
        add_column(&conn, "entries", "covered_at", "INTEGER")?;
        // An entry sent again is found by its bytes while the store keeps it, in the log
        // or covered by a snapshot: one payload under two numbers would look like a replay
        // to the devices that read both. (Stores made before this may hold such pairs
        // among covered entries, so the index is not unique; the first number counts.)
        conn.execute_batch(
            "DROP INDEX IF EXISTS entries_in_log_by_hash;
             CREATE INDEX IF NOT EXISTS entries_by_hash ON entries (doc, hash);",
        )?;
        add_column(&conn, "feeds", "version", "INTEGER NOT NULL DEFAULT 0")?;
        keep_totals(&conn)?;
        let epoch: i64 =
            conn.query_row("SELECT value FROM meta WHERE key = 'epoch'", [], |row| {
                row.get(0)
            })?;
        Ok(Self {
            dir: data_dir.to_path_buf(),
            keep_covered: std::sync::atomic::AtomicU64::new(u64::MAX),
            conn: Mutex::new(conn),
            // Never 0, which devices read as "not known yet".
            epoch: u64::from_ne_bytes(epoch.to_ne_bytes()).max(1),
        })
    }

    /// The store's epoch (see the `meta` table).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends `payload` (with its writer's `proof`) to `doc`'s log unless it is there
    /// already, and returns its sequence number (1, 2, …) once the entry is durable.
    /// Refuses with [`StoreError::LogFull`] if the log would grow past `max_log_bytes`.
    pub fn append(
        &self,
        doc: &DocId,
        payload: &[u8],
        proof: &[u8],
        max_log_bytes: u64,
    ) -> Result<u64, StoreError> {
        self.append_batch(&[(*doc, payload, proof)], max_log_bytes)?
            .pop()
            .expect("one result per append")
    }

    /// Appends several entries in one transaction (one disk sync for all of them), each
    /// with its own outcome. This is how the relay keeps up when many devices write at
    /// once: the cost of making data durable is shared.
    pub fn append_batch(
        &self,
        appends: &[(DocId, &[u8], &[u8])],
        max_log_bytes: u64,
    ) -> Result<Vec<Result<u64, StoreError>>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(appends.len());
        for (doc, payload, proof) in appends {
            results.push(append_one(&tx, doc, payload, proof, max_log_bytes));
        }
        tx.commit()?;
        Ok(results)
    }

    /// Keeps `payload` (with its writer's `proof`) as `doc`'s snapshot through entry
    /// `covers`; the entries it covers leave the log (making room) but are kept, with the
    /// snapshot it replaces, for [`COVERED_GRACE_SECS`]. An older snapshot than the one
    /// held changes nothing.
    pub fn put_snapshot(
        &self,
        doc: &DocId,
        covers: u64,
        payload: &[u8],
        proof: &[u8],
    ) -> Result<(), StoreError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.put_snapshot_at(doc, covers, payload, proof, now)
    }

    /// Keeps at most `bytes` of a document's covered entries: past them, the oldest go
    /// at once rather than after the grace period (as if it were over). Without it, a
    /// writer filling the log and covering it with a snapshot, again and again, would
    /// grow the store without end for the whole grace period.
    pub fn keep_covered_at_most(&self, bytes: u64) {
        self.keep_covered
            .store(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    /// [`Store::put_snapshot`] at `now` (seconds since 1970).
    pub fn put_snapshot_at(
        &self,
        doc: &DocId,
        covers: u64,
        payload: &[u8],
        proof: &[u8],
        now: u64,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (last, held): (i64, Option<i64>) = tx.query_row(
            "SELECT COALESCE((SELECT last_seq FROM docs WHERE doc = ?1), 0),
                    (SELECT covers FROM snapshots WHERE doc = ?1)",
            params![doc.0.as_slice()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let covers = to_i64(covers);
        if covers > last.max(held.unwrap_or(0)) {
            return Err(StoreError::AheadOfLog);
        }
        if held.is_some_and(|held| held >= covers) {
            return Ok(());
        }
        let now = to_i64(now);
        tx.execute(
            "INSERT OR REPLACE INTO previous_snapshots (doc, covers, payload, proof, replaced_at)
             SELECT doc, covers, payload, proof, ?2 FROM snapshots WHERE doc = ?1",
            params![doc.0.as_slice(), now],
        )?;
        tx.execute(
            "INSERT INTO snapshots (doc, covers, payload, proof) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (doc) DO UPDATE SET
                covers = excluded.covers, payload = excluded.payload, proof = excluded.proof",
            params![doc.0.as_slice(), covers, payload, proof],
        )?;
        tx.execute(
            "UPDATE entries SET covered_at = ?3
             WHERE doc = ?1 AND seq <= ?2 AND covered_at IS NULL",
            params![doc.0.as_slice(), covers, now],
        )?;
        // Past the bytes of covered entries kept, the oldest go now (the newest entries
        // from the kept bytes back: a window sum over them, newest first).
        let keep = self.keep_covered.load(std::sync::atomic::Ordering::Relaxed);
        let oldest_kept: Option<i64> = tx.query_row(
            "SELECT MAX(seq) FROM (
                 SELECT seq, SUM(LENGTH(payload)) OVER (ORDER BY seq DESC) AS newer
                 FROM entries WHERE doc = ?1 AND covered_at IS NOT NULL)
             WHERE newer > ?2",
            params![doc.0.as_slice(), to_i64(keep)],
            |row| row.get(0),
        )?;
        if let Some(through) = oldest_kept {
            // Covered at the dawn of time: their grace period is over.
            tx.execute(
                "UPDATE entries SET covered_at = ?3
                 WHERE doc = ?1 AND covered_at IS NOT NULL AND seq <= ?2",
                params![doc.0.as_slice(), through, i64::MIN],
            )?;
        }
        let expired = now - to_i64(COVERED_GRACE_SECS);
        tx.execute(
            "INSERT OR IGNORE INTO let_go (doc, hash, seq, gone_at)
             SELECT doc, hash, seq, ?3 FROM entries WHERE doc = ?1 AND covered_at < ?2
             ORDER BY seq",
            params![doc.0.as_slice(), expired, now],
        )?;
        tx.execute(
            "DELETE FROM let_go WHERE doc = ?1 AND gone_at < ?2",
            params![doc.0.as_slice(), now - to_i64(LET_GO_KEPT_SECS)],
        )?;
        tx.execute(
            "DELETE FROM entries WHERE doc = ?1 AND covered_at < ?2",
            params![doc.0.as_slice(), expired],
        )?;
        tx.execute(
            "DELETE FROM previous_snapshots WHERE doc = ?1 AND replaced_at < ?2",
            params![doc.0.as_slice(), expired],
        )?;
        tx.execute(
            "INSERT INTO docs (doc, last_seq, log_bytes)
             VALUES (?1, ?2, (SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM entries
                              WHERE doc = ?1 AND covered_at IS NULL))
             ON CONFLICT (doc) DO UPDATE SET
                last_seq = MAX(last_seq, excluded.last_seq), log_bytes = excluded.log_bytes",
            params![doc.0.as_slice(), covers],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Publishes (or replaces) a calendar feed as `version`; an empty `body` withdraws
    /// it. Refuses with [`StoreError::StaleFeed`] (naming the version held), changing
    /// nothing, unless `version` is above it.
    pub fn put_feed(&self, id: &[u8; 32], version: u64, body: &[u8]) -> Result<(), StoreError> {
        let conn = self.lock();
        let changed = conn.execute(
            "INSERT INTO feeds (id, body, version) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, version = excluded.version
             WHERE excluded.version > feeds.version",
            params![id.as_slice(), body, to_i64(version)],
        )?;
        if changed == 0 {
            let held: i64 = conn.query_row(
                "SELECT version FROM feeds WHERE id = ?1",
                params![id.as_slice()],
                |row| row.get(0),
            )?;
            return Err(StoreError::StaleFeed {
                held: held.unsigned_abs(),
            });
        }
        Ok(())
    }

    /// A calendar feed: `Some` with its body (empty: withdrawn) if it was ever published.
    pub fn feed(&self, id: &[u8; 32]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT body FROM feeds WHERE id = ?1",
                params![id.as_slice()],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// What a subscriber that has everything through `since` is missing.
    pub fn backlog(&self, doc: &DocId, since: u64) -> Result<Backlog, StoreError> {
        self.backlog_page(doc, since, None, usize::MAX)
    }

    /// A page of [`Store::backlog`]: the snapshot if it is due, and entries until they
    /// pass `budget` bytes (at least one), so no subscriber makes the relay hold a whole
    /// log in memory. The next page starts after the last entry of this one and ends at
    /// `through`, the first page's `latest` (entries appended meanwhile go out live, and
    /// no page ever holds an entry past the `latest` the device is then told).
    pub fn backlog_page(
        &self,
        doc: &DocId,
        since: u64,
        through: Option<u64>,
        budget: usize,
    ) -> Result<Backlog, StoreError> {
        let conn = self.lock();
        let snapshot: Option<Stored> = conn
            .query_row(
                "SELECT covers, payload, proof FROM snapshots WHERE doc = ?1",
                params![doc.0.as_slice()],
                stored,
            )
            .optional()?;
        let last_entry: Option<i64> = conn
            .prepare_cached("SELECT last_seq FROM docs WHERE doc = ?1")?
            .query_row(params![doc.0.as_slice()], |row| row.get(0))
            .optional()?;
        let latest = through.unwrap_or_else(|| {
            snapshot
                .as_ref()
                .map_or(0, |s| s.seq)
                .max(last_entry.map_or(0, i64::unsigned_abs))
        });
        let mut snapshot = snapshot.filter(|s| s.seq > since);
        // A device that was away a short time: if every entry after its cursor is still
        // kept, it gets those instead of the whole snapshot.
        if let Some(covers) = snapshot.as_ref().map(|s| s.seq).filter(|_| since > 0) {
            let kept: i64 = conn
                .prepare_cached(
                    "SELECT COUNT(*) FROM entries WHERE doc = ?1 AND seq > ?2 AND seq <= ?3",
                )?
                .query_row(
                    params![doc.0.as_slice(), to_i64(since), to_i64(covers)],
                    |row| row.get(0),
                )?;
            if kept.unsigned_abs() == covers - since {
                snapshot = None;
            }
        }
        let after = snapshot.as_ref().map_or(since, |s| s.seq);
        let mut stmt = conn.prepare_cached(
            "SELECT seq, payload, proof FROM entries WHERE doc = ?1 AND seq > ?2 AND seq <= ?3
             ORDER BY seq",
        )?;
        let through = to_i64(through.unwrap_or(latest));
        let mut rows = stmt.query_map(params![doc.0.as_slice(), to_i64(after), through], stored)?;
        let mut bytes = snapshot
            .as_ref()
            .map_or(0, |s| s.payload.len() + s.proof.len());
        let mut entries = Vec::new();
        let mut more = false;
        for row in rows.by_ref() {
            if bytes >= budget && (snapshot.is_some() || !entries.is_empty()) {
                more = true;
                break;
            }
            let entry: Stored = row?;
            bytes = bytes.saturating_add(entry.payload.len() + entry.proof.len());
            entries.push(entry);
        }
        Ok(Backlog {
            snapshot,
            entries,
            latest,
            more,
        })
    }

    /// The snapshot a newer one replaced, while the grace period keeps it.
    pub fn previous_snapshot(&self, doc: &DocId) -> Result<Option<Stored>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT covers, payload, proof FROM previous_snapshots WHERE doc = ?1",
                params![doc.0.as_slice()],
                stored,
            )
            .optional()?)
    }

    /// Whether `doc` has a log or a snapshot here.
    pub fn has_doc(&self, doc: &DocId) -> Result<bool, StoreError> {
        Ok(self
            .lock()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM docs WHERE doc = ?1)")?
            .query_row(params![doc.0.as_slice()], |row| row.get(0))?)
    }

    /// Bytes free for the store on its filesystem (for an unprivileged process).
    pub fn free_bytes(&self) -> std::io::Result<u64> {
        let stat = rustix::fs::statvfs(&self.dir)?;
        Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
    }

    /// Whether the store answers a query (the relay's readiness).
    pub fn ready(&self) -> Result<(), StoreError> {
        self.lock().query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    /// The store's totals, kept as it changes (one row read, whatever the store holds).
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let conn = self.lock();
        let value = |key: &str| -> Result<u64, StoreError> {
            let value: i64 =
                conn.query_row("SELECT value FROM totals WHERE key = ?1", [key], |row| {
                    row.get(0)
                })?;
            Ok(value.unsigned_abs())
        };
        Ok(StoreStats {
            documents: value("documents")?,
            entries: value("entries")?,
            bytes: value("bytes")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: u64 = 1 << 20;
    const PROOF: &[u8] = b"the writer's proof";

    /// Entry `seq` holding `payload`, as stored with [`PROOF`].
    fn entry(seq: u64, payload: &[u8]) -> Stored {
        Stored {
            seq,
            payload: payload.to_vec(),
            proof: PROOF.to_vec(),
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn appends_get_consecutive_sequence_numbers_per_document() {
        let (_dir, store) = store();
        let (a, b) = (DocId([1; 32]), DocId([2; 32]));
        assert_eq!(store.append(&a, b"one", PROOF, ROOM).unwrap(), 1);
        assert_eq!(store.append(&a, b"two", PROOF, ROOM).unwrap(), 2);
        assert_eq!(store.append(&b, b"other", PROOF, ROOM).unwrap(), 1);
        assert_eq!(
            store.backlog(&a, 1).unwrap().entries,
            vec![entry(2, b"two")]
        );
        assert_eq!(
            store.backlog(&b, 0).unwrap().entries,
            vec![entry(1, b"other")]
        );
    }

    #[test]
    fn the_same_entry_appended_twice_is_stored_once_under_its_first_number() {
        let (_dir, store) = store();
        let doc = DocId([1; 32]);
        assert_eq!(store.append(&doc, b"one", PROOF, ROOM).unwrap(), 1);
        assert_eq!(store.append(&doc, b"two", PROOF, ROOM).unwrap(), 2);
        assert_eq!(store.append(&doc, b"one", PROOF, ROOM).unwrap(), 1);
        assert_eq!(store.backlog(&doc, 0).unwrap().entries.len(), 2);
    }

    #[test]
    fn a_full_log_refuses_appends_until_a_snapshot_makes_room() {
        let (_dir, store) = store();
        let doc = DocId([1; 32]);
        store.append(&doc, &[1; 60], PROOF, 100).unwrap();
        assert!(matches!(
            store.append(&doc, &[2; 60], PROOF, 100),
            Err(StoreError::LogFull)
        ));
        store
            .put_snapshot(&doc, 1, b"everything so far", PROOF)
            .unwrap();
        assert_eq!(store.append(&doc, &[2; 60], PROOF, 100).unwrap(), 2);
    }

    #[test]
    fn a_snapshot_replaces_the_entries_it_covers_and_numbering_goes_on() {
        let (_dir, store) = store();
        let doc = DocId([1; 32]);
        for n in 1..=3u8 {
            store.append(&doc, &[n], PROOF, ROOM).unwrap();
        }
        store.put_snapshot(&doc, 3, b"snap", PROOF).unwrap();
        assert_eq!(store.append(&doc, &[4], PROOF, ROOM).unwrap(), 4);
        let from_start = store.backlog(&doc, 0).unwrap();
        assert_eq!(from_start.snapshot, Some(entry(3, b"snap")));
        assert_eq!(from_start.entries, vec![entry(4, &[4])]);
        let caught_up = store.backlog(&doc, 3).unwrap();
        assert_eq!(
            (caught_up.snapshot, caught_up.entries),
            (None, vec![entry(4, &[4])])
        );
        assert!(matches!(
            store.put_snapshot(&doc, 9, b"x", PROOF),
            Err(StoreError::AheadOfLog)
        ));
        store.put_snapshot(&doc, 2, b"older", PROOF).unwrap();
        assert_eq!(
            store.backlog(&doc, 0).unwrap().snapshot,
            Some(entry(3, b"snap"))
        );
    }

    #[test]
    fn the_store_syncs_every_commit_to_disk_through_its_write_ahead_log() {
        // What makes an acknowledged entry survive a power cut, not only a killed process
        // (tests/crash.rs: the kernel keeps what a killed process wrote).
        let (_dir, store) = store();
        let conn = store.lock();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        let synchronous: i64 = conn
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(synchronous, 2, "FULL");
    }

    #[test]
    fn entries_survive_reopening_the_store() {
        let dir = tempfile::tempdir().unwrap();
        Store::open(dir.path())
            .unwrap()
            .append(&DocId([3; 32]), b"kept", PROOF, ROOM)
            .unwrap();
        let reopened = Store::open(dir.path()).unwrap();
        assert_eq!(
            reopened.backlog(&DocId([3; 32]), 0).unwrap().entries,
            vec![entry(1, b"kept")]
        );
        assert_eq!(
            reopened.stats().unwrap(),
            StoreStats {
                documents: 1,
                entries: 1,
                bytes: 4
            }
        );
    }

    #[test]
    fn a_store_from_before_proofs_drops_its_logs_under_a_new_epoch_and_keeps_its_feeds() {
        let dir = tempfile::tempdir().unwrap();
        {
            let old = Connection::open(dir.path().join("relay.sqlite3")).unwrap();
            old.execute_batch(
                "CREATE TABLE entries (doc BLOB NOT NULL, seq INTEGER NOT NULL, hash BLOB NOT NULL,
                    payload BLOB NOT NULL, PRIMARY KEY (doc, seq)) WITHOUT ROWID;
                 CREATE TABLE snapshots (doc BLOB PRIMARY KEY, covers INTEGER NOT NULL,
                    payload BLOB NOT NULL) WITHOUT ROWID;
                 CREATE TABLE docs (doc BLOB PRIMARY KEY, last_seq INTEGER NOT NULL,
                    log_bytes INTEGER NOT NULL) WITHOUT ROWID;
                 CREATE TABLE feeds (id BLOB PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;
                 CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                 INSERT INTO meta VALUES ('epoch', 42);
                 INSERT INTO entries VALUES (x'01', 1, x'02', x'03');
                 INSERT INTO docs VALUES (x'01', 1, 1);
                 INSERT INTO feeds VALUES (zeroblob(32), CAST('BEGIN:VCALENDAR' AS BLOB));",
            )
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_ne!(
            store.epoch(),
            42,
            "devices must learn that the logs are gone"
        );
        assert_eq!(store.stats().unwrap().entries, 0);
        assert!(store.feed(&[0; 32]).unwrap().is_some());
        let doc = DocId([1; 32]);
        assert_eq!(store.append(&doc, b"new", PROOF, ROOM).unwrap(), 1);
        let epoch = store.epoch();
        drop(store);
        assert_eq!(
            Store::open(dir.path()).unwrap().epoch(),
            epoch,
            "migrated once"
        );
    }

    #[test]
    fn covered_entries_and_the_replaced_snapshot_are_kept_for_the_grace_period() {
        let (_dir, store) = store();
        let doc = DocId([1; 32]);
        for n in 1..=5u8 {
            store.append(&doc, &[n], PROOF, ROOM).unwrap();
        }
        let day = 24 * 60 * 60;
        store
            .put_snapshot_at(&doc, 3, b"first", PROOF, day)
            .unwrap();
        // A device that has entry 2 gets 3, 4 and 5, not the whole snapshot; a new one
        // gets the snapshot.
        let away = store.backlog(&doc, 2).unwrap();
        assert_eq!(away.snapshot, None);
        assert_eq!(
            away.entries,
            vec![entry(3, &[3]), entry(4, &[4]), entry(5, &[5])]
        );
        assert_eq!(
            store.backlog(&doc, 0).unwrap().snapshot,
            Some(entry(3, b"first"))
        );
        // The log made room: only entries 4 and 5 count.
        assert_eq!(store.stats().unwrap().entries, 2);
        // A covered entry sent again keeps its number while it is kept.
        assert_eq!(store.append(&doc, &[1], PROOF, ROOM).unwrap(), 1);
        assert_eq!(store.backlog(&doc, 5).unwrap().latest, 5);

        // Two days later a newer snapshot replaces it: the first is kept as the previous.
        store
            .put_snapshot_at(&doc, 5, b"second", PROOF, 3 * day)
            .unwrap();
        assert_eq!(
            store.previous_snapshot(&doc).unwrap(),
            Some(entry(3, b"first"))
        );
        assert_eq!(store.backlog(&doc, 2).unwrap().snapshot, None);

        // After the grace period, what was covered then is gone: the device that has
        // entry 2 gets the snapshot.
        let later = 3 * day + COVERED_GRACE_SECS + 1;
        assert_eq!(store.append(&doc, &[6], PROOF, ROOM).unwrap(), 6);
        store
            .put_snapshot_at(&doc, 6, b"third", PROOF, later)
            .unwrap();
        let long_away = store.backlog(&doc, 2).unwrap();
        assert_eq!(long_away.snapshot, Some(entry(6, b"third")));
        // An entry sent again after the store let it go keeps its number too.
        assert_eq!(store.append(&doc, &[1], PROOF, ROOM).unwrap(), 1);
        assert_eq!(store.append(&doc, &[7], PROOF, ROOM).unwrap(), 7);
        assert_eq!(
            store.previous_snapshot(&doc).unwrap(),
            Some(entry(5, b"second")),
            "the one replaced just now is kept; the first is gone"
        );
        // Long after, the store has forgotten those numbers too: a second number.
        let much_later = later + LET_GO_KEPT_SECS + 1;
        store
            .put_snapshot_at(&doc, 7, b"fourth", PROOF, much_later)
            .unwrap();
        assert_eq!(store.append(&doc, &[2], PROOF, ROOM).unwrap(), 8);
    }

    #[test]
    fn covered_entries_past_the_bytes_kept_go_at_once_oldest_first() {
        let (_dir, store) = store();
        store.keep_covered_at_most(250);
        let doc = DocId([1; 32]);
        let mut seq = 0;
        // A writer fills the log and covers it with a snapshot, five times over in a
        // day: every time, only the newest 250 bytes of covered entries stay.
        for round in 1..=5u8 {
            for n in 0..10u8 {
                let mut payload = [round; 100];
                payload[0] = n;
                seq = store.append(&doc, &payload, PROOF, ROOM).unwrap();
            }
            store
                .put_snapshot_at(&doc, seq, &[round; 10], PROOF, u64::from(round) * 60)
                .unwrap();
            let covered: i64 = store
                .lock()
                .query_row(
                    "SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM entries
                     WHERE doc = ?1 AND covered_at IS NOT NULL",
                    params![doc.0.as_slice()],
                    |row| row.get(0),
                )
                .unwrap();
            assert_eq!(covered, 200, "round {round}: the newest two entries stay");
        }
        // A device that has all but the last two entries gets them, not the snapshot;
        // one further behind gets the snapshot.
        let near = store.backlog(&doc, seq - 2).unwrap();
        assert_eq!(near.snapshot, None);
        assert_eq!(near.entries.len(), 2);
        let far = store.backlog(&doc, seq - 5).unwrap();
        assert_eq!(far.snapshot, Some(entry(seq, &[5; 10])));
        // An entry that went is remembered by its number: sent again, it keeps it.
        let mut first_of_last_round = [5; 100];
        first_of_last_round[0] = 0;
        assert_eq!(
            store
                .append(&doc, &first_of_last_round, PROOF, ROOM)
                .unwrap(),
            seq - 9
        );
    }

    #[test]
    fn a_backlog_read_in_pages_holds_every_entry_once_in_order() {
        let (_dir, store) = store();
        let doc = DocId([1; 32]);
        for n in 1..=10u8 {
            store.append(&doc, &[n; 100], PROOF, ROOM).unwrap();
        }
        store.put_snapshot_at(&doc, 2, b"snap", PROOF, 0).unwrap();
        let entry_bytes = 100 + PROOF.len();
        let budget = 2 * entry_bytes + 1;
        let (mut after, mut seen, mut pages) = (0, Vec::new(), 0);
        let (mut first, mut through) = (true, None);
        loop {
            let page = store.backlog_page(&doc, after, through, budget).unwrap();
            through = Some(page.latest);
            assert_eq!(page.latest, 10);
            assert_eq!(
                page.snapshot.is_some(),
                first,
                "the snapshot comes first, once"
            );
            if let Some(snapshot) = &page.snapshot {
                after = snapshot.seq;
            }
            let bytes: usize = page
                .entries
                .iter()
                .map(|e| e.payload.len() + e.proof.len())
                .sum();
            assert!(
                bytes <= budget + entry_bytes,
                "a page passes its budget by one entry at most"
            );
            for entry in &page.entries {
                after = entry.seq;
                seen.push(entry.seq);
            }
            pages += 1;
            if first {
                // Appended while the pages go out: not in them (it goes out live).
                store.append(&doc, &[11; 100], PROOF, ROOM).unwrap();
            }
            first = false;
            if !page.more {
                break;
            }
        }
        assert_eq!(
            seen,
            (3..=10).collect::<Vec<_>>(),
            "no page holds more than latest"
        );
        assert!(pages >= 3, "{pages} pages");
        assert_eq!(
            store.backlog(&doc, 0).unwrap().entries.len(),
            9,
            "whole (with the entry appended meanwhile), it is one page"
        );
    }

    /// The totals counted the slow way, as `/metrics` once did.
    fn scanned(store: &Store) -> StoreStats {
        let conn = store.lock();
        let (documents, entries, bytes): (i64, i64, i64) = conn
            .query_row(
                "SELECT
                    (SELECT COUNT(*) FROM docs),
                    (SELECT COUNT(*) FROM entries WHERE covered_at IS NULL),
                    (SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM entries)
                      + (SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM snapshots)
                      + (SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM previous_snapshots)",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .unwrap();
        StoreStats {
            documents: documents.unsigned_abs(),
            entries: entries.unsigned_abs(),
            bytes: bytes.unsigned_abs(),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Appends (some sent again, some past a full log), snapshots (some older than the
        /// one held, some ahead of the log, some letting covered entries go early) and days
        /// passing, on three documents, with the store reopened now and then: the totals kept as it changes are always what a
        /// scan of the store counts.
        #[test]
        fn the_kept_totals_are_what_a_scan_counts(
            steps in proptest::collection::vec((0..4u8, 0..3u8, 0..8u8), 1..40)
        ) {
            let dir = tempfile::tempdir().unwrap();
            // Covered entries past 100 bytes go at once (as the relay sets it, at its log
            // limit), so snapshots also let entries go early.
            let mut store = Store::open(dir.path()).unwrap();
            store.keep_covered_at_most(100);
            let day = 24 * 60 * 60;
            let mut now = day;
            for (what, doc, n) in steps {
                let doc = DocId([doc; 32]);
                match what {
                    0 => {
                        let _ = store.append(&doc, &[n; 40], PROOF, 200);
                    }
                    1 => {
                        let covers = u64::from(n);
                        let _ = store.put_snapshot_at(&doc, covers, &vec![n; usize::from(n) * 9], PROOF, now);
                    }
                    2 => now += u64::from(n) * day,
                    _ => {
                        drop(store);
                        store = Store::open(dir.path()).unwrap();
                        store.keep_covered_at_most(100);
                    }
                }
                proptest::prop_assert_eq!(store.stats().unwrap(), scanned(&store));
            }
        }
    }
}
