//! Movements of units (SPEC §4), each applied to an open [`Book`]: session charges
//! (FIFO over lots, deficit for the rest), reversals, expiry, and SoW reservations.
//! The workflow calls these; nothing else writes ledger entries.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::book::{Book, Refs};
use super::{Ctx, ServiceError, coverage, quotes};
use crate::domain::allocation::{
    DebitPart, LotRef, LotState, plan_debit, plan_deficit_part_reversal, plan_reversal,
};
use crate::domain::ids::{CustomerId, LotId, QuoteId, SessionId, SowId};
use crate::domain::ledger::EntryKind;
use crate::domain::quote::QuoteOrigin;
use crate::domain::timeline::reservation_change_at;
use crate::domain::units::Units;
use crate::storage::db::Tx;
use crate::storage::deficits::{self, ChargePart};
use crate::storage::lots::{self, LotRow};
use crate::storage::sows::SowRow;

/// What a session charge is.
#[derive(Clone, Debug)]
pub struct Charge<'a> {
    /// `Debit` (delivered) or `CancellationDebit` (late cancellation, no-show).
    pub kind: EntryKind,
    /// Units to charge.
    pub units: Units,
    /// The session's actual end, or the cancellation instant.
    pub effective_at: DateTime<Utc>,
    /// The session.
    pub session_id: &'a SessionId,
    /// What to do when the lots cannot cover the charge.
    pub shortfall: Shortfall,
}

/// Policy for a charge the customer's lots cannot cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortfall {
    /// Record a deficit and raise a top-up quote (work already done must be billed).
    RecordDeficit,
    /// Refuse with 409 `insufficient_units` and change nothing.
    Refuse,
}

/// How a charge was covered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChargeOutcome {
    /// Units drawn from lots.
    pub drawn: Units,
    /// Units no lot covered.
    pub deficit: Units,
    /// Part of the charge that used the SoW's reservation.
    pub from_reservation: Units,
    /// Quote raised for the deficit.
    pub quote_id: Option<QuoteId>,
}

/// Converts a stored lot into what the allocator needs.
pub fn lot_state(row: &LotRow) -> LotState {
    LotState {
        id: row.id.clone(),
        received_on: row.received_on,
        expires_at: row.expires_at,
        remaining: row.remaining,
    }
}

/// A stored lot as a reversal sees it.
fn lot_ref(row: &LotRow) -> LotRef {
    LotRef {
        id: row.id.clone(),
        expires_at: row.expires_at,
        received_on: row.received_on,
        expired: row.expired,
    }
}

/// Charges a session: first against the SoW's reservation (so other SoWs keep theirs),
/// then from the lots in expiry order; what no lot covers becomes a deficit with a
/// top-up quote. The caller saves `sow` before closing the book.
pub async fn charge(
    tx: &mut Tx,
    book: &mut Book,
    sow: &mut SowRow,
    c: Charge<'_>,
) -> Result<ChargeOutcome, ServiceError> {
    let mut outcome = ChargeOutcome::default();
    let from_reservation = sow.reserved.min(c.units);
    if from_reservation.is_positive() {
        let at = reservation_change_at(c.effective_at, sow.reserved_since);
        book.adjust_reserved(&sow.id, -from_reservation, "consumed", at);
        sow.reserved -= from_reservation;
    }
    sow.consumed += c.units;
    outcome.from_reservation = from_reservation;
    if !c.units.is_positive() {
        return Ok(outcome);
    }
    let rows = match book.take_live_lots() {
        Some(rows) => rows,
        None => lots::live_for_customer(tx, book.customer_id()).await?,
    };
    let states: Vec<LotState> = rows.iter().map(lot_state).collect();
    let plan = plan_debit(&states, c.units, c.effective_at);
    if plan.deficit.is_positive() && c.shortfall == Shortfall::Refuse {
        return Err(ServiceError::conflict(
            "insufficient_units",
            format!(
                "{} units are needed but only {} are usable",
                c.units,
                c.units - plan.deficit
            ),
        ));
    }
    let refs = |lot: Option<LotId>| Refs {
        lot_id: lot,
        session_id: Some(c.session_id.clone()),
        sow_id: Some(sow.id.clone()),
        ..Refs::default()
    };
    for draw in &plan.draws {
        lots::adjust(tx, draw.lot_id, -draw.units).await?;
        book.post(
            c.kind,
            -draw.units,
            c.effective_at,
            refs(Some(draw.lot_id.clone())),
        );
        outcome.drawn += draw.units;
    }
    if plan.deficit.is_positive() {
        book.post(
            EntryKind::Deficit,
            -plan.deficit,
            c.effective_at,
            refs(None),
        );
        book.adjust_deficit(plan.deficit);
        outcome.deficit = plan.deficit;
        outcome.quote_id = quotes::raise(
            tx,
            book,
            plan.deficit,
            &format!("Session {} exceeded the units available", c.session_id),
            QuoteOrigin::Deficit,
            Some(&sow.id),
        )
        .await?;
        book.emit(
            "deficit_recorded",
            c.session_id,
            c.effective_at,
            json!({"session_id": c.session_id, "units": plan.deficit, "quote_id": outcome.quote_id}),
        );
    }
    Ok(outcome)
}

/// What a reversal gives back from: the session's charges (with their reversals so far)
/// and the lots they drew from, read with the session after the account lock
/// (`storage::sessions::context` with `Also::Charges`).
pub struct Reversal<'a> {
    /// The session.
    pub session_id: &'a SessionId,
    /// Its SoW.
    pub sow_id: &'a SowId,
    /// Its charge entries, in id order.
    pub charges: Vec<ChargePart>,
    /// The lots they drew from.
    pub lots: Vec<LotRow>,
}

