//! The timeline invariants of SPEC §4 ("One timeline for `as_of`"), checked at every
//! instant where some figure changes, not only now: replaying each customer's history
//! in effective order, no listed lot is negative, `total = Σ lots − deficit`,
//! `available = total − reserved`, no reservation is negative — and every checkpoint
//! `as_of` starts from holds exactly the replayed figures. The first instant where one
//! breaks is reported, per customer.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::Violation;
use crate::domain::ids::{CustomerId, LotId};
use crate::domain::timeline::{Figures, LotInfo, balance_at, inconsistency};
use crate::domain::units::Units;
use crate::service::timeline::{Move, history, lot_info};
use crate::storage::accounts;
use crate::storage::db::{StoreError, Tx};
use crate::storage::timeline::{self as store, CheckpointRow};

/// Checks every customer's timeline.
pub async fn check(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    let everything =
        DateTime::<Utc>::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
    for account in accounts::all(tx).await? {
        let customer = &account.customer_id;
        let moves = history(tx, customer, everything).await?;
        let lots: Vec<LotInfo> = store::all_lots(tx, customer)
            .await?
            .into_iter()
            .map(lot_info)
            .collect();
        let mut checkpoints = Vec::new();
        for c in store::checkpoints(tx, customer).await? {
            let held: BTreeMap<LotId, Units> = store::checkpoint_lots(tx, customer, c.at)
                .await?
                .into_iter()
                .filter(|l| !l.units.is_zero())
                .map(|l| (l.lot_id, l.units))
                .collect();
            checkpoints.push((c, held));
        }
        if let Some(v) = first_break(customer, &moves, &lots, &checkpoints) {
            found.push(v);
        }
    }
    Ok(())
}

/// Replays one customer's movements and returns the first broken invariant.
fn first_break(
    customer: &CustomerId,
    moves: &[(DateTime<Utc>, Move)],
    lots: &[LotInfo],
    checkpoints: &[(CheckpointRow, BTreeMap<LotId, Units>)],
) -> Option<Violation> {
    let mut figures = Figures::default();
    let mut by_sow: BTreeMap<&str, Units> = BTreeMap::new();
    let mut next_checkpoint = checkpoints.iter().peekable();
    let mut i = 0;
    loop {
        let at = moves.get(i).map(|(at, _)| *at);
        // Checkpoints strictly before the next instant hold what was replayed so far.
        while let Some((c, held)) = next_checkpoint.peek() {
            if at.is_some_and(|at| c.at >= at) {
                break;
            }
            if let Some(v) = checkpoint_differs(&figures, c, held) {
                return Some(format!("customer {customer}: checkpoint at {}: {v}", c.at));
            }
            next_checkpoint.next();
        }
        let at = at?;
        while let Some((_, m)) = moves.get(i).filter(|(when, _)| *when == at) {
            m.apply(&mut figures);
            if let Move::Reservation { sow, delta } = m {
                *by_sow.entry(sow.as_str()).or_default() += *delta;
            }
            i += 1;
        }
        let balance = balance_at(&figures, at, lots);
        if let Some(v) = inconsistency(&balance) {
            return Some(format!("customer {customer}: as of {at}: {v}"));
        }
        if let Some((sow, units)) = by_sow.iter().find(|(_, u)| u.is_negative()) {
            return Some(format!(
                "customer {customer}: as of {at}: SoW {sow} has a negative reservation ({units})"
            ));
        }
    }
}

fn checkpoint_differs(
    figures: &Figures,
    c: &CheckpointRow,
    held: &BTreeMap<LotId, Units>,
) -> Option<String> {
    let replayed: BTreeMap<LotId, Units> = figures
        .lots
        .iter()
        .filter(|(_, u)| !u.is_zero())
        .map(|(l, u)| (l.clone(), *u))
        .collect();
    if (c.total, c.deficit, c.reserved) != (figures.total, figures.deficit, figures.reserved) {
        return Some(format!(
            "holds total {} deficit {} reserved {} but the history says {} {} {}",
            c.total, c.deficit, c.reserved, figures.total, figures.deficit, figures.reserved
        ));
    }
    (held != &replayed).then(|| format!("holds lots {held:?} but the history says {replayed:?}"))
}
