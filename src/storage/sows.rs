//! SQL for statements of work and their revisions.

use chrono::{DateTime, Utc};

use super::column::{Column, RawRow};
use super::db::{StoreResult, Tx};
use super::sql::{Sql, insert_statement, update_statement};
use crate::domain::ids::{CustomerId, RequestId, SowId};
use crate::domain::request::RequestKind;
use crate::domain::sow::SowStatus;
use crate::domain::units::Units;
use crate::stored_row;

stored_row! {
    /// A SoW row.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct SowRow {
        /// SoW id.
        pub id: SowId,
        /// Customer.
        pub customer_id: CustomerId,
        /// Request it answers.
        pub request_id: Option<RequestId>,
        /// The kind of work (its request's, or given when drafted).
        pub kind: Option<RequestKind>,
        /// Where it stands.
        pub status: SowStatus,
        /// Current revision (1 on creation).
        pub revision: i64,
        /// Title.
        pub title: String,
        /// What the experts will do.
        pub activities: String,
        /// Planned number of sessions.
        pub planned_sessions: i64,
        /// Units to provision.
        pub planned_units: Units,
        /// Fixed units per session.
        pub units_per_session: Option<Units>,
        /// Minimum billable hours.
        pub minimum_billable_hours: i64,
        /// Out-of-hours rate (units per hour).
        pub rate_out_of_hours: Units,
        /// Weekend rate.
        pub rate_weekend: Units,
        /// Holiday rate.
        pub rate_holiday: Units,
        /// Start of its standard hours, `HH:MM` local.
        pub standard_from: String,
        /// End of its standard hours, `HH:MM` local.
        pub standard_to: String,
        /// Business days of its sessions' acceptance window.
        pub acceptance_days: i64,
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
        pub supersedes_id: Option<SowId>,
        /// SoW that superseded this one.
        pub superseded_by_id: Option<SowId>,
        /// Last rejection comment.
        pub rejection_comment: Option<String>,
        /// Revision the customer approved.
        pub approved_revision: Option<i64>,
        /// Approval instant.
        pub approved_at: Option<DateTime<Utc>>,
        /// Who approved it.
        pub approved_by: Option<crate::domain::identity::Actor>,
        /// Global approval order.
        pub approval_order: Option<i64>,
        /// Units currently reserved.
        pub reserved: Units,
        /// Units consumed by its sessions.
        pub consumed: Units,
        /// Since when its current reservation exists (provisioned): a movement that
        /// changes the reservation is never dated before it.
        pub reserved_since: Option<DateTime<Utc>>,
        /// Submission instant.
        pub submitted_at: Option<DateTime<Utc>>,
        /// Completion / cancellation / supersession instant.
        pub closed_at: Option<DateTime<Utc>>,
        /// Author.
        pub created_by: String,
        /// Creation instant.
        pub created_at: DateTime<Utc>,
        /// Last change.
        pub updated_at: DateTime<Utc>,
    }
}

const COLUMNS: &str = SowRow::COLUMNS;

/// Inserts a SoW.
pub async fn insert(tx: &mut Tx, s: &SowRow) -> StoreResult<()> {
    let sql = Sql::new(insert_statement("sows", COLUMNS));
    tx.execute(s.bind_all(sql)).await?;
    Ok(())
}

/// Writes every column of a SoW back.
pub async fn update(tx: &mut Tx, s: &SowRow) -> StoreResult<()> {
    let sql = Sql::new(update_statement("sows", COLUMNS));
    tx.defer(Some(format!("sows:{}", s.id)), s.bind_all(sql))
        .await
}

/// One SoW.
pub async fn get(tx: &mut Tx, id: &SowId) -> StoreResult<Option<SowRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM sows WHERE id = $1")).bind(id))
        .await
}

/// A customer's approved SoWs in one status, in approval order.
pub async fn approved_in_status(
    tx: &mut Tx,
    customer_id: &CustomerId,
    status: SowStatus,
) -> StoreResult<Vec<SowRow>> {
    tx.fetch_all_reading(
        &["sows"],
        Sql::new(format!(
            "SELECT {COLUMNS} FROM sows WHERE customer_id = $1 AND status = $2 ORDER BY approval_order"
        ))
        .bind(customer_id)
        .bind(status),
    )
    .await
}

/// A page of SoWs in id order, optionally for one customer.
pub async fn list(
    tx: &mut Tx,
    customer_id: Option<&CustomerId>,
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
    sow_id: &SowId,
    revision: i64,
    snapshot: &str,
    by: &str,
    at: DateTime<Utc>,
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

stored_row! {
    /// Units reserved by one customer's SoWs.
    #[derive(Clone, Debug)]
    pub struct CustomerReserved {
        /// Customer.
        pub customer_id: CustomerId,
        /// Σ reserved over its SoWs.
        pub reserved: Units,
    }
}

/// Σ reserved per customer over SoWs (for `verify`).
pub async fn reserved_by_customer(tx: &mut Tx) -> StoreResult<Vec<CustomerReserved>> {
    tx.fetch_all(Sql::new(
        "SELECT customer_id, CAST(SUM(reserved) AS BIGINT) AS reserved FROM sows \
         GROUP BY customer_id ORDER BY customer_id",
    ))
    .await
}

/// SoWs in `status`, optionally of one customer, oldest first.
pub async fn in_status(
    tx: &mut Tx,
    status: SowStatus,
    customer_id: Option<&CustomerId>,
    limit: i64,
) -> StoreResult<Vec<SowRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM sows WHERE status = $1 AND ($2 IS NULL OR customer_id = $2) \
             ORDER BY id LIMIT $3"
        ))
        .bind(status)
        .bind(customer_id)
        .bind(limit),
    )
    .await
}

/// What an approval reads after the account lock, in one statement.
#[derive(Clone, Debug)]
pub struct ApprovalContext {
    /// The SoW being approved.
    pub sow: SowRow,
    /// The customer's other approved SoWs waiting for units, in approval order.
    pub waiting: Vec<SowRow>,
    /// The next global approval number.
    pub next_order: i64,
}

/// One row of [`approval_context`].
struct SowAndOrder {
    sow: SowRow,
    next_order: i64,
}

impl SowAndOrder {
    fn decode<R: RawRow>(row: &R) -> sqlx::Result<Self> {
        Ok(SowAndOrder {
            sow: SowRow::decode_prefixed(row, "")?,
            next_order: Column::read(row, "next_order")?,
        })
    }
}

crate::decoded_row!(SowAndOrder);

/// Reads a SoW, its customer's SoWs waiting for units and the next approval number in
/// one statement; `None` when the SoW does not exist.
pub async fn approval_context(tx: &mut Tx, id: &SowId) -> StoreResult<Option<ApprovalContext>> {
    let rows: Vec<SowAndOrder> = tx
        .fetch_all(
            Sql::new(format!(
                "SELECT {COLUMNS}, (SELECT CAST(COALESCE(MAX(approval_order), 0) + 1 AS BIGINT) \
                 FROM sows) AS next_order FROM sows WHERE id = $1 OR (status = $2 AND \
                 customer_id = (SELECT customer_id FROM sows WHERE id = $1)) ORDER BY approval_order"
            ))
            .bind(id)
            .bind(SowStatus::AwaitingUnits),
        )
        .await?;
    let next_order = rows.first().map_or(1, |r| r.next_order);
    let (this, waiting): (Vec<SowRow>, Vec<SowRow>) =
        rows.into_iter().map(|r| r.sow).partition(|s| &s.id == id);
    Ok(this.into_iter().next().map(|sow| ApprovalContext {
        sow,
        waiting,
        next_order,
    }))
}
