//! The encryption envelope: what a device sends the relay instead of its changes.
//!
//! `[version 2][24-byte random nonce][XChaCha20-Poly1305 ciphertext]`, with the document
//! id and what the payload is ([`Sealed`]: a log entry, a snapshot, signaling) as
//! associated data, so a sealed payload cannot be moved to another document or opened
//! as something it was not sealed as. Nonces
//! are 192 random bits from the caller's random source: at that size, random nonces do
//! not repeat in practice, which is why XChaCha rather than ChaCha is used.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::{ReadCapability, SyncError};

const ENVELOPE_VERSION: u8 = 2;
const NONCE_LEN: usize = 24;

/// What a sealed payload is; bound to it as associated data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sealed {
    /// An entry of a space's log (changes, or a request for changes).
    Entry = 1,
    /// A snapshot of a whole space.
    Snapshot = 2,
    /// Signaling between the devices of a space.
    Signal = 3,
    /// A connection code shown from one phone to another ([`crate::PeerCode`]).
    PeerCode = 4,
}

/// The associated data: the document id, then the kind.
fn associated(doc: &crate::DocId, kind: Sealed) -> [u8; 33] {
    let mut aad = [0u8; 33];
    aad[..32].copy_from_slice(&doc.0);
    aad[32] = kind as u8;
    aad
}

impl ReadCapability {
    /// Encrypts `plaintext` for this space, as a `kind`, with the caller's random
    /// `nonce`.
    pub fn seal(&self, kind: Sealed, plaintext: &[u8], nonce: [u8; NONCE_LEN]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.read_key).into());
        let aad = associated(&self.doc_id(), kind);
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any message that fits in memory");
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(ENVELOPE_VERSION);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Decrypts what [`ReadCapability::seal`] made for this space as a `kind`; fails on
    /// anything altered, truncated, sealed for another space or as another kind.
    pub fn open(&self, kind: Sealed, sealed: &[u8]) -> Result<Vec<u8>, SyncError> {
        let (&version, rest) = sealed.split_first().ok_or(SyncError::CannotDecrypt)?;
        if version != ENVELOPE_VERSION || rest.len() < NONCE_LEN {
            return Err(SyncError::CannotDecrypt);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new((&self.read_key).into());
        let aad = associated(&self.doc_id(), kind);
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| SyncError::CannotDecrypt)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Sealed;
    use crate::{SpaceSecret, SyncError};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("LANDSBYPLAN_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
        ))]
        #[test]
        fn what_is_sealed_opens_to_the_same_bytes(
            secret in any::<[u8; 32]>(),
            nonce in any::<[u8; 24]>(),
            plaintext in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let read = SpaceSecret::from_random(secret).keys().read().clone();
            let sealed = read.seal(Sealed::Entry, &plaintext, nonce);
            prop_assert_eq!(read.open(Sealed::Entry, &sealed).unwrap(), plaintext);
        }

        #[test]
        fn any_altered_byte_makes_opening_fail(at in any::<prop::sample::Index>(), flip in 1..=255u8) {
            let read = SpaceSecret::from_random([5; 32]).keys().read().clone();
            let mut sealed = read.seal(Sealed::Entry, b"Vorbasse Lokalraad", [9; 24]);
            let i = at.index(sealed.len());
            sealed[i] ^= flip;
            prop_assert!(read.open(Sealed::Entry, &sealed).is_err());
        }
    }

    #[test]
    fn the_ciphertext_does_not_contain_the_plaintext() {
        let read = SpaceSecret::from_random([1; 32]).keys().read().clone();
        let sealed = read.seal(Sealed::Entry, b"CANARY-text-that-must-not-leak", [3; 24]);
        assert!(!sealed.windows(6).any(|w| w == b"CANARY"));
    }

    #[test]
    fn a_bundle_sealed_for_one_space_does_not_open_in_another() {
        let a = SpaceSecret::from_random([1; 32]).keys().read().clone();
        let b = SpaceSecret::from_random([2; 32]).keys().read().clone();
        assert!(matches!(
            b.open(Sealed::Entry, &a.seal(Sealed::Entry, b"x", [0; 24])),
            Err(SyncError::CannotDecrypt)
        ));
        assert!(matches!(
            a.open(Sealed::Entry, &[]),
            Err(SyncError::CannotDecrypt)
        ));
    }

    #[test]
    fn a_payload_sealed_as_one_kind_does_not_open_as_another() {
        let read = SpaceSecret::from_random([1; 32]).keys().read().clone();
        let kinds = [
            Sealed::Entry,
            Sealed::Snapshot,
            Sealed::Signal,
            Sealed::PeerCode,
        ];
        for sealed_as in kinds {
            let sealed = read.seal(sealed_as, b"x", [0; 24]);
            for opened_as in kinds {
                assert_eq!(
                    read.open(opened_as, &sealed).is_ok(),
                    sealed_as == opened_as,
                    "sealed as {sealed_as:?}, opened as {opened_as:?}"
                );
            }
        }
    }
}
