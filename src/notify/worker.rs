//! The sender: on every replica, in a loop, fans new events out to webhook endpoints,
//! sends the mails that are due and delivers the webhooks that are due. Each mail and
//! each delivery is claimed by one sender at a time; a claim left by a crashed sender
//! expires, so nothing recorded is lost.

use std::sync::Arc;

use chrono::DateTime;
use chrono::Utc;

use super::invite::calendar_part;
use super::mail::Mailer;
use super::outcomes::Outcomes;
use super::templates::{MailContext, render};
use super::webhooks;
use super::{MAILS_AT_ONCE, NotifySettings};
use crate::clock::Clock;
use crate::domain::notification::{Audience, NotificationStatus, next_mail_attempt};
use crate::fan_out::in_order_per_key;
use crate::storage::db::{Db, StoreResult};
use crate::storage::notifications::{self, AttemptRow, NotificationRow};

/// Mails a pass claims at most: under load a pass's fixed costs (the claim, a
/// connection) are shared by many mails.
const MAIL_BATCH: i64 = 200;

/// A pass starts no mail after this long, half a claim's lease: at a slow relay the
/// rest goes back before the claim expires (another sender would send it again).
const MAIL_PASS_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);

/// What a sender's loop sends.
#[derive(Clone, Copy, Debug)]
enum Channel {
    Mail,
    Webhooks,
}

/// The background sender of one replica.
#[derive(Clone)]
pub struct Worker {
    db: Db,
    clock: Clock,
    settings: NotifySettings,
    mailer: Option<Mailer>,
    http: reqwest::Client,
    /// Turns true when the replica stops: the sender finishes the mail or delivery in
    /// hand and hands the rest of its claims back.
    stop: Option<tokio::sync::watch::Receiver<bool>>,
}

