//! Who may do what (SPEC §7), as data and pure predicates.
//!
//! Handlers authenticate the caller into a [`Principal`]; every permission decision is
//! taken here so the table in the contract has exactly one implementation.

use std::collections::BTreeSet;
use std::fmt;

use super::actor::Actor;
use super::ids::CustomerId;
use super::notification::ContactRole;

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
    /// Read a customer's balance and packs.
    ReadBalance,
    /// Read quotes, ledger lines of one customer, statements.
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
    /// Approve or reject a SoW; accept or complain about a session.
    ApproveWork,
    /// Evaluate a delivered session.
    EvaluateSession,
    /// Cancel a session.
    CancelSession,
    /// Decide a complaint.
    DecideComplaint,
    /// Read the SLA report.
    ReadSla,
    /// Read the units no SoW covers (to contact customers about scheduling).
    ReadUncovered,
    /// Move the test clock.
    MoveTestClock,
    /// Read the mail outbox.
    ReadNotifications,
    /// Register, list, remove webhook endpoints and retry their deliveries.
    ManageWebhooks,
    /// Read the audit log.
    ReadAudit,
    /// Create, list, roll and revoke API keys; list, disable and enable people.
    ManageAccess,
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
            Action::ReadAccount | Action::ReadBalance => &[
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
            Action::ApproveWork | Action::EvaluateSession => &[Customer],
            Action::CancelSession => &[SocLead, SocManager, Customer],
            Action::DecideComplaint => &[SocManager],
            Action::ReadSla => &[Admin, AccountManager, SocLead, SocManager, Finance],
            Action::ReadUncovered => &[Admin, AccountManager, Finance],
            Action::MoveTestClock | Action::ReadAudit | Action::ManageAccess => &[Admin],
            Action::ReadNotifications => &[Admin, AccountManager],
            Action::ManageWebhooks => &[Admin, AccountManager, Finance],
        }
    }
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// Stable identity of the caller: scopes idempotency keys and the rate limit.
    pub subject: String,
    /// Known roles.
    pub roles: BTreeSet<Role>,
    /// The customer a `customer` caller speaks for.
    pub customer_id: Option<CustomerId>,
    /// Who this is, by name, for the ledger, decisions and the audit log.
    pub actor: Actor,
    /// A customer's contact signed in by link: its contact roles narrow what it may do
    /// ([`contact_allows`]). `None` for every other caller.
    pub contact_roles: Option<BTreeSet<ContactRole>>,
}

impl Principal {
    /// A caller known by a token subject (operator-minted or service tokens).
    pub fn from_token(
        subject: String,
        roles: BTreeSet<Role>,
        customer_id: Option<CustomerId>,
    ) -> Principal {
        Principal {
            actor: Actor::operator_token(&subject),
            subject,
            roles,
            customer_id,
            contact_roles: None,
        }
    }
}

impl Principal {
    /// Nobody yet: the caller of a sign-in page, before it proves who it is.
    pub fn anonymous() -> Principal {
        Principal::from_token("anonymous".into(), BTreeSet::new(), None)
    }
}

/// What a contact's roles let its session do (SPEC §13): every contact reads its
/// customer's balance, SoWs and sessions; an approver approves or rejects SoWs, accepts
/// and complains; a technical contact evaluates and cancels sessions; a finance contact
/// reads statements, quotes and its own ledger. Approvers and technical contacts may log
/// requests (they are who asks for work). A contact with several roles may do what
/// each of them may.
pub fn contact_allows(roles: &BTreeSet<ContactRole>, action: Action) -> bool {
    let has = |r: ContactRole| roles.contains(&r);
    match action {
        Action::ReadBalance | Action::ReadWork => true,
        Action::ApproveWork => has(ContactRole::Approver),
        Action::EvaluateSession | Action::CancelSession => has(ContactRole::Technical),
        Action::ReadAccount => has(ContactRole::Finance),
        Action::LogRequest => has(ContactRole::Approver) || has(ContactRole::Technical),
        _ => false,
    }
}

/// A customer asked for a customer other than itself (answered as "not found").
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("customer not found")]
pub struct OutOfScope;

impl Principal {
    /// True when the caller has at least one role allowed for `action`.
    pub fn may(&self, action: Action) -> bool {
        action.roles().iter().any(|r| self.roles.contains(r))
            && self
                .contact_roles
                .as_ref()
                .is_none_or(|roles| contact_allows(roles, action))
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

    /// A short label of the caller for `created_by` columns (its subject).
    pub fn actor(&self) -> String {
        self.subject.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: &[Role], customer: Option<&str>) -> Principal {
        Principal::from_token(
            "t".into(),
            roles.iter().copied().collect(),
            customer.map(CustomerId::from_raw),
        )
    }

    #[test]
    fn contact_roles_narrow_a_customer_session() {
        let contact = |roles: &[ContactRole]| Principal {
            contact_roles: Some(roles.iter().copied().collect()),
            ..principal(&[Role::Customer], Some("cus_a"))
        };
        let approver = contact(&[ContactRole::Approver]);
        let technical = contact(&[ContactRole::Technical]);
        let finance = contact(&[ContactRole::Finance]);
        for c in [&approver, &technical, &finance] {
            assert!(c.may(Action::ReadBalance) && c.may(Action::ReadWork));
        }
        assert!(approver.may(Action::ApproveWork) && !approver.may(Action::EvaluateSession));
        assert!(technical.may(Action::EvaluateSession) && technical.may(Action::CancelSession));
        assert!(!technical.may(Action::ApproveWork) && !technical.may(Action::ReadAccount));
        assert!(finance.may(Action::ReadAccount) && !finance.may(Action::ApproveWork));
        assert!(!finance.may(Action::LogRequest));
        let both = contact(&[ContactRole::Approver, ContactRole::Finance]);
        assert!(both.may(Action::ApproveWork) && both.may(Action::ReadAccount));
        assert!(!both.may(Action::CancelSession));
        // A contact never gets more than the customer role gives.
        assert!(!contact(&[ContactRole::Finance]).may(Action::ExportFinance));
        // A customer token without contact roles keeps every customer right.
        let token = principal(&[Role::Customer], Some("cus_a"));
        assert!(token.may(Action::ApproveWork) && token.may(Action::EvaluateSession));
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
            Action::ApproveWork,
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
