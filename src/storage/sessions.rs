//! SQL for sessions.

use chrono::{DateTime, Utc};

use super::db::{StoreResult, Tx};
use super::sql::{Sql, insert_statement, update_statement};
use crate::domain::ids::{CustomerId, SessionId, SowId};
use crate::domain::session::{Acceptance, CancelReason, SessionStatus};
use crate::domain::sla::SlaState;
use crate::domain::units::Units;
use crate::stored_row;

mod by_sow;
mod context;

pub use by_sow::{SessionLoad, loads_of_sow, of_sow};
pub use context::{Also, SessionContext, context};

stored_row! {
    /// A session row.
    #[derive(Clone, Debug)]
    pub struct SessionRow {
        /// Session id.
        pub id: SessionId,
        /// SoW.
        pub sow_id: SowId,
        /// Customer.
        pub customer_id: CustomerId,
        /// Where it stands.
        pub status: SessionStatus,
        /// Planned start.
        pub starts_at: DateTime<Utc>,
        /// Planned end.
        pub ends_at: DateTime<Utc>,
        /// When the customer asked for it.
        pub requested_at: DateTime<Utc>,
        /// When it was booked.
        pub scheduled_at: DateTime<Utc>,
        /// Scheduling target.
        pub scheduling_due: DateTime<Utc>,
        /// Scheduling target outcome.
        pub scheduling_sla: SlaState,
        /// Price on the planned times.
        pub estimated_units: Units,
        /// Cancellation reason.
        pub cancel_reason: Option<CancelReason>,
        /// Cancellation instant.
        pub cancelled_at: Option<DateTime<Utc>>,
        /// Actual start.
        pub actual_start: Option<DateTime<Utc>>,
        /// Actual end.
        pub actual_end: Option<DateTime<Utc>>,
        /// Delivery notes.
        pub notes: Option<String>,
        /// Actual duration.
        pub duration_minutes: Option<i64>,
        /// Billable hours.
        pub billable_hours: Option<i64>,
        /// Units charged.
        pub units_debited: Option<Units>,
        /// Completion statement issued.
        pub delivered_at: Option<DateTime<Utc>>,
        /// Acceptance deadline.
        pub acceptance_due: Option<DateTime<Utc>>,
        /// Accepted.
        pub accepted_at: Option<DateTime<Utc>>,
        /// How it was accepted.
        pub acceptance: Option<Acceptance>,
        /// Evaluation rating (1–5).
        pub rating: Option<i64>,
        /// Evaluation comment.
        pub evaluation_comment: Option<String>,
        /// Evaluated.
        pub evaluated_at: Option<DateTime<Utc>>,
        /// Complaint reason.
        pub complaint_reason: Option<String>,
        /// Complaint received.
        pub complaint_at: Option<DateTime<Utc>>,
        /// Review deadline.
        pub review_due: Option<DateTime<Utc>>,
        /// Review target outcome.
        pub review_sla: Option<SlaState>,
        /// Units reversed by the decision.
        pub decision_units: Option<Units>,
        /// Decision reason.
        pub decision_reason: Option<String>,
        /// Decided.
        pub decided_at: Option<DateTime<Utc>>,
        /// Decided by.
        pub decided_by: Option<String>,
        /// Who accepted it (the customer, or the service after the deadline).
        pub accepted_by: Option<crate::domain::identity::Actor>,
        /// Who complained.
        pub complaint_by: Option<crate::domain::identity::Actor>,
        /// Who decided the complaint.
        pub decision_by: Option<crate::domain::identity::Actor>,
        /// Who evaluated it.
        pub evaluated_by: Option<crate::domain::identity::Actor>,
        /// Scheduled by.
        pub created_by: String,
        /// Last change.
        pub updated_at: DateTime<Utc>,
        /// When the customer is reminded of the open acceptance window.
        pub acceptance_reminder_at: Option<DateTime<Utc>>,
        /// When that reminder was raised.
        pub reminded_at: Option<DateTime<Utc>>,
        /// The iCalendar `SEQUENCE` of its calendar entry (0 when scheduled).
        pub calendar_sequence: i64,
    }
}

