//! SQL for the maintained balance row of each customer.

use chrono::{DateTime, NaiveDate, Utc};

use super::customers::MailProfile;
use super::db::{Backend, Db, StoreError, StoreResult, Tx};
use super::sql::Sql;
use crate::domain::ids::{CustomerId, LotId};
use crate::domain::notification::Contact;
use crate::domain::units::Units;
use crate::stored_row;

stored_row! {
    /// Maintained figures of one customer.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct AccountRow {
        /// Customer.
        pub customer_id: CustomerId,
        /// Posted balance (Σ entries).
        pub total: Units,
        /// Units provisioned for SoWs.
        pub reserved: Units,
        /// Outstanding deficit.
        pub deficit: Units,
        /// Available units below which the account managers and finance contacts are
        /// told (zero: off).
        pub low_balance_threshold: Units,
        /// The newest timeline checkpoint (movements effective at or before it must
        /// update it).
        pub checkpoint_at: Option<DateTime<Utc>>,
        /// Movements recorded since that checkpoint.
        pub since_checkpoint: i64,
        /// The latest effective instant of any movement recorded.
        pub latest_effective: Option<DateTime<Utc>>,
    }
}

const COLUMNS: &str = AccountRow::COLUMNS;

stored_row! {
    /// An account read under its lock, with what mails about its customer need (one
    /// statement instead of a second read when the use case's events cause mails).
    #[derive(Clone, Debug)]
    pub struct LockedRow {
        /// Customer.
        pub customer_id: CustomerId,
        /// Posted balance.
        pub total: Units,
        /// Provisioned units.
        pub reserved: Units,
        /// Outstanding deficit.
        pub deficit: Units,
        /// Low-balance threshold.
        pub low_balance_threshold: Units,
        /// Newest timeline checkpoint.
        pub checkpoint_at: Option<DateTime<Utc>>,
        /// Movements since it.
        pub since_checkpoint: i64,
        /// Latest effective instant recorded.
        pub latest_effective: Option<DateTime<Utc>>,
        /// Customer's name.
        pub name: String,
        /// Customer's contacts.
        pub contacts: Vec<Contact>,
        /// Customer's calendar zone.
        pub timezone: String,
        /// The calendar's holidays, `YYYY-MM-DD` separated by commas (none: NULL).
        pub holidays: Option<String>,
    }
}

impl LockedRow {
    /// The calendar's holidays, read with the lock (every session and SoW action
    /// computes in the customer's business calendar).
    pub fn holiday_dates(&self) -> StoreResult<Vec<NaiveDate>> {
        self.holidays
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|d| !d.is_empty())
            .map(|d| {
                // ISO 8601 with fixed parse items (no format string read per day).
                d.parse::<NaiveDate>()
                    .map_err(|e| StoreError::Corrupt(format!("holiday {d:?}: {e}")))
            })
            .collect()
    }

    /// The account and the mail profile it was read with.
    pub fn split(self) -> (AccountRow, MailProfile) {
        (
            AccountRow {
                customer_id: self.customer_id,
                total: self.total,
                reserved: self.reserved,
                deficit: self.deficit,
                low_balance_threshold: self.low_balance_threshold,
                checkpoint_at: self.checkpoint_at,
                since_checkpoint: self.since_checkpoint,
                latest_effective: self.latest_effective,
            },
            MailProfile {
                name: self.name,
                contacts: self.contacts,
                timezone: self.timezone,
            },
        )
    }
}

/// The lock's `SELECT`, before its `WHERE`. On PostgreSQL only the account row is
/// locked (`FOR UPDATE OF a`); the customer and calendar rows (and the holidays) are
/// read as they are: a holiday change does not take the account lock either.
fn locked_select(tx: &Tx) -> String {
    let holidays = match tx.backend() {
        Backend::Sqlite => "group_concat(h.day, ',')",
        Backend::Postgres => "string_agg(h.day, ',' ORDER BY h.day)",
    };
    format!(
        "SELECT a.customer_id, a.total, a.reserved, a.deficit, a.low_balance_threshold, \
         a.checkpoint_at, a.since_checkpoint, a.latest_effective, c.name, c.contacts, cal.timezone, \
         (SELECT {holidays} FROM calendar_holidays h WHERE h.calendar_id = cal.id) AS holidays \
         FROM accounts a JOIN customers c ON c.id = a.customer_id \
         JOIN calendars cal ON cal.id = c.calendar_id"
    )
}

