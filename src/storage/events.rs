//! SQL for the domain-events feed.

use chrono::{DateTime, Utc};

use super::db::{Reader, StoreResult, Tx};
use super::feed::{self, NewId, Numbers};
use super::sql::Sql;
use crate::domain::ids::CustomerId;
use crate::stored_row;

/// An event about to be appended (its id is taken at flush, its position later: see
/// [`super::feed`]).
#[derive(Clone, Debug)]
pub struct NewEvent {
    /// Event kind, e.g. `pack_sold`.
    pub kind: &'static str,
    /// Customer concerned.
    pub customer_id: Option<CustomerId>,
    /// Main subject (lot, quote, SoW, session id).
    pub subject_id: Option<String>,
    /// When it happened (a due instant for time-driven events).
    pub occurred_at: DateTime<Utc>,
    /// Details as a JSON document.
    pub data: String,
}

stored_row! {
    /// A stored event.
    #[derive(Clone, Debug)]
    pub struct EventRow {
        /// Internal id (what notifications refer to).
        pub id: i64,
        /// Feed position.
        pub seq: i64,
        /// Kind.
        pub kind: String,
        /// Customer.
        pub customer_id: Option<CustomerId>,
        /// Subject.
        pub subject_id: Option<String>,
        /// When it happened.
        pub occurred_at: DateTime<Utc>,
        /// When it was recorded.
        pub recorded_at: DateTime<Utc>,
        /// JSON details.
        pub data: String,
    }
}

/// Appends events, in as few statements as SQLite's parameter limit allows, and
/// returns their ids in order (see [`super::ledger::insert_entries`]).
pub async fn insert(
    tx: &mut Tx,
    numbers: &Numbers,
    recorded_at: DateTime<Utc>,
    events: &[NewEvent],
) -> StoreResult<Vec<NewId>> {
    for (c, chunk) in events.chunks(CHUNK).enumerate() {
        let mut sql = Sql::new(
            "INSERT INTO events (id, seq, kind, customer_id, subject_id, occurred_at, recorded_at, data) VALUES ",
        );
        for (i, e) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_sql(", ");
            }
            let numbered =
                feed::id_and_seq(&mut sql, numbers, numbers.event_ids.get(c * CHUNK + i));
            let p = [
                sql.push_bind(e.kind),
                sql.push_bind(&e.customer_id),
                sql.push_bind(e.subject_id.clone()),
                sql.push_bind(e.occurred_at),
                sql.push_bind(recorded_at),
                sql.push_bind(e.data.as_str()),
            ];
            let placeholders: Vec<String> = p.iter().map(|n| format!("${n}")).collect();
            sql.push_sql(&format!("({numbered}, {})", placeholders.join(", ")));
        }
        tx.defer(None, sql).await?;
    }
    Ok(numbers.event_ids.clone())
}

/// Rows per multi-row INSERT (8 parameters each, far below SQLite's 32,766).
const CHUNK: usize = 500;

/// A page of positioned events after `after`, in feed order, optionally for one
/// customer.
pub async fn list(
    reader: &mut impl Reader,
    after: i64,
    customer_id: Option<&CustomerId>,
    limit: i64,
) -> StoreResult<Vec<EventRow>> {
    reader.fetch_all(
        Sql::new(
            "SELECT id, seq, kind, customer_id, subject_id, occurred_at, recorded_at, data FROM events \
             WHERE seq > $1 AND ($2 IS NULL OR customer_id = $2) ORDER BY seq LIMIT $3",
        )
        .bind(after)
        .bind(customer_id)
        .bind(limit),
    )
    .await
}

/// The events at these feed positions, in one statement (events never change once they
/// have a position): the webhook sender reads a claim's events at once, outside any
/// transaction, instead of one read transaction per delivery.
pub async fn at_positions(reader: &mut impl Reader, seqs: &[i64]) -> StoreResult<Vec<EventRow>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT id, seq, kind, customer_id, subject_id, occurred_at, recorded_at, data FROM events \
         WHERE seq IN ",
    );
    sql.push_list(seqs.iter().copied());
    reader.fetch_all(sql).await
}

/// Feed positions of the given events (those that have one), by id.
pub async fn positions(
    tx: &mut Tx,
    ids: &[i64],
) -> StoreResult<std::collections::HashMap<i64, i64>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let mut sql = Sql::new("SELECT id, seq FROM events WHERE seq IS NOT NULL AND id IN ");
    sql.push_list(ids.iter().copied());
    let rows: Vec<(i64, i64)> = tx.fetch_all(sql).await?;
    Ok(rows.into_iter().collect())
}
