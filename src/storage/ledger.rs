//! SQL for ledger entries, the feed counters, deficits and the reservation log.

use super::db::{Sql, StoreResult, Tx};

/// An entry about to be appended (its `seq` is assigned at flush).
#[derive(Clone, Debug)]
pub struct NewEntry {
    /// Entry kind spelling.
    pub kind: &'static str,
    /// Lot concerned.
    pub lot_id: Option<String>,
    /// Signed hundredths.
    pub units: i64,
    /// Posted balance after this entry (hundredths).
    pub balance_after: i64,
    /// Effective instant (µs).
    pub effective_at: i64,
    /// Session reference.
    pub session_id: Option<String>,
    /// SoW reference.
    pub sow_id: Option<String>,
    /// Quote reference.
    pub quote_id: Option<String>,
    /// Entry this one reverses.
    pub reverses_seq: Option<i64>,
    /// Deficit entry this one settles.
    pub settles_seq: Option<i64>,
    /// Free text.
    pub note: Option<String>,
}

/// A stored entry.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EntryRow {
    /// Global sequence number.
    pub seq: i64,
    /// Customer.
    pub customer_id: String,
    /// Kind spelling.
    pub kind: String,
    /// Lot.
    pub lot_id: Option<String>,
    /// Signed hundredths.
    pub units: i64,
    /// Balance after (hundredths).
    pub balance_after: i64,
    /// Who caused it.
    pub actor: String,
    /// Effective instant (µs).
    pub effective_at: i64,
    /// Recording instant (µs).
    pub recorded_at: i64,
    /// Session reference.
    pub session_id: Option<String>,
    /// SoW reference.
    pub sow_id: Option<String>,
    /// Quote reference.
    pub quote_id: Option<String>,
    /// Reversed entry.
    pub reverses_seq: Option<i64>,
    /// Settled deficit entry.
    pub settles_seq: Option<i64>,
    /// Free text.
    pub note: Option<String>,
}

/// Columns of [`EntryRow`], in order.
pub const ENTRY_COLUMNS: &str = "seq, customer_id, kind, lot_id, units, balance_after, actor, effective_at, \
    recorded_at, session_id, sow_id, quote_id, reverses_seq, settles_seq, note";

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
    customer_id: &str,
    actor: &str,
    recorded_at: i64,
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
    customer_id: &str,
    actor: &str,
    recorded_at: i64,
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
            sql.push_bind(e.lot_id.clone()),
            sql.push_bind(e.units),
            sql.push_bind(e.balance_after),
            sql.push_bind(actor),
            sql.push_bind(e.effective_at),
            sql.push_bind(recorded_at),
            sql.push_bind(e.session_id.clone()),
            sql.push_bind(e.sow_id.clone()),
            sql.push_bind(e.quote_id.clone()),
            sql.push_bind(e.reverses_seq),
            sql.push_bind(e.settles_seq),
            sql.push_bind(e.note.clone()),
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
    pub customer_id: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this session.
    pub session_id: Option<String>,
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
        .bind(filter.customer_id.clone())
        .bind(filter.kind.clone())
        .bind(filter.session_id.clone())
        .bind(limit),
    )
    .await
}

/// Entries of one customer effective in `(from, to]`, in seq order (statements).
pub async fn in_period(
    tx: &mut Tx,
    customer_id: &str,
    from: i64,
    to: i64,
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
pub async fn total_as_of(tx: &mut Tx, customer_id: &str, at: i64) -> StoreResult<i64> {
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
    Ok(sum)
}

/// Outstanding deficit of a customer as of `at`: deficits minus what settlements and
/// forgiving reversals paid.
pub async fn deficit_as_of(tx: &mut Tx, customer_id: &str, at: i64) -> StoreResult<i64> {
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
    Ok(sum)
}

/// Remaining units per lot as of `at`, for lots granted by then (`(lot id, remaining)`).
pub async fn lots_as_of(
    tx: &mut Tx,
    customer_id: &str,
    at: i64,
) -> StoreResult<Vec<(String, i64)>> {
    tx.fetch_all(
        Sql::new(
            "SELECT lot_id, CAST(SUM(units) AS BIGINT) FROM ledger_entries \
             WHERE customer_id = $1 AND effective_at <= $2 AND lot_id IS NOT NULL \
             AND kind NOT IN ('deficit_settlement', 'deficit') GROUP BY lot_id ORDER BY lot_id",
        )
        .bind(customer_id)
        .bind(at),
    )
    .await
}

/// The charge entries of a session (debit, cancellation debit, deficit) with what
/// reversals already gave back on each.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChargePart {
    /// The charge entry.
    pub seq: i64,
    /// Its kind.
    pub kind: String,
    /// Its lot.
    pub lot_id: Option<String>,
    /// Its units (negative).
    pub units: i64,
    /// Σ reversals pointing at it (positive).
    pub reversed: i64,
}

