//! Exact unit amounts.
//!
//! A unit is one expert hour in standard hours. Amounts carry at most two fractional
//! digits, so they are held as integer hundredths: sums are exact on every backend and
//! nothing is ever rounded by floating point.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

use rust_decimal::Decimal;

/// The largest amount a client may send (1,000,000.00 units), per the contract.
pub const MAX_INPUT_HUNDREDTHS: i64 = 100_000_000;

/// A signed amount of units with exactly two decimals, stored as hundredths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Units(i64);

/// Why a textual amount was refused; each variant maps to a precise client message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnitsError {
    /// Not a plain decimal string such as `12.50`.
    #[error("must be a decimal string such as \"12.50\"")]
    Malformed,
    /// More than two digits after the decimal point.
    #[error("must have at most 2 decimal places")]
    TooPrecise,
    /// Above the 1,000,000 ceiling.
    #[error("must not exceed 1000000")]
    TooLarge,
    /// Zero or negative where a positive amount is required.
    #[error("must be greater than zero")]
    NotPositive,
    /// Negative where zero or more is required.
    #[error("must not be negative")]
    Negative,
}

impl Units {
    /// Zero units.
    pub const ZERO: Units = Units(0);
    /// One unit (the standard-hours rate).
    pub const ONE: Units = Units(100);

    /// Builds an amount from integer hundredths (the storage representation).
    pub const fn from_hundredths(hundredths: i64) -> Self {
        Units(hundredths)
    }

    /// The amount in hundredths, as stored in the database.
    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// Whole units, for tests and examples.
    pub const fn whole(units: i64) -> Self {
        Units(units * 100)
    }

    /// True when strictly above zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// True when strictly below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// True when zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The absolute value.
    pub const fn abs(self) -> Self {
        Units(self.0.abs())
    }

    /// Zero when negative, otherwise the amount itself.
    pub fn clamp_non_negative(self) -> Self {
        Units(self.0.max(0))
    }

    /// The amount as an exact decimal.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Parses a signed decimal string with at most two decimals and an absolute value
    /// of at most 1,000,000. Leading `+`, exponents, spaces and other forms are refused:
    /// finance systems must send one canonical spelling.
    pub fn parse_signed(text: &str) -> Result<Self, UnitsError> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (digits, None),
        };
        if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UnitsError::Malformed);
        }
        let frac = match frac_part {
            None => "",
            Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(UnitsError::Malformed);
            }
            Some(f) => f,
        };
        if frac.len() > 2 {
            return Err(UnitsError::TooPrecise);
        }
        let int_trimmed = int_part.trim_start_matches('0');
        if int_trimmed.len() > 7 {
            return Err(UnitsError::TooLarge);
        }
        let whole: i64 = if int_trimmed.is_empty() {
            0
        } else {
            int_trimmed.parse().map_err(|_| UnitsError::Malformed)?
        };
        let mut cents: i64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            let digit = i64::from(b - b'0');
            cents += if i == 0 { digit * 10 } else { digit };
        }
        let magnitude = whole * 100 + cents;
        if magnitude > MAX_INPUT_HUNDREDTHS {
            return Err(UnitsError::TooLarge);
        }
        Ok(Units(if negative { -magnitude } else { magnitude }))
    }

    /// Parses an amount that must be strictly positive (packs, quotes, rates).
    pub fn parse_positive(text: &str) -> Result<Self, UnitsError> {
        let units = Self::parse_signed(text)?;
        if units.0 <= 0 {
            return Err(UnitsError::NotPositive);
        }
        Ok(units)
    }

    /// Parses an amount that may be zero but not negative (e.g. a partial reversal of nothing).
    pub fn parse_non_negative(text: &str) -> Result<Self, UnitsError> {
        let units = Self::parse_signed(text)?;
        if units.0 < 0 {
            return Err(UnitsError::Negative);
        }
        Ok(units)
    }

    /// The smaller of two amounts.
    pub fn min(self, other: Units) -> Units {
        Units(self.0.min(other.0))
    }

    /// The larger of two amounts.
    pub fn max(self, other: Units) -> Units {
        Units(self.0.max(other.0))
    }
}

impl FromStr for Units {
    type Err = UnitsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Units::parse_signed(s)
    }
}

impl fmt::Display for Units {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl Add for Units {
    type Output = Units;
    fn add(self, rhs: Units) -> Units {
        Units(self.0 + rhs.0)
    }
}

impl AddAssign for Units {
    fn add_assign(&mut self, rhs: Units) {
        self.0 += rhs.0;
    }
}

impl Sub for Units {
    type Output = Units;
    fn sub(self, rhs: Units) -> Units {
        Units(self.0 - rhs.0)
    }
}

impl SubAssign for Units {
    fn sub_assign(&mut self, rhs: Units) {
        self.0 -= rhs.0;
    }
}

impl Neg for Units {
    type Output = Units;
    fn neg(self) -> Units {
        Units(-self.0)
    }
}

impl Sum for Units {
    fn sum<I: Iterator<Item = Units>>(iter: I) -> Units {
        Units(iter.map(|u| u.0).sum())
    }
}

impl serde::Serialize for Units {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_canonical_forms() {
        assert_eq!(Units::parse_signed("12.50"), Ok(Units(1250)));
        assert_eq!(Units::parse_signed("12.5"), Ok(Units(1250)));
        assert_eq!(Units::parse_signed("12"), Ok(Units(1200)));
        assert_eq!(Units::parse_signed("0.01"), Ok(Units(1)));
        assert_eq!(Units::parse_signed("-3.07"), Ok(Units(-307)));
        assert_eq!(Units::parse_signed("1000000"), Ok(Units(100_000_000)));
        assert_eq!(Units::parse_signed("1000000.00"), Ok(Units(100_000_000)));
    }

    #[test]
    fn refuses_other_forms() {
        for bad in [
            "", ".5", "5.", "1e3", "+1", " 1", "1,5", "abc", "--1", "1.2.3", "0x10",
        ] {
            assert_eq!(
                Units::parse_signed(bad),
                Err(UnitsError::Malformed),
                "{bad}"
            );
        }
        assert_eq!(Units::parse_signed("1.234"), Err(UnitsError::TooPrecise));
        assert_eq!(Units::parse_signed("1000000.01"), Err(UnitsError::TooLarge));
        assert_eq!(
            Units::parse_signed("99999999999999999999"),
            Err(UnitsError::TooLarge)
        );
        assert_eq!(Units::parse_positive("0"), Err(UnitsError::NotPositive));
        assert_eq!(Units::parse_positive("-1"), Err(UnitsError::NotPositive));
        assert_eq!(
            Units::parse_non_negative("-0.01"),
            Err(UnitsError::Negative)
        );
        assert_eq!(Units::parse_non_negative("0"), Ok(Units::ZERO));
    }

    #[test]
    fn displays_two_decimals() {
        assert_eq!(Units(1250).to_string(), "12.50");
        assert_eq!(Units(-5).to_string(), "-0.05");
        assert_eq!(Units(0).to_string(), "0.00");
        assert_eq!(Units(100_000_000).to_string(), "1000000.00");
    }

    proptest::proptest! {
        #[test]
        fn display_then_parse_round_trips(h in -MAX_INPUT_HUNDREDTHS..=MAX_INPUT_HUNDREDTHS) {
            let u = Units(h);
            proptest::prop_assert_eq!(Units::parse_signed(&u.to_string()), Ok(u));
        }
    }
}
