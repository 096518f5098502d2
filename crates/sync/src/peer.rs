//! The connection code two phones exchange to sync directly when no relay is in reach
//! (issue 14, the QR path): the few parts of a WebRTC session description that cannot be
//! rebuilt, packed small and sealed with the space's key.
//!
//! A browser's session description for one data channel is some 600 bytes of text, most
//! of it the same for every session. What differs is the ICE credentials, the DTLS
//! certificate's fingerprint and the addresses to try. [`PeerCode::from_sdp`] takes those
//! out of the browser's description, [`PeerCode::seal`] packs and encrypts them (about
//! 110 bytes with two addresses: a QR code a phone's camera reads at arm's length), and
//! [`PeerCode::to_sdp`] rebuilds a description the other browser accepts.
//!
//! Sealed with the space's read key, a code tells a stranger in the room nothing (not the
//! addresses, not the ICE password, not which space), and a phone that does not hold the
//! space cannot open it. The fingerprint inside it is what the other phone's DTLS
//! handshake must then match, so whoever answers a code holds the space.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::{ReadCapability, Sealed};

/// Addresses a code carries at most (a phone on Wi-Fi has one or two).
pub const MOST_CANDIDATES: usize = 4;

/// The characters ICE credentials are made of (RFC 8839 `ice-char`), in the order their
/// six-bit values are packed.
const ICE_CHARS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Bounds on the credentials' lengths (RFC 8839: 4 to 256; browsers use 4 and 24).
const UFRAG_LEN: std::ops::RangeInclusive<usize> = 4..=32;
const PWD_LEN: std::ops::RangeInclusive<usize> = 22..=32;

/// What goes into a code, before it is sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerCode {
    /// An answer to another phone's code (else an offer).
    pub answer: bool,
    /// ICE username fragment.
    pub ufrag: String,
    /// ICE password.
    pub pwd: String,
    /// SHA-256 fingerprint of the DTLS certificate.
    pub fingerprint: [u8; 32],
    /// Where to reach the phone, best first.
    pub candidates: Vec<Candidate>,
}

/// One address to try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The address.
    pub address: Address,
    /// Its UDP port.
    pub port: u16,
}

/// A candidate's address: an IP address, or the random multicast-DNS name a browser
/// gives its local address instead (`<uuid>.local`, resolved on the local network only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Address {
    /// A plain IP address.
    Ip(IpAddr),
    /// The 16 bytes of the UUID in `<uuid>.local`.
    Mdns([u8; 16]),
}

/// Why a code or a session description could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeerCodeError {
    /// Text that is not a connection code at all (not the code's alphabet, or far too
    /// short; a code cut off by a few characters fails to open instead).
    #[error("this is not a Landsbyplan connection code")]
    NotACode,
    /// A code this space's key does not open: made for another space, altered, or cut
    /// off.
    #[error("this code belongs to a space this phone does not hold, or it was changed")]
    NotForThisSpace,
    /// The browser's session description lacks something a code needs.
    #[error("the browser's connection description has no {0}")]
    Incomplete(&'static str),
    /// The browser found no address to be reached at.
    #[error("the browser found no network address to be reached at")]
    NoAddress,
}

const KIND_IPV4: u8 = 4;
const KIND_IPV6: u8 = 6;
const KIND_MDNS: u8 = 1;
const FLAG_ANSWER: u8 = 1;

