//! Requests on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// `POST /v1/requests` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RequestInput {
    /// Customer (a customer's token may only name itself).
    pub customer_id: String,
    /// `remote_technician`, `change_execution`, `update_upgrade`, `baseline_assessment`, `custom` or `training`.
    #[schema(example = "change_execution", value_type = crate::dto::schemas::RequestKindName)]
    pub kind: String,
    /// `phone`, `email` or `portal`.
    #[schema(example = "portal", value_type = crate::dto::schemas::ChannelName)]
    pub channel: String,
    /// What is asked.
    #[validate(
        length(min = 1, max = 5000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub summary: String,
    /// When the request was received (default: now; not in the future).
    pub received_at: Option<DateTime<Utc>>,
    /// The caller's identity was verified.
    pub identity_verified: bool,
}

/// `POST /v1/requests/{id}/respond` body.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
pub struct RespondInput {
    /// What was answered.
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub note: Option<String>,
}

/// `POST /v1/requests/{id}/decline` and `/redirect` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ReasonInput {
    /// Why.
    #[validate(
        length(min = 1, max = 5000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub reason: String,
}

/// A SecureHands request with its SLA clocks.
#[derive(Debug, Serialize, ToSchema)]
pub struct Request {
    /// Request id.
    pub id: String,
    /// Customer.
    pub customer_id: String,
    /// Kind.
    #[schema(value_type = crate::dto::schemas::RequestKindName)]
    pub kind: String,
    /// Channel.
    #[schema(value_type = crate::dto::schemas::ChannelName)]
    pub channel: String,
    /// Summary.
    pub summary: String,
    /// Receipt instant.
    pub received_at: DateTime<Utc>,
    /// Identity verified.
    pub identity_verified: bool,
    /// `open`, `responded`, `declined` or `redirected`.
    #[schema(value_type = crate::dto::schemas::RequestStatusName)]
    pub status: String,
    /// 8 business hours after receipt.
    pub initial_response_due: DateTime<Utc>,
    /// 2 business days after receipt.
    pub sow_due: DateTime<Utc>,
    /// First response instant.
    pub responded_at: Option<DateTime<Utc>>,
    /// Response note.
    pub response_note: Option<String>,
    /// Decline or redirect reason.
    pub closed_reason: Option<String>,
    /// When a SoW answering it was submitted.
    pub sow_delivered_at: Option<DateTime<Utc>>,
    /// `pending`, `met` or `breached`.
    #[schema(value_type = crate::dto::schemas::SlaStateName)]
    pub initial_response_sla: String,
    /// `pending`, `met`, `breached` or `not_applicable` (declined or redirected).
    #[schema(value_type = crate::dto::schemas::SlaStateName)]
    pub sow_sla: String,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
}
