//! What a token says and the caller it names.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::domain::access::{Principal, Role};
use crate::domain::ids::CustomerId;
use crate::http::error::ApiError;

/// The claims the service reads and mints.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: who the caller is (recorded as the actor; keys idempotency records).
    #[serde(default)]
    pub sub: String,
    /// Role names; unknown ones are ignored. A single string is read as one role.
    #[serde(default, deserialize_with = "one_or_many")]
    pub roles: Vec<String>,
    /// The customer a `customer` token speaks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// The person's name (OpenID's `name` claim): what the console's header and the
    /// audit log show instead of the subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Expiry (seconds since the epoch); required.
    pub exp: u64,
    /// Issued at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(r) => vec![r],
        OneOrMany::Many(rs) => rs,
    })
}

/// The caller verified claims name, refusing combinations no caller may hold.
pub(super) fn principal_of(claims: Claims) -> Result<Principal, ApiError> {
    let roles: BTreeSet<Role> = claims.roles.iter().filter_map(|r| Role::parse(r)).collect();
    if roles.is_empty() {
        return Err(ApiError::unauthorized("the token carries no known role"));
    }
    let customer_id = claims.customer_id.filter(|c| !c.is_empty());
    if roles.contains(&Role::Customer) && roles.iter().any(|r| r.is_staff()) {
        return Err(ApiError::unauthorized(
            "a customer token cannot also carry staff roles",
        ));
    }
    if roles.contains(&Role::Customer) && customer_id.is_none() {
        return Err(ApiError::unauthorized(
            "a customer token must carry customer_id",
        ));
    }
    // A token without `sub` still needs a stable actor and idempotency scope.
    let subject = if claims.sub.is_empty() {
        match &customer_id {
            Some(c) => format!("customer:{c}"),
            None => format!("roles:{}", claims.roles.join("+")),
        }
    } else {
        claims.sub
    };
    let mut principal =
        Principal::from_token(subject, roles, customer_id.map(CustomerId::from_raw));
    if let Some(name) = claims
        .name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
    {
        principal.actor.name = name.chars().take(200).collect();
    }
    Ok(principal)
}
