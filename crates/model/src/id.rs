//! Stable random ids for every entity: never list positions, never reused.
//!
//! An id is 128 random bits supplied by the caller (the model has no random source),
//! written as 32 hexadecimal digits: map keys in the document and keys in storage.

use std::fmt;
use std::str::FromStr;

/// The text was not an id (32 hexadecimal digits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an id: expected 32 hexadecimal digits")]
pub struct ParseIdError;

fn parse_hex(s: &str) -> Result<u128, ParseIdError> {
    if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ParseIdError);
    }
    u128::from_str_radix(s, 16).map_err(|_| ParseIdError)
}

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u128);

        impl $name {
            /// An id from 128 random bits supplied by the caller.
            pub const fn from_random(bits: u128) -> Self {
                Self(bits)
            }

            /// The id's bits, to derive another id from it deterministically.
            pub const fn bits(self) -> u128 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:032x}", self.0)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_hex(s).map(Self)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    )*};
}

ids! {
    /// A space (one document): a council, a project group or the network.
    SpaceId,
    /// A person: a member of a council or a project group.
    PersonId,
    /// A focus area (indsatsområde) of the rural district policy.
    FocusAreaId,
    /// A goal of a development plan.
    GoalId,
    /// An action of a development plan's action plan.
    ActionId,
    /// A milestone of a project plan.
    MilestoneId,
    /// A task of a project plan.
    TaskId,
    /// A meeting of a council or a group.
    MeetingId,
    /// A decision taken at a meeting.
    DecisionId,
    /// An event of the annual wheel.
    EventId,
    /// A grant application to Landdistriktspuljen.
    ApplicationId,
    /// A line of a grant application's budget.
    BudgetLineId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_survives_display_and_parse() {
        let id = SpaceId::from_random(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(id.to_string(), "0123456789abcdef0011223344556677");
        assert_eq!(id.to_string().parse::<SpaceId>(), Ok(id));
    }

    #[test]
    fn text_that_is_not_32_hex_digits_is_not_an_id() {
        assert_eq!("xyz".parse::<PersonId>(), Err(ParseIdError));
        assert_eq!(
            "+123456789abcdef0011223344556677".parse::<TaskId>(),
            Err(ParseIdError)
        );
        assert_eq!(
            "0123456789abcdef0011223344556677ff".parse::<SpaceId>(),
            Err(ParseIdError)
        );
    }
}
