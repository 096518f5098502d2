//! What a sealed entry holds once opened: changes of the space, or a device's request for
//! changes it lacks. The relay never sees this; only devices of the space can open it.

use serde::{Deserialize, Serialize};

use crate::SyncError;

/// A change's hash (an Automerge `ChangeHash`'s bytes).
pub type Hash = [u8; 32];

/// The first bytes of every Automerge chunk: entries written before payloads had a kind
/// held bare Automerge bytes, and still open as [`Payload::Changes`].
const AUTOMERGE_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// The first byte of an encoded [`Payload`]: its format's version.
const PAYLOAD_VERSION: u8 = 1;

/// The plaintext of an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Payload {
    /// Automerge changes of the space: incremental chunks or a whole saved document.
    Changes(Vec<u8>),
    /// A device received changes that depend on changes it never got: whoever holds
    /// `missing` sends everything after `have` again (issue 10: no two devices stay split).
    Need {
        /// The asking device's heads.
        have: Vec<Hash>,
        /// The changes it lacks.
        missing: Vec<Hash>,
    },
}

impl Payload {
    /// The bytes to seal.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = vec![PAYLOAD_VERSION];
        // Serializing into a Vec cannot fail.
        bytes.extend(postcard::to_stdvec(self).expect("a payload serializes"));
        bytes
    }

    /// Reads opened bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, SyncError> {
        if bytes.starts_with(&AUTOMERGE_MAGIC) {
            return Ok(Self::Changes(bytes.to_vec()));
        }
        match bytes.split_first() {
            Some((&PAYLOAD_VERSION, rest)) => {
                postcard::from_bytes(rest).map_err(|_| SyncError::UnknownPayload)
            }
            _ => Err(SyncError::UnknownPayload),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_payload_reads_back_as_written() {
        for payload in [
            Payload::Changes(vec![1, 2, 3]),
            Payload::Need {
                have: vec![[7; 32]],
                missing: vec![[8; 32], [9; 32]],
            },
        ] {
            assert_eq!(Payload::decode(&payload.encode()), Ok(payload));
        }
    }

    #[test]
    fn bare_automerge_bytes_from_earlier_builds_open_as_changes() {
        let bare = [0x85, 0x6f, 0x4a, 0x83, 1, 2];
        assert_eq!(Payload::decode(&bare), Ok(Payload::Changes(bare.to_vec())));
    }

    #[test]
    fn bytes_of_an_unknown_format_are_refused() {
        assert_eq!(Payload::decode(&[]), Err(SyncError::UnknownPayload));
        assert_eq!(Payload::decode(&[9, 1, 2]), Err(SyncError::UnknownPayload));
        assert_eq!(Payload::decode(&[1, 200]), Err(SyncError::UnknownPayload));
    }
}
