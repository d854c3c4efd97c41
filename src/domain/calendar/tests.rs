use chrono::NaiveTime;
use proptest::prelude::*;

use super::test_support::*;
use super::*;

#[test]
fn parses_real_iana_zones_only() {
    assert_eq!(parse_timezone("Europe/Paris"), Ok(chrono_tz::Europe::Paris));
    assert_eq!(
        parse_timezone("America/New_York"),
        Ok(chrono_tz::America::New_York)
    );
    for bad in [
        "",
        "Europe/Pariss",
        "+01:00",
        "Paris",
        "Mars/Olympus_Mons",
        " Europe/Paris",
    ] {
        assert_eq!(
            parse_timezone(bad),
            Err(CalendarError::UnknownTimeZone(bad.to_owned())),
            "{bad:?}"
        );
    }
}

#[test]
fn business_days_are_weekdays_that_are_not_holidays() {
    let cal = paris();
    assert!(cal.is_business_day(date(2026, 12, 8))); // Tue
    assert!(!cal.is_business_day(date(2026, 12, 12))); // Sat
    assert!(!cal.is_business_day(date(2026, 12, 13))); // Sun
    assert!(!cal.is_business_day(date(2026, 12, 25))); // Fri, holiday
    assert!(cal.is_holiday(date(2027, 1, 1)));
    assert!(BusinessCalendar::is_weekend(date(2026, 12, 12)));
    assert!(!BusinessCalendar::is_weekend(date(2026, 12, 11)));
}

#[test]
fn local_date_and_today_use_the_customer_zone() {
    let cal = paris();
    assert_eq!(
        cal.local_date(utc("2026-12-08T22:59:59Z")),
        date(2026, 12, 8)
    );
    assert_eq!(
        cal.local_date(utc("2026-12-08T23:00:00Z")),
        date(2026, 12, 9)
    );
    assert_eq!(cal.today(utc("2026-12-31T23:30:00Z")), date(2027, 1, 1));
    assert_eq!(cal.tz(), chrono_tz::Europe::Paris);
}

#[test]
fn start_of_day_is_local_midnight_across_dst() {
    let cal = paris();
    assert_eq!(
        cal.start_of_day(date(2026, 12, 9)),
        utc("2026-12-08T23:00:00Z")
    );
    assert_eq!(
        cal.start_of_day(date(2027, 3, 28)),
        utc("2027-03-27T23:00:00Z")
    );
    assert_eq!(
        cal.start_of_day(date(2027, 3, 29)),
        utc("2027-03-28T22:00:00Z")
    );
    assert_eq!(
        cal.start_of_day(date(2026, 10, 26)),
        utc("2026-10-25T23:00:00Z")
    );
    let ny = plain(chrono_tz::America::New_York);
    assert_eq!(
        ny.start_of_day(date(2027, 3, 15)),
        utc("2027-03-15T04:00:00Z")
    );
}

#[test]
fn start_of_day_skips_a_midnight_gap_and_takes_the_earlier_midnight() {
    // Havana springs forward at 00:00 (to 01:00 CDT) and falls back at 01:00 (to 00:00).
    let havana = plain(chrono_tz::America::Havana);
    assert_eq!(
        havana.start_of_day(date(2026, 3, 8)),
        utc("2026-03-08T05:00:00Z")
    );
    assert_eq!(
        havana.start_of_day(date(2026, 11, 1)),
        utc("2026-11-01T04:00:00Z")
    );
    // Apia skipped 2011-12-30 entirely: its first instant is 2011-12-31 00:00 local.
    let apia = plain(chrono_tz::Pacific::Apia);
    assert_eq!(
        apia.start_of_day(date(2011, 12, 30)),
        apia.start_of_day(date(2011, 12, 31))
    );
}

#[test]
fn at_local_resolves_gaps_forward_and_ambiguity_to_the_earlier_instant() {
    let cal = paris();
    // 02:30 does not exist on 2027-03-28: the first instant after the gap is 03:00 CEST.
    assert_eq!(
        cal.at_local(date(2027, 3, 28), hm(2, 30)),
        utc("2027-03-28T01:00:00Z")
    );
    // 02:30 happens twice on 2026-10-25: the CEST one is earlier.
    assert_eq!(
        cal.at_local(date(2026, 10, 25), hm(2, 30)),
        utc("2026-10-25T00:30:00Z")
    );
    assert_eq!(
        cal.standard_window(date(2026, 12, 8)),
        (utc("2026-12-08T08:00:00Z"), utc("2026-12-08T16:00:00Z"))
    );
}

#[test]
fn nth_business_day_skips_weekends_and_holidays_both_ways() {
    let cal = paris();
    assert_eq!(
        cal.nth_business_day_after(date(2026, 12, 24), 1),
        Some(date(2026, 12, 28))
    );
    assert_eq!(
        cal.nth_business_day_after(date(2026, 12, 24), 0),
        Some(date(2026, 12, 24))
    );
    assert_eq!(
        cal.nth_business_day_after(date(2026, 12, 31), 1),
        Some(date(2027, 1, 4))
    );
    assert_eq!(
        cal.nth_business_day_before(date(2027, 1, 4), 1),
        Some(date(2026, 12, 31))
    );
    assert_eq!(
        cal.nth_business_day_before(date(2026, 12, 28), 2),
        Some(date(2026, 12, 23))
    );
    assert_eq!(
        cal.nth_business_day_after(date(2026, 12, 5), 5),
        Some(date(2026, 12, 11))
    );
}

#[test]
fn nth_business_day_saturates_to_none_at_the_end_of_time() {
    let cal = paris();
    assert_eq!(cal.nth_business_day_after(date(2026, 1, 1), u32::MAX), None);
    assert_eq!(
        cal.nth_business_day_before(date(2026, 1, 1), u32::MAX),
        None
    );
    assert_eq!(cal.nth_business_day_after(NaiveDate::MAX, 1), None);
}

#[test]
fn a_calendar_of_only_holidays_still_terminates() {
    let all: Vec<NaiveDate> = date(2026, 1, 1).iter_days().take(800).collect();
    let cal = BusinessCalendar::new(chrono_tz::UTC, all);
    assert_eq!(
        cal.nth_business_day_after(date(2026, 1, 1), 1),
        Some(date(2028, 3, 13))
    );
    assert_eq!(cal.start_of_day(date(2026, 1, 1)).time(), NaiveTime::MIN);
}

proptest! {
    #[test]
    fn nth_business_day_matches_day_by_day_reference(
        cal in arb_calendar(),
        offset in 0u64..1_460,
        n in 0u32..60,
    ) {
        let d = epoch() + chrono::Days::new(offset);
        prop_assert_eq!(
            cal.nth_business_day_after(d, n),
            Some(naive_nth_business_day(&cal, d, n, 1))
        );
        prop_assert_eq!(
            cal.nth_business_day_before(d, n),
            Some(naive_nth_business_day(&cal, d, n, -1))
        );
    }

    #[test]
    fn start_of_day_is_the_first_instant_of_its_local_date(
        tz in arb_tz(),
        offset in 0u64..1_460,
    ) {
        let cal = plain(tz);
        let d = epoch() + chrono::Days::new(offset);
        let start = cal.start_of_day(d);
        let before = start - chrono::TimeDelta::seconds(1);
        prop_assert!(cal.local_date(start) >= d);
        prop_assert!(cal.local_date(before) < d);
    }
}
