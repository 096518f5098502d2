//! The store on PostgreSQL, for several relays serving the same documents.
//!
//! The same tables as the SQLite store, made by versioned migrations at start (one relay
//! at a time, under an advisory lock). Appends to one document are numbered under a
//! transaction-scoped advisory lock on it, so relays writing the same document at once
//! give out consecutive numbers and an entry sent to two relays is kept once. In the
//! transaction of an append goes a hint, `NOTIFY landsbyplan_appends '<doc hex>:<seq>:<relay>'`
//! (never the payload), which the other relays hear on one listening connection each
//! ([`Listener`]) and answer by reading the new rows.
//!
//! tokio-postgres is the driver (async, and `LISTEN` on a connection the relay drives
//! itself); deadpool-postgres pools its connections, with a size limit and timeouts, and
//! replaces a connection that broke, so the store comes back by itself when the database
//! does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use futures_util::StreamExt;
use landsbyplan_sync::DocId;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};

use super::{
    Append, Backlog, COVERED_GRACE_SECS, LET_GO_KEPT_SECS, Store, StoreError, StoreStats, Stored,
};
use crate::hints::{Heard, Hints};

/// The channel the hints go on.
const CHANNEL: &str = "landsbyplan_appends";

/// The channel signals to devices on other relays go on.
const SIGNALS: &str = "landsbyplan_signals";

/// The largest signal that crosses to other relays: in base64, with its header, within
/// `NOTIFY`'s 8,000 bytes. (A WebRTC offer or answer, sealed, is one to three KiB.)
pub const MAX_SIGNAL_ON_BUS: usize = 5_800;

/// How long a query may wait for a connection, or a connection take to open, before the
/// store counts as unreachable.
const WAIT: Duration = Duration::from_secs(5);

/// How often the listening connection is asked whether it still answers.
const LISTENER_CHECK: Duration = Duration::from_secs(15);

/// The advisory lock migrations run under (any number, the same in every relay).
const MIGRATING: i64 = 0x6c61_6e64_7362_7900;

/// The schema, one step per version, in order. A step is never changed once released: a
/// change is a new step.
const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE entries (
        doc bytea NOT NULL,
        seq bigint NOT NULL,
        hash bytea NOT NULL,
        payload bytea NOT NULL,
        proof bytea NOT NULL,
        -- When a snapshot came to cover the entry (seconds since 1970; NULL while it is
        -- in the log): covered entries are kept for a grace period.
        covered_at bigint,
        PRIMARY KEY (doc, seq)
    );
    CREATE INDEX entries_by_hash ON entries (doc, hash);
    CREATE TABLE snapshots (
        doc bytea PRIMARY KEY,
        covers bigint NOT NULL,
        payload bytea NOT NULL,
        proof bytea NOT NULL
    );
    -- The snapshot a newer one replaced, kept for the grace period.
    CREATE TABLE previous_snapshots (
        doc bytea PRIMARY KEY,
        covers bigint NOT NULL,
        payload bytea NOT NULL,
        proof bytea NOT NULL,
        replaced_at bigint NOT NULL
    );
    -- Per document: the last number given, the bytes and entries its log holds, and all
    -- the bytes kept of it (covered entries and snapshots too), for the totals.
    CREATE TABLE docs (
        doc bytea PRIMARY KEY,
        last_seq bigint NOT NULL,
        log_bytes bigint NOT NULL,
        log_entries bigint NOT NULL,
        kept_bytes bigint NOT NULL
    );
    -- Calendar feeds (an empty body: withdrawn, keeping its version).
    CREATE TABLE feeds (
        id bytea PRIMARY KEY,
        body bytea NOT NULL,
        version bigint NOT NULL
    );
    -- Entries let go after their grace period, by their payload's hash, so one sent
    -- again keeps its old number.
    CREATE TABLE let_go (
        doc bytea NOT NULL,
        hash bytea NOT NULL,
        seq bigint NOT NULL,
        gone_at bigint NOT NULL,
        PRIMARY KEY (doc, hash)
    );
    -- The store's epoch, a random number made with it (see the SQLite store).
    CREATE TABLE meta (key text PRIMARY KEY, value bigint NOT NULL);
    INSERT INTO meta (key, value)
        VALUES ('epoch', floor(random() * 9007199254740991)::bigint + 1);",
)];

/// How a relay reaches PostgreSQL.
#[derive(Clone, Debug)]
pub struct PgConfig {
    /// A connection URL (`postgres://user:password@host:port/database`).
    pub url: String,
    /// The most connections the relay's pool holds (the listening connection apart).
    pub pool_size: usize,
}

