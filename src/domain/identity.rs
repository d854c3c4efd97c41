//! Who people and systems are (SPEC §13): the actor every change records, and the
//! rules of signing in — how long a console session and an e-mailed link live, how
//! long a rolled API key's old secret keeps working, how provider groups map to roles.

use std::collections::BTreeSet;

use super::access::{Principal, Role};
pub use super::actor::{Actor, ActorKind};
use super::ids::CustomerId;
use super::notification::{Contact, ContactRole};
use chrono::{DateTime, Duration, Utc};

/// The actor of a customer's contact: known by its customer and address (a contact
/// has no identifier of its own; its address is unique within its customer).
pub fn contact_actor(customer_id: &str, contact: &Contact) -> Actor {
    Actor {
        kind: ActorKind::Contact,
        id: format!("{customer_id}:{}", contact.email.to_ascii_lowercase()),
        name: contact.name.clone(),
        email: Some(contact.email.clone()),
    }
}

/// A customer's contact signed in by an e-mailed link: its customer only, narrowed by
/// its contact roles.
pub fn contact_principal(customer_id: &CustomerId, contact: &Contact) -> Principal {
    let actor = contact_actor(customer_id.as_str(), contact);
    Principal {
        subject: format!("contact:{}", actor.id),
        roles: BTreeSet::from([Role::Customer]),
        customer_id: Some(customer_id.clone()),
        actor,
        contact_roles: Some(
            contact
                .roles
                .iter()
                .filter_map(|r| ContactRole::parse(r))
                .collect(),
        ),
    }
}

/// The contacts whose sessions must end when a customer's contacts change from
/// `before` to `after`: those removed, and those whose roles changed (a session keeps
/// the roles of its sign-in).
pub fn contacts_to_sign_out<'a>(before: &'a [Contact], after: &[Contact]) -> Vec<&'a Contact> {
    let roles = |c: &Contact| {
        let mut r = c.roles.clone();
        r.sort();
        r
    };
    before
        .iter()
        .filter(|old| {
            !after
                .iter()
                .any(|new| new.email.eq_ignore_ascii_case(&old.email) && roles(new) == roles(old))
        })
        .collect()
}

/// A console session ends after this long without a request…
pub const SESSION_IDLE: Duration = Duration::minutes(30);
/// …and this long after sign-in whatever happens.
pub const SESSION_ABSOLUTE: Duration = Duration::hours(12);
/// An e-mailed sign-in link works this long, once.
pub const LINK_TTL: Duration = Duration::minutes(15);
/// At most this long may a rolled key's old secret keep working.
pub const MAX_ROLL_GRACE_HOURS: u32 = 7 * 24;
/// Sign-in links per address, and per client address, in [`LINK_WINDOW`].
pub const LINKS_PER_WINDOW: u32 = 5;
/// Sign-in link requests from one client address in [`LINK_WINDOW`] (an office behind
/// one address holds several contacts).
pub const LINK_REQUESTS_PER_CLIENT: u32 = 20;
/// The window of [`LINKS_PER_WINDOW`].
pub const LINK_WINDOW: Duration = Duration::minutes(15);

/// Whether a console session signed in at `created_at` and last used at `last_seen`
/// is still alive at `now`.
pub fn session_alive(
    created_at: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    now < created_at + SESSION_ABSOLUTE && now < last_seen + SESSION_IDLE
}

/// How a provider's group or role names become the service's roles
/// (`SECUREHANDS_OIDC_ROLE_MAP`, e.g. `SOC-Leads=soc_lead,Finance=finance`). A name the
/// map does not list is ignored; a service role name maps to itself only when listed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleMap(Vec<(String, Role)>);

impl RoleMap {
    /// Parses `Group=role,Group=role`; staff roles only (customers sign in by link).
    ///
    /// # Errors
    /// A message naming the entry that is not `name=role` with a known staff role.
    pub fn parse(text: &str) -> Result<RoleMap, String> {
        let mut pairs = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (group, role) = entry
                .split_once('=')
                .ok_or_else(|| format!("{entry:?} is not `Group=role`"))?;
            let role = Role::parse(role.trim())
                .filter(|r| r.is_staff())
                .ok_or_else(|| format!("{entry:?}: {role:?} is not a staff role"))?;
            pairs.push((group.trim().to_string(), role));
        }
        Ok(RoleMap(pairs))
    }

    /// The roles the provider's values give.
    pub fn roles(&self, values: &[String]) -> BTreeSet<Role> {
        self.0
            .iter()
            .filter(|(group, _)| values.iter().any(|v| v == group))
            .map(|(_, role)| *role)
            .collect()
    }
}

