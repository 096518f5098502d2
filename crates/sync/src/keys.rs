//! A space's keys, all derived from one random secret made on the creating device:
//!
//! ```text
//! secret ──HKDF──▶ write seed ──Ed25519──▶ signing key ──▶ writer (public key)
//!    └────HKDF──▶ read key (XChaCha20-Poly1305)            └─SHA-256─▶ document id
//! ```
//!
//! The relay sees the document id and the writer's public key, never the secret or the
//! read key. Because the id is the hash of the writer key, the relay can check that an
//! append's signature comes from the holder of the secret without being told anything
//! else, and someone who only knows the id can neither read nor write. A read-only share
//! carries the read key and the writer's public key: it decrypts, but cannot sign.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{DocId, SyncError};

const SALT: &[u8] = b"landsbyplan keys v1";
const DOC_ID_CONTEXT: &[u8] = b"landsbyplan doc id v1";
const APPEND_CONTEXT: &[u8] = b"landsbyplan append v1";
const SNAPSHOT_CONTEXT: &[u8] = b"landsbyplan snapshot v1";

/// The secret of a space: whoever holds it can read and write.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SpaceSecret([u8; 32]);

impl std::fmt::Debug for SpaceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpaceSecret(…)")
    }
}

/// The public key of a space's writers, which the relay checks appends against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WriterKey(pub [u8; 32]);

impl WriterKey {
    /// The id under which the relay keeps the space's log.
    pub fn doc_id(&self) -> DocId {
        let mut hasher = Sha256::new();
        hasher.update(DOC_ID_CONTEXT);
        hasher.update(self.0);
        DocId(hasher.finalize().into())
    }
}

/// What can read a space: its read key and its writers' public key.
#[derive(Clone, PartialEq, Eq)]
pub struct ReadCapability {
    pub(crate) read_key: [u8; 32],
    /// The writers' public key.
    pub writer: WriterKey,
}

impl std::fmt::Debug for ReadCapability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCapability")
            .field("writer", &self.writer)
            .finish_non_exhaustive()
    }
}

impl Drop for ReadCapability {
    fn drop(&mut self) {
        self.read_key.zeroize();
    }
}

impl ReadCapability {
    /// The document id the relay knows the space by.
    pub fn doc_id(&self) -> DocId {
        self.writer.doc_id()
    }
}

/// Everything a device holding the secret needs: it reads, writes and signs.
#[derive(Clone)]
pub struct SpaceKeys {
    signing: SigningKey,
    read: ReadCapability,
}

impl std::fmt::Debug for SpaceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpaceKeys")
            .field("writer", &self.read.writer)
            .finish_non_exhaustive()
    }
}

fn derive(secret: &[u8; 32], info: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    Hkdf::<Sha256>::new(Some(SALT), secret)
        .expand(info, &mut out)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    out
}

impl SpaceSecret {
    /// A secret from 32 random bytes supplied by the caller.
    pub fn from_random(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The keys derived from the secret.
    pub fn keys(&self) -> SpaceKeys {
        let mut seed = derive(&self.0, b"write");
        let signing = SigningKey::from_bytes(&seed);
        seed.zeroize();
        let read = ReadCapability {
            read_key: derive(&self.0, b"read"),
            writer: WriterKey(signing.verifying_key().to_bytes()),
        };
        SpaceKeys { signing, read }
    }
}

impl SpaceKeys {
    pub(crate) fn signer(&self) -> &SigningKey {
        &self.signing
    }

    /// The document id the relay knows the space by.
    pub fn doc_id(&self) -> DocId {
        self.read.doc_id()
    }

    /// The read-only capability, to share or to decrypt with.
    pub fn read(&self) -> &ReadCapability {
        &self.read
    }

    /// The proof that goes with appending `payload` to the space's log.
    pub fn prove_append(&self, payload: &[u8]) -> Vec<u8> {
        self.signing
            .sign(&signed_message(APPEND_CONTEXT, &self.doc_id(), 0, payload))
            .to_bytes()
            .to_vec()
    }

