//! The timeline invariants of SPEC §4 ("One timeline for `as_of`"), checked at every
//! instant where some figure changes, not only now: replaying each customer's history
//! in effective order, no listed lot is negative, `total = Σ lots − deficit`,
//! `available = total − reserved`, no reservation is negative — and every checkpoint
//! `as_of` starts from holds exactly the replayed figures. The first instant where one
//! breaks is reported, per customer.

use std::collections::BTreeMap;

use super::Violation;
use crate::domain::ids::{CustomerId, LotId};
use crate::domain::timeline::{Figures, LotInfo, balance_at, inconsistency};
use crate::domain::units::Units;
use crate::service::timeline::{Move, Replay, lot_info};
use crate::storage::accounts;
use crate::storage::db::{StoreError, Tx};
use crate::storage::timeline::{self as store, CheckpointRow};

/// Checks every customer's timeline.
pub async fn check(tx: &mut Tx, found: &mut Vec<Violation>) -> Result<(), StoreError> {
    for account in accounts::all(tx).await? {
        let customer = &account.customer_id;
        let lots: Vec<LotInfo> = store::all_lots(tx, customer)
            .await?
            .into_iter()
            .map(lot_info)
            .collect();
        let checkpoints = store::checkpoints(tx, customer).await?;
        if let Some(v) = first_break(tx, customer, &lots, checkpoints).await? {
            found.push(v);
        }
    }
    Ok(())
}

/// Replays one customer's movements and returns the first broken invariant.
async fn first_break(
    tx: &mut Tx,
    customer: &CustomerId,
    lots: &[LotInfo],
    checkpoints: Vec<CheckpointRow>,
) -> Result<Option<Violation>, StoreError> {
    let mut figures = Figures::default();
    let mut by_sow: BTreeMap<String, Units> = BTreeMap::new();
    let mut pending = checkpoints.into_iter().peekable();
    let mut replay = Replay::new(customer.clone());
    loop {
        let next = replay.next(tx).await?;
        let at = next.as_ref().map(|(at, _)| *at);
        // Checkpoints strictly before the next instant hold what was replayed so far.
        while let Some(c) = pending.next_if(|c| at.is_none_or(|at| c.at < at)) {
            let held: BTreeMap<LotId, Units> = store::checkpoint_lots(tx, customer, c.at)
                .await?
                .into_iter()
                .filter(|l| !l.units.is_zero())
                .map(|l| (l.lot_id, l.units))
                .collect();
            if let Some(v) = checkpoint_differs(&figures, &c, &held) {
                return Ok(Some(format!(
                    "customer {customer}: checkpoint at {}: {v}",
                    c.at
                )));
            }
        }
        let Some((at, moves)) = next else {
            return Ok(None);
        };
        for m in &moves {
            m.apply(&mut figures);
            if let Move::Reservation { sow, delta } = m {
                *by_sow.entry(sow.clone()).or_default() += *delta;
            }
        }
        let balance = balance_at(&figures, at, lots);
        if let Some(v) = inconsistency(&balance) {
            return Ok(Some(format!("customer {customer}: as of {at}: {v}")));
        }
        if let Some((sow, units)) = by_sow.iter().find(|(_, u)| u.is_negative()) {
            return Ok(Some(format!(
                "customer {customer}: as of {at}: SoW {sow} has a negative reservation ({units})"
            )));
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