/// Charge entries of a session, with their reversals so far.
pub async fn session_charges(tx: &mut Tx, session_id: &str) -> StoreResult<Vec<ChargePart>> {
    tx.fetch_all(
        Sql::new(
            "SELECT e.seq, e.kind, e.lot_id, e.units, \
             CAST(COALESCE((SELECT SUM(r.units) FROM ledger_entries r WHERE r.reverses_seq = e.seq AND r.kind = 'reversal'), 0) AS BIGINT) AS reversed \
             FROM ledger_entries e WHERE e.session_id = $1 \
             AND e.kind IN ('debit', 'cancellation_debit', 'deficit') ORDER BY e.seq",
        )
        .bind(session_id),
    )
    .await
}

/// Settlements of one deficit entry: `(lot id, units paid, units already refunded to that lot)`.
pub async fn settlements_of(tx: &mut Tx, deficit_seq: i64) -> StoreResult<Vec<(String, i64, i64)>> {
    tx.fetch_all(
        Sql::new(
            "SELECT s.lot_id, CAST(SUM(s.units) AS BIGINT), \
             CAST(COALESCE((SELECT SUM(r.units) FROM ledger_entries r WHERE r.reverses_seq = $1 \
               AND r.kind = 'reversal' AND r.lot_id = s.lot_id), 0) AS BIGINT) \
             FROM ledger_entries s WHERE s.settles_seq = $1 AND s.kind = 'deficit_settlement' \
             GROUP BY s.lot_id",
        )
        .bind(deficit_seq),
    )
    .await
}

/// Records the outstanding part of new deficit entries.
pub async fn insert_deficit(
    tx: &mut Tx,
    entry_seq: i64,
    customer_id: &str,
    outstanding: i64,
) -> StoreResult<()> {
    tx.execute(
        Sql::new("INSERT INTO deficits (entry_seq, customer_id, outstanding) VALUES ($1, $2, $3)")
            .bind(entry_seq)
            .bind(customer_id)
            .bind(outstanding),
    )
    .await?;
    Ok(())
}

/// Open deficits of a customer, oldest first: `(entry seq, outstanding)`.
pub async fn open_deficits(tx: &mut Tx, customer_id: &str) -> StoreResult<Vec<(i64, i64)>> {
    tx.fetch_all(
        Sql::new(
            "SELECT entry_seq, outstanding FROM deficits WHERE customer_id = $1 AND outstanding > 0 ORDER BY entry_seq",
        )
        .bind(customer_id),
    )
    .await
}

/// Outstanding part of one deficit entry.
pub async fn deficit_outstanding(tx: &mut Tx, entry_seq: i64) -> StoreResult<i64> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            Sql::new("SELECT outstanding FROM deficits WHERE entry_seq = $1").bind(entry_seq),
        )
        .await?;
    Ok(row.map(|(o,)| o).unwrap_or(0))
}

/// Reduces the outstanding part of a deficit entry.
pub async fn reduce_deficit(tx: &mut Tx, entry_seq: i64, by: i64) -> StoreResult<()> {
    tx.execute(
        Sql::new("UPDATE deficits SET outstanding = outstanding - $2 WHERE entry_seq = $1")
            .bind(entry_seq)
            .bind(by),
    )
    .await?;
    Ok(())
}

/// Logs a change of a customer's reserved units (for `as_of` balances).
pub async fn log_reservation(
    tx: &mut Tx,
    customer_id: &str,
    sow_id: &str,
    delta: i64,
    reason: &str,
    at: i64,
) -> StoreResult<()> {
    tx.execute(
        Sql::new("INSERT INTO reservation_log (customer_id, sow_id, delta, reason, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(customer_id)
            .bind(sow_id)
            .bind(delta)
            .bind(reason)
            .bind(at),
    )
    .await?;
    Ok(())
}

/// Reserved units of a customer as of `at`.
pub async fn reserved_as_of(tx: &mut Tx, customer_id: &str, at: i64) -> StoreResult<i64> {
    let (sum,): (i64,) = tx
        .fetch_one(
            Sql::new(
                "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM reservation_log WHERE customer_id = $1 AND at <= $2",
            )
            .bind(customer_id)
            .bind(at),
        )
        .await?;
    Ok(sum)
}

/// Units of each pack that went to pay deficits: `(lot id, units)`.
pub async fn settled_by_lots(tx: &mut Tx, lot_ids: &[String]) -> StoreResult<Vec<(String, i64)>> {
    if lot_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT lot_id, CAST(SUM(units) AS BIGINT) FROM ledger_entries WHERE kind = 'deficit_settlement' AND lot_id IN (",
    );
    for (i, id) in lot_ids.iter().enumerate() {
        if i > 0 {
            sql.push_sql(", ");
        }
        let n = sql.push_bind(id.as_str());
        sql.push_sql(&format!("${n}"));
    }
    sql.push_sql(") GROUP BY lot_id");
    tx.fetch_all(sql).await
}
