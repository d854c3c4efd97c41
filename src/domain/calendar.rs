//! A customer's business calendar (SPEC §2): an IANA time zone plus a set of local
//! public holidays. Business days are local Monday–Friday that are not holidays, and
//! standard hours are 09:00–17:00 local on business days.
//!
//! Everything here is pure: instants come in as arguments, nothing reads the clock.

use std::collections::BTreeSet;
use std::ops::Bound::{Excluded, Included};

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone,
    Utc, Weekday,
};
use chrono_tz::{GapInfo, Tz};

/// Start of standard hours (SPEC §2: "09:00–17:00 local on business days").
pub const STANDARD_OPEN: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// End of standard hours (SPEC §2: "09:00–17:00 local on business days").
pub const STANDARD_CLOSE: NaiveTime = match NaiveTime::from_hms_opt(17, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// Why a calendar setting was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The name is not an IANA time zone known to the bundled tz database; DST rules
    /// must be right (SPEC §2), so offsets such as `+01:00` are refused too.
    #[error("{0:?} is not an IANA time zone name")]
    UnknownTimeZone(String),
}

/// Parses an IANA name ("Europe/Paris"); error for anything that is not a real zone.
///
/// The name must be spelled exactly as in the tz database (case included), so that
/// one customer calendar has one canonical spelling.
///
/// # Errors
/// [`CalendarError::UnknownTimeZone`] for any other text.
pub fn parse_timezone(name: &str) -> Result<Tz, CalendarError> {
    name.parse::<Tz>()
        .map_err(|_| CalendarError::UnknownTimeZone(name.to_owned()))
}

/// A customer's business calendar: the zone every deadline and price is computed in,
/// and the local dates that are public holidays (SPEC §2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessCalendar {
    tz: Tz,
    holidays: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    /// Builds a calendar from a zone and its holidays (duplicates are harmless).
    pub fn new(tz: Tz, holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            tz,
            holidays: holidays.into_iter().collect(),
        }
    }

    /// The customer's IANA zone, in which every local date and time is read.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// True when the local date is one of the customer's public holidays.
    pub fn is_holiday(&self, d: NaiveDate) -> bool {
        self.holidays.contains(&d)
    }

    /// True on Saturday and Sunday, which are never business days (SPEC §2).
    pub fn is_weekend(d: NaiveDate) -> bool {
        matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// A business day is a local Monday–Friday that is not a holiday (SPEC §2).
    pub fn is_business_day(&self, d: NaiveDate) -> bool {
        !Self::is_weekend(d) && !self.is_holiday(d)
    }

    /// The local date of an instant in the customer's zone.
    ///
    /// At the very ends of chrono's range, where the local reading is not representable,
    /// the UTC date is returned instead of panicking.
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        let utc = t.naive_utc();
        let offset = self.tz.offset_from_utc_datetime(&utc).fix();
        utc.checked_add_offset(offset).unwrap_or(utc).date()
    }

    /// "Today" in the customer's calendar (e.g. a pack's default `received_on`, SPEC §4);
    /// `now` is passed in so that nothing here reads the clock.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        self.local_date(now)
    }

    /// First instant of local date d (00:00 local; if 00:00 does not exist because of a
    /// DST gap, the first existing instant of that day; if ambiguous, the earlier).
    ///
    /// This is the "00:00 local" of every deadline in SPEC §2.1.
    pub fn start_of_day(&self, d: NaiveDate) -> DateTime<Utc> {
        self.at_local(d, NaiveTime::MIN)
    }

    /// Instant of a local wall-clock time on d, resolving gaps forward and ambiguity to
    /// the earlier instant.
    ///
    /// A time inside a DST gap becomes the first instant after the gap (e.g. 02:30 on
    /// Paris' spring-forward night is 03:00 CEST), so boundaries never move backwards.
    pub fn at_local(&self, d: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        resolve_local(self.tz, d.and_time(time))
    }

    /// The standard-hours window of local date d as instants: 09:00 and 17:00 local.
    /// Meaningful on business days only; callers check `is_business_day` first.
    pub fn standard_window(&self, d: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.at_local(d, STANDARD_OPEN),
            self.at_local(d, STANDARD_CLOSE),
        )
    }

    /// The n-th business day strictly after d (n = 0 gives d itself), for the
    /// "N business days after" deadline (SPEC §2.1). `None` past chrono's date range.
    ///
    /// Runs in O(weeks skipped arithmetically + holidays in range), never day by day.
    pub fn nth_business_day_after(&self, d: NaiveDate, n: u32) -> Option<NaiveDate> {
        self.nth_business_day(d, n, Direction::Forward)
    }

    /// The n-th business day strictly before d (n = 0 gives d itself), for the
    /// late-cancellation threshold (SPEC §2.1). `None` before chrono's date range.
    pub fn nth_business_day_before(&self, d: NaiveDate, n: u32) -> Option<NaiveDate> {
        self.nth_business_day(d, n, Direction::Backward)
    }

    /// Steps over `n` business days: first over `n` weekdays by arithmetic, then again
    /// over as many weekdays as there were weekday holidays in the span just crossed.
    /// Each round consumes distinct holidays, so there are at most `holidays + 1` rounds.
    fn nth_business_day(&self, d: NaiveDate, n: u32, dir: Direction) -> Option<NaiveDate> {
        let mut current = d;
        let mut remaining = n;
        let max_rounds = self.holidays.len().saturating_add(1);
        for _ in 0..max_rounds {
            if remaining == 0 {
                return Some(current);
            }
            let target = nth_weekday(current, remaining, dir)?;
            remaining = self.weekday_holidays_between(current, target, dir);
            current = target;
        }
        (remaining == 0).then_some(current)
    }

    /// Number of holidays falling on weekdays in the half-open span from `from`
    /// (excluded) to `to` (included), in the direction of travel.
    fn weekday_holidays_between(&self, from: NaiveDate, to: NaiveDate, dir: Direction) -> u32 {
        let bounds = match dir {
            Direction::Forward if from < to => (Excluded(from), Included(to)),
            Direction::Backward if to < from => (Included(to), Excluded(from)),
            _ => return 0,
        };
        let span = self.holidays.range(bounds);
        let count = span.filter(|h| !Self::is_weekend(**h)).count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }
}

