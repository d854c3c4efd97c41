//! Whole-database reads for the invariant checks of `securehands verify`.

use super::db::{StoreResult, Tx};
use super::sql::Sql;
use crate::domain::ids::{CustomerId, LotId, SessionId};
use crate::domain::units::Units;
use crate::stored_row;

stored_row! {
    /// What one customer's entries add up to.
    #[derive(Clone, Debug)]
    pub struct EntrySums {
        /// Customer.
        pub customer_id: CustomerId,
        /// Σ units.
        pub total: Units,
        /// Deficit still owed according to the entries.
        pub deficit: Units,
    }
}

/// Σ of each customer's entries, and the deficit they leave.
pub async fn entry_sums(tx: &mut Tx) -> StoreResult<Vec<EntrySums>> {
    tx.fetch_all(Sql::new(
        "SELECT customer_id, CAST(SUM(units) AS BIGINT) AS total, CAST(COALESCE(SUM(CASE \
            WHEN kind = 'deficit' THEN -units WHEN kind = 'deficit_settlement' THEN -units \
            WHEN kind = 'reversal' AND lot_id IS NULL THEN -units ELSE 0 END), 0) AS BIGINT) AS deficit \
         FROM ledger_entries GROUP BY customer_id",
    ))
    .await
}

stored_row! {
    /// Units per customer (open deficits, reservation log).
    #[derive(Clone, Debug)]
    pub struct CustomerUnits {
        /// Customer.
        pub customer_id: CustomerId,
        /// The sum.
        pub units: Units,
    }
}

/// Σ outstanding deficits per customer.
pub async fn open_deficits_by_customer(tx: &mut Tx) -> StoreResult<Vec<CustomerUnits>> {
    tx.fetch_all(Sql::new(
        "SELECT customer_id, CAST(SUM(outstanding) AS BIGINT) AS units FROM deficits GROUP BY customer_id",
    ))
    .await
}

/// Σ of the reservation log per customer.
pub async fn logged_reservations(tx: &mut Tx) -> StoreResult<Vec<CustomerUnits>> {
    tx.fetch_all(Sql::new(
        "SELECT customer_id, CAST(SUM(delta) AS BIGINT) AS units FROM reservation_log GROUP BY customer_id",
    ))
    .await
}

stored_row! {
    /// Σ of the entries that move one lot.
    #[derive(Clone, Debug)]
    pub struct LotSum {
        /// The lot.
        pub lot_id: LotId,
        /// Σ units.
        pub units: Units,
    }
}

/// Σ of the entries of each lot (settlements and deficits excluded: they do not move
/// the lot's remaining units).
pub async fn lot_sums(tx: &mut Tx) -> StoreResult<Vec<LotSum>> {
    tx.fetch_all(Sql::new(
        "SELECT lot_id, CAST(SUM(units) AS BIGINT) AS units FROM ledger_entries WHERE lot_id IS NOT NULL \
         AND kind NOT IN ('deficit_settlement', 'deficit') GROUP BY lot_id",
    ))
    .await
}

stored_row! {
    /// A lot with more than one first expiry.
    #[derive(Clone, Debug)]
    pub struct RepeatedExpiry {
        /// The lot.
        pub lot_id: LotId,
        /// How many.
        pub times: i64,
    }
}

/// Lots expired more than once (re-expiries after a reversal carry a note).
pub async fn repeated_expiries(tx: &mut Tx) -> StoreResult<Vec<RepeatedExpiry>> {
    tx.fetch_all(Sql::new(
        "SELECT lot_id, CAST(COUNT(*) AS BIGINT) AS times FROM ledger_entries WHERE kind = 'expiry' \
         AND note IS NULL GROUP BY lot_id HAVING COUNT(*) > 1",
    ))
    .await
}

