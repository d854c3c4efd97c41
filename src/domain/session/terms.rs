//! The session deadlines of the contract (SPEC §5) and the acceptance window.

use chrono::{DateTime, Duration, Utc};

use crate::domain::calendar::BusinessCalendar;
use crate::domain::deadline::business_days_after;
use crate::spelled_enum;

/// Business days from a session request to its booking (the scheduling target).
pub const SCHEDULING_DAYS: u32 = 3;
/// Business days after the completion statement before the session is accepted
/// automatically, unless the SoW says otherwise (SPEC §5, §14).
pub const ACCEPTANCE_DAYS: u32 = 2;
/// The longest acceptance window a SoW may set (SPEC §14: 1–10 business days).
pub const MAX_ACCEPTANCE_DAYS: u32 = 10;

/// Why a SoW's acceptance window was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("must be between 1 and {MAX_ACCEPTANCE_DAYS} business days")]
pub struct AcceptanceDaysError;

/// The acceptance deadline and complaint window of a SoW's sessions, in business days
/// after the completion statement (SPEC §14, "What the SoW may change").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AcceptanceDays(u32);

impl AcceptanceDays {
    /// 1 to [`MAX_ACCEPTANCE_DAYS`]: with 0 a customer could never accept or complain.
    ///
    /// # Errors
    /// [`AcceptanceDaysError`] outside that range.
    pub fn new(days: i64) -> Result<Self, AcceptanceDaysError> {
        u32::try_from(days)
            .ok()
            .filter(|d| (1..=MAX_ACCEPTANCE_DAYS).contains(d))
            .map(Self)
            .ok_or(AcceptanceDaysError)
    }

    /// The number of business days.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for AcceptanceDays {
    /// The contract's two business days.
    fn default() -> Self {
        Self(ACCEPTANCE_DAYS)
    }
}
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

/// The acceptance deadline of a completion statement issued at `statement_at`: the
/// SoW's acceptance days after it (the complaint window closes at the same instant).
pub fn acceptance_due(
    cal: &BusinessCalendar,
    statement_at: DateTime<Utc>,
    days: AcceptanceDays,
) -> DateTime<Utc> {
    business_days_after(cal, statement_at, days.get())
}

/// When the customer is reminded of an open acceptance window: one business day
/// before the deadline (at the end of the next-to-last business day of the window; with
/// a one-day window, at the end of the statement's own day).
pub fn acceptance_reminder_at(
    cal: &BusinessCalendar,
    statement_at: DateTime<Utc>,
    days: AcceptanceDays,
) -> DateTime<Utc> {
    business_days_after(cal, statement_at, days.get() - 1)
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
    fn a_sow_sets_the_acceptance_window_in_business_days() {
        use crate::domain::calendar::test_support::{paris, utc};
        let cal = paris();
        // Thu 10 Dec 2026 15:00 local: 2 business days → end of Mon 14 Dec; 5 → end of
        // Thu 17 Dec; 1 → end of Fri 11 Dec; 10 → end of Thu 24 Dec.
        let at = utc("2026-12-10T14:00:00Z");
        let due = |n| acceptance_due(&cal, at, AcceptanceDays::new(n).expect("in range"));
        assert_eq!(due(2), acceptance_due(&cal, at, AcceptanceDays::default()));
        assert_eq!(due(1), utc("2026-12-11T23:00:00Z"));
        assert_eq!(due(2), utc("2026-12-14T23:00:00Z"));
        assert_eq!(due(5), utc("2026-12-17T23:00:00Z"));
        assert_eq!(due(10), utc("2026-12-24T23:00:00Z"));
        // From Mon 21 Dec, 5 business days skip Christmas (a holiday) and the weekend.
        let five = AcceptanceDays::new(5).expect("in range");
        assert_eq!(
            acceptance_due(&cal, utc("2026-12-21T10:00:00Z"), five),
            utc("2026-12-29T23:00:00Z")
        );
        let remind =
            |n| acceptance_reminder_at(&cal, at, AcceptanceDays::new(n).expect("in range"));
        assert_eq!(remind(1), utc("2026-12-10T23:00:00Z"));
        assert_eq!(remind(5), utc("2026-12-16T23:00:00Z"));
        for bad in [0, 11, -1, i64::MAX] {
            assert_eq!(AcceptanceDays::new(bad), Err(AcceptanceDaysError), "{bad}");
        }
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
