//! Sending a rendered mail over SMTP (lettre, tokio, rustls).

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use std::sync::Arc;

use super::invite::CalendarPart;
use super::smtp::Direct;
use super::templates::Rendered;

/// Connections to the configured server: kept open between mails, `TCP_NODELAY` for
/// `smtp://` ([`Direct`]), lettre's pool for `smtps://`.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    direct: Option<Arc<Direct>>,
    from: Mailbox,
}

/// Why a mail could not be handed to the SMTP server.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The configuration cannot work (bad URL or sender).
    #[error("mail configuration: {0}")]
    Config(String),
    /// The message could not be built (bad recipient address).
    #[error("message: {0}")]
    Message(String),
    /// The server refused or could not be reached.
    #[error("smtp: {0}")]
    Smtp(String),
}

impl Mailer {
    /// Builds the transport from `smtp://…` / `smtps://…` and the sender address.
    pub fn new(url: &str, from: &str) -> Result<Mailer, MailError> {
        let timeout = std::time::Duration::from_secs(20);
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Config(e.to_string()))?
            .timeout(Some(timeout))
            .build();
        let direct = Direct::from_url(url, timeout)
            .map_err(MailError::Config)?
            .map(Arc::new);
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| MailError::Config(format!("SECUREHANDS_MAIL_FROM: {e}")))?;
        Ok(Mailer {
            transport,
            direct,
            from,
        })
    }

    /// The sender's address, the organizer of calendar invitations.
    pub fn from_address(&self) -> String {
        self.from.email.to_string()
    }

    /// Sends one mail to `to`; `message_id` is stable across retries so receivers can
    /// recognise a duplicate. A calendar part goes beside the text and HTML, the way
    /// calendar clients expect an invitation (iMIP, RFC 6047).
    pub async fn send(
        &self,
        to: &[String],
        message_id: &str,
        mail: &Rendered,
        calendar: Option<&CalendarPart>,
    ) -> Result<(), MailError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{message_id}@securehands>")));
        for address in to {
            let mailbox = address
                .parse::<Mailbox>()
                .map_err(|e| MailError::Message(format!("{address}: {e}")))?;
            builder = builder.to(mailbox);
        }
        let mut body = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
        if let Some(part) = calendar {
            let kind = ContentType::parse(&format!(
                "text/calendar; charset=utf-8; method={}",
                part.method.as_str()
            ))
            .map_err(|e| MailError::Message(e.to_string()))?;
            body = body.singlepart(SinglePart::builder().header(kind).body(part.text.clone()));
        }
        let message = builder
            .multipart(body)
            .map_err(|e| MailError::Message(e.to_string()))?;
        match &self.direct {
            Some(direct) => direct
                .send(message.envelope(), &message.formatted())
                .await
                .map_err(MailError::Smtp),
            None => self
                .transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Smtp(e.to_string())),
        }
    }
}
