//! Who may do what (SPEC §7), as data and pure predicates.
//!
//! Handlers authenticate the caller into a [`Principal`]; every permission decision is
//! taken here so the table in the contract has exactly one implementation.

use std::collections::BTreeSet;
use std::fmt;

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

/// Something a caller wants to do; each maps to the roles of SPEC §7.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
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
}

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
    pub customer_id: Option<String>,
}

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
    pub fn sees_customer(&self, customer_id: &str) -> bool {
        if self.roles.iter().any(|r| r.is_staff()) {
            return true;
        }
        self.customer_id.as_deref() == Some(customer_id)
    }

    /// The customer filter to apply on list endpoints: `None` for staff.
    pub fn customer_scope(&self) -> Option<&str> {
        if self.is_customer_only() {
            self.customer_id.as_deref()
        } else {
            None
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
            customer_id: customer.map(str::to_string),
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
        let c = principal(&[Role::Customer], Some("cus_a"));
        assert!(c.sees_customer("cus_a"));
        assert!(!c.sees_customer("cus_b"));
        assert_eq!(c.customer_scope(), Some("cus_a"));
        assert!(principal(&[Role::Finance], None).sees_customer("cus_b"));
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
