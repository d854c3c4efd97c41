//! SQL for what charges left behind: each session's charge entries and their
//! reversals, deficits and their settlements, and the reservation log.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use super::column::{Column, RawRow};
use super::customers::CustomerRow;
use super::db::{StoreResult, Tx};
use super::feed::NewId;
use super::ledger::LotUnits;
use super::sql::Sql;
use crate::domain::ids::{CustomerId, LotId, SessionId, SowId};
use crate::domain::ledger::EntryKind;
use crate::domain::units::Units;
use crate::stored_row;

stored_row! {
    /// A charge entry of a session (debit, cancellation debit, deficit) with what
    /// reversals already gave back on it.
    #[derive(Clone, Debug)]
    pub struct ChargePart {
        /// The charge entry's id.
        pub id: i64,
        /// Its kind.
        pub kind: EntryKind,
        /// Its lot.
        pub lot_id: Option<LotId>,
        /// Its units (negative).
        pub units: Units,
        /// Σ reversals pointing at it (positive).
        pub reversed: Units,
    }
}

/// Charge entries of a session, with their reversals so far.
pub async fn session_charges(tx: &mut Tx, session_id: &SessionId) -> StoreResult<Vec<ChargePart>> {
    tx.fetch_all(Sql::new(format!("{SESSION_CHARGES} ORDER BY e.id")).bind(session_id))
        .await
}

/// The charge entries of session `$1` with what reversals already gave back: read alone
/// here, and inside the session action's one-statement read
/// (`storage::sessions::context`).
pub const SESSION_CHARGES: &str = "SELECT e.id, e.kind, e.lot_id, e.units, \
     CAST(COALESCE((SELECT SUM(r.units) FROM ledger_entries r WHERE r.reverses_id = e.id \
     AND r.kind = 'reversal'), 0) AS BIGINT) AS reversed \
     FROM ledger_entries e WHERE e.session_id = $1 \
     AND e.kind IN ('debit', 'cancellation_debit', 'deficit')";

stored_row! {
    /// What one pack paid of a deficit, and what reversals already gave back to it.
    #[derive(Clone, Debug)]
    pub struct Settlement {
        /// The pack's lot.
        pub lot_id: LotId,
        /// Units it paid.
        pub paid: Units,
        /// Units already refunded to it.
        pub refunded: Units,
    }
}

/// Settlements of one deficit entry, per paying lot.
pub async fn settlements_of(tx: &mut Tx, deficit_id: i64) -> StoreResult<Vec<Settlement>> {
    tx.fetch_all(
        Sql::new(
            "SELECT s.lot_id, CAST(SUM(s.units) AS BIGINT) AS paid, \
             CAST(COALESCE((SELECT SUM(r.units) FROM ledger_entries r WHERE r.reverses_id = $1 \
               AND r.kind = 'reversal' AND r.lot_id = s.lot_id), 0) AS BIGINT) AS refunded \
             FROM ledger_entries s WHERE s.settles_id = $1 AND s.kind = 'deficit_settlement' \
             GROUP BY s.lot_id",
        )
        .bind(deficit_id),
    )
    .await
}

/// Records the outstanding part of new deficit entries.
pub async fn insert_deficit(
    tx: &mut Tx,
    entry_id: &NewId,
    customer_id: &CustomerId,
    outstanding: Units,
) -> StoreResult<()> {
    let mut sql = Sql::new("INSERT INTO deficits (entry_id, customer_id, outstanding) VALUES (");
    let entry = entry_id.expr(&mut sql);
    let customer = sql.push_bind(customer_id);
    let units = sql.push_bind(outstanding);
    sql.push_sql(&format!("{entry}, ${customer}, ${units})"));
    tx.defer(None, sql).await
}

stored_row! {
    /// The unpaid part of one deficit entry.
    #[derive(Clone, Debug)]
    pub struct OpenDeficit {
        /// The deficit entry.
        pub entry_id: i64,
        /// What is still owed.
        pub outstanding: Units,
    }
}

