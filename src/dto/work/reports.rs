//! The SLA report and work-list filters on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    /// Window start (RFC 3339; default: 30 days before `to`).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTime<Utc>>,
    /// Window end (RFC 3339; default: now).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTime<Utc>>,
}

/// Filters of work lists.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkQuery {
    /// Only this customer.
    pub customer_id: Option<String>,
    /// Page size, 1–1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Cursor.
    pub after: Option<String>,
}

/// Which sessions the calendar feed holds.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarFeedQuery {
    /// Only this customer (staff); customers and contacts always get their own.
    pub customer_id: Option<String>,
}

/// A customer holding units no SoW covers.
#[derive(Debug, Serialize, ToSchema)]
pub struct UncoveredUnits {
    /// The customer.
    pub customer_id: String,
    /// Its name.
    pub customer_name: String,
    /// Available units no approved SoW reserves (exact decimal).
    #[schema(example = "8.00")]
    pub uncovered_units: String,
    /// The earliest expiry among the lots holding them (reserved units are counted in
    /// the lots that expire first, as sessions will draw them).
    pub earliest_expiry: DateTime<Utc>,
    /// When the customer's latest SoW was drafted (none yet: null).
    pub last_sow_at: Option<DateTime<Utc>>,
}

/// `GET /v1/reports/uncovered-units`: customers to contact to schedule sessions,
/// soonest expiry first.
#[derive(Debug, Serialize, ToSchema)]
pub struct UncoveredReport {
    /// Report instant.
    pub as_of: DateTime<Utc>,
    /// One row per customer, sorted by `earliest_expiry`.
    pub data: Vec<UncoveredUnits>,
}
