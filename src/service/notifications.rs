//! The mail outbox as people read it: `GET /v1/notifications`.

use super::{Ctx, ServiceError};
use crate::domain::access::Action;
use crate::domain::ids::CustomerId;
use crate::domain::notification::NotificationStatus;
use crate::dto::notify::{MailAttempt, Notification, NotificationQuery};
use crate::dto::{Page, PageQuery};
use crate::storage::db::Tx;
use crate::storage::events;
use crate::storage::notifications::{self as store, AttemptRow, NotificationRow};

/// `GET /v1/notifications?customer_id=&status=`: mails with their attempts.
pub async fn list(
    tx: &mut Tx,
    ctx: &Ctx,
    q: NotificationQuery,
) -> Result<Page<Notification>, ServiceError> {
    ctx.require(Action::ReadNotifications)?;
    let asked = q.customer_id.as_deref().map(CustomerId::from);
    let customer = ctx.list_scope(asked.as_ref())?;
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(NotificationStatus::parse(s).ok_or_else(|| {
            ServiceError::invalid(
                "status",
                format!("must be one of {}", NotificationStatus::listed()),
            )
        })?),
    };
    let page = PageQuery {
        limit: q.limit,
        after: q.after,
    };
    let limit = page.limit()?;
    let rows = store::list(
        tx,
        customer.as_ref(),
        status,
        page.after.as_deref(),
        i64::from(limit) + 1,
    )
    .await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let attempts = store::attempts_of(tx, &ids).await?;
    let event_ids: Vec<i64> = rows.iter().filter_map(|r| r.event_id).collect();
    let positions = events::positions(tx, &event_ids).await?;
    super::paginate(
        rows,
        limit,
        |r| r.id.clone(),
        |r| {
            let seq = r.event_id.and_then(|id| positions.get(&id).copied());
            Ok(view(r, seq, &attempts))
        },
    )
}

fn view(row: NotificationRow, event_seq: Option<i64>, attempts: &[AttemptRow]) -> Notification {
    let pending = row.status == NotificationStatus::Pending;
    Notification {
        attempts: attempts
            .iter()
            .filter(|a| a.notification_id == row.id)
            .map(|a| MailAttempt {
                attempt: a.attempt,
                at: a.at,
                outcome: a.outcome.clone(),
                error: a.error.clone(),
            })
            .collect(),
        id: row.id,
        customer_id: row.customer_id.map(|c| c.into_string()),
        kind: row.kind.as_str().to_string(),
        event_seq,
        audience: row.audience.as_str().to_string(),
        recipients: row.recipients,
        language: row.language.as_str().to_string(),
        status: row.status.as_str().to_string(),
        subject: row.subject,
        created_at: row.created_at,
        next_attempt_at: pending.then_some(row.next_attempt_at),
        sent_at: row.sent_at,
        last_error: row.last_error,
    }
}

/// A mail that no domain event sends (a key created or rolled, a sign-in link, the
/// monthly digest), recorded in the outbox in the change's transaction.
pub struct DirectMail<'a> {
    /// Which mail.
    pub kind: crate::domain::notification::MailKind,
    /// Who gets it.
    pub audience: crate::domain::notification::Audience,
    /// The customer concerned.
    pub customer_id: Option<crate::domain::ids::CustomerId>,
    /// Addresses (empty: addressed when sent, from the audience).
    pub recipients: Vec<String>,
    /// Its language.
    pub language: crate::domain::notification::Language,
    /// What the template reads.
    pub data: &'a serde_json::Value,
}

/// Records a [`DirectMail`].
pub async fn record_mail(
    tx: &mut crate::storage::db::Tx,
    now: chrono::DateTime<chrono::Utc>,
    mail: DirectMail<'_>,
) -> Result<(), ServiceError> {
    use crate::storage::notifications::{self, NotificationRow};
    let row = NotificationRow::pending(
        mail.kind,
        mail.audience,
        mail.customer_id,
        None,
        mail.recipients,
        mail.language,
        mail.data.to_string(),
        now,
    );
    notifications::insert(tx, &row).await?;
    Ok(())
}
