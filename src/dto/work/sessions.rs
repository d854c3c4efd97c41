//! Sessions and completion statements on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::domain::units::Units;
use crate::dto::NonNegativeUnits;

/// `POST /v1/sows/{id}/sessions` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScheduleInput {
    /// Planned start.
    pub starts_at: DateTime<Utc>,
    /// Planned end.
    pub ends_at: DateTime<Utc>,
    /// When the customer asked for the session (default: now).
    pub requested_at: Option<DateTime<Utc>>,
}

/// `POST /v1/sessions/{id}/reschedule` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RescheduleInput {
    /// New start.
    pub starts_at: DateTime<Utc>,
    /// New end.
    pub ends_at: DateTime<Utc>,
}

/// `POST /v1/sessions/{id}/cancel` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CancelInput {
    /// `customer_request`, `force_majeure` or `soc`.
    #[schema(example = "customer_request", value_type = crate::dto::schemas::CancelReasonName)]
    pub reason: String,
    /// Free text.
    pub note: Option<String>,
}

/// `POST /v1/sessions/{id}/deliver` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct DeliverInput {
    /// Actual start.
    pub started_at: DateTime<Utc>,
    /// Actual end (not in the future).
    pub ended_at: DateTime<Utc>,
    /// Notes.
    #[validate(length(max = 20000))]
    #[schema(max_length = 20000)]
    pub notes: Option<String>,
}

/// `POST /v1/sessions/{id}/complaints` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ComplaintInput {
    /// What is wrong.
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

/// `POST /v1/sessions/{id}/complaints/decision` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct DecisionInput {
    /// Units to give back: from "0.00" (none) to everything the session was charged.
    pub reverse_units: NonNegativeUnits,
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

/// `POST /v1/sessions/{id}/evaluation` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct EvaluationInput {
    /// 1 (poor) to 5 (excellent).
    #[validate(range(min = 1, max = 5))]
    #[schema(minimum = 1, maximum = 5)]
    #[serde(deserialize_with = "crate::dto::whole")]
    pub rating: i64,
    /// Comment.
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub comment: Option<String>,
}

/// The customer's evaluation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Evaluation {
    /// 1–5.
    pub rating: i64,
    /// Comment.
    pub comment: Option<String>,
    /// When it was sent.
    pub submitted_at: DateTime<Utc>,
    /// Who sent it.
    pub by: Option<crate::dto::ActorView>,
}

/// A complaint and its decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct Complaint {
    /// What was wrong.
    pub reason: String,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Review due: 5 business days after receipt.
    pub review_due: DateTime<Utc>,
    /// `pending`, `met` or `breached`.
    pub review_sla: String,
    /// Units given back.
    #[schema(value_type = Option<String>)]
    pub reversed_units: Option<Units>,
    /// Decision reason.
    pub decision_reason: Option<String>,
    /// Decision instant.
    pub decided_at: Option<DateTime<Utc>>,
    /// Who decided (label).
    pub decided_by: Option<String>,
    /// Who complained.
    pub by: Option<crate::dto::ActorView>,
    /// Who decided, by name.
    pub decision_by: Option<crate::dto::ActorView>,
}

/// A session.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    /// Session id.
    pub id: String,
    /// SoW.
    pub sow_id: String,
    /// Customer.
    pub customer_id: String,
    /// `scheduled`, `delivered`, `accepted`, `disputed`, `resolved`, `cancelled`, `cancelled_late`, `no_show` or `to_reschedule`.
    #[schema(value_type = crate::dto::schemas::SessionStatusName)]
    pub status: String,
    /// Planned start.
    pub starts_at: DateTime<Utc>,
    /// Planned end.
    pub ends_at: DateTime<Utc>,
    /// When the customer asked for it.
    pub requested_at: DateTime<Utc>,
    /// Scheduling target: 3 business days after requested_at.
    pub scheduling_due: DateTime<Utc>,
    /// `met` or `breached`.
    #[schema(value_type = crate::dto::schemas::SlaStateName)]
    pub scheduling_sla: String,
    /// Units the planned times cost (§3).
    #[schema(value_type = String)]
    pub estimated_units: Units,
    /// A customer cancellation at or after this instant is charged.
    pub late_cancellation_threshold: DateTime<Utc>,
    /// Units charged (delivery, late cancellation or no-show).
    #[schema(value_type = Option<String>)]
    pub units_debited: Option<Units>,
    /// Actual start.
    pub actual_start: Option<DateTime<Utc>>,
    /// Actual end.
    pub actual_end: Option<DateTime<Utc>>,
    /// Delivery notes.
    pub notes: Option<String>,
    /// Actual duration.
    pub duration_minutes: Option<i64>,
    /// Billable hours.
    pub billable_hours: Option<i64>,
    /// When the completion statement was issued.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Automatic acceptance instant.
    pub acceptance_due: Option<DateTime<Utc>>,
    /// Acceptance instant.
    pub accepted_at: Option<DateTime<Utc>>,
    /// Who accepted it (the customer's representative, or the service at the deadline).
    pub accepted_by: Option<crate::dto::ActorView>,
    /// `explicit` or `automatic`.
    pub acceptance: Option<String>,
    /// Cancellation reason.
    pub cancel_reason: Option<String>,
    /// Cancellation instant.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Evaluation.
    pub evaluation: Option<Evaluation>,
    /// Complaint.
    pub complaint: Option<Complaint>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The completion statement issued on delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompletionStatement {
    /// Session.
    pub session_id: String,
    /// SoW.
    pub sow_id: String,
    /// Customer.
    pub customer_id: String,
    /// Actual start.
    pub started_at: DateTime<Utc>,
    /// Actual end.
    pub ended_at: DateTime<Utc>,
    /// Real elapsed minutes.
    pub duration_minutes: i64,
    /// Billable hours (nearest hour, half up, at least the SoW minimum).
    pub billable_hours: i64,
    /// Units consumed.
    #[schema(value_type = String, example = "2.50")]
    pub units: Units,
    /// Of which drawn from the SoW's reservation (in the response to the delivery).
    #[schema(value_type = Option<String>)]
    pub units_from_reservation: Option<Units>,
    /// Of which no lot could cover (a top-up quote was raised).
    #[schema(value_type = String)]
    pub deficit_units: Units,
    /// The customer's posted balance after the debit.
    #[schema(value_type = String, example = "17.50")]
    pub balance_after: Units,
    /// Available units after the debit (in the response to the delivery).
    #[schema(value_type = Option<String>)]
    pub available_after: Option<Units>,
    /// When the statement was issued.
    pub issued_at: DateTime<Utc>,
    /// Accepted automatically at this instant unless accepted or disputed before.
    pub acceptance_due: DateTime<Utc>,
    /// The SoW's standard hours the session was priced with.
    pub standard_hours: super::StandardHoursBody,
    /// The SoW's acceptance window in business days (the complaint window too).
    pub acceptance_days: i64,
    /// Where the customer sends the evaluation form.
    pub evaluation_url: String,
}
