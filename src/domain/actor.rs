//! Who made a change (SPEC §13): the actor every ledger entry, decision and audit event
//! records. Kept apart from the rules of signing in so that the caller's type
//! ([`super::access::Principal`]) can name its actor without depending on them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of caller made a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A staff member signed in through the organisation's provider.
    User,
    /// A customer's contact signed in by an e-mailed link.
    Contact,
    /// A system holding an API key.
    ApiKey,
    /// A token minted by an operator (the `token` command), or a service JWT.
    OperatorToken,
    /// The service itself (time-driven rules).
    System,
}

impl ActorKind {
    /// Every kind.
    pub const ALL: [ActorKind; 5] = [
        ActorKind::User,
        ActorKind::Contact,
        ActorKind::ApiKey,
        ActorKind::OperatorToken,
        ActorKind::System,
    ];

    /// Wire and storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::Contact => "contact",
            ActorKind::ApiKey => "api_key",
            ActorKind::OperatorToken => "operator_token",
            ActorKind::System => "system",
        }
    }

    /// Parses the spelling.
    pub fn parse(text: &str) -> Option<ActorKind> {
        ActorKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for ActorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who made a change, by name: recorded on ledger entries, decisions and the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// What kind of caller.
    #[serde(rename = "type")]
    pub kind: ActorKind,
    /// Its stable identifier (provider subject, contact id, key id, token subject).
    pub id: String,
    /// A name a person can read.
    pub name: String,
    /// Its e-mail address, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Actor {
    /// The service itself.
    pub fn system() -> Actor {
        Actor {
            kind: ActorKind::System,
            id: "system".into(),
            name: "SecureHands".into(),
            email: None,
        }
    }

    /// The bearer of an operator-minted (or service) token, known by its subject.
    pub fn operator_token(subject: &str) -> Actor {
        Actor {
            kind: ActorKind::OperatorToken,
            id: subject.into(),
            name: subject.into(),
            email: None,
        }
    }

    /// What a change recorded before actors existed carried: one label.
    pub fn legacy(label: &str) -> Actor {
        if label == "system" {
            return Actor::system();
        }
        Actor::operator_token(label)
    }
}
