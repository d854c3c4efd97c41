//! Telling people (SPEC §11): the mail outbox written with each change, mail
//! templates in English and French, SMTP sending, signed webhooks, and the sender
//! that delivers both in the background on every replica.
//!
//! Which mail an event causes and to whom is decided in
//! [`crate::domain::notification`]; this module records, renders and delivers.

pub mod guard;
pub mod invite;
pub mod mail;
pub mod outbox;
pub mod outcomes;
pub mod smtp;
pub mod templates;
pub mod webhooks;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

/// Mails in flight at once per sender (each on an SMTP connection of its own): each
/// waits for the server most of its time, so a backlog drains several at a time.
pub const MAILS_AT_ONCE: usize = 8;

/// Webhook chains (endpoint and customer) sent at once per sender. Each waits for its
/// receiver most of its time, and receivers are many and separate, so more go at once
/// than mails, which all go to one relay.
pub const CHAINS_AT_ONCE: usize = 16;

/// What the sender needs from configuration.
#[derive(Clone, Debug, Default)]
pub struct NotifySettings {
    /// `smtp://…` or `smtps://…`; `None`: mails are recorded as `not_configured`.
    pub smtp_url: Option<String>,
    /// Sender address.
    pub mail_from: String,
    /// Account managers' addresses.
    pub account_managers: Vec<String>,
    /// SOC addresses.
    pub soc: Vec<String>,
    /// Admin addresses.
    pub admins: Vec<String>,
    /// Base of links in mails.
    pub public_url: Arc<str>,
    /// Pause between runs of the sender; `None`: this replica runs no sender.
    pub interval: Option<Duration>,
    /// Where webhooks may go.
    pub guard: guard::WebhookGuard,
}

impl NotifySettings {
    /// From the service settings.
    pub fn from_settings(s: &crate::config::Settings) -> NotifySettings {
        let clean = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect()
        };
        NotifySettings {
            smtp_url: s.smtp_url.clone().filter(|u| !u.trim().is_empty()),
            mail_from: s.mail_from.clone(),
            account_managers: clean(&s.notify_account_managers),
            soc: clean(&s.notify_soc),
            admins: clean(&s.notify_admins),
            public_url: Arc::from(s.public_url.trim_end_matches('/')),
            interval: (s.notify_interval_ms > 0)
                .then(|| Duration::from_millis(s.notify_interval_ms)),
            guard: guard::WebhookGuard::new(&s.webhook_allow_cidrs),
        }
    }
}
