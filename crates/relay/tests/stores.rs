//! The store's rules, held against both stores: SQLite in a temporary directory, and
//! PostgreSQL in a database of its own on the test server (`LANDSBYPLAN_TEST_POSTGRES`,
//! which `scripts/test` starts; the PostgreSQL runs are ignored by a plain `cargo test`
//! and run by `cargo test -- --include-ignored` with the variable set). Each rule is one
//! function, run once per store.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use landsbyplan_relay::store::{COVERED_GRACE_SECS, LET_GO_KEPT_SECS};
use landsbyplan_relay::{PgConfig, PgStore, SqliteStore, Store, StoreError, StoreStats, Stored};
use landsbyplan_sync::DocId;

const ROOM: u64 = 1 << 20;
const PROOF: &[u8] = b"the writer's proof";

/// Where a store under test lives; it can be opened again.
enum Place {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Place {
    /// A new, empty place of `kind` (for PostgreSQL, a new database on the test server).
    fn new(kind: &str) -> Option<Self> {
        match kind {
            "sqlite" => Some(Self::Sqlite(tempfile::tempdir().unwrap())),
            _ => {
                let name = format!("stores_{}", rand_name());
                Some(Self::Postgres(common::database(&name)))
            }
        }
    }

    async fn open(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(dir) => Arc::new(SqliteStore::open(dir.path()).unwrap()),
            Self::Postgres(url) => Arc::new(
                PgStore::connect(&PgConfig {
                    url: url.clone(),
                    pool_size: 4,
                })
                .await
                .unwrap(),
            ),
        }
    }
}

fn rand_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs rule `$rule` (an async fn taking a [`Place`]) on each store.
macro_rules! on_both_stores {
    ($($rule:ident),* $(,)?) => {
        $(mod $rule {
            #[tokio::test]
            async fn sqlite() {
                super::$rule(super::Place::new("sqlite").unwrap()).await;
            }
            #[tokio::test]
            #[ignore = "needs a PostgreSQL server (LANDSBYPLAN_TEST_POSTGRES); scripts/test starts one and runs it"]
            async fn postgres() {
                super::$rule(super::Place::new("postgres").unwrap()).await;
            }
        })*
    };
}

on_both_stores!(
    appends_get_consecutive_sequence_numbers_per_document,
    the_same_entry_appended_twice_is_stored_once_under_its_first_number,
    a_full_log_refuses_appends_until_a_snapshot_makes_room,
    a_snapshot_replaces_the_entries_it_covers_and_numbering_goes_on,
    entries_and_feeds_survive_reopening_the_store_under_the_same_epoch,
    covered_entries_and_the_replaced_snapshot_are_kept_for_the_grace_period,
    covered_entries_past_the_bytes_kept_go_at_once_oldest_first,
    a_backlog_read_in_pages_holds_every_entry_once_in_order,
    a_feed_is_replaced_only_by_a_newer_version,
    new_entries_of_several_documents_are_read_in_one_go_within_a_budget,
    totals_count_documents_log_entries_and_every_byte_kept,
);

/// Entry `seq` holding `payload`, as stored with [`PROOF`].
fn entry(seq: u64, payload: &[u8]) -> Stored {
    Stored {
        seq,
        payload: payload.to_vec(),
        proof: PROOF.to_vec(),
    }
}

async fn appends_get_consecutive_sequence_numbers_per_document(place: Place) {
    let store = place.open().await;
    let (a, b) = (DocId([1; 32]), DocId([2; 32]));
    assert_eq!(store.append(a, b"one", PROOF, ROOM).await.unwrap(), 1);
    assert_eq!(store.append(a, b"two", PROOF, ROOM).await.unwrap(), 2);
    assert_eq!(store.append(b, b"other", PROOF, ROOM).await.unwrap(), 1);
    assert_eq!(
        store.backlog(a, 1).await.unwrap().entries,
        vec![entry(2, b"two")]
    );
    assert_eq!(
        store.backlog(b, 0).await.unwrap().entries,
        vec![entry(1, b"other")]
    );
    assert_eq!(store.last_seq(a).await.unwrap(), 2);
    assert_eq!(store.last_seq(DocId([9; 32])).await.unwrap(), 0);
    assert!(store.has_doc(b).await.unwrap());
    assert!(!store.has_doc(DocId([9; 32])).await.unwrap());
    // A batch: each append its own outcome, numbered in order.
    let batch = Arc::new(vec![
        (a, b"three".to_vec(), PROOF.to_vec()),
        (b, vec![0; 300], PROOF.to_vec()),
        (a, b"four".to_vec(), PROOF.to_vec()),
    ]);
    let outcomes = store.append_batch(batch, 200).await.unwrap();
    assert!(matches!(
        outcomes.as_slice(),
        [Ok(3), Err(StoreError::LogFull), Ok(4)]
    ));
}

