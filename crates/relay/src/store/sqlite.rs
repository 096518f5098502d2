//! The relay's embedded store: one SQLite file holding every document's log of opaque
//! entries and its latest opaque snapshot, each with its writer's proof, which the relay
//! hands on to every device so that each checks it for itself. [`Db`] is the database,
//! called from one thread at a time; [`SqliteStore`] serves it to the relay's tasks on
//! blocking threads.
//!
//! WAL with `synchronous = FULL`, so an append is on disk before it is acknowledged. An
//! entry already in the log (same bytes) is not stored twice: a device that resends after
//! a lost acknowledgement gets the same sequence number back.

use std::path::Path;
use std::sync::{Arc, Mutex};

use landsbyplan_sync::DocId;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use super::{
    Append, Backlog, COVERED_GRACE_SECS, LET_GO_KEPT_SECS, Store, StoreError, StoreStats, Stored,
};

/// Every document's log in one SQLite file.
#[derive(Debug)]
pub struct Db {
    conn: Mutex<Connection>,
    epoch: u64,
    dir: std::path::PathBuf,
    /// The most bytes of covered entries kept per document (see
    /// [`Db::keep_covered_at_most`]).
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

impl Db {
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

    /// Keeps a snapshot at `now` (see [`Store::put_snapshot_at`]).
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

    /// A page of the backlog: the snapshot if it is due, and entries until they
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
        let latest = super::latest(
            through,
            snapshot.as_ref(),
            last_entry.map_or(0, i64::unsigned_abs),
        );
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

    /// The last sequence number `doc`'s log has given (0 for none).
    pub fn last_seq(&self, doc: &DocId) -> Result<u64, StoreError> {
        let last: Option<i64> = self
            .lock()
            .prepare_cached("SELECT last_seq FROM docs WHERE doc = ?1")?
            .query_row(params![doc.0.as_slice()], |row| row.get(0))
            .optional()?;
        Ok(last.map_or(0, i64::unsigned_abs))
    }

    /// See [`Store::entries_after`].
    pub fn entries_after(
        &self,
        wanted: &[(DocId, u64, u64)],
        budget: usize,
    ) -> Result<(Vec<(DocId, Stored)>, bool), StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, payload, proof FROM entries WHERE doc = ?1 AND seq > ?2 AND seq <= ?3
             ORDER BY seq",
        )?;
        let mut found = Vec::new();
        let mut bytes = 0usize;
        for (doc, after, through) in wanted {
            let rows = stmt.query_map(
                params![doc.0.as_slice(), to_i64(*after), to_i64(*through)],
                stored,
            )?;
            for row in rows {
                if bytes >= budget && !found.is_empty() {
                    return Ok((found, true));
                }
                let entry = row?;
                bytes = bytes.saturating_add(entry.payload.len() + entry.proof.len());
                found.push((*doc, entry));
            }
        }
        Ok((found, false))
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

/// [`Db`] for the relay's tasks: each call on a blocking thread.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    db: Arc<Db>,
}

impl SqliteStore {
    /// Opens (or creates) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            db: Arc::new(Db::open(data_dir)?),
        })
    }

    /// Runs `work` on the database on a blocking thread.
    async fn on_db<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Db) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(|err| StoreError::Failed(err.to_string()))?
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn epoch(&self) -> u64 {
        self.db.epoch()
    }

    async fn append_batch(
        &self,
        appends: Arc<Vec<Append>>,
        max_log_bytes: u64,
    ) -> Result<Vec<Result<u64, StoreError>>, StoreError> {
        self.on_db(move |db| {
            let borrowed: Vec<(DocId, &[u8], &[u8])> = appends
                .iter()
                .map(|(doc, payload, proof)| (*doc, payload.as_slice(), proof.as_slice()))
                .collect();
            db.append_batch(&borrowed, max_log_bytes)
        })
        .await
    }

    async fn put_snapshot_at(
        &self,
        doc: DocId,
        covers: u64,
        payload: Vec<u8>,
        proof: Vec<u8>,
        now: u64,
    ) -> Result<(), StoreError> {
        self.on_db(move |db| db.put_snapshot_at(&doc, covers, &payload, &proof, now))
            .await
    }

    fn keep_covered_at_most(&self, bytes: u64) {
        self.db.keep_covered_at_most(bytes);
    }

    async fn backlog_page(
        &self,
        doc: DocId,
        since: u64,
        through: Option<u64>,
        budget: usize,
    ) -> Result<Backlog, StoreError> {
        self.on_db(move |db| db.backlog_page(&doc, since, through, budget))
            .await
    }

    async fn last_seq(&self, doc: DocId) -> Result<u64, StoreError> {
        self.on_db(move |db| db.last_seq(&doc)).await
    }

    async fn entries_after(
        &self,
        wanted: Vec<(DocId, u64, u64)>,
        budget: usize,
    ) -> Result<(Vec<(DocId, Stored)>, bool), StoreError> {
        self.on_db(move |db| db.entries_after(&wanted, budget))
            .await
    }

    async fn previous_snapshot(&self, doc: DocId) -> Result<Option<Stored>, StoreError> {
        self.on_db(move |db| db.previous_snapshot(&doc)).await
    }

    async fn has_doc(&self, doc: DocId) -> Result<bool, StoreError> {
        self.on_db(move |db| db.has_doc(&doc)).await
    }

    async fn put_feed(&self, id: [u8; 32], version: u64, body: Vec<u8>) -> Result<(), StoreError> {
        self.on_db(move |db| db.put_feed(&id, version, &body)).await
    }

    async fn feed(&self, id: [u8; 32]) -> Result<Option<Vec<u8>>, StoreError> {
        self.on_db(move |db| db.feed(&id)).await
    }

    async fn ready(&self) -> Result<(), StoreError> {
        self.on_db(Db::ready).await
    }

    async fn stats(&self) -> Result<StoreStats, StoreError> {
        self.on_db(Db::stats).await
    }

    fn free_bytes(&self) -> Option<std::io::Result<u64>> {
        Some(self.db.free_bytes())
    }
}

#[cfg(test)]
mod tests {
    //! What only SQLite has; the rules both stores hold are tested on both in
    //! `tests/stores.rs`.
    use super::*;

    const ROOM: u64 = 1 << 20;
    const PROOF: &[u8] = b"the writer's proof";

    fn store() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let store = Db::open(dir.path()).unwrap();
        (dir, store)
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
        let store = Db::open(dir.path()).unwrap();
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
            Db::open(dir.path()).unwrap().epoch(),
            epoch,
            "migrated once"
        );
    }

    /// The totals counted the slow way, as `/metrics` once did.
    fn scanned(store: &Db) -> StoreStats {
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
            let mut store = Db::open(dir.path()).unwrap();
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
                        store = Db::open(dir.path()).unwrap();
                        store.keep_covered_at_most(100);
                    }
                }
                proptest::prop_assert_eq!(store.stats().unwrap(), scanned(&store));
            }
        }
    }
}
