//! What goes over a direct channel between two devices of a space (issue 14): first a
//! hello that proves the sender holds the space, bound to this very connection; then
//! messages cut into chunks small enough for every browser's data channel.
//!
//! The hello names both ends' DTLS certificate fingerprints (from the two session
//! descriptions), so it cannot be replayed on another connection: WebRTC's handshake
//! already proved that each end holds the certificate its fingerprint names. A writer
//! signs it with the space's signing key, so its changes may be taken; a device with a
//! read-only share authenticates it with a key derived from the read key, so it gets
//! changes but none of its own are taken.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::keys::signed_by;
use crate::{ReadCapability, SpaceKeys};

const HELLO_CONTEXT: &[u8] = b"landsbyplan peer hello v2";
const HELLO_VERSION: u8 = 2;

/// The longest display name a hello may carry, in bytes.
pub const MOST_NAME_BYTES: usize = 200;

/// The largest chunk sent over a data channel, header included: 16 KiB goes through
/// every browser's data channel whole.
pub const CHUNK_BYTES: usize = 16 * 1024;

const CHUNK_HEADER: usize = 8;

/// Who is at the other end, once its hello checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// The name the person on that device goes by.
    pub name: String,
    /// The app on that device, as matchmaking knows it ([`crate::Device`]).
    pub device: crate::Device,
    /// The device holds the space's secret: its changes may be taken.
    pub may_write: bool,
}

/// Why a direct channel's message was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DirectError {
    /// A hello that does not prove this space on this connection (another space, another
    /// connection, altered, or not a hello).
    #[error("the other device could not prove that it holds this space")]
    NotProved,
    /// A chunk that does not follow the one before it, or a message over the limit.
    #[error("the other device sent a broken or oversized message")]
    BadChunk,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    version: u8,
    name: String,
    device: crate::Device,
    may_write: bool,
    proof: Vec<u8>,
}

/// What a hello's proof covers: the space, the sender's and the receiver's
/// fingerprints, the sender's device and the name.
fn covered(
    read: &ReadCapability,
    from: &[u8; 32],
    to: &[u8; 32],
    device: &crate::Device,
    name: &str,
) -> Vec<u8> {
    let mut message = Vec::with_capacity(HELLO_CONTEXT.len() + 112 + 8 + name.len());
    message.extend_from_slice(HELLO_CONTEXT);
    message.extend_from_slice(&read.doc_id().0);
    message.extend_from_slice(from);
    message.extend_from_slice(to);
    message.extend_from_slice(device);
    message.extend_from_slice(&(name.len() as u64).to_be_bytes());
    message.extend_from_slice(name.as_bytes());
    message
}

fn reader_mac(read: &ReadCapability) -> Hmac<Sha256> {
    // A key of its own, derived from the read key, only for hellos.
    let mut key = Hmac::<Sha256>::new_from_slice(&read.read_key).expect("HMAC takes any key");
    key.update(b"landsbyplan peer hello key v1");
    let derived = key.finalize().into_bytes();
    Hmac::<Sha256>::new_from_slice(&derived).expect("HMAC takes any key")
}