/// Reads the account and, on PostgreSQL, locks it until the transaction ends: every
/// movement of a customer's units goes through this lock, so they serialize per
/// customer while different customers proceed in parallel.
pub async fn lock(tx: &mut Tx, customer_id: &CustomerId) -> StoreResult<Option<LockedRow>> {
    let sql = format!(
        "{} WHERE a.customer_id = $1{}",
        locked_select(tx),
        tx.for_update_of("a")
    );
    tx.fetch_optional(Sql::new(sql).bind(customer_id)).await
}

/// Reads the account without locking (balance reads).
pub async fn get(tx: &mut Tx, customer_id: &CustomerId) -> StoreResult<Option<AccountRow>> {
    tx.fetch_optional(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM accounts WHERE customer_id = $1"
        ))
        .bind(customer_id),
    )
    .await
}

/// Sets the low-balance threshold of a customer's account.
pub async fn set_threshold(
    tx: &mut Tx,
    customer_id: &CustomerId,
    threshold: Units,
) -> StoreResult<()> {
    tx.execute(
        Sql::new("UPDATE accounts SET low_balance_threshold = $2 WHERE customer_id = $1")
            .bind(customer_id)
            .bind(threshold),
    )
    .await?;
    Ok(())
}

/// Writes the maintained figures back.
pub async fn save(tx: &mut Tx, account: &AccountRow) -> StoreResult<()> {
    tx.defer(
        Some(format!("accounts:{}", account.customer_id)),
        Sql::new(
            "UPDATE accounts SET total = $2, reserved = $3, deficit = $4, checkpoint_at = $5, \
             since_checkpoint = $6, latest_effective = $7 WHERE customer_id = $1",
        )
        .bind(&account.customer_id)
        .bind(account.total)
        .bind(account.reserved)
        .bind(account.deficit)
        .bind(account.checkpoint_at)
        .bind(account.since_checkpoint)
        .bind(account.latest_effective),
    )
    .await
}

/// The accounts of several customers (one statement: list pages).
pub async fn of_customers(tx: &mut Tx, ids: &[CustomerId]) -> StoreResult<Vec<AccountRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(format!(
        "SELECT {COLUMNS} FROM accounts WHERE customer_id IN "
    ));
    sql.push_list(ids);
    tx.fetch_all(sql).await
}

/// Every account (for `verify`).
pub async fn all(tx: &mut Tx) -> StoreResult<Vec<AccountRow>> {
    tx.fetch_all(Sql::new(format!(
        "SELECT {COLUMNS} FROM accounts ORDER BY customer_id"
    )))
    .await
}

/// What an account can be found through.
#[derive(Clone, Copy, Debug)]
pub enum Owner {
    /// The customer owning a session.
    Session,
    /// The customer owning a SoW.
    Sow,
}

/// Locks the account of the customer owning a session or SoW, in one statement (the
/// first of every session and SoW action); `None` when the subject does not exist.
pub async fn lock_owner(tx: &mut Tx, owner: Owner, id: &str) -> StoreResult<Option<LockedRow>> {
    let table = match owner {
        Owner::Session => "sessions",
        Owner::Sow => "sows",
    };
    let sql = format!(
        "{} WHERE a.customer_id = (SELECT customer_id FROM {table} WHERE id = $1){}",
        locked_select(tx),
        tx.for_update_of("a")
    );
    tx.fetch_optional(Sql::new(sql).bind(id)).await
}

stored_row! {
    /// A customer's maintained figures with one of its live lots (one row per lot; the
    /// lot's columns are null when it has none).
    #[derive(Clone, Debug)]
    pub struct BalanceRow {
        /// The customer.
        pub customer_id: CustomerId,
        /// Posted units.
        pub total: Units,
        /// Reserved for SoWs.
        pub reserved: Units,
        /// Units owed.
        pub deficit: Units,
        /// A live lot.
        pub lot_id: Option<LotId>,
        /// Its units left.
        pub remaining: Option<Units>,
        /// When it expires.
        pub expires_at: Option<DateTime<Utc>>,
        /// When it was received.
        pub received_on: Option<NaiveDate>,
    }
}

/// The balance as maintained and the live lots in one statement: one round trip and one
/// snapshot, run without a transaction (`GET …/balance`, what finance systems poll).
/// Lots in the order [`super::lots::live_for_customer`] gives.
pub async fn balance_now(db: &Db, customer_id: &CustomerId) -> StoreResult<Vec<BalanceRow>> {
    db.fetch_all(
        Sql::new(
            "SELECT a.customer_id, a.total, a.reserved, a.deficit, l.id AS lot_id, l.remaining, \
             l.expires_at, l.received_on FROM accounts a \
             LEFT JOIN lots l ON l.customer_id = a.customer_id AND l.expired = FALSE \
             WHERE a.customer_id = $1 ORDER BY l.expires_at, l.received_on, l.id",
        )
        .bind(customer_id),
    )
    .await
}
