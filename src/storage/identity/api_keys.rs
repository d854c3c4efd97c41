//! SQL for API keys.

use chrono::{DateTime, Utc};

use crate::domain::identity::Actor;
use crate::storage::db::{Db, StoreResult, Tx};
use crate::storage::sql::{Sql, insert_statement};
use crate::stored_row;

stored_row! {
    /// One API key.
    #[derive(Clone, Debug)]
    pub struct ApiKeyRow {
        /// Id (`key_…`).
        pub id: String,
        /// What it is for.
        pub name: String,
        /// The secret's first characters (to tell keys apart).
        pub prefix: String,
        /// SHA-256 of the current secret (hex).
        pub secret_hash: String,
        /// SHA-256 of the secret before the last roll, valid until `previous_until`.
        pub previous_hash: Option<String>,
        /// End of the roll's grace period.
        pub previous_until: Option<DateTime<Utc>>,
        /// Role names.
        pub roles: Vec<String>,
        /// The customer a customer-scoped key speaks for.
        pub customer_id: Option<String>,
        /// Who created it.
        pub created_by: Actor,
        /// When.
        pub created_at: DateTime<Utc>,
        /// Last request made with it (to the minute).
        pub last_used_at: Option<DateTime<Utc>>,
        /// When it stops working.
        pub expires_at: Option<DateTime<Utc>>,
        /// When it was revoked.
        pub revoked_at: Option<DateTime<Utc>>,
        /// When it was last rolled.
        pub rolled_at: Option<DateTime<Utc>>,
    }
}

const COLUMNS: &str = ApiKeyRow::COLUMNS;

/// Records a new key.
pub async fn insert(tx: &mut Tx, row: &ApiKeyRow) -> StoreResult<()> {
    tx.execute(row.bind_all(Sql::new(insert_statement("api_keys", COLUMNS))))
        .await?;
    Ok(())
}

/// One key by id.
pub async fn get(tx: &mut Tx, id: &str) -> StoreResult<Option<ApiKeyRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM api_keys WHERE id = $1")).bind(id))
        .await
}

/// The key whose current or previous secret hashes to `hash` (one statement, outside
/// any transaction: it runs on every request made with a key).
pub async fn by_hash(db: &Db, hash: &str) -> StoreResult<Option<ApiKeyRow>> {
    db.fetch_optional(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM api_keys WHERE secret_hash = $1 OR previous_hash = $1"
        ))
        .bind(hash),
    )
    .await
}

/// A page of keys in id order.
pub async fn list(tx: &mut Tx, after: Option<&str>, limit: i64) -> StoreResult<Vec<ApiKeyRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM api_keys WHERE ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2"
        ))
        .bind(after)
        .bind(limit),
    )
    .await
}

/// Revokes a key (no-op when already revoked).
pub async fn revoke(tx: &mut Tx, id: &str, at: DateTime<Utc>) -> StoreResult<()> {
    tx.execute(
        Sql::new("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(at),
    )
    .await?;
    Ok(())
}

/// Replaces the secret, keeping the current one valid until `until`.
pub async fn roll(
    tx: &mut Tx,
    id: &str,
    new_hash: &str,
    prefix: &str,
    until: DateTime<Utc>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    tx.execute(
        Sql::new(
            "UPDATE api_keys SET previous_hash = secret_hash, previous_until = $4, \
             secret_hash = $2, prefix = $3, rolled_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(new_hash)
        .bind(prefix)
        .bind(until)
        .bind(at),
    )
    .await?;
    Ok(())
}

/// Notes a use of the key, at most once a minute (one statement, outside any
/// transaction; it changes nothing when the last use is recent).
pub async fn touch(db: &Db, id: &str, at: DateTime<Utc>) -> StoreResult<()> {
    let stale = at - chrono::Duration::minutes(1);
    db.execute(
        Sql::new(
            "UPDATE api_keys SET last_used_at = $2 WHERE id = $1 \
             AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(id)
        .bind(at)
        .bind(stale),
    )
    .await?;
    Ok(())
}
