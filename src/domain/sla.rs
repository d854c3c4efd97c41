//! Service-level targets: when an event meets its deadline, and how a set of items is
//! tallied for the SLA report.

use chrono::{DateTime, Utc};

use crate::spelled_enum;

spelled_enum! {
    /// Where a target stands.
    pub enum SlaState {
        /// The event has not happened and the deadline has not passed.
        Pending = "pending",
        /// The event happened by the deadline.
        Met = "met",
        /// The event happened late, or the deadline passed without it.
        Breached = "breached",
        /// Nothing is expected any more (a request declined or redirected before its
        /// SoW was due).
        NotApplicable = "not_applicable",
    }
}

/// A pending target whose deadline has passed at `now` is breached (and marked so by
/// the job loop); any other state is kept.
pub fn mark_if_overdue(state: SlaState, due: DateTime<Utc>, now: DateTime<Utc>) -> SlaState {
    match state {
        SlaState::Pending => state_without_event(due, now),
        other => other,
    }
}

/// The outcome of an event at `at` against `due`: on time means at or before the
/// deadline instant.
pub fn outcome(due: DateTime<Utc>, at: DateTime<Utc>) -> SlaState {
    if at <= due {
        SlaState::Met
    } else {
        SlaState::Breached
    }
}

/// The state of a target at `now` when its event has not happened (yet).
pub fn state_without_event(due: DateTime<Utc>, now: DateTime<Utc>) -> SlaState {
    if now > due {
        SlaState::Breached
    } else {
        SlaState::Pending
    }
}

/// Counts of one target over a window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Items.
    pub total: i64,
    /// Done by the deadline.
    pub met: i64,
    /// Done late, or not done and past the deadline.
    pub breached: i64,
    /// Not done yet.
    pub open: i64,
    /// Not done yet and past the deadline.
    pub overdue: i64,
}

/// Tallies `(due, done_at)` pairs at `now`.
pub fn tally(
    items: impl IntoIterator<Item = (DateTime<Utc>, Option<DateTime<Utc>>)>,
    now: DateTime<Utc>,
) -> Tally {
    let mut t = Tally::default();
    for (due, done) in items {
        t.total += 1;
        match done {
            Some(at) if at <= due => t.met += 1,
            Some(_) => t.breached += 1,
            None => {
                t.open += 1;
                if now > due {
                    t.overdue += 1;
                    t.breached += 1;
                }
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn deadlines_are_inclusive() {
        let due = Utc
            .with_ymd_and_hms(2026, 12, 8, 23, 0, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(outcome(due, due), SlaState::Met);
        assert_eq!(outcome(due, due + Duration::seconds(1)), SlaState::Breached);
        assert_eq!(state_without_event(due, due), SlaState::Pending);
        assert_eq!(
            state_without_event(due, due + Duration::seconds(1)),
            SlaState::Breached
        );
    }

    #[test]
    fn tally_counts_each_item_once_in_met_breached_or_pending() {
        let due = Utc
            .with_ymd_and_hms(2026, 12, 8, 0, 0, 0)
            .single()
            .unwrap_or_default();
        let now = due + Duration::hours(1);
        let t = tally(
            [
                (due, Some(due)),
                (due, Some(due + Duration::minutes(1))),
                (due, None),
                (due + Duration::days(1), None),
            ],
            now,
        );
        assert_eq!(
            t,
            Tally {
                total: 4,
                met: 1,
                breached: 2,
                open: 2,
                overdue: 1
            }
        );
        assert_eq!(t.met + t.breached + (t.open - t.overdue), t.total);
    }
}
