//! Point-in-time balances on the effective timeline (SPEC §4, docs/timeline.md): read
//! from the newest checkpoint at or before the instant plus the movements after it, so
//! the cost does not grow with the customer's history; checkpoints are written every
//! [`CHECKPOINT_EVERY`] movements and corrected by movements recorded late.

mod replay;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

pub use replay::{Move, Replay, backfill};

use super::ServiceError;
use crate::domain::ids::{CustomerId, LotId};
use crate::domain::ledger::EntryKind;
use crate::domain::timeline::{BalanceAt, Figures, LotInfo, balance_at, shifts};
use crate::domain::units::Units;
use crate::storage::accounts::AccountRow;
use crate::storage::db::{StoreError, Tx};
use crate::storage::timeline::{self as store, CheckpointRow, LotInfoRow};

/// Movements (entries and reservation changes) between two checkpoints of a customer:
/// what an `as_of` read adds to the checkpoint it starts from, at most.
pub const CHECKPOINT_EVERY: i64 = 256;

/// The figures of a customer at `t`: the newest checkpoint at or before `t`, plus the
/// movements effective after it and by `t`.
pub async fn figures_at(
    tx: &mut Tx,
    customer_id: &CustomerId,
    t: DateTime<Utc>,
) -> Result<Figures, StoreError> {
    let checkpoint = store::checkpoint_before(tx, customer_id, t).await?;
    let mut figures = Figures::default();
    let after = checkpoint.as_ref().map(|c| c.at);
    if let Some(c) = &checkpoint {
        figures.total = c.total;
        figures.deficit = c.deficit;
        figures.reserved = c.reserved;
        for lot in store::checkpoint_lots(tx, customer_id, c.at).await? {
            figures.lots.insert(lot.lot_id, lot.units);
        }
    }
    for m in store::entries_between(tx, customer_id, after, t).await? {
        figures.apply_entry(m.kind, m.units, m.lot_id.as_ref());
    }
    for r in store::reservations_between(tx, customer_id, after, t).await? {
        figures.apply_reservation(r.delta);
    }
    Ok(figures)
}

/// The balance of a customer at `t`.
pub async fn balance(
    tx: &mut Tx,
    customer_id: &CustomerId,
    t: DateTime<Utc>,
) -> Result<BalanceAt, ServiceError> {
    let figures = figures_at(tx, customer_id, t).await?;
    let lots: Vec<LotInfo> = store::listable_lots(tx, customer_id, t)
        .await?
        .into_iter()
        .map(lot_info)
        .collect();
    Ok(balance_at(&figures, t, &lots))
}

/// What the domain needs of a stored lot.
pub fn lot_info(row: LotInfoRow) -> LotInfo {
    LotInfo {
        id: row.id,
        created_at: row.created_at,
        expires_at: row.expires_at,
        received_on: row.received_on,
    }
}

/// One movement a use case records, as the timeline sees it.
#[derive(Clone, Debug)]
pub enum Recorded<'a> {
    /// A ledger entry.
    Entry {
        /// Kind.
        kind: EntryKind,
        /// Signed units.
        units: Units,
        /// Lot named.
        lot: Option<&'a LotId>,
        /// Effective instant.
        at: DateTime<Utc>,
    },
    /// A change of a reservation.
    Reservation {
        /// Signed units.
        delta: Units,
        /// Effective instant.
        at: DateTime<Utc>,
    },
}

impl Recorded<'_> {
    /// Its effective instant.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Recorded::Entry { at, .. } | Recorded::Reservation { at, .. } => *at,
        }
    }
}

/// Keeps the checkpoints right as a use case records `moves` at `now`: a movement
/// effective at or before the newest checkpoint updates every checkpoint from its
/// effective instant on; every [`CHECKPOINT_EVERY`] movements a new checkpoint is
/// written at `now` from the maintained figures (`account`, already updated) and the
/// lots as they stand. Runs before the account row is saved; updates its checkpoint
/// fields.
pub async fn keep(
    tx: &mut Tx,
    account: &mut AccountRow,
    moves: &[Recorded<'_>],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if moves.is_empty() {
        return Ok(());
    }
    if let Some(newest) = account.checkpoint_at {
        let mut late: BTreeMap<DateTime<Utc>, Figures> = BTreeMap::new();
        for m in moves {
            match *m {
                Recorded::Entry {
                    kind,
                    units,
                    lot,
                    at,
                } if at <= newest => late.entry(at).or_default().apply_entry(kind, units, lot),
                Recorded::Reservation { delta, at } if at <= newest => {
                    late.entry(at).or_default().apply_reservation(delta);
                }
                _ => {}
            }
        }
        store::shift(tx, &account.customer_id, &shifts(&late)).await?;
    }
    account.since_checkpoint += moves.len() as i64;
    let latest = moves.iter().map(Recorded::at).max();
    account.latest_effective = account.latest_effective.max(latest);
    // The maintained figures hold everything recorded, some of it (recorded by a
    // request that read the clock later) possibly effective after this request's
    // "now": the checkpoint is dated no earlier than the latest effective instant.
    let at = account.latest_effective.map_or(now, |l| l.max(now));
    if account.since_checkpoint >= CHECKPOINT_EVERY && account.checkpoint_at != Some(at) {
        let checkpoint = CheckpointRow {
            customer_id: account.customer_id.clone(),
            at,
            total: account.total,
            deficit: account.deficit,
            reserved: account.reserved,
        };
        store::write_checkpoint(tx, &checkpoint, None).await?;
        account.checkpoint_at = Some(at);
        account.since_checkpoint = 0;
    }
    Ok(())
}
