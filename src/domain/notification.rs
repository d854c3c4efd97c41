//! Who is told what (SPEC §11): customer contacts, the mails each domain event sends
//! and to whom, the time-driven alerts, and how long delivery is retried.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::units::Units;
use crate::spelled_enum;

spelled_enum! {
    /// A contact's language: mails are written in it.
    pub enum Language {
        /// English.
        En = "en",
        /// French.
        Fr = "fr",
        /// German (service description §3.11.1: "in French or German on request").
        De = "de",
    }
}

spelled_enum! {
    /// What a customer contact is told about.
    pub enum ContactRole {
        /// SoWs, completion statements, acceptance.
        Approver = "approver",
        /// Packs, quotes, statements, expiries.
        Finance = "finance",
        /// Sessions (times, cancellations).
        Technical = "technical",
    }
}

/// A person at the customer who receives mails.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Display name.
    pub name: String,
    /// E-mail address (checked when the contact is recorded).
    pub email: String,
    /// Language of the mails (`en` or `fr`).
    pub language: String,
    /// Roles (`approver`, `finance`, `technical`).
    pub roles: Vec<String>,
}

impl Contact {
    /// True when the contact has `role`.
    pub fn has(&self, role: ContactRole) -> bool {
        self.roles.iter().any(|r| r == role.as_str())
    }

    /// The contact's language (English when unknown).
    pub fn language(&self) -> Language {
        Language::parse(&self.language).unwrap_or(Language::En)
    }
}

spelled_enum! {
    /// A group of recipients of a mail.
    pub enum Audience {
        /// The customer's approvers.
        Approvers = "approvers",
        /// The customer's finance contacts.
        Finance = "finance",
        /// The customer's technical contacts.
        Technical = "technical",
        /// The provider's account managers (from configuration).
        AccountManagers = "account_managers",
        /// The SOC (from configuration).
        Soc = "soc",
        /// The service's admins (from configuration, and staff who signed in with the
        /// admin role).
        Admins = "admins",
        /// One person, addressed when the mail is recorded (a sign-in link).
        Person = "person",
    }
}

impl Audience {
    /// The contact role this audience is made of (`None` for staff audiences).
    pub fn contact_role(self) -> Option<ContactRole> {
        match self {
            Audience::Approvers => Some(ContactRole::Approver),
            Audience::Finance => Some(ContactRole::Finance),
            Audience::Technical => Some(ContactRole::Technical),
            Audience::AccountManagers | Audience::Soc | Audience::Admins | Audience::Person => None,
        }
    }
}

spelled_enum! {
    /// The mails of SPEC §11.
    pub enum MailKind {
        /// A SoW waits for the customer's approval.
        SowSubmitted = "sow_submitted",
        /// A SoW is approved and its units are reserved.
        SowApproved = "sow_approved",
        /// An approved SoW waits for units (with a quote for the shortfall).
        SowAwaitingUnits = "sow_awaiting_units",
        /// A session was booked.
        SessionScheduled = "session_scheduled",
        /// A session got new times.
        SessionRescheduled = "session_rescheduled",
        /// A session was cancelled (late or not).
        SessionCancelled = "session_cancelled",
        /// A session was delivered: the completion statement.
        SessionDelivered = "session_delivered",
        /// The acceptance deadline is one business day away.
        AcceptanceReminder = "acceptance_reminder",
        /// A complaint arrived.
        ComplaintReceived = "complaint_received",
        /// A complaint was decided.
        ComplaintDecided = "complaint_decided",
        /// A top-up quote was issued.
        QuoteIssued = "quote_issued",
        /// A quote's order deadline is 7 days away.
        QuoteDueSoon = "quote_due_soon",
        /// A quote lapsed unordered.
        QuoteLapsed = "quote_lapsed",
        /// Units of a pack expire in 90 or 30 days.
        UnitsExpiring = "units_expiring",
        /// Available units fell below the customer's threshold.
        BalanceLow = "balance_low",
        /// An API key was created.
        ApiKeyCreated = "api_key_created",
        /// An API key was rolled.
        ApiKeyRolled = "api_key_rolled",
        /// A contact asked for a sign-in link.
        SignInLink = "sign_in_link",
        /// The monthly digest of units no SoW covers.
        UncoveredUnits = "uncovered_units",
        /// A baseline assessment report was issued.
        ReportIssued = "report_issued",
    }
}

