//! SQL for customers and their maintained account row.

use chrono::{DateTime, NaiveDate, Utc};

use super::db::{StoreResult, Tx};
use super::sql::{Sql, insert_statement};
use crate::domain::ids::{CalendarId, CustomerId};
use crate::domain::notification::Contact;
use crate::stored_row;

stored_row! {
    /// A customer row.
    #[derive(Debug, Clone)]
    pub struct CustomerRow {
        /// Opaque id.
        pub id: CustomerId,
        /// Legal or display name.
        pub name: String,
        /// Business calendar.
        pub calendar_id: CalendarId,
        /// SecureCall contract reference.
        pub securecall_reference: Option<String>,
        /// First day of the SecureCall contract.
        pub securecall_starts_on: Option<NaiveDate>,
        /// Last day of the SecureCall contract.
        pub securecall_ends_on: Option<NaiveDate>,
        /// Packs may be sold without an active SecureCall contract.
        pub standalone_agreed: bool,
        /// Who receives mails, and in which language.
        pub contacts: Vec<Contact>,
        /// Creation instant.
        pub created_at: DateTime<Utc>,
        /// Last change.
        pub updated_at: DateTime<Utc>,
    }
}

const COLUMNS: &str = CustomerRow::COLUMNS;

/// Inserts a customer and its empty account.
pub async fn insert(tx: &mut Tx, c: &CustomerRow) -> StoreResult<()> {
    tx.execute(c.bind_all(Sql::new(insert_statement("customers", COLUMNS))))
        .await?;
    tx.execute(Sql::new("INSERT INTO accounts (customer_id) VALUES ($1)").bind(&c.id))
        .await?;
    Ok(())
}

/// Replaces the editable fields of a customer.
pub async fn update(tx: &mut Tx, c: &CustomerRow) -> StoreResult<()> {
    tx.execute(
        Sql::new(
            "UPDATE customers SET name = $2, calendar_id = $3, securecall_reference = $4, \
             securecall_starts_on = $5, securecall_ends_on = $6, standalone_agreed = $7, updated_at = $8, \
             contacts = $9 WHERE id = $1",
        )
        .bind(&c.id)
        .bind(c.name.as_str())
        .bind(&c.calendar_id)
        .bind(&c.securecall_reference)
        .bind(c.securecall_starts_on)
        .bind(c.securecall_ends_on)
        .bind(c.standalone_agreed)
        .bind(c.updated_at)
        .bind(&c.contacts),
    )
    .await?;
    Ok(())
}

/// One customer.
pub async fn get(tx: &mut Tx, id: &CustomerId) -> StoreResult<Option<CustomerRow>> {
    tx.fetch_optional(Sql::new(format!("SELECT {COLUMNS} FROM customers WHERE id = $1")).bind(id))
        .await
}

/// A page of customers in id (creation) order after the cursor, optionally only one.
pub async fn list(
    tx: &mut Tx,
    after: Option<&str>,
    limit: i64,
    only: Option<&CustomerId>,
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

stored_row! {
    /// What a mail needs to know of its customer.
    #[derive(Debug, Clone)]
    pub struct MailProfile {
        /// Name.
        pub name: String,
        /// Contacts.
        pub contacts: Vec<Contact>,
        /// The calendar's IANA zone.
        pub timezone: String,
    }
}

/// The customers that list `email` (lower case) among their contacts.
pub async fn with_contact(tx: &mut Tx, email: &str) -> StoreResult<Vec<CustomerRow>> {
    // A coarse filter in SQL (the same on both engines), the exact match after.
    let rows: Vec<CustomerRow> = tx
        .fetch_all(
            Sql::new(format!(
                "SELECT {COLUMNS} FROM customers WHERE lower(contacts) LIKE $1 ORDER BY id"
            ))
            .bind(format!("%{email}%")),
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter(|c| {
            c.contacts
                .iter()
                .any(|k| k.email.eq_ignore_ascii_case(email))
        })
        .collect())
}