/// Open deficits of a customer, oldest first.
pub async fn open_deficits(tx: &mut Tx, customer_id: &CustomerId) -> StoreResult<Vec<OpenDeficit>> {
    tx.fetch_all(
        Sql::new(
            "SELECT entry_id, outstanding FROM deficits WHERE customer_id = $1 AND outstanding > 0 ORDER BY entry_id",
        )
        .bind(customer_id),
    )
    .await
}

/// Outstanding part of one deficit entry.
pub async fn deficit_outstanding(tx: &mut Tx, entry_id: i64) -> StoreResult<Units> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            Sql::new("SELECT outstanding FROM deficits WHERE entry_id = $1").bind(entry_id),
        )
        .await?;
    Ok(Units::from_hundredths(row.map(|(o,)| o).unwrap_or(0)))
}

/// Reduces the outstanding part of a deficit entry.
pub async fn reduce_deficit(tx: &mut Tx, entry_id: i64, by: Units) -> StoreResult<()> {
    tx.defer(
        Some(format!("deficits:{entry_id}")),
        Sql::new("UPDATE deficits SET outstanding = outstanding - $2 WHERE entry_id = $1")
            .bind(entry_id)
            .bind(by),
    )
    .await
}

/// Logs a change of a customer's reserved units (for `as_of` balances), effective at
/// `at` and recorded at `recorded_at`.
#[allow(clippy::too_many_arguments)]
pub async fn log_reservation(
    tx: &mut Tx,
    customer_id: &CustomerId,
    sow_id: &SowId,
    delta: Units,
    reason: &str,
    at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
) -> StoreResult<()> {
    tx.defer(
        None,
        Sql::new(
            "INSERT INTO reservation_log (customer_id, sow_id, delta, reason, at, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(customer_id)
        .bind(sow_id)
        .bind(delta)
        .bind(reason)
        .bind(at)
        .bind(recorded_at),
    )
    .await
}

/// Units of each pack that went to pay deficits.
pub async fn settled_by_lots(tx: &mut Tx, lot_ids: &[LotId]) -> StoreResult<Vec<LotUnits>> {
    if lot_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT lot_id, CAST(SUM(units) AS BIGINT) AS units FROM ledger_entries WHERE kind = 'deficit_settlement' AND lot_id IN ",
    );
    sql.push_list(lot_ids);
    sql.push_sql(" GROUP BY lot_id");
    tx.fetch_all(sql).await
}

/// One row of [`customer_with_open_deficits`].
struct CustomerDeficitRow {
    customer: CustomerRow,
    deficit: Option<OpenDeficit>,
}

impl CustomerDeficitRow {
    fn decode<R: RawRow>(row: &R) -> sqlx::Result<Self> {
        let entry_id: Option<i64> = Column::read(row, "d_entry_id")?;
        Ok(CustomerDeficitRow {
            customer: CustomerRow::decode_prefixed(row, "")?,
            deficit: match entry_id {
                Some(_) => Some(OpenDeficit::decode_prefixed(row, "d_")?),
                None => None,
            },
        })
    }
}

crate::decoded_row!(CustomerDeficitRow);

/// The statement of [`customer_with_open_deficits`], built once (its column lists are
/// a format per column).
static CUSTOMER_WITH_OPEN_DEFICITS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {}, {} FROM customers cu LEFT JOIN deficits d \
         ON d.customer_id = cu.id AND d.outstanding > 0 WHERE cu.id = $1 ORDER BY d.entry_id",
        CustomerRow::columns_as("cu", ""),
        OpenDeficit::columns_as("d", "d_"),
    )
});

/// A customer with its open deficits, oldest first, in one statement (what a pack sale
/// reads after the account lock); `None` when the customer does not exist.
pub async fn customer_with_open_deficits(
    tx: &mut Tx,
    customer_id: &CustomerId,
) -> StoreResult<Option<(CustomerRow, Vec<OpenDeficit>)>> {
    let rows: Vec<CustomerDeficitRow> = tx
        .fetch_all(Sql::new(CUSTOMER_WITH_OPEN_DEFICITS.as_str()).bind(customer_id))
        .await?;
    let mut rows = rows.into_iter();
    let Some(first) = rows.next() else {
        return Ok(None);
    };
    let open = first
        .deficit
        .into_iter()
        .chain(rows.filter_map(|r| r.deficit))
        .collect();
    Ok(Some((first.customer, open)))
}