impl PeerCode {
    /// Takes what a code needs out of a browser's session description (after ICE
    /// gathering is complete): UDP candidates only, IPv4 first, then local names, then
    /// IPv6, at most [`MOST_CANDIDATES`].
    pub fn from_sdp(sdp: &str, answer: bool) -> Result<Self, PeerCodeError> {
        let attribute = |name: &str| {
            sdp.lines()
                .find_map(|line| line.trim_end().strip_prefix(name))
                .map(str::to_owned)
        };
        let ufrag = attribute("a=ice-ufrag:")
            .filter(|u| valid_ice(u, &UFRAG_LEN))
            .ok_or(PeerCodeError::Incomplete("ICE username fragment"))?;
        let pwd = attribute("a=ice-pwd:")
            .filter(|p| valid_ice(p, &PWD_LEN))
            .ok_or(PeerCodeError::Incomplete("ICE password"))?;
        let fingerprint = fingerprint_in(sdp)
            .ok_or(PeerCodeError::Incomplete("SHA-256 certificate fingerprint"))?;
        let mut candidates: Vec<Candidate> = sdp
            .lines()
            .filter_map(|line| line.trim_end().strip_prefix("a=candidate:"))
            .filter_map(parse_candidate)
            .collect();
        let rank = |c: &Candidate| match c.address {
            Address::Ip(IpAddr::V4(_)) => 0,
            Address::Mdns(_) => 1,
            Address::Ip(IpAddr::V6(_)) => 2,
        };
        candidates.sort_by_key(rank);
        let mut unique: Vec<Candidate> = Vec::new();
        for candidate in candidates {
            if !unique.contains(&candidate) && unique.len() < MOST_CANDIDATES {
                unique.push(candidate);
            }
        }
        if unique.is_empty() {
            return Err(PeerCodeError::NoAddress);
        }
        Ok(Self {
            answer,
            ufrag,
            pwd,
            fingerprint,
            candidates: unique,
        })
    }

    /// A session description with this code's credentials, fingerprint and addresses,
    /// for the other browser's `setRemoteDescription` (as an offer or an answer, by
    /// [`PeerCode::answer`]).
    pub fn to_sdp(&self) -> String {
        let mut sdp = String::from(
            "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n\
             m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n",
        );
        for (n, candidate) in self.candidates.iter().enumerate() {
            // Host candidates, in the code's order of preference.
            let priority = (126u32 << 24) | ((65_535 - n as u32) << 8) | 255;
            let address = match candidate.address {
                Address::Ip(ip) => ip.to_string(),
                Address::Mdns(uuid) => mdns_name(&uuid),
            };
            let _ = write!(
                sdp,
                "a=candidate:{n} 1 udp {priority} {address} {} typ host\r\n",
                candidate.port
            );
        }
        let fingerprint: Vec<String> = self
            .fingerprint
            .iter()
            .map(|byte| format!("{byte:02X}"))
            .collect();
        let _ = write!(
            sdp,
            "a=ice-ufrag:{}\r\na=ice-pwd:{}\r\na=fingerprint:sha-256 {}\r\na=setup:{}\r\n\
             a=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n",
            self.ufrag,
            self.pwd,
            fingerprint.join(":"),
            if self.answer { "active" } else { "actpass" },
        );
        sdp
    }

    /// The code packed and sealed for the space of `read`, with the caller's random
    /// `nonce`.
    pub fn seal(&self, read: &ReadCapability, nonce: [u8; 24]) -> Vec<u8> {
        read.seal(Sealed::PeerCode, &self.pack(), nonce)
    }

    /// Opens a code sealed for the space of `read`.
    pub fn open(read: &ReadCapability, sealed: &[u8]) -> Result<Self, PeerCodeError> {
        let packed = read
            .open(Sealed::PeerCode, sealed)
            .map_err(|_| PeerCodeError::NotForThisSpace)?;
        // Sealed by a holder of the space: a code that does not unpack is a bug there,
        // not an attack, and is refused all the same.
        Self::unpack(&packed).ok_or(PeerCodeError::NotACode)
    }

    /// A sealed code as text to show or paste (URL-safe base64).
    pub fn to_text(sealed: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(sealed)
    }

