//! SQL for top-up quotes.

use chrono::{DateTime, Utc};

use super::db::{StoreResult, Tx};
use super::sql::{Sql, insert_statement};
use crate::domain::ids::{CustomerId, LotId, QuoteId, SowId};
use crate::domain::quote::{QuoteOrigin, QuoteStatus};
use crate::domain::units::Units;
use crate::stored_row;

stored_row! {
    /// A quote row.
    #[derive(Clone, Debug)]
    pub struct QuoteRow {
        /// Quote id.
        pub id: QuoteId,
        /// Customer.
        pub customer_id: CustomerId,
        /// Units quoted.
        pub units: Units,
        /// Why.
        pub reason: String,
        /// What raised it.
        pub origin: QuoteOrigin,
        /// Where it stands.
        pub status: QuoteStatus,
        /// Issue instant.
        pub issued_at: DateTime<Utc>,
        /// Order due.
        pub order_due: DateTime<Utc>,
        /// SoW that caused it.
        pub sow_id: Option<SowId>,
        /// Lot that ordered it.
        pub lot_id: Option<LotId>,
        /// When it left `open`.
        pub closed_at: Option<DateTime<Utc>>,
        /// Who raised it (`system` for automatic quotes).
        pub created_by: String,
    }
}

const COLUMNS: &str = QuoteRow::COLUMNS;

/// Inserts a quote.
pub async fn insert(tx: &mut Tx, q: &QuoteRow) -> StoreResult<()> {
    tx.execute(q.bind_all(Sql::new(insert_statement("quotes", COLUMNS))))
        .await?;
    Ok(())
}

/// One quote, locked on PostgreSQL.
pub async fn get_for_update(tx: &mut Tx, id: &QuoteId) -> StoreResult<Option<QuoteRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM quotes WHERE id = $1{}",
        tx.for_update()
    );
    tx.fetch_optional(Sql::new(sql).bind(id)).await
}

/// One quote.
pub async fn get(tx: &mut Tx, id: &QuoteId) -> StoreResult<Option<QuoteRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM quotes WHERE id = $1")).bind(id))
        .await
}

/// A page of a customer's quotes in id order.
pub async fn list(
    tx: &mut Tx,
    customer_id: &CustomerId,
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

/// Moves an open quote to `status`; false when it was no longer open (another
/// transaction closed it first).
pub async fn close(
    tx: &mut Tx,
    id: &QuoteId,
    status: QuoteStatus,
    lot_id: Option<&LotId>,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    let n = tx
        .execute(
            Sql::new(
                "UPDATE quotes SET status = $2, lot_id = COALESCE($3, lot_id), closed_at = $4 \
                 WHERE id = $1 AND status = $5",
            )
            .bind(id)
            .bind(status)
            .bind(lot_id)
            .bind(at)
            .bind(QuoteStatus::Open),
        )
        .await?;
    Ok(n == 1)
}

/// Quotes in `status` whose order is due at or before `at`.
pub async fn due_by(
    tx: &mut Tx,
    status: QuoteStatus,
    at: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<QuoteRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM quotes WHERE status = $1 AND order_due <= $2 \
             ORDER BY order_due, id LIMIT $3"
        ))
        .bind(status)
        .bind(at)
        .bind(limit),
    )
    .await
}

/// Quotes in `status` whose order is due at or before `before` for which no alert
/// keyed `key_prefix || quote id` was raised yet.
pub async fn due_unannounced(
    tx: &mut Tx,
    status: QuoteStatus,
    before: DateTime<Utc>,
    key_prefix: &str,
    limit: i64,
) -> StoreResult<Vec<QuoteRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM quotes q WHERE status = $1 AND order_due <= $2 \
             AND NOT EXISTS (SELECT 1 FROM alerts_sent a WHERE a.alert_key = $3 || q.id) \
             ORDER BY order_due, id LIMIT $4"
        ))
        .bind(status)
        .bind(before)
        .bind(key_prefix)
        .bind(limit),
    )
    .await
}

/// Quotes in `status` of every customer (or one), soonest order deadline first.
pub async fn in_status(
    tx: &mut Tx,
    status: QuoteStatus,
    customer_id: Option<&CustomerId>,
    limit: i64,
) -> StoreResult<Vec<QuoteRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM quotes WHERE status = $1 AND ($2 IS NULL OR customer_id = $2) \
             ORDER BY order_due, id LIMIT $3"
        ))
        .bind(status)
        .bind(customer_id)
        .bind(limit),
    )
    .await
}