/// Every document's log in PostgreSQL.
pub struct PgStore {
    pool: Pool,
    config: tokio_postgres::Config,
    epoch: u64,
    keep_covered: AtomicU64,
    /// A random number naming this store's hints, so that its own listener passes them
    /// over (its writer passed the entries on already).
    origin: u64,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

fn failed(err: impl std::fmt::Display) -> StoreError {
    StoreError::Postgres(err.to_string())
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(err: tokio_postgres::Error) -> Self {
        // The server's own message says most (a constraint, a lost connection).
        match err.as_db_error() {
            Some(db) => StoreError::Postgres(db.message().to_owned()),
            None => StoreError::Postgres(err.to_string()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(err: deadpool_postgres::PoolError) -> Self {
        use deadpool_postgres::PoolError;
        let why = match err {
            // The server's or the network's own words ("database … is not currently
            // accepting connections", "connection refused").
            PoolError::Backend(err) => match err.as_db_error() {
                Some(db) => db.message().to_owned(),
                None => err.to_string(),
            },
            PoolError::Timeout(_) => "none came within 5 s".to_owned(),
            other => other.to_string(),
        };
        StoreError::Postgres(format!("no connection to the database: {why}"))
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The advisory lock that numbers `doc`'s appends one at a time.
fn doc_lock(doc: &DocId) -> i64 {
    let mut first = [0; 8];
    first.copy_from_slice(&doc.0[..8]);
    i64::from_be_bytes(first)
}

/// A hint's text: the document in hex, the sequence number, and the relay process it
/// came from (which passed the entry on itself), separated by colons.
fn hint(doc: &DocId, seq: u64, origin: u64) -> String {
    let mut text = String::with_capacity(64 + 42);
    for byte in doc.0 {
        text.push_str(&format!("{byte:02x}"));
    }
    text.push_str(&format!(":{seq}:{origin}"));
    text
}

/// A hint read back: document, number, origin; `None` for anything else.
fn parse_hint(text: &str) -> Option<(DocId, u64, u64)> {
    let mut parts = text.split(':');
    let doc = parse_doc(parts.next()?)?;
    let seq = parts.next()?.parse().ok()?;
    let origin = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((doc, seq, origin))
}

impl PgStore {
    /// Connects to the database at `config.url`, brings its schema up to date, and
    /// reads its epoch. Fails plainly if the database cannot be reached or was made by
    /// a newer relay.
    pub async fn connect(config: &PgConfig) -> Result<Self, StoreError> {
        let mut pg: tokio_postgres::Config = config
            .url
            .parse()
            .map_err(|err| failed(format!("the connection URL is not valid: {err}")))?;
        if pg.get_connect_timeout().is_none() {
            pg.connect_timeout(WAIT);
        }
        // A connection whose other end went silent (a network split without a reset) is
        // found out within seconds, not the hours the kernel's defaults would take: its
        // queries fail, the pool replaces it, and the listener connects again.
        pg.keepalives(true)
            .keepalives_idle(Duration::from_secs(10))
            .keepalives_interval(Duration::from_secs(5))
            .keepalives_retries(3)
            .tcp_user_timeout(Duration::from_secs(20));
        pg.application_name("landsbyplan-relay");
        let manager = Manager::from_config(
            pg.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(config.pool_size.max(1))
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(WAIT))
            .recycle_timeout(Some(WAIT))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(failed)?;
        let mut client = pool.get().await?;
        migrate(&mut client).await?;
        let epoch: i64 = client
            .query_opt("SELECT value FROM meta WHERE key = 'epoch'", &[])
            .await?
            .ok_or_else(|| {
                failed(
                    "the store has no epoch (a row 'epoch' in the table meta): give it one as \
                     the README says after restoring a backup",
                )
            })?
            .get(0);
        Ok(Self {
            pool,
            config: pg,
            epoch: epoch.unsigned_abs().max(1),
            keep_covered: AtomicU64::new(u64::MAX),
            origin: {
                let mut bytes = [0; 8];
                getrandom::fill(&mut bytes).map_err(failed)?;
                u64::from_le_bytes(bytes)
            },
        })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await?)
    }
}

/// Brings the schema up to the last of [`MIGRATIONS`], one relay at a time.
async fn migrate(client: &mut deadpool_postgres::Object) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATING])
        .await?;
    let made: bool = tx
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
        .await?
        .get(0);
    if !made {
        tx.batch_execute(
            "CREATE TABLE schema_migrations (
                version bigint PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )",
        )
        .await?;
    }
    let at: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await?
        .get(0);
    let known = MIGRATIONS.last().map_or(0, |(version, _)| *version);
    if at > known {
        return Err(failed(format!(
            "the database's schema is at version {at}, newer than this relay knows ({known}): \
             run the newer relay"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(version, _)| *version > at) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[version],
        )
        .await?;
        tracing::info!(version, "migrated the PostgreSQL store");
    }
    tx.commit().await?;
    Ok(())
}

/// One append inside a transaction holding `doc`'s lock; a refusal leaves it usable.
/// The statements are prepared once per connection.
async fn append_one(
    tx: &deadpool_postgres::Transaction<'_>,
    doc: &DocId,
    payload: &[u8],
    proof: &[u8],
    max_log_bytes: u64,
) -> Result<u64, StoreError> {
    let hash: [u8; 32] = Sha256::digest(payload).into();
    let doc = doc.0.as_slice();
    let held = tx
        .prepare_cached(
            "SELECT seq FROM entries WHERE doc = $1 AND hash = $2
             UNION ALL SELECT seq FROM let_go WHERE doc = $1 AND hash = $2
             ORDER BY seq LIMIT 1",
        )
        .await?;
    if let Some(row) = tx.query_opt(&held, &[&doc, &hash.as_slice()]).await? {
        return Ok(row.get::<_, i64>(0).unsigned_abs());
    }
    let at = tx
        .prepare_cached("SELECT last_seq, log_bytes FROM docs WHERE doc = $1")
        .await?;
    let (last, used): (i64, i64) = tx
        .query_opt(&at, &[&doc])
        .await?
        .map_or((0, 0), |row| (row.get(0), row.get(1)));
    let size = i64::try_from(payload.len()).unwrap_or(i64::MAX);
    if used.unsigned_abs() + payload.len() as u64 > max_log_bytes {
        return Err(StoreError::LogFull);
    }
    let seq = last + 1;
    let insert = tx
        .prepare_cached(
            "INSERT INTO entries (doc, seq, hash, payload, proof) VALUES ($1, $2, $3, $4, $5)",
        )
        .await?;
    tx.execute(&insert, &[&doc, &seq, &hash.as_slice(), &payload, &proof])
        .await?;
    let count = tx
        .prepare_cached(
            "INSERT INTO docs (doc, last_seq, log_bytes, log_entries, kept_bytes)
             VALUES ($1, $2, $3, 1, $3)
             ON CONFLICT (doc) DO UPDATE SET last_seq = $2, log_bytes = docs.log_bytes + $3,
                log_entries = docs.log_entries + 1, kept_bytes = docs.kept_bytes + $3",
        )
        .await?;
    tx.execute(&count, &[&doc, &seq, &size]).await?;
    Ok(seq.unsigned_abs())
}

/// Takes the numbering locks of `docs` in one order (the same in every relay, so two
/// batches never wait for each other in a circle), in one statement: a function scan
/// yields the array's elements in order.
async fn lock_docs(
    tx: &deadpool_postgres::Transaction<'_>,
    docs: impl Iterator<Item = DocId>,
) -> Result<(), StoreError> {
    let mut keys: Vec<i64> = docs.map(|doc| doc_lock(&doc)).collect();
    keys.sort_unstable();
    keys.dedup();
    let lock = tx
        .prepare_cached("SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k")
        .await?;
    tx.execute(&lock, &[&keys]).await?;
    Ok(())
}

#[async_trait::async_trait]
impl Store for PgStore {
    fn epoch(&self) -> u64 {
        self.epoch
    }

    async fn append_batch(
        &self,
        appends: Arc<Vec<Append>>,
        max_log_bytes: u64,
    ) -> Result<Vec<Result<u64, StoreError>>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        lock_docs(&tx, appends.iter().map(|(doc, _, _)| *doc)).await?;
        // Each document's appends in their order; the documents side by side, their
        // statements pipelined on the one connection.
        let mut by_doc: std::collections::BTreeMap<DocId, Vec<usize>> = Default::default();
        for (i, (doc, _, _)) in appends.iter().enumerate() {
            by_doc.entry(*doc).or_default().push(i);
        }
        let in_tx = &tx;
        let batch = appends.as_slice();
        let chains = by_doc.iter().map(|(doc, indices)| async move {
            let mut outcomes = Vec::with_capacity(indices.len());
            for &i in indices {
                let (_, payload, proof) = &batch[i];
                outcomes.push((
                    i,
                    append_one(in_tx, doc, payload, proof, max_log_bytes).await,
                ));
            }
            outcomes
        });
        let mut results: Vec<Option<Result<u64, StoreError>>> = std::iter::repeat_with(|| None)
            .take(appends.len())
            .collect();
        for (i, outcome) in futures_util::future::join_all(chains)
            .await
            .into_iter()
            .flatten()
        {
            results[i] = Some(outcome);
        }
        let results: Vec<Result<u64, StoreError>> = results
            .into_iter()
            .map(|outcome| outcome.expect("every append has its outcome"))
            .collect();
        // A failure of the database (not a refusal) fails the whole batch: nothing of it
        // is stored, and each append hears so.
        // (Statements after the first failure fail as "the transaction is aborted": the
        // first failure by position may be one of those, so the cause is preferred.)
        let mut failure: Option<String> = None;
        for result in &results {
            if let Err(StoreError::Postgres(message)) = result {
                let aborted = message.contains("current transaction is aborted");
                if failure.is_none() || !aborted {
                    failure = Some(message.clone());
                }
                if !aborted {
                    break;
                }
            }
        }
        if let Some(cause) = failure {
            return Err(StoreError::Postgres(cause));
        }
        let mut newest: std::collections::BTreeMap<DocId, u64> = Default::default();
        for ((doc, _, _), result) in appends.iter().zip(&results) {
            if let Ok(seq) = result {
                let at = newest.entry(*doc).or_default();
                *at = (*at).max(*seq);
            }
        }
        let hints: Vec<String> = newest
            .iter()
            .map(|(doc, seq)| hint(doc, *seq, self.origin))
            .collect();
        let notify = tx
            .prepare_cached("SELECT pg_notify($1, h) FROM unnest($2::text[]) AS h")
            .await?;
        tx.execute(&notify, &[&CHANNEL, &hints]).await?;
        tx.commit().await?;
        Ok(results)
    }

    async fn put_snapshot_at(
        &self,
        doc: DocId,
        covers: u64,
        payload: Vec<u8>,
        proof: Vec<u8>,
        now: u64,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        lock_docs(&tx, std::iter::once(doc)).await?;
        let id = doc.0.as_slice();
        let row = tx
            .query_one(
                "SELECT COALESCE((SELECT last_seq FROM docs WHERE doc = $1), 0),
                        (SELECT covers FROM snapshots WHERE doc = $1)",
                &[&id],
            )
            .await?;
        let (last, held): (i64, Option<i64>) = (row.get(0), row.get(1));
        let covers = to_i64(covers);
        if covers > last.max(held.unwrap_or(0)) {
            return Err(StoreError::AheadOfLog);
        }
        if held.is_some_and(|held| held >= covers) {
            return Ok(());
        }
        let now = to_i64(now);
        tx.execute(
            "INSERT INTO previous_snapshots (doc, covers, payload, proof, replaced_at)
             SELECT doc, covers, payload, proof, $2 FROM snapshots WHERE doc = $1
             ON CONFLICT (doc) DO UPDATE SET covers = excluded.covers,
                payload = excluded.payload, proof = excluded.proof,
                replaced_at = excluded.replaced_at",
            &[&id, &now],
        )
        .await?;
        tx.execute(
            "INSERT INTO snapshots (doc, covers, payload, proof) VALUES ($1, $2, $3, $4)
             ON CONFLICT (doc) DO UPDATE SET
                covers = excluded.covers, payload = excluded.payload, proof = excluded.proof",
            &[&id, &covers, &payload, &proof],
        )
        .await?;
        tx.execute(
            "UPDATE entries SET covered_at = $3
             WHERE doc = $1 AND seq <= $2 AND covered_at IS NULL",
            &[&id, &covers, &now],
        )
        .await?;
        // Past the bytes of covered entries kept, the oldest go now.
        let keep = to_i64(self.keep_covered.load(Ordering::Relaxed));
        let oldest_kept: Option<i64> = tx
            .query_one(
                "SELECT MAX(seq) FROM (
                     SELECT seq, (SUM(length(payload)::bigint) OVER (ORDER BY seq DESC))::bigint AS newer
                     FROM entries WHERE doc = $1 AND covered_at IS NOT NULL) AS covered
                 WHERE newer > $2::bigint",
                &[&id, &keep],
            )
            .await?
            .get(0);
        if let Some(through) = oldest_kept {
            tx.execute(
                "UPDATE entries SET covered_at = $3
                 WHERE doc = $1 AND covered_at IS NOT NULL AND seq <= $2",
                &[&id, &through, &i64::MIN],
            )
            .await?;
        }
        let expired = now - to_i64(COVERED_GRACE_SECS);
        tx.execute(
            "INSERT INTO let_go (doc, hash, seq, gone_at)
             SELECT doc, hash, seq, $3 FROM entries WHERE doc = $1 AND covered_at < $2
             ORDER BY seq
             ON CONFLICT (doc, hash) DO NOTHING",
            &[&id, &expired, &now],
        )
        .await?;
        tx.execute(
            "DELETE FROM let_go WHERE doc = $1 AND gone_at < $2",
            &[&id, &(now - to_i64(LET_GO_KEPT_SECS))],
        )
        .await?;
        tx.execute(
            "DELETE FROM entries WHERE doc = $1 AND covered_at < $2",
            &[&id, &expired],
        )
        .await?;
        tx.execute(
            "DELETE FROM previous_snapshots WHERE doc = $1 AND replaced_at < $2",
            &[&id, &expired],
        )
        .await?;
        tx.execute(
            "INSERT INTO docs (doc, last_seq, log_bytes, log_entries, kept_bytes)
             VALUES ($1, $2, 0, 0, 0)
             ON CONFLICT (doc) DO UPDATE SET last_seq = GREATEST(docs.last_seq, $2)",
            &[&id, &covers],
        )
        .await?;
        tx.execute(
            "UPDATE docs SET
                log_bytes = (SELECT COALESCE(SUM(length(payload)), 0)::bigint FROM entries
                             WHERE doc = $1 AND covered_at IS NULL),
                log_entries = (SELECT COUNT(*) FROM entries WHERE doc = $1 AND covered_at IS NULL),
                kept_bytes = (SELECT COALESCE(SUM(length(payload)), 0)::bigint FROM entries
                              WHERE doc = $1)
                    + (SELECT COALESCE(SUM(length(payload)), 0)::bigint FROM snapshots
                       WHERE doc = $1)
                    + (SELECT COALESCE(SUM(length(payload)), 0)::bigint FROM previous_snapshots
                       WHERE doc = $1)
             WHERE doc = $1",
            &[&id],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn keep_covered_at_most(&self, bytes: u64) {
        self.keep_covered.store(bytes, Ordering::Relaxed);
    }

    async fn backlog_page(
        &self,
        doc: DocId,
        since: u64,
        through: Option<u64>,
        budget: usize,
    ) -> Result<Backlog, StoreError> {
        let mut client = self.client().await?;
        // One view of the document for the whole page.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let id = doc.0.as_slice();
        let snapshot = tx
            .query_opt(
                "SELECT covers, payload, proof FROM snapshots WHERE doc = $1",
                &[&id],
            )
            .await?
            .map(|row| Stored {
                seq: row.get::<_, i64>(0).unsigned_abs(),
                payload: row.get(1),
                proof: row.get(2),
            });
        let last_entry: Option<i64> = tx
            .query_opt("SELECT last_seq FROM docs WHERE doc = $1", &[&id])
            .await?
            .map(|row| row.get(0));
        let latest = super::latest(
            through,
            snapshot.as_ref(),
            last_entry.map_or(0, i64::unsigned_abs),
        );
        let mut snapshot = snapshot.filter(|s| s.seq > since);
        if let Some(covers) = snapshot.as_ref().map(|s| s.seq).filter(|_| since > 0) {
            let kept: i64 = tx
                .query_one(
                    "SELECT COUNT(*) FROM entries WHERE doc = $1 AND seq > $2 AND seq <= $3",
                    &[&id, &to_i64(since), &to_i64(covers)],
                )
                .await?
                .get(0);
            if kept.unsigned_abs() == covers - since {
                snapshot = None;
            }
        }
        let after = snapshot.as_ref().map_or(since, |s| s.seq);
        let first_bytes = snapshot
            .as_ref()
            .map_or(0, |s| s.payload.len() + s.proof.len());
        // Entries while the bytes before them (the snapshot's included) are under the
        // budget, and at least one: the sums come from the rows' lengths, and only the
        // entries sent are read whole.
        let rows = tx
            .query(
                "WITH page AS (
                    SELECT seq,
                        (SUM(length(payload)::bigint + length(proof)) OVER (ORDER BY seq))::bigint
                            - (length(payload) + length(proof)) AS before,
                        ROW_NUMBER() OVER (ORDER BY seq) AS n,
                        COUNT(*) OVER () AS total
                    FROM entries WHERE doc = $1 AND seq > $2 AND seq <= $3)
                 SELECT page.seq, entries.payload, entries.proof, page.total
                 FROM page JOIN entries ON entries.doc = $1 AND entries.seq = page.seq
                 WHERE $4::bigint + page.before < $5::bigint OR (page.n = 1 AND NOT $6::boolean)
                 ORDER BY page.seq",
                &[
                    &id,
                    &to_i64(after),
                    &to_i64(through.unwrap_or(latest)),
                    &to_i64(first_bytes as u64),
                    &to_i64(budget as u64),
                    &snapshot.is_some(),
                ],
            )
            .await?;
        let total = rows.first().map_or(0, |row| row.get::<_, i64>(3));
        let entries: Vec<Stored> = rows
            .into_iter()
            .map(|row| Stored {
                seq: row.get::<_, i64>(0).unsigned_abs(),
                payload: row.get(1),
                proof: row.get(2),
            })
            .collect();
        let more = (entries.len() as u64) < total.unsigned_abs();
        tx.commit().await?;
        Ok(Backlog {
            snapshot,
            entries,
            latest,
            more,
        })
    }

    async fn last_seq(&self, doc: DocId) -> Result<u64, StoreError> {
        let last: Option<i64> = self
            .client()
            .await?
            .query_opt(
                "SELECT last_seq FROM docs WHERE doc = $1",
                &[&doc.0.as_slice()],
            )
            .await?
            .map(|row| row.get(0));
        Ok(last.map_or(0, i64::unsigned_abs))
    }

    async fn entries_after(
        &self,
        wanted: Vec<(DocId, u64, u64)>,
        budget: usize,
    ) -> Result<(Vec<(DocId, Stored)>, bool), StoreError> {
        let docs: Vec<&[u8]> = wanted.iter().map(|(doc, _, _)| doc.0.as_slice()).collect();
        let after: Vec<i64> = wanted.iter().map(|(_, after, _)| to_i64(*after)).collect();
        let through: Vec<i64> = wanted
            .iter()
            .map(|(_, _, through)| to_i64(*through))
            .collect();
        let client = self.client().await?;
        // All the documents in one query; the byte sums come from the rows' lengths, and
        // only the entries sent are read whole.
        let read = client
            .prepare_cached(
                "WITH wanted AS (
                    SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bigint[])
                        WITH ORDINALITY AS w(doc, after, through, i)),
                 sized AS (
                    SELECT wanted.i, e.doc, e.seq,
                        (SUM(length(e.payload)::bigint + length(e.proof))
                            OVER (ORDER BY wanted.i, e.seq))::bigint
                            - (length(e.payload) + length(e.proof)) AS before,
                        COUNT(*) OVER () AS total
                    FROM wanted JOIN entries e
                        ON e.doc = wanted.doc AND e.seq > wanted.after AND e.seq <= wanted.through)
                 SELECT sized.doc, sized.seq, e.payload, e.proof, sized.total
                 FROM sized JOIN entries e ON e.doc = sized.doc AND e.seq = sized.seq
                 WHERE sized.before < $4::bigint
                 ORDER BY sized.i, sized.seq",
            )
            .await?;
        let rows = client
            .query(&read, &[&docs, &after, &through, &to_i64(budget as u64)])
            .await?;
        let total = rows.first().map_or(0, |row| row.get::<_, i64>(4));
        let more = (rows.len() as u64) < total.unsigned_abs();
        let found = rows
            .into_iter()
            .filter_map(|row| {
                let doc = <[u8; 32]>::try_from(row.get::<_, &[u8]>(0)).ok()?;
                Some((
                    DocId(doc),
                    Stored {
                        seq: row.get::<_, i64>(1).unsigned_abs(),
                        payload: row.get(2),
                        proof: row.get(3),
                    },
                ))
            })
            .collect();
        Ok((found, more))
    }

    async fn previous_snapshot(&self, doc: DocId) -> Result<Option<Stored>, StoreError> {
        Ok(self
            .client()
            .await?
            .query_opt(
                "SELECT covers, payload, proof FROM previous_snapshots WHERE doc = $1",
                &[&doc.0.as_slice()],
            )
            .await?
            .map(|row| Stored {
                seq: row.get::<_, i64>(0).unsigned_abs(),
                payload: row.get(1),
                proof: row.get(2),
            }))
    }

    async fn has_doc(&self, doc: DocId) -> Result<bool, StoreError> {
        Ok(self
            .client()
            .await?
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM docs WHERE doc = $1)",
                &[&doc.0.as_slice()],
            )
            .await?
            .get(0))
    }

    async fn put_feed(&self, id: [u8; 32], version: u64, body: Vec<u8>) -> Result<(), StoreError> {
        let client = self.client().await?;
        let changed = client
            .execute(
                "INSERT INTO feeds (id, body, version) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, version = excluded.version
                 WHERE excluded.version > feeds.version",
                &[&id.as_slice(), &body, &to_i64(version)],
            )
            .await?;
        if changed == 0 {
            let held: i64 = client
                .query_one("SELECT version FROM feeds WHERE id = $1", &[&id.as_slice()])
                .await?
                .get(0);
            return Err(StoreError::StaleFeed {
                held: held.unsigned_abs(),
            });
        }
        Ok(())
    }

    async fn feed(&self, id: [u8; 32]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .client()
            .await?
            .query_opt("SELECT body FROM feeds WHERE id = $1", &[&id.as_slice()])
            .await?
            .map(|row| row.get(0)))
    }

    async fn ready(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        tokio::time::timeout(WAIT, client.execute("SELECT 1", &[]))
            .await
            .map_err(|_| failed("the database did not answer within 5 s"))??;
        Ok(())
    }

    async fn stats(&self) -> Result<StoreStats, StoreError> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT COUNT(*), COALESCE(SUM(log_entries), 0)::bigint,
                        COALESCE(SUM(kept_bytes), 0)::bigint
                 FROM docs",
                &[],
            )
            .await?;
        Ok(StoreStats {
            documents: row.get::<_, i64>(0).unsigned_abs(),
            entries: row.get::<_, i64>(1).unsigned_abs(),
            bytes: row.get::<_, i64>(2).unsigned_abs(),
        })
    }

    fn free_bytes(&self) -> Option<std::io::Result<u64>> {
        None
    }

    fn hints(&self) -> Option<Arc<dyn Hints>> {
        // Named so an operator (or a test) can tell it from the pool's connections in
        // pg_stat_activity, and which relay process holds it.
        let mut config = self.config.clone();
        config.application_name(format!(
            "landsbyplan-relay listening (pid {})",
            std::process::id()
        ));
        Some(Arc::new(Listener {
            config,
            pool: self.pool.clone(),
            origin: self.origin,
            listening: Arc::new(AtomicBool::new(false)),
        }))
    }
}

