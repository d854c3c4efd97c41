//! Mail texts, one template per mail and language (English and French), compiled into
//! the binary. A template has a `subject` and a `text` block; the HTML alternative is
//! the same lines in one escaped layout. Instants are shown in the customer's time zone
//! (`local`) and in UTC (`utc`).

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use minijinja::{Environment, Error, ErrorKind, context};

use crate::domain::notification::{Language, MailKind};

/// A rendered mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML alternative.
    pub html: String,
}

/// What a template is rendered with.
pub struct MailContext<'a> {
    /// Which mail.
    pub kind: MailKind,
    /// In which language.
    pub language: Language,
    /// The recipient's name (or a generic greeting for staff).
    pub name: &'a str,
    /// The customer's name.
    pub customer: &'a str,
    /// The customer's IANA time zone.
    pub timezone: &'a str,
    /// Where to act.
    pub link: &'a str,
    /// The event's facts.
    pub data: &'a serde_json::Value,
}

macro_rules! templates {
    ($($lang:literal / $kind:literal),* $(,)?) => {
        &[$((concat!($lang, "/", $kind), include_str!(concat!("templates/", $lang, "/", $kind, ".j2")))),*]
    };
}

const SOURCES: &[(&str, &str)] = templates!(
    "en" / "sow_submitted",
    "fr" / "sow_submitted",
    "en" / "sow_approved",
    "fr" / "sow_approved",
    "en" / "sow_awaiting_units",
    "fr" / "sow_awaiting_units",
    "en" / "session_scheduled",
    "fr" / "session_scheduled",
    "en" / "session_rescheduled",
    "fr" / "session_rescheduled",
    "en" / "session_cancelled",
    "fr" / "session_cancelled",
    "en" / "session_delivered",
    "fr" / "session_delivered",
    "en" / "acceptance_reminder",
    "fr" / "acceptance_reminder",
    "en" / "complaint_received",
    "fr" / "complaint_received",
    "en" / "complaint_decided",
    "fr" / "complaint_decided",
    "en" / "quote_issued",
    "fr" / "quote_issued",
    "en" / "quote_due_soon",
    "fr" / "quote_due_soon",
    "en" / "quote_lapsed",
    "fr" / "quote_lapsed",
    "en" / "units_expiring",
    "fr" / "units_expiring",
    "en" / "balance_low",
    "fr" / "balance_low",
    "en" / "api_key_created",
    "fr" / "api_key_created",
    "en" / "api_key_rolled",
    "fr" / "api_key_rolled",
    "en" / "sign_in_link",
    "fr" / "sign_in_link",
    "en" / "uncovered_units",
    "en" / "report_issued",
    "fr" / "report_issued",
    "fr" / "uncovered_units",
);

const LAYOUT: &str = include_str!("templates/layout.html");

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in SOURCES {
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "mail template does not compile");
            }
        }
        if let Err(e) = env.add_template("layout.html", LAYOUT) {
            tracing::error!(error = %e, "mail layout does not compile");
        }
        env.add_filter("local", local);
        env.add_filter("utc", utc);
        env
    })
}

fn instant(value: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("not an instant: {e}")))
}

/// `{{ t|local(tz, lang) }}`: the instant in the customer's zone, the way each
/// language writes it.
fn local(value: String, tz: String, lang: String) -> Result<String, Error> {
    let zone: Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let at = instant(&value)?.with_timezone(&zone);
    Ok(match lang.as_str() {
        "fr" => format!("{} ({tz})", at.format("%d/%m/%Y à %H:%M")),
        _ => format!("{} ({tz})", at.format("%Y-%m-%d %H:%M")),
    })
}

