//! `/v1/customers`.

use axum::extract::{Path, State};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::can;
use crate::domain::ids::CustomerId;
use crate::dto::customers::{Customer, CustomerInput, CustomerPatch};
use crate::dto::{Page, PageQuery};
use crate::http::AppState;
use crate::http::auth::Authorized;
use crate::http::extract::{IdempotencyKey, JsonBody, QueryParams};
use crate::http::openapi::{ReadErrors, WriteErrors};
use crate::http::routes::read;
use crate::http::uow::{Reply, write};
use crate::service::customers as service;

/// The customer routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_customer, list_customers))
        .routes(routes!(get_customer, patch_customer))
}

/// Creates a customer.
#[utoipa::path(
    post, path = "/v1/customers", tag = "customers",
    request_body = CustomerInput,
    responses(
        (status = 201, description = "Created", body = Customer), WriteErrors),
    security(("bearer" = []))
)]
pub async fn create_customer(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    key: IdempotencyKey,
    body: JsonBody<CustomerInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            service::create(tx, ctx, body.value)
                .await
                .and_then(|c| Reply::created(&c))
        })
    })
    .await
}

/// Lists customers in creation order.
#[utoipa::path(
    get, path = "/v1/customers", tag = "customers",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of customers", body = Page<Customer>), ReadErrors),
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
        (status = 200, description = "The customer", body = Customer), ReadErrors),
    security(("bearer" = []))
)]
pub async fn get_customer(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    Path(id): Path<CustomerId>,
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
        (status = 200, description = "The customer after the change", body = Customer), WriteErrors),
    security(("bearer" = []))
)]
pub async fn patch_customer(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageReferenceData>,
    key: IdempotencyKey,
    Path(id): Path<CustomerId>,
    body: JsonBody<CustomerPatch>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            service::patch(tx, ctx, &id, body.value)
                .await
                .and_then(|c| Reply::ok(&c))
        })
    })
    .await
}
