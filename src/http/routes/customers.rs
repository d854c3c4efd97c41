//! `/v1/customers`.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::dto::customers::{Customer, CustomerInput, CustomerPatch};
use crate::dto::{Page, PageQuery};
use crate::http::AppState;
use crate::http::auth::{Authorized, can};
use crate::http::extract::{IdempotencyKey, JsonBody, QueryParams};
use crate::http::routes::read;
use crate::http::uow::Reply;
use crate::service::customers as service;
use crate::write_request;

/// Creates a customer.
#[utoipa::path(
    post, path = "/v1/customers", tag = "customers",
    request_body = CustomerInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for the same request")),
    responses(
        (status = 201, description = "Created", body = Customer),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 409, response = crate::http::openapi::Conflict),
        (status = 422, response = crate::http::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
pub async fn create_customer(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    key: IdempotencyKey,
    body: JsonBody<CustomerInput>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        service::create(tx, ctx, body.value)
            .await
            .and_then(|c| Reply::created(&c))
    })
}

/// Lists customers in creation order.
#[utoipa::path(
    get, path = "/v1/customers", tag = "customers",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of customers", body = Page<Customer>),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 422, response = crate::http::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
pub async fn list_customers(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    QueryParams(page): QueryParams<PageQuery>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { service::list(tx, &ctx, page).await })
    })
    .await
}

/// Reads a customer.
#[utoipa::path(
    get, path = "/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, description = "The customer", body = Customer),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn get_customer(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    Path(id): Path<String>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { service::get(tx, &ctx, &id).await })
    })
    .await
}

/// Changes a customer (JSON merge patch).
#[utoipa::path(
    patch, path = "/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    request_body = CustomerPatch,
    responses(
        (status = 200, description = "The customer after the change", body = Customer),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 422, response = crate::http::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
pub async fn patch_customer(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<CustomerPatch>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        service::patch(tx, ctx, &id, body.value)
            .await
            .and_then(|c| Reply::ok(&c))
    })
}
