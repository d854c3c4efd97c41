//! SQL for ledger entries and the feed counters.

use chrono::{DateTime, Utc};

use super::db::{StoreResult, Tx};
use super::sql::Sql;
use crate::domain::ids::{CustomerId, LotId, QuoteId, SessionId, SowId};
use crate::domain::ledger::EntryKind;
use crate::domain::units::Units;
use crate::stored_row;

/// An entry about to be appended (its `seq` is assigned at flush).
#[derive(Clone, Debug)]
pub struct NewEntry {
    /// Entry kind.
    pub kind: EntryKind,
    /// Lot concerned.
    pub lot_id: Option<LotId>,
    /// Signed units.
    pub units: Units,
    /// Posted balance after this entry.
    pub balance_after: Units,
    /// Effective instant.
    pub effective_at: DateTime<Utc>,
    /// Session reference.
    pub session_id: Option<SessionId>,
    /// SoW reference.
    pub sow_id: Option<SowId>,
    /// Quote reference.
    pub quote_id: Option<QuoteId>,
    /// Entry this one reverses.
    pub reverses_seq: Option<i64>,
    /// Deficit entry this one settles.
    pub settles_seq: Option<i64>,
    /// Free text.
    pub note: Option<String>,
}

stored_row! {
    /// A stored entry.
    #[derive(Clone, Debug)]
    pub struct EntryRow {
        /// Global sequence number.
        pub seq: i64,
        /// Customer.
        pub customer_id: CustomerId,
        /// Kind.
        pub kind: EntryKind,
        /// Lot.
        pub lot_id: Option<LotId>,
        /// Signed units.
        pub units: Units,
        /// Balance after.
        pub balance_after: Units,
        /// Who caused it.
        pub actor: String,
        /// Effective instant.
        pub effective_at: DateTime<Utc>,
        /// Recording instant.
        pub recorded_at: DateTime<Utc>,
        /// Session reference.
        pub session_id: Option<SessionId>,
        /// SoW reference.
        pub sow_id: Option<SowId>,
        /// Quote reference.
        pub quote_id: Option<QuoteId>,
        /// Reversed entry.
        pub reverses_seq: Option<i64>,
        /// Settled deficit entry.
        pub settles_seq: Option<i64>,
        /// Free text.
        pub note: Option<String>,
    }
}

/// Columns of [`EntryRow`], in order.
pub const ENTRY_COLUMNS: &str = EntryRow::COLUMNS;

/// Takes `ledger` ledger numbers and `events` event numbers; returns the first of each.
/// The counter row stays locked until the transaction ends, which is what makes
/// commit order equal seq order.
pub async fn take_seqs(tx: &mut Tx, ledger: i64, events: i64) -> StoreResult<(i64, i64)> {
    let (ledger_last, events_last): (i64, i64) = tx
        .fetch_one(
            Sql::new(
                "UPDATE feed_counters SET ledger_last = ledger_last + $1, events_last = events_last + $2 \
                 WHERE id = 1 RETURNING ledger_last, events_last",
            )
            .bind(ledger)
            .bind(events),
        )
        .await?;
    Ok((ledger_last - ledger + 1, events_last - events + 1))
}

/// Appends entries with consecutive seqs starting at `first_seq`, in one statement.
pub async fn insert_entries(
    tx: &mut Tx,
    first_seq: i64,
    customer_id: &CustomerId,
    actor: &str,
    recorded_at: DateTime<Utc>,
    entries: &[NewEntry],
) -> StoreResult<()> {
    // Chunks keep every statement under SQLite's limit on bound parameters.
    for (i, chunk) in entries.chunks(CHUNK).enumerate() {
        insert_chunk(
            tx,
            first_seq + (i * CHUNK) as i64,
            customer_id,
            actor,
            recorded_at,
            chunk,
        )
        .await?;
    }
    Ok(())
}

/// Rows per multi-row INSERT (15 parameters each, far below SQLite's 32,766).
const CHUNK: usize = 500;

async fn insert_chunk(
    tx: &mut Tx,
    first_seq: i64,
    customer_id: &CustomerId,
    actor: &str,
    recorded_at: DateTime<Utc>,
    entries: &[NewEntry],
) -> StoreResult<()> {
    let mut sql = Sql::new(format!(
        "INSERT INTO ledger_entries ({ENTRY_COLUMNS}) VALUES "
    ));
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            sql.push_sql(", ");
        }
        let p = [
            sql.push_bind(first_seq + i as i64),
            sql.push_bind(customer_id),
            sql.push_bind(e.kind),
            sql.push_bind(&e.lot_id),
            sql.push_bind(e.units),
            sql.push_bind(e.balance_after),
            sql.push_bind(actor),
            sql.push_bind(e.effective_at),
            sql.push_bind(recorded_at),
            sql.push_bind(&e.session_id),
            sql.push_bind(&e.sow_id),
            sql.push_bind(&e.quote_id),
            sql.push_bind(e.reverses_seq),
            sql.push_bind(e.settles_seq),
            sql.push_bind(&e.note),
        ];
        let placeholders: Vec<String> = p.iter().map(|n| format!("${n}")).collect();
        sql.push_sql(&format!("({})", placeholders.join(", ")));
    }
    tx.execute(sql).await?;
    Ok(())
}

