//! SQL for the mail outbox, its attempts, and the time-driven alerts already raised.

use chrono::{DateTime, Utc};

use super::db::{Backend, StoreResult, Tx};
use super::feed::NewId;
use super::sql::{Backlog, Count, Sql, insert_statement};
use crate::domain::ids::CustomerId;
use crate::domain::notification::{Audience, Language, MailKind, NotificationStatus};
use crate::stored_row;

stored_row! {
    /// One mail of the outbox.
    #[derive(Clone, Debug)]
    pub struct NotificationRow {
        /// Id (`ntf_…`).
        pub id: String,
        /// Customer concerned.
        pub customer_id: Option<CustomerId>,
        /// Id of the domain event that caused it.
        pub event_id: Option<i64>,
        /// Which mail.
        pub kind: MailKind,
        /// Who it is for.
        pub audience: Audience,
        /// Addresses (resolved from configuration at sending time for staff).
        pub recipients: Vec<String>,
        /// Language of the mail.
        pub language: Language,
        /// The facts the template renders (JSON).
        pub data: String,
        /// Where it stands.
        pub status: NotificationStatus,
        /// Attempts so far.
        pub attempts: i64,
        /// When it is due (next).
        pub next_attempt_at: DateTime<Utc>,
        /// A sender holds it until then.
        pub claimed_until: Option<DateTime<Utc>>,
        /// Subject, once rendered.
        pub subject: Option<String>,
        /// Last failure.
        pub last_error: Option<String>,
        /// Recorded (in the transaction of its cause).
        pub created_at: DateTime<Utc>,
        /// Accepted by the SMTP server.
        pub sent_at: Option<DateTime<Utc>>,
    }
}

stored_row! {
    /// One attempt to send a mail.
    #[derive(Clone, Debug)]
    pub struct AttemptRow {
        /// The mail.
        pub notification_id: String,
        /// 1, 2, …
        pub attempt: i64,
        /// When.
        pub at: DateTime<Utc>,
        /// `sent`, `error`, `not_configured`.
        pub outcome: String,
        /// What went wrong.
        pub error: Option<String>,
    }
}

impl NotificationRow {
    /// A mail waiting for its first attempt, due at once.
    #[allow(clippy::too_many_arguments)]
    pub fn pending(
        kind: MailKind,
        audience: Audience,
        customer_id: Option<CustomerId>,
        event_id: Option<i64>,
        recipients: Vec<String>,
        language: Language,
        data: String,
        now: DateTime<Utc>,
    ) -> NotificationRow {
        NotificationRow {
            id: format!("ntf_{}", uuid::Uuid::now_v7().simple()),
            customer_id,
            event_id,
            kind,
            audience,
            recipients,
            language,
            data,
            status: NotificationStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            claimed_until: None,
            subject: None,
            last_error: None,
            created_at: now,
            sent_at: None,
        }
    }
}

const COLUMNS: &str = NotificationRow::COLUMNS;

/// Records a mail (in the transaction of the change that causes it).
pub async fn insert(tx: &mut Tx, n: &NotificationRow) -> StoreResult<()> {
    tx.defer(
        None,
        n.bind_all(Sql::new(insert_statement("notifications", COLUMNS))),
    )
    .await
}

/// Records the mail an event being appended causes: its `event_id` is the event's new
/// id, resolved in the statement that inserts both ([`super::feed::NewId`]).
pub async fn insert_for_event(tx: &mut Tx, n: &NotificationRow, event: &NewId) -> StoreResult<()> {
    let mut sql = n.bind_all(Sql::new(""));
    let event_sql = event.expr(&mut sql);
    let values: Vec<String> = COLUMNS
        .split(", ")
        .enumerate()
        .map(|(i, column)| match column {
            "event_id" => format!("COALESCE(${}, {event_sql})", i + 1),
            _ => format!("${}", i + 1),
        })
        .collect();
    sql.push_sql(&format!(
        "INSERT INTO notifications ({COLUMNS}) VALUES ({})",
        values.join(", ")
    ));
    tx.defer(None, sql).await
}

/// How many mails a sender holds a live claim on at `now` (being sent right now).
pub async fn claimed_count(tx: &mut Tx, wall_now: DateTime<Utc>) -> StoreResult<i64> {
    let row: Count = tx
        .fetch_one(
            Sql::new(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM notifications \
                 WHERE status = $1 AND claimed_until IS NOT NULL AND claimed_until >= $2",
            )
            .bind(NotificationStatus::Pending)
            .bind(wall_now),
        )
        .await?;
    Ok(row.n)
}

