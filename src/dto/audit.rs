//! The audit log on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ActorView;

/// One audited action.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    /// Position (pass the last one as `after`).
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: ActorView,
    /// What, as `<resource>.<past tense>` (`pack.sold`, `user.signed_in`, …).
    #[schema(value_type = super::schemas::AuditActionName)]
    pub action: String,
    /// On what kind of resource.
    pub resource_type: String,
    /// On which one.
    pub resource_id: Option<String>,
    /// The customer concerned.
    pub customer_id: Option<String>,
    /// The request's `X-Request-Id`.
    pub request_id: Option<String>,
    /// The client's address.
    pub client_ip: Option<String>,
    /// The client's `User-Agent`.
    pub user_agent: Option<String>,
    /// `succeeded` or `failed`.
    pub outcome: String,
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Events in order.
    pub data: Vec<AuditEvent>,
    /// Pass as `after` to continue.
    pub next_cursor: Option<String>,
}

/// `GET /v1/audit-events` filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this actor (its id).
    #[param(max_length = 500)]
    pub actor_id: Option<String>,
    /// Only this kind of resource (`pack`, `sow`, `api_key`, `user`, …).
    #[param(max_length = 100)]
    pub resource_type: Option<String>,
    /// Only this resource.
    #[param(max_length = 500)]
    pub resource_id: Option<String>,
    /// Only this action.
    #[param(value_type = Option<super::schemas::AuditActionName>, inline)]
    pub action: Option<String>,
    /// At or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Events after this position.
    #[param(value_type = Option<super::schemas::SeqCursor>, inline)]
    pub after: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}