    /// The sealed code in pasted text (spaces and line breaks left out).
    pub fn from_text(text: &str) -> Result<Vec<u8>, PeerCodeError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        URL_SAFE_NO_PAD
            .decode(compact.as_bytes())
            .ok()
            .filter(|bytes| bytes.len() > 24)
            .ok_or(PeerCodeError::NotACode)
    }

    /// `[flags][ufrag: length, 6-bit packed][pwd: the same][fingerprint][count]
    /// [count × (kind, address, port)]`.
    fn pack(&self) -> Vec<u8> {
        let mut bytes = vec![if self.answer { FLAG_ANSWER } else { 0 }];
        for text in [&self.ufrag, &self.pwd] {
            bytes.push(text.len() as u8);
            bytes.extend(pack_ice(text));
        }
        bytes.extend_from_slice(&self.fingerprint);
        bytes.push(self.candidates.len() as u8);
        for candidate in &self.candidates {
            match candidate.address {
                Address::Ip(IpAddr::V4(ip)) => {
                    bytes.push(KIND_IPV4);
                    bytes.extend_from_slice(&ip.octets());
                }
                Address::Ip(IpAddr::V6(ip)) => {
                    bytes.push(KIND_IPV6);
                    bytes.extend_from_slice(&ip.octets());
                }
                Address::Mdns(uuid) => {
                    bytes.push(KIND_MDNS);
                    bytes.extend_from_slice(&uuid);
                }
            }
            bytes.extend_from_slice(&candidate.port.to_be_bytes());
        }
        bytes
    }

    fn unpack(bytes: &[u8]) -> Option<Self> {
        let mut rest = bytes;
        let mut take = |n: usize| -> Option<&[u8]> {
            let (head, tail) = (rest.get(..n)?, rest.get(n..)?);
            rest = tail;
            Some(head)
        };
        let flags = take(1)?[0];
        let mut texts = Vec::with_capacity(2);
        for range in [UFRAG_LEN, PWD_LEN] {
            let len = usize::from(take(1)?[0]);
            if !range.contains(&len) {
                return None;
            }
            texts.push(unpack_ice(take((len * 6).div_ceil(8))?, len)?);
        }
        let fingerprint = take(32)?.try_into().ok()?;
        let count = usize::from(take(1)?[0]);
        if count == 0 || count > MOST_CANDIDATES {
            return None;
        }
        let mut candidates = Vec::with_capacity(count);
        for _ in 0..count {
            let address = match take(1)?[0] {
                KIND_IPV4 => Address::Ip(IpAddr::V4(Ipv4Addr::from(
                    <[u8; 4]>::try_from(take(4)?).ok()?,
                ))),
                KIND_IPV6 => Address::Ip(IpAddr::V6(Ipv6Addr::from(
                    <[u8; 16]>::try_from(take(16)?).ok()?,
                ))),
                KIND_MDNS => Address::Mdns(take(16)?.try_into().ok()?),
                _ => return None,
            };
            let port = u16::from_be_bytes(take(2)?.try_into().ok()?);
            candidates.push(Candidate { address, port });
        }
        if !rest.is_empty() || flags & !FLAG_ANSWER != 0 {
            return None;
        }
        let pwd = texts.pop()?;
        let ufrag = texts.pop()?;
        Some(Self {
            answer: flags & FLAG_ANSWER != 0,
            ufrag,
            pwd,
            fingerprint,
            candidates,
        })
    }
}

/// The SHA-256 certificate fingerprint a session description names (what a direct
/// channel's [`crate::Hello`] is bound to).
pub fn fingerprint_in(sdp: &str) -> Option<[u8; 32]> {
    sdp.lines()
        .find_map(|line| line.trim_end().strip_prefix("a=fingerprint:"))
        .and_then(parse_fingerprint)
}

fn valid_ice(text: &str, len: &std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&text.len()) && text.bytes().all(|b| ICE_CHARS.contains(&b))
}

