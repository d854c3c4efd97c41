//! SQL for SecureHands requests.

use chrono::{DateTime, Utc};

use super::db::{StoreResult, Tx};
use super::sql::{Sql, insert_statement, update_statement};
use crate::domain::ids::{CustomerId, RequestId};
use crate::domain::request::{Channel, RequestKind, RequestStatus};
use crate::domain::sla::SlaState;
use crate::stored_row;

stored_row! {
    /// A request row.
    #[derive(Clone, Debug)]
    pub struct RequestRow {
        /// Request id.
        pub id: RequestId,
        /// Customer.
        pub customer_id: CustomerId,
        /// What is asked.
        pub kind: RequestKind,
        /// How it arrived.
        pub channel: Channel,
        /// Summary.
        pub summary: String,
        /// Receipt.
        pub received_at: DateTime<Utc>,
        /// Identity verified.
        pub identity_verified: bool,
        /// Where it stands.
        pub status: RequestStatus,
        /// Initial response due.
        pub initial_response_due: DateTime<Utc>,
        /// SoW due.
        pub sow_due: DateTime<Utc>,
        /// First response.
        pub responded_at: Option<DateTime<Utc>>,
        /// Response note.
        pub response_note: Option<String>,
        /// Decline / redirect reason.
        pub closed_reason: Option<String>,
        /// Decline / redirect instant.
        pub closed_at: Option<DateTime<Utc>>,
        /// SoW submission.
        pub sow_delivered_at: Option<DateTime<Utc>>,
        /// Initial-response target.
        pub initial_response_sla: SlaState,
        /// SoW-delivery target.
        pub sow_sla: SlaState,
        /// Who logged it.
        pub created_by: String,
        /// Creation.
        pub created_at: DateTime<Utc>,
    }
}

const COLUMNS: &str = RequestRow::COLUMNS;

/// Inserts a request.
pub async fn insert(tx: &mut Tx, r: &RequestRow) -> StoreResult<()> {
    let sql = Sql::new(insert_statement("requests", COLUMNS));
    tx.execute(r.bind_all(sql)).await?;
    Ok(())
}

/// Writes every column back.
pub async fn update(tx: &mut Tx, r: &RequestRow) -> StoreResult<()> {
    let sql = Sql::new(update_statement("requests", COLUMNS));
    tx.execute(r.bind_all(sql)).await?;
    Ok(())
}

/// One request.
pub async fn get(tx: &mut Tx, id: &RequestId) -> StoreResult<Option<RequestRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM requests WHERE id = $1")).bind(id))
        .await
}

/// A page of requests in id order.
pub async fn list(
    tx: &mut Tx,
    customer_id: Option<&CustomerId>,
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

/// Customers with a request target in `state` whose deadline is before `before`.
pub async fn customers_with_targets_due_before(
    tx: &mut Tx,
    state: SlaState,
    before: DateTime<Utc>,
) -> StoreResult<Vec<CustomerId>> {
    let rows: Vec<(String,)> = tx
        .fetch_all(
            Sql::new(
                "SELECT DISTINCT customer_id FROM requests WHERE \
                 (initial_response_sla = $1 AND initial_response_due < $2) \
                 OR (sow_sla = $1 AND sow_due < $2)",
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

/// One customer's requests with a target in `state` whose deadline is before `before`.
pub async fn with_targets_due_before(
    tx: &mut Tx,
    customer_id: &CustomerId,
    state: SlaState,
    before: DateTime<Utc>,
) -> StoreResult<Vec<RequestRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM requests WHERE customer_id = $1 AND \
             ((initial_response_sla = $2 AND initial_response_due < $3) OR (sow_sla = $2 AND sow_due < $3)) \
             ORDER BY id"
        ))
        .bind(customer_id)
        .bind(state)
        .bind(before),
    )
    .await
}

stored_row! {
    /// The two targets of one request, for the SLA report.
    #[derive(Clone, Debug)]
    pub struct RequestTargets {
        /// Initial response due.
        pub initial_response_due: DateTime<Utc>,
        /// First response.
        pub responded_at: Option<DateTime<Utc>>,
        /// SoW due.
        pub sow_due: DateTime<Utc>,
        /// SoW submission.
        pub sow_delivered_at: Option<DateTime<Utc>>,
        /// SoW-delivery target.
        pub sow_sla: SlaState,
    }
}

/// Requests received in `[from, to)`.
pub async fn sla_window(
    tx: &mut Tx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<RequestTargets>> {
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

/// Requests in `status`, optionally of one customer, oldest first.
pub async fn in_status(
    tx: &mut Tx,
    status: RequestStatus,
    customer_id: Option<&CustomerId>,
    limit: i64,
) -> StoreResult<Vec<RequestRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM requests WHERE status = $1 AND ($2 IS NULL OR customer_id = $2) \
             ORDER BY received_at, id LIMIT $3"
        ))
        .bind(status)
        .bind(customer_id)
        .bind(limit),
    )
    .await
}
