//! SQL for e-mailed sign-in links.

use chrono::{DateTime, Utc};

use crate::storage::db::{StoreResult, Tx};
use crate::storage::sql::{Count, Sql, insert_statement};
use crate::stored_row;

stored_row! {
    /// One sign-in link.
    #[derive(Clone, Debug)]
    pub struct LinkRow {
        /// SHA-256 of the link's token (hex).
        pub token_hash: String,
        /// The contact's customer.
        pub customer_id: String,
        /// The contact's address (lower case).
        pub email: String,
        /// Sent.
        pub created_at: DateTime<Utc>,
        /// Stops working.
        pub expires_at: DateTime<Utc>,
        /// Used (a link works once).
        pub used_at: Option<DateTime<Utc>>,
    }
}

const COLUMNS: &str = LinkRow::COLUMNS;

/// Records a link.
pub async fn insert(tx: &mut Tx, row: &LinkRow) -> StoreResult<()> {
    tx.execute(row.bind_all(Sql::new(insert_statement("sign_in_links", COLUMNS))))
        .await?;
    Ok(())
}

/// Links sent to `email` since `since`.
pub async fn sent_to_since(tx: &mut Tx, email: &str, since: DateTime<Utc>) -> StoreResult<i64> {
    let Count { n } = tx
        .fetch_one(
            Sql::new(
                "SELECT COUNT(*) AS n FROM sign_in_links WHERE email = $1 AND created_at > $2",
            )
            .bind(email)
            .bind(since),
        )
        .await?;
    Ok(n)
}

/// One link by its hashed token.
pub async fn get(tx: &mut Tx, token_hash: &str) -> StoreResult<Option<LinkRow>> {
    tx.fetch_optional(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM sign_in_links WHERE token_hash = $1"
        ))
        .bind(token_hash),
    )
    .await
}

/// Uses a link; 0 when it was already used (a race lost).
pub async fn use_once(tx: &mut Tx, token_hash: &str, at: DateTime<Utc>) -> StoreResult<u64> {
    tx.execute(
        Sql::new("UPDATE sign_in_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL")
            .bind(token_hash)
            .bind(at),
    )
    .await
}
