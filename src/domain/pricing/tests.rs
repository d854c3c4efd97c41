use chrono::TimeDelta;
use proptest::prelude::*;

use super::super::calendar::test_support::*;
use super::*;

fn u(hundredths: i64) -> Units {
    Units::from_hundredths(hundredths)
}

fn default_terms() -> PricingTerms {
    PricingTerms::default()
}

fn price(cal: &BusinessCalendar, start: &str, end: &str) -> SessionPrice {
    price_session(cal, &default_terms(), utc(start), utc(end)).expect("end after start")
}

/// The eight examples of SPEC §3 (Paris, CET = UTC+1 in December 2026).
#[test]
fn spec_worked_examples() {
    let cal = paris();
    let cases = [
        ("2026-12-08T09:00:00Z", "2026-12-08T11:20:00Z", "2.00"), // Tue 10:00–12:20
        ("2026-12-08T09:00:00Z", "2026-12-08T10:30:00Z", "2.00"), // Tue 10:00–11:30
        ("2026-12-08T09:00:00Z", "2026-12-08T09:20:00Z", "1.00"), // Tue 10:00–10:20
        ("2026-12-08T15:00:00Z", "2026-12-08T17:00:00Z", "2.50"), // Tue 16:00–18:00
        ("2026-12-08T15:20:00Z", "2026-12-08T17:40:00Z", "2.71"), // Tue 16:20–18:40
        ("2026-12-12T09:00:00Z", "2026-12-12T12:00:00Z", "6.00"), // Sat 10:00–13:00
        ("2026-12-25T09:00:00Z", "2026-12-25T11:00:00Z", "4.00"), // Fri 25 Dec, holiday
        ("2026-12-11T15:00:00Z", "2026-12-12T00:00:00Z", "13.50"), // Fri 16:00 – Sat 01:00
    ];
    for (start, end, expected) in cases {
        assert_eq!(
            price(&cal, start, end).units.to_string(),
            expected,
            "{start} – {end}"
        );
    }
}

#[test]
fn spec_examples_split_into_the_right_bands() {
    let cal = paris();
    let friday_night = price(&cal, "2026-12-11T15:00:00Z", "2026-12-12T00:00:00Z");
    assert_eq!(
        friday_night.bands,
        BandSeconds {
            standard: 3_600,
            out_of_hours: 7 * 3_600,
            weekend: 3_600,
            holiday: 0
        }
    );
    assert_eq!(friday_night.billable_hours, 9);
    assert_eq!(friday_night.duration_minutes, 540);
    let evening = price(&cal, "2026-12-08T15:20:00Z", "2026-12-08T17:40:00Z");
    assert_eq!(evening.bands.standard, 40 * 60);
    assert_eq!(evening.bands.out_of_hours, 100 * 60);
    assert_eq!(
        (evening.duration_seconds, evening.billable_hours),
        (140 * 60, 2)
    );
}

#[test]
fn sessions_across_dst_count_real_elapsed_time() {
    let cal = paris();
    // Sun 2026-10-25 01:00 CEST – 04:00 CET: 4 real hours of weekend.
    let autumn = price(&cal, "2026-10-24T23:00:00Z", "2026-10-25T03:00:00Z");
    assert_eq!(
        (autumn.duration_seconds, autumn.billable_hours),
        (4 * 3_600, 4)
    );
    assert_eq!(autumn.units, u(800));
    // Sun 2027-03-28 01:00 CET – 04:00 CEST: 2 real hours of weekend.
    let spring = price(&cal, "2027-03-28T00:00:00Z", "2027-03-28T02:00:00Z");
    assert_eq!((spring.billable_hours, spring.units), (2, u(400)));
    // Fri 2026-10-23 16:00 CEST – Mon 26 10:00 CET: 67 h, the Sunday having 25.
    let weekend = price(&cal, "2026-10-23T14:00:00Z", "2026-10-26T09:00:00Z");
    assert_eq!(
        weekend.bands,
        BandSeconds {
            standard: 2 * 3_600,
            out_of_hours: 16 * 3_600,
            weekend: 49 * 3_600,
            holiday: 0
        }
    );
    assert_eq!(weekend.units, u(12_400));
    // New York, Sat 2027-03-13 22:00 EST – Mon 15 08:00 EDT: 33 h, the Sunday having 23.
    let ny = plain(chrono_tz::America::New_York);
    let spring_ny = price(&ny, "2027-03-14T03:00:00Z", "2027-03-15T12:00:00Z");
    assert_eq!(spring_ny.bands.weekend, 25 * 3_600);
    assert_eq!(spring_ny.bands.out_of_hours, 8 * 3_600);
    assert_eq!(spring_ny.units, u(6_200));
    // London, Mon 2026-10-26 08:00–10:00 GMT, the day after the change.
    let london = plain(chrono_tz::Europe::London);
    let monday = price(&london, "2026-10-26T08:00:00Z", "2026-10-26T10:00:00Z");
    assert_eq!(
        (monday.bands.out_of_hours, monday.bands.standard),
        (3_600, 3_600)
    );
}

