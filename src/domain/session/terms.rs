//! The session deadlines of the contract (SPEC §5) and the acceptance window.

use chrono::{DateTime, Duration, Utc};

use crate::domain::calendar::BusinessCalendar;
use crate::domain::deadline::business_days_after;
use crate::spelled_enum;

/// Business days from a session request to its booking (the scheduling target).
pub const SCHEDULING_DAYS: u32 = 3;
/// Business days after the completion statement before the session is accepted
/// automatically.
pub const ACCEPTANCE_DAYS: u32 = 2;
/// Business days for the SOC to review a complaint.
pub const REVIEW_DAYS: u32 = 5;
/// Longest session accepted (a month of continuous work).
pub const MAX_SESSION: Duration = Duration::days(31);

spelled_enum! {
    /// How a delivered session was accepted.
    pub enum Acceptance {
        /// The customer accepted it.
        Explicit = "explicit",
        /// Its acceptance deadline passed without a complaint.
        Automatic = "automatic",
    }
}

/// The scheduling target of a session requested at `requested_at`.
pub fn scheduling_due(cal: &BusinessCalendar, requested_at: DateTime<Utc>) -> DateTime<Utc> {
    business_days_after(cal, requested_at, SCHEDULING_DAYS)
}

/// The acceptance deadline of a completion statement issued at `statement_at`.
pub fn acceptance_due(cal: &BusinessCalendar, statement_at: DateTime<Utc>) -> DateTime<Utc> {
    business_days_after(cal, statement_at, ACCEPTANCE_DAYS)
}

/// When the customer is reminded of an open acceptance window: one business day
/// before the deadline (at the end of the next-to-last business day of the window).
pub fn acceptance_reminder_at(
    cal: &BusinessCalendar,
    statement_at: DateTime<Utc>,
) -> DateTime<Utc> {
    business_days_after(cal, statement_at, ACCEPTANCE_DAYS - 1)
}

/// The review deadline of a complaint received at `received_at`.
pub fn review_due(cal: &BusinessCalendar, received_at: DateTime<Utc>) -> DateTime<Utc> {
    business_days_after(cal, received_at, REVIEW_DAYS)
}

/// The acceptance window of a delivered session is open strictly before its deadline:
/// the customer may accept or complain until then, and at the deadline the session is
/// accepted automatically, effective at that instant.
pub fn acceptance_window_open(acceptance_due: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < acceptance_due
}

/// Checks a session's interval: it ends after it starts and lasts at most
/// [`MAX_SESSION`]; the message is about the end.
pub fn check_interval(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), &'static str> {
    if end <= start {
        Err("must be after the start")
    } else if end - start > MAX_SESSION {
        Err("a session lasts at most 31 days")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_window_closes_at_the_deadline() {
        let due = Utc
            .with_ymd_and_hms(2026, 12, 8, 23, 0, 0)
            .single()
            .unwrap_or_default();
        assert!(acceptance_window_open(due, due - Duration::seconds(1)));
        assert!(!acceptance_window_open(due, due));
    }

    #[test]
    fn intervals_are_positive_and_bounded() {
        let t = Utc
            .with_ymd_and_hms(2026, 12, 8, 9, 0, 0)
            .single()
            .unwrap_or_default();
        assert!(check_interval(t, t).is_err());
        assert!(check_interval(t, t + MAX_SESSION).is_ok());
        assert!(check_interval(t, t + MAX_SESSION + Duration::seconds(1)).is_err());
    }
}
