//! The one source of "now".
//!
//! Nothing else in the service reads the system time for business purposes. In
//! production the clock is the system clock; with the test clock enabled it is a value
//! that only moves forward when an administrator says so, which makes every
//! time-driven rule reproducible.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

/// Reads the current instant.
#[derive(Clone, Debug)]
pub enum Clock {
    /// The machine's clock.
    System,
    /// A settable clock shared by every request of this process.
    Test(Arc<RwLock<DateTime<Utc>>>),
}

/// Why the test clock refused a move.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The service runs on the system clock.
    #[error("the test clock is not enabled")]
    NotSettable,
    /// Time only moves forward, so rules never run twice for the same instant.
    #[error("the test clock only moves forward (now {current}, asked {requested})")]
    Backwards {
        /// Current value.
        current: DateTime<Utc>,
        /// Rejected value.
        requested: DateTime<Utc>,
    },
}

impl Clock {
    /// A test clock starting at the given instant.
    pub fn test_at(start: DateTime<Utc>) -> Self {
        Clock::Test(Arc::new(RwLock::new(start)))
    }

    /// The current instant, truncated to microseconds (the stored precision) so what a
    /// response shows is exactly what was written.
    pub fn now(&self) -> DateTime<Utc> {
        let t = match self {
            Clock::System => Utc::now(),
            Clock::Test(v) => *v.read().unwrap_or_else(|e| e.into_inner()),
        };
        truncate_to_micros(t)
    }

    /// True for the settable clock.
    pub fn is_test(&self) -> bool {
        matches!(self, Clock::Test(_))
    }

    /// Moves the test clock forward (or leaves it when equal).
    pub fn set(&self, to: DateTime<Utc>) -> Result<DateTime<Utc>, ClockError> {
        match self {
            Clock::System => Err(ClockError::NotSettable),
            Clock::Test(v) => {
                let mut guard = v.write().unwrap_or_else(|e| e.into_inner());
                let to = truncate_to_micros(to);
                if to < *guard {
                    return Err(ClockError::Backwards {
                        current: *guard,
                        requested: to,
                    });
                }
                *guard = to;
                Ok(to)
            }
        }
    }
}

/// The real time, whatever the service clock says: for what a peer checks against its
/// own clock (webhook signature timestamps), never for business rules.
pub fn wall_now() -> DateTime<Utc> {
    Utc::now()
}

/// Drops sub-microsecond precision (what storage keeps).
pub fn truncate_to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_clock_moves_forward_only() {
        let start = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let clock = Clock::test_at(start);
        let later = start + chrono::Duration::hours(1);
        assert_eq!(clock.set(later), Ok(later));
        assert_eq!(clock.now(), later);
        assert!(matches!(
            clock.set(start),
            Err(ClockError::Backwards { .. })
        ));
        assert_eq!(Clock::System.set(later), Err(ClockError::NotSettable));
    }
}
