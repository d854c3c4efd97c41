//! Health, readiness, metrics and the test clock.

use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::{Action, Principal};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::openapi::{ReadErrors, WriteErrors};
use crate::service::jobs::ClockMoveError;

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

/// The operations routes: health, readiness, metrics, test clock.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_test_clock, set_test_clock))
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Alive", body = Health)))]
pub async fn healthz() -> Response {
    axum::Json(Health { status: "ok" }).into_response()
}

/// Readiness: the database answers and the replica is not stopping.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "Ready", body = Health),
    (status = 503, description = "Stopping (`draining`) or database unreachable (`not_ready`)", body = crate::http::error::Problem, content_type = "application/problem+json"),
))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.draining.load(std::sync::atomic::Ordering::Acquire) {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "draining",
            "this replica is stopping; requests in flight are finishing",
        )
        .into_response();
    }
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

/// Prometheus metrics with `# HELP` lines: requests by route and status, latency,
/// requests refused (rate limit, capacity, timeout), sign-ins, the connection pool,
/// each time-driven rule (runs, errors, duration, last success) and the mail and
/// webhook backlogs (count, oldest age).
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    // The database's figures are read at each scrape; when it does not answer, the
    // rest is still served (and /readyz says why).
    if let Err(e) = crate::service::metrics::refresh(&state.db, state.clock.now()).await {
        tracing::warn!(error = %e, "metrics: the database's figures could not be read");
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// Authenticates an administrator for the test clock, after checking the clock is
/// enabled: a disabled test clock is a 404 whoever asks and whatever is sent.
async fn clock_admin(state: &AppState, parts: &mut Parts) -> Result<(), ApiError> {
    if !state.clock.is_test() {
        return Err(ApiError::not_found("no such route"));
    }
    let principal = Principal::from_request_parts(parts, state).await?;
    if !principal.may(Action::MoveTestClock) {
        return Err(crate::service::ServiceError::Forbidden.into());
    }
    Ok(())
}

/// Reads the test clock (only when enabled; otherwise 404).
#[utoipa::path(get, path = "/v1/test-clock", tag = "operations",
    responses(
        (status = 200, description = "The current test time", body = TestClock), ReadErrors),
    security(("bearer" = [])))]
pub async fn get_test_clock(State(state): State<AppState>, request: Request) -> Response {
    let (mut parts, _) = request.into_parts();
    if let Err(e) = clock_admin(&state, &mut parts).await {
        return e.into_response();
    }
    axum::Json(TestClock {
        now: state.clock.now(),
    })
    .into_response()
}

/// Moves the test clock forward and runs every time-driven rule due up to the new
/// instant before answering (only when enabled; otherwise 404). If a rule fails, the
/// clock does not move, so the same call can be retried.
#[utoipa::path(post, path = "/v1/test-clock", tag = "operations",
    request_body = TestClock,
    responses(
        (status = 200, description = "The new test time", body = TestClock), WriteErrors),
    security(("bearer" = [])))]
pub async fn set_test_clock(State(state): State<AppState>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    if let Err(e) = clock_admin(&state, &mut parts).await {
        return e.into_response();
    }
    let request = Request::from_parts(parts, body);
    let body = match JsonBody::<TestClock>::from_request(request, &state).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    match state.jobs.advance_test_clock(body.value.now).await {
        Ok(now) => axum::Json(TestClock { now }).into_response(),
        Err(ClockMoveError::Service(e)) => ApiError::from(e).into_response(),
        Err(ClockMoveError::Clock(e)) => {
            ApiError::new(StatusCode::CONFLICT, "clock_backwards", e.to_string()).into_response()
        }
    }
}
