//! Movements of units (SPEC §4), each applied to an open [`Book`]: session charges
//! (FIFO over lots, deficit for the rest), reversals, expiry, and SoW reservations.
//! The workflow calls these; nothing else writes ledger entries.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::book::{Book, Refs};
use super::{Ctx, ServiceError, quotes};
use crate::domain::allocation::{
    DebitPart, LotRef, LotState, plan_debit, plan_deficit_part_reversal, plan_reversal,
};
use crate::domain::ledger::EntryKind;
use crate::domain::units::Units;
use crate::storage::db::{Tx, from_micros, parse_date};
use crate::storage::ledger;
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
    pub session_id: &'a str,
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
    pub quote_id: Option<String>,
}

/// Converts a stored lot into what the allocator needs.
pub fn lot_state(row: &LotRow) -> Result<LotState, ServiceError> {
    Ok(LotState {
        id: row.id.clone(),
        received_on: parse_date(&row.received_on)?,
        expires_at: from_micros(row.expires_at)?,
        remaining: Units::from_hundredths(row.remaining),
    })
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
    let from_reservation = Units::from_hundredths(sow.reserved).min(c.units);
    if from_reservation.is_positive() {
        book.adjust_reserved(&sow.id, -from_reservation, "consumed");
        sow.reserved -= from_reservation.hundredths();
    }
    sow.consumed += c.units.hundredths();
    outcome.from_reservation = from_reservation;
    if !c.units.is_positive() {
        return Ok(outcome);
    }
    let rows = lots::live_for_customer(tx, book.customer_id()).await?;
    let states = rows.iter().map(lot_state).collect::<Result<Vec<_>, _>>()?;
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
    let refs = |lot: Option<String>| Refs {
        lot_id: lot,
        session_id: Some(c.session_id.to_string()),
        sow_id: Some(sow.id.clone()),
        ..Refs::default()
    };
    for draw in &plan.draws {
        lots::adjust(tx, draw.lot_id, -draw.units.hundredths()).await?;
        book.post(
            c.kind,
            -draw.units,
            c.effective_at,
            refs(Some(draw.lot_id.to_string())),
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
            "deficit",
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

/// Gives back `amount` units of a session's charge: the unpaid deficit part first,
/// then the lots latest-expiring first; units returned to an expired lot expire again
/// at once. Refuses (422 on `field`) more than what is left unreversed.
pub async fn reverse_session(
    tx: &mut Tx,
    book: &mut Book,
    session_id: &str,
    sow_id: &str,
    amount: Units,
    field: &str,
) -> Result<Units, ServiceError> {
    if !amount.is_positive() {
        return Ok(Units::ZERO);
    }
    let charges = ledger::session_charges(tx, session_id).await?;
    let lot_ids: Vec<String> = charges.iter().filter_map(|c| c.lot_id.clone()).collect();
    let lot_rows = lots::by_ids(tx, &lot_ids).await?;
    let lot_ref = |id: &str| -> Result<Option<LotRef>, ServiceError> {
        lot_rows
            .iter()
            .find(|l| l.id == id)
            .map(|l| {
                Ok(LotRef {
                    id: l.id.clone(),
                    expires_at: from_micros(l.expires_at)?,
                    received_on: parse_date(&l.received_on)?,
                })
            })
            .transpose()
    };
    let mut parts = Vec::with_capacity(charges.len());
    for c in &charges {
        parts.push(DebitPart {
            entry_seq: c.seq,
            lot: match &c.lot_id {
                Some(id) => lot_ref(id)?,
                None => None,
            },
            taken: Units::from_hundredths(-c.units),
            reversed: Units::from_hundredths(c.reversed),
        });
    }
    let now = book.now();
    let steps = plan_reversal(&parts, amount, now)
        .map_err(|e| ServiceError::invalid(field, e.to_string()))?;
    let refs = |lot: Option<String>, seq: i64| Refs {
        lot_id: lot,
        session_id: Some(session_id.to_string()),
        sow_id: Some(sow_id.to_string()),
        reverses_seq: Some(seq),
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
                    refs(Some(lot_id.clone()), step.entry_seq),
                )
                .await?;
            }
            None => {
                let outstanding =
                    Units::from_hundredths(ledger::deficit_outstanding(tx, step.entry_seq).await?);
                let mut settled = Vec::new();
                for (lot_id, paid, returned) in ledger::settlements_of(tx, step.entry_seq).await? {
                    let lot = lots::get(tx, &lot_id)
                        .await?
                        .ok_or(ServiceError::NotFound("lot"))?;
                    settled.push((
                        LotRef {
                            id: lot.id.clone(),
                            expires_at: from_micros(lot.expires_at)?,
                            received_on: parse_date(&lot.received_on)?,
                        },
                        Units::from_hundredths(paid),
                        Units::from_hundredths(returned),
                    ));
                }
                let (forgive, refunds) =
                    plan_deficit_part_reversal(outstanding, &settled, step.units, now);
                if forgive.is_positive() {
                    book.post(
                        EntryKind::Reversal,
                        forgive,
                        now,
                        refs(None, step.entry_seq),
                    );
                    ledger::reduce_deficit(tx, step.entry_seq, forgive.hundredths()).await?;
                    book.adjust_deficit(-forgive);
                }
                for (lot_id, units, expire_again) in refunds {
                    restore(
                        tx,
                        book,
                        &lot_id,
                        units,
                        expire_again,
                        refs(Some(lot_id.clone()), step.entry_seq),
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
    lot_id: &str,
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
                lot_id: Some(lot_id.to_string()),
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
        lots::adjust(tx, lot_id, units.hundredths()).await?;
    }
    Ok(())
}

/// Applies a lot's expiry, effective at its expiry instant; a no-op when another run
/// already did (exactly once, whoever runs it and however late).
pub async fn expire_lot(
    tx: &mut Tx,
    ctx: &Ctx,
    lot_id: &str,
    customer_id: &str,
) -> Result<bool, ServiceError> {
    let mut book = Book::open(tx, ctx, customer_id).await?;
    let Some(lot) = lots::get(tx, lot_id).await? else {
        return Ok(false);
    };
    let expires_at = from_micros(lot.expires_at)?;
    if lot.expired || expires_at > ctx.now {
        return Ok(false);
    }
    if !lots::mark_expired(tx, lot_id).await? {
        return Ok(false);
    }
    let remaining = Units::from_hundredths(lot.remaining);
    if remaining.is_positive() {
        book.post(
            EntryKind::Expiry,
            -remaining,
            expires_at,
            Refs {
                lot_id: Some(lot_id.to_string()),
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
    book.close(tx).await?;
    Ok(true)
}

/// Reserves `units` for a SoW.
pub fn reserve(book: &mut Book, sow: &mut SowRow, units: Units) {
    book.adjust_reserved(&sow.id, units, "provisioned");
    sow.reserved += units.hundredths();
}

/// Releases what is left of a SoW's reservation; returns how much.
pub fn release(book: &mut Book, sow: &mut SowRow, reason: &'static str) -> Units {
    let left = Units::from_hundredths(sow.reserved);
    book.adjust_reserved(&sow.id, -left, reason);
    sow.reserved = 0;
    left
}
