//! Stored responses of state-changing requests, keyed by caller and `Idempotency-Key`.

use sha2::{Digest, Sha256};

use chrono::{DateTime, Utc};

use super::db::{Backend, StoreResult, Tx};
use super::sql::Sql;

/// A stored first response.
#[derive(Debug, sqlx::FromRow)]
pub struct IdempotencyRecord {
    /// Fingerprint of the first request.
    pub request_hash: String,
    /// Its HTTP status.
    pub status_code: i64,
    /// Replayed headers as a JSON object.
    pub headers: String,
    /// Its body.
    pub body: String,
}

/// Takes a transaction-scoped lock on the key so a second replica handling the same key
/// at the same time answers 409 instead of doing the work twice. On SQLite the write
/// transaction already excludes every other writer.
pub async fn try_lock_key(tx: &mut Tx, caller: &str, key: &str) -> StoreResult<bool> {
    if tx.backend() == Backend::Sqlite {
        return Ok(true);
    }
    let digest = Sha256::digest(format!("{caller}\u{0}{key}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let lock_id = i64::from_be_bytes(first);
    let (locked,): (bool,) = tx
        .fetch_one(Sql::new("SELECT pg_try_advisory_xact_lock($1)").bind(lock_id))
        .await?;
    Ok(locked)
}

/// The stored response for this caller and key, if any.
pub async fn find(tx: &mut Tx, caller: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
    tx.fetch_optional(
        Sql::new(
            "SELECT request_hash, status_code, headers, body FROM idempotency_records \
             WHERE caller = $1 AND idem_key = $2",
        )
        .bind(caller)
        .bind(key),
    )
    .await
}

/// Stores the first response (in the same transaction as the work it describes).
pub async fn insert(
    tx: &mut Tx,
    caller: &str,
    key: &str,
    record: &IdempotencyRecord,
    created_at: DateTime<Utc>,
) -> StoreResult<()> {
    tx.execute(
        Sql::new(
            "INSERT INTO idempotency_records \
             (caller, idem_key, request_hash, status_code, headers, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(caller)
        .bind(key)
        .bind(record.request_hash.as_str())
        .bind(record.status_code)
        .bind(record.headers.as_str())
        .bind(record.body.as_str())
        .bind(created_at),
    )
    .await?;
    Ok(())
}

/// Forgets records created before the cutoff (kept at least 24 hours by the caller).
pub async fn purge_before(tx: &mut Tx, cutoff: DateTime<Utc>) -> StoreResult<u64> {
    tx.execute(Sql::new("DELETE FROM idempotency_records WHERE created_at < $1").bind(cutoff))
        .await
}
