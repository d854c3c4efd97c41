//! SecureHands requests (SPEC §5): their kinds and channels, the two SLA clocks that
//! start at receipt, and the request lifecycle
//! `open → responded | declined | redirected`.

use chrono::{DateTime, Utc};

use super::calendar::BusinessCalendar;
use super::deadline::{business_days_after, business_hours_after};
use super::sla::{SlaState, outcome};
use crate::spelled_enum;

/// Business hours from receipt to the initial response.
pub const INITIAL_RESPONSE_HOURS: u32 = 8;
/// Business days from receipt to the SoW.
pub const SOW_DAYS: u32 = 2;

spelled_enum! {
    /// What the customer asks the SOC for.
    pub enum RequestKind {
        /// A remote technician.
        RemoteTechnician = "remote_technician",
        /// Carrying out a change.
        ChangeExecution = "change_execution",
        /// An update or upgrade.
        UpdateUpgrade = "update_upgrade",
        /// A baseline assessment.
        BaselineAssessment = "baseline_assessment",
        /// Anything else agreed case by case.
        Custom = "custom",
        /// Training.
        Training = "training",
    }
}

spelled_enum! {
    /// How the request arrived.
    pub enum Channel {
        /// By telephone.
        Phone = "phone",
        /// By e-mail.
        Email = "email",
        /// Through the customer portal.
        Portal = "portal",
    }
}

spelled_enum! {
    /// Where a request stands.
    pub enum RequestStatus {
        /// Logged, not answered yet.
        Open = "open",
        /// Answered (or a SoW was submitted for it).
        Responded = "responded",
        /// Declined: the skills are unavailable.
        Declined = "declined",
        /// Redirected to professional services.
        Redirected = "redirected",
    }
}

/// A request's two deadlines, both counted from its receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestClocks {
    /// Initial response due.
    pub initial_response_due: DateTime<Utc>,
    /// SoW due.
    pub sow_due: DateTime<Utc>,
}

/// The SLA deadlines of a request received at `received_at`.
pub fn clocks(cal: &BusinessCalendar, received_at: DateTime<Utc>) -> RequestClocks {
    RequestClocks {
        initial_response_due: business_hours_after(cal, received_at, INITIAL_RESPONSE_HOURS),
        sow_due: business_days_after(cal, received_at, SOW_DAYS),
    }
}

/// A refused request transition.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the request is already {0}")]
pub struct RequestNotOpen(pub RequestStatus);

impl RequestNotOpen {
    /// The stable code clients branch on.
    pub const CODE: &'static str = "request_not_open";
}

impl RequestStatus {
    /// Answering, declining or redirecting: only an open request.
    pub fn answer(self, to: RequestStatus) -> Result<RequestStatus, RequestNotOpen> {
        match self {
            RequestStatus::Open => Ok(to),
            other => Err(RequestNotOpen(other)),
        }
    }

    /// A SoW may answer a request unless it was declined or redirected.
    pub fn accepts_sow(self) -> bool {
        !matches!(self, RequestStatus::Declined | RequestStatus::Redirected)
    }

    /// A SoW submitted for the request counts as a response when none was given.
    pub fn on_sow_delivered(self) -> RequestStatus {
        match self {
            RequestStatus::Open => RequestStatus::Responded,
            other => other,
        }
    }
}

/// The initial-response target once the first answer is given at `at` (a target
/// already marked breached stays breached).
pub fn response_sla(current: SlaState, due: DateTime<Utc>, at: DateTime<Utc>) -> SlaState {
    match current {
        SlaState::Breached => SlaState::Breached,
        _ => outcome(due, at),
    }
}

/// The SoW-delivery target once the request closes without a SoW: nothing is expected
/// any more, unless it was already decided.
pub fn sow_sla_on_close(current: SlaState) -> SlaState {
    match current {
        SlaState::Pending => SlaState::NotApplicable,
        other => other,
    }
}

/// The SoW-delivery target once a SoW is submitted at `at`.
pub fn sow_sla_on_delivery(current: SlaState, due: DateTime<Utc>, at: DateTime<Utc>) -> SlaState {
    match current {
        SlaState::Pending => outcome(due, at),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_open_requests_are_answered() {
        assert_eq!(
            RequestStatus::Open.answer(RequestStatus::Declined),
            Ok(RequestStatus::Declined)
        );
        for s in [
            RequestStatus::Responded,
            RequestStatus::Declined,
            RequestStatus::Redirected,
        ] {
            assert_eq!(s.answer(RequestStatus::Responded), Err(RequestNotOpen(s)));
        }
        assert_eq!(
            RequestStatus::Declined.on_sow_delivered(),
            RequestStatus::Declined
        );
        assert_eq!(
            RequestStatus::Open.on_sow_delivered(),
            RequestStatus::Responded
        );
    }

    #[test]
    fn spellings_round_trip() {
        for k in RequestKind::ALL {
            assert_eq!(RequestKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Channel::choices(), "phone, email or portal");
        assert_eq!(RequestKind::parse("other"), None);
    }

    #[test]
    fn a_closed_request_expects_no_sow() {
        assert_eq!(sow_sla_on_close(SlaState::Pending), SlaState::NotApplicable);
        assert_eq!(sow_sla_on_close(SlaState::Breached), SlaState::Breached);
    }
}