stored_row! {
    /// How a session was charged according to its entries.
    #[derive(Clone, Debug)]
    pub struct SessionCharge {
        /// The session.
        pub session_id: SessionId,
        /// Distinct charging operations.
        pub operations: i64,
        /// Σ units (negative).
        pub units: Units,
    }
}

/// The charge entries of every session, grouped.
pub async fn session_charges(tx: &mut Tx) -> StoreResult<Vec<SessionCharge>> {
    tx.fetch_all(Sql::new(
        "SELECT session_id, CAST(COUNT(DISTINCT recorded_at) AS BIGINT) AS operations, \
         CAST(SUM(units) AS BIGINT) AS units \
         FROM ledger_entries WHERE session_id IS NOT NULL \
         AND kind IN ('debit', 'cancellation_debit', 'deficit') GROUP BY session_id",
    ))
    .await
}

stored_row! {
    /// What a session records as charged.
    #[derive(Clone, Debug)]
    pub struct SessionDebited {
        /// The session.
        pub id: SessionId,
        /// Units it records.
        pub units_debited: Option<Units>,
    }
}

/// The charge every session records.
pub async fn sessions_debited(tx: &mut Tx) -> StoreResult<Vec<SessionDebited>> {
    tx.fetch_all(Sql::new("SELECT id, units_debited FROM sessions"))
        .await
}

stored_row! {
    /// An entry and the Σ of its reversals.
    #[derive(Clone, Debug)]
    pub struct Reversed {
        /// The entry's id.
        pub id: i64,
        /// Its units.
        pub units: Units,
        /// Σ reversals pointing at it.
        pub reversed: Units,
    }
}

/// Every reversed entry with what its reversals gave back.
pub async fn reversed_entries(tx: &mut Tx) -> StoreResult<Vec<Reversed>> {
    tx.fetch_all(Sql::new(
        "SELECT e.id, e.units, CAST(SUM(r.units) AS BIGINT) AS reversed FROM ledger_entries e \
         JOIN ledger_entries r ON r.reverses_id = e.id AND r.kind = 'reversal' \
         GROUP BY e.id, e.units",
    ))
    .await
}

stored_row! {
    /// One link of a customer's `balance_after` chain.
    #[derive(Clone, Debug)]
    pub struct ChainLink {
        /// Customer.
        pub customer_id: CustomerId,
        /// Entry id.
        pub id: i64,
        /// Its units.
        pub units: Units,
        /// Balance it records after itself.
        pub balance_after: Units,
    }
}

/// Every entry, by customer then in the order it was written (a customer's writes are
/// serialized, so id order is their commit order).
pub async fn chain(tx: &mut Tx) -> StoreResult<Vec<ChainLink>> {
    tx.fetch_all(Sql::new(
        "SELECT customer_id, id, units, balance_after FROM ledger_entries ORDER BY customer_id, id",
    ))
    .await
}

stored_row! {
    /// The feeds' positions at a glance.
    #[derive(Clone, Debug)]
    pub struct SeqSummary {
        /// Entries with a position.
        pub entries: i64,
        /// Highest entry position.
        pub highest: i64,
        /// Last entry position given, per the counter.
        pub counter: i64,
        /// Events with a position.
        pub events: i64,
        /// Highest event position.
        pub events_highest: i64,
        /// Last event position given, per the counter.
        pub events_counter: i64,
    }
}

/// Counts, highest positions and the counters' last values, for both feeds.
pub async fn seq_summary(tx: &mut Tx) -> StoreResult<SeqSummary> {
    tx.fetch_one(Sql::new(
        "SELECT (SELECT CAST(COUNT(seq) AS BIGINT) FROM ledger_entries) AS entries, \
         (SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM ledger_entries) AS highest, \
         ledger_last AS counter, \
         (SELECT CAST(COUNT(seq) AS BIGINT) FROM events) AS events, \
         (SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM events) AS events_highest, \
         events_last AS events_counter FROM feed_counters WHERE id = 1",
    ))
    .await
}