async fn the_same_entry_appended_twice_is_stored_once_under_its_first_number(place: Place) {
    let store = place.open().await;
    let doc = DocId([1; 32]);
    assert_eq!(store.append(doc, b"one", PROOF, ROOM).await.unwrap(), 1);
    assert_eq!(store.append(doc, b"two", PROOF, ROOM).await.unwrap(), 2);
    assert_eq!(store.append(doc, b"one", PROOF, ROOM).await.unwrap(), 1);
    assert_eq!(store.backlog(doc, 0).await.unwrap().entries.len(), 2);
}

async fn a_full_log_refuses_appends_until_a_snapshot_makes_room(place: Place) {
    let store = place.open().await;
    let doc = DocId([1; 32]);
    store.append(doc, &[1; 60], PROOF, 100).await.unwrap();
    assert!(matches!(
        store.append(doc, &[2; 60], PROOF, 100).await,
        Err(StoreError::LogFull)
    ));
    store
        .put_snapshot(doc, 1, b"everything so far".to_vec(), PROOF.to_vec())
        .await
        .unwrap();
    assert_eq!(store.append(doc, &[2; 60], PROOF, 100).await.unwrap(), 2);
}

async fn a_snapshot_replaces_the_entries_it_covers_and_numbering_goes_on(place: Place) {
    let store = place.open().await;
    let doc = DocId([1; 32]);
    for n in 1..=3u8 {
        store.append(doc, &[n], PROOF, ROOM).await.unwrap();
    }
    let snapshot = |payload: &[u8]| (payload.to_vec(), PROOF.to_vec());
    let (payload, proof) = snapshot(b"snap");
    store.put_snapshot(doc, 3, payload, proof).await.unwrap();
    assert_eq!(store.append(doc, &[4], PROOF, ROOM).await.unwrap(), 4);
    let from_start = store.backlog(doc, 0).await.unwrap();
    assert_eq!(from_start.snapshot, Some(entry(3, b"snap")));
    assert_eq!(from_start.entries, vec![entry(4, &[4])]);
    assert_eq!(from_start.latest, 4);
    let caught_up = store.backlog(doc, 3).await.unwrap();
    assert_eq!(
        (caught_up.snapshot, caught_up.entries),
        (None, vec![entry(4, &[4])])
    );
    let (payload, proof) = snapshot(b"x");
    assert!(matches!(
        store.put_snapshot(doc, 9, payload, proof).await,
        Err(StoreError::AheadOfLog)
    ));
    let (payload, proof) = snapshot(b"older");
    store.put_snapshot(doc, 2, payload, proof).await.unwrap();
    assert_eq!(
        store.backlog(doc, 0).await.unwrap().snapshot,
        Some(entry(3, b"snap"))
    );
}

async fn entries_and_feeds_survive_reopening_the_store_under_the_same_epoch(place: Place) {
    let store = place.open().await;
    let epoch = store.epoch();
    assert_ne!(epoch, 0, "0 means 'not known yet' to devices");
    store
        .append(DocId([3; 32]), b"kept", PROOF, ROOM)
        .await
        .unwrap();
    store
        .put_feed([5; 32], 1, b"BEGIN:VCALENDAR".to_vec())
        .await
        .unwrap();
    drop(store);
    let reopened = place.open().await;
    assert_eq!(reopened.epoch(), epoch);
    assert_eq!(
        reopened.backlog(DocId([3; 32]), 0).await.unwrap().entries,
        vec![entry(1, b"kept")]
    );
    assert_eq!(
        reopened.feed([5; 32]).await.unwrap().as_deref(),
        Some(&b"BEGIN:VCALENDAR"[..])
    );
    assert_eq!(
        reopened.stats().await.unwrap(),
        StoreStats {
            documents: 1,
            entries: 1,
            bytes: 4
        }
    );
    // Another store of the same kind has another epoch.
    let other = Place::new(match place {
        Place::Sqlite(_) => "sqlite",
        Place::Postgres(_) => "postgres",
    })
    .unwrap();
    assert_ne!(other.open().await.epoch(), epoch);
}

