//! Sans-IO sync for Landsbyplan: a space's keys and share links, the encryption envelope,
//! the frames devices and the relay exchange, and the device's sync state machine.
//!
//! Nothing here touches a socket, a clock or a random source: the relay and the app each
//! drive these types over their own transport and pass time and randomness in, so the
//! protocol is tested natively and deterministically.

mod client;
mod direct;
mod envelope;
mod feed;
mod frame;
mod keys;
mod matchmaking;
mod outbox;
mod payload;
mod peer;

pub use client::{Capability, Client, Effect, Millis, Rejection, SNAPSHOT_EVERY, SyncStatus};
pub use direct::{CHUNK_BYTES, DirectError, Hello, MOST_NAME_BYTES, Reassembly, chunks};
pub use envelope::Sealed;
pub use feed::{FeedId, verify_publish, verify_withdraw};
pub use frame::{ClientFrame, DocId, ErrorCode, FrameError, PROTOCOL_VERSION, RelayFrame};
pub use keys::{
    ReadCapability, Share, SpaceKeys, SpaceSecret, WriterKey, verify_append, verify_snapshot,
};
pub use matchmaking::{
    ATTEMPT_MS, Action, Device, HERE_EVERY_MS, MOST_LINKS, Matchmaker, PRESENT_FOR_MS, Present,
    RETRY_AFTER_MS, Signal,
};
pub use outbox::Outbox;
pub use payload::{Hash, Payload};
pub use peer::{Address, Candidate, MOST_CANDIDATES, PeerCode, PeerCodeError, fingerprint_in};

/// What can go wrong in sync, apart from undecodable frames ([`FrameError`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// A share link that is not one of Landsbyplan's, or was cut short.
    #[error("the share link is damaged or not a Landsbyplan link")]
    BadShareLink,
    /// A sealed bundle that this space's key cannot open: altered, cut short, or for
    /// another space.
    #[error("the data cannot be decrypted with this space's key")]
    CannotDecrypt,
    /// Opened bytes in a format this build does not know.
    #[error("the entry holds data this version of the app cannot read")]
    UnknownPayload,
}