/// Six bits a character, most significant first.
fn pack_ice(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity((text.len() * 6).div_ceil(8));
    let (mut acc, mut bits) = (0u32, 0u32);
    for byte in text.bytes() {
        let value = ICE_CHARS.iter().position(|&c| c == byte).unwrap_or(0) as u32;
        acc = (acc << 6) | value;
        bits += 6;
        while bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if bits > 0 {
        out.push((acc << (8 - bits)) as u8);
    }
    out
}

fn unpack_ice(bytes: &[u8], len: usize) -> Option<String> {
    let mut text = String::with_capacity(len);
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut bytes = bytes.iter();
    while text.len() < len {
        if bits < 6 {
            acc = (acc << 8) | u32::from(*bytes.next()?);
            bits += 8;
        }
        bits -= 6;
        text.push(char::from(ICE_CHARS[((acc >> bits) & 63) as usize]));
    }
    // The padding bits of the last byte are zero in a code this module made.
    (acc & ((1 << bits) - 1) == 0).then_some(text)
}

/// `sha-256 AB:CD:…` (32 bytes; other hash functions are not used by browsers today).
fn parse_fingerprint(value: &str) -> Option<[u8; 32]> {
    let (function, hex) = value.split_once(' ')?;
    if !function.eq_ignore_ascii_case("sha-256") {
        return None;
    }
    let bytes: Vec<u8> = hex
        .trim()
        .split(':')
        .map(|pair| {
            (pair.len() == 2)
                .then(|| u8::from_str_radix(pair, 16).ok())
                .flatten()
        })
        .collect::<Option<_>>()?;
    bytes.try_into().ok()
}

/// `<foundation> <component> <transport> <priority> <address> <port> typ <type> …`: a UDP
/// candidate of the first component, with an IP address or a `<uuid>.local` name.
fn parse_candidate(value: &str) -> Option<Candidate> {
    let fields: Vec<&str> = value.split_whitespace().collect();
    let [_, component, transport, _, address, port, typ, ..] = fields[..] else {
        return None;
    };
    if component != "1" || !transport.eq_ignore_ascii_case("udp") || typ != "typ" {
        return None;
    }
    let address = match address.parse::<IpAddr>() {
        Ok(ip) => Address::Ip(ip),
        Err(_) => Address::Mdns(parse_mdns(address)?),
    };
    Some(Candidate {
        address,
        port: port.parse().ok().filter(|&p| p != 0)?,
    })
}

/// The UUID of `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.local`.
fn parse_mdns(name: &str) -> Option<[u8; 16]> {
    let uuid = name.strip_suffix(".local")?;
    let groups: Vec<&str> = uuid.split('-').collect();
    if groups.iter().map(|g| g.len()).collect::<Vec<_>>() != [8, 4, 4, 4, 12] {
        return None;
    }
    let hex: String = groups.concat();
    let mut out = [0u8; 16];
    for (n, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * n..2 * n + 2)?, 16).ok()?;
    }
    Some(out)
}

