//! SQL for sessions.

use super::db::{Sql, StoreResult, Tx, insert_statement, update_statement};

/// A session row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    /// Session id.
    pub id: String,
    /// SoW.
    pub sow_id: String,
    /// Customer.
    pub customer_id: String,
    /// Status spelling.
    pub status: String,
    /// Planned start (µs).
    pub starts_at: i64,
    /// Planned end (µs).
    pub ends_at: i64,
    /// Requested (µs).
    pub requested_at: i64,
    /// Scheduled (µs).
    pub scheduled_at: i64,
    /// Scheduling due (µs).
    pub scheduling_due: i64,
    /// `met` / `breached`.
    pub scheduling_sla: String,
    /// Estimated units (hundredths).
    pub estimated_units: i64,
    /// Cancellation reason.
    pub cancel_reason: Option<String>,
    /// Cancellation instant (µs).
    pub cancelled_at: Option<i64>,
    /// Actual start (µs).
    pub actual_start: Option<i64>,
    /// Actual end (µs).
    pub actual_end: Option<i64>,
    /// Notes.
    pub notes: Option<String>,
    /// Duration.
    pub duration_minutes: Option<i64>,
    /// Billable hours.
    pub billable_hours: Option<i64>,
    /// Units charged (hundredths).
    pub units_debited: Option<i64>,
    /// Statement issued (µs).
    pub delivered_at: Option<i64>,
    /// Acceptance due (µs).
    pub acceptance_due: Option<i64>,
    /// Accepted (µs).
    pub accepted_at: Option<i64>,
    /// `explicit` / `automatic`.
    pub acceptance: Option<String>,
    /// Rating.
    pub rating: Option<i64>,
    /// Evaluation comment.
    pub evaluation_comment: Option<String>,
    /// Evaluated (µs).
    pub evaluated_at: Option<i64>,
    /// Complaint reason.
    pub complaint_reason: Option<String>,
    /// Complaint received (µs).
    pub complaint_at: Option<i64>,
    /// Review due (µs).
    pub review_due: Option<i64>,
    /// `pending` / `met` / `breached`.
    pub review_sla: Option<String>,
    /// Units reversed by the decision (hundredths).
    pub decision_units: Option<i64>,
    /// Decision reason.
    pub decision_reason: Option<String>,
    /// Decided (µs).
    pub decided_at: Option<i64>,
    /// Decided by.
    pub decided_by: Option<String>,
    /// Scheduled by.
    pub created_by: String,
    /// Last change (µs).
    pub updated_at: i64,
}

const COLUMNS: &str = "id, sow_id, customer_id, status, starts_at, ends_at, requested_at, scheduled_at, \
    scheduling_due, scheduling_sla, estimated_units, cancel_reason, cancelled_at, actual_start, actual_end, notes, \
    duration_minutes, billable_hours, units_debited, delivered_at, acceptance_due, accepted_at, acceptance, rating, \
    evaluation_comment, evaluated_at, complaint_reason, complaint_at, review_due, review_sla, decision_units, \
    decision_reason, decided_at, decided_by, created_by, updated_at";

fn bind_all(sql: Sql, s: &SessionRow) -> Sql {
    sql.bind(s.id.as_str())
        .bind(s.sow_id.as_str())
        .bind(s.customer_id.as_str())
        .bind(s.status.as_str())
        .bind(s.starts_at)
        .bind(s.ends_at)
        .bind(s.requested_at)
        .bind(s.scheduled_at)
        .bind(s.scheduling_due)
        .bind(s.scheduling_sla.as_str())
        .bind(s.estimated_units)
        .bind(s.cancel_reason.clone())
        .bind(s.cancelled_at)
        .bind(s.actual_start)
        .bind(s.actual_end)
        .bind(s.notes.clone())
        .bind(s.duration_minutes)
        .bind(s.billable_hours)
        .bind(s.units_debited)
        .bind(s.delivered_at)
        .bind(s.acceptance_due)
        .bind(s.accepted_at)
        .bind(s.acceptance.clone())
        .bind(s.rating)
        .bind(s.evaluation_comment.clone())
        .bind(s.evaluated_at)
        .bind(s.complaint_reason.clone())
        .bind(s.complaint_at)
        .bind(s.review_due)
        .bind(s.review_sla.clone())
        .bind(s.decision_units)
        .bind(s.decision_reason.clone())
        .bind(s.decided_at)
        .bind(s.decided_by.clone())
        .bind(s.created_by.as_str())
        .bind(s.updated_at)
}

/// Inserts a session.
pub async fn insert(tx: &mut Tx, s: &SessionRow) -> StoreResult<()> {
    let sql = Sql::new(insert_statement("sessions", COLUMNS));
    tx.execute(bind_all(sql, s)).await?;
    Ok(())
}

/// Writes every column back.
pub async fn update(tx: &mut Tx, s: &SessionRow) -> StoreResult<()> {
    let sql = Sql::new(update_statement("sessions", COLUMNS));
    tx.execute(bind_all(sql, s)).await?;
    Ok(())
}

/// One session.
pub async fn get(tx: &mut Tx, id: &str) -> StoreResult<Option<SessionRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM sessions WHERE id = $1")).bind(id))
        .await
}

/// Every session of a SoW, in id order.
pub async fn of_sow(tx: &mut Tx, sow_id: &str) -> StoreResult<Vec<SessionRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM sessions WHERE sow_id = $1 ORDER BY id"
        ))
        .bind(sow_id),
    )
    .await
}

/// Delivered sessions whose acceptance deadline has passed: `(id, customer)`.
pub async fn due_for_acceptance(
    tx: &mut Tx,
    now: i64,
    limit: i64,
) -> StoreResult<Vec<(String, String)>> {
    tx.fetch_all(
        Sql::new(
            "SELECT id, customer_id FROM sessions WHERE status = 'delivered' AND acceptance_due <= $1 \
             ORDER BY acceptance_due, id LIMIT $2",
        )
        .bind(now)
        .bind(limit),
    )
    .await
}

/// Customers with a complaint review overdue before `now` and not yet marked.
pub async fn customers_with_review_breaches(tx: &mut Tx, now: i64) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> = tx
        .fetch_all(
            Sql::new("SELECT DISTINCT customer_id FROM sessions WHERE review_sla = 'pending' AND review_due < $1")
                .bind(now),
        )
        .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// Marks one customer's complaint reviews overdue before `now` as breached.
pub async fn mark_review_breaches(tx: &mut Tx, customer_id: &str, now: i64) -> StoreResult<u64> {
    tx.execute(
        Sql::new(
            "UPDATE sessions SET review_sla = 'breached' WHERE customer_id = $1 \
             AND review_sla = 'pending' AND review_due < $2",
        )
        .bind(customer_id)
        .bind(now),
    )
    .await
}

/// Sessions requested in `[from, to)`: `(scheduling due, scheduled at)`.
pub async fn scheduling_window(tx: &mut Tx, from: i64, to: i64) -> StoreResult<Vec<(i64, i64)>> {
    tx.fetch_all(
        Sql::new("SELECT scheduling_due, scheduled_at FROM sessions WHERE requested_at >= $1 AND requested_at < $2")
            .bind(from)
            .bind(to),
    )
    .await
}

/// Complaints received in `[from, to)`: `(review due, decided at)`.
pub async fn review_window(
    tx: &mut Tx,
    from: i64,
    to: i64,
) -> StoreResult<Vec<(i64, Option<i64>)>> {
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
