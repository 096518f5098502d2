//! A published calendar feed: the one thing of a space a writer may choose to put on the
//! relay in plain text, so calendar programs can subscribe to the annual wheel (they
//! cannot decrypt). The feed's id is a hash of the writer key under its own context, so
//! it tells nothing of the document id, and only the holder of the space's secret can
//! publish, replace or withdraw it.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::Signer;
use sha2::{Digest, Sha256};

use crate::keys::signed_by;
use crate::{SpaceKeys, WriterKey};

const FEED_ID_CONTEXT: &[u8] = b"landsbyplan calendar feed id v1";
const PUBLISH_CONTEXT: &[u8] = b"landsbyplan calendar publish v2";
const WITHDRAW_CONTEXT: &[u8] = b"landsbyplan calendar withdraw v2";

/// The address of a space's published calendar.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FeedId(pub [u8; 32]);

impl fmt::Display for FeedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for FeedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FeedId({self})")
    }
}

impl FromStr for FeedId {
    type Err = crate::SyncError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || crate::SyncError::BadShareLink;
        if text.len() != 64 || !text.is_ascii() {
            return Err(bad());
        }
        let mut bytes = [0u8; 32];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * index..2 * index + 2], 16).map_err(|_| bad())?;
        }
        Ok(Self(bytes))
    }
}

impl WriterKey {
    /// The id of the space's calendar feed.
    pub fn feed_id(&self) -> FeedId {
        let mut hasher = Sha256::new();
        hasher.update(FEED_ID_CONTEXT);
        hasher.update(self.0);
        FeedId(hasher.finalize().into())
    }
}

/// What a publish or withdraw signs: the feed, its `version` (which only goes up: the
/// relay refuses any version not above the one it holds, so a request cannot be
/// replayed) and the body.
fn message(context: &[u8], feed: &FeedId, version: u64, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(context.len() + 72);
    message.extend_from_slice(context);
    message.extend_from_slice(&feed.0);
    message.extend_from_slice(&version.to_be_bytes());
    message.extend_from_slice(&Sha256::digest(body));
    message
}

impl SpaceKeys {
    /// Proves that the holder of the secret publishes `body` as version `version` of the
    /// space's feed.
    pub fn prove_publish(&self, version: u64, body: &[u8]) -> Vec<u8> {
        let feed = self.read().writer.feed_id();
        self.signer()
            .sign(&message(PUBLISH_CONTEXT, &feed, version, body))
            .to_bytes()
            .to_vec()
    }

    /// Proves that the holder of the secret withdraws the space's feed, as version
    /// `version`.
    pub fn prove_withdraw(&self, version: u64) -> Vec<u8> {
        let feed = self.read().writer.feed_id();
        self.signer()
            .sign(&message(WITHDRAW_CONTEXT, &feed, version, &[]))
            .to_bytes()
            .to_vec()
    }
}

fn verify(
    context: &[u8],
    feed: &FeedId,
    writer: &WriterKey,
    version: u64,
    body: &[u8],
    proof: &[u8],
) -> bool {
    writer.feed_id() == *feed && signed_by(writer, &message(context, feed, version, body), proof)
}

/// Whether `proof` shows the holder of the secret behind `feed` publishes `body` as
/// version `version`.
pub fn verify_publish(
    feed: &FeedId,
    writer: &WriterKey,
    version: u64,
    body: &[u8],
    proof: &[u8],
) -> bool {
    verify(PUBLISH_CONTEXT, feed, writer, version, body, proof)
}

/// Whether `proof` shows the holder of the secret behind `feed` withdraws it as version
/// `version`.
pub fn verify_withdraw(feed: &FeedId, writer: &WriterKey, version: u64, proof: &[u8]) -> bool {
    verify(WITHDRAW_CONTEXT, feed, writer, version, &[], proof)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SpaceSecret;

    #[test]
    fn only_the_secret_publishes_and_the_feed_id_is_not_the_document_id() {
        let keys = SpaceSecret::from_random([7; 32]).keys();
        let other = SpaceSecret::from_random([8; 32]).keys();
        let writer = keys.read().writer;
        let feed = writer.feed_id();
        assert_ne!(feed.0, keys.doc_id().0);
        assert_eq!(feed.to_string().parse::<FeedId>().unwrap(), feed);
        let body = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
        let proof = keys.prove_publish(5, body);
        assert!(verify_publish(&feed, &writer, 5, body, &proof));
        assert!(
            !verify_publish(&feed, &writer, 6, body, &proof),
            "the proof is for its version only"
        );
        assert!(!verify_publish(
            &feed,
            &writer,
            5,
            b"something else",
            &proof
        ));
        assert!(!verify_publish(
            &feed,
            &writer,
            5,
            body,
            &other.prove_publish(5, body)
        ));
        assert!(!verify_publish(
            &other.read().writer.feed_id(),
            &writer,
            5,
            body,
            &proof
        ));
        assert!(
            !verify_withdraw(&feed, &writer, 5, &proof),
            "a publish proof is no withdrawal"
        );
        assert!(verify_withdraw(&feed, &writer, 6, &keys.prove_withdraw(6)));
        assert!(!verify_withdraw(&feed, &writer, 7, &keys.prove_withdraw(6)));
    }
}