/// SPEC §14: a SoW's own standard hours move the standard band and nothing else.
#[test]
fn a_sow_may_set_its_own_standard_hours() {
    let cal = paris();
    let terms = PricingTerms {
        standard_hours: StandardHours::parse("08:00", "18:00").expect("valid"),
        ..default_terms()
    };
    let priced = |start: &str, end: &str| {
        price_session(&cal, &terms, utc(start), utc(end))
            .map(|p| p.units.to_string())
            .expect("end after start")
    };
    // Tue 16:00–18:00 local: all standard with 08:00–18:00 (2.50 on the default band).
    assert_eq!(
        priced("2026-12-08T15:00:00Z", "2026-12-08T17:00:00Z"),
        "2.00"
    );
    // Tue 07:00–09:00 local: one hour out of hours, one standard (3.00 by default).
    assert_eq!(
        priced("2026-12-08T06:00:00Z", "2026-12-08T08:00:00Z"),
        "2.50"
    );
    // Tue 18:00–19:00 local: the band ends at 18:00.
    assert_eq!(
        priced("2026-12-08T17:00:00Z", "2026-12-08T18:00:00Z"),
        "1.50"
    );
    // Weekends and holidays do not change.
    assert_eq!(
        priced("2026-12-12T09:00:00Z", "2026-12-12T12:00:00Z"),
        "6.00"
    );
    assert_eq!(
        priced("2026-12-25T09:00:00Z", "2026-12-25T11:00:00Z"),
        "4.00"
    );
    let late = StandardHours::parse("13:00", "21:00").expect("valid");
    assert_eq!(
        band_at(&cal, late, utc("2026-12-08T09:00:00Z")),
        Band::OutOfHours
    );
    assert_eq!(
        band_at(&cal, late, utc("2026-12-08T19:59:59Z")),
        Band::Standard
    );
    assert_eq!(
        band_at(&cal, late, utc("2026-12-08T20:00:00Z")),
        Band::OutOfHours
    );
}

#[test]
fn holiday_beats_weekend_and_weekend_beats_hours() {
    let saturday_holiday = BusinessCalendar::new(chrono_tz::Europe::Paris, [date(2026, 12, 12)]);
    let session = price(
        &saturday_holiday,
        "2026-12-12T09:00:00Z",
        "2026-12-12T10:00:00Z",
    );
    assert_eq!(session.bands.holiday, 3_600);
    let cal = paris();
    assert_eq!(
        band_at(&cal, StandardHours::default(), utc("2026-12-25T10:00:00Z")),
        Band::Holiday
    );
    assert_eq!(
        band_at(&cal, StandardHours::default(), utc("2026-12-12T10:00:00Z")),
        Band::Weekend
    );
    assert_eq!(
        band_at(&cal, StandardHours::default(), utc("2026-12-08T08:00:00Z")),
        Band::Standard
    );
    assert_eq!(
        band_at(&cal, StandardHours::default(), utc("2026-12-08T16:00:00Z")),
        Band::OutOfHours
    );
    assert_eq!(
        band_at(&cal, StandardHours::default(), utc("2026-12-08T07:59:59Z")),
        Band::OutOfHours
    );
}

