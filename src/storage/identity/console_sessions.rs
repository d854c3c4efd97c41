//! SQL for console sessions.

use chrono::{DateTime, Utc};

use crate::storage::db::{Db, StoreResult, Tx};
use crate::storage::sql::{Sql, insert_statement};
use crate::stored_row;

stored_row! {
    /// One console sign-in.
    #[derive(Clone, Debug)]
    pub struct ConsoleSessionRow {
        /// SHA-256 of the cookie's random identifier (hex).
        pub id_hash: String,
        /// The caller it stands for (JSON of the principal).
        pub principal: String,
        /// Who signed in: the actor's id…
        pub actor_id: String,
        /// …and kind (`user`, `contact`, `operator_token`).
        pub actor_type: String,
        /// The customer of a contact's session.
        pub customer_id: Option<String>,
        /// The token every form of the session carries.
        pub csrf: String,
        /// Sign-in.
        pub created_at: DateTime<Utc>,
        /// Last request.
        pub last_seen_at: DateTime<Utc>,
        /// Sign-out, or ended because the person was disabled or the contact removed.
        pub ended_at: Option<DateTime<Utc>>,
    }
}

const COLUMNS: &str = ConsoleSessionRow::COLUMNS;

/// Records a sign-in.
pub async fn insert(tx: &mut Tx, row: &ConsoleSessionRow) -> StoreResult<()> {
    tx.execute(row.bind_all(Sql::new(insert_statement("console_sessions", COLUMNS))))
        .await?;
    Ok(())
}

/// A live session by its hashed identifier (one statement: every console request).
pub async fn live(db: &Db, id_hash: &str) -> StoreResult<Option<ConsoleSessionRow>> {
    db.fetch_optional(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM console_sessions WHERE id_hash = $1 AND ended_at IS NULL"
        ))
        .bind(id_hash),
    )
    .await
}

/// Notes a request (at most once a minute, so most requests write nothing).
pub async fn touch(db: &Db, id_hash: &str, at: DateTime<Utc>) -> StoreResult<()> {
    db.execute(
        Sql::new(
            "UPDATE console_sessions SET last_seen_at = $2 WHERE id_hash = $1 \
             AND last_seen_at < $3",
        )
        .bind(id_hash)
        .bind(at)
        .bind(at - chrono::Duration::minutes(1)),
    )
    .await?;
    Ok(())
}

/// Ends one session.
pub async fn end(tx: &mut Tx, id_hash: &str, at: DateTime<Utc>) -> StoreResult<u64> {
    tx.execute(
        Sql::new(
            "UPDATE console_sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL",
        )
        .bind(id_hash)
        .bind(at),
    )
    .await
}

/// Ends every live session of an actor (a person disabled, a contact removed).
pub async fn end_all_of(
    tx: &mut Tx,
    actor_type: &str,
    actor_id: &str,
    at: DateTime<Utc>,
) -> StoreResult<u64> {
    tx.execute(
        Sql::new(
            "UPDATE console_sessions SET ended_at = $3 WHERE actor_type = $1 AND actor_id = $2 \
             AND ended_at IS NULL",
        )
        .bind(actor_type)
        .bind(actor_id)
        .bind(at),
    )
    .await
}
