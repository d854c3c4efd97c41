//! The invariants of SPEC §4, checked over the whole database (`securehands verify`
//! and the tests): balances equal their entries, lots stay within bounds, reserved is
//! covered, a session is charged once, reversals never exceed what they reverse, and
//! every customer's `balance_after` chain is consistent.

use std::collections::BTreeMap;

use crate::storage::accounts;
use crate::storage::db::{Db, Sql, StoreError, Tx};
use crate::storage::lots;
use crate::storage::sows;

/// One broken invariant, in words an operator can act on.
pub type Violation = String;

/// Checks every invariant in one consistent snapshot; an empty list means healthy.
pub async fn run(db: &Db) -> Result<Vec<Violation>, StoreError> {
    let mut tx = db.begin_read().await?;
    let mut found = Vec::new();
    balances(&mut tx, &mut found).await?;
    lot_bounds(&mut tx, &mut found).await?;
    reservations(&mut tx, &mut found).await?;
    session_charges(&mut tx, &mut found).await?;
    reversal_bounds(&mut tx, &mut found).await?;
    chains(&mut tx, &mut found).await?;
    seq_gaps(&mut tx, &mut found).await?;
    tx.commit().await?;
    Ok(found)
}

async fn balances(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let sums: Vec<(String, i64, i64)> = tx
        .fetch_all(Sql::new(
            "SELECT customer_id, CAST(SUM(units) AS BIGINT), CAST(COALESCE(SUM(CASE \
                WHEN kind = 'deficit' THEN -units WHEN kind = 'deficit_settlement' THEN -units \
                WHEN kind = 'reversal' AND lot_id IS NULL THEN -units ELSE 0 END), 0) AS BIGINT) \
             FROM ledger_entries GROUP BY customer_id",
        ))
        .await?;
    let outstanding: Vec<(String, i64)> = tx
        .fetch_all(Sql::new(
            "SELECT customer_id, CAST(SUM(outstanding) AS BIGINT) FROM deficits GROUP BY customer_id",
        ))
        .await?;
    for account in accounts::all(tx).await? {
        let (total, deficit) = sums
            .iter()
            .find(|(c, _, _)| *c == account.customer_id)
            .map(|(_, t, d)| (*t, *d))
            .unwrap_or((0, 0));
        if total != account.total {
            found.push(format!(
                "customer {}: balance {} but its entries sum to {}",
                account.customer_id, account.total, total
            ));
        }
        if deficit != account.deficit {
            found.push(format!(
                "customer {}: deficit {} but its entries say {}",
                account.customer_id, account.deficit, deficit
            ));
        }
        let owed = outstanding
            .iter()
            .find(|(c, _)| *c == account.customer_id)
            .map(|(_, o)| *o)
            .unwrap_or(0);
        if owed != account.deficit {
            found.push(format!(
                "customer {}: deficit {} but open deficits sum to {}",
                account.customer_id, account.deficit, owed
            ));
        }
        if account.reserved > account.total.max(0) {
            found.push(format!(
                "customer {}: reserved {} exceeds max(total, 0) = {}",
                account.customer_id,
                account.reserved,
                account.total.max(0)
            ));
        }
        if account.reserved < 0 {
            found.push(format!(
                "customer {}: reserved is negative",
                account.customer_id
            ));
        }
    }
    Ok(())
}

async fn lot_bounds(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let sums: Vec<(String, i64)> = tx
        .fetch_all(Sql::new(
            "SELECT lot_id, CAST(SUM(units) AS BIGINT) FROM ledger_entries WHERE lot_id IS NOT NULL \
             AND kind NOT IN ('deficit_settlement', 'deficit') GROUP BY lot_id",
        ))
        .await?;
    let sums: BTreeMap<String, i64> = sums.into_iter().collect();
    for lot in lots::all(tx).await? {
        let from_entries = sums.get(&lot.id).copied().unwrap_or(0);
        if from_entries != lot.remaining {
            found.push(format!(
                "lot {}: remaining {} but its entries sum to {}",
                lot.id, lot.remaining, from_entries
            ));
        }
        if lot.remaining < 0 || lot.remaining > lot.units {
            found.push(format!(
                "lot {}: remaining {} outside 0..={}",
                lot.id, lot.remaining, lot.units
            ));
        }
        if lot.expired && lot.remaining != 0 {
            found.push(format!(
                "lot {}: expired with {} remaining",
                lot.id, lot.remaining
            ));
        }
    }
    let expiries: Vec<(String, i64)> = tx
        .fetch_all(Sql::new(
            "SELECT lot_id, CAST(COUNT(*) AS BIGINT) FROM ledger_entries WHERE kind = 'expiry' \
             AND note IS NULL GROUP BY lot_id HAVING COUNT(*) > 1",
        ))
        .await?;
    for (lot, n) in expiries {
        found.push(format!("lot {lot}: expired {n} times"));
    }
    Ok(())
}

