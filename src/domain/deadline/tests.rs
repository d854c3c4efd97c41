use chrono::{Datelike, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;

use super::super::calendar::test_support::*;
use super::*;

/// Deadline examples of SPEC §2.1 (Paris, holidays 2026-12-25 and 2027-01-01).
#[test]
fn spec_worked_examples() {
    let cal = paris();
    let london = plain(chrono_tz::Europe::London);
    let at = |s| utc(s);
    assert_eq!(
        business_days_after(&cal, at("2026-12-04T14:00:00Z"), 2),
        at("2026-12-08T23:00:00Z")
    );
    assert_eq!(
        business_days_after(&cal, at("2026-12-24T09:00:00Z"), 2),
        at("2026-12-29T23:00:00Z")
    );
    assert_eq!(
        late_cancellation_threshold(&cal, at("2026-12-07T09:00:00Z")),
        at("2026-12-02T23:00:00Z")
    );
    assert_eq!(
        business_hours_after(&cal, at("2026-12-04T15:00:00Z"), 8),
        at("2026-12-07T15:00:00Z")
    );
    assert_eq!(
        business_hours_after(&cal, at("2026-12-05T10:00:00Z"), 8),
        at("2026-12-07T16:00:00Z")
    );
    assert_eq!(
        business_days_after(&london, at("2027-03-26T12:00:00Z"), 2),
        at("2027-03-30T23:00:00Z")
    );
}

#[test]
fn late_threshold_boundary_is_inclusive() {
    let cal = paris();
    let start = utc("2026-12-07T09:00:00Z");
    assert!(!is_late_cancellation(
        &cal,
        start,
        utc("2026-12-02T22:59:59Z")
    ));
    assert!(is_late_cancellation(
        &cal,
        start,
        utc("2026-12-02T23:00:00Z")
    ));
    assert!(is_late_cancellation(
        &cal,
        start,
        utc("2026-12-07T10:00:00Z")
    ));
}

#[test]
fn late_threshold_skips_holidays() {
    let cal = paris();
    // Before Mon 28 Dec: Thu 24 (1st), Wed 23 (2nd); Fri 25 is a holiday.
    assert_eq!(
        late_cancellation_threshold(&cal, utc("2026-12-28T09:00:00Z")),
        utc("2026-12-22T23:00:00Z")
    );
    // Before Mon 4 Jan: Thu 31 (1st), Wed 30 (2nd); Fri 1 Jan is a holiday.
    assert_eq!(
        late_cancellation_threshold(&cal, utc("2027-01-04T09:00:00Z")),
        utc("2026-12-29T23:00:00Z")
    );
}

#[test]
fn business_hours_edge_cases() {
    let cal = paris();
    let monday_9 = utc("2026-12-07T08:00:00Z");
    assert_eq!(business_hours_after(&cal, monday_9, 0), monday_9);
    // Exactly at 17:00 stays 17:00 rather than moving to the next 09:00.
    assert_eq!(
        business_hours_after(&cal, monday_9, 8),
        utc("2026-12-07T16:00:00Z")
    );
    assert_eq!(
        business_hours_after(&cal, monday_9, 16),
        utc("2026-12-08T16:00:00Z")
    );
    // Fri 16:00: 1 h Friday, then 8 h Mon–Thu, 7 h Friday.
    assert_eq!(
        business_hours_after(&cal, utc("2026-12-04T15:00:00Z"), 40),
        utc("2026-12-11T15:00:00Z")
    );
    // Over Christmas: 1 h Thu 24, Fri 25 holiday, 7 h Mon 28.
    assert_eq!(
        business_hours_after(&cal, utc("2026-12-24T15:00:00Z"), 8),
        utc("2026-12-28T15:00:00Z")
    );
    // After 17:00 counts from the next business day's 09:00.
    assert_eq!(
        business_hours_after(&cal, utc("2026-12-07T19:00:00Z"), 1),
        utc("2026-12-08T09:00:00Z")
    );
    // Sub-second starts keep their fraction.
    let t = utc("2026-12-07T15:59:59.5Z");
    assert_eq!(
        business_hours_after(&cal, t, 1),
        utc("2026-12-08T08:59:59.5Z")
    );
}

#[test]
fn huge_inputs_saturate_instead_of_panicking() {
    let cal = paris();
    let t = utc("2026-12-07T08:00:00Z");
    assert_eq!(
        business_hours_after(&cal, t, u32::MAX),
        DateTime::<Utc>::MAX_UTC
    );
    assert_eq!(
        business_days_after(&cal, t, u32::MAX),
        DateTime::<Utc>::MAX_UTC
    );
    assert_eq!(
        business_days_after(&cal, DateTime::<Utc>::MAX_UTC, 1),
        DateTime::<Utc>::MAX_UTC
    );
    assert_eq!(
        late_cancellation_threshold(&cal, DateTime::<Utc>::MIN_UTC),
        DateTime::<Utc>::MIN_UTC
    );
    assert_eq!(lot_expiry(&cal, NaiveDate::MAX), DateTime::<Utc>::MAX_UTC);
    assert_eq!(
        days_after(DateTime::<Utc>::MAX_UTC, 30),
        DateTime::<Utc>::MAX_UTC
    );
}

#[test]
fn lot_expiry_adds_twelve_months_clamped_at_month_end() {
    let cal = paris();
    assert_eq!(
        lot_expiry(&cal, date(2027, 1, 31)),
        utc("2028-01-30T23:00:00Z")
    );
    assert_eq!(
        lot_expiry(&cal, date(2028, 2, 29)),
        utc("2029-02-27T23:00:00Z")
    );
    assert_eq!(
        lot_expiry(&cal, date(2026, 7, 1)),
        utc("2027-06-30T22:00:00Z")
    );
}

#[test]
fn days_after_adds_calendar_days() {
    assert_eq!(
        days_after(utc("2026-12-08T10:00:00Z"), 30),
        utc("2027-01-07T10:00:00Z")
    );
    assert_eq!(
        days_after(utc("2026-12-08T10:00:00Z"), 0),
        utc("2026-12-08T10:00:00Z")
    );
}

/// (zone, instant, n, expected) for business_days_after around spring and autumn changes.
#[test]
fn business_days_after_across_dst() {
    use chrono_tz::{America::New_York, Europe::London, Europe::Paris};
    let cases = [
        (Paris, "2027-03-25T10:00:00Z", 2, "2027-03-29T22:00:00Z"),
        (Paris, "2026-10-22T10:00:00Z", 2, "2026-10-26T23:00:00Z"),
        (London, "2026-10-22T10:00:00Z", 2, "2026-10-27T00:00:00Z"),
        (New_York, "2027-03-12T15:00:00Z", 1, "2027-03-16T04:00:00Z"),
        (New_York, "2026-10-30T15:00:00Z", 1, "2026-11-03T05:00:00Z"),
    ];
    for (tz, t, n, expected) in cases {
        assert_eq!(
            business_days_after(&plain(tz), utc(t), n),
            utc(expected),
            "{tz} {t}"
        );
    }
}

#[test]
fn business_hours_after_across_dst() {
    use chrono_tz::{America::New_York, Europe::London, Europe::Paris};
    // Friday 16:00 local + 8 h = Monday 16:00 local, across the weekend's clock change.
    let cases = [
        (Paris, "2027-03-26T15:00:00Z", "2027-03-29T14:00:00Z"),
        (Paris, "2026-10-23T14:00:00Z", "2026-10-26T15:00:00Z"),
        (London, "2027-03-26T16:00:00Z", "2027-03-29T15:00:00Z"),
        (London, "2026-10-23T15:00:00Z", "2026-10-26T16:00:00Z"),
        (New_York, "2027-03-12T21:00:00Z", "2027-03-15T20:00:00Z"),
        (New_York, "2026-10-30T20:00:00Z", "2026-11-02T21:00:00Z"),
    ];
    for (tz, t, expected) in cases {
        assert_eq!(
            business_hours_after(&plain(tz), utc(t), 8),
            utc(expected),
            "{tz} {t}"
        );
    }
}

#[test]
fn late_threshold_across_dst() {
    use chrono_tz::{America::New_York, Europe::London, Europe::Paris};
    let cases = [
        (Paris, "2027-03-30T07:00:00Z", "2027-03-25T23:00:00Z"),
        (Paris, "2027-03-31T07:00:00Z", "2027-03-28T22:00:00Z"),
        (Paris, "2026-10-27T08:00:00Z", "2026-10-22T22:00:00Z"),
        (London, "2027-03-30T10:00:00Z", "2027-03-26T00:00:00Z"),
        (London, "2027-03-31T10:00:00Z", "2027-03-28T23:00:00Z"),
        (London, "2026-10-27T10:00:00Z", "2026-10-22T23:00:00Z"),
        (New_York, "2027-03-16T14:00:00Z", "2027-03-12T05:00:00Z"),
        (New_York, "2027-03-17T14:00:00Z", "2027-03-15T04:00:00Z"),
        (New_York, "2026-11-03T15:00:00Z", "2026-10-30T04:00:00Z"),
        (New_York, "2026-11-04T15:00:00Z", "2026-11-02T05:00:00Z"),
    ];
    for (tz, start, expected) in cases {
        assert_eq!(
            late_cancellation_threshold(&plain(tz), utc(start)),
            utc(expected),
            "{tz} {start}"
        );
    }
}

proptest! {
    #[test]
    fn business_days_after_ends_a_business_day_after_t(
        cal in arb_calendar(),
        t in arb_instant(),
        n in 1u32..30,
    ) {
        let deadline = business_days_after(&cal, t, n);
        prop_assert!(deadline > t);
        // The naive reference: walk day by day from t's local date (in the zone itself,
        // not through the calendar's helpers), count business days, and end at the first
        // instant of the next local day.
        let tz = cal.tz();
        let mut day = t.with_timezone(&tz).date_naive();
        let mut counted = 0;
        while counted < n {
            day = day.succ_opt().expect("date");
            let weekday = day.weekday().num_days_from_monday();
            if weekday < 5 && !cal.is_holiday(day) {
                counted += 1;
            }
        }
        let next = day.succ_opt().expect("date");
        let midnight = (0..=180)
            .find_map(|m| {
                let local = next.and_hms_opt(0, 0, 0)? + TimeDelta::minutes(m);
                tz.from_local_datetime(&local).earliest()
            })
            .expect("a local instant that day");
        prop_assert_eq!(deadline, midnight.with_timezone(&Utc));
    }

    #[test]
    fn business_hours_after_lands_in_standard_hours(
        cal in arb_calendar(),
        t in arb_instant(),
        n in 1u32..100,
    ) {
        let deadline = business_hours_after(&cal, t, n);
        prop_assert!(deadline > t);
        let day = cal.local_date(deadline);
        let (open, close) = cal.standard_window(day);
        prop_assert!(cal.is_business_day(day));
        prop_assert!(open < deadline && deadline <= close);
        // Exactly n hours of standard time lie between t and the deadline.
        let counted = super::super::pricing::band_seconds(&cal, super::super::pricing::StandardHours::default(), t, deadline).standard;
        prop_assert_eq!(counted, i64::from(n) * 3_600);
    }

    #[test]
    fn late_threshold_is_midnight_of_the_second_business_day_before(
        cal in arb_calendar(),
        start in arb_instant(),
    ) {
        let threshold = late_cancellation_threshold(&cal, start);
        prop_assert!(threshold < start);
        let day = cal.local_date(threshold);
        prop_assert_eq!(cal.start_of_day(day), threshold);
        prop_assert!(cal.is_business_day(day));
        let start_day = cal.local_date(start);
        prop_assert!(cal.nth_business_day_after(day, 1).is_some_and(|d| d < start_day));
        prop_assert!(cal.nth_business_day_after(day, 2).is_some_and(|d| d >= start_day));
    }
}
