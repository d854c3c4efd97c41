//! Top-up quotes on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::PositiveUnits;
use crate::domain::units::Units;

/// `POST /v1/customers/{id}/quotes` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct QuoteInput {
    /// Units to quote (decimal string, > 0, at most 2 decimals, ≤ 1000000).
    pub units: PositiveUnits,
    /// Why the customer should top up.
    #[validate(
        length(min = 1, max = 1000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        example = "Q1 change window",
        min_length = 1,
        max_length = 1000,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub reason: String,
}

/// A top-up quote.
#[derive(Debug, Serialize, ToSchema)]
pub struct Quote {
    /// Quote id.
    pub id: String,
    /// Customer.
    pub customer_id: String,
    /// Units quoted.
    #[schema(value_type = String, example = "20.00")]
    pub units: Units,
    /// Why.
    pub reason: String,
    /// `manual`, `sow_shortfall`, `deficit` or `coverage_lost`.
    #[schema(example = "manual", value_type = crate::dto::schemas::QuoteOriginName)]
    pub origin: String,
    /// `open`, `ordered`, `lapsed` or `cancelled`.
    #[schema(example = "open", value_type = crate::dto::schemas::QuoteStatusName)]
    pub status: String,
    /// Issue instant.
    pub issued_at: DateTime<Utc>,
    /// Order due: issued + 30 days; the quote lapses after it.
    pub order_due: DateTime<Utc>,
    /// SoW that caused an automatic quote.
    pub sow_id: Option<String>,
    /// Pack that ordered it.
    pub lot_id: Option<String>,
    /// When it left `open`.
    pub closed_at: Option<DateTime<Utc>>,
}
