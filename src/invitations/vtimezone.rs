//! A `VTIMEZONE` for a customer's IANA zone (RFC 5545 §3.6.5), written from the tz
//! database the service prices with, so a calendar shows the same local times the
//! service computed. The crate that builds the events has no time-zone component, so
//! the observances are written here and parsed back by it.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Duration, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// One period of a zone: from `at` on, local time is UTC + `to_secs`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Observance {
    at: DateTime<Utc>,
    from_secs: i32,
    to_secs: i32,
    daylight: bool,
    name: Option<String>,
}

/// The zone's `VTIMEZONE` text covering `[from, to]`: the observance in force at `from`
/// and every change of offset until `to`, each as a dated `STANDARD` or `DAYLIGHT`
/// block (no recurrence rules, so nothing depends on a reader's rule engine).
pub fn vtimezone(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let mut out = String::new();
    let _ = write!(out, "BEGIN:VTIMEZONE\r\nTZID:{}\r\n", tz.name());
    for o in observances(tz, from, to) {
        let kind = if o.daylight { "DAYLIGHT" } else { "STANDARD" };
        let local = o.at.naive_utc() + Duration::seconds(i64::from(o.from_secs));
        let _ = write!(
            out,
            "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\n",
            local.format("%Y%m%dT%H%M%S"),
            offset_text(o.from_secs),
            offset_text(o.to_secs),
        );
        if let Some(name) = o.name.filter(|n| is_plain(n)) {
            let _ = write!(out, "TZNAME:{name}\r\n");
        }
        let _ = write!(out, "END:{kind}\r\n");
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

/// The observance at `from` (dated from the start of its year, so earlier local times
/// of the same year resolve too) and each change of offset up to `to`.
fn observances(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Observance> {
    let start = Utc
        .with_ymd_and_hms(from.year(), 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(from);
    let (first_secs, first_daylight, first_name) = reading(tz, start);
    let mut list = vec![Observance {
        at: start,
        from_secs: first_secs,
        to_secs: first_secs,
        daylight: first_daylight,
        name: first_name,
    }];
    // Offsets change at most a few times a year and never twice within a day: walking
    // day by day finds each change, and a bisection finds its second.
    let mut cursor = start;
    let mut current = first_secs;
    while cursor < to {
        let next = cursor + Duration::days(1);
        let (secs, _, _) = reading(tz, next);
        if secs != current {
            let at = bisect(tz, cursor, next, current);
            let (to_secs, daylight, name) = reading(tz, at);
            list.push(Observance {
                at,
                from_secs: current,
                to_secs,
                daylight,
                name,
            });
            current = to_secs;
        }
        cursor = next;
    }
    list
}

/// The first second in `(low, high]` whose offset differs from `before`.
fn bisect(tz: Tz, mut low: DateTime<Utc>, mut high: DateTime<Utc>, before: i32) -> DateTime<Utc> {
    while high - low > Duration::seconds(1) {
        let mid = low + (high - low) / 2;
        if reading(tz, mid).0 == before {
            low = mid;
        } else {
            high = mid;
        }
    }
    high
}

/// Offset from UTC in seconds, whether daylight saving applies, and the abbreviation.
fn reading(tz: Tz, t: DateTime<Utc>) -> (i32, bool, Option<String>) {
    let offset = tz.offset_from_utc_datetime(&t.naive_utc());
    (
        offset.fix().local_minus_utc(),
        !offset.dst_offset().is_zero(),
        offset.abbreviation().map(str::to_owned),
    )
}

/// `+0100`, `-0330`; seconds (only in historical offsets) are written too (`+003421`).
fn offset_text(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

/// Abbreviations such as `CET`; numeric ones (`+03`) are written too, anything that
/// would need escaping is left out.
fn is_plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn paris_changes_at_the_last_sundays_of_march_and_october() {
        let text = vtimezone(
            chrono_tz::Europe::Paris,
            utc("2027-03-01T00:00:00Z"),
            utc("2027-12-01T00:00:00Z"),
        );
        assert!(
            text.starts_with("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"),
            "{text}"
        );
        assert!(
            text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT"),
            "{text}"
        );
        assert!(
            text.contains("BEGIN:STANDARD\r\nDTSTART:20271031T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD"),
            "{text}"
        );
        assert!(text.contains("BEGIN:STANDARD\r\nDTSTART:20270101T010000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100"), "{text}");
    }

    #[test]
    fn a_zone_without_changes_has_one_standard_observance() {
        let text = vtimezone(
            chrono_tz::Asia::Tokyo,
            utc("2027-01-05T00:00:00Z"),
            utc("2027-02-01T00:00:00Z"),
        );
        assert_eq!(text.matches("BEGIN:STANDARD").count(), 1, "{text}");
        assert!(!text.contains("DAYLIGHT"), "{text}");
        assert!(text.contains("TZOFFSETTO:+0900"), "{text}");
    }

    #[test]
    fn offsets_are_written_with_sign_and_minutes() {
        assert_eq!(offset_text(3600), "+0100");
        assert_eq!(offset_text(-12_600), "-0330");
        assert_eq!(offset_text(0), "+0000");
        assert_eq!(offset_text(2_061), "+003421");
    }
}