impl MailKind {
    /// The mail a domain event of the feed sends, if any.
    pub fn for_event(event: &str) -> Option<MailKind> {
        Some(match event {
            "sow_submitted" => MailKind::SowSubmitted,
            "sow_activated" => MailKind::SowApproved,
            "sow_awaiting_units" => MailKind::SowAwaitingUnits,
            "session_scheduled" => MailKind::SessionScheduled,
            "session_rescheduled" => MailKind::SessionRescheduled,
            "session_cancelled" => MailKind::SessionCancelled,
            "session_delivered" => MailKind::SessionDelivered,
            "acceptance_reminder" => MailKind::AcceptanceReminder,
            "complaint_received" => MailKind::ComplaintReceived,
            "complaint_decided" => MailKind::ComplaintDecided,
            "quote_raised" => MailKind::QuoteIssued,
            "quote_due_soon" => MailKind::QuoteDueSoon,
            "quote_lapsed" => MailKind::QuoteLapsed,
            "units_expiring" => MailKind::UnitsExpiring,
            "balance_low" => MailKind::BalanceLow,
            "report_issued" => MailKind::ReportIssued,
            _ => return None,
        })
    }

    /// Who receives it (the "to" column of SPEC §11).
    pub fn audiences(self) -> &'static [Audience] {
        use Audience::*;
        match self {
            MailKind::SowSubmitted => &[Approvers],
            MailKind::SowApproved | MailKind::SowAwaitingUnits => &[AccountManagers, Approvers],
            MailKind::SessionScheduled
            | MailKind::SessionRescheduled
            | MailKind::SessionCancelled
            | MailKind::ReportIssued => &[Approvers, Technical],
            MailKind::SessionDelivered | MailKind::AcceptanceReminder => &[Approvers],
            MailKind::ComplaintReceived => &[Soc],
            MailKind::ComplaintDecided => &[Approvers],
            MailKind::QuoteIssued | MailKind::QuoteDueSoon | MailKind::QuoteLapsed => {
                &[Finance, AccountManagers]
            }
            MailKind::UnitsExpiring | MailKind::BalanceLow => &[AccountManagers, Finance],
            MailKind::ApiKeyCreated | MailKind::ApiKeyRolled => &[Admins],
            MailKind::SignInLink => &[Person],
            MailKind::UncoveredUnits => &[AccountManagers],
        }
    }
}

/// Days before a lot's expiry at which its units are announced, once each.
pub const EXPIRY_WARNING_DAYS: [u32; 2] = [90, 30];
/// Days before a quote's order deadline at which it is announced.
pub const QUOTE_DUE_SOON_DAYS: u32 = 7;

/// The once-only key of an expiry warning `days` before a lot's expiry (the lot id
/// follows the prefix).
pub fn expiry_alert_prefix(days: u32) -> String {
    format!("units_expiring:{days}:")
}

/// The once-only key prefix of a quote's due-soon warning.
pub const QUOTE_DUE_SOON_PREFIX: &str = "quote_due_soon:";

/// The expiry warning `days` before is moot when a nearer one is also reached (a pack
/// sold close to its expiry, or the loop catching up after downtime): only the nearest
/// is announced.
pub fn expiry_warning_superseded(days: u32, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    EXPIRY_WARNING_DAYS
        .iter()
        .any(|d| *d < days && expires_at <= now + Duration::days(i64::from(*d)))
}

