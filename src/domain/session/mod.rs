//! The session lifecycle (SPEC §5) as a type with typed refusals.
//!
//! `scheduled → delivered → accepted | disputed → resolved`;
//! `scheduled → cancelled | cancelled_late | no_show | to_reschedule → scheduled`.

mod capacity;
mod terms;

use chrono::{DateTime, Utc};

use crate::spelled_enum;

pub use capacity::{CapacityError, check_capacity};
pub use terms::{
    ACCEPTANCE_DAYS, Acceptance, AcceptanceDays, AcceptanceDaysError, MAX_ACCEPTANCE_DAYS,
    MAX_SESSION, REVIEW_DAYS, SCHEDULING_DAYS, acceptance_due, acceptance_reminder_at,
    acceptance_window_open, check_interval, review_due, scheduling_due,
};

spelled_enum! {
    /// Where a session stands.
    pub enum SessionStatus {
        /// Booked.
        Scheduled = "scheduled",
        /// Done and debited; a completion statement was issued.
        Delivered = "delivered",
        /// Accepted by the customer, explicitly or automatically.
        Accepted = "accepted",
        /// Under complaint.
        Disputed = "disputed",
        /// Complaint decided.
        Resolved = "resolved",
        /// Cancelled by the customer in time: no charge.
        Cancelled = "cancelled",
        /// Cancelled by the customer too late: debited.
        CancelledLate = "cancelled_late",
        /// The customer was absent: debited.
        NoShow = "no_show",
        /// Cancelled for force majeure or by the SOC: to be rescheduled, no charge.
        ToReschedule = "to_reschedule",
    }
}

spelled_enum! {
    /// Why a session is cancelled.
    pub enum CancelReason {
        /// The customer asked.
        CustomerRequest = "customer_request",
        /// Beyond either party's control.
        ForceMajeure = "force_majeure",
        /// The SOC cancelled.
        Soc = "soc",
    }
}

/// A refused transition.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {from} session cannot {action}")]
pub struct SessionTransitionError {
    /// Current state.
    pub from: SessionStatus,
    /// What was asked.
    pub action: &'static str,
    /// Stable code.
    pub code: &'static str,
}

/// What a cancellation leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    /// No charge, session closed.
    Free,
    /// The scheduled units are debited (`cancellation_debit`).
    Late,
    /// No charge, the session waits for new times.
    ToReschedule,
}

impl SessionStatus {
    /// True while the session holds a slot of the SoW's planned count (only a free
    /// cancellation gives the slot back).
    pub fn uses_a_planned_slot(self) -> bool {
        !matches!(self, SessionStatus::Cancelled)
    }

    /// True while the session's estimate holds part of the SoW's reservation.
    pub fn holds_estimate(self) -> bool {
        matches!(self, SessionStatus::Scheduled)
    }

    /// True while the session still has to happen (booked or waiting for new times):
    /// its SoW can be neither closed nor replaced until it is settled.
    pub fn is_pending(self) -> bool {
        matches!(self, SessionStatus::Scheduled | SessionStatus::ToReschedule)
    }

