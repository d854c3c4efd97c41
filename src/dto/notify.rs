//! Notifications and webhooks on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// `GET /v1/notifications` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only this customer's mails.
    pub customer_id: Option<String>,
    /// Only mails in this status: `pending`, `sent`, `failed`, `not_configured`.
    #[param(value_type = Option<crate::dto::schemas::NotificationStatusName>, inline)]
    pub status: Option<String>,
    /// Cursor from `next_cursor`.
    pub after: Option<String>,
    /// Page size, 1–1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// `GET /v1/webhook-endpoints/{id}/deliveries` query: newest first, the cursor is a
/// delivery sequence number.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Page size, 1–1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Cursor from `next_cursor`.
    #[param(value_type = Option<super::schemas::SeqCursor>, inline)]
    pub after: Option<String>,
}

/// One attempt to send a mail.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailAttempt {
    /// 1, 2, …
    pub attempt: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// `sent`, `not_configured` or `error`.
    pub outcome: String,
    /// What went wrong.
    pub error: Option<String>,
}

/// A mail of the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    /// Id.
    pub id: String,
    /// Customer concerned.
    pub customer_id: Option<String>,
    /// Which mail (`session_delivered`, `acceptance_reminder`, …).
    pub kind: String,
    /// Seq of the domain event that caused it.
    pub event_seq: Option<i64>,
    /// `approvers`, `finance`, `technical`, `account_managers` or `soc`.
    pub audience: String,
    /// Addresses (staff addresses appear once it is sent).
    pub recipients: Vec<String>,
    /// `en` or `fr`.
    pub language: String,
    /// `pending`, `sent`, `failed` or `not_configured`.
    pub status: String,
    /// Subject, once rendered.
    pub subject: Option<String>,
    /// Recorded (with the change that caused it).
    pub created_at: DateTime<Utc>,
    /// Next attempt, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Accepted by the SMTP server.
    pub sent_at: Option<DateTime<Utc>>,
    /// Last failure.
    pub last_error: Option<String>,
    /// Every attempt so far.
    pub attempts: Vec<MailAttempt>,
}

/// `POST /v1/webhook-endpoints` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct EndpointInput {
    /// Target; only `http` and `https`.
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        example = "https://erp.example.com/hooks/securehands",
        min_length = 1,
        max_length = 2000,
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+(?:[/?#][\s\S]*)?$"
    )]
    pub url: String,
    /// Event types of the feed (`pack_sold`, `session_delivered`, …), or `["*"]`.
    #[validate(length(min = 1, max = 100))]
    #[schema(example = json!(["session_delivered", "quote_raised"]), min_items = 1, max_items = 100, value_type = Vec<crate::dto::schemas::EventTypeName>)]
    pub events: Vec<String>,
    /// Free text.
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// A webhook endpoint. `secret` is present only in the response that creates it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Endpoint {
    /// Id.
    pub id: String,
    /// Target.
    pub url: String,
    /// Event types, or `["*"]`.
    pub events: Vec<String>,
    /// Free text.
    pub description: Option<String>,
    /// Signing secret (`whsec_…`), shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it was removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// One attempt to deliver an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    /// 1, 2, …
    pub attempt: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// HTTP status, when the receiver answered.
    pub status_code: Option<i64>,
    /// What went wrong.
    pub error: Option<String>,
    /// Duration of the attempt.
    pub duration_ms: i64,
}

/// An event delivered (or to deliver) to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    /// Id.
    pub id: String,
    /// Endpoint.
    pub endpoint_id: String,
    /// Event id (`evt_<seq>`).
    pub event_id: String,
    /// Event type.
    pub event_type: String,
    /// Customer.
    pub customer_id: Option<String>,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    /// Next attempt, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Last HTTP status.
    pub last_status: Option<i64>,
    /// Last failure.
    pub last_error: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Succeeded or given up.
    pub completed_at: Option<DateTime<Utc>>,
    /// Every attempt so far.
    pub attempts: Vec<DeliveryAttempt>,
}