/// When the first expiry warning of a lot expiring at `expires_at` is due (possibly
/// already, for a pack sold close to its expiry).
pub fn first_expiry_warning(expires_at: DateTime<Utc>) -> DateTime<Utc> {
    let widest = EXPIRY_WARNING_DAYS.iter().copied().max().unwrap_or(0);
    expires_at - Duration::days(i64::from(widest))
}

/// When the next expiry warning of a lot expiring at `expires_at` becomes due, after
/// the ones reached by `now` were handled (`now` before any: the first one), or `None`
/// when none is left. Stored on the lot, so the job loop finds due warnings through an
/// index instead of re-reading every lot inside the widest window on every tick.
pub fn next_expiry_warning(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    EXPIRY_WARNING_DAYS
        .iter()
        .map(|d| expires_at - Duration::days(i64::from(*d)))
        .filter(|at| *at > now)
        .min()
}

/// The warnings (days before expiry) a lot expiring at `expires_at` has reached at
/// `now`, widest first.
pub fn expiry_warnings_reached(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Vec<u32> {
    EXPIRY_WARNING_DAYS
        .iter()
        .copied()
        .filter(|d| expires_at - Duration::days(i64::from(*d)) <= now)
        .collect()
}

/// True when a change takes `available` from at or above the customer's
/// `threshold` to below it (a threshold of zero is off).
pub fn balance_fell_below(threshold: Units, before: Units, after: Units) -> bool {
    threshold.is_positive() && before >= threshold && after < threshold
}

spelled_enum! {
    /// Where a mail stands.
    pub enum NotificationStatus {
        /// Waiting to be sent (or retried).
        Pending = "pending",
        /// Accepted by the SMTP server.
        Sent = "sent",
        /// Retried for 24 hours without success.
        Failed = "failed",
        /// No SMTP server is configured: recorded, not sent.
        NotConfigured = "not_configured",
    }
}

/// How long a mail is retried after it was recorded.
pub const MAIL_RETRY_WINDOW: Duration = Duration::hours(24);
/// How long a webhook delivery is retried after it was created.
pub const WEBHOOK_RETRY_WINDOW: Duration = Duration::days(3);
/// How long a webhook receiver has to answer.
pub const WEBHOOK_TIMEOUT_SECS: u64 = 10;

/// When to try a mail again after `attempts` failed attempts (exponential: 30 s,
/// 1 min, 2 min, … capped at one hour), or `None` once the retry window is over.
pub fn next_mail_attempt(
    created_at: DateTime<Utc>,
    attempts: u32,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let delay = backoff(attempts, Duration::seconds(30), Duration::hours(1));
    let at = now + delay;
    (at <= created_at + MAIL_RETRY_WINDOW).then_some(at)
}

/// When to try a webhook delivery again after `attempts` failed attempts: exponential
/// from 10 s up to 6 hours, plus `jitter` (0.0–1.0) of the delay so that receivers
/// coming back are not hit all at once; `None` once three days have passed.
pub fn next_webhook_attempt(
    created_at: DateTime<Utc>,
    attempts: u32,
    jitter: f64,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let delay = backoff(attempts, Duration::seconds(10), Duration::hours(6));
    let extra = (delay.num_milliseconds() as f64 * jitter.clamp(0.0, 1.0)) as i64;
    let at = now + delay + Duration::milliseconds(extra);
    (at <= created_at + WEBHOOK_RETRY_WINDOW).then_some(at)
}

fn backoff(attempts: u32, base: Duration, cap: Duration) -> Duration {
    let factor = 1i64 << attempts.saturating_sub(1).min(20);
    (base * factor as i32).min(cap)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn every_mail_reaches_someone_and_every_event_maps_once() {
        for kind in MailKind::ALL {
            assert!(!kind.audiences().is_empty(), "{kind}");
        }
        assert_eq!(
            MailKind::for_event("sow_activated"),
            Some(MailKind::SowApproved)
        );
        assert_eq!(
            MailKind::for_event("quote_raised"),
            Some(MailKind::QuoteIssued)
        );
        assert_eq!(MailKind::for_event("pack_sold"), None);
    }

    #[test]
    fn mails_are_retried_for_a_day_with_growing_delays() {
        let created = t0();
        assert_eq!(
            next_mail_attempt(created, 1, created),
            Some(created + Duration::seconds(30))
        );
        assert_eq!(
            next_mail_attempt(created, 3, created),
            Some(created + Duration::minutes(2))
        );
        assert_eq!(
            next_mail_attempt(created, 30, created + Duration::hours(2)),
            Some(created + Duration::hours(3))
        );
        assert_eq!(
            next_mail_attempt(
                created,
                30,
                created + Duration::hours(23) + Duration::minutes(30)
            ),
            None
        );
    }

    #[test]
    fn webhooks_back_off_with_jitter_for_three_days() {
        let created = t0();
        let first = next_webhook_attempt(created, 1, 0.0, created);
        assert_eq!(first, Some(created + Duration::seconds(10)));
        let jittered = next_webhook_attempt(created, 1, 0.5, created);
        assert_eq!(jittered, Some(created + Duration::seconds(15)));
        assert_eq!(
            next_webhook_attempt(created, 40, 0.0, created + Duration::days(3)),
            None
        );
    }

    #[test]
    fn only_the_nearest_expiry_warning_is_announced() {
        let now = t0();
        assert!(!expiry_warning_superseded(
            90,
            now + Duration::days(60),
            now
        ));
        assert!(expiry_warning_superseded(90, now + Duration::days(20), now));
        assert!(!expiry_warning_superseded(
            30,
            now + Duration::days(20),
            now
        ));
    }

    #[test]
    fn low_balance_fires_when_crossing_only() {
        let u = Units::whole;
        assert!(balance_fell_below(u(5), u(5), u(4)));
        assert!(!balance_fell_below(u(5), u(4), u(3)));
        assert!(!balance_fell_below(Units::ZERO, u(4), u(-3)));
    }

    #[test]
    fn expiry_warnings_are_due_at_90_then_30_days_then_never() {
        let expires = t0() + Duration::days(200);
        let at90 = expires - Duration::days(90);
        let at30 = expires - Duration::days(30);
        assert_eq!(next_expiry_warning(expires, t0()), Some(at90));
        assert_eq!(expiry_warnings_reached(expires, t0()), Vec::<u32>::new());
        assert_eq!(next_expiry_warning(expires, at90), Some(at30));
        assert_eq!(expiry_warnings_reached(expires, at90), vec![90]);
        assert_eq!(next_expiry_warning(expires, at30), None);
        assert_eq!(expiry_warnings_reached(expires, at30), vec![90, 30]);
        // A pack sold 10 days before its expiry: both reached at once, none left.
        let close = t0() + Duration::days(10);
        assert_eq!(expiry_warnings_reached(close, t0()), vec![90, 30]);
        assert_eq!(next_expiry_warning(close, t0()), None);
    }

    proptest::proptest! {
        #[test]
        fn the_next_warning_is_always_later_and_never_skips_one(
            days_left in -400i64..800, minutes in 0i64..1440,
        ) {
            let now = t0() + Duration::minutes(minutes);
            let expires = t0() + Duration::days(days_left);
            if let Some(next) = next_expiry_warning(expires, now) {
                proptest::prop_assert!(next > now);
                // Nothing is reached between now and the next one that was not before.
                let reached_now = expiry_warnings_reached(expires, now);
                let just_before = expiry_warnings_reached(expires, next - Duration::microseconds(1));
                proptest::prop_assert_eq!(reached_now, just_before);
                proptest::prop_assert!(
                    expiry_warnings_reached(expires, next).len()
                        > expiry_warnings_reached(expires, now).len()
                );
            } else {
                proptest::prop_assert_eq!(expiry_warnings_reached(expires, now).len(), EXPIRY_WARNING_DAYS.len());
            }
        }
    }
}
