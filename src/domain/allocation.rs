//! Which lots a movement of units touches (SPEC §4–§5): debits in expiry order,
//! reversals back to where a debit drew from, deficit settlement, and which SoWs lose
//! or gain coverage. Plans only — the ledger service writes them.

use chrono::{DateTime, NaiveDate, Utc};

use super::ids::{LotId, SowId};
use super::units::Units;

/// What the allocator needs to know of a lot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LotState {
    /// Lot id (the final tie-breaker).
    pub id: LotId,
    /// Date the order was received.
    pub received_on: NaiveDate,
    /// First instant at which the lot's units are no longer usable.
    pub expires_at: DateTime<Utc>,
    /// Units left.
    pub remaining: Units,
}

impl LotState {
    /// Units are usable strictly before the expiry instant.
    pub fn is_usable_at(&self, at: DateTime<Utc>) -> bool {
        at < self.expires_at
    }
}

/// Units taken from one lot (borrowing the lot's id: planning allocates nothing per
/// lot, so a debit over thousands of lots stays in microseconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draw<'a> {
    /// The lot.
    pub lot_id: &'a LotId,
    /// How many units.
    pub units: Units,
}

/// How a debit is covered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DebitPlan<'a> {
    /// Lots drawn from, in consumption order.
    pub draws: Vec<Draw<'a>>,
    /// What no lot could cover.
    pub deficit: Units,
}

fn consumption_order(a: &LotState, b: &LotState) -> std::cmp::Ordering {
    (a.expires_at, a.received_on, &a.id).cmp(&(b.expires_at, b.received_on, &b.id))
}

/// Plans a debit of `amount` effective at `at`: lots not expired at `at` with units
/// left, earliest expiry first, then earliest `received_on`, then id; the uncovered
/// remainder is a deficit. Lots arriving in consumption order (as storage returns them)
/// are not sorted again; planning allocates nothing per lot.
pub fn plan_debit(lots: &[LotState], amount: Units, at: DateTime<Utc>) -> DebitPlan<'_> {
    let usable: Vec<&LotState> = lots
        .iter()
        .filter(|l| l.is_usable_at(at) && l.remaining.is_positive())
        .collect();
    let mut left = amount.clamp_non_negative();
    let mut draws = Vec::new();
    if usable.is_sorted_by(|a, b| consumption_order(a, b).is_le()) {
        for lot in usable {
            if left.is_zero() {
                break;
            }
            let units = lot.remaining.min(left);
            draws.push(Draw {
                lot_id: &lot.id,
                units,
            });
            left -= units;
        }
    } else {
        // Unsorted input: a heap yields lots in consumption order while only the lots
        // actually drawn are ordered (O(n + k log n) for k lots drawn).
        let mut heap: std::collections::BinaryHeap<std::cmp::Reverse<ByConsumption<'_>>> = usable
            .into_iter()
            .map(|l| std::cmp::Reverse(ByConsumption(l)))
            .collect();
        while !left.is_zero() {
            let Some(std::cmp::Reverse(ByConsumption(lot))) = heap.pop() else {
                break;
            };
            let units = lot.remaining.min(left);
            draws.push(Draw {
                lot_id: &lot.id,
                units,
            });
            left -= units;
        }
    }
    DebitPlan {
        draws,
        deficit: left,
    }
}

/// A lot ordered for consumption (earliest expiry, then received_on, then id).
struct ByConsumption<'a>(&'a LotState);

impl PartialEq for ByConsumption<'_> {
    fn eq(&self, other: &Self) -> bool {
        consumption_order(self.0, other.0).is_eq()
    }
}
impl Eq for ByConsumption<'_> {}
impl PartialOrd for ByConsumption<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ByConsumption<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        consumption_order(self.0, other.0)
    }
}

/// One part of a debit that may be reversed: a draw from a lot, or the deficit part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebitPart {
    /// The ledger entry of this part.
    pub entry_id: i64,
    /// The lot it drew from (`None` for the deficit part).
    pub lot: Option<LotRef>,
    /// Units the entry took (positive).
    pub taken: Units,
    /// Units already given back by earlier reversals of this entry.
    pub reversed: Units,
}

/// A lot as seen by a reversal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LotRef {
    /// Lot id.
    pub id: LotId,
    /// Expiry instant.
    pub expires_at: DateTime<Utc>,
    /// Date received (tie-breaker).
    pub received_on: NaiveDate,
    /// Its expiry is already booked: units given back to it expire again at once,
    /// even when the giver's "now" is still before `expires_at` (a request that began
    /// before the expiry ran and commits after it).
    pub expired: bool,
}

impl LotRef {
    /// Units returned to this lot at `at` cannot be spent any more.
    pub fn is_spent_at(&self, at: DateTime<Utc>) -> bool {
        self.expired || self.expires_at <= at
    }
}

/// One step of a reversal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReversalStep {
    /// The entry being (partly) reversed.
    pub entry_id: i64,
    /// The lot units go back to (`None`: the deficit part).
    pub lot_id: Option<LotId>,
    /// Units given back.
    pub units: Units,
    /// The lot has already expired: the units must expire again at once.
    pub expire_again: bool,
}

/// Why a reversal cannot be planned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReversalError {
    /// More than what the debit took, summed over all its reversals.
    #[error("at most {available} units can still be reversed")]
    ExceedsDebit {
        /// What is left to reverse.
        available: Units,
    },
}

