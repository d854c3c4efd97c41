//! Who may do what (SPEC §7), as data and pure predicates.
//!
//! Handlers authenticate the caller into a [`Principal`]; every permission decision is
//! taken here so the table in the contract has exactly one implementation.

use std::collections::BTreeSet;
use std::fmt;

use super::ids::CustomerId;

/// A role carried in a token's `roles` claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Full administration, including the test clock.
    Admin,
    /// Sells packs, manages quotes, calendars and customers.
    AccountManager,
    /// Takes requests, drafts SoWs, schedules and delivers sessions.
    SocLead,
    /// A SOC lead who also decides complaints.
    SocManager,
    /// Read-only finance system, all customers.
    Finance,
    /// A customer's representative, limited to its own customer.
    Customer,
}

impl Role {
    /// Every role, for access-matrix tests and documentation.
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::AccountManager,
        Role::SocLead,
        Role::SocManager,
        Role::Finance,
        Role::Customer,
    ];

    /// The claim spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::AccountManager => "account_manager",
            Role::SocLead => "soc_lead",
            Role::SocManager => "soc_manager",
            Role::Finance => "finance",
            Role::Customer => "customer",
        }
    }

    /// Parses a claim value; unknown roles are ignored by the caller, not fatal, so a
    /// token issuer can carry roles meant for other services.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// True for every role that works for the provider rather than for a customer.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Customer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Declares the actions once: the [`Action`] enum and, in [`can`], one marker type per
/// action, so the HTTP layer checks permissions from the token with the same list the
/// access table is written against (a new action cannot be forgotten in one of them).
macro_rules! actions {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {
        /// Something a caller wants to do; each maps to the roles of SPEC §7.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Action {
            $($(#[$doc])* $name),+
        }

        impl Action {
            /// Every action, for the access matrix.
            pub const ALL: &'static [Action] = &[$(Action::$name),+];
        }

        /// One type per [`Action`], for permissions checked by type (an extractor
        /// parameter) rather than by value.
        pub mod can {
            $(
                $(#[$doc])*
                pub struct $name;
                impl super::ActionMarker for $name {
                    const ACTION: super::Action = super::Action::$name;
                }
            )+
        }
    };
}

/// A type standing for one [`Action`] (see [`can`]).
pub trait ActionMarker: Send + Sync + 'static {
    /// The action it stands for.
    const ACTION: Action;
}

actions!(
    /// Calendars, holidays, customers (read and write).
    ManageReferenceData,
    /// Sell packs, create and cancel quotes.
    ManageCommercial,
    /// Read balances, packs, quotes, ledger lines of one customer, statements.
    ReadAccount,
    /// Export the whole ledger, read the events feed and portfolio reports.
    ExportFinance,
    /// Log a request.
    LogRequest,
    /// Respond to, decline or redirect a request.
    HandleRequest,
    /// Read requests, SoWs and sessions.
    ReadWork,
    /// Draft, edit, submit, cancel, supersede a SoW; schedule, reschedule, deliver, no-show.
    RunWork,
    /// Approve or reject a SoW; accept, complain about or evaluate a session.
    CustomerDecision,
    /// Cancel a session.
    CancelSession,
    /// Decide a complaint.
    DecideComplaint,
    /// Read the SLA report.
    ReadSla,
    /// Move the test clock.
    MoveTestClock,
    /// Read the mail outbox.
    ReadNotifications,
    /// Register, list, remove webhook endpoints and retry their deliveries.
    ManageWebhooks,
);

impl Action {
    /// The roles allowed to perform this action (customers are additionally limited to
    /// their own customer by [`Principal::sees_customer`]). The table is applied
    /// literally: `admin` only has the rights the contract names, so operational work on
    /// SoWs and sessions stays with the SOC.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Action::ManageReferenceData | Action::ManageCommercial => &[Admin, AccountManager],
            Action::ReadAccount => &[
                Admin,
                AccountManager,
                SocLead,
                SocManager,
                Finance,
                Customer,
            ],
            Action::ExportFinance => &[Admin, Finance, AccountManager],
            Action::LogRequest => &[SocLead, SocManager, Customer],
            Action::HandleRequest | Action::RunWork => &[SocLead, SocManager],
            Action::ReadWork => &[
                Admin,
                AccountManager,
                SocLead,
                SocManager,
                Finance,
                Customer,
            ],
            Action::CustomerDecision => &[Customer],
            Action::CancelSession => &[SocLead, SocManager, Customer],
            Action::DecideComplaint => &[SocManager],
            Action::ReadSla => &[Admin, AccountManager, SocLead, SocManager, Finance],
            Action::MoveTestClock => &[Admin],
            Action::ReadNotifications => &[Admin, AccountManager],
            Action::ManageWebhooks => &[Admin, AccountManager, Finance],
        }
    }
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// Token subject, recorded as the actor of what the caller does.
    pub subject: String,
    /// Known roles from the token.
    pub roles: BTreeSet<Role>,
    /// The customer a `customer` token speaks for.
    pub customer_id: Option<CustomerId>,
}

