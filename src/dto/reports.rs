//! Baseline assessment reports on the wire (SPEC §14).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// One finding: what was seen, where, how serious, and what to do about it.
#[derive(Clone, Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct Finding {
    /// A short name for it.
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
    /// `info`, `low`, `medium`, `high` or `critical`.
    #[schema(value_type = crate::dto::schemas::SeverityName)]
    pub severity: String,
    /// The systems concerned (free text; may be empty).
    #[serde(default)]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub assets: String,
    /// What was observed.
    #[validate(
        length(min = 1, max = 20000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 20000,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub observation: String,
    /// The improvement proposed.
    #[validate(
        length(min = 1, max = 20000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 20000,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub recommendation: String,
}

/// `PUT /v1/sows/{id}/report` body: the whole draft.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ReportInput {
    /// The overall summary.
    #[validate(
        length(min = 1, max = 20000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 20000,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub summary: String,
    /// The findings, in the author's order (the printed page groups them by severity).
    #[validate(length(max = 200), nested)]
    #[schema(max_items = 200)]
    pub findings: Vec<Finding>,
}

/// A report: the draft, or an issued version.
#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    /// The SoW it reports on.
    pub sow_id: String,
    /// Its customer.
    pub customer_id: String,
    /// The SoW's title.
    pub sow_title: String,
    /// `draft` or `issued`.
    #[schema(value_type = crate::dto::schemas::ReportStatusName)]
    pub status: String,
    /// The version (issued), or `null` (draft).
    pub version: Option<i64>,
    /// The latest issued version; a version below it is superseded.
    pub latest_version: Option<i64>,
    /// True when a later version supersedes this one.
    pub superseded: bool,
    /// The overall summary.
    pub summary: String,
    /// The findings.
    pub findings: Vec<Finding>,
    /// When it was issued (versions) or last saved (draft).
    pub at: DateTime<Utc>,
    /// Who issued or last saved it.
    pub by: crate::dto::ActorView,
}

/// Which report `GET /v1/sows/{id}/report` returns.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// An issued version (default: the latest).
    #[param(minimum = 1)]
    pub version: Option<i64>,
    /// `true`: the working draft (SOC staff only).
    pub draft: Option<bool>,
}
