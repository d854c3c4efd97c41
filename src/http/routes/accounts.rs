//! Packs, balances, statements and quotes of one customer.

use axum::extract::{Path, State};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::access::can;
use crate::domain::ids::{CustomerId, QuoteId};
use crate::dto::ledger::{Balance, BalanceQuery, Pack, PackInput, Statement};
use crate::dto::quotes::{Quote, QuoteInput};
use crate::dto::{Page, PageQuery};
use crate::http::AppState;
use crate::http::auth::Authorized;
use crate::http::extract::{IdempotencyKey, JsonBody, QueryParams};
use crate::http::openapi::{ReadErrors, WriteErrors};
use crate::http::routes::{read, read_direct, read_feed};
use crate::http::uow::{Reply, write};
use crate::service::{finance, packs, quotes, statements};

/// The routes of one customer's account: packs, balance, statements, quotes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sell_pack, list_packs))
        .routes(routes!(balance))
        .routes(routes!(statement))
        .routes(routes!(create_quote, list_quotes))
        .routes(routes!(get_quote))
        .routes(routes!(cancel_quote))
}

/// Sells a pack of units to a customer.
///
/// Needs an active SecureCall contract on `received_on` unless the customer is
/// `standalone_agreed`. The pack first pays any outstanding deficit, then waiting SoWs
/// are provisioned in approval order.
#[utoipa::path(
    post, path = "/v1/customers/{id}/packs", tag = "ledger",
    params(("id" = String, Path, description = "Customer id")),
    request_body(content = PackInput, example = json!({"units": "40.00", "order_reference": "PO-2026-118", "received_on": "2026-12-01", "price": {"amount": "4800.00", "currency": "EUR"}})),
    responses(
        (status = 201, description = "Sold", body = Pack), WriteErrors),
    security(("bearer" = []))
)]
pub async fn sell_pack(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageCommercial>,
    key: IdempotencyKey,
    Path(id): Path<CustomerId>,
    body: JsonBody<PackInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            packs::sell(tx, ctx, &id, body.value)
                .await
                .and_then(|p| Reply::created(&p))
        })
    })
    .await
}

/// Lists a customer's packs.
#[utoipa::path(
    get, path = "/v1/customers/{id}/packs", tag = "ledger",
    params(("id" = String, Path, description = "Customer id"), PageQuery),
    responses(
        (status = 200, description = "A page of packs", body = Page<Pack>), ReadErrors),
    security(("bearer" = []))
)]
pub async fn list_packs(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadBalance>,
    Path(id): Path<CustomerId>,
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
        (status = 200, description = "The balance", body = Balance), ReadErrors),
    security(("bearer" = []))
)]
pub async fn balance(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadBalance>,
    Path(id): Path<CustomerId>,
    QueryParams(q): QueryParams<BalanceQuery>,
) -> Response {
    match q.as_of {
        // Now: one statement, no transaction (what finance systems poll).
        None => {
            read_direct(&state, principal, |db, ctx| {
                Box::pin(async move { finance::balance_now(db, &ctx, &id).await })
            })
            .await
        }
        Some(at) => {
            read(&state, principal, |tx, ctx| {
                Box::pin(async move { finance::balance(tx, &ctx, &id, Some(at)).await })
            })
            .await
        }
    }
}

/// A monthly statement: opening, each movement kind, closing (reconciles to the ledger).
#[utoipa::path(
    get, path = "/v1/customers/{id}/statements/{month}", tag = "ledger",
    params(("id" = String, Path, description = "Customer id"), ("month" = String, Path, pattern = r"^(19[7-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])$", description = "YYYY-MM (1970-01 to 2999-12)")),
    responses(
        (status = 200, description = "The statement", body = Statement), ReadErrors),
    security(("bearer" = []))
)]
pub async fn statement(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadAccount>,
    Path((id, month)): Path<(CustomerId, String)>,
) -> Response {
    read_feed(&state, principal, |tx, ctx| {
        Box::pin(async move { statements::statement(tx, &ctx, &id, &month).await })
    })
    .await
}

/// Raises a top-up quote by hand.
#[utoipa::path(
    post, path = "/v1/customers/{id}/quotes", tag = "quotes",
    params(("id" = String, Path, description = "Customer id")),
    request_body(content = QuoteInput, example = json!({"units": "20.00", "reason": "Q1 change window"})),
    responses(
        (status = 201, description = "Raised", body = Quote), WriteErrors),
    security(("bearer" = []))
)]
pub async fn create_quote(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageCommercial>,
    key: IdempotencyKey,
    Path(id): Path<CustomerId>,
    body: JsonBody<QuoteInput>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            quotes::create(tx, ctx, &id, body.value)
                .await
                .and_then(|q| Reply::created(&q))
        })
    })
    .await
}

/// Lists a customer's quotes.
#[utoipa::path(
    get, path = "/v1/customers/{id}/quotes", tag = "quotes",
    params(("id" = String, Path, description = "Customer id"), PageQuery),
    responses(
        (status = 200, description = "A page of quotes", body = Page<Quote>), ReadErrors),
    security(("bearer" = []))
)]
pub async fn list_quotes(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadAccount>,
    Path(id): Path<CustomerId>,
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
        (status = 200, description = "The quote", body = Quote), ReadErrors),
    security(("bearer" = []))
)]
pub async fn get_quote(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ReadAccount>,
    Path(id): Path<QuoteId>,
) -> Response {
    read(&state, principal, |tx, ctx| {
        Box::pin(async move { quotes::get(tx, &ctx, &id).await })
    })
    .await
}

/// Cancels an open quote.
#[utoipa::path(
    post, path = "/v1/quotes/{id}/cancel", tag = "quotes",
    params(("id" = String, Path, description = "Quote id")),
    responses(
        (status = 200, description = "Cancelled", body = Quote), WriteErrors),
    security(("bearer" = []))
)]
pub async fn cancel_quote(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<can::ManageCommercial>,
    key: IdempotencyKey,
    Path(id): Path<QuoteId>,
    body: JsonBody<serde_json::Value>,
) -> Response {
    write(&state, principal, key, body.fingerprint, |tx, ctx| {
        Box::pin(async move {
            quotes::cancel(tx, ctx, &id)
                .await
                .and_then(|q| Reply::ok(&q))
        })
    })
    .await
}
