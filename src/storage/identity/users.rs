//! SQL for staff who signed in.

use chrono::{DateTime, Utc};

use crate::storage::db::{StoreResult, Tx};
use crate::storage::sql::{Sql, insert_statement};
use crate::stored_row;

stored_row! {
    /// A person who signed in through the provider.
    #[derive(Clone, Debug)]
    pub struct UserRow {
        /// The provider's subject.
        pub id: String,
        /// Name (`name` claim).
        pub name: String,
        /// E-mail (`email` claim).
        pub email: Option<String>,
        /// Role names from the last sign-in.
        pub roles: Vec<String>,
        /// First sign-in.
        pub first_seen_at: DateTime<Utc>,
        /// Last sign-in.
        pub last_sign_in_at: DateTime<Utc>,
        /// Disabled by an admin (no sign-in, no session).
        pub disabled_at: Option<DateTime<Utc>>,
    }
}

const COLUMNS: &str = UserRow::COLUMNS;

/// One person.
pub async fn get(tx: &mut Tx, id: &str) -> StoreResult<Option<UserRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM users WHERE id = $1")).bind(id))
        .await
}

/// Records a sign-in: a new person, or the name, e-mail and roles refreshed.
pub async fn upsert(tx: &mut Tx, row: &UserRow) -> StoreResult<()> {
    let updated = tx
        .execute(
            Sql::new(
                "UPDATE users SET name = $2, email = $3, roles = $4, last_sign_in_at = $5 \
                 WHERE id = $1",
            )
            .bind(row.id.as_str())
            .bind(row.name.as_str())
            .bind(row.email.as_deref())
            .bind(crate::storage::column::Column::arg(&row.roles))
            .bind(row.last_sign_in_at),
        )
        .await?;
    if updated == 0 {
        tx.execute(row.bind_all(Sql::new(insert_statement("users", COLUMNS))))
            .await?;
    }
    Ok(())
}

/// A page of people in id order.
pub async fn list(tx: &mut Tx, after: Option<&str>, limit: i64) -> StoreResult<Vec<UserRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM users WHERE ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2"
        ))
        .bind(after)
        .bind(limit),
    )
    .await
}

/// Disables or enables a person.
pub async fn set_disabled(tx: &mut Tx, id: &str, at: Option<DateTime<Utc>>) -> StoreResult<()> {
    tx.execute(
        Sql::new("UPDATE users SET disabled_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at),
    )
    .await?;
    Ok(())
}

/// E-mail addresses of enabled staff whose last sign-in gave them the admin role.
pub async fn admin_emails(tx: &mut Tx) -> StoreResult<Vec<String>> {
    let rows: Vec<UserRow> = tx
        .fetch_all(Sql::new(format!(
            "SELECT {COLUMNS} FROM users WHERE disabled_at IS NULL AND email IS NOT NULL ORDER BY id"
        )))
        .await?;
    Ok(rows
        .into_iter()
        .filter(|u| u.roles.iter().any(|r| r == "admin"))
        .filter_map(|u| u.email)
        .collect())
}

/// Whether a person is disabled (one statement, outside any transaction: it runs on
/// every API request made with the provider's token for a person).
pub async fn is_disabled(db: &crate::storage::db::Db, id: &str) -> StoreResult<bool> {
    let row: Option<UserRow> = db
        .fetch_optional(
            Sql::new(format!(
                "SELECT {COLUMNS} FROM users WHERE id = $1 AND disabled_at IS NOT NULL"
            ))
            .bind(id),
        )
        .await?;
    Ok(row.is_some())
}
