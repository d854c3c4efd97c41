//! Business calendars on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// `PUT /v1/calendars/{id}` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CalendarInput {
    /// Display name.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        example = "France (Paris)",
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub name: String,
    /// IANA time zone name; DST is handled from the tz database.
    #[schema(example = "Europe/Paris", value_type = crate::dto::schemas::TimeZoneName)]
    pub timezone: String,
    /// When present, replaces the calendar's public holidays (local dates).
    #[schema(example = json!(["2026-12-25", "2027-01-01"]))]
    pub holidays: Option<Vec<NaiveDate>>,
}

/// A business calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct Calendar {
    /// Caller-chosen id, `[a-z0-9-]{1,40}`.
    #[schema(example = "fr-paris")]
    pub id: String,
    /// Display name.
    pub name: String,
    /// IANA time zone name.
    #[schema(example = "Europe/Paris")]
    pub timezone: String,
    /// Public holidays (local dates), ascending.
    #[schema(example = json!(["2026-12-25", "2027-01-01"]))]
    pub holidays: Vec<NaiveDate>,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}
