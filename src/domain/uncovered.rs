//! Units no SoW covers (SPEC §14, service description §3.11: the provider "may contact
//! customers holding units not covered by a SoW to schedule sessions"), and when the
//! monthly digest of them is due.
//!
//! Which lots hold the uncovered units: the units approved SoWs reserve will be drawn
//! lot by lot in expiry order, as every debit is (FIFO), so the reserved units sit in
//! the lots that expire first and the uncovered ones in what remains after them. The
//! earliest expiry among those lots is when the first uncovered unit is lost.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};

use super::units::Units;

/// A lot still holding units: how many, until when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holding {
    /// Units left in the lot.
    pub remaining: Units,
    /// When they expire.
    pub expires_at: DateTime<Utc>,
}

/// Units beyond what approved SoWs reserve, and when the first of them expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Uncovered {
    /// How many units no SoW covers.
    pub units: Units,
    /// The earliest expiry among the lots holding them.
    pub earliest_expiry: DateTime<Utc>,
}

/// The units of `lots` (any order) that `reserved` does not cover, or `None` when
/// every unit is spoken for.
pub fn uncovered(reserved: Units, lots: &[Holding]) -> Option<Uncovered> {
    let mut sorted: Vec<Holding> = lots
        .iter()
        .copied()
        .filter(|l| l.remaining.is_positive())
        .collect();
    sorted.sort_by_key(|l| l.expires_at);
    let mut to_cover = reserved.clamp_non_negative().hundredths();
    let mut left = 0i64;
    let mut earliest = None;
    for lot in sorted {
        let held = lot.remaining.hundredths();
        let covered = held.min(to_cover);
        to_cover -= covered;
        if held > covered {
            left += held - covered;
            earliest.get_or_insert(lot.expires_at);
        }
    }
    earliest.map(|earliest_expiry| Uncovered {
        units: Units::from_hundredths(left),
        earliest_expiry,
    })
}

/// The monthly digest is sent on the 1st of each month at 06:00 UTC.
pub const DIGEST_HOUR_UTC: u32 = 6;

/// The month (`YYYY-MM`) whose digest is due at `now`: the current month once its 1st
/// at 06:00 UTC has passed, the previous one before that. Sent once per month; after
/// downtime spanning several months only the latest is sent (an old digest is stale).
pub fn digest_month(now: DateTime<Utc>) -> String {
    let first = NaiveDate::from_ymd_opt(now.year(), now.month(), 1)
        .and_then(|d| d.and_hms_opt(DIGEST_HOUR_UTC, 0, 0))
        .map(|d| Utc.from_utc_datetime(&d));
    let (year, month) = match first {
        Some(start) if now >= start => (now.year(), now.month()),
        _ if now.month() == 1 => (now.year() - 1, 12),
        _ => (now.year(), now.month() - 1),
    };
    format!("{year:04}-{month:02}")
}

/// The once-only key of a month's digest.
pub fn digest_key(month: &str) -> String {
    format!("uncovered_units:{month}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("date")
            .with_timezone(&Utc)
    }

    fn lot(units: i64, expires: &str) -> Holding {
        Holding {
            remaining: Units::from_hundredths(units),
            expires_at: at(expires),
        }
    }

    #[test]
    fn reserved_units_sit_in_the_lots_that_expire_first() {
        let lots = [
            lot(1000, "2027-12-01T00:00:00Z"),
            lot(300, "2027-01-01T00:00:00Z"),
        ];
        // 5.00 reserved: 3.00 from the January lot, 2.00 from December's.
        assert_eq!(
            uncovered(Units::from_hundredths(500), &lots),
            Some(Uncovered {
                units: Units::from_hundredths(800),
                earliest_expiry: at("2027-12-01T00:00:00Z"),
            })
        );
        // Nothing reserved: everything, from January on.
        assert_eq!(
            uncovered(Units::ZERO, &lots).map(|u| (u.units, u.earliest_expiry)),
            Some((Units::from_hundredths(1300), at("2027-01-01T00:00:00Z")))
        );
        // Part of the January lot is left.
        assert_eq!(
            uncovered(Units::from_hundredths(100), &lots).map(|u| u.earliest_expiry),
            Some(at("2027-01-01T00:00:00Z"))
        );
        // All spoken for, or more.
        assert_eq!(uncovered(Units::from_hundredths(1300), &lots), None);
        assert_eq!(uncovered(Units::from_hundredths(2000), &lots), None);
        assert_eq!(uncovered(Units::ZERO, &[]), None);
    }

    #[test]
    fn the_digest_month_turns_on_the_first_at_six_utc() {
        assert_eq!(digest_month(at("2027-01-01T05:59:59Z")), "2026-12");
        assert_eq!(digest_month(at("2027-01-01T06:00:00Z")), "2027-01");
        assert_eq!(digest_month(at("2027-03-31T23:00:00Z")), "2027-03");
        assert_eq!(digest_month(at("2027-03-01T00:00:00Z")), "2027-02");
        assert_eq!(digest_key("2027-01"), "uncovered_units:2027-01");
    }

    proptest! {
        #[test]
        fn uncovered_plus_reserved_is_what_the_lots_hold(
            held in proptest::collection::vec((1i64..5000, 0i64..1000), 0..8),
            reserved in 0i64..20000,
        ) {
            let base = at("2027-01-01T00:00:00Z");
            let lots: Vec<Holding> = held
                .iter()
                .map(|(u, d)| Holding {
                    remaining: Units::from_hundredths(*u),
                    expires_at: base + chrono::Duration::days(*d),
                })
                .collect();
            let total: i64 = held.iter().map(|(u, _)| u).sum();
            match uncovered(Units::from_hundredths(reserved), &lots) {
                None => prop_assert!(reserved >= total),
                Some(u) => {
                    prop_assert_eq!(u.units.hundredths(), total - reserved);
                    prop_assert!(lots.iter().any(|l| l.expires_at == u.earliest_expiry));
                    // No lot expiring earlier than it holds an uncovered unit: the
                    // lots before it are all reserved.
                    let before: i64 = lots
                        .iter()
                        .filter(|l| l.expires_at < u.earliest_expiry)
                        .map(|l| l.remaining.hundredths())
                        .sum();
                    prop_assert!(before <= reserved);
                }
            }
        }
    }
}