/// The mails still to send (sent or given up are not counted), for the metrics.
pub async fn backlog(tx: &mut Tx) -> StoreResult<Backlog> {
    tx.fetch_one(
        Sql::new(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, MIN(created_at) AS oldest FROM notifications \
             WHERE status = $1",
        )
        .bind(NotificationStatus::Pending),
    )
    .await
}

/// Claims up to `limit` mails due at `now` until `until`: each is taken by one sender
/// only (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single writer elsewhere), and a
/// claim that outlives a crashed sender expires. Claims are on the wall clock
/// (`wall_now`, `until`): they are about senders being alive, and a test clock moved
/// ahead must not expire a claim a sender still holds.
pub async fn claim_due(
    tx: &mut Tx,
    now: DateTime<Utc>,
    wall_now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<NotificationRow>> {
    let skip = match tx.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE notifications SET claimed_until = $3 WHERE id IN (SELECT id FROM notifications \
         WHERE status = $1 AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until < $5) \
         ORDER BY next_attempt_at, id LIMIT $4{skip}) RETURNING {COLUMNS}"
    );
    tx.fetch_all(
        Sql::new(sql)
            .bind(NotificationStatus::Pending)
            .bind(now)
            .bind(until)
            .bind(limit)
            .bind(wall_now),
    )
    .await
}

/// Writes the outcome of an attempt: the mail's new state and the attempt itself.
pub async fn record_attempt(
    tx: &mut Tx,
    n: &NotificationRow,
    attempt: &AttemptRow,
) -> StoreResult<()> {
    tx.defer(
        Some(format!("notifications:{}", n.id)),
        Sql::new(
            "UPDATE notifications SET status = $2, attempts = $3, next_attempt_at = $4, \
             claimed_until = NULL, subject = $5, last_error = $6, sent_at = $7, recipients = $8 \
             WHERE id = $1",
        )
        .bind(n.id.as_str())
        .bind(n.status)
        .bind(n.attempts)
        .bind(n.next_attempt_at)
        .bind(&n.subject)
        .bind(&n.last_error)
        .bind(n.sent_at)
        .bind(&n.recipients),
    )
    .await?;
    tx.defer(
        None,
        attempt.bind_all(Sql::new(insert_statement(
            "notification_attempts",
            AttemptRow::COLUMNS,
        ))),
    )
    .await?;
    Ok(())
}

/// A page of mails in id order, filtered by customer and status.
pub async fn list(
    tx: &mut Tx,
    customer_id: Option<&CustomerId>,
    status: Option<NotificationStatus>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<NotificationRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM notifications WHERE ($1 IS NULL OR customer_id = $1) \
             AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4"
        ))
        .bind(customer_id)
        .bind(status)
        .bind(after)
        .bind(limit),
    )
    .await
}

/// Hands claimed mails back (a sender stopping before it got to them), so another
/// sender may take them at once rather than when the claim expires.
pub async fn release(tx: &mut Tx, ids: &[String]) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new("UPDATE notifications SET claimed_until = NULL WHERE id IN ");
    sql.push_list(ids.iter().map(|id| id.as_str()));
    tx.execute(sql).await?;
    Ok(())
}

/// The attempts of some mails, in order.
pub async fn attempts_of(tx: &mut Tx, ids: &[String]) -> StoreResult<Vec<AttemptRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(format!(
        "SELECT {} FROM notification_attempts WHERE notification_id IN ",
        AttemptRow::COLUMNS
    ));
    sql.push_list(ids.iter().map(|id| id.as_str()));
    sql.push_sql(" ORDER BY notification_id, attempt");
    tx.fetch_all(sql).await
}

/// Records that the alert `key` was raised; false when it already was (so each
/// time-driven alert is raised exactly once, whoever runs the job loop).
pub async fn mark_alert(
    tx: &mut Tx,
    key: &str,
    customer_id: &CustomerId,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    let n = tx
        .execute(
            Sql::new(
                "INSERT INTO alerts_sent (alert_key, customer_id, at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(key)
            .bind(customer_id)
            .bind(at),
        )
        .await?;
    Ok(n == 1)
}
