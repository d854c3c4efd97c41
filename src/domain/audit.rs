//! What the audit log records (SPEC §13): every change, sign-in, failed sign-in,
//! sign-out, key and person lifecycle event, as dotted `<resource>.<past tense>` names.

use crate::spelled_enum;

spelled_enum! {
    /// An audited action.
    pub enum AuditAction {
        /// A calendar was created or replaced.
        CalendarSaved = "calendar.saved",
        /// A holiday was added.
        HolidayAdded = "calendar.holiday_added",
        /// A holiday was removed.
        HolidayRemoved = "calendar.holiday_removed",
        /// A customer was created.
        CustomerCreated = "customer.created",
        /// A customer was changed.
        CustomerUpdated = "customer.updated",
        /// A pack was sold.
        PackSold = "pack.sold",
        /// A quote was raised by hand.
        QuoteRaised = "quote.raised",
        /// A quote was cancelled.
        QuoteCancelled = "quote.cancelled",
        /// A request was logged.
        RequestLogged = "request.logged",
        /// A request was answered.
        RequestResponded = "request.responded",
        /// A request was declined.
        RequestDeclined = "request.declined",
        /// A request was redirected to professional services.
        RequestRedirected = "request.redirected",
        /// A SoW was drafted.
        SowDrafted = "sow.drafted",
        /// A draft was edited.
        SowEdited = "sow.edited",
        /// A SoW was submitted.
        SowSubmitted = "sow.submitted",
        /// A SoW was approved.
        SowApproved = "sow.approved",
        /// A SoW was rejected.
        SowRejected = "sow.rejected",
        /// A SoW was cancelled.
        SowCancelled = "sow.cancelled",
        /// A replacement SoW was drafted.
        SowSuperseded = "sow.superseded",
        /// A SoW was completed.
        SowCompleted = "sow.completed",
        /// A report draft was saved.
        ReportSaved = "report.saved",
        /// A report version was issued.
        ReportIssued = "report.issued",
        /// A session was scheduled.
        SessionScheduled = "session.scheduled",
        /// A session was rescheduled.
        SessionRescheduled = "session.rescheduled",
        /// A session was cancelled.
        SessionCancelled = "session.cancelled",
        /// A no-show was recorded.
        SessionNoShow = "session.no_show_recorded",
        /// A session was delivered.
        SessionDelivered = "session.delivered",
        /// A session was accepted.
        SessionAccepted = "session.accepted",
        /// A session was evaluated.
        SessionEvaluated = "session.evaluated",
        /// A complaint was received.
        ComplaintReceived = "complaint.received",
        /// A complaint was decided.
        ComplaintDecided = "complaint.decided",
        /// A webhook endpoint was registered.
        WebhookCreated = "webhook_endpoint.created",
        /// A webhook endpoint was removed.
        WebhookDeleted = "webhook_endpoint.deleted",
        /// A webhook delivery was sent again.
        WebhookRetried = "webhook_delivery.retried",
        /// An API key was created.
        ApiKeyCreated = "api_key.created",
        /// An API key was rolled.
        ApiKeyRolled = "api_key.rolled",
        /// An API key was revoked.
        ApiKeyRevoked = "api_key.revoked",
        /// A person signed in through the provider.
        UserSignedIn = "user.signed_in",
        /// A sign-in through the provider was refused.
        UserSignInFailed = "user.sign_in_failed",
        /// A person signed out.
        UserSignedOut = "user.signed_out",
        /// A person was disabled.
        UserDisabled = "user.disabled",
        /// A person was enabled again.
        UserEnabled = "user.enabled",
        /// A sign-in link was sent to a contact.
        ContactLinkSent = "contact.sign_in_link_sent",
        /// A contact signed in by link.
        ContactSignedIn = "contact.signed_in",
        /// A contact's sign-in was refused.
        ContactSignInFailed = "contact.sign_in_failed",
        /// A contact signed out.
        ContactSignedOut = "contact.signed_out",
        /// Someone signed in to the console with a pasted token.
        TokenSignedIn = "operator_token.signed_in",
        /// A console session signed in by token ended.
        TokenSignedOut = "operator_token.signed_out",
    }
}

impl AuditAction {
    /// The resource the action is about: what comes before the dot.
    pub fn resource_type(self) -> &'static str {
        self.as_str().split('.').next().unwrap_or("")
    }
}

impl AuditAction {
    /// For a sign-in attempt, how the person came in (`provider`, `link`, `token`) and
    /// whether it worked; `None` for anything else. Operators count sign-ins by it.
    pub fn sign_in(self) -> Option<(&'static str, bool)> {
        match self {
            AuditAction::UserSignedIn => Some(("provider", true)),
            AuditAction::UserSignInFailed => Some(("provider", false)),
            AuditAction::ContactSignedIn => Some(("link", true)),
            AuditAction::ContactSignInFailed => Some(("link", false)),
            AuditAction::TokenSignedIn => Some(("token", true)),
            _ => None,
        }
    }
}

/// How an audited attempt ended.
pub const SUCCEEDED: &str = "succeeded";
/// An attempt that was refused.
pub const FAILED: &str = "failed";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dotted_resource_and_past_tense() {
        for a in AuditAction::ALL {
            let (resource, verb) = a.as_str().split_once('.').expect("dotted");
            assert!(!resource.is_empty() && !verb.is_empty(), "{a:?}");
            assert_eq!(a.resource_type(), resource);
            assert_eq!(AuditAction::parse(a.as_str()), Some(*a));
        }
    }
}
