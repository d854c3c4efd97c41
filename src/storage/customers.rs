//! SQL for customers and their maintained account row.

use super::db::{Sql, StoreResult, Tx};

/// A customer row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerRow {
    /// Opaque id.
    pub id: String,
    /// Legal or display name.
    pub name: String,
    /// Business calendar.
    pub calendar_id: String,
    /// SecureCall contract reference.
    pub securecall_reference: Option<String>,
    /// First day of the SecureCall contract.
    pub securecall_starts_on: Option<String>,
    /// Last day of the SecureCall contract.
    pub securecall_ends_on: Option<String>,
    /// Packs may be sold without an active SecureCall contract.
    pub standalone_agreed: bool,
    /// Creation instant (µs).
    pub created_at: i64,
    /// Last change (µs).
    pub updated_at: i64,
}

const COLUMNS: &str = "id, name, calendar_id, securecall_reference, securecall_starts_on, \
    securecall_ends_on, standalone_agreed, created_at, updated_at";

/// Inserts a customer and its empty account.
pub async fn insert(tx: &mut Tx, c: &CustomerRow) -> StoreResult<()> {
    tx.execute(
        Sql::new(format!(
            "INSERT INTO customers ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(c.id.as_str())
        .bind(c.name.as_str())
        .bind(c.calendar_id.as_str())
        .bind(c.securecall_reference.clone())
        .bind(c.securecall_starts_on.clone())
        .bind(c.securecall_ends_on.clone())
        .bind(c.standalone_agreed)
        .bind(c.created_at)
        .bind(c.updated_at),
    )
    .await?;
    tx.execute(Sql::new("INSERT INTO accounts (customer_id) VALUES ($1)").bind(c.id.as_str()))
        .await?;
    Ok(())
}

/// Replaces the editable fields of a customer.
pub async fn update(tx: &mut Tx, c: &CustomerRow) -> StoreResult<()> {
    tx.execute(
        Sql::new(
            "UPDATE customers SET name = $2, calendar_id = $3, securecall_reference = $4, \
             securecall_starts_on = $5, securecall_ends_on = $6, standalone_agreed = $7, updated_at = $8 \
             WHERE id = $1",
        )
        .bind(c.id.as_str())
        .bind(c.name.as_str())
        .bind(c.calendar_id.as_str())
        .bind(c.securecall_reference.clone())
        .bind(c.securecall_starts_on.clone())
        .bind(c.securecall_ends_on.clone())
        .bind(c.standalone_agreed)
        .bind(c.updated_at),
    )
    .await?;
    Ok(())
}

/// One customer.
pub async fn get(tx: &mut Tx, id: &str) -> StoreResult<Option<CustomerRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM customers WHERE id = $1")).bind(id))
        .await
}

/// A page of customers in id (creation) order after the cursor, optionally only one.
pub async fn list(
    tx: &mut Tx,
    after: Option<&str>,
    limit: i64,
    only: Option<&str>,
) -> StoreResult<Vec<CustomerRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM customers WHERE ($1 IS NULL OR id > $1) AND ($2 IS NULL OR id = $2) \
             ORDER BY id LIMIT $3"
        ))
        .bind(after)
        .bind(only)
        .bind(limit),
    )
    .await
}