/// `{{ t|utc }}`: the instant in UTC.
fn utc(value: String) -> Result<String, Error> {
    Ok(instant(&value)?.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// Renders a mail.
pub fn render(ctx: &MailContext<'_>) -> Result<Rendered, Error> {
    let env = environment();
    let name = format!("{}/{}", ctx.language.as_str(), ctx.kind.as_str());
    let template = env.get_template(&name)?;
    let mut captured = template.render_captured(context! {
        d => ctx.data,
        name => ctx.name,
        customer => ctx.customer,
        tz => ctx.timezone,
        lang => ctx.language.as_str(),
        link => ctx.link,
    })?;
    let (subject, text) = captured.with_state_mut(|state| {
        Ok::<_, Error>((state.render_block("subject")?, state.render_block("text")?))
    })?;
    let subject = subject.trim().to_string();
    let text = text.trim().to_string() + "\n";
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let html = env.get_template("layout.html")?.render(context! {
        lang => ctx.language.as_str(),
        subject => &subject,
        lines => lines,
    })?;
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn data() -> serde_json::Value {
        let mut d = base_data();
        d["standard_hours"] = json!({"from": "08:00", "to": "18:00"});
        d["acceptance_days"] = json!(5);
        d["findings"] = json!(3);
        d["critical"] = json!(1);
        d["high"] = json!(0);
        d["supersedes"] = json!(1);
        d
    }

    fn base_data() -> serde_json::Value {
        json!({
            "session_id": "ses_1", "sow_id": "sow_1", "title": "Migration <firewall>",
            "revision": 1, "planned_units": "8.00", "reserves_units": "8.00",
            "reserved_units": "8.00", "missing_units": "2.00", "quote_id": "quo_1",
            "starts_at": "2026-12-08T09:00:00Z", "ends_at": "2026-12-08T11:00:00Z",
            "estimated_units": "2.00", "reason": "customer_request", "late": true,
            "units_debited": "2.00", "duration_minutes": 120, "billable_hours": 2,
            "units": "2.00", "balance_after": "18.00",
            "acceptance_due": "2026-12-10T23:00:00Z", "review_due": "2026-12-15T23:00:00Z",
            "reversed_units": "1.00", "order_due": "2026-12-31T08:00:00Z",
            "lot_id": "lot_1", "expires_at": "2027-12-01T23:00:00Z", "days": 30,
            "available": "3.00", "threshold": "5.00",
            "key_id": "key_1", "key_name": "ERP", "by": "Claire Martin", "at": "2026-12-01T08:00:00Z",
            "month": "2027-01",
            "customers": [
                {"customer_id": "cus_1", "customer_name": "Acme", "uncovered_units": "8.00",
                 "earliest_expiry": "2027-11-30T23:00:00Z", "last_sow_at": "2026-12-01T08:00:00Z"},
                {"customer_id": "cus_2", "customer_name": "Cyan", "uncovered_units": "4.00",
                 "earliest_expiry": "2027-05-31T22:00:00Z", "last_sow_at": null}
            ]
        })
    }

    #[test]
    fn every_mail_renders_in_both_languages() {
        let d = data();
        for kind in MailKind::ALL {
            for language in Language::ALL {
                let r = render(&MailContext {
                    kind: *kind,
                    language: *language,
                    name: "Claire",
                    customer: "Acme & Co",
                    timezone: "Europe/Paris",
                    link: "http://x/v1/sessions/ses_1",
                    data: &d,
                })
                .unwrap_or_else(|e| panic!("{kind} {language}: {e:#}"));
                assert!(r.subject.starts_with("[SecureHands]"), "{kind} {language}");
                assert!(!r.text.contains("{{"), "{kind} {language}");
                assert!(r.html.contains(&format!("lang=\"{language}\"")));
            }
        }
    }

    #[test]
    fn deadlines_show_local_time_and_utc_and_html_is_escaped() {
        let d = data();
        let r = render(&MailContext {
            kind: MailKind::SessionDelivered,
            language: Language::Fr,
            name: "Claire",
            customer: "Acme & Co",
            timezone: "Europe/Paris",
            link: "http://x",
            data: &d,
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
        assert!(
            r.text.contains("11/12/2026 à 00:00 (Europe/Paris)"),
            "{}",
            r.text
        );
        assert!(r.text.contains("2026-12-10 23:00 UTC"), "{}", r.text);
        assert!(r.text.contains("acceptée automatiquement"));
        assert!(r.html.contains("Acme &amp; Co"), "{}", r.html);
    }
}
