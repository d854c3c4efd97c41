//! SQL for lots (packs).

use chrono::{DateTime, NaiveDate, Utc};

use super::db::{StoreResult, Tx};
use super::sql::{Sql, insert_statement};
use crate::domain::ids::{CustomerId, LotId, QuoteId};
use crate::domain::units::Units;
use crate::stored_row;

stored_row! {
    /// A lot row.
    #[derive(Clone, Debug)]
    pub struct LotRow {
        /// Lot id.
        pub id: LotId,
        /// Customer.
        pub customer_id: CustomerId,
        /// Units sold.
        pub units: Units,
        /// Units left.
        pub remaining: Units,
        /// Date the order was received.
        pub received_on: NaiveDate,
        /// Expiry instant.
        pub expires_at: DateTime<Utc>,
        /// Order reference.
        pub order_reference: String,
        /// Quote it settles.
        pub quote_id: Option<QuoteId>,
        /// Price amount (decimal text).
        pub price_amount: Option<String>,
        /// Price currency.
        pub price_currency: Option<String>,
        /// Its expiry was applied.
        pub expired: bool,
        /// Creation instant.
        pub created_at: DateTime<Utc>,
        /// Who sold it.
        pub created_by: String,
        /// When its next expiry warning becomes due (none left: `None`).
        pub warn_at: Option<DateTime<Utc>>,
    }
}

stored_row! {
    /// A lot whose expiry is due.
    #[derive(Clone, Debug)]
    pub struct DueLot {
        /// Lot id.
        pub id: LotId,
        /// Its customer.
        pub customer_id: CustomerId,
    }
}

const COLUMNS: &str = LotRow::COLUMNS;

/// Inserts a lot.
pub async fn insert(tx: &mut Tx, lot: &LotRow) -> StoreResult<()> {
    tx.defer(
        Some(format!("lots:{}", lot.id)),
        lot.bind_all(Sql::new(insert_statement("lots", COLUMNS))),
    )
    .await
}

/// One lot.
pub async fn get(tx: &mut Tx, id: &LotId) -> StoreResult<Option<LotRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM lots WHERE id = $1")).bind(id))
        .await
}

/// Lots of a customer whose expiry has not been applied, in consumption order
/// (expiry, received_on, id) — the order the allocator expects.
pub async fn live_for_customer(tx: &mut Tx, customer_id: &CustomerId) -> StoreResult<Vec<LotRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM lots WHERE customer_id = $1 AND expired = FALSE \
             ORDER BY expires_at, received_on, id"
        ))
        .bind(customer_id),
    )
    .await
}

/// Lots of a customer by id list.
pub async fn by_ids(tx: &mut Tx, ids: &[LotId]) -> StoreResult<Vec<LotRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(format!("SELECT {COLUMNS} FROM lots WHERE id IN "));
    sql.push_list(ids);
    tx.fetch_all(sql).await
}

/// A page of a customer's lots in id order.
pub async fn list(
    tx: &mut Tx,
    customer_id: &CustomerId,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<LotRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM lots WHERE customer_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
        ))
        .bind(customer_id)
        .bind(after)
        .bind(limit),
    )
    .await
}

/// Adds `delta` to a lot's remaining units.
pub async fn adjust(tx: &mut Tx, id: &LotId, delta: Units) -> StoreResult<()> {
    tx.defer(
        Some(format!("lots:{id}")),
        Sql::new("UPDATE lots SET remaining = remaining + $2 WHERE id = $1")
            .bind(id)
            .bind(delta),
    )
    .await
}

/// Marks a lot's expiry applied; false when another run already did.
pub async fn mark_expired(tx: &mut Tx, id: &LotId) -> StoreResult<bool> {
    let n = tx
        .execute(
            Sql::new(
                "UPDATE lots SET expired = TRUE, remaining = 0 WHERE id = $1 AND expired = FALSE",
            )
            .bind(id),
        )
        .await?;
    Ok(n == 1)
}

/// Lots whose expiry instant is at or before `at` but was not applied yet.
pub async fn due_for_expiry(
    tx: &mut Tx,
    at: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<DueLot>> {
    tx.fetch_all(
        Sql::new(
            "SELECT id, customer_id FROM lots WHERE expired = FALSE AND expires_at <= $1 \
             ORDER BY expires_at, id LIMIT $2",
        )
        .bind(at)
        .bind(limit),
    )
    .await
}

/// Lots with units left that expire within `(now, until]`, soonest first.
pub async fn expiring(
    tx: &mut Tx,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    customer_id: Option<&CustomerId>,
) -> StoreResult<Vec<LotRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM lots WHERE expired = FALSE AND remaining > 0 AND expires_at > $1 \
             AND expires_at <= $2 AND ($3 IS NULL OR customer_id = $3) ORDER BY expires_at, id"
        ))
        .bind(now)
        .bind(until)
        .bind(customer_id),
    )
    .await
}

/// Every lot (for `verify`).
pub async fn all(tx: &mut Tx) -> StoreResult<Vec<LotRow>> {
    tx.fetch_all(Sql::new(format!("SELECT {COLUMNS} FROM lots ORDER BY id")))
        .await
}

/// Live lots with units left whose next expiry warning is due at `now`, soonest first
/// (through the partial index on `warn_at`: only due lots are read). `has_units` is
/// `remaining > 0`, kept in a column of its own so that a debit, which changes
/// `remaining`, leaves every index of the lot untouched (migration 0012).
pub async fn warnings_due(tx: &mut Tx, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<LotRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM lots WHERE expired = FALSE AND has_units \
             AND warn_at IS NOT NULL AND warn_at <= $1 ORDER BY warn_at, id LIMIT $2"
        ))
        .bind(now)
        .bind(limit),
    )
    .await
}

/// Records when a lot's next expiry warning becomes due (`None`: none left).
pub async fn set_warn_at(tx: &mut Tx, id: &LotId, at: Option<DateTime<Utc>>) -> StoreResult<()> {
    tx.defer(
        Some(format!("lots:{id}")),
        Sql::new("UPDATE lots SET warn_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at),
    )
    .await
}
