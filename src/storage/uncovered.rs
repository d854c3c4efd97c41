//! SQL for the units no SoW covers and their monthly digest.

use chrono::{DateTime, Utc};

use super::db::{StoreResult, Tx};
use super::sql::Sql;
use crate::domain::ids::CustomerId;
use crate::domain::units::Units;
use crate::stored_row;

stored_row! {
    /// A customer holding more units than its SoWs reserve.
    #[derive(Clone, Debug)]
    pub struct CandidateRow {
        /// The customer.
        pub customer_id: CustomerId,
        /// Its name.
        pub customer_name: String,
        /// Its posted balance.
        pub total: Units,
        /// What approved SoWs reserve.
        pub reserved: Units,
    }
}

stored_row! {
    /// A live lot's units, for finding which lots hold the uncovered ones.
    #[derive(Clone, Debug)]
    pub struct HoldingRow {
        /// The customer.
        pub customer_id: CustomerId,
        /// Units left.
        pub remaining: Units,
        /// When they expire.
        pub expires_at: DateTime<Utc>,
    }
}

stored_row! {
    /// When a customer's latest SoW was drafted.
    #[derive(Clone, Debug)]
    pub struct LastSowRow {
        /// The customer.
        pub customer_id: CustomerId,
        /// Its latest SoW's creation.
        pub last_sow_at: Option<DateTime<Utc>>,
    }
}

/// Customers whose balance exceeds what their SoWs reserve.
pub async fn candidates(tx: &mut Tx) -> StoreResult<Vec<CandidateRow>> {
    tx.fetch_all(Sql::new(
        "SELECT a.customer_id, c.name AS customer_name, a.total, a.reserved \
         FROM accounts a JOIN customers c ON c.id = a.customer_id \
         WHERE a.total > a.reserved ORDER BY a.customer_id",
    ))
    .await
}

/// The live lots of these customers.
pub async fn holdings(tx: &mut Tx, ids: &[CustomerId]) -> StoreResult<Vec<HoldingRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT customer_id, remaining, expires_at FROM lots \
         WHERE NOT expired AND remaining > 0 AND customer_id IN ",
    );
    sql.push_list(ids);
    tx.fetch_all(sql).await
}

/// When each of these customers' latest SoW was drafted.
pub async fn last_sows(tx: &mut Tx, ids: &[CustomerId]) -> StoreResult<Vec<LastSowRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT customer_id, MAX(created_at) AS last_sow_at FROM sows WHERE customer_id IN ",
    );
    sql.push_list(ids);
    sql.push_sql(" GROUP BY customer_id");
    tx.fetch_all(sql).await
}

/// Records that the digest `key` was sent; false when it already was.
pub async fn mark_digest(tx: &mut Tx, key: &str, at: DateTime<Utc>) -> StoreResult<bool> {
    let n = tx
        .execute(
            Sql::new(
                "INSERT INTO digests_sent (digest_key, at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(key)
            .bind(at),
        )
        .await?;
    Ok(n == 1)
}
