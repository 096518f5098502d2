//! Versioned binary frames: one protocol-version byte, then the frame in postcard.
//!
//! The relay only ever sees a document id and opaque payload bytes; what a payload means
//! (an encrypted change bundle) is the devices' business alone.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The protocol version this build speaks; the first byte of every frame.
pub const PROTOCOL_VERSION: u8 = 2;

/// The id under which the relay keeps a document's log. Opaque to the relay.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DocId(pub [u8; 32]);

impl fmt::Debug for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocId(")?;
        for b in &self.0[..6] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…)")
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for DocId {
    type Err = FrameError;

    /// Reads the 64 hexadecimal digits [`DocId`]'s `Display` writes.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || FrameError::Malformed("a document id is 64 hexadecimal digits".into());
        if s.len() != 64 || !s.is_ascii() {
            return Err(bad());
        }
        let mut id = [0u8; 32];
        for (i, byte) in id.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Self(id))
    }
}

/// What a device sends the relay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientFrame {
    /// Send me every entry of `doc` after sequence number `since`, then new ones live.
    Subscribe {
        /// The document.
        doc: DocId,
        /// The last sequence number the device already has (0 for none).
        since: u64,
    },
    /// Append `payload` to the log of `doc`; answered by [`RelayFrame::Acked`] once durable.
    /// Appending the same payload again is answered with the same sequence number.
    Append {
        /// The document.
        doc: DocId,
        /// The space's writer key; its hash is `doc`.
        writer: [u8; 32],
        /// Opaque bytes: an encrypted change bundle.
        payload: Vec<u8>,
        /// The writer's signature (see `keys::verify_append`).
        proof: Vec<u8>,
    },
    /// An encrypted snapshot holding everything through entry `covers`, so the relay can
    /// drop those entries; answered by [`RelayFrame::Acked`] with `covers`.
    Snapshot {
        /// The document.
        doc: DocId,
        /// The space's writer key; its hash is `doc`.
        writer: [u8; 32],
        /// The last entry the snapshot includes.
        covers: u64,
        /// Opaque bytes: the encrypted document.
        payload: Vec<u8>,
        /// The writer's signature (see `keys::verify_snapshot`).
        proof: Vec<u8>,
    },
    /// Pass `data` (encrypted WebRTC signaling) to the other subscribers of `doc`, or to
    /// one of them.
    Signal {
        /// The document whose subscribers are addressed.
        doc: DocId,
        /// One peer, or every other subscriber for `None`.
        to: Option<u64>,
        /// Opaque bytes.
        data: Vec<u8>,
    },
    /// Are you there? Answered by [`RelayFrame::Pong`]: a connection that has been quiet
    /// for a while is asked, and one that does not answer is given up (a phone that lost
    /// its network often keeps a socket that looks open).
    Ping,
}

/// What the relay sends a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelayFrame {
    /// The first frame on a connection: the id other peers address this one by.
    Hello {
        /// This connection's peer id.
        peer: u64,
        /// The relay store's epoch: sequence numbers count within one epoch, so another
        /// epoch than before means the store the device synced with is gone.
        epoch: u64,
    },
    /// An append of this connection is durable under sequence number `seq`.
    Acked {
        /// The document.
        doc: DocId,
        /// The entry's sequence number in the document's log.
        seq: u64,
    },
    /// One entry of a document's log, from the backlog or live.
    Entry {
        /// The document.
        doc: DocId,
        /// The entry's sequence number in the document's log.
        seq: u64,
        /// Opaque bytes as appended.
        payload: Vec<u8>,
        /// The writer's proof as appended: every receiver checks it.
        proof: Vec<u8>,
    },
    /// A snapshot of a document, sent before the entries after it.
    Snapshot {
        /// The document.
        doc: DocId,
        /// The last entry the snapshot includes.
        covers: u64,
        /// Opaque bytes as uploaded.
        payload: Vec<u8>,
        /// The writer's proof as uploaded: every receiver checks it.
        proof: Vec<u8>,
    },
    /// Signaling data from another subscriber of `doc`.
    Signal {
        /// The document.
        doc: DocId,
        /// The sending peer.
        from: u64,
        /// Opaque bytes.
        data: Vec<u8>,
    },
    /// A frame was refused; the connection stays open.
    Error {
        /// The document the refused frame was about, if it could be read.
        doc: Option<DocId>,
        /// What went wrong, for programs.
        code: ErrorCode,
        /// What went wrong, for people.
        message: String,
    },
    /// Answers [`ClientFrame::Subscribe`] after the backlog: everything of `doc` the relay
    /// holds, through entry `latest`, has been sent (0: it holds nothing).
    Subscribed {
        /// The document.
        doc: DocId,
        /// The last entry in the relay's log of `doc`.
        latest: u64,
    },
    /// Answers [`ClientFrame::Ping`].
    Pong,
}

