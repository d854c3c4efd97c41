//! SQL for the effective timeline: checkpoints of each customer's figures, the
//! movements after one, and the updates a movement recorded late makes to the
//! checkpoints it falls before (docs/timeline.md).

use chrono::{DateTime, NaiveDate, Utc};

use super::db::{StoreResult, Tx};
use super::ledger::LotUnits;
use super::sql::Sql;
use crate::domain::ids::{CustomerId, LotId, SowId};
use crate::domain::ledger::EntryKind;
use crate::domain::units::Units;
use crate::stored_row;

mod checkpoint_writes;

pub use checkpoint_writes::{shift, write_checkpoint};

stored_row! {
    /// A customer's figures on the effective timeline at one instant.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct CheckpointRow {
        /// Customer.
        pub customer_id: CustomerId,
        /// The instant: everything effective at or before it is included.
        pub at: DateTime<Utc>,
        /// Posted balance.
        pub total: Units,
        /// Deficit from deficit entries less what paid it off.
        pub deficit: Units,
        /// Provisioned units.
        pub reserved: Units,
    }
}

stored_row! {
    /// A ledger entry as the timeline sees it.
    #[derive(Clone, Debug)]
    pub struct MoveRow {
        /// Kind.
        pub kind: EntryKind,
        /// Signed units.
        pub units: Units,
        /// Lot named.
        pub lot_id: Option<LotId>,
        /// Effective instant.
        pub effective_at: DateTime<Utc>,
    }
}

stored_row! {
    /// A change of a reservation as the timeline sees it.
    #[derive(Clone, Debug)]
    pub struct ReservationMove {
        /// The SoW.
        pub sow_id: SowId,
        /// Signed units.
        pub delta: Units,
        /// Effective instant.
        pub at: DateTime<Utc>,
    }
}

stored_row! {
    /// A ledger entry in a replay page.
    #[derive(Clone, Debug)]
    pub struct PagedMove {
        /// Internal id (the page cursor's tie-breaker).
        pub id: i64,
        /// Kind.
        pub kind: EntryKind,
        /// Signed units.
        pub units: Units,
        /// Lot named.
        pub lot_id: Option<LotId>,
        /// Effective instant.
        pub effective_at: DateTime<Utc>,
    }
}

stored_row! {
    /// A reservation change in a replay page.
    #[derive(Clone, Debug)]
    pub struct PagedReservation {
        /// Internal id.
        pub id: i64,
        /// The SoW.
        pub sow_id: SowId,
        /// Signed units.
        pub delta: Units,
        /// Effective instant.
        pub at: DateTime<Utc>,
    }
}