/// A customer asked for a customer other than itself (answered as "not found").
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("customer not found")]
pub struct OutOfScope;

impl Principal {
    /// True when the caller has at least one role allowed for `action`.
    pub fn may(&self, action: Action) -> bool {
        action.roles().iter().any(|r| self.roles.contains(r))
    }

    /// True when the caller acts only as a customer (no staff role).
    pub fn is_customer_only(&self) -> bool {
        !self.roles.iter().any(|r| r.is_staff())
    }

    /// True when the caller may see resources of `customer_id`: staff see every customer,
    /// a customer only its own. Anything else must look like it does not exist (404).
    pub fn sees_customer(&self, customer_id: &CustomerId) -> bool {
        if self.roles.iter().any(|r| r.is_staff()) {
            return true;
        }
        self.customer_id.as_ref() == Some(customer_id)
    }

    /// The customer a customer-only caller is limited to: `None` for staff.
    pub fn customer_scope(&self) -> Option<&CustomerId> {
        if self.is_customer_only() {
            self.customer_id.as_ref()
        } else {
            None
        }
    }

    /// The customer filter of every list and export: staff get what they asked for
    /// (all customers when nothing), a customer gets itself — and asking for another
    /// customer is refused as if it did not exist.
    pub fn list_scope(&self, asked: Option<&CustomerId>) -> Result<Option<CustomerId>, OutOfScope> {
        match (self.customer_scope(), asked) {
            (Some(own), Some(a)) if own != a => Err(OutOfScope),
            (Some(own), _) => Ok(Some(own.clone())),
            (None, a) => Ok(a.cloned()),
        }
    }

    /// A short actor label for the ledger (`role:subject`).
    pub fn actor(&self) -> String {
        self.subject.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: &[Role], customer: Option<&str>) -> Principal {
        Principal {
            subject: "t".into(),
            roles: roles.iter().copied().collect(),
            customer_id: customer.map(CustomerId::from_raw),
        }
    }

    #[test]
    fn soc_manager_has_soc_lead_rights() {
        let m = principal(&[Role::SocManager], None);
        for action in [
            Action::RunWork,
            Action::HandleRequest,
            Action::LogRequest,
            Action::CancelSession,
        ] {
            assert!(m.may(action), "{action:?}");
        }
        assert!(m.may(Action::DecideComplaint));
        assert!(!principal(&[Role::SocLead], None).may(Action::DecideComplaint));
    }

    #[test]
    fn finance_is_read_only() {
        let f = principal(&[Role::Finance], None);
        assert!(f.may(Action::ExportFinance) && f.may(Action::ReadAccount));
        for action in [
            Action::ManageCommercial,
            Action::ManageReferenceData,
            Action::RunWork,
            Action::CustomerDecision,
        ] {
            assert!(!f.may(action), "{action:?}");
        }
    }

    #[test]
    fn customers_see_only_themselves() {
        let (a, b) = (CustomerId::from_raw("cus_a"), CustomerId::from_raw("cus_b"));
        let c = principal(&[Role::Customer], Some("cus_a"));
        assert!(c.sees_customer(&a));
        assert!(!c.sees_customer(&b));
        assert_eq!(c.customer_scope(), Some(&a));
        assert_eq!(c.list_scope(None), Ok(Some(a.clone())));
        assert_eq!(c.list_scope(Some(&b)), Err(OutOfScope));
        let finance = principal(&[Role::Finance], None);
        assert!(finance.sees_customer(&b));
        assert_eq!(finance.list_scope(Some(&b)), Ok(Some(b.clone())));
        assert_eq!(finance.list_scope(None), Ok(None));
        assert!(!c.may(Action::ExportFinance));
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