/// Why the relay refused a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    /// The frame could not be decoded.
    Malformed,
    /// The frame speaks a protocol version the relay does not.
    UnsupportedVersion,
    /// The relay could not store the entry; try again later.
    StorageFailed,
    /// The proof does not show the writer's key: nothing was stored.
    Forbidden,
    /// The frame is larger than the relay accepts.
    TooLarge,
    /// Too many frames too fast; slow down and send again.
    RateLimited,
    /// The document's log is full; upload a snapshot to make room.
    LogFull,
    /// Signaling needs a subscription to the document first.
    NotSubscribed,
    /// A limit the relay sets on one connection or address (documents followed on one
    /// connection, new documents an hour) or on its disk was reached; the message names
    /// it. Try again later.
    LimitReached,
}

/// A frame that could not be decoded.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// There were no bytes at all.
    #[error("empty frame")]
    Empty,
    /// The first byte names a protocol version this build does not speak.
    #[error("unsupported protocol version {found} (this build speaks {PROTOCOL_VERSION})")]
    UnsupportedVersion {
        /// The version byte received.
        found: u8,
    },
    /// The bytes after the version are not a valid frame.
    #[error("malformed frame: {0}")]
    Malformed(String),
}

impl FrameError {
    /// The code the relay answers this error with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Empty | Self::Malformed(_) => ErrorCode::Malformed,
            Self::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
        }
    }
}

fn encode<T: Serialize>(frame: &T) -> Vec<u8> {
    let mut bytes = vec![PROTOCOL_VERSION];
    // Serialising these plain enums into a Vec cannot fail.
    bytes.extend(postcard::to_stdvec(frame).expect("frames serialise into a Vec"));
    bytes
}

fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, FrameError> {
    let (&version, body) = bytes.split_first().ok_or(FrameError::Empty)?;
    if version != PROTOCOL_VERSION {
        return Err(FrameError::UnsupportedVersion { found: version });
    }
    let (frame, rest) =
        postcard::take_from_bytes(body).map_err(|e| FrameError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(FrameError::Malformed(format!(
            "{} unexpected bytes after the frame",
            rest.len()
        )));
    }
    Ok(frame)
}

impl ClientFrame {
    /// The document the frame is about, if any.
    pub fn doc(&self) -> Option<DocId> {
        match self {
            Self::Subscribe { doc, .. }
            | Self::Append { doc, .. }
            | Self::Snapshot { doc, .. }
            | Self::Signal { doc, .. } => Some(*doc),
            Self::Ping => None,
        }
    }

    /// The frame as bytes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Reads a frame from the wire; never panics on any input.
    pub fn decode(bytes: &[u8]) -> Result<Self, FrameError> {
        decode(bytes)
    }
}

