//! `/v1/requests`: logging, responding, declining, redirecting.

use axum::extract::{Path, State};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::can;
use crate::domain::ids::RequestId;
use crate::domain::request::RequestStatus;
use crate::dto::Page;
use crate::dto::work::{ReasonInput, Request, RequestInput, RespondInput, WorkQuery};
use crate::http::AppState;
use crate::http::auth::Authorized;
use crate::http::extract::{IdempotencyKey, JsonBody, QueryParams};
use crate::http::openapi::{ReadErrors, WriteErrors};
use crate::http::routes::read;
use crate::http::uow::{Reply, write};
use crate::service::requests;

/// The request routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_request, list_requests))
        .routes(routes!(get_request))
        .routes(routes!(respond_request))
        .routes(routes!(decline_request))
        .routes(routes!(redirect_request))
}

/// Logs a SecureHands request (SOC lead, or the customer for itself).
#[utoipa::path(post, path = "/v1/requests", tag = "requests",
    request_body(content = RequestInput, example = json!({"customer_id": "cus_…", "kind": "change_execution", "channel": "portal", "summary": "Firewall rule change", "identity_verified": true})),
    responses((status = 201, description = "Logged, with its SLA deadlines", body = Request), WriteErrors),
    security(("bearer" = [])))]
pub async fn create_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::LogRequest>,
    key: IdempotencyKey,
    body: JsonBody<RequestInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::created(&requests::create(tx, ctx, body.value).await?) })
    })
    .await
}

/// Lists requests.
#[utoipa::path(get, path = "/v1/requests", tag = "requests", params(WorkQuery),
    responses((status = 200, description = "A page of requests", body = Page<Request>), ReadErrors),
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
    responses((status = 200, description = "The request", body = Request), ReadErrors),
    security(("bearer" = [])))]
pub async fn get_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadWork>,
    Path(id): Path<RequestId>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { requests::get(tx, &ctx, &id).await })
    })
    .await
}

/// Records the initial response to a request.
#[utoipa::path(post, path = "/v1/requests/{id}/respond", tag = "requests", params(("id" = String, Path, description = "Request id")),
    request_body = RespondInput,
    responses((status = 200, description = "Responded", body = Request), WriteErrors),
    security(("bearer" = [])))]
pub async fn respond_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::HandleRequest>,
    key: IdempotencyKey,
    Path(id): Path<RequestId>,
    body: JsonBody<RespondInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move { Reply::ok(&requests::respond(tx, ctx, &id, body.value).await?) })
    })
    .await
}

/// Declines a request (skills unavailable).
#[utoipa::path(post, path = "/v1/requests/{id}/decline", tag = "requests", params(("id" = String, Path, description = "Request id")),
    request_body = ReasonInput,
    responses((status = 200, description = "Declined", body = Request), WriteErrors),
    security(("bearer" = [])))]
pub async fn decline_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::HandleRequest>,
    key: IdempotencyKey,
    Path(id): Path<RequestId>,
    body: JsonBody<ReasonInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            let request =
                requests::close(tx, ctx, &id, RequestStatus::Declined, body.value).await?;
            Reply::ok(&request)
        })
    })
    .await
}

/// Redirects a request to professional services.
#[utoipa::path(post, path = "/v1/requests/{id}/redirect", tag = "requests", params(("id" = String, Path, description = "Request id")),
    request_body = ReasonInput,
    responses((status = 200, description = "Redirected", body = Request), WriteErrors),
    security(("bearer" = [])))]
pub async fn redirect_request(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::HandleRequest>,
    key: IdempotencyKey,
    Path(id): Path<RequestId>,
    body: JsonBody<ReasonInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            let request =
                requests::close(tx, ctx, &id, RequestStatus::Redirected, body.value).await?;
            Reply::ok(&request)
        })
    })
    .await
}
