//! The calendar part of the session mails (SPEC §14): `session_scheduled` and
//! `…_rescheduled` carry an iTIP `REQUEST`, `…_cancelled` a `CANCEL`, for the same
//! entry (one `UID` per session, `SEQUENCE` from the change that caused the mail).

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use serde_json::Value;

use crate::domain::notification::MailKind;
use crate::invitations::{self, Method, Parties, SessionEntry};

/// A `text/calendar` part and the iTIP method its content type names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarPart {
    /// `REQUEST` or `CANCEL`.
    pub method: Method,
    /// The iCalendar text.
    pub text: String,
}

/// The calendar part of a mail, for the three session mails whose facts name the
/// session and its times; `None` for every other mail (or facts written before
/// invitations existed, which lack the sequence).
///
/// `envelope` is the mail's recorded data (`customer`, `timezone`, `occurred_at`,
/// `facts`); `body` the rendered text, used as the entry's description.
pub fn calendar_part(
    kind: MailKind,
    envelope: &Value,
    body: &str,
    from: &str,
    recipients: &[String],
) -> Option<CalendarPart> {
    let method = match kind {
        MailKind::SessionScheduled | MailKind::SessionRescheduled => Method::Request,
        MailKind::SessionCancelled => Method::Cancel,
        _ => return None,
    };
    let facts = &envelope["facts"];
    let instant = |v: &Value| {
        v.as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let entry = SessionEntry {
        session_id: facts["session_id"].as_str()?.to_string(),
        sequence: u32::try_from(facts["sequence"].as_u64()?).ok()?,
        starts_at: instant(&facts["starts_at"])?,
        ends_at: instant(&facts["ends_at"])?,
        tz: envelope["timezone"].as_str()?.parse().ok()?,
        summary: format!(
            "SecureHands: {}",
            envelope["customer"].as_str().unwrap_or_default()
        ),
        description: body.trim().to_string(),
        stamp: instant(&envelope["occurred_at"])?,
    };
    let organizer = from
        .parse::<Mailbox>()
        .map(|m| m.email.to_string())
        .unwrap_or_else(|_| from.to_string());
    let parties = Parties {
        organizer,
        attendees: recipients.to_vec(),
    };
    Some(CalendarPart {
        method,
        text: invitations::invitation(method, &parties, &entry),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn envelope(sequence: Value) -> Value {
        json!({
            "customer": "Acme", "timezone": "Europe/Paris",
            "occurred_at": "2026-12-01T08:00:00Z",
            "facts": {"session_id": "ses_1", "starts_at": "2026-12-08T09:00:00Z",
                      "ends_at": "2026-12-08T11:00:00Z", "sequence": sequence}
        })
    }

    #[test]
    fn session_mails_carry_the_entry_and_others_do_not() {
        let to = ["alice@example.com".to_string()];
        let part = calendar_part(
            MailKind::SessionCancelled,
            &envelope(json!(2)),
            "Cancelled.",
            "SecureHands <soc@example.com>",
            &to,
        );
        let part = part.expect("a cancellation has an entry");
        assert_eq!(part.method, Method::Cancel);
        assert!(
            part.text.contains("ORGANIZER:mailto:soc@example.com"),
            "{}",
            part.text
        );
        assert!(part.text.contains("SEQUENCE:2"), "{}", part.text);
        assert!(
            calendar_part(
                MailKind::SessionDelivered,
                &envelope(json!(0)),
                "",
                "a@b.c",
                &to
            )
            .is_none()
        );
        assert!(
            calendar_part(
                MailKind::SessionScheduled,
                &envelope(Value::Null),
                "",
                "a@b.c",
                &to
            )
            .is_none(),
            "facts without a sequence predate invitations"
        );
    }
}