/// An API key's secret as shown once: `shk_` then 40 characters; its first 12
/// (`shk_` and 8 more) are the prefix listed to tell keys apart.
pub const KEY_PREFIX: &str = "shk_";

/// The listed prefix of a key secret.
pub fn key_prefix(secret: &str) -> &str {
    secret.get(..12).unwrap_or(secret)
}

/// What is stored of a secret (an API key, a console session's identifier, a sign-in
/// link's token): its SHA-256 in hex. The secrets carry 160 random bits or more, so a
/// plain hash is enough; a leaked table gives no way in.
pub fn secret_hash(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The effective grace of a roll: what was asked, at most [`MAX_ROLL_GRACE_HOURS`].
///
/// # Errors
/// When less than nothing or more than the maximum is asked.
pub fn roll_grace(hours: i64) -> Result<Duration, String> {
    if !(0..=i64::from(MAX_ROLL_GRACE_HOURS)).contains(&hours) {
        return Err(format!(
            "must be between 0 and {MAX_ROLL_GRACE_HOURS} hours (7 days)"
        ));
    }
    Ok(Duration::hours(hours))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("instant")
            .with_timezone(&Utc)
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let start = at("2026-12-01T08:00:00Z");
        assert!(session_alive(start, start, at("2026-12-01T08:29:59Z")));
        assert!(!session_alive(start, start, at("2026-12-01T08:30:00Z")));
        let busy = at("2026-12-01T19:50:00Z");
        assert!(session_alive(start, busy, at("2026-12-01T19:59:59Z")));
        assert!(!session_alive(start, busy, at("2026-12-01T20:00:00Z")));
    }

    #[test]
    fn role_maps_name_staff_roles_only() {
        let map = RoleMap::parse("SOC-Leads=soc_lead, Finance=finance").expect("map");
        let roles = map.roles(&["Finance".into(), "Everyone".into()]);
        assert_eq!(roles.into_iter().collect::<Vec<_>>(), [Role::Finance]);
        assert!(RoleMap::parse("Customers=customer").is_err());
        assert!(RoleMap::parse("nonsense").is_err());
        assert!(map.roles(&["soc_lead".into()]).is_empty());
    }

    #[test]
    fn rolls_keep_the_old_secret_a_week_at_most() {
        assert_eq!(roll_grace(24), Ok(Duration::hours(24)));
        assert!(roll_grace(169).is_err() && roll_grace(-1).is_err());
        assert_eq!(key_prefix("shk_abcdefgh1234567890"), "shk_abcdefgh");
    }

    fn contact(email: &str, roles: &[&str]) -> Contact {
        Contact {
            name: "C".into(),
            email: email.into(),
            language: "fr".into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn removed_or_changed_contacts_are_signed_out() {
        let before = [
            contact("a@x.example", &["approver", "finance"]),
            contact("b@x.example", &["technical"]),
            contact("c@x.example", &["finance"]),
        ];
        let after = [
            contact("A@X.example", &["finance", "approver"]),
            contact("b@x.example", &["technical", "approver"]),
        ];
        let out: Vec<&str> = contacts_to_sign_out(&before, &after)
            .iter()
            .map(|c| c.email.as_str())
            .collect();
        assert_eq!(out, ["b@x.example", "c@x.example"]);
        assert_eq!(
            contact_actor("cus_1", &contact("A@X.example", &[])).id,
            "cus_1:a@x.example"
        );
    }

    #[test]
    fn legacy_labels_become_actors() {
        assert_eq!(Actor::legacy("system").kind, ActorKind::System);
        let a = Actor::legacy("customer-cus_01");
        assert_eq!(
            (a.kind, a.id.as_str()),
            (ActorKind::OperatorToken, "customer-cus_01")
        );
    }
}
