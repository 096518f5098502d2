//! The admin listener's answers: `/metrics`, the relay's counters and store totals in
//! Prometheus' text format (appends per second is the rate of
//! `landsbyplan_appends_total`), and `/readyz`, whether the relay can serve (see [`ready`]).

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::Relay;

/// Counters the connections update.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) connections: AtomicU64,
    pub(crate) appends: AtomicU64,
    pub(crate) refused: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

pub(crate) async fn report(State(relay): State<Arc<Relay>>) -> Response {
    // The store's totals only while it answers; the relay's own counters always (refusals
    // pile up exactly while the store is away).
    let stats = relay.store.stats().await.ok();
    let counters = &relay.counters;
    let mut text = String::new();
    let store = stats.as_ref().map_or(Vec::new(), |stats| {
        vec![
            (
                "landsbyplan_documents",
                "Documents with a log or a snapshot.",
                "gauge",
                stats.documents,
            ),
            (
                "landsbyplan_entries",
                "Entries in all logs.",
                "gauge",
                stats.entries,
            ),
            (
                "landsbyplan_stored_bytes",
                "Bytes of entries and snapshots.",
                "gauge",
                stats.bytes,
            ),
        ]
    });
    for (name, help, kind, value) in [
        (
            "landsbyplan_store_up",
            "1 while the store answers, else 0 (and its totals are left out).",
            "gauge",
            u64::from(stats.is_some()),
        ),
        (
            "landsbyplan_connections",
            "Open WebSocket connections.",
            "gauge",
            counters.connections.load(Ordering::Relaxed),
        ),
    ]
    .into_iter()
    .chain(store)
    .chain([
        (
            "landsbyplan_appends_total",
            "Appends acknowledged.",
            "counter",
            counters.appends.load(Ordering::Relaxed),
        ),
        (
            "landsbyplan_refused_total",
            "Frames refused with an error.",
            "counter",
            counters.refused.load(Ordering::Relaxed),
        ),
    ]) {
        let _ = writeln!(
            text,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// Ready when the writer takes appends, the store answers a query and (on a store
/// several relays share) the relay hears of the others' appends: `503` with the reason
/// otherwise.
pub(crate) async fn ready(State(relay): State<Arc<Relay>>) -> Response {
    if let Some(trouble) = relay.writer.trouble() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("writer: {trouble}\n"),
        )
            .into_response();
    }
    if let Err(err) = relay.store.ready().await {
        return (StatusCode::SERVICE_UNAVAILABLE, format!("store: {err}\n")).into_response();
    }
    if relay.hints.as_ref().is_some_and(|hints| !hints.listening()) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "store: not listening for other relays' appends\n",
        )
            .into_response();
    }
    "ready\n".into_response()
}