    /// True once nothing more can happen to the session.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            SessionStatus::Accepted
                | SessionStatus::Resolved
                | SessionStatus::Cancelled
                | SessionStatus::CancelledLate
                | SessionStatus::NoShow
        )
    }

    fn refuse<T>(
        self,
        action: &'static str,
        code: &'static str,
    ) -> Result<T, SessionTransitionError> {
        Err(SessionTransitionError {
            from: self,
            action,
            code,
        })
    }

    /// New times for a scheduled session or one waiting to be rescheduled.
    pub fn reschedule(self) -> Result<SessionStatus, SessionTransitionError> {
        match self {
            SessionStatus::Scheduled | SessionStatus::ToReschedule => Ok(SessionStatus::Scheduled),
            _ => self.refuse("be rescheduled", "session_not_scheduled"),
        }
    }

    /// A cancellation: the customer before the threshold is free, at or after it is
    /// late; force majeure or the SOC send it back to be rescheduled. A session waiting
    /// to be rescheduled can only be dropped, free of charge.
    pub fn cancel(
        self,
        reason: CancelReason,
        late: bool,
    ) -> Result<(SessionStatus, CancelOutcome), SessionTransitionError> {
        match (self, reason) {
            (SessionStatus::Scheduled, CancelReason::CustomerRequest) if late => {
                Ok((SessionStatus::CancelledLate, CancelOutcome::Late))
            }
            (SessionStatus::Scheduled, CancelReason::CustomerRequest) => {
                Ok((SessionStatus::Cancelled, CancelOutcome::Free))
            }
            (SessionStatus::Scheduled, _) => {
                Ok((SessionStatus::ToReschedule, CancelOutcome::ToReschedule))
            }
            (SessionStatus::ToReschedule, _) => Ok((SessionStatus::Cancelled, CancelOutcome::Free)),
            _ => self.refuse("be cancelled", "session_not_scheduled"),
        }
    }

    /// The customer did not show up; only once the session has started.
    pub fn no_show(
        self,
        starts_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<SessionStatus, SessionTransitionError> {
        match self {
            SessionStatus::Scheduled if now >= starts_at => Ok(SessionStatus::NoShow),
            SessionStatus::Scheduled => {
                self.refuse("be marked no-show before it starts", "session_not_started")
            }
            _ => self.refuse("be marked no-show", "session_not_scheduled"),
        }
    }

    /// Delivery.
    pub fn deliver(self) -> Result<SessionStatus, SessionTransitionError> {
        match self {
            SessionStatus::Scheduled => Ok(SessionStatus::Delivered),
            _ => self.refuse("be delivered", "session_not_scheduled"),
        }
    }

    /// Acceptance (explicit before the deadline, or automatic at it).
    pub fn accept(
        self,
        now: DateTime<Utc>,
        acceptance_due: DateTime<Utc>,
    ) -> Result<SessionStatus, SessionTransitionError> {
        match self {
            SessionStatus::Delivered if acceptance_window_open(acceptance_due, now) => {
                Ok(SessionStatus::Accepted)
            }
            SessionStatus::Delivered => {
                self.refuse("be accepted after its deadline", "acceptance_window_closed")
            }
            SessionStatus::Accepted => self.refuse("be accepted again", "already_accepted"),
            _ => self.refuse("be accepted", "session_not_delivered"),
        }
    }

    /// A complaint, before the acceptance deadline.
    pub fn complain(
        self,
        now: DateTime<Utc>,
        acceptance_due: DateTime<Utc>,
    ) -> Result<SessionStatus, SessionTransitionError> {
        match self {
            SessionStatus::Delivered if acceptance_window_open(acceptance_due, now) => {
                Ok(SessionStatus::Disputed)
            }
            SessionStatus::Delivered | SessionStatus::Accepted => self.refuse(
                "be complained about after acceptance",
                "complaint_window_closed",
            ),
            SessionStatus::Disputed | SessionStatus::Resolved => {
                self.refuse("take a second complaint", "complaint_exists")
            }
            _ => self.refuse("be complained about", "session_not_delivered"),
        }
    }

    /// The SOC manager's decision on a complaint.
    pub fn decide(self) -> Result<SessionStatus, SessionTransitionError> {
        match self {
            SessionStatus::Disputed => Ok(SessionStatus::Resolved),
            SessionStatus::Resolved => self.refuse("be decided twice", "already_decided"),
            _ => self.refuse("be decided", "no_complaint"),
        }
    }

    /// The evaluation form can be sent once the session was delivered.
    pub fn can_be_evaluated(self) -> Result<(), SessionTransitionError> {
        match self {
            SessionStatus::Delivered
            | SessionStatus::Accepted
            | SessionStatus::Disputed
            | SessionStatus::Resolved => Ok(()),
            _ => self.refuse("be evaluated", "session_not_delivered"),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0)
            .single()
            .unwrap_or_default()
            + Duration::hours(h)
    }

    #[test]
    fn cancellations() {
        use CancelReason::*;
        use SessionStatus::*;
        assert_eq!(
            Scheduled.cancel(CustomerRequest, false),
            Ok((Cancelled, CancelOutcome::Free))
        );
        assert_eq!(
            Scheduled.cancel(CustomerRequest, true),
            Ok((CancelledLate, CancelOutcome::Late))
        );
        assert_eq!(
            Scheduled.cancel(ForceMajeure, true),
            Ok((ToReschedule, CancelOutcome::ToReschedule))
        );
        assert_eq!(
            Scheduled.cancel(Soc, false),
            Ok((ToReschedule, CancelOutcome::ToReschedule))
        );
        assert_eq!(
            ToReschedule.cancel(CustomerRequest, true),
            Ok((Cancelled, CancelOutcome::Free))
        );
        assert_eq!(ToReschedule.reschedule(), Ok(Scheduled));
        assert_eq!(
            Delivered.cancel(Soc, false).map_err(|e| e.code),
            Err("session_not_scheduled")
        );
    }

    #[test]
    fn acceptance_and_complaints_respect_the_deadline() {
        use SessionStatus::*;
        let due = t(48);
        assert_eq!(Delivered.accept(t(47), due), Ok(Accepted));
        assert_eq!(
            Delivered.accept(due, due).map_err(|e| e.code),
            Err("acceptance_window_closed")
        );
        assert_eq!(
            Delivered.complain(due - Duration::seconds(1), due),
            Ok(Disputed)
        );
        assert_eq!(
            Delivered.complain(due, due).map_err(|e| e.code),
            Err("complaint_window_closed")
        );
        assert_eq!(
            Accepted.complain(t(1), due).map_err(|e| e.code),
            Err("complaint_window_closed")
        );
        assert_eq!(Disputed.decide(), Ok(Resolved));
        assert_eq!(
            Resolved.decide().map_err(|e| e.code),
            Err("already_decided")
        );
        assert_eq!(Delivered.decide().map_err(|e| e.code), Err("no_complaint"));
    }

    #[test]
    fn no_show_only_after_start() {
        assert_eq!(
            SessionStatus::Scheduled.no_show(t(10), t(10)),
            Ok(SessionStatus::NoShow)
        );
        assert_eq!(
            SessionStatus::Scheduled
                .no_show(t(10), t(9))
                .map_err(|e| e.code),
            Err("session_not_started")
        );
    }

    #[test]
    fn every_state_round_trips_and_final_states_refuse_everything() {
        for &s in SessionStatus::ALL {
            assert_eq!(SessionStatus::parse(s.as_str()), Some(s));
            if s.is_final() {
                assert!(s.deliver().is_err() && s.reschedule().is_err() && s.decide().is_err());
                assert!(s.cancel(CancelReason::Soc, false).is_err());
            }
        }
    }
}
