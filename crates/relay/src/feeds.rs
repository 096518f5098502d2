//! Published calendar feeds: `GET /calendar/<id>.ics` for calendar programs, and `PUT` /
//! `DELETE` for the space's writers, each carrying the writer key, a version and a
//! signature over both and the body (`x-landsbyplan-writer`, `x-landsbyplan-version`,
//! `x-landsbyplan-proof`) that the relay checks against the feed id. A version not above
//! the one held is refused, so no request can be replayed; a withdrawn feed leaves a
//! tombstone with its version (`410 Gone`). This is the one thing the relay holds in
//! plain text, and only because a writer chose to publish it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use landsbyplan_sync::{FeedId, WriterKey, verify_publish, verify_withdraw};

use crate::Relay;

/// The largest feed the relay keeps: a year's wheel is a few kilobytes, ten years' well
/// under this.
pub const MAX_FEED_BYTES: usize = 64 * 1024;

fn feed_id(file: &str) -> Option<FeedId> {
    file.strip_suffix(".ics")?.parse().ok()
}

fn header_bytes(headers: &HeaderMap, name: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(headers.get(name)?.to_str().ok()?.trim())
        .ok()
}

fn writer(headers: &HeaderMap) -> Option<WriterKey> {
    let bytes: [u8; 32] = header_bytes(headers, "x-landsbyplan-writer")?
        .try_into()
        .ok()?;
    Some(WriterKey(bytes))
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (status, format!("{why}\n")).into_response()
}

/// The feed, the writer key, the version and the proof a publish or withdraw request
/// carries.
fn signed(file: &str, headers: &HeaderMap) -> Option<(FeedId, WriterKey, u64, Vec<u8>)> {
    Some((
        feed_id(file)?,
        writer(headers)?,
        // Up to what the store keeps exactly (a larger one could never be replaced).
        headers
            .get("x-landsbyplan-version")?
            .to_str()
            .ok()?
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|version| i64::try_from(*version).is_ok())?,
        header_bytes(headers, "x-landsbyplan-proof")?,
    ))
}

const UNSIGNED: &str = "a feed id, writer, version and proof are needed";

/// Answers a store operation's outcome.
fn stored(what: &str, outcome: Result<(), crate::store::StoreError>) -> Response {
    match outcome {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        // The version held goes back, so that a writer whose clock is behind another's
        // can sign the next one (a replay cannot: its signature is for its own version).
        Err(crate::store::StoreError::StaleFeed { held }) => (
            StatusCode::CONFLICT,
            [("x-landsbyplan-version", held.to_string())],
            "a newer version of the calendar is held; nothing was changed\n",
        )
            .into_response(),
        Err(err) => {
            tracing::error!("{what} failed: {err}");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "the store failed")
        }
    }
}

pub(crate) async fn get(State(relay): State<Arc<Relay>>, Path(file): Path<String>) -> Response {
    let Some(id) = feed_id(&file) else {
        return refuse(StatusCode::NOT_FOUND, "no such calendar");
    };
    match relay.store.feed(id.0).await {
        Ok(Some(body)) if body.is_empty() => refuse(StatusCode::GONE, "the calendar was withdrawn"),
        Ok(Some(body)) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
                // Served from the app's own origin: never as anything but a calendar.
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "sandbox; default-src 'none'",
                ),
            ],
            body,
        )
            .into_response(),
        Ok(None) => refuse(StatusCode::NOT_FOUND, "no such calendar"),
        Err(err) => {
            tracing::error!("reading a feed failed: {err}");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "the store failed")
        }
    }
}

pub(crate) async fn put(
    State(relay): State<Arc<Relay>>,
    Path(file): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((id, writer, version, proof)) = signed(&file, &headers) else {
        return refuse(StatusCode::BAD_REQUEST, UNSIGNED);
    };
    if body.len() > MAX_FEED_BYTES {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "the calendar is too large");
    }
    if !body.starts_with(b"BEGIN:VCALENDAR") {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "only iCalendar files are published",
        );
    }
    if !verify_publish(&id, &writer, version, &body, &proof) {
        return refuse(StatusCode::FORBIDDEN, "the proof does not match");
    }
    stored(
        "storing a feed",
        relay.store.put_feed(id.0, version, body.to_vec()).await,
    )
}

pub(crate) async fn delete(
    State(relay): State<Arc<Relay>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some((id, writer, version, proof)) = signed(&file, &headers) else {
        return refuse(StatusCode::BAD_REQUEST, UNSIGNED);
    };
    if !verify_withdraw(&id, &writer, version, &proof) {
        return refuse(StatusCode::FORBIDDEN, "the proof does not match");
    }
    stored(
        "withdrawing a feed",
        relay.store.put_feed(id.0, version, Vec::new()).await,
    )
}
