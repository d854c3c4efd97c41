//! Every error leaves the service as `application/problem+json` (RFC 9457) with a
//! stable `code`, so clients branch on codes, never on prose.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::ServiceError;
use crate::storage::db::StoreError;
use crate::validation::FieldErrors;

/// The problem document.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`urn:securehands:problem:<code>`).
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence.
    pub detail: String,
    /// Stable machine-readable code.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// For 422: messages per offending field (JSON path of the field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
    /// The request's `X-Request-Id` (sent by the client or generated), to quote when
    /// reporting the problem: the service's log lines carry it too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An error ready to be rendered as a problem response.
#[derive(Clone, Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Option<FieldErrors>,
    retry_after: Option<u32>,
}

impl ApiError {
    /// A problem with a status, code and detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            detail: detail.into(),
            errors: None,
            retry_after: None,
        }
    }

    /// 400: the body is not JSON, or not the declared content type.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 401: no token, or a token that does not verify.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    /// 503: something the answer depends on (the OpenID provider) cannot be reached.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
    }

    /// 404 for a route or resource.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 422 with per-field messages.
    pub fn validation(errors: FieldErrors) -> Self {
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("invalid fields: {}", fields.join(", ")),
        );
        e.errors = Some(errors);
        e
    }

    /// 422 on a single field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_string(), vec![message.into()]);
        Self::validation(errors)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("urn:securehands:problem:{}", self.code),
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            errors: self.errors.clone(),
            request_id: crate::http::current_request_id(),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound(what) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ),
            ServiceError::Forbidden => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "your roles do not allow this action",
            ),
            ServiceError::Conflict { code, detail } => {
                ApiError::new(StatusCode::CONFLICT, code, detail)
            }
            ServiceError::Validation(errors) => ApiError::validation(errors),
            ServiceError::PreconditionRequired => ApiError::new(
                StatusCode::PRECONDITION_REQUIRED,
                "if_match_required",
                "send If-Match with the ETag of the revision you read",
            ),
            ServiceError::PreconditionFailed(detail) => {
                ApiError::new(StatusCode::PRECONDITION_FAILED, "stale_revision", detail)
            }
            ServiceError::Store(e) => ApiError::from(e),
        }
    }
}

/// 503 with `Retry-After: 1`: a transient database condition, nothing committed.
fn retry_soon(code: &'static str, detail: &'static str) -> ApiError {
    let mut e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, detail);
    e.retry_after = Some(1);
    e
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Busy(msg) => {
                tracing::warn!(error = %msg, "database busy");
                retry_soon("busy", "the database is busy; retry shortly")
            }
            StoreError::ConnectionLost(msg) => {
                tracing::warn!(error = %msg, "database connection lost");
                retry_soon(
                    "database_unavailable",
                    "the connection to the database was lost; retry shortly",
                )
            }
            StoreError::CannotConnect(msg) => {
                tracing::error!(error = %msg, "cannot open a connection to the database");
                retry_soon(
                    "database_unavailable",
                    "the database cannot be reached; retry shortly",
                )
            }
            StoreError::UniqueViolation(msg) => {
                tracing::warn!(error = %msg, "unique violation reached the edge");
                ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    "a concurrent request changed this resource; retry",
                )
            }
            other => {
                tracing::error!(error = %other, "storage failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error",
                )
            }
        }
    }
}

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
