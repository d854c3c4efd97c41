//! Top-up quotes (SPEC §6): why they are raised, how long they stay open, and their
//! lifecycle `open → ordered | lapsed | cancelled`.

use chrono::{DateTime, Utc};

use super::deadline::days_after;
use crate::spelled_enum;

/// Calendar days a quote stays open for ordering (`order_due = issued_at + 30 days`).
pub const ORDER_WINDOW_DAYS: u32 = 30;

/// The instant by which a quote issued at `issued_at` must be ordered.
pub fn order_due(issued_at: DateTime<Utc>) -> DateTime<Utc> {
    days_after(issued_at, ORDER_WINDOW_DAYS)
}

spelled_enum! {
    /// Where a quote stands.
    pub enum QuoteStatus {
        /// Waiting for an order.
        Open = "open",
        /// A pack referenced it.
        Ordered = "ordered",
        /// Its order deadline passed.
        Lapsed = "lapsed",
        /// Withdrawn by an account manager.
        Cancelled = "cancelled",
    }
}

spelled_enum! {
    /// What raised a quote.
    pub enum QuoteOrigin {
        /// An account manager.
        Manual = "manual",
        /// An approved SoW whose units were not available.
        SowShortfall = "sow_shortfall",
        /// A charge no lot could cover.
        Deficit = "deficit",
        /// A SoW that lost its provisioned units to expiry or a deficit.
        CoverageLost = "coverage_lost",
    }
}

/// A refused quote transition.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("is {0} and can no longer be {1}")]
pub struct QuoteNotOpen(pub QuoteStatus, pub &'static str);

impl QuoteNotOpen {
    /// The stable code clients branch on.
    pub const CODE: &'static str = "quote_not_open";
}

impl QuoteStatus {
    /// Ordering, lapsing or cancelling: only an open quote moves, and only once.
    pub fn close(self, to: QuoteStatus) -> Result<QuoteStatus, QuoteNotOpen> {
        let verb = match to {
            QuoteStatus::Ordered => "ordered",
            QuoteStatus::Lapsed => "lapsed",
            QuoteStatus::Cancelled => "cancelled",
            QuoteStatus::Open => "reopened",
        };
        match (self, to) {
            (QuoteStatus::Open, QuoteStatus::Open) => Err(QuoteNotOpen(self, verb)),
            (QuoteStatus::Open, to) => Ok(to),
            (from, _) => Err(QuoteNotOpen(from, verb)),
        }
    }

    /// True when the order deadline has passed at `now` for an open quote.
    pub fn lapses_at(self, order_due: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self == QuoteStatus::Open && order_due <= now
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn an_open_quote_closes_once() {
        assert_eq!(
            QuoteStatus::Open.close(QuoteStatus::Ordered),
            Ok(QuoteStatus::Ordered)
        );
        assert!(QuoteStatus::Lapsed.close(QuoteStatus::Cancelled).is_err());
        assert!(QuoteStatus::Open.close(QuoteStatus::Open).is_err());
    }

    #[test]
    fn a_quote_is_due_thirty_calendar_days_after_issue() {
        let issued = Utc
            .with_ymd_and_hms(2026, 12, 4, 14, 0, 0)
            .single()
            .unwrap_or_default();
        let due = order_due(issued);
        assert_eq!(due - issued, chrono::Duration::days(30));
        assert!(QuoteStatus::Open.lapses_at(due, due));
        assert!(!QuoteStatus::Open.lapses_at(due, due - chrono::Duration::seconds(1)));
        assert!(!QuoteStatus::Ordered.lapses_at(due, due));
    }
}