async fn covered_entries_and_the_replaced_snapshot_are_kept_for_the_grace_period(place: Place) {
    let store = place.open().await;
    let doc = DocId([1; 32]);
    for n in 1..=5u8 {
        store.append(doc, &[n], PROOF, ROOM).await.unwrap();
    }
    let day = 24 * 60 * 60;
    let snap = |payload: &[u8]| payload.to_vec();
    store
        .put_snapshot_at(doc, 3, snap(b"first"), PROOF.to_vec(), day)
        .await
        .unwrap();
    // A device that has entry 2 gets 3, 4 and 5, not the whole snapshot; a new one gets
    // the snapshot.
    let away = store.backlog(doc, 2).await.unwrap();
    assert_eq!(away.snapshot, None);
    assert_eq!(
        away.entries,
        vec![entry(3, &[3]), entry(4, &[4]), entry(5, &[5])]
    );
    assert_eq!(
        store.backlog(doc, 0).await.unwrap().snapshot,
        Some(entry(3, b"first"))
    );
    // The log made room: only entries 4 and 5 count.
    assert_eq!(store.stats().await.unwrap().entries, 2);
    // A covered entry sent again keeps its number while it is kept.
    assert_eq!(store.append(doc, &[1], PROOF, ROOM).await.unwrap(), 1);
    assert_eq!(store.backlog(doc, 5).await.unwrap().latest, 5);

    // Two days later a newer snapshot replaces it: the first is kept as the previous.
    store
        .put_snapshot_at(doc, 5, snap(b"second"), PROOF.to_vec(), 3 * day)
        .await
        .unwrap();
    assert_eq!(
        store.previous_snapshot(doc).await.unwrap(),
        Some(entry(3, b"first"))
    );
    assert_eq!(store.backlog(doc, 2).await.unwrap().snapshot, None);

    // After the grace period, what was covered then is gone: the device that has entry
    // 2 gets the snapshot.
    let later = 3 * day + COVERED_GRACE_SECS + 1;
    assert_eq!(store.append(doc, &[6], PROOF, ROOM).await.unwrap(), 6);
    store
        .put_snapshot_at(doc, 6, snap(b"third"), PROOF.to_vec(), later)
        .await
        .unwrap();
    let long_away = store.backlog(doc, 2).await.unwrap();
    assert_eq!(long_away.snapshot, Some(entry(6, b"third")));
    // An entry sent again after the store let it go keeps its number too.
    assert_eq!(store.append(doc, &[1], PROOF, ROOM).await.unwrap(), 1);
    assert_eq!(store.append(doc, &[7], PROOF, ROOM).await.unwrap(), 7);
    assert_eq!(
        store.previous_snapshot(doc).await.unwrap(),
        Some(entry(5, b"second")),
        "the one replaced just now is kept; the first is gone"
    );
    // Long after, the store has forgotten those numbers too: a second number.
    let much_later = later + LET_GO_KEPT_SECS + 1;
    store
        .put_snapshot_at(doc, 7, snap(b"fourth"), PROOF.to_vec(), much_later)
        .await
        .unwrap();
    assert_eq!(store.append(doc, &[2], PROOF, ROOM).await.unwrap(), 8);
}

async fn covered_entries_past_the_bytes_kept_go_at_once_oldest_first(place: Place) {
    let store = place.open().await;
    store.keep_covered_at_most(250);
    let doc = DocId([1; 32]);
    let mut seq = 0;
    // A writer fills the log and covers it with a snapshot, five times over in a day:
    // every time, only the newest 250 bytes of covered entries stay.
    for round in 1..=5u8 {
        for n in 0..10u8 {
            let mut payload = [round; 100];
            payload[0] = n;
            seq = store.append(doc, &payload, PROOF, ROOM).await.unwrap();
        }
        store
            .put_snapshot_at(
                doc,
                seq,
                vec![round; 10],
                PROOF.to_vec(),
                u64::from(round) * 60,
            )
            .await
            .unwrap();
        // Kept: two covered entries (200 bytes), the snapshot and the one it replaced.
        let snapshots = if round == 1 { 10 } else { 20 };
        assert_eq!(
            store.stats().await.unwrap().bytes,
            200 + snapshots,
            "round {round}: the newest two entries stay"
        );
    }
    // A device that has all but the last two entries gets them, not the snapshot; one
    // further behind gets the snapshot.
    let near = store.backlog(doc, seq - 2).await.unwrap();
    assert_eq!(near.snapshot, None);
    assert_eq!(near.entries.len(), 2);
    let far = store.backlog(doc, seq - 5).await.unwrap();
    assert_eq!(far.snapshot, Some(entry(seq, &[5; 10])));
    // An entry that went is remembered by its number: sent again, it keeps it.
    let mut first_of_last_round = [5; 100];
    first_of_last_round[0] = 0;
    assert_eq!(
        store
            .append(doc, &first_of_last_round, PROOF, ROOM)
            .await
            .unwrap(),
        seq - 9
    );
}