stored_row! {
    /// A session whose acceptance deadline has passed.
    #[derive(Clone, Debug)]
    pub struct DueSession {
        /// Session id.
        pub id: SessionId,
        /// Its customer.
        pub customer_id: CustomerId,
    }
}

stored_row! {
    /// A pending complaint review: its deadline and target.
    #[derive(Clone, Debug)]
    pub struct PendingReview {
        /// Session id.
        pub id: SessionId,
        /// Review deadline.
        pub review_due: DateTime<Utc>,
        /// Review target.
        pub review_sla: SlaState,
    }
}

const COLUMNS: &str = SessionRow::COLUMNS;

/// Inserts a session.
pub async fn insert(tx: &mut Tx, s: &SessionRow) -> StoreResult<()> {
    let sql = Sql::new(insert_statement("sessions", COLUMNS));
    tx.execute(s.bind_all(sql)).await?;
    Ok(())
}

/// Writes every column back.
pub async fn update(tx: &mut Tx, s: &SessionRow) -> StoreResult<()> {
    let sql = Sql::new(update_statement("sessions", COLUMNS));
    tx.defer(Some(format!("sessions:{}", s.id)), s.bind_all(sql))
        .await
}

/// One session.
pub async fn get(tx: &mut Tx, id: &SessionId) -> StoreResult<Option<SessionRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM sessions WHERE id = $1")).bind(id))
        .await
}

/// Delivered sessions whose acceptance deadline is at or before `at`.
pub async fn delivered_due_by(
    tx: &mut Tx,
    at: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<DueSession>> {
    tx.fetch_all(
        Sql::new(
            "SELECT id, customer_id FROM sessions WHERE status = $1 AND acceptance_due <= $2 \
             ORDER BY acceptance_due, id LIMIT $3",
        )
        .bind(SessionStatus::Delivered)
        .bind(at)
        .bind(limit),
    )
    .await
}

/// Delivered sessions whose acceptance reminder is due at or before `at` and was not
/// raised yet.
pub async fn reminders_due_by(
    tx: &mut Tx,
    at: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<DueSession>> {
    tx.fetch_all(
        Sql::new(
            "SELECT id, customer_id FROM sessions WHERE status = $1 AND reminded_at IS NULL \
             AND acceptance_reminder_at <= $2 ORDER BY acceptance_reminder_at, id LIMIT $3",
        )
        .bind(SessionStatus::Delivered)
        .bind(at)
        .bind(limit),
    )
    .await
}

/// Customers with a review in `state` whose deadline is before `before`.
pub async fn customers_with_reviews_due_before(
    tx: &mut Tx,
    state: SlaState,
    before: DateTime<Utc>,
) -> StoreResult<Vec<CustomerId>> {
    let rows: Vec<(String,)> = tx
        .fetch_all(
            Sql::new(
                "SELECT DISTINCT customer_id FROM sessions WHERE review_sla = $1 AND review_due < $2",
            )
            .bind(state)
            .bind(before),
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(c,)| CustomerId::from_raw(c))
        .collect())
}

/// One customer's reviews in `state` whose deadline is before `before`.
pub async fn reviews_due_before(
    tx: &mut Tx,
    customer_id: &CustomerId,
    state: SlaState,
    before: DateTime<Utc>,
) -> StoreResult<Vec<PendingReview>> {
    tx.fetch_all(
        Sql::new(
            "SELECT id, review_due, review_sla FROM sessions WHERE customer_id = $1 \
             AND review_sla = $2 AND review_due < $3 ORDER BY id",
        )
        .bind(customer_id)
        .bind(state)
        .bind(before),
    )
    .await
}

/// Sets the review target of one session.
pub async fn set_review_sla(tx: &mut Tx, id: &SessionId, state: SlaState) -> StoreResult<()> {
    tx.execute(
        Sql::new("UPDATE sessions SET review_sla = $2 WHERE id = $1")
            .bind(id)
            .bind(state),
    )
    .await?;
    Ok(())
}

/// Sessions requested in `[from, to)`: `(scheduling due, scheduled at)`.
pub async fn scheduling_window(
    tx: &mut Tx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<SchedulingTarget>> {
    tx.fetch_all(
        Sql::new("SELECT scheduling_due, scheduled_at FROM sessions WHERE requested_at >= $1 AND requested_at < $2")
            .bind(from)
            .bind(to),
    )
    .await
}

stored_row! {
    /// The scheduling target of one session.
    #[derive(Clone, Debug)]
    pub struct SchedulingTarget {
        /// Deadline.
        pub scheduling_due: DateTime<Utc>,
        /// When it was booked.
        pub scheduled_at: DateTime<Utc>,
    }
}

stored_row! {
    /// The review target of one complaint.
    #[derive(Clone, Debug)]
    pub struct ReviewTarget {
        /// Deadline.
        pub review_due: DateTime<Utc>,
        /// When it was decided.
        pub decided_at: Option<DateTime<Utc>>,
    }
}

/// Complaints received in `[from, to)`.
pub async fn review_window(
    tx: &mut Tx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<ReviewTarget>> {
    tx.fetch_all(
        Sql::new(
            "SELECT review_due, decided_at FROM sessions WHERE complaint_at IS NOT NULL \
             AND complaint_at >= $1 AND complaint_at < $2",
        )
        .bind(from)
        .bind(to),
    )
    .await
}

/// Sessions starting in `[from, to)`, optionally of one customer, by start.
pub async fn starting_between(
    tx: &mut Tx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    customer_id: Option<&CustomerId>,
    limit: i64,
) -> StoreResult<Vec<SessionRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM sessions WHERE starts_at >= $1 AND starts_at < $2 \
             AND ($3 IS NULL OR customer_id = $3) ORDER BY starts_at, id LIMIT $4"
        ))
        .bind(from)
        .bind(to)
        .bind(customer_id)
        .bind(limit),
    )
    .await
}