    /// The proof that goes with a snapshot covering the log through entry `covers`.
    pub fn prove_snapshot(&self, covers: u64, payload: &[u8]) -> Vec<u8> {
        self.signing
            .sign(&signed_message(
                SNAPSHOT_CONTEXT,
                &self.doc_id(),
                covers,
                payload,
            ))
            .to_bytes()
            .to_vec()
    }
}

fn signed_message(context: &[u8], doc: &DocId, covers: u64, payload: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(context.len() + 32 + 8 + 32);
    message.extend_from_slice(context);
    message.extend_from_slice(&doc.0);
    message.extend_from_slice(&covers.to_be_bytes());
    message.extend_from_slice(&Sha256::digest(payload));
    message
}

fn verify(
    context: &[u8],
    doc: &DocId,
    writer: &WriterKey,
    covers: u64,
    payload: &[u8],
    proof: &[u8],
) -> bool {
    writer.doc_id() == *doc
        && signed_by(
            writer,
            &signed_message(context, doc, covers, payload),
            proof,
        )
}

/// Whether `proof` is `writer`'s signature of `message`, checked strictly: a weak
/// (small-order) key or a malleated signature is refused.
pub(crate) fn signed_by(writer: &WriterKey, message: &[u8], proof: &[u8]) -> bool {
    let (Ok(key), Ok(signature)) = (
        VerifyingKey::from_bytes(&writer.0),
        <[u8; 64]>::try_from(proof).map(|bytes| Signature::from_bytes(&bytes)),
    ) else {
        return false;
    };
    !key.is_weak() && key.verify_strict(message, &signature).is_ok()
}

/// Whether `proof` shows that the holder of the secret of `doc` appended `payload`. Used
/// by the relay, which knows nothing else about the space.
pub fn verify_append(doc: &DocId, writer: &WriterKey, payload: &[u8], proof: &[u8]) -> bool {
    verify(APPEND_CONTEXT, doc, writer, 0, payload, proof)
}

/// Whether `proof` shows that the holder of the secret of `doc` made this snapshot.
pub fn verify_snapshot(
    doc: &DocId,
    writer: &WriterKey,
    covers: u64,
    payload: &[u8],
    proof: &[u8],
) -> bool {
    verify(SNAPSHOT_CONTEXT, doc, writer, covers, payload, proof)
}

/// A share link's capability, carried only in the URL's `#fragment`, which browsers never
/// send to a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Share {
    /// Read and write.
    Edit(SpaceSecret),
    /// Read only.
    Read(ReadCapability),
}

impl Share {
    /// The fragment (without `#`): `edit=<secret>` or `read=<read key and writer key>`.
    pub fn to_fragment(&self) -> String {
        match self {
            Self::Edit(secret) => format!("edit={}", URL_SAFE_NO_PAD.encode(secret.0)),
            Self::Read(read) => {
                let mut bytes = [0u8; 64];
                bytes[..32].copy_from_slice(&read.read_key);
                bytes[32..].copy_from_slice(&read.writer.0);
                let text = format!("read={}", URL_SAFE_NO_PAD.encode(bytes));
                bytes.zeroize();
                text
            }
        }
    }

    /// Reads a share from a whole link or just its fragment.
    pub fn from_link(link: &str) -> Result<Self, SyncError> {
        let fragment = link.rsplit_once('#').map_or(link, |(_, f)| f);
        let (kind, value) = fragment.split_once('=').ok_or(SyncError::BadShareLink)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(value.trim())
            .map_err(|_| SyncError::BadShareLink)?;
        match (kind, bytes.len()) {
            ("edit", 32) => {
                let mut secret = [0u8; 32];
                secret.copy_from_slice(&bytes);
                Ok(Self::Edit(SpaceSecret(secret)))
            }
            ("read", 64) => {
                let mut read_key = [0u8; 32];
                read_key.copy_from_slice(&bytes[..32]);
                let mut writer = [0u8; 32];
                writer.copy_from_slice(&bytes[32..]);
                let key = VerifyingKey::from_bytes(&writer).map_err(|_| SyncError::BadShareLink)?;
                // A small-order key would let anyone forge "its" signatures.
                if key.is_weak() {
                    return Err(SyncError::BadShareLink);
                }
                Ok(Self::Read(ReadCapability {
                    read_key,
                    writer: WriterKey(writer),
                }))
            }
            _ => Err(SyncError::BadShareLink),
        }
    }