async fn a_backlog_read_in_pages_holds_every_entry_once_in_order(place: Place) {
    let store = place.open().await;
    let doc = DocId([1; 32]);
    for n in 1..=10u8 {
        store.append(doc, &[n; 100], PROOF, ROOM).await.unwrap();
    }
    store
        .put_snapshot_at(doc, 2, b"snap".to_vec(), PROOF.to_vec(), 0)
        .await
        .unwrap();
    let entry_bytes = 100 + PROOF.len();
    let budget = 2 * entry_bytes + 1;
    let (mut after, mut seen, mut pages) = (0, Vec::new(), 0);
    let (mut first, mut through) = (true, None);
    loop {
        let page = store
            .backlog_page(doc, after, through, budget)
            .await
            .unwrap();
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
        assert!(!page.entries.is_empty() || !page.more);
        for entry in &page.entries {
            after = entry.seq;
            seen.push(entry.seq);
        }
        pages += 1;
        if first {
            // Appended while the pages go out: not in them (it goes out live).
            store.append(doc, &[11; 100], PROOF, ROOM).await.unwrap();
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
        store.backlog(doc, 0).await.unwrap().entries.len(),
        9,
        "whole (with the entry appended meanwhile), it is one page"
    );
    // A page of one entry larger than the budget still holds it.
    let big = store.backlog_page(doc, 2, None, 1).await.unwrap();
    assert_eq!(big.entries.len(), 1);
    assert!(big.more);
}

async fn a_feed_is_replaced_only_by_a_newer_version(place: Place) {
    let store = place.open().await;
    let id = [7; 32];
    assert_eq!(store.feed(id).await.unwrap(), None);
    store.put_feed(id, 2, b"two".to_vec()).await.unwrap();
    assert!(matches!(
        store.put_feed(id, 2, b"again".to_vec()).await,
        Err(StoreError::StaleFeed { held: 2 })
    ));
    assert!(matches!(
        store.put_feed(id, 1, b"older".to_vec()).await,
        Err(StoreError::StaleFeed { held: 2 })
    ));
    store.put_feed(id, 3, Vec::new()).await.unwrap();
    assert_eq!(store.feed(id).await.unwrap(), Some(Vec::new()), "withdrawn");
}

async fn totals_count_documents_log_entries_and_every_byte_kept(place: Place) {
    let store = place.open().await;
    store.ready().await.unwrap();
    assert_eq!(store.stats().await.unwrap(), StoreStats::default());
    let (a, b) = (DocId([1; 32]), DocId([2; 32]));
    for n in 1..=4u8 {
        store.append(a, &[n; 10], PROOF, ROOM).await.unwrap();
    }
    store.append(b, &[9; 7], PROOF, ROOM).await.unwrap();
    // Sent again: nothing more kept.
    store.append(b, &[9; 7], PROOF, ROOM).await.unwrap();
    assert_eq!(
        store.stats().await.unwrap(),
        StoreStats {
            documents: 2,
            entries: 5,
            bytes: 47
        }
    );
    // A snapshot of three entries: they leave the log, and are kept with it.
    store
        .put_snapshot_at(a, 3, vec![0; 5], PROOF.to_vec(), 100)
        .await
        .unwrap();
    assert_eq!(
        store.stats().await.unwrap(),
        StoreStats {
            documents: 2,
            entries: 2,
            bytes: 52
        }
    );
    // A week and more later, a newer one lets the covered entries go.
    store.append(a, &[5; 10], PROOF, ROOM).await.unwrap();
    store
        .put_snapshot_at(
            a,
            5,
            vec![0; 6],
            PROOF.to_vec(),
            100 + COVERED_GRACE_SECS + 1,
        )
        .await
        .unwrap();
    // Kept of a: entries 4 and 5 (covered within the grace), the snapshot (6) and the
    // one it replaced (5); of b: 7.
    assert_eq!(
        store.stats().await.unwrap(),
        StoreStats {
            documents: 2,
            entries: 1,
            bytes: 20 + 6 + 5 + 7
        }
    );
}

async fn new_entries_of_several_documents_are_read_in_one_go_within_a_budget(place: Place) {
    let store = place.open().await;
    let (a, b, c) = (DocId([1; 32]), DocId([2; 32]), DocId([3; 32]));
    for n in 1..=5u8 {
        store.append(a, &[n; 10], PROOF, ROOM).await.unwrap();
        store.append(b, &[n + 100; 10], PROOF, ROOM).await.unwrap();
    }
    // In the order asked, then by number; each document from its own point to its own.
    let (found, more) = store
        .entries_after(vec![(b, 3, 5), (a, 1, 2), (c, 0, 9)], usize::MAX)
        .await
        .unwrap();
    assert!(!more);
    let got: Vec<(DocId, u64)> = found.iter().map(|(doc, e)| (*doc, e.seq)).collect();
    assert_eq!(got, vec![(b, 4), (b, 5), (a, 2)]);
    assert_eq!(
        found[0].1,
        Stored {
            seq: 4,
            payload: vec![104; 10],
            proof: PROOF.to_vec()
        }
    );
    // Through the budget: entries until it is passed (at least one), and `more` said.
    let each = 10 + PROOF.len();
    let (found, more) = store
        .entries_after(vec![(a, 0, u64::MAX), (b, 0, u64::MAX)], 2 * each + 1)
        .await
        .unwrap();
    assert!(more);
    assert_eq!(found.len(), 3, "past the budget by one entry at most");
    let (found, more) = store
        .entries_after(vec![(a, 0, u64::MAX)], 1)
        .await
        .unwrap();
    assert_eq!((found.len(), more), (1, true));
    // Nothing new: nothing, and nothing more.
    let (found, more) = store
        .entries_after(vec![(a, 5, u64::MAX)], 1)
        .await
        .unwrap();
    assert_eq!((found.len(), more), (0, false));
}

/// A database on the test server for the PostgreSQL-only rules.
fn postgres_database() -> String {
    common::database(&format!("stores_{}", rand_name()))
}

async fn connect(url: &str) -> Result<PgStore, StoreError> {
    PgStore::connect(&PgConfig {
        url: url.to_owned(),
        pool_size: 2,
    })
    .await
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server (LANDSBYPLAN_TEST_POSTGRES); scripts/test starts one and runs it"]
async fn relays_starting_at_once_make_the_schema_once_and_share_one_epoch() {
    let url = postgres_database();
    let stores = futures_util::future::join_all((0..4).map(|_| connect(&url))).await;
    let epochs: Vec<u64> = stores
        .into_iter()
        .map(|store| store.unwrap().epoch())
        .collect();
    assert!(epochs.iter().all(|epoch| *epoch == epochs[0]), "{epochs:?}");
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let steps: i64 = client
        .query_one("SELECT COUNT(*) FROM schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(steps, 1, "each step once");
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server (LANDSBYPLAN_TEST_POSTGRES); scripts/test starts one and runs it"]
async fn a_database_made_by_a_newer_relay_is_refused_plainly() {
    let url = postgres_database();
    drop(connect(&url).await.unwrap());
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute("INSERT INTO schema_migrations (version) VALUES (99)")
        .await
        .unwrap();
    let err = connect(&url).await.unwrap_err().to_string();
    assert!(
        err.contains("schema is at version 99, newer than this relay knows"),
        "{err}"
    );
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server (LANDSBYPLAN_TEST_POSTGRES); scripts/test starts one and runs it"]
async fn two_relays_appending_to_one_document_at_once_number_it_without_a_gap_or_a_twin() {
    let url = postgres_database();
    let (one, two) = (connect(&url).await.unwrap(), connect(&url).await.unwrap());
    let doc = DocId([4; 32]);
    // Each sends 60 entries, 20 of them the same as the other's (a device that sent its
    // entry to both after a reconnect), in batches of three.
    let batches = |store: PgStore, who: u8| async move {
        let mut numbers = Vec::new();
        for round in 0..20u8 {
            let batch: Vec<_> = (0..3u8)
                .map(|k| {
                    let payload = if k == 0 {
                        vec![0, round]
                    } else {
                        vec![who, round, k]
                    };
                    (doc, payload, PROOF.to_vec())
                })
                .collect();
            for (outcome, (_, payload, _)) in store
                .append_batch(Arc::new(batch.clone()), ROOM)
                .await
                .unwrap()
                .into_iter()
                .zip(batch)
            {
                numbers.push((outcome.unwrap(), payload));
            }
        }
        numbers
    };
    let (a, b) = tokio::join!(batches(one, 1), batches(two, 2));
    let mut by_number = std::collections::BTreeMap::new();
    for (seq, payload) in a.into_iter().chain(b) {
        let had = by_number.insert(seq, payload.clone());
        assert!(
            had.is_none_or(|had| had == payload),
            "number {seq} given twice"
        );
    }
    assert_eq!(
        by_number.len(),
        100,
        "each payload once: 20 shared, 80 apart"
    );
    assert_eq!(
        by_number.keys().copied().collect::<Vec<_>>(),
        (1..=100).collect::<Vec<u64>>(),
        "numbers without a gap"
    );
}
