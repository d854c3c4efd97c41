//! One timeline for point-in-time balances (SPEC §4 "One timeline for `as_of`").
//!
//! Every movement carries an effective instant: a ledger entry its `effective_at`, a
//! change of a reservation the effective instant of the movement that caused it. The
//! figures at t are the sum of everything recorded *now* that is effective by t, for
//! every figure alike. Units a debit drew from a lot that did not hold them yet at t (a
//! pack granted, or units given back by a reversal, after the debit's effective
//! instant) count as deficit at t rather than as a negative lot — so at every t no lot
//! is negative, `total = Σ lots − deficit` and `available = total − reserved`.
//!
//! The figures are additive, so they can start from a checkpoint (the figures at an
//! earlier instant) and add the movements after it; that is how `as_of` stays cheap
//! whatever the size of the history.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::ids::LotId;
use super::ledger::EntryKind;
use super::units::Units;

/// The additive figures at one instant, before lots are clamped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Posted balance: Σ entries.
    pub total: Units,
    /// Outstanding deficit from deficit entries, less settlements and forgiving
    /// reversals.
    pub deficit: Units,
    /// Units provisioned for SoWs.
    pub reserved: Units,
    /// Units of each lot moved so far (grants, draws, reversals, expiries); may be
    /// negative at an instant where a debit drew units the lot only got later.
    pub lots: BTreeMap<LotId, Units>,
}

impl Figures {
    /// Adds one ledger entry.
    pub fn apply_entry(&mut self, kind: EntryKind, units: Units, lot: Option<&LotId>) {
        self.total += units;
        self.deficit += deficit_effect(kind, units, lot.is_some());
        if let Some(lot) = lot.filter(|_| kind.moves_lot()) {
            *self.lots.entry(lot.clone()).or_default() += units;
        }
    }

    /// Adds one change of a reservation.
    pub fn apply_reservation(&mut self, delta: Units) {
        self.reserved += delta;
    }

    /// Adds another set of figures (movements over a longer stretch).
    pub fn add(&mut self, other: &Figures) {
        self.total += other.total;
        self.deficit += other.deficit;
        self.reserved += other.reserved;
        for (lot, units) in &other.lots {
            *self.lots.entry(lot.clone()).or_default() += *units;
        }
    }

    /// True when adding these figures changes nothing but lots.
    pub fn moves_no_totals(&self) -> bool {
        self.total.is_zero() && self.deficit.is_zero() && self.reserved.is_zero()
    }
}

/// A correction of the checkpoints dated from `from` up to, not including, `until`
/// (no end when `None`): what movements recorded late add to each of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shift {
    /// First instant of the stretch.
    pub from: DateTime<Utc>,
    /// End of the stretch, excluded; `None` for every later checkpoint.
    pub until: Option<DateTime<Utc>>,
    /// What every checkpoint in the stretch gains: the late movements effective by
    /// `from`.
    pub figures: Figures,
}

/// Turns movements recorded late, grouped by effective instant, into corrections of
/// disjoint stretches of checkpoints: a checkpoint at `t` gains every late movement
/// effective by `t`, and each checkpoint lies in exactly one stretch, so one write can
/// correct them all without touching a row twice.
pub fn shifts(late: &BTreeMap<DateTime<Utc>, Figures>) -> Vec<Shift> {
    let mut running = Figures::default();
    let untils = late.keys().skip(1).copied().map(Some).chain([None]);
    late.iter()
        .zip(untils)
        .map(|((from, figures), until)| {
            running.add(figures);
            Shift {
                from: *from,
                until,
                figures: running.clone(),
            }
        })
        .collect()
}

/// How an entry changes the outstanding deficit: a deficit entry adds what it could not
/// cover, a settlement and a reversal of an unpaid part (a reversal with no lot) pay it
/// off.
pub fn deficit_effect(kind: EntryKind, units: Units, has_lot: bool) -> Units {
    match kind {
        EntryKind::Deficit => -units,
        EntryKind::DeficitSettlement => -units,
        EntryKind::Reversal if !has_lot => -units,
        _ => Units::ZERO,
    }
}

