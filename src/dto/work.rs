//! Requests, SoWs, sessions, completion statements and the SLA report on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{NonNegativeUnits, PositiveUnits};
use crate::domain::units::Units;

/// `POST /v1/requests` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RequestInput {
    /// Customer (a customer's token may only name itself).
    pub customer_id: String,
    /// `remote_technician`, `change_execution`, `update_upgrade`, `baseline_assessment`, `custom` or `training`.
    #[schema(example = "change_execution")]
    pub kind: String,
    /// `phone`, `email` or `portal`.
    #[schema(example = "portal")]
    pub channel: String,
    /// What is asked.
    #[validate(length(min = 1, max = 5000), custom(function = "super::not_blank"))]
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
    pub note: Option<String>,
}

/// `POST /v1/requests/{id}/decline` and `/redirect` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ReasonInput {
    /// Why.
    #[validate(length(min = 1, max = 5000), custom(function = "super::not_blank"))]
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
    pub kind: String,
    /// Channel.
    pub channel: String,
    /// Summary.
    pub summary: String,
    /// Receipt instant.
    pub received_at: DateTime<Utc>,
    /// Identity verified.
    pub identity_verified: bool,
    /// `open`, `responded`, `declined` or `redirected`.
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
    pub initial_response_sla: String,
    /// `pending`, `met`, `breached` or `not_applicable` (declined or redirected).
    pub sow_sla: String,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
}

/// Units per hour per band; `standard` is always 1.00.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct RateCardInput {
    /// A business day outside 09:00–17:00 (default 1.50).
    #[schema(value_type = Option<String>, example = "1.50")]
    pub out_of_hours: Option<PositiveUnits>,
    /// Saturday and Sunday (default 2.00).
    #[schema(value_type = Option<String>, example = "2.00")]
    pub weekend: Option<PositiveUnits>,
    /// Public holidays (default 2.00).
    #[schema(value_type = Option<String>, example = "2.00")]
    pub holiday: Option<PositiveUnits>,
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

/// `POST /v1/sows` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct SowInput {
    /// Customer.
    pub customer_id: String,
    /// Request it answers (same customer).
    pub request_id: Option<String>,
    /// Title.
    #[validate(length(min = 1, max = 200), custom(function = "super::not_blank"))]
    pub title: String,
    /// What the experts will do.
    #[validate(length(min = 1, max = 20000), custom(function = "super::not_blank"))]
    pub activities: String,
    /// Number of sessions planned (1–1000).
    #[validate(range(min = 1, max = 1000))]
    pub planned_sessions: i64,
    /// Units to provision on approval.
    #[schema(value_type = String, example = "12.00")]
    pub planned_units: PositiveUnits,
    /// Fixed units per session, whatever its duration.
    #[schema(value_type = Option<String>, example = "3.00")]
    pub units_per_session: Option<PositiveUnits>,
    /// Minimum billable hours per session (0–24, default 1).
    #[validate(range(min = 0, max = 24))]
    pub minimum_billable_hours: Option<i64>,
    /// Rates per band (defaults 1.50 / 2.00 / 2.00).
    pub rate_card: Option<RateCardInput>,
    /// Acceptance criteria.
    #[validate(length(min = 1, max = 20000), custom(function = "super::not_blank"))]
    pub acceptance_criteria: String,
    /// `en` (default), `fr` or `de`.
    pub language: Option<String>,
    /// Service hours note.
    #[validate(length(max = 5000))]
    pub service_hours_note: Option<String>,
    /// Contingency plan.
    #[validate(length(max = 5000))]
    pub contingency_plan: Option<String>,
    /// Customer technical contact.
    #[validate(length(max = 500))]
    pub technical_contact: Option<String>,
}

