//! The encryption envelope: what a device sends the relay instead of its changes.
//!
//! `[version 1][24-byte random nonce][XChaCha20-Poly1305 ciphertext]`, with the document
//! id as associated data so a sealed bundle cannot be moved to another document. Nonces
//! are 192 random bits from the caller's random source: at that size, random nonces do
//! not repeat in practice, which is why XChaCha rather than ChaCha is used.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::{ReadCapability, SyncError};

const ENVELOPE_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;

impl ReadCapability {
    /// Encrypts `plaintext` for this space with the caller's random `nonce`.
    pub fn seal(&self, plaintext: &[u8], nonce: [u8; NONCE_LEN]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.read_key).into());
        let doc = self.doc_id();
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &doc.0,
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any message that fits in memory");
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(ENVELOPE_VERSION);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Decrypts what [`ReadCapability::seal`] made for this space; fails on anything
    /// altered, truncated, or sealed for another space.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SyncError> {
        let (&version, rest) = sealed.split_first().ok_or(SyncError::CannotDecrypt)?;
        if version != ENVELOPE_VERSION || rest.len() < NONCE_LEN {
            return Err(SyncError::CannotDecrypt);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new((&self.read_key).into());
        let doc = self.doc_id();
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &doc.0,
                },
            )
            .map_err(|_| SyncError::CannotDecrypt)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::{SpaceSecret, SyncError};

    proptest! {
        #[test]
        fn what_is_sealed_opens_to_the_same_bytes(
            secret in any::<[u8; 32]>(),
            nonce in any::<[u8; 24]>(),
            plaintext in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let read = SpaceSecret::from_random(secret).keys().read().clone();
            let sealed = read.seal(&plaintext, nonce);
            prop_assert_eq!(read.open(&sealed).unwrap(), plaintext);
        }

        #[test]
        fn any_altered_byte_makes_opening_fail(at in any::<prop::sample::Index>(), flip in 1..=255u8) {
            let read = SpaceSecret::from_random([5; 32]).keys().read().clone();
            let mut sealed = read.seal(b"Vorbasse Lokalraad", [9; 24]);
            let i = at.index(sealed.len());
            sealed[i] ^= flip;
            prop_assert!(read.open(&sealed).is_err());
        }
    }

    #[test]
    fn the_ciphertext_does_not_contain_the_plaintext() {
        let read = SpaceSecret::from_random([1; 32]).keys().read().clone();
        let sealed = read.seal(b"CANARY-text-that-must-not-leak", [3; 24]);
        assert!(!sealed.windows(6).any(|w| w == b"CANARY"));
    }

    #[test]
    fn a_bundle_sealed_for_one_space_does_not_open_in_another() {
        let a = SpaceSecret::from_random([1; 32]).keys().read().clone();
        let b = SpaceSecret::from_random([2; 32]).keys().read().clone();
        assert!(matches!(
            b.open(&a.seal(b"x", [0; 24])),
            Err(SyncError::CannotDecrypt)
        ));
        assert!(matches!(a.open(&[]), Err(SyncError::CannotDecrypt)));
    }
}