impl Worker {
    /// Builds the sender; a bad SMTP configuration is reported here, at start.
    pub fn new(db: Db, clock: Clock, settings: NotifySettings) -> Result<Worker, String> {
        let mailer = match &settings.smtp_url {
            Some(url) => Some(Mailer::new(url, &settings.mail_from).map_err(|e| e.to_string())?),
            None => None,
        };
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(settings.guard.clone()))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Worker {
            db,
            clock,
            settings,
            mailer,
            http,
            stop: None,
        })
    }

    /// Runs until shutdown (at once returns when this replica runs no sender).
    pub async fn run(mut self, shutdown: tokio::sync::watch::Receiver<bool>) {
        let Some(interval) = self.settings.interval else {
            return;
        };
        self.stop = Some(shutdown.clone());
        // Mails and webhooks go out side by side: a slow mail server never holds the
        // webhooks back, nor a slow receiver the mails.
        tokio::join!(
            self.keep_sending(Channel::Mail, interval, shutdown.clone()),
            self.keep_sending(Channel::Webhooks, interval, shutdown),
        );
    }

    /// One channel's loop. A pass that found work is followed at once by the next (a
    /// backlog drains at the sender's pace, not one batch per interval); an idle pass
    /// waits for the interval.
    async fn keep_sending(
        &self,
        channel: Channel,
        interval: std::time::Duration,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            let done = match channel {
                Channel::Mail => self.send_mails().await,
                Channel::Webhooks => self.fan_out_and_deliver().await,
            };
            let busy = match done {
                Ok(done) => done > 0,
                Err(e) => {
                    tracing::warn!(error = %e, ?channel, "notification sender failed; will retry");
                    false
                }
            };
            if busy && !self.stopping() {
                tokio::task::yield_now().await;
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => break,
            }
        }
    }

    /// New events fanned out to the endpoints, then the deliveries that are due.
    async fn fan_out_and_deliver(&self) -> StoreResult<usize> {
        let fanned = webhooks::fan_out(&self.db, self.clock.now()).await?;
        let delivered = webhooks::deliver_due(
            &self.db,
            &self.clock,
            &self.http,
            &self.settings.guard,
            &|| self.stopping(),
        )
        .await?;
        Ok(fanned + delivered)
    }

    /// One pass: fan-out, mails, webhooks; returns how much it did (deliveries created,
    /// mails and webhooks attempted).
    pub async fn run_once(&self) -> StoreResult<usize> {
        let mailed = self.send_mails().await?;
        Ok(mailed + self.fan_out_and_deliver().await?)
    }

    /// Runs passes until one finds nothing to do while no other sender (the
    /// background loop of this or another replica) holds a claim: then everything due
    /// at the clock's "now" has been attempted, and what is not yet due waits. Returns
    /// false if that did not happen before `deadline`. Lets a caller assert that
    /// nothing more is sent without sleeping and hoping.
    pub async fn run_until_idle(&self, deadline: std::time::Duration) -> StoreResult<bool> {
        let until = tokio::time::Instant::now() + deadline;
        while tokio::time::Instant::now() < until {
            if self.run_once().await? == 0 && self.claimed().await? == 0 {
                return Ok(true);
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        Ok(false)
    }

    fn stopping(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| *s.borrow() || s.has_changed().is_err())
    }

    /// Mails and deliveries some sender is working on right now.
    async fn claimed(&self) -> StoreResult<i64> {
        let wall_now = Utc::now();
        let mut tx = self.db.begin_read().await?;
        let mails = notifications::claimed_count(&mut tx, wall_now).await?;
        let hooks = crate::storage::webhooks::claimed_count(&mut tx, wall_now).await?;
        tx.commit().await?;
        Ok(mails + hooks)
    }

    async fn send_mails(&self) -> StoreResult<usize> {
        let now = self.clock.now();
        // Claims are on the wall clock (see `claim_due`).
        let wall_now = Utc::now();
        let lease = lease_expiry(wall_now);
        let started = std::time::Instant::now();
        let mut tx = self.db.begin_write().await?;
        let claimed = notifications::claim_due(&mut tx, now, wall_now, lease, MAIL_BATCH).await?;
        tx.commit().await?;
        let claimed_count = claimed.len();
        // One customer's mails leave in the order they were written (an invitation
        // before its update); different customers' at once.
        let outcomes = Outcomes::default();
        let sent: StoreResult<Vec<NotificationRow>> = in_order_per_key(
            claimed,
            |n| n.customer_id.clone(),
            MAILS_AT_ONCE,
            &|| self.stopping() || started.elapsed() >= MAIL_PASS_BUDGET,
            |n| {
                let outcomes = &outcomes;
                async move {
                    let outcome = self.send_one(n).await?;
                    if let Some(full) = outcomes.add(outcome) {
                        self.write_outcomes(&full).await?;
                    }
                    Ok(())
                }
            },
        )
        .await;
        // What went out is written down even when the pass stopped on an error.
        self.write_outcomes(&outcomes.take()).await?;
        let rest = sent?;
        let sent = claimed_count - rest.len();
        if !rest.is_empty() {
            // The rest goes back to other replicas now, not when the claim expires.
            let rest: Vec<String> = rest.into_iter().map(|n| n.id).collect();
            let mut tx = self.db.begin_write().await?;
            notifications::release(&mut tx, &rest).await?;
            tx.commit().await?;
        }
        Ok(sent)
    }

    async fn write_outcomes(&self, batch: &[(NotificationRow, AttemptRow)]) -> StoreResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin_write().await?;
        for (n, attempt) in batch {
            notifications::record_attempt(&mut tx, n, attempt).await?;
        }
        tx.commit().await
    }

    /// Renders and sends one mail; returns it as it now stands, with the attempt.
    async fn send_one(&self, mut n: NotificationRow) -> StoreResult<(NotificationRow, AttemptRow)> {
        if n.recipients.is_empty() {
            n.recipients = match n.audience {
                Audience::AccountManagers => self.settings.account_managers.clone(),
                Audience::Soc => self.settings.soc.clone(),
                Audience::Admins => {
                    let mut to = self.settings.admins.clone();
                    let mut tx = self.db.begin_read().await?;
                    for email in crate::storage::identity::users::admin_emails(&mut tx).await? {
                        if !to.iter().any(|a| a.eq_ignore_ascii_case(&email)) {
                            to.push(email);
                        }
                    }
                    tx.commit().await?;
                    to
                }
                _ => Vec::new(),
            };
        }
        let data: serde_json::Value = serde_json::from_str(&n.data).unwrap_or_default();
        let text = |k: &str| data[k].as_str().unwrap_or_default().to_string();
        let link = format!("{}{}", self.settings.public_url, link_path(&data));
        let rendered = render(&MailContext {
            kind: n.kind,
            language: n.language,
            name: &text("name"),
            customer: &text("customer"),
            timezone: &text("timezone"),
            link: &link,
            data: &data["facts"],
        });
        let outcome = match (&rendered, &self.mailer) {
            (Err(e), _) => Err(format!("template: {e:#}")),
            (Ok(_), _) if n.recipients.is_empty() => Ok("no_recipient"),
            (Ok(_), None) => Ok("not_configured"),
            (Ok(mail), Some(mailer)) => mailer
                .send(
                    &n.recipients,
                    &n.id,
                    mail,
                    calendar_part(
                        n.kind,
                        &data,
                        &mail.text,
                        &mailer.from_address(),
                        &n.recipients,
                    )
                    .as_ref(),
                )
                .await
                .map(|()| "sent")
                .map_err(|e| e.to_string()),
        };
        if let Ok(mail) = &rendered {
            n.subject = Some(mail.subject.clone());
        }
        let now = self.clock.now();
        n.attempts += 1;
        let error = match outcome {
            Ok("sent") => {
                n.status = NotificationStatus::Sent;
                n.sent_at = Some(now);
                n.last_error = None;
                None
            }
            Ok(why) => {
                n.status = NotificationStatus::NotConfigured;
                n.last_error = Some(why.to_string());
                None
            }
            Err(e) => {
                n.last_error = Some(e.clone());
                match next_mail_attempt(n.created_at, n.attempts as u32, now) {
                    Some(at) => n.next_attempt_at = at,
                    None => n.status = NotificationStatus::Failed,
                }
                Some(e)
            }
        };
        let attempt = AttemptRow {
            notification_id: n.id.clone(),
            attempt: n.attempts,
            at: now,
            outcome: match (&error, n.status) {
                (Some(_), _) => "error".to_string(),
                (None, status) => status.as_str().to_string(),
            },
            error,
        };
        Ok((n, attempt))
    }
}

/// Where a mail's link points: the resource the event is about.
fn link_path(data: &serde_json::Value) -> String {
    let facts = &data["facts"];
    let id = |k: &str| facts[k].as_str().map(str::to_string);
    if let Some(path) = id("link_path") {
        path
    } else if let Some(s) = id("session_id") {
        format!("/v1/sessions/{s}")
    } else if let Some(s) = id("sow_id") {
        format!("/v1/sows/{s}")
    } else if let Some(q) = id("quote_id") {
        format!("/v1/quotes/{q}")
    } else {
        "/v1/ledger".to_string()
    }
}

/// The instant a claimed message expires (for operators reading the table).
pub fn lease_expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::minutes(2)
}
