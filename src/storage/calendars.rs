//! SQL for business calendars and their holidays.

use chrono::{DateTime, NaiveDate, Utc};

use super::db::{StoreResult, Tx};
use super::sql::Sql;
use crate::domain::ids::{CalendarId, CustomerId};
use crate::stored_row;

stored_row! {
    /// A calendar row.
    #[derive(Debug, Clone)]
    pub struct CalendarRow {
        /// Caller-chosen id.
        pub id: CalendarId,
        /// Display name.
        pub name: String,
        /// IANA zone name.
        pub timezone: String,
        /// Creation instant.
        pub created_at: DateTime<Utc>,
        /// Last change.
        pub updated_at: DateTime<Utc>,
    }
}

stored_row! {
    /// A customer's calendar zone with one of its holidays (none when it has none).
    #[derive(Debug, Clone)]
    pub struct ZoneDay {
        /// IANA zone name.
        pub timezone: String,
        /// A holiday.
        pub day: Option<NaiveDate>,
    }
}

stored_row! {
    /// One holiday of a calendar.
    #[derive(Debug, Clone)]
    struct Holiday {
        /// The local date.
        pub day: NaiveDate,
    }
}

/// Inserts or replaces a calendar's name and zone; returns true when it was created.
pub async fn upsert(
    tx: &mut Tx,
    id: &CalendarId,
    name: &str,
    timezone: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let updated = tx
        .execute(
            Sql::new(
                "UPDATE calendars SET name = $2, timezone = $3, updated_at = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(name)
            .bind(timezone)
            .bind(now),
        )
        .await?;
    if updated > 0 {
        return Ok(false);
    }
    tx.execute(
        Sql::new(
            "INSERT INTO calendars (id, name, timezone, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(id)
        .bind(name)
        .bind(timezone)
        .bind(now),
    )
    .await?;
    Ok(true)
}

/// One calendar.
pub async fn get(tx: &mut Tx, id: &CalendarId) -> StoreResult<Option<CalendarRow>> {
    tx.fetch_optional(
        Sql::new("SELECT id, name, timezone, created_at, updated_at FROM calendars WHERE id = $1")
            .bind(id),
    )
    .await
}

/// The holidays of a calendar, in date order.
pub async fn holidays(tx: &mut Tx, id: &CalendarId) -> StoreResult<Vec<NaiveDate>> {
    let rows: Vec<Holiday> = tx
        .fetch_all(
            Sql::new("SELECT day FROM calendar_holidays WHERE calendar_id = $1 ORDER BY day")
                .bind(id),
        )
        .await?;
    Ok(rows.into_iter().map(|h| h.day).collect())
}

/// Adds a holiday (no-op when present).
pub async fn add_holiday(
    tx: &mut Tx,
    id: &CalendarId,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    tx.execute(
        Sql::new("INSERT INTO calendar_holidays (calendar_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(day),
    )
    .await?;
    touch(tx, id, now).await
}

/// Removes a holiday; returns whether it existed.
pub async fn remove_holiday(
    tx: &mut Tx,
    id: &CalendarId,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let n = tx
        .execute(
            Sql::new("DELETE FROM calendar_holidays WHERE calendar_id = $1 AND day = $2")
                .bind(id)
                .bind(day),
        )
        .await?;
    touch(tx, id, now).await?;
    Ok(n > 0)
}

async fn touch(tx: &mut Tx, id: &CalendarId, now: DateTime<Utc>) -> StoreResult<()> {
    tx.execute(
        Sql::new("UPDATE calendars SET updated_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now),
    )
    .await?;
    Ok(())
}

/// Locks a calendar row for the rest of the transaction (PostgreSQL), so a holiday
/// change and a deadline computation never interleave.
pub async fn lock(tx: &mut Tx, id: &CalendarId) -> StoreResult<bool> {
    let sql = format!("SELECT id FROM calendars WHERE id = $1{}", tx.for_update());
    let row: Option<(String,)> = tx.fetch_optional(Sql::new(sql).bind(id)).await?;
    Ok(row.is_some())
}

/// A customer's calendar zone with each of its holidays (one row per holiday, or one
/// row with no holiday): `(timezone, day)`. Empty when the customer does not exist.
pub async fn for_customer(tx: &mut Tx, customer_id: &CustomerId) -> StoreResult<Vec<ZoneDay>> {
    tx.fetch_all(
        Sql::new(
            "SELECT c.timezone, h.day FROM customers cu JOIN calendars c ON c.id = cu.calendar_id \
             LEFT JOIN calendar_holidays h ON h.calendar_id = c.id WHERE cu.id = $1 ORDER BY h.day",
        )
        .bind(customer_id),
    )
    .await
}

/// Replaces every holiday of a calendar.
pub async fn replace_holidays(tx: &mut Tx, id: &CalendarId, days: &[NaiveDate]) -> StoreResult<()> {
    tx.execute(Sql::new("DELETE FROM calendar_holidays WHERE calendar_id = $1").bind(id))
        .await?;
    for day in days {
        tx.execute(
            Sql::new("INSERT INTO calendar_holidays (calendar_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(*day),
        )
        .await?;
    }
    Ok(())
}
