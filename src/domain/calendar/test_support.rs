//! Fixtures and proptest strategies shared by the calendar, deadline and pricing tests.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::BusinessCalendar;

/// A date that the tests know to be valid.
pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

/// A local time that the tests know to be valid.
pub(crate) fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid test time")
}

/// A UTC instant from an RFC 3339 string, as in SPEC examples.
pub(crate) fn utc(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("valid RFC 3339 instant")
        .with_timezone(&Utc)
}

/// The SPEC §2.1 calendar: Europe/Paris with holidays 2026-12-25 and 2027-01-01.
pub(crate) fn paris() -> BusinessCalendar {
    BusinessCalendar::new(
        chrono_tz::Europe::Paris,
        [date(2026, 12, 25), date(2027, 1, 1)],
    )
}

/// A calendar without holidays in the given zone.
pub(crate) fn plain(tz: Tz) -> BusinessCalendar {
    BusinessCalendar::new(tz, [])
}

/// First day of the range the property tests draw dates from.
pub(crate) fn epoch() -> NaiveDate {
    date(2025, 1, 1)
}

/// Zones for property tests: the contract's three plus zones with clock changes at
/// midnight (Havana, Santiago), a 30-minute DST (Lord Howe) and a skipped date (Apia).
pub(crate) fn arb_tz() -> impl Strategy<Value = Tz> {
    prop::sample::select(vec![
        chrono_tz::Europe::Paris,
        chrono_tz::Europe::London,
        chrono_tz::America::New_York,
        chrono_tz::America::Havana,
        chrono_tz::America::Santiago,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Pacific::Apia,
    ])
}

/// A calendar with up to 80 random holidays within 2025–2028.
pub(crate) fn arb_calendar() -> impl Strategy<Value = BusinessCalendar> {
    (arb_tz(), prop::collection::vec(0u64..1_460, 0..80)).prop_map(|(tz, offsets)| {
        let days = offsets
            .into_iter()
            .filter_map(|o| epoch().checked_add_days(chrono::Days::new(o)));
        BusinessCalendar::new(tz, days)
    })
}

/// A whole-second instant within 2025–2028.
pub(crate) fn arb_instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4 * 365 * 86_400)
        .prop_map(|secs| epoch().and_time(NaiveTime::MIN).and_utc() + TimeDelta::seconds(secs))
}

/// Reference implementation: the n-th business day strictly after (or, with
/// `step = -1`, before) d, stepping one day at a time.
pub(crate) fn naive_nth_business_day(
    cal: &BusinessCalendar,
    d: NaiveDate,
    n: u32,
    step: i64,
) -> NaiveDate {
    let mut day = d;
    let mut found = 0;
    while found < n {
        day += TimeDelta::days(step);
        if cal.is_business_day(day) {
            found += 1;
        }
    }
    day
}