/// The one connection on which a relay listens for the hints of every relay.
struct Listener {
    config: tokio_postgres::Config,
    /// For sending signals.
    pool: Pool,
    origin: u64,
    listening: Arc<AtomicBool>,
}

impl Hints for Listener {
    fn start(&self, heard: mpsc::UnboundedSender<Heard>) {
        let config = self.config.clone();
        let listening = Arc::clone(&self.listening);
        let origin = self.origin;
        tokio::spawn(async move {
            let mut pause = Duration::from_millis(100);
            let mut broke = false;
            while !heard.is_closed() {
                match listen(&config, origin, &heard, &listening, broke).await {
                    Ok(()) => return,
                    Err(err) => {
                        broke = true;
                        listening.store(false, Ordering::Relaxed);
                        tracing::warn!(%err, "the connection listening for other relays' appends broke; connecting again");
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_secs(5));
                    }
                }
            }
        });
    }

    fn listening(&self) -> bool {
        self.listening.load(Ordering::Relaxed)
    }

    fn signal(&self, doc: DocId, from: u64, to: Option<u64>, data: &[u8]) -> bool {
        if data.len() > MAX_SIGNAL_ON_BUS {
            return false;
        }
        let text = signal_text(&doc, from, to, self.origin, data);
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let sent = async {
                let client = pool.get().await?;
                client
                    .execute("SELECT pg_notify($1, $2)", &[&SIGNALS, &text])
                    .await?;
                Ok::<_, StoreError>(())
            };
            if let Err(err) = sent.await {
                tracing::debug!(%err, "a signal did not go to the other relays");
            }
        });
        true
    }
}