fn shorten(name: &str) -> &str {
    let mut end = name.len().min(MOST_NAME_BYTES);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

fn encode(name: &str, device: crate::Device, may_write: bool, proof: Vec<u8>) -> Vec<u8> {
    postcard::to_allocvec(&Wire {
        version: HELLO_VERSION,
        name: name.to_owned(),
        device,
        may_write,
        proof,
    })
    .expect("a hello always encodes")
}

impl SpaceKeys {
    /// A writer's hello from `device` on the connection from the certificate `mine` to
    /// `theirs`.
    pub fn hello(
        &self,
        name: &str,
        device: crate::Device,
        mine: &[u8; 32],
        theirs: &[u8; 32],
    ) -> Vec<u8> {
        use ed25519_dalek::Signer;
        let name = shorten(name);
        let proof = self
            .signer()
            .sign(&covered(self.read(), mine, theirs, &device, name))
            .to_bytes()
            .to_vec();
        encode(name, device, true, proof)
    }
}

impl ReadCapability {
    /// A reader's hello from `device` on the connection from the certificate `mine` to
    /// `theirs`.
    pub fn hello(
        &self,
        name: &str,
        device: crate::Device,
        mine: &[u8; 32],
        theirs: &[u8; 32],
    ) -> Vec<u8> {
        let name = shorten(name);
        let mut mac = reader_mac(self);
        mac.update(&covered(self, mine, theirs, &device, name));
        encode(name, device, false, mac.finalize().into_bytes().to_vec())
    }

    /// Checks the hello that came over the connection from the certificate `theirs` to
    /// this device's `mine`.
    pub fn check_hello(
        &self,
        bytes: &[u8],
        mine: &[u8; 32],
        theirs: &[u8; 32],
    ) -> Result<Hello, DirectError> {
        let wire: Wire = postcard::from_bytes(bytes).map_err(|_| DirectError::NotProved)?;
        if wire.version != HELLO_VERSION || wire.name.len() > MOST_NAME_BYTES {
            return Err(DirectError::NotProved);
        }
        let message = covered(self, theirs, mine, &wire.device, &wire.name);
        let proved = if wire.may_write {
            signed_by(&self.writer, &message, &wire.proof)
        } else {
            let mut mac = reader_mac(self);
            mac.update(&message);
            mac.verify_slice(&wire.proof).is_ok()
        };
        if !proved {
            return Err(DirectError::NotProved);
        }
        Ok(Hello {
            name: wire.name,
            device: wire.device,
            may_write: wire.may_write,
        })
    }
}

/// `message` as chunks of at most [`CHUNK_BYTES`]: `[message number: 4][part: 2][parts:
/// 2][bytes]`. A message needs at most 65,535 parts (about 1 GiB; the receiver's limit
/// is far lower).
pub fn chunks(number: u32, message: &[u8]) -> Vec<Vec<u8>> {
    let body = CHUNK_BYTES - CHUNK_HEADER;
    let parts = message.len().div_ceil(body).max(1);
    let parts_u16 = u16::try_from(parts).expect("a message of at most 65,535 chunks");
    (0..parts)
        .map(|part| {
            let bytes =
                &message[(part * body).min(message.len())..((part + 1) * body).min(message.len())];
            let mut chunk = Vec::with_capacity(CHUNK_HEADER + bytes.len());
            chunk.extend_from_slice(&number.to_be_bytes());
            chunk.extend_from_slice(&(part as u16).to_be_bytes());
            chunk.extend_from_slice(&parts_u16.to_be_bytes());
            chunk.extend_from_slice(bytes);
            chunk
        })
        .collect()
}

/// Puts messages back together from their chunks, which a data channel delivers in
/// order; at most `most_bytes` a message.
#[derive(Debug)]
pub struct Reassembly {
    most_bytes: usize,
    partial: Option<(u32, u16, u16, Vec<u8>)>,
}

impl Reassembly {
    /// Reassembly of messages of at most `most_bytes`.
    pub fn new(most_bytes: usize) -> Self {
        Self {
            most_bytes,
            partial: None,
        }
    }

    /// Takes the next chunk: the whole message once its last chunk came. A chunk out of
    /// order or past the limit is refused (the channel should be closed).
    pub fn push(&mut self, chunk: &[u8]) -> Result<Option<Vec<u8>>, DirectError> {
        let header = chunk.get(..CHUNK_HEADER).ok_or(DirectError::BadChunk)?;
        let number = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let part = u16::from_be_bytes([header[4], header[5]]);
        let parts = u16::from_be_bytes([header[6], header[7]]);
        let bytes = &chunk[CHUNK_HEADER..];
        if chunk.len() > CHUNK_BYTES || part >= parts {
            return Err(DirectError::BadChunk);
        }
        let (mut message, next) = match self.partial.take() {
            None if part == 0 => {
                if usize::from(parts).saturating_mul(CHUNK_BYTES - CHUNK_HEADER)
                    > self.most_bytes + CHUNK_BYTES
                {
                    return Err(DirectError::BadChunk);
                }
                (Vec::new(), 0)
            }
            Some((n, total, next, message)) if n == number && total == parts && next == part => {
                (message, next)
            }
            _ => return Err(DirectError::BadChunk),
        };
        message.extend_from_slice(bytes);
        if message.len() > self.most_bytes {
            return Err(DirectError::BadChunk);
        }
        if next + 1 == parts {
            Ok(Some(message))
        } else {
            self.partial = Some((number, parts, next + 1, message));
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::SpaceSecret;

    fn keys(n: u8) -> SpaceKeys {
        SpaceSecret::from_random([n; 32]).keys()
    }

    const A: [u8; 32] = [0xa1; 32];
    const B: [u8; 32] = [0xb2; 32];
    const D: crate::Device = [0xd4; 16];

    #[test]
    fn a_writers_hello_proves_it_may_write_on_this_connection_only() {
        let space = keys(1);
        let hello = space.hello("Anna", D, &A, &B);
        // B checks what came from A.
        assert_eq!(
            space.read().check_hello(&hello, &B, &A),
            Ok(Hello {
                name: "Anna".into(),
                device: D,
                may_write: true
            })
        );
        // Another connection (either fingerprint), another space, or the hello sent
        // back to its sender: refused.
        let refused = Err(DirectError::NotProved);
        assert_eq!(space.read().check_hello(&hello, &B, &[0xc3; 32]), refused);
        assert_eq!(space.read().check_hello(&hello, &[0xc3; 32], &A), refused);
        assert_eq!(space.read().check_hello(&hello, &A, &B), refused);
        assert_eq!(keys(2).read().check_hello(&hello, &B, &A), refused);
    }

    #[test]
    fn a_readers_hello_proves_the_space_but_not_writing_and_cannot_claim_it() {
        let space = keys(1);
        let reader = space.read().clone();
        let hello = reader.hello("Bo", D, &A, &B);
        assert_eq!(
            space.read().check_hello(&hello, &B, &A),
            Ok(Hello {
                name: "Bo".into(),
                device: D,
                may_write: false
            })
        );
        // The same proof with the writer's flag set does not check out.
        let mut wire: Wire = postcard::from_bytes(&hello).unwrap();
        wire.may_write = true;
        let claimed = postcard::to_allocvec(&wire).unwrap();
        assert_eq!(
            space.read().check_hello(&claimed, &B, &A),
            Err(DirectError::NotProved)
        );
        // Nor with another name, or posing as another device.
        let mut wire: Wire = postcard::from_bytes(&hello).unwrap();
        wire.name = "Carl".into();
        let renamed = postcard::to_allocvec(&wire).unwrap();
        assert_eq!(
            space.read().check_hello(&renamed, &B, &A),
            Err(DirectError::NotProved)
        );
        let mut wire: Wire = postcard::from_bytes(&hello).unwrap();
        wire.device = [0xe5; 16];
        let posing = postcard::to_allocvec(&wire).unwrap();
        assert_eq!(
            space.read().check_hello(&posing, &B, &A),
            Err(DirectError::NotProved)
        );
    }

    #[test]
    fn junk_is_not_a_hello_and_a_long_name_is_shortened_at_a_character() {
        for junk in [&b""[..], b"\x01", &[0xff; 100]] {
            assert_eq!(
                keys(1).read().check_hello(junk, &B, &A),
                Err(DirectError::NotProved)
            );
        }
        let long = "Æ".repeat(150);
        let hello = keys(1).hello(&long, D, &A, &B);
        let name = keys(1).read().check_hello(&hello, &B, &A).unwrap().name;
        assert_eq!(name.len(), 200);
        assert!(long.starts_with(&name));
    }

    /// `len` bytes that differ by `seed` (quick to make, unlike thousands of random bytes
    /// drawn one by one).
    fn bytes(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ seed ^ (i >> 8) as u8)
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn messages_come_back_whole_from_their_chunks(
            sizes in proptest::collection::vec((0..40_000usize, any::<u8>()), 1..5),
        ) {
            let messages: Vec<Vec<u8>> = sizes.iter().map(|&(len, seed)| bytes(len, seed)).collect();
            let mut reassembly = Reassembly::new(64 * 1024);
            let mut back = Vec::new();
            for (number, message) in (0u32..).zip(&messages) {
                for chunk in chunks(number, message) {
                    prop_assert!(chunk.len() <= CHUNK_BYTES);
                    if let Some(whole) = reassembly.push(&chunk).unwrap() {
                        back.push(whole);
                    }
                }
            }
            prop_assert_eq!(back, messages);
        }

        #[test]
        fn a_chunk_out_of_order_is_refused(
            len in 20_000..60_000usize,
            seed in any::<u8>(),
            skip in 1usize..3,
        ) {
            let message = bytes(len, seed);
            let chunks = chunks(7, &message);
            let mut reassembly = Reassembly::new(1 << 20);
            reassembly.push(&chunks[0]).unwrap();
            let skipped = skip.min(chunks.len() - 1);
            if skipped > 1 {
                prop_assert_eq!(reassembly.push(&chunks[skipped]), Err(DirectError::BadChunk));
            } else {
                prop_assert_eq!(reassembly.push(&chunks[0]), Err(DirectError::BadChunk));
            }
        }
    }

    #[test]
    fn a_message_over_the_limit_is_refused_at_its_first_chunk() {
        let message = vec![0u8; 200_000];
        let mut reassembly = Reassembly::new(100_000);
        assert_eq!(
            reassembly.push(&chunks(1, &message)[0]),
            Err(DirectError::BadChunk)
        );
        assert_eq!(
            Reassembly::new(10).push(b"short"),
            Err(DirectError::BadChunk)
        );
        // A single chunk past the limit.
        assert_eq!(
            Reassembly::new(100).push(&chunks(2, &[1; 1_000])[0]),
            Err(DirectError::BadChunk)
        );
        // Another message's chunk in the middle of one.
        let (first, second) = (chunks(3, &[1; 40_000]), chunks(4, &[2; 40_000]));
        let mut reassembly = Reassembly::new(1 << 20);
        assert_eq!(reassembly.push(&first[0]), Ok(None));
        assert_eq!(reassembly.push(&second[1]), Err(DirectError::BadChunk));
    }
}
