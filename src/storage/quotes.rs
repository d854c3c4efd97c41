//! SQL for top-up quotes.

use super::db::{Sql, StoreResult, Tx};

/// A quote row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QuoteRow {
    /// Quote id.
    pub id: String,
    /// Customer.
    pub customer_id: String,
    /// Units quoted (hundredths).
    pub units: i64,
    /// Why.
    pub reason: String,
    /// `manual`, `sow_shortfall`, `deficit` or `coverage_lost`.
    pub origin: String,
    /// `open`, `ordered`, `lapsed` or `cancelled`.
    pub status: String,
    /// Issue instant (µs).
    pub issued_at: i64,
    /// Order due (µs).
    pub order_due: i64,
    /// SoW that caused it.
    pub sow_id: Option<String>,
    /// Lot that ordered it.
    pub lot_id: Option<String>,
    /// When it left `open` (µs).
    pub closed_at: Option<i64>,
    /// Who raised it (`system` for automatic quotes).
    pub created_by: String,
}

const COLUMNS: &str = "id, customer_id, units, reason, origin, status, issued_at, order_due, sow_id, lot_id, closed_at, created_by";

/// Inserts a quote.
pub async fn insert(tx: &mut Tx, q: &QuoteRow) -> StoreResult<()> {
    tx.execute(
        Sql::new(format!(
            "INSERT INTO quotes ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(q.id.as_str())
        .bind(q.customer_id.as_str())
        .bind(q.units)
        .bind(q.reason.as_str())
        .bind(q.origin.as_str())
        .bind(q.status.as_str())
        .bind(q.issued_at)
        .bind(q.order_due)
        .bind(q.sow_id.clone())
        .bind(q.lot_id.clone())
        .bind(q.closed_at)
        .bind(q.created_by.as_str()),
    )
    .await?;
    Ok(())
}

/// One quote, locked on PostgreSQL.
pub async fn get_for_update(tx: &mut Tx, id: &str) -> StoreResult<Option<QuoteRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM quotes WHERE id = $1{}",
        tx.for_update()
    );
    tx.fetch_optional(Sql::new(sql).bind(id)).await
}

/// One quote.
pub async fn get(tx: &mut Tx, id: &str) -> StoreResult<Option<QuoteRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM quotes WHERE id = $1")).bind(id))
        .await
}

/// A page of a customer's quotes in id order.
pub async fn list(
    tx: &mut Tx,
    customer_id: &str,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<QuoteRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM quotes WHERE customer_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
        ))
        .bind(customer_id)
        .bind(after)
        .bind(limit),
    )
    .await
}

/// Moves an open quote to another status; false when it was no longer open.
pub async fn close(
    tx: &mut Tx,
    id: &str,
    status: &str,
    lot_id: Option<&str>,
    at: i64,
) -> StoreResult<bool> {
    let n = tx
        .execute(
            Sql::new(
                "UPDATE quotes SET status = $2, lot_id = COALESCE($3, lot_id), closed_at = $4 \
                 WHERE id = $1 AND status = 'open'",
            )
            .bind(id)
            .bind(status)
            .bind(lot_id)
            .bind(at),
        )
        .await?;
    Ok(n == 1)
}

/// Open quotes whose order is overdue at `now`: `(id, customer, order_due)`.
pub async fn due_for_lapse(
    tx: &mut Tx,
    now: i64,
    limit: i64,
) -> StoreResult<Vec<(String, String, i64)>> {
    tx.fetch_all(
        Sql::new(
            "SELECT id, customer_id, order_due FROM quotes WHERE status = 'open' AND order_due <= $1 \
             ORDER BY order_due, id LIMIT $2",
        )
        .bind(now)
        .bind(limit),
    )
    .await
}
