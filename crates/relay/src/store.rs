//! The relay's embedded store: one SQLite file holding every document's log.
//!
//! WAL with `synchronous = FULL`, so an append is on disk before it is acknowledged.

use std::path::Path;
use std::sync::Mutex;

use landsbyplan_sync::DocId;
use rusqlite::{Connection, params};

/// The store failed; the relay tells the device to try again.
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
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Every document's log of opaque entries.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
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
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS entries (
                doc BLOB NOT NULL,
                seq INTEGER NOT NULL,
                payload BLOB NOT NULL,
                PRIMARY KEY (doc, seq)
            ) WITHOUT ROWID;",
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// Appends `payload` to `doc`'s log and returns its sequence number (1, 2, …) once the
    /// entry is durable.
    pub fn append(&self, doc: &DocId, payload: &[u8]) -> Result<u64, StoreError> {
        let conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let seq: i64 = conn.query_row(
            "INSERT INTO entries (doc, seq, payload)
             SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2 FROM entries WHERE doc = ?1
             RETURNING seq",
            params![doc.0.as_slice(), payload],
            |row| row.get(0),
        )?;
        Ok(seq.unsigned_abs())
    }

    /// Every entry of `doc` after sequence number `since`, oldest first.
    pub fn entries_since(
        &self,
        doc: &DocId,
        since: u64,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut stmt = conn.prepare_cached(
            "SELECT seq, payload FROM entries WHERE doc = ?1 AND seq > ?2 ORDER BY seq",
        )?;
        let since = i64::try_from(since).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![doc.0.as_slice(), since], |row| {
            Ok((row.get::<_, i64>(0)?.unsigned_abs(), row.get(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_get_consecutive_sequence_numbers_per_document() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (a, b) = (DocId([1; 32]), DocId([2; 32]));
        assert_eq!(store.append(&a, b"one").unwrap(), 1);
        assert_eq!(store.append(&a, b"two").unwrap(), 2);
        assert_eq!(store.append(&b, b"other").unwrap(), 1);
        assert_eq!(
            store.entries_since(&a, 1).unwrap(),
            vec![(2, b"two".to_vec())]
        );
        assert_eq!(
            store.entries_since(&b, 0).unwrap(),
            vec![(1, b"other".to_vec())]
        );
    }

    #[test]
    fn entries_survive_reopening_the_store() {
        let dir = tempfile::tempdir().unwrap();
        Store::open(dir.path())
            .unwrap()
            .append(&DocId([3; 32]), b"kept")
            .unwrap();
        let reopened = Store::open(dir.path()).unwrap();
        assert_eq!(
            reopened.entries_since(&DocId([3; 32]), 0).unwrap(),
            vec![(1, b"kept".to_vec())]
        );
    }
}