#[test]
fn minimum_fixed_price_and_invalid_intervals() {
    let cal = paris();
    let (start, end) = (utc("2026-12-08T09:00:00Z"), utc("2026-12-08T09:20:00Z"));
    let no_minimum = PricingTerms {
        minimum_billable_hours: 0,
        ..default_terms()
    };
    assert_eq!(
        price_session(&cal, &no_minimum, start, end).map(|p| p.units),
        Ok(Units::ZERO)
    );
    let three = PricingTerms {
        minimum_billable_hours: 3,
        ..default_terms()
    };
    assert_eq!(
        price_session(&cal, &three, start, end).map(|p| p.units),
        Ok(u(300))
    );
    let fixed = PricingTerms {
        units_per_session: Some(u(350)),
        ..default_terms()
    };
    let priced = price_session(&cal, &fixed, start, end).expect("valid");
    assert_eq!(
        (priced.units, priced.billable_hours, priced.bands.standard),
        (u(350), 1, 1_200)
    );
    assert_eq!(
        price_session(&cal, &fixed, start, start),
        Err(PricingError::EndNotAfterStart)
    );
    assert_eq!(
        price_session(&cal, &fixed, end, start),
        Err(PricingError::EndNotAfterStart)
    );
    assert_eq!(
        band_seconds(&cal, StandardHours::default(), end, start),
        BandSeconds::default()
    );
}

#[test]
fn a_sub_second_session_uses_the_band_of_its_start() {
    let cal = paris();
    let priced = price(&cal, "2026-12-12T10:00:00.2Z", "2026-12-12T10:00:00.7Z");
    assert_eq!(
        (priced.duration_seconds, priced.billable_hours, priced.units),
        (0, 1, u(200))
    );
}

#[test]
fn a_thirty_day_session_over_the_holidays() {
    let cal = paris();
    // Tue 2026-12-08 16:30 local to Thu 2027-01-07 16:30 local.
    let priced = price(&cal, "2026-12-08T15:30:00Z", "2027-01-07T15:30:00Z");
    assert_eq!(priced.duration_seconds, 30 * 86_400);
    // 20 business days in between (2 holidays), 8 weekend days.
    assert_eq!(priced.bands.holiday, 2 * 86_400);
    assert_eq!(priced.bands.weekend, 8 * 86_400);
    assert_eq!(priced.bands.standard, 20 * 8 * 3_600);
    // 160 h × 1.00 + 320 h × 1.50 + 192 h × 2.00 + 48 h × 2.00, over H = 720 hours.
    assert_eq!(priced.units, u(112_000));
}

#[test]
fn rate_card_validation_and_defaults() {
    let card = RateCard::default();
    assert_eq!(
        (
            card.rate(Band::Standard),
            card.out_of_hours(),
            card.weekend(),
            card.holiday()
        ),
        (u(100), u(150), u(200), u(200))
    );
    assert_eq!(RateCard::new(u(150), u(200), u(200)), Ok(card));
    assert_eq!(
        RateCard::new(u(0), u(200), u(200)),
        Err(RateCardError::NotPositive(Band::OutOfHours))
    );
    assert_eq!(
        RateCard::new(u(150), u(-1), u(200)),
        Err(RateCardError::NotPositive(Band::Weekend))
    );
    assert_eq!(
        RateCard::new(u(150), u(200), u(10_001)),
        Err(RateCardError::TooHigh(Band::Holiday))
    );
    assert!(RateCard::new(u(1), u(10_000), u(10_000)).is_ok());
    assert_eq!(
        RateCardError::TooHigh(Band::Holiday).to_string(),
        "holiday rate must not exceed 100.00"
    );
    assert_eq!(billable_hours(5_399, 0), 1);
    assert_eq!(billable_hours(5_400, 0), 2);
}

/// A Tuesday of 2025–2028 in Paris that is not a holiday, and a Saturday.
fn arb_day(weekday_offset: u64) -> impl Strategy<Value = NaiveDate> {
    // 2025-01-06 is a Monday.
    (0u64..200)
        .prop_map(move |week| date(2025, 1, 6) + chrono::Days::new(week * 7 + weekday_offset))
}

