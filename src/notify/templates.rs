//! Mail texts: one template per mail, compiled into the binary, whose sentences are
//! Fluent messages in English, French and German ([`crate::i18n`]). A template has a
//! `subject` and a `text` block; the HTML alternative is the same lines in one escaped
//! layout. Instants are shown in the customer's time zone (`local`, `deadline`) and in
//! UTC (`utc`).

use std::sync::OnceLock;

use chrono_tz::Tz;
use minijinja::{Environment, Error, context};

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
    ($($kind:literal),* $(,)?) => {
        &[$(($kind, include_str!(concat!("templates/", $kind, ".j2")))),*]
    };
}

/// One template per mail, in no language: every sentence is a Fluent message
/// (`locales/<lang>/mail.ftl`) the template lays out with `t(…)`.
const SOURCES: &[(&str, &str)] = templates!(
    "sow_submitted",
    "sow_approved",
    "sow_awaiting_units",
    "session_scheduled",
    "session_rescheduled",
    "session_cancelled",
    "session_delivered",
    "acceptance_reminder",
    "complaint_received",
    "complaint_decided",
    "quote_issued",
    "quote_due_soon",
    "quote_lapsed",
    "units_expiring",
    "balance_low",
    "api_key_created",
    "api_key_rolled",
    "sign_in_link",
    "uncovered_units",
    "report_issued",
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
        crate::i18n::jinja::register(&mut env);
        env.add_filter("local", local);
        env
    })
}

/// `{{ t|local(tz) }}`: an instant in the customer's zone, the way the reader's
/// language writes it, followed by the zone.
fn local(state: &minijinja::State, value: minijinja::Value, tz: String) -> Result<String, Error> {
    let zone: Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let at = crate::i18n::jinja::instant(&value)?.with_timezone(&zone);
    Ok(format!(
        "{} ({tz})",
        crate::i18n::moment(crate::i18n::jinja::lang_of(state), at)
    ))
}

/// Renders a mail.
pub fn render(ctx: &MailContext<'_>) -> Result<Rendered, Error> {
    let env = environment();
    let template = env.get_template(ctx.kind.as_str())?;
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
    fn every_mail_renders_in_every_language() {
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
                // A message id in the output is a message missing from the language.
                assert!(
                    !r.subject.contains("mail-") && !r.text.contains("mail-"),
                    "{kind} {language}: {} / {}",
                    r.subject,
                    r.text
                );
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
            r.text
                .contains("jeudi 10 décembre 2026 (fin de journée, Europe/Paris)"),
            "{}",
            r.text
        );
        assert!(r.text.contains("2026-12-10 23:00 UTC"), "{}", r.text);
        assert!(r.text.contains("acceptée automatiquement"));
        assert!(r.html.contains("Acme &amp; Co"), "{}", r.html);
    }
}