/// A signal's text on the bus: document in hex, from, to (`-` for all), origin, and the
/// data in base64, separated by colons.
fn signal_text(doc: &DocId, from: u64, to: Option<u64>, origin: u64, data: &[u8]) -> String {
    use base64::Engine;
    let mut text = String::with_capacity(128 + data.len() * 4 / 3);
    for byte in doc.0 {
        text.push_str(&format!("{byte:02x}"));
    }
    let to = to.map_or_else(|| "-".to_owned(), |to| to.to_string());
    text.push_str(&format!(":{from}:{to}:{origin}:"));
    base64::engine::general_purpose::STANDARD_NO_PAD.encode_string(data, &mut text);
    text
}

/// A signal read back: what was heard, and its origin; `None` for anything else.
fn parse_signal(text: &str) -> Option<(Heard, u64)> {
    use base64::Engine;
    let mut parts = text.split(':');
    let doc = parse_doc(parts.next()?)?;
    let from = parts.next()?.parse().ok()?;
    let to = match parts.next()? {
        "-" => None,
        to => Some(to.parse().ok()?),
    };
    let origin = parts.next()?.parse().ok()?;
    let data = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(parts.next()?)
        .ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((
        Heard::Signal {
            doc,
            from,
            to,
            data,
        },
        origin,
    ))
}

