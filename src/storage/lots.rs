//! SQL for lots (packs).

use super::db::{Sql, StoreResult, Tx};

/// A lot row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LotRow {
    /// Lot id.
    pub id: String,
    /// Customer.
    pub customer_id: String,
    /// Units sold.
    pub units: i64,
    /// Units left.
    pub remaining: i64,
    /// Date the order was received.
    pub received_on: String,
    /// Expiry instant (µs).
    pub expires_at: i64,
    /// Order reference.
    pub order_reference: String,
    /// Quote it settles.
    pub quote_id: Option<String>,
    /// Price amount (decimal text).
    pub price_amount: Option<String>,
    /// Price currency.
    pub price_currency: Option<String>,
    /// Its expiry was applied.
    pub expired: bool,
    /// Creation instant (µs).
    pub created_at: i64,
    /// Who sold it.
    pub created_by: String,
}

const COLUMNS: &str = "id, customer_id, units, remaining, received_on, expires_at, order_reference, quote_id, \
    price_amount, price_currency, expired, created_at, created_by";

/// Inserts a lot.
pub async fn insert(tx: &mut Tx, lot: &LotRow) -> StoreResult<()> {
    tx.execute(
        Sql::new(format!(
            "INSERT INTO lots ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ))
        .bind(lot.id.as_str())
        .bind(lot.customer_id.as_str())
        .bind(lot.units)
        .bind(lot.remaining)
        .bind(lot.received_on.as_str())
        .bind(lot.expires_at)
        .bind(lot.order_reference.as_str())
        .bind(lot.quote_id.clone())
        .bind(lot.price_amount.clone())
        .bind(lot.price_currency.clone())
        .bind(lot.expired)
        .bind(lot.created_at)
        .bind(lot.created_by.as_str()),
    )
    .await?;
    Ok(())
}

/// One lot.
pub async fn get(tx: &mut Tx, id: &str) -> StoreResult<Option<LotRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM lots WHERE id = $1")).bind(id))
        .await
}

/// Lots of a customer whose expiry has not been applied, in consumption order
/// (expiry, received_on, id) — the order the allocator expects.
pub async fn live_for_customer(tx: &mut Tx, customer_id: &str) -> StoreResult<Vec<LotRow>> {
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
pub async fn by_ids(tx: &mut Tx, ids: &[String]) -> StoreResult<Vec<LotRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(format!("SELECT {COLUMNS} FROM lots WHERE id IN ("));
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push_sql(", ");
        }
        let n = sql.push_bind(id.as_str());
        sql.push_sql(&format!("${n}"));
    }
    sql.push_sql(")");
    tx.fetch_all(sql).await
}

/// A page of a customer's lots in id order.
pub async fn list(
    tx: &mut Tx,
    customer_id: &str,
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

/// Adds `delta` hundredths to a lot's remaining units.
pub async fn adjust(tx: &mut Tx, id: &str, delta: i64) -> StoreResult<()> {
    tx.execute(
        Sql::new("UPDATE lots SET remaining = remaining + $2 WHERE id = $1")
            .bind(id)
            .bind(delta),
    )
    .await?;
    Ok(())
}

/// Marks a lot's expiry applied; false when another run already did.
pub async fn mark_expired(tx: &mut Tx, id: &str) -> StoreResult<bool> {
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

/// Lots whose expiry instant has passed but was not applied yet: `(lot id, customer)`.
pub async fn due_for_expiry(
    tx: &mut Tx,
    now: i64,
    limit: i64,
) -> StoreResult<Vec<(String, String)>> {
    tx.fetch_all(
        Sql::new(
            "SELECT id, customer_id FROM lots WHERE expired = FALSE AND expires_at <= $1 \
             ORDER BY expires_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit),
    )
    .await
}

/// Lots with units left that expire within `(now, until]`, soonest first.
pub async fn expiring(
    tx: &mut Tx,
    now: i64,
    until: i64,
    customer_id: Option<&str>,
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
