//! Kinds of ledger entries (SPEC §4) and the sign each must carry.

use std::fmt;

/// A movement of posted units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryKind {
    /// Units of a sold pack landing in its lot (+).
    Grant,
    /// A delivered session (−).
    Debit,
    /// A late cancellation or a no-show (−).
    CancellationDebit,
    /// Units given back after a complaint decision (+).
    Reversal,
    /// A lot's remaining units leaving at its expiry instant (−).
    Expiry,
    /// The part of a debit no lot could cover (−).
    Deficit,
    /// The part of a new pack that pays an outstanding deficit off (+).
    DeficitSettlement,
}

impl EntryKind {
    /// Every kind, in statement order.
    pub const ALL: [EntryKind; 7] = [
        EntryKind::Grant,
        EntryKind::DeficitSettlement,
        EntryKind::Debit,
        EntryKind::CancellationDebit,
        EntryKind::Deficit,
        EntryKind::Reversal,
        EntryKind::Expiry,
    ];

    /// Wire and storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Grant => "grant",
            EntryKind::Debit => "debit",
            EntryKind::CancellationDebit => "cancellation_debit",
            EntryKind::Reversal => "reversal",
            EntryKind::Expiry => "expiry",
            EntryKind::Deficit => "deficit",
            EntryKind::DeficitSettlement => "deficit_settlement",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(text: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// True for kinds that add units to the posted balance.
    pub fn is_credit(self) -> bool {
        matches!(
            self,
            EntryKind::Grant | EntryKind::Reversal | EntryKind::DeficitSettlement
        )
    }

    /// True for the entries that make up the charge of a session (reversible by a
    /// complaint decision).
    pub fn is_session_charge(self) -> bool {
        matches!(
            self,
            EntryKind::Debit | EntryKind::CancellationDebit | EntryKind::Deficit
        )
    }

    /// True when the entry moves the remaining units of the lot it names (a
    /// settlement names the pack that paid, but those units never entered the lot).
    pub fn moves_lot(self) -> bool {
        !matches!(self, EntryKind::DeficitSettlement | EntryKind::Deficit)
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_signs() {
        for k in EntryKind::ALL {
            assert_eq!(EntryKind::parse(k.as_str()), Some(k));
        }
        assert!(EntryKind::Grant.is_credit() && !EntryKind::Expiry.is_credit());
        assert!(EntryKind::Deficit.is_session_charge() && !EntryKind::Expiry.is_session_charge());
    }
}
