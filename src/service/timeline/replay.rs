//! A customer's history replayed in effective order, a page at a time (memory does not
//! grow with the history): for the checkpoint backfill and for `verify`.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::CHECKPOINT_EVERY;
use crate::domain::ids::{CustomerId, LotId};
use crate::domain::ledger::EntryKind;
use crate::domain::timeline::Figures;
use crate::domain::units::Units;
use crate::storage::db::{Db, StoreError, Tx};
use crate::storage::timeline::{self as store, CheckpointRow};

/// Rows read per page.
const PAGE: i64 = 5_000;

/// One movement of a replayed history.
#[derive(Clone, Debug)]
pub enum Move {
    /// A ledger entry.
    Entry {
        /// Kind.
        kind: EntryKind,
        /// Units.
        units: Units,
        /// Lot.
        lot: Option<LotId>,
    },
    /// A reservation change of a SoW.
    Reservation {
        /// The SoW.
        sow: String,
        /// Units.
        delta: Units,
    },
}

impl Move {
    /// Adds the movement to running figures.
    pub fn apply(&self, figures: &mut Figures) {
        match self {
            Move::Entry { kind, units, lot } => figures.apply_entry(*kind, *units, lot.as_ref()),
            Move::Reservation { delta, .. } => figures.apply_reservation(*delta),
        }
    }
}

/// One of the two sorted streams a history merges (entries, reservation changes).
#[derive(Default)]
struct Stream {
    buffer: VecDeque<(DateTime<Utc>, Move)>,
    cursor: Option<(DateTime<Utc>, i64)>,
    done: bool,
}

/// A customer's movements in effective order, instant by instant.
pub struct Replay {
    customer: CustomerId,
    entries: Stream,
    reservations: Stream,
}

impl Replay {
    /// Starts at the beginning of the customer's history.
    pub fn new(customer: CustomerId) -> Replay {
        Replay {
            customer,
            entries: Stream::default(),
            reservations: Stream::default(),
        }
    }

    async fn fill(&mut self, tx: &mut Tx, entries: bool) -> Result<(), StoreError> {
        let customer = &self.customer;
        if entries {
            let s = &mut self.entries;
            if s.buffer.is_empty() && !s.done {
                let rows = store::entries_page(tx, customer, s.cursor, PAGE).await?;
                s.done = (rows.len() as i64) < PAGE;
                s.cursor = rows.last().map(|r| (r.effective_at, r.id)).or(s.cursor);
                s.buffer.extend(rows.into_iter().map(|r| {
                    (
                        r.effective_at,
                        Move::Entry {
                            kind: r.kind,
                            units: r.units,
                            lot: r.lot_id,
                        },
                    )
                }));
            }
        } else {
            let s = &mut self.reservations;
            if s.buffer.is_empty() && !s.done {
                let rows = store::reservations_page(tx, customer, s.cursor, PAGE).await?;
                s.done = (rows.len() as i64) < PAGE;
                s.cursor = rows.last().map(|r| (r.at, r.id)).or(s.cursor);
                s.buffer.extend(rows.into_iter().map(|r| {
                    (
                        r.at,
                        Move::Reservation {
                            sow: r.sow_id.into_string(),
                            delta: r.delta,
                        },
                    )
                }));
            }
        }
        Ok(())
    }

    /// The movements effective at the next instant (entries before reservation
    /// changes), or `None` at the end of the history.
    pub async fn next(
        &mut self,
        tx: &mut Tx,
    ) -> Result<Option<(DateTime<Utc>, Vec<Move>)>, StoreError> {
        self.fill(tx, true).await?;
        self.fill(tx, false).await?;
        let heads = [
            self.entries.buffer.front().map(|(at, _)| *at),
            self.reservations.buffer.front().map(|(at, _)| *at),
        ];
        let Some(at) = heads.into_iter().flatten().min() else {
            return Ok(None);
        };
        let mut moves = Vec::new();
        for entries in [true, false] {
            loop {
                let stream = if entries {
                    &mut self.entries
                } else {
                    &mut self.reservations
                };
                match stream.buffer.front() {
                    Some((when, _)) if *when == at => {
                        if let Some((_, m)) = stream.buffer.pop_front() {
                            moves.push(m);
                        }
                    }
                    Some(_) => break,
                    None if stream.done => break,
                    None => self.fill(tx, entries).await?,
                }
            }
        }
        Ok(Some((at, moves)))
    }
}

/// Writes the checkpoints of customers that have history but none yet (databases
/// written before checkpoints existed): their history is replayed in effective order
/// and a checkpoint written every [`CHECKPOINT_EVERY`] movements. Safe to run on every
/// replica at start: each customer is done under its account lock, once.
pub async fn backfill(db: &Db) -> Result<usize, StoreError> {
    let mut tx = db.begin_read().await?;
    let pending = store::customers_without_checkpoints(&mut tx).await?;
    tx.commit().await?;
    let mut done = 0;
    for customer_id in pending {
        let mut tx = db.begin_write().await?;
        let Some(locked) = crate::storage::accounts::lock(&mut tx, &customer_id).await? else {
            tx.rollback().await?;
            continue;
        };
        let (mut account, _) = locked.split();
        if account.checkpoint_at.is_some() || account.since_checkpoint != 0 {
            tx.rollback().await?;
            continue;
        }
        let mut replay = Replay::new(customer_id.clone());
        let mut figures = Figures::default();
        let mut since = 0i64;
        let mut latest = None;
        while let Some((at, moves)) = replay.next(&mut tx).await? {
            latest = Some(at);
            for m in &moves {
                m.apply(&mut figures);
            }
            since += moves.len() as i64;
            if since >= CHECKPOINT_EVERY {
                let lots: Vec<(LotId, Units)> =
                    figures.lots.iter().map(|(l, u)| (l.clone(), *u)).collect();
                let checkpoint = CheckpointRow {
                    customer_id: customer_id.clone(),
                    at,
                    total: figures.total,
                    deficit: figures.deficit,
                    reserved: figures.reserved,
                };
                store::write_checkpoint(&mut tx, &checkpoint, Some(&lots)).await?;
                account.checkpoint_at = Some(at);
                since = 0;
            }
        }
        account.since_checkpoint = since;
        account.latest_effective = latest;
        crate::storage::accounts::save(&mut tx, &account).await?;
        tx.commit().await?;
        done += 1;
    }
    Ok(done)
}