/// A page of a customer's entries in (effective instant, id) order after `after`.
pub async fn entries_page(
    tx: &mut Tx,
    customer_id: &CustomerId,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> StoreResult<Vec<PagedMove>> {
    let mut sql = Sql::new(format!(
        "SELECT {} FROM ledger_entries WHERE customer_id = $1",
        PagedMove::COLUMNS
    ))
    .bind(customer_id)
    .bind(limit);
    if let Some((at, id)) = after {
        sql.push_sql(" AND (effective_at > $3 OR (effective_at = $3 AND id > $4))");
        sql = sql.bind(at).bind(id);
    }
    sql.push_sql(" ORDER BY effective_at, id LIMIT $2");
    tx.fetch_all(sql).await
}

/// A page of a customer's reservation changes in (effective instant, id) order.
pub async fn reservations_page(
    tx: &mut Tx,
    customer_id: &CustomerId,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> StoreResult<Vec<PagedReservation>> {
    let mut sql = Sql::new(format!(
        "SELECT {} FROM reservation_log WHERE customer_id = $1",
        PagedReservation::COLUMNS
    ))
    .bind(customer_id)
    .bind(limit);
    if let Some((at, id)) = after {
        sql.push_sql(" AND (at > $3 OR (at = $3 AND id > $4))");
        sql = sql.bind(at).bind(id);
    }
    sql.push_sql(" ORDER BY at, id LIMIT $2");
    tx.fetch_all(sql).await
}

stored_row! {
    /// What listing a lot needs.
    #[derive(Clone, Debug)]
    pub struct LotInfoRow {
        /// Lot.
        pub id: LotId,
        /// When it was sold.
        pub created_at: DateTime<Utc>,
        /// Expiry instant.
        pub expires_at: DateTime<Utc>,
        /// Order date.
        pub received_on: NaiveDate,
    }
}

/// The newest checkpoint at or before `t`.
pub async fn checkpoint_before(
    tx: &mut Tx,
    customer_id: &CustomerId,
    t: DateTime<Utc>,
) -> StoreResult<Option<CheckpointRow>> {
    tx.fetch_optional(
        Sql::new(format!(
            "SELECT {} FROM timeline_checkpoints WHERE customer_id = $1 AND at <= $2 \
             ORDER BY at DESC LIMIT 1",
            CheckpointRow::COLUMNS
        ))
        .bind(customer_id)
        .bind(t),
    )
    .await
}

/// The lots' units at a checkpoint (lots holding none are left out).
pub async fn checkpoint_lots(
    tx: &mut Tx,
    customer_id: &CustomerId,
    at: DateTime<Utc>,
) -> StoreResult<Vec<LotUnits>> {
    tx.fetch_all(
        Sql::new(
            "SELECT lot_id, units FROM timeline_checkpoint_lots WHERE customer_id = $1 AND at = $2",
        )
        .bind(customer_id)
        .bind(at),
    )
    .await
}

/// A customer's entries effective after `after` (from the start when `None`) and at or
/// before `until`.
pub async fn entries_between(
    tx: &mut Tx,
    customer_id: &CustomerId,
    after: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
) -> StoreResult<Vec<MoveRow>> {
    let mut sql = Sql::new(format!(
        "SELECT {} FROM ledger_entries WHERE customer_id = $1 AND effective_at <= $2",
        MoveRow::COLUMNS
    ))
    .bind(customer_id)
    .bind(until);
    if let Some(after) = after {
        sql.push_sql(" AND effective_at > $3");
        sql = sql.bind(after);
    }
    tx.fetch_all(sql).await
}

/// A customer's reservation changes effective after `after` and at or before `until`.
pub async fn reservations_between(
    tx: &mut Tx,
    customer_id: &CustomerId,
    after: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
) -> StoreResult<Vec<ReservationMove>> {
    let mut sql = Sql::new(format!(
        "SELECT {} FROM reservation_log WHERE customer_id = $1 AND at <= $2",
        ReservationMove::COLUMNS
    ))
    .bind(customer_id)
    .bind(until);
    if let Some(after) = after {
        sql.push_sql(" AND at > $3");
        sql = sql.bind(after);
    }
    tx.fetch_all(sql).await
}

/// The lots that may be listed at `t`: not expired at `t`, or whose expiry was not
/// applied yet.
pub async fn listable_lots(
    tx: &mut Tx,
    customer_id: &CustomerId,
    t: DateTime<Utc>,
) -> StoreResult<Vec<LotInfoRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {} FROM lots WHERE customer_id = $1 AND (expires_at > $2 OR expired = FALSE)",
            LotInfoRow::COLUMNS
        ))
        .bind(customer_id)
        .bind(t),
    )
    .await
}

/// Every lot of a customer (for `verify`).
pub async fn all_lots(tx: &mut Tx, customer_id: &CustomerId) -> StoreResult<Vec<LotInfoRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {} FROM lots WHERE customer_id = $1",
            LotInfoRow::COLUMNS
        ))
        .bind(customer_id),
    )
    .await
}

/// Every checkpoint of a customer, oldest first (for `verify`).
pub async fn checkpoints(tx: &mut Tx, customer_id: &CustomerId) -> StoreResult<Vec<CheckpointRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {} FROM timeline_checkpoints WHERE customer_id = $1 ORDER BY at",
            CheckpointRow::COLUMNS
        ))
        .bind(customer_id),
    )
    .await
}

stored_row! {
    /// A customer named by a query.
    #[derive(Clone, Debug)]
    pub struct CustomerRef {
        /// The customer.
        pub customer_id: CustomerId,
    }
}

/// Customers with history but no checkpoint bookkeeping yet (written before it existed).
pub async fn customers_without_checkpoints(tx: &mut Tx) -> StoreResult<Vec<CustomerId>> {
    let rows: Vec<CustomerRef> = tx
        .fetch_all(Sql::new(
            "SELECT a.customer_id FROM accounts a WHERE a.checkpoint_at IS NULL \
             AND a.since_checkpoint = 0 AND (EXISTS (SELECT 1 FROM ledger_entries e \
             WHERE e.customer_id = a.customer_id) OR EXISTS (SELECT 1 FROM reservation_log r \
             WHERE r.customer_id = a.customer_id))",
        ))
        .await?;
    Ok(rows.into_iter().map(|r| r.customer_id).collect())
}
