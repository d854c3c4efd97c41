//! Identifier types.
//!
//! Ids are opaque strings chosen by the service (a type prefix and a time-ordered
//! UUID), except calendar ids, which callers choose. Wrapping them keeps a customer id
//! from being passed where a SoW id is expected.

use std::fmt;

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// Wraps a stored or client-supplied value without checking it: lookups of
            /// an id that does not exist simply find nothing.
            pub fn from_raw(raw: impl Into<String>) -> Self {
                $name(raw.into())
            }

            /// Builds a fresh id from a unique suffix (the service supplies a UUIDv7).
            pub fn with_suffix(suffix: &str) -> Self {
                $name(format!("{}{}", $prefix, suffix))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<&str> for $name {
            fn from(raw: &str) -> Self {
                $name(raw.to_string())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

opaque_id!(
    /// A customer of the SecureHands option.
    CustomerId, "cus_"
);
opaque_id!(
    /// A pack (lot) of units sold to a customer.
    LotId, "lot_"
);
opaque_id!(
    /// A top-up quote.
    QuoteId, "quo_"
);
opaque_id!(
    /// A logged SecureHands request.
    RequestId, "req_"
);
opaque_id!(
    /// A statement of work.
    SowId, "sow_"
);
opaque_id!(
    /// A scheduled or delivered session.
    SessionId, "ses_"
);

/// A calendar id chosen by the caller: `[a-z0-9-]{1,40}`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct CalendarId(String);

/// Why a calendar id was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("must match [a-z0-9-]{{1,40}}")]
pub struct CalendarIdError;

impl CalendarId {
    /// Parses a caller-chosen calendar id.
    pub fn parse(text: &str) -> Result<Self, CalendarIdError> {
        let ok = (1..=40).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(CalendarId(text.to_string()))
        } else {
            Err(CalendarIdError)
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CalendarId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_ids_follow_the_contract() {
        assert!(CalendarId::parse("fr-paris-2026").is_ok());
        assert!(CalendarId::parse(&"a".repeat(40)).is_ok());
        for bad in ["", "Paris", "a_b", "a b", "é", &"a".repeat(41)] {
            assert_eq!(CalendarId::parse(bad), Err(CalendarIdError), "{bad}");
        }
    }

    #[test]
    fn opaque_ids_carry_their_prefix() {
        assert_eq!(CustomerId::with_suffix("x").as_str(), "cus_x");
        assert_eq!(SowId::PREFIX, "sow_");
    }
}
