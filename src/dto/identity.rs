//! API keys and people (SPEC §13) on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::ActorView;

/// `POST /v1/api-keys` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInput {
    /// What the key is for (shown in listings and the audit log).
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "ERP ledger sync", min_length = 1, max_length = 200)]
    pub name: String,
    /// The roles the key carries: staff roles, or `customer` alone with `customer_id`.
    #[validate(length(min = 1, max = 6))]
    #[schema(example = json!(["finance"]), min_items = 1, max_items = 6, value_type = Vec<crate::dto::schemas::RoleName>)]
    pub roles: Vec<String>,
    /// The customer a `customer` key speaks for.
    #[schema(example = json!(null), max_length = 100)]
    pub customer_id: Option<String>,
    /// When the key stops working (in the future); none: until revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

/// `POST /v1/api-keys/{id}/roll` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollInput {
    /// How long the old secret keeps working, 0–168 hours (7 days).
    #[serde(deserialize_with = "crate::dto::whole")]
    #[schema(value_type = u32, example = 24, minimum = 0, maximum = 168)]
    pub grace_hours: i64,
}

/// An API key. `secret` is present only in the response that creates or rolls it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKey {
    /// Id.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// The secret's first characters, to tell keys apart.
    #[schema(example = "shk_1a2b3c4d")]
    pub prefix: String,
    /// Its roles.
    #[schema(value_type = Vec<crate::dto::schemas::RoleName>)]
    pub roles: Vec<String>,
    /// The customer it speaks for.
    pub customer_id: Option<String>,
    /// Who created it.
    pub created_by: ActorView,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last request made with it (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Until when the secret before the last roll still works.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// The secret, `shk_…`: shown only here, stored only as a hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// A person who signed in through the organisation's provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    /// The provider's subject.
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Roles from the last sign-in.
    #[schema(value_type = Vec<crate::dto::schemas::RoleName>)]
    pub roles: Vec<String>,
    /// First sign-in.
    pub first_seen_at: DateTime<Utc>,
    /// Last sign-in.
    pub last_sign_in_at: DateTime<Utc>,
    /// Disabled by an admin: no sign-in and no session.
    pub disabled: bool,
    /// When.
    pub disabled_at: Option<DateTime<Utc>>,
}
