//! SQL for ledger entries.

use chrono::{DateTime, Utc};

use super::db::{Reader, StoreResult, Tx};
use super::feed::{self, NewId, Numbers};
use super::sql::Sql;
use crate::domain::identity::Actor;
use crate::domain::ids::{CustomerId, LotId, QuoteId, SessionId, SowId};
use crate::domain::ledger::EntryKind;
use crate::domain::units::Units;
use crate::stored_row;

/// An entry about to be appended (its id is taken at flush, its position later: see
/// [`super::feed`]).
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
    /// Entry this one reverses (its id).
    pub reverses_id: Option<i64>,
    /// Deficit entry this one settles (its id).
    pub settles_id: Option<i64>,
    /// Free text.
    pub note: Option<String>,
}

stored_row! {
    /// A stored entry.
    #[derive(Clone, Debug)]
    pub struct EntryRow {
        /// Internal id (what other rows refer to).
        pub id: i64,
        /// Feed position; empty until the sequencer stamps it (PostgreSQL).
        pub seq: Option<i64>,
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
        /// Who caused it: a label (its id).
        pub actor: String,
        /// Who caused it, by name (entries written before actors existed carry their
        /// label as an operator token's, by migration).
        pub actor_record: Option<Actor>,
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
        /// Reversed entry (its id).
        pub reverses_id: Option<i64>,
        /// Settled deficit entry (its id).
        pub settles_id: Option<i64>,
        /// Free text.
        pub note: Option<String>,
        /// Feed position of the reversed entry.
        pub reverses_seq: Option<i64>,
        /// Feed position of the settled deficit entry.
        pub settles_seq: Option<i64>,
    }
}

/// Columns written for a new entry, in bind order.
const INSERT_COLUMNS: &str = "id, seq, customer_id, kind, lot_id, units, balance_after, actor, \
     actor_record, effective_at, recorded_at, session_id, sow_id, quote_id, reverses_id, settles_id, note";

/// `SELECT` of [`EntryRow`]s: entries `e`, with the positions of what they point at.
const SELECT_ENTRIES: &str = "SELECT e.id, e.seq, e.customer_id, e.kind, e.lot_id, e.units, \
     e.balance_after, e.actor, e.actor_record, e.effective_at, e.recorded_at, e.session_id, e.sow_id, \
     e.quote_id, e.reverses_id, e.settles_id, e.note, r.seq AS reverses_seq, s.seq AS settles_seq \
     FROM ledger_entries e LEFT JOIN ledger_entries r ON r.id = e.reverses_id \
     LEFT JOIN ledger_entries s ON s.id = e.settles_id";

/// Appends entries, in as few statements as SQLite's limit on bound parameters
/// allows, with the ids [`super::feed::number`] took (also the positions on SQLite;
/// none yet on PostgreSQL), and returns those ids. The inserts are deferred writes
/// ([`super::db::Tx::defer`]).
pub async fn insert_entries(
    tx: &mut Tx,
    numbers: &Numbers,
    customer_id: &CustomerId,
    actor: &Actor,
    recorded_at: DateTime<Utc>,
    entries: &[NewEntry],
) -> StoreResult<Vec<NewId>> {
    for (c, chunk) in entries.chunks(CHUNK).enumerate() {
        let mut sql = Sql::new(format!(
            "INSERT INTO ledger_entries ({INSERT_COLUMNS}) VALUES "
        ));
        for (i, e) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_sql(", ");
            }
            let numbered =
                feed::id_and_seq(&mut sql, numbers, numbers.entry_ids.get(c * CHUNK + i));
            let p = [
                sql.push_bind(customer_id),
                sql.push_bind(e.kind),
                sql.push_bind(&e.lot_id),
                sql.push_bind(e.units),
                sql.push_bind(e.balance_after),
                sql.push_bind(actor.id.as_str()),
                sql.push_bind(Some(actor)),
                sql.push_bind(e.effective_at),
                sql.push_bind(recorded_at),
                sql.push_bind(&e.session_id),
                sql.push_bind(&e.sow_id),
                sql.push_bind(&e.quote_id),
                sql.push_bind(e.reverses_id),
                sql.push_bind(e.settles_id),
                sql.push_bind(&e.note),
            ];
            let placeholders: Vec<String> = p.iter().map(|n| format!("${n}")).collect();
            sql.push_sql(&format!("({numbered}, {})", placeholders.join(", ")));
        }
        tx.defer(None, sql).await?;
    }
    Ok(numbers.entry_ids.clone())
}

/// Rows per multi-row INSERT (at most 17 parameters each, far below SQLite's 32,766).
const CHUNK: usize = 500;

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

/// A page of positioned entries in feed order.
pub async fn list(
    reader: &mut impl Reader,
    filter: &EntryFilter,
    limit: i64,
) -> StoreResult<Vec<EntryRow>> {
    reader
        .fetch_all(
            Sql::new(format!(
                "{SELECT_ENTRIES} WHERE e.seq > $1 \
                 AND ($2 IS NULL OR e.customer_id = $2) AND ($3 IS NULL OR e.kind = $3) \
                 AND ($4 IS NULL OR e.session_id = $4) ORDER BY e.seq LIMIT $5"
            ))
            .bind(filter.after)
            .bind(&filter.customer_id)
            .bind(filter.kind)
            .bind(&filter.session_id)
            .bind(limit),
        )
        .await
}

/// Positioned entries of one customer effective in `(from, to]`, in feed order
/// (statements).
pub async fn in_period(
    tx: &mut Tx,
    customer_id: &CustomerId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<EntryRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "{SELECT_ENTRIES} WHERE e.customer_id = $1 \
             AND e.effective_at > $2 AND e.effective_at <= $3 AND e.seq IS NOT NULL ORDER BY e.seq"
        ))
        .bind(customer_id)
        .bind(from)
        .bind(to),
    )
    .await
}

/// One entry, by id.
pub async fn get(tx: &mut Tx, id: i64) -> StoreResult<Option<EntryRow>> {
    tx.fetch_optional(Sql::new(format!("{SELECT_ENTRIES} WHERE e.id = $1")).bind(id))
        .await
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
