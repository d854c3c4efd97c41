//! Health, readiness, metrics and the test clock.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::access::{Action, Principal};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;

/// Health status.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when healthy.
    pub status: &'static str,
}

/// The test clock's value.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TestClock {
    /// The service's "now".
    pub now: DateTime<Utc>,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Alive", body = Health)))]
pub async fn healthz() -> Response {
    axum::Json(Health { status: "ok" }).into_response()
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "Ready", body = Health),
    (status = 503, description = "Database unreachable", body = crate::http::error::Problem, content_type = "application/problem+json"),
))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => axum::Json(Health { status: "ok" }).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "the database is unreachable",
            )
            .into_response()
        }
    }
}

/// Prometheus metrics: requests by route and status, latency histogram.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// Reads the test clock (only when enabled; otherwise 404).
#[utoipa::path(get, path = "/v1/test-clock", tag = "operations",
    responses(
        (status = 200, description = "The current test time", body = TestClock),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ),
    security(("bearer" = [])))]
pub async fn get_test_clock(State(state): State<AppState>, principal: Principal) -> Response {
    if !state.clock.is_test() {
        return ApiError::not_found("no such route").into_response();
    }
    if !principal.may(Action::MoveTestClock) {
        return ApiError::from(crate::service::ServiceError::Forbidden).into_response();
    }
    axum::Json(TestClock {
        now: state.clock.now(),
    })
    .into_response()
}

/// Moves the test clock forward and runs every time-driven rule due up to the new
/// instant before answering (only when enabled; otherwise 404).
#[utoipa::path(post, path = "/v1/test-clock", tag = "operations",
    request_body = TestClock,
    responses(
        (status = 200, description = "The new test time", body = TestClock),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 409, response = crate::http::openapi::Conflict),
        (status = 422, response = crate::http::openapi::Unprocessable),
    ),
    security(("bearer" = [])))]
pub async fn set_test_clock(
    State(state): State<AppState>,
    principal: Principal,
    body: JsonBody<TestClock>,
) -> Response {
    if !state.clock.is_test() {
        return ApiError::not_found("no such route").into_response();
    }
    if !principal.may(Action::MoveTestClock) {
        return ApiError::from(crate::service::ServiceError::Forbidden).into_response();
    }
    let _serial = state.jobs_lock.lock().await;
    match state.clock.set(body.value.now) {
        Ok(now) => {
            if let Err(e) = crate::jobs::run_due(&state.db, now).await {
                return ApiError::from(e).into_response();
            }
            axum::Json(TestClock { now }).into_response()
        }
        Err(e) => {
            ApiError::new(StatusCode::CONFLICT, "clock_backwards", e.to_string()).into_response()
        }
    }
}
