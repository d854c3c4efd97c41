//! Statements of work on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::domain::units::Units;
use crate::dto::{PositiveUnits, Rate};

/// Units per hour per band; `standard` is always 1.00.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct RateCardInput {
    /// A business day outside 09:00–17:00 (default 1.50).
    pub out_of_hours: Option<Rate>,
    /// Saturday and Sunday (default 2.00).
    pub weekend: Option<Rate>,
    /// Public holidays (default 2.00).
    pub holiday: Option<Rate>,
}

/// A rate card as shown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RateCard {
    /// Always 1.00.
    #[schema(value_type = String, example = "1.00")]
    pub standard: Units,
    /// Out of hours.
    #[schema(value_type = String, example = "1.50")]
    pub out_of_hours: Units,
    /// Weekend.
    #[schema(value_type = String, example = "2.00")]
    pub weekend: Units,
    /// Holiday.
    #[schema(value_type = String, example = "2.00")]
    pub holiday: Units,
}

/// A SoW's standard hours (SPEC §14): the local band of a business day priced at
/// 1.00 unit per hour; `to` after `from`.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct StandardHoursBody {
    /// Start, local `HH:MM` (default `09:00`).
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "08:00")]
    pub from: String,
    /// End, local `HH:MM`, after `from` (default `17:00`).
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "18:00")]
    pub to: String,
}

