//! Selling a pack (SPEC §4): when a sale is allowed and which `received_on` dates make
//! sense.

use chrono::{DateTime, NaiveDate, Utc};

/// Why a pack may not be sold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SaleRefused {
    /// The SecureCall contract does not cover the date the order was received.
    #[error("the customer's SecureCall contract is not active on {0}")]
    SecureCallInactive(NaiveDate),
    /// No SecureCall contract and no standalone agreement.
    #[error("the customer has no SecureCall contract and no standalone agreement")]
    NoSecureCall,
}

impl SaleRefused {
    /// The stable code clients branch on.
    pub const CODE: &'static str = "no_active_securecall";
}

/// A pack needs an active SecureCall contract on the date its order was received,
/// unless the customer has a standalone agreement (the contract's "sauf accord
/// contraire"). `securecall` is the contract's first and last day.
pub fn check_sale(
    standalone_agreed: bool,
    securecall: Option<(NaiveDate, NaiveDate)>,
    received_on: NaiveDate,
) -> Result<(), SaleRefused> {
    if standalone_agreed {
        return Ok(());
    }
    match securecall {
        Some((starts, ends)) if starts <= received_on && received_on <= ends => Ok(()),
        Some(_) => Err(SaleRefused::SecureCallInactive(received_on)),
        None => Err(SaleRefused::NoSecureCall),
    }
}

/// The order date of a pack may not be in the future (`today` in the customer's
/// calendar), nor so old that the pack, expiring at `expires_at`, is already expired
/// at `now`. The message is about `received_on`.
pub fn check_received_on(
    received_on: NaiveDate,
    today: NaiveDate,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), &'static str> {
    if received_on > today {
        Err("must not be in the future")
    } else if expires_at <= now {
        Err("a pack received then would already have expired")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default()
    }

    #[test]
    fn securecall_must_cover_the_order_date_unless_agreed() {
        let window = Some((d(1, 1), d(12, 31)));
        assert_eq!(check_sale(false, window, d(6, 1)), Ok(()));
        assert_eq!(check_sale(false, window, d(12, 31)), Ok(()));
        assert_eq!(
            check_sale(false, Some((d(2, 1), d(12, 31))), d(1, 31)),
            Err(SaleRefused::SecureCallInactive(d(1, 31)))
        );
        assert_eq!(
            check_sale(false, None, d(6, 1)),
            Err(SaleRefused::NoSecureCall)
        );
        assert_eq!(check_sale(true, None, d(6, 1)), Ok(()));
    }
}
