//! Stable random ids for spaces: never list positions, never reused.

use std::fmt;
use std::str::FromStr;

/// The id a device gives a space when it creates it; the key of its local storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpaceId(u128);

impl SpaceId {
    /// An id from 128 random bits supplied by the caller.
    pub fn from_random(bits: u128) -> Self {
        Self(bits)
    }
}

impl fmt::Display for SpaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// The text was not a space id (32 hexadecimal digits).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a space id: expected 32 hexadecimal digits")]
pub struct ParseIdError;

impl FromStr for SpaceId {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ParseIdError);
        }
        u128::from_str_radix(s, 16)
            .map(Self)
            .map_err(|_| ParseIdError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_space_id_survives_display_and_parse() {
        let id = SpaceId::from_random(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(id.to_string(), "0123456789abcdef0011223344556677");
        assert_eq!(id.to_string().parse::<SpaceId>(), Ok(id));
    }

    #[test]
    fn text_that_is_not_32_hex_digits_is_not_a_space_id() {
        assert_eq!("xyz".parse::<SpaceId>(), Err(ParseIdError));
        assert_eq!(
            "+123456789abcdef0011223344556677".parse::<SpaceId>(),
            Err(ParseIdError)
        );
        assert_eq!(
            "0123456789abcdef0011223344556677ff".parse::<SpaceId>(),
            Err(ParseIdError)
        );
    }
}