    /// What the share lets its holder read.
    pub fn read_capability(&self) -> ReadCapability {
        match self {
            Self::Edit(secret) => secret.keys().read().clone(),
            Self::Read(read) => read.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(n: u8) -> SpaceSecret {
        SpaceSecret::from_random([n; 32])
    }

    #[test]
    fn the_same_secret_gives_the_same_keys_on_every_device() {
        assert_eq!(secret(1).keys().doc_id(), secret(1).keys().doc_id());
        assert_ne!(secret(1).keys().doc_id(), secret(2).keys().doc_id());
        assert_ne!(
            secret(1).keys().read().read_key,
            secret(1).0,
            "the read key is not the secret"
        );
    }

    #[test]
    fn an_append_proof_verifies_only_for_its_document_payload_and_writer() {
        let keys = secret(1).keys();
        let writer = keys.read().writer;
        let proof = keys.prove_append(b"bundle");
        assert!(verify_append(&keys.doc_id(), &writer, b"bundle", &proof));
        assert!(!verify_append(&keys.doc_id(), &writer, b"other", &proof));
        let other = secret(2).keys();
        assert!(
            !verify_append(&other.doc_id(), &writer, b"bundle", &proof),
            "another document"
        );
        assert!(
            !verify_append(
                &keys.doc_id(),
                &other.read().writer,
                b"bundle",
                &other.prove_append(b"bundle")
            ),
            "a key that does not hash to the id"
        );
        assert!(!verify_append(
            &keys.doc_id(),
            &writer,
            b"bundle",
            &proof[..63]
        ));
    }

    #[test]
    fn a_snapshot_proof_covers_its_sequence_number() {
        let keys = secret(1).keys();
        let proof = keys.prove_snapshot(7, b"snap");
        assert!(verify_snapshot(
            &keys.doc_id(),
            &keys.read().writer,
            7,
            b"snap",
            &proof
        ));
        assert!(!verify_snapshot(
            &keys.doc_id(),
            &keys.read().writer,
            8,
            b"snap",
            &proof
        ));
        assert!(!verify_append(
            &keys.doc_id(),
            &keys.read().writer,
            b"snap",
            &proof
        ));
    }

    #[test]
    fn share_links_carry_the_capability_in_the_fragment_and_read_back() {
        let edit = Share::Edit(secret(3));
        let link = format!("https://landsbyplan.example/#{}", edit.to_fragment());
        assert_eq!(Share::from_link(&link).unwrap(), edit);
        let read = Share::Read(secret(3).keys().read().clone());
        let parsed = Share::from_link(&read.to_fragment()).unwrap();
        assert_eq!(parsed.read_capability().doc_id(), secret(3).keys().doc_id());
        assert!(matches!(parsed, Share::Read(_)));
    }

    #[test]
    fn a_read_link_with_a_weak_writer_key_is_refused() {
        // The identity point: a small-order key that "verifies" forged signatures.
        let mut weak = [0u8; 32];
        weak[0] = 1;
        let mut bytes = [7u8; 64];
        bytes[32..].copy_from_slice(&weak);
        let link = format!("#read={}", URL_SAFE_NO_PAD.encode(bytes));
        assert!(matches!(
            Share::from_link(&link),
            Err(SyncError::BadShareLink)
        ));
        assert!(!signed_by(&WriterKey(weak), b"forged", &[0; 64]));
    }

    #[test]
    fn a_damaged_share_link_is_refused() {
        for bad in [
            "",
            "#edit=",
            "#edit=abc",
            "#read=AAAA",
            "#view=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "#edit=!!!",
        ] {
            assert!(
                matches!(Share::from_link(bad), Err(SyncError::BadShareLink)),
                "{bad}"
            );
        }
    }
}
