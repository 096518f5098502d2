//! The thin, blind relay: keeps an append-only log of encrypted entries per document in
//! SQLite, forwards new entries and WebRTC signaling live to subscribers, and serves the
//! built app.
//!
//! It never sees a key or a plaintext. It checks that every append and snapshot is signed
//! by the key whose hash is the document id, so knowing an id is not enough to write.
//! [`app`] builds the HTTP router apart from `main`, so tests drive the real server on a
//! port of their own.

mod connection;
mod fanout;
mod feeds;
pub mod hints;
mod metrics;
mod static_files;
pub mod store;
mod writer;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use landsbyplan_sync::{DocId, ErrorCode};
use tokio::sync::mpsc;

pub use store::postgres::{PgConfig, PgStore};
pub use store::sqlite::SqliteStore;
pub use store::{Backlog, Store, StoreError, StoreStats, Stored};

/// How the relay is set up.
#[derive(Clone, Debug)]
pub struct Config {
    /// The folder holding the built app (trunk's `dist`).
    pub app_dir: PathBuf,
    /// The limits it holds every connection and document to.
    pub limits: Limits,
    /// Behind a reverse proxy, the header that names the client's address (the last
    /// address in it counts, the one the proxy added); else the connection's own address.
    pub client_address_header: Option<String>,
}

/// Limits, each answered with a clear error frame when reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest payload of one frame, in bytes (snapshots apart).
    pub max_payload_bytes: usize,
    /// The largest snapshot, in bytes: above one entry's limit, so a space whose whole
    /// document outgrew one entry can still be compacted and no log stays full.
    pub max_snapshot_bytes: usize,
    /// The most bytes one document's log may hold before it needs a snapshot.
    pub max_log_bytes: u64,
    /// Frames per second one connection may send, on average.
    pub frames_per_second: u32,
    /// Frames one connection may send in a burst above that rate.
    pub burst: u32,
    /// The largest signaling message (WebRTC offers, answers and candidates are a few
    /// KiB at most).
    pub max_signal_bytes: usize,
    /// Signaling messages per second one connection may send about one document, on
    /// average (a burst of twice as many).
    pub signals_per_second: u32,
    /// Open connections in all.
    pub max_connections: u64,
    /// Open connections from one address.
    pub max_connections_per_address: u32,
    /// Documents one connection may follow at once (a consultant's device follows every
    /// council and group of the municipality: a few hundred).
    pub max_subscriptions_per_connection: usize,
    /// Seconds a connection may stay silent: past half of it the relay pings, and it
    /// closes a connection that answers nothing within the whole (the app pings after 25
    /// quiet seconds).
    pub idle_timeout_secs: u64,
    /// Seconds a frame to a device may take to go out before the connection counts as
    /// stalled and is closed (the device resumes from its cursor).
    pub send_timeout_secs: u64,
    /// The slowest link a device may be on and still be sent a large frame: a frame may
    /// take a second longer to go out for every this many bytes (the default, 16 KiB, a
    /// poor rural mobile link, gives a 16 MiB snapshot some 17 minutes).
    pub slowest_link_bytes_per_second: u64,
    /// New documents one client address may start in an hour.
    pub new_documents_per_hour: u32,
    /// Below this many free bytes on the data directory's disk no new document is
    /// started (the documents held go on).
    pub min_free_disk_bytes: u64,
    /// The most bytes the store may hold before no new document is started; none if
    /// `None`.
    pub max_store_bytes: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_payload_bytes: 1 << 20,
            max_snapshot_bytes: 16 << 20,
            max_log_bytes: 64 << 20,
            frames_per_second: 100,
            burst: 200,
            max_signal_bytes: 8 << 10,
            signals_per_second: 20,
            max_connections: 10_000,
            max_connections_per_address: 64,
            max_subscriptions_per_connection: 1_000,
            idle_timeout_secs: 90,
            send_timeout_secs: 30,
            slowest_link_bytes_per_second: 16 << 10,
            new_documents_per_hour: 60,
            min_free_disk_bytes: 256 << 20,
            max_store_bytes: None,
        }
    }
}