async fn reservations(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let by_sows: BTreeMap<String, i64> =
        sows::reserved_by_customer(tx).await?.into_iter().collect();
    let logged: Vec<(String, i64)> = tx
        .fetch_all(Sql::new(
            "SELECT customer_id, CAST(SUM(delta) AS BIGINT) FROM reservation_log GROUP BY customer_id",
        ))
        .await?;
    let logged: BTreeMap<String, i64> = logged.into_iter().collect();
    for account in accounts::all(tx).await? {
        let s = by_sows.get(&account.customer_id).copied().unwrap_or(0);
        let l = logged.get(&account.customer_id).copied().unwrap_or(0);
        if s != account.reserved || l != account.reserved {
            found.push(format!(
                "customer {}: reserved {} but SoWs hold {} and the reservation log says {}",
                account.customer_id, account.reserved, s, l
            ));
        }
    }
    Ok(())
}

async fn session_charges(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let rows: Vec<(String, i64, i64)> = tx
        .fetch_all(Sql::new(
            "SELECT session_id, CAST(COUNT(DISTINCT recorded_at) AS BIGINT), CAST(SUM(units) AS BIGINT) \
             FROM ledger_entries WHERE session_id IS NOT NULL \
             AND kind IN ('debit', 'cancellation_debit', 'deficit') GROUP BY session_id",
        ))
        .await?;
    let debited: Vec<(String, Option<i64>)> = tx
        .fetch_all(Sql::new("SELECT id, units_debited FROM sessions"))
        .await?;
    let debited: BTreeMap<String, Option<i64>> = debited.into_iter().collect();
    for (session, operations, units) in rows {
        if operations > 1 {
            found.push(format!("session {session}: charged {operations} times"));
        }
        if let Some(Some(recorded)) = debited.get(&session)
            && *recorded != -units
        {
            {
                found.push(format!(
                    "session {session}: units_debited {recorded} but entries charge {}",
                    -units
                ));
            }
        }
    }
    Ok(())
}

async fn reversal_bounds(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let rows: Vec<(i64, i64, i64)> = tx
        .fetch_all(Sql::new(
            "SELECT e.seq, e.units, CAST(SUM(r.units) AS BIGINT) FROM ledger_entries e \
             JOIN ledger_entries r ON r.reverses_seq = e.seq AND r.kind = 'reversal' \
             GROUP BY e.seq, e.units",
        ))
        .await?;
    for (seq, units, reversed) in rows {
        if reversed > -units {
            found.push(format!(
                "entry {seq}: reversed {reversed} but took {}",
                -units
            ));
        }
    }
    Ok(())
}

async fn chains(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let rows: Vec<(String, i64, i64, i64)> = tx
        .fetch_all(Sql::new(
            "SELECT customer_id, seq, units, balance_after FROM ledger_entries ORDER BY customer_id, seq",
        ))
        .await?;
    let mut running: BTreeMap<String, i64> = BTreeMap::new();
    for (customer, seq, units, after) in rows {
        let balance = running.entry(customer.clone()).or_insert(0);
        *balance += units;
        if *balance != after {
            found.push(format!(
                "entry {seq}: balance_after {after} but the running balance is {balance}"
            ));
            *balance = after;
        }
    }
    Ok(())
}

async fn seq_gaps(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let (count, max, last): (i64, i64, i64) = tx
        .fetch_one(Sql::new(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(MAX(seq), 0) AS BIGINT), \
             (SELECT ledger_last FROM feed_counters WHERE id = 1) FROM ledger_entries",
        ))
        .await?;
    if count != max || max != last {
        found.push(format!(
            "ledger seqs are not 1..={last}: {count} entries, highest {max}"
        ));
    }
    Ok(())
}