/// Plans the reversal of `amount` units of a debit made of `parts`: the unpaid
/// (deficit) part first, since it was taken last and has no expiry, then the lots
/// latest-expiring first; never more than what is left unreversed. A lot already
/// expired at `at` gets its units back and loses them again at once.
pub fn plan_reversal(
    parts: &[DebitPart],
    amount: Units,
    at: DateTime<Utc>,
) -> Result<Vec<ReversalStep>, ReversalError> {
    let available: Units = parts
        .iter()
        .map(|p| (p.taken - p.reversed).clamp_non_negative())
        .sum();
    if amount > available {
        return Err(ReversalError::ExceedsDebit { available });
    }
    let mut ordered: Vec<&DebitPart> = parts.iter().collect();
    ordered.sort_by(|a, b| match (&a.lot, &b.lot) {
        (None, None) => b.entry_id.cmp(&a.entry_id),
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => (y.expires_at, y.received_on, &y.id, b.entry_id).cmp(&(
            x.expires_at,
            x.received_on,
            &x.id,
            a.entry_id,
        )),
    });
    let mut left = amount;
    let mut steps = Vec::new();
    for part in ordered {
        if left.is_zero() {
            break;
        }
        let room = (part.taken - part.reversed).clamp_non_negative();
        let give = room.min(left);
        if give.is_zero() {
            continue;
        }
        steps.push(ReversalStep {
            entry_id: part.entry_id,
            lot_id: part.lot.as_ref().map(|l| l.id.clone()),
            units: give,
            expire_again: part.lot.as_ref().is_some_and(|l| l.is_spent_at(at)),
        });
        left -= give;
    }
    Ok(steps)
}

/// Where the reversed deficit part of a debit goes: first it cancels what is still
/// owed on that deficit; what a later grant already paid goes back to the lots that
/// paid it (latest-expiring first). `settlements` are `(lot, units paid, units already
/// given back)` for this deficit entry.
pub fn plan_deficit_part_reversal(
    outstanding: Units,
    settlements: &[(LotRef, Units, Units)],
    amount: Units,
    at: DateTime<Utc>,
) -> (Units, Vec<(LotId, Units, bool)>) {
    let forgive = outstanding.clamp_non_negative().min(amount);
    let mut left = amount - forgive;
    let mut ordered: Vec<&(LotRef, Units, Units)> = settlements.iter().collect();
    ordered.sort_by(|a, b| {
        (b.0.expires_at, b.0.received_on, &b.0.id).cmp(&(a.0.expires_at, a.0.received_on, &a.0.id))
    });
    let mut refunds = Vec::new();
    for (lot, paid, returned) in ordered {
        if left.is_zero() {
            break;
        }
        let give = (*paid - *returned).clamp_non_negative().min(left);
        if give.is_positive() {
            refunds.push((lot.id.clone(), give, lot.is_spent_at(at)));
            left -= give;
        }
    }
    (forgive, refunds)
}

/// Pays outstanding deficits (oldest first) from a new grant of `grant` units; returns
/// `(deficit entry seq, units paid)` pairs.
pub fn plan_settlement(open_deficits: &[(i64, Units)], grant: Units) -> Vec<(i64, Units)> {
    let mut ordered: Vec<&(i64, Units)> = open_deficits.iter().collect();
    ordered.sort_by_key(|(seq, _)| *seq);
    let mut left = grant.clamp_non_negative();
    let mut paid = Vec::new();
    for (seq, owed) in ordered {
        if left.is_zero() {
            break;
        }
        let pay = owed.clamp_non_negative().min(left);
        if pay.is_positive() {
            paid.push((*seq, pay));
            left -= pay;
        }
    }
    paid
}

/// An approved SoW holding (or waiting for) a reservation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provision {
    /// SoW id.
    pub sow_id: SowId,
    /// Global approval order (larger = approved later).
    pub approval_order: i64,
    /// Units reserved now (active SoWs) or needed (waiting SoWs).
    pub units: Units,
}

/// When `reserved > max(total, 0)`, the most recently approved SoWs lose their
/// reservation first until the rest is covered. Returns the SoWs to send back to
/// `awaiting_units`, most recent first.
pub fn plan_coverage_loss(active: &[Provision], total: Units, reserved: Units) -> Vec<SowId> {
    let cover = total.clamp_non_negative();
    if reserved <= cover {
        return Vec::new();
    }
    // A SoW holding nothing frees nothing: it keeps its status.
    let mut ordered: Vec<&Provision> = active.iter().filter(|p| p.units.is_positive()).collect();
    ordered.sort_by_key(|p| std::cmp::Reverse(p.approval_order));
    let mut still = reserved;
    let mut lost = Vec::new();
    for p in ordered {
        if still <= cover {
            break;
        }
        lost.push(p.sow_id.clone());
        still -= p.units;
    }
    lost
}

/// What is missing to provision `needed` from `available`; a deficit (negative
/// available) is quoted on its own, so it counts as zero here.
pub fn shortfall(needed: Units, available: Units) -> Units {
    (needed - available.clamp_non_negative()).clamp_non_negative()
}

/// Which waiting SoWs `available` units now cover, strictly in approval order: the
/// first SoW that does not fit stops the queue, so a later, smaller SoW never jumps
/// ahead of an earlier one.
pub fn plan_activation(waiting: &[Provision], available: Units) -> Vec<SowId> {
    let mut ordered: Vec<&Provision> = waiting.iter().collect();
    ordered.sort_by_key(|p| p.approval_order);
    let mut left = available;
    let mut activated = Vec::new();
    for p in ordered {
        if p.units > left {
            break;
        }
        left -= p.units;
        activated.push(p.sow_id.clone());
    }
    activated
}

#[cfg(test)]
mod tests;