impl Limits {
    /// Refuses limits under which the relay could serve nobody, naming the flag.
    pub fn check(&self) -> Result<(), String> {
        let at_least_one = [
            ("--frames-per-second", u64::from(self.frames_per_second)),
            ("--burst", u64::from(self.burst)),
            ("--signals-per-second", u64::from(self.signals_per_second)),
            ("--max-connections", self.max_connections),
            (
                "--max-connections-per-address",
                u64::from(self.max_connections_per_address),
            ),
            (
                "--max-subscriptions-per-connection",
                self.max_subscriptions_per_connection as u64,
            ),
            ("--send-timeout-secs", self.send_timeout_secs),
            (
                "--slowest-link-bytes-per-second",
                self.slowest_link_bytes_per_second,
            ),
        ];
        if let Some((flag, _)) = at_least_one.iter().find(|(_, value)| *value == 0) {
            return Err(format!(
                "{flag} must be at least 1: with 0 nobody is served"
            ));
        }
        if !(1..=24 * 60 * 60).contains(&self.idle_timeout_secs) {
            return Err(format!(
                "--idle-timeout-secs must be from 1 to 86400 (a day), not {}",
                self.idle_timeout_secs
            ));
        }
        const SMALLEST_PAYLOAD: usize = 64 << 10;
        if self.max_payload_bytes < SMALLEST_PAYLOAD {
            return Err(format!(
                "--max-payload-bytes must be at least {SMALLEST_PAYLOAD} (64 KiB): an edit \
                 with a pasted text needs room"
            ));
        }
        if self.max_snapshot_bytes < self.max_payload_bytes {
            return Err(format!(
                "--max-snapshot-bytes ({}) must be at least --max-payload-bytes ({}), or a \
                 grown space could never be compacted",
                self.max_snapshot_bytes, self.max_payload_bytes
            ));
        }
        Ok(())
    }
}

/// What the relay passes to the subscribers of a document.
#[derive(Debug)]
enum Live {
    /// An entry made durable.
    Entry {
        doc: DocId,
        seq: u64,
        payload: Vec<u8>,
        proof: Vec<u8>,
    },
    /// Signaling from one peer to the others of a document (or to one of them).
    Signal {
        doc: DocId,
        from: u64,
        to: Option<u64>,
        data: Vec<u8>,
    },
    /// The connection must close: entries it should have been passed are gone from the
    /// store (see [`fanout`]), so the device subscribes again.
    Behind,
}

/// One connection's inbox, as the documents it subscribed to know it.
#[derive(Clone)]
struct Subscriber {
    /// Entries, which must all arrive.
    inbox: mpsc::Sender<Arc<Live>>,
    /// Signals, which may be lost (a device sets up a peer-to-peer link again): a flood
    /// of them fills only this, and is dropped, never closing the connection.
    signals: mpsc::Sender<Arc<Live>>,
    /// Set when the inbox overflowed: the connection closes and the device resumes from
    /// its cursor, rather than the relay holding unbounded backlogs in memory.
    lagged: Arc<AtomicBool>,
}

/// The most client addresses counted for new documents within one hour.
const TRACKED_ADDRESSES: usize = 100_000;

/// New documents per client address: the hour (since 1970) and how many in it, and the
/// hour the addresses of earlier hours were last forgotten.
#[derive(Default)]
struct Started {
    by_address: HashMap<IpAddr, (u64, u32)>,
    swept: u64,
}

impl Started {
    /// Counts a new document from `address` in `hour`, unless the address started
    /// `per_hour` in it already, or `tracked` other addresses did. Addresses of past
    /// hours are forgotten once an hour, so the map stays bounded and no single start
    /// has to sweep it.
    fn start(
        &mut self,
        address: IpAddr,
        hour: u64,
        per_hour: u32,
        tracked: usize,
    ) -> Result<(), (ErrorCode, String)> {
        if self.swept != hour {
            self.swept = hour;
            self.by_address.retain(|_, (at, _)| *at == hour);
        }
        if self.by_address.len() >= tracked && !self.by_address.contains_key(&address) {
            return Err((
                ErrorCode::LimitReached,
                format!(
                    "{tracked} addresses started documents this hour, the relay's limit; try again later"
                ),
            ));
        }
        let (at, count) = self.by_address.entry(address).or_insert((hour, 0));
        if *at != hour {
            *at = hour;
            *count = 0;
        }
        if *count >= per_hour {
            return Err((
                ErrorCode::LimitReached,
                format!(
                    "at most {per_hour} new documents an hour from one address; try again later"
                ),
            ));
        }
        *count += 1;
        Ok(())
    }
}

/// What every connection shares.
struct Relay {
    store: Arc<dyn Store>,
    writer: writer::Writer,
    subscribers: Arc<fanout::Subscribers>,
    /// Where other relays' appends are heard of, on a store several relays share.
    hints: Option<Arc<dyn hints::Hints>>,
    limits: Limits,
    client_address_header: Option<String>,
    next_peer: AtomicU64,
    counters: metrics::Counters,
    /// Open connections per client address.
    per_address: Mutex<HashMap<IpAddr, u32>>,
    /// New documents per client address: the hour (since 1970) and how many in it.
    started: Mutex<Started>,
}

