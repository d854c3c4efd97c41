//! `/v1/requests`: logging, responding, declining, redirecting.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::dto::Page;
use crate::dto::work::{ReasonInput, Request, RequestInput, RespondInput, WorkQuery};
use crate::http::AppState;
use crate::http::auth::{Authorized, can};
use crate::http::extract::{IdempotencyKey, JsonBody, QueryParams};
use crate::http::routes::read;
use crate::http::uow::Reply;
use crate::service::requests;
use crate::write_request;

/// Logs a SecureHands request (SOC lead, or the customer for itself).
#[utoipa::path(post, path = "/v1/requests", tag = "requests",
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for the same request")),
    request_body(content = RequestInput, example = json!({"customer_id": "cus_…", "kind": "change_execution", "channel": "portal", "summary": "Firewall rule change", "identity_verified": true})),
    responses((status = 201, description = "Logged, with its SLA deadlines", body = Request),
        (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden), (status = 404, response = crate::http::openapi::NotFound),
        (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn create_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::LogRequest>,
    key: IdempotencyKey,
    body: JsonBody<RequestInput>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        requests::create(tx, ctx, body.value)
            .await
            .and_then(|r| Reply::created(&r))
    })
}

/// Lists requests.
#[utoipa::path(get, path = "/v1/requests", tag = "requests", params(WorkQuery),
    responses((status = 200, description = "A page of requests", body = Page<Request>),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound), (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn list_requests(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    QueryParams(q): QueryParams<WorkQuery>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { requests::list(tx, &ctx, q).await })
    })
    .await
}

/// Reads a request.
#[utoipa::path(get, path = "/v1/requests/{id}", tag = "requests", params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The request", body = Request),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound)),
    security(("bearer" = [])))]
pub async fn get_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    Path(id): Path<String>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { requests::get(tx, &ctx, &id).await })
    })
    .await
}

/// Records the initial response to a request.
#[utoipa::path(post, path = "/v1/requests/{id}/respond", tag = "requests", params(("id" = String, Path, description = "Request id")),
    request_body = RespondInput,
    responses((status = 200, description = "Responded", body = Request),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound), (status = 409, response = crate::http::openapi::Conflict),
        (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn respond_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::HandleRequest>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<RespondInput>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        requests::respond(tx, ctx, &id, body.value)
            .await
            .and_then(|r| Reply::ok(&r))
    })
}

/// Declines a request (skills unavailable).
#[utoipa::path(post, path = "/v1/requests/{id}/decline", tag = "requests", params(("id" = String, Path, description = "Request id")),
    request_body = ReasonInput,
    responses((status = 200, description = "Declined", body = Request),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound), (status = 409, response = crate::http::openapi::Conflict),
        (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn decline_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::HandleRequest>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<ReasonInput>,
) -> Response {
    close_request(state, principal, key, id, body, "declined").await
}

/// Redirects a request to professional services.
#[utoipa::path(post, path = "/v1/requests/{id}/redirect", tag = "requests", params(("id" = String, Path, description = "Request id")),
    request_body = ReasonInput,
    responses((status = 200, description = "Redirected", body = Request),
        (status = 401, response = crate::http::openapi::Unauthorized), (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound), (status = 409, response = crate::http::openapi::Conflict),
        (status = 422, response = crate::http::openapi::Unprocessable)),
    security(("bearer" = [])))]
pub async fn redirect_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::HandleRequest>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<ReasonInput>,
) -> Response {
    close_request(state, principal, key, id, body, "redirected").await
}

/// Declining and redirecting differ only in the status the request ends in.
async fn close_request(
    state: AppState,
    principal: crate::domain::access::Principal,
    key: IdempotencyKey,
    id: String,
    body: JsonBody<ReasonInput>,
    status: &'static str,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        requests::close(tx, ctx, &id, status, body.value)
            .await
            .and_then(|r| Reply::ok(&r))
    })
}
