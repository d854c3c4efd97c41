//! SQL for statements of work and their revisions.

use super::db::{Sql, StoreResult, Tx, insert_statement, update_statement};

/// A SoW row.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SowRow {
    /// SoW id.
    pub id: String,
    /// Customer.
    pub customer_id: String,
    /// Request it answers.
    pub request_id: Option<String>,
    /// Status spelling.
    pub status: String,
    /// Current revision (1 on creation).
    pub revision: i64,
    /// Title.
    pub title: String,
    /// What the experts will do.
    pub activities: String,
    /// Planned number of sessions.
    pub planned_sessions: i64,
    /// Units to provision (hundredths).
    pub planned_units: i64,
    /// Fixed units per session (hundredths).
    pub units_per_session: Option<i64>,
    /// Minimum billable hours.
    pub minimum_billable_hours: i64,
    /// Out-of-hours rate (hundredths per hour).
    pub rate_out_of_hours: i64,
    /// Weekend rate.
    pub rate_weekend: i64,
    /// Holiday rate.
    pub rate_holiday: i64,
    /// Acceptance criteria.
    pub acceptance_criteria: String,
    /// `en`, `fr` or `de`.
    pub language: String,
    /// Service hours note.
    pub service_hours_note: Option<String>,
    /// Contingency plan.
    pub contingency_plan: Option<String>,
    /// Customer technical contact.
    pub technical_contact: Option<String>,
    /// SoW this one supersedes.
    pub supersedes_id: Option<String>,
    /// SoW that superseded this one.
    pub superseded_by_id: Option<String>,
    /// Last rejection comment.
    pub rejection_comment: Option<String>,
    /// Revision the customer approved.
    pub approved_revision: Option<i64>,
    /// Approval instant (µs).
    pub approved_at: Option<i64>,
    /// Global approval order.
    pub approval_order: Option<i64>,
    /// Units currently reserved (hundredths).
    pub reserved: i64,
    /// Units consumed by its sessions (hundredths).
    pub consumed: i64,
    /// Submission instant (µs).
    pub submitted_at: Option<i64>,
    /// Completion / cancellation / supersession instant (µs).
    pub closed_at: Option<i64>,
    /// Author.
    pub created_by: String,
    /// Creation instant (µs).
    pub created_at: i64,
    /// Last change (µs).
    pub updated_at: i64,
}

const COLUMNS: &str = "id, customer_id, request_id, status, revision, title, activities, planned_sessions, \
    planned_units, units_per_session, minimum_billable_hours, rate_out_of_hours, rate_weekend, rate_holiday, \
    acceptance_criteria, language, service_hours_note, contingency_plan, technical_contact, supersedes_id, \
    superseded_by_id, rejection_comment, approved_revision, approved_at, approval_order, reserved, consumed, \
    submitted_at, closed_at, created_by, created_at, updated_at";

fn bind_all(sql: Sql, s: &SowRow) -> Sql {
    sql.bind(s.id.as_str())
        .bind(s.customer_id.as_str())
        .bind(s.request_id.clone())
        .bind(s.status.as_str())
        .bind(s.revision)
        .bind(s.title.as_str())
        .bind(s.activities.as_str())
        .bind(s.planned_sessions)
        .bind(s.planned_units)
        .bind(s.units_per_session)
        .bind(s.minimum_billable_hours)
        .bind(s.rate_out_of_hours)
        .bind(s.rate_weekend)
        .bind(s.rate_holiday)
        .bind(s.acceptance_criteria.as_str())
        .bind(s.language.as_str())
        .bind(s.service_hours_note.clone())
        .bind(s.contingency_plan.clone())
        .bind(s.technical_contact.clone())
        .bind(s.supersedes_id.clone())
        .bind(s.superseded_by_id.clone())
        .bind(s.rejection_comment.clone())
        .bind(s.approved_revision)
        .bind(s.approved_at)
        .bind(s.approval_order)
        .bind(s.reserved)
        .bind(s.consumed)
        .bind(s.submitted_at)
        .bind(s.closed_at)
        .bind(s.created_by.as_str())
        .bind(s.created_at)
        .bind(s.updated_at)
}

/// Inserts a SoW.
pub async fn insert(tx: &mut Tx, s: &SowRow) -> StoreResult<()> {
    let sql = Sql::new(insert_statement("sows", COLUMNS));
    tx.execute(bind_all(sql, s)).await?;
    Ok(())
}

/// Writes every column of a SoW back.
pub async fn update(tx: &mut Tx, s: &SowRow) -> StoreResult<()> {
    let sql = Sql::new(update_statement("sows", COLUMNS));
    tx.execute(bind_all(sql, s)).await?;
    Ok(())
}

/// One SoW.
pub async fn get(tx: &mut Tx, id: &str) -> StoreResult<Option<SowRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM sows WHERE id = $1")).bind(id))
        .await
}

/// A customer's approved SoWs in one status, in approval order.
pub async fn approved_in_status(
    tx: &mut Tx,
    customer_id: &str,
    status: &str,
) -> StoreResult<Vec<SowRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM sows WHERE customer_id = $1 AND status = $2 ORDER BY approval_order"
        ))
        .bind(customer_id)
        .bind(status),
    )
    .await
}

/// Next global approval number.
pub async fn next_approval_order(tx: &mut Tx) -> StoreResult<i64> {
    let (n,): (i64,) = tx
        .fetch_one(Sql::new(
            "SELECT CAST(COALESCE(MAX(approval_order), 0) + 1 AS BIGINT) FROM sows",
        ))
        .await?;
    Ok(n)
}

/// A page of SoWs in id order, optionally for one customer.
pub async fn list(
    tx: &mut Tx,
    customer_id: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<SowRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM sows WHERE ($1 IS NULL OR customer_id = $1) AND ($2 IS NULL OR id > $2) \
             ORDER BY id LIMIT $3"
        ))
        .bind(customer_id)
        .bind(after)
        .bind(limit),
    )
    .await
}

/// Stores a revision snapshot.
pub async fn insert_revision(
    tx: &mut Tx,
    sow_id: &str,
    revision: i64,
    snapshot: &str,
    by: &str,
    at: i64,
) -> StoreResult<()> {
    tx.execute(
        Sql::new(
            "INSERT INTO sow_revisions (sow_id, revision, snapshot, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(sow_id)
        .bind(revision)
        .bind(snapshot)
        .bind(by)
        .bind(at),
    )
    .await?;
    Ok(())
}

/// Σ reserved per customer over SoWs (for `verify`): `(customer, reserved)`.
pub async fn reserved_by_customer(tx: &mut Tx) -> StoreResult<Vec<(String, i64)>> {
    tx.fetch_all(Sql::new(
        "SELECT customer_id, CAST(SUM(reserved) AS BIGINT) FROM sows GROUP BY customer_id ORDER BY customer_id",
    ))
    .await
}
