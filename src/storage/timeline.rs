//! SQL for the effective timeline: checkpoints of each customer's figures, the
//! movements after one, and the updates a movement recorded late makes to the
//! checkpoints it falls before (docs/timeline.md).

use chrono::{DateTime, NaiveDate, Utc};

use super::db::{StoreResult, Tx};
use super::ledger::LotUnits;
use super::sql::Sql;
use crate::domain::ids::{CustomerId, LotId, SowId};
use crate::domain::ledger::EntryKind;
use crate::domain::timeline::{Figures, Shift};
use crate::domain::units::Units;
use crate::stored_row;

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

/// Writes a checkpoint with these figures; the lots' units are given (a replay) or,
/// when `None`, read from the lots as they stand (a checkpoint at "now").
pub async fn write_checkpoint(
    tx: &mut Tx,
    checkpoint: &CheckpointRow,
    lots: Option<&[(LotId, Units)]>,
) -> StoreResult<()> {
    tx.execute(
        Sql::new(format!(
            "INSERT INTO timeline_checkpoints ({}) VALUES ($1, $2, $3, $4, $5)",
            CheckpointRow::COLUMNS
        ))
        .bind(&checkpoint.customer_id)
        .bind(checkpoint.at)
        .bind(checkpoint.total)
        .bind(checkpoint.deficit)
        .bind(checkpoint.reserved),
    )
    .await?;
    match lots {
        None => {
            tx.execute(
                Sql::new(
                    "INSERT INTO timeline_checkpoint_lots (customer_id, at, lot_id, units) \
                     SELECT customer_id, $2, id, remaining FROM lots \
                     WHERE customer_id = $1 AND expired = FALSE AND remaining <> 0",
                )
                .bind(&checkpoint.customer_id)
                .bind(checkpoint.at),
            )
            .await?;
        }
        Some(lots) => {
            for (lot, units) in lots.iter().filter(|(_, u)| !u.is_zero()) {
                tx.execute(
                    Sql::new(
                        "INSERT INTO timeline_checkpoint_lots (customer_id, at, lot_id, units) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&checkpoint.customer_id)
                    .bind(checkpoint.at)
                    .bind(lot)
                    .bind(*units),
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Adds movements recorded late to the checkpoints they fall before: each stretch of
/// `shifts` to the checkpoints dated in it. One write for the figures and one for the
/// lots, whatever the number of stretches (each checkpoint row is changed once, so the
/// two may wait and travel with the transaction's next statement).
pub async fn shift(tx: &mut Tx, customer_id: &CustomerId, shifts: &[Shift]) -> StoreResult<()> {
    let Some(first) = shifts.first() else {
        return Ok(());
    };
    if shifts.iter().any(|s| !s.figures.moves_no_totals()) {
        let mut sql = Sql::new("");
        let customer = sql.push_bind(customer_id);
        let from = sql.push_bind(first.from);
        let mut set = Vec::new();
        for (column, figure) in [
            ("total", (|f: &Figures| f.total) as fn(&Figures) -> Units),
            ("deficit", |f| f.deficit),
            ("reserved", |f| f.reserved),
        ] {
            // The latest stretch first: a checkpoint takes the first stretch it is in.
            let mut case = String::from("CASE");
            for s in shifts.iter().rev() {
                let at = sql.push_bind(s.from);
                let units = sql.push_bind(figure(&s.figures));
                case.push_str(&format!(" WHEN at >= ${at} THEN ${units}"));
            }
            set.push(format!("{column} = {column} + {case} ELSE 0 END"));
        }
        sql.push_sql(&format!(
            "UPDATE timeline_checkpoints SET {} WHERE customer_id = ${customer} AND at >= ${from}",
            set.join(", ")
        ));
        tx.defer(Some(format!("timeline_checkpoints:{customer_id}")), sql)
            .await?;
    }
    let mut sql = Sql::new("");
    let customer = sql.push_bind(customer_id);
    let mut parts = Vec::new();
    for s in shifts {
        for (lot, units) in s.figures.lots.iter().filter(|(_, u)| !u.is_zero()) {
            let (lot, units, from) = (
                sql.push_bind(lot),
                sql.push_bind(*units),
                sql.push_bind(s.from),
            );
            let until = s
                .until
                .map(|until| format!(" AND at < ${}", sql.push_bind(until)))
                .unwrap_or_default();
            parts.push(format!(
                "SELECT customer_id, at, ${lot}, ${units} FROM timeline_checkpoints \
                 WHERE customer_id = ${customer} AND at >= ${from}{until}"
            ));
        }
    }
    if parts.is_empty() {
        return Ok(());
    }
    // A lot the checkpoint did not list yet gets its row with the units moved.
    sql.push_sql(&format!(
        "INSERT INTO timeline_checkpoint_lots (customer_id, at, lot_id, units) {} \
         ON CONFLICT (customer_id, at, lot_id) \
         DO UPDATE SET units = timeline_checkpoint_lots.units + excluded.units",
        parts.join(" UNION ALL ")
    ));
    tx.defer(Some(format!("timeline_checkpoint_lots:{customer_id}")), sql)
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
