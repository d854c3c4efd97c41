//! Packs, balances, statements and quotes of one customer.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::dto::ledger::{Balance, BalanceQuery, Pack, PackInput, Statement};
use crate::dto::quotes::{Quote, QuoteInput};
use crate::dto::{Page, PageQuery};
use crate::http::AppState;
use crate::http::auth::{Authorized, can};
use crate::http::extract::{IdempotencyKey, JsonBody, QueryParams};
use crate::http::routes::read;
use crate::http::uow::Reply;
use crate::service::{finance, packs, quotes};
use crate::write_request;

/// Sells a pack of units to a customer.
///
/// Needs an active SecureCall contract on `received_on` unless the customer is
/// `standalone_agreed`. The pack first pays any outstanding deficit, then waiting SoWs
/// are provisioned in approval order.
#[utoipa::path(
    post, path = "/v1/customers/{id}/packs", tag = "ledger",
    params(("id" = String, Path, description = "Customer id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for the same request")),
    request_body(content = PackInput, example = json!({"units": "40.00", "order_reference": "PO-2026-118", "received_on": "2026-12-01", "price": {"amount": "4800.00", "currency": "EUR"}})),
    responses(
        (status = 201, description = "Sold", body = Pack),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 409, response = crate::http::openapi::Conflict),
        (status = 422, response = crate::http::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
pub async fn sell_pack(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageCommercial>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<PackInput>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        packs::sell(tx, ctx, &id, body.value)
            .await
            .and_then(|p| Reply::created(&p))
    })
}

/// Lists a customer's packs.
#[utoipa::path(
    get, path = "/v1/customers/{id}/packs", tag = "ledger",
    params(("id" = String, Path, description = "Customer id"), PageQuery),
    responses(
        (status = 200, description = "A page of packs", body = Page<Pack>),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 422, response = crate::http::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
pub async fn list_packs(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadAccount>,
    Path(id): Path<String>,
    QueryParams(page): QueryParams<PageQuery>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { packs::list(tx, &ctx, &id, page).await })
    })
    .await
}

/// A customer's balance: maintained figures, or recomputed from the ledger `as_of` a
/// past instant.
#[utoipa::path(
    get, path = "/v1/customers/{id}/balance", tag = "ledger",
    params(("id" = String, Path, description = "Customer id"), BalanceQuery),
    responses(
        (status = 200, description = "The balance", body = Balance),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 422, response = crate::http::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
pub async fn balance(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadAccount>,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<BalanceQuery>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { finance::balance(tx, &ctx, &id, q.as_of).await })
    })
    .await
}

/// A monthly statement: opening, each movement kind, closing (reconciles to the ledger).
#[utoipa::path(
    get, path = "/v1/customers/{id}/statements/{month}", tag = "ledger",
    params(("id" = String, Path, description = "Customer id"), ("month" = String, Path, description = "YYYY-MM")),
    responses(
        (status = 200, description = "The statement", body = Statement),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 422, response = crate::http::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
pub async fn statement(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadAccount>,
    Path((id, month)): Path<(String, String)>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { finance::statement(tx, &ctx, &id, &month).await })
    })
    .await
}

/// Raises a top-up quote by hand.
#[utoipa::path(
    post, path = "/v1/customers/{id}/quotes", tag = "quotes",
    params(("id" = String, Path, description = "Customer id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for the same request")),
    request_body(content = QuoteInput, example = json!({"units": "20.00", "reason": "Q1 change window"})),
    responses(
        (status = 201, description = "Raised", body = Quote),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 422, response = crate::http::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
pub async fn create_quote(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageCommercial>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<QuoteInput>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        quotes::create(tx, ctx, &id, body.value)
            .await
            .and_then(|q| Reply::created(&q))
    })
}

/// Lists a customer's quotes.
#[utoipa::path(
    get, path = "/v1/customers/{id}/quotes", tag = "quotes",
    params(("id" = String, Path, description = "Customer id"), PageQuery),
    responses(
        (status = 200, description = "A page of quotes", body = Page<Quote>),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 422, response = crate::http::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
pub async fn list_quotes(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadAccount>,
    Path(id): Path<String>,
    QueryParams(page): QueryParams<PageQuery>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { quotes::list(tx, &ctx, &id, page).await })
    })
    .await
}

/// Reads one quote.
#[utoipa::path(
    get, path = "/v1/quotes/{id}", tag = "quotes",
    params(("id" = String, Path, description = "Quote id")),
    responses(
        (status = 200, description = "The quote", body = Quote),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn get_quote(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadAccount>,
    Path(id): Path<String>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { quotes::get(tx, &ctx, &id).await })
    })
    .await
}

/// Cancels an open quote.
#[utoipa::path(
    post, path = "/v1/quotes/{id}/cancel", tag = "quotes",
    params(("id" = String, Path, description = "Quote id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for the same request")),
    responses(
        (status = 200, description = "Cancelled", body = Quote),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 409, response = crate::http::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
pub async fn cancel_quote(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageCommercial>,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<serde_json::Value>,
) -> Response {
    write_request!(state, principal, key, body.fingerprint, |tx, ctx| {
        quotes::cancel(tx, ctx, &id)
            .await
            .and_then(|q| Reply::ok(&q))
    })
}
