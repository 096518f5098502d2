//! The thin, blind relay: keeps an append-only log of opaque entries per document in
//! SQLite, forwards new entries live to subscribers, and serves the built app.
//!
//! It never parses what devices store with it. [`app`] builds the HTTP router apart from
//! `main`, so tests drive the real server on a port of their own.

mod connection;
mod static_files;
mod store;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use landsbyplan_sync::DocId;
use tokio::sync::broadcast;

pub use store::{Store, StoreError};

/// The largest WebSocket message the relay accepts, in bytes.
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// How the relay is set up.
#[derive(Clone, Debug)]
pub struct Config {
    /// The folder holding the built app (trunk's `dist`).
    pub app_dir: PathBuf,
}

/// One entry made durable, on its way to live subscribers.
#[derive(Debug)]
struct Delivered {
    doc: DocId,
    seq: u64,
    payload: Vec<u8>,
}

/// What every connection shares.
struct Relay {
    store: Arc<Store>,
    live: broadcast::Sender<Arc<Delivered>>,
}

/// The relay's router: `/sync` (WebSocket), `/healthz`, and the built app.
pub fn app(store: Store, config: &Config) -> Router {
    let (live, _) = broadcast::channel(1024);
    let relay = Arc::new(Relay {
        store: Arc::new(store),
        live,
    });
    Router::new()
        .route("/sync", get(connection::upgrade))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(relay)
        .fallback_service(static_files::service(&config.app_dir))
}