/// Sessions in `status`, optionally of one customer, oldest change first.
pub async fn in_status(
    tx: &mut Tx,
    status: SessionStatus,
    customer_id: Option<&CustomerId>,
    limit: i64,
) -> StoreResult<Vec<SessionRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM sessions WHERE status = $1 AND ($2 IS NULL OR customer_id = $2) \
             ORDER BY updated_at, id LIMIT $3"
        ))
        .bind(status)
        .bind(customer_id)
        .bind(limit),
    )
    .await
}

stored_row! {
    /// A scheduled session with what its calendar entry shows.
    #[derive(Clone, Debug)]
    pub struct CalendarEntryRow {
        /// Session id.
        pub id: SessionId,
        /// Its customer.
        pub customer_id: CustomerId,
        /// The customer's name.
        pub customer_name: String,
        /// The customer's IANA zone.
        pub timezone: String,
        /// The SoW's title.
        pub sow_title: String,
        /// Its SoW.
        pub sow_id: SowId,
        /// Scheduled start.
        pub starts_at: DateTime<Utc>,
        /// Scheduled end.
        pub ends_at: DateTime<Utc>,
        /// The entry's `SEQUENCE`.
        pub calendar_sequence: i64,
        /// Last change (the entry's `DTSTAMP`).
        pub updated_at: DateTime<Utc>,
    }
}

/// Scheduled sessions ending at or after `since`, optionally of one customer, by start.
pub async fn calendar_entries(
    tx: &mut Tx,
    since: DateTime<Utc>,
    customer_id: Option<&CustomerId>,
    limit: i64,
) -> StoreResult<Vec<CalendarEntryRow>> {
    tx.fetch_all(
        Sql::new(
            "SELECT s.id, s.customer_id, c.name AS customer_name, k.timezone, \
             w.title AS sow_title, s.sow_id, s.starts_at, s.ends_at, s.calendar_sequence, \
             s.updated_at \
             FROM sessions s JOIN customers c ON c.id = s.customer_id \
             JOIN calendars k ON k.id = c.calendar_id JOIN sows w ON w.id = s.sow_id \
             WHERE s.status = $1 AND s.ends_at >= $2 AND ($3 IS NULL OR s.customer_id = $3) \
             ORDER BY s.starts_at, s.id LIMIT $4",
        )
        .bind(SessionStatus::Scheduled)
        .bind(since)
        .bind(customer_id)
        .bind(limit),
    )
    .await
}
