//! SQL for SecureHands requests.

use super::db::{Sql, StoreResult, Tx, insert_statement, update_statement};

/// A request row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RequestRow {
    /// Request id.
    pub id: String,
    /// Customer.
    pub customer_id: String,
    /// Kind.
    pub kind: String,
    /// Channel.
    pub channel: String,
    /// Summary.
    pub summary: String,
    /// Receipt (µs).
    pub received_at: i64,
    /// Identity verified.
    pub identity_verified: bool,
    /// `open`, `responded`, `declined`, `redirected`.
    pub status: String,
    /// Initial response due (µs).
    pub initial_response_due: i64,
    /// SoW due (µs).
    pub sow_due: i64,
    /// First response (µs).
    pub responded_at: Option<i64>,
    /// Response note.
    pub response_note: Option<String>,
    /// Decline / redirect reason.
    pub closed_reason: Option<String>,
    /// Decline / redirect instant (µs).
    pub closed_at: Option<i64>,
    /// SoW submission (µs).
    pub sow_delivered_at: Option<i64>,
    /// SLA state of the initial response.
    pub initial_response_sla: String,
    /// SLA state of the SoW delivery.
    pub sow_sla: String,
    /// Who logged it.
    pub created_by: String,
    /// Creation (µs).
    pub created_at: i64,
}

const COLUMNS: &str = "id, customer_id, kind, channel, summary, received_at, identity_verified, status, \
    initial_response_due, sow_due, responded_at, response_note, closed_reason, closed_at, sow_delivered_at, \
    initial_response_sla, sow_sla, created_by, created_at";

fn bind_all(sql: Sql, r: &RequestRow) -> Sql {
    sql.bind(r.id.as_str())
        .bind(r.customer_id.as_str())
        .bind(r.kind.as_str())
        .bind(r.channel.as_str())
        .bind(r.summary.as_str())
        .bind(r.received_at)
        .bind(r.identity_verified)
        .bind(r.status.as_str())
        .bind(r.initial_response_due)
        .bind(r.sow_due)
        .bind(r.responded_at)
        .bind(r.response_note.clone())
        .bind(r.closed_reason.clone())
        .bind(r.closed_at)
        .bind(r.sow_delivered_at)
        .bind(r.initial_response_sla.as_str())
        .bind(r.sow_sla.as_str())
        .bind(r.created_by.as_str())
        .bind(r.created_at)
}

/// Inserts a request.
pub async fn insert(tx: &mut Tx, r: &RequestRow) -> StoreResult<()> {
    let sql = Sql::new(insert_statement("requests", COLUMNS));
    tx.execute(bind_all(sql, r)).await?;
    Ok(())
}

/// Writes every column back.
pub async fn update(tx: &mut Tx, r: &RequestRow) -> StoreResult<()> {
    let sql = Sql::new(update_statement("requests", COLUMNS));
    tx.execute(bind_all(sql, r)).await?;
    Ok(())
}

/// One request.
pub async fn get(tx: &mut Tx, id: &str) -> StoreResult<Option<RequestRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM requests WHERE id = $1")).bind(id))
        .await
}

/// A page of requests in id order.
pub async fn list(
    tx: &mut Tx,
    customer_id: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<RequestRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM requests WHERE ($1 IS NULL OR customer_id = $1) AND ($2 IS NULL OR id > $2) \
             ORDER BY id LIMIT $3"
        ))
        .bind(customer_id)
        .bind(after)
        .bind(limit),
    )
    .await
}

/// Customers with a request whose SLA deadline passed before `now` without its event.
pub async fn customers_with_breaches(tx: &mut Tx, now: i64) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> = tx
        .fetch_all(
            Sql::new(
                "SELECT DISTINCT customer_id FROM requests WHERE \
                 (initial_response_sla = 'pending' AND initial_response_due < $1) \
                 OR (sow_sla = 'pending' AND sow_due < $1)",
            )
            .bind(now),
        )
        .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// Marks one customer's SLA breaches whose deadline passed before `now`.
pub async fn mark_breaches(tx: &mut Tx, customer_id: &str, now: i64) -> StoreResult<u64> {
    let a = tx
        .execute(
            Sql::new(
                "UPDATE requests SET initial_response_sla = 'breached' WHERE customer_id = $1 \
                 AND initial_response_sla = 'pending' AND initial_response_due < $2",
            )
            .bind(customer_id)
            .bind(now),
        )
        .await?;
    let b = tx
        .execute(
            Sql::new(
                "UPDATE requests SET sow_sla = 'breached' WHERE customer_id = $1 \
                 AND sow_sla = 'pending' AND sow_due < $2",
            )
            .bind(customer_id)
            .bind(now),
        )
        .await?;
    Ok(a + b)
}

/// Requests received in `[from, to)`: `(initial due, responded_at, sow due, sow delivered, sow sla)`.
pub async fn sla_window(
    tx: &mut Tx,
    from: i64,
    to: i64,
) -> StoreResult<Vec<(i64, Option<i64>, i64, Option<i64>, String)>> {
    tx.fetch_all(
        Sql::new(
            "SELECT initial_response_due, responded_at, sow_due, sow_delivered_at, sow_sla FROM requests \
             WHERE received_at >= $1 AND received_at < $2",
        )
        .bind(from)
        .bind(to),
    )
    .await
}