/// Filters of a ledger read.
#[derive(Clone, Debug, Default)]
pub struct EntryFilter {
    /// Only this customer.
    pub customer_id: Option<CustomerId>,
    /// Only this kind.
    pub kind: Option<EntryKind>,
    /// Only this session.
    pub session_id: Option<SessionId>,
    /// Entries after this seq.
    pub after: i64,
}

/// A page of entries in seq order.
pub async fn list(tx: &mut Tx, filter: &EntryFilter, limit: i64) -> StoreResult<Vec<EntryRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE seq > $1 \
             AND ($2 IS NULL OR customer_id = $2) AND ($3 IS NULL OR kind = $3) \
             AND ($4 IS NULL OR session_id = $4) ORDER BY seq LIMIT $5"
        ))
        .bind(filter.after)
        .bind(&filter.customer_id)
        .bind(filter.kind)
        .bind(&filter.session_id)
        .bind(limit),
    )
    .await
}

/// Entries of one customer effective in `(from, to]`, in seq order (statements).
pub async fn in_period(
    tx: &mut Tx,
    customer_id: &CustomerId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<EntryRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE customer_id = $1 \
             AND effective_at > $2 AND effective_at <= $3 ORDER BY seq"
        ))
        .bind(customer_id)
        .bind(from)
        .bind(to),
    )
    .await
}

/// One entry.
pub async fn get(tx: &mut Tx, seq: i64) -> StoreResult<Option<EntryRow>> {
    tx.fetch_optional(
        Sql::new(format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE seq = $1"
        ))
        .bind(seq),
    )
    .await
}

/// Σ units of a customer's entries effective at or before `at` (µs).
pub async fn total_as_of(
    tx: &mut Tx,
    customer_id: &CustomerId,
    at: DateTime<Utc>,
) -> StoreResult<Units> {
    let (sum,): (i64,) = tx
        .fetch_one(
            Sql::new(
                "SELECT CAST(COALESCE(SUM(units), 0) AS BIGINT) FROM ledger_entries \
                 WHERE customer_id = $1 AND effective_at <= $2",
            )
            .bind(customer_id)
            .bind(at),
        )
        .await?;
    Ok(Units::from_hundredths(sum))
}

/// Outstanding deficit of a customer as of `at`: deficits minus what settlements and
/// forgiving reversals paid.
pub async fn deficit_as_of(
    tx: &mut Tx,
    customer_id: &CustomerId,
    at: DateTime<Utc>,
) -> StoreResult<Units> {
    let (sum,): (i64,) = tx
        .fetch_one(
            Sql::new(
                "SELECT CAST(COALESCE(SUM(CASE \
                    WHEN kind = 'deficit' THEN -units \
                    WHEN kind = 'deficit_settlement' THEN -units \
                    WHEN kind = 'reversal' AND lot_id IS NULL THEN -units \
                    ELSE 0 END), 0) AS BIGINT) \
                 FROM ledger_entries WHERE customer_id = $1 AND effective_at <= $2",
            )
            .bind(customer_id)
            .bind(at),
        )
        .await?;
    Ok(Units::from_hundredths(sum))
}

stored_row! {
    /// Units of one lot (remaining as of an instant, or settled).
    #[derive(Clone, Debug)]
    pub struct LotUnits {
        /// The lot.
        pub lot_id: LotId,
        /// Its units.
        pub units: Units,
    }
}

/// Remaining units per lot as of `at`, for lots granted by then.
pub async fn lots_as_of(
    tx: &mut Tx,
    customer_id: &CustomerId,
    at: DateTime<Utc>,
) -> StoreResult<Vec<LotUnits>> {
    tx.fetch_all(
        Sql::new(
            "SELECT lot_id, CAST(SUM(units) AS BIGINT) AS units FROM ledger_entries \
             WHERE customer_id = $1 AND effective_at <= $2 AND lot_id IS NOT NULL \
             AND kind NOT IN ('deficit_settlement', 'deficit') GROUP BY lot_id ORDER BY lot_id",
        )
        .bind(customer_id)
        .bind(at),
    )
    .await
}