/// Which way business days are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Forward,
    Backward,
}

/// The n-th Monday–Friday strictly after (or before) d, for n ≥ 1: whole weeks are
/// skipped arithmetically, the last 1..=5 weekdays are stepped one by one.
fn nth_weekday(d: NaiveDate, n: u32, dir: Direction) -> Option<NaiveDate> {
    let before_last = n.saturating_sub(1);
    let weeks = u64::from(before_last / 5);
    let steps = before_last % 5 + 1;
    let mut current = shift(d, weeks.checked_mul(7)?, dir)?;
    let mut taken = 0;
    // At most 5 weekdays plus 2 weekends are crossed: 9 single-day steps.
    for _ in 0..9 {
        if taken == steps {
            break;
        }
        current = shift(current, 1, dir)?;
        if !BusinessCalendar::is_weekend(current) {
            taken += 1;
        }
    }
    Some(current)
}

/// Moves a date by whole days in the given direction, `None` outside chrono's range.
fn shift(d: NaiveDate, days: u64, dir: Direction) -> Option<NaiveDate> {
    match dir {
        Direction::Forward => d.checked_add_days(Days::new(days)),
        Direction::Backward => d.checked_sub_days(Days::new(days)),
    }
}

/// Resolves a local wall-clock time: a single instant as is, the earlier of two
/// ambiguous instants, and a time in a gap to the first instant after the gap.
fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => GapInfo::new(&local, &tz)
            .and_then(|gap| gap.end)
            .map_or_else(|| fallback_instant(tz, local), |t| t.with_timezone(&Utc)),
    }
}

/// Last-resort reading of a local time that chrono-tz cannot place (only at the edges
/// of the representable range): apply the offset in force at the same UTC reading.
fn fallback_instant(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let offset = tz.offset_from_utc_datetime(&local).fix();
    local.checked_sub_offset(offset).unwrap_or(local).and_utc()
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests;