/// The effective instant of a change to a SoW's reservation caused by a movement
/// effective at `cause`: with the movement, but never before the reservation began
/// (`reserved_since`), so a SoW's reservation is never negative at any instant — a
/// session delivered with times before its SoW was provisioned consumes the
/// reservation when it was made.
pub fn reservation_change_at(
    cause: DateTime<Utc>,
    reserved_since: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    reserved_since.map_or(cause, |since| cause.max(since))
}

/// What the timeline needs to know about a lot to list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LotInfo {
    /// The lot.
    pub id: LotId,
    /// When it was sold (its grant's instant): it does not exist before.
    pub created_at: DateTime<Utc>,
    /// Its expiry instant.
    pub expires_at: DateTime<Utc>,
    /// Order date (consumption order).
    pub received_on: NaiveDate,
}

/// One listed lot at an instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LotAt {
    /// The lot.
    pub lot: LotInfo,
    /// Its units at that instant.
    pub remaining: Units,
}

/// A balance at an instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanceAt {
    /// Posted balance.
    pub total: Units,
    /// Provisioned units.
    pub reserved: Units,
    /// `total − reserved`.
    pub available: Units,
    /// Outstanding deficit, including units drawn from lots that did not hold them yet.
    pub deficit: Units,
    /// Every lot sold by t and not expired at t (0 remaining included), in consumption
    /// order; a lot whose expiry was not applied yet stays listed while it holds units.
    pub lots: Vec<LotAt>,
}

/// The balance at `t` from the figures at `t`. `lots` describes every lot that may be
/// listed (at least those not expired at `t` or not yet marked expired).
pub fn balance_at(figures: &Figures, t: DateTime<Utc>, lots: &[LotInfo]) -> BalanceAt {
    let drawn_ahead: Units = figures
        .lots
        .values()
        .filter(|u| u.is_negative())
        .map(|u| -*u)
        .sum();
    let deficit = figures.deficit + drawn_ahead;
    let mut listed = Vec::new();
    for lot in lots {
        if lot.created_at > t {
            continue;
        }
        let raw = figures.lots.get(&lot.id).copied().unwrap_or_default();
        if lot.expires_at > t || raw.is_positive() {
            listed.push(LotAt {
                lot: lot.clone(),
                remaining: raw.clamp_non_negative(),
            });
        }
    }
    listed.sort_by(|a, b| {
        (a.lot.expires_at, a.lot.received_on, &a.lot.id).cmp(&(
            b.lot.expires_at,
            b.lot.received_on,
            &b.lot.id,
        ))
    });
    BalanceAt {
        total: figures.total,
        reserved: figures.reserved,
        available: figures.total - figures.reserved,
        deficit,
        lots: listed,
    }
}

/// Why a balance at an instant is not one consistent past.
pub fn inconsistency(balance: &BalanceAt) -> Option<String> {
    if let Some(lot) = balance.lots.iter().find(|l| l.remaining.is_negative()) {
        return Some(format!(
            "lot {} is negative ({})",
            lot.lot.id, lot.remaining
        ));
    }
    let in_lots: Units = balance.lots.iter().map(|l| l.remaining).sum();
    if balance.total != in_lots - balance.deficit {
        return Some(format!(
            "total {} but lots hold {in_lots} and the deficit is {}",
            balance.total, balance.deficit
        ));
    }
    if balance.available != balance.total - balance.reserved {
        return Some(format!(
            "available {} is not total {} − reserved {}",
            balance.available, balance.total, balance.reserved
        ));
    }
    if balance.reserved.is_negative() {
        return Some(format!("reserved is negative ({})", balance.reserved));
    }
    if balance.deficit.is_negative() {
        return Some(format!("deficit is negative ({})", balance.deficit));
    }
    None
}

#[cfg(test)]
mod tests;
