//! Customers on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::NonNegativeUnits;
use crate::domain::units::Units;

/// The SecureCall contract a pack sale depends on.
#[derive(Clone, Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct SecureCall {
    /// Contract reference.
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        example = "SC-2026-0042",
        min_length = 1,
        max_length = 100,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub reference: String,
    /// First day of the contract (local date).
    #[schema(value_type = String, format = Date, example = "2026-01-01")]
    pub starts_on: NaiveDate,
    /// Last day of the contract (local date, inclusive).
    #[schema(value_type = String, format = Date, example = "2028-12-31")]
    pub ends_on: NaiveDate,
}

/// A person at the customer who receives mails (SPEC §11).
#[derive(Clone, Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct ContactInput {
    /// Display name.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        example = "Claire Martin",
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub name: String,
    /// E-mail address.
    #[validate(email(message = "must be an e-mail address"), length(max = 254))]
    #[schema(example = "claire.martin@acme.example", max_length = 254, format = Email)]
    pub email: String,
    /// Language of the mails: `en` or `fr`.
    #[serde(default = "english")]
    #[schema(example = "fr", value_type = crate::dto::schemas::LanguageName)]
    pub language: String,
    /// What the contact is told about: `approver` (SoWs, statements, acceptance),
    /// `finance` (packs, quotes, statements, expiries), `technical` (sessions).
    #[schema(example = json!(["approver", "finance"]), value_type = Vec<crate::dto::schemas::ContactRoleName>, min_items = 1)]
    pub roles: Vec<String>,
}

fn english() -> String {
    "en".into()
}

/// `POST /v1/customers` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CustomerInput {
    /// Name.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        example = "Acme Industries",
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub name: String,
    /// Business calendar id (must exist).
    #[schema(example = "fr-paris", pattern = r"^[a-z0-9-]{1,40}$")]
    pub calendar_id: String,
    /// SecureCall contract, when there is one.
    #[validate(nested)]
    #[serde(default)]
    pub securecall: Option<SecureCall>,
    /// Packs may be sold without an active SecureCall contract ("sauf accord contraire").
    #[serde(default)]
    pub standalone_agreed: bool,
    /// Who receives mails.
    #[validate(nested)]
    #[serde(default)]
    pub contacts: Vec<ContactInput>,
    /// Available units below which account managers and finance contacts are told
    /// (`"0.00"`, the default, is off).
    pub low_balance_threshold: Option<NonNegativeUnits>,
}

/// `PATCH /v1/customers/{id}` body (JSON merge patch: absent fields are unchanged,
/// `securecall: null` removes the contract).
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
pub struct CustomerPatch {
    /// New name.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub name: Option<String>,
    /// New calendar id.
    #[schema(pattern = r"^[a-z0-9-]{1,40}$")]
    pub calendar_id: Option<String>,
    /// New contract, or `null` to remove it.
    #[serde(default, deserialize_with = "super::patch_field")]
    #[schema(value_type = Option<SecureCall>)]
    pub securecall: Option<Option<SecureCall>>,
    /// New standalone flag.
    pub standalone_agreed: Option<bool>,
    /// New contacts (replace the list).
    #[validate(nested)]
    pub contacts: Option<Vec<ContactInput>>,
    /// New low-balance threshold.
    pub low_balance_threshold: Option<NonNegativeUnits>,
}

/// A customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Customer {
    /// Opaque id.
    #[schema(example = "cus_019ac0d2c7a57c3e9f0b7d6d7e1f2a3b")]
    pub id: String,
    /// Name.
    pub name: String,
    /// Business calendar id.
    pub calendar_id: String,
    /// SecureCall contract.
    pub securecall: Option<SecureCall>,
    /// Packs may be sold without an active SecureCall contract.
    pub standalone_agreed: bool,
    /// Who receives mails.
    pub contacts: Vec<ContactInput>,
    /// Available units below which account managers and finance contacts are told.
    #[schema(value_type = String, example = "5.00")]
    pub low_balance_threshold: Units,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}