/// Gives back `amount` units of a session's charge: the unpaid deficit part first,
/// then the lots latest-expiring first; units returned to an expired lot expire again
/// at once. Refuses (422 on `field`) more than what is left unreversed.
pub async fn reverse_session(
    tx: &mut Tx,
    book: &mut Book,
    reversal: Reversal<'_>,
    amount: Units,
    field: &str,
) -> Result<Units, ServiceError> {
    if !amount.is_positive() {
        return Ok(Units::ZERO);
    }
    let Reversal {
        session_id,
        sow_id,
        charges,
        lots: lot_rows,
    } = reversal;
    let parts: Vec<DebitPart> = charges
        .iter()
        .map(|c| DebitPart {
            entry_id: c.id,
            lot: c
                .lot_id
                .as_ref()
                .and_then(|id| lot_rows.iter().find(|l| &l.id == id))
                .map(lot_ref),
            taken: -c.units,
            reversed: c.reversed,
        })
        .collect();
    let now = book.now();
    let steps = plan_reversal(&parts, amount, now)
        .map_err(|e| ServiceError::invalid(field, e.to_string()))?;
    let refs = |lot: Option<LotId>, entry_id: i64| Refs {
        lot_id: lot,
        session_id: Some(session_id.clone()),
        sow_id: Some(sow_id.clone()),
        reverses_id: Some(entry_id),
        ..Refs::default()
    };
    for step in steps {
        match step.lot_id {
            Some(lot_id) => {
                restore(
                    tx,
                    book,
                    &lot_id,
                    step.units,
                    step.expire_again,
                    refs(Some(lot_id.clone()), step.entry_id),
                )
                .await?;
            }
            None => {
                let outstanding = deficits::deficit_outstanding(tx, step.entry_id).await?;
                let mut settled = Vec::new();
                for s in deficits::settlements_of(tx, step.entry_id).await? {
                    let lot = lots::get(tx, &s.lot_id)
                        .await?
                        .ok_or(ServiceError::NotFound("lot"))?;
                    settled.push((lot_ref(&lot), s.paid, s.refunded));
                }
                let (forgive, refunds) =
                    plan_deficit_part_reversal(outstanding, &settled, step.units, now);
                if forgive.is_positive() {
                    book.post(EntryKind::Reversal, forgive, now, refs(None, step.entry_id));
                    deficits::reduce_deficit(tx, step.entry_id, forgive).await?;
                    book.adjust_deficit(-forgive);
                }
                for (lot_id, units, expire_again) in refunds {
                    restore(
                        tx,
                        book,
                        &lot_id,
                        units,
                        expire_again,
                        refs(Some(lot_id.clone()), step.entry_id),
                    )
                    .await?;
                }
            }
        }
    }
    Ok(amount)
}

async fn restore(
    tx: &mut Tx,
    book: &mut Book,
    lot_id: &LotId,
    units: Units,
    expire_again: bool,
    refs: Refs,
) -> Result<(), ServiceError> {
    let now = book.now();
    book.post(EntryKind::Reversal, units, now, refs.clone());
    if expire_again {
        book.post(
            EntryKind::Expiry,
            -units,
            now,
            Refs {
                lot_id: Some(lot_id.clone()),
                session_id: refs.session_id,
                sow_id: refs.sow_id,
                note: Some("units returned to an expired lot".into()),
                ..Refs::default()
            },
        );
        book.emit(
            "units_expired",
            lot_id,
            now,
            json!({"lot_id": lot_id, "units": units, "after_reversal": true}),
        );
    } else {
        lots::adjust(tx, lot_id, units).await?;
    }
    Ok(())
}

/// Applies a lot's expiry, effective at its expiry instant; a no-op when another run
/// already did (exactly once, whoever runs it and however late).
pub async fn expire_lot(
    tx: &mut Tx,
    ctx: &Ctx,
    lot_id: &LotId,
    customer_id: &CustomerId,
) -> Result<bool, ServiceError> {
    let mut book = Book::open(tx, ctx, customer_id).await?;
    let Some(lot) = lots::get(tx, lot_id).await? else {
        return Ok(false);
    };
    let expires_at = lot.expires_at;
    if lot.expired || expires_at > ctx.now {
        return Ok(false);
    }
    if !lots::mark_expired(tx, lot_id).await? {
        return Ok(false);
    }
    let remaining = lot.remaining;
    if remaining.is_positive() {
        book.post(
            EntryKind::Expiry,
            -remaining,
            expires_at,
            Refs {
                lot_id: Some(lot_id.clone()),
                ..Refs::default()
            },
        );
    }
    book.emit(
        "units_expired",
        lot_id,
        expires_at,
        json!({"lot_id": lot_id, "units": remaining}),
    );
    coverage::rebalance(tx, &mut book).await?;
    book.close(tx).await?;
    Ok(true)
}

/// Reserves `units` for a SoW, now.
pub fn reserve(book: &mut Book, sow: &mut SowRow, units: Units) {
    let now = book.now();
    book.adjust_reserved(&sow.id, units, "provisioned", now);
    sow.reserved += units;
    sow.reserved_since = Some(now);
}

/// Releases what is left of a SoW's reservation, now; returns how much.
pub fn release(book: &mut Book, sow: &mut SowRow, reason: &'static str) -> Units {
    let left = sow.reserved;
    let now = book.now();
    book.adjust_reserved(&sow.id, -left, reason, now);
    sow.reserved = Units::ZERO;
    left
}
