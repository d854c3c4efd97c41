//! Whether a session fits its SoW: a planned slot and enough unused reservation.

use super::SessionStatus;
use crate::domain::units::Units;

/// Why a session cannot be booked under its SoW.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    /// Every planned session is used (only free cancellations give a slot back).
    #[error("the SoW plans {planned} session(s) and all are used")]
    PlannedSessionsExceeded {
        /// Planned count.
        planned: i64,
    },
    /// The estimate exceeds the SoW's reservation not yet held by scheduled sessions.
    #[error(
        "the session is estimated at {estimate} units but the SoW's unused reservation is {unused}"
    )]
    InsufficientCover {
        /// The session's estimate.
        estimate: Units,
        /// Reservation not held by other scheduled sessions.
        unused: Units,
    },
}

impl CapacityError {
    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            CapacityError::PlannedSessionsExceeded { .. } => "planned_sessions_exceeded",
            CapacityError::InsufficientCover { .. } => "insufficient_cover",
        }
    }
}

/// Checks that a session estimated at `estimate` fits its SoW (SPEC §5): a planned
/// slot is free (when `new_slot`; a reschedule keeps its slot) and the SoW's unused
/// reservation — `reserved` minus the estimates of the other scheduled sessions —
/// covers it. `others` are the SoW's other sessions with their estimates.
pub fn check_capacity(
    planned_sessions: i64,
    reserved: Units,
    others: &[(SessionStatus, Units)],
    estimate: Units,
    new_slot: bool,
) -> Result<(), CapacityError> {
    let used = others
        .iter()
        .filter(|(s, _)| s.uses_a_planned_slot())
        .count() as i64;
    if new_slot && used >= planned_sessions {
        return Err(CapacityError::PlannedSessionsExceeded {
            planned: planned_sessions,
        });
    }
    let held: Units = others
        .iter()
        .filter(|(s, _)| s.holds_estimate())
        .map(|(_, e)| *e)
        .sum();
    let unused = reserved - held;
    if estimate > unused {
        return Err(CapacityError::InsufficientCover { estimate, unused });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_counts_slots_and_held_estimates() {
        use SessionStatus::*;
        let u = Units::whole;
        let others = [
            (Scheduled, u(2)),
            (Delivered, u(3)),
            (Cancelled, u(4)),
            (CancelledLate, u(1)),
        ];
        // 3 slots used (a free cancellation gives its slot back); 2 units held.
        assert_eq!(check_capacity(4, u(10), &others, u(8), true), Ok(()));
        assert_eq!(
            check_capacity(3, u(10), &others, u(1), true).map_err(|e| e.code()),
            Err("planned_sessions_exceeded")
        );
        assert_eq!(check_capacity(3, u(10), &others, u(1), false), Ok(()));
        assert_eq!(
            check_capacity(4, u(10), &others, u(9), true),
            Err(CapacityError::InsufficientCover {
                estimate: u(9),
                unused: u(8)
            })
        );
    }
}
