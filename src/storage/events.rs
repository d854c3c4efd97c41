//! SQL for the domain-events feed.

use chrono::{DateTime, Utc};

use super::db::{StoreResult, Tx};
use super::sql::Sql;
use crate::domain::ids::CustomerId;
use crate::stored_row;

/// An event about to be appended (its `seq` is assigned at flush).
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
        /// Global sequence number.
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

/// Appends events with consecutive seqs starting at `first_seq`, in as few statements
/// as SQLite's parameter limit allows.
pub async fn insert(
    tx: &mut Tx,
    first_seq: i64,
    recorded_at: DateTime<Utc>,
    events: &[NewEvent],
) -> StoreResult<()> {
    for (i, chunk) in events.chunks(500).enumerate() {
        insert_chunk(tx, first_seq + (i * 500) as i64, recorded_at, chunk).await?;
    }
    Ok(())
}

async fn insert_chunk(
    tx: &mut Tx,
    first_seq: i64,
    recorded_at: DateTime<Utc>,
    events: &[NewEvent],
) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO events (seq, kind, customer_id, subject_id, occurred_at, recorded_at, data) VALUES ",
    );
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            sql.push_sql(", ");
        }
        let p = [
            sql.push_bind(first_seq + i as i64),
            sql.push_bind(e.kind),
            sql.push_bind(&e.customer_id),
            sql.push_bind(e.subject_id.clone()),
            sql.push_bind(e.occurred_at),
            sql.push_bind(recorded_at),
            sql.push_bind(e.data.as_str()),
        ];
        let placeholders: Vec<String> = p.iter().map(|n| format!("${n}")).collect();
        sql.push_sql(&format!("({})", placeholders.join(", ")));
    }
    tx.execute(sql).await?;
    Ok(())
}

/// A page of events after `after`, in seq order, optionally for one customer.
pub async fn list(
    tx: &mut Tx,
    after: i64,
    customer_id: Option<&CustomerId>,
    limit: i64,
) -> StoreResult<Vec<EventRow>> {
    tx.fetch_all(
        Sql::new(
            "SELECT seq, kind, customer_id, subject_id, occurred_at, recorded_at, data FROM events \
             WHERE seq > $1 AND ($2 IS NULL OR customer_id = $2) ORDER BY seq LIMIT $3",
        )
        .bind(after)
        .bind(customer_id)
        .bind(limit),
    )
    .await
}
