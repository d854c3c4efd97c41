//! The invariants of SPEC §4, checked over the whole database (`securehands verify`
//! and the tests): balances equal their entries, lots stay within bounds, reserved is
//! covered, a session is charged once, reversals never exceed what they reverse, and
//! every customer's `balance_after` chain is consistent — and, on the effective
//! timeline, every instant where a figure changes is one consistent past
//! ([`timeline`]).

mod timeline;

use std::collections::BTreeMap;

use crate::domain::ids::{CustomerId, LotId, SessionId};
use crate::domain::units::Units;
use crate::storage::db::{Db, StoreError, Tx};
use crate::storage::{accounts, audit, lots, sows};

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
    timeline::check(&mut tx, &mut found).await?;
    tx.commit().await?;
    Ok(found)
}

async fn balances(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let sums: BTreeMap<CustomerId, (Units, Units)> = audit::entry_sums(tx)
        .await?
        .into_iter()
        .map(|s| (s.customer_id, (s.total, s.deficit)))
        .collect();
    let outstanding: BTreeMap<CustomerId, Units> = audit::open_deficits_by_customer(tx)
        .await?
        .into_iter()
        .map(|s| (s.customer_id, s.units))
        .collect();
    for account in accounts::all(tx).await? {
        let c = &account.customer_id;
        let (total, deficit) = sums.get(c).copied().unwrap_or_default();
        if total != account.total {
            found.push(format!(
                "customer {c}: balance {} but its entries sum to {total}",
                account.total
            ));
        }
        if deficit != account.deficit {
            found.push(format!(
                "customer {c}: deficit {} but its entries say {deficit}",
                account.deficit
            ));
        }
        let owed = outstanding.get(c).copied().unwrap_or_default();
        if owed != account.deficit {
            found.push(format!(
                "customer {c}: deficit {} but open deficits sum to {owed}",
                account.deficit
            ));
        }
        let cover = account.total.clamp_non_negative();
        if account.reserved > cover {
            found.push(format!(
                "customer {c}: reserved {} exceeds max(total, 0) = {cover}",
                account.reserved
            ));
        }
        if account.reserved.is_negative() {
            found.push(format!("customer {c}: reserved is negative"));
        }
    }
    Ok(())
}

async fn lot_bounds(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let sums: BTreeMap<LotId, Units> = audit::lot_sums(tx)
        .await?
        .into_iter()
        .map(|s| (s.lot_id, s.units))
        .collect();
    for lot in lots::all(tx).await? {
        let from_entries = sums.get(&lot.id).copied().unwrap_or_default();
        if from_entries != lot.remaining {
            found.push(format!(
                "lot {}: remaining {} but its entries sum to {from_entries}",
                lot.id, lot.remaining
            ));
        }
        if lot.remaining.is_negative() || lot.remaining > lot.units {
            found.push(format!(
                "lot {}: remaining {} outside 0..={}",
                lot.id, lot.remaining, lot.units
            ));
        }
        if lot.expired && !lot.remaining.is_zero() {
            found.push(format!(
                "lot {}: expired with {} remaining",
                lot.id, lot.remaining
            ));
        }
    }
    for r in audit::repeated_expiries(tx).await? {
        found.push(format!("lot {}: expired {} times", r.lot_id, r.times));
    }
    Ok(())
}

async fn reservations(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let by_sows: BTreeMap<CustomerId, Units> = sows::reserved_by_customer(tx)
        .await?
        .into_iter()
        .map(|r| (r.customer_id, r.reserved))
        .collect();
    let logged: BTreeMap<CustomerId, Units> = audit::logged_reservations(tx)
        .await?
        .into_iter()
        .map(|r| (r.customer_id, r.units))
        .collect();
    for account in accounts::all(tx).await? {
        let s = by_sows
            .get(&account.customer_id)
            .copied()
            .unwrap_or_default();
        let l = logged
            .get(&account.customer_id)
            .copied()
            .unwrap_or_default();
        if s != account.reserved || l != account.reserved {
            found.push(format!(
                "customer {}: reserved {} but SoWs hold {s} and the reservation log says {l}",
                account.customer_id, account.reserved
            ));
        }
    }
    Ok(())
}

async fn session_charges(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let debited: BTreeMap<SessionId, Option<Units>> = audit::sessions_debited(tx)
        .await?
        .into_iter()
        .map(|s| (s.id, s.units_debited))
        .collect();
    for c in audit::session_charges(tx).await? {
        let session = &c.session_id;
        if c.operations > 1 {
            found.push(format!("session {session}: charged {} times", c.operations));
        }
        if let Some(Some(recorded)) = debited.get(session)
            && *recorded != -c.units
        {
            found.push(format!(
                "session {session}: units_debited {recorded} but entries charge {}",
                -c.units
            ));
        }
    }
    Ok(())
}

async fn reversal_bounds(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    for r in audit::reversed_entries(tx).await? {
        if r.reversed > -r.units {
            found.push(format!(
                "entry {}: reversed {} but took {}",
                r.id, r.reversed, -r.units
            ));
        }
    }
    Ok(())
}

async fn chains(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let mut running: BTreeMap<CustomerId, Units> = BTreeMap::new();
    for link in audit::chain(tx).await? {
        let balance = running.entry(link.customer_id).or_default();
        *balance += link.units;
        if *balance != link.balance_after {
            found.push(format!(
                "entry {}: balance_after {} but the running balance is {balance}",
                link.id, link.balance_after
            ));
            *balance = link.balance_after;
        }
    }
    Ok(())
}

async fn seq_gaps(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let s = audit::seq_summary(tx).await?;
    if s.entries != s.highest || s.highest != s.counter {
        found.push(format!(
            "ledger positions are not 1..={}: {} positioned entries, highest {}",
            s.counter, s.entries, s.highest
        ));
    }
    if s.events != s.events_highest || s.events_highest != s.events_counter {
        found.push(format!(
            "event positions are not 1..={}: {} positioned events, highest {}",
            s.events_counter, s.events, s.events_highest
        ));
    }
    Ok(())
}