impl RelayFrame {
    /// The frame as bytes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Reads a frame from the wire; never panics on any input.
    pub fn decode(bytes: &[u8]) -> Result<Self, FrameError> {
        decode(bytes)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn doc_id() -> impl Strategy<Value = DocId> {
        any::<[u8; 32]>().prop_map(DocId)
    }

    fn client_frame() -> impl Strategy<Value = ClientFrame> {
        prop_oneof![
            (doc_id(), any::<u64>()).prop_map(|(doc, since)| ClientFrame::Subscribe { doc, since }),
            (
                doc_id(),
                any::<[u8; 32]>(),
                proptest::collection::vec(any::<u8>(), 0..300)
            )
                .prop_map(|(doc, writer, payload)| ClientFrame::Append {
                    doc,
                    writer,
                    proof: payload.iter().rev().copied().collect(),
                    payload,
                }),
            (
                doc_id(),
                any::<u64>(),
                proptest::collection::vec(any::<u8>(), 0..300)
            )
                .prop_map(|(doc, covers, payload)| ClientFrame::Snapshot {
                    doc,
                    writer: [7; 32],
                    covers,
                    proof: vec![1; 64],
                    payload,
                }),
            (
                doc_id(),
                proptest::option::of(any::<u64>()),
                proptest::collection::vec(any::<u8>(), 0..100)
            )
                .prop_map(|(doc, to, data)| ClientFrame::Signal { doc, to, data }),
        ]
    }

    fn relay_frame() -> impl Strategy<Value = RelayFrame> {
        prop_oneof![
            (doc_id(), any::<u64>()).prop_map(|(doc, seq)| RelayFrame::Acked { doc, seq }),
            (
                doc_id(),
                any::<u64>(),
                proptest::collection::vec(any::<u8>(), 0..300)
            )
                .prop_map(|(doc, seq, payload)| RelayFrame::Entry {
                    doc,
                    seq,
                    proof: payload.iter().rev().copied().collect(),
                    payload,
                }),
            (any::<u64>(), any::<u64>())
                .prop_map(|(peer, epoch)| RelayFrame::Hello { peer, epoch }),
            (doc_id(), any::<u64>())
                .prop_map(|(doc, latest)| RelayFrame::Subscribed { doc, latest }),
            (
                doc_id(),
                any::<u64>(),
                proptest::collection::vec(any::<u8>(), 0..300)
            )
                .prop_map(|(doc, covers, payload)| RelayFrame::Snapshot {
                    doc,
                    covers,
                    proof: payload.iter().rev().copied().collect(),
                    payload,
                }),
            (
                doc_id(),
                any::<u64>(),
                proptest::collection::vec(any::<u8>(), 0..100)
            )
                .prop_map(|(doc, from, data)| RelayFrame::Signal { doc, from, data }),
            (".{0,40}").prop_map(|message| RelayFrame::Error {
                doc: None,
                code: ErrorCode::Malformed,
                message
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("LANDSBYPLAN_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
        ))]
        #[test]
        fn every_client_frame_survives_encode_and_decode(frame in client_frame()) {
            prop_assert_eq!(ClientFrame::decode(&frame.encode()), Ok(frame));
        }

        #[test]
        fn every_relay_frame_survives_encode_and_decode(frame in relay_frame()) {
            prop_assert_eq!(RelayFrame::decode(&frame.encode()), Ok(frame));
        }

        #[test]
        fn arbitrary_bytes_decode_to_a_frame_or_an_error_without_panicking(
            bytes in proptest::collection::vec(any::<u8>(), 0..200)
        ) {
            let _ = ClientFrame::decode(&bytes);
            let _ = RelayFrame::decode(&bytes);
        }
    }

    #[test]
    fn a_document_id_survives_display_and_parse() {
        let id = DocId([0xab; 32]);
        assert_eq!(id.to_string().parse::<DocId>(), Ok(id));
        assert!("xyz".parse::<DocId>().is_err());
    }

    #[test]
    fn an_empty_frame_is_refused() {
        assert_eq!(ClientFrame::decode(&[]), Err(FrameError::Empty));
    }

    #[test]
    fn a_frame_of_another_protocol_version_is_refused_with_its_version() {
        let mut bytes = ClientFrame::Subscribe {
            doc: DocId([1; 32]),
            since: 0,
        }
        .encode();
        bytes[0] = 99;
        let err = ClientFrame::decode(&bytes).unwrap_err();
        assert_eq!(err, FrameError::UnsupportedVersion { found: 99 });
        assert_eq!(err.code(), ErrorCode::UnsupportedVersion);
    }

    #[test]
    fn trailing_bytes_after_a_frame_are_malformed() {
        let mut bytes = ClientFrame::Subscribe {
            doc: DocId([1; 32]),
            since: 0,
        }
        .encode();
        bytes.push(0);
        assert!(matches!(
            ClientFrame::decode(&bytes),
            Err(FrameError::Malformed(_))
        ));
    }
}