fn mdns_name(uuid: &[u8; 16]) -> String {
    let hex: String = uuid.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}.local",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::SpaceSecret;

    /// The shape of a description Chromium gives for one data channel once gathering is
    /// complete (addresses from the documentation ranges).
    const BROWSER_OFFER: &str = "v=0\r\n\
        o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n\
        s=-\r\n\
        t=0 0\r\n\
        a=group:BUNDLE 0\r\n\
        a=extmap-allow-mixed\r\n\
        a=msid-semantic: WMS\r\n\
        m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n\
        c=IN IP4 0.0.0.0\r\n\
        a=candidate:1467250027 1 udp 2122260223 192.0.2.10 50731 typ host generation 0 network-id 1\r\n\
        a=candidate:3528925834 1 udp 2122262783 2001:db8::7 50732 typ host generation 0 network-id 2\r\n\
        a=candidate:2437072876 1 udp 2122194687 8f3c2a1e-6b7d-4e55-9a0b-1c2d3e4f5a6b.local 50733 typ host generation 0\r\n\
        a=candidate:1467250027 1 tcp 1518280447 192.0.2.10 9 typ host tcptype active generation 0\r\n\
        a=candidate:842163049 1 udp 1686052607 198.51.100.4 61234 typ srflx raddr 192.0.2.10 rport 50731 generation 0\r\n\
        a=ice-ufrag:Kz9f\r\n\
        a=ice-pwd:q2U+7mXv0bY3nPq/Lr8sT1wE\r\n\
        a=ice-options:trickle\r\n\
        a=fingerprint:sha-256 83:4C:1D:9E:00:FF:21:B7:5A:6C:3E:44:90:12:AB:CD:EF:01:23:45:67:89:9A:BC:DE:F0:11:22:33:44:55:71\r\n\
        a=setup:actpass\r\n\
        a=mid:0\r\n\
        a=sctp-port:5000\r\n\
        a=max-message-size:262144\r\n";

    fn read(n: u8) -> ReadCapability {
        SpaceSecret::from_random([n; 32]).keys().read().clone()
    }

    #[test]
    fn a_browsers_description_gives_its_credentials_fingerprint_and_udp_addresses() {
        let code = PeerCode::from_sdp(BROWSER_OFFER, false).unwrap();
        assert_eq!(code.ufrag, "Kz9f");
        assert_eq!(code.pwd, "q2U+7mXv0bY3nPq/Lr8sT1wE");
        assert_eq!(code.fingerprint[..3], [0x83, 0x4C, 0x1D]);
        assert_eq!(code.fingerprint[31], 0x71);
        assert_eq!(fingerprint_in(BROWSER_OFFER), Some(code.fingerprint));
        let ip = |text: &str| Address::Ip(text.parse().unwrap());
        // IPv4 first, then the local name, then IPv6; no TCP candidate.
        assert_eq!(
            code.candidates,
            [
                Candidate {
                    address: ip("192.0.2.10"),
                    port: 50731
                },
                Candidate {
                    address: ip("198.51.100.4"),
                    port: 61234
                },
                Candidate {
                    address: Address::Mdns(
                        parse_mdns("8f3c2a1e-6b7d-4e55-9a0b-1c2d3e4f5a6b.local").unwrap()
                    ),
                    port: 50733
                },
                Candidate {
                    address: ip("2001:db8::7"),
                    port: 50732
                },
            ]
        );
    }

    #[test]
    fn two_addresses_make_a_code_of_about_a_hundred_bytes() {
        let mut code = PeerCode::from_sdp(BROWSER_OFFER, false).unwrap();
        code.candidates.truncate(2);
        let sealed = code.seal(&read(1), [7; 24]);
        assert_eq!(sealed.len(), 112);
        assert_eq!(PeerCode::to_text(&sealed).len(), 150);
    }

    #[test]
    fn the_rebuilt_description_carries_the_same_code_and_what_a_browser_requires() {
        for answer in [false, true] {
            let code = PeerCode::from_sdp(BROWSER_OFFER, answer).unwrap();
            let sdp = code.to_sdp();
            assert_eq!(PeerCode::from_sdp(&sdp, answer).unwrap(), code);
            for line in [
                "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
                "a=mid:0",
                "a=sctp-port:5000",
                "a=max-message-size:262144",
            ] {
                assert!(sdp.contains(&format!("{line}\r\n")), "{line} in {sdp}");
            }
            let setup = if answer {
                "a=setup:active"
            } else {
                "a=setup:actpass"
            };
            assert!(sdp.contains(setup), "{sdp}");
            assert!(sdp.contains(" 8f3c2a1e-6b7d-4e55-9a0b-1c2d3e4f5a6b.local 50733 typ host"));
        }
    }

    #[test]
    fn a_description_without_what_a_code_needs_is_refused_by_name() {
        let without = |prefix: &str| {
            BROWSER_OFFER
                .split_inclusive("\r\n")
                .filter(|line| !line.starts_with(prefix))
                .collect::<String>()
        };
        assert_eq!(
            PeerCode::from_sdp(&without("a=ice-pwd"), false),
            Err(PeerCodeError::Incomplete("ICE password"))
        );
        assert_eq!(
            PeerCode::from_sdp(&without("a=fingerprint"), false),
            Err(PeerCodeError::Incomplete("SHA-256 certificate fingerprint"))
        );
        assert_eq!(
            PeerCode::from_sdp(&without("a=candidate"), false),
            Err(PeerCodeError::NoAddress)
        );
        let sha1 = BROWSER_OFFER.replace("sha-256 83:4C", "sha-1 83:4C");
        assert_eq!(
            PeerCode::from_sdp(&sha1, false),
            Err(PeerCodeError::Incomplete("SHA-256 certificate fingerprint"))
        );
    }

    #[test]
    fn a_code_opens_only_in_its_own_space_and_not_when_altered() {
        let code = PeerCode::from_sdp(BROWSER_OFFER, true).unwrap();
        let sealed = code.seal(&read(1), [3; 24]);
        assert_eq!(PeerCode::open(&read(1), &sealed).unwrap(), code);
        assert_eq!(
            PeerCode::open(&read(2), &sealed),
            Err(PeerCodeError::NotForThisSpace)
        );
        let mut altered = sealed.clone();
        altered[40] ^= 1;
        assert_eq!(
            PeerCode::open(&read(1), &altered),
            Err(PeerCodeError::NotForThisSpace)
        );
        // Signaling sealed for the same space is not a code.
        let signal = read(1).seal(Sealed::Signal, &code.pack(), [3; 24]);
        assert_eq!(
            PeerCode::open(&read(1), &signal),
            Err(PeerCodeError::NotForThisSpace)
        );
    }

    #[test]
    fn pasted_text_is_read_whatever_the_line_breaks_and_junk_is_refused() {
        let sealed = PeerCode::from_sdp(BROWSER_OFFER, false)
            .unwrap()
            .seal(&read(1), [5; 24]);
        let text = PeerCode::to_text(&sealed);
        let broken = format!(" {}\n{} ", &text[..70], &text[70..]);
        assert_eq!(PeerCode::from_text(&broken).unwrap(), sealed);
        for junk in ["", "hello", "https://example.org/", "#####"] {
            assert_eq!(
                PeerCode::from_text(junk),
                Err(PeerCodeError::NotACode),
                "{junk}"
            );
        }
    }

    fn ice(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(ICE_CHARS.to_vec()), len)
            .prop_map(|bytes| String::from_utf8(bytes).unwrap())
    }

    fn candidate() -> impl Strategy<Value = Candidate> {
        let address = prop_oneof![
            any::<[u8; 4]>().prop_map(|b| Address::Ip(IpAddr::from(b))),
            any::<[u8; 16]>().prop_map(|b| Address::Ip(IpAddr::from(b))),
            any::<[u8; 16]>().prop_map(Address::Mdns),
        ];
        (address, 1..=u16::MAX).prop_map(|(address, port)| Candidate { address, port })
    }

    fn code() -> impl Strategy<Value = PeerCode> {
        (
            any::<bool>(),
            ice(UFRAG_LEN),
            ice(PWD_LEN),
            any::<[u8; 32]>(),
            proptest::collection::vec(candidate(), 1..=MOST_CANDIDATES),
        )
            .prop_map(|(answer, ufrag, pwd, fingerprint, candidates)| PeerCode {
                answer,
                ufrag,
                pwd,
                fingerprint,
                candidates,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("LANDSBYPLAN_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
        ))]
        #[test]
        fn any_code_comes_back_the_same_through_seal_text_and_open(code in code(), nonce in any::<[u8; 24]>()) {
            let sealed = code.seal(&read(9), nonce);
            let text = PeerCode::to_text(&sealed);
            let opened = PeerCode::open(&read(9), &PeerCode::from_text(&text).unwrap()).unwrap();
            prop_assert_eq!(opened, code);
        }

        #[test]
        fn any_code_comes_back_the_same_through_a_rebuilt_description(code in code()) {
            // Candidates of one address and port twice are kept once.
            let mut unique = code.clone();
            unique.candidates.dedup();
            let mut seen = Vec::new();
            unique.candidates.retain(|c| { let new = !seen.contains(c); seen.push(*c); new });
            let back = PeerCode::from_sdp(&unique.to_sdp(), unique.answer).unwrap();
            prop_assert_eq!(back.ufrag, unique.ufrag);
            prop_assert_eq!(back.pwd, unique.pwd);
            prop_assert_eq!(back.fingerprint, unique.fingerprint);
            let mut want = unique.candidates.clone();
            want.sort_by_key(|c| match c.address {
                Address::Ip(IpAddr::V4(_)) => 0,
                Address::Mdns(_) => 1,
                Address::Ip(IpAddr::V6(_)) => 2,
            });
            prop_assert_eq!(back.candidates, want);
        }

        #[test]
        fn a_changed_or_cut_code_unpacks_to_nothing_or_to_exactly_what_it_says(
            code in code(),
            at in any::<prop::sample::Index>(),
            flip in any::<u8>(),
            cut in any::<bool>(),
        ) {
            let mut bytes = code.pack();
            let i = at.index(bytes.len());
            if cut {
                bytes.truncate(i);
            } else {
                bytes[i] ^= flip;
            }
            match PeerCode::unpack(&bytes) {
                Some(unpacked) => prop_assert_eq!(unpacked.pack(), bytes),
                // A code left as it was always unpacks.
                None => prop_assert!(cut || flip != 0, "an unchanged code did not unpack"),
            }
            prop_assert_eq!(PeerCode::unpack(&code.pack()), Some(code));
        }
    }
}