proptest! {
    #[test]
    fn band_seconds_add_up_to_the_elapsed_seconds(
        cal in arb_calendar(),
        start in arb_instant(),
        length in 1i64..40 * 86_400,
    ) {
        let end = start + TimeDelta::seconds(length);
        prop_assert_eq!(band_seconds(&cal, StandardHours::default(), start, end).total(), length);
        let priced = price_session(&cal, &default_terms(), start, end).expect("end after start");
        prop_assert_eq!(priced.duration_seconds, length);
    }

    #[test]
    fn a_business_day_holds_exactly_its_standard_hours(
        tuesday in arb_day(1),
        open_min in 0u32..1_439,
        span in 1u32..1_440,
    ) {
        let cal = plain(chrono_tz::Europe::Paris);
        let close_min = (open_min + span).min(1_439);
        prop_assume!(close_min > open_min);
        let hours = StandardHours::new(hm(open_min / 60, open_min % 60), hm(close_min / 60, close_min % 60))
            .expect("ordered");
        let start = cal.start_of_day(tuesday);
        let end = cal.start_of_day(tuesday + chrono::Days::new(1));
        let bands = band_seconds(&cal, hours, start, end);
        let (open, close) = hours.window(&cal, tuesday);
        prop_assert_eq!(bands.standard, (close - open).num_seconds());
        prop_assert_eq!(bands.out_of_hours, (end - start).num_seconds() - bands.standard);
        let default_day = band_seconds(&cal, StandardHours::default(), start, end);
        prop_assert_eq!(default_day.standard, 8 * 3_600);
    }

    #[test]
    fn a_single_band_session_costs_hours_times_rate(
        tuesday in arb_day(1),
        saturday in arb_day(5),
        from_min in 0i64..480,
        length_min in 1i64..480,
    ) {
        let cal = plain(chrono_tz::Europe::Paris);
        let length_min = length_min.min(480 - from_min).max(1);
        let hours = ((length_min + 30) / 60).max(1);
        let open = cal.at_local(tuesday, hm(9, 0)) + TimeDelta::minutes(from_min);
        let priced = price_session(&cal, &default_terms(), open, open + TimeDelta::minutes(length_min));
        prop_assert_eq!(priced.map(|p| p.units), Ok(u(hours * 100)));
        let weekend = cal.at_local(saturday, hm(9, 0)) + TimeDelta::minutes(from_min);
        let priced = price_session(&cal, &default_terms(), weekend, weekend + TimeDelta::minutes(length_min));
        prop_assert_eq!(priced.map(|p| p.units), Ok(u(hours * 200)));
    }

    #[test]
    fn price_does_not_fall_as_a_single_band_session_grows(
        tuesday in arb_day(1),
        from in 0i64..8 * 3_600,
        a in 1i64..8 * 3_600,
        b in 1i64..8 * 3_600,
        minimum in 0u32..3,
    ) {
        let cal = plain(chrono_tz::Europe::Paris);
        let start = cal.at_local(tuesday, hm(9, 0)) + TimeDelta::seconds(from);
        let room = 8 * 3_600 - from;
        let (short, long) = (a.min(b).min(room), a.max(b).min(room));
        let terms = PricingTerms { minimum_billable_hours: minimum, ..default_terms() };
        let units = |length| {
            price_session(&cal, &terms, start, start + TimeDelta::seconds(length))
                .map(|p| p.units)
        };
        let (Ok(short_units), Ok(long_units)) = (units(short), units(long)) else {
            return Err(TestCaseError::fail("a session whose end is after its start is priced"));
        };
        prop_assert!(short_units <= long_units, "{short} s vs {long} s");
    }

    #[test]
    fn a_fixed_price_overrides_the_duration(
        cal in arb_calendar(),
        start in arb_instant(),
        length in 1i64..10 * 86_400,
        fixed in 1i64..100_000,
        minimum in 0u32..5,
    ) {
        let terms = PricingTerms {
            units_per_session: Some(u(fixed)),
            minimum_billable_hours: minimum,
            ..default_terms()
        };
        let priced = price_session(&cal, &terms, start, start + TimeDelta::seconds(length))
            .expect("end after start");
        prop_assert_eq!(priced.units, u(fixed));
        prop_assert_eq!(priced.billable_hours, billable_hours(length, minimum));
        prop_assert_eq!(priced.bands.total(), length);
    }
}