/// A document id in hex.
fn parse_doc(hex: &str) -> Option<DocId> {
    if hex.len() != 64 {
        return None;
    }
    let mut doc = [0; 32];
    for (i, byte) in doc.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(DocId(doc))
}

/// Listens until the connection breaks (an error) or the relay stops (`Ok`).
async fn listen(
    config: &tokio_postgres::Config,
    origin: u64,
    heard: &mpsc::UnboundedSender<Heard>,
    listening: &AtomicBool,
    again: bool,
) -> Result<(), StoreError> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (messages_in, mut messages) = mpsc::unbounded_channel();
    // The connection is driven here; its notifications come out of it.
    let driver = tokio::spawn(async move {
        let mut stream = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = stream.next().await {
            match message {
                Ok(message) => {
                    if messages_in.send(Ok(message)).is_err() {
                        return;
                    }
                }
                Err(err) => {
                    let _ = messages_in.send(Err(err));
                    return;
                }
            }
        }
    });
    let result = async {
        client
            .batch_execute(&format!("LISTEN {CHANNEL}; LISTEN {SIGNALS}"))
            .await?;
        listening.store(true, Ordering::Relaxed);
        if again {
            tracing::info!("listening for other relays' appends again");
        }
        // Hints may have been missed while there was no connection: every document
        // followed here is read again from its last number.
        if heard.send(Heard::Reconnected).is_err() {
            return Ok(());
        }
        // Asked now and then whether it still answers: a listener that hears nothing
        // cannot tell a quiet bus from a dead connection otherwise.
        let mut check = tokio::time::interval_at(
            tokio::time::Instant::now() + LISTENER_CHECK,
            LISTENER_CHECK,
        );
        loop {
            let message = tokio::select! {
                message = messages.recv() => message,
                // The relay stopped.
                () = heard.closed() => return Ok(()),
                _ = check.tick() => {
                    tokio::time::timeout(WAIT, client.batch_execute("SELECT 1"))
                        .await
                        .map_err(|_| failed("the listening connection did not answer within 5 s"))??;
                    continue;
                }
            };
            match message {
                Some(Ok(AsyncMessage::Notification(note))) => {
                    // What this relay sent itself it passed on already.
                    let said = if note.channel() == SIGNALS {
                        parse_signal(note.payload())
                    } else {
                        parse_hint(note.payload())
                            .map(|(doc, seq, from)| (Heard::Appended { doc, seq }, from))
                    };
                    if let Some((said, from)) = said
                        && from != origin
                        && heard.send(said).is_err()
                    {
                        return Ok(());
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(StoreError::from(err)),
                None => return Err(failed("the listening connection closed")),
            }
        }
    }
    .await;
    listening.store(false, Ordering::Relaxed);
    driver.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_reads_back_as_the_document_and_number_it_names() {
        let doc = DocId(std::array::from_fn(|i| i as u8 * 7));
        let text = hint(&doc, 12_345, u64::MAX);
        assert!(text.len() < 120, "a hint is small: {text}");
        assert_eq!(parse_hint(&text), Some((doc, 12_345, u64::MAX)));
        assert_eq!(parse_hint("zz:1:2"), None);
        assert_eq!(parse_hint(&format!("{}:x:1", &text[..64])), None);
        assert_eq!(parse_hint(&format!("{}:1", &text[..64])), None);
        assert_eq!(parse_hint(&format!("{text}:1")), None);
    }

    #[test]
    fn a_signal_reads_back_as_sent_and_the_largest_fits_a_notification() {
        let doc = DocId([0xab; 32]);
        for to in [None, Some(u64::MAX)] {
            let data = vec![0xff; MAX_SIGNAL_ON_BUS];
            let text = signal_text(&doc, u64::MAX, to, u64::MAX, &data);
            assert!(text.len() < 8000, "{} bytes", text.len());
            assert_eq!(
                parse_signal(&text),
                Some((
                    Heard::Signal {
                        doc,
                        from: u64::MAX,
                        to,
                        data
                    },
                    u64::MAX
                ))
            );
        }
        let text = signal_text(&doc, 1, None, 2, b"x");
        assert_eq!(parse_signal(&format!("{text}:")), None);
        assert_eq!(parse_signal(&text.replace(":-:", ":x:")), None);
        assert_eq!(parse_signal(&text[2..]), None);
    }

    #[test]
    fn migrations_are_numbered_upwards_from_one() {
        for (i, (version, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version, i as i64 + 1);
        }
    }
}