/// A connection let in: counted in all and for its address until it is dropped.
struct Admitted {
    relay: Arc<Relay>,
    address: IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.relay
            .counters
            .connections
            .fetch_sub(1, Ordering::Relaxed);
        let mut per_address = self.relay.lock_addresses();
        if let Some(open) = per_address.get_mut(&self.address) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                per_address.remove(&self.address);
            }
        }
    }
}

/// Why a connection was not let in.
enum Crowded {
    InAll(u64),
    FromAddress(u32),
}

impl Relay {
    fn lock_addresses(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, u32>> {
        self.per_address
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `address` may start a new document at `now` (seconds since 1970): the
    /// disk has room, the store is under its quota, and the address has started fewer
    /// than its hourly number. If so it is counted; if not, the refusal names the limit.
    async fn may_start(&self, address: IpAddr, now: u64) -> Result<(), (ErrorCode, String)> {
        // On a database server the disk is the database's to watch.
        if let Some(free) = self.store.free_bytes() {
            let free = free.map_err(|err| {
                (
                    ErrorCode::StorageFailed,
                    format!("the relay cannot tell its free disk space: {err}"),
                )
            })?;
            if free < self.limits.min_free_disk_bytes {
                return Err((
                    ErrorCode::LimitReached,
                    format!(
                        "the relay's disk has less than {} bytes free, so it starts no new documents; try again later",
                        self.limits.min_free_disk_bytes
                    ),
                ));
            }
        }
        if let Some(most) = self.limits.max_store_bytes {
            let held = self
                .store
                .stats()
                .await
                .map_err(|err| (ErrorCode::StorageFailed, err.to_string()))?
                .bytes;
            if held >= most {
                return Err((
                    ErrorCode::LimitReached,
                    format!(
                        "the relay holds its limit of {most} bytes, so it starts no new documents"
                    ),
                ));
            }
        }
        self.started
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .start(
                address,
                now / 3600,
                self.limits.new_documents_per_hour,
                TRACKED_ADDRESSES,
            )
    }

    /// Lets a connection from `address` in, unless the relay or that address has as many
    /// open as the limits allow.
    fn admit(self: &Arc<Self>, address: IpAddr) -> Result<Admitted, Crowded> {
        let mut per_address = self.lock_addresses();
        let open = per_address.entry(address).or_insert(0);
        if *open >= self.limits.max_connections_per_address {
            return Err(Crowded::FromAddress(
                self.limits.max_connections_per_address,
            ));
        }
        if self.counters.connections.load(Ordering::Relaxed) >= self.limits.max_connections {
            if *open == 0 {
                per_address.remove(&address);
            }
            return Err(Crowded::InAll(self.limits.max_connections));
        }
        *open += 1;
        self.counters.connections.fetch_add(1, Ordering::Relaxed);
        Ok(Admitted {
            relay: Arc::clone(self),
            address,
        })
    }
}

/// The number of a relay's first connection. Connections are numbered in order; relays
/// sharing a store start at a random multiple of 2³², so that a signal's sender and
/// addressee are one connection among all the relays'.
fn first_peer(shared: bool) -> u64 {
    let mut bytes = [0; 4];
    if !shared || getrandom::fill(&mut bytes).is_err() {
        return 1;
    }
    (u64::from(u32::from_le_bytes(bytes).max(1)) << 32) | 1
}

async fn on_the_admin_listener() -> (axum::http::StatusCode, &'static str) {
    (
        axum::http::StatusCode::NOT_FOUND,
        "not here: /metrics and /readyz are served on the admin listener (--admin-listen)\n",
    )
}

/// The relay's two routers over one shared state.
pub struct Routers {
    /// For everyone: `/sync` (WebSocket), `/healthz`, the calendar feeds and the built app.
    pub public: Router,
    /// For the operator only, on an address of its own: `/metrics`, `/healthz` (the
    /// process is up) and `/readyz` (the writer and the store answer).
    pub admin: Router,
}

/// Builds the relay's routers.
///
/// Spawns the relay's tasks (its writer, the fan-out and, on a shared store, the
/// listener for other relays' appends): call it within a Tokio runtime.
pub fn app(store: Arc<dyn Store>, config: &Config) -> Routers {
    // A document's covered entries are kept up to as many bytes as its log may hold: a
    // writer cannot grow its document past twice the log (and two snapshots).
    store.keep_covered_at_most(config.limits.max_log_bytes);
    let subscribers = Arc::new(fanout::Subscribers::default());
    let hints = store.hints();
    let shared = hints.is_some();
    let passed_on = fanout::start(Arc::clone(&store), Arc::clone(&subscribers), hints.clone());
    let relay = Arc::new(Relay {
        writer: writer::Writer::start(Arc::clone(&store), passed_on, config.limits.max_log_bytes),
        store,
        subscribers,
        hints,
        limits: config.limits,
        client_address_header: config.client_address_header.clone(),
        next_peer: AtomicU64::new(first_peer(shared)),
        counters: metrics::Counters::default(),
        per_address: Mutex::new(HashMap::new()),
        started: Mutex::new(Started::default()),
    });
    let public = Router::new()
        .route("/sync", get(connection::upgrade))
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/calendar/{file}",
            get(feeds::get).put(feeds::put).delete(feeds::delete).layer(
                axum::extract::DefaultBodyLimit::max(feeds::MAX_FEED_BYTES + 1),
            ),
        )
        // The operator's paths answer 404 here, not the app's page: a check or scraper
        // pointed at the public address by mistake fails instead of seeing a 200.
        .route("/metrics", get(on_the_admin_listener))
        .route("/readyz", get(on_the_admin_listener))
        .with_state(Arc::clone(&relay))
        .fallback_service(static_files::service(&config.app_dir));
    let admin = Router::new()
        .route("/metrics", get(metrics::report))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(metrics::ready))
        .with_state(relay);
    Routers { public, admin }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_under_which_nobody_is_served_are_refused_by_their_flag() {
        assert_eq!(Limits::default().check(), Ok(()));
        let with = Limits::default;
        let refused: [(Limits, &str); 13] = [
            (
                Limits {
                    frames_per_second: 0,
                    ..with()
                },
                "--frames-per-second must be at least 1",
            ),
            (Limits { burst: 0, ..with() }, "--burst must be at least 1"),
            (
                Limits {
                    signals_per_second: 0,
                    ..with()
                },
                "--signals-per-second must be at least 1",
            ),
            (
                Limits {
                    max_connections: 0,
                    ..with()
                },
                "--max-connections must be at least 1",
            ),
            (
                Limits {
                    max_connections_per_address: 0,
                    ..with()
                },
                "--max-connections-per-address must be at least 1",
            ),
            (
                Limits {
                    max_subscriptions_per_connection: 0,
                    ..with()
                },
                "--max-subscriptions-per-connection must be at least 1",
            ),
            (
                Limits {
                    send_timeout_secs: 0,
                    ..with()
                },
                "--send-timeout-secs must be at least 1",
            ),
            (
                Limits {
                    slowest_link_bytes_per_second: 0,
                    ..with()
                },
                "--slowest-link-bytes-per-second must be at least 1",
            ),
            (
                Limits {
                    idle_timeout_secs: 0,
                    ..with()
                },
                "--idle-timeout-secs must be from 1 to 86400",
            ),
            (
                Limits {
                    idle_timeout_secs: 86_401,
                    ..with()
                },
                "--idle-timeout-secs must be from 1 to 86400",
            ),
            (
                Limits {
                    max_payload_bytes: 100,
                    ..with()
                },
                "--max-payload-bytes must be at least 65536",
            ),
            (
                Limits {
                    max_snapshot_bytes: 10,
                    ..with()
                },
                "--max-snapshot-bytes (10) must be at least --max-payload-bytes (1048576)",
            ),
            (
                Limits {
                    max_payload_bytes: 64 << 10,
                    max_snapshot_bytes: 64 << 10,
                    idle_timeout_secs: 86_400,
                    ..with()
                },
                "",
            ),
        ];
        for (limits, says) in refused {
            match limits.check() {
                Err(message) => assert!(!says.is_empty() && message.starts_with(says), "{message}"),
                Ok(()) => assert!(says.is_empty(), "{limits:?} should be refused: {says}"),
            }
        }
    }

    #[test]
    fn new_documents_count_per_address_and_hour_among_a_bounded_number_of_addresses() {
        let mut started = Started::default();
        let address = |n: u8| IpAddr::from([192, 0, 2, n]);
        for _ in 0..2 {
            assert!(started.start(address(1), 10, 2, 3).is_ok());
        }
        let (code, message) = started.start(address(1), 10, 2, 3).unwrap_err();
        assert_eq!(code, ErrorCode::LimitReached);
        assert!(
            message.contains("at most 2 new documents an hour"),
            "{message}"
        );
        // Three addresses are counted in an hour; a fourth waits for the next hour.
        assert!(started.start(address(2), 10, 2, 3).is_ok());
        assert!(started.start(address(3), 10, 2, 3).is_ok());
        let (_, message) = started.start(address(4), 10, 2, 3).unwrap_err();
        assert!(
            message.contains("3 addresses started documents this hour"),
            "{message}"
        );
        // The next hour the past one is forgotten at once.
        assert!(started.start(address(4), 11, 2, 3).is_ok());
        assert_eq!(started.by_address.len(), 1);
        assert!(started.start(address(1), 11, 2, 3).is_ok());
    }
}