/// `PATCH /v1/sows/{id}` body (merge patch of a draft; send `If-Match`).
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
pub struct SowPatch {
    /// Title.
    #[validate(length(min = 1, max = 200), custom(function = "super::not_blank"))]
    pub title: Option<String>,
    /// Activities.
    #[validate(length(min = 1, max = 20000), custom(function = "super::not_blank"))]
    pub activities: Option<String>,
    /// Planned sessions.
    #[validate(range(min = 1, max = 1000))]
    pub planned_sessions: Option<i64>,
    /// Planned units.
    #[schema(value_type = Option<String>)]
    pub planned_units: Option<PositiveUnits>,
    /// Fixed units per session (`null` removes it).
    #[serde(default, deserialize_with = "super::patch_field")]
    #[schema(value_type = Option<String>)]
    pub units_per_session: Option<Option<PositiveUnits>>,
    /// Minimum billable hours.
    #[validate(range(min = 0, max = 24))]
    pub minimum_billable_hours: Option<i64>,
    /// Rates (missing bands keep their value).
    pub rate_card: Option<RateCardInput>,
    /// Acceptance criteria.
    #[validate(length(min = 1, max = 20000), custom(function = "super::not_blank"))]
    pub acceptance_criteria: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Service hours note.
    #[validate(length(max = 5000))]
    pub service_hours_note: Option<String>,
    /// Contingency plan.
    #[validate(length(max = 5000))]
    pub contingency_plan: Option<String>,
    /// Technical contact.
    #[validate(length(max = 500))]
    pub technical_contact: Option<String>,
}

/// `POST /v1/sows/{id}/reject` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RejectInput {
    /// What must change.
    #[validate(length(min = 1, max = 5000), custom(function = "super::not_blank"))]
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
    /// `draft`, `submitted`, `active`, `awaiting_units`, `completed`, `cancelled` or `superseded`.
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
    #[schema(example = "customer_request")]
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
    pub notes: Option<String>,
}

/// `POST /v1/sessions/{id}/complaints` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ComplaintInput {
    /// What is wrong.
    #[validate(length(min = 1, max = 5000), custom(function = "super::not_blank"))]
    pub reason: String,
}

/// `POST /v1/sessions/{id}/complaints/decision` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct DecisionInput {
    /// Units to give back: from "0.00" (none) to everything the session was charged.
    #[schema(value_type = String, example = "1.50")]
    pub reverse_units: NonNegativeUnits,
    /// Why.
    #[validate(length(min = 1, max = 5000), custom(function = "super::not_blank"))]
    pub reason: String,
}

/// `POST /v1/sessions/{id}/evaluation` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct EvaluationInput {
    /// 1 (poor) to 5 (excellent).
    #[validate(range(min = 1, max = 5))]
    pub rating: i64,
    /// Comment.
    #[validate(length(max = 5000))]
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
    /// Who decided.
    pub decided_by: Option<String>,
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
    /// Where the customer sends the evaluation form.
    pub evaluation_url: String,
}

/// One SLA target in the report.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaFigures {
    /// Items in the window.
    pub total: i64,
    /// Done by the deadline.
    pub met: i64,
    /// Done late, or not done and past the deadline.
    pub breached: i64,
    /// Not done yet (overdue or not).
    pub open: i64,
    /// Not done yet and past the deadline.
    pub overdue: i64,
}

/// `GET /v1/reports/sla`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaReport {
    /// Window start (inclusive), on the receipt instant of each item.
    pub from: DateTime<Utc>,
    /// Window end (exclusive).
    pub to: DateTime<Utc>,
    /// Report instant.
    pub as_of: DateTime<Utc>,
    /// Initial response within 8 business hours of a request.
    pub initial_response: SlaFigures,
    /// SoW submitted within 2 business days of a request.
    pub sow_delivery: SlaFigures,
    /// Session scheduled within 3 business days of being requested.
    pub scheduling: SlaFigures,
    /// Complaint decided within 5 business days.
    pub complaint_review: SlaFigures,
}

/// `GET /v1/reports/sla` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlaQuery {
    /// Window start (RFC 3339).
    #[param(value_type = String, format = DateTime)]
    pub from: DateTime<Utc>,
    /// Window end (RFC 3339).
    #[param(value_type = String, format = DateTime)]
    pub to: DateTime<Utc>,
}

/// Filters of work lists.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkQuery {
    /// Only this customer.
    pub customer_id: Option<String>,
    /// Page size, 1–1000 (default 50).
    pub limit: Option<u32>,
    /// Cursor.
    pub after: Option<String>,
}
