//! Deadlines of SPEC §2.1, all computed in the customer's business calendar.
//!
//! Every function takes the calendar and instants as arguments and never reads the
//! clock. Results that would fall outside chrono's representable range saturate at
//! `DateTime::<Utc>::MAX_UTC` / `MIN_UTC` instead of panicking.

use chrono::{DateTime, Months, NaiveDate, TimeDelta, Utc};

use super::calendar::BusinessCalendar;

/// Seconds in one hour of standard time ("N×60 minutes", SPEC §2.1).
const HOUR_SECS: i64 = 3_600;

/// Nominal length of a business day's standard hours (09:00–17:00), used to skip whole
/// business days at once in [`business_hours_after`].
const STANDARD_DAY_SECS: i64 = 8 * HOUR_SECS;

/// Bound on the days walked one at a time by [`business_hours_after`] once the whole
/// days have been skipped; only a zone whose standard hours are shortened by a clock
/// change would need more than one or two.
const MAX_TAIL_DAYS: u32 = 64;

/// "N business days after instant t" (SPEC §2.1): the end of the n-th business day
/// strictly after t's local date, i.e. 00:00 local of the following day.
///
/// With n = 0 this is the end of t's own local date.
pub fn business_days_after(cal: &BusinessCalendar, t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    cal.nth_business_day_after(cal.local_date(t), n)
        .and_then(|day| day.succ_opt())
        .map_or(DateTime::<Utc>::MAX_UTC, |next| cal.start_of_day(next))
}

/// "N business hours after t" (SPEC §2.1): the instant at which n×60 minutes of
/// standard hours (09:00–17:00 local on business days) have elapsed since t.
///
/// Time outside standard hours does not count. A deadline that is reached exactly at
/// 17:00 is 17:00, not 09:00 of the next business day; n = 0 returns t. Whole business
/// days are skipped at 8 hours each, so the cost does not grow with n.
pub fn business_hours_after(cal: &BusinessCalendar, t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    if n == 0 {
        return t;
    }
    let first_day = cal.local_date(t);
    let mut remaining = TimeDelta::seconds(i64::from(n) * HOUR_SECS);
    if cal.is_business_day(first_day) {
        let (open, close) = cal.standard_window(first_day);
        let from = t.max(open);
        let available = (close - from).max(TimeDelta::zero());
        if remaining <= available {
            return add(from, remaining);
        }
        remaining -= available;
    }
    // Whole days fully consumed before the day on which the deadline falls; the rest,
    // between 1 nanosecond and 8 hours, is spent on that last day.
    let whole_secs = remaining.num_seconds() + i64::from(remaining.subsec_nanos() > 0);
    let full_days = (whole_secs - 1) / STANDARD_DAY_SECS;
    let last_part = remaining - TimeDelta::seconds(full_days * STANDARD_DAY_SECS);
    let skip = u32::try_from(full_days + 1).unwrap_or(u32::MAX);
    match cal.nth_business_day_after(first_day, skip) {
        Some(day) => finish_in_day(cal, day, last_part),
        None => DateTime::<Utc>::MAX_UTC,
    }
}

/// Spends the last `remaining` time (at most 8 h) from 09:00 of business day `day`,
/// moving to the next business day only if that day's window is shorter than 8 hours
/// (a clock change inside standard hours).
fn finish_in_day(cal: &BusinessCalendar, day: NaiveDate, remaining: TimeDelta) -> DateTime<Utc> {
    let mut day = day;
    let mut remaining = remaining;
    for _ in 0..MAX_TAIL_DAYS {
        let (open, close) = cal.standard_window(day);
        let available = (close - open).max(TimeDelta::zero());
        if remaining <= available {
            return add(open, remaining);
        }
        remaining -= available;
        match cal.nth_business_day_after(day, 1) {
            Some(next) => day = next,
            None => return DateTime::<Utc>::MAX_UTC,
        }
    }
    cal.standard_window(day).1
}

/// The late-cancellation threshold of a session starting at `session_start` (SPEC
/// §2.1): 00:00 local at the start of the 2nd business day strictly before the
/// session's local date.
pub fn late_cancellation_threshold(
    cal: &BusinessCalendar,
    session_start: DateTime<Utc>,
) -> DateTime<Utc> {
    cal.nth_business_day_before(cal.local_date(session_start), 2)
        .map_or(DateTime::<Utc>::MIN_UTC, |day| cal.start_of_day(day))
}

/// A cancellation is late iff it happens at or after the threshold (SPEC §2.1); a late
/// cancellation is priced like the session itself (SPEC §3).
pub fn is_late_cancellation(
    cal: &BusinessCalendar,
    session_start: DateTime<Utc>,
    cancelled_at: DateTime<Utc>,
) -> bool {
    cancelled_at >= late_cancellation_threshold(cal, session_start)
}

/// Lot expiry (SPEC §2.1): a pack received on local date d expires at 00:00 local on
/// d + 12 months, the day clamped to the month's end (29 Feb → 28 Feb). Units are
/// usable strictly before that instant.
pub fn lot_expiry(cal: &BusinessCalendar, received_on: NaiveDate) -> DateTime<Utc> {
    received_on
        .checked_add_months(Months::new(12))
        .map_or(DateTime::<Utc>::MAX_UTC, |day| cal.start_of_day(day))
}

/// t + `days` calendar days of 24 hours (SPEC §2.1 "30 days after t", e.g. a quote's
/// `order_due`); independent of any calendar.
pub fn days_after(t: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    TimeDelta::try_days(i64::from(days)).map_or(DateTime::<Utc>::MAX_UTC, |delta| add(t, delta))
}

/// `t + delta`, saturating at the end of chrono's range.
fn add(t: DateTime<Utc>, delta: TimeDelta) -> DateTime<Utc> {
    t.checked_add_signed(delta)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests;