/// `POST /v1/sows` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct SowInput {
    /// Customer.
    pub customer_id: String,
    /// Request it answers (same customer).
    pub request_id: Option<String>,
    /// The kind of work when there is no request (with a request: its kind, and a
    /// different one is refused). `baseline_assessment` SoWs end with a report.
    #[schema(value_type = Option<crate::dto::schemas::RequestKindName>)]
    pub kind: Option<String>,
    /// Title.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub title: String,
    /// What the experts will do.
    #[validate(
        length(min = 1, max = 20000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 20000,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub activities: String,
    /// Number of sessions planned (1–1000).
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    #[serde(deserialize_with = "crate::dto::whole")]
    pub planned_sessions: i64,
    /// Units to provision on approval.
    pub planned_units: PositiveUnits,
    /// Fixed units per session, whatever its duration.
    pub units_per_session: Option<PositiveUnits>,
    /// Minimum billable hours per session (0–24, default 1).
    #[validate(range(min = 0, max = 24))]
    #[schema(minimum = 0, maximum = 24)]
    #[serde(default, deserialize_with = "crate::dto::optional_whole")]
    pub minimum_billable_hours: Option<i64>,
    /// Rates per band (defaults 1.50 / 2.00 / 2.00).
    pub rate_card: Option<RateCardInput>,
    /// The standard band of its sessions' pricing (default 09:00–17:00 local).
    pub standard_hours: Option<StandardHoursBody>,
    /// Business days of its sessions' acceptance and complaint window (1–10, default 2).
    #[validate(range(min = 1, max = 10))]
    #[schema(minimum = 1, maximum = 10)]
    #[serde(default, deserialize_with = "crate::dto::optional_whole")]
    pub acceptance_days: Option<i64>,
    /// Acceptance criteria.
    #[validate(
        length(min = 1, max = 20000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 20000,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub acceptance_criteria: String,
    /// `en` (default), `fr` or `de`.
    #[schema(value_type = Option<crate::dto::schemas::SowLanguageName>)]
    pub language: Option<String>,
    /// Service hours note.
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub service_hours_note: Option<String>,
    /// Contingency plan.
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub contingency_plan: Option<String>,
    /// Customer technical contact.
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub technical_contact: Option<String>,
}

/// `PATCH /v1/sows/{id}` body (merge patch of a draft; send `If-Match`).
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
pub struct SowPatch {
    /// Title.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub title: Option<String>,
    /// Activities.
    #[validate(
        length(min = 1, max = 20000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 20000,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub activities: Option<String>,
    /// Planned sessions.
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    #[serde(default, deserialize_with = "crate::dto::optional_whole")]
    pub planned_sessions: Option<i64>,
    /// Planned units.
    pub planned_units: Option<PositiveUnits>,
    /// Fixed units per session (`null` removes it).
    #[serde(default, deserialize_with = "crate::dto::patch_field")]
    pub units_per_session: Option<Option<PositiveUnits>>,
    /// Minimum billable hours.
    #[validate(range(min = 0, max = 24))]
    #[schema(minimum = 0, maximum = 24)]
    #[serde(default, deserialize_with = "crate::dto::optional_whole")]
    pub minimum_billable_hours: Option<i64>,
    /// Rates (missing bands keep their value).
    pub rate_card: Option<RateCardInput>,
    /// Standard hours (both ends).
    pub standard_hours: Option<StandardHoursBody>,
    /// Acceptance window in business days (1–10).
    #[validate(range(min = 1, max = 10))]
    #[schema(minimum = 1, maximum = 10)]
    #[serde(default, deserialize_with = "crate::dto::optional_whole")]
    pub acceptance_days: Option<i64>,
    /// Acceptance criteria.
    #[validate(
        length(min = 1, max = 20000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 20000,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub acceptance_criteria: Option<String>,
    /// Language.
    #[schema(value_type = Option<crate::dto::schemas::SowLanguageName>)]
    pub language: Option<String>,
    /// Service hours note.
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub service_hours_note: Option<String>,
    /// Contingency plan.
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub contingency_plan: Option<String>,
    /// Technical contact.
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub technical_contact: Option<String>,
}

/// `POST /v1/sows/{id}/reject` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RejectInput {
    /// What must change.
    #[validate(
        length(min = 1, max = 5000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub comment: String,
}

/// A statement of work.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sow {
    /// SoW id.
    pub id: String,
    /// Customer.
    pub customer_id: String,
    /// Request it answers.
    pub request_id: Option<String>,
    /// The kind of work (its request's); `baseline_assessment` ends with a report.
    #[schema(value_type = Option<crate::dto::schemas::RequestKindName>)]
    pub kind: Option<String>,
    /// `draft`, `submitted`, `active`, `awaiting_units`, `completed`, `cancelled` or `superseded`.
    #[schema(value_type = crate::dto::schemas::SowStatusName)]
    pub status: String,
    /// Current revision; the ETag names it.
    pub revision: i64,
    /// The ETag of this revision (also in the `ETag` header).
    pub etag: String,
    /// Title.
    pub title: String,
    /// Activities.
    pub activities: String,
    /// Planned sessions.
    pub planned_sessions: i64,
    /// Units provisioned on approval.
    #[schema(value_type = String)]
    pub planned_units: Units,
    /// Fixed units per session.
    #[schema(value_type = Option<String>)]
    pub units_per_session: Option<Units>,
    /// Minimum billable hours.
    pub minimum_billable_hours: i64,
    /// Rates.
    pub rate_card: RateCard,
    /// The standard band of its sessions' pricing, local.
    pub standard_hours: StandardHoursBody,
    /// Business days of its sessions' acceptance and complaint window.
    pub acceptance_days: i64,
    /// Acceptance criteria.
    pub acceptance_criteria: String,
    /// Language.
    pub language: String,
    /// Service hours note.
    pub service_hours_note: Option<String>,
    /// Contingency plan.
    pub contingency_plan: Option<String>,
    /// Technical contact.
    pub technical_contact: Option<String>,
    /// SoW this one supersedes.
    pub supersedes_id: Option<String>,
    /// SoW that superseded this one.
    pub superseded_by_id: Option<String>,
    /// Last rejection comment.
    pub rejection_comment: Option<String>,
    /// Revision the customer approved.
    pub approved_revision: Option<i64>,
    /// Approval instant.
    pub approved_at: Option<DateTime<Utc>>,
    /// Who approved it.
    pub approved_by: Option<crate::dto::ActorView>,
    /// Units currently reserved for it.
    #[schema(value_type = String)]
    pub reserved_units: Units,
    /// Units its sessions consumed so far.
    #[schema(value_type = String)]
    pub consumed_units: Units,
    /// Submission instant.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Completion, cancellation or supersession instant.
    pub closed_at: Option<DateTime<Utc>>,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}
